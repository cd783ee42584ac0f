# NATS server with JetStream (Apache-2.0), Debian's package: the bus tests
# that stop and restart a server of their own (internal/natstest.Start).
VERSION=2.9.10

build() {
  apt_install nats-server
  local have
  have=$(/usr/sbin/nats-server --version)
  case "$have" in
    *"v$VERSION"*) ;;
    *) echo "nats-server: Debian's package is $have, not v$VERSION: update VERSION in scripts/peers.d/nats-server.sh" >&2; return 1 ;;
  esac
  ln -sf /usr/sbin/nats-server "$1"
}
