package saml

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"liftoff/auth/pending"
	"liftoff/auth/provider"
	"liftoff/model"
)

// Errors of the SAML service provider.
var (
	// ErrUnknownRequest: the response answers no request this server made,
	// or one it already answered (a replay), or came unsolicited.
	ErrUnknownRequest = &model.Error{Type: "error-saml-unknown-request", Reason: "The SAML response answers no pending sign-in"}
	// ErrInvalidResponse: signature, audience, destination, validity window,
	// issuer or status check failed, or the assertion was seen before.
	ErrInvalidResponse = &model.Error{Type: "error-saml-invalid-response", Reason: "The SAML response could not be verified"}
	// ErrProfile: the assertion lacks what the user map needs (e-mail,
	// identifier).
	ErrProfile = &model.Error{Type: "error-saml-profile", Reason: "The SAML assertion lacks the user's e-mail or identifier"}
	// ErrDisabled: SAML_Custom_Default is off.
	ErrDisabled = &model.Error{Type: "error-saml-disabled", Reason: "SAML is not enabled"}
)

type wrapped struct {
	kind  *model.Error
	cause error
}

func (w *wrapped) Error() string   { return w.kind.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.kind, w.cause} }

func wrap(kind *model.Error, format string, args ...any) error {
	return &wrapped{kind: kind, cause: fmt.Errorf(format, args...)}
}

// DefaultRequestTTL bounds the time between the redirect to the IdP and
// its answer.
const DefaultRequestTTL = 10 * time.Minute

// Options configure a ServiceProvider.
type Options struct {
	// SiteURL is Site_Url; the routes hang under it.
	SiteURL string
	// Store keeps pending requests and the replay cache, shared by all
	// instances. Required.
	Store pending.Store
	// Credentials receives finished sign-ins. Required.
	Credentials *pending.Credentials
	// RequestTTL (DefaultRequestTTL when 0).
	RequestTTL time.Duration
}

// ServiceProvider is Liftoff as a SAML service provider for one IdP.
type ServiceProvider struct {
	cfg            Config
	opts           Options
	metadataURL    url.URL
	acsURL, sloURL url.URL
	idpCertB64     string
	spKey          crypto.Signer
	spCert         *x509.Certificate
}

// New returns the service provider of cfg.
func New(cfg Config, opts Options) (*ServiceProvider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Store == nil || opts.Credentials == nil {
		return nil, errors.New("saml: a store and a credential store are required")
	}
	site, err := url.Parse(strings.TrimRight(strings.TrimSpace(opts.SiteURL), "/"))
	if err != nil || (site.Scheme != "http" && site.Scheme != "https") || site.Host == "" {
		return nil, fmt.Errorf("saml: Site_Url %q is not an http(s) URL", opts.SiteURL)
	}
	if opts.RequestTTL <= 0 {
		opts.RequestTTL = DefaultRequestTTL
	}
	s := &ServiceProvider{cfg: cfg, opts: opts}
	at := func(p string) url.URL { u := *site; u.Path = strings.TrimRight(site.Path, "/") + p; return u }
	s.metadataURL = at("/_saml/metadata/" + cfg.Provider)
	s.acsURL = at("/_saml/validate/" + cfg.Provider)
	s.sloURL = at("/_saml/logout/" + cfg.Provider + "/")
	if strings.TrimSpace(cfg.IdPCert) != "" {
		der, err := parseCert(cfg.IdPCert)
		if err != nil {
			return nil, fmt.Errorf("saml: the IdP certificate: %w", err)
		}
		s.idpCertB64 = base64.StdEncoding.EncodeToString(der)
	}
	if cfg.SPKey != "" {
		pair, err := tls.X509KeyPair([]byte(cfg.SPCert), []byte(cfg.SPKey))
		if err != nil {
			return nil, fmt.Errorf("saml: public_cert and private_key: %w", err)
		}
		signer, ok := pair.PrivateKey.(crypto.Signer)
		if !ok {
			return nil, errors.New("saml: private_key cannot sign")
		}
		s.spKey = signer
		if s.spCert, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, fmt.Errorf("saml: public_cert: %w", err)
		}
	}
	return s, nil
}

// parseCert reads a certificate given as PEM or as bare base64 DER (how
// Rocket.Chat's cert setting holds it, header and footer removed).
func parseCert(s string) ([]byte, error) {
	if b, _ := pem.Decode([]byte(s)); b != nil {
		_, err := x509.ParseCertificate(b.Bytes)
		return b.Bytes, err
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("neither PEM nor base64: %w", err)
	}
	_, err = x509.ParseCertificate(der)
	return der, err
}

// Config returns the configuration.
func (s *ServiceProvider) Config() Config { return s.cfg }

// MetadataURL, ACSURL and SLOURL are the SP's routes under Site_Url.
func (s *ServiceProvider) MetadataURL() string { return s.metadataURL.String() }

// ACSURL is /_saml/validate/<provider>.
func (s *ServiceProvider) ACSURL() string { return s.acsURL.String() }

// SLOURL is /_saml/logout/<provider>/.
func (s *ServiceProvider) SLOURL() string { return s.sloURL.String() }

// sp builds crewjam's service provider; idpEntityID is the issuer the
// IdP's messages must name.
func (s *ServiceProvider) sp(idpEntityID string) *crewsaml.ServiceProvider {
	idp := &crewsaml.EntityDescriptor{EntityID: idpEntityID, IDPSSODescriptors: []crewsaml.IDPSSODescriptor{{
		SSODescriptor: crewsaml.SSODescriptor{
			RoleDescriptor: crewsaml.RoleDescriptor{ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
				KeyDescriptors: []crewsaml.KeyDescriptor{{Use: "signing", KeyInfo: crewsaml.KeyInfo{
					X509Data: crewsaml.X509Data{X509Certificates: []crewsaml.X509Certificate{{Data: s.idpCertB64}}}}}}},
		},
		SingleSignOnServices: []crewsaml.Endpoint{{Binding: crewsaml.HTTPRedirectBinding, Location: s.cfg.EntryPoint}},
	}}}
	if s.cfg.IdPSLORedirectURL != "" {
		idp.IDPSSODescriptors[0].SingleLogoutServices = []crewsaml.Endpoint{{Binding: crewsaml.HTTPRedirectBinding, Location: s.cfg.IdPSLORedirectURL}}
	}
	sp := &crewsaml.ServiceProvider{
		EntityID: s.cfg.Issuer, Key: s.spKey, Certificate: s.spCert,
		MetadataURL: s.metadataURL, AcsURL: s.acsURL, SloURL: s.sloURL,
		IDPMetadata:                      idp,
		AuthnNameIDFormat:                crewsaml.EmailAddressNameIDFormat,
		LogoutBindings:                   []string{crewsaml.HTTPRedirectBinding},
		AssertionConsumerServiceBindings: []string{crewsaml.HTTPPostBinding},
		ReplayCache:                      replayCache{store: s.opts.Store},
	}
	if s.spKey != nil {
		sp.SignatureMethod = dsig.RSASHA256SignatureMethod
		if _, ec := s.spKey.Public().(*ecdsa.PublicKey); ec {
			sp.SignatureMethod = dsig.ECDSASHA256SignatureMethod
		}
	}
	return sp
}

// Metadata is the SP's metadata document (GET /_saml/metadata/<provider>).
func (s *ServiceProvider) Metadata() ([]byte, error) {
	b, err := xml.MarshalIndent(s.sp(s.cfg.IdPIssuer).Metadata(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("saml: metadata: %w", err)
	}
	return append([]byte(xml.Header), b...), nil
}

// request is a pending AuthnRequest or LogoutRequest.
type request struct {
	CredentialToken string `json:"credentialToken,omitempty"`
	NameID          string `json:"nameId,omitempty"`
}

// AuthorizeURL starts an SP-initiated sign-in for the client's
// credentialToken (GET /_saml/authorize/<provider>/<credentialToken>): it
// records the request and returns the IdP URL to redirect the browser to
// (HTTP-Redirect binding, signed when the SP has a key).
func (s *ServiceProvider) AuthorizeURL(ctx context.Context, credentialToken string) (string, error) {
	if !s.cfg.Enabled {
		return "", ErrDisabled
	}
	if !pending.ValidToken(credentialToken) {
		return "", errors.New("saml: invalid credential token")
	}
	sp := s.sp(s.cfg.IdPIssuer)
	req, err := sp.MakeAuthenticationRequest(s.cfg.EntryPoint, crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding)
	if err != nil {
		return "", fmt.Errorf("saml: authentication request: %w", err)
	}
	b, _ := json.Marshal(request{CredentialToken: credentialToken})
	if err := s.opts.Store.Put(ctx, "saml-request:"+req.ID, b, s.opts.RequestTTL); err != nil {
		return "", fmt.Errorf("saml: record the request: %w", err)
	}
	u, err := req.Redirect(s.cfg.Provider, sp)
	if err != nil {
		return "", fmt.Errorf("saml: redirect: %w", err)
	}
	return u.String(), nil
}

// Completion is a validated response's outcome.
type Completion struct {
	CredentialToken string
	Identity        *provider.Identity
	// Err is why the sign-in failed (also stored for the client's login).
	Err error
}

// envelope is the part of a Response read before it is verified, to find
// the request it claims to answer.
type envelope struct {
	InResponseTo string `xml:"InResponseTo,attr"`
	Issuer       string `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
}

// Validate handles the IdP's POST to /_saml/validate/<provider> (form
// field SAMLResponse). A response that answers no pending request returns
// ErrUnknownRequest and stores nothing; any later failure is returned in
// the Completion and stored for the client's login call.
func (s *ServiceProvider) Validate(ctx context.Context, samlResponse string) (*Completion, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(samlResponse))
	if err != nil || len(raw) == 0 || len(raw) > 1<<20 {
		return nil, wrap(ErrUnknownRequest, "saml: SAMLResponse is not base64")
	}
	var env envelope
	if err := xml.Unmarshal(raw, &env); err != nil || env.InResponseTo == "" {
		return nil, wrap(ErrUnknownRequest, "saml: the response answers no request (unsolicited responses are refused)")
	}
	b, err := s.opts.Store.Take(ctx, "saml-request:"+env.InResponseTo)
	if errors.Is(err, pending.ErrNotFound) {
		return nil, ErrUnknownRequest
	}
	if err != nil {
		return nil, fmt.Errorf("saml: read the request: %w", err)
	}
	var req request
	if err := json.Unmarshal(b, &req); err != nil || req.CredentialToken == "" {
		return nil, ErrUnknownRequest
	}
	c := &Completion{CredentialToken: req.CredentialToken}
	ident, err := s.verify(raw, env, env.InResponseTo)
	if err != nil {
		c.Err = err
		var me *model.Error
		if !errors.As(err, &me) {
			me = ErrInvalidResponse
		}
		if serr := s.opts.Credentials.SaveWithoutSecret(ctx, req.CredentialToken,
			pending.Credential{ErrorType: me.Type, ErrorReason: me.Reason}); serr != nil {
			return nil, serr
		}
		return c, nil
	}
	c.Identity = ident
	if err := s.opts.Credentials.SaveWithoutSecret(ctx, req.CredentialToken, pending.Credential{Identity: ident}); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *ServiceProvider) verify(raw []byte, env envelope, requestID string) (*provider.Identity, error) {
	issuer := s.cfg.IdPIssuer
	if issuer == "" {
		// Rocket.Chat does not compare issuers; the signature by the
		// configured certificate is what authenticates the IdP.
		issuer = strings.TrimSpace(env.Issuer)
	}
	sp := s.sp(issuer)
	assertion, err := sp.ParseXMLResponse(raw, []string{requestID}, s.acsURL)
	if err != nil {
		var ire *crewsaml.InvalidResponseError
		if errors.As(err, &ire) && ire.PrivateErr != nil {
			err = ire.PrivateErr
		}
		return nil, wrap(ErrInvalidResponse, "saml: %w", err)
	}
	if err := s.checkSignatures(raw); err != nil {
		return nil, err
	}
	return s.identity(assertion, issuer)
}

const dsigNS = "http://www.w3.org/2000/09/xmldsig#"

func hasSignature(el *etree.Element) bool {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == dsigNS {
			return true
		}
	}
	return false
}

// checkSignatures applies signature_validation_type on top of crewjam's
// rule (the Response or every Assertion signed, every signature present
// valid): Response and All also need the Response signed, Assertion and
// All every assertion.
func (s *ServiceProvider) checkSignatures(raw []byte) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return wrap(ErrInvalidResponse, "saml: unreadable response")
	}
	root := doc.Root()
	mode := s.cfg.SignatureValidation
	if (mode == SignedResponse || mode == SignedAll) && !hasSignature(root) {
		return wrap(ErrInvalidResponse, "saml: the Response is not signed (signature_validation_type %s)", mode)
	}
	if mode == SignedAssertion || mode == SignedAll {
		for _, a := range root.ChildElements() {
			if a.Tag == "Assertion" && !hasSignature(a) {
				return wrap(ErrInvalidResponse, "saml: an Assertion is not signed (signature_validation_type %s)", mode)
			}
		}
	}
	return nil
}

// profile flattens the assertion's attributes (by Name and FriendlyName).
func profile(a *crewsaml.Assertion) map[string][]string {
	p := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			var vals []string
			for _, v := range at.Values {
				vals = append(vals, v.Value)
			}
			for _, key := range []string{at.Name, at.FriendlyName} {
				if key != "" {
					p[key] = append(p[key], vals...)
				}
			}
		}
	}
	return p
}

// value is Rocket.Chat's getProfileValue: the first present field, with
// its regex and template applied.
func value(p map[string][]string, a Attribute) string {
	vars := map[string]string{"regex": ""}
	main := ""
	for _, name := range a.FieldNames {
		vals := p[name]
		if len(vals) == 0 {
			continue
		}
		for i, v := range vals {
			vars[fmt.Sprintf("%s[%d]", name, i)] = v
			vars[fmt.Sprintf("%s[-%d]", name, len(vals)-i)] = v
		}
		vars[name+"[]"] = strings.Join(vals, " ")
		vars[name] = strings.Join(vals, " ")
		if main == "" {
			main = vals[0]
		}
	}
	runTemplateAfter := strings.Contains(a.Template, "__regex__")
	if a.Template != "" && !runTemplateAfter {
		main = fill(a.Template, vars)
	}
	if a.Regex != "" && main != "" {
		if re, err := regexp.Compile(a.Regex); err == nil {
			if m := re.FindStringSubmatch(main); m != nil {
				rv := m[0]
				if len(m) > 1 {
					rv = m[1]
				}
				vars["regex"] = rv
				if !runTemplateAfter {
					main = rv
				}
			}
		}
	}
	if runTemplateAfter {
		main = fill(a.Template, vars)
	}
	return strings.TrimSpace(main)
}

func fill(tmpl string, vars map[string]string) string {
	for k, v := range vars {
		tmpl = strings.ReplaceAll(tmpl, "__"+k+"__", v)
	}
	return tmpl
}

// identity maps a verified assertion.
func (s *ServiceProvider) identity(a *crewsaml.Assertion, issuer string) (*provider.Identity, error) {
	p := profile(a)
	fm := s.cfg.FieldMap
	email := value(p, fm.Email)
	if email == "" {
		return nil, wrap(ErrProfile, "saml: the assertion has no e-mail (%v)", fm.Email.FieldNames)
	}
	username := value(p, fm.Username)
	if s.cfg.UsernameNormalize == "Lowercase" {
		username = strings.ToLower(username)
	}
	nameID, sessionIndex := "", ""
	if a.Subject != nil && a.Subject.NameID != nil {
		nameID = a.Subject.NameID.Value
	}
	for _, st := range a.AuthnStatements {
		if st.SessionIndex != "" {
			sessionIndex = st.SessionIndex
		}
	}
	var id string
	switch fm.Identifier {
	case "username":
		id = username
	case "custom":
		if vals := p[fm.IdentifierAttribute]; len(vals) > 0 {
			id = vals[0]
		}
	default:
		id = strings.ToLower(email)
	}
	if id == "" {
		return nil, wrap(ErrProfile, "saml: the assertion has no identifier (%s %s)", fm.Identifier, fm.IdentifierAttribute)
	}
	ident := &provider.Identity{Service: "saml", Kind: provider.KindSAML, ID: id, Username: username,
		Email: email, EmailVerified: true, Name: value(p, fm.Name),
		Attributes: map[string]any{"provider": s.cfg.Provider, "idp": issuer, "nameID": nameID, "idpSession": sessionIndex}}
	if s.cfg.GenerateUsername {
		ident.Username = ""
	}
	if ident.Name == "" {
		ident.Name = firstOf(p, "displayName", "username")
	}
	if s.cfg.RoleAttributeName != "" {
		ident.Groups = nonEmpty(p[s.cfg.RoleAttributeName])
		if s.cfg.RoleAttributeSync {
			ident.Roles = append([]string{}, ident.Groups...)
		}
	}
	if ch := p["channels"]; len(ch) > 0 {
		for _, v := range ch {
			ident.Channels = append(ident.Channels, nonEmpty(strings.Split(v, ","))...)
		}
	}
	return ident, nil
}

func firstOf(p map[string][]string, keys ...string) string {
	for _, k := range keys {
		if v := p[k]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}

func nonEmpty(in []string) []string {
	var out []string
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// replayCache keeps assertion ids in the pending store until they expire.
type replayCache struct{ store pending.Store }

func (r replayCache) Consume(id string, expiresAt time.Time) error {
	ttl := time.Until(expiresAt)
	if ttl <= 0 {
		ttl = time.Second
	}
	err := r.store.Put(context.Background(), "saml-assertion:"+id, nil, ttl)
	if errors.Is(err, pending.ErrExists) {
		return crewsaml.ErrAssertionReplayed
	}
	return err
}
