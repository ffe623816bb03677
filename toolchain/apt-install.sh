#!/bin/sh
# toolchain/apt-install.sh PKG...: install the Debian packages that are not
# installed yet (idempotent; `apt-get update` at most every 12 hours).
# Used by deps.sh and qemu-deps.sh.  Run as root.
set -eu

missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/reseal-update-stamp
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
	apt-get update -q
	mkdir -p "${stamp%/*}" && touch "$stamp"
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
