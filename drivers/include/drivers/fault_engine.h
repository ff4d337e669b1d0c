/* The fault decision engine: drop, duplicate, corrupt, reorder and delay
 * frames at given rates, reproducibly for a seed.
 *
 * The engine takes frames and the current time from its caller and hands
 * back the frames to deliver now; held frames come out of
 * drv_fault_release() when their time comes. It does no I/O and reads no
 * clock, so a test with a virtual clock (the netstack's, for one) can put
 * it between two stacks directly: it needs only this header, netstack/
 * pkt.h and drivers/fault_engine.c. drivers/fault.h wraps it around any
 * link.
 *
 * Per frame, in this order (each a Bernoulli draw from the seeded
 * generator, so the same seed and the same frames give the same faults):
 *   drop       the frame is freed;
 *   duplicate  a copy follows the frame, deciding the steps below for
 *              itself;
 *   corrupt    one random bit of the frame is flipped (a private copy is
 *              made when the byte lies in shared fragment memory), and
 *              NS_PKT_F_CSUM_VALID is cleared so the receiver checks;
 *   delay      the frame is held for delay_ns plus a uniform jitter in
 *              [0, jitter_ns] (jitter reorders delayed frames, as netem);
 *   reorder    the frame is held until the next frame has gone out, or
 *              reorder_hold_ns at most, so it arrives one place late.
 * At most `limit` frames are held; a frame that would exceed it is
 * dropped and counted in `overflow` (netem's limit).
 */
#ifndef DRIVERS_FAULT_ENGINE_H
#define DRIVERS_FAULT_ENGINE_H

#include <stdint.h>

#include "netstack/pkt.h"

/* drv_fault_release(): nothing is held (the same value as
 * DRV_NO_DEADLINE). */
#define DRV_FAULT_NEVER UINT64_MAX

struct drv_fault_config {
	uint64_t seed;
	/* Probabilities in [0, 1]. */
	double drop;
	double duplicate;
	double corrupt;
	double delay;
	double reorder;
	uint64_t delay_ns;
	uint64_t jitter_ns;
	uint64_t reorder_hold_ns; /* 0: 1 ms */
	uint32_t limit;		  /* 0: 1000 */
};

struct drv_fault_stats {
	uint64_t frames; /* input frames */
	uint64_t dropped;
	uint64_t duplicated;
	uint64_t corrupted;
	uint64_t delayed;
	uint64_t reordered;
	uint64_t overflow; /* dropped because `limit` frames were held */
	uint64_t nomem;	   /* dropped: no memory for a copy */
};

struct drv_fault;

/* Creates an engine. Returns 0, -EINVAL for a rate outside [0, 1] (or
 * NaN), or -ENOMEM. */
int drv_fault_new(const struct drv_fault_config *cfg, struct drv_fault **out);

/* Frees the engine and every frame it still holds. NULL is fine. */
void drv_fault_free(struct drv_fault *f);

/* Decides the fate of pkt (consumed) at time now_ns and appends to `out`
 * the frames to deliver now, in order: pkt and its duplicate unless they
 * are dropped or held, followed by frames held for reordering that may
 * now go. Frames in `out` belong to the caller. */
void drv_fault_input(struct drv_fault *f, struct ns_pkt *pkt, uint64_t now_ns,
		     struct ns_pkt_queue *out);

/* Appends held frames due at now_ns to `out` (earliest first) and returns
 * the time the next held frame is due, or DRV_FAULT_NEVER. */
uint64_t drv_fault_release(struct drv_fault *f, uint64_t now_ns,
			   struct ns_pkt_queue *out);

/* The time the next held frame is due, or DRV_FAULT_NEVER; releases
 * nothing. */
uint64_t drv_fault_next_due(const struct drv_fault *f);

/* Frames currently held (delayed or waiting to be reordered). */
unsigned drv_fault_held(const struct drv_fault *f);

const struct drv_fault_stats *drv_fault_stats(const struct drv_fault *f);

#endif
