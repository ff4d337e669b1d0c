/* The pcap sniffer wrapper (drivers/pcap.h): decides what to record and
 * counts it; the writer (capwriter.h) writes the stream, alone for
 * drv_pcap_wrap() or shared by the netstack host's NICs. */
#include "drivers/pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>

#include "capwriter.h"
#include "drv_impl.h"

struct pcap_link {
	struct drv_link link;
	struct capwriter *w; /* one reference */
	enum capwriter_form form;
	uint64_t frames;
	uint64_t filtered;
	uint64_t dropped;
	uint64_t write_errors; /* the writer's, copied when read */
};

static void record(struct pcap_link *pl, const struct ns_pkt *pkt)
{
	switch (capwriter_record(pl->w, pkt, pl->form)) {
	case CAPW_RECORDED:
		pl->frames++;
		break;
	case CAPW_FILTERED:
		pl->filtered++;
		break;
	case CAPW_DROPPED:
		pl->dropped++;
		break;
	case CAPW_STOPPED:
		break; /* counted once, in write_errors */
	}
}

static int pcap_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	record((struct pcap_link *)link, pkt);
	return drv_xmit(link->inner, pkt);
}

static int pcap_flush(struct drv_link *link)
{
	capwriter_poll(((struct pcap_link *)link)->w);
	return drv_flush(link->inner);
}

static unsigned pcap_tx_pending(const struct drv_link *link)
{
	return drv_tx_pending(link->inner);
}

static int pcap_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			 unsigned max)
{
	struct pcap_link *pl = (struct pcap_link *)link;
	int n = drv_rx_burst(link->inner, pkts, max);
	for (int i = 0; i < n; i++)
		record(pl, pkts[i]);
	if (n > 0)
		capwriter_poll(pl->w);
	return n;
}

static uint64_t pcap_next_deadline(const struct drv_link *link)
{
	return capwriter_next_deadline(((const struct pcap_link *)link)->w);
}

static uint64_t pcap_timers(struct drv_link *link, uint64_t now_ns)
{
	return capwriter_timers(((struct pcap_link *)link)->w, now_ns);
}

static void pcap_sync_counters(struct drv_link *link)
{
	struct pcap_link *pl = (struct pcap_link *)link;
	pl->write_errors = capwriter_write_errors(pl->w);
}

static void pcap_destroy(struct drv_link *link)
{
	struct pcap_link *pl = (struct pcap_link *)link;
	capwriter_unref(pl->w);
	free(pl);
}

static const struct drv_counter_desc pcap_counters[] = {
	DRV_COUNTER("pcap_frames", struct pcap_link, frames),
	DRV_COUNTER("pcap_filtered", struct pcap_link, filtered),
	DRV_COUNTER("pcap_dropped", struct pcap_link, dropped),
	DRV_COUNTER("pcap_write_errors", struct pcap_link, write_errors),
};

static const struct drv_class pcap_class = {
	.kind = "pcap",
	.rx_burst = pcap_rx_burst,
	.xmit = pcap_xmit,
	.flush = pcap_flush,
	.tx_pending = pcap_tx_pending,
	.timers = pcap_timers,
	.next_deadline = pcap_next_deadline,
	.sync_counters = pcap_sync_counters,
	.destroy = pcap_destroy,
	.counters = pcap_counters,
	.ncounters = sizeof(pcap_counters) / sizeof(pcap_counters[0]),
};

int drv_pcap_wrap_writer(struct drv_link *inner, struct capwriter *w,
			 struct drv_link **out, struct rs_error **err)
{
	bool ip = drv_info(inner)->type == NS_LINK_IP;
	bool eth = capwriter_linktype(w) == DLT_EN10MB;
	if (!eth && !ip)
		return rs_error_set(err, EINVAL,
				    "pcap: link `%s` does not fit the capture",
				    drv_info(inner)->name);
	struct pcap_link *pl = calloc(1, sizeof(*pl));
	if (pl == NULL)
		return rs_error_set(err, ENOMEM, "pcap: allocating the link");
	drv_link_init(&pl->link, &pcap_class, drv_info(inner)->name);
	capwriter_ref(w);
	pl->w = w;
	pl->form = ip && eth ? CAPW_IP_IN_ETH : CAPW_FRAME;
	pl->link.info = *drv_info(inner);
	pl->link.info.name = pl->link.name;
	pl->link.fd = drv_fd(inner);
	pl->link.inner = inner;
	*out = &pl->link;
	return 0;
}

int drv_pcap_wrap(struct drv_link *inner, const struct drv_pcap_config *cfg,
		  struct drv_link **out, struct rs_error **err)
{
	int linktype =
		drv_info(inner)->type == NS_LINK_IP ? DLT_RAW : DLT_EN10MB;
	struct capwriter *w;
	int r = capwriter_open(cfg, linktype, &w, err);
	if (r < 0)
		return r;
	r = drv_pcap_wrap_writer(inner, w, out, err);
	/* The wrapper holds its own reference. */
	capwriter_unref(w);
	return r;
}
