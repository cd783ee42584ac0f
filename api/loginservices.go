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
// (external.OAuth): the public part of their configuration.
type LoginServices interface {
	LoginServiceConfigurations() []oauth.LoginServiceConfiguration
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
			// Rocket.Chat's answer adds id, name and appId to each custom service.
			out = append(out, M{"_id": c.Service, "id": c.Service, "name": c.Service, "appId": c.ClientID,
				"service": c.Service, "custom": c.Custom, "clientId": c.ClientID, "serverURL": c.ServerURL,
				"authorizePath": c.AuthorizePath, "scope": c.Scope, "loginStyle": c.LoginStyle,
				"responseType": c.ResponseType, "showButton": c.ShowButton, "buttonLabelText": c.ButtonLabelText,
				"buttonLabelColor": c.ButtonLabelColor, "buttonColor": c.ButtonColor})
		}
		return M{"services": out}, nil
	}, Public())
	rt.Get("service.configurations", func(r *Request) (any, error) {
		out := []M{}
		for _, c := range s.loginServices.LoginServiceConfigurations() {
			out = append(out, M{"_id": c.Service, "service": c.Service, "custom": c.Custom, "clientId": c.ClientID,
				"serverURL": c.ServerURL, "authorizePath": c.AuthorizePath, "scope": c.Scope, "loginStyle": c.LoginStyle,
				"responseType": c.ResponseType, "showButton": c.ShowButton, "buttonLabelText": c.ButtonLabelText,
				"buttonLabelColor": c.ButtonLabelColor, "buttonColor": c.ButtonColor})
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
