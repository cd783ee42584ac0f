package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"

	"liftoff/internal/jsonenc"
	"liftoff/model"
)

// appendJSON appends v as writeJSON's encoding/json Encoder would (HTML
// characters not escaped, no trailing newline). Answers are M maps, and
// the big ones are lists of messages (a history page is 50): those are
// written here without reflection, which was about a sixth of the
// server's CPU per history page; every other value goes to encoding/json.
// TestAppendJSONMatchesEncodingJSON compares the two.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case M:
		if x == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		var err error
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, k)
			b = append(b, ':')
			if nilSlice(x[k]) {
				// Rocket.Chat's clients crash on a null list.
				b = append(b, "[]"...)
				continue
			}
			if b, err = appendJSON(b, x[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []*model.Message:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		var err error
		for i, m := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendMessage(b, m); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case *model.Message:
		return appendMessage(b, x)
	case string:
		return jsonenc.AppendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	}
	return appendEncodingJSON(b, v)
}

// nilSlice reports whether v is a nil slice, which answers render as []:
// every list in a Rocket.Chat answer is [] when empty, never null.
func nilSlice(v any) bool {
	switch x := v.(type) {
	case nil, string, bool, int, M:
		return false
	case []*model.Message:
		return x == nil
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Slice && rv.IsNil()
}

// appendEncodingJSON appends v encoded by encoding/json as writeJSON does.
func appendEncodingJSON(b []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil // Encode ends with a newline
}

// appendMessage writes m as encoding/json does with model.Message's tags.
func appendMessage(b []byte, m *model.Message) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	str := func(key, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b = jsonenc.AppendString(b, v)
	}
	flag := func(key string, v bool) {
		if v {
			b = append(b, ',', '"')
			b = append(b, key...)
			b = append(b, `":true`...)
		}
	}
	tm := func(key string, t model.Time, omitZero bool) {
		if omitZero && t.IsZero() {
			return
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b = t.AppendJSON(b)
	}
	var err error
	other := func(key string, v any) {
		if err != nil {
			return
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b, err = appendEncodingJSON(b, v)
	}

	b = append(b, `{"_id":`...)
	b = jsonenc.AppendString(b, m.ID)
	str("rid", m.RoomID, false)
	str("msg", m.Msg, false)
	tm("ts", m.SentAt, false)
	b = append(b, `,"u":`...)
	b = appendUserRef(b, &m.Author)
	tm("_updatedAt", m.UpdatedAt, false)
	str("t", m.Type, true)
	str("tmid", m.ThreadID, true)
	flag("tshow", m.ShowInRoom)
	str("alias", m.Alias, true)
	str("emoji", m.Emoji, true)
	str("avatar", m.Avatar, true)
	if m.Groupable != nil {
		b = append(b, `,"groupable":`...)
		b = strconv.AppendBool(b, *m.Groupable)
	}
	b = append(b, `,"mentions":`...)
	if m.Mentions == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range m.Mentions {
			mn := &m.Mentions[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"_id":`...)
			b = jsonenc.AppendString(b, mn.ID)
			b = append(b, `,"username":`...)
			b = jsonenc.AppendString(b, mn.Username)
			if mn.Name != "" {
				b = append(b, `,"name":`...)
				b = jsonenc.AppendString(b, mn.Name)
			}
			if mn.Type != "" {
				b = append(b, `,"type":`...)
				b = jsonenc.AppendString(b, mn.Type)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"channels":`...)
	if m.Channels == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range m.Channels {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"_id":`...)
			b = jsonenc.AppendString(b, c.ID)
			b = append(b, `,"name":`...)
			b = jsonenc.AppendString(b, c.Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(m.Attachments) > 0 {
		other("attachments", m.Attachments)
	}
	if m.File != nil {
		other("file", m.File)
	}
	if len(m.Files) > 0 {
		other("files", m.Files)
	}
	if len(m.Reactions) > 0 {
		other("reactions", m.Reactions)
	}
	flag("pinned", m.Pinned)
	tm("pinnedAt", m.PinnedAt, true)
	if m.PinnedBy != nil {
		b = append(b, `,"pinnedBy":`...)
		b = appendUserRef(b, m.PinnedBy)
	}
	if len(m.Starred) > 0 {
		other("starred", m.Starred)
	}
	tm("editedAt", m.EditedAt, true)
	if m.EditedBy != nil {
		b = append(b, `,"editedBy":`...)
		b = appendUserRef(b, m.EditedBy)
	}
	if m.ThreadCount != 0 {
		b = append(b, `,"tcount":`...)
		b = strconv.AppendInt(b, int64(m.ThreadCount), 10)
	}
	tm("tlm", m.ThreadLastMessageAt, true)
	if len(m.Replies) > 0 {
		b = append(b, `,"replies":[`...)
		for i, r := range m.Replies {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, r)
		}
		b = append(b, ']')
	}
	str("drid", m.DiscussionID, true)
	if m.DiscussionCount != 0 {
		b = append(b, `,"dcount":`...)
		b = strconv.AppendInt(b, int64(m.DiscussionCount), 10)
	}
	tm("dlm", m.DiscussionLastMessageAt, true)
	str("role", m.Role, true)
	flag("_hidden", m.Hidden)
	flag("unread", m.Unread)
	str("parent", m.Parent, true)
	flag("parseUrls", m.ParseURLs)
	if len(m.URLs) > 0 {
		other("urls", m.URLs)
	}
	if len(m.CustomFields) > 0 {
		other("customFields", m.CustomFields)
	}
	if len(m.Bot) > 0 {
		other("bot", m.Bot)
	}
	str("e2e", m.E2E, true)
	if m.Content != nil {
		other("content", m.Content)
	}
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

func appendUserRef(b []byte, u *model.UserRef) []byte {
	b = append(b, `{"_id":`...)
	b = jsonenc.AppendString(b, u.ID)
	b = append(b, `,"username":`...)
	b = jsonenc.AppendString(b, u.Username)
	if u.Name != "" {
		b = append(b, `,"name":`...)
		b = jsonenc.AppendString(b, u.Name)
	}
	return append(b, '}')
}
