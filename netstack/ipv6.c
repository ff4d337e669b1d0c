/* IPv6 (RFC 8200): input validation, the extension header chain,
 * reassembly hand-off, output and source fragmentation. A host: no
 * forwarding, routing headers with segments left are refused. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core.h"
#include "ip.h"
#include "netstack/wire.h"
#include "nic.h"

#define IP6_HLEN  40
#define FRAG_HLEN 8
/* Extension headers walked before giving up: Linux has no fixed limit,
 * but a chain longer than this is an attack, not a packet. */
#define MAX_EXT_HDRS 8

enum {
	NH_HOPOPTS = 0,
	NH_ROUTING = 43,
	NH_FRAGMENT = 44,
	NH_NONE = 59,
	NH_DSTOPTS = 60,
};

/* ICMPv6 parameter problem codes (RFC 4443 3.4). */
enum {
	PP_HEADER = 0,
	PP_NEXTHDR = 1,
	PP_OPTION = 2,
};

static void drop(struct ns_nic *nic, struct ns_pkt *pkt)
{
	nic->rx_dropped++;
	ns_pkt_free(pkt);
}

int ns_ip6_push_header(struct ns_pkt *pkt, const struct ns_addr *src,
		       const struct ns_addr *dst, uint8_t next_header,
		       uint8_t hop_limit, uint8_t tclass, uint32_t flowlabel)
{
	uint32_t plen = pkt->len;
	uint8_t *h = ns_pkt_push(pkt, IP6_HLEN);
	if (h == NULL)
		return -ENOBUFS;
	ns_put_be32(h,
		    6u << 28 | (uint32_t)tclass << 20 | (flowlabel & 0xfffff));
	ns_put_be16(h + 4, (uint16_t)plen);
	h[6] = next_header;
	h[7] = hop_limit;
	memcpy(h + 8, src->b, 16);
	memcpy(h + 24, dst->b, 16);
	return 0;
}

/* RFC 8200 4.2: walks the TLV options of a hop-by-hop or destination
 * options header at `off` (len bytes). Returns 0 to go on, or -1 when the
 * packet was dropped (and maybe answered). */
static int ip6_options(struct ns_stack *stack, struct ns_nic *nic,
		       struct ns_pkt *pkt, uint32_t off, uint32_t len)
{
	const uint8_t *o = pkt->data + off;
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	uint32_t i = 2;
	while (i < len) {
		uint8_t type = o[i];
		if (type == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > len || o[i + 1] > len - i - 2) {
			NS_INC(stack, Ip6Ext, InBadExtHdrs);
			NS_INC(stack, Ip6, InHdrErrors);
			drop(nic, pkt);
			return -1;
		}
		/* PadN (1) and Router Alert (5) need nothing from a host. */
		if (type != 1 && type != 5) {
			switch (type >> 6) {
			case 0: /* skip */
				break;
			case 3: /* discard, ICMP unless multicast */
				if (m->flags & NS_RX_MCAST)
					goto discard;
				/* fall through */
			case 2: /* discard, ICMP */
				ns_icmp6_send_error(stack, pkt, 4, PP_OPTION,
						    off + i);
				/* fall through */
			case 1: /* discard silently */
			discard:
				NS_INC(stack, Ip6Ext, InBadOptions);
				drop(nic, pkt);
				return -1;
			}
		}
		i += 2u + o[i + 1];
	}
	return 0;
}

static void ip6_param_problem(struct ns_stack *stack, struct ns_nic *nic,
			      struct ns_pkt *pkt, uint8_t code, uint32_t ptr)
{
	ns_icmp6_send_error(stack, pkt, 4, code, ptr);
	drop(nic, pkt);
}

/* Where the header chain of a reassembled datagram ends: *nh_at gets the
 * offset of the byte naming the (removed) fragment header, walking the
 * first fragment's kept headers, which were checked when it arrived. */
static uint32_t ip6_kept_nh_at(const uint8_t *h, uint32_t kept)
{
	uint32_t nh_at = 6;
	uint8_t nh = h[6];
	for (uint32_t off = IP6_HLEN; off < kept;) {
		nh_at = off;
		uint32_t hlen =
			nh == NH_FRAGMENT ? FRAG_HLEN : (h[off + 1] + 1u) * 8u;
		nh = h[off];
		off += hlen;
	}
	return nh_at;
}

/* Hands a fragment to reassembly. *off: start of the fragment header
 * relative to pkt->data (the IPv6 header). Returns the whole datagram, or
 * NULL (queued or dropped); then *off is where the first fragment's
 * kept headers end, *nh what follows them and *nh_at the byte naming
 * it. */
static struct ns_pkt *ip6_reasm(struct ns_stack *stack, struct ns_nic *nic,
				struct ns_pkt *pkt, uint32_t *off,
				uint32_t *nh_at, uint8_t *nh)
{
	const uint8_t *f = pkt->data + *off;
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	uint16_t fo = ns_get_be16(f + 2);
	uint32_t offset = fo & 0xfff8;
	bool more = fo & 1;
	uint8_t next = f[0];
	uint32_t payload = pkt->len - *off - FRAG_HLEN;
	NS_INC(stack, Ip6, ReasmReqds);
	if (more && (payload & 7)) {
		/* RFC 8200 4.5: parameter problem at the payload length. */
		NS_INC(stack, Ip6Ext, ReasmBadFrags);
		NS_INC(stack, Ip6, ReasmFails);
		ip6_param_problem(stack, nic, pkt, PP_HEADER, 4);
		return NULL;
	}
	/* Keys are hashed and compared as bytes: no stray padding. */
	struct ns_reasm_key key;
	memset(&key, 0, sizeof(key));
	key.src = m->src;
	key.dst = m->dst;
	key.id = ns_get_be32(f + 4);
	ns_pkt_pull(pkt, *off + FRAG_HLEN);
	/* RFC 8200 4.5: the datagram's next header is the first fragment's;
	 * reassembly keeps the first fragment's meta. */
	m->proto = next;
	uint16_t kept;
	pkt = ns_reasm_insert(stack, &stack->reasm6, &key, nic, pkt, offset,
			      more, (uint16_t)*off, &kept);
	if (pkt == NULL)
		return NULL;
	NS_INC(stack, Ip6, ReasmOKs);
	next = ns_rxmeta(pkt)->proto;
	uint8_t *h = pkt->data;
	ns_put_be16(h + 4, (uint16_t)(pkt->len - IP6_HLEN));
	/* The header that named the fragment header now names what the
	 * fragments carried. */
	*off = kept;
	*nh_at = ip6_kept_nh_at(h, kept);
	h[*nh_at] = next;
	*nh = next;
	ns_rxmeta(pkt)->nh_off = (uint16_t)ns_pkt_headroom(pkt);
	return pkt;
}

void ns_ip6_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt *pkt)
{
	NS_INC(stack, Ip6, InReceives);
	uint8_t *h = ns_pkt_ensure(&pkt, IP6_HLEN);
	if (h == NULL || (h[0] >> 4) != 6) {
		NS_INC(stack, Ip6, InHdrErrors);
		drop(nic, pkt);
		return;
	}
	uint32_t plen = ns_get_be16(h + 4);
	if (IP6_HLEN + plen > pkt->len) {
		NS_INC(stack, Ip6, InTruncatedPkts);
		drop(nic, pkt);
		return;
	}
	ns_pkt_trim(pkt, IP6_HLEN + plen);
	NS_ADD(stack, Ip6, InOctets, pkt->len);

	struct ns_rxmeta *m = ns_rxmeta(pkt);
	memset(m, 0, sizeof(*m));
	ns_addr_set_v6(&m->src, h + 8);
	ns_addr_set_v6(&m->dst, h + 24);
	m->nh_off = (uint16_t)ns_pkt_headroom(pkt);
	m->ttl = h[7];
	m->tos = (uint8_t)(ns_get_be16(h) >> 4);
	m->flags = NS_RX_V6;
	bool trusted = nic->loopback || (nic->info.caps & NS_LINK_CAP_TRUSTED);
	if (trusted || (pkt->flags & NS_PKT_F_CSUM_VALID))
		m->flags |= NS_RX_CSUM_OK;

	/* RFC 4291 2.7 and 2.5.5.2, and Linux ipv6_rcv: sources that cannot
	 * be, loopback from outside, v4-mapped on the wire. */
	if (ns_addr_is_mcast(&m->src) || ns_addr_is_v4(&m->src) ||
	    (!nic->loopback &&
	     (ns_addr_is_loopback(&m->src) || ns_addr_is_loopback(&m->dst)))) {
		NS_INC(stack, Ip6Ext, InMartians);
		NS_INC(stack, Ip6, InHdrErrors);
		drop(nic, pkt);
		return;
	}
	if (ns_addr_is_mcast(&m->dst)) {
		if (!ns_nic_in_mcast6(nic, &m->dst) &&
		    !(nic->loopback && ns_addr_is_mcast(&m->dst))) {
			NS_INC(stack, Ip6, InAddrErrors);
			drop(nic, pkt);
			return;
		}
		m->flags |= NS_RX_MCAST;
		NS_INC(stack, Ip6, InMcastPkts);
	} else if (!ns_addr_is_local(stack, &m->dst)) {
		/* Not ours, or tentative (RFC 4862 5.4: only DAD may see a
		 * tentative address, and it uses multicast). */
		NS_INC(stack, Ip6, InAddrErrors);
		drop(nic, pkt);
		return;
	}

	uint8_t nh = h[6];
	uint32_t off = IP6_HLEN, nh_at = 6;
	bool reassembled = false;
	for (unsigned n = 0;; n++) {
		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_FRAGMENT &&
		    nh != NH_DSTOPTS)
			break;
		if (n >= MAX_EXT_HDRS) {
			NS_INC(stack, Ip6Ext, InExtHdrChainLong);
			NS_INC(stack, Ip6, InHdrErrors);
			drop(nic, pkt);
			return;
		}
		if (nh == NH_HOPOPTS && off != IP6_HLEN) {
			/* RFC 8200 4.1: hop-by-hop comes first or not at
			 * all. */
			NS_INC(stack, Ip6Ext, InBadExtHdrs);
			NS_INC(stack, Ip6, InHdrErrors);
			ip6_param_problem(stack, nic, pkt, PP_NEXTHDR, nh_at);
			return;
		}
		uint32_t hlen = FRAG_HLEN;
		if (nh != NH_FRAGMENT) {
			h = ns_pkt_ensure(&pkt, off + 2);
			if (h != NULL)
				hlen = (h[off + 1] + 1u) * 8u;
		}
		h = ns_pkt_ensure(&pkt, off + hlen);
		if (h == NULL) {
			NS_INC(stack, Ip6Ext, InBadExtHdrs);
			NS_INC(stack, Ip6, InTruncatedPkts);
			drop(nic, pkt);
			return;
		}
		switch (nh) {
		case NH_HOPOPTS:
		case NH_DSTOPTS:
			if (ip6_options(stack, nic, pkt, off, hlen) < 0)
				return;
			break;
		case NH_ROUTING:
			if (h[off + 3] != 0) {
				/* RFC 8200 4.4: segments left, and we do not
				 * route: parameter problem at the type. */
				NS_INC(stack, Ip6Ext, InRoutingHdrs);
				NS_INC(stack, Ip6, InHdrErrors);
				ip6_param_problem(stack, nic, pkt, PP_HEADER,
						  off + 2);
				return;
			}
			break;
		case NH_FRAGMENT: {
			uint16_t fo = ns_get_be16(h + off + 2);
			if ((fo & 0xfff9) == 0) {
				/* RFC 6946: an atomic fragment is a whole
				 * packet. */
				break;
			}
			if (reassembled) {
				NS_INC(stack, Ip6Ext, InBadExtHdrs);
				NS_INC(stack, Ip6, InHdrErrors);
				drop(nic, pkt);
				return;
			}
			pkt = ip6_reasm(stack, nic, pkt, &off, &nh_at, &nh);
			if (pkt == NULL)
				return;
			reassembled = true;
			/* Go on after the kept headers, where the first
			 * fragment's fragment header was. */
			continue;
		}
		}
		nh_at = off;
		nh = h[off];
		off += hlen;
	}
	m = ns_rxmeta(pkt);
	if (nh == NH_NONE) {
		/* RFC 8200 4.7: nothing follows. */
		ns_pkt_free(pkt);
		return;
	}
	m->proto = nh;
	const struct ns_ip_proto *p = ns_ip_protos[nh];
	if (p == NULL || nh == IPPROTO_ICMP) {
		NS_INC(stack, Ip6, InUnknownProtos);
		ip6_param_problem(stack, nic, pkt, PP_NEXTHDR, nh_at);
		return;
	}
	ns_pkt_pull(pkt, off);
	m->th_off = (uint16_t)ns_pkt_headroom(pkt);
	NS_INC(stack, Ip6, InDelivers);
	p->input(stack, pkt);
}

/* RFC 8200 4.5: the source fragments; every fragment carries the IPv6
 * header and a fragment header. */
static int ip6_fragment(struct ns_stack *stack, const struct ns_dst *dst,
			struct ns_pkt *pkt, const struct ns_ip_tx *tx)
{
	if (pkt->flags & NS_PKT_F_CSUM_PARTIAL)
		ns_l4_csum_finish(pkt);
	uint32_t chunk = (dst->mtu - IP6_HLEN - FRAG_HLEN) & ~7u;
	uint32_t id = ns_ip_ident(stack, &tx->src, &tx->dst, 0);
	uint32_t total = pkt->len;
	int err = 0;
	for (uint32_t off = 0; off < total; off += chunk) {
		uint32_t n = total - off < chunk ? total - off : chunk;
		bool more = off + n < total;
		struct ns_pkt *f = ns_pkt_alloc(
			NS_PKT_HEADROOM, n < pkt->head_len ? n : pkt->head_len);
		if (f == NULL) {
			err = -ENOMEM;
			break;
		}
		err = ns_pkt_slice(f, pkt, off, n);
		uint8_t *fh = err ? NULL : ns_pkt_push(f, FRAG_HLEN);
		if (fh == NULL ||
		    ns_ip6_push_header(f, &tx->src, &tx->dst, NH_FRAGMENT,
				       tx->ttl, tx->tos, tx->flowlabel) < 0) {
			ns_pkt_free(f);
			err = err ? err : -ENOBUFS;
			break;
		}
		fh[0] = tx->proto;
		fh[1] = 0;
		ns_put_be16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
		ns_put_be32(fh + 4, id);
		NS_INC(stack, Ip6, FragCreates);
		NS_ADD(stack, Ip6, OutOctets, f->len);
		ns_ip_finish_output(stack, dst, f, true, tx->flags);
	}
	ns_pkt_free(pkt);
	if (err) {
		NS_INC(stack, Ip6, FragFails);
		NS_INC(stack, Ip6, OutDiscards);
		return err;
	}
	NS_INC(stack, Ip6, FragOKs);
	return 0;
}

int ns_ip6_output(struct ns_stack *stack, const struct ns_dst *dst,
		  struct ns_pkt *pkt, const struct ns_ip_tx *tx)
{
	NS_INC(stack, Ip6, OutRequests);
	if (dst->flags & NS_DST_MCAST)
		NS_INC(stack, Ip6, OutMcastPkts);
	if (pkt->len > 65535) {
		NS_INC(stack, Ip6, OutDiscards);
		ns_pkt_free(pkt);
		return -EMSGSIZE;
	}
	/* A TCP super-segment is cut to the MTU by the link (TSO). */
	if (pkt->len + IP6_HLEN > dst->mtu && pkt->gso_size == 0) {
		if (tx->pmtudisc == NS_PMTUDISC_DO ||
		    tx->pmtudisc == NS_PMTUDISC_PROBE) {
			NS_INC(stack, Ip6, FragFails);
			ns_pkt_free(pkt);
			return -EMSGSIZE;
		}
		return ip6_fragment(stack, dst, pkt, tx);
	}
	if (ns_ip6_push_header(pkt, &tx->src, &tx->dst, tx->proto, tx->ttl,
			       tx->tos, tx->flowlabel) < 0) {
		NS_INC(stack, Ip6, OutDiscards);
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	if (pkt->flags & NS_PKT_F_CSUM_PARTIAL)
		pkt->csum_start += IP6_HLEN;
	if (pkt->gso_size)
		pkt->hdr_len += IP6_HLEN;
	NS_ADD(stack, Ip6, OutOctets, pkt->len);
	return ns_ip_finish_output(stack, dst, pkt, true, tx->flags);
}
