/* Address handling common to INET datagram sockets; see inet.h. */
#include "inet.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>

#include "core.h"
#include "port.h"

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

/* Control messages of sendmsg (Linux ip_cmsg_send / ip6_datagram_send_ctl
 * for the options datagram sockets use). */
static int parse_cmsgs(struct ns_sock *sk, const struct msghdr *msg,
		       struct ns_inet_send *s)
{
	const uint8_t *p = msg->msg_control;
	size_t left = msg->msg_controllen;
	if (left > 0 && p == NULL)
		return -EFAULT;
	while (left >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;
		memcpy(&h, p, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > left)
			return -EINVAL;
		const uint8_t *data = p + CMSG_LEN(0);
		size_t dlen = h.cmsg_len - CMSG_LEN(0);
		int v = 0;
		if (h.cmsg_level == IPPROTO_IP) {
			switch (h.cmsg_type) {
			case IP_PKTINFO: {
				struct in_pktinfo pi;
				if (dlen != sizeof(pi))
					return -EINVAL;
				memcpy(&pi, data, sizeof(pi));
				s->oif = pi.ipi_ifindex;
				ns_addr_set_v4(
					&s->src,
					(const uint8_t *)&pi.ipi_spec_dst);
				break;
			}
			case IP_TTL:
				if (dlen != sizeof(int))
					return -EINVAL;
				memcpy(&v, data, sizeof(v));
				if (v < 1 || v > 255)
					return -EINVAL;
				s->ttl = v;
				break;
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
				break;
			default:
				return -EINVAL;
			}
		} else if (h.cmsg_level == IPPROTO_IPV6 &&
			   sk->family == AF_INET6) {
			switch (h.cmsg_type) {
			case IPV6_PKTINFO: {
				struct in6_pktinfo pi;
				if (dlen < sizeof(pi))
					return -EINVAL;
				memcpy(&pi, data, sizeof(pi));
				if (pi.ipi6_ifindex) {
					if (ns_nic_get(sk->stack,
						       (int)pi.ipi6_ifindex) ==
					    NULL)
						return -ENODEV;
					s->oif = (int)pi.ipi6_ifindex;
				}
				ns_addr_set_v6(&s->src, pi.ipi6_addr.s6_addr);
				break;
			}
			case IPV6_HOPLIMIT:
			case IPV6_TCLASS:
				if (dlen != sizeof(int))
					return -EINVAL;
				memcpy(&v, data, sizeof(v));
				if (v < -1 || v > 255)
					return -EINVAL;
				if (h.cmsg_type == IPV6_HOPLIMIT)
					s->ttl = v < 0 ? -1 : v;
				else
					s->tos = v < 0 ? 0 : v;
				break;
			default:
				return -EINVAL;
			}
		} else if (h.cmsg_level == SOL_SOCKET) {
			/* SO_MARK and timestamping requests: accepted and
			 * without effect here. */
			if (h.cmsg_type != SO_MARK &&
			    h.cmsg_type != SO_TIMESTAMPING_OLD)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		size_t step = CMSG_ALIGN(h.cmsg_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return 0;
}

int ns_inet_send_prepare(struct ns_sock *sk, const struct msghdr *msg,
			 struct ns_inet_send *s)
{
	memset(s, 0, sizeof(*s));
	s->ttl = -1;
	s->tos = -1;
	if (msg->msg_name && msg->msg_namelen) {
		struct ns_sockname sn;
		int r = ns_sockaddr_parse(sk, msg->msg_name, msg->msg_namelen,
					  NS_SA_V4_ON_V6, &sn);
		if (r < 0)
			return r;
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
		int r = parse_cmsgs(sk, msg, s);
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
