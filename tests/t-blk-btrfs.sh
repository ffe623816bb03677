# t-blk-btrfs.sh: btrfs probe and O(1) fsid change (docs/formats.md
# section 3) against the official tools: blkid, btrfs check, btrfs
# inspect-internal dump-super, btrfstune, the kernel's btrfs driver; and
# tests/oracles/btrfs_setuuid.py, a second implementation of the change, as
# a byte-for-byte oracle.
. "$(dirname "$0")/lib.sh"

for tool in mkfs.btrfs btrfs btrfstune blkid losetup /usr/bin/python3; do
	command -v "$tool" >/dev/null || { fail "needs $tool"; exit 0; }
done

M=$T/mnt
mkdir -p "$M"
LOOPS=
cleanup() {
	mountpoint -q "$M" && umount "$M"
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
attach() { _l=$(losetup -f --show "$1") && LOOPS="$LOOPS $_l" && echo "$_l"; }
detach() { losetup -d "$1"; }

mkbtrfs() { # IMG SIZE [mkfs.btrfs options]
	_i=$1 _s=$2; shift 2
	rm -f "$_i"; truncate -s "$_s" "$_i" && mkfs.btrfs -q -f "$@" "$_i" >/dev/null 2>&1
}
fields() { grep -E '^(TYPE|UUID|LABEL|VERSION)=' | LC_ALL=C sort; }
# reseal probe prints what blkid prints for TYPE, UUID, LABEL, VERSION.
same_as_blkid() {
	"$RESEAL" probe "$1" | fields >"$T/p.r" && blkid -p -o export "$1" | fields >"$T/p.b" &&
		grep -q '^TYPE=btrfs$' "$T/p.b" && diff "$T/p.b" "$T/p.r"
}
super() { # IMG FIELD [COPY]: a value from btrfs inspect-internal dump-super
	btrfs inspect-internal dump-super -s "${3:-0}" "$1" | awk -v f="$2" '$1 == f { print $2; exit }'
}
bl_uuid() { blkid -p -o value -s UUID "$1"; }
mounts() { # IMG: the kernel mounts a copy of it (a mount writes: keep IMG as it is)
	cp --sparse=always "$1" "$T/mnt.img" || return 1
	_l=$(attach "$T/mnt.img") || return 1
	mount -t btrfs "$_l" "$M" || { detach "$_l"; return 1; }
	_ok=0; [ -d "$M" ] && ls "$M" >/dev/null || _ok=1
	umount "$M"; detach "$_l"; rm -f "$T/mnt.img"; return $_ok
}
# Every byte that changed lies in a superblock field the change owns:
# csum, fsid (0x0-0x2f), incompat_flags (0xbc-0xc3), metadata_uuid
# (0x23b-0x24a) of a copy at 64 KiB or 64 MiB.  (awk has no hex literals.)
only_sb_fields() {
	cmp -l "$1" "$2" | awk '
		{ o = $1 - 1; b = (o >= 67108864) ? 67108864 : 65536; r = o - b
		  if (r < 0 || r >= 4096) bad = 1
		  else if (!((r < 48) || (r >= 188 && r < 196) || (r >= 571 && r < 587))) bad = 1
		  n++ }
		END { if (bad || n == 0) exit 1; print n " bytes changed" }'
}
# refused NAME IMG [PATTERN]: reseal setuuid (product and sanitizer build)
# exits 100 and says why, and the image is byte-for-byte unchanged.
refused() {
	_n=$1 _i=$2 _p=${3:-refusing}
	_h=$(sha256sum <"$_i")
	"$RESEAL" setuuid "$_i" 0f0e0d0c-0b0a-4908-8706-050403020100 >"$T/r.out" 2>&1
	_rc=$?
	"$RESEAL_ASAN" setuuid "$_i" 0f0e0d0c-0b0a-4908-8706-050403020100 >"$T/r2.out" 2>&1
	_rc2=$?
	if [ $_rc -eq 100 ] && [ $_rc2 -eq 100 ] && grep -q -- "$_p" "$T/r.out" &&
		[ "$_h" = "$(sha256sum <"$_i")" ]; then
		pass "$_n"
	else
		fail "$_n" "rc=$_rc/$_rc2, sha256 $( [ "$_h" = "$(sha256sum <"$_i")" ] && echo same || echo CHANGED)"
		sed 's/^/    | /' "$T/r.out" "$T/r2.out"
	fi
}

# Superblock surgery for the refusal cases: patch fields in the copies at
# 64 KiB and 64 MiB, then recompute each copy's crc32c (unless nocrc).
cat >"$T/sbpatch.py" <<'EOF'
import struct, sys
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
img, which, ops = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(img, 'r+b') as f:
    for n, off in enumerate((0x10000, 0x4000000)):
        if which != 'all' and int(which) != n:
            continue
        f.seek(off); sb = bytearray(f.read(4096))
        if sb[0x40:0x48] != b'_BHRfS_M':
            continue
        fix = True
        for op in ops:
            if op == 'nocrc':
                fix = False; continue
            kind, o, v = op.split(':'); o = int(o, 0); v = int(v, 0)
            if kind == 'or64':
                struct.pack_into('<Q', sb, o, struct.unpack_from('<Q', sb, o)[0] | v)
            elif kind == 'add64':
                struct.pack_into('<Q', sb, o, struct.unpack_from('<Q', sb, o)[0] + v)
            elif kind == 'xor8':
                sb[o] ^= v
        if fix:
            sb[0:32] = struct.pack('<I', crc32c(bytes(sb[0x20:]))) + bytes(28)
        f.seek(off); f.write(sb)
EOF
sbpatch() { /usr/bin/python3 "$T/sbpatch.py" "$@"; }

# --- probe --------------------------------------------------------------
mkbtrfs "$T/a.img" 300M
check "probe == blkid on a fresh 300 MiB btrfs" same_as_blkid "$T/a.img"
mkbtrfs "$T/l.img" 300M -L rs-btrfs_Label.1
check "probe == blkid on a labelled btrfs" same_as_blkid "$T/l.img"
check "probe reports the label" sh -c "'$RESEAL' probe '$T/l.img' | grep -qx LABEL=rs-btrfs_Label.1"
mkbtrfs "$T/u.img" 400M -L used
l=$(attach "$T/u.img") && mount "$l" "$M" && cp -r "$TOP/hook" "$M/" &&
	dd if=/dev/urandom of="$M/blob" bs=1M count=8 status=none && sync && umount "$M"
detach "$l"
check "probe == blkid on a used (mounted, written, unmounted) btrfs" same_as_blkid "$T/u.img"

cp --sparse=always "$T/a.img" "$T/bad.img"
sbpatch "$T/bad.img" 0 xor8:0x300:0x01 nocrc
"$RESEAL" probe "$T/bad.img" >"$T/o" 2>&1; rc=$?
check "probe: a primary with a bad crc32c is invalid, not btrfs (exit 100, says checksum)" \
	sh -c "[ $rc -eq 100 ] && grep -q 'checksum' '$T/o' && ! grep -q '^TYPE=' '$T/o'"

# --- setuuid ------------------------------------------------------------
U1=3c9f1b52-7f0e-4b6a-9d1e-2a4b6c8d0e1f
for img in a u; do
	cp --sparse=always "$T/$img.img" "$T/$img.orig"
	old=$(bl_uuid "$T/$img.img")
	check "$img: setuuid exits 0" "$RESEAL_ASAN" setuuid "$T/$img.img" $U1
	cp --sparse=always "$T/$img.orig" "$T/$img.oracle"
	check "$img: same bytes as tests/oracles/btrfs_setuuid.py" sh -c \
		'/usr/bin/python3 "$1/btrfs_setuuid.py" "$2" "$3" >/dev/null && cmp "$2" "$4"' \
		_ "$ORACLES" "$T/$img.oracle" $U1 "$T/$img.img"
	rm -f "$T/$img.oracle"
	check "$img: btrfs check --readonly is clean" btrfs check --readonly "$T/$img.img"
	check "$img: blkid shows the new UUID" test "$(bl_uuid "$T/$img.img")" = $U1
	check "$img: dump-super metadata_uuid is the old fsid" test "$(super "$T/$img.img" metadata_uuid)" = "$old"
	check "$img: dump-super dev_item.fsid still the old fsid" \
		test "$(super "$T/$img.img" dev_item.fsid)" = "$old"
	check "$img: incompat METADATA_UUID (1<<10) is set" \
		sh -c "[ \$(( $(super "$T/$img.img" incompat_flags) & 0x400 )) -ne 0 ]"
	check "$img: probe == blkid: UUID is sb.fsid (new), not dev_item.fsid (old)" same_as_blkid "$T/$img.img"
	check "$img: mirror at 64 MiB has the new fsid too" test "$(super "$T/$img.img" fsid 1)" = $U1
	check "$img: only csum/fsid/incompat/metadata_uuid of the two copies changed" \
		only_sb_fields "$T/$img.orig" "$T/$img.img"
	check "$img: the kernel mounts it" mounts "$T/$img.img"
	check "$img: setuuid a second time (random) exits 0" "$RESEAL" setuuid "$T/$img.img" random
	check "$img: second change: check clean" btrfs check --readonly "$T/$img.img"
	check "$img: second change: metadata_uuid still the original" \
		test "$(super "$T/$img.img" metadata_uuid)" = "$old"
	check "$img: second change: blkid no longer shows the first new UUID" \
		test "$(bl_uuid "$T/$img.img")" != $U1
	check "$img: second change: the kernel mounts it" mounts "$T/$img.img"
	check "$img: setuuid back to the original exits 0" "$RESEAL" setuuid "$T/$img.img" "$old"
	check "$img: back to the original: METADATA_UUID cleared, image identical to before" \
		cmp "$T/$img.orig" "$T/$img.img"
done

cp --sparse=always "$T/l.img" "$T/l.ref"
cp --sparse=always "$T/l.img" "$T/l.orig"
check "oracle: tests/oracles/btrfs_setuuid.py changes a copy" \
	/usr/bin/python3 "$ORACLES/btrfs_setuuid.py" "$T/l.ref" $U1
"$RESEAL" setuuid "$T/l.img" $U1 >/dev/null 2>&1
check "byte-identical to the oracle for the same UUID" cmp "$T/l.ref" "$T/l.img"
lold=$(super "$T/l.orig" fsid)
cp --sparse=always "$T/l.ref" "$T/l.back"
/usr/bin/python3 "$ORACLES/btrfs_setuuid.py" "$T/l.back" "$lold" >/dev/null
check "oracle: changed back to the original, byte-identical to the untouched image" \
	cmp "$T/l.orig" "$T/l.back"
rm -f "$T/l.back"
"$RESEAL" setuuid "$T/l.img" $U1 >"$T/o" 2>&1; rc=$?
check "setuuid to the current UUID is a no-op (0 bytes written)" \
	sh -c "[ $rc -eq 0 ] && cmp -s '$T/l.ref' '$T/l.img' && grep -q '(0 bytes written)' '$T/o'"

# A rerun after an interruption between the mirror and the primary.
cp --sparse=always "$T/a.orig" "$T/i.img"
cp --sparse=always "$T/a.orig" "$T/i.done"
"$RESEAL" setuuid "$T/i.done" $U1 >/dev/null 2>&1
dd if="$T/i.done" of="$T/i.img" bs=4096 skip=16384 seek=16384 count=1 conv=notrunc status=none
check "interrupted run (mirror done, primary not): the old identity still mounts" mounts "$T/i.img"
check "interrupted run: rerun with the same UUID completes it" "$RESEAL" setuuid "$T/i.img" $U1
check "interrupted run: result identical to an uninterrupted run" cmp "$T/i.done" "$T/i.img"
cp --sparse=always "$T/a.orig" "$T/i.img"
dd if="$T/i.done" of="$T/i.img" bs=4096 skip=16384 seek=16384 count=1 conv=notrunc status=none
refused "interrupted run: a rerun with a different UUID is refused" "$T/i.img" "different fsid"

# Through a loop device (block device path, O_EXCL).
cp --sparse=always "$T/a.orig" "$T/b.img"
l=$(attach "$T/b.img")
check "block device: setuuid on an unmounted /dev/loopN exits 0" "$RESEAL" setuuid "$l" $U1
check "block device: blkid on the loop device shows the new UUID" test "$(bl_uuid "$l")" = $U1
check "block device: the kernel mounts it" sh -c "mount '$l' '$M' && umount '$M'"
mount "$l" "$M"
h=$(sha256sum <"$T/b.img")
"$RESEAL" setuuid "$l" random >"$T/o" 2>&1; rc=$?
check "mounted: setuuid on the mounted /dev/loopN is refused with exit 100 (busy)" \
	sh -c "[ $rc -eq 100 ] && grep -qi 'busy' '$T/o'"
"$RESEAL" setuuid "$T/b.img" random >"$T/o" 2>&1; rc=$?
check "mounted: setuuid on the image behind it is refused with exit 100" \
	sh -c "[ $rc -eq 100 ] && grep -q 'attached' '$T/o'"
umount "$M"
check "mounted: nothing was written" test "$h" = "$(sha256sum <"$T/b.img")"
detach "$l"

# 300 GiB sparse: three copies (64 KiB, 64 MiB, 256 GiB).
rm -f "$T"/*.orig "$T"/i.* "$T"/l.ref
if truncate -s 300G "$T/big.img" && mkfs.btrfs -q -f "$T/big.img" >/dev/null 2>&1; then
	old=$(bl_uuid "$T/big.img")
	check "300 GiB: the copy at 256 GiB exists before" test "$(super "$T/big.img" fsid 2)" = "$old"
	"$RESEAL_ASAN" setuuid "$T/big.img" $U1 >"$T/o" 2>&1
	check "300 GiB: setuuid writes three 4 KiB copies" grep -q '(12288 bytes written)' "$T/o"
	for c in 0 1 2; do
		check "300 GiB: copy $c has the new fsid and the old metadata_uuid" sh -c \
			"[ '$(super "$T/big.img" fsid $c)' = $U1 ] && [ '$(super "$T/big.img" metadata_uuid $c)' = '$old' ]"
	done
	check "300 GiB: btrfs check is clean" btrfs check --readonly "$T/big.img"
	check "300 GiB: the kernel mounts it" mounts "$T/big.img"
	rm -f "$T/big.img"
else
	fail "300 GiB: mkfs.btrfs on a sparse 300 GiB file"
fi

# --- refusals (exit 100, a reason, zero bytes written) ------------------
# 128 MiB images (still two copies) keep the before/after hashing cheap.
mkbtrfs "$T/s.img" 128M
rm -f "$T/m1.img" "$T/m2.img"; truncate -s 128M "$T/m1.img" "$T/m2.img"
mkfs.btrfs -q -f -d single -m single "$T/m1.img" "$T/m2.img" >/dev/null 2>&1
refused "multi-device filesystem is refused" "$T/m1.img" "multi-device"
rm -f "$T/m1.img" "$T/m2.img"

cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" 0 xor8:0x300:0x01 nocrc
refused "bad primary checksum is refused" "$T/r.img" "checksum"
cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" 1 xor8:0x300:0x01 nocrc
refused "bad checksum in the 64 MiB mirror is refused" "$T/r.img" "bad checksum"

cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" all or64:0xbc:0x100000
refused "unknown incompat bit (1<<20) is refused" "$T/r.img" "unknown incompat"
cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" all or64:0xbc:0x8
check "control: the same surgery with a known bit (compress_lzo) is accepted" \
	"$RESEAL" setuuid "$T/r.img" $U1
check "control: ... and btrfs check agrees the surgery is sound" btrfs check --readonly "$T/r.img"
cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" all or64:0xbc:0x1000
refused "zoned (incompat 1<<12) is refused" "$T/r.img" "zoned"
cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" all or64:0x38:0x1000000000
refused "CHANGING_FSID_V2 is refused" "$T/r.img" "in progress"
cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" 1 add64:0x48:1
refused "copies at different generations are refused" "$T/r.img" "generation"
cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" all xor8:0x11b:0x01
refused "dev_item.fsid != metadata UUID is refused" "$T/r.img" "dev_item.fsid"
cp --sparse=always "$T/s.img" "$T/r.img"
sbpatch "$T/r.img" 1 xor8:0x30:0x01
refused "a mirror with the wrong bytenr is refused" "$T/r.img" "lives at"

cp --sparse=always "$T/s.img" "$T/r.img"
btrfstune -S 1 "$T/r.img" >/dev/null 2>&1
refused "seed device (btrfstune -S 1) is refused" "$T/r.img" "seed"

cp --sparse=always "$T/s.img" "$T/r.img"
truncate -s 100M "$T/r.img"
refused "truncated image is refused" "$T/r.img" "truncated"

mkbtrfs "$T/x.img" 128M --csum xxhash
check "xxhash64 checksums: probe still == blkid" same_as_blkid "$T/x.img"
refused "xxhash64 checksums: setuuid refuses (unsupported checksum type)" "$T/x.img" \
	"unsupported checksum type"
