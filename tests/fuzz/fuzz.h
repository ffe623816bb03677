/* fuzz.h: shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * Each harness fuzz_<fmt>.c defines LLVMFuzzerTestOneInput, puts the input
 * into a memfd with fuzz_dev() and calls the parser (probe) on it; where a
 * writer exists it runs it on the same memfd, which must never crash either.
 * Built by `make fuzz` / `make build/fuzz/fuzz_<fmt>` with clang
 * -fsanitize=fuzzer,address,undefined. */
#ifndef RS_FUZZ_H
#define RS_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blk.h"
#include "log.h"

/* A read-write rs_blkdev over a copy of data (memfd; no file system needed).
 * Returns 0 or -1. */
static inline int
fuzz_dev(const uint8_t *data, size_t size, rs_blkdev *d)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	rs_log_level = 0;   /* refusals log; keep the fuzzer's output readable */
	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	memset(d, 0, sizeof *d);
	d->fd = fd;
	d->writable = 1;
	d->size = size;
	d->sector = 512;
	return 0;
}

#endif
