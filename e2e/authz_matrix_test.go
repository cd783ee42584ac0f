package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"liftoff/internal/testserver"
)

// The authorization matrix: each endpoint called by five kinds of caller
// must answer as Rocket.Chat does. Refusals use Rocket.Chat's statuses:
// 401 without credentials, 403 for a missing permission, and 400
// "room not found" for a room the caller may not even see.

type actor int

const (
	anonymous actor = iota
	outsider        // logged in, not a member of the room
	member          // a plain member of the room
	owner           // the room's creator (room role owner)
	admin           // a global administrator who is not a member of the private group
)

var actorNames = [...]string{"anonymous", "outsider", "member", "owner", "admin"}

type matrixFixture struct {
	srv     *testserver.Server
	as      [5]*testserver.Client
	channel string // public channel owned by owner, with member
	group   string // private group owned by owner, with member
	seq     atomic.Int64
}

func (f *matrixFixture) unique(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, f.seq.Add(1))
}

// freshRoom creates a new room (t = "c" or "p") owned by owner with member in it.
func (f *matrixFixture) freshRoom(t *testing.T, typ string) string {
	t.Helper()
	path, key := "/api/v1/channels.create", "channel"
	if typ == "p" {
		path, key = "/api/v1/groups.create", "group"
	}
	r := f.as[owner].Post(path, map[string]any{"name": f.unique("room"), "members": []string{f.as[member].Username}}).OK(t)
	return r.Str(key + "._id")
}

// message posts a message by the member in room and returns its id.
func (f *matrixFixture) message(t *testing.T, room string) string {
	t.Helper()
	return f.as[member].Post("/api/v1/chat.postMessage", map[string]any{"roomId": room, "text": "hello"}).OK(t).Str("message._id")
}

// newMember creates a user and adds them to room (as owner); returns the user id.
func (f *matrixFixture) newMember(t *testing.T, room, typ string) string {
	t.Helper()
	c := f.srv.CreateUser(t, f.unique("u"))
	path := "/api/v1/channels.invite"
	if typ == "p" {
		path = "/api/v1/groups.invite"
	}
	f.as[owner].Post(path, map[string]any{"roomId": room, "userId": c.UserID}).OK(t)
	return c.UserID
}

// uniqueValue in a parameter list stands for a fresh value with that prefix.
type uniqueValue string

func uniq(prefix string) uniqueValue { return uniqueValue(prefix) }

type matrixCase struct {
	method string
	path   string
	params func(t *testing.T, f *matrixFixture) map[string]any
	want   [5]int // anonymous, outsider, member, owner, admin
}

func fixed(p map[string]any) func(*testing.T, *matrixFixture) map[string]any {
	return func(*testing.T, *matrixFixture) map[string]any { return p }
}

func TestAuthorizationMatrix(t *testing.T) {
	srv := testserver.Start(t)
	f := &matrixFixture{srv: srv}
	f.as[anonymous] = srv.Anon(t)
	f.as[outsider] = srv.CreateUser(t, "outsider")
	f.as[member] = srv.CreateUser(t, "member")
	f.as[owner] = srv.CreateUser(t, "owner")
	f.as[admin] = srv.Admin(t)
	f.channel = f.freshRoom(t, "c")
	f.group = f.freshRoom(t, "p")

	room := func(key string, typ string) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			if typ == "c" {
				return map[string]any{key: f.channel}
			}
			return map[string]any{key: f.group}
		}
	}
	freshRoom := func(typ string) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			return map[string]any{"roomId": f.freshRoom(t, typ)}
		}
	}
	freshRoomAs := func(typ, key string) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			return map[string]any{key: f.freshRoom(t, typ)}
		}
	}
	with := func(base func(*testing.T, *matrixFixture) map[string]any, kv ...any) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			p := base(t, f)
			for i := 0; i+1 < len(kv); i += 2 {
				v := kv[i+1]
				if u, ok := v.(uniqueValue); ok {
					v = f.unique(string(u))
				}
				p[kv[i].(string)] = v
			}
			return p
		}
	}
	kick := func(typ string) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			r := f.freshRoom(t, typ)
			return map[string]any{"roomId": r, "userId": f.newMember(t, r, typ)}
		}
	}
	othersMessage := func(typ string, extra ...any) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			r := f.freshRoom(t, typ)
			p := map[string]any{"roomId": r, "msgId": f.message(t, r), "messageId": "", "text": "edited"}
			p["messageId"] = p["msgId"]
			for i := 0; i+1 < len(extra); i += 2 {
				p[extra[i].(string)] = extra[i+1]
			}
			return p
		}
	}
	addModerator := func(typ string) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			r := f.freshRoom(t, typ)
			return map[string]any{"roomId": r, "userId": f.newMember(t, r, typ)}
		}
	}
	// discussion starts a discussion of a fresh room (as owner, with member).
	discussion := func(typ string) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			r := f.as[owner].Post("/api/v1/rooms.createDiscussion", map[string]any{
				"prid": f.freshRoom(t, typ), "t_name": f.unique("d"), "users": []string{f.as[member].Username},
			}).OK(t)
			return map[string]any{"roomId": r.Str("discussion._id")}
		}
	}
	// team creates a fresh team (t = 0 public, 1 private) owned by owner
	// with member in it; extra adds parameters, a room of owner's with
	// "room", the member's id with "member".
	team := func(typ int, extra ...string) func(*testing.T, *matrixFixture) map[string]any {
		return func(t *testing.T, f *matrixFixture) map[string]any {
			r := f.as[owner].Post("/api/v1/teams.create", map[string]any{
				"name": f.unique("team"), "type": typ, "members": []string{f.as[member].Username},
			}).OK(t)
			p := map[string]any{"teamId": r.Str("team._id")}
			for _, e := range extra {
				switch e {
				case "room":
					p["rooms"] = []string{f.freshRoom(t, "c")}
				case "member":
					p["userId"] = f.as[member].UserID
				case "memberRoles":
					p["member"] = map[string]any{"userId": f.as[member].UserID, "roles": []string{"moderator"}}
				case "outsider":
					p["members"] = []map[string]any{{"userId": f.as[outsider].UserID}}
				case "rename":
					p["data"] = map[string]any{"name": f.unique("renamed")}
				case "newRoom":
					p = map[string]any{"name": f.unique("teamroom"), "extraData": map[string]any{"teamId": p["teamId"]}}
				}
			}
			return p
		}
	}
	newUser := func(t *testing.T, f *matrixFixture) map[string]any {
		n := f.unique("made")
		return map[string]any{"username": n, "email": n + "@example.org", "password": "pw-" + n, "name": n}
	}

	const (
		ok  = http.StatusOK
		bad = http.StatusBadRequest
		no  = http.StatusForbidden
		out = http.StatusUnauthorized
	)
	cases := []matrixCase{
		// Reading rooms: public channels are readable by any user; private
		// groups exist only for their members.
		{"GET", "channels.info", room("roomId", "c"), [5]int{out, ok, ok, ok, ok}},
		{"GET", "groups.info", room("roomId", "p"), [5]int{out, bad, ok, ok, bad}},
		{"GET", "channels.history", room("roomId", "c"), [5]int{out, ok, ok, ok, ok}},
		{"GET", "groups.history", room("roomId", "p"), [5]int{out, bad, ok, ok, bad}},
		{"GET", "channels.members", room("roomId", "c"), [5]int{out, ok, ok, ok, ok}},
		{"GET", "groups.members", room("roomId", "p"), [5]int{out, bad, ok, ok, bad}},
		{"GET", "channels.list", fixed(map[string]any{}), [5]int{out, ok, ok, ok, ok}},
		{"GET", "channels.listAll", fixed(map[string]any{}), [5]int{out, no, no, no, ok}},
		{"GET", "groups.listAll", fixed(map[string]any{}), [5]int{out, no, no, no, ok}},
		{"GET", "rooms.info", room("roomId", "p"), [5]int{out, bad, ok, ok, bad}},

		// Posting: anyone who can see a public channel may post to it.
		{"POST", "chat.postMessage", with(room("roomId", "c"), "text", "hi"), [5]int{out, ok, ok, ok, ok}},
		{"POST", "chat.postMessage", with(room("roomId", "p"), "text", "hi"), [5]int{out, bad, ok, ok, bad}},

		// Room settings need edit-room (owner, moderator, admin).
		{"POST", "channels.setTopic", with(room("roomId", "c"), "topic", uniq("topic")), [5]int{out, no, no, ok, ok}},
		{"POST", "groups.setTopic", with(room("roomId", "p"), "topic", uniq("topic")), [5]int{out, bad, no, ok, bad}},
		{"POST", "channels.setDescription", with(room("roomId", "c"), "description", uniq("description")), [5]int{out, no, no, ok, ok}},
		{"POST", "channels.archive", freshRoom("c"), [5]int{out, no, no, ok, ok}},
		{"POST", "channels.setJoinCode", with(freshRoom("c"), "joinCode", uniq("code")), [5]int{out, no, no, ok, ok}},
		{"POST", "channels.setCustomFields", with(room("roomId", "c"), "customFields", map[string]any{"k": "v"}), [5]int{out, no, no, ok, ok}},
		{"POST", "groups.setCustomFields", with(room("roomId", "p"), "customFields", map[string]any{"k": "v"}), [5]int{out, bad, no, ok, bad}},
		// Default channels also need view-room-administration.
		{"POST", "channels.setDefault", with(freshRoom("c"), "default", true), [5]int{out, no, no, no, ok}},
		{"POST", "channels.delete", freshRoom("c"), [5]int{out, no, no, ok, ok}},
		{"POST", "groups.delete", freshRoom("p"), [5]int{out, bad, no, ok, bad}},

		// Membership management.
		{"POST", "channels.kick", kick("c"), [5]int{out, no, no, ok, ok}},
		{"POST", "groups.kick", kick("p"), [5]int{out, bad, no, ok, bad}},
		{"POST", "channels.addModerator", addModerator("c"), [5]int{out, no, no, ok, ok}},

		// Other people's messages need edit-message / delete-message / pin-message.
		{"POST", "chat.update", othersMessage("c"), [5]int{out, no, ok, ok, ok}},
		{"POST", "chat.delete", othersMessage("c"), [5]int{out, no, ok, ok, ok}},
		{"POST", "chat.pinMessage", othersMessage("c"), [5]int{out, no, no, ok, ok}},

		// Thread sync reads the room.
		{"GET", "chat.syncThreadsList", with(room("rid", "p"), "updatedSince", "1970-01-01T00:00:00.000Z"), [5]int{out, no, ok, ok, no}},

		// Discussions: starting one needs start-discussion (or
		// start-discussion-other-user) and the right to post in the parent;
		// the lists read the room; deleting one is deleting a room.
		{"POST", "rooms.createDiscussion", with(room("prid", "c"), "t_name", uniq("talk")), [5]int{out, ok, ok, ok, ok}},
		{"POST", "rooms.createDiscussion", with(room("prid", "p"), "t_name", uniq("talk")), [5]int{out, no, ok, ok, no}},
		{"GET", "rooms.getDiscussions", room("roomId", "c"), [5]int{out, ok, ok, ok, ok}},
		{"GET", "rooms.getDiscussions", room("roomId", "p"), [5]int{out, bad, ok, ok, bad}},
		{"GET", "chat.getDiscussions", room("roomId", "c"), [5]int{out, ok, ok, ok, ok}},
		{"GET", "chat.getDiscussions", room("roomId", "p"), [5]int{out, bad, ok, ok, bad}},
		{"POST", "channels.delete", discussion("c"), [5]int{out, no, no, ok, ok}},
		{"POST", "groups.delete", discussion("p"), [5]int{out, bad, no, ok, bad}},

		// Teams: creating one needs create-team (users); the rest is checked
		// in the team's main room, whose owner holds the team permissions.
		{"POST", "teams.create", with(fixed(map[string]any{"type": 0}), "name", uniq("team")), [5]int{out, ok, ok, ok, ok}},
		{"GET", "teams.listAll", fixed(map[string]any{}), [5]int{out, no, no, no, ok}},
		{"GET", "teams.info", team(1), [5]int{out, no, ok, ok, ok}},
		{"POST", "teams.addMembers", team(0, "outsider"), [5]int{out, no, no, ok, ok}},
		{"POST", "teams.removeMember", team(0, "member"), [5]int{out, no, no, ok, ok}},
		{"POST", "teams.updateMember", team(0, "memberRoles"), [5]int{out, no, no, ok, ok}},
		// Moving a room in also needs to own it (admin does not).
		{"POST", "teams.addRooms", team(0, "room"), [5]int{out, no, no, ok, bad}},
		{"POST", "teams.delete", team(1), [5]int{out, no, no, ok, ok}},
		{"POST", "teams.convertToChannel", team(0), [5]int{out, no, no, ok, ok}},
		{"POST", "teams.update", team(0, "rename"), [5]int{out, no, no, ok, ok}},
		// Creating a room in a team needs create-team-channel /
		// create-team-group in its main room (owners, moderators).
		{"POST", "channels.create", team(0, "newRoom"), [5]int{out, no, no, ok, ok}},
		{"POST", "groups.create", team(1, "newRoom"), [5]int{out, no, no, ok, ok}},
		// Converting a room needs create-team and edit-room in the room.
		{"POST", "channels.convertToTeam", freshRoomAs("c", "channelId"), [5]int{out, no, no, ok, ok}},
		{"POST", "groups.convertToTeam", freshRoomAs("p", "roomId"), [5]int{out, bad, no, ok, bad}},
		// rooms.delete needs delete-c / delete-p, whoever sees the room.
		{"POST", "rooms.delete", freshRoom("c"), [5]int{out, no, no, ok, ok}},
		{"POST", "rooms.delete", freshRoom("p"), [5]int{out, no, no, ok, ok}},

		// Administration.
		{"POST", "users.create", newUser, [5]int{out, no, no, no, ok}},
		{"GET", "users.list", fixed(map[string]any{}), [5]int{out, ok, ok, ok, ok}},
		// Without view-privileged-setting, GET settings lists public settings only.
		{"GET", "settings", fixed(map[string]any{}), [5]int{out, ok, ok, ok, ok}},
		{"GET", "settings/Accounts_RegistrationForm_SecretURL", fixed(map[string]any{}), [5]int{out, no, no, no, ok}},
		{"POST", "settings/Site_Name", fixed(map[string]any{"value": "Liftoff test"}), [5]int{out, no, no, no, ok}},
		{"GET", "statistics", fixed(map[string]any{}), [5]int{out, bad, bad, bad, ok}},
		{"GET", "permissions.listAll", fixed(map[string]any{}), [5]int{out, ok, ok, ok, ok}},
		{"POST", "permissions.update", fixed(map[string]any{"permissions": []map[string]any{{"_id": "create-c", "roles": []string{"admin", "user", "bot", "app"}}}}), [5]int{out, no, no, no, ok}},
		{"GET", "settings.public", fixed(map[string]any{}), [5]int{ok, ok, ok, ok, ok}},
	}
	// chat.update / chat.delete: the "member" is the author, so allowed.
	for _, c := range cases {
		c := c
		name := c.method + " " + c.path
		for a := anonymous; a <= admin; a++ {
			a := a
			t.Run(strings.ReplaceAll(name, "/", "_")+"/"+actorNames[a], func(t *testing.T) {
				params := c.params(t, f)
				var r *testserver.Response
				if c.method == "GET" {
					var kv []string
					for k, v := range params {
						kv = append(kv, k, fmt.Sprint(v))
					}
					r = f.as[a].Get("/api/v1/"+c.path, kv...)
				} else {
					r = f.as[a].Post("/api/v1/"+c.path, params)
				}
				if r.Status != c.want[a] {
					t.Fatalf("%s as %s: want %d, got %d %s", name, actorNames[a], c.want[a], r.Status, r.Body)
				}
				switch r.Status {
				case out:
					if r.Str("status") != "error" {
						t.Fatalf("401 without the error envelope: %s", r.Body)
					}
				case bad, no:
					if r.JSON["success"] != false || r.Str("error") == "" {
						t.Fatalf("refusal without the error envelope: %s", r.Body)
					}
				}
			})
		}
	}

	// A refused write changes nothing.
	f.as[owner].Post("/api/v1/channels.setTopic", map[string]any{"roomId": f.channel, "topic": "kept"}).OK(t)
	f.as[member].Post("/api/v1/channels.setTopic", map[string]any{"roomId": f.channel, "topic": "hijacked"}).Fail(t, no, "")
	if r := f.as[admin].Get("/api/v1/channels.info", "roomId", f.channel).OK(t); r.Str("channel.topic") != "kept" {
		t.Fatalf("topic after a refused change: %s", r.Body)
	}
}
