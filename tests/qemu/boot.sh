#!/bin/bash
# tests/qemu/boot.sh: boot a disk image under QEMU (TCG) with Debian's cloud
# kernel and an initramfs; the serial console goes to LOG.
#
#   tests/qemu/boot.sh IMG INITRD LOG [--append "extra args"] [--root SPEC]
#       [--ssh-port N] [--timeout S] [--kernel VMLINUZ] [--rng] [--snapshot]
#       [--disk IMG2]... [--qemu "more qemu args"]
#
# Kernel command line: console=ttyS0 panic=-1 root=SPEC (default /dev/vda2)
# plus --append.  With panic=-1 and -no-reboot a kernel panic (PID 1 exiting)
# ends QEMU at once.  --ssh-port N forwards 127.0.0.1:N to the guest's port
# 22 (virtio-net, QEMU user networking; the guest is 10.0.2.15).  --rng adds
# a virtio-rng device (the guest needs the virtio_rng module to use it).
# --disk adds more virtio disks (vdb, ...).  The kernel defaults to the
# newest /boot/vmlinuz-*-cloud-amd64 ($RESEAL_QEMU_KERNEL overrides).
#
# Exit status: QEMU's (0 after a guest poweroff or reboot), 124 when
# --timeout S (default 120) ran out and QEMU was killed, 100 usage, 111
# setup.  SIGTERM to this script stops QEMU too (which then exits 0).
set -u
usage() { sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 100; }

args=() APPEND='' ROOT=/dev/vda2 PORT='' TIMEOUT=120 KERNEL=${RESEAL_QEMU_KERNEL:-} RNG=0 SNAP='' EXTRA='' DISKS=()
while [ $# -gt 0 ]; do
	case $1 in
	--append) APPEND=${2?}; shift 2 ;;
	--root) ROOT=${2?}; shift 2 ;;
	--ssh-port) PORT=${2?}; shift 2 ;;
	--timeout) TIMEOUT=${2?}; shift 2 ;;
	--kernel) KERNEL=${2?}; shift 2 ;;
	--rng) RNG=1; shift ;;
	--snapshot) SNAP=-snapshot; shift ;;
	--disk) DISKS+=("$2"); shift 2 ;;
	--qemu) EXTRA=${2?}; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "boot.sh: unknown option $1" >&2; usage ;;
	*) args+=("$1"); shift ;;
	esac
done
[ ${#args[@]} = 3 ] || usage
IMG=${args[0]} INITRD=${args[1]} LOG=${args[2]}
if [ -z "$KERNEL" ]; then
	KERNEL=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$KERNEL" ] || { echo "boot.sh: no /boot/vmlinuz-*-cloud-amd64 (run toolchain/qemu-deps.sh)" >&2; exit 111; }
fi
for f in "$IMG" "$INITRD" "$KERNEL" "${DISKS[@]}"; do
	[ -r "$f" ] || { echo "boot.sh: $f: not readable" >&2; exit 111; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "boot.sh: qemu-system-x86_64 is missing (run toolchain/qemu-deps.sh)" >&2; exit 111; }

q=(qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nodefaults -display none -no-reboot
	-serial "file:$LOG" -monitor none
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=ttyS0 panic=-1 root=$ROOT${APPEND:+ $APPEND}"
	-drive "file=$IMG,if=virtio,format=raw,cache=unsafe")
for d in "${DISKS[@]}"; do q+=(-drive "file=$d,if=virtio,format=raw,cache=unsafe"); done
if [ -n "$PORT" ]; then
	q+=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device "virtio-net-pci,netdev=n0,romfile=")
fi
[ $RNG = 0 ] || q+=(-device virtio-rng-pci)
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
