package ldap

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"liftoff/auth/provider"
	"liftoff/internal/peer"
	"liftoff/settings/setting"
)

const (
	baseDN  = "dc=example,dc=org"
	adminDN = "cn=admin,dc=example,dc=org"
	adminPW = "adminpass"
)

// slapd is one OpenLDAP server started for a test, with plain and LDAPS
// listeners and a CA that signed its certificate.
type slapd struct {
	port, tlsPort int
	caPEM         string
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// makeCA writes a CA and a server certificate for 127.0.0.1 into dir.
func makeCA(t *testing.T, dir string) string {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ldap ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", caDER)
	writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, "server.key"), "PRIVATE KEY", keyDER)
	b, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	return string(b)
}

func startSlapd(t *testing.T) *slapd {
	t.Helper()
	bin := peer.Path(t, "slapd")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	caPEM := makeCA(t, dir)
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile %[1]s/ca.pem
TLSCertificateFile %[1]s/server.pem
TLSCertificateKeyFile %[1]s/server.key
database mdb
maxsize 104857600
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/data
index objectClass eq
index uid eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`, dir, baseDN, adminDN, adminPW)
	if err := os.WriteFile(filepath.Join(dir, "slapd.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &slapd{caPEM: caPEM}
	for attempt := 0; ; attempt++ {
		s.port, s.tlsPort = peer.FreePort(t), peer.FreePort(t)
		urls := fmt.Sprintf("ldap://127.0.0.1:%d/ ldaps://127.0.0.1:%d/", s.port, s.tlsPort)
		// -d 0 keeps slapd in the foreground, so the test owns the process.
		p := peer.Start(t, peer.Options{Dir: dir}, bin, "-d", "0", "-f", filepath.Join(dir, "slapd.conf"), "-h", urls)
		ok := waitPort(p, "127.0.0.1:"+strconv.Itoa(s.port))
		if ok {
			p.WaitTCP(t, "127.0.0.1:"+strconv.Itoa(s.tlsPort), 10*time.Second)
			break
		}
		p.Stop()
		if attempt == 2 {
			t.Fatalf("slapd did not start:\n%s", p.Logs())
		}
	}
	s.load(t)
	return s
}

// waitPort waits for addr, or for the process to exit (a port taken
// meanwhile), for up to 10 seconds.
func waitPort(p *peer.Process, addr string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		if p.Exited() {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (s *slapd) admin(t *testing.T) *goldap.Conn {
	t.Helper()
	c, err := goldap.DialURL(fmt.Sprintf("ldap://127.0.0.1:%d", s.port))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Bind(adminDN, adminPW); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func add(t *testing.T, c *goldap.Conn, dn string, attrs map[string][]string) {
	t.Helper()
	req := goldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		req.Attribute(k, v)
	}
	if err := c.Add(req); err != nil {
		t.Fatalf("add %s: %v", dn, err)
	}
}

func addUser(t *testing.T, c *goldap.Conn, uid, cn, mail, uidNumber string) {
	add(t, c, "uid="+uid+",ou=users,"+baseDN, map[string][]string{
		"objectClass": {"inetOrgPerson", "posixAccount"}, "uid": {uid}, "cn": {cn}, "sn": {cn},
		"mail": {mail}, "uidNumber": {uidNumber}, "gidNumber": {"100"}, "homeDirectory": {"/home/" + uid},
		"userPassword": {uid + "pass"}})
}

func (s *slapd) load(t *testing.T) {
	c := s.admin(t)
	add(t, c, baseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"example"}, "o": {"Example"}})
	add(t, c, "ou=users,"+baseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"users"}})
	add(t, c, "ou=groups,"+baseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}})
	addUser(t, c, "alice", "Alice Liddell", "alice@example.org", "1001")
	addUser(t, c, "bob", "Bob Builder", "bob@example.org", "1002")
	addUser(t, c, "carol", "Carol Danvers", "carol@example.org", "1003")
	user := func(u string) string { return "uid=" + u + ",ou=users," + baseDN }
	add(t, c, "cn=admins,ou=groups,"+baseDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"admins"}, "member": {user("alice")}})
	add(t, c, "cn=devs,ou=groups,"+baseDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"devs"}, "member": {user("alice"), user("bob")}})
	add(t, c, "cn=chat,ou=groups,"+baseDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"chat"}, "member": {user("alice"), user("bob")}})
}

// settings is a map-backed SettingsReader.
type settings map[string]any

func (s settings) Bool(id setting.ID) bool { b, _ := s[string(id)].(bool); return b }
func (s settings) Int(id setting.ID) int   { n, _ := s[string(id)].(int); return n }
func (s settings) String(id setting.ID) string {
	v, _ := s[string(id)].(string)
	return v
}

func (s *slapd) settings() settings {
	return settings{
		"LDAP_Enable": true, "LDAP_Server_Type": "", "LDAP_Host": "127.0.0.1", "LDAP_Port": s.port,
		"LDAP_Authentication": true, "LDAP_Authentication_UserDN": adminDN, "LDAP_Authentication_Password": adminPW,
		"LDAP_BaseDN": baseDN, "LDAP_User_Search_Filter": "(objectclass=inetOrgPerson)", "LDAP_User_Search_Field": "uid",
		"LDAP_Username_Field": "uid", "LDAP_Email_Field": "mail", "LDAP_Name_Field": "cn",
		"LDAP_Sync_User_Data_Roles": true, "LDAP_Sync_User_Data_Roles_AutoRemove": true,
		"LDAP_Sync_User_Data_Roles_Filter":    "(&(cn=#{groupName})(member=#{userdn}))",
		"LDAP_Sync_User_Data_RolesMap":        `{"admins": "admin", "devs": ["moderator", "user"]}`,
		"LDAP_Sync_User_Data_Channels":        true,
		"LDAP_Sync_User_Data_Channels_Filter": "(&(cn=#{groupName})(member=#{userdn}))",
		"LDAP_Sync_User_Data_ChannelsMap":     `{"devs": "engineering"}`,
		"LDAP_Sync_User_Active_State":         "both",
		"LDAP_Update_Data_On_Login":           true,
	}
}

func directory(t *testing.T, s settings) *Directory {
	t.Helper()
	cfg, err := ConfigFrom(s)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func hexID(s string) string { return hex.EncodeToString([]byte(s)) }

func TestLDAP(t *testing.T) {
	srv := startSlapd(t)
	ctx := context.Background()
	d := directory(t, srv.settings())

	t.Run("login maps the entry and its groups", func(t *testing.T) {
		id, err := d.Authenticate(ctx, "alice", "alicepass")
		if err != nil {
			t.Fatal(err)
		}
		if id.Service != "ldap" || id.Kind != provider.KindLDAP || id.ID != hexID("1001") || id.Username != "alice" ||
			id.Email != "alice@example.org" || !id.EmailVerified || id.Name != "Alice Liddell" {
			t.Fatalf("identity %+v", id)
		}
		if !slices.Equal(id.Roles, []string{"admin", "moderator", "user"}) || !slices.Equal(id.Channels, []string{"engineering"}) {
			t.Fatalf("roles %v channels %v", id.Roles, id.Channels)
		}
		if id.Attributes["dn"] != "uid=alice,ou=users,"+baseDN || id.Attributes["idAttribute"] != "uidNumber" {
			t.Fatalf("attributes %v", id.Attributes)
		}
		bob, err := d.Authenticate(ctx, "bob", "bobpass")
		if err != nil || !slices.Equal(bob.Roles, []string{"moderator", "user"}) {
			t.Fatalf("bob %+v %v", bob, err)
		}
		carol, err := d.Authenticate(ctx, "carol", "carolpass")
		if err != nil || len(carol.Roles) != 0 || carol.Roles == nil {
			t.Fatalf("carol: roles %#v %v", carol, err)
		}
	})

	t.Run("wrong, empty and unknown credentials are refused alike", func(t *testing.T) {
		for _, tc := range []struct{ user, pass string }{
			{"alice", "wrong"}, {"alice", ""}, {"nobody", "x"}, {"", "alicepass"},
		} {
			if _, err := d.Authenticate(ctx, tc.user, tc.pass); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("%q/%q: %v", tc.user, tc.pass, err)
			}
		}
	})

	t.Run("filter injection cannot log in", func(t *testing.T) {
		// Unescaped, "alic*" would find alice alone and her password would
		// then log the caller in under a name that is not hers.
		for _, name := range []string{"*)(uid=*", "*", "alic*", "alice)(|(uid=*", `alice\`, "alice\x00"} {
			if _, err := d.Authenticate(ctx, name, "alicepass"); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("%q: %v", name, err)
			}
		}
		if _, err := d.TestSearch(ctx, "*"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("test search with *: %v", err)
		}
	})

	t.Run("group filter keeps non-members out", func(t *testing.T) {
		s := srv.settings()
		s["LDAP_Group_Filter_Enable"] = true
		s["LDAP_Group_Filter_ObjectClass"] = "groupOfNames"
		s["LDAP_Group_Filter_Group_Id_Attribute"] = "cn"
		s["LDAP_Group_Filter_Group_Member_Attribute"] = "member"
		s["LDAP_Group_Filter_Group_Member_Format"] = "#{userdn}"
		s["LDAP_Group_Filter_Group_Name"] = "chat"
		g := directory(t, s)
		if _, err := g.Authenticate(ctx, "alice", "alicepass"); err != nil {
			t.Fatalf("member: %v", err)
		}
		if _, err := g.Authenticate(ctx, "carol", "carolpass"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("non-member: %v", err)
		}
	})

	t.Run("admin test endpoints", func(t *testing.T) {
		if err := d.TestConnection(ctx); err != nil {
			t.Fatal(err)
		}
		id, err := d.TestSearch(ctx, "bob")
		if err != nil || id.Username != "bob" {
			t.Fatalf("test search: %+v %v", id, err)
		}
		s := srv.settings()
		s["LDAP_Authentication_Password"] = "wrong"
		if err := directory(t, s).TestConnection(ctx); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("wrong service password: %v", err)
		}
	})

	t.Run("StartTLS and LDAPS with the directory's CA", func(t *testing.T) {
		for _, mode := range []string{EncryptionStartTLS, EncryptionLDAPS} {
			s := srv.settings()
			s["LDAP_Encryption"] = mode
			s["LDAP_CA_Cert"] = srv.caPEM
			s["LDAP_Reject_Unauthorized"] = true
			if mode == EncryptionLDAPS {
				s["LDAP_Port"] = srv.tlsPort
			}
			if _, err := directory(t, s).Authenticate(ctx, "alice", "alicepass"); err != nil {
				t.Fatalf("%s: %v", mode, err)
			}
			// Another CA: the server's certificate is not trusted.
			s["LDAP_CA_Cert"] = makeCA(t, t.TempDir())
			if _, err := directory(t, s).Authenticate(ctx, "alice", "alicepass"); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%s with a foreign CA: %v", mode, err)
			}
		}
	})

	t.Run("a server that is down fails clearly", func(t *testing.T) {
		s := srv.settings()
		s["LDAP_Port"] = peer.FreePort(t)
		start := time.Now()
		_, err := directory(t, s).Authenticate(ctx, "alice", "alicepass")
		if !errors.Is(err, ErrUnavailable) || time.Since(start) > 5*time.Second {
			t.Fatalf("down: %v after %v", err, time.Since(start))
		}
	})

	t.Run("sync reports new, changed and removed users", func(t *testing.T) {
		c := srv.admin(t)
		addUser(t, c, "dave", "Dave Lister", "dave@example.org", "1004")
		mod := goldap.NewModifyRequest("uid=alice,ou=users,"+baseDN, nil)
		mod.Replace("cn", []string{"Alice Pleasance Liddell"})
		if err := c.Modify(mod); err != nil {
			t.Fatal(err)
		}
		if err := c.Del(goldap.NewDelRequest("uid=bob,ou=users,"+baseDN, nil)); err != nil {
			t.Fatal(err)
		}
		known := []Known{
			{ID: hexID("1001"), Username: "alice", Email: "alice@example.org", Name: "Alice Liddell", Roles: []string{"admin", "moderator", "user"}, Active: true},
			{ID: hexID("1002"), Username: "bob", Email: "bob@example.org", Name: "Bob Builder", Active: true},
			{ID: hexID("1003"), Username: "carol", Email: "carol@example.org", Name: "Carol Danvers", Roles: []string{}, Active: false},
		}
		rep, err := d.Sync(ctx, known)
		if err != nil {
			t.Fatal(err)
		}
		names := func(ids []*provider.Identity) []string {
			var out []string
			for _, i := range ids {
				out = append(out, i.Username)
			}
			return out
		}
		if !slices.Equal(names(rep.New), []string{"dave"}) || !slices.Equal(names(rep.Changed), []string{"alice"}) ||
			!slices.Equal(rep.Deactivate, []string{hexID("1002")}) || !slices.Equal(rep.Reactivate, []string{hexID("1003")}) ||
			len(rep.Users) != 3 {
			t.Fatalf("report: new %v changed %v deactivate %v reactivate %v users %d",
				names(rep.New), names(rep.Changed), rep.Deactivate, rep.Reactivate, len(rep.Users))
		}
		// The removed user can no longer log in.
		if _, err := d.Authenticate(ctx, "bob", "bobpass"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("removed user: %v", err)
		}
		// An outage is an error, never "everyone is gone".
		s := srv.settings()
		s["LDAP_Port"] = peer.FreePort(t)
		if _, err := directory(t, s).Sync(ctx, known); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("sync while down: %v", err)
		}
	})
}

func TestConfigFrom(t *testing.T) {
	cfg, err := ConfigFrom(settings{"LDAP_Enable": true, "LDAP_Host": "ldap.example.org", "LDAP_BaseDN": baseDN,
		"LDAP_Server_Type": "ad", "LDAP_AD_User_Search_Field": "sAMAccountName,userPrincipalName"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 389 || cfg.Encryption != "plain" || !slices.Equal(cfg.UserSearchFields, []string{"sAMAccountName", "userPrincipalName"}) ||
		cfg.UsernameField != "sAMAccountName" || cfg.BackgroundSyncInterval != 24*time.Hour ||
		cfg.SyncActiveState != "disable" || cfg.UniqueIdentifierFields[0] != "objectGUID" {
		t.Fatalf("config %+v", cfg)
	}
	if got := (&Directory{cfg: cfg}).userFilter(goldap.EscapeFilter("a*")); got != `(&(|(sAMAccountName=a\2a)(userPrincipalName=a\2a)))` {
		t.Fatalf("filter %s", got)
	}
	for _, bad := range []settings{
		{"LDAP_Encryption": "starttls"},
		{"LDAP_Enable": true, "LDAP_BaseDN": baseDN},
		{"LDAP_Sync_User_Data_RolesMap": "not json"},
		{"LDAP_Background_Sync_Interval": "hourly"},
	} {
		if _, err := ConfigFrom(bad); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}
