#!/bin/sh
# Install, by Debian package name, what the QEMU boot tests need (tests/qemu/,
# initramfs/build.sh): QEMU (TCG is enough), Debian's cloud kernel (its
# vmlinuz boots the tests; its modules go into the test initramfs), busybox,
# OVMF (UEFI firmware for the UEFI boot of tests/qemu/t-esp-entropy.sh),
# the image tools (debootstrap: tests/images/debian12.sh), and the OpenSSH
# server whose sshd is copied into the golden image.  Idempotent like
# toolchain/deps.sh: packages already present are not fetched again.  Run as
# root.
set -eu

PKGS="
qemu-system-x86 ovmf
linux-image-cloud-amd64 kmod
busybox-static cpio
gdisk dosfstools mtools e2fsprogs xfsprogs util-linux
debootstrap
openssh-server openssh-client
xz-utils zstd
python3
"

# shellcheck disable=SC2086
exec sh "$(dirname "$0")/apt-install.sh" $PKGS
