package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"liftoff/auth/pending"
	"liftoff/auth/provider"
	"liftoff/model"
)

// Errors of a flow, with the types the login call reports them with.
var (
	// ErrInvalidState: the callback's state was never issued, has expired
	// or was already used (a forged or replayed callback).
	ErrInvalidState = &model.Error{Type: "error-oauth-invalid-state", Reason: "The sign-in request is unknown, expired or already used"}
	// ErrUnavailable: the provider could not be reached or answered with an
	// error (the error wraps the cause for the log).
	ErrUnavailable = &model.Error{Type: "error-oauth-unavailable", Reason: "The sign-in service cannot be reached"}
	// ErrDenied: the provider refused the sign-in (the user cancelled, or
	// the provider's error parameter).
	ErrDenied = &model.Error{Type: "error-oauth-denied", Reason: "The sign-in was cancelled or refused by the sign-in service"}
	// ErrInvalidToken: the ID token or identity failed verification
	// (signature, issuer, audience, expiry, nonce, subject).
	ErrInvalidToken = &model.Error{Type: "error-oauth-invalid-token", Reason: "The sign-in service's answer could not be verified"}
	// ErrRedirectURL: a redirect-style login asked to return outside Site_Url.
	ErrRedirectURL = &model.Error{Type: "error-oauth-redirect-url", Reason: "The redirect URL is not on this server"}
)

// wrapped is a flow error with its cause.
type wrapped struct {
	kind  *model.Error
	cause error
}

func (w *wrapped) Error() string   { return w.kind.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.kind, w.cause} }

func wrap(kind *model.Error, format string, args ...any) error {
	return &wrapped{kind: kind, cause: fmt.Errorf(format, args...)}
}

// DefaultStateTTL is how long a started sign-in waits for its callback.
const DefaultStateTTL = 10 * time.Minute

// Options configure a Flow.
type Options struct {
	// SiteURL is Rocket.Chat's Site_Url: the callback is
	// SiteURL/_oauth/<name>, and redirect-style logins may only return
	// under it.
	SiteURL string
	// States keeps the pending authorizations (shared by all instances
	// behind a proxy). Required.
	States pending.Store
	// Credentials receives the finished sign-ins. Required.
	Credentials *pending.Credentials
	// HTTPClient talks to the provider (default: a client with a 15 s timeout).
	HTTPClient *http.Client
	// StateTTL bounds a sign-in's duration (DefaultStateTTL when 0).
	StateTTL time.Duration
	// Logger receives the causes of failures (default slog.Default()).
	Logger *slog.Logger
	// Now replaces the clock for ID token checks (tests).
	Now func() time.Time
}

// Flow runs one service's sign-ins. It is safe for concurrent use.
type Flow struct {
	cfg     Config
	site    *url.URL
	opts    Options
	client  *http.Client
	log     *slog.Logger
	mu      sync.Mutex
	oidc    *oidc.Provider // discovered provider, nil until discovered
	noOIDC  bool           // OptionalIssuer found no discovery document
	appleMu sync.Mutex
	apple   appleSecret
}

// NewFlow returns the flow of the service cfg.
func NewFlow(cfg Config, opts Options) (*Flow, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	site, err := url.Parse(strings.TrimRight(strings.TrimSpace(opts.SiteURL), "/"))
	if err != nil || (site.Scheme != "http" && site.Scheme != "https") || site.Host == "" {
		return nil, fmt.Errorf("oauth: Site_Url %q is not an http(s) URL", opts.SiteURL)
	}
	if opts.States == nil || opts.Credentials == nil {
		return nil, errors.New("oauth: a state store and a credential store are required")
	}
	if opts.StateTTL <= 0 {
		opts.StateTTL = DefaultStateTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Flow{cfg: cfg, site: site, opts: opts, client: opts.HTTPClient, log: opts.Logger}
	if f.client == nil {
		f.client = &http.Client{Timeout: 15 * time.Second}
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	return f, nil
}

// Config returns the service's configuration.
func (f *Flow) Config() Config { return f.cfg }

// RedirectURI is the callback registered at the provider:
// Site_Url/_oauth/<name>.
func (f *Flow) RedirectURI() string { return f.site.String() + "/_oauth/" + f.cfg.Name }

// AuthorizePath is this server's start route for the service,
// /_oauth/<name>/authorize, which login service configurations advertise
// so that Rocket.Chat clients start their sign-ins here.
func (f *Flow) AuthorizePath() string { return "/_oauth/" + f.cfg.Name + "/authorize" }

// BeginRequest is how a client starts a sign-in: Meteor's login state.
type BeginRequest struct {
	// CredentialToken is the client's key for the result ("" : one is made
	// and handed back by the end-of-login page).
	CredentialToken string `json:"credentialToken"`
	// LoginStyle is "popup" (default) or "redirect".
	LoginStyle string `json:"loginStyle"`
	// RedirectURL is where a redirect-style login returns; it must be under
	// Site_Url ("" : Site_Url).
	RedirectURL string `json:"redirectUrl,omitempty"`
	// IsCordova marks mobile clients, which read the result from the URL hash.
	IsCordova bool `json:"isCordova,omitempty"`
}

// ParseMeteorState decodes the state parameter Rocket.Chat's clients send
// (base64 of {"loginStyle","credentialToken","isCordova","redirectUrl"}).
func ParseMeteorState(state string) (BeginRequest, error) {
	var r BeginRequest
	raw, err := base64.StdEncoding.DecodeString(state)
	if err != nil {
		if raw, err = base64.RawURLEncoding.DecodeString(state); err != nil {
			return r, fmt.Errorf("oauth: state is not base64: %w", err)
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("oauth: state is not Meteor's JSON: %w", err)
	}
	return r, nil
}

// authorization is a pending sign-in, kept under its state.
type authorization struct {
	Service         string `json:"service"`
	Verifier        string `json:"verifier"`
	Nonce           string `json:"nonce"`
	CredentialToken string `json:"credentialToken"`
	LoginStyle      string `json:"loginStyle"`
	RedirectURL     string `json:"redirectUrl,omitempty"`
	IsCordova       bool   `json:"isCordova,omitempty"`
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkRedirect accepts URLs on Site_Url's origin and under its path.
func (f *Flow) checkRedirect(raw string) (string, error) {
	if raw == "" {
		return f.site.String() + "/", nil
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, f.site.Scheme) || !strings.EqualFold(u.Host, f.site.Host) ||
		u.User != nil || !strings.HasPrefix(u.Path+"/", strings.TrimSuffix(f.site.Path, "/")+"/") {
		return "", ErrRedirectURL
	}
	return u.String(), nil
}

// Begin starts a sign-in: it records the pending authorization (state,
// nonce, PKCE verifier, the client's Meteor state) and returns the
// provider's authorization URL to redirect the browser to.
func (f *Flow) Begin(ctx context.Context, req BeginRequest) (string, error) {
	if req.LoginStyle == "" {
		req.LoginStyle = orDefault(f.cfg.LoginStyle, LoginStylePopup)
	}
	if req.LoginStyle != LoginStylePopup && req.LoginStyle != LoginStyleRedirect {
		return "", fmt.Errorf("oauth: unknown login style %q", req.LoginStyle)
	}
	if req.CredentialToken == "" {
		req.CredentialToken = randomToken(32)
	} else if !pending.ValidToken(req.CredentialToken) {
		return "", errors.New("oauth: invalid credential token")
	}
	redirect := ""
	if req.LoginStyle == LoginStyleRedirect {
		var err error
		if redirect, err = f.checkRedirect(req.RedirectURL); err != nil {
			return "", err
		}
	}
	oc, err := f.endpoint(ctx)
	if err != nil {
		return "", err
	}
	a := authorization{Service: f.cfg.Name, Verifier: oauth2.GenerateVerifier(), Nonce: randomToken(24),
		CredentialToken: req.CredentialToken, LoginStyle: req.LoginStyle, RedirectURL: redirect, IsCordova: req.IsCordova}
	state := randomToken(32)
	b, _ := json.Marshal(a)
	if err := f.opts.States.Put(ctx, stateKey(state), b, f.opts.StateTTL); err != nil {
		return "", fmt.Errorf("oauth: record the sign-in: %w", err)
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.Verifier), oauth2.SetAuthURLParam("nonce", a.Nonce)}
	if f.cfg.ResponseMode != "" {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", f.cfg.ResponseMode))
	}
	for k, v := range f.cfg.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return oc.AuthCodeURL(state, opts...), nil
}

func stateKey(state string) string { return "oauth-state:" + state }

// Completion is a finished callback: what the end-of-login page needs, and
// the sign-in's outcome (also stored as the pending credential).
type Completion struct {
	CredentialToken  string
	CredentialSecret string // "" when the sign-in failed
	LoginStyle       string
	RedirectURL      string
	IsCordova        bool
	Identity         *provider.Identity
	// Err is why the sign-in failed (nil on success); the client's login
	// call gets it too.
	Err error
}

// Complete handles the provider's callback (the query of GET
// /_oauth/<name>, or the form of a form_post). A state that was never
// issued, expired or was used returns ErrInvalidState and no Completion:
// nothing is stored, and the handler answers 400. Any later failure is
// returned in the Completion (and stored for the client's login call).
func (f *Flow) Complete(ctx context.Context, params url.Values) (*Completion, error) {
	state := params.Get("state")
	if state == "" {
		return nil, ErrInvalidState
	}
	b, err := f.opts.States.Take(ctx, stateKey(state))
	if errors.Is(err, pending.ErrNotFound) {
		return nil, ErrInvalidState
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: read the sign-in: %w", err)
	}
	var a authorization
	if err := json.Unmarshal(b, &a); err != nil || a.Service != f.cfg.Name {
		return nil, ErrInvalidState
	}
	c := &Completion{CredentialToken: a.CredentialToken, LoginStyle: a.LoginStyle, RedirectURL: a.RedirectURL, IsCordova: a.IsCordova}
	ident, err := f.exchange(ctx, a, params)
	if err != nil {
		c.Err = err
		f.log.WarnContext(ctx, "oauth sign-in failed", "service", f.cfg.Name, "err", err)
		var me *model.Error
		if !errors.As(err, &me) {
			me = ErrUnavailable
		}
		if serr := f.opts.Credentials.SaveWithoutSecret(ctx, a.CredentialToken,
			pending.Credential{ErrorType: me.Type, ErrorReason: me.Reason}); serr != nil {
			return nil, serr
		}
		return c, nil
	}
	c.Identity = ident
	secret, err := f.opts.Credentials.Save(ctx, a.CredentialToken, pending.Credential{Identity: ident})
	if err != nil {
		return nil, err
	}
	c.CredentialSecret = secret
	return c, nil
}

// endpoint returns the oauth2 configuration, discovering OIDC endpoints
// when needed.
func (f *Flow) endpoint(ctx context.Context) (*oauth2.Config, error) {
	ep := oauth2.Endpoint{AuthURL: f.cfg.AuthorizeURL, TokenURL: f.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams}
	if f.cfg.TokenSentVia == SentViaHeader {
		ep.AuthStyle = oauth2.AuthStyleInHeader
	}
	p, err := f.provider(ctx)
	if err != nil {
		return nil, err
	}
	if p != nil {
		d := p.Endpoint()
		if ep.AuthURL == "" {
			ep.AuthURL = d.AuthURL
		}
		if ep.TokenURL == "" {
			ep.TokenURL = d.TokenURL
		}
	}
	if ep.AuthURL == "" || ep.TokenURL == "" {
		return nil, wrap(ErrUnavailable, "oauth %s: no authorization or token endpoint", f.cfg.Name)
	}
	secret := f.cfg.ClientSecret
	if f.cfg.AppleKey != "" {
		if secret, err = f.appleClientSecret(); err != nil {
			return nil, err
		}
	}
	return &oauth2.Config{ClientID: f.cfg.ClientID, ClientSecret: secret, Endpoint: ep,
		RedirectURL: f.RedirectURI(), Scopes: f.cfg.Scopes}, nil
}

// provider discovers the OIDC provider once (retrying after failures).
func (f *Flow) provider(ctx context.Context) (*oidc.Provider, error) {
	if f.cfg.Issuer == "" {
		return nil, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.oidc != nil || f.noOIDC {
		return f.oidc, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, f.client), f.cfg.Issuer)
	if err != nil {
		var mismatch *oidc.IssuerMismatchError
		if f.cfg.OptionalIssuer && (errors.As(err, &mismatch) || strings.Contains(err.Error(), "404 Not Found")) {
			f.noOIDC = true
			return nil, nil
		}
		return nil, wrap(ErrUnavailable, "oauth %s: OpenID Connect discovery at %s: %w", f.cfg.Name, f.cfg.Issuer, err)
	}
	f.oidc = p
	return p, nil
}

// exchange turns the callback into an identity.
func (f *Flow) exchange(ctx context.Context, a authorization, params url.Values) (*provider.Identity, error) {
	if e := params.Get("error"); e != "" {
		return nil, wrap(ErrDenied, "oauth %s: the provider answered %s: %s", f.cfg.Name, e, params.Get("error_description"))
	}
	code := params.Get("code")
	if code == "" {
		return nil, wrap(ErrDenied, "oauth %s: the callback has no code", f.cfg.Name)
	}
	oc, err := f.endpoint(ctx)
	if err != nil {
		return nil, err
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, f.client)
	tok, err := oc.Exchange(hctx, code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, wrap(ErrDenied, "oauth %s: code exchange refused: %w", f.cfg.Name, err)
		}
		return nil, wrap(ErrUnavailable, "oauth %s: code exchange at %s: %w", f.cfg.Name, oc.Endpoint.TokenURL, err)
	}
	return f.identity(ctx, tok, a.Nonce, params.Get("user"))
}

// identity verifies the tokens and maps the user's data.
func (f *Flow) identity(ctx context.Context, tok *oauth2.Token, nonce, appleUser string) (*provider.Identity, error) {
	claims := map[string]any{}
	subject := ""
	p, err := f.provider(ctx)
	if err != nil {
		return nil, err
	}
	rawID, _ := tok.Extra("id_token").(string)
	if p != nil {
		if rawID == "" {
			return nil, wrap(ErrInvalidToken, "oauth %s: the token answer has no id_token", f.cfg.Name)
		}
		v := p.VerifierContext(oidc.ClientContext(ctx, f.client), &oidc.Config{ClientID: f.cfg.ClientID, Now: f.opts.Now})
		idt, err := v.Verify(oidc.ClientContext(ctx, f.client), rawID)
		if err != nil {
			return nil, wrap(ErrInvalidToken, "oauth %s: ID token: %w", f.cfg.Name, err)
		}
		if nonce != "" && idt.Nonce != nonce {
			return nil, wrap(ErrInvalidToken, "oauth %s: ID token nonce does not match the sign-in", f.cfg.Name)
		}
		if err := idt.Claims(&claims); err != nil {
			return nil, wrap(ErrInvalidToken, "oauth %s: ID token claims: %w", f.cfg.Name, err)
		}
		subject = idt.Subject
	}
	data := claims
	identityURL := f.cfg.IdentityURL
	if identityURL == "" && p != nil {
		identityURL = p.UserInfoEndpoint()
	}
	if identityURL != "" {
		fetched, err := f.fetchJSON(ctx, identityURL, tok.AccessToken)
		if err != nil {
			return nil, err
		}
		m, ok := fetched.(map[string]any)
		if !ok {
			return nil, wrap(ErrInvalidToken, "oauth %s: the identity is not a JSON object", f.cfg.Name)
		}
		if subject != "" {
			// OIDC core 5.3.2: the userinfo sub must be the ID token's.
			if sub := text(m["sub"]); sub != "" && sub != subject {
				return nil, wrap(ErrInvalidToken, "oauth %s: userinfo subject differs from the ID token's", f.cfg.Name)
			}
			for k, v := range claims {
				if _, has := m[k]; !has {
					m[k] = v
				}
			}
		}
		data = m
	}
	if appleUser != "" { // Apple posts the name once, beside the code
		var u struct {
			Name struct{ FirstName, LastName string } `json:"name"`
		}
		if json.Unmarshal([]byte(appleUser), &u) == nil {
			if n := strings.TrimSpace(u.Name.FirstName + " " + u.Name.LastName); n != "" {
				data["name"] = n
			}
		}
	}
	ident, err := f.mapIdentity(normalize(data))
	if err != nil {
		return nil, err
	}
	if f.cfg.EmailsURL != "" && (ident.Email == "" || !ident.EmailVerified) {
		if err := f.fillEmail(ctx, tok.AccessToken, ident); err != nil {
			return nil, err
		}
	}
	ident.Attributes["accessToken"] = tok.AccessToken
	if !tok.Expiry.IsZero() {
		ident.Attributes["expiresAt"] = tok.Expiry.UnixMilli()
	}
	if tok.RefreshToken != "" {
		ident.Attributes["refreshToken"] = tok.RefreshToken
	}
	if rawID != "" {
		ident.Attributes["idToken"] = rawID
	}
	return ident, nil
}

// mapIdentity applies the service's field settings.
func (f *Flow) mapIdentity(data map[string]any) (*provider.Identity, error) {
	c := f.cfg
	ident := &provider.Identity{Service: c.Name, Kind: provider.KindOAuth, ID: strings.TrimSpace(text(data["id"])),
		Username: text(data["username"]), Email: text(data["email"]), Name: defaultName(data),
		AvatarURL: text(data["avatarUrl"])}
	if ident.ID == "" {
		return nil, wrap(ErrInvalidToken, "oauth %s: the identity has no id", c.Name)
	}
	var err error
	if c.UsernameField != "" {
		if ident.Username, err = fieldValue(c.UsernameField, data); err == nil && ident.Username == "" {
			err = fmt.Errorf("username field %q not found in the identity", c.UsernameField)
		}
	}
	if err == nil && c.EmailField != "" {
		if ident.Email, err = fieldValue(c.EmailField, data); err == nil && ident.Email == "" {
			err = fmt.Errorf("e-mail field %q not found in the identity", c.EmailField)
		}
	}
	if err == nil && c.AvatarField != "" {
		ident.AvatarURL, err = fieldValue(c.AvatarField, data)
	}
	if err == nil && c.NameField != "" {
		var n string
		if n, err = fieldValue(c.NameField, data); n != "" {
			ident.Name = n
		}
	}
	if err != nil {
		return nil, wrap(ErrInvalidToken, "oauth %s: %w", c.Name, err)
	}
	if v, ok := truthy(data["email_verified"]); ok {
		ident.EmailVerified = v
	} else if v, ok := truthy(data["verified_email"]); ok {
		ident.EmailVerified = v
	} else {
		ident.EmailVerified = c.TrustEmail && ident.Email != ""
	}
	ident.Groups = stringList(data[c.GroupsClaim])
	if c.MergeRoles {
		roles := stringList(data[c.RolesClaim])
		if len(c.RolesToSync) > 0 {
			roles = slices.DeleteFunc(roles, func(r string) bool { return !slices.Contains(c.RolesToSync, r) })
		}
		ident.Roles = append([]string{}, roles...)
	}
	if c.MapChannels {
		ident.Channels = c.ChannelsMap.Map(ident.Groups)
	}
	ident.Attributes = map[string]any{"identity": data}
	return ident, nil
}

// fetchJSON GETs a provider resource with the access token.
func (f *Flow) fetchJSON(ctx context.Context, endpoint, accessToken string) (any, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, wrap(ErrUnavailable, "oauth %s: identity URL %q: %w", f.cfg.Name, endpoint, err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if f.cfg.IdentityTokenSentVia == SentViaPayload {
		q := u.Query()
		q.Set(orDefault(f.cfg.AccessTokenParam, "access_token"), accessToken)
		u.RawQuery = q.Encode()
		req.URL = u
	} else {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Liftoff")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, wrap(ErrUnavailable, "oauth %s: fetch %s: %w", f.cfg.Name, u.Host+u.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, wrap(ErrUnavailable, "oauth %s: read %s: %w", f.cfg.Name, u.Host+u.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		kind := ErrUnavailable
		if resp.StatusCode < 500 {
			kind = ErrInvalidToken
		}
		return nil, wrap(kind, "oauth %s: %s answered %s", f.cfg.Name, u.Host+u.Path, resp.Status)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, wrap(ErrInvalidToken, "oauth %s: %s answered no JSON: %w", f.cfg.Name, u.Host+u.Path, err)
	}
	return v, nil
}

// fillEmail takes the primary verified address from a GitHub-style list.
func (f *Flow) fillEmail(ctx context.Context, accessToken string, ident *provider.Identity) error {
	v, err := f.fetchJSON(ctx, f.cfg.EmailsURL, accessToken)
	if err != nil {
		return err
	}
	list, _ := v.([]any)
	best, bestVerified := "", false
	for _, e := range list {
		m, _ := e.(map[string]any)
		addr := text(m["email"])
		verified, _ := truthy(m["verified"])
		primary, _ := truthy(m["primary"])
		if addr == "" || !verified {
			continue
		}
		if primary || best == "" {
			best, bestVerified = addr, true
			if primary {
				break
			}
		}
	}
	if best != "" {
		ident.Email, ident.EmailVerified = best, bestVerified
	}
	return nil
}

// IdentityFromAccessToken is the login with an access token the client
// got from the provider itself (Rocket.Chat's registerAccessTokenService,
// login {serviceName, accessToken, expiresIn}): the identity endpoint is
// asked who the token belongs to.
func (f *Flow) IdentityFromAccessToken(ctx context.Context, accessToken string) (*provider.Identity, error) {
	if strings.TrimSpace(accessToken) == "" {
		return nil, ErrInvalidToken
	}
	endpoint := f.cfg.IdentityURL
	if endpoint == "" {
		p, err := f.provider(ctx)
		if err != nil {
			return nil, err
		}
		if p == nil || p.UserInfoEndpoint() == "" {
			return nil, wrap(ErrInvalidToken, "oauth %s: the service has no identity endpoint", f.cfg.Name)
		}
		endpoint = p.UserInfoEndpoint()
	}
	v, err := f.fetchJSON(ctx, endpoint, accessToken)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, wrap(ErrInvalidToken, "oauth %s: the identity is not a JSON object", f.cfg.Name)
	}
	ident, err := f.mapIdentity(normalize(m))
	if err != nil {
		return nil, err
	}
	if f.cfg.EmailsURL != "" && (ident.Email == "" || !ident.EmailVerified) {
		if err := f.fillEmail(ctx, accessToken, ident); err != nil {
			return nil, err
		}
	}
	return ident, nil
}
