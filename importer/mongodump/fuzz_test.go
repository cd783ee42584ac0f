package mongodump

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzCursor feeds arbitrary bytes as a collection file: reading never
// panics, and every document the cursor returns converts to valid JSON or
// is refused with an error.
func FuzzCursor(f *testing.F) {
	doc, _ := bson.Marshal(bson.D{{Key: "_id", Value: "x"}, {Key: "ts", Value: time.UnixMilli(0)},
		{Key: "a", Value: bson.A{int32(1), "s", bson.D{{Key: "k", Value: 1.5}}}}})
	f.Add(doc)
	f.Add(append(append([]byte{}, doc...), doc[:7]...))
	f.Add([]byte{5, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewCursor(bytes.NewReader(data))
		for range 1000 {
			raw, err := c.Next()
			if _, ok := err.(*InvalidDocumentError); ok {
				continue
			}
			if err != nil {
				return
			}
			js, err := AppendJSON(nil, raw)
			if err != nil {
				continue
			}
			if !json.Valid(js) {
				t.Fatalf("invalid JSON %q from %x", js, []byte(raw))
			}
		}
	})
}
