package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/RocketChat/Rocket.Chat.Go.SDK/models"
	"github.com/RocketChat/Rocket.Chat.Go.SDK/rest"

	"liftoff/internal/testserver"
)

// TestRESTOfficialGoSDK drives the REST API with Rocket.Chat's official Go
// SDK (its rest package), which encodes requests and decodes answers its
// own way (form-encoded login, RFC 3339 dates without milliseconds, its
// own structs for every answer): what a bot written against Rocket.Chat
// does.
func TestRESTOfficialGoSDK(t *testing.T) {
	srv := testserver.Start(t)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	admin := rest.NewClient(u, false)
	if err := admin.Login(&models.UserCredentials{Email: "admin@example.org", Password: testserver.AdminPass}); err != nil {
		t.Fatalf("login (form-encoded): %v", err)
	}
	// (The SDK's GetServerInfo asks for /api/v1/info, which Rocket.Chat 8
	// no longer has either: the server's version is at /api/info.)
	if _, err := admin.CreateUser(&models.CreateUserRequest{Name: "SDK Bob", Email: "sdkbob@example.org", Password: "sdkbob-pass", Username: "sdkbob"}); err != nil {
		t.Fatalf("create user: %v", err)
	}
	bob := rest.NewClient(u, false)
	creds := &models.UserCredentials{Email: "sdkbob", Password: "sdkbob-pass"}
	if err := bob.Login(creds); err != nil || creds.Token == "" {
		t.Fatalf("bob login: %v", err)
	}
	if st, err := bob.GetUserStatus("sdkbob"); err != nil || st.Status == "" {
		t.Fatalf("user status: %+v %v", st, err)
	}

	// A channel bob is in, found the ways the SDK looks for it.
	rid := srv.Admin(t).Post("/api/v1/channels.create", map[string]any{"name": "sdk-rest", "members": []string{"sdkbob"}}).OK(t).Str("channel._id")
	joined, err := bob.GetJoinedChannels(url.Values{})
	if err != nil || !sdkHasChannel(joined.Channels, rid) {
		t.Fatalf("joined channels: %+v %v", joined, err)
	}
	public, err := bob.GetPublicChannels()
	if err != nil || !sdkHasChannel(public.Channels, rid) {
		t.Fatalf("public channels: %+v %v", public, err)
	}
	ch, err := bob.GetChannelInfo(&models.Channel{ID: rid})
	if err != nil || ch.Name != "sdk-rest" {
		t.Fatalf("channel info: %+v %v", ch, err)
	}

	// Post, read, edit, search, delete.
	if err := bob.Send(&models.Channel{Name: "sdk-rest"}, "sent by name <b>"); err != nil {
		t.Fatalf("send by channel name: %v", err)
	}
	posted, err := bob.PostMessage(&models.PostMessage{RoomID: rid, Text: "hello from the SDK @admin"})
	if err != nil || posted.Message.ID == "" || posted.Message.RoomID != rid {
		t.Fatalf("post message: %+v %v", posted, err)
	}
	got, err := bob.GetMessage(posted.Message.ID)
	if err != nil || got.Msg != "hello from the SDK @admin" || got.User == nil || got.User.UserName != "sdkbob" || got.Timestamp == nil {
		t.Fatalf("get message: %+v %v", got, err)
	}
	history, err := bob.GetMessages(&models.Channel{ID: rid}, &models.Pagination{Count: 10})
	if err != nil || len(history) != 2 || history[0].ID != posted.Message.ID || history[1].Msg != "sent by name &lt;b&gt;" {
		t.Fatalf("history: %+v %v", history, err)
	}
	older, err := bob.ChannelHistory(&models.Channel{ID: rid}, true, time.Now().Add(time.Minute), &models.Pagination{Count: 1})
	if err != nil || len(older) != 1 || older[0].ID != posted.Message.ID {
		t.Fatalf("channel history before a date: %+v %v", older, err)
	}
	mentioned, err := admin.GetMentionedMessages(&models.Channel{ID: rid}, &models.Pagination{Count: 5})
	if err != nil || len(mentioned) != 1 || mentioned[0].ID != posted.Message.ID {
		t.Fatalf("mentioned messages: %+v %v", mentioned, err)
	}
	if _, err := bob.UpdateMessage(&models.UpdateMessage{RoomID: rid, MsgID: posted.Message.ID, Text: "edited by the SDK"}); err != nil {
		t.Fatalf("update message: %v", err)
	}
	if got, _ := bob.GetMessage(posted.Message.ID); got.Msg != "edited by the SDK" {
		t.Fatalf("after the edit: %+v", got)
	}
	found, err := bob.SearchMessages(&models.Channel{ID: rid}, "edited")
	if err != nil || len(found) != 1 || found[0].ID != posted.Message.ID {
		t.Fatalf("search: %+v %v", found, err)
	}
	if _, err := bob.DeleteMessage(&models.DeleteMessage{RoomID: rid, MsgID: posted.Message.ID}); err != nil {
		t.Fatalf("delete message: %v", err)
	}
	if _, err := bob.GetMessage(posted.Message.ID); err == nil {
		t.Fatal("the deleted message is still readable")
	}

	// Direct messages and private groups.
	dm, err := bob.CreateDirectMessage("admin")
	if err != nil || dm.ID == "" {
		t.Fatalf("create DM: %+v %v", dm, err)
	}
	if _, err := bob.PostMessage(&models.PostMessage{RoomID: dm.ID, Text: "psst"}); err != nil {
		t.Fatalf("post to the DM: %v", err)
	}
	dms, err := admin.DMHistory(&models.Channel{ID: dm.ID}, true, time.Now().Add(time.Minute), &models.Pagination{Count: 5})
	if err != nil || len(dms) != 1 || dms[0].Msg != "psst" {
		t.Fatalf("DM history: %+v %v", dms, err)
	}
	gid := srv.Admin(t).Post("/api/v1/groups.create", map[string]any{"name": "sdk-group", "members": []string{"sdkbob"}}).OK(t).Str("group._id")
	groups, err := bob.GetPrivateGroups()
	if err != nil || !sdkHasChannel(groups.Groups, gid) {
		t.Fatalf("private groups: %+v %v", groups, err)
	}
	if g, err := bob.GetGroupInfo(&models.Channel{ID: gid}); err != nil || g.Name != "sdk-group" {
		t.Fatalf("group info: %+v %v", g, err)
	}
	members, err := bob.GetGroupMembers(&models.Channel{ID: gid})
	if err != nil || len(members) != 2 {
		t.Fatalf("group members: %+v %v", members, err)
	}
	if _, err := bob.GroupHistory(&models.Channel{ID: gid}, true, time.Now(), &models.Pagination{Count: 5}); err != nil {
		t.Fatalf("group history: %v", err)
	}

	// Refusals come back as errors the SDK can read.
	if _, err := bob.UpdatePermissions(&rest.UpdatePermissionsRequest{Permissions: []models.Permission{{ID: "create-c", Roles: []string{"admin"}}}}); err == nil {
		t.Fatal("a plain user updated permissions")
	}
	if _, err := bob.GetChannelInfo(&models.Channel{ID: "nope"}); err == nil {
		t.Fatal("info of a missing channel succeeded")
	}
	if err := bob.LeaveChannel(&models.Channel{ID: rid}); err != nil {
		t.Fatalf("leave: %v", err)
	}
	if msg, err := bob.Logout(); err != nil || !strings.Contains(strings.ToLower(msg), "logged out") {
		t.Fatalf("logout: %q %v", msg, err)
	}
	if _, err := bob.GetPublicChannels(); err == nil {
		t.Fatal("the logged-out token still works")
	}
}

func sdkHasChannel(list []models.Channel, id string) bool {
	for _, c := range list {
		if c.ID == id {
			return true
		}
	}
	return false
}
