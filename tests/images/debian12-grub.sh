#!/bin/bash
# tests/images/debian12-grub.sh: a real, bootable Debian 12 (bookworm)
# systemd disk image with its own kernel and GRUB for BIOS, the template of
# the initramfs integration tests (tests/qemu/t-integration.sh).
#
#   tests/images/debian12-grub.sh OUT.img [--rebuild]
#
# debootstrap --variant=minbase from http://deb.debian.org/debian plus
# systemd-sysv, udev, openssh-server, linux-image-cloud-amd64, GRUB for BIOS
# (grub-pc-bin, grub2-common), initramfs-tools and dracut-core (both
# generators: a test picks one), xfsprogs, dosfstools, kmod.  Both
# generators are configured small (initramfs-tools MODULES=list, dracut
# --no-hostonly; gzip; the modules a virtio disk with ext4, XFS and vfat
# needs).  A sparse raw disk:
#   p1  ESP, vfat, 32 MiB (EFI/debian/grub.cfg: the stub grub-install writes)
#   p2  root, ext4, 1400 MiB: /boot with the kernel, initrd.img, grub.cfg
#   p3  /srv, XFS, 300 MiB, mounted by PARTUUID=
#   p4  swap, 64 MiB (initramfs-tools' RESUME names it)
#   p5  BIOS boot partition in sectors 34-2047: GRUB's core.img
# fstab names /, /boot/efi and swap by UUID=, /srv by PARTUUID=.  GRUB is
# installed the way Debian's installer does it, from inside the system:
# the image boots once under QEMU with its own kernel and initramfs and
# runs grub-install /dev/vda and update-grub (the host's kernel makes no
# partition nodes for an image).  GRUB's menu: no timeout, serial console.
# No reseal in it: the tests install and seal a copy.
#
# systemd-networkd takes a DHCP lease on QEMU's user network, for the tests
# to reach sshd.  The guest's report: tests/images/reseal-report (as
# debian12.sh; the unit sets REPORT_HOLD=15: the guest stays up 15 s for
# the test to reach sshd, then powers itself off.  An ACPI power-down from
# QEMU's monitor instead took about two minutes under TCG: the unmount of
# /srv waited.)
#
# Cache: built once into /var/tmp/reseal-cache/debian12-grub-HASH/ (HASH:
# the sha256 of this script, reseal-report and layout.sh) and copied (sparse) to
# OUT.img.  OUT.img.env: as debian12.sh, plus KVER.  Needs root,
# toolchain/qemu-deps.sh (debootstrap, QEMU).  About 6-10 minutes cold.
set -euo pipefail

usage() { sed -n '6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 100; }
die() { echo "debian12-grub.sh: fatal: $*" >&2; exit 111; }

OUT='' REBUILD=0
while [ $# -gt 0 ]; do
	case $1 in
	--rebuild) REBUILD=1; shift ;;
	-h|--help) usage ;;
	-*) echo "debian12-grub.sh: unknown option $1" >&2; usage ;;
	*) [ -z "$OUT" ] || usage; OUT=$1; shift ;;
	esac
done
[ -n "$OUT" ] || usage
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
for t in debootstrap sgdisk mkfs.ext4 mkfs.xfs mkfs.vfat mkswap mcopy qemu-system-x86_64; do
	command -v $t >/dev/null || die "$t is missing (run toolchain/qemu-deps.sh)"
done

HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
. "$(dirname "$0")/layout.sh"
KEY=$(cat "$0" "$HERE/reseal-report" "$HERE/layout.sh" | sha256sum | cut -c1-16)
CACHE=/var/tmp/reseal-cache/debian12-grub-$KEY
copy_out() {
	cp --sparse=always "$CACHE/debian12-grub.img" "$OUT"
	cp "$CACHE/debian12-grub.img.env" "$OUT.env"
}
if [ $REBUILD = 0 ] && [ -s "$CACHE/debian12-grub.img.env" ]; then
	copy_out
	echo "debian12-grub: $OUT from the cache $CACHE"
	exit 0
fi

mkdir -p /var/tmp/reseal-cache
W=$(mktemp -d /var/tmp/reseal-cache/debian12-grub-build.XXXXXX)
unbind() { for m in proc sys dev/pts dev; do umount "$R/$m" 2>/dev/null || true; done; }
cleanup() {
	unbind
	# Never recurse into a mount (a bind-mounted /dev would be the host's).
	if grep -q " $W/" /proc/self/mounts; then
		echo "debian12-grub.sh: still mounted under $W; not removed" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
start=$(date +%s)
IMG=$W/debian12-grub.img
R=$W/root

# --- the root tree ---------------------------------------------------------------
debootstrap --variant=minbase --merged-usr \
	--include=systemd-sysv,udev,openssh-server,xfsprogs,dosfstools,kmod,initramfs-tools,zstd,linux-image-cloud-amd64,grub-pc-bin,grub2-common,dracut-core,cpio \
	bookworm "$R" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$W/debootstrap.log" >&2; die "debootstrap failed"; }
unbind
KVER=$(ls "$R/lib/modules" | sort -V | tail -n 1)
[ -e "$R/boot/vmlinuz-$KVER" ] || die "no kernel in the image"
for t in rsa ecdsa ed25519; do
	[ -s "$R/etc/ssh/ssh_host_${t}_key.pub" ] || die "openssh-server made no $t host key"
done

mkdir -p "$R/etc/initramfs-tools/conf.d" "$R/etc/dracut.conf.d"
cat >"$R/etc/initramfs-tools/initramfs.conf" <<'EOF'
# small and quick to build under TCG: only these modules and their deps
MODULES=list
BUSYBOX=auto
COMPRESS=gzip
DEVICE=
NFSROOT=auto
RUNSIZE=10%
FSTYPE=auto
EOF
printf '%s\n' virtio_pci virtio_blk ext4 xfs vfat nls_cp437 nls_ascii >"$R/etc/initramfs-tools/modules"
cat >"$R/etc/dracut.conf.d/10-test-image.conf" <<'EOF'
# the test image: the same image boots any clone; small; gzip
hostonly="no"
compress="gzip"
add_drivers+=" virtio_pci virtio_blk ext4 xfs vfat nls_cp437 nls_ascii "
omit_dracutmodules+=" plymouth i18n "
EOF
cat >"$R/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0,115200 no_timer_check"
GRUB_TERMINAL="serial"
GRUB_SERIAL_COMMAND="serial --speed=115200"
GRUB_DISABLE_RECOVERY=true
GRUB_DISABLE_OS_PROBER=true
EOF

# --- partition table, p1 ESP, p3 XFS, p4 swap (layout.sh) ------------------------
layout_partition 1840M 1400 bios
layout_filesystems

# --- p2 root: configuration ------------------------------------------------------
layout_root_config
# initramfs-tools' resume: the swap by UUID, as RESUME=auto would pick it
echo "RESUME=UUID=$SWAP_UUID" >"$R/etc/initramfs-tools/conf.d/resume"

install -m 0755 "$HERE/reseal-report" "$R/usr/local/sbin/reseal-report"
cat >"$R/etc/systemd/system/reseal-report.service" <<'EOF'
[Unit]
Description=Test image: report the identity on the console, then power off

[Service]
Type=simple
Environment=REPORT_HOLD=15
ExecStart=/usr/local/sbin/reseal-report

[Install]
WantedBy=multi-user.target
EOF
systemctl --root="$R" enable reseal-report.service >/dev/null 2>&1
systemctl --root="$R" mask getty.target >/dev/null 2>&1
# The network: DHCP on QEMU's user network, for the host to reach sshd.
cat >"$R/etc/systemd/network/80-dhcp.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
systemctl --root="$R" enable systemd-networkd.service >/dev/null 2>&1
[ -L "$R/etc/systemd/system/multi-user.target.wants/reseal-report.service" ] ||
	die "reseal-report.service not enabled"

# The initrd as it will boot (MODULES=list, gzip), and its copy for the
# installer boot below.
for m in proc sys dev; do mkdir -p "$R/$m"; mount --bind "/$m" "$R/$m"; done
chroot "$R" update-initramfs -u -k "$KVER" >"$W/update-initramfs.log" 2>&1 ||
	{ tail -n 20 "$W/update-initramfs.log" >&2; die "update-initramfs failed"; }
unbind
cp "$R/boot/vmlinuz-$KVER" "$R/boot/initrd.img-$KVER" "$W/"
# The installer step, run once by the image's own kernel as init.
cat >"$R/usr/local/sbin/grub-setup-once" <<'EOF'
#!/bin/sh
# Test image build only: install GRUB to the disk and write grub.cfg, then power off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc 2>/dev/null; mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -o remount,rw /
if grub-install --target=i386-pc /dev/vda && update-grub; then echo "==GRUB-OK=="; else echo "==GRUB-FAILED=="; fi
rm -f /usr/local/sbin/grub-setup-once
sync; mount -o remount,ro /; sync
echo 1 >/proc/sys/kernel/sysrq; echo o >/proc/sysrq-trigger
sleep 30
EOF
chmod 0755 "$R/usr/local/sbin/grub-setup-once"

layout_root_fs

timeout 600 qemu-system-x86_64 -accel tcg -m 1024 -nographic -no-reboot \
	-drive file="$IMG",format=raw,if=virtio -nic none \
	-kernel "$W/vmlinuz-$KVER" -initrd "$W/initrd.img-$KVER" \
	-append "root=UUID=$ROOT_UUID rw console=ttyS0 no_timer_check init=/usr/local/sbin/grub-setup-once" \
	</dev/null >"$W/install.log" 2>&1 || true
grep -q '==GRUB-OK==' "$W/install.log" ||
	{ tr -d '\r' <"$W/install.log" | tail -n 30 >&2; die "grub-install in the installer boot failed"; }

layout_env DISK_GUID ESP_PARTUUID ROOT_PARTUUID SRV_PARTUUID SWAP_PARTUUID BIOS_PARTUUID ESP_UUID ROOT_UUID SRV_UUID SWAP_UUID MACHINE_ID KVER

mkdir "$W/out"
mv "$IMG" "$IMG.env" "$W/out/"
[ $REBUILD = 0 ] || rm -rf "$CACHE"
mv -T "$W/out" "$CACHE" 2>/dev/null || [ -s "$CACHE/debian12-grub.img.env" ] || die "cannot store $CACHE"
find /var/tmp/reseal-cache -maxdepth 1 -name 'debian12-grub-*' ! -name "debian12-grub-$KEY" ! -name 'debian12-grub-build.*' \
	-exec rm -rf {} +
copy_out
echo "debian12-grub: built $CACHE in $(( $(date +%s) - start )) s ($(du -k "$CACHE/debian12-grub.img" | cut -f1) KiB used)"
