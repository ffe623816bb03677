/* ct.c: a constant-time check of rs_ed25519_public_from_seed under valgrind
 * memcheck, for bench/ed25519.sh.
 *
 * The seed is marked undefined, so memcheck taints everything computed from
 * it and reports every conditional jump or memory address that depends on
 * it, i.e. every secret-dependent branch or table index.  The public key is
 * declared defined again before it is printed: publishing it is intended.
 * A clean run ("ERROR SUMMARY: 0 errors") is evidence for this compiler and
 * these flags, not a proof for every build. */
#include <stdio.h>

#include <valgrind/memcheck.h>

#include "ed25519.h"

int
main(void)
{
	unsigned char seed[32], pk[32];
	int i, n;

	for (n = 0; n < 8; n++) {
		for (i = 0; i < 32; i++)
			seed[i] = (unsigned char)(n * 0x3b + i * 0x11);
		VALGRIND_MAKE_MEM_UNDEFINED(seed, sizeof seed);
		rs_ed25519_public_from_seed(pk, seed);
		VALGRIND_MAKE_MEM_DEFINED(pk, sizeof pk);
		for (i = 0; i < 32; i++)
			printf("%02x", pk[i]);
		putchar('\n');
	}
	return 0;
}
