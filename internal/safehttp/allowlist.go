package safehttp

import (
	"fmt"
	"net/netip"
	"strings"
)

// AllowList names the destinations an administrator lets the client reach
// although their addresses are not public: host names, wildcard host names
// ("*.corp.example" matches every name under corp.example, not corp.example
// itself), single addresses and CIDR ranges. The zero AllowList allows
// nothing beyond the public Internet.
type AllowList struct {
	hosts    []string // exact names, lower case, without a trailing dot
	suffixes []string // ".corp.example" for "*.corp.example"
	prefixes []netip.Prefix
}

// ParseAllowList reads an allow-list as administrators write it in a
// setting: entries separated by commas, spaces or new lines. It returns an
// error naming the first entry that is neither a host name, a wildcard host
// name, an IP address nor a CIDR range.
func ParseAllowList(text string) (AllowList, error) {
	var a AllowList
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	for _, f := range fields {
		if p, err := netip.ParsePrefix(f); err == nil {
			a.prefixes = append(a.prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(strings.Trim(f, "[]")); err == nil {
			ip = ip.WithZone("")
			a.prefixes = append(a.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		name := normalizeHost(f)
		if rest, ok := strings.CutPrefix(name, "*."); ok {
			if !validHostName(rest) {
				return AllowList{}, fmt.Errorf("safehttp: allow-list entry %q is not a host name, address or CIDR range", f)
			}
			a.suffixes = append(a.suffixes, "."+rest)
			continue
		}
		if !validHostName(name) {
			return AllowList{}, fmt.Errorf("safehttp: allow-list entry %q is not a host name, address or CIDR range", f)
		}
		a.hosts = append(a.hosts, name)
	}
	return a, nil
}

// MustParseAllowList is ParseAllowList for fixed lists (tests, defaults);
// it panics on a malformed list.
func MustParseAllowList(text string) AllowList {
	a, err := ParseAllowList(text)
	if err != nil {
		panic(err)
	}
	return a
}

// IsZero reports whether the list allows nothing.
func (a AllowList) IsZero() bool {
	return len(a.hosts) == 0 && len(a.suffixes) == 0 && len(a.prefixes) == 0
}

// String writes the list back in the form ParseAllowList reads.
func (a AllowList) String() string {
	var parts []string
	parts = append(parts, a.hosts...)
	for _, s := range a.suffixes {
		parts = append(parts, "*"+s)
	}
	for _, p := range a.prefixes {
		if p.IsSingleIP() {
			parts = append(parts, p.Addr().String())
		} else {
			parts = append(parts, p.String())
		}
	}
	return strings.Join(parts, ", ")
}

// AllowsHost reports whether host (a name from a URL) is named by the list.
func (a AllowList) AllowsHost(host string) bool {
	host = normalizeHost(host)
	for _, h := range a.hosts {
		if h == host {
			return true
		}
	}
	for _, s := range a.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// AllowsAddr reports whether ip lies in one of the list's ranges. IPv4
// addresses written in IPv6's mapped form match IPv4 ranges.
func (a AllowList) AllowsAddr(ip netip.Addr) bool {
	ip = ip.WithZone("")
	for _, p := range a.prefixes {
		if p.Contains(ip) || p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// validHostName accepts the names DNS and /etc/hosts use: labels of
// letters, digits, hyphens and underscores, separated by dots.
func validHostName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
