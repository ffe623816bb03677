/* crc.c: the four checksums of docs/formats.md §0.1.
 * Table-driven, tables built on first use (small binary; no static tables). */
#include "blk.h"

static uint32_t crc32c_table[256], crc32_table[256];
static uint16_t crc16_table[256];
static int tables_ready;

static void
make_tables(void)
{
	uint32_t i, j, c, z;
	uint16_t m;

	for (i = 0; i < 256; i++) {
		c = z = i;
		m = (uint16_t)i;
		for (j = 0; j < 8; j++) {
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
			z = (z >> 1) ^ (0xEDB88320u & (0u - (z & 1)));
			m = (uint16_t)((m >> 1) ^ (0xA001u & (0u - (m & 1u))));
		}
		crc32c_table[i] = c;
		crc32_table[i] = z;
		crc16_table[i] = m;
	}
	tables_ready = 1;
}

/* see blk.h */
uint32_t
rs_crc32c_raw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!tables_ready)
		make_tables();
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return crc;
}

/* see blk.h */
uint32_t
rs_crc32c(const void *buf, size_t len)
{
	return ~rs_crc32c_raw(~0u, buf, len);
}

/* see blk.h */
uint16_t
rs_crc16(uint16_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!tables_ready)
		make_tables();
	while (len--)
		crc = (uint16_t)(crc16_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8));
	return crc;
}

/* see blk.h */
uint32_t
rs_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!tables_ready)
		make_tables();
	crc = ~crc;
	while (len--)
		crc = crc32_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}
