/* ed25519.h: Ed25519 public-key derivation (RFC 8032 section 5.1.5).
 *
 * Our own constant-time GF(2^255-19) and twisted-Edwards arithmetic (BearSSL
 * has X25519 only, which loses the sign of x: docs/keys.md §4.4).
 * Only key generation is provided: reseal never signs. */
#ifndef RS_ED25519_H
#define RS_ED25519_H

/* pk = encode([s]B), s = pruned SHA-512(seed)[0..31]: y of [s]B, 32 bytes
 * little-endian, with the parity of x in bit 7 of pk[31].  Constant time in
 * seed: no branch or memory address depends on it.  The hash, the scalar
 * and every intermediate point are wiped before return (register spills
 * inside the field arithmetic are not).  pk may be the same buffer as seed. */
void rs_ed25519_public_from_seed(unsigned char pk[32], const unsigned char seed[32]);

#endif
