/* A test link for TCP tests: one direction of an in-memory wire with a
 * virtual clock, a bandwidth, a bounded queue, a one-way delay, and
 * seeded faults (drop, duplicate, reorder, corrupt). Two of them joined
 * back to back carry two stacks' traffic; the test moves time forward and
 * delivers what is due. Nothing here reads the wall clock.
 *
 * Frames handed to xmit are owned by the link until delivered or dropped.
 * A corrupted frame is copied first: fragments are shared, read-only
 * payload (the sender's send buffer), which must not change.
 */
#ifndef TESTS_TCP_FAULTLINK_H
#define TESTS_TCP_FAULTLINK_H

#include <stdint.h>

#include "netstack/link.h"
#include "netstack/pkt.h"

struct tcp_fl_params {
	uint32_t loss_ppm;    /* per frame, parts per million */
	uint32_t dup_ppm;     /* duplicated frames */
	uint32_t reorder_ppm; /* frames held back by reorder_ns */
	uint32_t corrupt_ppm; /* frames with one bit flipped */
	uint64_t delay_ns;    /* one-way propagation delay */
	uint64_t reorder_ns;  /* extra delay of a reordered frame */
	uint64_t rate_bps;    /* 0: infinitely fast */
	uint32_t queue_bytes; /* tail-drop limit of the bottleneck queue
				 (0: unlimited) */
	uint64_t seed;
};

struct tcp_fl_stats {
	uint64_t sent, delivered, dropped, queue_drops, duplicated, reordered,
		corrupted, bytes;
};

struct tcp_fl {
	struct tcp_fl_params p;
	const uint64_t *now; /* the test's virtual clock */
	uint64_t rng;
	uint64_t busy_until; /* the bottleneck serialises frames */
	uint32_t queued_bytes;
	/* In flight: frames in sending order (their delivery times only
	 * grow), and the few held back or duplicated, sorted by time. */
	struct ns_pkt *head, *tail;
	struct ns_pkt *late;
	struct tcp_fl_stats stats;
};

/* The ops to put in a NIC's config, with the tcp_fl as ctx. */
extern const struct ns_link_ops tcp_fl_ops;

void tcp_fl_init(struct tcp_fl *fl, const struct tcp_fl_params *p,
		 const uint64_t *now);
/* Frees the frames still in flight. */
void tcp_fl_destroy(struct tcp_fl *fl);

/* When the next frame is due (UINT64_MAX: none in flight). */
uint64_t tcp_fl_next(const struct tcp_fl *fl);

/* Hands every frame due at or before *fl->now to deliver(arg, pkt), which
 * consumes it, in delivery order. Returns how many. */
unsigned tcp_fl_deliver(struct tcp_fl *fl,
			void (*deliver)(void *arg, struct ns_pkt *pkt),
			void *arg);

#endif
