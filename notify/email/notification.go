package email

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// NotificationItem is one message of a notification e-mail.
type NotificationItem struct {
	MessageID string
	RoomName  string // shown as "#name" in group rooms
	Direct    bool   // a direct room (Rocket.Chat's "not a group chat")
	// Sender is the name shown for the author: the username, or the name
	// with UI_Use_Real_Name.
	Sender string
	// Text is the message text, as plain text (escaped here).
	Text string
	// Encrypted messages show no content.
	Encrypted bool
	// Mentioned: the recipient was named (or follows the thread).
	Mentioned bool
	// Link opens the message (room_path): Site_Url + the room's path +
	// "?msg=" + the message id.
	Link string
}

// Recipient is who a notification e-mail goes to.
type Recipient struct {
	Name    string // shown beside the address
	Address string
}

// DigestSubject is the subject of a notification e-mail that summarises
// several messages (Liftoff's own: Rocket.Chat sends one e-mail per
// message). [count] is the number of messages.
const DigestSubject = "[[Site_Name]] You have [count] new messages"

// Notification renders the e-mail telling to about items, the messages it
// missed, oldest first: for one message, Rocket.Chat's e-mail (the subject
// from Offline_DM_Email, Offline_Mention_Email or
// Offline_Mention_All_Email); for several, one e-mail listing them all.
// prefsLink, when set, is a one-click link to change the recipient's
// e-mail preference: it ends the body and goes in List-Unsubscribe
// (RFC 8058) so that mail clients offer it too. The content of messages is
// left out when Email_notification_show_message is off.
func (m *Mailer) Notification(to Recipient, items []NotificationItem, prefsLink string) (Message, error) {
	if len(items) == 0 {
		return Message{}, fmt.Errorf("email: notification without messages")
	}
	showContent := m.flag("Email_notification_show_message", true)
	var body strings.Builder
	for _, it := range items {
		body.WriteString(m.itemHTML(it, showContent))
	}
	if prefsLink != "" {
		body.WriteString(`<p class="advice"><a href="` + html.EscapeString(prefsLink) + `">Change your e-mail notification preferences</a></p>`)
	}
	var subject string
	first := items[0]
	if len(items) == 1 {
		id := "Offline_Mention_All_Email"
		switch {
		case first.Direct:
			id = "Offline_DM_Email"
		case first.Mentioned:
			id = "Offline_Mention_Email"
		}
		subject = m.Replace(m.setting(id), map[string]string{"user": first.Sender, "room": first.RoomName})
	} else {
		subject = m.Replace(DigestSubject, map[string]string{"count": strconv.Itoa(len(items))})
	}
	htmlBody := m.Wrap(body.String(), nil)
	text := HTMLToText(m.Replace(body.String(), nil))
	if m.flag("email_plain_text_only", false) {
		htmlBody = ""
	}
	msg := Message{
		From:    nameAddress(first.Sender, m.fromAddress()),
		To:      nameAddress(to.Name, to.Address),
		Subject: subject,
		HTML:    htmlBody,
		Text:    text,
	}
	if len(items) > 1 {
		msg.From = nameAddress(m.setting("Site_Name"), m.fromAddress())
	}
	if prefsLink != "" {
		msg.Headers = map[string]string{
			"List-Unsubscribe":      "<" + prefsLink + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		}
	}
	return msg, nil
}

// itemHTML is one message's part: who wrote where, the content, and a
// button to the message.
func (m *Mailer) itemHTML(it NotificationItem, showContent bool) string {
	key := "{User_sent_a_message_on_channel}"
	if it.Direct {
		key = "{User_sent_a_message_to_you}"
	}
	header := m.replace(key, map[string]string{"username": it.Sender, "channel": "#" + it.RoomName}, true)
	var b strings.Builder
	b.WriteString("<p>")
	b.WriteString(header)
	switch {
	case it.Encrypted && showContent:
		b.WriteString(":<br/><br/>" + phrases["Encrypted_message_preview_unavailable"])
	case showContent && strings.TrimSpace(it.Text) != "":
		b.WriteString(":<br/><br/>" + strings.ReplaceAll(html.EscapeString(it.Text), "\n", "<br/>"))
	}
	b.WriteString("</p>")
	if it.Link != "" {
		b.WriteString(`<p><a class="btn" href="` + html.EscapeString(it.Link) + `">` + phrases["Offline_Link_Message"] + `</a></p>`)
	}
	return b.String()
}

// fromAddress is From_Email's address part.
func (m *Mailer) fromAddress() string {
	from := m.setting("From_Email")
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		return strings.TrimSuffix(strings.TrimSpace(from[i+1:]), ">")
	}
	return strings.TrimSpace(from)
}

// nameAddress is Rocket.Chat's generateNameEmail: "name <address>" with
// "@" in the name escaped and "<>," removed.
func nameAddress(name, address string) string {
	if name == "" {
		return address
	}
	name = strings.ReplaceAll(name, "@", "%40")
	name = strings.NewReplacer("<", "", ">", "", ",", "").Replace(name)
	return name + " <" + address + ">"
}
