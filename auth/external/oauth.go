package external

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"liftoff/auth/oauth"
	"liftoff/auth/pending"
	"liftoff/model"
	"liftoff/settings/setting"
)

// settingIDs lists every setting id the registry holds.
type settingIDs interface {
	All() []*model.Setting
}

// stringSettings reads settings whose ids are built at run time (the
// Accounts_OAuth_Custom-<Name>-* group of each custom service).
type stringSettings struct{ Settings }

func (s stringSettings) Bool(id string) bool     { return s.Settings.Bool(setting.ID(id)) }
func (s stringSettings) Int(id string) int       { return s.Settings.Int(setting.ID(id)) }
func (s stringSettings) String(id string) string { return s.Settings.String(setting.ID(id)) }

// OAuth runs the sign-ins of the OAuth 2 / OpenID Connect services the
// settings enable (Rocket.Chat's custom services, Accounts_OAuth_Custom-*),
// read at each call, and logs their users in.
type OAuth struct {
	linker *Linker
	reg    Settings
	ids    settingIDs
	states pending.Store
	creds  *pending.Credentials
	log    *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	flows map[string]cachedFlow // by service name
}

type cachedFlow struct {
	key  string // the configuration and Site_Url it was built with
	flow *oauth.Flow
}

// NewOAuth returns the OAuth sign-ins, keeping their state in states and
// their results in creds.
func NewOAuth(linker *Linker, reg Settings, ids settingIDs, states pending.Store, creds *pending.Credentials, log *slog.Logger) *OAuth {
	return &OAuth{linker: linker, reg: reg, ids: ids, states: states, creds: creds, log: log, now: linker.now,
		flows: map[string]cachedFlow{}}
}

// configs reads the enabled built-in and custom services.
func (o *OAuth) configs() []oauth.Config {
	var ids []string
	for _, s := range o.ids.All() {
		ids = append(ids, s.ID)
	}
	r := stringSettings{o.reg}
	trust := o.reg.Bool(setting.AccountsVerifyEmailForExternalAccounts)
	var out []oauth.Config
	// The built-in services (Accounts_OAuth_Google, _Github, _Gitlab, _Apple).
	for _, name := range []string{oauth.Google, oauth.GitHub, oauth.GitLab, oauth.Apple} {
		if !oauth.BuiltinEnabled(r, name) {
			continue
		}
		cfg, err := oauth.BuiltinConfig(r, name, trust)
		if err != nil {
			o.log.Warn("oauth: service settings", "service", name, "err", err)
			continue
		}
		out = append(out, cfg)
	}
	for _, name := range oauth.CustomServiceNames(ids) {
		if !oauth.CustomEnabled(r, name) {
			continue
		}
		cfg, err := oauth.CustomConfig(r, name, trust)
		if err != nil {
			o.log.Warn("oauth: service settings", "service", name, "err", err)
			continue
		}
		out = append(out, cfg)
	}
	return out
}

// Flow returns the flow of the enabled service name (lower case), built
// anew when its settings changed.
func (o *OAuth) Flow(name string) (*oauth.Flow, bool) {
	for _, f := range o.Flows() {
		if f.Config().Name == strings.ToLower(name) {
			return f, true
		}
	}
	return nil, false
}

// Flows returns the flows of every enabled service.
func (o *OAuth) Flows() []*oauth.Flow {
	site := o.reg.String(setting.SiteURL)
	cfgs := o.configs()
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*oauth.Flow, 0, len(cfgs))
	for _, cfg := range cfgs {
		b, _ := json.Marshal(cfg)
		key := site + "\x00" + string(b)
		if c, ok := o.flows[cfg.Name]; ok && c.key == key {
			out = append(out, c.flow)
			continue
		}
		f, err := oauth.NewFlow(cfg, oauth.Options{SiteURL: site, States: o.states, Credentials: o.creds, Logger: o.log, Now: o.now})
		if err != nil {
			o.log.Warn("oauth: service", "service", cfg.Name, "err", err)
			continue
		}
		o.flows[cfg.Name] = cachedFlow{key: key, flow: f}
		out = append(out, f)
	}
	return out
}

// LoginServiceConfigurations describes the enabled services for clients
// (never their secrets).
func (o *OAuth) LoginServiceConfigurations() []oauth.LoginServiceConfiguration {
	out := []oauth.LoginServiceConfiguration{}
	for _, f := range o.Flows() {
		out = append(out, f.LoginServiceConfiguration())
	}
	return out
}

// LoginCredential returns the account of a finished sign-in
// ({oauth: {credentialToken, credentialSecret}}), without consuming it.
func (o *OAuth) LoginCredential(ctx context.Context, token, secret string) (*model.User, error) {
	cred, err := o.creds.Retrieve(ctx, token, secret)
	if err != nil {
		return nil, err
	}
	if err := cred.Err(); err != nil {
		return nil, err
	}
	f, ok := o.Flow(cred.Identity.Service)
	if !ok {
		return nil, pending.ErrNoCredential // the service was switched off meanwhile
	}
	cfg := f.Config()
	rs := RoleSync{Enabled: cfg.MergeRoles, Managed: cfg.RolesToSync, AutoRemove: cfg.MergeRoles}
	return o.linker.SignIn(ctx, cred.Identity, cfg.Policy(o.reg.Bool(setting.AccountsRegistrationAuthenticationServicesEnabled)), rs)
}

// LoginAccessToken is the native sign-in of a mobile app (login with
// {serviceName, accessToken}): the service's identity endpoint is asked who
// the token belongs to, and that identity signs in as through the
// redirect flow. An unknown or disabled service, or a token the provider
// refuses, is error-oauth-invalid-token.
func (o *OAuth) LoginAccessToken(ctx context.Context, service, accessToken string) (*model.User, error) {
	f, ok := o.Flow(service)
	if !ok {
		return nil, model.Invalid("error-oauth-invalid-token", "No OAuth service %q is enabled", service)
	}
	ident, err := f.IdentityFromAccessToken(ctx, accessToken)
	if err != nil {
		o.log.Info("oauth: native sign-in refused", "service", service, "err", err)
		if _, domain := model.AsError(err); domain {
			return nil, err
		}
		return nil, model.Invalid("error-oauth-invalid-token", "The %s access token was refused", service)
	}
	cfg := f.Config()
	rs := RoleSync{Enabled: cfg.MergeRoles, Managed: cfg.RolesToSync, AutoRemove: cfg.MergeRoles}
	return o.linker.SignIn(ctx, ident, cfg.Policy(o.reg.Bool(setting.AccountsRegistrationAuthenticationServicesEnabled)), rs)
}

// ConsumeCredential spends the credential of a login that passed every check.
func (o *OAuth) ConsumeCredential(ctx context.Context, token, secret string) error {
	return o.creds.Consume(ctx, token, secret)
}
