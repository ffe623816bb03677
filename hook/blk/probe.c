/* probe.c: decide which format a device holds (docs/formats.md §0.2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"

static const struct rs_fs_format formats[] = {
	{ "ext4",  rs_ext4_probe,  rs_ext4_set_uuid },
	{ "xfs",   rs_xfs_probe,   rs_xfs_set_uuid },
	{ "btrfs", rs_btrfs_probe, rs_btrfs_set_uuid },
	{ "vfat",  rs_vfat_probe,  rs_vfat_set_uuid },
	{ "swap",  rs_swap_probe,  rs_swap_set_uuid },
};

/* see blk.h */
int
rs_probe_fs(rs_blkdev *d, rs_fsinfo *fi, const struct rs_fs_format **fmt)
{
	rs_fsinfo cand;
	size_t i;
	int found = 0, bad = 0;

	memset(fi, 0, sizeof *fi);
	*fmt = NULL;
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		int r;

		memset(&cand, 0, sizeof cand);
		r = formats[i].probe(d, &cand);
		if (r == -ENOENT)
			continue;
		if (r == -EUCLEAN) {
			if (!found && !bad)
				*fi = cand;
			bad++;
			continue;
		}
		if (r < 0)
			return r;
		if (found++) {
			snprintf(fi->why, sizeof fi->why, "both %s and %s signatures present",
			    fi->type, cand.type);
			*fmt = NULL;
			return -EEXIST;
		}
		*fi = cand;
		*fmt = &formats[i];
	}
	if (found)
		return 0;
	return bad ? -EUCLEAN : -ENOENT;
}

/* see blk.h */
int
rs_probe_table(rs_blkdev *d, rs_ptable *pt, int (**set)(rs_blkdev *, const rs_ptable *))
{
	int r;

	memset(pt, 0, sizeof *pt);
	*set = NULL;
	r = rs_gpt_probe(d, pt);
	if (r == 0)
		*set = rs_gpt_set_uuids;
	if (r != -ENOENT)
		return r;
	memset(pt, 0, sizeof *pt);
	r = rs_mbr_probe(d, pt);
	if (r == 0)
		*set = rs_mbr_set_uuids;
	return r;
}
