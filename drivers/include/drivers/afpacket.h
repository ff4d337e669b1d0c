/* The AF_PACKET driver: a raw packet socket bound to one Ethernet
 * interface (ETH_P_ALL), for a stack that takes over an interface of its
 * network namespace (a veth end) and answers for its addresses itself.
 *
 * The socket bypasses the qdisc (PACKET_QDISC_BYPASS: the stack queues and
 * batches itself), ignores the frames it sends (PACKET_IGNORE_OUTGOING,
 * and PACKET_OUTGOING frames are skipped as well on kernels without it),
 * and has large buffers. Two ways to move frames, chosen by `mode`:
 *
 * - DRV_AFPACKET_MMSG (the default): recvmmsg/sendmmsg batches of 64
 *   with PACKET_VNET_HDR. The kernel reads into and writes from the
 *   packets themselves (no copy here), and a virtio_net_hdr per frame
 *   carries offloads: partial checksums and 64 KiB TCP super-segments
 *   both ways (NS_LINK_CAP_TX_CSUM, TSO, RX_CSUM, RX_GRO). A kernel peer
 *   on a veth sends TCP super-segments whenever its TSO is on; they are
 *   received whole. UDP super-datagrams (a peer using UDP_SEGMENT) are
 *   split into datagrams here, the stack having no GSO type for them.
 *   Transmit offloads are negotiated with the interface (its ethtool
 *   features): TX_CSUM and TSO are offered to the stack only when the
 *   interface has them at the open, since the direct transmit of
 *   PACKET_QDISC_BYPASS drops a super-segment the device cannot segment.
 *   The features are read again every second and when the device refuses
 *   a super-segment; one switched off later (ethtool -K IFACE tso off, tx
 *   off) is made up for in software here: super-segments split, checksums
 *   filled in (tx_sw_gso, tx_sw_csum), nothing dropped.
 * - DRV_AFPACKET_RING: PACKET_MMAP rings, TPACKET_V2 (per-frame status,
 *   so no TPACKET_V3 block timeout on the latency path): no syscall per
 *   received batch while frames keep coming, one send(2) kick per
 *   transmitted batch, a copy between ring and packet each way, frames up
 *   to the MTU only (a super-segment is counted in rx_errors, so a kernel
 *   peer must not use TSO/GSO towards it), checksums completed in
 *   software (RX_CSUM only).
 *
 * Why MMSG is the default (perf/drivers-bench on a veth pair, 2 vCPUs):
 * per MTU-size frame the two modes send at about the same rate (paired
 * ratio ring/mmsg 0.92 to 1.11 over several sessions, CPU per frame
 * within 10%), and the ring receives up to 1.2x more frames per second
 * on a quiet machine (less when other load shares the CPUs); but only
 * MMSG moves a 64 KiB super-segment in one frame operation instead of
 * 45, which is what bulk TCP needs: perf/nsd downloads at about 27
 * Gbit/s over MMSG with offloads, where MTU-size frames cap any mode
 * near 0.6 M frames/s, about 7 Gbit/s.
 *
 * Counters: the device counters of driver.h, plus rx_kernel_drops (frames
 * the kernel dropped because the socket or ring was full,
 * PACKET_STATISTICS), rx_outgoing_ignored, rx_udp_gso_split, and (MMSG)
 * tx_sw_gso (super-segments split because the device had lost TSO),
 * tx_sw_csum (frames checksummed because it had lost checksumming) and
 * tx_offload_changes (times its transmit features were found changed).
 */
#ifndef DRIVERS_AFPACKET_H
#define DRIVERS_AFPACKET_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

enum drv_afpacket_mode {
	DRV_AFPACKET_MMSG,
	DRV_AFPACKET_RING,
};

struct drv_afpacket_config {
	char iface[IFNAMSIZ]; /* the interface to take over */
	/* Network namespace of the interface (a path such as
	 * /run/netns/NAME); NULL: the caller's. Only the calling thread
	 * switches, and only during the open. */
	const char *netns;
	enum drv_afpacket_mode mode;
	/* The stack's MAC; all zero: the interface's own. Another MAC turns
	 * promiscuous mode on, or the interface would not pass frames
	 * addressed to it. */
	uint8_t mac[6];
	bool promisc;
	/* Send through the interface's qdisc instead of straight to the
	 * device (for a shaped interface). */
	bool use_qdisc;
	uint32_t ring_frames; /* RING: frames per ring (each way); 0: 1024 */
	uint32_t sock_buf;    /* socket buffer bytes each way; 0: 4 MiB */
	uint32_t txqlen;      /* frames queued for transmission; 0: 1000 */
};

/* Opens the socket on the interface. Returns 0, or a negative errno with
 * *err naming the interface (missing, not Ethernet, no CAP_NET_RAW, ring
 * set-up refused). */
int drv_afpacket_open(const struct drv_afpacket_config *cfg,
		      struct drv_link **out, struct rs_error **err);

#endif
