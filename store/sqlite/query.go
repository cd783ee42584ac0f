package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"liftoff/model"
	"liftoff/store"
)

// querier runs SQL for the reads and writes: the read pool, or the writer
// connection inside a transaction.
type querier interface {
	exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// maxCachedStmts bounds each prepared-statement cache. Queries are built
// from fixed fragments (lists are passed as one JSON parameter), so the
// number of distinct texts is small; the bound only guards against surprises.
const maxCachedStmts = 512

// poolQuerier runs queries on the read pool with cached prepared statements
// (database/sql prepares each one lazily on every connection).
type poolQuerier struct {
	db    *sql.DB
	stmts sync.Map // query text -> *sql.Stmt
	n     atomic.Int32
	mu    sync.Mutex // serializes preparing
}

func newPoolQuerier(db *sql.DB) *poolQuerier { return &poolQuerier{db: db} }

func (p *poolQuerier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	if p.n.Load() >= maxCachedStmts {
		return nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts.Store(query, s)
	p.n.Add(1)
	return s, nil
}

func (p *poolQuerier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.ExecContext(ctx, query, args...)
}

func (p *poolQuerier) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return p.db.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (p *poolQuerier) close() {
	p.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}

// connQuerier runs statements on the writer connection with cached prepared
// statements. Only the writer goroutine uses it.
type connQuerier struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func newConnQuerier(conn *sql.Conn) *connQuerier {
	return &connQuerier{conn: conn, stmts: make(map[string]*sql.Stmt)}
}

func (c *connQuerier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	s, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

func (c *connQuerier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (c *connQuerier) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (c *connQuerier) close() {
	for _, s := range c.stmts {
		s.Close()
	}
	clear(c.stmts)
}

// mapErr translates SQLite errors into the store's: uniqueness violations
// become store.ErrConflict (the SQLite message, naming the index, is kept).
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%s: %w (%s)", op, store.ErrConflict, se.Error())
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// notFound wraps store.ErrNotFound with what was looked for.
func notFound(what, id string) error {
	return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
}

// millis stores a Time as milliseconds, 0 when unset.
func millis(t model.Time) int64 { return t.Millis() }

// timeOf reads a millisecond column back.
func timeOf(ms int64) model.Time {
	if ms == 0 {
		return model.Time{}
	}
	return model.TimeFromMillis(ms)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// jsonList encodes a list parameter for json_each (never "null").
func jsonList(xs []string) string {
	if len(xs) == 0 {
		return "[]"
	}
	b, err := json.Marshal(xs)
	if err != nil { // cannot happen for strings
		return "[]"
	}
	return string(b)
}

// stringList decodes a JSON array column; empty arrays give nil, so records
// read back equal what was written (the model's list fields are omitempty).
func stringList(s string) ([]string, error) {
	if s == "" || s == "[]" || s == "null" {
		return nil, nil
	}
	var xs []string
	if err := json.Unmarshal([]byte(s), &xs); err != nil {
		return nil, fmt.Errorf("decode list %q: %w", s, err)
	}
	if len(xs) == 0 {
		return nil, nil
	}
	return xs, nil
}

func fold(s string) string { return strings.ToLower(s) }

// foldLines joins the lower-cased values one a line, for substring search:
// a needle without a newline cannot match across two values.
func foldLines(vals ...string) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.ToLower(v))
	}
	return b.String()
}

// likePattern makes a LIKE pattern matching s anywhere, escaping wildcards
// (use with ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// where accumulates the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// sortSpec maps the sort fields a query accepts (Rocket.Chat's names) to
// columns. Only whitelisted columns ever reach the SQL text.
type sortSpec struct {
	columns map[string]string
	def     []store.SortKey // used when the page has no sort
	// tiebreak is the insertion order (rowid or an insertion sequence),
	// appended to every sort: records with equal keys come in the order
	// they were inserted (reversed when the first key is descending), as
	// the store contract requires.
	tiebreak string
}

// orderLimit renders ORDER BY, LIMIT and OFFSET for p.
func (s sortSpec) orderLimit(p store.Page) (string, error) {
	if p.Offset < 0 || p.Count < 0 {
		return "", fmt.Errorf("invalid page: offset %d, count %d", p.Offset, p.Count)
	}
	keys := p.Sort
	if len(keys) == 0 {
		keys = s.def
	}
	var b strings.Builder
	b.WriteString(" ORDER BY ")
	for i, k := range keys {
		col, ok := s.columns[k.Field]
		if !ok {
			return "", fmt.Errorf("unsupported sort field %q", k.Field)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col)
		if k.Desc {
			b.WriteString(" DESC")
		}
	}
	if s.tiebreak != "" {
		b.WriteString(", ")
		b.WriteString(s.tiebreak)
		if len(keys) > 0 && keys[0].Desc {
			b.WriteString(" DESC")
		}
	}
	if p.Count > 0 {
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.Itoa(p.Count))
	} else if p.Offset > 0 {
		b.WriteString(" LIMIT -1")
	}
	if p.Offset > 0 {
		b.WriteString(" OFFSET ")
		b.WriteString(strconv.Itoa(p.Offset))
	}
	return b.String(), nil
}

// pageTotal returns the total number of matches of a paged query that
// returned n rows, counting with countSQL only when the page does not tell.
func pageTotal(ctx context.Context, q querier, p store.Page, n int, countSQL string, args []any) (int, error) {
	if p.NoTotal || p.Count == 0 || (n < p.Count && (n > 0 || p.Offset == 0)) {
		return p.Offset + n, nil
	}
	rows, err := q.query(ctx, countSQL, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	total := 0
	if rows.Next() {
		if err := rows.Scan(&total); err != nil {
			return 0, err
		}
	}
	return total, rows.Err()
}

// scanner is *sql.Rows (and *sql.Row).
type scanner interface{ Scan(dest ...any) error }

// collect runs query and decodes every row with scan.
func collect[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// one runs query and decodes its first row; ok is false when there is none.
func one[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) (v T, ok bool, err error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return v, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return v, false, rows.Err()
	}
	v, err = scan(rows)
	if err != nil {
		return v, false, err
	}
	return v, true, rows.Close()
}

// scanJSON returns a scan function decoding a single data column into a new T.
func scanJSON[T any](s scanner) (*T, error) {
	var data []byte
	if err := s.Scan(&data); err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return v, nil
}

// scanString reads a single text column.
func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// orderByIDs returns the records in the order of ids (duplicates and
// missing ones dropped), since IN lists come back in index order.
func orderByIDs[T any](recs []T, id func(T) string, ids []string) []T {
	byID := make(map[string]T, len(recs))
	for _, r := range recs {
		byID[id(r)] = r
	}
	out := make([]T, 0, len(recs))
	for _, i := range ids {
		if r, ok := byID[i]; ok {
			out = append(out, r)
			delete(byID, i)
		}
	}
	return out
}

// pageBySeq is pageOf for a page at an offset of a table keyed by seq: the
// inner query finds the page's seqs, skipping the offset's rows inside an
// index when one covers the conditions and the order, and the table is
// read for the page's own rows only (with a plain OFFSET, SQLite reads the
// table row of every skipped match whose conditions the index lacks).
func pageBySeq[T any](ctx context.Context, q querier, op string, scan func(scanner) (T, error), cols, table string, w *where, s sortSpec, p store.Page) ([]T, int, error) {
	order, err := s.orderLimit(p)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	orderOnly, _, _ := strings.Cut(order, " LIMIT ")
	cond := w.String()
	recs, err := collect(ctx, q, scan, "SELECT "+cols+" FROM "+table+" WHERE seq IN (SELECT seq FROM "+table+cond+order+")"+orderOnly, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	total, err := pageTotal(ctx, q, p, len(recs), "SELECT count(*) FROM "+table+cond, w.args)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s: count: %w", op, err)
	}
	return recs, total, nil
}
