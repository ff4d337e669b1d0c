/* What IPv4 and IPv6 share: the protocol table, output dispatch and the
 * last step to the link, transport checksum helpers, packet head
 * handling, identification numbers and local error reporting. */
#include "ip.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "eth.h"
#include "netstack/csum.h"
#include "netstack/wire.h"
#include "nic.h"
#include "proto.h"

const struct ns_ip_proto *const ns_ip_protos[256] = {
	[IPPROTO_ICMP] = &ns_icmp4_proto,
	[IPPROTO_TCP] = &ns_tcp_proto,
	[IPPROTO_UDP] = &ns_udp_proto,
	[IPPROTO_ICMPV6] = &ns_icmp6_proto,
};

int ns_ip_output(struct ns_stack *stack, const struct ns_dst *dst,
		 struct ns_pkt *pkt, const struct ns_ip_tx *tx)
{
	if (ns_addr_is_v4(&tx->dst))
		return ns_ip4_output(stack, dst, pkt, tx);
	return ns_ip6_output(stack, dst, pkt, tx);
}

uint32_t ns_ip_max_unfragmented(const struct ns_dst *dst, bool v6)
{
	return dst->mtu - (v6 ? 40 : 20);
}

static bool link_does_csum(const struct ns_nic *nic)
{
	return nic->loopback ||
	       (nic->info.caps & (NS_LINK_CAP_TX_CSUM | NS_LINK_CAP_TRUSTED));
}

int ns_ip_finish_output(struct ns_stack *stack, const struct ns_dst *dst,
			struct ns_pkt *pkt, bool v6, uint8_t tx_flags)
{
	struct ns_nic *nic = dst->nic;
	if ((pkt->flags & NS_PKT_F_CSUM_PARTIAL) && !link_does_csum(nic))
		ns_l4_csum_finish(pkt);
	if (dst->flags & NS_DST_LOCAL) {
		ns_loopback_queue(stack, pkt, stack->lo);
		return 0;
	}
	bool loop = false;
	if (dst->flags & NS_DST_BCAST)
		loop = true; /* Linux loops broadcasts back to local sockets */
	else if ((dst->flags & NS_DST_MCAST) && (tx_flags & NS_TX_MC_LOOP))
		loop = v6 ? ns_nic_in_mcast6(nic, &dst->nexthop)
			  : ns_addr_v4_u32(&dst->nexthop) == 0xe0000001u;
	if (loop) {
		struct ns_pkt *copy = ns_pkt_clone(pkt);
		if (copy) {
			if (copy->flags & NS_PKT_F_CSUM_PARTIAL)
				ns_l4_csum_finish(copy);
			ns_loopback_queue(stack, copy, nic);
		}
	}
	if (!ns_nic_is_ether(nic))
		return ns_nic_xmit(nic, pkt);
	uint16_t type = v6 ? NS_ETH_P_IPV6 : NS_ETH_P_IP;
	if (dst->flags & NS_DST_BCAST)
		return ns_eth_output(nic, pkt, ns_eth_bcast, type);
	if (dst->flags & NS_DST_MCAST) {
		uint8_t mac[6];
		ns_eth_mcast_mac(&dst->nexthop, mac);
		return ns_eth_output(nic, pkt, mac, type);
	}
	return ns_neigh_output(stack, nic, &dst->nexthop, pkt, type);
}

/* ---- Transport checksums ------------------------------------------- */

static uint32_t pseudo_sum(const struct ns_addr *src, const struct ns_addr *dst,
			   uint8_t proto, uint32_t len)
{
	if (ns_addr_is_v4(src))
		return ns_csum_pseudo4(ns_addr_v4(src), ns_addr_v4(dst), proto,
				       len);
	return ns_csum_pseudo6(src->b, dst->b, proto, len);
}

void ns_l4_csum_partial(struct ns_pkt *pkt, const struct ns_addr *src,
			const struct ns_addr *dst, uint8_t proto,
			uint16_t csum_offset)
{
	uint32_t sum = pseudo_sum(src, dst, proto, pkt->len);
	/* The folded, uncomplemented pseudo-header sum, as virtio and
	 * Linux's CHECKSUM_PARTIAL expect it in the field. */
	ns_put_be16(pkt->data + csum_offset, (uint16_t)~ns_csum_fold(sum));
	pkt->flags |= NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = 0;
	pkt->csum_offset = csum_offset;
}

void ns_l4_csum_finish(struct ns_pkt *pkt)
{
	uint32_t start = pkt->csum_start;
	uint16_t c = ns_csum_fold(ns_pkt_csum(pkt, start, pkt->len - start, 0));
	/* 0 and ffff are the same in ones' complement; UDP reserves 0 for
	 * "no checksum" (RFC 768), so write ffff. */
	if (c == 0)
		c = 0xffff;
	uint8_t *field = pkt->data + start + pkt->csum_offset;
	ns_put_be16(field, c);
	pkt->flags &= (uint16_t)~NS_PKT_F_CSUM_PARTIAL;
}

bool ns_l4_csum_ok(struct ns_pkt *pkt, uint8_t proto)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	if ((pkt->flags & (NS_PKT_F_CSUM_VALID | NS_PKT_F_CSUM_PARTIAL)) ||
	    (m->flags & NS_RX_CSUM_OK))
		return true;
	/* ICMPv4 alone has no pseudo-header (RFC 792). */
	uint32_t sum = proto == IPPROTO_ICMP
			       ? 0
			       : pseudo_sum(&m->src, &m->dst, proto, pkt->len);
	return ns_csum_fold(ns_pkt_csum(pkt, 0, pkt->len, sum)) == 0;
}

/* ---- Packet heads -------------------------------------------------- */

uint32_t ns_pkt_truesize(const struct ns_pkt *pkt)
{
	return (uint32_t)sizeof(*pkt) + pkt->head_size + pkt->len -
	       pkt->head_len;
}

uint8_t *ns_pkt_ensure(struct ns_pkt **pp, uint32_t n)
{
	struct ns_pkt *pkt = *pp;
	if (n <= pkt->head_len)
		return pkt->data;
	if (n > pkt->len)
		return NULL;
	if (ns_pkt_tailroom(pkt) >= n - pkt->head_len)
		return ns_pkt_pullup(pkt, n);
	/* A new head with the same headroom contents (parsed headers stay
	 * where their offsets say), the head data, and room for n bytes;
	 * the fragments move over with their references. */
	uint32_t headroom = ns_pkt_headroom(pkt);
	uint32_t size = n + 64;
	struct ns_pkt *np = ns_pkt_alloc(headroom, size);
	if (np == NULL)
		return NULL;
	memcpy(np->head, pkt->head, headroom + pkt->head_len);
	np->head_len = pkt->head_len;
	np->len = pkt->len;
	np->nfrags = pkt->nfrags;
	memcpy(np->frags, pkt->frags, pkt->nfrags * sizeof(pkt->frags[0]));
	np->flags = pkt->flags;
	np->csum_start = pkt->csum_start;
	np->csum_offset = pkt->csum_offset;
	np->gso_size = pkt->gso_size;
	np->hdr_len = pkt->hdr_len;
	np->gso_type = pkt->gso_type;
	np->ifindex = pkt->ifindex;
	np->l2_len = pkt->l2_len;
	np->tstamp_ns = pkt->tstamp_ns;
	memcpy(np->cb, pkt->cb, sizeof(np->cb));
	pkt->nfrags = 0; /* references now belong to np */
	ns_pkt_free(pkt);
	*pp = np;
	return ns_pkt_pullup(np, n);
}

/* ---- Identification ------------------------------------------------ */

uint32_t ns_ip_ident(struct ns_stack *stack, const struct ns_addr *src,
		     const struct ns_addr *dst, uint8_t proto)
{
	struct {
		struct ns_addr s, d;
		uint32_t proto;
	} key;
	key.s = *src;
	key.d = *dst;
	key.proto = proto;
	uint64_t h = ns_keyed_hash(&stack->hash_key, &key, sizeof(key));
	return stack->idents[h & (NS_IDENT_BUCKETS - 1)]++ +
	       (uint32_t)(h >> 32);
}

/* ---- Locally generated packets and errors --------------------------- */

int ns_ip_send_simple(struct ns_stack *stack, struct ns_pkt *pkt,
		      const struct ns_addr *src, const struct ns_addr *dst,
		      int oif, uint8_t proto, uint8_t ttl)
{
	struct ns_dst d;
	int r = ns_route_output(stack, dst, src, oif, &d);
	if (r < 0) {
		NS_INC46(stack, !ns_addr_is_v4(dst), Ip, Ip6, OutNoRoutes);
		ns_pkt_free(pkt);
		return r;
	}
	struct ns_ip_tx tx = {
		.src = d.src,
		.dst = *dst,
		.proto = proto,
		.ttl = ttl,
		.pmtudisc = NS_PMTUDISC_DONT,
	};
	return ns_ip_output(stack, &d, pkt, &tx);
}

void ns_ip_deliver_err(struct ns_stack *stack, struct ns_icmp_err *e,
		       uint8_t proto)
{
	const struct ns_ip_proto *p = ns_ip_protos[proto];
	if (p && p->err)
		p->err(stack, e);
}

void ns_ip_unreachable(struct ns_stack *stack, struct ns_pkt *pkt)
{
	if (ns_rxmeta(pkt)->flags & NS_RX_V6)
		ns_icmp6_send_error(stack, pkt, 1, 4, 0);
	else
		ns_icmp4_send_error(stack, pkt, 3, 3, 0);
}

void ns_ip_link_failure(struct ns_stack *stack, struct ns_pkt *pkt)
{
	/* What an ICMP error would quote of the transport part: up to the
	 * IPv4 limit of 576 bytes for the whole error. */
	uint8_t h[576 - 20 - 8 - 20];
	struct ns_icmp_err e = { .local = true, .err = EHOSTUNREACH };
	uint8_t proto;
	uint32_t hl;
	if (pkt->len >= 20 && (pkt->data[0] >> 4) == 4) {
		ns_pkt_copy_out(pkt, 0, h, 20);
		hl = (h[0] & 0x0f) * 4u;
		/* Only the first fragment carries the transport header. */
		if ((ns_get_be16(h + 6) & 0x1fff) != 0)
			return;
		proto = h[9];
		ns_addr_set_v4(&e.src, h + 12);
		ns_addr_set_v4(&e.dst, h + 16);
		e.type = 3; /* destination unreachable: host */
		e.code = 1;
	} else if (pkt->len >= 40 && (pkt->data[0] >> 4) == 6) {
		ns_pkt_copy_out(pkt, 0, h, 40);
		hl = 40;
		proto = h[6];
		e.v6 = true;
		ns_addr_set_v6(&e.src, h + 8);
		ns_addr_set_v6(&e.dst, h + 24);
		e.type = 1; /* destination unreachable: address */
		e.code = 3;
	} else {
		return;
	}
	if (pkt->len < hl + 8)
		return;
	uint32_t quote = pkt->len - hl < sizeof(h) ? pkt->len - hl : sizeof(h);
	ns_pkt_copy_out(pkt, hl, h, quote);
	e.from = e.src;
	e.th = h;
	e.th_len = quote;
	ns_ip_deliver_err(stack, &e, proto);
}

int ns_pkt_slice(struct ns_pkt *dst, const struct ns_pkt *src, uint32_t off,
		 uint32_t len)
{
	if (off < src->head_len) {
		uint32_t n = src->head_len - off;
		if (n > len)
			n = len;
		int r = ns_pkt_append_copy(dst, src->data + off, n);
		if (r < 0)
			return r;
		len -= n;
		off = 0; /* the rest starts at the first fragment */
	} else {
		off -= src->head_len;
	}
	for (unsigned i = 0; i < src->nfrags && len > 0; i++) {
		const struct ns_frag *f = &src->frags[i];
		if (off >= f->len) {
			off -= f->len;
			continue;
		}
		uint32_t n = f->len - off;
		if (n > len)
			n = len;
		int r = ns_pkt_append_frag(dst, f->buf, f->data + off, n);
		if (r < 0)
			return r;
		off = 0;
		len -= n;
	}
	return 0;
}
