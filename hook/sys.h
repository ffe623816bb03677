/* sys.h: syscalls and constants the libc lacks.  Return an fd, 0 or -errno.
 *
 * musl 1.2.3 wraps neither openat2(2) nor declares struct open_how, and its
 * headers do not include the kernel headers, so the definitions reseal
 * needs live here.  struct rs_open_how has its own name so that it can never
 * clash with a libc or <linux/openat2.h> struct open_how. */
#ifndef RS_SYS_H
#define RS_SYS_H

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* openat2 is 437 in the generic syscall table that every architecture has
 * shared since Linux 5.1 (x86_64, i386, aarch64, arm, riscv, ...); alpha,
 * ia64 and mips differ, but their libc headers define the number. */
#ifndef SYS_openat2
#ifdef __NR_openat2
#define SYS_openat2 __NR_openat2
#else
#define SYS_openat2 437
#endif
#endif

/* how->resolve flags, <linux/openat2.h> (identical values if both appear) */
#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV        0x01
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS  0x02
#endif
#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS    0x04
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH        0x08
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT        0x10
#endif

/* statfs f_type of procfs, <linux/magic.h> */
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC       0x9fa0
#endif

/* The first (v0, 24-byte) layout of struct open_how; the kernel accepts it
 * forever, and reseal needs no later field. */
struct rs_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

/* openat2(2).  Returns an fd or -errno (-ENOSYS before Linux 5.6). */
static inline int
rs_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct rs_open_how how;
	long r;

	how.flags = (uint64_t)(unsigned)flags;
	how.mode = (uint64_t)mode;
	how.resolve = resolve;
	r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	return r < 0 ? -errno : (int)r;
}

#endif
