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
# /var/tmp/reseal-cache/debian12-HASH/ (HASH: the sha256 of this script and
# tests/images/reseal-report, so any
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
KEY=$(cat "$0" "$(dirname "$0")/reseal-report" | sha256sum | cut -c1-16)
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

uuid() { cat /proc/sys/kernel/random/uuid; }
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# --- partition table -------------------------------------------------------------
truncate -s 1440M "$IMG"
sgdisk -n1:2048:+32M -t1:EF00 -c1:"EFI System Partition" \
	-n2:0:+1024M -t2:8304 -c2:root \
	-n3:0:+300M -t3:8300 -c3:srv \
	-n4:0:+64M -t4:8200 -c4:swap "$IMG" >"$W/sgdisk.log" 2>&1 ||
	{ cat "$W/sgdisk.log" >&2; die "sgdisk failed"; }
declare -A P_FIRST P_LAST P_GUID
for n in 1 2 3 4; do
	sgdisk -i $n "$IMG" >"$W/part$n"
	P_FIRST[$n]=$(sed -n 's/^First sector: \([0-9]*\).*/\1/p' "$W/part$n")
	P_LAST[$n]=$(sed -n 's/^Last sector: \([0-9]*\).*/\1/p' "$W/part$n")
	P_GUID[$n]=$(sed -n 's/^Partition unique GUID: //p' "$W/part$n" | tr A-F a-f)
done
DISK_GUID=$(sgdisk -p "$IMG" | sed -n 's/^Disk identifier (GUID): //p' | tr A-F a-f)
# shellcheck disable=SC2034 # written to the .env through ${!v}
ESP_PARTUUID=${P_GUID[1]} ROOT_PARTUUID=${P_GUID[2]} SRV_PARTUUID=${P_GUID[3]} SWAP_PARTUUID=${P_GUID[4]}
[ -n "$DISK_GUID" ] && [ -n "$SWAP_PARTUUID" ] || die "sgdisk wrote no partition table"
ESP_ID=$(hex 4 | tr a-f A-F)
ESP_UUID=${ESP_ID:0:4}-${ESP_ID:4:4}
ROOT_UUID=$(uuid) SRV_UUID=$(uuid) SWAP_UUID=$(uuid)
MACHINE_ID=$(hex 16)

mkpart() { truncate -s $(( (P_LAST[$1] - P_FIRST[$1] + 1) * 512 )) "$2"; }
putpart() {
	dd if="$2" of="$IMG" bs=1M oflag=seek_bytes seek=$(( P_FIRST[$1] * 512 )) \
		conv=sparse,notrunc status=none
	rm -f "$2"
}

# --- p1 ESP, p3 XFS, p4 swap -----------------------------------------------------
mkpart 1 "$W/p1"
mkfs.vfat -i "$ESP_ID" -n ESP "$W/p1" >/dev/null
mkdir -p "$W/esp/EFI/debian"
printf "search.fs_uuid %s root hd0,gpt2\nset prefix=(\$root)'/boot/grub'\nconfigfile \$prefix/grub.cfg\n" \
	"$ROOT_UUID" >"$W/esp/EFI/debian/grub.cfg"
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$W/p1" "$W/esp/EFI" ::/
putpart 1 "$W/p1"
mkpart 3 "$W/p3"
mkfs.xfs -q -f -m uuid="$SRV_UUID" -L srv "$W/p3"
putpart 3 "$W/p3"
mkpart 4 "$W/p4"
mkswap -U "$SWAP_UUID" -L swap "$W/p4" >"$W/mkswap.log" 2>&1 || { cat "$W/mkswap.log" >&2; die "mkswap failed"; }
putpart 4 "$W/p4"

# --- p2 root: configuration ------------------------------------------------------
echo "$MACHINE_ID" >"$R/etc/machine-id"
echo debian12-template >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian12-template\n' >"$R/etc/hosts"
mkdir -p "$R/boot/efi" "$R/srv"
cat >"$R/etc/fstab" <<EOF
# /etc/fstab: static file system information.
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
UUID=$ROOT_UUID /               ext4    errors=remount-ro 0       1
UUID=$ESP_UUID  /boot/efi       vfat    umask=0077      0       1
PARTUUID=$SRV_PARTUUID /srv     xfs     defaults        0       2
UUID=$SWAP_UUID none            swap    sw              0       0
EOF

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

mkpart 2 "$W/p2"
mkfs.ext4 -q -F -U "$ROOT_UUID" -L root -d "$R" "$W/p2"
putpart 2 "$W/p2"

{
	echo "# identifiers of the Debian 12 template (tests/images/debian12.sh)"
	for v in DISK_GUID ESP_PARTUUID ROOT_PARTUUID SRV_PARTUUID SWAP_PARTUUID \
		ESP_UUID ROOT_UUID SRV_UUID SWAP_UUID MACHINE_ID; do
		echo "$v=${!v}"
	done
	for k in "$R"/etc/ssh/ssh_host_*_key.pub; do
		t=${k##*/ssh_host_}; t=${t%_key.pub}
		echo "HOSTKEY_${t^^}='$(cut -d' ' -f1,2 "$k")'"
	done
} >"$IMG.env"

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
