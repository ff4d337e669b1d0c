/* The Internet checksum (RFC 1071), used by IPv4, ICMP, UDP and TCP.
 *
 * A checksum is computed in two steps: partial sums over the pieces (header
 * fields, pseudo-header, payload segments) are added with ns_csum_partial()
 * and ns_csum_add(), then ns_csum_fold() turns the total into the 16-bit
 * value for the header's checksum field.
 *
 * Partial sums are opaque 32-bit accumulators in the host's load order
 * (RFC 1071 2(B): the ones' complement sum is byte-order independent, so
 * no swapping is needed while summing). ns_csum_fold() converts once at the
 * end; its result is a host-order number to be written with ns_put_be16().
 *
 * Verification: the partial sum over a whole header that includes its
 * checksum field folds to 0 when the checksum is correct.
 */
#ifndef NETSTACK_CSUM_H
#define NETSTACK_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds the bytes of buf to the partial sum `sum` (start with 0). buf may be
 * at any alignment. An odd length is summed as if padded with one zero
 * byte, so only the last piece of a message may have an odd length unless
 * the next piece is added with ns_csum_add_at(). */
uint32_t ns_csum_partial(const void *buf, size_t len, uint32_t sum);

/* Ones' complement addition of two partial sums. */
static inline uint32_t ns_csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;
	return r + (r < a); /* end-around carry */
}

/* Adds `block`, the partial sum of a piece that starts `offset` bytes into
 * the message, to `sum`. A piece at an odd offset has its bytes in the
 * other halves of the 16-bit words, so its sum is byte-swapped first. */
uint32_t ns_csum_add_at(uint32_t sum, uint32_t block, size_t offset);

/* Folds a partial sum to 16 bits and complements it: the value to write in
 * a checksum field (with ns_put_be16), or 0 when verifying a correct one. */
uint16_t ns_csum_fold(uint32_t sum);

/* Partial sum of the IPv4 pseudo-header (RFC 768, RFC 9293 3.1): source
 * and destination address (4 bytes each, network order), protocol, and the
 * upper-layer length. */
uint32_t ns_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4],
			 uint8_t proto, uint32_t len);

/* Partial sum of the IPv6 pseudo-header (RFC 8200 8.1). */
uint32_t ns_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16],
			 uint8_t next_header, uint32_t len);

#endif
