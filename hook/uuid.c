/* uuid.c: see uuid.h; the textual forms blkid and fstab use. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "uuid.h"

/* see uuid.h */
void
rs_uuid_fmt(char out[37], const unsigned char u[16])
{
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
	    u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* see uuid.h */
void
rs_uuid_v4(unsigned char u[16])
{
	u[6] = (u[6] & 0x0F) | 0x40;
	u[8] = (u[8] & 0x3F) | 0x80;
}

/* see uuid.h */
int
rs_id4_parse(unsigned char out[4], const char *s)
{
	uint32_t v = 0;
	size_t i;
	int n = 0;

	for (i = 0; s[i]; i++) {
		if (s[i] == '-' && i == 4 && n == 4)
			continue;
		if (n == 8 || hexval(s[i]) < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)hexval(s[i]);
		n++;
	}
	if (n != 8 || !v)
		return -EINVAL;
	out[0] = (unsigned char)v;
	out[1] = (unsigned char)(v >> 8);
	out[2] = (unsigned char)(v >> 16);
	out[3] = (unsigned char)(v >> 24);
	return 0;
}

/* see uuid.h */
int
rs_uuid_parse(unsigned char u[16], const char *s)
{
	int i, n = 0;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		if (hexval(s[i]) < 0)
			return -EINVAL;
		if (n % 2 == 0)
			u[n / 2] = (unsigned char)(hexval(s[i]) << 4);
		else
			u[n / 2] |= (unsigned char)hexval(s[i]);
		n++;
	}
	return s[36] ? -EINVAL : 0;
}
