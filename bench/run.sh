#!/bin/sh
# bench/run.sh: `make bench`.  Runs every bench/*.sh; each prints its own
# side-by-side table with ratios against the standard tool (size.sh:
# the product's size per arch and its largest contributors).
cd "$(dirname "$0")/.." || exit 1
rc=0
for b in bench/*.sh; do
	[ "$b" = bench/run.sh ] && continue
	echo "== $b"
	bash "$b" || rc=1
	echo
done
exit $rc
