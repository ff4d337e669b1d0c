/* The neighbour cache shared by ARP (RFC 826) and NDP (RFC 4861 7.3): one
 * state machine for both families, as Linux's neighbour layer.
 *
 *   INCOMPLETE --reply--> REACHABLE --ReachableTime--> STALE
 *   STALE --packet sent--> DELAY --5 s--> PROBE --3 unicast probes--> gone
 *   DELAY/PROBE --confirmation (solicited reply, ns_neigh_confirm)-->
 *   REACHABLE
 *   INCOMPLETE --3 broadcast/multicast probes unanswered--> gone, queued
 *   packets dropped and reported to their senders as host unreachable
 *   STALE, unused for 60 s --> gone
 *
 * Entries live in a hash table keyed by (NIC, address) under the stack's
 * secret. The table size is bounded; when full, the oldest unused STALE
 * entry is recycled, else the new entry is refused (Neigh.TableFull).
 */
#ifndef NETSTACK_NEIGH_H
#define NETSTACK_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "list.h"
#include "netstack/pkt.h"
#include "timer.h"

struct ns_stack;
struct ns_nic;

struct ns_neigh {
	struct ns_list hnode; /* hash chain */
	struct ns_list lru;   /* table->lru, least recently used first */
	struct ns_nic *nic;
	struct ns_addr addr;
	uint8_t mac[6];
	uint16_t state; /* NS_NUD_* */
	bool router;
	uint8_t probes; /* solicitations sent in this state */
	uint64_t used;	/* last time a packet went out through it */
	struct ns_timer timer;
	struct ns_pkt_queue queue; /* packets waiting for resolution */
};

struct ns_neigh_table {
	struct ns_list *buckets;
	uint32_t nbuckets; /* power of two */
	uint32_t count;
	struct ns_list lru;
};

int ns_neigh_table_init(struct ns_neigh_table *t, uint32_t max_entries);
void ns_neigh_table_free(struct ns_stack *stack);

/* Sends pkt (network header at data) to the neighbour `nexthop` on an
 * Ethernet nic: pushes the Ethernet header with its MAC when known, else
 * queues the packet and starts resolution. Consumes pkt. Returns 0 or a
 * negative errno when the packet was dropped (-ENOBUFS: queue full or
 * table full). */
int ns_neigh_output(struct ns_stack *stack, struct ns_nic *nic,
		    const struct ns_addr *nexthop, struct ns_pkt *pkt,
		    uint16_t ethertype);

/* ns_neigh_update() flags, after RFC 4861 7.2.5 and Linux NEIGH_UPDATE_F_*. */
enum {
	NS_NEIGH_SOLICITED = 1u << 0, /* a reply to our probe: REACHABLE */
	NS_NEIGH_OVERRIDE = 1u << 1,  /* may replace a known, different MAC */
	NS_NEIGH_CREATE = 1u << 2,    /* create the entry if missing */
	NS_NEIGH_ROUTER = 1u << 3,    /* IsRouter flag value */
	NS_NEIGH_SET_ROUTER = 1u << 4 /* ROUTER is meaningful */
};

/* Information about addr's link address arrived (ARP packet, NS/NA/RS/RA
 * option). mac may be NULL (an NA without target link-layer option). */
void ns_neigh_update(struct ns_stack *stack, struct ns_nic *nic,
		     const struct ns_addr *addr, const uint8_t *mac,
		     uint32_t flags);

/* Upper-layer reachability confirmation (RFC 4861 7.3.1): TCP saw new
 * data acknowledged by this neighbour. */
void ns_neigh_confirm(struct ns_stack *stack, struct ns_nic *nic,
		      const struct ns_addr *addr);

struct ns_neigh *ns_neigh_lookup(struct ns_stack *stack,
				 const struct ns_nic *nic,
				 const struct ns_addr *addr);

/* A permanent entry. */
int ns_neigh_add_permanent(struct ns_stack *stack, struct ns_nic *nic,
			   const struct ns_addr *addr, const uint8_t mac[6]);

#endif
