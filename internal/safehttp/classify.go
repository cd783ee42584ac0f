package safehttp

import "net/netip"

// A reservedRange is a block of addresses that must not be reached from
// user-supplied URLs, with the reason given in refusals.
type reservedRange struct {
	prefix netip.Prefix
	reason string
}

// reserved lists the special-purpose blocks of IANA's IPv4 and IPv6
// registries that do not lead to the public Internet, plus the private and
// shared ranges. IPv6 forms that embed an IPv4 address are handled in
// Classify before this list is consulted.
var reserved = func() []reservedRange {
	list := []struct{ cidr, reason string }{
		{"0.0.0.0/8", "unspecified"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "shared address space (carrier-grade NAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "6to4 relay anycast"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"}, // includes 255.255.255.255, broadcast

		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible (deprecated)"},
		{"64:ff9b:1::/48", "local-use IPv4/IPv6 translation"},
		{"100::/64", "discard-only"},
		{"2001::/23", "IETF protocol assignments"}, // includes Teredo 2001::/32
		{"2001:db8::/32", "documentation"},
		{"3fff::/20", "documentation"},
		{"5f00::/16", "segment routing"},
		{"fc00::/7", "unique local (private)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local (deprecated)"},
		{"ff00::/8", "multicast"},
	}
	out := make([]reservedRange, len(list))
	for i, r := range list {
		out[i] = reservedRange{netip.MustParsePrefix(r.cidr), r.reason}
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// Classify tells whether ip leads to the public Internet: it returns "" for
// a public unicast address and otherwise why the address is refused
// ("loopback", "private", "link-local", ...). IPv4-mapped IPv6 addresses are
// judged by the IPv4 address they carry; so are NAT64 (64:ff9b::/96) and
// 6to4 (2002::/16) addresses, whose embedded IPv4 address is where packets
// end up.
func Classify(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid address"
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			if r := Classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
				return r + " (via NAT64)"
			}
			return ""
		case sixToFour.Contains(ip):
			if r := Classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})); r != "" {
				return r + " (via 6to4)"
			}
			return ""
		}
	}
	for _, r := range reserved {
		if r.prefix.Contains(ip) {
			return r.reason
		}
	}
	return ""
}
