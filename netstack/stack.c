/* The stack object: creation and teardown, the entry/exit bracket every
 * public call goes through, frame input, timers and loopback delivery. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "eth.h"
#include "ip.h"
#include "ndp.h"
#include "proto.h"
#include "sock.h"

/* Loopback packets delivered per exit; the rest waits for the next timer
 * run, so one entry cannot spin forever on traffic it generates itself. */
#define NS_LOOP_BUDGET 4096

static void loop_timer_fired(struct ns_stack *stack, struct ns_timer *t);

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

static int add_loopback(struct ns_stack *stack)
{
	/* Linux's lo: MTU 65536, which IP caps at 65535 per packet. */
	static const struct ns_nic_config lo_cfg = {
		.info = { .type = NS_LINK_IP,
			  .mtu = 65535,
			  .caps = NS_LINK_CAP_TRUSTED,
			  .name = "lo" },
	};
	int ifindex;
	int r = ns_nic_create(stack, &lo_cfg, true, &ifindex);
	if (r < 0)
		return r;
	stack->lo = stack->nics[ifindex];
	struct ns_addr a;
	ns_addr_set_v4_u32(&a, 0x7f000001);
	r = ns_nic_add_addr(stack->lo, &a, 8, NS_ADDR_F_NODAD,
			    NS_LIFETIME_INFINITE, NS_LIFETIME_INFINITE, false,
			    NULL);
	if (r < 0)
		return r;
	static const uint8_t one[16] = { [15] = 1 };
	ns_addr_set_v6(&a, one);
	return ns_nic_add_addr(stack->lo, &a, 128, NS_ADDR_F_NODAD,
			       NS_LIFETIME_INFINITE, NS_LIFETIME_INFINITE,
			       false, NULL);
}

int ns_stack_create(const struct ns_stack_config *config, struct ns_stack **out)
{
	if (config == NULL || config->clock == NULL)
		return -EINVAL;
	struct ns_stack *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->cfg = *config;
	s->cfg.reasm_mem_max = or_default(s->cfg.reasm_mem_max, 4u << 20);
	s->cfg.reasm_max_frags = or_default(s->cfg.reasm_max_frags, 64);
	s->cfg.neigh_max = or_default(s->cfg.neigh_max, 1024);
	s->cfg.neigh_queue_max = or_default(s->cfg.neigh_queue_max, 256u << 10);
	s->cfg.icmp_rate = or_default(s->cfg.icmp_rate, 1000);
	s->cfg.icmp_burst = or_default(s->cfg.icmp_burst, 50);
	s->prng = config->seed;
	s->now = config->clock(config->ctx);
	ns_random_bytes(s, &s->hash_key, sizeof(s->hash_key));
	ns_random_bytes(s, s->idents, sizeof(s->idents));
	ns_pkt_queue_init(&s->loopq);
	ns_timer_init(&s->loop_timer, loop_timer_fired);
	ns_list_init(&s->sockets);
	ns_sysctl_init(&s->sysctl);
	ns_port_table_init(&s->udp_ports, NS_EPHEMERAL_LO, NS_EPHEMERAL_HI);
	/* Linux ping sockets pick identifiers from the whole 16-bit space
	 * above 0 (ping_get_port). */
	ns_port_table_init(&s->ping_ports, 1, 65535);
	int r = ns_neigh_table_init(&s->neigh, s->cfg.neigh_max);
	if (r == 0)
		r = ns_reasm_init(&s->reasm4, false, s->cfg.reasm_mem_max,
				  s->cfg.reasm_max_frags);
	if (r == 0)
		r = ns_reasm_init(&s->reasm6, true, s->cfg.reasm_mem_max,
				  s->cfg.reasm_max_frags);
	if (r == 0)
		r = ns_tcp_stack_init(s);
	if (r == 0)
		r = add_loopback(s);
	if (r < 0) {
		ns_stack_destroy(s);
		return r;
	}
	*out = s;
	return 0;
}

void ns_stack_destroy(struct ns_stack *s)
{
	if (s == NULL)
		return;
	/* Unarm every timer first, so that freeing their owners below needs
	 * no heap maintenance. */
	ns_timer_heap_free(&s->timers);
	while (!ns_list_empty(&s->sockets)) {
		struct ns_sock *sk =
			ns_container_of(s->sockets.next, struct ns_sock, node);
		if (sk->ops->destroy)
			sk->ops->destroy(sk);
		else
			ns_sock_free(sk);
	}
	ns_tcp_stack_free(s);
	ns_reasm_free(s, &s->reasm4);
	ns_reasm_free(s, &s->reasm6);
	ns_neigh_table_free(s);
	ns_rtable_free(s);
	ns_nics_free(s);
	ns_pkt_queue_purge(&s->loopq);
	free(s);
}

void ns_enter(struct ns_stack *s)
{
	if (s->depth++ == 0) {
		uint64_t now = s->cfg.clock(s->cfg.ctx);
		/* Time never runs backwards inside the stack. */
		if (now > s->now)
			s->now = now;
	}
}

/* The receive timestamp of a packet that came without one. */
static uint64_t rx_tstamp(const struct ns_stack *s)
{
	return s->cfg.wall_clock ? s->cfg.wall_clock(s->cfg.ctx) : s->now;
}

static void loop_drain(struct ns_stack *s)
{
	for (unsigned i = 0; i < NS_LOOP_BUDGET; i++) {
		struct ns_pkt *pkt = ns_pkt_queue_pop(&s->loopq);
		if (pkt == NULL)
			return;
		/* NICs are only removed with the stack. */
		struct ns_nic *nic = s->nics[pkt->ifindex];
		nic->rx_packets++;
		nic->rx_bytes += pkt->len;
		if (pkt->tstamp_ns == 0)
			pkt->tstamp_ns = rx_tstamp(s);
		if ((pkt->data[0] >> 4) == 6)
			ns_ip6_input(s, nic, pkt);
		else
			ns_ip4_input(s, nic, pkt);
	}
	if (s->loopq.count > 0)
		ns_timer_arm(s, &s->loop_timer, s->now);
}

static void loop_timer_fired(struct ns_stack *stack, struct ns_timer *t)
{
	(void)t;
	loop_drain(stack);
}

void ns_leave(struct ns_stack *s)
{
	if (s->depth == 1) {
		loop_drain(s);
		while (s->flush_mask) {
			int bit = __builtin_ctzll(s->flush_mask);
			s->flush_mask &= s->flush_mask - 1;
			struct ns_nic *nic = s->nics[bit + 1];
			if (nic && nic->ops && nic->ops->flush)
				nic->ops->flush(nic->ctx);
		}
	}
	s->depth--;
}

void ns_stack_set_loopback_observer(struct ns_stack *s, ns_loopback_observer fn,
				    void *arg)
{
	s->loop_observer = fn;
	s->loop_observer_arg = arg;
}

void ns_loopback_queue(struct ns_stack *s, struct ns_pkt *pkt,
		       struct ns_nic *nic)
{
	if (nic == s->lo) {
		if (s->loop_observer)
			s->loop_observer(s->loop_observer_arg, pkt);
		s->lo->tx_packets++;
		s->lo->tx_bytes += pkt->len;
	}
	/* Nothing checks checksums on lo, as on Linux's loopback. */
	pkt->flags |= NS_PKT_F_CSUM_VALID;
	pkt->ifindex = (uint16_t)nic->ifindex;
	pkt->tstamp_ns = 0;
	ns_pkt_queue_push(&s->loopq, pkt);
}

static int input_one(struct ns_stack *s, int ifindex, struct ns_pkt *pkt)
{
	struct ns_nic *nic = ns_nic_get(s, ifindex);
	if (nic == NULL || nic->loopback) {
		NS_INC(s, Link, InNoNic);
		ns_pkt_free(pkt);
		return -ENODEV;
	}
	NS_INC(s, Link, InFrames);
	nic->rx_packets++;
	nic->rx_bytes += pkt->len;
	pkt->ifindex = (uint16_t)ifindex;
	pkt->next = NULL;
	if (pkt->tstamp_ns == 0)
		pkt->tstamp_ns = rx_tstamp(s);
	if (ns_nic_is_ether(nic)) {
		ns_eth_input(s, nic, pkt);
		return 0;
	}
	uint8_t version = 0;
	if (pkt->len == 0 || ns_pkt_copy_out(pkt, 0, &version, 1) < 0) {
		NS_INC(s, Link, InTruncated);
		nic->rx_dropped++;
		ns_pkt_free(pkt);
		return 0;
	}
	pkt->l2_len = 0;
	if (version >> 4 == 4) {
		ns_ip4_input(s, nic, pkt);
	} else if (version >> 4 == 6 && nic->ipv6) {
		ns_ip6_input(s, nic, pkt);
	} else {
		NS_INC(s, Link, InUnknownProto);
		nic->rx_dropped++;
		ns_pkt_free(pkt);
	}
	return 0;
}

int ns_stack_input(struct ns_stack *s, int ifindex, struct ns_pkt *pkt)
{
	ns_enter(s);
	int r = input_one(s, ifindex, pkt);
	ns_leave(s);
	return r;
}

int ns_stack_input_burst(struct ns_stack *s, int ifindex, struct ns_pkt **pkts,
			 unsigned n)
{
	int r = 0;
	ns_enter(s);
	for (unsigned i = 0; i < n; i++) {
		int ri = input_one(s, ifindex, pkts[i]);
		pkts[i] = NULL;
		if (ri < 0)
			r = ri;
	}
	ns_leave(s);
	return r;
}

uint64_t ns_stack_timers(struct ns_stack *s)
{
	ns_enter(s);
	ns_timer_heap_run(s, &s->timers, s->now);
	ns_leave(s);
	return ns_timer_heap_next(&s->timers);
}

uint64_t ns_stack_next_deadline(const struct ns_stack *s)
{
	return ns_timer_heap_next(&s->timers);
}
