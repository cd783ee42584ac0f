package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"liftoff/rcclient"
)

// tokenCache keeps bench users' tokens between invocations, keyed by
// server URL and username, so that repeated runs skip password logins
// (bcrypt on the server).
type tokenCache struct {
	path   string
	server string
	all    map[string]map[string]rcclient.Credentials
}

func loadTokenCache(path, server string) (*tokenCache, error) {
	c := &tokenCache{path: path, server: server, all: map[string]map[string]rcclient.Credentials{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read token cache: %w", err)
	default:
		if err := json.Unmarshal(b, &c.all); err != nil {
			return nil, fmt.Errorf("token cache %s: %w", path, err)
		}
	}
	if c.all[server] == nil {
		c.all[server] = map[string]rcclient.Credentials{}
	}
	return c, nil
}

func (c *tokenCache) get(user string) (rcclient.Credentials, bool) {
	cr, ok := c.all[c.server][user]
	return cr, ok
}

func (c *tokenCache) put(user string, cr rcclient.Credentials) { c.all[c.server][user] = cr }

func (c *tokenCache) save() error {
	b, err := json.Marshal(c.all)
	if err != nil {
		return fmt.Errorf("encode token cache: %w", err)
	}
	if dir := filepath.Dir(c.path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("token cache dir: %w", err)
		}
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write token cache: %w", err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		return fmt.Errorf("write token cache: %w", err)
	}
	return nil
}

// ensureUsers returns credentials for bench users 0..n-1, logging in
// users that exist and creating (through the admin) those that do not.
func (r *Runner) ensureUsers(ctx context.Context, n, conc int) ([]rcclient.Credentials, error) {
	out := make([]rcclient.Credentials, n)
	var missing []int
	r.mu.Lock()
	for i := range n {
		if cr, ok := r.accounts[i]; ok {
			out[i] = cr
		} else {
			missing = append(missing, i)
		}
	}
	r.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	var done, created atomic.Int64
	start := time.Now()
	stop := r.t.Progress.Track(ctx, func() string {
		return fmt.Sprintf("setup users %s %d/%d (created %d) %.0fs", bar(float64(done.Load())/float64(len(missing)), 20),
			done.Load(), len(missing), created.Load(), time.Since(start).Seconds())
	})
	err := forEach(ctx, len(missing), conc, func(ctx context.Context, k int) error {
		i := missing[k]
		cr, made, err := r.ensureUser(ctx, r.userName(i))
		if err != nil {
			return err
		}
		if made {
			created.Add(1)
		}
		r.mu.Lock()
		r.accounts[i] = cr
		if r.state != nil {
			r.state.put(r.userName(i), cr)
		}
		r.mu.Unlock()
		out[i] = cr
		done.Add(1)
		return nil
	})
	stop()
	if err != nil {
		return nil, fmt.Errorf("set up users: %w", err)
	}
	return out, nil
}

func (r *Runner) ensureUser(ctx context.Context, name string) (rcclient.Credentials, bool, error) {
	r.mu.Lock()
	var cached rcclient.Credentials
	var ok bool
	if r.state != nil {
		cached, ok = r.state.get(name)
	}
	r.mu.Unlock()
	if ok {
		if me, err := r.userClient(cached).Me(ctx); err == nil && me.ID == cached.UserID {
			return cached, false, nil
		}
	}
	// Look the user up first instead of trying to log in: failed logins
	// count towards the server's login blocking (Rocket.Chat's
	// Block_Multiple_Failed_Logins), by username and by address.
	made := false
	if _, err := r.admin.UserInfo(ctx, name); err != nil {
		if s := rcclient.HTTPStatus(err); s != http.StatusBadRequest && s != http.StatusNotFound {
			return rcclient.Credentials{}, false, fmt.Errorf("look up user %s: %w", name, err)
		}
		_, err := r.admin.CreateUser(ctx, rcclient.NewUser{
			Username: name, Email: name + "@bench.invalid", Name: name, Password: r.t.Password, Verified: true,
		})
		if err != nil {
			return rcclient.Credentials{}, false, fmt.Errorf("create user %s: %w", name, err)
		}
		made = true
	}
	c := &rcclient.Client{BaseURL: r.admin.BaseURL, HTTP: r.rest}
	cr, err := c.Login(ctx, name, r.t.Password)
	if err != nil {
		return rcclient.Credentials{}, false, fmt.Errorf("log in %s (does it have the password given by -user-pass?): %w", name, err)
	}
	return cr, made, nil
}

// ensureRoom returns the id of the public channel name, creating it when
// needed, and makes sure every given user is a member.
func (r *Runner) ensureRoom(ctx context.Context, name string, users []int, creds []rcclient.Credentials, conc int) (string, error) {
	room, err := r.admin.ChannelInfo(ctx, name)
	if err != nil {
		if rcclient.HTTPStatus(err) != http.StatusBadRequest && rcclient.HTTPStatus(err) != http.StatusNotFound {
			return "", fmt.Errorf("room %s: %w", name, err)
		}
		names := make([]string, len(users))
		for k, i := range users {
			names[k] = r.userName(i)
		}
		room, err = r.admin.CreateChannel(ctx, name, names)
		if err != nil {
			return "", fmt.Errorf("create room %s: %w", name, err)
		}
	}
	if room.ID == "" {
		return "", fmt.Errorf("room %s: server returned no id", name)
	}
	// Invite whoever is missing; when the member list is unavailable,
	// invite everyone (inviting a member is harmless).
	have := map[string]bool{}
	if err := r.roomMembers(ctx, room.ID, have); err != nil {
		clear(have)
	}
	var todo []string
	for _, i := range users {
		if !have[creds[i].UserID] {
			todo = append(todo, creds[i].UserID)
		}
	}
	err = forEach(ctx, len(todo), conc, func(ctx context.Context, k int) error {
		if err := r.admin.InviteToChannel(ctx, room.ID, todo[k]); err != nil {
			return fmt.Errorf("invite %s to %s: %w", todo[k], name, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return room.ID, nil
}

func (r *Runner) roomMembers(ctx context.Context, roomID string, have map[string]bool) error {
	const page = 500
	for off := 0; ; off += page {
		ms, total, err := r.admin.ChannelMembers(ctx, roomID, off, page)
		if err != nil {
			return err
		}
		for _, m := range ms {
			have[m.ID] = true
		}
		if len(ms) < page || off+page >= total {
			return nil
		}
	}
}
