/* boot.h: reseal as PID 1 in a tiny initramfs (docs/boot.md
 * §2).  Everything here runs before the real init; nothing may
 * end the process except rs_panic(). */
#ifndef RS_BOOT_H
#define RS_BOOT_H

#include <stdint.h>
#include <sys/types.h>

#include "blk.h"
#include "refs.h"
#include "rng.h"
#include "ops.h"
#include "rootfs.h"

#ifndef RS_DEVICE_TIMEOUT_S
#define RS_DEVICE_TIMEOUT_S  180   /* give up waiting for root= (rootwait: never) */
#endif
#ifndef RS_DEVICE_POLL_MS
#define RS_DEVICE_POLL_MS     50   /* rescan interval while root= is missing */
#endif
#ifndef RS_DEVICE_MESSAGE_S
#define RS_DEVICE_MESSAGE_S    5   /* first and repeated "waiting for" message */
#endif
#ifndef RS_MAX_ATTEMPTS
#define RS_MAX_ATTEMPTS        3   /* boots that may try to finish one journal */
#endif
#define RS_NEWROOT   "/sysroot"
#define RS_MODLIST   "/etc/reseal/modules"

enum rs_reseal_mode { RS_RESEAL_AUTO, RS_RESEAL_FORCE, RS_RESEAL_OFF };

/* --- cmdline.c: /proc/cmdline (docs/boot.md §3) --- */
typedef struct {
	char root[256];           /* root= with quotes removed */
	char rootfstype[32];
	char rootflags[256];
	int rw;                   /* 0: ro (default), 1: rw */
	int rootwait;
	int rootdelay;            /* seconds; 0 if unset */
	char init[256];           /* init=; empty: search the defaults */
	enum rs_reseal_mode reseal;
	int debug;                /* reseal.debug */
	int timeout;              /* reseal.timeout= (root wait), seconds */
	long fault;               /* reseal.fault=N (fault-injection builds only); -1 count */
} rs_cmdline;

/* Parse a kernel command line.  Unknown words are ignored (the kernel
 * hands them to init as arguments already).  Never fails. */
void rs_cmdline_parse(rs_cmdline *c, const char *text);

/* --- bdev.c: block devices without udev (docs/boot.md §4) --- */
typedef struct {
	char name[32];            /* kernel name: vda2 */
	char path[48];            /* /dev/vda2 */
	char disk[32];            /* whole-disk name (itself for a disk) */
	unsigned partn;           /* 0 for a whole disk */
	uint64_t size;            /* bytes */
	int fs_ok;                /* fs holds a recognised filesystem */
	rs_fsinfo fs;
	char partuuid[40], partlabel[144];
	int pt_ok;                /* a whole disk with a partition table */
	char pttype[8], ptuuid[40];
	unsigned char type_guid[16];  /* GPT partition type (text byte order) */
} rs_bdev;

#define RS_BDEV_MAX 256
typedef struct {
	rs_bdev dev[RS_BDEV_MAX];
	int n;
	int full;                 /* more devices than RS_BDEV_MAX: some unseen */
} rs_bdevs;

/* Scan /sys/class/block and probe every device; the list is sorted by
 * kernel name (vda, vda1, ..., vdb), so "the first match" means the same
 * device on every boot.  More than RS_BDEV_MAX devices: the rest are not
 * seen, l->full is set and an error is logged (once).  Returns 0 or -errno. */
int rs_bdev_scan(rs_bdevs *l);

/* Every device a root=/fstab spec names (/dev/X, /dev/disk/by-{uuid,label,
 * partuuid,partlabel}/X, UUID=, LABEL=, PARTUUID=, PARTLABEL=; other forms
 * name none), in list order: the first max of them go to out.  Returns how
 * many devices match, which may be more than max (docs/boot.md §4.1). */
int rs_bdev_find(const rs_bdevs *l, const char *spec, const rs_bdev **out, int max);

/* The one device spec names.  NULL if none does, or if several do: then
 * the ambiguity is logged with every matching device (rs_bdev_ambiguous). */
const rs_bdev *rs_bdev_match(const rs_bdevs *l, const char *spec);

/* Log "SPEC names N devices (/dev/a, /dev/b): WHAT" at error level, for a
 * spec that rs_bdev_find matched on n > 1 devices.  what says what is kept. */
void rs_bdev_ambiguous(const rs_bdevs *l, const char *spec, const char *what);

/* The stable identity of a whole disk (docs/boot.md §11.2): its device
 * number, its size, and its serial (sysfs serial, device/serial, or
 * device/wwid; characters other than [A-Za-z0-9._:-] as '_', at most 64;
 * "-" when sysfs has none). */
typedef struct {
	unsigned major, minor;
	unsigned long long size;  /* bytes */
	char serial[65];
} rs_disk_id;

/* Read the identity of the whole disk named disk ("vda") from
 * /sys/class/block.  Returns 0 or -errno (-ENOENT: no such disk). */
int rs_disk_id_read(const char *disk, rs_disk_id *id);
/* 1 if a and b are the same disk (every field equal), else 0. */
int rs_disk_id_eq(const rs_disk_id *a, const rs_disk_id *b);
/* "MAJ:MIN SIZE SERIAL" into buf (at least 128 bytes). */
void rs_disk_id_fmt(const rs_disk_id *id, char *buf, size_t cap);

/* --- plan.c: the reseal as a journaled plan (docs/boot.md §11) --- */
#define RS_PLAN_MAX 32

typedef struct {
	char kind;                /* 'f' filesystem, 't' partition table, 'p' GPT partition */
	char type[16];            /* fs type, or "gpt" / "dos" */
	char old[40], new[40];    /* blkid text forms */
	char disk_old[40];        /* 'p': the disk's PTUUID before the change */
	unsigned partn;           /* 'p': PARTN */
	int state;                /* runtime: 0 pending, 1 done, -1 refused */
} rs_plan_item;

#define RS_PLAN_MAX_ATTEMPT 99  /* the largest "attempt" a journal may hold */
#define RS_PLAN_MAX_PARTN  RS_PT_MAX

typedef struct {
	int attempt;              /* boots that started this plan */
	char machine_id[33];      /* the new machine-id (hex) */
	rs_disk_id disk;          /* the root's disk, which this plan belongs to */
	rs_plan_item item[RS_PLAN_MAX];
	int n;
} rs_plan;

/* Journal text (docs/boot.md §11.2): "reseal-journal 2", "attempt N",
 * "machine-id HEX", "disk MAJ:MIN SIZE SERIAL", then the items "fs TYPE
 * OLD NEW", "pt TYPE OLD NEW", "part DISKOLD N OLD NEW", then "end". */
/* The filesystem types a plan may hold (and the block stage can change). */
int rs_plan_fs_supported(const char *type);
int rs_plan_format(const rs_plan *p, char *buf, size_t cap);   /* length or -ENOSPC */
/* Every value is checked against its exact form; a missing or repeated
 * header line, a missing "end" (a truncated file) or anything after it is
 * refused.  Returns 0 or -EINVAL; *bad_line (may be NULL) gets the number
 * of the first line refused (0: the text as a whole). */
int rs_plan_parse(rs_plan *p, const char *text, size_t len);   /* 0 or -EINVAL */
int rs_plan_parse_at(rs_plan *p, const char *text, size_t len, int *bad_line);

/* reseal.c: read the journal on r, if any, for the root device root
 * (docs/boot.md §11.2); reads only.  Returns 1 (loaded into p), 0 (none),
 * -EBADMSG (unreadable: cannot be read, or not in its exact form) or
 * -EXDEV (written for another disk); both logged with what was kept. */
int rs_plan_load(rs_plan *p, const rs_bdev *root, rs_root *r);
/* reseal.c: load the journal (a resumed run: attempt + 1) or draw a new
 * plan for the image's devices; write the journal back (root mounted rw).
 * Never plans afresh over a journal it cannot use: returns -EBADMSG for an
 * unreadable journal, -EXDEV for one that belongs to another disk (both
 * logged), -ELOOP after RS_MAX_ATTEMPTS, 0, or -errno. */
int rs_plan_load_or_build(rs_plan *p, const rs_bdevs *l, const rs_bdev *root, rs_root *r,
    rs_rng *rng, int *resumed);
/* reseal.c: is each of the root's identifiers (its filesystem UUID, its
 * PARTUUID, its disk's PTUUID) on that one device only, and the device list
 * complete?  Logs every twin it finds.  Returns 1 (unique) or 0. */
int rs_root_unique(const rs_bdevs *l, const rs_bdev *root);
/* Block stage: every item whose device still has the old value is changed. */
void rs_plan_apply_blockdevs(rs_plan *p, rs_bdevs *l);
/* The old -> new pairs of every item that is done, for `references`. */
void rs_plan_refs(const rs_plan *p, rs_refs *refs);

/* --- session.c: the journaled reseal of one root (docs/boot.md §11) ---
 * Shared by PID-1 mode (root at RS_NEWROOT, left mounted for switch_root)
 * and hook mode inside another initramfs (a private mount point). */
typedef struct {
	const char *mnt;          /* where the root is mounted */
	const char *spec;         /* root= as the boot names it ("" if none) */
	const char *fstype;       /* rootfstype=; "" for the probed type */
	const char *rootflags;    /* rootflags=: MS_* words and fs data */
	int twin;                 /* root= matched several devices: nothing is written */
	rs_bdevs *devs;           /* the scanned devices, rescanned after the block stage */
	rs_ctx *ctx;              /* ctx->root is the open root while mounted */
	int hook;                 /* a step of another initramfs: udev runs (the whole disk is
	                           * flocked during the block stage), and nothing panics */
} rs_session;

/* The one device list and context of a boot, PID-1 mode's or `reseal
 * initrd`'s (a device list is 256 entries: not kept twice). */
extern rs_bdevs rs_boot_devs;
extern rs_ctx rs_boot_ctx;
/* Find the device s->spec names, polling every RS_DEVICE_POLL_MS and
 * saying so every RS_DEVICE_MESSAGE_S; with search, also the filesystem
 * whose journal says it used to be s->spec (after an interrupted reseal:
 * docs/boot.md §12), with torn GPTs and ext superblocks shown or rebuilt on
 * the way.  A spec on several devices (or a full list) sets s->twin and
 * gives the first.  NULL after wait_ms (< 0: never). */
const rs_bdev *rs_session_find_root(rs_session *s, int search, int64_t wait_ms);
/* Mount b at s->mnt (rw or ro) with s's type and flags.  Logs and
 * returns -errno on failure. */
int rs_session_mount(const rs_session *s, const rs_bdev *b, int rw);
/* Remount s->mnt rw or ro with s's flags.  Logs and returns -errno. */
int rs_session_remount(const rs_session *s, int rw);
/* The reseal of root (docs/boot.md §11): root is mounted read-only at
 * s->mnt with s->ctx->root open on entry, and mounted (ro or rw) with
 * s->ctx->root open on return; the caller remounts it as the boot asks.
 * The one exception: with s->hook, a root that cannot be mounted again
 * after the block stage is left unmounted (logged; PID-1 mode panics).
 * Every failure is logged, the marker and journal kept, and the boot goes
 * on: nothing is returned. */
void rs_session_reseal(const rs_session *s, const rs_bdev *root);

/* --- udev.c: the old names for the rest of a hooked boot (docs/boot.md §16.2) --- */
/* Write /run/udev/rules.d/90-reseal-alias.rules giving each device of root's
 * disk that p changes (or will) its old by-uuid / by-partuuid link, and
 * have udevd reload its rules.  Returns how many links, or -1 (logged). */
int rs_udev_alias_plan(const rs_plan *p, const rs_bdevs *l, const rs_bdev *root);
/* The same for one name: spec (UUID=, PARTUUID= or their /dev/disk/by-
 * forms) becomes a link to b.  -EINVAL for a spec no link can give back
 * (LABEL=, a node), else 0 or -errno (logged). */
int rs_udev_alias_spec(const char *spec, const rs_bdev *b);
/* udevadm trigger --action=change on every device of disk in l, then
 * udevadm settle: the links, the old ones and the new, exist on return.
 * Nothing without udevadm.  Never call it while holding the disk's lock. */
void rs_udev_settle(const rs_bdevs *l, const char *disk);

/* --- finder.c: the root after an interrupted reseal (docs/boot.md §12) --- */
/* The filesystems of devs other than skip holding a journal, written for
 * their own disk, that lists spec's value (UUID=, PARTUUID=, ...) as an old
 * one: the first max into out.  Probe mounts are read-only without journal
 * replay (ext noload, XFS norecovery, btrfs rescue=nologreplay) at
 * /run/reseal-probe; a filesystem that will not mount so is skipped.
 * Returns how many there are. */
int rs_journals_naming(const rs_bdevs *devs, const char *spec, const rs_bdev *skip,
    const rs_bdev **out, int max);
/* Filesystems of l whose ext primary superblock fails its checksum, each
 * tried once per boot: when group 1's backup superblock is intact, the
 * journal is read through it (a read-only mount with sb= and noload), and
 * it belongs to the device's own disk, the primary is rebuilt if the
 * stored checksum proves it a torn write of one of the journal's ext
 * changes (rs_ext4_mend_torn, docs/formats.md §1.9); anything else is
 * logged and left as it is.  Returns how many were rebuilt (rescan then). */
int rs_mend_torn_ext(const rs_bdevs *l);
/* The same with the plan at hand (the reseal, before its block stage): for
 * each ext change of p, the one device of l whose torn superblock that
 * change explains is rebuilt (an ext filesystem other than the root, e.g.
 * /home); one that two devices share is rebuilt on neither (logged).
 * Returns how many were rebuilt (rescan then). */
int rs_mend_torn_planned(const rs_bdevs *l, const rs_plan *p);
/* Whole disks of l with neither partitions nor a readable table whose
 * primary GPT is torn and backup intact (docs/formats.md §6.6): the kernel
 * ignores the backup, so its partitions are added with BLKPG; nothing is
 * written to the disk.  Returns how many disks got partitions. */
int rs_expose_backup_gpts(const rs_bdevs *l);

/* --- efivars.c: the ESP's partition GUID (docs/formats.md §11.2) --- */
#define RS_EFI_FW_DIR "/sys/firmware/efi"

/* Does a Boot#### variable in the efivarfs directory efivars hold the 16
 * bytes g (a partition GUID in GPT's on-disk byte order, as UEFI HD()
 * device-path nodes store it)?  Reads at most 64 KiB of each variable.
 * Returns 1 and the variable's name ("Boot0001") in name[cap], 0 if none
 * does, -ENODATA if the directory is empty (efivarfs not mounted), or
 * -errno if it cannot be read. */
int rs_efi_boot_entry_naming(const char *efivars, const unsigned char g[16], char *name, size_t cap);

/* May the ESP's partition GUID (text partuuid) change?  fwdir is where the
 * kernel shows UEFI (RS_EFI_FW_DIR; missing: booted through BIOS), with
 * efivarfs mounted at fwdir/efivars; fallback: the ESP holds the
 * removable-media loader.  BIOS: yes.  UEFI: yes with the fallback or when
 * no Boot#### names the GUID; no when one does or they cannot be read.
 * Logs why when it keeps the GUID, and on BIOS without a fallback loader.
 * Returns 1 (change) or 0 (keep). */
int rs_esp_rule(const char *fwdir, const char *partuuid, int fallback);

/* --- modules.c --- */
/* finit_module every file listed in RS_MODLIST, in order.  Logs failures;
 * returns the number of modules that failed to load. */
int rs_modules_load(void);

/* --- switchroot.c (docs/boot.md §8) --- */
/* Pick the init to run in newroot (cmdline init=, else the defaults) and
 * check it is an executable regular file there.  Returns 0 or -errno. */
int rs_switch_root_check(const char *newroot, const char *want, char *init, size_t cap);
/* Move the API mounts, delete the initramfs, chroot, exec init.  Returns
 * only on failure (-errno). */
int rs_switch_root(const char *newroot, const char *init, char **argv);

/* --- pid1.c --- */
/* Log, wait so a human can read it, then exit on purpose (panic=N applies). */
void rs_panic(const char *what) __attribute__((noreturn));
int rs_boot_main(int argc, char **argv) __attribute__((noreturn));

#endif
