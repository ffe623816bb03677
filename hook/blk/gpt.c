/* gpt.c: GUID partition tables (docs/formats.md §6).
 *
 * Probe: a protective MBR (an 0xEE entry) and then two complete, mutually
 * consistent copies of the table: the primary header at LBA 1 and the backup
 * header at its alt_lba, each with a good header CRC, the right my_lba, a
 * sane usable range, and an entry array that lies where UEFI puts it, has a
 * good CRC and is byte-identical to the other copy.  libblkid would fall back
 * to the backup when the primary is bad; we report -EUCLEAN instead, because
 * a table that is not intact is one we refuse to rewrite.
 *
 * Sector size: d->sector (BLKSSZGET) on a block device.  An image file has
 * no logical sector size, so for files we look for "EFI PART" at byte 512
 * and, failing that, at byte 4096: images made for 4Kn disks are detected
 * too (libblkid, which assumes 512 for files, reports only "PMBR" there).
 *
 * Listed partitions follow libblkid (partitions/gpt.c): every entry with a
 * non-zero type GUID that lies within the usable LBA range, numbered by
 * entry index + 1 (PARTN).
 *
 * set_uuids rewrites only the disk GUID and unique partition GUIDs: the
 * entry-array sectors holding a changed GUID and the two header sectors, in
 * the order of formats.md §6.4 (backup array, backup header, flush, primary
 * array, primary header, flush).  Everything else, CRC-covered or not, is
 * copied from what is on the disk.
 *
 * rs_gpt_resume, for the boot resume only, rebuilds one copy from the other
 * intact one when the plan's old and new GUIDs say the disagreement is an
 * interrupted change of its own (formats.md §6.6). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blk.h"
#include "io.h"
#include "log.h"

#define GPT_SECTOR_MAX  4096          /* largest logical sector we handle */
#define GPT_CHUNK       4096          /* entry-array read unit (multiple of every entry size) */
#ifndef RS_GPT_ARRAY_MAX
#define RS_GPT_ARRAY_MAX (1u << 20)   /* entry array bytes; sgdisk's default is 16 KiB */
#endif

#define GPT_REVISION    0x00010000u   /* UEFI 2.x GPT header revision 1.0 */
#define GPT_HDR_MIN     92

/* Header field offsets (formats.md §6.1). */
#define H_REV       0x08
#define H_SIZE      0x0C
#define H_CRC       0x10
#define H_MY        0x18
#define H_ALT       0x20
#define H_FIRST     0x28
#define H_LAST      0x30
#define H_GUID      0x38
#define H_ENT_LBA   0x48
#define H_NENT      0x50
#define H_ENT_SIZE  0x54
#define H_ENT_CRC   0x58

/* Entry field offsets. */
#define E_TYPE      0x00
#define E_GUID      0x10
#define E_START     0x20
#define E_END       0x28
#define E_NAME      0x38
#define E_NAME_LEN  72

/* One parsed header. */
typedef struct {
	uint32_t hsz, n_ent, ent_size, ent_crc;
	uint64_t my, alt, first, last, ent_lba;
	uint64_t esz, nsec;           /* array bytes and sectors */
} gpt_hdr;

/* What probing found, beyond rs_ptable: enough to rewrite the table. */
typedef struct {
	unsigned ss;                  /* logical sector size in use */
	uint64_t last_lba;            /* of the device */
	gpt_hdr h[2];                 /* [0] primary, [1] backup */
	unsigned char sec[2][GPT_SECTOR_MAX];   /* the two header sectors as read */
} gpt_layout;

static unsigned char chunk[2][GPT_CHUNK];

/* On-disk GUIDs store their first three fields little-endian (formats.md §6.3);
 * the swap is its own inverse. */
static void
guid_swap(unsigned char out[16], const unsigned char in[16])
{
	out[0] = in[3]; out[1] = in[2]; out[2] = in[1]; out[3] = in[0];
	out[4] = in[5]; out[5] = in[4];
	out[6] = in[7]; out[7] = in[6];
	memcpy(out + 8, in + 8, 8);
}

/* GPT names are UTF-16LE; convert as libblkid does (ul_encode_to_utf8):
 * stop at NUL, combine surrogate pairs, stop before overflowing, then trim
 * trailing whitespace (blkid_rtrim_whitespace). */
static void
name_to_utf8(char *out, size_t outlen, const unsigned char *in)
{
	size_t i, j = 0;

	for (i = 0; i + 1 < E_NAME_LEN; i += 2) {
		uint32_t c = rs_le16(in + i);

		if (c >= 0xD800 && c <= 0xDBFF && i + 3 < E_NAME_LEN) {
			uint32_t c2 = rs_le16(in + i + 2);
			if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
				i += 2;
			}
		}
		if (c == 0)
			break;
		if (c < 0x80) {
			if (j + 1 >= outlen)
				break;
			out[j++] = (char)c;
		} else if (c < 0x800) {
			if (j + 2 >= outlen)
				break;
			out[j++] = (char)(0xC0 | c >> 6);
			out[j++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			if (j + 3 >= outlen)
				break;
			out[j++] = (char)(0xE0 | c >> 12);
			out[j++] = (char)(0x80 | (c >> 6 & 0x3F));
			out[j++] = (char)(0x80 | (c & 0x3F));
		} else {
			if (j + 4 >= outlen)
				break;
			out[j++] = (char)(0xF0 | c >> 18);
			out[j++] = (char)(0x80 | (c >> 12 & 0x3F));
			out[j++] = (char)(0x80 | (c >> 6 & 0x3F));
			out[j++] = (char)(0x80 | (c & 0x3F));
		}
	}
	while (j && strchr(" \t\n\v\f\r", out[j - 1]))
		j--;
	out[j] = 0;
}

/* CRC-32 of a header's first hsz bytes with its CRC field taken as zero. */
static uint32_t
header_crc(const unsigned char *h, uint32_t hsz)
{
	static const unsigned char zero[4];
	uint32_t crc = rs_crc32(0, h, H_CRC);

	crc = rs_crc32(crc, zero, 4);
	return rs_crc32(crc, h + H_CRC + 4, hsz - H_CRC - 4);
}

/* Validate the header sector s that was read at lba, on a device whose last
 * LBA is last.  Returns 0 with *h filled, or -EUCLEAN with pt->why set. */
static int
parse_header(const unsigned char *s, unsigned ss, uint64_t lba, uint64_t last,
    gpt_hdr *h, rs_ptable *pt)
{
	const char *which = lba == 1 ? "primary" : "backup";
	uint32_t rev;

	memset(h, 0, sizeof *h);
	if (memcmp(s, "EFI PART", 8)) {
		snprintf(pt->why, sizeof pt->why, "%s header: no \"EFI PART\" signature at LBA %llu",
		    which, (unsigned long long)lba);
		return -EUCLEAN;
	}
	h->hsz = rs_le32(s + H_SIZE);
	if (h->hsz < GPT_HDR_MIN || h->hsz > ss) {
		snprintf(pt->why, sizeof pt->why, "%s header: size %u out of range", which, h->hsz);
		return -EUCLEAN;
	}
	if (header_crc(s, h->hsz) != rs_le32(s + H_CRC)) {
		snprintf(pt->why, sizeof pt->why, "%s header (LBA %llu): header CRC mismatch",
		    which, (unsigned long long)lba);
		return -EUCLEAN;
	}
	rev = rs_le32(s + H_REV);
	if (rev != GPT_REVISION) {
		snprintf(pt->why, sizeof pt->why, "%s header: unsupported revision 0x%08x", which, rev);
		return -EUCLEAN;
	}
	h->my = rs_le64(s + H_MY);
	h->alt = rs_le64(s + H_ALT);
	h->first = rs_le64(s + H_FIRST);
	h->last = rs_le64(s + H_LAST);
	h->ent_lba = rs_le64(s + H_ENT_LBA);
	h->n_ent = rs_le32(s + H_NENT);
	h->ent_size = rs_le32(s + H_ENT_SIZE);
	h->ent_crc = rs_le32(s + H_ENT_CRC);
	if (h->my != lba) {
		snprintf(pt->why, sizeof pt->why, "%s header at LBA %llu says it is at LBA %llu",
		    which, (unsigned long long)lba, (unsigned long long)h->my);
		return -EUCLEAN;
	}
	if (h->first > last || h->last > last) {
		snprintf(pt->why, sizeof pt->why, "%s header: usable LBAs %llu-%llu go beyond the end "
		    "of the device (last LBA %llu): truncated image?", which,
		    (unsigned long long)h->first, (unsigned long long)h->last, (unsigned long long)last);
		return -EUCLEAN;
	}
	if (h->last < h->first || (h->first <= lba && lba <= h->last)) {
		snprintf(pt->why, sizeof pt->why, "%s header: usable LBAs %llu-%llu do not fit",
		    which, (unsigned long long)h->first, (unsigned long long)h->last);
		return -EUCLEAN;
	}
	/* UEFI allows 128 * 2^n; every tool writes 128. */
	if (h->ent_size < 128 || h->ent_size > GPT_CHUNK || (h->ent_size & (h->ent_size - 1))) {
		snprintf(pt->why, sizeof pt->why, "%s header: unsupported entry size %u",
		    which, h->ent_size);
		return -EUCLEAN;
	}
	h->esz = (uint64_t)h->n_ent * h->ent_size;
	if (h->n_ent == 0 || h->esz > RS_GPT_ARRAY_MAX) {
		snprintf(pt->why, sizeof pt->why, "%s header: unsupported entry count %u",
		    which, h->n_ent);
		return -EUCLEAN;
	}
	h->nsec = (h->esz + ss - 1) / ss;
	/* The primary array lies between its header and the usable area, the
	 * backup array between the usable area and its header (UEFI 5.3). */
	if (lba == 1 ? (h->ent_lba < 2 || h->ent_lba > last || h->ent_lba + h->nsec > h->first)
	    : (h->ent_lba <= h->last || h->ent_lba > last || h->ent_lba + h->nsec > lba)) {
		snprintf(pt->why, sizeof pt->why,
		    "%s header: entry array at LBA %llu (%llu sectors) misplaced",
		    which, (unsigned long long)h->ent_lba, (unsigned long long)h->nsec);
		return -EUCLEAN;
	}
	return 0;
}

/* Add entry idx (bytes e) to pt if libblkid would list it.  Returns 0, or
 * -EUCLEAN with the reason in why (not in pt->why: CRC problems, found
 * later, take precedence in the report). */
static int
add_entry(rs_ptable *pt, const gpt_layout *lay, uint32_t idx, const unsigned char *e,
    char *why, size_t whylen)
{
	uint64_t start = rs_le64(e + E_START), end = rs_le64(e + E_END);
	rs_part *p;

	if (rs_is_zero(e + E_TYPE, 16))
		return 0;
	if (end < start) {
		snprintf(why, whylen, "entry %u ends (LBA %llu) before it starts (LBA %llu)",
		    idx + 1, (unsigned long long)end, (unsigned long long)start);
		return -EUCLEAN;
	}
	if (start < lay->h[0].first || end > lay->h[0].last)
		return 0;     /* outside the usable area: libblkid ignores it, so do we */
	if (pt->n == RS_PT_MAX) {
		snprintf(why, whylen, "more than %d partitions", RS_PT_MAX);
		return -EUCLEAN;
	}
	p = &pt->part[pt->n++];
	memset(p, 0, sizeof *p);
	p->number = idx + 1;
	p->start = start * lay->ss;
	p->size = (end - start + 1) * lay->ss;
	guid_swap(p->uuid, e + E_GUID);
	rs_uuid_fmt(p->uuid_str, p->uuid);
	guid_swap(p->type_guid, e + E_TYPE);
	name_to_utf8(p->label, sizeof p->label, e + E_NAME);
	return 0;
}

/* Read both entry arrays in step: CRC each, compare them, list entries. */
static int
read_arrays(rs_blkdev *d, rs_ptable *pt, const gpt_layout *lay)
{
	const gpt_hdr *hp = &lay->h[0], *hb = &lay->h[1];
	uint32_t crc_p = 0, crc_b = 0, idx = 0, first_diff = 0;
	uint64_t off;
	char why[128] = "", guids[2][40] = { "", "" };
	int differ = 0, bad = 0, r;

	for (off = 0; off < hp->esz; ) {
		size_t len = hp->esz - off > GPT_CHUNK ? GPT_CHUNK : (size_t)(hp->esz - off);
		size_t eo;

		if ((r = rs_blk_read(d, chunk[0], len, hp->ent_lba * lay->ss + off)) < 0 ||
		    (r = rs_blk_read(d, chunk[1], len, hb->ent_lba * lay->ss + off)) < 0)
			return r;
		crc_p = rs_crc32(crc_p, chunk[0], len);
		crc_b = rs_crc32(crc_b, chunk[1], len);
		/* GPT_CHUNK is a multiple of ent_size: entries never straddle chunks. */
		for (eo = 0; eo < len; eo += hp->ent_size, idx++) {
			if (!differ && memcmp(chunk[0] + eo, chunk[1] + eo, hp->ent_size))
				differ = 1, first_diff = idx + 1;
			if (!bad && add_entry(pt, lay, idx, chunk[0] + eo, why, sizeof why) < 0)
				bad = 1;
			if (first_diff == idx + 1 && !memcmp(chunk[0] + eo, chunk[1] + eo, E_GUID) &&
			    !memcmp(chunk[0] + eo + E_GUID + 16, chunk[1] + eo + E_GUID + 16,
			    hp->ent_size - E_GUID - 16)) {
				unsigned char g[16];

				guid_swap(g, chunk[0] + eo + E_GUID);
				rs_uuid_fmt(guids[0], g);
				guid_swap(g, chunk[1] + eo + E_GUID);
				rs_uuid_fmt(guids[1], g);
			}
		}
		off += len;
	}
	if (crc_p != hp->ent_crc)
		snprintf(pt->why, sizeof pt->why, "primary partition entry array CRC mismatch");
	else if (crc_b != hb->ent_crc)
		snprintf(pt->why, sizeof pt->why, "backup partition entry array CRC mismatch");
	else if (differ && guids[0][0])
		snprintf(pt->why, sizeof pt->why, "the copies disagree: partition %u GUID %s "
		    "(primary), %s (backup)", first_diff, guids[0], guids[1]);
	else if (differ)
		snprintf(pt->why, sizeof pt->why, "backup partition entry array differs from the "
		    "primary (entry %u)", first_diff);
	else if (bad)
		snprintf(pt->why, sizeof pt->why, "%s", why);
	else
		return 0;
	return -EUCLEAN;
}

/* Probe d into pt and lay.  Same returns as rs_gpt_probe. */
static int
gpt_read(rs_blkdev *d, rs_ptable *pt, gpt_layout *lay)
{
	unsigned char *mbr = lay->sec[0];
	unsigned cand[2];
	gpt_hdr *hp = &lay->h[0], *hb = &lay->h[1];
	int i, ncand = 0, r;

	memset(pt, 0, sizeof *pt);
	memset(lay, 0, sizeof *lay);
	if (d->size < 1024)
		return -ENOENT;
	if ((r = rs_blk_read(d, mbr, 512, 0)) < 0)
		return r;
	if (mbr[510] != 0x55 || mbr[511] != 0xAA)
		return -ENOENT;
	for (i = 0; i < 4; i++)
		if (mbr[0x1BE + 16 * i + 4] == 0xEE)
			break;
	if (i == 4)
		return -ENOENT;     /* no protective MBR: libblkid does not look further */
	snprintf(pt->type, sizeof pt->type, "gpt");

	cand[ncand++] = d->sector;
	if (!d->is_blockdev && d->sector == 512)
		cand[ncand++] = 4096;
	for (i = 0; i < ncand; i++) {
		unsigned ss = cand[i];
		if (ss < 512 || ss > GPT_SECTOR_MAX || (ss & (ss - 1)) || d->size < 2ull * ss)
			continue;
		if ((r = rs_blk_read(d, lay->sec[0], 8, ss)) < 0)
			return r;
		if (!memcmp(lay->sec[0], "EFI PART", 8)) {
			lay->ss = ss;
			break;
		}
	}
	if (!lay->ss) {
		snprintf(pt->why, sizeof pt->why, "protective MBR but no GPT header at LBA 1 "
		    "(sector size %u%s)", d->sector, ncand > 1 ? " or 4096" : "");
		return -EUCLEAN;
	}
	lay->last_lba = d->size / lay->ss - 1;

	if ((r = rs_blk_read(d, lay->sec[0], lay->ss, lay->ss)) < 0)
		return r;
	if ((r = parse_header(lay->sec[0], lay->ss, 1, lay->last_lba, hp, pt)) < 0)
		return r;
	if (hp->alt > lay->last_lba) {
		snprintf(pt->why, sizeof pt->why, "backup header LBA %llu is beyond the end of the "
		    "device (last LBA %llu): truncated image?", (unsigned long long)hp->alt,
		    (unsigned long long)lay->last_lba);
		return -EUCLEAN;
	}
	if (hp->alt <= hp->last) {
		snprintf(pt->why, sizeof pt->why, "backup header LBA %llu inside the usable area",
		    (unsigned long long)hp->alt);
		return -EUCLEAN;
	}
	if ((r = rs_blk_read(d, lay->sec[1], lay->ss, hp->alt * lay->ss)) < 0)
		return r;
	if ((r = parse_header(lay->sec[1], lay->ss, hp->alt, lay->last_lba, hb, pt)) < 0)
		return r;
	if (hb->alt != 1 || hb->first != hp->first || hb->last != hp->last ||
	    hb->n_ent != hp->n_ent || hb->ent_size != hp->ent_size) {
		snprintf(pt->why, sizeof pt->why, "backup header does not match the primary");
		return -EUCLEAN;
	}
	if (memcmp(lay->sec[0] + H_GUID, lay->sec[1] + H_GUID, 16)) {
		unsigned char g[16];
		char a[40], b[40];

		guid_swap(g, lay->sec[0] + H_GUID);
		rs_uuid_fmt(a, g);
		guid_swap(g, lay->sec[1] + H_GUID);
		rs_uuid_fmt(b, g);
		snprintf(pt->why, sizeof pt->why, "the copies disagree: disk GUID %s (primary), "
		    "%s (backup)", a, b);
		return -EUCLEAN;
	}
	if ((r = read_arrays(d, pt, lay)) < 0)
		return r;
	guid_swap(pt->uuid, lay->sec[0] + H_GUID);
	pt->uuid_len = 16;
	rs_uuid_fmt(pt->uuid_str, pt->uuid);
	return 0;
}

/* see blk.h */
int
rs_gpt_probe(rs_blkdev *d, rs_ptable *pt)
{
	static gpt_layout lay;

	return gpt_read(d, pt, &lay);
}

/* Does want describe cur, apart from the GUIDs, and are its GUIDs usable?
 * NULL if so, else why not. */
static const char *
same_but_guids(const rs_ptable *cur, const rs_ptable *want)
{
	unsigned i, j;
	const char *why = NULL;

	if (strcmp(want->type, "gpt") || want->uuid_len != 16 || want->n != cur->n)
		why = "the requested table is not the one on the device";
	for (i = 0; !why && i < cur->n; i++) {
		const rs_part *a = &cur->part[i], *b = &want->part[i];
		if (a->number != b->number || a->start != b->start || a->size != b->size ||
		    memcmp(a->type_guid, b->type_guid, 16) || strcmp(a->label, b->label))
			why = "the requested partitions differ from the device's (only GUIDs may change)";
	}
	if (!why && rs_is_zero(want->uuid, 16))
		why = "the new disk GUID is all zeros";
	for (i = 0; !why && i < want->n; i++) {
		if (rs_is_zero(want->part[i].uuid, 16))
			why = "a new partition GUID is all zeros";
		if (!memcmp(want->part[i].uuid, want->uuid, 16))
			why = "a new partition GUID equals the disk GUID";
		for (j = 0; !why && j < i; j++)
			if (!memcmp(want->part[i].uuid, want->part[j].uuid, 16))
				why = "two partitions would get the same GUID";
	}
	return why;
}

/* Write the new GUIDs of the changed entries that lie in array bytes
 * [off, off+len) into buf.  The old GUID must be there; -EIO otherwise
 * (the device changed under us). */
static int
patch_entries(unsigned char *buf, uint64_t off, size_t len, const gpt_hdr *h,
    const rs_ptable *cur, const rs_ptable *want)
{
	unsigned i;

	for (i = 0; i < cur->n; i++) {
		uint64_t g = (uint64_t)(cur->part[i].number - 1) * h->ent_size + E_GUID;
		unsigned char old[16];

		if (!memcmp(cur->part[i].uuid, want->part[i].uuid, 16) || g < off || g + 16 > off + len)
			continue;
		guid_swap(old, cur->part[i].uuid);
		if (memcmp(buf + (g - off), old, 16))
			return -EIO;
		guid_swap(buf + (g - off), want->part[i].uuid);
	}
	return 0;
}

/* see blk.h */
void
rs_blk_table_changed(rs_blkdev *d)
{
	struct stat st;
	char path[64];
	int fd, r;

	if (!d->is_blockdev || d->base != 0)
		return;
	if (ioctl(d->fd, BLKRRPART) < 0) {
		int e = errno;
		/* EINVAL: no partition scanning on this device (e.g. a loop
		 * device without -P); EBUSY: a partition is open. */
		rs_warn("%s: the kernel keeps its old view of the partitions until they are "
		    "re-read (BLKRRPART: %s)%s", d->path, rs_strerr(-e),
		    e == EBUSY ? "; a partition is in use" : "");
	}
	if (fstat(d->fd, &st) < 0)
		return;
	snprintf(path, sizeof path, "/sys/dev/block/%u:%u/uevent",
	    (unsigned)major(st.st_rdev), (unsigned)minor(st.st_rdev));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if ((r = rs_write_full(fd, "change", 6)) < 0)
		rs_warn("%s: unable to write %s: %s", d->path, path, rs_strerr(r));
	close(fd);
}

/* Build header sector out from the one read (in), with the new disk GUID
 * and entry-array CRC, and its own CRC recomputed last (formats.md §6.2). */
static void
new_header(unsigned char *out, const unsigned char *in, unsigned ss, const gpt_hdr *h,
    const unsigned char guid[16], uint32_t ent_crc)
{
	memcpy(out, in, ss);
	guid_swap(out + H_GUID, guid);
	rs_put_le32(out + H_ENT_CRC, ent_crc);
	rs_put_le32(out + H_CRC, header_crc(out, h->hsz));
}

/* The plan half of rs_gpt_set_uuids (lay: scratch for it): refuse
 * (-ECANCELED, logged) or plan the change (nothing when every GUID is as
 * wanted already). */
static int
plan_change(rs_blkdev *d, const rs_ptable *want, gpt_layout *lay, rs_blk_plan *p)
{
	static rs_ptable cur;
	static unsigned char hdr[2][GPT_SECTOR_MAX];
	uint64_t dirty[RS_PT_MAX], off;
	const char *why;
	uint32_t crc = 0;
	unsigned i, ndirty = 0, ss;
	int r, c, disk_changed;

	r = gpt_read(d, &cur, lay);
	if (r == -ENOENT || r == -EUCLEAN) {
		rs_err("refusing GPT on %s: %s", d->path, r == -ENOENT ? "no GPT found" : cur.why);
		return -ECANCELED;
	}
	if (r < 0)
		return r;
	if ((why = same_but_guids(&cur, want))) {
		rs_err("refusing GPT on %s: %s", d->path, why);
		return -ECANCELED;
	}
	ss = lay->ss;

	/* Which array sectors change; entries come in index order, so the
	 * sector numbers do too and duplicates are adjacent. */
	for (i = 0; i < cur.n; i++) {
		uint64_t s;
		if (!memcmp(cur.part[i].uuid, want->part[i].uuid, 16))
			continue;
		s = ((uint64_t)(cur.part[i].number - 1) * lay->h[0].ent_size + E_GUID) / ss;
		if (!ndirty || dirty[ndirty - 1] != s)
			dirty[ndirty++] = s;
	}
	disk_changed = memcmp(cur.uuid, want->uuid, 16) != 0;
	if (!ndirty && !disk_changed)
		return 0;

	/* New entry-array CRC, the same for both copies (they are identical). */
	for (off = 0; off < lay->h[0].esz; ) {
		size_t len = lay->h[0].esz - off > GPT_CHUNK ? GPT_CHUNK : (size_t)(lay->h[0].esz - off);
		if ((r = rs_blk_read(d, chunk[0], len, lay->h[0].ent_lba * ss + off)) < 0)
			return r;
		if (patch_entries(chunk[0], off, len, &lay->h[0], &cur, want) < 0)
			goto changed;
		crc = rs_crc32(crc, chunk[0], len);
		off += len;
	}
	for (c = 0; c < 2; c++)
		new_header(hdr[c], lay->sec[c], ss, &lay->h[c], want->uuid, crc);

	/* Backup first, primary last; each copy's array before its header;
	 * a flush after the backup copy, so that no crash leaves the primary
	 * changed and the backup not (formats.md §6.6): whatever reaches
	 * the disk, one copy is intact, and the boot resume rebuilds the
	 * other from it (rs_gpt_resume). */
	for (c = 1; c >= 0; c--) {
		for (i = 0; i < ndirty; i++) {
			uint64_t at = (lay->h[c].ent_lba + dirty[i]) * ss;
			if ((r = rs_blk_read(d, chunk[0], ss, at)) < 0)
				return r;
			if (patch_entries(chunk[0], dirty[i] * ss, ss, &lay->h[c], &cur, want) < 0)
				goto changed;
			rs_blk_plan_add(p, at, chunk[0], ss);
		}
		rs_blk_plan_add(p, lay->h[c].my * ss, hdr[c], ss);
		rs_blk_plan_sync(p);
	}
	return 0;
changed:
	rs_err("%s: the GPT changed while it was being read", d->path);
	return -EIO;
}

/* see blk.h */
int
rs_gpt_set_uuids(rs_blkdev *d, const rs_ptable *want)
{
	static gpt_layout lay;
	static rs_ptable after;
	rs_blk_plan p = { 0 };
	unsigned i;
	int r, empty;

	r = plan_change(d, want, &lay, &p);
	empty = !p.n;
	if ((r = rs_blk_apply(d, &p, r, "GPT")) < 0 || empty)
		return r;
	r = gpt_read(d, &after, &lay);
	if (r < 0) {
		rs_err("%s: GPT unreadable after the change: %s", d->path,
		    r == -EUCLEAN ? after.why : rs_strerr(r));
		return r == -EUCLEAN || r == -ENOENT ? -EIO : r;
	}
	for (i = 0; i < after.n; i++)
		if (memcmp(after.part[i].uuid, want->part[i].uuid, 16))
			break;
	if (i < after.n || memcmp(after.uuid, want->uuid, 16) ||
	    same_but_guids(&after, want)) {
		rs_err("%s: re-read GPT does not show the new GUIDs", d->path);
		return -EIO;
	}
	rs_blk_table_changed(d);
	return 0;
}

/* --- rs_gpt_resume (formats.md §6.6) --- */

/* One copy of the table, read on its own. */
typedef struct {
	int hdr_ok;                   /* header sane, CRC good */
	int ok;                       /* and its array's CRC good */
	uint64_t lba;                 /* where its header is */
	gpt_hdr h;
	unsigned char sec[GPT_SECTOR_MAX];
	char why[192];
} gpt_copy;

/* Read copy c (0 primary, 1 backup) with its header at lba. */
static int
read_copy(rs_blkdev *d, const gpt_layout *lay, uint64_t lba, gpt_copy *c)
{
	static rs_ptable scratch;
	uint32_t crc = 0;
	uint64_t off;
	int r;

	memset(c, 0, sizeof *c);
	c->lba = lba;
	if ((r = rs_blk_read(d, c->sec, lay->ss, lba * lay->ss)) < 0)
		return r;
	if (parse_header(c->sec, lay->ss, lba, lay->last_lba, &c->h, &scratch) < 0) {
		snprintf(c->why, sizeof c->why, "%s", scratch.why);
		return 0;
	}
	c->hdr_ok = 1;
	for (off = 0; off < c->h.esz; ) {
		size_t len = c->h.esz - off > GPT_CHUNK ? GPT_CHUNK : (size_t)(c->h.esz - off);
		if ((r = rs_blk_read(d, chunk[0], len, c->h.ent_lba * lay->ss + off)) < 0)
			return r;
		crc = rs_crc32(crc, chunk[0], len);
		off += len;
	}
	if (crc != c->h.ent_crc)
		snprintf(c->why, sizeof c->why, "%s partition entry array CRC mismatch",
		    lba == 1 ? "primary" : "backup");
	else
		c->ok = 1;
	return 0;
}

/* Is guid (on-disk order) one of the pair (text order)? */
static int
guid_in(const unsigned char *disk_order, const unsigned char pair[2][16])
{
	unsigned char t[16];

	guid_swap(t, disk_order);
	return !memcmp(t, pair[0], 16) || !memcmp(t, pair[1], 16);
}

/* The listed pair of partition number n, or NULL. */
static const unsigned char (*
listed(const rs_gpt_guids *g, unsigned n))[16]
{
	unsigned i;

	for (i = 0; i < g->n; i++)
		if (g->part[i].number == n)
			return g->part[i].guid;
	return NULL;
}

/* Check the intact copy a, and when b is intact too, that the two differ
 * only in GUIDs the plan lists (*ndiff: how many differ).  NULL if so,
 * else why not (in buf). */
static const char *
resume_check(rs_blkdev *d, const gpt_layout *lay, const gpt_copy *a, const gpt_copy *b,
    const rs_gpt_guids *g, unsigned *ndiff, char *buf, size_t len)
{
	const char *which = a->lba == 1 ? "primary" : "backup";
	uint64_t off;
	uint32_t idx = 0;
	size_t eo;
	int r;

	if (!guid_in(a->sec + H_GUID, g->disk)) {
		snprintf(buf, len, "the %s copy's disk GUID is neither the old nor the new one",
		    which);
		return buf;
	}
	if (b && !guid_in(b->sec + H_GUID, g->disk)) {
		snprintf(buf, len, "the %s copy's disk GUID is neither the old nor the new one",
		    b->lba == 1 ? "primary" : "backup");
		return buf;
	}
	if (b && (a->h.hsz != b->h.hsz || a->h.first != b->h.first || a->h.last != b->h.last ||
	    a->h.n_ent != b->h.n_ent || a->h.ent_size != b->h.ent_size)) {
		snprintf(buf, len, "the two copies' headers differ in more than the disk GUID");
		return buf;
	}
	*ndiff = b && memcmp(a->sec + H_GUID, b->sec + H_GUID, 16);
	for (off = 0; off < a->h.esz; ) {
		size_t n = a->h.esz - off > GPT_CHUNK ? GPT_CHUNK : (size_t)(a->h.esz - off);
		if ((r = rs_blk_read(d, chunk[0], n, a->h.ent_lba * lay->ss + off)) < 0 ||
		    (b && (r = rs_blk_read(d, chunk[1], n, b->h.ent_lba * lay->ss + off)) < 0)) {
			snprintf(buf, len, "read error: %s", rs_strerr(r));
			return buf;
		}
		for (eo = 0; eo < n; eo += a->h.ent_size, idx++) {
			const unsigned char *ea = chunk[0] + eo, *eb = chunk[1] + eo;
			const unsigned char (*pair)[16] = listed(g, idx + 1);
			int differ = b && (memcmp(ea, eb, E_GUID) ||
			    memcmp(ea + E_GUID + 16, eb + E_GUID + 16, a->h.ent_size - E_GUID - 16));

			if (differ) {
				snprintf(buf, len, "entry %u differs between the copies in more "
				    "than its GUID", idx + 1);
				return buf;
			}
			if (b && memcmp(ea + E_GUID, eb + E_GUID, 16) &&
			    (!pair || !guid_in(eb + E_GUID, pair))) {
				snprintf(buf, len, "partition %u's GUID differs between the copies "
				    "and is not one the reseal set", idx + 1);
				return buf;
			}
			*ndiff += b && memcmp(ea + E_GUID, eb + E_GUID, 16);
			if (pair && !rs_is_zero(ea + E_TYPE, 16) && !guid_in(ea + E_GUID, pair)) {
				snprintf(buf, len, "partition %u's GUID in the %s copy is neither "
				    "its old nor its new one", idx + 1, which);
				return buf;
			}
		}
		off += n;
	}
	return NULL;
}

/* Plan the copy t rebuilt from the intact copy s: all of s's array
 * sectors at t's array LBA, then t's header. */
static const char *
plan_rebuild(rs_blkdev *d, const gpt_layout *lay, const gpt_copy *s, const gpt_copy *t,
    rs_blk_plan *p, char *buf, size_t len)
{
	static unsigned char hdr[GPT_SECTOR_MAX];
	uint64_t ent, bytes = s->h.nsec * lay->ss, off;
	int r;

	/* A torn header says nowhere its array is: put it where UEFI and
	 * sgdisk do, next to the header (formats.md §6.6). */
	if (t->hdr_ok)
		ent = t->h.ent_lba;
	else
		ent = t->lba == 1 ? 2 : t->lba - s->h.nsec;
	if (t->lba == 1 ? ent < 2 || ent + s->h.nsec > s->h.first
	    : ent <= s->h.last || ent + s->h.nsec > t->lba) {
		snprintf(buf, len, "no room for the %s entry array at LBA %llu",
		    t->lba == 1 ? "primary" : "backup", (unsigned long long)ent);
		return buf;
	}
	for (off = 0; off < bytes; ) {
		size_t n = bytes - off > GPT_CHUNK ? GPT_CHUNK : (size_t)(bytes - off);
		if ((r = rs_blk_read(d, chunk[0], n, s->h.ent_lba * lay->ss + off)) < 0) {
			snprintf(buf, len, "read error: %s", rs_strerr(r));
			return buf;
		}
		rs_blk_plan_add(p, ent * lay->ss + off, chunk[0], n);
		off += n;
	}
	memcpy(hdr, s->sec, lay->ss);
	rs_put_le64(hdr + H_MY, t->lba);
	rs_put_le64(hdr + H_ALT, s->lba);
	rs_put_le64(hdr + H_ENT_LBA, ent);
	rs_put_le32(hdr + H_CRC, header_crc(hdr, s->h.hsz));
	rs_blk_plan_add(p, t->lba * lay->ss, hdr, lay->ss);
	return NULL;
}

/* see blk.h */
int
rs_gpt_resume(rs_blkdev *d, const rs_gpt_guids *g, rs_ptable *pt)
{
	static gpt_layout lay;
	static gpt_copy c[2];
	rs_blk_plan p = { 0 };
	char found[192], buf[160];
	const char *why = NULL;
	unsigned ndiff = 0;
	int r, s;

	r = gpt_read(d, pt, &lay);
	if (r != -EUCLEAN)
		return r;
	snprintf(found, sizeof found, "%s", pt->why);
	if (!lay.ss) {
		why = "no GPT header at LBA 1";
		goto refuse;
	}
	if ((r = read_copy(d, &lay, 1, &c[0])) < 0)
		return r;
	/* The backup is where an intact primary says; else at the end. */
	if ((r = read_copy(d, &lay, c[0].hdr_ok && c[0].h.alt <= lay.last_lba &&
	        c[0].h.alt > c[0].h.last ? c[0].h.alt : lay.last_lba, &c[1])) < 0)
		return r;
	if (c[1].hdr_ok && c[1].h.alt != 1)
		c[1].ok = 0, snprintf(c[1].why, sizeof c[1].why, "backup header: alternate LBA is not 1");
	if (!c[0].ok && !c[1].ok) {
		why = "neither copy is intact";
		goto refuse;
	}
	/* Both intact: rebuild the backup from the primary (either would
	 * do; the change that follows rewrites both). */
	s = c[0].ok ? 0 : 1;
	if ((why = resume_check(d, &lay, &c[s], c[1 - s].ok ? &c[1 - s] : NULL, g, &ndiff,
	        buf, sizeof buf)))
		goto refuse;
	if (c[0].ok && c[1].ok && !ndiff) {
		why = "both copies are intact and carry the same GUIDs: not a state a GUID change "
		    "leaves";
		goto refuse;
	}
	if ((why = plan_rebuild(d, &lay, &c[s], &c[1 - s], &p, buf, sizeof buf))) {
		rs_blk_apply(d, &p, -ECANCELED, "GPT");   /* frees the plan, writes nothing */
		goto refuse;
	}
	rs_warn("%s: GPT: %s; rebuilding the %s copy from the intact %s copy, whose GUIDs "
	    "are this reseal's old or new ones (docs/formats.md §6.6)", d->path, found,
	    s ? "primary" : "backup", s ? "backup" : "primary");
	if ((r = rs_blk_apply(d, &p, 0, "GPT")) < 0)
		return r;
	r = gpt_read(d, pt, &lay);
	if (r < 0) {
		rs_err("%s: GPT still unreadable after rebuilding a copy: %s", d->path,
		    r == -EUCLEAN ? pt->why : rs_strerr(r));
		return r == -EUCLEAN || r == -ENOENT ? -EIO : r;
	}
	return 0;
refuse:
	rs_err("refusing GPT on %s: %s; %s; nothing written", d->path, found, why);
	return -ECANCELED;
}

/* BLKPG from <linux/blkpg.h> (kernel ABI; musl-gcc cannot include it). */
#define RS_BLKPG               _IO(0x12, 105)
#define RS_BLKPG_ADD_PARTITION 1
struct rs_blkpg_ioctl_arg {
	int op, flags, datalen;
	void *data;
};
struct rs_blkpg_partition {
	long long start, length;     /* bytes */
	int pno;
	char devname[64], volname[64];
};

/* see blk.h */
int
rs_gpt_expose_backup(rs_blkdev *d)
{
	static gpt_layout lay;
	static gpt_copy c[2];
	static rs_ptable pt;
	char why[128] = "";
	unsigned k, added = 0;
	uint32_t idx = 0;
	uint64_t off;
	int r;

	if (!d->is_blockdev || d->base)
		return 0;
	if ((r = gpt_read(d, &pt, &lay)) != -EUCLEAN || !lay.ss)
		return r == -ENOENT || r == 0 || r == -EUCLEAN ? 0 : r;
	if ((r = read_copy(d, &lay, 1, &c[0])) < 0 || c[0].ok)
		return r < 0 ? r : 0;   /* the kernel reads an intact primary itself */
	if ((r = read_copy(d, &lay, lay.last_lba, &c[1])) < 0)
		return r;
	if (!c[1].ok || c[1].h.alt != 1)
		return 0;
	/* List the backup's partitions as gpt_read would (add_entry checks
	 * the usable range of lay.h[0]). */
	memset(&pt, 0, sizeof pt);
	lay.h[0] = c[1].h;
	for (off = 0; off < c[1].h.esz; ) {
		size_t len = c[1].h.esz - off > GPT_CHUNK ? GPT_CHUNK : (size_t)(c[1].h.esz - off);
		size_t eo;
		if ((r = rs_blk_read(d, chunk[0], len, c[1].h.ent_lba * lay.ss + off)) < 0)
			return r;
		for (eo = 0; eo < len; eo += c[1].h.ent_size, idx++)
			if (add_entry(&pt, &lay, idx, chunk[0] + eo, why, sizeof why) < 0)
				return 0;
		off += len;
	}
	rs_warn("%s: primary GPT not intact (%s); Linux reads the intact backup copy only with the "
	    "gpt boot option: adding its %u partitions to the kernel's view, nothing written",
	    d->path, c[0].why, pt.n);
	for (k = 0; k < pt.n; k++) {
		struct rs_blkpg_partition bp;
		struct rs_blkpg_ioctl_arg a = { RS_BLKPG_ADD_PARTITION, 0, sizeof bp, &bp };

		memset(&bp, 0, sizeof bp);
		bp.start = (long long)pt.part[k].start;
		bp.length = (long long)pt.part[k].size;
		bp.pno = (int)pt.part[k].number;
		if (ioctl(d->fd, RS_BLKPG, &a) == 0)
			added++;
		else if (errno != EBUSY)
			rs_warn("%s: cannot add partition %u (BLKPG: %s)", d->path, bp.pno,
			    rs_strerr(errno));
	}
	return (int)added;
}
