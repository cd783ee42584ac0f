package oauth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// normalize applies Rocket.Chat's identity fixes for providers that name
// the user id or e-mail differently (WordPress ID, Auth0 user_id, Keycloak
// and OIDC sub, Nextcloud ocs.data, Meteor emails[], Reddit result ...).
func normalize(identity map[string]any) map[string]any {
	if r, ok := identity["result"].(map[string]any); ok {
		identity = r
	}
	setID := func(v any) {
		if _, has := identity["id"]; !has && v != nil && v != "" {
			identity["id"] = v
		}
	}
	setID(identity["_id"])
	setID(identity["ID"])
	setID(identity["user_id"])
	setID(identity["CharacterID"])
	if user, ok := identity["user"].(map[string]any); ok {
		if _, has := identity["id"]; !has {
			if sec, ok := user["userid_sec"].([]any); ok && len(sec) > 0 {
				setID(sec[0])
			} else {
				setID(user["userid"])
			}
			if user["userid"] != nil || user["userid_sec"] != nil {
				if e, ok := user["email"]; ok {
					identity["email"] = e
				}
			}
			if user["user_id"] != nil {
				setID(user["user_id"])
				if e, ok := user["user_email"]; ok {
					identity["email"] = e
				}
			}
		}
	}
	setID(identity["phid"])
	setID(identity["sub"])
	if md, ok := identity["metadata"].(map[string]any); ok {
		if _, has := identity["id"]; !has && md["uid"] != nil {
			setID(md["uid"])
			identity["name"] = identity["fullName"]
		}
	}
	setID(identity["userid"])
	if ocs, ok := identity["ocs"].(map[string]any); ok {
		if data, ok := ocs["data"].(map[string]any); ok && data["id"] != nil {
			if _, has := identity["id"]; !has {
				setID(data["id"])
				identity["name"] = data["displayname"]
				identity["email"] = data["email"]
			}
		}
	}
	if _, has := identity["email"]; !has {
		if emails, ok := identity["emails"].([]any); ok && len(emails) > 0 {
			if e, ok := emails[0].(map[string]any); ok && e["address"] != nil {
				identity["email"] = e["address"]
			}
		}
	}
	return identity
}

// lookup follows a dotted path ("user.profile.email", "emails.0.address")
// into decoded JSON.
func lookup(path string, data any) any {
	cur := data
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}

// text renders a JSON value as a string ("" for nothing, objects and lists).
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		return ""
	}
}

var (
	templatePart  = regexp.MustCompile(`{{((?:[^}]|}[^}])+)}}`)
	regexpFormula = regexp.MustCompile(`^/((?:[^/]|/[^:]|/:[^:])*)/::(.+)$`)
)

// fieldValue is Rocket.Chat's fromTemplate: a bare dotted path, or a
// template whose {{path}} and {{/regex/::path}} parts are replaced (the
// regex's first group, or its whole match).
func fieldValue(field string, data any) (string, error) {
	field = strings.TrimSpace(field)
	if field == "" {
		return "", nil
	}
	if !templatePart.MatchString(field) {
		return text(lookup(field, data)), nil
	}
	var firstErr error
	out := templatePart.ReplaceAllStringFunc(field, func(m string) string {
		inner := templatePart.FindStringSubmatch(m)[1]
		f := regexpFormula.FindStringSubmatch(inner)
		if f == nil {
			return text(lookup(inner, data))
		}
		re, err := regexp.Compile(f[1])
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("invalid regular expression in %q: %w", field, err)
			}
			return ""
		}
		sub := re.FindStringSubmatch(text(lookup(f[2], data)))
		switch {
		case sub == nil:
			return ""
		case len(sub) > 1:
			return sub[1]
		default:
			return sub[0]
		}
	})
	return out, firstErr
}

// stringList reads a claim that is a list of strings or one string
// (comma-separated lists included).
func stringList(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	case []any:
		for _, e := range x {
			if s := strings.TrimSpace(text(e)); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// truthy reads a boolean claim that some providers send as a string.
func truthy(v any) (value, present bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b && err == nil, err == nil
	}
	return false, false
}

// defaultName is Rocket.Chat's getName.
func defaultName(id map[string]any) string {
	for _, k := range []string{"name", "username", "nickname", "CharacterName", "userName", "preferred_username"} {
		if s := text(id[k]); s != "" {
			return s
		}
	}
	if u, ok := id["user"].(map[string]any); ok {
		return text(u["name"])
	}
	return ""
}
