/* xfs_log.h: the internal XFS log, as far as a UUID change needs it
 * (docs/formats.md §2.6 clean-log test, §2.7 full rewrite, §2.9 one
 * unmount record at the head).  Used by xfs.c only.
 *
 * The log is addressed in 512-byte basic blocks (BB), 0 .. nbb-1.  All
 * reads go through a small chunk buffer: finding the head costs a binary
 * search (about log2(nbb) single-block reads) plus fixed windows the
 * kernel also scans (at most XLOG_TOTAL_REC = 4096 BB behind the head,
 * XLOG_REC = 512 BB for the last record header), so the work does not
 * grow with the size of the log.
 *
 * A planned write is first applied as an "overlay": every read returns
 * what the log would hold after the write, so the same clean-log test can
 * judge the result before a byte is written (2.9 step 4). */
#ifndef RS_XFS_LOG_H
#define RS_XFS_LOG_H

#include <stdint.h>

#include "blk.h"

#define RS_XLOG_BB        512u
#define RS_XLOG_REC_BB    512      /* largest log record (256 KiB), in BB */
#define RS_XLOG_TOTAL_BB  4096     /* 8 in-core logs of 256 KiB: the kernel's scan window */
#define RS_XLOG_MIN_BB    512      /* smaller logs are refused (kernel: 512 fs blocks) */
#define RS_XLOG_MAX_BB    (4u << 20) /* 2 GiB, the XFS maximum */

enum { RS_XLOG_OV_NONE, RS_XLOG_OV_UNMOUNT, RS_XLOG_OV_FULL };

typedef struct {
	rs_blkdev *dev;
	uint64_t off;             /* byte offset of log block 0 on dev */
	int64_t nbb;              /* log length in BB */
	uint32_t reclen;          /* BB of one unmount record: max(2, BTOBB(sb_logsunit)) */
	uint32_t sectbb;          /* BB per log sector (the unit of a log write) */
	int ov;                   /* RS_XLOG_OV_*: the write being simulated */
	int64_t ov_blk;           /* UNMOUNT: block the record starts at */
	uint32_t ov_cycle;        /* UNMOUNT: its cycle; FULL: cycle of the first record */
	unsigned char ov_uuid[16];
	unsigned long reads;      /* device reads issued since rs_xlog_init */
} rs_xlog;

typedef struct {
	int clean;                /* an unmount record ends exactly at head */
	int uuid_ok;              /* every record header examined carries the expected UUID,
	                           * or the nil UUID, as the kernel accepts (formats.md §2.10) */
	int nil;                  /* the record before the head carries the nil UUID */
	int64_t head;             /* where the next record goes */
	uint32_t cycle;           /* the cycle that record must carry */
	int64_t rec;              /* header block of the record before head */
	unsigned char uuid[16];   /* its h_fs_uuid (the first mismatching one if !uuid_ok) */
	char why[112];            /* when !clean: what was found */
} rs_xlog_state;

/* Describe the log at byte off (length len) of d.  logsunit is sb_logsunit
 * (bytes; 0 or 1 for none), logsect the log sector size in bytes.  Returns 0,
 * or -EINVAL when the geometry is outside what this module handles (the
 * caller refuses). */
int rs_xlog_init(rs_xlog *l, rs_blkdev *d, uint64_t off, uint64_t len, uint32_t logsunit,
    uint32_t logsect);

/* The clean-log test (formats.md §2.6), a port of the kernel's xlog_find_head and
 * xlog_find_tail, run over the device with the current overlay applied.
 * Fills st; returns 0 (st->clean says whether the log is clean and
 * st->uuid_ok whether its headers carry uuid), or -errno on a read error. */
int rs_xlog_check(rs_xlog *l, const unsigned char uuid[16], rs_xlog_state *st);

/* Plan (overlay) one unmount record at block head with cycle c and the given
 * UUID (formats.md §2.9), or the whole log rewritten with cycle c for the first
 * record and c - 1 for the 256 KiB filler records after it, starting right
 * after the first record (formats.md §2.7; unlike xfs_admin, which leaves a zero gap
 * there), or nothing. */
void rs_xlog_plan_unmount(rs_xlog *l, int64_t head, uint32_t c, const unsigned char uuid[16]);
void rs_xlog_plan_none(rs_xlog *l);
/* Returns 0, or -EINVAL when c < 2 or the layout would need a 1-block
 * filler record (an odd log length with 512-byte blocks). */
int rs_xlog_plan_full(rs_xlog *l, uint32_t c, const unsigned char uuid[16]);

/* Write the planned blocks to the device (no sync).  Returns 0 or -errno. */
int rs_xlog_write(rs_xlog *l);

/* Set h_fs_uuid of the record header at block rec to uuid, rewriting the one
 * log sector that holds it (formats.md §2.10 step 3: the only bytes that
 * differ, so a torn write leaves either UUID).  No sync.  Returns 0,
 * -EINVAL when rec holds no record header, or -errno. */
int rs_xlog_set_rec_uuid(rs_xlog *l, int64_t rec, const unsigned char uuid[16]);

#endif
