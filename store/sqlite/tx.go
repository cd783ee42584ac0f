package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"liftoff/model"
	"liftoff/store"
)

// errTxDone is returned by the methods of a Tx used after its function returned.
var errTxDone = errors.New("sqlite: transaction already finished")

// tx is the store.Tx given to an Update function. It runs on the writer
// goroutine and is not safe for concurrent use.
type tx struct {
	reader
	db       *DB
	ctx      context.Context // the Update caller's
	events   []model.Event
	finished bool
}

var _ store.Tx = (*tx)(nil)

// now is the time tombstones are stamped with.
func (t *tx) now() model.Time { return model.TimeOf(t.db.opts.Now()) }

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

// exec and query make tx the querier of its own reads and writes. The
// statements run without the caller's cancellation: interrupting a write
// would make SQLite roll back the whole batch, not just this call.
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	return t.db.wq.exec(context.WithoutCancel(ctx), query, args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	return t.db.wq.query(context.WithoutCancel(ctx), query, args...)
}

// Emit records e for publication after commit. Events emitted after the
// function returned are dropped.
func (t *tx) Emit(e model.Event) {
	if t.finished || e == nil {
		return
	}
	t.events = append(t.events, e)
}

// execOne runs a statement that must change a row; ErrNotFound otherwise.
func (t *tx) execOne(ctx context.Context, op, what, id, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return mapErr("sqlite: "+op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if n == 0 {
		return notFound(what, id)
	}
	return nil
}

func (t *tx) execMany(ctx context.Context, op, query string, args ...any) error {
	if _, err := t.exec(ctx, query, args...); err != nil {
		return mapErr("sqlite: "+op, err)
	}
	return nil
}

func encode(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode %s: %w", what, err)
	}
	return string(b), nil
}

// SearchMessages searches as the Store does, after indexing the texts this
// batch wrote so far, so that the transaction sees its own writes.
func (t *tx) SearchMessages(ctx context.Context, roomID, text string, p store.Page) ([]*model.Message, int, error) {
	if err := flushSearchIndex(ctx, t); err != nil {
		return nil, 0, err
	}
	return t.reader.SearchMessages(ctx, roomID, text, p)
}

// ---- users ----

// userArgs returns the column values of u: id, username, username_fold,
// name, type, active, status, roles, created_at, updated_at, search, data.
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
	return []any{u.ID, u.Username, usernameFold, u.Name, u.Type, boolInt(u.Active), u.Status,
		jsonList(u.Roles), millis(u.CreatedAt), millis(u.UpdatedAt), foldLines(search...), data}, nil
}

func (t *tx) putEmails(ctx context.Context, u *model.User) error {
	seen := make(map[string]bool, len(u.Emails))
	for _, e := range u.Emails {
		a := fold(e.Address)
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		if err := t.execMany(ctx, "user e-mail", "INSERT INTO user_emails (address, user_id) VALUES (?, ?)", a, u.ID); err != nil {
			return err
		}
	}
	return nil
}

// InsertUser adds u; ErrConflict on a duplicate id, username or e-mail.
func (t *tx) InsertUser(ctx context.Context, u *model.User) error {
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	if err := t.execMany(ctx, "insert user", `INSERT INTO users
		(id, username, username_fold, name, type, active, status, roles, created_at, updated_at, search, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
		return err
	}
	return t.putEmails(ctx, u)
}

// UpdateUser replaces the user u.ID with u.
func (t *tx) UpdateUser(ctx context.Context, u *model.User) error {
	t.Emit(model.AuthChanged{UserID: u.ID}) // see auth.Sessions
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	args = append(args[1:], u.ID)
	if err := t.execOne(ctx, "update user", "user", u.ID, `UPDATE users SET
		username = ?, username_fold = ?, name = ?, type = ?, active = ?, status = ?, roles = ?,
		created_at = ?, updated_at = ?, search = ?, data = ? WHERE id = ?`, args...); err != nil {
		return err
	}
	if err := t.execMany(ctx, "update user e-mails", "DELETE FROM user_emails WHERE user_id = ?", u.ID); err != nil {
		return err
	}
	return t.putEmails(ctx, u)
}

// DeleteUser removes the user, their secrets and their subscriptions
// (leaving tombstones for the subscriptions).
func (t *tx) DeleteUser(ctx context.Context, id string) error {
	t.Emit(model.AuthChanged{UserID: id}) // see auth.Sessions
	if err := t.execOne(ctx, "delete user", "user", id, "DELETE FROM users WHERE id = ?", id); err != nil {
		return err
	}
	for _, q := range []string{
		"DELETE FROM user_emails WHERE user_id = ?",
		"DELETE FROM passwords WHERE user_id = ?",
		"DELETE FROM tokens WHERE user_id = ?",
		"DELETE FROM user_services WHERE user_id = ?",
		"DELETE FROM user_e2e_keys WHERE user_id = ?",
		"DELETE FROM team_members WHERE user_id = ?",
	} {
		if err := t.execMany(ctx, "delete user", q, id); err != nil {
			return err
		}
	}
	if err := t.execMany(ctx, "delete user: tombstones", `INSERT OR REPLACE INTO tombstones (kind, id, rid, uid, deleted_at)
		SELECT 'subscription', id, rid, u_id, ? FROM subscriptions WHERE u_id = ?`, millis(t.now()), id); err != nil {
		return err
	}
	return t.execMany(ctx, "delete user: subscriptions", "DELETE FROM subscriptions WHERE u_id = ?", id)
}

// SetPasswordHash sets the user's password hash; "" removes it.
func (t *tx) SetPasswordHash(ctx context.Context, userID, hash string) error {
	t.Emit(model.AuthChanged{UserID: userID}) // see auth.Sessions
	if _, err := t.UserByID(ctx, userID); err != nil {
		return err
	}
	if hash == "" {
		return t.execMany(ctx, "set password", "DELETE FROM passwords WHERE user_id = ?", userID)
	}
	return t.execMany(ctx, "set password", `INSERT INTO passwords (user_id, hash) VALUES (?1, ?2)
		ON CONFLICT (user_id) DO UPDATE SET hash = ?2`, userID, hash)
}

// InsertToken adds a token; ErrConflict when the hash exists.
func (t *tx) InsertToken(ctx context.Context, tok *model.Token) error {
	data, err := encode("token", tok)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "insert token", "INSERT INTO tokens (hash, user_id, kind, created_at, data) VALUES (?, ?, ?, ?, ?)",
		tok.Hash, tok.UserID, tok.Kind, millis(tok.CreatedAt), data)
}

// UpdateToken replaces the token with the same hash.
func (t *tx) UpdateToken(ctx context.Context, tok *model.Token) error {
	t.Emit(model.AuthChanged{UserID: tok.UserID, Hashes: []string{tok.Hash}}) // see auth.Sessions
	data, err := encode("token", tok)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "update token", "token", "", "UPDATE tokens SET user_id = ?, kind = ?, created_at = ?, data = ? WHERE hash = ?",
		tok.UserID, tok.Kind, millis(tok.CreatedAt), data, tok.Hash)
}

// DeleteToken removes the token with the hash.
func (t *tx) DeleteToken(ctx context.Context, hash string) error {
	t.Emit(model.AuthChanged{Hashes: []string{hash}}) // see auth.Sessions
	return t.execOne(ctx, "delete token", "token", "", "DELETE FROM tokens WHERE hash = ?", hash)
}

// DeleteTokensOfUser removes the user's tokens of the kind ("" for all)
// except keep.
func (t *tx) DeleteTokensOfUser(ctx context.Context, userID, kind, keep string) error {
	t.Emit(model.AuthChanged{UserID: userID}) // see auth.Sessions
	return t.execMany(ctx, "delete tokens of user",
		"DELETE FROM tokens WHERE user_id = ?1 AND (?2 = '' OR kind = ?2) AND hash <> ?3", userID, kind, keep)
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
	return []any{r.ID, r.Type, r.Name, r.DisplayName, foldLines(r.Name, r.DisplayName), millis(r.CreatedAt), millis(r.UpdatedAt),
		millis(r.LastMessageAt), r.MessageCount, r.UsersCount, boolInt(r.Default), boolInt(r.Archived), r.JoinCode, data, r.ParentRoomID,
		r.TeamID, boolInt(r.TeamMain), boolInt(r.TeamDefault)}, nil
}

// InsertRoom adds r; ErrConflict on a duplicate id or channel/group name.
func (t *tx) InsertRoom(ctx context.Context, r *model.Room) error {
	args, err := roomArgs(r)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "insert room", `INSERT INTO rooms
		(id, t, name, fname, search, ts, updated_at, lm, msgs, users_count, is_default, archived, join_code, data, prid,
		team_id, team_main, team_default)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
}

// UpdateRoom replaces the room r.ID with r.
func (t *tx) UpdateRoom(ctx context.Context, r *model.Room) error {
	args, err := roomArgs(r)
	if err != nil {
		return err
	}
	args = append(args[1:], r.ID)
	return t.execOne(ctx, "update room", "room", r.ID, `UPDATE rooms SET
		t = ?, name = ?, fname = ?, search = ?, ts = ?, updated_at = ?, lm = ?, msgs = ?, users_count = ?,
		is_default = ?, archived = ?, join_code = ?, data = ?, prid = ?, team_id = ?, team_main = ?, team_default = ?
		WHERE id = ?`, args...)
}

// DeleteRoom removes the room, its subscriptions and its messages, leaving
// tombstones for the room and the subscriptions.
func (t *tx) DeleteRoom(ctx context.Context, id string) error {
	if err := t.execOne(ctx, "delete room", "room", id, "DELETE FROM rooms WHERE id = ?", id); err != nil {
		return err
	}
	now := millis(t.now())
	if err := t.execMany(ctx, "delete room: tombstone",
		"INSERT OR REPLACE INTO tombstones (kind, id, rid, uid, deleted_at) VALUES ('room', ?1, ?1, '', ?2)", id, now); err != nil {
		return err
	}
	if err := t.execMany(ctx, "delete room: tombstones", `INSERT OR REPLACE INTO tombstones (kind, id, rid, uid, deleted_at)
		SELECT 'subscription', id, rid, u_id, ? FROM subscriptions WHERE rid = ?`, now, id); err != nil {
		return err
	}
	if err := t.execMany(ctx, "delete room: subscriptions", "DELETE FROM subscriptions WHERE rid = ?", id); err != nil {
		return err
	}
	return t.execMany(ctx, "delete room: messages", "DELETE FROM messages WHERE rid = ?", id)
}

// ---- subscriptions ----

// subArgs returns the values of subCols for s.
func subArgs(s *model.Subscription) []any {
	return []any{s.ID, s.RoomID, s.User.ID, s.User.Username, s.User.Name, s.RoomType, s.Name, s.DisplayName,
		millis(s.JoinedAt), millis(s.UpdatedAt), millis(s.LastSeen),
		boolInt(s.Open), boolInt(s.Alert), s.Unread, s.UserMentions, s.GroupMentions,
		boolInt(s.Favorite), jsonList(s.Roles), boolInt(s.Archived), s.ParentRoomID,
		jsonList(s.UnreadThreads), jsonList(s.UnreadThreadMentions), jsonList(s.UnreadThreadGroupMentions),
		boolInt(s.DisableNotifications), boolInt(s.HideUnreadStatus), s.UnreadAlert,
		s.DesktopNotifications, s.MobilePushNotifications, s.EmailNotifications, jsonList(s.UserHighlights),
		boolInt(s.HideMentionStatus), boolInt(s.MuteGroupMentions), s.AudioNotificationValue,
		s.DesktopPrefOrigin, s.MobilePrefOrigin, s.EmailPrefOrigin,
		s.E2EKey, s.E2ESuggestedKey, oldRoomKeysJSON(s.OldRoomKeys), oldRoomKeysJSON(s.SuggestedOldRoomKeys), jsonList(s.Ignored),
		foldLines(s.User.Username, s.User.Name)}
}

// InsertSubscription adds s; ErrConflict on a duplicate id or (room, user).
func (t *tx) InsertSubscription(ctx context.Context, s *model.Subscription) error {
	return t.execMany(ctx, "insert subscription", "INSERT INTO subscriptions ("+subCols+`, u_search, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM subscriptions))`,
		subArgs(s)...)
}

// UpdateSubscription replaces the subscription s.ID with s.
func (t *tx) UpdateSubscription(ctx context.Context, s *model.Subscription) error {
	args := append(subArgs(s)[1:], s.ID)
	return t.execOne(ctx, "update subscription", "subscription", s.ID, `UPDATE subscriptions SET
		rid = ?, u_id = ?, u_username = ?, u_name = ?, t = ?, name = ?, fname = ?, ts = ?, updated_at = ?,
		ls = ?, open = ?, alert = ?, unread = ?, user_mentions = ?, group_mentions = ?, f = ?,
		roles = ?, archived = ?, prid = ?, tunread = ?, tunread_user = ?, tunread_group = ?,
		disable_notifs = ?, hide_unread = ?, unread_alert = ?, desktop_notifs = ?, mobile_notifs = ?,
		email_notifs = ?, user_highlights = ?, hide_mention = ?, mute_group_mentions = ?, audio_notif = ?,
		desktop_origin = ?, mobile_origin = ?, email_origin = ?,
		e2e_key = ?, e2e_suggested_key = ?, e2e_old_keys = ?, e2e_suggested_old_keys = ?, ignored = ?, u_search = ? WHERE id = ?`, args...)
}

// DeleteSubscription removes the subscription, leaving a tombstone.
func (t *tx) DeleteSubscription(ctx context.Context, id string) error {
	if err := t.execMany(ctx, "delete subscription: tombstone", `INSERT OR REPLACE INTO tombstones (kind, id, rid, uid, deleted_at)
		SELECT 'subscription', id, rid, u_id, ? FROM subscriptions WHERE id = ?`, millis(t.now()), id); err != nil {
		return err
	}
	return t.execOne(ctx, "delete subscription", "subscription", id, "DELETE FROM subscriptions WHERE id = ?", id)
}

// sqlParams numbers the parameters of a statement being built.
type sqlParams struct {
	first int // number of the first parameter, minus one
	args  []any
}

// p adds a parameter and returns its placeholder.
func (ps *sqlParams) p(v any) string {
	ps.args = append(ps.args, v)
	return "?" + strconv.Itoa(ps.first+len(ps.args))
}

// inList is the condition "u_id is in the JSON list parameter".
func inList(ps *sqlParams, ids []string) string {
	return "u_id IN (SELECT value FROM json_each(" + ps.p(jsonList(ids)) + "))"
}

// subscriptionChangeSQL builds the statements applying c: a WHERE clause
// (with its parameters, numbered first) selecting the subscriptions to
// change, and the SET list (with its parameters, numbered after). Only the
// clauses c needs are present: this is the hot path of every message, and
// SQLite evaluates every SET expression on every row. The texts depend only
// on which parts of c are set, so they stay a handful of cached prepared
// statements; lists are passed as JSON parameters.
func subscriptionChangeSQL(roomID string, c store.SubscriptionChange, all bool) (where string, whereArgs []any, set string, setArgs []any) {
	w := &sqlParams{}
	conds := []string{"rid = " + w.p(roomID)}
	if len(c.Exclude) > 0 {
		conds = append(conds, "u_id NOT IN (SELECT value FROM json_each("+w.p(jsonList(c.Exclude))+"))")
	}
	// When the change only opens and alerts (the steady state of a busy
	// room, where every member is already open and alerted), rows that
	// already hold those values do not change: leaving them out keeps a
	// new message from rewriting every member's row.
	flagsOnly := all && c.IncUnread == 0 && !c.GroupMentioned && c.Archived == nil
	if !all || flagsOnly {
		var targets []string
		if flagsOnly && c.Open {
			targets = append(targets, "open = 0")
		}
		if flagsOnly && c.Alert {
			targets = append(targets, "alert = 0")
		}
		if len(c.Mentioned) > 0 {
			targets = append(targets, inList(w, c.Mentioned))
		}
		if len(c.ThreadUsers) > 0 {
			targets = append(targets, inList(w, c.ThreadUsers))
		}
		conds = append(conds, "("+strings.Join(targets, " OR ")+")")
	}

	s := &sqlParams{first: len(w.args)}
	var sets []string
	if c.Open {
		sets = append(sets, "open = 1")
	}
	if c.Alert {
		sets = append(sets, "alert = 1")
	}
	switch {
	case c.IncUnread != 0:
		sets = append(sets, "unread = unread + "+s.p(c.IncUnread))
	case c.IncUnreadOnMention && c.GroupMentioned:
		sets = append(sets, "unread = unread + 1")
	case c.IncUnreadOnMention && len(c.Mentioned) > 0:
		sets = append(sets, "unread = unread + ("+inList(s, c.Mentioned)+")")
	}
	if len(c.Mentioned) > 0 {
		sets = append(sets, "user_mentions = user_mentions + ("+inList(s, c.Mentioned)+")")
	}
	if c.GroupMentioned {
		sets = append(sets, "group_mentions = group_mentions + 1")
	}
	if c.ThreadID != "" && (len(c.Mentioned) > 0 || len(c.ThreadUsers) > 0) {
		tid := s.p(c.ThreadID)
		// addThread appends the thread id to a JSON list column unless present.
		addThread := func(col, cond string) string {
			return col + " = CASE WHEN " + cond + " AND NOT EXISTS (SELECT 1 FROM json_each(" + col +
				") AS x WHERE x.value = " + tid + ") THEN json_insert(" + col + ", '$[#]', " + tid + ") ELSE " + col + " END"
		}
		followers := "u_id IN (SELECT value FROM json_each(" + s.p(jsonList(append(slices.Clone(c.ThreadUsers), c.Mentioned...))) + "))"
		sets = append(sets, addThread("tunread", followers))
		if len(c.Mentioned) > 0 {
			sets = append(sets, addThread("tunread_user", inList(s, c.Mentioned)))
		}
		if c.GroupMentioned {
			sets = append(sets, addThread("tunread_group", followers))
		}
	}
	if c.Archived != nil {
		sets = append(sets, "archived = "+s.p(boolInt(*c.Archived)))
	}
	sets = append(sets, "updated_at = "+s.p(millis(c.At)))
	return strings.Join(conds, " AND "), w.args, strings.Join(sets, ", "), s.args
}

// UpdateSubscriptionsOfRoom applies c to the room's subscriptions in one
// statement and returns the ids of the users whose subscription changed.
//
// Reading of the contract: when c opens, alerts, adds unread, group-mentions
// or (un)archives, every member not excluded is changed; otherwise only the
// Mentioned and ThreadUsers members are. A member both mentioned and
// group-mentioned gets unread+1 once (IncUnreadOnMention). With a ThreadID,
// the thread goes into tunread of ThreadUsers and Mentioned, into
// tunreadUser of Mentioned and, on a group mention, into tunreadGroup of
// ThreadUsers and Mentioned (as Rocket.Chat does). Every changed
// subscription gets _updatedAt = c.At.
func (t *tx) UpdateSubscriptionsOfRoom(ctx context.Context, roomID string, c store.SubscriptionChange) ([]string, error) {
	all := c.Open || c.Alert || c.IncUnread != 0 || c.GroupMentioned || c.Archived != nil
	if !all && len(c.Mentioned) == 0 && len(c.ThreadUsers) == 0 {
		return nil, nil
	}
	where, whereArgs, set, setArgs := subscriptionChangeSQL(roomID, c, all)
	// The ids come from a SELECT aggregating them into one JSON row, not from
	// UPDATE ... RETURNING: stepping through one row per member costs far
	// more (measured: RETURNING doubled the statement's time for 50 members).
	list, _, err := one(ctx, t, scanString, "SELECT json_group_array(u_id) FROM subscriptions WHERE "+where, whereArgs...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: update subscriptions of room: %w", err)
	}
	ids, err := stringList(list)
	if err != nil {
		return nil, fmt.Errorf("sqlite: update subscriptions of room: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := t.execMany(ctx, "update subscriptions of room",
		"UPDATE subscriptions SET "+set+" WHERE "+where, append(whereArgs, setArgs...)...); err != nil {
		return nil, err
	}
	return ids, nil
}

// RenameSubscriptions sets name and fname of every subscription of the room.
func (t *tx) RenameSubscriptions(ctx context.Context, roomID, name, fname string, at model.Time) error {
	return t.execMany(ctx, "rename subscriptions",
		"UPDATE subscriptions SET name = ?, fname = ?, updated_at = ? WHERE rid = ?", name, fname, millis(at), roomID)
}

// RenameUserInSubscriptions updates the user's name in their subscriptions
// and, in the direct-message rooms they belong to, the name and fname of
// the other members' subscriptions that were named after oldUsername.
func (t *tx) RenameUserInSubscriptions(ctx context.Context, userID, oldUsername, username, name string, at model.Time) error {
	if err := t.execMany(ctx, "rename user in subscriptions",
		"UPDATE subscriptions SET u_username = ?, u_name = ?, u_search = ?, updated_at = ? WHERE u_id = ?",
		username, name, foldLines(username, name), millis(at), userID); err != nil {
		return err
	}
	return t.execMany(ctx, "rename user in direct subscriptions", `UPDATE subscriptions SET name = ?, fname = ?, updated_at = ?
		WHERE t = 'd' AND name = ? AND u_id <> ?5
		AND rid IN (SELECT rid FROM subscriptions WHERE u_id = ?5 AND t = 'd')`,
		username, name, millis(at), oldUsername, userID)
}

// ---- messages ----

// messageArgs returns id, rid, ts, updated_at, t, tmid, tshow, u_id, tcount,
// tlm, pinned, msg, mention_ids, starred_ids, data, hidden, drid, unread.
func messageArgs(m *model.Message) ([]any, error) {
	data, err := encode("message", m)
	if err != nil {
		return nil, err
	}
	var tmid any // NULL when not a reply: keeps replies' partial index small
	if m.ThreadID != "" {
		tmid = m.ThreadID
	}
	var drid any // NULL when the message starts no discussion
	if m.DiscussionID != "" {
		drid = m.DiscussionID
	}
	mentions := make([]string, 0, len(m.Mentions))
	for _, x := range m.Mentions {
		mentions = append(mentions, x.ID)
	}
	starred := make([]string, 0, len(m.Starred))
	for _, x := range m.Starred {
		starred = append(starred, x.ID)
	}
	return []any{m.ID, m.RoomID, millis(m.SentAt), millis(m.UpdatedAt), m.Type, tmid, boolInt(m.ShowInRoom), m.Author.ID,
		m.ThreadCount, millis(m.ThreadLastMessageAt), boolInt(m.Pinned), m.Msg, jsonList(mentions), jsonList(starred), data, boolInt(m.Hidden), drid, boolInt(m.Unread)}, nil
}

// InsertMessage adds m; ErrConflict on a duplicate id.
func (t *tx) InsertMessage(ctx context.Context, m *model.Message) error {
	args, err := messageArgs(m)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "insert message", `INSERT INTO messages
		(id, rid, ts, updated_at, t, tmid, tshow, u_id, tcount, tlm, pinned, msg, mention_ids, starred_ids, data, hidden, drid, unread)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
}

// UpdateMessage replaces the message m.ID with m.
func (t *tx) UpdateMessage(ctx context.Context, m *model.Message) error {
	args, err := messageArgs(m)
	if err != nil {
		return err
	}
	args = append(args[1:], m.ID)
	return t.execOne(ctx, "update message", "message", m.ID, `UPDATE messages SET
		rid = ?, ts = ?, updated_at = ?, t = ?, tmid = ?, tshow = ?, u_id = ?, tcount = ?, tlm = ?,
		pinned = ?, msg = ?, mention_ids = ?, starred_ids = ?, data = ?, hidden = ?, drid = ?, unread = ? WHERE id = ?`, args...)
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
	rows, err := collect(ctx, t, func(s scanner) (gone, error) {
		var g gone
		var tmid sql.NullString
		var tcount, hidden int
		err := s.Scan(&g.rid, &tmid, &tcount, &hidden)
		g.tmid, g.thread, g.hidden = tmid.String, tcount > 0, hidden != 0
		return g, err
	}, "DELETE FROM messages WHERE id = ? RETURNING rid, tmid, tcount, hidden", id)
	if err != nil {
		return fmt.Errorf("sqlite: delete message: %w", err)
	}
	if len(rows) == 0 {
		return notFound("message", id)
	}
	if rows[0].hidden {
		return nil
	}
	return t.messageTombstone(ctx, id, rows[0].rid, rows[0].tmid, rows[0].thread, at)
}

func (t *tx) messageTombstone(ctx context.Context, id, rid, tmid string, thread bool, at model.Time) error {
	return t.execMany(ctx, "message tombstone",
		"INSERT OR REPLACE INTO tombstones (kind, id, rid, uid, deleted_at, tmid, thread) VALUES ('message', ?, ?, '', ?, ?, ?)",
		id, rid, millis(at), tmid, boolInt(thread))
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
	return t.execMany(ctx, "insert team", `INSERT INTO teams (id, name, type, room_id, created_at, updated_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, tm.ID, tm.Name, tm.Type, tm.RoomID, millis(tm.CreatedAt), millis(tm.UpdatedAt), data)
}

// UpdateTeam replaces the team tm.ID with tm.
func (t *tx) UpdateTeam(ctx context.Context, tm *model.Team) error {
	data, err := encode("team", tm)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "update team", "team", tm.ID, `UPDATE teams SET
		name = ?, type = ?, room_id = ?, created_at = ?, updated_at = ?, data = ? WHERE id = ?`,
		tm.Name, tm.Type, tm.RoomID, millis(tm.CreatedAt), millis(tm.UpdatedAt), data, tm.ID)
}

// DeleteTeam removes the team and its memberships.
func (t *tx) DeleteTeam(ctx context.Context, id string) error {
	if err := t.execOne(ctx, "delete team", "team", id, "DELETE FROM teams WHERE id = ?", id); err != nil {
		return err
	}
	return t.execMany(ctx, "delete team: members", "DELETE FROM team_members WHERE team_id = ?", id)
}

// UpsertTeamMember inserts or replaces the membership (m.TeamID, m.UserID).
func (t *tx) UpsertTeamMember(ctx context.Context, m *model.TeamMember) error {
	data, err := encode("team member", m)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "upsert team member", `INSERT INTO team_members (team_id, user_id, roles, created_at, data, seq)
		VALUES (?1, ?2, ?3, ?4, ?5, (SELECT coalesce(max(seq), 0) + 1 FROM team_members))
		ON CONFLICT (team_id, user_id) DO UPDATE SET roles = ?3, created_at = ?4, data = ?5`,
		m.TeamID, m.UserID, jsonList(m.Roles), millis(m.CreatedAt), data)
}

// DeleteTeamMember removes the membership.
func (t *tx) DeleteTeamMember(ctx context.Context, teamID, userID string) error {
	return t.execOne(ctx, "delete team member", "team member", teamID+"/"+userID,
		"DELETE FROM team_members WHERE team_id = ? AND user_id = ?", teamID, userID)
}

// ---- roles, permissions, settings ----

// UpsertRole inserts or replaces the role; ErrConflict when another role
// has its name.
func (t *tx) UpsertRole(ctx context.Context, r *model.Role) error {
	data, err := encode("role", r)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "upsert role", `INSERT INTO roles (id, name, data) VALUES (?1, ?2, ?3)
		ON CONFLICT (id) DO UPDATE SET name = ?2, data = ?3`, r.ID, r.Name, data)
}

// DeleteRole removes the role with the id. Holders keep the id in their
// roles lists; the caller revokes it if it must.
func (t *tx) DeleteRole(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete role", "role", id, "DELETE FROM roles WHERE id = ?", id)
}

// UpsertPermission inserts or replaces the permission.
func (t *tx) UpsertPermission(ctx context.Context, p *model.Permission) error {
	data, err := encode("permission", p)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "upsert permission", `INSERT INTO permissions (id, data) VALUES (?1, ?2)
		ON CONFLICT (id) DO UPDATE SET data = ?2`, p.ID, data)
}

// UpsertSetting inserts or replaces the setting.
func (t *tx) UpsertSetting(ctx context.Context, s *model.Setting) error {
	data, err := encode("setting", s)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "upsert setting", `INSERT INTO settings (id, data) VALUES (?1, ?2)
		ON CONFLICT (id) DO UPDATE SET data = ?2`, s.ID, data)
}

// ---- user services ----

// PutUserService inserts or replaces the user's record of s.Service.
func (t *tx) PutUserService(ctx context.Context, s *model.UserService) error {
	if _, err := t.UserByID(ctx, s.UserID); err != nil {
		return err
	}
	return t.execMany(ctx, "put user service", `INSERT INTO user_services (user_id, service, external_id, updated_at, data)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, service) DO UPDATE SET
		external_id = excluded.external_id, updated_at = excluded.updated_at, data = excluded.data`,
		s.UserID, s.Service, s.ExternalID, millis(s.UpdatedAt), string(s.Data))
}

// DeleteUserService removes the user's record of the service.
func (t *tx) DeleteUserService(ctx context.Context, userID, service string) error {
	return t.execOne(ctx, "delete user service", "user service", service,
		"DELETE FROM user_services WHERE user_id = ? AND service = ?", userID, service)
}

// ---- pending sign-in state ----

// PutPending keeps value under key until expires.
func (t *tx) PutPending(ctx context.Context, key string, value []byte, expires, now model.Time) error {
	if value == nil {
		value = []byte{} // an empty value is a value (a replay cache entry)
	}
	if err := t.execMany(ctx, "put pending: expire", "DELETE FROM pending_auth WHERE expires_at <= ?", millis(now)); err != nil {
		return err
	}
	return t.execMany(ctx, "put pending", "INSERT INTO pending_auth (key, value, expires_at) VALUES (?, ?, ?)", key, value, millis(expires))
}

// TakePending returns and removes the live value under key.
func (t *tx) TakePending(ctx context.Context, key string, now model.Time) ([]byte, error) {
	v, err := t.Pending(ctx, key, now)
	if err != nil {
		return nil, err
	}
	return v, t.execMany(ctx, "take pending", "DELETE FROM pending_auth WHERE key = ?", key)
}

// DeletePending removes key.
func (t *tx) DeletePending(ctx context.Context, key string) error {
	return t.execMany(ctx, "delete pending", "DELETE FROM pending_auth WHERE key = ?", key)
}
