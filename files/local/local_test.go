package local_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liftoff/files"
	"liftoff/files/filestest"
	"liftoff/files/local"
)

func newStore(t testing.TB) files.Store {
	s, err := local.New(filepath.Join(t.TempDir(), "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	filestest.Run(t, func(t *testing.T) files.Store { return newStore(t) }, filestest.Options{})
}

// A symbolic link inside the directory must not lead out of it.
func TestSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Stat(ctx, "link/secret"); err == nil {
		t.Fatal("Stat followed a symlink out of the store")
	}
	if rc, err := s.Open(ctx, "link/secret", 0, -1); err == nil {
		rc.Close()
		t.Fatal("Open followed a symlink out of the store")
	}
	if _, err := s.Put(ctx, "link/new", strings.NewReader("x"), 1, files.PutOptions{}); err == nil {
		t.Fatal("Put wrote through a symlink out of the store")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file appeared outside the store: %v", err)
	}
	for info, err := range s.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		t.Fatalf("List yielded %q through a symlink", info.Key)
	}
}

// Temporary files of a Put interrupted by a crash are swept, fresh ones kept.
func TestSweepTemp(t *testing.T) {
	dir := t.TempDir()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stale := filepath.Join(dir, ".liftoff", "tmp", "put-stale")
	fresh := filepath.Join(dir, ".liftoff", "tmp", "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	for _, err := range s.List(context.Background(), "") {
		t.Fatalf("List shows temporary files: %v", err)
	}
	rep, err := files.Sweep(context.Background(), s, files.SweepOptions{
		Committed: func(context.Context, string) (bool, error) { return false, nil },
	})
	if err != nil || rep.Temp != 1 {
		t.Fatalf("Sweep = %+v, %v; want 1 temporary file removed", rep, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("stale temporary file kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("fresh temporary file removed")
	}
}

// Blobs are plain files at their key's path, so backups and migrations can
// read them; deleting prunes emptied directories.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Put(ctx, "uploads/room/日本.txt", strings.NewReader("hello"), 5, files.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "uploads", "room", "日本.txt"))
	if err != nil || string(b) != "hello" {
		t.Fatalf("file on disk: %q, %v", b, err)
	}
	if err := s.Delete(ctx, "uploads/room/日本.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "uploads")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("emptied directories were kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".liftoff", "tmp")); err != nil {
		t.Fatalf("temporary directory removed: %v", err)
	}
}

// BenchmarkThroughput writes and reads one 100 MB blob on the local disk
// (go test -run '^$' -bench Throughput -benchtime 1x ./files/local/).
func BenchmarkThroughput(b *testing.B) {
	for _, known := range []bool{true, false} {
		b.Run(fmt.Sprintf("knownSize=%v", known), func(b *testing.B) {
			filestest.Throughput(b, newStore(b), filestest.ThroughputOptions{KnownSize: known})
		})
	}
}
