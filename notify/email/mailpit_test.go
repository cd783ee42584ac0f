package email_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"liftoff/internal/peer"
)

// mailpit is a running mailpit (SMTP capture server) with its API.
type mailpit struct {
	smtpPort int
	api      string
	proc     *peer.Process
}

type mailpitOptions struct {
	smtpPort   int      // 0: a free one
	user, pass string   // SMTP credentials required when user is set
	tls        *certPEM // STARTTLS (and implicit TLS with requireTLS)
	requireTLS bool     // implicit TLS only (--smtp-require-tls)
	starttls   bool     // STARTTLS required (--smtp-require-starttls)
}

type certPEM struct {
	certFile, keyFile string
	pool              *x509.CertPool
}

// startMailpit starts mailpit on loopback with its own database.
func startMailpit(t *testing.T, o mailpitOptions) *mailpit {
	t.Helper()
	bin := peer.Path(t, "mailpit")
	dir := t.TempDir()
	if o.smtpPort == 0 {
		o.smtpPort = peer.FreePort(t)
	}
	httpPort := peer.FreePort(t)
	args := []string{
		"--smtp", "127.0.0.1:" + strconv.Itoa(o.smtpPort),
		"--listen", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, "mail.db"),
		"--disable-version-check", "--smtp-disable-rdns",
	}
	if o.user != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(o.pass), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "auth")
		if err := os.WriteFile(file, []byte(o.user+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--smtp-auth-file", file)
		if o.tls == nil {
			args = append(args, "--smtp-auth-allow-insecure")
		}
	} else {
		args = append(args, "--smtp-auth-accept-any")
		if o.tls == nil {
			args = append(args, "--smtp-auth-allow-insecure")
		}
	}
	if o.tls != nil {
		args = append(args, "--smtp-tls-cert", o.tls.certFile, "--smtp-tls-key", o.tls.keyFile)
		if o.requireTLS {
			args = append(args, "--smtp-require-tls")
		}
		if o.starttls {
			args = append(args, "--smtp-require-starttls")
		}
	}
	p := peer.Start(t, peer.Options{Dir: dir}, bin, args...)
	api := "http://127.0.0.1:" + strconv.Itoa(httpPort)
	p.WaitHTTP(t, api+"/readyz", 30*time.Second)
	p.WaitTCP(t, "127.0.0.1:"+strconv.Itoa(o.smtpPort), 10*time.Second)
	return &mailpit{smtpPort: o.smtpPort, api: api, proc: p}
}

type mpAddress struct {
	Name    string
	Address string
}

type mpSummary struct {
	ID        string
	MessageID string
	From      mpAddress
	To        []mpAddress
	Subject   string
}

type mpMessage struct {
	mpSummary
	HTML string
	Text string
}

func (m *mailpit) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// messages lists the received messages, newest first.
func (m *mailpit) messages(t *testing.T) []mpSummary {
	t.Helper()
	var r struct {
		Total    int
		Messages []mpSummary
	}
	m.get(t, "/api/v1/messages", &r)
	return r.Messages
}

func (m *mailpit) message(t *testing.T, id string) mpMessage {
	t.Helper()
	var r mpMessage
	m.get(t, "/api/v1/message/"+id, &r)
	return r
}

// reset deletes every message.
func (m *mailpit) reset(t *testing.T) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, m.api+"/api/v1/messages", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset: %s", resp.Status)
	}
}

// waitMessages waits until mailpit holds n messages.
func (m *mailpit) waitMessages(t *testing.T, n int) []mpSummary {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ms := m.messages(t)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit has %d messages, want %d", len(ms), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and returns its files and
// a pool trusting it.
func selfSigned(t *testing.T) *certPEM {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &certPEM{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), pool: x509.NewCertPool()}
	if err := os.WriteFile(c.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	c.pool.AddCert(cert)
	return c
}

func tlsConfig(c *certPEM) *tls.Config {
	return &tls.Config{RootCAs: c.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
