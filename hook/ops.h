/* ops.h: the identity operations on a mounted root (docs/operations.md §2).
 *
 * Each operation is one file in hook/ops/ and one row of rs_ops[].  An op's
 * run() resets the identity item in a clone; its seal() strips it from a
 * template.  Ops never touch the filesystem directly: they call the rs_do_*
 * helpers below, which go through the safe root layer (rootfs.h), honour
 * --dry-run (print "would ..." and write nothing), and record every change
 * for the status file.  Ops return 0 or -errno; a failed op is logged and the
 * marker is kept, so the next run retries. */
#ifndef RS_OPS_H
#define RS_OPS_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "refs.h"
#include "rng.h"
#include "rootfs.h"

#define RS_STATUS_MAX 8192

typedef struct {
	rs_root root;
	rs_config cfg;
	int dry_run;
	rs_rng rng;                 /* seeded on first use (rs_do_rng) */
	rs_refs refs;               /* old -> new identifiers, for `references` */
	char machine_id[33];        /* the boot plan's new machine-id; empty: draw one */
	char status[RS_STATUS_MAX]; /* change record; never secrets */
	size_t status_len;
	int changes;                /* files written or removed (or planned) */
} rs_ctx;

typedef struct {
	const char *name;
	const char *summary;
	int (*run)(rs_ctx *ctx);
	int (*seal)(rs_ctx *ctx);   /* NULL: nothing to strip */
} rs_op;

extern const rs_op rs_ops[];
extern const int rs_nops;

/* Index of the op called name in rs_ops[], or -1. */
int rs_op_find(const char *name);

/* Run (or, with seal, strip) every op whose bit is set in mask, in table
 * order; a failure is logged and the next op still runs.  Returns the
 * number of ops that failed. */
int rs_ops_run(rs_ctx *ctx, unsigned mask, int seal);

/* A new machine-id: 32 lowercase hex digits of a v4 UUID, NUL-terminated
 * (the format systemd writes; docs/operations.md §3.1). */
void rs_machine_id_draw(rs_rng *rng, char hex[33]);

/* The ops, one per file in hook/ops/. */
int rs_op_machine_id_run(rs_ctx *ctx);
int rs_op_machine_id_seal(rs_ctx *ctx);
int rs_op_net_rules_run(rs_ctx *ctx);
int rs_op_dhcp_state_run(rs_ctx *ctx);
int rs_op_nm_secret_run(rs_ctx *ctx);
int rs_op_random_seed_run(rs_ctx *ctx);
int rs_op_random_seed_seal(rs_ctx *ctx);
int rs_op_credential_secret_run(rs_ctx *ctx);
int rs_op_iscsi_name_run(rs_ctx *ctx);
int rs_op_lvm_devices_run(rs_ctx *ctx);
int rs_op_hostname_run(rs_ctx *ctx);
int rs_op_remove_run(rs_ctx *ctx);
int rs_op_ssh_hostkeys_run(rs_ctx *ctx);
int rs_op_ssh_hostkeys_seal(rs_ctx *ctx);

/* The host key types a run gives ctx's root, one bit per enum rs_keytype
 * (never 0), and in why a phrase saying where they come from: [ssh-hostkeys]
 * types, the record RS_KEYTYPES_PATH, the template's HostKey lines and key
 * files, or the ed25519 default (docs/keys.md §10).  Returns 0, or -errno
 * (logged) if the record is unreadable or invalid. */
int rs_ssh_hostkey_types(rs_ctx *ctx, unsigned *mask, char *why, size_t cap);

int rs_op_references_run(rs_ctx *ctx);

/* --- helpers for ops (hook/opctx.c) --- */

/* Write the status record RS_STATUS_PATH: "reseal VERSION VERB at TIME"
 * and the notes.  Returns 0 or -errno (logged). */
int rs_status_write(rs_ctx *ctx, const char *verb);

/* Append one printf-style line to the status record. */
void rs_note(rs_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The DRBG, seeded on first call (this may wait for the kernel CRNG).
 * NULL if seeding failed (logged); never called in dry-run. */
rs_rng *rs_do_rng(rs_ctx *ctx);

/* Remove a file or symlink (or, with tree, a directory and its contents).
 * Absent is success and no change. */
int rs_do_remove(rs_ctx *ctx, const char *path, int tree);

/* Remove every entry of directory dir whose name matches the pattern, a
 * constant of '*', '?' and plain characters (rs_glob_match, scan.h)
 * (directories recursively).  An absent dir is no change. */
int rs_do_remove_matching(rs_ctx *ctx, const char *dir, const char *pattern);

/* Atomically write path (rs_root_write_atomic).  what describes the content
 * for the dry-run line and the status ("new v4 machine-id"), never the
 * content itself. */
int rs_do_write(rs_ctx *ctx, const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, int flags, const char *what);

/* 1 if path exists (lstat), 0 if not, -errno on other errors. */
int rs_exists(rs_ctx *ctx, const char *path);

#endif
