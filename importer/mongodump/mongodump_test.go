package mongodump

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestAppendJSON(t *testing.T) {
	oid := bson.NewObjectID()
	when := time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)
	raw, err := bson.Marshal(bson.D{{Key: "_id", Value: oid}, {Key: "ts", Value: when}, {Key: "n", Value: int64(1) << 40},
		{Key: "i", Value: int32(-3)}, {Key: "f", Value: 1.5}, {Key: "ok", Value: true}, {Key: "none", Value: nil},
		{Key: "list", Value: bson.A{"a", bson.D{{Key: "k\"ey", Value: "v\n"}}}}, {Key: "bin", Value: bson.Binary{Data: []byte{1, 2}}}})
	if err != nil {
		t.Fatal(err)
	}
	js, err := AppendJSON(nil, raw)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	want := map[string]any{"_id": oid.Hex(), "ts": "2024-05-01T10:00:00.123Z", "n": float64(1 << 40), "i": float64(-3),
		"f": 1.5, "ok": true, "none": nil, "list": []any{"a", map[string]any{"k\"ey": "v\n"}}, "bin": "AQI="}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("got %s\nwant %s", gb, wb)
	}
}

func TestCursorTruncatedFile(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	for _, id := range []string{"a", "b", "c"} {
		d, _ := bson.Marshal(bson.D{{Key: "_id", Value: id}})
		b = append(b, d...)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.bson"), b[:len(b)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Open("users")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		if _, err := c.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Next(); err == nil || err == io.EOF || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated document: %v", err)
	}
	if _, err := d.Open("missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing collection: %v", err)
	}
}

func TestOpenFindsTheDatabaseDirectory(t *testing.T) {
	root := t.TempDir()
	if _, err := Open(root); err == nil {
		t.Fatal("an empty directory was accepted")
	}
	for _, db := range []string{"rocketchat", "other"} {
		if err := os.MkdirAll(filepath.Join(root, db), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, db, "users.bson"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Open(root)
		if db == "rocketchat" && (err != nil || d.Dir != filepath.Join(root, "rocketchat")) {
			t.Fatalf("one database: %v %v", d, err)
		}
		if db == "other" && (err == nil || !strings.Contains(err.Error(), "several databases")) {
			t.Fatalf("two databases: %v", err)
		}
	}
}
