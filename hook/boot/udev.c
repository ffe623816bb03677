/* udev.c: inside another initramfs, the resealed disk's old names keep
 * resolving for the rest of that boot (docs/boot.md §16.2).  The host's
 * kernel command line, systemd's generated units and dracut's rules all
 * still say root=UUID=OLD; a runtime udev rule gives the changed devices
 * their old /dev/disk/by-uuid and by-partuuid links back until the next
 * boot (/run is gone by then). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot.h"
#include "io.h"
#include "log.h"

#define RULES_DIR  "/run/udev/rules.d"
/* Below 99: dracut's 99-root.rules must see the alias to add /dev/root. */
#define RULES_FILE RULES_DIR "/90-reseal-alias.rules"
#define RULE_MAX   160

static const char *const udevadm_paths[] = {
	"/usr/bin/udevadm", "/bin/udevadm", "/usr/sbin/udevadm", "/sbin/udevadm",
};

/* Run udevadm with the n arguments args; its exit status, or -1 if there
 * is no udevadm (a host without udev: the links do not matter there). */
static int
udevadm(const char *const *args, int n)
{
	const char *argv[16] = { "udevadm" };
	const char *path = NULL;
	int argc = 1, status, i;
	size_t p;
	pid_t pid;

	for (p = 0; p < sizeof udevadm_paths / sizeof udevadm_paths[0]; p++)
		if (access(udevadm_paths[p], X_OK) == 0) {
			path = udevadm_paths[p];
			break;
		}
	if (!path) {
		rs_debug("no udevadm: udev's links are left as they are");
		return -1;
	}
	for (i = 0; i < n && argc < 15; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	if ((pid = fork()) < 0) {
		rs_warn("unable to run udevadm: %s", rs_strerr(errno));
		return -1;
	}
	if (pid == 0) {
		/* stdout is the host's: it reads the root's node from there. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	if (status)
		rs_warn("udevadm %s exited with %d", args[0], status);
	return status;
}

/* One rule: the device with kernel name kname gets the link
 * disk/by-<what>/<value> too. */
static int
add_rule(char *buf, size_t cap, size_t *len, const char *kname, const char *what,
    const char *value)
{
	int n = snprintf(buf + *len, cap - *len,
	    "ACTION!=\"remove\", SUBSYSTEM==\"block\", KERNEL==\"%s\", SYMLINK+=\"disk/by-%s/%s\"\n",
	    kname, what, value);

	if (n < 0 || (size_t)n >= cap - *len)
		return -ENOSPC;
	*len += (size_t)n;
	return 0;
}

/* Write the rules atomically (a half-written rule file must never be
 * read), then have udevd read them.  rules is NUL-terminated. */
static int
install_rules(const char *rules, size_t len)
{
	int fd;

	if ((mkdir("/run/udev", 0755) < 0 && errno != EEXIST) ||
	    (mkdir(RULES_DIR, 0755) < 0 && errno != EEXIST)) {
		rs_warn("unable to create " RULES_DIR ": %s", rs_strerr(errno));
		return -errno;
	}
	fd = open(RULES_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || rs_write_full(fd, rules, len) < 0 || close(fd) < 0 ||
	    rename(RULES_FILE ".tmp", RULES_FILE) < 0) {
		int e = errno;
		rs_warn("unable to write " RULES_FILE ": %s", rs_strerr(e));
		unlink(RULES_FILE ".tmp");
		return -e;
	}
	rs_debug("%s", rules);
	udevadm((const char *const[]){ "control", "--reload" }, 2);
	return 0;
}

/* The device of l on disk whose filesystem UUID is a or b, or NULL. */
static const rs_bdev *
fs_with(const rs_bdevs *l, const char *disk, const char *a, const char *b)
{
	int i;

	for (i = 0; i < l->n; i++) {
		const rs_bdev *d = &l->dev[i];
		if (d->fs_ok && !strcmp(d->disk, disk) &&
		    (!strcasecmp(d->fs.uuid_str, a) || !strcasecmp(d->fs.uuid_str, b)))
			return d;
	}
	return NULL;
}

/* see boot.h */
int
rs_udev_alias_plan(const rs_plan *p, const rs_bdevs *l, const rs_bdev *root)
{
	static char rules[RS_PLAN_MAX * RULE_MAX + 128];
	size_t len = 0;
	int i, n = 0;

	len = (size_t)snprintf(rules, sizeof rules,
	    "# reseal initrd: the old names of %s's resealed devices, for this boot only\n",
	    root->disk);
	for (i = 0; i < p->n; i++) {
		const rs_plan_item *it = &p->item[i];
		const rs_bdev *d = NULL;
		int j;

		if (it->kind == 'f') {
			d = fs_with(l, root->disk, it->old, it->new);
			if (d && add_rule(rules, sizeof rules, &len, d->name, "uuid", it->old) == 0)
				n++;
		} else if (it->kind == 'p') {
			for (j = 0; j < l->n && !d; j++)
				if (!strcmp(l->dev[j].disk, root->disk) && l->dev[j].partn == it->partn)
					d = &l->dev[j];
			if (d && add_rule(rules, sizeof rules, &len, d->name, "partuuid", it->old) == 0)
				n++;
		}
	}
	if (!n)
		return 0;
	return install_rules(rules, len) < 0 ? -1 : n;
}

/* see boot.h */
int
rs_udev_alias_spec(const char *spec, const rs_bdev *b)
{
	static const struct { const char *prefix, *what; } forms[] = {
		{ "UUID=", "uuid" }, { "/dev/disk/by-uuid/", "uuid" },
		{ "PARTUUID=", "partuuid" }, { "/dev/disk/by-partuuid/", "partuuid" },
	};
	char rules[2 * RULE_MAX];
	size_t len, f;

	for (f = 0; f < sizeof forms / sizeof forms[0]; f++) {
		size_t pl = strlen(forms[f].prefix);
		if (strncmp(spec, forms[f].prefix, pl) || !spec[pl] || strchr(spec + pl, '"') ||
		    strlen(spec + pl) > 64)
			continue;
		len = (size_t)snprintf(rules, sizeof rules,
		    "# reseal initrd: %s after an interrupted reseal, for this boot only\n", spec);
		if (add_rule(rules, sizeof rules, &len, b->name, forms[f].what, spec + pl) < 0)
			return -ENOSPC;
		return install_rules(rules, len);
	}
	return -EINVAL;   /* LABEL=, a node: no link to give back */
}

/* see boot.h */
void
rs_udev_settle(const rs_bdevs *l, const char *disk)
{
	const char *trigger[13] = { "trigger", "--action=change" };
	int i, n = 2;

	for (i = 0; i < l->n && n < 13; i++)
		if (!strcmp(l->dev[i].disk, disk))
			trigger[n++] = l->dev[i].path;
	if (n == 2)
		return;
	/* Change events re-run the rules (the alias included) and re-probe
	 * the new identifiers; settle so the host sees the links when this
	 * returns.  Never settle while holding the disk's lock: udevd would
	 * wait for it until the timeout. */
	if (udevadm(trigger, n) >= 0)
		udevadm((const char *const[]){ "settle", "--timeout=60" }, 2);
}
