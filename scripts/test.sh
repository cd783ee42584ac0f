#!/usr/bin/env bash
# The test suite behind `make test` and CI: unit and integration tests
# (in-process servers, plus the real binary where the process matters) and
# the slow smoke tests, then the web client's tests. Fuzz targets run on
# their seed corpora (testdata/fuzz) inside `go test`; the random search is
# `make fuzz`, kept out of CI because a new finding there would make a run
# red that its code did not break: add each finding to the corpus instead.
set -euo pipefail
# PostgreSQL and NATS (JetStream) must run for the store/postgres, bus/nats,
# presence/cluster and auth/loginlimit tests and the scale-out tests of e2e.
"$(dirname "$0")/services.sh"
cd "$(dirname "$0")/.."

go test -count=1 -timeout 15m ./...
./scripts/web.sh test
