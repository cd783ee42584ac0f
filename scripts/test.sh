#!/usr/bin/env bash
# The test suite behind `make test` and CI: unit and integration tests
# (in-process servers, plus the real binary where the process matters) and
# the slow smoke tests, then a short run of each fuzz target.
set -euo pipefail
# PostgreSQL and NATS (JetStream) must run for the store/postgres, bus/nats,
# presence/cluster and auth/loginlimit tests and the scale-out tests of e2e.
"$(dirname "$0")/services.sh"
cd "$(dirname "$0")/.."

go test -count=1 -timeout 15m ./...
./scripts/web.sh test
./scripts/fuzz.sh
