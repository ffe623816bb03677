/* session.c: the journaled reseal of one root, as PID-1 mode and hook
 * mode both run it (docs/boot.md §11): the root is found, the reseal
 * checks, plans, unmounts it for the block stage, mounts it again for the
 * file stage and commits.  Where the root is mounted, how, and what
 * happens around the block stage is the caller's (rs_session). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "config.h"
#include "fault.h"
#include "io.h"
#include "log.h"
#include "ops.h"
#include "scan.h"

static rs_plan plan;

/* see boot.h */
rs_bdevs rs_boot_devs;
rs_ctx rs_boot_ctx;

/* see boot.h */
const rs_bdev *
rs_session_find_root(rs_session *s, int search, int64_t wait_ms)
{
	int64_t start = rs_monotonic_ms(), next_msg = start + RS_DEVICE_MESSAGE_S * 1000;
	int64_t deadline = start + wait_ms;
	const rs_bdev *b[2];
	char what[160];
	int n, tries = 0, told = 0;

	if (!s->spec[0]) {
		rs_err("no root= given");
		return NULL;
	}
	for (;;) {
		rs_bdev_scan(s->devs);
		n = rs_bdev_find(s->devs, s->spec, b, 2);
		if (n > 1 || (n == 1 && s->devs->full)) {
			s->twin = 1;
			snprintf(what, sizeof what, "booting the first, %s, without a reseal (marker kept, "
			    "nothing written)", b[0]->path);
			rs_bdev_ambiguous(s->devs, s->spec, what);
		}
		/* A root whose ext superblock a power cut tore in a reseal:
		 * rebuilt, then found again (docs/boot.md §12). */
		if (n == 1 && !b[0]->fs_ok && !s->twin && search &&
		    rs_mend_torn_ext(s->devs))
			continue;
		if (n)
			return b[0];
		/* The journal search mounts filesystems: once a second is plenty. */
		if (search && tries++ % 20 == 0) {
			if (rs_expose_backup_gpts(s->devs) || rs_mend_torn_ext(s->devs))
				continue;   /* rescan: the partitions or the superblock are there now */
			n = rs_journals_naming(s->devs, s->spec, NULL, b, 2);
			if (n == 1) {
				rs_info("root=%s is %s, renamed by an interrupted reseal",
				    s->spec, b[0]->path);
				return b[0];
			}
			if (n > 1 && !told++)
				rs_err("root=%s: the journals on %s and %s%s both name it; none is "
				    "adopted, still waiting for root=", s->spec, b[0]->path,
				    b[1]->path, n > 2 ? " and more" : "");
		}
		if (rs_monotonic_ms() >= next_msg) {
			rs_info("waiting for root=%s", s->spec);
			next_msg += RS_DEVICE_MESSAGE_S * 1000;
		}
		if (wait_ms >= 0 && rs_monotonic_ms() >= deadline)
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
parse_rootflags(const rs_session *s, char *data, size_t cap)
{
	char copy[256], *tok, *save = NULL;
	unsigned long flags = 0;
	size_t o = 0, i;

	snprintf(copy, sizeof copy, "%s", s->rootflags);
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

/* see boot.h */
int
rs_session_mount(const rs_session *s, const rs_bdev *b, int rw)
{
	char data[256];
	unsigned long flags = parse_rootflags(s, data, sizeof data) & ~MS_RDONLY;
	const char *type = s->fstype[0] ? s->fstype : b->fs.type;

	if (!rw)
		flags |= MS_RDONLY;
	if (mount(b->path, s->mnt, type, flags, data[0] ? data : NULL) < 0) {
		int r = -errno;
		rs_err("unable to mount %s (%s) on %s: %s", b->path, type, s->mnt, rs_strerr(errno));
		return r;
	}
	return 0;
}

/* see boot.h */
int
rs_session_remount(const rs_session *s, int rw)
{
	char data[256];
	unsigned long flags = parse_rootflags(s, data, sizeof data) & ~MS_RDONLY;

	if (!rw)
		flags |= MS_RDONLY;
	if (mount(NULL, s->mnt, NULL, MS_REMOUNT | flags, data[0] ? data : NULL) < 0) {
		rs_warn("unable to remount %s %s: %s", s->mnt, rw ? "rw" : "ro", rs_strerr(errno));
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

/* The root (path) in a fresh scan after the block stage, NULL when it is
 * not there with a filesystem within about 5 s.  The partition-table
 * re-read drops and re-adds the disk's partitions, and devtmpfs removes
 * and re-creates their nodes on a thread of its own: one scan can fall in
 * between and miss the root (seen once in the initramfs-tools boot test,
 * where udev works on the same nodes). */
static const rs_bdev *
root_again(const rs_session *s, const char *path)
{
	int tries, i;

	for (tries = 0; tries < 50; tries++) {
		if (tries)
			poll(NULL, 0, 100);
		wait_node(path);
		rs_bdev_scan(s->devs);
		for (i = 0; i < s->devs->n; i++)
			if (!strcmp(s->devs->dev[i].path, path) && s->devs->dev[i].fs_ok)
				return &s->devs->dev[i];
	}
	return NULL;
}

/* "DEVICE on MOUNTPOINT" of each boot filesystem mounted, for messages. */
static char boot_what[8][128];

/* Mount /boot, /boot/efi and /efi from the root's fstab, through the plan
 * (fstab may still name them by their old identifiers). */
static int
mount_boot_parts(const rs_session *s, const rs_refs *refs, int mounted[], int max)
{
	static char fstab[16384], spec2[256];
	size_t len = 0, pos = 0, outlen;
	int n = 0;

	if (rs_root_read(&s->ctx->root, "/etc/fstab", fstab, sizeof fstab - 1, &len) < 0)
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
		b = rs_bdev_match(s->devs, spec);
		if (!b) {
			rs_warn("unable to mount %s on %s: not found; its files are not resealed", spec, mnt);
			continue;
		}
		/* The mount point is resolved inside the new root and mounted on
		 * through its fd, never by name: "/boot -> /" or a link out of
		 * the root must not put a filesystem over the initramfs or over
		 * the new root (docs/boot.md §8.3). */
		fd = rs_root_open_mountpoint(&s->ctx->root, mnt);
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
		m = rs_root_open_at(&s->ctx->root, mnt, O_PATH | O_DIRECTORY, 0);
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
commit(const rs_session *s)
{
	int r = rs_root_unlink(&s->ctx->root, RS_JOURNAL_PATH);

	if (r < 0 && r != -ENOENT)
		rs_warn("unable to remove %s: %s", RS_JOURNAL_PATH, rs_strerr(r));
	r = rs_root_unlink(&s->ctx->root, RS_MARKER_PATH);
	if (r < 0 && r != -ENOENT)
		rs_warn("unable to remove %s: %s", RS_MARKER_PATH, rs_strerr(r));
}

/* May this boot reseal root (docs/boot.md §4.1, §13)?  Not when root=, or
 * any of the root's identifiers, is on another device too (a twin disk),
 * nor when a fresh plan would start while another filesystem's journal says
 * it used to be root= (the interrupted clone is attached, and this root is
 * its twin).  Logs why; the marker is kept and nothing is written. */
static int
reseal_allowed(const rs_session *s, const rs_bdev *root)
{
	const rs_bdev *other;

	if (s->twin || !rs_root_unique(s->devs, root)) {
		rs_err("reseal skipped: %s is not the only device with the root's identifiers "
		    "(a copy of this disk is attached); the marker is kept, nothing is written",
		    root->path);
		return 0;
	}
	if (rs_exists(s->ctx, RS_JOURNAL_PATH) == 1 || !strchr(s->spec, '='))
		return 1;
	if (rs_journals_naming(s->devs, s->spec, root, &other, 1) > 0) {
		rs_err("reseal skipped: the journal on %s says root=%s was its own before an "
		    "interrupted reseal, so %s is its twin; the marker is kept, nothing is written",
		    other->path, s->spec, root->path);
		return 0;
	}
	return 1;
}

/* The reseal (docs/boot.md §11).  Root is mounted ro on entry and mounted (ro
 * or rw) on return; the caller remounts it as the command line asks.
 * Returns nothing: every failure is logged and the boot goes on. */
/* An fd on the whole disk at path holding flock(LOCK_EX), so that udev,
 * which takes the same lock before it probes a disk or re-reads its
 * partition table, leaves it alone while the block stage writes (systemd's
 * block-device locking convention, docs/boot.md §16.1).  -1 when it cannot
 * be had (logged: the block stage goes on). */
static int
lock_disk(const char *path)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 || flock(fd, LOCK_EX) < 0) {
		rs_warn("unable to lock %s: %s; udev may probe it while it changes", path,
		    rs_strerr(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* see boot.h */
void
rs_session_reseal(const rs_session *s, const rs_bdev *root)
{
	static char conf[RS_CONF_MAX];
	static int boots[4];
	char rootpath[48], diskpath[48];
	size_t len = 0;
	int resumed, r, i, nboot, failed = 0, lock;

	if (!reseal_allowed(s, root))
		return;
	/* An unusable journal is found while the root is still read-only:
	 * then not one byte is written (docs/boot.md §11.2). */
	if (rs_plan_load(&plan, root, &s->ctx->root) < 0)
		return;
	rs_config_defaults(&s->ctx->cfg);
	r = rs_root_read(&s->ctx->root, RS_CONF_PATH, conf, sizeof conf, &len);
	if (r < 0 && r != -ENOENT) {
		rs_err("unable to read %s: %s; reseal skipped, marker kept", RS_CONF_PATH, rs_strerr(r));
		return;
	}
	if (r == 0 && rs_config_parse(&s->ctx->cfg, conf, len, RS_CONF_PATH) < 0) {
		rs_err("reseal skipped: fix %s (the marker is kept)", RS_CONF_PATH);
		return;
	}
	if (!rs_do_rng(s->ctx))
		return;
	if (rs_session_remount(s, 1) < 0)
		return;
	r = rs_plan_load_or_build(&plan, s->devs, root, &s->ctx->root, &s->ctx->rng, &resumed);
	if (r < 0) {
		/* -EBADMSG, -EXDEV, -ELOOP: rs_plan_load_or_build said why. */
		if (r != -EBADMSG && r != -EXDEV && r != -ELOOP)
			rs_err("unable to record the reseal plan: %s; reseal skipped, marker kept",
			    rs_strerr(r));
		rs_session_remount(s, 0);
		return;
	}
	/* Block devices change while nothing of the image is mounted. */
	snprintf(rootpath, sizeof rootpath, "%s", root->path);
	snprintf(diskpath, sizeof diskpath, "/dev/%s", root->disk);
	rs_root_close(&s->ctx->root);
	sync();
	if (umount(s->mnt) < 0) {
		/* Still mounted: change nothing, boot as is; the journal and
		 * the marker make the next boot try again. */
		rs_err("unable to unmount the root for the block stage: %s; reseal postponed",
		    rs_strerr(errno));
		rs_root_open(&s->ctx->root, s->mnt);
		rs_session_remount(s, 0);
		return;
	}
	/* In another initramfs, the host still names the old identifiers
	 * for the rest of this boot: udev gives them back as links. */
	if (s->hook)
		rs_udev_alias_plan(&plan, s->devs, root);
	lock = s->hook ? lock_disk(diskpath) : -1;
	if (rs_mend_torn_planned(s->devs, &plan))
		rs_bdev_scan(s->devs);
	rs_plan_apply_blockdevs(&plan, s->devs);
	sync();
	if (lock >= 0)
		close(lock);   /* udev may look at the disk again */
	wait_node(rootpath);
	if (s->hook)
		rs_udev_settle(s->devs, diskpath + 5);   /* "/dev/" cut; names kept */
	root = root_again(s, rootpath);
	if (!root)
		rs_err("%s is not back after the block stage", rootpath);
	if (!root || rs_session_mount(s, root, 1) < 0) {
		/* Boot what we can: read-only, files not done; the journal and the
		 * marker make the next boot finish. */
		if (!root || rs_session_mount(s, root, 0) < 0) {
			/* In another initramfs, its own mount says why next. */
			if (!s->hook)
				rs_panic("unable to mount the root again after the block stage");
			rs_err("unable to mount the root again after the block stage");
			return;
		}
		rs_err("root is read-only after the block stage: file stage postponed");
		rs_root_open(&s->ctx->root, s->mnt);
		return;
	}
	if (rs_root_open(&s->ctx->root, s->mnt) < 0) {
		rs_err("unable to open the root after the block stage: file stage postponed");
		rs_session_remount(s, 0);
		return;
	}
	/* Files: references first, then the identity ops. */
	rs_plan_refs(&plan, &s->ctx->refs);
	memcpy(s->ctx->machine_id, plan.machine_id, sizeof s->ctx->machine_id);
	nboot = mount_boot_parts(s, &s->ctx->refs, boots, 4);
	failed = rs_ops_run(s->ctx, ((1u << rs_nops) - 1) & ~s->ctx->cfg.skip, 0);
	for (i = 0; i < plan.n; i++) {
		const rs_plan_item *it = &plan.item[i];
		if (it->state < 0)
			failed++;
		if (it->kind == 'p')
			rs_note(s->ctx, "partuuid %u %s -> %s%s", it->partn, it->old, it->new,
			    it->state < 0 ? " (refused)" : "");
		else
			rs_note(s->ctx, "%s %s %s -> %s%s", it->kind == 'f' ? "uuid" : "ptuuid", it->type,
			    it->old, it->new, it->state < 0 ? " (refused)" : "");
	}
	rs_rng_wipe(&s->ctx->rng);
	sync();
	unmount_boot_parts(boots, nboot);
	if (failed) {
		rs_err("%d step%s failed: journal and marker kept, the next boot retries",
		    failed, failed == 1 ? "" : "s");
	} else {
		rs_status_write(s->ctx, resumed ? "boot (resumed)" : "boot");
		commit(s);
		rs_info("resealed: %d change%s%s", s->ctx->changes, s->ctx->changes == 1 ? "" : "s",
		    resumed ? " (resumed after an interruption)" : "");
	}
	sync();
#ifdef RESEAL_FAULT
	rs_info("fault injection: this reseal made %ld writes", rs_fault_count);
#endif
}

