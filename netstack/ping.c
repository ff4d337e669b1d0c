/* ICMP echo sockets, Linux's "ping sockets" (net/ipv4/ping.c): SOCK_DGRAM
 * with IPPROTO_ICMP or IPPROTO_ICMPV6. The application writes an echo
 * request (header and data); the stack puts the socket's identifier (its
 * bound "port") in it and fills the checksum. Echo replies carrying that
 * identifier are queued whole, header included; errors about our
 * requests are reported as for UDP. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core.h"
#include "dgram.h"
#include "inet.h"
#include "netstack/csum.h"
#include "netstack/wire.h"
#include "port.h"
#include "proto.h"

#define ICMP_HLEN	   8
#define ICMP_ECHO	   8
#define ICMP6_ECHO_REQUEST 128

/* The socket with identifier ident that takes an echo reply or error
 * (Linux ping_lookup): same family, bound address and device match. */
static struct ns_sock *ping_lookup(struct ns_stack *stack, uint16_t ident,
				   bool v6, const struct ns_addr *local,
				   int ifindex)
{
	struct ns_list *pos;
	ns_port_for_each(pos, &stack->ping_ports, ident)
	{
		struct ns_sock *sk =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (sk->lport != ident ||
		    sk->family != (v6 ? AF_INET6 : AF_INET))
			continue;
		if (!ns_addr_is_any(&sk->laddr) &&
		    !ns_addr_eq(&sk->laddr, local))
			continue;
		if (ifindex && sk->bound_ifindex &&
		    sk->bound_ifindex != ifindex)
			continue;
		return sk;
	}
	return NULL;
}

void ns_ping_rcv(struct ns_stack *stack, struct ns_pkt *pkt)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	if (ns_pkt_ensure(&pkt, ICMP_HLEN) == NULL) {
		ns_pkt_free(pkt);
		return;
	}
	m = ns_rxmeta(pkt);
	uint16_t ident = ns_get_be16(pkt->data + 4);
	struct ns_sock *sk = ping_lookup(stack, ident, m->flags & NS_RX_V6,
					 &m->dst, pkt->ifindex);
	if (sk == NULL) {
		NS_INC(stack, Ping, InNoSocket);
		ns_pkt_free(pkt);
		return;
	}
	if (ns_dgram_enqueue(sk, pkt, 0) < 0) {
		NS_INC(stack, Ping, RcvbufErrors);
		return;
	}
	NS_INC(stack, Ping, InDelivers);
}

void ns_ping_err(struct ns_stack *stack, const struct ns_icmp_err *e)
{
	uint16_t ident = ns_get_be16(e->th + 4);
	struct ns_sock *sk = ping_lookup(stack, ident, e->v6, &e->src, 0);
	if (sk == NULL)
		return;
	/* The error queue gets the quoted ICMP message, header and all. */
	struct ns_icmp_err ev;
	if (ns_inet_dgram_err(sk, e, &ev))
		ns_dgram_icmp_error(sk, &ev, 0, 0);
}

static int ping_get_port(struct ns_sock *sk, uint16_t port)
{
	return ns_port_bind(sk->stack, &sk->stack->ping_ports, sk, port);
}

static int ping_autobind(struct ns_sock *sk)
{
	return ping_get_port(sk, 0);
}

/* Linux ping_init_sock and inet_create: ping sockets are created with
 * SO_REUSEADDR on (INET_PROTOSW_REUSE), so two of them may share an
 * identifier, and an IPv6 one is V6ONLY. */
static int ping_init(struct ns_sock *sk)
{
	sk->opt |= NS_SO_REUSEADDR;
	if (sk->family == AF_INET6)
		sk->opt |= NS_IPV6_V6ONLY;
	return 0;
}

static int ping_bind(struct ns_sock *sk, const struct ns_sockname *sn)
{
	/* Linux ping_check_bind_addr: no broadcast or multicast for IPv4;
	 * IPv6 takes only unicast addresses (not multicast, not
	 * v4-mapped). */
	if (sk->family == AF_INET6 &&
	    (ns_addr_is_mcast(&sn->addr) || ns_addr_is_v4(&sn->addr)))
		return -EINVAL;
	if (ns_addr_is_mcast(&sn->addr) ||
	    ns_addr_is_bcast_on(sk->stack, NULL, &sn->addr))
		return -EADDRNOTAVAIL;
	if (sk->lport)
		return -EINVAL;
	return ns_inet_bind(sk, sn, ping_get_port);
}

static int ping_connect(struct ns_sock *sk, const struct ns_sockname *sn)
{
	if (!sn->unspec && sk->family == AF_INET6 && ns_addr_is_v4(&sn->addr))
		return -EAFNOSUPPORT;
	return ns_inet_dgram_connect(sk, sn, ping_autobind);
}

static ssize_t ping_sendmsg(struct ns_sock *sk, const struct msghdr *msg,
			    int flags, const struct ns_memio *io)
{
	struct ns_stack *stack = sk->stack;
	bool v6 = sk->family == AF_INET6;
	/* Linux inet_send_prepare: the identifier is chosen first, so even
	 * a send that fails binds the socket. */
	if (sk->lport == 0 && ping_autobind(sk) < 0)
		return -EAGAIN;
	/* ping_common_sendmsg: size, flags, then the echo header (only
	 * requests, code 0), all before the address. */
	ssize_t total = ns_iov_length(msg->msg_iov, msg->msg_iovlen);
	if (total < 0)
		return total;
	if (total > 0xffff)
		return -EMSGSIZE;
	if (total < ICMP_HLEN)
		return -EINVAL;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	uint32_t len = (uint32_t)total;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, len);
	if (pkt == NULL)
		return -ENOBUFS;
	uint8_t *p = ns_pkt_put(pkt, len);
	struct ns_iov_iter it;
	ns_iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, io);
	int r = ns_iov_copy_from(&it, p, len);
	if (r == 0 && (p[0] != (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO) || p[1]))
		r = -EINVAL;
	struct ns_inet_send s;
	if (r == 0)
		r = ns_inet_send_prepare(sk, msg, true, &s);
	struct ns_dst tmp, *d = NULL;
	if (r == 0)
		r = ns_inet_send_route(sk, &s, &tmp, &d);
	/* The pending error is met when the datagram is built
	 * (sock_alloc_send_skb), after the route. */
	if (r == 0 && sk->err)
		r = ns_sock_error(sk);
	if (r < 0) {
		ns_pkt_free(pkt);
		return r;
	}
	struct ns_ip_tx tx;
	ns_inet_tx(sk, &s, d, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, &tx);
	ns_put_be16(p + 4, sk->lport);
	ns_put_be16(p + 2, 0);
	uint32_t sum =
		v6 ? ns_csum_pseudo6(tx.src.b, tx.dst.b, IPPROTO_ICMPV6, len)
		   : 0;
	ns_put_be16(p + 2, ns_csum_fold(ns_csum_partial(p, len, sum)));
	if (v6)
		ns_icmp6_count_out(stack, p[0]);
	else
		ns_icmp4_count_out(stack, p[0]);
	r = ns_ip_output(stack, d, pkt, &tx);
	if (r < 0)
		return r;
	NS_INC(stack, Ping, OutMsgs);
	return (ssize_t)len;
}

static void ping_close(struct ns_sock *sk)
{
	ns_sock_free(sk);
}

const struct ns_sock_ops ns_ping_sock_ops = {
	.name = "ping",
	.obj_size = sizeof(struct ns_sock),
	.init = ping_init,
	.close = ping_close,
	.bind = ping_bind,
	.connect = ping_connect,
	.sendmsg = ping_sendmsg,
	.recvmsg = ns_dgram_recvmsg,
	.shutdown = ns_inet_dgram_shutdown,
	.poll = ns_dgram_poll,
	.ioctl = ns_dgram_ioctl,
	.queues = ns_dgram_queues,
};
