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
			if strings.HasSuffix(path, "/logout") {
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
