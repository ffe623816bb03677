/* fuzz_vfat.c: rs_vfat_probe and rs_vfat_set_uuid on arbitrary bytes (the
 * input is the device).  Neither may crash or read or write out of
 * bounds; a set_uuid that claims success must read back as the new
 * serial, and a refusal must write nothing.  Seeds: tests/fuzz/seeds/vfat/
 * (the first sectors of mkfs.vfat FAT12/16/32 images). */
/* fuzz.h defines _GNU_SOURCE itself; the Makefile already passes it. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char serial[4] = { 0xef, 0xbe, 0xad, 0xde };
	rs_blkdev d;
	rs_fsinfo fi;
	int r;

	if (fuzz_dev(data, size, &d) < 0)
		return 0;
	memset(&fi, 0, sizeof fi);
	r = rs_vfat_probe(&d, &fi);
	if (r == 0 && (strcmp(fi.type, "vfat") || fi.uuid_len != 4))
		__builtin_trap();
	if (r == 0 && fi.uuid_str[0] && strlen(fi.uuid_str) != 9)
		__builtin_trap();
	r = rs_vfat_set_uuid(&d, serial);
	if (r == 0) {
		memset(&fi, 0, sizeof fi);
		if (rs_vfat_probe(&d, &fi) != 0 || memcmp(fi.uuid, serial, 4) ||
		    strcmp(fi.uuid_str, "DEAD-BEEF"))
			__builtin_trap();
	} else if ((r == -ECANCELED || r == -ENOENT) && d.bytes_written) {
		__builtin_trap();
	}
	close(d.fd);
	return 0;
}
