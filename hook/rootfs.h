/* rootfs.h: the one safe path layer for everything under a target root.
 *
 * Every path handed to these functions is absolute *inside* the root
 * ("/etc/machine-id"); a path without the leading "/" means the same
 * ("etc/machine-id" is "/etc/machine-id").  It is resolved as if the root
 * were "/": an absolute symlink restarts at the root, ".." never climbs above
 * it, so no symlink in an image can redirect a read or a write outside.  The
 * kernel does this with openat2(RESOLVE_IN_ROOT) (Linux 5.6); on older
 * kernels (ENOSYS) a component-by-component walk with O_PATH|O_NOFOLLOW gives
 * the same result.  Magic links (/proc/self/exe, /proc/<pid>/fd/N, ...) are
 * never followed: a lookup through one fails with -ELOOP.  After 40 symlinks
 * (the kernel's limit) a lookup fails with -ELOOP.
 *
 * All functions return 0 (or an fd) on success and -errno on failure.  For
 * every path: NULL or "" is -EINVAL; a component longer than NAME_MAX or a
 * path of PATH_MAX bytes or more is -ENAMETOOLONG.  Every fd returned has
 * O_CLOEXEC set. */
#ifndef RS_ROOTFS_H
#define RS_ROOTFS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

enum rs_resolve {
	RS_RESOLVE_AUTO,     /* openat2; the walk on ENOSYS (remembered), EPERM
	                        (seccomp) or repeated EAGAIN */
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

/* Open path with open(2) flags, following symlinks inside the root;
 * O_CREAT creates inside the root too (a dangling final symlink gets its
 * in-root target created).  O_NOFOLLOW in flags applies to the final
 * component only; O_CREAT|O_EXCL never follows a final symlink (-EEXIST).
 * A trailing slash demands a directory (O_CREAT with one: -EISDIR).
 * O_CLOEXEC is always added.  Returns an fd or -errno. */
int rs_root_open_at(const rs_root *r, const char *path, int flags, mode_t mode);

/* Open the directory that holds path's final component (symlinks in the
 * directory part followed inside the root) and copy that component to name;
 * trailing slashes are ignored ("/etc/ssh/" gives "/etc" and "ssh").
 * Returns a directory fd opened O_RDONLY (so it can be fsynced and read) or
 * -errno: -EINVAL for "/", "." or ".." finals, -ERANGE if the name does not
 * fit in namecap bytes (NAME_MAX + 1 always does). */
int rs_root_open_parent(const rs_root *r, const char *path, char *name, size_t namecap);

/* lstat (final symlink not followed) and stat (followed inside the root). */
int rs_root_lstat(const rs_root *r, const char *path, struct stat *st);
int rs_root_stat(const rs_root *r, const char *path, struct stat *st);

/* Read a whole regular file (symlinks followed inside the root) into buf.
 * *len gets the size.  -EFBIG if it does not fit in cap bytes (then *len is
 * the size fstat reported, or cap + 1 if the file grew while read).  The type
 * is checked before the file is opened, so a FIFO or a device node in the
 * image is never opened: -EISDIR for a directory, -EINVAL for anything else
 * that is not a regular file. */
int rs_root_read(const rs_root *r, const char *path, void *buf, size_t cap, size_t *len);

/* Atomically make path hold data with the given mode and owner:
 * O_EXCL|O_NOFOLLOW temp file ".<name>.reseal-XXXXXX" in the same directory,
 * write, fchown, fchmod (after fchown, which clears set-ID bits), fsync,
 * renameat over path, fsync the directory.  The mode is exact (no umask);
 * uid or gid (uid_t)-1 leaves that one as the temp file got it.  Without
 * RS_W_FOLLOW a symlink at path is replaced by the file; with it, the
 * symlink's target (resolved inside the root: an absolute target from the
 * root, a relative one from the symlink's directory, chains up to 40 links)
 * is replaced, and a dangling target is created if its directory exists.  A
 * path ending in "/" is -EISDIR (it names a directory; "/" itself too).  On
 * failure the temp file is removed and path is unchanged, with one exception:
 * an error from an fsync after the rename (the directory's; on FAT also the
 * file's) means the new file is in place but may not be durable.
 * On FAT (docs/boot.md §8.4) a file of the same size and at most 512 bytes
 * is overwritten in place (one sector); anything else takes the temp +
 * rename path, with the old file held open until the new entry is synced.
 * A temp file left by a crash matches RS_TMP_GLOB; the operations sweep
 * them (hook/ops.c). */
#define RS_TMP_GLOB ".*.reseal-??????"
int rs_root_write_atomic(const rs_root *r, const char *path, const void *data,
    size_t len, mode_t mode, uid_t uid, gid_t gid, int flags);

/* Remove a file or symlink (never its target; a trailing slash is ignored).
 * -ENOENT if absent, -EISDIR for a directory.  The parent directory is
 * fsynced. */
int rs_root_unlink(const rs_root *r, const char *path);

/* Remove path and, if it is a directory, everything below it, without
 * following symlinks (a symlink is removed, never its target; symlinks in the
 * directory part of path are followed inside the root) or crossing into other
 * mounts.  -ENOENT if absent.  A directory whose st_dev or mount ID differs
 * from that of the directory holding it (a mount point, a bind mount of the
 * same filesystem, or a btrfs subvolume) is skipped:
 * nothing in it is touched, everything else is still removed, the
 * directories above it stay, and the result is -EXDEV.  Any other error stops
 * the removal at once and is returned.  Deeper than 256 levels: -ELOOP.  The
 * parent of path is fsynced. */
int rs_root_remove_tree(const rs_root *r, const char *path);

/* Call fn for every entry of directory path (symlinks followed inside the
 * root) except "." and "..", in directory order; d_type is readdir's (it may
 * be DT_UNKNOWN).  Stops at and returns fn's first nonzero value. */
typedef int (*rs_root_dir_fn)(void *ctx, const char *name, unsigned char d_type);
int rs_root_list(const rs_root *r, const char *path, rs_root_dir_fn fn, void *ctx);

/* Open path as a place to mount something on: an O_PATH|O_DIRECTORY fd of
 * the directory path resolves to inside the root (symlinks followed inside
 * it, so "/boot -> /" is the root itself and a link out of the root lands
 * inside it).  Mount onto it through "/proc/self/fd/N", never by name, so
 * the kernel cannot resolve the name differently (docs/boot.md §8.3).
 * -ENOTDIR if it is not a directory, -EBUSY if it is the root itself or
 * already the root of a mount (by mount ID, so a bind mount counts). */
int rs_root_open_mountpoint(const rs_root *r, const char *path);

/* mkdir -p inside the root.  New directories get exactly mode (no umask)
 * and owner root:root, and their parent is fsynced.  Symlinks on the way are
 * followed inside the root; a dangling one has its in-root target created.
 * 0 if path already is a directory; -ENOTDIR if a component is not one. */
int rs_root_mkdir_p(const rs_root *r, const char *path, mode_t mode);

#endif
