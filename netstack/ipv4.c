/* IPv4 (RFC 791, RFC 1122 3.2.1): input validation, local delivery,
 * reassembly hand-off, output and fragmentation. The stack is a host: it
 * does not forward. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core.h"
#include "ip.h"
#include "netstack/csum.h"
#include "netstack/wire.h"
#include "nic.h"

#define IP4_HLEN   20
#define IP_DF	   0x4000
#define IP_MF	   0x2000
#define IP_OFFMASK 0x1fff

/* RFC 791 3.1 options: each is a single type byte (EOL, NOP) or type,
 * length (>= 2, within the header), data. Their contents are not acted
 * on (no source routing, no record route), only walked. Returns the
 * offset in the IP header of the first bad byte (for the parameter
 * problem pointer), or 0 when the options are well formed. */
static uint32_t ip4_options_bad(const uint8_t *opt, uint32_t len)
{
	uint32_t i = 0;
	while (i < len) {
		uint8_t type = opt[i];
		if (type == 0) /* end of list */
			return 0;
		if (type == 1) { /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= len)
			return IP4_HLEN + i;
		if (opt[i + 1] < 2 || opt[i + 1] > len - i)
			return IP4_HLEN + i + 1;
		i += opt[i + 1];
	}
	return 0;
}

/* RFC 1122 3.2.1.3: addresses that cannot be a source. */
static bool ip4_martian_src(const struct ns_nic *nic, const struct ns_addr *s)
{
	if (ns_addr_is_mcast(s) || ns_addr_is_v4_bcast(s))
		return true;
	if (ns_addr_is_loopback(s) && !nic->loopback)
		return true;
	return false;
}

static void drop(struct ns_nic *nic, struct ns_pkt *pkt)
{
	nic->rx_dropped++;
	ns_pkt_free(pkt);
}

/* Classifies the destination: returns NS_RX_* flags for a packet we
 * accept, or -1 when it is not for this host. */
static int ip4_dst_class(struct ns_stack *stack, const struct ns_nic *nic,
			 const struct ns_addr *dst)
{
	if (ns_addr_is_loopback(dst))
		return nic->loopback ? 0 : -1;
	if (ns_addr_is_bcast_on(stack, nic, dst))
		return NS_RX_BCAST;
	/* No multicast group membership beyond all-hosts (224.0.0.1,
	 * RFC 1112 4), which every host is in. */
	if (ns_addr_is_mcast(dst))
		return ns_addr_v4_u32(dst) == 0xe0000001u ? NS_RX_MCAST : -1;
	/* Weak host model (RFC 1122 3.3.4.2), as Linux: any of our
	 * addresses on any NIC. */
	return ns_stack_find_addr(stack, dst) ? 0 : -1;
}

static void ip4_deliver(struct ns_stack *stack, struct ns_nic *nic,
			struct ns_pkt *pkt, uint32_t hlen)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	ns_pkt_pull(pkt, hlen);
	m->th_off = (uint16_t)ns_pkt_headroom(pkt);
	const struct ns_ip_proto *p = ns_ip_protos[m->proto];
	if (p == NULL || m->proto == IPPROTO_ICMPV6) {
		NS_INC(stack, Ip, InUnknownProtos);
		/* RFC 1122 3.2.2.1: protocol unreachable. */
		ns_icmp4_send_error(stack, pkt, 3, 2, 0);
		drop(nic, pkt);
		return;
	}
	NS_INC(stack, Ip, InDelivers);
	p->input(stack, pkt);
}

void ns_ip4_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt *pkt)
{
	NS_INC(stack, Ip, InReceives);
	uint8_t *h = ns_pkt_ensure(&pkt, IP4_HLEN);
	if (h == NULL) {
		NS_INC(stack, Ip, InHdrErrors);
		drop(nic, pkt);
		return;
	}
	uint32_t hlen = (h[0] & 0x0f) * 4u;
	if ((h[0] >> 4) != 4 || hlen < IP4_HLEN) {
		NS_INC(stack, Ip, InHdrErrors);
		drop(nic, pkt);
		return;
	}
	h = ns_pkt_ensure(&pkt, hlen);
	if (h == NULL) {
		NS_INC(stack, Ip, InHdrErrors);
		drop(nic, pkt);
		return;
	}
	bool trusted = nic->loopback || (nic->info.caps & NS_LINK_CAP_TRUSTED);
	if (!trusted && ns_csum_fold(ns_csum_partial(h, hlen, 0)) != 0) {
		NS_INC(stack, IpExt, InCsumErrors);
		NS_INC(stack, Ip, InHdrErrors);
		drop(nic, pkt);
		return;
	}
	uint32_t tot = ns_get_be16(h + 2);
	if (tot > pkt->len) {
		NS_INC(stack, IpExt, InTruncatedPkts);
		drop(nic, pkt);
		return;
	}
	if (tot < hlen) {
		NS_INC(stack, Ip, InHdrErrors);
		drop(nic, pkt);
		return;
	}
	ns_pkt_trim(pkt, tot); /* link padding */
	NS_ADD(stack, IpExt, InOctets, tot);

	struct ns_rxmeta *m = ns_rxmeta(pkt);
	memset(m, 0, sizeof(*m));
	ns_addr_set_v4(&m->src, h + 12);
	ns_addr_set_v4(&m->dst, h + 16);
	m->nh_off = (uint16_t)ns_pkt_headroom(pkt);
	/* RFC 1122 3.2.1.7: a host does not drop a datagram for its TTL;
	 * only forwarding (which we do not do) decrements it. */
	m->ttl = h[8];
	m->tos = h[1];
	m->proto = h[9];
	if (trusted || (pkt->flags & NS_PKT_F_CSUM_VALID))
		m->flags |= NS_RX_CSUM_OK;

	int cls = ip4_dst_class(stack, nic, &m->dst);
	if (cls < 0) {
		NS_INC(stack, Ip, InAddrErrors);
		drop(nic, pkt);
		return;
	}
	m->flags |= (uint8_t)cls;
	if (ip4_martian_src(nic, &m->src) ||
	    (ns_addr_is_any4(&m->src) && !(cls & NS_RX_BCAST))) {
		NS_INC(stack, IpExt, InMartians);
		drop(nic, pkt);
		return;
	}
	if (cls & NS_RX_BCAST)
		NS_INC(stack, IpExt, InBcastPkts);
	if (cls & NS_RX_MCAST)
		NS_INC(stack, IpExt, InMcastPkts);
	if (hlen > IP4_HLEN) {
		uint32_t bad = ip4_options_bad(h + IP4_HLEN, hlen - IP4_HLEN);
		if (bad) {
			NS_INC(stack, IpExt, InBadOptions);
			NS_INC(stack, Ip, InHdrErrors);
			/* RFC 1122 3.2.2.5: parameter problem, pointer. */
			ns_icmp4_send_error(stack, pkt, 12, 0, bad << 24);
			drop(nic, pkt);
			return;
		}
	}

	uint16_t frag = ns_get_be16(h + 6);
	if (frag & (IP_MF | IP_OFFMASK)) {
		NS_INC(stack, Ip, ReasmReqds);
		/* Keys are hashed and compared as bytes: no stray padding. */
		struct ns_reasm_key key;
		memset(&key, 0, sizeof(key));
		key.src = m->src;
		key.dst = m->dst;
		key.id = ns_get_be16(h + 4);
		key.proto = m->proto;
		uint32_t off = (frag & IP_OFFMASK) * 8u;
		ns_pkt_pull(pkt, hlen);
		uint16_t kept;
		pkt = ns_reasm_insert(stack, &stack->reasm4, &key, nic, pkt,
				      off, frag & IP_MF, (uint16_t)hlen, &kept);
		if (pkt == NULL)
			return;
		NS_INC(stack, Ip, ReasmOKs);
		/* The datagram is whole: make its header say so. Its header
		 * is the first fragment's, options and all. */
		hlen = kept;
		h = pkt->data;
		ns_put_be16(h + 2, (uint16_t)pkt->len);
		ns_put_be16(h + 6, 0);
		ns_put_be16(h + 10, 0);
		ns_put_be16(h + 10, ns_csum_fold(ns_csum_partial(h, hlen, 0)));
		m = ns_rxmeta(pkt);
		m->nh_off = (uint16_t)ns_pkt_headroom(pkt);
	}
	ip4_deliver(stack, nic, pkt, hlen);
}

static void ip4_write_header(uint8_t *h, const struct ns_ip_tx *tx,
			     uint32_t tot, uint16_t id, uint16_t frag)
{
	h[0] = 0x45;
	h[1] = tx->tos;
	ns_put_be16(h + 2, (uint16_t)tot);
	ns_put_be16(h + 4, id);
	ns_put_be16(h + 6, frag);
	h[8] = tx->ttl;
	h[9] = tx->proto;
	ns_put_be16(h + 10, 0);
	memcpy(h + 12, ns_addr_v4(&tx->src), 4);
	memcpy(h + 16, ns_addr_v4(&tx->dst), 4);
	ns_put_be16(h + 10, ns_csum_fold(ns_csum_partial(h, IP4_HLEN, 0)));
}

static void count_out(struct ns_stack *stack, const struct ns_dst *dst,
		      uint32_t len)
{
	NS_ADD(stack, IpExt, OutOctets, len);
	if (dst->flags & NS_DST_BCAST)
		NS_INC(stack, IpExt, OutBcastPkts);
	if (dst->flags & NS_DST_MCAST)
		NS_INC(stack, IpExt, OutMcastPkts);
}

/* RFC 791 3.2 fragmentation: payload pieces of a multiple of 8 bytes,
 * each with a copy of the header. Payload in the original's fragments is
 * referenced, not copied. */
static int ip4_fragment(struct ns_stack *stack, const struct ns_dst *dst,
			struct ns_pkt *pkt, const struct ns_ip_tx *tx)
{
	if (pkt->flags & NS_PKT_F_CSUM_PARTIAL)
		ns_l4_csum_finish(pkt);
	uint32_t chunk = (dst->mtu - IP4_HLEN) & ~7u;
	uint16_t id =
		(uint16_t)ns_ip_ident(stack, &tx->src, &tx->dst, tx->proto);
	uint32_t total = pkt->len;
	int err = 0;
	for (uint32_t off = 0; off < total && err == 0; off += chunk) {
		uint32_t n = total - off < chunk ? total - off : chunk;
		bool more = off + n < total;
		struct ns_pkt *f = ns_pkt_alloc(
			NS_PKT_HEADROOM, n < pkt->head_len ? n : pkt->head_len);
		if (f == NULL) {
			err = -ENOMEM;
			break;
		}
		err = ns_pkt_slice(f, pkt, off, n);
		uint8_t *h = err ? NULL : ns_pkt_push(f, IP4_HLEN);
		if (h == NULL) {
			ns_pkt_free(f);
			err = err ? err : -ENOBUFS;
			break;
		}
		ip4_write_header(h, tx, IP4_HLEN + n, id,
				 (uint16_t)((more ? IP_MF : 0) | off / 8));
		NS_INC(stack, Ip, FragCreates);
		count_out(stack, dst, IP4_HLEN + n);
		ns_ip_finish_output(stack, dst, f, false, tx->flags);
	}
	ns_pkt_free(pkt);
	if (err) {
		NS_INC(stack, Ip, FragFails);
		NS_INC(stack, Ip, OutDiscards);
		return err;
	}
	NS_INC(stack, Ip, FragOKs);
	return 0;
}

int ns_ip4_output(struct ns_stack *stack, const struct ns_dst *dst,
		  struct ns_pkt *pkt, const struct ns_ip_tx *tx)
{
	NS_INC(stack, Ip, OutRequests);
	uint32_t tot = pkt->len + IP4_HLEN;
	if (tot > 65535) {
		NS_INC(stack, Ip, OutDiscards);
		ns_pkt_free(pkt);
		return -EMSGSIZE;
	}
	bool strict = tx->pmtudisc == NS_PMTUDISC_DO ||
		      tx->pmtudisc == NS_PMTUDISC_PROBE;
	/* A TCP super-segment is cut to the MTU by the link (TSO). */
	if (tot > dst->mtu && pkt->gso_size == 0) {
		if (strict) {
			NS_INC(stack, Ip, FragFails);
			ns_pkt_free(pkt);
			return -EMSGSIZE;
		}
		return ip4_fragment(stack, dst, pkt, tx);
	}
	uint8_t *h = ns_pkt_push(pkt, IP4_HLEN);
	if (h == NULL) {
		NS_INC(stack, Ip, OutDiscards);
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	if (pkt->flags & NS_PKT_F_CSUM_PARTIAL)
		pkt->csum_start += IP4_HLEN;
	if (pkt->gso_size)
		pkt->hdr_len += IP4_HLEN;
	/* Linux sets DF on anything it need not fragment unless the
	 * socket said IP_PMTUDISC_DONT (RFC 1191). */
	uint16_t frag = tx->pmtudisc == NS_PMTUDISC_DONT ? 0 : IP_DF;
	uint16_t id;
	if (tx->ident) {
		id = *tx->ident;
		*tx->ident += pkt->gso_size ? (uint16_t)((tot - pkt->hdr_len +
							  pkt->gso_size - 1) /
							 pkt->gso_size)
					    : 1;
	} else {
		id = (uint16_t)ns_ip_ident(stack, &tx->src, &tx->dst,
					   tx->proto);
	}
	ip4_write_header(h, tx, tot, id, frag);
	count_out(stack, dst, tot);
	return ns_ip_finish_output(stack, dst, pkt, false, tx->flags);
}
