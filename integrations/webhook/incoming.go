package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// wireError is an error whose text is Rocket.Chat's, word for word
// (capitals and all): clients may show or match it.
func wireError(text string) error { return &rcError{text} }

func wireErrorf(format string, args ...any) error { return &rcError{fmt.Sprintf(format, args...)} }

type rcError struct{ text string }

func (e *rcError) Error() string { return e.text }

// ParseBody reads an incoming webhook's body into the payload object, as
// Rocket.Chat's /hooks routes do:
//
//   - application/json: the JSON object (anything but an object gives an
//     empty payload);
//   - application/x-www-form-urlencoded with one key: payload=<JSON> is
//     that JSON (Slack's form); any other single key is the body itself
//     read as JSON (curl -d '{"text":"hi"}' sends this); more keys are
//     plain form fields;
//   - anything else, or no body: an empty payload.
//
// A body that should be JSON and is not gives an error whose text is the
// answer's error (HTTP 400).
func ParseBody(contentType string, body []byte) (map[string]any, error) {
	media, _, _ := mime.ParseMediaType(contentType)
	switch strings.ToLower(media) {
	case "application/json":
		if len(bytes.TrimSpace(body)) == 0 {
			return map[string]any{}, nil
		}
		return decodeObject(body)
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("invalid form body: %w", err)
		}
		if len(form) != 1 {
			out := make(map[string]any, len(form))
			for k, v := range form {
				out[k] = v[len(v)-1]
			}
			return out, nil
		}
		if p, ok := form["payload"]; ok {
			return decodeObject([]byte(p[len(p)-1]))
		}
		return decodeObject(body)
	}
	return map[string]any{}, nil
}

// decodeObject parses JSON, keeping numbers exact; non-objects give an
// empty payload, as Rocket.Chat takes only plain objects.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, wireError(jsonErrorText(err))
	}
	if dec.More() {
		return nil, wireError("Unexpected non-whitespace character after JSON")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return map[string]any{}, nil
	}
	return obj, nil
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("Unexpected token in JSON at position %d", se.Offset)
	}
	return "Unexpected end of JSON input"
}

// Defaults are an integration's own settings, used when the payload does
// not say otherwise.
type Defaults struct {
	Channels []string // the integration's channel list ("#general", "@ana", ids)
	Alias    string
	Avatar   string
	Emoji    string
}

// Draft is the message a webhook payload asks for, before the wiring
// resolves its channels and posts it as the integration's user.
type Draft struct {
	// Channels are where to post, deduplicated, in order: "#name-or-id"
	// (a room, joined when public), "@username-or-id" (a direct message),
	// or a bare room id, name or user id (tried in that order).
	Channels []string
	Msg      string
	Alias    string
	Emoji    string
	Avatar   string
	// Attachments are kept as sent (Rocket.Chat stores them whole), an
	// attachment's msg having become its text.
	Attachments  []map[string]any
	ParseURLs    bool // false when the payload had attachments, unless parseUrls says otherwise
	Groupable    bool
	Tmid         string
	CustomFields map[string]any
	Bot          map[string]any // {"i": integrationId}
	// SeparateResponse: post to every channel that works and answer with
	// one result per channel, instead of all or nothing.
	SeparateResponse bool
}

// NeedsImpersonation tells whether posting needs the message-impersonate
// permission (Rocket.Chat asks for it when a message has an alias or an
// avatar).
func (d *Draft) NeedsImpersonation() bool { return d.Alias != "" || d.Avatar != "" }

// ErrOverrideDisabled is Rocket.Chat's answer to a payload naming a
// channel when the integration does not allow it.
var ErrOverrideDisabled = errors.New("overriding destination channel is disabled for this integration")

// CheckChannelOverride refuses a payload that sets channel or roomId when
// the integration's overrideDestinationChannelEnabled is off.
func CheckChannelOverride(payload map[string]any, overrideEnabled bool) error {
	if !overrideEnabled && (truthy(payload["channel"]) || truthy(payload["roomId"])) {
		return ErrOverrideDisabled
	}
	return nil
}

// BuildDraft turns a payload into a message draft with Rocket.Chat's
// rules: text wins over msg, username over alias, icon_url over avatar
// over icon_emoji over emoji, and then the integration's avatar and emoji;
// channel wins over roomId over the integration's channels; attachments
// that are not a list are ignored. integrationID becomes the message's bot
// marker. A field of the wrong type is an error (Rocket.Chat's check
// refuses it).
func BuildDraft(payload map[string]any, defaults Defaults, integrationID string) (*Draft, error) {
	d := &Draft{Bot: map[string]any{"i": integrationID}}
	switch {
	case truthy(payload["channel"]):
		d.Channels = channelList(payload["channel"])
	case truthy(payload["roomId"]):
		d.Channels = channelList(payload["roomId"])
	default:
		d.Channels = channelList(toAnySlice(defaults.Channels))
	}

	text := firstTruthy(payload["text"], payload["msg"])
	d.Msg = strings.TrimFunc(jsString(text), isJSSpace)

	var err error
	if d.Alias, err = stringField("alias", firstTruthy(payload["username"], payload["alias"], defaults.Alias)); err != nil {
		return nil, err
	}
	switch {
	case !isEmpty(payload["icon_url"]) || !isEmpty(payload["avatar"]):
		d.Avatar, err = stringField("avatar", firstTruthy(payload["icon_url"], payload["avatar"]))
	case !isEmpty(payload["icon_emoji"]) || !isEmpty(payload["emoji"]):
		d.Emoji, err = stringField("emoji", firstTruthy(payload["icon_emoji"], payload["emoji"]))
	case defaults.Avatar != "":
		d.Avatar = defaults.Avatar
	case defaults.Emoji != "":
		d.Emoji = defaults.Emoji
	}
	if err != nil {
		return nil, err
	}
	if d.Avatar != "" && !validPartialURL(d.Avatar) {
		return nil, wireError("Invalid href value provided")
	}

	attachments, isList := payload["attachments"].([]any)
	d.ParseURLs = !isList || attachments == nil
	if v, ok := payload["parseUrls"]; ok {
		d.ParseURLs = truthy(v)
	}
	for i, a := range attachments {
		obj, ok := a.(map[string]any)
		if !ok {
			// Rocket.Chat lets a string through and fails on null; an
			// attachment that is not an object helps no client.
			return nil, wireErrorf("Match error: Expected object, got %s in field attachments.%d", jsType(a), i)
		}
		if m := obj["msg"]; truthy(m) {
			obj["text"] = strings.TrimFunc(jsString(m), isJSSpace)
			delete(obj, "msg")
		}
		d.Attachments = append(d.Attachments, obj)
	}
	if err := ValidateAttachments(d.Attachments); err != nil {
		return nil, err
	}
	if v, ok := payload["groupable"]; ok && v != nil {
		d.Groupable = truthy(v)
	}
	if v := payload["tmid"]; v != nil {
		if d.Tmid, err = stringField("tmid", v); err != nil {
			return nil, err
		}
	}
	if cf, ok := payload["customFields"].(map[string]any); ok {
		d.CustomFields = cf
	}
	d.SeparateResponse = payload["separateResponse"] == true
	return d, nil
}

// channelList is Rocket.Chat's ensureArray plus deduplication.
func channelList(v any) []string {
	var out []string
	seen := map[string]bool{}
	add := func(x any) {
		s := jsString(x)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if list, ok := v.([]any); ok {
		for _, x := range list {
			add(x)
		}
	} else if v != nil {
		add(v)
	}
	return out
}

func toAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func stringField(name string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	}
	return "", wireErrorf("Match error: Expected string, got %s in field %s", jsType(v), name)
}

// truthy is JavaScript's truthiness for decoded JSON.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case float64:
		return x != 0
	case int:
		return x != 0
	}
	return true
}

// firstTruthy is a || b || c.
func firstTruthy(vs ...any) any {
	for _, v := range vs {
		if truthy(v) {
			return v
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// isEmpty is underscore's _.isEmpty: strings, lists and objects without
// content, and every other value (numbers, booleans) count as empty.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return true
}

// jsString is String(v) for JSON values ("" for null and undefined, as
// Rocket.Chat's makeString does for falsy values).
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if !x {
			return ""
		}
		return "true"
	case json.Number:
		if f, err := x.Float64(); err == nil {
			if f == 0 {
				return ""
			}
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return x.String()
	case float64:
		if x == 0 {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e != nil {
				parts[i] = jsString(e)
			}
		}
		return strings.Join(parts, ",")
	}
	return "[object Object]"
}

func jsType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64, int:
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// isJSSpace is what String.prototype.trim removes.
func isJSSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || unicode.Is(unicode.Zs, r)
}
