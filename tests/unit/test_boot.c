/* test_boot.c: boot-mode parsers (cmdline, journal). */
#include <string.h>

#include "boot.h"
#include "test.h"

void test_boot(void);

void
test_boot(void)
{
	rs_cmdline c;
	rs_plan p, q;
	char text[4096];
	int n;

	rs_cmdline_parse(&c, "BOOT_IMAGE=/vmlinuz root=UUID=abc ro quiet");
	CHECK("cmdline: root= and defaults (ro, 180 s, reseal auto)",
	    !strcmp(c.root, "UUID=abc") && c.rw == 0 && c.timeout == RS_DEVICE_TIMEOUT_S &&
	    c.reseal == RS_RESEAL_AUTO && !c.rootwait && !c.init[0]);
	rs_cmdline_parse(&c, "root=UUID=\"3f9c-1\" \"init=/sbin/my init\" rw rootwait rootdelay=7");
	CHECK("cmdline: quoted values, quoted whole words, rw, rootwait, rootdelay",
	    !strcmp(c.root, "UUID=3f9c-1") && !strcmp(c.init, "/sbin/my init") && c.rw == 1 &&
	    c.rootwait && c.rootdelay == 7);
	rs_cmdline_parse(&c, "root=\"PARTUUID=ab-02\" rootfstype=ext4 rootflags=noatime,data=ordered");
	CHECK("cmdline: root=\"...\", rootfstype, rootflags",
	    !strcmp(c.root, "PARTUUID=ab-02") && !strcmp(c.rootfstype, "ext4") &&
	    !strcmp(c.rootflags, "noatime,data=ordered"));
	rs_cmdline_parse(&c, "reseal=force reseal.debug reseal.timeout=9 reseal.fault=12");
	CHECK("cmdline: reseal=force, reseal.debug, reseal.timeout, reseal.fault",
	    c.reseal == RS_RESEAL_FORCE && c.debug && c.timeout == 9 && c.fault == 12);
	rs_cmdline_parse(&c, "reseal=off reseal.fault=count rw ro");
	CHECK("cmdline: reseal=off, fault count, last of ro/rw wins",
	    c.reseal == RS_RESEAL_OFF && c.fault == -1 && c.rw == 0);
	rs_cmdline_parse(&c, "rootwait=1 ro=x root reseal.timeout=-3");
	CHECK("cmdline: flags with values and values without = are ignored",
	    !c.rootwait && !c.root[0] && c.timeout == RS_DEVICE_TIMEOUT_S);

	memset(&p, 0, sizeof p);
	p.attempt = 2;
	strcpy(p.machine_id, "0123456789abcdef0123456789abcdef");
	p.n = 3;
	p.item[0].kind = 'f';
	strcpy(p.item[0].type, "vfat");
	strcpy(p.item[0].old, "ABCD-1234");
	strcpy(p.item[0].new, "9F8E-7D6C");
	p.item[1].kind = 't';
	strcpy(p.item[1].type, "gpt");
	strcpy(p.item[1].old, "11111111-2222-4333-8444-555555555555");
	strcpy(p.item[1].new, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
	p.item[2].kind = 'p';
	strcpy(p.item[2].disk_old, p.item[1].old);
	p.item[2].partn = 3;
	strcpy(p.item[2].old, "21111111-2222-4333-8444-555555555555");
	strcpy(p.item[2].new, "baaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
	n = rs_plan_format(&p, text, sizeof text);
	CHECK("journal: round trip through the text form",
	    n > 0 && rs_plan_parse(&q, text, (size_t)n) == 0 && q.attempt == 2 && q.n == 3 &&
	    !strcmp(q.machine_id, p.machine_id) && q.item[0].kind == 'f' &&
	    !strcmp(q.item[0].new, "9F8E-7D6C") && q.item[1].kind == 't' &&
	    q.item[2].kind == 'p' && q.item[2].partn == 3 && !strcmp(q.item[2].disk_old, p.item[1].old));
	CHECK("journal: wrong header, garbage line and truncated line are rejected",
	    rs_plan_parse(&q, "reseal-journal 2\n", 17) < 0 &&
	    rs_plan_parse(&q, "reseal-journal 1\nfs ext4 a\n", 27) < 0 &&
	    rs_plan_parse(&q, "reseal-journal 1\nrm -rf /\n", 26) < 0);
	CHECK("journal: too small a buffer is an error", rs_plan_format(&p, text, 40) < 0);
}
