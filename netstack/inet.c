/* Address handling common to INET datagram sockets; see inet.h. */
#include "inet.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>

#include "core.h"
#include "port.h"

/* <linux/in.h>'s, not in the C library's <netinet/in.h>. */
#ifndef IP_PROTOCOL
#define IP_PROTOCOL 52
#endif

int ns_inet_bind_addr(struct ns_sock *sk, const struct ns_sockname *sn)
{
	struct ns_stack *stack = sk->stack;
	const struct ns_addr *a = &sn->addr;
	bool mapped = sk->family == AF_INET6 && ns_addr_is_v4(a);
	if (mapped && (sk->opt & NS_IPV6_V6ONLY))
		return -EINVAL;
	int ifindex = sk->bound_ifindex;
	if (sk->family == AF_INET6 && ns_addr_needs_scope(a)) {
		/* Linux inet6_bind: a link-local address needs an
		 * interface, from the scope id or SO_BINDTODEVICE. */
		if (sn->scope_id) {
			if (ifindex && (uint32_t)ifindex != sn->scope_id)
				return -EINVAL;
			ifindex = (int)sn->scope_id;
		}
		if (!ifindex)
			return -EINVAL;
		if (ns_nic_get(stack, ifindex) == NULL)
			return -ENODEV;
	}
	bool ok = ns_addr_is_any(a) || ns_addr_is_mcast(a) ||
		  ns_addr_is_local(stack, a) ||
		  ns_addr_is_bcast_on(stack, NULL, a) ||
		  (sk->opt & NS_IP_FREEBIND);
	if (!ok)
		return -EADDRNOTAVAIL;
	sk->laddr = *a;
	if (sk->family == AF_INET6 && ns_addr_needs_scope(a)) {
		sk->bound_ifindex = ifindex;
		sk->scope_id = (uint32_t)ifindex;
	}
	return 0;
}

int ns_inet_bind(struct ns_sock *sk, const struct ns_sockname *sn,
		 int (*get_port)(struct ns_sock *sk, uint16_t port))
{
	struct ns_addr old = sk->laddr;
	int old_if = sk->bound_ifindex;
	int r = ns_inet_bind_addr(sk, sn);
	if (r < 0)
		return r;
	r = get_port(sk, sn->port);
	if (r < 0) {
		sk->laddr = old;
		sk->bound_ifindex = old_if;
		return r;
	}
	sk->addr_locked = !ns_addr_is_any(&sk->laddr);
	sk->port_locked = sn->port != 0;
	return 0;
}

int ns_inet_local_score(const struct ns_sock *sk, const struct ns_addr *laddr,
			int ifindex, bool v6)
{
	int score;
	if (v6) {
		if (sk->family != AF_INET6 || ns_addr_is_v4(&sk->laddr))
			return -1;
		score = 2;
	} else if (sk->family == AF_INET) {
		score = 2;
	} else {
		/* An IPv6 socket takes IPv4 unless V6ONLY, on :: or a
		 * v4-mapped address. */
		if ((sk->opt & NS_IPV6_V6ONLY) ||
		    (!ns_addr_is_v4(&sk->laddr) &&
		     !ns_addr_is_unspec6(&sk->laddr)))
			return -1;
		score = 1;
	}
	if (!ns_addr_is_any(&sk->laddr)) {
		if (!ns_addr_eq(&sk->laddr, laddr))
			return -1;
		score += 4;
	}
	if (sk->bound_ifindex) {
		if (sk->bound_ifindex != ifindex)
			return -1;
		score += 4;
	}
	return score;
}

int ns_inet_dest(struct ns_sock *sk, const struct ns_sockname *sn,
		 bool connecting, struct ns_sockname *out)
{
	*out = *sn;
	bool v4 = ns_addr_is_v4(&sn->addr);
	if (sk->family == AF_INET6 && v4 && (sk->opt & NS_IPV6_V6ONLY))
		return connecting ? -EAFNOSUPPORT : -ENETUNREACH;
	/* Linux: the wildcard destination means this host. */
	if (ns_addr_is_any(&sn->addr)) {
		if (v4)
			ns_addr_set_v4_u32(&out->addr, 0x7f000001);
		else
			out->addr.b[15] = 1;
	}
	if (ns_addr_needs_scope(&out->addr)) {
		int oif = sn->scope_id ? (int)sn->scope_id : sk->bound_ifindex;
		if (!oif)
			return -EINVAL;
		if (ns_nic_get(sk->stack, oif) == NULL)
			return -ENODEV;
		out->scope_id = (uint32_t)oif;
	}
	return 0;
}

int ns_inet_dgram_connect(struct ns_sock *sk, const struct ns_sockname *sn,
			  int (*autobind)(struct ns_sock *sk))
{
	struct ns_stack *stack = sk->stack;
	sk->dst_ok = false;
	if (sn->unspec) {
		/* Linux __udp_disconnect. */
		sk->state = NS_TCP_CLOSE;
		sk->rport = 0;
		if (sk->family == AF_INET)
			ns_addr_set_v4_u32(&sk->raddr, 0);
		else
			memset(&sk->raddr, 0, sizeof(sk->raddr));
		if (!sk->addr_locked) {
			if (sk->family == AF_INET)
				ns_addr_set_v4_u32(&sk->laddr, 0);
			else
				memset(&sk->laddr, 0, sizeof(sk->laddr));
		}
		if (!sk->port_locked)
			ns_port_unbind(sk);
		return 0;
	}
	struct ns_sockname peer;
	int r = ns_inet_dest(sk, sn, true, &peer);
	if (r < 0)
		return r;
	if (ns_addr_is_v4(&peer.addr) != ns_addr_is_v4(&sk->laddr) &&
	    !ns_addr_is_any(&sk->laddr))
		return -EINVAL; /* bound to the other family */
	int oif = sk->bound_ifindex;
	if (!oif && ns_addr_needs_scope(&peer.addr))
		oif = (int)peer.scope_id;
	struct ns_dst d;
	const struct ns_addr *src =
		ns_addr_is_any(&sk->laddr) ? NULL : &sk->laddr;
	r = ns_route_output(stack, &peer.addr, src, oif, &d);
	if (r < 0)
		return r;
	if ((d.flags & NS_DST_BCAST) && !(sk->opt & NS_SO_BROADCAST))
		return -EACCES;
	if (sk->lport == 0) {
		r = autobind(sk);
		if (r < 0)
			return r;
	}
	if (ns_addr_is_any(&sk->laddr))
		sk->laddr = d.src;
	sk->raddr = peer.addr;
	sk->rport = peer.port;
	sk->scope_id = peer.scope_id;
	sk->flowinfo = peer.flowinfo;
	sk->state = NS_TCP_ESTABLISHED;
	sk->dst = d;
	sk->dst_ok = true;
	return 0;
}

/* SOL_SOCKET control messages of sendmsg (Linux __sock_cmsg_send):
 * SO_MARK, SO_PRIORITY and timestamping requests are accepted without
 * effect here; SCM_RIGHTS and SCM_CREDENTIALS belong to AF_UNIX and are
 * ignored; any other type is EINVAL. */
static int sock_cmsg(const struct cmsghdr *h)
{
	switch (h->cmsg_type) {
	case SO_MARK:
	case SO_PRIORITY:
	case SO_TIMESTAMPING_OLD:
	case SO_TIMESTAMPING_NEW:
		return h->cmsg_len == CMSG_LEN(sizeof(uint32_t)) ? 0 : -EINVAL;
	case SCM_RIGHTS:
	case SCM_CREDENTIALS:
		return 0;
	default:
		return -EINVAL;
	}
}

/* An IPPROTO_IP control message (Linux ip_cmsg_send). */
static int ip_cmsg(const struct cmsghdr *h, const uint8_t *data, size_t dlen,
		   struct ns_inet_send *s)
{
	int v = 0;
	switch (h->cmsg_type) {
	case IP_PKTINFO: {
		struct in_pktinfo pi;
		if (dlen != sizeof(pi))
			return -EINVAL;
		memcpy(&pi, data, sizeof(pi));
		if (pi.ipi_ifindex)
			s->oif = pi.ipi_ifindex;
		ns_addr_set_v4(&s->src, (const uint8_t *)&pi.ipi_spec_dst);
		return 0;
	}
	case IP_TTL:
		if (dlen != sizeof(int))
			return -EINVAL;
		memcpy(&v, data, sizeof(v));
		if (v < 1 || v > 255)
			return -EINVAL;
		s->ttl = v;
		return 0;
	case IP_TOS:
		if (dlen == sizeof(int))
			memcpy(&v, data, sizeof(v));
		else if (dlen == 1)
			v = data[0];
		else
			return -EINVAL;
		if (v < 0 || v > 255)
			return -EINVAL;
		s->tos = v;
		return 0;
	case IP_PROTOCOL:
		/* Checked, without effect but for raw sockets. */
		if (dlen != sizeof(int))
			return -EINVAL;
		memcpy(&v, data, sizeof(v));
		return v < 1 || v > 255 ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/* An IPPROTO_IPV6 control message (Linux ip6_datagram_send_ctl). */
static int ip6_cmsg(struct ns_sock *sk, const struct cmsghdr *h,
		    const uint8_t *data, size_t dlen, struct ns_inet_send *s)
{
	int v = 0;
	switch (h->cmsg_type) {
	case IPV6_PKTINFO: {
		struct in6_pktinfo pi;
		if (dlen < sizeof(pi))
			return -EINVAL;
		memcpy(&pi, data, sizeof(pi));
		if (pi.ipi6_ifindex) {
			if (ns_nic_get(sk->stack, (int)pi.ipi6_ifindex) == NULL)
				return -ENODEV;
			s->oif = (int)pi.ipi6_ifindex;
		}
		ns_addr_set_v6(&s->src, pi.ipi6_addr.s6_addr);
		return 0;
	}
	case IPV6_HOPLIMIT:
	case IPV6_TCLASS:
		if (dlen != sizeof(int))
			return -EINVAL;
		memcpy(&v, data, sizeof(v));
		if (v < -1 || v > 255)
			return -EINVAL;
		if (h->cmsg_type == IPV6_HOPLIMIT)
			s->ttl = v < 0 ? -1 : v;
		else
			s->tos = v < 0 ? 0 : v;
		return 0;
	case IPV6_DONTFRAG:
		return dlen == sizeof(int) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* Control messages of sendmsg, walked as Linux's for_each_cmsghdr.
 * Which levels count depends on the path the datagram takes: IPv4
 * (ip_cmsg_send: SOL_SOCKET and IPPROTO_IP, and on an IPv6 socket also
 * an IPV6_PKTINFO with a v4-mapped source) or IPv6
 * (ip6_datagram_send_ctl: SOL_SOCKET and IPPROTO_IPV6); messages of any
 * other level are ignored. */
static int parse_cmsgs(struct ns_sock *sk, const struct msghdr *msg,
		       struct ns_inet_send *s)
{
	const uint8_t *p = msg->msg_control;
	size_t left = msg->msg_controllen;
	if (left > 0 && p == NULL)
		return -EFAULT;
	bool v4 = ns_addr_is_v4(&s->dst.addr);
	while (left >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;
		memcpy(&h, p, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > left)
			return -EINVAL;
		const uint8_t *data = p + CMSG_LEN(0);
		size_t dlen = h.cmsg_len - CMSG_LEN(0);
		int r = 0;
		if (h.cmsg_level == SOL_SOCKET) {
			r = sock_cmsg(&h);
		} else if (v4 && h.cmsg_level == IPPROTO_IP) {
			r = ip_cmsg(&h, data, dlen, s);
		} else if (v4 && h.cmsg_level == IPPROTO_IPV6 &&
			   h.cmsg_type == IPV6_PKTINFO &&
			   sk->family == AF_INET6) {
			struct in6_pktinfo pi;
			if (dlen < sizeof(pi))
				return -EINVAL;
			memcpy(&pi, data, sizeof(pi));
			struct ns_addr a;
			ns_addr_set_v6(&a, pi.ipi6_addr.s6_addr);
			if (!ns_addr_is_v4(&a))
				return -EINVAL;
			if (pi.ipi6_ifindex)
				s->oif = (int)pi.ipi6_ifindex;
			s->src = a;
		} else if (!v4 && h.cmsg_level == IPPROTO_IPV6) {
			r = ip6_cmsg(sk, &h, data, dlen, s);
		}
		if (r < 0)
			return r;
		size_t step = CMSG_ALIGN(h.cmsg_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return 0;
}

/* The destination a send names, checked as each protocol's sendmsg
 * does. *given is false when there is none to use (no msg_name, or
 * AF_UNSPEC on an IPv6 UDP socket). */
static int send_dest(const struct ns_sock *sk, const struct msghdr *msg,
		     bool ping, struct ns_sockname *sn, bool *given)
{
	const uint8_t *sa = msg->msg_name;
	socklen_t len = msg->msg_namelen;
	*given = sa != NULL;
	memset(sn, 0, sizeof(*sn));
	if (sa == NULL)
		return 0;
	sa_family_t fam = AF_UNSPEC;
	if (len >= sizeof(fam))
		memcpy(&fam, sa, sizeof(fam));
	bool v4 = sk->family == AF_INET;
	if (!v4 && !ping) {
		/* udpv6_sendmsg: AF_UNSPEC names nothing; AF_INET goes the
		 * IPv4 way (unless V6ONLY); other families are EINVAL. */
		if (len < offsetof(struct sockaddr, sa_data))
			return -EINVAL;
		if (fam == AF_UNSPEC) {
			*given = false;
			return 0;
		}
		if (fam == AF_INET) {
			if (sk->opt & NS_IPV6_V6ONLY)
				return -ENETUNREACH;
			v4 = true;
		} else if (fam != AF_INET6) {
			return -EINVAL;
		}
	}
	if (v4) {
		/* udp_sendmsg takes AF_UNSPEC as AF_INET; ping does not. */
		struct sockaddr_in sin;
		if (len < sizeof(sin))
			return -EINVAL;
		if (fam != AF_INET && (ping || fam != AF_UNSPEC))
			return -EAFNOSUPPORT;
		memcpy(&sin, sa, sizeof(sin));
		ns_addr_set_v4(&sn->addr, (const uint8_t *)&sin.sin_addr);
		sn->port = ntohs(sin.sin_port);
		return 0;
	}
	/* ping_v6_sendmsg wants a whole sockaddr_in6; UDP the RFC 2133
	 * size. */
	struct sockaddr_in6 sin6;
	memset(&sin6, 0, sizeof(sin6));
	if (len < (ping ? sizeof(sin6) : 24))
		return -EINVAL;
	if (fam != AF_INET6)
		return -EAFNOSUPPORT;
	memcpy(&sin6, sa, len < sizeof(sin6) ? len : sizeof(sin6));
	ns_addr_set_v6(&sn->addr, sin6.sin6_addr.s6_addr);
	/* ping_v6_sendmsg: no v4-mapped destination (whatever V6ONLY). */
	if (ping && ns_addr_is_v4(&sn->addr))
		return -EINVAL;
	sn->port = ntohs(sin6.sin6_port);
	sn->flowinfo = ntohl(sin6.sin6_flowinfo);
	if (len >= sizeof(sin6))
		sn->scope_id = sin6.sin6_scope_id;
	return 0;
}

int ns_inet_send_prepare(struct ns_sock *sk, const struct msghdr *msg,
			 bool ping, struct ns_inet_send *s)
{
	memset(s, 0, sizeof(*s));
	s->ttl = -1;
	s->tos = -1;
	struct ns_sockname sn;
	bool given;
	int r = send_dest(sk, msg, ping, &sn, &given);
	if (r < 0)
		return r;
	if (given) {
		r = ns_inet_dest(sk, &sn, false, &s->dst);
		if (r < 0)
			return r;
	} else {
		if (sk->state != NS_TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		s->dst.addr = sk->raddr;
		s->dst.port = sk->rport;
		s->dst.scope_id = sk->scope_id;
		s->use_cache = true;
	}
	if (msg->msg_controllen) {
		r = parse_cmsgs(sk, msg, s);
		if (r < 0)
			return r;
		s->use_cache =
			s->use_cache && s->oif == 0 && ns_addr_is_any(&s->src);
	}
	return 0;
}

int ns_inet_send_route(struct ns_sock *sk, struct ns_inet_send *s,
		       struct ns_dst *tmp, struct ns_dst **dst)
{
	int r;
	if (s->use_cache) {
		r = ns_sock_route(sk, dst);
	} else {
		int oif = s->oif ? s->oif : sk->bound_ifindex;
		if (!oif && ns_addr_needs_scope(&s->dst.addr))
			oif = (int)s->dst.scope_id;
		if (!oif && ns_addr_is_mcast(&s->dst.addr))
			oif = sk->mc_if;
		const struct ns_addr *src = &s->src;
		if (ns_addr_is_any(src) && !ns_addr_is_any(&sk->laddr) &&
		    !ns_addr_is_mcast(&sk->laddr) &&
		    !ns_addr_is_bcast_on(sk->stack, NULL, &sk->laddr) &&
		    ns_addr_is_v4(&sk->laddr) == ns_addr_is_v4(&s->dst.addr))
			src = &sk->laddr;
		r = ns_route_output(sk->stack, &s->dst.addr, src, oif, tmp);
		*dst = tmp;
	}
	if (r < 0)
		return r;
	if (((*dst)->flags & NS_DST_BCAST) && !(sk->opt & NS_SO_BROADCAST))
		return -EACCES;
	return 0;
}

static uint8_t pmtudisc_mode(uint8_t v)
{
	/* IP_PMTUDISC_INTERFACE (4) sends DF at the interface MTU,
	 * IP_PMTUDISC_OMIT (5) fragments: the nearest of our modes. */
	if (v == 4)
		return NS_PMTUDISC_PROBE;
	if (v == 5)
		return NS_PMTUDISC_DONT;
	return v;
}

bool ns_inet_dgram_err(const struct ns_sock *sk, const struct ns_icmp_err *e,
		       struct ns_icmp_err *out)
{
	*out = *e;
	bool too_big = e->v6 ? e->type == 2 : (e->type == 3 && e->code == 4);
	if (!too_big)
		return true;
	/* A socket sent the quoted datagram: the news about its path is
	 * believed (Linux ipv4_sk_update_pmtu), whatever its DF mode. */
	ns_pmtu_update(sk->stack, &e->dst, e->info);
	/* Path MTU news is an error only for a socket that sets DF. */
	if (pmtudisc_mode(e->v6 ? sk->pmtudisc6 : sk->pmtudisc) ==
	    NS_PMTUDISC_DONT)
		return false;
	out->fatal = true;
	return true;
}

void ns_inet_tx(const struct ns_sock *sk, const struct ns_inet_send *s,
		const struct ns_dst *d, uint8_t proto, struct ns_ip_tx *tx)
{
	bool v4 = ns_addr_is_v4(&s->dst.addr);
	memset(tx, 0, sizeof(*tx));
	tx->src = d->src;
	tx->dst = s->dst.addr;
	tx->proto = proto;
	tx->ttl = s->ttl >= 0 ? (uint8_t)s->ttl : ns_sock_ttl(sk, &tx->dst);
	if (s->tos >= 0)
		tx->tos = (uint8_t)s->tos;
	else
		tx->tos = v4 ? sk->tos : (uint8_t)sk->tclass;
	tx->pmtudisc = pmtudisc_mode(v4 ? sk->pmtudisc : sk->pmtudisc6);
	if (sk->opt & (v4 ? NS_IP_MC_LOOP : NS_IPV6_MC_LOOP))
		tx->flags |= NS_TX_MC_LOOP;
	tx->flowlabel = sk->flowinfo & 0xfffff;
}

int ns_inet_dgram_shutdown(struct ns_sock *sk, int how)
{
	/* Linux inet_shutdown: SHUT_RD..SHUT_RDWR become bits 1..3; an
	 * unconnected socket records it anyway and says ENOTCONN. */
	sk->shutdown |= (uint8_t)(how + 1);
	ns_sock_wake(sk, EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP);
	return sk->state == NS_TCP_CLOSE ? -ENOTCONN : 0;
}
