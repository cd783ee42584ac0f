package api

import (
	"context"
	"strings"

	"liftoff/access/perm"
	"liftoff/auth/oauth"
	"liftoff/auth/twofactor"
	"liftoff/model"
	"liftoff/settings"
)

// LoginServices lists the sign-in services clients may offer
// (external.LoginServices): Meteor's service configuration documents,
// each with "_id" and "service", without secrets.
type LoginServices interface {
	LoginServiceConfigurations() []map[string]any
}

// SettingsAdder creates settings that do not exist yet (chat.Admin).
type SettingsAdder interface {
	AddSettings(ctx context.Context, actor *model.User, defs []*model.Setting) error
}

// loginServiceRoutes are settings.oauth, service.configurations and
// settings.addCustomOAuth.
func (s *Server) loginServiceRoutes(rt *Router) {
	if s.loginServices == nil {
		return
	}
	rt.Get("settings.oauth", func(r *Request) (any, error) {
		out := []M{}
		for _, c := range s.loginServices.LoginServiceConfigurations() {
			m := M(c)
			if custom, _ := c["custom"].(bool); custom {
				// Rocket.Chat adds id, name and appId to each custom service.
				m["id"], m["name"], m["appId"] = c["_id"], c["service"], c["clientId"]
			}
			out = append(out, m)
		}
		return M{"services": out}, nil
	}, Public())
	rt.Get("service.configurations", func(r *Request) (any, error) {
		out := []M{}
		for _, c := range s.loginServices.LoginServiceConfigurations() {
			out = append(out, M(c))
		}
		return M{"configurations": out}, nil
	}, Public())
	if adder, ok := s.admin.(SettingsAdder); ok {
		rt.Post("settings.addCustomOAuth", func(r *Request) (any, error) {
			name, err := r.RequireString("name")
			if err != nil {
				return nil, err
			}
			name = oauth.NormalizeCustomName(strings.TrimSpace(name))
			if name == "" {
				return nil, model.Invalid("error-name-param-not-provided", "The parameter \"name\" is required")
			}
			return nil, adder.AddSettings(r.Context(), r.User, settings.CustomOAuth(name))
		}, Permission(perm.AddOAUTHService), TwoFactorRequired(twofactor.Options{}))
	}
}
