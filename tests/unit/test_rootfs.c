/* test_rootfs.c: the safe path layer.
 *
 * A scratch directory under /tmp holds "root/" (the target root) and
 * "outside/" (what a hostile image would like to reach).  The suite runs in
 * a forked child chrooted into that scratch directory (in its own mount
 * namespace, with /proc bound in), so "/outside/x" is where a naive
 * resolution of an image's "/outside/x" symlink would land, and a broken
 * rootfs.c can damage nothing but the scratch directory.  The child streams
 * its CHECKs to the parent through a pipe.
 *
 * root/ contains symlinks aimed at outside/ in every way we know; every
 * resolution test runs with the kernel resolver (openat2), with the
 * userspace walk and with AUTO, a table of lookups checks that the kernel
 * and the walk give identical answers, and a fingerprint of everything but
 * root/ (names, types, modes, owners, times, contents) must be the same at
 * the end as at the start.  Tests that need a mount (/proc bound into root/
 * for magic links, a tmpfs for cross-device trees) or a seccomp filter (to
 * make openat2 fail with ENOSYS or EPERM) run in grandchildren. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "rootfs.h"
#include "test.h"

static char base[64];      /* /tmp/reseal-rootfs-XXXXXX, "/" once chrooted */
static char rootp[128];    /* base/root */
static char outp[128];     /* base/outside */
static rs_root R = { .fd = -1 };
static const char *tag = "";
/* openat2 works here: not under QEMU 7.2's user mode (the cross tests), whose
 * syscall table lacks it and says ENOSYS.  Without it the [kernel] variants
 * of every section are skipped, and the walk still runs. */
static int have_kernel;
static int report_fd = -1; /* in the sandbox: the pipe to the parent */
static int have_ns;        /* the sandbox has its own, private mount namespace */
static int have_proc;      /* /proc is mounted inside the sandbox */

#define SKIP_EXIT 42       /* the sandbox could not be set up */

/* One CHECK, reported to the parent from inside the sandbox: ok (1 byte),
 * line (int), name length (1 byte), name. */
static void
ck(const char *name, int ok, int line)
{
	unsigned char rec[6 + 255];
	size_t n = strlen(name);

	if (report_fd < 0) {
		rs_test_check(rs_test_suite, name, ok, __FILE__, line);
		return;
	}
	if (n > 255)
		n = 255;
	rec[0] = (unsigned char)ok;
	memcpy(rec + 1, &line, 4);
	rec[5] = (unsigned char)n;
	memcpy(rec + 6, name, n);
	(void)!write(report_fd, rec, 6 + n);
}

/* CHECK names carry the resolver, e.g. "[walk] loop gives ELOOP". */
static const char *
nm(const char *name)
{
	static char ring[8][200];
	static int i;
	char *s = ring[i++ % 8];

	snprintf(s, sizeof ring[0], "[%s] %s", tag, name);
	return s;
}
#define CK(name, cond) ck(nm(name), !!(cond), __LINE__)
#define CKX(name, cond) ck((name), !!(cond), __LINE__)

/* ---- scratch-tree helpers: plain libc, never rootfs.c ---- */

static const char *
at(const char *dir, const char *rel)
{
	static char ring[8][PATH_MAX];
	static int i;
	char *s = ring[i++ % 8];

	snprintf(s, PATH_MAX, "%s/%s", dir, rel);
	return s;
}
#define R_(rel) at(rootp, rel)
#define O_(rel) at(outp, rel)

static void
mk(const char *abs)
{
	(void)mkdir(abs, 0755);
}

static void
put(const char *abs, const char *content)
{
	int fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);

	if (fd >= 0) {
		(void)!write(fd, content, strlen(content));
		close(fd);
	}
}

static void
ln(const char *target, const char *abs)
{
	(void)symlink(target, abs);
}

/* 1 if abs is a regular file (not a symlink) holding exactly content. */
static int
holds(const char *abs, const char *content)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(abs, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf);
	close(fd);
	return n == (ssize_t)strlen(content) && !memcmp(buf, content, (size_t)n);
}

static int
exists(const char *abs)
{
	struct stat st;

	return lstat(abs, &st) == 0;
}

static int
is_dir(const char *abs)
{
	struct stat st;

	return lstat(abs, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1 if abs is a symlink to target. */
static int
links_to(const char *abs, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(abs, buf, sizeof buf - 1);

	if (n < 0)
		return 0;
	buf[n] = 0;
	return !strcmp(buf, target);
}

static int
rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type == FTW_DP)
		(void)rmdir(p);
	else
		(void)unlink(p);
	return 0;
}

static void
rm_rf(const char *abs)
{
	nftw(abs, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int
rm_below(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return f->level == 0 ? 0 : rm_one(p, st, type, f);
}

/* Empty dir but keep it: R stays open on it, and its parent unchanged. */
static void
rm_contents(const char *abs)
{
	nftw(abs, rm_below, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- fingerprint of a tree: sorted lines, one per entry ---- */

#define FP_LINES 256
static char fp_line[FP_LINES][PATH_MAX + 160];
static int fp_n, fp_over;
static size_t fp_skip;
static const char *fp_prune[2];  /* subtrees left out of the fingerprint */

static uint64_t
fnv_file(const char *p)
{
	unsigned char buf[4096];
	uint64_t h = 1469598103934665603u;
	ssize_t n, i;
	int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211u;
	close(fd);
	return h;
}

/* Pruning: glibc's nftw skips a subtree on FTW_SKIP_SUBTREE; musl's (the
 * cross builds) has no FTW_ACTIONRETVAL, walks it, and every entry under a
 * pruned directory is left out instead. */
#ifdef FTW_ACTIONRETVAL
#define FP_NFTW_FLAGS (FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL)
#define FP_PRUNE      FTW_SKIP_SUBTREE
#else
#define FP_NFTW_FLAGS (FTW_PHYS | FTW_MOUNT)
#define FP_PRUNE      0
#endif

static int
fp_pruned(const char *p)
{
	int i;
	size_t n;

	for (i = 0; i < 2; i++) {
		if (!fp_prune[i])
			continue;
		n = strlen(fp_prune[i]);
		if (!strncmp(p, fp_prune[i], n) && (p[n] == 0 || p[n] == '/'))
			return 1;
	}
	return 0;
}

static int
fp_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	char extra[PATH_MAX];

	(void)type;
	(void)f;
	if (fp_pruned(p))
		return FP_PRUNE;
	if (fp_n == FP_LINES) {
		fp_over = 1;
		return 0;
	}
	extra[0] = 0;
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(p, extra, sizeof extra - 1);
		extra[n < 0 ? 0 : n] = 0;
	} else if (S_ISREG(st->st_mode)) {
		snprintf(extra, sizeof extra, "%016llx", (unsigned long long)fnv_file(p));
	}
	snprintf(fp_line[fp_n++], sizeof fp_line[0], "%s %o %u:%u %lld m%lld.%09ld c%lld.%09ld %s",
	    p + fp_skip, (unsigned)st->st_mode, (unsigned)st->st_uid, (unsigned)st->st_gid,
	    (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
	    (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, extra);
	return 0;
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Fingerprint dir into out: every entry's type, mode, owner, size, mtime,
 * ctime and content hash or link target, except the subtrees prune1 and
 * prune2 (may be NULL).  Returns 0, -1 on overflow. */
static int
fingerprint(const char *dir, const char *prune1, const char *prune2, char *out, size_t cap)
{
	size_t used = 0;
	int i;

	fp_n = 0;
	fp_over = 0;
	fp_skip = strcmp(dir, "/") ? strlen(dir) : 0;
	fp_prune[0] = prune1;
	fp_prune[1] = prune2;
	if (nftw(dir, fp_one, 32, FP_NFTW_FLAGS) < 0)
		return -1;
	qsort(fp_line, (size_t)fp_n, sizeof fp_line[0], cmp_line);
	out[0] = 0;
	for (i = 0; i < fp_n; i++) {
		size_t n = strlen(fp_line[i]);
		if (used + n + 2 > cap)
			return -1;
		memcpy(out + used, fp_line[i], n);
		used += n;
		out[used++] = '\n';
		out[used] = 0;
	}
	return fp_over ? -1 : 0;
}

/* Any ".reseal-" temp file left anywhere under dir? */
static int temp_found;

static int
temp_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	if (strstr(p + f->base, ".reseal-"))
		temp_found = 1;
	return 0;
}

static int
temps_left(const char *dir)
{
	temp_found = 0;
	nftw(dir, temp_one, 32, FTW_PHYS);
	return temp_found;
}

/* ---- the scratch tree ---- */

static void
build_outside(void)
{
	mk(outp);
	put(O_("x"), "outside-x");
	mk(O_("dir"));
	put(O_("dir/secret"), "secret");
	ln("x", O_("lnk"));
}

/* Fresh contents for root/ with every kind of escaping symlink (comments:
 * where a naive open in the sandbox would land; "/" is the scratch dir),
 * resolver AUTO. */
static void
build_root(void)
{
	char p[PATH_MAX];
	int i;

	rm_contents(rootp);
	R.resolve = RS_RESOLVE_AUTO;
	mk(R_("outside"));
	put(R_("outside/x"), "inside-x");
	mk(R_("outside/dir"));
	ln("/outside/x", R_("abs"));                    /* /outside/x */
	ln("/deep/er/x", R_("deeplink"));               /* dangling */
	mk(R_("a"));
	mk(R_("a/b"));
	ln("../../../outside/x", R_("a/b/rel"));        /* /outside/x */
	ln("../../../..", R_("a/b/up"));                /* / */
	ln("/../../outside", R_("etc"));                /* /outside */
	ln("../outside", R_("etc2"));                   /* /outside */
	ln("..", R_("dotdot"));                         /* / */
	ln("loop2", R_("loop1"));
	ln("loop1", R_("loop2"));
	ln("self", R_("self"));
	ln("/outside/newfile", R_("dang"));
	ln("/proc/self/root", R_("procroot"));          /* / via procfs */
	mk(R_("chain"));
	/* l0 -> l1 -> ... -> l40 -> /outside/x: l1 takes 40 links, l0 41. */
	for (i = 0; i < 40; i++) {
		char t[16];
		snprintf(t, sizeof t, "l%d", i + 1);
		snprintf(p, sizeof p, "chain/l%d", i);
		ln(t, R_(p));
	}
	ln("/outside/x", R_("chain/l40"));
	mk(R_("sub"));
	ln("../outside/fy", R_("sub/wf"));              /* /outside/fy */
	ln("c2", R_("c1"));
	ln("/outside/fz", R_("c2"));
	ln("/nodir/f", R_("dd"));
	ln("/outside/x", R_("ul"));
	mk(R_("var"));
	ln("/run", R_("var/run"));                      /* dangling */
	ln("../../..", R_("rl"));                       /* / */
}

/* ---- resolver equivalence: the same lookups in both modes ---- */

struct look {
	const char *path;
	int flags;
	const char *fname;
};

#define F(x) x, #x
static const struct look looks[] = {
	{ "/", F(O_RDONLY) },
	{ "/", F(O_PATH) },
	{ "/abs", F(O_RDONLY) },
	{ "/abs", F(O_PATH) },
	{ "/abs", F(O_PATH | O_NOFOLLOW) },
	{ "/abs", F(O_RDONLY | O_NOFOLLOW) },
	{ "/abs", F(O_RDONLY | O_DIRECTORY) },
	{ "/abs", F(O_WRONLY | O_CREAT | O_EXCL) },
	{ "/abs/", F(O_RDONLY) },
	{ "/abs/..", F(O_PATH) },
	{ "/deeplink", F(O_RDONLY) },
	{ "/deeplink", F(O_PATH | O_NOFOLLOW) },
	{ "/a/b/rel", F(O_RDONLY) },
	{ "/a/b/rel/", F(O_PATH) },
	{ "/a/b/up", F(O_PATH) },
	{ "/a/b/up/outside/x", F(O_RDONLY) },
	{ "/a/b/up/outside/dir/secret", F(O_RDONLY) },
	{ "/etc", F(O_RDONLY) },
	{ "/etc", F(O_PATH | O_NOFOLLOW) },
	{ "/etc/", F(O_RDONLY) },
	{ "/etc/", F(O_PATH | O_NOFOLLOW) },
	{ "/etc/", F(O_WRONLY | O_CREAT) },
	{ "/etc/x", F(O_RDONLY) },
	{ "/etc/x/", F(O_RDONLY) },
	{ "/etc/x/y", F(O_RDONLY) },
	{ "/etc/dir/secret", F(O_RDONLY) },
	{ "/etc2/x", F(O_RDONLY) },
	{ "/etc2/../../..", F(O_PATH) },
	{ "/..", F(O_PATH) },
	{ "/../../outside/x", F(O_RDONLY) },
	{ "..", F(O_PATH) },
	{ ".", F(O_RDONLY | O_DIRECTORY) },
	{ "outside/x", F(O_RDONLY) },
	{ "./outside/./x", F(O_RDONLY) },
	{ "//outside//x", F(O_RDONLY) },
	{ "/outside/../outside/x", F(O_RDONLY) },
	{ "/outside/x/..", F(O_PATH) },
	{ "/dotdot", F(O_PATH) },
	{ "/dotdot/dotdot/outside/x", F(O_RDONLY) },
	{ "/loop1", F(O_RDONLY) },
	{ "/loop1", F(O_PATH | O_NOFOLLOW) },
	{ "/loop1/x", F(O_PATH | O_NOFOLLOW) },
	{ "/loop1", F(O_WRONLY | O_CREAT) },
	{ "/self", F(O_RDONLY) },
	{ "/chain/l0", F(O_RDONLY) },
	{ "/chain/l1", F(O_RDONLY) },
	{ "/chain/l1/", F(O_RDONLY) },
	{ "/chain/l2/..", F(O_PATH) },
	{ "/dang", F(O_RDONLY) },
	{ "/dang", F(O_PATH | O_NOFOLLOW) },
	{ "/dang", F(O_WRONLY | O_CREAT | O_EXCL) },
	{ "/dang/", F(O_RDONLY) },
	{ "/dang/", F(O_WRONLY | O_CREAT) },
	{ "/missing", F(O_RDONLY) },
	{ "/missing/", F(O_WRONLY | O_CREAT) },
	{ "/missing/x", F(O_WRONLY | O_CREAT) },
	{ "/procroot", F(O_RDONLY) },
	{ "/procroot/etc", F(O_PATH) },
	{ "/outside", F(O_WRONLY) },
	{ "/outside/", F(O_WRONLY | O_CREAT) },
	{ "/outside/dir/", F(O_WRONLY | O_CREAT | O_EXCL) },
	{ "/outside/.", F(O_WRONLY | O_CREAT | O_EXCL) },
	{ "/", F(O_WRONLY | O_CREAT | O_EXCL) },
	{ "/..", F(O_WRONLY | O_CREAT) },
	{ "/etc/.", F(O_RDONLY | O_NOFOLLOW) },
	{ "", F(O_RDONLY) },
};
#undef F
#define NLOOKS (sizeof looks / sizeof looks[0])

struct seen {
	int rc;
	dev_t dev;
	ino_t ino;
};

static void
look_all(struct seen *out)
{
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < NLOOKS; i++) {
		fd = rs_root_open_at(&R, looks[i].path, looks[i].flags, 0644);
		out[i].rc = fd < 0 ? fd : 0;
		out[i].dev = 0;
		out[i].ino = 0;
		if (fd >= 0) {
			if (fstat(fd, &st) == 0) {
				out[i].dev = st.st_dev;
				out[i].ino = st.st_ino;
			}
			close(fd);
		}
	}
}

/* A few of the table's answers are checked against the tree too, so that
 * "both agree" cannot mean "both wrong". */
static int
same_as(const struct seen *s, const char *abs)
{
	struct stat st;

	return s->rc == 0 && lstat(abs, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
}

static const struct seen *
seen_for(const struct seen *tab, const char *path, int flags)
{
	size_t i;

	for (i = 0; i < NLOOKS; i++)
		if (!strcmp(looks[i].path, path) && looks[i].flags == flags)
			return &tab[i];
	return NULL;
}

static void
test_equivalence(void)
{
	static struct seen k[NLOOKS], w[NLOOKS];
	char name[300];
	const struct seen *s;
	size_t i;

	build_root();
	R.resolve = RS_RESOLVE_WALK;
	look_all(w);
	if (have_kernel) {
		R.resolve = RS_RESOLVE_KERNEL;
		look_all(k);
	}
	tag = "kernel=walk";
	for (i = 0; have_kernel && i < NLOOKS; i++) {
		snprintf(name, sizeof name, "same answer for %s \"%s\" (%d/%d)",
		    looks[i].fname, looks[i].path, k[i].rc, w[i].rc);
		CK(name, k[i].rc == w[i].rc && k[i].dev == w[i].dev && k[i].ino == w[i].ino);
	}
	tag = "walk";
	s = seen_for(w, "/abs", O_RDONLY);
	CK("table: /abs is root/outside/x", s && same_as(s, R_("outside/x")));
	s = seen_for(w, "/a/b/up/outside/dir/secret", O_RDONLY);
	CK("table: ../../../../outside/dir/secret is absent in root", s && s->rc == -ENOENT);
	s = seen_for(w, "/etc/", O_RDONLY);
	CK("table: /etc/ is root/outside", s && same_as(s, R_("outside")));
	s = seen_for(w, "/..", O_PATH);
	CK("table: /.. is the root", s && same_as(s, rootp));
	s = seen_for(w, "/etc2/../../..", O_PATH);
	CK("table: /etc2/../../.. is the root", s && same_as(s, rootp));
	s = seen_for(w, "/chain/l1", O_RDONLY);
	CK("table: 40 links are followed", s && same_as(s, R_("outside/x")));
	s = seen_for(w, "/chain/l0", O_RDONLY);
	CK("table: 41 links give ELOOP", s && s->rc == -ELOOP);
	s = seen_for(w, "/abs", O_PATH | O_NOFOLLOW);
	CK("table: O_PATH|O_NOFOLLOW gives the link itself", s && same_as(s, R_("abs")));
	s = seen_for(w, "/dang", O_WRONLY | O_CREAT | O_EXCL);
	CK("table: O_CREAT|O_EXCL on a symlink is EEXIST", s && s->rc == -EEXIST);
	s = seen_for(w, "/procroot", O_RDONLY);
	CK("table: /proc/self/root in an image is looked up in the root", s && s->rc == -ENOENT);
	CK("table: nothing was created", !exists(R_("outside/newfile")) &&
	    !exists(R_("missing")) && links_to(R_("dang"), "/outside/newfile"));
}

/* ---- the behaviours, once per resolver ---- */

struct names {
	char seen[16][64];
	int n;
	unsigned char type[16];
};

static int
collect(void *ctx, const char *name, unsigned char d_type)
{
	struct names *l = ctx;

	if (l->n < 16) {
		snprintf(l->seen[l->n], sizeof l->seen[0], "%s", name);
		l->type[l->n] = d_type;
	}
	l->n++;
	return 0;
}

static int
stop_at_first(void *ctx, const char *name, unsigned char d_type)
{
	(void)name;
	(void)d_type;
	(*(int *)ctx)++;
	return 7;
}

static int
listed(const struct names *l, const char *name, unsigned char *type)
{
	int i;

	for (i = 0; i < l->n && i < 16; i++)
		if (!strcmp(l->seen[i], name)) {
			if (type)
				*type = l->type[i];
			return 1;
		}
	return 0;
}

static int
read_is(const char *path, const char *want)
{
	char buf[256];
	size_t len = 0;
	int rc = rs_root_read(&R, path, buf, sizeof buf, &len);

	return rc == 0 && len == strlen(want) && !memcmp(buf, want, len);
}

static int
mode_is(const char *abs, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	return lstat(abs, &st) == 0 && st.st_mode == mode && st.st_uid == uid && st.st_gid == gid;
}

static void
test_resolution(void)
{
	struct stat st, st2;
	char name[NAME_MAX + 1];
	char longname[300];
	int fd;

	CK("absolute symlink /outside/x is read inside the root", read_is("/abs", "inside-x"));
	CK("relative ../../../outside/x is clamped at the root", read_is("/a/b/rel", "inside-x"));
	CK("symlinked directory /etc -> /../../outside stays inside", read_is("/etc/x", "inside-x"));
	CK("symlinked directory etc2 -> ../outside stays inside", read_is("/etc2/x", "inside-x"));
	CK("\"..\" at the root stays at the root", read_is("/../../outside/x", "inside-x"));
	CK("a path without a leading slash is relative to the root", read_is("outside/x", "inside-x"));
	CK("a dangling absolute symlink is ENOENT, not something outside",
	    rs_root_read(&R, "/deeplink", name, sizeof name, &(size_t){0}) == -ENOENT);
	CK("symlink loop gives ELOOP", rs_root_stat(&R, "/loop1", &st) == -ELOOP);
	CK("self-referencing symlink gives ELOOP", rs_root_open_at(&R, "/self", O_RDONLY, 0) == -ELOOP);
	CK("loop in the directory part gives ELOOP", rs_root_lstat(&R, "/loop1/x", &st) == -ELOOP);
	CK("lstat of a loop is the symlink", rs_root_lstat(&R, "/loop1", &st) == 0 && S_ISLNK(st.st_mode));
	CK("a 40-link chain is followed",
	    rs_root_stat(&R, "/chain/l1", &st) == 0 && lstat(R_("outside/x"), &st2) == 0 &&
	    st.st_ino == st2.st_ino);
	CK("a 41-link chain gives ELOOP", rs_root_stat(&R, "/chain/l0", &st) == -ELOOP);
	CK("lstat does not follow the final symlink",
	    rs_root_lstat(&R, "/abs", &st) == 0 && S_ISLNK(st.st_mode));
	CK("stat follows the final symlink inside",
	    rs_root_stat(&R, "/abs", &st) == 0 && lstat(R_("outside/x"), &st2) == 0 &&
	    st.st_dev == st2.st_dev && st.st_ino == st2.st_ino);
	CK("a regular file in the directory part gives ENOTDIR",
	    rs_root_stat(&R, "/outside/x/y", &st) == -ENOTDIR);
	CK("/proc/self/root in an image does not reach the host",
	    rs_root_stat(&R, "/procroot/etc", &st) == -ENOENT);

	fd = rs_root_open_at(&R, "/etc/created", O_WRONLY | O_CREAT, 0644);
	CK("open O_CREAT through a symlinked directory creates inside",
	    fd >= 0 && exists(R_("outside/created")) && !exists(O_("created")));
	if (fd >= 0) {
		CK("opened fds are close-on-exec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
	fd = rs_root_open_at(&R, "/dang", O_WRONLY | O_CREAT, 0600);
	CK("open O_CREAT on a dangling symlink creates its in-root target",
	    fd >= 0 && exists(R_("outside/newfile")) && links_to(R_("dang"), "/outside/newfile"));
	if (fd >= 0)
		close(fd);
	fd = rs_root_open_at(&R, "/a/b/up/escaped", O_WRONLY | O_CREAT, 0600);
	CK("open O_CREAT through ../../../.. creates in the root",
	    fd >= 0 && exists(R_("escaped")) && !exists("/escaped"));
	if (fd >= 0)
		close(fd);
	CK("open O_CREAT|O_EXCL does not follow a final symlink",
	    rs_root_open_at(&R, "/ul", O_WRONLY | O_CREAT | O_EXCL, 0600) == -EEXIST);
	CK("O_NOFOLLOW refuses a final symlink",
	    rs_root_open_at(&R, "/abs", O_RDONLY | O_NOFOLLOW, 0) == -ELOOP);
	CK("O_CREAT with a trailing slash is EISDIR",
	    rs_root_open_at(&R, "/newdir/", O_WRONLY | O_CREAT, 0644) == -EISDIR &&
	    !exists(R_("newdir")));
	CK("a trailing slash on a file is ENOTDIR",
	    rs_root_open_at(&R, "/outside/x/", O_RDONLY, 0) == -ENOTDIR);

	/* open_parent and path checks */
	fd = rs_root_open_parent(&R, "/etc/foo/", name, sizeof name);
	CK("open_parent follows the directory part inside and drops trailing slashes",
	    fd >= 0 && !strcmp(name, "foo") && fstat(fd, &st) == 0 &&
	    lstat(R_("outside"), &st2) == 0 && st.st_ino == st2.st_ino);
	if (fd >= 0)
		close(fd);
	fd = rs_root_open_parent(&R, "x", name, sizeof name);
	CK("open_parent of a bare name is the root",
	    fd >= 0 && !strcmp(name, "x") && fstat(fd, &st) == 0 &&
	    lstat(rootp, &st2) == 0 && st.st_ino == st2.st_ino);
	if (fd >= 0)
		close(fd);
	CK("open_parent of \"/\" is EINVAL", rs_root_open_parent(&R, "/", name, sizeof name) == -EINVAL);
	CK("open_parent of \"//\" is EINVAL", rs_root_open_parent(&R, "//", name, sizeof name) == -EINVAL);
	CK("open_parent of a final \".\" is EINVAL",
	    rs_root_open_parent(&R, "/outside/.", name, sizeof name) == -EINVAL);
	CK("open_parent of a final \"..\" is EINVAL",
	    rs_root_open_parent(&R, "/outside/..", name, sizeof name) == -EINVAL);
	CK("open_parent with a small name buffer is ERANGE",
	    rs_root_open_parent(&R, "/outside/abcdef", name, 4) == -ERANGE);
	CK("an empty path is EINVAL",
	    rs_root_open_at(&R, "", O_RDONLY, 0) == -EINVAL &&
	    rs_root_stat(&R, "", &st) == -EINVAL &&
	    rs_root_open_parent(&R, "", name, sizeof name) == -EINVAL &&
	    rs_root_write_atomic(&R, "", "x", 1, 0644, 0, 0, RS_W_NOSYNC) == -EINVAL &&
	    rs_root_unlink(&R, "") == -EINVAL && rs_root_remove_tree(&R, "") == -EINVAL &&
	    rs_root_mkdir_p(&R, "", 0755) == -EINVAL);
	memset(longname, 'n', sizeof longname);
	longname[0] = '/';
	longname[NAME_MAX + 2] = 0;
	CK("a name longer than NAME_MAX is ENAMETOOLONG",
	    rs_root_open_at(&R, longname, O_RDONLY, 0) == -ENAMETOOLONG &&
	    rs_root_open_parent(&R, longname, name, sizeof name) == -ENAMETOOLONG &&
	    rs_root_write_atomic(&R, longname, "x", 1, 0644, 0, 0, RS_W_NOSYNC) == -ENAMETOOLONG &&
	    rs_root_mkdir_p(&R, longname, 0755) == -ENAMETOOLONG);
	longname[NAME_MAX + 1] = 0;
	CK("a name of exactly NAME_MAX works",
	    rs_root_write_atomic(&R, longname, "x", 1, 0644, 0, 0, RS_W_NOSYNC) == 0 &&
	    exists(R_(longname + 1)) && !temps_left(rootp));
}

static void
test_write(void)
{
	char before[4096], after[4096];
	mode_t old;

	CK("write FOLLOW through /abs lands in root/outside/x",
	    rs_root_write_atomic(&R, "/abs", "new-abs", 7, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/x"), "new-abs") && links_to(R_("abs"), "/outside/x"));
	CK("write FOLLOW through ../../../outside/x is clamped",
	    rs_root_write_atomic(&R, "/a/b/rel", "rel", 3, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/x"), "rel") && links_to(R_("a/b/rel"), "../../../outside/x"));
	CK("write FOLLOW to a dangling target needs its in-root directory",
	    rs_root_write_atomic(&R, "/deeplink", "in", 2, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == -ENOENT &&
	    !exists("/deep"));
	CK("write FOLLOW creates the dangling target once mkdir_p made its directory",
	    rs_root_mkdir_p(&R, "/deep/er", 0755) == 0 &&
	    rs_root_write_atomic(&R, "/deeplink", "in", 2, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    holds(R_("deep/er/x"), "in") && links_to(R_("deeplink"), "/deep/er/x") && !exists("/deep"));
	CK("write through a symlinked directory (/etc -> /../../outside) stays inside",
	    rs_root_write_atomic(&R, "/etc/hostname", "h", 1, 0644, 0, 0, RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/hostname"), "h") && !exists(O_("hostname")));
	CK("write through etc2 -> ../outside stays inside",
	    rs_root_write_atomic(&R, "/etc2/h2", "h2", 2, 0644, 0, 0, RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/h2"), "h2") && !exists(O_("h2")));
	CK("write FOLLOW on a loop gives ELOOP",
	    rs_root_write_atomic(&R, "/loop1", "l", 1, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == -ELOOP &&
	    links_to(R_("loop1"), "loop2"));
	CK("write through a loop in the directory part gives ELOOP",
	    rs_root_write_atomic(&R, "/loop1/x", "l", 1, 0644, 0, 0, RS_W_NOSYNC) == -ELOOP);
	CK("write FOLLOW on a 41-link chain gives ELOOP",
	    rs_root_write_atomic(&R, "/chain/l0", "l", 1, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == -ELOOP);
	CK("write FOLLOW on a 40-link chain writes its end",
	    rs_root_write_atomic(&R, "/chain/l1", "chain", 5, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/x"), "chain") && links_to(R_("chain/l40"), "/outside/x"));
	CK("write without FOLLOW replaces the symlink, not its target",
	    rs_root_write_atomic(&R, "/abs", "replaced", 8, 0644, 0, 0, RS_W_NOSYNC) == 0 &&
	    holds(R_("abs"), "replaced") && holds(R_("outside/x"), "chain"));
	CK("write FOLLOW with a relative target from a subdirectory",
	    rs_root_write_atomic(&R, "/sub/wf", "fy", 2, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/fy"), "fy") && links_to(R_("sub/wf"), "../outside/fy") &&
	    !exists(O_("fy")));
	CK("write FOLLOW along a chain creates the dangling end",
	    rs_root_write_atomic(&R, "/c1", "fz", 2, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/fz"), "fz") && links_to(R_("c1"), "c2") && links_to(R_("c2"), "/outside/fz"));
	CK("write FOLLOW on a regular file just writes it",
	    rs_root_write_atomic(&R, "/outside/fz", "fz2", 3, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/fz"), "fz2"));
	CK("write FOLLOW into a missing directory fails cleanly",
	    rs_root_write_atomic(&R, "/dd", "d", 1, 0644, 0, 0, RS_W_FOLLOW | RS_W_NOSYNC) == -ENOENT &&
	    links_to(R_("dd"), "/nodir/f") && !exists(R_("nodir")));
	CK("write with fsyncs (no RS_W_NOSYNC) works",
	    rs_root_write_atomic(&R, "/synced", "s", 1, 0644, 0, 0, 0) == 0 && holds(R_("synced"), "s"));
	CK("write of zero bytes makes an empty file",
	    rs_root_write_atomic(&R, "/empty", "", 0, 0444, 0, 0, RS_W_NOSYNC) == 0 && holds(R_("empty"), ""));

	/* modes and owners, whatever the umask */
	old = umask(077);
	CK("mode 0600 root:root",
	    rs_root_write_atomic(&R, "/m600", "m", 1, 0600, 0, 0, RS_W_NOSYNC) == 0 &&
	    mode_is(R_("m600"), S_IFREG | 0600, 0, 0));
	CK("mode 0444 root:root",
	    rs_root_write_atomic(&R, "/m444", "m", 1, 0444, 0, 0, RS_W_NOSYNC) == 0 &&
	    mode_is(R_("m444"), S_IFREG | 0444, 0, 0));
	CK("mode 0644 despite umask 077",
	    rs_root_write_atomic(&R, "/m644", "m", 1, 0644, 0, 0, RS_W_NOSYNC) == 0 &&
	    mode_is(R_("m644"), S_IFREG | 0644, 0, 0));
	CK("owner 1234:5678 mode 0640",
	    rs_root_write_atomic(&R, "/own", "o", 1, 0640, 1234, 5678, RS_W_NOSYNC) == 0 &&
	    mode_is(R_("own"), S_IFREG | 0640, 1234, 5678));
	CK("set-ID bits survive (fchmod after fchown)",
	    rs_root_write_atomic(&R, "/suid", "s", 1, 06755, 1234, 5678, RS_W_NOSYNC) == 0 &&
	    mode_is(R_("suid"), S_IFREG | 06755, 1234, 5678));
	CK("rewriting replaces owner and mode",
	    rs_root_write_atomic(&R, "/own", "o2", 2, 0600, 0, 0, RS_W_NOSYNC) == 0 &&
	    mode_is(R_("own"), S_IFREG | 0600, 0, 0) && holds(R_("own"), "o2"));
	CK("replacing a symlink by FOLLOW keeps the link and sets the target's mode",
	    rs_root_write_atomic(&R, "/ul", "u", 1, 0444, 7, 8, RS_W_FOLLOW | RS_W_NOSYNC) == 0 &&
	    mode_is(R_("outside/x"), S_IFREG | 0444, 7, 8) && links_to(R_("ul"), "/outside/x"));
	umask(old);

	/* failures leave no temp and no change */
	CK("write into a missing directory is ENOENT",
	    rs_root_write_atomic(&R, "/missing/dir/file", "x", 1, 0644, 0, 0, RS_W_NOSYNC) == -ENOENT &&
	    !exists(R_("missing")));
	mk(R_("busy"));
	put(R_("busy/f"), "busy");
	CK("write over a directory fails after the temp file existed",
	    rs_root_write_atomic(&R, "/busy", "x", 1, 0644, 0, 0, RS_W_NOSYNC) == -EISDIR &&
	    holds(R_("busy/f"), "busy"));
	CK("write to \"/\" is EISDIR", rs_root_write_atomic(&R, "/", "x", 1, 0644, 0, 0, RS_W_NOSYNC) == -EISDIR);
	CK("write to a path with a trailing slash is EISDIR",
	    rs_root_write_atomic(&R, "/outside/fz/", "x", 1, 0644, 0, 0, RS_W_NOSYNC) == -EISDIR &&
	    holds(R_("outside/fz"), "fz2"));
	CK("write with a file in the directory part is ENOTDIR",
	    rs_root_write_atomic(&R, "/outside/fz/x", "x", 1, 0644, 0, 0, RS_W_NOSYNC) == -ENOTDIR);
	CK("no temp file is left anywhere in the root", !temps_left(rootp));

	/* a full failure leaves the destination byte-for-byte as it was */
	fingerprint(R_("busy"), NULL, NULL, before, sizeof before);
	rs_root_write_atomic(&R, "/busy", "y", 1, 0644, 0, 0, RS_W_NOSYNC);
	fingerprint(R_("busy"), NULL, NULL, after, sizeof after);
	CK("a failed write leaves the destination untouched", !strcmp(before, after));
}

static void
test_unlink_remove(void)
{

	CK("unlink of a symlink leaves its target",
	    rs_root_unlink(&R, "/ul") == 0 && !exists(R_("ul")) && exists(R_("outside/x")));
	CK("unlink of a missing name is ENOENT", rs_root_unlink(&R, "/ul") == -ENOENT);
	CK("unlink through a symlinked directory removes inside",
	    rs_root_unlink(&R, "/etc/hostname") == 0 && !exists(R_("outside/hostname")));
	CK("unlink of a directory is EISDIR",
	    rs_root_unlink(&R, "/outside/dir") == -EISDIR && is_dir(R_("outside/dir")));
	CK("unlink of a dangling symlink removes it",
	    rs_root_unlink(&R, "/dd") == 0 && !exists(R_("dd")));

	mk(R_("tree"));
	put(R_("tree/f"), "f");
	mk(R_("tree/d"));
	put(R_("tree/d/g"), "g");
	mk(R_("tree/d/e"));
	mk(R_("tree/d/e/deep"));
	put(R_("tree/d/e/deep/h"), "h");
	ln("/outside", R_("tree/labs"));                /* /outside */
	ln("../../outside", R_("tree/lrel"));           /* /outside */
	ln("../../outside", R_("tree/d/lrel2"));        /* root/outside */
	ln("/", R_("tree/lroot"));
	ln("/outside/dir", R_("tree/d/e/ldir"));        /* /outside/dir */
	CK("remove_tree removes everything, symlinks included",
	    rs_root_remove_tree(&R, "/tree") == 0 && !exists(R_("tree")));
	CK("remove_tree leaves what its symlinks pointed at",
	    holds(R_("outside/x"), "u") && is_dir(R_("outside/dir")) && exists(rootp));
	CK("remove_tree of a missing path is ENOENT", rs_root_remove_tree(&R, "/tree") == -ENOENT);
	CK("remove_tree of \"/\" is EINVAL", rs_root_remove_tree(&R, "/") == -EINVAL);
	CK("remove_tree of a symlink to a directory removes only the link",
	    rs_root_remove_tree(&R, "/etc2") == 0 && !exists(R_("etc2")) && is_dir(R_("outside/dir")));
	mk(R_("outside/dir/sub"));
	put(R_("outside/dir/sub/f"), "f");
	CK("remove_tree through a symlinked directory removes inside",
	    rs_root_remove_tree(&R, "/etc/dir") == 0 && !exists(R_("outside/dir")) && is_dir(O_("dir")));
	CK("remove_tree of a file removes it",
	    rs_root_remove_tree(&R, "/outside/h2") == 0 && !exists(R_("outside/h2")));
}

static void
test_list_read_mkdir(void)
{
	struct names l;
	char big[100], buf[128];
	size_t len;
	unsigned char t;
	int count = 0;

	mk(R_("lst"));
	put(R_("lst/a"), "a");
	put(R_("lst/b"), "b");
	mk(R_("lst/c"));
	ln("/outside", R_("lst/d"));
	memset(&l, 0, sizeof l);
	CK("list enumerates every entry but . and ..",
	    rs_root_list(&R, "/lst", collect, &l) == 0 && l.n == 4 && listed(&l, "a", NULL) &&
	    listed(&l, "b", NULL) && listed(&l, "c", NULL) && listed(&l, "d", NULL));
	CK("list reports d_type",
	    listed(&l, "c", &t) && (t == DT_DIR || t == DT_UNKNOWN) &&
	    listed(&l, "d", &t) && (t == DT_LNK || t == DT_UNKNOWN));
	CK("list stops at and returns the callback's nonzero value",
	    rs_root_list(&R, "/lst", stop_at_first, &count) == 7 && count == 1);
	memset(&l, 0, sizeof l);
	CK("list through a symlinked directory lists inside",
	    rs_root_list(&R, "/lst/d", collect, &l) == 0 && listed(&l, "x", NULL) &&
	    !listed(&l, "lnk", NULL));
	CK("list of a file is ENOTDIR", rs_root_list(&R, "/lst/a", collect, &l) == -ENOTDIR);
	CK("list of a missing directory is ENOENT", rs_root_list(&R, "/nolst", collect, &l) == -ENOENT);

	memset(big, 'b', sizeof big);
	{
		int fd = open(R_("big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			(void)!write(fd, big, sizeof big);
			close(fd);
		}
	}
	len = 0;
	CK("read larger than cap is EFBIG and reports the size",
	    rs_root_read(&R, "/big", buf, 10, &len) == -EFBIG && len == 100);
	CK("read of exactly cap bytes works",
	    rs_root_read(&R, "/big", buf, 100, &len) == 0 && len == 100 && !memcmp(buf, big, 100));
	CK("read with room to spare works", rs_root_read(&R, "/big", buf, sizeof buf, &len) == 0 && len == 100);
	CK("read of an empty file with cap 0 works",
	    rs_root_read(&R, "/empty", NULL, 0, &len) == 0 && len == 0);
	CK("read of a directory is EISDIR", rs_root_read(&R, "/outside", buf, sizeof buf, &len) == -EISDIR);
	(void)mkfifo(R_("fifo"), 0644);
	CK("read of a FIFO is EINVAL and does not block",
	    rs_root_read(&R, "/fifo", buf, sizeof buf, &len) == -EINVAL);
	CK("read of a missing file is ENOENT", rs_root_read(&R, "/nofile", buf, sizeof buf, &len) == -ENOENT);

	CK("mkdir_p through a symlinked component stays inside",
	    rs_root_mkdir_p(&R, "/etc/m1/m2", 0755) == 0 && is_dir(R_("outside/m1/m2")) &&
	    mode_is(R_("outside/m1/m2"), S_IFDIR | 0755, 0, 0) && !exists(O_("m1")));
	CK("mkdir_p of an existing directory is 0", rs_root_mkdir_p(&R, "/etc/m1", 0700) == 0 &&
	    mode_is(R_("outside/m1"), S_IFDIR | 0755, 0, 0));
	CK("mkdir_p through a dangling symlink creates its in-root target",
	    rs_root_mkdir_p(&R, "/var/run/foo", 0700) == 0 && is_dir(R_("run/foo")) &&
	    links_to(R_("var/run"), "/run") && mode_is(R_("run"), S_IFDIR | 0700, 0, 0));
	CK("mkdir_p through ../../.. is clamped",
	    rs_root_mkdir_p(&R, "/rl/zz", 0755) == 0 && is_dir(R_("zz")) && !exists("/zz"));
	CK("mkdir_p through ../ above the root is clamped",
	    rs_root_mkdir_p(&R, "/lst/../../../q/r", 0750) == 0 && mode_is(R_("q/r"), S_IFDIR | 0750, 0, 0));
	CK("mkdir_p across a file is ENOTDIR", rs_root_mkdir_p(&R, "/outside/x/y", 0755) == -ENOTDIR);
	CK("mkdir_p of an existing file is ENOTDIR", rs_root_mkdir_p(&R, "/outside/x", 0755) == -ENOTDIR);
	CK("mkdir_p into a loop is ELOOP", rs_root_mkdir_p(&R, "/loop1/x", 0755) == -ELOOP);
	CK("mkdir_p of \"/\" is 0", rs_root_mkdir_p(&R, "/", 0755) == 0);
	{
		mode_t old = umask(077);
		CK("mkdir_p mode ignores the umask",
		    rs_root_mkdir_p(&R, "/um/a", 0755) == 0 && mode_is(R_("um/a"), S_IFDIR | 0755, 0, 0) &&
		    mode_is(R_("um"), S_IFDIR | 0755, 0, 0));
		umask(old);
	}
}

static void
run_mode(enum rs_resolve mode, const char *name)
{
	tag = name;
	build_root();
	R.resolve = mode;
	test_resolution();
	test_write();
	test_unlink_remove();
	test_list_read_mkdir();
	CK("no temp file is left after the run", !temps_left(rootp));
}

/* ---- tests that need a mount or seccomp: grandchildren of the sandbox ---- */

/* The grandchild's CKs go straight to the parent through report_fd. */
/* A bind mount of the same filesystem on a kernel without statx's mount
 * ID (before 5.8; here statx is denied with ENOSYS by seccomp): the
 * mnt_id of /proc/self/fdinfo still tells it (docs/boot.md §8.3). */
static void
statx_denied(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_statx, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof f[0]), f };
	int status;
	pid_t pid;

	rm_rf(R_("xt"));
	rm_rf(R_("bsrc"));
	mk(R_("xt"));
	mk(R_("xt/bnd"));
	mk(R_("bsrc"));
	put(R_("bsrc/k"), "k");
	if (!have_proc || mount(R_("bsrc"), R_("xt/bnd"), NULL, MS_BIND, NULL) < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(0);
		tag = "no-statx";
		CK("statx is denied", syscall(SYS_statx, AT_FDCWD, "/", 0, 0, NULL) < 0 &&
		    errno == ENOSYS);
		CK("remove_tree over a bind mount is EXDEV by fdinfo's mnt_id",
		    rs_root_remove_tree(&R, "/xt") == -EXDEV && holds(R_("bsrc/k"), "k"));
		CK("open_mountpoint of a bind mount is EBUSY by fdinfo's mnt_id",
		    rs_root_open_mountpoint(&R, "/xt/bnd") == -EBUSY);
		_exit(0);
	}
	CK("statx-denied helper ran", pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0);
	umount2(R_("xt/bnd"), MNT_DETACH);
}

static void
child_mounts(void)
{
	static const enum rs_resolve modes[2] = { RS_RESOLVE_KERNEL, RS_RESOLVE_WALK };
	static const char *const names[2] = { "kernel", "walk" };
	struct stat st, st2;
	char buf[8192];
	size_t len;
	int i, fd, first = have_kernel ? 0 : 1;

	/* A copy of the sandbox's private namespace: mounts stay in here. */
	if (!have_ns || unshare(CLONE_NEWNS) < 0) {
		printf("skip rootfs: mount tests (no new mount namespace)\n");
		fflush(stdout);
		_exit(0);
	}
	/* An fd from before unshare sees the old namespace's mounts only. */
	rs_root_close(&R);
	if (rs_root_open(&R, rootp) < 0)
		_exit(1);
	build_root();
	mk(R_("proc"));
	if (!have_proc || mount("/proc", R_("proc"), NULL, MS_BIND | MS_REC, NULL) < 0) {
		printf("skip rootfs: magic-link tests (no /proc)\n");
		fflush(stdout);
	} else {
		for (i = first; i < 2; i++) {
			R.resolve = modes[i];
			tag = names[i];
			CK("magic link /proc/self/exe is ELOOP",
			    rs_root_stat(&R, "/proc/self/exe", &st) == -ELOOP);
			CK("magic link in the directory part is ELOOP",
			    rs_root_stat(&R, "/proc/self/root/etc", &st) == -ELOOP);
			CK("magic link /proc/self/fd/0 is ELOOP",
			    rs_root_open_at(&R, "/proc/self/fd/0", O_RDONLY, 0) == -ELOOP);
			CK("image symlink to /proc/self/root is ELOOP",
			    rs_root_stat(&R, "/procroot", &st) == -ELOOP);
			CK("write FOLLOW into a magic link is ELOOP",
			    rs_root_write_atomic(&R, "/procroot", "x", 1, 0644, 0, 0,
			    RS_W_FOLLOW | RS_W_NOSYNC) == -ELOOP);
			CK("lstat of a magic link is the link",
			    rs_root_lstat(&R, "/proc/self/exe", &st) == 0 && S_ISLNK(st.st_mode));
			CK("ordinary /proc/self symlink is followed",
			    rs_root_read(&R, "/proc/self/status", buf, sizeof buf, &len) == 0 &&
			    len > 5 && !memcmp(buf, "Name:", 5));
			fd = rs_root_open_at(&R, "/proc/mounts", O_RDONLY, 0);
			CK("ordinary /proc/mounts symlink is followed", fd >= 0);
			if (fd >= 0)
				close(fd);
		}
		umount2(R_("proc"), MNT_DETACH);
	}

	for (i = first; i < 2; i++) {
		R.resolve = modes[i];
		tag = names[i];
		rm_rf(R_("xt"));
		mk(R_("xt"));
		mk(R_("xt/keep"));
		put(R_("xt/keep/f"), "f");
		put(R_("xt/g"), "g");
		mk(R_("xt/mnt"));
		if (mount("tmpfs", R_("xt/mnt"), "tmpfs", 0, "size=64k") < 0) {
			printf("skip rootfs: cross-device tests (no tmpfs mount)\n");
			fflush(stdout);
			_exit(0);
		}
		put(R_("xt/mnt/file"), "m");
		mk(R_("xt/mnt/d"));
		CK("remove_tree over a mount is EXDEV", rs_root_remove_tree(&R, "/xt") == -EXDEV);
		CK("remove_tree leaves the other mount untouched",
		    holds(R_("xt/mnt/file"), "m") && is_dir(R_("xt/mnt/d")));
		CK("remove_tree removes the rest, keeps the parents",
		    !exists(R_("xt/keep")) && !exists(R_("xt/g")) && is_dir(R_("xt")));
		CK("remove_tree of a mount point is EXDEV",
		    rs_root_remove_tree(&R, "/xt/mnt") == -EXDEV && holds(R_("xt/mnt/file"), "m"));
		umount2(R_("xt/mnt"), MNT_DETACH);

		/* A bind mount of the same filesystem has the same st_dev:
		 * only the mount ID tells it (docs/boot.md §8.1). */
		rm_rf(R_("xt"));
		rm_rf(R_("bsrc"));
		mk(R_("xt"));
		mk(R_("xt/bnd"));
		put(R_("xt/g"), "g");
		mk(R_("bsrc"));
		put(R_("bsrc/k"), "k");
		if (mount(R_("bsrc"), R_("xt/bnd"), NULL, MS_BIND, NULL) < 0) {
			printf("skip rootfs: bind-mount tests (no bind mount)\n");
			fflush(stdout);
			_exit(0);
		}
		CK("remove_tree over a bind mount of the same filesystem is EXDEV",
		    rs_root_remove_tree(&R, "/xt") == -EXDEV);
		CK("remove_tree leaves the bind-mounted directory untouched",
		    holds(R_("bsrc/k"), "k") && holds(R_("xt/bnd/k"), "k"));
		CK("remove_tree removes the rest beside the bind mount",
		    !exists(R_("xt/g")) && is_dir(R_("xt")));

		/* rs_root_open_mountpoint: resolved inside the root; never
		 * the root itself or a mount that is already there. */
		fd = rs_root_open_mountpoint(&R, "/xt/bnd");
		CK("open_mountpoint of a bind mount is EBUSY", fd == -EBUSY);
		umount2(R_("xt/bnd"), MNT_DETACH);
		CK("open_mountpoint of / is EBUSY", rs_root_open_mountpoint(&R, "/") == -EBUSY);
		rm_rf(R_("mpl"));
		rm_rf(R_("mpo"));
		rm_rf(R_("mpd"));
		ln("/", R_("mpl"));
		CK("open_mountpoint of a link to / (\"/boot -> /\") is EBUSY",
		    rs_root_open_mountpoint(&R, "/mpl") == -EBUSY);
		CK("open_mountpoint of a link to /.. is EBUSY",
		    rs_root_open_mountpoint(&R, "/mpl/..") == -EBUSY);
		mk(R_("mpd"));
		ln("/../../../mpd", R_("mpo"));
		fd = rs_root_open_mountpoint(&R, "/mpo");
		CK("open_mountpoint of a link out of the root lands inside it",
		    fd >= 0 && fstat(fd, &st) == 0 && lstat(R_("mpd"), &st2) == 0 &&
		    st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
		if (fd >= 0)
			close(fd);
		CK("open_mountpoint of a file is ENOTDIR",
		    rs_root_open_mountpoint(&R, "/xt/../bsrc/k") == -ENOTDIR);
		CK("open_mountpoint of a missing directory is ENOENT",
		    rs_root_open_mountpoint(&R, "/mpd/none") == -ENOENT);
		fd = rs_root_open_mountpoint(&R, "/xt/bnd");
		CK("open_mountpoint of a plain directory is an O_PATH fd",
		    fd >= 0 && (fcntl(fd, F_GETFL) & O_PATH));
		if (fd >= 0)
			close(fd);
	}
	statx_denied();
	_exit(0);
}

static int block_errno;    /* what the seccomp filter makes openat2 return */

/* openat2 denied with block_errno, as on an old kernel (ENOSYS) or under an
 * old container runtime's seccomp profile (EPERM). */
static void
child_blocked(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)block_errno),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof f[0]), f };
	struct stat st;

	build_root();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		printf("skip rootfs: openat2 fallback tests (no seccomp)\n");
		fflush(stdout);
		_exit(0);
	}
	tag = block_errno == ENOSYS ? "enosys" : "eperm";
	R.resolve = RS_RESOLVE_KERNEL;
	CK("RS_RESOLVE_KERNEL reports the error", rs_root_stat(&R, "/abs", &st) == -block_errno);
	R.resolve = RS_RESOLVE_AUTO;
	CK("RS_RESOLVE_AUTO falls back to the walk", read_is("/abs", "inside-x"));
	CK("the fallback still detects loops", rs_root_stat(&R, "/loop1", &st) == -ELOOP);
	CK("the fallback writes inside",
	    rs_root_write_atomic(&R, "/etc/auto", "a", 1, 0644, 0, 0, RS_W_NOSYNC) == 0 &&
	    holds(R_("outside/auto"), "a") && !exists("/outside/auto"));
	_exit(0);
}

static void
in_grandchild(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		fn();		/* never returns */
	CKX("helper process ran", pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- the sandbox ---- */

/* In the child: own mount namespace with /proc bound in if possible, then
 * chroot into the scratch directory and run everything. */
static void
sandbox(void)
{
	char fp0[16384], fp1[16384];
	struct stat st;

	build_outside();
	mk(rootp);
	mk(at(base, "proc"));
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0) {
		have_ns = 1;
		have_proc = mount("/proc", at(base, "proc"), NULL, MS_BIND | MS_REC, NULL) == 0;
	}
	if (chroot(base) < 0 || chdir("/") < 0)
		_exit(SKIP_EXIT);
	snprintf(base, sizeof base, "/");
	snprintf(rootp, sizeof rootp, "/root");
	snprintf(outp, sizeof outp, "/outside");

	CKX("fingerprint of everything but root/",
	    fingerprint("/", "/root", "/proc", fp0, sizeof fp0) == 0 && fp_n == 6);
	CKX("rs_root_open", rs_root_open(&R, rootp) == 0 && R.fd >= 0 &&
	    R.resolve == RS_RESOLVE_AUTO && !strcmp(R.path, rootp));
	CKX("rs_root_open of a file is ENOTDIR",
	    rs_root_open(&(rs_root){ 0 }, "/outside/x") == -ENOTDIR);
	R.resolve = RS_RESOLVE_KERNEL;
	have_kernel = rs_root_stat(&R, "/", &st) != -ENOSYS;
	if (!have_kernel) {
		printf("skip rootfs: kernel resolver (openat2 is ENOSYS here)\n");
		fflush(stdout);
	}

	test_equivalence();
	if (have_kernel)
		run_mode(RS_RESOLVE_KERNEL, "kernel");
	run_mode(RS_RESOLVE_WALK, "walk");
	run_mode(RS_RESOLVE_AUTO, "auto");
	tag = "";
	in_grandchild(child_mounts);
	block_errno = ENOSYS;
	in_grandchild(child_blocked);
	block_errno = EPERM;
	in_grandchild(child_blocked);

	CKX("nothing outside root/ changed (outside/ and the scratch dir)",
	    fingerprint("/", "/root", "/proc", fp1, sizeof fp1) == 0 && !strcmp(fp0, fp1));
	rs_root_close(&R);
	CKX("rs_root_close", R.fd == -1);
	rs_root_close(&R);	/* twice is harmless */
	/* exit, not _exit: LeakSanitizer checks the sandbox's heap. */
	exit(0);
}

static int
read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* see test.h */
void test_rootfs(void);
void
test_rootfs(void)
{
	unsigned char rec[6 + 256];
	int p[2], status = 0, line;
	pid_t pid;

	snprintf(base, sizeof base, "/tmp/reseal-rootfs-XXXXXX");
	if (!mkdtemp(base) || pipe(p) < 0) {
		CHECK("scratch directory", 0);
		return;
	}
	snprintf(rootp, sizeof rootp, "%s/root", base);
	snprintf(outp, sizeof outp, "%s/outside", base);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		sandbox();
	}
	close(p[1]);
	while (pid > 0 && read_full(p[0], rec, 6) == 0 && read_full(p[0], rec + 6, rec[5]) == 0) {
		rec[6 + rec[5]] = 0;
		memcpy(&line, rec + 1, 4);
		rs_test_check(rs_test_suite, (const char *)rec + 6, rec[0], __FILE__, line);
	}
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == SKIP_EXIT)
		printf("skip rootfs: everything (chroot needs root)\n");
	else
		CHECK("the sandboxed suite ran to its end",
		    pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rm_rf(base);
	CHECK("scratch directory removed", !exists(base));
}
