/* IP reassembly (internal), shared by IPv4 (RFC 791, RFC 815) and IPv6
 * (RFC 8200 4.5):
 * - fragments are kept sorted by offset; any overlap discards the whole
 *   datagram (RFC 5722, and Linux does the same for IPv4), an exact
 *   duplicate is dropped alone;
 * - limits: a datagram of at most 65535 bytes, at most max_frags
 *   fragments, and a memory budget for all queues (fragment truesize)
 *   beyond which the oldest queues are evicted;
 * - a queue not completed within its timeout (30 s IPv4, 60 s IPv6) is
 *   discarded, with an ICMP "fragment reassembly time exceeded" when its
 *   first fragment had arrived.
 * Every discard bumps ReasmFails and a counter naming the reason.
 */
#ifndef NETSTACK_REASM_H
#define NETSTACK_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "list.h"
#include "netstack/pkt.h"
#include "timer.h"

struct ns_stack;
struct ns_nic;

struct ns_reasm_key {
	struct ns_addr src, dst;
	uint32_t id;
	uint8_t proto; /* IPv4 only; 0 for IPv6 (RFC 8200 keys on src, dst,
			  id) */
};

struct ns_fragq {
	struct ns_list hnode;
	struct ns_list lru; /* oldest first */
	struct ns_reasm_key key;
	struct ns_reasm *owner;
	struct ns_pkt *frags; /* sorted by offset, linked through ->next */
	struct ns_pkt *first; /* offset 0 fragment, if arrived (in frags) */
	uint32_t nfrags;
	uint32_t total; /* payload length, once the last fragment arrived */
	uint32_t received;
	uint32_t mem;
	bool have_last;
	uint16_t hdr_len; /* bytes of headers kept from the first fragment */
	int ifindex;
	struct ns_timer timer;
};

struct ns_reasm {
	bool v6;
	struct ns_list *buckets;
	uint32_t nbuckets;
	struct ns_list lru;
	uint32_t mem, mem_max, max_frags;
	uint64_t timeout_ns;
};

int ns_reasm_init(struct ns_reasm *r, bool v6, uint32_t mem_max,
		  uint32_t max_frags);
void ns_reasm_free(struct ns_stack *stack, struct ns_reasm *r);

/* Adds a fragment. frag->data is at the fragment's payload, its rxmeta
 * (pkt->cb) is filled, and the network header starts at rxmeta.nh_off in
 * its head; hdr_len bytes from there are the headers to keep for the
 * datagram (IPv4 header; IPv6 header and the extension headers before the
 * fragment header). Consumes frag. Returns the whole datagram (data at its
 * network header: the kept headers of the first fragment followed by
 * every payload, length fields not yet updated) or NULL; *kept is then
 * the length of those headers, which is the first fragment's hdr_len and
 * not necessarily the one of the fragment that completed the datagram. */
struct ns_pkt *ns_reasm_insert(struct ns_stack *stack, struct ns_reasm *r,
			       const struct ns_reasm_key *key,
			       struct ns_nic *nic, struct ns_pkt *frag,
			       uint32_t offset, bool more, uint16_t hdr_len,
			       uint16_t *kept);

#endif
