/* Inside the DPDK driver (drivers/dpdk.h): the link's state, EAL's
 * process-wide set-up (dpdk_eal.c), and the mapping between mbufs and
 * packets with their offload metadata (dpdk_map.c). Private to drivers/;
 * the only place besides the dpdk*.c files that sees DPDK's headers is
 * tests/unit/drivers/test_dpdk.c. */
#ifndef DRIVERS_DPDK_IMPL_H
#define DRIVERS_DPDK_IMPL_H

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/dpdk.h"
#include "drv_impl.h"

/* ---- EAL (dpdk_eal.c) ---------------------------------------------- */

/* Splits text into words as a shell would without expansions: blanks
 * separate words, '...' keeps everything literal, "..." keeps blanks and
 * takes \" and \\, a backslash outside quotes escapes the next
 * character. Appends the words to argv (room for max entries in all,
 * *argc in use) as pointers into buf (strlen(text) + 1 bytes, written).
 * Returns 0, -E2BIG when max is too small, -EINVAL for an unterminated
 * quote. */
int dpdk_split_args(const char *text, char *buf, char **argv, int *argc,
		    int max);

/* Initialises EAL from args (NULL: defaults only) once per process, the
 * calling thread in netns (NULL: where it is) while the devices of
 * args probe. A second call with other args fails; after a failed
 * initialisation every call fails (EAL cannot be initialised twice).
 * Returns 0 or a negative errno with *err. */
int dpdk_eal_init(const char *args, const char *netns, struct rs_error **err);

/* Hot-plugs devargs ("net_memif0,role=server") in netns; *port gets its
 * ethdev port. Returns 0 or a negative errno with *err quoting the PMD's
 * complaint. */
int dpdk_vdev_add(const char *devargs, const char *netns, uint16_t *port,
		  struct rs_error **err);

/* Removes a device dpdk_vdev_add() made, by its name. */
void dpdk_vdev_remove(const char *name);

/* A fresh suffix for the names of vdevs and pools of this process. */
unsigned dpdk_next_id(void);

/* Ports taken by a link of this process. */
bool dpdk_port_claim(uint16_t port);
void dpdk_port_release(uint16_t port);

/* ---- Receive pools shared with the packets that hold mbufs --------- */

/* Outlives the link while packets still reference mbufs of its pool. */
struct dpdk_pool {
	struct rte_mempool *mp;
	uint32_t outstanding; /* mbufs referenced by packets */
	bool closed;	      /* the link is gone: free with the last */
};

/* The private area of every receive mbuf: the buffer a packet fragment
 * references, and the pool to account the mbuf to. */
struct dpdk_mbuf_priv {
	struct ns_buf buf;
	struct dpdk_pool *pool;
};

#define DPDK_PRIV_SIZE \
	RTE_ALIGN(sizeof(struct dpdk_mbuf_priv), RTE_MBUF_PRIV_ALIGN)

/* Frees the pool once it is closed and no mbuf is referenced. */
void dpdk_pool_put(struct dpdk_pool *pool);

/* ---- Mapping (dpdk_map.c) ------------------------------------------ */

/* What the port does for us (from rte_eth_dev_info and the config). */
struct dpdk_offload {
	bool tx_csum4, tx_csum6; /* TCP and UDP checksums */
	bool tx_tso;		 /* TCP segmentation (both families) */
	bool rx_csum;		 /* L4 checksum status on received mbufs */
	bool rx_lro;		 /* coalesced frames with tso_segsz */
	bool multi_seg;		 /* takes chained mbufs */
};

/* Offload fields of an mbuf being sent. */
struct dpdk_txmeta {
	uint64_t ol_flags;
	uint16_t l2_len, l3_len, l4_len;
	uint16_t tso_segsz;
};

/* Fills *meta for frame (the first hlen bytes of an Ethernet frame that
 * pkt describes: its offload fields, NS_PKT_F_CSUM_PARTIAL, gso_*), and
 * rewrites the transport checksum field inside frame as DPDK wants it:
 * the pseudo-header sum with the length for a checksum offload, without
 * it for TSO (virtio and the netstack put the length in both). Only for
 * what the port offloads (the caller completed the rest in software).
 * Returns 0 (meta zero for a plain frame), or -EINVAL when the metadata
 * does not fit the frame (checksum field outside hlen, an IP version
 * the Ethernet type does not say, GSO without a segment size). */
int dpdk_tx_meta(const struct ns_pkt *pkt, uint8_t *frame, uint32_t hlen,
		 struct dpdk_txmeta *meta);

/* The receive metadata of an mbuf onto pkt: NS_PKT_F_CSUM_VALID for an
 * L4 checksum the port verified, gso_type/gso_size for an LRO frame
 * (frame is its first bytes, hlen of them, to tell IPv4 from IPv6).
 * Returns 0 or -EINVAL (an LRO frame that is not TCP over IP). */
int dpdk_rx_meta(uint64_t ol_flags, uint16_t tso_segsz, const uint8_t *frame,
		 uint32_t hlen, const struct dpdk_offload *off,
		 struct ns_pkt *pkt);

/* Turns a received mbuf (chain) into a packet: zero copy (one fragment
 * per segment, each segment kept until the stack lets go of it and
 * accounted to pool) when pool is given and the frame is larger than
 * DRV_DPDK_COPYBREAK, else copied and the mbuf freed. Consumes m on
 * every path. *copied says which happened. Returns the packet, or NULL
 * (out of memory: dropped, the caller counts). */
struct ns_pkt *dpdk_mbuf_to_pkt(struct rte_mbuf *m, struct dpdk_pool *pool,
				bool *copied);

/* An mbuf (chain) from pool holding pkt's bytes (tx=copy); NULL when the
 * pool is empty or the frame needs a chain the port cannot take. */
struct rte_mbuf *dpdk_pkt_to_mbuf_copy(const struct ns_pkt *pkt,
				       struct rte_mempool *pool,
				       bool multi_seg);

/* tx=extbuf: the head copied into an mbuf of pool, each fragment an
 * mbuf of ext_pool attached to the fragment's memory with a reference
 * on its buffer (released when the PMD frees the mbuf). */
struct rte_mbuf *dpdk_pkt_to_mbuf_extbuf(const struct ns_pkt *pkt,
					 struct rte_mempool *pool,
					 struct rte_mempool *ext_pool);

/* ---- The link (dpdk.c) ---------------------------------------------- */

struct dpdk_link {
	struct drv_link link;
	uint16_t port;
	bool claimed;
	char vdev[64]; /* the device this link hot-plugged; "" if none */
	struct dpdk_pool *rx_pool;
	struct rte_mempool *tx_pool, *ext_pool;
	struct dpdk_offload off;
	enum drv_dpdk_tx tx_mode;
	uint32_t data_room; /* bytes of frame one mbuf holds */
	uint32_t low_water; /* rx pool: copy below this many free */
	/* Polling (dpdk.h). */
	enum drv_dpdk_poll poll; /* resolved: never AUTO */
	uint64_t budget_ns, sleep_max_ns, sleep_ns;
	uint64_t last_active; /* monotonic ns of the last frame in or out */
	uint64_t next_poll;   /* 0: due now */
	bool intr_armed;
	int epfd; /* interrupt mode: the queue's interrupt in it */
	/* Link state. */
	bool up;
	bool down_reported;
	uint64_t next_link_check;
	/* Transmit: mbufs the port did not take yet, in order. */
	struct rte_mbuf *tx_held[64];
	unsigned tx_nheld;
	/* Counters (dpdk.h). */
	uint64_t imissed, ierrors, rx_nombuf, oerrors;
	uint64_t rx_zerocopy, rx_copied;
	uint64_t tx_sw_gso, tx_sw_csum, tx_csum_offload, tx_tso_offload;
	uint64_t tx_ring_full, polls_idle, intr_wakeups, link_changes;
};

#endif
