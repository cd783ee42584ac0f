#!/usr/bin/env bash
# bench-scaleout.sh INSTANCES [RUNS] [liftoff-bench flags...]
#
# Starts INSTANCES liftoff processes on a fresh PostgreSQL database (the
# machine's, 127.0.0.1:5432) and a fresh NATS prefix (127.0.0.1:4222),
# puts nginx with deploy/nginx/liftoff.conf in front (also for one
# instance, so both cases pay the proxy), runs liftoff-bench's chat
# scenario against nginx RUNS times (default 3), and prints one line per
# run: achieved messages/s, deliveries/s, p50/p99 delivery latency, and
# the instances' summed RSS at the end. Everything it starts is stopped
# and the database dropped at the end. Needs bin/liftoff and
# bin/liftoff-bench (make build) and the nginx test peer
# (scripts/peers.sh nginx). Figures: docs/scaling.md.
set -euo pipefail
n=${1:?usage: bench-scaleout.sh INSTANCES [RUNS] [bench flags]}
runs=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${LIFTOFF_BIN:-$root/bin/liftoff}
bench=${BENCH_BIN:-$root/bin/liftoff-bench}
nginx=$("$root/scripts/peers.sh" nginx)
work=$(mktemp -d)
db=liftoff_bench_$$
prefix=bench_$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 300); do curl -fs "$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not ready: $1" >&2; return 1; }

for run in $(seq "$runs"); do
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  ports=() ipids=()
  for i in $(seq "$n"); do
    port=$(free_port)
    mkdir -p "$work/data$i"
    env PORT="$port" LIFTOFF_BIND=127.0.0.1 LIFTOFF_DATA_DIR="$work/data$i" \
      LIFTOFF_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" \
      LIFTOFF_NATS_URL=nats://127.0.0.1:4222 LIFTOFF_NATS_PREFIX="${prefix}_$run" LIFTOFF_TRUST_PROXY=true \
      ADMIN_USERNAME=admin ADMIN_PASS=adminpass ADMIN_EMAIL=admin@example.org LIFTOFF_BCRYPT_COST=4 \
      OVERWRITE_SETTING_API_Enable_Rate_Limiter=false LIFTOFF_LOG_LEVEL=warn \
      "$bin" serve 2>>"$work/liftoff$i.log" &
    pids+=($!) ipids+=($!) ports+=("$port")
    wait_ready "http://127.0.0.1:$port"
  done
  front=$(free_port)
  upstream=""
  for p in "${ports[@]}"; do upstream+="    server 127.0.0.1:$p;\n"; done
  sed -e '/^    server 127\.0\.0\.1:300[0-9]/d' -e "s|^    least_conn;|    least_conn;\n$upstream|" \
      -e "s|^    listen 80;|    listen 127.0.0.1:$front;|" "$root/deploy/nginx/liftoff.conf" >"$work/liftoff.conf"
  mkdir -p "$work/ngx"
  cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
user root;
events { worker_connections 8192; }
http { access_log off; client_body_temp_path $work/ngx/body; proxy_temp_path $work/ngx/proxy;
  fastcgi_temp_path $work/ngx/f; uwsgi_temp_path $work/ngx/u; scgi_temp_path $work/ngx/s; include $work/liftoff.conf; }
CONF
  "$nginx" -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
  npid=$!
  pids+=($npid)
  wait_ready "http://127.0.0.1:$front"
  "$bench" -url "http://127.0.0.1:$front" -admin-user admin -admin-pass adminpass -quiet \
    -scenario chat -json "$work/run$run.json" "$@" >"$work/run$run.md" || true
  rss=0
  for p in "${ipids[@]}"; do rss=$(( rss + $(awk '/VmRSS/{print $2}' "/proc/$p/status") )); done
  python3 - "$work/run$run.json" "$n" "$run" "$rss" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
r = doc["runs"][0]
ph = {p["name"]: p for p in r["phases"]}
post = next(p for n, p in ph.items() if n.startswith("post ("))
dl = ph["post\u2192delivery"]
d = r["delivery"]
print(f"instances={sys.argv[2]} run={sys.argv[3]} msgs_per_s={post['rate_per_sec']:.0f} deliveries_per_s={dl['rate_per_sec']:.0f} "
      f"post_p50_ms={post['latency']['p50_ms']:.0f} delivery_p50_ms={dl['latency']['p50_ms']:.0f} delivery_p99_ms={dl['latency']['p99_ms']:.0f} "
      f"lost={d['lost']} duplicates={d['duplicates']} rss_total_mib={int(sys.argv[4])//1024} passed={r['passed']}")
PY
  kill "$npid" "${ipids[@]}" 2>/dev/null || true
  wait "$npid" "${ipids[@]}" 2>/dev/null || true
  cp "$work/run$run.json" "/tmp/bench-scaleout-$n-$run.json"
done
