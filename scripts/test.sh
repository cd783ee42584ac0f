#!/usr/bin/env bash
# The test suite behind `make test` and CI: unit and integration tests
# (in-process servers, plus the real binary where the process matters) and
# the slow smoke tests, then a short run of each fuzz target.
#
# No test needs PostgreSQL or NATS yet, so scripts/services.sh (which
# installs and starts them) is not called; the tests that need them will.
set -euo pipefail
# PostgreSQL and NATS (JetStream) must run for the store/postgres and bus/nats tests.
"$(dirname "$0")/services.sh"
cd "$(dirname "$0")/.."

go test -count=1 -timeout 15m ./...
./scripts/web.sh test
./scripts/fuzz.sh
