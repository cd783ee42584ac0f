package model

import (
	"encoding/json"
	"errors"
	"fmt"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Kind classifies a domain error by what went wrong, independently of any
// transport. Transports map kinds to their own codes in one place (the REST
// API to HTTP statuses); the wire keeps Rocket.Chat's errorType strings,
// which say more precisely what failed.
type Kind uint8

// The kinds of domain errors. The zero Kind is KindInvalid, so an Error
// built without a constructor is a plain refusal of the input.
const (
	// KindInvalid: the input is malformed or the operation cannot apply
	// to it (a missing parameter, a name already taken by the rules, a
	// room of the wrong type).
	KindInvalid Kind = iota
	// KindNotFound: something the call names does not exist (or the
	// caller may not know that it does).
	KindNotFound
	// KindConflict: the operation collides with existing state (a
	// duplicate name, an entry already present).
	KindConflict
	// KindForbidden: the caller is known but lacks the permission or the
	// role the operation needs.
	KindForbidden
	// KindUnauthenticated: the caller's credentials are missing, wrong or
	// expired.
	KindUnauthenticated
	// KindTooLarge: the request is larger than the server accepts.
	KindTooLarge
	// KindRateLimited: the caller made too many calls; they may retry later.
	KindRateLimited
)

var kindNames = [...]string{
	KindInvalid:         "invalid",
	KindNotFound:        "not found",
	KindConflict:        "conflict",
	KindForbidden:       "forbidden",
	KindUnauthenticated: "unauthenticated",
	KindTooLarge:        "too large",
	KindRateLimited:     "rate limited",
}

// String names the kind ("not found").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Error is a domain error a client may see. Kind classifies it; Type is
// Rocket.Chat's errorType (for example "error-room-not-found"); Reason is
// the human text. Transports render it in their own envelope: REST as
// {"success":false,"error":...,"errorType":...} with the status of its
// kind, DDP as a Meteor.Error. Build errors with the constructor of their
// kind (Invalid, NotFound, Forbidden, ...).
type Error struct {
	// Kind and NamesMethod guide the transports; they are not part of any
	// encoding.
	Kind    Kind `json:"-"`
	Type    string
	Reason  string
	Details map[string]any
	// Bare marks the errors Rocket.Chat raises as plain JavaScript errors
	// (throw new Error('team-does-not-exist')) or answers with a bare
	// failure string: their text is the type alone, without "[type]".
	Bare bool
	// NamesMethod marks the errors Rocket.Chat raises inside a server
	// method and whose details name that method ({"method": "leaveRoom"}).
	// The domain does not know which transport entry ran it: the transport
	// that renders the error adds the name (the DDP method called, or the
	// Rocket.Chat method behind a REST route).
	NamesMethod bool `json:"-"`
}

func newError(kind Kind, typ, format string, args []any) *Error {
	return &Error{Kind: kind, Type: typ, Reason: fmt.Sprintf(format, args...)}
}

// Invalid returns an error of KindInvalid with a formatted reason.
func Invalid(typ, format string, args ...any) *Error {
	return newError(KindInvalid, typ, format, args)
}

// NotFound returns an error of KindNotFound with a formatted reason.
func NotFound(typ, format string, args ...any) *Error {
	return newError(KindNotFound, typ, format, args)
}

// Conflict returns an error of KindConflict with a formatted reason.
func Conflict(typ, format string, args ...any) *Error {
	return newError(KindConflict, typ, format, args)
}

// Forbidden returns an error of KindForbidden with a formatted reason.
func Forbidden(typ, format string, args ...any) *Error {
	return newError(KindForbidden, typ, format, args)
}

// Unauthenticated returns an error of KindUnauthenticated with a formatted reason.
func Unauthenticated(typ, format string, args ...any) *Error {
	return newError(KindUnauthenticated, typ, format, args)
}

// TooLarge returns an error of KindTooLarge with a formatted reason.
func TooLarge(typ, format string, args ...any) *Error {
	return newError(KindTooLarge, typ, format, args)
}

// RateLimited returns an error of KindRateLimited with a formatted reason.
func RateLimited(typ, format string, args ...any) *Error {
	return newError(KindRateLimited, typ, format, args)
}

// Bare returns a bare error of the given kind: Rocket.Chat's plain-string
// failure typ.
func Bare(kind Kind, typ string) *Error { return &Error{Kind: kind, Type: typ, Bare: true} }

// Error renders the error as Meteor does: "reason [type]" (a bare error: its type).
func (e *Error) Error() string {
	if e.Bare {
		return e.Type
	}
	if e.Reason == "" {
		return "[" + e.Type + "]"
	}
	return e.Reason + " [" + e.Type + "]"
}

// Is makes errors.Is match two *Error values of the same Type.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// WithDetails returns a copy of e carrying details (shown to clients).
func (e *Error) WithDetails(d map[string]any) *Error {
	c := *e
	c.Details = d
	return &c
}

// InMethod returns a copy of e marked NamesMethod: its details will name
// the server method that raised it, as the transport knows it.
func (e *Error) InMethod() *Error {
	c := *e
	c.NamesMethod = true
	return &c
}

// MethodDetails returns the details to show for e when the transport ran
// it as method: e's own details, plus "method" when e is marked
// NamesMethod and does not name one already. e's map is never modified.
func (e *Error) MethodDetails(method string) map[string]any {
	if !e.NamesMethod || method == "" {
		return e.Details
	}
	if _, ok := e.Details["method"]; ok {
		return e.Details
	}
	d := make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		d[k] = v
	}
	d["method"] = method
	return d
}

// AsError returns the domain error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of the domain error in err's chain; ok is false
// when err holds none (an internal failure).
func KindOf(err error) (kind Kind, ok bool) {
	if e, ok := AsError(err); ok {
		return e.Kind, true
	}
	return 0, false
}

// Frequently used domain errors. Compare with errors.Is; the reason may differ.
var (
	ErrNotAllowed       = &Error{Kind: KindForbidden, Type: "error-not-allowed", Reason: "Not allowed"}
	ErrActionNotAllowed = &Error{Kind: KindForbidden, Type: "error-action-not-allowed", Reason: "Not allowed"}
	ErrRoomNotFound     = &Error{Kind: KindNotFound, Type: "error-room-not-found", Reason: "The required \"roomId\" or \"roomName\" param provided does not match any channel"}
	ErrInvalidRoom      = &Error{Kind: KindInvalid, Type: "error-invalid-room", Reason: "Invalid room"}
	ErrInvalidUser      = &Error{Kind: KindInvalid, Type: "error-invalid-user", Reason: "Invalid user"}
	ErrInvalidMessage   = &Error{Kind: KindInvalid, Type: "error-invalid-message", Reason: "Invalid message"}
	ErrMessageNotFound  = &Error{Kind: KindNotFound, Type: "error-message-not-found", Reason: "Message not found"}
	ErrInvalidParams    = &Error{Kind: KindInvalid, Type: "error-invalid-params", Reason: "Invalid parameters"}
	// ErrUnauthorized is Rocket.Chat's API.v1.unauthorized(): a refusal
	// for want of a permission, rendered by REST without an errorType.
	ErrUnauthorized     = &Error{Kind: KindForbidden, Type: "unauthorized", Reason: "unauthorized"}
	ErrTooManyRequests  = &Error{Kind: KindRateLimited, Type: "error-too-many-requests", Reason: "Too many requests"}
	ErrDuplicateChannel = &Error{Kind: KindConflict, Type: "error-duplicate-channel-name", Reason: "A channel with that name already exists"}
	ErrInvalidRoomName  = &Error{Kind: KindInvalid, Type: "error-invalid-room-name", Reason: "Invalid room name"}
	ErrUsernameTaken    = &Error{Kind: KindConflict, Type: "error-field-unavailable", Reason: "Username is already in use"}
	ErrRoomArchived     = &Error{Kind: KindInvalid, Type: "error-room-archived", Reason: "Room is archived"}
	ErrUserNotInRoom    = &Error{Kind: KindInvalid, Type: "error-user-not-in-room", Reason: "User is not in this room"}
	ErrInvalidSetting   = &Error{Kind: KindInvalid, Type: "error-invalid-setting", Reason: "Invalid setting"}
	ErrNotFound         = &Error{Kind: KindNotFound, Type: "error-not-found", Reason: "Not found"}
)

// ErrMissingParam reports a required parameter that was absent or empty.
func ErrMissingParam(name string) *Error {
	return Invalid("error-invalid-params", "The '%s' param is required", name)
}

// ErrBadParam reports a parameter of the wrong type or form.
func ErrBadParam(name, want string) *Error {
	return Invalid("error-invalid-params", "The '%s' param must be %s", name, want)
}
