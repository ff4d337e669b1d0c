/* AF_PACKET with PACKET_MMAP rings, TPACKET_V2 (packet_mmap.rst): the
 * kernel fills receive frames and sends transmit frames in memory shared
 * with us; a frame's tp_status says whose it is. TPACKET_V3 would batch
 * receive frames into blocks that are handed over only when full or when
 * a block timeout expires, which puts the timeout on the latency path. */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "afpacket_impl.h"
#include "offload.h"

#define DEFAULT_RING_FRAMES 1024
#define MAX_RING_FRAMES	    (1u << 20)
#define RING_BLOCK_SIZE	    (1u << 16)
/* Where the frame starts in a transmit slot without PACKET_TX_HAS_OFF. */
#define TX_DATA_OFFSET (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))

/* Slots start at multiples of frame_size, itself a multiple of
 * TPACKET_ALIGNMENT, in a page-aligned mapping: the headers are aligned. */
static struct tpacket2_hdr *rx_frame(struct afpacket *a, uint32_t i)
{
	return (void *)(a->map + (size_t)i * a->frame_size);
}

static struct tpacket2_hdr *tx_frame(struct afpacket *a, uint32_t i)
{
	return (void *)(a->map + (size_t)(a->ring_frames + i) * a->frame_size);
}

/* The status word is shared with the kernel: acquire on reading so the
 * frame's contents are seen after it, release on handing a frame over so
 * our writes are seen before it. */
static uint32_t status_of(struct tpacket2_hdr *h)
{
	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

static void set_status(struct tpacket2_hdr *h, uint32_t status)
{
	__atomic_store_n(&h->tp_status, status, __ATOMIC_RELEASE);
}

/* Copies a received frame out of the ring. Returns 1 with *out set, 0 for
 * a frame that is skipped or dropped (counted), -ENOMEM to stop here. */
static int take_frame(struct afpacket *a, struct tpacket2_hdr *h,
		      uint32_t status, struct ns_pkt **out)
{
	const struct sockaddr_ll *sll =
		(const void *)((uint8_t *)h +
			       TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
	if (sll->sll_pkttype == PACKET_OUTGOING) {
		a->outgoing_ignored++;
		return 0;
	}
	/* Cut to the frame size: a super-segment, or a frame beyond the
	 * MTU the ring was sized for. */
	if (h->tp_snaplen < h->tp_len || h->tp_snaplen < DRV_ETH_HLEN ||
	    h->tp_mac + (size_t)h->tp_snaplen > a->frame_size) {
		a->link.stats.rx_errors++;
		return 0;
	}
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, h->tp_snaplen);
	if (pkt == NULL)
		return -ENOMEM;
	memcpy(ns_pkt_put(pkt, h->tp_snaplen), (uint8_t *)h + h->tp_mac,
	       h->tp_snaplen);
	/* CSUMNOTREADY: a partial checksum from the local host, which Linux
	 * trusts as we do. */
	if (status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID))
		pkt->flags |= NS_PKT_F_CSUM_VALID;
	pkt->tstamp_ns =
		(status & TP_STATUS_TS_SOFTWARE)
			? (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec
			: drv_realtime_ns();
	drv_eth_classify(pkt, a->link.info.mac);
	a->link.stats.rx_packets++;
	a->link.stats.rx_bytes += pkt->len;
	*out = pkt;
	return 1;
}

static int ring_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			 unsigned max)
{
	struct afpacket *a = (struct afpacket *)link;
	unsigned n = 0, skipped = 0;
	/* The count of slots given back without a frame (malformed ones)
	 * bounds the work of one call, as the kernel may refill the ring
	 * with them as fast as we walk it. */
	while (n < max && skipped < DRV_BATCH) {
		struct tpacket2_hdr *h = rx_frame(a, a->rx_head);
		uint32_t status = status_of(h);
		if (!(status & TP_STATUS_USER))
			break;
		int r = take_frame(a, h, status, &pkts[n]);
		if (r < 0)
			break; /* no memory: the frame stays in the ring */
		n += (unsigned)r;
		skipped += r == 0;
		set_status(h, TP_STATUS_KERNEL);
		a->rx_head = (a->rx_head + 1) % a->ring_frames;
	}
	return (int)n;
}

static int ring_flush(struct drv_link *link);

static int ring_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	/* No TSO here; a partial checksum is completed in software. */
	if (!drv_eth_frame_fits(link, pkt) || drv_csum_finalize(pkt) < 0) {
		link->stats.tx_errors++;
		ns_pkt_free(pkt);
		return -EINVAL;
	}
	int r = drv_txq_push(link, pkt);
	if (r == 0 && link->txq.count >= DRV_BATCH)
		(void)ring_flush(link);
	return r;
}

/* Copies queued frames into free transmit slots; returns how many. */
static unsigned fill_tx_ring(struct afpacket *a)
{
	unsigned filled = 0;
	struct ns_pkt *pkt;
	while ((pkt = a->link.txq.first) != NULL) {
		struct tpacket2_hdr *h = tx_frame(a, a->tx_head);
		uint32_t status = status_of(h);
		if (status == TP_STATUS_WRONG_FORMAT) {
			/* The kernel refused the frame put here last time
			 * (tx_packets counts frames handed to the ring). */
			a->link.stats.tx_errors++;
			status = TP_STATUS_AVAILABLE;
		}
		if (status != TP_STATUS_AVAILABLE)
			break; /* ring full */
		ns_pkt_queue_pop(&a->link.txq);
		ns_pkt_copy_out(pkt, 0, (uint8_t *)h + TX_DATA_OFFSET,
				pkt->len);
		h->tp_len = pkt->len;
		set_status(h, TP_STATUS_SEND_REQUEST);
		a->tx_head = (a->tx_head + 1) % a->ring_frames;
		a->link.stats.tx_packets++;
		a->link.stats.tx_bytes += pkt->len;
		ns_pkt_free(pkt);
		filled++;
	}
	return filled;
}

static int ring_flush(struct drv_link *link)
{
	struct afpacket *a = (struct afpacket *)link;
	for (;;) {
		if (fill_tx_ring(a) == 0)
			return link->txq.count ? -EAGAIN : 0;
		/* One kick sends every frame marked SEND_REQUEST; without
		 * a qdisc they go straight to the device before it
		 * returns (MSG_DONTWAIT only skips waiting for completion
		 * of frames the device holds). */
		int e = send(link->fd, NULL, 0, MSG_DONTWAIT) < 0 ? errno : 0;
		if (e != 0 && e != EAGAIN && e != ENOBUFS && e != EINTR) {
			/* The interface is gone or down: what is queued
			 * cannot leave. */
			link->stats.tx_dropped += link->txq.count;
			ns_pkt_queue_purge(&link->txq);
			return e == ENXIO || e == ENODEV ? -EIO : 0;
		}
		if (link->txq.count == 0)
			return 0;
	}
}

const struct drv_class afp_ring_class = {
	.kind = "afpacket",
	.rx_burst = ring_rx_burst,
	.xmit = ring_xmit,
	.flush = ring_flush,
	.sync_counters = afp_sync_counters,
	.destroy = afp_destroy,
	.counters = afp_counters,
	.ncounters = AFP_NCOUNTERS,
};

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

int afp_ring_setup(struct afpacket *a, const struct drv_afpacket_config *cfg,
		   struct rs_error **err)
{
	int fd = a->link.fd;
	int version = TPACKET_V2;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version,
		       sizeof(version)) < 0)
		return rs_error_set(err, errno, "afpacket `%s`: TPACKET_V2",
				    cfg->iface);
	uint32_t frames =
		cfg->ring_frames ? cfg->ring_frames : DEFAULT_RING_FRAMES;
	if (frames > MAX_RING_FRAMES)
		return rs_error_set(err, EINVAL,
				    "afpacket: %u ring frames above %u", frames,
				    MAX_RING_FRAMES);
	/* Header, address, the kernel's alignment slack, then a frame of
	 * MTU plus Ethernet header and VLAN tag. */
	uint32_t need = TPACKET_ALIGN(TPACKET2_HDRLEN) + 16 + 64 +
			a->link.info.mtu + DRV_ETH_HLEN + DRV_VLAN_HLEN;
	a->frame_size = pow2_at_least(need);
	uint32_t block = a->frame_size > RING_BLOCK_SIZE ? a->frame_size
							 : RING_BLOCK_SIZE;
	uint32_t per_block = block / a->frame_size;
	uint32_t blocks = (frames + per_block - 1) / per_block;
	a->ring_frames = blocks * per_block;
	struct tpacket_req req = {
		.tp_block_size = block,
		.tp_block_nr = blocks,
		.tp_frame_size = a->frame_size,
		.tp_frame_nr = a->ring_frames,
	};
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		return rs_error_set(err, errno,
				    "afpacket `%s`: rings of %u frames",
				    cfg->iface, a->ring_frames);
	a->map_len = 2 * (size_t)block * blocks;
	void *map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		return rs_error_set(err, errno, "afpacket `%s`: mmap rings",
				    cfg->iface);
	a->map = map;
	a->link.info.caps = NS_LINK_CAP_RX_CSUM;
	return 0;
}
