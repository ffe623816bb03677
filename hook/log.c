/* log.c: see log.h */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int rs_log_level = RS_INFO;

static const char *
level_name(int level)
{
	switch (level) {
	case RS_ERR:  return "error";
	case RS_WARN: return "warning";
	case RS_INFO: return "info";
	default:      return "debug";
	}
}

/* see log.h */
void
rs_log(int level, const char *fmt, ...)
{
	char buf[1024];
	int n, m;
	va_list ap;

	if (level > rs_log_level)
		return;
	n = snprintf(buf, sizeof buf, "reseal: %s: ", level_name(level));
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	/* One write per message so concurrent writers never interleave lines. */
	(void)!write(2, buf, (size_t)n);
}

/* see log.h */
const char *
rs_strerr(int neg_errno)
{
	return strerror(neg_errno < 0 ? -neg_errno : neg_errno);
}
