#!/bin/sh
# bench/xfs.sh: XFS UUID change, reseal (one unmount record at the log head
# + the AG superblocks, docs/formats.md §2.9) vs xfs_admin -U generate
# (rewrites the whole log, §2.5 and §2.7).
#
# For 1 GiB and 64 GiB sparse images, fresh from mkfs.xfs and after one
# mount/umount: bytes issued (reseal's own "N bytes written"; for xfs_admin,
# strace -f -y summing the write calls on the image plus the lengths of its
# fallocate(ZERO_RANGE) calls, which zero the log and become real writes on
# a block device), bytes that actually differ afterwards (over the data
# extents of both files, SEEK_DATA/SEEK_HOLE), and wall time (median of N
# runs on fresh sparse copies, page cache warm, without strace).  Ratios
# are reseal / xfs_admin.  Every result is checked: xfs_repair -n rc 0 and
# the UUID really changed (xfs_admin exits 0 even when it refuses).
#
# Goal: reseal's bytes do not grow with the filesystem or log size.
#
# usage: sh bench/xfs.sh [N]      N runs per wall-time measurement (default 5)
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
RESEAL=${RESEAL:-$TOP/build/reseal}
N=${1:-5}
W=$(mktemp -d /tmp/reseal-bench.XXXXXX)
MNT=$W/mnt
mkdir -p "$MNT"
trap 'mountpoint -q "$MNT" && umount "$MNT"; rm -rf "$W"' EXIT

die() { echo "bench/xfs.sh: FATAL: $*" >&2; exit 1; }
[ -x "$RESEAL" ] || die "build $RESEAL first (make build/reseal)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for t in mkfs.xfs xfs_admin xfs_repair xfs_db blkid strace "$PY"; do
	command -v "$t" >/dev/null || die "$t is not installed"
done

now_ns() { date +%s%N; }

# median of N wall times (µs) of: CMD COPY, each on a fresh sparse copy of ORIG
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
# bytes issued to IMG by CMD... IMG: write calls + fallocate(ZERO_RANGE) lengths
issued() {
	img=$1; shift
	strace -f -y -e trace=write,pwrite64,pwritev,pwritev2,writev,fallocate -o "$W/st" "$@" "$img" \
		>/dev/null 2>&1 || die "$* failed under strace"
	grep -F "<$img>" "$W/st" | awk '
		/fallocate\(/ && /ZERO_RANGE/ { split($0, a, ", "); n = a[4]; sub(/\).*/, "", n); s += n; next }
		/ = [0-9]+$/ { sub(/.* = /, ""); s += $0 }
		END { print s + 0 }'
}
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
n = done = 0
for s, e in sorted(list(extents(a, size)) + list(extents(b, size))):
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
changed() { "$PY" "$W/changed.py" "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.5f", a / b; else print "-" }'; }
uuid_of() { blkid -p -o value -s UUID "$1"; }

printf '#!/bin/sh\nexec "%s" setuuid "$1"\n' "$RESEAL" >"$W/rs_set"
printf '#!/bin/sh\nexec xfs_admin -U generate "$1"\n' >"$W/adm_set"
chmod +x "$W/rs_set" "$W/adm_set"

line() { printf '%-4s %-8s %-10s %12s %12s %10s\n' "$@"; }
measure() { # SIZE STATE ORIG NAME SCRIPT -> sets I C T
	cp --sparse=always "$3" "$W/x.img"
	before=$(uuid_of "$W/x.img")
	if [ "$5" = rs_set ]; then
		I=$("$RESEAL" setuuid "$W/x.img" | sed -n 's/.*(\([0-9]*\) bytes written)$/\1/p')
	else
		I=$(issued "$W/x.img" "$W/$5")
	fi
	[ "$(uuid_of "$W/x.img")" != "$before" ] || die "$4 ($1 $2): the UUID did not change"
	xfs_repair -n "$W/x.img" >/dev/null 2>&1 || die "$4 ($1 $2): xfs_repair -n failed after the change"
	C=$(changed "$3" "$W/x.img")
	T=$(wall_us "$3" "$W/$5")
	line "$1" "$2" "$4" "$I" "$C" "$T"
}

echo "XFS UUID change: reseal setuuid vs xfs_admin -U generate (median of $N runs)"
line size state tool "issued B" "changed B" "wall µs"
for size in 1G 64G; do
	rm -f "$W/o.img"; truncate -s $size "$W/o.img"
	mkfs.xfs -q -f "$W/o.img" >/dev/null 2>&1 || die "mkfs.xfs $size"
	logb=$(xfs_db -r -c 'sb 0' -c 'p logblocks' "$W/o.img" | sed 's/.* = //')
	bsz=$(xfs_db -r -c 'sb 0' -c 'p blocksize' "$W/o.img" | sed 's/.* = //')
	echo "  $size: log $((logb * bsz / 1048576)) MiB"
	for state in fresh mounted; do
		if [ $state = mounted ]; then
			mount -o loop "$W/o.img" "$MNT" && umount "$MNT" || die "mount $size"
		fi
		measure $size $state "$W/o.img" reseal rs_set;    ri=$I rc=$C rt=$T
		measure $size $state "$W/o.img" xfs_admin adm_set; ai=$I ac=$C at=$T
		line "" "" "ratio" "$(ratio "$ri" "$ai")" "$(ratio "$rc" "$ac")" "$(ratio "$rt" "$at")"
		eval "ri_${size}_$state=$ri"
	done
	rm -f "$W"/*.img
done
# the goal: reseal's bytes are the same at 1 GiB and 64 GiB
[ "$ri_1G_fresh" = "$ri_64G_fresh" ] && [ "$ri_1G_mounted" = "$ri_64G_mounted" ] ||
	die "reseal's bytes written grew with the filesystem: $ri_1G_fresh/$ri_1G_mounted vs $ri_64G_fresh/$ri_64G_mounted"
echo "goal met: reseal issued $ri_1G_fresh B at 1 GiB and $ri_64G_fresh B at 64 GiB"
