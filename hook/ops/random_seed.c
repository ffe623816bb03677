/* random_seed.c: saved random seeds (docs/operations.md §4).
 *
 * Every clone of a template shares its saved seed.  systemd's seed gets
 * fresh bytes from our DRBG (drawn after the kernel CRNG was ready), never
 * with the "creditable" xattr; the sysvinit seeds and the ESP seed are
 * removed, as systemd's BUILDING_IMAGES reset list says. */
#include <errno.h>
#include <sys/stat.h>

#include "log.h"
#include "ops.h"
#include "rng.h"

#define SYSTEMD_SEED      "/var/lib/systemd/random-seed"
#define SYSTEMD_SEED_SIZE 512   /* what systemd-random-seed writes by default */

static const char *const other_seeds[] = {
	"/var/lib/random-seed",
	"/var/lib/urandom/random-seed",
	"/boot/efi/loader/random-seed",   /* systemd-boot, ESP at /boot/efi */
	"/efi/loader/random-seed",
	"/boot/loader/random-seed",
};

static int
remove_others(rs_ctx *ctx)
{
	size_t i;
	int r, err = 0;

	for (i = 0; i < sizeof other_seeds / sizeof other_seeds[0]; i++) {
		r = rs_do_remove(ctx, other_seeds[i], 0);
		if (r < 0 && !err)
			err = r;
	}
	return err;
}

/* see ops.h */
int
rs_op_random_seed_run(rs_ctx *ctx)
{
	unsigned char seed[SYSTEMD_SEED_SIZE];
	struct stat st;
	rs_rng *rng;
	int r, err;

	err = remove_others(ctx);
	/* Only where systemd keeps its state: do not invent a systemd layout. */
	if (rs_root_stat(&ctx->root, "/var/lib/systemd", &st) < 0 || !S_ISDIR(st.st_mode))
		return err;
	if (ctx->dry_run)
		return rs_do_write(ctx, SYSTEMD_SEED, "", 0, 0600, 0, 0, 0, "fresh random seed");
	rng = rs_do_rng(ctx);
	if (!rng)
		return -EIO;
	rs_rng_bytes(rng, seed, sizeof seed);
	r = rs_do_write(ctx, SYSTEMD_SEED, seed, sizeof seed, 0600, 0, 0, 0, "fresh random seed");
	rs_wipe(seed, sizeof seed);
	return r ? r : err;
}

/* see ops.h */
int
rs_op_random_seed_seal(rs_ctx *ctx)
{
	int r = remove_others(ctx);
	int s = rs_do_remove(ctx, SYSTEMD_SEED, 0);

	return r ? r : s;
}
