/* UDP (RFC 768, RFC 8200 8.1 for IPv6): demultiplexing with Linux's
 * socket scoring, SO_REUSEPORT groups, broadcast delivery, the socket
 * ops, and ICMP errors reported to the sending socket. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core.h"
#include "dgram.h"
#include "inet.h"
#include "netstack/wire.h"
#include "port.h"
#include "proto.h"

#define UDP_HLEN 8
/* The largest payloads: 65535 minus the IP and UDP headers (IPv6's
 * payload length excludes its own header). */
#define UDP4_MAX_PAYLOAD (65535 - 20 - UDP_HLEN)
#define UDP6_MAX_PAYLOAD (65535 - UDP_HLEN)

/* The receive side of a lookup. */
struct udp_key {
	const struct ns_addr *src, *dst; /* of the packet */
	uint16_t sport, dport;
	int ifindex;
	bool v6;
};

/* Linux compute_score: -1 when sk does not take the packet, else higher
 * for a more specific match. */
static int udp_score(const struct ns_sock *sk, const struct udp_key *k)
{
	if (sk->lport != k->dport)
		return -1;
	int score = ns_inet_local_score(sk, k->dst, k->ifindex, k->v6);
	if (score < 0)
		return -1;
	if (sk->rport) {
		if (!ns_addr_eq(&sk->raddr, k->src) || sk->rport != k->sport)
			return -1;
		score += 8;
	}
	return score;
}

static struct ns_sock *udp_lookup(struct ns_stack *stack,
				  const struct udp_key *k)
{
	struct ns_list *pos;
	struct ns_sock *best = NULL;
	int best_score = -1;
	unsigned group = 0;
	ns_port_for_each(pos, &stack->udp_ports, k->dport)
	{
		struct ns_sock *sk =
			ns_container_of(pos, struct ns_sock, bind_node);
		int score = udp_score(sk, k);
		if (score > best_score) {
			best = sk;
			best_score = score;
			group = 1;
		} else if (score == best_score && score >= 0 &&
			   (sk->opt & best->opt & NS_SO_REUSEPORT)) {
			group++;
		}
	}
	if (best == NULL || group < 2)
		return best;
	/* SO_REUSEPORT: one socket of the group, chosen by a hash of the
	 * sender so a flow stays on one socket. */
	struct {
		struct ns_addr src;
		uint32_t sport;
	} flow = { *k->src, k->sport };
	uint64_t h = ns_keyed_hash(&stack->hash_key, &flow, sizeof(flow));
	unsigned pick = (unsigned)(h % group), i = 0;
	ns_port_for_each(pos, &stack->udp_ports, k->dport)
	{
		struct ns_sock *sk =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (udp_score(sk, k) == best_score &&
		    (sk->opt & NS_SO_REUSEPORT) && i++ == pick)
			return sk;
	}
	return best;
}

static void udp_deliver(struct ns_stack *stack, struct ns_sock *sk,
			struct ns_pkt *pkt, uint16_t sport, bool v6)
{
	if (ns_dgram_enqueue(sk, pkt, sport) < 0) {
		NS_INC46(stack, v6, Udp, Udp6, RcvbufErrors);
		NS_INC46(stack, v6, Udp, Udp6, InErrors);
		return;
	}
	NS_INC46(stack, v6, Udp, Udp6, InDatagrams);
}

/* Broadcast and multicast: a copy to every matching socket (Linux
 * __udp4_lib_mcast_deliver). */
static void udp_mcast_deliver(struct ns_stack *stack, struct ns_pkt *pkt,
			      const struct udp_key *k)
{
	struct ns_sock *prev = NULL;
	struct ns_list *pos;
	ns_port_for_each(pos, &stack->udp_ports, k->dport)
	{
		struct ns_sock *sk =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (udp_score(sk, k) < 0)
			continue;
		if (prev) {
			struct ns_pkt *copy = ns_pkt_clone(pkt);
			if (copy)
				udp_deliver(stack, prev, copy, k->sport, k->v6);
		}
		prev = sk;
	}
	if (prev) {
		udp_deliver(stack, prev, pkt, k->sport, k->v6);
		return;
	}
	NS_INC46(stack, k->v6, Udp, Udp6, IgnoredMulti);
	ns_pkt_free(pkt);
}

static void udp_input(struct ns_stack *stack, struct ns_pkt *pkt)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	bool v6 = m->flags & NS_RX_V6;
	uint8_t *h = ns_pkt_ensure(&pkt, UDP_HLEN);
	if (h == NULL)
		goto error;
	m = ns_rxmeta(pkt);
	uint32_t ulen = ns_get_be16(h + 4);
	if (ulen < UDP_HLEN || ulen > pkt->len)
		goto error;
	ns_pkt_trim(pkt, ulen);
	uint16_t csum = ns_get_be16(h + 6);
	/* RFC 768: 0 means no checksum, for IPv4 only (RFC 8200 8.1). */
	if ((csum == 0 && v6) ||
	    (csum != 0 && !ns_l4_csum_ok(pkt, IPPROTO_UDP))) {
		NS_INC46(stack, v6, Udp, Udp6, InCsumErrors);
		goto error;
	}
	struct udp_key k = { .src = &m->src,
			     .dst = &m->dst,
			     .sport = ns_get_be16(h),
			     .dport = ns_get_be16(h + 2),
			     .ifindex = pkt->ifindex,
			     .v6 = v6 };
	if (m->flags & (NS_RX_BCAST | NS_RX_MCAST)) {
		ns_pkt_pull(pkt, UDP_HLEN);
		udp_mcast_deliver(stack, pkt, &k);
		return;
	}
	struct ns_sock *sk = udp_lookup(stack, &k);
	if (sk == NULL) {
		NS_INC46(stack, v6, Udp, Udp6, NoPorts);
		ns_ip_unreachable(stack, pkt);
		ns_pkt_free(pkt);
		return;
	}
	ns_pkt_pull(pkt, UDP_HLEN);
	udp_deliver(stack, sk, pkt, k.sport, v6);
	return;
error:
	NS_INC46(stack, v6, Udp, Udp6, InErrors);
	ns_pkt_free(pkt);
}

/* An ICMP error about a datagram we sent: find its socket by the quoted
 * ports (ours first) and report as Linux's __udp4_lib_err. */
static void udp_err(struct ns_stack *stack, const struct ns_icmp_err *e)
{
	if (e->th_len < UDP_HLEN)
		return;
	struct udp_key k = { .src = &e->dst,
			     .dst = &e->src,
			     .sport = ns_get_be16(e->th + 2),
			     .dport = ns_get_be16(e->th),
			     .v6 = e->v6 };
	/* The socket may be bound to a NIC: match any. */
	struct ns_sock *sk = NULL;
	struct ns_list *pos;
	int best = -1;
	ns_port_for_each(pos, &stack->udp_ports, k.dport)
	{
		struct ns_sock *s =
			ns_container_of(pos, struct ns_sock, bind_node);
		k.ifindex = s->bound_ifindex;
		int score = udp_score(s, &k);
		if (score > best) {
			best = score;
			sk = s;
		}
	}
	if (sk == NULL)
		return;
	struct ns_icmp_err ev;
	if (ns_inet_dgram_err(sk, e, &ev))
		ns_dgram_icmp_error(sk, &ev, UDP_HLEN, k.sport);
}

const struct ns_ip_proto ns_udp_proto = {
	.input = udp_input,
	.err = udp_err,
};

/* ---- Socket ops ------------------------------------------------------ */

static int udp_get_port(struct ns_sock *sk, uint16_t port)
{
	return ns_port_bind(sk->stack, &sk->stack->udp_ports, sk, port);
}

static int udp_autobind(struct ns_sock *sk)
{
	return udp_get_port(sk, 0);
}

static int udp_bind(struct ns_sock *sk, const struct ns_sockname *sn)
{
	if (sk->lport)
		return -EINVAL;
	return ns_inet_bind(sk, sn, udp_get_port);
}

static int udp_connect(struct ns_sock *sk, const struct ns_sockname *sn)
{
	return ns_inet_dgram_connect(sk, sn, udp_autobind);
}

static ssize_t udp_sendmsg(struct ns_sock *sk, const struct msghdr *msg,
			   int flags, const struct ns_memio *io)
{
	struct ns_stack *stack = sk->stack;
	/* Linux inet_send_prepare: a socket without a port gets one before
	 * anything is checked, so even a send that fails binds it. */
	if (sk->lport == 0 && udp_autobind(sk) < 0)
		return -EAGAIN;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->shutdown & NS_SHUT_WR)
		return -EPIPE;
	if (sk->err)
		return ns_sock_error(sk);
	ssize_t total = ns_iov_length(msg->msg_iov, msg->msg_iovlen);
	if (total < 0)
		return total;
	struct ns_inet_send s;
	int r = ns_inet_send_prepare(sk, msg, false, &s);
	if (r < 0)
		return r;
	bool v4 = ns_addr_is_v4(&s.dst.addr);
	if ((size_t)total > (v4 ? UDP4_MAX_PAYLOAD : UDP6_MAX_PAYLOAD))
		return -EMSGSIZE;
	if (!s.use_cache && s.dst.port == 0)
		return -EINVAL;
	struct ns_dst tmp, *d;
	r = ns_inet_send_route(sk, &s, &tmp, &d);
	if (r < 0) {
		NS_INC46(stack, !v4, Ip, Ip6, OutNoRoutes);
		return r;
	}
	struct ns_ip_tx tx;
	ns_inet_tx(sk, &s, d, IPPROTO_UDP, &tx);
	uint32_t len = (uint32_t)total;
	if ((tx.pmtudisc == NS_PMTUDISC_DO ||
	     tx.pmtudisc == NS_PMTUDISC_PROBE) &&
	    len + UDP_HLEN > ns_ip_max_unfragmented(d, !v4))
		return -EMSGSIZE;

	/* A datagram that will be fragmented carries its payload in a
	 * buffer the fragments can reference, so it is copied only once. */
	bool big = len + UDP_HLEN > ns_ip_max_unfragmented(d, !v4);
	struct ns_pkt *pkt =
		ns_pkt_alloc(NS_PKT_HEADROOM, UDP_HLEN + (big ? 0 : len));
	if (pkt == NULL)
		return -ENOBUFS;
	uint8_t *h = ns_pkt_put(pkt, UDP_HLEN);
	struct ns_iov_iter it;
	ns_iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, io);
	if (big) {
		struct ns_buf *buf = ns_buf_alloc(len);
		if (buf == NULL) {
			ns_pkt_free(pkt);
			return -ENOBUFS;
		}
		r = ns_iov_copy_from(&it, buf->data, len);
		if (r == 0)
			ns_pkt_append_frag(pkt, buf, buf->data, len);
		ns_buf_unref(buf);
	} else {
		r = ns_iov_copy_from(&it, ns_pkt_put(pkt, len), len);
	}
	if (r < 0) {
		ns_pkt_free(pkt);
		return r;
	}
	ns_put_be16(h, sk->lport);
	ns_put_be16(h + 2, s.dst.port);
	ns_put_be16(h + 4, (uint16_t)(UDP_HLEN + len));
	ns_put_be16(h + 6, 0);
	/* SO_NO_CHECK: IPv4 may go without a checksum (RFC 768). */
	if (!(v4 && (sk->opt & NS_SO_NO_CHECK)))
		ns_l4_csum_partial(pkt, &tx.src, &tx.dst, IPPROTO_UDP, 6);
	if ((flags & MSG_CONFIRM) && !(d->flags & NS_DST_LOCAL))
		ns_neigh_confirm(stack, d->nic, &d->nexthop);
	r = ns_ip_output(stack, d, pkt, &tx);
	if (r == -ENOBUFS && !(sk->opt & (NS_IP_RECVERR | NS_IPV6_RECVERR))) {
		/* Linux udp_send_skb: a full queue is a silent drop. */
		NS_INC46(stack, !v4, Udp, Udp6, SndbufErrors);
		return (ssize_t)len;
	}
	if (r < 0)
		return r;
	NS_INC46(stack, !v4, Udp, Udp6, OutDatagrams);
	return (ssize_t)len;
}

static void udp_close(struct ns_sock *sk)
{
	ns_sock_free(sk);
}

const struct ns_sock_ops ns_udp_sock_ops = {
	.name = "udp",
	.obj_size = sizeof(struct ns_sock),
	.close = udp_close,
	.bind = udp_bind,
	.connect = udp_connect,
	.sendmsg = udp_sendmsg,
	.recvmsg = ns_dgram_recvmsg,
	.shutdown = ns_inet_dgram_shutdown,
	.poll = ns_dgram_poll,
	.ioctl = ns_dgram_ioctl,
	.queues = ns_dgram_queues,
};
