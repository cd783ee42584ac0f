#!/usr/bin/env bash
# Statement coverage of the transports and the domain (api, ddpapi, chat
# and their sub-packages) by the default test run, `go test ./...`: every
# test package counts, the in-process integration tests (e2e) included.
# Tests that run the real binary do not count (another process).
#
#   scripts/cover.sh              # prints one line per package and a total per area
#   COVERPROFILE=x.out scripts/cover.sh   # keeps the profile (default: a temp file)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${COVERPROFILE:-$(mktemp -t liftoff-cover.XXXXXX)}
go test -count=1 -timeout 15m -coverpkg=./api/...,./ddpapi/...,./chat/... -coverprofile="$profile" ./... >/dev/null

# The profile holds one line per block per test binary; a block is covered
# when any test binary ran it.
awk -F'[: ]' '
	NR == 1 { next }
	{
		key = $1 ":" $2
		stmts[key] = $3
		if ($4 > 0) hit[key] = 1
	}
	END {
		for (k in stmts) {
			file = k; sub(/:.*/, "", file)
			pkg = file; sub(/\/[^\/]*$/, "", pkg)
			area = pkg; sub(/^liftoff\//, "", area); sub(/\/.*/, "", area)
			total[pkg] += stmts[k]; areaTotal[area] += stmts[k]
			if (k in hit) { covered[pkg] += stmts[k]; areaCovered[area] += stmts[k] }
		}
		for (p in total) printf "%-28s %5.1f%%  (%d of %d statements)\n", p, 100 * covered[p] / total[p], covered[p], total[p] | "sort"
		close("sort")
		for (a in areaTotal) printf "%-28s %5.1f%%  (%d of %d statements)\n", a " (all)", 100 * areaCovered[a] / areaTotal[a], areaCovered[a], areaTotal[a] | "sort"
	}' "$profile"
if [ -z "${COVERPROFILE:-}" ]; then rm -f "$profile"; fi
