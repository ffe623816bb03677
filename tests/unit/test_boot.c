/* test_boot.c: boot-mode parsers (cmdline, journal) and the ESP rule's
 * firmware-variable scan (docs/formats.md §11.2). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "test.h"

void test_boot(void);

#define GLOBAL "-8be4df61-93ca-11d2-aa0d-00e098032b8c"

/* Write an efivarfs file: 4 attribute bytes, then an EFI_LOAD_OPTION
 * (UEFI 2.10 §3.1.3) "debian" whose device path is HD(1, GPT, sig) /
 * \EFI\debian\shimx64.efi / End, then pad bytes of zeros.  sig is in
 * GPT's on-disk byte order, as firmware stores it. */
static int
put_load_option(const char *dir, const char *name, const unsigned char sig[16], size_t pad)
{
	static unsigned char v[16384];
	static const char file[] = "\\EFI\\debian\\shimx64.efi";
	char path[512];
	size_t n = 0, i, dp;
	uint16_t fpl;
	int fd, ok;

	memset(v, 0, sizeof v);
	v[n++] = 7, n += 3;                       /* NV | BS | RT */
	v[n++] = 1, n += 3;                       /* LOAD_OPTION_ACTIVE */
	dp = n, n += 2;                           /* FilePathListLength, below */
	for (i = 0; i < sizeof "debian"; i++)     /* UCS-2, NUL included */
		v[n++] = (unsigned char)"debian"[i], v[n++] = 0;
	fpl = (uint16_t)n;
	v[n++] = 4, v[n++] = 1, v[n++] = 42, v[n++] = 0;   /* HD() */
	v[n++] = 1, n += 3;                       /* partition 1 */
	v[n++] = 0x00, v[n++] = 0x08, n += 6;     /* start LBA 2048 */
	v[n++] = 0x00, v[n++] = 0x00, v[n++] = 0x02, n += 5;   /* 131072 sectors */
	memcpy(v + n, sig, 16), n += 16;
	v[n++] = 2, v[n++] = 2;                   /* GPT, GUID signature */
	v[n++] = 4, v[n++] = 4;                   /* file path node */
	v[n++] = (unsigned char)(4 + 2 * sizeof file), v[n++] = 0;
	for (i = 0; i < sizeof file; i++)
		v[n++] = (unsigned char)file[i], v[n++] = 0;
	v[n++] = 0x7f, v[n++] = 0xff, v[n++] = 4, v[n++] = 0;   /* End */
	fpl = (uint16_t)(n - fpl);
	v[dp] = (unsigned char)fpl, v[dp + 1] = (unsigned char)(fpl >> 8);
	n += pad;
	if (n > sizeof v)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, v, n) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -1;
}

/* A variable whose payload is raw: pre zero bytes, then 16 bytes of g. */
static int
put_raw(const char *dir, const char *name, const unsigned char g[16], size_t pre)
{
	static unsigned char v[16384];
	char path[512];
	int fd, ok;

	memset(v, 0, pre);
	memcpy(v + pre, g, 16);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, v, pre + 16) == (ssize_t)(pre + 16);
	close(fd);
	return ok ? 0 : -1;
}

static void
rm_var(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

/* The ESP rule against crafted firmware variables. */
static void
test_esp_rule(void)
{
	/* The ESP: 6a1e2f3c-4b5d-4e6f-8a9b-0c1d2e3f4a5b, in GPT's on-disk
	 * order, in text order, and another partition's GUID. */
	static const char esp[] = "6a1e2f3c-4b5d-4e6f-8a9b-0c1d2e3f4a5b";
	static const unsigned char disk[16] = { 0x3c, 0x2f, 0x1e, 0x6a, 0x5d, 0x4b, 0x6f, 0x4e,
		0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b };
	static const unsigned char text[16] = { 0x6a, 0x1e, 0x2f, 0x3c, 0x4b, 0x5d, 0x4e, 0x6f,
		0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b };
	static const unsigned char other[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };
	char tmp[] = "/tmp/reseal-efivars.XXXXXX", fw[64], vars[80], missing[80], name[16];
	int ok;

	if (!mkdtemp(tmp)) {
		CHECK("ESP rule: a scratch directory", 0);
		return;
	}
	snprintf(fw, sizeof fw, "%s/efi", tmp);
	snprintf(vars, sizeof vars, "%s/efivars", fw);
	snprintf(missing, sizeof missing, "%s/no-such-dir", tmp);
	ok = mkdir(fw, 0755) == 0 && mkdir(vars, 0755) == 0;

	CHECK("ESP rule: booted through BIOS (no firmware directory): change, loader or not",
	    rs_esp_rule(missing, esp, 0) == 1 && rs_esp_rule(missing, esp, 1) == 1);
	CHECK("ESP rule: UEFI, efivarfs not mounted (empty directory): keep",
	    ok && rs_esp_rule(fw, esp, 0) == 0 &&
	    rs_efi_boot_entry_naming(vars, disk, name, sizeof name) == -ENODATA);
	CHECK("ESP rule: UEFI, with the removable-media loader: change", ok && rs_esp_rule(fw, esp, 1) == 1);

	/* The entries of an OVMF VM with another disk's ESP, BootOrder and a
	 * non-load-option variable holding the GUID: none counts. */
	ok = ok && put_load_option(vars, "Boot0000" GLOBAL, other, 0) == 0 &&
	    put_raw(vars, "BootOrder" GLOBAL, disk, 4) == 0 &&
	    put_raw(vars, "Boot0001-0123abcd-0000-0000-0000-000000000000", disk, 4) == 0 &&
	    put_raw(vars, "Driver0001" GLOBAL, disk, 4) == 0 &&
	    put_load_option(vars, "Boot0002" GLOBAL, text, 0) == 0;
	CHECK("ESP rule: UEFI, Boot#### entries name other partitions only: change",
	    ok && rs_esp_rule(fw, esp, 0) == 1 &&
	    rs_efi_boot_entry_naming(vars, disk, name, sizeof name) == 0);

	ok = ok && put_load_option(vars, "Boot000a" GLOBAL, disk, 0) == 0;
	name[0] = 0;
	CHECK("ESP rule: UEFI, Boot000a's HD() node names the ESP: keep, and say which entry",
	    ok && rs_esp_rule(fw, esp, 0) == 0 &&
	    rs_efi_boot_entry_naming(vars, disk, name, sizeof name) == 1 && !strcmp(name, "Boot000a"));
	CHECK("ESP rule: ... unless the removable-media loader is there", rs_esp_rule(fw, esp, 1) == 1);
	rm_var(vars, "Boot000a" GLOBAL);

	/* The GUID across the scanner's 4096-byte reads. */
	ok = ok && put_raw(vars, "Boot0003" GLOBAL, disk, 4090) == 0;
	CHECK("ESP rule: a GUID across two reads of a variable is found",
	    ok && rs_esp_rule(fw, esp, 0) == 0);
	rm_var(vars, "Boot0003" GLOBAL);
	CHECK("ESP rule: the variable removed, the GUID changes again", rs_esp_rule(fw, esp, 0) == 1);

	rm_var(vars, "Boot0000" GLOBAL);
	rm_var(vars, "BootOrder" GLOBAL);
	rm_var(vars, "Boot0001-0123abcd-0000-0000-0000-000000000000");
	rm_var(vars, "Driver0001" GLOBAL);
	rm_var(vars, "Boot0002" GLOBAL);
	rmdir(vars);
	CHECK("ESP rule: UEFI, no efivars directory at all: keep (nothing could be read)",
	    rs_esp_rule(fw, esp, 0) == 0);
	rmdir(fw);
	rmdir(tmp);
}

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

	test_esp_rule();
}
