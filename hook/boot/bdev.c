/* bdev.c: block devices found without udev (docs/boot.md §4):
 * /sys/class/block lists them, devtmpfs made their nodes, and our own
 * probe (blk/) reads their identifiers. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "io.h"
#include "log.h"
#include "scan.h"

/* Bounded copy; names longer than the field are cut (never expected). */
static void
copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memmove(dst, src, n);
	dst[n] = 0;
}

/* Read a small sysfs attribute into buf (newline stripped). */
static int
read_attr(const char *name, const char *attr, char *buf, size_t cap)
{
	char path[128];
	int r;

	snprintf(path, sizeof path, "/sys/class/block/%s/%s", name, attr);
	r = rs_read_file(path, buf, cap, NULL);
	buf[strcspn(buf, "\n")] = 0;
	return r;
}

/* strtoull(s, NULL, 10) != 0, with scan.h's parser. */
static int
nonzero(const char *s)
{
	unsigned long long v;

	return rs_scan_num(s, &v) && v;
}

/* The whole-disk name of a partition: the sysfs link of "vda2" ends in
 * ".../vda/vda2", so the parent directory names the disk. */
static void
disk_of(const char *name, char *disk, size_t cap)
{
	char link[512], path[128], *slash;
	ssize_t n;

	snprintf(path, sizeof path, "/sys/class/block/%s", name);
	n = readlink(path, link, sizeof link - 1);
	copy(disk, cap, name);
	if (n <= 0)
		return;
	link[n] = 0;
	slash = strrchr(link, '/');
	if (!slash)
		return;
	*slash = 0;
	slash = strrchr(link, '/');
	copy(disk, cap, slash ? slash + 1 : link);
}

static int
skip_name(const char *n)
{
	static const char *const prefixes[] = { "ram", "loop", "zram", "sr", "fd", "nbd", "md" };
	size_t i;

	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (!strncmp(n, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* The filesystem on b, if any. */
static void
probe_dev(rs_bdev *b)
{
	const struct rs_fs_format *fmt;
	rs_blkdev d;

	if (rs_blk_open(&d, b->path, 0) < 0)
		return;
	b->size = d.size;
	b->fs_ok = rs_probe_fs(&d, &b->fs, &fmt) == 0;
	rs_blk_close(&d);
}

/* The partition table of every whole disk without a filesystem, read once:
 * it gives the disk its PTUUID and its partitions PARTUUID, PARTLABEL and
 * type (partitions can come before their disk in readdir order, so this
 * runs after the whole list is known). */
static void
probe_tables(rs_bdevs *l)
{
	static rs_ptable pt;
	int (*set)(rs_blkdev *, const rs_ptable *);
	int i, j;
	unsigned k;

	for (i = 0; i < l->n; i++) {
		rs_bdev *disk = &l->dev[i];
		rs_blkdev d;
		int r;

		if (disk->partn || disk->fs_ok || rs_blk_open(&d, disk->path, 0) < 0)
			continue;
		r = rs_probe_table(&d, &pt, &set);
		rs_blk_close(&d);
		if (r < 0)
			continue;
		disk->pt_ok = 1;
		snprintf(disk->pttype, sizeof disk->pttype, "%s", pt.type);
		snprintf(disk->ptuuid, sizeof disk->ptuuid, "%s", pt.uuid_str);
		for (j = 0; j < l->n; j++) {
			rs_bdev *p = &l->dev[j];
			if (!p->partn || strcmp(p->disk, disk->name))
				continue;
			for (k = 0; k < pt.n; k++) {
				if (pt.part[k].number != p->partn)
					continue;
				snprintf(p->partuuid, sizeof p->partuuid, "%s", pt.part[k].uuid_str);
				snprintf(p->partlabel, sizeof p->partlabel, "%s", pt.part[k].label);
				memcpy(p->type_guid, pt.part[k].type_guid, 16);
			}
		}
	}
}

/* see boot.h */
int
rs_bdev_scan(rs_bdevs *l)
{
	DIR *dir;
	struct dirent *e;

	l->n = 0;
	dir = opendir("/sys/class/block");
	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && l->n < RS_BDEV_MAX) {
		rs_bdev *b = &l->dev[l->n];
		char val[32], size[32];

		if (e->d_name[0] == '.' || skip_name(e->d_name) || strlen(e->d_name) >= sizeof b->name)
			continue;
		if (read_attr(e->d_name, "size", size, sizeof size) < 0 || !nonzero(size))
			continue;
		memset(b, 0, sizeof *b);
		copy(b->name, sizeof b->name, e->d_name);
		memcpy(b->path, "/dev/", 5);
		copy(b->path + 5, sizeof b->path - 5, e->d_name);
		if (read_attr(e->d_name, "partition", val, sizeof val) == 0) {
			b->partn = (unsigned)atoi(val);
			disk_of(b->name, b->disk, sizeof b->disk);
		} else {
			copy(b->disk, sizeof b->disk, b->name);
		}
		probe_dev(b);
		l->n++;
	}
	closedir(dir);
	probe_tables(l);
	return 0;
}

static int
eq_case(const char *a, const char *b)
{
	return *a && !strcasecmp(a, b);
}

/* see boot.h */
const rs_bdev *
rs_bdev_match(const rs_bdevs *l, const char *spec)
{
	static const struct { const char *prefix; int field; } forms[] = {
		{ "UUID=", 0 }, { "/dev/disk/by-uuid/", 0 },
		{ "LABEL=", 1 }, { "/dev/disk/by-label/", 1 },
		{ "PARTUUID=", 2 }, { "/dev/disk/by-partuuid/", 2 },
		{ "PARTLABEL=", 3 }, { "/dev/disk/by-partlabel/", 3 },
		{ "/dev/", 4 },
	};
	size_t f;
	int i;

	for (f = 0; f < sizeof forms / sizeof forms[0]; f++) {
		const char *v;
		size_t n = strlen(forms[f].prefix);

		if (strncmp(spec, forms[f].prefix, n))
			continue;
		v = spec + n;
		for (i = 0; i < l->n; i++) {
			const rs_bdev *b = &l->dev[i];
			switch (forms[f].field) {
			case 0: if (b->fs_ok && eq_case(b->fs.uuid_str, v)) return b; break;
			case 1: if (b->fs_ok && *v && !strcmp(b->fs.label, v)) return b; break;
			case 2:
				if (eq_case(b->partuuid, v))
					return b;
				break;
			case 3: if (*v && !strcmp(b->partlabel, v)) return b; break;
			default: if (!strcmp(b->name, v)) return b; break;
			}
		}
		return NULL;
	}
	return NULL;
}
