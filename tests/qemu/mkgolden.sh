#!/bin/bash
# tests/qemu/mkgolden.sh: build the QEMU test golden disk (the tests in tests/qemu/).
#
#   tests/qemu/mkgolden.sh OUT.img [--reseal BIN] [--no-marker] [--pubkey FILE]
#                          [--conf FILE] [--esp-fat 16|32] [--size MiB]
#                          [--guest-busybox BIN] [--esp-serial XXXXXXXX]
#
# A sparse raw image with a GPT:
#   p1  ESP, vfat (FAT32 by default), 64 MiB, type EF00: EFI/BOOT/BOOTX64.EFI
#       (a placeholder file), EFI/BOOT/grub.cfg and
#       EFI/debian/grub.cfg stubs (search.fs_uuid ROOT root hd0,gpt2, as
#       Debian's grub-install writes them), loader/loader.conf and a BLS entry
#       loader/entries/debian.conf (root=PARTUUID=)
#   p2  root, ext4, 600 MiB, type 8304: busybox, a real OpenSSH sshd with the
#       libraries it needs, util-linux mount/umount/swapon/swapoff/blkid
#       (busybox resolves neither PARTUUID= nor has blkid), /sbin/init =
#       tests/qemu/golden-init.sh, fstab naming p1 by UUID=XXXX-XXXX, p3 by
#       UUID= and p4 by PARTUUID=, /etc/kernel/cmdline and /boot/grub/grub.cfg
#       naming root=UUID=, a machine-id, ssh-keygen -A host keys, the
#       template marker /etc/reseal/template (unless --no-marker) and
#       /etc/reseal/reseal.conf ("types = ed25519 ecdsa" unless --conf)
#   p3  /srv, XFS, 300 MiB (xfsprogs 6.1 refuses less than 300 MiB)
#   p4  swap, 32 MiB
# --esp-serial: the ESP's serial (8 hex digits; random by default): t-boot.sh
# gives one of digits only, whose fstab line shows no case of its own.
# --guest-busybox BIN: a guest of another architecture (the ARM boot test):
# BIN, its static busybox, replaces the host's, and the host's sshd and
# util-linux programs are left out, so the guest has busybox's mount and
# swapon and no sshd or blkid (the test checks the disk from the host).
# No loop device or mount is used: each filesystem is made in a scratch file
# (the root with mkfs.ext4 -d) and copied in at its partition's offset.
#
# Side files: OUT.img.env (shell-sourceable identifiers of the template:
# DISK_GUID, *_PARTUUID, *_UUID, MACHINE_ID, HOSTKEY_*), and, without
# --pubkey, OUT.img.key / OUT.img.key.pub (the client key root may log in
# with).  Needs root (file ownership in the root fs); see
# toolchain/qemu-deps.sh for the packages.
set -euo pipefail

usage() { sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 100; }
die() { echo "mkgolden.sh: fatal: $*" >&2; exit 111; }

OUT='' RESEAL_BIN='' MARKER=1 PUBKEY='' CONF='' FAT=32 SIZE=1024 GUEST_BB='' ESP_ID=''
while [ $# -gt 0 ]; do
	case $1 in
	--reseal) RESEAL_BIN=${2:?}; shift 2 ;;
	--no-marker) MARKER=0; shift ;;
	--pubkey) PUBKEY=${2:?}; shift 2 ;;
	--conf) CONF=${2:?}; shift 2 ;;
	--esp-fat) FAT=${2:?}; shift 2 ;;
	--size) SIZE=${2:?}; shift 2 ;;
	--guest-busybox) GUEST_BB=${2:?}; shift 2 ;;
	--esp-serial) ESP_ID=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "mkgolden.sh: unknown option $1" >&2; usage ;;
	*) [ -z "$OUT" ] || usage; OUT=$1; shift ;;
	esac
done
[ -n "$OUT" ] || usage
case $FAT in 16|32) ;; *) usage ;; esac
case $ESP_ID in '' | [0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]) ;; *) usage ;; esac
[ "$(id -u)" = 0 ] || die "needs root (root-owned files in the image)"
for t in sgdisk mkfs.ext4 mkfs.xfs mkfs.vfat mkswap mmd mcopy ssh-keygen busybox; do
	command -v $t >/dev/null || die "$t is missing (run toolchain/qemu-deps.sh)"
done
[ -z "$RESEAL_BIN" ] || [ -x "$RESEAL_BIN" ] || die "--reseal $RESEAL_BIN: not executable"
[ -z "$GUEST_BB" ] || [ -f "$GUEST_BB" ] || die "--guest-busybox $GUEST_BB: no such file"
HERE=$(cd "$(dirname "$0")" && pwd)

W=$(mktemp -d "${TMPDIR:-/tmp}/mkgolden.XXXXXX")
trap 'rm -rf "$W"' EXIT
start=$(date +%s.%N)

uuid() { cat /proc/sys/kernel/random/uuid; }
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# --- partition table ---------------------------------------------------------
rm -f "$OUT"
truncate -s "${SIZE}M" "$OUT"
sgdisk -n1:2048:+64M -t1:EF00 -c1:"EFI System Partition" \
	-n2:0:+600M -t2:8304 -c2:root \
	-n3:0:+300M -t3:8300 -c3:srv \
	-n4:0:+32M -t4:8200 -c4:swap "$OUT" >"$W/sgdisk.log" 2>&1 ||
	{ cat "$W/sgdisk.log" >&2; die "sgdisk failed"; }
# P_FIRST[N], P_LAST[N] (sectors) and P_GUID[N] (lowercase) of each partition
declare -A P_FIRST P_LAST P_GUID
for n in 1 2 3 4; do
	sgdisk -i $n "$OUT" >"$W/part$n"
	P_FIRST[$n]=$(sed -n 's/^First sector: \([0-9]*\).*/\1/p' "$W/part$n")
	P_LAST[$n]=$(sed -n 's/^Last sector: \([0-9]*\).*/\1/p' "$W/part$n")
	P_GUID[$n]=$(sed -n 's/^Partition unique GUID: //p' "$W/part$n" | tr A-F a-f)
done
DISK_GUID=$(sgdisk -p "$OUT" | sed -n 's/^Disk identifier (GUID): //p' | tr A-F a-f)
# shellcheck disable=SC2034 # written to OUT.env through ${!v}
ESP_PARTUUID=${P_GUID[1]} ROOT_PARTUUID=${P_GUID[2]}
# shellcheck disable=SC2034
SRV_PARTUUID=${P_GUID[3]} SWAP_PARTUUID=${P_GUID[4]}
[ -n "$DISK_GUID" ] && [ -n "$SWAP_PARTUUID" ] || die "sgdisk wrote no partition table"

ESP_ID=$(echo "${ESP_ID:-$(hex 4)}" | tr a-f A-F)
ESP_UUID=${ESP_ID:0:4}-${ESP_ID:4:4}
ROOT_UUID=$(uuid) SRV_UUID=$(uuid) SWAP_UUID=$(uuid)
MACHINE_ID=$(hex 16)

# mkpart N FILE: a scratch file exactly the size of partition N
mkpart() { truncate -s $(( (P_LAST[$1] - P_FIRST[$1] + 1) * 512 )) "$2"; }
# putpart N FILE: copy FILE into partition N, keeping the image sparse
putpart() {
	dd if="$2" of="$OUT" bs=1M oflag=seek_bytes seek=$(( P_FIRST[$1] * 512 )) \
		conv=sparse,notrunc status=none
}

# --- p1: ESP -----------------------------------------------------------------
mkpart 1 "$W/esp.img"
mkfs.vfat -F "$FAT" -i "$ESP_ID" -n ESP "$W/esp.img" >/dev/null
stub="search.fs_uuid $ROOT_UUID root hd0,gpt2
set prefix=(\$root)'/boot/grub'
configfile \$prefix/grub.cfg"
mkdir -p "$W/esp/EFI/BOOT" "$W/esp/EFI/debian" "$W/esp/loader/entries"
echo "$stub" >"$W/esp/EFI/BOOT/grub.cfg"
echo "$stub" >"$W/esp/EFI/debian/grub.cfg"
# The removable-media loader path (a stand-in file, never executed: QEMU
# boots with -kernel).  Its presence tells reseal that firmware can still
# boot after the ESP's partition GUID changes (docs/formats.md §11.2).
echo "placeholder for shimx64/grubx64 (test image)" >"$W/esp/EFI/BOOT/BOOTX64.EFI"
printf 'default debian.conf\ntimeout 3\n' >"$W/esp/loader/loader.conf"
printf 'title   Debian GNU/Linux\nlinux   /vmlinuz\ninitrd  /initrd.img\noptions root=PARTUUID=%s ro quiet\n' \
	"$ROOT_PARTUUID" >"$W/esp/loader/entries/debian.conf"
export MTOOLS_SKIP_CHECK=1
mcopy -s -i "$W/esp.img" "$W/esp/EFI" "$W/esp/loader" ::/
putpart 1 "$W/esp.img"
rm -f "$W/esp.img"

# --- p3: /srv (XFS), p4: swap ------------------------------------------------
mkpart 3 "$W/srv.img"
mkfs.xfs -q -f -m uuid="$SRV_UUID" -L srv "$W/srv.img"
putpart 3 "$W/srv.img"
rm -f "$W/srv.img"
mkpart 4 "$W/swap.img"
mkswap -U "$SWAP_UUID" -L swap "$W/swap.img" >"$W/mkswap.log" 2>&1 ||
	{ cat "$W/mkswap.log" >&2; die "mkswap failed"; }
putpart 4 "$W/swap.img"
rm -f "$W/swap.img"

# --- p2: root (ext4) ---------------------------------------------------------
R=$W/root
mkdir -p "$R"/usr/bin "$R"/usr/sbin "$R"/usr/lib "$R"/usr/lib64
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
mkdir -p "$R"/dev "$R"/proc "$R"/sys "$R"/run "$R"/tmp "$R"/srv "$R"/boot/efi "$R"/boot/grub \
	"$R"/root "$R"/mnt "$R"/etc/ssh/authorized_keys "$R"/etc/kernel "$R"/etc/reseal \
	"$R"/var/log "$R"/var/lib "$R"/var/empty
chmod 0700 "$R/root"; chmod 1777 "$R/tmp"
ln -s ../run "$R/var/run"

# copy_elf FILE...: each binary at its path, with every library ldd names
# (the dynamic loader included) at the path ldd resolves it to.
copy_elf() {
	local f lib
	for f; do
		install -D -m 0755 "$f" "$R$f"
		for lib in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
			[ -e "$R$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$R$lib"
		done
	done
}
# ldd's paths go through the host's /lib symlink; the image has the same one.
[ -n "$GUEST_BB" ] ||
	copy_elf /usr/sbin/sshd /usr/bin/mount /usr/bin/umount /usr/sbin/swapon /usr/sbin/swapoff /usr/sbin/blkid

install -m 0755 "${GUEST_BB:-$(readlink -f "$(command -v busybox)")}" "$R/usr/bin/busybox"
# Applet links where no real program was copied (merged /usr: bin/x -> usr/bin/x).
# The host's busybox lists them; a --guest-busybox is Debian's same
# busybox-static build for another architecture, with the same applets.
busybox --list-full | python3 -c '
import os, sys
root = sys.argv[1]
for a in sys.stdin.read().split():
    a = a.lstrip("/")
    if a.startswith(("bin/", "sbin/")):
        a = "usr/" + a
    p = os.path.join(root, a)
    if a != "linuxrc" and not os.path.lexists(p):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        os.symlink("/usr/bin/busybox", p)
' "$R"
rm -f "$R/usr/sbin/init" "$R/usr/bin/init"
install -m 0755 "$HERE/golden-init.sh" "$R/usr/sbin/init"
[ -z "$RESEAL_BIN" ] || install -m 0755 "$RESEAL_BIN" "$R/usr/sbin/reseal"

cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
# '*' (no password) rather than '!' (locked): with UsePAM no, sshd refuses
# public-key logins to locked accounts.
printf 'root:*:19700:0:99999:7:::\nsshd:*:19700:0:99999:7:::\nnobody:*:19700:0:99999:7:::\n' >"$R/etc/shadow"
chmod 0600 "$R/etc/shadow"
echo golden >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tgolden\n' >"$R/etc/hosts"
echo "$MACHINE_ID" >"$R/etc/machine-id"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$R/etc/nsswitch.conf"

cat >"$R/etc/fstab" <<EOF
# /etc/fstab: static file system information (reseal QEMU golden image).
# <file system>                            <mount point> <type> <options>         <dump> <pass>
UUID=$ROOT_UUID  /          ext4  errors=remount-ro 0 1
UUID=$SRV_UUID  /srv       xfs   defaults          0 2
UUID=$ESP_UUID                             /boot/efi  vfat  umask=0077        0 1
PARTUUID=$SWAP_PARTUUID  none       swap  sw                0 0
EOF
echo "root=UUID=$ROOT_UUID ro quiet" >"$R/etc/kernel/cmdline"
cat >"$R/boot/grub/grub.cfg" <<EOF
# Not used to boot (QEMU boots with -kernel/-initrd/-append); reseal's
# references operation must keep it naming the right filesystems.
set default=0
set timeout=5
search --no-floppy --fs-uuid --set=root $ROOT_UUID
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class os \$menuentry_id_option 'gnulinux-simple-$ROOT_UUID' {
	insmod part_gpt
	insmod ext2
	search --no-floppy --fs-uuid --set=root $ROOT_UUID
	linux	/boot/vmlinuz root=UUID=$ROOT_UUID ro resume=UUID=$SWAP_UUID quiet
	initrd	/boot/initrd.img
}
EOF
mkdir -p "$R/etc/initramfs-tools/conf.d"
echo "RESUME=UUID=$SWAP_UUID" >"$R/etc/initramfs-tools/conf.d/resume"

ssh-keygen -q -A -f "$R" >/dev/null
for k in "$R"/etc/ssh/ssh_host_*_key.pub; do   # comments name the template, not this host
	awk '{ print $1, $2, "root@golden" }' "$k" >"$k.tmp" && mv "$k.tmp" "$k"
done
cat >"$R/etc/ssh/sshd_config" <<'EOF'
# reseal QEMU golden image: root may log in with the test's key only.
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
HostKey /etc/ssh/ssh_host_rsa_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile /etc/ssh/authorized_keys/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PidFile /run/sshd.pid
PrintMotd no
EOF
if [ -z "$PUBKEY" ]; then
	rm -f "$OUT.key" "$OUT.key.pub"
	ssh-keygen -q -t ed25519 -N '' -C reseal-qemu-test -f "$OUT.key"
	PUBKEY=$OUT.key.pub
fi
install -m 0644 "$PUBKEY" "$R/etc/ssh/authorized_keys/root"

if [ -n "$CONF" ]; then
	install -m 0644 "$CONF" "$R/etc/reseal/reseal.conf"
else
	printf '# reseal QEMU golden image\n[ssh-hostkeys]\ntypes = ed25519 ecdsa\n' >"$R/etc/reseal/reseal.conf"
fi
[ $MARKER = 0 ] ||
	echo "This image is a reseal template: its clones get a new identity at first boot." \
		>"$R/etc/reseal/template"

mkpart 2 "$W/root.img"
mkfs.ext4 -q -F -U "$ROOT_UUID" -L root -d "$R" "$W/root.img"
putpart 2 "$W/root.img"
rm -f "$W/root.img"

# --- what the tests compare against ------------------------------------------
{
	echo "# $OUT: identifiers of the golden image (tests/qemu/mkgolden.sh)"
	for v in DISK_GUID ESP_PARTUUID ROOT_PARTUUID SRV_PARTUUID SWAP_PARTUUID \
		ESP_UUID ROOT_UUID SRV_UUID SWAP_UUID MACHINE_ID MARKER; do
		echo "$v=${!v}"
	done
	for k in "$R"/etc/ssh/ssh_host_*_key.pub; do
		t=${k##*/ssh_host_}; t=${t%_key.pub}
		echo "HOSTKEY_${t^^}='$(cut -d' ' -f1,2 "$k")'"
	done
	echo "KEY='$( [ -e "$OUT.key" ] && readlink -f "$OUT.key")'"
} >"$OUT.env"

awk -v s="$start" -v e="$(date +%s.%N)" -v f="$OUT" -v k="$(du -k "$OUT" | cut -f1)" -v m="$SIZE" \
	'BEGIN { printf "mkgolden: %s: %d KiB used of %d MiB, %.1f s\n", f, k, m, e - s }'
