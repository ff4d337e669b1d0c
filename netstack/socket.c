/* The socket endpoint API (netstack/socket.h): creation by (type,
 * protocol), dispatch to the protocol's ops, wait queues, introspection.
 * Every public call is an entry into the stack (ns_enter/ns_leave). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "core.h"
#include "proto.h"
#include "sock.h"

/* Which protocol serves a (type, protocol) pair; the first entry of a
 * type is its default (protocol 0). family 0 means both. */
static const struct {
	int type;
	int protocol;
	int family;
	const struct ns_sock_ops *ops;
} ns_sock_protos[] = {
	{ SOCK_STREAM, IPPROTO_TCP, 0, &ns_tcp_sock_ops },
	{ SOCK_DGRAM, IPPROTO_UDP, 0, &ns_udp_sock_ops },
	{ SOCK_DGRAM, IPPROTO_ICMP, AF_INET, &ns_ping_sock_ops },
	{ SOCK_DGRAM, IPPROTO_ICMPV6, AF_INET6, &ns_ping_sock_ops },
};

#define NPROTOS (sizeof(ns_sock_protos) / sizeof(ns_sock_protos[0]))

struct ns_sock *ns_sock_alloc(struct ns_stack *stack,
			      const struct ns_sock_ops *ops, int family,
			      int type, int protocol)
{
	struct ns_sock *sk = calloc(1, ops->obj_size);
	if (sk == NULL)
		return NULL;
	sk->stack = stack;
	sk->ops = ops;
	sk->family = (uint16_t)family;
	sk->type = (uint16_t)type;
	sk->protocol = (uint16_t)protocol;
	sk->state = NS_TCP_CLOSE;
	sk->waitq.next_ = sk->waitq.prev_ = &sk->waitq;
	if (family == AF_INET) {
		ns_addr_set_v4_u32(&sk->laddr, 0);
		ns_addr_set_v4_u32(&sk->raddr, 0);
	}
	ns_list_init(&sk->bind_node);
	sk->rcvbuf = stack->sysctl.rmem_default;
	sk->sndbuf = stack->sysctl.wmem_default;
	sk->rcvlowat = 1;
	sk->sndlowat = 1;
	sk->ttl = -1;
	sk->mc_ttl = 1;
	sk->hoplimit = -1;
	sk->mc_hops = -1;
	sk->pmtudisc = NS_PMTUDISC_WANT;
	sk->pmtudisc6 = NS_PMTUDISC_WANT;
	sk->opt = NS_IP_MC_LOOP | NS_IPV6_MC_LOOP;
	sk->rx_stamp_ns = -1;
	ns_pkt_queue_init(&sk->rcvq);
	ns_pkt_queue_init(&sk->errq);
	ns_list_add_tail(&stack->sockets, &sk->node);
	if (ops->init && ops->init(sk) < 0) {
		ns_list_del(&sk->node);
		free(sk);
		return NULL;
	}
	return sk;
}

void ns_sock_free(struct ns_sock *sk)
{
	ns_port_unbind(sk);
	ns_pkt_queue_purge(&sk->rcvq);
	ns_pkt_queue_purge(&sk->errq);
	ns_list_del(&sk->node);
	free(sk);
}

void ns_sock_wake(struct ns_sock *sk, uint32_t events)
{
	struct ns_waiter *w = sk->waitq.next_;
	while (w != &sk->waitq) {
		/* notify may remove w itself. */
		struct ns_waiter *next = w->next_;
		if (w->mask == 0 || (w->mask & events))
			w->notify(w, events);
		w = next;
	}
}

uint8_t ns_sock_ttl(const struct ns_sock *sk, const struct ns_addr *dst)
{
	bool v4 = ns_addr_is_v4(dst);
	if (ns_addr_is_mcast(dst)) {
		if (v4)
			return (uint8_t)sk->mc_ttl;
		return (uint8_t)(sk->mc_hops < 0 ? 1 : sk->mc_hops);
	}
	int t = v4 ? sk->ttl : sk->hoplimit;
	return (uint8_t)(t < 0 ? 64 : t);
}

int ns_sock_route(struct ns_sock *sk, struct ns_dst **out)
{
	if (!sk->dst_ok || !ns_dst_valid(sk->stack, &sk->dst)) {
		int oif = sk->bound_ifindex;
		if (!oif && ns_addr_needs_scope(&sk->raddr))
			oif = (int)sk->scope_id;
		int r = ns_route_output(sk->stack, &sk->raddr, &sk->laddr, oif,
					&sk->dst);
		sk->dst_ok = r == 0;
		if (r < 0)
			return r;
	}
	*out = &sk->dst;
	return 0;
}

/* ---- Public API ------------------------------------------------------ */

int ns_socket_create(struct ns_stack *stack, int domain, int type, int protocol,
		     struct ns_socket **out)
{
	if (out == NULL)
		return -EINVAL;
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* Linux __sock_create: SOCK_MAX is 11. */
	if (type < 0 || type > SOCK_PACKET)
		return -EINVAL;
	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	/* Raw sockets are not provided: the answer of a process without
	 * CAP_NET_RAW, so that ping(8) falls back to a ping socket. */
	if (type == SOCK_RAW)
		return -EPERM;
	const struct ns_sock_ops *ops = NULL;
	bool type_known = false;
	for (size_t i = 0; i < NPROTOS && ops == NULL; i++) {
		if (ns_sock_protos[i].type != type)
			continue;
		if (ns_sock_protos[i].family &&
		    ns_sock_protos[i].family != domain)
			continue;
		type_known = true;
		if (protocol == 0 || ns_sock_protos[i].protocol == protocol) {
			ops = ns_sock_protos[i].ops;
			protocol = ns_sock_protos[i].protocol;
		}
	}
	if (ops == NULL)
		return type_known ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
	ns_enter(stack);
	struct ns_sock *sk = ns_sock_alloc(stack, ops, domain, type, protocol);
	ns_leave(stack);
	if (sk == NULL)
		return -ENOMEM;
	*out = ns_sock_handle(sk);
	return 0;
}

void ns_socket_close(struct ns_socket *sock)
{
	struct ns_sock *sk = ns_sock_of(sock);
	struct ns_stack *stack = sk->stack;
	ns_enter(stack);
	/* Waiters belong to the user, who is gone. */
	struct ns_waiter *w = sk->waitq.next_;
	while (w != &sk->waitq) {
		struct ns_waiter *next = w->next_;
		w->next_ = w->prev_ = NULL;
		w = next;
	}
	sk->waitq.next_ = sk->waitq.prev_ = &sk->waitq;
	sk->user_closed = true;
	sk->ops->close(sk);
	ns_leave(stack);
}

int ns_socket_bind(struct ns_socket *sock, const struct sockaddr *addr,
		   socklen_t addrlen)
{
	struct ns_sock *sk = ns_sock_of(sock);
	struct ns_sockname sn;
	int r = ns_sockaddr_parse(sk, addr, addrlen, 0, &sn);
	if (r < 0)
		return r;
	if (sk->ops->bind == NULL)
		return -EOPNOTSUPP;
	ns_enter(sk->stack);
	r = sk->ops->bind(sk, &sn);
	ns_leave(sk->stack);
	return r;
}

int ns_socket_connect(struct ns_socket *sock, const struct sockaddr *addr,
		      socklen_t addrlen)
{
	struct ns_sock *sk = ns_sock_of(sock);
	struct ns_sockname sn;
	bool stream = sk->type == SOCK_STREAM;
	int r;
	if (addr == NULL && stream) {
		/* A blocking caller collects a connect in progress. */
		if (sk->ops->connect == NULL)
			return -EOPNOTSUPP;
		ns_enter(sk->stack);
		r = sk->ops->connect(sk, NULL);
		ns_leave(sk->stack);
		return r;
	}
	/* A stream socket of either family takes only its own family's
	 * addresses (tcp_v6_connect refuses AF_INET: v4-mapped addresses
	 * are the way); a datagram one also AF_INET on AF_INET6
	 * (__ip6_datagram_connect). */
	r = ns_sockaddr_parse(sk, addr, addrlen,
			      NS_SA_UNSPEC | (stream ? 0 : NS_SA_V4_ON_V6),
			      &sn);
	if (r < 0)
		return r;
	if (sk->ops->connect == NULL)
		return -EOPNOTSUPP;
	ns_enter(sk->stack);
	r = sk->ops->connect(sk, &sn);
	ns_leave(sk->stack);
	return r;
}

int ns_socket_listen(struct ns_socket *sock, int backlog)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (sk->ops->listen == NULL)
		return -EOPNOTSUPP;
	ns_enter(sk->stack);
	int r = sk->ops->listen(sk, backlog);
	ns_leave(sk->stack);
	return r;
}

int ns_socket_accept(struct ns_socket *sock, struct ns_socket **out,
		     struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	struct ns_sock *sk = ns_sock_of(sock), *nsk = NULL;
	if (sk->ops->accept == NULL)
		return -EOPNOTSUPP;
	if (out == NULL || (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)))
		return -EINVAL;
	/* Checked before a connection is taken off the queue: after that
	 * the call can no longer fail without losing it. */
	if (addr && addrlen && (int)*addrlen < 0)
		return -EINVAL;
	ns_enter(sk->stack);
	int r = sk->ops->accept(sk, &nsk);
	ns_leave(sk->stack);
	if (r < 0)
		return r;
	if (addr && addrlen)
		ns_sockaddr_export(nsk, &nsk->raddr, nsk->rport, nsk->scope_id,
				   addr, addrlen);
	*out = ns_sock_handle(nsk);
	return 0;
}

int ns_socket_shutdown(struct ns_socket *sock, int how)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (sk->ops->shutdown == NULL)
		return -EOPNOTSUPP;
	ns_enter(sk->stack);
	int r = sk->ops->shutdown(sk, how);
	ns_leave(sk->stack);
	return r;
}

int ns_socket_getsockname(struct ns_socket *sock, struct sockaddr *addr,
			  socklen_t *addrlen)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (addrlen == NULL || (int)*addrlen < 0)
		return -EINVAL;
	ns_sockaddr_export(sk, &sk->laddr, sk->lport, sk->scope_id, addr,
			   addrlen);
	return 0;
}

int ns_socket_getpeername(struct ns_socket *sock, struct sockaddr *addr,
			  socklen_t *addrlen)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (addrlen == NULL || (int)*addrlen < 0)
		return -EINVAL;
	/* Linux inet_getname: a peer exists once connected. */
	if (sk->rport == 0 || sk->state == NS_TCP_CLOSE ||
	    sk->state == NS_TCP_SYN_SENT || sk->state == NS_TCP_LISTEN)
		return -ENOTCONN;
	ns_sockaddr_export(sk, &sk->raddr, sk->rport, sk->scope_id, addr,
			   addrlen);
	return 0;
}

ssize_t ns_socket_sendmsg(struct ns_socket *sock, const struct msghdr *msg,
			  int flags, const struct ns_memio *io)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (msg == NULL)
		return -EINVAL;
	ns_enter(sk->stack);
	ssize_t r = sk->ops->sendmsg(sk, msg, flags, io);
	ns_leave(sk->stack);
	return r;
}

ssize_t ns_socket_recvmsg(struct ns_socket *sock, struct msghdr *msg, int flags,
			  const struct ns_memio *io)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (msg == NULL)
		return -EINVAL;
	ns_enter(sk->stack);
	ssize_t r = sk->ops->recvmsg(sk, msg, flags, io);
	ns_leave(sk->stack);
	return r;
}

ssize_t ns_socket_sendto(struct ns_socket *sock, const void *buf, size_t len,
			 int flags, const struct sockaddr *addr,
			 socklen_t addrlen)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
			     .iov_len = len };
	struct msghdr msg = { .msg_name = (void *)(uintptr_t)addr,
			      .msg_namelen = addr ? addrlen : 0,
			      .msg_iov = &iov,
			      .msg_iovlen = 1 };
	return ns_socket_sendmsg(sock, &msg, flags, NULL);
}

ssize_t ns_socket_recvfrom(struct ns_socket *sock, void *buf, size_t len,
			   int flags, struct sockaddr *addr, socklen_t *addrlen)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_name = addr,
			      .msg_namelen = addrlen ? *addrlen : 0,
			      .msg_iov = &iov,
			      .msg_iovlen = 1 };
	ssize_t r = ns_socket_recvmsg(sock, &msg, flags, NULL);
	if (r >= 0 && addrlen)
		*addrlen = msg.msg_namelen;
	return r;
}

int ns_socket_setsockopt(struct ns_socket *sock, int level, int name,
			 const void *val, socklen_t len)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if ((int)len < 0)
		return -EINVAL;
	ns_enter(sk->stack);
	int r = -ENOPROTOOPT;
	if (sk->ops->setsockopt)
		r = sk->ops->setsockopt(sk, level, name, val, len);
	if (r == -ENOPROTOOPT)
		r = ns_sock_setsockopt_common(sk, level, name, val, len);
	ns_leave(sk->stack);
	return r;
}

int ns_socket_getsockopt(struct ns_socket *sock, int level, int name, void *val,
			 socklen_t *len)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (len == NULL || (int)*len < 0)
		return -EINVAL;
	ns_enter(sk->stack);
	int r = -ENOPROTOOPT;
	if (sk->ops->getsockopt)
		r = sk->ops->getsockopt(sk, level, name, val, len);
	if (r == -ENOPROTOOPT)
		r = ns_sock_getsockopt_common(sk, level, name, val, len);
	/* A level an IPv4 socket does not know ends in ip_getsockopt, which
	 * says EOPNOTSUPP (ipv6_getsockopt says ENOPROTOOPT, as do unknown
	 * names of a known level). */
	if (r == -ENOPROTOOPT && sk->family == AF_INET && level != SOL_SOCKET &&
	    level != IPPROTO_IP && level != sk->protocol)
		r = -EOPNOTSUPP;
	ns_leave(sk->stack);
	return r;
}

/* Linux sock_gettstamp: the receive time of the last datagram read,
 * ENOENT before any; a datagram without a time makes it "now". */
static int get_stamp(struct ns_sock *sk, unsigned long cmd, void *arg)
{
	if (sk->rx_stamp_ns < 0)
		return -ENOENT;
	if (sk->rx_stamp_ns == 0) {
		struct ns_stack *st = sk->stack;
		sk->rx_stamp_ns =
			(int64_t)(st->cfg.wall_clock
					  ? st->cfg.wall_clock(st->cfg.ctx)
					  : st->now);
	}
	uint64_t ns = (uint64_t)sk->rx_stamp_ns;
	if (cmd == SIOCGSTAMP) {
		struct timeval tv = {
			.tv_sec = (time_t)(ns / 1000000000ull),
			.tv_usec = (suseconds_t)(ns % 1000000000ull / 1000)
		};
		memcpy(arg, &tv, sizeof(tv));
	} else {
		struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
				       .tv_nsec = (long)(ns % 1000000000ull) };
		memcpy(arg, &ts, sizeof(ts));
	}
	return 0;
}

int ns_socket_ioctl(struct ns_socket *sock, unsigned long cmd, void *arg)
{
	struct ns_sock *sk = ns_sock_of(sock);
	if (cmd == SIOCGSTAMP || cmd == SIOCGSTAMPNS) {
		if (arg == NULL)
			return -EFAULT;
		return get_stamp(sk, cmd, arg);
	}
	if (sk->ops->ioctl == NULL)
		return -ENOTTY;
	ns_enter(sk->stack);
	int r = sk->ops->ioctl(sk, cmd, arg);
	ns_leave(sk->stack);
	return r;
}

uint32_t ns_socket_poll(struct ns_socket *sock)
{
	struct ns_sock *sk = ns_sock_of(sock);
	return sk->ops->poll(sk);
}

void ns_socket_wait_add(struct ns_socket *sock, struct ns_waiter *w)
{
	struct ns_sock *sk = ns_sock_of(sock);
	w->prev_ = sk->waitq.prev_;
	w->next_ = &sk->waitq;
	sk->waitq.prev_->next_ = w;
	sk->waitq.prev_ = w;
}

void ns_socket_wait_del(struct ns_socket *sock, struct ns_waiter *w)
{
	(void)sock;
	if (w->next_ == NULL)
		return;
	w->prev_->next_ = w->next_;
	w->next_->prev_ = w->prev_;
	w->next_ = w->prev_ = NULL;
}

/* ---- Introspection ---------------------------------------------------- */

void ns_socket_get_info(const struct ns_socket *sock,
			struct ns_socket_info *info)
{
	const struct ns_sock *sk = (const struct ns_sock *)(const void *)sock;
	memset(info, 0, sizeof(*info));
	info->family = sk->family;
	info->type = sk->type;
	info->protocol = sk->protocol;
	info->state = sk->state;
	if (sk->family == AF_INET6) {
		memcpy(info->local_addr, sk->laddr.b, 16);
		memcpy(info->remote_addr, sk->raddr.b, 16);
	} else {
		ns_addr_export(&sk->laddr, info->local_addr);
		ns_addr_export(&sk->raddr, info->remote_addr);
	}
	info->local_port = sk->lport;
	info->remote_port = sk->rport;
	if (sk->ops->queues) {
		sk->ops->queues(sk, &info->rx_queue, &info->tx_queue);
	} else {
		info->rx_queue = sk->rcv_mem;
	}
	info->drops = sk->drops;
	info->sock = sock;
}

int ns_stack_foreach_socket(const struct ns_stack *stack,
			    int (*fn)(void *arg,
				      const struct ns_socket_info *info),
			    void *arg)
{
	struct ns_list *pos;
	ns_list_for_each (pos, &stack->sockets) {
		const struct ns_sock *sk =
			ns_container_of(pos, struct ns_sock, node);
		if (sk->user_closed)
			continue;
		struct ns_socket_info info;
		ns_socket_get_info((const struct ns_socket *)(const void *)sk,
				   &info);
		int r = fn(arg, &info);
		if (r)
			return r;
	}
	return 0;
}
