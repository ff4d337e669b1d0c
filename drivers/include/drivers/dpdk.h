/* The DPDK driver: the stack on one DPDK ethdev port (a NIC bound to a
 * DPDK PMD, or a virtual device: net_af_packet on a kernel interface,
 * net_af_xdp, net_tap, net_memif to another DPDK process, ...).
 *
 * EAL: DPDK's environment is initialised once per process, by the first
 * DPDK link opened, from that link's `args` (rte_eal_init's argv, split
 * like a shell would, without expansions). Later links share it: their
 * args must be absent or the same text. The driver adds what a sandbox
 * needs unless the arguments say otherwise:
 *   --file-prefix=rs<PID>-<N>   unique per process, so two sandboxes never
 *                               share EAL's runtime files;
 *   --no-shconf                 no runtime files at all (unless
 *                               --proc-type asks for a multi-process
 *                               set-up); the runtime directory EAL makes
 *                               is removed again once it is empty;
 *   --no-telemetry              no telemetry socket and thread;
 *   --lcores=0@(CPUS)           one lcore floating on the CPUs the caller
 *                               may run on: no worker threads, no pinning;
 *   --no-huge -m 256            when the machine has no hugepages (and
 *                               none of --no-huge, -m, --socket-mem was
 *                               given);
 *   --log-level=N               warnings only (debug with runsc --debug).
 * EAL's messages go to the runsc logger (component "dpdk"), not to stdout
 * or syslog; a failed initialisation is one error naming the arguments
 * and EAL's own complaint.
 *
 * Port: `vdev` hot-plugs a virtual device and uses it ("net_memif0,
 * role=server"); `iface` is short for a net_af_packet (or, with
 * pmd=af_xdp, net_af_xdp) vdev on that kernel interface, in `netns`
 * (the calling thread enters it while the device probes, as the other
 * kernel-facing drivers do); `port` picks a port EAL's --vdev or a PCI
 * probe made, by number or name; with none of them, the first port no
 * other link uses. A device this link hot-plugged is removed at close
 * (its socket, tap device or memif socket go with it).
 *
 * Receive (zero copy): an mbuf's data becomes a fragment of the packet
 * (struct ns_buf in the mbuf's private area, freed back to the pool when
 * the stack drops its last reference), the stack pulling the headers it
 * parses into the packet's head; a chained mbuf gives one fragment per
 * segment. Frames of at most DRV_DPDK_COPYBREAK bytes (ACKs, ARP) are
 * copied and their mbuf freed at once, and so is everything while the
 * pool runs low (fewer than a quarter free: sockets hold on to received
 * data), so that a slow reader never starves the port of buffers
 * (rx_nombuf). The pool is freed when the link is closed and the last
 * packet referencing it is gone.
 *
 * Transmit: tx=copy (the default) copies each frame into one mbuf (a
 * chain for super-segments); tx=extbuf copies only the head and attaches
 * the packet's fragments as external buffers (rte_pktmbuf_attach_extbuf,
 * a reference on the fragment's buffer until the PMD frees the mbuf).
 * perf/net-bench.sh measured both; see drivers/dpdk.c for the numbers.
 *
 * Offloads, from what the port reports (rte_eth_dev_info): TCP/UDP
 * checksums (NS_LINK_CAP_TX_CSUM, RX_CSUM) and TSO (NS_LINK_CAP_TSO) when
 * the port has them, LRO as RX_GRO; a super-segment for a port without
 * TSO is split in software (tx_sw_gso), a partial checksum it cannot fill
 * in is completed (tx_sw_csum). offload=off turns all of them off.
 *
 * Polling (`poll`), since a DPDK queue has no fd of its own:
 *   interrupt  the queue's rx interrupt (rte_eth_dev_rx_intr_*) through an
 *              epoll fd (drv_fd) after `budget` of idle polling; for PMDs
 *              that have one (net_tap, virtio);
 *   hybrid     drv_fd() is -1 and the owner polls at drv_next_deadline():
 *              busily for `budget` after the last frame in or out, then
 *              sleeping 20 us, doubling each idle poll up to `sleep`;
 *   busy       always due: one core spins (only when asked for);
 *   auto       (default) interrupt where the PMD has it, else hybrid.
 * The link's state is read every 250 ms; a port that goes down reports
 * -ENETDOWN once from drv_rx_burst() and drops what is sent
 * (tx_dropped) until it is up again.
 *
 * Counters: the device counters of driver.h plus the port's own
 * (rte_eth_stats: imissed, ierrors, rx_nombuf, oerrors), and
 * rx_zerocopy, rx_copied, tx_sw_gso, tx_sw_csum, tx_csum_offload,
 * tx_tso_offload, tx_ring_full, polls_idle, intr_wakeups, link_changes.
 *
 * After drv_dpdk_open() returned, DPDK's threads (EAL's interrupt
 * thread) exist: a process that confines itself afterwards must do so
 * for every thread (see drv_dpdk_confine_syscalls()).
 */
#ifndef DRIVERS_DPDK_H
#define DRIVERS_DPDK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

/* Received frames up to this many bytes are copied (see above). */
#define DRV_DPDK_COPYBREAK 256

enum drv_dpdk_poll {
	DRV_DPDK_POLL_AUTO,
	DRV_DPDK_POLL_INTERRUPT,
	DRV_DPDK_POLL_HYBRID,
	DRV_DPDK_POLL_BUSY,
};

enum drv_dpdk_tx {
	DRV_DPDK_TX_COPY,
	DRV_DPDK_TX_EXTBUF,
};

enum drv_dpdk_pmd {
	DRV_DPDK_PMD_AF_PACKET,
	DRV_DPDK_PMD_AF_XDP,
};

struct drv_dpdk_config {
	const char *args; /* EAL arguments; NULL: the defaults alone */
	const char *vdev; /* a virtual device to hot-plug and use */
	char iface[IFNAMSIZ];
	enum drv_dpdk_pmd pmd; /* the vdev made for iface */
	const char *netns;     /* of iface / of the vdev's probe */
	const char *port;      /* a port by number or name */
	uint8_t mac[6];	       /* all zero: the port's */
	uint32_t mtu;	       /* 0: 1500, or what the port allows */
	uint32_t rx_ring;      /* descriptors; 0: 1024 */
	uint32_t tx_ring;      /* 0: 1024 */
	uint32_t mbufs;	       /* receive pool; 0: from the rings */
	uint32_t txqlen;       /* frames queued; 0: 1000 */
	enum drv_dpdk_poll poll;
	uint64_t budget_ns; /* busy polling after activity; 0: 50 us */
	uint64_t sleep_ns;  /* hybrid: longest sleep; 0: 500 us */
	enum drv_dpdk_tx tx;
	bool no_offload;
	bool promisc;
};

/* Opens the port (initialising EAL first when this is the first DPDK
 * link of the process). Returns 0, or a negative errno with *err naming
 * the arguments, device or port. */
int drv_dpdk_open(const struct drv_dpdk_config *cfg, struct drv_link **out,
		  struct rs_error **err);

/* Whether EAL was initialised in this process (DPDK's threads exist). */
bool drv_dpdk_active(void);

/* The host syscalls DPDK's threads and the driver's data path make once
 * set up (the PMDs used here: af_packet, af_xdp, tap, memif, ring, null,
 * virtio_user), beyond those a plain event loop makes, for a process
 * that confines itself with seccomp after opening its links (the
 * Sentry). Syscall numbers of the native architecture; *n gets the count.
 * Empty when DPDK is not active. */
const int *drv_dpdk_confine_syscalls(unsigned *n);

#endif
