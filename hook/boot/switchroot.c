/* switchroot.c: hand over to the real init (docs/boot.md §8, §9). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "boot.h"
#include "log.h"

#define RAMFS_MAGIC_ 0x858458f6
#define TMPFS_MAGIC_ 0x01021994

/* Resolve init inside newroot, following absolute symlinks relative to
 * newroot (the way it will resolve after the chroot). */
static int
exec_ok(const char *newroot, const char *init)
{
	char path[512], link[256];
	struct stat st;
	int hops;

	snprintf(path, sizeof path, "%s%s", newroot, init);
	for (hops = 0; hops < 16; hops++) {
		ssize_t n;
		if (lstat(path, &st) < 0)
			return -errno;
		if (!S_ISLNK(st.st_mode))
			break;
		n = readlink(path, link, sizeof link - 1);
		if (n < 0)
			return -errno;
		link[n] = 0;
		if (link[0] == '/') {
			snprintf(path, sizeof path, "%s%s", newroot, link);
		} else {
			/* relative: replace the last component of path */
			char *slash = strrchr(path, '/');
			size_t keep = (size_t)(slash - path) + 1;
			if (keep + strlen(link) >= sizeof path)
				return -ENAMETOOLONG;
			memcpy(path + keep, link, strlen(link) + 1);
		}
	}
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) < 0 ? -errno : 0;
}

/* see boot.h */
int
rs_switch_root_check(const char *newroot, const char *want, char *init, size_t cap)
{
	static const char *const defaults[] = { "/sbin/init", "/etc/init", "/bin/init", "/bin/sh" };
	struct stat root, nr;
	struct statfs fs;
	size_t i;
	int r;

	if (getpid() != 1)
		return -EPERM;
	if (stat("/", &root) < 0 || stat(newroot, &nr) < 0)
		return -errno;
	if (root.st_dev == nr.st_dev)
		return -EXDEV;   /* nothing mounted on newroot */
	if (statfs("/", &fs) < 0)
		return -errno;
	if ((unsigned long)fs.f_type != RAMFS_MAGIC_ && (unsigned long)fs.f_type != TMPFS_MAGIC_)
		return -EINVAL;  /* never wipe a real root filesystem */
	if (want && *want) {
		r = exec_ok(newroot, want);
		if (r == 0)
			snprintf(init, cap, "%s", want);
		else
			rs_err("init=%s is not executable in the new root: %s", want, rs_strerr(r));
		return r;
	}
	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		if (exec_ok(newroot, defaults[i]) == 0) {
			snprintf(init, cap, "%s", defaults[i]);
			return 0;
		}
	}
	rs_err("no init found in the new root (tried /sbin/init /etc/init /bin/init /bin/sh)");
	return -ENOENT;
}

/* Delete the initramfs contents under dirfd without crossing into other
 * filesystems (dev) and without following symlinks; best effort. */
static void
delete_tree(int dirfd, dev_t dev)
{
	DIR *dir = fdopendir(dirfd);
	struct dirent *e;

	if (!dir) {
		close(dirfd);
		return;
	}
	while ((e = readdir(dir))) {
		struct stat st;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				delete_tree(sub, dev);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, e->d_name, 0);
		}
	}
	closedir(dir);
}

/* see boot.h */
int
rs_switch_root(const char *newroot, const char *init, char **argv)
{
	static const char *const api[] = { "/dev", "/proc", "/sys", "/run" };
	static char *const envp[] = { "HOME=/", "TERM=linux", NULL };
	char dst[256];
	struct stat root, st;
	size_t i;
	int rootfd, fd;

	if (stat("/", &root) < 0)
		return -errno;
	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	for (i = 0; i < sizeof api / sizeof api[0]; i++) {
		if (stat(api[i], &st) < 0 || st.st_dev == root.st_dev)
			continue;   /* not a mount point */
		snprintf(dst, sizeof dst, "%s%s", newroot, api[i]);
		if (mount(api[i], dst, NULL, MS_MOVE, NULL) < 0) {
			rs_warn("unable to move %s to %s: %s", api[i], dst, strerror(errno));
			umount2(api[i], MNT_DETACH);
		}
	}
	if (chdir(newroot) < 0) {
		int r = -errno;
		close(rootfd);
		return r;
	}
	/* Past this point the initramfs is gone: every check ran before. */
	delete_tree(rootfd, root.st_dev);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return -errno;
	/* The console from the new root's devtmpfs (docs/boot.md §7). */
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	argv[0] = (char *)init;
	execve(init, argv, envp);
	return -errno;
}
