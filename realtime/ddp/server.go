package ddp

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"liftoff/internal/jsonenc"
)

// The frames below are those a server sends. Each returns the complete
// bytes of one WebSocket text message. Frames that carry caller-supplied
// values return an error when a value cannot be encoded; the Append forms
// append to a buffer the caller owns, so a hub can encode an event once and
// fan the same bytes out to every subscriber.

// StreamEventID is the document id Rocket.Chat's streamer uses in every
// stream event frame.
const StreamEventID = "id"

// Connected is the reply to an accepted connect: {"msg":"connected","session":...}.
func Connected(session string) []byte {
	b := make([]byte, 0, 40+len(session))
	b = append(b, `{"msg":"connected","session":`...)
	b = jsonenc.AppendString(b, session)
	return append(b, '}')
}

// Failed is the reply to a connect proposing a version Liftoff does not
// speak; version is the one the client should retry with.
func Failed(version string) []byte {
	b := make([]byte, 0, 32)
	b = append(b, `{"msg":"failed","version":`...)
	b = jsonenc.AppendString(b, version)
	return append(b, '}')
}

// Ping is a heartbeat request; the id is left out when empty.
func Ping(id string) []byte { return heartbeat("ping", id) }

// Pong answers a ping, echoing its id (left out when empty).
func Pong(id string) []byte { return heartbeat("pong", id) }

func heartbeat(msg, id string) []byte {
	b := make([]byte, 0, 24+len(id))
	b = append(b, `{"msg":"`...)
	b = append(b, msg...)
	b = append(b, '"')
	if id != "" {
		b = append(b, `,"id":`...)
		b = jsonenc.AppendString(b, id)
	}
	return append(b, '}')
}

// Result reports the return value of the method call id. A nil result
// (a method returning nothing) leaves "result" out, as Meteor does for
// undefined.
func Result(id string, result any) ([]byte, error) {
	return AppendResult(make([]byte, 0, 128), id, result)
}

// AppendResult appends the frame of Result to dst.
func AppendResult(dst []byte, id string, result any) ([]byte, error) {
	b := append(dst, `{"msg":"result","id":`...)
	b = jsonenc.AppendString(b, id)
	if result != nil {
		b = append(b, `,"result":`...)
		var err error
		if b, err = appendAny(b, result, 0); err != nil {
			return dst, err
		}
	}
	return append(b, '}'), nil
}

// ResultError reports that the method call id failed with err, rendered
// as a Meteor.Error by ErrorValue.
func ResultError(id string, err error) ([]byte, error) {
	return AppendResultError(make([]byte, 0, 192), id, err)
}

// AppendResultError appends the frame of ResultError to dst.
func AppendResultError(dst []byte, id string, err error) ([]byte, error) {
	b := append(dst, `{"msg":"result","id":`...)
	b = jsonenc.AppendString(b, id)
	b = append(b, `,"error":`...)
	b, encErr := appendAny(b, ErrorValue(err), 0)
	if encErr != nil {
		return dst, encErr
	}
	return append(b, '}'), nil
}

// Updated reports that the writes of the method calls ids are visible.
func Updated(ids ...string) []byte { return idList(`{"msg":"updated","methods":[`, ids) }

// Ready reports that the subscriptions ids have sent their initial data.
func Ready(ids ...string) []byte { return idList(`{"msg":"ready","subs":[`, ids) }

func idList(head string, ids []string) []byte {
	n := len(head) + 2
	for _, id := range ids {
		n += len(id) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, head...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, id)
	}
	return append(b, ']', '}')
}

// NoSub reports that the subscription id ended: refused or failed when err
// is not nil (rendered by ErrorValue), or stopped at the client's request.
func NoSub(id string, err error) ([]byte, error) {
	b := make([]byte, 0, 160)
	b = append(b, `{"msg":"nosub","id":`...)
	b = jsonenc.AppendString(b, id)
	if err != nil {
		b = append(b, `,"error":`...)
		var encErr error
		if b, encErr = appendAny(b, ErrorValue(err), 0); encErr != nil {
			return nil, encErr
		}
	}
	return append(b, '}'), nil
}

// Added publishes a document of a collection. fields is encoded like any
// value (usually a struct or map); nil or an empty object leaves "fields"
// out, as Meteor does.
func Added(collection, id string, fields any) ([]byte, error) {
	return AppendAdded(make([]byte, 0, 128), collection, id, fields)
}

// AppendAdded appends the frame of Added to dst.
func AppendAdded(dst []byte, collection, id string, fields any) ([]byte, error) {
	return appendDocFrame(dst, "added", collection, id, fields, nil)
}

// Changed publishes changed fields of a document; cleared names fields
// that were removed from it.
func Changed(collection, id string, fields any, cleared ...string) ([]byte, error) {
	return AppendChanged(make([]byte, 0, 128), collection, id, fields, cleared...)
}

// AppendChanged appends the frame of Changed to dst.
func AppendChanged(dst []byte, collection, id string, fields any, cleared ...string) ([]byte, error) {
	return appendDocFrame(dst, "changed", collection, id, fields, cleared)
}

// Removed withdraws a document of a collection.
func Removed(collection, id string) []byte {
	b := make([]byte, 0, 48+len(collection)+len(id))
	b = append(b, `{"msg":"removed","collection":`...)
	b = jsonenc.AppendString(b, collection)
	b = append(b, `,"id":`...)
	b = jsonenc.AppendString(b, id)
	return append(b, '}')
}

func appendDocFrame(dst []byte, msg, collection, id string, fields any, cleared []string) ([]byte, error) {
	b := append(dst, `{"msg":"`...)
	b = append(b, msg...)
	b = append(b, `","collection":`...)
	b = jsonenc.AppendString(b, collection)
	b = append(b, `,"id":`...)
	b = jsonenc.AppendString(b, id)
	if fields != nil {
		mark := len(b)
		b = append(b, `,"fields":`...)
		start := len(b)
		var err error
		if b, err = appendAny(b, fields, 0); err != nil {
			return dst, err
		}
		if enc := b[start:]; string(enc) == "{}" || string(enc) == "null" {
			b = b[:mark]
		}
	}
	if len(cleared) > 0 {
		b = append(b, `,"cleared":[`...)
		for i, c := range cleared {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, c)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// StreamEvent is the frame of one event on a Rocket.Chat stream (every
// "stream-*" subscription): a "changed" message of the stream's collection
// whose document id is literally "id" and whose fields carry the event
// name and its arguments, for example
//
//	{"msg":"changed","collection":"stream-room-messages","id":"id",
//	 "fields":{"eventName":"<rid>","args":[<message>]}}
func StreamEvent(collection, eventName string, args ...any) ([]byte, error) {
	return AppendStreamEvent(make([]byte, 0, 512), collection, eventName, args...)
}

// AppendStreamEvent appends the frame of StreamEvent to dst.
func AppendStreamEvent(dst []byte, collection, eventName string, args ...any) ([]byte, error) {
	b := append(dst, `{"msg":"changed","collection":`...)
	b = jsonenc.AppendString(b, collection)
	b = append(b, `,"id":"`+StreamEventID+`","fields":{"eventName":`...)
	b = jsonenc.AppendString(b, eventName)
	b = append(b, `,"args":[`...)
	var err error
	for i, a := range args {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendAny(b, a, 0); err != nil {
			return dst, err
		}
	}
	return append(b, ']', '}', '}'), nil
}

// StreamTemplate is a stream event encoded once for sending under many
// event names, such as a room's <uid>/rooms-changed event to each member:
// only the name is encoded per recipient.
type StreamTemplate struct {
	head []byte // up to "eventName":
	tail []byte // from ,"args": to the end
}

// NewStreamTemplate encodes the parts of StreamEvent(collection, name,
// args...) that do not depend on name.
func NewStreamTemplate(collection string, args ...any) (*StreamTemplate, error) {
	head := jsonenc.AppendString([]byte(`{"msg":"changed","collection":`), collection)
	head = append(head, `,"id":"`+StreamEventID+`","fields":{"eventName":`...)
	tail := append(make([]byte, 0, 256), `,"args":[`...)
	var err error
	for i, a := range args {
		if i > 0 {
			tail = append(tail, ',')
		}
		if tail, err = appendAny(tail, a, 0); err != nil {
			return nil, err
		}
	}
	tail = append(tail, ']', '}', '}')
	return &StreamTemplate{head: head, tail: tail}, nil
}

// Frame returns the frame of StreamEvent(collection, name+suffix, args...)
// in a new slice of its exact size (suffix is plain ASCII, such as
// "/rooms-changed").
func (t *StreamTemplate) Frame(name, suffix string) []byte {
	b := make([]byte, 0, len(t.head)+len(name)+len(suffix)+2+len(t.tail))
	b = append(b, t.head...)
	b = jsonenc.AppendString(b, name)
	b = append(b[:len(b)-1], suffix...) // reopen the string for the suffix
	b = append(b, '"')
	return append(b, t.tail...)
}

// ErrorFrame reports a frame the server could not process (see
// DecodeError). When offending is a JSON object (in valid UTF-8) it is
// echoed as "offendingMessage", as Meteor does; other input is not echoed.
func ErrorFrame(reason string, offending []byte) []byte {
	offending = bytes.Trim(offending, " \t\r\n")
	// Echo only what is a JSON object and valid UTF-8, since the frame
	// goes out as a WebSocket text message.
	echo := len(offending) > 0 && offending[0] == '{' && utf8.Valid(offending) && json.Valid(offending)
	n := 32 + len(reason)
	if echo {
		n += len(offending) + 20
	}
	b := make([]byte, 0, n)
	b = append(b, `{"msg":"error","reason":`...)
	b = jsonenc.AppendString(b, reason)
	if echo {
		b = append(b, `,"offendingMessage":`...)
		b = append(b, offending...)
	}
	return append(b, '}')
}
