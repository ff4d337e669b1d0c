/* The socket options every INET socket has: SOL_SOCKET, IPPROTO_IP and
 * IPPROTO_IPV6, with Linux's value checks and storage (net/core/sock.c,
 * net/ipv4/ip_sockglue.c, net/ipv6/ipv6_sockglue.c). */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>

#include "core.h"
#include "dgram.h"
#include "sock.h"

/* SOCK_MIN_SNDBUF; the maxima are net.core.rmem_max / wmem_max. */
#define BUF_MIN 4608

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif
#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif
#ifndef IP_PMTUDISC_OMIT
#define IP_PMTUDISC_OMIT 5
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

/* An int option: a shorter buffer is EINVAL, an unreadable one (NULL:
 * the caller could not read the application's) EFAULT, in that order
 * (sk_setsockopt, do_ipv6_setsockopt). */
static int get_int(const void *val, socklen_t len, int *out)
{
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	if (val == NULL)
		return -EFAULT;
	memcpy(out, val, sizeof(int));
	return 0;
}

/* do_ip_setsockopt takes an int or, for a shorter buffer, one byte; an
 * empty one means 0 (the options that need a value check optlen). */
static int get_int_or_char(const void *val, socklen_t len, int *out)
{
	*out = 0;
	if (len == 0)
		return 0;
	if (val == NULL)
		return -EFAULT;
	if (len >= (socklen_t)sizeof(int)) {
		memcpy(out, val, sizeof(int));
	} else {
		uint8_t c;
		memcpy(&c, val, 1);
		*out = c;
	}
	return 0;
}

static int put_bytes(void *val, socklen_t *len, const void *src, size_t n)
{
	socklen_t want = *len;
	if ((int)want < 0)
		return -EINVAL;
	size_t copy = (size_t)want < n ? (size_t)want : n;
	if (copy && val)
		memcpy(val, src, copy);
	*len = (socklen_t)copy;
	return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
	return put_bytes(val, len, &v, sizeof(v));
}

/* ip_getsockopt: a buffer shorter than an int gets one byte when the value
 * fits in it. */
static int put_ip_int(void *val, socklen_t *len, int v)
{
	if (*len > 0 && *len < (socklen_t)sizeof(int) && v >= 0 && v <= 255) {
		uint8_t c = (uint8_t)v;
		return put_bytes(val, len, &c, 1);
	}
	return put_int(val, len, v);
}

static void set_flag(struct ns_sock *sk, uint32_t flag, int on)
{
	if (on)
		sk->opt |= flag;
	else
		sk->opt &= ~flag;
}

static int set_timeo(struct timeval *tv, const void *val, socklen_t len)
{
	struct timeval t;
	if (len < (socklen_t)sizeof(t))
		return -EINVAL;
	if (val == NULL)
		return -EFAULT;
	memcpy(&t, val, sizeof(t));
	if (t.tv_usec < 0 || t.tv_usec >= 1000000)
		return -EDOM;
	if (t.tv_sec < 0)
		t.tv_sec = t.tv_usec = 0; /* Linux: a negative timeout is 0 */
	*tv = t;
	return 0;
}

static int bind_to_ifindex(struct ns_sock *sk, int ifindex)
{
	if (ifindex < 0 ||
	    (ifindex > 0 && ns_nic_get(sk->stack, ifindex) == NULL))
		return -ENODEV;
	sk->bound_ifindex = ifindex;
	sk->dst_ok = false;
	return 0;
}

static int find_nic_by_name(struct ns_stack *stack, const char *name)
{
	for (int i = 1; i <= stack->max_ifindex; i++)
		if (stack->nics[i] &&
		    strncmp(stack->nics[i]->name, name, 16) == 0)
			return i;
	return -ENODEV;
}

static int sol_socket_set(struct ns_sock *sk, int name, const void *val,
			  socklen_t len)
{
	int v = 0, r;
	switch (name) {
	case SO_LINGER: {
		struct linger l;
		if (len < (socklen_t)sizeof(l))
			return -EINVAL;
		if (val == NULL)
			return -EFAULT;
		memcpy(&l, val, sizeof(l));
		set_flag(sk, NS_SO_LINGER, l.l_onoff);
		sk->linger_secs = l.l_linger < 0 ? 0 : l.l_linger;
		return 0;
	}
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return set_timeo(&sk->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return set_timeo(&sk->sndtimeo, val, len);
	case SO_BINDTODEVICE: {
		char dev[16] = { 0 };
		if (len > 0) {
			if (val == NULL)
				return -EFAULT;
			memcpy(dev, val, len < 15 ? len : 15);
		}
		if (dev[0] == 0)
			return bind_to_ifindex(sk, 0);
		r = find_nic_by_name(sk->stack, dev);
		return r < 0 ? r : bind_to_ifindex(sk, r);
	}
	default:
		break;
	}
	if ((r = get_int(val, len, &v)) < 0)
		return r;
	switch (name) {
	case SO_REUSEADDR:
		set_flag(sk, NS_SO_REUSEADDR, v);
		return 0;
	case SO_REUSEPORT:
		set_flag(sk, NS_SO_REUSEPORT, v);
		return 0;
	case SO_BROADCAST:
		set_flag(sk, NS_SO_BROADCAST, v);
		return 0;
	case SO_KEEPALIVE:
		set_flag(sk, NS_SO_KEEPALIVE, v);
		return 0;
	case SO_OOBINLINE:
		set_flag(sk, NS_SO_OOBINLINE, v);
		return 0;
	case SO_DONTROUTE:
		set_flag(sk, NS_SO_DONTROUTE, v);
		return 0;
	case SO_TIMESTAMP_OLD:
		set_flag(sk, NS_SO_TIMESTAMP, v);
		if (v)
			sk->opt &= ~NS_SO_TIMESTAMPNS;
		return 0;
	case SO_TIMESTAMPNS_OLD:
		set_flag(sk, NS_SO_TIMESTAMPNS, v);
		if (v)
			sk->opt &= ~NS_SO_TIMESTAMP;
		return 0;
	case SO_PASSCRED:
		set_flag(sk, NS_SO_PASSCRED, v);
		return 0;
	case SO_RXQ_OVFL:
		set_flag(sk, NS_SO_RXQ_OVFL, v);
		return 0;
	case SO_NO_CHECK:
		set_flag(sk, NS_SO_NO_CHECK, v);
		return 0;
	case SO_ZEROCOPY:
		set_flag(sk, NS_SO_ZEROCOPY, v);
		return 0;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
	case SO_SNDBUF:
	case SO_SNDBUFFORCE: {
		/* Linux doubles the value (bookkeeping overhead) after
		 * clamping to the maximum as an unsigned number (so -1 is
		 * the maximum), unless forced (then negative is 0). */
		bool force = name == SO_RCVBUFFORCE || name == SO_SNDBUFFORCE;
		int64_t max = name == SO_RCVBUF ? sk->stack->sysctl.rmem_max
						: sk->stack->sysctl.wmem_max;
		int64_t b = force ? (v < 0 ? 0 : v)
				  : ((uint32_t)v > (uint64_t)max ? max : v);
		b *= 2;
		if (b > INT_MAX)
			b = INT_MAX;
		if (b < BUF_MIN)
			b = BUF_MIN;
		if (name == SO_RCVBUF || name == SO_RCVBUFFORCE)
			sk->rcvbuf = (int)b;
		else
			sk->sndbuf = (int)b;
		ns_sock_wake(sk, EPOLLOUT);
		return 0;
	}
	case SO_RCVLOWAT:
		sk->rcvlowat = v < 0 ? INT_MAX : (v == 0 ? 1 : v);
		return 0;
	case SO_PRIORITY:
		/* Above 6 needs CAP_NET_ADMIN, which a sandboxed process
		 * does not have over the sandbox's stack. */
		if (v < 0 || v > 6)
			return -EPERM;
		sk->priority = v;
		return 0;
	case SO_MARK:
		sk->mark = (uint32_t)v;
		return 0;
	case SO_BINDTOIFINDEX:
		return bind_to_ifindex(sk, v);
	default:
		/* SO_SNDLOWAT cannot be changed on Linux; SO_TYPE and
		 * friends are read-only. */
		return -ENOPROTOOPT;
	}
}

static int sol_socket_get(struct ns_sock *sk, int name, void *val,
			  socklen_t *len)
{
	switch (name) {
	case SO_TYPE:
		return put_int(val, len, sk->type);
	case SO_PROTOCOL:
		return put_int(val, len, sk->protocol);
	case SO_DOMAIN:
		return put_int(val, len, sk->family);
	case SO_ERROR:
		return put_int(val, len, -ns_sock_error(sk));
	case SO_ACCEPTCONN:
		return put_int(val, len, sk->state == NS_TCP_LISTEN);
	case SO_REUSEADDR:
		return put_int(val, len, !!(sk->opt & NS_SO_REUSEADDR));
	case SO_REUSEPORT:
		return put_int(val, len, !!(sk->opt & NS_SO_REUSEPORT));
	case SO_BROADCAST:
		return put_int(val, len, !!(sk->opt & NS_SO_BROADCAST));
	case SO_KEEPALIVE:
		return put_int(val, len, !!(sk->opt & NS_SO_KEEPALIVE));
	case SO_OOBINLINE:
		return put_int(val, len, !!(sk->opt & NS_SO_OOBINLINE));
	case SO_DONTROUTE:
		return put_int(val, len, !!(sk->opt & NS_SO_DONTROUTE));
	case SO_TIMESTAMP_OLD:
		return put_int(val, len, !!(sk->opt & NS_SO_TIMESTAMP));
	case SO_TIMESTAMPNS_OLD:
		return put_int(val, len, !!(sk->opt & NS_SO_TIMESTAMPNS));
	case SO_PASSCRED:
		return put_int(val, len, !!(sk->opt & NS_SO_PASSCRED));
	case SO_RXQ_OVFL:
		return put_int(val, len, !!(sk->opt & NS_SO_RXQ_OVFL));
	case SO_NO_CHECK:
		return put_int(val, len, !!(sk->opt & NS_SO_NO_CHECK));
	case SO_ZEROCOPY:
		return put_int(val, len, !!(sk->opt & NS_SO_ZEROCOPY));
	case SO_RCVBUF:
		return put_int(val, len, sk->rcvbuf);
	case SO_SNDBUF:
		return put_int(val, len, sk->sndbuf);
	case SO_RCVLOWAT:
		return put_int(val, len, sk->rcvlowat);
	case SO_SNDLOWAT:
		return put_int(val, len, 1);
	case SO_PRIORITY:
		return put_int(val, len, sk->priority);
	case SO_MARK:
		return put_int(val, len, (int)sk->mark);
	case SO_BINDTOIFINDEX:
		return put_int(val, len, sk->bound_ifindex);
	case SO_LINGER: {
		struct linger l = { .l_onoff = !!(sk->opt & NS_SO_LINGER),
				    .l_linger = sk->linger_secs };
		return put_bytes(val, len, &l, sizeof(l));
	}
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return put_bytes(val, len, &sk->rcvtimeo, sizeof(sk->rcvtimeo));
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return put_bytes(val, len, &sk->sndtimeo, sizeof(sk->sndtimeo));
	case SO_BINDTODEVICE: {
		char dev[16] = { 0 };
		struct ns_nic *nic = ns_nic_get(sk->stack, sk->bound_ifindex);
		if (nic)
			memcpy(dev, nic->name, sizeof(dev));
		/* Linux: the name with its NUL, or nothing when unbound;
		 * a buffer too short for it is -EINVAL. */
		size_t n = nic ? strlen(dev) + 1 : 0;
		if (*len < (socklen_t)n)
			return -EINVAL;
		return put_bytes(val, len, dev, n);
	}
	default:
		return -ENOPROTOOPT;
	}
}

/* Linux rt_tos2priority: the queueing class a TOS value selects. */
static int tos2prio(uint8_t tos)
{
	static const uint8_t prio[16] = { 0, 0, 0, 0, 2, 2, 2, 2,
					  6, 6, 6, 6, 4, 4, 4, 4 };
	return prio[(tos & 0x1e) >> 1];
}

static int ip_set(struct ns_sock *sk, int name, const void *val, socklen_t len)
{
	int v = 0, r;
	if (name == IP_MULTICAST_IF) {
		/* struct in_addr, ip_mreq or ip_mreqn. */
		if (len < (socklen_t)sizeof(struct in_addr))
			return -EINVAL;
		if (val == NULL)
			return -EFAULT;
		if (len >= (socklen_t)sizeof(struct ip_mreqn)) {
			struct ip_mreqn mr;
			memcpy(&mr, val, sizeof(mr));
			if (mr.imr_ifindex) {
				if (ns_nic_get(sk->stack, mr.imr_ifindex) ==
				    NULL)
					return -ENODEV;
				sk->mc_if = mr.imr_ifindex;
				return 0;
			}
			memcpy(&v, &mr.imr_address, 4);
		} else if (len >= (socklen_t)sizeof(struct ip_mreq)) {
			/* Linux reads an ip_mreq as the head of an ip_mreqn:
			 * the interface address is the second field. */
			memcpy(&v, (const char *)val + 4, 4);
		} else {
			memcpy(&v, val, 4);
		}
		if (v == 0) {
			sk->mc_if = 0;
			return 0;
		}
		struct ns_addr a;
		ns_addr_set_v4(&a, (const uint8_t *)&v);
		struct ns_ifa *ifa = ns_stack_find_addr(sk->stack, &a);
		if (ifa == NULL)
			return -EADDRNOTAVAIL;
		sk->mc_if = ifa->nic->ifindex;
		return 0;
	}
	if ((r = get_int_or_char(val, len, &v)) < 0)
		return r;
	switch (name) {
	case IP_TTL:
		if (len < 1 || (v != -1 && (v < 1 || v > 255)))
			return -EINVAL;
		sk->ttl = v;
		return 0;
	case IP_TOS:
		/* __ip_sock_set_tos: a stream keeps its ECN bits (TCP
		 * owns them); the priority follows the TOS. */
		if (sk->type == SOCK_STREAM)
			v = (v & ~3) | (sk->tos & 3);
		sk->tos = (uint8_t)v;
		sk->priority = tos2prio((uint8_t)v);
		return 0;
	case IP_PKTINFO:
		set_flag(sk, NS_IP_PKTINFO, v);
		return 0;
	case IP_RECVTTL:
		set_flag(sk, NS_IP_RECVTTL, v);
		return 0;
	case IP_RECVTOS:
		set_flag(sk, NS_IP_RECVTOS, v);
		return 0;
	case IP_RECVERR:
		set_flag(sk, NS_IP_RECVERR, v);
		if (!v)
			ns_dgram_errq_purge(sk);
		return 0;
	case IP_FREEBIND:
		set_flag(sk, NS_IP_FREEBIND, v);
		return 0;
	case IP_MULTICAST_LOOP:
		if (len < 1)
			return -EINVAL;
		set_flag(sk, NS_IP_MC_LOOP, v);
		return 0;
	case IP_MULTICAST_TTL:
		if (sk->type == SOCK_STREAM || len < 1)
			return -EINVAL;
		if (v == -1)
			v = 1;
		if (v < 0 || v > 255)
			return -EINVAL;
		sk->mc_ttl = v;
		return 0;
	case IP_MTU_DISCOVER:
		if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT)
			return -EINVAL;
		sk->pmtudisc = (uint8_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ip_get(struct ns_sock *sk, int name, void *val, socklen_t *len)
{
	switch (name) {
	case IP_TTL:
		return put_ip_int(val, len, sk->ttl < 0 ? 64 : sk->ttl);
	case IP_TOS:
		return put_ip_int(val, len, sk->tos);
	case IP_PKTINFO:
		return put_ip_int(val, len, !!(sk->opt & NS_IP_PKTINFO));
	case IP_RECVTTL:
		return put_ip_int(val, len, !!(sk->opt & NS_IP_RECVTTL));
	case IP_RECVTOS:
		return put_ip_int(val, len, !!(sk->opt & NS_IP_RECVTOS));
	case IP_RECVERR:
		return put_ip_int(val, len, !!(sk->opt & NS_IP_RECVERR));
	case IP_FREEBIND:
		return put_ip_int(val, len, !!(sk->opt & NS_IP_FREEBIND));
	case IP_MULTICAST_LOOP:
		return put_ip_int(val, len, !!(sk->opt & NS_IP_MC_LOOP));
	case IP_MULTICAST_TTL:
		return put_ip_int(val, len, sk->mc_ttl);
	case IP_MTU_DISCOVER:
		return put_ip_int(val, len, sk->pmtudisc);
	case IP_MULTICAST_IF: {
		struct in_addr a = { 0 };
		struct ns_nic *nic = ns_nic_get(sk->stack, sk->mc_if);
		struct ns_addr src, any;
		ns_addr_set_v4_u32(&any, 0);
		if (nic && ns_nic_select_src(nic, &any, &src))
			memcpy(&a, ns_addr_v4(&src), 4);
		return put_bytes(val, len, &a, sizeof(a));
	}
	case IP_MTU: {
		struct ns_dst *d;
		if (sk->state != NS_TCP_ESTABLISHED ||
		    ns_sock_route(sk, &d) < 0)
			return -ENOTCONN;
		return put_int(val, len, (int)d->mtu);
	}
	default:
		return -ENOPROTOOPT;
	}
}

static int ipv6_set(struct ns_sock *sk, int name, const void *val,
		    socklen_t len)
{
	int v = 0, r;
	if ((r = get_int(val, len, &v)) < 0)
		return r;
	switch (name) {
	case IPV6_V6ONLY:
		/* Linux: fixed once a port is bound. */
		if (sk->lport)
			return -EINVAL;
		set_flag(sk, NS_IPV6_V6ONLY, v);
		return 0;
	case IPV6_UNICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		sk->hoplimit = v;
		return 0;
	case IPV6_MULTICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		sk->mc_hops = v;
		return 0;
	case IPV6_MULTICAST_LOOP:
		if (v != 0 && v != 1)
			return -EINVAL;
		set_flag(sk, NS_IPV6_MC_LOOP, v);
		return 0;
	case IPV6_MULTICAST_IF:
		if (v != 0 && ns_nic_get(sk->stack, v) == NULL)
			return -ENODEV;
		sk->mc_if = v;
		return 0;
	case IPV6_RECVPKTINFO:
		set_flag(sk, NS_IPV6_RECVPKTINFO, v);
		return 0;
	case IPV6_RECVHOPLIMIT:
		set_flag(sk, NS_IPV6_RECVHOPLIMIT, v);
		return 0;
	case IPV6_RECVTCLASS:
		set_flag(sk, NS_IPV6_RECVTCLASS, v);
		return 0;
	case IPV6_RECVERR:
		set_flag(sk, NS_IPV6_RECVERR, v);
		if (!v)
			ns_dgram_errq_purge(sk);
		return 0;
	case IPV6_FREEBIND:
		set_flag(sk, NS_IP_FREEBIND, v);
		return 0;
	case IPV6_TCLASS:
		if (v < -1 || v > 255)
			return -EINVAL;
		sk->tclass = v < 0 ? 0 : v;
		return 0;
	case IPV6_MTU_DISCOVER:
		if (v < IPV6_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT)
			return -EINVAL;
		sk->pmtudisc6 = (uint8_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ipv6_get(struct ns_sock *sk, int name, void *val, socklen_t *len)
{
	switch (name) {
	case IPV6_V6ONLY:
		return put_int(val, len, !!(sk->opt & NS_IPV6_V6ONLY));
	case IPV6_UNICAST_HOPS:
		return put_int(val, len, sk->hoplimit < 0 ? 64 : sk->hoplimit);
	case IPV6_MULTICAST_HOPS:
		return put_int(val, len, sk->mc_hops < 0 ? 1 : sk->mc_hops);
	case IPV6_MULTICAST_LOOP:
		return put_int(val, len, !!(sk->opt & NS_IPV6_MC_LOOP));
	case IPV6_MULTICAST_IF:
		return put_int(val, len, sk->mc_if);
	case IPV6_RECVPKTINFO:
		return put_int(val, len, !!(sk->opt & NS_IPV6_RECVPKTINFO));
	case IPV6_RECVHOPLIMIT:
		return put_int(val, len, !!(sk->opt & NS_IPV6_RECVHOPLIMIT));
	case IPV6_RECVTCLASS:
		return put_int(val, len, !!(sk->opt & NS_IPV6_RECVTCLASS));
	case IPV6_RECVERR:
		return put_int(val, len, !!(sk->opt & NS_IPV6_RECVERR));
	case IPV6_FREEBIND:
		return put_int(val, len, !!(sk->opt & NS_IP_FREEBIND));
	case IPV6_TCLASS:
		return put_int(val, len, sk->tclass);
	case IPV6_MTU_DISCOVER:
		return put_int(val, len, sk->pmtudisc6);
	case IPV6_MTU: {
		struct ns_dst *d;
		if (sk->state != NS_TCP_ESTABLISHED ||
		    ns_sock_route(sk, &d) < 0)
			return -ENOTCONN;
		return put_int(val, len, (int)d->mtu);
	}
	default:
		return -ENOPROTOOPT;
	}
}

int ns_sock_setsockopt_common(struct ns_sock *sk, int level, int name,
			      const void *val, socklen_t len)
{
	switch (level) {
	case SOL_SOCKET:
		return sol_socket_set(sk, name, val, len);
	case IPPROTO_IP:
		/* Linux lets an IPv6 socket set IPv4 options for its
		 * v4-mapped traffic. */
		return ip_set(sk, name, val, len);
	case IPPROTO_IPV6:
		if (sk->family != AF_INET6)
			return -ENOPROTOOPT;
		return ipv6_set(sk, name, val, len);
	default:
		return -ENOPROTOOPT;
	}
}

int ns_sock_getsockopt_common(struct ns_sock *sk, int level, int name,
			      void *val, socklen_t *len)
{
	switch (level) {
	case SOL_SOCKET:
		return sol_socket_get(sk, name, val, len);
	case IPPROTO_IP:
		return ip_get(sk, name, val, len);
	case IPPROTO_IPV6:
		if (sk->family != AF_INET6)
			return -ENOPROTOOPT;
		return ipv6_get(sk, name, val, len);
	default:
		return -ENOPROTOOPT;
	}
}
