/* Internet checksum, RFC 1071, with the speed-ups of RFC 1071 section 2:
 * deferred carries (64-bit accumulator over 32-bit words) and unrolling. */
#include "netstack/csum.h"

#include <string.h>

/* Folds a 64-bit accumulator of ones' complement words into 32 bits. */
static inline uint32_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

static inline uint16_t fold32(uint32_t sum)
{
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t ns_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	/* 32-bit words added into 64 bits cannot overflow before 2^32 words,
	 * far beyond any packet, so carries are folded once at the end. */
	uint64_t acc = sum;
	while (len >= 32) {
		uint32_t w[8];
		memcpy(w, p, sizeof(w));
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3];
		acc += (uint64_t)w[4] + w[5] + w[6] + w[7];
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, sizeof(w));
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, sizeof(w));
		acc += w;
		p += 2;
		len -= 2;
	}
	/* A trailing byte is the first byte of a zero-padded 16-bit word; on a
	 * little-endian host that is the low byte of the loaded value. */
	if (len)
		acc += *p;
	return fold64(acc);
}

uint32_t ns_csum_add_at(uint32_t sum, uint32_t block, size_t offset)
{
	if (offset & 1) {
		uint16_t b = fold32(block);
		block = (uint32_t)__builtin_bswap16(b);
	}
	return ns_csum_add(sum, block);
}

uint16_t ns_csum_fold(uint32_t sum)
{
	/* Sums were taken in load order; swap once to get the host-order value
	 * that ns_put_be16 writes back as the right bytes. */
	return __builtin_bswap16((uint16_t)~fold32(sum));
}

uint32_t ns_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4],
			 uint8_t proto, uint32_t len)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(len >> 8), (uint8_t)len };
	uint32_t sum = ns_csum_partial(src, 4, 0);
	sum = ns_csum_partial(dst, 4, sum);
	return ns_csum_partial(tail, sizeof(tail), sum);
}

uint32_t ns_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16],
			 uint8_t next_header, uint32_t len)
{
	uint8_t tail[8] = {
		(uint8_t)(len >> 24),
		(uint8_t)(len >> 16),
		(uint8_t)(len >> 8),
		(uint8_t)len,
		0,
		0,
		0,
		next_header,
	};
	uint32_t sum = ns_csum_partial(src, 16, 0);
	sum = ns_csum_partial(dst, 16, sum);
	return ns_csum_partial(tail, sizeof(tail), sum);
}
