package mongodump

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Create makes an empty dump database directory at dir, for writing
// collections in mongodump's form (the Slack and CSV importers convert
// their sources into a Rocket.Chat dump this way).
func Create(dir string) (*Dump, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	return &Dump{Dir: dir}, nil
}

// Writer writes one collection: documents one after the other, as mongodump does.
type Writer struct {
	f  *os.File
	bw *bufio.Writer
	n  int
}

// Create starts (or truncates) a collection.
func (d *Dump) Create(collection string) (*Writer, error) {
	f, err := os.Create(filepath.Join(d.Dir, collection+".bson"))
	if err != nil {
		return nil, err
	}
	return &Writer{f: f, bw: bufio.NewWriterSize(f, 256<<10)}, nil
}

// Write appends a document (a bson.D, a struct, a map...).
func (w *Writer) Write(doc any) error {
	b, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("document %d: %w", w.n, err)
	}
	w.n++
	_, err = w.bw.Write(b)
	return err
}

// Count is the number of documents written.
func (w *Writer) Count() int { return w.n }

// Close flushes and closes the collection.
func (w *Writer) Close() error {
	if err := w.bw.Flush(); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}
