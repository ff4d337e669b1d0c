/* virtio_net_hdr <-> ns_pkt offload metadata, and software checksums.
 * The header's meaning is the virtio 1.1 spec, 5.1.6 "Device Operation":
 * csum_start/csum_offset locate the checksum to fill in, gso_type and
 * gso_size describe a super-segment, hdr_len the bytes of headers. */
#include "offload.h"

#include <errno.h>
#include <string.h>

#include "netstack/csum.h"
#include "netstack/wire.h"
#include "segment.h"

static bool gso_type_known(uint8_t type)
{
	return type == NS_GSO_TCPV4 || type == NS_GSO_TCPV6 ||
	       type == NS_GSO_UDP;
}

int drv_vnet_from_pkt(const struct ns_pkt *pkt, struct virtio_net_hdr *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	if (pkt->flags & NS_PKT_F_CSUM_PARTIAL) {
		if ((uint32_t)pkt->csum_start + pkt->csum_offset + 2 > pkt->len)
			return -EINVAL;
		hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		hdr->csum_start = pkt->csum_start;
		hdr->csum_offset = pkt->csum_offset;
	}
	if (pkt->gso_type != NS_GSO_NONE) {
		/* A super-segment always needs its checksums computed per
		 * segment: virtio requires NEEDS_CSUM with GSO. */
		if (!gso_type_known(pkt->gso_type) || pkt->gso_size == 0 ||
		    !(pkt->flags & NS_PKT_F_CSUM_PARTIAL))
			return -EINVAL;
		hdr->gso_type = pkt->gso_type;
		hdr->gso_size = pkt->gso_size;
		hdr->hdr_len = pkt->hdr_len;
	}
	return 0;
}

int drv_vnet_to_pkt(const struct virtio_net_hdr *hdr, struct ns_pkt *pkt)
{
	if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if ((uint32_t)hdr->csum_start + hdr->csum_offset + 2 > pkt->len)
			return -EINVAL;
		pkt->flags |= NS_PKT_F_CSUM_VALID;
		pkt->csum_start = hdr->csum_start;
		pkt->csum_offset = hdr->csum_offset;
	}
	if (hdr->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		pkt->flags |= NS_PKT_F_CSUM_VALID;
	uint8_t type = hdr->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	if (type != VIRTIO_NET_HDR_GSO_NONE) {
		/* UDP super-datagrams are split by the driver before the
		 * stack sees them (segment.h). */
		if ((!gso_type_known(type) && type != DRV_GSO_UDP_L4) ||
		    hdr->gso_size == 0)
			return -EINVAL;
		pkt->gso_type = type;
		pkt->gso_size = hdr->gso_size;
		pkt->hdr_len = hdr->hdr_len;
	}
	return 0;
}

int drv_csum_finalize(struct ns_pkt *pkt)
{
	if (!(pkt->flags & NS_PKT_F_CSUM_PARTIAL))
		return 0;
	uint32_t field = (uint32_t)pkt->csum_start + pkt->csum_offset;
	if (field + 2 > pkt->len || ns_pkt_pullup(pkt, field + 2) == NULL)
		return -EINVAL;
	uint32_t start = pkt->csum_start;
	uint16_t sum =
		ns_csum_fold(ns_pkt_csum(pkt, start, pkt->len - start, 0));
	/* RFC 768: a computed zero is sent as all ones (0 means "no
	 * checksum" to UDP); for TCP both forms are the same number. */
	ns_put_be16(pkt->data + field, sum ? sum : 0xffff);
	pkt->flags &= (uint16_t)~NS_PKT_F_CSUM_PARTIAL;
	return 0;
}
