/* fuzz_xfs.c: rs_xfs_probe and rs_xfs_set_uuid on fuzzed input, three ways.
 *
 * 1. The input as an image: superblock parsing and the refusals.
 * 2. The same with the primary superblock's CRC made valid, so the
 *    geometry checks, the AG copies and the log code see fuzzed values.
 * 3. The input as byte edits of a small, valid XFS-shaped image with a
 *    256 KiB log (byte 0 picks the log layout: fresh, wrapped, head at the
 *    last block, xfs_admin's zero gap; see docs/formats.md §2.6-§2.9; a
 *    log left by an interrupted run; a log stripe unit): the
 *    head search, the simulated write and both log writers run on every
 *    input, and superblock edits keep valid CRCs.
 *
 * Nothing may crash, read or write out of bounds, or loop without bound; a
 * change reported as done must read back; and an unmutated template must be
 * accepted (so the fuzzer also guards the paths that should work). */
/* fuzz.h defines _GNU_SOURCE itself; the Makefile already passes it. */
#undef _GNU_SOURCE
#include "fuzz.h"

#define IMG_SIZE  (1 << 20)
#define BS        512u
#define AGBLOCKS  1024u
#define LOGSTART  100u
#define LOGBLOCKS 512u
#define LOG_OFF   (LOGSTART * BS)
#define NBB       (LOGBLOCKS * BS / 512u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char new_uuid[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};
static const unsigned char old_uuid[16] = {
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};
static unsigned char img[IMG_SIZE];

static void
sb_crc_fix(unsigned char *b, unsigned len)
{
	rs_put_le32(b + 0xE0, 0);
	rs_put_le32(b + 0xE0, rs_crc32c(b, len));
}

/* A superblock that passes every check of xfs.c: 512-byte blocks, two
 * AGs of 1024 blocks, an internal log of 512 blocks at block 100. */
static void
make_sb(unsigned char *b)
{
	memset(b, 0, BS);
	memcpy(b, "XFSB", 4);
	rs_put_be32(b + 0x04, BS);
	rs_put_be64(b + 0x08, 2 * AGBLOCKS);
	memcpy(b + 0x20, old_uuid, 16);
	rs_put_be64(b + 0x30, LOGSTART);
	rs_put_be32(b + 0x50, 8);            /* rextsize: 4 KiB */
	rs_put_be32(b + 0x54, AGBLOCKS);
	rs_put_be32(b + 0x58, 2);
	rs_put_be32(b + 0x60, LOGBLOCKS);
	rs_put_be16(b + 0x64, 0xB4A5);       /* v5, log v2 */
	rs_put_be16(b + 0x66, 512);
	rs_put_be16(b + 0x68, 256);
	rs_put_be16(b + 0x6A, 2);
	memcpy(b + 0x6C, "fuzz", 4);
	b[0x78] = 9;
	b[0x79] = 9;
	b[0x7A] = 8;
	b[0x7B] = 1;
	b[0x7C] = 10;                        /* agblklog */
	b[0x7F] = 25;
	rs_put_be32(b + 0xC4, 1);            /* no log stripe unit */
	rs_put_be32(b + 0xD8, 0xB);          /* FTYPE SPINODES BIGTIME */
	sb_crc_fix(b, BS);
}

static const unsigned char *rec_uuid = old_uuid;

/* An unmount record of nbb (2..64) blocks at log block blk. */
static void
rec(unsigned char *log, uint32_t blk, uint32_t nbb, uint32_t cycle)
{
	unsigned char *r = log + (size_t)blk * 512;
	uint32_t k;

	memset(r, 0, (size_t)nbb * 512);
	rs_put_be32(r, 0xFEEDBABE);
	rs_put_be32(r + 0x04, cycle);
	rs_put_be32(r + 0x08, 2);
	rs_put_be32(r + 0x0C, (nbb - 1) * 512);
	rs_put_be32(r + 0x10, cycle);
	rs_put_be32(r + 0x14, blk);
	rs_put_be32(r + 0x18, cycle);
	rs_put_be32(r + 0x1C, blk);
	rs_put_be32(r + 0x24, 0xFFFFFFFF);
	rs_put_be32(r + 0x28, 1);
	rs_put_be32(r + 0x2C, 0xB0C0D0D0);
	rs_put_be32(r + 0x12C, 1);
	memcpy(r + 0x130, rec_uuid, 16);
	rs_put_be32(r + 0x140, 32768);
	for (k = 1; k < nbb; k++)
		rs_put_be32(r + k * 512, cycle);
	rs_put_be32(r + 512 + 4, 8);
	r[512 + 8] = 0xAA;
	r[512 + 9] = 0x20;
	r[512 + 12] = 0x6E;
	r[512 + 13] = 0x55;
}

static void
fill(unsigned char *log, uint32_t from, uint32_t to, uint32_t cycle)
{
	while (from < to) {
		uint32_t len = to - from < 64 ? to - from : 64;

		if (to - from - len == 1)
			len--;
		rec(log, from, len, cycle);
		from += len;
	}
}

/* variant & 3: the log layout; & 4: the records carry the new UUID (an
 * interrupted earlier run); & 8: a 32 KiB log stripe unit (64-block
 * unmount records, so the one at the last block wraps further). */
static void
make_template(unsigned variant)
{
	unsigned char *log = img + LOG_OFF;

	memset(img, 0, sizeof img);
	make_sb(img);
	if (variant & 8) {
		rs_put_be32(img + 0xC4, 32768);
		sb_crc_fix(img, BS);
	}
	memcpy(img + (size_t)AGBLOCKS * BS, img, BS);   /* AG 1 */
	rec_uuid = variant & 4 ? new_uuid : old_uuid;
	switch (variant & 3) {
	case 0:         /* fresh: mkfs's record at 0, head 2 */
		rec(log, 0, 2, 1);
		break;
	case 1:         /* wrapped: cycle 2 up to the head at 200 */
		fill(log, 0, 198, 2);
		rec(log, 198, 2, 2);
		fill(log, 200, NBB, 1);
		break;
	case 2:         /* head at the last block: our record will split */
		fill(log, 0, NBB - 3, 1);
		rec(log, NBB - 3, 2, 1);
		break;
	default:        /* xfs_admin: first record, zero gap, older filler */
		rec(log, 0, 2, 2);
		fill(log, 64, NBB, 1);
		break;
	}
}

static void
run(const unsigned char *buf, size_t size, int must_succeed)
{
	rs_blkdev d;
	rs_fsinfo fi;
	int r;

	if (fuzz_dev(buf, size, &d) < 0)
		return;
	memset(&fi, 0, sizeof fi);
	if (rs_xfs_probe(&d, &fi) == 0 && (strcmp(fi.type, "xfs") || fi.uuid_len != 16))
		__builtin_trap();
	r = rs_xfs_set_uuid(&d, new_uuid);
	if (must_succeed && r != 0)
		__builtin_trap();
	if (r == 0) {
		memset(&fi, 0, sizeof fi);
		if (rs_xfs_probe(&d, &fi) != 0 || memcmp(fi.uuid, new_uuid, 16))
			__builtin_trap();
	}
	close(d.fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char raw[IMG_SIZE];
	size_t i;
	int mutated = 0, sb_fix = 0;

	/* 1 and 2: the input as an image */
	run(data, size, 0);
	if (size >= 512 && size <= sizeof raw && !memcmp(data, "XFSB", 4)) {
		unsigned sect = rs_be16(data + 0x66);

		memcpy(raw, data, size);
		sb_crc_fix(raw, sect >= 512 && sect <= 32768 && sect <= size ? sect : 512);
		run(raw, size, 0);
	}

	/* 3: the input as edits of a valid template: after the layout byte,
	 * 5-byte records (be16 where, be16 offset, xor value).  where < 0x8000
	 * is a log block (mod 512); otherwise the primary superblock, or with
	 * 0x4000 also AG 1's copy, whose CRCs are then made valid again. */
	make_template(size ? data[0] & 15 : 0);
	for (i = 1; i + 5 <= size; i += 5) {
		unsigned where = rs_be16(data + i), off = rs_be16(data + i + 2) % 512u;
		unsigned char x = data[i + 4];

		if (!x)
			continue;
		mutated = 1;
		if (where < 0x8000) {
			img[LOG_OFF + (size_t)(where % NBB) * 512 + off] ^= x;
			continue;
		}
		img[off] ^= x;
		if (where & 0x4000)
			img[(size_t)AGBLOCKS * BS + off] ^= x;
		sb_fix = 1;
	}
	if (sb_fix) {
		sb_crc_fix(img, BS);
		sb_crc_fix(img + (size_t)AGBLOCKS * BS, BS);
	}
	run(img, sizeof img, !mutated);
	return 0;
}
