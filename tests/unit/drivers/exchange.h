/* Live exchanges with the Linux kernel through a driver, shared by the tap
 * and AF_PACKET tests: the kernel is the peer that answers ARP and ICMP
 * echo, and the test checks the answers come back through the driver. */
#ifndef DRV_EXCHANGE_H
#define DRV_EXCHANGE_H

#include <stdint.h>

#include "drivers/driver.h"

struct peer {
	struct drv_link *link;
	const uint8_t *ip;	  /* our (the stack's) address */
	const uint8_t *kernel_ip; /* the kernel's address on the link */
	uint8_t kernel_mac[6];	  /* learned by exchange_arp() */
};

/* Asks the kernel for kernel_ip's MAC; fails the test without an answer
 * within a few seconds. */
void exchange_arp(struct peer *p);

/* Sends `count` echo requests of `payload` bytes (seq first..first+count-1)
 * in one burst, then waits until every reply is back, each checked. */
void exchange_pings(struct peer *p, uint16_t id, uint16_t first, unsigned count,
		    uint32_t payload);

/* A TCP connection with the kernel through the driver, the test playing
 * the stack: the kernel listens on kernel_ip:port, the test connects
 * with a hand-made handshake, then
 * - sends `tso_bytes` in ONE super-segment (gso_size 1448, partial
 *   checksum) when tso_bytes > 0: the link must have NS_LINK_CAP_TSO, and
 *   the kernel's socket must read back exactly those bytes;
 * - receives `rx_bytes` the kernel sends, acknowledging as it goes, and
 *   checks every byte.
 * Returns how many received frames were coalesced beyond the MTU. */
unsigned exchange_tcp(struct peer *p, uint16_t port, uint32_t tso_bytes,
		      uint32_t rx_bytes);

/* MAC of a kernel interface in the current namespace. */
void kernel_if_mac(const char *ifname, uint8_t mac[6]);

#endif
