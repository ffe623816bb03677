/* sodium.c: N chained calls of libsodium's crypto_sign_seed_keypair for
 * bench/ed25519.sh (see ours.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

int
main(int argc, char **argv)
{
	unsigned char seed[32], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	long i, n = argc > 1 ? atol(argv[1]) : 100;

	if (sodium_init() < 0)
		return 111;
	memset(seed, 0, sizeof seed);
	for (i = 0; i < n; i++) {
		crypto_sign_seed_keypair(pk, sk, seed);
		memcpy(seed, pk, 32);
	}
	for (i = 0; i < 32; i++)
		printf("%02x", seed[i]);
	putchar('\n');
	return 0;
}
