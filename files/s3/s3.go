package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"liftoff/files"
)

// Lookup selects how the bucket is addressed.
type Lookup int

const (
	// LookupAuto uses virtual-host style on Amazon S3 and the other
	// endpoints known to support it, path style elsewhere (IP addresses,
	// custom hosts). FileUpload_S3_ForcePathStyle false maps here.
	LookupAuto Lookup = iota
	// LookupPath forces https://host/bucket/key (FileUpload_S3_ForcePathStyle true).
	LookupPath
	// LookupVirtualHost forces https://bucket.host/key.
	LookupVirtualHost
)

// Config configures a Store.
type Config struct {
	// Endpoint is the store's URL ("https://s3.eu-west-1.amazonaws.com",
	// "http://127.0.0.1:7070"); nil means Amazon S3 in Region.
	Endpoint  *url.URL
	Region    string // "" = us-east-1
	Bucket    string
	AccessKey string
	SecretKey string
	Lookup    Lookup
	// ACL is a canned ACL sent with every upload as x-amz-acl ("private",
	// "public-read", ...); "" sends none, leaving the bucket's default.
	ACL string
	// PartSize is the multipart part size and so the memory one upload
	// buffers; 0 = DefaultPartSize. S3 needs at least 5 MiB and allows
	// 10,000 parts, so it also bounds the largest blob (PartSize × 10,000).
	PartSize uint64
	// Transport carries the requests (nil: a clone of http.DefaultTransport).
	Transport http.RoundTripper
}

// DefaultPartSize allows blobs up to 80 GiB (10,000 parts) at 8 MiB of
// memory per running upload.
const DefaultPartSize = 8 << 20

// smallBlob is the most Put reads ahead of a stream of unknown size to
// find out whether it is small: minio-go sends every such stream as a
// multipart upload with a whole part buffer, a waste for thumbnails and
// avatars, so a stream that ends within this is sent in one PUT.
const smallBlob = 1 << 20

const minPartSize = 5 << 20

// Store keeps blobs as objects in an S3 bucket. Create it with New.
type Store struct {
	core     minio.Core
	bucket   string
	acl      string
	partSize uint64
}

var (
	_ files.Store       = (*Store)(nil)
	_ files.Presigner   = (*Store)(nil)
	_ files.TempSweeper = (*Store)(nil)
)

// New returns a store for cfg. It does not contact the server; use Check
// to verify the bucket and credentials.
func New(cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3 store: no bucket")
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < minPartSize {
		return nil, fmt.Errorf("s3 store: part size %d is below S3's minimum of 5 MiB", cfg.PartSize)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	endpoint, secure := "s3.amazonaws.com", true
	if cfg.Endpoint != nil {
		if cfg.Endpoint.Scheme != "http" && cfg.Endpoint.Scheme != "https" || cfg.Endpoint.Host == "" {
			return nil, fmt.Errorf("s3 store: endpoint %q is not an http(s) URL", cfg.Endpoint)
		}
		if p := strings.Trim(cfg.Endpoint.Path, "/"); p != "" {
			return nil, fmt.Errorf("s3 store: endpoint %q has a path; give the bucket in FileUpload_S3_Bucket", cfg.Endpoint)
		}
		endpoint, secure = cfg.Endpoint.Host, cfg.Endpoint.Scheme == "https"
	}
	lookup := minio.BucketLookupAuto
	switch cfg.Lookup {
	case LookupPath:
		lookup = minio.BucketLookupPath
	case LookupVirtualHost:
		lookup = minio.BucketLookupDNS
	}
	transport := cfg.Transport
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	core, err := minio.NewCore(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 store: %w", err)
	}
	return &Store{core: *core, bucket: cfg.Bucket, acl: cfg.ACL, partSize: cfg.PartSize}, nil
}

// Client returns the underlying minio-go client (tests create buckets with it).
func (s *Store) Client() *minio.Client { return s.core.Client }

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// Check verifies that the bucket exists and the credentials can reach it.
func (s *Store) Check(ctx context.Context) error {
	ok, err := s.core.Client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3 store: bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("s3 store: bucket %s does not exist", s.bucket)
	}
	return nil
}

// Put implements files.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts files.PutOptions) (files.Info, error) {
	if err := files.ValidateKey(key); err != nil {
		return files.Info{}, err
	}
	if size < -1 {
		return files.Info{}, fmt.Errorf("s3 store: put %s: negative size %d", key, size)
	}
	// The wrappers also hide any io.ReaderAt the caller's reader has:
	// minio-go would read it in parallel sections, past the size check.
	src := files.ContextReader(ctx, r)
	if size >= 0 {
		src = files.ExactSize(src, size)
	} else {
		head := make([]byte, smallBlob)
		n, err := io.ReadFull(src, head)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			src, size = bytes.NewReader(head[:n]), int64(n) // all of it: one PUT
		case err != nil:
			return files.Info{}, fmt.Errorf("s3 store: put %s: %w", key, err)
		default:
			src = io.MultiReader(bytes.NewReader(head), src)
		}
	}
	po := minio.PutObjectOptions{ContentType: opts.ContentType, PartSize: s.partSize}
	if s.acl != "" {
		po.UserMetadata = map[string]string{"x-amz-acl": s.acl}
	}
	up, err := s.core.Client.PutObject(ctx, s.bucket, key, src, size, po)
	if err != nil {
		return files.Info{}, s.mapErr("put", key, err)
	}
	info := files.Info{Key: key, Size: up.Size, ModTime: up.LastModified, ETag: up.ETag}
	if info.ModTime.IsZero() {
		// PutObject's answer carries no date: ask the server, unless a
		// concurrent Put of the key already replaced this upload.
		info.ModTime = time.Now()
		if st, err := s.Stat(ctx, key); err == nil && st.ETag == up.ETag {
			info.ModTime = st.ModTime
		}
	}
	return info, nil
}

// Open implements files.Store.
func (s *Store) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := files.ValidateKey(key); err != nil {
		return nil, err
	}
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("s3 store: open %s at %d+%d: %w", key, offset, length, files.ErrInvalidRange)
	}
	if length == 0 {
		// No request can ask for zero bytes; check the range and answer.
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		if _, err := files.CheckRange(offset, length, info.Size); err != nil {
			return nil, fmt.Errorf("s3 store: open %s at %d of %d: %w", key, offset, info.Size, err)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	var gopts minio.GetObjectOptions
	switch {
	case length > 0:
		err := gopts.SetRange(offset, offset+length-1)
		if err != nil {
			return nil, fmt.Errorf("s3 store: open %s: %w", key, err)
		}
	case offset > 0:
		if err := gopts.SetRange(offset, 0); err != nil {
			return nil, fmt.Errorf("s3 store: open %s: %w", key, err)
		}
	}
	body, _, _, err := s.core.GetObject(ctx, s.bucket, key, gopts)
	if err != nil {
		if errorCode(err) == "InvalidRange" {
			// The offset is at or past the end: at the end is an empty
			// range, past it an error.
			info, serr := s.Stat(ctx, key)
			if serr != nil {
				return nil, serr
			}
			if offset == info.Size {
				return io.NopCloser(strings.NewReader("")), nil
			}
			return nil, fmt.Errorf("s3 store: open %s at %d of %d: %w", key, offset, info.Size, files.ErrInvalidRange)
		}
		return nil, s.mapErr("open", key, err)
	}
	return body, nil
}

// Stat implements files.Store.
func (s *Store) Stat(ctx context.Context, key string) (files.Info, error) {
	if err := files.ValidateKey(key); err != nil {
		return files.Info{}, err
	}
	oi, err := s.core.Client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return files.Info{}, s.mapErr("stat", key, err)
	}
	return files.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified, ETag: oi.ETag}, nil
}

// Delete implements files.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := files.ValidateKey(key); err != nil {
		return err
	}
	if err := s.core.Client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if errorCode(err) == "NoSuchKey" {
			return nil
		}
		return s.mapErr("delete", key, err)
	}
	return nil
}

// List implements files.Store.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[files.Info, error] {
	return func(yield func(files.Info, error) bool) {
		if err := files.ValidatePrefix(prefix); err != nil {
			yield(files.Info{}, err)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops minio-go's listing goroutine when the caller breaks
		for oi := range s.core.Client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if oi.Err != nil {
				yield(files.Info{}, fmt.Errorf("s3 store: list %q: %w", prefix, oi.Err))
				return
			}
			if strings.HasSuffix(oi.Key, "/") {
				continue // a "folder" placeholder some tools create
			}
			if !yield(files.Info{Key: oi.Key, Size: oi.Size, ModTime: oi.LastModified, ETag: oi.ETag}, nil) {
				return
			}
		}
	}
}

// PresignGet implements files.Presigner.
func (s *Store) PresignGet(ctx context.Context, key string, expiry time.Duration, opts files.PresignOptions) (*url.URL, error) {
	if err := files.ValidateKey(key); err != nil {
		return nil, err
	}
	params := url.Values{}
	if opts.ContentType != "" {
		params.Set("response-content-type", opts.ContentType)
	}
	if opts.ContentDisposition != "" {
		params.Set("response-content-disposition", opts.ContentDisposition)
	}
	u, err := s.core.Client.PresignedGetObject(ctx, s.bucket, key, expiry, params)
	if err != nil {
		return nil, fmt.Errorf("s3 store: presign %s: %w", key, err)
	}
	return u, nil
}

// SweepTemp implements files.TempSweeper: it aborts multipart uploads
// started before the given time (left by a crash; a failed upload aborts
// its own). They hold storage (and cost money on Amazon) until aborted.
func (s *Store) SweepTemp(ctx context.Context, startedBefore time.Time) (int, error) {
	n := 0
	for u := range s.core.Client.ListIncompleteUploads(ctx, s.bucket, "", true) {
		if u.Err != nil {
			return n, fmt.Errorf("s3 store: list incomplete uploads: %w", u.Err)
		}
		if !u.Initiated.Before(startedBefore) {
			continue
		}
		if err := s.core.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID); err != nil && errorCode(err) != "NoSuchUpload" {
			return n, fmt.Errorf("s3 store: abort upload of %s: %w", u.Key, err)
		}
		n++
	}
	return n, nil
}

func errorCode(err error) string {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		return er.Code
	}
	return ""
}

func (s *Store) mapErr(op, key string, err error) error {
	switch errorCode(err) {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("s3 store: %s %s: %w", op, key, files.ErrNotFound)
	case "InvalidRange":
		return fmt.Errorf("s3 store: %s %s: %w", op, key, files.ErrInvalidRange)
	}
	return fmt.Errorf("s3 store: %s %s: %w", op, key, err)
}
