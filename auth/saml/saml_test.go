package saml

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"

	"liftoff/auth/pending"
	"liftoff/internal/peer"
)

const siteURL = "http://127.0.0.1:3998"

type settings map[string]any

func (s settings) Bool(id string) bool { b, _ := s[id].(bool); return b }
func (s settings) Int(id string) int   { n, _ := s[id].(int); return n }
func (s settings) String(id string) string {
	v, _ := s[id].(string)
	return v
}

// startIdP runs the samlidp peer; it returns its base URL and certificate.
func startIdP(t *testing.T) (string, string) {
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

// spKeyPair makes the SP's signing key: ECDSA, which cannot decrypt, so
// the IdP sends assertions in the clear (withRSA: RSA, and the IdP
// encrypts them to it).
func spKeyPair(t *testing.T, withRSA bool) (certPEM, keyPEM string) {
	t.Helper()
	var (
		pub    any
		signer any
		keyDER []byte
		typ    string
	)
	if withRSA {
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		pub, signer, keyDER, typ = &k.PublicKey, k, x509.MarshalPKCS1PrivateKey(k), "RSA PRIVATE KEY"
	} else {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ := x509.MarshalECPrivateKey(k)
		pub, signer, keyDER, typ = &k.PublicKey, k, der, "EC PRIVATE KEY"
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "liftoff-sp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: keyDER}))
}

func samlSettings(idp, idpCert, spCert, spKey string) settings {
	k := "SAML_Custom_Default_"
	return settings{"SAML_Custom_Default": true, k + "provider": "test-idp",
		k + "entry_point": idp + "/sso", k + "idp_slo_redirect_url": idp + "/slo", k + "idp_issuer": idp + "/metadata",
		k + "cert": idpCert, k + "public_cert": spCert, k + "private_key": spKey,
		k + "signature_validation_type": "Either",
		k + "user_data_fieldmap":        `{"username": "uid", "email": "mail", "name": {"fieldName": "cn", "template": "__cn__ (SAML)"}}`,
		k + "immutable_property":        "EMail", k + "role_attribute_name": "eduPersonAffiliation", k + "role_attribute_sync": true}
}

type env struct {
	sp    *ServiceProvider
	store *pending.Memory
	creds *pending.Credentials
	jar   http.CookieJar
	idp   string
}

func newSP(t *testing.T, s settings, store *pending.Memory, creds *pending.Credentials) *ServiceProvider {
	t.Helper()
	cfg, err := ConfigFrom(s, "", siteURL)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := New(cfg, Options{SiteURL: siteURL, Store: store, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	hiddenIn   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// client is a browser: a cookie jar, redirects followed except to the site.
func (e *env) client(stop *url.URL) *http.Client {
	return &http.Client{Jar: e.jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), siteURL+"/") {
			*stop = *req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func form(t *testing.T, body []byte) (string, url.Values) {
	t.Helper()
	m := formAction.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no form in:\n%s", body)
	}
	vals := url.Values{}
	for _, h := range hiddenIn.FindAllSubmatch(body, -1) {
		vals.Set(string(h[1]), html.UnescapeString(string(h[2])))
	}
	return html.UnescapeString(string(m[1])), vals
}

// signIn drives the IdP from the authorize URL to the auto-posted form for
// the ACS and returns its SAMLResponse.
func (e *env) signIn(t *testing.T, token, user string) string {
	t.Helper()
	authURL, err := e.sp.AuthorizeURL(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	var stop url.URL
	c := e.client(&stop)
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte(`name="SAMLResponse"`)) {
		// The IdP shows its login form. samlidp's form posts the request
		// back without the redirect binding's signature, which it then
		// refuses for an SP that signs its requests; so log in at the
		// IdP's own login endpoint, as a user with an open IdP tab would,
		// and follow the (signed) authorize URL again.
		if !bytes.Contains(body, []byte(`name="password"`)) {
			t.Fatalf("IdP answered %s:\n%s", resp.Status, body)
		}
		resp, err = c.PostForm(e.idp+"/login", url.Values{"user": {user}, "password": {user + "pass"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("IdP login: %s", resp.Status)
		}
		resp, err = c.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	action, vals := form(t, body)
	if action != siteURL+"/_saml/validate/test-idp" || vals.Get("SAMLResponse") == "" {
		t.Fatalf("IdP answered a form for %q:\n%s", action, body)
	}
	return vals.Get("SAMLResponse")
}

func TestSAML(t *testing.T) {
	idp, idpCert := startIdP(t)
	spCert, spKey := spKeyPair(t, false)
	ctx := context.Background()
	e := &env{store: pending.NewMemory(0, nil), idp: idp}
	e.creds = pending.NewCredentials(pending.NewMemory(0, nil), 0)
	e.jar, _ = cookiejar.New(nil)
	s := samlSettings(idp, idpCert, spCert, spKey)
	e.sp = newSP(t, s, e.store, e.creds)

	meta, err := e.sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(meta, &ed); err != nil {
		t.Fatal(err)
	}
	if ed.EntityID != siteURL+"/_saml/metadata/test-idp" || len(ed.SPSSODescriptors) != 1 ||
		ed.SPSSODescriptors[0].AssertionConsumerServices[0].Location != siteURL+"/_saml/validate/test-idp" ||
		ed.SPSSODescriptors[0].SingleLogoutServices[0].Location != siteURL+"/_saml/logout/test-idp/" {
		t.Fatalf("metadata:\n%s", meta)
	}
	if lsc := e.sp.LoginServiceConfiguration(); lsc.Service != "saml" || lsc.ClientConfig.Provider != "test-idp" || lsc.EntryPoint != idp+"/sso" {
		t.Fatalf("login service configuration %+v", lsc)
	}
	req, _ := http.NewRequest(http.MethodPut, idp+"/services/chat", bytes.NewReader(meta))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("register the SP: %v %v", resp, err)
	}
	resp.Body.Close()

	var aliceSession struct{ nameID, index string }
	t.Run("SP-initiated login maps the attributes", func(t *testing.T) {
		token := "samlCredentialToken0001"
		c, err := e.sp.Validate(ctx, e.signIn(t, token, "alice"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Err != nil {
			t.Fatalf("sign-in failed: %v", c.Err)
		}
		cred, err := e.creds.Retrieve(ctx, token, "")
		if err != nil {
			t.Fatal(err)
		}
		id := cred.Identity
		if id.Service != "saml" || id.ID != "alice@example.org" || id.Username != "alice" || id.Email != "alice@example.org" ||
			!id.EmailVerified || id.Name != "Alice Liddell (SAML)" {
			t.Fatalf("identity %+v", id)
		}
		if !slices.Equal(id.Roles, []string{"devs", "admins"}) || !slices.Equal(id.Groups, id.Roles) {
			t.Fatalf("roles %v groups %v", id.Roles, id.Groups)
		}
		aliceSession.nameID, _ = id.Attributes["nameID"].(string)
		aliceSession.index, _ = id.Attributes["idpSession"].(string)
		if aliceSession.nameID == "" || aliceSession.index == "" {
			t.Fatalf("attributes %v", id.Attributes)
		}
	})

	t.Run("replayed response is refused", func(t *testing.T) {
		response := e.signIn(t, "samlCredentialToken0002", "alice")
		if c, err := e.sp.Validate(ctx, response); err != nil || c.Err != nil {
			t.Fatalf("first use: %v %v", err, c)
		}
		if _, err := e.sp.Validate(ctx, response); !errors.Is(err, ErrUnknownRequest) {
			t.Fatalf("second use: %v", err)
		}
		// Even if the request id were pending again, the assertion id is spent.
		raw, _ := base64.StdEncoding.DecodeString(response)
		var env envelope
		_ = xml.Unmarshal(raw, &env)
		_ = e.store.Put(ctx, "saml-request:"+env.InResponseTo, []byte(`{"credentialToken":"samlCredentialToken0003"}`), time.Minute)
		c, err := e.sp.Validate(ctx, response)
		if err != nil || !errors.Is(c.Err, ErrInvalidResponse) || !strings.Contains(c.Err.Error(), "already been used") {
			t.Fatalf("replay past the request check: %v %v", err, c.Err)
		}
	})

	t.Run("tampered assertion is refused", func(t *testing.T) {
		response := e.signIn(t, "samlCredentialToken0004", "alice")
		raw, _ := base64.StdEncoding.DecodeString(response)
		forged := bytes.ReplaceAll(raw, []byte("alice@example.org"), []byte("mallory@example.org"))
		if bytes.Equal(forged, raw) {
			t.Fatal("nothing to tamper with")
		}
		c, err := e.sp.Validate(ctx, base64.StdEncoding.EncodeToString(forged))
		if err != nil || !errors.Is(c.Err, ErrInvalidResponse) {
			t.Fatalf("tampered: %v %+v", err, c)
		}
		cred, err := e.creds.Retrieve(ctx, "samlCredentialToken0004", "")
		if err != nil || cred.Identity != nil || cred.Err() == nil {
			t.Fatalf("stored outcome: %+v %v", cred, err)
		}
	})

	t.Run("another SP's audience is refused", func(t *testing.T) {
		response := e.signIn(t, "samlCredentialToken0005", "alice")
		other := samlSettings(idp, idpCert, spCert, spKey)
		other["SAML_Custom_Default_issuer"] = "https://other.example/sp"
		sp2 := newSP(t, other, e.store, e.creds)
		c, err := sp2.Validate(ctx, response)
		if err != nil || !errors.Is(c.Err, ErrInvalidResponse) {
			t.Fatalf("audience: %v %+v", err, c)
		}
	})

	t.Run("signature validation type decides which signatures are needed", func(t *testing.T) {
		resp := e.signIn(t, "samlCredentialToken0006", "alice")
		raw, _ := base64.StdEncoding.DecodeString(resp)
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(raw); err != nil {
			t.Fatal(err)
		}
		responseSigned := doc.Root().SelectElement("Signature") != nil
		assertionSigned := doc.Root().SelectElement("Assertion").SelectElement("Signature") != nil
		if !responseSigned && !assertionSigned {
			t.Fatal("the IdP signed nothing")
		}
		raw64 := base64.StdEncoding.EncodeToString(raw)
		for mode, want := range map[string]bool{"Response": responseSigned, "Assertion": assertionSigned,
			"All": responseSigned && assertionSigned, "Either": true} {
			strict := samlSettings(idp, idpCert, spCert, spKey)
			strict["SAML_Custom_Default_signature_validation_type"] = mode
			sp2 := newSP(t, strict, e.store, e.creds)
			// The same response, fresh for each mode: a new request id
			// would change the signed content, so reuse the request and
			// clear the assertion from the replay cache.
			var env envelope
			_ = xml.Unmarshal(raw, &env)
			_ = e.store.Put(ctx, "saml-request:"+env.InResponseTo, []byte(`{"credentialToken":"samlCredentialToken0006"}`), time.Minute)
			_ = e.store.Delete(ctx, "saml-assertion:"+doc.Root().SelectElement("Assertion").SelectAttrValue("ID", ""))
			c, err := sp2.Validate(ctx, raw64)
			if err != nil {
				t.Fatalf("%s mode: %v", mode, err)
			}
			if (c.Err == nil) != want {
				t.Fatalf("%s mode (response signed %v, assertion signed %v): %v", mode, responseSigned, assertionSigned, c.Err)
			}
		}
	})

	t.Run("a response stripped of its signature fails the modes that need it", func(t *testing.T) {
		resp := e.signIn(t, "samlCredentialToken0010", "alice")
		raw, _ := base64.StdEncoding.DecodeString(resp)
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(raw); err != nil {
			t.Fatal(err)
		}
		sig := doc.Root().SelectElement("Signature")
		assertion := doc.Root().SelectElement("Assertion")
		if sig == nil || assertion == nil || assertion.SelectElement("Signature") == nil {
			t.Skip("the IdP does not sign both the Response and the Assertion")
		}
		doc.Root().RemoveChild(sig)
		stripped, _ := doc.WriteToBytes()
		var env envelope
		_ = xml.Unmarshal(stripped, &env)
		for mode, want := range map[string]bool{"Response": false, "All": false, "Assertion": true, "Either": true} {
			st := samlSettings(idp, idpCert, spCert, spKey)
			st["SAML_Custom_Default_signature_validation_type"] = mode
			sp2 := newSP(t, st, e.store, e.creds)
			_ = e.store.Put(ctx, "saml-request:"+env.InResponseTo, []byte(`{"credentialToken":"samlCredentialToken0010"}`), time.Minute)
			_ = e.store.Delete(ctx, "saml-assertion:"+assertion.SelectAttrValue("ID", ""))
			c, err := sp2.Validate(ctx, base64.StdEncoding.EncodeToString(stripped))
			if err != nil {
				t.Fatalf("%s: %v", mode, err)
			}
			if (c.Err == nil) != want {
				t.Fatalf("%s mode on an unsigned Response: %v", mode, c.Err)
			}
		}
	})

	t.Run("unsolicited response is refused", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, idp+"/shortcuts/chat", strings.NewReader(
			fmt.Sprintf(`{"service_provider": %q}`, siteURL+"/_saml/metadata/test-idp")))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("shortcut: %v %v", resp, err)
		}
		resp.Body.Close()
		var stop url.URL
		resp, err = e.client(&stop).Get(idp + "/login/chat")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_, vals := form(t, body)
		if _, err := e.sp.Validate(ctx, vals.Get("SAMLResponse")); !errors.Is(err, ErrUnknownRequest) {
			t.Fatalf("IdP-initiated: %v", err)
		}
	})

	t.Run("encrypted assertion for an RSA key is decrypted", func(t *testing.T) {
		rc, rk := spKeyPair(t, true)
		rs := samlSettings(idp, idpCert, rc, rk)
		rs["SAML_Custom_Default_issuer"] = siteURL + "/_saml/metadata/rsa-sp"
		e2 := &env{store: e.store, creds: e.creds, idp: idp}
		e2.jar, _ = cookiejar.New(nil) // a browser of its own: a separate IdP session
		e2.sp = newSP(t, rs, e.store, e.creds)
		meta, _ := e2.sp.Metadata()
		req, _ := http.NewRequest(http.MethodPut, idp+"/services/rsa", bytes.NewReader(meta))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("register: %v %v", resp, err)
		}
		resp.Body.Close()
		response := e2.signIn(t, "samlCredentialToken0008", "alice")
		raw, _ := base64.StdEncoding.DecodeString(response)
		if !bytes.Contains(raw, []byte("EncryptedAssertion")) || bytes.Contains(raw, []byte("alice@example.org")) {
			t.Fatalf("the IdP did not encrypt:\n%s", raw)
		}
		c, err := e2.sp.Validate(ctx, response)
		if err != nil || c.Err != nil || c.Identity.Email != "alice@example.org" {
			t.Fatalf("encrypted: %v %+v", err, c)
		}
	})

	t.Run("single logout", func(t *testing.T) {
		u, err := e.sp.LogoutURL(ctx, aliceSession.nameID, aliceSession.index)
		if err != nil || !strings.HasPrefix(u, idp+"/slo?SAMLRequest=") || !strings.Contains(u, "Signature=") {
			t.Fatalf("logout URL %q %v", u, err)
		}
		var stop url.URL
		resp, err := e.client(&stop).Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if stop.Path != "/_saml/logout/test-idp/" || stop.Query().Get("SAMLResponse") == "" {
			t.Fatalf("IdP answered %s (%s):\n%s", resp.Status, stop.String(), body)
		}
		r := httptest(stop)
		res, err := e.sp.HandleLogout(ctx, r)
		if err != nil || res.Kind != LogoutResponse || !res.Success || res.NameID != aliceSession.nameID {
			t.Fatalf("logout response: %+v %v", res, err)
		}
		if _, err := e.sp.HandleLogout(ctx, httptest(stop)); !errors.Is(err, ErrUnknownRequest) {
			t.Fatalf("logout response twice: %v", err)
		}
		// The IdP session is gone: the next sign-in shows the login form again.
		authURL, _ := e.sp.AuthorizeURL(ctx, "samlCredentialToken0007")
		resp, err = e.client(&stop).Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(body, []byte(`name="password"`)) {
			t.Fatalf("still signed in at the IdP:\n%s", body)
		}
	})
	t.Run("IdP-initiated single logout", func(t *testing.T) {
		c, err := e.sp.Validate(ctx, e.signIn(t, "samlCredentialToken0009", "bob"))
		if err != nil || c.Err != nil {
			t.Fatalf("sign-in: %v %+v", err, c)
		}
		var stop url.URL
		client := e.client(&stop)
		resp, err := client.Get(idp + "/logout")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if stop.Query().Get("SAMLRequest") == "" {
			t.Fatalf("the IdP sent no logout request (%s, %s)", resp.Status, stop.String())
		}
		res, err := e.sp.HandleLogout(ctx, httptest(stop))
		if err != nil || res.Kind != LogoutRequest || res.NameID != c.Identity.Attributes["nameID"] || !strings.HasPrefix(res.Redirect, idp+"/slo?SAMLResponse=") {
			t.Fatalf("logout request: %+v %v", res, err)
		}
		resp, err = client.Get(res.Redirect)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 && resp.StatusCode/100 != 3 {
			t.Fatalf("the IdP refused the logout response: %s\n%s", resp.Status, body)
		}
		// A forged logout request (its signature broken) is refused.
		q := stop.Query()
		q.Set("Signature", base64.StdEncoding.EncodeToString([]byte("not a signature")))
		forged := stop
		forged.RawQuery = q.Encode()
		if _, err := e.sp.HandleLogout(ctx, httptest(forged)); !errors.Is(err, ErrInvalidResponse) {
			t.Fatalf("forged logout request: %v", err)
		}
	})
}

func httptest(u url.URL) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	return r
}

func TestFieldMapAndConfig(t *testing.T) {
	m, err := ParseFieldMap(`{"username": {"fieldName": "mail", "regex": "^([^@]+)@"}, "email": ["x"], "__identifier__": "uid"}`, "EMail")
	if err == nil {
		t.Fatalf("a list value was accepted: %+v", m)
	}
	m, err = ParseFieldMap(`{"username": {"fieldName": "mail", "regex": "^([^@]+)@"}, "name": {"fieldNames": ["givenName", "sn"], "template": "__givenName__ __sn__"}, "__identifier__": "uid"}`, "EMail")
	if err != nil {
		t.Fatal(err)
	}
	p := map[string][]string{"mail": {"carol.d@example.org"}, "givenName": {"Carol"}, "sn": {"Danvers"}, "uid": {"c1"}}
	if value(p, m.Username) != "carol.d" || value(p, m.Name) != "Carol Danvers" || m.Identifier != "custom" || m.IdentifierAttribute != "uid" {
		t.Fatalf("map %+v: %q %q", m, value(p, m.Username), value(p, m.Name))
	}
	re := Attribute{FieldNames: []string{"mail"}, Regex: "^([^@]+)@", Template: "u-__regex__"}
	if value(p, re) != "u-carol.d" {
		t.Fatal(value(p, re))
	}
	c, err := ConfigFrom(settings{}, "", "https://chat.example")
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://chat.example/_saml/metadata/provider-name" || c.SignatureValidation != "All" || c.ImmutableProperty != "EMail" ||
		c.FieldMap.Name.FieldNames[0] != "cn" || c.DefaultUserRole != "user" || c.Policy(true).MatchBy != "email" {
		t.Fatalf("defaults %+v", c)
	}
	for _, bad := range []settings{
		{"SAML_Custom_Default": true},
		{"SAML_Custom_Default_provider": "a/b"},
		{"SAML_Custom_Default_signature_validation_type": "None"},
		{"SAML_Custom_Default_public_cert": "x"},
		{"SAML_Custom_Default_user_data_fieldmap": "{"},
	} {
		if _, err := ConfigFrom(bad, "", "https://chat.example"); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}
