package ddp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"liftoff/internal/jsonenc"
)

// Client message types (the "msg" member of frames a client sends).
const (
	MsgConnect = "connect"
	MsgPing    = "ping"
	MsgPong    = "pong"
	MsgMethod  = "method"
	MsgSub     = "sub"
	MsgUnsub   = "unsub"
)

// PreferredVersion is the DDP protocol version Liftoff proposes when a
// client asks for one it does not speak. Rocket.Chat's clients ask for "1".
const PreferredVersion = "1"

// ClientMessage is one decoded frame from a client. Which fields are set
// depends on Msg:
//
//	connect  Version, Support, Session (when resuming)
//	ping     ID (optional)
//	pong     ID (optional)
//	method   ID, Method, Params, RandomSeed (optional)
//	sub      ID, Name, Params
//	unsub    ID
type ClientMessage struct {
	Msg        string
	ID         string
	Method     string
	Name       string
	Params     []json.RawMessage
	RandomSeed string
	Version    string
	Support    []string
	Session    string
}

// DecodeError reports a client frame that is not valid DDP. Reason is
// meant for the "reason" of the error frame sent back (see ErrorFrame);
// it starts with Meteor's wording for the same fault.
type DecodeError struct{ Reason string }

// Error returns the reason with the package prefix.
func (e *DecodeError) Error() string { return "ddp: " + e.Reason }

func decodeErr(format string, args ...any) *DecodeError {
	return &DecodeError{Reason: fmt.Sprintf(format, args...)}
}

// DecodeClient parses and validates one client frame. The returned
// message's Params alias b, so b must not be modified while they are in
// use. Every failure is a *DecodeError.
func DecodeClient(b []byte) (*ClientMessage, error) {
	if !json.Valid(b) {
		return nil, decodeErr("Parse error: frame is not valid JSON")
	}
	var raw struct {
		msg, id, method, name, params, randomSeed, version, support, session []byte
	}
	err := eachMember(b, func(key string, val []byte) {
		switch key {
		case "msg":
			raw.msg = val
		case "id":
			raw.id = val
		case "method":
			raw.method = val
		case "name":
			raw.name = val
		case "params":
			raw.params = val
		case "randomSeed":
			raw.randomSeed = val
		case "version":
			raw.version = val
		case "support":
			raw.support = val
		case "session":
			raw.session = val
		}
	})
	if err != nil {
		return nil, err
	}
	m := &ClientMessage{}
	var ok bool
	if m.Msg, ok = jsonString(raw.msg); !ok {
		return nil, decodeErr("Bad request: msg must be a string")
	}
	switch m.Msg {
	case MsgConnect:
		if m.Version, ok = jsonString(raw.version); !ok {
			return nil, decodeErr("Malformed connect: version must be a string")
		}
		if !absent(raw.support) {
			if m.Support, err = stringArray(raw.support); err != nil {
				return nil, decodeErr("Malformed connect: support %s", err.Reason)
			}
		}
		if !absent(raw.session) {
			if m.Session, ok = jsonString(raw.session); !ok {
				return nil, decodeErr("Malformed connect: session must be a string")
			}
		}
	case MsgPing, MsgPong:
		if !absent(raw.id) {
			if m.ID, ok = jsonString(raw.id); !ok {
				return nil, decodeErr("Bad request: %s id must be a string", m.Msg)
			}
		}
	case MsgMethod:
		if m.ID, ok = jsonString(raw.id); !ok {
			return nil, decodeErr("Malformed method invocation: id must be a string")
		}
		if m.Method, ok = jsonString(raw.method); !ok || m.Method == "" {
			return nil, decodeErr("Malformed method invocation: method must be a non-empty string")
		}
		if raw.params != nil {
			if m.Params, err = splitArray(raw.params); err != nil {
				return nil, decodeErr("Malformed method invocation: params %s", err.Reason)
			}
		}
		if !absent(raw.randomSeed) {
			if m.RandomSeed, ok = jsonString(raw.randomSeed); !ok {
				return nil, decodeErr("Malformed method invocation: randomSeed must be a string")
			}
		}
	case MsgSub:
		if m.ID, ok = jsonString(raw.id); !ok {
			return nil, decodeErr("Malformed subscription: id must be a string")
		}
		if m.Name, ok = jsonString(raw.name); !ok || m.Name == "" {
			return nil, decodeErr("Malformed subscription: name must be a non-empty string")
		}
		if raw.params != nil {
			if m.Params, err = splitArray(raw.params); err != nil {
				return nil, decodeErr("Malformed subscription: params %s", err.Reason)
			}
		}
	case MsgUnsub:
		if m.ID, ok = jsonString(raw.id); !ok {
			return nil, decodeErr("Malformed unsubscription: id must be a string")
		}
	default:
		return nil, decodeErr("Bad request: unknown msg %q", m.Msg)
	}
	return m, nil
}

// NegotiateVersion decides the protocol version of a connect frame. When
// ok is true the client's proposal is accepted and version is it; when
// false, version is the one to suggest in a "failed" frame: the first of
// the client's supported versions that Liftoff speaks, else
// PreferredVersion.
func (m *ClientMessage) NegotiateVersion() (version string, ok bool) {
	proposalListed := len(m.Support) == 0
	for _, v := range m.Support {
		if v == m.Version {
			proposalListed = true
		}
	}
	if proposalListed && knownVersion(m.Version) {
		return m.Version, true
	}
	for _, v := range m.Support {
		if knownVersion(v) {
			return v, false
		}
	}
	return PreferredVersion, false
}

// knownVersion reports whether Liftoff speaks DDP version v. The three
// versions differ only in heartbeats and details Liftoff handles alike.
func knownVersion(v string) bool { return v == "1" || v == "pre2" || v == "pre1" }

// MarshalJSON encodes m as the frame a client sends, with only the members
// its Msg uses. It lets Go clients (the benchmark driver, tests) speak DDP.
func (m *ClientMessage) MarshalJSON() ([]byte, error) {
	return m.AppendJSON(make([]byte, 0, 64))
}

// AppendJSON appends the frame encoding of m (see MarshalJSON) to dst.
// Params are copied as they are and must each be valid JSON.
func (m *ClientMessage) AppendJSON(dst []byte) ([]byte, error) {
	b := append(dst, `{"msg":`...)
	b = jsonenc.AppendString(b, m.Msg)
	switch m.Msg {
	case MsgConnect:
		if m.Session != "" {
			b = append(b, `,"session":`...)
			b = jsonenc.AppendString(b, m.Session)
		}
		b = append(b, `,"version":`...)
		b = jsonenc.AppendString(b, m.Version)
		b = append(b, `,"support":[`...)
		for i, s := range m.Support {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, s)
		}
		b = append(b, ']')
	case MsgPing, MsgPong:
		if m.ID != "" {
			b = append(b, `,"id":`...)
			b = jsonenc.AppendString(b, m.ID)
		}
	case MsgMethod:
		b = append(b, `,"id":`...)
		b = jsonenc.AppendString(b, m.ID)
		b = append(b, `,"method":`...)
		b = jsonenc.AppendString(b, m.Method)
		b = appendParams(b, m.Params)
		if m.RandomSeed != "" {
			b = append(b, `,"randomSeed":`...)
			b = jsonenc.AppendString(b, m.RandomSeed)
		}
	case MsgSub:
		b = append(b, `,"id":`...)
		b = jsonenc.AppendString(b, m.ID)
		b = append(b, `,"name":`...)
		b = jsonenc.AppendString(b, m.Name)
		b = appendParams(b, m.Params)
	case MsgUnsub:
		b = append(b, `,"id":`...)
		b = jsonenc.AppendString(b, m.ID)
	default:
		return dst, fmt.Errorf("ddp: cannot encode client message of unknown type %q", m.Msg)
	}
	return append(b, '}'), nil
}

func appendParams(b []byte, params []json.RawMessage) []byte {
	b = append(b, `,"params":[`...)
	for i, p := range params {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRaw(b, p)
	}
	return append(b, ']')
}

// absent reports whether a member was missing or null; optional members
// treat both alike, as JavaScript's truthiness checks do.
func absent(raw []byte) bool { return raw == nil || string(raw) == "null" }

// jsonString decodes raw as a JSON string; ok is false if raw is missing
// or of another type.
func jsonString(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// stringArray decodes raw as an array of strings.
func stringArray(raw []byte) ([]string, *DecodeError) {
	elems, err := splitArray(raw)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		s, ok := jsonString(e)
		if !ok {
			return nil, decodeErr("must be an array of strings")
		}
		out[i] = s
	}
	return out, nil
}

// The scanning helpers below walk a document already checked by
// json.Valid, so they only find boundaries; they still check bounds, so a
// wrong assumption can never make them read past the input.

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return len(b)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = valueEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default:
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return len(b)
	}
}

// eachMember calls fn for every member of the JSON object b, in order.
// Keys are unescaped; values are the raw bytes of each member's value.
func eachMember(b []byte, fn func(key string, val []byte)) *DecodeError {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return decodeErr("Bad request: frame must be a JSON object")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) {
		end := valueEnd(b, i)
		key, ok := jsonString(b[i:end])
		if !ok {
			return decodeErr("Parse error: bad object key")
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return decodeErr("Parse error: missing colon")
		}
		i = skipSpace(b, i+1)
		end = valueEnd(b, i)
		fn(key, b[i:end:end])
		i = skipSpace(b, end)
		if i >= len(b) {
			break
		}
		if b[i] == '}' {
			return nil
		}
		i = skipSpace(b, i+1) // past ','
	}
	return decodeErr("Parse error: unterminated object")
}

// splitArray returns the raw elements of the JSON array raw.
func splitArray(raw []byte) ([]json.RawMessage, *DecodeError) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, decodeErr("must be an array")
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return []json.RawMessage{}, nil
	}
	var out []json.RawMessage
	for i < len(raw) {
		end := valueEnd(raw, i)
		out = append(out, json.RawMessage(raw[i:end:end]))
		i = skipSpace(raw, end)
		if i >= len(raw) {
			break
		}
		if raw[i] == ']' {
			return out, nil
		}
		i = skipSpace(raw, i+1) // past ','
	}
	return nil, decodeErr("must be a well-formed array")
}
