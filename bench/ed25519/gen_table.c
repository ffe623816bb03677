/* gen_table.c: prints the base table of crypto/ed25519.c.
 *
 * Entry [k][m - 1] is m * 2^(32 k) * B for k = 0..7, m = 1..8, as canonical
 * limbs of y + x, y - x and 2 d x y.  Everything is derived here from the
 * definitions in RFC 8032 section 5.1 (p, d = -121665/121666, B = the point
 * with y = 4/5 and x even) using only the field functions of ed25519.c,
 * which this file includes whole.  Points are added with the affine
 * twisted-Edwards law, one inversion per coordinate, not with ed25519.c's
 * projective formulas, so a mistake in those cannot hide in the table.
 *
 * Checks before printing (exit 1 on failure): B encodes as 58 66..66, every
 * point is on the curve, and [L]B is the identity.
 *
 * It prints the whole block between the BEGIN/END BASE TABLE markers.
 * `sh bench/ed25519.sh table` builds it and splices its output into
 * crypto/ed25519.c; tests/t-ed25519-oracle.sh checks the two agree. */
#include <stdio.h>
#include <stdlib.h>

#include "ed25519.c"

typedef struct {
	fe x, y;
} pt;

static fe D;            /* d = -121665 / 121666 */
static fe S[4];         /* scratch for fe_invert */

static void
fe_copy(fe r, const fe a)
{
	int i;

	for (i = 0; i < 5; i++)
		r[i] = a[i];
}

static void
fe_set(fe r, uint64_t v)
{
	r[0] = v;
	r[1] = r[2] = r[3] = r[4] = 0;
}

static int
fe_equal(const fe a, const fe b)
{
	unsigned char x[32], y[32];
	fe t;

	fe_copy(t, a);
	fe_canon(t);
	fe_pack(x, t);
	fe_copy(t, b);
	fe_canon(t);
	fe_pack(y, t);
	return memcmp(x, y, 32) == 0;
}

static void
fe_div(fe r, const fe a, const fe b)
{
	fe t;

	fe_invert(t, b, S);
	fe_mul(r, a, t);
}

/* r = a^e, e given as 32 little-endian bytes. */
static void
fe_pow(fe r, const fe a, const unsigned char e[32])
{
	fe t;
	int i;

	fe_set(t, 1);
	for (i = 255; i >= 0; i--) {
		fe_sq(t, t);
		if (e[i >> 3] >> (i & 7) & 1)
			fe_mul(t, t, a);
	}
	fe_copy(r, t);
}

/* 2^k - c as 32 little-endian bytes (1 <= c <= 256, 8 <= k < 256). */
static void
pow2_minus(unsigned char e[32], int k, unsigned c)
{
	int i;

	memset(e, 0, 32);
	for (i = 0; i < k; i++)
		e[i >> 3] |= (unsigned char)(1u << (i & 7));
	/* 2^k - c = (2^k - 1) - (c - 1), and the low byte is 0xff */
	e[0] = (unsigned char)(e[0] - (c - 1));
}

static int
on_curve(const pt *p)
{
	fe xx, yy, l, r;

	/* -x^2 + y^2 == 1 + d x^2 y^2 */
	fe_sq(xx, p->x);
	fe_sq(yy, p->y);
	fe_sub(l, yy, xx);
	fe_mul(r, xx, yy);
	fe_mul(r, r, D);
	fe_set(xx, 1);
	fe_add(r, r, xx);
	return fe_equal(l, r);
}

/* r = p + q: x3 = (x1 y2 + y1 x2) / (1 + d x1 x2 y1 y2),
 *            y3 = (y1 y2 + x1 x2) / (1 - d x1 x2 y1 y2)   (a = -1). */
static void
pt_add(pt *r, const pt *p, const pt *q)
{
	fe xx, yy, v, a, b, one, den;

	fe_set(one, 1);
	fe_mul(xx, p->x, q->x);
	fe_mul(yy, p->y, q->y);
	fe_mul(v, xx, yy);
	fe_mul(v, v, D);
	fe_mul(a, p->x, q->y);
	fe_mul(b, p->y, q->x);
	fe_add(a, a, b);
	fe_add(den, one, v);
	fe_div(a, a, den);
	fe_add(b, yy, xx);
	fe_sub(den, one, v);
	fe_div(b, b, den);
	fe_canon(a);
	fe_canon(b);
	fe_copy(r->x, a);
	fe_copy(r->y, b);
}

static void
die(const char *why)
{
	fprintf(stderr, "gen_table: %s\n", why);
	exit(1);
}

static void
print_fe(const fe a, const char *end)
{
	printf("\t\t\t{ 0x%013llx, 0x%013llx, 0x%013llx, 0x%013llx, 0x%013llx }%s\n",
	    (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
	    (unsigned long long)a[3], (unsigned long long)a[4], end);
}

int
main(void)
{
	/* L = 2^252 + 27742317777372353535851937790883648493, little-endian */
	static const unsigned char order[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	unsigned char e[32], enc[32];
	fe t, u, v, one;
	pt b, p, q, acc;
	int i, k, m, have;

	fe_set(one, 1);

	/* d = -121665 / 121666 */
	fe_set(t, 121665);
	fe_sub(t, fe_zero, t);
	fe_set(u, 121666);
	fe_div(D, t, u);

	/* B: y = 4/5, x^2 = (y^2 - 1) / (d y^2 + 1), x even. */
	fe_set(t, 4);
	fe_set(u, 5);
	fe_div(b.y, t, u);
	fe_sq(t, b.y);
	fe_sub(u, t, one);
	fe_mul(t, t, D);
	fe_add(t, t, one);
	fe_div(u, u, t);                /* u = x^2 */
	/* p = 5 (mod 8): x = u^((p + 3) / 8), times sqrt(-1) = 2^((p - 1) / 4)
	 * when that squares to -u instead. */
	pow2_minus(e, 252, 2);          /* (p + 3) / 8 = 2^252 - 2 */
	fe_pow(b.x, u, e);
	fe_sq(t, b.x);
	if (!fe_equal(t, u)) {
		fe_sub(v, fe_zero, u);
		if (!fe_equal(t, v))
			die("x^2 of B is not a square");
		pow2_minus(e, 253, 5);  /* (p - 1) / 4 = 2^253 - 5 */
		fe_set(t, 2);
		fe_pow(t, t, e);
		fe_mul(b.x, b.x, t);
	}
	fe_canon(b.x);
	fe_canon(b.y);
	fe_pack(enc, b.x);
	if (enc[0] & 1)
		fe_sub(b.x, fe_zero, b.x);
	fe_canon(b.x);
	if (!on_curve(&b))
		die("B is not on the curve");
	fe_pack(enc, b.y);
	for (i = 0; i < 32; i++)
		if (enc[i] != (i ? 0x66 : 0x58))
			die("B does not encode as 58 66..66");

	/* [L]B = identity (x = 0, y = 1), by affine double-and-add. */
	have = 0;
	for (i = 255; i >= 0; i--) {
		if (have)
			pt_add(&acc, &acc, &acc);
		if (order[i >> 3] >> (i & 7) & 1) {
			if (have)
				pt_add(&acc, &acc, &b);
			else
				acc = b;
			have = 1;
		}
	}
	if (!fe_equal(acc.x, fe_zero) || !fe_equal(acc.y, one))
		die("[L]B is not the identity");

	printf("/* BEGIN BASE TABLE: generated by bench/ed25519/gen_table.c; do not edit. */\n");
	printf("static const ge_niels base[8][8] = {\n");
	p = b;
	for (k = 0; k < 8; k++) {
		printf("\t{\t/* m 2^%d B */\n", 32 * k);
		q = p;
		for (m = 1; m <= 8; m++) {
			if (!on_curve(&q))
				die("a multiple is off the curve");
			fe_add(t, q.y, q.x);
			fe_canon(t);
			fe_sub(u, q.y, q.x);
			fe_canon(u);
			fe_mul(v, q.x, q.y);
			fe_mul(v, v, D);
			fe_add(v, v, v);
			fe_canon(v);
			printf("\t\t{ {\t/* m = %d */\n", m);
			print_fe(t, ",");
			print_fe(u, ",");
			print_fe(v, "");
			printf("\t\t} },\n");
			pt_add(&q, &q, &p);
		}
		printf("\t},\n");
		for (i = 0; i < 32; i++)
			pt_add(&p, &p, &p);
	}
	printf("};\n");
	printf("/* END BASE TABLE */\n");
	return 0;
}
