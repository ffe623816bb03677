/* io.h: whole transfers on file descriptors, and small files read whole.
 *
 * read(2) and write(2) may move fewer bytes than asked (a signal, a pipe,
 * a sysfs attribute) or fail with EINTR; every caller in reseal wants all
 * of it or an error, so these loops are the only place that knows.  Each
 * returns 0 or -errno, never a partial count.  No stdio: the product stays
 * small. */
#ifndef RS_IO_H
#define RS_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exactly len bytes from fd (at off for the p- variants, which leave the
 * file position alone).  Returns 0, -EIO if the file ends first, or -errno
 * (the bytes read so far are in buf). */
int rs_read_full(int fd, void *buf, size_t len);
int rs_pread_full(int fd, void *buf, size_t len, off_t off);

/* All len bytes to fd (at off for rs_pwrite_full).  Returns 0, -EIO if
 * the kernel accepts nothing (a write returning 0), or -errno; after an
 * error an unknown prefix of the data may have been written. */
int rs_write_full(int fd, const void *buf, size_t len);
int rs_pwrite_full(int fd, const void *buf, size_t len, off_t off);

/* Read fd to its end, at most cap bytes.  *len gets the count.  Returns 0
 * when the rest of the file fit; -EFBIG when it holds more than cap bytes
 * (one byte past cap is consumed to tell; buf holds the first cap bytes,
 * *len == cap); or -errno (*len: what was read before the error). */
int rs_read_upto(int fd, void *buf, size_t cap, size_t *len);

/* A small file (procfs, sysfs, a list in the initramfs) read whole into
 * buf as a C string: at most cap - 1 bytes (cap >= 1), then a NUL; binary
 * callers use *len (len may be NULL).  Returns 0; -EFBIG when the file is
 * longer (buf then holds its first cap - 1 bytes, NUL-terminated, for
 * callers that can use a prefix); or -errno from open or read, with buf
 * empty ("") and *len 0. */
int rs_read_file(const char *path, char *buf, size_t cap, size_t *len);

/* Milliseconds of CLOCK_MONOTONIC, for waits and their messages.  64-bit:
 * a 32-bit long (armhf) would wrap after 24.8 days of uptime, and a wrapped
 * deadline never comes. */
int64_t rs_monotonic_ms(void);

#endif
