/* Generated bodies (AES-128-CTR keystream) and SHA-256, on libcrypto. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

#define AES_BLOCK 16

/* Most bodies are small: a cipher context per response, with its key
 * expansion, cost 7% of nsd's time serving 1 KiB bodies. So the first
 * PREFIX_LEN bytes of the stream are computed once and copied, and a
 * generator makes a context only to go past them. (nsd is single-threaded.) */
#define PREFIX_LEN 65536
static uint8_t prefix[PREFIX_LEN];
static bool prefix_ready;

struct nsd_body_gen {
	uint64_t pos;
	EVP_CIPHER_CTX *ctx; /* from PREFIX_LEN on; NULL until then */
};

/* CTR encryption of zeros yields the keystream itself; EVP wants an input
 * buffer, so feed it this one, chunk by chunk. */
static const uint8_t zeros[16384];

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c - 'a' + 10;
}

static int keystream(EVP_CIPHER_CTX *ctx, uint8_t *dst, size_t len)
{
	while (len > 0) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		int outl = 0;
		if (EVP_EncryptUpdate(ctx, dst, &outl, zeros, (int)n) != 1 ||
		    (size_t)outl != n)
			return -EIO;
		dst += n;
		len -= n;
	}
	return 0;
}

/* A cipher context whose next output is byte `offset` of the stream, or
 * NULL (no memory, or libcrypto refused). */
static EVP_CIPHER_CTX *cipher_at(uint64_t offset)
{
	static const char key_hex[] = NSD_BODY_KEY_HEX;
	uint8_t key[16], iv[AES_BLOCK] = { 0 };
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(hexval(key_hex[2 * i]) << 4 |
				   hexval(key_hex[2 * i + 1]));
	/* The counter block is one 128-bit big-endian number (OpenSSL's
	 * CRYPTO_ctr128_encrypt), so block k of the stream has counter k. */
	uint64_t block = offset / AES_BLOCK;
	for (int i = 0; i < 8; i++)
		iv[AES_BLOCK - 1 - i] = (uint8_t)(block >> (8 * i));
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t skip[AES_BLOCK];
	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) != 1 ||
	    keystream(ctx, skip, offset % AES_BLOCK) < 0) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct nsd_body_gen *nsd_body_gen_new(uint64_t offset)
{
	if (!prefix_ready) {
		EVP_CIPHER_CTX *ctx = cipher_at(0);
		int rc = ctx ? keystream(ctx, prefix, sizeof(prefix)) : -EIO;
		EVP_CIPHER_CTX_free(ctx);
		if (rc < 0)
			return NULL;
		prefix_ready = true;
	}
	struct nsd_body_gen *g = calloc(1, sizeof(*g));
	if (g != NULL)
		g->pos = offset;
	return g;
}

int nsd_body_gen_fill(struct nsd_body_gen *g, uint8_t *dst, size_t len)
{
	if (g->pos < PREFIX_LEN) {
		size_t n =
			PREFIX_LEN - g->pos < len ? PREFIX_LEN - g->pos : len;
		memcpy(dst, prefix + g->pos, n);
		g->pos += n;
		dst += n;
		len -= n;
	}
	if (len == 0)
		return 0;
	if (g->ctx == NULL) {
		g->ctx = cipher_at(g->pos);
		if (g->ctx == NULL)
			return -EIO;
	}
	int rc = keystream(g->ctx, dst, len);
	if (rc == 0)
		g->pos += len;
	return rc;
}

void nsd_body_gen_free(struct nsd_body_gen *g)
{
	if (g == NULL)
		return;
	EVP_CIPHER_CTX_free(g->ctx);
	free(g);
}

struct nsd_sha256 {
	EVP_MD_CTX *ctx;
};

struct nsd_sha256 *nsd_sha256_new(void)
{
	struct nsd_sha256 *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->ctx = EVP_MD_CTX_new();
	if (s->ctx == NULL ||
	    EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) != 1) {
		nsd_sha256_free(s);
		return NULL;
	}
	return s;
}

int nsd_sha256_update(struct nsd_sha256 *s, const void *data, size_t len)
{
	return EVP_DigestUpdate(s->ctx, data, len) == 1 ? 0 : -EIO;
}

int nsd_sha256_final(struct nsd_sha256 *s, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (EVP_DigestFinal_ex(s->ctx, md, &len) != 1 || len != 32)
		return -EIO;
	for (unsigned i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return 0;
}

void nsd_sha256_free(struct nsd_sha256 *s)
{
	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->ctx);
	free(s);
}
