/* Datagram receive queues, recvmsg, error queues; see dgram.h. */
#include "dgram.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "core.h"

struct dgram_cb {
	struct ns_rxmeta meta;
	uint16_t sport;
	uint32_t truesize;
};

/* An error-queue entry's description (the packet holds the payload). */
struct err_cb {
	struct ns_addr offender;
	struct ns_addr dst;
	uint32_t info;
	uint16_t port;
	uint8_t err, origin, type, code;
	uint32_t truesize;
};

_Static_assert(sizeof(struct dgram_cb) <= NS_PKT_CB_SIZE, "cb too small");
_Static_assert(sizeof(struct err_cb) <= NS_PKT_CB_SIZE, "cb too small");

static struct dgram_cb *dcb(struct ns_pkt *pkt)
{
	return (struct dgram_cb *)(void *)pkt->cb;
}

static struct err_cb *ecb(struct ns_pkt *pkt)
{
	return (struct err_cb *)(void *)pkt->cb;
}

int ns_dgram_enqueue(struct ns_sock *sk, struct ns_pkt *pkt, uint16_t sport)
{
	/* Linux __udp_enqueue_schedule_skb: accepted while the memory in
	 * use does not exceed SO_RCVBUF, so one datagram always fits. */
	if (sk->rcv_mem > (uint32_t)sk->rcvbuf || (sk->shutdown & NS_SHUT_RD)) {
		sk->drops++;
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	uint32_t truesize = ns_pkt_truesize(pkt);
	dcb(pkt)->sport = sport;
	dcb(pkt)->truesize = truesize;
	sk->rcv_mem += truesize;
	ns_pkt_queue_push(&sk->rcvq, pkt);
	ns_sock_wake(sk, EPOLLIN | EPOLLRDNORM);
	return 0;
}

static void put_v4_cmsgs(struct ns_sock *sk, struct msghdr *msg, size_t *used,
			 struct ns_pkt *pkt)
{
	const struct ns_rxmeta *m = &dcb(pkt)->meta;
	if (sk->opt & NS_IP_PKTINFO) {
		struct in_pktinfo pi = { .ipi_ifindex = pkt->ifindex };
		/* ipi_spec_dst: the local address a reply would use. */
		memcpy(&pi.ipi_addr, ns_addr_v4(&m->dst), 4);
		memcpy(&pi.ipi_spec_dst, ns_addr_v4(&m->dst), 4);
		if (m->flags & (NS_RX_BCAST | NS_RX_MCAST)) {
			struct ns_nic *nic =
				ns_nic_get(sk->stack, pkt->ifindex);
			struct ns_addr src;
			if (nic && ns_nic_select_src(nic, &m->src, &src))
				memcpy(&pi.ipi_spec_dst, ns_addr_v4(&src), 4);
		}
		ns_put_cmsg(msg, used, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	}
	if (sk->opt & NS_IP_RECVTTL) {
		int ttl = m->ttl;
		ns_put_cmsg(msg, used, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	}
	if (sk->opt & NS_IP_RECVTOS) {
		uint8_t tos = m->tos;
		ns_put_cmsg(msg, used, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	}
}

/* Linux ip6_datagram_recv_common_ctl: IPV6_PKTINFO, for IPv4 datagrams
 * too (the v4-mapped destination). */
static void put_v6_common_cmsgs(struct ns_sock *sk, struct msghdr *msg,
				size_t *used, struct ns_pkt *pkt)
{
	const struct ns_rxmeta *m = &dcb(pkt)->meta;
	if (sk->opt & NS_IPV6_RECVPKTINFO) {
		struct in6_pktinfo pi = { .ipi6_ifindex = pkt->ifindex };
		memcpy(pi.ipi6_addr.s6_addr, m->dst.b, 16);
		ns_put_cmsg(msg, used, IPPROTO_IPV6, IPV6_PKTINFO, &pi,
			    sizeof(pi));
	}
}

/* Linux ip6_datagram_recv_specific_ctl, for IPv6 datagrams only. */
static void put_v6_cmsgs(struct ns_sock *sk, struct msghdr *msg, size_t *used,
			 struct ns_pkt *pkt)
{
	const struct ns_rxmeta *m = &dcb(pkt)->meta;
	if (sk->opt & NS_IPV6_RECVHOPLIMIT) {
		int hl = m->ttl;
		ns_put_cmsg(msg, used, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl,
			    sizeof(hl));
	}
	if (sk->opt & NS_IPV6_RECVTCLASS) {
		int tc = m->tos;
		ns_put_cmsg(msg, used, IPPROTO_IPV6, IPV6_TCLASS, &tc,
			    sizeof(tc));
	}
}

/* The control messages of a received datagram, in Linux's order
 * (udp_recvmsg, udpv6_recvmsg): sock_recv_cmsgs (timestamp, then
 * SO_RXQ_OVFL), then on an IPv6 socket IPV6_PKTINFO, then the IPv4
 * options of an IPv4 datagram or the IPv6 ones of an IPv6 datagram. */
static void put_cmsgs(struct ns_sock *sk, struct msghdr *msg,
		      struct ns_pkt *pkt)
{
	size_t used = 0;
	if (sk->opt & NS_SO_TIMESTAMP) {
		/* Times are on the stack's clock (config.clock). */
		struct timeval tv = {
			.tv_sec = (time_t)(pkt->tstamp_ns / 1000000000ull),
			.tv_usec = (suseconds_t)(pkt->tstamp_ns %
						 1000000000ull / 1000)
		};
		ns_put_cmsg(msg, &used, SOL_SOCKET, SO_TIMESTAMP_OLD, &tv,
			    sizeof(tv));
	} else if (sk->opt & NS_SO_TIMESTAMPNS) {
		struct timespec ts = {
			.tv_sec = (time_t)(pkt->tstamp_ns / 1000000000ull),
			.tv_nsec = (long)(pkt->tstamp_ns % 1000000000ull)
		};
		ns_put_cmsg(msg, &used, SOL_SOCKET, SO_TIMESTAMPNS_OLD, &ts,
			    sizeof(ts));
	}
	if (sk->opt & NS_SO_RXQ_OVFL) {
		uint32_t drops = (uint32_t)sk->drops;
		ns_put_cmsg(msg, &used, SOL_SOCKET, SO_RXQ_OVFL, &drops,
			    sizeof(drops));
	}
	bool v4pkt = !(dcb(pkt)->meta.flags & NS_RX_V6);
	if (sk->family == AF_INET6)
		put_v6_common_cmsgs(sk, msg, &used, pkt);
	if (v4pkt)
		put_v4_cmsgs(sk, msg, &used, pkt);
	else if (sk->family == AF_INET6)
		put_v6_cmsgs(sk, msg, &used, pkt);
	msg->msg_controllen = used;
}

static void set_name(struct ns_sock *sk, struct msghdr *msg,
		     const struct ns_addr *addr, uint16_t port,
		     uint32_t scope_id)
{
	if (msg->msg_name == NULL) {
		msg->msg_namelen = 0;
		return;
	}
	socklen_t len = msg->msg_namelen;
	ns_sockaddr_export(sk, addr, port, scope_id, msg->msg_name, &len);
	msg->msg_namelen = len;
}

/* Linux ip_recv_error / ipv6_recv_error. */
static ssize_t recv_error(struct ns_sock *sk, struct msghdr *msg, int flags,
			  const struct ns_memio *io)
{
	struct ns_pkt *pkt = sk->errq.first;
	if (pkt == NULL)
		return -EAGAIN;
	struct ns_iov_iter it;
	ns_iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, io);
	ssize_t total = ns_iov_length(msg->msg_iov, msg->msg_iovlen);
	if (total < 0)
		return total;
	uint32_t copy = (size_t)total < pkt->len ? (uint32_t)total : pkt->len;
	msg->msg_flags = 0;
	if (copy < pkt->len)
		msg->msg_flags |= MSG_TRUNC;
	ssize_t r = ns_iov_copy_pkt(&it, pkt, 0, copy);
	if (r < 0)
		return r;
	struct err_cb *e = ecb(pkt);
	set_name(sk, msg, &e->dst, e->port, 0);
	struct {
		struct sock_extended_err ee;
		union {
			struct sockaddr_in in;
			struct sockaddr_in6 in6;
		} off;
	} ext;
	memset(&ext, 0, sizeof(ext));
	ext.ee.ee_errno = e->err;
	ext.ee.ee_origin = e->origin;
	ext.ee.ee_type = e->type;
	ext.ee.ee_code = e->code;
	ext.ee.ee_info = e->info;
	size_t used = 0;
	/* Linux ipv6_recv_error: an IPv6 socket reports IPv4 errors too,
	 * with a v4-mapped offender. */
	if (sk->family == AF_INET6) {
		ext.off.in6.sin6_family = AF_INET6;
		memcpy(ext.off.in6.sin6_addr.s6_addr, e->offender.b, 16);
		ns_put_cmsg(msg, &used, IPPROTO_IPV6, IPV6_RECVERR, &ext,
			    sizeof(ext.ee) + sizeof(ext.off.in6));
	} else {
		ext.off.in.sin_family = AF_INET;
		memcpy(&ext.off.in.sin_addr, ns_addr_v4(&e->offender), 4);
		ns_put_cmsg(msg, &used, IPPROTO_IP, IP_RECVERR, &ext,
			    sizeof(ext.ee) + sizeof(ext.off.in));
	}
	msg->msg_controllen = used;
	msg->msg_flags |= MSG_ERRQUEUE;
	if (!(flags & MSG_PEEK)) {
		ns_pkt_queue_pop(&sk->errq);
		sk->rcv_mem -= e->truesize;
		ns_pkt_free(pkt);
		/* sock_dequeue_err_skb: SO_ERROR becomes the next one's. */
		sk->err = sk->errq.first ? ecb(sk->errq.first)->err : 0;
	}
	return r;
}

void ns_dgram_errq_purge(struct ns_sock *sk)
{
	struct ns_pkt *pkt;
	while ((pkt = ns_pkt_queue_pop(&sk->errq)) != NULL) {
		sk->rcv_mem -= ecb(pkt)->truesize;
		ns_pkt_free(pkt);
	}
}

ssize_t ns_dgram_recvmsg(struct ns_sock *sk, struct msghdr *msg, int flags,
			 const struct ns_memio *io)
{
	if (flags & MSG_ERRQUEUE)
		return recv_error(sk, msg, flags, io);
	if (sk->err)
		return ns_sock_error(sk);
	struct ns_pkt *pkt = sk->rcvq.first;
	if (pkt == NULL)
		return (sk->shutdown & NS_SHUT_RD) ? 0 : -EAGAIN;
	ssize_t total = ns_iov_length(msg->msg_iov, msg->msg_iovlen);
	if (total < 0)
		return total;
	uint32_t dlen = pkt->len;
	uint32_t copy = (size_t)total < dlen ? (uint32_t)total : dlen;
	struct ns_iov_iter it;
	ns_iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, io);
	ssize_t r = ns_iov_copy_pkt(&it, pkt, 0, copy);
	bool peek = flags & MSG_PEEK;
	if (r < 0) {
		/* Linux udp_recvmsg: a fault loses the datagram. */
		if (!peek) {
			ns_pkt_queue_pop(&sk->rcvq);
			sk->rcv_mem -= dcb(pkt)->truesize;
			sk->drops++;
			ns_pkt_free(pkt);
		}
		return r;
	}
	msg->msg_flags = copy < dlen ? MSG_TRUNC : 0;
	struct ns_rxmeta *m = &dcb(pkt)->meta;
	set_name(sk, msg, &m->src, dcb(pkt)->sport, pkt->ifindex);
	put_cmsgs(sk, msg, pkt);
	/* SIOCGSTAMP's answer: the last datagram read (Linux
	 * sock_recv_timestamp writes sk_stamp). */
	sk->rx_stamp_ns = (int64_t)pkt->tstamp_ns;
	if (!peek) {
		ns_pkt_queue_pop(&sk->rcvq);
		sk->rcv_mem -= dcb(pkt)->truesize;
		ns_pkt_free(pkt);
	}
	return (flags & MSG_TRUNC) ? (ssize_t)dlen : (ssize_t)copy;
}

uint32_t ns_dgram_poll(struct ns_sock *sk)
{
	uint32_t mask = 0;
	if (sk->err || sk->errq.count)
		mask |= EPOLLERR;
	if (sk->shutdown & NS_SHUT_RD)
		mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (sk->shutdown == (NS_SHUT_RD | NS_SHUT_WR))
		mask |= EPOLLHUP;
	if (sk->rcvq.count)
		mask |= EPOLLIN | EPOLLRDNORM;
	/* Datagrams are sent at once or queued on a neighbour: always
	 * writable, as Linux's sock_writeable is for UDP in practice. */
	mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	return mask;
}

int ns_dgram_ioctl(struct ns_sock *sk, unsigned long cmd, void *arg)
{
	int v;
	switch (cmd) {
	case FIONREAD: /* SIOCINQ */
		/* Linux udp_ioctl: the size of the next datagram. */
		v = sk->rcvq.first ? (int)sk->rcvq.first->len : 0;
		break;
	case TIOCOUTQ: /* SIOCOUTQ */
		v = 0;
		break;
	default:
		return -ENOTTY;
	}
	if (arg == NULL)
		return -EFAULT;
	memcpy(arg, &v, sizeof(v));
	return 0;
}

void ns_dgram_icmp_error(struct ns_sock *sk, const struct ns_icmp_err *e,
			 uint32_t skip, uint16_t port)
{
	bool recverr = sk->opt & (e->v6 ? NS_IPV6_RECVERR : NS_IP_RECVERR);
	if (!recverr) {
		if (!e->fatal || sk->state != NS_TCP_ESTABLISHED)
			return;
	} else if (sk->rcv_mem <= (uint32_t)sk->rcvbuf && e->th_len >= skip) {
		uint32_t n = e->th_len - skip;
		struct ns_pkt *pkt = ns_pkt_alloc(0, n);
		if (pkt) {
			memcpy(ns_pkt_put(pkt, n), e->th + skip, n);
			struct err_cb *c = ecb(pkt);
			memset(c, 0, sizeof(*c));
			c->offender = e->from;
			c->dst = e->dst;
			c->info = e->info;
			c->port = port;
			c->err = (uint8_t)e->err;
			c->origin =
				e->v6 ? SO_EE_ORIGIN_ICMP6 : SO_EE_ORIGIN_ICMP;
			c->type = e->type;
			c->code = e->code;
			c->truesize = ns_pkt_truesize(pkt);
			sk->rcv_mem += c->truesize;
			ns_pkt_queue_push(&sk->errq, pkt);
		}
	}
	sk->err = e->err;
	ns_sock_wake(sk, EPOLLERR);
}

void ns_dgram_queues(const struct ns_sock *sk, uint32_t *rx, uint32_t *tx)
{
	*rx = sk->rcv_mem;
	*tx = 0;
}
