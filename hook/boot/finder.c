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

/* Is there a journal on the fs of b naming spec's value as an old one,
 * written for b's own disk?  That fs is the root whose identifiers an
 * interrupted boot changed before it could rewrite the references
 * (docs/boot.md §12).  Nothing is written to b: if it cannot be mounted
 * without journal replay, it is skipped. */
static int
journal_names(const rs_bdev *b, const char *spec)
{
	static char text[8192];
	static rs_plan jp;
	static int told_foreign;
	const char *v = strchr(spec, '='), *opts;
	char want[128], have[128];
	rs_disk_id id;
	rs_root r;
	size_t len = 0;
	int hit = 0, i;

	if (!v || !b->fs_ok || !(opts = probe_opts(b->fs.type)))
		return 0;
	mkdir(PROBE_DIR, 0700);
	if (mount(b->path, PROBE_DIR, b->fs.type, MS_RDONLY | MS_SILENT | MS_NOSUID | MS_NODEV |
	        MS_NOEXEC, opts) < 0) {
		rs_debug("journal search: %s not mounted read-only with %s (%s): skipped", b->path, opts,
		    strerror(errno));
		return 0;
	}
	if (rs_root_open(&r, PROBE_DIR) == 0) {
		if (rs_root_read(&r, RS_JOURNAL_PATH, text, sizeof text, &len) == 0 &&
		    rs_plan_parse(&jp, text, len) == 0)
			for (i = 0; i < jp.n; i++)
				if (!strcasecmp(jp.item[i].old, v + 1))
					hit = 1;
		rs_root_close(&r);
	}
	umount(PROBE_DIR);
	if (hit && (rs_disk_id_read(b->disk, &id) < 0 || !rs_disk_id_eq(&id, &jp.disk))) {
		rs_disk_id_fmt(&jp.disk, want, sizeof want);
		rs_disk_id_fmt(&id, have, sizeof have);
		/* The search repeats every second: say it once per boot. */
		if (!told_foreign++)
			rs_err("the journal on %s names %s but belongs to the disk %s, not to "
			    "/dev/%s (%s): not adopted", b->path, spec, want, b->disk, have);
		hit = 0;
	}
	return hit;
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
