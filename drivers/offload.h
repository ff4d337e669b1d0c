/* Offload metadata at the kernel boundary: struct virtio_net_hdr (tap with
 * IFF_VNET_HDR, AF_PACKET with PACKET_VNET_HDR) to and from the offload
 * fields of struct ns_pkt, and the software fallback for a transport
 * checksum a link cannot fill in. Private to drivers/. */
#ifndef DRIVERS_OFFLOAD_H
#define DRIVERS_OFFLOAD_H

#include <linux/virtio_net.h>

#include "netstack/pkt.h"

/* Fills *hdr (native byte order, as legacy virtio and tap/AF_PACKET use)
 * from the packet's NS_PKT_F_CSUM_PARTIAL and gso fields. Returns 0, or
 * -EINVAL when the metadata cannot describe a valid header (checksum
 * field outside the frame, GSO without a segment size). */
int drv_vnet_from_pkt(const struct ns_pkt *pkt, struct virtio_net_hdr *hdr);

/* Applies a received header to pkt (len already final): NEEDS_CSUM and
 * DATA_VALID both become NS_PKT_F_CSUM_VALID (a partial checksum comes
 * from the local kernel, which Linux trusts), and a GSO header sets
 * gso_type/gso_size; DRV_GSO_UDP_L4 (segment.h) is the caller's to
 * split. Returns 0, or -EINVAL for a header that does not fit the frame
 * or names an unknown GSO type (the caller drops the frame and counts an
 * rx error). */
int drv_vnet_to_pkt(const struct virtio_net_hdr *hdr, struct ns_pkt *pkt);

/* Computes the transport checksum of an NS_PKT_F_CSUM_PARTIAL packet in
 * software (the pseudo-header sum is already in the field) and clears the
 * flag; a packet without the flag is left alone. Returns 0, or -EINVAL
 * when csum_start/csum_offset do not fit the packet. */
int drv_csum_finalize(struct ns_pkt *pkt);

#endif
