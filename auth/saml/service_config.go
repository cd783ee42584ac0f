package saml

// LoginServiceConfiguration is the public description Rocket.Chat's clients
// read for the SAML button (service "saml"): they open
// /_saml/authorize/<provider>/<credentialToken> and log in with
// {saml: true, credentialToken} when the popup closes.
type LoginServiceConfiguration struct {
	Service           string       `json:"service"`
	ButtonLabelText   string       `json:"buttonLabelText"`
	ButtonLabelColor  string       `json:"buttonLabelColor"`
	ButtonColor       string       `json:"buttonColor"`
	ClientConfig      ClientConfig `json:"clientConfig"`
	EntryPoint        string       `json:"entryPoint"`
	IdPSLORedirectURL string       `json:"idpSLORedirectURL"`
	LogoutBehaviour   string       `json:"logoutBehaviour"`
}

// ClientConfig names the provider in the routes.
type ClientConfig struct {
	Provider string `json:"provider"`
}

// LoginServiceConfiguration describes the service for clients.
func (s *ServiceProvider) LoginServiceConfiguration() LoginServiceConfiguration {
	c := s.cfg
	return LoginServiceConfiguration{Service: "saml", ButtonLabelText: c.ButtonLabelText, ButtonLabelColor: c.ButtonLabelColor,
		ButtonColor: c.ButtonColor, ClientConfig: ClientConfig{Provider: c.Provider}, EntryPoint: c.EntryPoint,
		IdPSLORedirectURL: c.IdPSLORedirectURL, LogoutBehaviour: c.LogoutBehaviour}
}
