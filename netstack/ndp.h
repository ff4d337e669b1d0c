/* IPv6 neighbour discovery (RFC 4861) and stateless address
 * autoconfiguration (RFC 4862), internal. */
#ifndef NETSTACK_NDP_H
#define NETSTACK_NDP_H

#include <stdint.h>

#include "addr.h"
#include "netstack/pkt.h"

struct ns_stack;
struct ns_nic;
struct ns_ifa;
struct ns_timer;

/* ICMPv6 types handled here. */
enum {
	NS_ND_ROUTER_SOLICIT = 133,
	NS_ND_ROUTER_ADVERT = 134,
	NS_ND_NEIGHBOR_SOLICIT = 135,
	NS_ND_NEIGHBOR_ADVERT = 136,
	NS_ND_REDIRECT = 137,
};

/* A new Ethernet NIC with IPv6: the link-local address (RFC 4862 5.3);
 * router solicitation follows once it is valid. */
void ns_ndp_nic_up(struct ns_stack *stack, struct ns_nic *nic);

/* Starts duplicate address detection of a tentative address. */
void ns_ndp_dad_start(struct ns_stack *stack, struct ns_ifa *ifa);
/* Timer callbacks, set up by nic.c. */
void ns_ndp_dad_timer(struct ns_stack *stack, struct ns_timer *t);
void ns_ndp_rs_timer(struct ns_stack *stack, struct ns_timer *t);

/* Sends a neighbour solicitation for target: multicast to its
 * solicited-node group, or unicast to dst_mac (NUD probe). */
void ns_ndp_solicit(struct ns_stack *stack, struct ns_nic *nic,
		    const struct ns_addr *target, const uint8_t *dst_mac);

/* An NDP message (checksum verified; data at the ICMPv6 header, meta in
 * its cb). Borrows the packet, which may be reallocated (*pp changes). */
void ns_ndp_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt **pp, uint8_t type);

#endif
