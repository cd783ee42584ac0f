package webhook

import (
	"encoding/json"
	"testing"
)

// FuzzIncoming feeds arbitrary bodies through ParseBody and BuildDraft: no
// panic, and a draft's attachments always pass ValidateAttachments.
func FuzzIncoming(f *testing.F) {
	f.Add("application/json", `{"text":"hi","attachments":[{"title":"t","fields":[{"title":"a","value":1}]}]}`)
	f.Add("application/x-www-form-urlencoded", `payload=%7B%22text%22%3A%22x%22%2C%22channel%22%3A%5B%22%23a%22%5D%7D`)
	f.Add("application/x-www-form-urlencoded", `{"icon_url":"javascript:1"}`)
	f.Add("application/json", `{"text":0,"msg":false,"alias":null,"attachments":[{"msg":" x "}],"parseUrls":null}`)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		p, err := ParseBody(contentType, []byte(body))
		if err != nil {
			return
		}
		d, err := BuildDraft(p, Defaults{Channels: []string{"#general"}}, "i")
		if err != nil {
			return
		}
		if err := ValidateAttachments(d.Attachments); err != nil {
			t.Fatalf("a built draft has invalid attachments: %v", err)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("draft not encodable: %v", err)
		}
	})
}
