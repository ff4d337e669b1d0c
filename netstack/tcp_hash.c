/* SipHash-2-4 and the keyed values TCP derives from it: see tcp_hash.h. */
#include "tcp_hash.h"

#include <string.h>

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v; /* wire.h guarantees a little-endian host */
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

static inline void sip_compress(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t ns_siphash24(const struct ns_siphash_key *key, const void *data,
		      size_t len)
{
	/* The constants spell "somepseudorandomlygeneratedbytes". */
	struct sip_state s = {
		0x736f6d6570736575ULL ^ key->k0,
		0x646f72616e646f6dULL ^ key->k1,
		0x6c7967656e657261ULL ^ key->k0,
		0x7465646279746573ULL ^ key->k1,
	};
	const uint8_t *p = data;
	size_t left = len;
	for (; left >= 8; left -= 8, p += 8)
		sip_compress(&s, load_le64(p));
	uint64_t last = (uint64_t)len << 56;
	for (size_t i = 0; i < left; i++)
		last |= (uint64_t)p[i] << (8 * i);
	sip_compress(&s, last);
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

static void key_from(struct ns_siphash_key *k, const uint8_t *seed)
{
	k->k0 = load_le64(seed);
	k->k1 = load_le64(seed + 8);
}

void ns_tcp_secrets_init(struct ns_tcp_secrets *s,
			 const uint8_t seed[NS_TCP_SECRETS_SEED_LEN])
{
	key_from(&s->isn, seed);
	key_from(&s->ts_off, seed + 16);
	key_from(&s->cookie[0], seed + 32);
	key_from(&s->cookie[1], seed + 48);
	key_from(&s->port, seed + 64);
	key_from(&s->demux, seed + 80);
}

/* Serialises the tuple in a fixed layout: laddr, raddr, lport, rport,
 * extra. Unused address bytes are not hashed. */
static size_t tuple_bytes(uint8_t *out, const struct ns_tcp_tuple *t,
			  uint32_t extra)
{
	size_t n = 0;
	memcpy(out + n, t->laddr, t->alen);
	n += t->alen;
	memcpy(out + n, t->raddr, t->alen);
	n += t->alen;
	uint8_t tail[8] = {
		(uint8_t)(t->lport >> 8), (uint8_t)t->lport,
		(uint8_t)(t->rport >> 8), (uint8_t)t->rport,
		(uint8_t)(extra >> 24),	  (uint8_t)(extra >> 16),
		(uint8_t)(extra >> 8),	  (uint8_t)extra,
	};
	memcpy(out + n, tail, sizeof(tail));
	return n + sizeof(tail);
}

uint64_t ns_tcp_tuple_hash(const struct ns_siphash_key *key,
			   const struct ns_tcp_tuple *t, uint32_t extra)
{
	uint8_t buf[16 + 16 + 8];
	return ns_siphash24(key, buf, tuple_bytes(buf, t, extra));
}

uint32_t ns_tcp_isn(const struct ns_tcp_secrets *s,
		    const struct ns_tcp_tuple *t, uint64_t now_ns)
{
	return (uint32_t)ns_tcp_tuple_hash(&s->isn, t, 0) +
	       (uint32_t)(now_ns >> 6);
}

uint32_t ns_tcp_ts_offset(const struct ns_tcp_secrets *s,
			  const struct ns_tcp_tuple *t)
{
	struct ns_tcp_tuple addrs = *t;
	addrs.lport = addrs.rport = 0;
	return (uint32_t)ns_tcp_tuple_hash(&s->ts_off, &addrs, 0);
}

uint32_t ns_tcp_port_offset(const struct ns_tcp_secrets *s,
			    const struct ns_tcp_tuple *t)
{
	struct ns_tcp_tuple dst = *t;
	dst.lport = 0;
	return (uint32_t)ns_tcp_tuple_hash(&s->port, &dst, 0);
}
