/* test_ed25519.c: rs_ed25519_public_from_seed against known answers
 * (docs/keys.md §4.3), and the `ed25519_pub` tool that
 * tests/t-ed25519-oracle.sh drives against python3-cryptography. */
#include <stdio.h>
#include <string.h>

#include "ed25519.h"
#include "test.h"

void test_ed25519(void);
int tool_ed25519_pub(int argc, char **argv);

/* 1 when seed derives pub (both hex). */
static int
derives(const char *seed_hex, const char *pub_hex)
{
	unsigned char seed[32], want[32], pk[32];

	if (rs_test_hex(seed, 32, seed_hex) || rs_test_hex(want, 32, pub_hex))
		return 0;
	rs_ed25519_public_from_seed(pk, seed);
	return !memcmp(pk, want, 32);
}

void
test_ed25519(void)
{
	unsigned char seed[32], pk[32], pk2[32], buf[32];
	int i;

	CHECK("RFC 8032 7.1 TEST 1 public key",
	    derives("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
	CHECK("RFC 8032 7.1 TEST 2 public key",
	    derives("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"));
	CHECK("RFC 8032 7.1 TEST 3 public key",
	    derives("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"));
	/* Both have the sign of x in bit 255 set: a y-only derivation
	 * (X25519 plus a birational map) gets these wrong. */
	CHECK("seed ff*32 gives a key with the x sign bit set",
	    derives("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	    "76a1592044a6e4f511265bca73a604d90b0529d1df602be30a19a9257660d1f5"));
	CHECK("seed 00..1f gives a key with the x sign bit set",
	    derives("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"));
	CHECK("a wrong expected key is reported as a mismatch",
	    !derives("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707519a"));

	for (i = 0; i < 32; i++)
		seed[i] = (unsigned char)(0xa5 ^ 7 * i);
	memset(pk, 0x00, 32);
	memset(pk2, 0xff, 32);
	rs_ed25519_public_from_seed(pk, seed);
	rs_ed25519_public_from_seed(pk2, seed);
	CHECK("the result does not depend on what pk held before",
	    !memcmp(pk, pk2, 32));

	memcpy(buf, seed, 32);
	rs_ed25519_public_from_seed(buf, buf);
	CHECK("pk may be the same buffer as seed", !memcmp(buf, pk, 32));

	seed[0] ^= 1;
	rs_ed25519_public_from_seed(pk2, seed);
	CHECK("flipping one seed bit changes the key", memcmp(pk, pk2, 32) != 0);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* `reseal-test ed25519_pub`: one 64-hex-digit seed per line on stdin, one
 * 64-hex-digit public key per line on stdout.  Exit 0, or 100 at the first
 * malformed line (the keys before it have been printed). */
int
tool_ed25519_pub(int argc, char **argv)
{
	char line[256];
	unsigned char seed[32], pk[32];
	unsigned long n = 0;
	size_t len;
	int i, hi, lo;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: reseal-test ed25519_pub < seeds\n");
		return 100;
	}
	while (fgets(line, sizeof line, stdin)) {
		n++;
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (len != 64)
			goto bad;
		for (i = 0; i < 32; i++) {
			hi = hexval((unsigned char)line[2 * i]);
			lo = hexval((unsigned char)line[2 * i + 1]);
			if (hi < 0 || lo < 0)
				goto bad;
			seed[i] = (unsigned char)(hi << 4 | lo);
		}
		rs_ed25519_public_from_seed(pk, seed);
		for (i = 0; i < 32; i++)
			printf("%02x", pk[i]);
		putchar('\n');
	}
	if (ferror(stdin) || fflush(stdout)) {
		fprintf(stderr, "reseal-test: ed25519_pub: unable to copy stdin to stdout\n");
		return 111;
	}
	return 0;
bad:
	fflush(stdout);
	fprintf(stderr, "reseal-test: ed25519_pub: line %lu is not 64 hex digits\n", n);
	return 100;
}
