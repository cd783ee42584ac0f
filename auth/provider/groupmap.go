package provider

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// GroupMap maps a provider's group names to Liftoff names: roles (LDAP
// roles map, OAuth roles) or channels (LDAP channels map, OAuth
// groups_channel_map). Rocket.Chat keeps these maps as JSON objects whose
// values are a name or a list of names:
//
//	{"rocket-admin": "admin", "techsupport": ["helpdesk", "support"]}
type GroupMap map[string][]string

// ParseGroupMap reads a map setting. An empty setting is an empty map.
func ParseGroupMap(setting string) (GroupMap, error) {
	setting = strings.TrimSpace(setting)
	if setting == "" {
		return GroupMap{}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(setting), &raw); err != nil {
		return nil, fmt.Errorf("group map: not a JSON object: %w", err)
	}
	m := make(GroupMap, len(raw))
	for group, v := range raw {
		var one string
		if err := json.Unmarshal(v, &one); err == nil {
			m[group] = appendName(m[group], one)
			continue
		}
		var many []string
		if err := json.Unmarshal(v, &many); err != nil {
			return nil, fmt.Errorf("group map: the value of %q is neither a name nor a list of names", group)
		}
		for _, n := range many {
			m[group] = appendName(m[group], n)
		}
	}
	return m, nil
}

func appendName(list []string, n string) []string {
	n = strings.TrimSpace(n)
	if n == "" || slices.Contains(list, n) {
		return list
	}
	return append(list, n)
}

// Map returns the names the given groups map to, each once, in the order
// of groups. Group names match exactly.
func (m GroupMap) Map(groups []string) []string {
	var out []string
	for _, g := range groups {
		for _, n := range m[g] {
			out = appendName(out, n)
		}
	}
	return out
}

// Groups returns the map's group names, sorted.
func (m GroupMap) Groups() []string {
	out := make([]string, 0, len(m))
	for g := range m {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// Values returns every name the map can yield, each once, sorted: the
// roles a provider manages (SyncRoles' managed list).
func (m GroupMap) Values() []string {
	var out []string
	for _, names := range m {
		for _, n := range names {
			out = appendName(out, n)
		}
	}
	slices.Sort(out)
	return out
}
