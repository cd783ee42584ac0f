// Package csvtest writes an archive in Rocket.Chat's CSV importer format for tests.
package csvtest

import (
	"archive/zip"
	"os"
	"path/filepath"
)

// Write writes, in dir, an archive in Rocket.Chat's CSV importer format.
func Write(dir string) (string, error) {
	p := filepath.Join(dir, "export.zip")
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"users.csv":    "alice,alice@acme.example,Alice Liddell\nbob,bob@acme.example,Bob Builder\ncarol,carol@acme.example,\"Danvers, Carol\"\n",
		"channels.csv": "dev,alice,public,alice;bob\nsecret,bob,private,bob;carol\n",
		"dev/messages.csv": "alice,1704067200000,\"hello, team\"\nbob,1704067260000,hi alice\n" +
			"carol,1704067320000,\"she said \"\"ship it\"\"\"\n",
		"secret/2024-01-01.csv":        "bob,1704067400000,private plan\n",
		"random/messages.csv":          "alice,1704067500000,a channel only the messages name\n",
		"directMessages/alice-bob.csv": "alice,bob,1704067600000,psst\nbob,alice,1704067700000,yes?\n",
		"contacts.csv":                 "Visitor,visitor@example.org,+1 555\n",
		"__MACOSX/._users.csv":         "junk",
	} {
		w, err := zw.Create(name)
		if err != nil {
			return "", err
		}
		if _, err := w.Write([]byte(body)); err != nil {
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return p, f.Close()
}
