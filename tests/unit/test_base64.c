/* test_base64.c: rs_base64_encode against RFC 4648 section 10. */
#include <string.h>

#include "base64.h"
#include "test.h"

void test_base64(void);

static const struct {
	const char *in, *padded, *unpadded;
} rfc4648[] = {
	{ "",       "",         "" },
	{ "f",      "Zg==",     "Zg" },
	{ "fo",     "Zm8=",     "Zm8" },
	{ "foo",    "Zm9v",     "Zm9v" },
	{ "foob",   "Zm9vYg==", "Zm9vYg" },
	{ "fooba",  "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

/* Encode with exactly the capacity the result needs (length + NUL). */
static int
encodes_to(const void *in, size_t n, int pad, const char *want)
{
	char out[64];
	size_t len = strlen(want);

	memset(out, 'x', sizeof out);
	return rs_base64_encode(out, len + 1, in, n, pad) == len &&
	    !memcmp(out, want, len) && out[len] == '\0';
}

void
test_base64(void)
{
	static const unsigned char hi[] = { 0xfb, 0xff, 0xbf };
	char out[64];
	size_t i;
	int ok;

	ok = 1;
	for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++)
		ok &= encodes_to(rfc4648[i].in, strlen(rfc4648[i].in), 1,
		    rfc4648[i].padded);
	CHECK("RFC 4648 section 10 vectors, padded", ok);

	ok = 1;
	for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++)
		ok &= encodes_to(rfc4648[i].in, strlen(rfc4648[i].in), 0,
		    rfc4648[i].unpadded);
	CHECK("RFC 4648 section 10 vectors, unpadded", ok);

	CHECK("the last two alphabet characters are + and /",
	    encodes_to(hi, 3, 1, "+/+/") && encodes_to(hi, 2, 1, "+/8="));
	CHECK("binary input with NUL bytes is encoded in full",
	    encodes_to("\0\0\0\0", 4, 1, "AAAAAA=="));
	CHECK("RS_BASE64_LEN is the padded length",
	    RS_BASE64_LEN(0) == 0 && RS_BASE64_LEN(1) == 4 &&
	    RS_BASE64_LEN(3) == 4 && RS_BASE64_LEN(4) == 8 &&
	    RS_BASE64_LEN(32) == 44);

	ok = 1;
	for (i = 1; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		size_t n = strlen(rfc4648[i].in);
		ok &= rs_base64_encode(out, strlen(rfc4648[i].padded), rfc4648[i].in, n, 1) == 0;
		ok &= rs_base64_encode(out, strlen(rfc4648[i].unpadded), rfc4648[i].in, n, 0) == 0;
	}
	CHECK("capacity without room for the NUL returns 0", ok);
	CHECK("capacity 0 returns 0", rs_base64_encode(NULL, 0, "f", 1, 1) == 0);
	CHECK("capacity one short of the padding returns 0",
	    rs_base64_encode(out, 4, "f", 1, 1) == 0 &&
	    rs_base64_encode(out, 4, "f", 1, 0) == 2);
}
