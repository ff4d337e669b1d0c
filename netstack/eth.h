/* Ethernet II and ARP (internal). */
#ifndef NETSTACK_ETH_H
#define NETSTACK_ETH_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "netstack/pkt.h"

struct ns_stack;
struct ns_nic;
struct ns_ifa;

#define NS_ETH_HLEN   14
#define NS_ETH_P_IP   0x0800
#define NS_ETH_P_ARP  0x0806
#define NS_ETH_P_IPV6 0x86dd

extern const uint8_t ns_eth_bcast[6];

/* A received frame on an Ethernet NIC. Consumes pkt. */
void ns_eth_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt *pkt);

/* Pushes the Ethernet header and transmits. Consumes pkt. */
int ns_eth_output(struct ns_nic *nic, struct ns_pkt *pkt, const uint8_t dst[6],
		  uint16_t ethertype);

/* The link address of an IP multicast group (RFC 1112 6.4, RFC 2464 7). */
void ns_eth_mcast_mac(const struct ns_addr *group, uint8_t mac[6]);

/* ARP (arp.c). pkt->data at the ARP header; consumes pkt. */
void ns_arp_input(struct ns_stack *stack, struct ns_nic *nic,
		  struct ns_pkt *pkt);
/* Sends a request for target; to dst_mac when not NULL (a unicast probe
 * of a STALE entry, RFC 1122 2.3.2.1), else broadcast. */
void ns_arp_solicit(struct ns_stack *stack, struct ns_nic *nic,
		    const struct ns_addr *target, const uint8_t *dst_mac);
/* Gratuitous ARP announcing a new address (RFC 5227 3). */
void ns_arp_announce(struct ns_stack *stack, struct ns_ifa *ifa);

#endif
