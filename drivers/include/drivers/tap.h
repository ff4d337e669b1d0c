/* The tap driver: /dev/net/tun in IFF_TAP | IFF_NO_PI mode. The stack is
 * a host on the other end of the tap device's virtual cable; the kernel
 * side (addresses, link state) is configured by whoever set up the
 * namespace (`ip link set tap0 up` ...).
 *
 * Tap has no batched syscall, so receive reads one frame per read(2)
 * until the device is empty or the burst full, and flush writes the
 * queued frames one writev(2) each.
 *
 * Offloads (IFF_VNET_HDR, a struct virtio_net_hdr before every frame):
 * - vnet_hdr: the kernel marks frames whose checksum it verified
 *   (NS_LINK_CAP_RX_CSUM);
 * - offload: also TUNSETOFFLOAD(TUN_F_CSUM | TSO4 | TSO6): the stack may
 *   send NS_PKT_F_CSUM_PARTIAL frames and TCP super-segments of up to 64
 *   KiB that the kernel completes and segments (TX_CSUM, TSO), and the
 *   kernel may deliver coalesced frames beyond the MTU (RX_GRO) with
 *   checksums it trusts: the road to kernel-like throughput.
 * Without vnet_hdr a partial checksum is completed in software.
 * There is nothing to negotiate with the device's own features: the
 * kernel takes what we write as a received frame (tun_get_user), partial
 * checksums and super-segments included whatever `ethtool -K tap0`
 * says, and segments and checksums in software what it forwards to a
 * device without those offloads; the device's features only decide what
 * the kernel sends us (it segments first when TSO is off), which the
 * receive path takes in any form.
 *
 * Counters: the device counters of driver.h.
 */
#ifndef DRIVERS_TAP_H
#define DRIVERS_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

struct drv_tap_config {
	/* Device name; empty: the kernel picks tapN. An existing persistent
	 * tap (ip tuntap add) of that name is attached. */
	char name[IFNAMSIZ];
	/* Network namespace to create the device in (a path such as
	 * /run/netns/NAME); NULL: the caller's. Only the calling thread
	 * switches, and only during the open. */
	const char *netns;
	uint8_t mac[6];	 /* the stack's MAC; all zero: random, local */
	uint32_t mtu;	 /* 0: the device's; else set on the device */
	uint32_t txqlen; /* frames queued for transmission; 0: 1000 */
	bool vnet_hdr;
	bool offload; /* implies vnet_hdr */
	/* Adopt a persistent device and clear its persistence
	 * (TUNSETPERSIST 0), so that it goes with this link's fd: closed, or
	 * the process killed. For a device someone configured before the
	 * stack opened it (runsc do's --net-driver=tap: the kernel side's
	 * address is set while the device waits for its owner). */
	bool transient;
};

/* Opens (creates) the tap device. Returns 0, or a negative errno with
 * *err naming the device (no /dev/net/tun, no CAP_NET_ADMIN, a busy
 * name, a bad MTU). */
int drv_tap_open(const struct drv_tap_config *cfg, struct drv_link **out,
		 struct rs_error **err);

#endif
