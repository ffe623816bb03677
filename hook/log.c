/* log.c: see log.h */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

int rs_log_level = RS_INFO;
static int kmsg_fd = -1;
static int kmsg_tee;

/* see log.h */
int
rs_log_set_kmsg(int fd)
{
	int old = kmsg_fd;

	kmsg_fd = fd;
	return old;
}

#define DEVKMSG_KNOB "/proc/sys/kernel/printk_devkmsg"
static char devkmsg_saved[16];

/* /dev/kmsg allows 10 records per 5 s per open file by default; a reseal
 * logs more than that, and a dropped "resealed" line would hide what
 * happened.  Lift the limit while we log there and put it back after
 * (set_devkmsg(NULL)). */
static void
set_devkmsg(const char *value)
{
	int fd;

	/* The knob's values ("on", "off", "ratelimit") all fit; a value that
	 * does not is left alone. */
	if (value && rs_read_file(DEVKMSG_KNOB, devkmsg_saved, sizeof devkmsg_saved, NULL) < 0)
		devkmsg_saved[0] = 0;
	if (!devkmsg_saved[0])
		return;
	fd = open(DEVKMSG_KNOB, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	value = value ? value : devkmsg_saved;
	(void)rs_write_full(fd, value, strlen(value));
	close(fd);
}

/* see log.h */
void
rs_log_kmsg_open(int tee)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	rs_log_set_kmsg(fd);
	kmsg_tee = tee;
	set_devkmsg("on\n");
}

/* see log.h */
void
rs_log_kmsg_close(void)
{
	set_devkmsg(NULL);
	kmsg_tee = 0;
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
	int n, m, pfx;
	va_list ap;

	if (level > rs_log_level)
		return;
	/* "<N>" is for /dev/kmsg only: stderr gets the line after it. */
	pfx = snprintf(buf, sizeof buf, "<%d>", level);
	n = pfx + snprintf(buf + pfx, sizeof buf - (size_t)pfx, "reseal: %s: ", level_name(level));
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
	if (kmsg_fd >= 0 && write(kmsg_fd, buf, (size_t)n > 900 ? 900 : (size_t)n) >= 0 && !kmsg_tee)
		return;
	(void)rs_write_full(2, buf + pfx, (size_t)(n - pfx));
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
