#!/bin/sh
# tests/run.sh: `make check`.  Runs the unit suites, then every tests/t-*.sh
# and tests/qemu/t-*.sh, one at a time, while tests/qemu/t-integration.sh
# runs beside them; ends with "N passed, N failed"; exits non-zero on any
# failure.
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 111
log=$(mktemp) blog=$(mktemp)
trap 'rm -f "$log" "$blog"; [ -z "${bpid:-}" ] || kill "$bpid" 2>/dev/null' EXIT

echo "== unit: build/reseal-test all"
build/reseal-test all >"$log" 2>&1
urc=$?
grep -v '^[0-9]* passed, [0-9]* failed$' "$log"
[ $urc -eq 0 ] || grep -q '^FAIL' "$log" || echo "FAIL unit: reseal-test exited $urc" >>"$log"
all=$(grep -v '^[0-9]* passed, [0-9]* failed$' "$log")

# The integration boots (real Debian images through GRUB, each generator's
# initramfs: about half an hour, one QEMU at a time) run beside the rest,
# on the second core; their output comes at the end.
BESIDE=tests/qemu/t-integration.sh
bstart=$(date +%s)
bash "$BESIDE" >"$blog" 2>&1 &
bpid=$!

# collect T LOG RC START: T's output, a FAIL line when it reported nothing
# or exited non-zero without one, its time; all results gathered in $all
collect() {
	cat "$2"
	grep -q '^\(ok\|FAIL\) ' "$2" || echo "FAIL $1: reported nothing (rc=$3)" | tee -a "$2"
	[ "$3" -eq 0 ] || grep -q '^FAIL' "$2" || echo "FAIL $1: exited $3" | tee -a "$2"
	echo "   ($(( $(date +%s) - $4 )) s)"
	all="$all
$(cat "$2")"
}

for t in tests/t-*.sh tests/qemu/t-*.sh; do
	[ -e "$t" ] || continue
	[ "$t" != "$BESIDE" ] || continue
	echo "== $t"
	start=$(date +%s)
	bash "$t" >"$log" 2>&1
	collect "$t" "$log" $? "$start"
done

echo "== $BESIDE (started with the first test)"
wait "$bpid"
rc=$?
bpid=''
collect "$BESIDE" "$blog" $rc "$bstart"

passed=$(printf '%s\n' "$all" | grep -c '^ok ')
failed=$(printf '%s\n' "$all" | grep -c '^FAIL')
echo
printf '%s\n' "$all" | grep '^FAIL' || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
