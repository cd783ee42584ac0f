package matrix

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
)

// toMatrix renders a Liftoff message's markdown as Matrix content: body is
// the text as written, formatted_body its HTML (raw HTML in the markdown is
// not passed through).
func toMatrix(msg string) event.MessageEventContent {
	c := format.RenderMarkdown(msg, true, false)
	c.Body = msg
	c.Mentions = nil
	return c
}

// fromMatrix returns a Matrix message's text as Liftoff markdown: the
// formatted_body's HTML when there is one (parsed into markdown, so no
// markup other than markdown's survives), the plain body otherwise.
func fromMatrix(c *event.MessageEventContent) string {
	text := c.Body
	if c.Format == event.FormatHTML && c.FormattedBody != "" {
		text = format.HTMLToMarkdown(unsafeElements.ReplaceAllString(c.FormattedBody, ""))
	}
	switch c.MsgType {
	case event.MsgEmote:
		text = "_" + text + "_"
	case event.MsgImage, event.MsgFile, event.MsgVideo, event.MsgAudio:
		if c.URL != "" {
			text = fmt.Sprintf("%s (%s)", c.Body, c.URL)
		}
	}
	return strings.TrimSpace(text)
}

// unsafeElements are HTML elements whose content is no text to show
// (the parser keeps only text and markdown, but would keep their content).
var unsafeElements = regexp.MustCompile(`(?is)<(script|style|mx-reply)\b[^>]*>.*?</(script|style|mx-reply)\s*>`)

// emojiNames maps common Rocket.Chat emoji names to their characters.
// Reactions cross as characters on Matrix and as :names: in Liftoff; a
// character not listed becomes :u<hex>-<hex>: and back.
var emojiNames = map[string]string{
	"+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "heart": "❤️", "smile": "😄",
	"smiley": "😃", "grinning": "😀", "joy": "😂", "laughing": "😆", "wink": "😉", "blush": "😊",
	"tada": "🎉", "clap": "👏", "fire": "🔥", "eyes": "👀", "rocket": "🚀", "pray": "🙏",
	"ok_hand": "👌", "wave": "👋", "thinking": "🤔", "cry": "😢", "sob": "😭", "white_check_mark": "✅",
	"x": "❌", "100": "💯", "star": "⭐", "sunglasses": "😎", "heart_eyes": "😍", "rofl": "🤣",
	"slight_smile": "🙂", "open_mouth": "😮", "angry": "😠", "muscle": "💪", "raised_hands": "🙌",
}

var emojiByChar = func() map[string]string {
	m := make(map[string]string, len(emojiNames))
	for name, c := range emojiNames {
		if old, ok := m[c]; !ok || len(name) > len(old) {
			m[c] = name
		}
	}
	return m
}()

// reactionKey turns a Liftoff reaction (":name:") into a Matrix
// annotation key.
func reactionKey(reaction string) string {
	name := strings.Trim(reaction, ":")
	if c, ok := emojiNames[name]; ok {
		return c
	}
	if strings.HasPrefix(name, "u") {
		var b strings.Builder
		for part := range strings.SplitSeq(name[1:], "-") {
			var r rune
			if _, err := fmt.Sscanf(part, "%x", &r); err != nil || !utf8.ValidRune(r) {
				return reaction
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	return reaction
}

// reactionName turns a Matrix annotation key into a Liftoff reaction
// (":name:").
func reactionName(key string) string {
	if name, ok := emojiByChar[key]; ok {
		return ":" + name + ":"
	}
	if name, ok := emojiByChar[strings.TrimSuffix(key, "\ufe0f")]; ok {
		return ":" + name + ":"
	}
	if strings.HasPrefix(key, ":") && strings.HasSuffix(key, ":") && len(key) > 2 {
		return key
	}
	parts := make([]string, 0, 4)
	for _, r := range key {
		parts = append(parts, fmt.Sprintf("%x", r))
	}
	return ":u" + strings.Join(parts, "-") + ":"
}
