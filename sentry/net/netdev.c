/* Interface ioctls on sockets (netdevice(7)), answered from the sandbox's
 * netstack as Linux's dev_ioctl, dev_ifconf and devinet_ioctl answer
 * them: ifconfig, busybox, net-tools' netstat -i, Python's if_nameindex
 * fallbacks and old C programs use them.
 *
 * The checks come in Linux's order: the struct ifreq is copied in first
 * (EFAULT), a change needs CAP_NET_ADMIN (EPERM) before the device is
 * looked up (ENODEV), an address query of a device without an IPv4
 * address is EADDRNOTAVAIL. What the netstack cannot change is refused
 * as Linux refuses it for a device that cannot (EOPNOTSUPP), or, for a
 * rename, as Linux refuses renaming an interface that is up (EBUSY).
 *
 * Linux answers the IPv4 address ioctls (SIOCGIFADDR, SIOCSIFADDR, ...)
 * only on AF_INET sockets; here they are answered on a socket of any
 * family, since the syscall layer does not say which family asked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "net/sock.h"
#include "netstack/stack.h"

#ifndef CAP_NET_ADMIN
#define CAP_NET_ADMIN 12
#endif
#define MAX_NICS 64

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

struct addrs {
	struct ns_ifaddr v[256];
	int n;
};

static int addr_cb(void *arg, const struct ns_ifaddr *a)
{
	struct addrs *l = arg;
	if (a->family == AF_INET && l->n < 256)
		l->v[l->n++] = *a;
	return 0;
}

static const struct ns_nic_info *by_name(const struct nics *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static unsigned short if_flags(const struct ns_nic_info *n)
{
	unsigned f = IFF_UP | IFF_RUNNING;
	if (n->loopback)
		f |= IFF_LOOPBACK;
	else if (n->type == NS_LINK_ETHERNET)
		f |= IFF_BROADCAST | IFF_MULTICAST;
	else
		f |= IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	return (unsigned short)f; /* ifr_flags is a short: no IFF_LOWER_UP */
}

static uint32_t if_mtu(const struct ns_nic_info *n)
{
	return n->loopback && n->mtu == 65535 ? 65536 : n->mtu;
}

static uint32_t mask_of(unsigned plen)
{
	return plen ? htonl(0xffffffffu << (32 - plen)) : 0;
}

/* inet_mask_len of a contiguous mask; -1 for a bad one (bad_mask). */
static int mask_len(uint32_t be)
{
	uint32_t m = ntohl(be);
	int len = 0;
	while (len < 32 && (m & (0x80000000u >> len)))
		len++;
	if (len < 32 && (m << len) != 0)
		return -1;
	return len;
}

/* inet_abc_len: the classful prefix SIOCSIFADDR gives an address. */
static int abc_len(uint32_t be)
{
	uint32_t a = ntohl(be);
	if (a == 0)
		return 0;
	if ((a >> 31) == 0)
		return 8;
	if ((a >> 30) == 2)
		return 16;
	if ((a >> 29) == 6)
		return 24;
	return -1;
}

/* dev_ifconf and inet_gifconf: one struct ifreq per IPv4 address. */
static long ifconf(struct sn_task *t, struct ns_stack *s, uint64_t arg)
{
	struct ifconf ifc;
	if (sn_copy_in(t, arg, &ifc, sizeof(ifc)) < 0)
		return -EFAULT;
	struct nics l = { .n = 0 };
	struct addrs *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	ns_stack_foreach_nic(s, nic_cb, &l);
	ns_stack_foreach_addr(s, addr_cb, a);
	uint64_t buf = (uint64_t)(uintptr_t)ifc.ifc_buf;
	int len = ifc.ifc_len, total = 0;
	long r = 0;
	for (int i = 0; i < l.n && r == 0; i++) {
		for (int j = 0; j < a->n; j++) {
			if (a->v[j].ifindex != l.v[i].ifindex)
				continue;
			if (buf == 0) {
				total += (int)sizeof(struct ifreq);
				continue;
			}
			if (len - total < (int)sizeof(struct ifreq))
				break;
			struct ifreq ifr;
			memset(&ifr, 0, sizeof(ifr));
			strncpy(ifr.ifr_name, l.v[i].name, IFNAMSIZ - 1);
			struct sockaddr_in sin = { .sin_family = AF_INET };
			memcpy(&sin.sin_addr, a->v[j].addr, 4);
			memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
			if (sn_copy_out(t, buf + (uint64_t)total, &ifr,
					sizeof(ifr)) < 0) {
				r = -EFAULT;
				break;
			}
			total += (int)sizeof(struct ifreq);
		}
	}
	free(a);
	if (r < 0)
		return r;
	return sn_copy_out(t, arg + offsetof(struct ifconf, ifc_len), &total,
			   sizeof(total));
}

/* The flags dev_change_flags lets SIOCSIFFLAGS change. */
#define CHANGEABLE                                                       \
	(IFF_UP | IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | \
	 IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA | IFF_PROMISC |     \
	 IFF_ALLMULTI)

static long set_flags(const struct ns_nic_info *n, short flags)
{
	unsigned want = (unsigned short)flags, cur = if_flags(n);
	if (!(want & IFF_UP))
		return -EOPNOTSUPP; /* the netstack's NICs stay up */
	if ((want ^ cur) & CHANGEABLE)
		return -EOPNOTSUPP;
	return 0;
}

/* SIOCSIFADDR and SIOCSIFNETMASK: the address (or prefix) replaced, as
 * devinet_ioctl does with inet_del_ifa and inet_insert_ifa. */
static long set_addr(struct ns_stack *s, const struct ns_nic_info *n,
		     const struct ns_ifaddr *cur, uint32_t addr, int plen)
{
	struct ns_ifaddr a = { .ifindex = n->ifindex,
			       .family = AF_INET,
			       .prefix_len = (uint8_t)plen };
	memcpy(a.addr, &addr, 4);
	if (cur) {
		if (memcmp(cur->addr, a.addr, 4) == 0 &&
		    cur->prefix_len == a.prefix_len)
			return 0;
		ns_stack_del_addr(s, n->ifindex, AF_INET, cur->addr);
	}
	int r = ns_stack_add_addr(s, &a);
	if (r < 0 && cur)
		ns_stack_add_addr(s, cur); /* put the old one back */
	return r;
}

/* devinet_ioctl. */
static long inet_ioctl(struct sn_task *t, struct ns_stack *s, unsigned long cmd,
		       struct ifreq *ifr, const struct nics *l)
{
	struct sockaddr_in orig;
	memcpy(&orig, &ifr->ifr_addr, sizeof(orig));
	bool get = cmd == SIOCGIFADDR || cmd == SIOCGIFBRDADDR ||
		   cmd == SIOCGIFDSTADDR || cmd == SIOCGIFNETMASK;
	if (!get) {
		if (!sn_task_capable(t, CAP_NET_ADMIN))
			return -EPERM;
		if (orig.sin_family != AF_INET)
			return -EINVAL;
	}
	const struct ns_nic_info *n = by_name(l, ifr->ifr_name);
	if (n == NULL)
		return -ENODEV;
	struct addrs *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	ns_stack_foreach_addr(s, addr_cb, a);
	/* 4.4BSD style: the address given, else the device's first. */
	const struct ns_ifaddr *ifa = NULL;
	for (int i = 0; i < a->n && get && orig.sin_family == AF_INET && !ifa;
	     i++)
		if (a->v[i].ifindex == n->ifindex &&
		    memcmp(a->v[i].addr, &orig.sin_addr, 4) == 0)
			ifa = &a->v[i];
	for (int i = 0; i < a->n && !ifa; i++)
		if (a->v[i].ifindex == n->ifindex)
			ifa = &a->v[i];
	long r = 0;
	if (ifa == NULL && cmd != SIOCSIFADDR) {
		free(a);
		return -EADDRNOTAVAIL;
	}
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint32_t addr = 0;
	if (ifa)
		memcpy(&addr, ifa->addr, 4);
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR:
		sin.sin_addr.s_addr = addr;
		break;
	case SIOCGIFNETMASK:
		sin.sin_addr.s_addr = mask_of(ifa->prefix_len);
		break;
	case SIOCGIFBRDADDR:
		if (!n->loopback && n->type == NS_LINK_ETHERNET &&
		    ifa->prefix_len < 31)
			sin.sin_addr.s_addr = addr | ~mask_of(ifa->prefix_len);
		break;
	case SIOCSIFADDR: {
		int plen = abc_len(orig.sin_addr.s_addr);
		if (plen < 0)
			plen = 32;
		r = set_addr(s, n, ifa, orig.sin_addr.s_addr, plen);
		break;
	}
	case SIOCSIFNETMASK: {
		int plen = mask_len(orig.sin_addr.s_addr);
		r = plen < 0 ? -EINVAL : set_addr(s, n, ifa, addr, plen);
		break;
	}
	case SIOCSIFBRDADDR: {
		/* The broadcast address follows the prefix. */
		uint32_t b = addr | ~mask_of(ifa->prefix_len);
		r = orig.sin_addr.s_addr == b ? 0 : -EOPNOTSUPP;
		break;
	}
	default: /* SIOCSIFDSTADDR: point-to-point links only */
		r = -EOPNOTSUPP;
		break;
	}
	free(a);
	if (r == 0 && get)
		memcpy(&ifr->ifr_addr, &sin, sizeof(sin));
	return r;
}

/* SIOCETHTOOL: the link state, and the driver of an Ethernet NIC (a
 * container's veth on Linux); lo has no driver information. */
static long ethtool(struct sn_task *t, const struct ns_nic_info *n,
		    uint64_t data)
{
	uint32_t cmd;
	if (sn_copy_in(t, data, &cmd, sizeof(cmd)) < 0)
		return -EFAULT;
	switch (cmd) {
	case ETHTOOL_GLINK: {
		struct ethtool_value v = { .cmd = cmd, .data = 1 };
		return sn_copy_out(t, data, &v, sizeof(v));
	}
	case ETHTOOL_GDRVINFO: {
		if (n->loopback || n->type != NS_LINK_ETHERNET)
			return -EOPNOTSUPP;
		struct ethtool_drvinfo d;
		memset(&d, 0, sizeof(d));
		d.cmd = cmd;
		strcpy(d.driver, "veth");
		strcpy(d.version, "1.0");
		return sn_copy_out(t, data, &d, sizeof(d));
	}
	default:
		return -EOPNOTSUPP;
	}
}

/* The family of the socket f, from its SO_DOMAIN. */
static int family_of(struct sn_file *f, struct sn_task *t)
{
	int domain = 0;
	socklen_t len = sizeof(domain);
	const struct sn_sock_ops *ops = f->ops->sock;
	if (ops->getsockopt == NULL ||
	    ops->getsockopt(f, t, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return -1;
	return domain;
}

/* The IPv4 address ioctls, which Linux answers only on AF_INET sockets
 * (inet_ioctl's devinet_ioctl); the others are dev_ioctl's, for any. */
static bool is_ipv4_address_ioctl(unsigned long cmd)
{
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCSIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCSIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCSIFNETMASK:
		return true;
	default:
		return false;
	}
}

long sn_netdev_ioctl(struct sn_task *t, struct sn_file *f, unsigned long cmd,
		     uint64_t arg)
{
	if (is_ipv4_address_ioctl(cmd) && family_of(f, t) != AF_INET)
		return -ENOTTY;
	switch (cmd) {
	case SIOCGIFNAME:
	case SIOCGIFCONF:
	case SIOCGIFFLAGS:
	case SIOCSIFFLAGS:
	case SIOCGIFADDR:
	case SIOCSIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCSIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCSIFNETMASK:
	case SIOCGIFMETRIC:
	case SIOCSIFMETRIC:
	case SIOCGIFMTU:
	case SIOCSIFMTU:
	case SIOCSIFNAME:
	case SIOCSIFHWADDR:
	case SIOCGIFHWADDR:
	case SIOCGIFSLAVE:
	case SIOCSIFSLAVE:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
	case SIOCGIFINDEX:
	case SIOCSIFHWBROADCAST:
	case SIOCGIFTXQLEN:
	case SIOCSIFTXQLEN:
	case SIOCETHTOOL:
	case SIOCGMIIPHY:
	case SIOCGMIIREG:
	case SIOCSMIIREG:
	case SIOCGIFMAP:
	case SIOCSIFMAP:
		break;
	default:
		/* SIOCGIFMEM, SIOCSIFMEM, SIOCSIFLINK and the rest. */
		return -ENOTTY;
	}
	if (t->k->net && t->k->net->mode == SN_NET_HOST)
		return sn_hostinet_netdev_ioctl(t, cmd, arg);
	struct ns_stack *s = sn_net_stack(t->k);
	if (s == NULL)
		return -ENOTTY;
	if (cmd == SIOCGIFCONF)
		return ifconf(t, s, arg);
	struct ifreq ifr;
	if (sn_copy_in(t, arg, &ifr, sizeof(ifr)) < 0)
		return -EFAULT;
	ifr.ifr_name[IFNAMSIZ - 1] = 0;
	/* An alias label ("eth0:1") names its device. */
	char *colon = strchr(ifr.ifr_name, ':');
	if (colon)
		*colon = 0;
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(s, nic_cb, &l);
	const struct ns_nic_info *n = NULL;
	long r = 0;
	switch (cmd) {
	case SIOCGIFNAME:
		r = -ENODEV;
		for (int i = 0; i < l.n; i++)
			if (l.v[i].ifindex == ifr.ifr_ifindex) {
				memset(ifr.ifr_name, 0, IFNAMSIZ);
				strncpy(ifr.ifr_name, l.v[i].name,
					IFNAMSIZ - 1);
				r = 0;
			}
		break;
	case SIOCGIFADDR:
	case SIOCSIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCSIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCSIFNETMASK:
		r = inet_ioctl(t, s, cmd, &ifr, &l);
		if (colon)
			*colon = ':';
		break;
	case SIOCGIFFLAGS:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFSLAVE:
	case SIOCGIFMAP:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCGIFHWADDR:
		/* dev_ifsioc_locked, dev_get_mac_address */
		if ((n = by_name(&l, ifr.ifr_name)) == NULL) {
			r = -ENODEV;
			break;
		}
		if (cmd == SIOCGIFFLAGS)
			ifr.ifr_flags = (short)if_flags(n);
		else if (cmd == SIOCGIFMETRIC)
			ifr.ifr_metric = 0;
		else if (cmd == SIOCGIFMTU)
			ifr.ifr_mtu = (int)if_mtu(n);
		else if (cmd == SIOCGIFSLAVE)
			r = -EINVAL;
		else if (cmd == SIOCGIFMAP)
			memset(&ifr.ifr_map, 0, sizeof(ifr.ifr_map));
		else if (cmd == SIOCGIFINDEX)
			ifr.ifr_ifindex = n->ifindex;
		else if (cmd == SIOCGIFTXQLEN)
			ifr.ifr_qlen = 1000;
		else {
			memset(&ifr.ifr_hwaddr, 0, sizeof(ifr.ifr_hwaddr));
			ifr.ifr_hwaddr.sa_family = n->loopback ? ARPHRD_LOOPBACK
						   : n->type == NS_LINK_ETHERNET
							   ? ARPHRD_ETHER
							   : ARPHRD_NONE;
			if (!n->loopback && n->type == NS_LINK_ETHERNET)
				memcpy(ifr.ifr_hwaddr.sa_data, n->mac, 6);
		}
		if (colon)
			*colon = ':';
		break;
	case SIOCETHTOOL:
		if ((n = by_name(&l, ifr.ifr_name)) == NULL)
			return -ENODEV;
		return ethtool(t, n, (uint64_t)(uintptr_t)ifr.ifr_data);
	default:
		/* The changes: CAP_NET_ADMIN first, then the device. */
		if (!sn_task_capable(t, CAP_NET_ADMIN))
			return -EPERM;
		if ((n = by_name(&l, ifr.ifr_name)) == NULL)
			return -ENODEV;
		switch (cmd) {
		case SIOCSIFFLAGS:
			return set_flags(n, ifr.ifr_flags);
		case SIOCSIFMTU: {
			if (ifr.ifr_mtu < 0)
				return -EINVAL;
			uint32_t mtu = (uint32_t)ifr.ifr_mtu;
			if (n->loopback && mtu > 65535)
				mtu = 65535;
			if (!n->loopback && (mtu < 68 || mtu > 65535))
				return -EINVAL;
			return mtu == n->mtu ? 0
					     : ns_stack_nic_set_mtu(
						       s, n->ifindex, mtu);
		}
		case SIOCSIFNAME:
			return strncmp(ifr.ifr_newname, n->name, IFNAMSIZ) == 0
				       ? 0
				       : -EBUSY;
		case SIOCSIFMETRIC:
			return -EOPNOTSUPP;
		case SIOCSIFHWADDR: {
			unsigned short type = n->loopback ? ARPHRD_LOOPBACK
					      : n->type == NS_LINK_ETHERNET
						      ? ARPHRD_ETHER
						      : ARPHRD_NONE;
			if (ifr.ifr_hwaddr.sa_family != type)
				return -EINVAL;
			static const uint8_t zero[6];
			const uint8_t *cur =
				n->type == NS_LINK_ETHERNET && !n->loopback
					? n->mac
					: zero;
			/* The address the NIC has is kept; another cannot
			 * be given to it. */
			return memcmp(ifr.ifr_hwaddr.sa_data, cur, 6) == 0
				       ? 0
				       : -EOPNOTSUPP;
		}
		case SIOCSIFTXQLEN:
			if (ifr.ifr_qlen < 0)
				return -EINVAL;
			return ifr.ifr_qlen == 1000 ? 0 : -EOPNOTSUPP;
		default:
			/* SIOCSIFMAP, SIOCADDMULTI, SIOCDELMULTI,
			 * SIOCSIFSLAVE, SIOCSIFHWBROADCAST, MII: no driver
			 * operation for them. */
			return -EOPNOTSUPP;
		}
	}
	if (r < 0)
		return r;
	return sn_copy_out(t, arg, &ifr, sizeof(ifr)) < 0 ? -EFAULT : 0;
}
