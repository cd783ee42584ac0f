// Package filestest is the contract suite of files.Store: every storage
// backend runs Run against a real server (or directory) and must pass all
// of it. It also holds the throughput and memory benchmark shared by the
// backends (Throughput).
package filestest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/files"
)

// Options describe what a backend may legitimately do differently.
type Options struct {
	// OverwriteGap: while an overwrite of a key completes, a reader may
	// briefly find the key missing (WebDAV: MOVE with Overwrite: T deletes
	// the destination first, RFC 4918 §9.9.3). Never a partial blob.
	OverwriteGap bool
	// Presign: the store implements files.Presigner, and the suite checks
	// its URLs with plain HTTP GETs.
	Presign bool
	// LargeSize is the size of the large blob test; backends with a
	// multipart threshold set it above that threshold (default 12 MiB).
	LargeSize int64
}

// NewStore returns a new, empty store for one subtest; it registers its
// own clean-up with t.
type NewStore func(t *testing.T) files.Store

// Run runs the whole contract suite.
func Run(t *testing.T, newStore NewStore, opts Options) {
	if opts.LargeSize == 0 {
		opts.LargeSize = 12 << 20
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s files.Store, opts Options)
	}{
		{"EmptyBlob", testEmptyBlob},
		{"OneByte", testOneByte},
		{"MultiMegabyte", testMultiMegabyte},
		{"Large", testLarge},
		{"Ranges", testRanges},
		{"InvalidRanges", testInvalidRanges},
		{"Missing", testMissing},
		{"InvalidKeys", testInvalidKeys},
		{"Overwrite", testOverwrite},
		{"UnicodeKeys", testUnicodeKeys},
		{"ConcurrentPuts", testConcurrentPuts},
		{"ConcurrentOverwrites", testConcurrentOverwrites},
		{"DeleteIdempotent", testDeleteIdempotent},
		{"List", testList},
		{"ListDeleteWhileIterating", testListDeleteWhileIterating},
		{"ListStopEarly", testListStopEarly},
		{"SizeMismatch", testSizeMismatch},
		{"ReaderError", testReaderError},
		{"CancelledContext", testCancelledContext},
		{"NotVisibleWhileWriting", testNotVisibleWhileWriting},
		{"StageCommit", testStageCommit},
		{"StageAbort", testStageAbort},
		{"StageFailedPut", testStageFailedPut},
		{"SweepAfterCrash", testSweepAfterCrash},
		{"SweepOrphans", testSweepOrphans},
	}
	if opts.Presign {
		tests = append(tests, struct {
			name string
			fn   func(t *testing.T, s files.Store, opts Options)
		}{"Presign", testPresign})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t), opts)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// onlyReader hides every method but Read (no WriterTo, ReaderAt, Seeker,
// Len), so backends see a plain stream as from a network client.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func put(t *testing.T, s files.Store, key string, data []byte, knownSize bool) files.Info {
	t.Helper()
	size := int64(len(data))
	if !knownSize {
		size = -1
	}
	info, err := s.Put(ctxT(t), key, onlyReader{bytes.NewReader(data)}, size, files.PutOptions{ContentType: "application/octet-stream"})
	if err != nil {
		t.Fatalf("Put(%q, %d bytes, size %d): %v", key, len(data), size, err)
	}
	if info.Key != key || info.Size != int64(len(data)) {
		t.Fatalf("Put(%q) info = %+v, want key %q size %d", key, info, key, len(data))
	}
	return info
}

func read(t *testing.T, s files.Store, key string, offset, length int64) []byte {
	t.Helper()
	rc, err := s.Open(ctxT(t), key, offset, length)
	if err != nil {
		t.Fatalf("Open(%q, %d, %d): %v", key, offset, length, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

func wantContent(t *testing.T, s files.Store, key string, want []byte) {
	t.Helper()
	got := read(t, s, key, 0, -1)
	if !bytes.Equal(got, want) {
		t.Fatalf("content of %q: %d bytes (sha %x), want %d bytes (sha %x)", key, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want))
	}
	info, err := s.Stat(ctxT(t), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if info.Key != key || info.Size != int64(len(want)) || info.ModTime.IsZero() {
		t.Fatalf("Stat(%q) = %+v, want size %d and a modification time", key, info, len(want))
	}
}

func wantMissing(t *testing.T, s files.Store, key string) {
	t.Helper()
	if _, err := s.Stat(ctxT(t), key); !errors.Is(err, files.ErrNotFound) {
		t.Fatalf("Stat(%q) error = %v, want ErrNotFound", key, err)
	}
	rc, err := s.Open(ctxT(t), key, 0, -1)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, files.ErrNotFound) {
		t.Fatalf("Open(%q) error = %v, want ErrNotFound", key, err)
	}
}

func listKeys(t *testing.T, s files.Store, prefix string) []string {
	t.Helper()
	var keys []string
	for info, err := range s.List(ctxT(t), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		keys = append(keys, info.Key)
	}
	slices.Sort(keys)
	return keys
}

func testEmptyBlob(t *testing.T, s files.Store, _ Options) {
	put(t, s, "empty/known", nil, true)
	put(t, s, "empty/unknown", nil, false)
	wantContent(t, s, "empty/known", []byte{})
	wantContent(t, s, "empty/unknown", []byte{})
	if b := read(t, s, "empty/known", 0, 0); len(b) != 0 {
		t.Fatalf("range of empty blob gave %d bytes", len(b))
	}
}

func testOneByte(t *testing.T, s files.Store, _ Options) {
	put(t, s, "one/known", []byte{0x42}, true)
	put(t, s, "one/unknown", []byte{0x00}, false)
	wantContent(t, s, "one/known", []byte{0x42})
	wantContent(t, s, "one/unknown", []byte{0x00})
	if b := read(t, s, "one/known", 1, -1); len(b) != 0 {
		t.Fatalf("Open at the end gave %q", b)
	}
	if b := read(t, s, "one/known", 0, 1); !bytes.Equal(b, []byte{0x42}) {
		t.Fatalf("Open(0,1) = %q", b)
	}
}

func testMultiMegabyte(t *testing.T, s files.Store, _ Options) {
	data := randomBytes(1, 3<<20+12345)
	put(t, s, "mb/known.bin", data, true)
	put(t, s, "mb/unknown.bin", data, false)
	wantContent(t, s, "mb/known.bin", data)
	wantContent(t, s, "mb/unknown.bin", data)
}

func testLarge(t *testing.T, s files.Store, opts Options) {
	data := randomBytes(2, int(opts.LargeSize)+777)
	put(t, s, "large/known.bin", data, true)
	put(t, s, "large/unknown.bin", data, false)
	wantContent(t, s, "large/known.bin", data)
	wantContent(t, s, "large/unknown.bin", data)
	mid := int64(len(data) / 2)
	if got := read(t, s, "large/unknown.bin", mid, 1<<20); !bytes.Equal(got, data[mid:mid+1<<20]) {
		t.Fatal("range in the middle of a large blob differs")
	}
}

func testRanges(t *testing.T, s files.Store, _ Options) {
	data := randomBytes(3, 1000)
	put(t, s, "ranges/blob", data, true)
	cases := []struct{ off, n, from, to int64 }{
		{0, -1, 0, 1000},
		{0, 1000, 0, 1000},
		{0, 1, 0, 1},
		{0, 0, 0, 0},
		{1, 998, 1, 999},
		{500, 500, 500, 1000},
		{999, 1, 999, 1000},
		{999, -1, 999, 1000},
		{999, 10, 999, 1000}, // runs past the end: cut
		{10, 5000, 10, 1000},
		{1000, -1, 1000, 1000}, // at the end: empty
		{1000, 0, 1000, 1000},
		{1000, 5, 1000, 1000},
	}
	for _, c := range cases {
		got := read(t, s, "ranges/blob", c.off, c.n)
		if !bytes.Equal(got, data[c.from:c.to]) {
			t.Errorf("Open(%d, %d) = %d bytes, want bytes [%d:%d]", c.off, c.n, len(got), c.from, c.to)
		}
	}
}

func testInvalidRanges(t *testing.T, s files.Store, _ Options) {
	put(t, s, "ranges/blob", randomBytes(4, 100), true)
	for _, c := range []struct{ off, n int64 }{{-1, -1}, {-1, 10}, {101, -1}, {101, 1}, {1 << 40, 1}, {0, -2}} {
		rc, err := s.Open(ctxT(t), "ranges/blob", c.off, c.n)
		if err == nil {
			rc.Close()
		}
		if !errors.Is(err, files.ErrInvalidRange) {
			t.Errorf("Open(%d, %d) error = %v, want ErrInvalidRange", c.off, c.n, err)
		}
	}
}

func testMissing(t *testing.T, s files.Store, _ Options) {
	wantMissing(t, s, "nothing/here")
	put(t, s, "dir/file", []byte("x"), true)
	wantMissing(t, s, "dir")            // a "directory" is no blob
	wantMissing(t, s, "dir/file/below") // below a blob
	wantMissing(t, s, "dir/other")
	if err := s.Delete(ctxT(t), "nothing/here"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	rc, err := s.Open(ctxT(t), "nothing/here", 5, 10)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, files.ErrNotFound) {
		t.Fatalf("ranged Open of a missing key: %v, want ErrNotFound", err)
	}
}

func testInvalidKeys(t *testing.T, s files.Store, _ Options) {
	bad := []string{"", "/abs", "trailing/", "double//slash", ".", "..", "../escape", "a/../b", "a/./b",
		"back\\slash", "nul\x00", "tab\tkey", "del\x7f", files.TempPrefix + "x", strings.Repeat("a", 256),
		strings.Repeat("a/", 460), "bad\xffutf8"}
	ctx := ctxT(t)
	for _, k := range bad {
		if _, err := s.Put(ctx, k, strings.NewReader("x"), 1, files.PutOptions{}); !errors.Is(err, files.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, files.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if rc, err := s.Open(ctx, k, 0, -1); !errors.Is(err, files.ErrInvalidKey) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("Open(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if err := s.Delete(ctx, k); !errors.Is(err, files.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidKey", k, err)
		}
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Errorf("invalid keys left blobs: %q", got)
	}
}

func testOverwrite(t *testing.T, s files.Store, _ Options) {
	long := randomBytes(5, 100_000)
	short := []byte("short")
	put(t, s, "ow/key", long, true)
	put(t, s, "ow/key", short, true)
	wantContent(t, s, "ow/key", short)
	put(t, s, "ow/key", long, false)
	wantContent(t, s, "ow/key", long)
	if got := listKeys(t, s, "ow/"); !slices.Equal(got, []string{"ow/key"}) {
		t.Fatalf("List after overwrites = %q", got)
	}
}

// unicodeKeys are keys that are awkward in URLs, XML and file systems.
var unicodeKeys = []string{
	"uploads/日本語/ファイル名.txt",
	"uploads/emoji 😀/a b+c%20d?e#f&g=h;i.png",
	"uploads/Ümlaut/éàç ñ.bin",
	"uploads/quotes/\"'<>|*:.txt",
	"uploads/rtl/שלום עולם",
	"uploads/dots/...hidden..",
	"uploads/.dotfile",
}

func testUnicodeKeys(t *testing.T, s files.Store, _ Options) {
	for i, k := range unicodeKeys {
		data := []byte(fmt.Sprintf("content %d of %s", i, k))
		put(t, s, k, data, i%2 == 0)
		wantContent(t, s, k, data)
	}
	want := slices.Clone(unicodeKeys)
	slices.Sort(want)
	if got := listKeys(t, s, "uploads/"); !slices.Equal(got, want) {
		t.Fatalf("List = %q\nwant %q", got, want)
	}
	for info, err := range s.List(ctxT(t), "uploads/日本語/") {
		if err != nil {
			t.Fatal(err)
		}
		if info.Key != unicodeKeys[0] {
			t.Fatalf("List(uploads/日本語/) yielded %q", info.Key)
		}
	}
	for _, k := range unicodeKeys {
		if err := s.Delete(ctxT(t), k); err != nil {
			t.Fatalf("Delete(%q): %v", k, err)
		}
		wantMissing(t, s, k)
	}
	if got := listKeys(t, s, "uploads/"); len(got) != 0 {
		t.Fatalf("List after deletes = %q", got)
	}
}

func testConcurrentPuts(t *testing.T, s files.Store, _ Options) {
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			data := randomBytes(uint64(100+i), 50_000+i)
			size := int64(len(data))
			if i%2 == 1 {
				size = -1
			}
			// Half the keys share a new directory, to race its creation.
			key := fmt.Sprintf("conc/shared/%02d", i)
			if i%2 == 1 {
				key = fmt.Sprintf("conc/own%02d/blob", i)
			}
			if _, err := s.Put(ctxT(t), key, onlyReader{bytes.NewReader(data)}, size, files.PutOptions{}); err != nil {
				errs <- fmt.Errorf("Put(%s): %w", key, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for i := range n {
		key := fmt.Sprintf("conc/shared/%02d", i)
		if i%2 == 1 {
			key = fmt.Sprintf("conc/own%02d/blob", i)
		}
		wantContent(t, s, key, randomBytes(uint64(100+i), 50_000+i))
	}
	if got := listKeys(t, s, "conc/"); len(got) != n {
		t.Fatalf("List after concurrent puts: %d keys, want %d: %q", len(got), n, got)
	}
}

func testConcurrentOverwrites(t *testing.T, s files.Store, opts Options) {
	const writers = 6
	versions := make([][]byte, writers)
	for i := range versions {
		versions[i] = randomBytes(uint64(200+i), 200_000+1000*i)
	}
	put(t, s, "race/key", versions[0], true)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	readerErr := make(chan error, 1)
	// A reader checks, while the writers run, that every read is one whole
	// version: never a mix, never a prefix.
	go func() {
		defer close(readerErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			rc, err := s.Open(context.Background(), "race/key", 0, -1)
			if errors.Is(err, files.ErrNotFound) && opts.OverwriteGap {
				continue
			}
			if err != nil {
				readerErr <- fmt.Errorf("open during overwrites: %w", err)
				return
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				if opts.OverwriteGap {
					continue // the file was replaced under an open stream
				}
				readerErr <- fmt.Errorf("read during overwrites: %w", err)
				return
			}
			if !slices.ContainsFunc(versions, func(v []byte) bool { return bytes.Equal(v, b) }) {
				readerErr <- fmt.Errorf("read %d bytes that are no whole version", len(b))
				return
			}
		}
	}()
	for i := range writers {
		wg.Go(func() {
			for range 3 {
				if _, err := s.Put(context.Background(), "race/key", onlyReader{bytes.NewReader(versions[i])}, -1, files.PutOptions{}); err != nil {
					t.Errorf("Put: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	if err := <-readerErr; err != nil {
		t.Fatal(err)
	}
	got := read(t, s, "race/key", 0, -1)
	if !slices.ContainsFunc(versions, func(v []byte) bool { return bytes.Equal(v, got) }) {
		t.Fatalf("final content (%d bytes) is no whole version", len(got))
	}
}

func testDeleteIdempotent(t *testing.T, s files.Store, _ Options) {
	put(t, s, "del/a/b/c", []byte("abc"), true)
	put(t, s, "del/a/keep", []byte("keep"), true)
	for range 3 {
		if err := s.Delete(ctxT(t), "del/a/b/c"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	wantMissing(t, s, "del/a/b/c")
	wantContent(t, s, "del/a/keep", []byte("keep"))
	if got := listKeys(t, s, "del/"); !slices.Equal(got, []string{"del/a/keep"}) {
		t.Fatalf("List after delete = %q", got)
	}
	// The key can be written again after deletion.
	put(t, s, "del/a/b/c", []byte("again"), false)
	wantContent(t, s, "del/a/b/c", []byte("again"))
}

func testList(t *testing.T, s files.Store, _ Options) {
	keys := []string{"a/1", "a/2", "a/b/3", "a/b/c/4", "ab", "abc/5", "b/6", "b7"}
	sizes := map[string]int64{}
	for i, k := range keys {
		data := randomBytes(uint64(300+i), 10*i)
		put(t, s, k, data, true)
		sizes[k] = int64(len(data))
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"", keys},
		{"a/", []string{"a/1", "a/2", "a/b/3", "a/b/c/4"}},
		{"a", []string{"a/1", "a/2", "a/b/3", "a/b/c/4", "ab", "abc/5"}},
		{"a/b/", []string{"a/b/3", "a/b/c/4"}},
		{"a/b/c/4", []string{"a/b/c/4"}},
		{"ab", []string{"ab", "abc/5"}},
		{"b", []string{"b/6", "b7"}},
		{"b/", []string{"b/6"}},
		{"zzz/", nil},
		{"zzz", nil},
		{"a/x", nil},
	}
	for _, c := range cases {
		if got := listKeys(t, s, c.prefix); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
		}
	}
	for info, err := range s.List(ctxT(t), "") {
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != sizes[info.Key] || info.ModTime.IsZero() {
			t.Errorf("List info %+v, want size %d and a time", info, sizes[info.Key])
		}
		if d := time.Since(info.ModTime); d < -time.Hour || d > time.Hour {
			t.Errorf("List info %q: modification time %v is far from now", info.Key, info.ModTime)
		}
	}
}

func testListDeleteWhileIterating(t *testing.T, s files.Store, _ Options) {
	for i := range 30 {
		put(t, s, fmt.Sprintf("it/%02d/x", i), []byte{byte(i)}, true)
	}
	seen := 0
	for info, err := range s.List(ctxT(t), "it/") {
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if err := s.Delete(ctxT(t), info.Key); err != nil {
			t.Fatalf("Delete(%q) while listing: %v", info.Key, err)
		}
	}
	if seen != 30 {
		t.Fatalf("saw %d keys while deleting, want 30", seen)
	}
	if got := listKeys(t, s, "it/"); len(got) != 0 {
		t.Fatalf("left after deleting all: %q", got)
	}
}

func testListStopEarly(t *testing.T, s files.Store, _ Options) {
	for i := range 5 {
		put(t, s, fmt.Sprintf("stop/%d", i), []byte("x"), true)
	}
	n := 0
	for _, err := range s.List(ctxT(t), "stop/") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("iterated %d times, want to stop after 2", n)
	}
	if err := files.ValidatePrefix("/bad"); err == nil {
		t.Fatal("ValidatePrefix accepted /bad")
	}
	for _, err := range s.List(ctxT(t), "/bad") {
		if !errors.Is(err, files.ErrInvalidKey) {
			t.Fatalf("List(/bad) error = %v, want ErrInvalidKey", err)
		}
	}
}

func testSizeMismatch(t *testing.T, s files.Store, _ Options) {
	ctx := ctxT(t)
	if _, err := s.Put(ctx, "mm/short", onlyReader{strings.NewReader("12345")}, 10, files.PutOptions{}); !errors.Is(err, files.ErrSizeMismatch) {
		t.Errorf("Put with fewer bytes than declared: %v, want ErrSizeMismatch", err)
	}
	wantMissing(t, s, "mm/short")
	if _, err := s.Put(ctx, "mm/long", onlyReader{strings.NewReader("1234567890")}, 5, files.PutOptions{}); !errors.Is(err, files.ErrSizeMismatch) {
		t.Errorf("Put with more bytes than declared: %v, want ErrSizeMismatch", err)
	}
	wantMissing(t, s, "mm/long")
	// A failed overwrite keeps the previous blob.
	put(t, s, "mm/kept", []byte("previous"), true)
	big := randomBytes(6, 2<<20)
	if _, err := s.Put(ctx, "mm/kept", onlyReader{bytes.NewReader(big)}, int64(len(big))+1, files.PutOptions{}); !errors.Is(err, files.ErrSizeMismatch) {
		t.Errorf("overwrite with fewer bytes than declared: %v, want ErrSizeMismatch", err)
	}
	wantContent(t, s, "mm/kept", []byte("previous"))
	if got := listKeys(t, s, ""); !slices.Equal(got, []string{"mm/kept"}) {
		t.Fatalf("blobs after failed puts: %q", got)
	}
}

var errBroken = errors.New("filestest: client connection broke")

// failingReader yields n bytes, then fails.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func testReaderError(t *testing.T, s files.Store, _ Options) {
	for _, size := range []int64{-1, 4 << 20} {
		r := &failingReader{data: randomBytes(7, 1<<20), err: errBroken}
		_, err := s.Put(ctxT(t), "broken/blob", r, size, files.PutOptions{})
		if !errors.Is(err, errBroken) {
			t.Errorf("Put(size %d) with a failing reader: %v, want the reader's error", size, err)
		}
		wantMissing(t, s, "broken/blob")
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Fatalf("blobs after failed puts: %q", got)
	}
}

func testCancelledContext(t *testing.T, s files.Store, _ Options) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, "cancel/before", strings.NewReader("x"), 1, files.PutOptions{}); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
	// Cancelled in the middle of the upload.
	ctx, cancel = context.WithCancel(context.Background())
	r := io.MultiReader(bytes.NewReader(randomBytes(8, 1<<20)), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, context.Canceled
	}), bytes.NewReader(randomBytes(9, 1<<20)))
	if _, err := s.Put(ctx, "cancel/during", onlyReader{r}, -1, files.PutOptions{}); err == nil {
		t.Error("Put cancelled during the upload succeeded")
	}
	wantMissing(t, s, "cancel/before")
	wantMissing(t, s, "cancel/during")
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Fatalf("blobs after cancelled puts: %q", got)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// gatedReader yields its first part, signals, and waits for the gate
// before yielding the rest.
type gatedReader struct {
	first, rest []byte
	reached     chan struct{}
	gate        chan struct{}
	once        sync.Once
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if len(g.first) > 0 {
		n := copy(p, g.first)
		g.first = g.first[n:]
		return n, nil
	}
	g.once.Do(func() { close(g.reached); <-g.gate })
	if len(g.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.rest)
	g.rest = g.rest[n:]
	return n, nil
}

func testNotVisibleWhileWriting(t *testing.T, s files.Store, _ Options) {
	data := randomBytes(10, 3<<20)
	for _, size := range []int64{int64(len(data)), -1} {
		g := &gatedReader{first: data[:1<<20], rest: data[1<<20:], reached: make(chan struct{}), gate: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := s.Put(context.Background(), "gated/blob", g, size, files.PutOptions{})
			done <- err
		}()
		select {
		case <-g.reached:
		case err := <-done:
			t.Fatalf("Put ended before reading its whole input: %v", err)
		}
		wantMissing(t, s, "gated/blob")
		if got := listKeys(t, s, "gated/"); len(got) != 0 {
			t.Fatalf("List shows a blob still being written: %q", got)
		}
		close(g.gate)
		if err := <-done; err != nil {
			t.Fatalf("Put: %v", err)
		}
		wantContent(t, s, "gated/blob", data)
		if err := s.Delete(ctxT(t), "gated/blob"); err != nil {
			t.Fatal(err)
		}
	}
}

func testStageCommit(t *testing.T, s files.Store, _ Options) {
	ctx := ctxT(t)
	data := randomBytes(11, 70_000)
	info, err := files.StagePut(ctx, s, "uploads/staged", onlyReader{bytes.NewReader(data)}, -1, files.PutOptions{})
	if err != nil {
		t.Fatalf("StagePut: %v", err)
	}
	if info.Size != int64(len(data)) {
		t.Fatalf("StagePut info %+v", info)
	}
	if got := listKeys(t, s, files.PendingPrefix); !slices.Equal(got, []string{files.PendingPrefix + "uploads/staged"}) {
		t.Fatalf("pending markers while staged = %q", got)
	}
	if err := files.Commit(ctx, s, "uploads/staged"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	wantContent(t, s, "uploads/staged", data)
	if got := listKeys(t, s, files.PendingPrefix); len(got) != 0 {
		t.Fatalf("pending markers after Commit = %q", got)
	}
}

func testStageAbort(t *testing.T, s files.Store, _ Options) {
	ctx := ctxT(t)
	for _, k := range []string{"uploads/one", "uploads/one-thumb"} {
		if _, err := files.StagePut(ctx, s, k, strings.NewReader("data"), 4, files.PutOptions{}); err != nil {
			t.Fatalf("StagePut(%s): %v", k, err)
		}
	}
	// Abort runs even for a request whose context is gone.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := files.Abort(gone, s, "uploads/one", "uploads/one-thumb"); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Fatalf("left after Abort: %q", got)
	}
}

func testStageFailedPut(t *testing.T, s files.Store, _ Options) {
	r := &failingReader{data: randomBytes(12, 100_000), err: errBroken}
	if _, err := files.StagePut(ctxT(t), s, "uploads/failed", r, -1, files.PutOptions{}); !errors.Is(err, errBroken) {
		t.Fatalf("StagePut with a failing reader: %v", err)
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Fatalf("left after a failed StagePut: %q", got)
	}
	if _, err := files.StagePut(ctxT(t), s, "../bad", strings.NewReader(""), 0, files.PutOptions{}); !errors.Is(err, files.ErrInvalidKey) {
		t.Fatalf("StagePut with a bad key: %v", err)
	}
}

func testSweepAfterCrash(t *testing.T, s files.Store, _ Options) {
	ctx := ctxT(t)
	// Three uploads "crash" after StagePut: two never committed their
	// record, one did but died before Commit. A fourth finished normally.
	for _, k := range []string{"uploads/lost", "uploads/recorded", "uploads/lost-too"} {
		if _, err := files.StagePut(ctx, s, k, strings.NewReader(k), int64(len(k)), files.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put(t, s, "uploads/finished", []byte("done"), true) // no marker at all
	committed := map[string]bool{"uploads/recorded": true, "uploads/finished": true}
	var asked []string
	isCommitted := func(_ context.Context, key string) (bool, error) {
		asked = append(asked, key)
		return committed[key], nil
	}
	// A sweep whose clock says the markers are younger than the bound
	// (uploads that may still be running) touches nothing.
	rep, err := files.Sweep(ctx, s, files.SweepOptions{OlderThan: time.Hour, Committed: isCommitted, Logger: quiet,
		Now: func() time.Time { return time.Now().Add(30 * time.Minute) }})
	if err != nil {
		t.Fatalf("Sweep with young markers: %v", err)
	}
	if rep.Markers != 0 || rep.Removed != 0 || len(asked) != 0 {
		t.Fatalf("Sweep touched young markers: %+v, asked %q", rep, asked)
	}
	// Two hours later they are stale.
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	rep, err = files.Sweep(ctx, s, files.SweepOptions{OlderThan: time.Hour, Committed: isCommitted, Now: later, Logger: quiet})
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	slices.Sort(asked)
	if want := []string{"uploads/lost", "uploads/lost-too", "uploads/recorded"}; !slices.Equal(asked, want) {
		t.Fatalf("Sweep asked about %q, want %q", asked, want)
	}
	if rep.Markers != 3 || rep.Removed != 2 || rep.Committed != 1 {
		t.Fatalf("Sweep report %+v, want 3 markers, 2 removed, 1 committed", rep)
	}
	wantMissing(t, s, "uploads/lost")
	wantMissing(t, s, "uploads/lost-too")
	wantContent(t, s, "uploads/recorded", []byte("uploads/recorded"))
	wantContent(t, s, "uploads/finished", []byte("done"))
	if got := listKeys(t, s, files.PendingPrefix); len(got) != 0 {
		t.Fatalf("markers after Sweep: %q", got)
	}
	if _, err := files.Sweep(ctx, s, files.SweepOptions{}); err == nil {
		t.Fatal("Sweep without Committed succeeded")
	}
	// When the record side cannot answer, Sweep stops and deletes nothing.
	failing := errors.New("database down")
	if _, err := files.StagePut(ctx, s, "uploads/x", strings.NewReader("x"), 1, files.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = files.Sweep(ctx, s, files.SweepOptions{OlderThan: time.Hour, Now: later,
		Committed: func(context.Context, string) (bool, error) { return false, failing }})
	if !errors.Is(err, failing) {
		t.Fatalf("Sweep with a failing record side: %v", err)
	}
	wantContent(t, s, "uploads/x", []byte("x"))
}

var quiet = slog.New(slog.DiscardHandler)

func testSweepOrphans(t *testing.T, s files.Store, _ Options) {
	ctx := ctxT(t)
	put(t, s, "uploads/referenced", []byte("r"), true)
	put(t, s, "uploads/orphan", []byte("o"), true)
	put(t, s, "avatars/other-prefix", []byte("a"), true)
	if _, err := files.StagePut(ctx, s, "uploads/staged", strings.NewReader("s"), 1, files.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	referenced := func(_ context.Context, key string) (bool, error) { return key == "uploads/referenced", nil }
	n, err := files.SweepOrphans(ctx, s, "uploads/", time.Hour, referenced)
	if err != nil || n != 0 {
		t.Fatalf("SweepOrphans of young blobs removed %d (%v), want 0", n, err)
	}
	n, err = files.SweepOrphans(ctx, s, "uploads/", -time.Hour, referenced)
	if err != nil || n != 1 {
		t.Fatalf("SweepOrphans removed %d (%v), want 1", n, err)
	}
	wantMissing(t, s, "uploads/orphan")
	wantContent(t, s, "uploads/referenced", []byte("r"))
	wantContent(t, s, "uploads/staged", []byte("s"))
	wantContent(t, s, "avatars/other-prefix", []byte("a"))
	if _, err := files.SweepOrphans(ctx, s, files.PendingPrefix, -time.Hour, referenced); err == nil {
		t.Fatal("SweepOrphans over the reserved prefix succeeded")
	}
	// The whole store: the staged blob and its marker survive.
	n, err = files.SweepOrphans(ctx, s, "", -time.Hour, func(_ context.Context, key string) (bool, error) {
		return key != "avatars/other-prefix", nil
	})
	if err != nil || n != 1 {
		t.Fatalf("SweepOrphans of everything removed %d (%v), want 1", n, err)
	}
	wantContent(t, s, "uploads/staged", []byte("s"))
	if got := listKeys(t, s, files.PendingPrefix); len(got) != 1 {
		t.Fatalf("markers after SweepOrphans: %q", got)
	}
}

func testPresign(t *testing.T, s files.Store, _ Options) {
	p, ok := s.(files.Presigner)
	if !ok {
		t.Fatalf("%T does not implement files.Presigner", s)
	}
	data := randomBytes(13, 10_000)
	put(t, s, "presign/ファイル name.bin", data, true)
	u, err := p.PresignGet(ctxT(t), "presign/ファイル name.bin", time.Minute, files.PresignOptions{
		ContentType:        "image/png",
		ContentDisposition: `attachment; filename*=UTF-8''%E3%83%95.bin`,
	})
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("GET presigned URL: %d, %d bytes", resp.StatusCode, len(body))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("presigned response Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename*=UTF-8''%E3%83%95.bin` {
		t.Errorf("presigned response Content-Disposition %q", cd)
	}
	// Without the signature the object is private.
	bare := *u
	bare.RawQuery = ""
	resp2, err := http.Get(bare.String())
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned GET: %d, want 403", resp2.StatusCode)
	}
}
