/* sshkey.c: see sshkey.h.  Byte formats: docs/keys.md §2, §3. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <bearssl.h>

#include "base64.h"
#include "ed25519.h"
#include "rng.h"
#include "sshkey.h"

#define ARMOR_BEGIN  "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define ARMOR_END    "-----END OPENSSH PRIVATE KEY-----\n"
#define ARMOR_WIDTH  70          /* ssh-keygen's base64 line length */
#define AUTH_MAGIC   "openssh-key-v1"
#define BLOB_MAX     512         /* an RSA-3072 public blob is 409 bytes */
#define EC_CURVE     "nistp256"
#define EC_KEYGEN_TRIES 16

static const char *const names[RS_KEY_NTYPES] = {
	[RS_KEY_ED25519] = "ed25519",
	[RS_KEY_ECDSA_P256] = "ecdsa",
	[RS_KEY_RSA3072] = "rsa",
};

static const char *const ssh_names[RS_KEY_NTYPES] = {
	[RS_KEY_ED25519] = "ssh-ed25519",
	[RS_KEY_ECDSA_P256] = "ecdsa-sha2-nistp256",
	[RS_KEY_RSA3072] = "ssh-rsa",
};

/* see sshkey.h */
const char *
rs_keytype_name(enum rs_keytype t)
{
	return (unsigned)t < RS_KEY_NTYPES ? names[t] : NULL;
}

/* see sshkey.h */
const char *
rs_keytype_ssh_name(enum rs_keytype t)
{
	return (unsigned)t < RS_KEY_NTYPES ? ssh_names[t] : NULL;
}

/* see sshkey.h */
int
rs_keytype_parse(const char *name)
{
	int t;

	for (t = 0; t < RS_KEY_NTYPES; t++)
		if (!strcmp(name, names[t]))
			return t;
	return -EINVAL;
}

/*
 * A byte sink, so that each format is written by one linear function that
 * serves three purposes: counting its length (SINK_COUNT), writing raw
 * bytes (SINK_RAW), and writing the armored base64 of a private key
 * (SINK_B64) without ever holding the decoded secret blob in one buffer.
 * Running out of room is sticky: later puts do nothing and err stays set.
 */
enum sink_mode { SINK_COUNT, SINK_RAW, SINK_B64 };

struct sink {
	enum sink_mode mode;
	unsigned char *out;
	size_t cap;
	size_t len;              /* bytes written to out */
	size_t count;            /* bytes put (before base64) */
	unsigned char carry[3];  /* SINK_B64: input not yet encoded */
	size_t ncarry;
	size_t col;              /* SINK_B64: characters on the current line */
	int err;
};

static void
sink_init(struct sink *s, enum sink_mode mode, void *out, size_t cap)
{
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->out = out;
	s->cap = cap;
}

static void
sink_raw(struct sink *s, const void *p, size_t n)
{
	if (!n)
		return;
	if (s->err || n > s->cap - s->len) {
		s->err = 1;
		return;
	}
	memcpy(s->out + s->len, p, n);
	s->len += n;
}

/* One base64 character, with a newline after every ARMOR_WIDTH of them. */
static void
sink_b64_char(struct sink *s, char c)
{
	sink_raw(s, &c, 1);
	if (++s->col == ARMOR_WIDTH) {
		sink_raw(s, "\n", 1);
		s->col = 0;
	}
}

static void
sink_b64_flush(struct sink *s)
{
	char enc[5];
	size_t i, n;

	n = rs_base64_encode(enc, sizeof enc, s->carry, s->ncarry, 1);
	for (i = 0; i < n; i++)
		sink_b64_char(s, enc[i]);
	rs_wipe(enc, sizeof enc);
	rs_wipe(s->carry, sizeof s->carry);
	s->ncarry = 0;
}

static void
sink_put(struct sink *s, const void *p, size_t n)
{
	const unsigned char *b = p;

	s->count += n;
	switch (s->mode) {
	case SINK_COUNT:
		break;
	case SINK_RAW:
		sink_raw(s, p, n);
		break;
	case SINK_B64:
		while (n--) {
			s->carry[s->ncarry++] = *b++;
			if (s->ncarry == 3)
				sink_b64_flush(s);
		}
		break;
	}
}

/* Encode what is left and end the last line, as sshbuf_dtob64() does. */
static void
sink_b64_finish(struct sink *s)
{
	if (s->ncarry)
		sink_b64_flush(s);
	if (s->col)
		sink_raw(s, "\n", 1);
	s->col = 0;
	s->mode = SINK_RAW;
}

static void
put_u32(struct sink *s, uint32_t v)
{
	unsigned char b[4];

	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
	sink_put(s, b, 4);
}

static void
put_string(struct sink *s, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		s->err = 1;
		return;
	}
	put_u32(s, (uint32_t)n);
	sink_put(s, p, n);
}

static void
put_cstring(struct sink *s, const char *str)
{
	put_string(s, str, strlen(str));
}

/* RFC 4251 mpint of an unsigned big-endian number: leading zeros stripped,
 * one 00 prepended when the top bit is set (the reader would otherwise
 * take it as negative), and zero as the empty string. */
static void
put_mpint(struct sink *s, const unsigned char *p, size_t n)
{
	static const unsigned char zero = 0;
	int pad;

	while (n && !*p) {
		p++;
		n--;
	}
	pad = n && (*p & 0x80);
	put_u32(s, (uint32_t)(n + (size_t)pad));
	if (pad)
		sink_put(s, &zero, 1);
	sink_put(s, p, n);
}

static void
put_ecdsa_public(struct sink *s, const rs_sshkey *key)
{
	put_cstring(s, ssh_names[RS_KEY_ECDSA_P256]);
	put_cstring(s, EC_CURVE);
	put_string(s, key->ec_q, sizeof key->ec_q);
}

/* The public blob's fields, without its own length prefix. */
static void
put_public_blob(struct sink *s, const rs_sshkey *key)
{
	switch (key->type) {
	case RS_KEY_ED25519:
		put_cstring(s, ssh_names[RS_KEY_ED25519]);
		put_string(s, key->pk, sizeof key->pk);
		break;
	case RS_KEY_ECDSA_P256:
		put_ecdsa_public(s, key);
		break;
	case RS_KEY_RSA3072:
		put_cstring(s, ssh_names[RS_KEY_RSA3072]);
		put_mpint(s, key->rsa_pk.e, key->rsa_pk.elen);
		put_mpint(s, key->rsa_pk.n, key->rsa_pk.nlen);
		break;
	default:
		s->err = 1;
	}
}

/* The key fields of the private section, between the check-ints and the
 * comment (docs/keys.md §2.2, §2.7, §2.8). */
static void
put_private_fields(struct sink *s, const rs_sshkey *key)
{
	switch (key->type) {
	case RS_KEY_ED25519:
		put_cstring(s, ssh_names[RS_KEY_ED25519]);
		put_string(s, key->pk, sizeof key->pk);
		put_u32(s, 64);
		sink_put(s, key->seed, sizeof key->seed);
		sink_put(s, key->pk, sizeof key->pk);
		break;
	case RS_KEY_ECDSA_P256:
		put_ecdsa_public(s, key);
		put_mpint(s, key->ec_d, sizeof key->ec_d);
		break;
	case RS_KEY_RSA3072:
		/* n before e here, e before n in the public blob. */
		put_cstring(s, ssh_names[RS_KEY_RSA3072]);
		put_mpint(s, key->rsa_pk.n, key->rsa_pk.nlen);
		put_mpint(s, key->rsa_pk.e, key->rsa_pk.elen);
		put_mpint(s, key->rsa_d, key->rsa_dlen);
		put_mpint(s, key->rsa_sk.iq, key->rsa_sk.iqlen);
		put_mpint(s, key->rsa_sk.p, key->rsa_sk.plen);
		put_mpint(s, key->rsa_sk.q, key->rsa_sk.qlen);
		break;
	default:
		s->err = 1;
	}
}

/* Finish a sink into a caller's buffer: NUL-terminate and return the
 * length, or wipe what was written (it may encode secrets) and return 0. */
static size_t
sink_end(struct sink *s)
{
	size_t n = s->len;

	if (!s->err && s->len < s->cap) {
		s->out[s->len] = '\0';
	} else {
		rs_wipe(s->out, s->len);
		n = 0;
	}
	rs_wipe(s, sizeof *s);
	return n;
}

/* see sshkey.h */
size_t
rs_sshkey_public_blob(const rs_sshkey *key, unsigned char *out, size_t cap)
{
	struct sink s;

	sink_init(&s, SINK_RAW, out, cap);
	put_public_blob(&s, key);
	return s.err ? 0 : s.len;
}

/* see sshkey.h */
size_t
rs_sshkey_openssh_private(const rs_sshkey *key, const char *comment,
    uint32_t checkint, char *out, size_t cap)
{
	struct sink s;
	size_t publen, privlen, i;
	unsigned char pad;

	if (!comment)
		comment = "";

	/* Both sections are length-prefixed: measure them first. */
	sink_init(&s, SINK_COUNT, NULL, 0);
	put_public_blob(&s, key);
	publen = s.count;
	sink_init(&s, SINK_COUNT, NULL, 0);
	put_u32(&s, checkint);
	put_u32(&s, checkint);
	put_private_fields(&s, key);
	put_cstring(&s, comment);
	privlen = s.count;
	if (s.err || privlen > UINT32_MAX - 8)
		return 0;
	/* The "none" cipher has an 8-byte block: pad with 1, 2, 3, ... */
	pad = (unsigned char)((8 - privlen % 8) % 8);

	sink_init(&s, SINK_RAW, out, cap);
	sink_put(&s, ARMOR_BEGIN, sizeof ARMOR_BEGIN - 1);
	s.mode = SINK_B64;
	sink_put(&s, AUTH_MAGIC, sizeof AUTH_MAGIC);   /* with its NUL */
	put_cstring(&s, "none");                       /* cipher */
	put_cstring(&s, "none");                       /* kdf */
	put_string(&s, "", 0);                         /* kdf options */
	put_u32(&s, 1);                                /* number of keys */
	put_u32(&s, (uint32_t)publen);
	put_public_blob(&s, key);
	put_u32(&s, (uint32_t)(privlen + pad));
	put_u32(&s, checkint);
	put_u32(&s, checkint);
	put_private_fields(&s, key);
	put_cstring(&s, comment);
	for (i = 1; i <= pad; i++) {
		unsigned char b = (unsigned char)i;
		sink_put(&s, &b, 1);
	}
	sink_b64_finish(&s);
	sink_put(&s, ARMOR_END, sizeof ARMOR_END - 1);
	return sink_end(&s);
}

/* see sshkey.h */
size_t
rs_sshkey_openssh_public(const rs_sshkey *key, const char *comment,
    char *out, size_t cap)
{
	unsigned char blob[BLOB_MAX];
	const char *type = rs_keytype_ssh_name(key->type);
	struct sink s;
	size_t n, b;

	if (!comment)
		comment = "";
	n = rs_sshkey_public_blob(key, blob, sizeof blob);
	if (!n || !type)
		return 0;
	sink_init(&s, SINK_RAW, out, cap);
	sink_put(&s, type, strlen(type));
	sink_put(&s, " ", 1);
	if (!s.err) {
		b = rs_base64_encode(out + s.len, cap - s.len, blob, n, 1);
		if (b)
			s.len += b;
		else
			s.err = 1;
	}
	sink_put(&s, " ", 1);
	sink_put(&s, comment, strlen(comment));
	sink_put(&s, "\n", 1);
	return sink_end(&s);
}

/* see sshkey.h */
size_t
rs_sshkey_dropbear(const rs_sshkey *key, unsigned char *out, size_t cap)
{
	struct sink s;
	size_t n;

	sink_init(&s, SINK_RAW, out, cap);
	switch (key->type) {
	case RS_KEY_ED25519:
		/* dropbear's 64-byte secret is seed || pk, as OpenSSH's. */
		put_cstring(&s, ssh_names[RS_KEY_ED25519]);
		put_u32(&s, 64);
		sink_put(&s, key->seed, sizeof key->seed);
		sink_put(&s, key->pk, sizeof key->pk);
		break;
	case RS_KEY_ECDSA_P256:
		put_ecdsa_public(&s, key);
		put_mpint(&s, key->ec_d, sizeof key->ec_d);
		break;
	case RS_KEY_RSA3072:
		put_cstring(&s, ssh_names[RS_KEY_RSA3072]);
		put_mpint(&s, key->rsa_pk.e, key->rsa_pk.elen);
		put_mpint(&s, key->rsa_pk.n, key->rsa_pk.nlen);
		put_mpint(&s, key->rsa_d, key->rsa_dlen);
		put_mpint(&s, key->rsa_sk.p, key->rsa_sk.plen);
		put_mpint(&s, key->rsa_sk.q, key->rsa_sk.qlen);
		break;
	default:
		s.err = 1;
	}
	/* A binary file: no NUL is owed, so a full buffer is fine. */
	n = s.err ? 0 : s.len;
	if (!n)
		rs_wipe(out, s.len);
	rs_wipe(&s, sizeof s);
	return n;
}

/* see sshkey.h */
void
rs_sshkey_fingerprint(const rs_sshkey *key, char out[64])
{
	unsigned char blob[BLOB_MAX], h[32];
	br_sha256_context sha;
	size_t n;

	n = rs_sshkey_public_blob(key, blob, sizeof blob);
	br_sha256_init(&sha);
	br_sha256_update(&sha, blob, n);
	br_sha256_out(&sha, h);
	memcpy(out, "SHA256:", 7);
	rs_base64_encode(out + 7, 64 - 7, h, sizeof h, 0);
}

/* see sshkey.h */
void
rs_sshkey_from_ed25519_seed(rs_sshkey *key, const unsigned char seed[32])
{
	rs_wipe(key, sizeof *key);
	key->type = RS_KEY_ED25519;
	memcpy(key->seed, seed, sizeof key->seed);
	rs_ed25519_public_from_seed(key->pk, key->seed);
}

/* OpenSSH's sshkey_ec_validate_private() rejects d with bits(d) <= 128 or
 * d >= n - 1.  A uniform d fails with probability about 2^-128, but a key
 * the loader refuses would be no host key at all, so redraw instead.
 * The comparison runs over all bytes, without data-dependent branches. */
static int
ec_d_acceptable(const unsigned char d[32])
{
	/* P-256 group order minus one, big-endian. */
	static const unsigned char nm1[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x50,
	};
	unsigned high = 0, borrow = 0;
	int i;

	for (i = 0; i < 16; i++)
		high |= d[i];
	for (i = 31; i >= 0; i--) {
		unsigned t = (unsigned)d[i] - nm1[i] - borrow;
		borrow = (t >> 8) & 1;
	}
	return (high != 0) & borrow;         /* borrow: d < n - 1 */
}

static int
gen_ecdsa(rs_sshkey *key, rs_rng *rng)
{
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	const br_ec_impl *ec = br_ec_get_default();
	br_ec_private_key sk;
	int tries, r = -EIO;

	for (tries = 0; tries < EC_KEYGEN_TRIES; tries++) {
		if (br_ec_keygen(rs_rng_prng(rng), ec, &sk, kbuf,
		    BR_EC_secp256r1) != sizeof key->ec_d) {
			r = -ENOTSUP;
			break;
		}
		if (!ec_d_acceptable(sk.x))
			continue;
		memcpy(key->ec_d, sk.x, sizeof key->ec_d);
		if (br_ec_compute_pub(ec, NULL, key->ec_q, &sk) != sizeof key->ec_q) {
			r = -ENOTSUP;
			break;
		}
		r = 0;
		break;
	}
	rs_wipe(kbuf, sizeof kbuf);
	rs_wipe(&sk, sizeof sk);
	return r;
}

static int
gen_rsa(rs_sshkey *key, rs_rng *rng)
{
	/* BearSSL takes a pubexp of 0 to mean e = 3; OpenSSH uses 65537. */
	const uint32_t e = 65537;

	/* i62 (64-bit limbs, where the compiler has a 64x64->128 multiply)
	 * needs a third fewer instructions than i31 for the same key (callgrind,
	 * docs/keys.md §8); the key is the same function of the DRBG output. */
	br_rsa_keygen keygen = br_rsa_keygen_get_default();

	if (!keygen(rs_rng_prng(rng), &key->rsa_sk, key->rsa_kpriv,
	    &key->rsa_pk, key->rsa_kpub, RS_RSA_BITS, e))
		return -ENOTSUP;
	/* BearSSL's private key is CRT-only; OpenSSH's file also wants d. */
	key->rsa_dlen = br_rsa_i31_compute_privexp(key->rsa_d, &key->rsa_sk, e);
	if (key->rsa_dlen != key->rsa_pk.nlen || key->rsa_dlen > sizeof key->rsa_d)
		return -EIO;
	return 0;
}

/* see sshkey.h */
int
rs_sshkey_generate(rs_sshkey *key, enum rs_keytype t, rs_rng *rng)
{
	unsigned char seed[32];
	int r;

	rs_wipe(key, sizeof *key);
	if (!rng->ready)
		return -EINVAL;
	switch (t) {
	case RS_KEY_ED25519:
		rs_rng_bytes(rng, seed, sizeof seed);
		rs_sshkey_from_ed25519_seed(key, seed);
		rs_wipe(seed, sizeof seed);
		return 0;
	case RS_KEY_ECDSA_P256:
		key->type = t;
		r = gen_ecdsa(key, rng);
		break;
	case RS_KEY_RSA3072:
		key->type = t;
		r = gen_rsa(key, rng);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		rs_sshkey_wipe(key);
	return r;
}

/* see sshkey.h */
void
rs_sshkey_wipe(rs_sshkey *key)
{
	rs_wipe(key, sizeof *key);
}
