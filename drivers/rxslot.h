/* A receive slot: where one frame read by readv/recvmmsg lands, without a
 * copy. The iovec is [virtio_net_hdr][packet head][spill buffer]: the
 * head takes an MTU-size frame, the spill buffer the rest of a coalesced
 * (GRO) frame of up to 64 KiB, which is attached as a fragment only when
 * used. Private to drivers/. */
#ifndef DRIVERS_RXSLOT_H
#define DRIVERS_RXSLOT_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "netstack/pkt.h"

struct drv_rxslot {
	struct virtio_net_hdr vnet;
	struct ns_pkt *pkt;   /* allocated by drv_rxslot_iov, owned */
	struct ns_buf *spill; /* idem, when spill is wanted */
};

/* How a link receives. */
struct drv_rxmode {
	uint32_t head_size; /* MTU + link header + VLAN tag (+ spare) */
	bool vnet;	    /* frames start with a struct virtio_net_hdr */
	bool spill;	    /* frames may exceed head_size (GRO) */
	/* The caller splits UDP super-datagrams (DRV_GSO_UDP_L4,
	 * segment.h); without it they are malformed frames. */
	bool uso;
	const uint8_t *mac; /* Ethernet: the link's MAC, for classifying */
};

/* Fills iov (room for 3) for the next frame, allocating what the slot
 * lacks. Returns the number of iovecs, or -ENOMEM. */
int drv_rxslot_iov(struct drv_rxslot *slot, const struct drv_rxmode *mode,
		   struct iovec *iov);

/* Turns the nread bytes that arrived into a packet, which the caller then
 * owns, with its receive metadata (timestamp, offload flags, link
 * classification). Returns 0; -EINVAL for a malformed frame (runt, bad
 * offload header, a UDP super-datagram without mode->uso) or -EMSGSIZE for one larger than the slot (truncated):
 * the caller counts it and the slot keeps its buffers for the next frame.
 * -ENOMEM when a small spill could not be copied (frame dropped). */
int drv_rxslot_take(struct drv_rxslot *slot, const struct drv_rxmode *mode,
		    size_t nread, bool truncated, uint64_t tstamp_ns,
		    struct ns_pkt **out);

/* Frees the slot's buffers. */
void drv_rxslot_release(struct drv_rxslot *slot);

#endif
