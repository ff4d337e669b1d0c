/* Neighbour discovery (RFC 4861) and stateless address autoconfiguration
 * (RFC 4862) for a host:
 * - neighbour solicitations and advertisements feed the neighbour cache
 *   (neigh.c) and answer for our addresses;
 * - duplicate address detection holds new addresses tentative;
 * - router solicitation at start-up; router advertisements give default
 *   routes, on-link prefixes, SLAAC addresses (modified EUI-64 interface
 *   identifiers), the link MTU and ND timers.
 * Not done: MLD reports (no multicast listening beyond ND's own groups),
 * redirects (ignored, as in icmp.c), privacy addresses (RFC 8981). */
#include "ndp.h"

#include <netinet/in.h>
#include <string.h>

#include "core.h"
#include "eth.h"
#include "ip.h"
#include "neigh.h"
#include "netstack/wire.h"
#include "nic.h"

/* RFC 4861 10 host constants. */
#define MAX_RTR_SOLICITATION_DELAY_MS 1000
#define RTR_SOLICITATION_INTERVAL_MS  4000
#define MAX_RTR_SOLICITATIONS	      3
/* RFC 4861 10 node constant MAX_REACHABLE_TIME. */
#define NDP_MAX_REACHABLE_MS 3600000u
/* RFC 4862 5.1: DupAddrDetectTransmits. */
#define DAD_TRANSMITS 1
/* Linux: default routes from RAs get metric 1024. */
#define RA_ROUTE_METRIC 1024
/* RFC 4862 5.5.3 (e): the two-hour rule. */
#define TWO_HOURS (2 * 3600u)

enum {
	OPT_SLLA = 1,
	OPT_TLLA = 2,
	OPT_PREFIX = 3,
	OPT_MTU = 5,
};

enum {
	NA_ROUTER = 0x80,
	NA_SOLICITED = 0x40,
	NA_OVERRIDE = 0x20,
};

/* The options of a received message, after RFC 4861 4.6 checks. */
struct nd_opts {
	const uint8_t *slla, *tlla, *mtu;
	const uint8_t *prefix[8];
	unsigned nprefix;
};

/* Returns false when an option has length 0 or runs past the end. */
static bool nd_parse_opts(const uint8_t *p, uint32_t len, struct nd_opts *o)
{
	memset(o, 0, sizeof(*o));
	while (len > 0) {
		if (len < 2 || p[1] == 0 || p[1] * 8u > len)
			return false;
		uint32_t olen = p[1] * 8u;
		switch (p[0]) {
		case OPT_SLLA:
			o->slla = olen >= 8 ? p + 2 : NULL;
			break;
		case OPT_TLLA:
			o->tlla = olen >= 8 ? p + 2 : NULL;
			break;
		case OPT_MTU:
			o->mtu = olen == 8 ? p : NULL;
			break;
		case OPT_PREFIX:
			if (olen == 32 && o->nprefix < 8)
				o->prefix[o->nprefix++] = p;
			break;
		default:
			break;
		}
		p += olen;
		len -= olen;
	}
	return true;
}

/* Sends an ICMPv6 ND message (pkt->data at its ICMP header) with hop
 * limit 255: to dst_mac if given, to the group's MAC for multicast, else
 * through the neighbour cache. Consumes pkt. */
static void ndp_send(struct ns_stack *stack, struct ns_nic *nic,
		     struct ns_pkt *pkt, const struct ns_addr *src,
		     const struct ns_addr *dst, const uint8_t *dst_mac)
{
	ns_icmp6_csum(pkt, src, dst);
	ns_icmp6_count_out(stack, pkt->data[0]);
	NS_INC(stack, Ip6, OutRequests);
	if (ns_ip6_push_header(pkt, src, dst, IPPROTO_ICMPV6, 255, 0, 0) < 0) {
		NS_INC(stack, Ip6, OutDiscards);
		ns_pkt_free(pkt);
		return;
	}
	NS_ADD(stack, Ip6, OutOctets, pkt->len);
	uint8_t mac[6];
	if (ns_addr_is_mcast(dst)) {
		NS_INC(stack, Ip6, OutMcastPkts);
		ns_eth_mcast_mac(dst, mac);
		dst_mac = mac;
	}
	if (dst_mac)
		ns_eth_output(nic, pkt, dst_mac, NS_ETH_P_IPV6);
	else
		ns_neigh_output(stack, nic, dst, pkt, NS_ETH_P_IPV6);
}

static struct ns_pkt *nd_alloc(uint32_t len)
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, len);
	if (pkt) {
		uint8_t *p = ns_pkt_put(pkt, len);
		memset(p, 0, len);
	}
	return pkt;
}

static void put_lla_opt(uint8_t *p, uint8_t type, const uint8_t mac[6])
{
	p[0] = type;
	p[1] = 1;
	memcpy(p + 2, mac, 6);
}

void ns_ndp_solicit(struct ns_stack *stack, struct ns_nic *nic,
		    const struct ns_addr *target, const uint8_t *dst_mac)
{
	struct ns_addr src, dst;
	/* RFC 4861 7.2.2: the source is one of our addresses, preferably
	 * the one the queued packet came from; the link-local one does. */
	if (!ns_nic_select_src(nic, target, &src))
		return;
	if (dst_mac)
		dst = *target;
	else
		ns_addr_solicited_node(&dst, target);
	struct ns_pkt *pkt = nd_alloc(24 + 8);
	if (pkt == NULL)
		return;
	uint8_t *p = pkt->data;
	p[0] = NS_ND_NEIGHBOR_SOLICIT;
	memcpy(p + 8, target->b, 16);
	put_lla_opt(p + 24, OPT_SLLA, nic->info.mac);
	ndp_send(stack, nic, pkt, &src, &dst, dst_mac);
}

static void ndp_send_na(struct ns_stack *stack, struct ns_nic *nic,
			const struct ns_addr *target, const struct ns_addr *dst,
			bool solicited)
{
	struct ns_pkt *pkt = nd_alloc(24 + 8);
	if (pkt == NULL)
		return;
	uint8_t *p = pkt->data;
	p[0] = NS_ND_NEIGHBOR_ADVERT;
	p[4] = NA_OVERRIDE | (solicited ? NA_SOLICITED : 0);
	memcpy(p + 8, target->b, 16);
	put_lla_opt(p + 24, OPT_TLLA, nic->info.mac);
	ndp_send(stack, nic, pkt, target, dst, NULL);
}

static void ndp_send_rs(struct ns_stack *stack, struct ns_nic *nic)
{
	struct ns_ifa *ll = ns_nic_linklocal(nic);
	struct ns_addr src, dst;
	ns_addr_all_routers(&dst);
	memset(&src, 0, sizeof(src));
	if (ll)
		src = ll->addr;
	/* RFC 4861 4.1: no link-layer option from the unspecified source. */
	struct ns_pkt *pkt = nd_alloc(ll ? 8 + 8 : 8);
	if (pkt == NULL)
		return;
	uint8_t *p = pkt->data;
	p[0] = NS_ND_ROUTER_SOLICIT;
	if (ll)
		put_lla_opt(p + 8, OPT_SLLA, nic->info.mac);
	ndp_send(stack, nic, pkt, &src, &dst, NULL);
}

/* ---- Start-up: link-local address, DAD, router solicitation ----------- */

void ns_ndp_nic_up(struct ns_stack *stack, struct ns_nic *nic)
{
	(void)stack;
	struct ns_addr ll = { .b = { 0xfe, 0x80 } };
	memcpy(ll.b + 8, nic->iid, 8);
	ns_nic_add_addr(nic, &ll, 64, 0, NS_LIFETIME_INFINITE,
			NS_LIFETIME_INFINITE, false, NULL);
}

void ns_ndp_dad_start(struct ns_stack *stack, struct ns_ifa *ifa)
{
	NS_INC(stack, Nd, DadStarted);
	ifa->dad_left = DAD_TRANSMITS;
	/* RFC 4862 5.4.2: a random delay before the first solicitation, so
	 * hosts starting together do not collide. */
	ns_timer_arm_in(stack, &ifa->dad_timer,
			ns_random_below(stack, MAX_RTR_SOLICITATION_DELAY_MS) *
				NS_MSEC);
}

static void ndp_rs_start(struct ns_stack *stack, struct ns_nic *nic)
{
	if ((nic->flags & NS_NIC_F_NO_AUTOCONF) ||
	    ns_timer_armed(&nic->rs_timer))
		return;
	nic->rs_left = MAX_RTR_SOLICITATIONS;
	ns_timer_arm_in(stack, &nic->rs_timer,
			ns_random_below(stack, MAX_RTR_SOLICITATION_DELAY_MS) *
				NS_MSEC);
}

void ns_ndp_dad_timer(struct ns_stack *stack, struct ns_timer *t)
{
	struct ns_ifa *ifa = ns_container_of(t, struct ns_ifa, dad_timer);
	struct ns_nic *nic = ifa->nic;
	if (ifa->dad_left > 0) {
		ifa->dad_left--;
		struct ns_addr src, dst;
		memset(&src, 0, sizeof(src));
		ns_addr_solicited_node(&dst, &ifa->addr);
		struct ns_pkt *pkt = nd_alloc(24);
		if (pkt) {
			pkt->data[0] = NS_ND_NEIGHBOR_SOLICIT;
			memcpy(pkt->data + 8, ifa->addr.b, 16);
			ndp_send(stack, nic, pkt, &src, &dst, NULL);
		}
		ns_timer_arm_in(stack, &ifa->dad_timer,
				(uint64_t)nic->retrans_ms * NS_MSEC);
		return;
	}
	/* RFC 4862 5.4: no answer within RetransTimer: unique. */
	ifa->flags &= ~NS_ADDR_F_TENTATIVE;
	NS_INC(stack, Nd, DadSucceeded);
	ns_route_changed(stack);
	if (ns_addr_is_linklocal6(&ifa->addr))
		ndp_rs_start(stack, nic);
}

void ns_ndp_rs_timer(struct ns_stack *stack, struct ns_timer *t)
{
	struct ns_nic *nic = ns_container_of(t, struct ns_nic, rs_timer);
	if (nic->rs_left == 0)
		return;
	nic->rs_left--;
	ndp_send_rs(stack, nic);
	if (nic->rs_left > 0)
		ns_timer_arm_in(stack, &nic->rs_timer,
				RTR_SOLICITATION_INTERVAL_MS * NS_MSEC);
}

/* ---- Receiving ------------------------------------------------------ */

static void nd_invalid(struct ns_stack *stack)
{
	NS_INC(stack, Nd, InInvalid);
}

static void ndp_ns_input(struct ns_stack *stack, struct ns_nic *nic,
			 struct ns_pkt *pkt, const uint8_t *p)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	NS_INC(stack, Icmp6, InNeighborSolicits);
	if (pkt->len < 24) {
		nd_invalid(stack);
		return;
	}
	struct nd_opts o;
	struct ns_addr target;
	ns_addr_set_v6(&target, p + 8);
	bool from_dad = ns_addr_is_unspec6(&m->src);
	struct ns_addr snm;
	ns_addr_solicited_node(&snm, &target);
	/* RFC 4861 7.1.1. */
	if (ns_addr_is_mcast(&target) ||
	    !nd_parse_opts(p + 24, pkt->len - 24, &o) ||
	    (from_dad && (!ns_addr_eq(&m->dst, &snm) || o.slla))) {
		nd_invalid(stack);
		return;
	}
	struct ns_ifa *ifa = ns_nic_find_addr(nic, &target);
	if (ifa == NULL)
		return;
	if (ifa->flags & NS_ADDR_F_TENTATIVE) {
		/* RFC 4862 5.4.3: another node is doing DAD for it too. */
		if (from_dad)
			ns_ifa_dad_failed(ifa);
		return;
	}
	if (ifa->flags & NS_ADDR_F_DADFAILED)
		return;
	if (from_dad) {
		/* RFC 4861 7.2.4: answer to all-nodes, not solicited. */
		struct ns_addr all;
		ns_addr_all_nodes(&all);
		ndp_send_na(stack, nic, &target, &all, false);
		return;
	}
	if (o.slla)
		ns_neigh_update(stack, nic, &m->src, o.slla,
				NS_NEIGH_CREATE | NS_NEIGH_OVERRIDE);
	ndp_send_na(stack, nic, &target, &m->src, true);
}

static void ndp_na_input(struct ns_stack *stack, struct ns_nic *nic,
			 struct ns_pkt *pkt, const uint8_t *p)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	NS_INC(stack, Icmp6, InNeighborAdvertisements);
	if (pkt->len < 24) {
		nd_invalid(stack);
		return;
	}
	struct nd_opts o;
	struct ns_addr target;
	ns_addr_set_v6(&target, p + 8);
	uint8_t flags = p[4];
	/* RFC 4861 7.1.2. */
	if (ns_addr_is_mcast(&target) ||
	    ((m->flags & NS_RX_MCAST) && (flags & NA_SOLICITED)) ||
	    !nd_parse_opts(p + 24, pkt->len - 24, &o)) {
		nd_invalid(stack);
		return;
	}
	struct ns_ifa *ifa = ns_nic_find_addr(nic, &target);
	if (ifa) {
		/* RFC 4862 5.4.4: someone has it already. An NA for an
		 * address we hold is a conflict we can only ignore. */
		if (ifa->flags & NS_ADDR_F_TENTATIVE)
			ns_ifa_dad_failed(ifa);
		return;
	}
	uint32_t uf = NS_NEIGH_SET_ROUTER;
	if (flags & NA_ROUTER)
		uf |= NS_NEIGH_ROUTER;
	if (flags & NA_SOLICITED)
		uf |= NS_NEIGH_SOLICITED;
	if (flags & NA_OVERRIDE)
		uf |= NS_NEIGH_OVERRIDE;
	ns_neigh_update(stack, nic, &target, o.tlla, uf);
}

/* RFC 4862 5.5.3 for one prefix information option. */
static void ndp_slaac(struct ns_stack *stack, struct ns_nic *nic,
		      const uint8_t *pio)
{
	uint8_t plen = pio[2];
	uint32_t valid = ns_get_be32(pio + 4);
	uint32_t preferred = ns_get_be32(pio + 8);
	struct ns_addr prefix;
	ns_addr_set_v6(&prefix, pio + 16);
	ns_addr_mask(&prefix, plen);
	if (ns_addr_is_linklocal6(&prefix) || ns_addr_is_mcast(&prefix) ||
	    preferred > valid || plen > 128) {
		NS_INC(stack, Nd, SlaacIgnored);
		return;
	}
	if (pio[3] & 0x80) {
		/* On-link (RFC 4861 6.3.4): a route with the valid
		 * lifetime; 0 takes it away. */
		struct ns_rt *rt = ns_rt_find(stack, &prefix, plen, NULL, nic);
		if (valid == 0) {
			if (rt && rt->protocol == NS_RTPROT_RA)
				ns_rt_del(stack, rt);
		} else if (rt == NULL) {
			struct ns_rt tmpl = { .v6 = true,
					      .dst = prefix,
					      .plen = plen,
					      .nic = nic,
					      .metric = 256,
					      .protocol = NS_RTPROT_RA,
					      .expires = NS_TIME_NEVER };
			if (valid != NS_LIFETIME_INFINITE)
				tmpl.expires =
					stack->now + (uint64_t)valid * NS_SEC;
			ns_rt_add(stack, &tmpl, NULL);
		} else if (rt->protocol == NS_RTPROT_RA) {
			ns_rt_set_expiry(stack, rt,
					 valid == NS_LIFETIME_INFINITE
						 ? NS_TIME_NEVER
						 : stack->now +
							   (uint64_t)valid *
								   NS_SEC);
		}
	}
	if (!(pio[3] & 0x40))
		return;
	if (plen != 64) {
		/* The interface identifier is 64 bits (RFC 4291 2.5.1). */
		NS_INC(stack, Nd, SlaacIgnored);
		return;
	}
	struct ns_addr a = prefix;
	memcpy(a.b + 8, nic->iid, 8);
	struct ns_ifa *ifa = ns_nic_find_addr(nic, &a);
	if (ifa == NULL) {
		if (valid == 0)
			return;
		if (ns_nic_add_addr(nic, &a, 64, 0, valid, preferred, true,
				    NULL) == 0)
			NS_INC(stack, Nd, SlaacAddrs);
		return;
	}
	if (!ifa->autoconf)
		return;
	/* The two-hour rule (e) keeps a forged RA from killing an address
	 * quickly. */
	uint64_t left =
		ifa->valid_until == NS_TIME_NEVER
			? UINT64_MAX
			: (ifa->valid_until > stack->now
				   ? (ifa->valid_until - stack->now) / NS_SEC
				   : 0);
	uint32_t new_valid;
	if (valid > TWO_HOURS || valid > left)
		new_valid = valid;
	else if (left <= TWO_HOURS)
		new_valid = (uint32_t)left;
	else
		new_valid = TWO_HOURS;
	ns_ifa_set_lifetimes(ifa, new_valid, preferred);
}

static void ndp_ra_input(struct ns_stack *stack, struct ns_nic *nic,
			 struct ns_pkt *pkt, const uint8_t *p)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	NS_INC(stack, Icmp6, InRouterAdvertisements);
	struct nd_opts o;
	/* RFC 4861 6.1.2. */
	if (pkt->len < 16 || !ns_addr_is_linklocal6(&m->src) ||
	    !nd_parse_opts(p + 16, pkt->len - 16, &o)) {
		nd_invalid(stack);
		return;
	}
	if (nic->flags & NS_NIC_F_NO_AUTOCONF)
		return;
	NS_INC(stack, Nd, RaAccepted);
	/* A router answered: stop soliciting. */
	nic->rs_left = 0;
	ns_timer_cancel(stack, &nic->rs_timer);
	if (p[4])
		nic->hop_limit = p[4];
	/* RFC 4861 6.2.1: a router advertises at most MAX_REACHABLE_TIME;
	 * more is taken as that (and keeps 1.5 x it within 32 bits). */
	uint32_t reachable = ns_get_be32(p + 8);
	if (reachable > NDP_MAX_REACHABLE_MS)
		reachable = NDP_MAX_REACHABLE_MS;
	if (reachable && reachable != nic->base_reachable_ms) {
		nic->base_reachable_ms = reachable;
		ns_nic_randomise_reachable(stack, nic);
	}
	uint32_t retrans = ns_get_be32(p + 12);
	if (retrans)
		nic->retrans_ms = retrans;
	if (o.slla)
		ns_neigh_update(stack, nic, &m->src, o.slla,
				NS_NEIGH_CREATE | NS_NEIGH_OVERRIDE |
					NS_NEIGH_SET_ROUTER | NS_NEIGH_ROUTER);
	if (o.mtu) {
		uint32_t mtu = ns_get_be32(o.mtu + 4);
		if (mtu >= 1280 && mtu <= nic->info.mtu) {
			nic->mtu6 = mtu;
			ns_route_changed(stack);
		}
	}
	/* Default router list (6.3.4) as a default route. */
	uint16_t lifetime = ns_get_be16(p + 6);
	struct ns_addr any;
	memset(&any, 0, sizeof(any));
	struct ns_rt *rt = ns_rt_find(stack, &any, 0, &m->src, nic);
	if (lifetime == 0) {
		if (rt)
			ns_rt_del(stack, rt);
	} else if (rt) {
		ns_rt_set_expiry(stack, rt,
				 stack->now + (uint64_t)lifetime * NS_SEC);
	} else {
		struct ns_rt tmpl = { .v6 = true,
				      .plen = 0,
				      .has_gw = true,
				      .gw = m->src,
				      .nic = nic,
				      .metric = RA_ROUTE_METRIC,
				      .protocol = NS_RTPROT_RA,
				      .expires = stack->now +
						 (uint64_t)lifetime * NS_SEC };
		ns_rt_add(stack, &tmpl, NULL);
	}
	for (unsigned i = 0; i < o.nprefix; i++)
		ndp_slaac(stack, nic, o.prefix[i]);
}

void ns_ndp_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt **pp, uint8_t type)
{
	struct ns_pkt *pkt = *pp;
	/* RFC 4861 6.1, 7.1: hop limit 255 proves the message was not
	 * forwarded by a router (it comes from the link); code 0. */
	if (ns_rxmeta(pkt)->ttl != 255 || pkt->len < 8 ||
	    ns_pkt_ensure(pp, pkt->len) == NULL || (*pp)->data[1] != 0) {
		nd_invalid(stack);
		return;
	}
	pkt = *pp;
	const uint8_t *p = pkt->data;
	switch (type) {
	case NS_ND_NEIGHBOR_SOLICIT:
		ndp_ns_input(stack, nic, pkt, p);
		break;
	case NS_ND_NEIGHBOR_ADVERT:
		ndp_na_input(stack, nic, pkt, p);
		break;
	case NS_ND_ROUTER_ADVERT:
		ndp_ra_input(stack, nic, pkt, p);
		break;
	case NS_ND_ROUTER_SOLICIT:
		/* RFC 4861 6.2.6: hosts discard solicitations. */
		NS_INC(stack, Icmp6, InRouterSolicits);
		break;
	case NS_ND_REDIRECT:
		NS_INC(stack, Icmp6, InRedirects);
		break;
	default:
		break;
	}
}
