/* test_io.c: the I/O layer (hook/io.c), the exit-code map (hook/exit.c)
 * and write plans (hook/blk/apply.c), on pipes and scratch files in /tmp. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blk.h"
#include "cmds.h"
#include "io.h"
#include "log.h"
#include "test.h"

static char scratch[] = "/tmp/reseal-io-XXXXXX";

/* A pipe whose writer (a child) sends n bytes of pattern in pieces of
 * piece bytes, pausing pause microseconds before each so that the reader
 * sees short reads, then closes.  Returns the read end; *pid the child. */
static int
slow_pipe(size_t n, size_t piece, unsigned pause, pid_t *pid)
{
	int fds[2];

	if (pipe(fds) < 0)
		return -1;
	*pid = fork();
	if (*pid == 0) {
		unsigned char b[256];
		size_t i, k;

		close(fds[0]);
		for (i = 0; i < n; i += k) {
			k = n - i < piece ? n - i : piece;
			for (size_t j = 0; j < k; j++)
				b[j] = (unsigned char)(i + j);
			usleep(pause);
			if (write(fds[1], b, k) != (ssize_t)k)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static int
is_pattern(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != (unsigned char)i)
			return 0;
	return 1;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

static void
test_loops(void)
{
	unsigned char buf[1000];
	struct sigaction sa;
	pid_t pid;
	int fd, r;

	fd = slow_pipe(1000, 100, 2000, &pid);
	r = rs_read_full(fd, buf, 1000);
	close(fd);
	waitpid(pid, NULL, 0);
	CHECK("read_full collects short reads from a pipe", r == 0 && is_pattern(buf, 1000));

	fd = slow_pipe(300, 100, 2000, &pid);
	r = rs_read_full(fd, buf, 1000);
	close(fd);
	waitpid(pid, NULL, 0);
	CHECK("read_full: -EIO when the data ends early", r == -EIO && is_pattern(buf, 300));

	/* A signal without SA_RESTART interrupts the read blocked on the
	 * writer's first pause (EINTR). */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	fd = slow_pipe(200, 100, 50000, &pid);
	ualarm(10000, 0);
	r = rs_read_full(fd, buf, 200);
	close(fd);
	waitpid(pid, NULL, 0);
	signal(SIGALRM, SIG_DFL);
	CHECK("read_full retries EINTR", r == 0 && is_pattern(buf, 200));
}

static void
test_files(void)
{
	char path[64], buf[16];
	unsigned char b[8];
	size_t n = 99;
	int fd, r;

	snprintf(path, sizeof path, "%s/f", scratch);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK("write_full writes everything", rs_write_full(fd, "0123456789", 10) == 0);
	CHECK("pwrite_full at an offset", rs_pwrite_full(fd, "ab", 2, 4) == 0);
	CHECK("pread_full reads at an offset, leaving the position alone",
	    rs_pread_full(fd, b, 4, 3) == 0 && !memcmp(b, "3ab6", 4) &&
	    lseek(fd, 0, SEEK_CUR) == 10);
	CHECK("pread_full past the end: -EIO", rs_pread_full(fd, b, 4, 8) == -EIO);
	lseek(fd, 0, SEEK_SET);
	CHECK("read_upto: a file of exactly cap bytes fits",
	    rs_read_upto(fd, buf, 10, &n) == 0 && n == 10 && !memcmp(buf, "0123ab6789", 10));
	lseek(fd, 0, SEEK_SET);
	r = rs_read_upto(fd, buf, 9, &n);
	CHECK("read_upto: one byte more is -EFBIG, with the first cap bytes",
	    r == -EFBIG && n == 9 && !memcmp(buf, "0123ab678", 9));
	lseek(fd, 0, SEEK_SET);
	CHECK("read_upto: a shorter file", rs_read_upto(fd, buf, 16, &n) == 0 && n == 10);
	close(fd);

	CHECK("read_file: the file as a string",
	    rs_read_file(path, buf, 11, &n) == 0 && n == 10 && !strcmp(buf, "0123ab6789"));
	r = rs_read_file(path, buf, 10, &n);
	CHECK("read_file: longer than cap - 1 is -EFBIG with the prefix as a string",
	    r == -EFBIG && n == 9 && !strcmp(buf, "0123ab678"));
	snprintf(path, sizeof path, "%s/missing", scratch);
	r = rs_read_file(path, buf, sizeof buf, &n);
	CHECK("read_file: a missing file is -ENOENT, buf empty", r == -ENOENT && !buf[0] && !n);
	CHECK("read_file: len may be NULL", rs_read_file("/proc/self/stat", buf, sizeof buf, NULL) ==
	    -EFBIG && strlen(buf) == sizeof buf - 1);
}

static void
test_exit_codes(void)
{
	CHECK("exit code: success is 0", rs_exit_code(0) == RS_EXIT_OK);
	CHECK("exit code: refusals are 100",
	    rs_exit_code(-EINVAL) == 100 && rs_exit_code(-ENOENT) == 100 &&
	    rs_exit_code(-ENOTDIR) == 100 && rs_exit_code(-ENOTBLK) == 100 &&
	    rs_exit_code(-EBUSY) == 100 && rs_exit_code(-ECANCELED) == 100 &&
	    rs_exit_code(-EUCLEAN) == 100 && rs_exit_code(-EEXIST) == 100 &&
	    rs_exit_code(-EFBIG) == 100 && rs_exit_code(-EISDIR) == 100);
	CHECK("exit code: system failures are 111",
	    rs_exit_code(-EIO) == 111 && rs_exit_code(-EACCES) == 111 &&
	    rs_exit_code(-ENOMEM) == 111 && rs_exit_code(-ENOSPC) == 111);
}

/* A 64 KiB image of zeros. */
static int
image(const char *path, rs_blkdev *d)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, 65536) < 0)
		return -1;
	close(fd);
	return rs_blk_open(d, path, 1);
}

static void
test_plans(void)
{
	unsigned char big[20000], back[20000];
	char path[64];
	rs_blk_plan p = { 0 };
	rs_blkdev d;
	size_t i;
	long at;

	snprintf(path, sizeof path, "%s/img", scratch);
	if (image(path, &d) < 0) {
		CHECK("scratch image", 0);
		return;
	}
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7);
	rs_blk_plan_add(&p, 100, "abcd", 4);
	rs_blk_plan_sync(&p);
	rs_blk_plan_add(&p, 30000, big, sizeof big);   /* longer than the read-back chunk */
	at = rs_blk_plan_keep(&p, "XY", 2);
	rs_blk_plan_write(&p, 10, at, 2);
	rs_blk_plan_write(&p, 20, at, 2);              /* the same kept bytes twice */
	CHECK("plan: writes and flush point recorded",
	    p.n == 4 && p.w[0].sync && !p.w[1].sync && !p.err);
	CHECK("apply: 0, then every byte where planned",
	    rs_blk_apply(&d, &p, 0, "test") == 0 && d.bytes_written == 4 + sizeof big + 4 &&
	    rs_blk_read(&d, back, 4, 100) == 0 && !memcmp(back, "abcd", 4) &&
	    rs_blk_read(&d, back, sizeof big, 30000) == 0 && !memcmp(back, big, sizeof big) &&
	    rs_blk_read(&d, back, 12, 10) == 0 && !memcmp(back, "XY\0\0\0\0\0\0\0\0XY", 12));
	CHECK("apply frees the plan", !p.w && !p.bytes && !p.n);

	d.bytes_written = 0;
	rs_blk_plan_add(&p, 0, "zz", 2);
	CHECK("apply: a failed plan half is returned, nothing written",
	    rs_blk_apply(&d, &p, -ECANCELED, "test") == -ECANCELED && !d.bytes_written && !p.w);
	rs_blk_plan_write(&p, 0, 5, 2);                /* nothing kept at 5 */
	CHECK("plan: a write of bytes never kept is -EINVAL, nothing written",
	    p.err == -EINVAL && rs_blk_apply(&d, &p, 0, "test") == -EINVAL && !d.bytes_written);
	CHECK("apply: an empty plan writes nothing", rs_blk_apply(&d, &p, 0, "test") == 0 &&
	    !d.bytes_written);
	/* Overlapping writes break the contract; the read-back catches it. */
	rs_blk_plan_add(&p, 200, "1111", 4);
	rs_blk_plan_add(&p, 202, "22", 2);
	CHECK("apply: a write that does not read back as written is -EIO",
	    rs_blk_apply(&d, &p, 0, "test") == -EIO);
	rs_blk_plan_add(&p, 65535, "zz", 2);
	CHECK("apply: a write past the end fails (-ENOSPC)", rs_blk_apply(&d, &p, 0, "test") == -ENOSPC);
	rs_blk_close(&d);
}

void
test_io(void)
{
	char cmd[64];

	/* The mount of a corrupt filesystem fails with EUCLEAN, which musl
	 * has no text for: the boot's message must still say what it is. */
	CHECK("rs_strerr names EUCLEAN", strstr(rs_strerr(-EUCLEAN), "Structure needs cleaning") != NULL);
	CHECK("rs_strerr takes errno and -errno alike", !strcmp(rs_strerr(ENOENT), rs_strerr(-ENOENT)) &&
	    !strcmp(rs_strerr(-ENOENT), strerror(ENOENT)));

	if (!mkdtemp(scratch)) {
		CHECK("scratch directory", 0);
		return;
	}
	test_loops();
	test_files();
	test_exit_codes();
	test_plans();
	snprintf(cmd, sizeof cmd, "rm -rf %s", scratch);
	if (system(cmd) != 0)
		CHECK("scratch directory removed", 0);
}
