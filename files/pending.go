package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Crash safety: an upload is a blob in a Store plus a record in the
// database, and no transaction spans both. The two-phase write makes the
// pair safe:
//
//  1. StagePut first writes a small pending marker (PendingPrefix+key),
//     then the blob under its final key.
//  2. The caller commits the record that refers to the key.
//  3. Commit deletes the marker. On any failure before the record commits,
//     the caller calls Abort, which deletes the blob and the marker.
//
// A crash anywhere leaves at most a marker beside its blob. Sweep, run at
// start-up, finds markers older than a bound, asks the record side whether
// the key was committed, deletes the blob when it was not, and removes the
// marker either way. Keys are never renamed, so no backend has to copy a
// large object (S3 has no rename).
//
// The bound must exceed the longest upload: Sweep takes a marker younger
// than it for an upload still running (perhaps on another instance).

// StagePut is phase one: it writes the pending marker, then the blob (see
// Store.Put for the arguments). The key should be fresh (an upload id):
// Abort deletes whatever is under it. If the blob's Put fails, StagePut
// removes the marker and returns the error; the key holds nothing new.
func StagePut(ctx context.Context, s Store, key string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	marker := PendingPrefix + key
	stamp := time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := s.Put(ctx, marker, strings.NewReader(stamp), int64(len(stamp)), PutOptions{ContentType: "text/plain"}); err != nil {
		return Info{}, fmt.Errorf("write pending marker for %s: %w", key, err)
	}
	info, err := s.Put(ctx, key, r, size, opts)
	if err != nil {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if derr := s.Delete(cctx, marker); derr != nil {
			err = errors.Join(err, fmt.Errorf("remove pending marker (Sweep will): %w", derr))
		}
		return Info{}, err
	}
	return info, nil
}

// Commit is phase three: once the records referring to the keys are
// committed, it removes their pending markers. A failure here is harmless
// (Sweep finds the key committed and only removes the marker) and may be
// logged rather than reported to the client.
func Commit(ctx context.Context, s Store, keys ...string) error {
	var errs []error
	for _, k := range keys {
		if err := s.Delete(ctx, PendingPrefix+k); err != nil {
			errs = append(errs, fmt.Errorf("commit %s: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// Abort undoes staged keys whose record will not be committed: it deletes
// each blob, then its marker. It runs even when ctx is already cancelled
// (a client that went away), within a short deadline of its own.
func Abort(ctx context.Context, s Store, keys ...string) error {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	var errs []error
	for _, k := range keys {
		if err := s.Delete(ctx, k); err != nil {
			errs = append(errs, fmt.Errorf("abort %s: %w", k, err))
			continue // keep the marker so that Sweep retries
		}
		if err := s.Delete(ctx, PendingPrefix+k); err != nil {
			errs = append(errs, fmt.Errorf("abort %s: remove marker: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// cleanupContext outlives a cancelled request, so that clean-up still runs
// after the client went away, but not forever.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// SweepOptions configure Sweep.
type SweepOptions struct {
	// OlderThan is the bound: markers (and backend temporary files) older
	// than this are left over by a crash. Zero means DefaultSweepAge.
	OlderThan time.Duration
	// Committed tells whether the record for key was committed. Required:
	// Sweep never guesses. An error stops the sweep.
	Committed func(ctx context.Context, key string) (bool, error)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger receives one line per removed blob (nil: slog.Default()).
	Logger *slog.Logger
}

// DefaultSweepAge is Sweep's default bound: longer than any upload.
const DefaultSweepAge = 24 * time.Hour

// SweepReport counts what Sweep did.
type SweepReport struct {
	Markers   int // stale markers found
	Removed   int // uncommitted blobs deleted
	Committed int // markers of committed keys cleared
	Temp      int // backend temporary items removed (TempSweeper)
}

// Sweep removes what crashed uploads left behind (see the comment at the
// top of this file). Run it at start-up, before serving uploads, and
// whenever convenient after; it is safe beside running uploads younger
// than the bound.
func Sweep(ctx context.Context, s Store, opts SweepOptions) (SweepReport, error) {
	var rep SweepReport
	if opts.Committed == nil {
		return rep, errors.New("files.Sweep: SweepOptions.Committed is required")
	}
	if opts.OlderThan <= 0 {
		opts.OlderThan = DefaultSweepAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cutoff := opts.Now().Add(-opts.OlderThan)
	for info, err := range s.List(ctx, PendingPrefix) {
		if err != nil {
			return rep, fmt.Errorf("sweep: list pending markers: %w", err)
		}
		if !info.ModTime.Before(cutoff) {
			continue
		}
		rep.Markers++
		key := strings.TrimPrefix(info.Key, PendingPrefix)
		committed, err := opts.Committed(ctx, key)
		if err != nil {
			return rep, fmt.Errorf("sweep: is %s committed: %w", key, err)
		}
		if committed {
			rep.Committed++
		} else {
			if err := s.Delete(ctx, key); err != nil {
				return rep, fmt.Errorf("sweep: delete %s: %w", key, err)
			}
			rep.Removed++
			opts.Logger.Info("files: removed the blob of an upload that never committed", "key", key, "started", info.ModTime)
		}
		if err := s.Delete(ctx, info.Key); err != nil {
			return rep, fmt.Errorf("sweep: delete marker %s: %w", info.Key, err)
		}
	}
	if ts, ok := s.(TempSweeper); ok {
		n, err := ts.SweepTemp(ctx, cutoff)
		rep.Temp = n
		if err != nil {
			return rep, fmt.Errorf("sweep: temporary files: %w", err)
		}
	}
	return rep, nil
}

// SweepOrphans deletes blobs under prefix that are older than olderThan,
// have no pending marker and that referenced says no record refers to:
// a maintenance pass over the whole prefix (it lists every blob), for
// stores that lost records by other means (a restored database backup, a
// bug). It returns how many blobs it deleted.
func SweepOrphans(ctx context.Context, s Store, prefix string, olderThan time.Duration,
	referenced func(ctx context.Context, key string) (bool, error)) (int, error) {
	if referenced == nil {
		return 0, errors.New("files.SweepOrphans: referenced is required")
	}
	if strings.HasPrefix(prefix, ReservedPrefix) || (prefix != "" && strings.HasPrefix(ReservedPrefix, prefix)) {
		return 0, fmt.Errorf("files.SweepOrphans: prefix %q overlaps %s", prefix, ReservedPrefix)
	}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	for info, err := range s.List(ctx, prefix) {
		if err != nil {
			return removed, fmt.Errorf("sweep orphans: list: %w", err)
		}
		if strings.HasPrefix(info.Key, ReservedPrefix) || !info.ModTime.Before(cutoff) {
			continue
		}
		ok, err := referenced(ctx, info.Key)
		if err != nil {
			return removed, fmt.Errorf("sweep orphans: is %s referenced: %w", info.Key, err)
		}
		if ok {
			continue
		}
		if _, err := s.Stat(ctx, PendingPrefix+info.Key); err == nil {
			continue // staged, not yet committed or aborted: Sweep's business
		} else if !errors.Is(err, ErrNotFound) {
			return removed, fmt.Errorf("sweep orphans: stat marker of %s: %w", info.Key, err)
		}
		if err := s.Delete(ctx, info.Key); err != nil {
			return removed, fmt.Errorf("sweep orphans: delete %s: %w", info.Key, err)
		}
		removed++
	}
	return removed, nil
}
