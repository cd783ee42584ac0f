package saml

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"liftoff/auth/provider"
)

// SettingsReader is the part of the settings registry the package reads.
type SettingsReader interface {
	Bool(id string) bool
	Int(id string) int
	String(id string) string
}

// Signature validation types (signature_validation_type).
const (
	SignedResponse  = "Response"
	SignedAssertion = "Assertion"
	SignedEither    = "Either"
	SignedAll       = "All"
)

// Attribute is one user_data_fieldmap entry: the IdP attribute(s) to read,
// with an optional regular expression (its first group, or whole match)
// and template (__fieldName__ and __regex__ parts).
type Attribute struct {
	FieldNames []string
	Regex      string
	Template   string
}

// FieldMap is the parsed user_data_fieldmap.
type FieldMap struct {
	Username Attribute
	Email    Attribute
	Name     Attribute
	// Identifier is what identifies the user: "username", "email" or
	// "custom" (an attribute of its own: IdentifierAttribute).
	Identifier          string
	IdentifierAttribute string
}

// Config is the SAML service provider's configuration.
type Config struct {
	// Name is the settings' suffix: SAML_Custom_<Name>_* ("Default").
	Name    string
	Enabled bool
	// Provider names the routes (/_saml/.../<provider>).
	Provider string
	// EntryPoint is the IdP's single sign-on URL (HTTP-Redirect binding).
	EntryPoint string
	// IdPSLORedirectURL is the IdP's single logout URL.
	IdPSLORedirectURL string
	// Issuer is this SP's entity id (default Site_Url/_saml/metadata/<provider>).
	Issuer string
	// IdPIssuer is the IdP's entity id, which every response and assertion
	// must name (SAML_Custom_<Name>_idp_issuer, Liftoff's addition). Empty,
	// the issuer is not compared, as in Rocket.Chat: the signature by
	// IdPCert is what authenticates the IdP.
	IdPIssuer string
	// IdPCert is the IdP's signing certificate (base64 DER or PEM).
	IdPCert string
	// SPCert and SPKey (PEM) sign this SP's requests and are published
	// in its metadata; optional.
	SPCert, SPKey string
	// SignatureValidation: which signatures a response needs.
	SignatureValidation string

	ButtonLabelText, ButtonLabelColor, ButtonColor string

	GenerateUsername  bool
	UsernameNormalize string // None, Lowercase
	// ImmutableProperty: "Username" or "EMail", which existing accounts
	// are matched by.
	ImmutableProperty string
	NameOverwrite     bool
	MailOverwrite     bool
	LogoutBehaviour   string // SAML (end the IdP session too) or Local
	ChannelsUpdate    bool
	IncludePrivate    bool
	DefaultUserRole   string
	// AllowedClockDrift is Rocket.Chat's setting; crewjam/saml allows a fixed
	// clock skew (saml.MaxClockSkew, 180 s), which covers drifts up to it.
	AllowedClockDrift time.Duration
	FieldMap          FieldMap
	// RoleAttributeName names the attribute holding the user's roles, and
	// RoleAttributeSync makes them replace the user's roles at each login.
	RoleAttributeName string
	RoleAttributeSync bool
}

// ParseFieldMap reads user_data_fieldmap, with Rocket.Chat's defaults
// (username from "username", email from "email", name from "cn").
func ParseFieldMap(setting, immutableProperty string) (FieldMap, error) {
	m := FieldMap{Username: Attribute{FieldNames: []string{"username"}}, Email: Attribute{FieldNames: []string{"email"}},
		Name: Attribute{FieldNames: []string{"cn"}}}
	identifier := strings.ToLower(immutableProperty)
	if strings.TrimSpace(setting) != "" {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(setting), &raw); err != nil {
			return m, fmt.Errorf("saml: user_data_fieldmap is not a JSON object: %w", err)
		}
		for key, v := range raw {
			var s string
			if json.Unmarshal(v, &s) == nil {
				if key == "__identifier__" {
					identifier = s
					continue
				}
				setField(&m, key, Attribute{FieldNames: []string{s}})
				continue
			}
			if key == "__identifier__" {
				return m, fmt.Errorf("saml: user_data_fieldmap: __identifier__ must be a string")
			}
			var obj struct {
				FieldName  json.RawMessage `json:"fieldName"`
				FieldNames json.RawMessage `json:"fieldNames"`
				Regex      string          `json:"regex"`
				Template   string          `json:"template"`
			}
			if err := json.Unmarshal(v, &obj); err != nil {
				return m, fmt.Errorf("saml: user_data_fieldmap: invalid configuration for %s", key)
			}
			names := obj.FieldName
			if names == nil {
				names = obj.FieldNames
			}
			if names == nil {
				continue // Rocket.Chat skips complex fields without a field name
			}
			var a Attribute
			var one string
			if json.Unmarshal(names, &one) == nil {
				a.FieldNames = []string{one}
			} else if err := json.Unmarshal(names, &a.FieldNames); err != nil || len(a.FieldNames) == 0 {
				return m, fmt.Errorf("saml: user_data_fieldmap: invalid configuration for %s", key)
			}
			if obj.Regex != "" {
				if _, err := regexp.Compile(obj.Regex); err != nil {
					return m, fmt.Errorf("saml: user_data_fieldmap: invalid regex for %s: %w", key, err)
				}
			}
			a.Regex, a.Template = obj.Regex, obj.Template
			setField(&m, key, a)
		}
	}
	switch identifier {
	case "", "email", "username":
		m.Identifier = identifier
		if m.Identifier == "" {
			m.Identifier = "email"
		}
	default:
		m.Identifier, m.IdentifierAttribute = "custom", identifier
	}
	return m, nil
}

func setField(m *FieldMap, key string, a Attribute) {
	switch key {
	case "username":
		m.Username = a
	case "email":
		m.Email = a
	case "name":
		m.Name = a
	}
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

// ConfigFrom reads SAML_Custom_<name>_* ("Default" when name is "") with
// Rocket.Chat's defaults. siteURL is Site_Url, for the default issuer.
func ConfigFrom(r SettingsReader, name, siteURL string) (Config, error) {
	if name == "" {
		name = "Default"
	}
	k := "SAML_Custom_" + name
	get := func(s string) string { return r.String(k + "_" + s) }
	c := Config{
		Name: name, Enabled: r.Bool(k),
		Provider:            orDefault(get("provider"), "provider-name"),
		EntryPoint:          strings.TrimSpace(get("entry_point")),
		IdPSLORedirectURL:   strings.TrimSpace(get("idp_slo_redirect_url")),
		Issuer:              strings.TrimSpace(get("issuer")),
		IdPIssuer:           strings.TrimSpace(get("idp_issuer")),
		IdPCert:             get("cert"),
		SPCert:              get("public_cert"),
		SPKey:               get("private_key"),
		SignatureValidation: orDefault(get("signature_validation_type"), SignedAll),
		ButtonLabelText:     orDefault(get("button_label_text"), "SAML"),
		ButtonLabelColor:    orDefault(get("button_label_color"), "#FFFFFF"),
		ButtonColor:         orDefault(get("button_color"), "#1d74f5"),
		GenerateUsername:    r.Bool(k + "_generate_username"),
		UsernameNormalize:   orDefault(get("username_normalize"), "None"),
		ImmutableProperty:   orDefault(get("immutable_property"), "EMail"),
		NameOverwrite:       r.Bool(k + "_name_overwrite"),
		MailOverwrite:       r.Bool(k + "_mail_overwrite"),
		LogoutBehaviour:     orDefault(get("logout_behaviour"), "SAML"),
		ChannelsUpdate:      r.Bool(k + "_channels_update"),
		IncludePrivate:      r.Bool(k + "_include_private_channels_update"),
		DefaultUserRole:     orDefault(get("default_user_role"), "user"),
		AllowedClockDrift:   time.Duration(r.Int(k+"_allowed_clock_drift")) * time.Millisecond,
		RoleAttributeName:   strings.TrimSpace(get("role_attribute_name")),
		RoleAttributeSync:   r.Bool(k + "_role_attribute_sync"),
	}
	if c.Issuer == "" && siteURL != "" {
		c.Issuer = strings.TrimRight(siteURL, "/") + "/_saml/metadata/" + c.Provider
	}
	var err error
	if c.FieldMap, err = ParseFieldMap(orDefault(get("user_data_fieldmap"), `{"username":"username", "email":"email", "name": "cn"}`), c.ImmutableProperty); err != nil {
		return c, err
	}
	return c, c.Validate()
}

var providerName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if !providerName.MatchString(c.Provider) {
		return fmt.Errorf("saml: provider name %q may only hold letters, digits, '.', '_' and '-'", c.Provider)
	}
	if !slices.Contains([]string{SignedResponse, SignedAssertion, SignedEither, SignedAll}, c.SignatureValidation) {
		return fmt.Errorf("saml: signature_validation_type %q is not Response, Assertion, Either or All", c.SignatureValidation)
	}
	if c.ImmutableProperty != "Username" && c.ImmutableProperty != "EMail" {
		return fmt.Errorf("saml: immutable_property %q is not Username or EMail", c.ImmutableProperty)
	}
	if c.Enabled {
		if c.EntryPoint == "" {
			return fmt.Errorf("saml: entry_point is not set")
		}
		if strings.TrimSpace(c.IdPCert) == "" {
			return fmt.Errorf("saml: the IdP certificate (cert) is not set: responses could not be verified")
		}
	}
	if (c.SPCert == "") != (c.SPKey == "") {
		return fmt.Errorf("saml: public_cert and private_key go together")
	}
	return nil
}

// Policy is what the settings say about local accounts: SAML users join
// the existing account whose username or e-mail (immutable_property)
// matches, and the name and e-mail are refreshed when name_overwrite and
// mail_overwrite say so. allowCreate is the wiring's answer to whether new
// accounts may be created.
func (c Config) Policy(allowCreate bool) provider.Policy {
	match := provider.MatchEmail
	if c.ImmutableProperty == "Username" {
		match = provider.MatchUsername
	}
	return provider.Policy{MatchBy: match, Merge: true, Create: allowCreate,
		OverwriteName: c.NameOverwrite, OverwriteEmail: c.MailOverwrite}
}
