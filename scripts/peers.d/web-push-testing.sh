# web-push-testing (MIT, npm), a local Web Push service for the tests of
# notify/webpush: it hands out PushSubscriptions, checks the VAPID
# signature of each push, decrypts the RFC 8291 payload and returns the
# plaintexts through its API. The executable left here runs its server in
# the foreground (node src/bin/server.js PORT) instead of its CLI's
# "start", which forks a detached process that a test could not stop.
# Quirks: it listens on every interface (no host option) and hands out
# endpoints on "localhost"; POST /subscribe wants userVisibleOnly as the
# string "true"; the push body is read only with Content-Type
# application/octet-stream; it checks the VAPID signature and key but not
# the JWT's aud or exp; GET / answers 404 (good enough as a readiness
# probe); subscriptions live in memory only.
VERSION=1.2.2
build() {
  local dir="$PEERS/src/web-push-testing-$VERSION"
  command -v node >/dev/null || { echo "web-push-testing needs Node.js (node) on PATH" >&2; return 1; }
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "web-push-testing@$VERSION" >&2
  cat >"$1" <<WRAP
#!/bin/sh
exec node "$dir/node_modules/web-push-testing/src/bin/server.js" "\$@"
WRAP
  chmod +x "$1"
}
