/* finder.c: finding the root after an interrupted reseal (docs/boot.md
 * §12).  root= may name identifiers the interrupted boot already changed;
 * the filesystem whose journal lists them as old values is the root.  Both
 * helpers only read: probe mounts never replay a journal, and a torn primary
 * GPT is shown to the kernel from its intact backup, not repaired here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "log.h"
#include "ops.h"
#include "uuid.h"

#define PROBE_DIR "/run/reseal-probe"

/* The mount data that keeps a read-only mount from writing anything: a
 * plain read-only mount replays an ext3/4 or XFS journal and a btrfs log
 * tree (docs/boot.md §12).  NULL: a type that is not searched. */
static const char *
probe_opts(const char *type)
{
	if (!strcmp(type, "ext2") || !strcmp(type, "ext3") || !strcmp(type, "ext4"))
		return "noload";
	if (!strcmp(type, "xfs"))
		return "norecovery";
	if (!strcmp(type, "btrfs"))
		return "rescue=nologreplay";
	return NULL;
}

/* Mount b read-only at PROBE_DIR as type with data opts, parse its
 * journal into jp, unmount.  Returns 1 if a journal was read, 0 if b did
 * not mount so or has no journal in its exact form. */
static int
read_journal(const rs_bdev *b, const char *type, const char *opts, rs_plan *jp)
{
	static char text[8192];
	size_t len = 0;
	rs_root r;
	int ok = 0;

	mkdir(PROBE_DIR, 0700);
	if (mount(b->path, PROBE_DIR, type, MS_RDONLY | MS_SILENT | MS_NOSUID | MS_NODEV |
	        MS_NOEXEC, opts) < 0) {
		rs_debug("journal search: %s not mounted read-only with %s (%s): skipped", b->path, opts,
		    rs_strerr(errno));
		return 0;
	}
	if (rs_root_open(&r, PROBE_DIR) == 0) {
		ok = rs_root_read(&r, RS_JOURNAL_PATH, text, sizeof text, &len) == 0 &&
		    rs_plan_parse(jp, text, len) == 0;
		rs_root_close(&r);
	}
	umount(PROBE_DIR);
	return ok;
}

/* Was jp, read from b, written for b's own disk?  Says so (once per boot:
 * the searches repeat) when it was not. */
static int
own_disk(const rs_bdev *b, const rs_plan *jp, const char *what)
{
	static int told_foreign;
	char want[128], have[128];
	rs_disk_id id;

	if (rs_disk_id_read(b->disk, &id) == 0 && rs_disk_id_eq(&id, &jp->disk))
		return 1;
	rs_disk_id_fmt(&jp->disk, want, sizeof want);
	rs_disk_id_fmt(&id, have, sizeof have);
	if (!told_foreign++)
		rs_err("the journal on %s %s but belongs to the disk %s, not to /dev/%s (%s): "
		    "not adopted", b->path, what, want, b->disk, have);
	return 0;
}

/* Is there a journal on the fs of b naming spec's value as an old one,
 * written for b's own disk?  That fs is the root whose identifiers an
 * interrupted boot changed before it could rewrite the references
 * (docs/boot.md §12).  Nothing is written to b: if it cannot be mounted
 * without journal replay, it is skipped. */
static int
journal_names(const rs_bdev *b, const char *spec)
{
	static rs_plan jp;
	const char *v = strchr(spec, '='), *opts;
	char what[300];
	int hit = 0, i;

	if (!v || !b->fs_ok || !(opts = probe_opts(b->fs.type)) || !read_journal(b, b->fs.type, opts, &jp))
		return 0;
	for (i = 0; i < jp.n; i++)
		if (!strcasecmp(jp.item[i].old, v + 1))
			hit = 1;
	snprintf(what, sizeof what, "names %s", spec);
	return hit && own_disk(b, &jp, what);
}

/* see boot.h */
int
rs_journals_naming(const rs_bdevs *devs, const char *spec, const rs_bdev *skip,
    const rs_bdev **out, int max)
{
	int i, n = 0;

	for (i = 0; i < devs->n; i++)
		if (&devs->dev[i] != skip && journal_names(&devs->dev[i], spec)) {
			if (n < max)
				out[n] = &devs->dev[i];
			n++;
		}
	return n;
}

/* see boot.h */
int
rs_expose_backup_gpts(const rs_bdevs *l)
{
	int i, j, added = 0;

	for (i = 0; i < l->n; i++) {
		const rs_bdev *b = &l->dev[i];
		rs_blkdev d;

		if (b->partn || b->pt_ok || b->fs_ok)
			continue;
		for (j = 0; j < l->n; j++)
			if (l->dev[j].partn && !strcmp(l->dev[j].disk, b->name))
				break;
		if (j < l->n || rs_blk_open(&d, b->path, 0) < 0)
			continue;
		added += rs_gpt_expose_backup(&d) > 0;
		rs_blk_close(&d);
	}
	return added;
}

/* Has b an ext superblock that failed its checksum (rs_ext4_probe's why)?
 * Only a filter: rs_ext4_mend_torn checks the superblock itself. */
static int
ext_torn(const rs_bdev *b)
{
	return !b->fs_ok && !strncmp(b->fs.type, "ext", 3) && strstr(b->fs.why, "checksum");
}

/* rs_ext4_mend_torn on the device at path for one item: 1 if its torn
 * superblock is that item's change (written unless dry), else 0. */
static int
mend_one(const char *path, const rs_plan_item *it, int dry)
{
	unsigned char o[16], n[16];
	rs_blkdev d;
	int r;

	if (it->kind != 'f' || strncmp(it->type, "ext", 3) || rs_uuid_parse(o, it->old) < 0 ||
	    rs_uuid_parse(n, it->new) < 0 || rs_blk_open(&d, path, !dry) < 0)
		return 0;
	r = rs_ext4_mend_torn(&d, o, n, dry);
	rs_blk_close(&d);
	if (r < 0 && r != -ECANCELED)
		rs_err("%s on %s: rebuilding its torn primary superblock failed: %s", it->type, path,
		    rs_strerr(r));
	if (r == 1 && !dry)
		rs_info("%s on %s: its primary superblock was torn by a power cut during the change "
		    "%s -> %s; rebuilt", it->type, path, it->old, it->new);
	return r == 1;
}

/* For each ext item of p, the one device among the torn ext superblocks
 * of l (all of them, or only the one named only) whose tear that item's
 * change explains is rebuilt; a tear two devices share (a copy of the disk)
 * is left on both.  Returns how many were rebuilt. */
static int
mend_items(const rs_bdevs *l, const rs_bdev *only, const rs_plan *p)
{
	const rs_bdev *hit = NULL;
	int i, k, n, mended = 0;

	for (k = 0; k < p->n; k++) {
		for (i = n = 0; i < l->n; i++)
			if ((!only || &l->dev[i] == only) && ext_torn(&l->dev[i]) &&
			    mend_one(l->dev[i].path, &p->item[k], 1) && !n++)
				hit = &l->dev[i];
		if (n > 1)
			rs_err("%s %s -> %s: %d devices show the same torn superblock; rebuilt on none",
			    p->item[k].type, p->item[k].old, p->item[k].new, n);
		else if (n == 1)
			mended += mend_one(hit->path, &p->item[k], 0);
	}
	return mended;
}

/* see boot.h */
int
rs_mend_torn_planned(const rs_bdevs *l, const rs_plan *p)
{
	int i, mended = mend_items(l, NULL, p);

	for (i = 0; !mended && i < l->n; i++)
		if (ext_torn(&l->dev[i]))
			rs_warn("%s on %s: %s, and no change of this reseal explains it: left as it is "
			    "(e2fsck -b repairs it)",
			    l->dev[i].fs.type, l->dev[i].path, l->dev[i].fs.why);
	return mended;
}

/* see boot.h */
int
rs_mend_torn_ext(const rs_bdevs *l)
{
	static char tried[16][32];
	static int ntried;
	static rs_plan jp;
	char opts[48];
	uint64_t kib = 0;
	rs_blkdev d;
	int i, k, r, mended = 0;

	for (i = 0; i < l->n; i++) {
		const rs_bdev *b = &l->dev[i];
		if (!ext_torn(b))
			continue;
		for (k = 0; k < ntried && strcmp(tried[k], b->name); k++)
			;
		if (k < ntried || ntried == (int)(sizeof tried / sizeof tried[0]))
			continue;   /* once per device and boot */
		snprintf(tried[ntried++], sizeof tried[0], "%s", b->name);
		if (rs_blk_open(&d, b->path, 0) < 0)
			continue;
		r = rs_ext4_backup_sb(&d, &kib);
		rs_blk_close(&d);
		snprintf(opts, sizeof opts, "noload,sb=%llu", (unsigned long long)kib);
		if (r < 0 || !read_journal(b, b->fs.type, opts, &jp)) {
			rs_info("%s on %s: %s, and it holds no reseal journal readable through its "
			    "backup superblock: only a reseal's plan can explain it (else e2fsck -b "
			    "repairs it)", b->fs.type, b->path, b->fs.why);
			continue;
		}
		if (!own_disk(b, &jp, "explains its torn superblock"))
			continue;
		if (mend_items(l, b, &jp))
			mended++;
		else
			rs_warn("%s on %s: %s, and no change in its journal explains it: left as it is "
			    "(e2fsck -b repairs it)", b->fs.type, b->path, b->fs.why);
	}
	return mended;
}
