/* ssh_hostkeys.c: new SSH host keys (docs/operations.md §6,
 * docs/keys.md §2, §3, §7.4 and §10).
 *
 * Every old /etc/ssh/ssh_host_* file is removed first (template keys must
 * never survive on a clone); then one key per configured type is drawn from
 * the DRBG and written atomically: private 0600 root:root, .pub 0644.  When
 * the template's private key was 0640 with a group (RHEL's ssh_keys for
 * sshd < 9), that mode and group are kept.  Dropbear gets the same keys in
 * its own format when /etc/dropbear exists (or [ssh-hostkeys] dropbear = yes).
 *
 * Which types: [ssh-hostkeys] types; else the template's, recorded by seal
 * in RS_KEYTYPES_PATH; else (an image sealed by hand) those named by the
 * HostKey lines of sshd_config and sshd_config.d/\*.conf together with the
 * key files present; else ed25519 (docs/keys.md §10). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
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

/* rs_root_list callback: the type of every name fmt matches (with ".pub"
 * or without) into kf->mask. */
struct keyfiles {
	const char *fmt;    /* "ssh_host_%s_key" or "dropbear_%s_host_key" */
	unsigned mask;
};

static int
key_file_type(void *p, const char *name, unsigned char d_type)
{
	struct keyfiles *kf = p;
	char want[64];
	size_t n;
	int t;

	(void)d_type;
	for (t = 0; t < RS_KEY_NTYPES; t++) {
		snprintf(want, sizeof want, kf->fmt, rs_keytype_name((enum rs_keytype)t));
		n = strlen(want);
		if (!strncmp(name, want, n) && (!name[n] || !strcmp(name + n, ".pub")))
			kf->mask |= 1u << t;
	}
	return 0;
}

/* The HostKey types of one sshd configuration file; absent is none. */
static unsigned
sshd_file_types(rs_ctx *ctx, const char *path)
{
	static char text[32768];
	size_t len = 0;
	int r;

	r = rs_root_read(&ctx->root, path, text, sizeof text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		rs_warn("ssh-hostkeys: unable to read %s: %s; its HostKey lines are not counted",
		    path, rs_strerr(r));
		return 0;
	}
	return rs_sshd_hostkey_types(text, len, path);
}

struct dropins {
	rs_ctx *ctx;
	unsigned mask;
};

/* rs_root_list callback: the HostKey types of every sshd_config.d/\*.conf. */
static int
sshd_dropin_types(void *p, const char *name, unsigned char d_type)
{
	struct dropins *di = p;
	char path[320];
	size_t n = strlen(name);

	(void)d_type;
	if (n < 6 || strcmp(name + n - 5, ".conf") || name[0] == '.')
		return 0;
	snprintf(path, sizeof path, SSH_DIR "/sshd_config.d/%s", name);
	di->mask |= sshd_file_types(di->ctx, path);
	return 0;
}

/* What the template has: HostKey lines and key files (docs/keys.md §10).
 * sshd_config.d/\*.conf is read as Debian's and Fedora's default
 * "Include /etc/ssh/sshd_config.d/\*.conf" does, whatever sshd_config says:
 * one key type too many is harmless, a missing one can keep sshd down. */
static unsigned
template_types(rs_ctx *ctx)
{
	struct keyfiles ssh = { "ssh_host_%s_key", 0 }, db = { "dropbear_%s_host_key", 0 };
	struct dropins di = { ctx, 0 };

	di.mask = sshd_file_types(ctx, SSH_DIR "/sshd_config");
	if (is_dir(ctx, SSH_DIR "/sshd_config.d"))
		rs_root_list(&ctx->root, SSH_DIR "/sshd_config.d", sshd_dropin_types, &di);
	if (is_dir(ctx, SSH_DIR))
		rs_root_list(&ctx->root, SSH_DIR, key_file_type, &ssh);
	if (is_dir(ctx, DB_DIR))
		rs_root_list(&ctx->root, DB_DIR, key_file_type, &db);
	return di.mask | ssh.mask | db.mask;
}

/* The record seal wrote: 0 and *mask, -ENOENT if there is none, other
 * -errno (logged) if it is unreadable or invalid. */
static int
read_record(rs_ctx *ctx, unsigned *mask)
{
	char text[512];
	size_t len = 0;
	int r = rs_root_read(&ctx->root, RS_KEYTYPES_PATH, text, sizeof text, &len);

	if (r == -ENOENT)
		return r;
	if (r == 0 && rs_keytypes_parse(text, len, mask) < 0)
		r = -EINVAL;
	if (r < 0)
		rs_err("ssh-hostkeys: unusable " RS_KEYTYPES_PATH ": %s (fix or remove it; "
		    "the old keys are kept)", rs_strerr(r));
	return r;
}

static void
types_text(unsigned mask, char *out, size_t cap)
{
	size_t len = 0;
	int t;

	out[0] = 0;
	for (t = 0; t < RS_KEY_NTYPES; t++)
		if (mask & (1u << t))
			len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " " : "",
			    rs_keytype_name((enum rs_keytype)t));
}

/* see ops.h */
int
rs_ssh_hostkey_types(rs_ctx *ctx, unsigned *mask, char *why, size_t cap)
{
	int r;

	if (ctx->cfg.key_types) {
		*mask = ctx->cfg.key_types;
		snprintf(why, cap, "[ssh-hostkeys] types in " RS_CONF_PATH);
		return 0;
	}
	r = read_record(ctx, mask);
	if (r == 0) {
		snprintf(why, cap, "the template's, recorded in " RS_KEYTYPES_PATH);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	*mask = template_types(ctx);
	if (*mask) {
		snprintf(why, cap, "the template's HostKey lines and key files");
		return 0;
	}
	*mask = 1u << RS_KEY_ED25519;
	snprintf(why, cap, "the default: the template had no host keys");
	return 0;
}

/* Write mask as the record.  /etc/reseal absent (a --force run on a root
 * that was never sealed) is no record and no error. */
static int
write_record(rs_ctx *ctx, unsigned mask)
{
	char text[256];
	size_t len = rs_keytypes_format(mask, text, sizeof text);

	if (!ctx->dry_run && !is_dir(ctx, "/etc/reseal"))
		return 0;
	return rs_do_write(ctx, RS_KEYTYPES_PATH, text, len, 0644, 0, 0, 0, "host key types");
}

/* see ops.h */
int
rs_op_ssh_hostkeys_run(rs_ctx *ctx)
{
	struct keymode km[RS_KEY_NTYPES];
	char comment[96], why[96], names[32];
	int ssh = want_openssh(ctx), db = want_dropbear(ctx);
	unsigned types;
	int t, r, recorded;

	if (!ssh && !db) {
		rs_info("ssh-hostkeys: no sshd configuration or dropbear directory; no keys made");
		return remove_old(ctx);
	}
	/* Types and modes are read before the old keys go. */
	recorded = rs_exists(ctx, RS_KEYTYPES_PATH) == 1;
	r = rs_ssh_hostkey_types(ctx, &types, why, sizeof why);
	if (r < 0)
		return r;
	types_text(types, names, sizeof names);
	rs_info("ssh-hostkeys: %s (%s)", names, why);
	for (t = 0; t < RS_KEY_NTYPES; t++)
		km[t] = private_mode(ctx, (enum rs_keytype)t);
	/* Types read from the template's files vanish with its keys: keep them
	 * in the record until the new keys are written, so a run interrupted
	 * in between resumes with the same types (docs/keys.md §10). */
	if (!ctx->cfg.key_types && !recorded) {
		r = write_record(ctx, types);
		if (r < 0)
			return r;
	}
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
		if (!(types & (1u << t)))
			continue;
		r = write_one(ctx, (enum rs_keytype)t, km[t], ssh, db, comment);
		if (r < 0)
			return r;
	}
	/* The keys now say what the record said; a clone is no template. */
	return rs_do_remove(ctx, RS_KEYTYPES_PATH, 0);
}

/* see ops.h */
int
rs_op_ssh_hostkeys_seal(rs_ctx *ctx)
{
	unsigned mask = template_types(ctx), old = 0;
	char names[32];
	int r;

	/* A second seal finds the keys gone: what the first recorded stays. */
	r = read_record(ctx, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	if (mask | old) {
		types_text(mask | old, names, sizeof names);
		rs_info("ssh-hostkeys: template host key types: %s", names);
		if ((mask | old) != old || r == -ENOENT) {
			if (!ctx->dry_run && !is_dir(ctx, "/etc/reseal")) {
				r = rs_root_mkdir_p(&ctx->root, "/etc/reseal", 0755);
				if (r < 0) {
					rs_err("unable to create /etc/reseal: %s", rs_strerr(r));
					return r;
				}
			}
			r = write_record(ctx, mask | old);
			if (r < 0)
				return r;
		}
	}
	return remove_old(ctx);
}
