// Package slash holds Rocket.Chat's built-in slash commands (/me, /join,
// /topic, /shrug...) on the commands registry, and runs commands for
// commands.run and the slashCommand method. Refusals reach the user as
// ephemeral messages in the room, as Rocket.Chat's do; the call itself
// then succeeds.
package slash

import (
	"context"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/integrations/commands"
	"liftoff/model"
	"liftoff/store"
)

// Chat is what the built-ins use of the chat services.
type Chat interface {
	SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error)
	SaveRoomSettings(ctx context.Context, user *model.User, roomID string, in chat.RoomSettingsInput) (*model.Room, error)
	ArchiveRoom(ctx context.Context, user *model.User, roomID string) error
	UnarchiveRoom(ctx context.Context, user *model.User, roomID string) error
	CreateRoom(ctx context.Context, user *model.User, in chat.CreateRoomInput) (*model.Room, error)
	CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error)
	Join(ctx context.Context, user *model.User, ref chat.RoomRef, joinCode string) (*model.Room, error)
	Leave(ctx context.Context, user *model.User, ref chat.RoomRef, t string) (*model.Room, error)
	Invite(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, users []*model.User) (*model.Room, error)
	Kick(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, target *model.User) (*model.Room, error)
	MuteUser(ctx context.Context, actor *model.User, roomID, username string) error
	UnmuteUser(ctx context.Context, actor *model.User, roomID, username string) error
	SetUserStatus(ctx context.Context, actor *model.User, target chat.UserLookup, status string, message *string) error
	HideRoom(ctx context.Context, user *model.User, roomID string) error
	OpenRoom(ctx context.Context, user *model.User, roomID string) error
}

// Notices delivers ephemeral messages (the bus).
type Notices interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// Permissions answers global permission checks (chat.Admin).
type Permissions interface {
	Can(user *model.User, p perm.ID) bool
}

// Deps are the services of the built-ins.
type Deps struct {
	Chat        Chat
	Data        store.Reader
	Notices     Notices
	Permissions Permissions
}

// Env is one run's environment: the caller and the services.
type Env struct {
	User *model.User
	*Deps
}

// notice sends text to the caller alone, in the room of the invocation.
func (e Env) notice(ctx context.Context, inv commands.Invocation, text string) {
	_ = e.Notices.Publish(ctx, model.EphemeralMessage{UserID: e.User.ID, RoomID: inv.RoomID, ThreadID: inv.Tmid, Msg: text})
}

// refuse turns a domain error into the ephemeral notice Rocket.Chat shows.
func (e Env) refuse(ctx context.Context, inv commands.Invocation, err error) error {
	if err == nil {
		return nil
	}
	if me, ok := model.AsError(err); ok {
		text := me.Reason
		if text == "" {
			text = me.Type
		}
		e.notice(ctx, inv, text)
		return nil
	}
	return err
}

// New returns a registry holding the built-ins. Later parts (apps) add
// their commands to it.
func New() *commands.Registry[Env] {
	r := commands.NewRegistry(func(ctx context.Context, env Env, inv commands.Invocation, perms []string) (bool, error) {
		for _, p := range perms {
			if env.Permissions.Can(env.User, perm.ID(p)) {
				return true, nil
			}
		}
		return false, nil
	})
	for _, c := range builtins() {
		if err := r.Add(c); err != nil {
			panic(err) // a duplicate among the built-ins is a programming error
		}
	}
	return r
}

// send posts text in the invocation's room as the caller.
func send(ctx context.Context, env Env, inv commands.Invocation, text string) (any, error) {
	_, err := env.Chat.SendMessage(ctx, env.User, chat.SendInput{RoomID: inv.RoomID, Msg: text, ThreadID: inv.Tmid})
	return nil, env.refuse(ctx, inv, err)
}

// textCommand posts the parameters with a suffix (or prefix).
func textCommand(name, description, prefix, suffix string) commands.Command[Env] {
	return commands.Command[Env]{Name: name, Params: "your_message_optional", Description: description,
		Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
			text := strings.TrimSpace(inv.Params)
			if prefix != "" {
				text = strings.TrimSpace(prefix + " " + text)
			}
			if suffix != "" {
				text = strings.TrimSpace(text + " " + suffix)
			}
			return send(ctx, env, inv, text)
		}}
}

// firstWord is the first parameter without its sigil.
func firstWord(params, sigil string) string {
	f := strings.Fields(params)
	if len(f) == 0 {
		return ""
	}
	return strings.TrimPrefix(f[0], sigil)
}

func (e Env) userNamed(ctx context.Context, name string) (*model.User, error) {
	u, err := e.Data.UserByUsername(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

func builtins() []commands.Command[Env] {
	return []commands.Command[Env]{
		{Name: "me", Params: "your_message", Description: "Displays action text",
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				if strings.TrimSpace(inv.Params) == "" {
					return nil, nil
				}
				return send(ctx, env, inv, "_"+strings.TrimSpace(inv.Params)+"_")
			}},
		textCommand("shrug", "Slash_Shrug_Description", "", `¯\_(ツ)_/¯`),
		textCommand("tableflip", "Slash_Tableflip_Description", "", "(╯°□°）╯︵ ┻━┻"),
		textCommand("unflip", "Slash_TableUnflip_Description", "", "┬─┬ ノ( ゜-゜ノ)"),
		textCommand("lennyface", "Slash_LennyFace_Description", "", "( ͡° ͜ʖ ͡°)"),
		textCommand("gimme", "Slash_Gimme_Description", "༼ つ ◕_◕ ༽つ", ""),
		// /spoiler is Liftoff's (Rocket.Chat 8 has no built-in one): the text
		// hidden behind message-parser's ||spoiler|| mark-up.
		{Name: "spoiler", Params: "your_message", Description: "Sends the text hidden as a spoiler",
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				text := strings.TrimSpace(strings.ReplaceAll(inv.Params, "||", ""))
				if text == "" {
					return nil, nil
				}
				return send(ctx, env, inv, "||"+text+"||")
			}},
		{Name: "topic", Params: "Slash_Topic_Params", Description: "Slash_Topic_Description", Permission: []string{string(perm.EditRoom)},
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				topic := strings.TrimSpace(inv.Params)
				_, err := env.Chat.SaveRoomSettings(ctx, env.User, inv.RoomID, chat.RoomSettingsInput{Topic: &topic})
				return nil, env.refuse(ctx, inv, err)
			}},
		{Name: "join", Params: "#channel", Description: "Join_the_given_channel",
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				name := firstWord(inv.Params, "#")
				if name == "" {
					return nil, nil
				}
				room, err := env.Data.RoomByName(ctx, name)
				if err != nil || room.Type != model.RoomChannel {
					env.notice(ctx, inv, channelDoesntExist(name))
					return nil, nil
				}
				if _, err := env.Data.Subscription(ctx, room.ID, env.User.ID); err == nil {
					return nil, model.Invalid("error-user-already-in-room", "You are already in the channel").InMethod()
				}
				_, err = env.Chat.Join(ctx, env.User, chat.RoomRef{ID: room.ID}, "")
				return nil, env.refuse(ctx, inv, err)
			}},
		leave("leave"), leave("part"),
		{Name: "invite", Params: "@username", Description: "Invite_user_to_join_channel", Permission: []string{string(perm.AddUserToJoinedRoom), string(perm.AddUserToAnyCRoom), string(perm.AddUserToAnyPRoom)},
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				var users []*model.User
				for _, f := range strings.Fields(inv.Params) {
					u, err := env.userNamed(ctx, strings.TrimPrefix(f, "@"))
					if err != nil {
						return nil, err
					}
					if u == nil {
						env.notice(ctx, inv, "No user exists by the name of `@"+strings.TrimPrefix(f, "@")+"`.")
						return nil, nil
					}
					users = append(users, u)
				}
				if len(users) == 0 {
					return nil, nil
				}
				_, err := env.Chat.Invite(ctx, env.User, chat.RoomRef{ID: inv.RoomID}, "", users)
				return nil, env.refuse(ctx, inv, err)
			}},
		{Name: "kick", Params: "@username", Description: "Remove_someone_from_room", Permission: []string{string(perm.RemoveUser)},
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				name := firstWord(inv.Params, "@")
				if name == "" {
					return nil, nil
				}
				u, err := env.userNamed(ctx, name)
				if err != nil {
					return nil, err
				}
				if u == nil {
					env.notice(ctx, inv, usernameDoesntExist(name))
					return nil, nil
				}
				_, err = env.Chat.Kick(ctx, env.User, chat.RoomRef{ID: inv.RoomID}, "", u)
				return nil, env.refuse(ctx, inv, err)
			}},
		{Name: "msg", Params: "@username <message>", Description: "Direct_message_someone",
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				name := firstWord(inv.Params, "@")
				text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(inv.Params), firstField(inv.Params)))
				if name == "" || text == "" {
					env.notice(ctx, inv, "Username and message must not be empty.")
					return nil, nil
				}
				u, err := env.userNamed(ctx, name)
				if err != nil {
					return nil, err
				}
				if u == nil {
					env.notice(ctx, inv, usernameDoesntExist(name))
					return nil, nil
				}
				room, err := env.Chat.CreateDirect(ctx, env.User, []string{u.Username}, false)
				if err != nil {
					return nil, env.refuse(ctx, inv, err)
				}
				_, err = env.Chat.SendMessage(ctx, env.User, chat.SendInput{RoomID: room.ID, Msg: text})
				return nil, env.refuse(ctx, inv, err)
			}},
		{Name: "create", Params: "#channel", Description: "Create_A_New_Channel", Permission: []string{string(perm.CreateC), string(perm.CreateP)},
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				name := firstWord(inv.Params, "#")
				if name == "" {
					return nil, nil
				}
				if _, err := env.Data.RoomByName(ctx, name); err == nil {
					env.notice(ctx, inv, "The channel `#"+name+"` already exists.")
					return nil, nil
				}
				typ := model.RoomChannel
				if strings.Contains(strings.ToLower(inv.Params), "private") {
					typ = model.RoomPrivate
				}
				_, err := env.Chat.CreateRoom(ctx, env.User, chat.CreateRoomInput{Type: typ, Name: name})
				return nil, env.refuse(ctx, inv, err)
			}},
		archive("archive", true), archive("unarchive", false),
		mute("mute", true), mute("unmute", false),
		{Name: "status", Params: "Slash_Status_Params", Description: "Slash_Status_Description",
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				text := strings.TrimSpace(inv.Params)
				err := env.Chat.SetUserStatus(ctx, env.User, chat.UserLookup{ID: env.User.ID}, "", &text)
				if err == nil {
					env.notice(ctx, inv, "Status message changed successfully.")
				}
				return nil, env.refuse(ctx, inv, err)
			}},
		hide("hide", true), hide("unhide", false),
		inviteAll("invite-all-to", true), inviteAll("invite-all-from", false),
		presence("away", model.StatusAway), presence("online", model.StatusOnline),
		presence("busy", model.StatusBusy), presence("invisible", model.StatusOffline),
		{Name: "help", Description: "Show_the_keyboard_shortcut_list",
			Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
				env.notice(ctx, inv, "Keyboard shortcuts: Ctrl+K (Open channel / user search), Enter (Send message), "+
					"Shift+Enter (New line), Alt+Up/Down (Move to the previous/next room), Up arrow (Edit previous message)")
				return nil, nil
			}},
	}
}

func firstField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func leave(name string) commands.Command[Env] {
	return commands.Command[Env]{Name: name, Description: "Leave_the_current_channel",
		Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
			_, err := env.Chat.Leave(ctx, env.User, chat.RoomRef{ID: inv.RoomID}, "")
			return nil, env.refuse(ctx, inv, err)
		}}
}

func archive(name string, on bool) commands.Command[Env] {
	return commands.Command[Env]{Name: name, Params: "#channel", Description: "Archive", Permission: []string{string(perm.ArchiveRoom)},
		Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
			roomID := inv.RoomID
			if n := firstWord(inv.Params, "#"); n != "" {
				room, err := env.Data.RoomByName(ctx, n)
				if err != nil {
					env.notice(ctx, inv, channelDoesntExist(n))
					return nil, nil
				}
				roomID = room.ID
			}
			var err error
			if on {
				err = env.Chat.ArchiveRoom(ctx, env.User, roomID)
			} else {
				err = env.Chat.UnarchiveRoom(ctx, env.User, roomID)
			}
			return nil, env.refuse(ctx, inv, err)
		}}
}

func mute(name string, on bool) commands.Command[Env] {
	return commands.Command[Env]{Name: name, Params: "@username", Description: "Mute_someone_in_room",
		Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
			user := firstWord(inv.Params, "@")
			if user == "" {
				return nil, nil
			}
			var err error
			if on {
				err = env.Chat.MuteUser(ctx, env.User, inv.RoomID, user)
			} else {
				err = env.Chat.UnmuteUser(ctx, env.User, inv.RoomID, user)
			}
			return nil, env.refuse(ctx, inv, err)
		}}
}

func presence(name, status string) commands.Command[Env] {
	return commands.Command[Env]{Name: name, Description: "Set_" + name + "_status",
		Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
			err := env.Chat.SetUserStatus(ctx, env.User, chat.UserLookup{ID: env.User.ID}, status, nil)
			return nil, env.refuse(ctx, inv, err)
		}}
}

// hide hides (or shows again) the current room or the named one in the
// caller's room list, without leaving it.
func hide(name string, on bool) commands.Command[Env] {
	return commands.Command[Env]{Name: name, Params: "#room", Description: "Hide_room",
		Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
			roomID := inv.RoomID
			if n := firstWord(inv.Params, "#"); n != "" {
				room, err := env.Data.RoomByName(ctx, n)
				if err != nil {
					env.notice(ctx, inv, channelDoesntExist(n))
					return nil, nil
				}
				roomID = room.ID
			}
			if _, err := env.Data.Subscription(ctx, roomID, env.User.ID); err != nil {
				env.notice(ctx, inv, "You are not in this room")
				return nil, nil
			}
			var err error
			if on {
				err = env.Chat.HideRoom(ctx, env.User, roomID)
			} else {
				err = env.Chat.OpenRoom(ctx, env.User, roomID)
			}
			return nil, env.refuse(ctx, inv, err)
		}}
}

// inviteAll invites every member of the current room to the named one
// (to), or every member of the named room to the current one (from), as
// Rocket.Chat's /invite-all-to and /invite-all-from.
func inviteAll(name string, to bool) commands.Command[Env] {
	return commands.Command[Env]{Name: name, Params: "#room", Description: "Invite_user_to_join_channel_all_" + map[bool]string{true: "to", false: "from"}[to],
		Permission: []string{string(perm.AddUserToJoinedRoom), string(perm.AddUserToAnyCRoom), string(perm.AddUserToAnyPRoom)},
		Run: func(ctx context.Context, env Env, inv commands.Invocation) (any, error) {
			n := firstWord(inv.Params, "#")
			if n == "" {
				return nil, nil
			}
			named, err := env.Data.RoomByName(ctx, n)
			if err != nil {
				env.notice(ctx, inv, channelDoesntExist(n))
				return nil, nil
			}
			from, target := inv.RoomID, named.ID
			if !to {
				from, target = named.ID, inv.RoomID
			}
			if _, err := env.Data.Subscription(ctx, from, env.User.ID); err != nil {
				env.notice(ctx, inv, "You are not in this room")
				return nil, nil
			}
			ids, err := env.Data.MemberIDs(ctx, from)
			if err != nil {
				return nil, err
			}
			users, err := env.Data.UsersByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			var invite []*model.User
			for _, u := range users {
				if u.Active && u.Type != "app" {
					invite = append(invite, u)
				}
			}
			if len(invite) == 0 {
				return nil, nil
			}
			if _, err := env.Chat.Invite(ctx, env.User, chat.RoomRef{ID: target}, "", invite); err != nil {
				return nil, env.refuse(ctx, inv, err)
			}
			env.notice(ctx, inv, "The users have been added")
			return nil, nil
		}}
}

// The notices' texts are Rocket.Chat's English ones.
func channelDoesntExist(name string) string { return "The channel `#" + name + "` does not exist." }

func usernameDoesntExist(name string) string { return "The username `" + name + "` doesn't exist." }
