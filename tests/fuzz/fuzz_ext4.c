/* fuzz_ext4.c: rs_ext4_probe and rs_ext4_set_uuid on arbitrary bytes.
 *
 * Neither may crash, read or write out of bounds, or loop unboundedly;
 * set_uuid runs on the same memfd whatever probe said, so the refusal checks
 * themselves are fuzzed.  Inputs whose first byte is odd (boot block, which
 * ext2/3/4 ignore) get the primary superblock checksum recomputed first, so
 * that mutations of metadata_csum images get past it to the geometry,
 * feature and backup logic behind.  Then:
 *   - a refusal must have written nothing;
 *   - a success must re-probe with the new UUID.
 * Seeds (tests/fuzz/seeds/ext4/): 64 KiB images from mke2fs (ext2,
 * metadata_csum, uninit_bg, mmp + metadata_csum_seed), and two with their
 * superblock edited to 16 blocks per group, with backups and GDT copies in
 * groups 1 and 3, so that the backup paths are reached. */
/* fuzz.h defines _GNU_SOURCE itself; the Makefile already passes it. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>

#define MAX_IN (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char uuid[16] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	static unsigned char in[MAX_IN];
	rs_blkdev d;
	rs_fsinfo fi;
	int r;

	if (size > MAX_IN)
		return 0;
	memcpy(in, data, size);
	if (size >= 2048 && (in[0] & 1))
		rs_put_le32(in + 1024 + 0x3FC, rs_crc32c_raw(~0u, in + 1024, 0x3FC));
	if (fuzz_dev(in, size, &d) < 0)
		return 0;
	memset(&fi, 0, sizeof fi);
	if (rs_ext4_probe(&d, &fi) == 0 && (!fi.type[0] || fi.uuid_len != 16))
		__builtin_trap();   /* a recognised filesystem has a type and a UUID */
	r = rs_ext4_set_uuid(&d, uuid);
	if (r == -ECANCELED && d.bytes_written)
		__builtin_trap();   /* refusals write nothing */
	if (r == 0) {
		memset(&fi, 0, sizeof fi);
		if (rs_ext4_probe(&d, &fi) != 0 || memcmp(fi.uuid, uuid, 16))
			__builtin_trap();
	}
	close(d.fd);
	return 0;
}
