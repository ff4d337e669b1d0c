/* Software segmentation of UDP super-datagrams (UDP GSO, "USO"): a kernel
 * peer whose application uses UDP_SEGMENT sends them over a veth as one
 * frame, and the netstack has no GSO type for them, so the driver splits
 * them as Linux's __udp_gso_segment() does for a device without USO.
 * Private to drivers/. */
#ifndef DRIVERS_SEGMENT_H
#define DRIVERS_SEGMENT_H

#include "netstack/pkt.h"

/* virtio's VIRTIO_NET_HDR_GSO_UDP_L4: held in ns_pkt.gso_type only
 * between drv_vnet_to_pkt() and drv_uso_segment(). */
#define DRV_GSO_UDP_L4 5

/* Linux's UDP_MAX_SEGMENTS: no legitimate super-datagram has more. */
#define DRV_USO_MAX_SEGMENTS 128

/* Splits pkt (an Ethernet frame with IPv4 or IPv6, then UDP; gso_size
 * payload bytes per datagram) into datagrams appended to out, each with
 * its own headers, lengths, IPv4 id and checksums filled in, and pkt's
 * receive metadata. Consumes pkt. Returns the number of datagrams, or
 * -EINVAL for a frame that is not such a super-datagram (including an IP
 * or UDP length that differs from the frame's, and an IPv4 fragment;
 * the caller counts it), or -ENOMEM
 * (datagrams already appended stay in out). */
int drv_uso_segment(struct ns_pkt *pkt, struct ns_pkt_queue *out);

#endif
