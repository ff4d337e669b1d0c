/* Generated HTTP bodies and upload hashes, both through OpenSSL's EVP API
 * (libcrypto).
 *
 * GET /bytes/N returns the first N bytes of the AES-128-CTR keystream
 * under the key NSD_BODY_KEY_HEX with an all-zero initial counter block:
 * deterministic, without any short period (a misplaced or duplicated
 * segment changes the hash), generated at several GB/s, and computable by
 * any client with a stock tool:
 *
 *   head -c N /dev/zero |
 *   openssl enc -aes-128-ctr -K <key> -iv 00000000000000000000000000000000 |
 *   sha256sum
 *
 * (CTR is a stream mode: no padding, output as long as the input.)
 */
#ifndef NSD_BODY_H
#define NSD_BODY_H

#include <stddef.h>
#include <stdint.h>

/* "nsd-bytes-key-v1" in hex. */
#define NSD_BODY_KEY_HEX "6e73642d62797465732d6b65792d7631"

struct nsd_body_gen;

/* A generator positioned at byte `offset` of the stream. NULL on ENOMEM
 * or when libcrypto refuses the cipher. Free with nsd_body_gen_free(). */
struct nsd_body_gen *nsd_body_gen_new(uint64_t offset);

/* Writes the next len bytes of the stream at dst. Returns 0, or -EIO if
 * libcrypto failed or had no memory (the stream is then unusable). */
int nsd_body_gen_fill(struct nsd_body_gen *g, uint8_t *dst, size_t len);

void nsd_body_gen_free(struct nsd_body_gen *g); /* NULL is fine */

/* Streaming SHA-256. */
struct nsd_sha256;

struct nsd_sha256 *nsd_sha256_new(void); /* NULL on ENOMEM */
/* Returns 0 or -EIO. */
int nsd_sha256_update(struct nsd_sha256 *s, const void *data, size_t len);
/* Writes the digest as 64 lowercase hex digits and a NUL at hex. Returns 0
 * or -EIO. The object is spent afterwards (free it). */
int nsd_sha256_final(struct nsd_sha256 *s, char hex[65]);
void nsd_sha256_free(struct nsd_sha256 *s); /* NULL is fine */

#endif
