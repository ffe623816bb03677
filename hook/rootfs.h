/* rootfs.h: the one safe path layer for everything under a target root.
 *
 * Every path handed to these functions is absolute *inside* the root
 * ("/etc/machine-id").  It is resolved as if the root were "/": an absolute
 * symlink restarts at the root, ".." never climbs above it, so no symlink in
 * an image can redirect a read or a write outside.  The kernel does this with
 * openat2(RESOLVE_IN_ROOT) (Linux 5.6); on older kernels (ENOSYS) a
 * component-by-component walk with O_PATH|O_NOFOLLOW gives the same result.
 * Magic links (/proc/self/...) are never followed.
 *
 * All functions return 0 (or an fd) on success and -errno on failure. */
#ifndef RS_ROOTFS_H
#define RS_ROOTFS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

enum rs_resolve {
	RS_RESOLVE_AUTO,     /* openat2 if the kernel has it, else the walk */
	RS_RESOLVE_KERNEL,   /* openat2 only */
	RS_RESOLVE_WALK      /* the userspace walk only (tests, old kernels) */
};

typedef struct {
	int fd;                   /* O_PATH|O_DIRECTORY fd of the root */
	enum rs_resolve resolve;  /* how paths are resolved */
	char path[256];           /* the root as given, for messages */
} rs_root;

/* rs_root_write_atomic() flags */
#define RS_W_FOLLOW   1   /* a symlink at path: replace its in-root target instead */
#define RS_W_NOSYNC   2   /* skip fsyncs (never on the boot path; for tests) */

/* Open dir as a root.  Returns 0 or -errno. */
int rs_root_open(rs_root *r, const char *dir);
void rs_root_close(rs_root *r);

/* Open path (any open(2) flags except O_CREAT|O_EXCL combos on symlinks),
 * following symlinks inside the root.  O_NOFOLLOW in flags applies to the
 * final component only.  Returns an fd or -errno. */
int rs_root_open_at(const rs_root *r, const char *path, int flags, mode_t mode);

/* Open the directory that holds path's final component (symlinks in the
 * directory part followed inside the root) and copy that component to name.
 * Returns a directory fd or -errno (-EINVAL for "/", "." or ".." finals). */
int rs_root_open_parent(const rs_root *r, const char *path, char *name, size_t namecap);

/* lstat (final symlink not followed) and stat (followed inside the root). */
int rs_root_lstat(const rs_root *r, const char *path, struct stat *st);
int rs_root_stat(const rs_root *r, const char *path, struct stat *st);

/* Read a whole regular file (symlinks followed inside the root) into buf.
 * -EFBIG if it does not fit in cap bytes; *len gets the size. */
int rs_root_read(const rs_root *r, const char *path, void *buf, size_t cap, size_t *len);

/* Atomically make path hold data with the given mode and owner:
 * O_EXCL|O_NOFOLLOW temp file in the same directory, write, fchown, fchmod,
 * fsync, renameat over path, fsync the directory.  Without RS_W_FOLLOW a
 * symlink at path is replaced by the file; with it, the symlink's target
 * (resolved inside the root) is replaced.  On failure the temp file is
 * removed and path is unchanged. */
int rs_root_write_atomic(const rs_root *r, const char *path, const void *data,
    size_t len, mode_t mode, uid_t uid, gid_t gid, int flags);

/* Remove a file or symlink (never its target).  -ENOENT if absent.
 * The parent directory is fsynced. */
int rs_root_unlink(const rs_root *r, const char *path);

/* Remove path and, if it is a directory, everything below it, without
 * following symlinks or crossing into other mounts.  -ENOENT if absent. */
int rs_root_remove_tree(const rs_root *r, const char *path);

/* Call fn for every entry of directory path except "." and "..", in
 * directory order.  Stops at and returns fn's first nonzero value. */
typedef int (*rs_root_dir_fn)(void *ctx, const char *name, unsigned char d_type);
int rs_root_list(const rs_root *r, const char *path, rs_root_dir_fn fn, void *ctx);

/* mkdir -p inside the root (new directories get mode, owner root). */
int rs_root_mkdir_p(const rs_root *r, const char *path, mode_t mode);

#endif
