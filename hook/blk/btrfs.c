/* btrfs.c: btrfs probe and the O(1) METADATA_UUID fsid change
 * (docs/formats.md §3).
 *
 * Only superblock copies are written.  The old fsid keeps living in every
 * tree block header, in the chunk tree's dev items and in dev_item.fsid;
 * the METADATA_UUID incompat bit (kernel >= 5.0) tells the kernel and
 * btrfs-progs to check those against sb.metadata_uuid instead of sb.fsid. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"
#include "log.h"

#define SB_SIZE          4096
#define SB_PRIMARY       0x10000ull
#define SB_COPIES        3          /* 64 KiB, 64 MiB, 256 GiB: 16 KiB << 12*i */

/* Superblock fields (all little-endian). */
#define OFF_CSUM         0x00       /* 32 bytes; crc32c uses the first 4 */
#define OFF_FSID         0x20
#define OFF_BYTENR       0x30
#define OFF_FLAGS        0x38
#define OFF_MAGIC        0x40
#define OFF_GENERATION   0x48
#define OFF_NUM_DEVICES  0x88
#define OFF_COMPAT_RO    0xB4
#define OFF_INCOMPAT     0xBC
#define OFF_CSUM_TYPE    0xC4
#define OFF_DEV_TOTAL    0xD1       /* dev_item (0xC9) + 8: this device's size */
#define OFF_DEV_UUID     0x10B
#define OFF_DEV_FSID     0x11B
#define OFF_LABEL        0x12B
#define LABEL_SIZE       256
#define OFF_METADATA_UUID 0x23B

#define CSUM_CRC32C      0

/* sb.flags: WRITTEN and RELOC are tree-block header bits that mkfs and the
 * kernel leave set in the superblock; every other bit describes a state
 * (seed device, metadump image, half-done fsid or checksum conversion,
 * error) in which reseal must not touch the filesystem. */
#define FLAG_WRITTEN          (1ull << 0)
#define FLAG_RELOC            (1ull << 1)
#define FLAG_ERROR            (1ull << 2)
#define FLAG_SEEDING          (1ull << 32)
#define FLAG_METADUMP         (1ull << 33)
#define FLAG_METADUMP_V2      (1ull << 34)
#define FLAG_CHANGING_FSID    (1ull << 35)
#define FLAG_CHANGING_FSID_V2 (1ull << 36)
#define FLAGS_OK              (FLAG_WRITTEN | FLAG_RELOC)

#define INCOMPAT_METADATA_UUID (1ull << 10)
#define INCOMPAT_ZONED         (1ull << 12)
/* Bits that change nothing about how the superblock's fsid, metadata_uuid
 * and dev_item relate: mkfs.btrfs 6.2's defaults (mixed_backref,
 * big_metadata, extended_iref, skinny_metadata, no_holes = 0x361) and the
 * other stable ones up to raid1c34, plus simple_quota (6.7).  Not here:
 * zoned (superblock log elsewhere), extent_tree_v2 and raid_stripe_tree
 * (experimental formats), and anything newer. */
#define INCOMPAT_OK            (0xFFFull | (1ull << 16))   /* bits 0-11, 16 */
/* free_space_tree, free_space_tree_valid, verity, block_group_tree. */
#define COMPAT_RO_OK           0xFull

static const uint64_t sb_offset[SB_COPIES] = {
	SB_PRIMARY, 64ull << 20, 256ull << 30
};

/* The superblock crc32c: over [0x20, 0x1000), stored LE in bytes 0-3. */
static uint32_t
sb_crc(const unsigned char *sb)
{
	return rs_crc32c(sb + OFF_FSID, SB_SIZE - OFF_FSID);
}

static void
sb_seal(unsigned char *sb)
{
	memset(sb + OFF_CSUM, 0, 32);
	rs_put_le32(sb + OFF_CSUM, sb_crc(sb));
}

/* The UUID the tree blocks and dev_item.fsid carry. */
static const unsigned char *
metadata_uuid(const unsigned char *sb)
{
	if (rs_le64(sb + OFF_INCOMPAT) & INCOMPAT_METADATA_UUID)
		return sb + OFF_METADATA_UUID;
	return sb + OFF_FSID;
}

static const char *
where(uint64_t off)
{
	return off == sb_offset[0] ? "64 KiB" : off == sb_offset[1] ? "64 MiB" : "256 GiB";
}

/* see blk.h */
int
rs_btrfs_probe(rs_blkdev *d, rs_fsinfo *fi)
{
	unsigned char sb[SB_SIZE];
	size_t n;
	int r;

	if (d->size < SB_PRIMARY + SB_SIZE)
		return -ENOENT;
	if ((r = rs_blk_read(d, sb, sizeof sb, SB_PRIMARY)) < 0)
		return r;
	if (memcmp(sb + OFF_MAGIC, "_BHRfS_M", 8))
		return -ENOENT;
	snprintf(fi->type, sizeof fi->type, "btrfs");
	/* xxhash64, sha256 and blake2b sums are not checked here; set_uuid
	 * refuses those filesystems. */
	if (rs_le16(sb + OFF_CSUM_TYPE) == CSUM_CRC32C && rs_le32(sb) != sb_crc(sb)) {
		snprintf(fi->why, sizeof fi->why,
		    "superblock checksum mismatch (stored %08x, computed %08x)",
		    (unsigned)rs_le32(sb), (unsigned)sb_crc(sb));
		return -EUCLEAN;
	}
	/* UUID is sb.fsid at 0x20 as libblkid reports it, not dev_item.fsid
	 * at 0x11B, which keeps the metadata UUID after an O(1) change. */
	memcpy(fi->uuid, sb + OFF_FSID, 16);
	fi->uuid_len = 16;
	if (!rs_is_zero(fi->uuid, 16))
		rs_uuid_fmt(fi->uuid_str, fi->uuid);
	/* libblkid: the label up to its first NUL, trailing white space cut. */
	for (n = 0; n < LABEL_SIZE && n < sizeof fi->label - 1 && sb[OFF_LABEL + n]; n++)
		fi->label[n] = (char)sb[OFF_LABEL + n];
	while (n && strchr(" \t\n\v\f\r", fi->label[n - 1]))
		n--;
	fi->label[n] = 0;
	return 0;
}

/* Everything one copy must satisfy before reseal rewrites it.  Returns 0,
 * or -ECANCELED with the reason in why. */
static int
check_copy(const unsigned char *sb, uint64_t off, char *why, size_t wlen)
{
	uint64_t flags = rs_le64(sb + OFF_FLAGS);
	uint64_t incompat = rs_le64(sb + OFF_INCOMPAT);
	uint64_t compat_ro = rs_le64(sb + OFF_COMPAT_RO);
	unsigned csum_type = rs_le16(sb + OFF_CSUM_TYPE);

	if (memcmp(sb + OFF_MAGIC, "_BHRfS_M", 8))
		snprintf(why, wlen, "no superblock at %s", where(off));
	else if (rs_le64(sb + OFF_BYTENR) != off)
		snprintf(why, wlen, "superblock at %s says it lives at %llu", where(off),
		    (unsigned long long)rs_le64(sb + OFF_BYTENR));
	else if (csum_type != CSUM_CRC32C)
		snprintf(why, wlen, "unsupported checksum type %u (only crc32c is handled)",
		    csum_type);
	else if (rs_le32(sb) != sb_crc(sb) || !rs_is_zero(sb + 4, 28))
		snprintf(why, wlen, "superblock at %s has a bad checksum", where(off));
	else if (rs_le64(sb + OFF_NUM_DEVICES) != 1)
		snprintf(why, wlen, "multi-device filesystem (%llu devices): every member "
		    "would need the change", (unsigned long long)rs_le64(sb + OFF_NUM_DEVICES));
	else if (flags & FLAG_SEEDING)
		snprintf(why, wlen, "seed device");
	else if (flags & (FLAG_CHANGING_FSID | FLAG_CHANGING_FSID_V2))
		snprintf(why, wlen, "an fsid change is in progress (finish it with btrfstune)");
	else if (flags & (FLAG_METADUMP | FLAG_METADUMP_V2))
		snprintf(why, wlen, "metadump image, not a filesystem");
	else if (flags & FLAG_ERROR)
		snprintf(why, wlen, "filesystem is marked as having errors (run btrfs check)");
	else if (flags & ~FLAGS_OK)
		snprintf(why, wlen, "unknown superblock flags 0x%llx",
		    (unsigned long long)(flags & ~FLAGS_OK));
	else if (incompat & INCOMPAT_ZONED)
		snprintf(why, wlen, "zoned filesystem");
	else if (incompat & ~INCOMPAT_OK)
		snprintf(why, wlen, "unknown incompat features 0x%llx",
		    (unsigned long long)(incompat & ~INCOMPAT_OK));
	else if (compat_ro & ~COMPAT_RO_OK)
		snprintf(why, wlen, "unknown compat_ro features 0x%llx",
		    (unsigned long long)(compat_ro & ~COMPAT_RO_OK));
	else if ((incompat & INCOMPAT_METADATA_UUID) && rs_is_zero(sb + OFF_METADATA_UUID, 16))
		snprintf(why, wlen, "METADATA_UUID is set but metadata_uuid is empty");
	else if (memcmp(sb + OFF_DEV_FSID, metadata_uuid(sb), 16))
		/* The kernel's btrfs_validate_super would reject it too. */
		snprintf(why, wlen, "dev_item.fsid differs from the metadata UUID");
	else
		return 0;
	return -ECANCELED;
}

/* The identity fields of a copy: fsid, the METADATA_UUID bit, metadata_uuid. */
static int
same_identity(const unsigned char *a, const unsigned char *b)
{
	return !memcmp(a + OFF_FSID, b + OFF_FSID, 16) &&
	    !((rs_le64(a + OFF_INCOMPAT) ^ rs_le64(b + OFF_INCOMPAT)) & INCOMPAT_METADATA_UUID) &&
	    !memcmp(a + OFF_METADATA_UUID, b + OFF_METADATA_UUID, 16);
}

/* Give one copy the new fsid (formats.md §3.3); meta is the metadata UUID,
 * which never changes. */
static void
apply(unsigned char *sb, const unsigned char *meta, const unsigned char *uuid)
{
	uint64_t incompat = rs_le64(sb + OFF_INCOMPAT);

	if (!memcmp(uuid, meta, 16)) {
		/* Back to the original: the plain layout again. */
		rs_put_le64(sb + OFF_INCOMPAT, incompat & ~INCOMPAT_METADATA_UUID);
		memset(sb + OFF_METADATA_UUID, 0, 16);
	} else {
		rs_put_le64(sb + OFF_INCOMPAT, incompat | INCOMPAT_METADATA_UUID);
		memmove(sb + OFF_METADATA_UUID, meta, 16);
	}
	memcpy(sb + OFF_FSID, uuid, 16);
	sb_seal(sb);
}

/* The plan half of rs_btrfs_set_uuid: refuse (-ECANCELED, logged) or
 * plan the change (nothing when every copy has the new fsid already). */
static int
plan_change(rs_blkdev *d, const unsigned char *uuid, rs_blk_plan *p)
{
	unsigned char sb[SB_COPIES][SB_SIZE], want[SB_SIZE], meta[16];
	int present[SB_COPIES] = { 0 }, change[SB_COPIES] = { 0 };
	char why[160];
	uint64_t dev_total, gen;
	unsigned i, n = 0;
	int r;

	if (d->size < SB_PRIMARY + SB_SIZE)
		return -ENOENT;
	if ((r = rs_blk_read(d, sb[0], SB_SIZE, SB_PRIMARY)) < 0)
		return r;
	if (memcmp(sb[0] + OFF_MAGIC, "_BHRfS_M", 8))
		return -ENOENT;
	if (check_copy(sb[0], SB_PRIMARY, why, sizeof why) < 0)
		goto refuse;
	present[0] = 1;
	memcpy(meta, metadata_uuid(sb[0]), 16);
	gen = rs_le64(sb[0] + OFF_GENERATION);
	dev_total = rs_le64(sb[0] + OFF_DEV_TOTAL);
	if (dev_total < SB_PRIMARY + SB_SIZE) {
		snprintf(why, sizeof why, "implausible device size %llu in dev_item",
		    (unsigned long long)dev_total);
		goto refuse;
	}
	if (dev_total > d->size) {
		snprintf(why, sizeof why, "the filesystem needs %llu bytes but the device has "
		    "%llu (truncated image?)", (unsigned long long)dev_total,
		    (unsigned long long)d->size);
		goto refuse;
	}
	/* What the primary will look like; the mirrors must match it in
	 * everything the change touches, before or after (a rerun after an
	 * interruption finds some mirrors already done). */
	memcpy(want, sb[0], SB_SIZE);
	apply(want, meta, uuid);
	for (i = 1; i < SB_COPIES; i++) {
		uint64_t off = sb_offset[i];
		/* The kernel writes mirror i only while off + 4 KiB < the
		 * device's size in dev_item; past that a copy is optional. */
		int inside = off + SB_SIZE < dev_total;

		if (off + SB_SIZE > d->size)
			break;
		if ((r = rs_blk_read(d, sb[i], SB_SIZE, off)) < 0)
			return r;
		if (!inside && memcmp(sb[i] + OFF_MAGIC, "_BHRfS_M", 8))
			continue;
		if (check_copy(sb[i], off, why, sizeof why) < 0)
			goto refuse;
		if (rs_le64(sb[i] + OFF_GENERATION) != gen) {
			snprintf(why, sizeof why, "superblock at %s is at generation %llu, "
			    "the primary at %llu", where(off),
			    (unsigned long long)rs_le64(sb[i] + OFF_GENERATION),
			    (unsigned long long)gen);
			goto refuse;
		}
		if (!same_identity(sb[i], sb[0]) && !same_identity(sb[i], want)) {
			snprintf(why, sizeof why, "superblock at %s has a different fsid or "
			    "metadata_uuid than the primary", where(off));
			goto refuse;
		}
		present[i] = 1;
	}
	for (i = 0; i < SB_COPIES; i++)
		if (present[i] && !same_identity(sb[i], want))
			change[i] = 1;
	if (!change[0] && !change[1] && !change[2]) {
		rs_info("%s: btrfs already has this UUID; nothing to write", d->path);
		return 0;
	}
	/* Mirrors first, the primary last: until the primary lands, the
	 * kernel and libblkid still see a consistent old filesystem.  Each
	 * copy keeps its own bytes (bytenr, log_root...) and gets its own
	 * checksum; one aligned 4 KiB write per copy. */
	for (i = SB_COPIES; i-- > 0;) {
		if (!change[i])
			continue;
		apply(sb[i], meta, uuid);
		rs_blk_plan_add(p, sb_offset[i], sb[i], SB_SIZE);
		n++;
	}
	rs_debug("%s: btrfs fsid to change in %u superblock copies", d->path, n);
	return 0;
refuse:
	rs_err("refusing btrfs on %s: %s", d->path, why);
	return -ECANCELED;
}

/* see blk.h */
int
rs_btrfs_set_uuid(rs_blkdev *d, const unsigned char *uuid)
{
	rs_blk_plan p = { 0 };

	return rs_blk_apply(d, &p, plan_change(d, uuid, &p), "btrfs");
}
