/* The common interface of every link driver.
 *
 * A driver instance is a struct drv_link: a tap device, an AF_PACKET
 * socket, an in-memory link, or a wrapper (pcap sniffer, fault injector)
 * stacked on another link. Every link, wrapped or not, is driven the same
 * way by its owner (the Sentry's event loop, perf/nsd, a test):
 *
 *   stack side:  ns_stack_add_nic(..., &drv_ns_link_ops, link, drv_info(link))
 *                the stack calls xmit/flush through drv_ns_link_ops.
 *   event loop:  epoll on drv_fd(link) for EPOLLIN, plus EPOLLOUT while
 *                drv_tx_pending(link) > 0. On every wake-up:
 *                  drv_timers(link, now);           delayed frames, flushes
 *                  while ((n = drv_rx_burst(link, pkts, max)) > 0)
 *                          feed pkts[0..n) to ns_stack_input();
 *                  if (drv_tx_pending(link)) drv_flush(link);
 *                  sleep until drv_next_deadline(link) at most
 *                (read last: receiving and sending may hold frames back
 *                or buffer capture records, each needing a timer).
 *
 * Threading: like the netstack, a link is single-threaded by contract; one
 * thread calls everything. Nothing here blocks: every fd is non-blocking,
 * and a full kernel queue leaves frames queued (drv_tx_pending) instead of
 * waiting. The fd is meant for level-triggered polling: drv_rx_burst()
 * returns 0 when the link has nothing to deliver right now, and also
 * after a bounded run of frames it dropped in one call (malformed frames,
 * a fault wrapper dropping everything), with the fd still readable.
 *
 * Errors: the data plane (rx, xmit, flush, timers) returns negative Linux
 * errno values and counts every dropped frame in a named counter; opening
 * (the control plane) reports through struct rs_error **err.
 *
 * Frames are Ethernet II frames, or bare IP packets on an NS_LINK_IP link
 * (see netstack/link.h). Received packets carry:
 *   tstamp_ns  CLOCK_REALTIME receive time in nanoseconds (0 if unknown);
 *   flags      NS_PKT_F_CSUM_VALID when the kernel or a trusted peer
 *              vouched for the transport checksum (including frames from
 *              the local host whose checksum was never filled in, as Linux
 *              trusts CHECKSUM_PARTIAL); NS_PKT_F_LINK_BCAST / _MCAST /
 *              _OTHERHOST from the destination MAC on Ethernet links;
 *   gso_type, gso_size  set on a coalesced TCP frame larger than the MTU,
 *              only on links with NS_LINK_CAP_RX_GRO.
 */
#ifndef DRIVERS_DRIVER_H
#define DRIVERS_DRIVER_H

#include <stdint.h>

#include "netstack/link.h"
#include "netstack/pkt.h"
#include "runsc/error.h"

/* An open link: opaque, created by a driver's open function (drivers/
 * tap.h, afpacket.h, memlink.h), a wrapper (pcap.h, fault.h) or the string
 * form (spec.h), and released with drv_close(). */
struct drv_link;

/* The ns_link_ops of every driver: pass it with the struct drv_link * as
 * ctx. xmit is drv_xmit(), flush is drv_flush(). */
extern const struct ns_link_ops drv_ns_link_ops;

/* No deadline: the value drv_timers() returns when nothing is scheduled. */
#define DRV_NO_DEADLINE UINT64_MAX

/* A clock for wrappers that act on time (fault delays, pcap flushing):
 * nanoseconds on any epoch, monotonic. A zeroed struct means
 * drv_monotonic_ns(). Tests pass a virtual clock. */
struct drv_clock {
	uint64_t (*now_ns)(void *arg);
	void *arg;
};

/* CLOCK_MONOTONIC in nanoseconds: the default clock of drv_timers(). */
uint64_t drv_monotonic_ns(void);

/* What the link tells the stack (type, MTU, MAC, NS_LINK_CAP_*). Borrowed:
 * valid until drv_close(). A wrapper reports its inner link's info with
 * capabilities it cannot honour removed. */
const struct ns_link_info *drv_info(const struct drv_link *link);

/* The driver's kind: "tap", "afpacket", "dpdk", "loopback", "pipe",
 * "pcap", "fault". */
const char *drv_kind(const struct drv_link *link);

/* The fd to poll for EPOLLIN (received frames) and EPOLLOUT (room to send
 * after drv_flush() returned -EAGAIN). In-memory links give an eventfd
 * that is readable while frames wait. -1 for a link that must be polled by
 * calling drv_rx_burst() at drv_next_deadline() (a DPDK port without
 * receive interrupts, drivers/dpdk.h). */
int drv_fd(const struct drv_link *link);

/* Receives up to max frames into pkts[0..n) and returns n; the caller owns
 * them (hand them to ns_stack_input(), which consumes). Returns 0 when
 * nothing is waiting. Malformed frames (runts, oversize or truncated
 * frames, bad offload headers) are dropped and counted, never returned;
 * one call drops at most a few batches of them (and may return 0 then),
 * so that a flood cannot hold the caller.
 * Returns a negative errno only when the link itself failed (-EIO,
 * -ENETDOWN); frames already received are kept for the next call. */
int drv_rx_burst(struct drv_link *link, struct ns_pkt **pkts, unsigned max);

/* Queues one frame for transmission; consumes pkt on every path. Returns
 * 0 when queued (it leaves on drv_flush(), or earlier when a batch is
 * full), -ENOBUFS when the transmit queue is full (dropped, counted in
 * tx_dropped), -EINVAL for a frame the link cannot carry (counted in
 * tx_errors), -EIO when the link is gone. Never blocks. */
int drv_xmit(struct drv_link *link, struct ns_pkt *pkt);

/* Hands queued frames to the kernel or peer. Returns 0 when the queue is
 * empty, -EAGAIN when the kernel is full and frames stay queued (poll the
 * fd for EPOLLOUT, then flush again), or -EIO when the link is gone.
 * Frames the kernel refuses one by one are dropped and counted. */
int drv_flush(struct drv_link *link);

/* Frames queued for transmission and not yet handed to the kernel. */
unsigned drv_tx_pending(const struct drv_link *link);

/* Runs time-driven work due at now_ns (release delayed frames, flush a
 * capture file) and returns the next deadline, or DRV_NO_DEADLINE. now_ns
 * comes from the clock the link's wrappers were given (default
 * drv_monotonic_ns()). Frames released towards the owner are returned by
 * the next drv_rx_burst(). */
uint64_t drv_timers(struct drv_link *link, uint64_t now_ns);

/* The earliest deadline of the link and its wrappers, or DRV_NO_DEADLINE,
 * without running any timer work: it includes what the rx, xmit and flush
 * calls since the last drv_timers() scheduled (a frame the fault wrapper
 * delayed, a capture record buffered). 0 (due now) while released frames
 * wait for drv_rx_burst(). Never blocks. */
uint64_t drv_next_deadline(const struct drv_link *link);

/* Closes the link, its fd, and (for a wrapper) the wrapped link; frees
 * queued frames. NULL is fine. */
void drv_close(struct drv_link *link);

/* Counters, by name. Every link has rx_packets, rx_bytes, rx_dropped,
 * rx_errors, tx_packets, tx_bytes, tx_dropped, tx_errors (the names of
 * /sys/class/net/DEV/statistics) counted at the device; drivers add their
 * own (see each driver's header), and wrappers add theirs with a prefix
 * ("pcap_", "fault_") in front of the wrapped link's. */
typedef void (*drv_counter_fn)(const char *name, uint64_t value, void *arg);

/* Stores the counter's value in *value and returns 0, or -ENOENT. A
 * wrapper's own counters shadow the wrapped link's of the same name. */
int drv_counter(struct drv_link *link, const char *name, uint64_t *value);

/* Calls fn for every counter, outermost wrapper first. */
void drv_counters_foreach(struct drv_link *link, drv_counter_fn fn, void *arg);

#endif
