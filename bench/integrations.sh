#!/bin/bash
# bench/integrations.sh: first vs second boot of a sealed clone of the real
# Debian 12 image (tests/images/debian12-grub.sh: systemd, ext4 root, XFS
# /srv by PARTUUID, ESP, swap) under QEMU TCG, 1 vCPU, side by side for
# each place reseal runs from:
#   own              reseal's own initramfs (reseal as /init; the host's
#                    cloud kernel and this initramfs given to QEMU directly)
#   initramfs-tools  the image's initramfs-tools initramfs, booted by GRUB
#   dracut-systemd   dracut, systemd in the initramfs, booted by GRUB
#   dracut-shell     dracut without systemd in the initramfs, booted by GRUB
# (docs/integrations.md).  Per boot: kernel start -> `systemctl
# is-system-running` done (the guest's uptime then); for the first boot
# also reseal's own share (its first to its last journal line, kernel
# clock) and the initramfs rebuild the first boot runs
# (reseal-initramfs-refresh.service: the generator under TCG, one vCPU).
#
#   bench/integrations.sh [SETUP...]      (default: all four)
# BENCH_RUNS=N (default 1: a dracut first boot takes minutes under TCG).
# BENCH_LOGS=DIR keeps each boot's console log there (SETUP-RUN-BOOT.log).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
RESEAL=$TOP/build/reseal
SETUPS=${*:-own initramfs-tools dracut-systemd dracut-shell}
for s in $SETUPS; do
	case $s in own | initramfs-tools | dracut-systemd | dracut-shell) ;;
	*) sed -n '17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 100 ;;
	esac
done
T=$(mktemp -d /tmp/reseal-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
# not tests/lib.sh: nothing is checked here (TOP and T are set above)
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"
. "$TOP/tests/qemu/grub-lib.sh"
qemu_ready && command -v debootstrap >/dev/null ||
	{ echo "bench/integrations.sh: QEMU or debootstrap missing (toolchain/qemu-deps.sh)" >&2; exit 111; }
[ -x "$RESEAL" ] || { echo "bench/integrations.sh: build/reseal missing (make)" >&2; exit 111; }
runs=${BENCH_RUNS:-1}

"$TOP/tests/images/debian12-grub.sh" "$T/base.img" >"$T/image.out" 2>&1 ||
	{ cat "$T/image.out" >&2; exit 111; }
. "$T/base.img.env"

# journal seconds (kernel clock) of the report's journal-reseal lines
# matching the extended regex $2: first and last
span() {
	identity_section "$1" journal-reseal | grep -E -- "$2" |
		sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' | sed -n '1p;$p' | tr '\n' ' '
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.1f\n", b - a }'; }
med() { printf '%s\n' "$@" | grep -v '^-$' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "-") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
upt() { local u; u=$(identity_section "$1" uptime); echo "${u:--}"; }

# one_run SETUP: a template for SETUP, one clone booted twice; prints
# "1st 2nd reseal refresh" seconds
one_run() {
	local setup=$1 tpl=$T/tpl.img c=$T/c.img r s root new
	cp --sparse=always "$T/base.img" "$tpl"
	if [ "$setup" = own ]; then
		with_root "$tpl" "$RESEAL" seal --root "$T/mnt" >/dev/null 2>&1 || return 1
		BOOT_DIRECT="/boot/vmlinuz-$(qemu_kver) $T/own.gz console=ttyS0,115200 ro root=UUID=$ROOT_UUID"
	else
		with_root "$tpl" prepare_root "$setup" >/dev/null || return 1
		BOOT_DIRECT=''
	fi
	mv "$tpl" "$c"
	boot_grub "$c" "$T/1.log" 900 || echo "warning: $setup: no report from the first boot" >&2
	grep -aq 'reseal: info: resealed' "$T/1.log" || echo "warning: $setup: the first boot did not reseal" >&2
	if [ "$setup" = own ]; then
		new=$(identity_section "$T/1.log" blkid | awk '$1 == "/dev/vda2:"' | tr ' ' '\n' | sed -n 's/^UUID="\(.*\)"$/\1/p')
		BOOT_DIRECT="/boot/vmlinuz-$(qemu_kver) $T/own.gz console=ttyS0,115200 ro root=UUID=${new:-none}"
	fi
	boot_grub "$c" "$T/2.log" 900 || echo "warning: $setup: no report from the second boot" >&2
	BOOT_DIRECT=''
	for l in 1 2; do
		[ "$(identity_section "$T/$l.log" system-state)" = running ] ||
			echo "warning: $setup: boot $l: systemd $(identity_section "$T/$l.log" system-state)" >&2
	done
	# reseal's own lines: the identifier (after the time and the host
	# name) is reseal, not the refresh unit's, whose text says "reseal:"
	read -r r s <<<"$(span "$T/1.log" '^\[ *[0-9.]+\] [^ ]+ reseal(\[[0-9]+\])?: ')"
	root=$(secs "$r" "$s")
	read -r r s <<<"$(span "$T/1.log" 'rebuilding the initramfs|initramfs rebuilt')"
	if [ -n "${BENCH_LOGS:-}" ]; then
		mkdir -p "$BENCH_LOGS"
		cp "$T/1.log" "$BENCH_LOGS/$setup-$i-1.log"
		cp "$T/2.log" "$BENCH_LOGS/$setup-$i-2.log"
	fi
	echo "$(upt "$T/1.log") $(upt "$T/2.log") $root $(secs "$r" "$s")"
	rm -f "$c"
}

case " $SETUPS " in *" own "*) build_initramfs "$T/own.gz" "$RESEAL" >/dev/null || exit 111 ;; esac
for setup in $SETUPS; do
	for i in $(seq "$runs"); do one_run "$setup" >>"$T/$setup.runs" || echo "warning: $setup: run $i failed" >&2; done
done

echo "Debian 12 clone booted under QEMU TCG (1 vCPU), kernel clock, median of $runs run(s):"
printf '%-18s %28s   %9s %12s\n' "" "kernel start -> systemd running" "reseal" "initramfs"
printf '%-18s %9s %9s %8s   %9s %12s\n' "" "1st boot" "2nd boot" "ratio" "(1st)" "rebuild (1st)"
for setup in $SETUPS; do
	f=$(med $(awk '{ print $1 }' "$T/$setup.runs" 2>/dev/null))
	s=$(med $(awk '{ print $2 }' "$T/$setup.runs" 2>/dev/null))
	printf '%-18s %8ss %8ss %8s   %8ss %11ss\n' "$setup" "$f" "$s" "$(ratio "$f" "$s")" \
		"$(med $(awk '{ print $3 }' "$T/$setup.runs" 2>/dev/null))" \
		"$(med $(awk '{ print $4 }' "$T/$setup.runs" 2>/dev/null))"
done
echo "  (own: no rebuild, reseal's initramfs carries nothing of the identity; the"
echo "   generators' first boot waits for the rebuild: docs/integrations.md §4)"
for setup in $SETUPS; do
	echo "  runs $setup (1st 2nd reseal rebuild): $(tr '\n' ';' <"$T/$setup.runs" 2>/dev/null)"
done
