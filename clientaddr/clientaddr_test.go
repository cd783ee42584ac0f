package clientaddr

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestAddr(t *testing.T) {
	custom := []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	tests := []struct {
		name   string
		res    Resolver
		peer   string
		xff    []string
		realIP string
		want   string
	}{
		{name: "no proxy configured: headers ignored", res: Resolver{}, peer: "127.0.0.1:5000", xff: []string{"1.2.3.4"}, realIP: "5.6.7.8", want: "127.0.0.1"},
		{name: "one proxy: the last hop", res: Resolver{Proxies: 1}, peer: "127.0.0.1:5000", xff: []string{"6.6.6.6, 1.2.3.4"}, want: "1.2.3.4"},
		{name: "two proxies: second from the end", res: Resolver{Proxies: 2}, peer: "10.0.0.2:1", xff: []string{"6.6.6.6, 1.2.3.4, 10.0.0.9"}, want: "1.2.3.4"},
		{name: "several header lines are one list", res: Resolver{Proxies: 1}, peer: "127.0.0.1:1", xff: []string{"6.6.6.6", "1.2.3.4"}, want: "1.2.3.4"},
		{name: "untrusted peer: headers ignored", res: Resolver{Proxies: 1}, peer: "198.51.100.7:1", xff: []string{"1.2.3.4"}, realIP: "1.2.3.4", want: "198.51.100.7"},
		{name: "configured trust list", res: Resolver{Proxies: 1, Trusted: custom}, peer: "203.0.113.5:1", xff: []string{"1.2.3.4"}, want: "1.2.3.4"},
		{name: "configured list replaces the default", res: Resolver{Proxies: 1, Trusted: custom}, peer: "127.0.0.1:1", xff: []string{"1.2.3.4"}, want: "127.0.0.1"},
		{name: "X-Real-IP when no X-Forwarded-For", res: Resolver{Proxies: 1}, peer: "127.0.0.1:1", realIP: "1.2.3.4", want: "1.2.3.4"},
		{name: "X-Real-IP when X-Forwarded-For too short", res: Resolver{Proxies: 2}, peer: "127.0.0.1:1", xff: []string{"9.9.9.9"}, realIP: "1.2.3.4", want: "1.2.3.4"},
		{name: "too short and no X-Real-IP: the peer", res: Resolver{Proxies: 2}, peer: "127.0.0.1:1", xff: []string{"9.9.9.9"}, want: "127.0.0.1"},
		{name: "garbage hop: the peer", res: Resolver{Proxies: 1}, peer: "127.0.0.1:1", xff: []string{"unknown"}, want: "127.0.0.1"},
		{name: "IPv6 with port and mapped IPv4", res: Resolver{Proxies: 1}, peer: "[::1]:1", xff: []string{"[2001:db8::1]:443"}, want: "2001:db8::1"},
		{name: "mapped IPv4 peer is trusted as IPv4", res: Resolver{Proxies: 1}, peer: "[::ffff:127.0.0.1]:1", xff: []string{"::ffff:1.2.3.4"}, want: "1.2.3.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.realIP != "" {
				r.Header.Set("X-Real-IP", tt.realIP)
			}
			if got := tt.res.Addr(r); got != tt.want {
				t.Fatalf("Addr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTrusted(t *testing.T) {
	got, err := ParseTrusted(" 10.1.2.3, 192.168.7.9/16,::1 ,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.1.2.3/32", "192.168.0.0/16", "::1/128"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if _, err := ParseTrusted("10.0.0.0/8, proxy.local"); err == nil {
		t.Fatal("a host name was accepted")
	}
}
