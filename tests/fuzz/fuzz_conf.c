/* fuzz_conf.c: reseal.conf (rs_config_parse, hook/config.h) on arbitrary
 * bytes, exactly size of them (the parser takes a length, not a string:
 * ASan catches any read past it).
 *
 * Besides not crashing: the result is 0 or -EINVAL; the parse is a function
 * of the text; what it accepts holds only values the parser's contract
 * allows (a hostname pattern that rs_config_check_hostname accepts, at most
 * RS_MAX_REMOVE terminated paths); and an accepted text followed by a
 * comment line is accepted with the same settings. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rs_config a, b;
	static char more[RS_CONF_MAX + 64];
	const char *text = (const char *)data;
	int r, i;

	rs_log_level = 0;
	if (size > RS_CONF_MAX)
		return 0;   /* the caller refuses larger files before parsing */
	rs_config_defaults(&a);
	rs_config_defaults(&b);
	r = rs_config_parse(&a, text, size, "fuzz.conf");
	if (r != 0 && r != -EINVAL)
		abort();
	if (rs_config_parse(&b, text, size, "fuzz.conf") != r || memcmp(&a, &b, sizeof a))
		abort();
	if (r)
		return 0;
	if (a.nremove < 0 || a.nremove > RS_MAX_REMOVE || !memchr(a.hostname, 0, sizeof a.hostname))
		abort();
	if (a.hostname[0] && rs_config_check_hostname(a.hostname) < 0)
		abort();
	for (i = 0; i < a.nremove; i++)
		if (!memchr(a.remove[i], 0, sizeof a.remove[i]) || a.remove[i][0] != '/')
			abort();
	memcpy(more, text, size);
	memcpy(more + size, "\n# fuzz\n", 8);
	rs_config_defaults(&b);
	if (rs_config_parse(&b, more, size + 8, "fuzz.conf") != 0 || memcmp(&a, &b, sizeof a))
		abort();
	return 0;
}
