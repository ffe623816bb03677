/* log.c: see log.h */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

int rs_log_level = RS_INFO;
static int kmsg_fd = -1;

/* see log.h */
int
rs_log_set_kmsg(int fd)
{
	int old = kmsg_fd;

	kmsg_fd = fd;
	return old;
}

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
	if (kmsg_fd >= 0)
		n = snprintf(buf, sizeof buf, "<%d>reseal: %s: ", level, level_name(level));
	else
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
	/* One write per message: one kmsg record, no interleaved lines
	 * (so never a loop here: each write(2) to /dev/kmsg is a record).
	 * kmsg records stay under ~900 bytes (docs/boot.md §6).  stderr
	 * takes the rest of a message a short write left. */
	if (kmsg_fd >= 0 && write(kmsg_fd, buf, (size_t)n > 900 ? 900 : (size_t)n) >= 0)
		return;
	(void)rs_write_full(2, buf, (size_t)n);
}

/* see log.h */
const char *
rs_strerr(int neg_errno)
{
	static char num[24];
	int e = neg_errno < 0 ? -neg_errno : neg_errno;
	const char *s;

	/* musl has no text for EUCLEAN, which is what the kernel's mount
	 * returns for a corrupt filesystem (EFSCORRUPTED). */
	if (e == EUCLEAN)
		return "Structure needs cleaning (corrupt filesystem)";
	s = strerror(e);
	if (e == 0 || strcmp(s, "No error information"))
		return s;
	snprintf(num, sizeof num, "errno %d", e);
	return num;
}
