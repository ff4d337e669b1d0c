/* The netstack host: one network stack, the links of its NICs, and what
 * drives them (received frames, the stack's and the links' timers,
 * transmit flushes), behind a single pollable fd. The Sentry and perf/nsd
 * both run their stack through it, so readiness, timer deadlines, capture
 * and fault injection behave the same in both.
 *
 * Driving it: the owner's event loop watches drv_nethost_fd() for EPOLLIN
 * and calls drv_nethost_run() when it fires; after it called into the
 * stack itself (socket calls), it calls drv_nethost_flush() before it
 * sleeps, so frames those calls queued leave and a timer they armed is
 * waited for. The fd is an epoll set of the host's own: the links' fds
 * (EPOLLIN, and EPOLLOUT while a link holds frames the kernel refused) and
 * a timerfd armed for the earliest deadline of the stack and the links.
 * A link without an fd (drv_fd() -1: a polled DPDK port) is read on
 * every run, and its deadline says when it wants the next one (0: at
 * once, while it busy-polls; later while it sleeps between polls).
 *
 * Capture: with a capture configured, every frame of every NIC and every
 * packet the stack loops back through "lo" goes into one pcap stream
 * (LINKTYPE_ETHERNET; loopback packets get an Ethernet header with zero
 * addresses, as Linux's lo shows them to tcpdump, and so do the packets
 * of an NS_LINK_IP link), through the same libpcap filter. A NIC's frames
 * are recorded at the wire: the capture wraps the base driver of the
 * NIC's spec, inside the spec's own wrappers (a fault injector drops
 * before the capture on the way out and after it on the way in), as
 * drivers/pcap.h recommends. Records are written out as the pcap wrapper
 * does (drivers/pcap.h): 64 KiB at a time or at least every second.
 *
 * Counters (drv_nethost_counter): link_down (a link reported -ENETDOWN,
 * waited out), and with a capture lo_pcap_frames, lo_pcap_filtered,
 * lo_pcap_dropped (the loopback's packets, as the pcap wrapper counts a
 * link's frames: each NIC's are in its link's pcap_* counters) and
 * pcap_write_errors.
 *
 * Threading: single-threaded like the stack and the links.
 */
#ifndef DRIVERS_NETHOST_H
#define DRIVERS_NETHOST_H

#include <stdint.h>

#include "drivers/driver.h"
#include "netstack/stack.h"
#include "runsc/error.h"

struct drv_nethost;

/* One NIC of the stack and the link under it. */
struct drv_nethost_nic {
	/* The link, as a spec string (drivers/spec.h), e.g.
	 * "afpacket:iface=eth0" or "tap:name=rs0,offload". */
	const char *spec;
	/* Instead of spec (which must then be NULL): a link already open,
	 * such as one end of an in-memory pipe pair. The host takes it
	 * over: it is closed by drv_nethost_close(), or by
	 * drv_nethost_open() when that fails. A capture wraps it whole. */
	struct drv_link *link;
	/* The interface name the stack shows (netlink, /proc/net, ioctls);
	 * NULL keeps the link's. */
	const char *name;
	uint32_t mtu;	/* 0: the link's */
	uint32_t flags; /* NS_NIC_F_* */
	/* Configured once the NIC is added; ifindex fields are ignored
	 * (the NIC's own is used), and a route's ifindex 0 means this NIC. */
	const struct ns_ifaddr *addrs;
	unsigned naddrs;
	const struct ns_route *routes;
	unsigned nroutes;
};

struct drv_nethost_capture {
	const char *path;   /* pcap file to create; NULL: stream to fd */
	int fd;		    /* with path NULL: borrowed, duplicated; -1: none */
	const char *filter; /* libpcap expression; NULL: every frame */
	uint32_t snaplen;   /* 0: whole frames */
};

struct drv_nethost_config {
	const struct drv_nethost_nic *nics;
	unsigned nnics; /* 0: the loopback-only stack */
	/* NULL, or a capture of all NICs and the loopback. */
	const struct drv_nethost_capture *capture;
	/* The stack's limits; NULL: defaults. clock and random are the
	 * host's (CLOCK_MONOTONIC and getrandom) and are not read from
	 * here. */
	const struct ns_stack_config *stack;
};

/* Creates the stack, opens each NIC's link, adds the NICs with their
 * addresses and routes, and sets up the capture. The config is copied
 * (the links given open are taken over). On failure nothing stays open
 * and *err names the failing part (the spec, an address, the capture
 * file). */
int drv_nethost_open(const struct drv_nethost_config *cfg,
		     struct drv_nethost **out, struct rs_error **err);

/* Destroys the stack, then closes the links and completes the capture.
 * NULL is fine. */
void drv_nethost_close(struct drv_nethost *h);

/* The stack, for socket calls and configuration. Borrowed. */
struct ns_stack *drv_nethost_stack(const struct drv_nethost *h);

/* The fd to watch for EPOLLIN. */
int drv_nethost_fd(const struct drv_nethost *h);

/* NICs in configuration order: their ifindex in the stack, and links. */
unsigned drv_nethost_nic_count(const struct drv_nethost *h);
int drv_nethost_ifindex(const struct drv_nethost *h, unsigned i);
struct drv_link *drv_nethost_link(const struct drv_nethost *h, unsigned i);

/* One round, whenever the fd fired (calling it when it did not is
 * harmless): the links' timers, received frames into the stack in bounded
 * bursts (64 frames, at most 16 per link and round, the links taking
 * turns; what is left keeps the fd readable), each followed by
 * after_rx(arg) (may be NULL) so the owner can let readers drain their
 * sockets before the next burst, the stack's timers, a flush of every
 * link, and the timer re-armed for the new earliest deadline. Returns 0,
 * or the negative errno of a link that failed (-EIO), then at every later
 * call; a link that went down (-ENETDOWN) is waited out and counted in
 * link_down, not returned. */
int drv_nethost_run(struct drv_nethost *h, void (*after_rx)(void *arg),
		    void *arg);

/* After the owner called into the stack: pushes out what the links hold
 * and re-arms the timer from the stack's and links' deadlines. Cheap when
 * nothing changed. A link failing here is reported by the next
 * drv_nethost_run(). */
void drv_nethost_flush(struct drv_nethost *h);

/* The deadline the timer was armed for by the last run or flush
 * (CLOCK_MONOTONIC nanoseconds, as drv_monotonic_ns()): the earliest of
 * the stack's, the links' and the capture's, or NS_TIME_NEVER. */
uint64_t drv_nethost_next_deadline(const struct drv_nethost *h);

/* The host's own counters (see the top): stores the value and returns
 * 0, or -ENOENT. */
int drv_nethost_counter(const struct drv_nethost *h, const char *name,
			uint64_t *value);

/* Calls fn for each of the host's own counters. */
void drv_nethost_counters_foreach(const struct drv_nethost *h,
				  drv_counter_fn fn, void *arg);

#endif
