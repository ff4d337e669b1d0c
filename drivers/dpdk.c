/* The DPDK link (drivers/dpdk.h): one port, one rx and one tx queue,
 * driven from the owner's event loop.
 *
 * Transmit choice (tx=copy by default). perf/net-bench.sh, nsd to nsd
 * over net_memif on this 2-vCPU VM, MTU 1500, download of 1 GiB: copy
 * and extbuf moved the same bytes per CPU-second within noise (memif's
 * PMD copies every frame into its shared ring either way, as
 * net_af_packet copies into its TPACKET ring and net_tap into the
 * kernel), while extbuf costs two mbufs and a reference per frame and
 * keeps the TCP send buffer's chunks pinned until the PMD lets go. Copy
 * it is; extbuf stays for PMDs that DMA from host memory (a real NIC),
 * where the saved copy is the whole point. */
#include <errno.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"
#include "dpdk_impl.h"
#include "segment.h"
#include "offload.h"

#define BURST	       32
#define DEFAULT_RING   1024
#define DEFAULT_BUDGET 50000u	/* ns of busy polling after activity */
#define DEFAULT_SLEEP  500000u	/* ns, hybrid's longest sleep */
#define SLEEP_MIN      20000u	/* ns, hybrid's first sleep */
#define INTR_SAFETY    10000000 /* ns: a poll even with the interrupt */
#define LINK_CHECK_NS  250000000u
/* While down, sending looks again at most this often. */
#define LINK_RECHECK_NS 1000000u
#define TX_RETRY_NS	20000u
#define MIN_POOL	8191
#define FRAME_OVERHEAD	(DRV_ETH_HLEN + DRV_VLAN_HLEN)

static const struct drv_class dpdk_class;

static struct dpdk_link *dpdk_of(struct drv_link *link)
{
	return (struct dpdk_link *)link;
}

static void check_link(struct dpdk_link *d, uint64_t now);

/* ---- Polling --------------------------------------------------------- */

static void active(struct dpdk_link *d, uint64_t now)
{
	d->last_active = now;
	d->next_poll = 0;
	d->sleep_ns = SLEEP_MIN;
}

static void disarm(struct dpdk_link *d)
{
	if (!d->intr_armed)
		return;
	struct rte_epoll_event ev[4];
	/* Consumes the interrupt's event (reads its eventfd, as EAL's
	 * own wait does). */
	(void)rte_epoll_wait(d->epfd, ev, 4, 0);
	(void)rte_eth_dev_rx_intr_disable(d->port, 0);
	d->intr_armed = false;
	d->intr_wakeups++;
}

/* Nothing came: poll again soon, sleep, or wait for the interrupt. */
static void idle(struct dpdk_link *d, uint64_t now)
{
	d->polls_idle++;
	if (d->poll == DRV_DPDK_POLL_BUSY ||
	    now - d->last_active < d->budget_ns) {
		d->next_poll = 0;
		return;
	}
	if (d->poll == DRV_DPDK_POLL_HYBRID) {
		d->next_poll = now + d->sleep_ns;
		d->sleep_ns = d->sleep_ns * 2 < d->sleep_max_ns
				      ? d->sleep_ns * 2
				      : d->sleep_max_ns;
		return;
	}
	/* -ENOTSUP: the PMD's interrupt fd is level-triggered and always
	 * on (net_tap's queue fd). Frames that came between the last poll
	 * and the enable raise no eventfd on some PMDs: the safety poll
	 * picks them up, as DPDK's l3fwd-power does with its timeout. */
	(void)rte_eth_dev_rx_intr_enable(d->port, 0);
	d->intr_armed = true;
	d->next_poll = now + INTR_SAFETY;
}

/* ---- Receive ---------------------------------------------------------- */

static void classify(struct ns_pkt *pkt, const uint8_t *hdr, const uint8_t *mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (memcmp(hdr, bcast, 6) == 0)
		pkt->flags |= NS_PKT_F_LINK_BCAST;
	else if (hdr[0] & 1) /* IEEE 802-2014 8.2: the group address bit */
		pkt->flags |= NS_PKT_F_LINK_MCAST;
	else if (memcmp(hdr, mac, 6) != 0)
		pkt->flags |= NS_PKT_F_OTHERHOST;
}

static struct ns_pkt *take(struct dpdk_link *d, struct rte_mbuf *m,
			   bool zerocopy, uint64_t tstamp)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint64_t ol = m->ol_flags;
	uint16_t segsz = m->tso_segsz;
	uint8_t hdr[64];
	uint32_t hlen = len < sizeof(hdr) ? len : sizeof(hdr);
	const uint8_t *h = rte_pktmbuf_read(m, 0, hlen, hdr);
	bool lro = d->off.rx_lro && (ol & RTE_MBUF_F_RX_LRO);
	if (len < DRV_ETH_HLEN || h == NULL ||
	    (len > d->link.info.mtu + FRAME_OVERHEAD && !lro) ||
	    len > DRV_GSO_SPILL_LEN) {
		d->link.stats.rx_errors++;
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (h != hdr)
		memcpy(hdr, h, hlen);
	bool copied;
	struct ns_pkt *pkt =
		dpdk_mbuf_to_pkt(m, zerocopy ? d->rx_pool : NULL, &copied);
	if (pkt == NULL) {
		d->link.stats.rx_dropped++;
		return NULL;
	}
	if (copied)
		d->rx_copied++;
	else
		d->rx_zerocopy++;
	if (dpdk_rx_meta(ol, segsz, hdr, hlen, &d->off, pkt) < 0) {
		d->link.stats.rx_errors++;
		ns_pkt_free(pkt);
		return NULL;
	}
	classify(pkt, hdr, d->link.info.mac);
	pkt->tstamp_ns = tstamp;
	return pkt;
}

static int dpdk_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			 unsigned max)
{
	struct dpdk_link *d = dpdk_of(link);
	if (!d->up && !d->down_reported) {
		d->down_reported = true;
		return -ENETDOWN;
	}
	disarm(d);
	struct rte_mbuf *mbufs[BURST];
	uint16_t want = max < BURST ? (uint16_t)max : BURST;
	uint16_t n = rte_eth_rx_burst(d->port, 0, mbufs, want);
	uint64_t now = drv_monotonic_ns();
	if (n == 0) {
		idle(d, now);
		return 0;
	}
	active(d, now);
	if (!d->up)
		check_link(d, now); /* frames come: it is up by now */
	/* Sockets hold on to received data: copy while the pool is low, so
	 * that the port always has buffers to receive into. */
	bool zerocopy = rte_mempool_avail_count(d->rx_pool->mp) >= d->low_water;
	uint64_t tstamp = drv_realtime_ns();
	unsigned k = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct ns_pkt *pkt = take(d, mbufs[i], zerocopy, tstamp);
		if (pkt == NULL)
			continue;
		link->stats.rx_packets++;
		link->stats.rx_bytes += pkt->len;
		pkts[k++] = pkt;
	}
	return (int)k;
}

/* ---- Transmit --------------------------------------------------------- */

static bool is_ipv6(const struct ns_pkt *pkt)
{
	uint8_t type[2];
	return ns_pkt_copy_out(pkt, 12, type, 2) == 0 && type[0] == 0x86 &&
	       type[1] == 0xdd;
}

/* Makes pkt fit the port: a super-segment it cannot segment is split
 * here, the segments put at the front of the queue (NULL returned); a
 * checksum it cannot fill in is completed. NULL also when dropped. */
static struct ns_pkt *fit_port(struct dpdk_link *d, struct ns_pkt *pkt)
{
	bool v6 = is_ipv6(pkt);
	bool csum = v6 ? d->off.tx_csum6 : d->off.tx_csum4;
	if (pkt->gso_type != NS_GSO_NONE && !d->off.tx_tso) {
		struct ns_pkt_queue segs;
		ns_pkt_queue_init(&segs);
		int n = drv_tso_segment(pkt, csum, &segs);
		if (n < 0) {
			ns_pkt_queue_purge(&segs);
			if (n == -ENOMEM)
				d->link.stats.tx_dropped++;
			else
				d->link.stats.tx_errors++;
			return NULL;
		}
		d->tx_sw_gso++;
		drv_txq_prepend(&d->link, &segs);
		return NULL;
	}
	if ((pkt->flags & NS_PKT_F_CSUM_PARTIAL) && !csum) {
		if (drv_csum_finalize(pkt) < 0) {
			d->link.stats.tx_errors++;
			ns_pkt_free(pkt);
			return NULL;
		}
		d->tx_sw_csum++;
	}
	return pkt;
}

/* The mbuf for pkt with its offload fields; consumes pkt unless it
 * returns NULL with *retry (the pool is empty: pkt stays the caller's). */
static struct rte_mbuf *to_mbuf(struct dpdk_link *d, struct ns_pkt *pkt,
				bool *retry)
{
	*retry = false;
	struct rte_mbuf *m =
		d->tx_mode == DRV_DPDK_TX_EXTBUF && d->off.multi_seg &&
				pkt->nfrags > 0
			? dpdk_pkt_to_mbuf_extbuf(pkt, d->tx_pool, d->ext_pool)
			: dpdk_pkt_to_mbuf_copy(pkt, d->tx_pool,
						d->off.multi_seg);
	if (m == NULL) {
		if (pkt->len <= d->data_room || d->off.multi_seg) {
			*retry = true; /* out of mbufs until the PMD frees */
			return NULL;
		}
		d->link.stats.tx_errors++;
		ns_pkt_free(pkt);
		return NULL;
	}
	struct dpdk_txmeta meta;
	if (dpdk_tx_meta(pkt, rte_pktmbuf_mtod(m, uint8_t *), m->data_len,
			 &meta) < 0) {
		d->link.stats.tx_errors++;
		rte_pktmbuf_free(m);
		ns_pkt_free(pkt);
		return NULL;
	}
	m->ol_flags |= meta.ol_flags;
	m->l2_len = meta.l2_len;
	m->l3_len = meta.l3_len;
	m->l4_len = meta.l4_len;
	m->tso_segsz = meta.tso_segsz;
	if (meta.ol_flags & RTE_MBUF_F_TX_TCP_SEG)
		d->tx_tso_offload++;
	else if (meta.ol_flags)
		d->tx_csum_offload++;
	ns_pkt_free(pkt);
	return m;
}

/* Hands mbufs[0..n) to the port; what it does not take is held, in
 * order, for the next flush. Returns whether everything went. */
static bool send_burst(struct dpdk_link *d, struct rte_mbuf **mbufs, unsigned n)
{
	unsigned done = 0;
	while (done < n) {
		uint16_t want = (uint16_t)(n - done);
		uint16_t ok =
			rte_eth_tx_prepare(d->port, 0, mbufs + done, want);
		if (ok < want) {
			/* A frame the PMD cannot send as described: drop
			 * it alone, send what came before it. */
			d->link.stats.tx_errors++;
			rte_pktmbuf_free(mbufs[done + ok]);
			memmove(mbufs + done + ok, mbufs + done + ok + 1,
				(n - done - ok - 1) * sizeof(*mbufs));
			n--;
			if (ok == 0)
				continue;
			want = ok;
		}
		uint16_t sent =
			rte_eth_tx_burst(d->port, 0, mbufs + done, want);
		for (uint16_t i = 0; i < sent; i++) {
			d->link.stats.tx_packets++;
			d->link.stats.tx_bytes += mbufs[done + i]->pkt_len;
		}
		done += sent;
		if (sent < want) {
			unsigned rest = n - done;
			memmove(d->tx_held, mbufs + done,
				rest * sizeof(*mbufs));
			d->tx_nheld = rest;
			d->tx_ring_full++;
			return false;
		}
	}
	d->tx_nheld = 0;
	return true;
}

static int dpdk_flush(struct drv_link *link)
{
	struct dpdk_link *d = dpdk_of(link);
	if (d->tx_nheld == 0 && link->txq.count == 0)
		return 0;
	active(d, drv_monotonic_ns());
	if (d->tx_nheld > 0) {
		struct rte_mbuf *held[BURST * 2];
		unsigned n = d->tx_nheld;
		memcpy(held, d->tx_held, n * sizeof(*held));
		if (!send_burst(d, held, n))
			return -EAGAIN;
	}
	for (;;) {
		struct rte_mbuf *batch[BURST];
		unsigned k = 0;
		while (k < BURST && link->txq.count > 0) {
			struct ns_pkt *pkt =
				fit_port(d, ns_pkt_queue_pop(&link->txq));
			if (pkt == NULL)
				continue;
			bool retry;
			struct rte_mbuf *m = to_mbuf(d, pkt, &retry);
			if (retry) {
				drv_txq_unshift(link, &pkt, 1);
				break;
			}
			if (m)
				batch[k++] = m;
		}
		if (k == 0)
			return link->txq.count > 0 ? -EAGAIN : 0;
		if (!send_burst(d, batch, k))
			return -EAGAIN;
	}
}

static int dpdk_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	struct dpdk_link *d = dpdk_of(link);
	if (!drv_eth_frame_fits(link, pkt)) {
		link->stats.tx_errors++;
		ns_pkt_free(pkt);
		return -EINVAL;
	}
	if (!d->up &&
	    d->next_link_check > drv_monotonic_ns() + LINK_RECHECK_NS) {
		/* Down since the last look, which is a while ago: look
		 * again before dropping (a peer that just connected). */
		check_link(d, drv_monotonic_ns());
	}
	if (!d->up) {
		/* No carrier: lost, as a kernel device drops them. */
		link->stats.tx_dropped++;
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	int r = drv_txq_push(link, pkt);
	if (r == 0 && link->txq.count >= BURST)
		(void)dpdk_flush(link);
	return r;
}

static unsigned dpdk_tx_pending(const struct drv_link *link)
{
	const struct dpdk_link *d = (const struct dpdk_link *)link;
	return link->txq.count + d->tx_nheld;
}

/* ---- Time ------------------------------------------------------------- */

static uint64_t dpdk_next_deadline(const struct drv_link *link)
{
	const struct dpdk_link *d = (const struct dpdk_link *)link;
	uint64_t next = drv_min_deadline(d->next_poll, d->next_link_check);
	if (dpdk_tx_pending(link) > 0)
		next = drv_min_deadline(next, d->last_active + TX_RETRY_NS);
	return next;
}

static void check_link(struct dpdk_link *d, uint64_t now)
{
	d->next_link_check = now + LINK_CHECK_NS;
	struct rte_eth_link l;
	if (rte_eth_link_get_nowait(d->port, &l) < 0)
		return;
	bool up = l.link_status == RTE_ETH_LINK_UP;
	if (up == d->up)
		return;
	d->up = up;
	d->link_changes++;
	d->down_reported = false;
	if (up)
		active(d, now);
}

static uint64_t dpdk_timers(struct drv_link *link, uint64_t now_ns)
{
	struct dpdk_link *d = dpdk_of(link);
	if (now_ns >= d->next_link_check)
		check_link(d, now_ns);
	return dpdk_next_deadline(link);
}

/* ---- Counters and closing ------------------------------------------- */

static void dpdk_sync_counters(struct drv_link *link)
{
	struct dpdk_link *d = dpdk_of(link);
	struct rte_eth_stats st;
	if (rte_eth_stats_get(d->port, &st) != 0)
		return;
	d->imissed = st.imissed;
	d->ierrors = st.ierrors;
	d->rx_nombuf = st.rx_nombuf;
	d->oerrors = st.oerrors;
}

#define C(name, field) DRV_COUNTER(name, struct dpdk_link, field)
static const struct drv_counter_desc dpdk_counters[] = {
	C("imissed", imissed),
	C("ierrors", ierrors),
	C("rx_nombuf", rx_nombuf),
	C("oerrors", oerrors),
	C("rx_zerocopy", rx_zerocopy),
	C("rx_copied", rx_copied),
	C("tx_sw_gso", tx_sw_gso),
	C("tx_sw_csum", tx_sw_csum),
	C("tx_csum_offload", tx_csum_offload),
	C("tx_tso_offload", tx_tso_offload),
	C("tx_ring_full", tx_ring_full),
	C("polls_idle", polls_idle),
	C("intr_wakeups", intr_wakeups),
	C("link_changes", link_changes),
};
#undef C

static void dpdk_destroy(struct drv_link *link)
{
	struct dpdk_link *d = dpdk_of(link);
	for (unsigned i = 0; i < d->tx_nheld; i++)
		rte_pktmbuf_free(d->tx_held[i]);
	if (d->claimed) {
		(void)rte_eth_dev_stop(d->port);
		(void)rte_eth_dev_close(d->port);
		dpdk_port_release(d->port);
	}
	if (d->vdev[0])
		dpdk_vdev_remove(d->vdev);
	if (d->epfd >= 0)
		close(d->epfd);
	rte_mempool_free(d->tx_pool);
	rte_mempool_free(d->ext_pool);
	if (d->rx_pool) {
		d->rx_pool->closed = true;
		dpdk_pool_put(d->rx_pool);
	}
	free(d);
}

static const struct drv_class dpdk_class = {
	.kind = "dpdk",
	.rx_burst = dpdk_rx_burst,
	.xmit = dpdk_xmit,
	.flush = dpdk_flush,
	.tx_pending = dpdk_tx_pending,
	.timers = dpdk_timers,
	.next_deadline = dpdk_next_deadline,
	.sync_counters = dpdk_sync_counters,
	.destroy = dpdk_destroy,
	.counters = dpdk_counters,
	.ncounters = sizeof(dpdk_counters) / sizeof(dpdk_counters[0]),
};

/* ---- Opening ---------------------------------------------------------- */

static int find_port(struct dpdk_link *d, const struct drv_dpdk_config *cfg,
		     struct rs_error **err)
{
	char devargs[160];
	const char *vdev = cfg->vdev;
	if (vdev == NULL && cfg->iface[0]) {
		unsigned id = dpdk_next_id();
		if (cfg->pmd == DRV_DPDK_PMD_AF_XDP)
			snprintf(devargs, sizeof(devargs),
				 "net_af_xdp_rs%u,iface=%s,busy_budget=0", id,
				 cfg->iface);
		else
			snprintf(devargs, sizeof(devargs),
				 "net_af_packet_rs%u,iface=%s,qpairs=1,"
				 "qdisc_bypass=1,framecnt=%u",
				 id, cfg->iface,
				 cfg->rx_ring ? cfg->rx_ring : DEFAULT_RING);
		vdev = devargs;
	}
	if (vdev) {
		int r = dpdk_vdev_add(vdev, cfg->netns, &d->port, err);
		if (r < 0)
			return r;
		snprintf(d->vdev, sizeof(d->vdev), "%.*s",
			 (int)strcspn(vdev, ","), vdev);
	} else if (cfg->port) {
		char *end;
		unsigned long p = strtoul(cfg->port, &end, 10);
		if (*end == 0 && end != cfg->port) {
			if (p >= RTE_MAX_ETHPORTS ||
			    !rte_eth_dev_is_valid_port((uint16_t)p))
				return rs_error_set(err, ENODEV,
						    "dpdk: no port %s",
						    cfg->port);
			d->port = (uint16_t)p;
		} else if (rte_eth_dev_get_port_by_name(cfg->port, &d->port) !=
			   0) {
			return rs_error_set(err, ENODEV,
					    "dpdk: no port named `%s`",
					    cfg->port);
		}
	} else {
		uint16_t p;
		bool found = false;
		RTE_ETH_FOREACH_DEV(p)
		{
			if (dpdk_port_claim(p)) {
				dpdk_port_release(p);
				d->port = p;
				found = true;
				break;
			}
		}
		if (!found)
			return rs_error_set(
				err, ENODEV,
				"dpdk: no free port (EAL made %u; "
				"give --vdev in args, or vdev= or "
				"iface=)",
				(unsigned)rte_eth_dev_count_avail());
	}
	if (!dpdk_port_claim(d->port))
		return rs_error_set(err, EBUSY,
				    "dpdk: port %u is used by another link",
				    d->port);
	d->claimed = true;
	return 0;
}

/* What to ask of the port, from what it has and the config. */
static void choose_offloads(struct dpdk_link *d,
			    const struct rte_eth_dev_info *di,
			    const struct drv_dpdk_config *cfg,
			    struct rte_eth_conf *conf)
{
	const uint64_t l4tx =
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	const uint64_t l4rx =
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	uint64_t tx = di->tx_offload_capa, rx = di->rx_offload_capa;
	if (tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		d->off.multi_seg = true;
	}
	if (cfg->no_offload)
		return;
	if ((tx & l4tx) == l4tx) {
		conf->txmode.offloads |= l4tx;
		d->off.tx_csum4 = d->off.tx_csum6 = true;
		/* Segments need their IPv4 header checksums too. */
		if ((tx & RTE_ETH_TX_OFFLOAD_TCP_TSO) && d->off.multi_seg) {
			conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
			if (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
				conf->txmode.offloads |=
					RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
			d->off.tx_tso = true;
		}
	}
	if ((rx & l4rx) == l4rx) {
		conf->rxmode.offloads |= l4rx;
		d->off.rx_csum = true;
	}
	if ((rx & RTE_ETH_RX_OFFLOAD_TCP_LRO) &&
	    (rx & RTE_ETH_RX_OFFLOAD_SCATTER)) {
		conf->rxmode.offloads |=
			RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_SCATTER;
		conf->rxmode.max_lro_pkt_size = NS_LINK_GSO_MAX;
		d->off.rx_lro = true;
	}
}

static int make_pools(struct dpdk_link *d, const struct drv_dpdk_config *cfg,
		      uint16_t nb_rxd, uint16_t nb_txd, struct rs_error **err)
{
	int socket = rte_eth_dev_socket_id(d->port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	unsigned id = dpdk_next_id();
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n = cfg->mbufs ? cfg->mbufs : 4u * nb_rxd + 4096;
	if (n < MIN_POOL && !cfg->mbufs)
		n = MIN_POOL;
	uint16_t room = (uint16_t)(d->data_room + RTE_PKTMBUF_HEADROOM);
	d->rx_pool = calloc(1, sizeof(*d->rx_pool));
	if (d->rx_pool == NULL)
		return rs_error_set(err, ENOMEM, "dpdk: pool");
	snprintf(name, sizeof(name), "rs_rx%u", id);
	d->rx_pool->mp = rte_pktmbuf_pool_create(name, n, 256, DPDK_PRIV_SIZE,
						 room, socket);
	/* Transmitted mbufs come back as soon as the PMD has copied them
	 * (every virtual PMD here) or the NIC has sent them. */
	uint32_t ntx = 2u * nb_txd + 1023;
	snprintf(name, sizeof(name), "rs_tx%u", id);
	d->tx_pool = rte_pktmbuf_pool_create(name, ntx, 256, 0, room, socket);
	if (d->rx_pool->mp && d->tx_pool && d->tx_mode == DRV_DPDK_TX_EXTBUF) {
		snprintf(name, sizeof(name), "rs_ext%u", id);
		d->ext_pool = rte_pktmbuf_pool_create(
			name, 4 * ntx, 256,
			RTE_ALIGN(sizeof(struct rte_mbuf_ext_shared_info),
				  RTE_MBUF_PRIV_ALIGN),
			0, socket);
	}
	if (d->rx_pool->mp == NULL || d->tx_pool == NULL ||
	    (d->tx_mode == DRV_DPDK_TX_EXTBUF && d->ext_pool == NULL))
		return rs_error_set(err, rte_errno ? rte_errno : ENOMEM,
				    "dpdk: port %u: mbuf pools of %u and %u "
				    "buffers of %u bytes (EAL's -m too small?)",
				    d->port, n, ntx, room);
	d->low_water = n / 4;
	return 0;
}

static int setup_polling(struct dpdk_link *d, const struct drv_dpdk_config *cfg,
			 bool intr_conf, struct rs_error **err)
{
	d->poll = cfg->poll;
	d->budget_ns = cfg->budget_ns ? cfg->budget_ns : DEFAULT_BUDGET;
	d->sleep_max_ns = cfg->sleep_ns ? cfg->sleep_ns : DEFAULT_SLEEP;
	if (d->sleep_max_ns < SLEEP_MIN)
		d->sleep_max_ns = SLEEP_MIN;
	d->sleep_ns = SLEEP_MIN;
	if (d->poll != DRV_DPDK_POLL_AUTO && d->poll != DRV_DPDK_POLL_INTERRUPT)
		return 0;
	bool ok =
		intr_conf && rte_eth_dev_rx_intr_ctl_q_get_fd(d->port, 0) >= 0;
	if (ok) {
		d->epfd = epoll_create1(EPOLL_CLOEXEC);
		ok = d->epfd >= 0 &&
		     rte_eth_dev_rx_intr_ctl_q(d->port, 0, d->epfd,
					       RTE_INTR_EVENT_ADD, NULL) == 0;
	}
	if (ok) {
		d->poll = DRV_DPDK_POLL_INTERRUPT;
		d->link.fd = d->epfd;
		return 0;
	}
	if (d->poll == DRV_DPDK_POLL_INTERRUPT)
		return rs_error_set(err, ENOTSUP,
				    "dpdk: port %u (%s) has no receive "
				    "interrupt: use poll=hybrid or busy",
				    d->port, d->link.name);
	d->poll = DRV_DPDK_POLL_HYBRID;
	return 0;
}

static int setup_port(struct dpdk_link *d, const struct drv_dpdk_config *cfg,
		      struct rs_error **err)
{
	struct rte_eth_dev_info di;
	int r = rte_eth_dev_info_get(d->port, &di);
	if (r < 0)
		return rs_error_set(err, -r, "dpdk: port %u: device info",
				    d->port);
	uint32_t mtu = cfg->mtu ? cfg->mtu : DRV_DEFAULT_MTU;
	if (mtu > di.max_mtu || mtu < di.min_mtu) {
		if (cfg->mtu)
			return rs_error_set(
				err, EINVAL,
				"dpdk: port %u (%s): MTU %u outside "
				"%u..%u",
				d->port, di.driver_name, mtu, di.min_mtu,
				di.max_mtu);
		mtu = di.max_mtu;
	}
	d->data_room = mtu + FRAME_OVERHEAD;
	if (d->data_room < RTE_MBUF_DEFAULT_DATAROOM)
		d->data_room = RTE_MBUF_DEFAULT_DATAROOM;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = mtu;
	choose_offloads(d, &di, cfg, &conf);
	bool intr = cfg->poll == DRV_DPDK_POLL_AUTO ||
		    cfg->poll == DRV_DPDK_POLL_INTERRUPT;
	conf.intr_conf.rxq = intr;
	r = rte_eth_dev_configure(d->port, 1, 1, &conf);
	if (r < 0 && intr) {
		conf.intr_conf.rxq = 0;
		intr = false;
		r = rte_eth_dev_configure(d->port, 1, 1, &conf);
	}
	if (r < 0)
		return rs_error_set(err, -r, "dpdk: port %u (%s): configure",
				    d->port, di.driver_name);
	uint16_t nb_rxd =
		(uint16_t)(cfg->rx_ring ? cfg->rx_ring : DEFAULT_RING);
	uint16_t nb_txd =
		(uint16_t)(cfg->tx_ring ? cfg->tx_ring : DEFAULT_RING);
	(void)rte_eth_dev_adjust_nb_rx_tx_desc(d->port, &nb_rxd, &nb_txd);
	d->tx_mode = cfg->tx;
	r = make_pools(d, cfg, nb_rxd, nb_txd, err);
	if (r < 0)
		return r;
	int socket = rte_eth_dev_socket_id(d->port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	r = rte_eth_rx_queue_setup(d->port, 0, nb_rxd, (unsigned)socket, NULL,
				   d->rx_pool->mp);
	if (r == 0)
		r = rte_eth_tx_queue_setup(d->port, 0, nb_txd, (unsigned)socket,
					   NULL);
	if (r < 0)
		return rs_error_set(err, -r, "dpdk: port %u (%s): queues",
				    d->port, di.driver_name);
	bool promisc = cfg->promisc;
	if (!drv_mac_is_zero(cfg->mac) &&
	    rte_eth_dev_default_mac_addr_set(
		    d->port, (struct rte_ether_addr *)(void *)cfg->mac) < 0)
		promisc = true; /* frames to our MAC must still come in */
	if (promisc)
		(void)rte_eth_promiscuous_enable(d->port);
	r = rte_eth_dev_start(d->port);
	if (r < 0)
		return rs_error_set(err, -r, "dpdk: port %u (%s): start",
				    d->port, di.driver_name);
	struct rte_ether_addr mac;
	if (drv_mac_is_zero(cfg->mac) &&
	    rte_eth_macaddr_get(d->port, &mac) == 0)
		memcpy(d->link.info.mac, mac.addr_bytes, 6);
	else
		memcpy(d->link.info.mac, cfg->mac, 6);
	d->link.info.type = NS_LINK_ETHERNET;
	d->link.info.mtu = mtu;
	d->link.info.caps = 0;
	if (d->off.tx_csum4 && d->off.tx_csum6)
		d->link.info.caps |= NS_LINK_CAP_TX_CSUM;
	if (d->off.tx_tso)
		d->link.info.caps |= NS_LINK_CAP_TSO;
	if (d->off.rx_csum)
		d->link.info.caps |= NS_LINK_CAP_RX_CSUM;
	if (d->off.rx_lro)
		d->link.info.caps |= NS_LINK_CAP_RX_GRO;
	uint64_t now = drv_monotonic_ns();
	d->up = true; /* check_link() counts the first state as a change */
	check_link(d, now);
	d->link_changes = 0;
	d->down_reported = true; /* a port down at the open is no news */
	active(d, now);
	return setup_polling(d, cfg, intr, err);
}

int drv_dpdk_open(const struct drv_dpdk_config *cfg, struct drv_link **out,
		  struct rs_error **err)
{
	if (cfg->vdev && cfg->iface[0])
		return rs_error_set(err, EINVAL,
				    "dpdk: vdev= and iface= both name the "
				    "device (one of them)");
	if ((cfg->vdev || cfg->iface[0]) && cfg->port)
		return rs_error_set(err, EINVAL,
				    "dpdk: port= picks a port EAL made; vdev= "
				    "and iface= make one (not both)");
	int r = dpdk_eal_init(cfg->args, cfg->netns, err);
	if (r < 0)
		return r;
	struct dpdk_link *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return rs_error_set(err, ENOMEM, "dpdk: allocating");
	drv_link_init(&d->link, &dpdk_class,
		      cfg->iface[0] ? cfg->iface : "dpdk");
	d->epfd = -1;
	if (cfg->txqlen)
		d->link.txq_limit = cfg->txqlen;
	r = find_port(d, cfg, err);
	if (r == 0) {
		if (!cfg->iface[0])
			snprintf(d->link.name, sizeof(d->link.name), "dpdk%u",
				 d->port);
		r = setup_port(d, cfg, err);
	}
	if (r < 0) {
		dpdk_destroy(&d->link);
		return r;
	}
	*out = &d->link;
	return 0;
}
