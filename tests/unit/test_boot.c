/* test_boot.c: boot-mode parsers (cmdline, journal) and the ESP rule's
 * firmware-variable scan (docs/formats.md §11.2). */
#include <limits.h>
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

/* Two disks with the same identifiers (docs/boot.md §4.1): every lookup
 * reports both, none picks one silently. */
static void
test_twins(void)
{
	static rs_bdevs l;
	const rs_bdev *m[4];
	int i;

	memset(&l, 0, sizeof l);
	for (i = 0; i < 4; i++) {
		rs_bdev *b = &l.dev[i];
		snprintf(b->name, sizeof b->name, "vd%c%s", i < 2 ? 'a' : 'b', i % 2 ? "2" : "");
		snprintf(b->path, sizeof b->path, "/dev/vd%c%s", i < 2 ? 'a' : 'b', i % 2 ? "2" : "");
		snprintf(b->disk, sizeof b->disk, "vd%c", i < 2 ? 'a' : 'b');
		b->partn = i % 2 ? 2 : 0;
		if (b->partn) {
			b->fs_ok = 1;
			strcpy(b->fs.type, "ext4");
			strcpy(b->fs.uuid_str, "3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04");
			strcpy(b->partuuid, "21111111-2222-4333-8444-555555555555");
		} else {
			b->pt_ok = 1;
			strcpy(b->ptuuid, "11111111-2222-4333-8444-555555555555");
		}
	}
	l.n = 4;
	CHECK("twins: UUID= finds both devices, in list order",
	    rs_bdev_find(&l, "UUID=3F9C1A52-0d6e-4b8a-9c3e-2a7d5e8f1b04", m, 4) == 2 &&
	    m[0] == &l.dev[1] && m[1] == &l.dev[3]);
	CHECK("twins: the count goes past max; PARTUUID= and by-uuid too",
	    rs_bdev_find(&l, "PARTUUID=21111111-2222-4333-8444-555555555555", m, 1) == 2 &&
	    m[0] == &l.dev[1] &&
	    rs_bdev_find(&l, "/dev/disk/by-uuid/3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04", NULL, 0) == 2);
	CHECK("twins: rs_bdev_match picks neither",
	    rs_bdev_match(&l, "UUID=3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04") == NULL);
	CHECK("twins: /dev/vda2 is unique as a spec, but the root's identifiers are not",
	    rs_bdev_match(&l, "/dev/vda2") == &l.dev[1] && !rs_root_unique(&l, &l.dev[1]));
	strcpy(l.dev[3].fs.uuid_str, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	strcpy(l.dev[3].partuuid, "baaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
	CHECK("twins: a shared PTUUID alone is enough to refuse", !rs_root_unique(&l, &l.dev[1]));
	strcpy(l.dev[2].ptuuid, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
	CHECK("twins: nothing shared: unique, and the match is the one device",
	    rs_root_unique(&l, &l.dev[1]) &&
	    rs_bdev_match(&l, "UUID=3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04") == &l.dev[1]);
	l.full = 1;
	CHECK("twins: a full device list proves nothing unique",
	    !rs_root_unique(&l, &l.dev[1]) &&
	    rs_bdev_match(&l, "UUID=3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04") == NULL);
}

/* A journal as reseal writes it (docs/boot.md §11.2). */
static const char good_journal[] =
    "reseal-journal 2\n"
    "attempt 1\n"
    "machine-id 5f2c0d4e9a1b4c7d8e6f0a2b3c4d5e6f\n"
    "disk 254:0 1073741824 QM00001_x\n"
    "fs xfs 77e2b1c4-5a6d-4e8f-a0b1-c2d3e4f5a6b7 d0d0d0d0-1111-4222-8333-444455556666\n"
    "fs vfat 1A2B-3C4D 9F8E-7D6C\n"
    "fs ext4 3f9c1a52-0d6e-4b8a-9c3e-2a7d5e8f1b04 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"
    "pt gpt 11111111-2222-4333-8444-555555555555 aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n"
    "part 11111111-2222-4333-8444-555555555555 2 21111111-2222-4333-8444-555555555555 "
    "baaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n"
    "end\n";

/* good_journal with the first occurrence of from replaced by to. */
static int
parse_edited(const char *from, const char *to, int *bad)
{
	static char t[2048];
	static rs_plan q;
	const char *at = strstr(good_journal, from);
	size_t a;

	if (!at)
		return 1;   /* the test itself is wrong: fail it */
	a = (size_t)(at - good_journal);
	memcpy(t, good_journal, a);
	snprintf(t + a, sizeof t - a, "%s%s", to, at + strlen(from));
	return rs_plan_parse_at(&q, t, strlen(t), bad);
}

/* Behaviour 5 of issue 8: every cut and every field in a wrong form is
 * refused, never read as a shorter plan. */
static void
test_journal_strict(void)
{
	static const struct { const char *from, *to; } bad[] = {
		{ "reseal-journal 2", "reseal-journal 1" },
		{ "attempt 1", "attempt 0" }, { "attempt 1", "attempt 01" },
		{ "attempt 1", "attempt 1x" }, { "attempt 1", "attempt -1" },
		{ "attempt 1", "attempt 100" }, { "attempt 1", "attempt" },
		{ "attempt 1\n", "" }, { "attempt 1\n", "attempt 1\nattempt 2\n" },
		{ "machine-id 5f2c", "machine-id 5F2c" }, { "machine-id 5f2c", "machine-id 5f2" },
		{ "6f\n", "6f0\n" }, { "machine-id 5f2c", "machine-id g5f2" },
		{ "disk 254:0 ", "disk 254-0 " }, { "disk 254:0 ", "disk 4096:0 " },
		{ "disk 254:0 ", "disk 254:0x " }, { "1073741824", "1073741825" },
		{ "1073741824", "0" }, { "QM00001_x", "QM 1" }, { "QM00001_x", "QM/1" },
		{ "QM00001_x\n", "\n" },
		{ "fs xfs 77e2", "fs xfs 7e2" }, { "fs xfs", "fs ntfs" },
		{ "d0d0d0d0-1111", "d0d0d0d0_1111" }, { "-444455556666", "-44445555666g" },
		{ "fs vfat 1A2B-3C4D", "fs vfat 1A2B3C4D" }, { "9F8E-7D6C", "9F8E-7D6" },
		{ "9F8E-7D6C", "0000-0000" }, { "fs vfat 1A2B-3C4D", "fs vfat 77e2b1c4-5a6d-4e8f-a0b1-c2d3e4f5a6b7" },
		{ "pt gpt", "pt dos" }, { "pt gpt", "pt mbr" },
		{ "part 11111111-2222-4333-8444-555555555555 2", "part 11111111-2222-4333-8444-555555555555 0" },
		{ "part 11111111-2222-4333-8444-555555555555 2", "part 11111111-2222-4333-8444-555555555555 129" },
		{ "part 11111111-2222-4333-8444-555555555555 2", "part 11111111-2222-4333-8444-555555555555 +2" },
		{ "part 11111111", "part 31111111" },   /* a disk no "pt" line names */
		{ "fs vfat 1A2B-3C4D 9F8E-7D6C", "fs vfat 1A2B-3C4D 9F8E-7D6C extra" },
		{ "end\n", "" }, { "end\n", "end\nfs swap 77e2b1c4-5a6d-4e8f-a0b1-c2d3e4f5a6b7 "
		    "d0d0d0d0-1111-4222-8333-444455556666\n" },
		{ "end\n", "end" }, { "end\n", "ends\n" },
		{ "fs xfs", "\tfs\001xfs" },
	};
	static rs_plan q;
	char t[sizeof good_journal];
	size_t i, cut;
	int ok = 1, line;

	CHECK("journal: the example journal parses, every field in place",
	    rs_plan_parse_at(&q, good_journal, strlen(good_journal), &line) == 0 && line == 0 &&
	    q.attempt == 1 && q.n == 5 && q.disk.major == 254 && q.disk.minor == 0 &&
	    !strcmp(q.disk.serial, "QM00001_x") && q.item[4].kind == 'p' && q.item[4].partn == 2 &&
	    !strcmp(q.item[1].old, "1A2B-3C4D") && q.item[3].kind == 't');
	CHECK("journal: blank lines are allowed", parse_edited("end\n", "\nend\n", &line) == 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse_edited(bad[i].from, bad[i].to, &line) == 0) {
			fprintf(stderr, "  accepted: %s -> %s\n", bad[i].from, bad[i].to);
			ok = 0;
		}
	CHECK("journal: each field in a wrong form (or repeated, missing, extra) is refused", ok);
	CHECK("journal: the number of the bad line is reported",
	    parse_edited("fs vfat 1A2B-3C4D", "fs vfat 1A2B", &line) < 0 && line == 6);
	/* Every prefix is a truncation: none may parse (the final "end\n"
	 * line is what proves the file complete). */
	for (ok = 1, cut = 0; cut < strlen(good_journal); cut++) {
		memcpy(t, good_journal, cut);
		if (rs_plan_parse(&q, t, cut) == 0) {
			fprintf(stderr, "  truncated at %zu accepted\n", cut);
			ok = 0;
		}
	}
	CHECK("journal: every truncation of a journal is refused", ok);
	memcpy(t, good_journal, sizeof t);
	t[40] = 0;
	CHECK("journal: a NUL byte inside is refused", rs_plan_parse(&q, t, strlen(good_journal)) < 0);
}

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
	rs_cmdline_parse(&c, "rootdelay=99999999999999999999 reseal.timeout=-5 reseal.fault=12x");
	CHECK("cmdline: an overlong number is clamped, a signed or trailing one ignored",
	    c.rootdelay == INT_MAX && c.timeout == RS_DEVICE_TIMEOUT_S && c.fault == 0);
	rs_cmdline_parse(&c, "reseal.timeout=4294967297 reseal.fault=99999999999999999999");
	CHECK("cmdline: timeout and fault clamp, never wrap",
	    c.timeout == INT_MAX && c.fault == LONG_MAX);
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
	p.disk.major = 254;
	p.disk.minor = 16;
	p.disk.size = 1073741824ull;
	strcpy(p.disk.serial, "-");
	n = rs_plan_format(&p, text, sizeof text);
	CHECK("journal: round trip through the text form",
	    n > 0 && rs_plan_parse(&q, text, (size_t)n) == 0 && q.attempt == 2 && q.n == 3 &&
	    !strcmp(q.machine_id, p.machine_id) && q.item[0].kind == 'f' &&
	    !strcmp(q.item[0].new, "9F8E-7D6C") && q.item[1].kind == 't' &&
	    q.item[2].kind == 'p' && q.item[2].partn == 3 && !strcmp(q.item[2].disk_old, p.item[1].old));
	CHECK("journal: round trip keeps the disk identity and ends in \"end\"",
	    n > 0 && q.disk.major == 254 && q.disk.minor == 16 && q.disk.size == 1073741824ull &&
	    !strcmp(q.disk.serial, "-") && !strcmp(text + n - 4, "end\n"));
	CHECK("journal: wrong header, garbage line and truncated line are rejected",
	    rs_plan_parse(&q, "reseal-journal 2\n", 17) < 0 &&
	    rs_plan_parse(&q, "reseal-journal 1\nfs ext4 a\n", 27) < 0 &&
	    rs_plan_parse(&q, "reseal-journal 1\nrm -rf /\n", 26) < 0);
	CHECK("journal: too small a buffer is an error", rs_plan_format(&p, text, 40) < 0);
	test_journal_strict();
	test_twins();

	test_esp_rule();
}
