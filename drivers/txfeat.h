/* What an interface's transmit path takes: its netdev features, read with
 * the ethtool ioctl (SIOCETHTOOL), for a driver that hands frames to the
 * device directly (AF_PACKET with PACKET_QDISC_BYPASS: the kernel's
 * direct transmit drops a super-segment the device cannot segment,
 * __dev_direct_xmit after validate_xmit_skb). Private to drivers/.
 *
 * The features are bits of the kernel's feature words (ETHTOOL_GFEATURES)
 * whose positions vary between kernels; their names (the ETH_SS_FEATURES
 * string set, as `ethtool -k` shows them) do not, so the positions are
 * looked up once per interface. A kernel without the string set is asked
 * with the legacy get operations instead (ETHTOOL_GTXCSUM, GSG, GTSO),
 * which cannot tell IPv4 from IPv6.
 */
#ifndef DRIVERS_TXFEAT_H
#define DRIVERS_TXFEAT_H

#include <stdbool.h>
#include <stdint.h>

struct drv_txfeat {
	bool csum4; /* fills in TCP/UDP checksums over IPv4 (NEEDS_CSUM) */
	bool csum6; /* ... over IPv6 */
	bool sg;    /* takes frames in pieces (the kernel linearizes else) */
	bool tso4;  /* segments TCP super-segments over IPv4 */
	bool tso6;  /* ... over IPv6 */
};

enum {
	DRV_FEAT_CSUM_IPV4,    /* tx-checksum-ipv4 */
	DRV_FEAT_CSUM_GENERIC, /* tx-checksum-ip-generic: any protocol */
	DRV_FEAT_CSUM_IPV6,    /* tx-checksum-ipv6 */
	DRV_FEAT_SG,	       /* tx-scatter-gather */
	DRV_FEAT_TSO4,	       /* tx-tcp-segmentation */
	DRV_FEAT_TSO6,	       /* tx-tcp6-segmentation */
	DRV_FEAT_COUNT,
};

/* Where the features sit in the kernel's feature words. */
struct drv_featmap {
	bool legacy;		     /* no names: the legacy get operations */
	int16_t bit[DRV_FEAT_COUNT]; /* -1: the kernel does not know it */
};

/* Looks the positions up through sock (any socket of the interface's
 * network namespace). Returns 0, or a negative errno (no such interface,
 * no ethtool at all). */
int drv_featmap_init(int sock, const char *ifname, struct drv_featmap *map);

/* Reads the features now active. Returns 0 or a negative errno (the
 * interface is gone), *out unchanged then. */
int drv_txfeat_read(int sock, const char *ifname, const struct drv_featmap *map,
		    struct drv_txfeat *out);

#endif
