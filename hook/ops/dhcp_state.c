/* dhcp_state.c: DHCP leases and stored DUIDs (docs/operations.md §5.2). */
#include <stddef.h>

#include "ops.h"

/* see ops.h */
int
rs_op_dhcp_state_run(rs_ctx *ctx)
{
	/* docs/operations.md §5.2: leases and stored DUIDs of every common client. */
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
