package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"liftoff/model"
	"liftoff/store"
)

// querier runs SQL for the reads and writes: the read pool, or the writer
// connection inside a transaction. pgx prepares every statement text once
// per connection and caches it (QueryExecModeCacheStatement), so the
// queries below, built from fixed fragments, run as prepared statements.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

var (
	_ querier = (*pgxpool.Pool)(nil)
	_ querier = (*pgx.Conn)(nil)
)

// SQLSTATE codes the store handles.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// mapErr translates PostgreSQL errors into the store's: uniqueness
// violations become store.ErrConflict (the constraint's name is kept).
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeUniqueViolation {
		return fmt.Errorf("%s: %w (%s)", op, store.ErrConflict, pe.ConstraintName)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// notFound wraps store.ErrNotFound with what was looked for.
func notFound(what, id string) error {
	return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
}

// conflict wraps store.ErrConflict with what clashed.
func conflict(op, what string) error {
	return fmt.Errorf("postgres: %s: %w (%s)", op, store.ErrConflict, what)
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

// text makes a Go string storable in a text column: PostgreSQL refuses
// NUL characters and invalid UTF-8, which Go strings (and SQLite) allow.
// Only derived columns and parameters go through it; the JSON document
// keeps the value exactly (encoding/json escapes NUL, and replaces invalid
// UTF-8 as every reader of the document sees it).
func text(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// texts applies text to every element, and never returns nil (the list
// columns are NOT NULL).
func texts(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = text(x)
	}
	return out
}

// listOf reads a list column back; empty lists give nil, so records read
// back equal what was written (the model's list fields are omitempty).
func listOf(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

func fold(s string) string { return text(strings.ToLower(s)) }

func folds(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fold(x)
	}
	return out
}

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
	return text(b.String())
}

// likePattern makes a LIKE pattern matching s anywhere, escaping wildcards
// (backslash is LIKE's default escape character).
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text(s)) + "%"
}

// where accumulates the conditions and arguments of a query; arg numbers
// the parameters ($1, $2...).
type where struct {
	conds []string
	args  []any
}

// arg adds a parameter and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

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
	// tiebreak is the insertion order (a seq identity column), appended to
	// every sort: records with equal keys come in the order they were
	// inserted (reversed when the first key is descending).
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
	}
	if p.Offset > 0 {
		b.WriteString(" OFFSET ")
		b.WriteString(strconv.Itoa(p.Offset))
	}
	return b.String(), nil
}

// pageOf runs a paged SELECT of cols FROM from, with its total.
func pageOf[T any](ctx context.Context, q querier, op string, scan func(pgx.Rows) (T, error), cols, from string, w *where, s sortSpec, p store.Page) ([]T, int, error) {
	order, err := s.orderLimit(p)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	cond := w.String()
	recs, err := collect(ctx, q, scan, "SELECT "+cols+" FROM "+from+cond+order, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	n := len(recs)
	if p.NoTotal || p.Count == 0 || (n < p.Count && (n > 0 || p.Offset == 0)) {
		return recs, p.Offset + n, nil
	}
	total, _, err := one(ctx, q, scanInt, "SELECT count(*) FROM "+from+cond, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %s: count: %w", op, err)
	}
	return recs, int(total), nil
}

// collect runs query and decodes every row with scan.
func collect[T any](ctx context.Context, q querier, scan func(pgx.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
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
func one[T any](ctx context.Context, q querier, scan func(pgx.Rows) (T, error), query string, args ...any) (v T, ok bool, err error) {
	rows, err := q.Query(ctx, query, args...)
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
	rows.Close()
	return v, true, rows.Err()
}

// scanJSON decodes a single data column into a new T.
func scanJSON[T any](r pgx.Rows) (*T, error) {
	var data []byte
	if err := r.Scan(&data); err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return v, nil
}

func scanString(r pgx.Rows) (string, error) {
	var v string
	err := r.Scan(&v)
	return v, err
}

func scanInt(r pgx.Rows) (int64, error) {
	var v int64
	err := r.Scan(&v)
	return v, err
}

// orderByIDs returns the records in the order of ids (duplicates and
// missing ones dropped), since = ANY lists come back in index order.
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
// inner query finds the page's seqs, skipping the offset's rows in an
// index-only scan when an index covers the conditions and the order, and
// the table is read for the page's own rows only.
func pageBySeq[T any](ctx context.Context, q querier, op string, scan func(pgx.Rows) (T, error), cols, table string, w *where, s sortSpec, p store.Page) ([]T, int, error) {
	order, err := s.orderLimit(p)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	orderOnly, _, _ := strings.Cut(order, " LIMIT ")
	orderOnly, _, _ = strings.Cut(orderOnly, " OFFSET ")
	cond := w.String()
	recs, err := collect(ctx, q, scan, "SELECT "+cols+" FROM "+table+" WHERE seq IN (SELECT seq FROM "+table+cond+order+")"+orderOnly, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	n := len(recs)
	if p.NoTotal || p.Count == 0 || (n < p.Count && (n > 0 || p.Offset == 0)) {
		return recs, p.Offset + n, nil
	}
	total, _, err := one(ctx, q, scanInt, "SELECT count(*) FROM "+table+cond, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %s: count: %w", op, err)
	}
	return recs, int(total), nil
}
