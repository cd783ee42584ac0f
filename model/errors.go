package model

import (
	"encoding/json"
	"errors"
	"fmt"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Error is a domain error a client may see. Type is Rocket.Chat's errorType
// (for example "error-room-not-found"); Reason is the human text. Transports
// render it in their own envelope: REST as {"success":false,"error":...,
// "errorType":...}, DDP as a Meteor.Error.
type Error struct {
	Type    string
	Reason  string
	Details map[string]any
	// Bare marks the errors Rocket.Chat raises as plain JavaScript errors
	// (throw new Error('team-does-not-exist')) or answers with a bare
	// failure string: their text is the type alone, without "[type]".
	Bare bool
}

// Bare returns a bare error: Rocket.Chat's plain-string failure typ.
func Bare(typ string) *Error { return &Error{Type: typ, Bare: true} }

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

// Errf returns a domain error of the given type with a formatted reason.
func Errf(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Reason: fmt.Sprintf(format, args...)}
}

// WithDetails returns a copy of e carrying details (shown to clients).
func (e *Error) WithDetails(d map[string]any) *Error {
	c := *e
	c.Details = d
	return &c
}

// AsError returns the domain error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Frequently used domain errors. Compare with errors.Is; the reason may differ.
var (
	ErrNotAllowed       = &Error{Type: "error-not-allowed", Reason: "Not allowed"}
	ErrActionNotAllowed = &Error{Type: "error-action-not-allowed", Reason: "Not allowed"}
	ErrRoomNotFound     = &Error{Type: "error-room-not-found", Reason: "The required \"roomId\" or \"roomName\" param provided does not match any channel"}
	ErrInvalidRoom      = &Error{Type: "error-invalid-room", Reason: "Invalid room"}
	ErrInvalidUser      = &Error{Type: "error-invalid-user", Reason: "Invalid user"}
	ErrInvalidMessage   = &Error{Type: "error-invalid-message", Reason: "Invalid message"}
	ErrMessageNotFound  = &Error{Type: "error-message-not-found", Reason: "Message not found"}
	ErrInvalidParams    = &Error{Type: "error-invalid-params", Reason: "Invalid parameters"}
	ErrUnauthorized     = &Error{Type: "unauthorized", Reason: "unauthorized"}
	ErrTooManyRequests  = &Error{Type: "error-too-many-requests", Reason: "Too many requests"}
	ErrDuplicateChannel = &Error{Type: "error-duplicate-channel-name", Reason: "A channel with that name already exists"}
	ErrInvalidRoomName  = &Error{Type: "error-invalid-room-name", Reason: "Invalid room name"}
	ErrUsernameTaken    = &Error{Type: "error-field-unavailable", Reason: "Username is already in use"}
	ErrRoomArchived     = &Error{Type: "error-room-archived", Reason: "Room is archived"}
	ErrUserNotInRoom    = &Error{Type: "error-user-not-in-room", Reason: "User is not in this room"}
	ErrInvalidSetting   = &Error{Type: "error-invalid-setting", Reason: "Invalid setting"}
	ErrNotFound         = &Error{Type: "error-not-found", Reason: "Not found"}
)

// ErrMissingParam reports a required parameter that was absent or empty.
func ErrMissingParam(name string) *Error {
	return Errf("error-invalid-params", "The '%s' param is required", name)
}

// ErrBadParam reports a parameter of the wrong type or form.
func ErrBadParam(name, want string) *Error {
	return Errf("error-invalid-params", "The '%s' param must be %s", name, want)
}
