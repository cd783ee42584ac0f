#!/usr/bin/env bash
# Installs the real servers that integration tests talk to (test peers) and
# prints the path of each one's executable, one line per name given.
#
#   scripts/peers.sh NAME...    make sure each peer exists, print its path
#   scripts/peers.sh all        every peer in scripts/peers.d (CI warms them all)
#
# Each peer is described by scripts/peers.d/NAME.sh, which sets VERSION (pinned)
# and defines build OUT: put an executable at OUT (a binary built from the Go
# module proxy, or a link to a Debian package's program installed with apt-get,
# or a wrapper script for an npm package). Builds are cached across clones in
# $LIFTOFF_PEERS (default ~/.cache/liftoff-peers): bin/NAME-VERSION is reused
# while it exists, so a version bump rebuilds. A lock per peer lets several test
# processes ask at once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PEERS=${LIFTOFF_PEERS:-$HOME/.cache/liftoff-peers}
mkdir -p "$PEERS/bin" "$PEERS/src"

names=("$@")
if [ "${1:-}" = all ]; then
  names=()
  for f in "$root"/scripts/peers.d/*.sh; do names+=("$(basename "$f" .sh)"); done
fi

# go_build OUT MODULE@VERSION PACKAGE: builds PACKAGE in a throw-away wrapper
# module (go install refuses modules with replace directives).
go_build() {
  local out=$1 modver=$2 pkg=$3 dir
  dir=$(mktemp -d "$PEERS/src/build.XXXXXX")
  (cd "$dir" && go mod init peerbuild >/dev/null 2>&1 && GOFLAGS=-mod=mod go get "$modver" && GOFLAGS=-mod=mod go build -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  rm -rf "$dir"
}

# apt_install PKG...: installs Debian packages when missing (needs root).
apt_install() {
  local missing=()
  for p; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
export -f go_build apt_install

for name in "${names[@]}"; do
  f="$root/scripts/peers.d/$name.sh"
  [ -f "$f" ] || { echo "peers.sh: unknown peer $name (no $f)" >&2; exit 2; }
  (
    unset VERSION
    # shellcheck source=/dev/null
    source "$f"
    out="$PEERS/bin/$name-$VERSION"
    exec 9>"$PEERS/.$name.lock"
    flock 9
    if [ ! -x "$out" ]; then
      echo "peers.sh: installing $name $VERSION" >&2
      build "$out" >&2
      [ -x "$out" ] || { echo "peers.sh: building $name left no executable at $out" >&2; exit 1; }
    fi
    echo "$out"
  )
done
