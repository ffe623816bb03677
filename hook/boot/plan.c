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
	size_t o;
	int i, n;

	n = snprintf(buf, cap, "reseal-journal 1\nattempt %d\nmachine-id %s\n", p->attempt,
	    p->machine_id);
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
	return (int)o;
}

static int
token_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n >= max)
		return 0;
	return strspn(s, "0123456789abcdefABCDEF-") == n || strspn(s,
	    "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

/* see boot.h */
int
rs_plan_parse(rs_plan *p, const char *text, size_t len)
{
	char line[256];
	size_t pos = 0;
	int lineno = 0;

	memset(p, 0, sizeof *p);
	while (pos < len) {
		char a[40], b[40], c[40], d[40], e[40], *w[5] = { a, b, c, d, e };
		const char *q;
		size_t n = 0;
		int f;

		while (pos + n < len && text[pos + n] != '\n')
			n++;
		if (n >= sizeof line)
			return -EINVAL;
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos += n + 1;
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, "reseal-journal 1"))
				return -EINVAL;
			continue;
		}
		if (!*line)
			continue;
		/* sscanf(line, "%39s %39s %39s %39s %39s", ...), scan.h */
		for (f = 0, q = line; f < 5 && (q = rs_scan_word(q, w[f], 39)); f++)
			;
		if (f == 2 && !strcmp(a, "attempt")) {
			p->attempt = atoi(b);
		} else if (f == 2 && !strcmp(a, "machine-id") && strlen(b) == 32 &&
		    strspn(b, "0123456789abcdef") == 32) {
			memcpy(p->machine_id, b, 33);
		} else if (f == 4 && (!strcmp(a, "fs") || !strcmp(a, "pt")) && p->n < RS_PLAN_MAX &&
		    token_ok(b, 16) && token_ok(c, 40) && token_ok(d, 40)) {
			rs_plan_item *it = &p->item[p->n++];
			memset(it, 0, sizeof *it);
			it->kind = a[0] == 'f' ? 'f' : 't';
			strcpy(it->type, b);
			strcpy(it->old, c);
			strcpy(it->new, d);
		} else if (f == 5 && !strcmp(a, "part") && p->n < RS_PLAN_MAX && token_ok(b, 40) &&
		    atoi(c) > 0 && token_ok(d, 40) && token_ok(e, 40)) {
			rs_plan_item *it = &p->item[p->n++];
			memset(it, 0, sizeof *it);
			it->kind = 'p';
			strcpy(it->disk_old, b);
			it->partn = (unsigned)atoi(c);
			strcpy(it->old, d);
			strcpy(it->new, e);
		} else {
			return -EINVAL;
		}
	}
	return lineno ? 0 : -EINVAL;
}
