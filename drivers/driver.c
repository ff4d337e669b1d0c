/* The generic half of every link: dispatch through the driver's class,
 * the transmit queue of base drivers, counters by name. */
#include "drv_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int link_ops_xmit(void *ctx, struct ns_pkt *pkt)
{
	return drv_xmit(ctx, pkt);
}

static void link_ops_flush(void *ctx)
{
	/* Frames left queued are the owner's to push on EPOLLOUT. */
	(void)drv_flush(ctx);
}

const struct ns_link_ops drv_ns_link_ops = {
	.xmit = link_ops_xmit,
	.flush = link_ops_flush,
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t drv_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t drv_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void drv_link_init(struct drv_link *link, const struct drv_class *cls,
		   const char *name)
{
	link->cls = cls;
	snprintf(link->name, sizeof(link->name), "%s", name);
	link->info.name = link->name;
	link->fd = -1;
	link->inner = NULL;
	memset(&link->stats, 0, sizeof(link->stats));
	ns_pkt_queue_init(&link->txq);
	link->txq_limit = DRV_DEFAULT_TXQ;
}

int drv_txq_push(struct drv_link *link, struct ns_pkt *pkt)
{
	if (link->txq.count >= link->txq_limit) {
		link->stats.tx_dropped++;
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	ns_pkt_queue_push(&link->txq, pkt);
	return 0;
}

void drv_txq_unshift(struct drv_link *link, struct ns_pkt **pkts, unsigned n)
{
	struct ns_pkt_queue *q = &link->txq;
	for (unsigned i = n; i-- > 0;) {
		pkts[i]->next = q->first;
		q->first = pkts[i];
		if (q->last == NULL)
			q->last = pkts[i];
		q->count++;
		q->bytes += pkts[i]->len;
	}
}

void drv_txq_prepend(struct drv_link *link, struct ns_pkt_queue *front)
{
	struct ns_pkt_queue *q = &link->txq;
	if (front->count == 0)
		return;
	front->last->next = q->first;
	if (q->last == NULL)
		q->last = front->last;
	q->first = front->first;
	q->count += front->count;
	q->bytes += front->bytes;
	ns_pkt_queue_init(front);
}

bool drv_eth_frame_fits(const struct drv_link *link, const struct ns_pkt *pkt)
{
	if (pkt->len < DRV_ETH_HLEN)
		return false;
	if (pkt->gso_type != NS_GSO_NONE)
		return (link->info.caps & NS_LINK_CAP_TSO) &&
		       pkt->len <=
			       NS_LINK_GSO_MAX + DRV_ETH_HLEN + DRV_VLAN_HLEN;
	return pkt->len <= link->info.mtu + DRV_ETH_HLEN + DRV_VLAN_HLEN;
}

void drv_eth_classify(struct ns_pkt *pkt, const uint8_t mac[DRV_ETH_ALEN])
{
	static const uint8_t bcast[DRV_ETH_ALEN] = { 0xff, 0xff, 0xff,
						     0xff, 0xff, 0xff };
	const uint8_t *dst = pkt->data;
	if (memcmp(dst, bcast, DRV_ETH_ALEN) == 0)
		pkt->flags |= NS_PKT_F_LINK_BCAST;
	else if (dst[0] & 1) /* IEEE 802-2014 8.2: the group address bit */
		pkt->flags |= NS_PKT_F_LINK_MCAST;
	else if (memcmp(dst, mac, DRV_ETH_ALEN) != 0)
		pkt->flags |= NS_PKT_F_OTHERHOST;
}

const struct ns_link_info *drv_info(const struct drv_link *link)
{
	return &link->info;
}

const char *drv_kind(const struct drv_link *link)
{
	return link->cls->kind;
}

int drv_fd(const struct drv_link *link)
{
	return link->fd;
}

int drv_rx_burst(struct drv_link *link, struct ns_pkt **pkts, unsigned max)
{
	if (max == 0)
		return 0;
	return link->cls->rx_burst(link, pkts, max);
}

int drv_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	return link->cls->xmit(link, pkt);
}

int drv_flush(struct drv_link *link)
{
	return link->cls->flush ? link->cls->flush(link) : 0;
}

unsigned drv_tx_pending(const struct drv_link *link)
{
	return link->cls->tx_pending ? link->cls->tx_pending(link)
				     : link->txq.count;
}

uint64_t drv_timers(struct drv_link *link, uint64_t now_ns)
{
	uint64_t next = DRV_NO_DEADLINE;
	for (; link; link = link->inner)
		if (link->cls->timers)
			next = drv_min_deadline(
				next, link->cls->timers(link, now_ns));
	return next;
}

uint64_t drv_next_deadline(const struct drv_link *link)
{
	uint64_t next = DRV_NO_DEADLINE;
	for (; link; link = link->inner)
		if (link->cls->next_deadline)
			next = drv_min_deadline(next,
						link->cls->next_deadline(link));
	return next;
}

void drv_close(struct drv_link *link)
{
	while (link) {
		struct drv_link *inner = link->inner;
		ns_pkt_queue_purge(&link->txq);
		link->cls->destroy(link);
		link = inner;
	}
}

static const struct drv_counter_desc device_counters[] = {
	DRV_COUNTER("rx_packets", struct drv_link, stats.rx_packets),
	DRV_COUNTER("rx_bytes", struct drv_link, stats.rx_bytes),
	DRV_COUNTER("rx_dropped", struct drv_link, stats.rx_dropped),
	DRV_COUNTER("rx_errors", struct drv_link, stats.rx_errors),
	DRV_COUNTER("tx_packets", struct drv_link, stats.tx_packets),
	DRV_COUNTER("tx_bytes", struct drv_link, stats.tx_bytes),
	DRV_COUNTER("tx_dropped", struct drv_link, stats.tx_dropped),
	DRV_COUNTER("tx_errors", struct drv_link, stats.tx_errors),
};

static uint64_t counter_value(const struct drv_link *link,
			      const struct drv_counter_desc *d)
{
	uint64_t v;
	memcpy(&v, (const char *)link + d->offset, sizeof(v));
	return v;
}

/* Calls fn for each counter of one link (not its inner links); stops and
 * returns 1 when fn returns non-zero. */
static int each_own_counter(struct drv_link *link,
			    int (*fn)(const char *name, uint64_t value,
				      void *arg),
			    void *arg)
{
	if (link->cls->sync_counters)
		link->cls->sync_counters(link);
	for (unsigned i = 0; i < link->cls->ncounters; i++) {
		const struct drv_counter_desc *d = &link->cls->counters[i];
		if (fn(d->name, counter_value(link, d), arg))
			return 1;
	}
	if (link->inner == NULL) {
		for (size_t i = 0;
		     i < sizeof(device_counters) / sizeof(device_counters[0]);
		     i++) {
			const struct drv_counter_desc *d = &device_counters[i];
			if (fn(d->name, counter_value(link, d), arg))
				return 1;
		}
	}
	return 0;
}

struct counter_lookup {
	const char *name;
	uint64_t value;
};

static int match_counter(const char *name, uint64_t value, void *arg)
{
	struct counter_lookup *l = arg;
	if (strcmp(name, l->name) != 0)
		return 0;
	l->value = value;
	return 1;
}

int drv_counter(struct drv_link *link, const char *name, uint64_t *value)
{
	struct counter_lookup l = { name, 0 };
	for (; link; link = link->inner) {
		if (each_own_counter(link, match_counter, &l)) {
			*value = l.value;
			return 0;
		}
	}
	return -ENOENT;
}

struct counter_visit {
	drv_counter_fn fn;
	void *arg;
};

static int visit_counter(const char *name, uint64_t value, void *arg)
{
	struct counter_visit *v = arg;
	v->fn(name, value, v->arg);
	return 0;
}

void drv_counters_foreach(struct drv_link *link, drv_counter_fn fn, void *arg)
{
	struct counter_visit v = { fn, arg };
	for (; link; link = link->inner)
		each_own_counter(link, visit_counter, &v);
}
