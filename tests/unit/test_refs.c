/* test_refs.c: textual reference rewriting (docs/formats.md §10.1). */
#include <string.h>

#include "refs.h"
#include "test.h"

void test_refs(void);

static char out[4096];

static const char *
rw(const rs_refs *r, const char *in, int *n)
{
	size_t len = 0;

	*n = rs_refs_rewrite(r, in, strlen(in), out, sizeof out - 1, &len);
	out[*n >= 0 ? len : 0] = 0;
	return *n > 0 ? out : in;
}

void
test_refs(void)
{
	rs_refs r;
	int n;

	memset(&r, 0, sizeof r);
	CHECK("pairs of the three forms are accepted",
	    rs_refs_add(&r, "11111111-2222-3333-4444-555555555555",
	                    "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee") == 0 &&
	    rs_refs_add(&r, "ABCD-1234", "beef-0001") == 0 &&
	    rs_refs_add(&r, "0badcafe", "12345678") == 0 &&
	    rs_refs_add(&r, "abcdef01-2222-3333-4444-555555555555",
	                    "99999999-bbbb-cccc-dddd-eeeeeeeeeeee") == 0 && r.n == 4);
	CHECK("mixed forms and garbage are rejected",
	    rs_refs_add(&r, "ABCD-1234", "11111111-2222-3333-4444-555555555555") < 0 &&
	    rs_refs_add(&r, "xyz", "abc") < 0 && rs_refs_add(&r, "0badcafe", "0badcaf") < 0);

	CHECK("fstab UUID= replaced, rest of the line kept",
	    !strcmp(rw(&r, "UUID=11111111-2222-3333-4444-555555555555 / ext4 defaults 0 1\n", &n),
	        "UUID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee / ext4 defaults 0 1\n") && n == 1);
	CHECK("uppercase occurrence gets an uppercase value, lowercase stays lowercase",
	    !strcmp(rw(&r, "root=UUID=ABCDEF01-2222-3333-4444-555555555555 x", &n),
	        "root=UUID=99999999-BBBB-CCCC-DDDD-EEEEEEEEEEEE x") &&
	    !strcmp(rw(&r, "x abcdef01-2222-3333-4444-555555555555", &n),
	        "x 99999999-bbbb-cccc-dddd-eeeeeeeeeeee"));
	CHECK("vfat serial stays uppercase",
	    !strcmp(rw(&r, "UUID=ABCD-1234 /boot/efi vfat umask=0077 0 1", &n),
	        "UUID=BEEF-0001 /boot/efi vfat umask=0077 0 1"));
	{
		rs_refs d;

		memset(&d, 0, sizeof d);
		CHECK("a serial of digits only becomes blkid's uppercase form",
		    rs_refs_add(&d, "1234-5678", "c60b-eb1c") == 0 &&
		    rs_refs_add(&d, "12345678-1234-1234-1234-123456789012",
		                    "abcdef01-2222-3333-4444-555555555555") == 0 &&
		    !strcmp(rw(&d, "UUID=1234-5678 /boot/efi vfat", &n), "UUID=C60B-EB1C /boot/efi vfat") &&
		    !strcmp(rw(&d, "UUID=12345678-1234-1234-1234-123456789012 /",
		            &n), "UUID=abcdef01-2222-3333-4444-555555555555 /"));
	}
	CHECK("a longer token containing the old value is not touched",
	    !strcmp(rw(&r, "11111111-2222-3333-4444-5555555555550 XABCD-1234 ABCD-12345", &n),
	        "11111111-2222-3333-4444-5555555555550 XABCD-1234 ABCD-12345") && n == 0);
	CHECK("MBR PARTUUIDs of every partition follow the disk id",
	    !strcmp(rw(&r, "root=PARTUUID=0badcafe-02 PARTUUID=0BADCAFE-05\n", &n),
	        "root=PARTUUID=12345678-02 PARTUUID=12345678-05\n") && n == 2);
	CHECK("bare MBR id or other suffixes are not touched",
	    !strcmp(rw(&r, "0badcafe 0badcafe-1 0badcafe-123", &n), "0badcafe 0badcafe-1 0badcafe-123") &&
	    n == 0);
	CHECK("systemd-escaped unit name is rewritten in escaped form",
	    !strcmp(rw(&r, "dev-disk-by\\x2duuid-11111111\\x2d2222\\x2d3333\\x2d4444\\x2d555555555555.swap", &n),
	        "dev-disk-by\\x2duuid-aaaaaaaa\\x2dbbbb\\x2dcccc\\x2ddddd\\x2deeeeeeeeeeee.swap"));
	CHECK("GRUB search line and by-uuid paths",
	    !strcmp(rw(&r, "search --no-floppy --fs-uuid --set=root 11111111-2222-3333-4444-555555555555\n"
	                   "resume=/dev/disk/by-uuid/11111111-2222-3333-4444-555555555555", &n),
	        "search --no-floppy --fs-uuid --set=root aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n"
	        "resume=/dev/disk/by-uuid/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee") && n == 2);
	CHECK("text without references is left alone", rw(&r, "nothing here\n", &n) && n == 0);
	{
		char small[8];
		size_t len;
		CHECK("output that does not fit is an error",
		    rs_refs_rewrite(&r, "ABCD-1234 ABCD-1234", 19, small, sizeof small, &len) < 0);
	}
}
