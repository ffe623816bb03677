/* xfs_log.c: reading and writing the internal XFS log for a UUID change
 * (docs/formats.md §2.6, §2.7, §2.9).  The head and tail search follows
 * fs/xfs/xfs_log_recover.c (xlog_find_head, xlog_find_tail) step by step,
 * because what matters is what the kernel will conclude at the next mount. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"
#include "xfs_log.h"

#define BB            RS_XLOG_BB
#define XLOG_MAGIC    0xFEEDBABEu
#define XLOG_HDR_DATA 32768u      /* data bytes whose cycle words one header block holds */
#define XLOG_UNMOUNT  0x20        /* oh_flags: XLOG_UNMOUNT_TRANS */
#define OH_TID        0xB0C0D0D0u /* libxfs's "written from userspace" transaction id */
#define CHUNK_BB      64          /* blocks per read or write through a chunk buffer */

/* Record header fields, offsets from the header block (formats.md §2.7 table). */
#define H_CYCLE   0x04
#define H_VERSION 0x08
#define H_LEN     0x0C
#define H_LSN     0x10
#define H_TAIL    0x18
#define H_PREV    0x24
#define H_NUMOPS  0x28
#define H_CDATA   0x2C
#define H_FMT     0x12C
#define H_UUID    0x130
#define H_SIZE    0x140

static uint32_t
blk_cycle(const unsigned char *b)
{
	return rs_be32(b) == XLOG_MAGIC ? rs_be32(b + H_CYCLE) : rs_be32(b);
}

/* Header blocks of a record: xlog_logrec_hblks(). */
static int64_t
hdr_blocks(const unsigned char *h)
{
	uint32_t size = rs_be32(h + H_SIZE);

	if ((rs_be32(h + H_VERSION) & 2) && size > XLOG_HDR_DATA)
		return (int64_t)(((uint64_t)size + XLOG_HDR_DATA - 1) / XLOG_HDR_DATA);
	return 1;
}

static int64_t
rec_blocks(const unsigned char *h)
{
	return hdr_blocks(h) + (int64_t)(((uint64_t)rs_be32(h + H_LEN) + BB - 1) / BB);
}

/* Header blocks of a record of nbb blocks as libxfs_log_header() lays it
 * out: the stripe unit is the whole record when it exceeds 2 blocks. */
static uint32_t
new_hdrs(uint32_t nbb)
{
	uint32_t sunit = nbb > 2 ? nbb * BB : 0;

	return sunit > XLOG_HDR_DATA ? (sunit + XLOG_HDR_DATA - 1) / XLOG_HDR_DATA : 1;
}

/* Block k of an nbb-block unmount record (libxfs_log_header + unmount_record):
 * header, extended headers, the unmount op, then zero blocks; every
 * non-header block starts with the cycle, and the op block's displaced first
 * word (oh_tid) sits in h_cycle_data[0]. */
static void
rec_block(unsigned char *b, uint32_t k, uint32_t nbb, uint32_t cycle, uint32_t blk,
    uint32_t tail_cycle, uint32_t tail_blk, const unsigned char *uuid)
{
	uint32_t hdrs = new_hdrs(nbb), sunit = nbb > 2 ? nbb * BB : 0;

	memset(b, 0, BB);
	if (k == 0) {
		rs_put_be32(b, XLOG_MAGIC);
		rs_put_be32(b + H_CYCLE, cycle);
		rs_put_be32(b + H_VERSION, 2);
		rs_put_be32(b + H_LEN, (nbb - hdrs) * BB);
		rs_put_be32(b + H_LSN, cycle);
		rs_put_be32(b + H_LSN + 4, blk);
		rs_put_be32(b + H_TAIL, tail_cycle);
		rs_put_be32(b + H_TAIL + 4, tail_blk);
		/* h_crc stays 0 as libxfs writes it: the kernel only checks CRCs
		 * of a dirty log, and accepts 0 ("mkfs always sets old_crc to 0"). */
		rs_put_be32(b + H_PREV, 0xFFFFFFFFu);
		rs_put_be32(b + H_NUMOPS, 1);
		rs_put_be32(b + H_CDATA, OH_TID);
		rs_put_be32(b + H_FMT, 1);                  /* XLOG_FMT_LINUX_LE */
		memcpy(b + H_UUID, uuid, 16);
		rs_put_be32(b + H_SIZE, sunit > XLOG_HDR_DATA ? sunit : XLOG_HDR_DATA);
		return;
	}
	rs_put_be32(b, cycle);                              /* xh_cycle or the cycle stamp */
	if (k == hdrs) {
		rs_put_be32(b + 4, 8);                      /* oh_len */
		b[8] = 0xAA;                                /* oh_clientid: XFS_LOG */
		b[9] = XLOG_UNMOUNT;                        /* oh_flags */
		b[12] = 0x6E;                               /* XLOG_UNMOUNT_TYPE 0x556E, */
		b[13] = 0x55;                               /* little-endian as h_fmt says */
	}
}

/* If the planned write covers log block i, put its content in b; returns 1
 * then, else 0. */
static int
plan_block(const rs_xlog *l, int64_t i, unsigned char *b)
{
	uint32_t c = l->ov_cycle;

	if (l->ov == RS_XLOG_OV_UNMOUNT) {
		int64_t k = i - l->ov_blk;

		if (k < 0)
			k += l->nbb;
		if (k >= (int64_t)l->reclen)
			return 0;
		rec_block(b, (uint32_t)k, l->reclen, c, (uint32_t)l->ov_blk, c,
		    (uint32_t)l->ov_blk, l->ov_uuid);
		/* A record split at the end of the log: the kernel stamps the
		 * part written at block 0 with the next cycle (xlog_split_iclog). */
		if (l->ov_blk + k >= l->nbb)
			rs_put_be32(b, c + 1);
		return 1;
	}
	if (l->ov == RS_XLOG_OV_FULL) {
		int64_t start, len;

		if (i < (int64_t)l->reclen) {
			rec_block(b, (uint32_t)i, l->reclen, c, 0, c - 1,
			    (uint32_t)(l->nbb - l->reclen), l->ov_uuid);
			return 1;
		}
		/* filler: 256 KiB records of the previous cycle, so that the
		 * head search sees exactly two cycle values (formats.md §2.7) */
		start = l->reclen + (i - l->reclen) / RS_XLOG_REC_BB * RS_XLOG_REC_BB;
		len = l->nbb - start < RS_XLOG_REC_BB ? l->nbb - start : RS_XLOG_REC_BB;
		rec_block(b, (uint32_t)(i - start), (uint32_t)len, c - 1, (uint32_t)start, c - 1,
		    (uint32_t)(start - len), l->ov_uuid);
		return 1;
	}
	return 0;
}

/* count blocks from block i (i + count <= nbb), as they would be after the
 * planned write. */
static int
xread(rs_xlog *l, int64_t i, int count, unsigned char *buf)
{
	int k, r;

	if (l->ov != RS_XLOG_OV_FULL) {
		l->reads++;
		r = rs_blk_read(l->dev, buf, (size_t)count * BB, l->off + (uint64_t)i * BB);
		if (r < 0)
			return r;
	}
	for (k = 0; k < count; k++)
		plan_block(l, i + k, buf + (size_t)k * BB);
	return 0;
}

static int
cycle_at(rs_xlog *l, int64_t i, uint32_t *c)
{
	unsigned char b[BB];
	int r = xread(l, i, 1, b);

	if (r == 0)
		*c = blk_cycle(b);
	return r;
}

/* xlog_find_cycle_start: binary search in (first, *last] for the first block
 * carrying cycle; one single-block read per step. */
static int
find_cycle_start(rs_xlog *l, int64_t first, int64_t *last, uint32_t cycle)
{
	int64_t end = *last, mid = (first + end) >> 1;
	uint32_t c;
	int r;

	while (mid != first && mid != end) {
		if ((r = cycle_at(l, mid, &c)) < 0)
			return r;
		if (c == cycle)
			end = mid;
		else
			first = mid;
		mid = (first + end) >> 1;
	}
	*last = end;
	return 0;
}

/* xlog_find_verify_cycle: the first block in [start, start+count) whose cycle
 * is stop, or -1. */
static int
verify_cycle(rs_xlog *l, int64_t start, int64_t count, uint32_t stop, int64_t *found)
{
	unsigned char buf[CHUNK_BB * BB];
	int64_t i, j;
	int r;

	*found = -1;
	for (i = start; i < start + count; i += CHUNK_BB) {
		int n = (int)(start + count - i < CHUNK_BB ? start + count - i : CHUNK_BB);

		if ((r = xread(l, i, n, buf)) < 0)
			return r;
		for (j = 0; j < n; j++)
			if (blk_cycle(buf + j * BB) == stop) {
				*found = i + j;
				return 0;
			}
	}
	return 0;
}

/* The last record header in [low, from): its block in *at and a copy in h.
 * Returns 1 if found, 0 if not, or -errno. */
static int
hdr_back(rs_xlog *l, int64_t from, int64_t low, int64_t *at, unsigned char *h)
{
	unsigned char buf[CHUNK_BB * BB];
	int64_t i = from, j;
	int r;

	while (i > low) {
		int64_t s = i - CHUNK_BB > low ? i - CHUNK_BB : low;

		if ((r = xread(l, s, (int)(i - s), buf)) < 0)
			return r;
		for (j = i - 1; j >= s; j--)
			if (rs_be32(buf + (j - s) * BB) == XLOG_MAGIC) {
				*at = j;
				memcpy(h, buf + (j - s) * BB, BB);
				return 1;
			}
		i = s;
	}
	return 0;
}

static int
is_nil(const unsigned char *u)
{
	static const unsigned char zero[16];

	return !memcmp(u, zero, 16);
}

static void
check_uuid(rs_xlog_state *st, const unsigned char *h, const unsigned char *uuid)
{
	/* The kernel compares h_fs_uuid with sb_uuid on the header before the
	 * head (xlog_header_check_mount) and accepts a nil UUID ("IRIX style
	 * log"): the change writes one first (formats.md §2.10). */
	if (st->uuid_ok && !is_nil(h + H_UUID) && memcmp(h + H_UUID, uuid, 16)) {
		st->uuid_ok = 0;
		memcpy(st->uuid, h + H_UUID, 16);
	}
}

/* xlog_find_verify_log_record: look back from *last (not below start) for the
 * record header before it; if that record does not end at *last (counting
 * extra blocks seen earlier at the start of the log), move *last to it.
 * Returns 0, 1 when block 0 was passed without a header, -EUCLEAN when no
 * header lies in [start, *last), or -errno. */
static int
verify_record(rs_xlog *l, int64_t start, int64_t *last, int64_t extra, const unsigned char *uuid,
    rs_xlog_state *st)
{
	unsigned char h[BB];
	int64_t at;
	int r = hdr_back(l, *last, start, &at, h);

	if (r < 0)
		return r;
	if (r == 0) {
		if (start == 0)
			return 1;
		snprintf(st->why, sizeof st->why, "no record header before block %lld",
		    (long long)*last);
		return -EUCLEAN;
	}
	check_uuid(st, h, uuid);
	if (*last - at + extra != rec_blocks(h))
		*last = at;
	return 0;
}

/* xlog_find_head.  Returns 0 with *head set, -EUCLEAN (st->why) where the
 * kernel would fail the mount, or -errno. */
static int
find_head(rs_xlog *l, const unsigned char *uuid, rs_xlog_state *st, int64_t *head)
{
	int64_t n = l->nbb, h, start, found, num;
	uint32_t first, last, stop;
	int r;

	/* Set on every path: gcc at -O1 without sanitizers cannot see that
	 * the caller reads *head only after a 0 return. */
	*head = 0;
	if ((r = cycle_at(l, 0, &first)) < 0 || (r = cycle_at(l, n - 1, &last)) < 0)
		return r;
	if (first == 0) {
		snprintf(st->why, sizeof st->why, "the log is all zeros (never written)");
		return -EUCLEAN;
	}
	if (last == 0) {
		/* xlog_find_zeroed: the log has not wrapped yet; the head is
		 * the first zero block.  Zeros at the end after a first cycle
		 * other than 1 make the kernel call it "not a log". */
		if (first != 1) {
			snprintf(st->why, sizeof st->why, "zero blocks at the end of a cycle-%u log",
			    first);
			return -EUCLEAN;
		}
		h = n - 1;
		if ((r = find_cycle_start(l, 0, &h, 0)) < 0)
			return r;
		num = h < RS_XLOG_TOTAL_BB ? h : RS_XLOG_TOTAL_BB;
		start = h - num;
		if ((r = verify_cycle(l, start, num, 0, &found)) < 0)
			return r;
		if (found != -1)
			h = found;
		r = verify_record(l, start, &h, 0, uuid, st);
		if (r == 1) {
			snprintf(st->why, sizeof st->why, "no record header before the head");
			r = -EUCLEAN;
		}
		*head = h;
		return r;
	}
	if (first == last) {
		/* one cycle everywhere: the head is at the end (block 0),
		 * unless a hole of the previous cycle says otherwise */
		h = n;
		stop = last - 1;
	} else {
		stop = last;
		h = n - 1;
		if ((r = find_cycle_start(l, 0, &h, last)) < 0)
			return r;
	}
	num = n < RS_XLOG_TOTAL_BB ? n : RS_XLOG_TOTAL_BB;
	if (h >= num) {
		if ((r = verify_cycle(l, h - num, num, stop, &found)) < 0)
			return r;
		if (found != -1)
			h = found;
	} else {
		if ((r = verify_cycle(l, n - (num - h), num - h, stop - 1, &found)) < 0)
			return r;
		if (found != -1) {
			h = found;
			goto validate;
		}
		if ((r = verify_cycle(l, 0, h, stop, &found)) < 0)
			return r;
		if (found != -1)
			h = found;
	}
validate:
	num = RS_XLOG_REC_BB;
	if (h >= num) {
		r = verify_record(l, h - num, &h, 0, uuid, st);
		if (r == 1)
			r = -EUCLEAN;
		if (r < 0)
			return r;
	} else {
		r = verify_record(l, 0, &h, 0, uuid, st);
		if (r < 0)
			return r;
		if (r == 1) {
			int64_t nb = n;

			r = verify_record(l, n - (num - h), &nb, h, uuid, st);
			if (r == 1) {
				snprintf(st->why, sizeof st->why, "no record header before the head");
				r = -EUCLEAN;
			}
			if (r < 0)
				return r;
			if (nb != n)
				h = nb;
		}
	}
	*head = h == n ? 0 : h;
	return 0;
}

/* Every block of the record at rec after its header carries the record's
 * cycle (cycle + 1 past the physical end): a torn multi-sector write
 * would show an older cycle somewhere. */
static int
rec_cycles_ok(rs_xlog *l, int64_t rec, int64_t total, uint32_t cycle, int *ok)
{
	unsigned char buf[CHUNK_BB * BB];
	int64_t k = 1;
	int r;

	*ok = 1;
	while (k < total) {
		int64_t b = rec + k, p = b % l->nbb;
		int64_t cnt = total - k;
		int64_t j;

		if (cnt > CHUNK_BB)
			cnt = CHUNK_BB;
		if (p + cnt > l->nbb)
			cnt = l->nbb - p;
		if ((r = xread(l, p, (int)cnt, buf)) < 0)
			return r;
		for (j = 0; j < cnt; j++)
			if (rs_be32(buf + j * BB) != cycle + (b + j >= l->nbb)) {
				*ok = 0;
				return 0;
			}
		k += cnt;
	}
	return 0;
}

/* see xfs_log.h */
int
rs_xlog_check(rs_xlog *l, const unsigned char uuid[16], rs_xlog_state *st)
{
	unsigned char h[BB], op[BB];
	int64_t head, rec = 0, total, after, lim;
	uint32_t cyc;
	int r, found, ok;

	memset(st, 0, sizeof *st);
	st->uuid_ok = 1;
	r = find_head(l, uuid, st, &head);
	if (r == -EUCLEAN)
		return 0;
	if (r < 0)
		return r;
	st->head = head;

	/* xlog_find_tail: the last record header before the head, wrapping
	 * to the end of the log.  The kernel searches without limit; a record
	 * that ends at the head is at most RS_XLOG_REC_BB long, so a header
	 * further back means "not clean" and we stop looking. */
	lim = l->nbb - 1 < RS_XLOG_REC_BB ? l->nbb - 1 : RS_XLOG_REC_BB;
	found = hdr_back(l, head, head - lim > 0 ? head - lim : 0, &rec, h);
	if (found == 0 && head < lim)
		found = hdr_back(l, l->nbb, l->nbb - (lim - head), &rec, h);
	if (found < 0)
		return found;
	if (!found) {
		snprintf(st->why, sizeof st->why, "no record header within %lld blocks before the head",
		    (long long)lim);
		return 0;
	}
	check_uuid(st, h, uuid);
	st->rec = rec;
	st->nil = is_nil(h + H_UUID);
	cyc = rs_be32(h + H_CYCLE);
	st->cycle = cyc + (rec >= head);   /* found by wrapping: the head is in the next cycle */
	if (st->uuid_ok)
		memcpy(st->uuid, h + H_UUID, 16);

	total = rec_blocks(h);
	after = (rec + total) % l->nbb;
	if (cyc == 0 || cyc >= 0x7FFFFFF0u) {
		snprintf(st->why, sizeof st->why, "record cycle %u out of range", cyc);
		return 0;
	}
	if (rs_be32(h + H_VERSION) != 2 || rs_be32(h + H_LEN) == 0 || total > RS_XLOG_REC_BB) {
		snprintf(st->why, sizeof st->why, "record header at block %lld is not a v2 record",
		    (long long)rec);
		return 0;
	}
	if (rs_be32(h + H_LSN) != cyc || rs_be32(h + H_LSN + 4) != (uint32_t)rec) {
		snprintf(st->why, sizeof st->why, "record at block %lld has the LSN of another place",
		    (long long)rec);
		return 0;
	}
	/* xlog_check_unmount_rec */
	if (after != head || rs_be32(h + H_NUMOPS) != 1) {
		snprintf(st->why, sizeof st->why,
		    "the last record (block %lld) is not a lone unmount record ending at the head (%lld)",
		    (long long)rec, (long long)head);
		return 0;
	}
	if ((r = xread(l, (rec + hdr_blocks(h)) % l->nbb, 1, op)) < 0)
		return r;
	if (!(op[9] & XLOG_UNMOUNT)) {
		snprintf(st->why, sizeof st->why, "the last record (block %lld) is not an unmount record",
		    (long long)rec);
		return 0;
	}
	if ((r = rec_cycles_ok(l, rec, total, cyc, &ok)) < 0)
		return r;
	if (!ok) {
		snprintf(st->why, sizeof st->why, "the last record (block %lld) is torn", (long long)rec);
		return 0;
	}
	st->clean = 1;
	return 0;
}

/* see xfs_log.h */
int
rs_xlog_init(rs_xlog *l, rs_blkdev *d, uint64_t off, uint64_t len, uint32_t logsunit,
    uint32_t logsect)
{
	memset(l, 0, sizeof *l);
	l->dev = d;
	l->off = off;
	if (len % BB || len / BB < RS_XLOG_MIN_BB || len / BB > RS_XLOG_MAX_BB)
		return -EINVAL;
	if (off > d->size || len > d->size - off)
		return -EINVAL;
	l->nbb = (int64_t)(len / BB);
	/* libxfs: a record is max(2, BTOBB(sunit)) blocks; sunit 0 or 1 means none */
	if (logsunit <= 1)
		l->reclen = 2;
	else if (logsunit % BB == 0 && logsunit <= RS_XLOG_REC_BB * BB)
		l->reclen = logsunit / BB < 2 ? 2 : logsunit / BB;
	else
		return -EINVAL;
	/* Log I/O is in log sectors: our record must fill whole ones. */
	if (logsect < BB || logsect > 32768 || (logsect & (logsect - 1)) ||
	    l->reclen % (logsect / BB) || l->nbb % (logsect / BB))
		return -EINVAL;
	l->sectbb = logsect / BB;
	return 0;
}

/* see xfs_log.h */
void
rs_xlog_plan_unmount(rs_xlog *l, int64_t head, uint32_t c, const unsigned char uuid[16])
{
	l->ov = RS_XLOG_OV_UNMOUNT;
	l->ov_blk = head;
	l->ov_cycle = c;
	memcpy(l->ov_uuid, uuid, 16);
}

/* see xfs_log.h */
int
rs_xlog_plan_full(rs_xlog *l, uint32_t c, const unsigned char uuid[16])
{
	/* a 1-block filler record cannot be formed */
	if (c < 2 || (l->nbb - l->reclen) % RS_XLOG_REC_BB == 1)
		return -EINVAL;
	l->ov = RS_XLOG_OV_FULL;
	l->ov_blk = 0;
	l->ov_cycle = c;
	memcpy(l->ov_uuid, uuid, 16);
	return 0;
}

/* see xfs_log.h */
void
rs_xlog_plan_none(rs_xlog *l)
{
	l->ov = RS_XLOG_OV_NONE;
}

/* Write blocks [i, i+count) (no wrap) of the plan. */
static int
write_range(rs_xlog *l, int64_t i, int64_t count)
{
	unsigned char buf[CHUNK_BB * BB];
	int r;

	while (count > 0) {
		int n = (int)(count < CHUNK_BB ? count : CHUNK_BB), k;

		for (k = 0; k < n; k++)
			if (!plan_block(l, i + k, buf + (size_t)k * BB))
				return -EINVAL;
		r = rs_blk_write(l->dev, buf, (size_t)n * BB, l->off + (uint64_t)i * BB);
		if (r < 0)
			return r;
		i += n;
		count -= n;
	}
	return 0;
}

/* see xfs_log.h */
int
rs_xlog_write(rs_xlog *l)
{
	int64_t first;
	int r;

	if (l->ov == RS_XLOG_OV_FULL)
		return write_range(l, 0, l->nbb);
	if (l->ov != RS_XLOG_OV_UNMOUNT)
		return 0;
	first = l->nbb - l->ov_blk < (int64_t)l->reclen ? l->nbb - l->ov_blk : (int64_t)l->reclen;
	if ((r = write_range(l, l->ov_blk, first)) < 0)
		return r;
	return write_range(l, 0, (int64_t)l->reclen - first);
}

/* see xfs_log.h */
int
rs_xlog_set_rec_uuid(rs_xlog *l, int64_t rec, const unsigned char uuid[16])
{
	unsigned char buf[CHUNK_BB * BB];
	int64_t first;
	int r;

	if (l->sectbb == 0 || l->sectbb > CHUNK_BB || rec < 0 || rec >= l->nbb)
		return -EINVAL;
	first = rec - rec % l->sectbb;
	r = rs_blk_read(l->dev, buf, (size_t)l->sectbb * BB, l->off + (uint64_t)first * BB);
	if (r < 0)
		return r;
	if (rs_be32(buf + (rec - first) * BB) != XLOG_MAGIC)
		return -EINVAL;
	memcpy(buf + (rec - first) * BB + H_UUID, uuid, 16);
	return rs_blk_write(l->dev, buf, (size_t)l->sectbb * BB, l->off + (uint64_t)first * BB);
}
