#!/usr/bin/env bash
# The test suite behind `make test` and CI: unit and end-to-end tests
# (which start the real binary), then a short run of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/services.sh

go test -count=1 -timeout 15m ./...
./scripts/web.sh test
./scripts/fuzz.sh
