/* plan.c: the journal's text form.  Plain text, one fact per line, so a
 * person can read what an interrupted boot was doing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "scan.h"

/* see boot.h */
int
rs_plan_format(const rs_plan *p, char *buf, size_t cap)
{
	char disk[128];
	size_t o;
	int i, n;

	rs_disk_id_fmt(&p->disk, disk, sizeof disk);
	n = snprintf(buf, cap, "reseal-journal 2\nattempt %d\nmachine-id %s\ndisk %s\n", p->attempt,
	    p->machine_id, disk);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	o = (size_t)n;
	for (i = 0; i < p->n; i++) {
		const rs_plan_item *it = &p->item[i];
		if (it->kind == 'p')
			n = snprintf(buf + o, cap - o, "part %s %u %s %s\n", it->disk_old, it->partn,
			    it->old, it->new);
		else
			n = snprintf(buf + o, cap - o, "%s %s %s %s\n", it->kind == 'f' ? "fs" : "pt",
			    it->type, it->old, it->new);
		if (n < 0 || (size_t)n >= cap - o)
			return -ENOSPC;
		o += (size_t)n;
	}
	n = snprintf(buf + o, cap - o, "end\n");
	if (n < 0 || (size_t)n >= cap - o)
		return -ENOSPC;
	return (int)(o + (size_t)n);
}

/* n characters of s, each in set. */
static int
all_of(const char *s, size_t n, const char *set)
{
	return strlen(s) == n && strspn(s, set) == n;
}

#define HEX "0123456789abcdefABCDEF"

/* The 36-character UUID text form, checked by the parser itself. */
static int
is_uuid(const char *s)
{
	unsigned char u[16];

	return strlen(s) == 36 && rs_uuid_parse(u, s) == 0;
}

/* An identifier of the kind type names, in the text form reseal writes
 * (docs/boot.md §11.2): vfat "XXXX-XXXX", MBR 8 hex digits, else a UUID. */
static int
id_ok(const char *type, const char *s)
{
	unsigned char u[4];

	if (!strcmp(type, "vfat"))
		return strlen(s) == 9 && s[4] == '-' && strspn(s, HEX) == 4 &&
		    strspn(s + 5, HEX) == 4 && rs_id4_parse(u, s) == 0;
	if (!strcmp(type, "dos"))
		return all_of(s, 8, HEX) && rs_id4_parse(u, s) == 0;
	return is_uuid(s);
}

/* see boot.h */
int
rs_plan_fs_supported(const char *t)
{
	static const char *const types[] = { "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "swap" };
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(types[i], t))
			return 1;
	return 0;
}

/* A decimal number lo..hi without sign, leading zero or anything after. */
static int
num_ok(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *v)
{
	const char *q;

	if (!*s || strspn(s, "0123456789") != strlen(s) || (s[0] == '0' && s[1]) || strlen(s) > 19)
		return 0;
	q = rs_scan_num(s, v);
	return q && !*q && *v >= lo && *v <= hi;
}

/* "MAJ:MIN SIZE SERIAL" (rs_disk_id_fmt). */
static int
disk_ok(rs_disk_id *id, const char *dev, const char *size, const char *serial)
{
	char maj[16], *colon = strchr(dev, ':');
	unsigned long long a, b, c;

	if (!colon || (size_t)(colon - dev) >= sizeof maj)
		return 0;
	memcpy(maj, dev, (size_t)(colon - dev));
	maj[colon - dev] = 0;
	if (!num_ok(maj, 0, 0xfff, &a) || !num_ok(colon + 1, 0, 0xfffff, &b) ||
	    !num_ok(size, 1, ~0ull >> 9, &c) || c % 512)
		return 0;
	if (strcmp(serial, "-") && strspn(serial, "abcdefghijklmnopqrstuvwxyz"
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != strlen(serial))
		return 0;
	if (!*serial || strlen(serial) >= sizeof id->serial)
		return 0;
	id->major = (unsigned)a;
	id->minor = (unsigned)b;
	id->size = c;
	strcpy(id->serial, serial);
	return 1;
}

/* One item line (words w[0..nw-1]) into p.  Returns 1 if well-formed. */
static int
item_line(rs_plan *p, char w[][72], int nw)
{
	rs_plan_item *it = &p->item[p->n];
	unsigned long long v;

	if (p->n >= RS_PLAN_MAX)
		return 0;
	memset(it, 0, sizeof *it);
	if (nw == 4 && !strcmp(w[0], "fs") && rs_plan_fs_supported(w[1]) && id_ok(w[1], w[2]) &&
	    id_ok(w[1], w[3])) {
		it->kind = 'f';
	} else if (nw == 4 && !strcmp(w[0], "pt") && (!strcmp(w[1], "gpt") || !strcmp(w[1], "dos")) &&
	    id_ok(w[1], w[2]) && id_ok(w[1], w[3])) {
		it->kind = 't';
	} else if (nw == 5 && !strcmp(w[0], "part") && is_uuid(w[1]) &&
	    num_ok(w[2], 1, RS_PLAN_MAX_PARTN, &v) && is_uuid(w[3]) && is_uuid(w[4])) {
		it->kind = 'p';
		strcpy(it->disk_old, w[1]);
		it->partn = (unsigned)v;
		strcpy(it->type, "gpt");
		strcpy(it->old, w[3]);
		strcpy(it->new, w[4]);
		p->n++;
		return 1;
	} else {
		return 0;
	}
	strcpy(it->type, w[1]);
	strcpy(it->old, w[2]);
	strcpy(it->new, w[3]);
	p->n++;
	return 1;
}

/* Every "part" names the old GUID of a "pt gpt" line (its disk). */
static int
parts_have_table(const rs_plan *p)
{
	int i, j;

	for (i = 0; i < p->n; i++) {
		if (p->item[i].kind != 'p')
			continue;
		for (j = 0; j < p->n; j++)
			if (p->item[j].kind == 't' && !strcmp(p->item[j].type, "gpt") &&
			    !strcasecmp(p->item[j].old, p->item[i].disk_old))
				break;
		if (j == p->n)
			return 0;
	}
	return 1;
}

/* see boot.h */
int
rs_plan_parse_at(rs_plan *p, const char *text, size_t len, int *bad_line)
{
	char line[256], w[6][72];
	size_t pos = 0;
	int lineno = 0, nw, ok, seen = 0, ended = 0;
	unsigned long long v;

	enum { ATTEMPT = 1, MID = 2, DISK = 4 };
	memset(p, 0, sizeof *p);
	if (bad_line)
		*bad_line = 0;
	while (pos < len) {
		const char *q;
		size_t n = 0;

		while (pos + n < len && text[pos + n] != '\n')
			n++;
		lineno++;
		if (bad_line)
			*bad_line = lineno;
		/* The last line must end in '\n': a cut inside it is a truncation. */
		if (n >= sizeof line || pos + n == len || memchr(text + pos, 0, n))
			return -EINVAL;
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos += n + 1;
		if (ended)
			return -EINVAL;   /* nothing may follow "end" */
		if (lineno == 1) {
			if (strcmp(line, "reseal-journal 2"))
				return -EINVAL;
			continue;
		}
		/* sscanf(line, "%71s ...") word by word, scan.h; a 7th word or
		 * one longer than 71 characters is refused. */
		for (nw = 0, q = line; nw < 6 && (q = rs_scan_word(q, w[nw], 71)); nw++)
			if (strlen(w[nw]) == 71)
				return -EINVAL;
		if (nw == 6 || (q && rs_scan_word(q, w[0], 1)))
			return -EINVAL;
		if (nw == 0) {
			ok = 1;   /* blank line */
		} else if (nw == 1 && !strcmp(w[0], "end")) {
			ok = ended = 1;
		} else if (nw == 2 && !strcmp(w[0], "attempt") && !(seen & ATTEMPT)) {
			ok = num_ok(w[1], 1, RS_PLAN_MAX_ATTEMPT, &v);
			p->attempt = (int)v;
			seen |= ATTEMPT;
		} else if (nw == 2 && !strcmp(w[0], "machine-id") && !(seen & MID)) {
			ok = all_of(w[1], 32, "0123456789abcdef");
			memcpy(p->machine_id, w[1], ok ? 33 : 0);
			seen |= MID;
		} else if (nw == 4 && !strcmp(w[0], "disk") && !(seen & DISK)) {
			ok = disk_ok(&p->disk, w[1], w[2], w[3]);
			seen |= DISK;
		} else {
			ok = (seen & (ATTEMPT | MID | DISK)) == (ATTEMPT | MID | DISK) && item_line(p, w, nw);
		}
		if (!ok)
			return -EINVAL;
	}
	if (bad_line)
		*bad_line = 0;
	if (!ended || seen != (ATTEMPT | MID | DISK) || !parts_have_table(p))
		return -EINVAL;
	return 0;
}

/* see boot.h */
int
rs_plan_parse(rs_plan *p, const char *text, size_t len)
{
	return rs_plan_parse_at(p, text, len, NULL);
}
