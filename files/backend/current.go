package backend

import (
	"context"
	"io"
	"sync"

	"liftoff/files"
)

// Current is the store the settings select now. Each Get reads the
// FileUpload_* settings and, when they changed since the last call, builds
// the new backend (closing the old one once built), so an administrator's
// change takes effect at the next upload without a restart. Blobs stored
// before a change stay where they were.
type Current struct {
	settings files.Settings
	opts     Options

	mu    sync.Mutex
	cfg   files.Config
	store files.Store
	err   error // of the last build for cfg
	built bool
}

// NewCurrent returns a Current reading settings; nothing is built until
// the first Get.
func NewCurrent(settings files.Settings, opts Options) *Current {
	return &Current{settings: settings, opts: opts}
}

// Get returns the store of the current settings with its configuration,
// or the error building it gave (retried at the next Get when the settings
// change, or after a failed build).
func (c *Current) Get(ctx context.Context) (files.Store, files.Config, error) {
	cfg := files.ConfigFromSettings(c.settings)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.built && cfg == c.cfg && c.err == nil {
		return c.store, c.cfg, nil
	}
	st, err := New(ctx, cfg, c.opts)
	if err != nil {
		c.cfg, c.err, c.built = cfg, err, true
		return nil, cfg, err
	}
	if old, ok := c.store.(io.Closer); ok && c.store != nil {
		old.Close()
	}
	c.cfg, c.store, c.err, c.built = cfg, st, nil, true
	return st, cfg, nil
}

// Close releases the current store.
func (c *Current) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.store.(io.Closer); ok && c.store != nil {
		c.store = nil
		c.built = false
		return cl.Close()
	}
	return nil
}
