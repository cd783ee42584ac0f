package matrix

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"liftoff/chat"
	"liftoff/federation/matrix/links"
	"liftoff/jobs"
	"liftoff/model"
)

// Data is what the bridge reads of Liftoff's records (store.Store has it).
type Data interface {
	UserByID(ctx context.Context, id string) (*model.User, error)
	// UserByUsername returns store.ErrNotFound for an unknown user.
	UserByUsername(ctx context.Context, username string) (*model.User, error)
	RoomByID(ctx context.Context, id string) (*model.Room, error)
	MessageByID(ctx context.Context, id string) (*model.Message, error)
	MemberIDs(ctx context.Context, roomID string) ([]string, error)
}

// Chat is what the bridge does in Liftoff, as the users it acts for: the
// chat services' own operations, with their permission checks.
type Chat interface {
	InsertUser(ctx context.Context, in chat.NewUserInput) (*model.User, error)
	SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error)
	UpdateMessage(ctx context.Context, user *model.User, in chat.UpdateInput) (*model.Message, error)
	DeleteMessage(ctx context.Context, user *model.User, in chat.DeleteInput) (*model.Message, error)
	React(ctx context.Context, user *model.User, messageID, emoji string, shouldReact *bool) error
	CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error)
	Invite(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, users []*model.User) (*model.Room, error)
	SaveRoomSettings(ctx context.Context, user *model.User, roomID string, in chat.RoomSettingsInput) (*model.Room, error)
	// Typing publishes a user's typing state in a room (never stored).
	Typing(ctx context.Context, a model.UserActivity) error
}

// Queue is the durable job queue the outbound work is stored in.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...jobs.NewJob) (int, error)
	HandleBatch(kind string, maxBatch int, h jobs.BatchHandler, opts jobs.KindOptions)
}

// Deps are the bridge's collaborators.
type Deps struct {
	Config Config
	Data   Data
	Links  links.Store
	Chat   Chat
	Queue  Queue
	Logger *slog.Logger
	// HTTP is the client for the homeserver (default: a client with a 30 s
	// timeout).
	HTTP *http.Client
}

// Bridge is the running application service.
type Bridge struct {
	cfg   Config
	d     Deps
	log   *slog.Logger
	bot   *mautrix.Client
	mu    sync.Mutex
	ready map[id.UserID]bool // puppets registered (and named) since start
	// txnMu serialises transactions: the homeserver sends one at a time,
	// and per-room order must hold even if it retries concurrently.
	txnMu sync.Mutex
	// typing holds, per room, the remote users last seen typing.
	typing map[string]map[string]bool
}

// JobKind is the kind of the bridge's outbound jobs.
const JobKind = "matrix.out"

// New builds the bridge and registers its job kind on the queue.
func New(d Deps) (*Bridge, error) {
	if err := d.Config.Validate(); err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	bot, err := mautrix.NewClient(d.Config.HomeserverURL, d.Config.Bot(), d.Config.ASToken)
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	bot.Client = d.HTTP
	bot.SetAppServiceUserID = true
	bot.DefaultHTTPRetries = 0
	b := &Bridge{cfg: d.Config, d: d, log: d.Logger.With("component", "matrix"), bot: bot, ready: map[id.UserID]bool{}}
	d.Queue.HandleBatch(JobKind, 100, b.runJobs, jobs.KindOptions{
		MaxAttempts: 50, Backoff: jobs.Backoff{Base: time.Second, Max: time.Minute, Jitter: 0.3},
	})
	return b, nil
}

// Config returns the bridge's configuration.
func (b *Bridge) Config() Config { return b.cfg }

// client returns a client acting as user (the bot or a puppet) through the
// appservice's identity assertion.
func (b *Bridge) client(user id.UserID) *mautrix.Client {
	c, _ := mautrix.NewClient(b.cfg.HomeserverURL, user, b.cfg.ASToken)
	c.Client = b.d.HTTP
	c.SetAppServiceUserID = true
	c.DefaultHTTPRetries = 0
	return c
}

// ensurePuppet registers the puppet of a Liftoff user (once) and keeps its
// display name.
func (b *Bridge) ensurePuppet(ctx context.Context, u *model.User) (*mautrix.Client, error) {
	uid := b.cfg.Puppet(u.Username)
	c := b.client(uid)
	b.mu.Lock()
	done := b.ready[uid]
	b.mu.Unlock()
	if done {
		return c, nil
	}
	_, _, err := c.Register(ctx, &mautrix.ReqRegister[any]{
		Username: uid.Localpart(), Type: mautrix.AuthTypeAppservice, InhibitLogin: true,
	})
	if err != nil && !errors.Is(err, mautrix.MUserInUse) {
		return nil, fmt.Errorf("register puppet %s: %w", uid, err)
	}
	name := u.Name
	if name == "" {
		name = u.Username
	}
	if err := c.SetDisplayName(ctx, name); err != nil {
		return nil, fmt.Errorf("set display name of %s: %w", uid, err)
	}
	b.mu.Lock()
	b.ready[uid] = true
	b.mu.Unlock()
	return c, nil
}

// forget makes the next ensurePuppet register and name the puppet again
// (its display name changed).
func (b *Bridge) forget(username string) {
	b.mu.Lock()
	delete(b.ready, b.cfg.Puppet(username))
	b.mu.Unlock()
}

// messageID derives a Liftoff message id from a Matrix event id, so an
// event applied twice makes one message (SendMessage with a known id
// returns the stored message).
func messageID(eventID id.EventID) string {
	sum := sha256.Sum256([]byte("matrix:" + eventID))
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
	out := make([]byte, 17)
	for i := range out {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}

// txnID makes a stable transaction id for a send, so that a job run again
// after a crash does not send twice (the homeserver deduplicates by it).
func txnID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("lo%x", h.Sum(nil)[:16])
}
