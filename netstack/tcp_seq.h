/* TCP sequence-number arithmetic (RFC 9293 3.4): sequence numbers live in
 * a 32-bit circle, so "a comes before b" is decided by the sign of the
 * difference, valid while the two are less than 2^31 apart.
 *
 * The same helpers serve timestamp values (RFC 7323 5.2: PAWS compares
 * TSvals with the same modular rule).
 */
#ifndef NETSTACK_TCP_SEQ_H
#define NETSTACK_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* lo <= x <= hi, in sequence space. */
static inline bool seq_between(uint32_t x, uint32_t lo, uint32_t hi)
{
	return hi - lo >= x - lo;
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? a : b;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

#endif
