#!/bin/sh
# Install, by Debian package name, everything reseal needs to build and test.
# Idempotent: packages already present are not fetched again. Run as root.
set -eu

PKGS="
build-essential musl-tools libbearssl-dev dpkg-dev
clang libclang-rt-14-dev
valgrind libsodium-dev
python3 python3-cryptography
openssh-client openssh-server dropbear-bin
e2fsprogs xfsprogs btrfs-progs dosfstools gdisk fdisk mtools util-linux strace
file
"

missing=
for p in $PKGS; do
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
