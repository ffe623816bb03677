/* initrd.c: `reseal initrd`, the whole reseal as a step of another
 * initramfs (docs/boot.md §16): the host initramfs has found the root
 * device and not mounted it yet.  The same journaled reseal as PID-1 mode
 * (session.c), on a private mount that is gone when this returns.
 *
 * Never fails the host's boot: whatever happens, it logs, keeps the marker
 * and exits 0; stdout gets the root's device node (also when nothing was
 * done), for the host to mount. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "cmds.h"
#include "config.h"
#include "fault.h"
#include "io.h"
#include "log.h"
#include "ops.h"

#define INITRD_MNT "/run/reseal/root"

static rs_cmdline cmdline;

static void
usage(FILE *f)
{
	fputs("usage: reseal initrd [--device DEV] [--root SPEC] [--fstype TYPE] [--rootflags OPTS]\n"
	      "                     [--wait SECONDS] [--find] [--renamed SPEC]\n"
	      "Reseal the root inside another initramfs, before it mounts the root: DEV is\n"
	      "the root's device node, else SPEC (default: root= of /proc/cmdline) is\n"
	      "waited for, at most SECONDS (default 180; -1: for ever).  Prints the root's\n"
	      "device node.  Always exits 0 once it runs: a failure is logged, the marker\n"
	      "kept, and the host's boot goes on.\n"
	      "--find: no reseal; if the root's name is gone because a reseal was\n"
	      "interrupted, print the node of the filesystem whose journal says it was\n"
	      "that root (and give it the old name back in udev); else print nothing.\n"
	      "--renamed SPEC: no reseal; print SPEC if no device has it and a reseal\n"
	      "journal lists it as an old name (an interrupted reseal renamed it).\n", f);
}

/* Is a hibernation image on any swap device?  Then the host resumes from
 * it (or discards it) first: nothing of the image may change before. */
static int
hibernation_image(void)
{
	int i;

	for (i = 0; i < rs_boot_devs.n; i++)
		if (!strcmp(rs_boot_devs.dev[i].fs.type, "swsuspend")) {
			rs_info("%s holds a hibernation image: no reseal on this boot (the marker is kept)",
			    rs_boot_devs.dev[i].path);
			return 1;
		}
	return 0;
}

/* The scanned device whose node is path (any name of it: a by-uuid
 * link, /dev/root), or NULL. */
static const rs_bdev *
device_at(const char *path)
{
	struct stat want, st;
	int i;

	if (stat(path, &want) < 0 || !S_ISBLK(want.st_mode)) {
		rs_err("%s: not a block device", path);
		return NULL;
	}
	for (i = 0; i < rs_boot_devs.n; i++)
		if (stat(rs_boot_devs.dev[i].path, &st) == 0 && st.st_rdev == want.st_rdev)
			return &rs_boot_devs.dev[i];
	rs_err("%s: no such block device in /sys/class/block", path);
	return NULL;
}

/* A mount namespace of our own, every mount in it private: the host (and
 * udev, and systemd, which turns every mount it sees into a unit) never
 * sees the root mounted here. */
static int
private_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0) {
		rs_err("unable to enter a mount namespace of its own: %s", rs_strerr(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		rs_err("unable to make the mounts private: %s", rs_strerr(errno));
		return -1;
	}
	return 0;
}

/* The reseal of root, if its marker asks for it (or reseal=force). */
static void
reseal_root(rs_session *s, const rs_bdev *root)
{
	if ((mkdir("/run/reseal", 0700) < 0 && errno != EEXIST) ||
	    (mkdir(INITRD_MNT, 0700) < 0 && errno != EEXIST)) {
		rs_err("unable to create " INITRD_MNT ": %s", rs_strerr(errno));
		return;
	}
	if (rs_session_mount(s, root, 0) < 0)
		return;
	if (rs_root_open(&rs_boot_ctx.root, INITRD_MNT) < 0) {
		rs_err("unable to open the root mounted on " INITRD_MNT);
	} else {
		if (cmdline.reseal == RS_RESEAL_FORCE || rs_exists(&rs_boot_ctx, RS_MARKER_PATH) == 1)
			rs_session_reseal(s, root);
		else
			rs_info("%s: no template marker: nothing to do", root->path);
		rs_root_close(&rs_boot_ctx.root);
	}
	sync();
	if (umount2(INITRD_MNT, MNT_DETACH) < 0)
		rs_warn("unable to unmount " INITRD_MNT ": %s", rs_strerr(errno));
}

/* --find: the host waits for a root name that an interrupted reseal may
 * have changed already.  If root= names no device and exactly one
 * filesystem's journal says it was root=, that filesystem is the root: its
 * node is printed and udev gives it the old name back.  Nothing is
 * printed when root= is there (or on two devices), or after wait_s. */
static void
find_renamed_root(rs_session *s, long wait_s)
{
	const rs_bdev *root, *named;

	root = rs_session_find_root(s, 1, wait_s < 0 ? -1 : (int64_t)wait_s * 1000);
	if (!root || s->twin || rs_bdev_find(s->devs, s->spec, &named, 1) > 0)
		return;
	rs_udev_alias_spec(s->spec, root);
	printf("%s\n", root->path);
	fflush(stdout);
	rs_udev_settle(s->devs, root->disk);
}

/* --renamed: a name the host waits for besides the root (initramfs-tools'
 * resume=, the swap) may be gone because an interrupted reseal changed
 * it already; then nothing can be behind it that the host needs (reseal
 * changes no swap that holds a hibernation image) and the host's wait for
 * it would be in vain. */
static void
print_if_renamed(const char *spec)
{
	const rs_bdev *d;

	if (rs_bdev_find(&rs_boot_devs, spec, &d, 1) == 0 &&
	    rs_journals_naming(&rs_boot_devs, spec, NULL, &d, 1) > 0)
		printf("%s\n", spec);
}

static int initrd_main(int argc, char **argv);

/* see cmds.h */
int
rs_cmd_initrd(int argc, char **argv)
{
	int r;

	/* A systemd unit's stderr is the journal already.  Elsewhere (a
	 * shell initramfs) stderr is the console, gone once the host boots:
	 * /dev/kmsg too, which the journal reads when it starts. */
	if (!getenv("JOURNAL_STREAM"))
		rs_log_kmsg_open(1);
	r = initrd_main(argc, argv);
	rs_log_kmsg_close();
	return r;
}

static int
initrd_main(int argc, char **argv)
{
	static char text[4096];
	rs_session s = { INITRD_MNT, cmdline.root, cmdline.rootfstype, cmdline.rootflags, 0,
		&rs_boot_devs, &rs_boot_ctx, 1 };
	const char *device = NULL, *renamed = NULL;
	int find = 0;
	const rs_bdev *root;
	char node[48];
	long wait_s = RS_DEVICE_TIMEOUT_S;
	char *end;
	int i;

	(void)rs_read_file("/proc/cmdline", text, sizeof text, NULL);
	rs_cmdline_parse(&cmdline, text);
	if (cmdline.debug)
		rs_log_level = RS_DEBUG;
	for (i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return RS_EXIT_OK;
		}
		if (!strcmp(argv[i], "--find")) {
			find = 1;
			i--;   /* no value */
			continue;
		}
		if (!v) {
			usage(stderr);
			return RS_EXIT_REFUSED;
		}
		if (!strcmp(argv[i], "--device"))
			device = v;
		else if (!strcmp(argv[i], "--renamed"))
			renamed = v;
		else if (!strcmp(argv[i], "--root"))
			snprintf(cmdline.root, sizeof cmdline.root, "%s", v);
		else if (!strcmp(argv[i], "--fstype"))
			snprintf(cmdline.rootfstype, sizeof cmdline.rootfstype, "%s",
			    strcmp(v, "auto") ? v : "");
		else if (!strcmp(argv[i], "--rootflags"))
			snprintf(cmdline.rootflags, sizeof cmdline.rootflags, "%s", v);
		else if (!strcmp(argv[i], "--wait") && (wait_s = strtol(v, &end, 10), *v && !*end) &&
		    wait_s >= -1 && wait_s < 1000000)
			;
		else {
			usage(stderr);
			return RS_EXIT_REFUSED;
		}
	}

	/* Every mount from here on (the journal search's, the root's) is ours
	 * alone, and gone when this process is. */
	if (private_mounts() < 0) {
		rs_err("nothing done, the host's boot goes on");
		return RS_EXIT_OK;
	}
	rs_bdev_scan(&rs_boot_devs);
	if (renamed) {
		if (cmdline.reseal != RS_RESEAL_OFF)
			print_if_renamed(renamed);
		return RS_EXIT_OK;
	}
	if (find) {
		if (cmdline.reseal != RS_RESEAL_OFF)
			find_renamed_root(&s, wait_s);
		return RS_EXIT_OK;
	}
	if (device)
		root = device_at(device);
	else
		root = rs_session_find_root(&s, cmdline.reseal != RS_RESEAL_OFF,
		    wait_s < 0 ? -1 : (int64_t)wait_s * 1000);
	if (!root) {
		rs_err("no root device: nothing done, the host's boot goes on");
		return RS_EXIT_OK;
	}
	/* The reseal rescans the devices: root points into the list. */
	snprintf(node, sizeof node, "%s", root->path);
#ifdef RESEAL_FAULT
	/* power cuts inside the host's initramfs (tests/qemu/t-integration.sh) */
	rs_fault_at = cmdline.fault;
#endif
	if (cmdline.reseal == RS_RESEAL_OFF)
		rs_info("reseal=off: not looking for the template marker");
	else if (!hibernation_image())
		reseal_root(&s, root);
	printf("%s\n", node);
	return RS_EXIT_OK;
}
