/* pid1.c: reseal as /init.  rs_boot_main() reads as the boot script
 * (docs/boot.md §2); every path ends in execve or rs_panic. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "config.h"
#include "fault.h"
#include "io.h"
#include "log.h"
#include "ops.h"
#include "scan.h"

static rs_cmdline cmdline;
/* Root at RS_NEWROOT, the command line's type and flags. */
static rs_session sess = { RS_NEWROOT, cmdline.root, cmdline.rootfstype, cmdline.rootflags, 0,
	&rs_boot_devs, &rs_boot_ctx, 0 };

/* see boot.h */
void
rs_panic(const char *what)
{
	rs_err("fatal: %s; the kernel will panic in 10 s (use panic=N to reboot)", what);
	sync();
	sleep(10);
	_exit(1);
}

/* The API filesystems (docs/boot.md §2 step 1), in mount order. */
static const struct api_mount {
	const char *source, *target, *type, *data;
	unsigned long flags;
} api_mounts[] = {
	{ "proc",     "/proc", "proc",     NULL,        MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "sysfs",    "/sys",  "sysfs",    NULL,        MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "devtmpfs", "/dev",  "devtmpfs", "mode=0755", MS_NOSUID },
	/* systemd's INITRD_INTERFACE asks for exactly this /run. */
	{ "tmpfs",    "/run",  "tmpfs",    "mode=0755", MS_NOSUID | MS_NODEV | MS_STRICTATIME },
};
#define N_API (sizeof api_mounts / sizeof *api_mounts)

/* What mount_api could not do: -errno per api_mounts entry (and of the
 * mkdir before it, api_mkdir), 0 when done.  Recorded, not logged: no fd
 * is open yet (docs/boot.md §2 step 1); mount_api_report logs it. */
static int api_err[N_API], api_mkdir[N_API], newroot_err;

static void
mount_api(void)
{
	unsigned i;

	for (i = 0; i < N_API; i++) {
		const struct api_mount *m = &api_mounts[i];
		api_mkdir[i] = mkdir(m->target, 0755) < 0 && errno != EEXIST ? -errno : 0;
		api_err[i] = mount(m->source, m->target, m->type, m->flags, m->data) < 0 ? -errno : 0;
	}
	newroot_err = mkdir(RS_NEWROOT, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Say what mount_api could not do, once the log is open and the command
 * line has set its level (docs/boot.md §1.1).  A target where that
 * filesystem is already mounted (EBUSY) is noted at debug level; any other
 * failure is an error, and the steps needing that filesystem fail later
 * with their own message. */
static void
mount_api_report(void)
{
	unsigned i;

	for (i = 0; i < N_API; i++) {
		const struct api_mount *m = &api_mounts[i];
		if (api_mkdir[i])
			rs_err("unable to create %s: %s", m->target, rs_strerr(api_mkdir[i]));
		if (api_err[i] == -EBUSY)
			rs_debug("%s is already mounted: kept as it is", m->target);
		else if (api_err[i])
			rs_err("unable to mount %s on %s: %s", m->type, m->target,
			    rs_strerr(api_err[i]));
	}
	if (newroot_err)
		rs_err("unable to create %s: %s", RS_NEWROOT, rs_strerr(newroot_err));
}

/* fds 0-2 may be closed when the cpio has no /dev/console (docs/boot.md §7). */
static void
ensure_stdio(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/console", O_RDWR | O_NOCTTY);
		if (n < 0)
			n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

static void
read_cmdline(void)
{
	char text[4096];

	/* Unreadable: no parameters.  Longer than text: its first 4095 bytes
	 * (rs_read_file keeps them) are better than none. */
	(void)rs_read_file("/proc/cmdline", text, sizeof text, NULL);
	rs_cmdline_parse(&cmdline, text);
	if (cmdline.debug)
		rs_log_level = RS_DEBUG;
#ifdef RESEAL_FAULT
	rs_fault_at = cmdline.fault;
#endif
}

static void
log_devices(void)
{
	int i;

	rs_err("block devices seen: %d", rs_boot_devs.n);
	for (i = 0; i < rs_boot_devs.n; i++) {
		const rs_bdev *b = &rs_boot_devs.dev[i];
		rs_err("  %s: %s%s%s%s%s%s", b->path, b->fs_ok ? b->fs.type : (b->pt_ok ? b->pttype : "?"),
		    b->fs_ok ? " UUID=" : (b->pt_ok ? " PTUUID=" : ""),
		    b->fs_ok ? b->fs.uuid_str : b->ptuuid,
		    b->partuuid[0] ? " PARTUUID=" : "", b->partuuid, "");
	}
}


/* see boot.h */
int
rs_boot_main(int argc, char **argv)
{
	static char init[256];
	const rs_bdev *root;
	int r;

	(void)argc;
	mount_api();
	ensure_stdio();
	rs_log_kmsg_open(0);
	reboot(RB_DISABLE_CAD);
	read_cmdline();
	mount_api_report();
	rs_modules_load();
	root = rs_session_find_root(&sess, cmdline.reseal != RS_RESEAL_OFF, cmdline.rootwait ? -1 :
	    (int64_t)(cmdline.rootdelay > cmdline.timeout ? cmdline.rootdelay : cmdline.timeout) * 1000);
	if (!root) {
		log_devices();
		rs_panic("root device not found");
	}
	if (rs_session_mount(&sess, root, 0) < 0)
		rs_panic("unable to mount the root filesystem");
	if (rs_root_open(&rs_boot_ctx.root, RS_NEWROOT) < 0)
		rs_panic("unable to open the root filesystem");
	if (cmdline.reseal == RS_RESEAL_OFF)
		rs_info("reseal=off: not looking for the template marker");
	else if (cmdline.reseal == RS_RESEAL_FORCE || rs_exists(&rs_boot_ctx, RS_MARKER_PATH) == 1)
		rs_session_reseal(&sess, root);
	else
		rs_debug("no template marker: nothing to do");
	rs_root_close(&rs_boot_ctx.root);
	/* As the command line asks (ro by default), whatever reseal left. */
	rs_session_remount(&sess, cmdline.rw);
	r = rs_switch_root_check(RS_NEWROOT, cmdline.init, init, sizeof init);
	if (r < 0)
		rs_panic("no usable init in the new root");
	/* bench/boot.sh measures kernel start -> this line from kmsg stamps. */
	rs_info("handing over to %s", init);
	rs_log_kmsg_close();
	r = rs_switch_root(RS_NEWROOT, init, argv);
	rs_err("unable to start %s: %s", init, rs_strerr(r));
	rs_panic("switch_root failed");
}
