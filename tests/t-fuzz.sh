# t-fuzz.sh: run every libFuzzer harness briefly.
# `make fuzz` runs each for FUZZ_RUNS (10 million) executions.  Seeds: tests/fuzz/seeds/<fmt>/
# (small real images made by the harness authors' scripts, if present).
. "$(dirname "$0")/lib.sh"

secs=${RESEAL_FUZZ_SECONDS:-8}
found=0
for f in "$TOP"/build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	found=1
	name=${f##*/}
	seeds=$TOP/tests/fuzz/seeds/${name#fuzz_}
	mkdir -p "$T/$name"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$T/$name/" 2>/dev/null
	check "$name: ${secs}s of libFuzzer without a crash" \
		"$f" -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=2048 "$T/$name"
done
[ $found = 1 ] || fail "no fuzz harness was built"
