package webdav_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/files"
	"liftoff/files/filestest"
	"liftoff/files/webdav"
	"liftoff/internal/peer"
)

const (
	davUser = "dav"
	davPass = "dav-secret"
)

// server is a webdavd process serving a temporary directory.
type server struct {
	url  string // http://127.0.0.1:port/
	root string
	pid  int
}

func startServer(t testing.TB) server {
	t.Helper()
	bin := peer.Path(t, "webdavd")
	addr := fmt.Sprintf("127.0.0.1:%d", peer.FreePort(t))
	root := t.TempDir()
	p := peer.Start(t, peer.Options{}, bin, "-listen", addr, "-root", root, "-user", davUser, "-pass", davPass, "-quiet")
	p.WaitHTTP(t, "http://"+addr+"/", 30*time.Second)
	return server{url: "http://" + addr + "/", root: root, pid: p.Cmd.Process.Pid}
}

var folderSeq atomic.Int64

// newStore makes a store in a new folder, two levels deep, like
// FileUpload_Webdav_Upload_Folder_Path "rocketchat/uploads-N".
func (s server) newStore(t testing.TB) *webdav.Store {
	t.Helper()
	cfg := files.WebdavConfig{
		ServerURL:        s.url,
		UploadFolderPath: fmt.Sprintf("/rocket chat/uploads-%d/", folderSeq.Add(1)),
		Username:         davUser,
		Password:         davPass,
	}
	u, err := cfg.FolderURL()
	if err != nil {
		t.Fatal(err)
	}
	st, err := webdav.New(webdav.Config{URL: u, Username: cfg.Username, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestContract(t *testing.T) {
	srv := startServer(t)
	filestest.Run(t, func(t *testing.T) files.Store { return srv.newStore(t) }, filestest.Options{OverwriteGap: true})
}

func TestBadCredentials(t *testing.T) {
	srv := startServer(t)
	u, _ := url.Parse(srv.url)
	st, err := webdav.New(webdav.Config{URL: u.JoinPath("x"), Username: davUser, Password: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Check(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Check with a wrong password: %v, want a 401 error", err)
	}
	if _, err := st.Put(ctx, "k", strings.NewReader("x"), 1, files.PutOptions{}); err == nil {
		t.Fatal("Put with a wrong password succeeded")
	}
}

// Blobs are files under the folder, at their key's path.
func TestLayoutAndSweepTemp(t *testing.T) {
	srv := startServer(t)
	st := srv.newStore(t)
	ctx := context.Background()
	if _, err := st.Put(ctx, "uploads/日本.txt", strings.NewReader("hello"), 5, files.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(srv.root, "rocket chat", fmt.Sprintf("uploads-%d", folderSeq.Load()))
	b, err := os.ReadFile(filepath.Join(folder, "uploads", "日本.txt"))
	if err != nil || string(b) != "hello" {
		t.Fatalf("file on the server: %q, %v", b, err)
	}
	// A temporary file left by a crash is swept once old.
	stale := filepath.Join(folder, ".liftoff", "tmp", "put-stale")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := st.SweepTemp(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("SweepTemp of a fresh file = %d, %v", n, err)
	}
	if n, err := st.SweepTemp(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("SweepTemp = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temporary file kept: %v", err)
	}
}

func TestNewConfig(t *testing.T) {
	if _, err := webdav.New(webdav.Config{}); err == nil {
		t.Error("New without a URL succeeded")
	}
	if _, err := webdav.New(webdav.Config{URL: &url.URL{Scheme: "ftp", Host: "h"}}); err == nil {
		t.Error("New with an ftp URL succeeded")
	}
}

// BenchmarkThroughput moves one 100 MB blob up and down through webdavd
// (go test -run '^$' -bench Throughput -benchtime 1x ./files/webdav/).
func BenchmarkThroughput(b *testing.B) {
	srv := startServer(b)
	for _, known := range []bool{true, false} {
		b.Run(fmt.Sprintf("knownSize=%v", known), func(b *testing.B) {
			filestest.Throughput(b, srv.newStore(b), filestest.ThroughputOptions{KnownSize: known, ServerPID: srv.pid})
		})
	}
}
