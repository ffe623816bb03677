#!/bin/sh
# bench/gpt.sh: GPT disk + partition GUID change, reseal vs sgdisk -G, and
# MBR disk id change, reseal vs sfdisk --disk-id (docs/formats.md §6, §7).
#
# For each image size: bytes issued by the tool's write calls (reseal's own
# count; for sgdisk/sfdisk, strace -y summing write/pwrite* on the image),
# bytes that actually differ afterwards (cmp -l over the first and last MiB,
# where both tools write), and wall time (median of N runs on fresh sparse
# copies, without strace).  Ratios are reseal / official tool.
#
# usage: sh bench/gpt.sh [N]      N runs per measurement (default 5)
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
RESEAL=${RESEAL:-$TOP/build/reseal}
N=${1:-5}
W=$(mktemp -d /tmp/reseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

die() { echo "bench/gpt.sh: FATAL: $*" >&2; exit 1; }
[ -x "$RESEAL" ] || die "build $RESEAL first (make build/reseal)"
for t in sgdisk sfdisk strace; do command -v $t >/dev/null || die "$t is not installed"; done

now_ns() { date +%s%N; }

# median of N wall times (µs) of: cp --sparse ORIG COPY; CMD... COPY
wall_us() {
	orig=$1; shift
	i=0; : >"$W/times"
	while [ $i -lt "$N" ]; do
		cp --sparse=always "$orig" "$W/run.img"
		sync
		t0=$(now_ns); "$@" "$W/run.img" >/dev/null 2>&1 || die "$* failed"; t1=$(now_ns)
		echo $(( (t1 - t0) / 1000 )) >>"$W/times"
		i=$((i + 1))
	done
	sort -n "$W/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
# bytes issued to IMG by CMD... IMG, from strace
issued() {
	img=$1; shift
	strace -f -y -e trace=write,pwrite64,pwritev,pwritev2,writev -o "$W/st" "$@" "$img" >/dev/null 2>&1 ||
		die "$* failed under strace"
	grep -F "<$img>" "$W/st" | sed -n 's/.*= \([0-9][0-9]*\)$/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
# bytes that differ between A and B in their first and last MiB
changed() {
	sz=$(stat -c %s "$1")
	a=$(cmp -l "$1" "$2" -n 1048576 | wc -l)
	b=$(cmp -l -i $((sz - 1048576)) "$1" "$2" | wc -l)
	echo $((a + b))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }

# The three commands, as scripts so that strace and timing see the same thing.
printf '#!/bin/sh\nexec "%s" setuuid "$1"\n' "$RESEAL" >"$W/rs_set"
printf '#!/bin/sh\nexec sgdisk -G "$1"\n' >"$W/sg_set"
printf '#!/bin/sh\nexec sfdisk --disk-id "$1" 0x$(od -An -tx4 -N4 /dev/urandom | tr -d " ")\n' >"$W/sf_set"
chmod +x "$W/rs_set" "$W/sg_set" "$W/sf_set"

row() {  # row SIZE TABLE ORIG OFFICIAL-NAME OFFICIAL-FN
	size=$1 tab=$2 orig=$3 oname=$4 ofn=$5
	cp --sparse=always "$orig" "$W/a.img"
	ri=$("$RESEAL" setuuid "$W/a.img" | sed -n 's/.*: \([0-9]*\) bytes written$/\1/p')
	rc=$(changed "$orig" "$W/a.img")
	rt=$(wall_us "$orig" "$W/rs_set")
	cp --sparse=always "$orig" "$W/b.img"
	oi=$(issued "$W/b.img" "$W/$ofn")
	oc=$(changed "$orig" "$W/b.img")
	ot=$(wall_us "$orig" "$W/$ofn")
	printf '%-5s %-4s %-7s %9s %9s %10s\n' "$size" "$tab" reseal "$ri" "$rc" "$rt"
	printf '%-5s %-4s %-7s %9s %9s %10s\n' "$size" "$tab" "$oname" "$oi" "$oc" "$ot"
	printf '%-5s %-4s %-7s %9s %9s %10s\n' "" "" ratio "$(ratio "$ri" "$oi")" "$(ratio "$rc" "$oc")" \
		"$(ratio "$rt" "$ot")"
}

printf '%-5s %-4s %-7s %9s %9s %10s\n' size tab tool "issued B" "changed B" "wall µs"
for size in 64M 1G 16G; do
	truncate -s $size "$W/g.img"
	sgdisk -n 1:0:+8M -c 1:esp -t 1:ef00 -n 2:0:+16M -c 2:root -n 3:0:+4M -c 3:home "$W/g.img" >/dev/null ||
		die "sgdisk"
	row $size gpt "$W/g.img" sgdisk sg_set
	truncate -s $size "$W/m.img"
	printf 'label: dos\nsize=8M, type=83\nsize=16M, type=5\nsize=4M\nsize=4M\n' | sfdisk -q "$W/m.img" ||
		die "sfdisk"
	row $size dos "$W/m.img" sfdisk sf_set
	rm -f "$W/g.img" "$W/m.img"
done
