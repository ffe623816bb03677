#!/bin/sh
# tests/run.sh: `make check`.  Runs the unit suites, then every tests/t-*.sh,
# and ends with "N passed, N failed"; exits non-zero on any failure.
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 111
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== unit: build/reseal-test all"
build/reseal-test all >"$log" 2>&1
urc=$?
grep -v '^[0-9]* passed, [0-9]* failed$' "$log"
[ $urc -eq 0 ] || grep -q '^FAIL' "$log" || echo "FAIL unit: reseal-test exited $urc" >>"$log"
all=$(grep -v '^[0-9]* passed, [0-9]* failed$' "$log")

for t in tests/t-*.sh tests/qemu/t-*.sh; do
	[ -e "$t" ] || continue
	echo "== $t"
	start=$(date +%s)
	bash "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	grep -q '^\(ok\|FAIL\) ' "$log" || echo "FAIL $t: reported nothing (rc=$rc)" | tee -a "$log"
	[ $rc -eq 0 ] || grep -q '^FAIL' "$log" || echo "FAIL $t: exited $rc" | tee -a "$log"
	echo "   ($(( $(date +%s) - start )) s)"
	all="$all
$(cat "$log")"
done

passed=$(printf '%s\n' "$all" | grep -c '^ok ')
failed=$(printf '%s\n' "$all" | grep -c '^FAIL')
echo
printf '%s\n' "$all" | grep '^FAIL' || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
