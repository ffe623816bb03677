/* test_crc.c: check values of docs/formats.md §0.1, and UUID text. */
#include <string.h>

#include "blk.h"
#include "test.h"

void test_crc(void);

void
test_crc(void)
{
	static const char nine[] = "123456789";
	unsigned char u[16];
	char s[37];

	CHECK("crc32c standard check value 0xE3069283", rs_crc32c(nine, 9) == 0xE3069283u);
	CHECK("crc32c_raw(~0) check value 0x1CF96D7C", rs_crc32c_raw(~0u, nine, 9) == 0x1CF96D7Cu);
	CHECK("crc32c_raw continues across split buffers",
	    rs_crc32c_raw(rs_crc32c_raw(~0u, nine, 4), nine + 4, 5) == 0x1CF96D7Cu);
	CHECK("crc16/modbus check value 0x4B37", rs_crc16(0xFFFF, nine, 9) == 0x4B37);
	CHECK("crc32 (zlib) check value 0xCBF43926", rs_crc32(0, nine, 9) == 0xCBF43926u);
	CHECK("crc32 continues across split buffers",
	    rs_crc32(rs_crc32(0, nine, 3), nine + 3, 6) == 0xCBF43926u);
	CHECK("uuid parse accepts upper and lower case",
	    rs_uuid_parse(u, "0123456789ABCDEF0123456789abcdef") < 0 &&
	    rs_uuid_parse(u, "01234567-89AB-cdef-0123-456789abcdef") == 0 && u[0] == 0x01 && u[5] == 0xAB);
	rs_uuid_fmt(s, u);
	CHECK("uuid format is lowercase 8-4-4-4-12", !strcmp(s, "01234567-89ab-cdef-0123-456789abcdef"));
	CHECK("uuid parse rejects trailing text and bad hex",
	    rs_uuid_parse(u, "01234567-89ab-cdef-0123-456789abcdef0") < 0 &&
	    rs_uuid_parse(u, "0123456g-89ab-cdef-0123-456789abcdef") < 0);
}
