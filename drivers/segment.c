/* UDP GSO and TCP segmentation in software (segment.h). */
#include "segment.h"

#include <errno.h>
#include <string.h>

#include "drv_impl.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

#define IPV4_HLEN_MAX 60
#define IPV6_HLEN     40
#define UDP_HLEN      8
#define TCP_HLEN_MAX  60
#define TCP_FIN	      0x01
#define TCP_PSH	      0x08
#define TCP_CWR	      0x80

struct uso_layout {
	bool ipv6;
	uint32_t ip_off;  /* start of the IP header */
	uint32_t udp_off; /* start of the UDP header */
	uint32_t hdrs;	  /* bytes of headers in front of the payload */
};

/* Whether the lengths in the IP and UDP headers cover exactly the frame
 * and an IPv4 header is not a fragment's: splitting a datagram whose
 * headers disagree with its size would forge lengths the sender never
 * claimed, and a fragment's UDP header covers other packets too. */
static bool lengths_match(const struct ns_pkt *pkt, const uint8_t *hdr,
			  const struct uso_layout *l)
{
	const uint8_t *ip = hdr + l->ip_off;
	uint32_t ip_len = pkt->len - l->ip_off;
	if (ns_get_be16(hdr + l->udp_off + 4) != pkt->len - l->udp_off)
		return false;
	if (l->ipv6)
		return ns_get_be16(ip + 4) == ip_len - IPV6_HLEN;
	/* RFC 791: the MF flag or a fragment offset marks a fragment. */
	return ns_get_be16(ip + 2) == ip_len &&
	       (ns_get_be16(ip + 6) & 0x3fff) == 0;
}

/* Reads the headers into hdr and checks they describe one whole UDP
 * datagram without IPv6 extension headers, its lengths matching the
 * frame. */
static int parse(const struct ns_pkt *pkt, uint8_t *hdr, struct uso_layout *l)
{
	uint32_t ip = DRV_ETH_HLEN;
	if (pkt->len < ip + 20 || ns_pkt_copy_out(pkt, 0, hdr, ip + 20) < 0)
		return -EINVAL;
	uint16_t type = ns_get_be16(hdr + 12);
	uint32_t iphl;
	if (type == 0x0800) {
		iphl = (uint32_t)(hdr[ip] & 0x0f) * 4;
		if ((hdr[ip] >> 4) != 4 || iphl < 20 || hdr[ip + 9] != 17)
			return -EINVAL;
	} else if (type == 0x86dd) {
		iphl = IPV6_HLEN;
		if ((hdr[ip] >> 4) != 6)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	*l = (struct uso_layout){ type == 0x86dd, ip, ip + iphl,
				  ip + iphl + UDP_HLEN };
	if (pkt->len <= l->hdrs || ns_pkt_copy_out(pkt, 0, hdr, l->hdrs) < 0 ||
	    (l->ipv6 && hdr[ip + 6] != 17) || !lengths_match(pkt, hdr, l))
		return -EINVAL;
	return 0;
}

/* Fills lengths, id and checksums of datagram number i. */
static void fix_headers(uint8_t *d, const struct uso_layout *l, uint32_t len,
			uint16_t i)
{
	uint8_t *ip = d + l->ip_off, *udp = d + l->udp_off;
	uint32_t udp_len = UDP_HLEN + len;
	ns_put_be16(udp + 4, (uint16_t)udp_len);
	ns_put_be16(udp + 6, 0);
	uint32_t pseudo;
	if (l->ipv6) {
		ns_put_be16(ip + 4, (uint16_t)udp_len);
		pseudo = ns_csum_pseudo6(ip + 8, ip + 24, 17, udp_len);
	} else {
		uint32_t iphl = l->udp_off - l->ip_off;
		ns_put_be16(ip + 2, (uint16_t)(iphl + udp_len));
		ns_put_be16(ip + 4, (uint16_t)(ns_get_be16(ip + 4) + i));
		ns_put_be16(ip + 10, 0);
		ns_put_be16(ip + 10,
			    ns_csum_fold(ns_csum_partial(ip, iphl, 0)));
		pseudo = ns_csum_pseudo4(ip + 12, ip + 16, 17, udp_len);
	}
	uint16_t sum = ns_csum_fold(
		ns_csum_add(pseudo, ns_csum_partial(udp, udp_len, 0)));
	/* RFC 768 / RFC 8200 8.1: a computed zero is sent as all ones. */
	ns_put_be16(udp + 6, sum ? sum : 0xffff);
}

int drv_uso_segment(struct ns_pkt *pkt, struct ns_pkt_queue *out)
{
	uint8_t hdr[DRV_ETH_HLEN + IPV4_HLEN_MAX + UDP_HLEN];
	struct uso_layout l;
	uint32_t seg = pkt->gso_size;
	uint32_t payload = 0;
	int r = parse(pkt, hdr, &l);
	if (r == 0) {
		payload = pkt->len - l.hdrs;
		if (seg == 0 ||
		    (payload + seg - 1) / seg > DRV_USO_MAX_SEGMENTS)
			r = -EINVAL;
	}
	int n = 0;
	for (uint32_t off = 0; r == 0 && off < payload; off += seg, n++) {
		uint32_t len = payload - off < seg ? payload - off : seg;
		struct ns_pkt *d = ns_pkt_alloc(NS_PKT_HEADROOM, l.hdrs + len);
		if (d == NULL) {
			r = -ENOMEM;
			break;
		}
		uint8_t *p = ns_pkt_put(d, l.hdrs + len);
		memcpy(p, hdr, l.hdrs);
		ns_pkt_copy_out(pkt, l.hdrs + off, p + l.hdrs, len);
		fix_headers(p, &l, len, (uint16_t)n);
		d->flags = pkt->flags | NS_PKT_F_CSUM_VALID;
		d->tstamp_ns = pkt->tstamp_ns;
		ns_pkt_queue_push(out, d);
	}
	ns_pkt_free(pkt);
	return r < 0 ? r : n;
}

/* ---- TCP ---------------------------------------------------------------- */

struct tso_layout {
	bool ipv6;
	uint32_t tcp_off; /* start of the TCP header */
	uint32_t hdrs;	  /* bytes of headers in front of the payload */
};

/* Reads the headers into hdr and checks they describe one TCP segment of
 * the frame's length over IPv4 or IPv6 without extension headers. */
static int tso_parse(const struct ns_pkt *pkt, uint8_t *hdr,
		     struct tso_layout *l)
{
	uint32_t ip = DRV_ETH_HLEN;
	if (pkt->len < ip + IPV6_HLEN ||
	    ns_pkt_copy_out(pkt, 0, hdr, ip + IPV6_HLEN) < 0)
		return -EINVAL;
	uint16_t type = ns_get_be16(hdr + 12);
	uint32_t iphl;
	bool v6 = pkt->gso_type == NS_GSO_TCPV6;
	if (!v6 && type == 0x0800) {
		iphl = (uint32_t)(hdr[ip] & 0x0f) * 4;
		if ((hdr[ip] >> 4) != 4 || iphl < 20 || hdr[ip + 9] != 6 ||
		    ns_get_be16(hdr + ip + 2) != pkt->len - ip ||
		    (ns_get_be16(hdr + ip + 6) & 0x3fff) != 0)
			return -EINVAL;
	} else if (v6 && type == 0x86dd) {
		iphl = IPV6_HLEN;
		if ((hdr[ip] >> 4) != 6 || hdr[ip + 6] != 6 ||
		    ns_get_be16(hdr + ip + 4) != pkt->len - ip - IPV6_HLEN)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	uint32_t tcp = ip + iphl;
	if (pkt->len < tcp + 20 || ns_pkt_copy_out(pkt, 0, hdr, tcp + 20) < 0)
		return -EINVAL;
	uint32_t thl = (uint32_t)(hdr[tcp + 12] >> 4) * 4;
	if (thl < 20 || pkt->len < tcp + thl ||
	    ns_pkt_copy_out(pkt, 0, hdr, tcp + thl) < 0)
		return -EINVAL;
	*l = (struct tso_layout){ v6, tcp, tcp + thl };
	return 0;
}

/* Fills the headers of segment i of `len` payload bytes, `last` or not. */
static void tso_fix_headers(uint8_t *d, const struct tso_layout *l,
			    uint32_t len, uint32_t i, uint32_t mss, bool last,
			    bool csum_offload)
{
	uint8_t *ip = d + DRV_ETH_HLEN, *tcp = d + l->tcp_off;
	uint32_t tcp_len = l->hdrs - l->tcp_off + len;
	uint32_t pseudo;
	if (l->ipv6) {
		ns_put_be16(ip + 4, (uint16_t)tcp_len);
		pseudo = ns_csum_pseudo6(ip + 8, ip + 24, 6, tcp_len);
	} else {
		uint32_t iphl = l->tcp_off - DRV_ETH_HLEN;
		ns_put_be16(ip + 2, (uint16_t)(iphl + tcp_len));
		ns_put_be16(ip + 4, (uint16_t)(ns_get_be16(ip + 4) + i));
		ns_put_be16(ip + 10, 0);
		ns_put_be16(ip + 10,
			    ns_csum_fold(ns_csum_partial(ip, iphl, 0)));
		pseudo = ns_csum_pseudo4(ip + 12, ip + 16, 6, tcp_len);
	}
	ns_put_be32(tcp + 4, ns_get_be32(tcp + 4) + i * mss);
	/* RFC 3168 6.1.2: CWR on the first segment only (Linux's
	 * tcp_gso_segment); FIN and PSH close the whole send. */
	if (i > 0)
		tcp[13] &= (uint8_t)~TCP_CWR;
	if (!last)
		tcp[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	/* With the device completing it, the field holds the pseudo-header
	 * sum (uncomplemented), else the checksum itself. */
	ns_put_be16(tcp + 16, 0);
	if (csum_offload)
		ns_put_be16(tcp + 16, (uint16_t)~ns_csum_fold(pseudo));
	else
		ns_put_be16(tcp + 16, ns_csum_fold(ns_csum_partial(tcp, tcp_len,
								   pseudo)));
}

int drv_tso_segment(struct ns_pkt *pkt, bool csum_offload,
		    struct ns_pkt_queue *out)
{
	uint8_t hdr[DRV_ETH_HLEN + IPV6_HLEN + TCP_HLEN_MAX];
	struct tso_layout l;
	uint32_t mss = pkt->gso_size;
	uint32_t payload = 0;
	int r = tso_parse(pkt, hdr, &l);
	if (r == 0) {
		payload = pkt->len - l.hdrs;
		if (mss == 0 || payload == 0)
			r = -EINVAL;
	}
	int n = 0;
	for (uint32_t off = 0; r == 0 && off < payload; off += mss, n++) {
		uint32_t len = payload - off < mss ? payload - off : mss;
		struct ns_pkt *d = ns_pkt_alloc(NS_PKT_HEADROOM, l.hdrs + len);
		if (d == NULL) {
			r = -ENOMEM;
			break;
		}
		uint8_t *p = ns_pkt_put(d, l.hdrs + len);
		memcpy(p, hdr, l.hdrs);
		ns_pkt_copy_out(pkt, l.hdrs + off, p + l.hdrs, len);
		tso_fix_headers(p, &l, len, (uint32_t)n, mss,
				off + len == payload, csum_offload);
		d->flags = pkt->flags & (uint16_t)~NS_PKT_F_CSUM_PARTIAL;
		if (csum_offload) {
			d->flags |= NS_PKT_F_CSUM_PARTIAL;
			d->csum_start = (uint16_t)l.tcp_off;
			d->csum_offset = 16;
		}
		ns_pkt_queue_push(out, d);
	}
	ns_pkt_free(pkt);
	return r < 0 ? r : n;
}
