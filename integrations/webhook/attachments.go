package webhook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// attachmentTypes are the attachment fields Rocket.Chat's sendMessage
// checks, with the type each must have when present (not null). Other
// fields are kept unchecked, as Rocket.Chat does.
var attachmentTypes = map[string]string{
	"color": "string", "text": "string", "ts": "string|number", "thumb_url": "url",
	"button_alignment": "string", "actions": "array", "message_link": "url", "collapsed": "boolean",
	"author_name": "string", "author_link": "url", "author_icon": "url", "title": "string",
	"title_link": "url", "title_link_download": "boolean", "image_dimensions": "object",
	"image_url": "url", "image_preview": "string", "image_type": "string", "image_size": "number",
	"audio_url": "url", "audio_type": "string", "audio_size": "number", "video_url": "url",
	"video_type": "string", "video_size": "number", "fields": "array",
}

var actionTypes = map[string]string{
	"type": "string", "text": "string", "url": "url", "image_url": "url", "is_webview": "boolean",
	"webview_height_ratio": "string", "msg": "string", "msg_in_chat_window": "boolean",
}

var fieldTypes = map[string]string{"short": "boolean", "title": "string", "value": "string|number|boolean"}

// FileUploadPath is where Rocket.Chat serves uploads; links into it count
// as full URLs.
const FileUploadPath = "/file-upload/"

// ValidateAttachments checks message attachments as Rocket.Chat's
// sendMessage does: field types, links that are absolute http(s) or data
// URLs or upload paths and never javascript:, fields with a title and a
// value, actions' types and links.
func ValidateAttachments(attachments []map[string]any) error {
	for i, a := range attachments {
		path := fmt.Sprintf("attachments.%d", i)
		if err := checkTypes(a, attachmentTypes, path); err != nil {
			return err
		}
		if fields, ok := a["fields"].([]any); ok {
			for j, f := range fields {
				obj, ok := f.(map[string]any)
				if !ok {
					return wireErrorf("Match error: Expected object, got %s in field %s.fields.%d", jsType(f), path, j)
				}
				if err := checkTypes(obj, fieldTypes, fmt.Sprintf("%s.fields.%d", path, j)); err != nil {
					return err
				}
				if !truthy(obj["value"]) || !truthy(obj["title"]) {
					return wireError("Invalid attachment field, title and value is required")
				}
			}
		}
		if actions, ok := a["actions"].([]any); ok {
			for j, act := range actions {
				obj, ok := act.(map[string]any)
				if !ok {
					return wireErrorf("Match error: Expected object, got %s in field %s.actions.%d", jsType(act), path, j)
				}
				if err := checkTypes(obj, actionTypes, fmt.Sprintf("%s.actions.%d", path, j)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkTypes(obj map[string]any, types map[string]string, path string) error {
	for field, want := range types {
		v, ok := obj[field]
		if !ok || v == nil {
			continue
		}
		if want == "url" {
			s, ok := v.(string)
			if !ok {
				return wireErrorf("Match error: Expected string, got %s in field %s.%s", jsType(v), path, field)
			}
			if !validFullURL(s) {
				return wireError("Invalid href value provided")
			}
			continue
		}
		got := jsType(v)
		if _, isNum := v.(json.Number); isNum {
			got = "number"
		}
		if !strings.Contains("|"+want+"|", "|"+got+"|") {
			return wireErrorf("Match error: Expected %s, got %s in field %s.%s", strings.ReplaceAll(want, "|", " or "), got, path, field)
		}
	}
	return nil
}

var (
	absoluteURL = regexp.MustCompile(`^(https?://|data:)`)
	relativeURL = regexp.MustCompile(`(?i)^(?:[a-z0-9+.-]+:|//)`)
	javascript  = regexp.MustCompile(`(?i)^javascript:`)
)

// validFullURL accepts what Rocket.Chat renders as a link in an attachment:
// absolute http(s) or data URLs and upload paths.
func validFullURL(s string) bool {
	if !absoluteURL.MatchString(s) && !strings.HasPrefix(s, FileUploadPath) {
		return false
	}
	return !javascript.MatchString(s)
}

// validPartialURL also accepts relative URLs (a message's avatar).
func validPartialURL(s string) bool {
	relative := s != "" && !relativeURL.MatchString(s)
	if !relative && !absoluteURL.MatchString(s) && !strings.HasPrefix(s, FileUploadPath) {
		return false
	}
	return !javascript.MatchString(s)
}
