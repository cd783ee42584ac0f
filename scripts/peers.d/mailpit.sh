# Mailpit (MIT), an SMTP server that keeps what it receives and shows it
# through a REST API, for the e-mail tests of notify/email. The tests start
# it with their own database file, ports and SMTP options (plain, STARTTLS
# with their own certificate, authentication from a password file).
VERSION=v1.27.11
build() {
  go_build "$1" "github.com/axllent/mailpit@$VERSION" github.com/axllent/mailpit
}
