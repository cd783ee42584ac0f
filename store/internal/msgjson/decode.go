// Package msgjson reads the stored JSON document of a message (json.Marshal
// of a model.Message, as both stores write it) several times faster than
// encoding/json, with the same result.
package msgjson

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"liftoff/model"
)

// Reading a page of history is mostly decoding the stored message
// documents: with encoding/json that was about a third of the server's CPU
// per page (reflection, a validation pass over every document, a string
// allocation per key). Decode reads the documents the stores write
// (json.Marshal of a model.Message) directly, and gives anything it does
// not fully understand to encoding/json, so that its result is always the
// one json.Unmarshal would give:
//
//   - the fields are matched by their exact names; an unknown name (which
//     encoding/json would match ignoring case), a repeated field, an
//     escaped key or malformed JSON sends the whole document to
//     json.Unmarshal; null leaves a field at its zero value, as
//     encoding/json does for a new value;
//   - strings with escapes or invalid UTF-8 are unquoted by encoding/json
//     (which replaces invalid UTF-8 with U+FFFD);
//   - the rarely set composite fields (attachments, reactions, starred,
//     pinnedBy, editedBy, urls, customFields, groupable) are decoded by
//     json.Unmarshal from their own bytes;
//   - times in the canonical form "2006-01-02T15:04:05.000Z" are parsed
//     here, any other form by model.Time's own UnmarshalJSON.
//
// TestDecodeMessageMatchesJSON and FuzzDecodeMessage compare the two.
// Decode returns the message whose stored document is data.
func Decode(data []byte) (*model.Message, error) {
	m := new(model.Message)
	d := msgDecoder{b: data}
	if d.message(m) && d.end() {
		return m, nil
	}
	m = new(model.Message)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return m, nil
}

// msgDecoder is a cursor over one document. Its methods report false when
// the input is not what the fast path handles (not necessarily invalid).
type msgDecoder struct {
	b []byte
	i int
}

func (d *msgDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte (0 at the end).
func (d *msgDecoder) next() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// consume skips white space and the byte c, if it is next.
func (d *msgDecoder) consume(c byte) bool {
	if d.next() == c {
		d.i++
		return true
	}
	return false
}

func (d *msgDecoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

// rawString returns the bytes between the quotes of the next string when
// they need no unquoting: no escapes, no control characters, valid UTF-8
// (encoding/json returns such strings as they are).
func (d *msgDecoder) rawString() ([]byte, bool) {
	if !d.consume('"') {
		return nil, false
	}
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			s := d.b[start : d.i-1]
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return nil, false
}

// str decodes the next string; one with escapes or invalid UTF-8 goes
// through encoding/json.
func (d *msgDecoder) str(dst *string) bool {
	start := d.i
	if raw, ok := d.rawString(); ok {
		*dst = string(raw)
		return true
	}
	d.i = start
	d.ws()
	tokStart := d.i
	if !d.skipString() {
		return false
	}
	return json.Unmarshal(d.b[tokStart:d.i], dst) == nil
}

// skipString passes over a string, escapes included.
func (d *msgDecoder) skipString() bool {
	if !d.consume('"') {
		return false
	}
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			return true
		case c == '\\':
			d.i += 2
		case c < 0x20:
			return false
		default:
			d.i++
		}
	}
	return false
}

// skip passes over any value and returns its bytes, for json.Unmarshal
// (which validates them).
func (d *msgDecoder) skip() ([]byte, bool) {
	d.ws()
	start := d.i
	depth := 0
	for d.i < len(d.b) {
		switch c := d.b[d.i]; c {
		case '"':
			if !d.skipString() {
				return nil, false
			}
		case '{', '[':
			depth++
			d.i++
		case '}', ']':
			depth--
			d.i++
			if depth < 0 {
				return nil, false
			}
		case ',', ':':
			if depth == 0 {
				return nil, false
			}
			d.i++
		default:
			if depth == 0 {
				// A scalar at the top: up to the next delimiter.
				for d.i < len(d.b) && !isDelim(d.b[d.i]) {
					d.i++
				}
				return d.b[start:d.i], d.i > start
			}
			d.i++
		}
		if depth == 0 {
			return d.b[start:d.i], true
		}
	}
	return nil, false
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ':', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func (d *msgDecoder) null() bool {
	d.ws()
	if len(d.b)-d.i < 4 || string(d.b[d.i:d.i+4]) != "null" {
		return false
	}
	d.i += 4
	return d.i == len(d.b) || isDelim(d.b[d.i])
}

func (d *msgDecoder) boolean(dst *bool) bool {
	d.ws()
	rest := d.b[d.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		*dst = true
		d.i += 4
	case len(rest) >= 5 && string(rest[:5]) == "false":
		*dst = false
		d.i += 5
	default:
		return false
	}
	return d.i == len(d.b) || isDelim(d.b[d.i])
}

// integer decodes a JSON integer without fraction or exponent.
func (d *msgDecoder) integer(dst *int) bool {
	d.ws()
	neg := d.i < len(d.b) && d.b[d.i] == '-'
	if neg {
		d.i++
	}
	digits := d.i
	n := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		if d.i-digits >= 15 { // keep far from overflow; encoding/json decides
			return false
		}
		n = n*10 + int(d.b[d.i]-'0')
		d.i++
	}
	switch {
	case d.i == digits, d.b[digits] == '0' && d.i-digits > 1:
		return false
	case d.i < len(d.b) && !isDelim(d.b[d.i]):
		return false // fraction, exponent or garbage
	}
	if neg {
		n = -n
	}
	*dst = n
	return true
}

// tm decodes a time: the canonical form here, others by model.Time.
func (d *msgDecoder) tm(dst *model.Time) bool {
	d.ws()
	start := d.i
	if raw, ok := d.rawString(); ok {
		if t, ok := parseCanonicalTime(raw); ok {
			*dst = t
			return true
		}
	}
	d.i = start
	raw, ok := d.skip()
	if !ok {
		return false
	}
	return dst.UnmarshalJSON(raw) == nil
}

// parseCanonicalTime parses "2006-01-02T15:04:05.000Z", the form
// model.Time marshals to, as time.Parse(time.RFC3339Nano) would.
func parseCanonicalTime(s []byte) (model.Time, bool) {
	if len(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z' {
		return model.Time{}, false
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range s[from:to] {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec, ms := num(11, 13), num(14, 16), num(17, 19), num(20, 23)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 || ms < 0 {
		return model.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ms*int(time.Millisecond), time.UTC)
	if t.Day() != day { // 31 April and the like: time.Parse refuses them
		return model.Time{}, false
	}
	return model.Time{Time: t}, true
}

func (d *msgDecoder) stringList(dst *[]string) bool {
	if !d.consume('[') {
		return false
	}
	out := []string{}
	if d.consume(']') {
		*dst = out
		return true
	}
	for {
		var s string
		if !d.str(&s) {
			return false
		}
		out = append(out, s)
		if d.consume(']') {
			*dst = out
			return true
		}
		if !d.consume(',') {
			return false
		}
	}
}

// object calls field for every key of the next object, with a bit per
// known key (from index) to refuse repeated keys.
func (d *msgDecoder) object(index func(key []byte) int, field func(k int) bool) bool {
	if !d.consume('{') {
		return false
	}
	if d.consume('}') {
		return true
	}
	var seen uint64
	for {
		key, ok := d.rawString()
		if !ok || !d.consume(':') {
			return false
		}
		k := index(key)
		if k < 0 || seen&(1<<k) != 0 {
			return false
		}
		seen |= 1 << k
		if d.next() == 'n' {
			// null leaves a field as it is (a time or a list at zero, as
			// encoding/json sets them): here, at zero, since no key repeats.
			if !d.null() {
				return false
			}
		} else if !field(k) {
			return false
		}
		if d.consume('}') {
			return true
		}
		if !d.consume(',') {
			return false
		}
	}
}

func userRefKey(key []byte) int {
	switch string(key) {
	case "_id":
		return 0
	case "username":
		return 1
	case "name":
		return 2
	}
	return -1
}

func (d *msgDecoder) userRef(u *model.UserRef) bool {
	return d.object(userRefKey, func(k int) bool {
		switch k {
		case 0:
			return d.str(&u.ID)
		case 1:
			return d.str(&u.Username)
		default:
			return d.str(&u.Name)
		}
	})
}

func mentionKey(key []byte) int {
	switch string(key) {
	case "_id":
		return 0
	case "username":
		return 1
	case "name":
		return 2
	case "type":
		return 3
	}
	return -1
}

func (d *msgDecoder) mentions(dst *[]model.Mention) bool {
	if !d.consume('[') {
		return false
	}
	out := []model.Mention{}
	if d.consume(']') {
		*dst = out
		return true
	}
	for {
		var mn model.Mention
		ok := d.object(mentionKey, func(k int) bool {
			switch k {
			case 0:
				return d.str(&mn.ID)
			case 1:
				return d.str(&mn.Username)
			case 2:
				return d.str(&mn.Name)
			default:
				return d.str(&mn.Type)
			}
		})
		if !ok {
			return false
		}
		out = append(out, mn)
		if d.consume(']') {
			*dst = out
			return true
		}
		if !d.consume(',') {
			return false
		}
	}
}

func channelKey(key []byte) int {
	switch string(key) {
	case "_id":
		return 0
	case "name":
		return 1
	}
	return -1
}

func (d *msgDecoder) channels(dst *[]model.ChannelRef) bool {
	if !d.consume('[') {
		return false
	}
	out := []model.ChannelRef{}
	if d.consume(']') {
		*dst = out
		return true
	}
	for {
		var c model.ChannelRef
		ok := d.object(channelKey, func(k int) bool {
			if k == 0 {
				return d.str(&c.ID)
			}
			return d.str(&c.Name)
		})
		if !ok {
			return false
		}
		out = append(out, c)
		if d.consume(']') {
			*dst = out
			return true
		}
		if !d.consume(',') {
			return false
		}
	}
}

// other decodes a rarely set field from its own bytes with encoding/json.
func (d *msgDecoder) other(dst any) bool {
	raw, ok := d.skip()
	return ok && json.Unmarshal(raw, dst) == nil
}

// The fields of model.Message, by their JSON names.
const (
	mfID = iota
	mfRID
	mfMsg
	mfTS
	mfU
	mfUpdatedAt
	mfT
	mfTmid
	mfTshow
	mfAlias
	mfEmoji
	mfAvatar
	mfGroupable
	mfMentions
	mfChannels
	mfAttachments
	mfFile
	mfFiles
	mfReactions
	mfPinned
	mfPinnedAt
	mfPinnedBy
	mfStarred
	mfEditedAt
	mfEditedBy
	mfTcount
	mfTlm
	mfReplies
	mfDrid
	mfDcount
	mfDlm
	mfRole
	mfHidden
	mfUnread
	mfParent
	mfParseURLs
	mfURLs
	mfCustomFields
	mfBot
	mfE2E
	mfContent
)

func messageKey(key []byte) int {
	switch string(key) {
	case "_id":
		return mfID
	case "rid":
		return mfRID
	case "msg":
		return mfMsg
	case "ts":
		return mfTS
	case "u":
		return mfU
	case "_updatedAt":
		return mfUpdatedAt
	case "t":
		return mfT
	case "tmid":
		return mfTmid
	case "tshow":
		return mfTshow
	case "alias":
		return mfAlias
	case "emoji":
		return mfEmoji
	case "avatar":
		return mfAvatar
	case "groupable":
		return mfGroupable
	case "mentions":
		return mfMentions
	case "channels":
		return mfChannels
	case "attachments":
		return mfAttachments
	case "file":
		return mfFile
	case "files":
		return mfFiles
	case "reactions":
		return mfReactions
	case "pinned":
		return mfPinned
	case "pinnedAt":
		return mfPinnedAt
	case "pinnedBy":
		return mfPinnedBy
	case "starred":
		return mfStarred
	case "editedAt":
		return mfEditedAt
	case "editedBy":
		return mfEditedBy
	case "tcount":
		return mfTcount
	case "tlm":
		return mfTlm
	case "replies":
		return mfReplies
	case "drid":
		return mfDrid
	case "dcount":
		return mfDcount
	case "dlm":
		return mfDlm
	case "parent":
		return mfParent
	case "role":
		return mfRole
	case "_hidden":
		return mfHidden
	case "unread":
		return mfUnread
	case "parseUrls":
		return mfParseURLs
	case "urls":
		return mfURLs
	case "customFields":
		return mfCustomFields
	case "bot":
		return mfBot
	case "e2e":
		return mfE2E
	case "content":
		return mfContent
	}
	return -1
}

func (d *msgDecoder) message(m *model.Message) bool {
	return d.object(messageKey, func(k int) bool {
		switch k {
		case mfID:
			return d.str(&m.ID)
		case mfRID:
			return d.str(&m.RoomID)
		case mfMsg:
			return d.str(&m.Msg)
		case mfTS:
			return d.tm(&m.SentAt)
		case mfU:
			return d.userRef(&m.Author)
		case mfUpdatedAt:
			return d.tm(&m.UpdatedAt)
		case mfT:
			return d.str(&m.Type)
		case mfTmid:
			return d.str(&m.ThreadID)
		case mfTshow:
			return d.boolean(&m.ShowInRoom)
		case mfAlias:
			return d.str(&m.Alias)
		case mfEmoji:
			return d.str(&m.Emoji)
		case mfAvatar:
			return d.str(&m.Avatar)
		case mfGroupable:
			return d.other(&m.Groupable)
		case mfMentions:
			return d.mentions(&m.Mentions)
		case mfChannels:
			return d.channels(&m.Channels)
		case mfAttachments:
			return d.other(&m.Attachments)
		case mfFile:
			return d.other(&m.File)
		case mfFiles:
			return d.other(&m.Files)
		case mfReactions:
			return d.other(&m.Reactions)
		case mfPinned:
			return d.boolean(&m.Pinned)
		case mfPinnedAt:
			return d.tm(&m.PinnedAt)
		case mfPinnedBy:
			return d.other(&m.PinnedBy)
		case mfStarred:
			return d.other(&m.Starred)
		case mfEditedAt:
			return d.tm(&m.EditedAt)
		case mfEditedBy:
			return d.other(&m.EditedBy)
		case mfTcount:
			return d.integer(&m.ThreadCount)
		case mfTlm:
			return d.tm(&m.ThreadLastMessageAt)
		case mfReplies:
			return d.stringList(&m.Replies)
		case mfDrid:
			return d.str(&m.DiscussionID)
		case mfDcount:
			return d.integer(&m.DiscussionCount)
		case mfDlm:
			return d.tm(&m.DiscussionLastMessageAt)
		case mfParent:
			return d.str(&m.Parent)
		case mfRole:
			return d.str(&m.Role)
		case mfHidden:
			return d.boolean(&m.Hidden)
		case mfUnread:
			return d.boolean(&m.Unread)
		case mfParseURLs:
			return d.boolean(&m.ParseURLs)
		case mfURLs:
			return d.other(&m.URLs)
		case mfBot:
			return d.other(&m.Bot)
		case mfE2E:
			return d.str(&m.E2E)
		case mfContent:
			return d.other(&m.Content)
		default:
			return d.other(&m.CustomFields)
		}
	})
}
