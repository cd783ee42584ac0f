package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/internal/peer"
	"liftoff/internal/testserver"
)

// nginxFront runs Debian's nginx with the shipped deploy/nginx/liftoff.conf
// in front of the instances, changing only the addresses: its listen
// port (a free loopback one) and its upstream servers. It returns a
// testserver.Server naming nginx's address, for the clients.
func nginxFront(t *testing.T, instances []*testserver.Server) *testserver.Server {
	t.Helper()
	conf, err := os.ReadFile(filepath.Join(peer.ModuleRoot(), "deploy", "nginx", "liftoff.conf"))
	if err != nil {
		t.Fatal(err)
	}
	port := peer.FreePort(t)
	var servers []string
	for _, s := range instances {
		servers = append(servers, fmt.Sprintf("    server 127.0.0.1:%d max_fails=2 fail_timeout=5s;", s.Port))
	}
	upstream := regexp.MustCompile(`(?m)^    server 127\.0\.0\.1:300\d .*\n`)
	if n := len(upstream.FindAllIndex(conf, -1)); n != 3 {
		t.Fatalf("deploy/nginx/liftoff.conf: %d upstream servers, the test expects 3 to replace", n)
	}
	site := upstream.ReplaceAllString(string(conf), "")
	site = strings.Replace(site, "    least_conn;", "    least_conn;\n"+strings.Join(servers, "\n"), 1)
	if !strings.Contains(site, "    listen 80;") {
		t.Fatal("deploy/nginx/liftoff.conf: no 'listen 80;' to replace")
	}
	site = strings.Replace(site, "    listen 80;", fmt.Sprintf("    listen 127.0.0.1:%d;", port), 1)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "liftoff.conf"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	// The main configuration a distribution provides, reduced to a
	// foreground process writing only in dir.
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/liftoff.conf;
}
`, dir)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := peer.Path(t, "nginx")
	p := peer.Start(t, peer.Options{Dir: dir}, bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.WaitTCP(t, addr, 20*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "error.log")); err == nil {
				t.Logf("nginx error log:\n%s", b)
			}
		}
	})
	return &testserver.Server{URL: "http://" + addr, WSURL: "ws://" + addr + "/websocket", Port: port}
}

// TestScaleOutThroughNginx runs three instances behind nginx with the
// shipped configuration: REST and DDP WebSockets go through it, messages
// cross instances, and when an instance stops its clients reconnect
// through nginx to the others and carry on with their tokens.
func TestScaleOutThroughNginx(t *testing.T) {
	srvs := startCluster(t, 3, scaledEnv(t, "", "LIFTOFF_TRUST_PROXY=true"))
	front := nginxFront(t, srvs)
	admin := front.Admin(t)
	aliceREST := front.CreateUser(t, "alice")
	front.CreateUser(t, "bob")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "via-nginx", "members": []string{"alice", "bob"}}).OK(t).Str("channel._id")

	// Several WebSockets through nginx (least_conn spreads them over the
	// instances), each subscribed to the room.
	var conns []*ddpConn
	for range 4 {
		c := ddpDial(t, front)
		c.login("bob", "bob-pass")
		c.sub("stream-room-messages", rid, false)
		conns = append(conns, c)
	}
	id := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "through nginx"}).OK(t).Str("message._id")
	for _, c := range conns {
		if m := c.roomMessage(rid, msgWithID(id)); m["msg"] != "through nginx" {
			t.Fatalf("message %v", m)
		}
	}

	// One instance stops: its WebSockets close; clients reconnect through
	// nginx (to the others) with their resume token, and REST calls keep
	// working meanwhile (nginx skips the stopped instance).
	srvs[0].Stop()
	closed := make([]bool, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() { defer wg.Done(); closed[i] = c.waitClosed(3 * time.Second) }()
	}
	wg.Wait()
	reconnected := 0
	for i, c := range conns {
		if !closed[i] {
			continue
		}
		reconnected++
		again := ddpDial(t, front)
		var res struct {
			ID string `json:"id"`
		}
		again.call(&res, "login", map[string]any{"resume": c.token})
		again.sub("stream-room-messages", rid, false)
		conns[i] = again
	}
	if reconnected == 0 {
		t.Fatal("no WebSocket was on the stopped instance: least_conn should have spread them over all three")
	}
	t.Logf("%d of %d WebSockets were on the stopped instance and reconnected", reconnected, len(conns))
	for n := range 6 {
		aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": fmt.Sprintf("after the stop %d", n)}).OK(t)
	}
	id = aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "last"}).OK(t).Str("message._id")
	for _, c := range conns {
		c.roomMessage(rid, msgWithID(id))
	}
}
