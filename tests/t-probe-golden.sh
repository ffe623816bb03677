# t-probe-golden.sh: `reseal probe` on every image among the fuzz seeds
# (tests/fuzz/seeds/) and in tests/probe/images/, compared line for line with
# the checked-in output in tests/probe/expected/<fmt>/<name>, as util-linux
# tests libblkid.  No root, no loop device: run as root, it re-runs itself as
# uid/gid 65534 (setpriv) and checks that it did.
#
# Each expected file is also compared with what the system's blkid says of
# the same image (blkid -p, partx, fdisk; see blkid_view): where they differ
# on purpose, tests/probe/blkid-differs says why, and an entry there that no
# longer differs fails too, so the list stays true.
#
# A negative control flips one byte, of a checksum or of what one covers, in
# a copy of some images: the probe must refuse it, and the comparison must
# see the difference.
#
# UPDATE=1 bash tests/t-probe-golden.sh rewrites the expected files from the
# current build/reseal (as the invoking user); review the diff before commit.
# New images: tests/probe/mkimages.sh.
. "$(dirname "$0")/lib.sh"

P=$TOP/tests/probe
SEEDS=$TOP/tests/fuzz/seeds
UPDATE=${UPDATE:-}

if [ "$(id -u)" = 0 ] && [ -z "$UPDATE" ] && [ -z "${PROBE_GOLDEN_CHILD:-}" ]; then
	command -v setpriv >/dev/null || { fail "needs setpriv to drop root"; exit 0; }
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	if ! nobody test -r "$TOP/tests/lib.sh" -a -x "$RESEAL"; then
		fail "uid 65534 cannot read $TOP/tests or run $RESEAL"; exit 0
	fi
	# The scratch dir of this (root) shell is not used; the child makes its own.
	PROBE_GOLDEN_CHILD=1 TOP=$TOP RESEAL=$RESEAL \
		nobody bash "$0"
	exit $?
fi
if [ -z "$UPDATE" ]; then
	check "runs without root (uid $(id -u))" test "$(id -u)" != 0
fi
for tool in blkid partx fdisk xz od; do
	command -v "$tool" >/dev/null || { fail "needs $tool"; exit 0; }
done
if [ ! -r "$P/blkid-differs" ] || [ ! -x "$RESEAL" ]; then
	fail "cannot read $P/blkid-differs or run $RESEAL as uid $(id -u)"; exit 0
fi

# u64 FILE OFFSET big|little: an unsigned 64-bit field of FILE
u64() { od -An -tu8 -j "$2" -N8 --endian="$3" "$1" | tr -d ' '; }
# extend FILE SIZE: grow FILE (sparse) to at least SIZE bytes
extend() { [ -n "$2" ] && [ "$2" -gt 0 ] && truncate -s ">$2" "$1"; }

# Make the probed image OUT from a source.  Fuzz seeds that are images are
# taken as they are (ext4, gpt, mbr; vfat seeds are heads of images, which
# reseal and blkid both probe from the boot sector); the btrfs and swap
# seeds are harness inputs (tests/fuzz/fuzz_btrfs.c, fuzz_swap.c) and are
# laid out here as their harness does (without fuzz_btrfs.c's mirror copy
# at 64 MiB: the probe reads the primary only).  An XFS or btrfs image kept as a head
# is extended, sparse, to the size its superblock declares (blkid ignores
# smaller devices).
materialise() {  # KIND(seed|image) FMT SRC OUT
	case $1/$2 in
	seed/btrfs)   # control byte, then the superblock placed at 64 KiB
		{ head -c 65536 /dev/zero; tail -c +2 "$3"; } >"$4" ;;
	seed/swap)    # control byte (& 1: a 1 MiB device, else 40 KiB), then the head
		tail -c +2 "$3" >"$4"
		if [ $(( $(od -An -tu1 -N1 "$3") & 1 )) = 1 ]; then extend "$4" 1048576
		else extend "$4" 40960; fi ;;
	seed/*)  cp "$3" "$4" ;;
	image/*) xz -dc "$3" >"$4" ;;
	esac || return 1
	case $2 in
	xfs)   extend "$4" $(( $(u64 "$4" 8 big) * $(od -An -tu4 -j4 -N4 --endian=big "$4") )) ;;
	btrfs) extend "$4" "$(u64 "$4" $((65536 + 0xD1)) little)" ;;
	esac
}

# Every source: "KIND FMT NAME PATH".  Only the on-disk formats' seeds are
# images: the text parsers' (journal, conf, cmdline, fstab) are not, and the
# xfs layout* seeds are one control byte for fuzz_xfs.c's synthetic template.
sources() {
	for f in "$SEEDS"/*/*; do
		fmt=${f%/*}; fmt=${fmt##*/}; name=${f##*/}
		case $fmt in btrfs|ext4|gpt|mbr|swap|vfat|xfs) ;; *) continue ;; esac
		case $fmt/$name in xfs/layout*) continue ;; esac
		echo "seed $fmt $name $f"
	done
	for f in "$P"/images/*/*.xz; do
		[ -e "$f" ] || continue
		fmt=${f%/*}; fmt=${fmt##*/}; name=${f##*/}
		echo "image $fmt ${name%.xz} $f"
	done
}

# blkid -o export escaping: a backslash before each of  \"'$`<>  and blank.
esc() { sed 's/[ \\"'"'"'$`<>]/\\&/g'; }
# The filesystem keys reseal prints, in its order, from blkid -p -o export.
fs_keys() {
	awk -F= '{ v[$1] = substr($0, length($1) + 2) }
	END { if ("TYPE" in v) { n = split("LABEL UUID VERSION TYPE", k, " ")
		for (i = 1; i <= n; i++) if (k[i] in v) print k[i] "=" v[k[i]] } }'
}
# What the system's tools say of image NAME (cwd), in `reseal probe`'s
# format: blkid -p for a filesystem on the whole image, for the table's type
# and id, and for the filesystem in each partition (-O/-S); partx (libblkid)
# for the partitions; for a GPT with 4096-byte sectors, which blkid -p
# cannot be told about, fdisk -b 4096 and partx -S 4096.
blkid_view() {
	blkid -p -o export "$1" >"$T/.bv" 2>/dev/null
	if grep -q '^TYPE=' "$T/.bv"; then
		echo "DEVNAME=$1"; fs_keys <"$T/.bv"; return
	fi
	grep -q '^PTTYPE=' "$T/.bv" || return 0
	ss=512
	[ "$(od -An -c -j 512 -N 8 "$1" | tr -d ' ')" != "EFIPART" ] &&
		[ "$(od -An -c -j 4096 -N 8 "$1" | tr -d ' ')" = "EFIPART" ] && ss=4096
	echo "DEVNAME=$1"
	if [ $ss = 512 ]; then
		grep '^PTUUID=' "$T/.bv"; grep '^PTTYPE=' "$T/.bv"
	else
		fdisk -b 4096 -l "$1" >"$T/.fd" 2>/dev/null
		sed -n 's/^Disk identifier: \(0x\)\{0,1\}\(.*\)/PTUUID=\L\2/p' "$T/.fd"
		sed -n 's/^Disklabel type: /PTTYPE=/p' "$T/.fd"
	fi
	partx -S $ss -g -P -o NR,START,SECTORS,UUID,NAME "$1" 2>/dev/null |
	sed -n 's/^NR="\([^"]*\)" START="\([^"]*\)" SECTORS="\([^"]*\)" UUID="\([^"]*\)" NAME="\([^"]*\)"$/\1 \2 \3 \4 \5/p' |
	sort -n |
	while read -r nr start sec uuid name; do
		printf '\nDEVNAME=%s\nPARTN=%s\n' "$1" "$nr"
		# partx writes \xHH for anything unusual in a name
		name=$(printf '%b' "$name")
		[ -n "$name" ] && printf 'PARTLABEL=%s\n' "$name" | esc
		[ -n "$uuid" ] && echo "PARTUUID=$uuid"
		echo "PART_ENTRY_OFFSET=$start"
		echo "PART_ENTRY_SIZE=$sec"
		blkid -p -o export -O $((start * 512)) -S $((sec * 512)) "$1" 2>/dev/null | fs_keys
	done
}

# show FILE: indented, for a failure report
show() { sed 's/^/    | /' "$@"; }

mkdir -p "$T/img" "$T/out"
differs=$(grep -v '^[[:space:]]*\(#\|$\)' "$P/blkid-differs" | cut -d' ' -f1)
n=0
sources >"$T/sources"
while read -r kind fmt name src <&3; do
	id=$fmt/$name
	mkdir -p "$T/img/$fmt" "$T/out/$fmt"
	if ! materialise "$kind" "$fmt" "$src" "$T/img/$fmt/$name"; then
		fail "$id: cannot lay out the image"; continue
	fi
	n=$((n + 1))
	out=$T/out/$fmt/$name
	exp=$P/expected/$fmt/$name
	(cd "$T/img/$fmt" && "$RESEAL" probe "$name") >"$out" 2>"$out.err"
	rc=$?
	if [ -n "$UPDATE" ]; then
		mkdir -p "${exp%/*}"
		cp "$out" "$exp"
	fi
	if [ $rc != 0 ]; then
		fail "$id: probe exited $rc"; show "$out.err"
	elif [ ! -f "$exp" ]; then
		fail "$id: no expected output (UPDATE=1 to create it)"; show "$out"
	elif diff -u "$exp" "$out" >"$out.diff"; then
		pass "$id: probe output as expected"
	else
		fail "$id: probe output differs from tests/probe/expected/$id"; show "$out.diff"
	fi
	# blkid's view of the same image, against the expected file
	[ -f "$exp" ] || continue
	(cd "$T/img/$fmt" && blkid_view "$name") >"$out.blkid"
	listed=$(echo "$differs" | grep -Fxc "$id")
	if diff -u "$out.blkid" "$exp" >"$out.bdiff"; then
		if [ "$listed" = 0 ]; then pass "$id: blkid agrees"
		else fail "$id: blkid agrees now; drop it from tests/probe/blkid-differs"; fi
	elif [ "$listed" != 0 ]; then
		pass "$id: differs from blkid as tests/probe/blkid-differs records"
	else
		fail "$id: blkid disagrees (- blkid, + expected)"; show "$out.bdiff"
	fi
done 3<"$T/sources"
check "every expected file has its image ($n probed)" sh -c '
	cd "$1/expected" && for e in */*; do grep -qF " ${e%%/*} ${e#*/} " "$2" ||
		{ echo "orphan: $e"; exit 1; }; done' _ "$P" "$T/sources"
check "the seeds and images include every format" sh -c '
	for f in ext4 xfs btrfs vfat swap gpt mbr; do
		grep -q "^[a-z]* $f " "$1" || { echo "no $f"; exit 1; }; done' _ "$T/sources"

# Negative control: one byte flipped in a copy, in a checksum or in what one
# covers, must be refused, and the golden comparison must notice.
# (FMT NAME BYTE-OFFSET WHAT)
flip() {  # FILE OFFSET: xor one byte with 0x01
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((_b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
while read -r fmt name off what <&3; do
	id=$fmt/$name
	c=$T/img/$fmt/$name.bad
	[ -f "$T/img/$fmt/$name" ] || { fail "negative $id: no such image"; continue; }
	cp --sparse=always "$T/img/$fmt/$name" "$c" && flip "$c" $((off))
	(cd "$T/img/$fmt" && "$RESEAL" probe "$name.bad") 2>"$c.err" |
		sed "s|^DEVNAME=$name.bad\$|DEVNAME=$name|" >"$c.out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && ! cmp -s "$c.out" "$P/expected/$id"; then
		pass "negative: $id with its $what flipped is refused (exit $rc)"
	else
		fail "negative: $id with its $what flipped: exit $rc"; show "$c.out" "$c.err"
	fi
done 3<<'EOF'
ext4 ext4-csum 1024+0x3FC superblock checksum
xfs sb-mkfs-300m 0xE0 superblock CRC
btrfs plain 65536 superblock csum
gpt gpt512-2part.img 512+0x10 header CRC
gpt named-fs 1024+0x38 first partition name (under the entry-array CRC)
EOF
exit 0
