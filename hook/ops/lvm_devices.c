/* lvm_devices.c: LVM's device list, which names WWIDs (docs/operations.md §7.4). */
#include "ops.h"

/* see ops.h */
int
rs_op_lvm_devices_run(rs_ctx *ctx)
{
	/* It names device WWIDs, which differ on every clone (7.4). */
	return rs_do_remove(ctx, "/etc/lvm/devices/system.devices", 0);
}
