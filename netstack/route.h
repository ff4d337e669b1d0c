/* Routing (internal): the route table, route lookups for output, and the
 * path MTU cache.
 *
 * Routes of both families live in one array sorted by prefix length
 * (longest first, IPv4 prefixes counted in their mapped 128-bit form) and
 * then by metric, so the first match of a linear scan is the longest-prefix
 * match. A sandbox has a handful of routes; sockets cache their lookup in
 * a struct ns_dst validated by a generation number, so the scan is not on
 * the per-packet path of a connected socket.
 */
#ifndef NETSTACK_ROUTE_H
#define NETSTACK_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "timer.h"

struct ns_stack;
struct ns_nic;

struct ns_rt {
	bool v6;
	struct ns_addr dst; /* masked */
	uint8_t plen;	    /* in the 128-bit form */
	bool has_gw;
	struct ns_addr gw;
	struct ns_nic *nic;
	uint32_t metric;
	bool has_src;
	struct ns_addr src;
	uint8_t protocol;
	struct ns_ifa *owner; /* the address whose prefix route this is */
	uint64_t expires;     /* NS_TIME_NEVER unless learned from an RA */
	struct ns_timer timer;
};

struct ns_rtable {
	struct ns_rt **v;
	uint32_t n, cap;
};

/* Path MTU cache entry (RFC 1191, RFC 8201): learned from ICMP
 * "fragmentation needed" / "packet too big", forgotten after 10 minutes
 * as Linux's mtu_expires. */
#define NS_PMTU_SLOTS 64
struct ns_pmtu {
	struct ns_addr dst;
	uint32_t mtu; /* 0: slot free */
	uint64_t expires;
};

/* struct ns_dst.flags */
enum {
	NS_DST_LOCAL = 1u << 0, /* to this stack, through lo */
	NS_DST_BCAST = 1u << 1, /* IPv4 broadcast */
	NS_DST_MCAST = 1u << 2,
};

/* The result of a route lookup: everything output needs. */
struct ns_dst {
	struct ns_nic *nic;
	struct ns_addr nexthop;
	struct ns_addr src;
	uint32_t mtu; /* min(link MTU, path MTU) */
	uint32_t flags;
	uint32_t gen; /* stack->route_gen when looked up */
};

/* Looks up the route to dst. src, when not NULL and not a wildcard, is
 * the source the caller insists on (bound address or IP_PKTINFO): it must
 * be local, and for a destination on the same stack it is kept. oif, when
 * non-zero, restricts the NIC (SO_BINDTODEVICE, scope id, IP_PKTINFO).
 * Returns 0, -ENETUNREACH, -EADDRNOTAVAIL (no usable source) or -EINVAL. */
int ns_route_output(struct ns_stack *stack, const struct ns_addr *dst,
		    const struct ns_addr *src, int oif, struct ns_dst *out);

/* Whether a cached lookup is still valid. */
bool ns_dst_valid(const struct ns_stack *stack, const struct ns_dst *dst);

/* Internal route changes. */
int ns_rt_add(struct ns_stack *stack, const struct ns_rt *tmpl,
	      struct ns_rt **out);
void ns_rt_del(struct ns_stack *stack, struct ns_rt *rt);
/* Removes every route through nic or owned by ifa (either may be NULL). */
void ns_rt_flush(struct ns_stack *stack, const struct ns_nic *nic,
		 const struct ns_ifa *ifa);
/* An RA-learned route to dst/plen via gw on nic; NULL if none. */
struct ns_rt *ns_rt_find(struct ns_stack *stack, const struct ns_addr *dst,
			 uint8_t plen, const struct ns_addr *gw,
			 const struct ns_nic *nic);
/* Sets or clears (NS_TIME_NEVER) the expiry of a route. */
void ns_rt_set_expiry(struct ns_stack *stack, struct ns_rt *rt,
		      uint64_t expires);
void ns_rtable_free(struct ns_stack *stack);

/* Whether dst is on the link of nic (inside one of its prefixes). */
bool ns_route_onlink(const struct ns_stack *stack, const struct ns_nic *nic,
		     const struct ns_addr *dst);

/* Path MTU. */
void ns_pmtu_update(struct ns_stack *stack, const struct ns_addr *dst,
		    uint32_t mtu);
uint32_t ns_pmtu_get(struct ns_stack *stack, const struct ns_addr *dst);

/* Invalidates every cached struct ns_dst. */
void ns_route_changed(struct ns_stack *stack);

#endif
