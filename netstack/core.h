/* The stack object and what every module of the netstack shares: the
 * entry/exit bracket, the clock, counters. Internal. */
#ifndef NETSTACK_CORE_H
#define NETSTACK_CORE_H

#include <stdint.h>

#include "addr.h"
#include "hash.h"
#include "list.h"
#include "neigh.h"
#include "netstack/stack.h"
#include "nic.h"
#include "port.h"
#include "reasm.h"
#include "route.h"
#include "sysctl.h"
#include "timer.h"

/* IP identification counters, selected by a keyed hash of the
 * addresses and protocol (Linux ip_idents). */
#define NS_IDENT_BUCKETS 2048

struct ns_rate_bucket {
	uint64_t last;	 /* time of the last refill */
	uint32_t tokens; /* scaled by NS_RATE_SCALE */
	struct ns_addr dst;
};

#define NS_ICMP_HOST_BUCKETS 64

struct ns_stack {
	struct ns_stack_config cfg;
	uint64_t now;	/* clock value of the current entry */
	unsigned depth; /* nesting of entry points */
	uint64_t prng;
	struct ns_hash_key hash_key;
	struct ns_timer_heap timers;

	struct ns_nic *nics[NS_MAX_NICS + 1]; /* by ifindex */
	int max_ifindex;
	struct ns_nic *lo;
	uint64_t flush_mask; /* bit i: NIC i transmitted, flush at exit */
	struct ns_pkt_queue loopq;
	struct ns_timer loop_timer;
	ns_loopback_observer loop_observer; /* NULL: none */
	void *loop_observer_arg;

	struct ns_rtable routes;
	uint32_t route_gen;
	struct ns_pmtu pmtu[NS_PMTU_SLOTS];
	uint32_t pmtu_used; /* slots with an MTU */
	struct ns_neigh_table neigh;
	struct ns_reasm reasm4, reasm6;
	uint32_t idents[NS_IDENT_BUCKETS];

	struct ns_rate_bucket icmp_global;
	struct ns_rate_bucket icmp_host[NS_ICMP_HOST_BUCKETS];

	struct ns_tcp_stack *tcp; /* TCP's tables (tcp.h) */
	struct ns_port_table udp_ports;
	struct ns_port_table ping_ports;
	struct ns_list sockets; /* every socket, for introspection */

	struct ns_sysctl sysctl; /* netstack/sysctl.h */

	uint64_t stats[NS_STAT__COUNT];
	uint64_t icmp_msg[2][2][256]; /* [v6][out][type] */
};

/* Every public entry point is bracketed by ns_enter/ns_leave: the clock
 * is read once at the outermost entry, and on the way out loopback
 * traffic is delivered and the links that transmitted are flushed. */
void ns_enter(struct ns_stack *stack);
void ns_leave(struct ns_stack *stack);

#define NS_INC(s, group, name)	  ((s)->stats[NS_STAT_##group##_##name]++)
#define NS_ADD(s, group, name, n) ((s)->stats[NS_STAT_##group##_##name] += (n))
/* For counters with an IPv4 and an IPv6 twin. */
#define NS_INC46(s, v6, g4, g6, name) \
	((s)->stats[(v6) ? NS_STAT_##g6##_##name : NS_STAT_##g4##_##name]++)

static inline void ns_icmp_msg_count(struct ns_stack *s, bool v6, bool out,
				     uint8_t type)
{
	s->icmp_msg[v6][out][type]++;
}

#endif
