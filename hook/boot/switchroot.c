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
#include "rootfs.h"

#define RAMFS_MAGIC_ 0x858458f6
#define TMPFS_MAGIC_ 0x01021994

/* Whether init is an executable regular file in the new root, resolved
 * by hook/rootfs.c's one resolver as the kernel will resolve it after the
 * chroot: absolute links restart at the new root, ".." stops there
 * (docs/boot.md §8.1). */
static int
exec_ok(const rs_root *nr, const char *init)
{
	char at[40];
	struct stat st;
	int fd, r = 0;

	fd = rs_root_open_at(nr, init, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EACCES;
	else {
		snprintf(at, sizeof at, "/proc/self/fd/%d", fd);
		if (access(at, X_OK) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

/* see boot.h */
int
rs_switch_root_check(const char *newroot, const char *want, char *init, size_t cap)
{
	static const char *const defaults[] = { "/sbin/init", "/etc/init", "/bin/init", "/bin/sh" };
	struct stat root, nr;
	struct statfs fs;
	rs_root r;
	size_t i;
	int rc;

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
	rc = rs_root_open(&r, newroot);
	if (rc < 0)
		return rc;
	if (want && *want) {
		rc = exec_ok(&r, want);
		if (rc == 0)
			snprintf(init, cap, "%s", want);
		else
			rs_err("init=%s is not executable in the new root: %s", want, rs_strerr(rc));
		rs_root_close(&r);
		return rc;
	}
	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		if (exec_ok(&r, defaults[i]) == 0) {
			snprintf(init, cap, "%s", defaults[i]);
			rs_root_close(&r);
			return 0;
		}
	}
	rs_root_close(&r);
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
	/* /proc last: the moves before it reach their targets through it. */
	static const char *const api[] = { "/dev", "/sys", "/run", "/proc" };
	static char *const envp[] = { "HOME=/", "TERM=linux", NULL };
	char at[40];
	struct stat root, st;
	rs_root nr;
	size_t i;
	int rootfd, fd, r;

	if (stat("/", &root) < 0)
		return -errno;
	r = rs_root_open(&nr, newroot);
	if (r < 0)
		return r;
	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		r = -errno;
		rs_root_close(&nr);
		return r;
	}
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	for (i = 0; i < sizeof api / sizeof api[0]; i++) {
		if (stat(api[i], &st) < 0 || st.st_dev == root.st_dev)
			continue;   /* not a mount point */
		/* The target is resolved inside the new root (a "/run -> /"
		 * there is the new root itself: refused) and moved onto by fd,
		 * never by a name the kernel would resolve from the initramfs
		 * (docs/boot.md §8.3).  Not moved: detached, as before. */
		fd = rs_root_open_mountpoint(&nr, api[i]);
		if (fd >= 0) {
			snprintf(at, sizeof at, "/proc/self/fd/%d", fd);
			r = mount(api[i], at, NULL, MS_MOVE, NULL) < 0 ? -errno : 0;
			close(fd);
		} else {
			r = fd;
		}
		if (r < 0) {
			rs_warn("unable to move %s to %s%s: %s; detached instead", api[i], newroot, api[i],
			    r == -EBUSY ? "it resolves to the new root itself or to a mount point" :
			    rs_strerr(r));
			umount2(api[i], MNT_DETACH);
		}
	}
	rs_root_close(&nr);
	if (chdir(newroot) < 0) {
		r = -errno;
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
