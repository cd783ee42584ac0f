# Dex, an OpenID Connect provider (Apache-2.0), for the OAuth/OIDC tests of
# auth/oauth. Dex's tags are v2.x but its go.mod says module
# github.com/dexidp/dex, so the proxy serves releases only as pseudo-versions:
# this one is the commit of tag v2.45.1. Its go.mod has a replace directive,
# hence the wrapper-module build of go_build.
VERSION=v0.0.0-20260303133905-11d2eeb52b42
build() {
  go_build "$1" "github.com/dexidp/dex/cmd/dex@$VERSION" github.com/dexidp/dex/cmd/dex
}
