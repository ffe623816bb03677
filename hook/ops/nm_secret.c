/* nm_secret.c: NetworkManager's per-host secret (docs/operations.md §5.1). */
#include "ops.h"

/* see ops.h */
int
rs_op_nm_secret_run(rs_ctx *ctx)
{
	/* NetworkManager makes a new one when it is missing (operations.md §5.1). */
	return rs_do_remove(ctx, "/var/lib/NetworkManager/secret_key", 0);
}
