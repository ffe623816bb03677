/* tool_gpt.c: `reseal-test gpt_resume IMG DISK-OLD DISK-NEW [PARTN OLD NEW]...`
 * runs rs_gpt_resume (docs/formats.md §6.6), the boot resume's view of a
 * GPT, on an image file or block device with the plan's old and new GUIDs
 * given on the command line, and prints the resulting table as
 * "PTUUID=..." and "PARTN PARTUUID" lines.  Exit 0, 100 when refused
 * (-ECANCELED), 1 on any other failure.  For tests/t-blk-gpt.sh: the CLI
 * itself never rebuilds a copy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "blk.h"
#include "log.h"

int tool_gpt_resume(int argc, char **argv);

int
tool_gpt_resume(int argc, char **argv)
{
	static rs_gpt_guids g;
	static rs_ptable pt;
	rs_blkdev d;
	unsigned k;
	int i, r;

	if (argc < 4 || (argc - 4) % 3 || (argc - 4) / 3 > RS_PT_MAX) {
		fprintf(stderr, "usage: reseal-test gpt_resume IMG DISK-OLD DISK-NEW "
		    "[PARTN OLD NEW]...\n");
		return 1;
	}
	if (rs_uuid_parse(g.disk[0], argv[2]) < 0 || rs_uuid_parse(g.disk[1], argv[3]) < 0)
		return 1;
	for (i = 4; i < argc; i += 3, g.n++) {
		g.part[g.n].number = (unsigned)atoi(argv[i]);
		if (rs_uuid_parse(g.part[g.n].guid[0], argv[i + 1]) < 0 ||
		    rs_uuid_parse(g.part[g.n].guid[1], argv[i + 2]) < 0)
			return 1;
	}
	if ((r = rs_blk_open(&d, argv[1], 1)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], rs_strerr(r));
		return 1;
	}
	r = rs_gpt_resume(&d, &g, &pt);
	rs_blk_close(&d);
	if (r < 0)
		return r == -ECANCELED ? 100 : 1;
	printf("PTUUID=%s\n", pt.uuid_str);
	for (k = 0; k < pt.n; k++)
		printf("%u %s\n", pt.part[k].number, pt.part[k].uuid_str);
	return 0;
}
