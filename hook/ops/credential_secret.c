/* credential_secret.c: systemd's credential encryption key (docs/operations.md §4.3). */
#include "ops.h"

/* see ops.h */
int
rs_op_credential_secret_run(rs_ctx *ctx)
{
	/* systemd makes a new one on the next credential encryption (4.3). */
	return rs_do_remove(ctx, "/var/lib/systemd/credential.secret", 0);
}
