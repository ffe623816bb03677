#!/bin/sh
# bench/btrfs.sh: btrfs fsid change, reseal vs btrfstune -m (METADATA_UUID,
# two transactions) and btrfstune -u (rewrites every tree block);
# docs/formats.md §3.2, §3.3 and §8.
#
# For each image size (fresh sparse mkfs.btrfs images): bytes issued by the
# tool's write calls (reseal's own count; for btrfstune, strace -y summing
# write/pwrite* on the image), bytes that actually differ afterwards
# (compared over the data extents of both files, SEEK_DATA/SEEK_HOLE, so a
# 64 GiB sparse image costs what it holds), and wall time (median of N runs
# on fresh sparse copies, without strace).  Ratios are reseal / tool.
#
# usage: sh bench/btrfs.sh [N]      N runs per measurement (default 5)
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
RESEAL=${RESEAL:-$TOP/build/reseal}
N=${1:-5}
W=$(mktemp -d /tmp/reseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

die() { echo "bench/btrfs.sh: FATAL: $*" >&2; exit 1; }
[ -x "$RESEAL" ] || die "build $RESEAL first (make build/reseal)"
for t in mkfs.btrfs btrfstune btrfs strace python3; do
	command -v $t >/dev/null || die "$t is not installed"
done

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
# bytes that differ between A and B, over the union of their data extents
cat >"$W/changed.py" <<'EOF'
import os, sys
def extents(fd, size):
    off = 0
    while off < size:
        try:
            d = os.lseek(fd, off, os.SEEK_DATA)
        except OSError:
            return
        h = os.lseek(fd, d, os.SEEK_HOLE)
        yield d, h
        off = h
a, b = (os.open(p, os.O_RDONLY) for p in sys.argv[1:3])
size = os.fstat(a).st_size
assert size == os.fstat(b).st_size
spans = sorted(list(extents(a, size)) + list(extents(b, size)))
n = 0; done = 0
for s, e in spans:
    s = max(s, done)
    while s < e:
        l = min(e - s, 1 << 20)
        x, y = os.pread(a, l, s), os.pread(b, l, s)
        if x != y:
            for k in range(0, l, 4096):
                p, q = x[k:k + 4096], y[k:k + 4096]
                if p != q:
                    n += sum(1 for i in range(len(p)) if p[i] != q[i])
        s += l
    done = max(done, e)
print(n)
EOF
changed() { python3 "$W/changed.py" "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "-" }'; }

# The commands, as scripts so that strace and timing see the same thing.
printf '#!/bin/sh\nexec "%s" setuuid "$1"\n' "$RESEAL" >"$W/rs_set"
printf '#!/bin/sh\nexec btrfstune -m "$1"\n' >"$W/m_set"
printf '#!/bin/sh\nexec btrfstune -f -u "$1"\n' >"$W/u_set"
chmod +x "$W/rs_set" "$W/m_set" "$W/u_set"

line() { printf '%-5s %-13s %10s %10s %10s\n' "$@"; }
measure() { # SIZE ORIG NAME SCRIPT -> sets I C T
	cp --sparse=always "$2" "$W/x.img"
	if [ "$4" = rs_set ]; then
		I=$("$RESEAL" setuuid "$W/x.img" | sed -n 's/.*(\([0-9]*\) bytes written)$/\1/p')
	else
		I=$(issued "$W/x.img" "$W/$4")
	fi
	btrfs check --readonly "$W/x.img" >/dev/null 2>&1 || die "$3: btrfs check failed after the change"
	C=$(changed "$2" "$W/x.img")
	T=$(wall_us "$2" "$W/$4")
	line "$1" "$3" "$I" "$C" "$T"
}

line size tool "issued B" "changed B" "wall µs"
for size in 1G 64G; do
	rm -f "$W/o.img"; truncate -s $size "$W/o.img"
	mkfs.btrfs -q -f "$W/o.img" >/dev/null 2>&1 || die "mkfs.btrfs $size"
	measure $size "$W/o.img" reseal rs_set;         ri=$I rc=$C rt=$T
	measure $size "$W/o.img" "btrfstune -m" m_set;  mi=$I mc=$C mt=$T
	measure $size "$W/o.img" "btrfstune -u" u_set;  ui=$I uc=$C ut=$T
	line "" "ratio vs -m" "$(ratio "$ri" "$mi")" "$(ratio "$rc" "$mc")" "$(ratio "$rt" "$mt")"
	line "" "ratio vs -u" "$(ratio "$ri" "$ui")" "$(ratio "$rc" "$uc")" "$(ratio "$rt" "$ut")"
	rm -f "$W"/*.img
done
