"""tests/oracles/xfs_setuuid.py: a second, independent implementation of the
XFS UUID change of docs/formats.md section 2 (v5, internal log), used by
tests/t-blk-xfs.sh as a byte-for-byte oracle and as a clean-log checker.

  xfs_setuuid.py check IMAGE
      The clean-log test: prints "STATE CYCLE HEAD", STATE one of clean,
      empty (never written), dirty, foreign (the record before the head
      carries another UUID than sb_uuid), noheader; CYCLE is the current log
      cycle, HEAD the head in 512-byte blocks (what xfs_logprint -t calls
      "head").  Exit 0 when clean.
  xfs_setuuid.py minimal IMAGE UUID
      One unmount record with the current cycle at the head, then every AG
      superblock.  The record is first applied to a copy of the log in memory
      and the clean-log test rerun on it; when that copy is not clean with
      the head just after the record, exit 1 and write nothing (reseal then
      falls back to the full rewrite; this oracle does not).
  xfs_setuuid.py full IMAGE UUID
      The whole log rewritten in the layout of libxfs_log_clear (cycle + 1,
      the filler records of the previous cycle starting right after the
      first record), then every AG superblock.

Superblocks are written from the last AG to the first; each gets META_UUID
and sb_meta_uuid = its UUID from before the first change, or both cleared
when the new UUID is that original one; then sb_uuid and sb_crc.
Standard library only.
"""
import os
import struct
import sys
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crcs import crc32c  # noqa: E402

BB = 512
RECORD_MAGIC = 0xFEEDBABE
UNMOUNT_FLAG = 0x20            # XLOG_UNMOUNT_TRANS, in oh_flags
FILLER_BB = 256 * 1024 // BB   # the filler records of a full rewrite
META_UUID, NEEDSREPAIR = 0x4, 0x10


def be16(b, o):
    return struct.unpack_from(">H", b, o)[0]


def be32(b, o):
    return struct.unpack_from(">I", b, o)[0]


def be64(b, o):
    return struct.unpack_from(">Q", b, o)[0]


def stop(why, rc=2):
    print("xfs_setuuid.py: " + why, file=sys.stderr)
    sys.exit(rc)


def sb_crc(sect):
    s = bytearray(sect)
    s[0xE0:0xE4] = bytes(4)
    return crc32c(bytes(s))


class Fs:
    def __init__(self, fd):
        self.fd = fd
        head = os.pread(fd, 512, 0)
        if head[:4] != b"XFSB":
            stop("no XFS superblock")
        self.sect = be16(head, 0x66)
        self.sb = os.pread(fd, self.sect, 0)
        sb = self.sb
        if be16(sb, 0x64) & 0xF != 5:
            stop("not a v5 filesystem")
        if struct.unpack_from("<I", sb, 0xE0)[0] != sb_crc(sb):
            stop("superblock CRC does not verify")
        if be32(sb, 0xD8) & NEEDSREPAIR or sb[0x7E]:
            stop("NEEDSREPAIR or sb_inprogress")
        if be64(sb, 0x30) == 0 or be64(sb, 0x10):
            stop("external log or realtime section")
        self.bsize, self.agblocks, self.agcount = be32(sb, 4), be32(sb, 0x54), be32(sb, 0x58)
        self.uuid = bytes(sb[0x20:0x30])
        self.logv2 = bool(be16(sb, 0x64) & 0x400)
        # the log's first filesystem block, as a byte offset: logstart is
        # (AG number << agblklog) | block within the AG
        logstart, agblklog = be64(sb, 0x30), sb[0x7C]
        ag, agbno = logstart >> agblklog, logstart & ((1 << agblklog) - 1)
        self.log_at = (ag * self.agblocks + agbno) * self.bsize
        self.log_bb = be32(sb, 0x60) * self.bsize // BB
        lsunit = be32(sb, 0xC4)
        self.rec_bb = max(2, -(-lsunit // BB)) if self.logv2 and lsunit > 1 else 2

    def read_log(self):
        log = os.pread(self.fd, self.log_bb * BB, self.log_at)
        if len(log) != self.log_bb * BB:
            stop("the log runs past the end of the image")
        return log


def block_cycle(log, i):
    w = be32(log, i * BB)
    return be32(log, i * BB + 4) if w == RECORD_MAGIC else w


def header_blocks(log, i, logv2):
    """Blocks taken by the record header(s) of the record at block i."""
    size = be32(log, i * BB + 0x140)
    if logv2 and be32(log, i * BB + 8) & 2 and size > 32768:
        return -(-size // 32768)
    return 1


def record_blocks(log, i, logv2):
    return header_blocks(log, i, logv2) + -(-be32(log, i * BB + 0xC) // BB)


def header_before(log, n, blk):
    """The nearest record header before block blk, going round the end."""
    for k in range(1, n + 1):
        i = (blk - k) % n
        if be32(log, i * BB) == RECORD_MAGIC:
            return i
    return None


def log_state(log, n, fs_uuid, logv2):
    """(state, cycle, head) of the log, as the clean-log test of
    docs/formats.md section 2 defines them."""
    first, last = block_cycle(log, 0), block_cycle(log, n - 1)
    if first == 0:
        return "empty", 0, 0
    if last == 0:
        head = next(i for i in range(n) if block_cycle(log, i) == 0)
    elif first == last:
        head = 0
    else:
        # the first block of the last block's cycle
        lo, hi = 0, n - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if block_cycle(log, mid) == last:
                hi = mid
            else:
                lo = mid
        head = hi
    # a record before the head that does not end at it was torn: the head
    # is its start
    if head:
        i = header_before(log, n, head)
        if i is None:
            return "noheader", first, head
        if i < head and i + record_blocks(log, i, logv2) != head:
            head = i
    i = header_before(log, n, head)
    if i is None:
        return "noheader", first, head
    cycle = block_cycle(log, i) + (1 if i >= head else 0)
    if log[i * BB + 0x130:i * BB + 0x140] != fs_uuid:
        return "foreign", cycle, head
    op = (i + header_blocks(log, i, logv2)) % n
    if ((i + record_blocks(log, i, logv2)) % n == head and be32(log, i * BB + 0x28) == 1 and
            log[op * BB + 9] & UNMOUNT_FLAG):
        return "clean", cycle, head
    return "dirty", cycle, head


def lsn(cycle, blk):
    return (cycle << 32) | (blk & 0xFFFFFFFF)


def unmount_record(cycle, blk, tail, fs_uuid, nbb, logv2):
    """nbb blocks: record header(s), the unmount op, zeroed blocks; every
    block but the first starts with the cycle (the word it displaced is kept
    in the header's cycle data)."""
    payload = nbb * BB if nbb > 2 else 0
    hdrs = -(-payload // 32768) if logv2 and payload > 32768 else 1
    r = bytearray(nbb * BB)
    struct.pack_into(">IIII", r, 0, RECORD_MAGIC, cycle, 2 if logv2 else 1,
                     max(2 * BB, payload) - hdrs * BB)
    struct.pack_into(">QQ", r, 0x10, lsn(cycle, blk), tail)
    struct.pack_into(">iI", r, 0x24, -1, 1)            # h_crc stays 0
    struct.pack_into(">I", r, 0x12C, 1)                # little-endian Linux
    r[0x130:0x140] = fs_uuid
    struct.pack_into(">I", r, 0x140, max(payload, 32768))
    op = hdrs * BB
    # op header: tid, len 8, client XFS_LOG, flags UNMOUNT; then the
    # unmount magic in host (little-endian) order
    struct.pack_into(">IIBB", r, op, 0xB0C0D0D0, 8, 0xAA, UNMOUNT_FLAG)
    struct.pack_into("<H", r, op + 12, 0x556E)
    r[0x2C:0x30] = r[op:op + 4]
    for k in range(1, nbb):
        struct.pack_into(">I", r, k * BB, cycle)
    return r


def write(fd, data, at):
    if os.pwrite(fd, bytes(data), at) != len(data):
        stop("short write at byte %d" % at)


def superblocks(fs, new):
    for ag in reversed(range(fs.agcount)):
        at = ag * fs.agblocks * fs.bsize
        s = bytearray(os.pread(fs.fd, fs.sect, at))
        if s[:4] != b"XFSB":
            stop("AG %d has no superblock" % ag)
        inc = be32(s, 0xD8)
        original = bytes(s[0xF8:0x108]) if inc & META_UUID else bytes(s[0x20:0x30])
        if new == original:
            struct.pack_into(">I", s, 0xD8, inc & ~META_UUID)
            s[0xF8:0x108] = bytes(16)
        else:
            struct.pack_into(">I", s, 0xD8, inc | META_UUID)
            s[0xF8:0x108] = original
        s[0x20:0x30] = new
        struct.pack_into("<I", s, 0xE0, sb_crc(s))
        write(fs.fd, s, at)


def minimal(fs, new):
    log = fs.read_log()
    n = fs.log_bb
    state, cycle, head = log_state(log, n, fs.uuid, fs.logv2)
    if state != "clean":
        stop("log is %s" % state)
    nbb = fs.rec_bb
    rec = unmount_record(cycle, head, lsn(cycle, head), new, nbb, fs.logv2)
    fit = min(nbb, n - head)
    for k in range(fit, nbb):      # past the end of the log: the next cycle
        struct.pack_into(">I", rec, k * BB, cycle + 1)
    trial = bytearray(log)
    trial[head * BB:(head + fit) * BB] = rec[:fit * BB]
    trial[:(nbb - fit) * BB] = rec[fit * BB:]
    got = log_state(trial, n, new, fs.logv2)
    if got[0] != "clean" or got[2] != (head + nbb) % n:
        stop("after the record the log would be %s, head %d (want clean, head %d)" %
             (got[0], got[2], (head + nbb) % n), 1)
    write(fs.fd, rec[:fit * BB], fs.log_at + head * BB)
    if fit < nbb:
        write(fs.fd, rec[fit * BB:], fs.log_at)
    os.fsync(fs.fd)
    superblocks(fs, new)
    return "record of %d blocks at log block %d, cycle %d" % (nbb, head, cycle)


def full(fs, new):
    n = fs.log_bb
    state, cycle, _ = log_state(fs.read_log(), n, fs.uuid, fs.logv2)
    if state not in ("clean", "empty"):
        stop("log is %s" % state)
    cycle += 1
    first = fs.rec_bb
    log = bytearray(n * BB)
    tail = lsn(cycle, 0) if cycle == 1 else lsn(cycle - 1, n - first)
    log[:first * BB] = unmount_record(cycle, 0, tail, new, first, fs.logv2)
    blk = first
    while cycle > 1 and blk < n:
        # the rest: records of the previous cycle, so that the head is found
        # right after the first record.  Their tail (the record's own start
        # minus its length, as libxfs computes it) is never read.
        nbb = min(FILLER_BB, n - blk)
        if nbb < 2:
            stop("a filler record of one block")
        log[blk * BB:(blk + nbb) * BB] = unmount_record(
            cycle - 1, blk, lsn(cycle - 1, blk - nbb), new, nbb, fs.logv2)
        blk += nbb
    write(fs.fd, log, fs.log_at)
    os.fsync(fs.fd)
    superblocks(fs, new)
    return "whole log (%d blocks) rewritten, cycle %d" % (n, cycle)


def main(argv):
    if len(argv) == 3 and argv[1] == "check":
        fd = os.open(argv[2], os.O_RDONLY)
        fs = Fs(fd)
        state, cycle, head = log_state(fs.read_log(), fs.log_bb, fs.uuid, fs.logv2)
        print(state, cycle, head)
        return 0 if state == "clean" else 1
    if len(argv) == 4 and argv[1] in ("minimal", "full"):
        new = uuid.UUID(argv[3]).bytes
        fd = os.open(argv[2], os.O_RDWR)
        fs = Fs(fd)
        what = (minimal if argv[1] == "minimal" else full)(fs, new)
        os.fsync(fd)
        os.close(fd)
        print("%s -> %s: %s" % (uuid.UUID(bytes=fs.uuid), uuid.UUID(bytes=new), what))
        return 0
    print("usage: xfs_setuuid.py check IMAGE | minimal IMAGE UUID | full IMAGE UUID",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
