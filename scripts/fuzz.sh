#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each. The default is a count of
# executions, not a duration: with a duration, Go 1.26's fuzz coordinator
# can report a spurious "context deadline exceeded" on a loaded machine
# (go.dev/issue/75804, fixed in Go 1.27).
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-100000x}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz $pkg $f ($t)"
    go test -run='^$' -fuzz="^${f}\$" -fuzztime="$t" "$pkg"
  done
done
