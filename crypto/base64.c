/* base64.c: see base64.h */
#include <stdint.h>

#include "base64.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* see base64.h */
size_t
rs_base64_encode(char *out, size_t cap, const void *in, size_t n, int pad)
{
	const unsigned char *p = in;
	size_t len, rem = n % 3, o = 0, i;

	if (n > (SIZE_MAX - 3) / 4 * 3)
		return 0;
	len = n / 3 * 4;
	if (rem)
		len += pad ? 4 : rem + 1;
	if (cap < len + 1)
		return 0;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (rem) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (rem == 2)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		if (rem == 2)
			out[o++] = b64[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}
