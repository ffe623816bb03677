/* rng.c: see rng.h.  Seed procedure: docs/keys.md §7.4. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "io.h"
#include "log.h"
#include "rng.h"

#define RS_RNG_SEED_LEN   64   /* bytes from the kernel CRNG */
#define RS_RNG_FILE_MAX   64   /* boot_id, product_uuid, a MAC: all shorter */

/* see rng.h */
void
rs_wipe(void *p, size_t len)
{
	if (!len)
		return;          /* p may be NULL then, which memset does not allow */
	memset(p, 0, len);
	/* The empty asm "reads" p and clobbers memory, so the compiler must
	 * assume the zeros are observed and cannot drop the memset as a dead
	 * store (the same trick as the kernel's memzero_explicit). */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static void
log_still_waiting(int64_t t0)
{
	rs_info("still waiting for the kernel CRNG (%ld s): give the VM a virtio-rng device, "
	    "or boot with random.trust_cpu=on (CPUs with RDRAND)", (long)((rs_monotonic_ms() - t0) / 1000));
}

/* Kernels older than 3.17 have no getrandom().  /dev/random becomes readable
 * (POLLIN) once the pool is initialized; only then is /dev/urandom safe. */
static int
random_wait_legacy(unsigned char *buf, size_t len, unsigned period_ms)
{
	struct pollfd pfd;
	int64_t t0 = rs_monotonic_ms();
	int fd, r;

	fd = open("/dev/random", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)period_ms);
		if (r > 0)
			break;
		if (r == 0)
			log_still_waiting(t0);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			close(fd);
			return r;
		}
	}
	close(fd);

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = rs_read_full(fd, buf, len);
	close(fd);
	return r;
}

/* Wait for the CRNG while saying so every period_ms (docs/keys.md §7.4).
 * The waiting is a blocking get() in a child: a blocking getrandom() is
 * what makes the kernel gather entropy itself (timer jitter), and a signal
 * to interrupt it every period would restart that work.  The child reads
 * one byte it throws away; the seed is drawn afterwards, here.  Returns
 * once the child's call returned (or at once if there is no child), with
 * the child reaped. */
static void
wait_logging(rs_getrandom_fn get, unsigned period_ms, int64_t t0)
{
	struct pollfd pfd;
	int p[2], st, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;              /* the caller blocks itself, without messages */
	}
	if (pid == 0) {
		unsigned char c;

		close(p[0]);
		while (get(&c, 1, 0) < 0 && errno == EINTR)
			;
		_exit(0);            /* its end of the pipe closes: POLLHUP */
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)period_ms);
		if (r > 0 || (r < 0 && errno != EINTR))
			break;
		if (r == 0)
			log_still_waiting(t0);
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static ssize_t
sys_getrandom(void *buf, size_t len, unsigned flags)
{
	return getrandom(buf, len, flags);
}

/* see rng.h.  Never GRND_INSECURE: first-boot keys drawn from an
 * uninitialized pool are the failure this whole stage exists to avoid. */
int
rs_rng_wait_kernel(unsigned char *buf, size_t len, rs_getrandom_fn get, unsigned period_ms)
{
	size_t off = 0;
	unsigned flags = GRND_NONBLOCK;
	int64_t t0 = -1, ms;

	if (!get)
		get = sys_getrandom;
	if (!period_ms)
		period_ms = RS_RNG_WAIT_MESSAGE_MS;
	while (off < len) {
		ssize_t r = get(buf + off, len - off, flags);
		if (r >= 0) {
			off += (size_t)r;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN && flags == GRND_NONBLOCK && t0 < 0) {
			rs_info("waiting for the kernel random number generator");
			t0 = rs_monotonic_ms();
			wait_logging(get, period_ms, t0);
			/* GRND_NONBLOCK again: ready now, unless the child failed. */
		} else if (errno == EAGAIN && flags == GRND_NONBLOCK) {
			flags = 0;       /* block here; a failure is then the kernel's answer */
		} else if (errno == ENOSYS) {
			r = random_wait_legacy(buf + off, len - off, period_ms);
			if (r < 0)
				return (int)r;
			break;
		} else {
			return -errno;
		}
	}
	if (t0 >= 0) {
		ms = rs_monotonic_ms() - t0;
		rs_info("the kernel CRNG is ready after %ld.%ld s", (long)(ms / 1000), (long)(ms % 1000 / 100));
	}
	return 0;
}

/* The CPU's RNG, where there is one.  Only this part is per-architecture;
 * elsewhere it contributes nothing.  Its output is mixed in, never trusted
 * alone: the kernel seed is what makes the keys secret. */
#if defined(__x86_64__)

static int
cpu_has_rdrand(void)
{
	unsigned a = 1, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	(void)b;
	(void)d;
	return (c >> 30) & 1;    /* CPUID.1:ECX.RDRAND[bit 30] */
}

static int
rdrand32(uint32_t *out)
{
	uint32_t v;
	unsigned char ok;

	__asm__ __volatile__("rdrand %0\n\tsetc %1" : "=r"(v), "=qm"(ok) : : "cc");
	*out = v;
	return ok;
}

/* Up to 32 bytes of RDRAND output.  Words of all zeros or all ones are
 * dropped: some AMD CPUs return 0xFFFFFFFF with CF set after a suspend
 * (kernel bugzilla 85911), and BearSSL 0.6 does not reject them. */
static size_t
cpu_rng(unsigned char *buf, size_t cap)
{
	size_t n = 0;
	int tries = 80;          /* 8 words, up to 10 attempts each */

	if (!cpu_has_rdrand())
		return 0;
	while (n + 4 <= cap && tries-- > 0) {
		uint32_t v;
		if (!rdrand32(&v) || v == 0 || v == 0xFFFFFFFFu)
			continue;
		memcpy(buf + n, &v, 4);
		n += 4;
	}
	return n;
}

#else

static size_t
cpu_rng(unsigned char *buf, size_t cap)
{
	(void)buf;
	(void)cap;
	return 0;
}

#endif

/* Mix up to RS_RNG_FILE_MAX bytes of a small file, if it is readable. */
static void
mix_file(rs_rng *rng, const char *path)
{
	char buf[RS_RNG_FILE_MAX + 1];   /* + rs_read_file's NUL */
	size_t n;

	/* A longer file (-EFBIG) still gives its first RS_RNG_FILE_MAX bytes. */
	(void)rs_read_file(path, buf, sizeof buf, &n);
	if (n)
		br_hmac_drbg_update(&rng->drbg, buf, n);
}

/* Every interface's MAC address (where sysfs is mounted). */
static void
mix_macs(rs_rng *rng)
{
	char path[300];
	struct dirent *de;
	DIR *d;

	d = opendir("/sys/class/net");
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (strlen(de->d_name) > sizeof path - 32)
			continue;
		strcpy(path, "/sys/class/net/");
		strcat(path, de->d_name);
		strcat(path, "/address");
		mix_file(rng, path);
	}
	closedir(d);
}

static void
mix_clock(rs_rng *rng, clockid_t id)
{
	struct timespec ts;
	uint64_t ns;

	if (clock_gettime(id, &ts) != 0)
		return;
	ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	br_hmac_drbg_update(&rng->drbg, &ns, sizeof ns);
}

/* see rng.h */
int
rs_rng_init(rs_rng *rng)
{
	unsigned char seed[RS_RNG_SEED_LEN];
	unsigned char cpu[32];
	size_t n;
	pid_t pid;
	int r;

	rs_wipe(rng, sizeof *rng);          /* ready = 0 until the end */
	r = rs_rng_wait_kernel(seed, sizeof seed, NULL, RS_RNG_WAIT_MESSAGE_MS);
	if (r < 0) {
		rs_wipe(seed, sizeof seed);
		return r;
	}
	br_hmac_drbg_init(&rng->drbg, &br_sha512_vtable, seed, sizeof seed);
	rs_wipe(seed, sizeof seed);

	/* The rest is not secret.  It only makes clones of one image, booted
	 * from the same snapshot, diverge even if their kernels did not. */
	n = cpu_rng(cpu, sizeof cpu);
	if (n)
		br_hmac_drbg_update(&rng->drbg, cpu, n);
	rs_wipe(cpu, sizeof cpu);
	mix_file(rng, "/proc/sys/kernel/random/boot_id");
	mix_clock(rng, CLOCK_REALTIME);
	mix_clock(rng, CLOCK_MONOTONIC);
	mix_clock(rng, CLOCK_BOOTTIME);
	pid = getpid();
	br_hmac_drbg_update(&rng->drbg, &pid, sizeof pid);
	mix_file(rng, "/sys/class/dmi/id/product_uuid");
	mix_macs(rng);

	rng->ready = 1;
	return 0;
}

/* see rng.h */
void
rs_rng_bytes(rs_rng *rng, void *out, size_t len)
{
	/* A DRBG that was never seeded (or was wiped) would hand out
	 * predictable bytes, or crash on its zeroed vtable; stop here. */
	if (!rng->ready)
		__builtin_trap();
	br_hmac_drbg_generate(&rng->drbg, out, len);
}

/* see rng.h */
void
rs_rng_wipe(rs_rng *rng)
{
	rs_wipe(rng, sizeof *rng);
}
