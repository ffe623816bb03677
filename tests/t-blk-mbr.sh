# t-blk-mbr.sh: MBR probe and setuuid (docs/formats.md §7), checked
# against sfdisk, blkid and partx: primaries, an extended partition with two
# logicals (PARTN 5, 6), an empty primary slot, 512- and 4096-byte sectors,
# a filesystem in a logical partition, FAT boot sectors that must not pass
# for an MBR, and the refusals.
. "$(dirname "$0")/lib.sh"

BLKID="blkid -c /dev/null"
LOOPS=
HOLDER=
cleanup() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null && wait "$HOLDER" 2>/dev/null
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

mkloop() {  # mkloop VAR LOSETUP-ARGS...
	_v=$1; shift
	_l=$(losetup -f --show "$@") || return 1
	LOOPS="$LOOPS $_l"
	eval "$_v=\$_l"
}
unloop() {
	losetup -d "$1"
	LOOPS=$(echo " $LOOPS " | sed "s| $1 | |")
}
# pget FILE PARTN KEY: KEY in the `reseal probe` block of PARTN (0: table).
pget() {
	awk -v n="$2" -v k="$3" 'BEGIN { RS = ""; FS = "\n" }
	{
		pn = 0; val = ""; hit = 0
		for (i = 1; i <= NF; i++) {
			j = index($i, "=")
			key = substr($i, 1, j - 1)
			if (key == "PARTN") pn = substr($i, j + 1)
			if (key == k) { val = substr($i, j + 1); hit = 1 }
		}
		if (pn == n && hit) print val
	}' "$1"
}
rs_rows() {  # "NR START SECTORS PARTUUID" from `reseal probe` output
	awk 'BEGIN { RS = ""; FS = "\n" }
	{
		pn = ""; o = ""; s = ""; u = ""
		for (i = 1; i <= NF; i++) {
			j = index($i, "="); key = substr($i, 1, j - 1); v = substr($i, j + 1)
			if (key == "PARTN") pn = v
			if (key == "PART_ENTRY_OFFSET") o = v
			if (key == "PART_ENTRY_SIZE") s = v
			if (key == "PARTUUID") u = v
		}
		if (pn != "") print pn, o, s, u
	}' "$1" | sort -n
}
px_rows() {  # the same from partx (libblkid)
	partx -g -o NR,START,SECTORS,UUID "$1" | awk '{ print $1, $2, $3, $4 }' | sort -n
}
same_rows() {
	px_rows "$1" >"$T/.px" && rs_rows "$2" >"$T/.rs" && [ -s "$T/.px" ] && diff "$T/.px" "$T/.rs"
}
same_table() {  # same_table DEV PROBE-OUTPUT: PTTYPE, PTUUID (or its absence) as blkid
	$BLKID -o export "$1" >"$T/.bk" || return 1
	[ "$(sed -n 's/^PTTYPE=//p' "$T/.bk")" = "$(pget "$2" 0 PTTYPE)" ] &&
		[ "$(sed -n 's/^PTUUID=//p' "$T/.bk")" = "$(pget "$2" 0 PTUUID)" ]
}
# sfdisk's dump without the label-id line and the device name.
dump() { sfdisk -d "$1" | grep -v -e '^label-id:' -e '^device:' | sed 's|^[^ ]*\([0-9]\) :|\1 :|'; }
label_id() { sfdisk -d "$1" | sed -n 's/^label-id: //p'; }
refused() {  # refused NAME FILE REGEX CMD...: exit 100, says REGEX, FILE unchanged
	_n=$1 _f=$2 _re=$3; shift 3
	_b=$(sha256sum <"$_f")
	"$@" >"$T/.ref" 2>&1
	_rc=$?
	_a=$(sha256sum <"$_f")
	if [ $_rc -eq 100 ] && [ "$_b" = "$_a" ] && grep -Eq "$_re" "$T/.ref"; then
		pass "$_n"
	else
		fail "$_n" "rc=$_rc, image $([ "$_b" = "$_a" ] && echo unchanged || echo CHANGED), wanted /$_re/"
		sed 's/^/    | /' "$T/.ref" | tail -n 5
	fi
}
written() { sed -n 's/.*: \([0-9]*\) bytes written$/\1/p' "$1" | tail -n 1; }

command -v sfdisk >/dev/null || { fail "sfdisk is installed (Debian package fdisk)"; exit 1; }

# --- 512-byte sectors: 1, (2 empty), 3 extended {5, 6}, 4 --------------------
M=$T/m.img
truncate -s 64M "$M"
sfdisk "$M" >"$T/mk.log" 2>&1 <<EOF || { fail "sfdisk makes the test image"; cat "$T/mk.log"; exit 1; }
label: dos
label-id: 0x1234abcd
unit: sectors

m1 : start=2048, size=16384, type=83, bootable
m3 : start=18432, size=61440, type=5
m4 : start=79872, size=16384, type=c
m5 : start=20480, size=16384, type=83
m6 : start=38912, size=8192, type=82
EOF
cp --sparse=always "$M" "$T/m.orig"

"$RESEAL_ASAN" probe "$M" >"$T/p0" 2>&1
check "probe (asan) of an MBR image exits 0" test $? -eq 0
check "probe: PTTYPE=dos and PTUUID=1234abcd as blkid -o export" same_table "$M" "$T/p0"
check "probe: PTUUID is the disk id" test "$(pget "$T/p0" 0 PTUUID)" = 1234abcd
check "probe: partitions 1 3 4 5 6 (extended container, logicals) as partx" same_rows "$M" "$T/p0"
check "probe: PARTNs are 1 3 4 5 6 (empty slot 2 not reused)" \
	test "$(rs_rows "$T/p0" | cut -d' ' -f1 | tr '\n' ' ')" = "1 3 4 5 6 "
sed 's/^PARTUUID=1234abcd-05/PARTUUID=1234abcd-07/' "$T/p0" >"$T/p0.bad"
check_fails "negative control: the partx comparison notices a wrong PARTUUID" same_rows "$M" "$T/p0.bad"

# explicit id
dump "$M" >"$T/d0"
"$RESEAL" setuuid "$M" cafef00d >"$T/s1" 2>&1
check "setuuid cafef00d exits 0" test $? -eq 0
check "setuuid: sfdisk -d shows label-id 0xcafef00d" test "$(label_id "$M")" = 0xcafef00d
check "setuuid: sfdisk -d otherwise identical (partitions unchanged)" diff "$T/d0" <(dump "$M")
"$RESEAL" probe "$M" >"$T/p1"
check "setuuid: blkid PTUUID is cafef00d, as reseal probe says" same_table "$M" "$T/p1"
check "setuuid: blkid PTUUID is really cafef00d" test \
	"$($BLKID -o export "$M" | sed -n 's/^PTUUID=//p')" = cafef00d
check "setuuid: partx PARTUUIDs are cafef00d-NN, as reseal probe says" same_rows "$M" "$T/p1"
check "setuuid: partx PARTUUID of logical 6 is cafef00d-06" test "$(partx -g -o UUID --nr 6 "$M")" = cafef00d-06
check "setuuid: exactly the 4 bytes at 0x1B8 changed" \
	test "$(cmp -l "$T/m.orig" "$M" | awk '{print $1 - 1}' | tr '\n' ' ')" = "440 441 442 443 "
check "setuuid: 4 bytes written" test "$(written "$T/s1")" = 4
check "setuuid: the output lists every new PARTUUID" test "$(grep -c 'PARTUUID 1234abcd-0[13456] -> cafef00d-0' "$T/s1")" = 5

check "setuuid DEADBEEF (upper case) exits 0" "$RESEAL_ASAN" setuuid "$M" DEADBEEF
check "upper-case input: blkid PTUUID deadbeef" test \
	"$($BLKID -o export "$M" | sed -n 's/^PTUUID=//p')" = deadbeef

cp "$M" "$T/m.before"
"$RESEAL" setuuid "$M" deadbeef >"$T/s2" 2>&1
check "setting the id it already has writes nothing" test "$(written "$T/s2")" = 0
check "... and leaves the image byte-identical" cmp -s "$T/m.before" "$M"

"$RESEAL" setuuid "$M" random >"$T/s3" 2>&1
check "setuuid random exits 0" test $? -eq 0
"$RESEAL" probe "$M" >"$T/p3"
check "random: the id changed" test "$(pget "$T/p3" 0 PTUUID)" != deadbeef
check "random: the id is 8 lower-case hex digits, not 0" \
	sh -c "echo '$(pget "$T/p3" 0 PTUUID)' | grep -Eq '^[0-9a-f]{8}\$' && [ '$(pget "$T/p3" 0 PTUUID)' != 00000000 ]"
check "random: blkid agrees" same_table "$M" "$T/p3"
check "random: partx agrees" same_rows "$M" "$T/p3"
check "random: sfdisk -d partitions unchanged" diff "$T/d0" <(dump "$M")

refused "refuses the id 00000000 (no PTUUID for blkid)" "$M" "invalid" "$RESEAL" setuuid "$M" 00000000
refused "refuses a malformed id" "$M" "invalid" "$RESEAL" setuuid "$M" 0x12
refused "refuses --partuuid on an MBR" "$M" "no GPT partition" "$RESEAL" setuuid --partuuid 1 "$M"
refused "refuses --part 3 (the extended container holds no filesystem)" "$M" "no known filesystem" \
	"$RESEAL" setuuid --part 3 "$M"

# disk id 0: blkid prints no PTUUID and no PARTUUIDs; a new id adds them
cp --sparse=always "$M" "$T/z.img"
dd if=/dev/zero of="$T/z.img" bs=1 seek=440 count=4 conv=notrunc status=none
"$RESEAL" probe "$T/z.img" >"$T/pz" 2>&1
check "id 0: probe prints neither PTUUID nor PARTUUID, like blkid" \
	sh -c "! grep -q UUID '$T/pz' && ! $BLKID -o export '$T/z.img' | grep -q PTUUID"
check "id 0: partitions still as partx" same_rows "$T/z.img" "$T/pz"
check "id 0: setuuid random gives it an id" "$RESEAL" setuuid "$T/z.img"
check "id 0: blkid now shows a PTUUID" grep -q '^PTUUID=[0-9a-f]\{8\}$' <($BLKID -o export "$T/z.img")

# --- a filesystem in logical partition 5 -----------------------------------
fs_part() {  # fs_part IMG PARTN CMD...: run CMD on a loop device of that partition
	local img=$1 nr=$2 start sectors rc
	shift 2
	start=$(partx -g -o START --nr "$nr" "$img") sectors=$(partx -g -o SECTORS --nr "$nr" "$img")
	mkloop FSL --offset $((start * 512)) --sizelimit $((sectors * 512)) "$img" || return 1
	"$@" "$FSL"
	rc=$?
	unloop "$FSL"
	return $rc
}
FSUUID=
check "mkfs.ext4 inside logical partition 5" fs_part "$M" 5 mkfs.ext4 -q -F
FSUUID=$(fs_part "$M" 5 $BLKID -s UUID -o value)
"$RESEAL" probe "$M" >"$T/pf"
# Needs hook/blk/ext4.c (written concurrently); fails while it is a placeholder.
check "probe shows the ext4 of logical 5 in its block (TYPE, UUID as blkid)" test \
	"$(pget "$T/pf" 5 TYPE) $(pget "$T/pf" 5 UUID)" = "ext4 $FSUUID"
cp --sparse=always "$M" "$T/m.before"
check "setuuid --part 5 random exits 0" "$RESEAL_ASAN" setuuid --part 5 "$M"
NEWFS=$(fs_part "$M" 5 $BLKID -s UUID -o value)
check "--part 5: blkid shows a new ext4 UUID" test -n "$NEWFS" -a "$NEWFS" != "$FSUUID"
check "--part 5: e2fsck -fn is clean" fs_part "$M" 5 e2fsck -fn
check "--part 5: no byte outside logical 5 changed" test -z "$(cmp -l "$T/m.before" "$M" |
	awk -v s=$((20480 * 512)) -v e=$(((20480 + 16384) * 512)) '$1 - 1 < s || $1 - 1 >= e')"

# --- on a loop device ------------------------------------------------------
mkloop ML "$M"
"$RESEAL" probe "$ML" >"$T/l0" 2>&1
check "loop device: probe as blkid" same_table "$ML" "$T/l0"
check "loop device: partitions as partx" same_rows "$ML" "$T/l0"
refused "refuses the image file while it is attached" "$M" "attached" "$RESEAL" setuuid "$M" 0badf00d
"$RESEAL_ASAN" setuuid "$ML" 0badf00d >"$T/ls" 2>&1
check "loop device: setuuid exits 0" test $? -eq 0
check "loop device: warns that the kernel did not re-read the table" grep -q BLKRRPART "$T/ls"
check "loop device: blkid shows PTUUID 0badf00d" test \
	"$($BLKID -o export "$ML" | sed -n 's/^PTUUID=//p')" = 0badf00d
rm -f "$T/held"
/usr/bin/python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
open(sys.argv[2], "w").close()
time.sleep(120)' "$ML" "$T/held" &
HOLDER=$!
for _ in $(seq 50); do [ -e "$T/held" ] && break; sleep 0.1; done
refused "refuses a loop device another process holds open with O_EXCL" "$ML" "busy" \
	"$RESEAL" setuuid "$ML"
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; HOLDER=
unloop "$ML"

# --- 4096-byte sectors: sfdisk on a loop -b 4096 device -----------------------
K=$T/k.img
truncate -s 64M "$K"
mkloop KL -b 4096 "$K"
sfdisk "$KL" >"$T/mk4.log" 2>&1 <<EOF || { fail "sfdisk makes the 4K-sector table"; cat "$T/mk4.log"; }
label: dos
label-id: 0x44445555
unit: sectors

k1 : start=256, size=2048, type=83
k2 : start=2304, size=8192, type=5
k5 : start=2560, size=2048, type=83
k6 : start=4864, size=1024, type=83
EOF
"$RESEAL_ASAN" probe "$KL" >"$T/k0" 2>&1
check "4K: probe exits 0" test $? -eq 0
check "4K: PTTYPE and PTUUID as blkid" same_table "$KL" "$T/k0"
check "4K: partitions (in 512-byte units) as partx" same_rows "$KL" "$T/k0"
"$RESEAL" setuuid "$KL" 66667777 >"$T/ks" 2>&1
check "4K: setuuid exits 0" test $? -eq 0
"$RESEAL" probe "$KL" >"$T/k1"
check "4K: blkid shows the new id" test "$($BLKID -o export "$KL" | sed -n 's/^PTUUID=//p')" = 66667777
check "4K: partx shows the new PARTUUIDs" same_rows "$KL" "$T/k1"
check "4K: sfdisk -d shows label-id 0x66667777" test "$(label_id "$KL")" = 0x66667777
unloop "$KL"

# --- FAT boot sectors end in 0x55AA too: never an MBR ------------------------
for fat in 12 16 32; do
	F=$T/fat$fat.img
	case $fat in 12) sz=4M ;; 16) sz=32M ;; 32) sz=64M ;; esac
	truncate -s $sz "$F"
	mkfs.vfat -F $fat "$F" >/dev/null 2>&1 || { fail "mkfs.vfat -F $fat"; continue; }
	check "FAT$fat: blkid -p sees vfat and no partition table (control)" \
		sh -c "$BLKID -p -o export '$F' | grep -q '^TYPE=vfat' && ! $BLKID -p -o export '$F' | grep -q PTTYPE"
	"$RESEAL" probe "$F" >"$T/f$fat" 2>&1
	check "FAT$fat: reseal probe reports no partition table" sh -c "! grep -q PTTYPE '$T/f$fat'"
	cp "$F" "$T/f.before"
	"$RESEAL" setuuid "$F" >"$T/fs$fat" 2>&1
	check "FAT$fat: setuuid never treats it as an MBR (no PTUUID change, 0x1B8 untouched)" \
		bash -c "! grep -q PTUUID '$T/fs$fat' && cmp -s <(dd if='$T/f.before' bs=1 skip=440 count=4 status=none) \
			<(dd if='$F' bs=1 skip=440 count=4 status=none)"
done
