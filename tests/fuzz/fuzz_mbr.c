/* fuzz_mbr.c: rs_mbr_probe and rs_mbr_set_uuids on arbitrary bytes.
 *
 * Inputs whose second byte is odd (boot code, which the MBR parser ignores
 * unless it looks like a FAT BPB) are presented as a 4096-byte-sector device.
 * Whatever probes as an MBR gets a new disk id; then:
 *   - a refusal must have written nothing;
 *   - a success must re-probe as the same partitions with the new id and
 *     PARTUUIDs derived from it. */
/* fuzz.h defines _GNU_SOURCE itself, and the Makefile passes -D_GNU_SOURCE:
 * drop ours so the two do not clash under -Werror; fuzz.h comes first. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rs_ptable pt, want, after;
	rs_blkdev d;
	unsigned i;
	int r;

	if (fuzz_dev(data, size, &d) < 0)
		return 0;
	if (size > 1 && (data[1] & 1))
		d.sector = 4096;
	r = rs_mbr_probe(&d, &pt);
	if (r == 0) {
		want = pt;
		want.uuid[0] ^= 0x5A;
		if (!(want.uuid[0] | want.uuid[1] | want.uuid[2] | want.uuid[3]))
			want.uuid[1] = 1;
		r = rs_mbr_set_uuids(&d, &want);
		if (r == -ECANCELED && d.bytes_written)
			abort();
		if (r == 0) {
			char id[16];
			if (d.bytes_written != 4 || rs_mbr_probe(&d, &after) != 0 ||
			    after.n != pt.n || memcmp(after.uuid, want.uuid, 4))
				abort();
			snprintf(id, sizeof id, "%08x", (unsigned)rs_le32(want.uuid));
			if (strcmp(after.uuid_str, id))
				abort();
			for (i = 0; i < after.n; i++)
				if (after.part[i].number != pt.part[i].number ||
				    after.part[i].start != pt.part[i].start ||
				    strncmp(after.part[i].uuid_str, id, 8))
					abort();
		}
	}
	close(d.fd);
	return 0;
}
