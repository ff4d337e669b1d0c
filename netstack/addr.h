/* Internal IP addresses: one 16-byte form for both families.
 *
 * An IPv4 address is kept as its IPv4-mapped IPv6 form ::ffff:a.b.c.d
 * (RFC 4291 2.5.5.2), so tables, sockets and comparisons handle both
 * families with the same code, and a dual-stack IPv6 socket matches IPv4
 * traffic naturally. The IPv4 wildcard is ::ffff:0.0.0.0, distinct from
 * the IPv6 wildcard ::.
 */
#ifndef NETSTACK_ADDR_H
#define NETSTACK_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct ns_addr {
	uint8_t b[16];
};

static const uint8_t ns_v4mapped_prefix[12] = { 0, 0, 0, 0, 0,	  0,
						0, 0, 0, 0, 0xff, 0xff };

static inline bool ns_addr_is_v4(const struct ns_addr *a)
{
	return memcmp(a->b, ns_v4mapped_prefix, 12) == 0;
}

/* The 4 IPv4 bytes of a mapped address. */
static inline const uint8_t *ns_addr_v4(const struct ns_addr *a)
{
	return a->b + 12;
}

static inline uint32_t ns_addr_v4_u32(const struct ns_addr *a)
{
	const uint8_t *p = a->b + 12;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void ns_addr_set_v4(struct ns_addr *a, const uint8_t v4[4])
{
	memcpy(a->b, ns_v4mapped_prefix, 12);
	memcpy(a->b + 12, v4, 4);
}

static inline void ns_addr_set_v4_u32(struct ns_addr *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };
	ns_addr_set_v4(a, b);
}

static inline void ns_addr_set_v6(struct ns_addr *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

/* From the public form: family plus bytes (IPv4 in the first 4). */
static inline void ns_addr_set(struct ns_addr *a, int v4, const uint8_t *p)
{
	if (v4)
		ns_addr_set_v4(a, p);
	else
		ns_addr_set_v6(a, p);
}

/* To the public form: 4 bytes for IPv4 then zeros, or 16 bytes. */
static inline void ns_addr_export(const struct ns_addr *a, uint8_t out[16])
{
	if (ns_addr_is_v4(a)) {
		memcpy(out, a->b + 12, 4);
		memset(out + 4, 0, 12);
	} else {
		memcpy(out, a->b, 16);
	}
}

static inline bool ns_addr_eq(const struct ns_addr *a, const struct ns_addr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

/* :: (IPv6 unspecified). */
static inline bool ns_addr_is_unspec6(const struct ns_addr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->b, zero, 16) == 0;
}

/* ::ffff:0.0.0.0 (IPv4 INADDR_ANY). */
static inline bool ns_addr_is_any4(const struct ns_addr *a)
{
	return ns_addr_is_v4(a) && ns_addr_v4_u32(a) == 0;
}

/* Either wildcard. */
static inline bool ns_addr_is_any(const struct ns_addr *a)
{
	return ns_addr_is_unspec6(a) || ns_addr_is_any4(a);
}

static inline bool ns_addr_is_mcast(const struct ns_addr *a)
{
	if (ns_addr_is_v4(a))
		return (a->b[12] & 0xf0) == 0xe0;
	return a->b[0] == 0xff;
}

static inline bool ns_addr_is_v4_bcast(const struct ns_addr *a)
{
	return ns_addr_is_v4(a) && ns_addr_v4_u32(a) == 0xffffffffu;
}

static inline bool ns_addr_is_loopback(const struct ns_addr *a)
{
	static const uint8_t one[16] = { [15] = 1 };
	if (ns_addr_is_v4(a))
		return a->b[12] == 127;
	return memcmp(a->b, one, 16) == 0;
}

/* fe80::/10 */
static inline bool ns_addr_is_linklocal6(const struct ns_addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* Link-local scoped multicast ff02::/16 (and the interface-local ff01::). */
static inline bool ns_addr_is_mcast6_linkscope(const struct ns_addr *a)
{
	return a->b[0] == 0xff && (a->b[1] & 0x0f) <= 2;
}

/* Needs a scope id (an interface) to mean anything. */
static inline bool ns_addr_needs_scope(const struct ns_addr *a)
{
	return !ns_addr_is_v4(a) &&
	       (ns_addr_is_linklocal6(a) || ns_addr_is_mcast6_linkscope(a));
}

/* Whether the first plen bits of a and b agree (plen up to 128). */
static inline bool ns_addr_prefix_eq(const struct ns_addr *a,
				     const struct ns_addr *b, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;
	if (memcmp(a->b, b->b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> bits);
	return ((a->b[bytes] ^ b->b[bytes]) & mask) == 0;
}

/* Clears every bit after the first plen. */
static inline void ns_addr_mask(struct ns_addr *a, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		a->b[i] &= (uint8_t)(0xff00u >> plen);
		plen = 0;
	}
}

/* Number of leading bits a and b share. */
static inline unsigned ns_addr_common_prefix(const struct ns_addr *a,
					     const struct ns_addr *b)
{
	for (unsigned i = 0; i < 16; i++) {
		uint8_t x = a->b[i] ^ b->b[i];
		if (x)
			return i * 8 + (unsigned)__builtin_clz(x) - 24;
	}
	return 128;
}

/* ff02::1:ffXX:XXXX, the solicited-node group of a (RFC 4291 2.7.1). */
static inline void ns_addr_solicited_node(struct ns_addr *out,
					  const struct ns_addr *a)
{
	static const uint8_t prefix[13] = { 0xff, 0x02, 0, 0, 0, 0,   0,
					    0,	  0,	0, 0, 1, 0xff };
	memcpy(out->b, prefix, 13);
	memcpy(out->b + 13, a->b + 13, 3);
}

/* ff02::1, all nodes; ff02::2, all routers. */
static inline void ns_addr_all_nodes(struct ns_addr *out)
{
	memset(out->b, 0, 16);
	out->b[0] = 0xff;
	out->b[1] = 0x02;
	out->b[15] = 1;
}

static inline void ns_addr_all_routers(struct ns_addr *out)
{
	ns_addr_all_nodes(out);
	out->b[15] = 2;
}

#endif
