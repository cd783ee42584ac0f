package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"liftoff/model"
	"liftoff/store"
	"liftoff/store/internal/msgjson"
)

// reader implements store.Reader on a querier: the read pool for the DB,
// the writer connection for a Tx.
type reader struct{ q querier }

var _ store.Reader = reader{}

// ---- users ----

func (r reader) userWhere(ctx context.Context, op, what, cond string, arg any) (*model.User, error) {
	u, ok, err := one(ctx, r.q, scanJSON[model.User], "SELECT data FROM users WHERE "+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !ok {
		return nil, notFound("user", what)
	}
	return u, nil
}

// UserByID returns the user with the id.
func (r reader) UserByID(ctx context.Context, id string) (*model.User, error) {
	return r.userWhere(ctx, "user by id", id, "id = $1", text(id))
}

// UserByUsername returns the user with the username, ignoring case.
func (r reader) UserByUsername(ctx context.Context, username string) (*model.User, error) {
	if username == "" {
		return nil, notFound("user", username)
	}
	return r.userWhere(ctx, "user by username", username, "username_fold = $1", fold(username))
}

// UserByEmail returns the user with the e-mail address (any of theirs), ignoring case.
func (r reader) UserByEmail(ctx context.Context, email string) (*model.User, error) {
	if email == "" {
		return nil, notFound("user", email)
	}
	return r.userWhere(ctx, "user by e-mail", email,
		"id = (SELECT user_id FROM user_emails WHERE address = $1)", fold(email))
}

// UsersByIDs returns the users with the ids that exist, in the order of ids.
func (r reader) UsersByIDs(ctx context.Context, ids []string) ([]*model.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	us, err := collect(ctx, r.q, scanJSON[model.User], "SELECT data FROM users WHERE id = ANY($1)", texts(ids))
	if err != nil {
		return nil, fmt.Errorf("postgres: users by ids: %w", err)
	}
	return orderByIDs(us, func(u *model.User) string { return u.ID }, ids), nil
}

// UsersByUsernames returns the users with the usernames (ignoring case)
// that exist, in the order of usernames.
func (r reader) UsersByUsernames(ctx context.Context, usernames []string) ([]*model.User, error) {
	if len(usernames) == 0 {
		return nil, nil
	}
	folded := folds(usernames)
	us, err := collect(ctx, r.q, scanJSON[model.User], "SELECT data FROM users WHERE username_fold = ANY($1)", folded)
	if err != nil {
		return nil, fmt.Errorf("postgres: users by usernames: %w", err)
	}
	return orderByIDs(us, func(u *model.User) string { return fold(u.Username) }, folded), nil
}

var userSort = sortSpec{
	columns: map[string]string{
		"username": "username", "name": "name", "createdAt": "created_at",
		"_updatedAt": "updated_at", "status": "status",
	},
	def:      []store.SortKey{{Field: "username"}},
	tiebreak: "seq",
}

// ListUsers pages the users matching q.
func (r reader) ListUsers(ctx context.Context, q store.UserQuery, p store.Page) ([]*model.User, int, error) {
	var w where
	if q.Text != "" {
		w.add("strpos(search, " + w.arg(fold(q.Text)) + ") > 0")
	}
	if len(q.IDs) > 0 {
		w.add("id = ANY(" + w.arg(texts(q.IDs)) + ")")
	}
	if len(q.Exclude) > 0 {
		w.add("coalesce(username_fold, '') <> ALL(" + w.arg(folds(q.Exclude)) + ")")
	}
	if q.Active != nil {
		w.add("active = " + w.arg(*q.Active))
	}
	if len(q.Types) > 0 {
		w.add("type = ANY(" + w.arg(texts(q.Types)) + ")")
	}
	if len(q.Roles) > 0 {
		w.add("roles && " + w.arg(texts(q.Roles)) + "::text[]")
	}
	if len(q.Statuses) > 0 {
		w.add("status = ANY(" + w.arg(texts(q.Statuses)) + ")")
	}
	return pageOf(ctx, r.q, "list users", scanJSON[model.User], "data", "users", &w, userSort, p)
}

// PasswordHash returns the user's password hash, "" when none is set (or
// the user does not exist).
func (r reader) PasswordHash(ctx context.Context, userID string) (string, error) {
	h, _, err := one(ctx, r.q, scanString, "SELECT hash FROM passwords WHERE user_id = $1", text(userID))
	if err != nil {
		return "", fmt.Errorf("postgres: password hash: %w", err)
	}
	return h, nil
}

func scanToken(r pgx.Rows) (*model.Token, error) {
	var userID string
	var data []byte
	if err := r.Scan(&userID, &data); err != nil {
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
	t, ok, err := one(ctx, r.q, scanToken, "SELECT user_id, data FROM tokens WHERE hash = $1", text(hash))
	if err != nil {
		return nil, fmt.Errorf("postgres: token by hash: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	return t, nil
}

// TokensOfUser returns the user's tokens of the kind ("" for all), oldest first.
func (r reader) TokensOfUser(ctx context.Context, userID, kind string) ([]*model.Token, error) {
	ts, err := collect(ctx, r.q, scanToken,
		"SELECT user_id, data FROM tokens WHERE user_id = $1 AND ($2 = '' OR kind = $2) ORDER BY created_at, seq",
		text(userID), text(kind))
	if err != nil {
		return nil, fmt.Errorf("postgres: tokens of user: %w", err)
	}
	return ts, nil
}

// ---- rooms ----

func scanRoom(r pgx.Rows) (*model.Room, error) {
	var joinCode string
	var data []byte
	if err := r.Scan(&joinCode, &data); err != nil {
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
	rm, ok, err := one(ctx, r.q, scanRoom, "SELECT join_code, data FROM rooms WHERE id = $1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: room by id: %w", err)
	}
	if !ok {
		return nil, notFound("room", id)
	}
	return rm, nil
}

// RoomByName returns the channel or private group with exactly the name.
func (r reader) RoomByName(ctx context.Context, name string) (*model.Room, error) {
	rm, ok, err := one(ctx, r.q, scanRoom,
		"SELECT join_code, data FROM rooms WHERE name = $1 AND t IN ('c', 'p') AND name <> ''", text(name))
	if err != nil {
		return nil, fmt.Errorf("postgres: room by name: %w", err)
	}
	if !ok {
		return nil, notFound("room", name)
	}
	return rm, nil
}

// RoomByNameFold returns a channel or private group whose name equals
// name ignoring ASCII case (lower in the C collation folds ASCII only, as
// SQLite's does).
func (r reader) RoomByNameFold(ctx context.Context, name string) (*model.Room, error) {
	rm, ok, err := one(ctx, r.q, scanRoom,
		`SELECT join_code, data FROM rooms WHERE lower(name COLLATE "C") = lower($1 COLLATE "C") AND t IN ('c', 'p') AND name <> '' ORDER BY id LIMIT 1`, text(name))
	if err != nil {
		return nil, fmt.Errorf("postgres: room by name: %w", err)
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
	rs, err := collect(ctx, r.q, scanRoom, "SELECT join_code, data FROM rooms WHERE id = ANY($1)", texts(ids))
	if err != nil {
		return nil, fmt.Errorf("postgres: rooms by ids: %w", err)
	}
	return orderByIDs(rs, func(rm *model.Room) string { return rm.ID }, ids), nil
}

var roomSort = sortSpec{
	columns: map[string]string{
		"name": "name", "fname": "fname", "ts": "ts", "_updatedAt": "updated_at",
		"usersCount": "users_count", "msgs": "msgs", "lm": "lm",
	},
	def:      []store.SortKey{{Field: "name"}},
	tiebreak: "seq",
}

// ListRooms pages the rooms matching q.
func (r reader) ListRooms(ctx context.Context, q store.RoomQuery, p store.Page) ([]*model.Room, int, error) {
	var w where
	if len(q.Types) > 0 {
		w.add("t = ANY(" + w.arg(texts(q.Types)) + ")")
	}
	if len(q.IDs) > 0 {
		w.add("id = ANY(" + w.arg(texts(q.IDs)) + ")")
	}
	if q.Text != "" {
		w.add("strpos(search, " + w.arg(fold(q.Text)) + ") > 0")
	}
	if !q.UpdatedSince.IsZero() {
		w.add("updated_at > " + w.arg(millis(q.UpdatedSince)))
	}
	if q.Default != nil {
		w.add("is_default = " + w.arg(*q.Default))
	}
	if q.Archived != nil {
		w.add("archived = " + w.arg(*q.Archived))
	}
	switch {
	case q.TeamOrParent && q.ParentRoomID != "" && q.TeamID != "":
		w.add("(team_id = " + w.arg(text(q.TeamID)) + " OR prid = " + w.arg(text(q.ParentRoomID)) + ")")
	default:
		if q.ParentRoomID != "" {
			w.add("prid = " + w.arg(text(q.ParentRoomID)))
		}
		if q.TeamID != "" {
			w.add("team_id = " + w.arg(text(q.TeamID)))
		}
	}
	if q.TeamMain != nil {
		w.add("team_main = " + w.arg(*q.TeamMain))
	}
	if q.TeamDefault != nil {
		w.add("team_default = " + w.arg(*q.TeamDefault))
	}
	if q.MemberID != "" {
		w.add("(t = ANY(" + w.arg(texts(q.AlsoTypes)) + ") OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.rid = rooms.id AND s.u_id = " +
			w.arg(text(q.MemberID)) + "))")
	}
	if len(q.ExcludeIDs) > 0 {
		w.add("NOT (id = ANY(" + w.arg(texts(q.ExcludeIDs)) + "))")
	}
	if q.NoDiscussions {
		w.add("prid = ''")
	}
	if len(q.HiddenTeamIDs) > 0 {
		hidden := "NOT (team_id = ANY(" + w.arg(texts(q.HiddenTeamIDs)) + "))"
		if q.MemberID != "" {
			hidden = "(" + hidden + " OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.rid = rooms.id AND s.u_id = " + w.arg(text(q.MemberID)) + "))"
		}
		w.add(hidden)
	}
	return pageOf(ctx, r.q, "list rooms", scanRoom, "join_code, data", "rooms", &w, roomSort, p)
}

// ---- teams ----

// TeamByID returns the team with the id.
func (r reader) TeamByID(ctx context.Context, id string) (*model.Team, error) {
	tm, ok, err := one(ctx, r.q, scanJSON[model.Team], "SELECT data FROM teams WHERE id = $1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: team by id: %w", err)
	}
	if !ok {
		return nil, notFound("team", id)
	}
	return tm, nil
}

// TeamByName returns the team with exactly the name.
func (r reader) TeamByName(ctx context.Context, name string) (*model.Team, error) {
	tm, ok, err := one(ctx, r.q, scanJSON[model.Team], "SELECT data FROM teams WHERE name = $1", text(name))
	if err != nil {
		return nil, fmt.Errorf("postgres: team by name: %w", err)
	}
	if !ok {
		return nil, notFound("team", name)
	}
	return tm, nil
}

var teamSort = sortSpec{
	columns:  map[string]string{"name": "name", "createdAt": "created_at", "_updatedAt": "updated_at"},
	def:      []store.SortKey{{Field: "createdAt"}},
	tiebreak: "seq",
}

// ListTeams pages the teams matching q.
func (r reader) ListTeams(ctx context.Context, q store.TeamQuery, p store.Page) ([]*model.Team, int, error) {
	var w where
	if len(q.IDs) > 0 {
		w.add("id = ANY(" + w.arg(texts(q.IDs)) + ")")
	}
	if q.MemberID != "" {
		w.add("id IN (SELECT team_id FROM team_members WHERE user_id = " + w.arg(text(q.MemberID)) + ")")
	}
	if q.Type != nil {
		w.add("type = " + w.arg(*q.Type))
	}
	return pageOf(ctx, r.q, "list teams", scanJSON[model.Team], "data", "teams", &w, teamSort, p)
}

func scanTeamMember(r pgx.Rows) (*model.TeamMember, error) {
	var roles []string
	var data []byte
	if err := r.Scan(&roles, &data); err != nil {
		return nil, err
	}
	m := new(model.TeamMember)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode team member: %w", err)
	}
	m.Roles = listOf(roles)
	return m, nil
}

// TeamMember returns the user's membership of the team.
func (r reader) TeamMember(ctx context.Context, teamID, userID string) (*model.TeamMember, error) {
	m, ok, err := one(ctx, r.q, scanTeamMember,
		"SELECT roles, data FROM team_members WHERE team_id = $1 AND user_id = $2", text(teamID), text(userID))
	if err != nil {
		return nil, fmt.Errorf("postgres: team member: %w", err)
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
	w.add("m.team_id = " + w.arg(text(teamID)))
	if q.Username != "" {
		w.add("strpos(coalesce(u.username_fold, ''), " + w.arg(fold(q.Username)) + ") > 0")
	}
	if q.Name != "" {
		w.add("strpos(u.name_fold, " + w.arg(fold(q.Name)) + ") > 0")
	}
	if len(q.Statuses) > 0 {
		w.add("u.status = ANY(" + w.arg(texts(q.Statuses)) + ")")
	}
	if q.Active != nil {
		w.add("u.active = " + w.arg(*q.Active))
	}
	if q.Role != "" {
		w.add(w.arg(text(q.Role)) + " = ANY(m.roles)")
	}
	if q.UserIDs != nil {
		w.add("m.user_id = ANY(" + w.arg(texts(q.UserIDs)) + ")")
	}
	return pageOf(ctx, r.q, "team members", scanTeamMember, "m.roles, m.data",
		"team_members AS m JOIN users AS u ON u.id = m.user_id", &w, teamMemberSort, p)
}

// ---- subscriptions ----

// subCols lists the subscription columns in the order of scanSub and subArgs.
const subCols = `id, rid, u_id, u_username, u_name, t, name, fname, ts, updated_at, ls,
	open, alert, unread, user_mentions, group_mentions, f, roles, archived, prid,
	tunread, tunread_user, tunread_group, disable_notifs, hide_unread, unread_alert,
	desktop_notifs, mobile_notifs, email_notifs, user_highlights,
	hide_mention, mute_group_mentions, audio_notif, desktop_origin, mobile_origin, email_origin,
	e2e_key, e2e_suggested_key, e2e_old_keys, e2e_suggested_old_keys, ignored`

func scanSub(r pgx.Rows) (*model.Subscription, error) {
	var (
		sub                                          model.Subscription
		ts, upd, ls                                  int64
		oldKeys, suggestedOldKeys                    string
		unread, userMentions, groupMentions          int64
		roles, tunread, tunreadUser, tunreadGroup, h []string
		ignored                                      []string
	)
	err := r.Scan(&sub.ID, &sub.RoomID, &sub.User.ID, &sub.User.Username, &sub.User.Name, &sub.RoomType, &sub.Name, &sub.DisplayName,
		&ts, &upd, &ls, &sub.Open, &sub.Alert, &unread, &userMentions, &groupMentions,
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
	sub.Unread, sub.UserMentions, sub.GroupMentions = int(unread), int(userMentions), int(groupMentions)
	sub.Roles, sub.UnreadThreads, sub.UnreadThreadMentions, sub.UnreadThreadGroupMentions, sub.UserHighlights =
		listOf(roles), listOf(tunread), listOf(tunreadUser), listOf(tunreadGroup), listOf(h)
	sub.Ignored = listOf(ignored)
	return &sub, nil
}

func (r reader) subWhere(ctx context.Context, op, what, cond string, args ...any) (*model.Subscription, error) {
	s, ok, err := one(ctx, r.q, scanSub, "SELECT "+subCols+" FROM subscriptions WHERE "+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !ok {
		return nil, notFound("subscription", what)
	}
	return s, nil
}

// Subscription returns the user's subscription to the room.
func (r reader) Subscription(ctx context.Context, roomID, userID string) (*model.Subscription, error) {
	return r.subWhere(ctx, "subscription", roomID+"/"+userID, "rid = $1 AND u_id = $2", text(roomID), text(userID))
}

// SubscriptionByID returns the subscription with the id.
func (r reader) SubscriptionByID(ctx context.Context, id string) (*model.Subscription, error) {
	return r.subWhere(ctx, "subscription by id", id, "id = $1", text(id))
}

// SubscriptionsOfUser returns the user's subscriptions matching q, least
// recently updated first.
func (r reader) SubscriptionsOfUser(ctx context.Context, userID string, q store.SubscriptionQuery) ([]*model.Subscription, error) {
	var w where
	w.add("u_id = " + w.arg(text(userID)))
	if !q.UpdatedSince.IsZero() {
		w.add("updated_at > " + w.arg(millis(q.UpdatedSince)))
	}
	if len(q.Types) > 0 {
		w.add("t = ANY(" + w.arg(texts(q.Types)) + ")")
	}
	if q.Open != nil {
		w.add("open = " + w.arg(*q.Open))
	}
	subs, err := collect(ctx, r.q, scanSub, "SELECT "+subCols+" FROM subscriptions"+w.String()+" ORDER BY updated_at, seq", w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: subscriptions of user: %w", err)
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
	w.add("rid = " + w.arg(text(roomID)))
	if q.Text != "" {
		w.add("strpos(u_search, " + w.arg(fold(q.Text)) + ") > 0")
	}
	return pageOf(ctx, r.q, "subscriptions of room", scanSub, subCols, "subscriptions", &w, memberSort, p)
}

// MemberIDs returns the user ids of the room's subscriptions, sorted.
func (r reader) MemberIDs(ctx context.Context, roomID string) ([]string, error) {
	ids, err := collect(ctx, r.q, scanString, "SELECT u_id FROM subscriptions WHERE rid = $1 ORDER BY u_id", text(roomID))
	if err != nil {
		return nil, fmt.Errorf("postgres: member ids: %w", err)
	}
	return ids, nil
}

// ---- messages ----

// MessageByID returns the message with the id.
func (r reader) MessageByID(ctx context.Context, id string) (*model.Message, error) {
	m, ok, err := one(ctx, r.q, scanMessage, "SELECT data FROM messages WHERE id = $1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: message by id: %w", err)
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
		w.add("hidden")
	case !q.IncludeHidden:
		w.add("NOT hidden")
	}
	if q.RoomID != "" {
		w.add("rid = " + w.arg(text(q.RoomID)))
	}
	lt, gt := "<", ">"
	if q.Inclusive {
		lt, gt = "<=", ">="
	}
	if !q.Before.IsZero() {
		w.add("ts " + lt + " " + w.arg(millis(q.Before)))
	}
	if !q.After.IsZero() {
		w.add("ts " + gt + " " + w.arg(millis(q.After)))
	}
	if !q.UpdatedSince.IsZero() {
		w.add("updated_at > " + w.arg(millis(q.UpdatedSince)))
	}
	if !q.UpdatedBefore.IsZero() {
		w.add("updated_at < " + w.arg(millis(q.UpdatedBefore)))
	}
	if q.ThreadID != "" {
		w.add("tmid = " + w.arg(text(q.ThreadID)))
	}
	if q.ThreadsOnly {
		w.add("tcount > 0")
	}
	if q.HideThreadReplies {
		w.add("(tmid IS NULL OR tshow)")
	}
	if q.Pinned {
		w.add("pinned")
	}
	if q.NotPinned {
		w.add("NOT pinned")
	}
	if q.NoThreads {
		w.add("tmid IS NULL AND tcount = 0")
	}
	if q.StarredBy != "" {
		w.add(w.arg(text(q.StarredBy)) + " = ANY(starred_ids)")
	}
	if q.FollowedBy != "" {
		w.add(w.arg(text(q.FollowedBy)) + " = ANY(follower_ids)")
	}
	if q.MentionsUser != "" {
		w.add(w.arg(text(q.MentionsUser)) + " = ANY(mention_ids)")
	}
	if q.FromUser != "" {
		w.add("u_id = " + w.arg(text(q.FromUser)))
	}
	if q.FromUsers != nil {
		w.add("u_id = ANY(" + w.arg(texts(q.FromUsers)) + ")")
	}
	if len(q.ExcludeTypes) > 0 {
		w.add("t <> ALL(" + w.arg(texts(q.ExcludeTypes)) + ")")
	}
	if q.OnlyUserMessages {
		w.add("t = ''")
	}
	if len(q.IDs) > 0 {
		w.add("id = ANY(" + w.arg(texts(q.IDs)) + ")")
	}
	if q.TextContains != "" {
		w.add("msg ILIKE " + w.arg(likePattern(q.TextContains)))
	}
	switch {
	case q.DiscussionID != "":
		w.add("drid = " + w.arg(text(q.DiscussionID)))
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
	columns:  map[string]string{"ts": "ts"},
	def:      []store.SortKey{{Field: "ts", Desc: true}},
	tiebreak: "seq",
}

// tsQuery turns free text into a text search query that cannot be
// malformed: every word (a run of letters and digits), quoted, must occur
// as a word prefix. The words go through the same configuration as the
// indexed texts (lower case, accents removed).
func tsQuery(s string) string {
	words := strings.FieldsFunc(text(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	for i, w := range words {
		words[i] = "'" + w + "':*"
	}
	return strings.Join(words, " & ")
}

// SearchMessages finds the room's messages containing every word of text
// (as word prefixes, ignoring case and accents), newest first. Hidden
// messages are left out.
func (r reader) SearchMessages(ctx context.Context, roomID, query string, p store.Page) ([]*model.Message, int, error) {
	tsq := tsQuery(query)
	if tsq == "" {
		if _, err := searchSort.orderLimit(p); err != nil {
			return nil, 0, fmt.Errorf("postgres: search messages: %w", err)
		}
		return nil, 0, nil
	}
	var w where
	w.add("search @@ to_tsquery('liftoff_search', " + w.arg(tsq) + ")")
	w.add("rid = " + w.arg(text(roomID)))
	w.add("NOT hidden")
	return pageOf(ctx, r.q, "search messages", scanMessage, "data", "messages", &w, searchSort, p)
}

var deletedSort = sortSpec{
	columns:  map[string]string{"_deletedAt": "deleted_at"},
	def:      []store.SortKey{{Field: "_deletedAt"}},
	tiebreak: "seq",
}

func scanTombstone(r pgx.Rows) (store.Tombstone, error) {
	var t store.Tombstone
	var at int64
	err := r.Scan(&t.ID, &t.Kind, &t.RoomID, &t.UserID, &at, &t.ThreadID, &t.Thread)
	t.DeletedAt = timeOf(at)
	return t, err
}

// Deleted pages the tombstones matching q, oldest first by default
// (sortable by "_deletedAt"). RoomID and UserID filter whatever the kind.
func (r reader) Deleted(ctx context.Context, q store.DeletedQuery, p store.Page) ([]store.Tombstone, int, error) {
	switch q.Kind {
	case store.KindMessage, store.KindRoom, store.KindSubscription, store.KindEmoji:
	default:
		return nil, 0, fmt.Errorf("postgres: deleted: unknown kind %q", q.Kind)
	}
	var w where
	w.add("kind = " + w.arg(q.Kind))
	if q.RoomID != "" {
		w.add("rid = " + w.arg(text(q.RoomID)))
	}
	if q.UserID != "" {
		w.add("uid = " + w.arg(text(q.UserID)))
	}
	if q.ThreadID != "" {
		w.add("tmid = " + w.arg(text(q.ThreadID)))
	}
	if q.ThreadsOnly {
		w.add("thread")
	}
	if !q.Since.IsZero() {
		w.add("deleted_at > " + w.arg(millis(q.Since)))
	}
	if !q.Before.IsZero() {
		w.add("deleted_at < " + w.arg(millis(q.Before)))
	}
	return pageOf(ctx, r.q, "deleted", scanTombstone, "id, kind, rid, uid, deleted_at, tmid, thread", "tombstones", &w, deletedSort, p)
}

// ---- roles, permissions, settings ----

// Roles returns every role, by id.
func (r reader) Roles(ctx context.Context) ([]*model.Role, error) {
	rs, err := collect(ctx, r.q, scanJSON[model.Role], "SELECT data FROM roles ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: roles: %w", err)
	}
	return rs, nil
}

// RoleByID returns the role with the id, or else with the name.
func (r reader) RoleByID(ctx context.Context, id string) (*model.Role, error) {
	rl, ok, err := one(ctx, r.q, scanJSON[model.Role],
		"SELECT data FROM roles WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: role by id: %w", err)
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
		w.add("roles @> ARRAY[" + w.arg(text(roleID)) + "::text]")
	} else {
		w.add("id IN (SELECT u_id FROM subscriptions WHERE rid = " + w.arg(text(roomID)) + " AND " + w.arg(text(roleID)) + " = ANY(roles))")
	}
	return pageOf(ctx, r.q, "users in role", scanJSON[model.User], "data", "users", &w, userSort, p)
}

// Permissions returns every permission, by id.
func (r reader) Permissions(ctx context.Context) ([]*model.Permission, error) {
	ps, err := collect(ctx, r.q, scanJSON[model.Permission], "SELECT data FROM permissions ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: permissions: %w", err)
	}
	return ps, nil
}

// PermissionByID returns the permission with the id.
func (r reader) PermissionByID(ctx context.Context, id string) (*model.Permission, error) {
	p, ok, err := one(ctx, r.q, scanJSON[model.Permission], "SELECT data FROM permissions WHERE id = $1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: permission by id: %w", err)
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
		return nil, fmt.Errorf("postgres: settings: %w", err)
	}
	return ss, nil
}

// SettingByID returns the setting with the id.
func (r reader) SettingByID(ctx context.Context, id string) (*model.Setting, error) {
	s, ok, err := one(ctx, r.q, scanJSON[model.Setting], "SELECT data FROM settings WHERE id = $1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: setting by id: %w", err)
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
	var v [14]int64
	err := r.scanRow(ctx, `SELECT count(*), count(*) FILTER (WHERE active),
		count(*) FILTER (WHERE status = 'online'), count(*) FILTER (WHERE status = 'away'),
		count(*) FILTER (WHERE status = 'busy'), count(*) FILTER (WHERE status = 'offline' OR status = '')
		FROM users`, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5])
	if err != nil {
		return c, fmt.Errorf("postgres: counts of users: %w", err)
	}
	err = r.scanRow(ctx, `SELECT count(*), count(*) FILTER (WHERE t = 'c'), count(*) FILTER (WHERE t = 'p'),
		count(*) FILTER (WHERE t = 'd') FROM rooms`, &v[6], &v[7], &v[8], &v[9])
	if err != nil {
		return c, fmt.Errorf("postgres: counts of rooms: %w", err)
	}
	err = r.scanRow(ctx, `SELECT (SELECT count(*) FROM messages WHERE NOT hidden),
		coalesce(sum(n) FILTER (WHERE r.t = 'c'), 0),
		coalesce(sum(n) FILTER (WHERE r.t = 'p'), 0),
		coalesce(sum(n) FILTER (WHERE r.t = 'd'), 0)
		FROM (SELECT rid, count(*) AS n FROM messages WHERE NOT hidden GROUP BY rid) AS m JOIN rooms AS r ON r.id = m.rid`,
		&v[10], &v[11], &v[12], &v[13])
	if err != nil {
		return c, fmt.Errorf("postgres: counts of messages: %w", err)
	}
	c = store.Counts{
		TotalUsers: int(v[0]), ActiveUsers: int(v[1]), OnlineUsers: int(v[2]), AwayUsers: int(v[3]), BusyUsers: int(v[4]), OfflineUsers: int(v[5]),
		TotalRooms: int(v[6]), TotalChannels: int(v[7]), TotalPrivateGroups: int(v[8]), TotalDirect: int(v[9]),
		TotalMessages: int(v[10]), TotalChannelMessages: int(v[11]), TotalPrivateGroupMessages: int(v[12]), TotalDirectMessages: int(v[13]),
	}
	return c, nil
}

// scanRow reads the single row of query into dest.
func (r reader) scanRow(ctx context.Context, query string, dest ...any) error {
	rows, err := r.q.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// scanMessage reads a message's data column (see msgjson for why not
// encoding/json).
func scanMessage(r pgx.Rows) (*model.Message, error) {
	var data []byte
	if err := r.Scan(&data); err != nil {
		return nil, err
	}
	return msgjson.Decode(data)
}

// ---- user services ----

func scanUserService(r pgx.Rows) (*model.UserService, error) {
	var us model.UserService
	var updated int64
	var data string
	if err := r.Scan(&us.UserID, &us.Service, &us.ExternalID, &updated, &data); err != nil {
		return nil, err
	}
	us.UpdatedAt = timeOf(updated)
	us.Data = []byte(data)
	return &us, nil
}

const userServiceColumns = "SELECT user_id, service, external_id, updated_at, data FROM user_services "

// UserService returns the user's record of the service.
func (r reader) UserService(ctx context.Context, userID, service string) (*model.UserService, error) {
	us, ok, err := one(ctx, r.q, scanUserService, userServiceColumns+"WHERE user_id = $1 AND service = $2", text(userID), text(service))
	if err != nil {
		return nil, fmt.Errorf("postgres: user service: %w", err)
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
	us, ok, err := one(ctx, r.q, scanUserService, userServiceColumns+"WHERE service = $1 AND external_id = $2", text(service), text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: user service by external id: %w", err)
	}
	if !ok {
		return nil, notFound("user service", service)
	}
	return us, nil
}

// UserServices lists every user's record of the service, by user id.
func (r reader) UserServices(ctx context.Context, service string) ([]*model.UserService, error) {
	out, err := collect(ctx, r.q, scanUserService, userServiceColumns+"WHERE service = $1 ORDER BY user_id", text(service))
	if err != nil {
		return nil, fmt.Errorf("postgres: user services: %w", err)
	}
	return out, nil
}

// ---- pending sign-in state ----

func scanBytes(r pgx.Rows) ([]byte, error) {
	var b []byte
	err := r.Scan(&b)
	return b, err
}

// Pending returns the live value under key.
func (r reader) Pending(ctx context.Context, key string, now model.Time) ([]byte, error) {
	v, ok, err := one(ctx, r.q, scanBytes, "SELECT value FROM pending_auth WHERE key = $1 AND expires_at > $2", text(key), millis(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: pending: %w", err)
	}
	if !ok {
		return nil, notFound("pending", "")
	}
	return v, nil
}
