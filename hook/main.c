/* main.c: the reseal command line (as PID 1: boot/pid1.c, docs/boot.md).
 *
 * Exit codes (fixed, README "Exit codes"; cmds.h, the errno map in exit.c):
 *   0    done, or nothing to do
 *   100  usage error or refused input (reason logged; nothing written)
 *   111  system failure (an I/O or syscall error; reason logged) */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "cmds.h"
#include "config.h"
#include "log.h"
#include "ops.h"
#include "rootfs.h"
#include "sshkey.h"

#ifndef RESEAL_VERSION
#define RESEAL_VERSION "unknown"
#endif

static const char usage_text[] =
"usage: reseal run    --root DIR [--dry-run] [--force] [--only OPS] [--skip OPS]\n"
"       reseal seal   --root DIR [--dry-run] [--only OPS] [--skip OPS]\n"
"       reseal status [--root DIR]\n"
"       reseal references --root DIR [--dry-run] OLD=NEW...\n"
"       reseal probe  DEV|IMAGE...\n"
"       reseal setuuid DEV|IMAGE [--part N | --partuuid N] [UUID|random]\n"
"       reseal initrd [--device DEV] [--root SPEC] [--fstype T] [--rootflags O]\n"
"                     [--wait S] [--find] [--renamed SPEC]\n"
"       reseal --help | --version\n"
"\n"
"run     give the clone mounted at DIR its own identity, if DIR carries the\n"
"        template marker " RS_MARKER_PATH " (or with --force); the marker\n"
"        is removed last, only after every selected operation succeeded\n"
"seal    strip DIR's identity and write the marker, making DIR a template\n"
"status  show what the last run changed (never secrets)\n"
"references  rewrite fstab, crypttab, bootloader and unit files under DIR that\n"
"        name OLD (a UUID, a vfat serial XXXX-XXXX or an MBR disk id) to NEW\n"
"probe   print filesystem and partition-table identifiers, blkid -o export style\n"
"setuuid change a filesystem UUID (the whole device, or --part N of a\n"
"        partitioned one) or a partition table's disk GUID and every\n"
"        partition GUID (--partuuid N: only that one), in O(1) writes\n"
"initrd  inside another initramfs, before it mounts the root: the whole\n"
"        boot-time reseal of the root DEV (or root= of /proc/cmdline), on a\n"
"        private mount; prints the root's device node; exits 0 (initrd --help);\n"
"        --find: only print the root an interrupted reseal renamed\n"
"\n"
"--dry-run  print what would change; write nothing\n"
"--only OPS, --skip OPS  comma-separated operation names; a run limited\n"
"        this way keeps the marker\n"
"\n"
"Settings come from DIR" RS_CONF_PATH " (see reseal.conf(5)).\n"
"Exit codes: 0 done or nothing to do, 100 usage error or refused,\n"
"111 system failure.\n"
"\n"
"operations:\n";

static void
usage(FILE *f)
{
	int i;

	fputs(usage_text, f);
	for (i = 0; i < rs_nops; i++)
		fprintf(f, "  %-18s %s\n", rs_ops[i].name, rs_ops[i].summary);
}

struct args {
	const char *root;
	int dry_run, force;
	unsigned only, skip;
	int have_only, have_skip;
};

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "root",    required_argument, 0, 'r' },
		{ "dry-run", no_argument,       0, 'n' },
		{ "force",   no_argument,       0, 'f' },
		{ "only",    required_argument, 0, 'o' },
		{ "skip",    required_argument, 0, 's' },
		{ "help",    no_argument,       0, 'h' },
		{ 0, 0, 0, 0 }
	};
	int c;

	memset(a, 0, sizeof *a);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+r:nfo:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': a->root = optarg; break;
		case 'n': a->dry_run = 1; break;
		case 'f': a->force = 1; break;
		case 'o':
			if (rs_config_parse_ops(optarg, &a->only) < 0)
				return -EINVAL;
			a->have_only = 1;
			break;
		case 's':
			if (rs_config_parse_ops(optarg, &a->skip) < 0)
				return -EINVAL;
			a->have_skip = 1;
			break;
		case 'h': usage(stdout); exit(RS_EXIT_OK);
		default: return -EINVAL;
		}
	}
	if (optind != argc) {
		rs_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Open the root and read its config.  Returns 0 or an exit code. */
static int
open_target(rs_ctx *ctx, const struct args *a)
{
	static char conf[RS_CONF_MAX];
	size_t len = 0;
	int r;

	if (!a->root) {
		rs_err("--root DIR is required");
		return RS_EXIT_REFUSED;
	}
	rs_config_defaults(&ctx->cfg);
	r = rs_root_open(&ctx->root, a->root);
	if (r < 0) {
		rs_err("unable to open root %s: %s", a->root, rs_strerr(r));
		return rs_exit_code(r);
	}
	r = rs_root_read(&ctx->root, RS_CONF_PATH, conf, sizeof conf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		rs_err("unable to read %s%s: %s", a->root, RS_CONF_PATH, rs_strerr(r));
		return rs_exit_code(r);
	}
	if (rs_config_parse(&ctx->cfg, conf, len, RS_CONF_PATH) < 0)
		return RS_EXIT_REFUSED;
	return 0;
}

static unsigned
op_mask(const rs_ctx *ctx, const struct args *a)
{
	unsigned all = (1u << rs_nops) - 1;
	unsigned m = a->have_only ? a->only : all & ~ctx->cfg.skip;

	return m & ~a->skip;
}

static int
cmd_run(int argc, char **argv)
{
	static rs_ctx ctx;
	struct args a;
	int r, failed, subset;

	if (parse_args(argc, argv, &a) < 0) {
		usage(stderr);
		return RS_EXIT_REFUSED;
	}
	r = open_target(&ctx, &a);
	if (r)
		return r;
	ctx.dry_run = a.dry_run;
	r = rs_exists(&ctx, RS_MARKER_PATH);
	if (r < 0) {
		rs_err("unable to check the marker %s: %s", RS_MARKER_PATH, rs_strerr(r));
		return rs_exit_code(r);
	}
	if (!r && !a.force) {
		rs_info("no template marker %s in %s: nothing to do", RS_MARKER_PATH, a.root);
		return RS_EXIT_OK;
	}
	subset = a.have_only || a.have_skip;
	failed = rs_ops_run(&ctx, op_mask(&ctx, &a), 0);
	rs_rng_wipe(&ctx.rng);
	if (a.dry_run) {
		printf("dry run: %d change%s planned, nothing written\n", ctx.changes,
		    ctx.changes == 1 ? "" : "s");
		return failed ? RS_EXIT_SYSTEM : RS_EXIT_OK;
	}
	if (rs_status_write(&ctx, failed ? "run (incomplete)" : "run") < 0)
		failed++;
	if (failed) {
		rs_err("%d operation%s failed; marker kept, the next run retries", failed,
		    failed == 1 ? "" : "s");
		return RS_EXIT_SYSTEM;
	}
	if (subset) {
		rs_info("--only/--skip ran a subset of the operations; marker kept");
		return RS_EXIT_OK;
	}
	r = rs_root_unlink(&ctx.root, RS_MARKER_PATH);
	if (r < 0 && r != -ENOENT) {
		rs_err("unable to remove the marker %s: %s", RS_MARKER_PATH, rs_strerr(r));
		return RS_EXIT_SYSTEM;
	}
	rs_info("resealed %s: %d change%s", a.root, ctx.changes, ctx.changes == 1 ? "" : "s");
	return RS_EXIT_OK;
}

/* What the clones of a freshly sealed template will get where the defaults
 * may surprise: the host key types and the hostname (docs/operations.md
 * §6, §7.2).  Said as the run will decide it, from the sealed root. */
static void
seal_summary(rs_ctx *ctx)
{
	char why[96], names[32] = "", host[72];
	unsigned types;
	size_t len = 0, n = 0;
	int t;

	if (ctx->cfg.skip & (1u << rs_op_find("ssh-hostkeys")))
		rs_info("clones keep the template's SSH host keys: ssh-hostkeys is in [reseal] skip");
	else if (rs_ssh_hostkey_types(ctx, &types, why, sizeof why) == 0) {
		for (t = 0; t < RS_KEY_NTYPES; t++)
			if (types & (1u << t))
				n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? " " : "",
				    rs_keytype_name((enum rs_keytype)t));
		rs_info("clones get new SSH host keys: %s (%s)", names, why);
	}
	if (ctx->cfg.hostname[0] && !(ctx->cfg.skip & (1u << rs_op_find("hostname")))) {
		rs_info("clones get their hostname from [hostname] pattern = %s", ctx->cfg.hostname);
		return;
	}
	if (rs_root_read(&ctx->root, "/etc/hostname", host, sizeof host - 1, &len) < 0)
		len = 0;
	host[len] = 0;
	host[strcspn(host, " \t\r\n")] = 0;
	rs_info("clones keep the template's hostname%s%s%s; set [hostname] pattern in %s "
	    "(e.g. pattern = node-\?\?\?\?\?\?) to give each its own", host[0] ? " '" : "", host,
	    host[0] ? "'" : "", RS_CONF_PATH);
}

static int
cmd_seal(int argc, char **argv)
{
	static rs_ctx ctx;
	static const char marker[] =
	    "This image is a reseal template: its clones get a new identity at first boot.\n";
	struct args a;
	int r, failed;

	if (parse_args(argc, argv, &a) < 0 || a.force) {
		usage(stderr);
		return RS_EXIT_REFUSED;
	}
	r = open_target(&ctx, &a);
	if (r)
		return r;
	ctx.dry_run = a.dry_run;
	failed = rs_ops_run(&ctx, op_mask(&ctx, &a), 1);
	/* The old record names keys that no longer exist; a journal left by an
	 * abandoned boot-time reseal would be taken for this template's plan. */
	if (!failed)
		failed = rs_do_remove(&ctx, RS_STATUS_PATH, 0) < 0;
	if (!failed)
		failed = rs_do_remove(&ctx, RS_JOURNAL_PATH, 0) < 0;
	if (failed) {
		rs_err("%d operation%s failed; no marker written", failed, failed == 1 ? "" : "s");
		return RS_EXIT_SYSTEM;
	}
	if (!a.dry_run)
		r = rs_root_mkdir_p(&ctx.root, "/etc/reseal", 0755);
	if (r == 0)
		r = rs_do_write(&ctx, RS_MARKER_PATH, marker, sizeof marker - 1, 0644, 0, 0, 0,
		    "template marker");
	if (r < 0)
		return RS_EXIT_SYSTEM;
	if (a.dry_run)
		printf("dry run: %d change%s planned, nothing written\n", ctx.changes,
		    ctx.changes == 1 ? "" : "s");
	else
		rs_info("sealed %s: %d change%s; clones will be resealed", a.root, ctx.changes,
		    ctx.changes == 1 ? "" : "s");
	seal_summary(&ctx);
	return RS_EXIT_OK;
}

/* reseal references --root DIR [--dry-run] OLD=NEW... */
static int
cmd_references(int argc, char **argv)
{
	static rs_ctx ctx;
	struct args a;
	int i, r;

	/* parse_args takes options only; the pairs follow them. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if (!strcmp(argv[i], "--root"))
			i++;
	if (i >= argc) {
		rs_err("usage: reseal references --root DIR [--dry-run] OLD=NEW...");
		return RS_EXIT_REFUSED;
	}
	if (parse_args(i, argv, &a) < 0 || a.force || a.have_only || a.have_skip) {
		usage(stderr);
		return RS_EXIT_REFUSED;
	}
	r = open_target(&ctx, &a);
	if (r)
		return r;
	ctx.dry_run = a.dry_run;
	for (; i < argc; i++) {
		char old[64];
		const char *eq = strchr(argv[i], '=');
		if (!eq || (size_t)(eq - argv[i]) >= sizeof old) {
			rs_err("expected OLD=NEW, got '%s'", argv[i]);
			return RS_EXIT_REFUSED;
		}
		memcpy(old, argv[i], (size_t)(eq - argv[i]));
		old[eq - argv[i]] = 0;
		r = rs_refs_add(&ctx.refs, old, eq + 1);
		if (r < 0) {
			rs_err("'%s': both sides must be UUIDs, vfat serials (XXXX-XXXX) or "
			    "8-hex MBR disk ids", argv[i]);
			return RS_EXIT_REFUSED;
		}
	}
	r = rs_op_references_run(&ctx);
	if (r < 0)
		return RS_EXIT_SYSTEM;
	if (a.dry_run)
		printf("dry run: %d change%s planned, nothing written\n", ctx.changes,
		    ctx.changes == 1 ? "" : "s");
	else
		rs_info("%d file%s updated", ctx.changes, ctx.changes == 1 ? "" : "s");
	return RS_EXIT_OK;
}

static int
cmd_status(int argc, char **argv)
{
	static char text[RS_STATUS_MAX + 256];
	rs_root root;
	struct stat st;
	struct args a;
	size_t len = 0;
	int r;

	if (parse_args(argc, argv, &a) < 0 || a.dry_run || a.force || a.have_only || a.have_skip) {
		usage(stderr);
		return RS_EXIT_REFUSED;
	}
	if (!a.root)
		a.root = "/";
	r = rs_root_open(&root, a.root);
	if (r < 0) {
		rs_err("unable to open root %s: %s", a.root, rs_strerr(r));
		return rs_exit_code(r);
	}
	printf("template marker: %s\n",
	    rs_root_lstat(&root, RS_MARKER_PATH, &st) == 0 ? "present (clones will be resealed)"
	                                                   : "absent");
	r = rs_root_read(&root, RS_STATUS_PATH, text, sizeof text - 1, &len);
	if (r == -ENOENT) {
		printf("no reseal run recorded in %s\n", a.root);
		return RS_EXIT_OK;
	}
	if (r < 0) {
		rs_err("unable to read %s: %s", RS_STATUS_PATH, rs_strerr(r));
		return rs_exit_code(r);
	}
	fwrite(text, 1, len, stdout);
	return RS_EXIT_OK;
}

static const char *const commands[] = {
	"run", "seal", "status", "references", "probe", "setuuid", "initrd",
	"help", "--help", "-h", "--version",
};

static int
is_command(const char *word)
{
	size_t i;

	for (i = 0; word && i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(word, commands[i]))
			return 1;
	return 0;
}

#define RAMFS_MAGIC_ 0x858458f6ul   /* linux/magic.h */
#define TMPFS_MAGIC_ 0x01021994ul

/* Is this process the initramfs's /init (docs/boot.md §1.1)?  Decided from
 * facts, not from being PID 1 alone: `/` must be the kernel's rootfs
 * (ramfs or tmpfs) and /init must be the very file the kernel executed
 * (AT_EXECFN: the path execve was given; nothing else is mounted yet to ask).
 * Returns 1, or 0 (after saying why not when say is set). */
static int
initramfs_init(int say)
{
	const char *exe = (const char *)getauxval(AT_EXECFN);
	struct statfs fs;
	struct stat a, b;

	if (statfs("/", &fs) < 0) {
		if (say)
			rs_err("running as PID 1, but unable to statfs /: %s", rs_strerr(-errno));
		return 0;
	}
	if ((unsigned long)fs.f_type != RAMFS_MAGIC_ && (unsigned long)fs.f_type != TMPFS_MAGIC_) {
		if (say)
			rs_err("running as PID 1, but / is not an initramfs (filesystem type "
			    "0x%lx, not ramfs or tmpfs)", (unsigned long)fs.f_type);
		return 0;
	}
	if (!exe || stat(exe, &a) < 0 || stat("/init", &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		if (say)
			rs_err("running as PID 1 on a ramfs/tmpfs, but /init is not this "
			    "program (%s)", exe ? exe : "?");
		return 0;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	/* As /init the kernel passes its unknown cmdline words as arguments:
	 * they belong to the real init, not to us, even one that looks like a
	 * reseal command.  Any other PID 1 (a container, `unshare -fp`) runs
	 * the command it names; without one it is refused: only the
	 * initramfs's /init may mount /proc, /sys and /dev and look for a root
	 * to hand over (docs/boot.md §1.1). */
	if (getpid() == 1 && initramfs_init(!is_command(cmd)))
		rs_boot_main(argc, argv);
	if (getpid() == 1 && !is_command(cmd)) {
		rs_err("not acting as the initramfs's /init: nothing mounted, nothing changed; "
		    "name a command (reseal --help)");
		return RS_EXIT_REFUSED;
	}
	if (getenv("RESEAL_DEBUG"))
		rs_log_level = RS_DEBUG;
	if (!cmd) {
		usage(stderr);
		return RS_EXIT_REFUSED;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return RS_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("reseal %s\n", RESEAL_VERSION);
		return RS_EXIT_OK;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "seal"))
		return cmd_seal(argc - 1, argv + 1);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "references"))
		return cmd_references(argc - 1, argv + 1);
	if (!strcmp(cmd, "probe"))
		return rs_cmd_probe(argc - 1, argv + 1);
	if (!strcmp(cmd, "initrd"))
		return rs_cmd_initrd(argc - 1, argv + 1);
	if (!strcmp(cmd, "setuuid"))
		return rs_cmd_setuuid(argc - 1, argv + 1);
	rs_err("unknown command '%s'", cmd);
	usage(stderr);
	return RS_EXIT_REFUSED;
}
