package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"liftoff/files"
)

// Store keeps blobs as files under a directory. Create it with New.
type Store struct {
	dir  string
	root *os.Root
}

var (
	_ files.Store       = (*Store)(nil)
	_ files.TempSweeper = (*Store)(nil)
)

const tempDir = ".liftoff/tmp" // files.TempPrefix without its slash

// New opens (creating it when missing) the directory dir as a store.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("local store: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("local store: %w", err)
	}
	if err := root.MkdirAll(tempDir, 0o750); err != nil {
		root.Close()
		return nil, fmt.Errorf("local store: %w", err)
	}
	return &Store{dir: dir, root: root}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close releases the directory handle.
func (s *Store) Close() error { return s.root.Close() }

// Put implements files.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, _ files.PutOptions) (files.Info, error) {
	if err := files.ValidateKey(key); err != nil {
		return files.Info{}, err
	}
	if size < -1 {
		return files.Info{}, fmt.Errorf("local store: put %s: negative size %d", key, size)
	}
	tmp, fi, err := s.writeTemp(ctx, r, size)
	if err != nil {
		return files.Info{}, fmt.Errorf("local store: put %s: %w", key, err)
	}
	if err := s.moveIntoPlace(tmp, key); err != nil {
		s.root.Remove(tmp)
		return files.Info{}, fmt.Errorf("local store: put %s: %w", key, err)
	}
	// Described from the temporary file: once in place, a concurrent Put
	// of the same key may already have replaced it.
	return info(key, fi), nil
}

func (s *Store) writeTemp(ctx context.Context, r io.Reader, size int64) (name string, fi fs.FileInfo, err error) {
	var rnd [12]byte
	rand.Read(rnd[:])
	name = tempDir + "/put-" + hex.EncodeToString(rnd[:])
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return "", nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
			s.root.Remove(name)
		}
	}()
	src := files.ContextReader(ctx, r)
	if size >= 0 {
		src = files.ExactSize(src, size)
	}
	if _, err = io.Copy(f, src); err != nil {
		return "", nil, err
	}
	if err = f.Sync(); err != nil {
		return "", nil, err
	}
	if fi, err = f.Stat(); err != nil {
		return "", nil, err
	}
	if err = f.Close(); err != nil {
		return "", nil, err
	}
	return name, fi, nil
}

// moveIntoPlace renames the temporary file to key, creating its directory.
// A concurrent Delete may prune that directory between the two steps, so
// a vanished directory is created again a few times.
func (s *Store) moveIntoPlace(tmp, key string) error {
	dir := path.Dir(key)
	var err error
	for range 5 {
		if dir != "." {
			if err = s.root.MkdirAll(dir, 0o750); err != nil {
				return err
			}
		}
		if err = s.root.Rename(tmp, key); err == nil {
			return s.syncDir(dir)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return err
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// Open implements files.Store.
func (s *Store) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := files.ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := s.root.Open(key)
	if err != nil {
		return nil, s.mapErr("open", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("local store: open %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("local store: open %s: %w", key, files.ErrNotFound)
	}
	n, err := files.CheckRange(offset, length, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("local store: open %s at %d+%d of %d: %w", key, offset, length, fi.Size(), err)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("local store: open %s: %w", key, err)
		}
	}
	return &rangeFile{Reader: io.LimitReader(f, n), f: f}, nil
}

type rangeFile struct {
	io.Reader
	f *os.File
}

func (r *rangeFile) Close() error { return r.f.Close() }

// Stat implements files.Store.
func (s *Store) Stat(ctx context.Context, key string) (files.Info, error) {
	if err := files.ValidateKey(key); err != nil {
		return files.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return files.Info{}, err
	}
	fi, err := s.root.Stat(key)
	if err != nil {
		return files.Info{}, s.mapErr("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return files.Info{}, fmt.Errorf("local store: stat %s: %w", key, files.ErrNotFound)
	}
	return info(key, fi), nil
}

func info(key string, fi fs.FileInfo) files.Info {
	return files.Info{
		Key:     key,
		Size:    fi.Size(),
		ModTime: fi.ModTime(),
		ETag:    fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size()),
	}
}

func (s *Store) mapErr(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("local store: %s %s: %w", op, key, files.ErrNotFound)
	}
	return fmt.Errorf("local store: %s %s: %w", op, key, err)
}

// Delete implements files.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := files.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := s.root.Lstat(key)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return fmt.Errorf("local store: delete %s: %w", key, err)
	}
	if fi.IsDir() {
		return nil // a directory is no blob
	}
	if err := s.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local store: delete %s: %w", key, err)
	}
	// Prune the directories this leaves empty; a non-empty one stops it.
	for d := path.Dir(key); d != "." && d != tempDir; d = path.Dir(d) {
		if s.root.Remove(d) != nil {
			break
		}
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
		start := "."
		if i := strings.LastIndex(prefix, "/"); i > 0 {
			start = prefix[:i]
		}
		fsys := s.root.FS()
		err := fs.WalkDir(fsys, start, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == start && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll // nothing under the prefix
				}
				if errors.Is(err, fs.ErrNotExist) {
					return nil // removed while walking
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				if p == tempDir {
					return fs.SkipDir
				}
				// Skip directories that cannot hold a matching key.
				if p != "." && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if !yield(info(p, fi), nil) {
				return fs.SkipAll
			}
			return nil
		})
		if err != nil {
			yield(files.Info{}, fmt.Errorf("local store: list %q: %w", prefix, err))
		}
	}
}

// SweepTemp implements files.TempSweeper: it removes temporary files of
// Puts that a crash interrupted.
func (s *Store) SweepTemp(ctx context.Context, startedBefore time.Time) (int, error) {
	entries, err := fs.ReadDir(s.root.FS(), tempDir)
	if err != nil {
		return 0, fmt.Errorf("local store: sweep temp: %w", err)
	}
	n := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(startedBefore) {
			continue
		}
		if err := s.root.Remove(tempDir + "/" + e.Name()); err == nil {
			n++
		}
	}
	return n, nil
}
