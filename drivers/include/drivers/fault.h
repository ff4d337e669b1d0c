/* The fault-injecting wrapper: a fault engine (drivers/fault_engine.h,
 * which describes the faults) per direction around any link, with a clock
 * of its own (default CLOCK_MONOTONIC).
 */
#ifndef DRIVERS_FAULT_H
#define DRIVERS_FAULT_H

#include "drivers/driver.h"
#include "drivers/fault_engine.h"

/* Directions the wrapper acts on. */
enum drv_fault_dir {
	DRV_FAULT_BOTH,
	DRV_FAULT_TX, /* frames the stack sends */
	DRV_FAULT_RX, /* frames the link receives */
};

struct drv_fault_link_config {
	struct drv_fault_config fault; /* the receive engine uses seed + 1 */
	enum drv_fault_dir dir;
	struct drv_clock clock;
};

/* Wraps `inner`. On success the new link owns inner (drv_close() closes
 * both); on failure inner stays the caller's. The wrapper reports inner's
 * info without NS_LINK_CAP_TSO (loss and reordering act on wire-size
 * frames), and when corrupt > 0 also without TX_CSUM and TRUSTED, so that
 * the stack computes the checksums a corruption must break. Corruption on
 * the sending side of a trusted pipe stays invisible to its receiver.
 *
 * Counters: fault_tx_dropped, fault_tx_duplicated, fault_tx_corrupted,
 * fault_tx_delayed, fault_tx_reordered, fault_tx_overflow, fault_tx_nomem
 * and the same with fault_rx_, then inner's. Held transmit frames go out
 * from drv_timers(); held received frames are returned by the first
 * drv_rx_burst() after the drv_timers() call that found them due. */
int drv_fault_wrap(struct drv_link *inner,
		   const struct drv_fault_link_config *cfg,
		   struct drv_link **out, struct rs_error **err);

#endif
