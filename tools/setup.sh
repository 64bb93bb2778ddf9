#!/bin/sh
# Installs what briefmap needs (Debian packages, pinned npm packages, prepared data) and builds it.
# Idempotent: a second run only checks stamps. Usage: tools/setup.sh [run|test|bench]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode="${1:-run}"

say() { printf 'briefmap setup: %s\n' "$*" >&2; }

pkgs="gcc libc6-dev pkg-config meson ninja-build git ca-certificates
libgdal-dev gdal-bin libgeos-dev libproj-dev proj-data libcairo2-dev libpango1.0-dev libpng-dev libdeflate-dev libwebp-dev
libmicrohttpd-dev libjson-c-dev libsqlite3-dev zlib1g-dev fonts-noto-core fonts-dejavu-core python3"
if [ "$mode" = test ]; then
	pkgs="$pkgs libcmocka-dev chromium poppler-utils libxml2-utils proj-bin clang libclang-rt-14-dev
nginx-light wrk postgresql-15 postgresql-15-postgis-3 systemd"
fi
if [ "$mode" = bench ]; then
	pkgs="$pkgs python3-mapnik mapserver-bin nginx-light wrk time"
fi
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing Debian packages:$missing"
	if [ "$(id -u)" != 0 ]; then
		say "run as root (or install these packages first):$missing"
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >&2
fi

# The tests run PostgreSQL as an ordinary user (it refuses root), which must be able to reach
# its programs: a root folder unpacked with mode 700 (as some minimal chroots are) is opened.
if [ "$mode" = test ] && [ "$(id -u)" = 0 ] && [ "$(stat -c %a /)" != 755 ]; then
	say "the root folder is mode $(stat -c %a /); making it 755 so that other users can reach /usr"
	chmod 755 /
fi

# npm packages pinned by the committed lockfile; reinstalled only when it changes.
lockhash=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f node_modules/.briefmap-lock ] || [ "$(cat node_modules/.briefmap-lock)" != "$lockhash" ]; then
	say "installing npm packages (package-lock.json)"
	npm ci --no-audit --no-fund --loglevel=error >&2
	echo "$lockhash" > node_modules/.briefmap-lock
fi

tools/prepare-data.sh "$top/var/data"

# Serving needs no test dependency: the test suite is configured only by the test set-up.
tests=false
[ "$mode" = test ] && tests=true
builddir="$top/build"
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" --buildtype=release -Dwerror=true -Dtests=$tests >&2
elif [ "$tests" = true ]; then
	meson configure "$builddir" -Dtests=true >&2
fi
ninja -C "$builddir" >&2
