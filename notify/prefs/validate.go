package prefs

import (
	"slices"

	"liftoff/model"
)

// kind is the JSON type a preference takes.
type kind int

const (
	kString kind = iota
	kNumber
	kBool
	kStrings // an array of strings
	kObjects // an array of objects
)

// known are the preferences users.setPreferences accepts, with their types
// (Rocket.Chat's UsersSetPreferencesParamsPOST schema). Every one may also
// be null, which removes it.
var known = map[string]kind{
	"newRoomNotification": kString, "newMessageNotification": kString, "clockMode": kNumber,
	"useEmojis": kBool, "convertAsciiEmoji": kBool, "alsoSendThreadToChannel": kString,
	"saveMobileBandwidth": kBool, "collapseMediaByDefault": kBool, "autoImageLoad": kBool,
	"emailNotificationMode": kString, "unreadAlert": kBool, "masterVolume": kNumber,
	"notificationsSoundVolume": kNumber, "voipRingerVolume": kNumber, "desktopNotifications": kString,
	"pushNotifications": kString, "enableAutoAway": kBool, "highlights": kStrings,
	"showThreadsInMainChannel": kBool, "desktopNotificationRequireInteraction": kBool,
	"hideUsernames": kBool, "hideRoles": kBool, "displayAvatars": kBool, "hideFlexTab": kBool,
	"sendOnEnter": kString, "language": kString, "sidebarShowFavorites": kBool,
	"sidebarShowUnread": kBool, "statusVisibilityDenied": kStrings, "sidebarSortby": kString,
	"sidebarViewMode": kString, "sidebarDisplayAvatar": kBool, "sidebarGroupByType": kBool,
	"muteFocusedConversations": kBool, "dontAskAgainList": kObjects, "featuresPreview": kObjects,
	"themeAppearence": kString, "fontSize": kString, "receiveLoginDetectionEmail": kBool,
	"notifyCalendarEvents": kBool, "idleTimeLimit": kNumber, "omnichannelTranscriptEmail": kBool,
	"omnichannelTranscriptPDF": kBool, "omnichannelHideConversationAfterClosing": kBool,
	"enableMobileRinging": kBool, "mentionsWithSymbol": kBool, "desktopNotificationVoiceCalls": kBool,
	"utcOffset": kNumber,
}

var threadChoices = []string{"default", "always", "never"}

// Normalize checks data (decoded JSON) against the preferences
// users.setPreferences accepts and returns it with lists of strings as
// []string. strict refuses other keys (the REST schema); otherwise they
// are kept as they are (the saveUserPreferences method). The error is
// Rocket.Chat's schema refusal (invalid-params).
func Normalize(data map[string]any, strict bool) (map[string]any, error) {
	out := make(map[string]any, len(data))
	for k, v := range data {
		t, ok := known[k]
		if !ok {
			if strict {
				return nil, invalidParams("must NOT have additional properties")
			}
			out[k] = v
			continue
		}
		if v == nil {
			out[k] = nil
			continue
		}
		switch t {
		case kString:
			s, ok := v.(string)
			if !ok {
				return nil, invalidParams("must be string")
			}
			if k == "alsoSendThreadToChannel" && !slices.Contains(threadChoices, s) {
				return nil, invalidParams("must be equal to one of the allowed values")
			}
			out[k] = s
		case kNumber:
			if _, ok := v.(float64); !ok {
				return nil, invalidParams("must be number")
			}
			out[k] = v
		case kBool:
			if _, ok := v.(bool); !ok {
				return nil, invalidParams("must be boolean")
			}
			out[k] = v
		case kStrings:
			list, ok := v.([]any)
			if !ok {
				return nil, invalidParams("must be array")
			}
			ss := make([]string, 0, len(list))
			for _, e := range list {
				s, ok := e.(string)
				if !ok {
					return nil, invalidParams("must be string")
				}
				ss = append(ss, s)
			}
			out[k] = ss
		case kObjects:
			list, ok := v.([]any)
			if !ok {
				return nil, invalidParams("must be array")
			}
			for _, e := range list {
				if _, ok := e.(map[string]any); !ok {
					return nil, invalidParams("must be object")
				}
			}
			out[k] = v
		}
	}
	return out, nil
}

func invalidParams(msg string) error { return model.Invalid("invalid-params", "%s", msg) }
