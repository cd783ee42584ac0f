// Package moderation keeps Rocket.Chat's moderation reports (6.2+): any
// user reports a message they can read (chat.reportMessage) or a user
// (moderation.reportUser); holders of view-moderation-console list them
// grouped by reported user, per message and per user, and holders of
// manage-moderation-actions dismiss them or delete the reported messages.
// A dismissed report is hidden, never removed, with who dismissed it, when,
// why and what they did (moderationInfo). Its endpoints live in
// moderation/moderationapi; its store is declared here and implemented by
// store/sqlite and store/postgres (contract suite in moderation/moderationtest).
package moderation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// Report is one report, in Rocket.Chat's IModerationReport shape: a
// message report has Message and Room (copies taken when reported), a
// user report has ReportedUser.
type Report struct {
	ID           string         `json:"_id"`
	Message      *model.Message `json:"message,omitempty"`
	Room         *RoomInfo      `json:"room,omitempty"`
	ReportedUser *UserInfo      `json:"reportedUser,omitempty"`
	Description  string         `json:"description"`
	TS           model.Time     `json:"ts"`
	ReportedBy   UserInfo       `json:"reportedBy"`
	// ModerationInfo and Hidden are set when the report is dismissed.
	ModerationInfo *Info      `json:"moderationInfo,omitempty"`
	Hidden         bool       `json:"_hidden,omitempty"`
	UpdatedAt      model.Time `json:"_updatedAt"`
}

// RoomInfo is the room of a reported message, as it was.
type RoomInfo struct {
	ID          string `json:"_id"`
	Name        string `json:"name,omitempty"`
	DisplayName string `json:"fname,omitempty"`
	Type        string `json:"t"`
	Federated   bool   `json:"federated,omitempty"`
}

// UserInfo is a reporting or reported user, as they were.
type UserInfo struct {
	ID        string        `json:"_id"`
	Username  string        `json:"username,omitempty"`
	Name      string        `json:"name,omitempty"`
	Emails    []model.Email `json:"emails,omitempty"`
	CreatedAt *model.Time   `json:"createdAt,omitempty"`
}

// Info says who dismissed a report, when, why and with which action.
type Info struct {
	ModeratedBy string     `json:"moderatedBy"`
	HiddenAt    model.Time `json:"hiddenAt"`
	Reason      string     `json:"reason"`
	Action      string     `json:"action"`
}

// Query selects visible (not dismissed) reports; every field set must
// match.
type Query struct {
	// Kind is KindMessage or KindUser ("" for both).
	Kind            string
	MessageID       string
	MessageAuthorID string
	ReportedUserID  string
}

// The kinds of report.
const (
	KindMessage = "message"
	KindUser    = "user"
)

// Store keeps the reports.
type Store interface {
	// InsertReport adds r (store.ErrConflict when its id is taken).
	InsertReport(ctx context.Context, r *Report) error
	// ReportByID returns the report, dismissed or not (store.ErrNotFound).
	ReportByID(ctx context.Context, id string) (*Report, error)
	// Reports returns the visible reports q selects, newest first.
	Reports(ctx context.Context, q Query) ([]*Report, error)
	// HideReports dismisses every visible report q selects with info and
	// returns how many it dismissed.
	HideReports(ctx context.Context, q Query, info Info) (int, error)
}

// Users finds users (chat.Accounts implements it through an adapter).
type Users interface {
	// UserByID returns the user (store.ErrNotFound when there is none).
	UserByID(ctx context.Context, id string) (*model.User, error)
}

// Messages is what moderation needs of messages and rooms.
type Messages interface {
	// MessageByID returns the message (store.ErrNotFound).
	MessageByID(ctx context.Context, id string) (*model.Message, error)
	// RoomByID returns the room (store.ErrNotFound).
	RoomByID(ctx context.Context, id string) (*model.Room, error)
	// CanAccessRoom returns nil when user may read the room.
	CanAccessRoom(ctx context.Context, user *model.User, room *model.Room) error
	// DeleteMessage deletes a reported message for moderator, whatever
	// their access to its room (nil when it is gone already).
	DeleteMessage(ctx context.Context, moderator *model.User, messageID string) error
}

// Service runs moderation.
type Service struct {
	store    Store
	users    Users
	messages Messages
	now      func() time.Time
}

// New returns a Service; now is the server clock (time.Now when nil).
func New(s Store, users Users, messages Messages, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, users: users, messages: messages, now: now}
}

// Rocket.Chat's failures, plain strings.
var (
	ErrInvalidMessage = model.Bare(model.KindInvalid, "error-invalid-message_id")
	ErrInvalidUserID  = model.Bare(model.KindInvalid, "Invalid user id provided.")
	ErrNoReports      = model.Bare(model.KindInvalid, "no-reports-found")
	ErrReportNotFound = model.Bare(model.KindInvalid, "error-report-not-found")
	ErrNoReportedMsgs = model.Bare(model.KindInvalid, "No reported messages found for this user.")
	ErrUserIDMissing  = model.Bare(model.KindInvalid, "error-user-id-param-not-provided")
	errInvalidDescr   = model.Bare(model.KindInvalid, "error-invalid-description")
	errInvalidUser    = model.Bare(model.KindInvalid, "error-invalid-user")
)

func userInfo(u *model.User, withEmails bool) UserInfo {
	in := UserInfo{ID: u.ID, Username: u.Username, Name: u.Name}
	if !u.CreatedAt.IsZero() {
		t := u.CreatedAt
		in.CreatedAt = &t
	}
	if withEmails {
		in.Emails = slices.Clone(u.Emails)
	}
	return in
}

// ReportMessage records actor's report of a message they can read, with a
// description that is not blank.
func (s *Service) ReportMessage(ctx context.Context, actor *model.User, messageID, description string) error {
	if actor == nil {
		return errInvalidUser
	}
	if strings.TrimSpace(description) == "" {
		return errInvalidDescr
	}
	msg, err := s.messages.MessageByID(ctx, messageID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidMessage
	}
	if err != nil {
		return fmt.Errorf("moderation: message: %w", err)
	}
	room, err := s.messages.RoomByID(ctx, msg.RoomID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidMessage
	}
	if err != nil {
		return fmt.Errorf("moderation: room: %w", err)
	}
	if s.messages.CanAccessRoom(ctx, actor, room) != nil {
		return ErrInvalidMessage
	}
	now := model.TimeOf(s.now())
	r := &Report{ID: model.NewID(), Message: msg, Description: description, TS: now, UpdatedAt: now,
		ReportedBy: userInfo(actor, false),
		Room:       &RoomInfo{ID: room.ID, Name: room.Name, DisplayName: room.DisplayName, Type: room.Type}}
	if err := s.store.InsertReport(ctx, r); err != nil {
		return fmt.Errorf("moderation: insert report: %w", err)
	}
	return nil
}

// ReportUser records actor's report of the user userID.
func (s *Service) ReportUser(ctx context.Context, actor *model.User, userID, description string) error {
	u, err := s.users.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidUserID
	}
	if err != nil {
		return fmt.Errorf("moderation: user: %w", err)
	}
	now := model.TimeOf(s.now())
	ru := userInfo(u, true)
	r := &Report{ID: model.NewID(), ReportedUser: &ru, Description: description, TS: now, UpdatedAt: now,
		ReportedBy: userInfo(actor, false)}
	if err := s.store.InsertReport(ctx, r); err != nil {
		return fmt.Errorf("moderation: insert report: %w", err)
	}
	return nil
}

// Range bounds the reports of the grouped lists: ts strictly between
// Oldest and Latest (zero Latest: now).
type Range struct {
	Oldest, Latest time.Time
}

func (rg Range) has(t time.Time, now time.Time) bool {
	latest := rg.Latest
	if latest.IsZero() {
		latest = now
	}
	return t.Before(latest) && t.After(rg.Oldest)
}

// fold reports whether sub occurs in any of the fields, ignoring case
// (Rocket.Chat's escaped, case-insensitive regular expression).
func fold(sub string, fields ...string) bool {
	if sub == "" {
		return true
	}
	sub = strings.ToLower(sub)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), sub) {
			return true
		}
	}
	return false
}

func messageMatches(r *Report, selector string) bool {
	return fold(selector, r.Message.Msg, r.Description, r.Message.Author.Username, r.Message.Author.Name)
}

func userMatches(r *Report, selector string) bool {
	return fold(selector, r.ReportedUser.Username, r.ReportedUser.Name)
}

// UserAudit is one line of moderation.reportsByUsers: a user whose messages
// were reported, their latest reported message, the rooms and the count.
type UserAudit struct {
	UserID        string
	Username      string
	Name          string
	Message       string
	MessageID     string
	TS            model.Time
	Rooms         []RoomInfo
	Count         int
	IsUserDeleted bool
}

// Sort is the order of a grouped list: by the latest report (default,
// newest first) or by count.
type Sort struct {
	ByCount bool
	Asc     bool
}

// page cuts items to the page.
func page[T any](items []T, p model.Page) []T {
	if p.Offset >= len(items) {
		return []T{}
	}
	items = items[p.Offset:]
	if p.Count > 0 && len(items) > p.Count {
		items = items[:p.Count]
	}
	return items
}

// MessageReportsByUser groups the visible message reports in the range
// (matching selector) by the reported message's author. It returns a page
// and the number of authors.
func (s *Service) MessageReportsByUser(ctx context.Context, rg Range, selector string, srt Sort, p model.Page) ([]UserAudit, int, error) {
	reports, err := s.store.Reports(ctx, Query{Kind: KindMessage})
	if err != nil {
		return nil, 0, fmt.Errorf("moderation: reports: %w", err)
	}
	now := s.now()
	byUser := map[string]*UserAudit{}
	var order []*UserAudit
	for _, r := range reports { // newest first: the first of a user is their latest
		if !rg.has(r.TS.Time, now) || !messageMatches(r, selector) {
			continue
		}
		a := byUser[r.Message.Author.ID]
		if a == nil {
			a = &UserAudit{UserID: r.Message.Author.ID, Username: r.Message.Author.Username, Name: r.Message.Author.Name,
				Message: r.Message.Msg, MessageID: r.Message.ID, TS: r.TS, Rooms: []RoomInfo{}}
			byUser[a.UserID] = a
			order = append(order, a)
		}
		a.Count++
		if r.Room != nil && !slices.ContainsFunc(a.Rooms, func(x RoomInfo) bool { return x == *r.Room }) {
			a.Rooms = append(a.Rooms, *r.Room)
		}
	}
	sortGroups(order, srt, func(a *UserAudit) (model.Time, int) { return a.TS, a.Count })
	out := page(order, p)
	lines := make([]UserAudit, 0, len(out))
	for _, a := range out {
		_, err := s.users.UserByID(ctx, a.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, 0, fmt.Errorf("moderation: user: %w", err)
		}
		a.IsUserDeleted = err != nil
		lines = append(lines, *a)
	}
	return lines, len(order), nil
}

func sortGroups[T any](items []T, srt Sort, key func(T) (model.Time, int)) {
	slices.SortStableFunc(items, func(a, b T) int {
		ta, ca := key(a)
		tb, cb := key(b)
		c := ta.Compare(tb.Time)
		if srt.ByCount {
			c = cmp.Compare(ca, cb)
		}
		if !srt.Asc {
			c = -c
		}
		return c
	})
}

// UserReportLine is one line of moderation.userReports: a reported user
// as their latest report has them, its time and the number of reports.
type UserReportLine struct {
	ReportedUser UserInfo
	TS           model.Time
	Count        int
}

// UserReports groups the visible user reports in the range (matching
// selector) by reported user. It returns a page and the number of users.
func (s *Service) UserReports(ctx context.Context, rg Range, selector string, srt Sort, p model.Page) ([]UserReportLine, int, error) {
	reports, err := s.store.Reports(ctx, Query{Kind: KindUser})
	if err != nil {
		return nil, 0, fmt.Errorf("moderation: reports: %w", err)
	}
	now := s.now()
	byUser := map[string]*UserReportLine{}
	var order []*UserReportLine
	for _, r := range reports {
		if !rg.has(r.TS.Time, now) || !userMatches(r, selector) {
			continue
		}
		l := byUser[r.ReportedUser.ID]
		if l == nil {
			l = &UserReportLine{ReportedUser: *r.ReportedUser, TS: r.TS}
			byUser[r.ReportedUser.ID] = l
			order = append(order, l)
		}
		l.Count++
	}
	sortGroups(order, srt, func(l *UserReportLine) (model.Time, int) { return l.TS, l.Count })
	out := make([]UserReportLine, 0, p.Count)
	for _, l := range page(order, p) {
		out = append(out, *l)
	}
	return out, len(order), nil
}

// list returns the page of the visible reports q selects that keep
// matches, newest first (oldest first when asc), and their number.
func (s *Service) list(ctx context.Context, q Query, keep func(*Report) bool, asc bool, p model.Page) ([]*Report, int, error) {
	reports, err := s.store.Reports(ctx, q)
	if err != nil {
		return nil, 0, fmt.Errorf("moderation: reports: %w", err)
	}
	reports = slices.DeleteFunc(reports, func(r *Report) bool { return !keep(r) })
	if asc {
		slices.Reverse(reports)
	}
	return page(reports, p), len(reports), nil
}

// ReportedMessages returns the user (nil when there is none) and a page of
// the visible reports of their messages (one line per message: count is
// the page's number of reports, as Rocket.Chat's), with their number.
func (s *Service) ReportedMessages(ctx context.Context, userID, selector string, asc bool, p model.Page) (*model.User, []*Report, int, int, error) {
	u, err := s.optionalUser(ctx, userID)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	reports, total, err := s.list(ctx, Query{Kind: KindMessage, MessageAuthorID: userID},
		func(r *Report) bool { return fold(selector, r.Message.Msg) }, asc, p)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	seen := map[string]bool{}
	unique := []*Report{}
	for _, r := range reports {
		if !seen[r.Message.ID] {
			seen[r.Message.ID] = true
			unique = append(unique, r)
		}
	}
	return u, unique, len(reports), total, nil
}

// ReportsOfUser returns the user (nil when there is none; their e-mail
// addresses are those the reports saw) and a page of the visible reports
// of that user, with their number.
func (s *Service) ReportsOfUser(ctx context.Context, userID, selector string, asc bool, p model.Page) (*model.User, []*Report, int, error) {
	u, err := s.optionalUser(ctx, userID)
	if err != nil {
		return nil, nil, 0, err
	}
	reports, total, err := s.list(ctx, Query{Kind: KindUser, ReportedUserID: userID},
		func(r *Report) bool { return userMatches(r, selector) }, asc, p)
	if err != nil {
		return nil, nil, 0, err
	}
	if u != nil {
		c := *u
		c.Emails = nil
		for _, r := range reports {
			if len(r.ReportedUser.Emails) > 0 {
				e := r.ReportedUser.Emails[0]
				if !slices.ContainsFunc(c.Emails, func(x model.Email) bool { return x.Address == e.Address }) {
					c.Emails = append(c.Emails, e)
				}
			}
		}
		u = &c
	}
	return u, reports, total, nil
}

func (s *Service) optionalUser(ctx context.Context, id string) (*model.User, error) {
	u, err := s.users.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("moderation: user: %w", err)
	}
	return u, nil
}

// ReportsOfMessage returns a page of the visible reports of a message
// (matching selector), with their number.
func (s *Service) ReportsOfMessage(ctx context.Context, messageID, selector string, asc bool, p model.Page) ([]*Report, int, error) {
	return s.list(ctx, Query{Kind: KindMessage, MessageID: messageID}, func(r *Report) bool { return messageMatches(r, selector) }, asc, p)
}

// ReportByID returns a report, dismissed or not.
func (s *Service) ReportByID(ctx context.Context, id string) (*Report, error) {
	r, err := s.store.ReportByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrReportNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("moderation: report: %w", err)
	}
	return r, nil
}

func reasonOr(reason string) string {
	if strings.TrimSpace(reason) == "" {
		return "No reason provided"
	}
	return reason
}

// DismissReports dismisses the visible message reports of the user
// userID's messages, or of the message msgID (no-reports-found when there
// are none). action defaults to "None".
func (s *Service) DismissReports(ctx context.Context, moderator *model.User, userID, msgID, reason, action string) error {
	q := Query{Kind: KindMessage, MessageAuthorID: userID}
	if userID == "" {
		q = Query{Kind: KindMessage, MessageID: msgID}
	}
	found, err := s.store.Reports(ctx, q)
	if err != nil {
		return fmt.Errorf("moderation: reports: %w", err)
	}
	if len(found) == 0 {
		return ErrNoReports
	}
	if action == "" {
		action = "None"
	}
	return s.hide(ctx, q, moderator, reasonOr(reason), action)
}

func (s *Service) hide(ctx context.Context, q Query, moderator *model.User, reason, action string) error {
	_, err := s.store.HideReports(ctx, q, Info{ModeratedBy: moderator.ID, HiddenAt: model.TimeOf(s.now()), Reason: reason, Action: action})
	if err != nil {
		return fmt.Errorf("moderation: hide reports: %w", err)
	}
	return nil
}

// DismissUserReports dismisses the visible reports of the user userID.
// Rocket.Chat keeps an empty reason here (only a missing one becomes "No
// reason provided"); reason is nil when missing.
func (s *Service) DismissUserReports(ctx context.Context, moderator *model.User, userID string, reason *string, action string) error {
	if userID == "" {
		return ErrUserIDMissing
	}
	why := "No reason provided"
	if reason != nil {
		why = *reason
	}
	if action == "" {
		action = "None"
	}
	return s.hide(ctx, Query{Kind: KindUser, ReportedUserID: userID}, moderator, why, action)
}

// DeleteReportedMessages deletes the user's reported messages (the newest
// page of their visible reports, as Rocket.Chat) and dismisses every
// report of their messages with the action "DELETE Messages".
func (s *Service) DeleteReportedMessages(ctx context.Context, moderator *model.User, userID, reason string, p model.Page) error {
	q := Query{Kind: KindMessage, MessageAuthorID: userID}
	reports, err := s.store.Reports(ctx, q)
	if err != nil {
		return fmt.Errorf("moderation: reports: %w", err)
	}
	if len(reports) == 0 {
		return ErrNoReportedMsgs
	}
	done := map[string]bool{}
	for _, r := range page(reports, p) {
		if done[r.Message.ID] {
			continue
		}
		done[r.Message.ID] = true
		if err := s.messages.DeleteMessage(ctx, moderator, r.Message.ID); err != nil {
			return fmt.Errorf("moderation: delete message %s: %w", r.Message.ID, err)
		}
	}
	return s.hide(ctx, q, moderator, reasonOr(reason), "DELETE Messages")
}
