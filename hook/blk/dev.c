/* dev.c: opening block devices and image files (docs/formats.md §0.2). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blk.h"
#include "fault.h"
#include "io.h"
#include "log.h"
#include "scan.h"

/* An image file attached to a loop device may be mounted through it, and
 * O_EXCL on the file cannot tell.  Refuse to write such a file. */
static int
loop_backs(const struct stat *img)
{
	DIR *dir = opendir("/sys/block");
	struct dirent *e;
	int busy = 0;

	if (!dir)
		return 0;
	while (!busy && (e = readdir(dir))) {
		/* a path of up to PATH_MAX - 1 bytes, its newline, the NUL */
		char p[300], back[4096 + 1];
		struct stat st;

		if (strncmp(e->d_name, "loop", 4))
			continue;
		snprintf(p, sizeof p, "/sys/block/%s/loop/backing_file", e->d_name);
		if (rs_read_file(p, back, sizeof back, NULL) < 0 || !back[0])
			continue;
		back[strcspn(back, "\n")] = 0;
		if (stat(back, &st) == 0 && st.st_dev == img->st_dev && st.st_ino == img->st_ino) {
			rs_err("%s is attached to /dev/%s; detach it first", back, e->d_name);
			busy = 1;
		}
	}
	closedir(dir);
	return busy;
}

/* sscanf(s, "%u:%u") after skip numbers (sscanf(s, "%*d %*d %u:%u") for
 * skip 2), with scan.h's parsers: 1 when both were read, else 0. */
static int
devnum(const char *s, int skip, unsigned *ma, unsigned *mi)
{
	unsigned long long a, b;

	while (s && skip--)
		s = rs_scan_num(s, &a);
	if (!s || !(s = rs_scan_num(s, &a)) || *s != ':' || !rs_scan_num(s + 1, &b))
		return 0;
	*ma = (unsigned)a;
	*mi = (unsigned)b;
	return 1;
}

/* Linux lets O_EXCL open a whole disk while one of its partitions is
 * mounted or swapped on, so look for that (formats.md §0.2): the device and
 * its partitions against /proc/self/mountinfo, /proc/swaps and holders/. */
static int
disk_in_use(const char *path, dev_t rdev)
{
	char sys[96], buf[512];
	dev_t devs[65];
	int n = 0, busy = 0, i;
	DIR *dir;
	struct dirent *e;
	FILE *f;

	devs[n++] = rdev;
	snprintf(sys, sizeof sys, "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
	if ((dir = opendir(sys))) {
		while ((e = readdir(dir)) && n < 65) {
			unsigned ma, mi;
			char p[400];

			if (!strcmp(e->d_name, "holders")) {
				snprintf(p, sizeof p, "%s/holders", sys);
				DIR *h = opendir(p);
				struct dirent *he;
				while (h && (he = readdir(h)))
					if (he->d_name[0] != '.') {
						rs_err("%s is in use by %s (device mapper, md, ...)", path, he->d_name);
						busy = 1;
					}
				if (h)
					closedir(h);
				continue;
			}
			snprintf(p, sizeof p, "%s/%s/partition", sys, e->d_name);
			if (access(p, F_OK) < 0)
				continue;
			snprintf(p, sizeof p, "%s/%s/dev", sys, e->d_name);
			if (rs_read_file(p, buf, sizeof buf, NULL) == 0 && devnum(buf, 0, &ma, &mi))
				devs[n++] = makedev(ma, mi);
		}
		closedir(dir);
	}
	if ((f = fopen("/proc/self/mountinfo", "re"))) {
		while (!busy && fgets(buf, sizeof buf, f)) {
			unsigned ma, mi;
			if (!devnum(buf, 2, &ma, &mi))
				continue;
			for (i = 0; i < n; i++)
				if (devs[i] == makedev(ma, mi)) {
					rs_err("%s: %s is mounted", path, i ? "one of its partitions" : "it");
					busy = 1;
				}
		}
		fclose(f);
	}
	if ((f = fopen("/proc/swaps", "re"))) {
		while (!busy && fgets(buf, sizeof buf, f)) {
			struct stat st;
			char name[256];
			if (!rs_scan_word(buf, name, 255) || stat(name, &st) < 0 || !S_ISBLK(st.st_mode))
				continue;
			for (i = 0; i < n; i++)
				if (devs[i] == st.st_rdev) {
					rs_err("%s: %s is active swap", path, i ? "one of its partitions" : "it");
					busy = 1;
				}
		}
		fclose(f);
	}
	return busy;
}

/* see blk.h */
int
rs_blk_open(rs_blkdev *d, const char *path, int rw)
{
	struct stat st;
	int fd, flags = (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC;

	memset(d, 0, sizeof *d);
	d->fd = -1;
	snprintf(d->path, sizeof d->path, "%s", path);
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (rw)
			flags |= O_EXCL;   /* EBUSY while mounted, swapped on or claimed */
		if (rw && disk_in_use(path, st.st_rdev))
			return -EBUSY;
	} else if (!S_ISREG(st.st_mode)) {
		return -ENOTBLK;
	} else if (rw && loop_backs(&st)) {
		return -EBUSY;
	}
	fd = open(path, flags);
	if (fd < 0)
		return -errno;
	d->fd = fd;
	d->writable = rw;
	d->sector = 512;
	if (S_ISBLK(st.st_mode)) {
		int ss = 0;
		d->is_blockdev = 1;
		if (ioctl(fd, BLKGETSIZE64, &d->size) < 0) {
			int r = -errno;
			close(fd);
			d->fd = -1;
			return r;
		}
		if (ioctl(fd, BLKSSZGET, &ss) == 0 && ss >= 512)
			d->sector = (unsigned)ss;
	} else {
		d->size = (uint64_t)st.st_size;
	}
	return 0;
}

/* see blk.h */
void
rs_blk_close(rs_blkdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* see blk.h */
int
rs_blk_window(const rs_blkdev *d, uint64_t start, uint64_t size, rs_blkdev *w)
{
	if (start > d->size || size > d->size - start)
		return -ENOSPC;
	*w = *d;
	w->base = d->base + start;
	w->size = size;
	w->bytes_written = 0;
	return 0;
}

/* see blk.h */
int
rs_blk_read(rs_blkdev *d, void *buf, size_t len, uint64_t off)
{
	if (off > d->size || len > d->size - off)
		return -ENOSPC;
	return rs_pread_full(d->fd, buf, len, (off_t)(d->base + off));
}

/* see blk.h */
int
rs_blk_write(rs_blkdev *d, const void *buf, size_t len, uint64_t off)
{
	int r;

	if (!d->writable)
		return -EBADF;
	rs_fault_point("block write");
	if (off > d->size || len > d->size - off)
		return -ENOSPC;
	r = rs_pwrite_full(d->fd, buf, len, (off_t)(d->base + off));
	if (r == 0)
		d->bytes_written += len;
	return r;
}

/* see blk.h */
int
rs_blk_sync(rs_blkdev *d)
{
	return fsync(d->fd) < 0 ? -errno : 0;
}
