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

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const rs_bdev *)a)->name, ((const rs_bdev *)b)->name);
}

/* see boot.h */
int
rs_bdev_scan(rs_bdevs *l)
{
	static int told;
	DIR *dir;
	struct dirent *e;

	l->n = 0;
	l->full = 0;
	dir = opendir("/sys/class/block");
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		rs_bdev *b = &l->dev[l->n];
		char val[32], size[32];

		if (e->d_name[0] == '.' || skip_name(e->d_name) || strlen(e->d_name) >= sizeof b->name)
			continue;
		if (read_attr(e->d_name, "size", size, sizeof size) < 0 || !nonzero(size))
			continue;
		if (l->n == RS_BDEV_MAX) {
			/* A twin of the root may be among the unseen: callers
			 * treat a full list as ambiguous (docs/boot.md §4.1). */
			if (!told++)
				rs_err("more than %d block devices: %s and later ones are not seen; "
				    "no identifier can be shown unique, so nothing is resealed",
				    RS_BDEV_MAX, e->d_name);
			l->full = 1;
			break;
		}
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
	qsort(l->dev, (size_t)l->n, sizeof l->dev[0], by_name);
	probe_tables(l);
	return 0;
}

static int
eq_case(const char *a, const char *b)
{
	return *a && !strcasecmp(a, b);
}

/* Does b carry value v in field f (0 UUID, 1 LABEL, 2 PARTUUID,
 * 3 PARTLABEL, 4 kernel name)? */
static int
has(const rs_bdev *b, int f, const char *v)
{
	switch (f) {
	case 0: return b->fs_ok && eq_case(b->fs.uuid_str, v);
	case 1: return b->fs_ok && *v && !strcmp(b->fs.label, v);
	case 2: return eq_case(b->partuuid, v);
	case 3: return *v && !strcmp(b->partlabel, v);
	default: return !strcmp(b->name, v);
	}
}

/* see boot.h */
int
rs_bdev_find(const rs_bdevs *l, const char *spec, const rs_bdev **out, int max)
{
	static const struct { const char *prefix; int field; } forms[] = {
		{ "UUID=", 0 }, { "/dev/disk/by-uuid/", 0 },
		{ "LABEL=", 1 }, { "/dev/disk/by-label/", 1 },
		{ "PARTUUID=", 2 }, { "/dev/disk/by-partuuid/", 2 },
		{ "PARTLABEL=", 3 }, { "/dev/disk/by-partlabel/", 3 },
		{ "/dev/", 4 },
	};
	size_t f;
	int i, n = 0;

	for (f = 0; f < sizeof forms / sizeof forms[0]; f++) {
		size_t k = strlen(forms[f].prefix);

		if (strncmp(spec, forms[f].prefix, k))
			continue;
		for (i = 0; i < l->n; i++)
			if (has(&l->dev[i], forms[f].field, spec + k)) {
				if (n < max)
					out[n] = &l->dev[i];
				n++;
			}
		return n;
	}
	return 0;
}

/* see boot.h */
void
rs_bdev_ambiguous(const rs_bdevs *l, const char *spec, const char *what)
{
	const rs_bdev *m[8];
	char names[8 * 50];
	size_t o = 0;
	int n = rs_bdev_find(l, spec, m, 8), i;

	names[0] = 0;
	for (i = 0; i < n && i < 8; i++)
		o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "", m[i]->path);
	rs_err("%s names %d devices (%s%s): %s", spec, n, names, n > 8 ? ", ..." : "", what);
}

/* see boot.h */
const rs_bdev *
rs_bdev_match(const rs_bdevs *l, const char *spec)
{
	const rs_bdev *b;
	int n = rs_bdev_find(l, spec, &b, 1);

	if (n == 1 && !l->full)
		return b;
	if (n > 1)
		rs_bdev_ambiguous(l, spec, "none of them is used");
	return NULL;
}

/* s with white space cut at both ends and every character a journal token
 * cannot hold as '_', at most cap - 1 of them; "-" if nothing is left. */
static void
serial_token(const char *s, char *out, size_t cap)
{
	size_t n, i;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++) {
		char c = s[i];
		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == ':' || c == '-' ? c : '_';
	}
	out[n] = 0;
	if (!n)
		memcpy(out, "-", 2);
}

/* see boot.h */
int
rs_disk_id_read(const char *disk, rs_disk_id *id)
{
	static const char *const serials[] = { "serial", "device/serial", "device/wwid" };
	char val[128];
	unsigned long long v;
	const char *q;
	size_t i;
	int r;

	memset(id, 0, sizeof *id);
	r = read_attr(disk, "dev", val, sizeof val);
	if (r < 0)
		return r;
	q = rs_scan_num(val, &v);
	if (!q || *q != ':' || v > 0xfff)
		return -EINVAL;
	id->major = (unsigned)v;
	q = rs_scan_num(q + 1, &v);
	if (!q || *q || v > 0xfffff)
		return -EINVAL;
	id->minor = (unsigned)v;
	r = read_attr(disk, "size", val, sizeof val);
	if (r < 0)
		return r;
	q = rs_scan_num(val, &v);
	if (!q || *q || !v || v > (~0ull >> 9))
		return -EINVAL;
	id->size = v << 9;   /* sysfs counts 512-byte sectors */
	val[0] = 0;
	for (i = 0; i < sizeof serials / sizeof serials[0]; i++) {
		if (read_attr(disk, serials[i], val, sizeof val) < 0)
			val[0] = 0;
		serial_token(val, id->serial, sizeof id->serial);
		if (strcmp(id->serial, "-"))
			break;
	}
	return 0;
}

/* see boot.h */
int
rs_disk_id_eq(const rs_disk_id *a, const rs_disk_id *b)
{
	return a->major == b->major && a->minor == b->minor && a->size == b->size &&
	    !strcmp(a->serial, b->serial);
}

/* see boot.h */
void
rs_disk_id_fmt(const rs_disk_id *id, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u:%u %llu %s", id->major, id->minor, id->size, id->serial);
}
