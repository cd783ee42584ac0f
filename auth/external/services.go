package external

import "encoding/json"

// LoginServices lists the enabled sign-in services as Meteor's service
// configuration documents (service.configurations, settings.oauth, the
// meteor.loginServiceConfiguration publication): each with "_id" and
// "service", never a secret.
type LoginServices struct {
	OAuth *OAuth
	SAML  *SAML
}

// LoginServiceConfigurations returns the documents, OAuth services first.
func (l LoginServices) LoginServiceConfigurations() []map[string]any {
	out := []map[string]any{}
	add := func(v any, id string) {
		b, err := json.Marshal(v)
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			return
		}
		m["_id"] = id
		out = append(out, m)
	}
	if l.OAuth != nil {
		for _, c := range l.OAuth.LoginServiceConfigurations() {
			add(c, c.Service)
		}
	}
	if l.SAML != nil {
		if c, ok := l.SAML.LoginServiceConfiguration(); ok {
			add(c, c.Service)
		}
	}
	return out
}
