/* AF_PACKET with recvmmsg/sendmmsg and PACKET_VNET_HDR: the kernel copies
 * straight into the packets' heads (and a spill buffer for super-
 * segments) and gathers transmitted frames from their heads and
 * fragments.
 *
 * Offloads are negotiated with the device: the stack is told of checksum
 * offload and TSO only when the interface has them at the open, and what
 * the device takes is read again every AFP_FEATURE_RECHECK_NS and when it
 * refuses a super-segment, so that a feature switched off later (ethtool
 * -K DEV tso off, tx off) is made up for here: a super-segment the device
 * cannot segment is split in software (the direct transmit of
 * PACKET_QDISC_BYPASS drops it otherwise: __dev_direct_xmit does not
 * segment), a checksum it cannot fill is filled in software.
 *
 * Receiving, the socket describes every frame as the kernel has it
 * (virtio_net_hdr_from_skb): coalesced frames beyond the MTU come
 * whenever the kernel peer sends super-segments over the veth (its own
 * TSO) or the interface's GRO merges frames, whatever our side's
 * transmit features; checksums are vouched for when the kernel verified
 * them (rx-checksumming) or a local peer left them partial, and checked
 * by the stack otherwise. A frame the header cannot describe (a tunnel's
 * GSO type) is dropped by the kernel and counted in rx_kernel_drops. */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "afpacket_impl.h"
#include "offload.h"
#include "segment.h"

/* How often the device's features are read again: a feature switched on
 * or off takes effect within this (switched off, also at the first
 * super-segment the device refuses). */
#define AFP_FEATURE_RECHECK_NS 1000000000u

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

/* Reads the device's features again. Returns false when it cannot (the
 * interface is gone: what was known stays). */
static bool read_features(struct afpacket *a, uint64_t now)
{
	if (!a->feat_known)
		return false;
	a->feat_read_ns = now;
	struct drv_txfeat f;
	if (drv_txfeat_read(a->link.fd, a->iface, &a->featmap, &f) < 0)
		return false;
	if (memcmp(&f, &a->dev, sizeof(f)) != 0)
		a->offload_changes++;
	a->dev = f;
	return true;
}

static bool device_tso(const struct afpacket *a, const struct ns_pkt *pkt)
{
	return pkt->gso_type == NS_GSO_TCPV6 ? a->dev.tso6 : a->dev.tso4;
}

/* Whether the device fills in the checksum of an IPv4 or IPv6 frame. */
static bool device_csum(const struct afpacket *a, const struct ns_pkt *pkt)
{
	uint8_t type[2];
	if (ns_pkt_copy_out(pkt, 12, type, 2) < 0)
		return false;
	return type[0] == 0x86 && type[1] == 0xdd ? a->dev.csum6 : a->dev.csum4;
}

/* Makes pkt fit what the device takes now. A super-segment it cannot
 * segment is split here, the segments put at the front of the queue:
 * returns NULL then (and when the frame is dropped, counted). A checksum
 * it cannot fill in is filled here. */
static struct ns_pkt *fit_device(struct afpacket *a, struct ns_pkt *pkt)
{
	bool csum = device_csum(a, pkt);
	if (pkt->gso_type != NS_GSO_NONE) {
		if (device_tso(a, pkt))
			return pkt;
		struct ns_pkt_queue segs;
		ns_pkt_queue_init(&segs);
		int n = drv_tso_segment(pkt, csum, &segs);
		if (n < 0) {
			ns_pkt_queue_purge(&segs);
			if (n == -ENOMEM)
				a->link.stats.tx_dropped++;
			else
				a->link.stats.tx_errors++;
			return NULL;
		}
		a->sw_gso++;
		if (!csum)
			a->sw_csum += (unsigned)n;
		drv_txq_prepend(&a->link, &segs);
		return NULL;
	}
	if ((pkt->flags & NS_PKT_F_CSUM_PARTIAL) && !csum) {
		if (drv_csum_finalize(pkt) < 0) {
			a->link.stats.tx_errors++;
			ns_pkt_free(pkt);
			return NULL;
		}
		a->sw_csum++;
	}
	return pkt;
}

/* Takes up to DRV_BATCH frames off the queue into messages, fitting each
 * to the device and dropping those whose offload metadata is
 * inconsistent. Returns the count. */
static unsigned build_batch(struct afpacket *a)
{
	struct afp_mmsg *m = a->mmsg;
	unsigned k = 0;
	while (k < DRV_BATCH && a->link.txq.count > 0) {
		struct ns_pkt *pkt =
			fit_device(a, ns_pkt_queue_pop(&a->link.txq));
		if (pkt == NULL)
			continue;
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
		if (e == ENOBUFS && m->tx_batch[0]->gso_type != NS_GSO_NONE &&
		    read_features(a, drv_monotonic_ns()) &&
		    !device_tso(a, m->tx_batch[0])) {
			/* The device lost TSO since the last look: the
			 * direct transmit dropped the super-segment
			 * (validate_xmit_skb would have had to segment
			 * it). It and the rest go again, split. */
			drv_txq_unshift(link, m->tx_batch, k);
			continue;
		}
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

static uint64_t mmsg_next_deadline(const struct drv_link *link)
{
	const struct afpacket *a = (const struct afpacket *)link;
	return a->feat_known ? a->feat_read_ns + AFP_FEATURE_RECHECK_NS
			     : DRV_NO_DEADLINE;
}

static uint64_t mmsg_timers(struct drv_link *link, uint64_t now_ns)
{
	struct afpacket *a = (struct afpacket *)link;
	if (a->feat_known && now_ns - a->feat_read_ns >= AFP_FEATURE_RECHECK_NS)
		read_features(a, now_ns);
	return mmsg_next_deadline(link);
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
	.timers = mmsg_timers,
	.next_deadline = mmsg_next_deadline,
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
	/* A device whose features cannot be read is taken to have no
	 * transmit offloads: the stack computes and segments everything. */
	snprintf(a->iface, sizeof(a->iface), "%s", cfg->iface);
	a->feat_known =
		drv_featmap_init(a->link.fd, a->iface, &a->featmap) == 0 &&
		drv_txfeat_read(a->link.fd, a->iface, &a->featmap, &a->dev) ==
			0;
	if (!a->feat_known)
		memset(&a->dev, 0, sizeof(a->dev));
	a->feat_read_ns = drv_monotonic_ns();
	a->link.info.caps = NS_LINK_CAP_RX_CSUM | NS_LINK_CAP_RX_GRO;
	if (a->dev.csum4 || a->dev.csum6)
		a->link.info.caps |= NS_LINK_CAP_TX_CSUM;
	/* link.h: TSO implies checksum offload. */
	if ((a->dev.tso4 || a->dev.tso6) &&
	    (a->link.info.caps & NS_LINK_CAP_TX_CSUM))
		a->link.info.caps |= NS_LINK_CAP_TSO;
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
