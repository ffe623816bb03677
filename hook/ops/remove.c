/* remove.c: the extra paths of [remove] in reseal.conf. */
#include "ops.h"

/* see ops.h */
int
rs_op_remove_run(rs_ctx *ctx)
{
	int i, r, err = 0;

	for (i = 0; i < ctx->cfg.nremove; i++) {
		r = rs_do_remove(ctx, ctx->cfg.remove[i], 1);
		if (r < 0 && !err)
			err = r;
	}
	return err;
}
