/* swap.c: Linux swap area probe and UUID change (docs/formats.md
 * §5).
 *
 * Like libblkid 2.38 (swap.c), a hibernation image is reported as TYPE
 * "swsuspend" with the swap header's UUID and LABEL, and VERSION naming
 * the signature (s1suspend, s2suspend, ulsuspend, linhib0001, tuxonice).
 * It is recognised, so that nothing else claims the device, and
 * rs_swap_set_uuid refuses it: the resume= of the next boot looks for
 * that UUID, and the image must be resumed or discarded first. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "blk.h"
#include "io.h"
#include "log.h"

#define HDR_OFF          0x400      /* struct swap_header_v1_2 after 1 KiB of boot bits */
#define HDR_LEN          0x200
#define OFF_VERSION      0x000      /* relative to HDR_OFF */
#define OFF_LASTPAGE     0x004
#define OFF_UUID         0x00C      /* 0x40C on the device */
#define OFF_LABEL        0x01C      /* 0x41C, 16 bytes */
#define OFF_PADDING32    0x0AC      /* padding[32] and [33]: libblkid's garbage test */
#define LABEL_LEN        16
#define MIN_SIZE         (10 * 4096) /* libblkid ignores smaller devices */

#define TOI_MAGIC        "\xed\xc3\x02\xe9\x98\x56\xe5\x0c"

/* Hibernation signatures written over the swap magic, and their VERSION. */
static const struct { const char *magic, *version; } hib[] = {
	{ "S1SUSPEND",  "s1suspend" },
	{ "S2SUSPEND",  "s2suspend" },
	{ "ULSUSPEND",  "ulsuspend" },
	{ "LINHIB0001", "linhib0001" },
};

struct swap {
	unsigned char hdr[HDR_LEN];
	unsigned pagesize;        /* where the magic was found; 0 for TuxOnIce */
	int hibernation;
	int v1;                   /* SWAPSPACE2 (v0 "SWAP-SPACE" has no UUID) */
	int has_id;               /* libblkid's padding test passed */
};

static uint32_t
swab32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xFF00) | (v << 8 & 0xFF0000) | v << 24;
}

/* The 10-byte window that ends each candidate page.  Returns 1 and the
 * bytes if the device holds that page's 1 KiB block, 0 if not, or -errno. */
static int
page_tail(rs_blkdev *d, unsigned pagesize, unsigned char tail[10])
{
	uint64_t off = pagesize - 10;
	int r;

	if ((off & ~1023ull) + 1024 > d->size)
		return 0;
	return (r = rs_blk_read(d, tail, 10, off)) < 0 ? r : 1;
}

/* libblkid's swap_set_info(): the header's UUID and LABEL, if the padding
 * looks like a real v1 header. */
static void
fill_info(struct swap *s, rs_fsinfo *fi)
{
	const unsigned char *h = s->hdr;
	size_t n;

	fi->uuid_len = 16;
	s->has_id = rs_is_zero(h + OFF_PADDING32, 8);
	if (!s->has_id)
		return;
	memcpy(fi->uuid, h + OFF_UUID, 16);
	if (!rs_is_zero(fi->uuid, 16))
		rs_uuid_fmt(fi->uuid_str, fi->uuid);
	for (n = 0; n < LABEL_LEN && h[OFF_LABEL + n]; n++)
		fi->label[n] = (char)h[OFF_LABEL + n];
	while (n && strchr(" \t\n\v\f\r", fi->label[n - 1]))
		n--;
	fi->label[n] = 0;
}

static int
swap_probe(rs_blkdev *d, struct swap *s, rs_fsinfo *fi)
{
	unsigned char head[8], tail[10];
	unsigned ps;
	size_t i;
	int r;

	memset(s, 0, sizeof *s);
	if (d->size < MIN_SIZE)
		return -ENOENT;
	if ((r = rs_blk_read(d, head, sizeof head, 0)) < 0 ||
	    (r = rs_blk_read(d, s->hdr, sizeof s->hdr, HDR_OFF)) < 0)
		return r;
	/* libblkid's order: swsuspend before swap, TuxOnIce (which keeps a
	 * valid swap signature at the end of the page) first of all. */
	if (!memcmp(head, TOI_MAGIC, 8)) {
		snprintf(fi->type, sizeof fi->type, "swsuspend");
		snprintf(fi->version, sizeof fi->version, "tuxonice");
		s->hibernation = 1;
		fill_info(s, fi);
		return 0;
	}
	for (ps = 4096; ps <= 65536; ps <<= 1) {
		if ((r = page_tail(d, ps, tail)) < 0)
			return r;
		for (i = 0; r && i < sizeof hib / sizeof hib[0]; i++) {
			if (memcmp(tail, hib[i].magic, strlen(hib[i].magic)))
				continue;
			snprintf(fi->type, sizeof fi->type, "swsuspend");
			snprintf(fi->version, sizeof fi->version, "%s", hib[i].version);
			s->pagesize = ps;
			s->hibernation = 1;
			fill_info(s, fi);
			return 0;
		}
	}
	for (ps = 4096; ps <= 65536; ps <<= 1) {
		uint32_t version = rs_le32(s->hdr + OFF_VERSION);

		if ((r = page_tail(d, ps, tail)) < 0)
			return r;
		if (!r)
			continue;
		if (!memcmp(tail, "SWAP-SPACE", 10)) {
			snprintf(fi->type, sizeof fi->type, "swap");
			snprintf(fi->version, sizeof fi->version, "0");
			fi->uuid_len = 16;
			s->pagesize = ps;
			return 0;
		}
		if (memcmp(tail, "SWAPSPACE2", 10))
			continue;
		snprintf(fi->type, sizeof fi->type, "swap");
		s->pagesize = ps;
		s->v1 = 1;
		/* libblkid then says "not swap"; say "broken swap" so that
		 * the device is not taken for something else. */
		if (version != 1 && swab32(version) != 1) {
			snprintf(fi->why, sizeof fi->why, "unknown swap header version %u",
			    (unsigned)version);
			return -EUCLEAN;
		}
		if (!rs_le32(s->hdr + OFF_LASTPAGE)) {
			snprintf(fi->why, sizeof fi->why, "swap header has no last page");
			return -EUCLEAN;
		}
		snprintf(fi->version, sizeof fi->version, "1");
		fill_info(s, fi);
		return 0;
	}
	return -ENOENT;
}

/* see blk.h */
int
rs_swap_probe(rs_blkdev *d, rs_fsinfo *fi)
{
	struct swap s;

	return swap_probe(d, &s, fi);
}

/* Unescape one /proc/swaps path field (octal \040 for spaces). */
static void
unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

/* Is the file or device behind d an active swap area?  O_EXCL already
 * keeps swapped-on block devices out; this catches swap files, whose
 * writes would fail with ETXTBSY half-way.  1 or 0 (0 also if unknown). */
static int
swap_active(const rs_blkdev *d)
{
	static char buf[16384];   /* /proc/swaps: one line per active area */
	struct stat me, st;
	char *line, *next;
	int busy = 0;

	/* Unreadable: buf is empty.  Longer than buf: the areas that fit. */
	if (fstat(d->fd, &me) < 0)
		return 0;
	(void)rs_read_file("/proc/swaps", buf, sizeof buf, NULL);
	for (line = buf; !busy && *line; line = next) {
		size_t end = strcspn(line, " \t\n");

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		line[end] = 0;
		unescape(line);
		if (line[0] != '/' || stat(line, &st) < 0)
			continue;
		if (S_ISREG(me.st_mode))
			busy = S_ISREG(st.st_mode) && st.st_dev == me.st_dev && st.st_ino == me.st_ino;
		else if (S_ISBLK(me.st_mode))
			busy = S_ISBLK(st.st_mode) && st.st_rdev == me.st_rdev;
	}
	return busy;
}

/* The plan half of rs_swap_set_uuid: refuse (-ECANCELED, logged) or
 * plan the change (nothing when the area has the UUID already). */
static int
plan_change(rs_blkdev *d, const unsigned char *uuid, rs_blk_plan *p)
{
	struct swap s;
	rs_fsinfo fi;
	char why[160];
	uint64_t need;
	uint32_t last;
	int r;

	memset(&fi, 0, sizeof fi);
	r = swap_probe(d, &s, &fi);
	if (r == -EUCLEAN) {
		snprintf(why, sizeof why, "%s", fi.why);
		goto refuse;
	}
	if (r < 0)
		return r;
	if (s.hibernation) {
		snprintf(why, sizeof why, "it holds a hibernation image (%s): resume from it, "
		    "or discard it with mkswap", fi.version);
		goto refuse;
	}
	if (!s.v1) {
		snprintf(why, sizeof why, "old-style (v0) swap area has no UUID");
		goto refuse;
	}
	if (!s.has_id) {
		snprintf(why, sizeof why, "unexpected data in the swap header's padding");
		goto refuse;
	}
	last = rs_le32(s.hdr + OFF_LASTPAGE);
	if (rs_le32(s.hdr + OFF_VERSION) != 1)
		last = swab32(last);
	need = ((uint64_t)last + 1) * s.pagesize;
	if (need > d->size) {
		snprintf(why, sizeof why, "the swap area needs %llu bytes but the device has "
		    "%llu (truncated image?)", (unsigned long long)need,
		    (unsigned long long)d->size);
		goto refuse;
	}
	if (swap_active(d)) {
		snprintf(why, sizeof why, "it is in use as swap (swapoff first)");
		goto refuse;
	}
	if (!memcmp(s.hdr + OFF_UUID, uuid, 16)) {
		rs_info("%s: swap already has this UUID; nothing to write", d->path);
		return 0;
	}
	/* One 16-byte write, as swaplabel does; there is no checksum. */
	rs_blk_plan_add(p, HDR_OFF + OFF_UUID, uuid, 16);
	return 0;
refuse:
	rs_err("refusing swap on %s: %s", d->path, why);
	return -ECANCELED;
}

/* see blk.h */
int
rs_swap_set_uuid(rs_blkdev *d, const unsigned char *uuid)
{
	rs_blk_plan p = { 0 };

	return rs_blk_apply(d, &p, plan_change(d, uuid, &p), "swap");
}
