/* fuzz_journal.c: the boot journal's parser (rs_plan_parse, docs/boot.md
 * §11.2) on arbitrary text.
 *
 * Whatever parses must round-trip: formatted (rs_plan_format), the text must
 * parse again, to the same plan, and format to the same bytes.  A refusal
 * must agree with rs_plan_parse_at, which names a line within the text (or
 * 0, the text as a whole).  FUZZ_SHOW=1 prints each input's verdict (to
 * check that the seeds parse). */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_items(const rs_plan *a, const rs_plan *b)
{
	int i;

	if (a->n != b->n || a->attempt != b->attempt || strcmp(a->machine_id, b->machine_id))
		return 0;
	for (i = 0; i < a->n; i++) {
		const rs_plan_item *x = &a->item[i], *y = &b->item[i];
		if (x->kind != y->kind || x->partn != y->partn || strcmp(x->type, y->type) ||
		    strcmp(x->old, y->old) || strcmp(x->new, y->new) ||
		    strcmp(x->disk_old, y->disk_old))
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rs_plan p, q;
	static char a[65536], b[65536];
	const char *text = (const char *)data;
	size_t lines = 0, i;
	int r, bad = -1, n, m;

	rs_log_level = 0;
	r = rs_plan_parse(&p, text, size);
	if (rs_plan_parse_at(&q, text, size, &bad) != r)
		abort();
	if (getenv("FUZZ_SHOW"))
		fprintf(stderr, "journal: %s (line %d), %d items\n", r ? "refused" : "parsed", bad,
		    p.n);
	if (r) {
		for (i = 0; i < size; i++)
			lines += text[i] == '\n';
		if (r != -EINVAL || bad < 0 || (size_t)bad > lines + 1)
			abort();
		return 0;
	}
	if (bad != 0 || p.n < 0 || p.n > RS_PLAN_MAX)
		abort();
	n = rs_plan_format(&p, a, sizeof a);
	if (n <= 0 || (size_t)n >= sizeof a)
		abort();
	if (rs_plan_parse(&q, a, (size_t)n) != 0 || !same_items(&p, &q))
		abort();
	m = rs_plan_format(&q, b, sizeof b);
	if (m != n || memcmp(a, b, (size_t)n))
		abort();
	/* Any shorter buffer is refused, never overrun. */
	if (rs_plan_format(&p, b, (size_t)n) != -ENOSPC)
		abort();
	return 0;
}
