package external

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"

	"liftoff/auth/pending"
	"liftoff/auth/saml"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// samlService is the link service of SAML users (services.saml).
const samlService = "saml"

// SAML runs the sign-ins of the SAML identity provider the
// SAML_Custom_Default_* settings describe (read at each call) and logs
// their users in.
type SAML struct {
	linker *Linker
	store  store.Store
	reg    Settings
	states pending.Store
	creds  *pending.Credentials
	log    *slog.Logger

	mu     sync.Mutex
	key    string
	cached *saml.ServiceProvider
}

// NewSAML returns the SAML sign-ins, keeping requests and the replay cache
// in states and the results in creds.
func NewSAML(linker *Linker, st store.Store, reg Settings, states pending.Store, creds *pending.Credentials, log *slog.Logger) *SAML {
	return &SAML{linker: linker, store: st, reg: reg, states: states, creds: creds, log: log}
}

// ServiceProvider returns the service provider named provider (the
// provider setting), when SAML is on; built anew when the settings changed.
func (s *SAML) ServiceProvider(provider string) (*saml.ServiceProvider, bool) {
	sp := s.current()
	if sp == nil || sp.Config().Provider != provider {
		return nil, false
	}
	return sp, true
}

func (s *SAML) current() *saml.ServiceProvider {
	site := s.reg.String(setting.SiteURL)
	cfg, err := saml.ConfigFrom(stringSettings{s.reg}, "Default", site)
	if err != nil {
		if s.reg.Bool(setting.SAMLCustomDefault) {
			s.log.Warn("saml: settings", "err", err)
		}
		return nil
	}
	if !cfg.Enabled {
		return nil
	}
	b, _ := json.Marshal(cfg)
	key := site + "\x00" + string(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && s.key == key {
		return s.cached
	}
	sp, err := saml.New(cfg, saml.Options{SiteURL: site, Store: s.states, Credentials: s.creds})
	if err != nil {
		s.log.Warn("saml: service provider", "err", err)
		return nil
	}
	s.key, s.cached = key, sp
	return sp
}

// LoginServiceConfiguration describes the SAML button, when SAML is on.
func (s *SAML) LoginServiceConfiguration() (saml.LoginServiceConfiguration, bool) {
	sp := s.current()
	if sp == nil {
		return saml.LoginServiceConfiguration{}, false
	}
	return sp.LoginServiceConfiguration(), true
}

// LoginCredential returns the account of a finished sign-in
// ({saml: true, credentialToken}), without consuming it.
func (s *SAML) LoginCredential(ctx context.Context, token, _ string) (*model.User, error) {
	cred, err := s.creds.Retrieve(ctx, token, "")
	if err != nil {
		return nil, err
	}
	if err := cred.Err(); err != nil {
		return nil, err
	}
	sp := s.current()
	if sp == nil {
		return nil, pending.ErrNoCredential
	}
	cfg := sp.Config()
	rs := RoleSync{Enabled: cfg.RoleAttributeSync, AutoRemove: cfg.RoleAttributeSync}
	if rs.Enabled {
		rs.Managed = cred.Identity.Roles
	}
	return s.linker.SignIn(ctx, cred.Identity, cfg.Policy(s.reg.Bool(setting.AccountsRegistrationAuthenticationServicesEnabled)), rs)
}

// ConsumeCredential spends the credential of a login that passed every check.
func (s *SAML) ConsumeCredential(ctx context.Context, token, _ string) error {
	return s.creds.Consume(ctx, token, "")
}

// samlLink is what a SAML login keeps with the account.
type samlLink struct {
	NameID     string `json:"nameID"`
	IdPSession string `json:"idpSession"`
}

// LogoutByNameID ends every session of the account linked to the SAML
// NameID (the IdP's single logout).
func (s *SAML) LogoutByNameID(ctx context.Context, nameID string) error {
	links, err := s.store.UserServices(ctx, samlService)
	if err != nil {
		return err
	}
	for _, l := range links {
		var d samlLink
		if json.Unmarshal(l.Data, &d) != nil || d.NameID != nameID || nameID == "" {
			continue
		}
		if err := s.store.Update(ctx, func(tx store.Tx) error {
			return tx.DeleteTokensOfUser(ctx, l.UserID, model.TokenLogin, "")
		}); err != nil {
			return err
		}
	}
	return nil
}

// LogoutURL is the samlLogout method: the IdP URL that ends the user's
// SAML session ("" when the user has none or logout_behaviour is Local).
func (s *SAML) LogoutURL(ctx context.Context, u *model.User, provider string) (string, error) {
	sp, ok := s.ServiceProvider(provider)
	if !ok {
		return "", saml.ErrDisabled
	}
	l, err := s.store.UserService(ctx, u.ID, samlService)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var d samlLink
	if err := json.Unmarshal(l.Data, &d); err != nil {
		return "", err
	}
	return sp.LogoutURL(ctx, d.NameID, d.IdPSession)
}
