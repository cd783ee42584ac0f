package files

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/url"
	"time"
)

// Store keeps blobs (the bytes of uploads, thumbnails, avatars, emoji and
// assets) under keys. Implementations are safe for concurrent use.
//
// Semantics every implementation guarantees (and files/filestest checks):
//   - Put is atomic: a reader sees either the previous blob under the key or
//     the complete new one, never a partial write; a Put that fails (a read
//     error, a size mismatch, a cancelled context) leaves the key as it was
//     (for WebDAV, see Put's note on overwrites).
//   - Put replaces an existing blob (last writer wins).
//   - Delete of a missing key succeeds (it is idempotent).
//   - A key never names a "directory" of another key: storing both "a" and
//     "a/b" is not supported (the disk and WebDAV backends refuse it).
type Store interface {
	// Put stores the bytes of r under key. size is the exact number of
	// bytes r yields, or -1 when unknown (the upload is then streamed in
	// chunks). When size is known and r yields fewer or more bytes, Put
	// fails with ErrSizeMismatch and stores nothing. It returns the stored
	// blob's Info. Errors: ErrInvalidKey, ErrSizeMismatch, the reader's
	// error, or the backend's.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error)

	// Open returns length bytes of the blob starting at offset (length -1:
	// to the end). A range that runs past the end is cut at the end; offset
	// equal to the size gives an empty stream. The caller must Close the
	// result. Errors: ErrNotFound, ErrInvalidKey, ErrInvalidRange (offset
	// negative or past the end, length below -1).
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)

	// Stat returns the blob's Info, or ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)

	// Delete removes the blob. A missing key is not an error.
	Delete(ctx context.Context, key string) error

	// List yields every blob whose key starts with prefix (a plain string
	// prefix: "uploads/ab" matches "uploads/abc/x"), in no promised order,
	// each exactly once. Deleting the yielded keys while iterating is
	// allowed. An error ends the sequence with a zero Info.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]
}

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time // when the blob was last written, by the backend's clock
	ETag    string    // the backend's entity tag, quoted or not as it gave it; may be empty
}

// PutOptions are optional hints for Put.
type PutOptions struct {
	// ContentType is stored as the object's Content-Type where the backend
	// keeps one (S3, WebDAV); direct downloads from the backend (presigned
	// URLs) then carry it. The disk backend ignores it.
	ContentType string
}

// Presigner is implemented by stores whose blobs clients can fetch directly
// with a signed, expiring URL (the S3 backend). Endpoints use it when the
// FileUpload_S3_Proxy_* settings say not to proxy downloads.
type Presigner interface {
	// PresignGet returns a URL that lets anyone holding it GET the blob
	// until expiry has passed.
	PresignGet(ctx context.Context, key string, expiry time.Duration, opts PresignOptions) (*url.URL, error)
}

// PresignOptions override response headers of a presigned download.
type PresignOptions struct {
	ContentType        string // response Content-Type
	ContentDisposition string // response Content-Disposition
}

// TempSweeper is implemented by stores that keep temporary state of their
// own while a Put is running (the disk and WebDAV backends' temporary
// files, the S3 backend's unfinished multipart uploads). A crash leaves it
// behind; SweepTemp removes what was started before the given time and
// reports how many items it removed. Sweep calls it.
type TempSweeper interface {
	SweepTemp(ctx context.Context, startedBefore time.Time) (int, error)
}

// Errors returned by stores, wrapped with context; test with errors.Is.
var (
	ErrNotFound     = errors.New("files: blob not found")
	ErrInvalidKey   = errors.New("files: invalid key")
	ErrInvalidRange = errors.New("files: invalid byte range")
	ErrSizeMismatch = errors.New("files: content length does not match the declared size")
)

// CheckRange validates the arguments of Open against a blob of the given
// size and returns the number of bytes the range holds. Backends use it.
func CheckRange(offset, length, size int64) (int64, error) {
	if offset < 0 || length < -1 || offset > size {
		return 0, ErrInvalidRange
	}
	n := size - offset
	if length >= 0 && length < n {
		n = length
	}
	return n, nil
}

// ExactSize returns a reader that yields r's bytes and fails with
// ErrSizeMismatch as soon as r proves to hold fewer or more than size
// bytes: backends wrap Put's reader in it when the size is known, so the
// mismatch aborts the write before it completes. Reading stops after size
// bytes plus at most one byte of look-ahead.
func ExactSize(r io.Reader, size int64) io.Reader {
	return &exactReader{r: r, left: size}
}

type exactReader struct {
	r    io.Reader
	left int64
	done bool
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.done {
		return 0, io.EOF
	}
	if e.left == 0 {
		return 0, e.lookAhead()
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case err == io.EOF && e.left > 0:
		return n, ErrSizeMismatch
	case err == io.EOF:
		e.done = true
		return n, io.EOF
	case err != nil:
		return n, err
	case e.left == 0:
		// Check for surplus bytes now: consumers that stop after exactly
		// size bytes (most S3 and HTTP clients) would never ask again.
		if err := e.lookAhead(); err != io.EOF {
			return n, err
		}
		return n, nil
	}
	return n, nil
}

// lookAhead reads one byte past the declared size: io.EOF is the expected
// answer, anything else a mismatch or a read error.
func (e *exactReader) lookAhead() error {
	var one [1]byte
	for {
		n, err := e.r.Read(one[:])
		if n > 0 {
			return ErrSizeMismatch
		}
		if err == io.EOF {
			e.done = true
			return io.EOF
		}
		if err != nil {
			return err
		}
	}
}

// ContextReader returns a reader that fails with ctx's error once ctx is
// done, so a long copy into a backend stops when the request is cancelled.
func ContextReader(ctx context.Context, r io.Reader) io.Reader {
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
