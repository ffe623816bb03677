/* blk.h: block devices and image files, and what the format modules share.
 *
 * One file per on-disk format in hook/blk/ (ext4.c, xfs.c, btrfs.c, vfat.c,
 * swap.c, gpt.c, mbr.c), each citing docs/formats.md.
 * Every format module offers the same two calls:
 *
 *     int rs_<fmt>_probe(rs_blkdev *d, rs_fsinfo *fi);
 *         0: recognised, fi filled; -ENOENT: not this format;
 *         -EUCLEAN: this format but a checksum or structure check failed
 *         (fi->type set, fi->why says what); other -errno: I/O.
 *     int rs_<fmt>_set_uuid(rs_blkdev *d, const unsigned char *uuid);
 *         0: changed and verified by re-reading; -ECANCELED: refused
 *         (reason logged, ZERO bytes written); other -errno: I/O failure.
 *
 * d may be a window onto a partition of a larger device or image
 * (rs_blk_window): offsets are relative to its start and d->size is the
 * partition's size.  The safety protocol of docs/formats.md §0.2
 * applies to every writer: verify every checksum first, refuse anything not
 * fully understood, write backups before primaries, fsync, re-read, verify. */
#ifndef RS_BLK_H
#define RS_BLK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "uuid.h"   /* rs_uuid_fmt and the parsers, for every format */

/* Block ioctls from <linux/fs.h>, which musl-gcc cannot include (no kernel
 * headers in its -nostdinc path).  Values are the kernel ABI. */
#ifndef BLKRRPART
#define BLKRRPART    _IO(0x12, 95)
#define BLKSSZGET    _IO(0x12, 104)
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif

typedef struct {
	int fd;
	int is_blockdev;
	int writable;
	uint64_t base;            /* window start in the underlying file (0: whole) */
	uint64_t size;            /* bytes visible through this handle */
	unsigned sector;          /* logical sector size: BLKSSZGET, or 512 for files */
	char path[256];
	uint64_t bytes_written;   /* every byte rs_blk_write issued (benchmarks) */
} rs_blkdev;

/* Open path (block device or regular file).  rw opens O_RDWR, and a block
 * device also O_EXCL (EBUSY when mounted or claimed).  Returns 0 or -errno. */
int rs_blk_open(rs_blkdev *d, const char *path, int rw);
void rs_blk_close(rs_blkdev *d);

/* A view of bytes [start, start+size) of d sharing its fd (not to be
 * closed separately).  Returns 0, or -ENOSPC if it does not fit in d. */
int rs_blk_window(const rs_blkdev *d, uint64_t start, uint64_t size, rs_blkdev *w);

/* Exactly len bytes at off (relative to the window); -EIO on a short transfer, -ENOSPC past the end. */
int rs_blk_read(rs_blkdev *d, void *buf, size_t len, uint64_t off);
int rs_blk_write(rs_blkdev *d, const void *buf, size_t len, uint64_t off);
int rs_blk_sync(rs_blkdev *d);

/* --- apply.c: every identifier change is a write plan ---
 *
 * A format's set_uuid first computes its change in full (the plan half:
 * the offset and bytes of every write, in the order its crash-safety
 * argument needs, with the fsyncs that argument needs between them),
 * refusing before anything is written; then rs_blk_apply issues it (the
 * apply half).  A zeroed rs_blk_plan is empty; the plan calls record their
 * first failure in err, which rs_blk_apply returns before writing.
 *
 * The plan is the one heap allocation in reseal: a change is a few KiB,
 * except an ext4 gdt_csum descriptor table (64 bytes per block group, so it
 * grows with the filesystem); a fixed buffer would cap the filesystem size.
 * It is freed by rs_blk_apply, and -ENOMEM refuses before any write. */
typedef struct {
	uint64_t off;             /* where on the device (window-relative) */
	size_t at, len;           /* which of the plan's bytes */
	int sync;                 /* fsync after this write */
} rs_blk_pw;

typedef struct {
	rs_blk_pw *w;             /* the writes, in order */
	size_t n, wcap;
	unsigned char *bytes;     /* the data they write */
	size_t used, bcap;
	int err;                  /* 0, or the first plan call's failure (-ENOMEM) */
} rs_blk_plan;

/* Keep a copy of len bytes for writes to use; returns where they are in
 * the plan (bytes kept by consecutive calls are contiguous), or -1 after a
 * failure (p->err). */
long rs_blk_plan_keep(rs_blk_plan *p, const void *data, size_t len);
/* Plan a write of the len kept bytes at `at` to device offset off.  Writes
 * of one plan must not overlap (each is read back as written). */
void rs_blk_plan_write(rs_blk_plan *p, uint64_t off, long at, size_t len);
/* Both at once: keep data and plan its write at off. */
void rs_blk_plan_add(rs_blk_plan *p, uint64_t off, const void *data, size_t len);
/* A flush point: the writes planned so far are on stable storage before
 * any planned after this is issued. */
void rs_blk_plan_sync(rs_blk_plan *p);

/* Issue p on d, unless planned (what the plan half returned) is < 0: each
 * write as one rs_blk_write (so one fault point each, fault.h), an fsync
 * at every flush point and after the last write, then every write read
 * back and compared.  An empty plan writes and syncs nothing.  Frees p in
 * every case.  Returns planned if < 0, else p->err (nothing written), 0,
 * -EIO when a write does not read back as written (logged, what names the
 * format), or the -errno of a failed write, fsync or read. */
int rs_blk_apply(rs_blkdev *d, rs_blk_plan *p, int planned, const char *what);

#define RS_FS_UUID_MAX 16

typedef struct {
	char type[16];            /* blkid TYPE: ext2 ext3 ext4 xfs btrfs vfat swap */
	unsigned char uuid[RS_FS_UUID_MAX];
	unsigned uuid_len;        /* 16, or 4 for the vfat serial */
	char uuid_str[40];        /* exactly as blkid prints it */
	char label[256];          /* blkid LABEL (UTF-8), empty if none */
	char version[16];         /* free-form, e.g. "1.0" for swap; may be empty */
	char why[128];            /* with -EUCLEAN: what is wrong; with 0: empty, or a
	                           * note (vfat: a backup boot sector that differs) */
} rs_fsinfo;

/* A partition table (gpt.c, mbr.c).  The calls are
 *     int rs_<pt>_probe(rs_blkdev *d, rs_ptable *pt);     same returns as above
 *     int rs_<pt>_set_uuids(rs_blkdev *d, const rs_ptable *want);
 * where want is a table from rs_<pt>_probe() with some uuid fields changed
 * (the disk's and/or partitions'); everything else must still match the
 * device, or the call refuses with -ECANCELED and writes nothing. */
#define RS_PT_MAX 128

typedef struct {
	unsigned number;          /* PARTN: GPT entry index + 1; MBR 1-4, logicals from 5 */
	uint64_t start, size;     /* bytes from the start of the device */
	unsigned char uuid[16];   /* GPT: unique partition GUID in text byte order */
	char uuid_str[40];        /* PARTUUID as blkid prints it */
	char label[144];          /* PARTLABEL (GPT name as UTF-8), empty if none */
	unsigned char type_guid[16]; /* GPT partition type (text byte order); MBR: type in [0] */
} rs_part;

typedef struct {
	char type[8];             /* blkid PTTYPE: "gpt" or "dos" */
	unsigned char uuid[16];   /* GPT disk GUID (text byte order); MBR: 4-byte id, LE as on disk */
	unsigned uuid_len;        /* 16 or 4 */
	char uuid_str[40];        /* PTUUID as blkid prints it */
	unsigned n;               /* partitions in part[] */
	rs_part part[RS_PT_MAX];
	char why[192];            /* with -EUCLEAN: what is wrong */
} rs_ptable;

/* --- the format modules --- */
struct rs_fs_format {
	const char *name;
	int (*probe)(rs_blkdev *d, rs_fsinfo *fi);
	int (*set_uuid)(rs_blkdev *d, const unsigned char *uuid);
};
int rs_ext4_probe(rs_blkdev *d, rs_fsinfo *fi);
int rs_ext4_set_uuid(rs_blkdev *d, const unsigned char *uuid);
/* ext4.c: a torn primary superblock (docs/formats.md §1.9).  On a disk
 * that writes 512-byte sectors whole, a power cut during the 1 KiB write of
 * the primary superblock may keep one sector of the old and one of the new
 * superblock; with metadata_csum its checksum then fails and the kernel
 * refuses the filesystem.  rs_ext4_backup_sb: when d's primary superblock
 * fails its checksum and group 1's backup is intact with the same geometry,
 * *kib gets its location in the 1 KiB units of the ext4 mount option sb=
 * (so a read-only mount can read the reseal journal); -ENOENT otherwise. */
int rs_ext4_backup_sb(rs_blkdev *d, uint64_t *kib);
/* rs_ext4_mend_torn: is d's primary superblock, which fails its checksum,
 * a sector-wise mix of the superblock a change old -> uuid read and the one
 * it wrote?  Proven by the stored checksum, which must be that of the
 * superblock read or the one written as rebuilt from the mix.  Then
 * (unless dry) the superblock written is written again, flushed and read
 * back.  Returns 1 (such a mix: mended, or would be), 0 (the checksum
 * holds: nothing to do), -ECANCELED (not such a mix: nothing written, not
 * logged) or -errno. */
int rs_ext4_mend_torn(rs_blkdev *d, const unsigned char *old, const unsigned char *uuid, int dry);
int rs_xfs_probe(rs_blkdev *d, rs_fsinfo *fi);
int rs_xfs_set_uuid(rs_blkdev *d, const unsigned char *uuid);
int rs_btrfs_probe(rs_blkdev *d, rs_fsinfo *fi);
int rs_btrfs_set_uuid(rs_blkdev *d, const unsigned char *uuid);
int rs_vfat_probe(rs_blkdev *d, rs_fsinfo *fi);
int rs_vfat_set_uuid(rs_blkdev *d, const unsigned char *uuid);   /* 4 bytes */
int rs_swap_probe(rs_blkdev *d, rs_fsinfo *fi);
int rs_swap_set_uuid(rs_blkdev *d, const unsigned char *uuid);
int rs_gpt_probe(rs_blkdev *d, rs_ptable *pt);
int rs_gpt_set_uuids(rs_blkdev *d, const rs_ptable *want);
int rs_mbr_probe(rs_blkdev *d, rs_ptable *pt);
int rs_mbr_set_uuids(rs_blkdev *d, const rs_ptable *want);
/* gpt.c: the boot resume of an interrupted GPT change (docs/formats.md
 * §6.6).  g lists the GUIDs such a change may have left: the disk's old and
 * new GUID (disk[0], disk[1]) and, per partition number, its old and new
 * unique GUID; a partition the change does not touch is not listed.  When
 * the two copies of the table disagree, or one is torn (a bad CRC) and the
 * other intact, and every intact copy carries listed GUIDs only (the disk's
 * and each listed partition's are its old or new value) and is otherwise
 * the same table, the other copy is rebuilt from an intact one (its array,
 * then its header, then a flush) and the table re-read.  Returns 0 with pt
 * the now consistent table (as probed when nothing needed rebuilding);
 * -ECANCELED: refused (logged, ZERO bytes written); -ENOENT: no GPT; other
 * -errno: I/O.  The CLI never calls this: without a plan's old and new
 * values, copies that disagree are refused (rs_gpt_probe's why). */
typedef struct {
	unsigned char disk[2][16];    /* text byte order, as rs_ptable */
	unsigned n;
	struct {
		unsigned number;      /* PARTN */
		unsigned char guid[2][16];
	} part[RS_PT_MAX];
} rs_gpt_guids;
int rs_gpt_resume(rs_blkdev *d, const rs_gpt_guids *g, rs_ptable *pt);
/* gpt.c: Linux reads a GPT's backup copy only with the `gpt` boot option:
 * without it, a disk whose primary copy is torn has no partitions, and the
 * root the boot waits for never appears (docs/formats.md §6.6).  When the
 * primary copy of the whole block device d (opened read-only) is not
 * intact and its backup copy at the last LBA is, add the backup's
 * partitions to the kernel's view (BLKPG), writing nothing to the disk.
 * Returns how many were added (0: none needed), or -errno. */
int rs_gpt_expose_backup(rs_blkdev *d);
/* gpt.c: after a partition table on a whole block device changed, ask the
 * kernel to re-read it (BLKRRPART; failure, e.g. EBUSY while a partition is
 * open, only warns) and write "change" to its uevent file for udev (docs/formats.md
 * §0.2).  Does nothing for image files and windows. */
void rs_blk_table_changed(rs_blkdev *d);

/* --- probe.c: which format is on a device --- */

/* Exactly one filesystem signature on d (formats.md §0.2: refuse ambivalent
 * devices).  Returns 0 with *fmt and fi set; -ENOENT if none; -EUCLEAN if
 * the only candidate failed its checks (fi->why); -EEXIST if more than one
 * format matched (fi->why); other -errno on I/O errors. */
int rs_probe_fs(rs_blkdev *d, rs_fsinfo *fi, const struct rs_fs_format **fmt);

/* The partition table on d: GPT (behind its protective MBR), else MBR.
 * *set gets the matching rs_<pt>_set_uuids.  Same returns as above. */
int rs_probe_table(rs_blkdev *d, rs_ptable *pt,
    int (**set)(rs_blkdev *, const rs_ptable *));

/* --- crc.c (docs/formats.md §0.1; check values in tests/unit/test_crc.c) --- */

/* CRC-32C, reflected 0x82F63B78, no final inversion (ext4's crc32c_le). */
uint32_t rs_crc32c_raw(uint32_t seed, const void *buf, size_t len);
/* Standard CRC-32C: ~rs_crc32c_raw(~0, ...): XFS and btrfs. */
uint32_t rs_crc32c(const void *buf, size_t len);
/* CRC-16/MODBUS continued from crc (start with 0xFFFF): ext4 gdt_csum. */
uint16_t rs_crc16(uint16_t crc, const void *buf, size_t len);
/* zlib CRC-32 continued from crc (start with 0): GPT. */
uint32_t rs_crc32(uint32_t crc, const void *buf, size_t len);

/* 1 if the n bytes at p are all zero. */
static inline int
rs_is_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* --- little/big-endian field access --- */
static inline uint16_t rs_le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rs_le32(const unsigned char *p)
{ return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint64_t rs_le64(const unsigned char *p)
{ return (uint64_t)rs_le32(p) | (uint64_t)rs_le32(p + 4) << 32; }
static inline uint16_t rs_be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rs_be32(const unsigned char *p)
{ return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3]; }
static inline uint64_t rs_be64(const unsigned char *p)
{ return (uint64_t)rs_be32(p) << 32 | rs_be32(p + 4); }
static inline void rs_put_le16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static inline void rs_put_le32(unsigned char *p, uint32_t v)
{ p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24); }
static inline void rs_put_le64(unsigned char *p, uint64_t v) { rs_put_le32(p, (uint32_t)v); rs_put_le32(p + 4, (uint32_t)(v >> 32)); }
static inline void rs_put_be16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static inline void rs_put_be32(unsigned char *p, uint32_t v)
{ p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v; }
static inline void rs_put_be64(unsigned char *p, uint64_t v) { rs_put_be32(p, (uint32_t)(v >> 32)); rs_put_be32(p + 4, (uint32_t)v); }

#endif
