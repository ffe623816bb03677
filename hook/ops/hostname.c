/* hostname.c: optional new hostname from a pattern (docs/operations.md §7.2).
 *
 * Off unless [hostname] pattern is set.  Each '?' in the pattern becomes a
 * random hex digit (the same syntax systemd's hostname(5) uses, so a pattern
 * also works on images where systemd would expand it itself).  Debian's
 * "127.0.1.1 <hostname>" line in /etc/hosts is updated to match. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "ops.h"

#define HOSTS_MAX 65536

/* Replace whole-word old with new on 127.0.1.1 lines of /etc/hosts. */
static int
fix_hosts(rs_ctx *ctx, const char *old, const char *new)
{
	static char in[HOSTS_MAX], out[HOSTS_MAX + 4096];
	size_t len, i = 0, o = 0, oldlen = strlen(old), newlen = strlen(new);
	struct stat st;
	int r, changed = 0;

	r = rs_root_lstat(&ctx->root, "/etc/hosts", &st);
	if (r < 0 || !S_ISREG(st.st_mode) || !*old)
		return 0;
	r = rs_root_read(&ctx->root, "/etc/hosts", in, sizeof in, &len);
	if (r < 0) {
		rs_warn("unable to read /etc/hosts: %s", rs_strerr(r));
		return 0;
	}
	while (i < len) {
		size_t n = 0, j;
		int ours;
		while (i + n < len && in[i + n] != '\n')
			n++;
		ours = n > 9 && !strncmp(in + i, "127.0.1.1", 9) && (in[i + 9] == ' ' || in[i + 9] == '\t');
		for (j = 0; j < n;) {
			int word_start = j == 0 || in[i + j - 1] == ' ' || in[i + j - 1] == '\t';
			size_t end = j + oldlen;
			if (ours && word_start && end <= n && !memcmp(in + i + j, old, oldlen) &&
			    (end == n || in[i + end] == ' ' || in[i + end] == '\t' || in[i + end] == '.')) {
				if (o + newlen >= sizeof out)
					return -EFBIG;
				memcpy(out + o, new, newlen);
				o += newlen;
				j = end;
				changed = 1;
				continue;
			}
			if (o + 1 >= sizeof out)
				return -EFBIG;
			out[o++] = in[i + j++];
		}
		if (i + n < len)
			out[o++] = '\n';
		i += n + 1;
	}
	if (!changed)
		return 0;
	return rs_do_write(ctx, "/etc/hosts", out, o, st.st_mode & 07777, st.st_uid, st.st_gid, 0,
	    "127.0.1.1 line names the new hostname");
}

/* see ops.h */
int
rs_op_hostname_run(rs_ctx *ctx)
{
	static const char hex[] = "0123456789abcdef";
	char old[72] = "", name[72];
	size_t len = 0, i, n;
	rs_rng *rng = NULL;
	int r;

	if (!ctx->cfg.hostname[0])
		return 0;
	if (rs_root_read(&ctx->root, "/etc/hostname", old, sizeof old - 1, &len) == 0) {
		old[len] = 0;
		old[strcspn(old, " \t\r\n")] = 0;
	}
	if (!ctx->dry_run && strchr(ctx->cfg.hostname, '?')) {
		rng = rs_do_rng(ctx);
		if (!rng)
			return -EIO;
	}
	n = strlen(ctx->cfg.hostname);
	for (i = 0; i < n; i++) {
		name[i] = ctx->cfg.hostname[i];
		if (name[i] == '?') {
			unsigned char b = 0;
			if (rng)
				rs_rng_bytes(rng, &b, 1);
			name[i] = hex[b & 15];
		}
	}
	name[n++] = '\n';
	name[n] = 0;
	r = rs_do_write(ctx, "/etc/hostname", name, n, 0644, 0, 0, RS_W_FOLLOW,
	    "hostname from pattern");
	if (r < 0)
		return r;
	name[n - 1] = 0;
	if (!ctx->dry_run)
		rs_note(ctx, "hostname %s", name);
	return ctx->dry_run ? 0 : fix_hosts(ctx, old, name);
}
