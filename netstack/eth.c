/* Ethernet II framing: input demultiplexing by EtherType and output. */
#include "eth.h"

#include <errno.h>
#include <string.h>

#include "core.h"
#include "ip.h"
#include "netstack/wire.h"
#include "nic.h"

const uint8_t ns_eth_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void drop(struct ns_nic *nic, struct ns_pkt *pkt)
{
	nic->rx_dropped++;
	ns_pkt_free(pkt);
}

void ns_eth_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt *pkt)
{
	uint8_t hdr[NS_ETH_HLEN];
	if (ns_pkt_copy_out(pkt, 0, hdr, sizeof(hdr)) < 0) {
		NS_INC(stack, Link, InTruncated);
		drop(nic, pkt);
		return;
	}
	const uint8_t *dst = hdr, *src = hdr + 6;
	if (dst[0] & 1) {
		pkt->flags |= memcmp(dst, ns_eth_bcast, 6) == 0
				      ? NS_PKT_F_LINK_BCAST
				      : NS_PKT_F_LINK_MCAST;
	} else if (memcmp(dst, nic->info.mac, 6) != 0) {
		/* A promiscuous link or a switch flooding: not for us. */
		NS_INC(stack, Link, InOtherHost);
		drop(nic, pkt);
		return;
	}
	/* IEEE 802: a group address is never a source. Our own address as
	 * source is a frame of ours reflected back to us. */
	if ((src[0] & 1) || memcmp(src, nic->info.mac, 6) == 0) {
		NS_INC(stack, Link, InBadSrc);
		drop(nic, pkt);
		return;
	}
	uint16_t type = ns_get_be16(hdr + 12);
	ns_pkt_pull(pkt, NS_ETH_HLEN);
	pkt->l2_len = NS_ETH_HLEN;
	switch (type) {
	case NS_ETH_P_IP:
		ns_ip4_input(stack, nic, pkt);
		return;
	case NS_ETH_P_IPV6:
		if (nic->ipv6) {
			ns_ip6_input(stack, nic, pkt);
			return;
		}
		break;
	case NS_ETH_P_ARP:
		ns_arp_input(stack, nic, pkt);
		return;
	default:
		break;
	}
	NS_INC(stack, Link, InUnknownProto);
	drop(nic, pkt);
}

int ns_eth_output(struct ns_nic *nic, struct ns_pkt *pkt, const uint8_t dst[6],
		  uint16_t ethertype)
{
	uint8_t *h = ns_pkt_push(pkt, NS_ETH_HLEN);
	if (h == NULL) {
		nic->tx_dropped++;
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	if (pkt->flags & NS_PKT_F_CSUM_PARTIAL)
		pkt->csum_start += NS_ETH_HLEN;
	if (pkt->gso_size)
		pkt->hdr_len += NS_ETH_HLEN;
	memcpy(h, dst, 6);
	memcpy(h + 6, nic->info.mac, 6);
	ns_put_be16(h + 12, ethertype);
	return ns_nic_xmit(nic, pkt);
}

void ns_eth_mcast_mac(const struct ns_addr *group, uint8_t mac[6])
{
	if (ns_addr_is_v4(group)) {
		/* RFC 1112 6.4: 01:00:5e + the low 23 bits. */
		const uint8_t *g = ns_addr_v4(group);
		uint8_t m[6] = { 0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3] };
		memcpy(mac, m, 6);
		return;
	}
	/* RFC 2464 7: 33:33 + the low 32 bits. */
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group->b + 12, 4);
}
