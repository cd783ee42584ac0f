package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"liftoff/model"
	"liftoff/store"
)

// errTxDone is returned by the methods of a Tx used after its function returned.
var errTxDone = errors.New("postgres: transaction already finished")

// tx is the store.Tx given to an Update function. It runs on the writer
// goroutine and is not safe for concurrent use.
//
// Write transactions never run side by side (see the package
// documentation), so a method can check a uniqueness rule with a read and
// then write without a race. The write methods are built so that an
// expected failure (a duplicate, a missing record) never breaks the
// PostgreSQL transaction: a function may handle store.ErrConflict and go
// on. Single statements use ON CONFLICT DO NOTHING or a NOT EXISTS guard;
// methods of several statements run inside a savepoint of their own.
type tx struct {
	reader
	conn     *pgx.Conn
	bctx     context.Context // the batch's: statements run under it
	ctx      context.Context // the Update caller's
	events   []model.Event
	finished bool
}

var _ store.Tx = (*tx)(nil)

// check reports why the transaction may not run a statement now.
func (t *tx) check(ctx context.Context) error {
	if t.finished {
		return errTxDone
	}
	if err := t.ctx.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

// Exec and Query make tx the querier of its own reads and writes. The
// statements run under the batch's context, not the caller's: canceling a
// statement half-way would break the transaction of the whole batch.
// Instead every statement is refused once the caller's context is done.
func (t *tx) Exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	if err := t.check(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.conn.Exec(t.bctx, query, args...)
}

func (t *tx) Query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	return t.conn.Query(t.bctx, query, args...)
}

// Emit records e for publication after commit. Events emitted after the
// function returned are dropped.
func (t *tx) Emit(e model.Event) {
	if t.finished || e == nil {
		return
	}
	t.events = append(t.events, e)
}

// atomically runs fn inside a savepoint: if fn fails, whatever it wrote is
// undone and the transaction goes on.
func (t *tx) atomically(ctx context.Context, fn func() error) error {
	if _, err := t.Exec(ctx, "SAVEPOINT liftoff_method"); err != nil {
		return fmt.Errorf("postgres: savepoint: %w", err)
	}
	if err := fn(); err != nil {
		// Not t.Exec: the caller's context may be what failed fn.
		if _, rerr := t.conn.Exec(t.bctx, "ROLLBACK TO SAVEPOINT liftoff_method"); rerr != nil {
			return errors.Join(err, fmt.Errorf("postgres: rollback to savepoint: %w", rerr))
		}
		if _, rerr := t.conn.Exec(t.bctx, "RELEASE SAVEPOINT liftoff_method"); rerr != nil {
			return errors.Join(err, fmt.Errorf("postgres: release savepoint: %w", rerr))
		}
		return err
	}
	if _, err := t.Exec(ctx, "RELEASE SAVEPOINT liftoff_method"); err != nil {
		return fmt.Errorf("postgres: release savepoint: %w", err)
	}
	return nil
}

// execOne runs a statement that must change a row; ErrNotFound otherwise.
func (t *tx) execOne(ctx context.Context, op, what, id, query string, args ...any) error {
	tag, err := t.Exec(ctx, query, args...)
	if err != nil {
		return mapErr("postgres: "+op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(what, id)
	}
	return nil
}

// execNew runs an INSERT ... ON CONFLICT DO NOTHING that must add a row;
// ErrConflict otherwise.
func (t *tx) execNew(ctx context.Context, op, what, query string, args ...any) error {
	tag, err := t.Exec(ctx, query, args...)
	if err != nil {
		return mapErr("postgres: "+op, err)
	}
	if tag.RowsAffected() == 0 {
		return conflict(op, what)
	}
	return nil
}

func (t *tx) execMany(ctx context.Context, op, query string, args ...any) error {
	if _, err := t.Exec(ctx, query, args...); err != nil {
		return mapErr("postgres: "+op, err)
	}
	return nil
}

// exists runs a SELECT EXISTS(...) query.
func (t *tx) exists(ctx context.Context, query string, args ...any) (bool, error) {
	rows, err := t.Query(ctx, "SELECT EXISTS ("+query+")", args...)
	if err != nil {
		return false, err
	}
	found, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[bool])
	return found, err
}

func encode(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("postgres: encode %s: %w", what, err)
	}
	return string(b), nil
}

// ---- users ----

// userArgs returns the column values of u: id, username, username_fold,
// name, name_fold, type, active, status, roles, created_at, updated_at,
// search, data.
func userArgs(u *model.User) ([]any, error) {
	data, err := encode("user", u)
	if err != nil {
		return nil, err
	}
	var usernameFold any // NULL when there is no username: no uniqueness
	if u.Username != "" {
		usernameFold = fold(u.Username)
	}
	search := make([]string, 0, 2+len(u.Emails))
	search = append(search, u.Username, u.Name)
	for _, e := range u.Emails {
		search = append(search, e.Address)
	}
	return []any{text(u.ID), text(u.Username), usernameFold, text(u.Name), fold(u.Name), text(u.Type), u.Active, text(u.Status),
		texts(u.Roles), millis(u.CreatedAt), millis(u.UpdatedAt), foldLines(search...), data}, nil
}

// emailsOf returns the user's distinct lower-cased addresses.
func emailsOf(u *model.User) []string {
	out := make([]string, 0, len(u.Emails))
	for _, e := range u.Emails {
		if a := fold(e.Address); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// InsertUser adds u; ErrConflict on a duplicate id, username or e-mail.
func (t *tx) InsertUser(ctx context.Context, u *model.User) error {
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	emails := emailsOf(u)
	return t.atomically(ctx, func() error {
		if err := t.execNew(ctx, "insert user", "id or username", `INSERT INTO users
			(id, username, username_fold, name, name_fold, type, active, status, roles, created_at, updated_at, search, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`, args...); err != nil {
			return err
		}
		return t.putEmails(ctx, u.ID, emails)
	})
}

// putEmails adds the user's addresses; ErrConflict when one is taken.
func (t *tx) putEmails(ctx context.Context, userID string, emails []string) error {
	if len(emails) == 0 {
		return nil
	}
	tag, err := t.Exec(ctx, `INSERT INTO user_emails (address, user_id) SELECT a, $2 FROM unnest($1::text[]) AS a
		ON CONFLICT DO NOTHING`, emails, text(userID))
	if err != nil {
		return mapErr("postgres: user e-mails", err)
	}
	if int(tag.RowsAffected()) != len(emails) {
		return conflict("user e-mails", "e-mail address")
	}
	return nil
}

// UpdateUser replaces the user u.ID with u.
func (t *tx) UpdateUser(ctx context.Context, u *model.User) error {
	t.Emit(model.AuthChanged{UserID: u.ID}) // see auth.Sessions
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	emails := emailsOf(u)
	return t.atomically(ctx, func() error {
		if u.Username != "" {
			taken, err := t.exists(ctx, "SELECT 1 FROM users WHERE username_fold = $1 AND id <> $2", fold(u.Username), text(u.ID))
			if err != nil {
				return fmt.Errorf("postgres: update user: %w", err)
			}
			if taken {
				return conflict("update user", "username")
			}
		}
		if err := t.execOne(ctx, "update user", "user", u.ID, `UPDATE users SET
			username = $2, username_fold = $3, name = $4, name_fold = $5, type = $6, active = $7, status = $8, roles = $9,
			created_at = $10, updated_at = $11, search = $12, data = $13 WHERE id = $1`, args...); err != nil {
			return err
		}
		if err := t.execMany(ctx, "update user e-mails", "DELETE FROM user_emails WHERE user_id = $1", text(u.ID)); err != nil {
			return err
		}
		return t.putEmails(ctx, u.ID, emails)
	})
}

// DeleteUser removes the user, their secrets and their subscriptions
// (leaving tombstones for the subscriptions).
func (t *tx) DeleteUser(ctx context.Context, id string) error {
	t.Emit(model.AuthChanged{UserID: id}) // see auth.Sessions
	id = text(id)
	if err := t.execOne(ctx, "delete user", "user", id, "DELETE FROM users WHERE id = $1", id); err != nil {
		return err
	}
	for _, q := range []string{
		"DELETE FROM user_emails WHERE user_id = $1",
		"DELETE FROM passwords WHERE user_id = $1",
		"DELETE FROM tokens WHERE user_id = $1",
		"DELETE FROM user_services WHERE user_id = $1",
		"DELETE FROM user_e2e_keys WHERE user_id = $1",
		"DELETE FROM team_members WHERE user_id = $1",
	} {
		if err := t.execMany(ctx, "delete user", q, id); err != nil {
			return err
		}
	}
	if err := t.execMany(ctx, "delete user: tombstones", `INSERT INTO tombstones (kind, id, rid, uid, deleted_at)
		SELECT 'subscription', id, rid, u_id, $2 FROM subscriptions WHERE u_id = $1
		ON CONFLICT (kind, id) DO UPDATE SET rid = excluded.rid, uid = excluded.uid, deleted_at = excluded.deleted_at,
			tmid = '', thread = false, seq = DEFAULT`, id, millis(model.Now())); err != nil {
		return err
	}
	return t.execMany(ctx, "delete user: subscriptions", "DELETE FROM subscriptions WHERE u_id = $1", id)
}

// SetPasswordHash sets the user's password hash; "" removes it.
func (t *tx) SetPasswordHash(ctx context.Context, userID, hash string) error {
	t.Emit(model.AuthChanged{UserID: userID}) // see auth.Sessions
	if _, err := t.UserByID(ctx, userID); err != nil {
		return err
	}
	if hash == "" {
		return t.execMany(ctx, "set password", "DELETE FROM passwords WHERE user_id = $1", text(userID))
	}
	return t.execMany(ctx, "set password", `INSERT INTO passwords (user_id, hash) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash`, text(userID), text(hash))
}

// InsertToken adds a token; ErrConflict when the hash exists.
func (t *tx) InsertToken(ctx context.Context, tok *model.Token) error {
	data, err := encode("token", tok)
	if err != nil {
		return err
	}
	return t.execNew(ctx, "insert token", "token hash", `INSERT INTO tokens (hash, user_id, kind, created_at, data)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		text(tok.Hash), text(tok.UserID), text(tok.Kind), millis(tok.CreatedAt), data)
}

// UpdateToken replaces the token with the same hash.
func (t *tx) UpdateToken(ctx context.Context, tok *model.Token) error {
	t.Emit(model.AuthChanged{UserID: tok.UserID, Hashes: []string{tok.Hash}}) // see auth.Sessions
	data, err := encode("token", tok)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "update token", "token", "", "UPDATE tokens SET user_id = $1, kind = $2, created_at = $3, data = $4 WHERE hash = $5",
		text(tok.UserID), text(tok.Kind), millis(tok.CreatedAt), data, text(tok.Hash))
}

// DeleteToken removes the token with the hash.
func (t *tx) DeleteToken(ctx context.Context, hash string) error {
	t.Emit(model.AuthChanged{Hashes: []string{hash}}) // see auth.Sessions
	return t.execOne(ctx, "delete token", "token", "", "DELETE FROM tokens WHERE hash = $1", text(hash))
}

// DeleteTokensOfUser removes the user's tokens of the kind ("" for all)
// except keep.
func (t *tx) DeleteTokensOfUser(ctx context.Context, userID, kind, keep string) error {
	t.Emit(model.AuthChanged{UserID: userID}) // see auth.Sessions
	return t.execMany(ctx, "delete tokens of user",
		"DELETE FROM tokens WHERE user_id = $1 AND ($2 = '' OR kind = $2) AND hash <> $3", text(userID), text(kind), text(keep))
}

// ---- rooms ----

// roomArgs returns id, t, name, fname, search, ts, updated_at, lm, msgs,
// users_count, is_default, archived, join_code, data, prid, team_id,
// team_main, team_default.
func roomArgs(r *model.Room) ([]any, error) {
	data, err := encode("room", r)
	if err != nil {
		return nil, err
	}
	return []any{text(r.ID), text(r.Type), text(r.Name), text(r.DisplayName), foldLines(r.Name, r.DisplayName), millis(r.CreatedAt), millis(r.UpdatedAt),
		millis(r.LastMessageAt), r.MessageCount, r.UsersCount, r.Default, r.Archived, text(r.JoinCode), data, text(r.ParentRoomID),
		text(r.TeamID), r.TeamMain, r.TeamDefault}, nil
}

// InsertRoom adds r; ErrConflict on a duplicate id or channel/group name.
func (t *tx) InsertRoom(ctx context.Context, r *model.Room) error {
	args, err := roomArgs(r)
	if err != nil {
		return err
	}
	return t.execNew(ctx, "insert room", "id or name", `INSERT INTO rooms
		(id, t, name, fname, search, ts, updated_at, lm, msgs, users_count, is_default, archived, join_code, data, prid,
		team_id, team_main, team_default)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT DO NOTHING`, args...)
}

// UpdateRoom replaces the room r.ID with r. The name guard keeps a clash
// from breaking the transaction (the unique index stays the last word).
func (t *tx) UpdateRoom(ctx context.Context, r *model.Room) error {
	args, err := roomArgs(r)
	if err != nil {
		return err
	}
	tag, err := t.Exec(ctx, `UPDATE rooms SET
		t = $2, name = $3, fname = $4, search = $5, ts = $6, updated_at = $7, lm = $8, msgs = $9, users_count = $10,
		is_default = $11, archived = $12, join_code = $13, data = $14, prid = $15, team_id = $16, team_main = $17, team_default = $18
		WHERE id = $1 AND ($2 NOT IN ('c', 'p') OR $3 = '' OR NOT EXISTS (
			SELECT 1 FROM rooms AS o WHERE o.name = $3 AND o.t IN ('c', 'p') AND o.id <> $1))`, args...)
	if err != nil {
		return mapErr("postgres: update room", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := t.RoomByID(ctx, r.ID); err != nil {
		return err
	}
	return conflict("update room", "name")
}

// DeleteRoom removes the room, its subscriptions and its messages, leaving
// tombstones for the room and the subscriptions.
func (t *tx) DeleteRoom(ctx context.Context, id string) error {
	id = text(id)
	if err := t.execOne(ctx, "delete room", "room", id, "DELETE FROM rooms WHERE id = $1", id); err != nil {
		return err
	}
	now := millis(model.Now())
	if err := t.execMany(ctx, "delete room: tombstones", `INSERT INTO tombstones (kind, id, rid, uid, deleted_at)
		SELECT 'room', $1::text, $1::text, '', $2::bigint
		UNION ALL SELECT 'subscription', id, rid, u_id, $2::bigint FROM subscriptions WHERE rid = $1
		ON CONFLICT (kind, id) DO UPDATE SET rid = excluded.rid, uid = excluded.uid, deleted_at = excluded.deleted_at,
			tmid = '', thread = false, seq = DEFAULT`, id, now); err != nil {
		return err
	}
	if err := t.execMany(ctx, "delete room: subscriptions", "DELETE FROM subscriptions WHERE rid = $1", id); err != nil {
		return err
	}
	return t.execMany(ctx, "delete room: messages", "DELETE FROM messages WHERE rid = $1", id)
}

// ---- subscriptions ----

// subArgs returns the values of subCols for s, then u_search.
func subArgs(s *model.Subscription) []any {
	return []any{text(s.ID), text(s.RoomID), text(s.User.ID), text(s.User.Username), text(s.User.Name), text(s.RoomType), text(s.Name), text(s.DisplayName),
		millis(s.JoinedAt), millis(s.UpdatedAt), millis(s.LastSeen),
		s.Open, s.Alert, s.Unread, s.UserMentions, s.GroupMentions,
		s.Favorite, texts(s.Roles), s.Archived, text(s.ParentRoomID),
		texts(s.UnreadThreads), texts(s.UnreadThreadMentions), texts(s.UnreadThreadGroupMentions),
		s.DisableNotifications, s.HideUnreadStatus, text(s.UnreadAlert),
		text(s.DesktopNotifications), text(s.MobilePushNotifications), text(s.EmailNotifications), texts(s.UserHighlights),
		s.HideMentionStatus, s.MuteGroupMentions, text(s.AudioNotificationValue),
		text(s.DesktopPrefOrigin), text(s.MobilePrefOrigin), text(s.EmailPrefOrigin),
		text(s.E2EKey), text(s.E2ESuggestedKey), oldRoomKeysJSON(s.OldRoomKeys), oldRoomKeysJSON(s.SuggestedOldRoomKeys), texts(s.Ignored),
		foldLines(s.User.Username, s.User.Name)}
}

// placeholders returns "$from, $from+1, ..., $to".
func placeholders(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i))
	}
	return b.String()
}

var insertSubSQL = "INSERT INTO subscriptions (" + subCols + ", u_search) VALUES (" + placeholders(1, 42) + ") ON CONFLICT DO NOTHING"

// InsertSubscription adds s; ErrConflict on a duplicate id or (room, user).
func (t *tx) InsertSubscription(ctx context.Context, s *model.Subscription) error {
	return t.execNew(ctx, "insert subscription", "id or room and user", insertSubSQL, subArgs(s)...)
}

// UpdateSubscription replaces the subscription s.ID with s.
func (t *tx) UpdateSubscription(ctx context.Context, s *model.Subscription) error {
	tag, err := t.Exec(ctx, `UPDATE subscriptions SET
		rid = $2, u_id = $3, u_username = $4, u_name = $5, t = $6, name = $7, fname = $8, ts = $9, updated_at = $10,
		ls = $11, open = $12, alert = $13, unread = $14, user_mentions = $15, group_mentions = $16, f = $17,
		roles = $18, archived = $19, prid = $20, tunread = $21, tunread_user = $22, tunread_group = $23,
		disable_notifs = $24, hide_unread = $25, unread_alert = $26, desktop_notifs = $27, mobile_notifs = $28,
		email_notifs = $29, user_highlights = $30, hide_mention = $31, mute_group_mentions = $32, audio_notif = $33,
		desktop_origin = $34, mobile_origin = $35, email_origin = $36,
		e2e_key = $37, e2e_suggested_key = $38, e2e_old_keys = $39, e2e_suggested_old_keys = $40, ignored = $41, u_search = $42
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM subscriptions AS o WHERE o.rid = $2 AND o.u_id = $3 AND o.id <> $1)`,
		subArgs(s)...)
	if err != nil {
		return mapErr("postgres: update subscription", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := t.SubscriptionByID(ctx, s.ID); err != nil {
		return err
	}
	return conflict("update subscription", "room and user")
}

// DeleteSubscription removes the subscription, leaving a tombstone.
func (t *tx) DeleteSubscription(ctx context.Context, id string) error {
	rows, err := t.Query(ctx, `WITH gone AS (DELETE FROM subscriptions WHERE id = $1 RETURNING id, rid, u_id)
		INSERT INTO tombstones (kind, id, rid, uid, deleted_at) SELECT 'subscription', id, rid, u_id, $2 FROM gone
		ON CONFLICT (kind, id) DO UPDATE SET rid = excluded.rid, uid = excluded.uid, deleted_at = excluded.deleted_at,
			tmid = '', thread = false, seq = DEFAULT
		RETURNING id`, text(id), millis(model.Now()))
	if err != nil {
		return mapErr("postgres: delete subscription", err)
	}
	gone, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return mapErr("postgres: delete subscription", err)
	}
	if len(gone) == 0 {
		return notFound("subscription", id)
	}
	return nil
}

// subscriptionChangeSQL builds the statement applying c: a WHERE clause
// selecting the subscriptions to change and the SET list, with their
// parameters. Only the clauses c needs are present: this is the hot path of
// every message. The texts depend only on which parts of c are set, so they
// stay a handful of prepared statements; lists are array parameters.
func subscriptionChangeSQL(roomID string, c store.SubscriptionChange, all bool) (string, []any) {
	w := &where{}
	conds := []string{"rid = " + w.arg(text(roomID))}
	if len(c.Exclude) > 0 {
		conds = append(conds, "u_id <> ALL("+w.arg(texts(c.Exclude))+")")
	}
	in := func(ids []string) string { return "u_id = ANY(" + w.arg(texts(ids)) + ")" }
	// When the change only opens and alerts (the steady state of a busy
	// room, where every member is already open and alerted), rows that
	// already hold those values do not change: leaving them out keeps a
	// new message from rewriting every member's row.
	flagsOnly := all && c.IncUnread == 0 && !c.GroupMentioned && c.Archived == nil
	if !all || flagsOnly {
		var targets []string
		if flagsOnly && c.Open {
			targets = append(targets, "NOT open")
		}
		if flagsOnly && c.Alert {
			targets = append(targets, "NOT alert")
		}
		if len(c.Mentioned) > 0 {
			targets = append(targets, in(c.Mentioned))
		}
		if len(c.ThreadUsers) > 0 {
			targets = append(targets, in(c.ThreadUsers))
		}
		conds = append(conds, "("+strings.Join(targets, " OR ")+")")
	}

	var sets []string
	if c.Open {
		sets = append(sets, "open = true")
	}
	if c.Alert {
		sets = append(sets, "alert = true")
	}
	switch {
	case c.IncUnread != 0:
		sets = append(sets, "unread = unread + "+w.arg(int64(c.IncUnread)))
	case c.IncUnreadOnMention && c.GroupMentioned:
		sets = append(sets, "unread = unread + 1")
	case c.IncUnreadOnMention && len(c.Mentioned) > 0:
		sets = append(sets, "unread = unread + ("+in(c.Mentioned)+")::int")
	}
	if len(c.Mentioned) > 0 {
		sets = append(sets, "user_mentions = user_mentions + ("+in(c.Mentioned)+")::int")
	}
	if c.GroupMentioned {
		sets = append(sets, "group_mentions = group_mentions + 1")
	}
	if c.ThreadID != "" && (len(c.Mentioned) > 0 || len(c.ThreadUsers) > 0) {
		tid := w.arg(text(c.ThreadID))
		// addThread appends the thread id to a list column unless present.
		addThread := func(col, cond string) string {
			return col + " = CASE WHEN " + cond + " AND NOT (" + tid + " = ANY(" + col + ")) THEN array_append(" + col + ", " +
				tid + "::text) ELSE " + col + " END"
		}
		followers := in(append(slices.Clone(c.ThreadUsers), c.Mentioned...))
		sets = append(sets, addThread("tunread", followers))
		if len(c.Mentioned) > 0 {
			sets = append(sets, addThread("tunread_user", in(c.Mentioned)))
		}
		if c.GroupMentioned {
			sets = append(sets, addThread("tunread_group", followers))
		}
	}
	if c.Archived != nil {
		sets = append(sets, "archived = "+w.arg(*c.Archived))
	}
	sets = append(sets, "updated_at = "+w.arg(millis(c.At)))
	return `WITH changed AS (UPDATE subscriptions SET ` + strings.Join(sets, ", ") +
		` WHERE ` + strings.Join(conds, " AND ") + ` RETURNING u_id)
		SELECT coalesce(array_agg(u_id), '{}') FROM changed`, w.args
}

// UpdateSubscriptionsOfRoom applies c to the room's subscriptions in one
// statement and returns the ids of the users whose subscription changed.
//
// Reading of the contract (as in the SQLite store): when c opens, alerts,
// adds unread, group-mentions or (un)archives, every member not excluded is
// changed; otherwise only the Mentioned and ThreadUsers members are. A
// member both mentioned and group-mentioned gets unread+1 once
// (IncUnreadOnMention). With a ThreadID, the thread goes into tunread of
// ThreadUsers and Mentioned, into tunreadUser of Mentioned and, on a group
// mention, into tunreadGroup of ThreadUsers and Mentioned. Every changed
// subscription gets _updatedAt = c.At.
func (t *tx) UpdateSubscriptionsOfRoom(ctx context.Context, roomID string, c store.SubscriptionChange) ([]string, error) {
	all := c.Open || c.Alert || c.IncUnread != 0 || c.GroupMentioned || c.Archived != nil
	if !all && len(c.Mentioned) == 0 && len(c.ThreadUsers) == 0 {
		return nil, nil
	}
	query, args := subscriptionChangeSQL(roomID, c, all)
	ids, _, err := one(ctx, t, func(r pgx.Rows) ([]string, error) {
		var ids []string
		err := r.Scan(&ids)
		return ids, err
	}, query, args...)
	if err != nil {
		return nil, mapErr("postgres: update subscriptions of room", err)
	}
	return listOf(ids), nil
}

// RenameSubscriptions sets name and fname of every subscription of the room.
func (t *tx) RenameSubscriptions(ctx context.Context, roomID, name, fname string, at model.Time) error {
	return t.execMany(ctx, "rename subscriptions",
		"UPDATE subscriptions SET name = $1, fname = $2, updated_at = $3 WHERE rid = $4", text(name), text(fname), millis(at), text(roomID))
}

// RenameUserInSubscriptions updates the user's name in their subscriptions
// and, in the direct-message rooms they belong to, the name and fname of
// the other members' subscriptions that were named after oldUsername.
func (t *tx) RenameUserInSubscriptions(ctx context.Context, userID, oldUsername, username, name string, at model.Time) error {
	if err := t.execMany(ctx, "rename user in subscriptions",
		"UPDATE subscriptions SET u_username = $1, u_name = $2, u_search = $3, updated_at = $4 WHERE u_id = $5",
		text(username), text(name), foldLines(username, name), millis(at), text(userID)); err != nil {
		return err
	}
	return t.execMany(ctx, "rename user in direct subscriptions", `UPDATE subscriptions SET name = $1, fname = $2, updated_at = $3
		WHERE t = 'd' AND name = $4 AND u_id <> $5
		AND rid IN (SELECT rid FROM subscriptions WHERE u_id = $5 AND t = 'd')`,
		text(username), text(name), millis(at), text(oldUsername), text(userID))
}

// ---- messages ----

// messageArgs returns id, rid, ts, updated_at, t, tmid, tshow, u_id, tcount,
// tlm, pinned, hidden, drid, msg, mention_ids, starred_ids, follower_ids, data, unread.
func messageArgs(m *model.Message) ([]any, error) {
	data, err := encode("message", m)
	if err != nil {
		return nil, err
	}
	var tmid any // NULL when not a reply: keeps the replies' partial index small
	if m.ThreadID != "" {
		tmid = text(m.ThreadID)
	}
	var drid any // NULL when the message starts no discussion
	if m.DiscussionID != "" {
		drid = text(m.DiscussionID)
	}
	mentions := make([]string, 0, len(m.Mentions))
	for _, x := range m.Mentions {
		mentions = append(mentions, text(x.ID))
	}
	starred := make([]string, 0, len(m.Starred))
	for _, x := range m.Starred {
		starred = append(starred, text(x.ID))
	}
	return []any{text(m.ID), text(m.RoomID), millis(m.SentAt), millis(m.UpdatedAt), text(m.Type), tmid, m.ShowInRoom, text(m.Author.ID),
		m.ThreadCount, millis(m.ThreadLastMessageAt), m.Pinned, m.Hidden, drid, text(m.Msg), mentions, starred, texts(m.Replies), data, m.Unread}, nil
}

const messageCols = "id, rid, ts, updated_at, t, tmid, tshow, u_id, tcount, tlm, pinned, hidden, drid, msg, mention_ids, starred_ids, follower_ids, data, unread"

var insertMessageSQL = "INSERT INTO messages (" + messageCols + ") VALUES (" + placeholders(1, 19) + ") ON CONFLICT DO NOTHING"

// InsertMessage adds m; ErrConflict on a duplicate id.
func (t *tx) InsertMessage(ctx context.Context, m *model.Message) error {
	args, err := messageArgs(m)
	if err != nil {
		return err
	}
	return t.execNew(ctx, "insert message", "message id", insertMessageSQL, args...)
}

// UpdateMessage replaces the message m.ID with m.
func (t *tx) UpdateMessage(ctx context.Context, m *model.Message) error {
	args, err := messageArgs(m)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "update message", "message", m.ID, `UPDATE messages SET
		rid = $2, ts = $3, updated_at = $4, t = $5, tmid = $6, tshow = $7, u_id = $8, tcount = $9, tlm = $10,
		pinned = $11, hidden = $12, drid = $13, msg = $14, mention_ids = $15, starred_ids = $16, follower_ids = $17, data = $18, unread = $19
		WHERE id = $1`, args...)
}

// DeleteMessage removes the message, leaving a tombstone dated at that
// remembers its thread (tmid) and whether it was a thread's first message.
// A hidden message leaves no tombstone: it was never listed as such (a
// kept previous version), or its tombstone was left when it was hidden.
func (t *tx) DeleteMessage(ctx context.Context, id string, at model.Time) error {
	type gone struct {
		rid, tmid      string
		thread, hidden bool
	}
	g, ok, err := one(ctx, t, func(r pgx.Rows) (gone, error) {
		var g gone
		var tmid *string
		var tcount int64
		err := r.Scan(&g.rid, &tmid, &tcount, &g.hidden)
		if tmid != nil {
			g.tmid = *tmid
		}
		g.thread = tcount > 0
		return g, err
	}, "DELETE FROM messages WHERE id = $1 RETURNING rid, tmid, tcount, hidden", text(id))
	if err != nil {
		return fmt.Errorf("postgres: delete message: %w", err)
	}
	if !ok {
		return notFound("message", id)
	}
	if g.hidden {
		return nil
	}
	return t.messageTombstone(ctx, id, g.rid, g.tmid, g.thread, at)
}

func (t *tx) messageTombstone(ctx context.Context, id, rid, tmid string, thread bool, at model.Time) error {
	return t.execMany(ctx, "message tombstone", `INSERT INTO tombstones (kind, id, rid, uid, deleted_at, tmid, thread)
		VALUES ('message', $1, $2, '', $3, $4, $5)
		ON CONFLICT (kind, id) DO UPDATE SET rid = excluded.rid, uid = excluded.uid, deleted_at = excluded.deleted_at,
			tmid = excluded.tmid, thread = excluded.thread, seq = DEFAULT`,
		text(id), text(rid), millis(at), text(tmid), thread)
}

// HideMessage marks the message hidden (Rocket.Chat's _hidden) and leaves
// a tombstone dated at, as DeleteMessage does: the record stays, but no
// list returns it any more.
func (t *tx) HideMessage(ctx context.Context, id string, at model.Time) error {
	m, err := t.MessageByID(ctx, id)
	if err != nil {
		return err
	}
	if m.Hidden {
		return nil
	}
	m.Hidden = true
	if err := t.UpdateMessage(ctx, m); err != nil {
		return err
	}
	return t.messageTombstone(ctx, id, m.RoomID, m.ThreadID, m.ThreadCount > 0, at)
}

// ---- teams ----

// InsertTeam adds the team; ErrConflict on a duplicate id or name.
func (t *tx) InsertTeam(ctx context.Context, tm *model.Team) error {
	data, err := encode("team", tm)
	if err != nil {
		return err
	}
	return t.execNew(ctx, "insert team", "id or name", `INSERT INTO teams (id, name, type, room_id, created_at, updated_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		text(tm.ID), text(tm.Name), tm.Type, text(tm.RoomID), millis(tm.CreatedAt), millis(tm.UpdatedAt), data)
}

// UpdateTeam replaces the team tm.ID with tm.
func (t *tx) UpdateTeam(ctx context.Context, tm *model.Team) error {
	data, err := encode("team", tm)
	if err != nil {
		return err
	}
	tag, err := t.Exec(ctx, `UPDATE teams SET name = $2, type = $3, room_id = $4, created_at = $5, updated_at = $6, data = $7
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM teams AS o WHERE o.name = $2 AND o.id <> $1)`,
		text(tm.ID), text(tm.Name), tm.Type, text(tm.RoomID), millis(tm.CreatedAt), millis(tm.UpdatedAt), data)
	if err != nil {
		return mapErr("postgres: update team", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := t.TeamByID(ctx, tm.ID); err != nil {
		return err
	}
	return conflict("update team", "name")
}

// DeleteTeam removes the team and its memberships.
func (t *tx) DeleteTeam(ctx context.Context, id string) error {
	if err := t.execOne(ctx, "delete team", "team", id, "DELETE FROM teams WHERE id = $1", text(id)); err != nil {
		return err
	}
	return t.execMany(ctx, "delete team: members", "DELETE FROM team_members WHERE team_id = $1", text(id))
}

// UpsertTeamMember inserts or replaces the membership (m.TeamID, m.UserID).
func (t *tx) UpsertTeamMember(ctx context.Context, m *model.TeamMember) error {
	data, err := encode("team member", m)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "upsert team member", `INSERT INTO team_members (team_id, user_id, roles, created_at, data)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (team_id, user_id) DO UPDATE SET roles = excluded.roles, created_at = excluded.created_at, data = excluded.data`,
		text(m.TeamID), text(m.UserID), texts(m.Roles), millis(m.CreatedAt), data)
}

// DeleteTeamMember removes the membership.
func (t *tx) DeleteTeamMember(ctx context.Context, teamID, userID string) error {
	return t.execOne(ctx, "delete team member", "team member", teamID+"/"+userID,
		"DELETE FROM team_members WHERE team_id = $1 AND user_id = $2", text(teamID), text(userID))
}

// ---- roles, permissions, settings ----

// UpsertRole inserts or replaces the role; ErrConflict when another role
// has its name.
func (t *tx) UpsertRole(ctx context.Context, r *model.Role) error {
	data, err := encode("role", r)
	if err != nil {
		return err
	}
	return t.execNew(ctx, "upsert role", "role name", `INSERT INTO roles (id, name, data)
		SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM roles WHERE name = $2 AND id <> $1)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data`, text(r.ID), text(r.Name), data)
}

// DeleteRole removes the role with the id. Holders keep the id in their
// roles lists; the caller revokes it if it must.
func (t *tx) DeleteRole(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete role", "role", id, "DELETE FROM roles WHERE id = $1", text(id))
}

// UpsertPermission inserts or replaces the permission.
func (t *tx) UpsertPermission(ctx context.Context, p *model.Permission) error {
	data, err := encode("permission", p)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "upsert permission", `INSERT INTO permissions (id, data) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data`, text(p.ID), data)
}

// UpsertSetting inserts or replaces the setting.
func (t *tx) UpsertSetting(ctx context.Context, s *model.Setting) error {
	data, err := encode("setting", s)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "upsert setting", `INSERT INTO settings (id, data) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data`, text(s.ID), data)
}

// ---- user services ----

// PutUserService inserts or replaces the user's record of s.Service.
func (t *tx) PutUserService(ctx context.Context, s *model.UserService) error {
	if _, err := t.UserByID(ctx, s.UserID); err != nil {
		return err
	}
	return t.execMany(ctx, "put user service", `INSERT INTO user_services (user_id, service, external_id, updated_at, data)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, service) DO UPDATE SET
		external_id = excluded.external_id, updated_at = excluded.updated_at, data = excluded.data`,
		text(s.UserID), text(s.Service), text(s.ExternalID), millis(s.UpdatedAt), text(string(s.Data)))
}

// DeleteUserService removes the user's record of the service.
func (t *tx) DeleteUserService(ctx context.Context, userID, service string) error {
	return t.execOne(ctx, "delete user service", "user service", service,
		"DELETE FROM user_services WHERE user_id = $1 AND service = $2", text(userID), text(service))
}

// ---- pending sign-in state ----

// PutPending keeps value under key until expires.
func (t *tx) PutPending(ctx context.Context, key string, value []byte, expires, now model.Time) error {
	if value == nil {
		value = []byte{} // an empty value is a value (a replay cache entry)
	}
	if err := t.execMany(ctx, "put pending: expire", "DELETE FROM pending_auth WHERE expires_at <= $1", millis(now)); err != nil {
		return err
	}
	return t.execNew(ctx, "put pending", "pending key", "INSERT INTO pending_auth (key, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		text(key), value, millis(expires))
}

// TakePending returns and removes the live value under key.
func (t *tx) TakePending(ctx context.Context, key string, now model.Time) ([]byte, error) {
	v, ok, err := one(ctx, t.q, scanBytes, "DELETE FROM pending_auth WHERE key = $1 AND expires_at > $2 RETURNING value", text(key), millis(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: take pending: %w", err)
	}
	if !ok {
		return nil, notFound("pending", "")
	}
	return v, nil
}

// DeletePending removes key.
func (t *tx) DeletePending(ctx context.Context, key string) error {
	return t.execMany(ctx, "delete pending", "DELETE FROM pending_auth WHERE key = $1", text(key))
}
