/* iscsi_name.c: the iSCSI initiator name (docs/operations.md §7.1). */
#include "ops.h"

/* see ops.h */
int
rs_op_iscsi_name_run(rs_ctx *ctx)
{
	/* open-iscsi's iscsi-init.service regenerates it (7.1). */
	return rs_do_remove(ctx, "/etc/iscsi/initiatorname.iscsi", 0);
}
