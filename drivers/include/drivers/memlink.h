/* In-memory links: a loopback and a pipe pair.
 *
 * A pipe pair is two Ethernet endpoints wired back to back in one process,
 * e.g. two netstacks in a test or a benchmark: a frame transmitted on one
 * is queued, without copying, for drv_rx_burst() on the other. Loopback is
 * one endpoint wired to itself.
 *
 * Each endpoint's fd is an eventfd that is readable exactly while received
 * frames wait, so in-memory links fit the same event loop as real ones.
 * Delivery happens inside drv_xmit(); drv_flush() has nothing to do.
 *
 * Counters: the device counters of driver.h. A frame that finds the
 * receiver's queue full is counted in the receiver's rx_dropped; a frame
 * sent after the peer was closed fails with -EIO (tx_errors).
 */
#ifndef DRIVERS_MEMLINK_H
#define DRIVERS_MEMLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

struct drv_pipe_config {
	uint32_t mtu;	    /* 0: 1500 */
	uint8_t mac_a[6];   /* all zero: 02:00:00:00:00:0a */
	uint8_t mac_b[6];   /* all zero: 02:00:00:00:00:0b */
	uint32_t queue_len; /* frames waiting at each receiver; 0: 1000 */
	/* Both stacks live in this process and trust each other: no
	 * checksums in either direction (NS_LINK_CAP_TRUSTED, TX_CSUM,
	 * RX_CSUM); received frames carry NS_PKT_F_CSUM_VALID. */
	bool trusted;
	/* Super-segments cross unsegmented (NS_LINK_CAP_TSO, RX_GRO). */
	bool gso;
};

/* Creates the two endpoints; each is closed with drv_close() (in any
 * order; the survivor's xmit then fails with -EIO). Returns 0, or a
 * negative errno with *err set (bad MTU, no memory, no eventfd). */
int drv_pipe_pair(const struct drv_pipe_config *cfg, struct drv_link **a,
		  struct drv_link **b, struct rs_error **err);

struct drv_loopback_config {
	/* NS_LINK_ETHERNET (the zero value; Linux's lo also carries
	 * Ethernet headers) or NS_LINK_IP (bare IP packets). */
	enum ns_link_type type;
	uint32_t mtu;	    /* 0: 65536, as Linux's lo */
	uint8_t mac[6];	    /* NS_LINK_ETHERNET; all zero: 02:00:00:00:00:01 */
	uint32_t queue_len; /* 0: 1000 */
};

/* Opens a loopback: trusted (no checksums) and GSO-capable, as Linux's lo.
 * Returns 0, or a negative errno with *err set. */
int drv_loopback_open(const struct drv_loopback_config *cfg,
		      struct drv_link **out, struct rs_error **err);

#endif
