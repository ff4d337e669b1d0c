/* SipHash (Aumasson and Bernstein) in its two strengths and the
 * randomness helpers. */
#include "hash.h"

#include <string.h>

#include "core.h"

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3)   \
	do {                       \
		v0 += v1;          \
		v1 = rotl(v1, 13); \
		v1 ^= v0;          \
		v0 = rotl(v0, 32); \
		v2 += v3;          \
		v3 = rotl(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = rotl(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = rotl(v1, 17); \
		v1 ^= v2;          \
		v2 = rotl(v2, 32); \
	} while (0)

/* SipHash-c-d of len bytes: c rounds per 8-byte word, d to finalise. */
static uint64_t siphash(const struct ns_hash_key *key, const void *data,
			size_t len, int c, int d)
{
	/* The constants spell "somepseudorandomlygeneratedbytes". */
	uint64_t v0 = 0x736f6d6570736575ull ^ key->k0;
	uint64_t v1 = 0x646f72616e646f6dull ^ key->k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ key->k0;
	uint64_t v3 = 0x7465646279746573ull ^ key->k1;
	const uint8_t *p = data;
	size_t left = len;
	while (left >= 8) {
		uint64_t m;
		memcpy(&m, p, 8); /* wire.h guarantees a little-endian host */
		v3 ^= m;
		for (int i = 0; i < c; i++)
			SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
		p += 8;
		left -= 8;
	}
	uint64_t b = (uint64_t)len << 56;
	uint8_t tail[8] = { 0 };
	memcpy(tail, p, left);
	uint64_t t;
	memcpy(&t, tail, 8);
	b |= t;
	v3 ^= b;
	for (int i = 0; i < c; i++)
		SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < d; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t ns_keyed_hash(const struct ns_hash_key *key, const void *data,
		       size_t len)
{
	return siphash(key, data, len, 1, 3);
}

uint64_t ns_siphash24(const struct ns_hash_key *key, const void *data,
		      size_t len)
{
	return siphash(key, data, len, 2, 4);
}

/* splitmix64: the fallback generator when the owner supplies no
 * randomness (tests, fuzzing). */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void ns_random_bytes(struct ns_stack *stack, void *buf, size_t len)
{
	if (stack->cfg.random) {
		stack->cfg.random(stack->cfg.ctx, buf, len);
		return;
	}
	uint8_t *p = buf;
	while (len > 0) {
		uint64_t r = splitmix64(&stack->prng);
		size_t n = len < 8 ? len : 8;
		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}

uint32_t ns_random_u32(struct ns_stack *stack)
{
	uint32_t r;
	ns_random_bytes(stack, &r, sizeof(r));
	return r;
}

uint32_t ns_random_below(struct ns_stack *stack, uint32_t bound)
{
	/* Lemire's multiply-shift; the tiny bias is irrelevant here. */
	return (uint32_t)(((uint64_t)ns_random_u32(stack) * bound) >> 32);
}
