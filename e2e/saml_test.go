package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"liftoff/internal/peer"
	"liftoff/internal/testserver"
)

// startSAMLIdP runs the samlidp peer (users alice and bob, password
// <name>pass); it returns its base URL and signing certificate.
func startSAMLIdP(t *testing.T) (string, string) {
	t.Helper()
	bin := peer.Path(t, "samlidp")
	dir := t.TempDir()
	port := peer.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	certFile := filepath.Join(dir, "idp.pem")
	p := peer.Start(t, peer.Options{Dir: dir}, bin, "-listen", fmt.Sprintf("127.0.0.1:%d", port), "-url", base, "-cert-out", certFile)
	p.WaitHTTP(t, base+"/metadata", 30*time.Second)
	cert, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	return base, string(cert)
}

// samlSPKey makes the SP's ECDSA signing key and certificate (PEM).
func samlSPKey(t *testing.T) (string, string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keyDER, _ := x509.MarshalECPrivateKey(k)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "liftoff-sp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
}

var (
	samlFormAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	samlHidden     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// samlPopup does what the browser popup does up to the IdP's answer: it
// opens /_saml/authorize/test-idp/<token>, logs in at the IdP, and returns
// the form the IdP auto-posts to the server (its action and SAMLResponse).
func samlPopup(t *testing.T, srv *testserver.Server, idp, token, user string) (string, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := c.Get(srv.URL + "/_saml/authorize/test-idp/" + token)
	if err != nil {
		t.Fatal(err)
	}
	authURL := resp.Request.URL.String()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte(`name="SAMLResponse"`)) {
		// samlidp's own form loses the redirect binding's signature, so log
		// in at its login endpoint and open the (signed) request again.
		resp, err = c.PostForm(idp+"/login", url.Values{"user": {user}, "password": {user + "pass"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp, err = c.Get(authURL); err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	m := samlFormAction.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no form from the IdP:\n%s", body)
	}
	vals := url.Values{}
	for _, h := range samlHidden.FindAllSubmatch(body, -1) {
		vals.Set(string(h[1]), html.UnescapeString(string(h[2])))
	}
	return html.UnescapeString(string(m[1])), vals.Get("SAMLResponse")
}

func postSAMLResponse(t *testing.T, action, response string) int {
	t.Helper()
	resp, err := http.PostForm(action, url.Values{"SAMLResponse": {response}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSAMLLogin(t *testing.T) {
	idp, idpCert := startSAMLIdP(t)
	spCert, spKey := samlSPKey(t)
	set := func(id, v string) string { return "OVERWRITE_SETTING_SAML_Custom_Default" + id + "=" + v }
	srv := testserver.Start(t, testserver.Options{Env: []string{
		set("", "true"), set("_provider", "test-idp"), set("_entry_point", idp+"/sso"),
		set("_idp_slo_redirect_url", idp+"/slo"), set("_idp_issuer", idp+"/metadata"), set("_cert", idpCert),
		set("_public_cert", spCert), set("_private_key", spKey), set("_signature_validation_type", "Either"),
		set("_user_data_fieldmap", `{"username": "uid", "email": "mail", "name": {"fieldName": "cn", "template": "__cn__ (SAML)"}}`),
	}})
	admin := srv.Admin(t)

	// Register this server's metadata at the IdP.
	resp, err := http.Get(srv.URL + "/_saml/metadata/test-idp")
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(meta, []byte(srv.URL+"/_saml/validate/test-idp")) {
		t.Fatalf("metadata %d:\n%s", resp.StatusCode, meta)
	}
	req, _ := http.NewRequest(http.MethodPut, idp+"/services/chat", bytes.NewReader(meta))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("register the SP: %v %v", resp, err)
	}
	resp.Body.Close()

	// The SAML button is listed for clients.
	r := srv.Anon(t).Get("/api/v1/service.configurations").OK(t)
	if r.Str("configurations.0.service") != "saml" || r.Str("configurations.0.clientConfig.provider") != "test-idp" {
		t.Fatalf("service.configurations: %s", r.Body)
	}

	// SP-initiated sign-in, then {saml: true, credentialToken}.
	token := "samlCredentialToken0001"
	action, response := samlPopup(t, srv, idp, token, "alice")
	if action != srv.URL+"/_saml/validate/test-idp" || response == "" {
		t.Fatalf("IdP form for %q", action)
	}
	if st := postSAMLResponse(t, action, response); st != http.StatusOK {
		t.Fatalf("validate: %d", st)
	}
	anon := srv.Anon(t)
	r = anon.Post("/api/v1/login", map[string]any{"saml": true, "credentialToken": token})
	if r.Status != http.StatusOK {
		t.Fatalf("saml login: %d %s", r.Status, r.Body)
	}
	uid := r.Str("data.userId")
	info := admin.Get("/api/v1/users.info", "userId", uid).OK(t)
	if info.Str("user.username") != "alice" || info.Str("user.name") != "Alice Liddell (SAML)" ||
		info.Str("user.emails.0.address") != "alice@example.org" {
		t.Fatalf("created user: %s", info.Body)
	}
	anon.Post("/api/v1/login", map[string]any{"saml": true, "credentialToken": token}).Fail(t, http.StatusUnauthorized, "")
	// A replayed response answers no pending request.
	if st := postSAMLResponse(t, action, response); st != http.StatusBadRequest {
		t.Fatalf("replayed response: %d", st)
	}

	// A tampered assertion is refused; the login says so.
	token = "samlCredentialToken0002"
	action, response = samlPopup(t, srv, idp, token, "alice")
	raw, _ := base64.StdEncoding.DecodeString(response)
	forged := bytes.ReplaceAll(raw, []byte("alice@example.org"), []byte("mallory@example.org"))
	if bytes.Equal(forged, raw) {
		t.Fatal("nothing to tamper with")
	}
	postSAMLResponse(t, action, base64.StdEncoding.EncodeToString(forged))
	anon.Post("/api/v1/login", map[string]any{"saml": true, "credentialToken": token}).Fail(t, http.StatusUnauthorized, "")

	// A second sign-in over DDP is the same user; samlLogout gives the IdP's logout URL.
	token = "samlCredentialToken0003"
	action, response = samlPopup(t, srv, idp, token, "alice")
	postSAMLResponse(t, action, response)
	c := ddpDial(t, srv)
	var res struct{ ID string }
	c.call(&res, "login", map[string]any{"saml": true, "credentialToken": token})
	if res.ID != uid {
		t.Fatalf("second sign-in: %s, first %s", res.ID, uid)
	}
	var logoutURL string
	c.call(&logoutURL, "samlLogout", "test-idp")
	if !strings.HasPrefix(logoutURL, idp+"/slo?SAMLRequest=") {
		t.Fatalf("samlLogout: %q", logoutURL)
	}
}
