/* base64.h: RFC 4648 base64 (standard alphabet). */
#ifndef RS_BASE64_H
#define RS_BASE64_H

#include <stddef.h>

/* Encoded length of n bytes with '=' padding (no NUL). */
#define RS_BASE64_LEN(n) ((((n) + 2) / 3) * 4)

/* Encode in[0..n) into out, '=' padded when pad is nonzero, NUL-terminated.
 * Returns the length (without the NUL), or 0 when cap is too small. */
size_t rs_base64_encode(char *out, size_t cap, const void *in, size_t n, int pad);

#endif
