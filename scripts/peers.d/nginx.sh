# nginx from Debian, for the test that runs the shipped deploy/nginx.conf in
# front of several liftoff instances (e2e TestScaleOutThroughNginx). The
# test starts it with its own configuration, prefix and loopback port; the
# package's own service is not started (policy-rc.d forbids it during the
# install) and never used.
VERSION=debian-bookworm-1.22
build() {
  if ! dpkg -s nginx-light >/dev/null 2>&1; then
    local own=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own=1
    fi
    apt_install nginx-light
    [ -n "$own" ] && rm -f /usr/sbin/policy-rc.d
  fi
  ln -sf /usr/sbin/nginx "$1"
}
