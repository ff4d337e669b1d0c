/* A network stack instance: NICs, addresses, routes, neighbours, the
 * protocols, and the clock and randomness they need.
 *
 * Threading and re-entrancy: single-threaded by contract. The owner (the
 * Sentry's event loop, a test, perf/nsd) calls every function of a stack
 * and of its sockets from one thread. Nothing blocks, sleeps or does I/O:
 * frames leave through each NIC's struct ns_link_ops, frames arrive when the
 * owner passes them to ns_stack_input(), and time passes when the owner
 * calls ns_stack_timers(). Callbacks out of the stack (link ops, socket
 * waiters, the clock, randomness) must not call back into the same stack
 * unless their documentation says they may.
 *
 * Time: the stack reads the owner's monotonic clock (config.clock) once on
 * every entry and uses that value for the whole call. The owner must call
 * ns_stack_timers() no later than ns_stack_next_deadline() says, and look at
 * that deadline again after every call into the stack, since sending a
 * packet may arm a timer (ARP retransmission, say).
 *
 * Randomness: IP identifications, ephemeral ports, DAD delays, and later
 * TCP initial sequence numbers (RFC 6528) come from config.random.
 *
 * Errors: functions return 0 (or a count) on success and a negative Linux
 * errno on failure, like the rest of the data plane. Packet drops are never
 * returned as errors; they are counted (netstack/stats.h).
 *
 * Addresses in this API are bytes in network order: 4 bytes for AF_INET
 * (in the first 4 of a 16-byte array), 16 for AF_INET6.
 */
#ifndef NETSTACK_STACK_H
#define NETSTACK_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack/link.h"
#include "netstack/pkt.h"
#include "netstack/stats.h"

struct ns_stack;

/* The deadline ns_stack_next_deadline() returns when no timer is armed. */
#define NS_TIME_NEVER UINT64_MAX

struct ns_stack_config {
	/* Monotonic time in nanoseconds. Required. */
	uint64_t (*clock)(void *ctx);
	/* Fills len bytes at buf with unpredictable random bytes (e.g.
	 * getrandom). NULL: a PRNG seeded from `seed`, which is predictable
	 * and meant for tests and fuzzing only. */
	void (*random)(void *ctx, void *buf, size_t len);
	/* Wall-clock time (CLOCK_REALTIME ns) for the receive timestamps
	 * of packets that arrive without one (looped back, or from a link
	 * that does not stamp): SO_TIMESTAMP shows wall time, as on Linux,
	 * and drivers stamp received frames with CLOCK_REALTIME. NULL: the
	 * monotonic clock above. */
	uint64_t (*wall_clock)(void *ctx);
	void *ctx; /* passed to clock, wall_clock and random */
	uint64_t seed;

	/* Limits; 0 selects the default given. */
	uint32_t reasm_mem_max;	  /* bytes held by reassembly (4 MiB) */
	uint32_t reasm_max_frags; /* fragments per datagram (64) */
	uint32_t neigh_max;	  /* neighbour cache entries (1024) */
	uint32_t neigh_queue_max; /* bytes queued per unresolved neighbour
				     (256 KiB, like Linux unres_qlen_bytes) */
	uint32_t icmp_rate;  /* ICMP errors per second, whole stack (1000) */
	uint32_t icmp_burst; /* token-bucket depth (50) */
};

/* Creates a stack with its loopback NIC "lo" (ifindex 1, 127.0.0.1/8 and
 * ::1/128). *out is owned by the caller and freed with ns_stack_destroy().
 * Returns 0, -EINVAL (no clock) or -ENOMEM. */
int ns_stack_create(const struct ns_stack_config *config,
		    struct ns_stack **out);

/* Frees the stack with every NIC, socket and queued packet. Socket handles
 * the owner still holds become invalid. The link ops are not called. */
void ns_stack_destroy(struct ns_stack *stack);

/* ---- NICs ---------------------------------------------------------- */

/* struct ns_nic_config.flags */
enum {
	/* No IPv6 on this NIC at all. */
	NS_NIC_F_NO_IPV6 = 1u << 0,
	/* IPv6 without autoconfiguration: no link-local address from the
	 * MAC, no router solicitation, RAs ignored (Linux accept_ra=0,
	 * addr_gen_mode none). */
	NS_NIC_F_NO_AUTOCONF = 1u << 1,
};

struct ns_nic_config {
	const struct ns_link_ops *ops; /* borrowed: must outlive the stack */
	void *ctx;		       /* first argument of every ops call */
	struct ns_link_info info;      /* copied, name included */
	uint32_t flags;		       /* NS_NIC_F_* */
};

/* Adds a NIC; it is up at once. On an Ethernet NIC with IPv6, the
 * link-local address from the MAC (RFC 4291 appendix A) is configured and
 * duplicate address detection and router solicitation start. Writes the
 * new ifindex (2, 3, ...) to *ifindex. Returns 0, -EINVAL (bad MTU or
 * type), -ENOSPC (too many NICs) or -ENOMEM. */
int ns_stack_add_nic(struct ns_stack *stack, const struct ns_nic_config *cfg,
		     int *ifindex);

/* Changes a NIC's MTU (at least 68; IPv6 is disabled below 1280). Returns
 * 0, -ENODEV or -EINVAL. */
int ns_stack_nic_set_mtu(struct ns_stack *stack, int ifindex, uint32_t mtu);

struct ns_nic_info {
	int ifindex;
	char name[16];
	enum ns_link_type type;
	uint32_t mtu;
	uint8_t mac[6];
	uint32_t caps; /* NS_LINK_CAP_* */
	bool loopback; /* the stack's own "lo" */
	bool ipv6;     /* IPv6 is enabled (Linux's disable_ipv6 is 0) */
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
};

/* Fills *info for one NIC. Returns 0 or -ENODEV. */
int ns_stack_nic_info(const struct ns_stack *stack, int ifindex,
		      struct ns_nic_info *info);

/* Calls fn for every NIC in ifindex order; stops early and returns fn's
 * value when it is non-zero, else returns 0. fn must not change the
 * stack. The same holds for every ns_stack_foreach_* below. */
int ns_stack_foreach_nic(const struct ns_stack *stack,
			 int (*fn)(void *arg, const struct ns_nic_info *info),
			 void *arg);

/* ---- Addresses ----------------------------------------------------- */

/* Address flags, with the values of Linux's IFA_F_* so that netlink
 * answers can pass them through. */
enum {
	NS_ADDR_F_NODAD = 0x02,	     /* in: skip duplicate address detection */
	NS_ADDR_F_DADFAILED = 0x08,  /* out: a duplicate was detected */
	NS_ADDR_F_DEPRECATED = 0x20, /* out: preferred lifetime over */
	NS_ADDR_F_TENTATIVE = 0x40,  /* out: DAD still running */
	NS_ADDR_F_PERMANENT = 0x80,  /* out: configured, not autoconf */
};

/* Lifetime value meaning "forever". */
#define NS_LIFETIME_INFINITE UINT32_MAX

/* Scopes, with the values of Linux's RT_SCOPE_*. */
enum {
	NS_SCOPE_UNIVERSE = 0,
	NS_SCOPE_LINK = 253,
	NS_SCOPE_HOST = 254,
};

struct ns_ifaddr {
	int ifindex;
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefix_len;
	uint8_t scope;	/* out: NS_SCOPE_* */
	uint32_t flags; /* NS_ADDR_F_* */
	/* Seconds from now; NS_LIFETIME_INFINITE or 0 (both: forever) for
	 * a configured address. Out: the time left. */
	uint32_t valid_lft;
	uint32_t preferred_lft;
};

/* Adds an address and, as Linux does, the route to its prefix over the
 * NIC (unless the prefix is /32 or /128). An IPv4 address on an Ethernet
 * NIC is announced with a gratuitous ARP; an IPv6 address is tentative
 * until duplicate address detection (RFC 4862 5.4) succeeds, unless
 * NS_ADDR_F_NODAD is given or the NIC has no link layer. Returns 0,
 * -ENODEV, -EINVAL (bad family, prefix, or address such as a multicast
 * one), -EEXIST, -EAFNOSUPPORT (IPv6 disabled on the NIC) or -ENOMEM. */
int ns_stack_add_addr(struct ns_stack *stack, const struct ns_ifaddr *ifa);

/* Removes an address and the prefix route that came with it. Returns 0 or
 * -EADDRNOTAVAIL. */
int ns_stack_del_addr(struct ns_stack *stack, int ifindex, int family,
		      const uint8_t *addr);

/* Calls fn for every address of every NIC (see ns_stack_foreach_nic). */
int ns_stack_foreach_addr(const struct ns_stack *stack,
			  int (*fn)(void *arg, const struct ns_ifaddr *ifa),
			  void *arg);

/* ---- Routes -------------------------------------------------------- */

/* Who made a route, with the values of Linux's RTPROT_*. */
enum {
	NS_RTPROT_KERNEL = 2, /* the prefix route of an address */
	NS_RTPROT_BOOT = 3,   /* added through the API (the default) */
	NS_RTPROT_STATIC = 4,
	NS_RTPROT_RA = 9, /* learned from a router advertisement */
};

struct ns_route {
	int family;
	uint8_t dst[16];
	uint8_t prefix_len; /* 0 with dst all zero: the default route */
	/* Next hop; all zero for a destination on the link. */
	uint8_t gateway[16];
	/* Outgoing NIC; 0 asks the stack to find the NIC whose prefix
	 * holds the gateway. */
	int ifindex;
	uint32_t metric; /* lower wins among equal prefixes */
	/* Preferred source address; all zero: chosen per destination. */
	uint8_t src[16];
	uint8_t protocol; /* NS_RTPROT_*; 0 means BOOT */
	/* Out: seconds left for a route learned from an RA,
	 * NS_LIFETIME_INFINITE otherwise. */
	uint32_t expires;
};

/* Adds a route. Returns 0, -EEXIST (same family, prefix, metric and
 * NIC), -EINVAL, -ENODEV, -ENETUNREACH (no NIC holds the gateway) or
 * -ENOMEM. */
int ns_stack_add_route(struct ns_stack *stack, const struct ns_route *rt);

/* Removes the route matching family, dst, prefix_len and, when non-zero,
 * ifindex and metric. Returns 0 or -ESRCH. */
int ns_stack_del_route(struct ns_stack *stack, const struct ns_route *rt);

int ns_stack_foreach_route(const struct ns_stack *stack,
			   int (*fn)(void *arg, const struct ns_route *rt),
			   void *arg);

/* The decision for one destination, as `ip route get` shows it: the NIC,
 * the next hop (the destination itself when on-link), the source address
 * the stack would pick, and the path MTU. */
struct ns_route_lookup {
	int ifindex;
	uint8_t nexthop[16];
	uint8_t src[16];
	uint32_t mtu;
	bool local; /* delivered to this stack, through "lo" */
};

/* Looks up a destination. oif, when non-zero, restricts the result to
 * that NIC. Returns 0, -ENETUNREACH or -EINVAL. */
int ns_stack_route_get(struct ns_stack *stack, int family, const uint8_t *dst,
		       int oif, struct ns_route_lookup *out);

/* ---- Neighbours (ARP and NDP) ------------------------------------- */

/* Neighbour states, with the values of Linux's NUD_*. */
enum {
	NS_NUD_INCOMPLETE = 0x01,
	NS_NUD_REACHABLE = 0x02,
	NS_NUD_STALE = 0x04,
	NS_NUD_DELAY = 0x08,
	NS_NUD_PROBE = 0x10,
	NS_NUD_FAILED = 0x20,
	NS_NUD_PERMANENT = 0x80,
};

struct ns_neigh_info {
	int ifindex;
	int family;
	uint8_t addr[16];
	uint8_t mac[6]; /* meaningful unless INCOMPLETE */
	uint16_t state; /* NS_NUD_* */
	bool router;	/* IPv6: the neighbour said it is a router */
};

/* Adds or replaces a permanent entry (`ip neigh replace ... nud
 * permanent`); state is ignored. Returns 0, -ENODEV, -EINVAL or -ENOMEM. */
int ns_stack_add_neigh(struct ns_stack *stack,
		       const struct ns_neigh_info *neigh);

int ns_stack_foreach_neigh(const struct ns_stack *stack,
			   int (*fn)(void *arg, const struct ns_neigh_info *n),
			   void *arg);

/* ---- Packets and time ---------------------------------------------- */

/* Processes one received frame (Ethernet II, or a bare IP packet on an
 * NS_LINK_IP NIC). Consumes pkt on every path. Replies and packets
 * released by the frame go out before it returns (and each link that
 * sent is flushed). Returns 0, or -ENODEV for an unknown ifindex (the
 * frame is dropped and counted as Link.InNoNic). */
int ns_stack_input(struct ns_stack *stack, int ifindex, struct ns_pkt *pkt);

/* Processes n frames received on one NIC, consuming each, with one flush
 * per link at the end. Same semantics as n calls of ns_stack_input. */
int ns_stack_input_burst(struct ns_stack *stack, int ifindex,
			 struct ns_pkt **pkts, unsigned n);

/* Runs every timer due at the clock's current time (retransmissions,
 * expiries, reassembly timeouts) and returns the next deadline, or
 * NS_TIME_NEVER. */
uint64_t ns_stack_timers(struct ns_stack *stack);

/* The absolute time (on config.clock) by which ns_stack_timers() must be
 * called next, or NS_TIME_NEVER. Does not read the clock. */
uint64_t ns_stack_next_deadline(const struct ns_stack *stack);

/* ---- Observing the loopback --------------------------------------- */

/* Called with every packet the stack sends through its "lo" NIC (a bare
 * IPv4 or IPv6 packet, to a local address), when it is queued for
 * delivery: what a capture of Linux's lo shows. The copies of broadcasts
 * and multicasts looped back to local sockets are not reported (Linux
 * loops them inside the sending NIC, dev_loopback_xmit). The packet is
 * borrowed for the call, may have fragments and a transport checksum left
 * unfilled (NS_PKT_F_CSUM_PARTIAL: nothing checks checksums on lo). The
 * observer must not change it nor call into the stack. */
typedef void (*ns_loopback_observer)(void *arg, const struct ns_pkt *pkt);

/* Sets the observer (fn NULL: none). One at a time; a new one replaces
 * the old. */
void ns_stack_set_loopback_observer(struct ns_stack *stack,
				    ns_loopback_observer fn, void *arg);

/* ---- Counters ------------------------------------------------------ */

uint64_t ns_stack_stat(const struct ns_stack *stack, enum ns_stat id);

/* Looks up a counter by its name ("Udp.NoPorts", "IcmpMsg.InType8",
 * "Icmp6.OutType136"). Returns 0 with *value set, or -ENOENT. */
int ns_stack_stat_by_name(const struct ns_stack *stack, const char *name,
			  uint64_t *value);

/* Calls fn for every fixed counter in list order, then for each non-zero
 * per-type ICMP counter (as Linux shows only those). */
void ns_stack_stats_foreach(const struct ns_stack *stack,
			    void (*fn)(void *arg, const char *name,
				       uint64_t value),
			    void *arg);

#endif
