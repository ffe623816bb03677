/* ed25519.h: Ed25519 public-key derivation (RFC 8032 section 5.1.5).
 *
 * Our own constant-time GF(2^255-19) and twisted-Edwards arithmetic (BearSSL
 * has X25519 only, which loses the sign of x: keys-and-entropy.md 4.4).
 * Only key generation is provided: reseal never signs. */
#ifndef RS_ED25519_H
#define RS_ED25519_H

/* pk = encode([s]B), s = pruned SHA-512(seed)[0..31].  Constant time in
 * seed.  Intermediate secrets are wiped before return. */
void rs_ed25519_public_from_seed(unsigned char pk[32], const unsigned char seed[32]);

#endif
