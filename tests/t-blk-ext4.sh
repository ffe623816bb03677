# t-blk-ext4.sh: ext2/3/4 probe and O(1) UUID change (docs/formats.md
# section 1) against the official tools: blkid (probe output), e2fsck -fn,
# dumpe2fs, debugfs, the kernel (loop mount, write, unmount), and
# tests/oracles/ext4_setuuid.py, a second implementation of the change, as a
# byte-for-byte oracle.
. "$(dirname "$0")/lib.sh"
export PYTHONDONTWRITEBYTECODE=1   # the oracles import tests/oracles/crcs.py

U=01234567-89ab-cdef-0123-456789abcdef
# The stdlib is enough, and /usr/bin/python3 starts far faster than a pyenv shim.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
MNT=$T/mnt
mkdir -p "$MNT"
LOOPS=""
cleanup() {
	mountpoint -q "$MNT" && umount "$MNT"
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
attach() { L=$(losetup -f --show "$1") && LOOPS="$LOOPS $L"; }
detach() { losetup -d "$1"; }

# Every probe, and the blkid oracle, without blkid's cache.
blkid_tags() { blkid -c /dev/null -o export "$1" | grep -E '^(TYPE|UUID|LABEL)=' | sort; }
reseal_tags() { "$RESEAL" probe "$1" | grep -E '^(TYPE|UUID|LABEL)=' | sort; }
probe_eq() {
	a=$(reseal_tags "$1") && b=$(blkid_tags "$1") && [ -n "$b" ] &&
		{ [ "$a" = "$b" ] || { echo "reseal: $a"; echo "blkid:  $b"; false; }; }
}
uuid_is() { [ "$(blkid -c /dev/null -o value -s UUID "$1")" = "$2" ]; }
has_feature() { dumpe2fs -h "$1" 2>/dev/null | grep '^Filesystem features:' | grep -qw "$2"; }
lacks_feature() { ! has_feature "$@"; }
# The kernel mounts it read-write, takes a write, unmounts; e2fsck is then
# still clean (so the kernel agrees with the checksums we left behind).
kernel_rw() {
	attach "$1" || return 1
	mount "$L" "$MNT" || { detach "$L"; return 1; }
	echo hello >"$MNT/after-setuuid"
	umount "$MNT" && detach "$L" && e2fsck -fn "$1"
}
# proto_same IMG COPY UUID: the oracle, run on COPY (the image as it was
# before reseal changed IMG) with the same UUID, leaves the same bytes.
proto_same() {
	$PY "$ORACLES/ext4_setuuid.py" "$2" "$3" >/dev/null && cmp "$1" "$2"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
# refuses NAME IMG PATTERN [DEV]: exit 100, PATTERN in the message, image unchanged.
refuses() {
	_img=$2 _pat=$3 _dev=${4:-$2}
	_before=$(sha "$_img")
	"$RESEAL" setuuid "$_dev" "$U" >"$T/.ref.out" 2>&1
	_rc=$?
	_after=$(sha "$_img")
	if [ $_rc -eq 100 ] && grep -q -- "$_pat" "$T/.ref.out" && [ "$_before" = "$_after" ]; then
		pass "$1"
	else
		fail "$1" "rc=$_rc, sha $([ "$_before" = "$_after" ] && echo same || echo CHANGED)"
		sed 's/^/    | /' "$T/.ref.out"
	fi
}
# sbset IMG OFFSET VALUE: OR VALUE into the LE32 superblock field at OFFSET
# and recompute s_checksum (metadata_csum), so only that field is "wrong".
sbset() {
	$PY - "$@" "$ORACLES" <<'EOF'
import struct, sys
img, off, val, oracles = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0), sys.argv[4]
sys.path.insert(0, oracles)
from crcs import crc32c_raw
with open(img, 'r+b') as f:
    f.seek(1024); sb = bytearray(f.read(1024))
    struct.pack_into('<I', sb, off, struct.unpack_from('<I', sb, off)[0] | val)
    if struct.unpack_from('<I', sb, 0x64)[0] & 0x400:
        struct.pack_into('<I', sb, 0x3fc, crc32c_raw(0xffffffff, bytes(sb[:0x3fc])))
    f.seek(1024); f.write(sb)
EOF
}

check "oracle: its CRCs give the catalogue check values" $PY "$ORACLES/crcs.py"

# --- the mkfs variants: probe = blkid, change, then every oracle ---------
n=0
variant() {   # NAME SEED(yes|no) SIZE MKFS-ARGS...
	name=$1 seed=$2 size=$3
	shift 3
	img=$T/$name.img ref=$T/$name.ref
	n=$((n + 1))
	bin=$RESEAL
	[ $((n % 2)) -eq 0 ] && bin=$RESEAL_ASAN   # a share runs under ASan/UBSan
	truncate -s "$size" "$img"
	"$@" "$img" >/dev/null 2>&1 || { fail "$name: mkfs" "$*"; return; }
	[ "$name" = used ] && use_it "$img"
	cp --sparse=always "$img" "$ref"
	check "$name: probe TYPE/UUID/LABEL equal blkid's" probe_eq "$img"
	check "$name: setuuid exits 0 ($(basename "$bin"))" "$bin" setuuid "$img" "$U"
	check "$name: e2fsck -fn clean after the change" e2fsck -fn "$img"
	check "$name: blkid shows the new UUID" uuid_is "$img" "$U"
	check "$name: probe still equals blkid" probe_eq "$img"
	if [ "$seed" = yes ]; then
		check "$name: metadata_csum_seed set (dumpe2fs)" has_feature "$img" metadata_csum_seed
	else
		check "$name: no metadata_csum_seed (not needed)" lacks_feature "$img" metadata_csum_seed
	fi
	check "$name: same bytes as tests/oracles/ext4_setuuid.py" proto_same "$img" "$ref" "$U"
	check "$name: kernel mounts rw, writes; e2fsck still clean" kernel_rw "$img"
}
# Mounted, written and unmounted: s_lastcheck < s_mtime, the state in which
# tune2fs -U demands an e2fsck -f first (docs/formats.md 1.6).
use_it() {
	tune2fs -T 20200101 "$1" >/dev/null &&   # last checked long before the mount
	attach "$1" && mount "$L" "$MNT" && cp -r "$TOP/hook/blk" "$MNT/" && umount "$MNT" && detach "$L"
}

variant ext2        no  128M mkfs.ext2 -q -F
variant ext3        no  128M mkfs.ext3 -q -F
variant ext4        yes 512M mkfs.ext4 -q -F
variant ext4-crc16  no  160M mkfs.ext4 -q -F -b 4096 -g 8192 -O ^metadata_csum,uninit_bg
variant ext4-1k     yes 128M mkfs.ext4 -q -F -b 1024
variant ext4-crc16-1k no 128M mkfs.ext4 -q -F -b 1024 -O ^metadata_csum,uninit_bg
variant sparse2     yes 160M mkfs.ext4 -q -F -b 4096 -g 8192 -O sparse_super2
variant label       yes 128M mkfs.ext4 -q -F -L rootfs
variant used        yes 256M mkfs.ext4 -q -F -b 4096 -g 8192
variant seeded      yes 128M mkfs.ext4 -q -F -O metadata_csum_seed
variant mmp         yes 128M mkfs.ext4 -q -F -O mmp
variant meta_bg     yes 128M mkfs.ext4 -q -F -O meta_bg,^resize_inode

# The "used" state itself: s_lastcheck < s_mtime, so tune2fs -U refuses.
img=$T/used2.img
truncate -s 256M "$img" && mkfs.ext4 -q -F -b 4096 -g 8192 "$img" && use_it "$img"
sbfield() { od -An -tu4 -j$((1024 + $2)) -N4 "$1" | tr -d ' '; }
check "used: s_lastcheck < s_mtime" test "$(sbfield "$img" 0x40)" -lt "$(sbfield "$img" 0x2C)"
cp --sparse=always "$img" "$T/used2.tune"
check_fails "used: tune2fs -U random refuses it (wants e2fsck -f first)" tune2fs -U random "$T/used2.tune"
check "used: reseal changes it without e2fsck" "$RESEAL" setuuid "$img" random
check "used: e2fsck -fn clean" e2fsck -fn "$img"

# random: a fresh v4 UUID.
img=$T/random.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
old=$(blkid -c /dev/null -o value -s UUID "$img")
check "random: setuuid random exits 0" "$RESEAL_ASAN" setuuid "$img" random
new=$(blkid -c /dev/null -o value -s UUID "$img")
check "random: UUID changed to a version-4 UUID" \
	sh -c "[ '$old' != '$new' ] && echo '$new' | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'"
check "random: e2fsck -fn clean" e2fsck -fn "$img"
check "random: a second change of a seeded filesystem is clean too" "$RESEAL" setuuid "$img" "$U"
check "random: e2fsck -fn clean after the second change" e2fsck -fn "$img"

# --- resuming after a crash (docs/formats.md 0.3): backups already written
for kind in csum crc16; do
	orig=$T/resume-$kind.orig a=$T/resume-$kind.a b=$T/resume-$kind.b
	opt=; [ $kind = crc16 ] && opt=-O^metadata_csum,uninit_bg
	truncate -s 160M "$orig" && mkfs.ext4 -q -F -b 4096 -g 8192 $opt "$orig"
	cp --sparse=always "$orig" "$a"
	"$RESEAL" setuuid "$a" "$U" >/dev/null 2>&1
	# crash after the backups: primary superblock and GDT (block 1) still old
	cp --sparse=always "$a" "$b"
	dd if="$orig" of="$b" bs=1024 skip=1 seek=1 count=7 conv=notrunc status=none
	check "resume ($kind): rerun after the backups were written" "$RESEAL" setuuid "$b" "$U"
	check "resume ($kind): result identical to an uninterrupted run" cmp "$a" "$b"
	# crash between the primary GDT and the primary superblock
	cp --sparse=always "$a" "$b"
	dd if="$orig" of="$b" bs=1024 skip=1 seek=1 count=1 conv=notrunc status=none
	check "resume ($kind): rerun after the primary GDT was written" "$RESEAL" setuuid "$b" "$U"
	check "resume ($kind): identical again" cmp "$a" "$b"
done

# --- a foreign backup superblock is skipped, logged and left alone -------
img=$T/foreign.img
truncate -s 160M "$img" && mkfs.ext4 -q -F -b 4096 -g 8192 "$img"
# group 1's backup (byte 32 MiB) gets another UUID, with a valid checksum
$PY - "$img" "$ORACLES" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[2])
from crcs import crc32c_raw
with open(sys.argv[1], 'r+b') as f:
    f.seek(32 << 20); sb = bytearray(f.read(1024))
    sb[0x68:0x78] = bytes(range(16))
    struct.pack_into('<I', sb, 0x3fc, crc32c_raw(0xffffffff, bytes(sb[:0x3fc])))
    f.seek(32 << 20); f.write(sb)
EOF
dd if="$img" bs=1024 skip=$((32 * 1024)) count=1 status=none | sha256sum >"$T/foreign.before"
check "foreign backup: setuuid succeeds" sh -c "'$RESEAL' setuuid '$img' $U >'$T/foreign.out' 2>&1"
check "foreign backup: blkid shows the new UUID" uuid_is "$img" "$U"
check "foreign backup: e2fsck -fn clean" e2fsck -fn "$img"
check "foreign backup: skip is logged" grep -q 'group 1 .*another UUID; left unchanged' "$T/foreign.out"
check "foreign backup: its bytes are untouched" sh -c \
	"dd if='$img' bs=1024 skip=$((32 * 1024)) count=1 status=none | sha256sum | cmp -s - '$T/foreign.before'"
check "foreign backup: group 3's backup was changed" sh -c \
	"dd if='$img' bs=1024 skip=$((3 * 32 * 1024)) count=1 status=none | od -An -tx1 -j104 -N16 | tr -d ' \n' | grep -q 0123456789abcdef0123456789abcdef"

# --- a block device, and a filesystem inside a GPT partition --------------
img=$T/bdev.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
if attach "$img"; then
	check "block device: setuuid on an unmounted loop device" "$RESEAL_ASAN" setuuid "$L" "$U"
	check "block device: blkid on the device shows the new UUID" uuid_is "$L" "$U"
	detach "$L"
	check "block device: e2fsck -fn clean" e2fsck -fn "$img"
else
	fail "block device: losetup"
fi
img=$T/part.img
off=$((2048 * 512))
truncate -s 100M "$img"
sgdisk -n 1:2048:+64M -n 2:0:0 "$img" >/dev/null 2>&1 &&
	mkfs.ext4 -q -F -E offset=$off "$img" 64M >/dev/null 2>&1 || fail "partition: setup"
check "partition: setuuid --part 1" "$RESEAL" setuuid --part 1 "$img" "$U"
if L=$(losetup -f --show --offset $off --sizelimit $((64 << 20)) "$img"); then
	LOOPS="$LOOPS $L"
	check "partition: blkid on the partition shows the new UUID" uuid_is "$L" "$U"
	check "partition: e2fsck -fn on the partition clean" e2fsck -fn "$L"
	detach "$L"
else
	fail "partition: losetup"
fi
check "partition: the GPT is intact (sgdisk -v)" sh -c "sgdisk -v '$img' | grep -q 'No problems found'"

# --- refusals: exit 100, a clear message, zero bytes written -------------
img=$T/badcsum.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
printf 'X' | dd of="$img" bs=1 seek=$((1024 + 0x78)) conv=notrunc status=none   # volume name
check_fails "negative control: e2fsck -fn detects the flipped byte" e2fsck -fn "$img"
# blkid 2.38 (Debian 12) still reports it; libblkid >= 2.39 drops it, as we do.
check_fails "bad checksum: dumpe2fs -h reports the mismatch" dumpe2fs -h "$img"
check "bad checksum: probe exits 100 and says why" sh -c \
	"'$RESEAL' probe '$img' 2>&1; [ \$? -eq 100 ] && '$RESEAL' probe '$img' 2>&1 | grep -q 'checksum mismatch'"
refuses "bad checksum: refused" "$img" "superblock checksum mismatch"

img=$T/recover.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
debugfs -w -R 'feature needs_recovery' "$img" >/dev/null 2>&1
refuses "needs_recovery (set by debugfs): refused" "$img" "journal needs recovery"

# A real dirty journal: the image copied while mounted (a clone of a
# running system).
img=$T/live.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
if attach "$img" && mount "$L" "$MNT"; then
	cp -r "$TOP/hook/blk" "$MNT/" && sync
	cp --sparse=always "$img" "$T/live-copy.img"
	umount "$MNT"; detach "$L"
	refuses "image copied while mounted: refused (journal needs recovery)" \
		"$T/live-copy.img" "journal needs recovery"
else
	fail "live copy: mount"
fi

img=$T/incompat.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
sbset "$img" 0x60 0x100000
check "unknown incompat bit: blkid still sees the filesystem" blkid -c /dev/null -p "$img"
refuses "unknown incompat bit: refused" "$img" "unknown incompat feature bits 0x100000"
img=$T/rocompat.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
sbset "$img" 0x64 0x40000000
refuses "unknown ro_compat bit: refused" "$img" "unknown ro_compat feature bits 0x40000000"

img=$T/trunc.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img" && truncate -s 40M "$img"
check "truncated: blkid still reports it" blkid -c /dev/null -p "$img"
refuses "truncated image: refused" "$img" "truncated image"

img=$T/errors.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
debugfs -w -R 'ssv state 3' "$img" >/dev/null 2>&1
refuses "state has errors: refused" "$img" "filesystem has errors"
img=$T/unclean.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
debugfs -w -R 'ssv state 0' "$img" >/dev/null 2>&1
refuses "state not clean: refused" "$img" "not cleanly unmounted"

img=$T/mmpbusy.img
truncate -s 64M "$img" && mkfs.ext4 -q -F -O mmp "$img"
# mmp_seq = EXT4_MMP_SEQ_FSCK, MMP checksum recomputed (debugfs itself
# takes and releases MMP, so it cannot leave this state behind).
$PY - "$img" "$ORACLES" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[2])
from crcs import crc32c_raw
with open(sys.argv[1], 'r+b') as f:
    f.seek(1024); sb = f.read(1024)
    bs = 1024 << struct.unpack_from('<I', sb, 0x18)[0]
    blk = struct.unpack_from('<Q', sb, 0x168)[0]
    f.seek(blk * bs); m = bytearray(f.read(1024))
    assert struct.unpack_from('<I', m, 0)[0] == 0x004D4D50
    struct.pack_into('<I', m, 4, 0xE24D4D50)
    struct.pack_into('<I', m, 0x3fc, crc32c_raw(crc32c_raw(0xffffffff, sb[0x68:0x78]), bytes(m[:0x3fc])))
    f.seek(blk * bs); f.write(m)
EOF
check "MMP in use: e2fsck -fn sees it too" sh -c "e2fsck -fn '$img' 2>&1 | grep -qi mmp"
refuses "MMP in use (e2fsck running): refused" "$img" "MMP says the filesystem is in use"

img=$T/stable.img
truncate -s 64M "$img" && mkfs.ext4 -q -F -O encrypt,stable_inodes "$img"
refuses "stable_inodes: refused" "$img" "stable_inodes"

img=$T/metabg-crc16.img
truncate -s 64M "$img" && mkfs.ext4 -q -F -O meta_bg,^resize_inode,^metadata_csum,uninit_bg "$img"
refuses "gdt_csum with meta_bg: refused" "$img" "gdt_csum together with meta_bg"

img=$T/jdev.img
truncate -s 64M "$img" && mkfs.ext4 -q -F -O journal_dev "$img" >/dev/null
check "journal device: probe reports TYPE=jbd like blkid" probe_eq "$img"
refuses "journal device: refused" "$img" "external journal device"

# An external journal: the filesystem names the journal device.
img=$T/extj.img
truncate -s 64M "$T/extj-journal.img" && mkfs.ext4 -q -F -O journal_dev "$T/extj-journal.img" >/dev/null
truncate -s 64M "$img"
if attach "$T/extj-journal.img"; then
	mkfs.ext4 -q -F -J device="$L" "$img" >/dev/null 2>&1
	detach "$L"
	refuses "external journal: refused" "$img" "external journal (its s_users"
else
	fail "external journal: losetup"
fi

# Mounted: the loop device is claimed (EBUSY) and the attached file is refused.
img=$T/mounted.img
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img"
if attach "$img" && mount -o ro "$L" "$MNT"; then
	refuses "mounted: setuuid on the loop device refused" "$img" "busy" "$L"
	refuses "mounted: setuuid on the attached image file refused" "$img" "attached to"
	umount "$MNT"; detach "$L"
	check "mounted: after umount and detach the change goes through" "$RESEAL" setuuid "$img" "$U"
else
	fail "mounted: mount"
fi

# A torn primary superblock (docs/formats.md §1.9): on a disk that writes
# 512-byte sectors whole, a power cut during the change's last write may
# keep one sector of the superblock read and one of the superblock
# written.  The boot rebuilds it (reseal-test ext4_mend runs that code on
# an image); the kernel reads the journal meanwhile through the backup
# (ext4_backup_sb gives the sb= value); anything not explained by the
# change is left byte for byte.
OLD=11111111-2222-4333-8444-555555555555
# sector N (0 or 1) of the primary superblock of $1 into $2
# ro_mount IMG [OPTS]: the kernel mounts IMG read-only (with OPTS), lists it
ro_mount() {
	_l=$(losetup -f --show -r "$1") || return 1
	mount -o ro${2:+,$2} "$_l" "$MNT" 2>/dev/null && ls "$MNT" >/dev/null && umount "$MNT"
	_rc=$?
	losetup -d "$_l"
	return $_rc
}
sb_sector() { dd if="$1" of="$2" bs=512 skip=$((2 + $3)) seek=$((2 + $3)) count=1 conv=notrunc status=none; }
torn_case() {
	name=$1; shift
	img=$T/torn-$name
	truncate -s 300M "$img.old" && mkfs.ext4 -q -F -U "$OLD" "$@" "$img.old" || { fail "$name: mkfs"; return; }
	cp "$img.old" "$img.new" && "$RESEAL" setuuid "$img.new" "$U" >/dev/null 2>&1 || { fail "$name: setuuid"; return; }
	for s in 0 1; do
		# every write but the primary's is on the disk; of the primary,
		# only sector $s of the superblock written
		t=$img.t$s
		cp "$img.new" "$t" && sb_sector "$img.old" "$t" $((1 - s))
		sum=$(sha "$t")
		check_fails "$name: sector $s of the new superblock only: the kernel refuses it" ro_mount "$t"
		kib=$("$RTEST" ext4_backup_sb "$t")
		ro_mount "$t" "noload,sb=$kib"
		check "$name: sector $s: the kernel mounts it through the backup (sb=$kib), nothing written" \
			sh -c '[ $0 = 0 ] && [ "$1" = "$(sha256sum "$2" | cut -d" " -f1)" ]' $? "$sum" "$t"
		check "$name: sector $s: not explained by another change: refused, nothing written" \
			sh -c '"$0" ext4_mend "$1" "$2" "$3"; [ $? = 100 ] && [ "$4" = "$(sha256sum "$1" | cut -d" " -f1)" ]' \
			"$RTEST" "$t" "$OLD" 22222222-3333-4444-8555-666666666666 "$sum"
		check "$name: sector $s: a dry run says it would mend it, writes nothing" \
			sh -c '[ "$("$0" ext4_mend "$1" "$2" "$3" dry)" = "would mend" ] && [ "$4" = "$(sha256sum "$1" | cut -d" " -f1)" ]' \
			"$RTEST" "$t" "$OLD" "$U" "$sum"
		check "$name: sector $s: rebuilt" sh -c '[ "$("$0" ext4_mend "$1" "$2" "$3")" = mended ]' "$RTEST" "$t" "$OLD" "$U"
		check "$name: sector $s: the disk is now the one an uninterrupted change leaves" cmp "$t" "$img.new"
		check "$name: sector $s: e2fsck -fn clean" e2fsck -fn "$t"
		check "$name: sector $s: a second run finds it intact" \
			sh -c '[ "$("$0" ext4_mend "$1" "$2" "$3")" = intact ]' "$RTEST" "$t" "$OLD" "$U"
		rm -f "$t"
	done
	[ -n "${KEEP:-}" ] || torn_case_end "$name"
}
torn_case_end() { rm -f "$T/torn-$1.old" "$T/torn-$1.new"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
KEEP=1 torn_case "4k-blocks" -b 4096
# The reseal's own pass (rs_mend_torn_planned, for an ext4 other than the
# root, e.g. /home): among the boot's devices, the one whose tear the
# plan's change explains is rebuilt; a tear two devices share (a copy of
# the disk is attached) is rebuilt on neither.
img=$T/torn-4k-blocks
truncate -s 64M "$T/other" && mkfs.ext4 -q -F "$T/other"
cp "$img.old" "$img.t" && "$RESEAL" setuuid "$img.t" "$U" >/dev/null 2>&1 && sb_sector "$img.old" "$img.t" 1
cp "$img.t" "$img.twin"
sums=$(sha "$img.t"; sha "$T/other")
# (relative names: the tool takes device-path lengths, and $T may be long)
check "plan pass: the twin of a torn superblock: rebuilt on neither, nothing written" \
	sh -c 'cd "$6" && [ "$("$0" ext4_mend_plan "$1" "$2" "$3" "$4" "$5")" = 0 ] && cmp "$3" "$4" &&
		[ "$7" = "$(sha256sum "$3" "$5" | cut -d" " -f1)" ]' "$RTEST" "$OLD" "$U" \
	torn-4k-blocks.t torn-4k-blocks.twin other "$T" "$sums"
check "plan pass: alone among the devices: rebuilt" \
	sh -c 'cd "$6" && [ "$("$0" ext4_mend_plan "$1" "$2" "$3" "$4")" = 1 ] && cmp "$4" "$5"' \
	"$RTEST" "$OLD" "$U" other torn-4k-blocks.t torn-4k-blocks.new "$T"
check "plan pass: the other filesystem untouched" sh -c '[ "$(sha256sum "$0" | cut -d" " -f1)" = "$1" ]' \
	"$T/other" "$(echo "$sums" | tail -n 1)"
rm -f "$img.t" "$img.twin" "$T/other"
torn_case_end "4k-blocks"
torn_case "1k-blocks" -b 1024
torn_case "seed-already-pinned" -O metadata_csum_seed

# A torn write of the kernel's own (the superblock of a mount) against the
# superblock before it: no UUID change explains it; left as it is.
img=$T/torn-kernel
truncate -s 300M "$img" && mkfs.ext4 -q -F -U "$OLD" "$img" && "$RESEAL" setuuid "$img" "$U" >/dev/null 2>&1
cp "$img" "$img.before"
if attach "$img" && mount "$L" "$MNT"; then
	echo x >"$MNT/x"; umount "$MNT"; detach "$L"; L=
	sb_sector "$img.before" "$img" 1
	sum=$(sha "$img")
	check_fails "kernel's own torn superblock: the kernel refuses it" ro_mount "$img"
	check "kernel's own torn superblock: refused for the change that was done, nothing written" \
		sh -c '"$0" ext4_mend "$1" "$2" "$3"; [ $? = 100 ] && [ "$4" = "$(sha256sum "$1" | cut -d" " -f1)" ]' \
		"$RTEST" "$img" "$OLD" "$U" "$sum"
else
	fail "kernel's own torn superblock: mount"
fi
rm -f "$img" "$img.before"

# Without metadata_csum there is no superblock checksum: every mix of the
# two superblocks is a valid one, and nothing is rebuilt.
img=$T/torn-nocsum
truncate -s 64M "$img.old" && mkfs.ext4 -q -F -U "$OLD" -O ^metadata_csum "$img.old" &&
	cp "$img.old" "$img" && "$RESEAL" setuuid "$img" "$U" >/dev/null 2>&1 && sb_sector "$img.old" "$img" 1
check "no metadata_csum: a mix is intact" sh -c '[ "$("$0" ext4_mend "$1" "$2" "$3")" = intact ]' "$RTEST" "$img" "$OLD" "$U"
check "no metadata_csum: e2fsck -fn clean" e2fsck -fn "$img"
rm -f "$img" "$img.old"
