/* fuzz_cmdline.c: the kernel command line (rs_cmdline_parse, docs/boot.md
 * §3) on arbitrary text, as /proc/cmdline gives it (at most 4095 bytes
 * read, NUL-terminated: pid1.c read_cmdline).
 *
 * Besides not crashing: every string field is terminated within its array,
 * the values are in range; and with its quotes balanced, the
 * text followed by " root=/dev/fuzz rootwait" parses to the same settings
 * except root and rootwait, which the last word wins (the kernel's rule). */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <stdlib.h>

#include "boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
terminated(const rs_cmdline *c)
{
	return memchr(c->root, 0, sizeof c->root) && memchr(c->rootfstype, 0, sizeof c->rootfstype) &&
	    memchr(c->rootflags, 0, sizeof c->rootflags) && memchr(c->init, 0, sizeof c->init);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[4096 + 64];
	static rs_cmdline a, c;
	size_t n = size < 4095 ? size : 4095, quotes = 0, i;

	rs_log_level = 0;
	memcpy(text, data, n);
	text[n] = 0;
	rs_cmdline_parse(&a, text);
	if (!terminated(&a))
		abort();
	if (a.reseal != RS_RESEAL_AUTO && a.reseal != RS_RESEAL_FORCE && a.reseal != RS_RESEAL_OFF)
		abort();
	if (a.timeout <= 0 || (a.rw != 0 && a.rw != 1))
		abort();
	for (i = 0; text[i]; i++)
		quotes += text[i] == '"';
	if (quotes % 2)
		return 0;
	strcpy(text + strlen(text), " root=/dev/fuzz rootwait");
	rs_cmdline_parse(&c, text);
	if (strcmp(c.root, "/dev/fuzz") || !c.rootwait)
		abort();
	memcpy(c.root, a.root, sizeof c.root);
	c.rootwait = a.rootwait;
	if (memcmp(&a, &c, sizeof a))
		abort();
	return 0;
}
