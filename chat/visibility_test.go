package chat_test

import (
	"testing"

	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings/setting"
)

// What one user may see of others is the service's rule: a plain user gets
// only the public fields (with roles and last login in users.list), an
// administrator (view-full-other-user-info) everything.
func TestUserVisibility(t *testing.T) {
	f := newMemberFixture(t)
	admin := f.user(t, "root", "admin")
	plain := f.user(t, "plain", "user")
	target, err := f.svc.Accounts.InsertUser(f.ctx, chat.NewUserInput{Username: "target", Email: "target@example.org",
		Roles: []string{"user"}, CustomFields: map[string]any{"dept": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	find := func(users []*model.User) *model.User {
		for _, u := range users {
			if u.ID == target.ID {
				return u
			}
		}
		t.Fatalf("target not listed")
		return nil
	}

	users, _, full, err := f.svc.Accounts.ListUsers(f.ctx, plain, chat.UserFilter{}, model.Page{})
	if err != nil || full {
		t.Fatalf("plain ListUsers: full=%v err=%v", full, err)
	}
	if u := find(users); u.Email() != "" || u.CustomFields != nil || len(u.Roles) == 0 || u.Username != "target" {
		t.Fatalf("a plain user sees %+v", u)
	}
	_, _, _, err = f.svc.Accounts.ListUsers(f.ctx, plain, chat.UserFilter{Text: "example", ByEmail: true}, model.Page{})
	wantErr(t, err, "error-invalid-query")

	users, _, full, err = f.svc.Accounts.ListUsers(f.ctx, admin, chat.UserFilter{Text: "target@", ByEmail: true}, model.Page{})
	if err != nil || !full {
		t.Fatalf("admin ListUsers: full=%v err=%v", full, err)
	}
	if u := find(users); u.Email() != "target@example.org" || u.CustomFields["dept"] != "x" {
		t.Fatalf("an administrator sees %+v", u)
	}

	info, err := f.svc.Accounts.GetUserInfo(f.ctx, plain, chat.UserInfoQuery{UserLookup: chat.UserLookup{Username: "target"}}, false)
	if err != nil || info.Full || info.User.Email() != "" || info.User.Roles != nil {
		t.Fatalf("users.info for a plain user: %+v, %v", info, err)
	}
	info, err = f.svc.Accounts.GetUserInfo(f.ctx, target, chat.UserInfoQuery{UserLookup: chat.UserLookup{Username: "target"}}, false)
	if err != nil || !info.Self || info.User.Email() == "" {
		t.Fatalf("users.info of oneself: %+v, %v", info, err)
	}
}

// Avatars: anonymous viewers are refused when avatars need a login; a room
// shows its name only to those who may read it.
func TestAvatarAccess(t *testing.T) {
	f := newMemberFixture(t)
	root := f.user(t, "root", "admin")
	alice := f.user(t, "alice", "user")
	bob := f.user(t, "bob", "user")
	if _, err := f.svc.Admin.SetSetting(f.ctx, root, setting.AccountsAvatarBlockUnauthenticatedAccess, false); err != nil {
		t.Fatal(err)
	}
	room, err := f.svc.Rooms.CreateRoom(f.ctx, alice, chat.CreateRoomInput{Type: model.RoomPrivate, Name: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := f.svc.Accounts.UserAvatar(f.ctx, nil, "alice"); err != nil || a.Text != "alice" {
		t.Fatalf("anonymous user avatar: %+v, %v", a, err)
	}
	if a, err := f.svc.Accounts.UserAvatar(f.ctx, nil, "nobody"); err != nil || a.Text != "nobody" {
		t.Fatalf("unknown user avatar: %+v, %v", a, err)
	}
	if a, err := f.svc.Rooms.RoomAvatar(f.ctx, alice, room.ID); err != nil || a.Text != "secret" {
		t.Fatalf("member's room avatar: %+v, %v", a, err)
	}
	if a, err := f.svc.Rooms.RoomAvatar(f.ctx, bob, room.ID); err != nil || a.Text != room.ID {
		t.Fatalf("outsider's room avatar: %+v, %v", a, err)
	}
	if _, err := f.svc.Admin.SetSetting(f.ctx, root, setting.AccountsAvatarBlockUnauthenticatedAccess, true); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Accounts.UserAvatar(f.ctx, nil, "alice")
	if k, ok := model.KindOf(err); !ok || k != model.KindForbidden {
		t.Fatalf("blocked anonymous user avatar: %v", err)
	}
	_, err = f.svc.Rooms.RoomAvatar(f.ctx, nil, room.ID)
	if k, ok := model.KindOf(err); !ok || k != model.KindForbidden {
		t.Fatalf("blocked anonymous room avatar: %v", err)
	}
	if _, err := f.svc.Accounts.UserAvatar(f.ctx, bob, "alice"); err != nil {
		t.Fatalf("logged-in viewer refused: %v", err)
	}
}
