"""tests/oracles/btrfs_setuuid.py IMAGE UUID: a second, independent
implementation of the O(1) btrfs fsid change of docs/formats.md section 3
(METADATA_UUID, superblock copies only), used by tests/t-blk-btrfs.sh as a
byte-for-byte oracle.

Every superblock copy present (64 KiB, 64 MiB, 256 GiB; a copy exists when
it fits in the image) must verify (magic, its own offset in bytenr, CRC-32C
checksum type and value) and be at the primary's generation.  Each copy then
gets, mirrors first and the primary last: with the new fsid equal to the
original one (metadata_uuid, or the fsid while the flag is clear), the
METADATA_UUID flag and metadata_uuid cleared; otherwise the flag set and
metadata_uuid = the original; then fsid and the checksum.  dev_item.fsid is
left as it is.  Exit 2, nothing written, on anything else.
Standard library only.
"""
import os
import struct
import sys
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crcs import crc32c  # noqa: E402

COPIES = (64 << 10, 64 << 20, 256 << 30)
SB_SIZE = 4096
O_FSID, O_BYTENR, O_FLAGS, O_MAGIC, O_GEN = 0x20, 0x30, 0x38, 0x40, 0x48
O_NUM_DEVICES, O_INCOMPAT, O_CSUM_TYPE = 0x88, 0xBC, 0xC4
O_DEV_FSID, O_META_UUID = 0x11B, 0x23B
F_METADATA_UUID, F_ZONED = 1 << 10, 1 << 12
FLAG_SEEDING, FLAG_CHANGING = 1 << 32, (1 << 35) | (1 << 36)


def le64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def stop(why):
    print("btrfs_setuuid.py: " + why, file=sys.stderr)
    sys.exit(2)


def checksum(sb):
    return struct.pack("<I", crc32c(bytes(sb[0x20:SB_SIZE]))) + bytes(28)


def original(sb):
    """The fsid from before the first change: what the metadata carries."""
    if le64(sb, O_INCOMPAT) & F_METADATA_UUID:
        return bytes(sb[O_META_UUID:O_META_UUID + 16])
    return bytes(sb[O_FSID:O_FSID + 16])


def main(path, new):
    fd = os.open(path, os.O_RDWR)
    size = os.lseek(fd, 0, os.SEEK_END)
    copies = []
    for at in COPIES:
        if at + SB_SIZE > size:
            break
        sb = bytearray(os.pread(fd, SB_SIZE, at))
        if sb[O_MAGIC:O_MAGIC + 8] != b"_BHRfS_M":
            if at == COPIES[0]:
                stop("no btrfs superblock")
            continue
        if le64(sb, O_BYTENR) != at or struct.unpack_from("<H", sb, O_CSUM_TYPE)[0] != 0:
            stop("copy at %d: wrong bytenr, or not a crc32c checksum" % at)
        if sb[:32] != checksum(sb):
            stop("copy at %d: checksum does not verify" % at)
        copies.append((at, sb))
    if not copies:
        stop("no btrfs superblock")
    primary = copies[0][1]
    if le64(primary, O_NUM_DEVICES) != 1:
        stop("more than one device")
    if le64(primary, O_FLAGS) & (FLAG_SEEDING | FLAG_CHANGING) or le64(primary, O_INCOMPAT) & F_ZONED:
        stop("seeding, an fsid change in progress, or zoned")
    old = bytes(primary[O_FSID:O_FSID + 16])
    for at, sb in copies:
        if le64(sb, O_GEN) != le64(primary, O_GEN) or sb[O_FSID:O_FSID + 16] != old:
            stop("copy at %d: another generation or fsid than the primary" % at)
        if sb[O_DEV_FSID:O_DEV_FSID + 16] != original(sb):
            stop("copy at %d: dev_item.fsid is not the metadata UUID" % at)

    for at, sb in reversed(copies):
        inc, orig = le64(sb, O_INCOMPAT), original(sb)
        if new == orig:
            struct.pack_into("<Q", sb, O_INCOMPAT, inc & ~F_METADATA_UUID)
            sb[O_META_UUID:O_META_UUID + 16] = bytes(16)
        else:
            struct.pack_into("<Q", sb, O_INCOMPAT, inc | F_METADATA_UUID)
            sb[O_META_UUID:O_META_UUID + 16] = orig
        sb[O_FSID:O_FSID + 16] = new
        sb[:32] = checksum(sb)
        if os.pwrite(fd, bytes(sb), at) != SB_SIZE:
            stop("short write at byte %d" % at)
    os.fsync(fd)
    os.close(fd)
    print("%s -> %s: %d superblock copies" % (
        uuid.UUID(bytes=old), uuid.UUID(bytes=new), len(copies)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: btrfs_setuuid.py IMAGE UUID")
    main(sys.argv[1], uuid.UUID(sys.argv[2]).bytes)
