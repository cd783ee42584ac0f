package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"liftoff/internal/peer"
	"liftoff/internal/testserver"
)

const (
	ldapBase    = "dc=example,dc=org"
	ldapAdminDN = "cn=admin,dc=example,dc=org"
	ldapAdminPW = "adminpass"
)

// startSlapd runs OpenLDAP's slapd on a free port with an empty
// dc=example,dc=org, and returns its port and an administrator connection.
func startSlapd(t *testing.T) (int, *goldap.Conn) {
	t.Helper()
	bin := peer.Path(t, "slapd")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
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
`, dir, ldapBase, ldapAdminDN, ldapAdminPW)
	if err := os.WriteFile(filepath.Join(dir, "slapd.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var port int
	for attempt := 0; ; attempt++ {
		port = peer.FreePort(t)
		p := peer.Start(t, peer.Options{Dir: dir}, bin, "-d", "0", "-f", filepath.Join(dir, "slapd.conf"),
			"-h", fmt.Sprintf("ldap://127.0.0.1:%d/", port))
		if waitTCPOrExit(p, "127.0.0.1:"+strconv.Itoa(port)) {
			break
		}
		p.Stop()
		if attempt == 2 {
			t.Fatalf("slapd did not start:\n%s", p.Logs())
		}
	}
	c, err := goldap.DialURL(fmt.Sprintf("ldap://127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Bind(ldapAdminDN, ldapAdminPW); err != nil {
		t.Fatal(err)
	}
	return port, c
}

// waitTCPOrExit waits for addr, or for the process to exit (its port was
// taken meanwhile), for up to 10 seconds.
func waitTCPOrExit(p *peer.Process, addr string) bool {
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

func ldapAdd(t *testing.T, c *goldap.Conn, dn string, attrs map[string][]string) {
	t.Helper()
	req := goldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		req.Attribute(k, v)
	}
	if err := c.Add(req); err != nil {
		t.Fatalf("add %s: %v", dn, err)
	}
}

func ldapUserDN(uid string) string { return "uid=" + uid + ",ou=users," + ldapBase }

func TestLDAPLogin(t *testing.T) {
	port, dir := startSlapd(t)
	ldapAdd(t, dir, ldapBase, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"example"}, "o": {"Example"}})
	ldapAdd(t, dir, "ou=users,"+ldapBase, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"users"}})
	ldapAdd(t, dir, "ou=groups,"+ldapBase, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}})
	for i, u := range [][2]string{{"alice", "Alice Liddell"}, {"bob", "Bob Builder"}} {
		ldapAdd(t, dir, ldapUserDN(u[0]), map[string][]string{
			"objectClass": {"inetOrgPerson", "posixAccount"}, "uid": {u[0]}, "cn": {u[1]}, "sn": {u[1]},
			"mail": {u[0] + "@example.org"}, "uidNumber": {strconv.Itoa(1001 + i)}, "gidNumber": {"100"},
			"homeDirectory": {"/home/" + u[0]}, "userPassword": {u[0] + "pass"}})
	}
	ldapAdd(t, dir, "cn=admins,ou=groups,"+ldapBase, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"admins"}, "member": {ldapUserDN("alice")}})

	set := func(id, v string) string { return "OVERWRITE_SETTING_" + id + "=" + v }
	srv := testserver.Start(t, testserver.Options{Env: []string{
		set("LDAP_Enable", "true"), set("LDAP_Host", "127.0.0.1"), set("LDAP_Port", strconv.Itoa(port)),
		set("LDAP_Authentication", "true"), set("LDAP_Authentication_UserDN", ldapAdminDN),
		set("LDAP_Authentication_Password", ldapAdminPW), set("LDAP_BaseDN", ldapBase),
		set("LDAP_User_Search_Filter", "(objectclass=inetOrgPerson)"), set("LDAP_User_Search_Field", "uid"),
		set("LDAP_Username_Field", "uid"), set("LDAP_Unique_Identifier_Field", "uidNumber"),
		set("LDAP_Sync_User_Data_Roles", "true"), set("LDAP_Sync_User_Data_Roles_AutoRemove", "true"),
		set("LDAP_Sync_User_Data_Roles_Filter", "(&(cn=#{groupName})(member=#{userdn}))"),
		set("LDAP_Sync_User_Data_RolesMap", `{"admins": "admin"}`),
		// The local administrator, who is not in the directory, logs in with their password.
		set("LDAP_Login_Fallback", "true"),
	}})
	admin := srv.Admin(t)

	// DDP: Meteor.loginWithLDAP's request creates the account from the entry.
	c := ddpDial(t, srv)
	var res struct{ ID, Token, Type string }
	c.call(&res, "login", map[string]any{"ldap": true, "username": "alice", "ldapPass": "alicepass", "ldapOptions": map[string]any{}})
	if res.ID == "" || res.Type != "ldap" {
		t.Fatalf("ldap login: %+v", res)
	}
	info := admin.Get("/api/v1/users.info", "userId", res.ID).OK(t)
	if info.Str("user.username") != "alice" || info.Str("user.name") != "Alice Liddell" ||
		info.Str("user.emails.0.address") != "alice@example.org" || info.Get("user.emails.0.verified") != true ||
		!listHas(info.Get("user.roles"), "admin") {
		t.Fatalf("provisioned user: %s", info.Body)
	}
	// REST: a plain password login goes to the directory while LDAP is on.
	alice := srv.Login(t, "alice", "alicepass")
	if alice.UserID != res.ID {
		t.Fatalf("second login made another user: %s vs %s", alice.UserID, res.ID)
	}
	anon := srv.Anon(t)
	anon.Post("/api/v1/login", map[string]any{"user": "alice", "password": "wrong"}).Fail(t, 401, "")
	for _, name := range []string{"*)(uid=*", "alic*", "*"} {
		anon.Post("/api/v1/login", map[string]any{"ldap": true, "username": name, "ldapPass": "alicepass"}).Fail(t, 401, "")
	}
	ddpDial(t, srv).callFail("403", "login", map[string]any{"ldap": true, "username": "*)(uid=*", "ldapPass": "alicepass"})

	// Group → role sync: leaving the admins group drops the role at the next login.
	if err := dir.Modify(&goldap.ModifyRequest{DN: "cn=admins,ou=groups," + ldapBase, Changes: []goldap.Change{
		{Operation: goldap.ReplaceAttribute, Modification: goldap.PartialAttribute{Type: "member", Vals: []string{ldapUserDN("bob")}}}}}); err != nil {
		t.Fatal(err)
	}
	srv.Login(t, "alice", "alicepass")
	if listHas(admin.Get("/api/v1/users.info", "userId", alice.UserID).OK(t).Get("user.roles"), "admin") {
		t.Fatal("admin role kept after leaving the group")
	}

	// Admin endpoints.
	admin.Post("/api/v1/ldap.testConnection", nil).OK(t)
	admin.Post("/api/v1/ldap.testSearch", map[string]any{"username": "bob"}).OK(t)
	admin.Post("/api/v1/ldap.testSearch", map[string]any{"username": "nobody"}).Fail(t, 400, "LDAP_User_Not_Found")
	alice.Post("/api/v1/ldap.syncNow", nil).Fail(t, 403, "")

	// A sync deactivates the account whose entry is gone: its sessions end.
	bob := srv.Login(t, "bob", "bobpass")
	bob.Get("/api/v1/me").OK(t)
	if err := dir.Del(goldap.NewDelRequest(ldapUserDN("bob"), nil)); err != nil {
		t.Fatal(err)
	}
	if r := admin.Post("/api/v1/ldap.syncNow", nil).OK(t); r.Str("message") != "Sync_in_progress" {
		t.Fatalf("syncNow: %s", r.Body)
	}
	bob.Get("/api/v1/me").Fail(t, 401, "")
	if admin.Get("/api/v1/users.info", "userId", bob.UserID).OK(t).Get("user.active") != false {
		t.Fatal("bob still active")
	}
	anon.Post("/api/v1/login", map[string]any{"user": "bob", "password": "bobpass"}).Fail(t, 401, "")
	alice.Get("/api/v1/me").OK(t)
}
