// Package mongodump reads the directory form of a mongodump: one
// <collection>.bson file per collection (length-prefixed BSON documents,
// one after the other), optionally gzipped (<collection>.bson.gz, from
// mongodump --gzip), beside <collection>.metadata.json. Collections are
// streamed one document at a time, never loaded whole.
//
// The single-file form (mongodump --archive) is refused with a message
// saying how to produce the directory form.
package mongodump

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// archiveMagic starts every mongodump --archive file (little-endian).
const archiveMagic = 0x8199e26d

// maxDocument bounds a document's length: MongoDB's limit is 16 MiB; a
// little slack for documents written by older servers.
const maxDocument = 17 << 20

// ErrArchive is returned by Open for a mongodump --archive file.
var ErrArchive = errors.New("this is a mongodump --archive file, which is not supported: " +
	"dump to a directory instead (mongodump --db rocketchat --out DIR, optionally with --gzip) and pass DIR")

// Dump is one database of a mongodump directory.
type Dump struct {
	Dir string // the database's directory, holding the .bson files
}

// Open finds the database directory of a dump: dir itself when it holds
// .bson files, else its only sub-directory that does (mongodump --out DIR
// writes DIR/<database>/). A dump with several databases must be given the
// database's own directory.
func Open(dir string) (*Dump, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		if isArchive(dir) {
			return nil, fmt.Errorf("%s: %w", dir, ErrArchive)
		}
		return nil, fmt.Errorf("%s is not a directory: pass the directory mongodump --out wrote", dir)
	}
	if hasBSON(dir) {
		return &Dump{Dir: dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var dbs []string
	for _, e := range entries {
		if e.IsDir() && hasBSON(filepath.Join(dir, e.Name())) {
			dbs = append(dbs, e.Name())
		}
	}
	switch len(dbs) {
	case 0:
		return nil, fmt.Errorf("%s holds no .bson files: pass the directory mongodump --out wrote", dir)
	case 1:
		return &Dump{Dir: filepath.Join(dir, dbs[0])}, nil
	}
	return nil, fmt.Errorf("%s holds several databases (%s): pass the directory of the Rocket.Chat one", dir, strings.Join(dbs, ", "))
}

func hasBSON(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".bson") || strings.HasSuffix(e.Name(), ".bson.gz")) {
			return true
		}
	}
	return false
}

// isArchive reports whether the file starts with the archive magic number,
// gzipped or not.
func isArchive(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return false
		}
		r = zr
	}
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return false
	}
	return binary.LittleEndian.Uint32(magic[:]) == archiveMagic
}

// Collections lists the collections of the dump, sorted.
func (d *Dump) Collections() ([]string, error) {
	entries, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasSuffix(n, ".bson"):
			names = append(names, strings.TrimSuffix(n, ".bson"))
		case strings.HasSuffix(n, ".bson.gz"):
			names = append(names, strings.TrimSuffix(n, ".bson.gz"))
		}
	}
	sort.Strings(names)
	return names, nil
}

// Has reports whether the dump holds the collection.
func (d *Dump) Has(collection string) bool {
	_, _, err := d.path(collection)
	return err == nil
}

func (d *Dump) path(collection string) (string, bool, error) {
	p := filepath.Join(d.Dir, collection+".bson")
	if _, err := os.Stat(p); err == nil {
		return p, false, nil
	}
	if _, err := os.Stat(p + ".gz"); err == nil {
		return p + ".gz", true, nil
	}
	return "", false, fmt.Errorf("collection %s: %w", collection, os.ErrNotExist)
}

// Cursor reads one collection's documents in order.
type Cursor struct {
	f      *os.File
	gz     *gzip.Reader
	r      *bufio.Reader
	size   int64 // of the file on disk
	count  *countingReader
	doc    bson.Raw
	offset int64 // of the current document, in the uncompressed stream
	read   int64 // uncompressed bytes consumed
}

// countingReader counts the bytes read from the file (compressed ones for
// a gzipped file), for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Open opens a collection for reading. It returns an error wrapping
// os.ErrNotExist when the dump does not hold it.
func (d *Dump) Open(collection string) (*Cursor, error) {
	p, gz, err := d.path(collection)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	c := &Cursor{f: f, size: fi.Size(), count: &countingReader{r: f}}
	var src io.Reader = c.count
	if gz {
		zr, err := gzip.NewReader(bufio.NewReaderSize(c.count, 64<<10))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		c.gz, src = zr, zr
	}
	c.r = bufio.NewReaderSize(src, 256<<10)
	return c, nil
}

// InvalidDocumentError is a document whose length prefix is sound but whose
// content is not valid BSON: the cursor skips it and goes on.
type InvalidDocumentError struct {
	Offset int64  // of the document in the (uncompressed) collection stream
	ID     string // its _id when that much could be read, else ""
	Err    error
}

func (e *InvalidDocumentError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("document %s at byte %d: %v", e.ID, e.Offset, e.Err)
	}
	return fmt.Sprintf("document at byte %d: %v", e.Offset, e.Err)
}

func (e *InvalidDocumentError) Unwrap() error { return e.Err }

// Next reads the next document. It returns io.EOF at the end of the
// collection, an *InvalidDocumentError for a malformed document that can be
// skipped (call Next again to go on), and any other error for a stream that
// cannot be read further (truncated, or a length prefix out of bounds).
// The document returned is valid until the next call.
func (c *Cursor) Next() (bson.Raw, error) {
	var head [4]byte
	c.offset = c.read
	n, err := io.ReadFull(c.r, head[:])
	c.read += int64(n)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("truncated document at byte %d: %w", c.offset, err)
	}
	size := int(int32(binary.LittleEndian.Uint32(head[:])))
	if size < 5 || size > maxDocument {
		return nil, fmt.Errorf("document at byte %d has an impossible length %d: the file is corrupt from here on", c.offset, size)
	}
	if cap(c.doc) < size {
		c.doc = make([]byte, size, max(size, 64<<10))
	}
	c.doc = c.doc[:size]
	copy(c.doc, head[:])
	n, err = io.ReadFull(c.r, c.doc[4:])
	c.read += int64(n)
	if err != nil {
		return nil, fmt.Errorf("truncated document at byte %d: %w", c.offset, err)
	}
	if err := c.doc.Validate(); err != nil {
		return nil, &InvalidDocumentError{Offset: c.offset, ID: peekID(c.doc), Err: err}
	}
	return c.doc, nil
}

// peekID reads a malformed document's _id if its first element is one.
func peekID(doc []byte) (id string) {
	defer func() {
		if recover() != nil {
			id = ""
		}
	}()
	// type byte, "_id\x00", then a string (int32 length, bytes, NUL).
	if len(doc) < 13 || doc[4] != byte(bson.TypeString) || string(doc[5:9]) != "_id\x00" {
		return ""
	}
	l := int(binary.LittleEndian.Uint32(doc[9:13]))
	if l < 1 || 13+l > len(doc) {
		return ""
	}
	return string(doc[13 : 13+l-1])
}

// Progress returns how far the cursor is through the file on disk, between
// 0 and 1.
func (c *Cursor) Progress() float64 {
	if c.size == 0 {
		return 1
	}
	return min(1, float64(c.count.n)/float64(c.size))
}

// Size is the size of the collection's file on disk.
func (c *Cursor) Size() int64 { return c.size }

// Close releases the file.
func (c *Cursor) Close() error {
	if c.gz != nil {
		c.gz.Close()
	}
	if c.f == nil {
		return nil
	}
	return c.f.Close()
}

// NewCursor reads documents from r (an uncompressed collection stream).
func NewCursor(r io.Reader) *Cursor {
	c := &Cursor{count: &countingReader{r: r}}
	c.r = bufio.NewReaderSize(c.count, 64<<10)
	return c
}
