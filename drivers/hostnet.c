/* Host-side network set-up over rtnetlink with libmnl (hostnet.h).
 *
 * Every request is built with libmnl's message and attribute helpers and
 * acknowledged (NLM_F_ACK) before the next one goes out, so an error names
 * the request that caused it; NETLINK_EXT_ACK adds the kernel's own text.
 * Dumps are parsed attribute by attribute with mnl_attr_parse and every
 * attribute's length validated before it is read: the kernel is trusted,
 * but a short attribute must never become an out-of-bounds read. */
#include "drivers/hostnet.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common.h"
#include "runsc/cleanup.h"

/* linux/ipv6.h clashes with glibc's netinet/in.h; these are the indexes
 * of IFLA_INET6_CONF's array (enum in linux/ipv6.h, a stable ABI). */
#define HOSTNET_DEVCONF_DISABLE_IPV6 26
/* From linux/if.h, which clashes with glibc's net/if.h. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* Large enough for the kernel's biggest dump message (it fills up to 32
 * KiB per skb, more on big-page systems). */
#define NL_BUF_SIZE (64 * 1024)
/* A netlink answer never takes long; a missing one must not hang runsc. */
#define NL_TIMEOUT_S 10

/* ---- Netlink plumbing ------------------------------------------------ */

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	char *buf;
	char ext_msg
		[160]; /* the kernel's extended-ack text of the last error */
};

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

/* Opens a NETLINK_ROUTE socket in netns. When ifname is given, also
 * resolves it to *ifindex there. */
static int nl_open(const char *netns, const char *ifname, int *ifindex,
		   struct nl *nl, struct rs_error **err)
{
	memset(nl, 0, sizeof(*nl));
	struct drv_netns ns;
	int r = drv_netns_enter(netns, &ns, err);
	if (r < 0)
		return r;
	int e = 0;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		e = errno;
	unsigned idx = 0;
	if (nl->sock && ifname) {
		idx = if_nametoindex(ifname);
		if (idx == 0)
			e = errno;
	}
	int l = drv_netns_leave(&ns, err);
	if (l < 0) {
		nl_close(nl);
		return l;
	}
	const char *where = netns ? netns : "the current network namespace";
	if (nl->sock == NULL)
		return rs_error_set(err, e, "netlink socket in `%s`", where);
	if (ifname && idx == 0) {
		nl_close(nl);
		return rs_error_set(err, e == ENXIO ? ENODEV : e,
				    "interface `%s` in `%s`", ifname, where);
	}
	if (ifindex)
		*ifindex = (int)idx;
	int one = 1;
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	/* Extended acks are a nicety: older kernels lack them. */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one,
				    sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &tv, sizeof(tv)) < 0 ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		nl_close(nl);
		return rs_error_set(err, e, "netlink bind in `%s`", where);
	}
	nl->buf = malloc(NL_BUF_SIZE);
	if (nl->buf == NULL) {
		nl_close(nl);
		return rs_error_set(err, ENOMEM, "netlink buffer");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 1;
	return 0;
}

static struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* One exchange: the caller's callback for data messages, and the socket
 * for the error callback's extended-ack text. */
struct talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
	bool intr; /* the dump changed under us (NLM_F_DUMP_INTR) */
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = true;
	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (error 0) ends the exchange; an error keeps the
 * kernel's text when NLM_F_ACK_TLVS says it is there. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct talk *t = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* The TLVs follow the echoed request, which is only its
		 * header when the kernel capped it. */
		size_t off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, (unsigned)off, extack_attr_cb,
				       t->nl);
	}
	errno = -e->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE ends a dump; it carries an error code when the dump failed
 * half-way. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	int32_t e = 0;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(e)))
		memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e < 0) {
		errno = -e;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

/* Sends nlh and processes answers until the ack or NLMSG_DONE; cb (may be
 * NULL) sees every data message. Returns 0, -EINTR for a dump the kernel
 * marked inconsistent (the tables changed during it: dump again), or
 * another negative errno (nl->ext_msg may hold the kernel's
 * explanation). */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	nl->ext_msg[0] = 0;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { 0 };
	/* With a control array, libmnl leaves every control type without
	 * an entry alone: NLMSG_DONE needs one to end the exchange. */
	ctl[NLMSG_ERROR] = error_cb;
	ctl[NLMSG_DONE] = done_cb;
	ctl[NLMSG_OVERRUN] = overrun_cb;
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	/* Bounded: every dump ends with NLMSG_DONE, every request with an
	 * ack, and the socket has a receive timeout. */
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUF_SIZE);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		errno = 0;
		int r = mnl_cb_run2(nl->buf, (size_t)n, nlh->nlmsg_seq,
				    nl->portid, data_cb, &t, ctl,
				    NLMSG_MIN_TYPE);
		if (r == MNL_CB_STOP)
			return t.intr ? -EINTR : 0;
		if (r == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
	}
}

/* rs_error_set with the kernel's extended-ack text appended. */
#define nl_fail(nl, err, r, fmt, ...)                                         \
	((nl)->ext_msg[0] ? rs_error_set(err, -(r), fmt " (%s)", __VA_ARGS__, \
					 (nl)->ext_msg)                       \
			  : rs_error_set(err, -(r), fmt, __VA_ARGS__))

/* ---- Attribute helpers ----------------------------------------------- */

struct attr_table {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_collect_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	unsigned type = mnl_attr_get_type(attr);
	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

static void attrs_parse(const struct nlmsghdr *nlh, size_t hdr,
			const struct nlattr **tb, unsigned max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	struct attr_table t = { tb, max };
	mnl_attr_parse(nlh, (unsigned)hdr, attr_collect_cb, &t);
}

static void attrs_parse_nested(const struct nlattr *nest,
			       const struct nlattr **tb, unsigned max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	struct attr_table t = { tb, max };
	mnl_attr_parse_nested(nest, attr_collect_cb, &t);
}

static bool attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (a == NULL || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

/* Copies an address attribute of the family's length into out[16]. */
static bool attr_addr(const struct nlattr *a, int family, uint8_t out[16])
{
	size_t len = family == AF_INET ? 4 : 16;
	if (a == NULL || mnl_attr_get_payload_len(a) != len)
		return false;
	memset(out, 0, 16);
	memcpy(out, mnl_attr_get_payload(a), len);
	return true;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void prefix_mask(uint8_t a[16], unsigned plen, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = plen > i * 8 ? plen - (unsigned)i * 8 : 0;
		if (bits < 8)
			a[i] &= (uint8_t)(0xff00u >> bits);
	}
	for (size_t i = len; i < 16; i++)
		a[i] = 0;
}

/* Grows *arr (elements of size elem) to hold n + 1. */
static int grow(void *arr, unsigned *cap, unsigned n, size_t elem)
{
	void **p = arr;
	if (n < *cap)
		return 0;
	unsigned ncap = *cap ? *cap * 2 : 4;
	void *q = realloc(*p, (size_t)ncap * elem);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

/* ---- Discovery ------------------------------------------------------- */

struct iface_slot {
	struct drv_hostnet_iface ifc;
	unsigned addr_cap, route_cap, neigh_cap;
	bool loopback;
};

struct scan {
	struct iface_slot *slots;
	unsigned n, cap;
	int error; /* -ENOMEM from a callback */
};

static struct iface_slot *scan_find(struct scan *s, int ifindex)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->slots[i].ifc.ifindex == ifindex)
			return &s->slots[i];
	return NULL;
}

/* IFLA_AF_SPEC / AF_INET6: disable_ipv6 (IFLA_INET6_CONF) and
 * addr_gen_mode. No AF_INET6 block: the kernel has no IPv6 here. */
static void parse_inet6(const struct nlattr *af_spec,
			struct drv_hostnet_iface *ifc)
{
	ifc->ipv6_disabled = true;
	if (af_spec == NULL)
		return;
	const struct nlattr *af;
	mnl_attr_for_each_nested(af, af_spec)
	{
		if (mnl_attr_get_type(af) != AF_INET6)
			continue;
		ifc->ipv6_disabled = false;
		const struct nlattr *tb[IFLA_INET6_MAX + 1];
		attrs_parse_nested(af, tb, IFLA_INET6_MAX);
		const struct nlattr *conf = tb[IFLA_INET6_CONF];
		if (conf && mnl_attr_get_payload_len(conf) >=
				    (HOSTNET_DEVCONF_DISABLE_IPV6 + 1) * 4) {
			int32_t v;
			memcpy(&v,
			       (const char *)mnl_attr_get_payload(conf) +
				       HOSTNET_DEVCONF_DISABLE_IPV6 * 4,
			       sizeof(v));
			ifc->ipv6_disabled = v != 0;
		}
		const struct nlattr *mode = tb[IFLA_INET6_ADDR_GEN_MODE];
		if (mode && mnl_attr_validate(mode, MNL_TYPE_U8) == 0)
			ifc->ipv6_no_autoconf =
				mnl_attr_get_u8(mode) == IN6_ADDR_GEN_MODE_NONE;
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *s = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifm)))
		return MNL_CB_OK;
	const struct nlattr *tb[IFLA_MAX + 1];
	attrs_parse(nlh, sizeof(*ifm), tb, IFLA_MAX);
	if (tb[IFLA_IFNAME] == NULL ||
	    mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	if (grow(&s->slots, &s->cap, s->n, sizeof(*s->slots)) < 0) {
		s->error = -ENOMEM;
		return MNL_CB_ERROR;
	}
	struct iface_slot *slot = &s->slots[s->n++];
	memset(slot, 0, sizeof(*slot));
	struct drv_hostnet_iface *ifc = &slot->ifc;
	ifc->ifindex = ifm->ifi_index;
	snprintf(ifc->name, sizeof(ifc->name), "%s",
		 mnl_attr_get_str(tb[IFLA_IFNAME]));
	ifc->type = ifm->ifi_type;
	ifc->up = (ifm->ifi_flags & IFF_UP) != 0;
	ifc->carrier = (ifm->ifi_flags & IFF_LOWER_UP) != 0;
	slot->loopback = (ifm->ifi_flags & IFF_LOOPBACK) != 0;
	(void)attr_u32(tb[IFLA_MTU], &ifc->mtu);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(ifc->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *li[IFLA_INFO_MAX + 1];
		attrs_parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX);
		if (li[IFLA_INFO_KIND] &&
		    mnl_attr_validate(li[IFLA_INFO_KIND], MNL_TYPE_STRING) == 0)
			snprintf(ifc->kind, sizeof(ifc->kind), "%.*s",
				 (int)strnlen(
					 mnl_attr_get_str(li[IFLA_INFO_KIND]),
					 mnl_attr_get_payload_len(
						 li[IFLA_INFO_KIND])),
				 mnl_attr_get_str(li[IFLA_INFO_KIND]));
	}
	parse_inet6(tb[IFLA_AF_SPEC], ifc);
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *s = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	struct iface_slot *slot = scan_find(s, (int)ifa->ifa_index);
	if (slot == NULL)
		return MNL_CB_OK;
	const struct nlattr *tb[IFA_MAX + 1];
	attrs_parse(nlh, sizeof(*ifa), tb, IFA_MAX);
	struct drv_hostnet_addr a = {
		.family = ifa->ifa_family,
		.prefix_len = ifa->ifa_prefixlen,
		.scope = ifa->ifa_scope,
		.flags = ifa->ifa_flags,
		.valid_lft = UINT32_MAX,
	};
	/* IFA_LOCAL is the local end on point-to-point links, where
	 * IFA_ADDRESS is the peer's; elsewhere only IFA_ADDRESS may come. */
	if (!attr_addr(tb[IFA_LOCAL], a.family, a.addr) &&
	    !attr_addr(tb[IFA_ADDRESS], a.family, a.addr))
		return MNL_CB_OK;
	(void)attr_u32(tb[IFA_FLAGS], &a.flags);
	if (tb[IFA_PROTO] && mnl_attr_validate(tb[IFA_PROTO], MNL_TYPE_U8) == 0)
		a.proto = mnl_attr_get_u8(tb[IFA_PROTO]);
	if (tb[IFA_CACHEINFO] && mnl_attr_get_payload_len(tb[IFA_CACHEINFO]) >=
					 sizeof(struct ifa_cacheinfo)) {
		struct ifa_cacheinfo ci;
		memcpy(&ci, mnl_attr_get_payload(tb[IFA_CACHEINFO]),
		       sizeof(ci));
		a.valid_lft = ci.ifa_valid;
	}
	struct drv_hostnet_iface *ifc = &slot->ifc;
	if (grow(&ifc->addrs, &slot->addr_cap, ifc->naddrs,
		 sizeof(*ifc->addrs)) < 0) {
		s->error = -ENOMEM;
		return MNL_CB_ERROR;
	}
	ifc->addrs[ifc->naddrs++] = a;
	return MNL_CB_OK;
}

static int add_route(struct scan *s, int oif, const struct drv_hostnet_route *r)
{
	struct iface_slot *slot = scan_find(s, oif);
	if (slot == NULL)
		return 0;
	struct drv_hostnet_iface *ifc = &slot->ifc;
	if (grow(&ifc->routes, &slot->route_cap, ifc->nroutes,
		 sizeof(*ifc->routes)) < 0)
		return -ENOMEM;
	ifc->routes[ifc->nroutes++] = *r;
	return 0;
}

static uint32_t route_table(const struct rtmsg *rtm, const struct nlattr *a)
{
	uint32_t t = rtm->rtm_table;
	(void)attr_u32(a, &t);
	return t;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *s = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)) ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return MNL_CB_OK;
	const struct nlattr *tb[RTA_MAX + 1];
	attrs_parse(nlh, sizeof(*rtm), tb, RTA_MAX);
	/* Only plain unicast routes of the main table: source-specific
	 * routes, cached clones and routes via another family's gateway
	 * (RTA_VIA) have no ns_route form. */
	if (route_table(rtm, tb[RTA_TABLE]) != RT_TABLE_MAIN ||
	    rtm->rtm_type != RTN_UNICAST || rtm->rtm_src_len != 0 ||
	    (rtm->rtm_flags & RTM_F_CLONED) || tb[RTA_VIA])
		return MNL_CB_OK;
	struct drv_hostnet_route r = {
		.family = rtm->rtm_family,
		.prefix_len = rtm->rtm_dst_len,
		.protocol = rtm->rtm_protocol,
		.scope = rtm->rtm_scope,
	};
	if (r.prefix_len > addr_len(r.family) * 8)
		return MNL_CB_OK;
	if (tb[RTA_DST] && !attr_addr(tb[RTA_DST], r.family, r.dst))
		return MNL_CB_OK;
	(void)attr_u32(tb[RTA_PRIORITY], &r.metric);
	(void)attr_addr(tb[RTA_PREFSRC], r.family, r.src);
	uint32_t oif;
	if (attr_u32(tb[RTA_OIF], &oif)) {
		(void)attr_addr(tb[RTA_GATEWAY], r.family, r.gateway);
		if (add_route(s, (int)oif, &r) < 0)
			goto nomem;
		return MNL_CB_OK;
	}
	const struct nlattr *mp = tb[RTA_MULTIPATH];
	if (mp == NULL)
		return MNL_CB_OK;
	/* struct rtnexthop records, each with its own attributes. */
	const uint8_t *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);
	while (left >= sizeof(struct rtnexthop)) {
		struct rtnexthop nh;
		memcpy(&nh, p, sizeof(nh));
		if (nh.rtnh_len < sizeof(nh) || nh.rtnh_len > left)
			break;
		struct drv_hostnet_route hop = r;
		memset(hop.gateway, 0, sizeof(hop.gateway));
		size_t alen = nh.rtnh_len - RTNH_ALIGN(sizeof(nh));
		const uint8_t *ap = p + RTNH_ALIGN(sizeof(nh));
		while (alen >= sizeof(struct nlattr)) {
			struct nlattr na;
			memcpy(&na, ap, sizeof(na));
			if (na.nla_len < sizeof(na) || na.nla_len > alen)
				break;
			size_t plen = na.nla_len - sizeof(na);
			if ((na.nla_type & NLA_TYPE_MASK) == RTA_GATEWAY &&
			    plen == addr_len(r.family))
				memcpy(hop.gateway, ap + sizeof(na), plen);
			size_t step = NLA_ALIGN(na.nla_len);
			if (step > alen)
				break;
			ap += step;
			alen -= step;
		}
		if (add_route(s, nh.rtnh_ifindex, &hop) < 0)
			goto nomem;
		size_t step = RTNH_ALIGN(nh.rtnh_len);
		if (step > left)
			break;
		p += step;
		left -= step;
	}
	return MNL_CB_OK;
nomem:
	s->error = -ENOMEM;
	return MNL_CB_ERROR;
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *s = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nd)) ||
	    (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) ||
	    !(nd->ndm_state & NUD_PERMANENT))
		return MNL_CB_OK;
	struct iface_slot *slot = scan_find(s, nd->ndm_ifindex);
	if (slot == NULL)
		return MNL_CB_OK;
	const struct nlattr *tb[NDA_MAX + 1];
	attrs_parse(nlh, sizeof(*nd), tb, NDA_MAX);
	struct drv_hostnet_neigh n = { .family = nd->ndm_family };
	if (!attr_addr(tb[NDA_DST], n.family, n.addr) || !tb[NDA_LLADDR] ||
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return MNL_CB_OK;
	memcpy(n.mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	struct drv_hostnet_iface *ifc = &slot->ifc;
	if (grow(&ifc->neighs, &slot->neigh_cap, ifc->nneighs,
		 sizeof(*ifc->neighs)) < 0) {
		s->error = -ENOMEM;
		return MNL_CB_ERROR;
	}
	ifc->neighs[ifc->nneighs++] = n;
	return MNL_CB_OK;
}

/* A dump request of `type` whose header is `hdr_len` zero bytes with
 * the family in its first byte (every rtnetlink header starts so). */
static int nl_dump(struct nl *nl, uint16_t type, size_t hdr_len, mnl_cb_t cb,
		   struct scan *s)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, NLM_F_DUMP);
	uint8_t *hdr = mnl_nlmsg_put_extra_header(nlh, hdr_len);
	hdr[0] = AF_UNSPEC;
	int r = nl_talk(nl, nlh, cb, s);
	if (s->error)
		return s->error;
	return r;
}

static void iface_release(struct drv_hostnet_iface *ifc)
{
	free(ifc->addrs);
	free(ifc->routes);
	free(ifc->neighs);
}

static void scan_release(struct scan *s)
{
	for (unsigned i = 0; i < s->n; i++)
		iface_release(&s->slots[i].ifc);
	free(s->slots);
}

/* Tables changing during a dump make it inconsistent; a few retries
 * get a consistent one unless something churns without pause. */
#define DUMP_TRIES 3

static int scan_namespace(const char *netns, struct scan *s, struct nl *nl,
			  struct rs_error **err)
{
	memset(s, 0, sizeof(*s));
	int r = nl_open(netns, NULL, NULL, nl, err);
	if (r < 0)
		return r;
	const char *where = netns ? netns : "the current network namespace";
	struct step {
		uint16_t type;
		size_t hdr;
		mnl_cb_t cb;
		const char *what;
	} steps[] = {
		{ RTM_GETLINK, sizeof(struct ifinfomsg), link_cb, "links" },
		{ RTM_GETADDR, sizeof(struct ifaddrmsg), addr_cb, "addresses" },
		{ RTM_GETROUTE, sizeof(struct rtmsg), route_cb, "routes" },
		{ RTM_GETNEIGH, sizeof(struct ndmsg), neigh_cb, "neighbours" },
	};
	for (int tries = 1;; tries++) {
		unsigned i;
		r = 0;
		for (i = 0; r == 0 && i < sizeof(steps) / sizeof(*steps); i++)
			r = nl_dump(nl, steps[i].type, steps[i].hdr,
				    steps[i].cb, s);
		if (r == 0)
			return 0;
		scan_release(s);
		memset(s, 0, sizeof(*s));
		if (r != -EINTR || tries == DUMP_TRIES)
			return nl_fail(nl, err, r, "dump %s of `%s`",
				       steps[i - 1].what, where);
	}
}

static int slot_cmp(const void *a, const void *b)
{
	const struct iface_slot *x = a, *y = b;
	return (x->ifc.ifindex > y->ifc.ifindex) -
	       (x->ifc.ifindex < y->ifc.ifindex);
}

int drv_hostnet_discover(const char *netns, struct drv_hostnet **out,
			 struct rs_error **err)
{
	*out = NULL;
	struct nl nl;
	struct scan s;
	int r = scan_namespace(netns, &s, &nl, err);
	nl_close(&nl);
	if (r < 0)
		return r;
	qsort(s.slots, s.n, sizeof(*s.slots), slot_cmp);
	struct drv_hostnet *d = calloc(1, sizeof(*d));
	if (d == NULL ||
	    (s.n && (d->ifaces = calloc(s.n, sizeof(*d->ifaces))) == NULL)) {
		free(d);
		scan_release(&s);
		return rs_error_set(err, ENOMEM, "network discovery");
	}
	for (unsigned i = 0; i < s.n; i++) {
		struct iface_slot *slot = &s.slots[i];
		if (slot->loopback || slot->ifc.type != ARPHRD_ETHER) {
			iface_release(&slot->ifc);
			d->nskipped++;
			continue;
		}
		d->ifaces[d->nifaces++] = slot->ifc;
	}
	free(s.slots);
	*out = d;
	return 0;
}

void drv_hostnet_free(struct drv_hostnet *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; i < d->nifaces; i++)
		iface_release(&d->ifaces[i]);
	free(d->ifaces);
	free(d);
}

/* ---- Address space in use -------------------------------------------- */

struct prefix_scan {
	struct drv_hostnet_prefix *list;
	unsigned n, cap;
	int error;
};

static int prefix_add(struct prefix_scan *ps, int family, const uint8_t *a,
		      unsigned plen)
{
	if (grow(&ps->list, &ps->cap, ps->n, sizeof(*ps->list)) < 0)
		return -ENOMEM;
	struct drv_hostnet_prefix *p = &ps->list[ps->n++];
	p->family = family;
	p->prefix_len = (uint8_t)plen;
	memcpy(p->addr, a, 16);
	prefix_mask(p->addr, plen, addr_len(family));
	return 0;
}

static int prefix_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct prefix_scan *ps = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	const struct nlattr *tb[IFA_MAX + 1];
	attrs_parse(nlh, sizeof(*ifa), tb, IFA_MAX);
	uint8_t a[16];
	if (!attr_addr(tb[IFA_LOCAL], ifa->ifa_family, a) &&
	    !attr_addr(tb[IFA_ADDRESS], ifa->ifa_family, a))
		return MNL_CB_OK;
	if (prefix_add(ps, ifa->ifa_family, a, ifa->ifa_prefixlen) < 0) {
		ps->error = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int prefix_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct prefix_scan *ps = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)) ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_dst_len == 0 ||
	    rtm->rtm_dst_len > addr_len(rtm->rtm_family) * 8)
		return MNL_CB_OK;
	const struct nlattr *tb[RTA_MAX + 1];
	attrs_parse(nlh, sizeof(*rtm), tb, RTA_MAX);
	/* The local table holds the host's own addresses and broadcast
	 * and multicast entries: the addresses are counted already. */
	if (route_table(rtm, tb[RTA_TABLE]) == RT_TABLE_LOCAL)
		return MNL_CB_OK;
	uint8_t a[16];
	if (!attr_addr(tb[RTA_DST], rtm->rtm_family, a))
		return MNL_CB_OK;
	if (prefix_add(ps, rtm->rtm_family, a, rtm->rtm_dst_len) < 0) {
		ps->error = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int drv_hostnet_prefixes(const char *netns, struct drv_hostnet_prefix **out,
			 unsigned *n, struct rs_error **err)
{
	*out = NULL;
	*n = 0;
	struct nl nl;
	int r = nl_open(netns, NULL, NULL, &nl, err);
	if (r < 0)
		return r;
	const char *where = netns ? netns : "the current network namespace";
	struct prefix_scan ps = { 0 };
	for (int tries = 1;; tries++) {
		ps.n = 0;
		struct nlmsghdr *nlh = nl_msg(&nl, RTM_GETADDR, NLM_F_DUMP);
		struct ifaddrmsg *ifa =
			mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
		r = nl_talk(&nl, nlh, prefix_addr_cb, &ps);
		if (r == 0 && ps.error == 0) {
			nlh = nl_msg(&nl, RTM_GETROUTE, NLM_F_DUMP);
			struct rtmsg *rtm =
				mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
			rtm->rtm_family = AF_UNSPEC;
			r = nl_talk(&nl, nlh, prefix_route_cb, &ps);
		}
		if (r != -EINTR || ps.error || tries == DUMP_TRIES)
			break;
	}
	if (ps.error)
		r = ps.error;
	if (r < 0) {
		r = nl_fail(&nl, err, r, "addresses and routes of `%s`", where);
		nl_close(&nl);
		free(ps.list);
		return r;
	}
	nl_close(&nl);
	*out = ps.list;
	*n = ps.n;
	return 0;
}

bool drv_hostnet_prefix_overlaps(const struct drv_hostnet_prefix *list,
				 unsigned n, const struct drv_hostnet_prefix *p)
{
	for (unsigned i = 0; i < n; i++) {
		if (list[i].family != p->family)
			continue;
		unsigned shorter = list[i].prefix_len < p->prefix_len
					   ? list[i].prefix_len
					   : p->prefix_len;
		uint8_t a[16], b[16];
		memcpy(a, list[i].addr, 16);
		memcpy(b, p->addr, 16);
		prefix_mask(a, shorter, addr_len(p->family));
		prefix_mask(b, shorter, addr_len(p->family));
		if (memcmp(a, b, 16) == 0)
			return true;
	}
	return false;
}

/* ---- Take-over ------------------------------------------------------- */

/* A drv_nethost_config made here, with what struct drv_nethost_nic has
 * no room for. cfg comes first so that the public pointer converts back. */
struct hostnet_config {
	struct drv_nethost_config cfg;
	struct drv_nethost_nic *nics;
	struct ns_neigh_info **neighs; /* per NIC */
	unsigned *nneighs;
	unsigned nnics;
};

/* Appends "key=value" to buf, quoting the value as drivers/spec.h wants
 * when it holds a character the grammar uses. Interface names may hold
 * ',' '+' and '"', paths anything. */
static int spec_append(char *buf, size_t size, const char *key,
		       const char *value)
{
	size_t len = strlen(buf);
	bool quote = strpbrk(value, ",+\"\\= ") != NULL;
	int n = snprintf(buf + len, size - len, "%s%s=%s", len ? "," : "", key,
			 quote ? "\"" : "");
	if (n < 0 || (size_t)n >= size - len)
		return -ENAMETOOLONG;
	len += (size_t)n;
	for (const char *c = value; *c; c++) {
		if (len + 3 >= size)
			return -ENAMETOOLONG;
		if (quote && (*c == '"' || *c == '\\'))
			buf[len++] = '\\';
		buf[len++] = *c;
	}
	if (quote) {
		if (len + 2 >= size)
			return -ENAMETOOLONG;
		buf[len++] = '"';
	}
	buf[len] = 0;
	return 0;
}

static bool is_kernel_link_local(const struct drv_hostnet_iface *ifc,
				 const struct drv_hostnet_addr *a)
{
	if (a->family != AF_INET6 || a->addr[0] != 0xfe ||
	    (a->addr[1] & 0xc0) != 0x80)
		return false;
	if (a->proto == IFAPROT_KERNEL_LL)
		return true;
	/* Kernels before IFA_PROTO: the EUI-64 identifier from the MAC
	 * (RFC 4291 appendix A) marks the kernel's own. */
	const uint8_t *m = ifc->mac;
	uint8_t eui[8] = {
		(uint8_t)(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]
	};
	return a->proto == 0 && a->prefix_len == 64 &&
	       memcmp(a->addr + 8, eui, 8) == 0;
}

static bool take_addr(const struct drv_hostnet_iface *ifc,
		      const struct drv_hostnet_addr *a)
{
	if (a->family == AF_INET)
		return true;
	if (ifc->ipv6_disabled || (a->flags & IFA_F_DADFAILED))
		return false;
	/* Addresses the kernel autoconfigured (SLAAC, privacy) are the
	 * netstack's to make from router advertisements. */
	if (!(a->flags & IFA_F_PERMANENT) || a->proto == IFAPROT_KERNEL_RA)
		return false;
	return !is_kernel_link_local(ifc, a);
}

static bool take_route(const struct drv_hostnet_iface *ifc,
		       const struct drv_hostnet_route *r)
{
	if (r->family == AF_INET6 && ifc->ipv6_disabled)
		return false;
	/* The prefix routes of addresses and what router advertisements
	 * taught the kernel: the netstack makes both itself. */
	return r->protocol != RTPROT_KERNEL && r->protocol != RTPROT_RA;
}

static int nic_fill(struct hostnet_config *hc, unsigned i,
		    const struct drv_hostnet_iface *ifc,
		    const struct drv_hostnet_takeover_config *tc,
		    const char *driver)
{
	struct drv_nethost_nic *nic = &hc->nics[i];
	char spec[512];
	snprintf(spec, sizeof(spec), "%s:", driver);
	char opts[480] = "";
	if (spec_append(opts, sizeof(opts), "iface", ifc->name) < 0 ||
	    (tc->netns &&
	     spec_append(opts, sizeof(opts), "netns", tc->netns) < 0))
		return -ENAMETOOLONG;
	if (tc->driver_opts && tc->driver_opts[0]) {
		size_t len = strlen(opts);
		int n = snprintf(opts + len, sizeof(opts) - len, ",%s",
				 tc->driver_opts);
		if (n < 0 || (size_t)n >= sizeof(opts) - len)
			return -ENAMETOOLONG;
	}
	size_t len = strlen(spec);
	if (snprintf(spec + len, sizeof(spec) - len, "%s", opts) >=
	    (int)(sizeof(spec) - len))
		return -ENAMETOOLONG;
	nic->spec = strdup(spec);
	nic->name = strdup(ifc->name);
	if (nic->spec == NULL || nic->name == NULL)
		return -ENOMEM;
	nic->mtu = ifc->mtu;
	if (ifc->ipv6_disabled)
		nic->flags |= NS_NIC_F_NO_IPV6;
	if (ifc->ipv6_no_autoconf)
		nic->flags |= NS_NIC_F_NO_AUTOCONF;

	struct ns_ifaddr *addrs =
		ifc->naddrs ? calloc(ifc->naddrs, sizeof(*addrs)) : NULL;
	struct ns_route *routes =
		ifc->nroutes ? calloc(ifc->nroutes, sizeof(*routes)) : NULL;
	nic->addrs = addrs;
	nic->routes = routes;
	if ((ifc->naddrs && addrs == NULL) || (ifc->nroutes && routes == NULL))
		return -ENOMEM;
	unsigned n = 0;
	for (unsigned k = 0; k < ifc->naddrs; k++) {
		const struct drv_hostnet_addr *a = &ifc->addrs[k];
		if (!take_addr(ifc, a))
			continue;
		addrs[n++] = (struct ns_ifaddr){
			.family = a->family,
			.prefix_len = a->prefix_len,
			.flags = NS_ADDR_F_NODAD,
		};
		memcpy(addrs[n - 1].addr, a->addr, 16);
	}
	nic->naddrs = n;
	n = 0;
	for (unsigned k = 0; k < ifc->nroutes; k++) {
		const struct drv_hostnet_route *r = &ifc->routes[k];
		if (!take_route(ifc, r))
			continue;
		struct ns_route *o = &routes[n++];
		*o = (struct ns_route){
			.family = r->family,
			.prefix_len = r->prefix_len,
			.metric = r->metric,
			.protocol = r->protocol == RTPROT_STATIC
					    ? NS_RTPROT_STATIC
					    : NS_RTPROT_BOOT,
		};
		memcpy(o->dst, r->dst, 16);
		memcpy(o->gateway, r->gateway, 16);
		memcpy(o->src, r->src, 16);
	}
	nic->nroutes = n;
	if (ifc->nneighs) {
		hc->neighs[i] = calloc(ifc->nneighs, sizeof(**hc->neighs));
		if (hc->neighs[i] == NULL)
			return -ENOMEM;
		for (unsigned k = 0; k < ifc->nneighs; k++) {
			struct ns_neigh_info *ni = &hc->neighs[i][k];
			ni->family = ifc->neighs[k].family;
			memcpy(ni->addr, ifc->neighs[k].addr, 16);
			memcpy(ni->mac, ifc->neighs[k].mac, 6);
			ni->state = NS_NUD_PERMANENT;
		}
		hc->nneighs[i] = ifc->nneighs;
	}
	return 0;
}

int drv_hostnet_config(const struct drv_hostnet *d,
		       const struct drv_hostnet_takeover_config *tc,
		       struct drv_nethost_config **out, struct rs_error **err)
{
	*out = NULL;
	const char *driver = tc->driver ? tc->driver : "afpacket";
	const char *where =
		tc->netns ? tc->netns : "the current network namespace";
	/* AF_PACKET binds to an interface that exists, and so does DPDK's
	 * net_af_packet vdev (dpdk:iface=); tap makes a device of its own
	 * and cannot stand in for one. */
	if (strcmp(driver, "afpacket") != 0 && strcmp(driver, "dpdk") != 0)
		return rs_error_set(err, ENOTSUP,
				    "driver `%s` cannot take over an "
				    "interface (only afpacket and dpdk can)",
				    driver);
	unsigned up = 0;
	for (unsigned i = 0; i < d->nifaces; i++)
		up += d->ifaces[i].up;
	if (up == 0)
		return rs_error_set(err, ENODEV,
				    "`%s`: no Ethernet interface that is up "
				    "to take over",
				    where);
	struct hostnet_config *hc = calloc(1, sizeof(*hc));
	if (hc == NULL)
		return rs_error_set(err, ENOMEM, "take-over configuration");
	hc->nics = calloc(up, sizeof(*hc->nics));
	hc->neighs = calloc(up, sizeof(*hc->neighs));
	hc->nneighs = calloc(up, sizeof(*hc->nneighs));
	hc->nnics = up;
	hc->cfg.nics = hc->nics;
	hc->cfg.nnics = up;
	int r = hc->nics && hc->neighs && hc->nneighs ? 0 : -ENOMEM;
	unsigned k = 0;
	for (unsigned i = 0; r == 0 && i < d->nifaces; i++) {
		if (!d->ifaces[i].up)
			continue;
		r = nic_fill(hc, k++, &d->ifaces[i], tc, driver);
		if (r < 0 && r != -ENOMEM) {
			drv_hostnet_config_free(&hc->cfg);
			return rs_error_set(err, -r, "interface `%s`: spec",
					    d->ifaces[i].name);
		}
	}
	if (r < 0) {
		drv_hostnet_config_free(&hc->cfg);
		return rs_error_set(err, ENOMEM, "take-over configuration");
	}
	*out = &hc->cfg;
	return 0;
}

const struct ns_neigh_info *
drv_hostnet_config_neighs(const struct drv_nethost_config *cfg, unsigned i,
			  unsigned *n)
{
	const struct hostnet_config *hc = (const struct hostnet_config *)cfg;
	if (i >= hc->nnics || hc->nneighs[i] == 0) {
		*n = 0;
		return NULL;
	}
	*n = hc->nneighs[i];
	return hc->neighs[i];
}

void drv_hostnet_config_free(struct drv_nethost_config *cfg)
{
	if (cfg == NULL)
		return;
	struct hostnet_config *hc = (struct hostnet_config *)cfg;
	for (unsigned i = 0; hc->nics && i < hc->nnics; i++) {
		struct drv_nethost_nic *nic = &hc->nics[i];
		free((char *)nic->spec);
		free((char *)nic->name);
		free((struct ns_ifaddr *)nic->addrs);
		free((struct ns_route *)nic->routes);
		if (hc->neighs)
			free(hc->neighs[i]);
	}
	free(hc->nics);
	free(hc->neighs);
	free(hc->nneighs);
	free(hc);
}

/* Writes value to /proc/sys/PATH as seen from netns (sysctl files under
 * net/ belong to the namespace of the thread that opens them). */
static int sysctl_write(const char *netns, const char *path, const char *value,
			struct rs_error **err)
{
	struct drv_netns ns;
	int r = drv_netns_enter(netns, &ns, err);
	if (r < 0)
		return r;
	char full[256];
	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	int fd = open(full, O_WRONLY | O_CLOEXEC);
	int e = fd < 0 ? errno : 0;
	int l = drv_netns_leave(&ns, err);
	if (l < 0) {
		if (fd >= 0)
			close(fd);
		return l;
	}
	if (fd < 0)
		return rs_error_set(err, e, "open `%s`", full);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	e = errno;
	close(fd);
	if (n != (ssize_t)len)
		return rs_error_set(err, n < 0 ? e : EIO, "write `%s`", full);
	return 0;
}

static int addr_del(struct nl *nl, int ifindex,
		    const struct drv_hostnet_addr *a)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_DELADDR, NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefix_len;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(a->family), a->addr);
	int r = nl_talk(nl, nlh, NULL, NULL);
	/* Deleting a primary IPv4 address takes its secondaries along
	 * (unless promote_secondaries), so a later one may be gone. */
	return r == -EADDRNOTAVAIL ? 0 : r;
}

/* The fallback where /proc/sys cannot be written (a read-only /proc/sys
 * in a container): no link-local from now on, and every IPv6 address
 * removed. */
static int ipv6_quiet(struct nl *nl, const struct drv_hostnet_iface *ifc)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifc->ifindex;
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *v6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, v6);
	mnl_attr_nest_end(nlh, spec);
	int r = nl_talk(nl, nlh, NULL, NULL);
	for (unsigned k = 0; r == 0 && k < ifc->naddrs; k++)
		if (ifc->addrs[k].family == AF_INET6)
			r = addr_del(nl, ifc->ifindex, &ifc->addrs[k]);
	return r;
}

int drv_hostnet_release(const struct drv_hostnet *d, const char *netns,
			struct rs_error **err)
{
	struct nl nl;
	int r = nl_open(netns, NULL, NULL, &nl, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; r == 0 && i < d->nifaces; i++) {
		const struct drv_hostnet_iface *ifc = &d->ifaces[i];
		if (!ifc->up)
			continue;
		if (!ifc->ipv6_disabled) {
			char path[128];
			snprintf(path, sizeof(path),
				 "net/ipv6/conf/%s/disable_ipv6", ifc->name);
			struct rs_error *e = NULL;
			if (sysctl_write(netns, path, "1", &e) < 0) {
				rs_error_free(e);
				r = ipv6_quiet(&nl, ifc);
				if (r < 0) {
					r = nl_fail(&nl, err, r,
						    "interface `%s`: turn "
						    "IPv6 off",
						    ifc->name);
					break;
				}
			}
		}
		for (unsigned k = 0; r == 0 && k < ifc->naddrs; k++) {
			const struct drv_hostnet_addr *a = &ifc->addrs[k];
			if (a->family != AF_INET)
				continue;
			r = addr_del(&nl, ifc->ifindex, a);
			if (r < 0) {
				char txt[INET6_ADDRSTRLEN] = "?";
				inet_ntop(AF_INET, a->addr, txt, sizeof(txt));
				r = nl_fail(&nl, err, r,
					    "interface `%s`: delete %s/%u",
					    ifc->name, txt, a->prefix_len);
			}
		}
	}
	nl_close(&nl);
	return r;
}

int drv_hostnet_takeover(const struct drv_hostnet_takeover_config *tc,
			 struct drv_nethost_config **out, struct rs_error **err)
{
	*out = NULL;
	struct drv_hostnet *d;
	int r = drv_hostnet_discover(tc->netns, &d, err);
	if (r < 0)
		return r;
	struct drv_nethost_config *cfg;
	r = drv_hostnet_config(d, tc, &cfg, err);
	if (r == 0) {
		r = drv_hostnet_release(d, tc->netns, err);
		if (r < 0) {
			rs_error_wrap(err, "take-over");
			drv_hostnet_config_free(cfg);
		} else {
			*out = cfg;
		}
	}
	drv_hostnet_free(d);
	return r;
}

/* ---- Topology helpers ------------------------------------------------ */

static const char *ns_name(const char *netns)
{
	return netns ? netns : "the current network namespace";
}

int drv_hostnet_veth_create(const char *netns, const char *name,
			    const char *peer, int peer_netns_fd,
			    struct rs_error **err)
{
	if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ)
		return rs_error_set(err, EINVAL,
				    "veth `%s`/`%s`: name too long", name,
				    peer);
	struct nl nl;
	int r = nl_open(netns, NULL, NULL, &nl, err);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh =
		nl_msg(&nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow an ifinfomsg of its own. */
	struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	r = nl_talk(&nl, nlh, NULL, NULL);
	if (r < 0)
		r = nl_fail(&nl, err, r, "create veth `%s` (peer `%s`) in `%s`",
			    name, peer, ns_name(netns));
	nl_close(&nl);
	return r;
}

int drv_hostnet_addr_add(const char *netns, const char *ifname,
			 const struct drv_hostnet_addr *a,
			 struct rs_error **err)
{
	char txt[INET6_ADDRSTRLEN] = "?";
	inet_ntop(a->family, a->addr, txt, sizeof(txt));
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    a->prefix_len > addr_len(a->family) * 8)
		return rs_error_set(err, EINVAL, "address %s/%u", txt,
				    a->prefix_len);
	struct nl nl;
	int ifindex;
	int r = nl_open(netns, ifname, &ifindex, &nl, err);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh =
		nl_msg(&nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefix_len;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	size_t len = addr_len(a->family);
	mnl_attr_put(nlh, IFA_LOCAL, len, a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->addr);
	if (a->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	r = nl_talk(&nl, nlh, NULL, NULL);
	if (r < 0)
		r = nl_fail(&nl, err, r, "add %s/%u to `%s` in `%s`", txt,
			    a->prefix_len, ifname, ns_name(netns));
	nl_close(&nl);
	return r;
}

int drv_hostnet_route_add(const char *netns, const char *ifname,
			  const struct drv_hostnet_route *rt,
			  struct rs_error **err)
{
	char dst[INET6_ADDRSTRLEN] = "?";
	inet_ntop(rt->family, rt->dst, dst, sizeof(dst));
	if ((rt->family != AF_INET && rt->family != AF_INET6) ||
	    rt->prefix_len > addr_len(rt->family) * 8)
		return rs_error_set(err, EINVAL, "route %s/%u", dst,
				    rt->prefix_len);
	struct nl nl;
	int ifindex;
	int r = nl_open(netns, ifname, &ifindex, &nl, err);
	if (r < 0)
		return r;
	static const uint8_t zero[16];
	size_t len = addr_len(rt->family);
	bool via = memcmp(rt->gateway, zero, len) != 0;
	struct nlmsghdr *nlh = nl_msg(&nl, RTM_NEWROUTE,
				      NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)rt->family;
	rtm->rtm_dst_len = rt->prefix_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (rt->prefix_len)
		mnl_attr_put(nlh, RTA_DST, len, rt->dst);
	if (via)
		mnl_attr_put(nlh, RTA_GATEWAY, len, rt->gateway);
	if (memcmp(rt->src, zero, len) != 0)
		mnl_attr_put(nlh, RTA_PREFSRC, len, rt->src);
	if (rt->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	r = nl_talk(&nl, nlh, NULL, NULL);
	if (r < 0)
		r = nl_fail(&nl, err, r, "add route %s/%u via `%s` in `%s`",
			    dst, rt->prefix_len, ifname, ns_name(netns));
	nl_close(&nl);
	return r;
}

int drv_hostnet_tx_csum(const char *netns, const char *ifname, bool on,
			struct rs_error **err)
{
	struct drv_netns ns;
	int r = drv_netns_enter(netns, &ns, err);
	if (r < 0)
		return r;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int e = errno;
	int l = drv_netns_leave(&ns, err);
	if (fd < 0)
		return rs_error_set(err, e, "ethtool `%s`: socket", ifname);
	if (l < 0) {
		close(fd);
		return l;
	}
	struct ethtool_value v = { .cmd = ETHTOOL_STXCSUM, .data = on };
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&v;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	e = errno;
	close(fd);
	if (r < 0)
		return rs_error_set(err, e,
				    "`%s`: switch transmit checksum offload %s",
				    ifname, on ? "on" : "off");
	return 0;
}

int drv_hostnet_link_up(const char *netns, const char *ifname,
			struct rs_error **err)
{
	struct nl nl;
	int ifindex;
	int r = nl_open(netns, ifname, &ifindex, &nl, err);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh = nl_msg(&nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	r = nl_talk(&nl, nlh, NULL, NULL);
	if (r < 0)
		r = nl_fail(&nl, err, r, "set `%s` up in `%s`", ifname,
			    ns_name(netns));
	nl_close(&nl);
	return r;
}

int drv_hostnet_link_del(const char *netns, const char *ifname,
			 struct rs_error **err)
{
	struct nl nl;
	int ifindex;
	int r = nl_open(netns, ifname, &ifindex, &nl, err);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh = nl_msg(&nl, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	r = nl_talk(&nl, nlh, NULL, NULL);
	if (r < 0)
		r = nl_fail(&nl, err, r, "delete `%s` in `%s`", ifname,
			    ns_name(netns));
	nl_close(&nl);
	return r;
}

struct drv_hostnet_pending_del {
	struct nl nl;
	int ifindex;
};

int drv_hostnet_del_prepare(const char *netns, const char *ifname,
			    struct drv_hostnet_pending_del **out,
			    struct rs_error **err)
{
	*out = NULL;
	struct drv_hostnet_pending_del *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return rs_error_set(err, ENOMEM, "prepare deleting `%s`",
				    ifname);
	int r = nl_open(netns, ifname, &p->ifindex, &p->nl, err);
	if (r < 0) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

int drv_hostnet_del_fd(const struct drv_hostnet_pending_del *p)
{
	return mnl_socket_get_fd(p->nl.sock);
}

int drv_hostnet_del_commit(struct drv_hostnet_pending_del *p)
{
	struct nlmsghdr *nlh = nl_msg(&p->nl, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = p->ifindex;
	int r = nl_talk(&p->nl, nlh, NULL, NULL);
	drv_hostnet_del_free(p);
	return r;
}

void drv_hostnet_del_free(struct drv_hostnet_pending_del *p)
{
	if (p == NULL)
		return;
	nl_close(&p->nl);
	free(p);
}

int drv_hostnet_tap_create(const char *netns, const char *name, unsigned flags,
			   int *fd, struct rs_error **err)
{
	*fd = -1;
	size_t len = strlen(name);
	if (len == 0 || len >= IFNAMSIZ)
		return rs_error_set(err, EINVAL, "tap `%s`: bad name", name);
	struct drv_netns ns;
	int r = drv_netns_enter(netns, &ns, err);
	if (r < 0)
		return r;
	/* The device belongs to the namespace the opener is in. */
	cleanup_close int t =
		open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int e = t < 0 ? errno : 0;
	int l = drv_netns_leave(&ns, err);
	if (l < 0)
		return l;
	if (t < 0)
		return rs_error_set(err, e, "tap `%s`: open `/dev/net/tun`",
				    name);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
	if (flags & DRV_HOSTNET_TAP_VNET_HDR)
		ifr.ifr_flags |= IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, len);
	if (ioctl(t, TUNSETIFF, &ifr) < 0)
		return rs_error_set(err, errno, "tap `%s`: TUNSETIFF in `%s`",
				    name, ns_name(netns));
	if ((flags & DRV_HOSTNET_TAP_PERSIST) && ioctl(t, TUNSETPERSIST, 1) < 0)
		return rs_error_set(err, errno, "tap `%s`: TUNSETPERSIST",
				    name);
	*fd = steal_fd(&t);
	return 0;
}
