package app

import (
	"context"

	"liftoff/api"
	"liftoff/chat"
	"liftoff/integrations"
	"liftoff/integrations/routes"
	"liftoff/integrations/script"
	"liftoff/integrations/slash"
	"liftoff/internal/safehttp"
	"liftoff/model"
	"liftoff/settings/setting"
)

// startIntegrations builds the integrations service (with the script
// engine and the SSRF-safe client of outgoing calls), and declares its
// REST endpoints and /hooks routes on rest. The DDP methods are declared
// by registerMethods.
func (a *App) startIntegrations(ctx context.Context, rest *api.Server) error {
	allow, err := safehttp.ParseAllowList(a.settings.String(setting.LiftoffOutboundAllowList))
	if err != nil {
		a.log.Warn("ignoring an invalid outbound allow-list", "setting", setting.LiftoffOutboundAllowList, "err", err)
	}
	a.chat.Admin.CheckSetting(setting.LiftoffOutboundAllowList, func(v any) error {
		text, _ := v.(string)
		_, err := safehttp.ParseAllowList(text)
		return err
	})
	client := safehttp.New(safehttp.Options{AllowList: allow, UserAgent: "Liftoff"})
	unsubscribe := a.bus.Subscribe("integrations-allowlist", func(e model.Event) {
		ch, ok := e.(model.SettingChanged)
		if !ok || ch.Setting == nil || ch.Setting.ID != string(setting.LiftoffOutboundAllowList) {
			return
		}
		text, _ := ch.Setting.Value.(string)
		list, err := safehttp.ParseAllowList(text)
		if err != nil {
			a.log.Warn("ignoring an invalid outbound allow-list", "setting", setting.LiftoffOutboundAllowList, "err", err)
			return
		}
		client.SetAllowList(list)
	})
	engine := script.New(script.Options{HTTP: client, Logger: a.log})
	a.closers = append(a.closers, unsubscribe, func() { _ = engine.Close() })
	a.outbound = client
	a.integrations = integrations.New(integrations.Deps{
		Store: a.store, Data: a.store, Permissions: a.chat.Admin, Roles: a.chat.Admin,
		Chat: integrationChat{a}, Scripts: engine, Logger: a.log, Now: a.opts.Clock.Now,
	})
	a.startCommands(rest)
	routes.REST(rest.Router(), a.integrations)
	routes.Hooks(rest.Router(), a.integrations, a.cfg.MaxBodyBytes)
	// Outgoing calls are jobs of the shared queue (runJobs drains it).
	if err := a.integrations.StartOutgoing(ctx, integrations.OutgoingDeps{
		Queue: a.jobs, HTTP: client, Scripts: engine,
		SiteURL: func() string { return a.settings.String(setting.SiteURL) },
		Enabled: func() bool { return a.settings.Bool(setting.IntegrationsOutgoingEnabled) },
	}); err != nil {
		return err
	}
	unsubscribeEvents := a.bus.Subscribe("integrations-outgoing", a.integrations.HandleEvent)
	a.closers = append(a.closers, unsubscribeEvents)
	return nil
}

// integrationChat gives the integrations service the chat operations it
// posts with.
type integrationChat struct{ a *App }

func (c integrationChat) SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error) {
	return c.a.chat.Messages.SendMessage(ctx, user, in)
}

func (c integrationChat) CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error) {
	return c.a.chat.Rooms.CreateDirect(ctx, user, usernames, excludeSelf)
}

func (c integrationChat) Join(ctx context.Context, user *model.User, ref chat.RoomRef, joinCode string) (*model.Room, error) {
	return c.a.chat.Members.Join(ctx, user, ref, joinCode)
}

// startCommands builds the slash-command service and declares its REST
// endpoints; registerMethods declares slashCommand.
func (a *App) startCommands(rest *api.Server) {
	a.commands = slash.NewService(slash.Deps{Chat: slashChat{integrationChat{a}}, Data: a.store, Notices: a.bus, Permissions: a.chat.Admin})
	routes.CommandsREST(rest.Router(), a.commands)
}

// slashChat gives the built-in commands the chat operations they run.
type slashChat struct{ integrationChat }

func (c slashChat) SaveRoomSettings(ctx context.Context, user *model.User, roomID string, in chat.RoomSettingsInput) (*model.Room, error) {
	return c.a.chat.Rooms.SaveRoomSettings(ctx, user, roomID, in)
}

func (c slashChat) ArchiveRoom(ctx context.Context, user *model.User, roomID string) error {
	return c.a.chat.Rooms.ArchiveRoom(ctx, user, roomID)
}

func (c slashChat) UnarchiveRoom(ctx context.Context, user *model.User, roomID string) error {
	return c.a.chat.Rooms.UnarchiveRoom(ctx, user, roomID)
}

func (c slashChat) CreateRoom(ctx context.Context, user *model.User, in chat.CreateRoomInput) (*model.Room, error) {
	return c.a.chat.Rooms.CreateRoom(ctx, user, in)
}

func (c slashChat) Leave(ctx context.Context, user *model.User, ref chat.RoomRef, t string) (*model.Room, error) {
	return c.a.chat.Members.Leave(ctx, user, ref, t)
}

func (c slashChat) Invite(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, users []*model.User) (*model.Room, error) {
	return c.a.chat.Members.Invite(ctx, actor, ref, t, users)
}

func (c slashChat) Kick(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, target *model.User) (*model.Room, error) {
	return c.a.chat.Members.Kick(ctx, actor, ref, t, target)
}

func (c slashChat) MuteUser(ctx context.Context, actor *model.User, roomID, username string) error {
	return c.a.chat.Members.MuteUser(ctx, actor, roomID, username)
}

func (c slashChat) UnmuteUser(ctx context.Context, actor *model.User, roomID, username string) error {
	return c.a.chat.Members.UnmuteUser(ctx, actor, roomID, username)
}

func (c slashChat) SetUserStatus(ctx context.Context, actor *model.User, target chat.UserLookup, status string, message *string) error {
	return c.a.chat.Accounts.SetUserStatus(ctx, actor, target, status, message)
}

func (c slashChat) HideRoom(ctx context.Context, user *model.User, roomID string) error {
	return c.a.chat.Members.HideRoom(ctx, user, roomID)
}

func (c slashChat) OpenRoom(ctx context.Context, user *model.User, roomID string) error {
	return c.a.chat.Members.OpenRoom(ctx, user, roomID)
}
