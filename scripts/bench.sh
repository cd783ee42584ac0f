#!/usr/bin/env bash
# make bench: start a fresh embedded server and run the standard load suite
# against it; the Markdown table goes to stdout, the JSON report to
# bench-report.json.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/liftoff ./cmd/liftoff
go build -o bin/liftoff-bench ./cmd/liftoff-bench
exec bin/liftoff-bench -spawn bin/liftoff -suite "${SUITE:-standard}" -json "${REPORT:-bench-report.json}" "$@"
