/* ext4.c: placeholder until the ext4 module lands (recognises nothing, writes nothing). */
#include <errno.h>

#include "blk.h"

/* see blk.h */
int
rs_ext4_probe(rs_blkdev *d, rs_fsinfo *fi)
{
	(void)d; (void)fi;
	return -ENOENT;
}

/* see blk.h */
int
rs_ext4_set_uuid(rs_blkdev *d, const unsigned char *uuid)
{
	(void)d; (void)uuid;
	return -ENOSYS;
}
