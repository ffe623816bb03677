/* modules.c: load the kernel modules the initramfs lists (docs/boot.md
 * §5).  The image builder resolves dependencies from modules.dep
 * and decompresses, so loading is a plain finit_module per line. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boot.h"
#include "io.h"
#include "log.h"

/* musl declares no finit_module (docs/boot.md §5). */
static int
finit_module_fd(int fd)
{
	return syscall(SYS_finit_module, fd, "", 0) < 0 ? -errno : 0;
}

/* see boot.h */
int
rs_modules_load(void)
{
	static char list[16384];
	size_t n, pos = 0;
	int rc, failed = 0, loaded = 0;

	rc = rs_read_file(RS_MODLIST, list, sizeof list, &n);
	if (rc == -ENOENT)
		return 0;   /* an initramfs without modules: everything is built in */
	if (rc == -EFBIG) {
		rs_warn("%s is longer than %zu bytes; the rest is ignored", RS_MODLIST, n);
	} else if (rc < 0) {
		rs_warn("unable to read %s: %s", RS_MODLIST, rs_strerr(rc));
		return 1;
	}
	while (pos < n) {
		char *line = list + pos, *end = strchr(line, '\n');
		int r, mfd;

		if (end)
			*end = 0;
		pos += strlen(line) + 1;
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		mfd = open(line, O_RDONLY | O_CLOEXEC);
		if (mfd < 0) {
			rs_warn("unable to open module %s: %s", line, rs_strerr(errno));
			failed++;
			continue;
		}
		r = finit_module_fd(mfd);
		close(mfd);
		if (r == -EEXIST) {
			continue;   /* built in, or already loaded */
		} else if (r < 0) {
			rs_warn("unable to load module %s: %s", line, rs_strerr(r));
			failed++;
		} else {
			loaded++;
		}
	}
	rs_debug("%d module%s loaded, %d failed", loaded, loaded == 1 ? "" : "s", failed);
	return failed;
}
