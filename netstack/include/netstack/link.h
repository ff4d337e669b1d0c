/* The link interface: what a driver (tap, AF_PACKET, DPDK, the in-memory
 * pipe, a capture or fault-injecting wrapper) implements so the stack can
 * send frames, and what it tells the stack about the link.
 *
 * Direction of calls:
 * - transmit: the stack calls ops->xmit(ctx, pkt) for each outgoing frame
 *   and ops->flush(ctx) at the end of every entry point that transmitted
 *   (an input burst, a timer run, a socket call), so a driver may batch
 *   frames internally (sendmmsg, a ring, a DPDK burst) and push them out
 *   on flush.
 * - receive: the driver never calls into the stack. Its owner (the Sentry's
 *   event loop, perf/nsd, a test) reads frames from the driver and passes
 *   them to ns_stack_input(), which consumes them.
 *
 * Frames are Ethernet II frames (destination MAC first, no preamble or FCS)
 * unless the link's type is NS_LINK_IP (loopback: bare IP packets).
 */
#ifndef NETSTACK_LINK_H
#define NETSTACK_LINK_H

#include <stdint.h>

#include "netstack/pkt.h"

enum ns_link_type {
	NS_LINK_ETHERNET, /* Ethernet II frames, ARP and NDP resolve addresses */
	NS_LINK_IP,	  /* bare IPv4/IPv6 packets, no link header */
};

/* Link capabilities (struct ns_link_info.caps). */
enum {
	/* The link accepts NS_PKT_F_CSUM_PARTIAL packets and fills in the
	 * transport checksum itself (or the peer does not need it), so the
	 * stack skips computing it. */
	NS_LINK_CAP_TX_CSUM = 1u << 0,
	/* Received frames may carry NS_PKT_F_CSUM_VALID. */
	NS_LINK_CAP_RX_CSUM = 1u << 1,
	/* The link segments TCP super-segments (gso_type, gso_size) of up to
	 * NS_LINK_GSO_MAX bytes itself (TSO); implies NS_LINK_CAP_TX_CSUM. */
	NS_LINK_CAP_TSO = 1u << 2,
	/* The link may deliver coalesced TCP frames larger than the MTU
	 * (GRO/LRO), described by gso_type/gso_size. */
	NS_LINK_CAP_RX_GRO = 1u << 3,
	/* Frames looped back by the link: the stack needs no checksums at
	 * all in either direction (an in-memory pipe between two stacks of
	 * one process, as gVisor's loopback). */
	NS_LINK_CAP_TRUSTED = 1u << 4,
};

#define NS_LINK_GSO_MAX 65535

struct ns_link_info {
	enum ns_link_type type;
	uint32_t mtu;	  /* largest IP packet, without the link header */
	uint8_t mac[6];	  /* NS_LINK_ETHERNET: the NIC's address */
	uint32_t caps;	  /* NS_LINK_CAP_* */
	const char *name; /* for counters and debugging, e.g. "eth0" */
};

struct ns_link_ops {
	/* Sends one frame. Consumes pkt on every path. Returns 0 when the
	 * frame was sent or queued, or a negative errno when it was dropped
	 * (-ENOBUFS: queue full; -EIO: the link is gone); the driver counts
	 * drops itself, the stack counts them as output discards. */
	int (*xmit)(void *ctx, struct ns_pkt *pkt);
	/* Pushes out frames queued by xmit. May be NULL. */
	void (*flush)(void *ctx);
};

#endif
