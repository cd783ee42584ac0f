// Package backend builds the storage backend that Rocket.Chat's
// FileUpload_Storage_Type setting selects, from the FileUpload_* settings
// (files.Config): files/local, files/s3 or files/webdav. It is the one
// place that knows all three, so the server's wiring needs only this.
package backend

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"liftoff/files"
	"liftoff/files/local"
	"liftoff/files/s3"
	"liftoff/files/webdav"
)

// Options are what the settings do not say.
type Options struct {
	// DataDir is Liftoff's data directory: the FileSystem backend lives in
	// DataDir/uploads unless FileUpload_FileSystemPath says otherwise.
	DataDir string
	// Transport carries S3 and WebDAV requests (nil: the default transport).
	Transport http.RoundTripper
	// S3PartSize overrides s3.DefaultPartSize (tests, tuning).
	S3PartSize uint64
	// SkipCheck skips contacting the server (bucket or collection check).
	SkipCheck bool
}

// New validates cfg and returns its backend. Unless opts.SkipCheck, it
// checks that the S3 bucket exists or the WebDAV collection can be reached
// (creating the collection), so a wrong setting fails at start with a
// clear message rather than at the first upload. The FileSystem backend's
// Close releases its directory; call it when the store is replaced.
func New(ctx context.Context, cfg files.Config, opts Options) (files.Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.StorageType {
	case files.StorageAmazonS3:
		endpoint, err := cfg.S3.Endpoint()
		if err != nil {
			return nil, err
		}
		lookup := s3.LookupAuto
		if cfg.S3.ForcePathStyle {
			lookup = s3.LookupPath
		}
		st, err := s3.New(s3.Config{
			Endpoint:  endpoint,
			Region:    cfg.S3.Region,
			Bucket:    cfg.S3.Bucket,
			AccessKey: cfg.S3.AWSAccessKeyID,
			SecretKey: cfg.S3.AWSSecretAccessKey,
			Lookup:    lookup,
			ACL:       cfg.S3.ACL,
			PartSize:  opts.S3PartSize,
			Transport: opts.Transport,
		})
		if err != nil {
			return nil, err
		}
		if !opts.SkipCheck {
			if err := st.Check(ctx); err != nil {
				return nil, fmt.Errorf("FileUpload_Storage_Type AmazonS3: %w", err)
			}
		}
		return st, nil
	case files.StorageWebdav:
		u, err := cfg.Webdav.FolderURL()
		if err != nil {
			return nil, err
		}
		var client *http.Client
		if opts.Transport != nil {
			client = &http.Client{Transport: opts.Transport}
		}
		st, err := webdav.New(webdav.Config{URL: u, Username: cfg.Webdav.Username, Password: cfg.Webdav.Password, Client: client})
		if err != nil {
			return nil, err
		}
		if !opts.SkipCheck {
			if err := st.Check(ctx); err != nil {
				return nil, fmt.Errorf("FileUpload_Storage_Type Webdav: %w", err)
			}
		}
		return st, nil
	default: // FileSystem; Validate refused the rest
		if opts.DataDir == "" && !filepath.IsAbs(cfg.FileSystemPath) {
			return nil, fmt.Errorf("FileUpload_Storage_Type FileSystem: no data directory for FileUpload_FileSystemPath %q", cfg.FileSystemPath)
		}
		return local.New(cfg.FileSystemDir(opts.DataDir))
	}
}
