package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"liftoff/model"
	"liftoff/store"
)

// reader implements store.Reader on a querier: the read pool for the DB,
// the writer connection for a Tx.
type reader struct{ q querier }

var _ store.Reader = reader{}

// ---- users ----

func (r reader) userWhere(ctx context.Context, op, cond string, arg any) (*model.User, error) {
	u, ok, err := one(ctx, r.q, scanJSON[model.User], "SELECT data FROM users WHERE "+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !ok {
		return nil, notFound("user", fmt.Sprint(arg))
	}
	return u, nil
}

// UserByID returns the user with the id.
func (r reader) UserByID(ctx context.Context, id string) (*model.User, error) {
	return r.userWhere(ctx, "user by id", "id = ?", id)
}

// UserByUsername returns the user with the username, ignoring case.
func (r reader) UserByUsername(ctx context.Context, username string) (*model.User, error) {
	if username == "" {
		return nil, notFound("user", username)
	}
	return r.userWhere(ctx, "user by username", "username_fold = ?", fold(username))
}

// UserByEmail returns the user with the e-mail address (any of theirs), ignoring case.
func (r reader) UserByEmail(ctx context.Context, email string) (*model.User, error) {
	if email == "" {
		return nil, notFound("user", email)
	}
	return r.userWhere(ctx, "user by e-mail",
		"id = (SELECT user_id FROM user_emails WHERE address = ?)", fold(email))
}

// UsersByIDs returns the users with the ids that exist, in the order of ids.
func (r reader) UsersByIDs(ctx context.Context, ids []string) ([]*model.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	us, err := collect(ctx, r.q, scanJSON[model.User],
		"SELECT data FROM users WHERE id IN (SELECT value FROM json_each(?))", jsonList(ids))
	if err != nil {
		return nil, fmt.Errorf("sqlite: users by ids: %w", err)
	}
	return orderByIDs(us, func(u *model.User) string { return u.ID }, ids), nil
}

// UsersByUsernames returns the users with the usernames (ignoring case)
// that exist, in the order of usernames.
func (r reader) UsersByUsernames(ctx context.Context, usernames []string) ([]*model.User, error) {
	if len(usernames) == 0 {
		return nil, nil
	}
	folded := make([]string, len(usernames))
	for i, n := range usernames {
		folded[i] = fold(n)
	}
	us, err := collect(ctx, r.q, scanJSON[model.User],
		"SELECT data FROM users WHERE username_fold IN (SELECT value FROM json_each(?))", jsonList(folded))
	if err != nil {
		return nil, fmt.Errorf("sqlite: users by usernames: %w", err)
	}
	return orderByIDs(us, func(u *model.User) string { return fold(u.Username) }, folded), nil
}

var userSort = sortSpec{
	columns: map[string]string{
		"username": "username", "name": "name", "createdAt": "created_at",
		"_updatedAt": "updated_at", "status": "status",
	},
	def:      []store.SortKey{{Field: "username"}},
	tiebreak: "rowid",
}

// ListUsers pages the users matching q.
func (r reader) ListUsers(ctx context.Context, q store.UserQuery, p store.Page) ([]*model.User, int, error) {
	var w where
	if q.Text != "" {
		w.add("instr(search, ?) > 0", fold(q.Text))
	}
	if len(q.IDs) > 0 {
		w.add("id IN (SELECT value FROM json_each(?))", jsonList(q.IDs))
	}
	if len(q.Exclude) > 0 {
		folded := make([]string, len(q.Exclude))
		for i, n := range q.Exclude {
			folded[i] = fold(n)
		}
		w.add("coalesce(username_fold, '') NOT IN (SELECT value FROM json_each(?))", jsonList(folded))
	}
	if q.Active != nil {
		w.add("active = ?", boolInt(*q.Active))
	}
	if len(q.Types) > 0 {
		w.add("type IN (SELECT value FROM json_each(?))", jsonList(q.Types))
	}
	if len(q.Roles) > 0 {
		w.add("EXISTS (SELECT 1 FROM json_each(users.roles) AS r WHERE r.value IN (SELECT value FROM json_each(?)))", jsonList(q.Roles))
	}
	if len(q.Statuses) > 0 {
		w.add("status IN (SELECT value FROM json_each(?))", jsonList(q.Statuses))
	}
	return pageOf(ctx, r.q, "list users", scanJSON[model.User], "data", "users", &w, userSort, p)
}

// pageOf runs a paged SELECT of cols FROM from, with its total.
func pageOf[T any](ctx context.Context, q querier, op string, scan func(scanner) (T, error), cols, from string, w *where, s sortSpec, p store.Page) ([]T, int, error) {
	order, err := s.orderLimit(p)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	cond := w.String()
	recs, err := collect(ctx, q, scan, "SELECT "+cols+" FROM "+from+cond+order, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	total, err := pageTotal(ctx, q, p, len(recs), "SELECT count(*) FROM "+from+cond, w.args)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s: count: %w", op, err)
	}
	return recs, total, nil
}

// PasswordHash returns the user's password hash, "" when none is set (or
// the user does not exist).
func (r reader) PasswordHash(ctx context.Context, userID string) (string, error) {
	h, _, err := one(ctx, r.q, scanString, "SELECT hash FROM passwords WHERE user_id = ?", userID)
	if err != nil {
		return "", fmt.Errorf("sqlite: password hash: %w", err)
	}
	return h, nil
}

func scanToken(s scanner) (*model.Token, error) {
	var userID string
	var data []byte
	if err := s.Scan(&userID, &data); err != nil {
		return nil, err
	}
	t := new(model.Token)
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("decode token: %w", err)
	}
	t.UserID = userID
	return t, nil
}

// TokenByHash returns the token with the hash.
func (r reader) TokenByHash(ctx context.Context, hash string) (*model.Token, error) {
	t, ok, err := one(ctx, r.q, scanToken, "SELECT user_id, data FROM tokens WHERE hash = ?", hash)
	if err != nil {
		return nil, fmt.Errorf("sqlite: token by hash: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	return t, nil
}

// TokensOfUser returns the user's tokens of the kind ("" for all), oldest first.
func (r reader) TokensOfUser(ctx context.Context, userID, kind string) ([]*model.Token, error) {
	ts, err := collect(ctx, r.q, scanToken,
		"SELECT user_id, data FROM tokens WHERE user_id = ?1 AND (?2 = '' OR kind = ?2) ORDER BY created_at, rowid",
		userID, kind)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tokens of user: %w", err)
	}
	return ts, nil
}

// ---- rooms ----

func scanRoom(s scanner) (*model.Room, error) {
	var joinCode string
	var data []byte
	if err := s.Scan(&joinCode, &data); err != nil {
		return nil, err
	}
	rm := new(model.Room)
	if err := json.Unmarshal(data, rm); err != nil {
		return nil, fmt.Errorf("decode room: %w", err)
	}
	rm.JoinCode = joinCode
	return rm, nil
}

// RoomByID returns the room with the id.
func (r reader) RoomByID(ctx context.Context, id string) (*model.Room, error) {
	rm, ok, err := one(ctx, r.q, scanRoom, "SELECT join_code, data FROM rooms WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: room by id: %w", err)
	}
	if !ok {
		return nil, notFound("room", id)
	}
	return rm, nil
}

// RoomByName returns the channel or private group with exactly the name.
func (r reader) RoomByName(ctx context.Context, name string) (*model.Room, error) {
	rm, ok, err := one(ctx, r.q, scanRoom,
		"SELECT join_code, data FROM rooms WHERE name = ? AND t IN ('c', 'p') AND name <> ''", name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: room by name: %w", err)
	}
	if !ok {
		return nil, notFound("room", name)
	}
	return rm, nil
}

// RoomByNameFold returns a channel or private group whose name equals
// name ignoring ASCII case (SQLite's lower folds ASCII only).
func (r reader) RoomByNameFold(ctx context.Context, name string) (*model.Room, error) {
	rm, ok, err := one(ctx, r.q, scanRoom,
		"SELECT join_code, data FROM rooms WHERE lower(name) = lower(?) AND t IN ('c', 'p') AND name <> '' ORDER BY id LIMIT 1", name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: room by name: %w", err)
	}
	if !ok {
		return nil, notFound("room", name)
	}
	return rm, nil
}

// RoomsByIDs returns the rooms with the ids that exist, in the order of ids.
func (r reader) RoomsByIDs(ctx context.Context, ids []string) ([]*model.Room, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rs, err := collect(ctx, r.q, scanRoom,
		"SELECT join_code, data FROM rooms WHERE id IN (SELECT value FROM json_each(?))", jsonList(ids))
	if err != nil {
		return nil, fmt.Errorf("sqlite: rooms by ids: %w", err)
	}
	return orderByIDs(rs, func(rm *model.Room) string { return rm.ID }, ids), nil
}

var roomSort = sortSpec{
	columns: map[string]string{
		"name": "name", "fname": "fname", "ts": "ts", "_updatedAt": "updated_at",
		"usersCount": "users_count", "msgs": "msgs", "lm": "lm",
	},
	def:      []store.SortKey{{Field: "name"}},
	tiebreak: "rowid",
}

// ListRooms pages the rooms matching q.
func (r reader) ListRooms(ctx context.Context, q store.RoomQuery, p store.Page) ([]*model.Room, int, error) {
	var w where
	if len(q.Types) > 0 {
		w.add("t IN (SELECT value FROM json_each(?))", jsonList(q.Types))
	}
	if len(q.IDs) > 0 {
		w.add("id IN (SELECT value FROM json_each(?))", jsonList(q.IDs))
	}
	if q.Text != "" {
		w.add("instr(search, ?) > 0", fold(q.Text))
	}
	if !q.UpdatedSince.IsZero() {
		w.add("updated_at > ?", millis(q.UpdatedSince))
	}
	if q.Default != nil {
		w.add("is_default = ?", boolInt(*q.Default))
	}
	if q.Archived != nil {
		w.add("archived = ?", boolInt(*q.Archived))
	}
	switch {
	case q.TeamOrParent && q.ParentRoomID != "" && q.TeamID != "":
		w.add("(team_id = ? OR prid = ?)", q.TeamID, q.ParentRoomID)
	default:
		if q.ParentRoomID != "" {
			w.add("prid = ?", q.ParentRoomID)
		}
		if q.TeamID != "" {
			w.add("team_id = ?", q.TeamID)
		}
	}
	if q.TeamMain != nil {
		w.add("team_main = ?", boolInt(*q.TeamMain))
	}
	if q.TeamDefault != nil {
		w.add("team_default = ?", boolInt(*q.TeamDefault))
	}
	if q.MemberID != "" {
		w.add("(t IN (SELECT value FROM json_each(?)) OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.rid = rooms.id AND s.u_id = ?))",
			jsonList(q.AlsoTypes), q.MemberID)
	}
	if len(q.ExcludeIDs) > 0 {
		w.add("id NOT IN (SELECT value FROM json_each(?))", jsonList(q.ExcludeIDs))
	}
	if q.NoDiscussions {
		w.add("prid = ''")
	}
	if len(q.HiddenTeamIDs) > 0 {
		if q.MemberID != "" {
			w.add("(team_id NOT IN (SELECT value FROM json_each(?)) OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.rid = rooms.id AND s.u_id = ?))",
				jsonList(q.HiddenTeamIDs), q.MemberID)
		} else {
			w.add("team_id NOT IN (SELECT value FROM json_each(?))", jsonList(q.HiddenTeamIDs))
		}
	}
	return pageOf(ctx, r.q, "list rooms", scanRoom, "join_code, data", "rooms", &w, roomSort, p)
}

// ---- teams ----

// TeamByID returns the team with the id.
func (r reader) TeamByID(ctx context.Context, id string) (*model.Team, error) {
	tm, ok, err := one(ctx, r.q, scanJSON[model.Team], "SELECT data FROM teams WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: team by id: %w", err)
	}
	if !ok {
		return nil, notFound("team", id)
	}
	return tm, nil
}

// TeamByName returns the team with exactly the name.
func (r reader) TeamByName(ctx context.Context, name string) (*model.Team, error) {
	tm, ok, err := one(ctx, r.q, scanJSON[model.Team], "SELECT data FROM teams WHERE name = ?", name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: team by name: %w", err)
	}
	if !ok {
		return nil, notFound("team", name)
	}
	return tm, nil
}

var teamSort = sortSpec{
	columns:  map[string]string{"name": "name", "createdAt": "created_at", "_updatedAt": "updated_at"},
	def:      []store.SortKey{{Field: "createdAt"}},
	tiebreak: "rowid",
}

// ListTeams pages the teams matching q.
func (r reader) ListTeams(ctx context.Context, q store.TeamQuery, p store.Page) ([]*model.Team, int, error) {
	var w where
	if len(q.IDs) > 0 {
		w.add("id IN (SELECT value FROM json_each(?))", jsonList(q.IDs))
	}
	if q.MemberID != "" {
		w.add("id IN (SELECT team_id FROM team_members WHERE user_id = ?)", q.MemberID)
	}
	if q.Type != nil {
		w.add("type = ?", *q.Type)
	}
	return pageOf(ctx, r.q, "list teams", scanJSON[model.Team], "data", "teams", &w, teamSort, p)
}

func scanTeamMember(s scanner) (*model.TeamMember, error) {
	var roles string
	var data []byte
	if err := s.Scan(&roles, &data); err != nil {
		return nil, err
	}
	m := new(model.TeamMember)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode team member: %w", err)
	}
	rs, err := stringList(roles)
	if err != nil {
		return nil, err
	}
	m.Roles = rs
	return m, nil
}

// TeamMember returns the user's membership of the team.
func (r reader) TeamMember(ctx context.Context, teamID, userID string) (*model.TeamMember, error) {
	m, ok, err := one(ctx, r.q, scanTeamMember,
		"SELECT roles, data FROM team_members WHERE team_id = ? AND user_id = ?", teamID, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: team member: %w", err)
	}
	if !ok {
		return nil, notFound("team member", teamID+"/"+userID)
	}
	return m, nil
}

var teamMemberSort = sortSpec{
	columns:  map[string]string{"createdAt": "m.created_at", "username": "u.username_fold"},
	def:      []store.SortKey{{Field: "createdAt"}},
	tiebreak: "m.seq",
}

// TeamMembers pages the team's members matching q.
func (r reader) TeamMembers(ctx context.Context, teamID string, q store.TeamMemberQuery, p store.Page) ([]*model.TeamMember, int, error) {
	var w where
	w.add("m.team_id = ?", teamID)
	if q.Username != "" {
		w.add("instr(coalesce(u.username_fold, ''), ?) > 0", fold(q.Username))
	}
	if q.Name != "" {
		w.add("instr(lower(u.name), ?) > 0", fold(q.Name))
	}
	if len(q.Statuses) > 0 {
		w.add("u.status IN (SELECT value FROM json_each(?))", jsonList(q.Statuses))
	}
	if q.Active != nil {
		w.add("u.active = ?", boolInt(*q.Active))
	}
	if q.Role != "" {
		w.add("EXISTS (SELECT 1 FROM json_each(m.roles) AS r WHERE r.value = ?)", q.Role)
	}
	if q.UserIDs != nil {
		w.add("m.user_id IN (SELECT value FROM json_each(?))", jsonList(q.UserIDs))
	}
	return pageOf(ctx, r.q, "team members", scanTeamMember, "m.roles, m.data",
		"team_members AS m JOIN users AS u ON u.id = m.user_id", &w, teamMemberSort, p)
}

// ---- subscriptions ----

// subCols lists the subscription columns in the order of scanSub and subArgs.
// The schema's lr column (Rocket.Chat's last-reply time) is never set by
// Liftoff and stays at its default.
const subCols = `id, rid, u_id, u_username, u_name, t, name, fname, ts, updated_at, ls,
	open, alert, unread, user_mentions, group_mentions, f, roles, archived, prid,
	tunread, tunread_user, tunread_group, disable_notifs, hide_unread, unread_alert,
	desktop_notifs, mobile_notifs, email_notifs, user_highlights,
	hide_mention, mute_group_mentions, audio_notif, desktop_origin, mobile_origin, email_origin,
	e2e_key, e2e_suggested_key, e2e_old_keys, e2e_suggested_old_keys, ignored`

func scanSub(s scanner) (*model.Subscription, error) {
	var (
		sub                                          model.Subscription
		ts, upd, ls                                  int64
		oldKeys, suggestedOldKeys                    string
		roles, tunread, tunreadUser, tunreadGroup, h string
		ignored                                      string
	)
	err := s.Scan(&sub.ID, &sub.RoomID, &sub.User.ID, &sub.User.Username, &sub.User.Name, &sub.RoomType, &sub.Name, &sub.DisplayName,
		&ts, &upd, &ls, &sub.Open, &sub.Alert, &sub.Unread, &sub.UserMentions, &sub.GroupMentions,
		&sub.Favorite, &roles, &sub.Archived, &sub.ParentRoomID, &tunread, &tunreadUser, &tunreadGroup,
		&sub.DisableNotifications, &sub.HideUnreadStatus, &sub.UnreadAlert, &sub.DesktopNotifications, &sub.MobilePushNotifications,
		&sub.EmailNotifications, &h,
		&sub.HideMentionStatus, &sub.MuteGroupMentions, &sub.AudioNotificationValue,
		&sub.DesktopPrefOrigin, &sub.MobilePrefOrigin, &sub.EmailPrefOrigin,
		&sub.E2EKey, &sub.E2ESuggestedKey, &oldKeys, &suggestedOldKeys, &ignored)
	if err != nil {
		return nil, err
	}
	if sub.OldRoomKeys, err = oldRoomKeysOf(oldKeys); err != nil {
		return nil, err
	}
	if sub.SuggestedOldRoomKeys, err = oldRoomKeysOf(suggestedOldKeys); err != nil {
		return nil, err
	}
	sub.JoinedAt, sub.UpdatedAt, sub.LastSeen = timeOf(ts), timeOf(upd), timeOf(ls)
	for _, l := range []struct {
		dst *[]string
		src string
	}{{&sub.Roles, roles}, {&sub.UnreadThreads, tunread}, {&sub.UnreadThreadMentions, tunreadUser}, {&sub.UnreadThreadGroupMentions, tunreadGroup}, {&sub.UserHighlights, h}, {&sub.Ignored, ignored}} {
		if *l.dst, err = stringList(l.src); err != nil {
			return nil, fmt.Errorf("decode subscription %s: %w", sub.ID, err)
		}
	}
	return &sub, nil
}

func (r reader) subWhere(ctx context.Context, op, what, cond string, args ...any) (*model.Subscription, error) {
	s, ok, err := one(ctx, r.q, scanSub, "SELECT "+subCols+" FROM subscriptions WHERE "+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !ok {
		return nil, notFound("subscription", what)
	}
	return s, nil
}

// Subscription returns the user's subscription to the room.
func (r reader) Subscription(ctx context.Context, roomID, userID string) (*model.Subscription, error) {
	return r.subWhere(ctx, "subscription", roomID+"/"+userID, "rid = ? AND u_id = ?", roomID, userID)
}

// SubscriptionByID returns the subscription with the id.
func (r reader) SubscriptionByID(ctx context.Context, id string) (*model.Subscription, error) {
	return r.subWhere(ctx, "subscription by id", id, "id = ?", id)
}

// SubscriptionsOfUser returns the user's subscriptions matching q, least
// recently updated first.
func (r reader) SubscriptionsOfUser(ctx context.Context, userID string, q store.SubscriptionQuery) ([]*model.Subscription, error) {
	var w where
	w.add("u_id = ?", userID)
	if !q.UpdatedSince.IsZero() {
		w.add("updated_at > ?", millis(q.UpdatedSince))
	}
	if len(q.Types) > 0 {
		w.add("t IN (SELECT value FROM json_each(?))", jsonList(q.Types))
	}
	if q.Open != nil {
		w.add("open = ?", boolInt(*q.Open))
	}
	subs, err := collect(ctx, r.q, scanSub, "SELECT "+subCols+" FROM subscriptions"+w.String()+" ORDER BY updated_at, seq", w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: subscriptions of user: %w", err)
	}
	return subs, nil
}

var memberSort = sortSpec{
	columns:  map[string]string{"u.username": "u_username", "ts": "ts", "_updatedAt": "updated_at"},
	def:      []store.SortKey{{Field: "u.username"}},
	tiebreak: "seq",
}

// SubscriptionsOfRoom pages the room's subscriptions matching q.
func (r reader) SubscriptionsOfRoom(ctx context.Context, roomID string, q store.MemberQuery, p store.Page) ([]*model.Subscription, int, error) {
	var w where
	w.add("rid = ?", roomID)
	if q.Text != "" {
		w.add("instr(u_search, ?) > 0", fold(q.Text))
	}
	return pageOf(ctx, r.q, "subscriptions of room", scanSub, subCols, "subscriptions", &w, memberSort, p)
}

// MemberIDs returns the user ids of the room's subscriptions, sorted.
func (r reader) MemberIDs(ctx context.Context, roomID string) ([]string, error) {
	ids, err := collect(ctx, r.q, scanString, "SELECT u_id FROM subscriptions WHERE rid = ? ORDER BY u_id", roomID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: member ids: %w", err)
	}
	return ids, nil
}

// ---- messages ----

// MessageByID returns the message with the id.
func (r reader) MessageByID(ctx context.Context, id string) (*model.Message, error) {
	m, ok, err := one(ctx, r.q, scanMessage, "SELECT data FROM messages WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: message by id: %w", err)
	}
	if !ok {
		return nil, notFound("message", id)
	}
	return m, nil
}

var messageSort = sortSpec{
	columns:  map[string]string{"ts": "ts", "_updatedAt": "updated_at", "tlm": "tlm"},
	def:      []store.SortKey{{Field: "ts", Desc: true}},
	tiebreak: "seq",
}

// ListMessages pages the messages matching q.
func (r reader) ListMessages(ctx context.Context, q store.MessageQuery, p store.Page) ([]*model.Message, int, error) {
	var w where
	switch {
	case q.OnlyHidden:
		w.add("hidden = 1")
	case !q.IncludeHidden:
		w.add("hidden = 0")
	}
	if q.RoomID != "" {
		w.add("rid = ?", q.RoomID)
	}
	lt, gt := "<", ">"
	if q.Inclusive {
		lt, gt = "<=", ">="
	}
	if !q.Before.IsZero() {
		w.add("ts "+lt+" ?", millis(q.Before))
	}
	if !q.After.IsZero() {
		w.add("ts "+gt+" ?", millis(q.After))
	}
	if !q.UpdatedSince.IsZero() {
		w.add("updated_at > ?", millis(q.UpdatedSince))
	}
	if !q.UpdatedBefore.IsZero() {
		w.add("updated_at < ?", millis(q.UpdatedBefore))
	}
	if q.ThreadID != "" {
		w.add("tmid = ?", q.ThreadID)
	}
	if q.ThreadsOnly {
		w.add("tcount > 0")
	}
	if q.HideThreadReplies {
		w.add("(tmid IS NULL OR tshow = 1)")
	}
	if q.Pinned {
		w.add("pinned = 1")
	}
	if q.NotPinned {
		w.add("pinned = 0")
	}
	if q.NoThreads {
		w.add("tmid IS NULL AND tcount = 0")
	}
	if q.StarredBy != "" {
		w.add("EXISTS (SELECT 1 FROM json_each(messages.starred_ids) AS s WHERE s.value = ?)", q.StarredBy)
	}
	if q.FollowedBy != "" {
		w.add("EXISTS (SELECT 1 FROM json_each(messages.data, '$.replies') AS f WHERE f.value = ?)", q.FollowedBy)
	}
	if q.MentionsUser != "" {
		w.add("EXISTS (SELECT 1 FROM json_each(messages.mention_ids) AS m WHERE m.value = ?)", q.MentionsUser)
	}
	if q.FromUser != "" {
		w.add("u_id = ?", q.FromUser)
	}
	if q.FromUsers != nil {
		w.add("u_id IN (SELECT value FROM json_each(?))", jsonList(q.FromUsers))
	}
	if len(q.ExcludeTypes) > 0 {
		w.add("t NOT IN (SELECT value FROM json_each(?))", jsonList(q.ExcludeTypes))
	}
	if q.OnlyUserMessages {
		w.add("t = ''")
	}
	if len(q.IDs) > 0 {
		w.add("id IN (SELECT value FROM json_each(?))", jsonList(q.IDs))
	}
	if q.TextContains != "" {
		w.add(`msg LIKE ? ESCAPE '\'`, likePattern(q.TextContains))
	}
	switch {
	case q.DiscussionID != "":
		w.add("drid = ?", q.DiscussionID)
	case q.Discussions:
		w.add("drid IS NOT NULL")
	case q.NoDiscussions:
		w.add("drid IS NULL")
	}
	if p.Offset > 0 {
		return pageBySeq(ctx, r.q, "list messages", scanMessage, "data", "messages", &w, messageSort, p)
	}
	return pageOf(ctx, r.q, "list messages", scanMessage, "data", "messages", &w, messageSort, p)
}

var searchSort = sortSpec{
	columns:  map[string]string{"ts": "m.ts"},
	def:      []store.SortKey{{Field: "ts", Desc: true}},
	tiebreak: "m.seq",
}

// ftsQuery turns free text into an FTS5 query that cannot be malformed:
// every word, quoted, must occur as a word prefix.
func ftsQuery(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	for i, w := range words {
		words[i] = `"` + w + `"*`
	}
	return strings.Join(words, " AND ")
}

// SearchMessages finds the room's messages containing every word of text
// (as word prefixes, ignoring case and diacritics), newest first. Hidden
// messages are left out.
func (r reader) SearchMessages(ctx context.Context, roomID, text string, p store.Page) ([]*model.Message, int, error) {
	match := ftsQuery(text)
	if match == "" {
		if _, err := searchSort.orderLimit(p); err != nil {
			return nil, 0, fmt.Errorf("sqlite: search messages: %w", err)
		}
		return nil, 0, nil
	}
	var w where
	w.add("messages_fts MATCH ?", match)
	w.add("m.rid = ?", roomID)
	w.add("m.hidden = 0")
	return pageOf(ctx, r.q, "search messages", scanMessage, "m.data",
		"messages_fts JOIN messages AS m ON m.seq = messages_fts.rowid", &w, searchSort, p)
}

var deletedSort = sortSpec{
	columns:  map[string]string{"_deletedAt": "deleted_at"},
	def:      []store.SortKey{{Field: "_deletedAt"}},
	tiebreak: "rowid",
}

func scanTombstone(s scanner) (store.Tombstone, error) {
	var t store.Tombstone
	var at int64
	var thread int
	err := s.Scan(&t.ID, &t.Kind, &t.RoomID, &t.UserID, &at, &t.ThreadID, &thread)
	t.DeletedAt, t.Thread = timeOf(at), thread != 0
	return t, err
}

// Deleted pages the tombstones matching q, oldest first by default
// (sortable by "_deletedAt"). RoomID and UserID filter whatever the kind.
func (r reader) Deleted(ctx context.Context, q store.DeletedQuery, p store.Page) ([]store.Tombstone, int, error) {
	switch q.Kind {
	case store.KindMessage, store.KindRoom, store.KindSubscription, store.KindEmoji:
	default:
		return nil, 0, fmt.Errorf("sqlite: deleted: unknown kind %q", q.Kind)
	}
	var w where
	w.add("kind = ?", q.Kind)
	if q.RoomID != "" {
		w.add("rid = ?", q.RoomID)
	}
	if q.UserID != "" {
		w.add("uid = ?", q.UserID)
	}
	if q.ThreadID != "" {
		w.add("tmid = ?", q.ThreadID)
	}
	if q.ThreadsOnly {
		w.add("thread = 1")
	}
	if !q.Since.IsZero() {
		w.add("deleted_at > ?", millis(q.Since))
	}
	if !q.Before.IsZero() {
		w.add("deleted_at < ?", millis(q.Before))
	}
	return pageOf(ctx, r.q, "deleted", scanTombstone, "id, kind, rid, uid, deleted_at, tmid, thread", "tombstones", &w, deletedSort, p)
}

// ---- roles, permissions, settings ----

// Roles returns every role, by id.
func (r reader) Roles(ctx context.Context) ([]*model.Role, error) {
	rs, err := collect(ctx, r.q, scanJSON[model.Role], "SELECT data FROM roles ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: roles: %w", err)
	}
	return rs, nil
}

// RoleByID returns the role with the id, or else with the name.
func (r reader) RoleByID(ctx context.Context, id string) (*model.Role, error) {
	rl, ok, err := one(ctx, r.q, scanJSON[model.Role],
		"SELECT data FROM roles WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: role by id: %w", err)
	}
	if !ok {
		return nil, notFound("role", id)
	}
	return rl, nil
}

// UsersInRole pages the holders of a role: global holders (the role in the
// user's roles) when roomID is "", else the members whose subscription to
// the room carries it. The role is matched as given (an id).
func (r reader) UsersInRole(ctx context.Context, roleID, roomID string, p store.Page) ([]*model.User, int, error) {
	var w where
	if roomID == "" {
		w.add("EXISTS (SELECT 1 FROM json_each(users.roles) AS r WHERE r.value = ?)", roleID)
	} else {
		w.add(`id IN (SELECT s.u_id FROM subscriptions AS s, json_each(s.roles) AS r
			WHERE s.rid = ? AND r.value = ?)`, roomID, roleID)
	}
	return pageOf(ctx, r.q, "users in role", scanJSON[model.User], "data", "users", &w, userSort, p)
}

// Permissions returns every permission, by id.
func (r reader) Permissions(ctx context.Context) ([]*model.Permission, error) {
	ps, err := collect(ctx, r.q, scanJSON[model.Permission], "SELECT data FROM permissions ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: permissions: %w", err)
	}
	return ps, nil
}

// PermissionByID returns the permission with the id.
func (r reader) PermissionByID(ctx context.Context, id string) (*model.Permission, error) {
	p, ok, err := one(ctx, r.q, scanJSON[model.Permission], "SELECT data FROM permissions WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: permission by id: %w", err)
	}
	if !ok {
		return nil, notFound("permission", id)
	}
	return p, nil
}

// Settings returns every setting, by id.
func (r reader) Settings(ctx context.Context) ([]*model.Setting, error) {
	ss, err := collect(ctx, r.q, scanJSON[model.Setting], "SELECT data FROM settings ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: settings: %w", err)
	}
	return ss, nil
}

// SettingByID returns the setting with the id.
func (r reader) SettingByID(ctx context.Context, id string) (*model.Setting, error) {
	s, ok, err := one(ctx, r.q, scanJSON[model.Setting], "SELECT data FROM settings WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: setting by id: %w", err)
	}
	if !ok {
		return nil, notFound("setting", id)
	}
	return s, nil
}

// Counts returns the record counts for statistics. Message counts per room
// type count the messages stored in rooms of that type.
func (r reader) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := r.scanRow(ctx, `SELECT count(*), coalesce(sum(active = 1), 0),
		coalesce(sum(status = 'online'), 0), coalesce(sum(status = 'away'), 0),
		coalesce(sum(status = 'busy'), 0), coalesce(sum(status = 'offline' OR status = ''), 0)
		FROM users`,
		&c.TotalUsers, &c.ActiveUsers, &c.OnlineUsers, &c.AwayUsers, &c.BusyUsers, &c.OfflineUsers)
	if err != nil {
		return c, fmt.Errorf("sqlite: counts of users: %w", err)
	}
	err = r.scanRow(ctx, `SELECT count(*), coalesce(sum(t = 'c'), 0), coalesce(sum(t = 'p'), 0),
		coalesce(sum(t = 'd'), 0) FROM rooms`,
		&c.TotalRooms, &c.TotalChannels, &c.TotalPrivateGroups, &c.TotalDirect)
	if err != nil {
		return c, fmt.Errorf("sqlite: counts of rooms: %w", err)
	}
	err = r.scanRow(ctx, `SELECT (SELECT count(*) FROM messages WHERE hidden = 0),
		coalesce(sum(CASE WHEN r.t = 'c' THEN n END), 0),
		coalesce(sum(CASE WHEN r.t = 'p' THEN n END), 0),
		coalesce(sum(CASE WHEN r.t = 'd' THEN n END), 0)
		FROM (SELECT rid, count(*) AS n FROM messages WHERE hidden = 0 GROUP BY rid) AS m JOIN rooms AS r ON r.id = m.rid`,
		&c.TotalMessages, &c.TotalChannelMessages, &c.TotalPrivateGroupMessages, &c.TotalDirectMessages)
	if err != nil {
		return c, fmt.Errorf("sqlite: counts of messages: %w", err)
	}
	return c, nil
}

// scanRow reads the single row of query into dest.
func (r reader) scanRow(ctx context.Context, query string, dest ...any) error {
	rows, err := r.q.query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// ---- user services ----

func scanUserService(s scanner) (*model.UserService, error) {
	var us model.UserService
	var updated int64
	var data string
	if err := s.Scan(&us.UserID, &us.Service, &us.ExternalID, &updated, &data); err != nil {
		return nil, err
	}
	us.UpdatedAt = timeOf(updated)
	us.Data = []byte(data)
	return &us, nil
}

const userServiceColumns = "SELECT user_id, service, external_id, updated_at, data FROM user_services "

// UserService returns the user's record of the service.
func (r reader) UserService(ctx context.Context, userID, service string) (*model.UserService, error) {
	us, ok, err := one(ctx, r.q, scanUserService, userServiceColumns+"WHERE user_id = ? AND service = ?", userID, service)
	if err != nil {
		return nil, fmt.Errorf("sqlite: user service: %w", err)
	}
	if !ok {
		return nil, notFound("user service", service)
	}
	return us, nil
}

// UserServiceByExternalID returns the service's link with the external id.
func (r reader) UserServiceByExternalID(ctx context.Context, service, id string) (*model.UserService, error) {
	if id == "" {
		return nil, notFound("user service", service)
	}
	us, ok, err := one(ctx, r.q, scanUserService, userServiceColumns+"WHERE service = ? AND external_id = ?", service, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: user service by external id: %w", err)
	}
	if !ok {
		return nil, notFound("user service", service)
	}
	return us, nil
}

// UserServices lists every user's record of the service, by user id.
func (r reader) UserServices(ctx context.Context, service string) ([]*model.UserService, error) {
	out, err := collect(ctx, r.q, scanUserService, userServiceColumns+"WHERE service = ? ORDER BY user_id", service)
	if err != nil {
		return nil, fmt.Errorf("sqlite: user services: %w", err)
	}
	return out, nil
}

// ---- pending sign-in state ----

func scanBytes(s scanner) ([]byte, error) {
	var b []byte
	err := s.Scan(&b)
	return b, err
}

// Pending returns the live value under key.
func (r reader) Pending(ctx context.Context, key string, now model.Time) ([]byte, error) {
	v, ok, err := one(ctx, r.q, scanBytes, "SELECT value FROM pending_auth WHERE key = ? AND expires_at > ?", key, millis(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending: %w", err)
	}
	if !ok {
		return nil, notFound("pending", "")
	}
	return v, nil
}
