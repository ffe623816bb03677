#!/bin/sh
# /sbin/init of the QEMU test golden image (installed by tests/qemu/mkgolden.sh).
# TEST SCAFFOLDING: a busybox sh PID 1 that stands in for systemd.  It
#   1. mounts the API filesystems (or keeps those the initramfs moved here),
#      remounts / rw, mounts the fstab filesystems (mount -a) and swap
#      (swapon -a) with util-linux, which resolves UUID= and PARTUUID=;
#   2. prints the identity block between ==IDENTITY-BEGIN== and
#      ==IDENTITY-END== on the console, in sections "--- NAME"
#      (tests/qemu/lib.sh: identity, identity_section);
#   3. with test.sshd=1 on the kernel command line: brings up eth0 statically
#      (10.0.2.15/24 via 10.0.2.2, QEMU user networking), starts sshd, prints
#      ==SSHD-READY== and waits until /tmp/poweroff exists or
#      test.timeout=S seconds (default 120) pass;
#   4. stops every process, swapoff, unmounts / remounts read-only, syncs,
#      prints ==POWEROFF== and powers off.
# It never exits: PID 1 exiting would panic the kernel.
# Debian's static busybox runs its own applets before searching PATH
# (FEATURE_SH_STANDALONE), so util-linux's mount, umount, swapon and swapoff
# are called by full path; busybox has no blkid, so blkid is util-linux's
# (an ARM guest, mkgolden.sh --guest-busybox, has busybox alone: no blkid).
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

# mounted DIR: DIR is a mount point (busybox here has no mountpoint applet)
mounted() { [ -r /proc/self/mounts ] && awk -v m="$1" '$2 == m { f = 1 } END { exit !f }' /proc/self/mounts; }
[ -r /proc/self/mounts ] || mount -t proc -o nosuid,nodev,noexec proc /proc
mounted /sys || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mounted /dev || mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts
mounted /dev/pts || mount -t devpts -o nosuid,noexec,gid=5,mode=620 devpts /dev/pts
mounted /run || mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp

cmdline=$(cat /proc/cmdline)
arg() {  # arg NAME: value of NAME= on the kernel command line
	for w in $cmdline; do
		case $w in "$1"=*) echo "${w#*=}"; return 0 ;; esac
	done
	return 1
}
say() { echo "golden-init: $*"; }
up() { say "uptime $(cut -d' ' -f1 /proc/uptime) s: $*"; }

up "PID $$, argv: $0 $*"
# What udev would do: /dev/disk/by-{uuid,partuuid,label,partlabel} links.
# util-linux resolves UUID=/LABEL= without them, but not PARTUUID=.
devs='' blkid=''
command -v blkid >/dev/null && blkid=blkid
for b in /sys/class/block/*; do
	n=${b##*/}
	case $n in loop* | ram* | sr* | zram*) continue ;; esac
	[ -b "/dev/$n" ] && devs="$devs /dev/$n"
done
for d in ${blkid:+$devs}; do
	blkid -c /dev/null -o export "$d" | while IFS='=' read -r k v; do
		case $k in
		UUID) l=by-uuid ;; PARTUUID) l=by-partuuid ;;
		LABEL) l=by-label ;; PARTLABEL) l=by-partlabel ;;
		*) continue ;;
		esac
		mkdir -p "/dev/disk/$l"
		ln -sfn "../../${d#/dev/}" "/dev/disk/$l/$(echo "$v" | sed 's/ /\\x20/g')"
	done
done
say "root at hand-over: $(awk '$2 == "/" { split($4, o, ","); print o[1] }' /proc/mounts)"
/usr/bin/mount -o remount,rw / || say "remount rw / failed"
hostname -F /etc/hostname 2>/dev/null
/usr/bin/mount -a; say "mount -a: rc=$?"
/usr/sbin/swapon -a; say "swapon -a: rc=$?"

# Keep kernel messages from cutting into the block's lines.
printk=$(cat /proc/sys/kernel/printk)
echo 1 >/proc/sys/kernel/printk
section() { echo "--- $1"; }
echo "==IDENTITY-BEGIN=="
section machine-id;     cat /etc/machine-id
section hostname;       cat /etc/hostname
section hostkeys;       cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null
section blkid;          [ -z "$blkid" ] || blkid -c /dev/null $devs
if [ -x /usr/sbin/reseal ]; then
	for d in $devs; do
		section "reseal-probe $d"; /usr/sbin/reseal probe "$d" 2>&1; echo "rc=$?"
	done
	section reseal-status;  /usr/sbin/reseal status 2>&1; echo "rc=$?"
fi
section reseal-dir;     ls -A1 /etc/reseal 2>&1
section fstab;          cat /etc/fstab
section kernel-cmdline; cat /etc/kernel/cmdline
section grub.cfg;       cat /boot/grub/grub.cfg
for f in /boot/efi/EFI/*/grub.cfg /boot/efi/loader/entries/*.conf; do
	[ -f "$f" ] && { section "esp ${f#/boot/efi/}"; cat "$f"; }
done
section mounts;         grep -E '^/dev/' /proc/mounts
section swaps;          tail -n +2 /proc/swaps
section proc-cmdline;   echo "$cmdline"
echo "==IDENTITY-END=="
echo "$printk" >/proc/sys/kernel/printk
up "identity printed"

if [ "$(arg test.sshd)" = 1 ]; then
	ip link set lo up
	ip link set eth0 up &&
		ip addr add 10.0.2.15/24 dev eth0 &&
		ip route add default via 10.0.2.2 || say "network setup failed"
	mkdir -p /run/sshd && chmod 0755 /run/sshd
	/usr/sbin/sshd -D -e &
	i=0
	until netstat -ltn 2>/dev/null | grep -q ':22 '; do
		i=$((i + 1)); [ $i -gt 300 ] && break
		sleep 0.1
	done
	if [ $i -gt 300 ]; then say "sshd is not listening"; else echo "==SSHD-READY=="; up "sshd ready"; fi
	timeout=$(arg test.timeout) || timeout=120
	end=$(( $(cut -d. -f1 /proc/uptime) + timeout ))
	while [ ! -e /tmp/poweroff ] && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		sleep 0.2
	done
	if [ -e /tmp/poweroff ]; then say "poweroff requested"; else say "timed out after ${timeout}s"; fi
fi

up "shutting down"
kill -TERM -1 2>/dev/null; sleep 0.3; kill -KILL -1 2>/dev/null
/usr/sbin/swapoff -a
sync
/usr/bin/umount -a -r -t ext4,xfs,vfat,btrfs 2>/dev/null
/usr/bin/mount -o remount,ro / || say "remount ro / failed"
sync
echo "==POWEROFF=="
poweroff -f
say "poweroff failed"
while :; do sleep 60; done
