/* reseal.c: the journaled reseal at boot (docs/boot.md §11).
 *
 *  1. plan: draw every new value and write /etc/reseal/journal atomically
 *     (or load it: a crashed boot resumes to the same identity);
 *  2. block devices, with nothing of the image mounted: each item changes
 *     only while it still has its old value (sentinel test), else it is
 *     already done, else it is refused;
 *  3. files, root mounted rw (plus /boot and the ESP when fstab has them):
 *     references old -> new, machine-id, keys, the other identity ops;
 *  4. commit: the status record, then the journal removed, then the marker.
 * The journal never outlives the marker, so "journal present" always means
 * "resume".  Any failure is logged and the boot goes on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "boot.h"
#include "log.h"
#include "ops.h"
#include "scan.h"

#define ESP_DIR "/run/reseal-esp"

static const unsigned char esp_type[16] = {   /* C12A7328-F81F-11D2-BA4B-00A0C93EC93B */
	0xc1, 0x2a, 0x73, 0x28, 0xf8, 0x1f, 0x11, 0xd2,
	0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b
};

/* A new identifier in the text form of old's kind. */
static void
new_id(rs_rng *rng, const char *type, int vfat_or_mbr, char *out)
{
	unsigned char u[16];

	rs_rng_bytes(rng, u, sizeof u);
	if (vfat_or_mbr) {
		if (!(u[0] | u[1] | u[2] | u[3]))
			u[0] = 1;   /* blkid shows no id for 0 */
		if (!strcmp(type, "vfat"))
			sprintf(out, "%02X%02X-%02X%02X", u[0], u[1], u[2], u[3]);
		else
			sprintf(out, "%02x%02x%02x%02x", u[0], u[1], u[2], u[3]);
		return;
	}
	rs_uuid_v4(u);
	rs_uuid_fmt(out, u);
}

static int
plan_has(const rs_plan *p, const char *old)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (!strcasecmp(p->item[i].old, old))
			return 1;
	return 0;
}

/* How many devices carry the filesystem UUID u; the first in *first. */
static int
count_fs(const rs_bdevs *l, const char *u, const rs_bdev **first)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		if (l->dev[i].fs_ok && *u && !strcasecmp(l->dev[i].fs.uuid_str, u))
			if (!n++ && first)
				*first = &l->dev[i];
	return n;
}

/* b's filesystem, unless its UUID is on another device too (a twin disk
 * would then be changed as well, or instead: docs/boot.md §13). */
static void
add_fs(rs_plan *p, const rs_bdevs *l, const rs_bdev *b, rs_rng *rng)
{
	char spec[64];
	rs_plan_item *it;

	if (!b || !b->fs_ok || !b->fs.uuid_str[0] || !rs_plan_fs_supported(b->fs.type) ||
	    plan_has(p, b->fs.uuid_str) || p->n >= RS_PLAN_MAX)
		return;
	if (count_fs(l, b->fs.uuid_str, NULL) > 1) {
		snprintf(spec, sizeof spec, "UUID=%s", b->fs.uuid_str);
		rs_bdev_ambiguous(l, spec, "that filesystem is left alone");
		return;
	}
	it = &p->item[p->n++];
	memset(it, 0, sizeof *it);
	it->kind = 'f';
	snprintf(it->type, sizeof it->type, "%s", b->fs.type);
	snprintf(it->old, sizeof it->old, "%s", b->fs.uuid_str);
	new_id(rng, b->fs.type, !strcmp(b->fs.type, "vfat"), it->new);
}

/* The removable-media loaders that the UEFI firmware of the machine reseal
 * runs on would fall back to (UEFI 2.10 §3.5.1.1); x86_64 Linux also boots
 * from 32-bit firmware.  Other architectures' loaders would not help it. */
static const char *const esp_loaders[] = {
#if defined(__x86_64__)
	"BOOTX64.EFI", "BOOTIA32.EFI",
#elif defined(__i386__)
	"BOOTIA32.EFI",
#elif defined(__aarch64__)
	"BOOTAA64.EFI",
#elif defined(__arm__)
	"BOOTARM.EFI",
#elif defined(__riscv) && __riscv_xlen == 64
	"BOOTRISCV64.EFI",
#else
	"BOOTX64.EFI", "BOOTIA32.EFI", "BOOTAA64.EFI", "BOOTARM.EFI", "BOOTRISCV64.EFI",
#endif
};

/* Does the ESP carry the removable-media loader (docs/formats.md §11.2)?
 * Linux's vfat looks names up without regard to case; the lowercase
 * spelling is tried as well for a mount that does not. */
static int
esp_has_fallback(const rs_bdev *b)
{
	char path[64];
	struct stat st;
	size_t i, k;
	int yes = 0;

	mkdir(ESP_DIR, 0700);
	if (mount(b->path, ESP_DIR, "vfat", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		rs_info("cannot inspect the ESP %s (%s): taking it to have no removable-media loader",
		    b->path, rs_strerr(errno));
		return 0;
	}
	for (i = 0; i < sizeof esp_loaders / sizeof esp_loaders[0] && !yes; i++) {
		snprintf(path, sizeof path, ESP_DIR "/EFI/BOOT/%s", esp_loaders[i]);
		yes = stat(path, &st) == 0 && S_ISREG(st.st_mode);
		for (k = sizeof ESP_DIR; path[k]; k++)
			if (path[k] >= 'A' && path[k] <= 'Z')
				path[k] = (char)(path[k] - 'A' + 'a');
		yes = yes || (stat(path, &st) == 0 && S_ISREG(st.st_mode));
	}
	umount(ESP_DIR);
	return yes;
}

#define EFIVARS_DIR RS_EFI_FW_DIR "/efivars"
#define EFIVARFS_MAGIC 0xde5e81e4u   /* linux/magic.h */

/* Booted through UEFI and nothing mounted efivarfs yet: mount it read-only
 * to read the boot entries.  Returns 1 if this mounted it: the caller
 * unmounts it again, or it would move into the real root with /sys, and
 * systemd would keep a read-only efivarfs instead of mounting its own. */
static int
efivars_mount(void)
{
	struct statfs sf;
	struct stat st;

	if (stat(RS_EFI_FW_DIR, &st) < 0)
		return 0;
	if (statfs(EFIVARS_DIR, &sf) == 0 && (unsigned)sf.f_type == EFIVARFS_MAGIC)
		return 0;
	if (mount("efivarfs", EFIVARS_DIR, "efivarfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
	        NULL) < 0) {
		rs_debug("cannot mount efivarfs on " EFIVARS_DIR ": %s", rs_strerr(errno));
		return 0;
	}
	return 1;
}

/* May the ESP b's partition GUID change (docs/formats.md §11.2)? */
static int
esp_may_change(const rs_bdev *b)
{
	int fallback = esp_has_fallback(b), mounted, yes;

	mounted = efivars_mount();
	yes = rs_esp_rule(RS_EFI_FW_DIR, b->partuuid, fallback);
	if (mounted)
		umount(EFIVARS_DIR);
	return yes;
}

static void
add_table(rs_plan *p, const rs_bdevs *l, const rs_bdev *disk, rs_rng *rng)
{
	int i, gpt = !strcmp(disk->pttype, "gpt");
	rs_plan_item *it;

	if (p->n >= RS_PLAN_MAX)
		return;
	if (!disk->ptuuid[0]) {
		/* An MBR disk id of 0: nothing to find the disk by at resume. */
		rs_info("partition table on %s has no disk identifier: left as it is", disk->path);
		return;
	}
	it = &p->item[p->n++];
	memset(it, 0, sizeof *it);
	it->kind = 't';
	snprintf(it->type, sizeof it->type, "%s", disk->pttype);
	snprintf(it->old, sizeof it->old, "%s", disk->ptuuid);
	new_id(rng, disk->pttype, !gpt, it->new);
	if (!gpt)
		return;   /* MBR PARTUUIDs follow the disk id */
	for (i = 0; i < l->n && p->n < RS_PLAN_MAX; i++) {
		const rs_bdev *b = &l->dev[i];
		if (!b->partn || strcmp(b->disk, disk->name) || !b->partuuid[0])
			continue;
		if (!memcmp(b->type_guid, esp_type, 16) && !esp_may_change(b))
			continue;   /* esp_may_change said why */
		it = &p->item[p->n++];
		memset(it, 0, sizeof *it);
		it->kind = 'p';
		snprintf(it->disk_old, sizeof it->disk_old, "%s", disk->ptuuid);
		it->partn = b->partn;
		snprintf(it->old, sizeof it->old, "%s", b->partuuid);
		new_id(rng, "gpt", 0, it->new);
	}
}

/* The one device an fstab line names; an ambiguous line is left alone. */
static const rs_bdev *
fstab_dev(const rs_bdevs *l, const char *spec, const char *mnt)
{
	char what[320];
	const rs_bdev *b;
	int n = rs_bdev_find(l, spec, &b, 1);

	if (n > 1) {
		snprintf(what, sizeof what, "the fstab entry for %.255s is left alone", mnt);
		rs_bdev_ambiguous(l, spec, what);
	}
	return n == 1 ? b : NULL;
}

/* The image's own devices (docs/boot.md §13): the root fs, its disk's partition
 * table, and whatever the root's fstab names. */
static int
plan_build(rs_plan *p, const rs_bdevs *l, const rs_bdev *root, rs_root *r, rs_rng *rng)
{
	static char fstab[16384];
	size_t len = 0, pos = 0;
	int i;

	memset(p, 0, sizeof *p);
	rs_machine_id_draw(rng, p->machine_id);
	if (rs_root_read(r, "/etc/fstab", fstab, sizeof fstab - 1, &len) < 0)
		len = 0;
	fstab[len] = 0;
	while (pos < len) {
		char spec[256], mnt[256], *line = fstab + pos, *nl = strchr(line, '\n');
		const char *q;
		if (nl)
			*nl = 0;
		pos += strlen(line) + 1;
		/* sscanf(line, " %255s %255s", ...) == 2, scan.h */
		if ((q = rs_scan_word(line, spec, 255)) && rs_scan_word(q, mnt, 255) && spec[0] != '#')
			add_fs(p, l, fstab_dev(l, spec, mnt), rng);
	}
	/* Root last among filesystems: it is applied last, after the others. */
	for (i = 0; i < p->n; i++)
		if (!strcmp(p->item[i].old, root->fs.uuid_str)) {
			rs_plan_item t = p->item[i];
			memmove(&p->item[i], &p->item[i + 1], (size_t)(p->n - i - 1) * sizeof t);
			p->item[p->n - 1] = t;
			break;
		}
	if (i == p->n)
		add_fs(p, l, root, rng);
	for (i = 0; i < l->n; i++)
		if (l->dev[i].pt_ok && !strcmp(l->dev[i].name, root->disk) && root->partn)
			add_table(p, l, &l->dev[i], rng);
	return 0;
}

/* Text id of a plan item to the bytes set_uuid wants. */
static int
parse_id(const char *text, int four, unsigned char *out)
{
	return four ? rs_id4_parse(out, text) : rs_uuid_parse(out, text);
}

/* The one device that shows the item's new value (already done) or, if
 * none does, its old value (to change).  A value on more than one device
 * is refused: at resume a twin disk may carry it (docs/boot.md §13). */
static const rs_bdev *
fs_target(rs_plan_item *it, const rs_bdevs *l)
{
	const rs_bdev *b = NULL;
	char spec[64];
	int n = count_fs(l, it->new, &b);

	if (n == 1) {
		it->state = 1;
		return NULL;
	}
	if (n == 0)
		n = count_fs(l, it->old, &b);
	if (n == 1)
		return b;
	if (n > 1) {
		snprintf(spec, sizeof spec, "UUID=%s", b && !strcasecmp(b->fs.uuid_str, it->new) ?
		    it->new : it->old);
		rs_bdev_ambiguous(l, spec, "changed on none of them");
	} else {
		rs_warn("%s %s: no device with the old or new UUID; skipped", it->type, it->old);
	}
	it->state = -1;
	return NULL;
}

static void
apply_fs(rs_plan_item *it, const rs_bdevs *l)
{
	const struct rs_fs_format *fmt;
	const rs_bdev *b = fs_target(it, l);
	unsigned char u[16];
	rs_fsinfo fi;
	rs_blkdev d;
	int r;

	if (!b)
		return;
	r = rs_blk_open(&d, b->path, 1);
	if (r == 0) {
		r = rs_probe_fs(&d, &fi, &fmt);
		if (r == 0) {
			r = parse_id(it->new, !strcmp(fi.type, "vfat"), u);
			if (r == 0)
				r = fmt->set_uuid(&d, u);
		}
		rs_blk_close(&d);
	}
	if (r < 0) {
		rs_err("%s on %s: UUID change refused or failed: %s", it->type, b->path, rs_strerr(r));
		it->state = -1;
	} else {
		rs_info("%s on %s: UUID %s -> %s", it->type, b->path, it->old, it->new);
		it->state = 1;
	}
}

/* The plan's own disk when its GPT could not be read at all (an
 * interrupted change left a copy torn: docs/formats.md §6.6), or NULL. */
static const rs_bdev *
torn_table_disk(const rs_plan *p, const rs_plan_item *t, const rs_bdevs *l)
{
	rs_disk_id id;
	int i;

	if (strcmp(t->type, "gpt"))
		return NULL;
	for (i = 0; i < l->n; i++)
		if (!l->dev[i].partn && !l->dev[i].pt_ok && !l->dev[i].fs_ok &&
		    rs_disk_id_read(l->dev[i].name, &id) == 0 && rs_disk_id_eq(&id, &p->disk))
			return &l->dev[i];
	return NULL;
}

/* The one disk whose table shows the item's new PTUUID or, if none does,
 * its old one, or else the plan's disk if its GPT is unreadable; NULL
 * (logged) if none or several do. */
static const rs_bdev *
table_disk(const rs_plan *p, const rs_plan_item *t, const rs_bdevs *l)
{
	const rs_bdev *disk = NULL;
	const char *v[2] = { t->new, t->old };
	int i, k, n = 0;

	for (k = 0; k < 2 && !n; k++)
		for (i = 0; i < l->n; i++)
			if (l->dev[i].pt_ok && !strcasecmp(l->dev[i].ptuuid, v[k]))
				if (!n++)
					disk = &l->dev[i];
	if (n == 1)
		return disk;
	if (n > 1) {
		for (i = 0; i < l->n; i++)
			if (l->dev[i].pt_ok && !strcasecmp(l->dev[i].ptuuid, v[k - 1]))
				rs_err("partition table %s is on %s too", v[k - 1], l->dev[i].path);
		rs_err("partition table %s: on %d disks; changed on none of them", v[k - 1], n);
	} else if ((disk = torn_table_disk(p, t, l))) {
		return disk;
	} else {
		rs_warn("partition table %s: disk not found; skipped", t->old);
	}
	return NULL;
}

/* Probe the table of t's disk d into pt.  A GPT goes through
 * rs_gpt_resume with the plan's old and new GUIDs: an interrupted change
 * may have left its two copies disagreeing, or one torn, and one intact
 * copy with this plan's GUIDs rebuilds the other (docs/formats.md §6.6). */
static int
open_table(const rs_plan *p, const rs_plan_item *t, rs_blkdev *d, rs_ptable *pt,
    int (**set)(rs_blkdev *, const rs_ptable *))
{
	static rs_gpt_guids g;
	int i;

	if (strcmp(t->type, "gpt"))
		return rs_probe_table(d, pt, set);
	memset(&g, 0, sizeof g);
	if (rs_uuid_parse(g.disk[0], t->old) < 0 || rs_uuid_parse(g.disk[1], t->new) < 0)
		return -EINVAL;
	for (i = 0; i < p->n && g.n < RS_PT_MAX; i++) {
		const rs_plan_item *it = &p->item[i];
		if (it->kind != 'p' || strcasecmp(it->disk_old, t->old))
			continue;
		g.part[g.n].number = it->partn;
		if (rs_uuid_parse(g.part[g.n].guid[0], it->old) < 0 ||
		    rs_uuid_parse(g.part[g.n].guid[1], it->new) < 0)
			return -EINVAL;
		g.n++;
	}
	*set = rs_gpt_set_uuids;
	return rs_gpt_resume(d, &g, pt);
}

static void
apply_table(rs_plan *p, int ti, const rs_bdevs *l)
{
	static rs_ptable pt, want;
	int (*set)(rs_blkdev *, const rs_ptable *);
	rs_plan_item *t = &p->item[ti];
	int i, r, changes = 0;
	unsigned k;
	rs_blkdev d;
	const rs_bdev *disk = table_disk(p, t, l);

	if (!disk) {
		t->state = -1;
		return;
	}
	r = rs_blk_open(&d, disk->path, 1);
	if (r == 0)
		r = open_table(p, t, &d, &pt, &set);
	if (r < 0) {
		rs_err("partition table on %s: %s", disk->path, rs_strerr(r));
		t->state = -1;
		rs_blk_close(&d);
		return;
	}
	want = pt;
	if (!strcasecmp(pt.uuid_str, t->old)) {
		if (parse_id(t->new, pt.uuid_len == 4, want.uuid) < 0) {
			rs_err("partition table %s: bad new id %s in the journal", t->old, t->new);
			t->state = -1;
			rs_blk_close(&d);
			return;
		}
		changes++;
	}
	for (i = 0; i < p->n; i++) {
		rs_plan_item *it = &p->item[i];
		if (it->kind != 'p' || strcasecmp(it->disk_old, t->old))
			continue;
		for (k = 0; k < pt.n; k++) {
			if (pt.part[k].number != it->partn)
				continue;
			if (!strcasecmp(pt.part[k].uuid_str, it->old)) {
				rs_uuid_parse(want.part[k].uuid, it->new);
				changes++;
			} else if (strcasecmp(pt.part[k].uuid_str, it->new)) {
				it->state = -1;
			}
		}
	}
	r = changes ? set(&d, &want) : 0;
	rs_blk_close(&d);
	if (r < 0) {
		rs_err("partition table on %s: change refused or failed: %s", disk->path, rs_strerr(r));
		t->state = -1;
	} else {
		t->state = 1;
		if (changes)
			rs_info("partition table on %s: PTUUID %s -> %s, %d identifier%s changed",
			    disk->path, t->old, t->new, changes, changes == 1 ? "" : "s");
	}
	for (i = 0; i < p->n; i++)
		if (p->item[i].kind == 'p' && !strcasecmp(p->item[i].disk_old, t->old) &&
		    p->item[i].state == 0)
			p->item[i].state = t->state;
}

/* see boot.h */
void
rs_plan_apply_blockdevs(rs_plan *p, rs_bdevs *l)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->item[i].kind == 'f')
			apply_fs(&p->item[i], l);
	for (i = 0; i < p->n; i++)
		if (p->item[i].kind == 't')
			apply_table(p, i, l);
}

/* see boot.h */
void
rs_plan_refs(const rs_plan *p, rs_refs *refs)
{
	int i;

	memset(refs, 0, sizeof *refs);
	for (i = 0; i < p->n; i++)
		if (p->item[i].state == 1 && strcasecmp(p->item[i].old, p->item[i].new))
			if (rs_refs_add(refs, p->item[i].old, p->item[i].new) < 0)
				rs_warn("cannot rewrite references to %s", p->item[i].old);
}

/* see boot.h */
int
rs_root_unique(const rs_bdevs *l, const rs_bdev *root)
{
	const rs_bdev *disk = NULL;
	char spec[64];
	int i, ok = !l->full;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->dev[i].name, root->disk) && l->dev[i].pt_ok)
			disk = &l->dev[i];
	if (root->fs_ok && count_fs(l, root->fs.uuid_str, NULL) > 1) {
		snprintf(spec, sizeof spec, "UUID=%s", root->fs.uuid_str);
		rs_bdev_ambiguous(l, spec, "the root's filesystem UUID is not unique");
		ok = 0;
	}
	if (root->partuuid[0]) {
		snprintf(spec, sizeof spec, "PARTUUID=%s", root->partuuid);
		if (rs_bdev_find(l, spec, NULL, 0) > 1) {
			rs_bdev_ambiguous(l, spec, "the root's PARTUUID is not unique");
			ok = 0;
		}
	}
	for (i = 0; disk && i < l->n; i++)
		if (&l->dev[i] != disk && l->dev[i].pt_ok && !strcasecmp(l->dev[i].ptuuid, disk->ptuuid)) {
			rs_err("the root's disk %s and %s carry the same PTUUID %s", disk->path,
			    l->dev[i].path, disk->ptuuid);
			ok = 0;
		}
	return ok;
}

/* see boot.h */
int
rs_plan_load(rs_plan *p, const rs_bdev *root, rs_root *r)
{
	static char text[8192];
	char have[128], want[128];
	rs_disk_id id;
	size_t len = 0;
	int rc, bad;

	rc = rs_root_read(r, RS_JOURNAL_PATH, text, sizeof text, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		rs_err("%s on %s cannot be read: %s; reseal skipped, marker and journal kept",
		    RS_JOURNAL_PATH, root->path, rs_strerr(rc));
		return -EBADMSG;
	}
	if (rs_plan_parse_at(p, text, len, &bad) < 0) {
		if (bad)
			rs_err("%s on %s: line %d is not in its exact form; reseal skipped, marker and "
			    "journal kept", RS_JOURNAL_PATH, root->path, bad);
		else
			rs_err("%s on %s is incomplete (no header or no final \"end\" line); reseal "
			    "skipped, marker and journal kept", RS_JOURNAL_PATH, root->path);
		return -EBADMSG;
	}
	rc = rs_disk_id_read(root->disk, &id);
	if (rc < 0 || !rs_disk_id_eq(&id, &p->disk)) {
		rs_disk_id_fmt(&p->disk, want, sizeof want);
		if (rc < 0)
			snprintf(have, sizeof have, "unknown: %s", rs_strerr(rc));
		else
			rs_disk_id_fmt(&id, have, sizeof have);
		rs_err("%s on %s belongs to the disk %s, not to /dev/%s (%s); reseal skipped, marker "
		    "and journal kept", RS_JOURNAL_PATH, root->path, want, root->disk, have);
		return -EXDEV;
	}
	return 1;
}

/* see boot.h */
int
rs_plan_load_or_build(rs_plan *p, const rs_bdevs *l, const rs_bdev *root, rs_root *r,
    rs_rng *rng, int *resumed)
{
	static char text[8192];
	static rs_plan check;
	int n;

	*resumed = 0;
	n = rs_plan_load(p, root, r);
	if (n < 0)
		return n;
	if (n == 1) {
		*resumed = 1;
		p->attempt++;
		rs_info("resuming the interrupted reseal (attempt %d)", p->attempt);
	} else {
		rs_disk_id id;

		n = rs_disk_id_read(root->disk, &id);
		if (n < 0) {
			rs_err("cannot tell the identity of the root's disk /dev/%s: %s", root->disk,
			    rs_strerr(n));
			return n;
		}
		plan_build(p, l, root, r, rng);
		p->disk = id;
		p->attempt = 1;
	}
	if (p->attempt > RS_MAX_ATTEMPTS) {
		rs_err("the reseal failed %d times; giving up (remove %s to retry)", RS_MAX_ATTEMPTS,
		    RS_JOURNAL_PATH);
		return -ELOOP;
	}
	n = rs_plan_format(p, text, sizeof text);
	if (n < 0)
		return n;
	/* Never write a journal the next boot could not read back. */
	if (rs_plan_parse(&check, text, (size_t)n) < 0) {
		rs_err("the reseal plan has a value the journal cannot hold; reseal skipped");
		return -EINVAL;
	}
	return rs_root_write_atomic(r, RS_JOURNAL_PATH, text, (size_t)n, 0600, 0, 0, 0);
}
