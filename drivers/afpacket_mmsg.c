/* AF_PACKET with recvmmsg/sendmmsg and PACKET_VNET_HDR: the kernel copies
 * straight into the packets' heads (and a spill buffer for super-
 * segments) and gathers transmitted frames from their heads and
 * fragments. */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "afpacket_impl.h"
#include "offload.h"
#include "segment.h"

struct afp_mmsg {
	struct drv_rxslot slots[DRV_BATCH];
	struct sockaddr_ll names[DRV_BATCH];
	struct iovec rx_iov[DRV_BATCH][3];
	struct mmsghdr rx_msgs[DRV_BATCH];
	struct virtio_net_hdr tx_vnet[DRV_BATCH];
	struct iovec tx_iov[DRV_BATCH][1 + 1 + NS_PKT_MAX_FRAGS];
	struct mmsghdr tx_msgs[DRV_BATCH];
	struct ns_pkt *tx_batch[DRV_BATCH];
};

/* Hands a received packet to the caller's array, or to the pending
 * queue when earlier packets wait there or it must be split first. */
static void deliver(struct afpacket *a, struct ns_pkt *pkt,
		    struct ns_pkt **pkts, unsigned *n)
{
	if (pkt->gso_type == DRV_GSO_UDP_L4) {
		if (drv_uso_segment(pkt, &a->rx_pending) < 0)
			a->link.stats.rx_errors++;
		else
			a->udp_gso_split++;
		return;
	}
	if (a->rx_pending.count > 0)
		ns_pkt_queue_push(&a->rx_pending, pkt);
	else
		pkts[(*n)++] = pkt;
}

/* Whether a recvmmsg(2) error means the link itself failed, rather than
 * one frame the kernel could not hand over (it is consumed then). */
static bool link_failed(int e)
{
	return e == ENETDOWN || e == ENXIO || e == ENODEV || e == EBADF ||
	       e == ENOMEM;
}

/* One recvmmsg(2) into pkts[*n..max). Returns 0, -EAGAIN when nothing
 * waits, or the errno of a failed link. *more is set when the kernel
 * may hold further frames. */
static int receive_batch(struct afpacket *a, struct ns_pkt **pkts, unsigned *n,
			 unsigned max, bool *more)
{
	struct afp_mmsg *m = a->mmsg;
	unsigned want = max - *n < DRV_BATCH ? max - *n : DRV_BATCH, k = 0;
	for (; k < want; k++) {
		int niov =
			drv_rxslot_iov(&m->slots[k], &a->rxmode, m->rx_iov[k]);
		if (niov < 0)
			break;
		m->rx_msgs[k].msg_hdr = (struct msghdr){
			.msg_name = &m->names[k],
			.msg_namelen = sizeof(m->names[k]),
			.msg_iov = m->rx_iov[k],
			.msg_iovlen = (size_t)niov,
		};
	}
	*more = false;
	if (k == 0)
		return -EAGAIN; /* out of memory: frames wait in the kernel */
	int got = recvmmsg(a->link.fd, m->rx_msgs, k, MSG_DONTWAIT, NULL);
	if (got < 0) {
		int e = errno;
		if (e == EAGAIN || e == EINTR)
			return -EAGAIN;
		if (link_failed(e))
			return -e;
		a->link.stats.rx_errors++;
		*more = true;
		return 0;
	}
	*more = (unsigned)got == k;
	uint64_t now = drv_realtime_ns();
	for (int i = 0; i < got; i++) {
		const struct mmsghdr *msg = &m->rx_msgs[i];
		if (m->names[i].sll_pkttype == PACKET_OUTGOING) {
			a->outgoing_ignored++;
			continue;
		}
		struct ns_pkt *pkt;
		int r = drv_rxslot_take(&m->slots[i], &a->rxmode, msg->msg_len,
					msg->msg_hdr.msg_flags & MSG_TRUNC, now,
					&pkt);
		if (r < 0)
			a->link.stats.rx_errors++;
		else
			deliver(a, pkt, pkts, n);
	}
	return 0;
}

static int mmsg_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			 unsigned max)
{
	struct afpacket *a = (struct afpacket *)link;
	unsigned n = 0, calls = 0;
	bool more = true;
	int failed = 0;
	for (;;) {
		struct ns_pkt *pkt;
		while (n < max && (pkt = ns_pkt_queue_pop(&a->rx_pending)))
			pkts[n++] = pkt;
		/* The call count bounds a run of per-frame errors. */
		if (n == max || !more || calls++ == DRV_BATCH)
			break;
		int r = receive_batch(a, pkts, &n, max, &more);
		if (r < 0) {
			more = false;
			if (r != -EAGAIN)
				failed = r;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		link->stats.rx_packets++;
		link->stats.rx_bytes += pkts[i]->len;
	}
	return n == 0 && failed ? failed : (int)n;
}

static int mmsg_flush(struct drv_link *link);

static int mmsg_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	if (!drv_eth_frame_fits(link, pkt)) {
		link->stats.tx_errors++;
		ns_pkt_free(pkt);
		return -EINVAL;
	}
	int r = drv_txq_push(link, pkt);
	if (r == 0 && link->txq.count >= DRV_BATCH)
		(void)mmsg_flush(link);
	return r;
}

/* Takes up to DRV_BATCH frames off the queue into messages, dropping
 * those whose offload metadata is inconsistent. Returns the count. */
static unsigned build_batch(struct afpacket *a)
{
	struct afp_mmsg *m = a->mmsg;
	unsigned k = 0;
	while (k < DRV_BATCH && a->link.txq.count > 0) {
		struct ns_pkt *pkt = ns_pkt_queue_pop(&a->link.txq);
		struct iovec *iov = m->tx_iov[k];
		int niov = -EINVAL;
		if (drv_vnet_from_pkt(pkt, &m->tx_vnet[k]) == 0)
			niov = ns_pkt_to_iov(pkt, iov + 1,
					     1 + NS_PKT_MAX_FRAGS);
		if (niov < 0) {
			a->link.stats.tx_errors++;
			ns_pkt_free(pkt);
			continue;
		}
		iov[0] =
			(struct iovec){ &m->tx_vnet[k], sizeof(m->tx_vnet[k]) };
		m->tx_msgs[k].msg_hdr = (struct msghdr){
			.msg_iov = iov,
			.msg_iovlen = (size_t)niov + 1,
		};
		m->tx_batch[k++] = pkt;
	}
	return k;
}

static void sent(struct afpacket *a, struct ns_pkt *pkt)
{
	a->link.stats.tx_packets++;
	a->link.stats.tx_bytes += pkt->len;
	ns_pkt_free(pkt);
}

static int mmsg_flush(struct drv_link *link)
{
	struct afpacket *a = (struct afpacket *)link;
	struct afp_mmsg *m = a->mmsg;
	for (;;) {
		unsigned k = build_batch(a);
		if (k == 0)
			return 0;
		int r = sendmmsg(link->fd, m->tx_msgs, k, MSG_DONTWAIT);
		int e = r < 0 ? errno : 0;
		unsigned done = r > 0 ? (unsigned)r : 0;
		for (unsigned i = 0; i < done; i++)
			sent(a, m->tx_batch[i]);
		bool full = e == EAGAIN || e == EINTR;
		if (e && !full) {
			/* The first frame is refused; the rest try again.
			 * ENOBUFS: the device queue was full (no qdisc to
			 * wait in) and the frame is lost as on a busy NIC;
			 * ENETDOWN: no carrier. */
			if (e == ENOBUFS || e == ENETDOWN)
				link->stats.tx_dropped++;
			else
				link->stats.tx_errors++;
			ns_pkt_free(m->tx_batch[0]);
			done = 1;
		}
		drv_txq_unshift(link, m->tx_batch + done, k - done);
		if (full)
			return -EAGAIN;
	}
}

static void mmsg_destroy(struct drv_link *link)
{
	struct afpacket *a = (struct afpacket *)link;
	if (a->mmsg)
		for (unsigned i = 0; i < DRV_BATCH; i++)
			drv_rxslot_release(&a->mmsg->slots[i]);
	afp_destroy(link);
}

const struct drv_class afp_mmsg_class = {
	.kind = "afpacket",
	.rx_burst = mmsg_rx_burst,
	.xmit = mmsg_xmit,
	.flush = mmsg_flush,
	.sync_counters = afp_sync_counters,
	.destroy = mmsg_destroy,
	.counters = afp_counters,
	.ncounters = AFP_NCOUNTERS,
};

int afp_mmsg_setup(struct afpacket *a, const struct drv_afpacket_config *cfg,
		   struct rs_error **err)
{
	a->mmsg = calloc(1, sizeof(*a->mmsg));
	if (a->mmsg == NULL)
		return rs_error_set(err, ENOMEM, "afpacket: buffers");
	int on = 1;
	if (setsockopt(a->link.fd, SOL_PACKET, PACKET_VNET_HDR, &on,
		       sizeof(on)) < 0)
		return rs_error_set(err, errno,
				    "afpacket `%s`: PACKET_VNET_HDR",
				    cfg->iface);
	a->link.info.caps = NS_LINK_CAP_TX_CSUM | NS_LINK_CAP_TSO |
			    NS_LINK_CAP_RX_CSUM | NS_LINK_CAP_RX_GRO;
	a->rxmode = (struct drv_rxmode){
		/* The spare byte is not needed here (MSG_TRUNC tells), but
		 * keeps one layout for every driver. */
		.head_size =
			a->link.info.mtu + DRV_ETH_HLEN + DRV_VLAN_HLEN + 1,
		.vnet = true,
		.spill = true,
		.uso = true, /* deliver() splits them */
		.mac = a->link.info.mac,
	};
	return 0;
}
