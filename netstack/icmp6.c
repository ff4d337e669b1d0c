/* ICMPv6 (RFC 4443): echo, errors received and mapped to sockets, errors
 * sent under the rules of 2.4 and rate limits, and the hand-off of
 * neighbour discovery messages. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core.h"
#include "ip.h"
#include "ndp.h"
#include "netstack/csum.h"
#include "netstack/wire.h"
#include "nic.h"
#include "proto.h"

enum {
	ICMP6_DST_UNREACH = 1,
	ICMP6_PACKET_TOO_BIG = 2,
	ICMP6_TIME_EXCEEDED = 3,
	ICMP6_PARAM_PROB = 4,
	ICMP6_ECHO_REQUEST = 128,
	ICMP6_ECHO_REPLY = 129,
	MLD_LISTENER_QUERY = 130,
};

/* RFC 4443 2.4 (c): an error fits in the minimum MTU. */
#define ICMP6_ERR_MAX 1280
#define IPV6_MIN_MTU  1280

/* Linux icmpv6_err_convert tab_unreach. */
static const struct {
	int err;
	bool fatal;
} unreach6_map[7] = {
	{ ENETUNREACH, false },	 { EACCES, true },
	{ EHOSTUNREACH, false }, { EHOSTUNREACH, false },
	{ ECONNREFUSED, true },	 { EACCES, true },
	{ EACCES, true },
};

static void icmp6_count_out(struct ns_stack *stack, uint8_t type)
{
	NS_INC(stack, Icmp6, OutMsgs);
	ns_icmp_msg_count(stack, true, true, type);
	switch (type) {
	case ICMP6_DST_UNREACH:
		NS_INC(stack, Icmp6, OutDestUnreachs);
		break;
	case ICMP6_PACKET_TOO_BIG:
		NS_INC(stack, Icmp6, OutPktTooBigs);
		break;
	case ICMP6_TIME_EXCEEDED:
		NS_INC(stack, Icmp6, OutTimeExcds);
		break;
	case ICMP6_PARAM_PROB:
		NS_INC(stack, Icmp6, OutParmProblems);
		break;
	case ICMP6_ECHO_REQUEST:
		NS_INC(stack, Icmp6, OutEchos);
		break;
	case ICMP6_ECHO_REPLY:
		NS_INC(stack, Icmp6, OutEchoReplies);
		break;
	case NS_ND_ROUTER_SOLICIT:
		NS_INC(stack, Icmp6, OutRouterSolicits);
		break;
	case NS_ND_NEIGHBOR_SOLICIT:
		NS_INC(stack, Icmp6, OutNeighborSolicits);
		break;
	case NS_ND_NEIGHBOR_ADVERT:
		NS_INC(stack, Icmp6, OutNeighborAdvertisements);
		break;
	default:
		break;
	}
}

/* Counts an ICMPv6 message built by NDP. */
void ns_icmp6_count_out(struct ns_stack *stack, uint8_t type)
{
	icmp6_count_out(stack, type);
}

/* Fills the checksum of an ICMPv6 message at pkt->data. */
void ns_icmp6_csum(struct ns_pkt *pkt, const struct ns_addr *src,
		   const struct ns_addr *dst)
{
	uint8_t *p = pkt->data;
	ns_put_be16(p + 2, 0);
	uint32_t sum =
		ns_csum_pseudo6(src->b, dst->b, IPPROTO_ICMPV6, pkt->len);
	ns_put_be16(p + 2, ns_csum_fold(ns_pkt_csum(pkt, 0, pkt->len, sum)));
}

static bool icmp6_is_error_type(uint8_t type)
{
	return type < 128 || type == NS_ND_REDIRECT;
}

/* RFC 4443 2.4 (e). */
static bool icmp6_error_allowed(struct ns_pkt *pkt, uint8_t type, uint8_t code)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	bool exempt = type == ICMP6_PACKET_TOO_BIG ||
		      (type == ICMP6_PARAM_PROB && code == 2);
	if ((m->flags & NS_RX_MCAST) && !exempt)
		return false;
	if ((pkt->flags & (NS_PKT_F_LINK_BCAST | NS_PKT_F_LINK_MCAST)) &&
	    !exempt)
		return false;
	if (ns_addr_is_unspec6(&m->src) || ns_addr_is_mcast(&m->src))
		return false;
	if (m->proto == IPPROTO_ICMPV6 && m->th_off) {
		uint8_t t;
		uint32_t back = ns_pkt_headroom(pkt) - m->th_off;
		if (back == 0 && ns_pkt_copy_out(pkt, 0, &t, 1) == 0 &&
		    icmp6_is_error_type(t))
			return false;
		if (back > 0 && icmp6_is_error_type(pkt->head[m->th_off]))
			return false;
	}
	return true;
}

void ns_icmp6_send_error(struct ns_stack *stack, struct ns_pkt *pkt,
			 uint8_t type, uint8_t code, uint32_t info)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	if (!icmp6_error_allowed(pkt, type, code))
		return;
	/* RFC 4443 2.4 (f): rate limited; Packet Too Big is exempt in
	 * Linux so path MTU discovery keeps working. */
	if (type != ICMP6_PACKET_TOO_BIG &&
	    !ns_icmp_rate_allow(stack, &m->src, true))
		return;
	uint32_t back = ns_pkt_headroom(pkt) - m->nh_off;
	uint32_t quote = back + pkt->len;
	if (quote > ICMP6_ERR_MAX - 40 - 8)
		quote = ICMP6_ERR_MAX - 40 - 8;
	struct ns_pkt *out = ns_pkt_alloc(NS_PKT_HEADROOM, 8 + quote);
	if (out == NULL) {
		NS_INC(stack, Icmp6, OutErrors);
		return;
	}
	uint8_t *p = ns_pkt_put(out, 8 + quote);
	p[0] = type;
	p[1] = code;
	ns_put_be32(p + 4, info);
	uint32_t from_head = back < quote ? back : quote;
	memcpy(p + 8, pkt->head + m->nh_off, from_head);
	ns_pkt_copy_out(pkt, 0, p + 8 + from_head, quote - from_head);
	struct ns_addr dst = m->src;
	struct ns_dst d;
	const struct ns_addr *src =
		ns_addr_is_local(stack, &m->dst) ? &m->dst : NULL;
	int oif = ns_addr_needs_scope(&dst) ? pkt->ifindex : 0;
	if (ns_route_output(stack, &dst, src, oif, &d) < 0) {
		NS_INC(stack, Icmp6, OutErrors);
		ns_pkt_free(out);
		return;
	}
	ns_icmp6_csum(out, &d.src, &dst);
	icmp6_count_out(stack, type);
	struct ns_ip_tx tx = { .src = d.src,
			       .dst = dst,
			       .proto = IPPROTO_ICMPV6,
			       .ttl = d.nic->hop_limit };
	ns_ip_output(stack, &d, out, &tx);
}

static void icmp6_echo(struct ns_stack *stack, struct ns_pkt *pkt)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	struct ns_pkt *out = ns_pkt_alloc(NS_PKT_HEADROOM, pkt->len);
	if (out == NULL) {
		NS_INC(stack, Icmp6, OutErrors);
		return;
	}
	uint8_t *p = ns_pkt_put(out, pkt->len);
	ns_pkt_copy_out(pkt, 0, p, pkt->len);
	p[0] = ICMP6_ECHO_REPLY;
	p[1] = 0;
	/* A reply to a multicast request comes from a unicast address
	 * chosen by routing (RFC 4443 4.2). */
	const struct ns_addr *src = (m->flags & NS_RX_MCAST) ? NULL : &m->dst;
	struct ns_addr dst = m->src;
	int oif = ns_addr_needs_scope(&dst) ? pkt->ifindex : 0;
	struct ns_dst d;
	if (ns_route_output(stack, &dst, src, oif, &d) < 0) {
		NS_INC(stack, Icmp6, OutErrors);
		ns_pkt_free(out);
		return;
	}
	ns_icmp6_csum(out, &d.src, &dst);
	icmp6_count_out(stack, ICMP6_ECHO_REPLY);
	struct ns_ip_tx tx = { .src = d.src,
			       .dst = dst,
			       .proto = IPPROTO_ICMPV6,
			       .ttl = d.nic->hop_limit };
	ns_ip_output(stack, &d, out, &tx);
}

/* Finds the upper-layer protocol of a quoted IPv6 packet by walking its
 * extension headers (Linux ipv6_skip_exthdr). Returns the offset of the
 * upper header in q, or -1. */
static int quoted_upper(const uint8_t *q, uint32_t len, uint8_t *proto)
{
	uint8_t nh = q[6];
	uint32_t off = 40;
	for (unsigned n = 0; n < 8; n++) {
		if (nh != 0 && nh != 43 && nh != 44 && nh != 60) {
			*proto = nh;
			return (int)off;
		}
		if (off + 8 > len)
			return -1;
		if (nh == 44) {
			/* Only the first fragment quotes the upper header. */
			if (ns_get_be16(q + off + 2) & 0xfff8)
				return -1;
			nh = q[off];
			off += 8;
			continue;
		}
		nh = q[off];
		off += (q[off + 1] + 1u) * 8u;
	}
	return -1;
}

static void icmp6_error(struct ns_stack *stack, struct ns_pkt **pp)
{
	struct ns_pkt *pkt = *pp;
	struct ns_rxmeta m = *ns_rxmeta(pkt);
	uint32_t want = pkt->len < 8 + 1232 ? pkt->len : 8 + 1232;
	uint8_t *p = ns_pkt_ensure(pp, want);
	if (p == NULL || want < 8 + 40 + 8)
		goto bad;
	pkt = *pp;
	const uint8_t *q = p + 8;
	uint32_t qlen = want - 8;
	if ((q[0] >> 4) != 6)
		goto bad;
	uint8_t proto;
	int upper = quoted_upper(q, qlen, &proto);
	if (upper < 0 || (uint32_t)upper + 8 > qlen)
		goto bad;
	uint8_t type = p[0], code = p[1];
	struct ns_icmp_err e = { .v6 = true, .type = type, .code = code };
	ns_addr_set_v6(&e.src, q + 8);
	ns_addr_set_v6(&e.dst, q + 24);
	e.from = m.src;
	e.th = q + upper;
	e.th_len = qlen - (uint32_t)upper;
	e.ttl = m.ttl;
	e.info = ns_get_be32(p + 4);
	switch (type) {
	case ICMP6_DST_UNREACH:
		e.err = code < 7 ? unreach6_map[code].err : EPROTO;
		e.fatal = code < 7 && unreach6_map[code].fatal;
		break;
	case ICMP6_PACKET_TOO_BIG:
		e.err = EMSGSIZE;
		/* RFC 8201 4: never below the IPv6 minimum. */
		if (e.info < IPV6_MIN_MTU)
			e.info =
				IPV6_MIN_MTU; /* the protocol updates the path */
		break;
	case ICMP6_TIME_EXCEEDED:
		e.err = EHOSTUNREACH;
		break;
	case ICMP6_PARAM_PROB:
		e.err = EPROTO;
		e.fatal = true;
		break;
	default:
		return;
	}
	ns_ip_deliver_err(stack, &e, proto);
	return;
bad:
	NS_INC(stack, Icmp6, InErrors);
}

static void icmp6_input(struct ns_stack *stack, struct ns_pkt *pkt)
{
	NS_INC(stack, Icmp6, InMsgs);
	if (pkt->len < 4 || ns_pkt_ensure(&pkt, 4) == NULL) {
		NS_INC(stack, Icmp6, InErrors);
		goto out;
	}
	/* RFC 4443 2.3: the checksum is mandatory. */
	if (!ns_l4_csum_ok(pkt, IPPROTO_ICMPV6)) {
		NS_INC(stack, Icmp6, InCsumErrors);
		NS_INC(stack, Icmp6, InErrors);
		goto out;
	}
	struct ns_nic *nic = ns_nic_get(stack, pkt->ifindex);
	uint8_t type = pkt->data[0];
	ns_icmp_msg_count(stack, true, false, type);
	switch (type) {
	case ICMP6_ECHO_REQUEST:
		NS_INC(stack, Icmp6, InEchos);
		if (pkt->len >= 8)
			icmp6_echo(stack, pkt);
		else
			NS_INC(stack, Icmp6, InErrors);
		break;
	case ICMP6_ECHO_REPLY:
		NS_INC(stack, Icmp6, InEchoReplies);
		if (pkt->len >= 8) {
			ns_ping_rcv(stack, pkt);
			return;
		}
		NS_INC(stack, Icmp6, InErrors);
		break;
	case ICMP6_DST_UNREACH:
		NS_INC(stack, Icmp6, InDestUnreachs);
		icmp6_error(stack, &pkt);
		break;
	case ICMP6_PACKET_TOO_BIG:
		NS_INC(stack, Icmp6, InPktTooBigs);
		icmp6_error(stack, &pkt);
		break;
	case ICMP6_TIME_EXCEEDED:
		NS_INC(stack, Icmp6, InTimeExcds);
		icmp6_error(stack, &pkt);
		break;
	case ICMP6_PARAM_PROB:
		NS_INC(stack, Icmp6, InParmProblems);
		icmp6_error(stack, &pkt);
		break;
	case MLD_LISTENER_QUERY:
		/* No MLD reports: the link has no snooping switch the
		 * sandbox must satisfy (see ndp.c). */
		NS_INC(stack, Icmp6, InMLDQueries);
		break;
	case NS_ND_ROUTER_SOLICIT:
	case NS_ND_ROUTER_ADVERT:
	case NS_ND_NEIGHBOR_SOLICIT:
	case NS_ND_NEIGHBOR_ADVERT:
	case NS_ND_REDIRECT:
		if (nic && ns_nic_is_ether(nic))
			ns_ndp_input(stack, nic, &pkt, type);
		break;
	default:
		break;
	}
out:
	ns_pkt_free(pkt);
}

/* Errors quoting our own ICMPv6 messages: echo requests of ping
 * sockets. */
static void icmp6_err(struct ns_stack *stack, const struct ns_icmp_err *e)
{
	if (e->th_len >= 8 && e->th[0] == ICMP6_ECHO_REQUEST)
		ns_ping_err(stack, e);
}

const struct ns_ip_proto ns_icmp6_proto = {
	.input = icmp6_input,
	.err = icmp6_err,
};
