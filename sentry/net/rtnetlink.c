/* NETLINK_ROUTE answered from the sandbox's netstack (rtnetlink(7)):
 * links, addresses, routes and neighbours, as `ip`, glibc's getifaddrs,
 * if_nameindex and friends ask for them, and the changes `ip addr`,
 * `ip route`, `ip link set` and `ip neigh` make, for a task with
 * CAP_NET_ADMIN.
 *
 * The messages are those of Linux's rtnetlink.c, devinet.c, addrconf.c,
 * fib_semantics.c, route.c and neighbour.c: the same family headers,
 * attributes in the same order, the same checks in the same order and
 * the same errors (EPERM for a change without the capability, ENODEV,
 * EEXIST, EADDRNOTAVAIL, ESRCH, ...), strict checking of dump requests
 * when the socket set NETLINK_GET_STRICT_CHK.
 *
 * What the netstack cannot do is refused rather than faked: its NICs are
 * always up, so `ip link set DEV down` fails with EOPNOTSUPP (as Linux
 * answers a request a device cannot carry out), a rename fails with EBUSY
 * (Linux refuses to rename an interface that is up), routes live in one
 * table (main) and are unicast, and neighbour entries added by hand are
 * permanent.
 *
 * The local table Linux keeps (local and broadcast routes of each
 * address, ff00::/8 on IPv6 links) is implied by the netstack's
 * addresses; it is shown, read-only, as Linux shows it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "net/netlink.h"
#include "netstack/stack.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#ifndef RTCF_LOCAL
#define RTCF_LOCAL 0x80000000u
#endif
#define INFINITY_LIFE_TIME   0xFFFFFFFFu
#define IF_OPER_UNKNOWN	     0 /* RFC 2863 operational states */
#define IF_OPER_UP	     6
#define IP6_RT_PRIO_USER     1024
#define IP6_RT_PRIO_ADDRCONF 256
#define USER_HZ		     100
#define LO_MTU		     65536 /* what Linux shows for lo */
#define TXQLEN		     1000
#define MAX_NICS	     64

/* ---- the stack's objects -------------------------------------------------- */

struct nics {
	struct ns_nic_info v[MAX_NICS];
	int n;
};

static int nic_cb(void *arg, const struct ns_nic_info *info)
{
	struct nics *l = arg;
	if (l->n < MAX_NICS)
		l->v[l->n++] = *info;
	return 0;
}

static void get_nics(struct ns_stack *s, struct nics *l)
{
	l->n = 0;
	ns_stack_foreach_nic(s, nic_cb, l);
}

static const struct ns_nic_info *nic_by_index(const struct nics *l, int idx)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i].ifindex == idx)
			return &l->v[i];
	return NULL;
}

static const struct ns_nic_info *nic_by_name(const struct nics *l,
					     const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

/* Growable arrays filled by the foreach callbacks. */
struct vec {
	void *v;
	size_t n, cap, size;
};

static int vec_push(struct vec *v, const void *item)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->v, cap * v->size);
		if (p == NULL)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	memcpy((char *)v->v + v->n * v->size, item, v->size);
	v->n++;
	return 0;
}

static int addr_cb(void *arg, const struct ns_ifaddr *ifa)
{
	return vec_push(arg, ifa);
}

static int route_cb(void *arg, const struct ns_route *rt)
{
	return vec_push(arg, rt);
}

static int neigh_cb(void *arg, const struct ns_neigh_info *n)
{
	return vec_push(arg, n);
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Linux's view of a NIC. */
static unsigned link_flags(const struct ns_nic_info *ni)
{
	unsigned f = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
	if (ni->loopback)
		f |= IFF_LOOPBACK;
	else if (ni->type == NS_LINK_ETHERNET)
		f |= IFF_BROADCAST | IFF_MULTICAST;
	else
		f |= IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	return f;
}

static unsigned short link_type(const struct ns_nic_info *ni)
{
	if (ni->loopback)
		return ARPHRD_LOOPBACK;
	return ni->type == NS_LINK_ETHERNET ? ARPHRD_ETHER : ARPHRD_NONE;
}

static uint32_t link_mtu(const struct ns_nic_info *ni)
{
	/* The netstack caps lo at the largest IP packet; Linux's lo has
	 * an MTU of 65536. */
	return ni->loopback && ni->mtu == 65535 ? LO_MTU : ni->mtu;
}

/* ---- links ---------------------------------------------------------------- */

static void fill_link(struct nl_msg *m, const struct ns_nic_info *ni,
		      uint16_t type, uint16_t flags, uint32_t seq,
		      uint32_t portid, uint32_t ext_mask)
{
	struct ifinfomsg *ifm =
		nl_msg_start(m, type, flags, seq, portid, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_type = link_type(ni);
	ifm->ifi_index = ni->ifindex;
	ifm->ifi_flags = link_flags(ni);
	nl_put_str(m, IFLA_IFNAME, ni->name);
	nl_put_u32(m, IFLA_TXQLEN, TXQLEN);
	nl_put_u8(m, IFLA_OPERSTATE,
		  ni->loopback ? IF_OPER_UNKNOWN : IF_OPER_UP);
	nl_put_u8(m, IFLA_LINKMODE, 0);
	nl_put_u32(m, IFLA_MTU, link_mtu(ni));
	nl_put_u32(m, IFLA_MIN_MTU, ni->loopback ? 0 : 68);
	nl_put_u32(m, IFLA_MAX_MTU, ni->loopback ? 0 : 65535);
	nl_put_u32(m, IFLA_GROUP, 0);
	nl_put_u32(m, IFLA_PROMISCUITY, 0);
	nl_put_u32(m, IFLA_ALLMULTI, 0);
	nl_put_u32(m, IFLA_NUM_TX_QUEUES, 1);
	nl_put_u32(m, IFLA_GSO_MAX_SEGS, 65535);
	nl_put_u32(m, IFLA_GSO_MAX_SIZE, 65536);
	nl_put_u32(m, IFLA_GRO_MAX_SIZE, 65536);
	nl_put_u32(m, IFLA_TSO_MAX_SIZE, 524280);
	nl_put_u32(m, IFLA_TSO_MAX_SEGS, 65535);
	nl_put_u32(m, IFLA_NUM_RX_QUEUES, 1);
	nl_put_u8(m, IFLA_CARRIER, 1);
	nl_put_str(m, IFLA_QDISC, "noqueue");
	nl_put_u32(m, IFLA_CARRIER_CHANGES, ni->loopback ? 0 : 1);
	nl_put_u32(m, IFLA_CARRIER_UP_COUNT, ni->loopback ? 0 : 1);
	nl_put_u32(m, IFLA_CARRIER_DOWN_COUNT, 0);
	nl_put_u8(m, IFLA_PROTO_DOWN, 0);
	struct rtnl_link_ifmap map;
	memset(&map, 0, sizeof(map));
	nl_put_64bit(m, IFLA_MAP, &map, sizeof(map), IFLA_PAD);
	if (ni->type == NS_LINK_ETHERNET || ni->loopback) {
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff,
						  0xff, 0xff, 0xff };
		static const uint8_t zero[6];
		nl_put(m, IFLA_ADDRESS, ni->loopback ? zero : ni->mac, 6);
		nl_put(m, IFLA_BROADCAST, ni->loopback ? zero : bcast, 6);
	}
	if (!(ext_mask & RTEXT_FILTER_SKIP_STATS)) {
		struct rtnl_link_stats64 s64;
		memset(&s64, 0, sizeof(s64));
		s64.rx_packets = ni->rx_packets;
		s64.rx_bytes = ni->rx_bytes;
		s64.rx_dropped = ni->rx_dropped;
		s64.tx_packets = ni->tx_packets;
		s64.tx_bytes = ni->tx_bytes;
		s64.tx_dropped = ni->tx_dropped;
		nl_put_64bit(m, IFLA_STATS64, &s64, sizeof(s64), IFLA_PAD);
		struct rtnl_link_stats s32;
		memset(&s32, 0, sizeof(s32));
		s32.rx_packets = (uint32_t)ni->rx_packets;
		s32.rx_bytes = (uint32_t)ni->rx_bytes;
		s32.rx_dropped = (uint32_t)ni->rx_dropped;
		s32.tx_packets = (uint32_t)ni->tx_packets;
		s32.tx_bytes = (uint32_t)ni->tx_bytes;
		s32.tx_dropped = (uint32_t)ni->tx_dropped;
		nl_put(m, IFLA_STATS, &s32, sizeof(s32));
	}
	struct nlattr *xdp = nl_nest_start(m, IFLA_XDP);
	nl_put_u8(m, IFLA_XDP_ATTACHED, XDP_ATTACHED_NONE);
	nl_nest_end(m, xdp);
	if (ni->ipv6) {
		struct nlattr *af = nl_nest_start(m, IFLA_AF_SPEC);
		struct nlattr *in6 = nl_nest_start(m, AF_INET6);
		nl_put_u32(m, IFLA_INET6_FLAGS, 0x80000000 /* IF_READY */);
		nl_put_u8(m, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_EUI64);
		nl_nest_end(m, in6);
		nl_nest_end(m, af);
	}
}

static const struct nl_pol link_pol[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { NL_STR, IFNAMSIZ - 1 },
	[IFLA_ALT_IFNAME] = { NL_STR, 127 },
	[IFLA_ADDRESS] = { NL_BIN, 0 },
	[IFLA_BROADCAST] = { NL_BIN, 0 },
	[IFLA_MTU] = { NL_U32, 0 },
	[IFLA_LINK] = { NL_U32, 0 },
	[IFLA_MASTER] = { NL_U32, 0 },
	[IFLA_TXQLEN] = { NL_U32, 0 },
	[IFLA_WEIGHT] = { NL_U32, 0 },
	[IFLA_OPERSTATE] = { NL_U8, 0 },
	[IFLA_LINKMODE] = { NL_U8, 0 },
	[IFLA_LINKINFO] = { NL_NEST, 0 },
	[IFLA_NET_NS_PID] = { NL_U32, 0 },
	[IFLA_NET_NS_FD] = { NL_U32, 0 },
	[IFLA_IFALIAS] = { NL_STR, 255 },
	[IFLA_VFINFO_LIST] = { NL_NEST, 0 },
	[IFLA_VF_PORTS] = { NL_NEST, 0 },
	[IFLA_PORT_SELF] = { NL_NEST, 0 },
	[IFLA_AF_SPEC] = { NL_NEST, 0 },
	[IFLA_EXT_MASK] = { NL_U32, 0 },
	[IFLA_PROMISCUITY] = { NL_U32, 0 },
	[IFLA_NUM_TX_QUEUES] = { NL_U32, 0 },
	[IFLA_NUM_RX_QUEUES] = { NL_U32, 0 },
	[IFLA_GSO_MAX_SEGS] = { NL_U32, 0 },
	[IFLA_GSO_MAX_SIZE] = { NL_U32, 0 },
	[IFLA_PHYS_PORT_ID] = { NL_BIN, 0 },
	[IFLA_CARRIER] = { NL_U8, 0 },
	[IFLA_PROTO_DOWN] = { NL_U8, 0 },
	[IFLA_GROUP] = { NL_U32, 0 },
	[IFLA_XDP] = { NL_NEST, 0 },
	[IFLA_EVENT] = { NL_U32, 0 },
	[IFLA_TARGET_NETNSID] = { NL_U32, 0 },
	[IFLA_NEW_IFINDEX] = { NL_U32, 0 },
	[IFLA_MIN_MTU] = { NL_U32, 0 },
	[IFLA_MAX_MTU] = { NL_U32, 0 },
	[IFLA_PROP_LIST] = { NL_NEST, 0 },
	[IFLA_MAP] = { NL_BIN, sizeof(struct rtnl_link_ifmap) },
	[IFLA_GRO_MAX_SIZE] = { NL_U32, 0 },
	[IFLA_TSO_MAX_SIZE] = { NL_U32, 0 },
	[IFLA_TSO_MAX_SEGS] = { NL_U32, 0 },
};

/* The device a request names: ifi_index, else IFLA_IFNAME or
 * IFLA_ALT_IFNAME (rtnl_dev_get). NULL with *err set. */
static const struct ns_nic_info *link_target(struct nl_req *r,
					     const struct nics *l,
					     const struct ifinfomsg *ifm,
					     const struct nlattr **tb, int *err)
{
	char name[128];
	if (ifm->ifi_index > 0) {
		*err = -ENODEV;
		return nic_by_index(l, ifm->ifi_index);
	}
	const struct nlattr *n =
		tb[IFLA_IFNAME] ? tb[IFLA_IFNAME] : tb[IFLA_ALT_IFNAME];
	if (n == NULL) {
		*err = nl_err(r, -EINVAL, "Device name or index needed");
		return NULL;
	}
	nl_get_str(n, name, sizeof(name));
	*err = -ENODEV;
	return nic_by_name(l, name);
}

static int get_ifinfomsg(struct nl_req *r, struct ifinfomsg *ifm)
{
	if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifm)))
		return nl_err(r, -EINVAL, "Invalid header for link request");
	memcpy(ifm, NLMSG_DATA(r->nlh), sizeof(*ifm));
	return 0;
}

static int dump_links(struct nl_req *r)
{
	r->dump = true;
	const struct nlattr *tb[IFLA_MAX + 1];
	uint32_t ext_mask = 0;
	size_t plen = r->nlh->nlmsg_len - NLMSG_HDRLEN;
	int err;
	if (r->strict) {
		/* rtnl_valid_dump_ifinfo_req */
		struct ifinfomsg ifm;
		if (plen < sizeof(ifm))
			return nl_err(r, -EINVAL,
				      "Invalid header for link dump");
		memcpy(&ifm, NLMSG_DATA(r->nlh), sizeof(ifm));
		if (ifm.__ifi_pad || ifm.ifi_type || ifm.ifi_flags ||
		    ifm.ifi_change)
			return nl_err(r, -EINVAL,
				      "Invalid values in header for link "
				      "dump request");
		if (ifm.ifi_index)
			return nl_err(r, -EINVAL,
				      "Filter by device index not supported "
				      "for link dumps");
		err = nl_parse(r, sizeof(ifm), tb, IFLA_MAX, link_pol, true);
	} else {
		/* Before Linux 3.9 the header was an rtgenmsg; a message
		 * shorter than an ifinfomsg is one of those. */
		size_t hdr = plen < sizeof(struct ifinfomsg)
				     ? sizeof(struct rtgenmsg)
				     : sizeof(struct ifinfomsg);
		err = nl_parse(r, hdr, tb, IFLA_MAX, link_pol, false);
		if (err < 0) {
			/* A legacy request is answered in full anyway. */
			err = 0;
			memset(tb, 0, sizeof(tb));
		}
	}
	if (err < 0)
		return err;
	if (tb[IFLA_EXT_MASK])
		ext_mask = nl_get_u32(tb[IFLA_EXT_MASK]);
	bool none = false;
	if (tb[IFLA_MASTER] && nl_get_u32(tb[IFLA_MASTER])) {
		/* No device of the sandbox has a master. */
		none = true;
		r->done_flags |= NLM_F_DUMP_FILTERED;
	}
	if (tb[IFLA_LINKINFO]) {
		none = true; /* no device has a kind */
		r->done_flags |= NLM_F_DUMP_FILTERED;
	}
	struct nics l;
	get_nics(r->stack, &l);
	for (int i = 0; i < l.n && !none; i++) {
		struct nl_msg m;
		fill_link(&m, &l.v[i], RTM_NEWLINK, NLM_F_MULTI,
			  r->nlh->nlmsg_seq, r->portid, ext_mask);
		if ((err = nl_buf_add(&r->reply, &m)) < 0)
			return err;
	}
	return 0;
}

/* The IPv6 configuration of a device (IFLA_INET6_CONF): Linux's defaults
 * for lo and for other devices, DEVCONF_* order, with the MTU set. */
static const int32_t devconf_lo[] = {
	0,     64, 65536, 1,  1,    1, 1,     -1,      4000,  1000, -1, 604800,
	86400, 3,  600,	  16, 0,    1, 1,     1,       60000, 0,    0,	0,
	0,     0,  0,	  -1, 0,    0, 10000, 1000,    1,     0,    0,	1,
	0,     0,  1,	  0,  0,    0, 0,     3600000, 0,     0,    1,	0,
	0,     0,  0,	  0,  1024, 0, 65535, -1,      1,     0,    0,	0,
};
static const int32_t devconf_eth[] = {
	0,     64, 1500, 1,  1,	   1, 1,     -1,      4000,  1000, 0, 604800,
	86400, 3,  600,	 16, 0,	   1, 1,     1,	      60000, 0,	   0, 0,
	0,     0,  0,	 1,  0,	   0, 10000, 1000,    1,     0,	   0, 1,
	0,     0,  1,	 0,  0,	   0, 0,     3600000, 0,     0,	   1, 0,
	0,     0,  0,	 0,  1024, 0, 65535, -1,      1,     0,	   0, 0,
};

/* inet6_fill_ifinfo: a device as IPv6 sees it (`ip -6 link`, the links of
 * `ip -6 addr`). */
static void fill_link6(struct nl_msg *m, const struct ns_nic_info *ni,
		       uint32_t seq, uint32_t portid)
{
	struct ifinfomsg *ifm = nl_msg_start(m, RTM_NEWLINK, NLM_F_MULTI, seq,
					     portid, sizeof(*ifm));
	ifm->ifi_family = AF_INET6;
	ifm->ifi_type = link_type(ni);
	ifm->ifi_index = ni->ifindex;
	ifm->ifi_flags = link_flags(ni);
	static const uint8_t zero[6];
	nl_put_str(m, IFLA_IFNAME, ni->name);
	if (ni->type == NS_LINK_ETHERNET || ni->loopback)
		nl_put(m, IFLA_ADDRESS, ni->loopback ? zero : ni->mac, 6);
	nl_put_u32(m, IFLA_MTU, link_mtu(ni));
	nl_put_u8(m, IFLA_OPERSTATE,
		  ni->loopback ? IF_OPER_UNKNOWN : IF_OPER_UP);
	struct nlattr *pi = nl_nest_start(m, IFLA_PROTINFO);
	nl_put_u32(m, IFLA_INET6_FLAGS, 0x80000000 /* IF_READY */);
	struct ifla_cacheinfo ci = { .max_reasm_len = 65535,
				     .reachable_time = 30000,
				     .retrans_time = 1000 };
	nl_put(m, IFLA_INET6_CACHEINFO, &ci, sizeof(ci));
	int32_t conf[sizeof(devconf_lo) / sizeof(devconf_lo[0])];
	memcpy(conf, ni->loopback ? devconf_lo : devconf_eth, sizeof(conf));
	conf[2] = (int32_t)link_mtu(ni); /* DEVCONF_MTU6 */
	nl_put(m, IFLA_INET6_CONF, conf, sizeof(conf));
	/* Statistics: the count of fields first, as __snmp6_fill_stats64. */
	uint64_t stats[38] = { 38 }, icmp[7] = { 7 };
	nl_put(m, IFLA_INET6_STATS, stats, sizeof(stats));
	nl_put(m, IFLA_INET6_ICMP6STATS, icmp, sizeof(icmp));
	static const uint8_t token[16];
	nl_put(m, IFLA_INET6_TOKEN, token, sizeof(token));
	nl_put_u8(m, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_EUI64);
	nl_nest_end(m, pi);
}

/* inet6_dump_ifinfo: the devices that have IPv6. */
static int dump_links6(struct nl_req *r)
{
	r->dump = true;
	if (r->strict) {
		struct ifinfomsg ifm;
		if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ifm)))
			return nl_err(r, -EINVAL,
				      "Invalid header for link dump request");
		if (r->nlh->nlmsg_len > NLMSG_LENGTH(sizeof(ifm)))
			return nl_err(r, -EINVAL, "Invalid data after header");
		memcpy(&ifm, NLMSG_DATA(r->nlh), sizeof(ifm));
		if (ifm.__ifi_pad || ifm.ifi_type || ifm.ifi_flags ||
		    ifm.ifi_change || ifm.ifi_index)
			return nl_err(r, -EINVAL,
				      "Invalid values in header for link dump "
				      "request");
	}
	struct nics l;
	get_nics(r->stack, &l);
	for (int i = 0; i < l.n; i++) {
		if (!l.v[i].ipv6)
			continue;
		struct nl_msg m;
		fill_link6(&m, &l.v[i], r->nlh->nlmsg_seq, r->portid);
		int err = nl_buf_add(&r->reply, &m);
		if (err < 0)
			return err;
	}
	return 0;
}

static int get_link(struct nl_req *r)
{
	struct ifinfomsg ifm;
	int err = get_ifinfomsg(r, &ifm);
	if (err < 0)
		return err;
	if (r->strict &&
	    (ifm.__ifi_pad || ifm.ifi_type || ifm.ifi_flags || ifm.ifi_change))
		return nl_err(r, -EINVAL,
			      "Invalid values in header for get link");
	const struct nlattr *tb[IFLA_MAX + 1];
	if ((err = nl_parse(r, sizeof(ifm), tb, IFLA_MAX, link_pol,
			    r->strict)) < 0)
		return err;
	struct nics l;
	get_nics(r->stack, &l);
	const struct ns_nic_info *ni = link_target(r, &l, &ifm, tb, &err);
	if (ni == NULL)
		return err;
	uint32_t ext_mask =
		tb[IFLA_EXT_MASK] ? nl_get_u32(tb[IFLA_EXT_MASK]) : 0;
	struct nl_msg m;
	fill_link(&m, ni, RTM_NEWLINK, 0, r->nlh->nlmsg_seq, r->portid,
		  ext_mask);
	return nl_buf_add(&r->reply, &m);
}

static void notify_link(struct nl_req *r, int ifindex)
{
	struct ns_nic_info ni;
	if (ns_stack_nic_info(r->stack, ifindex, &ni) < 0)
		return;
	struct nl_msg m;
	fill_link(&m, &ni, RTM_NEWLINK, 0, 0, 0, 0);
	sn_netlink_notify(r->t->k, NETLINK_ROUTE, RTNLGRP_LINK, &m);
}

/* The flags dev_change_flags lets a request change. */
#define CHANGEABLE                                                       \
	(IFF_UP | IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | \
	 IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA | IFF_PROMISC |     \
	 IFF_ALLMULTI)

/* do_setlink for what the netstack can do: flags that leave the NIC as
 * it is (up), the MTU, and the current name, address and queue length. */
static int set_link(struct nl_req *r, const struct ns_nic_info *ni,
		    const struct ifinfomsg *ifm, const struct nlattr **tb)
{
	if (tb[IFLA_NET_NS_PID] || tb[IFLA_NET_NS_FD] ||
	    tb[IFLA_TARGET_NETNSID])
		return nl_err(r, -EOPNOTSUPP,
			      "The sandbox's interfaces cannot change "
			      "namespace");
	if (tb[IFLA_MAP])
		return -EOPNOTSUPP; /* no ndo_set_config */
	if (tb[IFLA_ADDRESS]) {
		if (nl_len(tb[IFLA_ADDRESS]) < 6)
			return -EINVAL;
		if (ni->type != NS_LINK_ETHERNET ||
		    memcmp(nl_data(tb[IFLA_ADDRESS]), ni->mac, 6) != 0)
			return nl_err(r, -EOPNOTSUPP,
				      "The sandbox's interfaces keep their "
				      "hardware address");
	}
	if (tb[IFLA_MTU]) {
		uint32_t mtu = nl_get_u32(tb[IFLA_MTU]);
		uint32_t min = ni->loopback ? 0 : 68;
		uint32_t max = ni->loopback ? UINT32_MAX : 65535;
		if (mtu < min)
			return nl_err(r, -EINVAL,
				      "mtu less than device minimum");
		if (mtu > max)
			return nl_err(r, -EINVAL,
				      "mtu greater than device maximum");
	}
	if (tb[IFLA_IFNAME]) {
		char name[IFNAMSIZ];
		nl_get_str(tb[IFLA_IFNAME], name, sizeof(name));
		/* dev_change_name: an interface that is up keeps its name. */
		if (strcmp(name, ni->name) != 0)
			return -EBUSY;
	}
	if (tb[IFLA_TXQLEN] && nl_get_u32(tb[IFLA_TXQLEN]) != TXQLEN)
		return nl_err(r, -EOPNOTSUPP,
			      "The sandbox's interfaces have no queue");
	if (tb[IFLA_GROUP] && nl_get_u32(tb[IFLA_GROUP]) != 0)
		return -EOPNOTSUPP;
	if (tb[IFLA_MASTER] && nl_get_u32(tb[IFLA_MASTER]) != 0)
		return -EOPNOTSUPP;
	if (tb[IFLA_LINKINFO] || tb[IFLA_VFINFO_LIST] || tb[IFLA_VF_PORTS] ||
	    tb[IFLA_PORT_SELF] || tb[IFLA_XDP])
		return -EOPNOTSUPP;
	if (ifm->ifi_flags || ifm->ifi_change) {
		/* rtnl_dev_combine_flags, then dev_change_flags. */
		unsigned cur = link_flags(ni);
		unsigned want = ifm->ifi_flags;
		if (ifm->ifi_change)
			want = (want & ifm->ifi_change) |
			       (cur & ~ifm->ifi_change);
		if (!(want & IFF_UP))
			return nl_err(r, -EOPNOTSUPP,
				      "The sandbox's interfaces cannot be "
				      "taken down");
		if ((want ^ cur) & CHANGEABLE)
			return nl_err(r, -EOPNOTSUPP,
				      "The sandbox's interfaces keep their "
				      "flags");
	}
	if (tb[IFLA_MTU]) {
		uint32_t mtu = nl_get_u32(tb[IFLA_MTU]);
		if (ni->loopback && mtu > 65535)
			mtu = 65535;
		if (mtu != ni->mtu) {
			int err = ns_stack_nic_set_mtu(r->stack, ni->ifindex,
						       mtu);
			if (err < 0)
				return err;
			notify_link(r, ni->ifindex);
		}
	}
	return 0;
}

static int new_link(struct nl_req *r, bool setlink)
{
	struct ifinfomsg ifm;
	int err = get_ifinfomsg(r, &ifm);
	if (err < 0)
		return err;
	const struct nlattr *tb[IFLA_MAX + 1];
	if ((err = nl_parse(r, sizeof(ifm), tb, IFLA_MAX, link_pol, false)) < 0)
		return err;
	struct nics l;
	get_nics(r->stack, &l);
	const struct ns_nic_info *ni = NULL;
	if (ifm.ifi_index > 0)
		ni = nic_by_index(&l, ifm.ifi_index);
	else if (tb[IFLA_IFNAME] || tb[IFLA_ALT_IFNAME])
		ni = link_target(r, &l, &ifm, tb, &err);
	else if (setlink)
		return -EINVAL;
	if (setlink) {
		if (ni == NULL)
			return -ENODEV;
		return set_link(r, ni, &ifm, tb);
	}
	uint16_t fl = r->nlh->nlmsg_flags;
	if (ni) {
		if (fl & NLM_F_EXCL)
			return -EEXIST;
		if (fl & NLM_F_REPLACE)
			return -EOPNOTSUPP;
		return set_link(r, ni, &ifm, tb);
	}
	if (!(fl & NLM_F_CREATE))
		return -ENODEV;
	return nl_err(r, -EOPNOTSUPP, "Unknown device type");
}

static int del_link(struct nl_req *r)
{
	struct ifinfomsg ifm;
	int err = get_ifinfomsg(r, &ifm);
	if (err < 0)
		return err;
	const struct nlattr *tb[IFLA_MAX + 1];
	if ((err = nl_parse(r, sizeof(ifm), tb, IFLA_MAX, link_pol, false)) < 0)
		return err;
	struct nics l;
	get_nics(r->stack, &l);
	const struct ns_nic_info *ni = link_target(r, &l, &ifm, tb, &err);
	if (ni == NULL)
		return err;
	return nl_err(r, -EOPNOTSUPP,
		      "The sandbox's interfaces cannot be deleted");
}

/* ---- addresses -------------------------------------------------------------- */

static bool is_lo(const struct nics *l, int ifindex)
{
	const struct ns_nic_info *ni = nic_by_index(l, ifindex);
	return ni && ni->loopback;
}

static uint32_t v4(const uint8_t *a)
{
	uint32_t x;
	memcpy(&x, a, 4);
	return ntohl(x);
}

static uint32_t mask4(unsigned plen)
{
	return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

/* The flags Linux would show: the netstack marks its own loopback
 * addresses NODAD, which Linux's lo addresses are not. */
static uint32_t addr_flags(const struct nics *l, const struct ns_ifaddr *a)
{
	uint32_t f = a->flags;
	if (is_lo(l, a->ifindex) || a->family == AF_INET)
		f &= ~(uint32_t)NS_ADDR_F_NODAD;
	return f;
}

static bool has_broadcast(const struct nics *l, const struct ns_ifaddr *a)
{
	const struct ns_nic_info *ni = nic_by_index(l, a->ifindex);
	return a->family == AF_INET && a->prefix_len < 31 && ni &&
	       !ni->loopback && ni->type == NS_LINK_ETHERNET;
}

static void fill_addr(struct nl_msg *m, const struct nics *l,
		      const struct ns_ifaddr *a, uint16_t type, uint16_t flags,
		      uint32_t seq, uint32_t portid)
{
	struct ifaddrmsg *ifm =
		nl_msg_start(m, type, flags, seq, portid, sizeof(*ifm));
	uint32_t af = addr_flags(l, a);
	ifm->ifa_family = (uint8_t)a->family;
	ifm->ifa_prefixlen = a->prefix_len;
	ifm->ifa_flags = (uint8_t)af;
	ifm->ifa_scope = a->scope;
	ifm->ifa_index = (uint32_t)a->ifindex;
	bool forever = (a->flags & NS_ADDR_F_PERMANENT) ||
		       a->valid_lft == NS_LIFETIME_INFINITE;
	struct ifa_cacheinfo ci = {
		.ifa_prefered = forever ? INFINITY_LIFE_TIME : a->preferred_lft,
		.ifa_valid = forever ? INFINITY_LIFE_TIME : a->valid_lft,
	};
	if (a->family == AF_INET) {
		const struct ns_nic_info *ni = nic_by_index(l, a->ifindex);
		nl_put(m, IFA_ADDRESS, a->addr, 4);
		nl_put(m, IFA_LOCAL, a->addr, 4);
		if (has_broadcast(l, a)) {
			uint32_t b = htonl(v4(a->addr) | ~mask4(a->prefix_len));
			nl_put(m, IFA_BROADCAST, &b, 4);
		}
		nl_put_str(m, IFA_LABEL, ni ? ni->name : "");
		nl_put_u32(m, IFA_FLAGS, af);
		nl_put(m, IFA_CACHEINFO, &ci, sizeof(ci));
	} else {
		nl_put(m, IFA_ADDRESS, a->addr, 16);
		nl_put(m, IFA_CACHEINFO, &ci, sizeof(ci));
		nl_put_u32(m, IFA_FLAGS, af);
	}
}

static const struct nl_pol addr_pol[IFA_MAX + 1] = {
	[IFA_ADDRESS] = { NL_BIN, 4 },
	[IFA_LOCAL] = { NL_BIN, 4 },
	[IFA_BROADCAST] = { NL_BIN, 4 },
	[IFA_LABEL] = { NL_STR, IFNAMSIZ - 1 },
	[IFA_CACHEINFO] = { NL_BIN, sizeof(struct ifa_cacheinfo) },
	[IFA_FLAGS] = { NL_U32, 0 },
	[IFA_RT_PRIORITY] = { NL_U32, 0 },
	[IFA_TARGET_NETNSID] = { NL_U32, 0 },
	[IFA_PROTO] = { NL_U8, 0 },
};

/* inet_dump_ifaddr / inet6_dump_ifaddr for one family (0: both). */
static int dump_addrs(struct nl_req *r, int family)
{
	r->dump = true;
	int ifindex = 0;
	if (r->strict) {
		struct ifaddrmsg ifm;
		if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ifm)))
			return nl_err(r, -EINVAL,
				      "Invalid header for address dump "
				      "request");
		memcpy(&ifm, NLMSG_DATA(r->nlh), sizeof(ifm));
		if (ifm.ifa_prefixlen || ifm.ifa_flags || ifm.ifa_scope)
			return nl_err(r, -EINVAL,
				      "Invalid values in header for address "
				      "dump request");
		const struct nlattr *tb[IFA_MAX + 1];
		int err = nl_parse(r, sizeof(ifm), tb, IFA_MAX, addr_pol, true);
		if (err < 0)
			return err;
		for (int i = 0; i <= IFA_MAX; i++)
			if (tb[i] && i != IFA_TARGET_NETNSID)
				return nl_err_attr(r, -EINVAL,
						   "Unsupported attribute in "
						   "dump request",
						   tb[i]);
		ifindex = (int)ifm.ifa_index;
		if (ifindex)
			r->done_flags |= NLM_F_DUMP_FILTERED;
	}
	struct nics l;
	get_nics(r->stack, &l);
	if (ifindex && nic_by_index(&l, ifindex) == NULL)
		return -ENODEV;
	struct vec v = { .size = sizeof(struct ns_ifaddr) };
	int err = ns_stack_foreach_addr(r->stack, addr_cb, &v);
	/* IPv4 addresses first, then IPv6 (rtnl_dump_all's order), each in
	 * NIC order. */
	for (int pass = 0; pass < 2 && err == 0; pass++) {
		int fam = pass == 0 ? AF_INET : AF_INET6;
		if (family && family != fam)
			continue;
		for (size_t i = 0; i < v.n && err == 0; i++) {
			const struct ns_ifaddr *a =
				(const struct ns_ifaddr *)v.v + i;
			if (a->family != fam ||
			    (ifindex && a->ifindex != ifindex))
				continue;
			/* A tentative IPv6 address is listed (flag
			 * "tentative"), as Linux lists it. */
			struct nl_msg m;
			fill_addr(&m, &l, a, RTM_NEWADDR, NLM_F_MULTI,
				  r->nlh->nlmsg_seq, r->portid);
			err = nl_buf_add(&r->reply, &m);
		}
	}
	free(v.v);
	return err;
}

static int get_ifaddrmsg(struct nl_req *r, struct ifaddrmsg *ifm,
			 const struct nlattr **tb)
{
	if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifm)))
		return nl_err(r, -EINVAL, "Invalid header for address request");
	memcpy(ifm, NLMSG_DATA(r->nlh), sizeof(*ifm));
	return nl_parse(r, sizeof(*ifm), tb, IFA_MAX, addr_pol, false);
}

/* extract_addr: the local address (IFA_LOCAL, else IFA_ADDRESS). */
static const struct nlattr *addr_attr(const struct nlattr **tb)
{
	return tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
}

static void notify_addr(struct nl_req *r, const struct ns_ifaddr *a,
			uint16_t type)
{
	struct nics l;
	get_nics(r->stack, &l);
	struct nl_msg m;
	fill_addr(&m, &l, a, type, 0, 0, 0);
	sn_netlink_notify(r->t->k, NETLINK_ROUTE,
			  a->family == AF_INET ? RTNLGRP_IPV4_IFADDR
					       : RTNLGRP_IPV6_IFADDR,
			  &m);
}

/* The address of the stack equal to a on ifindex, if any. */
static int find_addr(struct ns_stack *s, int family, int ifindex,
		     const uint8_t *addr, struct ns_ifaddr *out)
{
	struct vec v = { .size = sizeof(struct ns_ifaddr) };
	ns_stack_foreach_addr(s, addr_cb, &v);
	int found = 0;
	for (size_t i = 0; i < v.n && !found; i++) {
		const struct ns_ifaddr *a = (const struct ns_ifaddr *)v.v + i;
		if (a->family == family && a->ifindex == ifindex &&
		    memcmp(a->addr, addr, alen(family)) == 0) {
			*out = *a;
			found = 1;
		}
	}
	free(v.v);
	return found;
}

static int new_addr(struct nl_req *r, int family)
{
	struct ifaddrmsg ifm;
	const struct nlattr *tb[IFA_MAX + 1];
	int err = get_ifaddrmsg(r, &ifm, tb);
	if (err < 0)
		return err;
	struct ns_ifaddr a = { .ifindex = (int)ifm.ifa_index,
			       .family = family,
			       .prefix_len = ifm.ifa_prefixlen };
	uint32_t flags =
		tb[IFA_FLAGS] ? nl_get_u32(tb[IFA_FLAGS]) : ifm.ifa_flags;
	const struct nlattr *at;
	if (family == AF_INET) {
		if (ifm.ifa_prefixlen > 32 || tb[IFA_LOCAL] == NULL)
			return -EINVAL;
		at = tb[IFA_LOCAL];
	} else {
		at = addr_attr(tb);
		if (at == NULL)
			return -EINVAL;
		if (nl_len(at) < 16)
			return nl_err_attr(r, -ERANGE,
					   "Attribute failed policy validation",
					   at);
		if (ifm.ifa_prefixlen > 128)
			return nl_err(r, -EINVAL, "Invalid prefix length");
		a.flags = flags & NS_ADDR_F_NODAD;
	}
	memcpy(a.addr, nl_data(at), alen(family));
	struct nics l;
	get_nics(r->stack, &l);
	const struct ns_nic_info *ni = nic_by_index(&l, a.ifindex);
	if (ni == NULL)
		return family == AF_INET ? -ENODEV
					 : nl_err(r, -ENODEV,
						  "Unable to find the device");
	if (tb[IFA_CACHEINFO]) {
		struct ifa_cacheinfo ci;
		memcpy(&ci, nl_data(tb[IFA_CACHEINFO]), sizeof(ci));
		if (!ci.ifa_valid || ci.ifa_prefered > ci.ifa_valid)
			return nl_err(r, -EINVAL, "address lifetime invalid");
		a.valid_lft = ci.ifa_valid;
		a.preferred_lft = ci.ifa_prefered;
	}
	struct ns_ifaddr cur;
	if (find_addr(r->stack, family, a.ifindex, a.addr, &cur)) {
		uint16_t fl = r->nlh->nlmsg_flags;
		if ((fl & NLM_F_EXCL) || !(fl & NLM_F_REPLACE))
			return -EEXIST;
		/* A replace of the same address changes nothing the
		 * netstack keeps but its prefix. */
		if (cur.prefix_len == a.prefix_len)
			return 0;
		ns_stack_del_addr(r->stack, a.ifindex, family, a.addr);
	}
	err = ns_stack_add_addr(r->stack, &a);
	if (err == -EAFNOSUPPORT)
		return nl_err(r, -EACCES, "IPv6 is disabled on this device");
	if (err < 0)
		return err;
	if (find_addr(r->stack, family, a.ifindex, a.addr, &cur))
		notify_addr(r, &cur, RTM_NEWADDR);
	return 0;
}

static int del_addr(struct nl_req *r, int family)
{
	struct ifaddrmsg ifm;
	const struct nlattr *tb[IFA_MAX + 1];
	int err = get_ifaddrmsg(r, &ifm, tb);
	if (err < 0)
		return err;
	struct nics l;
	get_nics(r->stack, &l);
	if (family == AF_INET6) {
		const struct nlattr *at = addr_attr(tb);
		if (at == NULL)
			return -EINVAL;
		if (nl_len(at) < 16)
			return nl_err_attr(r, -ERANGE,
					   "Attribute failed policy validation",
					   at);
		if (ifm.ifa_prefixlen > 128)
			return -EINVAL;
		if (ifm.ifa_index == 0 ||
		    nic_by_index(&l, (int)ifm.ifa_index) == NULL)
			return -ENODEV;
		struct ns_ifaddr cur;
		if (!find_addr(r->stack, AF_INET6, (int)ifm.ifa_index,
			       nl_data(at), &cur) ||
		    cur.prefix_len != ifm.ifa_prefixlen)
			return -EADDRNOTAVAIL;
		err = ns_stack_del_addr(r->stack, cur.ifindex, AF_INET6,
					cur.addr);
		if (err == 0)
			notify_addr(r, &cur, RTM_DELADDR);
		return err;
	}
	/* inet_rtm_deladdr: the first address of the device matching every
	 * attribute given. */
	if (nic_by_index(&l, (int)ifm.ifa_index) == NULL)
		return nl_err(r, -ENODEV, "ipv4: Device not found");
	struct vec v = { .size = sizeof(struct ns_ifaddr) };
	ns_stack_foreach_addr(r->stack, addr_cb, &v);
	err = nl_err(r, -EADDRNOTAVAIL, "ipv4: Address not found");
	for (size_t i = 0; i < v.n; i++) {
		const struct ns_ifaddr *a = (const struct ns_ifaddr *)v.v + i;
		if (a->family != AF_INET || a->ifindex != (int)ifm.ifa_index)
			continue;
		if (tb[IFA_LOCAL] && memcmp(nl_data(tb[IFA_LOCAL]), a->addr, 4))
			continue;
		if (tb[IFA_LABEL]) {
			char label[IFNAMSIZ];
			const struct ns_nic_info *ni =
				nic_by_index(&l, a->ifindex);
			nl_get_str(tb[IFA_LABEL], label, sizeof(label));
			if (ni == NULL || strcmp(label, ni->name) != 0)
				continue;
		}
		if (tb[IFA_ADDRESS]) {
			uint32_t m = mask4(a->prefix_len);
			if (ifm.ifa_prefixlen != a->prefix_len ||
			    ((v4(nl_data(tb[IFA_ADDRESS])) ^ v4(a->addr)) & m))
				continue;
		}
		struct ns_ifaddr cur = *a;
		err = ns_stack_del_addr(r->stack, cur.ifindex, AF_INET,
					cur.addr);
		if (err == 0) {
			r->ext_msg = NULL;
			notify_addr(r, &cur, RTM_DELADDR);
		}
		break;
	}
	free(v.v);
	return err;
}

/* ---- routes --------------------------------------------------------------- */

/* A route as rtnetlink shows it, from the netstack's table or implied by
 * an address (the local table). */
struct rt_ent {
	int family;
	uint8_t table, type, scope, protocol;
	uint8_t dst[16];
	uint8_t plen;
	bool has_gw;
	uint8_t gw[16];
	int oif;
	bool has_prio;
	uint32_t prio;
	bool has_src;
	uint8_t src[16];
	uint32_t expires; /* seconds, NS_LIFETIME_INFINITE: none */
};

static bool zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

static void from_ns_route(struct rt_ent *e, const struct ns_route *rt,
			  const struct nics *l)
{
	memset(e, 0, sizeof(*e));
	size_t n = alen(rt->family);
	e->family = rt->family;
	e->table = RT_TABLE_MAIN;
	e->type = RTN_UNICAST;
	e->protocol = rt->protocol ? rt->protocol : RTPROT_BOOT;
	memcpy(e->dst, rt->dst, n);
	e->plen = rt->prefix_len;
	e->has_gw = !zero(rt->gateway, n);
	memcpy(e->gw, rt->gateway, n);
	e->oif = rt->ifindex;
	e->has_src = !zero(rt->src, n);
	memcpy(e->src, rt->src, n);
	e->expires = rt->expires;
	if (rt->family == AF_INET) {
		e->scope = e->has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		e->has_prio = rt->metric != 0;
		e->prio = rt->metric;
		/* fib_add_ifaddr: the prefix route of an address on a
		 * loopback device is a local route. */
		if (rt->protocol == NS_RTPROT_KERNEL && is_lo(l, rt->ifindex)) {
			e->table = RT_TABLE_LOCAL;
			e->type = RTN_LOCAL;
			e->scope = RT_SCOPE_HOST;
		}
	} else {
		e->scope = RT_SCOPE_UNIVERSE;
		e->has_prio = true;
		e->prio = rt->metric;
	}
}

static int push_ent(struct vec *v, const struct rt_ent *e)
{
	/* Two addresses of one subnet imply its broadcast route once. */
	for (size_t i = 0; i < v->n; i++) {
		const struct rt_ent *o = (const struct rt_ent *)v->v + i;
		if (o->family == e->family && o->table == e->table &&
		    o->type == e->type && o->plen == e->plen &&
		    o->oif == e->oif && !memcmp(o->dst, e->dst, 16))
			return 0;
	}
	return vec_push(v, e);
}

/* The routes Linux would have: the netstack's (main) and the local table
 * implied by the addresses (fib_add_ifaddr, addrconf). */
static int collect_routes(struct ns_stack *s, const struct nics *l,
			  struct vec *out)
{
	struct vec routes = { .size = sizeof(struct ns_route) };
	struct vec addrs = { .size = sizeof(struct ns_ifaddr) };
	int err = ns_stack_foreach_route(s, route_cb, &routes);
	if (err == 0)
		err = ns_stack_foreach_addr(s, addr_cb, &addrs);
	for (size_t i = 0; i < routes.n && err == 0; i++) {
		struct rt_ent e;
		from_ns_route(&e, (const struct ns_route *)routes.v + i, l);
		err = push_ent(out, &e);
	}
	for (size_t i = 0; i < addrs.n && err == 0; i++) {
		const struct ns_ifaddr *a =
			(const struct ns_ifaddr *)addrs.v + i;
		struct rt_ent e = { .family = a->family,
				    .table = RT_TABLE_LOCAL,
				    .type = RTN_LOCAL,
				    .protocol = RTPROT_KERNEL,
				    .oif = a->ifindex,
				    .expires = NS_LIFETIME_INFINITE };
		memcpy(e.dst, a->addr, 16);
		if (a->family == AF_INET6) {
			/* The local route appears when DAD is over. */
			if (a->flags &
			    (NS_ADDR_F_TENTATIVE | NS_ADDR_F_DADFAILED))
				continue;
			e.plen = 128;
			e.scope = RT_SCOPE_UNIVERSE;
			e.has_prio = true;
			err = push_ent(out, &e);
			const struct ns_nic_info *ni =
				nic_by_index(l, a->ifindex);
			if (err == 0 && ni && !ni->loopback) {
				struct rt_ent mc = e;
				memset(mc.dst, 0, 16);
				mc.dst[0] = 0xff;
				mc.plen = 8;
				mc.type = RTN_MULTICAST;
				mc.prio = IP6_RT_PRIO_ADDRCONF;
				err = push_ent(out, &mc);
			}
			continue;
		}
		uint32_t addr = v4(a->addr), m = mask4(a->prefix_len);
		e.plen = 32;
		e.scope = RT_SCOPE_HOST;
		e.has_src = true;
		memcpy(e.src, a->addr, 4);
		if (is_lo(l, a->ifindex) && a->prefix_len < 32 &&
		    a->addr[0] == 127) {
			/* The netstack keeps no route for 127.0.0.0/8 and
			 * delivers all of it locally: Linux's is a local
			 * route. (Other prefixes of addresses on lo the
			 * netstack does not route, so none is shown.) */
			bool have = false;
			for (size_t j = 0; j < routes.n; j++) {
				const struct ns_route *rt =
					(const struct ns_route *)routes.v + j;
				have |= rt->family == AF_INET &&
					rt->ifindex == a->ifindex &&
					rt->prefix_len == a->prefix_len &&
					v4(rt->dst) == (addr & m);
			}
			if (!have) {
				struct rt_ent p = e;
				uint32_t net = htonl(addr & m);
				memcpy(p.dst, &net, 4);
				p.plen = a->prefix_len;
				err = push_ent(out, &p);
			}
		}
		if (err == 0)
			err = push_ent(out, &e);
		if (err == 0 && a->prefix_len < 31) {
			struct rt_ent b = e;
			uint32_t bc = htonl(addr | ~m);
			memcpy(b.dst, &bc, 4);
			b.type = RTN_BROADCAST;
			b.scope = RT_SCOPE_LINK;
			err = push_ent(out, &b);
		}
	}
	free(routes.v);
	free(addrs.v);
	return err;
}

/* Dump order: by table, then as Linux walks its tries: IPv4 by key with
 * longer prefixes of one key first; IPv6 in the order of fib6's walk,
 * more specific routes before the prefixes that hold them. */
static int cmp_ent(const void *pa, const void *pb)
{
	const struct rt_ent *a = pa, *b = pb;
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->family == AF_INET) {
		uint32_t ka = v4(a->dst), kb = v4(b->dst);
		if (ka != kb)
			return ka < kb ? -1 : 1;
		if (a->plen != b->plen)
			return a->plen > b->plen ? -1 : 1;
		return a->type - b->type;
	}
	unsigned p = a->plen < b->plen ? a->plen : b->plen;
	for (unsigned i = 0; i < p; i++) {
		int ba = (a->dst[i / 8] >> (7 - i % 8)) & 1;
		int bb = (b->dst[i / 8] >> (7 - i % 8)) & 1;
		if (ba != bb)
			return ba - bb;
	}
	if (a->plen != b->plen)
		return a->plen > b->plen ? -1 : 1;
	if (a->prio != b->prio)
		return a->prio < b->prio ? -1 : 1;
	return a->oif - b->oif;
}

static void fill_route(struct nl_msg *m, const struct rt_ent *e, uint16_t type,
		       uint16_t flags, uint32_t seq, uint32_t portid)
{
	struct rtmsg *rtm =
		nl_msg_start(m, type, flags, seq, portid, sizeof(*rtm));
	size_t n = alen(e->family);
	rtm->rtm_family = (uint8_t)e->family;
	rtm->rtm_dst_len = e->plen;
	rtm->rtm_table = e->table;
	rtm->rtm_protocol = e->protocol;
	rtm->rtm_scope = e->scope;
	rtm->rtm_type = e->type;
	nl_put_u32(m, RTA_TABLE, e->table);
	if (e->plen)
		nl_put(m, RTA_DST, e->dst, n);
	if (e->family == AF_INET) {
		if (e->has_prio)
			nl_put_u32(m, RTA_PRIORITY, e->prio);
		if (e->has_src)
			nl_put(m, RTA_PREFSRC, e->src, n);
		if (e->has_gw)
			nl_put(m, RTA_GATEWAY, e->gw, n);
		if (e->oif)
			nl_put_u32(m, RTA_OIF, (uint32_t)e->oif);
		return;
	}
	if (e->has_src)
		nl_put(m, RTA_PREFSRC, e->src, n);
	if (e->has_gw)
		nl_put(m, RTA_GATEWAY, e->gw, n);
	if (e->oif)
		nl_put_u32(m, RTA_OIF, (uint32_t)e->oif);
	nl_put_u32(m, RTA_PRIORITY, e->prio);
	struct rta_cacheinfo ci = { 0 };
	if (e->expires != NS_LIFETIME_INFINITE)
		ci.rta_expires = e->expires * USER_HZ;
	nl_put(m, RTA_CACHEINFO, &ci, sizeof(ci));
	nl_put_u8(m, RTA_PREF, 0 /* ICMPV6_ROUTER_PREF_MEDIUM */);
}

static const struct nl_pol route_pol[RTA_MAX + 1] = {
	[RTA_DST] = { NL_BIN, 4 },
	[RTA_SRC] = { NL_BIN, 4 },
	[RTA_IIF] = { NL_U32, 0 },
	[RTA_OIF] = { NL_U32, 0 },
	[RTA_GATEWAY] = { NL_BIN, 4 },
	[RTA_PRIORITY] = { NL_U32, 0 },
	[RTA_PREFSRC] = { NL_BIN, 4 },
	[RTA_METRICS] = { NL_NEST, 0 },
	[RTA_MULTIPATH] = { NL_BIN, sizeof(struct rtnexthop) },
	[RTA_FLOW] = { NL_U32, 0 },
	[RTA_ENCAP_TYPE] = { NL_U16, 0 },
	[RTA_ENCAP] = { NL_NEST, 0 },
	[RTA_UID] = { NL_U32, 0 },
	[RTA_MARK] = { NL_U32, 0 },
	[RTA_TABLE] = { NL_U32, 0 },
	[RTA_IP_PROTO] = { NL_U8, 0 },
	[RTA_SPORT] = { NL_U16, 0 },
	[RTA_DPORT] = { NL_U16, 0 },
	[RTA_NH_ID] = { NL_U32, 0 },
	[RTA_VIA] = { NL_BIN, 2 },
	[RTA_PREF] = { NL_U8, 0 },
	[RTA_EXPIRES] = { NL_U32, 0 },
};

static int get_rtmsg(struct nl_req *r, struct rtmsg *rtm,
		     const struct nlattr **tb, bool strict)
{
	if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return nl_err(r, -EINVAL, "Invalid header for route request");
	memcpy(rtm, NLMSG_DATA(r->nlh), sizeof(*rtm));
	return nl_parse(r, sizeof(*rtm), tb, RTA_MAX, route_pol, strict);
}

/* inet_dump_fib / inet6_dump_fib for one family (0: both). */
static int dump_routes(struct nl_req *r, int family)
{
	r->dump = true;
	unsigned table = 0;
	int oif = 0;
	uint8_t protocol = 0, type = 0;
	struct nics l;
	get_nics(r->stack, &l);
	if (r->strict) {
		/* ip_valid_fib_dump_req */
		struct rtmsg rtm;
		const struct nlattr *tb[RTA_MAX + 1];
		if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(rtm)))
			return nl_err(r, -EINVAL,
				      "Invalid header for FIB dump request");
		int err = get_rtmsg(r, &rtm, tb, true);
		if (err < 0)
			return err;
		if ((rtm.rtm_dst_len && rtm.rtm_dst_len != 32) ||
		    (rtm.rtm_src_len && rtm.rtm_src_len != 32) || rtm.rtm_tos ||
		    rtm.rtm_scope)
			return nl_err(r, -EINVAL,
				      "Invalid values in header for FIB dump "
				      "request");
		if (rtm.rtm_flags & ~(RTM_F_CLONED | RTM_F_PREFIX))
			return nl_err(r, -EINVAL,
				      "Invalid flags for FIB dump request");
		if (rtm.rtm_flags & RTM_F_CLONED)
			return 0; /* no route cache to show */
		table = rtm.rtm_table;
		protocol = rtm.rtm_protocol;
		type = rtm.rtm_type;
		for (int i = 0; i <= RTA_MAX; i++) {
			if (tb[i] == NULL)
				continue;
			if (i == RTA_TABLE) {
				table = nl_get_u32(tb[i]);
			} else if (i == RTA_OIF) {
				oif = (int)nl_get_u32(tb[i]);
				if (nic_by_index(&l, oif) == NULL)
					return nl_err_attr(r, -ENODEV,
							   "Invalid device in "
							   "dump request",
							   tb[i]);
			} else {
				return nl_err_attr(r, -EINVAL,
						   "Unsupported attribute in "
						   "dump request",
						   tb[i]);
			}
		}
		if (table || oif || protocol || type)
			r->done_flags |= NLM_F_DUMP_FILTERED;
	} else if (r->nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg))) {
		struct rtmsg rtm;
		memcpy(&rtm, NLMSG_DATA(r->nlh), sizeof(rtm));
		if (rtm.rtm_flags & RTM_F_CLONED)
			return 0;
	}
	struct vec v = { .size = sizeof(struct rt_ent) };
	int err = collect_routes(r->stack, &l, &v);
	if (err == 0 && v.n)
		qsort(v.v, v.n, v.size, cmp_ent);
	for (size_t i = 0; i < v.n && err == 0; i++) {
		const struct rt_ent *e = (const struct rt_ent *)v.v + i;
		if ((family && e->family != family) ||
		    (table && e->table != table) || (oif && e->oif != oif) ||
		    (protocol && e->protocol != protocol) ||
		    (type && e->type != type))
			continue;
		struct nl_msg m;
		fill_route(&m, e, RTM_NEWROUTE, NLM_F_MULTI, r->nlh->nlmsg_seq,
			   r->portid);
		err = nl_buf_add(&r->reply, &m);
	}
	free(v.v);
	return err;
}

/* The route of the tables that sends to dst: the longest prefix, the
 * lowest metric, local routes first (Linux looks in local before main). */
static bool match_ent(const struct vec *v, int family, const uint8_t *dst,
		      struct rt_ent *out)
{
	const struct rt_ent *best = NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct rt_ent *e = (const struct rt_ent *)v->v + i;
		if (e->family != family || e->type == RTN_BROADCAST ||
		    e->type == RTN_MULTICAST)
			continue;
		bool in = true;
		for (unsigned b = 0; b < e->plen && in; b++)
			in = ((e->dst[b / 8] ^ dst[b / 8]) >> (7 - b % 8) &
			      1) == 0;
		if (!in)
			continue;
		if (best == NULL || e->table > best->table ||
		    (e->table == best->table &&
		     (e->plen > best->plen ||
		      (e->plen == best->plen && e->prio < best->prio))))
			best = e;
	}
	if (best)
		*out = *best;
	return best != NULL;
}

/* inet_rtm_getroute / inet6_rtm_getroute: `ip route get ADDR`. */
static int get_route(struct nl_req *r, int family)
{
	struct rtmsg rtm;
	const struct nlattr *tb[RTA_MAX + 1];
	int err = get_rtmsg(r, &rtm, tb, r->strict);
	if (err < 0)
		return err;
	size_t n = alen(family);
	if (r->strict) {
		unsigned full = (unsigned)n * 8;
		if ((rtm.rtm_src_len && rtm.rtm_src_len != full) ||
		    (rtm.rtm_dst_len && rtm.rtm_dst_len != full) ||
		    rtm.rtm_table || rtm.rtm_protocol || rtm.rtm_scope ||
		    rtm.rtm_type)
			return nl_err(r, -EINVAL,
				      "Invalid values in header for get route "
				      "request");
		if (rtm.rtm_flags &
		    ~(RTM_F_NOTIFY | RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH))
			return nl_err(r, -EINVAL,
				      "Invalid flags for get route request");
	}
	uint8_t dst[16] = { 0 };
	if (tb[RTA_DST]) {
		if (nl_len(tb[RTA_DST]) < n)
			return nl_err_attr(r, -EINVAL, "Invalid address",
					   tb[RTA_DST]);
		memcpy(dst, nl_data(tb[RTA_DST]), n);
	}
	int oif = tb[RTA_OIF] ? (int)nl_get_u32(tb[RTA_OIF]) : 0;
	struct nics l;
	get_nics(r->stack, &l);
	if (oif && nic_by_index(&l, oif) == NULL)
		return -ENODEV;
	struct ns_route_lookup lk;
	err = ns_stack_route_get(r->stack, family, dst, oif, &lk);
	if (err < 0)
		return err;
	struct vec v = { .size = sizeof(struct rt_ent) };
	struct rt_ent fib;
	err = collect_routes(r->stack, &l, &v);
	bool have = err == 0 && match_ent(&v, family, dst, &fib);
	free(v.v);
	if (err < 0)
		return err;
	struct nl_msg m;
	if (rtm.rtm_flags & RTM_F_FIB_MATCH) {
		if (!have)
			return -ENETUNREACH;
		if (family == AF_INET)
			fib.table = RT_TABLE_MAIN; /* merged tables */
		fill_route(&m, &fib, RTM_NEWROUTE, 0, r->nlh->nlmsg_seq,
			   r->portid);
		return nl_buf_add(&r->reply, &m);
	}
	struct rtmsg *o = nl_msg_start(&m, RTM_NEWROUTE, 0, r->nlh->nlmsg_seq,
				       r->portid, sizeof(*o));
	o->rtm_family = (uint8_t)family;
	o->rtm_dst_len = (uint8_t)(n * 8);
	o->rtm_type = lk.local ? RTN_LOCAL : RTN_UNICAST;
	o->rtm_scope = RT_SCOPE_UNIVERSE;
	bool gw = memcmp(lk.nexthop, dst, n) != 0 && !lk.local;
	if (family == AF_INET) {
		/* rt_fill_info: a route from the cache. Without custom
		 * rules Linux keeps the local table merged into main, where
		 * the lookup finds local routes too. */
		uint8_t table = RT_TABLE_MAIN;
		o->rtm_table = table;
		o->rtm_protocol = RTPROT_UNSPEC;
		o->rtm_flags = RTM_F_CLONED | (lk.local ? RTCF_LOCAL : 0);
		nl_put_u32(&m, RTA_TABLE, table);
		nl_put(&m, RTA_DST, dst, 4);
		nl_put_u32(&m, RTA_OIF, (uint32_t)lk.ifindex);
		nl_put(&m, RTA_PREFSRC, lk.src, 4);
		if (gw)
			nl_put(&m, RTA_GATEWAY, lk.nexthop, 4);
		nl_put_u32(&m, RTA_UID, r->t->proc->creds.ruid);
		struct rta_cacheinfo ci = { 0 };
		nl_put(&m, RTA_CACHEINFO, &ci, sizeof(ci));
	} else {
		/* rt6_fill_node of the route found. */
		uint8_t table = lk.local ? RT_TABLE_LOCAL
				: have	 ? fib.table
					 : RT_TABLE_MAIN;
		o->rtm_table = table;
		o->rtm_protocol = have ? fib.protocol : RTPROT_KERNEL;
		o->rtm_src_len = 128;
		nl_put_u32(&m, RTA_TABLE, table);
		nl_put(&m, RTA_DST, dst, 16);
		/* The flow's source, unspecified unless the request gave
		 * one (CONFIG_IPV6_SUBTREES). */
		if (tb[RTA_SRC] && nl_len(tb[RTA_SRC]) >= 16)
			nl_put(&m, RTA_SRC, nl_data(tb[RTA_SRC]), 16);
		else
			nl_put(&m, RTA_SRC, (const uint8_t[16]){ 0 }, 16);
		nl_put(&m, RTA_PREFSRC, lk.src, 16);
		if (gw)
			nl_put(&m, RTA_GATEWAY, lk.nexthop, 16);
		nl_put_u32(&m, RTA_OIF, (uint32_t)lk.ifindex);
		nl_put_u32(&m, RTA_PRIORITY, have ? fib.prio : 0);
		struct rta_cacheinfo ci = { 0 };
		nl_put(&m, RTA_CACHEINFO, &ci, sizeof(ci));
		nl_put_u8(&m, RTA_PREF, 0);
	}
	return nl_buf_add(&r->reply, &m);
}

/* A route change's request, as rtm_to_fib_config / rtm_to_fib6_config
 * read it. */
static int route_config(struct nl_req *r, int family, struct ns_route *rt,
			struct rtmsg *rtm, const struct nlattr **tb)
{
	int err = get_rtmsg(r, rtm, tb, false);
	if (err < 0)
		return err;
	size_t n = alen(family);
	memset(rt, 0, sizeof(*rt));
	rt->family = family;
	if (rtm->rtm_dst_len > n * 8)
		return nl_err(r, -EINVAL, "Invalid prefix length");
	rt->prefix_len = rtm->rtm_dst_len;
	if (tb[RTA_DST]) {
		size_t need =
			family == AF_INET ? 4 : (rtm->rtm_dst_len + 7u) / 8;
		if (nl_len(tb[RTA_DST]) < need)
			return -EINVAL;
		memcpy(rt->dst, nl_data(tb[RTA_DST]), need);
	}
	if (family == AF_INET && rt->prefix_len < 32 &&
	    (v4(rt->dst) & ~mask4(rt->prefix_len)))
		return nl_err(r, -EINVAL,
			      "Invalid prefix for given prefix length");
	if (family == AF_INET6) {
		/* ipv6_addr_prefix: host bits are dropped. */
		for (unsigned b = rt->prefix_len; b < 128; b++)
			rt->dst[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	}
	if (tb[RTA_GATEWAY]) {
		if (nl_len(tb[RTA_GATEWAY]) < n)
			return nl_err_attr(r, -EINVAL, "Invalid gateway",
					   tb[RTA_GATEWAY]);
		memcpy(rt->gateway, nl_data(tb[RTA_GATEWAY]), n);
	}
	if (tb[RTA_VIA])
		return nl_err_attr(r, -EOPNOTSUPP,
				   "The sandbox's routes take a gateway of "
				   "their own family",
				   tb[RTA_VIA]);
	if (tb[RTA_MULTIPATH] || tb[RTA_ENCAP] || tb[RTA_NH_ID])
		return nl_err(r, -EOPNOTSUPP,
			      "The sandbox's routes have one next hop");
	if (tb[RTA_OIF])
		rt->ifindex = (int)nl_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY])
		rt->metric = nl_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_PREFSRC]) {
		if (nl_len(tb[RTA_PREFSRC]) < n)
			return -EINVAL;
		memcpy(rt->src, nl_data(tb[RTA_PREFSRC]), n);
	}
	rt->protocol = rtm->rtm_protocol;
	rt->expires = NS_LIFETIME_INFINITE;
	return 0;
}

static unsigned route_table(const struct rtmsg *rtm, const struct nlattr **tb)
{
	return tb[RTA_TABLE] ? nl_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
}

static void notify_route(struct nl_req *r, const struct ns_route *rt,
			 uint16_t type)
{
	struct nics l;
	get_nics(r->stack, &l);
	struct rt_ent e;
	from_ns_route(&e, rt, &l);
	if (rt->family == AF_INET6)
		e.has_prio = true;
	struct nl_msg m;
	fill_route(&m, &e, type, 0, 0, 0);
	sn_netlink_notify(r->t->k, NETLINK_ROUTE,
			  rt->family == AF_INET ? RTNLGRP_IPV4_ROUTE
						: RTNLGRP_IPV6_ROUTE,
			  &m);
}

/* The netstack's route matching every field a delete names (ifindex,
 * metric, gateway and protocol when given), as fib_table_delete and
 * ip6_route_del match. */
static bool find_route(struct ns_stack *s, const struct ns_route *want, bool gw,
		       bool metric, struct ns_route *out)
{
	struct vec v = { .size = sizeof(struct ns_route) };
	ns_stack_foreach_route(s, route_cb, &v);
	size_t n = alen(want->family);
	bool found = false;
	for (size_t i = 0; i < v.n && !found; i++) {
		const struct ns_route *rt = (const struct ns_route *)v.v + i;
		if (rt->family != want->family ||
		    rt->prefix_len != want->prefix_len ||
		    memcmp(rt->dst, want->dst, n) ||
		    (want->ifindex && rt->ifindex != want->ifindex) ||
		    (metric && rt->metric != want->metric) ||
		    (gw && memcmp(rt->gateway, want->gateway, n)) ||
		    (want->protocol &&
		     (rt->protocol ? rt->protocol : NS_RTPROT_BOOT) !=
			     want->protocol))
			continue;
		*out = *rt;
		found = true;
	}
	free(v.v);
	return found;
}

static int new_route(struct nl_req *r, int family)
{
	struct rtmsg rtm;
	const struct nlattr *tb[RTA_MAX + 1];
	struct ns_route rt;
	int err = route_config(r, family, &rt, &rtm, tb);
	if (err < 0)
		return err;
	if (rtm.rtm_type > RTN_MAX)
		return nl_err(r, -EINVAL, "Invalid route type");
	if (rtm.rtm_type != RTN_UNICAST)
		return nl_err(r, -EOPNOTSUPP,
			      "The sandbox's routes are unicast routes");
	unsigned table = route_table(&rtm, tb);
	if (table != RT_TABLE_UNSPEC && table != RT_TABLE_MAIN)
		return nl_err(r, -EOPNOTSUPP,
			      "The sandbox has one routing table (main)");
	struct nics l;
	get_nics(r->stack, &l);
	if (rt.ifindex && nic_by_index(&l, rt.ifindex) == NULL)
		return nl_err(r, -ENODEV, "Device for nexthop is not up");
	if (family == AF_INET6 && !tb[RTA_PRIORITY])
		rt.metric = IP6_RT_PRIO_USER;
	uint16_t fl = r->nlh->nlmsg_flags;
	struct ns_route cur;
	bool exists = find_route(r->stack, &rt, false, true, &cur);
	if (exists && (fl & NLM_F_EXCL))
		return -EEXIST;
	if (!exists && !(fl & NLM_F_CREATE))
		return -ENOENT;
	if (exists && (fl & NLM_F_REPLACE)) {
		ns_stack_del_route(r->stack, &cur);
		err = ns_stack_add_route(r->stack, &rt);
		if (err < 0) {
			ns_stack_add_route(r->stack, &cur);
			return err;
		}
	} else {
		err = ns_stack_add_route(r->stack, &rt);
		if (err == -ENETUNREACH)
			return nl_err(r, err, "Nexthop has invalid gateway");
		if (err < 0)
			return err;
	}
	struct ns_route added;
	if (find_route(r->stack, &rt, true, true, &added))
		notify_route(r, &added, RTM_NEWROUTE);
	return 0;
}

static int del_route(struct nl_req *r, int family)
{
	struct rtmsg rtm;
	const struct nlattr *tb[RTA_MAX + 1];
	struct ns_route rt;
	int err = route_config(r, family, &rt, &rtm, tb);
	if (err < 0)
		return err;
	unsigned table = route_table(&rtm, tb);
	if (table != RT_TABLE_UNSPEC && table != RT_TABLE_MAIN)
		return -ESRCH;
	struct ns_route cur;
	if (!find_route(r->stack, &rt, tb[RTA_GATEWAY] != NULL,
			tb[RTA_PRIORITY] != NULL, &cur))
		return nl_err(r, -ESRCH, "No such route");
	err = ns_stack_del_route(r->stack, &cur);
	if (err == 0)
		notify_route(r, &cur, RTM_DELROUTE);
	return err;
}

/* ---- neighbours ------------------------------------------------------------- */

static void fill_neigh(struct nl_msg *m, const struct ns_neigh_info *n,
		       uint16_t type, uint16_t flags, uint32_t seq,
		       uint32_t portid)
{
	struct ndmsg *nd =
		nl_msg_start(m, type, flags, seq, portid, sizeof(*nd));
	nd->ndm_family = (uint8_t)n->family;
	nd->ndm_ifindex = n->ifindex;
	nd->ndm_state = n->state;
	nd->ndm_flags = n->router ? NTF_ROUTER : 0;
	nd->ndm_type = RTN_UNICAST;
	nl_put(m, NDA_DST, n->addr, alen(n->family));
	if (n->state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE |
			NUD_STALE | NUD_DELAY))
		nl_put(m, NDA_LLADDR, n->mac, 6);
	nl_put_u32(m, NDA_PROBES, 0);
	struct nda_cacheinfo ci = { 0 };
	nl_put(m, NDA_CACHEINFO, &ci, sizeof(ci));
}

static const struct nl_pol neigh_pol[NDA_MAX + 1] = {
	[NDA_DST] = { NL_BIN, 0 },
	[NDA_LLADDR] = { NL_BIN, 0 },
	[NDA_CACHEINFO] = { NL_BIN, sizeof(struct nda_cacheinfo) },
	[NDA_PROBES] = { NL_U32, 0 },
	[NDA_VLAN] = { NL_U16, 0 },
	[NDA_PORT] = { NL_U16, 0 },
	[NDA_VNI] = { NL_U32, 0 },
	[NDA_IFINDEX] = { NL_U32, 0 },
	[NDA_MASTER] = { NL_U32, 0 },
	[NDA_LINK_NETNSID] = { NL_U32, 0 },
	[NDA_SRC_VNI] = { NL_U32, 0 },
	[NDA_PROTOCOL] = { NL_U8, 0 },
	[NDA_NH_ID] = { NL_U32, 0 },
	[NDA_FLAGS_EXT] = { NL_U32, 0 },
};

static int dump_neigh(struct nl_req *r, int family)
{
	r->dump = true;
	int ifindex = 0;
	bool none = false;
	size_t plen = r->nlh->nlmsg_len - NLMSG_HDRLEN;
	if (r->strict || plen >= sizeof(struct ndmsg)) {
		/* neigh_valid_dump_req */
		struct ndmsg nd;
		if (plen < sizeof(nd))
			return nl_err(r, -EINVAL,
				      "Invalid header for neighbor dump "
				      "request");
		memcpy(&nd, NLMSG_DATA(r->nlh), sizeof(nd));
		if (r->strict &&
		    (nd.ndm_pad1 || nd.ndm_pad2 || nd.ndm_state || nd.ndm_type))
			return nl_err(r, -EINVAL,
				      "Invalid values in header for neighbor "
				      "dump request");
		if (r->strict && (nd.ndm_flags & ~NTF_PROXY))
			return nl_err(r, -EINVAL,
				      "Invalid flags in header for neighbor "
				      "dump request");
		/* Proxy entries: the sandbox has none. */
		none = (nd.ndm_flags & NTF_PROXY) != 0;
		const struct nlattr *tb[NDA_MAX + 1];
		int err = nl_parse(r, sizeof(nd), tb, NDA_MAX, neigh_pol,
				   r->strict);
		if (err < 0 && r->strict)
			return err;
		for (int i = 0; err == 0 && i <= NDA_MAX; i++) {
			if (tb[i] == NULL)
				continue;
			if (i == NDA_IFINDEX) {
				ifindex = (int)nl_get_u32(tb[i]);
				r->done_flags |= NLM_F_DUMP_FILTERED;
			} else if (i == NDA_MASTER) {
				if (nl_get_u32(tb[i]))
					none = true;
				r->done_flags |= NLM_F_DUMP_FILTERED;
			} else if (r->strict) {
				return nl_err_attr(r, -EINVAL,
						   "Unsupported attribute in "
						   "neighbor dump request",
						   tb[i]);
			}
		}
	}
	struct vec v = { .size = sizeof(struct ns_neigh_info) };
	int err = ns_stack_foreach_neigh(r->stack, neigh_cb, &v);
	/* The ARP table, then the NDP one. */
	for (int pass = 0; pass < 2 && err == 0 && !none; pass++) {
		int fam = pass == 0 ? AF_INET : AF_INET6;
		if (family && family != fam)
			continue;
		for (size_t i = 0; i < v.n && err == 0; i++) {
			const struct ns_neigh_info *n =
				(const struct ns_neigh_info *)v.v + i;
			if (n->family != fam ||
			    (ifindex && n->ifindex != ifindex))
				continue;
			struct nl_msg m;
			fill_neigh(&m, n, RTM_NEWNEIGH, NLM_F_MULTI,
				   r->nlh->nlmsg_seq, r->portid);
			err = nl_buf_add(&r->reply, &m);
		}
	}
	free(v.v);
	return err;
}

static int get_ndmsg(struct nl_req *r, struct ndmsg *nd,
		     const struct nlattr **tb)
{
	if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)))
		return nl_err(r, -EINVAL,
			      "Invalid header for neighbor request");
	memcpy(nd, NLMSG_DATA(r->nlh), sizeof(*nd));
	return nl_parse(r, sizeof(*nd), tb, NDA_MAX, neigh_pol, false);
}

/* neigh_get: `ip neigh get ADDR dev DEV`. */
static int get_neigh(struct nl_req *r)
{
	struct ndmsg nd;
	const struct nlattr *tb[NDA_MAX + 1];
	int err = get_ndmsg(r, &nd, tb);
	if (err < 0)
		return err;
	if (nd.ndm_family != AF_INET && nd.ndm_family != AF_INET6)
		return nl_err(r, -EAFNOSUPPORT,
			      "Invalid address family in neighbor get "
			      "request");
	if (tb[NDA_DST] == NULL)
		return nl_err(r, -EINVAL, "Network address not specified");
	size_t n = alen(nd.ndm_family);
	if (nl_len(tb[NDA_DST]) != n)
		return nl_err(r, -EINVAL,
			      "Invalid network address in neighbor "
			      "get request");
	struct nics l;
	get_nics(r->stack, &l);
	if (nd.ndm_ifindex && nic_by_index(&l, nd.ndm_ifindex) == NULL)
		return nl_err(r, -ENODEV, "Unknown device ifindex");
	struct vec v = { .size = sizeof(struct ns_neigh_info) };
	err = ns_stack_foreach_neigh(r->stack, neigh_cb, &v);
	int ret = -ENOENT;
	for (size_t i = 0; i < v.n && err == 0 && ret == -ENOENT; i++) {
		const struct ns_neigh_info *ne =
			(const struct ns_neigh_info *)v.v + i;
		if (ne->family != nd.ndm_family ||
		    memcmp(ne->addr, nl_data(tb[NDA_DST]), n) ||
		    (nd.ndm_ifindex && ne->ifindex != nd.ndm_ifindex))
			continue;
		struct nl_msg m;
		fill_neigh(&m, ne, RTM_NEWNEIGH, 0, r->nlh->nlmsg_seq,
			   r->portid);
		ret = nl_buf_add(&r->reply, &m);
	}
	free(v.v);
	return err < 0 ? err : ret;
}

/* neigh_add, for the permanent entries the netstack takes. */
static int new_neigh(struct nl_req *r)
{
	struct ndmsg nd;
	const struct nlattr *tb[NDA_MAX + 1];
	int err = get_ndmsg(r, &nd, tb);
	if (err < 0)
		return err;
	if (tb[NDA_DST] == NULL)
		return nl_err(r, -EINVAL, "Network address not specified");
	struct nics l;
	get_nics(r->stack, &l);
	const struct ns_nic_info *ni = NULL;
	if (nd.ndm_ifindex) {
		ni = nic_by_index(&l, nd.ndm_ifindex);
		if (ni == NULL)
			return -ENODEV;
		if (tb[NDA_LLADDR] && nl_len(tb[NDA_LLADDR]) < 6)
			return nl_err(r, -EINVAL, "Invalid link address");
	}
	if (nd.ndm_family != AF_INET && nd.ndm_family != AF_INET6)
		return -EAFNOSUPPORT;
	size_t n = alen(nd.ndm_family);
	if (nl_len(tb[NDA_DST]) < n)
		return nl_err(r, -EINVAL, "Invalid network address");
	if (ni == NULL)
		return nl_err(r, -EINVAL, "Device not specified");
	if (!(nd.ndm_state & (NUD_PERMANENT | NUD_NOARP)) ||
	    tb[NDA_LLADDR] == NULL)
		return nl_err(r, -EOPNOTSUPP,
			      "The sandbox's static neighbours are permanent "
			      "and have a link address");
	struct ns_neigh_info ne = { .ifindex = nd.ndm_ifindex,
				    .family = nd.ndm_family,
				    .state = NUD_PERMANENT };
	memcpy(ne.addr, nl_data(tb[NDA_DST]), n);
	memcpy(ne.mac, nl_data(tb[NDA_LLADDR]), 6);
	err = ns_stack_add_neigh(r->stack, &ne);
	if (err < 0)
		return err;
	struct nl_msg m;
	fill_neigh(&m, &ne, RTM_NEWNEIGH, 0, 0, 0);
	sn_netlink_notify(r->t->k, NETLINK_ROUTE, RTNLGRP_NEIGH, &m);
	return 0;
}

/* ---- rules ------------------------------------------------------------------- */

/* fib_nl_dumprule: the default rules of a namespace, which the sandbox's
 * one table follows (local, then main, then the empty default). */
static int dump_rules(struct nl_req *r, int family)
{
	r->dump = true;
	static const struct {
		uint32_t pref;
		uint8_t table;
		bool v6;
	} rules[] = {
		{ 0, RT_TABLE_LOCAL, false },
		{ 32766, RT_TABLE_MAIN, false },
		{ 32767, RT_TABLE_DEFAULT, false },
		{ 0, RT_TABLE_LOCAL, true },
		{ 32766, RT_TABLE_MAIN, true },
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		int fam = rules[i].v6 ? AF_INET6 : AF_INET;
		if (family && family != fam)
			continue;
		struct nl_msg m;
		struct fib_rule_hdr *h =
			nl_msg_start(&m, RTM_NEWRULE, NLM_F_MULTI,
				     r->nlh->nlmsg_seq, r->portid, sizeof(*h));
		h->family = (uint8_t)fam;
		h->table = rules[i].table;
		h->action = FR_ACT_TO_TBL;
		nl_put_u32(&m, FRA_TABLE, rules[i].table);
		nl_put_u32(&m, FRA_SUPPRESS_PREFIXLEN, 0xffffffff);
		nl_put_u8(&m, FRA_PROTOCOL, RTPROT_KERNEL);
		if (rules[i].pref)
			nl_put_u32(&m, FRA_PRIORITY, rules[i].pref);
		int err = nl_buf_add(&r->reply, &m);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- netconf ----------------------------------------------------------------- */

/* inet_netconf_dump_devconf / inet6_netconf_dump_devconf: per device, then
 * "all" and "default"; the sandbox's stack forwards nothing and filters
 * no reverse paths. */
static int dump_netconf(struct nl_req *r, int family)
{
	r->dump = true;
	if (r->strict) {
		struct netconfmsg ncm;
		if (r->nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ncm)))
			return nl_err(
				r, -EINVAL,
				"Invalid header for netconf dump request");
		if (r->nlh->nlmsg_len > NLMSG_LENGTH(NLMSG_ALIGN(sizeof(ncm))))
			return nl_err(r, -EINVAL,
				      "Invalid data after header in netconf "
				      "dump request");
	}
	struct nics l;
	get_nics(r->stack, &l);
	for (int pass = 0; pass < 2; pass++) {
		int fam = pass == 0 ? AF_INET : AF_INET6;
		if (family && family != fam)
			continue;
		for (int i = 0; i < l.n + 2; i++) {
			int idx = i < l.n    ? l.v[i].ifindex
				  : i == l.n ? NETCONFA_IFINDEX_ALL
					     : NETCONFA_IFINDEX_DEFAULT;
			if (i < l.n && fam == AF_INET6 && !l.v[i].ipv6)
				continue;
			struct nl_msg m;
			struct netconfmsg *ncm = nl_msg_start(
				&m, RTM_NEWNETCONF, NLM_F_MULTI,
				r->nlh->nlmsg_seq, r->portid, sizeof(*ncm));
			ncm->ncm_family = (uint8_t)fam;
			nl_put_u32(&m, NETCONFA_IFINDEX, (uint32_t)idx);
			nl_put_u32(&m, NETCONFA_FORWARDING, 0);
			if (fam == AF_INET)
				nl_put_u32(&m, NETCONFA_RP_FILTER, 0);
			/* IPv6 has no mc_forwarding without multicast
			 * routing (CONFIG_IPV6_MROUTE off in the view). */
			if (fam == AF_INET) {
				nl_put_u32(&m, NETCONFA_MC_FORWARDING, 0);
				nl_put_u32(&m, NETCONFA_BC_FORWARDING, 0);
			}
			nl_put_u32(&m, NETCONFA_PROXY_NEIGH, 0);
			nl_put_u32(&m, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 0);
			int err = nl_buf_add(&r->reply, &m);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* ---- dispatch ---------------------------------------------------------------- */

int sn_rtnl_rcv(struct nl_req *r)
{
	const struct nlmsghdr *nlh = r->nlh;
	int type = nlh->nlmsg_type;
	if (type > RTM_MAX)
		return -EOPNOTSUPP;
	/* rtnetlink_rcv_msg: a message without even a family is ignored. */
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtgenmsg)))
		return 0;
	uint8_t family = *(const uint8_t *)NLMSG_DATA(nlh);
	int kind = (type - RTM_BASE) & 3;
	if (kind != 2 && !r->capable)
		return -EPERM;
	bool dump = kind == 2 && (nlh->nlmsg_flags & NLM_F_DUMP);
	bool inet = family == AF_INET || family == AF_INET6;
	switch (type) {
	case RTM_GETLINK:
		if (dump) {
			/* AF_BRIDGE: the bridge ports, of which the
			 * sandbox has none (rtnl_bridge_getlink). */
			if (family == AF_BRIDGE) {
				r->dump = true;
				return 0;
			}
			return family == AF_INET6 ? dump_links6(r)
						  : dump_links(r);
		}
		return get_link(r);
	case RTM_NEWLINK:
		return new_link(r, false);
	case RTM_SETLINK:
		return new_link(r, true);
	case RTM_DELLINK:
		return del_link(r);
	case RTM_GETADDR:
		if (dump)
			return dump_addrs(r, inet ? family : 0);
		return -EOPNOTSUPP;
	case RTM_NEWADDR:
		return inet ? new_addr(r, family) : -EOPNOTSUPP;
	case RTM_DELADDR:
		return inet ? del_addr(r, family) : -EOPNOTSUPP;
	case RTM_GETROUTE:
		if (dump)
			return dump_routes(r, inet ? family : 0);
		return inet ? get_route(r, family) : -EOPNOTSUPP;
	case RTM_NEWROUTE:
		return inet ? new_route(r, family) : -EOPNOTSUPP;
	case RTM_DELROUTE:
		return inet ? del_route(r, family) : -EOPNOTSUPP;
	case RTM_GETNEIGH:
		if (dump)
			return dump_neigh(r, inet ? family : 0);
		return get_neigh(r);
	case RTM_NEWNEIGH:
		return new_neigh(r);
	case RTM_DELNEIGH:
		return nl_err(r, -EOPNOTSUPP,
			      "The sandbox's neighbour entries cannot be "
			      "deleted");
	case RTM_GETRULE:
		if (dump)
			return dump_rules(r, inet ? family : 0);
		return -EOPNOTSUPP;
	case RTM_GETNETCONF:
		if (dump)
			return dump_netconf(r, inet ? family : 0);
		return -EOPNOTSUPP;
	default:
		return -EOPNOTSUPP;
	}
}
