/* The keyed values TCP derives from SipHash-2-4: see tcp_hash.h. */
#include "tcp_hash.h"

#include <string.h>

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v; /* wire.h guarantees a little-endian host */
}

static void key_from(struct ns_hash_key *k, const uint8_t *seed)
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

uint64_t ns_tcp_tuple_hash(const struct ns_hash_key *key,
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
