/* net_rules.c: interface names bound to the template's MAC addresses
 * (docs/operations.md §5.3). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "ops.h"
#include "scan.h"

#define IFCFG_DIR "/etc/sysconfig/network-scripts"
#define IFCFG_MAX 16384

/* Drop HWADDR= lines (RH-family ifcfg files), keeping the file's mode and
 * owner.  Files without such a line are not rewritten. */
static int
strip_hwaddr(rs_ctx *ctx, const char *path)
{
	static char in[IFCFG_MAX], out[IFCFG_MAX];
	struct stat st;
	size_t len, i = 0, o = 0;
	int r, dropped = 0;

	r = rs_root_lstat(&ctx->root, path, &st);
	if (r < 0 || !S_ISREG(st.st_mode))
		return 0;   /* symlinks and specials are configuration we do not own */
	r = rs_root_read(&ctx->root, path, in, sizeof in, &len);
	if (r < 0) {
		rs_err("unable to read %s: %s", path, rs_strerr(r));
		return r;
	}
	while (i < len) {
		size_t n = 0, s;
		while (i + n < len && in[i + n] != '\n')
			n++;
		if (i + n < len)
			n++;   /* keep the newline with its line */
		/* in is not NUL-terminated (a file may fill it): scan the line's
		 * n bytes only, never str*() past them. */
		s = 0;
		while (s < n && (in[i + s] == ' ' || in[i + s] == '\t'))
			s++;
		if (s < n && n - s >= 7 && !strncmp(in + i + s, "HWADDR=", 7)) {
			dropped = 1;
		} else {
			memcpy(out + o, in + i, n);
			o += n;
		}
		i += n;
	}
	if (!dropped)
		return 0;
	return rs_do_write(ctx, path, out, o, st.st_mode & 07777, st.st_uid, st.st_gid, 0,
	    "HWADDR= lines removed");
}

struct ifcfg_list {
	char names[32][128];
	int n, over;   /* over: ifcfg files not listed (logged) */
};

static int
collect_ifcfg(void *p, const char *name, unsigned char d_type)
{
	struct ifcfg_list *l = p;

	(void)d_type;
	if (!rs_glob_match("ifcfg-*", name))
		return 0;
	if (l->n == (int)(sizeof l->names / sizeof l->names[0]) ||
	    strlen(name) >= sizeof l->names[0]) {
		/* Not silently: a HWADDR= left behind binds the clone's
		 * interface to the template's MAC (docs/operations.md §5.3). */
		rs_err("%s/%s not checked for HWADDR=: more than %d ifcfg files, or a name of "
		    "%d bytes or more; it is left unchanged", IFCFG_DIR, name,
		    (int)(sizeof l->names / sizeof l->names[0]), (int)sizeof l->names[0]);
		l->over++;
		return 0;
	}
	strcpy(l->names[l->n++], name);
	return 0;
}

/* see ops.h */
int
rs_op_net_rules_run(rs_ctx *ctx)
{
	static struct ifcfg_list l;
	char path[256];
	int i, r, err;

	err = rs_do_remove(ctx, "/etc/udev/rules.d/70-persistent-net.rules", 0);
	l.n = l.over = 0;
	r = rs_root_list(&ctx->root, IFCFG_DIR, collect_ifcfg, &l);
	if (r < 0 && r != -ENOENT && r != -ENOTDIR) {
		rs_err("unable to list %s: %s", IFCFG_DIR, rs_strerr(r));
		return r;
	}
	for (i = 0; i < l.n; i++) {
		snprintf(path, sizeof path, "%s/%s", IFCFG_DIR, l.names[i]);
		r = strip_hwaddr(ctx, path);
		if (r < 0 && !err)
			err = r;
	}
	return err ? err : l.over ? -EOVERFLOW : 0;
}
