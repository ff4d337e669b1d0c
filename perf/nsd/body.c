/* Generated bodies (AES-128-CTR keystream) and SHA-256, on libcrypto. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include "body.h"

#define AES_BLOCK 16

struct nsd_body_gen {
	EVP_CIPHER_CTX *ctx;
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

struct nsd_body_gen *nsd_body_gen_new(uint64_t offset)
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

	struct nsd_body_gen *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->ctx = EVP_CIPHER_CTX_new();
	if (g->ctx == NULL ||
	    EVP_EncryptInit_ex(g->ctx, EVP_aes_128_ctr(), NULL, key, iv) != 1) {
		nsd_body_gen_free(g);
		return NULL;
	}
	uint8_t skip[AES_BLOCK];
	if (offset % AES_BLOCK != 0 &&
	    nsd_body_gen_fill(g, skip, offset % AES_BLOCK) < 0) {
		nsd_body_gen_free(g);
		return NULL;
	}
	return g;
}

int nsd_body_gen_fill(struct nsd_body_gen *g, uint8_t *dst, size_t len)
{
	while (len > 0) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		int outl = 0;
		if (EVP_EncryptUpdate(g->ctx, dst, &outl, zeros, (int)n) != 1 ||
		    (size_t)outl != n)
			return -EIO;
		dst += n;
		len -= n;
	}
	return 0;
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
