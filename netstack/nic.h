/* NICs and their addresses (internal). */
#ifndef NETSTACK_NIC_H
#define NETSTACK_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "list.h"
#include "netstack/link.h"
#include "netstack/pkt.h"
#include "netstack/stack.h"
#include "timer.h"

struct ns_stack;

/* Highest ifindex; ifindex 1 is "lo". */
#define NS_MAX_NICS 64

/* An address on a NIC (struct ns_ifaddr's internal twin). */
struct ns_ifa {
	struct ns_list node; /* in nic->addrs */
	struct ns_nic *nic;
	struct ns_addr addr;
	uint8_t plen;	/* prefix length in the address's own family */
	uint32_t flags; /* NS_ADDR_F_* */
	bool autoconf;	/* made by SLAAC */
	bool prefix_route;
	uint64_t valid_until;	  /* NS_TIME_NEVER: forever */
	uint64_t preferred_until; /* NS_TIME_NEVER: forever */
	struct ns_timer lft_timer;
	/* Duplicate address detection (RFC 4862 5.4). */
	struct ns_timer dad_timer;
	uint8_t dad_left; /* solicitations still to send */
};

struct ns_nic {
	int ifindex;
	struct ns_stack *stack;
	const struct ns_link_ops *ops;
	void *ctx;
	struct ns_link_info info; /* info.name points at name */
	char name[16];
	uint32_t flags; /* NS_NIC_F_* */
	bool loopback;
	bool ipv6;	      /* IPv6 enabled (MTU >= 1280, not NO_IPV6) */
	struct ns_list addrs; /* struct ns_ifa, IPv4 and IPv6 */

	/* IPv6 neighbour discovery parameters (RFC 4861 6.3.2), learned
	 * from router advertisements. */
	uint8_t hop_limit;
	uint32_t base_reachable_ms;
	uint32_t reachable_ms; /* randomised from the base */
	uint32_t retrans_ms;
	uint32_t mtu6; /* from an RA's MTU option; 0: link MTU */
	uint8_t rs_left;
	struct ns_timer rs_timer;
	uint8_t iid[8]; /* modified EUI-64 interface identifier */

	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
};

static inline bool ns_nic_is_ether(const struct ns_nic *nic)
{
	return nic->info.type == NS_LINK_ETHERNET;
}

/* Link MTU for IP packets of the family of a. */
uint32_t ns_nic_mtu(const struct ns_nic *nic, bool v6);

/* RFC 4861 6.3.2: ReachableTime is a random multiple, 0.5 to 1.5, of
 * BaseReachableTime. */
void ns_nic_randomise_reachable(struct ns_stack *stack, struct ns_nic *nic);

struct ns_nic *ns_nic_get(const struct ns_stack *stack, int ifindex);

/* Creates a NIC (ns_stack_add_nic without the IPv6 start-up). */
int ns_nic_create(struct ns_stack *stack, const struct ns_nic_config *cfg,
		  bool loopback, int *ifindex);

/* Sends a finished frame on a link NIC. Consumes pkt. Counts it and marks
 * the NIC for the flush at the end of the current entry. */
int ns_nic_xmit(struct ns_nic *nic, struct ns_pkt *pkt);

/* Address lookups. */
/* The address a on nic, or NULL. */
struct ns_ifa *ns_nic_find_addr(const struct ns_nic *nic,
				const struct ns_addr *a);
/* The address a on any NIC, or NULL. */
struct ns_ifa *ns_stack_find_addr(const struct ns_stack *stack,
				  const struct ns_addr *a);
/* Whether a is a usable local unicast address (not tentative or
 * duplicate), or a loopback address. */
bool ns_addr_is_local(const struct ns_stack *stack, const struct ns_addr *a);
/* Whether a is the directed broadcast address of an IPv4 prefix on nic
 * (nic NULL: any NIC), or 255.255.255.255. */
bool ns_addr_is_bcast_on(const struct ns_stack *stack, const struct ns_nic *nic,
			 const struct ns_addr *a);
/* Whether nic listens to the IPv6 multicast group a: all-nodes, or the
 * solicited-node group of one of its addresses (tentative ones too). */
bool ns_nic_in_mcast6(const struct ns_nic *nic, const struct ns_addr *a);

/* Source address selection: the best address of nic for reaching dst
 * (RFC 6724 rules 1, 2, 3 and 8 for IPv6; the address whose prefix holds
 * dst, else the first, for IPv4). Returns false when nic has none. */
bool ns_nic_select_src(const struct ns_nic *nic, const struct ns_addr *dst,
		       struct ns_addr *out);

/* A link-local IPv6 address of nic usable as a source, or NULL. */
struct ns_ifa *ns_nic_linklocal(const struct ns_nic *nic);

/* Adds an address (internal form). autoconf marks a SLAAC address.
 * valid/preferred are lifetimes in seconds (NS_LIFETIME_INFINITE for
 * ever). */
int ns_nic_add_addr(struct ns_nic *nic, const struct ns_addr *a, uint8_t plen,
		    uint32_t flags, uint32_t valid, uint32_t preferred,
		    bool autoconf, struct ns_ifa **out);
void ns_nic_del_addr(struct ns_ifa *ifa);
/* Updates the lifetimes of an existing address. */
void ns_ifa_set_lifetimes(struct ns_ifa *ifa, uint32_t valid,
			  uint32_t preferred);

/* DAD finished badly: RFC 4862 5.4.5. */
void ns_ifa_dad_failed(struct ns_ifa *ifa);

/* Frees every NIC (stack teardown). */
void ns_nics_free(struct ns_stack *stack);

#endif
