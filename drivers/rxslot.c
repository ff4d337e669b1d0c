/* Receive slots (rxslot.h). */
#include "rxslot.h"

#include <errno.h>

#include "drv_impl.h"
#include "offload.h"
#include "segment.h"

/* A spill this small is copied into a buffer of its own size, so the
 * 64 KiB spill buffer stays for the next big frame. */
#define SPILL_COPY_MAX 4096

int drv_rxslot_iov(struct drv_rxslot *slot, const struct drv_rxmode *mode,
		   struct iovec *iov)
{
	if (slot->pkt == NULL) {
		slot->pkt = ns_pkt_alloc(NS_PKT_HEADROOM, mode->head_size);
		if (slot->pkt == NULL)
			return -ENOMEM;
	}
	if (mode->spill && slot->spill == NULL) {
		slot->spill = ns_buf_alloc(DRV_GSO_SPILL_LEN);
		if (slot->spill == NULL)
			return -ENOMEM;
	}
	int n = 0;
	if (mode->vnet)
		iov[n++] = (struct iovec){ &slot->vnet, sizeof(slot->vnet) };
	iov[n++] = (struct iovec){ slot->pkt->data, mode->head_size };
	if (mode->spill)
		iov[n++] =
			(struct iovec){ slot->spill->data, DRV_GSO_SPILL_LEN };
	return n;
}

/* Attaches the first len bytes of the spill buffer to pkt. */
static int attach_spill(struct drv_rxslot *slot, struct ns_pkt *pkt,
			uint32_t len)
{
	if (len <= SPILL_COPY_MAX)
		return ns_pkt_append_copy(pkt, slot->spill->data, len);
	int r = ns_pkt_append_frag(pkt, slot->spill, slot->spill->data, len);
	if (r == 0) {
		/* The fragment holds the buffer now; a new one next time. */
		ns_buf_unref(slot->spill);
		slot->spill = NULL;
	}
	return r;
}

int drv_rxslot_take(struct drv_rxslot *slot, const struct drv_rxmode *mode,
		    size_t nread, bool truncated, uint64_t tstamp_ns,
		    struct ns_pkt **out)
{
	size_t hdr = mode->vnet ? sizeof(slot->vnet) : 0;
	if (truncated)
		return -EMSGSIZE;
	if (nread < hdr + DRV_ETH_HLEN)
		return -EINVAL;
	size_t frame = nread - hdr;
	struct ns_pkt *pkt = slot->pkt;
	uint32_t in_head =
		frame < mode->head_size ? (uint32_t)frame : mode->head_size;
	/* The slot's packet is fresh: no fragments, head_len 0. */
	ns_pkt_put(pkt, in_head);
	if (frame > in_head) {
		int r = attach_spill(slot, pkt, (uint32_t)(frame - in_head));
		if (r < 0) {
			ns_pkt_trim(pkt, 0);
			return r == -ENOBUFS ? -EINVAL : r;
		}
	}
	if (mode->vnet && (drv_vnet_to_pkt(&slot->vnet, pkt) < 0 ||
			   (pkt->gso_type == DRV_GSO_UDP_L4 && !mode->uso))) {
		ns_pkt_trim(pkt, 0);
		pkt->flags = 0;
		pkt->gso_type = NS_GSO_NONE;
		return -EINVAL;
	}
	pkt->tstamp_ns = tstamp_ns;
	if (mode->mac)
		drv_eth_classify(pkt, mode->mac);
	slot->pkt = NULL;
	*out = pkt;
	return 0;
}

void drv_rxslot_release(struct drv_rxslot *slot)
{
	ns_pkt_free(slot->pkt);
	slot->pkt = NULL;
	if (slot->spill)
		ns_buf_unref(slot->spill);
	slot->spill = NULL;
}
