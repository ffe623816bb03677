/* fuzz_swap.c: rs_swap_probe and rs_swap_set_uuid on arbitrary bytes.
 * The input is the start of the device; byte 0 picks its size (libblkid
 * ignores swap areas under 40 KiB, and 64 KiB pages need more):
 *     ctl & 1  device of max(input, 1 MiB), else max(input, 40 KiB)
 * Neither call may crash or read or write out of bounds; a set_uuid that
 * claims success must read back as the new UUID, and a refusal must write
 * nothing.  Seeds: tests/fuzz/seeds/swap/ (a control byte and the first
 * page of mkswap areas, plain and hibernating). */
/* fuzz.h defines _GNU_SOURCE itself; the Makefile already passes it. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char uuid[16] = {
		0x6a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x4a, 0x6b,
		0x8c, 0x7d, 0x9e, 0x0f, 0x1a, 0x2b, 0x3c, 0x4d,
	};
	rs_blkdev d;
	rs_fsinfo fi;
	uint64_t min;
	int r;

	if (size < 1)
		return 0;
	min = (data[0] & 1) ? 1024 * 1024 : 40 * 1024;
	if (fuzz_dev(data + 1, size - 1, &d) < 0)
		return 0;
	if (d.size < min) {
		d.size = min;
		if (ftruncate(d.fd, (off_t)min) < 0)
			goto out;
	}
	memset(&fi, 0, sizeof fi);
	r = rs_swap_probe(&d, &fi);
	if (r == 0 && ((strcmp(fi.type, "swap") && strcmp(fi.type, "swsuspend")) ||
	    fi.uuid_len != 16))
		__builtin_trap();
	r = rs_swap_set_uuid(&d, uuid);
	if (r == 0) {
		memset(&fi, 0, sizeof fi);
		if (rs_swap_probe(&d, &fi) != 0 || strcmp(fi.type, "swap") ||
		    memcmp(fi.uuid, uuid, 16))
			__builtin_trap();
	} else if ((r == -ECANCELED || r == -ENOENT) && d.bytes_written) {
		__builtin_trap();
	}
out:
	close(d.fd);
	return 0;
}
