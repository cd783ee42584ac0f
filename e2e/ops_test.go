package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

func TestInfoAndHealth(t *testing.T) {
	srv := testserver.Start(t)
	anon := srv.Anon(t)
	r := anon.Get("/api/info").OK(t)
	if r.Str("version") == "" || r.Get("info") != nil {
		t.Fatalf("anonymous /api/info: %s", r.Body)
	}
	if r := srv.Admin(t).Get("/api/info").OK(t); r.Str("info.version") == "" {
		t.Fatalf("authenticated /api/info: %s", r.Body)
	}
	for _, p := range []string{"/livez", "/readyz"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, err, resp)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"liftoff_http_requests_total", "go_goroutines", "process_resident_memory_bytes", "liftoff_store_commit_batch_size_bucket{le=\"1\"}"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Fatalf("/metrics lacks %s", want)
		}
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id header")
	}
}

func TestBadRequests(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"LIFTOFF_MAX_BODY_BYTES=4096"}})
	admin := srv.Admin(t)
	// Malformed JSON.
	r := admin.Post("/api/v1/channels.create", `{"name": `)
	r.Fail(t, 400, "error-invalid-body")
	// A body that is not an object.
	admin.Post("/api/v1/channels.create", `["x"]`).Fail(t, 400, "error-invalid-body")
	// Mistyped parameter.
	admin.Post("/api/v1/channels.create", map[string]any{"name": 42}).Fail(t, 400, "error-invalid-params")
	// Oversized body.
	big := map[string]any{"name": "big", "description": strings.Repeat("x", 10000)}
	admin.Post("/api/v1/channels.create", big).Fail(t, 413, "error-request-too-large")
	// Nothing was created by any of those.
	admin.Get("/api/v1/channels.info", "roomName", "big").Fail(t, 400, "error-room-not-found")
	// Unknown endpoint.
	if r := admin.Get("/api/v1/no.such.endpoint"); r.Status != 404 || r.JSON["success"] != false {
		t.Fatalf("unknown endpoint: %d %s", r.Status, r.Body)
	}
}

func TestDuplicateAndInvalidChannelNames(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	admin.Post("/api/v1/channels.create", map[string]any{"name": "dev"}).OK(t)
	admin.Post("/api/v1/channels.create", map[string]any{"name": "dev"}).Fail(t, 400, "error-duplicate-channel-name")
	admin.Post("/api/v1/groups.create", map[string]any{"name": "dev"}).Fail(t, 400, "error-duplicate-channel-name")
	admin.Post("/api/v1/channels.create", map[string]any{"name": "bad name!"}).Fail(t, 400, "error-invalid-room-name")
	admin.Post("/api/v1/channels.create", map[string]any{"name": "x", "members": []string{"nobody"}}).Fail(t, 400, "error-invalid-user")
	admin.Get("/api/v1/channels.info", "roomName", "x").Fail(t, 400, "error-room-not-found")
}

func TestGeneralChannelAndDefaultJoin(t *testing.T) {
	srv := testserver.Start(t)
	bob := srv.CreateUser(t, "bob", map[string]any{"joinDefaultChannels": true})
	r := bob.Get("/api/v1/channels.info", "roomName", "general").OK(t)
	if r.Get("channel.default") != true || r.Str("channel.t") != "c" {
		t.Fatalf("general: %s", r.Body)
	}
	bob.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "hello"}).OK(t)
}

// runCLI runs the liftoff binary with args against dataDir.
func runCLI(t *testing.T, dataDir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testserver.Binary(t), args...)
	cmd.Env = append(os.Environ(), "LIFTOFF_DATA_DIR="+dataDir, "LIFTOFF_BCRYPT_COST=4")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestAdminCLIAndBackupWhileServing(t *testing.T) {
	// Another process's writes reach the server's session cache within
	// LIFTOFF_SESSION_CHECK.
	srv := testserver.StartBinary(t, testserver.Options{Env: []string{"LIFTOFF_SESSION_CHECK=300ms"}})
	admin := srv.Admin(t)
	admin.Post("/api/v1/channels.create", map[string]any{"name": "kept"}).OK(t)

	out, err := runCLI(t, srv.DataDir, "admin", "create-user", "dora", "dora@example.org", "dora-pass-1", "--name", "Dora")
	if err != nil {
		t.Fatalf("create-user: %v\n%s", err, out)
	}
	dora := srv.Login(t, "dora", "dora-pass-1")
	if r := dora.Get("/api/v1/me").OK(t); r.Str("name") != "Dora" {
		t.Fatalf("me: %s", r.Body)
	}
	if out, err := runCLI(t, srv.DataDir, "admin", "create-user", "dora", "d2@example.org", "pw"); err == nil {
		t.Fatalf("duplicate create-user succeeded: %s", out)
	}
	if out, err := runCLI(t, srv.DataDir, "admin", "reset-password", "dora", "new-pass-2"); err != nil {
		t.Fatalf("reset-password: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		r := dora.Get("/api/v1/me")
		if r.Status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("old session survived a password reset: %d", r.Status)
		}
	}
	srv.Login(t, "dora", "new-pass-2")
	if out, err := runCLI(t, srv.DataDir, "admin", "grant-role", "dora", "admin"); err != nil {
		t.Fatalf("grant-role: %v\n%s", err, out)
	}
	if r := srv.Login(t, "dora", "new-pass-2").Get("/api/v1/me").OK(t); !strings.Contains(string(r.Body), `"admin"`) {
		t.Fatalf("role not granted: %s", r.Body)
	}
	if out, err := runCLI(t, srv.DataDir, "admin", "grant-role", "nobody", "admin"); err == nil {
		t.Fatalf("grant-role to unknown user succeeded: %s", out)
	}
	out, err = runCLI(t, srv.DataDir, "admin", "list-users")
	if err != nil || !strings.Contains(out, "dora") || !strings.Contains(out, "admin") {
		t.Fatalf("list-users: %v\n%s", err, out)
	}

	// Backup while the server runs, then serve the copy.
	backup := filepath.Join(t.TempDir(), "copy.db")
	if out, err := runCLI(t, srv.DataDir, "backup", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := runCLI(t, srv.DataDir, "backup", backup); err == nil {
		t.Fatalf("backup overwrote an existing file: %s", out)
	}
	restored := t.TempDir()
	if err := os.Rename(backup, filepath.Join(restored, "liftoff.db")); err != nil {
		t.Fatal(err)
	}
	srv2 := testserver.StartBinary(t, testserver.Options{DataDir: restored})
	srv2.Admin(t).Get("/api/v1/channels.info", "roomName", "kept").OK(t)
	srv2.Login(t, "dora", "new-pass-2")
}

func TestGracefulShutdownKeepsData(t *testing.T) {
	dir := t.TempDir()
	srv := testserver.StartBinary(t, testserver.Options{DataDir: dir})
	admin := srv.Admin(t)
	room := admin.Post("/api/v1/channels.create", map[string]any{"name": "persist"}).OK(t).Str("channel._id")
	var ids []string
	for i := 0; i < 20; i++ {
		ids = append(ids, admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": room, "text": "m"}).OK(t).Str("message._id"))
	}
	srv.Stop()
	if code := srv.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, srv.Logs())
	}
	srv2 := testserver.StartBinary(t, testserver.Options{DataDir: dir})
	r := srv2.Admin(t).Get("/api/v1/channels.info", "roomId", room).OK(t)
	if int(r.Num("channel.msgs")) != 20 {
		t.Fatalf("msgs after restart: %s", r.Body)
	}
	// Every acknowledged message is there after the restart.
	h := srv2.Admin(t).Get("/api/v1/channels.history", "roomId", room, "count", "100").OK(t)
	got := map[string]bool{}
	for _, m := range h.List("messages") {
		got[m.(map[string]any)["_id"].(string)] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Fatalf("acknowledged message %s lost across the restart", id)
		}
	}
}

func TestJSONLogsCarryRequestIDs(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"LIFTOFF_LOG_FORMAT=json", "LIFTOFF_LOG_LEVEL=debug"}})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/info", nil)
	req.Header.Set("X-Request-Id", "trace-me-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != "trace-me-42" {
		t.Fatalf("request id not echoed: %q", resp.Header.Get("X-Request-Id"))
	}
	srv.WaitLogs(t, "a JSON request log line with the request id", func(logs string) bool {
		for _, line := range strings.Split(logs, "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			if rec["msg"] == "request" && rec["request_id"] == "trace-me-42" && rec["path"] == "/api/info" && rec["status"] == float64(200) {
				return true
			}
		}
		return false
	})
}
