# webdavd: our own small WebDAV server (internal/peer/webdavd, on
# golang.org/x/net/webdav at the version go.mod pins); the WebDAV peer of
# the files/webdav contract tests. The version is a digest of its source and
# of go.sum, so any change rebuilds it.
VERSION=$(cat "$root/internal/peer/webdavd/main.go" "$root/go.sum" | sha256sum | cut -c1-12)
build() {
  (cd "$root" && go build -o "$1.tmp" ./internal/peer/webdavd && mv "$1.tmp" "$1")
}
