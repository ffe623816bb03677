#!/bin/sh
# Install, by Debian package name, what the ARM boot test needs
# (tests/qemu/t-arm-boot.sh): qemu-system-arm (which also provides
# qemu-system-aarch64), and, for each of arm64 and armhf, Debian's own kernel
# and a static busybox for the guest.  Foreign-architecture kernels cannot be
# installed on an amd64 host, so they are fetched with `apt-get download`
# (the meta-package resolved to its versioned linux-image-* package) and
# unpacked with `dpkg-deb -x` into a cache keyed by this script's hash:
#
#   /var/tmp/reseal-cache/arm-boot-KEY/DEBARCH/vmlinuz      the kernel
#   /var/tmp/reseal-cache/arm-boot-KEY/DEBARCH/kver         its version
#   /var/tmp/reseal-cache/arm-boot-KEY/DEBARCH/lib/modules/KVER/  with modules.dep
#   /var/tmp/reseal-cache/arm-boot-KEY/DEBARCH/busybox      busybox-static
#
# The packages ship no modules.dep; `depmod -b` writes it.  The foreign
# architectures are added as toolchain/cross-deps.sh adds them (either
# script may run first).
# Idempotent and quiet when warm.  Run as root.
#
# usage: toolchain/arm-boot-deps.sh [--print-cache]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
key=$(sha256sum "$0" | cut -c1-16)
dir=/var/tmp/reseal-cache/arm-boot-$key
if [ "${1:-}" = --print-cache ]; then echo "$dir"; exit 0; fi

sh "$here/apt-install.sh" qemu-system-arm kmod
[ -e "$dir/ready" ] && exit 0

sh "$here/foreign-arch.sh" busybox-static:arm64 busybox-static:armhf

work=$(mktemp -d /var/tmp/arm-boot-deps.XXXXXX)
trap 'rm -rf "$work" "$dir.tmp"' EXIT
rm -rf "$dir.tmp"
# DEBARCH KERNEL-FLAVOUR pairs: Debian's cloud kernel for arm64 (ext4 and
# virtio-pci's host bridge built in), the LPAE multiplatform kernel for armhf.
for pair in arm64:cloud-arm64 armhf:armmp-lpae; do
	a=${pair%%:*} flavour=${pair#*:}
	meta=linux-image-$flavour
	pkg=$(apt-cache show --no-all-versions "$meta:$a" | sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n 1)
	[ -n "$pkg" ] || { echo "arm-boot-deps: cannot resolve $meta:$a" >&2; exit 1; }
	echo "arm-boot-deps: $meta:$a -> $pkg; busybox-static:$a"
	mkdir -p "$work/$a" "$dir.tmp/$a"
	# apt-get download writes into the current directory as _apt.
	chmod 0755 "$work" && chmod 0777 "$work/$a"
	(cd "$work/$a" && apt-get download -q "$pkg:$a" "busybox-static:$a" >"$work/$a.log" 2>&1) ||
		{ cat "$work/$a.log" >&2; exit 1; }
	for deb in "$work/$a"/*.deb; do dpkg-deb -x "$deb" "$work/$a/x"; done
	kver=${pkg#linux-image-}
	mods=$work/$a/x/lib/modules/$kver
	[ -d "$mods" ] || mods=$work/$a/x/usr/lib/modules/$kver
	[ -f "$work/$a/x/boot/vmlinuz-$kver" ] && [ -d "$mods" ] ||
		{ echo "arm-boot-deps: $pkg has no vmlinuz-$kver or modules" >&2; exit 1; }
	mkdir -p "$dir.tmp/$a/lib/modules"
	mv "$mods" "$dir.tmp/$a/lib/modules/$kver"
	depmod -b "$dir.tmp/$a" "$kver"
	mv "$work/$a/x/boot/vmlinuz-$kver" "$dir.tmp/$a/vmlinuz"
	mv "$work/$a/x/bin/busybox" "$dir.tmp/$a/busybox"
	echo "$kver" >"$dir.tmp/$a/kver"
	rm -rf "$work/$a"
done
touch "$dir.tmp/ready"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
echo "arm-boot-deps: kernels and busybox ready in $dir"
