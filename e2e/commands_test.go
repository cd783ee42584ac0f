package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

func TestSlashCommands(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	bob, bobRT := rtUser(t, srv, "bob")
	carol := srv.CreateUser(t, "carol")
	bobRT.sub("stream-notify-user", bobRT.userID+"/message", false)
	run := func(c *testserver.Client, command, params, rid string) *testserver.Response {
		t.Helper()
		return c.Post("/api/v1/commands.run", map[string]any{"command": command, "params": params, "roomId": rid})
	}
	notice := func(text string) {
		t.Helper()
		bobRT.event("stream-notify-user", bobRT.userID+"/message", func(args []any) bool {
			m, _ := args[0].(map[string]any)
			return m != nil && m["msg"] == text
		})
	}

	t.Run("list and get", func(t *testing.T) {
		l := bob.Get("/api/v1/commands.list").OK(t)
		cmds := l.List("commands")
		if l.Num("total") != float64(len(cmds)) || len(cmds) < 20 || l.Num("count") != float64(len(cmds)) || l.Get("offset") != float64(0) {
			t.Fatalf("list: %s", l.Body)
		}
		names := map[string]map[string]any{}
		for _, c := range cmds {
			m := c.(map[string]any)
			names[m["command"].(string)] = m
			if _, ok := m["clientOnly"].(bool); !ok {
				t.Fatalf("item without clientOnly: %v", m)
			}
			if _, ok := m["providesPreview"].(bool); !ok {
				t.Fatalf("item without providesPreview: %v", m)
			}
		}
		for _, want := range []string{"me", "join", "leave", "part", "invite", "kick", "topic", "msg", "gimme", "shrug", "tableflip",
			"unflip", "lennyface", "status", "archive", "unarchive", "mute", "unmute", "create", "away", "online", "busy", "invisible", "help",
			"hide", "unhide", "invite-all-to", "invite-all-from", "spoiler"} {
			if names[want] == nil {
				t.Errorf("commands.list lacks /%s", want)
			}
		}
		if names["topic"]["permission"] != "edit-room" {
			t.Errorf("topic's permission: %v", names["topic"])
		}
		if q := bob.Get("/api/v1/commands.list", "query", `{"command":"shrug"}`).OK(t); q.Num("total") != 1 || q.Str("commands.0.command") != "shrug" {
			t.Fatalf("query: %s", q.Body)
		}
		if p := bob.Get("/api/v1/commands.list", "count", "2", "offset", "1").OK(t); len(p.List("commands")) != 2 || p.Num("total") != float64(len(cmds)) {
			t.Fatalf("page: %s", p.Body)
		}
		if g := bob.Get("/api/v1/commands.get", "command", "shrug").OK(t); g.Str("command.command") != "shrug" {
			t.Fatalf("get: %s", g.Body)
		}
		if p := bob.Get("/api/v1/commands.preview", "command", "shrug", "params", "x", "roomId", "GENERAL").OK(t); p.Get("preview") != nil {
			t.Fatalf("preview of a command without previews: %s", p.Body)
		}
		if p := bob.Get("/api/v1/commands.preview", "command", "nope", "roomId", "GENERAL"); p.Status != 400 ||
			p.Str("error") != "The command provided does not exist (or is disabled)." {
			t.Fatalf("preview of an unknown command: %d %s", p.Status, p.Body)
		}
		if g := bob.Get("/api/v1/commands.get", "command", "nope"); g.Status != 400 || g.Str("error") != "There is no command in the system by the name of: nope" {
			t.Fatalf("get unknown: %d %s", g.Status, g.Body)
		}
		if g := bob.Get("/api/v1/commands.get"); g.Status != 400 || g.Str("error") != `The query param "command" must be provided.` {
			t.Fatalf("get without name: %d %s", g.Status, g.Body)
		}
	})

	t.Run("text commands", func(t *testing.T) {
		for _, tc := range []struct{ cmd, params, want string }{
			{"shrug", "oh well", `oh well ¯\_(ツ)_/¯`},
			{"tableflip", "", "(╯°□°）╯︵ ┻━┻"},
			{"unflip", "sorry", "sorry ┬─┬ ノ( ゜-゜ノ)"},
			{"lennyface", "", "( ͡° ͜ʖ ͡°)"},
			{"gimme", "coffee", "༼ つ ◕_◕ ༽つ coffee"},
			{"me", "waves", "_waves_"},
			{"spoiler", "the butler did it", "||the butler did it||"},
		} {
			run(bob, tc.cmd, tc.params, "GENERAL").OK(t)
			if m := lastMessage(t, bob, "general"); m["msg"] != tc.want || m["u"].(map[string]any)["username"] != "bob" {
				t.Errorf("/%s %s posted %v, want %q", tc.cmd, tc.params, m["msg"], tc.want)
			}
		}
		// The DDP method the web client calls.
		bobRT.call(nil, "slashCommand", map[string]any{"cmd": "shrug", "params": "ddp", "msg": map[string]any{"rid": "GENERAL"}})
		if m := lastMessage(t, bob, "general"); m["msg"] != `ddp ¯\_(ツ)_/¯` {
			t.Fatalf("slashCommand posted %v", m["msg"])
		}
		bobRT.callFail("error-invalid-command", "slashCommand", map[string]any{"cmd": "nope", "params": "", "msg": map[string]any{"rid": "GENERAL"}})
	})

	t.Run("refusals", func(t *testing.T) {
		if r := run(bob, "nope", "", "GENERAL"); r.Status != 400 || r.Str("error") != "The command provided does not exist (or is disabled)." {
			t.Fatalf("unknown: %d %s", r.Status, r.Body)
		}
		if r := bob.Post("/api/v1/commands.run", map[string]any{"command": "shrug"}); r.Status != 400 ||
			r.Str("error") != "The room's id where to execute this command must be provided and be a string." {
			t.Fatalf("no room: %d %s", r.Status, r.Body)
		}
		if r := bob.Post("/api/v1/commands.run", map[string]any{"params": "x", "roomId": "GENERAL"}); r.Str("error") != "You must provide a command to run." {
			t.Fatalf("no command: %d %s", r.Status, r.Body)
		}
		secret := admin.Post("/api/v1/groups.create", map[string]any{"name": "secret"}).OK(t).Str("group._id")
		run(bob, "shrug", "", secret).Fail(t, 403, "error-not-allowed")
		run(bob, "topic", "mine now", "GENERAL").Fail(t, 403, "error-not-allowed")
		if r := admin.Get("/api/v1/channels.info", "roomId", "GENERAL").OK(t); r.Str("channel.topic") == "mine now" {
			t.Fatal("a refused /topic changed the topic")
		}
		run(bob, "kick", "@carol", "GENERAL").Fail(t, 403, "error-not-allowed")
	})

	t.Run("rooms and members", func(t *testing.T) {
		rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "ops"}).OK(t).Str("channel._id")
		run(admin, "topic", "deploys only", rid).OK(t)
		if r := admin.Get("/api/v1/channels.info", "roomId", rid).OK(t); r.Str("channel.topic") != "deploys only" {
			t.Fatalf("topic: %s", r.Body)
		}
		run(bob, "join", "#ops", "GENERAL").OK(t)
		if r := bob.Get("/api/v1/channels.info", "roomId", rid).OK(t); r.Num("channel.usersCount") != 2 {
			t.Fatalf("after /join: %s", r.Body)
		}
		run(bob, "join", "#no-such-room", "GENERAL").OK(t)
		notice("The channel `#no-such-room` does not exist.")
		run(bob, "join", "#general", "GENERAL").Fail(t, 400, "error-user-already-in-room")
		run(admin, "invite", "@carol", rid).OK(t)
		if r := carol.Get("/api/v1/channels.info", "roomId", rid).OK(t); r.Num("channel.usersCount") != 3 {
			t.Fatalf("after /invite: %s", r.Body)
		}
		run(admin, "kick", "@carol", rid).OK(t)
		run(bob, "leave", "", rid).OK(t)
		if r := admin.Get("/api/v1/channels.info", "roomId", rid).OK(t); r.Num("channel.usersCount") != 1 {
			t.Fatalf("after /kick and /leave: %s", r.Body)
		}
		run(admin, "mute", "@bob", "GENERAL").OK(t)
		bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": "GENERAL", "text": "muted?"}).Fail(t, 400, "error-not-allowed")
		run(admin, "unmute", "@bob", "GENERAL").OK(t)
		bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": "GENERAL", "text": "not muted"}).OK(t)
		run(admin, "archive", "#ops", "GENERAL").OK(t)
		if r := admin.Get("/api/v1/channels.info", "roomId", rid).OK(t); r.Get("channel.archived") != true {
			t.Fatalf("after /archive: %s", r.Body)
		}
		run(admin, "unarchive", "", rid).OK(t)
		if r := admin.Get("/api/v1/channels.info", "roomId", rid).OK(t); r.Get("channel.archived") == true {
			t.Fatalf("after /unarchive: %s", r.Body)
		}
		run(bob, "create", "#bobs-room", "GENERAL").OK(t)
		admin.Get("/api/v1/channels.info", "roomName", "bobs-room").OK(t)
		run(bob, "msg", "@carol hello there", "GENERAL").OK(t)
		dm := carol.Get("/api/v1/im.list").OK(t)
		if len(dm.List("ims")) != 1 || dm.Str("ims.0.lastMessage.msg") != "hello there" {
			t.Fatalf("after /msg: %s", dm.Body)
		}
	})

	t.Run("hide and invite all", func(t *testing.T) {
		run(bob, "hide", "", "GENERAL").OK(t)
		if r := bob.Get("/api/v1/subscriptions.getOne", "roomId", "GENERAL").OK(t); r.Get("subscription.open") != false {
			t.Fatalf("after /hide: %s", r.Body)
		}
		run(bob, "unhide", "#general", "GENERAL").OK(t)
		if r := bob.Get("/api/v1/subscriptions.getOne", "roomId", "GENERAL").OK(t); r.Get("subscription.open") != true {
			t.Fatalf("after /unhide: %s", r.Body)
		}
		a := admin.Post("/api/v1/channels.create", map[string]any{"name": "team-a", "members": []string{"bob", "carol"}}).OK(t).Str("channel._id")
		b := admin.Post("/api/v1/channels.create", map[string]any{"name": "team-b"}).OK(t).Str("channel._id")
		run(admin, "invite-all-from", "#team-a", b).OK(t)
		if r := admin.Get("/api/v1/channels.info", "roomId", b).OK(t); r.Num("channel.usersCount") != 3 {
			t.Fatalf("after /invite-all-from: %s", r.Body)
		}
		c := admin.Post("/api/v1/channels.create", map[string]any{"name": "team-c"}).OK(t).Str("channel._id")
		run(admin, "invite-all-to", "#team-c", a).OK(t)
		if r := admin.Get("/api/v1/channels.info", "roomId", c).OK(t); r.Num("channel.usersCount") != 3 {
			t.Fatalf("after /invite-all-to: %s", r.Body)
		}
		run(bob, "invite-all-to", "#team-c", a).Fail(t, 403, "error-not-allowed")
	})

	t.Run("status", func(t *testing.T) {
		run(bob, "status", "in a meeting", "GENERAL").OK(t)
		notice("Status message changed successfully.")
		run(bob, "away", "", "GENERAL").OK(t)
		if r := admin.Get("/api/v1/users.info", "username", "bob").OK(t); r.Str("user.statusText") != "in a meeting" {
			t.Fatalf("status text: %s", r.Body)
		}
		if r := bob.Get("/api/v1/users.getStatus").OK(t); r.Str("status") != "away" {
			t.Fatalf("after /away: %s", r.Body)
		}
	})
}
