/* ssh_hostkeys.c: new SSH host keys (docs/operations.md §6,
 * docs/keys.md §2, §3, §7.4 and §10).
 *
 * Every old /etc/ssh/ssh_host_* file is removed first (template keys must
 * never survive on a clone); then one key per configured type is drawn from
 * the DRBG and written atomically: private 0600 root:root, .pub 0644.  When
 * the template's private key was 0640 with a group (RHEL's ssh_keys for
 * sshd < 9), that mode and group are kept.  Dropbear gets the same keys in
 * its own format when /etc/dropbear exists (or [ssh-hostkeys] dropbear = yes). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "ops.h"
#include "sshkey.h"

#define SSH_DIR "/etc/ssh"
#define DB_DIR  "/etc/dropbear"

struct keymode {
	mode_t mode;
	gid_t gid;
};

/* The mode and group a new private key of type t gets. */
static struct keymode
private_mode(rs_ctx *ctx, enum rs_keytype t)
{
	struct keymode km = { 0600, 0 };
	char path[64];
	struct stat st;

	snprintf(path, sizeof path, SSH_DIR "/ssh_host_%s_key", rs_keytype_name(t));
	if (rs_root_lstat(&ctx->root, path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0640 && st.st_gid != 0) {
		km.mode = 0640;
		km.gid = st.st_gid;
	}
	return km;
}

static int
is_dir(rs_ctx *ctx, const char *path)
{
	struct stat st;

	return rs_root_stat(&ctx->root, path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
has_host_key(void *p, const char *name, unsigned char d_type)
{
	(void)p;
	(void)d_type;
	return !strncmp(name, "ssh_host_", 9);
}

/* OpenSSH is installed if sshd has a config here or the template had keys. */
static int
want_openssh(rs_ctx *ctx)
{
	if (!is_dir(ctx, SSH_DIR))
		return 0;
	return rs_exists(ctx, SSH_DIR "/sshd_config") == 1 ||
	    rs_exists(ctx, SSH_DIR "/sshd_config.d") == 1 ||
	    rs_root_list(&ctx->root, SSH_DIR, has_host_key, NULL) == 1;
}

static int
want_dropbear(rs_ctx *ctx)
{
	if (ctx->cfg.dropbear == RS_NO)
		return 0;
	return ctx->cfg.dropbear == RS_YES || is_dir(ctx, DB_DIR);
}

/* ssh-keygen -A names its keys root@<hostname>. */
static void
key_comment(rs_ctx *ctx, char *out, size_t cap)
{
	char host[72];
	size_t len = 0;

	if (rs_root_read(&ctx->root, "/etc/hostname", host, sizeof host - 1, &len) < 0)
		len = 0;
	host[len] = 0;
	host[strcspn(host, " \t\r\n")] = 0;
	snprintf(out, cap, "root@%s", host[0] ? host : "localhost");
}

static int
write_one(rs_ctx *ctx, enum rs_keytype t, struct keymode km, int ssh, int db,
    const char *comment)
{
	static rs_sshkey key;
	static char priv[RS_SSHKEY_FILE_MAX], pub[RS_SSHKEY_FILE_MAX];
	static unsigned char dbkey[RS_SSHKEY_FILE_MAX];
	const char *tn = rs_keytype_name(t);
	char path[80], what[64], fp[64];
	size_t plen = 0, publen = 0, dblen = 0;
	uint32_t checkint;
	rs_rng *rng;
	int r = 0;

	snprintf(what, sizeof what, "new %s host key", rs_keytype_ssh_name(t));
	if (ctx->dry_run) {
		if (ssh) {
			snprintf(path, sizeof path, SSH_DIR "/ssh_host_%s_key", tn);
			rs_do_write(ctx, path, "", 0, km.mode, 0, km.gid, 0, what);
			snprintf(path, sizeof path, SSH_DIR "/ssh_host_%s_key.pub", tn);
			rs_do_write(ctx, path, "", 0, 0644, 0, 0, 0, what);
		}
		if (db) {
			snprintf(path, sizeof path, DB_DIR "/dropbear_%s_host_key", tn);
			rs_do_write(ctx, path, "", 0, 0600, 0, 0, 0, what);
		}
		return 0;
	}
	rng = rs_do_rng(ctx);
	if (!rng)
		return -EIO;
	if (t == RS_KEY_RSA3072)
		rs_info("generating an RSA-%d host key (this can take a few seconds)", RS_RSA_BITS);
	r = rs_sshkey_generate(&key, t, rng);
	if (r < 0) {
		rs_err("unable to generate the %s host key: %s", tn, rs_strerr(r));
		return r;
	}
	rs_rng_bytes(rng, &checkint, sizeof checkint);
	if (ssh) {
		plen = rs_sshkey_openssh_private(&key, comment, checkint, priv, sizeof priv);
		publen = rs_sshkey_openssh_public(&key, comment, pub, sizeof pub);
	}
	if (db)
		dblen = rs_sshkey_dropbear(&key, dbkey, sizeof dbkey);
	rs_sshkey_fingerprint(&key, fp);
	rs_sshkey_wipe(&key);
	if ((ssh && (!plen || !publen)) || (db && !dblen)) {
		r = -EOVERFLOW;
		rs_err("unable to encode the %s host key", tn);
		goto out;
	}
	if (ssh) {
		snprintf(path, sizeof path, SSH_DIR "/ssh_host_%s_key", tn);
		r = rs_do_write(ctx, path, priv, plen, km.mode, 0, km.gid, 0, what);
		if (r < 0)
			goto out;
		snprintf(path, sizeof path, SSH_DIR "/ssh_host_%s_key.pub", tn);
		r = rs_do_write(ctx, path, pub, publen, 0644, 0, 0, 0, what);
		if (r < 0)
			goto out;
		rs_note(ctx, "hostkey %s %s " SSH_DIR "/ssh_host_%s_key", rs_keytype_ssh_name(t), fp, tn);
	}
	if (db) {
		snprintf(path, sizeof path, DB_DIR "/dropbear_%s_host_key", tn);
		r = rs_do_write(ctx, path, dbkey, dblen, 0600, 0, 0, 0, what);
		if (r < 0)
			goto out;
		rs_note(ctx, "hostkey %s %s %s", rs_keytype_ssh_name(t), fp, path);
	}
out:
	rs_wipe(priv, sizeof priv);
	rs_wipe(dbkey, sizeof dbkey);
	return r;
}

static int
remove_old(rs_ctx *ctx)
{
	int r = rs_do_remove_matching(ctx, SSH_DIR, "ssh_host_*");
	int s = rs_do_remove_matching(ctx, DB_DIR, "dropbear_*_host_key");

	return r ? r : s;
}

/* see ops.h */
int
rs_op_ssh_hostkeys_run(rs_ctx *ctx)
{
	struct keymode km[RS_KEY_NTYPES];
	char comment[96];
	int ssh = want_openssh(ctx), db = want_dropbear(ctx);
	int t, r;

	if (!ssh && !db) {
		rs_info("ssh-hostkeys: no sshd configuration or dropbear directory; no keys made");
		return remove_old(ctx);
	}
	/* Modes are read before the old keys go. */
	for (t = 0; t < RS_KEY_NTYPES; t++)
		km[t] = private_mode(ctx, (enum rs_keytype)t);
	r = remove_old(ctx);
	if (r < 0)
		return r;
	if (db && !is_dir(ctx, DB_DIR) && !ctx->dry_run) {
		r = rs_root_mkdir_p(&ctx->root, DB_DIR, 0755);
		if (r < 0) {
			rs_err("unable to create " DB_DIR ": %s", rs_strerr(r));
			return r;
		}
	}
	key_comment(ctx, comment, sizeof comment);
	for (t = 0; t < RS_KEY_NTYPES; t++) {
		if (!(ctx->cfg.key_types & (1u << t)))
			continue;
		r = write_one(ctx, (enum rs_keytype)t, km[t], ssh, db, comment);
		if (r < 0)
			return r;
	}
	return 0;
}

/* see ops.h */
int
rs_op_ssh_hostkeys_seal(rs_ctx *ctx)
{
	return remove_old(ctx);
}
