/* TCP sendmsg / recvmsg (Linux tcp_sendmsg_locked, tcp_recvmsg_locked),
 * urgent data with Linux's one-byte semantics (tcp_recv_urg), and
 * readiness (tcp_poll). */
#include <errno.h>
#include <sys/epoll.h>

#include "tcp.h"
#include "tcp_seq.h"

/* ---- Sending ------------------------------------------------------------ */

static int copy_from_iov(void *ctx, void *dst, size_t len)
{
	return ns_iov_copy_from(ctx, dst, len);
}

static uint32_t notsent_bytes(const struct tcp_sock *tp)
{
	uint32_t n = tp->sndq.end_seq - tp->snd_nxt;
	return tp->fin_sent ? 0 : n;
}

bool ns_tcp_notsent_ok(const struct tcp_sock *tp, int wake)
{
	if (tp->notsent_lowat == 0)
		return true;
	return ((uint64_t)notsent_bytes(tp) << wake) < tp->notsent_lowat;
}

ssize_t ns_tcp_sendmsg(struct ns_sock *sk, const struct msghdr *msg, int flags,
		       const struct ns_memio *io)
{
	struct tcp_sock *tp = tcp_sk(sk);
	ssize_t total = ns_iov_length(msg->msg_iov, msg->msg_iovlen);
	if (total < 0)
		return total;
	if (sk->err)
		return ns_sock_error(sk);
	if (sk->shutdown & NS_SHUT_WR)
		return -EPIPE;
	switch (sk->state) {
	case NS_TCP_ESTABLISHED:
	case NS_TCP_CLOSE_WAIT:
		break;
	case NS_TCP_SYN_SENT:
	case NS_TCP_SYN_RECV:
		/* Linux sk_stream_wait_connect, non-blocking. */
		return -EAGAIN;
	default:
		return -EPIPE;
	}
	if (total == 0)
		return 0;
	uint32_t space = ns_tcp_send_space(tp);
	if (space == 0 || !ns_tcp_notsent_ok(tp, 0)) {
		tp->nospace = true;
		return -EAGAIN;
	}
	if (tp->notsent_lowat) {
		/* Linux checks the limit before each new buffer, so a write
		 * goes up to a segment beyond it. */
		uint32_t mss = tp->mss_cache ? tp->mss_cache : TCP_DEFAULT_MSS;
		uint64_t room = tp->notsent_lowat - notsent_bytes(tp);
		room += mss - 1 - (room + mss - 1) % mss; /* no wrap: 64 bits */
		if (room < space)
			space = (uint32_t)room;
	}
	uint32_t n = (size_t)total < space ? (uint32_t)total : space;
	if (n < (size_t)total)
		tp->nospace = true;
	struct ns_iov_iter it;
	ns_iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, io);
	ssize_t r = ns_tcp_sndbuf_write(&tp->sndq, n, copy_from_iov, &it);
	if (r <= 0)
		return r == 0 ? -EFAULT : r;
	if (flags & MSG_OOB) {
		/* The urgent pointer marks the end of this write (Linux
		 * tcp_mark_urg): its last byte is the urgent one. */
		tp->snd_up = tp->sndq.end_seq;
		tp->urg_mode = true;
	}
	ns_tcp_push_more(tp, flags & MSG_MORE);
	return r;
}

void ns_tcp_check_space(struct tcp_sock *tp)
{
	if (!tp->nospace)
		return;
	/* Linux sk_stream_is_writeable: a third of the buffer free, and
	 * the unsent bytes under half of TCP_NOTSENT_LOWAT. */
	uint32_t cap = ns_tcp_win_from_space((uint32_t)tp->sk.sndbuf);
	uint32_t used = ns_tcp_sndbuf_bytes(&tp->sndq);
	if (used > cap || cap - used < used / 2 || !ns_tcp_notsent_ok(tp, 1))
		return;
	tp->nospace = false;
	ns_sock_wake(&tp->sk, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
}

/* ---- Receiving ------------------------------------------------------------ */

struct rd_ctx {
	struct ns_iov_iter *it;
	bool discard; /* MSG_TRUNC: drop the bytes */
};

static ssize_t copy_to_iov(void *ctx, const struct ns_pkt *pkt, uint32_t off,
			   uint32_t len)
{
	struct rd_ctx *c = ctx;
	if (c->discard)
		return len;
	return ns_iov_copy_pkt(c->it, pkt, off, len);
}

/* The peer's FIN is in rcv_nxt in these states. */
static bool peer_fin_received(const struct ns_sock *sk)
{
	return sk->state == NS_TCP_CLOSE_WAIT || sk->state == NS_TCP_LAST_ACK ||
	       sk->state == NS_TCP_CLOSING || sk->state == NS_TCP_TIME_WAIT;
}

/* MSG_OOB (Linux tcp_recv_urg). */
static ssize_t recv_urg(struct tcp_sock *tp, struct msghdr *msg, int flags,
			size_t len, const struct ns_memio *io)
{
	struct ns_sock *sk = &tp->sk;
	if ((sk->opt & NS_SO_OOBINLINE) || tp->urg_data == 0 ||
	    (tp->urg_data & TCP_URG_READ))
		return -EINVAL;
	if (tp->urg_data & TCP_URG_VALID) {
		uint8_t byte = (uint8_t)tp->urg_data;
		if (!(flags & MSG_PEEK))
			tp->urg_data = TCP_URG_READ;
		msg->msg_flags |= MSG_OOB;
		if (len == 0) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		struct ns_iov_iter it;
		ns_iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, io);
		ssize_t r = ns_iov_copy_to(&it, &byte, 1);
		return r < 0 ? r : 1;
	}
	if (sk->state == NS_TCP_CLOSE || (sk->shutdown & NS_SHUT_RD))
		return 0;
	return -EAGAIN;
}

/* Bytes readable before the urgent mark, skipping the urgent byte when
 * it is next and not read inline (Linux tcp_recvmsg's urg handling: the
 * byte leaves the stream whether or not MSG_OOB read it). */
static uint32_t urg_limit(struct tcp_sock *tp, uint32_t want, bool peek)
{
	if (tp->urg_data == 0 || (tp->sk.opt & NS_SO_OOBINLINE))
		return want;
	uint32_t off = tp->urg_seq - tp->copied_seq;
	if (off == 0 && (tp->urg_data & (TCP_URG_VALID | TCP_URG_READ)) &&
	    !peek && tp->rcvq.inq.bytes) {
		ns_tcp_rcvq_skip(&tp->rcvq, 1);
		tp->copied_seq++;
		return want;
	}
	if (off && off < want)
		return off;
	return want;
}

/* Receive-buffer auto-tuning after a read. */
static void space_adjust(struct tcp_sock *tp)
{
	uint32_t rcvbuf = (uint32_t)tp->sk.rcvbuf;
	if (ns_tcp_rcv_space_adjust(&tp->tune, tp->copied_seq,
				    tp->sk.stack->now, tp->advmss,
				    tp->sk.stack->sysctl.tcp_rmem[2],
				    tp->rcvbuf_locked, &rcvbuf)) {
		tp->sk.rcvbuf = (int)rcvbuf;
		uint32_t clamp = ns_tcp_win_from_space(rcvbuf);
		if (tp->window_clamp_user && tp->window_clamp_user < clamp)
			clamp = tp->window_clamp_user;
		if (clamp > tp->rwin.window_clamp)
			tp->rwin.window_clamp = clamp;
	}
}

ssize_t ns_tcp_recvmsg(struct ns_sock *sk, struct msghdr *msg, int flags,
		       const struct ns_memio *io)
{
	struct tcp_sock *tp = tcp_sk(sk);
	ssize_t total = ns_iov_length(msg->msg_iov, msg->msg_iovlen);
	if (total < 0)
		return total;
	/* A stream has no source address per read: recvfrom/recvmsg report
	 * a zero-length one (Linux's ____sys_recvmsg zeroes msg_namelen and
	 * tcp_recvmsg leaves it). */
	msg->msg_namelen = 0;
	msg->msg_flags = 0;
	msg->msg_controllen = 0;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	if (sk->state == NS_TCP_LISTEN)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return recv_urg(tp, msg, flags, (size_t)total, io);
	bool peek = flags & MSG_PEEK;
	uint32_t want =
		(size_t)total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	ssize_t got = 0;
	if (want && tp->rcvq.inq.bytes) {
		uint32_t limit = urg_limit(tp, want, peek);
		struct ns_iov_iter it;
		ns_iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, io);
		struct rd_ctx c = { &it, (flags & MSG_TRUNC) != 0 };
		got = ns_tcp_rcvq_read(&tp->rcvq, limit, copy_to_iov, &c, peek);
		if (got < 0)
			return got;
	}
	if (got > 0) {
		if (!peek) {
			tp->copied_seq += (uint32_t)got;
			if (tp->urg_data && seq_gt(tp->copied_seq, tp->urg_seq))
				tp->urg_data = 0;
			space_adjust(tp);
			ns_tcp_cleanup_rbuf(tp, (uint32_t)got);
		}
		return got;
	}
	if (want == 0 && tp->rcvq.inq.bytes)
		return 0;
	if (sk->err)
		return ns_sock_error(sk);
	if (sk->shutdown & NS_SHUT_RD) {
		/* tcp_recvmsg's found_fin_ok: reading the end of the stream
		 * consumes the FIN's sequence number. */
		if (!peek && peer_fin_received(sk) &&
		    tp->copied_seq + 1 == tp->rcv_nxt)
			tp->copied_seq = tp->rcv_nxt;
		return 0;
	}
	if (sk->state == NS_TCP_CLOSE)
		return tp->start_ns ? 0 : -ENOTCONN;
	return -EAGAIN;
}

/* ---- Readiness (Linux tcp_poll) -------------------------------------------- */

/* Linux tcp_epollin_ready: SO_RCVLOWAT's bytes are there, or waiting for
 * them is pointless: the buffer is nearly full (tcp_rmem_pressure, 7/8)
 * or the window left cannot take another of the peer's segments. */
static bool epollin_ready(const struct tcp_sock *tp, uint32_t target)
{
	uint32_t avail = tp->rcvq.inq.bytes;
	if (avail == 0)
		return false;
	if (avail >= target)
		return true;
	uint32_t rcvbuf = (uint32_t)tp->sk.rcvbuf;
	if (tp->rcvq.mem > rcvbuf - rcvbuf / 8)
		return true;
	return ns_tcp_receive_window(&tp->rwin) <= tp->delack.rcv_mss;
}

uint32_t ns_tcp_poll(struct ns_sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t ev = 0;
	if (sk->state == NS_TCP_LISTEN)
		return tp->lst->acceptq_len ? EPOLLIN | EPOLLRDNORM : 0;
	if (sk->shutdown == (NS_SHUT_RD | NS_SHUT_WR) ||
	    sk->state == NS_TCP_CLOSE)
		ev |= EPOLLHUP;
	if (sk->shutdown & NS_SHUT_RD)
		ev |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (sk->state != NS_TCP_SYN_SENT && sk->state != NS_TCP_SYN_RECV) {
		uint32_t lowat = sk->rcvlowat > 0 ? (uint32_t)sk->rcvlowat : 1;
		if (epollin_ready(tp, lowat) ||
		    (tp->rcvq.inq.bytes && (sk->shutdown & NS_SHUT_RD)))
			ev |= EPOLLIN | EPOLLRDNORM;
		if (!(sk->shutdown & NS_SHUT_WR)) {
			uint32_t cap =
				ns_tcp_win_from_space((uint32_t)sk->sndbuf);
			uint32_t used = ns_tcp_sndbuf_bytes(&tp->sndq);
			if (used <= cap && cap - used >= used / 2 &&
			    ns_tcp_notsent_ok(tp, 1))
				ev |= EPOLLOUT | EPOLLWRNORM;
			else
				tp->nospace = true;
		} else {
			/* A write fails at once: report it writable. */
			ev |= EPOLLOUT | EPOLLWRNORM;
		}
		if (tp->urg_data & TCP_URG_VALID)
			ev |= EPOLLPRI;
	}
	if (sk->err)
		ev |= EPOLLERR;
	return ev;
}
