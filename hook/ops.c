/* ops.c: the op table and the helpers every op writes through (see ops.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "ops.h"
#include "scan.h"

/* Order matters (docs/operations.md §8): identity files first, host keys
 * last so they pick up the new hostname and a slow RSA draw delays nothing. */
const rs_op rs_ops[] = {
	{ "references", "rewrite fstab/crypttab/bootloader lines naming changed UUIDs",
	  rs_op_references_run, NULL },
	{ "machine-id", "new /etc/machine-id (and D-Bus copy); drop the old journal",
	  rs_op_machine_id_run, rs_op_machine_id_seal },
	{ "net-rules", "remove MAC-bound interface names (70-persistent-net.rules, ifcfg HWADDR=)",
	  rs_op_net_rules_run, rs_op_net_rules_run },
	{ "dhcp-state", "remove DHCP leases and DUIDs (dhclient, dhcpcd, NetworkManager)",
	  rs_op_dhcp_state_run, rs_op_dhcp_state_run },
	{ "nm-secret", "remove NetworkManager's secret_key",
	  rs_op_nm_secret_run, rs_op_nm_secret_run },
	{ "random-seed", "fresh systemd random seed from reseal's DRBG; remove other seeds",
	  rs_op_random_seed_run, rs_op_random_seed_seal },
	{ "credential-secret", "remove systemd's credential.secret",
	  rs_op_credential_secret_run, rs_op_credential_secret_run },
	{ "iscsi-name", "remove the iSCSI initiator name",
	  rs_op_iscsi_name_run, rs_op_iscsi_name_run },
	{ "lvm-devices", "remove LVM's system.devices (device IDs change on a clone)",
	  rs_op_lvm_devices_run, rs_op_lvm_devices_run },
	{ "hostname", "set /etc/hostname from the configured pattern (off unless configured)",
	  rs_op_hostname_run, NULL },
	{ "remove", "remove the extra paths listed in [remove]",
	  rs_op_remove_run, rs_op_remove_run },
	{ "ssh-hostkeys", "remove old SSH/dropbear host keys; generate new ones",
	  rs_op_ssh_hostkeys_run, rs_op_ssh_hostkeys_seal },
};
const int rs_nops = sizeof rs_ops / sizeof rs_ops[0];

/* see ops.h */
int
rs_op_find(const char *name)
{
	int i;

	for (i = 0; i < rs_nops; i++)
		if (!strcmp(rs_ops[i].name, name))
			return i;
	return -1;
}

/* Directories rs_root_write_atomic writes secrets or identity to (host
 * keys, machine-id, random seed, the journal): a crash between a temp
 * file's creation and its rename leaves a RS_TMP_GLOB file there, possibly
 * holding a private key.  Only directories of the root filesystem: on FAT a
 * crash may leave a temp sharing clusters with the file (docs/boot.md §8.4),
 * which fsck, not an unlink, must sort out. */
static const char *const temp_dirs[] = {
	"/etc", "/etc/ssh", "/etc/dropbear", "/etc/reseal", "/etc/default",
	"/etc/kernel", "/var/lib/systemd", "/var/lib/dbus",
};

static int sweep_temps(rs_ctx *ctx);

/* see ops.h */
int
rs_ops_run(rs_ctx *ctx, unsigned mask, int seal)
{
	int i, r, failed = 0;

	if (sweep_temps(ctx) < 0)
		failed++;
	for (i = 0; i < rs_nops; i++) {
		int (*fn)(rs_ctx *) = seal ? rs_ops[i].seal : rs_ops[i].run;
		if (!(mask & (1u << i)) || !fn)
			continue;
		rs_debug("%s: %s", rs_ops[i].name, seal ? "seal" : "run");
		r = fn(ctx);
		if (r < 0) {
			rs_err("%s failed: %s", rs_ops[i].name, rs_strerr(r));
			failed++;
		}
	}
	return failed;
}

/* see ops.h */
void
rs_note(rs_ctx *ctx, const char *fmt, ...)
{
	size_t room = sizeof ctx->status - ctx->status_len;
	va_list ap;
	int n;

	if (room < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ctx->status + ctx->status_len, room - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room - 1)
		n = (int)room - 2;
	ctx->status_len += (size_t)n;
	ctx->status[ctx->status_len++] = '\n';
	ctx->status[ctx->status_len] = 0;
}

#ifndef RESEAL_VERSION
#define RESEAL_VERSION "unknown"
#endif

/* see ops.h */
int
rs_status_write(rs_ctx *ctx, const char *verb)
{
	static char text[RS_STATUS_MAX + 256];
	char when[32];
	int n, r;

	rs_utc_stamp(time(NULL), when);
	n = snprintf(text, sizeof text, "reseal %s %s at %s\n%s", RESEAL_VERSION, verb, when,
	    ctx->status);
	if (n < 0 || (size_t)n >= sizeof text)
		n = (int)strlen(text);
	r = rs_root_mkdir_p(&ctx->root, "/etc/reseal", 0755);
	if (r == 0)
		r = rs_root_write_atomic(&ctx->root, RS_STATUS_PATH, text, (size_t)n, 0644, 0, 0, 0);
	if (r < 0)
		rs_err("unable to write %s: %s", RS_STATUS_PATH, rs_strerr(r));
	return r;
}

/* see ops.h */
rs_rng *
rs_do_rng(rs_ctx *ctx)
{
	int r;

	if (ctx->rng.ready)
		return &ctx->rng;
	r = rs_rng_init(&ctx->rng);
	if (r < 0) {
		rs_err("unable to seed the random generator: %s", rs_strerr(r));
		return NULL;
	}
	return &ctx->rng;
}

/* see ops.h */
int
rs_exists(rs_ctx *ctx, const char *path)
{
	struct stat st;
	int r = rs_root_lstat(&ctx->root, path, &st);

	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	return r < 0 ? r : 1;
}

/* see ops.h */
int
rs_do_remove(rs_ctx *ctx, const char *path, int tree)
{
	struct stat st;
	int r;

	r = rs_root_lstat(&ctx->root, path, &st);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0) {
		rs_err("unable to inspect %s: %s", path, rs_strerr(r));
		return r;
	}
	if (S_ISDIR(st.st_mode) && !tree) {
		rs_warn("not removing directory %s (expected a file)", path);
		return 0;
	}
	ctx->changes++;
	if (ctx->dry_run) {
		printf("would remove %s%s\n", path, S_ISDIR(st.st_mode) ? "/ (tree)" : "");
		return 0;
	}
	r = S_ISDIR(st.st_mode) ? rs_root_remove_tree(&ctx->root, path)
	                        : rs_root_unlink(&ctx->root, path);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		rs_err("unable to remove %s: %s", path, rs_strerr(r));
		return r;
	}
	rs_note(ctx, "removed %s", path);
	return 0;
}

struct match_ctx {
	rs_ctx *ctx;
	const char *dir, *pattern;
	char names[64][256];
	int n, overflow;
};

static int
collect_match(void *p, const char *name, unsigned char d_type)
{
	struct match_ctx *m = p;

	(void)d_type;
	if (!rs_glob_match(m->pattern, name))
		return 0;
	if (m->n == (int)(sizeof m->names / sizeof m->names[0])) {
		m->overflow = 1;
		return 1;
	}
	snprintf(m->names[m->n++], sizeof m->names[0], "%s", name);
	return 0;
}

/* see ops.h */
int
rs_do_remove_matching(rs_ctx *ctx, const char *dir, const char *pattern)
{
	static struct match_ctx m;  /* large; ops run one at a time */
	char path[RS_PATH_MAX * 2];
	int r, i, err = 0;

	/* Collect first, then remove: never unlink while a readdir is open. */
	do {
		memset(&m, 0, sizeof m);
		m.ctx = ctx;
		m.dir = dir;
		m.pattern = pattern;
		r = rs_root_list(&ctx->root, dir, collect_match, &m);
		if (r == -ENOENT || r == -ENOTDIR)
			return 0;
		if (r < 0) {
			rs_err("unable to list %s: %s", dir, rs_strerr(r));
			return r;
		}
		for (i = 0; i < m.n; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, m.names[i]);
			r = rs_do_remove(ctx, path, 1);
			if (r < 0 && !err)
				err = r;
		}
	} while (m.overflow && !err && !ctx->dry_run);
	return err;
}

/* Remove leftover temp files from an interrupted write (run, boot and seal:
 * a template must not carry them into its clones).  Directories with such a
 * name are left alone (rs_do_remove warns). */
static int
sweep_temps(rs_ctx *ctx)
{
	static struct match_ctx m;  /* large; ops run one at a time */
	char path[RS_PATH_MAX * 2];
	size_t d;
	int i, r, err = 0;

	for (d = 0; d < sizeof temp_dirs / sizeof temp_dirs[0]; d++) {
		memset(&m, 0, sizeof m);
		m.ctx = ctx;
		m.dir = temp_dirs[d];
		m.pattern = RS_TMP_GLOB;
		r = rs_root_list(&ctx->root, temp_dirs[d], collect_match, &m);
		if (r == -ENOENT || r == -ENOTDIR)
			continue;
		if (r < 0) {
			rs_err("unable to list %s for leftover temp files: %s", temp_dirs[d],
			    rs_strerr(r));
			err = r;
			continue;
		}
		if (m.overflow)
			rs_warn("more than %d leftover temp files in %s: the rest goes next time",
			    m.n, temp_dirs[d]);
		for (i = 0; i < m.n; i++) {
			snprintf(path, sizeof path, "%s/%s", temp_dirs[d], m.names[i]);
			if (!ctx->dry_run)
				rs_info("removing %s, left by an interrupted write", path);
			r = rs_do_remove(ctx, path, 0);
			if (r < 0)
				err = r;
		}
	}
	return err;
}

/* see ops.h */
int
rs_do_write(rs_ctx *ctx, const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, int flags, const char *what)
{
	int r;

	ctx->changes++;
	if (ctx->dry_run) {
		printf("would write %s (%s, mode %04o)\n", path, what, (unsigned)mode);
		return 0;
	}
	r = rs_root_write_atomic(&ctx->root, path, data, len, mode, uid, gid, flags);
	if (r < 0) {
		rs_err("unable to write %s: %s", path, rs_strerr(r));
		return r;
	}
	rs_note(ctx, "wrote %s (%s)", path, what);
	return 0;
}
