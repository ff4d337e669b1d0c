/* Host-side network set-up over rtnetlink (libmnl): what the sandbox's
 * network namespace holds, handing it over to the netstack, and the small
 * topologies `runsc do` builds.
 *
 * Discovery reads one network namespace: its Ethernet-like interfaces
 * (ARPHRD_ETHER, not loopback) with their addresses, the main table's
 * routes through them and their permanent neighbours. Take-over turns
 * that into a struct drv_nethost_config (one NIC per interface that is up,
 * on an AF_PACKET link bound to it) and then strips the kernel's side: the
 * interface keeps its link and MAC but loses every address and has IPv6
 * disabled, so the host kernel no longer answers ARP, NDP or TCP for
 * addresses the netstack now owns. The same code serves `runsc do` (a
 * namespace runsc made) and the OCI `runsc run` (a namespace from
 * config.json or the engine's CNI plugins): nothing here assumes who made
 * the namespace.
 *
 * Namespaces: `netns` arguments are paths such as /run/netns/NAME,
 * /proc/PID/ns/net or /proc/self/fd/N; NULL means the caller's. Only the
 * calling thread switches, and only while it opens its netlink socket or a
 * /proc/sys file (as drivers/afpacket.h and tap.h do).
 *
 * Errors: the control plane's struct rs_error, naming the namespace, the
 * interface or the address and carrying the kernel's extended-ack text
 * when it gave one. Everything here needs CAP_NET_ADMIN in the namespace
 * except discovery.
 */
#ifndef DRIVERS_HOSTNET_H
#define DRIVERS_HOSTNET_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/nethost.h"
#include "netstack/stack.h"
#include "runsc/error.h"

/* ---- Discovery ------------------------------------------------------- */

struct drv_hostnet_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefix_len;
	uint8_t scope;	    /* RT_SCOPE_* */
	uint8_t proto;	    /* IFA_PROTO: IFAPROT_*, 0 when not given */
	uint32_t flags;	    /* IFA_F_* as the kernel reports them */
	uint32_t valid_lft; /* seconds left; UINT32_MAX: forever */
};

struct drv_hostnet_route {
	int family;
	uint8_t dst[16];
	uint8_t prefix_len;  /* 0: a default route */
	uint8_t gateway[16]; /* all zero: on the link */
	uint8_t src[16];     /* preferred source; all zero: none */
	uint32_t metric;     /* RTA_PRIORITY */
	uint8_t protocol;    /* RTPROT_* */
	uint8_t scope;	     /* RT_SCOPE_* */
};

struct drv_hostnet_neigh {
	int family;
	uint8_t addr[16];
	uint8_t mac[6];
};

struct drv_hostnet_iface {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16]; /* IFLA_INFO_KIND ("veth", "macvlan"); "" if none */
	uint16_t type; /* ARPHRD_* (always ARPHRD_ETHER in a discovery) */
	uint8_t mac[6];
	uint32_t mtu;
	bool up;	       /* IFF_UP */
	bool carrier;	       /* IFF_LOWER_UP */
	bool ipv6_disabled;    /* disable_ipv6 is set or the kernel has none */
	bool ipv6_no_autoconf; /* addr_gen_mode none: no link-local */
	/* Every address, the kernel's link-local included. */
	struct drv_hostnet_addr *addrs;
	unsigned naddrs;
	/* Unicast routes of the main table through this interface
	 * (multipath routes contribute their next hops on it), the
	 * kernel's prefix routes included. */
	struct drv_hostnet_route *routes;
	unsigned nroutes;
	/* Permanent (NUD_PERMANENT) neighbour entries. */
	struct drv_hostnet_neigh *neighs;
	unsigned nneighs;
};

/* A namespace's Ethernet-like interfaces, in ifindex order. Owned by the
 * caller; release with drv_hostnet_free(). */
struct drv_hostnet {
	struct drv_hostnet_iface *ifaces;
	unsigned nifaces;
	unsigned nskipped; /* other links (loopback, tun, ipip, ...) */
};

/* Reads the interfaces of netns (NULL: the caller's). A namespace without
 * any Ethernet-like interface gives nifaces 0, not an error. Returns 0,
 * or a negative errno with *err naming the namespace (-ENOENT: no such
 * namespace). */
int drv_hostnet_discover(const char *netns, struct drv_hostnet **out,
			 struct rs_error **err);

/* NULL is fine. */
void drv_hostnet_free(struct drv_hostnet *d);

/* ---- Take-over ------------------------------------------------------- */

struct drv_hostnet_takeover_config {
	const char *netns; /* NULL: the caller's */
	/* The base driver of every NIC (runsc's --net-driver): "afpacket"
	 * (NULL means it) or "dpdk" (a net_af_packet port on the interface)
	 * can take over an existing interface; others are refused with
	 * -ENOTSUP. */
	const char *driver;
	/* Options appended to every NIC's spec, e.g. "mode=ring"; NULL:
	 * none. */
	const char *driver_opts;
};

/* Turns a discovery into a netstack host configuration: one NIC for
 * every interface that is up, in ifindex order, with
 *   spec   "afpacket:iface=NAME" (plus ",netns=PATH" when tc->netns is
 *          given, and driver_opts), names quoted as spec.h wants;
 *   name   the interface's name, mtu its MTU;
 *   flags  NS_NIC_F_NO_IPV6 when the interface had IPv6 disabled,
 *          NS_NIC_F_NO_AUTOCONF with addr_gen_mode none;
 *   addrs  every IPv4 address and every permanent IPv6 one except the
 *          kernel's link-local (the netstack makes its own from the MAC,
 *          and autoconfigures from router advertisements itself, so
 *          addresses the kernel learned from them are left out too), as
 *          NS_ADDR_F_NODAD and without lifetime: they were the
 *          interface's already;
 *   routes the main table's unicast routes through it, except those the
 *          kernel made for an address's prefix or learned from a router
 *          advertisement (the netstack makes both itself); ifindex 0.
 * Permanent neighbours go beside it (drv_hostnet_config_neighs). The
 * capture and stack fields are left NULL for the caller to fill.
 *
 * Ownership: *out and everything it points to (the nics array, each
 * NIC's spec, name, addrs and routes) belong to the caller and are freed
 * by drv_hostnet_config_free(), which does not touch what the caller
 * added (capture, stack). Returns 0, -ENODEV with *err when no interface
 * is up, -ENOTSUP for a driver that cannot take over, or -ENOMEM. */
int drv_hostnet_config(const struct drv_hostnet *d,
		       const struct drv_hostnet_takeover_config *tc,
		       struct drv_nethost_config **out, struct rs_error **err);

/* Strips the kernel's side of every interface of d that is up: IPv6 is
 * disabled (net.ipv6.conf.IF.disable_ipv6=1 through /proc/sys; where that
 * file cannot be written, addr_gen_mode none and the IPv6 addresses
 * deleted instead), then every IPv4 address is deleted. The link stays
 * up with its MAC and MTU; the routes through it go with its addresses.
 * Idempotent. Returns 0 or a negative errno with *err naming the
 * interface. */
int drv_hostnet_release(const struct drv_hostnet *d, const char *netns,
			struct rs_error **err);

/* Discovery, drv_hostnet_config() and drv_hostnet_release() in one: the
 * take-over of netns. On failure the kernel's side is as it was, except
 * after a failure of the release step itself (reported as such). */
int drv_hostnet_takeover(const struct drv_hostnet_takeover_config *tc,
			 struct drv_nethost_config **out,
			 struct rs_error **err);

/* The permanent neighbours of NIC i of a configuration made by
 * drv_hostnet_config() (ifindex 0: that NIC), for ns_stack_add_neigh()
 * once the host is open (drv_nethost_ifindex gives the NIC's ifindex):
 * struct drv_nethost_nic has no place for them. Borrowed from cfg; NULL
 * with *n 0 when there are none. */
const struct ns_neigh_info *
drv_hostnet_config_neighs(const struct drv_nethost_config *cfg, unsigned i,
			  unsigned *n);

/* Frees a configuration made by drv_hostnet_config(). NULL is fine. */
void drv_hostnet_config_free(struct drv_nethost_config *cfg);

/* ---- Address space in use -------------------------------------------- */

struct drv_hostnet_prefix {
	int family;
	uint8_t addr[16]; /* host bits cleared */
	uint8_t prefix_len;
};

/* Every prefix a namespace uses: each address's prefix (on any link, up
 * or down) and each route's destination in every table but the local
 * one, default routes left out. For choosing a subnet that collides with
 * nothing (runsc do). *out is the caller's (free()). Returns 0 or a
 * negative errno with *err. */
int drv_hostnet_prefixes(const char *netns, struct drv_hostnet_prefix **out,
			 unsigned *n, struct rs_error **err);

/* Whether p overlaps (contains, or is contained in) any of list[0..n). */
bool drv_hostnet_prefix_overlaps(const struct drv_hostnet_prefix *list,
				 unsigned n,
				 const struct drv_hostnet_prefix *p);

/* ---- Topology helpers ------------------------------------------------ */

/* Creates a veth pair in netns: `name` stays there, `peer` is created
 * straight in the namespace open at peer_netns_fd (-1: netns too), so
 * that its name is checked only there. Both ends start down. */
int drv_hostnet_veth_create(const char *netns, const char *name,
			    const char *peer, int peer_netns_fd,
			    struct rs_error **err);

/* Adds an address to ifname (IPv6 ones with IFA_F_NODAD: the set-ups here
 * own their subnets, and a tentative address would delay the first
 * packets). Only family, addr and prefix_len of a are read. */
int drv_hostnet_addr_add(const char *netns, const char *ifname,
			 const struct drv_hostnet_addr *a,
			 struct rs_error **err);

/* Adds a route to the main table through ifname: r's family, dst,
 * prefix_len, gateway (all zero: on the link), metric and src (all zero:
 * none). */
int drv_hostnet_route_add(const char *netns, const char *ifname,
			  const struct drv_hostnet_route *r,
			  struct rs_error **err);

/* Switches the interface's transmit checksum offload (ethtool -K IF tx
 * on|off; TSO goes with it). For the kernel peer of a link that cannot
 * be told a checksum is left partial: DPDK's net_af_packet reads frames
 * without a virtio header, so a veth peer must complete its checksums. */
int drv_hostnet_tx_csum(const char *netns, const char *ifname, bool on,
			struct rs_error **err);

/* Sets the link up. */
int drv_hostnet_link_up(const char *netns, const char *ifname,
			struct rs_error **err);

/* Deletes a link (either end of a veth takes both). -ENODEV with *err
 * when there is no such link. */
int drv_hostnet_link_del(const char *netns, const char *ifname,
			 struct rs_error **err);

/* A link deletion prepared now and sent later by a process that may have
 * dropped every privilege since: rtnetlink checks the capabilities of the
 * socket's opener, not of its user. For a guard that removes a device
 * when its owner dies (runsc do's tap, until the Sentry adopts it). The
 * link is named by the ifindex it has now, so a later device reusing the
 * name is never taken for it. */
struct drv_hostnet_pending_del;

int drv_hostnet_del_prepare(const char *netns, const char *ifname,
			    struct drv_hostnet_pending_del **out,
			    struct rs_error **err);

/* The netlink socket's fd (to keep open across a close of all others). */
int drv_hostnet_del_fd(const struct drv_hostnet_pending_del *p);

/* Sends the deletion and frees p. Returns 0, -ENODEV when the link is
 * gone already, or another negative errno. Needs only sendto, recvfrom
 * and close. */
int drv_hostnet_del_commit(struct drv_hostnet_pending_del *p);

/* Frees p without sending. NULL is fine. */
void drv_hostnet_del_free(struct drv_hostnet_pending_del *p);

/* drv_hostnet_tap_create() flags. */
enum {
	/* The device outlives *fd (TUNSETPERSIST) until deleted or until a
	 * driver that adopts it clears the flag (tap "transient"). */
	DRV_HOSTNET_TAP_PERSIST = 1u << 0,
	/* IFF_VNET_HDR, as drivers/tap.h's vnet_hdr and offload need: the
	 * flag is fixed when the device is made. */
	DRV_HOSTNET_TAP_VNET_HDR = 1u << 1,
};

/* Creates tap device `name` (IFF_TAP | IFF_NO_PI) in netns and stores
 * its fd (O_CLOEXEC, non-blocking) in *fd. Without DRV_HOSTNET_TAP_PERSIST
 * the device exists exactly as long as that fd (and its duplicates) is
 * open: the kernel removes it with the last close, also when the process
 * is killed. */
int drv_hostnet_tap_create(const char *netns, const char *name, unsigned flags,
			   int *fd, struct rs_error **err);

#endif
