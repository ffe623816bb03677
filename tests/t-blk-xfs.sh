# t-blk-xfs.sh: XFS probe and O(1) UUID change (docs/formats.md section 2)
# against the official tools: blkid (probe output), xfs_repair -n,
# xfs_logprint -t, xfs_db, the kernel (loop mount, write, remount; shutdown
# -f and log recovery), and tests/oracles/xfs_setuuid.py, a second
# implementation of the change (its "minimal" and "full" log writes) and of
# the clean-log test, as a byte-for-byte oracle.
. "$(dirname "$0")/lib.sh"

# /usr/bin/python3 starts far faster than a pyenv shim; stdlib only
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
export PY
for t in mkfs.xfs xfs_repair xfs_logprint xfs_io xfs_admin xfs_db blkid losetup "$PY"; do
	command -v "$t" >/dev/null || { fail "needs $t"; exit 0; }
done
grep -qw xfs /proc/filesystems || modprobe xfs 2>/dev/null
grep -qw xfs /proc/filesystems || { fail "the kernel has no XFS"; exit 0; }

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

newuuid() { cat /proc/sys/kernel/random/uuid; }
# mk IMG SIZE MKFS-OPTIONS...: a fresh sparse image.
mk() {
	_i=$1 _s=$2; shift 2
	rm -f "$_i" && truncate -s "$_s" "$_i" && mkfs.xfs -q -f "$@" "$_i" >"$T/.mkfs.out" 2>&1 ||
		{ fail "mkfs.xfs $* ($_s) failed" "$(head -1 "$T/.mkfs.out")"; return 1; }
	# mkfs leaves the zeroed log allocated: copy it sparse, so that
	# hashing and copying the image stay cheap
	cp --sparse=always "$_i" "$_i.s" && mv "$_i.s" "$_i"
}
cpimg() { cp --sparse=always "$1" "$2"; }

blkid_tags() { blkid -p -o export "$1" | grep -E '^(TYPE|UUID|LABEL)=' | sort; }
reseal_tags() { "$RESEAL" probe "$1" | grep -E '^(TYPE|UUID|LABEL)=' | sort; }
probe_eq() {
	a=$(reseal_tags "$1") && b=$(blkid_tags "$1") && [ -n "$b" ] &&
		{ [ "$a" = "$b" ] || { echo "reseal: $a"; echo "blkid:  $b"; false; }; }
}
uuid_is() { [ "$(blkid -p -o value -s UUID "$1")" = "$2" ]; }
repair_ok() { xfs_repair -n "$1"; }
log_clean() { xfs_logprint -t "$1" 2>&1 | grep -q 'state: <CLEAN>'; }
log_dirty() { xfs_logprint -t "$1" 2>&1 | grep -q 'state: <DIRTY>'; }
# "log tail: N head: N state: <CLEAN>"
log_tail_is_head() {
	xfs_logprint -t "$1" 2>&1 | awk '/log tail:/ { t = $3; h = $5; c = $7 }
		END { exit !(t != "" && t == h && c == "<CLEAN>") }'
}

# setuuid IMG UUID [BINARY]: output in $T/set.out, "N bytes written" in $BYTES.
setuuid() {
	"${3:-$RESEAL}" setuuid "$1" "$2" >"$T/set.out" 2>&1
	_rc=$?
	BYTES=$(sed -n 's/.*(\([0-9]*\) bytes written).*/\1/p' "$T/set.out")
	cat "$T/set.out"
	return $_rc
}
bytes_are() { [ "$BYTES" = "$1" ] || { echo "bytes written: $BYTES, expected $1"; false; }; }

# The kernel mounts it, takes a file, unmounts, mounts again and reads it back.
kernel_rw() {
	mount -o loop "$1" "$MNT" || return 1
	echo "after-$2" >"$MNT/after-setuuid" && sync
	umount "$MNT" || return 1
	mount -o loop "$1" "$MNT" || return 1
	_ok=0
	[ "$(cat "$MNT/after-setuuid")" = "after-$2" ] || { echo "file lost"; _ok=1; }
	umount "$MNT" && return $_ok
}
# The crash test of docs/formats.md 2.9: write and sync files, shut down
# the filesystem with the log flushed but not unmounted (so the next mount
# must replay it), unmount, mount again (recovery), read back, unmount,
# xfs_repair -n, one more mount cycle.
crash_recover() {
	mount -o loop "$1" "$MNT" || return 1
	for i in 1 2 3 4 5 6; do echo "crash-$i" >"$MNT/c$i"; done
	mkdir -p "$MNT/d" && seq 1 2000 >"$MNT/d/numbers"
	sync
	touch "$MNT/late1" "$MNT/late2"
	xfs_io -x -c 'shutdown -f' "$MNT" || { umount "$MNT"; return 1; }
	umount "$MNT" || return 1
	log_dirty "$1" || { echo "log not dirty after shutdown: recovery not exercised"; return 1; }
	mount -o loop "$1" "$MNT" || { echo "mount after shutdown failed"; dmesg | tail -5; return 1; }
	_ok=0
	for i in 1 2 3 4 5 6; do
		[ "$(cat "$MNT/c$i")" = "crash-$i" ] || { echo "c$i lost"; _ok=1; }
	done
	[ "$(seq 1 2000)" = "$(cat "$MNT/d/numbers")" ] || { echo "numbers lost"; _ok=1; }
	umount "$MNT" || return 1
	xfs_repair -n "$1" >/dev/null 2>&1 || { echo "xfs_repair -n after recovery failed"; return 1; }
	mount -o loop "$1" "$MNT" && umount "$MNT" && return $_ok
}
# Mount, write files, unmount: a "used" filesystem whose log head moved.
use_fs() {
	mount -o loop "$1" "$MNT" || return 1
	mkdir -p "$MNT/etc" && cp -r /etc/hostname /etc/os-release "$MNT/etc/" 2>/dev/null
	for i in $(seq 1 200); do echo "$i" >"$MNT/f$i"; done
	sync
	rm -f "$MNT"/f1*
	umount "$MNT"
}

# scenario NAME IMG [BINARY] [ORACLE]: the full battery on one image.
# ORACLE "minimal" or "full": the same bytes as tests/oracles/xfs_setuuid.py
# with that log write, run on a copy with the same UUID.
# (lib.sh's check() uses $_n: these locals are sc_*)
scenario() {
	sc_n=$1 sc_img=$2 sc_bin=${3:-$RESEAL} sc_or=${4:-}
	sc_u=$(newuuid)
	check "$sc_n: probe matches blkid" probe_eq "$sc_img"
	check "$sc_n: xfs_logprint CLEAN before" log_clean "$sc_img"
	[ -n "$sc_or" ] && cpimg "$sc_img" "$T/oracle.img"
	check "$sc_n: setuuid exits 0" setuuid "$sc_img" "$sc_u" "$sc_bin"
	[ -n "$sc_or" ] && check "$sc_n: same bytes as the oracle's $sc_or log write" \
		sh -c '"$PY" "$1/xfs_setuuid.py" "$2" "$3" "$4" >/dev/null && cmp "$3" "$5"' \
		_ "$ORACLES" "$sc_or" "$T/oracle.img" "$sc_u" "$sc_img"
	rm -f "$T/oracle.img"
	check "$sc_n: blkid shows the new UUID" uuid_is "$sc_img" "$sc_u"
	check "$sc_n: probe matches blkid after" probe_eq "$sc_img"
	check "$sc_n: xfs_repair -n rc 0" repair_ok "$sc_img"
	check "$sc_n: xfs_logprint CLEAN, tail == head" log_tail_is_head "$sc_img"
	check "$sc_n: kernel mounts, writes, remounts" kernel_rw "$sc_img" "$sc_n"
	check "$sc_n: shutdown -f, recovery, data intact, repair clean" crash_recover "$sc_img"
}

# SHA-256 of the size, the data extents and their bytes (holes read as
# zeros either way; reading only the data keeps this cheap).
sha() {
	"$PY" - "$1" <<'EOF'
import hashlib, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
h, off = hashlib.sha256(b"%d;" % size), 0
while off < size:
    try:
        d = os.lseek(fd, off, os.SEEK_DATA)
    except OSError:
        break
    e = os.lseek(fd, d, os.SEEK_HOLE)
    h.update(b"%d-%d;" % (d, e))
    while d < e:
        b = os.pread(fd, min(e - d, 1 << 20), d)
        h.update(b)
        d += len(b)
    off = e
print(h.hexdigest())
EOF
}
# refuses NAME IMG PATTERN [DEV] [BINARY]: exit 100, PATTERN in the message,
# image unchanged.
refuses() {
	_img=$2 _pat=$3 _dev=${4:-$2} _bin=${5:-$RESEAL}
	_before=$(sha "$_img")
	"$_bin" setuuid "$_dev" "$(newuuid)" >"$T/.ref.out" 2>&1
	_rc=$?
	_after=$(sha "$_img")
	if [ $_rc -eq 100 ] && grep -q -- "$_pat" "$T/.ref.out" && [ "$_before" = "$_after" ]; then
		pass "$1"
	else
		fail "$1" "rc=$_rc, sha $([ "$_before" = "$_after" ] && echo same || echo CHANGED)"
		sed 's/^/    | /' "$T/.ref.out"
	fi
}

# xfsedit: superblock and log surgery with a CRC-32C of its own (stdlib only).
cat >"$T/xfsedit.py" <<'EOF'
import os, struct, sys, uuid
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    T.append(c)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
assert crc32c(b"123456789") == 0xE3069283
be32 = lambda b, o: struct.unpack_from(">I", b, o)[0]
fd = os.open(sys.argv[2], os.O_RDWR)
sb = bytearray(os.pread(fd, 512, 0))
sect = struct.unpack_from(">H", sb, 0x66)[0]
bsize, agblocks, agcount = be32(sb, 4), be32(sb, 0x54), be32(sb, 0x58)
def sbs(every):
    for ag in (range(agcount) if every else [0]):
        off = ag * agblocks * bsize
        yield off, bytearray(os.pread(fd, sect, off))
def put(off, b, fix=True):
    if fix:
        b[0xE0:0xE4] = b"\0\0\0\0"
        struct.pack_into("<I", b, 0xE0, crc32c(bytes(b)))
    os.pwrite(fd, bytes(b), off)
cmd = sys.argv[1]
if cmd == "or32":          # or32 IMG OFF MASK: OR into a BE32 field, fix the CRC
    off, b = next(sbs(False))
    f, m = int(sys.argv[3], 0), int(sys.argv[4], 0)
    struct.pack_into(">I", b, f, be32(b, f) | m)
    put(off, b)
elif cmd == "byte":        # byte IMG OFF VAL: set a byte, fix the CRC
    off, b = next(sbs(False))
    b[int(sys.argv[3], 0)] = int(sys.argv[4], 0)
    put(off, b)
elif cmd == "flip":        # flip IMG OFF: corrupt a byte, leave the CRC stale
    off, b = next(sbs(False))
    b[int(sys.argv[3], 0)] ^= 0xFF
    put(off, b, False)
elif cmd == "sbuuid":      # sbuuid IMG UUID: superblocks only, log left alone
    new = uuid.UUID(sys.argv[3]).bytes
    for off, b in sbs(True):
        inc = be32(b, 0xD8)
        meta = bytes(b[0xF8:0x108]) if inc & 4 else bytes(b[0x20:0x30])
        struct.pack_into(">I", b, 0xD8, inc | 4)
        b[0xF8:0x108] = meta
        b[0x20:0x30] = new
        put(off, b)
elif cmd == "aguuid":      # aguuid IMG AG UUID: one AG copy's sb_uuid only, CRC fixed
    ag = int(sys.argv[3])
    off = ag * agblocks * bsize
    b = bytearray(os.pread(fd, sect, off))
    b[0x20:0x30] = uuid.UUID(sys.argv[4]).bytes
    put(off, b)
elif cmd == "copylog":     # copylog IMG SRC: IMG gets SRC's log (same geometry)
    logstart, logblocks, agblklog = struct.unpack_from(">Q", sb, 0x30)[0], be32(sb, 0x60), sb[0x7C]
    ls = ((logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))) * bsize
    src = os.open(sys.argv[3], os.O_RDONLY)
    os.pwrite(fd, os.pread(src, logblocks * bsize, ls), ls)
elif cmd == "head-at-end":
    # A clean never-wrapped log (cycle 1) whose head is its last block:
    # records fill [0, n-3), an unmount record [n-3, n-1), block n-1 is
    # zero.  A 2-block record written at the head is then split: one block
    # at n-1, one at block 0 (docs/formats.md 2.9 step 3).
    logstart, logblocks, agblklog = struct.unpack_from(">Q", sb, 0x30)[0], be32(sb, 0x60), sb[0x7C]
    ls = ((logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))) * bsize
    n = logblocks * bsize // 512
    fsu = bytes(sb[0x20:0x30])
    def rec(cycle, blk, nbb):
        sunit = nbb * 512 if nbb > 2 else 0
        hdrs = (sunit + 32767) // 32768 if sunit > 32768 else 1
        r = bytearray(nbb * 512)
        struct.pack_into(">IIII", r, 0, 0xFEEDBABE, cycle, 2, (nbb - hdrs) * 512)
        struct.pack_into(">QQ", r, 0x10, cycle << 32 | blk, cycle << 32 | blk)
        struct.pack_into(">iII", r, 0x24, -1, 1, 0xB0C0D0D0)
        struct.pack_into(">I", r, 0x12C, 1)
        r[0x130:0x140] = fsu
        struct.pack_into(">I", r, 0x140, max(sunit, 32768))
        for k in range(1, nbb):
            struct.pack_into(">I", r, k * 512, cycle)
        struct.pack_into(">IBB", r, hdrs * 512 + 4, 8, 0xAA, 0x20)
        struct.pack_into("<H", r, hdrs * 512 + 12, 0x556E)
        return r
    out, blk = bytearray(), 0
    while blk < n - 3:
        ln = min(512, n - 3 - blk)
        if n - 3 - blk - ln == 1:
            ln -= 1
        out += rec(1, blk, ln)
        blk += ln
    out += rec(1, n - 3, 2) + bytes(512)
    os.pwrite(fd, bytes(out), ls)
else:
    sys.exit("usage")
os.fsync(fd)
EOF
xfsedit() { "$PY" "$T/xfsedit.py" "$@"; }

##### the change, on the geometries and histories of docs/formats.md 2.9 #####

I=$T/x.img
mk "$I" 300M && scenario "fresh 300M" "$I" "$RESEAL" minimal
# bytes issued: 2 log blocks + 4 AG superblocks of 512 bytes + the record's
# header sector again (docs/formats.md 2.9, 2.10)
check "fresh default geometry: 3584 bytes written (1 KiB log + 4 x 512 B superblocks + 512 B log)" bytes_are 3584
a=$(newuuid)
check "same UUID again: exit 0, nothing written" sh -c '"$1" setuuid "$2" "$3" && "$1" setuuid "$2" "$3" | grep -q "(0 bytes written)"' \
	_ "$RESEAL" "$I" "$a"

mk "$I" 300M -s size=4096 && scenario "4K sectors" "$I" "$RESEAL_ASAN"
check "4K sectors: 24576 bytes written (8-block record + 4 x 4 KiB superblocks + 4 KiB log sector)" bytes_are 24576

mk "$I" 300M -l su=32k && scenario "log stripe su=32k" "$I"
check "log stripe su=32k: one 32 KiB record + 4 superblocks + its header sector written" bytes_are $((32768 + 2048 + 512))

# label, data stripe (the log inherits its stripe unit), 1 GiB, used
mk "$I" 1G -L resealtest -d su=64k,sw=4 && use_fs "$I" &&
	scenario "used 1G, label, data stripe su=64k,sw=4" "$I" "$RESEAL_ASAN"
check "label: LABEL=resealtest in probe" sh -c '"$1" probe "$2" | grep -qx LABEL=resealtest' _ "$RESEAL" "$I"
# the same image again: the method applied twice in a row (and thrice)
scenario "used 1G, second change" "$I" "$RESEAL"
check "used 1G, third change right after the second" sh -c \
	'"$1" setuuid "$2" && "$1" setuuid "$2" && xfs_repair -n "$2" >/dev/null 2>&1 && mount -o loop "$2" "$3" && umount "$3"' \
	_ "$RESEAL" "$I" "$MNT"

# A wrapped log: with a 256 KiB log stripe unit every fsync writes at least
# one 256 KiB record, so 300 of them go round the 64 MiB log once.
mk "$I" 300M -l su=256k
mount -o loop "$I" "$MNT" && {
	args=""
	for i in $(seq 1 300); do args="$args -c 'truncate $i' -c fsync"; done
	eval xfs_io -f $args "$MNT/churn"
	umount "$MNT"
}
check "log su=256k: the log wrapped (xfs_logprint -d shows cycle 2 records)" sh -c \
	'xfs_logprint -d "$1" 2>/dev/null | grep -q "HEADER Cycle 2 "' _ "$I"
check "log su=256k: the oracle's clean-log test says clean, cycle 2, head where xfs_logprint -t has it" \
	sh -c '"$PY" "$1/xfs_setuuid.py" check "$2" >"$3" &&
		xfs_logprint -t "$2" 2>&1 |
		awk "/log tail:/ { print (\$7 == \"<CLEAN>\" ? \"clean\" : \$7), 2, \$5 }" | cmp - "$3"' \
	_ "$ORACLES" "$I" "$T/state.out"
scenario "wrapped log, su=256k" "$I" "$RESEAL" minimal

# A record that must be split at the end of the log (head = last block).
mk "$I" 300M && xfsedit head-at-end "$I"
cpimg "$I" "$T/ctl.img"
check "head-at-end control: the crafted log is clean and mounts as is" sh -c \
	'xfs_logprint -t "$1" 2>&1 | grep -q "state: <CLEAN>" && mount -o loop "$1" "$2" && umount "$2"' _ "$T/ctl.img" "$MNT"
rm -f "$T/ctl.img"
scenario "head at the last log block (split record)" "$I" "$RESEAL_ASAN" minimal

# xfs_admin -U leaves a log the minimal write cannot fix (docs/formats.md
# 2.9 step 4): the fallback rewrites the whole log (2.7).  The oracle's
# minimal write declines it too.
mk "$I" 300M && xfs_admin -U generate "$I" >/dev/null
cpimg "$I" "$T/ctl.img"
check "after xfs_admin -U: the oracle's minimal write declines it as well" sh -c \
	'"$PY" "$1/xfs_setuuid.py" minimal "$2" "$3"; [ $? -eq 1 ]' _ "$ORACLES" "$T/ctl.img" "$(newuuid)"
rm -f "$T/ctl.img"
scenario "after xfs_admin -U, never mounted (full rewrite)" "$I" "$RESEAL_ASAN" full
check "after xfs_admin: fallback reported" grep -q "rewriting the whole log" "$T/set.out"
mk "$I" 300M && xfs_admin -U generate "$I" >/dev/null && setuuid "$I" "$(newuuid)" >/dev/null
check "after xfs_admin: full rewrite writes 2 x 64 MiB (nil UUID, then the new) + 2 KiB" bytes_are $((2 * 64 * 1024 * 1024 + 2048))
setuuid "$I" "$(newuuid)" >/dev/null
check "after our full rewrite, the next change is minimal again (3584 bytes)" bytes_are 3584
mk "$I" 300M && xfs_admin -U generate "$I" >/dev/null && use_fs "$I" &&
	scenario "after xfs_admin -U and one mount" "$I" "$RESEAL"

# An interrupted change (docs/formats.md 2.9: the log written, the superblocks not):
# rerunning with the same UUID finishes it; another UUID is refused.
mk "$I" 300M && cpimg "$I" "$T/done.img"
u=$(newuuid)
"$RESEAL" setuuid "$T/done.img" "$u" >/dev/null 2>&1 && xfsedit copylog "$I" "$T/done.img"
rm -f "$T/done.img"
check "interrupted change control: the kernel refuses to mount it" sh -c '! mount -o loop "$1" "$2" 2>/dev/null' _ "$I" "$MNT"
mountpoint -q "$MNT" && umount "$MNT"
refuses "interrupted change: another UUID is refused" "$I" "carries UUID"
check "interrupted change: the same UUID finishes it" sh -c \
	'"$1" setuuid "$2" "$3" 2>&1 | grep -q "finishing an interrupted change"' _ "$RESEAL_ASAN" "$I" "$u"
check "interrupted change: blkid shows the UUID" uuid_is "$I" "$u"
check "interrupted change: xfs_repair -n rc 0" repair_ok "$I"
check "interrupted change: kernel mounts, writes, remounts" kernel_rw "$I" resumed

##### no unmountable state, no unmountable error path (docs/formats.md 2.10) #####
# strace stops reseal right before its N-th pwrite64 (SIGKILL: exactly the
# writes before it reached the image, the power-cut model of
# tests/qemu/t-powercut.sh), or fails every pwrite64 from the N-th on with
# EIO (a disk that stopped taking writes).  Both work on any build, so the
# same sweep shows the window of the old order.  Every state must mount, pass
# xfs_repair -n, and a rerun with the same UUID (the sanitizer build) must
# finish the change.  15 s on an idle machine, 40 s on a loaded one.

# nwrites IMG: the pwrite64 calls of a whole change, on a copy of IMG.
nwrites() {
	cpimg "$1" "$T/nw.img"
	strace -f -qq -e trace=pwrite64 -o "$T/nw.out" "$RESEAL" setuuid "$T/nw.img" "$(newuuid)" \
		>/dev/null 2>&1
	grep -c pwrite64 "$T/nw.out"
	rm -f "$T/nw.img" "$T/nw.out"
}
mount_ro() { mount -o ro "$1" "$MNT" && umount "$MNT"; }
# xfs_repair -n: no finding, and no "* ERROR: mismatched uuid in log" (which
# it prints with exit 0); with "mid", one finding is allowed: AG copies whose
# META_UUID bit differs from the primary's, which a first change cannot avoid
# between its first and its last superblock write (docs/formats.md 2.10).
repair_cut() {
	xfs_repair -n "$1" >"$T/rep.out" 2>&1
	_rc=$?
	grep -v "would fix incompat feature mismatch in AG [0-9]* super" "$T/rep.out" |
		grep -iE "would|error|bad|corrupt" >"$T/rep.bad"
	[ -s "$T/rep.bad" ] && { head -5 "$T/rep.bad"; return 1; }
	[ $_rc -eq 0 ] && return 0
	[ "$2" = mid ] && grep -q "would fix incompat feature mismatch" "$T/rep.out" && return 0
	grep "feature mismatch" "$T/rep.out" | head -3
	return 1
}
done_ok() {
	uuid_is "$1" "$2" && repair_ok "$1" >/dev/null 2>&1 && log_tail_is_head "$1" && mount_ro "$1"
}
# sweep NAME IMG cut|eio [loop] [strict] [full]: every write of a change, on
# a copy of IMG (on a loop device with "loop", as reseal sees an XFS root at
# boot); "strict": xfs_repair -n must pass with no finding at all; "full": a
# change that rewrites the whole log (2 x 2048 writes of 32 KiB around the 4
# superblocks), sampled: the first write, inside and at the end of each log
# rewrite, before the first and the last superblock.
sweep() {
	sw_n=$1 sw_img=$2 sw_mode=$3 sw_loop=${4:-} sw_rep=mid
	[ "${5:-}" = strict ] && sw_rep=strict
	sw_w=$(nwrites "$sw_img")
	check "$sw_n: a whole change issues at least 3 writes (got $sw_w)" test "${sw_w:-0}" -ge 3
	sw_u=$(newuuid)
	sw_ks=$(seq 1 "${sw_w:-0}")
	if [ "${6:-}" = full ]; then
		sw_h=$(( (sw_w - 4) / 2 ))
		sw_ks="1 $((sw_h / 2)) $sw_h $((sw_h + 1)) $((sw_h + 4)) $((sw_h + 5)) $((sw_h + 5 + sw_h / 2)) $sw_w"
	fi
	for k in $sw_ks; do
		cpimg "$sw_img" "$T/cut.img"
		sw_t=$T/cut.img
		[ -n "$sw_loop" ] && attach "$T/cut.img" && sw_t=$L
		if [ "$sw_mode" = cut ]; then sw_inj="signal=KILL:when=$k"; else sw_inj="error=EIO:when=$k+"; fi
		# (through sh, so that bash reports no "Killed" job)
		sh -c 'strace -f -qq -o /dev/null -e trace=pwrite64 -e inject=pwrite64:"$1" \
			"$2" setuuid "$3" "$4" >"$5" 2>&1; r=$?; exit $r' \
			_ "$sw_inj" "$RESEAL" "$sw_t" "$sw_u" "$T/cut.out"
		sw_rc=$?
		sw_k="$sw_n, $sw_mode at write $k of $sw_w"
		[ "$sw_mode" = eio ] && check "$sw_k: reported as an error" test "$sw_rc" -ne 0
		[ "$sw_mode" = eio ] && [ "$k" -gt 1 ] &&
			check "$sw_k: the error says the kernel mounts it and how to finish" \
				grep -q "which the kernel mounts.*rerun with $sw_u to finish" "$T/cut.out"
		check "$sw_k: xfs_repair -n ($sw_rep)" repair_cut "$sw_t" "$sw_rep"
		check "$sw_k: the kernel mounts it" mount_ro "$sw_t"
		"$RESEAL_ASAN" setuuid "$sw_t" "$sw_u" >"$T/resume.out" 2>&1
		check "$sw_k: a rerun with the same UUID exits 0" test $? -eq 0
		# (a loop device is writable: the kernel's ro mount above wrote an
		# unmount record with the superblock's UUID, so the rerun starts over)
		[ "$sw_mode" = cut ] && [ -z "$sw_loop" ] && [ -z "${6:-}" ] && [ "$k" -eq 2 ] &&
			check "$sw_k: the rerun says what it found (nil UUID in the log)" \
				grep -q "carries a nil UUID" "$T/resume.out"
		[ "$sw_mode" = cut ] && [ -z "$sw_loop" ] && [ -z "${6:-}" ] && [ "$k" -eq "$sw_w" ] &&
			check "$sw_k: the rerun says what it found (superblocks done, log nil)" \
				grep -q "finishing an interrupted change" "$T/resume.out"
		check "$sw_k: then the new UUID, xfs_repair -n rc 0, log clean, mounts" done_ok "$sw_t" "$sw_u"
		[ -n "$sw_loop" ] && losetup -d "$sw_t" && LOOPS=${LOOPS% $sw_t}
		rm -f "$T/cut.img"
	done
}
if command -v strace >/dev/null; then
	mk "$I" 300M && cpimg "$I" "$T/gold.img"
	sweep "first change" "$T/gold.img" cut
	sweep "first change" "$T/gold.img" eio
	sweep "XFS root (loop device)" "$T/gold.img" cut loop
	# a second change keeps META_UUID: no finding in any state
	"$RESEAL" setuuid "$T/gold.img" "$(newuuid)" >/dev/null 2>&1
	sweep "second change" "$T/gold.img" cut "" strict
	mk "$I" 300M && xfs_admin -U generate "$I" >/dev/null && cpimg "$I" "$T/gold.img"
	sweep "after xfs_admin -U (full log rewrite)" "$T/gold.img" cut "" strict full
	rm -f "$T/gold.img"
else
	fail "the cut and I/O-error sweeps need strace (toolchain/deps.sh installs it)"
fi

# META_UUID (docs/formats.md 2.4): first change sets it, going back clears it.
mk "$I" 300M
orig=$(blkid -p -o value -s UUID "$I")
"$RESEAL" setuuid "$I" "$(newuuid)" >/dev/null 2>&1
check "META_UUID set after a change, sb_meta_uuid = original" sh -c \
	'xfs_db -r -c "sb 0" -c "p features_incompat meta_uuid" "$1" | tr "\n" " " | grep -q "0xf .*$2"' _ "$I" "$orig"
"$RESEAL" setuuid "$I" "$orig" >/dev/null 2>&1
check "back to the original UUID: META_UUID and sb_meta_uuid cleared" sh -c \
	'xfs_db -r -c "sb 0" -c "p features_incompat" "$1" | grep -q "= 0xb$" && xfs_repair -n "$1" >/dev/null 2>&1' _ "$I"
check "back to the original UUID: kernel mounts" kernel_rw "$I" back
check "all 4 AG superblocks carry the UUID" sh -c \
	'for a in 0 1 2 3; do xfs_db -r -c "sb $a" -c "p uuid" "$1" | grep -q "$2" || exit 1; done' _ "$I" "$orig"

# Byte count against xfs_admin (docs/formats.md 2.9: ~3 KiB vs the whole log).
if command -v strace >/dev/null; then
	mk "$I" 300M && cpimg "$I" "$T/adm.img"
	setuuid "$I" "$(newuuid)" >/dev/null
	adm=$(strace -f -e trace=pwrite64,pwritev,pwritev2,write -o "$T/strace.out" xfs_admin -U generate "$T/adm.img" >/dev/null 2>&1;
		awk -F'= ' '/^[0-9]+ +pwrite/ && $NF ~ /^[0-9]+$/ { s += $NF } END { print s + 0 }' "$T/strace.out")
	rm -f "$T/adm.img"
	check "bytes written, default geometry: reseal $BYTES vs xfs_admin -U $adm (pwrite; it also zero-ranges the log)" \
		sh -c '[ "$1" -le 4096 ] && [ "$2" -ge $((60 << 20)) ]' _ "$BYTES" "$adm"
fi

##### refusals: exit 100, a clear message, not one byte changed #####

mk "$I" 300M && mount -o loop "$I" "$MNT" && {
	seq 1 1000 >"$MNT/a" && sync && touch "$MNT/b"
	xfs_io -x -c 'shutdown -f' "$MNT"
	umount "$MNT"
}
check "dirty log control: xfs_logprint says DIRTY" log_dirty "$I"
refuses "refuses a dirty log" "$I" "log is dirty"
refuses "refuses a dirty log (asan)" "$I" "log is dirty" "$I" "$RESEAL_ASAN"

mk "$I" 300M && xfsedit flip "$I" 0x90
check "bad CRC control: xfs_repair -n reports it" sh -c 'xfs_repair -n "$1" 2>&1 | grep -q "bad CRC in superblock"' _ "$I"
refuses "refuses a superblock with a bad CRC" "$I" "checksum mismatch"
check "probe: bad CRC is reported, exit 100" sh -c '"$1" probe "$2"; [ $? -eq 100 ]' _ "$RESEAL" "$I"

mk "$I" 300M && xfsedit or32 "$I" 0xD8 0x00100000
check "unknown incompat control: the kernel refuses to mount it" sh -c '! mount -o loop "$1" "$2" 2>/dev/null' _ "$I" "$MNT"
mountpoint -q "$MNT" && umount "$MNT"
refuses "refuses an unknown incompat bit" "$I" "unknown incompat features 0x100000"
mk "$I" 300M && xfsedit or32 "$I" 0xD8 0x100
refuses "refuses metadir (realtime groups)" "$I" "metadir"
mk "$I" 300M && xfsedit or32 "$I" 0xDC 0x8
refuses "refuses an unknown log_incompat bit" "$I" "unknown log_incompat"
mk "$I" 300M && xfsedit or32 "$I" 0xD4 0x100
refuses "refuses an unknown ro_compat bit" "$I" "unknown ro_compat"
mk "$I" 300M && xfsedit or32 "$I" 0xD8 0x10
check "NEEDSREPAIR control: xfs_db reports it" sh -c 'xfs_db -r -c version "$1" | grep -qi needsrepair' _ "$I"
refuses "refuses NEEDSREPAIR" "$I" "NEEDSREPAIR"
mk "$I" 300M && xfsedit byte "$I" 0x7E 1
refuses "refuses sb_inprogress" "$I" "inprogress"

mk "$I" 300M && xfsedit sbuuid "$I" "$(newuuid)"
check "log UUID mismatch control: the kernel refuses to mount" sh -c '! mount -o loop "$1" "$2" 2>/dev/null' _ "$I" "$MNT"
mountpoint -q "$MNT" && umount "$MNT"
refuses "refuses a log whose record UUID differs from sb_uuid" "$I" "carries UUID"

mk "$I" 300M && xfsedit aguuid "$I" 2 "$(newuuid)"
refuses "refuses an AG copy with a UUID of neither the primary nor the new one" "$I" \
	"allocation group 2 (UUID .*) matches neither the primary nor the planned UUID"

mk "$I" 300M && truncate -s 200M "$I"
refuses "refuses a truncated image" "$I" "truncated"

mk "$I" 300M -m crc=0
check "v4 probe matches blkid" probe_eq "$I"
refuses "refuses a v4 filesystem" "$I" "v4"

rm -f "$T/ext.img" && truncate -s 64M "$T/ext.img" && mk "$I" 300M -l logdev="$T/ext.img",size=64m
refuses "refuses an external log" "$I" "external log"
rm -f "$T/ext.img"
rm -f "$T/rt.img" && truncate -s 64M "$T/rt.img" && mk "$I" 300M -r rtdev="$T/rt.img"
refuses "refuses a realtime section" "$I" "realtime"
rm -f "$T/rt.img"

# read-only, so that nothing writes to the image while its hash is taken
mk "$I" 300M && attach "$I" && mount -o ro "$L" "$MNT" && {
	refuses "refuses a mounted device (EBUSY)" "$I" "busy" "$L"
	refuses "refuses an image whose loop device is mounted" "$I" "attached to"
	umount "$MNT"
}
losetup -j "$I" | cut -d: -f1 | xargs -r -n1 losetup -d
attach "$I" && refuses "refuses an image attached to a loop device" "$I" "attached to"
losetup -j "$I" | cut -d: -f1 | xargs -r -n1 losetup -d
check "after detaching, the same image is accepted" setuuid "$I" "$(newuuid)"
