package safehttp

import (
	"net/netip"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		ip     string
		public bool
	}{
		{"8.8.8.8", true},
		{"93.184.216.34", true},
		{"1.1.1.1", true},
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:80b::200e", true},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"10.0.0.1", false},
		{"10.255.255.255", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"172.32.0.1", true},
		{"192.168.1.1", false},
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"100.128.0.1", true},
		{"169.254.169.254", false}, // cloud metadata
		{"169.254.0.1", false},
		{"192.0.0.8", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},       // IPv4-mapped loopback
		{"::ffff:169.254.169.254", false}, // IPv4-mapped metadata
		{"::ffff:10.1.2.3", false},        // IPv4-mapped private
		{"::ffff:8.8.8.8", true},          // IPv4-mapped public
		{"::127.0.0.1", false},            // IPv4-compatible
		{"64:ff9b::7f00:1", false},        // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false},     // NAT64 of 169.254.169.254
		{"64:ff9b::808:808", true},        // NAT64 of 8.8.8.8
		{"64:ff9b:1::1", false},           // local-use NAT64
		{"2002:7f00:1::1", false},         // 6to4 of 127.0.0.1
		{"2002:0808:0808::1", true},       // 6to4 of 8.8.8.8
		{"2001::1", false},                // Teredo
		{"2001:db8::1", false},            // documentation
		{"fc00::1", false},                // unique local
		{"fd12:3456:789a::1", false},      // unique local
		{"fe80::1", false},                // link-local
		{"fe80::1%eth0", false},           // link-local with a zone
		{"fec0::1", false},                // site-local
		{"ff02::1", false},                // multicast
		{"100::1", false},                 // discard-only
		{"fd00:ec2::254", false},          // AWS IPv6 metadata (ULA)
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.ip)
		reason := Classify(ip)
		if (reason == "") != tt.public {
			t.Errorf("Classify(%s) = %q, want public=%v", tt.ip, reason, tt.public)
		}
	}
	if Classify(netip.Addr{}) == "" {
		t.Error("the zero Addr is public")
	}
}

func TestParseAllowList(t *testing.T) {
	a, err := ParseAllowList(" hooks.internal, *.corp.example;127.0.0.1\n10.0.0.0/8  ::1 [fd00::5] 192.168.1.7/24 Localhost. ")
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]bool{
		"hooks.internal": true, "HOOKS.internal.": true, "a.corp.example": true, "a.b.corp.example": true,
		"corp.example": false, "xcorp.example": false, "hooks.internal.evil": false, "localhost": true,
	}
	for h, want := range hosts {
		if got := a.AllowsHost(h); got != want {
			t.Errorf("AllowsHost(%q) = %v, want %v", h, got, want)
		}
	}
	addrs := map[string]bool{
		"127.0.0.1": true, "127.0.0.2": false, "10.9.8.7": true, "::1": true, "fd00::5": true, "fd00::6": false,
		"192.168.1.200": true, "192.168.2.1": false, "::ffff:10.0.0.1": true, "::ffff:127.0.0.1": true,
	}
	for s, want := range addrs {
		if got := a.AllowsAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("AllowsAddr(%s) = %v, want %v", s, got, want)
		}
	}
	if got := a.String(); got != "hooks.internal, localhost, *.corp.example, 127.0.0.1, 10.0.0.0/8, ::1, fd00::5, 192.168.1.0/24" {
		t.Errorf("String() = %q", got)
	}
	again, err := ParseAllowList(a.String())
	if err != nil || again.String() != a.String() {
		t.Errorf("round trip: %q, %v", again.String(), err)
	}
	if z, err := ParseAllowList(" , \n"); err != nil || !z.IsZero() {
		t.Errorf("empty list: %v %v", z, err)
	}
	for _, bad := range []string{"http://x.example", "a..b", "-a.example", "*.", "*", "a/b", "300.1.1.1/8", "exa mple/x"} {
		if _, err := ParseAllowList(bad); err == nil {
			t.Errorf("ParseAllowList(%q) accepted", bad)
		}
	}
}
