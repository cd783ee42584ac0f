# Dendrite (matrix-org/dendrite, Apache-2.0; not the AGPL element-hq fork), a
# Matrix homeserver for the bridge tests of matrixbridge. OUT is a directory-free
# wrapper: the build puts dendrite, generate-keys, generate-config and
# create-account next to each other ($OUT.d/) and OUT is a small script that
# runs one of them by name: `OUT dendrite ...`, `OUT generate-keys ...`.
VERSION=v0.13.8
build() {
  local out=$1 dir
  dir=$(mktemp -d "$PEERS/src/build.XXXXXX")
  mkdir -p "$out.d"
  (cd "$dir" && go mod init peerbuild >/dev/null 2>&1 && GOFLAGS=-mod=mod go get "github.com/matrix-org/dendrite@$VERSION" &&
    for c in dendrite generate-keys generate-config create-account; do
      GOFLAGS=-mod=mod go build -o "$out.d/$c" "github.com/matrix-org/dendrite/cmd/$c" || exit 1
    done)
  rm -rf "$dir"
  cat >"$out.tmp" <<EOS
#!/bin/sh
cmd=\$1; shift
exec "$out.d/\$cmd" "\$@"
EOS
  chmod +x "$out.tmp"
  mv "$out.tmp" "$out"
}
