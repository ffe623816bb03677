/* gpt.c: placeholder until the gpt module lands (recognises nothing, writes nothing). */
#include <errno.h>

#include "blk.h"

/* see blk.h */
int
rs_gpt_probe(rs_blkdev *d, rs_ptable *pt)
{
	(void)d; (void)pt;
	return -ENOENT;
}

/* see blk.h */
int
rs_gpt_set_uuids(rs_blkdev *d, const rs_ptable *want)
{
	(void)d; (void)want;
	return -ENOSYS;
}
