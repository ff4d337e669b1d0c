/* Inside a driver: the struct every driver embeds, its class (the ops
 * table behind the public drv_* calls), and helpers shared by drivers.
 * Private to drivers/. */
#ifndef DRIVERS_DRV_IMPL_H
#define DRIVERS_DRV_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/driver.h"

#define DRV_ETH_HLEN	  14
#define DRV_VLAN_HLEN	  4
#define DRV_ETH_ALEN	  6
#define DRV_DEFAULT_MTU	  1500
#define DRV_DEFAULT_TXQ	  1000 /* Linux's default txqueuelen */
#define DRV_BATCH	  64   /* frames per syscall batch */
#define DRV_MAX_TXQ	  1000000
#define DRV_MAX_MTU	  65535
#define DRV_MIN_MTU	  68 /* RFC 791: every IPv4 link carries 68 */
#define DRV_GSO_SPILL_LEN (NS_LINK_GSO_MAX + DRV_ETH_HLEN + DRV_VLAN_HLEN)

/* A driver-specific counter: a uint64_t at `offset` bytes from the start
 * of the driver's structure (which begins with its struct drv_link). */
struct drv_counter_desc {
	const char *name;
	size_t offset;
};

#define DRV_COUNTER(name, type, field)      \
	{                                   \
		name, offsetof(type, field) \
	}

struct drv_link;

/* The ops of one driver kind. Only rx_burst, xmit and destroy are
 * mandatory. */
struct drv_class {
	const char *kind;
	int (*rx_burst)(struct drv_link *link, struct ns_pkt **pkts,
			unsigned max);
	/* Consumes pkt. */
	int (*xmit)(struct drv_link *link, struct ns_pkt *pkt);
	/* NULL: the base drivers' queue is flushed by drv_flush() calling
	 * nothing (in-memory links deliver in xmit). */
	int (*flush)(struct drv_link *link);
	/* NULL: link->txq.count. */
	unsigned (*tx_pending)(const struct drv_link *link);
	/* NULL: no time-driven work of its own. */
	uint64_t (*timers)(struct drv_link *link, uint64_t now_ns);
	/* The deadline timers would return, without doing any work. NULL
	 * when timers is NULL. */
	uint64_t (*next_deadline)(const struct drv_link *link);
	/* Refreshes counters kept by the kernel before they are read. */
	void (*sync_counters)(struct drv_link *link);
	/* Frees the driver's resources and the structure itself, but not
	 * link->inner, which drv_close() closes afterwards. */
	void (*destroy)(struct drv_link *link);
	const struct drv_counter_desc *counters;
	unsigned ncounters;
};

/* The device counters of a base driver (drv_counter names). */
struct drv_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t rx_dropped; /* well-formed frames we could not keep */
	uint64_t rx_errors;  /* malformed, truncated or oversize frames */
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t tx_dropped; /* queue full, kernel out of buffers */
	uint64_t tx_errors;  /* frames the link cannot carry */
};

struct drv_link {
	const struct drv_class *cls;
	struct ns_link_info info;
	char name[32]; /* info.name points here */
	int fd;
	/* Wrappers: the wrapped link, owned. NULL for base drivers, which
	 * own `stats` and the transmit queue below instead. */
	struct drv_link *inner;
	struct drv_stats stats;
	struct ns_pkt_queue txq;
	uint32_t txq_limit;
};

/* Initialises the common part; info.name points at link->name. */
void drv_link_init(struct drv_link *link, const struct drv_class *cls,
		   const char *name);

/* Base drivers' xmit: queues pkt, or drops it (tx_dropped, -ENOBUFS)
 * when txq_limit frames are waiting. Consumes pkt. Returns 0, or
 * -ENOBUFS. */
int drv_txq_push(struct drv_link *link, struct ns_pkt *pkt);

/* Puts n frames taken from the front of the transmit queue back at its
 * front, in order (a batch the kernel did not take). */
void drv_txq_unshift(struct drv_link *link, struct ns_pkt **pkts, unsigned n);

/* Moves every frame of `front` to the front of the transmit queue, in
 * order (the segments of a frame split in software), leaving it empty.
 * The queue may exceed txq_limit by as much. */
void drv_txq_prepend(struct drv_link *link, struct ns_pkt_queue *front);

/* Whether a frame fits an Ethernet link: at least a header, at most MTU
 * plus header and VLAN tag, or a super-segment when the link has TSO. */
bool drv_eth_frame_fits(const struct drv_link *link, const struct ns_pkt *pkt);

/* Sets NS_PKT_F_LINK_BCAST / _MCAST / _OTHERHOST from the destination
 * address of an Ethernet frame of at least DRV_ETH_HLEN head bytes. */
void drv_eth_classify(struct ns_pkt *pkt, const uint8_t mac[DRV_ETH_ALEN]);

/* CLOCK_REALTIME in nanoseconds, for receive timestamps. */
uint64_t drv_realtime_ns(void);

/* Reads the clock (a zeroed clock is drv_monotonic_ns()). */
static inline uint64_t drv_clock_now(const struct drv_clock *clock)
{
	return clock->now_ns ? clock->now_ns(clock->arg) : drv_monotonic_ns();
}

static inline uint64_t drv_min_deadline(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#endif
