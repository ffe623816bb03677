/* apply.c: write plans, the one write / flush / read back / compare
 * discipline of every identifier change (blk.h). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "log.h"

/* buf (room for *cap items of sz bytes) grown, by doubling, to room for
 * need; NULL when out of memory (buf is then still valid). */
static void *
grow(void *buf, size_t *cap, size_t need, size_t sz)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return buf;
	while (n < need) {
		if (n > SIZE_MAX / 2 / sz)
			return NULL;
		n *= 2;
	}
	if (!(q = realloc(buf, n * sz)))
		return NULL;
	*cap = n;
	return q;
}

/* see blk.h */
long
rs_blk_plan_keep(rs_blk_plan *p, const void *data, size_t len)
{
	unsigned char *b;
	size_t at = p->used;

	if (p->err)
		return -1;
	if (len > (size_t)LONG_MAX - at || !(b = grow(p->bytes, &p->bcap, at + len, 1))) {
		p->err = -ENOMEM;
		return -1;
	}
	p->bytes = b;
	if (len)
		memcpy(b + at, data, len);
	p->used += len;
	return (long)at;
}

/* see blk.h */
void
rs_blk_plan_write(rs_blk_plan *p, uint64_t off, long at, size_t len)
{
	rs_blk_pw *w;

	if (p->err)
		return;
	if (at < 0 || (size_t)at > p->used || len > p->used - (size_t)at) {
		p->err = -EINVAL;
		return;
	}
	if (!(w = grow(p->w, &p->wcap, p->n + 1, sizeof *w))) {
		p->err = -ENOMEM;
		return;
	}
	p->w = w;
	w[p->n].off = off;
	w[p->n].at = (size_t)at;
	w[p->n].len = len;
	w[p->n].sync = 0;
	p->n++;
}

/* see blk.h */
void
rs_blk_plan_add(rs_blk_plan *p, uint64_t off, const void *data, size_t len)
{
	rs_blk_plan_write(p, off, rs_blk_plan_keep(p, data, len), len);
}

/* see blk.h */
void
rs_blk_plan_sync(rs_blk_plan *p)
{
	if (p->n)
		p->w[p->n - 1].sync = 1;
}

/* Write, flush, read back, compare (rs_blk_apply). */
static int
issue(rs_blkdev *d, const rs_blk_plan *p, const char *what)
{
	unsigned char back[4096];
	size_t i, k, n;
	int r;

	for (i = 0; i < p->n; i++) {
		const rs_blk_pw *w = &p->w[i];

		if ((r = rs_blk_write(d, p->bytes + w->at, w->len, w->off)) < 0)
			return r;
		if ((w->sync || i + 1 == p->n) && (r = rs_blk_sync(d)) < 0)
			return r;
	}
	for (i = 0; i < p->n; i++) {
		const rs_blk_pw *w = &p->w[i];

		for (k = 0; k < w->len; k += n) {
			n = w->len - k < sizeof back ? w->len - k : sizeof back;
			if ((r = rs_blk_read(d, back, n, w->off + k)) < 0)
				return r;
			if (memcmp(back, p->bytes + w->at + k, n)) {
				rs_err("%s on %s: the %zu bytes written at byte %llu do not read back "
				    "as written", what, d->path, w->len, (unsigned long long)w->off);
				return -EIO;
			}
		}
	}
	return 0;
}

/* see blk.h */
int
rs_blk_apply(rs_blkdev *d, rs_blk_plan *p, int planned, const char *what)
{
	int r = planned < 0 ? planned : p->err ? p->err : issue(d, p, what);

	free(p->w);
	free(p->bytes);
	memset(p, 0, sizeof *p);
	return r;
}
