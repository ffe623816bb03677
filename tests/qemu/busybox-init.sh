#!/bin/sh
# tests/qemu/busybox-init.sh: TEST SCAFFOLDING, NOT PART OF THE PRODUCT.
#
# A throwaway busybox /init that stands in for reseal's C boot mode, so the
# QEMU infrastructure (initramfs/build.sh, mkgolden.sh, boot.sh, lib.sh) can
# be proven before that mode exists (tests/qemu/t-infra.sh).  It does no
# reseal work: it mounts the API filesystems, loads /etc/reseal/modules in
# order with insmod, waits for root= (/dev/..., or UUID=/LABEL= through
# busybox findfs), mounts it on /sysroot (ro unless `rw`), moves /dev /proc
# /sys /run there and switch_roots to init= (default /sbin/init).
# The initramfs needs busybox at /bin/busybox and /bin/sh (build.sh --extra,
# --symlink).
#
# With reseal in the initramfs at /usr/sbin/reseal (tests/qemu/t-initrd.sh)
# it also stands in for a distribution's initramfs that runs `reseal
# initrd --device DEV` between finding the root and mounting it, and mounts
# the node that prints.
/bin/busybox mkdir -p /proc /sys /dev /run /sysroot /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
exec </dev/console >/dev/console 2>&1
say() { echo "busybox-init: $*"; }
fatal() { say "fatal: $*"; sleep 2; exit 1; }   # PID 1 exits: kernel panic, panic= applies

say "started (TEST SCAFFOLDING standing in for reseal's boot mode)"
if [ -f /etc/reseal/modules ]; then
	n=0
	while read -r m _; do
		case $m in '' | '#'*) continue ;; esac
		if insmod "$m"; then n=$((n + 1)); else say "insmod $m failed"; fi
	done </etc/reseal/modules
	say "$n modules loaded"
fi

root='' rootfstype='' rootflags='' mode=ro init=/sbin/init
for w in $(cat /proc/cmdline); do
	case $w in
	root=*) root=${w#root=} ;;
	rootfstype=*) rootfstype=${w#rootfstype=} ;;
	rootflags=*) rootflags=${w#rootflags=} ;;
	init=*) init=${w#init=} ;;
	ro) mode=ro ;;
	rw) mode=rw ;;
	esac
done
[ -n "$root" ] || fatal "no root= on the kernel command line"

i=0 dev=
while :; do
	case $root in
	/dev/*) [ -b "$root" ] && dev=$root ;;
	UUID=* | LABEL=*) dev=$(findfs "$root" 2>/dev/null) ;;
	*) fatal "root=$root: this scaffold knows /dev/*, UUID= and LABEL= only" ;;
	esac
	[ -n "$dev" ] && break
	i=$((i + 1))
	[ $i -gt 300 ] && fatal "root=$root did not appear in 30 s"
	sleep 0.1
done
say "root=$root is $dev after $i polls"
if [ -x /usr/sbin/reseal ]; then
	dev=$(/usr/sbin/reseal initrd --device "$dev" ${rootfstype:+--fstype "$rootfstype"}) ||
		fatal "reseal initrd exited $?"
	say "reseal initrd: the root is $dev"
fi

opts=$mode${rootflags:+,$rootflags}
mount ${rootfstype:+-t "$rootfstype"} -o "$opts" "$dev" /sysroot ||
	fatal "unable to mount $dev on /sysroot"
[ -x "/sysroot$init" ] || [ -L "/sysroot$init" ] || fatal "$init is not executable in the new root"
for m in /dev /proc /sys /run; do
	mount --move "$m" "/sysroot$m" || say "unable to move $m"
done
say "switch_root /sysroot $init"
exec switch_root /sysroot "$init" "$@"   # the kernel's unknown words, as for any init
