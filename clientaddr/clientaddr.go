// Package clientaddr tells the address of the client behind a request, the
// key of every per-address limit (REST and DDP call rate limits, failed
// logins) and the address recorded for logins. Behind a reverse proxy the
// socket's peer is the proxy; the client's address is in the headers the
// proxy sets. Those headers are taken only from trusted proxies, counted as
// Rocket.Chat (Meteor) counts them with HTTP_FORWARDED_COUNT, so that a
// client cannot pick its own address (and escape its limits, or put
// another's address under them) by sending the headers itself.
package clientaddr

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// DefaultTrusted are the proxies trusted when no list is configured: the
// loopback, private (RFC 1918, RFC 4193) and link-local networks, where a
// reverse proxy in front of the instances normally stands.
var DefaultTrusted = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
}

// Resolver finds a request's client address. The zero value trusts no
// proxy: the address is the socket's peer.
type Resolver struct {
	// Proxies is the number of proxies in front of the server
	// (HTTP_FORWARDED_COUNT; 0: no proxy, the headers are ignored).
	Proxies int
	// Trusted are the networks the last proxy may connect from (nil:
	// DefaultTrusted). A request from anywhere else is taken as coming
	// from the client itself, whatever its headers say.
	Trusted []netip.Prefix
}

// ParseTrusted reads a comma-separated list of addresses and networks
// ("10.1.2.3, 192.168.0.0/16").
func ParseTrusted(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Addr returns the client address of r (the host only, no port):
//
//   - the socket's peer when no proxy is configured, or when the peer is
//     not a trusted proxy;
//   - otherwise X-Forwarded-For's entry Proxies places from its end (each
//     proxy appends the address it received the request from, so the
//     entries further left were written by the client and are not to be
//     believed), as Meteor's clientAddress counts;
//   - X-Real-IP when X-Forwarded-For is missing or shorter than that
//     (a proxy that sets only X-Real-IP);
//   - the peer when neither header says anything usable.
func (rs Resolver) Addr(r *http.Request) string {
	peer := Host(r.RemoteAddr)
	if rs.Proxies <= 0 || !rs.trusted(peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	if len(hops) >= rs.Proxies {
		if a, ok := parse(hops[len(hops)-rs.Proxies]); ok {
			return a
		}
	}
	if a, ok := parse(strings.TrimSpace(r.Header.Get("X-Real-IP"))); ok {
		return a
	}
	return peer
}

func (rs Resolver) trusted(host string) bool {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	list := rs.Trusted
	if list == nil {
		list = DefaultTrusted
	}
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parse accepts an address as proxies write it (optionally with a port,
// IPv6 optionally in brackets) and returns it in canonical form.
func parse(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().String(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().String(), true
	}
	return "", false
}

// Host returns the host part of a host:port address (addr itself when it
// has no port).
func Host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
