/* simple.c: the ops that only remove per-machine state files
 * (identity.md sections 4, 5 and 7).  Each list names what the daemon
 * regenerates by itself once the file is gone. */
#include <stddef.h>

#include "ops.h"

/* see ops.h */
int
rs_op_nm_secret_run(rs_ctx *ctx)
{
	/* NetworkManager makes a new one when it is missing (identity.md 5.1). */
	return rs_do_remove(ctx, "/var/lib/NetworkManager/secret_key", 0);
}

/* see ops.h */
int
rs_op_credential_secret_run(rs_ctx *ctx)
{
	/* systemd makes a new one on the next credential encryption (4.3). */
	return rs_do_remove(ctx, "/var/lib/systemd/credential.secret", 0);
}

/* see ops.h */
int
rs_op_iscsi_name_run(rs_ctx *ctx)
{
	/* open-iscsi's iscsi-init.service regenerates it (7.1). */
	return rs_do_remove(ctx, "/etc/iscsi/initiatorname.iscsi", 0);
}

/* see ops.h */
int
rs_op_lvm_devices_run(rs_ctx *ctx)
{
	/* It names device WWIDs, which differ on every clone (7.4). */
	return rs_do_remove(ctx, "/etc/lvm/devices/system.devices", 0);
}

/* see ops.h */
int
rs_op_dhcp_state_run(rs_ctx *ctx)
{
	/* identity.md 5.2: leases and stored DUIDs of every common client. */
	static const struct { const char *dir, *pattern; } state[] = {
		{ "/var/lib/dhcp", "*" },              /* ISC dhclient, Debian family */
		{ "/var/lib/dhclient", "*" },          /* ISC dhclient, RH family */
		{ "/var/lib/dhcpcd", "*.lease" },
		{ "/var/lib/dhcpcd", "*.lease6" },
		{ "/var/lib/dhcpcd", "duid" },
		{ "/var/lib/dhcpcd", "secret" },
		{ "/var/db/dhcpcd", "*.lease" },       /* older dhcpcd DBDIR */
		{ "/var/db/dhcpcd", "*.lease6" },
		{ "/var/db/dhcpcd", "duid" },
		{ "/var/db/dhcpcd", "secret" },
		{ "/etc", "dhcpcd.duid" },             /* dhcpcd < 9 */
		{ "/etc", "dhcpcd.secret" },
		{ "/var/lib/NetworkManager", "*.lease" },
	};
	size_t i;
	int r, err = 0;

	for (i = 0; i < sizeof state / sizeof state[0]; i++) {
		r = rs_do_remove_matching(ctx, state[i].dir, state[i].pattern);
		if (r < 0 && !err)
			err = r;
	}
	return err;
}

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
