package push

import (
	"strings"
	"unicode/utf16"
)

// MessageSettings are the settings that shape a message's notification.
type MessageSettings struct {
	SiteURL        string // Site_Url: the payload's host
	UniqueID       string // uniqueID: the server's id, seed of notId
	ShowMessage    bool   // Push_show_message
	ShowNames      bool   // Push_show_username_room
	ContentFromApp bool   // Push_request_content_from_server: the app fetches the message itself
	UseRealName    bool   // UI_Use_Real_Name
	Icon           string // the Android notification image (Assets_favicon_192's URL)
	// NewMessageText replaces hidden content ("You have a new message").
	NewMessageText string
}

// MessageInput is what a notification tells of a message.
type MessageInput struct {
	RoomID   string
	RoomType string // "c", "p", "d"
	// RoomName is the room's name as the recipient sees it (for group
	// rooms; direct rooms show the sender).
	RoomName       string
	RoomReadOnly   bool
	RoomMuted      []string // usernames muted in the room
	MessageID      string
	MessageType    string // t
	Tmid           string
	SenderID       string
	SenderUsername string
	SenderName     string
	// Text is the notification text: the message as the recipient should
	// read it (mentions replaced by names with UI_Use_Real_Name...).
	Text string
	// E2E content, passed through for encrypted messages (t "e2e").
	E2EMsg     string
	E2EContent any

	RecipientID       string
	RecipientUsername string
	// Badge is the recipient's unread total (the app icon's number).
	Badge int
}

// Message builds Rocket.Chat's push notification for a message
// (getPushData and PushNotification.getNotificationConfig of its server):
// the room name or sender as title, "sender: text" as text, with names and
// content left out as the Push_show_* settings say; the payload the apps
// use to open the room; the reply action unless the room is read-only or
// the recipient muted; one notId per room, so that a room's notifications
// stack together on Android.
func Message(in MessageInput, s MessageSettings) Notification {
	username := ""
	if s.ShowNames {
		username = in.SenderUsername
		if s.UseRealName && in.SenderName != "" {
			username = in.SenderName
		}
	}
	text := in.Text
	idOnly := s.ContentFromApp
	if idOnly || !s.ShowMessage {
		text = s.NewMessageText
		if text == "" {
			text = "You have a new message"
		}
	}
	roomName := ""
	if s.ShowNames && in.RoomType != "d" {
		roomName = "#" + in.RoomName
	}
	payload := map[string]any{
		"host":             hostURL(s.SiteURL),
		"messageId":        in.MessageID,
		"notificationType": "message",
	}
	if idOnly {
		payload["notificationType"] = "message-id-only"
	} else {
		payload["rid"] = in.RoomID
		payload["sender"] = map[string]any{"_id": in.SenderID, "username": in.SenderUsername, "name": in.SenderName}
		payload["senderName"] = username
		payload["type"] = in.RoomType
		name := ""
		if s.ShowNames {
			name = in.RoomName
		}
		payload["name"] = name
		if in.MessageType != "" {
			payload["messageType"] = in.MessageType
		}
		if in.Tmid != "" {
			payload["tmid"] = in.Tmid
		}
		if in.MessageType == "e2e" {
			payload["msg"] = in.E2EMsg
			payload["content"] = in.E2EContent
		}
	}
	title := ""
	if !idOnly {
		title = roomName
		if title == "" {
			title = username
		}
	}
	if !idOnly && roomName != "" {
		text = username + ": " + text
	}
	badge := in.Badge
	n := Notification{
		From:     "push",
		Title:    title,
		Text:     text,
		Badge:    &badge,
		Sound:    "default",
		Priority: 10,
		Payload:  payload,
		UserID:   in.RecipientID,
		NotID:    NotificationID(s.UniqueID, in.RoomID),
		GCM:      &GCMOptions{Style: "inbox", Image: s.Icon},
	}
	category := "MESSAGE_NOREPLY"
	if replyAllowed(in) {
		category = "MESSAGE"
	}
	n.APN = &APNOptions{Category: category}
	return n
}

// Clear is the silent notification Rocket.Chat sends when a user reads a
// room, so that the apps remove that room's notifications.
func Clear(siteURL, uniqueID, userID, roomID string) Notification {
	zero := 0
	return Notification{
		From: "push", Badge: &zero, Priority: 5, UserID: userID,
		NotID:   NotificationID(uniqueID, roomID),
		Payload: map[string]any{"host": hostURL(siteURL), "notificationType": "message-clear", "rid": roomID},
	}
}

// replyAllowed is Rocket.Chat's enableNotificationReplyButton.
func replyAllowed(in MessageInput) bool {
	if in.RecipientUsername == "" || in.RoomReadOnly {
		return false
	}
	for _, u := range in.RoomMuted {
		if u == in.RecipientUsername {
			return false
		}
	}
	return true
}

// NotificationID is Rocket.Chat's notId for a room: a 32-bit hash of
// "<uniqueID>|<roomID>", so that the apps group a room's notifications.
func NotificationID(uniqueID, roomID string) int32 {
	// JavaScript's charCodeAt walks UTF-16 units, from the end here.
	units := utf16.Encode([]rune(uniqueID + "|" + roomID))
	var h int32
	for i := len(units) - 1; i >= 0; i-- {
		h = (h << 5) - h + int32(units[i])
	}
	return h
}

// hostURL is Meteor.absoluteUrl(): the site URL with a trailing slash.
func hostURL(site string) string {
	if site == "" {
		return ""
	}
	return strings.TrimSuffix(site, "/") + "/"
}
