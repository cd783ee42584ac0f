package app

import (
	"context"

	"liftoff/api"
	"liftoff/chat"
	matrix "liftoff/federation/matrix"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/settings/setting"
)

// MatrixConfig is the Matrix bridge's configuration, from the settings.
func (a *App) MatrixConfig() matrix.Config {
	s := a.settings
	return matrix.Config{
		Enabled:       s.Bool(setting.FederationMatrixEnabled),
		ID:            s.String(setting.FederationMatrixID),
		ASToken:       s.String(setting.FederationMatrixAsToken),
		HSToken:       s.String(setting.FederationMatrixHsToken),
		HomeserverURL: s.String(setting.FederationMatrixHomeserverURL),
		Domain:        s.String(setting.FederationMatrixHomeserverDomain),
		BridgeURL:     s.String(setting.FederationMatrixBridgeURL),
		BotLocalpart:  s.String(setting.FederationMatrixBridgeLocalpart),
		PuppetPrefix:  s.String(setting.LiftoffFederationMatrixPuppetPrefix),
	}
}

// startMatrix runs the Matrix bridge when Federation_Matrix_enabled is on
// (read at start: changing the bridge's settings needs a restart): its
// appservice endpoints on rest, its bus consumer, and its own job queue
// with one worker, so that each room's jobs run in order.
func (a *App) startMatrix(ctx context.Context, rest *api.Server) error {
	cfg := a.MatrixConfig()
	if !cfg.Enabled {
		return nil
	}
	queue := jobs.New(a.store, jobs.Options{Logger: a.log, Now: a.opts.Clock.Now, Workers: 1})
	bridge, err := matrix.New(matrix.Deps{
		Config: cfg, Data: a.store, Links: a.store, Chat: matrixChat{a}, Queue: queue, Logger: a.log,
	})
	if err != nil {
		a.log.Error("matrix bridge not started", "err", err)
		return nil
	}
	bridge.Routes(rest.Router().HandleHTTP)
	a.chat.Accounts.SetRemoteUsers(bridge)
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := queue.Run(runCtx); err != nil {
			a.log.Error("matrix job queue", "err", err)
		}
	}()
	syncDone := make(chan struct{})
	go func() { defer close(syncDone); bridge.RunSync(runCtx) }()
	unsubscribe := a.bus.Subscribe("matrix-bridge", bridge.HandleEvent)
	a.closers = append(a.closers, func() { unsubscribe(); stop(); <-done; <-syncDone })
	a.log.Info("matrix bridge started", "homeserver", cfg.HomeserverURL, "domain", cfg.Domain)
	return nil
}

// matrixChat gives the bridge the chat operations it acts with.
type matrixChat struct{ a *App }

func (c matrixChat) InsertUser(ctx context.Context, in chat.NewUserInput) (*model.User, error) {
	return c.a.chat.Accounts.InsertUser(ctx, in)
}

func (c matrixChat) SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error) {
	return c.a.chat.Messages.SendMessage(ctx, user, in)
}

func (c matrixChat) UpdateMessage(ctx context.Context, user *model.User, in chat.UpdateInput) (*model.Message, error) {
	return c.a.chat.Messages.UpdateMessage(ctx, user, in)
}

func (c matrixChat) DeleteMessage(ctx context.Context, user *model.User, in chat.DeleteInput) (*model.Message, error) {
	return c.a.chat.Messages.DeleteMessage(ctx, user, in)
}

func (c matrixChat) React(ctx context.Context, user *model.User, messageID, emoji string, shouldReact *bool) error {
	return c.a.chat.Messages.React(ctx, user, messageID, emoji, shouldReact)
}

func (c matrixChat) CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error) {
	return c.a.chat.Rooms.CreateDirect(ctx, user, usernames, excludeSelf)
}

func (c matrixChat) Invite(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, users []*model.User) (*model.Room, error) {
	return c.a.chat.Members.Invite(ctx, actor, ref, t, users)
}

func (c matrixChat) SaveRoomSettings(ctx context.Context, user *model.User, roomID string, in chat.RoomSettingsInput) (*model.Room, error) {
	return c.a.chat.Rooms.SaveRoomSettings(ctx, user, roomID, in)
}

func (c matrixChat) Typing(ctx context.Context, act model.UserActivity) error {
	return c.a.bus.Publish(ctx, act)
}
