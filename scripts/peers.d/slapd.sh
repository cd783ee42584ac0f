# OpenLDAP's slapd from Debian, for the LDAP tests of auth/ldap. The tests run
# it with their own slapd.conf, data directory and port; the package's own
# instance is never used. The executable left here is a link to the
# package's program; the schema files it needs are in /etc/ldap/schema.
VERSION=debian-bookworm-2.5
build() {
  apt_install slapd ldap-utils
  ln -sf /usr/sbin/slapd "$1"
}
