package ddp

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeClient checks that DecodeClient never panics, that every
// rejection is a *DecodeError whose error frame is valid JSON, and that every
// accepted frame re-encodes to a frame that decodes to the same message.
func FuzzDecodeClient(f *testing.F) {
	f.Add([]byte(`{"msg":"connect","version":"1","support":["1","pre2","pre1"]}`))
	f.Add([]byte(`{"msg":"method","method":"sendMessage","params":[{"_id":"a","rid":"GENERAL","msg":"hi","ts":{"$date":1764014500123}}],"id":"1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeClient(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
			}
			if frame := ErrorFrame(de.Reason, data); !json.Valid(frame) || !utf8.Valid(frame) {
				t.Fatalf("invalid error frame %s", frame)
			}
			return
		}
		for i, p := range m.Params {
			if !json.Valid(p) {
				t.Fatalf("param %d is not valid JSON: %q", i, p)
			}
		}
		b, err := m.MarshalJSON()
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", m, err)
		}
		again, err := DecodeClient(b)
		if err != nil {
			t.Fatalf("re-encoded frame %s rejected: %v", b, err)
		}
		// Encoding writes absent lists as empty ones.
		if m.Params == nil && again.Params != nil && len(again.Params) == 0 {
			again.Params = nil
		}
		if m.Support == nil && again.Support != nil && len(again.Support) == 0 {
			again.Support = nil
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("re-encoding changed the message\n first %#v\n again %#v\n frame %s", m, again, b)
		}
	})
}
