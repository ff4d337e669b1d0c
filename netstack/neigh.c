/* The neighbour cache and its state machine; see neigh.h. */
#include "neigh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "eth.h"
#include "ip.h"
#include "ndp.h"
#include "nic.h"

/* RFC 4861 10 protocol constants, which Linux also uses for ARP. */
#define MAX_MULTICAST_SOLICIT 3
#define MAX_UNICAST_SOLICIT   3
#define DELAY_FIRST_PROBE_NS  (5 * NS_SEC)
/* Linux gc_stale_time: an unused STALE entry may go after 60 s. */
#define GC_STALE_NS (60 * NS_SEC)
/* Queue limit in packets besides the byte limit (a flood of tiny
 * packets must not pin memory either). */
#define NEIGH_QUEUE_PKTS 256

static void neigh_timer_fired(struct ns_stack *stack, struct ns_timer *t);

int ns_neigh_table_init(struct ns_neigh_table *t, uint32_t max_entries)
{
	uint32_t n = 16;
	while (n < max_entries / 2)
		n *= 2;
	t->buckets = malloc(n * sizeof(*t->buckets));
	if (t->buckets == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		ns_list_init(&t->buckets[i]);
	t->nbuckets = n;
	t->count = 0;
	ns_list_init(&t->lru);
	return 0;
}

/* Linux arp_hashfn's multiplicative hash under a per-stack random
 * multiplier: on the per-packet path, and keyed so a peer cannot choose
 * colliding addresses without knowing it. */
static struct ns_list *bucket_of(struct ns_stack *stack,
				 const struct ns_nic *nic,
				 const struct ns_addr *addr)
{
	uint32_t w[4];
	memcpy(w, addr->b, 16);
	uint32_t x = w[0] ^ w[1] ^ w[2] ^ w[3] ^ (uint32_t)nic->ifindex;
	uint32_t mult = (uint32_t)stack->hash_key.k0 | 1;
	uint32_t h = (x * mult) ^ (uint32_t)(stack->hash_key.k1);
	h ^= h >> 16;
	return &stack->neigh.buckets[h & (stack->neigh.nbuckets - 1)];
}

struct ns_neigh *ns_neigh_lookup(struct ns_stack *stack,
				 const struct ns_nic *nic,
				 const struct ns_addr *addr)
{
	struct ns_list *b = bucket_of(stack, nic, addr), *pos;
	ns_list_for_each (pos, b) {
		struct ns_neigh *n =
			ns_container_of(pos, struct ns_neigh, hnode);
		if (n->nic == nic && ns_addr_eq(&n->addr, addr))
			return n;
	}
	return NULL;
}

static void neigh_destroy(struct ns_stack *stack, struct ns_neigh *n)
{
	NS_INC(stack, Neigh, Destroys);
	if (n->queue.count)
		NS_ADD(stack, Neigh, UnresolvedDiscards, n->queue.count);
	ns_pkt_queue_purge(&n->queue);
	ns_timer_cancel(stack, &n->timer);
	ns_list_del(&n->hnode);
	ns_list_del(&n->lru);
	stack->neigh.count--;
	free(n);
}

/* Recycles the least recently used entry that holds nothing worth
 * keeping (STALE or FAILED), when the table is full. */
static bool neigh_evict_one(struct ns_stack *stack)
{
	struct ns_list *pos;
	ns_list_for_each (pos, &stack->neigh.lru) {
		struct ns_neigh *n = ns_container_of(pos, struct ns_neigh, lru);
		if (n->state & (NS_NUD_STALE | NS_NUD_FAILED)) {
			neigh_destroy(stack, n);
			return true;
		}
	}
	return false;
}

static struct ns_neigh *neigh_create(struct ns_stack *stack, struct ns_nic *nic,
				     const struct ns_addr *addr)
{
	if (stack->neigh.count >= stack->cfg.neigh_max &&
	    !neigh_evict_one(stack)) {
		NS_INC(stack, Neigh, TableFull);
		return NULL;
	}
	struct ns_neigh *n = calloc(1, sizeof(*n));
	if (n == NULL) {
		NS_INC(stack, Neigh, TableFull);
		return NULL;
	}
	n->nic = nic;
	n->addr = *addr;
	n->used = stack->now;
	ns_pkt_queue_init(&n->queue);
	ns_timer_init(&n->timer, neigh_timer_fired);
	ns_list_add(bucket_of(stack, nic, addr), &n->hnode);
	ns_list_add_tail(&stack->neigh.lru, &n->lru);
	stack->neigh.count++;
	NS_INC(stack, Neigh, Allocs);
	return n;
}

static void neigh_touch(struct ns_stack *stack, struct ns_neigh *n)
{
	n->used = stack->now;
	ns_list_del(&n->lru);
	ns_list_add_tail(&stack->neigh.lru, &n->lru);
}

static void neigh_solicit(struct ns_stack *stack, struct ns_neigh *n,
			  bool unicast)
{
	NS_INC(stack, Neigh, Probes);
	n->probes++;
	const uint8_t *mac = unicast ? n->mac : NULL;
	if (ns_addr_is_v4(&n->addr))
		ns_arp_solicit(stack, n->nic, &n->addr, mac);
	else
		ns_ndp_solicit(stack, n->nic, &n->addr, mac);
}

static uint64_t retrans_ns(const struct ns_neigh *n)
{
	return (uint64_t)n->nic->retrans_ms * NS_MSEC;
}

static void neigh_set_state(struct ns_stack *stack, struct ns_neigh *n,
			    uint16_t state)
{
	n->state = state;
	n->probes = 0;
	switch (state) {
	case NS_NUD_REACHABLE:
		ns_timer_arm_in(stack, &n->timer,
				(uint64_t)n->nic->reachable_ms * NS_MSEC);
		break;
	case NS_NUD_STALE:
		ns_timer_arm(stack, &n->timer, n->used + GC_STALE_NS);
		break;
	case NS_NUD_DELAY:
		ns_timer_arm_in(stack, &n->timer, DELAY_FIRST_PROBE_NS);
		break;
	default:
		ns_timer_cancel(stack, &n->timer);
		break;
	}
}

static void neigh_send_queue(struct ns_neigh *n)
{
	struct ns_pkt *pkt;
	while ((pkt = ns_pkt_queue_pop(&n->queue)) != NULL) {
		uint16_t type =
			(uint16_t)(ns_addr_is_v4(&n->addr) ? NS_ETH_P_IP
							   : NS_ETH_P_IPV6);
		ns_eth_output(n->nic, pkt, n->mac, type);
	}
}

/* Resolution failed: RFC 4861 7.3.3 / Linux neigh_invalidate. The senders
 * of queued packets learn "host unreachable". */
static void neigh_failed(struct ns_stack *stack, struct ns_neigh *n)
{
	NS_INC(stack, Neigh, ResFailed);
	struct ns_pkt *pkt;
	while ((pkt = ns_pkt_queue_pop(&n->queue)) != NULL) {
		NS_INC(stack, Neigh, UnresolvedDiscards);
		ns_ip_link_failure(stack, pkt);
		ns_pkt_free(pkt);
	}
	neigh_destroy(stack, n);
}

static void neigh_timer_fired(struct ns_stack *stack, struct ns_timer *t)
{
	struct ns_neigh *n = ns_container_of(t, struct ns_neigh, timer);
	switch (n->state) {
	case NS_NUD_INCOMPLETE:
		if (n->probes >= MAX_MULTICAST_SOLICIT) {
			neigh_failed(stack, n);
			return;
		}
		neigh_solicit(stack, n, false);
		ns_timer_arm_in(stack, &n->timer, retrans_ns(n));
		break;
	case NS_NUD_REACHABLE:
		neigh_set_state(stack, n, NS_NUD_STALE);
		break;
	case NS_NUD_STALE:
		if (n->used + GC_STALE_NS <= stack->now)
			neigh_destroy(stack, n);
		else
			ns_timer_arm(stack, &n->timer, n->used + GC_STALE_NS);
		break;
	case NS_NUD_DELAY:
		neigh_set_state(stack, n, NS_NUD_PROBE);
		/* The first probe goes out now. */
		/* fall through */
	case NS_NUD_PROBE:
		if (n->probes >= MAX_UNICAST_SOLICIT) {
			neigh_failed(stack, n);
			return;
		}
		neigh_solicit(stack, n, true);
		ns_timer_arm_in(stack, &n->timer, retrans_ns(n));
		break;
	default:
		break;
	}
}

int ns_neigh_output(struct ns_stack *stack, struct ns_nic *nic,
		    const struct ns_addr *nexthop, struct ns_pkt *pkt,
		    uint16_t ethertype)
{
	struct ns_neigh *n = ns_neigh_lookup(stack, nic, nexthop);
	if (n == NULL) {
		n = neigh_create(stack, nic, nexthop);
		if (n == NULL) {
			NS_INC(stack, Neigh, UnresolvedDiscards);
			ns_pkt_free(pkt);
			return -ENOBUFS;
		}
		n->state = NS_NUD_INCOMPLETE;
		ns_pkt_queue_push(&n->queue, pkt);
		neigh_solicit(stack, n, false);
		ns_timer_arm_in(stack, &n->timer, retrans_ns(n));
		return 0;
	}
	neigh_touch(stack, n);
	switch (n->state) {
	case NS_NUD_INCOMPLETE:
		/* RFC 4861 7.2.2: queue; when full, drop the oldest (Linux
		 * does the same with unres_qlen_bytes). */
		while (n->queue.count > 0 &&
		       (n->queue.bytes + pkt->len >
				stack->cfg.neigh_queue_max ||
			n->queue.count >= NEIGH_QUEUE_PKTS)) {
			NS_INC(stack, Neigh, UnresolvedDiscards);
			ns_pkt_free(ns_pkt_queue_pop(&n->queue));
		}
		ns_pkt_queue_push(&n->queue, pkt);
		return 0;
	case NS_NUD_STALE:
		/* RFC 4861 7.3.3: sending through a STALE entry starts the
		 * delay before probing. */
		neigh_set_state(stack, n, NS_NUD_DELAY);
		break;
	default:
		break;
	}
	return ns_eth_output(nic, pkt, n->mac, ethertype);
}

void ns_neigh_update(struct ns_stack *stack, struct ns_nic *nic,
		     const struct ns_addr *addr, const uint8_t *mac,
		     uint32_t flags)
{
	struct ns_neigh *n = ns_neigh_lookup(stack, nic, addr);
	if (n == NULL) {
		if (!(flags & NS_NEIGH_CREATE) || mac == NULL)
			return;
		n = neigh_create(stack, nic, addr);
		if (n == NULL)
			return;
		memcpy(n->mac, mac, 6);
		if (flags & NS_NEIGH_SET_ROUTER)
			n->router = flags & NS_NEIGH_ROUTER;
		/* RFC 4861 7.2.3: an entry created from a solicitation is
		 * STALE; ARP treats replies to us the same way. */
		neigh_set_state(stack, n,
				(flags & NS_NEIGH_SOLICITED) ? NS_NUD_REACHABLE
							     : NS_NUD_STALE);
		return;
	}
	if (n->state == NS_NUD_PERMANENT)
		return;
	if (flags & NS_NEIGH_SET_ROUTER)
		n->router = flags & NS_NEIGH_ROUTER;
	bool changed = mac && memcmp(n->mac, mac, 6) != 0;
	if (n->state == NS_NUD_INCOMPLETE) {
		if (mac == NULL)
			return;
		/* RFC 4861 7.2.5: the first answer fills the entry. */
		memcpy(n->mac, mac, 6);
		neigh_set_state(stack, n,
				(flags & NS_NEIGH_SOLICITED) ? NS_NUD_REACHABLE
							     : NS_NUD_STALE);
		neigh_send_queue(n);
		return;
	}
	if (changed && !(flags & NS_NEIGH_OVERRIDE)) {
		/* A different address without override: a REACHABLE entry
		 * becomes STALE, nothing else changes. */
		if (n->state == NS_NUD_REACHABLE)
			neigh_set_state(stack, n, NS_NUD_STALE);
		return;
	}
	if (changed)
		memcpy(n->mac, mac, 6);
	if (flags & NS_NEIGH_SOLICITED)
		neigh_set_state(stack, n, NS_NUD_REACHABLE);
	else if (changed)
		neigh_set_state(stack, n, NS_NUD_STALE);
}

void ns_neigh_confirm(struct ns_stack *stack, struct ns_nic *nic,
		      const struct ns_addr *addr)
{
	struct ns_neigh *n = ns_neigh_lookup(stack, nic, addr);
	if (n && (n->state & (NS_NUD_REACHABLE | NS_NUD_STALE | NS_NUD_DELAY |
			      NS_NUD_PROBE)))
		neigh_set_state(stack, n, NS_NUD_REACHABLE);
}

int ns_neigh_add_permanent(struct ns_stack *stack, struct ns_nic *nic,
			   const struct ns_addr *addr, const uint8_t mac[6])
{
	struct ns_neigh *n = ns_neigh_lookup(stack, nic, addr);
	if (n == NULL) {
		n = neigh_create(stack, nic, addr);
		if (n == NULL)
			return -ENOMEM;
	}
	memcpy(n->mac, mac, 6);
	neigh_set_state(stack, n, NS_NUD_PERMANENT);
	neigh_send_queue(n);
	return 0;
}

void ns_neigh_table_free(struct ns_stack *stack)
{
	struct ns_neigh_table *t = &stack->neigh;
	if (t->buckets == NULL)
		return;
	struct ns_list *pos, *tmp;
	ns_list_for_each_safe (pos, tmp, &t->lru) {
		struct ns_neigh *n = ns_container_of(pos, struct ns_neigh, lru);
		ns_pkt_queue_purge(&n->queue);
		free(n);
	}
	free(t->buckets);
	t->buckets = NULL;
}

int ns_stack_add_neigh(struct ns_stack *stack, const struct ns_neigh_info *info)
{
	if (info == NULL ||
	    (info->family != AF_INET && info->family != AF_INET6))
		return -EINVAL;
	struct ns_nic *nic = ns_nic_get(stack, info->ifindex);
	if (nic == NULL)
		return -ENODEV;
	if (!ns_nic_is_ether(nic))
		return -EINVAL;
	struct ns_addr a;
	ns_addr_set(&a, info->family == AF_INET, info->addr);
	if (ns_addr_is_any(&a) || ns_addr_is_mcast(&a))
		return -EINVAL;
	ns_enter(stack);
	int r = ns_neigh_add_permanent(stack, nic, &a, info->mac);
	ns_leave(stack);
	return r;
}

int ns_stack_foreach_neigh(const struct ns_stack *stack,
			   int (*fn)(void *arg, const struct ns_neigh_info *n),
			   void *arg)
{
	struct ns_list *pos;
	ns_list_for_each (pos, &stack->neigh.lru) {
		const struct ns_neigh *n =
			ns_container_of(pos, struct ns_neigh, lru);
		struct ns_neigh_info info = { .ifindex = n->nic->ifindex };
		info.family = ns_addr_is_v4(&n->addr) ? AF_INET : AF_INET6;
		ns_addr_export(&n->addr, info.addr);
		memcpy(info.mac, n->mac, 6);
		info.state = n->state;
		info.router = n->router;
		int r = fn(arg, &info);
		if (r)
			return r;
	}
	return 0;
}
