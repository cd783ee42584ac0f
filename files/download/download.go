// Package download answers HTTP requests for stored files: the endpoints
// behind /file-upload/..., avatars, custom emoji and assets call Serve
// once they have found the file's record and checked that the caller may
// read it. Serve streams the blob from any files.Store with:
//
//   - range requests: one range (206 with Content-Range) or several
//     (multipart/byteranges), each read from the store as exactly that
//     range; unsatisfiable or malformed ranges get 416; more than
//     MaxRanges ranges, or ranges adding up to more than the file, are
//     ignored and the whole file sent (as net/http does);
//   - conditional requests: If-Match, If-Unmodified-Since, If-None-Match,
//     If-Modified-Since (304/412) and If-Range, in RFC 9110's order;
//   - Content-Type from the record (the type sniffed at upload, never the
//     client's claim), X-Content-Type-Options: nosniff, and a
//     Content-Disposition (RFC 6266, with an RFC 8187 filename* for any
//     name) that is inline only for types safe to render (InlineSafe).
//
// Redirect and PresignedURL send clients straight to an S3 presigned URL
// when the FileUpload_S3_Proxy_* settings say not to proxy.
package download

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"liftoff/files"
)

// Blob is what the endpoint knows of a stored file from its record.
type Blob struct {
	Key         string    // storage key
	Size        int64     // bytes; negative: ask the store
	ContentType string    // recorded (sniffed) type; "" = application/octet-stream
	Name        string    // file name offered for saving
	ModTime     time.Time // Last-Modified (Rocket.Chat: uploadedAt); zero: the store's
	// ETag is a strong validator, with or without quotes; "" derives one
	// from Key, Size and ModTime (blobs under a key do not change).
	ETag string
}

// Disposition is how the client asked to receive the file.
type Disposition int

const (
	// Auto: inline when the type is safe to render, else attachment.
	Auto Disposition = iota
	// Attachment: always a download (Rocket.Chat's ?download).
	Attachment
	// Inline: inline if the type is safe to render, else still attachment.
	Inline
)

// DispositionFromQuery reads Rocket.Chat's download parameters: "download"
// (any value) forces a download; contentDisposition=inline|attachment
// chooses.
func DispositionFromQuery(q url.Values) Disposition {
	if q.Has("download") {
		return Attachment
	}
	switch q.Get("contentDisposition") {
	case "attachment":
		return Attachment
	case "inline":
		return Inline
	}
	return Auto
}

// Options tune Serve.
type Options struct {
	Disposition Disposition
	// CacheControl is sent with 200, 206 and 304 answers
	// ("": DefaultCacheControl).
	CacheControl string
}

// DefaultCacheControl lets the user's own browser keep a file for a day
// (files under a key never change) and keeps shared caches out, since
// files are private to a room.
const DefaultCacheControl = "private, max-age=86400"

// MaxRanges is the most ranges one request may ask for; more are ignored.
const MaxRanges = 16

// InlineSafe reports whether a type may be shown by the browser rather
// than downloaded: images (except SVG, which can carry scripts), audio and
// video. HTML, SVG, PDF, text and everything else are attachments.
func InlineSafe(contentType string) bool {
	t := baseType(contentType)
	major, sub, ok := strings.Cut(t, "/")
	if !ok || sub == "" {
		return false
	}
	switch major {
	case "image":
		return !strings.Contains(sub, "svg") && !strings.Contains(sub, "xml")
	case "audio", "video":
		return true
	}
	return false
}

func baseType(ct string) string {
	t, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// ContentDisposition returns the header value for kind ("inline" or
// "attachment") and a file name: an ASCII filename for old clients and an
// RFC 8187 filename* carrying the exact UTF-8 name (RFC 6266).
func ContentDisposition(kind, name string) string {
	if name == "" {
		return kind
	}
	var fallback strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' {
			fallback.WriteByte('_')
		} else {
			fallback.WriteRune(r)
		}
	}
	var enc strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAttrChar(c) {
			enc.WriteByte(c)
		} else {
			fmt.Fprintf(&enc, "%%%02X", c)
		}
	}
	return kind + `; filename="` + fallback.String() + `"; filename*=UTF-8''` + enc.String()
}

// isAttrChar: RFC 8187's attr-char, the bytes a filename* may carry as they are.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

func (b Blob) disposition(d Disposition) string {
	kind := "attachment"
	if d != Attachment && InlineSafe(b.ContentType) {
		kind = "inline"
	}
	return ContentDisposition(kind, b.Name)
}

func (b Blob) etag() string {
	if b.ETag != "" {
		if strings.HasPrefix(b.ETag, `"`) || strings.HasPrefix(b.ETag, `W/"`) {
			return b.ETag
		}
		return `"` + b.ETag + `"`
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", b.Key, b.Size, b.ModTime.UnixNano()))
	return `"` + hex.EncodeToString(h[:12]) + `"`
}

// Serve answers a GET or HEAD request for blob from store (see the package
// comment). It returns an error for the caller to log; the client has been
// answered either way (404 when the blob is missing, 500 on a storage
// error before any byte was sent; an error while streaming cuts the
// response short).
func Serve(w http.ResponseWriter, r *http.Request, store files.Store, blob Blob, opts Options) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil
	}
	ctx := r.Context()
	if blob.Size < 0 || blob.ModTime.IsZero() {
		info, err := store.Stat(ctx, blob.Key)
		if err != nil {
			return fail(w, err)
		}
		if blob.Size < 0 {
			blob.Size = info.Size
		}
		if blob.ModTime.IsZero() {
			blob.ModTime = info.ModTime
		}
	}
	if blob.ContentType == "" {
		blob.ContentType = "application/octet-stream"
	}
	if opts.CacheControl == "" {
		opts.CacheControl = DefaultCacheControl
	}
	etag := blob.etag()
	h := w.Header()
	h.Set("ETag", etag)
	if !blob.ModTime.IsZero() {
		h.Set("Last-Modified", blob.ModTime.UTC().Format(http.TimeFormat))
	}
	h.Set("Cache-Control", opts.CacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Accept-Ranges", "bytes")

	switch checkPreconditions(r, etag, blob.ModTime) {
	case http.StatusNotModified:
		w.WriteHeader(http.StatusNotModified)
		return nil
	case http.StatusPreconditionFailed:
		h.Del("Cache-Control")
		w.WriteHeader(http.StatusPreconditionFailed)
		return nil
	}
	h.Set("Content-Type", blob.ContentType)
	h.Set("Content-Disposition", blob.disposition(opts.Disposition))

	rangeHeader := r.Header.Get("Range")
	if rangeHeader != "" && !ifRangeAllows(r, etag, blob.ModTime) {
		rangeHeader = ""
	}
	ranges, err := parseRange(rangeHeader, blob.Size)
	if err != nil {
		h.Del("Content-Type")
		h.Del("Content-Disposition")
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(blob.Size, 10))
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return nil
	}
	if len(ranges) > MaxRanges || sumRanges(ranges) > blob.Size {
		ranges = nil // an abusive request: send the file once instead
	}

	switch len(ranges) {
	case 0:
		return serveWhole(w, r, store, blob)
	case 1:
		return serveRange(w, r, store, blob, ranges[0])
	default:
		return serveMultipart(w, r, store, blob, ranges)
	}
}

func fail(w http.ResponseWriter, err error) error {
	if errors.Is(err, files.ErrNotFound) {
		http.Error(w, "file not found", http.StatusNotFound)
		return err
	}
	http.Error(w, "storage error", http.StatusInternalServerError)
	return err
}

func serveWhole(w http.ResponseWriter, r *http.Request, store files.Store, blob Blob) error {
	w.Header().Set("Content-Length", strconv.FormatInt(blob.Size, 10))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	rc, err := store.Open(r.Context(), blob.Key, 0, blob.Size)
	if err != nil {
		clearForError(w)
		return fail(w, err)
	}
	defer rc.Close()
	w.WriteHeader(http.StatusOK)
	return copyExactly(w, rc, blob.Size)
}

func serveRange(w http.ResponseWriter, r *http.Request, store files.Store, blob Blob, rg byteRange) error {
	h := w.Header()
	h.Set("Content-Range", rg.contentRange(blob.Size))
	h.Set("Content-Length", strconv.FormatInt(rg.length, 10))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusPartialContent)
		return nil
	}
	rc, err := store.Open(r.Context(), blob.Key, rg.start, rg.length)
	if err != nil {
		clearForError(w)
		return fail(w, err)
	}
	defer rc.Close()
	w.WriteHeader(http.StatusPartialContent)
	return copyExactly(w, rc, rg.length)
}

func serveMultipart(w http.ResponseWriter, r *http.Request, store files.Store, blob Blob, ranges []byteRange) error {
	var rnd [15]byte
	rand.Read(rnd[:])
	boundary := hex.EncodeToString(rnd[:])
	partHeader := func(i int) string {
		return fmt.Sprintf("\r\n--%s\r\nContent-Type: %s\r\nContent-Range: %s\r\n\r\n",
			boundary, blob.ContentType, ranges[i].contentRange(blob.Size))
	}
	closing := "\r\n--" + boundary + "--\r\n"
	total := int64(len(closing))
	for i, rg := range ranges {
		total += int64(len(partHeader(i))) + rg.length
	}
	h := w.Header()
	h.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	h.Set("Content-Length", strconv.FormatInt(total, 10))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusPartialContent)
		return nil
	}
	// Open the first part before answering, so a missing blob is a 404.
	first, err := store.Open(r.Context(), blob.Key, ranges[0].start, ranges[0].length)
	if err != nil {
		clearForError(w)
		return fail(w, err)
	}
	w.WriteHeader(http.StatusPartialContent)
	for i, rg := range ranges {
		rc := first
		if i > 0 {
			if rc, err = store.Open(r.Context(), blob.Key, rg.start, rg.length); err != nil {
				return fmt.Errorf("download %s: part %d: %w", blob.Key, i, err)
			}
		}
		if _, err := io.WriteString(w, partHeader(i)); err != nil {
			rc.Close()
			return err
		}
		err := copyExactly(w, rc, rg.length)
		rc.Close()
		if err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, closing)
	return err
}

func clearForError(w http.ResponseWriter) {
	for _, k := range []string{"Content-Length", "Content-Range", "Content-Disposition", "ETag", "Last-Modified", "Accept-Ranges", "Cache-Control"} {
		w.Header().Del(k)
	}
}

// copyExactly streams n bytes; a short blob is an error (the record and
// the store disagree), and the response is cut short.
func copyExactly(w io.Writer, r io.Reader, n int64) error {
	got, err := io.CopyN(w, r, n)
	if err == io.EOF {
		return fmt.Errorf("download: blob ended after %d of %d bytes", got, n)
	}
	return err
}

// Redirect answers with a 302 to a presigned URL of blob (S3 with
// FileUpload_S3_Proxy_* off), valid for expiry, whose response carries the
// same Content-Type and Content-Disposition Serve would send.
func Redirect(w http.ResponseWriter, r *http.Request, p files.Presigner, blob Blob, expiry time.Duration, d Disposition) error {
	u, err := PresignedURL(r.Context(), p, blob, expiry, d)
	if err != nil {
		return fail(w, err)
	}
	w.Header().Set("Cache-Control", "no-store") // the URL expires
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
	return nil
}

// PresignedURL returns the presigned URL Redirect sends clients to; for
// Rocket.Chat's replyWithRedirectUrl answer ({"redirectUrl": ...}).
func PresignedURL(ctx context.Context, p files.Presigner, blob Blob, expiry time.Duration, d Disposition) (*url.URL, error) {
	ct := blob.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	return p.PresignGet(ctx, blob.Key, expiry, files.PresignOptions{ContentType: ct, ContentDisposition: blob.disposition(d)})
}
