package avatar

import (
	"bytes"
	"encoding/xml"
	"testing"
)

func TestInitials(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"alice", "A"},
		{"john.doe", "JD"},
		{"Jane Mary Smith", "JM"},
		{"  bob_builder ", "BB"},
		{"émile zola", "ÉZ"},
		{"42", "4"},
		{"...", "?"},
		{"", "?"},
		{"@carol", "C"},
		{"#general", "G"},
	} {
		if got := Initials(c.in); got != c.want {
			t.Errorf("Initials(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestColorStable(t *testing.T) {
	if Color("alice") != Color("ALICE") {
		t.Error("colour depends on case")
	}
	seen := map[string]bool{}
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"} {
		c := Color(n)
		if len(c) != 7 || c[0] != '#' {
			t.Fatalf("bad colour %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 3 {
		t.Errorf("colours barely vary: %v", seen)
	}
}

func TestSVG(t *testing.T) {
	body := SVG("john.doe", 0)
	if !bytes.Contains(body, []byte(">JD</text>")) || !bytes.Contains(body, []byte(`width="200"`)) {
		t.Fatalf("unexpected svg: %s", body)
	}
	if !bytes.Equal(body, SVG("john.doe", 200)) {
		t.Error("not deterministic")
	}
	if ETag(body) == ETag(SVG("john.doe", 64)) {
		t.Error("size does not change the ETag")
	}
	// Well-formed XML, even for odd input.
	for _, name := range []string{"<script>", "a&b", "ünïcödé"} {
		d := xml.NewDecoder(bytes.NewReader(SVG(name, 32)))
		for {
			if _, err := d.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("%q: %v", name, err)
				}
				break
			}
		}
	}
	if got := ClampSize(5000); got != MaxSize {
		t.Errorf("ClampSize(5000) = %d", got)
	}
	if got := ClampSize(1); got != MinSize {
		t.Errorf("ClampSize(1) = %d", got)
	}
}
