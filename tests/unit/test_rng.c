/* test_rng.c: rs_rng seeding, drawing and wiping. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "io.h"
#include "rng.h"
#include "test.h"

#if defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#define HAVE_SECCOMP_TEST 1
#endif

void test_rng(void);

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned char acc = 0;

	while (n--)
		acc |= *b++;
	return acc == 0;
}

#ifdef HAVE_SECCOMP_TEST
#define WAIT_MSG "waiting for the kernel random number generator"

struct child_result {
	int r;                   /* rs_rng_init() */
	int ready;
	int logged;              /* WAIT_MSG was logged */
	int nonzero;             /* a draw was not all zeros */
};

/* Run rs_rng_init() in a child in which getrandom() fails with err: every
 * call (nonblock_only 0) or only those with GRND_NONBLOCK.  The kernel's
 * answers are what rng.c must handle, and seccomp can fake each of them.
 * Returns 0 and fills *res, or -1 if seccomp is not available here. */
static int
init_with_getrandom_failing(int err, int nonblock_only, struct child_result *res)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getrandom, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* flags: the low half of args[2] (x86_64 is little-endian) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, GRND_NONBLOCK, 0, nonblock_only ? 1 : 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof f / sizeof f[0], f };
	int p[2], status;
	pid_t pid;

	memset(res, 0, sizeof *res);
	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct child_result c = { 0, 0, 0, 0 };
		unsigned char buf[32] = { 0 };
		char log[512] = "";
		FILE *tmp = tmpfile();
		rs_rng rng;
		ssize_t n;

		close(p[0]);
		alarm(10);           /* a retry loop that never ends fails, not hangs */
		if (!tmp || dup2(fileno(tmp), 2) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(2);
		c.r = rs_rng_init(&rng);
		c.ready = rng.ready;
		if (c.r == 0) {
			rs_rng_bytes(&rng, buf, sizeof buf);
			for (n = 0; n < (ssize_t)sizeof buf; n++)
				c.nonzero |= buf[n];
		}
		n = pread(2, log, sizeof log - 1, 0);
		c.logged = n > 0 && strstr(log, WAIT_MSG) != NULL;
		_exit(write(p[1], &c, sizeof c) == (ssize_t)sizeof c ? 0 : 3);
	}
	close(p[1]);
	if (read(p[0], res, sizeof *res) != (ssize_t)sizeof *res)
		memset(res, 0, sizeof *res);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 2 ? -1 : 0;
}

static void
test_kernel_answers(void)
{
	struct child_result c;

	if (init_with_getrandom_failing(EAGAIN, 1, &c) < 0) {
		printf("skip %s: getrandom failure paths (no seccomp here)\n", rs_test_suite);
		return;
	}
	CHECK("EAGAIN from GRND_NONBLOCK: logs the wait and blocks instead",
	    c.r == 0 && c.ready && c.logged && c.nonzero);
	CHECK("ENOSYS: falls back to /dev/random then /dev/urandom",
	    init_with_getrandom_failing(ENOSYS, 0, &c) == 0 &&
	    c.r == 0 && c.ready && c.nonzero && !c.logged);
	CHECK("any other getrandom error is returned and the rng is not ready",
	    init_with_getrandom_failing(EIO, 0, &c) == 0 &&
	    c.r == -EIO && !c.ready);
	CHECK("EAGAIN on every call is an error, not a busy loop",
	    init_with_getrandom_failing(EAGAIN, 0, &c) == 0 &&
	    c.r == -EAGAIN && !c.ready && c.logged);
}
#endif

/* A kernel whose CRNG is ready at slow_ready_at (CLOCK_MONOTONIC ms):
 * before that GRND_NONBLOCK says EAGAIN and a blocking call sleeps until
 * then, as getrandom(2) does.  An absolute time, so the child that
 * rs_rng_wait_kernel forks sees the same kernel. */
static int64_t slow_ready_at;
static int slow_blocking_calls;

static ssize_t
slow_kernel(void *buf, size_t len, unsigned flags)
{
	int64_t now = rs_monotonic_ms();

	if (now < slow_ready_at) {
		if (flags & GRND_NONBLOCK) {
			errno = EAGAIN;
			return -1;
		}
		slow_blocking_calls++;
		poll(NULL, 0, (int)(slow_ready_at - now));
	}
	return getrandom(buf, len, GRND_NONBLOCK);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* rs_rng_wait_kernel with slow_kernel ready after wait_ms, messages every
 * period_ms; its log (stderr) into log.  Returns its result. */
static int
wait_slow(long wait_ms, unsigned period_ms, unsigned char *buf, size_t len, char *log, size_t cap)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), r;
	ssize_t n;

	log[0] = 0;
	if (!tmp || saved < 0 || dup2(fileno(tmp), 2) < 0)
		return -1000;
	slow_ready_at = rs_monotonic_ms() + wait_ms;
	r = rs_rng_wait_kernel(buf, len, slow_kernel, period_ms);
	dup2(saved, 2);
	close(saved);
	n = pread(fileno(tmp), log, cap - 1, 0);
	log[n > 0 ? n : 0] = 0;
	fclose(tmp);
	return r;
}

/* The wait says so again and again (docs/keys.md §7.4), not just once. */
static void
test_wait_messages(void)
{
	static char log[8192];
	unsigned char buf[64];
	int r, n;

	memset(buf, 0, sizeof buf);
	slow_blocking_calls = 0;
	r = wait_slow(1250, 200, buf, sizeof buf, log, sizeof log);
	n = count(log, "reseal: info: still waiting for the kernel CRNG (");
	CHECK("a slow CRNG: the seed is drawn once it is ready", r == 0 && !all_zero(buf, sizeof buf));
	CHECK("a slow CRNG: \"waiting for the kernel random number generator\" once",
	    count(log, "waiting for the kernel random number generator") == 1);
	CHECK("a slow CRNG: \"still waiting\" repeats every period (1.25 s / 0.2 s: 4 to 7 times)",
	    n >= 4 && n <= 7);
	CHECK("a slow CRNG: \"still waiting\" counts the seconds and says how to give entropy",
	    strstr(log, "still waiting for the kernel CRNG (1 s): give the VM a virtio-rng device, "
	        "or boot with random.trust_cpu=on") != NULL);
	CHECK("a slow CRNG: the wait's length is logged once, when it is over",
	    count(log, "the kernel CRNG is ready after 1.") == 1 &&
	    count(log, "the kernel CRNG is ready after") == 1);
	CHECK("a slow CRNG: the blocking call runs in a child, not here", slow_blocking_calls == 0);

	memset(buf, 0, sizeof buf);
	r = wait_slow(0, 200, buf, sizeof buf, log, sizeof log);
	CHECK("a ready CRNG: no wait, nothing logged", r == 0 && log[0] == 0 && !all_zero(buf, sizeof buf));
	if (r != 0 || log[0])
		printf("  log: %s\n", log);
}

void
test_rng(void)
{
	rs_rng a, b;
	unsigned char x[64], y[64], z[64];
	int ra, rb;

	memset(&a, 0xA5, sizeof a);
	ra = rs_rng_init(&a);
	CHECK("init succeeds and marks the rng ready", ra == 0 && a.ready == 1);
	if (ra != 0)
		return;              /* drawing from an unseeded rng traps */

	rs_rng_bytes(&a, x, sizeof x);
	rs_rng_bytes(&a, y, sizeof y);
	CHECK("two draws from one rng differ", memcmp(x, y, sizeof x) != 0);
	CHECK("a draw is not all zeros", !all_zero(x, sizeof x));

	rb = rs_rng_init(&b);
	CHECK("a second rng initializes", rb == 0);
	if (rb == 0) {
		rs_rng_bytes(&b, z, sizeof z);
		CHECK("two rngs give different bytes", memcmp(x, z, sizeof x) != 0 &&
		    memcmp(y, z, sizeof y) != 0);
		rs_rng_wipe(&b);
	}

	memset(x, 0x5A, sizeof x);
	rs_rng_bytes(&a, x, 0);
	CHECK("a zero-length draw writes nothing", x[0] == 0x5A && x[63] == 0x5A);

	rs_rng_wipe(&a);
	CHECK("wipe clears the whole state", all_zero(&a, sizeof a));
	CHECK("wipe leaves the rng not ready", a.ready == 0);

	memset(x, 0xFF, sizeof x);
	rs_wipe(x, 17);
	rs_wipe(NULL, 0);        /* allowed; UBSan would flag memset(NULL) */
	CHECK("rs_wipe zeroes exactly the bytes asked for",
	    all_zero(x, 17) && x[17] == 0xFF && x[63] == 0xFF);

	test_wait_messages();
#ifdef HAVE_SECCOMP_TEST
	test_kernel_answers();
#endif
}
