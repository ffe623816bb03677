/* ed25519.c: Ed25519 public keys from seeds (RFC 8032 section 5.1.5).
 *
 * Field: GF(p), p = 2^255 - 19, as five 64-bit limbs in radix 2^51,
 * value = sum v[i] * 2^(51 i).  Products are 128 bits wide (u128 below) and
 * fold 2^255 back in as 19.
 *
 * Limb bounds (each function relies on them; nothing checks at run time):
 *   "reduced"   every limb < 2^51 + 2^13: what fe_mul, fe_sq and fe_sub
 *               return, and what the table holds (canonical limbs);
 *   fe_add      adds limbs without carrying: reduced + reduced < 2^52 + 2^14,
 *               and one more reduced term stays below 2^53;
 *   fe_mul/sq   accept limbs < 2^53: the 19x multiples stay below 2^58, every
 *               column sum below 2^113 and the final carry times 19 below 2^62;
 *   fe_sub      computes a + 4p - b, so it takes any b with limbs < 2^53 - 76,
 *               and carries, so its result is reduced for a with limbs < 2^54.
 *
 * Curve: -x^2 + y^2 = 1 + d x^2 y^2 in extended coordinates (X:Y:Z:T) with
 * x = X/Z, y = Y/Z, xy = T/Z, using the Hisil-Wong-Carter-Dawson 2008
 * formulas as listed in the Explicit-Formulas Database ("dbl-2008-hwcd",
 * "madd-2008-hwcd-3" with k = 2d).  a = -1 is a square and d is not, so the
 * addition law is complete: the identity and doublings need no special case.
 *
 * [s]B: s is recoded into 64 signed radix-16 digits e[i] in [-8, 8], and
 *   s = sum_{j<8} 16^j * sum_{k<8} e[8k + j] * 2^(32 k).
 * A static table holds the affine points m * 2^(32 k) * B, m = 1..8, k = 0..7
 * (bench/ed25519/gen_table.c derives it from y = 4/5 with affine
 * arithmetic), so Horner's rule over j costs 28 doublings and 64 mixed
 * additions instead of the ~252 doublings of a table built per call.
 *
 * Constant time in the seed: every loop bound and table walk is fixed; a
 * digit picks its table entry by masked moves over all eight entries of a
 * row, and its sign by a masked swap/negation. */
#include <stdint.h>
#include <string.h>

/* br_sha512_*.  bearssl.h rather than bearssl_hash.h: Debian installs the
 * per-module headers under /usr/include/bearssl/, off the test build's path. */
#include <bearssl.h>

#include "ed25519.h"

/* For the few small helpers on the hot path that gcc -Os would otherwise
 * call out of line: the call costs about as much as the body. */
#if defined(__GNUC__)
#define HOT_INLINE inline __attribute__((always_inline))
#else
#define HOT_INLINE inline
#endif

/* 128-bit column sums.  Where the compiler has unsigned __int128 (64-bit
 * targets) they use it; elsewhere (armhf and other 32-bit targets), or when
 * ED25519_NO_INT128 is defined (the test build that exercises this path on
 * x86_64, Makefile), a pair of 64-bit halves: a 64x64->128 product from four
 * 32x32->64 ones and additions whose carries are computed with bit
 * operations, so that no branch and no data-dependent instruction depends on
 * a secret value.  Both give the same bits; only these five helpers differ. */
#if defined(__SIZEOF_INT128__) && !defined(ED25519_NO_INT128)
__extension__ typedef unsigned __int128 u128;

#define U128_MUL(a, b)  ((u128)(a) * (b))
#define U128_ADD(x, y)  ((x) + (y))
#define U128_ADD64(x, v) ((x) + (v))
#define U128_LO(x)      ((uint64_t)(x))
#define U128_SHR51(x)   ((uint64_t)((x) >> 51))
#else
typedef struct {
	uint64_t lo, hi;
} u128;

/* a b for a, b < 2^64: schoolbook on 32-bit halves.  The middle sum is at
 * most 3 (2^32 - 1) and fits; the high half cannot overflow since the
 * product is below 2^128. */
static HOT_INLINE u128
u128_mul(uint64_t a, uint64_t b)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	u128 r;

	r.lo = (mid << 32) | (uint32_t)p00;
	r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	return r;
}

/* x + y mod 2^128.  The carry out of the low halves is the top bit of
 * (x & y) | ((x | y) & ~sum): set when both top bits were set, or when one
 * was and the sum's is not.  A plain `sum < x` would do too, but may be
 * compiled into a branch. */
static HOT_INLINE u128
u128_add(u128 x, u128 y)
{
	u128 r;

	r.lo = x.lo + y.lo;
	r.hi = x.hi + y.hi + (((x.lo & y.lo) | ((x.lo | y.lo) & ~r.lo)) >> 63);
	return r;
}

static HOT_INLINE u128
u128_add64(u128 x, uint64_t v)
{
	u128 r;

	r.lo = x.lo + v;
	r.hi = x.hi + (((x.lo & v) | ((x.lo | v) & ~r.lo)) >> 63);
	return r;
}

#define U128_MUL(a, b)  u128_mul((a), (b))
#define U128_ADD(x, y)  u128_add((x), (y))
#define U128_ADD64(x, v) u128_add64((x), (v))
#define U128_LO(x)      ((x).lo)
#define U128_SHR51(x)   (((x).lo >> 51) | ((x).hi << 13))
#endif

typedef uint64_t fe[5];

/* A point in extended coordinates. */
typedef struct {
	fe X, Y, Z, T;
} ge;

/* An affine point as c[YPX] = y + x, c[YMX] = y - x, c[XY2D] = 2 d x y:
 * what a mixed addition consumes.  An array rather than three names so that
 * ge_select can walk the three elements with one loop. */
enum { YPX, YMX, XY2D };
typedef struct {
	fe c[3];
} ge_niels;

#define MASK51 (((uint64_t)1 << 51) - 1)

static const fe fe_zero = { 0 };

/* Scratch elements the point functions need.  The caller owns them so that
 * the secret intermediates are wiped along with everything else. */
#define FE_SCRATCH 5

/* Hide a mask's origin from the optimiser, so that it cannot turn masked
 * moves back into branches. */
static inline uint64_t
ct_barrier(uint64_t x)
{
#if defined(__GNUC__)
	__asm__("" : "+r"(x));
#endif
	return x;
}

/* All ones when a == b, else zero (a, b < 2^32). */
static inline uint64_t
ct_eq_mask(uint32_t a, uint32_t b)
{
	uint64_t v = (uint64_t)(a ^ b);

	return ct_barrier((uint64_t)0 - ((v - 1) >> 63));
}

/* memset through a volatile pointer: the compiler cannot prove the call
 * dead, so wiping a buffer that is never read again is kept.  Local rather
 * than rng.c's rs_wipe so that this file stands alone: the table generator
 * and bench/ed25519.sh build it without rng.c and its logging. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

static void
wipe(void *p, size_t len)
{
	wipe_memset(p, 0, len);
}

static HOT_INLINE void
fe_add(fe r, const fe a, const fe b)
{
	r[0] = a[0] + b[0];
	r[1] = a[1] + b[1];
	r[2] = a[2] + b[2];
	r[3] = a[3] + b[3];
	r[4] = a[4] + b[4];
}

/* One carry pass: limbs 1..4 end below 2^51, limb 0 below 2^51 + 19 * 2^13
 * for any input limbs < 2^64. */
static HOT_INLINE void
fe_carry(fe r)
{
	uint64_t c;

	c = r[0] >> 51; r[0] &= MASK51; r[1] += c;
	c = r[1] >> 51; r[1] &= MASK51; r[2] += c;
	c = r[2] >> 51; r[2] &= MASK51; r[3] += c;
	c = r[3] >> 51; r[3] &= MASK51; r[4] += c;
	c = r[4] >> 51; r[4] &= MASK51; r[0] += 19 * c;
}

/* r = a - b, as a + 4p - b so that no limb underflows. */
static void
fe_sub(fe r, const fe a, const fe b)
{
	r[0] = a[0] + 0x1FFFFFFFFFFFB4 - b[0];  /* 4 (2^51 - 19) */
	r[1] = a[1] + 0x1FFFFFFFFFFFFC - b[1];  /* 4 (2^51 - 1) */
	r[2] = a[2] + 0x1FFFFFFFFFFFFC - b[2];
	r[3] = a[3] + 0x1FFFFFFFFFFFFC - b[3];
	r[4] = a[4] + 0x1FFFFFFFFFFFFC - b[4];
	fe_carry(r);
}

/* Carry five column sums (< 2^113) into a reduced element. */
static HOT_INLINE void
fe_carry_wide(fe r, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4)
{
	uint64_t r0, r1, r2, r3, r4, c;

	t1 = U128_ADD64(t1, U128_SHR51(t0)); r0 = U128_LO(t0) & MASK51;
	t2 = U128_ADD64(t2, U128_SHR51(t1)); r1 = U128_LO(t1) & MASK51;
	t3 = U128_ADD64(t3, U128_SHR51(t2)); r2 = U128_LO(t2) & MASK51;
	t4 = U128_ADD64(t4, U128_SHR51(t3)); r3 = U128_LO(t3) & MASK51;
	c = U128_SHR51(t4);                  r4 = U128_LO(t4) & MASK51;
	r0 += 19 * c;
	r1 += r0 >> 51;
	r0 &= MASK51;
	r[0] = r0; r[1] = r1; r[2] = r2; r[3] = r3; r[4] = r4;
}

/* r = a b.  Column k collects a[i] b[j] with i + j = k, plus 19 a[i] b[j]
 * with i + j = k + 5, since 2^255 = 19 (mod p).  r may alias a or b. */
static void
fe_mul(fe r, const fe a, const fe b)
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4];
	uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4];
	uint64_t b1_19 = 19 * b1, b2_19 = 19 * b2, b3_19 = 19 * b3, b4_19 = 19 * b4;
	u128 t0, t1, t2, t3, t4;

	t0 = U128_MUL(a0, b0);
	t0 = U128_ADD(t0, U128_MUL(a1, b4_19));
	t0 = U128_ADD(t0, U128_MUL(a2, b3_19));
	t0 = U128_ADD(t0, U128_MUL(a3, b2_19));
	t0 = U128_ADD(t0, U128_MUL(a4, b1_19));
	t1 = U128_MUL(a0, b1);
	t1 = U128_ADD(t1, U128_MUL(a1, b0));
	t1 = U128_ADD(t1, U128_MUL(a2, b4_19));
	t1 = U128_ADD(t1, U128_MUL(a3, b3_19));
	t1 = U128_ADD(t1, U128_MUL(a4, b2_19));
	t2 = U128_MUL(a0, b2);
	t2 = U128_ADD(t2, U128_MUL(a1, b1));
	t2 = U128_ADD(t2, U128_MUL(a2, b0));
	t2 = U128_ADD(t2, U128_MUL(a3, b4_19));
	t2 = U128_ADD(t2, U128_MUL(a4, b3_19));
	t3 = U128_MUL(a0, b3);
	t3 = U128_ADD(t3, U128_MUL(a1, b2));
	t3 = U128_ADD(t3, U128_MUL(a2, b1));
	t3 = U128_ADD(t3, U128_MUL(a3, b0));
	t3 = U128_ADD(t3, U128_MUL(a4, b4_19));
	t4 = U128_MUL(a0, b4);
	t4 = U128_ADD(t4, U128_MUL(a1, b3));
	t4 = U128_ADD(t4, U128_MUL(a2, b2));
	t4 = U128_ADD(t4, U128_MUL(a3, b1));
	t4 = U128_ADD(t4, U128_MUL(a4, b0));
	fe_carry_wide(r, t0, t1, t2, t3, t4);
}

/* r = a^2: fe_mul with the symmetric products a[i] a[j], i != j, merged. */
static void
fe_sq(fe r, const fe a)
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4];
	uint64_t d0 = 2 * a0, d1 = 2 * a1, d2 = 2 * a2, d3 = 2 * a3;
	uint64_t a3_19 = 19 * a3, a4_19 = 19 * a4;
	u128 t0, t1, t2, t3, t4;

	t0 = U128_MUL(a0, a0);
	t0 = U128_ADD(t0, U128_MUL(d1, a4_19));
	t0 = U128_ADD(t0, U128_MUL(d2, a3_19));
	t1 = U128_MUL(d0, a1);
	t1 = U128_ADD(t1, U128_MUL(d2, a4_19));
	t1 = U128_ADD(t1, U128_MUL(a3, a3_19));
	t2 = U128_MUL(d0, a2);
	t2 = U128_ADD(t2, U128_MUL(a1, a1));
	t2 = U128_ADD(t2, U128_MUL(d3, a4_19));
	t3 = U128_MUL(d0, a3);
	t3 = U128_ADD(t3, U128_MUL(d1, a2));
	t3 = U128_ADD(t3, U128_MUL(a4, a4_19));
	t4 = U128_MUL(d0, a4);
	t4 = U128_ADD(t4, U128_MUL(d1, a3));
	t4 = U128_ADD(t4, U128_MUL(a2, a2));
	fe_carry_wide(r, t0, t1, t2, t3, t4);
}

/* r = a^(2^n), n >= 1. */
static void
fe_sq_n(fe r, const fe a, int n)
{
	fe_sq(r, a);
	while (--n > 0)
		fe_sq(r, r);
}

/* r = z^(p - 2) = 1/z (0 for z = 0).  p - 2 = (2^250 - 1) 2^5 + 11, built
 * from z^11 and z^(2^k - 1) for k = 5, 10, 20, 40, 50, 100, 200, 250:
 * 254 squarings and 11 multiplications.  s: 4 scratch elements; r may
 * alias z. */
static void
fe_invert(fe r, const fe z, fe *s)
{
	fe_sq(s[0], z);                 /* z^2 */
	fe_sq_n(s[1], s[0], 2);         /* z^8 */
	fe_mul(s[1], s[1], z);          /* z^9 */
	fe_mul(s[0], s[0], s[1]);       /* z^11 */
	fe_sq(s[2], s[0]);              /* z^22 */
	fe_mul(s[1], s[1], s[2]);       /* z^31 = z^(2^5 - 1) */
	fe_sq_n(s[2], s[1], 5);
	fe_mul(s[1], s[2], s[1]);       /* 2^10 - 1 */
	fe_sq_n(s[2], s[1], 10);
	fe_mul(s[2], s[2], s[1]);       /* 2^20 - 1 */
	fe_sq_n(s[3], s[2], 20);
	fe_mul(s[2], s[3], s[2]);       /* 2^40 - 1 */
	fe_sq_n(s[2], s[2], 10);
	fe_mul(s[1], s[2], s[1]);       /* 2^50 - 1 */
	fe_sq_n(s[2], s[1], 50);
	fe_mul(s[2], s[2], s[1]);       /* 2^100 - 1 */
	fe_sq_n(s[3], s[2], 100);
	fe_mul(s[2], s[3], s[2]);       /* 2^200 - 1 */
	fe_sq_n(s[2], s[2], 50);
	fe_mul(s[1], s[2], s[1]);       /* 2^250 - 1 */
	fe_sq_n(s[1], s[1], 5);         /* 2^255 - 32 */
	fe_mul(r, s[1], s[0]);          /* 2^255 - 21 = p - 2 */
}

/* Reduce a reduced element to its unique representative in [0, p). */
static void
fe_canon(fe a)
{
	uint64_t q;

	/* Two passes leave limbs 1..4 below 2^51 and limb 0 below 2^51 + 19,
	 * so a < 2^255 + 19 < 2p. */
	fe_carry(a);
	fe_carry(a);
	/* q = 1 exactly when a + 19 >= 2^255, i.e. a >= p. */
	q = (a[0] + 19) >> 51;
	q = (a[1] + q) >> 51;
	q = (a[2] + q) >> 51;
	q = (a[3] + q) >> 51;
	q = (a[4] + q) >> 51;
	/* a - q p = a + 19 q - q 2^255: the final mask drops the 2^255. */
	a[0] += 19 * q;
	a[1] += a[0] >> 51; a[0] &= MASK51;
	a[2] += a[1] >> 51; a[1] &= MASK51;
	a[3] += a[2] >> 51; a[2] &= MASK51;
	a[4] += a[3] >> 51; a[3] &= MASK51;
	a[4] &= MASK51;
}

/* 32 little-endian bytes of a canonical element. */
static void
fe_pack(unsigned char out[32], const fe a)
{
	uint64_t w[4];
	int i, j;

	w[0] = a[0] | a[1] << 51;
	w[1] = a[1] >> 13 | a[2] << 38;
	w[2] = a[2] >> 26 | a[3] << 25;
	w[3] = a[3] >> 39 | a[4] << 12;
	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			out[8 * i + j] = (unsigned char)(w[i] >> (8 * j));
}

/* r = a where mask is all ones; r unchanged where it is zero. */
static void
fe_cmov(fe r, const fe a, uint64_t mask)
{
	int i;

	for (i = 0; i < 5; i++)
		r[i] ^= mask & (r[i] ^ a[i]);
}

static void
fe_cswap(fe a, fe b, uint64_t mask)
{
	uint64_t x;
	int i;

	for (i = 0; i < 5; i++) {
		x = mask & (a[i] ^ b[i]);
		a[i] ^= x;
		b[i] ^= x;
	}
}

/* r = 2p.  Computes T only when want_t, a public choice: a doubling that
 * is followed by another doubling does not read it.  r may alias p. */
static void
ge_dbl(ge *r, const ge *p, int want_t, fe *s)
{
	/* dbl-2008-hwcd with a = -1: D = -A, G = B - A, H = -A - B.  F and H
	 * are both negated (F' = C - G, H' = A + B), which negates X3, Y3, Z3
	 * and T3 together and so leaves the projective point unchanged. */
	fe_sq(s[0], p->X);              /* A */
	fe_sq(s[1], p->Y);              /* B */
	fe_sq(s[2], p->Z);
	fe_add(s[2], s[2], s[2]);       /* C = 2 Z^2 */
	fe_add(s[3], p->X, p->Y);
	fe_sq(s[3], s[3]);              /* (X + Y)^2 */
	fe_add(s[4], s[0], s[1]);       /* H' = A + B */
	fe_sub(s[3], s[3], s[4]);       /* E = (X + Y)^2 - A - B */
	fe_sub(s[1], s[1], s[0]);       /* G = B - A */
	fe_sub(s[2], s[2], s[1]);       /* F' = C - G */
	fe_mul(r->X, s[3], s[2]);
	fe_mul(r->Y, s[1], s[4]);
	fe_mul(r->Z, s[2], s[1]);
	if (want_t)
		fe_mul(r->T, s[3], s[4]);
}

/* r = p + q (madd-2008-hwcd-3, Z2 = 1).  r may alias p. */
static void
ge_madd(ge *r, const ge *p, const ge_niels *q, fe *s)
{
	fe_sub(s[0], p->Y, p->X);
	fe_mul(s[0], s[0], q->c[YMX]);  /* A = (Y1 - X1)(y2 - x2) */
	fe_add(s[1], p->Y, p->X);
	fe_mul(s[1], s[1], q->c[YPX]);  /* B = (Y1 + X1)(y2 + x2) */
	fe_mul(s[2], p->T, q->c[XY2D]); /* C = T1 2d x2 y2 */
	fe_add(s[3], p->Z, p->Z);       /* D = 2 Z1 */
	fe_sub(s[4], s[1], s[0]);       /* E = B - A */
	fe_add(s[1], s[1], s[0]);       /* H = B + A */
	fe_sub(s[0], s[3], s[2]);       /* F = D - C */
	fe_add(s[3], s[3], s[2]);       /* G = D + C */
	fe_mul(r->X, s[4], s[0]);
	fe_mul(r->Y, s[3], s[1]);
	fe_mul(r->Z, s[0], s[3]);
	fe_mul(r->T, s[4], s[1]);
}

/* BEGIN BASE TABLE: generated by bench/ed25519/gen_table.c; do not edit. */
static const ge_niels base[8][8] = {
	{	/* m 2^0 B */
		{ {	/* m = 1 */
			{ 0x493c6f58c3b85, 0x0df7181c325f7, 0x0f50b0b3e4cb7, 0x5329385a44c32, 0x07cf9d3a33d4b },
			{ 0x03905d740913e, 0x0ba2817d673a2, 0x23e2827f4e67c, 0x133d2e0c21a34, 0x44fd2f9298f81 },
			{ 0x11205877aaa68, 0x479955893d579, 0x50d66309b67a0, 0x2d42d0dbee5ee, 0x6f117b689f0c6 }
		} },
		{ {	/* m = 2 */
			{ 0x4e7fc933c71d7, 0x2cf41feb6b244, 0x7581c0a7d1a76, 0x7172d534d32f0, 0x590c063fa87d2 },
			{ 0x1a56042b4d5a8, 0x189cc159ed153, 0x5b8deaa3cae04, 0x2aaf04f11b5d8, 0x6bb595a669c92 },
			{ 0x2a8b3a59b7a5f, 0x3abb359ef087f, 0x4f5a8c4db05af, 0x5b9a807d04205, 0x701af5b13ea50 }
		} },
		{ {	/* m = 3 */
			{ 0x5b0a84cee9730, 0x61d10c97155e4, 0x4059cc8096a10, 0x47a608da8014f, 0x7a164e1b9a80f },
			{ 0x11fe8a4fcd265, 0x7bcb8374faacc, 0x52f5af4ef4d4f, 0x5314098f98d10, 0x2ab91587555bd },
			{ 0x6933f0dd0d889, 0x44386bb4c4295, 0x3cb6d3162508c, 0x26368b872a2c6, 0x5a2826af12b9b }
		} },
		{ {	/* m = 4 */
			{ 0x351b98efc099f, 0x68fbfa4a7050e, 0x42a49959d971b, 0x393e51a469efd, 0x680e910321e58 },
			{ 0x6050a056818bf, 0x62acc1f5532bf, 0x28141ccc9fa25, 0x24d61f471e683, 0x27933f4c7445a },
			{ 0x3fbe9c476ff09, 0x0af6b982e4b42, 0x0ad1251ba78e5, 0x715aeedee7c88, 0x7f9d0cbf63553 }
		} },
		{ {	/* m = 5 */
			{ 0x2bc4408a5bb33, 0x078ebdda05442, 0x2ffb112354123, 0x375ee8df5862d, 0x2945ccf146e20 },
			{ 0x182c3a447d6ba, 0x22964e536eff2, 0x192821f540053, 0x2f9f19e788e5c, 0x154a7e73eb1b5 },
			{ 0x3dbf1812a8285, 0x0fa17ba3f9797, 0x6f69cb49c3820, 0x34d5a0db3858d, 0x43aabe696b3bb }
		} },
		{ {	/* m = 6 */
			{ 0x4eeeb77157131, 0x1201915f10741, 0x1669cda6c9c56, 0x45ec032db346d, 0x51e57bb6a2cc3 },
			{ 0x006b67b7d8ca4, 0x084fa44e72933, 0x1154ee55d6f8a, 0x4425d842e7390, 0x38b64c41ae417 },
			{ 0x4326702ea4b71, 0x06834376030b5, 0x0ef0512f9c380, 0x0f1a9f2512584, 0x10b8e91a9f0d6 }
		} },
		{ {	/* m = 7 */
			{ 0x25cd0944ea3bf, 0x75673b81a4d63, 0x150b925d1c0d4, 0x13f38d9294114, 0x461bea69283c9 },
			{ 0x72c9aaa3221b1, 0x267774474f74d, 0x064b0e9b28085, 0x3f04ef53b27c9, 0x1d6edd5d2e531 },
			{ 0x36dc801b8b3a2, 0x0e0a7d4935e30, 0x1deb7cecc0d7d, 0x053a94e20dd2c, 0x7a9fbb1c6a0f9 }
		} },
		{ {	/* m = 8 */
			{ 0x7596604dd3e8f, 0x6fc510e058b36, 0x3670c8db2cc0d, 0x297d899ce332f, 0x0915e76061bce },
			{ 0x75dedf39234d9, 0x01c36ab1f3c54, 0x0f08fee58f5da, 0x0e19613a0d637, 0x3a9024a1320e0 },
			{ 0x1f5d9c9a2911a, 0x7117994fafcf8, 0x2d8a8cae28dc5, 0x74ab1b2090c87, 0x26907c5c2ecc4 }
		} },
	},
	{	/* m 2^32 B */
		{ {	/* m = 1 */
			{ 0x5b69f7b85c5e8, 0x17a2d175650ec, 0x4cc3e6dbfc19e, 0x73e1d3873be0e, 0x3a5f6d51b0af8 },
			{ 0x68756a60dac5f, 0x55d757b8aec26, 0x3383df45f80bd, 0x6783f8c9f96a6, 0x20234a7789ecd },
			{ 0x20db67178b252, 0x73aa3da2c0eda, 0x79045c01c70d3, 0x1b37b15251059, 0x7cd682353cffe }
		} },
		{ {	/* m = 2 */
			{ 0x5cd6068acf4f3, 0x3079afc7a74cc, 0x58097650b64b4, 0x47fabac9c4e99, 0x3ef0253b2b2cd },
			{ 0x1a45bd887fab6, 0x65748076dc17c, 0x5b98000aa11a8, 0x4a1ecc9080974, 0x2838c8863bdc0 },
			{ 0x3b0cf4a465030, 0x022b8aef57a2d, 0x2ad0677e925ad, 0x4094167d7457a, 0x21dcb8a606a82 }
		} },
		{ {	/* m = 3 */
			{ 0x500fabe7731ba, 0x7cc53c3113351, 0x7cf65fe080d81, 0x3c5d966011ba1, 0x5d840dbf6c6f6 },
			{ 0x004468c9d9fc8, 0x5da8554796b8c, 0x3b8be70950025, 0x6d5892da6a609, 0x0bc3d08194a31 },
			{ 0x6380d309fe18b, 0x4d73c2cb8ee0d, 0x6b882adbac0b6, 0x36eabdddd4cbe, 0x3a4276232ac19 }
		} },
		{ {	/* m = 4 */
			{ 0x0c172db447ecb, 0x3f8c505b7a77f, 0x6a857f97f3f10, 0x4fcc0567fe03a, 0x0770c9e824e1a },
			{ 0x2432c8a7084fa, 0x47bf73ca8a968, 0x1639176262867, 0x5e8df4f8010ce, 0x1ff177cea16de },
			{ 0x1d99a45b5b5fd, 0x523674f2499ec, 0x0f8fa26182613, 0x58f7398048c98, 0x39f264fd41500 }
		} },
		{ {	/* m = 5 */
			{ 0x34aabfe097be1, 0x43bfc03253a33, 0x29bc7fe91b7f3, 0x0a761e4844a16, 0x65c621272c35f },
			{ 0x53417dbe7e29c, 0x54573827394f5, 0x565eea6f650dd, 0x42050748dc749, 0x1712d73468889 },
			{ 0x389f8ce3193dd, 0x2d424b8177ce5, 0x073fa0d3440cd, 0x139020cd49e97, 0x22f9800ab19ce }
		} },
		{ {	/* m = 6 */
			{ 0x29fdd9a6efdac, 0x7c694a9282840, 0x6f7cdeee44b3a, 0x55a3207b25cc3, 0x4171a4d38598c },
			{ 0x2368a3e9ef8cb, 0x454aa08e2ac0b, 0x490923f8fa700, 0x372aa9ea4582f, 0x13f416cd64762 },
			{ 0x758aa99c94c8c, 0x5f6001700ff44, 0x7694e488c01bd, 0x0d5fde948eed6, 0x508214fa574bd }
		} },
		{ {	/* m = 7 */
			{ 0x215bb53d003d6, 0x1179e792ca8c3, 0x1a0e96ac840a2, 0x22393e2bb3ab6, 0x3a7758a4c86cb },
			{ 0x269153ed6fe4b, 0x72a23aef89840, 0x052be5299699c, 0x3a5e5ef132316, 0x22f960ec6faba },
			{ 0x111f693ae5076, 0x3e3bfaa94ca90, 0x445799476b887, 0x24a0912464879, 0x5d9fd15f8de7f }
		} },
		{ {	/* m = 8 */
			{ 0x44d2aeed7521e, 0x50865d2c2a7e4, 0x2705b5238ea40, 0x46c70b25d3b97, 0x3bc187fa47eb9 },
			{ 0x408d36d63727f, 0x5faf8f6a66062, 0x2bb892da8de6b, 0x769d4f0c7e2e6, 0x332f35914f8fb },
			{ 0x70115ea86c20c, 0x16d88da24ada8, 0x1980622662adf, 0x501ebbc195a9d, 0x450d81ce906fb }
		} },
	},
	{	/* m 2^64 B */
		{ {	/* m = 1 */
			{ 0x265e777d1f515, 0x0f1f54c1e39a5, 0x2f01b95522646, 0x4fdd8db9dde6d, 0x654878cba97cc },
			{ 0x38ec78df6b0fe, 0x13caebea36a22, 0x5ebc6e54e5f6a, 0x32804903d0eb8, 0x2102fdba2b20d },
			{ 0x6e405055ce6a1, 0x5024a35a532d3, 0x1f69054daf29d, 0x15d1d0d7a8bd5, 0x0ad725db29ecb }
		} },
		{ {	/* m = 2 */
			{ 0x7bc0c9b056f85, 0x51cfebffaffd8, 0x44abbe94df549, 0x7ecbbd7e33121, 0x4f675f5302399 },
			{ 0x267b1834e2457, 0x6ae19c378bb88, 0x7457b5ed9d512, 0x3280d783d05fb, 0x4aefcffb71a03 },
			{ 0x536360415171e, 0x2313309077865, 0x251444334afbc, 0x2b0c3853756e8, 0x0bccbb72a2a86 }
		} },
		{ {	/* m = 3 */
			{ 0x55e4c50fe1296, 0x05fdd13efc30d, 0x1c0c6c380e5ee, 0x3e11de3fb62a8, 0x6678fd69108f3 },
			{ 0x6962feab1a9c8, 0x6aca28fb9a30b, 0x56db7ca1b9f98, 0x39f58497018dd, 0x4024f0ab59d6b },
			{ 0x6fa31636863c2, 0x10ae5a67e42b0, 0x27abbf01fda31, 0x380a7b9e64fbc, 0x2d42e2108ead4 }
		} },
		{ {	/* m = 4 */
			{ 0x17b0d0f537593, 0x16263c0c9842e, 0x4ab827e4539a4, 0x6370ddb43d73a, 0x420bf3a79b423 },
			{ 0x5131594dfd29b, 0x3a627e98d52fe, 0x1154041855661, 0x19175d09f8384, 0x676b2608b8d2d },
			{ 0x0ba651c5b2b47, 0x5862363701027, 0x0c4d6c219c6db, 0x0f03dff8658de, 0x745d2ffa9c0cf }
		} },
		{ {	/* m = 5 */
			{ 0x6df5721d34e6a, 0x4f32f767a0c06, 0x1d5abeac76e20, 0x41ce9e104e1e4, 0x06e15be54c1dc },
			{ 0x25a1e2bc9c8bd, 0x104c8f3b037ea, 0x405576fa96c98, 0x2e86a88e3876f, 0x1ae23ceb960cf },
			{ 0x25d871932994a, 0x6b9d63b560b6e, 0x2df2814c8d472, 0x0fbbee20aa4ed, 0x58ded861278ec }
		} },
		{ {	/* m = 6 */
			{ 0x35ba8b6c2c9a8, 0x1dea58b3185bf, 0x4b455cd23bbbe, 0x5ec19c04883f8, 0x08ba696b531d5 },
			{ 0x73793f266c55c, 0x0b988a9c93b02, 0x09b0ea32325db, 0x37cae71c17c5e, 0x2ff39de85485f },
			{ 0x53eeec3efc57a, 0x2fa9fe9022efd, 0x699c72c138154, 0x72a751ebd1ff8, 0x120633b4947cf }
		} },
		{ {	/* m = 7 */
			{ 0x531474912100a, 0x5afcdf7c0d057, 0x7a9e71b788ded, 0x5ef708f3b0c88, 0x07433be3cb393 },
			{ 0x4987891610042, 0x79d9d7f5d0172, 0x3c293013b9ec4, 0x0c2b85f39caca, 0x35d30a99b4d59 },
			{ 0x144c05ce997f4, 0x4960b8a347fef, 0x1da11f15d74f7, 0x54fac19c0fead, 0x2d873ede7af6d }
		} },
		{ {	/* m = 8 */
			{ 0x202e14e5df981, 0x2ea02bc3eb54c, 0x38875b2883564, 0x1298c513ae9dd, 0x0543618a01600 },
			{ 0x2316443373409, 0x5de95503b22af, 0x699201beae2df, 0x3db5849ff737a, 0x2e773654707fa },
			{ 0x2bdf4974c23c1, 0x4b3b9c8d261bd, 0x26ae8b2a9bc28, 0x3068210165c51, 0x4b1443362d079 }
		} },
	},
	{	/* m 2^96 B */
		{ {	/* m = 1 */
			{ 0x0639c12ddb0a4, 0x6180490cd7ab3, 0x3f3918297467c, 0x74568be1781ac, 0x07a195152e095 },
			{ 0x7a9c59c2ec4de, 0x7e9f09e79652d, 0x6a3e422f22d86, 0x2ae8e3b836c8b, 0x63b795fc7ad32 },
			{ 0x68f02389e5fc8, 0x059f1bc877506, 0x504990e410cec, 0x09bd7d0feaee2, 0x3e8fe83d032f0 }
		} },
		{ {	/* m = 2 */
			{ 0x04c8de8efd13c, 0x1c67c06e6210e, 0x183378f7f146a, 0x64352ceaed289, 0x22d60899a6258 },
			{ 0x315b90570a294, 0x60ce108a925f1, 0x6eff61253c909, 0x003ef0e2d70b0, 0x75ba3b797fac4 },
			{ 0x1dbc070cdd196, 0x16d8fb1534c47, 0x500498183fa2a, 0x72f59c423de75, 0x0904d07b87779 }
		} },
		{ {	/* m = 3 */
			{ 0x22d6648f940b9, 0x197a5a1873e86, 0x207e4c41a54bc, 0x5360b3b4bd6d0, 0x6240aacebaf72 },
			{ 0x61fd4ddba919c, 0x7d8e991b55699, 0x61b31473cc76c, 0x7039631e631d6, 0x43e2143fbc1dd },
			{ 0x4749c5ba295a0, 0x37946fa4b5f06, 0x724c5ab5a51f1, 0x65633789dd3f3, 0x56bdaf238db40 }
		} },
		{ {	/* m = 4 */
			{ 0x0d36cc19d3bb2, 0x6ec4470d72262, 0x6853d7018a9ae, 0x3aa3e4dc2c8eb, 0x03aa31507e1e5 },
			{ 0x2b9e3f53533eb, 0x2add727a806c5, 0x56955c8ce15a3, 0x18c4f070a290e, 0x1d24a86d83741 },
			{ 0x47648ffd4ce1f, 0x60a9591839e9d, 0x424d5f38117ab, 0x42cc46912c10e, 0x43b261dc9aeb4 }
		} },
		{ {	/* m = 5 */
			{ 0x13d8b6c951364, 0x4c0017e8f632a, 0x53e559e53f9c4, 0x4b20146886eea, 0x02b4d5e242940 },
			{ 0x31e1988bb79bb, 0x7b82f46b3bcab, 0x0f7a8ce827b41, 0x5e15816177130, 0x326055cf5b276 },
			{ 0x155cb28d18df2, 0x0c30d9ca11694, 0x2090e27ab3119, 0x208624e7a49b6, 0x27a6c809ae5d3 }
		} },
		{ {	/* m = 6 */
			{ 0x4270ac43d6954, 0x2ed4cd95659a5, 0x75c0db37528f9, 0x2ccbcfd2c9234, 0x221503603d8c2 },
			{ 0x6ebcd1f0db188, 0x74ceb4b7d1174, 0x7d56168df4f5c, 0x0bf79176fd18a, 0x2cb67174ff60a },
			{ 0x6cdf9390be1d0, 0x08e519c7e2b3d, 0x253c3d2a50881, 0x21b41448e333d, 0x7b1df4b73890f }
		} },
		{ {	/* m = 7 */
			{ 0x6221807f8f58c, 0x3fa92813a8be5, 0x6da98c38d5572, 0x01ed95554468f, 0x68698245d352e },
			{ 0x2f2e0b3b2a224, 0x0c56aa22c1c92, 0x5fdec39f1b278, 0x4c90af5c7f106, 0x61fcef2658fc5 },
			{ 0x15d852a18187a, 0x270dbb59afb76, 0x7db120bcf92ab, 0x0e7a25d714087, 0x46cf4c473daf0 }
		} },
		{ {	/* m = 8 */
			{ 0x46ea7f1498140, 0x70725690a8427, 0x0a73ae9f079fb, 0x2dd924461c62b, 0x1065aae50d8cc },
			{ 0x525ed9ec4e5f9, 0x022d20660684c, 0x7972b70397b68, 0x7a03958d3f965, 0x29387bcd14eb5 },
			{ 0x44525df200d57, 0x2d7f94ce94385, 0x60d00c170ecb7, 0x38b0503f3d8f0, 0x69a198e64f1ce }
		} },
	},
	{	/* m 2^128 B */
		{ {	/* m = 1 */
			{ 0x304bfacad8ea2, 0x502917d108b07, 0x043176ca6dd0f, 0x5d5158f2c1d84, 0x2b5449e58eb3b },
			{ 0x27562eb3dbe47, 0x291d7b4170be7, 0x5d1ca67dfa8e1, 0x2a88061f298a2, 0x1304e9e71627d },
			{ 0x014d26adc9cfe, 0x7f1691ba16f13, 0x5e71828f06eac, 0x349ed07f0fffc, 0x4468de2d7c2dd }
		} },
		{ {	/* m = 2 */
			{ 0x2d8c6f86307ce, 0x6286ba1850973, 0x5e9dcb08444d4, 0x1a96a543362b2, 0x5da6427e63247 },
			{ 0x3355e9419469e, 0x1847bb8ea8a37, 0x1fe6588cf9b71, 0x6b1c9d2db6b22, 0x6cce7c6ffb44b },
			{ 0x4c688deac22ca, 0x6f775c3ff0352, 0x565603ee419bb, 0x6544456c61c46, 0x58f29abfe79f2 }
		} },
		{ {	/* m = 3 */
			{ 0x264bf710ecdf6, 0x708c58527896b, 0x42ceae6c53394, 0x4381b21e82b6a, 0x6af93724185b4 },
			{ 0x6cfab8de73e68, 0x3e6efced4bd21, 0x0056609500dbe, 0x71b7824ad85df, 0x577629c4a7f41 },
			{ 0x0024509c6a888, 0x2696ab12e6644, 0x0cca27f4b80d8, 0x0c7c1f11b119e, 0x701f25bb0caec }
		} },
		{ {	/* m = 4 */
			{ 0x0f6d97cbec113, 0x4ce97fb7c93a3, 0x139835a11281b, 0x728907ada9156, 0x720a5bc050955 },
			{ 0x0b0f8e4616ced, 0x1d3c4b50fb875, 0x2f29673dc0198, 0x5f4b0f1830ffa, 0x2e0c92bfbdc40 },
			{ 0x709439b805a35, 0x6ec48557f8187, 0x08a4d1ba13a2c, 0x076348a0bf9ae, 0x0e9b9cbb144ef }
		} },
		{ {	/* m = 5 */
			{ 0x69bd55db1beee, 0x6e14e47f731bd, 0x1a35e47270eac, 0x66f225478df8e, 0x366d44191cfd3 },
			{ 0x2d48ffb5720ad, 0x57b7f21a1df77, 0x5550effba0645, 0x5ec6a4098a931, 0x221104eb3f337 },
			{ 0x41743f2bc8c14, 0x796b0ad8773c7, 0x29fee5cbb689b, 0x122665c178734, 0x4167a4e6bc593 }
		} },
		{ {	/* m = 6 */
			{ 0x62665f8ce8fee, 0x29d101ac59857, 0x4d93bbba59ffc, 0x17b7897373f17, 0x34b33370cb7ed },
			{ 0x39d2876f62700, 0x001cecd1d6c87, 0x7f01a11747675, 0x2350da5a18190, 0x7938bb7e22552 },
			{ 0x591ee8681d6cc, 0x39db0b4ea79b8, 0x202220f380842, 0x2f276ba42e0ac, 0x1176fc6e2dfe6 }
		} },
		{ {	/* m = 7 */
			{ 0x0e28949770eb8, 0x5559e88147b72, 0x35e1e6e63ef30, 0x35b109aa7ff6f, 0x1f6a3e54f2690 },
			{ 0x76cd05b9c619b, 0x69654b0901695, 0x7a53710b77f27, 0x79a1ea7d28175, 0x08fc3a4c677d5 },
			{ 0x4c199d30734ea, 0x6c622cb9acc14, 0x5660a55030216, 0x068f1199f11fb, 0x4f2fad0116b90 }
		} },
		{ {	/* m = 8 */
			{ 0x4d91db73bb638, 0x55f82538112c5, 0x6d85a279815de, 0x740b7b0cd9cf9, 0x3451995f2944e },
			{ 0x6b24194ae4e54, 0x2230afded8897, 0x23412617d5071, 0x3d5d30f35969b, 0x445484a4972ef },
			{ 0x2fcd09fea7d7c, 0x296126b9ed22a, 0x4a171012a05b2, 0x1db92c74d5523, 0x10b89ca604289 }
		} },
	},
	{	/* m 2^160 B */
		{ {	/* m = 1 */
			{ 0x6bffb305b2f51, 0x5b112b2d712dd, 0x35774974fe4e2, 0x04af87a96e3a3, 0x57968290bb3a0 },
			{ 0x7974e8c58aedc, 0x7757e083488c6, 0x601c62ae7bc8b, 0x45370c2ecab74, 0x2f1b78fab143a },
			{ 0x2b8430a20e101, 0x1a49e1d88fee3, 0x38bbb47ce4d96, 0x1f0e7ba84d437, 0x7dc43e35dc2aa }
		} },
		{ {	/* m = 2 */
			{ 0x02a5c273e9718, 0x32bc9dfb28b4f, 0x48df4f8d5db1a, 0x54c87976c028f, 0x044fb81d82d50 },
			{ 0x66665887dd9c3, 0x629760a6ab0b2, 0x481e6c7243e6c, 0x097e37046fc77, 0x7ef72016758cc },
			{ 0x718c5a907e3d9, 0x3b9c98c6b383b, 0x006ed255eccdc, 0x6976538229a59, 0x7f79823f9c30d }
		} },
		{ {	/* m = 3 */
			{ 0x41ff068f587ba, 0x1c00a191bcd53, 0x7b56f9c209e25, 0x3781e5fccaabe, 0x64a9b0431c06d },
			{ 0x4d239a3b513e8, 0x29723f51b1066, 0x642f4cf04d9c3, 0x4da095aa09b7a, 0x0a4e0373d784d },
			{ 0x3d6a15b7d2919, 0x41aa75046a5d6, 0x691751ec2d3da, 0x23638ab6721c4, 0x071a7d0ace183 }
		} },
		{ {	/* m = 4 */
			{ 0x4355220e14431, 0x0e1362a283981, 0x2757cd8359654, 0x2e9cd7ab10d90, 0x7c69bcf761775 },
			{ 0x72daac887ba0b, 0x0b7f4ac5dda60, 0x3bdda2c0498a4, 0x74e67aa180160, 0x2c3bcc7146ea7 },
			{ 0x0d7eb04e8295f, 0x4a5ea1e6fa0fe, 0x45e635c436c60, 0x28ef4a8d4d18b, 0x6f5a9a7322aca }
		} },
		{ {	/* m = 5 */
			{ 0x1d4eba3d944be, 0x0100f15f3dce5, 0x61a700e367825, 0x5922292ab3d23, 0x02ab9680ee8d3 },
			{ 0x1000c2f41c6c5, 0x0219fdf737174, 0x314727f127de7, 0x7e5277d23b81e, 0x494e21a2e147a },
			{ 0x48a85dde50d9a, 0x1c1f734493df4, 0x47bdb64866889, 0x59a7d048f8eec, 0x6b5d76cbea46b }
		} },
		{ {	/* m = 6 */
			{ 0x141171e782522, 0x6806d26da7c1f, 0x3f31d1bc79ab9, 0x09f20459f5168, 0x16fb869c03dd3 },
			{ 0x7556cec0cd994, 0x5eb9a03b7510a, 0x50ad1dd91cb71, 0x1aa5780b48a47, 0x0ae333f685277 },
			{ 0x6199733b60962, 0x69b157c266511, 0x64740f893f1ca, 0x03aa408fbf684, 0x3f81e38b8f70d }
		} },
		{ {	/* m = 7 */
			{ 0x37f355f17c824, 0x07ae85334815b, 0x7e3abddd2e48f, 0x61eeabe1f45e5, 0x0ad3e2d34cded },
			{ 0x10fcc7ed9affe, 0x4248cb0e96ff2, 0x4311c115172e2, 0x4c9d41cbf6925, 0x50510fc104f50 },
			{ 0x40fc5336e249d, 0x3386639fb2de1, 0x7bbf871d17b78, 0x75f796b7e8004, 0x127c158bf0fa1 }
		} },
		{ {	/* m = 8 */
			{ 0x28fc4ae51b974, 0x26e89bfd2dbd4, 0x4e122a07665cf, 0x7cab1203405c3, 0x4ed82479d167d },
			{ 0x17c422e9879a2, 0x28a5946c8fec3, 0x53ab32e912b77, 0x7b44da09fe0a5, 0x354ef87d07ef4 },
			{ 0x3b52260c5d975, 0x79d6836171fdc, 0x7d994f140d4bb, 0x1b6c404561854, 0x302d92d205392 }
		} },
	},
	{	/* m 2^192 B */
		{ {	/* m = 1 */
			{ 0x5cc9dc80c1ac0, 0x683671486d4cd, 0x76f5f1a5e8173, 0x6d5d3f5f9df4a, 0x7da0b8f68d7e7 },
			{ 0x02014385675a6, 0x6155fb53d1def, 0x37ea32e89927c, 0x059a668f5a82e, 0x46115aba1d4dc },
			{ 0x71953c3b5da76, 0x6642233d37a81, 0x2c9658076b1bd, 0x5a581e63010ff, 0x5a5f887e83674 }
		} },
		{ {	/* m = 2 */
			{ 0x628d3a0a643b9, 0x01cd8640c93d2, 0x0b7b0cad70f2c, 0x3864da98144be, 0x43e37ae2d5d1c },
			{ 0x301cf70a13d11, 0x2a6a1ba1891ec, 0x2f291fb3f3ae0, 0x21a7b814bea52, 0x3669b656e44d1 },
			{ 0x63f06eda6e133, 0x233342758070f, 0x098e0459cc075, 0x4df5ead6c7c1b, 0x6a21e6cd4fd5e }
		} },
		{ {	/* m = 3 */
			{ 0x129126699b2e3, 0x0ee11a2603de8, 0x60ac2f5c74c21, 0x59b192a196808, 0x45371b07001e8 },
			{ 0x6170a3046e65f, 0x5401a46a49e38, 0x20add5561c4a8, 0x7abb4edde9e46, 0x586bf9f1a195f },
			{ 0x3088d5ef8790b, 0x38c2126fcb4db, 0x685bae149e3c3, 0x0bcd601a4e930, 0x0eafb03790e52 }
		} },
		{ {	/* m = 4 */
			{ 0x0805e0f75ae1d, 0x464cc59860a28, 0x248e5b7b00bef, 0x5d99675ef8f75, 0x44ae3344c5435 },
			{ 0x555c13748042f, 0x4d041754232c0, 0x521b430866907, 0x3308e40fb9c39, 0x309acc675a02c },
			{ 0x289b9bba543ee, 0x3ab592e28539e, 0x64d82abcdd83a, 0x3c78ec172e327, 0x62d5221b7f946 }
		} },
		{ {	/* m = 5 */
			{ 0x5d4263af77a3c, 0x23fdd2289aeb0, 0x7dc64f77eb9ec, 0x01bd28338402c, 0x14f29a5383922 },
			{ 0x4299c18d0936d, 0x5914183418a49, 0x52a18c721aed5, 0x2b151ba82976d, 0x5c0efde4bc754 },
			{ 0x17edc25b2d7f5, 0x37336a6081bee, 0x7b5318887e5c3, 0x49f6d491a5be1, 0x5e72365c7bee0 }
		} },
		{ {	/* m = 6 */
			{ 0x339062f08b33e, 0x4bbf3e657cfb2, 0x67af7f56e5967, 0x4dbd67f9ed68f, 0x70b20555cb734 },
			{ 0x3fc074571217f, 0x3a0d29b2b6aeb, 0x06478ccdde59d, 0x55e4d051bddfa, 0x77f1104c47b4e },
			{ 0x113c555112c4c, 0x7535103f9b7ca, 0x140ed1d9a2108, 0x02522333bc2af, 0x0e34398f4a064 }
		} },
		{ {	/* m = 7 */
			{ 0x30b093e4b1928, 0x1ce7e7ec80312, 0x4e575bdf78f84, 0x61f7a190bed39, 0x6f8aded6ca379 },
			{ 0x522d93ecebde8, 0x024f045e0f6cf, 0x16db63426cfa1, 0x1b93a1fd30fd8, 0x5e5405368a362 },
			{ 0x0123dfdb7b29a, 0x4344356523c68, 0x79a527921ee5f, 0x74bfccb3e817e, 0x780de72ec8d3d }
		} },
		{ {	/* m = 8 */
			{ 0x7eaf300f42772, 0x5455188354ce3, 0x4dcca4a3dcbac, 0x3d314d0bfebcb, 0x1defc6ad32b58 },
			{ 0x28545089ae7bc, 0x1e38fe9a0c15c, 0x12046e0e2377b, 0x6721c560aa885, 0x0eb28bf671928 },
			{ 0x3be1aef5195a7, 0x6f22f62bdb5eb, 0x39768b8523049, 0x43394c8fbfdbd, 0x467d201bf8dd2 }
		} },
	},
	{	/* m 2^224 B */
		{ {	/* m = 1 */
			{ 0x600c9193b877f, 0x21c1b8a0d7765, 0x379927fb38ea2, 0x70d7679dbe01b, 0x5f46040898de9 },
			{ 0x58845832fcedb, 0x135cd7f0c6e73, 0x53ffbdfe8e35b, 0x22f195e06e55b, 0x73937e8814bce },
			{ 0x37116297bf48d, 0x45a9e0d069720, 0x25af71aa744ec, 0x41af0cb8aaba3, 0x2cf8a4e891d5e }
		} },
		{ {	/* m = 2 */
			{ 0x5487e17d06ba2, 0x3872a032d6596, 0x65e28c09348e0, 0x27b6bb2ce40c2, 0x7a6f7f2891d6a },
			{ 0x3fd8707110f67, 0x26f8716a92db2, 0x1cdaa1b753027, 0x504be58b52661, 0x2049bd6e58252 },
			{ 0x1fd8d6a9aef49, 0x7cb67b7216fa1, 0x67aff53c3b982, 0x20ea610da9628, 0x6011aadfc5459 }
		} },
		{ {	/* m = 3 */
			{ 0x6d0c802cbf890, 0x141bfed554c7b, 0x6dbb667ef4263, 0x58f3126857edc, 0x69ce18b779340 },
			{ 0x7926dcf95f83c, 0x42e25120e2bec, 0x63de96df1fa15, 0x4f06b50f3f9cc, 0x6fc5cc1b0b62f },
			{ 0x75528b29879cb, 0x79a8fd2125a3d, 0x27c8d4b746ab8, 0x0f8893f02210c, 0x15596b3ae5710 }
		} },
		{ {	/* m = 4 */
			{ 0x731167e5124ca, 0x17b38e8bbe13f, 0x3d55b942f9056, 0x09c1495be913f, 0x3aa4e241afb6d },
			{ 0x739d23f9179a2, 0x632fadbb9e8c4, 0x7c8522bfe0c48, 0x6ed0983ef5aa9, 0x0d2237687b5f4 },
			{ 0x138bf2a3305f5, 0x1f45d24d86598, 0x5274bad2160fe, 0x1b6041d58d12a, 0x32fcaa6e4687a }
		} },
		{ {	/* m = 5 */
			{ 0x7a4732787ccdf, 0x11e427c7f0640, 0x03659385f8c64, 0x5f4ead9766bfb, 0x746f6336c2600 },
			{ 0x56e8dc57d9af5, 0x5b3be17be4f78, 0x3bf928cf82f4b, 0x52e55600a6f11, 0x4627e9cefebd6 },
			{ 0x2f345ab6c971c, 0x653286e63e7e9, 0x51061b78a23ad, 0x14999acb54501, 0x7b4917007ed66 }
		} },
		{ {	/* m = 6 */
			{ 0x41b28dd53a2dd, 0x37be85f87ea86, 0x74be3d2a85e41, 0x1be87fac96ca6, 0x1d03620fe08cd },
			{ 0x5fb5cab84b064, 0x2513e778285b0, 0x457383125e043, 0x6bda3b56e223d, 0x122ba376f844f },
			{ 0x232cda2b4e554, 0x0422ba30ff840, 0x751e7667b43f5, 0x6261755da5f3e, 0x02c70bf52b68e }
		} },
		{ {	/* m = 7 */
			{ 0x532bf458d72e1, 0x40f96e796b59c, 0x22ef79d6f9da3, 0x501ab67beca77, 0x6b0697e3feb43 },
			{ 0x7ec4b5d0b2fbb, 0x200e910595450, 0x742057105715e, 0x2f07022530f60, 0x26334f0a409ef },
			{ 0x0f04adf62a3c0, 0x5e0edb48bb6d9, 0x7c34aa4fbc003, 0x7d74e4e5cac24, 0x1cc37f43441b2 }
		} },
		{ {	/* m = 8 */
			{ 0x656f1c9ceaeb9, 0x7031cacad5aec, 0x1308cd0716c57, 0x41c1373941942, 0x3a346f772f196 },
			{ 0x7565a5cc7324f, 0x01ca0d5244a11, 0x116b067418713, 0x0a57d8c55edae, 0x6c6809c103803 },
			{ 0x55112e2da6ac8, 0x6363d0a3dba5a, 0x319c98ba6f40c, 0x2e84b03a36ec7, 0x05911b9f6ef7c }
		} },
	},
};
/* END BASE TABLE */

/* t = e * row[0] for a digit e in [-8, 8], where row[m - 1] = m * P.
 * Reads all eight entries whatever e is: each limb is the OR of every
 * entry's limb under that entry's mask, accumulated in registers. */
static void
ge_select(ge_niels *t, const ge_niels row[8], int e, fe *s)
{
	uint32_t u = (uint32_t)e;
	uint32_t neg = u >> 31;
	uint32_t abs = (u ^ (0u - neg)) + neg;
	uint64_t nmask = ct_barrier((uint64_t)0 - neg);
	uint64_t m[8], r0, r1, r2, r3, r4;
	const uint64_t *a;
	int i, f;

	for (i = 0; i < 8; i++)
		m[i] = ct_eq_mask(abs, (uint32_t)i + 1);
	for (f = 0; f < 3; f++) {
		r0 = r1 = r2 = r3 = r4 = 0;
		for (i = 0; i < 8; i++) {
			a = row[i].c[f];
			r0 |= m[i] & a[0];
			r1 |= m[i] & a[1];
			r2 |= m[i] & a[2];
			r3 |= m[i] & a[3];
			r4 |= m[i] & a[4];
		}
		t->c[f][0] = r0;
		t->c[f][1] = r1;
		t->c[f][2] = r2;
		t->c[f][3] = r3;
		t->c[f][4] = r4;
	}
	/* e = 0 matched no entry: make it the identity, y + x = y - x = 1. */
	m[0] = ct_eq_mask(abs, 0) & 1;
	t->c[YPX][0] |= m[0];
	t->c[YMX][0] |= m[0];
	/* -(x, y) = (-x, y): swaps y + x with y - x and negates 2 d x y. */
	fe_cswap(t->c[YPX], t->c[YMX], nmask);
	fe_sub(s[0], fe_zero, t->c[XY2D]);
	fe_cmov(t->c[XY2D], s[0], nmask);
}

/* see ed25519.h */
void
rs_ed25519_public_from_seed(unsigned char pk[32], const unsigned char seed[32])
{
	/* Every secret lives here, so that one wipe covers them all (what the
	 * compiler spills inside fe_mul and fe_sq is not covered). */
	struct {
		br_sha512_context sha;
		unsigned char h[64];
		signed char e[64];
		ge r;
		ge_niels t;
		fe s[FE_SCRATCH];
		unsigned char xb[32];
	} w;
	int i, j, k;

	br_sha512_init(&w.sha);
	br_sha512_update(&w.sha, seed, 32);
	br_sha512_out(&w.sha, w.h);
	w.h[0] &= 0xF8;
	w.h[31] &= 0x7F;
	w.h[31] |= 0x40;

	/* Signed radix 16: nibbles in [0, 15], then move 16 from any digit
	 * >= 8 into the next one.  s < 2^255 keeps e[63] in [0, 8]. */
	for (i = 0; i < 32; i++) {
		w.e[2 * i] = (signed char)(w.h[i] & 15);
		w.e[2 * i + 1] = (signed char)(w.h[i] >> 4);
	}
	for (i = 0; i < 63; i++) {
		int c = (w.e[i] + 8) >> 4;      /* e[i] + 8 is never negative */

		w.e[i] = (signed char)(w.e[i] - c * 16);
		w.e[i + 1] = (signed char)(w.e[i + 1] + c);
	}

	memset(&w.r, 0, sizeof w.r);
	w.r.Y[0] = 1;
	w.r.Z[0] = 1;
	for (j = 7; j >= 0; j--) {
		if (j != 7)
			for (i = 0; i < 4; i++)
				ge_dbl(&w.r, &w.r, i == 3, w.s);
		for (k = 0; k < 8; k++) {
			ge_select(&w.t, base[k], w.e[8 * k + j], w.s);
			ge_madd(&w.r, &w.r, &w.t, w.s);
		}
	}

	/* Affine x and y: x only for its parity, y as the encoding. */
	fe_invert(w.r.Z, w.r.Z, w.s);
	fe_mul(w.r.X, w.r.X, w.r.Z);
	fe_mul(w.r.Y, w.r.Y, w.r.Z);
	fe_canon(w.r.X);
	fe_canon(w.r.Y);
	fe_pack(w.xb, w.r.X);
	fe_pack(pk, w.r.Y);
	pk[31] |= (unsigned char)((w.xb[0] & 1) << 7);

	wipe(&w, sizeof w);
}
