#!/bin/sh
# Install, by Debian package name, everything reseal needs to build and test.
# Idempotent (toolchain/apt-install.sh). Run as root.
set -eu

PKGS="
build-essential musl-tools libbearssl-dev dpkg-dev
clang libclang-rt-14-dev
valgrind libsodium-dev
python3 python3-cryptography
openssh-client openssh-server dropbear-bin
e2fsprogs xfsprogs btrfs-progs dosfstools gdisk fdisk mtools util-linux strace
file
scdoc man-db
"

# shellcheck disable=SC2086
exec sh "$(dirname "$0")/apt-install.sh" $PKGS
