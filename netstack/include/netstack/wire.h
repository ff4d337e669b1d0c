/* Reading and writing wire-format integers.
 *
 * Packets are untrusted bytes at arbitrary alignment: fields are read and
 * written with memcpy and explicit byte order, never by casting a packet
 * pointer to a struct (CONVENTIONS.md). The caller has already checked that
 * the bytes are inside the buffer.
 */
#ifndef NETSTACK_WIRE_H
#define NETSTACK_WIRE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t ns_get_be16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

static inline uint32_t ns_get_be32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

static inline void ns_put_be16(void *p, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void ns_put_be32(void *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "netstack: the byte-order helpers assume a little-endian host"
#endif

#endif
