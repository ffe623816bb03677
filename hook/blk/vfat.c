/* vfat.c: FAT12/16/32 probe and volume serial change (docs/formats.md
 * §4).
 *
 * The probe follows libblkid 2.38's vfat.c: which boot sectors count as
 * FAT (the same magics and BPB sanity checks, which is also what tells a
 * FAT boot sector from an MBR), LABEL from the root directory's volume
 * label entry, UUID "XXXX-XXXX" from the serial, VERSION FAT12/16/32.
 * The serial has no checksum; FAT32 keeps a second copy in its backup
 * boot sector. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"
#include "log.h"

#define BS_SIZE          512

/* BPB fields (LE). */
#define BPB_SECTOR_SIZE  0x0B
#define BPB_CLUSTER_SIZE 0x0D
#define BPB_RESERVED     0x0E
#define BPB_FATS         0x10
#define BPB_DIR_ENTRIES  0x11
#define BPB_SECTORS16    0x13
#define BPB_MEDIA        0x15
#define BPB_FAT_LENGTH16 0x16
#define BPB_SECTORS32    0x20
#define BPB_FAT_LENGTH32 0x24
#define BPB_ROOT_CLUSTER 0x2C
#define BPB_FSINFO       0x30
#define BPB_BACKUP_BOOT  0x32
/* The extended BPB: FAT12/16 at 0x24, FAT32 at 0x40. */
#define EBPB16           0x24
#define EBPB32           0x40
#define EBPB_SIG         2          /* 0x28: serial only; 0x29: serial, label, type */
#define EBPB_SERIAL      3

#define FAT12_MAX        0xFF4u
#define FAT16_MAX        0xFFF4u
#define FAT32_MAX        0x0FFFFFF6u

#define ATTR_VOLUME_ID   0x08
#define ATTR_DIR         0x10
#define ATTR_LONG_NAME   0x0F
#define ATTR_MASK        0x3F

/* libblkid reads a root directory at once on devices above 1440 KiB and
 * then gives up if it runs past the end; on smaller ones entry by entry. */
#define TINY_DEV         (1440u * 1024)
/* The label is nearly always the first entry: stop looking after this
 * many live entries so that probing a garbage directory stays cheap. */
#ifndef RS_VFAT_LABEL_SCAN_MAX
#define RS_VFAT_LABEL_SCAN_MAX 65536u
#endif

/* What the probe learned; set_uuid needs more of it than rs_fsinfo holds. */
struct fat {
	unsigned char bs[BS_SIZE];
	unsigned sector_size;
	uint32_t sectors;         /* total, from the 16- or 32-bit field */
	uint32_t fat_size;        /* sectors in all FATs */
	uint32_t dir_sectors;
	uint32_t clusters;
	unsigned ebpb;            /* EBPB16 or EBPB32; 0 if neither FAT length is set */
};

static int
pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

/* libblkid's fat_valid_superblock(), including its 32-bit arithmetic. */
static int
fat_valid(struct fat *f, int weak_magic)
{
	const unsigned char *b = f->bs;
	uint32_t fat_length, max;
	unsigned media = b[BPB_MEDIA], csize = b[BPB_CLUSTER_SIZE];

	if (weak_magic) {
		/* Without an FS-type string: a boot signature, and not the
		 * FAT-like pseudo boot sector OS/2 puts on JFS and HPFS. */
		if (b[0x1FE] != 0x55 || b[0x1FF] != 0xAA)
			return 0;
		if (!memcmp(b + 0x36, "JFS     ", 8) || !memcmp(b + 0x36, "HPFS    ", 8))
			return 0;
	}
	/* An MBR's boot code fails these: FAT count, reserved sectors,
	 * media byte, power-of-two cluster and sector sizes, cluster count. */
	if (!b[BPB_FATS] || !rs_le16(b + BPB_RESERVED))
		return 0;
	if (!(media >= 0xF8 || media == 0xF0) || !pow2(csize))
		return 0;
	f->sector_size = rs_le16(b + BPB_SECTOR_SIZE);
	if (!pow2(f->sector_size) || f->sector_size < 512 || f->sector_size > 4096)
		return 0;
	f->sectors = rs_le16(b + BPB_SECTORS16);
	if (!f->sectors)
		f->sectors = rs_le32(b + BPB_SECTORS32);
	fat_length = rs_le16(b + BPB_FAT_LENGTH16);
	if (!fat_length)
		fat_length = rs_le32(b + BPB_FAT_LENGTH32);
	f->fat_size = fat_length * b[BPB_FATS];
	f->dir_sectors = (uint32_t)(((uint64_t)rs_le16(b + BPB_DIR_ENTRIES) * 32 +
	    f->sector_size - 1) / f->sector_size);
	f->clusters = (f->sectors - (rs_le16(b + BPB_RESERVED) + f->fat_size + f->dir_sectors)) /
	    csize;
	if (!rs_le16(b + BPB_FAT_LENGTH16) && rs_le32(b + BPB_FAT_LENGTH32))
		max = FAT32_MAX;
	else
		max = f->clusters > FAT12_MAX ? FAT16_MAX : FAT12_MAX;
	return f->clusters <= max;
}

/* libblkid's bitlocker check (a BitLocker volume keeps a FAT-like BPB). */
static int
is_bitlocker(rs_blkdev *d, const unsigned char *b)
{
	unsigned char sig[8];
	uint64_t off;

	if (!memcmp(b, "\xeb\x52\x90-FVE-FS-", 11))
		return 1;
	if (!memcmp(b, "\xeb\x58\x90-FVE-FS-", 11))
		off = rs_le64(b + 176);
	else if (!memcmp(b, "\xeb\x58\x90MSWIN4.1", 11))
		off = rs_le64(b + 440);
	else
		return 0;
	if (!off || off > d->size || d->size - off < sizeof sig)
		return 0;
	if (rs_blk_read(d, sig, sizeof sig, off) < 0)
		return 0;
	return !memcmp(sig, "-FVE-FS-", 8);
}

/* Look for the volume label entry in `entries` directory entries at off.
 * Returns 1 and the 11 name bytes in name, 0 if none, or -errno. */
static int
find_label(rs_blkdev *d, uint64_t off, uint32_t entries, uint32_t *budget,
    unsigned char name[11])
{
	unsigned char buf[4096];
	uint32_t i;
	int r;

	if (d->size > TINY_DEV && (off > d->size || (uint64_t)entries * 32 > d->size - off))
		return 0;
	for (i = 0; i < entries; i++) {
		const unsigned char *e;
		unsigned slot = (unsigned)(i % (sizeof buf / 32));

		if (!slot) {
			uint64_t at = off + (uint64_t)i * 32, left;
			size_t n = sizeof buf;

			if (at >= d->size || d->size - at < 32)
				return 0;
			left = d->size - at;
			if (n > left)
				n = (size_t)left & ~(size_t)31;
			if ((uint64_t)(entries - i) * 32 < n)
				n = (size_t)(entries - i) * 32;
			if ((r = rs_blk_read(d, buf, n, at)) < 0)
				return r;
		}
		e = buf + slot * 32;
		if (e[0] == 0)
			return 0;
		if (!*budget)
			return 0;
		(*budget)--;
		if (e[0] == 0xE5 || rs_le16(e + 20) || rs_le16(e + 26) ||
		    (e[11] & ATTR_MASK) == ATTR_LONG_NAME)
			continue;
		if ((e[11] & (ATTR_VOLUME_ID | ATTR_DIR)) == ATTR_VOLUME_ID) {
			memcpy(name, e, 11);
			if (name[0] == 0x05)   /* a name starting with 0xE5 */
				name[0] = 0xE5;
			return 1;
		}
	}
	return 0;
}

/* The FAT32 root directory is a cluster chain; libblkid follows at most
 * 99 links of it. */
static int
find_label32(rs_blkdev *d, const struct fat *f, uint32_t *budget, unsigned char name[11])
{
	const unsigned char *b = f->bs;
	uint32_t csize = b[BPB_CLUSTER_SIZE], reserved = rs_le16(b + BPB_RESERVED);
	uint32_t cluster_bytes = csize * f->sector_size;
	uint32_t data = reserved + f->fat_size;
	uint32_t entries = (uint32_t)((uint64_t)rs_le32(b + BPB_FAT_LENGTH32) * f->sector_size / 4);
	uint32_t next = rs_le32(b + BPB_ROOT_CLUSTER);
	int loops = 100, r;

	while (next && next < entries && --loops) {
		/* Same wrap-around as libblkid's uint32_t arithmetic. */
		uint64_t dir = (uint64_t)(uint32_t)(data + (next - 2) * csize) * f->sector_size;
		uint64_t link = (uint64_t)reserved * f->sector_size + (uint64_t)next * 4;
		unsigned char e[4];

		if ((r = find_label(d, dir, cluster_bytes / 32, budget, name)) != 0)
			return r;
		/* libblkid reads a whole cluster's worth at the link and stops
		 * if that does not fit in the device. */
		if (link > d->size || d->size - link < cluster_bytes || cluster_bytes < 4)
			break;
		if ((r = rs_blk_read(d, e, sizeof e, link)) < 0)
			return r;
		next = rs_le32(e) & 0x0FFFFFFF;
	}
	return 0;
}

/* Probe into f and fi.  Same returns as rs_vfat_probe. */
static int
fat_probe(rs_blkdev *d, struct fat *f, rs_fsinfo *fi)
{
	static const struct { unsigned off; const char *s; } magic[] = {
		{ 0x52, "MSWIN" }, { 0x52, "FAT32   " }, { 0x36, "MSDOS" },
		{ 0x36, "FAT16   " }, { 0x36, "FAT12   " }, { 0x36, "FAT     " },
	};
	const unsigned char *b = f->bs;
	unsigned char label[11];
	uint32_t budget = RS_VFAT_LABEL_SCAN_MAX;
	size_t i, n;
	int r, strong = 0, found = 0;

	memset(f, 0, sizeof *f);
	/* libblkid reads the first KiB to test the magics. */
	if (d->size < 1024)
		return -ENOENT;
	if ((r = rs_blk_read(d, f->bs, BS_SIZE, 0)) < 0)
		return r;
	if (!memcmp(b + 3, "EXFAT   ", 8)) {
		/* Not FAT, but keep it from passing for an MBR. */
		snprintf(fi->type, sizeof fi->type, "exfat");
		snprintf(fi->why, sizeof fi->why, "exFAT is not supported");
		return -EUCLEAN;
	}
	for (i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if (!memcmp(b + magic[i].off, magic[i].s, strlen(magic[i].s)))
			strong = 1;
	if (!strong && b[0] != 0xEB && b[0] != 0xE9 && !(b[0x1FE] == 0x55 && b[0x1FF] == 0xAA))
		return -ENOENT;
	if (!fat_valid(f, !strong) || is_bitlocker(d, b))
		return -ENOENT;

	snprintf(fi->type, sizeof fi->type, "vfat");
	fi->uuid_len = 4;
	if (rs_le16(b + BPB_FAT_LENGTH16)) {
		uint32_t root = (rs_le16(b + BPB_RESERVED) + f->fat_size) * f->sector_size;

		f->ebpb = EBPB16;
		if ((r = find_label(d, root, rs_le16(b + BPB_DIR_ENTRIES), &budget, label)) < 0)
			return r;
		found = r;
		if (b[EBPB16 + EBPB_SIG] == 0x28 || b[EBPB16 + EBPB_SIG] == 0x29)
			memcpy(fi->uuid, b + EBPB16 + EBPB_SERIAL, 4);
		if (f->clusters < FAT12_MAX)
			snprintf(fi->version, sizeof fi->version, "FAT12");
		else if (f->clusters < FAT16_MAX)
			snprintf(fi->version, sizeof fi->version, "FAT16");
	} else if (rs_le32(b + BPB_FAT_LENGTH32)) {
		unsigned fsinfo = rs_le16(b + BPB_FSINFO);

		f->ebpb = EBPB32;
		if ((r = find_label32(d, f, &budget, label)) < 0)
			return r;
		found = r;
		memcpy(fi->uuid, b + EBPB32 + EBPB_SERIAL, 4);
		snprintf(fi->version, sizeof fi->version, "FAT32");
		if (fsinfo) {
			/* libblkid drops the device if the FSInfo sector is
			 * missing or has unknown signatures.  Report it as a
			 * broken FAT rather than nothing, so that no caller
			 * mistakes this boot sector for an MBR. */
			unsigned char fs[BS_SIZE];
			uint64_t at = (uint64_t)fsinfo * f->sector_size;

			if (at > d->size || d->size - at < sizeof fs) {
				snprintf(fi->why, sizeof fi->why, "FSInfo sector %u is past the end", fsinfo);
				return -EUCLEAN;
			}
			if ((r = rs_blk_read(d, fs, sizeof fs, at)) < 0)
				return r;
			if ((memcmp(fs, "RRaA", 4) && memcmp(fs, "RRdA", 4) && !rs_is_zero(fs, 4)) ||
			    (memcmp(fs + 484, "rrAa", 4) && !rs_is_zero(fs + 484, 4))) {
				snprintf(fi->why, sizeof fi->why, "bad FSInfo signature");
				return -EUCLEAN;
			}
		}
	}
	if (!rs_is_zero(fi->uuid, 4))
		snprintf(fi->uuid_str, sizeof fi->uuid_str, "%02X%02X-%02X%02X",
		    fi->uuid[3], fi->uuid[2], fi->uuid[1], fi->uuid[0]);
	if (found) {
		/* Up to the first NUL, trailing white space cut. */
		for (n = 0; n < 11 && label[n]; n++)
			fi->label[n] = (char)label[n];
		while (n && strchr(" \t\n\v\f\r", fi->label[n - 1]))
			n--;
		fi->label[n] = 0;
	}
	return 0;
}

/* How the backup boot sector bk differs from the primary bs: 0 not at
 * all, 1 only in the 4 serial bytes at serial, 2 elsewhere too. */
static int
backup_diff(const unsigned char *bs, const unsigned char *bk, uint64_t serial)
{
	if (!memcmp(bs, bk, BS_SIZE))
		return 0;
	if (!memcmp(bs, bk, serial) && !memcmp(bs + serial + 4, bk + serial + 4,
	    BS_SIZE - serial - 4))
		return 1;
	return 2;
}

/* see blk.h; a FAT32 backup boot sector that differs from the primary
 * is noted in fi->why (the probe itself follows the primary, as blkid
 * does; formats.md §4.3). */
int
rs_vfat_probe(rs_blkdev *d, rs_fsinfo *fi)
{
	unsigned char bk[BS_SIZE];
	struct fat f;
	unsigned bk_sec;
	uint64_t serial = EBPB32 + EBPB_SERIAL;
	int r = fat_probe(d, &f, fi);

	if (r < 0 || f.ebpb != EBPB32)
		return r;
	bk_sec = rs_le16(f.bs + BPB_BACKUP_BOOT);
	if (!bk_sec || bk_sec == 0xFFFF || bk_sec >= rs_le16(f.bs + BPB_RESERVED) ||
	    rs_blk_read(d, bk, sizeof bk, (uint64_t)bk_sec * f.sector_size) < 0)
		return r;
	/* A note in fi->why, not a log line: the boot rescans its devices
	 * every 50 ms while it waits for the root. */
	switch (backup_diff(f.bs, bk, serial)) {
	case 1:
		snprintf(fi->why, sizeof fi->why, "the backup boot sector (sector %u) has serial "
		    "%02X%02X-%02X%02X: an interrupted serial change? (setuuid to that serial "
		    "finishes it)", bk_sec, bk[serial + 3], bk[serial + 2], bk[serial + 1],
		    bk[serial]);
		break;
	case 2:
		snprintf(fi->why, sizeof fi->why, "the backup boot sector (sector %u) differs from "
		    "the primary (run fsck.fat)", bk_sec);
		break;
	}
	return r;
}

/* The plan half of rs_vfat_set_uuid: refuse (-ECANCELED, logged) or
 * plan the change (nothing when the serial is the one asked for). */
static int
plan_change(rs_blkdev *d, const unsigned char *uuid, rs_blk_plan *p)
{
	unsigned char bk[BS_SIZE];
	struct fat f;
	rs_fsinfo fi;
	char why[128];
	uint64_t bk_off = 0, serial;
	unsigned bk_sec = 0, reserved;
	int r;

	memset(&fi, 0, sizeof fi);
	r = fat_probe(d, &f, &fi);
	if (r == -EUCLEAN) {
		snprintf(why, sizeof why, "%s", fi.why);
		goto refuse;
	}
	if (r < 0)
		return r;
	reserved = rs_le16(f.bs + BPB_RESERVED);
	if (!f.ebpb) {
		snprintf(why, sizeof why, "neither FAT length field is set");
		goto refuse;
	}
	if (f.bs[f.ebpb + EBPB_SIG] != 0x29) {
		/* fatlabel would install a 0x29 EBPB with "NO NAME"; an
		 * older BPB is better left alone. */
		snprintf(why, sizeof why, "extended boot signature is 0x%02x, not 0x29",
		    f.bs[f.ebpb + EBPB_SIG]);
		goto refuse;
	}
	if (!f.sectors || f.sectors < reserved + (uint64_t)f.fat_size + f.dir_sectors ||
	    (uint64_t)f.fat_size != (uint64_t)(f.ebpb == EBPB16 ? rs_le16(f.bs + BPB_FAT_LENGTH16) :
	    rs_le32(f.bs + BPB_FAT_LENGTH32)) * f.bs[BPB_FATS]) {
		snprintf(why, sizeof why, "inconsistent sector counts in the boot sector");
		goto refuse;
	}
	if ((uint64_t)f.sectors * f.sector_size > d->size) {
		snprintf(why, sizeof why, "the filesystem needs %llu bytes but the device has "
		    "%llu (truncated image?)", (unsigned long long)f.sectors * f.sector_size,
		    (unsigned long long)d->size);
		goto refuse;
	}
	serial = f.ebpb + EBPB_SERIAL;
	if (f.ebpb == EBPB32) {
		bk_sec = rs_le16(f.bs + BPB_BACKUP_BOOT);
		if (bk_sec == 0xFFFF)
			bk_sec = 0;
		if (bk_sec && bk_sec >= reserved) {
			snprintf(why, sizeof why, "backup boot sector %u lies outside the "
			    "reserved area", bk_sec);
			goto refuse;
		}
		if (bk_sec) {
			bk_off = (uint64_t)bk_sec * f.sector_size;
			if ((r = rs_blk_read(d, bk, sizeof bk, bk_off)) < 0)
				return r;
			/* fsck.fat compares these 512 bytes too.  A backup
			 * that differs only in carrying the serial asked for
			 * is what an interrupted change leaves (formats.md
			 * §4.4): finish it.  Anything else is refused. */
			if (memcmp(bk, f.bs, sizeof bk)) {
				if (backup_diff(f.bs, bk, serial) != 1 || memcmp(bk + serial, uuid, 4)) {
					snprintf(why, sizeof why, "the backup boot sector (sector %u) "
					    "differs from the primary (run fsck.fat)", bk_sec);
					goto refuse;
				}
				rs_info("%s: the vfat backup boot sector already carries the new "
				    "serial: finishing the interrupted change", d->path);
				rs_blk_plan_add(p, serial, uuid, 4);
				return 0;
			}
		}
	}
	if (!memcmp(f.bs + serial, uuid, 4)) {
		rs_info("%s: vfat already has this serial; nothing to write", d->path);
		return 0;
	}
	/* Backup first, primary last; 4 bytes each, no checksum; a flush
	 * between them, so that no crash leaves the primary changed and the
	 * backup not (formats.md §4.4). */
	if (bk_sec) {
		rs_blk_plan_add(p, bk_off + serial, uuid, 4);
		rs_blk_plan_sync(p);
	}
	rs_blk_plan_add(p, serial, uuid, 4);
	return 0;
refuse:
	rs_err("refusing vfat on %s: %s", d->path, why);
	return -ECANCELED;
}

/* see blk.h */
int
rs_vfat_set_uuid(rs_blkdev *d, const unsigned char *uuid)
{
	rs_blk_plan p = { 0 };

	return rs_blk_apply(d, &p, plan_change(d, uuid, &p), "vfat");
}
