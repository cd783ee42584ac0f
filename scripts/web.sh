#!/usr/bin/env bash
# Builds and tests the web client in web/ (Node.js 20+ and npm; packages come
# from the npm registry with `npm ci`, pinned by web/package-lock.json).
#
#   scripts/web.sh build   install packages when missing or stale, then build
#                          the client into webui/dist when its sources changed
#                          (the Go binary embeds that folder). Without Node.js
#                          it says so and leaves the binary's how-to page.
#   scripts/web.sh test    build, type-check, unit tests (Vitest), then the
#                          browser tests: Debian's chromium (installed by
#                          scripts/peers.sh chromium) against the real binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/web
dist=$root/webui/dist

have_node() {
	command -v npm >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null
}

install() {
	if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
		(cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}

# stale: the build is missing, or a source file (anything in web/ but its
# packages and browser tests) is newer than it.
stale() {
	[ -f "$dist/index.html" ] || return 0
	[ -n "$(find "$web" \( -path "$web/node_modules" -o -path "$web/e2e" \) -prune -o -type f -newer "$dist/index.html" -print -quit)" ]
}

build() {
	install
	if stale; then
		(cd "$web" && npm run --silent build)
	fi
}

case "${1:-}" in
build)
	if ! have_node; then
		echo "scripts/web.sh: Node.js 20 or newer with npm is needed to build the web client;" >&2
		echo "  the server builds without it and its page at / says how to build the client." >&2
		exit 0
	fi
	build
	;;
test)
	have_node || { echo "scripts/web.sh: the web client's tests need Node.js 20 or newer with npm" >&2; exit 1; }
	build
	(cd "$web" && npx tsc -b && npx vitest run)
	chromium=$("$root/scripts/peers.sh" chromium)
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	(cd "$root" && go build -o "$out/liftoff" ./cmd/liftoff)
	(cd "$web" && LIFTOFF_BIN="$out/liftoff" CHROMIUM_PATH="$chromium" npx vitest run --config vitest.e2e.config.ts)
	;;
*)
	echo "usage: scripts/web.sh build|test" >&2
	exit 2
	;;
esac
