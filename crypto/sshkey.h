/* sshkey.h: SSH host keys, generated from rs_rng and encoded byte-compatibly
 * with ssh-keygen (openssh-key-v1, unencrypted) and dropbear.
 *
 * Formats: docs/keys.md §2 (OpenSSH) and §3 (dropbear).
 * Every buffer holding secrets is the caller's rs_sshkey; rs_sshkey_wipe()
 * clears it.  Encoders write into caller buffers and never allocate. */
#ifndef RS_SSHKEY_H
#define RS_SSHKEY_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>        /* not bearssl_rsa.h: see rng.h */

#include "rng.h"

enum rs_keytype {
	RS_KEY_ED25519,
	RS_KEY_ECDSA_P256,
	RS_KEY_RSA3072,
	RS_KEY_NTYPES
};

#define RS_RSA_BITS        3072
#define RS_SSHKEY_FILE_MAX 4096   /* any encoded file or .pub line fits */

typedef struct {
	enum rs_keytype type;
	unsigned char seed[32];           /* ed25519 */
	unsigned char pk[32];             /* ed25519 */
	unsigned char ec_d[32];           /* ecdsa: private scalar, big-endian */
	unsigned char ec_q[65];           /* ecdsa: 04 || X || Y */
	br_rsa_private_key rsa_sk;        /* rsa: p q dp dq iq point into rsa_kpriv */
	br_rsa_public_key rsa_pk;         /* rsa: n e point into rsa_kpub */
	unsigned char rsa_kpriv[BR_RSA_KBUF_PRIV_SIZE(RS_RSA_BITS)];
	unsigned char rsa_kpub[BR_RSA_KBUF_PUB_SIZE(RS_RSA_BITS)];
	unsigned char rsa_d[RS_RSA_BITS / 8];
	size_t rsa_dlen;
} rs_sshkey;

/* "ed25519", "ecdsa", "rsa": the names used in file names and in config.
 * Both name functions return NULL if t is not a key type. */
const char *rs_keytype_name(enum rs_keytype t);
/* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
const char *rs_keytype_ssh_name(enum rs_keytype t);
/* Parse a config name ("ed25519", "ecdsa", "rsa"); -EINVAL if unknown. */
int rs_keytype_parse(const char *name);

/* Generate a key of type t from rng (which must be ready).
 * Returns 0, or -EINVAL (rng not ready, unknown type), -ENOTSUP or -EIO
 * (BearSSL refused); key is wiped on failure.  RSA takes about 1.5 s on
 * average, with a tail beyond 6 s (docs/keys.md §8).
 * The RSA fields point into key itself: do not copy an rs_sshkey. */
int rs_sshkey_generate(rs_sshkey *key, enum rs_keytype t, rs_rng *rng);

/* Build from an Ed25519 seed (for test vectors and the oracle tests). */
void rs_sshkey_from_ed25519_seed(rs_sshkey *key, const unsigned char seed[32]);

/* The SSH wire public-key blob.  Returns its length, or 0 if cap is short. */
size_t rs_sshkey_public_blob(const rs_sshkey *key, unsigned char *out, size_t cap);

/* "-----BEGIN OPENSSH PRIVATE KEY-----\n...-----END OPENSSH PRIVATE KEY-----\n"
 * with base64 lines of 70 characters, exactly as ssh-keygen writes it.
 * Returns the length written (no NUL counted; a NUL is appended), or 0 if
 * cap is short, in which case whatever was written is wiped.  A NULL
 * comment is the empty comment. */
size_t rs_sshkey_openssh_private(const rs_sshkey *key, const char *comment,
    uint32_t checkint, char *out, size_t cap);

/* "<type> <base64 blob> <comment>\n".  Returns length or 0. */
size_t rs_sshkey_openssh_public(const rs_sshkey *key, const char *comment,
    char *out, size_t cap);

/* Dropbear's raw host-key file (binary, no NUL).  Returns length or 0. */
size_t rs_sshkey_dropbear(const rs_sshkey *key, unsigned char *out, size_t cap);

/* "SHA256:<unpadded base64>" as ssh-keygen -l prints it.  out >= 51 bytes. */
void rs_sshkey_fingerprint(const rs_sshkey *key, char out[64]);

/* Wipe every secret in key. */
void rs_sshkey_wipe(rs_sshkey *key);

#endif
