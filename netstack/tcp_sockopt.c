/* IPPROTO_TCP options with Linux's checks (do_tcp_setsockopt,
 * do_tcp_getsockopt), TCP_INFO (tcp_get_info), the SOL_SOCKET options TCP
 * reacts to, and the socket ioctls. */
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "netstack/tcp_info.h"
#include "tcp.h"
#include "tcp_seq.h"

/* Linux MAX_TCP_KEEPIDLE / KEEPINTVL / KEEPCNT, TCP_FIN_TIMEOUT_MAX. */
#define MAX_KEEPIDLE	  32767
#define MAX_KEEPINTVL	  32767
#define MAX_KEEPCNT	  127
#define MAX_SYNCNT	  127
#define FIN_TIMEOUT_MAX_S 120
/* Linux SOCK_MIN_RCVBUF / 2: the smallest TCP_WINDOW_CLAMP. */
#define MIN_WINDOW_CLAMP 1152

static int get_int(const void *val, socklen_t len, int *v)
{
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

static int put_bytes(void *val, socklen_t *len, const void *src, size_t n)
{
	size_t out = (size_t)*len < n ? (size_t)*len : n;
	memcpy(val, src, out);
	*len = (socklen_t)out;
	return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
	return put_bytes(val, len, &v, sizeof(v));
}

/* TCP_DEFER_ACCEPT's seconds in SYN-ACK retransmissions and back (Linux
 * secs_to_retrans / retrans_to_secs, from a 1 s start doubling to
 * 120 s). */
static int secs_to_retrans(int secs)
{
	int res = 0;
	if (secs > 0) {
		int timeout = 1, period = 1;
		res = 1;
		while (secs > period && res < 255) {
			res++;
			timeout <<= 1;
			if (timeout > 120)
				timeout = 120;
			period += timeout;
		}
	}
	return res;
}

static int retrans_to_secs(int retrans)
{
	int period = 0;
	if (retrans > 0) {
		int timeout = 1;
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > 120)
				timeout = 120;
			period += timeout;
		}
	}
	return period;
}

static int set_congestion(struct tcp_sock *tp, const void *val, socklen_t len)
{
	char name[TCP_CA_NAME_MAX];
	if (len <= 0)
		return -EINVAL;
	size_t n =
		(size_t)len < sizeof(name) - 1 ? (size_t)len : sizeof(name) - 1;
	memcpy(name, val, n);
	name[n] = 0;
	const struct tcp_cc_ops *ops = ns_tcp_cc_find(name);
	if (ops == NULL)
		return -ENOENT;
	if (ops != tp->cc.ops)
		ns_tcp_cc_switch(&tp->cc, ops);
	return 0;
}

static int tcp_level_set(struct tcp_sock *tp, int name, const void *val,
			 socklen_t len)
{
	struct ns_sock *sk = &tp->sk;
	if (name == TCP_CONGESTION)
		return set_congestion(tp, val, len);
	int v;
	if (get_int(val, len, &v) < 0)
		return -EINVAL;
	switch (name) {
	case TCP_NODELAY:
		tp->nodelay = v != 0;
		if (tp->nodelay)
			ns_tcp_push(tp);
		return 0;
	case TCP_CORK:
		tp->cork = v != 0;
		if (!tp->cork)
			ns_tcp_push(tp);
		return 0;
	case TCP_MAXSEG:
		if (v && (v < TCP_MIN_MSS || v > (int)TCP_MAX_WINDOW))
			return -EINVAL;
		tp->user_mss = (uint16_t)v;
		return 0;
	case TCP_KEEPIDLE:
		if (v < 1 || v > MAX_KEEPIDLE)
			return -EINVAL;
		tp->keepidle = v;
		ns_tcp_keepalive_rearm(tp);
		return 0;
	case TCP_KEEPINTVL:
		if (v < 1 || v > MAX_KEEPINTVL)
			return -EINVAL;
		tp->keepintvl = v;
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > MAX_KEEPCNT)
			return -EINVAL;
		tp->keepcnt = v;
		return 0;
	case TCP_SYNCNT:
		if (v < 1 || v > MAX_SYNCNT)
			return -EINVAL;
		tp->syncnt = v;
		return 0;
	case TCP_LINGER2:
		tp->linger2 =
			v < 0 ? -1
			      : (v > FIN_TIMEOUT_MAX_S ? FIN_TIMEOUT_MAX_S : v);
		return 0;
	case TCP_DEFER_ACCEPT:
		tp->defer_accept = secs_to_retrans(v);
		return 0;
	case TCP_WINDOW_CLAMP:
		if (v == 0) {
			if (sk->state != NS_TCP_CLOSE)
				return -EINVAL;
			tp->window_clamp_user = 0;
			return 0;
		}
		if (v < 0)
			return -EINVAL;
		tp->window_clamp_user =
			v < MIN_WINDOW_CLAMP ? MIN_WINDOW_CLAMP : (uint32_t)v;
		if (tp->rwin.window_clamp > tp->window_clamp_user)
			tp->rwin.window_clamp = tp->window_clamp_user;
		return 0;
	case TCP_QUICKACK:
		if (v == 0) {
			tp->delack.pingpong = TCP_PINGPONG_THRESH;
		} else {
			tp->delack.pingpong = 0;
			if ((sk->state == NS_TCP_ESTABLISHED ||
			     sk->state == NS_TCP_CLOSE_WAIT) &&
			    (tp->delack.pending & TCP_ACK_SCHED)) {
				tp->delack.pending |= TCP_ACK_PUSHED;
				ns_tcp_cleanup_rbuf(tp, 1);
			}
		}
		return 0;
	case TCP_USER_TIMEOUT:
		if (v < 0)
			return -EINVAL;
		tp->user_timeout_ms = (uint32_t)v;
		return 0;
	case TCP_NOTSENT_LOWAT:
		tp->notsent_lowat = (uint32_t)v;
		ns_tcp_check_space(tp);
		return 0;
	case TCP_FASTOPEN:
		/* Accepted and remembered as Linux does; with its default
		 * net.ipv4.tcp_fastopen = 1 (client only) a listener never
		 * takes data in a SYN, so neither does this one. */
		if (v < 0 ||
		    (sk->state != NS_TCP_CLOSE && sk->state != NS_TCP_LISTEN))
			return -EINVAL;
		tp->fastopen_qlen = (uint32_t)v < TCP_SOMAXCONN ? (uint32_t)v
								: TCP_SOMAXCONN;
		return 0;
	case TCP_FASTOPEN_CONNECT:
		/* Remembered; the connection opens with a plain handshake
		 * (Linux's, without a cached cookie, differs only by a
		 * cookie request option in the SYN). */
		if (v < 0 || v > 1)
			return -EINVAL;
		if (sk->state != NS_TCP_CLOSE)
			return -EINVAL;
		tp->fastopen_connect = v != 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* Linux tcp_set_rcvlowat: a low-water mark the buffer could never hold
 * would keep the socket unreadable for good, so it is capped at half the
 * buffer (an SO_RCVBUF one) or half of tcp_rmem[2], and an unlocked buffer
 * grows to hold it, its window clamp with it. */
static void set_rcvlowat(struct tcp_sock *tp)
{
	struct ns_sock *sk = &tp->sk;
	uint32_t cap = tp->rcvbuf_locked ? (uint32_t)sk->rcvbuf / 2
					 : sk->stack->sysctl.tcp_rmem[2] / 2;
	uint32_t v = (uint32_t)sk->rcvlowat;
	if (v > cap)
		v = cap;
	sk->rcvlowat = v ? (int)v : 1;
	if (tp->rcvq.inq.bytes)
		ns_sock_wake(sk, EPOLLIN | EPOLLRDNORM);
	if (tp->rcvbuf_locked)
		return;
	uint32_t space = ns_tcp_space_from_win(v);
	if (space > (uint32_t)sk->rcvbuf) {
		sk->rcvbuf = (int)space;
		tp->rwin.window_clamp = v;
	}
}

int ns_tcp_setsockopt(struct ns_sock *sk, int level, int name, const void *val,
		      socklen_t len)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (level == IPPROTO_TCP)
		return tcp_level_set(tp, name, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	/* Options the core stores and TCP reacts to. */
	int r;
	switch (name) {
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		r = ns_sock_setsockopt_common(sk, level, name, val, len);
		if (r == 0) {
			/* Explicit sizes switch auto-tuning off (Linux
			 * SOCK_RCVBUF_LOCK). */
			tp->rcvbuf_locked = true;
			if (sk->state == NS_TCP_ESTABLISHED ||
			    sk->state == NS_TCP_CLOSE_WAIT) {
				tp->rwin.window_clamp = ns_tcp_win_from_space(
					(uint32_t)sk->rcvbuf);
				ns_tcp_cleanup_rbuf(tp, 1);
			}
		}
		return r;
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		r = ns_sock_setsockopt_common(sk, level, name, val, len);
		if (r == 0) {
			tp->sndbuf_locked = true;
			ns_tcp_check_space(tp);
		}
		return r;
	case SO_KEEPALIVE:
		r = ns_sock_setsockopt_common(sk, level, name, val, len);
		if (r == 0)
			ns_tcp_keepalive_rearm(tp);
		return r;
	case SO_RCVLOWAT:
		r = ns_sock_setsockopt_common(sk, level, name, val, len);
		if (r == 0)
			set_rcvlowat(tp);
		return r;
	default:
		return -ENOPROTOOPT;
	}
}

/* Linux tcp_get_info. */
static void get_info(struct tcp_sock *tp, struct ns_tcp_info *i)
{
	struct ns_sock *sk = &tp->sk;
	uint64_t now = sk->stack->now;
	memset(i, 0, sizeof(*i));
	i->state = sk->state;
	if (sk->state == NS_TCP_LISTEN) {
		/* Listeners report their queues (Linux). */
		i->unacked = tp->lst->acceptq_len;
		i->sacked = tp->lst->backlog;
		return;
	}
	i->ca_state = (uint8_t)tp->cc.state;
	i->retransmits = tp->retransmits;
	i->probes = tp->probes_out;
	i->backoff = tp->rtt.backoff;
	if (tp->ts_ok)
		i->options |= NS_TCPI_OPT_TIMESTAMPS;
	if (tp->sack_ok)
		i->options |= NS_TCPI_OPT_SACK;
	if (tp->wscale_ok) {
		i->options |= NS_TCPI_OPT_WSCALE;
		i->snd_wscale = tp->snd_wscale & 0xf;
		i->rcv_wscale = tp->rwin.rcv_wscale & 0xf;
	}
	i->rto = (uint32_t)(ns_tcp_rtt_timeout(&tp->rtt) / 1000);
	i->ato = (uint32_t)(tp->delack.ato / 1000);
	i->snd_mss = tp->mss_cache;
	i->rcv_mss = tp->delack.rcv_mss;
	i->unacked = tp->sb.count;
	i->sacked = tp->sb.sacked_out;
	i->lost = tp->sb.lost_out;
	i->retrans = tp->sb.retrans_out;
	i->last_data_sent = (uint32_t)((now - tp->lsndtime) / NS_MSEC);
	i->last_data_recv = (uint32_t)((now - tp->lrcvtime) / NS_MSEC);
	i->last_ack_recv = (uint32_t)((now - tp->rcv_tstamp) / NS_MSEC);
	struct ns_dst *d;
	if (sk->state != NS_TCP_CLOSE && ns_sock_route(sk, &d) == 0)
		i->pmtu = d->mtu;
	i->rcv_ssthresh = tp->rwin.rcv_ssthresh;
	i->rtt = (uint32_t)(tp->rtt.srtt / 1000);
	i->rttvar = (uint32_t)(tp->rtt.rttvar / 1000);
	i->snd_ssthresh = tp->cc.ssthresh;
	i->snd_cwnd = tp->cc.cwnd;
	i->advmss = tp->advmss;
	i->reordering = 3;
	i->rcv_rtt = (uint32_t)(tp->tune.rtt8 / 8 / 1000);
	i->rcv_space = tp->tune.space;
	i->total_retrans = tp->total_retrans;
	i->pacing_rate = UINT64_MAX;
	i->max_pacing_rate = UINT64_MAX;
	i->bytes_acked = tp->bytes_acked;
	i->bytes_received = tp->bytes_received;
	i->segs_out = tp->segs_out;
	i->segs_in = tp->segs_in;
	i->notsent_bytes = tp->sndq.end_seq - tp->snd_nxt;
	if (tp->fin_sent && i->notsent_bytes == UINT32_MAX)
		i->notsent_bytes = 0;
	i->min_rtt = (uint32_t)(ns_tcp_rtt_min(&tp->rtt) / 1000);
	if (i->min_rtt == 0)
		i->min_rtt = UINT32_MAX;
	i->data_segs_in = tp->data_segs_in;
	i->data_segs_out = tp->data_segs_out;
	i->delivered = tp->delivered;
	i->bytes_sent = tp->bytes_sent;
	i->bytes_retrans = tp->bytes_retrans;
	i->dsack_dups = tp->dsack_dups;
	i->reord_seen = tp->reord_seen;
	i->rcv_ooopack = tp->rcv_ooopack;
	i->snd_wnd = tp->snd_wnd;
}

static int tcp_level_get(struct tcp_sock *tp, int name, void *val,
			 socklen_t *len)
{
	struct ns_sock *sk = &tp->sk;
	switch (name) {
	case TCP_NODELAY:
		return put_int(val, len, tp->nodelay);
	case TCP_CORK:
		return put_int(val, len, tp->cork);
	case TCP_MAXSEG: {
		int v = tp->user_mss ? tp->user_mss : TCP_DEFAULT_MSS;
		if (sk->state == NS_TCP_ESTABLISHED ||
		    sk->state == NS_TCP_CLOSE_WAIT)
			v = tp->mss_cache;
		return put_int(val, len, v);
	}
	case TCP_KEEPIDLE:
		return put_int(val, len, tp->keepidle);
	case TCP_KEEPINTVL:
		return put_int(val, len, tp->keepintvl);
	case TCP_KEEPCNT:
		return put_int(val, len, tp->keepcnt);
	case TCP_SYNCNT:
		return put_int(val, len,
			       tp->syncnt ? tp->syncnt : TCP_SYN_RETRIES);
	case TCP_LINGER2:
		return put_int(val, len,
			       tp->linger2 < 0
				       ? -1
				       : (tp->linger2
						  ? tp->linger2
						  : tp->sk.stack->sysctl
							    .tcp_fin_timeout));
	case TCP_DEFER_ACCEPT:
		return put_int(val, len, retrans_to_secs(tp->defer_accept));
	case TCP_WINDOW_CLAMP:
		return put_int(val, len,
			       (int)(tp->window_clamp_user
					     ? tp->window_clamp_user
					     : tp->rwin.window_clamp));
	case TCP_QUICKACK:
		return put_int(val, len,
			       !ns_tcp_delack_in_pingpong(&tp->delack));
	case TCP_USER_TIMEOUT:
		return put_int(val, len, (int)tp->user_timeout_ms);
	case TCP_NOTSENT_LOWAT:
		return put_int(val, len, (int)tp->notsent_lowat);
	case TCP_FASTOPEN:
		return put_int(val, len, (int)tp->fastopen_qlen);
	case TCP_FASTOPEN_CONNECT:
		return put_int(val, len, tp->fastopen_connect);
	case TCP_CONGESTION: {
		char name_buf[TCP_CA_NAME_MAX] = { 0 };
		strncpy(name_buf, tp->cc.ops->name, sizeof(name_buf) - 1);
		return put_bytes(val, len, name_buf, sizeof(name_buf));
	}
	case TCP_INFO: {
		struct ns_tcp_info info;
		get_info(tp, &info);
		return put_bytes(val, len, &info, sizeof(info));
	}
	default:
		return -ENOPROTOOPT;
	}
}

int ns_tcp_getsockopt(struct ns_sock *sk, int level, int name, void *val,
		      socklen_t *len)
{
	if (level == IPPROTO_TCP)
		return tcp_level_get(tcp_sk(sk), name, val, len);
	return -ENOPROTOOPT;
}

int ns_tcp_ioctl(struct ns_sock *sk, unsigned long cmd, void *arg)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int v;
	switch (cmd) {
	case SIOCINQ:
		if (sk->state == NS_TCP_LISTEN)
			return -EINVAL;
		v = (int)tp->rcvq.inq.bytes;
		break;
	case SIOCOUTQ:
		if (sk->state == NS_TCP_LISTEN)
			return -EINVAL;
		v = (int)ns_tcp_sndbuf_bytes(&tp->sndq);
		break;
	case SIOCOUTQNSD:
		if (sk->state == NS_TCP_LISTEN)
			return -EINVAL;
		v = (int)(tp->sndq.end_seq - tp->snd_nxt);
		if (v < 0)
			v = 0;
		break;
	case SIOCATMARK:
		v = tp->urg_data && tp->urg_seq == tp->copied_seq;
		break;
	default:
		return -ENOTTY;
	}
	memcpy(arg, &v, sizeof(v));
	return 0;
}
