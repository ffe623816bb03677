/* rootfs.c: see rootfs.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>		/* renameat */
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "io.h"
#include "rootfs.h"
#include "sys.h"

#ifndef RS_MAXSYMLINKS
#define RS_MAXSYMLINKS      40   /* the kernel's MAXSYMLINKS: both resolvers agree */
#endif
#ifndef RS_TREE_DEPTH_MAX
#define RS_TREE_DEPTH_MAX  256   /* directory levels rs_root_remove_tree descends */
#endif
#ifndef RS_OPENAT2_TRIES
#define RS_OPENAT2_TRIES    16   /* EAGAIN retries before AUTO falls back to the walk */
#endif
#ifndef RS_TMP_TRIES
#define RS_TMP_TRIES       100   /* temp names tried before giving up with EEXIST */
#endif
#define RS_RACE_TRIES        4   /* re-lookups when a name changes type under the walk */
#define RS_WALK_MAX  (2 * PATH_MAX)  /* a path with symlink targets spliced in */
#define RS_TMP_SUFFIX  ".reseal-"
#define RS_TMP_RANDOM        6   /* RS_TMP_GLOB (rootfs.h) matches these names */
/* "." + name + RS_TMP_SUFFIX + random must fit in NAME_MAX */
#define RS_TMP_EXTRA  (1 + sizeof RS_TMP_SUFFIX - 1 + RS_TMP_RANDOM)

/* Set when AUTO met a kernel without openat2, so later calls go straight to
 * the walk.  reseal is single-threaded; a stale 0 only costs one ENOSYS. */
static int openat2_missing;

/* statx(2) as Linux 5.8 defines it: musl 1.2.3 has no wrapper, so the call
 * goes through syscall(2) into a buffer of the kernel's 256-byte layout;
 * only stx_mask (byte 0), stx_attributes (byte 8) and stx_mnt_id (byte 144)
 * are read.  docs/boot.md §8.3 says why mount IDs and not st_dev. */
#define RS_STATX_MNT_ID          0x1000u   /* STATX_MNT_ID */
#define RS_STATX_ATTR_MOUNT_ROOT 0x2000u   /* STATX_ATTR_MOUNT_ROOT */
#define RS_AT_NO_AUTOMOUNT       0x800     /* AT_NO_AUTOMOUNT */
#define RS_AT_EMPTY_PATH         0x1000    /* AT_EMPTY_PATH */
#ifndef SYS_statx
#ifdef __NR_statx
#define SYS_statx __NR_statx
#endif
#endif

static int
xopenat(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd;

	/* Opening a FIFO or a slow device can be interrupted by a signal. */
	do
		fd = openat(dirfd, name, flags, mode);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

static int
xfsync(int fd)
{
	while (fsync(fd) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void
xclose(int fd)
{
	/* Linux frees the descriptor even when close reports EINTR or EIO, so
	 * retrying could close someone else's fd; the data paths fsync first. */
	if (fd >= 0)
		(void)close(fd);
}

/* The mount ID of name in dirfd ("": dirfd itself), without following a
 * final symlink or triggering an automount: statx(STATX_MNT_ID) (Linux
 * 5.8), else the mnt_id line of /proc/self/fdinfo (3.15).  -ENOSYS when
 * neither answers (an old kernel without /proc). */
static int
mount_id(int dirfd, const char *name, uint64_t *id)
{
	char path[40], buf[512], *p;
	uint64_t v;
	ssize_t n;
	int fd, pfd;
#ifdef SYS_statx
	uint64_t sx[32];
	uint32_t mask;

	memset(sx, 0, sizeof sx);
	if (syscall(SYS_statx, dirfd, name, AT_SYMLINK_NOFOLLOW | RS_AT_NO_AUTOMOUNT |
	    (*name ? 0 : RS_AT_EMPTY_PATH), RS_STATX_MNT_ID, sx) == 0) {
		memcpy(&mask, sx, sizeof mask);
		/* 0 with the bit set: an emulator (qemu-user 7.2) that passes
		 * the mask on but not the field; fdinfo still tells. */
		if ((mask & RS_STATX_MNT_ID) && sx[18]) {
			*id = sx[18];	/* stx_mnt_id, byte 144 */
			return 0;
		}
	} else if (errno != ENOSYS && errno != EINVAL && errno != EPERM) {
		return -errno;
	}
#endif
	fd = *name ? xopenat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0) : dirfd;
	if (fd < 0)
		return fd;
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	pfd = xopenat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	n = pfd < 0 ? -1 : read(pfd, buf, sizeof buf - 1);
	xclose(pfd);
	if (fd != dirfd)
		xclose(fd);
	if (n <= 0)
		return -ENOSYS;
	buf[n] = 0;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (strncmp(p, "mnt_id:", 7))
			continue;
		for (p += 7, v = 0; *p == ' ' || *p == '\t'; p++)
			;
		if (*p < '0' || *p > '9')
			break;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (uint64_t)(*p++ - '0');
		*id = v;
		return 0;
	}
	return -ENOSYS;
}

/* 1 if fd (a directory) is the root of a mount, 0 if not, or -errno.
 * st_dev cannot tell a bind mount of the same filesystem from a plain
 * directory; the mount IDs of it and of its ".." (which climbs out of a
 * mount) can. */
static int
is_mount_root(int fd)
{
	struct stat st, up;
	uint64_t a, b;
	int pfd, rc;

	pfd = xopenat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (pfd < 0)
		return pfd;
	if (fstat(fd, &st) < 0 || fstat(pfd, &up) < 0) {
		rc = -errno;
	} else if (st.st_dev != up.st_dev) {
		rc = 1;
	} else if (st.st_ino == up.st_ino) {
		rc = 1;		/* ".." is itself: the namespace's root */
	} else {
		rc = mount_id(fd, "", &a);
		if (!rc)
			rc = mount_id(pfd, "", &b);
		if (!rc)
			rc = a != b;
		else if (rc == -ENOSYS)
			rc = 0;	/* st_dev is all there is to go by */
	}
	xclose(pfd);
	return rc;
}

/* Reject what neither resolver should see; both would otherwise report
 * long names at different points of the lookup. */
static int
check_path(const char *path)
{
	const char *p;
	size_t n;

	if (!path || !*path)
		return -EINVAL;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	for (p = path; *p; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
	}
	return 0;
}

/* Find path's final component [*start, *end), ignoring trailing slashes.
 * -EINVAL when there is none ("/") or it is "." or "..". */
static int
split_final(const char *path, size_t *start, size_t *end)
{
	size_t s, e;

	e = strlen(path);
	while (e > 0 && path[e - 1] == '/')
		e--;
	if (e == 0)
		return -EINVAL;
	s = e;
	while (s > 0 && path[s - 1] != '/')
		s--;
	if (path[s] == '.' && (e - s == 1 || (e - s == 2 && path[s + 1] == '.')))
		return -EINVAL;
	*start = s;
	*end = e;
	return 0;
}

static int
dup_root(const rs_root *r)
{
	int fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/* 1 if dirfd is a procfs directory other than the procfs root.  Every
 * symlink there (/proc/<pid>/exe, fd/N, cwd, root, ns/...) is a magic link,
 * whose readlink text is not where the kernel would go; the ordinary proc
 * symlinks (self, thread-self, mounts, net) all live in the procfs root. */
static int
is_magic_dir(int dirfd)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(dirfd, &sfs) < 0)
		return -errno;
	if ((unsigned long)sfs.f_type != PROC_SUPER_MAGIC)
		return 0;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	return st.st_ino != 1;	/* PROC_ROOT_INO */
}

/* Read symlink name in dirfd into buf (NUL-terminated).  Returns its length,
 * -EINVAL if name is not a symlink, -ENOENT for an empty target (as the
 * kernel does), -ELOOP for a magic link (RESOLVE_NO_MAGICLINKS does too). */
static int
read_link(int dirfd, const char *name, char *buf, size_t cap)
{
	ssize_t n;
	int m;

	n = readlinkat(dirfd, name, buf, cap);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	buf[n] = 0;
	m = is_magic_dir(dirfd);
	if (m < 0)
		return m;
	if (m)
		return -ELOOP;
	if (n == 0)
		return -ENOENT;
	return (int)n;
}

/* Replace path's final component by symlink target link (n bytes): an
 * absolute target replaces the whole path (it restarts at the root), a
 * relative one goes after the directory part, where the symlink lives. */
static int
join_link(char *path, size_t cap, const char *link, size_t n)
{
	size_t start = 0, end;

	if (link[0] != '/' && split_final(path, &start, &end) < 0)
		return -EINVAL;
	if (start + n + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(path + start, link, n + 1);
	return 0;
}

/* ".." from *cur: one level up, but never above the root. */
static int
step_up(int *cur, const struct stat *root)
{
	struct stat st;
	int fd;

	if (fstat(*cur, &st) < 0)
		return -errno;
	if (st.st_dev == root->st_dev && st.st_ino == root->st_ino)
		return 0;
	fd = xopenat(*cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	xclose(*cur);
	*cur = fd;
	return 0;
}

/* The userspace twin of openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS).
 * buf holds what is left to resolve; a symlink's target is spliced in front
 * of the rest, and an absolute one restarts at the root.  Every lookup is
 * one component with O_NOFOLLOW, so the kernel never follows a link itself.
 * Trailing slashes behave as in the kernel: the name must be a directory,
 * a symlink there is followed, and O_CREAT gives EISDIR. */
static int
walk_open(const rs_root *r, const char *path, int flags, mode_t mode)
{
	char buf[RS_WALK_MAX];
	char link[PATH_MAX];
	char comp[NAME_MAX + 1];
	struct stat rootst;
	char *rest, *after, *p;
	size_t n;
	int cur, fd, rc, follow, last, links = 0, races = 0;

	/* O_CREAT|O_EXCL never follows a final symlink (open(2)). */
	follow = !(flags & O_NOFOLLOW) &&
	    (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	n = strlen(path);
	if (n >= sizeof buf)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	if (fstat(r->fd, &rootst) < 0)
		return -errno;
	cur = dup_root(r);
	if (cur < 0)
		return cur;
	rest = buf;
	for (;;) {
		while (*rest == '/')
			rest++;
		if (!*rest) {
			/* "/", a final "." or "..", or a trailing slash: what
			 * is wanted is the directory the walk stands in. */
			fd = xopenat(cur, ".", flags, mode);
			break;
		}
		n = strcspn(rest, "/");
		after = rest + n;
		if (n > NAME_MAX) {
			fd = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, rest, n);
		comp[n] = 0;
		for (p = after; *p == '/'; p++)
			;
		last = !*p;
		if (!strcmp(comp, ".")) {
			rest = after;
			continue;
		}
		if (!strcmp(comp, "..")) {
			fd = step_up(&cur, &rootst);
			if (fd < 0)
				break;
			rest = after;
			continue;
		}
		if (last && !*after) {
			rc = follow ? read_link(cur, comp, link, sizeof link) : -EINVAL;
			if (rc == -EINVAL || rc == -ENOENT) {
				/* Not a symlink (or absent, for O_CREAT):
				 * O_NOFOLLOW keeps it that way if it changes. */
				fd = xopenat(cur, comp, flags | O_NOFOLLOW, mode);
				if (fd == -ELOOP && follow && ++races < RS_RACE_TRIES)
					continue;
				break;
			}
		} else {
			if (last && (flags & O_CREAT)) {
				fd = -EISDIR;
				break;
			}
			fd = xopenat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC, 0);
			if (fd >= 0) {
				xclose(cur);
				cur = fd;
				rest = after;
				continue;
			}
			if (fd != -ENOTDIR && fd != -ELOOP)
				break;
			rc = read_link(cur, comp, link, sizeof link);
			if (rc == -EINVAL)
				rc = -ENOTDIR;
		}
		if (rc < 0) {
			fd = rc;
			break;
		}
		/* comp is a symlink to link: resolve link + the rest. */
		if (++links > RS_MAXSYMLINKS) {
			fd = -ELOOP;
			break;
		}
		n = strlen(after);
		if ((size_t)rc + n + 1 > sizeof buf) {
			fd = -ENAMETOOLONG;
			break;
		}
		memmove(buf + rc, after, n + 1);
		memcpy(buf, link, (size_t)rc);
		rest = buf;
		if (link[0] == '/') {
			xclose(cur);
			cur = dup_root(r);
			if (cur < 0)
				return cur;
		}
	}
	xclose(cur);
	return fd;
}

/* Open path inside the root with the configured resolver.  O_CLOEXEC is
 * always added: reseal ends by exec'ing the real init, which must not
 * inherit descriptors into the image. */
static int
resolve_open(const rs_root *r, const char *path, int flags, mode_t mode)
{
	int fd = -ENOSYS, i, rc;

	rc = check_path(path);
	if (rc < 0)
		return rc;
	flags |= O_CLOEXEC;
	/* openat2 rejects a mode without O_CREAT/O_TMPFILE, and stray bits. */
	mode &= 07777;
	if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)
		mode = 0;
	if (r->resolve == RS_RESOLVE_KERNEL ||
	    (r->resolve == RS_RESOLVE_AUTO && !openat2_missing)) {
		/* EAGAIN: a rename or mount somewhere in the system raced a
		 * ".." and the kernel could not prove it stayed inside. */
		for (i = 0; i < RS_OPENAT2_TRIES; i++) {
			fd = rs_openat2(r->fd, path, flags, mode,
			    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
			if (fd != -EAGAIN && fd != -EINTR)
				break;
		}
		if (r->resolve == RS_RESOLVE_KERNEL)
			return fd;
		/* EPERM: older container runtimes' seccomp profiles deny
		 * syscalls they do not know.  A genuine EPERM costs a second
		 * lookup, which the walk answers the same way; so it is not
		 * remembered like ENOSYS. */
		if (fd == -ENOSYS)
			openat2_missing = 1;
		else if (fd != -EAGAIN && fd != -EINTR && fd != -EPERM)
			return fd;
	}
	return walk_open(r, path, flags, mode);
}

/* see rootfs.h */
int
rs_root_open(rs_root *r, const char *dir)
{
	size_t n;
	int fd;

	r->fd = -1;
	r->resolve = RS_RESOLVE_AUTO;
	r->path[0] = 0;
	if (!dir || !*dir)
		return -EINVAL;
	fd = xopenat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	r->fd = fd;
	n = strlen(dir);
	if (n >= sizeof r->path)
		n = sizeof r->path - 1;	/* only used in messages */
	memcpy(r->path, dir, n);
	r->path[n] = 0;
	return 0;
}

/* see rootfs.h */
void
rs_root_close(rs_root *r)
{
	xclose(r->fd);
	r->fd = -1;
}

/* see rootfs.h */
int
rs_root_open_at(const rs_root *r, const char *path, int flags, mode_t mode)
{
	return resolve_open(r, path, flags, mode);
}

/* see rootfs.h */
int
rs_root_open_parent(const rs_root *r, const char *path, char *name, size_t namecap)
{
	char dir[PATH_MAX];
	size_t start, end;
	int fd, rc;

	rc = check_path(path);
	if (rc < 0)
		return rc;
	rc = split_final(path, &start, &end);
	if (rc < 0)
		return rc;
	if (end - start + 1 > namecap)
		return -ERANGE;
	/* The directory part keeps its trailing slash, so a symlink there is
	 * followed and must lead to a directory. */
	if (start == 0) {
		dir[0] = '/';
		dir[1] = 0;
	} else {
		memcpy(dir, path, start);
		dir[start] = 0;
	}
	fd = resolve_open(r, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	memcpy(name, path + start, end - start);
	name[end - start] = 0;
	return fd;
}

static int
stat_in_root(const rs_root *r, const char *path, struct stat *st, int nofollow)
{
	int fd, rc = 0;

	/* An O_PATH open has no side effects, even on a device or a FIFO. */
	fd = resolve_open(r, path, O_PATH | nofollow, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		rc = -errno;
	xclose(fd);
	return rc;
}

/* see rootfs.h */
int
rs_root_lstat(const rs_root *r, const char *path, struct stat *st)
{
	return stat_in_root(r, path, st, O_NOFOLLOW);
}

/* see rootfs.h */
int
rs_root_stat(const rs_root *r, const char *path, struct stat *st)
{
	return stat_in_root(r, path, st, 0);
}

/* see rootfs.h */
int
rs_root_open_mountpoint(const rs_root *r, const char *path)
{
	struct stat st, rst;
	int fd, rc;

	fd = resolve_open(r, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || fstat(r->fd, &rst) < 0)
		rc = -errno;
	else if (st.st_dev == rst.st_dev && st.st_ino == rst.st_ino)
		rc = -EBUSY;
	else
		rc = is_mount_root(fd);
	if (rc == 0)
		return fd;
	xclose(fd);
	return rc > 0 ? -EBUSY : rc;
}

/* see rootfs.h */
int
rs_root_read(const rs_root *r, const char *path, void *buf, size_t cap, size_t *len)
{
	struct stat st, st2;
	size_t got = 0;
	int fd, rc;

	*len = 0;
	/* Look before opening: opening a FIFO blocks and opening a device
	 * node can have side effects, and an image may hold either. */
	rc = rs_root_stat(r, path, &st);
	if (rc < 0)
		return rc;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uintmax_t)st.st_size > cap) {
		*len = (size_t)st.st_size;
		return -EFBIG;
	}
	/* O_NONBLOCK: should the name turn into a FIFO since the check,
	 * the open still returns and the type check below refuses it. */
	fd = resolve_open(r, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st2) < 0)
		rc = -errno;
	else if (!S_ISREG(st2.st_mode))
		rc = -EINVAL;
	/* -EFBIG here: the file has grown since the first stat. */
	if (!rc)
		rc = rs_read_upto(fd, buf, cap, &got);
	xclose(fd);
	if (rc == -EFBIG) {
		*len = (uintmax_t)st2.st_size > cap ? (size_t)st2.st_size : cap + 1;
		return rc;
	}
	if (rc < 0)
		return rc;
	*len = got;
	return 0;
}

/* Follow a chain of symlinks at path's final component, inside the root:
 * out gets the in-root path of the first final that is not a symlink (it
 * may not exist).  The directory parts are left to the resolver. */
static int
follow_final(const rs_root *r, const char *path, char *out, size_t cap)
{
	char link[PATH_MAX];
	char name[NAME_MAX + 1];
	size_t n;
	int dfd, len, links = 0, rc;

	n = strlen(path);
	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(out, path, n + 1);
	for (;;) {
		dfd = rs_root_open_parent(r, out, name, sizeof name);
		if (dfd < 0)
			return dfd;
		len = read_link(dfd, name, link, sizeof link);
		xclose(dfd);
		if (len == -EINVAL || len == -ENOENT)
			return 0;
		if (len < 0)
			return len;
		if (++links > RS_MAXSYMLINKS)
			return -ELOOP;
		rc = join_link(out, cap, link, (size_t)len);
		if (rc < 0)
			return rc;
	}
}

static void
fill_random(unsigned char *buf, size_t n)
{
	static uint64_t counter;
	struct timespec ts;
	uint64_t x;
	size_t i;

	/* The name is no secret (O_EXCL makes a guessed one harmless), so
	 * early boot without entropy falls back to pid, time and a counter. */
	if (getrandom(buf, n, GRND_NONBLOCK) == (ssize_t)n)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^
	    (++counter * 0x9e3779b97f4a7c15u);
	for (i = 0; i < n; i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdu;
		x ^= x >> 29;
		buf[i] = (unsigned char)(x >> 56);
	}
}

/* Create ".<name>.reseal-XXXXXX" in dfd; tmp gets its name.  O_EXCL and
 * O_NOFOLLOW: nothing already there, a symlink least of all, is opened. */
static int
create_temp(int dfd, const char *name, char tmp[NAME_MAX + 1])
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[RS_TMP_RANDOM];
	size_t n, i;
	char *p;
	int fd, tries;

	n = strlen(name);
	if (n > NAME_MAX - RS_TMP_EXTRA)
		n = NAME_MAX - RS_TMP_EXTRA;
	for (tries = 0; tries < RS_TMP_TRIES; tries++) {
		fill_random(rnd, sizeof rnd);
		p = tmp;
		*p++ = '.';
		memcpy(p, name, n);
		p += n;
		memcpy(p, RS_TMP_SUFFIX, sizeof RS_TMP_SUFFIX - 1);
		p += sizeof RS_TMP_SUFFIX - 1;
		for (i = 0; i < sizeof rnd; i++)
			*p++ = alnum[rnd[i] % (sizeof alnum - 1)];
		*p = 0;
		fd = xopenat(dfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -EEXIST)
			return fd;
	}
	return -EEXIST;
}

#define MSDOS_MAGIC_ 0x4d44
/* The smallest logical sector size FAT has (docs/boot.md §8.4): every
 * cluster starts on a sector boundary, so the first RS_FAT_SECTOR bytes of a
 * file always lie in one sector, whatever the filesystem's real size is. */
#define RS_FAT_SECTOR 512

/* FAT has no atomic rename: a power cut between the directory update and
 * the FAT update of a rename can leave an entry pointing at a free cluster
 * (seen in tests/qemu/t-powercut.sh).  When the new content has exactly the
 * old file's size -- as a reference rewrite always does, identifiers keep
 * their length -- and fits in one sector, overwrite the data in place: no
 * cluster allocation, no directory or FAT change, one sector write, which a
 * disk does whole or not at all.  A longer file would be written sector by
 * sector and a cut could leave it half old, half new (a torn grub.cfg), so
 * it goes through write_atomic's temp + rename (docs/boot.md §8.4).
 * *fat is set when dfd is on FAT.  Returns -EAGAIN when in place does not
 * apply (not FAT, size differs, more than one sector). */
static int
fat_overwrite(int dfd, const char *name, const void *data, size_t len, int flags, int *fat)
{
	struct statfs sfs;
	struct stat st;
	int fd, rc;

	*fat = 0;
	if (fstatfs(dfd, &sfs) < 0 || (unsigned long)sfs.f_type != MSDOS_MAGIC_)
		return -EAGAIN;
	*fat = 1;
	if (len > RS_FAT_SECTOR)
		return -EAGAIN;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != len)
		return -EAGAIN;
	rs_fault_point(name);
	fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = rs_write_full(fd, data, len);
	if (!rc && !(flags & RS_W_NOSYNC))
		rc = xfsync(fd);
	if (close(fd) < 0 && !rc && errno != EINTR)
		rc = -errno;
	return rc;
}

/* see rootfs.h */
int
rs_root_write_atomic(const rs_root *r, const char *path, const void *data,
    size_t len, mode_t mode, uid_t uid, gid_t gid, int flags)
{
	char target[PATH_MAX];
	char name[NAME_MAX + 1];
	char tmp[NAME_MAX + 1];
	int dfd, fd, old = -1, fat, rc;

	rc = check_path(path);
	if (rc < 0)
		return rc;
	/* "name/" names a directory, which a file cannot replace (as for
	 * open(2) with O_CREAT); without this the slash would be dropped. */
	if (path[strlen(path) - 1] == '/')
		return -EISDIR;
	if (flags & RS_W_FOLLOW) {
		rc = follow_final(r, path, target, sizeof target);
		if (rc < 0)
			return rc;
		path = target;
	}
	dfd = rs_root_open_parent(r, path, name, sizeof name);
	if (dfd < 0)
		return dfd;
	rc = fat_overwrite(dfd, name, data, len, flags, &fat);
	if (rc != -EAGAIN) {
		xclose(dfd);
		return rc;
	}
	/* On FAT, the file being replaced stays open until the new one's
	 * directory entry is on disk: Linux frees its clusters only when the
	 * last reference goes, so no crash state has the entry pointing at
	 * freed clusters (docs/boot.md §8.4).  Absent or special: no matter. */
	if (fat)
		old = xopenat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
	/* Power-cut points (test build only): before the temp file exists,
	 * and between a complete temp file and the rename. */
	rs_fault_point(path);
	fd = create_temp(dfd, name, tmp);
	if (fd < 0) {
		xclose(old);
		xclose(dfd);
		return fd;
	}
	rc = rs_write_full(fd, data, len);
	if (!rc && fchown(fd, uid, gid) < 0)
		rc = -errno;
	/* Only now: chown clears the set-user-ID and set-group-ID bits. */
	if (!rc && fchmod(fd, mode & 07777) < 0)
		rc = -errno;
	if (!rc && !(flags & RS_W_NOSYNC))
		rc = xfsync(fd);
	if (!rc) {
		rs_fault_point(path);
		if (renameat(dfd, tmp, dfd, name) < 0)
			rc = -errno;
	}
	/* FAT reuses the old name's directory entry for the renamed file and
	 * writes it with the file's inode: the file's fsync puts it on disk. */
	if (!rc && fat && !(flags & RS_W_NOSYNC))
		rc = xfsync(fd);
	if (close(fd) < 0 && !rc && errno != EINTR)
		rc = -errno;
	if (rc) {
		(void)unlinkat(dfd, tmp, 0);
		xclose(old);
		xclose(dfd);
		return rc;
	}
	if (!(flags & RS_W_NOSYNC))
		rc = xfsync(dfd);
	xclose(old);
	xclose(dfd);
	return rc;
}

/* see rootfs.h */
int
rs_root_unlink(const rs_root *r, const char *path)
{
	char name[NAME_MAX + 1];
	int dfd, rc;

	dfd = rs_root_open_parent(r, path, name, sizeof name);
	if (dfd < 0)
		return dfd;
	rs_fault_point(path);
	if (unlinkat(dfd, name, 0) < 0)
		rc = -errno;
	else
		rc = xfsync(dfd);
	xclose(dfd);
	return rc;
}

/* The filesystem a removal stays on: st_dev, and the mount ID (have_mnt 0
 * when the kernel tells none), since a bind mount of the same filesystem
 * has the same st_dev (docs/boot.md §8.3). */
struct where {
	dev_t dev;
	uint64_t mnt;
	int have_mnt;
};

static int remove_entry(int dfd, const char *name, const struct where *w, int depth);

/* Remove everything inside directory name of dfd, whose fstatat is st. */
static int
empty_dir(int dfd, const char *name, const struct stat *st, const struct where *w, int depth)
{
	struct stat st2;
	struct dirent *e;
	DIR *d;
	int fd, rc = 0, xdev = 0;

	fd = xopenat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st2) < 0) {
		rc = -errno;
		xclose(fd);
		return rc;
	}
	/* Swapped for another directory between fstatat and open. */
	if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
		xclose(fd);
		return -EAGAIN;
	}
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		xclose(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			rc = errno ? -errno : 0;
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		rc = remove_entry(fd, e->d_name, w, depth + 1);
		if (rc == -ENOENT)
			rc = 0;		/* gone already: fine */
		else if (rc == -EXDEV) {
			xdev = 1;	/* skip the mount, keep going */
			rc = 0;
		}
		if (rc < 0)
			break;
	}
	closedir(d);
	if (!rc && xdev)
		rc = -EXDEV;
	return rc;
}

/* Remove name in dfd, and everything below it if it is a directory on
 * the filesystem and mount w. */
static int
remove_entry(int dfd, const char *name, const struct where *w, int depth)
{
	struct stat st;
	uint64_t mnt;
	int rc, tries;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		rs_fault_point(name);
		return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
	}
	/* Another mount, or a btrfs subvolume: not ours to empty. */
	if (st.st_dev != w->dev)
		return -EXDEV;
	/* A bind mount of this same filesystem: same st_dev, other mount. */
	if (w->have_mnt) {
		rc = mount_id(dfd, name, &mnt);
		if (rc < 0 && rc != -ENOSYS)
			return rc;
		if (rc == 0 && mnt != w->mnt)
			return -EXDEV;
	}
	if (depth >= RS_TREE_DEPTH_MAX)
		return -ELOOP;
	for (tries = 0;; tries++) {
		rc = empty_dir(dfd, name, &st, w, depth);
		if (rc < 0)
			return rc;
		rs_fault_point(name);
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
			return 0;
		rc = -errno;
		/* readdir may miss entries of a directory that changes under
		 * it; another pass picks them up. */
		if ((rc != -ENOTEMPTY && rc != -EEXIST) || tries == 2)
			return rc;
	}
}

/* see rootfs.h */
int
rs_root_remove_tree(const rs_root *r, const char *path)
{
	char name[NAME_MAX + 1];
	struct where w;
	struct stat st;
	int dfd, rc, sync;

	dfd = rs_root_open_parent(r, path, name, sizeof name);
	if (dfd < 0)
		return dfd;
	if (fstat(dfd, &st) < 0) {
		rc = -errno;
	} else {
		w.dev = st.st_dev;
		rc = mount_id(dfd, "", &w.mnt);
		w.have_mnt = rc == 0;
		if (rc == 0 || rc == -ENOSYS)
			rc = remove_entry(dfd, name, &w, 0);
	}
	/* Something may have gone even on failure: make that durable too. */
	if (rc != -ENOENT) {
		sync = xfsync(dfd);
		if (!rc)
			rc = sync;
	}
	xclose(dfd);
	return rc;
}

/* see rootfs.h */
int
rs_root_list(const rs_root *r, const char *path, rs_root_dir_fn fn, void *ctx)
{
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	fd = resolve_open(r, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		xclose(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			rc = errno ? -errno : 0;
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		rc = fn(ctx, e->d_name, e->d_type);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}

/* mkdir name in dfd with exactly mode (no umask), owned by root:root (not
 * a set-group-ID parent's group). */
static int
make_dir(int dfd, const char *name, mode_t mode)
{
	int fd, rc = 0;

	rs_fault_point(name);
	if (mkdirat(dfd, name, 0700) < 0)
		return -errno;
	fd = xopenat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	if (fchown(fd, 0, 0) < 0)
		rc = -errno;
	else if (fchmod(fd, mode & 07777) < 0)
		rc = -errno;
	xclose(fd);
	return rc;
}

/* Make sure directory prefix exists.  Returns 0 when it does (or now does),
 * the length of link when prefix is a dangling symlink (link holds its
 * target), or -errno. */
static int
mkdir_one(const rs_root *r, const char *prefix, mode_t mode, char *link, size_t cap)
{
	char name[NAME_MAX + 1];
	int fd, dfd, rc;

	fd = resolve_open(r, prefix, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0) {
		xclose(fd);
		return 0;
	}
	if (fd != -ENOENT)
		return fd;
	dfd = rs_root_open_parent(r, prefix, name, sizeof name);
	if (dfd < 0)
		return dfd;
	rc = make_dir(dfd, name, mode);
	if (rc == 0) {
		/* The new entry is only durable once its parent is synced. */
		rc = xfsync(dfd);
	} else if (rc == -EEXIST) {
		/* Lookup said ENOENT, yet the name exists: a dangling
		 * symlink, whose target is created instead.  Anything else
		 * (a race) is judged by the next lookup. */
		rc = read_link(dfd, name, link, cap);
		if (rc == -EINVAL)
			rc = 0;
	}
	xclose(dfd);
	return rc;
}

/* see rootfs.h */
int
rs_root_mkdir_p(const rs_root *r, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char rest[PATH_MAX];
	char link[PATH_MAX];
	size_t end, n;
	int fd, rc, links = 0, done = 0;
	char save;

	rc = check_path(path);
	if (rc < 0)
		return rc;
	n = strlen(path);
	memcpy(buf, path, n + 1);
	for (;;) {
		fd = resolve_open(r, buf, O_PATH | O_DIRECTORY, 0);
		if (fd >= 0) {
			xclose(fd);
			return 0;
		}
		if (fd != -ENOENT || done)
			return fd;
		/* Create what is missing, top down.  A dangling symlink on
		 * the way is replaced, in buf, by its target, and the whole
		 * path is looked at again. */
		done = 1;
		for (end = 0;;) {
			while (buf[end] == '/')
				end++;
			if (!buf[end])
				break;
			end += strcspn(buf + end, "/");
			save = buf[end];
			buf[end] = 0;
			rc = mkdir_one(r, buf, mode, link, sizeof link);
			buf[end] = save;
			if (rc < 0)
				return rc;
			if (rc == 0)
				continue;
			if (++links > RS_MAXSYMLINKS)
				return -ELOOP;
			n = strlen(buf + end);
			memcpy(rest, buf + end, n + 1);
			buf[end] = 0;
			rc = join_link(buf, sizeof buf, link, (size_t)rc);
			if (rc < 0)
				return rc;
			if (strlen(buf) + n + 1 > sizeof buf)
				return -ENAMETOOLONG;
			memcpy(buf + strlen(buf), rest, n + 1);
			done = 0;
			break;
		}
	}
}
