/* ext4.c: ext2/ext3/ext4 detection and the O(1) UUID change of
 * docs/formats.md §1 (§1.1 detection, §1.3 checksums,
 * §1.4 backups, §1.7 method, §1.8 refusals).
 *
 * The change touches the superblock copies only: with metadata_csum it first
 * pins the metadata checksum seed (INCOMPAT_CSUM_SEED + s_checksum_seed =
 * crc32c_raw(~0, old uuid)), so every inode, extent, directory and bitmap
 * checksum stays valid.  gdt_csum without metadata_csum is the one layout
 * where the UUID enters other metadata directly (the CRC-16 of each group
 * descriptor), so there every descriptor of every GDT copy is rewritten. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"
#include "log.h"

/* Superblock: at byte 1024, 1024 bytes; field offsets from formats.md §1.2. */
#define SB_OFF          1024
#define SB_LEN          1024
#define O_INODES        0x00
#define O_BLOCKS_LO     0x04
#define O_FIRST_DATA    0x14
#define O_LOG_BS        0x18
#define O_LOG_CS        0x1C
#define O_BPG           0x20
#define O_IPG           0x28
#define O_MAGIC         0x38
#define O_STATE         0x3A
#define O_BG_NR         0x5A
#define O_MINOR_REV     0x3E
#define O_REV           0x4C
#define O_COMPAT        0x5C
#define O_INCOMPAT      0x60
#define O_RO_COMPAT     0x64
#define O_UUID          0x68
#define O_LABEL         0x78
#define O_JNL_INUM      0xE0
#define O_DESC_SIZE     0xFE
#define O_BLOCKS_HI     0x150
#define O_MMP_BLOCK     0x168
#define O_CSUM_TYPE     0x175
#define O_BACKUP_BGS    0x24C
#define O_CSUM_SEED     0x270
#define O_CSUM          0x3FC

#define EXT_MAGIC       0xEF53
#define STATE_VALID     0x1
#define STATE_ERROR     0x2

#define COMPAT_DIR_PREALLOC     0x0001
#define COMPAT_IMAGIC_INODES    0x0002
#define COMPAT_HAS_JOURNAL      0x0004
#define COMPAT_EXT_ATTR         0x0008
#define COMPAT_RESIZE_INODE     0x0010
#define COMPAT_DIR_INDEX        0x0020
#define COMPAT_SPARSE_SUPER2    0x0200
#define COMPAT_FAST_COMMIT      0x0400
#define COMPAT_STABLE_INODES    0x0800
#define COMPAT_ORPHAN_FILE      0x1000

#define INC_FILETYPE            0x0002
#define INC_RECOVER             0x0004
#define INC_JOURNAL_DEV         0x0008
#define INC_META_BG             0x0010
#define INC_EXTENTS             0x0040
#define INC_64BIT               0x0080
#define INC_MMP                 0x0100
#define INC_FLEX_BG             0x0200
#define INC_EA_INODE            0x0400
#define INC_CSUM_SEED           0x2000
#define INC_LARGEDIR            0x4000
#define INC_INLINE_DATA         0x8000
#define INC_ENCRYPT             0x10000
#define INC_CASEFOLD            0x20000

#define RO_SPARSE_SUPER         0x0001
#define RO_LARGE_FILE           0x0002
#define RO_BTREE_DIR            0x0004
#define RO_HUGE_FILE            0x0008
#define RO_GDT_CSUM             0x0010
#define RO_DIR_NLINK            0x0020
#define RO_EXTRA_ISIZE          0x0040
#define RO_QUOTA                0x0100
#define RO_BIGALLOC             0x0200
#define RO_METADATA_CSUM        0x0400
#define RO_READONLY             0x1000
#define RO_PROJECT              0x2000
#define RO_SHARED_BLOCKS        0x4000
#define RO_VERITY               0x8000
#define RO_ORPHAN_PRESENT       0x10000

/* The whitelist (formats.md §9): the feature bits e2fsprogs 1.47 itself
 * supports, each checked against what it means for a UUID change.  None
 * but gdt_csum, metadata_csum, ea_inode and stable_inodes involves the UUID
 * (formats.md §1.3, §1.5); everything else (compression, dirdata, snapshots,
 * lazy_bg, exclude_bitmap, future bits) is refused as not understood. */
#define KNOWN_COMPAT    (COMPAT_DIR_PREALLOC | COMPAT_IMAGIC_INODES | COMPAT_HAS_JOURNAL | \
                         COMPAT_EXT_ATTR | COMPAT_RESIZE_INODE | COMPAT_DIR_INDEX | \
                         COMPAT_SPARSE_SUPER2 | COMPAT_FAST_COMMIT | COMPAT_STABLE_INODES | \
                         COMPAT_ORPHAN_FILE)
#define KNOWN_INCOMPAT  (INC_FILETYPE | INC_RECOVER | INC_JOURNAL_DEV | INC_META_BG | \
                         INC_EXTENTS | INC_64BIT | INC_MMP | INC_FLEX_BG | INC_EA_INODE | \
                         INC_CSUM_SEED | INC_LARGEDIR | INC_INLINE_DATA | INC_ENCRYPT | \
                         INC_CASEFOLD)
#define KNOWN_RO_COMPAT (RO_SPARSE_SUPER | RO_LARGE_FILE | RO_BTREE_DIR | RO_HUGE_FILE | \
                         RO_GDT_CSUM | RO_DIR_NLINK | RO_EXTRA_ISIZE | RO_QUOTA | \
                         RO_BIGALLOC | RO_METADATA_CSUM | RO_READONLY | RO_PROJECT | \
                         RO_SHARED_BLOCKS | RO_VERITY | RO_ORPHAN_PRESENT)

/* What libblkid's superblocks/ext.c lets ext2 and ext3 have; anything
 * beyond makes the filesystem "ext4". */
#define EXT3_RO_SUPP    (RO_SPARSE_SUPER | RO_LARGE_FILE | RO_BTREE_DIR)
#define EXT2_INC_SUPP   (INC_FILETYPE | INC_META_BG)
#define EXT3_INC_SUPP   (INC_FILETYPE | INC_RECOVER | INC_META_BG)

/* Multi-mount protection block (kernel struct mmp_struct). */
#define MMP_MAGIC       0x004D4D50u
#define MMP_SEQ_CLEAN   0xFF4D4D50u
#define MMP_CSUM        0x3FC

#define DESC_CSUM       0x1E       /* bg_checksum in a group descriptor */
#define GDT_CHUNK       16384      /* descriptors handled per read/write */

typedef struct {
	rs_blkdev *d;
	const char *type;           /* ext2, ext3, ext4 or jbd: for messages */
	unsigned char sb[SB_LEN];   /* the primary superblock as read */
	unsigned char old[16];      /* UUID before the change */
	unsigned char uuid[16];     /* UUID after the change */
	uint32_t compat, incompat, ro;
	uint64_t blocks;            /* s_blocks_count */
	uint32_t bs;                /* block size in bytes */
	uint32_t first;             /* s_first_data_block */
	uint32_t bpg;               /* s_blocks_per_group */
	uint32_t ngroups;
	uint32_t dsz;               /* group descriptor size */
	uint64_t gdt_block;         /* block of the primary GDT */
	uint64_t gdt_bytes;         /* ngroups * dsz */
	int mcs;                    /* metadata_csum: superblocks carry s_checksum */
	int crc16;                  /* gdt_csum without metadata_csum (formats.md §1.3) */
	int add_seed;               /* set INCOMPAT_CSUM_SEED on every copy */
	uint32_t seed;              /* metadata checksum seed; unchanged by us */
} ext4_fs;

static int
sb_csum_ok(const unsigned char *sb)
{
	return rs_le32(sb + O_CSUM) == rs_crc32c_raw(~0u, sb, O_CSUM);
}

/* The blkid TYPE for these feature sets, as libblkid's superblocks/ext.c
 * decides it on a kernel that offers ext2 and ext4 but not ext4dev (every
 * current one).  NULL for the one set no blkid probe claims: needs_recovery
 * without a journal.  One deliberate difference: an ext4 with the s_flags
 * test_fs bit (ext4dev), which blkid then reports as nothing, is "ext4". */
static const char *
ext_type(uint32_t compat, uint32_t incompat, uint32_t ro)
{
	int beyond_ext3 = (ro & ~(uint32_t)EXT3_RO_SUPP) || (incompat & ~(uint32_t)EXT3_INC_SUPP);

	if (incompat & INC_JOURNAL_DEV)
		return "jbd";
	if (beyond_ext3)
		return "ext4";
	if (compat & COMPAT_HAS_JOURNAL)
		return "ext3";
	if (incompat & ~(uint32_t)EXT2_INC_SUPP)
		return NULL;
	return "ext2";
}

/* Read the primary superblock; -ENOENT if d is too small or has no magic. */
static int
read_primary(rs_blkdev *d, unsigned char sb[SB_LEN])
{
	int r;

	if (d->size < SB_OFF + SB_LEN)
		return -ENOENT;
	if ((r = rs_blk_read(d, sb, SB_LEN, SB_OFF)) < 0)
		return r;
	return rs_le16(sb + O_MAGIC) == EXT_MAGIC ? 0 : -ENOENT;
}

/* see blk.h */
int
rs_ext4_probe(rs_blkdev *d, rs_fsinfo *fi)
{
	unsigned char sb[SB_LEN];
	const char *type;
	size_t n;
	int r;

	if ((r = read_primary(d, sb)) < 0)
		return r;
	type = ext_type(rs_le32(sb + O_COMPAT), rs_le32(sb + O_INCOMPAT), rs_le32(sb + O_RO_COMPAT));
	snprintf(fi->type, sizeof fi->type, "%s", type ? type : "ext2");
	memcpy(fi->uuid, sb + O_UUID, 16);
	fi->uuid_len = 16;
	rs_uuid_fmt(fi->uuid_str, fi->uuid);
	/* blkid: the name up to its NUL, trailing white space dropped. */
	for (n = 0; n < 16 && sb[O_LABEL + n]; n++)
		;
	while (n && strchr(" \t\n\v\f\r", sb[O_LABEL + n - 1]))
		n--;
	memcpy(fi->label, sb + O_LABEL, n);
	fi->label[n] = 0;
	snprintf(fi->version, sizeof fi->version, "%u.%u", (unsigned)rs_le32(sb + O_REV),
	    (unsigned)rs_le16(sb + O_MINOR_REV));
	/* libblkid drops an ext superblock whose checksum fails (formats.md §1.1). */
	if ((rs_le32(sb + O_RO_COMPAT) & RO_METADATA_CSUM) && !sb_csum_ok(sb)) {
		snprintf(fi->why, sizeof fi->why, "superblock checksum mismatch");
		return -EUCLEAN;
	}
	if (!type) {
		snprintf(fi->why, sizeof fi->why, "needs_recovery is set but there is no journal");
		return -EUCLEAN;
	}
	return 0;
}

/* Log why the change is refused; always returns -ECANCELED. */
static int refuse(const ext4_fs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
refuse(const ext4_fs *fs, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	rs_err("refusing %s on %s: %s", fs->type, fs->d->path, msg);
	return -ECANCELED;
}

/* e2fsprogs' ext2fs_bg_has_super (formats.md §1.4). */
static int
has_super(const ext4_fs *fs, uint32_t g)
{
	static const uint32_t base[3] = { 3, 5, 7 };
	int i;

	if (g == 0)
		return 1;
	if (fs->compat & COMPAT_SPARSE_SUPER2)
		return g == rs_le32(fs->sb + O_BACKUP_BGS) || g == rs_le32(fs->sb + O_BACKUP_BGS + 4);
	if (g == 1 || !(fs->ro & RO_SPARSE_SUPER))
		return 1;
	if (!(g & 1))
		return 0;
	for (i = 0; i < 3; i++) {
		uint32_t x = g;
		while (x % base[i] == 0)
			x /= base[i];
		if (x == 1)
			return 1;
	}
	return 0;
}

static uint64_t
group_byte(const ext4_fs *fs, uint32_t g)
{
	return ((uint64_t)fs->first + (uint64_t)g * fs->bpg) * fs->bs;
}

/* Byte offset of the GDT copy that follows the superblock of group g. */
static uint64_t
gdt_byte(const ext4_fs *fs, uint32_t g)
{
	return g ? group_byte(fs, g) + fs->bs : fs->gdt_block * fs->bs;
}

/* Geometry from the primary superblock, checked the way e2fsprogs and the
 * kernel check it before trusting any offset derived from it. */
static int
load_geometry(ext4_fs *fs)
{
	const unsigned char *sb = fs->sb;
	uint32_t lbs = rs_le32(sb + O_LOG_BS), ratio = 1;
	uint64_t ng, gdt_blocks;

	if (lbs > 6)
		return refuse(fs, "block size 1024 << %u not understood", (unsigned)lbs);
	fs->bs = 1024u << lbs;
	if (fs->ro & RO_BIGALLOC) {
		uint32_t lcs = rs_le32(sb + O_LOG_CS);
		if (lcs < lbs || lcs - lbs > 16)
			return refuse(fs, "cluster size not understood");
		ratio = 1u << (lcs - lbs);
	}
	fs->first = rs_le32(sb + O_FIRST_DATA);
	fs->bpg = rs_le32(sb + O_BPG);
	fs->blocks = rs_le32(sb + O_BLOCKS_LO);
	if (fs->incompat & INC_64BIT)
		fs->blocks |= (uint64_t)rs_le32(sb + O_BLOCKS_HI) << 32;
	if (fs->first > 1 || (fs->bs > 1024 && fs->first != 0) || fs->blocks <= fs->first)
		return refuse(fs, "first data block %u not understood", (unsigned)fs->first);
	/* The image must hold the whole filesystem: a backup superblock
	 * beyond the end is the mark of a truncated copy.  (Checked first:
	 * it also bounds every offset computed below.) */
	if (fs->blocks > fs->d->size / fs->bs)
		return refuse(fs, "the filesystem is %llu blocks of %u bytes but the device holds "
		    "only %llu bytes (truncated image?)", (unsigned long long)fs->blocks,
		    (unsigned)fs->bs, (unsigned long long)fs->d->size);
	if (fs->bpg < 8 || fs->bpg % 8 || (uint64_t)fs->bpg > (uint64_t)fs->bs * 8 * ratio)
		return refuse(fs, "%u blocks per group not understood", (unsigned)fs->bpg);
	ng = (fs->blocks - fs->first + fs->bpg - 1) / fs->bpg;
	if (ng > UINT32_MAX ||
	    (uint64_t)rs_le32(sb + O_INODES) != ng * rs_le32(sb + O_IPG))
		return refuse(fs, "inode count does not match %llu groups", (unsigned long long)ng);
	fs->ngroups = (uint32_t)ng;
	fs->dsz = 32;
	if (fs->incompat & INC_64BIT) {
		fs->dsz = rs_le16(sb + O_DESC_SIZE);
		if (fs->dsz < 64 || fs->dsz > 1024 || (fs->dsz & (fs->dsz - 1)))
			return refuse(fs, "group descriptor size %u not understood", (unsigned)fs->dsz);
	}
	fs->gdt_bytes = (uint64_t)fs->ngroups * fs->dsz;
	/* The primary GDT starts in the block after the superblock's: block 1
	 * when the superblock sits inside block 0, block 2 with 1 KiB blocks,
	 * also when bigalloc makes first_data_block 0 there
	 * (ext2fs_descriptor_block_loc2). */
	fs->gdt_block = (fs->first == 0 && fs->bs == 1024 ? 1 : fs->first) + 1;
	gdt_blocks = (fs->gdt_bytes + fs->bs - 1) / fs->bs;
	if (fs->crc16 && (fs->gdt_block + gdt_blocks > (uint64_t)fs->first + fs->bpg ||
	    fs->gdt_block + gdt_blocks > fs->blocks))
		return refuse(fs, "group descriptor table larger than a block group");
	if (fs->gdt_block >= fs->blocks)
		return refuse(fs, "no room for a group descriptor table");
	return 0;
}

/* The refusal rules of formats.md §1.8 that the superblock alone decides. */
static int
check_features(ext4_fs *fs)
{
	const unsigned char *sb = fs->sb;
	uint16_t state = rs_le16(sb + O_STATE);
	uint32_t bad;

	if (fs->incompat & INC_JOURNAL_DEV)
		return refuse(fs, "this is an external journal device, not a filesystem");
	if (fs->mcs && !sb_csum_ok(sb))
		return refuse(fs, "superblock checksum mismatch");
	if ((bad = fs->incompat & ~(uint32_t)KNOWN_INCOMPAT))
		return refuse(fs, "unknown incompat feature bits 0x%x", (unsigned)bad);
	if ((bad = fs->ro & ~(uint32_t)KNOWN_RO_COMPAT))
		return refuse(fs, "unknown ro_compat feature bits 0x%x", (unsigned)bad);
	if ((bad = fs->compat & ~(uint32_t)KNOWN_COMPAT))
		return refuse(fs, "unknown compat feature bits 0x%x", (unsigned)bad);
	if (fs->incompat & INC_RECOVER)
		return refuse(fs, "journal needs recovery (mount and unmount it, or run e2fsck)");
	if (state & STATE_ERROR)
		return refuse(fs, "filesystem has errors (run e2fsck -f)");
	if (!(state & STATE_VALID))
		return refuse(fs, "filesystem was not cleanly unmounted (run e2fsck -f)");
	if ((fs->compat & COMPAT_HAS_JOURNAL) && rs_le32(sb + O_JNL_INUM) == 0)
		return refuse(fs, "external journal (its s_users list names this UUID)");
	if (fs->compat & COMPAT_STABLE_INODES)
		return refuse(fs, "stable_inodes is set (fscrypt keys are bound to the UUID)");
	if ((fs->incompat & INC_EA_INODE) && !fs->mcs)
		return refuse(fs, "ea_inode without metadata_csum (xattr hashes are seeded by the UUID)");
	if (fs->mcs && sb[O_CSUM_TYPE] != 1)
		return refuse(fs, "checksum type %u is not crc32c", (unsigned)sb[O_CSUM_TYPE]);
	if (fs->crc16 && (fs->incompat & INC_META_BG))
		return refuse(fs, "gdt_csum together with meta_bg is not supported");
	return 0;
}

/* MMP must say "cleanly unmounted" (formats.md §1.8); its checksum is seeded like
 * every other metadata checksum, so verify it too. */
static int
check_mmp(ext4_fs *fs)
{
	unsigned char m[1024];
	uint64_t blk = rs_le64(fs->sb + O_MMP_BLOCK);
	int r;

	if (!(fs->incompat & INC_MMP))
		return 0;
	if (blk <= fs->first || blk >= fs->blocks)
		return refuse(fs, "MMP block %llu outside the filesystem", (unsigned long long)blk);
	if ((r = rs_blk_read(fs->d, m, sizeof m, blk * fs->bs)) < 0)
		return r;
	if (rs_le32(m) != MMP_MAGIC)
		return refuse(fs, "MMP block has no MMP magic");
	if (rs_le32(m + 4) != MMP_SEQ_CLEAN)
		return refuse(fs, "MMP says the filesystem is in use (seq 0x%08x)", (unsigned)rs_le32(m + 4));
	if (fs->mcs && rs_le32(m + MMP_CSUM) != rs_crc32c_raw(fs->seed, m, MMP_CSUM))
		return refuse(fs, "MMP block checksum mismatch");
	return 0;
}

/* The checksum of group descriptor g (formats.md §1.3).  For gdt_csum the UUID is
 * an input; for metadata_csum the (unchanged) seed is. */
static uint16_t
desc_csum(const ext4_fs *fs, const unsigned char *desc, uint32_t g, const unsigned char *uuid)
{
	unsigned char le[4];

	rs_put_le32(le, g);
	if (fs->mcs) {
		static const unsigned char zero[2];
		uint32_t c = rs_crc32c_raw(fs->seed, le, 4);
		c = rs_crc32c_raw(c, desc, DESC_CSUM);
		c = rs_crc32c_raw(c, zero, 2);
		c = rs_crc32c_raw(c, desc + DESC_CSUM + 2, fs->dsz - DESC_CSUM - 2);
		return (uint16_t)c;
	} else {
		uint16_t c = rs_crc16(0xFFFF, uuid, 16);
		c = rs_crc16(c, le, 4);
		c = rs_crc16(c, desc, DESC_CSUM);
		return rs_crc16(c, desc + DESC_CSUM + 2, fs->dsz - DESC_CSUM - 2);
	}
}

/* Descriptors [g0, g0 + n) of the primary GDT into buf. */
static int
read_descs(ext4_fs *fs, unsigned char *buf, uint32_t g0, uint32_t n)
{
	return rs_blk_read(fs->d, buf, (size_t)n * fs->dsz, gdt_byte(fs, 0) + (uint64_t)g0 * fs->dsz);
}

/* Before any write: the primary descriptors must verify.  With gdt_csum
 * that is all of them, against the old UUID (or the new one: a run that
 * was interrupted after writing the primary GDT).  With metadata_csum the
 * first block's worth confirms the seed we are about to pin. */
static int
verify_primary_gdt(ext4_fs *fs)
{
	unsigned char buf[GDT_CHUNK];
	uint32_t per = GDT_CHUNK / fs->dsz, g0, i, n;
	int r;

	if (!fs->mcs && !fs->crc16)
		return 0;
	for (g0 = 0; g0 < fs->ngroups; g0 += n) {
		n = fs->ngroups - g0 < per ? fs->ngroups - g0 : per;
		if (fs->mcs && n > fs->bs / fs->dsz)
			n = fs->bs / fs->dsz;
		if ((r = read_descs(fs, buf, g0, n)) < 0)
			return r;
		for (i = 0; i < n; i++) {
			const unsigned char *dp = buf + (size_t)i * fs->dsz;
			uint16_t have = rs_le16(dp + DESC_CSUM);
			if (have == desc_csum(fs, dp, g0 + i, fs->old))
				continue;
			if (fs->crc16 && have == desc_csum(fs, dp, g0 + i, fs->uuid))
				continue;
			return refuse(fs, "group descriptor %u checksum mismatch (run e2fsck -f)",
			    (unsigned)(g0 + i));
		}
		if (fs->mcs)
			break;
	}
	return 0;
}

/* Read the backup superblock of group g into b and decide whether it is a
 * copy of this filesystem we may patch: same geometry and features as the
 * primary, carrying the old UUID (or already the new one, after an
 * interrupted run), with a valid checksum.  Stale or foreign copies are
 * left alone (formats.md §1.8), logged when !quiet.  Returns 1, 0, or -errno. */
static int
backup_ours(ext4_fs *fs, uint32_t g, unsigned char *b, int quiet)
{
	const char *why = NULL;
	uint64_t off = group_byte(fs, g);
	uint32_t inc;
	int r;

	if ((r = rs_blk_read(fs->d, b, SB_LEN, off)) < 0)
		return r;
	inc = rs_le32(b + O_INCOMPAT);
	if (rs_le16(b + O_MAGIC) != EXT_MAGIC)
		why = "has no ext superblock magic";
	else if (memcmp(b + O_UUID, fs->old, 16) && memcmp(b + O_UUID, fs->uuid, 16))
		why = "carries another UUID";
	else if (memcmp(b + O_BLOCKS_LO, fs->sb + O_BLOCKS_LO, 4) ||
	    memcmp(b + O_BLOCKS_HI, fs->sb + O_BLOCKS_HI, 4) ||
	    memcmp(b + O_FIRST_DATA, fs->sb + O_FIRST_DATA, 4) ||
	    memcmp(b + O_LOG_BS, fs->sb + O_LOG_BS, 4) || memcmp(b + O_BPG, fs->sb + O_BPG, 4))
		why = "has another geometry";
	else if (rs_le32(b + O_COMPAT) != fs->compat || rs_le32(b + O_RO_COMPAT) != fs->ro ||
	    (inc | INC_CSUM_SEED) != (fs->incompat | INC_CSUM_SEED) ||
	    ((fs->incompat & INC_CSUM_SEED) && !(inc & INC_CSUM_SEED)))
		why = "has other feature flags (stale)";
	else if ((inc & INC_CSUM_SEED) && (!fs->mcs || rs_le32(b + O_CSUM_SEED) != fs->seed))
		why = "has another checksum seed";
	else if (fs->mcs && !sb_csum_ok(b))
		why = "has a bad checksum";
	else if (fs->crc16 && off + fs->bs + fs->gdt_bytes > fs->blocks * fs->bs)
		why = "has no room for its group descriptor copy";
	if (!why)
		return 1;
	if (!quiet)
		rs_warn("%s on %s: backup superblock of group %u (byte %llu) %s; left unchanged",
		    fs->type, fs->d->path, (unsigned)g, (unsigned long long)off, why);
	return 0;
}

/* Steps 1-3 of formats.md §1.7 on one superblock copy; everything else in the
 * copy (s_block_group_nr, s_state, counters) is kept. */
static void
patch_sb(const ext4_fs *fs, unsigned char *b)
{
	if (fs->add_seed && !(rs_le32(b + O_INCOMPAT) & INC_CSUM_SEED)) {
		rs_put_le32(b + O_INCOMPAT, rs_le32(b + O_INCOMPAT) | INC_CSUM_SEED);
		rs_put_le32(b + O_CSUM_SEED, fs->seed);
	}
	memcpy(b + O_UUID, fs->uuid, 16);
	if (fs->mcs)
		rs_put_le32(b + O_CSUM, rs_crc32c_raw(~0u, b, O_CSUM));
}

/* gdt_csum: keep the primary descriptors, re-checksummed for the new UUID,
 * in the plan, GDT_CHUNK bytes at a time; *at gets their position (-1
 * after a plan failure, which p->err holds).  Returns 0 or -errno. */
static int
keep_gdt(ext4_fs *fs, rs_blk_plan *p, long *at)
{
	unsigned char buf[GDT_CHUNK];
	uint32_t per = GDT_CHUNK / fs->dsz, g0, i, n;
	long k;
	int r;

	for (g0 = 0; g0 < fs->ngroups; g0 += n) {
		n = fs->ngroups - g0 < per ? fs->ngroups - g0 : per;
		if ((r = read_descs(fs, buf, g0, n)) < 0)
			return r;
		for (i = 0; i < n; i++) {
			unsigned char *dp = buf + (size_t)i * fs->dsz;
			rs_put_le16(dp + DESC_CSUM, desc_csum(fs, dp, g0 + i, fs->uuid));
		}
		k = rs_blk_plan_keep(p, buf, (size_t)n * fs->dsz);
		if (g0 == 0)
			*at = k;   /* the chunks are contiguous in the plan */
	}
	return 0;
}

/* Plan the write of the kept descriptors (at, from keep_gdt) to the GDT
 * copy at byte dst, one write per GDT_CHUNK.  Like tune2fs, every copy
 * receives the primary's descriptors. */
static void
plan_gdt_copy(const ext4_fs *fs, rs_blk_plan *p, long at, uint64_t dst)
{
	uint32_t per = GDT_CHUNK / fs->dsz, g0, n;

	for (g0 = 0; g0 < fs->ngroups; g0 += n) {
		n = fs->ngroups - g0 < per ? fs->ngroups - g0 : per;
		rs_blk_plan_write(p, dst + (uint64_t)g0 * fs->dsz, at + (long)g0 * fs->dsz,
		    (size_t)n * fs->dsz);
	}
}

/* The plan half of rs_ext4_set_uuid: refuse (-ECANCELED, logged) or plan
 * the change of formats.md §1.7. */
static int
plan_change(rs_blkdev *d, const unsigned char *uuid, rs_blk_plan *p)
{
	ext4_fs fs;
	unsigned char b[SB_LEN];
	uint32_t g, patched = 0, skipped = 0;
	long gdt = -1;
	int r;

	memset(&fs, 0, sizeof fs);
	fs.d = d;
	fs.type = "ext";
	if ((r = read_primary(d, fs.sb)) < 0) {
		if (r == -ENOENT)
			rs_err("refusing %s: no ext2/3/4 superblock", d->path);
		return r == -ENOENT ? -ECANCELED : r;
	}
	fs.compat = rs_le32(fs.sb + O_COMPAT);
	fs.incompat = rs_le32(fs.sb + O_INCOMPAT);
	fs.ro = rs_le32(fs.sb + O_RO_COMPAT);
	fs.type = ext_type(fs.compat, fs.incompat, fs.ro);
	if (!fs.type)
		fs.type = "ext2";
	memcpy(fs.old, fs.sb + O_UUID, 16);
	memcpy(fs.uuid, uuid, 16);
	fs.mcs = !!(fs.ro & RO_METADATA_CSUM);
	fs.crc16 = !fs.mcs && (fs.ro & RO_GDT_CSUM) != 0;
	fs.add_seed = fs.mcs && !(fs.incompat & INC_CSUM_SEED);
	fs.seed = (fs.incompat & INC_CSUM_SEED) ? rs_le32(fs.sb + O_CSUM_SEED)
	    : rs_crc32c_raw(~0u, fs.old, 16);

	if ((r = check_features(&fs)) < 0 || (r = load_geometry(&fs)) < 0 ||
	    (r = check_mmp(&fs)) < 0 || (r = verify_primary_gdt(&fs)) < 0)
		return r;
	/* Backups first (formats.md §1.7): superblocks, then their GDT copies. */
	for (g = 1; g < fs.ngroups; g++) {
		if (!has_super(&fs, g))
			continue;
		if ((r = backup_ours(&fs, g, b, 0)) < 0)
			return r;
		if (r == 0) {
			skipped++;
			continue;
		}
		patched++;
		patch_sb(&fs, b);
		rs_blk_plan_add(p, group_byte(&fs, g), b, SB_LEN);
	}
	if (skipped)
		rs_info("%s on %s: %u backup superblock(s) will be updated, %u skipped",
		    fs.type, d->path, (unsigned)patched, (unsigned)skipped);
	if (fs.crc16 && (r = keep_gdt(&fs, p, &gdt)) < 0)
		return r;
	/* The GDT copies of the backups just planned: the same choice again. */
	for (g = 1; fs.crc16 && g < fs.ngroups; g++) {
		if (!has_super(&fs, g))
			continue;
		if ((r = backup_ours(&fs, g, b, 1)) < 0)
			return r;
		if (r)
			plan_gdt_copy(&fs, p, gdt, gdt_byte(&fs, g));
	}
	/* Make the backups durable before the primary changes, so that the
	 * primary never shows the new UUID while a backup might not. */
	rs_blk_plan_sync(p);
	if (fs.crc16)
		plan_gdt_copy(&fs, p, gdt, gdt_byte(&fs, 0));
	memcpy(b, fs.sb, SB_LEN);
	patch_sb(&fs, b);
	rs_blk_plan_add(p, SB_OFF, b, SB_LEN);
	return 0;
}

/* --- a torn primary superblock (formats.md §1.9) --- */

/* Byte offset of group 1's backup superblock from the geometry fields of
 * the primary's first 512 bytes (every write of the primary carries the
 * same geometry, so a torn one still tells it); 0 if it makes no sense. */
static uint64_t
backup1_byte(const unsigned char *sb)
{
	uint32_t lbs = rs_le32(sb + O_LOG_BS), first = rs_le32(sb + O_FIRST_DATA);
	uint32_t bpg = rs_le32(sb + O_BPG);

	if (lbs > 6 || first > 1 || bpg < 8 || bpg % 8)
		return 0;
	return ((uint64_t)first + bpg) * (1024u << lbs);
}

/* see blk.h */
int
rs_ext4_backup_sb(rs_blkdev *d, uint64_t *kib)
{
	unsigned char p[SB_LEN], b[SB_LEN];
	uint64_t off;
	int r;

	if ((r = read_primary(d, p)) < 0)
		return r;
	if (!(rs_le32(p + O_RO_COMPAT) & RO_METADATA_CSUM) || sb_csum_ok(p))
		return -ENOENT;
	off = backup1_byte(p);
	if (!off || off > d->size || d->size - off < SB_LEN)
		return -ENOENT;
	if ((r = rs_blk_read(d, b, SB_LEN, off)) < 0)
		return r;
	if (rs_le16(b + O_MAGIC) != EXT_MAGIC || rs_le16(b + O_BG_NR) != 1 ||
	    !(rs_le32(b + O_RO_COMPAT) & RO_METADATA_CSUM) || !sb_csum_ok(b) ||
	    memcmp(b + O_LOG_BS, p + O_LOG_BS, 4) || memcmp(b + O_FIRST_DATA, p + O_FIRST_DATA, 4) ||
	    memcmp(b + O_BPG, p + O_BPG, 4))
		return -ENOENT;
	*kib = off / 1024;
	return 0;
}

/* see blk.h */
int
rs_ext4_mend_torn(rs_blkdev *d, const unsigned char *old, const unsigned char *uuid, int dry)
{
	unsigned char p[SB_LEN], c[SB_LEN];
	rs_blk_plan plan = { 0 };
	uint32_t inc, want;
	int r, k, found = 0;

	if ((r = read_primary(d, p)) < 0)
		return r == -ENOENT ? -ECANCELED : r;
	if (!(rs_le32(p + O_RO_COMPAT) & RO_METADATA_CSUM) || sb_csum_ok(p))
		return 0;
	if (!memcmp(old, uuid, 16) || (memcmp(p + O_UUID, old, 16) && memcmp(p + O_UUID, uuid, 16)))
		return -ECANCELED;
	inc = rs_le32(p + O_INCOMPAT);
	want = rs_le32(p + O_CSUM);
	/* Second sector from the superblock written: that one is the first
	 * sector with the new UUID and the seed flag, and its checksum is the
	 * one stored. */
	memcpy(c, p, SB_LEN);
	memcpy(c + O_UUID, uuid, 16);
	rs_put_le32(c + O_INCOMPAT, inc | INC_CSUM_SEED);
	found = rs_crc32c_raw(~0u, c, O_CSUM) == want;
	/* Second sector from the superblock read: the old UUID, with the seed
	 * flag (pinned before) or without it (pinned by this change). */
	for (k = 0; !found && k < 2; k++) {
		memcpy(c, p, SB_LEN);
		memcpy(c + O_UUID, old, 16);
		rs_put_le32(c + O_INCOMPAT, k ? inc & ~(uint32_t)INC_CSUM_SEED : inc | INC_CSUM_SEED);
		if (rs_crc32c_raw(~0u, c, O_CSUM) != want)
			continue;
		found = 1;
		if (k) {
			rs_put_le32(c + O_INCOMPAT, inc | INC_CSUM_SEED);
			rs_put_le32(c + O_CSUM_SEED, rs_crc32c_raw(~0u, old, 16));
		}
		memcpy(c + O_UUID, uuid, 16);
	}
	if (!found)
		return -ECANCELED;
	if (dry)
		return 1;
	rs_put_le32(c + O_CSUM, rs_crc32c_raw(~0u, c, O_CSUM));
	rs_blk_plan_add(&plan, SB_OFF, c, SB_LEN);
	r = rs_blk_apply(d, &plan, 0, "ext");
	return r < 0 ? r : 1;
}

/* see blk.h */
int
rs_ext4_set_uuid(rs_blkdev *d, const unsigned char *uuid)
{
	rs_blk_plan p = { 0 };

	return rs_blk_apply(d, &p, plan_change(d, uuid, &p), "ext");
}
