/* tool_ext4.c: the boot's rebuild of a torn ext4 primary superblock
 * (docs/formats.md §1.9) on an image file, for tests/t-blk-ext4.sh; the
 * CLI never rebuilds a superblock (no plan tells it the old and new UUID).
 *
 *   reseal-test ext4_mend IMG OLD NEW [dry]
 *       rs_ext4_mend_torn: prints "mended", "would mend" or "intact";
 *       exit 0, 100 when refused (-ECANCELED), 1 on any other failure
 *   reseal-test ext4_backup_sb IMG
 *       rs_ext4_backup_sb: prints the sb= mount value; exit 0, 100 for
 *       -ENOENT, 1 otherwise
 *   reseal-test ext4_mend_plan OLD NEW IMG...  (below) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"
#include "boot.h"
#include "log.h"
#include "uuid.h"

int tool_ext4_mend(int argc, char **argv);
int tool_ext4_backup_sb(int argc, char **argv);

int
tool_ext4_mend(int argc, char **argv)
{
	unsigned char o[16], n[16];
	int dry = argc == 5 && !strcmp(argv[4], "dry"), r;
	rs_blkdev d;

	if ((argc != 4 && !dry) || rs_uuid_parse(o, argv[2]) < 0 || rs_uuid_parse(n, argv[3]) < 0) {
		fprintf(stderr, "usage: reseal-test ext4_mend IMG OLD NEW [dry]\n");
		return 1;
	}
	if ((r = rs_blk_open(&d, argv[1], !dry)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], rs_strerr(r));
		return 1;
	}
	r = rs_ext4_mend_torn(&d, o, n, dry);
	rs_blk_close(&d);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], rs_strerr(r));
		return r == -ECANCELED ? 100 : 1;
	}
	printf("%s\n", r == 0 ? "intact" : dry ? "would mend" : "mended");
	return 0;
}

int
tool_ext4_backup_sb(int argc, char **argv)
{
	uint64_t kib;
	rs_blkdev d;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: reseal-test ext4_backup_sb IMG\n");
		return 1;
	}
	if ((r = rs_blk_open(&d, argv[1], 0)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], rs_strerr(r));
		return 1;
	}
	r = rs_ext4_backup_sb(&d, &kib);
	rs_blk_close(&d);
	if (r < 0)
		return r == -ENOENT ? 100 : 1;
	printf("%llu\n", (unsigned long long)kib);
	return 0;
}

/* reseal-test ext4_mend_plan OLD NEW IMG...: rs_mend_torn_planned over
 * the images (as the block devices of a boot) with a plan of the one ext4
 * change OLD -> NEW; prints how many were rebuilt. */
int tool_ext4_mend_plan(int argc, char **argv);

int
tool_ext4_mend_plan(int argc, char **argv)
{
	static rs_bdevs l;
	static rs_plan p;
	const struct rs_fs_format *fmt;
	rs_blkdev d;
	int i;

	if (argc < 4 || argc - 3 > RS_BDEV_MAX) {
		fprintf(stderr, "usage: reseal-test ext4_mend_plan OLD NEW IMG...\n");
		return 1;
	}
	p.n = 1;
	p.item[0].kind = 'f';
	snprintf(p.item[0].type, sizeof p.item[0].type, "ext4");
	snprintf(p.item[0].old, sizeof p.item[0].old, "%s", argv[1]);
	snprintf(p.item[0].new, sizeof p.item[0].new, "%s", argv[2]);
	for (i = 3; i < argc; i++, l.n++) {
		rs_bdev *b = &l.dev[l.n];
		if (strlen(argv[i]) >= sizeof b->path) {
			fprintf(stderr, "%s: longer than a device path (%zu bytes at most)\n", argv[i],
			    sizeof b->path - 1);
			return 1;
		}
		snprintf(b->name, sizeof b->name, "img%d", l.n);
		snprintf(b->path, sizeof b->path, "%s", argv[i]);
		if (rs_blk_open(&d, b->path, 0) < 0)
			return 1;
		b->fs_ok = rs_probe_fs(&d, &b->fs, &fmt) == 0;
		rs_blk_close(&d);
	}
	printf("%d\n", rs_mend_torn_planned(&l, &p));
	return 0;
}
