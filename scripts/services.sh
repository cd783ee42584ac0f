#!/usr/bin/env bash
# Makes sure the local services the tests use are running (PostgreSQL and
# NATS are used by the scale-out tests). Starting them needs root; where
# they are missing entirely, this installs them from Debian's packages.
set -uo pipefail
have_port() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

if ! have_port 5432; then
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || echo "warning: could not start PostgreSQL" >&2
fi
if ! have_port 4222; then
  if ! command -v /usr/sbin/nats-server >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nats-server >/dev/null
  fi
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server \
    || echo "warning: could not start NATS" >&2
fi
exit 0
