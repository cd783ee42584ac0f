package oauth

import "strings"

// LoginServiceConfiguration is the public description of a service that
// Rocket.Chat's clients read (service.configurations, the
// meteor.loginServiceConfiguration publication, settings.oauth): the login
// button and how to start a sign-in. It never holds the secret.
//
// Every service is described as custom with this server as its serverURL
// and /_oauth/<name>/authorize as its authorizePath: Rocket.Chat's web and
// mobile clients then build the start URL on this server (appending
// client_id, redirect_uri, response_type, state and scope, which the route
// reads the Meteor state from), so every sign-in begins with a state,
// nonce and PKCE verifier this server issued. A client that went to the
// provider on its own would come back with a state this server never
// issued, which Complete refuses.
type LoginServiceConfiguration struct {
	Service          string `json:"service"`
	Custom           bool   `json:"custom"`
	ClientID         string `json:"clientId"`
	ServerURL        string `json:"serverURL"`
	AuthorizePath    string `json:"authorizePath"`
	Scope            string `json:"scope"`
	LoginStyle       string `json:"loginStyle,omitempty"`
	ResponseType     string `json:"responseType"`
	ShowButton       bool   `json:"showButton"`
	ButtonLabelText  string `json:"buttonLabelText"`
	ButtonLabelColor string `json:"buttonLabelColor"`
	ButtonColor      string `json:"buttonColor"`
}

// LoginServiceConfiguration describes the flow's service for clients.
func (f *Flow) LoginServiceConfiguration() LoginServiceConfiguration {
	c := f.cfg
	label := c.ButtonLabelText
	if label == "" {
		label = strings.ToUpper(c.Name[:1]) + c.Name[1:]
	}
	return LoginServiceConfiguration{Service: c.Name, Custom: true, ClientID: c.ClientID, ServerURL: f.site.String(),
		AuthorizePath: f.AuthorizePath(), Scope: strings.Join(c.Scopes, " "), LoginStyle: c.LoginStyle, ResponseType: "code",
		ShowButton: c.ShowButton || !c.Custom, ButtonLabelText: label, ButtonLabelColor: c.ButtonLabelColor, ButtonColor: c.ButtonColor}
}
