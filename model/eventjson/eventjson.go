// Package eventjson is the JSON form of domain events (model.Event) when
// they leave the process: the PostgreSQL store's outbox keeps them in it,
// and the NATS bus carries them between instances.
//
// An event is its kind (model.Event.EventKind, stable across versions) and
// a body: the JSON encoding of the event value, field names as in model
// (events have no JSON tags; the records they hold use Rocket.Chat's).
// What encoding/json leaves out is lost on the way: fields tagged "-"
// (a room's join code, a token's user id — secrets or data no consumer of
// an event reads), and numbers inside untyped values (settings, custom
// fields) come back as float64, as they do from the store.
package eventjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"liftoff/model"
)

// ErrUnknownKind is returned by Decode for a kind this program does not
// know (an event from a newer version, during a rolling upgrade).
var ErrUnknownKind = errors.New("eventjson: unknown event kind")

// kinds maps every event kind to the value type it decodes into. Decoding
// always gives the value type, also for events published as pointers.
var kinds = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, e := range []model.Event{
		model.MessageSaved{}, model.MessageDeleted{}, model.MessagesPruned{}, model.EphemeralMessage{},
		model.RoomChanged{}, model.SubscriptionChanged{}, model.UserChanged{}, model.UserDeleted{},
		model.PresenceChanged{}, model.RoleChanged{}, model.PermissionChanged{}, model.SettingChanged{},
		model.UserActivity{}, model.LoginTokensRemoved{}, model.UserCreated{}, model.DesktopNotification{}, model.EmojiChanged{},
		model.AuthChanged{},
		model.E2EKeyRequest{},
		model.InviteCreated{},
		model.CustomUserStatusChanged{},
	} {
		m[e.EventKind()] = reflect.TypeOf(e)
	}
	return m
}()

// Encode returns the body of e (the JSON of the event value).
func Encode(e model.Event) ([]byte, error) {
	if e == nil {
		return nil, errors.New("eventjson: nil event")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("eventjson: encode %s: %w", e.EventKind(), err)
	}
	return b, nil
}

// Decode returns the event of the kind whose body is data.
func Decode(kind string, data []byte) (model.Event, error) {
	t, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	v := reflect.New(t)
	if err := json.Unmarshal(data, v.Interface()); err != nil {
		return nil, fmt.Errorf("eventjson: decode %s: %w", kind, err)
	}
	return v.Elem().Interface().(model.Event), nil
}

// tagged is one event of a list: its kind and its body.
type tagged struct {
	Kind  string          `json:"kind"`
	Event json.RawMessage `json:"event"`
}

// EncodeList returns events as a JSON array of {"kind": ..., "event": ...}.
func EncodeList(events []model.Event) ([]byte, error) {
	list := make([]tagged, len(events))
	for i, e := range events {
		b, err := Encode(e)
		if err != nil {
			return nil, err
		}
		list[i] = tagged{Kind: e.EventKind(), Event: b}
	}
	return json.Marshal(list)
}

// DecodeList reads what EncodeList wrote. Events of unknown kinds (from a
// newer version) are left out and counted in skipped: a reader keeps the
// events it understands rather than losing the whole list. Any other
// malformed content is an error.
func DecodeList(data []byte) (events []model.Event, skipped int, err error) {
	var list []tagged
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, 0, fmt.Errorf("eventjson: decode list: %w", err)
	}
	events = make([]model.Event, 0, len(list))
	for _, t := range list {
		e, err := Decode(t.Kind, t.Event)
		if errors.Is(err, ErrUnknownKind) {
			skipped++
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		events = append(events, e)
	}
	return events, skipped, nil
}
