/* rng.h: the only source of secret bytes in reseal.
 *
 * rs_rng_init() waits for the kernel CRNG with getrandom() (GRND_NONBLOCK
 * first; on EAGAIN it logs "waiting for the kernel random number generator",
 * blocks, repeats "still waiting for the kernel CRNG (N s)" every
 * RS_RNG_WAIT_MESSAGE_MS and logs the wait's length once it is over; never
 * GRND_INSECURE; never BearSSL's system seeder), seeds a
 * BearSSL HMAC-DRBG over SHA-512 with 64 bytes, then mixes in non-secret
 * per-clone inputs (boot_id, clocks, pid, DMI product UUID, CPU RNG) that only
 * make clones diverge (docs/keys.md §7.4).  The seed buffer is
 * wiped before return. */
#ifndef RS_RNG_H
#define RS_RNG_H

#include <stddef.h>
#include <sys/types.h>
/* bearssl.h, not bearssl_rand.h: Debian keeps the per-module headers in
 * /usr/include/bearssl/, and only bearssl.h is on the test build's path. */
#include <bearssl.h>

typedef struct {
	br_hmac_drbg_context drbg;
	int ready;               /* 1 after a successful rs_rng_init() */
} rs_rng;

#ifndef RS_RNG_WAIT_MESSAGE_MS
#define RS_RNG_WAIT_MESSAGE_MS 2000   /* "still waiting" interval while the CRNG is not ready */
#endif

/* getrandom(2)'s shape: rs_rng_wait_kernel's source of bytes. */
typedef ssize_t (*rs_getrandom_fn)(void *buf, size_t len, unsigned flags);

/* Fill buf with len bytes from the kernel CRNG, waiting until it is
 * initialized (the wait as described above, a message every period_ms).
 * get: NULL for getrandom(2); tests pass a stand-in.  period_ms: 0 for
 * RS_RNG_WAIT_MESSAGE_MS.  While waiting it forks a child that blocks in
 * get(1 byte, flags 0) and reaps it before returning.  Returns 0 or -errno
 * (-EAGAIN if even a blocking get says EAGAIN). */
int rs_rng_wait_kernel(unsigned char *buf, size_t len, rs_getrandom_fn get, unsigned period_ms);

/* Seed rng from the kernel.  Returns 0, or -errno (no bytes may be drawn). */
int rs_rng_init(rs_rng *rng);

/* Fill out with len DRBG bytes.  rng must be ready. */
void rs_rng_bytes(rs_rng *rng, void *out, size_t len);

/* The BearSSL PRNG vtable, for br_ec_keygen / br_rsa_*_keygen. */
static inline const br_prng_class **
rs_rng_prng(rs_rng *rng)
{
	return &rng->drbg.vtable;
}

/* Wipe the whole DRBG state. */
void rs_rng_wipe(rs_rng *rng);

/* Overwrite len bytes at p in a way the compiler may not elide. */
void rs_wipe(void *p, size_t len);

#endif
