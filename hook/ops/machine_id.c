/* machine_id.c: /etc/machine-id and its D-Bus copy (docs/operations.md §3). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "ops.h"
#include "uuid.h"

#define MID_PATH  "/etc/machine-id"
#define DBUS_PATH "/var/lib/dbus/machine-id"

/* Read the current ID into hex[33]; returns 1 if it is a valid ID. */
static int
read_id(rs_ctx *ctx, char hex[33])
{
	char buf[64];
	size_t len = 0, i;

	hex[0] = 0;
	if (rs_root_read(&ctx->root, MID_PATH, buf, sizeof buf, &len) < 0 || len < 32)
		return 0;
	for (i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", buf[i]) || !buf[i])
			return 0;
	if (len > 32 && buf[32] != '\n')
		return 0;
	memcpy(hex, buf, 32);
	hex[32] = 0;
	return 1;
}

/* The template's journal is stored under its ID: stale on every clone. */
static int
drop_journal(rs_ctx *ctx, const char *old)
{
	char path[64];

	snprintf(path, sizeof path, "/var/log/journal/%s", old);
	return rs_do_remove(ctx, path, 1);
}

/* A regular-file D-Bus ID would be reused by systemd (docs/operations.md §3.2);
 * a symlink (usually to /etc/machine-id) is left alone. */
static int
dbus_is_file(rs_ctx *ctx)
{
	struct stat st;

	return rs_root_lstat(&ctx->root, DBUS_PATH, &st) == 0 && S_ISREG(st.st_mode);
}

static int
write_literal(rs_ctx *ctx, enum rs_mid_mode mode)
{
	int r;

	if (mode == RS_MID_UNINITIALIZED)
		r = rs_do_write(ctx, MID_PATH, "uninitialized\n", 14, 0444, 0, 0,
		    RS_W_FOLLOW, "uninitialized");
	else
		r = rs_do_write(ctx, MID_PATH, "", 0, 0444, 0, 0, RS_W_FOLLOW, "empty");
	if (r < 0)
		return r;
	if (dbus_is_file(ctx))
		r = rs_do_remove(ctx, DBUS_PATH, 0);
	return r;
}

/* see ops.h */
void
rs_machine_id_draw(rs_rng *rng, char hex[33])
{
	unsigned char id[16];
	int i;

	rs_rng_bytes(rng, id, sizeof id);
	rs_uuid_v4(id);
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	rs_wipe(id, sizeof id);
}

/* see ops.h */
int
rs_op_machine_id_run(rs_ctx *ctx)
{
	char old[33], line[34];
	rs_rng *rng;
	int r;

	read_id(ctx, old);
	if (ctx->cfg.machine_id != RS_MID_GENERATE) {
		r = write_literal(ctx, ctx->cfg.machine_id);
	} else if (ctx->dry_run) {
		r = rs_do_write(ctx, MID_PATH, "", 0, 0444, 0, 0, RS_W_FOLLOW, "new v4 machine-id");
		if (r == 0 && dbus_is_file(ctx))
			r = rs_do_write(ctx, DBUS_PATH, "", 0, 0444, 0, 0, 0, "same machine-id");
	} else {
		if (ctx->machine_id[0]) {
			/* From the boot journal: a resumed run converges to it. */
			memcpy(line, ctx->machine_id, 32);
		} else {
			rng = rs_do_rng(ctx);
			if (!rng)
				return -EIO;
			rs_machine_id_draw(rng, line);
		}
		line[32] = '\n';
		line[33] = 0;
		r = rs_do_write(ctx, MID_PATH, line, 33, 0444, 0, 0, RS_W_FOLLOW, "new v4 machine-id");
		if (r == 0 && dbus_is_file(ctx))
			r = rs_do_write(ctx, DBUS_PATH, line, 33, 0444, 0, 0, 0, "same machine-id");
	}
	if (r == 0 && old[0])
		r = drop_journal(ctx, old);
	return r;
}

/* see ops.h */
int
rs_op_machine_id_seal(rs_ctx *ctx)
{
	char old[33];
	int r;

	read_id(ctx, old);
	r = write_literal(ctx, ctx->cfg.seal_machine_id);
	if (r == 0 && old[0])
		r = drop_journal(ctx, old);
	return r;
}
