package ddp

import "liftoff/model"

// MeteorError is an error as Meteor sends it to DDP clients (the "error"
// member of result and nosub frames). Rocket.Chat's clients read Error
// (the error type, or a number such as 500), Reason and Details.
type MeteorError struct {
	IsClientSafe bool           `json:"isClientSafe"`
	Error        any            `json:"error"` // a string error type, or an HTTP-like number
	Reason       string         `json:"reason,omitempty"`
	Details      map[string]any `json:"details,omitempty"`
	Message      string         `json:"message"`
	ErrorType    string         `json:"errorType"`
}

// ErrorValue renders err for a client. A domain error (*model.Error,
// possibly wrapped) becomes a Meteor.Error with its type and reason; any
// other error becomes Meteor's generic internal error, so that internal
// details never reach clients.
func ErrorValue(err error) MeteorError {
	if e, ok := model.AsError(err); ok {
		v := MeteorError{
			IsClientSafe: true,
			Error:        e.Type,
			Reason:       e.Reason,
			Details:      e.Details,
			Message:      e.Error(),
			ErrorType:    "Meteor.Error",
		}
		return v
	}
	return MeteorError{
		IsClientSafe: true,
		Error:        500,
		Reason:       "Internal server error",
		Message:      "Internal server error [500]",
		ErrorType:    "Meteor.Error",
	}
}
