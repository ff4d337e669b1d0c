/* Loopback and pipe pair: endpoints whose xmit queues the packet itself on
 * the peer's receive queue (the peer is the endpoint itself for loopback).
 * Ownership moves with the packet; shared fragments stay shared. */
#include "drivers/memlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common.h"
#include "drv_impl.h"
#include "offload.h"

struct memlink {
	struct drv_link link;
	/* The receiving endpoint of our frames: ourselves for loopback,
	 * NULL once a pipe's peer has been closed. */
	struct memlink *peer;
	struct ns_pkt_queue rxq;
	uint32_t rxq_limit;
	bool trusted;
};

/* The eventfd is readable exactly while rxq is non-empty: it is written on
 * the empty -> non-empty transition and drained when rxq empties, so a
 * busy link costs two syscalls per drain, not two per frame. */
static void rx_signal(struct memlink *m)
{
	uint64_t one = 1;
	if (write(m->link.fd, &one, sizeof(one)) < 0) {
		/* Cannot fail: the counter never nears its limit. */
	}
}

static void rx_unsignal(struct memlink *m)
{
	uint64_t count;
	if (read(m->link.fd, &count, sizeof(count)) < 0) {
		/* EAGAIN: nothing was signalled. */
	}
}

/* Largest frame the link carries: MTU plus the link header (and a VLAN
 * tag) unless GSO lets a super-segment through. */
static uint32_t max_frame(const struct drv_link *link, const struct ns_pkt *pkt)
{
	uint32_t hdr = link->info.type == NS_LINK_ETHERNET
			       ? DRV_ETH_HLEN + DRV_VLAN_HLEN
			       : 0;
	if (pkt->gso_type != NS_GSO_NONE)
		return NS_LINK_GSO_MAX + hdr;
	return link->info.mtu + hdr;
}

static int check_frame(struct memlink *m, struct ns_pkt *pkt)
{
	const struct drv_link *link = &m->link;
	uint32_t min = link->info.type == NS_LINK_ETHERNET ? DRV_ETH_HLEN : 1;
	if (pkt->len < min || pkt->len > max_frame(link, pkt))
		return -EINVAL;
	if (pkt->gso_type != NS_GSO_NONE &&
	    !(link->info.caps & NS_LINK_CAP_TSO))
		return -EINVAL;
	if (!m->trusted)
		return drv_csum_finalize(pkt);
	return 0;
}

/* Prepares a packet for the receiving side: receive metadata replaces the
 * sender's. */
static int receive_meta(struct memlink *to, struct ns_pkt *pkt)
{
	pkt->flags &= (uint16_t) ~(NS_PKT_F_CSUM_PARTIAL | NS_PKT_F_OTHERHOST |
				   NS_PKT_F_LINK_BCAST | NS_PKT_F_LINK_MCAST);
	if (to->trusted)
		pkt->flags |= NS_PKT_F_CSUM_VALID;
	else
		pkt->flags &= (uint16_t)~NS_PKT_F_CSUM_VALID;
	pkt->ifindex = 0;
	pkt->l2_len = 0;
	pkt->tstamp_ns = drv_realtime_ns();
	if (to->link.info.type == NS_LINK_ETHERNET) {
		if (ns_pkt_pullup(pkt, DRV_ETH_HLEN) == NULL)
			return -EINVAL;
		drv_eth_classify(pkt, to->link.info.mac);
	}
	return 0;
}

static int memlink_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	struct memlink *m = (struct memlink *)link;
	int r = check_frame(m, pkt);
	if (r == 0 && m->peer == NULL)
		r = -EIO;
	if (r == 0)
		r = receive_meta(m->peer, pkt);
	if (r < 0) {
		link->stats.tx_errors++;
		ns_pkt_free(pkt);
		return r;
	}
	uint32_t len = pkt->len;
	link->stats.tx_packets++;
	link->stats.tx_bytes += len;
	struct memlink *to = m->peer;
	if (to->rxq.count >= to->rxq_limit) {
		/* Lost on the wire: the sender did its part. */
		to->link.stats.rx_dropped++;
		ns_pkt_free(pkt);
		return 0;
	}
	ns_pkt_queue_push(&to->rxq, pkt);
	to->link.stats.rx_packets++;
	to->link.stats.rx_bytes += len;
	if (to->rxq.count == 1)
		rx_signal(to);
	return 0;
}

static int memlink_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			    unsigned max)
{
	struct memlink *m = (struct memlink *)link;
	unsigned n = 0;
	while (n < max && m->rxq.count > 0)
		pkts[n++] = ns_pkt_queue_pop(&m->rxq);
	if (n > 0 && m->rxq.count == 0)
		rx_unsignal(m);
	return (int)n;
}

static void memlink_destroy(struct drv_link *link)
{
	struct memlink *m = (struct memlink *)link;
	if (m->peer && m->peer != m)
		m->peer->peer = NULL;
	ns_pkt_queue_purge(&m->rxq);
	close(link->fd);
	free(m);
}

static const struct drv_class pipe_class = {
	.kind = "pipe",
	.rx_burst = memlink_rx_burst,
	.xmit = memlink_xmit,
	.destroy = memlink_destroy,
};

static const struct drv_class loopback_class = {
	.kind = "loopback",
	.rx_burst = memlink_rx_burst,
	.xmit = memlink_xmit,
	.destroy = memlink_destroy,
};

static struct memlink *memlink_new(const struct drv_class *cls,
				   const char *name, uint32_t queue_len,
				   struct rs_error **err)
{
	struct memlink *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		rs_error_set(err, ENOMEM, "%s: allocating the link", name);
		return NULL;
	}
	drv_link_init(&m->link, cls, name);
	ns_pkt_queue_init(&m->rxq);
	m->rxq_limit = queue_len ? queue_len : DRV_DEFAULT_TXQ;
	m->link.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->link.fd < 0) {
		rs_error_set(err, errno, "%s: eventfd", name);
		free(m);
		return NULL;
	}
	return m;
}

static void set_mac(struct memlink *m, const uint8_t mac[6], uint8_t last)
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0, 0 };
	memcpy(m->link.info.mac, drv_mac_is_zero(mac) ? base : mac, 6);
	if (drv_mac_is_zero(mac))
		m->link.info.mac[5] = last;
}

static int check_mtu(uint32_t mtu, const char *what, struct rs_error **err)
{
	if (mtu < DRV_MIN_MTU || mtu > NS_LINK_GSO_MAX + 1)
		return rs_error_set(err, EINVAL,
				    "%s: MTU %u out of range (%u..%u)", what,
				    mtu, DRV_MIN_MTU, NS_LINK_GSO_MAX + 1);
	return 0;
}

int drv_pipe_pair(const struct drv_pipe_config *cfg, struct drv_link **a,
		  struct drv_link **b, struct rs_error **err)
{
	uint32_t mtu = cfg->mtu ? cfg->mtu : DRV_DEFAULT_MTU;
	if (check_mtu(mtu, "pipe", err) < 0)
		return -EINVAL;
	struct memlink *ea =
		memlink_new(&pipe_class, "pipe-a", cfg->queue_len, err);
	if (ea == NULL)
		return -ENOMEM;
	struct memlink *eb =
		memlink_new(&pipe_class, "pipe-b", cfg->queue_len, err);
	if (eb == NULL) {
		drv_close(&ea->link);
		return -ENOMEM;
	}
	uint32_t caps = 0;
	if (cfg->trusted)
		caps |= NS_LINK_CAP_TRUSTED | NS_LINK_CAP_TX_CSUM |
			NS_LINK_CAP_RX_CSUM;
	if (cfg->gso)
		caps |= NS_LINK_CAP_TSO | NS_LINK_CAP_RX_GRO |
			NS_LINK_CAP_TX_CSUM;
	struct memlink *ends[2] = { ea, eb };
	for (int i = 0; i < 2; i++) {
		struct memlink *m = ends[i];
		m->peer = ends[1 - i];
		m->trusted = cfg->trusted;
		m->link.info.type = NS_LINK_ETHERNET;
		m->link.info.mtu = mtu;
		m->link.info.caps = caps;
	}
	set_mac(ea, cfg->mac_a, 0x0a);
	set_mac(eb, cfg->mac_b, 0x0b);
	*a = &ea->link;
	*b = &eb->link;
	return 0;
}

int drv_loopback_open(const struct drv_loopback_config *cfg,
		      struct drv_link **out, struct rs_error **err)
{
	uint32_t mtu = cfg->mtu ? cfg->mtu : NS_LINK_GSO_MAX + 1;
	if (check_mtu(mtu, "loopback", err) < 0)
		return -EINVAL;
	if (cfg->type != NS_LINK_IP && cfg->type != NS_LINK_ETHERNET)
		return rs_error_set(err, EINVAL, "loopback: unknown link type");
	struct memlink *m =
		memlink_new(&loopback_class, "lo", cfg->queue_len, err);
	if (m == NULL)
		return -ENOMEM;
	m->peer = m;
	m->trusted = true;
	m->link.info.type = cfg->type;
	m->link.info.mtu = mtu;
	m->link.info.caps = NS_LINK_CAP_TRUSTED | NS_LINK_CAP_TX_CSUM |
			    NS_LINK_CAP_RX_CSUM | NS_LINK_CAP_TSO |
			    NS_LINK_CAP_RX_GRO;
	if (cfg->type == NS_LINK_ETHERNET)
		set_mac(m, cfg->mac, 0x01);
	*out = &m->link;
	return 0;
}
