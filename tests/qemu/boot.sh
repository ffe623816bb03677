#!/bin/bash
# tests/qemu/boot.sh: boot a disk image under QEMU (TCG) with Debian's cloud
# kernel and an initramfs; the serial console goes to LOG.
#
#   tests/qemu/boot.sh IMG INITRD LOG [--append "extra args"] [--root SPEC]
#       [--ssh-port N] [--timeout S] [--kernel VMLINUZ] [--virtio-rng]
#       [--snapshot] [--disk IMG2]... [--qemu "more qemu args"]
#       [--arch x86_64|aarch64|armhf] [--log-writes WLOG]
#
# Kernel command line: console=ttyS0 panic=-1 root=SPEC (default /dev/vda2)
# plus --append.  --arch (default $RESEAL_QEMU_ARCH, else x86_64) picks the
# guest: aarch64 is qemu-system-aarch64 -M virt -cpu cortex-a57, armhf
# qemu-system-arm -M virt -cpu cortex-a15, both with console=ttyAMA0 (the
# virt board's PL011) and virtio devices on its PCIe bus, and by default
# the kernel toolchain/arm-boot-deps.sh unpacked.  With panic=-1 and
# -no-reboot a kernel panic (PID 1 exiting) ends QEMU at once.  --ssh-port N forwards 127.0.0.1:N to the guest's port
# 22 (virtio-net, QEMU user networking; the guest is 10.0.2.15).
# --virtio-rng (old name: --rng) adds a virtio-rng device fed from the
# host's /dev/urandom, so the guest's CRNG is ready at once (the guest
# needs the virtio_rng module; without it, under TCG's default qemu64 CPU,
# which has no RDRAND, the kernel gathers entropy itself: docs/boot.md).
# --disk adds more virtio disks (vdb, ...).  The kernel defaults to the
# newest /boot/vmlinuz-*-cloud-amd64 ($RESEAL_QEMU_KERNEL overrides).
# --log-writes WLOG puts IMG behind QEMU's blklogwrites driver: every write
# and every flush the guest issues to it is appended to WLOG (dm-log-writes
# format, docs/crash.md), and the disk runs in writeback mode with flushes
# passed through (not cache=unsafe), so the guest's flushes are recorded.
#
# Exit status: QEMU's (0 after a guest poweroff or reboot), 124 when
# --timeout S (default 120) ran out and QEMU was killed, 100 usage, 111
# setup.  SIGTERM to this script stops QEMU too (which then exits 0).
set -u
usage() { sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 100; }

args=() APPEND='' ROOT=/dev/vda2 PORT='' TIMEOUT=120 KERNEL=${RESEAL_QEMU_KERNEL:-} RNG=0 SNAP='' EXTRA='' DISKS=() WLOG=''
ARCH=${RESEAL_QEMU_ARCH:-x86_64}
while [ $# -gt 0 ]; do
	case $1 in
	--append) APPEND=${2?}; shift 2 ;;
	--root) ROOT=${2?}; shift 2 ;;
	--ssh-port) PORT=${2?}; shift 2 ;;
	--timeout) TIMEOUT=${2?}; shift 2 ;;
	--kernel) KERNEL=${2?}; shift 2 ;;
	--virtio-rng|--rng) RNG=1; shift ;;
	--snapshot) SNAP=-snapshot; shift ;;
	--disk) DISKS+=("$2"); shift 2 ;;
	--qemu) EXTRA=${2?}; shift 2 ;;
	--arch) ARCH=${2?}; shift 2 ;;
	--log-writes) WLOG=${2?}; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "boot.sh: unknown option $1" >&2; usage ;;
	*) args+=("$1"); shift ;;
	esac
done
[ ${#args[@]} = 3 ] || usage
IMG=${args[0]} INITRD=${args[1]} LOG=${args[2]}
case $ARCH in
x86_64) QEMU=(qemu-system-x86_64) CONSOLE=ttyS0 ;;
aarch64) QEMU=(qemu-system-aarch64 -M virt -cpu cortex-a57) CONSOLE=ttyAMA0 DEBARCH=arm64 ;;
armhf) QEMU=(qemu-system-arm -M virt -cpu cortex-a15) CONSOLE=ttyAMA0 DEBARCH=armhf ;;
*) echo "boot.sh: unknown --arch $ARCH" >&2; usage ;;
esac
if [ -z "$KERNEL" ] && [ "$ARCH" != x86_64 ]; then
	KERNEL=$(sh "$(dirname "$0")/../../toolchain/arm-boot-deps.sh" --print-cache)/$DEBARCH/vmlinuz
	[ -f "$KERNEL" ] || { echo "boot.sh: no $KERNEL (run toolchain/arm-boot-deps.sh)" >&2; exit 111; }
fi
if [ -z "$KERNEL" ]; then
	KERNEL=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$KERNEL" ] || { echo "boot.sh: no /boot/vmlinuz-*-cloud-amd64 (run toolchain/qemu-deps.sh)" >&2; exit 111; }
fi
for f in "$IMG" "$INITRD" "$KERNEL" "${DISKS[@]}"; do
	[ -r "$f" ] || { echo "boot.sh: $f: not readable" >&2; exit 111; }
done
command -v "${QEMU[0]}" >/dev/null ||
	{ echo "boot.sh: ${QEMU[0]} is missing (run toolchain/qemu-deps.sh, toolchain/arm-boot-deps.sh)" >&2; exit 111; }

q=("${QEMU[@]}" -accel tcg -m 512 -smp 1 -nodefaults -display none -no-reboot
	-serial "file:$LOG" -monitor none
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=$CONSOLE panic=-1 root=$ROOT${APPEND:+ $APPEND}")
if [ -n "$WLOG" ]; then
	: >"$WLOG" || exit 111
	q+=(-blockdev "driver=file,filename=$IMG,node-name=wd0,cache.direct=off,cache.no-flush=off"
		-blockdev "driver=file,filename=$WLOG,node-name=wl0"
		-blockdev "driver=blklogwrites,file=wd0,log=wl0,log-sector-size=512,node-name=wlw"
		-device "virtio-blk-pci,drive=wlw,write-cache=on")
else
	q+=(-drive "file=$IMG,if=virtio,format=raw,cache=unsafe")
fi
for d in "${DISKS[@]}"; do q+=(-drive "file=$d,if=virtio,format=raw,cache=unsafe"); done
if [ -n "$PORT" ]; then
	q+=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device "virtio-net-pci,netdev=n0,romfile=")
fi
[ $RNG = 0 ] || q+=(-object rng-random,filename=/dev/urandom,id=rng0 -device virtio-rng-pci,rng=rng0)
[ -z "$SNAP" ] || q+=("$SNAP")
# shellcheck disable=SC2206
[ -z "$EXTRA" ] || q+=($EXTRA)

: >"$LOG"
# In the background, so that a TERM to this script (tests/qemu/lib.sh:
# qemu_stop) reaches QEMU through timeout(1), which passes it on.
timeout -k 5 "$TIMEOUT" "${q[@]}" </dev/null &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
while :; do
	wait "$child"
	rc=$?
	kill -0 "$child" 2>/dev/null || break
done
[ $rc = 124 ] && echo "boot.sh: QEMU killed after ${TIMEOUT}s" >&2
exit $rc
