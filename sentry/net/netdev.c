/* Interface ioctls on sockets, answered from the sandbox's stack as
 * Linux answers them from its network devices:
 * - SIOCGIFCONF for a socket of any family (sock_ioctl, dev_ifconf and
 *   inet_gifconf: one struct ifreq per IPv4 address);
 * - the struct ifreq ioctls of dev_ioctl for a socket of any family
 *   (sock_do_ioctl hands every 0x89xx command the family does not know
 *   to it after copying the ifreq in: EFAULT first, then ENODEV for an
 *   unknown device, ENOTTY for a command it does not know);
 * - SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFDSTADDR for
 *   AF_INET sockets only (inet_ioctl, devinet_ioctl).
 * Changing interfaces is not for the sandboxed program (EPERM, Linux's
 * answer without CAP_NET_ADMIN over the namespace). */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "net/net.h"
#include "net/sock.h"

/* Linux's socket ioctls are type 0x89 (SOCK_IOC_TYPE). */
#define SOCK_IOC_TYPE 0x89

/* What Linux shows of a NIC: its flags, MTU and hardware address type. */
static short if_flags(const struct ns_nic_info *ni)
{
	if (ni->loopback)
		return IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
	if (ni->type == NS_LINK_ETHERNET)
		return IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST;
	return IFF_UP | IFF_POINTOPOINT | IFF_RUNNING | IFF_NOARP |
	       IFF_MULTICAST;
}

static int if_mtu(const struct ns_nic_info *ni)
{
	/* Linux's lo has MTU 65536; the stack keeps 65535, the largest IP
	 * packet. */
	return ni->loopback ? 65536 : (int)ni->mtu;
}

static unsigned short if_hwtype(const struct ns_nic_info *ni)
{
	if (ni->loopback)
		return ARPHRD_LOOPBACK;
	return ni->type == NS_LINK_ETHERNET ? ARPHRD_ETHER : ARPHRD_NONE;
}

struct find_name {
	const char *name;
	struct ns_nic_info info;
	bool found;
};

static int match_name(void *arg, const struct ns_nic_info *ni)
{
	struct find_name *f = arg;
	if (strncmp(ni->name, f->name, IFNAMSIZ) != 0)
		return 0;
	f->info = *ni;
	f->found = true;
	return 1;
}

/* The NIC named in ifr (dev_ioctl: the name is cut at IFNAMSIZ - 1 and
 * at an alias's colon). */
static int nic_by_name(struct ns_stack *stack, struct ifreq *ifr,
		       struct ns_nic_info *out)
{
	char name[IFNAMSIZ];
	memcpy(name, ifr->ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = 0;
	char *colon = strchr(name, ':');
	if (colon)
		*colon = 0;
	struct find_name f = { .name = name };
	ns_stack_foreach_nic(stack, match_name, &f);
	if (!f.found)
		return -ENODEV;
	*out = f.info;
	return 0;
}

/* dev_ioctl's read-only commands. */
static int dev_ioctl(struct ns_stack *stack, unsigned long cmd,
		     struct ifreq *ifr)
{
	struct ns_nic_info ni;
	int r;
	if (cmd == SIOCGIFNAME) {
		/* dev_ifname */
		r = ns_stack_nic_info(stack, ifr->ifr_ifindex, &ni);
		if (r < 0)
			return -ENODEV;
		memset(ifr->ifr_name, 0, IFNAMSIZ);
		memcpy(ifr->ifr_name, ni.name, IFNAMSIZ - 1);
		return 0;
	}
	switch (cmd) {
	case SIOCGIFFLAGS:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFSLAVE:
	case SIOCGIFMAP:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCGIFHWADDR:
		break;
	case SIOCSIFFLAGS:
	case SIOCSIFMETRIC:
	case SIOCSIFMTU:
	case SIOCSIFMAP:
	case SIOCSIFHWADDR:
	case SIOCSIFSLAVE:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
	case SIOCSIFHWBROADCAST:
	case SIOCSIFTXQLEN:
	case SIOCSIFNAME:
		return -EPERM;
	default:
		return -ENOTTY;
	}
	r = nic_by_name(stack, ifr, &ni);
	if (r < 0)
		return r;
	switch (cmd) {
	case SIOCGIFFLAGS:
		ifr->ifr_flags = if_flags(&ni);
		return 0;
	case SIOCGIFMETRIC:
		ifr->ifr_metric = 0;
		return 0;
	case SIOCGIFMTU:
		ifr->ifr_mtu = if_mtu(&ni);
		return 0;
	case SIOCGIFSLAVE:
		return -EINVAL;
	case SIOCGIFMAP:
		memset(&ifr->ifr_map, 0, sizeof(ifr->ifr_map));
		return 0;
	case SIOCGIFINDEX:
		ifr->ifr_ifindex = ni.ifindex;
		return 0;
	case SIOCGIFTXQLEN:
		/* Linux's default queue length for lo and veth. */
		ifr->ifr_qlen = 1000;
		return 0;
	default: /* SIOCGIFHWADDR: netif_get_mac_address */
		ifr->ifr_hwaddr.sa_family = if_hwtype(&ni);
		if (ni.type == NS_LINK_ETHERNET || ni.loopback) {
			/* lo: six zero bytes, as Linux's */
			memset(ifr->ifr_hwaddr.sa_data, 0, 6);
			if (!ni.loopback)
				memcpy(ifr->ifr_hwaddr.sa_data, ni.mac, 6);
		}
		return 0;
	}
}

struct find_addr {
	int ifindex;
	uint8_t addr[4];
	uint8_t prefix_len;
	bool want_match; /* the caller gave an AF_INET address to match */
	uint8_t match[4];
	bool found;
};

static int match_addr(void *arg, const struct ns_ifaddr *ifa)
{
	struct find_addr *f = arg;
	if (ifa->ifindex != f->ifindex || ifa->family != AF_INET)
		return 0;
	if (f->want_match && memcmp(ifa->addr, f->match, 4) != 0) {
		/* devinet_ioctl falls back to the first address of the
		 * interface when none matches. */
		if (!f->found) {
			memcpy(f->addr, ifa->addr, 4);
			f->prefix_len = ifa->prefix_len;
			f->found = true;
		}
		return 0;
	}
	memcpy(f->addr, ifa->addr, 4);
	f->prefix_len = ifa->prefix_len;
	f->found = true;
	return 1;
}

/* devinet_ioctl's read-only commands, for AF_INET sockets. */
static int devinet_ioctl(struct ns_stack *stack, unsigned long cmd,
			 struct ifreq *ifr)
{
	struct sockaddr_in orig;
	memcpy(&orig, &ifr->ifr_addr, sizeof(orig));
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ns_nic_info ni;
	int r = nic_by_name(stack, ifr, &ni);
	if (r < 0)
		return r;
	struct find_addr f = { .ifindex = ni.ifindex,
			       .want_match = orig.sin_family == AF_INET };
	memcpy(f.match, &orig.sin_addr, 4);
	ns_stack_foreach_addr(stack, match_addr, &f);
	if (!f.found)
		return -EADDRNOTAVAIL;
	uint32_t a, mask = f.prefix_len ? ~0u << (32 - f.prefix_len) : 0;
	memcpy(&a, f.addr, 4);
	a = ntohl(a);
	uint32_t v = a;
	if (cmd == SIOCGIFNETMASK)
		v = mask;
	else if (cmd == SIOCGIFBRDADDR)
		/* Linux's lo has none; others the prefix's broadcast, as
		 * ip(8) configures them. */
		v = ni.loopback || f.prefix_len >= 31 ? 0 : (a | ~mask);
	sin.sin_addr.s_addr = htonl(v);
	memcpy(&ifr->ifr_addr, &sin, sizeof(sin));
	return 0;
}

/* dev_ifconf: with a NULL buffer the length all entries need, else as
 * many whole entries as fit. */
struct ifconf_ctx {
	struct sn_task *t;
	struct ns_stack *stack;
	uint64_t buf;
	int len;
	int total;
	int err;
};

static int put_ifconf(void *arg, const struct ns_ifaddr *ifa)
{
	struct ifconf_ctx *c = arg;
	if (ifa->family != AF_INET)
		return 0;
	int size = (int)sizeof(struct ifreq);
	if (c->buf == 0) {
		c->total += size;
		return 0;
	}
	if (c->len - c->total < size)
		return 1;
	struct ns_nic_info ni;
	if (ns_stack_nic_info(c->stack, ifa->ifindex, &ni) < 0)
		return 0;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ni.name, IFNAMSIZ - 1);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	memcpy(&sin.sin_addr, ifa->addr, 4);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (sn_copy_out(c->t, c->buf + (uint64_t)c->total, &ifr, sizeof(ifr)) <
	    0) {
		c->err = -EFAULT;
		return 1;
	}
	c->total += size;
	return 0;
}

static long ifconf(struct sn_task *t, struct ns_stack *stack, uint64_t arg)
{
	struct ifconf ifc;
	if (sn_copy_in(t, arg, &ifc, sizeof(ifc)) < 0)
		return -EFAULT;
	struct ifconf_ctx c = { .t = t,
				.stack = stack,
				.buf = (uint64_t)(uintptr_t)ifc.ifc_buf,
				.len = ifc.ifc_len };
	ns_stack_foreach_addr(stack, put_ifconf, &c);
	if (c.err)
		return c.err;
	ifc.ifc_len = c.total;
	return sn_copy_out(t, arg + offsetof(struct ifconf, ifc_len),
			   &ifc.ifc_len, sizeof(ifc.ifc_len));
}

long sn_netdev_ioctl(struct sn_task *t, int family, unsigned long cmd,
		     uint64_t arg)
{
	struct ns_stack *stack = sn_net_stack(t->k);
	if (stack == NULL)
		return sn_hostinet_netdev_ioctl(t, cmd, arg);
	if (cmd == SIOCGIFCONF)
		return ifconf(t, stack, arg);
	if (((cmd >> 8) & 0xff) != SOCK_IOC_TYPE)
		return -ENOTTY;
	struct ifreq ifr;
	if (sn_copy_in(t, arg, &ifr, sizeof(ifr)) < 0)
		return -EFAULT;
	long r;
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		r = family == AF_INET ? devinet_ioctl(stack, cmd, &ifr)
				      : -ENOTTY;
		break;
	default:
		r = dev_ioctl(stack, cmd, &ifr);
		break;
	}
	if (r == 0 && sn_copy_out(t, arg, &ifr, sizeof(ifr)) < 0)
		return -EFAULT;
	return r;
}
