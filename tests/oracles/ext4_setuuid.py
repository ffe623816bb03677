"""tests/oracles/ext4_setuuid.py IMAGE UUID: a second, independent
implementation of the O(1) ext2/3/4 UUID change of docs/formats.md section 1,
used by tests/t-blk-ext4.sh as a byte-for-byte oracle: run it on a copy of
the image reseal was given, with the same UUID, and the two files must be
identical.

What it changes, and nothing else:
  - in the primary superblock and in every backup superblock that still
    carries the old UUID: with metadata_csum and no metadata_csum_seed, the
    metadata_csum_seed flag and s_checksum_seed = crc32c_raw(~0, old UUID)
    (so every existing metadata checksum stays valid); s_uuid; s_checksum
    (metadata_csum only).  Each copy keeps its own group number and state.
  - with gdt_csum (uninit_bg) and no metadata_csum, where the UUID enters
    every descriptor's CRC-16: every descriptor of every GDT copy that
    follows a superblock copy it patched, each copy recomputed from its own
    bytes.

It stops (exit 2, nothing written) on what it does not know how to change
safely; reseal refuses those too, the refusals are tested elsewhere.
Standard library only.
"""
import os
import struct
import sys
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crcs import crc16, crc32c_raw  # noqa: E402

# superblock offsets (docs/formats.md section 1)
SB_AT = 1024
O_BLOCKS_LO, O_FIRST_DATA, O_LOG_BSIZE, O_BPG = 0x04, 0x14, 0x18, 0x20
O_MAGIC, O_STATE = 0x38, 0x3A
O_COMPAT, O_INCOMPAT, O_ROCOMPAT = 0x5C, 0x60, 0x64
O_UUID, O_JUUID, O_JINUM, O_DESC_SIZE = 0x68, 0xD0, 0xE0, 0xFE
O_BLOCKS_HI, O_CSUM_TYPE, O_BACKUP_BGS = 0x150, 0x175, 0x24C
O_SEED, O_CSUM = 0x270, 0x3FC

COMPAT_JOURNAL, COMPAT_SPARSE2, COMPAT_STABLE_INODES = 0x4, 0x200, 0x800
INC_RECOVER, INC_JDEV, INC_META_BG, INC_64BIT = 0x4, 0x8, 0x10, 0x80
INC_EA_INODE, INC_CSUM_SEED = 0x400, 0x2000
RO_SPARSE, RO_GDT_CSUM, RO_METADATA_CSUM = 0x1, 0x10, 0x400


def le16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def le32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def stop(why):
    print("ext4_setuuid.py: " + why, file=sys.stderr)
    sys.exit(2)


def power_of(n, base):
    while n % base == 0:
        n //= base
    return n == 1


def group_has_copy(sb, g):
    """Does group g hold a superblock (and GDT) copy?"""
    if g == 0:
        return True
    if le32(sb, O_COMPAT) & COMPAT_SPARSE2:
        return g in struct.unpack_from("<2I", sb, O_BACKUP_BGS)
    if not le32(sb, O_ROCOMPAT) & RO_SPARSE or g == 1:
        return True
    return g % 2 == 1 and (power_of(g, 3) or power_of(g, 5) or power_of(g, 7))


def sb_csum(b):
    return crc32c_raw(0xFFFFFFFF, bytes(b[:O_CSUM]))


def desc_crc16(fs_uuid, group, d):
    c = crc16(0xFFFF, fs_uuid)
    c = crc16(c, struct.pack("<I", group))
    c = crc16(c, bytes(d[:0x1E]))
    return crc16(c, bytes(d[0x20:]))


def main(path, new):
    fd = os.open(path, os.O_RDWR)
    sb = bytearray(os.pread(fd, 1024, SB_AT))
    if len(sb) < 1024 or le16(sb, O_MAGIC) != 0xEF53:
        stop("no ext2/3/4 superblock")
    compat, incompat, ro = le32(sb, O_COMPAT), le32(sb, O_INCOMPAT), le32(sb, O_ROCOMPAT)
    csum = bool(ro & RO_METADATA_CSUM)
    crc16_descs = bool(ro & RO_GDT_CSUM) and not csum
    if csum and (sb[O_CSUM_TYPE] != 1 or le32(sb, O_CSUM) != sb_csum(sb)):
        stop("primary superblock checksum does not verify")
    if incompat & (INC_RECOVER | INC_JDEV):
        stop("journal needs recovery, or a journal device")
    if compat & COMPAT_STABLE_INODES:
        stop("stable_inodes")
    if incompat & INC_EA_INODE and not csum:
        stop("ea_inode without metadata_csum")
    if le16(sb, O_STATE) & 3 != 1:
        stop("not cleanly unmounted, or errors")
    if compat & COMPAT_JOURNAL and le32(sb, O_JINUM) == 0 and any(sb[O_JUUID:O_JUUID + 16]):
        stop("external journal")
    if crc16_descs and incompat & INC_META_BG:
        stop("gdt_csum with meta_bg is not handled")

    old = bytes(sb[O_UUID:O_UUID + 16])
    bsize = 1024 << le32(sb, O_LOG_BSIZE)
    first, per_group = le32(sb, O_FIRST_DATA), le32(sb, O_BPG)
    blocks = le32(sb, O_BLOCKS_LO)
    if incompat & INC_64BIT:
        blocks |= le32(sb, O_BLOCKS_HI) << 32
    groups = -(-(blocks - first) // per_group)
    dsize = le16(sb, O_DESC_SIZE) if incompat & INC_64BIT else 32

    def patched(copy):
        c = bytearray(copy)
        if csum and not le32(c, O_INCOMPAT) & INC_CSUM_SEED:
            struct.pack_into("<I", c, O_INCOMPAT, le32(c, O_INCOMPAT) | INC_CSUM_SEED)
            struct.pack_into("<I", c, O_SEED, crc32c_raw(0xFFFFFFFF, old))
        c[O_UUID:O_UUID + 16] = new
        if csum:
            struct.pack_into("<I", c, O_CSUM, sb_csum(c))
        return bytes(c)

    def gdt_patched(at):
        g = bytearray(os.pread(fd, groups * dsize, at))
        for n in range(groups):
            d = g[n * dsize:(n + 1) * dsize]
            if le16(d, 0x1E) != desc_crc16(old, n, d):
                stop("descriptor %d of the GDT at byte %d has a bad CRC-16" % (n, at))
            struct.pack_into("<H", g, n * dsize + 0x1E, desc_crc16(new, n, d))
        return bytes(g)

    # Plan everything first, then write: backups, then the primary.
    sb_writes, gdt_writes = [], []
    for g in range(1, groups):
        if not group_has_copy(sb, g):
            continue
        at = (first + g * per_group) * bsize
        copy = os.pread(fd, 1024, at)
        if len(copy) < 1024 or le16(copy, O_MAGIC) != 0xEF53 or copy[O_UUID:O_UUID + 16] != old:
            print("group %d: no copy with the old UUID, left alone" % g)
            continue
        sb_writes.append((at, patched(copy)))
        if crc16_descs:
            gdt_writes.append((at + bsize, gdt_patched(at + bsize)))
    if crc16_descs:
        gdt_writes.append(((first + 1) * bsize, gdt_patched((first + 1) * bsize)))
    sb_writes.append((SB_AT, patched(sb)))

    for at, data in sb_writes[:-1] + gdt_writes + sb_writes[-1:]:
        if os.pwrite(fd, data, at) != len(data):
            stop("short write at byte %d" % at)
    os.fsync(fd)
    os.close(fd)
    print("%s -> %s: %d superblocks, %d GDT copies" % (
        uuid.UUID(bytes=old), uuid.UUID(bytes=new), len(sb_writes), len(gdt_writes)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: ext4_setuuid.py IMAGE UUID")
    main(sys.argv[1], uuid.UUID(sys.argv[2]).bytes)
