/* references.c: every text that names a changed UUID (docs/formats.md
 * §10.2).  Runs only when ctx->refs holds pairs: the boot plan (or
 * `reseal references OLD=NEW...`) supplies them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ops.h"
#include "scan.h"

#define REF_FILE_MAX (512 * 1024)   /* grub.cfg of a busy multi-kernel /boot fits */

/* Single files that may name a filesystem or partition. */
static const char *const files[] = {
	"/etc/fstab",
	"/etc/crypttab",
	"/etc/default/grub",
	"/etc/kernel/cmdline",
	"/etc/initramfs-tools/conf.d/resume",
	"/boot/grub/grub.cfg",
	"/boot/grub2/grub.cfg",
	"/boot/cmdline.txt",                 /* Raspberry Pi, /boot is the firmware fs */
	"/boot/firmware/cmdline.txt",        /* Raspberry Pi OS bookworm */
	"/boot/extlinux/extlinux.conf",
	"/extlinux/extlinux.conf",
	"/boot/syslinux/syslinux.cfg",
	"/boot/syslinux.cfg",
};

/* Directories whose matching entries are rewritten. */
static const struct { const char *dir, *pattern; } globs[] = {
	{ "/boot/loader/entries", "*.conf" },        /* BLS, /boot as XBOOTLDR */
	{ "/boot/efi/loader/entries", "*.conf" },    /* BLS on the ESP */
	{ "/efi/loader/entries", "*.conf" },
	{ "/etc/default/grub.d", "*.cfg" },
	{ "/etc/dracut.conf.d", "*.conf" },          /* kernel_cmdline="root=UUID=..." */
	{ "/etc/systemd/system", "*.mount" },
	{ "/etc/systemd/system", "*.swap" },
};

/* ESP directories whose subdirectories may hold a GRUB stub grub.cfg
 * ("search.fs_uuid <uuid> root", docs/formats.md §11.1). */
static const char *const esp_efi[] = { "/boot/efi/EFI", "/efi/EFI", "/boot/EFI" };

static char in[REF_FILE_MAX], out[REF_FILE_MAX + 8192];

static int
rewrite_file(rs_ctx *ctx, const char *path)
{
	struct stat st;
	size_t len, outlen;
	char what[64];
	int r, n;

	r = rs_root_stat(&ctx->root, path, &st);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0 || !S_ISREG(st.st_mode))
		return r < 0 ? r : 0;
	r = rs_root_read(&ctx->root, path, in, sizeof in, &len);
	if (r < 0) {
		rs_err("unable to read %s: %s", path, rs_strerr(r));
		return r;
	}
	n = rs_refs_rewrite(&ctx->refs, in, len, out, sizeof out, &outlen);
	if (n < 0) {
		rs_err("%s: rewritten text too large", path);
		return n;
	}
	if (n == 0)
		return 0;
	snprintf(what, sizeof what, "%d reference%s updated", n, n == 1 ? "" : "s");
	return rs_do_write(ctx, path, out, outlen, st.st_mode & 07777, st.st_uid, st.st_gid,
	    RS_W_FOLLOW, what);
}

/* The entries of one directory that this op must handle, collected first
 * (rewriting or renaming while readdir runs could skip or revisit entries).
 * Only entries that need handling count against NAMES_MAX; past it the op
 * fails loudly instead of leaving them unchanged in silence
 * (docs/formats.md §10.3). */
#define NAMES_MAX 256

enum names_want {
	WANT_PATTERN,   /* names matching pattern (NULL: every entry) */
	WANT_DEPS,      /* *.wants and *.requires directories */
	WANT_REFS,      /* names carrying an old identifier */
};

struct names {
	char name[NAMES_MAX][256];
	unsigned char type[NAMES_MAX];
	int n;
	enum names_want want;
	const char *pattern;
	const rs_refs *refs;
	int over;                /* wanted entries past NAMES_MAX or too long */
	char first_over[256];    /* the first of them (truncated) */
};

static int
wanted(const struct names *l, const char *name)
{
	char scratch[300];
	size_t n = strlen(name), slen;

	switch (l->want) {
	case WANT_DEPS:
		return (n > 6 && !strcmp(name + n - 6, ".wants")) ||
		    (n > 9 && !strcmp(name + n - 9, ".requires"));
	case WANT_REFS:
		/* A name that would not fit the rewrite still counts: it is
		 * one this op cannot handle, and must say so. */
		return rs_refs_rewrite(l->refs, name, n, scratch, sizeof scratch - 1, &slen) != 0;
	case WANT_PATTERN:
		break;
	}
	return !l->pattern || rs_glob_match(l->pattern, name);
}

static int
collect(void *p, const char *name, unsigned char d_type)
{
	struct names *l = p;

	if (!wanted(l, name))
		return 0;
	if (l->n == NAMES_MAX || strlen(name) >= sizeof l->name[0]) {
		if (!l->over++)
			snprintf(l->first_over, sizeof l->first_over, "%s", name);
		return 0;
	}
	l->type[l->n] = d_type;
	strcpy(l->name[l->n++], name);
	return 0;
}

/* List dir's wanted entries into l.  -EOVERFLOW, after saying which
 * entries are left as they are, when some could not be listed; the listed
 * ones are still handled by the caller. */
static int
list_want(rs_ctx *ctx, const char *dir, enum names_want want, const char *pattern,
    struct names *l)
{
	int r;

	memset(l, 0, sizeof *l);
	l->want = want;
	l->pattern = pattern;
	l->refs = &ctx->refs;
	r = rs_root_list(&ctx->root, dir, collect, l);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return r;
	if (l->over) {
		rs_err("%s: %d entr%s not handled, the first '%s': more than NAMES_MAX (%d) "
		    "entries to handle, or a name of 256 bytes or more; %s left unchanged",
		    dir, l->over, l->over == 1 ? "y" : "ies", l->first_over, NAMES_MAX,
		    l->over == 1 ? "it is" : "they are");
		return -EOVERFLOW;
	}
	return 0;
}

static int
list(rs_ctx *ctx, const char *dir, const char *pattern, struct names *l)
{
	return list_want(ctx, dir, WANT_PATTERN, pattern, l);
}

/* A unit named after a device ("dev-disk-by\x2duuid-<uuid>.swap"), or a
 * .wants/ link to one: give it the new name (and a link the new target). */
static int
rename_entry(rs_ctx *ctx, const char *dir, const char *name, const char *newname)
{
	char from[600], to[600], target[512], newtarget[600];
	struct stat st;
	size_t tlen = 0;
	int r, dfd;

	snprintf(from, sizeof from, "%s/%s", dir, name);
	snprintf(to, sizeof to, "%s/%s", dir, newname);
	r = rs_root_lstat(&ctx->root, from, &st);
	if (r < 0)
		return r;
	ctx->changes++;
	if (ctx->dry_run) {
		printf("would rename %s to %s\n", from, newname);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		r = rs_root_read(&ctx->root, from, in, sizeof in, &tlen);
		if (r < 0)
			return r;
		if (rs_refs_rewrite(&ctx->refs, in, tlen, out, sizeof out, &tlen) < 0)
			return -ENOSPC;
		r = rs_root_write_atomic(&ctx->root, to, out, tlen, st.st_mode & 07777, st.st_uid,
		    st.st_gid, 0);
	} else if (S_ISLNK(st.st_mode)) {
		char leaf[256], tmp[320];
		ssize_t n;

		dfd = rs_root_open_parent(&ctx->root, from, leaf, sizeof leaf);
		if (dfd < 0)
			return dfd;
		n = readlinkat(dfd, leaf, target, sizeof target - 1);
		if (n < 0) {
			r = -errno;
			close(dfd);
			return r;
		}
		if (rs_refs_rewrite(&ctx->refs, target, (size_t)n, newtarget, sizeof newtarget - 1,
		        &tlen) < 0) {
			close(dfd);
			return -ENOSPC;
		}
		newtarget[tlen] = 0;
		/* Link text is never followed here, so it cannot lead outside. */
		if (strlen(newname) > 255 - 13) {
			close(dfd);
			return -ENAMETOOLONG;
		}
		snprintf(tmp, sizeof tmp, ".%.242s.reseal-link", newname);
		unlinkat(dfd, tmp, 0);
		r = symlinkat(newtarget, dfd, tmp) < 0 ? -errno : 0;
		if (r == 0 && renameat(dfd, tmp, dfd, newname) < 0)
			r = -errno;
		if (r == 0 && fsync(dfd) < 0)
			r = -errno;
		close(dfd);
	} else {
		return 0;
	}
	if (r < 0) {
		rs_err("unable to rename %s: %s", from, rs_strerr(r));
		return r;
	}
	r = rs_root_unlink(&ctx->root, from);
	if (r < 0 && r != -ENOENT)
		return r;
	rs_note(ctx, "renamed %s to %s", from, newname);
	return 0;
}

/* Rename every entry of dir whose name carries an old identifier. */
static int
rename_in(rs_ctx *ctx, const char *dir)
{
	static struct names l;
	char newname[300];
	size_t nlen;
	int i, r, err = 0;

	err = list_want(ctx, dir, WANT_REFS, NULL, &l);
	if (err < 0 && err != -EOVERFLOW)
		return err;
	for (i = 0; i < l.n; i++) {
		if (rs_refs_rewrite(&ctx->refs, l.name[i], strlen(l.name[i]), newname,
		        sizeof newname - 1, &nlen) <= 0)
			continue;
		newname[nlen] = 0;
		r = rename_entry(ctx, dir, l.name[i], newname);
		if (r < 0 && !err)
			err = r;
	}
	return err;
}

/* see ops.h */
int
rs_op_references_run(rs_ctx *ctx)
{
	static struct names l, sub;
	char path[600];
	size_t i;
	int j, r, err = 0;

	if (!ctx->refs.n)
		return 0;
#define KEEP(x) do { r = (x); if (r < 0 && !err) err = r; } while (0)
	for (i = 0; i < sizeof files / sizeof files[0]; i++)
		KEEP(rewrite_file(ctx, files[i]));
	for (i = 0; i < sizeof globs / sizeof globs[0]; i++) {
		KEEP(list(ctx, globs[i].dir, globs[i].pattern, &l));
		for (j = 0; j < l.n; j++) {
			snprintf(path, sizeof path, "%s/%s", globs[i].dir, l.name[j]);
			KEEP(rewrite_file(ctx, path));
		}
	}
	for (i = 0; i < sizeof esp_efi / sizeof esp_efi[0]; i++) {
		KEEP(list(ctx, esp_efi[i], NULL, &l));
		for (j = 0; j < l.n; j++) {
			snprintf(path, sizeof path, "%s/%s/grub.cfg", esp_efi[i], l.name[j]);
			KEEP(rewrite_file(ctx, path));
		}
	}
	/* Unit names and the .wants/.requires links that point at them. */
	KEEP(rename_in(ctx, "/etc/systemd/system"));
	KEEP(list_want(ctx, "/etc/systemd/system", WANT_DEPS, NULL, &sub));
	for (j = 0; j < sub.n; j++) {
		snprintf(path, sizeof path, "/etc/systemd/system/%s", sub.name[j]);
		KEEP(rename_in(ctx, path));
	}
#undef KEEP
	return err;
}
