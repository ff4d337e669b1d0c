/* --network=host: the host's interfaces, addresses and routes as the
 * application may read them, never change them.
 *
 * - NETLINK_ROUTE sockets over a host netlink socket. Requests pass in
 *   order, but only RTM_GET* ones (and the control types the kernel
 *   ignores): any other request that asks the kernel to act (RTM_NEWADDR,
 *   RTM_DELROUTE, RTM_SETLINK ...) is answered by the Sentry itself with
 *   the NLMSG_ERROR EPERM Linux's rtnetlink_rcv_msg gives a caller
 *   without CAP_NET_ADMIN, so `ip addr add` prints "Operation not
 *   permitted". Messages may go only to the kernel (port 0, no groups),
 *   as for any unprivileged NETLINK_ROUTE sender.
 * - The interface ioctls (SIOCGIF*) answered by a host socket; the ones
 *   that change something are EPERM.
 * - /proc/net files read from the host through the /proc fd the Sentry
 *   keeps (k->host_proc): in host mode the confined Sentry stays in the
 *   host's network namespace, so its /proc/self/net is the host's. Only
 *   the files about interfaces, routes and inet sockets: the host's
 *   unix, netlink and packet sockets are none of the sandbox's business
 *   (its own unix sockets live in the Sentry).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/hostinet.h"
#include "net/net.h"

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif

/* A reply the Sentry made (one skb's worth). */
struct sn_hi_reply {
	struct sn_hi_reply *next;
	/* Host data that was queued when this reply was made goes first;
	 * cleared once the host has nothing left to read. */
	bool after_host;
	size_t len;
	uint8_t data[];
};

/* Bound on Sentry-made replies nobody reads (Linux bounds them by the
 * receive buffer and reports ENOBUFS, netlink_overrun). */
#define REPLIES_MAX 64

static bool host_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/* The socket's port id, binding it first if it is not yet (Linux's
 * netlink_sendmsg autobinds before it handles a request). */
static uint32_t portid(struct sn_hsock *s)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);
	if (getsockname(s->fd, (struct sockaddr *)&a, &len) == 0 &&
	    a.nl_pid != 0)
		return a.nl_pid;
	struct sockaddr_nl any = { .nl_family = AF_NETLINK };
	if (bind(s->fd, (struct sockaddr *)&any, sizeof(any)) < 0 &&
	    errno != EINVAL)
		return 0;
	len = sizeof(a);
	if (getsockname(s->fd, (struct sockaddr *)&a, &len) < 0)
		return 0;
	return a.nl_pid;
}

/* netlink_ack(skb, nlh, err): the request's header, and its payload
 * unless NETLINK_CAP_ACK. msg holds h->nlmsg_len bytes. */
static void refuse(struct sn_hsock *s, const struct nlmsghdr *h,
		   const uint8_t *msg, int err)
{
	if (s->nreplies >= REPLIES_MAX) {
		s->pending_err = -ENOBUFS;
		return;
	}
	size_t payload = s->cap_ack ? 0 : h->nlmsg_len - NLMSG_HDRLEN;
	size_t len =
		NLMSG_HDRLEN + sizeof(struct nlmsgerr) + NLMSG_ALIGN(payload);
	struct sn_hi_reply *r = calloc(1, sizeof(*r) + len);
	if (r == NULL) {
		s->pending_err = -ENOBUFS;
		return;
	}
	struct nlmsghdr eh = {
		.nlmsg_len = (uint32_t)len,
		.nlmsg_type = NLMSG_ERROR,
		.nlmsg_flags = s->cap_ack ? NLM_F_CAPPED : 0,
		.nlmsg_seq = h->nlmsg_seq,
		.nlmsg_pid = portid(s),
	};
	struct nlmsgerr e = { .error = err, .msg = *h };
	memcpy(r->data, &eh, sizeof(eh));
	memcpy(r->data + NLMSG_HDRLEN, &e, sizeof(e));
	memcpy(r->data + NLMSG_HDRLEN + sizeof(e), msg + NLMSG_HDRLEN, payload);
	r->len = len;
	r->after_host = host_readable(s->fd);
	*s->replies_tail = r;
	s->replies_tail = &r->next;
	s->nreplies++;
	sn_waitq_wake(&s->file->wq, POLLIN | POLLRDNORM);
}

/* Whether the attributes of msg (h->nlmsg_len bytes) after a family
 * header of fam bytes hold one of type a or b. */
static bool has_attr(const struct nlmsghdr *h, const uint8_t *msg, size_t fam,
		     unsigned a, unsigned b)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(fam);
	while (off + sizeof(struct rtattr) <= h->nlmsg_len) {
		struct rtattr ra;
		memcpy(&ra, msg + off, sizeof(ra));
		if (ra.rta_len < sizeof(ra) || ra.rta_len > h->nlmsg_len - off)
			return false; /* the kernel refuses it (EINVAL) */
		unsigned type = ra.rta_type & NLA_TYPE_MASK;
		if (type == a || type == b)
			return true;
		off += RTA_ALIGN(ra.rta_len);
	}
	return false;
}

/* rtnetlink_rcv_msg: the "get" kind (type % 4 == 2 from RTM_BASE) is
 * open to everybody; every other request needs CAP_NET_ADMIN. Types below
 * RTM_BASE are control messages the kernel only acknowledges.
 * RTM_GETNSID may name a namespace by pid or by fd, which the host would
 * resolve among the Sentry's pids and fds (a confused deputy): refused. */
static bool request_allowed(const struct nlmsghdr *h, const uint8_t *msg)
{
	if (!(h->nlmsg_flags & NLM_F_REQUEST) || h->nlmsg_type < RTM_BASE)
		return true;
	if (h->nlmsg_type == RTM_GETNSID)
		return !has_attr(h, msg, sizeof(struct rtgenmsg), NETNSA_PID,
				 NETNSA_FD);
	return (h->nlmsg_type - RTM_BASE) % 4 == 2;
}

static int send_to_kernel(int fd, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return 0;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(fd, buf, len, MSG_DONTWAIT,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	return n < 0 ? -errno : 0;
}

/* A destination other than the kernel: NETLINK_ROUTE lets no
 * unprivileged sender reach other ports or groups (netlink_allowed). */
static int check_dest(const void *addr, socklen_t len, bool unspec_ok)
{
	struct sockaddr_nl a;
	memset(&a, 0, sizeof(a));
	if (len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	memcpy(&a, addr, len < sizeof(a) ? len : sizeof(a));
	if (unspec_ok && a.nl_family == AF_UNSPEC)
		return 0;
	if (a.nl_family != AF_NETLINK || len < (socklen_t)sizeof(a))
		return -EINVAL;
	return a.nl_pid || a.nl_groups ? -EPERM : 0;
}

static ssize_t nl_sendmsg(struct sn_file *f, struct sn_task *t,
			  struct sn_sockmsg *m, int flags)
{
	(void)flags;
	struct sn_hsock *s = f->priv;
	if (m->namelen) {
		int r = check_dest(&m->name, m->namelen, false);
		if (r == -EPERM)
			t->k->stats.denied++;
		if (r < 0)
			return r;
	}
	if (m->controllen) {
		bool denied;
		ssize_t r =
			sn_hi_send_cmsgs(SN_HI_NETLINK, AF_NETLINK, m->control,
					 m->controllen, NULL, 0, &denied);
		if (r < 0)
			return r;
	}
	if (m->len > SN_HI_IOBUF_SIZE)
		return -EMSGSIZE;
	uint8_t *buf = sn_hi_iobuf();
	if (buf == NULL)
		return -ENOBUFS;
	bool fault;
	size_t len = sn_hi_gather(m, buf, m->len, &fault);
	if (fault)
		return -EFAULT;
	/* netlink_rcv_skb's walk: runs of allowed requests go to the host
	 * as they are, each refused one is answered in its place. A
	 * malformed header ends the walk silently, as on Linux. */
	size_t off = 0, run = 0;
	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off)
			break;
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len - off)
			step = len - off;
		if (!request_allowed(&h, buf + off)) {
			int r = send_to_kernel(s->fd, buf + run, off - run);
			if (r < 0)
				return r;
			/* rtnetlink_rcv_msg: a type it does not know is
			 * EOPNOTSUPP before any capability check. */
			if (h.nlmsg_type > RTM_MAX) {
				refuse(s, &h, buf + off, -EOPNOTSUPP);
			} else {
				t->k->stats.denied++;
				refuse(s, &h, buf + off, -EPERM);
			}
			run = off + step;
		}
		off += step;
	}
	int r = send_to_kernel(s->fd, buf + run, off - run);
	return r < 0 ? r : (ssize_t)m->len;
}

static ssize_t deliver_reply(struct sn_hsock *s, struct sn_sockmsg *m,
			     int flags)
{
	struct sn_hi_reply *q = s->replies;
	size_t full = q->len;
	size_t n = full < m->len ? full : m->len;
	bool fault;
	sn_hi_scatter(m, q->data, n, &fault);
	if (!(flags & MSG_PEEK) || fault) {
		/* netlink_recvmsg frees the skb even when the copy fails. */
		s->replies = q->next;
		if (s->replies == NULL)
			s->replies_tail = &s->replies;
		s->nreplies--;
		free(q);
	}
	if (fault)
		return -EFAULT;
	struct sockaddr_nl from = { .nl_family = AF_NETLINK };
	memcpy(&m->name, &from, sizeof(from));
	m->namelen = sizeof(from);
	m->controllen = 0;
	m->msg_flags = full > m->len ? MSG_TRUNC : 0;
	return (ssize_t)(flags & MSG_TRUNC ? full : n);
}

static ssize_t nl_recvmsg(struct sn_file *f, struct sn_task *t,
			  struct sn_sockmsg *m, int flags)
{
	(void)t;
	struct sn_hsock *s = f->priv;
	if (s->pending_err) {
		int e = s->pending_err;
		s->pending_err = 0;
		return e;
	}
	if (s->replies && (!s->replies->after_host || !host_readable(s->fd)))
		return deliver_reply(s, m, flags);
	size_t want = m->len > SN_HI_IOBUF_SIZE ? SN_HI_IOBUF_SIZE : m->len;
	uint8_t *buf = sn_hi_iobuf();
	if (buf == NULL)
		return -ENOBUFS;
	void *ctl = NULL;
	if (m->controllen && (ctl = malloc(m->controllen)) == NULL)
		return -ENOBUFS;
	struct iovec iov = { buf, want };
	struct msghdr msg = {
		.msg_name = &m->name,
		.msg_namelen = sizeof(m->name),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl,
		.msg_controllen = m->controllen,
	};
	ssize_t r = recvmsg(s->fd, &msg,
			    (flags & (MSG_PEEK | MSG_TRUNC)) | MSG_DONTWAIT);
	if (r < 0) {
		r = -errno;
		free(ctl);
		if (r == -EAGAIN && s->replies)
			return deliver_reply(s, m, flags);
		return r;
	}
	if (!host_readable(s->fd))
		for (struct sn_hi_reply *q = s->replies; q; q = q->next)
			q->after_host = false;
	size_t got = (size_t)r < want ? (size_t)r : want;
	bool fault;
	sn_hi_scatter(m, buf, got, &fault);
	if (fault) {
		free(ctl);
		return -EFAULT;
	}
	m->namelen = msg.msg_namelen;
	m->controllen =
		ctl ? sn_hi_recv_cmsgs(SN_HI_NETLINK, ctl, msg.msg_controllen,
				       m->control, m->controllen)
		    : 0;
	m->msg_flags = msg.msg_flags;
	free(ctl);
	return r;
}

static int nl_bind(struct sn_file *f, struct sn_task *t,
		   const struct sockaddr *addr, socklen_t len)
{
	(void)t;
	struct sn_hsock *s = f->priv;
	struct sockaddr_nl a;
	if (len < (socklen_t)sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.nl_family != AF_NETLINK)
		return -EINVAL;
	/* The route multicast groups are open to unprivileged readers; the
	 * host checks the port id and the groups. */
	return bind(s->fd, (const struct sockaddr *)&a, sizeof(a)) < 0 ? -errno
								       : 0;
}

static int nl_connect(struct sn_file *f, struct sn_task *t,
		      const struct sockaddr *addr, socklen_t len, bool again)
{
	(void)again;
	struct sn_hsock *s = f->priv;
	int r = check_dest(addr, len, true);
	if (r == -EPERM)
		t->k->stats.denied++;
	if (r < 0)
		return r;
	return connect(s->fd, addr, len) < 0 ? -errno : 0;
}

static void nl_release(struct sn_file *f)
{
	struct sn_hsock *s = f->priv;
	sn_hi_release_fd(f);
	while (s->replies) {
		struct sn_hi_reply *q = s->replies;
		s->replies = q->next;
		free(q);
	}
	free(s);
}

static const struct sn_sock_ops netlink_sock_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.getname = sn_hi_getname,
	.setsockopt = sn_hi_setsockopt,
	.getsockopt = sn_hi_getsockopt,
	.timeout = sn_hi_timeout,
};

static const struct sn_file_ops netlink_ops = {
	.kind = "hostinet-netlink",
	.stream = true,
	.read = sn_hi_read,
	.write = sn_hi_write,
	.poll = sn_hi_poll,
	.stat = sn_hi_stat,
	.release = nl_release,
	.sock = &netlink_sock_ops,
};

int sn_hostinet_netlink_socket(struct sn_task *t, int type, int protocol,
			       int flags, struct sn_file **out)
{
	/* netlink_create's checks, then the one protocol offered. */
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	return sn_hi_file_new(t->k, fd, SN_HI_NETLINK, AF_NETLINK, type,
			      protocol, flags, &netlink_ops, out);
}

/* ---- interface ioctls ----------------------------------------------------- */

/* The read-only interface ioctls and the size of their argument
 * (struct ifreq, or struct arpreq for SIOCGARP), none holding a pointer
 * the kernel would follow. */
static size_t get_ioctl_size(unsigned long cmd)
{
	switch (cmd) {
	case SIOCGIFNAME:
	case SIOCGIFFLAGS:
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFHWADDR:
	case SIOCGIFINDEX:
	case SIOCGIFPFLAGS:
	case SIOCGIFTXQLEN:
	case SIOCGIFMAP:
		return sizeof(struct ifreq);
	case SIOCGARP:
		return sizeof(struct arpreq);
	default:
		return 0;
	}
}

/* Interface and routing ioctls that change the host (CAP_NET_ADMIN on
 * Linux), device-private ones, and the ethtool/MII/timestamping family
 * whose ifreq carries a pointer or reaches hardware. */
static bool refused_ioctl(unsigned long cmd)
{
	switch (cmd) {
	case SIOCADDRT:
	case SIOCDELRT:
	case SIOCRTMSG:
	case SIOCSIFLINK:
	case SIOCSIFFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFDSTADDR:
	case SIOCSIFBRDADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFMETRIC:
	case SIOCSIFMEM:
	case SIOCSIFMTU:
	case SIOCSIFNAME:
	case SIOCSIFHWADDR:
	case SIOCSIFENCAP:
	case SIOCSIFSLAVE:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
	case SIOCSIFPFLAGS:
	case SIOCDIFADDR:
	case SIOCSIFHWBROADCAST:
	case SIOCSIFBR:
	case SIOCSIFTXQLEN:
	case SIOCETHTOOL:
	case SIOCGMIIPHY:
	case SIOCGMIIREG:
	case SIOCSMIIREG:
	case SIOCWANDEV:
	case SIOCDARP:
	case SIOCSARP:
	case SIOCDRARP:
	case SIOCSRARP:
	case SIOCGRARP:
	case SIOCSIFMAP:
	case SIOCADDDLCI:
	case SIOCDELDLCI:
	case SIOCGIFVLAN:
	case SIOCSIFVLAN:
	case SIOCBONDENSLAVE:
	case SIOCBONDRELEASE:
	case SIOCBONDSETHWADDR:
	case SIOCBONDSLAVEINFOQUERY:
	case SIOCBONDINFOQUERY:
	case SIOCBONDCHANGEACTIVE:
	case SIOCBRADDBR:
	case SIOCBRDELBR:
	case SIOCBRADDIF:
	case SIOCBRDELIF:
	case SIOCSHWTSTAMP:
	case SIOCGHWTSTAMP:
		return true;
	default:
		return cmd >= SIOCDEVPRIVATE && cmd <= SIOCDEVPRIVATE + 15;
	}
}

static int ioctl_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* SIOCGIFCONF: struct ifconf points at the application's array; the host
 * fills a Sentry copy of it. */
#define IFCONF_MAX (64u << 10)

static long gifconf(struct sn_task *t, uint64_t arg)
{
	struct {
		int32_t len;
		uint32_t pad;
		uint64_t buf;
	} u;
	if (sn_copy_in(t, arg, &u, sizeof(u)) < 0)
		return -EFAULT;
	int fd = ioctl_socket();
	if (fd < 0)
		return fd;
	size_t cap = u.len < 0 ? 0 : (size_t)u.len;
	if (cap > IFCONF_MAX)
		cap = IFCONF_MAX;
	char *buf = NULL;
	if (u.buf && cap && (buf = calloc(1, cap)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	struct ifconf ifc = { .ifc_len = u.buf ? (int)cap : 0,
			      .ifc_buf = u.buf ? buf : NULL };
	if (u.buf && cap == 0)
		ifc.ifc_buf = (char *)&ifc; /* no room: the host writes none */
	int r = ioctl(fd, SIOCGIFCONF, &ifc) < 0 ? -errno : 0;
	close(fd);
	if (r == 0 && u.buf && ifc.ifc_len > 0 &&
	    sn_copy_out(t, u.buf, buf, (size_t)ifc.ifc_len) < 0)
		r = -EFAULT;
	free(buf);
	if (r < 0)
		return r;
	int32_t len = ifc.ifc_len;
	return sn_copy_out(t, arg, &len, sizeof(len));
}

long sn_hostinet_netdev_ioctl(struct sn_task *t, unsigned long cmd,
			      uint64_t arg)
{
	if (cmd == SIOCGIFCONF)
		return gifconf(t, arg);
	size_t size = get_ioctl_size(cmd);
	if (size == 0) {
		if (refused_ioctl(cmd)) {
			t->k->stats.denied++;
			return -EPERM;
		}
		return -ENOTTY;
	}
	union {
		struct ifreq ifr;
		struct arpreq arp;
	} u;
	if (sn_copy_in(t, arg, &u, size) < 0)
		return -EFAULT;
	int fd = ioctl_socket();
	if (fd < 0)
		return fd;
	int r = ioctl(fd, cmd, &u) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	return sn_copy_out(t, arg, &u, size);
}

/* ---- /proc/net ------------------------------------------------------------ */

static const char *const proc_net_files[] = {
	"dev",	    "if_inet6",	 "route", "ipv6_route", "arp",	     "tcp",
	"tcp6",	    "udp",	 "udp6",  "udplite",	"udplite6",  "raw",
	"raw6",	    "icmp",	 "icmp6", "snmp",	"snmp6",     "netstat",
	"sockstat", "sockstat6", "igmp",  "igmp6",	"dev_mcast",
};

/* A bound on what one file may hold (a host with 100k TCP sockets has a
 * 15 MiB /proc/net/tcp). */
#define PROC_NET_MAX (64u << 20)

int sn_hostinet_proc_net(struct sn_kernel *k, const char *name, char **data,
			 size_t *len)
{
	bool known = false;
	for (size_t i = 0;
	     i < sizeof(proc_net_files) / sizeof(proc_net_files[0]); i++)
		known |= strcmp(name, proc_net_files[i]) == 0;
	if (!known)
		return -ENOENT;
	char path[64];
	snprintf(path, sizeof(path), "self/net/%s", name);
	int fd = openat(k->host_proc, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 16384, used = 0;
	char *buf = malloc(cap);
	int r = buf ? 0 : -ENOMEM;
	while (r == 0) {
		if (used == cap) {
			if (cap >= PROC_NET_MAX)
				break;
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0)
			r = -errno;
		else if (n == 0)
			break;
		else
			used += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	*data = buf;
	*len = used;
	return 0;
}
