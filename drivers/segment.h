/* Software segmentation, at the two places where a driver meets a
 * super-segment nobody else will split:
 * - UDP super-datagrams (UDP GSO, "USO") received: a kernel peer whose
 *   application uses UDP_SEGMENT sends them over a veth as one frame, and
 *   the netstack has no GSO type for them, so the driver splits them as
 *   Linux's __udp_gso_segment() does for a device without USO;
 * - TCP super-segments (TSO) to send on a device that lost TSO after the
 *   stack was told it had it (ethtool -K DEV tso off), split as Linux's
 *   tcp_gso_segment() does for a device without TSO.
 * Private to drivers/. */
#ifndef DRIVERS_SEGMENT_H
#define DRIVERS_SEGMENT_H

#include <stdbool.h>

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

/* Splits pkt, an Ethernet frame with IPv4 or IPv6 (no extension headers)
 * then TCP, gso_type NS_GSO_TCPV4 or NS_GSO_TCPV6 and gso_size payload
 * bytes per segment, into segments appended to out: each with the
 * headers, its IP length, IPv4 id (the first one's plus its index) and
 * header checksum, its sequence number, FIN and PSH on the last segment
 * only and CWR on the first only. The TCP checksum is left to the device
 * (NS_PKT_F_CSUM_PARTIAL with the pseudo-header sum in the field, as
 * virtio wants) when csum_offload, else computed here. Consumes pkt.
 * Returns the number of segments, -EINVAL for a frame that is not such a
 * super-segment (the caller counts it), or -ENOMEM (segments already
 * appended stay in out). */
int drv_tso_segment(struct ns_pkt *pkt, bool csum_offload,
		    struct ns_pkt_queue *out);

#endif
