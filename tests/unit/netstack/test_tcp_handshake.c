/* TCP connection establishment, segment by segment: active and passive
 * opens with option negotiation, MSS clamping to the route, SYN
 * retransmission with backoff and its timeout, refusal, bad SYN-ACKs,
 * simultaneous open, accept-queue overflow, SYN cookies, deferred accept
 * and the listen backlog cap. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "netstack/tcp_info.h"
#include "tcp_pkt.h"

#define MS  1000000ull
#define SEC 1000000000ull

static struct ns_tcp_opts full_opts(uint16_t mss, uint8_t ws, uint32_t tsval,
				    uint32_t tsecr)
{
	return (struct ns_tcp_opts){ .present =
					     TCP_OPT_F_MSS | TCP_OPT_F_WSCALE |
					     TCP_OPT_F_SACK_PERM | TCP_OPT_F_TS,
				     .mss = mss,
				     .wscale = ws,
				     .ts_val = tsval,
				     .ts_ecr = tsecr };
}

static struct ns_socket *connect_to_peer(struct tp_peer *p)
{
	struct ns_socket *s;
	assert_int_equal(ns_socket_create(tp_stack(p),
					  p->v6 ? AF_INET6 : AF_INET,
					  SOCK_STREAM, 0, &s),
			 0);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(p, false, p->dport, &ss);
	assert_int_equal(ns_socket_bind(s, (struct sockaddr *)&ss, len), 0);
	len = tp_addr(p, true, p->sport, &ss);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	return s;
}

static struct ns_socket *listen_on(struct tp_peer *p, int backlog)
{
	struct ns_socket *l;
	assert_int_equal(ns_socket_create(tp_stack(p),
					  p->v6 ? AF_INET6 : AF_INET,
					  SOCK_STREAM, 0, &l),
			 0);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(p, false, p->dport, &ss);
	assert_int_equal(ns_socket_bind(l, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_listen(l, backlog), 0);
	return l;
}

static void get_info(struct ns_socket *s, struct ns_tcp_info *info)
{
	socklen_t len = sizeof(*info);
	assert_int_equal(
		ns_socket_getsockopt(s, IPPROTO_TCP, TCP_INFO, info, &len), 0);
	assert_int_equal(len, sizeof(*info));
}

static void test_active_open_negotiates_options(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	/* Linux's SYN: MSS for the 1500 MTU, SACK-permitted, timestamps,
	 * window scale 7 for a 6 MB tcp_rmem[2]. */
	assert_int_equal(syn.flags, TP_SYN);
	assert_int_equal(syn.opts.present, TCP_OPT_F_MSS | TCP_OPT_F_WSCALE |
						   TCP_OPT_F_SACK_PERM |
						   TCP_OPT_F_TS);
	assert_int_equal(syn.opts.mss, 1460);
	assert_int_equal(syn.opts.wscale, 7);
	assert_int_equal(syn.opts.ts_ecr, 0);
	assert_int_equal(syn.win, 64240); /* Linux's, for MSS 1460 */
	assert_int_equal(ns_socket_poll(s) & EPOLLOUT, 0);
	struct ns_tcp_opts o = full_opts(1400, 5, 777, syn.opts.ts_val);
	/* A window of at least two segments, so that the MSS is the peer's
	 * (a smaller one would bound it, tcp_bound_to_half_wnd). */
	tp_send(&p, TP_SYN | TP_ACK, 5000, syn.seq + 1, 30000, &o, NULL, 0);
	struct tp_seg ack;
	tp_expect(&p, &ack);
	assert_int_equal(ack.flags, TP_ACK);
	assert_int_equal(ack.seq, syn.seq + 1);
	assert_int_equal(ack.ack, 5001);
	assert_int_equal(ack.opts.present, TCP_OPT_F_TS);
	assert_int_equal(ack.opts.ts_ecr, 777);
	assert_true(ns_socket_poll(s) & EPOLLOUT);
	struct ns_tcp_info info;
	get_info(s, &info);
	assert_int_equal(info.state, 1 /* ESTABLISHED */);
	assert_int_equal(info.options, NS_TCPI_OPT_TIMESTAMPS |
					       NS_TCPI_OPT_SACK |
					       NS_TCPI_OPT_WSCALE);
	assert_int_equal(info.snd_wscale, 5);
	assert_int_equal(info.rcv_wscale, 7);
	assert_int_equal(info.snd_mss, 1400 - 12);
	/* RFC 7323 2.2: the SYN-ACK's window is not scaled. */
	assert_int_equal(info.snd_wnd, 30000);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.ActiveOpens"), 1);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.CurrEstab"), 1);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_passive_open_mirrors_options(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, true, 50000, 8080);
	struct ns_socket *l = listen_on(&p, 8);
	/* Without window scaling or SACK from the peer, neither is used. */
	struct ns_tcp_opts o = { .present = TCP_OPT_F_MSS | TCP_OPT_F_TS,
				 .mss = 1200,
				 .ts_val = 42 };
	tp_send(&p, TP_SYN, 100, 0, 65535, &o, NULL, 0);
	struct tp_seg sa;
	tp_expect(&p, &sa);
	assert_int_equal(sa.flags, TP_SYN | TP_ACK);
	assert_int_equal(sa.ack, 101);
	assert_int_equal(sa.opts.present, TCP_OPT_F_MSS | TCP_OPT_F_TS);
	assert_int_equal(sa.opts.mss, 1500 - 40 - 20);
	assert_int_equal(sa.opts.ts_ecr, 42);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), -EAGAIN);
	o = (struct ns_tcp_opts){ .present = TCP_OPT_F_TS,
				  .ts_val = 43,
				  .ts_ecr = sa.opts.ts_val };
	tp_send(&p, TP_ACK, 101, sa.seq + 1, 65535, &o, NULL, 0);
	tp_expect_none(&p);
	assert_true(ns_socket_poll(l) & EPOLLIN);
	struct sockaddr_in6 peer;
	/* A negative address length is refused before the connection
	 * leaves the queue. */
	socklen_t plen = (socklen_t)-1;
	assert_int_equal(
		ns_socket_accept(l, &a, (struct sockaddr *)&peer, &plen, 0),
		-EINVAL);
	plen = sizeof(peer);
	assert_int_equal(
		ns_socket_accept(l, &a, (struct sockaddr *)&peer, &plen, 0), 0);
	assert_int_equal(ntohs(peer.sin6_port), 50000);
	struct ns_tcp_info info;
	get_info(a, &info);
	assert_int_equal(info.options, NS_TCPI_OPT_TIMESTAMPS);
	assert_int_equal(info.snd_mss, 1200 - 12);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.PassiveOpens"), 1);
	ns_socket_close(a);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_syn_without_options_uses_defaults(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 50000, 8080);
	struct ns_socket *l = listen_on(&p, 8);
	tp_send(&p, TP_SYN, 100, 0, 8192, NULL, NULL, 0);
	struct tp_seg sa;
	tp_expect(&p, &sa);
	/* Only our MSS (RFC 9293 3.7.1: the peer's is 536 by default). */
	assert_int_equal(sa.opts.present, TCP_OPT_F_MSS);
	tp_send(&p, TP_ACK, 101, sa.seq + 1, 8192, NULL, NULL, 0);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	struct ns_tcp_info info;
	get_info(a, &info);
	assert_int_equal(info.snd_mss, 536);
	assert_int_equal(info.options, 0);
	ns_socket_close(a);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_mss_follows_route_mtu_and_maxseg(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	ns_stack_nic_set_mtu(tp_stack(&p), p.solo.e.ifindex, 1280);
	struct ns_socket *s;
	assert_int_equal(
		ns_socket_create(tp_stack(&p), AF_INET, SOCK_STREAM, 0, &s), 0);
	int mss = 1000;
	assert_int_equal(ns_socket_setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss,
					      sizeof(mss)),
			 0);
	mss = 10;
	assert_int_equal(ns_socket_setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss,
					      sizeof(mss)),
			 -EINVAL);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, true, 80, &ss);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	assert_int_equal(syn.opts.mss, 1000);
	ns_socket_close(s);
	/* Without TCP_MAXSEG: the route's MTU (1280 - 40). */
	s = connect_to_peer(&p);
	tp_expect(&p, &syn);
	assert_int_equal(syn.opts.mss, 1240);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_syn_retransmits_with_backoff_then_times_out(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	/* RFC 6298 / Linux: 1 s, then doubling; 6 retries, ~127 s. */
	uint64_t gaps[6] = { 1, 2, 4, 8, 16, 32 };
	for (int i = 0; i < 6; i++) {
		assert_int_equal(tp_next_timer(&p, 200 * SEC), gaps[i] * SEC);
		struct tp_seg again;
		tp_expect(&p, &again);
		assert_int_equal(again.flags, TP_SYN);
		assert_int_equal(again.seq, syn.seq);
	}
	assert_int_equal(tp_next_timer(&p, 200 * SEC), 64 * SEC);
	tp_expect_none(&p);
	int err = 0;
	socklen_t len = sizeof(err);
	assert_int_equal(
		ns_socket_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	assert_int_equal(err, ETIMEDOUT);
	assert_true(ns_socket_poll(s) & EPOLLHUP);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSynRetrans"), 6);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.AttemptFails"), 1);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_rst_to_syn_refuses(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	/* A RST without an acceptable ACK is ignored (RFC 9293 3.10.7.3). */
	tp_send(&p, TP_RST | TP_ACK, 0, syn.seq + 7, 0, NULL, NULL, 0);
	assert_int_equal(ns_socket_poll(s) & EPOLLERR, 0);
	tp_send(&p, TP_RST | TP_ACK, 0, syn.seq + 1, 0, NULL, NULL, 0);
	uint32_t ev = ns_socket_poll(s);
	assert_true(ev & EPOLLERR);
	assert_true(ev & EPOLLHUP);
	char b;
	assert_int_equal(ns_socket_recvfrom(s, &b, 1, 0, NULL, NULL),
			 -ECONNREFUSED);
	assert_int_equal(ns_socket_recvfrom(s, &b, 1, 0, NULL, NULL), 0);
	tp_expect_none(&p);
	ns_socket_close(s);
	tp_free(&p);
}

/* An ICMP error whose quoted sequence is not the SYN's is forged (RFC 5927
 * 4.1) and leaves the attempt alone; after a refusal the same socket
 * connects again from a clean state (Linux allows it), once a connect()
 * has collected the outcome of the first attempt: ECONNABORTED, the
 * error itself being taken by the recv (Linux __inet_stream_connect's
 * sock_error path). */
static void test_forged_icmp_then_reconnect(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	struct tp_seg forged = syn;
	forged.seq += 1000;
	tp_send_icmp(&p, 3, 1, 0, &forged); /* host unreachable */
	assert_int_equal(ns_socket_poll(s) & EPOLLERR, 0);
	tp_send(&p, TP_RST | TP_ACK, 0, syn.seq + 1, 0, NULL, NULL, 0);
	char b;
	assert_int_equal(ns_socket_recvfrom(s, &b, 1, 0, NULL, NULL),
			 -ECONNREFUSED);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, true, p.sport, &ss);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -ECONNABORTED);
	tp_expect_none(&p);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	tp_expect(&p, &syn);
	assert_int_equal(syn.flags, TP_SYN);
	tp_send(&p, TP_SYN | TP_ACK, 9000, syn.seq + 1, 65535, NULL, NULL, 0);
	struct tp_seg ack;
	tp_expect(&p, &ack);
	assert_int_equal(ack.flags, TP_ACK);
	assert_int_equal(ack.ack, 9001);
	assert_true(ns_socket_poll(s) & EPOLLOUT);
	assert_int_equal(ns_socket_sendto(s, "hi", 2, 0, NULL, 0), 2);
	struct tp_seg data;
	tp_expect(&p, &data);
	assert_int_equal(data.seq, syn.seq + 1);
	assert_int_equal(data.len, 2);
	ns_socket_close(s);
	tp_free(&p);
}

static int sockerr(struct ns_socket *s)
{
	int err = -1;
	socklen_t len = sizeof(err);
	assert_int_equal(
		ns_socket_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	return err;
}

/* Linux __inet_stream_connect: a connect that ended is collected by the
 * next connect() (its error, or ECONNABORTED once SO_ERROR took the
 * error), and only the connect() after that starts over; a completed one
 * is collected as 0, later calls say EISCONN. A NULL address collects
 * without starting anything (the Sentry's woken blocking connect). */
static void test_connect_outcome_collected(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, true, p.sport, &ss);
	char b;
	/* Refused, error not read: the next connect reports it. */
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	assert_int_equal(ns_socket_connect(s, NULL, 0), -EALREADY);
	assert_int_equal(ns_socket_listen(s, 1), -EINVAL);
	tp_send(&p, TP_RST | TP_ACK, 0, syn.seq + 1, 0, NULL, NULL, 0);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -ECONNREFUSED);
	assert_int_equal(sockerr(s), 0);
	tp_expect_none(&p);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	tp_expect(&p, &syn);
	assert_int_equal(syn.flags, TP_SYN);
	ns_socket_close(s);
	tp_expect_none(&p);
	/* Refused, error read with SO_ERROR: ECONNABORTED, then anew. */
	s = connect_to_peer(&p);
	tp_expect(&p, &syn);
	tp_send(&p, TP_RST | TP_ACK, 0, syn.seq + 1, 0, NULL, NULL, 0);
	assert_int_equal(sockerr(s), ECONNREFUSED);
	assert_int_equal(ns_socket_connect(s, NULL, 0), -ECONNABORTED);
	assert_int_equal(ns_socket_connect(s, NULL, 0), -EPIPE);
	assert_int_equal(ns_socket_recvfrom(s, &b, 1, 0, NULL, NULL),
			 -ENOTCONN);
	assert_int_equal(ns_socket_listen(s, 1), 0);
	ns_socket_close(s);
	/* Refused, then shut down before collecting: the socket is
	 * disconnecting, where connect says EINVAL (inet_shutdown). */
	s = connect_to_peer(&p);
	tp_expect(&p, &syn);
	tp_send(&p, TP_RST | TP_ACK, 0, syn.seq + 1, 0, NULL, NULL, 0);
	assert_int_equal(ns_socket_shutdown(s, SHUT_RDWR), -ENOTCONN);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINVAL);
	ns_socket_close(s);
	/* Shut down while connecting: aborted, the socket is fresh again. */
	s = connect_to_peer(&p);
	tp_expect(&p, &syn);
	assert_int_equal(ns_socket_shutdown(s, SHUT_WR), 0);
	assert_int_equal(ns_socket_connect(s, NULL, 0), -EPIPE);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	tp_expect(&p, &syn);
	/* Completed: collected as 0, then EISCONN. */
	tp_send(&p, TP_SYN | TP_ACK, 9000, syn.seq + 1, 65535, NULL, NULL, 0);
	struct tp_seg ack;
	tp_expect(&p, &ack);
	assert_int_equal(ns_socket_listen(s, 1), -EINVAL);
	assert_int_equal(ns_socket_connect(s, NULL, 0), 0);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EISCONN);
	ns_socket_close(s);
	tp_free(&p);
}

/* tcp_v6_connect's address checks, in its order. */
static void test_connect_v6_address_errors(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, true, 80, 40000);
	struct ns_socket *s;
	assert_int_equal(
		ns_socket_create(tp_stack(&p), AF_INET6, SOCK_STREAM, 0, &s),
		0);
	/* An AF_INET address on an IPv6 stream socket: v4-mapped ones are
	 * the way; the sockaddr_in6 length is checked first. */
	struct sockaddr_in sin = nt_sin("127.0.0.1", 80);
	assert_int_equal(
		ns_socket_connect(s, (struct sockaddr *)&sin, sizeof(sin)),
		-EINVAL);
	struct sockaddr_in6 sin6 = nt_sin6("::1", 80);
	sin6.sin6_family = AF_INET;
	assert_int_equal(
		ns_socket_connect(s, (struct sockaddr *)&sin6, sizeof(sin6)),
		-EAFNOSUPPORT);
	/* Multicast, even link-local without a scope: unreachable. */
	sin6 = nt_sin6("ff02::1", 80);
	assert_int_equal(
		ns_socket_connect(s, (struct sockaddr *)&sin6, sizeof(sin6)),
		-ENETUNREACH);
	/* A v4-mapped destination on a V6ONLY socket: unreachable. */
	int one = 1;
	assert_int_equal(ns_socket_setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY,
					      &one, sizeof(one)),
			 0);
	sin6 = nt_sin6("::ffff:127.0.0.1", 80);
	assert_int_equal(
		ns_socket_connect(s, (struct sockaddr *)&sin6, sizeof(sin6)),
		-ENETUNREACH);
	ns_socket_close(s);
	/* Bound to a v4-mapped address: no IPv6 destination
	 * (ip6_dst_lookup_tail). */
	assert_int_equal(
		ns_socket_create(tp_stack(&p), AF_INET6, SOCK_STREAM, 0, &s),
		0);
	sin6 = nt_sin6("::ffff:10.0.0.1", 0);
	assert_int_equal(
		ns_socket_bind(s, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	sin6 = nt_sin6("fd00::2", 80);
	assert_int_equal(
		ns_socket_connect(s, (struct sockaddr *)&sin6, sizeof(sin6)),
		-EAFNOSUPPORT);
	ns_socket_close(s);
	tp_free(&p);
}

/* A peer announcing an MSS smaller than the timestamp option still gets
 * data, in segments of the minimum size. */
static void test_tiny_peer_mss_with_timestamps(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	struct ns_tcp_opts o = { .present = TCP_OPT_F_MSS | TCP_OPT_F_TS,
				 .mss = 8,
				 .ts_val = 1,
				 .ts_ecr = syn.opts.ts_val };
	tp_send(&p, TP_SYN | TP_ACK, 9000, syn.seq + 1, 65535, &o, NULL, 0);
	struct tp_seg seg;
	tp_expect(&p, &seg); /* the ACK */
	static char data[2000];
	assert_int_equal(ns_socket_sendto(s, data, sizeof(data), 0, NULL, 0),
			 (ssize_t)sizeof(data));
	tp_expect(&p, &seg);
	assert_int_equal(seg.len, 88 - 12);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_synack_with_bad_ack_gets_rst(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn, rst;
	tp_expect(&p, &syn);
	tp_send(&p, TP_SYN | TP_ACK, 9000, syn.seq + 2, 1000, NULL, NULL, 0);
	tp_expect(&p, &rst);
	/* RFC 9293 3.10.7.3: <SEQ=SEG.ACK><CTL=RST>. */
	assert_int_equal(rst.flags, TP_RST);
	assert_int_equal(rst.seq, syn.seq + 2);
	/* Still connecting; the right SYN-ACK completes it. */
	tp_send(&p, TP_SYN | TP_ACK, 9000, syn.seq + 1, 1000, NULL, NULL, 0);
	struct tp_seg ack;
	tp_expect(&p, &ack);
	assert_int_equal(ack.ack, 9001);
	assert_true(ns_socket_poll(s) & EPOLLOUT);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_simultaneous_open(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 7000, 7000);
	struct ns_socket *s = connect_to_peer(&p);
	struct tp_seg syn, sa, ack;
	tp_expect(&p, &syn);
	/* The peer's SYN crosses ours (RFC 9293 figure 7). */
	tp_send(&p, TP_SYN, 300, 0, 5000, NULL, NULL, 0);
	tp_expect(&p, &sa);
	assert_int_equal(sa.flags, TP_SYN | TP_ACK);
	assert_int_equal(sa.seq, syn.seq);
	assert_int_equal(sa.ack, 301);
	assert_int_equal(ns_socket_poll(s) & EPOLLOUT, 0);
	/* Its SYN-ACK acknowledges our SYN: established. */
	tp_send(&p, TP_SYN | TP_ACK, 300, syn.seq + 1, 5000, NULL, NULL, 0);
	assert_true(ns_socket_poll(s) & EPOLLOUT);
	assert_int_equal(ns_socket_sendto(s, "hi", 2, 0, NULL, 0), 2);
	tp_expect(&p, &ack);
	assert_int_equal(ack.seq, syn.seq + 1);
	assert_int_equal(ack.len, 2);
	ns_socket_close(s);
	tp_free(&p);
}

/* A handshake from peer port sport to listener l; returns the SYN-ACK. */
static void handshake(struct tp_peer *p, uint16_t sport, uint32_t iss, bool ack,
		      struct tp_seg *sa)
{
	p->sport = sport;
	tp_send(p, TP_SYN, iss, 0, 65535, NULL, NULL, 0);
	tp_expect(p, sa);
	assert_int_equal(sa->flags, TP_SYN | TP_ACK);
	if (ack)
		tp_send(p, TP_ACK, iss + 1, sa->seq + 1, 65535, NULL, NULL, 0);
}

static void test_accept_queue_overflow(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 0, 80);
	struct ns_socket *l = listen_on(&p, 1);
	struct tp_seg sa;
	/* Linux accepts backlog + 1 connections into the queue. */
	handshake(&p, 1001, 10, true, &sa);
	handshake(&p, 1002, 20, true, &sa);
	/* Queue full: a third SYN is dropped. */
	p.sport = 1003;
	tp_send(&p, TP_SYN, 30, 0, 65535, NULL, NULL, 0);
	tp_expect_none(&p);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.ListenOverflows"), 1);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.ListenDrops"), 1);
	/* Room again after an accept: the retransmitted SYN gets in. */
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	ns_socket_close(a);
	tp_expect(&p, &sa); /* the RST for the unread close? none: no data */
	assert_int_equal(sa.flags & TP_FIN, TP_FIN);
	tp_send(&p, TP_SYN, 30, 0, 65535, NULL, NULL, 0);
	tp_expect(&p, &sa);
	assert_int_equal(sa.flags, TP_SYN | TP_ACK);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_final_ack_dropped_when_queue_full(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 0, 80);
	struct ns_socket *l = listen_on(&p, 0);
	struct tp_seg sa1, sa2;
	/* Two SYN-ACKs out; the first ACK fills the queue (backlog 0). */
	handshake(&p, 1001, 10, false, &sa1);
	handshake(&p, 1002, 20, false, &sa2);
	p.sport = 1001;
	tp_send(&p, TP_ACK, 11, sa1.seq + 1, 65535, NULL, NULL, 0);
	p.sport = 1002;
	tp_send(&p, TP_ACK, 21, sa2.seq + 1, 65535, NULL, NULL, 0);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.ListenOverflows"), 1);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	ns_socket_close(a);
	/* The second ACK was dropped: that connection is still half open. */
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), -EAGAIN);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_syn_cookies_when_syn_queue_full(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 0, 80);
	struct ns_socket *l = listen_on(&p, 2);
	struct tp_seg sa;
	handshake(&p, 2001, 10, false, &sa);
	handshake(&p, 2002, 20, false, &sa);
	/* SYN queue full: a stateless SYN-ACK carrying a cookie; the
	 * peer's scale and SACK permission ride in our timestamp. */
	p.sport = 2003;
	struct ns_tcp_opts o = full_opts(1460, 9, 5555, 0);
	tp_send(&p, TP_SYN, 1000, 0, 65535, &o, NULL, 0);
	tp_expect(&p, &sa);
	assert_int_equal(sa.flags, TP_SYN | TP_ACK);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.SyncookiesSent"), 1);
	assert_true(sa.opts.present & TCP_OPT_F_TS);
	/* A forged cookie is refused with a RST. */
	struct ns_tcp_opts ao = { .present = TCP_OPT_F_TS,
				  .ts_val = 5556,
				  .ts_ecr = sa.opts.ts_val };
	tp_send(&p, TP_ACK, 1001, sa.seq + 12345, 65535, &ao, NULL, 0);
	struct tp_seg rst;
	tp_expect(&p, &rst);
	assert_int_equal(rst.flags, TP_RST);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.SyncookiesFailed"), 1);
	/* The right ACK, with data, makes a connection. */
	tp_send(&p, TP_ACK, 1001, sa.seq + 1, 65535, &ao, "hello", 5);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.SyncookiesRecv"), 1);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	char buf[16];
	assert_int_equal(ns_socket_recvfrom(a, buf, sizeof(buf), 0, NULL, NULL),
			 5);
	assert_memory_equal(buf, "hello", 5);
	struct ns_tcp_info info;
	get_info(a, &info);
	assert_int_equal(info.snd_wscale, 9);
	assert_true(info.options & NS_TCPI_OPT_SACK);
	assert_int_equal(info.snd_mss, 1460 - 12);
	ns_socket_close(a);
	/* With TCP_DEFER_ACCEPT, a cookie's bare ACK still makes a
	 * connection at once: no SYN-ACK is left to retransmit while
	 * waiting for data (Linux). */
	int secs = 5;
	assert_int_equal(ns_socket_setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT,
					      &secs, sizeof(secs)),
			 0);
	while (tp_recv(&p, &sa)) /* the closed connection's segments */
		;
	p.sport = 2004;
	tp_send(&p, TP_SYN, 3000, 0, 65535, &o, NULL, 0);
	tp_expect(&p, &sa);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.SyncookiesSent"), 2);
	ao.ts_ecr = sa.opts.ts_val;
	tp_send(&p, TP_ACK, 3001, sa.seq + 1, 65535, &ao, NULL, 0);
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	ns_socket_close(a);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_defer_accept_waits_for_data(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 0, 80);
	struct ns_socket *l = listen_on(&p, 8);
	int secs = 5;
	assert_int_equal(ns_socket_setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT,
					      &secs, sizeof(secs)),
			 0);
	struct tp_seg sa;
	handshake(&p, 3001, 10, true, &sa);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), -EAGAIN);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPDeferAcceptDrop"), 1);
	tp_send(&p, TP_ACK | TP_PSH, 11, sa.seq + 1, 65535, NULL, "GET", 3);
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	char buf[4];
	assert_int_equal(ns_socket_recvfrom(a, buf, 4, 0, NULL, NULL), 3);
	/* Linux reports the seconds the retransmission count covers. */
	socklen_t len = sizeof(secs);
	assert_int_equal(ns_socket_getsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT,
					      &secs, &len),
			 0);
	assert_int_equal(secs, 7);
	ns_socket_close(a);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_backlog_capped_at_somaxconn(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 0, 80);
	struct ns_socket *l = listen_on(&p, 100000);
	struct ns_socket_info si;
	ns_socket_get_info(l, &si);
	assert_int_equal(si.tx_queue, 4096);
	assert_int_equal(ns_socket_listen(l, 3), 0);
	ns_socket_get_info(l, &si);
	assert_int_equal(si.tx_queue, 3);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_synack_retransmitted_then_given_up(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 0, 80);
	struct ns_socket *l = listen_on(&p, 8);
	struct tp_seg sa, again;
	handshake(&p, 4001, 10, false, &sa);
	/* 5 retransmissions at 1, 2, 4, 8, 16 s, then the half-open
	 * connection is dropped. */
	uint64_t gaps[5] = { 1, 2, 4, 8, 16 };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(tp_next_timer(&p, 100 * SEC), gaps[i] * SEC);
		tp_expect(&p, &again);
		assert_int_equal(again.seq, sa.seq);
	}
	tp_next_timer(&p, 100 * SEC);
	tp_expect_none(&p);
	/* The late ACK finds nothing: RST. */
	tp_send(&p, TP_ACK, 11, sa.seq + 1, 65535, NULL, NULL, 0);
	struct tp_seg rst;
	tp_expect(&p, &rst);
	assert_int_equal(rst.flags, TP_RST);
	ns_socket_close(l);
	tp_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_open_negotiates_options),
		cmocka_unit_test(test_passive_open_mirrors_options),
		cmocka_unit_test(test_syn_without_options_uses_defaults),
		cmocka_unit_test(test_mss_follows_route_mtu_and_maxseg),
		cmocka_unit_test(
			test_syn_retransmits_with_backoff_then_times_out),
		cmocka_unit_test(test_rst_to_syn_refuses),
		cmocka_unit_test(test_forged_icmp_then_reconnect),
		cmocka_unit_test(test_connect_outcome_collected),
		cmocka_unit_test(test_connect_v6_address_errors),
		cmocka_unit_test(test_tiny_peer_mss_with_timestamps),
		cmocka_unit_test(test_synack_with_bad_ack_gets_rst),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_accept_queue_overflow),
		cmocka_unit_test(test_final_ack_dropped_when_queue_full),
		cmocka_unit_test(test_syn_cookies_when_syn_queue_full),
		cmocka_unit_test(test_defer_accept_waits_for_data),
		cmocka_unit_test(test_backlog_capped_at_somaxconn),
		cmocka_unit_test(test_synack_retransmitted_then_given_up),
	};
	return cmocka_run_group_tests_name("netstack/tcp_handshake", tests,
					   NULL, NULL);
}
