/* test_sshkey.c: SSH key encodings (docs/keys.md §2, §3), and
 * the `sshkey_write` helper that tests/t-keys.sh feeds to the real tools. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rng.h"
#include "sshkey.h"
#include "test.h"

void test_sshkey(void);
int tool_sshkey_write(int argc, char **argv);

#define TEST1_SEED "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define TEST1_PUB  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define TEST1_FP   "SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8"
#define BEGIN      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define END        "-----END OPENSSH PRIVATE KEY-----\n"

/* TEST 1 (RFC 8032 test 1 seed), comment "test@reseal", check-int deadbeef,
 * as tests/oracles/sshkey.py writes it:
 *   /usr/bin/python3 tests/oracles/sshkey.py write <TEST1_SEED> OUT
 *       --comment test@reseal --check deadbeef
 * tests/t-keys.sh checks that the oracle reproduces both strings byte for
 * byte, and that the oracle's keys pass key_structure, ssh-keygen -p
 * re-encoding (identical but for the check-ints) and sign/verify. */
static const char test1_golden[] =
    BEGIN
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGgAAAJDerb7v3q2+\n"
    "7wAAAAtzc2gtZWQyNTUxOQAAACDXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg\n"
    "AAAECdYbGd7/1aYLqESvSS7CzEREnFaXsyaRlwO6wDHK5/YNdamAGCsQq31Uv+08lkBzoO\n"
    "4XLz2qYjJa8CGmj3B1EaAAAAC3Rlc3RAcmVzZWFsAQI=\n"
    END;
static const char test1_golden_pub[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea test@reseal\n";

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Check the armor of an OpenSSH private key file (70-column lines, final
 * newline, no CR) and decode its body into out.  Returns the decoded
 * length, or 0 if the armor is wrong. */
static size_t
unarmor(const char *file, unsigned char *out, size_t cap)
{
	size_t flen = strlen(file), blen, i, n = 0, col = 0;
	const char *body;
	uint32_t acc = 0;
	int bits = 0;

	if (flen < sizeof BEGIN + sizeof END || strncmp(file, BEGIN, strlen(BEGIN)) ||
	    strcmp(file + flen - strlen(END), END))
		return 0;
	body = file + strlen(BEGIN);
	blen = flen - strlen(BEGIN) - strlen(END);
	for (i = 0; i < blen; i++) {
		int c = (unsigned char)body[i], v;
		if (c == '\n') {
			/* every line but the last is exactly 70 characters */
			if (col == 0 || col > 70 || (col != 70 && i + 1 != blen))
				return 0;
			col = 0;
			continue;
		}
		col++;
		if (c == '=')
			continue;
		if ((v = b64val(c)) < 0)
			return 0;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return 0;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return col == 0 ? n : 0;
}

/* A private key for TEST 1 with the given comment and check-int. */
static size_t
test1_private(const char *comment, uint32_t check, char *out, size_t cap)
{
	unsigned char seed[32];
	rs_sshkey key;
	size_t n;

	rs_test_hex(seed, 32, TEST1_SEED);
	rs_sshkey_from_ed25519_seed(&key, seed);
	n = rs_sshkey_openssh_private(&key, comment, check, out, cap);
	rs_sshkey_wipe(&key);
	return n;
}

/* The private section of a decoded openssh-key-v1 blob: checks the
 * envelope, sets *priv and returns privlen (0 if malformed). */
static size_t
private_section(const unsigned char *b, size_t n, const unsigned char **priv)
{
	size_t off = 15 + 8 + 8 + 4 + 4, publen, privlen;

	if (n < off + 4 || memcmp(b, "openssh-key-v1\0\0\0\0\4none\0\0\0\4none\0\0\0\0\0\0\0\1", off))
		return 0;
	publen = get_u32(b + off);
	off += 4 + publen;
	if (n < off + 4)
		return 0;
	privlen = get_u32(b + off);
	off += 4;
	if (off + privlen != n)
		return 0;
	*priv = b + off;
	return privlen;
}

static void
test_ed25519_files(void)
{
	static const unsigned char db_prefix[] =
	    "\0\0\0\13ssh-ed25519\0\0\0\100";
	unsigned char seed[32], pk[32], dec[RS_SSHKEY_FILE_MAX], db[128];
	const unsigned char *priv;
	char file[RS_SSHKEY_FILE_MAX], fp[64], first[71];
	rs_sshkey key;
	size_t n, d, plen, i;
	int ok;

	rs_test_hex(seed, 32, TEST1_SEED);
	rs_test_hex(pk, 32, TEST1_PUB);
	rs_sshkey_from_ed25519_seed(&key, seed);
	CHECK("TEST 1 seed gives the RFC 8032 public key", !memcmp(key.pk, pk, 32));
	rs_sshkey_fingerprint(&key, fp);
	CHECK("TEST 1 fingerprint is SHA256:bbXpuKG6...", !strcmp(fp, TEST1_FP));

	n = rs_sshkey_public_blob(&key, dec, sizeof dec);
	CHECK("ed25519 public blob is 51 bytes: string type, string pk",
	    n == 51 && !memcmp(dec, "\0\0\0\13ssh-ed25519\0\0\0\40", 19) &&
	    !memcmp(dec + 19, pk, 32));

	n = rs_sshkey_openssh_private(&key, "", 0x01020304, file, sizeof file);
	memcpy(first, file + strlen(BEGIN), 70);
	first[70] = '\0';
	CHECK("private file starts with the BEGIN line",
	    n > 0 && !strncmp(file, BEGIN, strlen(BEGIN)));
	CHECK("first base64 line is the ed25519 constant",
	    !strcmp(first, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"));
	CHECK("private file ends with the END line and its newline",
	    n == strlen(file) && n > strlen(END) && !strcmp(file + n - strlen(END), END));
	CHECK("private file has no CR", !strchr(file, '\r'));

	d = unarmor(file, dec, sizeof dec);
	CHECK("armor lines are 70 characters, the last one shorter", d > 0);
	plen = private_section(dec, d, &priv);
	CHECK("privlen is 136 for an empty comment", plen == 136 && d == 98 + 136);
	CHECK("the check-int is written twice",
	    plen && get_u32(priv) == 0x01020304 && get_u32(priv + 4) == 0x01020304);
	CHECK("private section holds seed || pk",
	    plen && get_u32(priv + 8 + 15 + 36) == 64 &&
	    !memcmp(priv + 8 + 15 + 36 + 4, seed, 32) &&
	    !memcmp(priv + 8 + 15 + 36 + 36, pk, 32));
	ok = plen == 136;
	for (i = 0; ok && i < 5; i++)
		ok = priv[131 + i] == i + 1;
	CHECK("padding is 1, 2, 3, ...", ok);

	ok = 1;
	for (i = 0; i < 20; i++) {
		char comment[32];
		memset(comment, 'c', i);
		comment[i] = '\0';
		n = test1_private(comment, 7, file, sizeof file);
		d = unarmor(file, dec, sizeof dec);
		plen = private_section(dec, d, &priv);
		ok &= n && plen == ((131 + i + 7) & ~(size_t)7);
	}
	CHECK("privlen is roundup8(131 + comment length)", ok);

	n = test1_private("test@reseal", 0xdeadbeef, file, sizeof file);
	CHECK("TEST 1 private file equals the oracle writer's byte for byte",
	    n == strlen(test1_golden) && !strcmp(file, test1_golden));
	n = rs_sshkey_openssh_public(&key, "test@reseal", file, sizeof file);
	CHECK("TEST 1 .pub line equals the oracle writer's",
	    n == strlen(test1_golden_pub) && !strcmp(file, test1_golden_pub));
	n = rs_sshkey_openssh_public(&key, "", file, sizeof file);
	CHECK(".pub base64 is 68 characters and an empty comment keeps the space",
	    n == 12 + 68 + 2 && !strncmp(file + 12, "AAAAC3NzaC1lZDI1NTE5AAAAI", 25) &&
	    !strcmp(file + 80, " \n"));

	n = rs_sshkey_dropbear(&key, db, sizeof db);
	CHECK("dropbear ed25519 is 83 bytes: type, 64, seed, pk",
	    n == 83 && !memcmp(db, db_prefix, 19) && !memcmp(db + 19, seed, 32) &&
	    !memcmp(db + 51, pk, 32));

	n = test1_private("", 1, file, sizeof file);
	CHECK("a buffer without room for the NUL gives 0 (private)",
	    n == 36 + 312 + 5 + 34 && test1_private("", 1, file, n) == 0 &&
	    test1_private("", 1, file, n + 1) == n);
	memset(file, 'x', sizeof file);
	test1_private("", 1, file, 200);
	ok = 1;
	for (i = 0; i < 200; i++)
		ok &= file[i] == 0;
	CHECK("a short buffer is wiped, not left with part of the key", ok);
	CHECK("a buffer one byte short gives 0 (public line, blob, dropbear)",
	    rs_sshkey_openssh_public(&key, "", file, 82) == 0 &&
	    rs_sshkey_openssh_public(&key, "", file, 83) == 82 &&
	    rs_sshkey_public_blob(&key, dec, 50) == 0 &&
	    rs_sshkey_dropbear(&key, db, 82) == 0 &&
	    rs_sshkey_dropbear(&key, db, 83) == 83);
	CHECK("capacity 0 gives 0", rs_sshkey_openssh_private(&key, "", 1, NULL, 0) == 0 &&
	    rs_sshkey_openssh_public(&key, "", NULL, 0) == 0 &&
	    rs_sshkey_dropbear(&key, NULL, 0) == 0);

	rs_sshkey_wipe(&key);
}

/* A hand-made RSA key, to pin the mpint rules without a 3072-bit keygen. */
static void
test_mpint(void)
{
	static const unsigned char want_blob[] =
	    "\0\0\0\7ssh-rsa"
	    "\0\0\0\3\1\0\1"              /* e: leading zero stripped */
	    "\0\0\0\3\0\x80\1";           /* n: top bit set, 00 prepended */
	unsigned char e[] = { 0, 1, 0, 1 }, n[] = { 0x80, 0x01 }, zero[] = { 0, 0 };
	unsigned char blob[64], db[256];
	rs_sshkey key;
	size_t len;

	memset(&key, 0, sizeof key);
	key.type = RS_KEY_RSA3072;
	key.rsa_pk.e = e;
	key.rsa_pk.elen = sizeof e;
	key.rsa_pk.n = n;
	key.rsa_pk.nlen = sizeof n;
	len = rs_sshkey_public_blob(&key, blob, sizeof blob);
	CHECK("mpint with the top bit set gets a 00 prefix; e before n in the blob",
	    len == sizeof want_blob - 1 && !memcmp(blob, want_blob, len));
	key.rsa_pk.n = zero;
	key.rsa_pk.nlen = sizeof zero;
	len = rs_sshkey_public_blob(&key, blob, sizeof blob);
	CHECK("mpint of zero is the empty string",
	    len == 11 + 7 + 4 && !memcmp(blob + 18, "\0\0\0\0", 4));

	memset(&key, 0, sizeof key);
	key.type = RS_KEY_ECDSA_P256;
	key.ec_d[0] = 0x80;
	key.ec_q[0] = 4;
	len = rs_sshkey_dropbear(&key, db, sizeof db);
	CHECK("ecdsa d with the top bit set is a 33-byte mpint (dropbear)",
	    len == 104 + 4 + 33 && get_u32(db + 104) == 33 && db[108] == 0 &&
	    db[109] == 0x80);
	key.ec_d[0] = 0;
	key.ec_d[1] = 0x7f;
	len = rs_sshkey_dropbear(&key, db, sizeof db);
	CHECK("ecdsa d with a leading zero byte is a 31-byte mpint",
	    len == 104 + 4 + 31 && get_u32(db + 104) == 31 && db[108] == 0x7f);
}

static void
test_generated(void)
{
	unsigned char blob[512], dec[RS_SSHKEY_FILE_MAX], db[RS_SSHKEY_FILE_MAX], z[32] = { 0 };
	const unsigned char *priv;
	char file[RS_SSHKEY_FILE_MAX], fp[64];
	rs_sshkey a, b;
	rs_rng rng;
	size_t n, i, plen;
	int ok;

	memset(&rng, 0, sizeof rng);
	CHECK("generate refuses an rng that is not ready",
	    rs_sshkey_generate(&a, RS_KEY_ED25519, &rng) == -EINVAL);
	if (rs_rng_init(&rng) != 0) {
		CHECK("rng for key generation", 0);
		return;
	}
	CHECK("generate refuses an unknown type",
	    rs_sshkey_generate(&a, RS_KEY_NTYPES, &rng) == -EINVAL);

	ok = rs_sshkey_generate(&a, RS_KEY_ED25519, &rng) == 0 &&
	    rs_sshkey_generate(&b, RS_KEY_ED25519, &rng) == 0;
	CHECK("two generated ed25519 keys differ",
	    ok && memcmp(a.seed, b.seed, 32) && memcmp(a.pk, b.pk, 32) &&
	    memcmp(a.seed, z, 32));

	ok = rs_sshkey_generate(&a, RS_KEY_ECDSA_P256, &rng) == 0;
	n = rs_sshkey_public_blob(&a, blob, sizeof blob);
	CHECK("ecdsa public blob is 104 bytes with an uncompressed point",
	    ok && n == 104 && !memcmp(blob, "\0\0\0\23ecdsa-sha2-nistp256\0\0\0\10nistp256\0\0\0\101\4", 40));
	n = rs_sshkey_openssh_private(&a, "x", 5, file, sizeof file);
	plen = private_section(dec, unarmor(file, dec, sizeof dec), &priv);
	CHECK("ecdsa private section: type, curve, Q, mpint d, comment, padding",
	    n && plen && plen % 8 == 0 && !memcmp(priv + 8, blob, 104) &&
	    get_u32(priv + 112) >= 31 && get_u32(priv + 112) <= 33);
	n = rs_sshkey_dropbear(&a, db, sizeof db);
	CHECK("ecdsa dropbear file is the public blob then mpint d",
	    n >= 104 + 4 + 31 && !memcmp(db, blob, 104) && n == 104 + 4 + get_u32(db + 104));
	rs_sshkey_fingerprint(&a, fp);
	CHECK("fingerprint is SHA256: and 43 characters", !strncmp(fp, "SHA256:", 7) &&
	    strlen(fp) == 50);

	ok = rs_sshkey_generate(&a, RS_KEY_RSA3072, &rng) == 0;
	n = rs_sshkey_public_blob(&a, blob, sizeof blob);
	CHECK("rsa key has e = 65537 (not BearSSL's default 3)",
	    ok && n > 18 && !memcmp(blob, "\0\0\0\7ssh-rsa\0\0\0\3\1\0\1", 18));
	CHECK("rsa modulus is 3072 bits, a 385-byte mpint",
	    ok && n == 18 + 4 + 385 && get_u32(blob + 18) == 385 && blob[22] == 0 &&
	    (blob[23] & 0x80) && a.rsa_sk.n_bitlen == 3072);
	CHECK("rsa d is as long as n", ok && a.rsa_dlen == 384);
	n = rs_sshkey_openssh_private(&a, "test@reseal", 9, file, sizeof file);
	plen = private_section(dec, unarmor(file, dec, sizeof dec), &priv);
	CHECK("rsa private section starts with n, then e",
	    n && plen && get_u32(priv + 8 + 11) == 385 &&
	    !memcmp(priv + 8 + 11 + 4, blob + 22, 385) &&
	    !memcmp(priv + 8 + 11 + 389, "\0\0\0\3\1\0\1", 7));
	CHECK("an rsa private file fits RS_SSHKEY_FILE_MAX", n > 0 && n < RS_SSHKEY_FILE_MAX);
	n = rs_sshkey_dropbear(&a, db, sizeof db);
	CHECK("rsa dropbear file starts with the public blob",
	    n > 0 && !memcmp(db, blob, 18 + 4 + 385));

	rs_sshkey_wipe(&a);
	ok = 1;
	for (i = 0; i < sizeof a; i++)
		ok &= ((unsigned char *)&a)[i] == 0;
	CHECK("rs_sshkey_wipe clears the whole key", ok);
	rs_sshkey_wipe(&b);
	rs_rng_wipe(&rng);
}

void
test_sshkey(void)
{
	CHECK("type names round-trip",
	    rs_keytype_parse("ed25519") == RS_KEY_ED25519 &&
	    rs_keytype_parse("ecdsa") == RS_KEY_ECDSA_P256 &&
	    rs_keytype_parse("rsa") == RS_KEY_RSA3072 &&
	    !strcmp(rs_keytype_name(RS_KEY_RSA3072), "rsa") &&
	    !strcmp(rs_keytype_ssh_name(RS_KEY_ECDSA_P256), "ecdsa-sha2-nistp256"));
	CHECK("unknown type names are refused",
	    rs_keytype_parse("dsa") == -EINVAL && rs_keytype_parse("") == -EINVAL &&
	    rs_keytype_name(RS_KEY_NTYPES) == NULL);
	test_ed25519_files();
	test_mpint();
	test_generated();
}

/* Write len bytes to path with exactly this mode.  Returns 0 or -errno. */
static int
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const unsigned char *p = data;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0)        /* the umask must not decide */
		r = -errno;
	while (!r && len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno != EINTR)
				r = -errno;
			continue;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

/* reseal-test sshkey_write TYPE OUT [SEEDHEX]: OUT (0600, openssh),
 * OUT.pub (0644) and OUT.dropbear (0600).  Exit 0, 100 on usage, 111. */
int
tool_sshkey_write(int argc, char **argv)
{
	static const char comment[] = "test@reseal";
	unsigned char seed[32], db[RS_SSHKEY_FILE_MAX];
	char file[RS_SSHKEY_FILE_MAX], path[4096];
	const char *what = "generate the key";
	uint32_t check;
	rs_sshkey key;
	rs_rng rng;
	size_t n;
	int t, r;

	if (argc < 3 || argc > 4 || (t = rs_keytype_parse(argv[1])) < 0 ||
	    (argc == 4 && (t != RS_KEY_ED25519 || rs_test_hex(seed, 32, argv[3])))) {
		fprintf(stderr, "usage: reseal-test sshkey_write ed25519|ecdsa|rsa OUT [SEEDHEX]\n"
		    "  (SEEDHEX: 64 hex digits, ed25519 only)\n");
		return 100;
	}
	if (strlen(argv[2]) > sizeof path - 16) {
		fprintf(stderr, "sshkey_write: path too long\n");
		return 100;
	}
	r = rs_rng_init(&rng);
	if (r < 0) {
		fprintf(stderr, "sshkey_write: unable to seed the rng: %s\n", strerror(-r));
		return 111;
	}
	rs_rng_bytes(&rng, &check, sizeof check);
	if (argc == 4) {
		rs_sshkey_from_ed25519_seed(&key, seed);
		memset(seed, 0, sizeof seed);
	} else {
		r = rs_sshkey_generate(&key, (enum rs_keytype)t, &rng);
	}
	rs_rng_wipe(&rng);

	if (r == 0) {
		what = "encode the private key";
		n = rs_sshkey_openssh_private(&key, comment, check, file, sizeof file);
		r = n ? write_file(argv[2], file, n, 0600) : -ENOBUFS;
	}
	if (r == 0) {
		what = "encode the public key";
		n = rs_sshkey_openssh_public(&key, comment, file, sizeof file);
		snprintf(path, sizeof path, "%s.pub", argv[2]);
		r = n ? write_file(path, file, n, 0644) : -ENOBUFS;
	}
	if (r == 0) {
		what = "encode the dropbear key";
		n = rs_sshkey_dropbear(&key, db, sizeof db);
		snprintf(path, sizeof path, "%s.dropbear", argv[2]);
		r = n ? write_file(path, db, n, 0600) : -ENOBUFS;
	}
	rs_sshkey_wipe(&key);
	memset(file, 0, sizeof file);
	memset(db, 0, sizeof db);
	if (r < 0) {
		fprintf(stderr, "sshkey_write: unable to %s: %s\n", what, strerror(-r));
		return 111;
	}
	return 0;
}
