/* ARP for IPv4 over Ethernet (RFC 826), feeding the shared neighbour
 * cache. Gratuitous ARP (RFC 5227 3) announces new addresses and updates
 * existing entries, as Linux does with arp_accept=0. */
#include <errno.h>
#include <string.h>

#include "core.h"
#include "eth.h"
#include "neigh.h"
#include "netstack/wire.h"
#include "nic.h"

#define ARP_LEN	      28
#define ARPHRD_ETHER  1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY   2

/* Builds and sends one ARP packet. */
static void arp_send(struct ns_nic *nic, uint16_t op, const uint8_t eth_dst[6],
		     const uint8_t sip[4], const uint8_t tha[6],
		     const uint8_t tip[4])
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, ARP_LEN);
	if (pkt == NULL)
		return;
	uint8_t *p = ns_pkt_put(pkt, ARP_LEN);
	ns_put_be16(p, ARPHRD_ETHER);
	ns_put_be16(p + 2, NS_ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	ns_put_be16(p + 6, op);
	memcpy(p + 8, nic->info.mac, 6);
	memcpy(p + 14, sip, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, tip, 4);
	ns_eth_output(nic, pkt, eth_dst, NS_ETH_P_ARP);
}

void ns_arp_solicit(struct ns_stack *stack, struct ns_nic *nic,
		    const struct ns_addr *target, const uint8_t *dst_mac)
{
	static const uint8_t zero_mac[6];
	struct ns_addr src;
	/* RFC 5227 2.1.1 lets a host without an address probe from
	 * 0.0.0.0; Linux prefers an address in the target's subnet. */
	if (!ns_nic_select_src(nic, target, &src))
		ns_addr_set_v4_u32(&src, 0);
	NS_INC(stack, Arp, OutRequests);
	arp_send(nic, ARPOP_REQUEST, dst_mac ? dst_mac : ns_eth_bcast,
		 ns_addr_v4(&src), zero_mac, ns_addr_v4(target));
}

void ns_arp_announce(struct ns_stack *stack, struct ns_ifa *ifa)
{
	static const uint8_t zero_mac[6];
	NS_INC(stack, Arp, OutGratuitous);
	const uint8_t *ip = ns_addr_v4(&ifa->addr);
	arp_send(ifa->nic, ARPOP_REQUEST, ns_eth_bcast, ip, zero_mac, ip);
}

void ns_arp_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt *pkt)
{
	uint8_t p[ARP_LEN];
	if (ns_pkt_copy_out(pkt, 0, p, ARP_LEN) < 0) {
		NS_INC(stack, Arp, InTruncated);
		goto drop;
	}
	uint16_t op = ns_get_be16(p + 6);
	if (ns_get_be16(p) != ARPHRD_ETHER ||
	    ns_get_be16(p + 2) != NS_ETH_P_IP || p[4] != 6 || p[5] != 4 ||
	    (op != ARPOP_REQUEST && op != ARPOP_REPLY)) {
		NS_INC(stack, Arp, InBadHeader);
		goto drop;
	}
	const uint8_t *sha = p + 8, *spa = p + 14, *tpa = p + 24;
	struct ns_addr sip, tip;
	ns_addr_set_v4(&sip, spa);
	ns_addr_set_v4(&tip, tpa);
	/* A sender that is a group address, broadcast, loopback, or one of
	 * our own addresses (a conflict, or our own frame reflected) must
	 * not enter the cache. 0.0.0.0 is a probe (RFC 5227 2.1.1). */
	if ((sha[0] & 1) || memcmp(sha, nic->info.mac, 6) == 0 ||
	    ns_addr_is_mcast(&sip) || ns_addr_is_v4_bcast(&sip) ||
	    ns_addr_is_loopback(&sip) || ns_stack_find_addr(stack, &sip)) {
		NS_INC(stack, Arp, InBadSender);
		goto drop;
	}
	bool probe = ns_addr_is_any4(&sip);
	if (!probe && ns_addr_eq(&sip, &tip)) {
		/* Gratuitous: refresh an existing entry only. */
		NS_INC(stack, Arp, InGratuitous);
		ns_neigh_update(stack, nic, &sip, sha, NS_NEIGH_OVERRIDE);
		goto drop;
	}
	if (op == ARPOP_REQUEST)
		NS_INC(stack, Arp, InRequests);
	else
		NS_INC(stack, Arp, InReplies);
	struct ns_ifa *ifa = ns_nic_find_addr(nic, &tip);
	if (ifa == NULL) {
		NS_INC(stack, Arp, InNotForUs);
		/* RFC 826: still update an entry we already have. */
		if (!probe)
			ns_neigh_update(stack, nic, &sip, sha,
					NS_NEIGH_OVERRIDE);
		goto drop;
	}
	if (op == ARPOP_REQUEST) {
		/* RFC 826: the requester will talk to us, so learn it; a
		 * probe has no address to learn. */
		if (!probe)
			ns_neigh_update(stack, nic, &sip, sha,
					NS_NEIGH_CREATE | NS_NEIGH_OVERRIDE);
		NS_INC(stack, Arp, OutReplies);
		arp_send(nic, ARPOP_REPLY, sha, tpa, sha, spa);
	} else if (!probe) {
		ns_neigh_update(stack, nic, &sip, sha,
				NS_NEIGH_SOLICITED | NS_NEIGH_OVERRIDE);
	}
drop:
	ns_pkt_free(pkt);
}
