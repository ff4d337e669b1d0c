/* Keyed hashing and the stack's randomness.
 *
 * Table hashes (sockets, neighbours, reassembly queues, IP identification
 * buckets) use SipHash-1-3 under a per-stack secret drawn at creation, so
 * a peer cannot aim packets at one bucket (hash flooding) or predict IP
 * identifications (RFC 7739). */
#ifndef NETSTACK_HASH_H
#define NETSTACK_HASH_H

#include <stddef.h>
#include <stdint.h>

struct ns_stack;

struct ns_hash_key {
	uint64_t k0, k1;
};

/* SipHash-1-3 of len bytes: the reduced-round variant Linux uses for its
 * table hashes. */
uint64_t ns_keyed_hash(const struct ns_hash_key *key, const void *data,
		       size_t len);

/* SipHash-2-4 of len bytes: for values an attacker must not predict
 * (ISNs, SYN cookies; see tcp_hash.h). */
uint64_t ns_siphash24(const struct ns_hash_key *key, const void *data,
		      size_t len);

/* Fills len bytes from the configured randomness. */
void ns_random_bytes(struct ns_stack *stack, void *buf, size_t len);
uint32_t ns_random_u32(struct ns_stack *stack);
/* Uniform in [0, bound) for bound > 0. */
uint32_t ns_random_below(struct ns_stack *stack, uint32_t bound);

#endif
