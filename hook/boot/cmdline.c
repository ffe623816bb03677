/* cmdline.c: the kernel command line (docs/boot.md §3).
 * Table-driven: one row per parameter reseal understands. */
#include <limits.h>
#include <string.h>

#include "boot.h"
#include "scan.h"

static void
copy(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static void set_root(rs_cmdline *c, const char *v)       { copy(c->root, sizeof c->root, v); }
static void set_fstype(rs_cmdline *c, const char *v)     { copy(c->rootfstype, sizeof c->rootfstype, v); }
static void set_flags(rs_cmdline *c, const char *v)      { copy(c->rootflags, sizeof c->rootflags, v); }
static void set_init(rs_cmdline *c, const char *v)       { copy(c->init, sizeof c->init, v); }
static void set_ro(rs_cmdline *c, const char *v)         { (void)v; c->rw = 0; }
static void set_rw(rs_cmdline *c, const char *v)         { (void)v; c->rw = 1; }
static void set_rootwait(rs_cmdline *c, const char *v)   { (void)v; c->rootwait = 1; }
/* A whole decimal number, no sign, clamped to max: atoi would overflow
 * (undefined behaviour) on a long digit string.  -1 if v is not one. */
static long
number(const char *v, long max)
{
	unsigned long long n;
	const char *end = *v == '+' || *v == '-' ? NULL : rs_scan_num(v, &n);

	if (!end || *end || v[0] == ' ' || v[0] == '\t')
		return -1;
	return n > (unsigned long long)max ? max : (long)n;
}

static void set_debug(rs_cmdline *c, const char *v)      { (void)v; c->debug = 1; }
static void
set_rootdelay(rs_cmdline *c, const char *v)
{
	long n = number(v, INT_MAX);

	c->rootdelay = n > 0 ? (int)n : 0;
}
static void
set_timeout(rs_cmdline *c, const char *v)
{
	long n = number(v, INT_MAX);

	if (n > 0)
		c->timeout = (int)n;
}
static void
set_fault(rs_cmdline *c, const char *v)
{
	long n = number(v, LONG_MAX);

	c->fault = !strcmp(v, "count") ? -1 : n > 0 ? n : 0;
}
static void
set_reseal(rs_cmdline *c, const char *v)
{
	if (!strcmp(v, "force"))
		c->reseal = RS_RESEAL_FORCE;
	else if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"))
		c->reseal = RS_RESEAL_OFF;
}

static const struct {
	const char *name;
	int has_value;            /* "name=value" (1) or a bare flag (0) */
	void (*set)(rs_cmdline *c, const char *value);
} params[] = {
	{ "root",           1, set_root },
	{ "rootfstype",     1, set_fstype },
	{ "rootflags",      1, set_flags },
	{ "init",           1, set_init },
	{ "ro",             0, set_ro },
	{ "rw",             0, set_rw },
	{ "rootwait",       0, set_rootwait },
	{ "rootdelay",      1, set_rootdelay },
	{ "reseal",         1, set_reseal },
	{ "reseal.debug",   0, set_debug },
	{ "reseal.timeout", 1, set_timeout },
	{ "reseal.fault",   1, set_fault },
};

/* see boot.h */
void
rs_cmdline_parse(rs_cmdline *c, const char *text)
{
	char word[512];

	memset(c, 0, sizeof *c);
	c->timeout = RS_DEVICE_TIMEOUT_S;
	while (*text) {
		size_t n = 0, i;
		int quoted = 0;
		char *eq;

		while (*text == ' ' || *text == '\t' || *text == '\n')
			text++;
		if (!*text)
			break;
		/* A word ends at unquoted whitespace; quotes are dropped, so
		 * root="UUID=x", "root=UUID=x" and root=UUID="x" all work. */
		for (; *text && (quoted || (*text != ' ' && *text != '\t' && *text != '\n')); text++) {
			if (*text == '"') {
				quoted = !quoted;
				continue;
			}
			if (n < sizeof word - 1)
				word[n++] = *text;
		}
		word[n] = 0;
		eq = strchr(word, '=');
		if (eq)
			*eq = 0;
		for (i = 0; i < sizeof params / sizeof params[0]; i++) {
			if (strcmp(params[i].name, word))
				continue;
			if (params[i].has_value && eq)
				params[i].set(c, eq + 1);
			else if (!params[i].has_value && !eq)
				params[i].set(c, "");
		}
	}
}
