/* cmd_blk.c: `reseal probe` and `reseal setuuid` (docs/formats.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "cmds.h"
#include "log.h"
#include "rng.h"

/* blkid -o export escapes shell-special characters with a backslash. */
static void
print_value(const char *name, const char *v)
{
	printf("%s=", name);
	for (; *v; v++) {
		if (strchr(" \\\"'$`<>", *v))
			putchar('\\');
		putchar(*v);
	}
	putchar('\n');
}

static void
print_fs(const rs_fsinfo *fi)
{
	if (fi->label[0])
		print_value("LABEL", fi->label);
	if (fi->uuid_str[0])
		printf("UUID=%s\n", fi->uuid_str);
	if (fi->version[0])
		printf("VERSION=%s\n", fi->version);
	printf("TYPE=%s\n", fi->type);
}

/* Print a probe result r for fi, or say why there is none; returns r. */
static int
report_fs(int r, const rs_fsinfo *fi, const char *what)
{
	if (r == 0) {
		print_fs(fi);
		if (fi->why[0])
			rs_warn("%s: %s %s", what, fi->type, fi->why);
	} else if (r == -EUCLEAN)
		rs_warn("%s: %s signature found but invalid: %s", what, fi->type, fi->why);
	else if (r == -EEXIST)
		rs_warn("%s: ambivalent: %s", what, fi->why);
	else if (r != -ENOENT)
		rs_err("unable to read %s: %s", what, rs_strerr(r));
	return r;
}

/* Probe and print one filesystem view; returns 0 if recognised. */
static int
probe_fs_print(rs_blkdev *d, const char *what)
{
	const struct rs_fs_format *fmt;
	rs_fsinfo fi;

	return report_fs(rs_probe_fs(d, &fi, &fmt), &fi, what);
}

static int
probe_one(const char *path)
{
	static rs_ptable pt;
	int (*set)(rs_blkdev *, const rs_ptable *);
	const struct rs_fs_format *fmt;
	rs_blkdev d;
	rs_fsinfo fi;
	unsigned i;
	int r, bad = 0;

	r = rs_blk_open(&d, path, 0);
	if (r < 0) {
		rs_err("unable to open %s: %s", path, rs_strerr(r));
		return r;
	}
	/* A filesystem on the whole device wins over a table-like boot sector. */
	r = rs_probe_fs(&d, &fi, &fmt);
	if (r != -ENOENT) {
		printf("DEVNAME=%s\n", path);
		report_fs(r, &fi, path);
		rs_blk_close(&d);
		return r;
	}
	r = rs_probe_table(&d, &pt, &set);
	if (r == -EUCLEAN) {
		rs_warn("%s: %s partition table found but invalid: %s", path, pt.type, pt.why);
	} else if (r == -ENOENT) {
		rs_info("%s: no known filesystem or partition table", path);
	} else if (r < 0) {
		rs_err("unable to read %s: %s", path, rs_strerr(r));
	}
	if (r < 0) {
		rs_blk_close(&d);
		return r;
	}
	printf("DEVNAME=%s\n", path);
	if (pt.uuid_str[0])     /* an MBR disk id of 0 is "none" to blkid */
		printf("PTUUID=%s\n", pt.uuid_str);
	printf("PTTYPE=%s\n", pt.type);
	for (i = 0; i < pt.n; i++) {
		rs_blkdev w;
		char what[300];
		const rs_part *p = &pt.part[i];

		printf("\nDEVNAME=%s\nPARTN=%u\n", path, p->number);
		if (p->label[0])
			print_value("PARTLABEL", p->label);
		if (p->uuid_str[0])
			printf("PARTUUID=%s\n", p->uuid_str);
		/* in 512-byte sectors, as blkid -p prints them */
		printf("PART_ENTRY_OFFSET=%llu\nPART_ENTRY_SIZE=%llu\n",
		    (unsigned long long)(p->start / 512), (unsigned long long)(p->size / 512));
		if (rs_blk_window(&d, p->start, p->size, &w) < 0) {
			rs_warn("%s: partition %u lies beyond the end of the device", path, p->number);
			bad = 1;
			continue;
		}
		snprintf(what, sizeof what, "%s partition %u", path, p->number);
		r = probe_fs_print(&w, what);
		if (r < 0 && r != -ENOENT)
			bad = 1;
	}
	rs_blk_close(&d);
	return bad ? -EUCLEAN : 0;
}

/* see cmds.h */
int
rs_cmd_probe(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		rs_err("usage: reseal probe DEV|IMAGE...");
		return RS_EXIT_REFUSED;
	}
	for (i = 1; i < argc; i++) {
		int r = probe_one(argv[i]);
		if (i + 1 < argc)
			printf("\n");
		if (r < 0 && rc == 0)
			rc = rs_exit_code(r);
	}
	return rc;
}

/* A random RFC 4122 v4 UUID (UUIDs are not secret, but our only random
 * source is the CRNG-gated DRBG). */
static int
random_uuid(unsigned char u[16])
{
	static rs_rng rng;
	int r;

	if (!rng.ready && (r = rs_rng_init(&rng)) < 0)
		return r;
	rs_rng_bytes(&rng, u, 16);
	rs_uuid_v4(u);
	return 0;
}

/* Parse the UUID argument for a format: a UUID, "random", or for vfat and
 * MBR 8 hex digits (vfat also XXXX-XXXX).  Returns 0 or -EINVAL. */
static int
parse_new_id(const char *arg, unsigned len, unsigned char *out)
{
	if (!arg || !strcmp(arg, "random")) {
		int r;
		do {
			if ((r = random_uuid(out)) < 0)
				return r;
		} while (len == 4 && !(out[0] | out[1] | out[2] | out[3]));
		return 0;
	}
	return len == 16 ? rs_uuid_parse(out, arg) : rs_id4_parse(out, arg);
}

static int
set_fs(rs_blkdev *d, const char *what, const char *arg)
{
	const struct rs_fs_format *fmt;
	unsigned char u[16];
	rs_fsinfo fi, after;
	int r;

	r = rs_probe_fs(d, &fi, &fmt);
	if (r == -EUCLEAN) {
		rs_err("refusing %s: %s signature found but invalid: %s", what, fi.type, fi.why);
		return r;
	}
	if (r == -EEXIST) {
		rs_err("refusing %s: ambivalent: %s", what, fi.why);
		return r;
	}
	if (r < 0)
		return r;
	if ((r = parse_new_id(arg, fi.uuid_len, u)) < 0) {
		rs_err("invalid %s UUID '%s'", fi.type, arg);
		return r;
	}
	r = fmt->set_uuid(d, u);
	if (r < 0) {
		if (r != -ECANCELED)
			rs_err("unable to change the UUID of %s: %s", what, rs_strerr(r));
		return r;
	}
	/* Written: whatever went wrong now is a system failure (-EIO), not
	 * a refusal. */
	r = rs_probe_fs(d, &after, &fmt);
	if (r < 0 || memcmp(after.uuid, u, fi.uuid_len)) {
		rs_err("%s: re-read after the change does not show the new UUID", what);
		return -EIO;
	}
	printf("%s: %s UUID %s -> %s (%llu bytes written)\n", what, fi.type, fi.uuid_str,
	    after.uuid_str, (unsigned long long)d->bytes_written);
	return 0;
}

static int
set_table(rs_blkdev *d, const char *path, const char *arg, int only_part)
{
	static rs_ptable pt, want, after;
	int (*set)(rs_blkdev *, const rs_ptable *);
	unsigned i;
	int r;

	r = rs_probe_table(d, &pt, &set);
	if (r == -EUCLEAN)
		rs_err("refusing %s: %s partition table found but invalid: %s", path, pt.type, pt.why);
	if (r < 0)
		return r;
	want = pt;
	if (only_part) {
		rs_part *p = NULL;
		for (i = 0; i < pt.n; i++)
			if (pt.part[i].number == (unsigned)only_part)
				p = &want.part[i];
		if (!p || strcmp(pt.type, "gpt")) {
			rs_err("%s: no GPT partition %d", path, only_part);
			return -EINVAL;
		}
		if ((r = parse_new_id(arg, 16, p->uuid)) < 0) {
			rs_err("invalid partition UUID '%s'", arg);
			return r;
		}
	} else {
		if ((r = parse_new_id(arg, pt.uuid_len, want.uuid)) < 0) {
			rs_err("invalid %s disk identifier '%s'", pt.type, arg);
			return r;
		}
		if (!strcmp(pt.type, "gpt"))
			for (i = 0; i < pt.n; i++)
				if ((r = random_uuid(want.part[i].uuid)) < 0)
					return r;
	}
	r = set(d, &want);
	if (r < 0) {
		if (r != -ECANCELED)
			rs_err("unable to change the identifiers of %s: %s", path, rs_strerr(r));
		return r;
	}
	r = rs_probe_table(d, &after, &set);
	if (r < 0 || memcmp(after.uuid, want.uuid, pt.uuid_len)) {
		rs_err("%s: re-read after the change does not show the new identifiers", path);
		return -EIO;   /* written: a system failure, as in set_fs */
	}
	printf("%s: PTUUID %s -> %s\n", path, pt.uuid_str, after.uuid_str);
	for (i = 0; i < after.n; i++)
		if (strcmp(pt.part[i].uuid_str, after.part[i].uuid_str))
			printf("%s: PARTUUID %s -> %s (partition %u)\n", path, pt.part[i].uuid_str,
			    after.part[i].uuid_str, after.part[i].number);
	printf("%s: %llu bytes written\n", path, (unsigned long long)d->bytes_written);
	return 0;
}

/* see cmds.h */
int
rs_cmd_setuuid(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "part",     required_argument, 0, 'p' },
		{ "partuuid", required_argument, 0, 'u' },
		{ 0, 0, 0, 0 }
	};
	static rs_ptable pt;
	int (*set)(rs_blkdev *, const rs_ptable *);
	const char *path, *arg;
	int c, part = 0, partuuid = 0, r;
	rs_blkdev d;

	optind = 1;
	/* Options may follow the device ("setuuid IMG --part 2 UUID"). */
	while ((c = getopt_long(argc, argv, "p:u:", longopts, NULL)) != -1) {
		if (c == 'p')
			part = atoi(optarg);
		else if (c == 'u')
			partuuid = atoi(optarg);
		else
			goto usage;
	}
	if (optind >= argc || argc - optind > 2 || part < 0 || partuuid < 0 || (part && partuuid))
		goto usage;
	path = argv[optind];
	arg = optind + 1 < argc ? argv[optind + 1] : "random";
	r = rs_blk_open(&d, path, 1);
	if (r < 0) {
		rs_err("unable to open %s for writing: %s", path, rs_strerr(r));
		return rs_exit_code(r);
	}
	if (partuuid) {
		r = set_table(&d, path, arg, partuuid);
	} else if (part) {
		rs_blkdev w;
		char what[300];
		unsigned i;

		r = rs_probe_table(&d, &pt, &set);
		if (r == 0) {
			r = -EINVAL;
			for (i = 0; i < pt.n; i++)
				if (pt.part[i].number == (unsigned)part)
					r = rs_blk_window(&d, pt.part[i].start, pt.part[i].size, &w);
			if (r == -EINVAL)
				rs_err("%s: no partition %d", path, part);
		} else {
			rs_err("%s: no valid partition table: %s", path, rs_strerr(r));
		}
		if (r == 0) {
			snprintf(what, sizeof what, "%s partition %d", path, part);
			r = set_fs(&w, what, arg);
			if (r == -ENOENT)
				rs_err("%s: no known filesystem", what);
		}
	} else {
		r = set_fs(&d, path, arg);
		if (r == -ENOENT) {
			r = set_table(&d, path, arg, 0);
			if (r == -ENOENT)
				rs_err("%s: no known filesystem or partition table", path);
		}
	}
	rs_blk_close(&d);
	return rs_exit_code(r);
usage:
	rs_err("usage: reseal setuuid DEV|IMAGE [--part N | --partuuid N] [UUID|random]");
	return RS_EXIT_REFUSED;
}
