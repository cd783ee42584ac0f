# Debian's Chromium, driven by the web client's browser tests (playwright-core
# launches it; no browser is downloaded). VERSION names this recipe: the
# browser is whatever Debian's current chromium package is, which the tests
# were written against from 156 on.
VERSION=debian-2

build() {
	apt_install chromium fonts-liberation fonts-noto-color-emoji
	test -x /usr/bin/chromium
	ln -sf /usr/bin/chromium "$1"
}
