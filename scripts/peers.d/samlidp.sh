# A small SAML 2.0 identity provider for the SAML tests of auth/saml: our own
# program internal/peer/samlidp, on crewjam/saml's samlidp package. It is
# built from this repository, so VERSION follows its source.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VERSION=src-$(cat "$root/internal/peer/samlidp/main.go" "$root/go.sum" | sha256sum | cut -c1-16)
build() {
  (cd "$root" && go build -o "$1.tmp" ./internal/peer/samlidp) && mv "$1.tmp" "$1"
}
