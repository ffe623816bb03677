/* mbr.c: MS-DOS partition tables (docs/formats.md §7).
 *
 * Detection mirrors libblkid (partitions/dos.c), so that what we list is
 * what blkid, partx and udev list:
 *   - 0x55AA at byte 510; not an AIX disk;
 *   - every boot indicator is 0x00 or 0x80;
 *   - no 0xEE entry (that is GPT's protective MBR: gpt.c);
 *   - not the boot sector of a FAT, exFAT or NTFS filesystem, which also
 *     ends in 0x55AA (FAT: libblkid's fat_valid_superblock() rules; exFAT
 *     and NTFS: their OEM name alone, stricter than libblkid);
 *   - not an empty table in front of an LVM2 label (libblkid: "crazy people
 *     boot from LVM devices").
 * Partitions: primaries 1-4 by slot (the extended container included, as
 * blkid and partx list it), then logicals from 5 along the chain of
 * extended boot records, with libblkid's sanity rules (data inside the
 * extended area, links that move forward, at most 100 EBRs without data).
 * Nested BSD/Solaris/Minix labels are not listed.  Sector numbers are in
 * d->sector units (512 for image files, like libblkid).
 *
 * The only identifier is the 32-bit disk signature at 0x1B8; PARTUUID is
 * "%08x-%02x" of it and the partition number, so changing the signature
 * changes every PARTUUID.  set_uuids writes those 4 bytes and nothing else. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"
#include "log.h"

#define MBR_ID      0x1B8
#define MBR_TABLE   0x1BE
#define EBR_MAX_EMPTY 100   /* libblkid: EBRs in a row without a data partition */

static int
is_extended(unsigned char type)
{
	return type == 0x05 || type == 0x0F || type == 0x85;
}

static int
pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Is this 0x55AA-terminated sector a FAT boot sector?  libblkid's
 * blkid_probe_is_vfat(): the BPB must describe a plausible FAT volume. */
static int
looks_like_fat(const unsigned char *b)
{
	static const char *const bitlocker[] = {
		"\xeb\x52\x90-FVE-FS-", "\xeb\x58\x90-FVE-FS-", "\xeb\x58\x90MSWIN4.1"
	};
	uint32_t ssz, fats, dir_entries, sectors, fat_len, fat_size, dir_size, clusters, max;
	int long_magic;
	size_t i;

	/* libblkid checks JFS/HPFS pseudo-BPBs only when no long FAT magic
	 * matched; the 0x55AA magic always matches here. */
	long_magic = !memcmp(b + 0x52, "MSWIN", 5) || !memcmp(b + 0x52, "FAT32   ", 8) ||
	    !memcmp(b + 0x36, "MSDOS", 5) || !memcmp(b + 0x36, "FAT16   ", 8) ||
	    !memcmp(b + 0x36, "FAT12   ", 8) || !memcmp(b + 0x36, "FAT     ", 8);
	if (!long_magic && (!memcmp(b + 0x36, "JFS     ", 8) || !memcmp(b + 0x36, "HPFS    ", 8)))
		return 0;
	fats = b[0x10];
	if (!fats || !rs_le16(b + 0x0E))
		return 0;
	if (!(b[0x15] >= 0xF8 || b[0x15] == 0xF0))
		return 0;
	if (!pow2(b[0x0D]))
		return 0;
	ssz = rs_le16(b + 0x0B);
	if (!pow2(ssz) || ssz < 512 || ssz > 4096)
		return 0;
	dir_entries = rs_le16(b + 0x11);
	sectors = rs_le16(b + 0x13);
	if (!sectors)
		sectors = rs_le32(b + 0x20);
	fat_len = rs_le16(b + 0x16);
	if (!fat_len)
		fat_len = rs_le32(b + 0x24);
	/* 32-bit arithmetic, wrapping as in libblkid. */
	fat_size = fat_len * fats;
	dir_size = (dir_entries * 32 + ssz - 1) / ssz;
	clusters = (sectors - (rs_le16(b + 0x0E) + fat_size + dir_size)) / b[0x0D];
	if (!rs_le16(b + 0x16) && rs_le32(b + 0x24))
		max = 0x0FFFFFF6;
	else
		max = clusters > 0xFF4 ? 0xFFF4 : 0xFF4;
	if (clusters > max)
		return 0;
	for (i = 0; i < sizeof bitlocker / sizeof bitlocker[0]; i++)
		if (!memcmp(b, bitlocker[i], 11))
			return 0;
	return 1;
}

/* An LVM2 label ("LABELONE" ... "LVM2 001") in one of the first 4 sectors. */
static int
has_lvm_label(rs_blkdev *d)
{
	unsigned char s[32];
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (rs_blk_read(d, s, sizeof s, 512ull * i) < 0)
			return 0;
		if (!memcmp(s, "LABELONE", 8) && !memcmp(s + 0x18, "LVM2 001", 8))
			return 1;
	}
	return 0;
}

static void
set_partuuid(rs_part *p, uint32_t id)
{
	if (id)
		snprintf(p->uuid_str, sizeof p->uuid_str, "%08x-%02x", (unsigned)id, p->number & 0xFF);
}

/* Append a partition (LBAs in d->sector units).  -EUCLEAN when full. */
static int
add_part(rs_ptable *pt, unsigned number, uint64_t start, uint64_t size, unsigned char type,
    unsigned ss)
{
	rs_part *p;

	if (pt->n == RS_PT_MAX) {
		snprintf(pt->why, sizeof pt->why, "more than %d partitions", RS_PT_MAX);
		return -EUCLEAN;
	}
	p = &pt->part[pt->n++];
	memset(p, 0, sizeof *p);
	p->number = number;
	p->start = start * ss;
	p->size = size * ss;
	p->type_guid[0] = type;
	set_partuuid(p, rs_le32(pt->uuid));
	return 0;
}

/* Walk the EBR chain of the extended partition [ex_start, ex_start+ex_size)
 * as libblkid's parse_dos_extended() does. */
static int
parse_extended(rs_blkdev *d, rs_ptable *pt, uint64_t ex_start, uint64_t ex_size,
    unsigned *partno)
{
	unsigned char b[512];
	uint64_t cur = ex_start, cur_size = ex_size, ex_end = ex_start + ex_size;
	unsigned empty = 0;
	int i, j, r;

	if (ex_start == 0)
		return 0;
	for (;;) {
		uint64_t start = 0, size = 0, next;

		if (++empty > EBR_MAX_EMPTY)
			return 0;
		r = rs_blk_read(d, b, sizeof b, cur * d->sector);
		if (r == -ENOSPC)
			return 0;     /* EBR beyond the end: libblkid stops quietly */
		if (r < 0)
			return r;
		if (b[510] != 0x55 || b[511] != 0xAA)
			return 0;
		for (i = 0; i < 4; i++) {
			const unsigned char *e = b + MBR_TABLE + 16 * i;
			uint64_t abs;
			int dup = 0;

			start = rs_le32(e + 8);
			size = rs_le32(e + 12);
			if (!size || is_extended(e[4]))
				continue;
			abs = cur + start;   /* data partitions are relative to this EBR */
			if (abs < ex_start || abs + size > ex_end)
				continue;
			if (i >= 2 && start + size > cur_size)
				continue;
			for (j = 0; j < (int)pt->n; j++)
				dup |= pt->part[j].start == abs * d->sector;
			if (dup)
				continue;
			if ((r = add_part(pt, (*partno)++, abs, size, e[4], d->sector)) < 0)
				return r;
			empty = 0;
		}
		/* The first non-empty link is the next EBR (relative to the
		 * extended partition's start); anything else is junk. */
		for (i = 0; i < 4; i++) {
			const unsigned char *e = b + MBR_TABLE + 16 * i;
			start = rs_le32(e + 8);
			size = rs_le32(e + 12);
			if (size && is_extended(e[4]) && start)
				break;
		}
		if (i == 4)
			return 0;
		next = ex_start + start;
		if (next + size > ex_end || next <= cur)
			return 0;
		cur = next;
		cur_size = size;
	}
}

/* see blk.h */
int
rs_mbr_probe(rs_blkdev *d, rs_ptable *pt)
{
	unsigned char b[512];
	unsigned partno = 5, nonempty = 0;
	uint32_t id;
	int i, r;

	memset(pt, 0, sizeof *pt);
	if (d->size < 512)
		return -ENOENT;
	if ((r = rs_blk_read(d, b, sizeof b, 0)) < 0)
		return r;
	if (b[510] != 0x55 || b[511] != 0xAA)
		return -ENOENT;
	if (!memcmp(b, "\xC9\xC2\xD4\xC1", 4))
		return -ENOENT;     /* AIX */
	for (i = 0; i < 4; i++) {
		const unsigned char *e = b + MBR_TABLE + 16 * i;
		if (e[0] != 0x00 && e[0] != 0x80)
			return -ENOENT;
		if (e[4] == 0xEE)
			return -ENOENT;     /* protective MBR: GPT */
		nonempty += rs_le32(e + 12) != 0;
	}
	if (looks_like_fat(b) || !memcmp(b + 3, "EXFAT   ", 8) || !memcmp(b + 3, "NTFS    ", 8))
		return -ENOENT;
	if (!nonempty && has_lvm_label(d))
		return -ENOENT;

	snprintf(pt->type, sizeof pt->type, "dos");
	memcpy(pt->uuid, b + MBR_ID, 4);
	pt->uuid_len = 4;
	id = rs_le32(pt->uuid);
	if (id)
		snprintf(pt->uuid_str, sizeof pt->uuid_str, "%08x", (unsigned)id);
	for (i = 0; i < 4; i++) {
		const unsigned char *e = b + MBR_TABLE + 16 * i;
		if (rs_le32(e + 12) &&
		    (r = add_part(pt, (unsigned)i + 1, rs_le32(e + 8), rs_le32(e + 12), e[4],
		    d->sector)) < 0)
			return r;
	}
	for (i = 0; i < 4; i++) {
		const unsigned char *e = b + MBR_TABLE + 16 * i;
		if (rs_le32(e + 12) && is_extended(e[4]) &&
		    (r = parse_extended(d, pt, rs_le32(e + 8), rs_le32(e + 12), &partno)) < 0)
			return r;
	}
	return 0;
}

/* see blk.h */
int
rs_mbr_set_uuids(rs_blkdev *d, const rs_ptable *want)
{
	static rs_ptable cur, after;
	rs_blk_plan p = { 0 };
	const char *why = NULL;
	unsigned i;
	int r;

	r = rs_mbr_probe(d, &cur);
	if (r == -ENOENT || r == -EUCLEAN) {
		rs_err("refusing MBR on %s: %s", d->path,
		    r == -ENOENT ? "no MBR partition table found" : cur.why);
		return -ECANCELED;
	}
	if (r < 0)
		return r;
	if (strcmp(want->type, "dos") || want->uuid_len != 4 || want->n != cur.n)
		why = "the requested table is not the one on the device";
	for (i = 0; !why && i < cur.n; i++) {
		const rs_part *a = &cur.part[i], *b = &want->part[i];
		if (a->number != b->number || a->start != b->start || a->size != b->size ||
		    a->type_guid[0] != b->type_guid[0] || memcmp(a->uuid, b->uuid, 16))
			why = "the requested partitions differ from the device's "
			    "(only the disk id may change)";
	}
	if (!why && !(want->uuid[0] | want->uuid[1] | want->uuid[2] | want->uuid[3]))
		why = "a zero disk id means \"none\" to blkid";
	if (why) {
		rs_err("refusing MBR on %s: %s", d->path, why);
		return -ECANCELED;
	}
	if (!memcmp(cur.uuid, want->uuid, 4))
		return 0;
	rs_blk_plan_add(&p, MBR_ID, want->uuid, 4);
	if ((r = rs_blk_apply(d, &p, 0, "MBR")) < 0)
		return r;
	r = rs_mbr_probe(d, &after);
	if (r < 0 || memcmp(after.uuid, want->uuid, 4) || after.n != cur.n) {
		rs_err("%s: re-read MBR does not show the new disk id", d->path);
		return r < 0 && r != -ENOENT && r != -EUCLEAN ? r : -EIO;
	}
	rs_blk_table_changed(d);
	return 0;
}
