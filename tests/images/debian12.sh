#!/bin/bash
# tests/images/debian12.sh: a real Debian 12 (bookworm) systemd disk image,
# the template the systemd boot test (tests/qemu/t-debian.sh) and
# bench/boot.sh clone.
#
#   tests/images/debian12.sh OUT.img [--rebuild]
#
# debootstrap --variant=minbase from http://deb.debian.org/debian plus
# systemd-sysv, udev, openssh-server (its postinst makes RSA, ECDSA and
# Ed25519 host keys, as on any Debian system), xfsprogs, dosfstools, kmod.
# No kernel in the image: the tests boot the host's cloud kernel with -kernel
# and reseal's own initramfs (its modules stay loaded after switch_root).
# A sparse raw disk laid out as Debian's installer would:
#   p1  ESP, vfat, 32 MiB (EFI/debian/grub.cfg: the stub grub-install writes)
#   p2  root, ext4, 1 GiB
#   p3  /srv, XFS, 300 MiB, mounted by PARTUUID=
#   p4  swap, 64 MiB
# fstab names /, /boot/efi and swap by UUID=, /srv by PARTUUID=.
# No reseal marker: the tests `reseal seal` a copy.
#
# The guest's report: reseal-report.service (Type=simple, so that the boot
# can finish while it waits) runs `systemctl is-system-running --wait`,
# prints the block between ==IDENTITY-BEGIN== and ==IDENTITY-END== on the
# console (sections as tests/qemu/README.md describes, plus system-state,
# failed-units, uptime, hostkey-files, sshd) and powers off.  getty.target
# is masked.
#
# Cache: the image and its OUT.img.env are built once into
# /var/tmp/reseal-cache/debian12-HASH/ (HASH: the sha256 of this script,
# tests/images/reseal-report and layout.sh, so any
# change here rebuilds) and copied (sparse) to OUT.img from there.
# OUT.img.env: DISK_GUID, *_PARTUUID, *_UUID, MACHINE_ID, HOSTKEY_* of the
# template.  Needs root and toolchain/qemu-deps.sh (debootstrap).
set -euo pipefail

usage() { sed -n '6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 100; }
die() { echo "debian12.sh: fatal: $*" >&2; exit 111; }

OUT='' REBUILD=0
while [ $# -gt 0 ]; do
	case $1 in
	--rebuild) REBUILD=1; shift ;;
	-h|--help) usage ;;
	-*) echo "debian12.sh: unknown option $1" >&2; usage ;;
	*) [ -z "$OUT" ] || usage; OUT=$1; shift ;;
	esac
done
[ -n "$OUT" ] || usage
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
for t in debootstrap sgdisk mkfs.ext4 mkfs.xfs mkfs.vfat mkswap mmd mcopy; do
	command -v $t >/dev/null || die "$t is missing (run toolchain/qemu-deps.sh)"
done

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
. "$(dirname "$0")/layout.sh"
KEY=$(cat "$0" "$(dirname "$0")/reseal-report" "$(dirname "$0")/layout.sh" | sha256sum | cut -c1-16)
CACHE=/var/tmp/reseal-cache/debian12-$KEY
copy_out() {
	cp --sparse=always "$CACHE/debian12.img" "$OUT"
	cp "$CACHE/debian12.img.env" "$OUT.env"
}
if [ $REBUILD = 0 ] && [ -s "$CACHE/debian12.img.env" ]; then
	copy_out
	echo "debian12: $OUT from the cache $CACHE"
	exit 0
fi

mkdir -p /var/tmp/reseal-cache
W=$(mktemp -d /var/tmp/reseal-cache/debian12-build.XXXXXX)
cleanup() {
	for m in proc sys dev/pts dev; do umount "$W/root/$m" 2>/dev/null || true; done
	# Never recurse into a mount (a bind-mounted /dev would be the host's).
	if grep -q " $W/" /proc/self/mounts; then
		echo "debian12.sh: still mounted under $W; not removed" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
start=$(date +%s)
IMG=$W/debian12.img
R=$W/root

# --- the root tree ---------------------------------------------------------------
debootstrap --variant=minbase --merged-usr \
	--include=systemd-sysv,udev,openssh-server,xfsprogs,dosfstools,kmod \
	bookworm "$R" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$W/debootstrap.log" >&2; die "debootstrap failed"; }
for m in proc sys dev/pts dev; do umount "$R/$m" 2>/dev/null || true; done
# Small: no package cache, lists, docs, man pages or locales.
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* "$R"/usr/share/doc/* \
	"$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/usr/share/locale/* "$R"/var/log/*.log \
	"$R"/var/cache/debconf/*-old
for t in rsa ecdsa ed25519; do
	[ -s "$R/etc/ssh/ssh_host_${t}_key.pub" ] || die "openssh-server made no $t host key"
done

# --- partition table, p1 ESP, p3 XFS, p4 swap (layout.sh) ------------------------
layout_partition 1440M 1024
layout_filesystems

# --- p2 root: configuration ------------------------------------------------------
layout_root_config

install -m 0755 "$(dirname "$0")/reseal-report" "$R/usr/local/sbin/reseal-report"
cat >"$R/etc/systemd/system/reseal-report.service" <<'EOF'
[Unit]
Description=Test image: report the identity on the console, then power off

[Service]
Type=simple
ExecStart=/usr/local/sbin/reseal-report

[Install]
WantedBy=multi-user.target
EOF
systemctl --root="$R" enable reseal-report.service >/dev/null 2>&1
# No login prompts: nothing logs in, and a console getty would cut into the
# report.  Masking getty@ alone leaves getty-static.service failing.
systemctl --root="$R" mask getty.target >/dev/null 2>&1
[ -L "$R/etc/systemd/system/multi-user.target.wants/reseal-report.service" ] ||
	die "reseal-report.service not enabled"

layout_root_fs

layout_env DISK_GUID ESP_PARTUUID ROOT_PARTUUID SRV_PARTUUID SWAP_PARTUUID ESP_UUID ROOT_UUID SRV_UUID SWAP_UUID MACHINE_ID

# Into the cache by one rename: a concurrent build of the same script that
# got there first wins, and a reader never sees half an entry.  Entries of
# older versions of this script go.
mkdir "$W/out"
mv "$IMG" "$IMG.env" "$W/out/"
[ $REBUILD = 0 ] || rm -rf "$CACHE"
mv -T "$W/out" "$CACHE" 2>/dev/null || [ -s "$CACHE/debian12.img.env" ] || die "cannot store $CACHE"
find /var/tmp/reseal-cache -maxdepth 1 -name 'debian12-*' ! -name 'debian12-grub-*' ! -name "debian12-$KEY" ! -name 'debian12-build.*' \
	-exec rm -rf {} +
copy_out
echo "debian12: built $CACHE in $(( $(date +%s) - start )) s ($(du -k "$CACHE/debian12.img" | cut -f1) KiB used)"
