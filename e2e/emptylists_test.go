package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// Every list in every answer is [] when empty, never null: Rocket.Chat's
// clients crash on null. The walk covers the list endpoints over a new
// user's empty channel, group, direct conversation and team.
func TestEmptyListsAreEmptyArrays(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	una := srv.CreateUser(t, "una")
	srv.CreateUser(t, "vic")
	cid := una.Post("/api/v1/channels.create", map[string]any{"name": "empty-c"}).OK(t).Str("channel._id")
	gid := una.Post("/api/v1/groups.create", map[string]any{"name": "empty-p", "members": []string{"admin"}}).OK(t).Str("group._id")
	did := una.Post("/api/v1/im.create", map[string]any{"username": "vic"}).OK(t).Str("room._id")
	una.Post("/api/v1/teams.create", map[string]any{"name": "empty-t", "type": 0}).OK(t)
	// Empty the rooms of their system messages.
	for _, rid := range []string{cid, gid} {
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "latest": "2100-01-01T00:00:00.000Z", "oldest": "2000-01-01T00:00:00.000Z"}).OK(t)
	}

	calls := [][]string{
		{"channels.messages", "roomId", cid}, {"groups.messages", "roomId", gid}, {"im.messages", "roomId", did},
		{"dm.messages", "roomId", did},
		{"channels.history", "roomId", cid}, {"groups.history", "roomId", gid}, {"im.history", "roomId", did},
		{"channels.members", "roomId", cid}, {"groups.members", "roomId", gid}, {"im.members", "roomId", did},
		{"channels.roles", "roomId", cid}, {"groups.roles", "roomId", gid},
		{"channels.online", "query", `{"_id":"` + cid + `"}`},
		{"channels.list.joined"}, {"groups.list"}, {"im.list"}, {"dm.list"},
		{"channels.getAllUserMentionsByChannel", "roomId", cid},
		{"chat.getThreadsList", "rid", cid}, {"chat.getStarredMessages", "roomId", cid},
		{"chat.getMentionedMessages", "roomId", cid}, {"chat.getPinnedMessages", "roomId", cid},
		{"chat.getDiscussions", "roomId", cid}, {"rooms.getDiscussions", "roomId", cid},
		{"chat.search", "roomId", cid, "searchText", "nothing-matches"},
		{"chat.syncMessages", "roomId", cid, "lastUpdate", "2000-01-01T00:00:00.000Z"},
		{"chat.getDeletedMessages", "roomId", cid, "since", "2000-01-01T00:00:00.000Z"},
		{"chat.syncThreadsList", "rid", cid, "updatedSince", "2000-01-01T00:00:00.000Z"},
		{"rooms.get", "updatedSince", "2100-01-01T00:00:00.000Z"}, {"subscriptions.get", "updatedSince", "2100-01-01T00:00:00.000Z"},
		{"users.getPersonalAccessTokens"},
		{"teams.listRoomsOfUser", "teamName", "empty-t", "userId", una.UserID}, {"teams.listRooms", "teamName", "empty-t"},
		{"teams.list"}, {"users.autocomplete", "selector", `{"term":"zzz-nobody"}`},
		{"channels.list", "query", `{"name":"zzz-nobody"}`},
	}
	type call struct {
		as   *testserver.Client
		args []string
	}
	var all []call
	for _, c := range calls {
		all = append(all, call{una, c})
	}
	// The moderation console's lists, for an administrator.
	for _, c := range [][]string{{"moderation.reportsByUsers"}, {"moderation.userReports"}, {"moderation.reports", "msgId", "none"},
		{"moderation.user.reportedMessages", "userId", una.UserID}, {"moderation.user.reportsByUserId", "userId", una.UserID}} {
		all = append(all, call{admin, c})
	}
	for _, cl := range all {
		c := cl.args
		r := cl.as.Get("/api/v1/"+c[0], c[1:]...)
		if r.Status == 404 {
			continue // not served (yet): nothing to check
		}
		if r.Status != 200 {
			t.Errorf("%s: %d %s", c[0], r.Status, r.Body)
			continue
		}
		for k, v := range r.JSON {
			if v == nil {
				t.Errorf("%s: %q is null: %s", c[0], k, r.Body)
			}
		}
	}
}
