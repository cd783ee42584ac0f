package app

import (
	"context"
	"liftoff/auth"
	"liftoff/realtime/ddplimit"
	"net/http"
	"time"

	"liftoff/access/perm"
	"liftoff/ddpapi"
	"liftoff/internal/clock"
	"liftoff/model"
	"liftoff/notify/notifyapi"
	"liftoff/presence"
	"liftoff/presence/cluster"
	"liftoff/realtime"
)

// permissionAdapter lets the realtime layer ask the chat service about
// global permissions.
type permissionAdapter struct{ a *App }

func (p permissionAdapter) HasPermission(_ context.Context, u *model.User, permission perm.ID) (bool, error) {
	return p.a.chat.Admin.Can(u, permission), nil
}

// mountRealtime builds the DDP server and the presence tracker, registers
// the domain methods and mounts the WebSocket endpoints on mux. It returns
// a function that closes every connection.
func (a *App) mountRealtime(ctx context.Context, c *Config, mux *http.ServeMux) (func(), error) {
	grace, heartbeat := c.PresenceGrace, c.Heartbeat
	var statuses presence.StatusStore = a.chat.Accounts
	var dir *cluster.Directory
	if c.NATSURL != "" {
		// Several instances: presence combines every instance's connections.
		var err error
		dir, err = cluster.Open(ctx, cluster.Options{URL: c.NATSURL, Prefix: c.NATSPrefix, Replicas: c.NATSReplicas, Heartbeat: c.ClusterHeartbeat, Logger: a.log,
			Info: a.instanceInfo.Encode()}, a.chat.Accounts)
		if err != nil {
			return nil, err
		}
		statuses = dir
		a.instances.SetCluster(dir)
	}
	closeDir := func() {
		if dir != nil {
			dir.Close()
		}
	}
	tracker, err := presence.NewTracker(presence.Config{Store: statuses, Grace: grace, Logger: a.log, Clock: presenceClock{a.opts.Clock}, Shared: dir != nil})
	if err != nil {
		closeDir()
		return nil, err
	}
	a.chat.Accounts.SetPresence(tracker)
	if a.notifier != nil {
		a.notifier.SetPresence(tracker)
	}
	rt, err := realtime.New(realtime.Config{
		Logger: a.log, ClientAddr: c.ClientAddr(), Bus: a.bus, Auth: a.auth, Rooms: a.chat.Rooms, Permissions: permissionAdapter{a},
		Presence: tracker, ExternalNotifications: a.notifier != nil, HeartbeatInterval: heartbeat, HeartbeatTimeout: heartbeat, Now: a.opts.Clock.Now,
		Tokens: auth.Recheck{S: a.auth}, TokenCheckInterval: c.SessionCheck,
		CallLimit: ddplimit.New(a.settings, a.opts.Clock.Now),
	})
	if err != nil {
		closeDir()
		return nil, err
	}
	registerMethods(rt, a, tracker)
	if a.account != nil {
		reg := ddpapi.NewRegistrar(rt, a.chat.Admin)
		notifyapi.AccountMethods(reg, a.account)
		notifyapi.Methods(reg, a.prefs, a.notifier)
	}
	rt.Start()
	for _, p := range realtime.Patterns() {
		mux.Handle(p, rt)
	}
	a.realtime = rt
	return func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rt.Close(closeCtx); err != nil {
			a.log.Warn("close realtime", "err", err)
		}
		closeDir() // withdraws this instance's connections from the cluster's presence
	}, nil
}

// presenceClock gives the presence tracker the app's clock.
type presenceClock struct{ c clock.Clock }

func (p presenceClock) AfterFunc(d time.Duration, f func()) presence.Timer {
	return p.c.AfterFunc(d, f)
}
