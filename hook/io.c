/* io.c: see io.h. */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

enum { IO_WRITE = 1, IO_AT = 2 };

/* The one transfer loop: read(2), pread(2), write(2) or pwrite(2) (how)
 * until len bytes have moved, retrying EINTR and short transfers.  A
 * transfer of 0 bytes (end of file) ends the loop: with done it is no error
 * and *done says how far it got; without, it is -EIO.  buf is written to
 * only for reads, whose callers pass writable memory. */
static int
xfer(int fd, const void *buf, size_t len, off_t off, int how, size_t *done)
{
	unsigned char *p = (unsigned char *)buf;
	size_t got = 0;
	int rc = 0;

	while (got < len) {
		size_t want = len - got;
		off_t at = off + (off_t)got;
		ssize_t n;

		switch (how) {
		case 0:                 n = read(fd, p + got, want); break;
		case IO_AT:             n = pread(fd, p + got, want, at); break;
		case IO_WRITE:          n = write(fd, p + got, want); break;
		default:                n = pwrite(fd, p + got, want, at); break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : done ? 0 : -EIO;
			break;
		}
		got += (size_t)n;
	}
	if (done)
		*done = got;
	return rc;
}

/* see io.h */
int
rs_read_full(int fd, void *buf, size_t len)
{
	return xfer(fd, buf, len, 0, 0, NULL);
}

/* see io.h */
int
rs_pread_full(int fd, void *buf, size_t len, off_t off)
{
	return xfer(fd, buf, len, off, IO_AT, NULL);
}

/* see io.h */
int
rs_write_full(int fd, const void *buf, size_t len)
{
	return xfer(fd, buf, len, 0, IO_WRITE, NULL);
}

/* see io.h */
int
rs_pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	return xfer(fd, buf, len, off, IO_WRITE | IO_AT, NULL);
}

/* see io.h */
int
rs_read_upto(int fd, void *buf, size_t cap, size_t *len)
{
	unsigned char extra;
	size_t n;
	int rc;

	rc = xfer(fd, buf, cap, 0, 0, len);
	if (rc < 0 || *len < cap)
		return rc;
	/* Filled to the brim: only one more read tells a file of exactly
	 * cap bytes from a longer one. */
	rc = xfer(fd, &extra, 1, 0, 0, &n);
	return rc < 0 ? rc : n ? -EFBIG : 0;
}

/* see io.h */
int
rs_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
	} else {
		rc = rs_read_upto(fd, buf, cap - 1, &n);
		close(fd);
	}
	if (rc < 0 && rc != -EFBIG)
		n = 0;
	buf[n] = 0;
	if (len)
		*len = n;
	return rc;
}

/* see io.h */
int64_t
rs_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
