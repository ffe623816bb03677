/* ours.c: N chained calls of rs_ed25519_public_from_seed for bench/ed25519.sh.
 *
 * Each seed is the previous public key, as in the libsodium harness
 * (sodium.c), so both print the same final key: a free cross-check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ed25519.h"

int
main(int argc, char **argv)
{
	unsigned char seed[32], pk[32];
	long i, n = argc > 1 ? atol(argv[1]) : 100;

	memset(seed, 0, sizeof seed);
	for (i = 0; i < n; i++) {
		rs_ed25519_public_from_seed(pk, seed);
		memcpy(seed, pk, 32);
	}
	for (i = 0; i < 32; i++)
		printf("%02x", seed[i]);
	putchar('\n');
	return 0;
}
