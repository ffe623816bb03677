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
static rs_bdevs devs;
static rs_ctx ctx;
static rs_plan plan;

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

#define DEVKMSG_KNOB "/proc/sys/kernel/printk_devkmsg"
static char devkmsg_saved[16];

/* /dev/kmsg allows 10 records per 5 s per open file by default; a reseal
 * logs more than that, and a dropped "resealed" line would hide what
 * happened.  Lift the limit while we run and put it back before handing
 * over (set_devkmsg(NULL)). */
static void
set_devkmsg(const char *value)
{
	int fd;

	/* The knob's values ("on", "off", "ratelimit") all fit; a value that
	 * does not is left alone. */
	if (value && rs_read_file(DEVKMSG_KNOB, devkmsg_saved, sizeof devkmsg_saved, NULL) < 0)
		devkmsg_saved[0] = 0;
	if (!devkmsg_saved[0])
		return;
	fd = open(DEVKMSG_KNOB, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	value = value ? value : devkmsg_saved;
	(void)rs_write_full(fd, value, strlen(value));
	close(fd);
}

static void
log_open(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0)
		rs_log_set_kmsg(fd);
	set_devkmsg("on\n");
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

	rs_err("block devices seen: %d", devs.n);
	for (i = 0; i < devs.n; i++) {
		const rs_bdev *b = &devs.dev[i];
		rs_err("  %s: %s%s%s%s%s%s", b->path, b->fs_ok ? b->fs.type : (b->pt_ok ? b->pttype : "?"),
		    b->fs_ok ? " UUID=" : (b->pt_ok ? " PTUUID=" : ""),
		    b->fs_ok ? b->fs.uuid_str : b->ptuuid,
		    b->partuuid[0] ? " PARTUUID=" : "", b->partuuid, "");
	}
}

/* root= named more than one device (or the device list was full): the
 * boot goes on with the first, but nothing is resealed (docs/boot.md §4.1). */
static int root_twin;

/* Find root=, polling; after a crashed reseal, also the fs whose journal
 * says it used to be root=.  NULL after the timeout (rootwait: never). */
static const rs_bdev *
wait_for_root(void)
{
	int64_t start = rs_monotonic_ms(), next_msg = start + RS_DEVICE_MESSAGE_S * 1000;
	int64_t deadline = start + (int64_t)(cmdline.rootdelay > cmdline.timeout ? cmdline.rootdelay
	                                                                         : cmdline.timeout) * 1000;
	const rs_bdev *b[2];
	char what[160];
	int n, tries = 0, told = 0;

	if (!cmdline.root[0]) {
		rs_err("no root= on the kernel command line");
		return NULL;
	}
	for (;;) {
		rs_bdev_scan(&devs);
		n = rs_bdev_find(&devs, cmdline.root, b, 2);
		if (n > 1 || (n == 1 && devs.full)) {
			root_twin = 1;
			snprintf(what, sizeof what, "booting the first, %s, without a reseal (marker kept, "
			    "nothing written)", b[0]->path);
			rs_bdev_ambiguous(&devs, cmdline.root, what);
		}
		/* A root whose ext superblock a power cut tore in a reseal:
		 * rebuilt, then found again (docs/boot.md §12). */
		if (n == 1 && !b[0]->fs_ok && !root_twin && cmdline.reseal != RS_RESEAL_OFF &&
		    rs_mend_torn_ext(&devs))
			continue;
		if (n)
			return b[0];
		/* The journal search mounts filesystems: once a second is plenty. */
		if (cmdline.reseal != RS_RESEAL_OFF && tries++ % 20 == 0) {
			if (rs_expose_backup_gpts(&devs) || rs_mend_torn_ext(&devs))
				continue;   /* rescan: the partitions or the superblock are there now */
			n = rs_journals_naming(&devs, cmdline.root, NULL, b, 2);
			if (n == 1) {
				rs_info("root=%s is %s, renamed by an interrupted reseal",
				    cmdline.root, b[0]->path);
				return b[0];
			}
			if (n > 1 && !told++)
				rs_err("root=%s: the journals on %s and %s%s both name it; none is "
				    "adopted, still waiting for root=", cmdline.root, b[0]->path,
				    b[1]->path, n > 2 ? " and more" : "");
		}
		if (rs_monotonic_ms() >= next_msg) {
			rs_info("waiting for root=%s", cmdline.root);
			next_msg += RS_DEVICE_MESSAGE_S * 1000;
		}
		if (!cmdline.rootwait && rs_monotonic_ms() >= deadline)
			return NULL;
		poll(NULL, 0, RS_DEVICE_POLL_MS);
	}
}

static const struct { const char *name; unsigned long set, clear; } mount_flags[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 }, { "nodev", MS_NODEV, 0 }, { "noexec", MS_NOEXEC, 0 },
	{ "noatime", MS_NOATIME, 0 }, { "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0 }, { "strictatime", MS_STRICTATIME, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 }, { "dirsync", MS_DIRSYNC, 0 },
	{ "defaults", 0, 0 },
};

/* rootflags=: known flags become MS_* bits, the rest fs-specific data. */
static unsigned long
parse_rootflags(char *data, size_t cap)
{
	char copy[256], *tok, *save = NULL;
	unsigned long flags = 0;
	size_t o = 0, i;

	snprintf(copy, sizeof copy, "%s", cmdline.rootflags);
	data[0] = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof mount_flags / sizeof mount_flags[0]; i++)
			if (!strcmp(tok, mount_flags[i].name))
				break;
		if (i < sizeof mount_flags / sizeof mount_flags[0]) {
			flags = (flags | mount_flags[i].set) & ~mount_flags[i].clear;
		} else if (o + strlen(tok) + 2 < cap) {
			o += (size_t)snprintf(data + o, cap - o, "%s%s", o ? "," : "", tok);
		}
	}
	return flags;
}

static int
mount_root(const rs_bdev *b, int rw)
{
	char data[256];
	unsigned long flags = parse_rootflags(data, sizeof data) & ~MS_RDONLY;
	const char *type = cmdline.rootfstype[0] ? cmdline.rootfstype : b->fs.type;

	if (!rw)
		flags |= MS_RDONLY;
	if (mount(b->path, RS_NEWROOT, type, flags, data[0] ? data : NULL) < 0) {
		int r = -errno;
		rs_err("unable to mount %s (%s) on " RS_NEWROOT ": %s", b->path, type, rs_strerr(errno));
		return r;
	}
	return 0;
}

static int
remount(int rw)
{
	char data[256];
	unsigned long flags = parse_rootflags(data, sizeof data) & ~MS_RDONLY;

	if (!rw)
		flags |= MS_RDONLY;
	if (mount(NULL, RS_NEWROOT, NULL, MS_REMOUNT | flags, data[0] ? data : NULL) < 0) {
		rs_warn("unable to remount " RS_NEWROOT " %s: %s", rw ? "rw" : "ro", rs_strerr(errno));
		return -errno;
	}
	return 0;
}

/* Wait until devtmpfs shows path again (partitions are re-created after
 * a partition-table re-read). */
static void
wait_node(const char *path)
{
	struct stat st;
	int i;

	for (i = 0; i < 100 && stat(path, &st) < 0; i++)
		poll(NULL, 0, 50);
}

/* "DEVICE on MOUNTPOINT" of each boot filesystem mounted, for messages. */
static char boot_what[8][128];

/* Mount /boot, /boot/efi and /efi from the root's fstab, through the plan
 * (fstab may still name them by their old identifiers). */
static int
mount_boot_parts(const rs_refs *refs, int mounted[], int max)
{
	static char fstab[16384], spec2[256];
	size_t len = 0, pos = 0, outlen;
	int n = 0;

	if (rs_root_read(&ctx.root, "/etc/fstab", fstab, sizeof fstab - 1, &len) < 0)
		return 0;
	fstab[len] = 0;
	while (pos < len && n < max && n < (int)(sizeof boot_what / sizeof boot_what[0])) {
		char spec[256], mnt[64], type[32], *line = fstab + pos, *nl = strchr(line, '\n');
		const char *q;
		const rs_bdev *b;
		char at[40];
		struct stat st, st2;
		int k, fd, m;

		if (nl)
			*nl = 0;
		pos += strlen(line) + 1;
		/* sscanf(line, " %255s %63s %31s", ...) != 3, scan.h */
		if (!(q = rs_scan_word(line, spec, 255)) || !(q = rs_scan_word(q, mnt, 63)) ||
		    !rs_scan_word(q, type, 31) || spec[0] == '#')
			continue;
		if (strcmp(mnt, "/boot") && strcmp(mnt, "/boot/efi") && strcmp(mnt, "/efi"))
			continue;
		k = rs_refs_rewrite(refs, spec, strlen(spec), spec2, sizeof spec2 - 1, &outlen);
		if (k > 0) {
			spec2[outlen] = 0;
			snprintf(spec, sizeof spec, "%s", spec2);
		}
		b = rs_bdev_match(&devs, spec);
		if (!b) {
			rs_warn("unable to mount %s on %s: not found; its files are not resealed", spec, mnt);
			continue;
		}
		/* The mount point is resolved inside the new root and mounted on
		 * through its fd, never by name: "/boot -> /" or a link out of
		 * the root must not put a filesystem over the initramfs or over
		 * the new root (docs/boot.md §8.3). */
		fd = rs_root_open_mountpoint(&ctx.root, mnt);
		if (fd < 0) {
			rs_warn("not mounting %s on %s: %s in the new root; %s left unmounted, its "
			    "files are not resealed", b->path, mnt, fd == -EBUSY ?
			    "it resolves to the root itself or to a mount point" : rs_strerr(fd),
			    b->path);
			continue;
		}
		snprintf(at, sizeof at, "/proc/self/fd/%d", fd);
		if (mount(b->path, at, strcmp(type, "auto") ? type : b->fs.type,
		        MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			rs_warn("unable to mount %s on %s: %s", b->path, mnt, rs_strerr(errno));
			close(fd);
			continue;
		}
		/* Looked up again, the name now leads into the new mount: that
		 * fd is what unmount_boot_parts detaches. */
		m = rs_root_open_at(&ctx.root, mnt, O_PATH | O_DIRECTORY, 0);
		if (m >= 0 && (fstat(m, &st) < 0 || fstat(fd, &st2) < 0 || st.st_dev == st2.st_dev)) {
			close(m);
			m = -1;
		}
		close(fd);
		if (m < 0) {
			rs_warn("%s mounted on %s but not found there again: left mounted", b->path, mnt);
			continue;
		}
		snprintf(boot_what[n], sizeof boot_what[n], "%.63s on %.63s", b->path, mnt);
		mounted[n++] = m;
	}
	return n;
}

/* Undo mount_boot_parts, newest first.  MNT_DETACH: the fd held on each
 * mount's root would make a plain umount EBUSY; it goes right after. */
static void
unmount_boot_parts(int mounted[], int n)
{
	char at[40];

	while (n > 0) {
		n--;
		snprintf(at, sizeof at, "/proc/self/fd/%d", mounted[n]);
		if (umount2(at, MNT_DETACH) < 0)
			rs_warn("unable to unmount %s: %s", boot_what[n], rs_strerr(errno));
		close(mounted[n]);
	}
}

static void
commit(void)
{
	int r = rs_root_unlink(&ctx.root, RS_JOURNAL_PATH);

	if (r < 0 && r != -ENOENT)
		rs_warn("unable to remove %s: %s", RS_JOURNAL_PATH, rs_strerr(r));
	r = rs_root_unlink(&ctx.root, RS_MARKER_PATH);
	if (r < 0 && r != -ENOENT)
		rs_warn("unable to remove %s: %s", RS_MARKER_PATH, rs_strerr(r));
}

/* May this boot reseal root (docs/boot.md §4.1, §13)?  Not when root=, or
 * any of the root's identifiers, is on another device too (a twin disk),
 * nor when a fresh plan would start while another filesystem's journal says
 * it used to be root= (the interrupted clone is attached, and this root is
 * its twin).  Logs why; the marker is kept and nothing is written. */
static int
reseal_allowed(const rs_bdev *root)
{
	const rs_bdev *other;

	if (root_twin || !rs_root_unique(&devs, root)) {
		rs_err("reseal skipped: %s is not the only device with the root's identifiers "
		    "(a copy of this disk is attached); the marker is kept, nothing is written",
		    root->path);
		return 0;
	}
	if (rs_exists(&ctx, RS_JOURNAL_PATH) == 1 || !strchr(cmdline.root, '='))
		return 1;
	if (rs_journals_naming(&devs, cmdline.root, root, &other, 1) > 0) {
		rs_err("reseal skipped: the journal on %s says root=%s was its own before an "
		    "interrupted reseal, so %s is its twin; the marker is kept, nothing is written",
		    other->path, cmdline.root, root->path);
		return 0;
	}
	return 1;
}

/* The reseal (docs/boot.md §11).  Root is mounted ro on entry and mounted (ro
 * or rw) on return; the caller remounts it as the command line asks.
 * Returns nothing: every failure is logged and the boot goes on. */
static void
reseal(const rs_bdev *root)
{
	static char conf[RS_CONF_MAX];
	static int boots[4];
	char rootpath[48];
	size_t len = 0;
	int resumed, r, i, nboot, failed = 0;

	if (!reseal_allowed(root))
		return;
	/* An unusable journal is found while the root is still read-only:
	 * then not one byte is written (docs/boot.md §11.2). */
	if (rs_plan_load(&plan, root, &ctx.root) < 0)
		return;
	rs_config_defaults(&ctx.cfg);
	r = rs_root_read(&ctx.root, RS_CONF_PATH, conf, sizeof conf, &len);
	if (r < 0 && r != -ENOENT) {
		rs_err("unable to read %s: %s; reseal skipped, marker kept", RS_CONF_PATH, rs_strerr(r));
		return;
	}
	if (r == 0 && rs_config_parse(&ctx.cfg, conf, len, RS_CONF_PATH) < 0) {
		rs_err("reseal skipped: fix %s (the marker is kept)", RS_CONF_PATH);
		return;
	}
	if (!rs_do_rng(&ctx))
		return;
	if (remount(1) < 0)
		return;
	r = rs_plan_load_or_build(&plan, &devs, root, &ctx.root, &ctx.rng, &resumed);
	if (r < 0) {
		/* -EBADMSG, -EXDEV, -ELOOP: rs_plan_load_or_build said why. */
		if (r != -EBADMSG && r != -EXDEV && r != -ELOOP)
			rs_err("unable to record the reseal plan: %s; reseal skipped, marker kept",
			    rs_strerr(r));
		remount(0);
		return;
	}
	/* Block devices change while nothing of the image is mounted. */
	snprintf(rootpath, sizeof rootpath, "%s", root->path);
	rs_root_close(&ctx.root);
	sync();
	if (umount(RS_NEWROOT) < 0) {
		/* Still mounted: change nothing, boot as is; the journal and
		 * the marker make the next boot try again. */
		rs_err("unable to unmount the root for the block stage: %s; reseal postponed",
		    rs_strerr(errno));
		rs_root_open(&ctx.root, RS_NEWROOT);
		remount(0);
		return;
	}
	if (rs_mend_torn_planned(&devs, &plan))
		rs_bdev_scan(&devs);
	rs_plan_apply_blockdevs(&plan, &devs);
	sync();
	wait_node(rootpath);
	rs_bdev_scan(&devs);
	for (i = 0; i < devs.n && strcmp(devs.dev[i].path, rootpath); i++)
		;
	if (i == devs.n || mount_root(&devs.dev[i], 1) < 0) {
		/* Boot what we can: read-only, files not done; the journal and the
		 * marker make the next boot finish. */
		if (i == devs.n || mount_root(&devs.dev[i], 0) < 0)
			rs_panic("unable to mount the root again after the block stage");
		rs_err("root is read-only after the block stage: file stage postponed");
		rs_root_open(&ctx.root, RS_NEWROOT);
		return;
	}
	if (rs_root_open(&ctx.root, RS_NEWROOT) < 0) {
		rs_err("unable to open the root after the block stage: file stage postponed");
		remount(0);
		return;
	}
	/* Files: references first, then the identity ops. */
	rs_plan_refs(&plan, &ctx.refs);
	memcpy(ctx.machine_id, plan.machine_id, sizeof ctx.machine_id);
	nboot = mount_boot_parts(&ctx.refs, boots, 4);
	failed = rs_ops_run(&ctx, ((1u << rs_nops) - 1) & ~ctx.cfg.skip, 0);
	for (i = 0; i < plan.n; i++) {
		const rs_plan_item *it = &plan.item[i];
		if (it->state < 0)
			failed++;
		if (it->kind == 'p')
			rs_note(&ctx, "partuuid %u %s -> %s%s", it->partn, it->old, it->new,
			    it->state < 0 ? " (refused)" : "");
		else
			rs_note(&ctx, "%s %s %s -> %s%s", it->kind == 'f' ? "uuid" : "ptuuid", it->type,
			    it->old, it->new, it->state < 0 ? " (refused)" : "");
	}
	rs_rng_wipe(&ctx.rng);
	sync();
	unmount_boot_parts(boots, nboot);
	if (failed) {
		rs_err("%d step%s failed: journal and marker kept, the next boot retries",
		    failed, failed == 1 ? "" : "s");
	} else {
		rs_status_write(&ctx, resumed ? "boot (resumed)" : "boot");
		commit();
		rs_info("resealed: %d change%s%s", ctx.changes, ctx.changes == 1 ? "" : "s",
		    resumed ? " (resumed after an interruption)" : "");
	}
	sync();
#ifdef RESEAL_FAULT
	rs_info("fault injection: this reseal made %ld writes", rs_fault_count);
#endif
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
	log_open();
	reboot(RB_DISABLE_CAD);
	read_cmdline();
	mount_api_report();
	rs_modules_load();
	root = wait_for_root();
	if (!root) {
		log_devices();
		rs_panic("root device not found");
	}
	if (mount_root(root, 0) < 0)
		rs_panic("unable to mount the root filesystem");
	if (rs_root_open(&ctx.root, RS_NEWROOT) < 0)
		rs_panic("unable to open the root filesystem");
	if (cmdline.reseal == RS_RESEAL_OFF)
		rs_info("reseal=off: not looking for the template marker");
	else if (cmdline.reseal == RS_RESEAL_FORCE || rs_exists(&ctx, RS_MARKER_PATH) == 1)
		reseal(root);
	else
		rs_debug("no template marker: nothing to do");
	rs_root_close(&ctx.root);
	/* As the command line asks (ro by default), whatever reseal left. */
	remount(cmdline.rw);
	r = rs_switch_root_check(RS_NEWROOT, cmdline.init, init, sizeof init);
	if (r < 0)
		rs_panic("no usable init in the new root");
	/* bench/boot.sh measures kernel start -> this line from kmsg stamps. */
	rs_info("handing over to %s", init);
	set_devkmsg(NULL);
	r = rs_switch_root(RS_NEWROOT, init, argv);
	rs_err("unable to start %s: %s", init, rs_strerr(r));
	rs_panic("switch_root failed");
}
