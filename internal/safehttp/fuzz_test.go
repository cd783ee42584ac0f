package safehttp

import (
	"net/netip"
	"testing"
)

// FuzzParseAllowList: a list that parses writes back to the same list.
func FuzzParseAllowList(f *testing.F) {
	for _, s := range []string{"a.example, *.b.example 10.0.0.0/8 ::1", "[fd00::1]", "x..y", "1.2.3.4/33"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		a, err := ParseAllowList(text)
		if err != nil {
			return
		}
		b, err := ParseAllowList(a.String())
		if err != nil || b.String() != a.String() {
			t.Fatalf("round trip of %q: %q, %v", text, b.String(), err)
		}
	})
}

// FuzzClassify: an IPv4-mapped address is judged as its IPv4 address.
func FuzzClassify(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1})
	f.Add([]byte{8, 8, 8, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 4 {
			return
		}
		v4 := netip.AddrFrom4([4]byte(b))
		mapped := netip.AddrFrom16(v4.As16())
		if (Classify(v4) == "") != (Classify(mapped) == "") {
			t.Fatalf("%s and %s judged differently", v4, mapped)
		}
	})
}
