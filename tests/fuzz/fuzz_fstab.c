/* fuzz_fstab.c: reference rewriting (rs_refs_rewrite, docs/formats.md §10)
 * and the fstab line scanning (rs_scan_word, as reseal.c plan_build and
 * session.c mount_boot_parts read "SPEC MNT TYPE") on arbitrary text.
 *
 * The first byte picks which of six fixed pairs (two UUIDs, two vfat
 * serials, two MBR disk ids; no value of one is part of another) are
 * loaded; the rest is the text (an fstab, a grub.cfg, a unit name...).
 *   - rewriting never fails with room enough, keeps the length (every form
 *     is replaced by one of the same length) and leaves no old identifier
 *     behind (a second pass changes nothing);
 *   - if the text held no new identifier, the reverse pairs give the text
 *     back, up to letter case (the case style is kept per occurrence);
 *   - with too little room (top bit of the first byte) it is -ENOSPC,
 *     never an overrun (ASan);
 *   - each line's first four words scan exactly as sscanf(" %255s%n") does (the
 *     contract in scan.h), and a pattern made of '*', '?' and plain
 *     characters matches as fnmatch(FNM_PERIOD) does. */
#undef _GNU_SOURCE
#include "fuzz.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>

#include "refs.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const pairs[6][2] = {
	{ "3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" },
	{ "77e2b1c4-5a6d-4e8f-a0b1-c2d3e4f5a6b7", "d0d0d0d0-1111-4222-8333-444455556666" },
	{ "1A2B-3C4D", "9F8E-7D6C" },
	{ "5555-EEEE", "7777-0A0A" },
	{ "cafe0123", "beef4567" },
	{ "12345678", "fedcba98" },
};

#define TEXT_MAX 65536

static void
scan_lines(const char *text, size_t len)
{
	static char line[TEXT_MAX + 1];
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos), *q, *sp;
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char w[256], w2[256];
		int k, off = 0, words = 0;

		memcpy(line, text + pos, n);
		line[n] = 0;
		pos += n + 1;
		/* The line's first words (SPEC MNT TYPE OPTIONS), as sscanf
		 * reads them one by one. */
		for (q = line; words < 4; words++) {
			const char *r = rs_scan_word(q, w, 255);
			k = sscanf(q, " %255s%n", w2, &off);
			if (k != 1) {
				if (r)
					abort();
				break;
			}
			if (!r || strcmp(w, w2) || r != q + off)
				abort();
			q = r;
		}
		/* "PATTERN NAME": rs_glob_match against fnmatch. */
		sp = strchr(line, ' ');
		if (sp && sp - line <= 24 && !memchr(line, '[', (size_t)(sp - line)) &&
		    !memchr(line, '\\', (size_t)(sp - line))) {
			char pat[32];
			memcpy(pat, line, (size_t)(sp - line));
			pat[sp - line] = 0;
			if (rs_glob_match(pat, sp + 1) != (fnmatch(pat, sp + 1, FNM_PERIOD) == 0))
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[2 * TEXT_MAX], back[2 * TEXT_MAX];
	static rs_refs fwd, rev;
	const char *text = (const char *)data + 1;
	size_t len, outlen, backlen;
	int i, r, k;

	rs_log_level = 0;
	if (size < 1 || size - 1 > TEXT_MAX)
		return 0;
	len = size - 1;
	memset(&fwd, 0, sizeof fwd);
	memset(&rev, 0, sizeof rev);
	for (i = 0; i < 6; i++)
		if (data[0] & (1u << i)) {
			if (rs_refs_add(&fwd, pairs[i][0], pairs[i][1]) ||
			    rs_refs_add(&rev, pairs[i][1], pairs[i][0]))
				abort();
		}
	if (data[0] & 0x40)
		scan_lines(text, len);

	r = rs_refs_rewrite(&fwd, text, len, out, sizeof out, &outlen);
	if (r < 0 || outlen != len || (!r && memcmp(out, text, len)))
		abort();
	if (r > 0 && rs_refs_rewrite(&fwd, out, outlen, back, sizeof back, &backlen) != 0)
		abort();
	if (r > 0 && rs_refs_rewrite(&rev, text, len, back, sizeof back, &backlen) == 0) {
		k = rs_refs_rewrite(&rev, out, outlen, back, sizeof back, &backlen);
		if (k != r || backlen != len)
			abort();
		for (i = 0; (size_t)i < len; i++)
			if (tolower((unsigned char)back[i]) != tolower((unsigned char)text[i]))
				abort();
	}
	/* Too little room: -ENOSPC, and nothing written past the room. */
	if (len && (data[0] & 0x80)) {
		size_t cap = len - 1 - (len - 1) / (1 + (data[len] & 7));
		out[cap] = 0x5a;
		if (rs_refs_rewrite(&fwd, text, len, out, cap, &outlen) != -ENOSPC || out[cap] != 0x5a)
			abort();
	}
	return 0;
}
