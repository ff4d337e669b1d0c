/* The fault-injecting wrapper: one engine per direction between the owner
 * and the wrapped link. */
#include "drivers/fault.h"

#include <errno.h>
#include <stdlib.h>

#include "drv_impl.h"

/* Engine statistics of one direction, copied out for the counters. */
struct dir_counters {
	uint64_t dropped;
	uint64_t duplicated;
	uint64_t corrupted;
	uint64_t delayed;
	uint64_t reordered;
	uint64_t overflow;
	uint64_t nomem;
};

struct fault_link {
	struct drv_link link;
	struct drv_fault *tx; /* NULL when the direction is not faulted */
	struct drv_fault *rx;
	struct drv_clock clock;
	/* Received frames the engine let through, waiting for the owner's
	 * next drv_rx_burst(). */
	struct ns_pkt_queue rx_ready;
	struct dir_counters fault_tx;
	struct dir_counters fault_rx;
};

static uint64_t now(struct fault_link *fl)
{
	return drv_clock_now(&fl->clock);
}

/* Sends frames the transmit engine let through. Returns 0 or the first
 * error of the wrapped link (each frame is consumed either way). */
static int send_all(struct fault_link *fl, struct ns_pkt_queue *q)
{
	int first_error = 0;
	struct ns_pkt *pkt;
	while ((pkt = ns_pkt_queue_pop(q)) != NULL) {
		int r = drv_xmit(fl->link.inner, pkt);
		if (r < 0 && first_error == 0)
			first_error = r;
	}
	return first_error;
}

static int fault_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	struct fault_link *fl = (struct fault_link *)link;
	if (fl->tx == NULL)
		return drv_xmit(link->inner, pkt);
	struct ns_pkt_queue q;
	ns_pkt_queue_init(&q);
	uint64_t t = now(fl);
	/* Frames due earlier leave before this one. */
	drv_fault_release(fl->tx, t, &q);
	drv_fault_input(fl->tx, pkt, t, &q);
	/* A frame the engine dropped is lost on the wire: the sender did
	 * its part, as with netem. */
	return send_all(fl, &q);
}

static int fault_flush(struct drv_link *link)
{
	return drv_flush(link->inner);
}

static unsigned fault_tx_pending(const struct drv_link *link)
{
	return drv_tx_pending(link->inner);
}

static int fault_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			  unsigned max)
{
	struct fault_link *fl = (struct fault_link *)link;
	if (fl->rx == NULL)
		return drv_rx_burst(link->inner, pkts, max);
	unsigned n = 0, calls = 0;
	for (;;) {
		struct ns_pkt *pkt;
		while (n < max && (pkt = ns_pkt_queue_pop(&fl->rx_ready)))
			pkts[n++] = pkt;
		/* Keep pulling while the engine swallows everything, so 0
		 * means the wrapped link is empty too; the call count bounds
		 * the work when it swallows a flood (drop = 1). */
		if (n == max || calls++ == DRV_BATCH)
			break;
		struct ns_pkt *in[DRV_BATCH];
		int got =
			drv_rx_burst(link->inner, in,
				     max - n < DRV_BATCH ? max - n : DRV_BATCH);
		if (got <= 0) {
			if (got < 0 && n == 0)
				return got;
			break;
		}
		uint64_t t = now(fl);
		for (int i = 0; i < got; i++)
			drv_fault_input(fl->rx, in[i], t, &fl->rx_ready);
	}
	return (int)n;
}

static uint64_t fault_timers(struct drv_link *link, uint64_t now_ns)
{
	struct fault_link *fl = (struct fault_link *)link;
	uint64_t next = DRV_NO_DEADLINE;
	if (fl->tx) {
		struct ns_pkt_queue q;
		ns_pkt_queue_init(&q);
		next = drv_fault_release(fl->tx, now_ns, &q);
		if (q.count > 0) {
			(void)send_all(fl, &q);
			(void)drv_flush(link->inner);
		}
	}
	if (fl->rx)
		next = drv_min_deadline(
			next, drv_fault_release(fl->rx, now_ns, &fl->rx_ready));
	return next;
}

static uint64_t fault_next_deadline(const struct drv_link *link)
{
	const struct fault_link *fl = (const struct fault_link *)link;
	/* Released frames are the owner's to take now. */
	if (fl->rx_ready.count > 0)
		return 0;
	uint64_t next = fl->tx ? drv_fault_next_due(fl->tx) : DRV_NO_DEADLINE;
	if (fl->rx)
		next = drv_min_deadline(next, drv_fault_next_due(fl->rx));
	return next;
}

static void copy_stats(struct dir_counters *c, const struct drv_fault *f)
{
	if (f == NULL)
		return;
	const struct drv_fault_stats *s = drv_fault_stats(f);
	*c = (struct dir_counters){ s->dropped, s->duplicated, s->corrupted,
				    s->delayed, s->reordered,  s->overflow,
				    s->nomem };
}

static void fault_sync_counters(struct drv_link *link)
{
	struct fault_link *fl = (struct fault_link *)link;
	copy_stats(&fl->fault_tx, fl->tx);
	copy_stats(&fl->fault_rx, fl->rx);
}

static void fault_destroy(struct drv_link *link)
{
	struct fault_link *fl = (struct fault_link *)link;
	drv_fault_free(fl->tx);
	drv_fault_free(fl->rx);
	ns_pkt_queue_purge(&fl->rx_ready);
	free(fl);
}

/* "fault_tx_dropped" and so on. */
#define DIR_COUNTERS(dir)                                                     \
	DRV_COUNTER(#dir "_dropped", struct fault_link, dir.dropped),         \
		DRV_COUNTER(#dir "_duplicated", struct fault_link,            \
			    dir.duplicated),                                  \
		DRV_COUNTER(#dir "_corrupted", struct fault_link,             \
			    dir.corrupted),                                   \
		DRV_COUNTER(#dir "_delayed", struct fault_link, dir.delayed), \
		DRV_COUNTER(#dir "_reordered", struct fault_link,             \
			    dir.reordered),                                   \
		DRV_COUNTER(#dir "_overflow", struct fault_link,              \
			    dir.overflow),                                    \
		DRV_COUNTER(#dir "_nomem", struct fault_link, dir.nomem)

static const struct drv_counter_desc fault_counters[] = {
	DIR_COUNTERS(fault_tx),
	DIR_COUNTERS(fault_rx),
};

static const struct drv_class fault_class = {
	.kind = "fault",
	.rx_burst = fault_rx_burst,
	.xmit = fault_xmit,
	.flush = fault_flush,
	.tx_pending = fault_tx_pending,
	.timers = fault_timers,
	.next_deadline = fault_next_deadline,
	.sync_counters = fault_sync_counters,
	.destroy = fault_destroy,
	.counters = fault_counters,
	.ncounters = sizeof(fault_counters) / sizeof(fault_counters[0]),
};

int drv_fault_wrap(struct drv_link *inner,
		   const struct drv_fault_link_config *cfg,
		   struct drv_link **out, struct rs_error **err)
{
	if (cfg->dir != DRV_FAULT_BOTH && cfg->dir != DRV_FAULT_TX &&
	    cfg->dir != DRV_FAULT_RX)
		return rs_error_set(err, EINVAL, "fault: unknown direction");
	struct fault_link *fl = calloc(1, sizeof(*fl));
	if (fl == NULL)
		return rs_error_set(err, ENOMEM, "fault: allocating the link");
	drv_link_init(&fl->link, &fault_class, drv_info(inner)->name);
	ns_pkt_queue_init(&fl->rx_ready);
	fl->clock = cfg->clock;
	int r = 0;
	if (cfg->dir != DRV_FAULT_RX)
		r = drv_fault_new(&cfg->fault, &fl->tx);
	if (r == 0 && cfg->dir != DRV_FAULT_TX) {
		struct drv_fault_config rx_cfg = cfg->fault;
		rx_cfg.seed++;
		r = drv_fault_new(&rx_cfg, &fl->rx);
	}
	if (r < 0) {
		drv_fault_free(fl->tx);
		free(fl);
		return rs_error_set(err, -r,
				    r == -EINVAL
					    ? "fault: rates must lie in [0, 1]"
					    : "fault: creating the engine");
	}
	fl->link.info = *drv_info(inner);
	fl->link.info.name = fl->link.name;
	fl->link.info.caps &= ~(uint32_t)NS_LINK_CAP_TSO;
	if (cfg->fault.corrupt > 0)
		fl->link.info.caps &=
			~(uint32_t)(NS_LINK_CAP_TX_CSUM | NS_LINK_CAP_TRUSTED);
	fl->link.fd = drv_fd(inner);
	fl->link.inner = inner;
	*out = &fl->link;
	return 0;
}
