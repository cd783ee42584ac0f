package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"liftoff/auth/provider"
	"liftoff/model"
)

// Errors of a login. A wrong user and a wrong password get the same answer
// as a password login's failure, so that a caller cannot probe which names
// exist in the directory.
var (
	// ErrInvalidCredentials: no such user, several matches, a wrong or empty
	// password, or a user the group filter keeps out.
	ErrInvalidCredentials = &model.Error{Type: "403", Reason: "User not found"}
	// ErrUnavailable: the directory cannot be reached or refused the service
	// account. The login handler may then try the local password
	// (LDAP_Login_Fallback); the error wraps the cause for the log.
	ErrUnavailable = &model.Error{Type: "error-ldap-unavailable", Reason: "The LDAP server cannot be reached"}
	// ErrDisabled: LDAP_Enable is off.
	ErrDisabled = &model.Error{Type: "error-ldap-disabled", Reason: "LDAP is not enabled"}
)

// unavailable wraps the cause of an outage in ErrUnavailable.
type unavailable struct{ cause error }

func (u *unavailable) Error() string   { return ErrUnavailable.Error() + ": " + u.cause.Error() }
func (u *unavailable) Unwrap() []error { return []error{ErrUnavailable, u.cause} }

func down(format string, args ...any) error { return &unavailable{cause: fmt.Errorf(format, args...)} }

// Directory is a provider.PasswordProvider.
var _ provider.PasswordProvider = (*Directory)(nil)

// Directory signs users in against the configured server. It holds no
// connection: each call dials, so a server that restarts costs nothing.
type Directory struct {
	cfg Config
	tls *tls.Config
}

// New returns a Directory for cfg.
func New(cfg Config) (*Directory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Directory{cfg: cfg}
	if cfg.Encryption != EncryptionPlain {
		tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: !cfg.RejectUnauthorized} //nolint:gosec // LDAP_Reject_Unauthorized off is the operator's explicit choice
		if strings.TrimSpace(cfg.CACert) != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(cfg.CACert)) {
				return nil, errors.New("ldap: LDAP_CA_Cert holds no PEM certificate")
			}
			tc.RootCAs = pool
		}
		d.tls = tc
	}
	return d, nil
}

// Config returns the directory's configuration.
func (d *Directory) Config() Config { return d.cfg }

// conn is one connection, closed when the call's context ends.
type conn struct {
	*goldap.Conn
	stop func() bool
}

func (c *conn) close() {
	c.stop()
	c.Conn.Close()
}

func (d *Directory) dial(ctx context.Context) (*conn, error) {
	if !d.cfg.Enabled {
		return nil, ErrDisabled
	}
	hostport := net.JoinHostPort(d.cfg.Host, strconv.Itoa(d.cfg.Port))
	dialer := &net.Dialer{Timeout: d.cfg.ConnectTimeout}
	var (
		lc  *goldap.Conn
		err error
	)
	if d.cfg.Encryption == EncryptionLDAPS {
		lc, err = goldap.DialURL("ldaps://"+hostport, goldap.DialWithDialer(dialer), goldap.DialWithTLSConfig(d.tls))
	} else {
		lc, err = goldap.DialURL("ldap://"+hostport, goldap.DialWithDialer(dialer))
	}
	if err != nil {
		return nil, down("ldap: connect to %s: %w", hostport, err)
	}
	lc.SetTimeout(d.cfg.Timeout)
	c := &conn{Conn: lc, stop: context.AfterFunc(ctx, func() { lc.Close() })}
	if d.cfg.Encryption == EncryptionStartTLS {
		if err := lc.StartTLS(d.tls); err != nil {
			c.close()
			return nil, down("ldap: StartTLS with %s: %w", hostport, err)
		}
	}
	return c, nil
}

// serviceBind binds as the service account when one is configured.
func (d *Directory) serviceBind(c *conn) error {
	if !d.cfg.Authentication {
		return nil
	}
	if d.cfg.BindDN == "" || d.cfg.BindPassword == "" {
		return down("ldap: LDAP_Authentication is on but the bind DN or password is empty")
	}
	if err := c.Bind(d.cfg.BindDN, d.cfg.BindPassword); err != nil {
		return down("ldap: service bind as %q: %w", d.cfg.BindDN, err)
	}
	return nil
}

func (d *Directory) scope() int {
	switch d.cfg.UserSearchScope {
	case "base":
		return goldap.ScopeBaseObject
	case "one":
		return goldap.ScopeSingleLevel
	default:
		return goldap.ScopeWholeSubtree
	}
}

// userFilter is Rocket.Chat's getUserFilter: the configured filter and the
// search fields equal to the escaped name (or present, for "*").
func (d *Directory) userFilter(escapedName string) string {
	var b strings.Builder
	b.WriteString("(&")
	if f := d.cfg.UserSearchFilter; f != "" {
		if !strings.HasPrefix(f, "(") {
			f = "(" + f + ")"
		}
		b.WriteString(f)
	}
	if len(d.cfg.UserSearchFields) > 1 {
		b.WriteString("(|")
	}
	for _, field := range d.cfg.UserSearchFields {
		b.WriteString("(" + field + "=" + escapedName + ")")
	}
	if len(d.cfg.UserSearchFields) > 1 {
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

func (d *Directory) attributes() []string {
	if len(d.cfg.AttributesToQuery) == 0 {
		return []string{"*", "+"}
	}
	return d.cfg.AttributesToQuery
}

// findUser searches the user by login name; exactly one entry must match.
func (d *Directory) findUser(c *conn, username string) (*goldap.Entry, error) {
	req := goldap.NewSearchRequest(d.cfg.BaseDN, d.scope(), goldap.NeverDerefAliases, 2, 0, false,
		d.userFilter(goldap.EscapeFilter(username)), d.attributes(), nil)
	res, err := c.Search(req)
	if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
		if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
			return nil, ErrInvalidCredentials
		}
		return nil, down("ldap: search for the user: %w", err)
	}
	if res == nil || len(res.Entries) != 1 {
		return nil, ErrInvalidCredentials
	}
	return res.Entries[0], nil
}

// fill replaces #{username}, #{userdn} and #{groupName} in a filter with
// escaped values.
func fill(filter string, vars map[string]string) string {
	for k, v := range vars {
		filter = strings.ReplaceAll(filter, "#{"+k+"}", goldap.EscapeFilter(v))
	}
	return filter
}

// count returns how many entries the filter finds under base.
func (d *Directory) count(c *conn, base, filter string) (int, error) {
	if base == "" {
		base = d.cfg.BaseDN
	}
	req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		filter, []string{"1.1"}, nil)
	res, err := c.Search(req)
	if err != nil {
		if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
			return 0, nil
		}
		return 0, err
	}
	return len(res.Entries), nil
}

// acceptedByGroupFilter is Rocket.Chat's isUserAcceptedByGroupFilter.
func (d *Directory) acceptedByGroupFilter(c *conn, username, userDN string) (bool, error) {
	g := d.cfg.GroupFilter
	if !g.Enabled {
		return true, nil
	}
	var b strings.Builder
	b.WriteString("(&")
	if g.ObjectClass != "" {
		b.WriteString("(objectclass=" + goldap.EscapeFilter(g.ObjectClass) + ")")
	}
	if g.MemberAttribute != "" {
		b.WriteString("(" + g.MemberAttribute + "=" + fill(g.MemberFormat, map[string]string{"username": username, "userdn": userDN}) + ")")
	}
	if g.GroupIDAttribute != "" {
		b.WriteString("(" + g.GroupIDAttribute + "=" + goldap.EscapeFilter(g.GroupName) + ")")
	}
	b.WriteString(")")
	n, err := d.count(c, "", b.String())
	if err != nil {
		return false, down("ldap: group filter search: %w", err)
	}
	return n > 0, nil
}

// memberGroups returns the groups of a sync map the user belongs to.
func (d *Directory) memberGroups(c *conn, s GroupSync, username, userDN string) ([]string, error) {
	if !s.Enabled {
		return nil, nil
	}
	var out []string
	for _, group := range s.Map.Groups() {
		f := fill(s.Filter, map[string]string{"groupName": group, "username": username, "userdn": userDN})
		n, err := d.count(c, s.BaseDN, f)
		if err != nil {
			return nil, down("ldap: group search %q: %w", f, err)
		}
		if n > 0 {
			out = append(out, group)
		}
	}
	return out, nil
}

// Authenticate checks a login name and password against the directory and
// returns the user's identity. It returns ErrInvalidCredentials for any
// login failure (empty password included, refused before any request),
// and an error matching ErrUnavailable when the directory cannot answer.
func (d *Directory) Authenticate(ctx context.Context, username, password string) (*provider.Identity, error) {
	username = strings.TrimSpace(username)
	if username == "" || password == "" {
		return nil, ErrInvalidCredentials
	}
	c, err := d.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := d.serviceBind(c); err != nil {
		return nil, err
	}
	entry, err := d.findUser(c, username)
	if err != nil {
		return nil, err
	}
	ok, err := d.acceptedByGroupFilter(c, username, entry.DN)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrInvalidCredentials
	}
	if err := c.Bind(entry.DN, password); err != nil {
		if goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials) || goldap.IsErrorWithCode(err, goldap.ErrorEmptyPassword) {
			return nil, ErrInvalidCredentials
		}
		var le *goldap.Error
		if errors.As(err, &le) && le.ResultCode < goldap.ErrorNetwork {
			// Any refusal by the server (account locked, password expired...).
			return nil, ErrInvalidCredentials
		}
		return nil, down("ldap: bind as the user: %w", err)
	}
	if d.cfg.FindUserAfterLogin {
		req := goldap.NewSearchRequest(entry.DN, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
			"(objectClass=*)", d.attributes(), nil)
		res, err := c.Search(req)
		if err != nil || len(res.Entries) != 1 {
			return nil, ErrInvalidCredentials
		}
		entry = res.Entries[0]
	} else if err := d.serviceBind(c); err != nil {
		return nil, err
	}
	return d.identity(c, entry, username)
}

// identity maps an entry to an Identity, with its groups.
func (d *Directory) identity(c *conn, e *goldap.Entry, loginName string) (*provider.Identity, error) {
	id, idAttr := d.uniqueID(e)
	if id == "" {
		return nil, fmt.Errorf("ldap: entry %s has none of the unique identifier attributes %v", e.DN, d.cfg.UniqueIdentifierFields)
	}
	username := template(d.cfg.UsernameField, e)
	if username == "" {
		username = loginName
	}
	email := template(d.cfg.EmailField, e)
	if email == "" && d.cfg.DefaultDomain != "" && username != "" {
		email = username + "@" + d.cfg.DefaultDomain
	}
	ident := &provider.Identity{
		Service: "ldap", Kind: provider.KindLDAP, ID: id,
		Username: username, Email: email, EmailVerified: email != "",
		Name:       template(d.cfg.NameField, e),
		Attributes: map[string]any{"dn": e.DN, "idAttribute": idAttr},
	}
	if ident.Name == "" {
		ident.Name = username
	}
	if d.cfg.SyncAvatar {
		for _, a := range avatarAttributes(d.cfg.AvatarField) {
			if v := e.GetEqualFoldRawAttributeValue(a); len(v) > 0 {
				ident.Attributes["avatar"] = v
				break
			}
		}
	}
	roleGroups, err := d.memberGroups(c, d.cfg.Roles, username, e.DN)
	if err != nil {
		return nil, err
	}
	chanGroups, err := d.memberGroups(c, d.cfg.Channels, username, e.DN)
	if err != nil {
		return nil, err
	}
	if d.cfg.Roles.Enabled {
		ident.Roles = d.cfg.Roles.Map.Map(roleGroups)
		if ident.Roles == nil {
			ident.Roles = []string{}
		}
	}
	ident.Channels = d.cfg.Channels.Map.Map(chanGroups)
	for _, g := range append(roleGroups, chanGroups...) {
		if !contains(ident.Groups, g) {
			ident.Groups = append(ident.Groups, g)
		}
	}
	if disabledAD(e) {
		ident.Attributes["disabled"] = true
	}
	return ident, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func avatarAttributes(field string) []string {
	if field != "" {
		return []string{field}
	}
	return []string{"thumbnailPhoto", "jpegPhoto"}
}

// uniqueID is the hex of the first unique identifier attribute present, as
// Rocket.Chat stores it (services.ldap.id), so imported links keep working.
func (d *Directory) uniqueID(e *goldap.Entry) (id, attr string) {
	for _, a := range d.cfg.UniqueIdentifierFields {
		if v := e.GetEqualFoldRawAttributeValue(a); len(v) > 0 {
			return hex.EncodeToString(v), a
		}
	}
	return "", ""
}

// template renders a field setting: a bare attribute name, or a text with
// #{attribute} parts.
func template(field string, e *goldap.Entry) string {
	field = strings.TrimSpace(field)
	if field == "" {
		return ""
	}
	if !strings.Contains(field, "#{") {
		return strings.TrimSpace(e.GetEqualFoldAttributeValue(field))
	}
	var b strings.Builder
	for {
		i := strings.Index(field, "#{")
		if i < 0 {
			b.WriteString(field)
			break
		}
		j := strings.Index(field[i:], "}")
		if j < 0 {
			b.WriteString(field)
			break
		}
		b.WriteString(field[:i])
		b.WriteString(e.GetEqualFoldAttributeValue(field[i+2 : i+j]))
		field = field[i+j+1:]
	}
	return strings.TrimSpace(b.String())
}

// disabledAD reports an Active Directory account marked disabled
// (userAccountControl bit ACCOUNTDISABLE).
func disabledAD(e *goldap.Entry) bool {
	v := e.GetEqualFoldAttributeValue("userAccountControl")
	if v == "" {
		return false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return err == nil && n&2 != 0
}

// TestConnection connects and binds as the service account, for the admin
// endpoint ldap.testConnection.
func (d *Directory) TestConnection(ctx context.Context) error {
	c, err := d.dial(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	return d.serviceBind(c)
}

// TestSearch looks a user up without their password, for the admin
// endpoint ldap.testSearch: it answers the identity a login would yield, or
// ErrInvalidCredentials when the search finds no single user.
func (d *Directory) TestSearch(ctx context.Context, username string) (*provider.Identity, error) {
	username = strings.TrimSpace(username)
	if username == "" {
		return nil, ErrInvalidCredentials
	}
	c, err := d.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := d.serviceBind(c); err != nil {
		return nil, err
	}
	entry, err := d.findUser(c, username)
	if err != nil {
		return nil, err
	}
	return d.identity(c, entry, username)
}
