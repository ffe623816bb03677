#!/bin/sh
# bench/ext4.sh: ext4 UUID change, reseal (superblock copies only, pinning
# metadata_csum_seed; docs/formats.md §1.7) vs tune2fs.
#
# Images (default mkfs.ext4 features: metadata_csum, no seed):
#   empty-1G    1 GiB sparse, fresh from mkfs
#   files-1G    1 GiB, 100,000 small files put in by mkfs.ext4 -d
#   empty-64G   64 GiB sparse, fresh from mkfs
# Tools, each on its own fresh sparse copy of the same image:
#   reseal      reseal setuuid IMG random
#   tune2fs     tune2fs -U random IMG            (rewrites every metadata
#               checksum, formats.md §1.6; allowed because the images were never
#               mounted, i.e. s_lastcheck >= s_mtime)
#   tune2fs+s   tune2fs -O metadata_csum_seed -U random IMG  (the O(1) variant)
# Columns: bytes issued to the image (reseal's own "N bytes written",
# cross-checked once with strace; for tune2fs strace -f -y summing the write
# calls on the image), bytes that differ afterwards (compared over the data
# extents of both files, SEEK_DATA/SEEK_HOLE), and wall time (median of N
# runs on fresh copies; page cache warm unless BENCH_DROP_CACHES=1).
# Ratios are reseal / tune2fs.  Every result is checked: e2fsck -fn rc 0 and
# a new UUID in blkid.
#
# Goal: reseal's bytes do not grow with the file count (empty-1G = files-1G)
# and grow with the size only through the number of backup superblocks
# (1 KiB per copy: 5 copies at 1 GiB, 13 at 64 GiB with sparse_super).
#
# usage: sh bench/ext4.sh [N]      N runs per wall-time measurement (default 5)
#        FILES=100000 sets the file count of files-1G.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
RESEAL=${RESEAL:-$TOP/build/reseal}
N=${1:-5}
FILES=${FILES:-100000}
W=$(mktemp -d /tmp/reseal-bench.XXXXXX)
MNT=$W/mnt
mkdir -p "$MNT"
trap 'mountpoint -q "$MNT" && umount "$MNT"; rm -rf "$W"' EXIT

die() { echo "bench/ext4.sh: FATAL: $*" >&2; exit 1; }
[ -x "$RESEAL" ] || die "build $RESEAL first (make build/reseal)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for t in mkfs.ext4 tune2fs e2fsck dumpe2fs blkid strace "$PY"; do
	command -v "$t" >/dev/null || die "$t is not installed"
done

# The three ways of changing the UUID, each taking the image as $1.
printf '#!/bin/sh\nexec "%s" setuuid "$1" random\n' "$RESEAL" >"$W/reseal"
printf '#!/bin/sh\nexec tune2fs -U random "$1" </dev/null\n' >"$W/tune2fs"
printf '#!/bin/sh\nexec tune2fs -O metadata_csum_seed -U random "$1" </dev/null\n' >"$W/tune2fs+s"
chmod +x "$W/reseal" "$W/tune2fs" "$W/tune2fs+s"

now_ns() { date +%s%N; }
fresh_copy() {
	cp --sparse=always "$1" "$W/run.img"
	sync
	if [ "${BENCH_DROP_CACHES:-0}" = 1 ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}
# median wall time (µs) of TOOL on N fresh copies of ORIG
wall_us() {
	i=0
	: >"$W/times"
	while [ $i -lt "$N" ]; do
		fresh_copy "$1"
		t0=$(now_ns)
		"$W/$2" "$W/run.img" >/dev/null 2>&1 || die "$2 failed"
		t1=$(now_ns)
		echo $(((t1 - t0) / 1000)) >>"$W/times"
		i=$((i + 1))
	done
	sort -n "$W/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
# bytes TOOL issues to IMG, counted by strace on the image's descriptor
issued() {
	strace -f -y -e trace=write,pwrite64,pwritev,pwritev2,writev -o "$W/st" "$W/$2" "$1" \
		>/dev/null 2>&1 || die "$2 failed under strace"
	grep -F "<$1>" "$W/st" | awk '/ = [0-9]+$/ { sub(/.* = /, ""); s += $0 } END { print s + 0 }'
}
# bytes that differ between two same-size sparse files (data extents only)
cat >"$W/changed.py" <<'EOF'
import os, sys
def data(fd, size):
    off = 0
    while off < size:
        try:
            s = os.lseek(fd, off, os.SEEK_DATA)
        except OSError:
            return
        e = os.lseek(fd, s, os.SEEK_HOLE)
        yield s, e
        off = e
fa, fb = os.open(sys.argv[1], os.O_RDONLY), os.open(sys.argv[2], os.O_RDONLY)
size = os.fstat(fa).st_size
assert size == os.fstat(fb).st_size
diff = end = 0
for s, e in sorted(list(data(fa, size)) + list(data(fb, size))):
    s = max(s, end)
    while s < e:
        n = min(e - s, 1 << 20)
        x, y = os.pread(fa, n, s), os.pread(fb, n, s)
        if x != y:
            for k in range(0, n, 4096):
                p, q = x[k:k + 4096], y[k:k + 4096]
                if p != q:
                    diff += sum(1 for i in range(len(p)) if p[i] != q[i])
        s += n
    end = max(end, e)
print(diff)
EOF
changed() { "$PY" "$W/changed.py" "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "-" }'; }
uuid_of() { blkid -c /dev/null -p -o value -s UUID "$1"; }
copies() { echo $((1 + $(dumpe2fs "$1" 2>/dev/null | grep -c 'Backup superblock at'))); }

line() { printf '%-10s %-10s %12s %12s %12s\n' "$@"; }
# measure IMAGE-NAME ORIG TOOL: prints one row, sets I C T
measure() {
	cp --sparse=always "$2" "$W/x.img"
	before=$(uuid_of "$W/x.img")
	if [ "$3" = reseal ]; then
		I=$("$W/reseal" "$W/x.img" | sed -n 's/.*(\([0-9]*\) bytes written)$/\1/p')
		[ -n "$I" ] || die "reseal printed no byte count"
	else
		I=$(issued "$W/x.img" "$3")
	fi
	[ "$(uuid_of "$W/x.img")" != "$before" ] || die "$3 on $1: the UUID did not change"
	e2fsck -fn "$W/x.img" >/dev/null 2>&1 || die "$3 on $1: e2fsck -fn failed after the change"
	C=$(changed "$2" "$W/x.img")
	T=$(wall_us "$2" "$3")
	line "$1" "$3" "$I" "$C" "$T"
}

mkimg() {   # NAME SIZE [mkfs args]
	name=$1 size=$2
	shift 2
	rm -f "$W/$name.img"
	truncate -s "$size" "$W/$name.img"
	mkfs.ext4 -q -F "$@" "$W/$name.img" >/dev/null 2>&1 || die "mkfs.ext4 $name"
}

echo "building the images (files-1G: $FILES files through mkfs.ext4 -d) ..."
t0=$(now_ns)
mkdir -p "$W/tree"
"$PY" - "$W/tree" "$FILES" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 1000))
    if i % 1000 == 0:
        os.mkdir(d)
    with open(os.path.join(d, "f%05d" % i), "w") as f:
        f.write("file %d\n" % i)
EOF
mkimg files-1G 1G -N $((FILES + FILES / 4)) -d "$W/tree"
rm -rf "$W/tree"
mkimg empty-1G 1G
mkimg empty-64G 64G
echo "  done in $((($(now_ns) - t0) / 1000000000)) s"

# reseal's own count agrees with what strace sees it issue.
cp --sparse=always "$W/empty-1G.img" "$W/x.img"
s=$(issued "$W/x.img" reseal)
cp --sparse=always "$W/empty-1G.img" "$W/x.img"
o=$("$W/reseal" "$W/x.img" | sed -n 's/.*(\([0-9]*\) bytes written)$/\1/p')
[ "$s" = "$o" ] || die "reseal reports $o bytes written, strace saw $s"

echo
echo "ext4 UUID change: reseal setuuid vs tune2fs -U (median of $N runs; ratios reseal/tune2fs)"
line image tool "issued B" "changed B" "wall µs"
for img in empty-1G files-1G empty-64G; do
	measure $img "$W/$img.img" reseal;    ri=$I rc=$C rt=$T
	measure $img "$W/$img.img" tune2fs;   ti=$I tc=$C tt=$T
	line "" "ratio" "$(ratio "$ri" "$ti")" "$(ratio "$rc" "$tc")" "$(ratio "$rt" "$tt")"
	measure $img "$W/$img.img" tune2fs+s; si=$I sc=$C st=$T
	line "" "ratio" "$(ratio "$ri" "$si")" "$(ratio "$rc" "$sc")" "$(ratio "$rt" "$st")"
	eval "ri_$(echo $img | tr -d -)=$ri"
	eval "cp_$(echo $img | tr -d -)=$(copies "$W/$img.img")"
	echo
done

# Once mounted, tune2fs -U wants an e2fsck -f first (formats.md §1.6); reseal does not.
cp --sparse=always "$W/files-1G.img" "$W/x.img"
mount -o loop "$W/x.img" "$MNT" && touch "$MNT/used" && umount "$MNT" || die "mount files-1G"
if tune2fs -U random "$W/x.img" </dev/null >/dev/null 2>&1; then
	echo "files-1G after one mount: tune2fs -U random accepted it"
else
	echo "files-1G after one mount: tune2fs -U random refuses (\"requires a freshly checked filesystem\"); tune2fs -O metadata_csum_seed -U or reseal needed"
fi
"$W/reseal" "$W/x.img" >/dev/null && e2fsck -fn "$W/x.img" >/dev/null 2>&1 ||
	die "reseal on the mounted-once files-1G failed"
echo "files-1G after one mount: reseal ok, e2fsck -fn clean"
echo

[ "$ri_empty1G" = "$ri_files1G" ] ||
	die "reseal's bytes grew with the file count: $ri_empty1G vs $ri_files1G"
[ "$ri_empty1G" = $((cp_empty1G * 1024)) ] && [ "$ri_empty64G" = $((cp_empty64G * 1024)) ] ||
	die "reseal wrote other than 1 KiB per superblock copy"
echo "goal met: reseal issued $ri_empty1G B for 0 and for $FILES files at 1 GiB ($cp_empty1G superblock copies)," \
	"$ri_empty64G B at 64 GiB ($cp_empty64G copies): 1 KiB per copy, nothing else"
