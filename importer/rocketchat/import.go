package rocketchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"liftoff/files"
	"liftoff/importer/mongodump"
	"liftoff/model"
	"liftoff/store"
)

// Options configure an import.
type Options struct {
	Store store.Store
	// InsertMessages adds a batch of messages in a transaction: the store's
	// bulk path (sqlite.InsertMessages). Nil calls tx.InsertMessage for each.
	InsertMessages func(ctx context.Context, tx store.Tx, msgs []*model.Message) error
	// Batch is the number of documents written per transaction (default 1000).
	Batch int
	// Files gives the file store uploads are copied into; nil leaves
	// uploads out (noted in the summary).
	Files func(ctx context.Context) (files.Store, files.Config, error)
	// FilesDir holds the uploads of Rocket.Chat's FileSystem storage, each
	// file named by its upload id, and its custom emoji, named
	// <name>.<extension> (GridFS files are in the dump).
	FilesDir string
	// Progress, when set, is called as documents are read: the collection,
	// the documents read so far and the fraction of its file read (first
	// with 0 and 0 when the collection starts, last with 1 when it ends).
	Progress func(collection string, docs int, fraction float64)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Failure is a document that was not imported, and why.
type Failure struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// maxFailures is how many failures of one collection the summary lists;
// the count covers them all.
const maxFailures = 20

// Collection is what happened to one collection.
type Collection struct {
	Name     string        `json:"name"`
	Read     int           `json:"read"`     // documents read
	Imported int           `json:"imported"` // written
	Existing int           `json:"existing"` // skipped: the id (or the same record) is already there
	Skipped  int           `json:"skipped"`  // left out on purpose (see Notes)
	Failed   int           `json:"failed"`   // bad or conflicting documents
	Failures []Failure     `json:"failures,omitempty"`
	Notes    []string      `json:"notes,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Rate is the documents read per second.
func (c *Collection) Rate() float64 {
	if c.Duration <= 0 {
		return 0
	}
	return float64(c.Read) / c.Duration.Seconds()
}

func (c *Collection) fail(id, reason string) {
	c.Failed++
	if len(c.Failures) < maxFailures {
		c.Failures = append(c.Failures, Failure{ID: id, Reason: reason})
	}
}

// Summary is the outcome of an import.
type Summary struct {
	Collections []*Collection `json:"collections"`
	// NotImported lists the dump's collections this importer does not read,
	// with the reason.
	NotImported []string `json:"notImported,omitempty"`
	// Problems are what the final consistency check found.
	Problems []string      `json:"problems,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Collection returns the summary of the named collection, or nil.
func (s *Summary) Collection(name string) *Collection {
	for _, c := range s.Collections {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Failed is the number of documents that failed, in every collection.
func (s *Summary) Failed() int {
	n := 0
	for _, c := range s.Collections {
		n += c.Failed
	}
	return n
}

// importer is the state of one run.
type importer struct {
	Options
	dump    *mongodump.Dump
	summary *Summary
	// What the run learnt and the rebuild needs, kept small: ids only.
	rooms   map[string]string   // id → type, of every room in the store the import may write to
	stored  map[string]struct{} // ids of users known to be in the store
	threads map[string]*threadStat
	subs    []string // ids of the dump's subscriptions, for the unread rebuild
	// userIDs and roomIDs map the dump's ids of users and rooms that
	// matched existing ones (a merge) to the existing ids.
	userIDs, roomIDs map[string]string
	matchedUsers     map[string]struct{}
	matchedRooms     int
	// loginExpiration is Accounts_LoginExpiration: login tokens older than
	// that are not imported, the others expire when they would have.
	loginExpiration time.Duration
}

// Import reads the dump and writes its workspace into opts.Store. It
// returns an error only for what stops the whole import (an unreadable
// dump, a failing database); bad documents are counted in the summary.
func Import(ctx context.Context, dump *mongodump.Dump, opts Options) (*Summary, error) {
	if opts.Batch <= 0 {
		opts.Batch = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	im := &importer{Options: opts, dump: dump, summary: &Summary{},
		rooms: map[string]string{}, stored: map[string]struct{}{}, threads: map[string]*threadStat{},
		userIDs: map[string]string{}, roomIDs: map[string]string{}, matchedUsers: map[string]struct{}{}}
	began := time.Now()
	if err := im.notImported(); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		run  func(ctx context.Context, c *Collection) error
	}{
		{"rocketchat_roles", im.importRoles},
		{"rocketchat_permissions", im.importPermissions},
		{"rocketchat_settings", im.importSettings},
		{"users", im.importUsers},
		{"rocketchat_room", im.importRooms},
		{"rocketchat_team", im.importTeams},
		{"rocketchat_team_member", im.importTeamMembers},
		{"rocketchat_subscription", im.importSubscriptions},
		{"rocketchat_message", im.importMessages},
		{"rocketchat_uploads", im.importUploads},
		{"rocketchat_avatars", im.importAvatars},
		{"rocketchat_custom_emoji", im.importEmoji},
	}
	for _, st := range steps {
		if !dump.Has(st.name) {
			continue
		}
		c := &Collection{Name: st.name}
		im.summary.Collections = append(im.summary.Collections, c)
		t0 := time.Now()
		err := st.run(ctx, c)
		c.Duration = time.Since(t0)
		if err != nil {
			return im.summary, fmt.Errorf("%s: %w", st.name, err)
		}
	}
	if err := im.rebuild(ctx); err != nil {
		return im.summary, fmt.Errorf("rebuild counters: %w", err)
	}
	if err := im.check(ctx); err != nil {
		return im.summary, fmt.Errorf("consistency check: %w", err)
	}
	im.summary.Duration = time.Since(began)
	return im.summary, nil
}

// doc is one document read from the dump, as JSON.
type doc struct {
	id   string
	json []byte
}

// each streams a collection in batches of converted documents. Documents
// that cannot be read or converted are counted as failures in c.
func (im *importer) each(ctx context.Context, c *Collection, fn func(batch []doc) error) error {
	cur, err := im.dump.Open(c.Name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer cur.Close()
	if im.Progress != nil {
		im.Progress(c.Name, 0, 0)
	}
	batch := make([]doc, 0, im.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := fn(batch); err != nil {
			return err
		}
		batch = batch[:0]
		if im.Progress != nil {
			im.Progress(c.Name, c.Read, cur.Progress())
		}
		return ctx.Err()
	}
	for {
		raw, err := cur.Next()
		if err == io.EOF {
			break
		}
		var bad *mongodump.InvalidDocumentError
		if errors.As(err, &bad) {
			c.Read++
			c.fail(bad.ID, bad.Err.Error())
			continue
		}
		if err != nil {
			// The rest of the file cannot be read: what was read is
			// imported, the file is reported.
			if ferr := flush(); ferr != nil {
				return ferr
			}
			c.fail("", err.Error())
			break
		}
		c.Read++
		id := docID(raw)
		js, err := mongodump.AppendJSON(nil, raw)
		if err != nil {
			c.fail(id, err.Error())
			continue
		}
		batch = append(batch, doc{id: id, json: js})
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if im.Progress != nil {
		im.Progress(c.Name, c.Read, 1)
	}
	return nil
}

// docID is the document's _id as text (a string, or an ObjectId's hex).
func docID(raw []byte) (id string) {
	defer func() {
		if recover() != nil {
			id = "" // a malformed document: AppendJSON reports it
		}
	}()
	v, err := bson.Raw(raw).LookupErr("_id")
	if err != nil {
		return ""
	}
	if s, ok := v.StringValueOK(); ok {
		return s
	}
	if oid, ok := v.ObjectIDOK(); ok {
		return oid.Hex()
	}
	return ""
}

// decode unmarshals a converted document, counting a failure when it does
// not fit.
func decode[T any](c *Collection, d doc) (*T, bool) {
	v := new(T)
	if err := json.Unmarshal(d.json, v); err != nil {
		c.fail(d.id, "unexpected document shape: "+err.Error())
		return nil, false
	}
	return v, true
}

// outcome is what writing one record did.
type outcome int

const (
	imported outcome = iota
	existing
	skipped
	failed
)

// result is the outcome of one record in a batch.
type result struct {
	id      string
	outcome outcome
	reason  string // for failed
}

// writeBatch writes records in one transaction with write, which returns
// each record's outcome (an error aborts the transaction). When the
// transaction fails, the records are written one per transaction, so that
// one bad record fails alone; the outcomes are counted in c only once
// committed.
func writeBatch[T any](ctx context.Context, im *importer, c *Collection, ids []string, recs []T,
	write func(ctx context.Context, tx store.Tx, rec T) (outcome, string, error)) error {
	var results []result
	run := func(ids []string, recs []T) error {
		return im.Store.Update(ctx, func(tx store.Tx) error {
			results = results[:0]
			for i, r := range recs {
				o, reason, err := write(ctx, tx, r)
				if err != nil {
					return fmt.Errorf("%s: %w", ids[i], err)
				}
				results = append(results, result{id: ids[i], outcome: o, reason: reason})
			}
			return nil
		})
	}
	count := func() {
		for _, r := range results {
			c.count(r)
		}
	}
	err := run(ids, recs)
	if err == nil {
		count()
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for i := range recs {
		if err := run(ids[i:i+1], recs[i:i+1]); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.fail(ids[i], err.Error())
			continue
		}
		count()
	}
	return nil
}

func (c *Collection) count(r result) {
	switch r.outcome {
	case imported:
		c.Imported++
	case existing:
		c.Existing++
	case skipped:
		c.Skipped++
	case failed:
		c.fail(r.id, r.reason)
	}
}

// note adds a note to the collection's summary once.
func (c *Collection) note(s string) {
	for _, n := range c.Notes {
		if n == s {
			return
		}
	}
	c.Notes = append(c.Notes, s)
}

func (im *importer) now() model.Time { return model.TimeOf(im.Now()) }

// uid is the id a user of the dump has in the store.
func (im *importer) uid(id string) string {
	if to, ok := im.userIDs[id]; ok {
		return to
	}
	return id
}

// rid is the id a room of the dump has in the store.
func (im *importer) rid(id string) string {
	if to, ok := im.roomIDs[id]; ok {
		return to
	}
	return id
}

// mapRef points a user reference at the user's id in the store.
func (im *importer) mapRef(r *model.UserRef) {
	if r != nil {
		r.ID = im.uid(r.ID)
	}
}
