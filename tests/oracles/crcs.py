"""tests/oracles/crcs.py: the checksums of the block-format oracles
(docs/formats.md), table-driven, standard library only.

  crc32c_raw(seed, data)  CRC-32C (Castagnoli, reflected polynomial
                          0x82F63B78) continued from seed, without the final
                          inversion: the form ext4 stores.
  crc32c(data)            the standard CRC-32C (start ~0, end inverted): XFS
                          and btrfs superblocks.
  crc16(seed, data)       CRC-16 with the reflected polynomial 0xA001 and no
                          final inversion: ext4 gdt_csum descriptors.

Run directly, it checks the catalogue values of "123456789" and exits 1 on a
mismatch, so a broken table cannot go unnoticed.
"""
import sys


def _table(poly, width_mask):
    t = []
    for byte in range(256):
        r = byte
        for _ in range(8):
            r = (r >> 1) ^ poly if r & 1 else r >> 1
        t.append(r & width_mask)
    return t


_C = _table(0x82F63B78, 0xFFFFFFFF)
_S = _table(0xA001, 0xFFFF)


def crc32c_raw(seed, data):
    r = seed
    for b in data:
        r = _C[(r ^ b) & 0xFF] ^ (r >> 8)
    return r


def crc32c(data):
    return crc32c_raw(0xFFFFFFFF, data) ^ 0xFFFFFFFF


def crc16(seed, data):
    r = seed
    for b in data:
        r = _S[(r ^ b) & 0xFF] ^ (r >> 8)
    return r


if __name__ == "__main__":
    ok = (crc32c(b"123456789") == 0xE3069283 and
        crc32c_raw(0xFFFFFFFF, b"123456789") == 0x1CF96D7C and
        crc16(0xFFFF, b"123456789") == 0x4B37)
    print("crc check values", "ok" if ok else "WRONG")
    sys.exit(0 if ok else 1)
