#!/bin/bash
# bench/boot.sh: cost of the reseal at boot.  Boots one sealed clone of the
# QEMU golden image twice (TCG) and compares kernel start -> exec of the real
# init, read from the kmsg timestamp of reseal's "handing over" line:
# first boot (reseal runs) vs second boot (no marker).  Also prints the size
# of the initramfs with and without kernel modules.  Goal: ratio <= 1.2.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
RESEAL=$TOP/build/reseal
T=$(mktemp -d /tmp/reseal-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$TOP/tests/qemu/lib.sh"
. "$TOP/tests/qemu/clone-lib.sh"
qemu_ready || { echo "bench/boot.sh: QEMU or the cloud kernel is missing (make deps)" >&2; exit 111; }
[ -x "$RESEAL" ] || { echo "bench/boot.sh: build/reseal missing (make)" >&2; exit 111; }

build_initramfs "$T/initrd.gz" "$RESEAL" >/dev/null
"$TOP/initramfs/build.sh" --init "$RESEAL" --out "$T/bare.gz" >/dev/null
"$QEMU_DIR/mkgolden.sh" "$T/g.img" >/dev/null 2>&1
. "$T/g.img.env"
with_root "$T/g.img" "$RESEAL" seal --root "$T/mnt" 2>/dev/null

stamp() {   # kmsg seconds of reseal's hand-over line
	tr -d '\r' <"$1" | sed -n 's/^\[ *\([0-9.]*\)\] reseal: info: handing over.*/\1/p' | head -n 1
}
runs=${BENCH_RUNS:-3}
first=() second=()
for i in $(seq "$runs"); do
	cp --sparse=always "$T/g.img" "$T/c.img"
	"$QEMU_DIR/boot.sh" "$T/c.img" "$T/initrd.gz" "$T/1.log" --root "UUID=$ROOT_UUID" --timeout 180 >/dev/null
	root=$(root_from_grub "$T/c.img")
	"$QEMU_DIR/boot.sh" "$T/c.img" "$T/initrd.gz" "$T/2.log" --root "$root" --timeout 180 >/dev/null
	first+=("$(stamp "$T/1.log")") second+=("$(stamp "$T/2.log")")
	grep -aq 'resealed' "$T/1.log" || echo "warning: run $i: first boot did not reseal" >&2
done
med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
f=$(med "${first[@]}") s=$(med "${second[@]}")
printf '%-44s %10s %10s %8s\n' "kernel start -> exec of real init (TCG)" "1st boot" "2nd boot" "ratio"
printf '%-44s %9ss %9ss %8s\n' "median of $runs runs" "$f" "$s" "$(awk -v a="$f" -v b="$s" 'BEGIN { printf "%.2fx", a / b }')"
printf '%-44s %s\n' "  all first boots" "${first[*]}"
printf '%-44s %s\n' "  all second boots" "${second[*]}"
printf '%-44s %s\n' "  of which the first boot waited for the CRNG" \
	"$(tr -d '\r' <"$T/1.log" | grep -c 'waiting for the kernel random' ) time(s) (last run)"
printf '%-44s %8d bytes\n' "initramfs, reseal only (no modules)" "$(stat -c %s "$T/bare.gz")"
printf '%-44s %8d bytes\n' "initramfs with the 16 test modules" "$(stat -c %s "$T/initrd.gz")"
printf '%-44s %8d bytes\n' "build/reseal (static, stripped)" "$(stat -c %s "$RESEAL")"
echo "goal: ratio <= 1.2"
