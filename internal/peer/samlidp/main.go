// Command samlidp is a small SAML 2.0 identity provider for the tests of
// auth/saml, on crewjam/saml's samlidp package: it makes a signing key and
// certificate at start (writing the certificate to -cert-out), and knows two
// users, alice and bob, whose passwords are their names followed by "pass".
// Service providers register by PUT /services/<id> with their metadata.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"log"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/crewjam/saml/samlidp"
	"golang.org/x/crypto/bcrypt"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18443", "listen address")
	base := flag.String("url", "http://127.0.0.1:18443", "external base URL of the IdP")
	certOut := flag.String("cert-out", "", "write the IdP signing certificate (PEM) here")
	flag.Parse()

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}
	if *certOut != "" {
		if err := os.WriteFile(*certOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	u, err := url.Parse(*base)
	if err != nil {
		log.Fatal(err)
	}
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Signer: key, Certificate: cert, Store: &samlidp.MemoryStore{}})
	if err != nil {
		log.Fatal(err)
	}
	for _, usr := range []samlidp.User{
		{Name: "alice", Email: "alice@example.org", CommonName: "Alice Liddell", GivenName: "Alice", Surname: "Liddell", Groups: []string{"devs", "admins"}},
		{Name: "bob", Email: "bob@example.org", CommonName: "Bob Builder", GivenName: "Bob", Surname: "Builder", Groups: []string{"devs"}},
	} {
		usr.HashedPassword, err = bcrypt.GenerateFromPassword([]byte(usr.Name+"pass"), bcrypt.MinCost)
		if err != nil {
			log.Fatal(err)
		}
		if err := idp.Store.Put("/users/"+usr.Name, usr); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("SAML IdP on %s, metadata %s/metadata", *listen, *base)
	log.Fatal(http.ListenAndServe(*listen, idp))
}
