package webdav

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"iter"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"liftoff/files"
)

// Config configures a Store.
type Config struct {
	// URL is the collection holding the blobs
	// (FileUpload_Webdav_Server_URL joined with
	// FileUpload_Webdav_Upload_Folder_Path; see files.WebdavConfig.FolderURL).
	URL      *url.URL
	Username string // basic authentication, when not empty
	Password string
	// Client sends the requests (nil: a client with a clone of
	// http.DefaultTransport and no overall timeout, since uploads may be long;
	// requests are bounded by their context).
	Client *http.Client
}

// Store keeps blobs in a WebDAV collection. Create it with New.
type Store struct {
	base     *url.URL // ends in "/"
	user     string
	pass     string
	client   *http.Client
	mu       sync.Mutex
	madeDirs map[string]bool // collections known to exist, relative to base
}

var (
	_ files.Store       = (*Store)(nil)
	_ files.TempSweeper = (*Store)(nil)
)

// New returns a store for cfg. It does not contact the server; use Check.
func New(cfg Config) (*Store, error) {
	if cfg.URL == nil || (cfg.URL.Scheme != "http" && cfg.URL.Scheme != "https") || cfg.URL.Host == "" {
		return nil, fmt.Errorf("webdav store: URL %v is not an http(s) URL", cfg.URL)
	}
	base := *cfg.URL
	base.RawQuery, base.Fragment, base.User = "", "", nil
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	base.RawPath = ""
	client := cfg.Client
	if client == nil {
		client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return &Store{base: &base, user: cfg.Username, pass: cfg.Password, client: client, madeDirs: map[string]bool{}}, nil
}

// Check verifies that the collection can be reached with the credentials,
// creating it (and its parents) when it is missing.
func (s *Store) Check(ctx context.Context) error {
	if err := s.mkcolAll(ctx, ""); err != nil {
		return err
	}
	resp, err := s.do(ctx, "PROPFIND", s.base.String(), strings.NewReader(propfindBody), -1, map[string]string{"Depth": "0", "Content-Type": "application/xml"})
	if err != nil {
		return fmt.Errorf("webdav store: check %s: %w", s.base.Redacted(), err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusMultiStatus {
		return fmt.Errorf("webdav store: check %s: %s", s.base.Redacted(), resp.Status)
	}
	return nil
}

// url returns the absolute URL of a key (or of a collection, rel ending in "/").
func (s *Store) url(rel string) string {
	segs := strings.Split(rel, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	u := *s.base
	u.RawPath = s.base.EscapedPath() + strings.Join(segs, "/")
	u.Path = s.base.Path + rel
	return u.String()
}

func (s *Store) do(ctx context.Context, method, target string, body io.Reader, size int64, header map[string]string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size // -1: chunked
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if s.user != "" || s.pass != "" {
		req.SetBasicAuth(s.user, s.pass)
	}
	return s.client.Do(req)
}

// doRetry is do for requests without a body that a server may refuse with
// 423 Locked while another request holds the resource: servers lock a
// resource for the length of a write (x/net/webdav does for MKCOL and
// MOVE), so concurrent uploads into one collection collide. It retries
// with a growing, jittered pause, for a few seconds at most.
func (s *Store) doRetry(ctx context.Context, method, target string, header map[string]string) (*http.Response, error) {
	pause := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		resp, err := s.do(ctx, method, target, nil, 0, header)
		if err != nil || resp.StatusCode != http.StatusLocked || attempt == 20 {
			return resp, err
		}
		drain(resp)
		t := time.NewTimer(pause/2 + time.Duration(mrand.Int64N(int64(pause))))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 250*time.Millisecond)
	}
}

// drain reads a little of an unwanted body so the connection can be reused.
func drain(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

func statusError(op, key string, resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusNotFound:
		return fmt.Errorf("webdav store: %s %s: %w", op, key, files.ErrNotFound)
	case http.StatusRequestedRangeNotSatisfiable:
		return fmt.Errorf("webdav store: %s %s: %w", op, key, files.ErrInvalidRange)
	}
	return fmt.Errorf("webdav store: %s %s: server answered %s", op, key, resp.Status)
}

// Put implements files.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, _ files.PutOptions) (files.Info, error) {
	if err := files.ValidateKey(key); err != nil {
		return files.Info{}, err
	}
	if size < -1 {
		return files.Info{}, fmt.Errorf("webdav store: put %s: negative size %d", key, size)
	}
	var rnd [12]byte
	rand.Read(rnd[:])
	tmp := files.TempPrefix + "put-" + hex.EncodeToString(rnd[:])
	if err := s.mkcolAll(ctx, path.Dir(tmp)); err != nil {
		return files.Info{}, fmt.Errorf("webdav store: put %s: %w", key, err)
	}
	// The request body wraps the caller's reader: its errors (a broken
	// client connection, a size mismatch) are remembered, because net/http
	// reports them only as a failed request.
	body := &errReader{r: files.ContextReader(ctx, r)}
	if size >= 0 {
		body.r = files.ExactSize(body.r, size)
	}
	resp, err := s.do(ctx, http.MethodPut, s.url(tmp), body, size, nil)
	if body.err != nil {
		err = body.err
	}
	if err == nil {
		drain(resp)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
			err = statusError("put", key, resp)
		}
	}
	if err != nil {
		s.deleteQuietly(ctx, tmp)
		return files.Info{}, fmt.Errorf("webdav store: put %s: %w", key, err)
	}
	// Describe the blob from its temporary name, which no one else
	// touches: after the move, a concurrent overwrite of key may already
	// have replaced (or, for a moment, removed) it.
	info, err := s.stat(ctx, tmp)
	if err == nil && size >= 0 && info.Size != size {
		err = fmt.Errorf("server stored %d bytes of %d", info.Size, size)
	}
	if err == nil {
		err = s.moveIntoPlace(ctx, tmp, key)
	}
	if err != nil {
		s.deleteQuietly(ctx, tmp)
		return files.Info{}, fmt.Errorf("webdav store: put %s: %w", key, err)
	}
	info.Key = key
	return info, nil
}

type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

func (s *Store) moveIntoPlace(ctx context.Context, tmp, key string) error {
	dir := path.Dir(key)
	for attempt := 0; ; attempt++ {
		if err := s.mkcolAll(ctx, dir); err != nil {
			return err
		}
		resp, err := s.doRetry(ctx, "MOVE", s.url(tmp), map[string]string{"Destination": s.url(key), "Overwrite": "T"})
		if err != nil {
			return err
		}
		drain(resp)
		switch {
		case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusNoContent:
			return nil
		case resp.StatusCode == http.StatusConflict && attempt < 3:
			// The destination's collection vanished (pruned by a Delete, or
			// removed behind our back): forget it and create it again.
			s.forgetDirs(dir)
		default:
			return fmt.Errorf("move into place: server answered %s", resp.Status)
		}
	}
}

// mkcolAll creates the collection dir (relative to the base, "." or "" for
// the base itself) and its missing parents.
func (s *Store) mkcolAll(ctx context.Context, dir string) error {
	if dir == "." {
		dir = ""
	}
	s.mu.Lock()
	known := s.madeDirs[dir]
	s.mu.Unlock()
	if known {
		return nil
	}
	// Create from the top: MKCOL needs the parent to exist (409 otherwise).
	var parts []string
	if dir != "" {
		parts = strings.Split(dir, "/")
	}
	// The base collection itself, then each level below it.
	levels := []string{""}
	for i := range parts {
		levels = append(levels, strings.Join(parts[:i+1], "/"))
	}
	for _, lv := range levels {
		s.mu.Lock()
		done := s.madeDirs[lv]
		s.mu.Unlock()
		if done {
			continue
		}
		target := s.base.String()
		if lv != "" {
			target = s.url(lv + "/")
		}
		if lv == "" {
			// The base may sit below collections that do not exist yet.
			if err := s.mkcolBase(ctx); err != nil {
				return err
			}
		} else if err := s.mkcol(ctx, target); err != nil {
			return err
		}
		s.mu.Lock()
		s.madeDirs[lv] = true
		s.mu.Unlock()
	}
	return nil
}

// mkcol creates one collection; one that exists already is fine.
func (s *Store) mkcol(ctx context.Context, target string) error {
	resp, err := s.doRetry(ctx, "MKCOL", target, nil)
	if err != nil {
		return fmt.Errorf("create collection: %w", err)
	}
	drain(resp)
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusMethodNotAllowed: // 405: it exists
		return nil
	}
	return fmt.Errorf("create collection %s: server answered %s", target, resp.Status)
}

// mkcolBase creates the base collection and the collections above it that
// are missing, from the top down.
func (s *Store) mkcolBase(ctx context.Context) error {
	segs := strings.Split(strings.Trim(s.base.Path, "/"), "/")
	for i := range segs {
		if segs[0] == "" {
			break
		}
		u := *s.base
		u.Path = "/" + strings.Join(segs[:i+1], "/") + "/"
		u.RawPath = ""
		if err := s.mkcol(ctx, u.String()); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) forgetDirs(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for d := dir; d != "." && d != ""; d = path.Dir(d) {
		delete(s.madeDirs, d)
	}
}

func (s *Store) deleteQuietly(ctx context.Context, rel string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if resp, err := s.do(ctx, http.MethodDelete, s.url(rel), nil, 0, nil); err == nil {
		drain(resp)
	}
}

// Open implements files.Store.
func (s *Store) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := files.ValidateKey(key); err != nil {
		return nil, err
	}
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("webdav store: open %s at %d+%d: %w", key, offset, length, files.ErrInvalidRange)
	}
	if length == 0 {
		// No request can ask for zero bytes: check the range and answer.
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		if _, err := files.CheckRange(offset, length, info.Size); err != nil {
			return nil, fmt.Errorf("webdav store: open %s at %d of %d: %w", key, offset, info.Size, err)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	header := map[string]string{}
	if offset > 0 || length > 0 {
		rng := "bytes=" + strconv.FormatInt(offset, 10) + "-"
		if length > 0 {
			rng += strconv.FormatInt(offset+length-1, 10)
		}
		header["Range"] = rng
	}
	resp, err := s.do(ctx, http.MethodGet, s.url(key), nil, 0, header)
	if err != nil {
		return nil, fmt.Errorf("webdav store: open %s: %w", key, err)
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		return resp.Body, nil
	case http.StatusOK:
		if header["Range"] == "" {
			return resp.Body, nil
		}
		// The server ignored Range: skip to the offset and cut the length.
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("webdav store: open %s: skip to %d: %w", key, offset, err)
		}
		if length < 0 {
			return resp.Body, nil
		}
		return &limitedBody{Reader: io.LimitReader(resp.Body, length), c: resp.Body}, nil
	}
	defer drain(resp)
	if resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		// The offset is at or past the end: at the end is an empty range,
		// past it an error.
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		if offset == info.Size {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, fmt.Errorf("webdav store: open %s at %d of %d: %w", key, offset, info.Size, files.ErrInvalidRange)
	}
	if resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusConflict {
		// x/net/webdav answers 405 for a collection; others 409 below a file.
		return nil, fmt.Errorf("webdav store: open %s: %w", key, files.ErrNotFound)
	}
	return nil, statusError("open", key, resp)
}

type limitedBody struct {
	io.Reader
	c io.Closer
}

func (l *limitedBody) Close() error { return l.c.Close() }

const propfindBody = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/></D:prop></D:propfind>`

// Stat implements files.Store.
func (s *Store) Stat(ctx context.Context, key string) (files.Info, error) {
	if err := files.ValidateKey(key); err != nil {
		return files.Info{}, err
	}
	return s.stat(ctx, key)
}

// stat is Stat for any path below the base, temporary files included.
func (s *Store) stat(ctx context.Context, key string) (files.Info, error) {
	var found *files.Info
	err := s.propfind(ctx, key, "0", func(e entry) bool {
		if !e.collection {
			info := e.info(key)
			found = &info
		}
		return false
	})
	if err != nil {
		return files.Info{}, fmt.Errorf("webdav store: stat %s: %w", key, err)
	}
	if found == nil {
		return files.Info{}, fmt.Errorf("webdav store: stat %s: %w", key, files.ErrNotFound)
	}
	return *found, nil
}

// Delete implements files.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := files.ValidateKey(key); err != nil {
		return err
	}
	// DELETE on a collection would remove everything below it: make sure
	// the key names a file.
	if _, err := s.Stat(ctx, key); err != nil {
		if errors.Is(err, files.ErrNotFound) {
			return nil
		}
		return err
	}
	resp, err := s.doRetry(ctx, http.MethodDelete, s.url(key), nil)
	if err != nil {
		return fmt.Errorf("webdav store: delete %s: %w", key, err)
	}
	drain(resp)
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent, http.StatusNotFound:
		return nil
	}
	return statusError("delete", key, resp)
}

// List implements files.Store. It walks collections with PROPFIND Depth 1
// (many servers refuse Depth infinity), visiting only those that can hold
// keys with the prefix.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[files.Info, error] {
	return func(yield func(files.Info, error) bool) {
		if err := files.ValidatePrefix(prefix); err != nil {
			yield(files.Info{}, err)
			return
		}
		start := ""
		if i := strings.LastIndex(prefix, "/"); i > 0 {
			start = prefix[:i]
		}
		stack := []string{start}
		for len(stack) > 0 {
			dir := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var entries []entry
			err := s.propfind(ctx, dirRel(dir), "1", func(e entry) bool {
				entries = append(entries, e)
				return true
			})
			if errors.Is(err, files.ErrNotFound) {
				continue // nothing there, or removed while walking
			}
			if err != nil {
				yield(files.Info{}, fmt.Errorf("webdav store: list %q: %w", prefix, err))
				return
			}
			for _, e := range entries {
				rel, ok := s.relative(e.href)
				if !ok || rel == "" || strings.TrimSuffix(rel, "/") == dir {
					continue // the collection itself
				}
				rel = strings.TrimSuffix(rel, "/")
				if e.collection {
					if rel+"/" == files.TempPrefix {
						continue
					}
					if strings.HasPrefix(rel+"/", prefix) || strings.HasPrefix(prefix, rel+"/") {
						stack = append(stack, rel)
					}
					continue
				}
				if !strings.HasPrefix(rel, prefix) {
					continue
				}
				if !yield(e.info(rel), nil) {
					return
				}
			}
		}
	}
}

func dirRel(dir string) string {
	if dir == "" {
		return ""
	}
	return dir + "/"
}

// relative turns a response href (absolute URL or absolute path) into a
// path relative to the base; ok is false for hrefs outside it.
func (s *Store) relative(href string) (string, bool) {
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	p := u.Path // decoded
	if !strings.HasPrefix(p, s.base.Path) {
		return "", false
	}
	return strings.TrimPrefix(p, s.base.Path), true
}

// SweepTemp implements files.TempSweeper: it deletes temporary files of
// Puts that a crash interrupted.
func (s *Store) SweepTemp(ctx context.Context, startedBefore time.Time) (int, error) {
	var stale []string
	err := s.propfind(ctx, files.TempPrefix, "1", func(e entry) bool {
		rel, ok := s.relative(e.href)
		if ok && !e.collection && e.modTime.Before(startedBefore) {
			stale = append(stale, rel)
		}
		return true
	})
	if errors.Is(err, files.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("webdav store: sweep temp: %w", err)
	}
	n := 0
	for _, rel := range stale {
		resp, err := s.do(ctx, http.MethodDelete, s.url(rel), nil, 0, nil)
		if err != nil {
			return n, fmt.Errorf("webdav store: sweep temp: %w", err)
		}
		drain(resp)
		if resp.StatusCode < 300 {
			n++
		}
	}
	return n, nil
}

// entry is one response of a PROPFIND multistatus.
type entry struct {
	href       string
	collection bool
	size       int64
	modTime    time.Time
	etag       string
}

func (e entry) info(key string) files.Info {
	return files.Info{Key: key, Size: e.size, ModTime: e.modTime, ETag: e.etag}
}

// propfind runs PROPFIND on rel (a key, or a collection ending in "/")
// and calls fn for each resource in the answer until fn returns false. The
// multistatus is decoded one response at a time, so a large collection is
// never held whole. A missing resource is files.ErrNotFound.
func (s *Store) propfind(ctx context.Context, rel, depth string, fn func(entry) bool) error {
	target := s.base.String()
	if rel != "" {
		target = s.url(rel)
	}
	resp, err := s.do(ctx, "PROPFIND", target, strings.NewReader(propfindBody), int64(len(propfindBody)),
		map[string]string{"Depth": depth, "Content-Type": "application/xml; charset=utf-8"})
	if err != nil {
		return err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusMultiStatus:
	case http.StatusNotFound, http.StatusConflict:
		return files.ErrNotFound
	case http.StatusMethodNotAllowed:
		// x/net/webdav answers 405 for a path below a file.
		return files.ErrNotFound
	default:
		return fmt.Errorf("PROPFIND %s: server answered %s", rel, resp.Status)
	}
	dec := xml.NewDecoder(resp.Body)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("PROPFIND %s: %w", rel, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Space != "DAV:" || se.Name.Local != "response" {
			continue
		}
		var r davResponse
		if err := dec.DecodeElement(&r, &se); err != nil {
			return fmt.Errorf("PROPFIND %s: %w", rel, err)
		}
		e, ok := r.entry()
		if !ok {
			continue
		}
		if !fn(e) {
			return nil
		}
	}
}

type davResponse struct {
	Href      string `xml:"DAV: href"`
	Propstats []struct {
		Status string `xml:"DAV: status"`
		Prop   struct {
			ResourceType struct {
				Collection *struct{} `xml:"DAV: collection"`
			} `xml:"DAV: resourcetype"`
			ContentLength string `xml:"DAV: getcontentlength"`
			LastModified  string `xml:"DAV: getlastmodified"`
			ETag          string `xml:"DAV: getetag"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: propstat"`
}

func (r davResponse) entry() (entry, bool) {
	e := entry{href: strings.TrimSpace(r.Href)}
	found := false
	for _, ps := range r.Propstats {
		if !strings.Contains(ps.Status, " 200") {
			continue
		}
		found = true
		p := ps.Prop
		if p.ResourceType.Collection != nil {
			e.collection = true
		}
		if v := strings.TrimSpace(p.ContentLength); v != "" {
			e.size, _ = strconv.ParseInt(v, 10, 64)
		}
		if v := strings.TrimSpace(p.LastModified); v != "" {
			e.modTime, _ = http.ParseTime(v)
		}
		if v := strings.TrimSpace(p.ETag); v != "" {
			e.etag = v
		}
	}
	return e, found && e.href != ""
}
