/* fuzz_gpt.c: rs_gpt_probe and rs_gpt_set_uuids on arbitrary bytes.
 *
 * Inputs whose first byte is odd (MBR boot code, which GPT ignores) get their
 * header and entry-array CRCs recomputed first, so that the fuzzer gets past
 * the CRCs to the structure checks behind them.  Inputs whose second byte is
 * odd are presented as a 4096-byte-sector device (no 512/4096 guessing).
 * Whatever probes as GPT is rewritten with a changed disk GUID and one
 * changed partition GUID; then:
 *   - a refusal must have written nothing;
 *   - a success must re-probe as the same table with the new GUIDs.
 * Work per input is bounded by the module's limits (1 MiB entry arrays). */
/* fuzz.h defines _GNU_SOURCE itself, and the Makefile passes -D_GNU_SOURCE:
 * drop ours so the two do not clash under -Werror; fuzz.h comes first. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>

#define MAX_IN (1u << 20)

static unsigned char buf[MAX_IN];

/* Recompute the CRCs of the header at lba (sector size ss), if plausible. */
static uint64_t
fix_header(size_t size, unsigned ss, uint64_t lba)
{
	unsigned char *h;
	uint32_t hsz, crc;
	uint64_t ent, esz;

	if (lba >= size / ss || size - lba * ss < ss)
		return 0;
	h = buf + lba * ss;
	if (memcmp(h, "EFI PART", 8))
		return 0;
	hsz = rs_le32(h + 0x0C);
	if (hsz < 92 || hsz > ss)
		return 0;
	ent = rs_le64(h + 0x48);
	esz = (uint64_t)rs_le32(h + 0x50) * rs_le32(h + 0x54);
	if (ent < size / ss && esz <= size - ent * ss)
		rs_put_le32(h + 0x58, rs_crc32(0, buf + ent * ss, (size_t)esz));
	memset(h + 0x10, 0, 4);
	crc = rs_crc32(0, h, hsz);
	rs_put_le32(h + 0x10, crc);
	return rs_le64(h + 0x20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rs_ptable pt, want, after;
	rs_blkdev d;
	unsigned ss = size > 1 && (data[1] & 1) ? 4096 : 512;
	unsigned i;
	int r;

	if (size > MAX_IN)
		return 0;
	memcpy(buf, data, size);
	if (size && (data[0] & 1)) {
		unsigned s;
		for (s = 512; s <= 4096; s *= 8) {
			uint64_t alt = fix_header(size, s, 1);
			if (alt > 1)
				fix_header(size, s, alt);
		}
	}
	if (fuzz_dev(buf, size, &d) < 0)
		return 0;
	d.sector = ss;
	r = rs_gpt_probe(&d, &pt);
	if (r == 0) {
		want = pt;
		want.uuid[15] ^= 0x5A;
		if (pt.n)
			want.part[size % pt.n].uuid[0] ^= 0xA5;
		r = rs_gpt_set_uuids(&d, &want);
		if (r == -ECANCELED && d.bytes_written)
			abort();      /* a refusal must write nothing */
		if (r == 0) {
			if (rs_gpt_probe(&d, &after) != 0 || after.n != want.n ||
			    memcmp(after.uuid, want.uuid, 16))
				abort();
			for (i = 0; i < after.n; i++)
				if (memcmp(after.part[i].uuid, want.part[i].uuid, 16) ||
				    after.part[i].start != want.part[i].start ||
				    after.part[i].size != want.part[i].size ||
				    strcmp(after.part[i].label, want.part[i].label))
					abort();
		}
	}
	close(d.fd);
	return 0;
}
