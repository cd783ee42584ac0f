package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"liftoff/api"
	"liftoff/internal/testserver"
	"liftoff/model"
)

// The audit: garbage input to every REST endpoint and DDP method must get
// a clear error (never a 500) and leave the server up.

// stubInvoker makes api.New register the method.call bridges, so Routes
// lists them; it is never called.
type stubInvoker struct{}

func (stubInvoker) InvokeFrame(context.Context, *model.User, string, string, string, string, []json.RawMessage) []byte {
	return nil
}

// restRoutes lists every REST endpoint the server registers, as
// {method, path} with path parameters filled in.
func restRoutes(t *testing.T) [][2]string {
	t.Helper()
	var out [][2]string
	for _, p := range api.New(api.Deps{Methods: stubInvoker{}}, api.Config{}).Routes() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			t.Fatalf("route pattern %q", p)
		}
		path = strings.NewReplacer("{_id}", "Site_Name", "{method}", "sendMessage").Replace(path)
		out = append(out, [2]string{method, path})
	}
	if len(out) < 100 {
		t.Fatalf("only %d routes registered", len(out))
	}
	return out
}

// fuzzClient calls the REST API as one user from any goroutine (the
// testserver client reports transport failures on the test that made it).
type fuzzClient struct {
	base, uid, token string
	http             *http.Client
}

func newFuzzClient(c *testserver.Client) *fuzzClient {
	return &fuzzClient{base: c.Srv.URL, uid: c.UserID, token: c.Token, http: &http.Client{Timeout: 30 * time.Second}}
}

func (c *fuzzClient) Get(t *testing.T, path string, kv ...string) *testserver.Response {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	req, err := http.NewRequest(http.MethodGet, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.do(t, req)
}

// Post sends body as is when it is a string, as JSON otherwise.
func (c *fuzzClient) Post(t *testing.T, path string, body any) *testserver.Response {
	b, ok := body.(string)
	if !ok {
		enc, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		b = string(enc)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader([]byte(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(t, req)
}

func (c *fuzzClient) do(t *testing.T, req *http.Request) *testserver.Response {
	t.Helper()
	req.Header.Set("X-User-Id", c.uid)
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL.Path, err)
	}
	r := &testserver.Response{Status: resp.StatusCode, Body: b, Header: resp.Header}
	_ = json.Unmarshal(b, &r.JSON)
	return r
}

// ddpMethods are the realtime methods the garbage test calls: every one
// registered except logout (which would end the caller's session).
var ddpMethods = []string{
	"login", "stream-notify-room",
	"sendMessage", "updateMessage", "deleteMessage", "setReaction", "pinMessage", "unpinMessage", "starMessage",
	"readMessages", "unreadMessages", "getSingleMessage", "loadHistory", "loadMissedMessages", "getThreadMessages",
	"createChannel", "createPrivateGroup", "createDirectMessage", "joinRoom", "leaveRoom", "addUsersToRoom",
	"saveRoomSettings", "archiveRoom", "unarchiveRoom", "eraseRoom", "getRoomRoles", "getRoomIdByNameOrId",
	"getUsersOfRoom", "toggleFavorite", "hideRoom", "openRoom", "rooms/get", "subscriptions/get",
	"listCustomSounds", "listEmojiCustom", "public-settings/get", "permissions/get",
	"UserPresence:setDefaultStatus", "UserPresence:online", "UserPresence:away",
	"registerUser", "spotlight", "browseChannels", "getRoomNameById", "getRoomByTypeAndName", "readThreads",
	"setUserStatus", "private-settings/get", "license:getModules", "listCustomUserStatus", "insertOrUpdateUserStatus",
	"deleteCustomUserStatus",
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fuzzKeys are the parameter names the REST handlers read.
var fuzzKeys = []string{
	"_id", "activeStatus", "announcement", "asUser", "attachments", "avatar", "channel", "code", "confirmRelinquish",
	"content", "count", "customFields", "data", "description", "email", "emoji", "excludeSelf", "extraData", "favorite",
	"fields", "filter", "includeUserRooms", "inclusive", "joinCode", "lastUpdate", "latest", "members", "mentionIds",
	"message", "messageId", "msg", "msgId", "name", "next", "offset", "oldest", "password", "permissions", "pinned",
	"previous", "purpose", "query", "reaction", "readOnly", "readThreads", "rid", "role", "roleId", "roleName", "roomId",
	"roomName", "roles", "scope", "searchText", "selector", "shouldReact", "showThreadMessages", "since", "sort",
	"starredIds", "status", "statusText", "text", "tmid", "tokenName", "topic", "type", "unreads", "updatedSince",
	"user", "userId", "userIds", "username", "usernames", "value",
}

// fuzzStrings are string values that trip parsers: query languages (FTS5,
// regular expressions, JSON in query strings), control bytes, huge input.
var fuzzStrings = []string{
	"", " ", `"`, "*", "(", "NEAR(", "a OR", `{"$ne":null}`, `{"$where":"1"}`, "[", "[1,", `{"ts":2}`, `{"x":1}`,
	"\x00", "%", "'", `\`, "-1", "1e999", "NaN", "2026-13-45", "@", "#", "../../etc/passwd",
	"ünï©ødé-名前", strings.Repeat("a", 100_000),
}

// fuzzValues are JSON values of every type, for JSON bodies.
var fuzzValues = []any{
	5, -1, 1.5, 1e300, true, nil, map[string]any{"$ne": nil}, []any{}, []any{"a", 5}, map[string]any{"a": map[string]any{"b": []any{}}},
}

func TestAuditGarbageInput(t *testing.T) {
	srv := testserver.Start(t)
	adminC := srv.Admin(t)
	admin, user := newFuzzClient(adminC), newFuzzClient(srv.CreateUser(t, "fuzzer"))
	// Something for lookups by a plausible value to find.
	rid := adminC.Post("/api/v1/channels.create", map[string]any{"name": "fuzzroom", "members": []string{"fuzzer"}}).OK(t).Str("channel._id")
	adminC.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "hello"}).OK(t)

	check := func(t *testing.T, what string, r *testserver.Response) {
		t.Helper()
		if r.Status >= 500 {
			t.Errorf("%s: %d %.300s", what, r.Status, r.Body)
			return
		}
		if r.Status >= 400 && r.Status != http.StatusUnauthorized {
			// login answers in its own envelope: {status: "error", error, message}.
			loginForm := r.JSON != nil && r.JSON["status"] == "error" && r.Str("error") != ""
			if !loginForm && (r.JSON == nil || r.JSON["success"] != false || r.Str("error") == "") {
				t.Errorf("%s: %d without the error envelope: %.300s", what, r.Status, r.Body)
			}
		}
	}
	ready := func(t *testing.T, after string) {
		t.Helper()
		if r := admin.Get(t, "/readyz"); r.Status != http.StatusOK {
			t.Fatalf("/readyz after %s: %d %s", after, r.Status, r.Body)
		}
	}

	t.Run("rest", func(t *testing.T) {
		for _, route := range restRoutes(t) {
			method, path := route[0], route[1]
			if strings.HasSuffix(path, "/logout") || strings.HasSuffix(path, "/users.logout") {
				continue // garbage or not, it ends the caller's session
			}
			t.Run(strings.ReplaceAll(method+" "+path, "/", "_"), func(t *testing.T) {
				t.Parallel()
				if method == "GET" {
					for i, key := range fuzzKeys {
						v := fuzzStrings[i%len(fuzzStrings)]
						if len(v) > 4000 {
							v = v[:4000] // a URL, not a body
						}
						check(t, fmt.Sprintf("%s?%s=%.40q", path, key, v), admin.Get(t, path, key, v))
					}
					// Everything at once, every string.
					for _, v := range fuzzStrings {
						if len(v) > 4000 {
							v = v[:4000]
						}
						kv := make([]string, 0, 2*len(fuzzKeys))
						for _, key := range fuzzKeys {
							kv = append(kv, key, v)
						}
						check(t, fmt.Sprintf("%s all=%.40q", path, v), admin.Get(t, path, kv...))
						if len(v) < 3 {
							check(t, fmt.Sprintf("%s all=%.40q as user", path, v), user.Get(t, path, kv...))
						}
					}
					ready(t, path)
					return
				}
				for _, v := range []any{map[string]any{"$ne": nil}, 5} {
					body := make(map[string]any, len(fuzzKeys))
					for _, key := range fuzzKeys {
						body[key] = v
					}
					check(t, fmt.Sprintf("%s all=%v as user", path, v), user.Post(t, path, body))
				}
				for _, raw := range []string{`[]`, `"x"`, `5`, `null`, `{`, `{"roomId":`, `{"a":1}{"b":2}`, `"` + strings.Repeat("x", 100_000) + `"`} {
					check(t, fmt.Sprintf("%s body %.40s", path, raw), admin.Post(t, path, raw))
				}
				for i, key := range fuzzKeys {
					v := fuzzValues[i%len(fuzzValues)]
					check(t, fmt.Sprintf("%s {%s: %v}", path, key, v), admin.Post(t, path, map[string]any{key: v}))
					if i%5 == 0 {
						s := fuzzStrings[(i/5)%len(fuzzStrings)]
						check(t, fmt.Sprintf("%s {%s: %.40q}", path, key, s), admin.Post(t, path, map[string]any{key: s}))
					}
					if i%3 == 0 {
						// A plausible room with one garbage parameter beside it.
						body := map[string]any{"roomId": rid, "rid": rid, key: fuzzValues[(i+5)%len(fuzzValues)]}
						check(t, fmt.Sprintf("%s roomId + {%s: %v}", path, key, body[key]), admin.Post(t, path, body))
					}
				}
				for _, v := range append(fuzzValues, any(fuzzStrings[len(fuzzStrings)-1]), "*") {
					body := make(map[string]any, len(fuzzKeys))
					for _, key := range fuzzKeys {
						body[key] = v
					}
					check(t, fmt.Sprintf("%s all=%.40v", path, v), admin.Post(t, path, body))
				}
				ready(t, path)
			})
		}
	})
	t.Run("ddp", func(t *testing.T) {
		long := strings.Repeat("a", 100_000)
		paramSets := []string{
			`[]`, `[null]`, `[5]`, `["x"]`, `[[]]`, `[{"$ne":null}]`, `[true,5,{"$ne":null}]`, `["x","y",5,{}]`,
			`[` + mustJSON(t, long) + `]`, `[` + mustJSON(t, rid) + `,{"$ne":null},[5]]`, `[` + mustJSON(t, rid) + `,"*",-1,1e300]`,
			`[{"rid":5,"msg":{"$ne":null},"_id":[]}]`, `[{"rid":` + mustJSON(t, rid) + `,"msg":5}]`,
			`[{"rid":` + mustJSON(t, rid) + `,"msg":"` + long + `"}]`, `[{"$date":"x"}]`, `[{"$date":1e300}]`,
		}
		for _, method := range ddpMethods {
			t.Run(strings.ReplaceAll(method, "/", "_"), func(t *testing.T) {
				t.Parallel()
				for i, params := range paramSets {
					msg := `{"msg":"method","method":` + mustJSON(t, method) + `,"params":` + params + `,"id":"` + fmt.Sprint(i) + `"}`
					for _, c := range []*fuzzClient{admin, user} {
						r := c.Post(t, "/api/v1/method.call/"+strings.ReplaceAll(method, "/", ":"), map[string]any{"message": msg})
						check(t, method+" "+params[:min(len(params), 60)], r)
						if r.Status != http.StatusOK {
							t.Errorf("%s %.60s: method.call answered %d %.300s", method, params, r.Status, r.Body)
							continue
						}
						var frame struct {
							Msg   string         `json:"msg"`
							Error map[string]any `json:"error"`
						}
						if err := json.Unmarshal([]byte(r.Str("message")), &frame); err != nil || frame.Msg != "result" {
							t.Errorf("%s %.60s: result frame %.300s", method, params, r.Body)
							continue
						}
						if code, ok := frame.Error["error"].(float64); ok && code >= 404 {
							t.Errorf("%s %.60s: error %v %.300s", method, params, code, r.Body)
						}
					}
				}
				ready(t, method)
			})
		}
	})
	// The server is still itself: the admin's session survived (the room
	// may not have: channels.delete with a valid roomId is a success).
	adminC.Get("/api/v1/me").OK(t)
}

// TestAuditEndpointCoverage gives each endpoint the other tests left
// without a success or without a failure case both, with a check that the
// success did what it says and the refusal changed nothing.
func TestAuditEndpointCoverage(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	owner := srv.CreateUser(t, "aud-owner")
	member := srv.CreateUser(t, "aud-member")
	outsider := srv.CreateUser(t, "aud-outsider")
	anon := srv.Anon(t)

	t.Run("logout", func(t *testing.T) {
		anon.Post("/api/v1/logout", nil).Fail(t, http.StatusUnauthorized, "")
		c := srv.Login(t, "aud-outsider", "aud-outsider-pass")
		if r := c.Post("/api/v1/logout", nil); r.Status != http.StatusOK || r.Str("status") != "success" {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		c.Get("/api/v1/me").Fail(t, http.StatusUnauthorized, "")
		outsider.Get("/api/v1/me").OK(t) // other sessions live on
	})

	t.Run("personal access tokens", func(t *testing.T) {
		old := owner.Post("/api/v1/users.generatePersonalAccessToken", map[string]any{"tokenName": "ci"}).OK(t).Str("token")
		owner.Post("/api/v1/users.regeneratePersonalAccessToken", map[string]any{"tokenName": "nope"}).Fail(t, 400, "")
		owner.Post("/api/v1/users.regeneratePersonalAccessToken", map[string]any{}).Fail(t, 400, "The 'tokenName' param is required")
		fresh := owner.Post("/api/v1/users.regeneratePersonalAccessToken", map[string]any{"tokenName": "ci"}).OK(t).Str("token")
		if fresh == "" || fresh == old {
			t.Fatalf("regenerated token %q (old %q)", fresh, old)
		}
		withToken := func(tok string) *testserver.Response {
			c := srv.Anon(t)
			c.UserID, c.Token = owner.UserID, tok
			return c.Get("/api/v1/me")
		}
		withToken(old).Fail(t, http.StatusUnauthorized, "")
		withToken(fresh).OK(t)
		if n := len(owner.Get("/api/v1/users.getPersonalAccessTokens").OK(t).List("tokens")); n != 1 {
			t.Fatalf("%d tokens after regenerating the only one", n)
		}

		// Without create-personal-access-tokens nothing is listed or made.
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "create-personal-access-tokens", "roles": []string{"admin"}}}}).OK(t)
		t.Cleanup(func() {
			admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "create-personal-access-tokens", "roles": []string{"admin", "user"}}}}).OK(t)
		})
		owner.Get("/api/v1/users.getPersonalAccessTokens").Fail(t, 400, "not-authorized")
		owner.Post("/api/v1/users.regeneratePersonalAccessToken", map[string]any{"tokenName": "ci"}).Fail(t, 400, "not-authorized")
		withToken(fresh).OK(t)
	})

	t.Run("room roles", func(t *testing.T) {
		for _, kind := range []string{"channels", "groups"} {
			key := map[string]string{"channels": "channel", "groups": "group"}[kind]
			rid := owner.Post("/api/v1/"+kind+".create", map[string]any{"name": "aud-roles-" + kind, "members": []string{member.Username}}).OK(t).Str(key + "._id")
			rolesOf := func(uid string) []string {
				var out []string
				for _, h := range owner.Get("/api/v1/"+kind+".roles", "roomId", rid).OK(t).List("roles") {
					if h := h.(map[string]any); h["u"].(map[string]any)["_id"] == uid {
						out = append(out, toStrings(h["roles"].([]any))...)
					}
				}
				return out
			}
			for _, c := range []struct{ add, remove, role string }{
				{"addOwner", "removeOwner", "owner"}, {"addModerator", "removeModerator", "moderator"}, {"addLeader", "removeLeader", "leader"},
			} {
				body := map[string]any{"roomId": rid, "userId": member.UserID}
				// A plain member may not hand out roles; outsiders do not see groups.
				member.Post("/api/v1/"+kind+"."+c.add, map[string]any{"roomId": rid, "userId": member.UserID}).Fail(t, 403, "")
				if kind == "groups" {
					outsider.Post("/api/v1/"+kind+"."+c.add, body).Fail(t, 400, "error-room-not-found")
				}
				owner.Post("/api/v1/"+kind+"."+c.add, map[string]any{"roomId": rid}).Fail(t, 400, "")
				owner.Post("/api/v1/"+kind+"."+c.add, map[string]any{"roomId": rid, "userId": outsider.UserID}).Fail(t, 400, "")
				if got := rolesOf(member.UserID); len(got) != 0 {
					t.Fatalf("%s.%s: refused calls left roles %v", kind, c.add, got)
				}
				owner.Post("/api/v1/"+kind+"."+c.add, body).OK(t)
				if got := rolesOf(member.UserID); !includes(got, c.role) {
					t.Fatalf("%s.%s: roles %v", kind, c.add, got)
				}
				owner.Post("/api/v1/"+kind+"."+c.add, body).Fail(t, 400, "")
				outsiderBody := map[string]any{"roomId": rid, "userId": member.UserID}
				outsider.Post("/api/v1/"+kind+"."+c.remove, outsiderBody).Fail(t, map[string]int{"channels": 403, "groups": 400}[kind], "")
				owner.Post("/api/v1/"+kind+"."+c.remove, body).OK(t)
				if got := rolesOf(member.UserID); len(got) != 0 {
					t.Fatalf("%s.%s: roles %v", kind, c.remove, got)
				}
				owner.Post("/api/v1/"+kind+"."+c.remove, body).Fail(t, 400, "")
			}
		}
	})

	t.Run("group texts, read-only, type, unarchive", func(t *testing.T) {
		gid := owner.Post("/api/v1/groups.create", map[string]any{"name": "aud-group-texts", "members": []string{member.Username}}).OK(t).Str("group._id")
		info := func() map[string]any {
			return owner.Get("/api/v1/groups.info", "roomId", gid).OK(t).Get("group").(map[string]any)
		}
		for _, c := range []struct{ endpoint, param, field string }{
			{"setDescription", "description", "description"},
			{"setPurpose", "purpose", "description"},
			{"setAnnouncement", "announcement", "announcement"},
		} {
			value := "group " + c.param
			if r := owner.Post("/api/v1/groups."+c.endpoint, map[string]any{"roomId": gid, c.param: value}).OK(t); r.Str(c.param) != value {
				t.Fatalf("groups.%s answer %s", c.endpoint, r.Body)
			}
			member.Post("/api/v1/groups."+c.endpoint, map[string]any{"roomId": gid, c.param: "member's"}).Fail(t, 403, "error-action-not-allowed")
			outsider.Post("/api/v1/groups."+c.endpoint, map[string]any{"roomId": gid, c.param: "outsider's"}).Fail(t, 400, "error-room-not-found")
			owner.Post("/api/v1/groups."+c.endpoint, map[string]any{"roomId": gid, c.param: 5}).Fail(t, 400, "error-invalid-params")
			if got := info()[c.field]; got != value {
				t.Fatalf("groups.%s: %s is %v after refused calls", c.endpoint, c.field, got)
			}
		}

		member.Post("/api/v1/groups.setReadOnly", map[string]any{"roomId": gid, "readOnly": true}).Fail(t, 403, "error-action-not-allowed")
		owner.Post("/api/v1/groups.setReadOnly", map[string]any{"roomId": gid, "readOnly": "yes"}).Fail(t, 400, "error-invalid-params")
		if info()["ro"] == true {
			t.Fatal("refused setReadOnly made the group read-only")
		}

		cid := owner.Post("/api/v1/channels.create", map[string]any{"name": "aud-type", "members": []string{member.Username}}).OK(t).Str("channel._id")
		member.Post("/api/v1/channels.setType", map[string]any{"roomId": cid, "type": "p"}).Fail(t, 403, "")
		owner.Post("/api/v1/channels.setType", map[string]any{"roomId": cid, "type": "x"}).Fail(t, 400, "")
		owner.Post("/api/v1/channels.setType", map[string]any{"roomId": cid}).Fail(t, 400, "")
		if typ := owner.Get("/api/v1/channels.info", "roomId", cid).OK(t).Str("channel.t"); typ != "c" {
			t.Fatalf("refused setType changed the type to %q", typ)
		}

		// unarchive-room is the admin's alone (Rocket.Chat's default), and
		// a private group is found only by its members.
		owner.Post("/api/v1/groups.invite", map[string]any{"roomId": gid, "userId": admin.UserID}).OK(t)
		owner.Post("/api/v1/groups.archive", map[string]any{"roomId": gid}).OK(t)
		owner.Post("/api/v1/groups.unarchive", map[string]any{"roomId": gid}).Fail(t, 403, "error-not-authorized")
		member.Post("/api/v1/groups.unarchive", map[string]any{"roomId": gid}).Fail(t, 403, "")
		outsider.Post("/api/v1/groups.unarchive", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
		if info()["archived"] != true {
			t.Fatal("refused unarchive unarchived the group")
		}
		admin.Post("/api/v1/groups.unarchive", map[string]any{"roomId": gid}).OK(t)
		if info()["archived"] == true {
			t.Fatal("groups.unarchive left the group archived")
		}
		member.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "back"}).OK(t)
	})

	t.Run("dm aliases", func(t *testing.T) {
		outsider.Post("/api/v1/dm.create", map[string]any{"username": "no-such-user"}).Fail(t, 400, "")
		outsider.Post("/api/v1/dm.create", map[string]any{}).Fail(t, 400, "")
		rid := owner.Post("/api/v1/dm.create", map[string]any{"username": member.Username}).OK(t).Str("room._id")
		owner.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "psst"}).OK(t)

		members := names(member.Get("/api/v1/dm.members", "roomId", rid).OK(t).List("members"), "username")
		if len(members) != 2 || !has(members, owner.Username) || !has(members, member.Username) {
			t.Fatalf("dm.members: %v", members)
		}
		outsider.Get("/api/v1/dm.members", "roomId", rid).Fail(t, 403, "")
		if r := member.Get("/api/v1/dm.counters", "roomId", rid).OK(t); r.Num("msgs") != 1 || r.Num("unreads") != 1 || r.Get("joined") != true {
			t.Fatalf("dm.counters: %s", r.Body)
		}
		outsider.Get("/api/v1/dm.counters", "roomId", rid).Fail(t, 403, "")

		open := func() bool {
			return member.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Get("subscription.open") == true
		}
		outsider.Post("/api/v1/dm.close", map[string]any{"roomId": rid}).Fail(t, 403, "")
		member.Post("/api/v1/dm.close", map[string]any{}).Fail(t, 400, "")
		member.Post("/api/v1/dm.close", map[string]any{"roomId": rid}).OK(t)
		if open() {
			t.Fatal("dm.close left the conversation open")
		}
		outsider.Post("/api/v1/dm.open", map[string]any{"roomId": rid}).Fail(t, 403, "")
		if open() {
			t.Fatal("a refused dm.open opened the conversation")
		}
		member.Post("/api/v1/dm.open", map[string]any{"roomId": rid}).OK(t)
		if !open() {
			t.Fatal("dm.open did not bring the conversation back")
		}
		member.Get("/api/v1/im.list", "sort", `{"bogus":1}`).Fail(t, 400, "error-invalid-sort")
		member.Get("/api/v1/channels.list.joined", "count", "many").Fail(t, 400, "error-invalid-params")
	})

	t.Run("messages", func(t *testing.T) {
		rid := owner.Post("/api/v1/channels.create", map[string]any{"name": "aud-msgs", "members": []string{member.Username}}).OK(t).Str("channel._id")
		gid := owner.Post("/api/v1/groups.create", map[string]any{"name": "aud-msgs-private"}).OK(t).Str("group._id")
		total := func() float64 { return owner.Get("/api/v1/channels.history", "roomId", rid).OK(t).Num("count") }
		before := total()
		member.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": gid, "msg": "in"}}).Fail(t, 400, "")
		member.Post("/api/v1/chat.sendMessage", map[string]any{"message": "hello"}).Fail(t, 400, "")
		member.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"msg": "where?"}}).Fail(t, 400, "")
		if got := total(); got != before {
			t.Fatalf("refused sends changed the history: %v → %v", before, got)
		}
		mid := member.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "star me"}}).OK(t).Str("message._id")

		member.Post("/api/v1/chat.unStarMessage", map[string]any{}).Fail(t, 400, "")
		member.Post("/api/v1/chat.unStarMessage", map[string]any{"messageId": "no-such-message"}).Fail(t, 400, "")
		member.Post("/api/v1/chat.starMessage", map[string]any{"messageId": mid}).OK(t)
		outsider.Post("/api/v1/chat.unStarMessage", map[string]any{"messageId": mid}).Fail(t, 403, "error-not-allowed")
		starred := func() float64 { return member.Get("/api/v1/chat.getStarredMessages", "roomId", rid).OK(t).Num("total") }
		if n := starred(); n != 1 {
			t.Fatalf("%v starred after a refused unstar", n)
		}
		member.Post("/api/v1/chat.unStarMessage", map[string]any{"messageId": mid}).OK(t)
		if n := starred(); n != 0 {
			t.Fatalf("%v starred after unStarMessage", n)
		}

		member.Post("/api/v1/chat.unfollowMessage", map[string]any{}).Fail(t, 400, "")
		member.Post("/api/v1/chat.unfollowMessage", map[string]any{"mid": "no-such-message"}).Fail(t, 400, "")
		gmid := owner.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "secret"}).OK(t).Str("message._id")
		// As Rocket.Chat: a message in a room the caller cannot access is "not-allowed".
		member.Post("/api/v1/chat.unfollowMessage", map[string]any{"mid": gmid}).Fail(t, 403, "error-not-allowed")
		mmid := owner.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "follow me"}).OK(t).Str("message._id")
		member.Post("/api/v1/chat.followMessage", map[string]any{"mid": mmid}).OK(t)
		following := func() bool {
			for _, f := range owner.Get("/api/v1/chat.getMessage", "msgId", mmid).OK(t).List("message.replies") {
				if f == member.UserID {
					return true
				}
			}
			return false
		}
		if !following() {
			t.Fatal("followMessage did not add the follower")
		}
		member.Post("/api/v1/chat.unfollowMessage", map[string]any{"mid": mmid}).OK(t)
		if following() {
			t.Fatal("unfollowMessage left the follower")
		}
	})

	t.Run("users", func(t *testing.T) {
		anon.Post("/api/v1/users.register", map[string]any{"username": "aud-reg", "email": "not-an-email", "pass": "pw-123456", "name": "Reg"}).Fail(t, 400, "")
		anon.Post("/api/v1/users.register", map[string]any{"username": member.Username, "email": "dup@example.org", "pass": "pw-123456", "name": "Dup"}).Fail(t, 400, "")
		anon.Post("/api/v1/users.register", map[string]any{"username": "aud-reg", "email": 5, "pass": "pw-123456", "name": "Reg"}).Fail(t, 400, "")
		admin.Get("/api/v1/users.info", "username", "aud-reg").Fail(t, 400, "")

		member.Get("/api/v1/users.getPresence").OK(t) // own presence
		member.Get("/api/v1/users.getPresence", "userId", "no-such-user").Fail(t, 400, "")
		anon.Get("/api/v1/users.getPresence", "userId", member.UserID).Fail(t, http.StatusUnauthorized, "")

		member.Get("/api/v1/roles.list").OK(t)
		anon.Get("/api/v1/roles.list").Fail(t, http.StatusUnauthorized, "")
		// roles.sync needs a valid updatedSince (Rocket.Chat: Date.parse must succeed).
		member.Get("/api/v1/roles.sync").Fail(t, 400, "error-updatedSince-param-invalid")
		member.Get("/api/v1/roles.sync", "updatedSince", "yesterday").Fail(t, 400, "error-updatedSince-param-invalid")
	})
}
