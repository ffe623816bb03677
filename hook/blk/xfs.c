/* xfs.c: XFS detection and the O(1) UUID change (docs/formats.md §2).
 *
 * The change sets META_UUID (2.4) in every AG superblock and writes one
 * unmount record at the head of the log (2.9), because the kernel checks the
 * UUID of the record before the head at every mount (2.3).  That record
 * first carries the nil UUID, which the kernel accepts with any superblock,
 * and gets the new UUID only after the superblocks, so that no state between
 * two writes is unmountable (2.10).  The log code is in xfs_log.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"
#include "log.h"
#include "xfs_log.h"

#define SB_MAX 32768              /* largest XFS sector size */

/* Superblock fields (formats.md §2.2): big-endian except sb_crc. */
#define SB_BLOCKSIZE   0x04
#define SB_DBLOCKS     0x08
#define SB_RBLOCKS     0x10
#define SB_REXTENTS    0x18
#define SB_UUID        0x20
#define SB_LOGSTART    0x30
#define SB_REXTSIZE    0x50
#define SB_AGBLOCKS    0x54
#define SB_AGCOUNT     0x58
#define SB_LOGBLOCKS   0x60
#define SB_VERSIONNUM  0x64
#define SB_SECTSIZE    0x66
#define SB_INODESIZE   0x68
#define SB_FNAME       0x6C
#define SB_BLOCKLOG    0x78
#define SB_SECTLOG     0x79
#define SB_INODELOG    0x7A
#define SB_INOPBLOG    0x7B
#define SB_AGBLKLOG    0x7C
#define SB_INPROGRESS  0x7E
#define SB_IMAX_PCT    0x7F
#define SB_LOGSECTSIZE 0xC2
#define SB_LOGSUNIT    0xC4
#define SB_COMPAT      0xD0
#define SB_RO_COMPAT   0xD4
#define SB_INCOMPAT    0xD8
#define SB_LOG_INCOMPAT 0xDC
#define SB_CRC         0xE0
#define SB_META_UUID   0xF8

#define VERSION_LOGV2  0x0400

#define INCOMPAT_FTYPE       0x001
#define INCOMPAT_SPINODES    0x002
#define INCOMPAT_META_UUID   0x004
#define INCOMPAT_BIGTIME     0x008
#define INCOMPAT_NEEDSREPAIR 0x010
#define INCOMPAT_NREXT64     0x020
#define INCOMPAT_EXCHRANGE   0x040
#define INCOMPAT_PARENT      0x080
#define INCOMPAT_METADIR     0x100   /* metadata directory and realtime groups */
/* None of these puts the UUID anywhere but the headers that already carry
 * sb_meta_uuid: FTYPE, SPINODES, BIGTIME and NREXT64 change inode and
 * directory formats, EXCHRANGE adds a log intent (a clean log has none),
 * PARENT adds parent-pointer xattrs (name and parent handle only).
 * METADIR is refused: it brings realtime groups, whose own superblocks on the
 * rt device hold the UUID, and a layout not verified here. */
#define INCOMPAT_OK (INCOMPAT_FTYPE | INCOMPAT_SPINODES | INCOMPAT_META_UUID | \
    INCOMPAT_BIGTIME | INCOMPAT_NREXT64 | INCOMPAT_EXCHRANGE | INCOMPAT_PARENT)
#define RO_COMPAT_OK  0x0F   /* FINOBT RMAPBT REFLINK INOBTCNT */
#define LOG_INCOMPAT_OK 0x01 /* XATTRS: only matters to a dirty log */

typedef struct {
	uint32_t blocksize, agblocks, agcount, logblocks, logsunit, rextsize;
	uint32_t compat, ro_compat, incompat, log_incompat;
	uint64_t dblocks, rblocks, rextents, logstart;
	unsigned versionnum, sectsize, inodesize, logsectsize;
	unsigned blocklog, sectlog, inodelog, inopblog, agblklog, inprogress, imax_pct;
	int v5;
} xsb;

static void
sb_parse(const unsigned char *b, xsb *s)
{
	s->blocksize = rs_be32(b + SB_BLOCKSIZE);
	s->dblocks = rs_be64(b + SB_DBLOCKS);
	s->rblocks = rs_be64(b + SB_RBLOCKS);
	s->rextents = rs_be64(b + SB_REXTENTS);
	s->logstart = rs_be64(b + SB_LOGSTART);
	s->rextsize = rs_be32(b + SB_REXTSIZE);
	s->agblocks = rs_be32(b + SB_AGBLOCKS);
	s->agcount = rs_be32(b + SB_AGCOUNT);
	s->logblocks = rs_be32(b + SB_LOGBLOCKS);
	s->versionnum = rs_be16(b + SB_VERSIONNUM);
	s->sectsize = rs_be16(b + SB_SECTSIZE);
	s->inodesize = rs_be16(b + SB_INODESIZE);
	s->blocklog = b[SB_BLOCKLOG];
	s->sectlog = b[SB_SECTLOG];
	s->inodelog = b[SB_INODELOG];
	s->inopblog = b[SB_INOPBLOG];
	s->agblklog = b[SB_AGBLKLOG];
	s->inprogress = b[SB_INPROGRESS];
	s->imax_pct = b[SB_IMAX_PCT];
	s->logsectsize = rs_be16(b + SB_LOGSECTSIZE);
	s->logsunit = rs_be32(b + SB_LOGSUNIT);
	s->v5 = (s->versionnum & 0xF) == 5;
	/* v4 superblocks end before the v5 fields; their bytes mean nothing */
	s->compat = s->v5 ? rs_be32(b + SB_COMPAT) : 0;
	s->ro_compat = s->v5 ? rs_be32(b + SB_RO_COMPAT) : 0;
	s->incompat = s->v5 ? rs_be32(b + SB_INCOMPAT) : 0;
	s->log_incompat = s->v5 ? rs_be32(b + SB_LOG_INCOMPAT) : 0;
}

/* libblkid's xfs_verify_sb(): geometry a real superblock always has.  Every
 * field used later for an offset is bounded here.  Returns 0 or -EUCLEAN. */
static int
sb_sane(const xsb *s, char *why, size_t n)
{
	uint64_t rext = (uint64_t)s->rextsize * s->blocksize;
	const char *bad = NULL;

	if (s->agcount == 0)
		bad = "agcount is 0";
	else if (s->sectsize < 512 || s->sectsize > 32768 || s->sectlog < 9 || s->sectlog > 15 ||
	    s->sectsize != 1u << s->sectlog)
		bad = "bad sector size";
	else if (s->blocksize < 512 || s->blocksize > 65536 || s->blocklog < 9 ||
	    s->blocklog > 16 || s->blocksize != 1u << s->blocklog)
		bad = "bad block size";
	else if (s->inodesize < 256 || s->inodesize > 2048 || s->inodelog < 8 ||
	    s->inodelog > 11 || s->inodesize != 1u << s->inodelog ||
	    s->blocklog - s->inodelog != s->inopblog)
		bad = "bad inode size";
	else if (rext > 1024u * 1024 * 1024 || rext < 4096)
		bad = "bad realtime extent size";
	else if (s->imax_pct > 100)
		bad = "bad imax_pct";
	else if (s->dblocks == 0 || s->dblocks > (uint64_t)s->agcount * s->agblocks ||
	    s->dblocks < (uint64_t)(s->agcount - 1) * s->agblocks + 64)
		bad = "block count does not match the allocation groups";
	if (!bad)
		return 0;
	snprintf(why, n, "superblock geometry: %s", bad);
	return -EUCLEAN;
}

/* CRC-32C of a sector with sb_crc taken as zero (xfs_cksum.h). */
static uint32_t
sb_crc(const unsigned char *b, unsigned len)
{
	static const unsigned char zero[4];
	uint32_t c = rs_crc32c_raw(~0u, b, SB_CRC);

	c = rs_crc32c_raw(c, zero, 4);
	return ~rs_crc32c_raw(c, b + SB_CRC + 4, len - SB_CRC - 4);
}

/* Read and check the superblock sector at off: magic, geometry, v5 CRC.
 * Returns 0, -ENOENT (no magic), -EUCLEAN (why), or -errno. */
static int
sb_read(rs_blkdev *d, uint64_t off, unsigned char *b, xsb *s, char *why, size_t n)
{
	int r;

	if (off > d->size || d->size - off < 512)
		return -ENOENT;
	if ((r = rs_blk_read(d, b, 512, off)) < 0)
		return r;
	if (memcmp(b, "XFSB", 4))
		return -ENOENT;
	sb_parse(b, s);
	if ((r = sb_sane(s, why, n)) < 0)
		return r;
	if (s->sectsize > d->size - off) {
		snprintf(why, n, "superblock sector runs past the end of the device");
		return -EUCLEAN;
	}
	if (s->sectsize > 512 && (r = rs_blk_read(d, b + 512, s->sectsize - 512, off + 512)) < 0)
		return r;
	if (s->v5 && rs_le32(b + SB_CRC) != sb_crc(b, s->sectsize)) {
		snprintf(why, n, "superblock checksum mismatch (stored %08x, computed %08x)",
		    rs_le32(b + SB_CRC), sb_crc(b, s->sectsize));
		return -EUCLEAN;
	}
	return 0;
}

/* see blk.h */
int
rs_xfs_probe(rs_blkdev *d, rs_fsinfo *fi)
{
	unsigned char sb[SB_MAX];
	xsb s;
	size_t i, n;
	int r;

	r = sb_read(d, 0, sb, &s, fi->why, sizeof fi->why);
	if (r == -ENOENT || (r < 0 && r != -EUCLEAN))
		return r;
	snprintf(fi->type, sizeof fi->type, "xfs");
	if (r < 0)
		return r;
	memcpy(fi->uuid, sb + SB_UUID, 16);
	fi->uuid_len = 16;
	for (i = 0; i < 16 && !sb[SB_UUID + i]; i++)
		;
	if (i < 16)                 /* blkid prints no UUID when it is all zero */
		rs_uuid_fmt(fi->uuid_str, fi->uuid);
	/* sb_fname: up to 12 bytes, NUL-padded; blkid trims trailing blanks */
	for (n = 0; n < 12 && sb[SB_FNAME + n]; n++)
		fi->label[n] = (char)sb[SB_FNAME + n];
	while (n && strchr(" \t\n\r\v\f", fi->label[n - 1]))
		n--;
	fi->label[n] = 0;
	return 0;
}

#define refuse(d, ...) do { \
	char m_[256]; \
	snprintf(m_, sizeof m_, __VA_ARGS__); \
	rs_err("refusing xfs on %s: %s", (d)->path, m_); \
	return -ECANCELED; \
} while (0)

/* Everything in 2.8 that the primary superblock alone can tell. */
static int
check_primary(rs_blkdev *d, const xsb *s, uint64_t *logoff, uint64_t *loglen)
{
	uint64_t agno, agbno, mask;

	if (!s->v5)
		refuse(d, "v4 (non-CRC) filesystem: not supported (current kernels cannot mount it either)");
	if (s->inprogress)
		refuse(d, "sb_inprogress is set (mkfs did not finish)");
	if (s->incompat & INCOMPAT_NEEDSREPAIR)
		refuse(d, "the NEEDSREPAIR feature is set: run xfs_repair first");
	if (s->incompat & INCOMPAT_METADIR)
		refuse(d, "metadir/realtime-group filesystems are not supported");
	if (s->incompat & ~INCOMPAT_OK)
		refuse(d, "unknown incompat features 0x%x", s->incompat & ~INCOMPAT_OK);
	if (s->log_incompat & ~LOG_INCOMPAT_OK)
		refuse(d, "unknown log_incompat features 0x%x", s->log_incompat & ~LOG_INCOMPAT_OK);
	if (s->ro_compat & ~RO_COMPAT_OK)
		refuse(d, "unknown ro_compat features 0x%x", s->ro_compat & ~RO_COMPAT_OK);
	if (s->compat)
		refuse(d, "unknown compat features 0x%x", s->compat);
	if (s->rblocks || s->rextents)
		refuse(d, "it has a realtime section");
	if (s->logstart == 0)
		refuse(d, "external log: not supported");
	if (!(s->versionnum & VERSION_LOGV2))
		refuse(d, "v5 superblock without a version 2 log");
	if (s->dblocks > d->size / s->blocksize)
		refuse(d, "the device (%llu bytes) is smaller than the filesystem (%llu bytes): truncated?",
		    (unsigned long long)d->size, (unsigned long long)s->dblocks * s->blocksize);
	if (s->agblocks < 64 || s->agblklog > 31 || (1ull << s->agblklog) < s->agblocks ||
	    (s->agblklog && (1ull << (s->agblklog - 1)) >= s->agblocks))
		refuse(d, "inconsistent allocation group geometry");
	/* XFS_FSB_TO_DADDR of sb_logstart; the internal log lies in one AG */
	mask = (1ull << s->agblklog) - 1;
	agno = s->logstart >> s->agblklog;
	agbno = s->logstart & mask;
	if (agno >= s->agcount || agbno + s->logblocks > s->agblocks ||
	    (agno * s->agblocks + agbno + s->logblocks) > s->dblocks)
		refuse(d, "the log lies outside the filesystem");
	*logoff = (agno * s->agblocks + agbno) * s->blocksize;
	*loglen = (uint64_t)s->logblocks * s->blocksize;
	return 0;
}

/* The UUID state every AG superblock must share with the primary. */
static int
same_identity(const unsigned char *a, const unsigned char *b)
{
	uint32_t fa = rs_be32(a + SB_INCOMPAT) & INCOMPAT_META_UUID;
	uint32_t fb = rs_be32(b + SB_INCOMPAT) & INCOMPAT_META_UUID;

	return !memcmp(a + SB_UUID, b + SB_UUID, 16) && fa == fb &&
	    (!fa || !memcmp(a + SB_META_UUID, b + SB_META_UUID, 16));
}

/* Read AG ag's superblock into b and check it against the primary p; with
 * pl (p as the change makes it, or NULL), a copy that already carries pl's
 * UUID is accepted too: an interrupted run patched it (formats.md §2.10),
 * and xfs_repair may have reset its feature bits since.  *done counts
 * those.  Returns 0 or -ECANCELED (logged) or -errno. */
static int
ag_read(rs_blkdev *d, const xsb *s, uint32_t ag, const unsigned char *p, const unsigned char *pl,
    unsigned char *b, unsigned *done)
{
	char why[128];
	xsb t;
	int r;

	r = sb_read(d, (uint64_t)ag * s->agblocks * s->blocksize, b, &t, why, sizeof why);
	if (r == -ENOENT)
		refuse(d, "no superblock in allocation group %u (run xfs_repair)", ag);
	if (r == -EUCLEAN)
		refuse(d, "allocation group %u: %s (run xfs_repair)", ag, why);
	if (r < 0)
		return r;
	if (t.sectsize == s->sectsize && t.v5 && pl && !memcmp(b + SB_UUID, pl + SB_UUID, 16) &&
	    !same_identity(b, p)) {
		++*done;
		return 0;
	}
	if (t.sectsize != s->sectsize || !t.v5 || !same_identity(b, p)) {
		char u[37];

		rs_uuid_fmt(u, b + SB_UUID);
		refuse(d, "the superblock of allocation group %u (UUID %s) matches neither the primary "
		    "nor the planned UUID (an interrupted change to %s? else run xfs_repair)", ag, u, u);
	}
	return 0;
}

/* META_UUID (2.4), then sb_uuid, then sb_crc. */
static void
sb_patch(unsigned char *b, unsigned sectsize, const unsigned char *uuid)
{
	uint32_t inc = rs_be32(b + SB_INCOMPAT);
	unsigned char meta[16];

	memcpy(meta, (inc & INCOMPAT_META_UUID) ? b + SB_META_UUID : b + SB_UUID, 16);
	if (!memcmp(meta, uuid, 16)) {
		/* back to the UUID the metadata carries: as xfs_db, clear both */
		inc &= ~(uint32_t)INCOMPAT_META_UUID;
		memset(b + SB_META_UUID, 0, 16);
	} else {
		inc |= INCOMPAT_META_UUID;
		memcpy(b + SB_META_UUID, meta, 16);
	}
	rs_put_be32(b + SB_INCOMPAT, inc);
	memcpy(b + SB_UUID, uuid, 16);
	rs_put_le32(b + SB_CRC, sb_crc(b, sectsize));
}

/* The simulated log after is what the write planned on l must give: clean,
 * every header the kernel examines acceptable with sb_uuid sbu, the record
 * before the head ours (carrying ru), head and cycle as planned.  (uuid_ok
 * has its record's UUID in after->uuid.) */
static int
log_as_planned(const rs_xlog_state *after, const unsigned char *ru, int64_t head, uint32_t cycle)
{
	return after->clean && after->uuid_ok && !memcmp(after->uuid, ru, 16) &&
	    after->head == head && after->cycle == cycle;
}

/* Pick the log write: one unmount record carrying ru at the head (2.9),
 * simulated first against sb_uuid sbu; if the kernel would not find it, the
 * whole log (2.7).  Sets the plan on l, *head and *cycle to what the log must
 * show afterwards.  Returns 0 or -ECANCELED (logged) or -errno. */
static int
plan_log(rs_blkdev *d, rs_xlog *l, const rs_xlog_state *st, const unsigned char *sbu,
    const unsigned char *ru, int64_t *head, uint32_t *cycle)
{
	rs_xlog_state after;
	int r;

	rs_xlog_plan_unmount(l, st->head, st->cycle, ru);
	*head = (st->head + l->reclen) % l->nbb;
	*cycle = st->cycle + (st->head + l->reclen >= l->nbb);
	if ((r = rs_xlog_check(l, sbu, &after)) < 0)
		return r;
	if (log_as_planned(&after, ru, *head, *cycle))
		return 0;
	/* Typically a log written by xfs_admin -U (zero blocks after its
	 * first record) that was never mounted since: the kernel would still
	 * find the head at block 0 and the old-UUID record before it. */
	if (after.clean && (!after.uuid_ok || memcmp(after.uuid, ru, 16)))
		snprintf(after.why, sizeof after.why, "the record before the head at block %lld "
		    "would not be the new one", (long long)after.rec);
	else if (after.clean)
		snprintf(after.why, sizeof after.why, "the head would be at block %lld, not %lld",
		    (long long)after.head, (long long)*head);
	rs_warn("xfs on %s: one record at log block %lld would not be found by the kernel (%s); "
	    "rewriting the whole log (%lld KiB) instead", d->path, (long long)st->head,
	    after.why, (long long)l->nbb / 2);
	if (rs_xlog_plan_full(l, st->cycle + 1, ru) < 0)
		refuse(d, "the log cannot be rewritten (odd length): mount and unmount it once");
	*head = l->reclen;
	*cycle = st->cycle + 1;
	if ((r = rs_xlog_check(l, sbu, &after)) < 0)
		return r;
	if (!log_as_planned(&after, ru, *head, *cycle))
		refuse(d, "no log write found that the kernel would accept: mount and unmount it once");
	return 0;
}

/* Give the copy b the identity of pl (UUID, META_UUID bit, sb_meta_uuid),
 * then its CRC. */
static void
sb_take_identity(unsigned char *b, unsigned sectsize, const unsigned char *pl)
{
	uint32_t inc = rs_be32(b + SB_INCOMPAT) & ~(uint32_t)INCOMPAT_META_UUID;

	rs_put_be32(b + SB_INCOMPAT, inc | (rs_be32(pl + SB_INCOMPAT) & INCOMPAT_META_UUID));
	memcpy(b + SB_UUID, pl + SB_UUID, 16);
	memcpy(b + SB_META_UUID, pl + SB_META_UUID, 16);
	rs_put_le32(b + SB_CRC, sb_crc(b, sectsize));
}

/* Plan the superblock writes, secondaries first, a flush, the primary (p)
 * last, so that a primary with the new UUID implies all copies have it
 * (formats.md §2.10); each copy re-read and re-checked against p or pl (p
 * patched by sb_patch), each then given pl's identity.  ag: scratch of
 * SB_MAX. */
static int
plan_sbs(rs_blkdev *d, const xsb *s, const unsigned char *p, const unsigned char *pl,
    unsigned char *ag, rs_blk_plan *plan)
{
	unsigned done = 0;
	uint32_t a;
	int r;

	for (a = s->agcount; a-- > 0;) {
		if ((r = ag_read(d, s, a, p, a ? pl : NULL, ag, &done)) < 0)
			return r;
		sb_take_identity(ag, s->sectsize, pl);
		if (a == 0)
			rs_blk_plan_sync(plan);
		rs_blk_plan_add(plan, (uint64_t)a * s->agblocks * s->blocksize, ag, s->sectsize);
	}
	return 0;
}

/* Step 3 of formats.md §2.10: the record before the head (at rec), which
 * carries the nil UUID, gets the new one: the one log sector holding its
 * header is patched.  full: the step-1 plan when this run rewrote the whole
 * log (§2.7), written once more with the new UUID in every record, else
 * NULL.  Either way the log ends up as a change in one step would leave it.
 * Then a sync and the final check against head and cycle. */
static int
finish_log(rs_blkdev *d, rs_xlog *log, rs_xlog *full, int64_t rec, const unsigned char *uuid,
    int64_t head, uint32_t cycle)
{
	rs_xlog_state after;
	char news[37];
	int r;

	rs_uuid_fmt(news, uuid);
	if (full) {
		memcpy(full->ov_uuid, uuid, 16);
		r = rs_xlog_write(full);
	} else {
		r = rs_xlog_set_rec_uuid(log, rec, uuid);
	}
	if (r == -EINVAL)
		r = -EIO;
	if (r < 0 || (r = rs_blk_sync(d)) < 0) {
		rs_err("xfs on %s: writing the new UUID into the log failed (%s); the log keeps a nil "
		    "UUID, which the kernel mounts: rerun with %s to finish", d->path, rs_strerr(r),
		    news);
		return r;
	}
	if ((r = rs_xlog_check(log, uuid, &after)) < 0)
		return r;
	if (!after.clean || !after.uuid_ok || after.nil || after.head != head || after.cycle != cycle) {
		rs_err("xfs on %s: the log does not read back clean with the new UUID", d->path);
		return -EIO;
	}
	return 0;
}

/* The superblocks already carry uuid: done, unless the log head still
 * carries the nil UUID of step 1 (formats.md §2.10), then step 3. */
static int
finish_or_done(rs_blkdev *d, rs_xlog *log, const unsigned char *uuid, const char *news)
{
	rs_xlog_state st;
	int r;

	if ((r = rs_xlog_check(log, uuid, &st)) < 0)
		return r;
	if (st.clean && st.uuid_ok && st.nil) {
		rs_info("xfs on %s: the superblocks carry %s and the log record at block %lld a nil "
		    "UUID: finishing an interrupted change", d->path, news, (long long)st.rec);
		return finish_log(d, log, NULL, st.rec, uuid, st.head, st.cycle);
	}
	rs_info("xfs on %s already has UUID %s", d->path, news);
	return 0;
}

/* see blk.h */
int
rs_xfs_set_uuid(rs_blkdev *d, const unsigned char *uuid)
{
	static const unsigned char nil[16];
	unsigned char sb[SB_MAX], pl[SB_MAX], ag[SB_MAX], old[16];
	rs_blk_plan plan = { 0 };
	char why[128], olds[37], news[37], logs[37];
	uint64_t logoff, loglen;
	int64_t want_head = 0;
	uint32_t want_cycle = 0, a;
	unsigned done = 0;
	rs_xlog log, again;
	rs_xlog_state st;
	int r, resume = 0, step1 = 0;
	xsb s;

	r = sb_read(d, 0, sb, &s, why, sizeof why);
	if (r == -ENOENT)
		refuse(d, "no XFS superblock");
	if (r == -EUCLEAN)
		refuse(d, "%s", why);
	if (r < 0)
		return r;
	if ((r = check_primary(d, &s, &logoff, &loglen)) < 0)
		return r;
	memcpy(old, sb + SB_UUID, 16);
	rs_uuid_fmt(olds, old);
	rs_uuid_fmt(news, uuid);
	memcpy(pl, sb, s.sectsize);
	sb_patch(pl, s.sectsize, uuid);
	/* Every copy is verified before anything is written.  A secondary
	 * that already looks as the change makes it was patched by an
	 * interrupted run (the primary is written last). */
	for (a = 1; a < s.agcount; a++)
		if ((r = ag_read(d, &s, a, sb, pl, ag, &done)) < 0)
			return r;
	if (rs_xlog_init(&log, d, logoff, loglen, s.logsunit,
	    s.logsectsize ? s.logsectsize : 512) < 0)
		refuse(d, "log geometry not supported (%llu bytes, stripe unit %u, sector %u)",
		    (unsigned long long)loglen, s.logsunit, s.logsectsize);
	if (!memcmp(old, uuid, 16))
		return finish_or_done(d, &log, uuid, news);
	if (done)
		rs_info("xfs on %s: %u of %u secondary superblocks already carry %s; resuming an "
		    "interrupted change", d->path, done, s.agcount - 1, news);
	if ((r = rs_xlog_check(&log, old, &st)) < 0)
		return r;
	if (!st.uuid_ok) {
		rs_uuid_fmt(logs, st.uuid);
		if (st.clean && !memcmp(st.uuid, uuid, 16)) {
			/* A run of an older reseal wrote the new UUID into the
			 * log first and stopped before the superblocks (the
			 * window formats.md §2.10 closes): finish it. */
			if ((r = rs_xlog_check(&log, uuid, &st)) < 0)
				return r;
			if (!st.clean || !st.uuid_ok)
				refuse(d, "the log carries %s but is not clean", news);
			rs_info("xfs on %s: the log already carries %s; finishing an interrupted change",
			    d->path, news);
			resume = 1;
		} else {
			refuse(d, "the log record at block %lld carries UUID %s, not the superblock's %s "
			    "(the kernel would refuse to mount it too)", (long long)st.rec, logs, olds);
		}
	}
	if (!st.clean)
		refuse(d, "the log is dirty (%s): mount and unmount it once, or run xfs_repair",
		    st.why);
	if (!resume && st.nil) {
		rs_info("xfs on %s: the log record at block %lld carries a nil UUID (an interrupted "
		    "change, or an IRIX log): going on with the superblocks", d->path, (long long)st.rec);
		want_head = st.head;
		want_cycle = st.cycle;
	} else if (!resume) {
		if (st.head % ((s.logsectsize ? s.logsectsize : 512) / RS_XLOG_BB))
			refuse(d, "the log head (block %lld) is not on a log sector boundary",
			    (long long)st.head);
		/* Step 1: the record with the nil UUID. */
		if ((r = plan_log(d, &log, &st, old, nil, &want_head, &want_cycle)) < 0)
			return r;
		if ((r = rs_xlog_write(&log)) < 0 || (r = rs_blk_sync(d)) < 0) {
			rs_err("xfs on %s: writing the log record failed (%s); the superblocks keep %s, "
			    "which the kernel mounts with that log (formats.md §2.10)", d->path,
			    rs_strerr(r), olds);
			return r;
		}
		again = log;
		rs_xlog_plan_none(&log);
		step1 = 1;
	}
	/* Step 2: the superblocks, planned only now, re-read after the log
	 * write.  A copy refused now finds the log written already: that is
	 * no longer a refusal with nothing written (blk.h) but a failure. */
	r = plan_sbs(d, &s, sb, pl, ag, &plan);
	if (r == -ECANCELED && step1)
		r = -EIO;
	if ((r = rs_blk_apply(d, &plan, r, "xfs")) < 0) {
		if (r != -ECANCELED)
			rs_err("xfs on %s: writing the superblocks failed (%s); the log carries %s, "
			    "which the kernel mounts with either UUID: rerun with %s to finish",
			    d->path, rs_strerr(r), resume ? news : "a nil UUID", news);
		return r;
	}
	if (resume) {
		if ((r = rs_xlog_check(&log, uuid, &st)) < 0)
			return r;
		if (!st.clean || !st.uuid_ok || st.nil) {
			rs_err("xfs on %s: the log does not read back clean with the new UUID", d->path);
			return -EIO;
		}
		return 0;
	}
	/* Step 3: the new UUID into that record. */
	if (step1)
		return finish_log(d, &log, again.ov == RS_XLOG_OV_FULL ? &again : NULL,
		    again.ov_blk, uuid, want_head, want_cycle);
	return finish_log(d, &log, NULL, st.rec, uuid, want_head, want_cycle);
}
