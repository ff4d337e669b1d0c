/* The TCP socket API as applications see it: Linux's errors for calls in
 * the wrong state, bind conflicts and SO_REUSEADDR, ephemeral ports,
 * IPPROTO_TCP options and their checks, TCP_CONGESTION, TCP_INFO, the
 * ioctls, keepalive probing, TCP_USER_TIMEOUT, and buffer sizes. */
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <cmocka.h>

#include "netstack/tcp_info.h"
#include "tcp_pkt.h"

#define MS  1000000ull
#define SEC 1000000000ull

static char buf[65536];

static struct ns_socket *tcp_socket(struct tp_peer *p)
{
	struct ns_socket *s;
	assert_int_equal(ns_socket_create(tp_stack(p),
					  p->v6 ? AF_INET6 : AF_INET,
					  SOCK_STREAM, 0, &s),
			 0);
	return s;
}

static int getint(struct ns_socket *s, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);
	assert_int_equal(ns_socket_getsockopt(s, level, name, &v, &len), 0);
	return v;
}

static int setint(struct ns_socket *s, int level, int name, int v)
{
	return ns_socket_setsockopt(s, level, name, &v, sizeof(v));
}

static void test_calls_in_the_wrong_state(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *s = tcp_socket(&p);
	struct ns_socket *a;
	/* Unconnected, as Linux answers. */
	assert_int_equal(ns_socket_recvfrom(s, buf, 10, 0, NULL, NULL),
			 -ENOTCONN);
	assert_int_equal(ns_socket_sendto(s, "x", 1, MSG_NOSIGNAL, NULL, 0),
			 -EPIPE);
	assert_int_equal(ns_socket_accept(s, &a, NULL, NULL, 0), -EINVAL);
	assert_int_equal(ns_socket_shutdown(s, SHUT_WR), -ENOTCONN);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	assert_int_equal(ns_socket_getpeername(s, (struct sockaddr *)&ss, &len),
			 -ENOTCONN);
	/* A fresh socket polls writable and hung up (Linux tcp_poll). */
	uint32_t ev = ns_socket_poll(s);
	assert_true(ev & EPOLLOUT);
	assert_true(ev & EPOLLHUP);
	/* Connecting: again EALREADY, writes EAGAIN; bind EINVAL. */
	len = tp_addr(&p, true, 5000, &ss);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EALREADY);
	assert_int_equal(ns_socket_sendto(s, "x", 1, 0, NULL, 0), -EAGAIN);
	struct sockaddr_storage me;
	socklen_t mlen = tp_addr(&p, false, 0, &me);
	assert_int_equal(ns_socket_bind(s, (struct sockaddr *)&me, mlen),
			 -EINVAL);
	assert_int_equal(ns_socket_listen(s, 5), -EINVAL);
	/* Connected: the next connect collects the success (0), as Linux's
	 * __inet_stream_connect for a socket still SS_CONNECTING; only the
	 * one after says EISCONN. */
	struct tp_seg syn;
	tp_expect(&p, &syn);
	p.dport = syn.sport;
	tp_send(&p, TP_SYN | TP_ACK, 1, syn.seq + 1, 1000, NULL, NULL, 0);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EISCONN);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_bind_conflicts_and_reuseaddr(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, false, 8080, &ss);
	struct ns_socket *a = tcp_socket(&p), *b = tcp_socket(&p);
	assert_int_equal(ns_socket_bind(a, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_bind(b, (struct sockaddr *)&ss, len),
			 -EADDRINUSE);
	/* SO_REUSEADDR on both allows the bind, not a second listener. */
	ns_socket_close(b);
	b = tcp_socket(&p);
	setint(a, SOL_SOCKET, SO_REUSEADDR, 1);
	setint(b, SOL_SOCKET, SO_REUSEADDR, 1);
	assert_int_equal(ns_socket_bind(b, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_listen(a, 5), 0);
	assert_int_equal(ns_socket_listen(b, 5), -EADDRINUSE);
	ns_socket_close(b);
	/* SO_REUSEPORT on both: two listeners share the port. */
	struct ns_socket *c = tcp_socket(&p), *d = tcp_socket(&p);
	len = tp_addr(&p, false, 9090, &ss);
	setint(c, SOL_SOCKET, SO_REUSEPORT, 1);
	setint(d, SOL_SOCKET, SO_REUSEPORT, 1);
	assert_int_equal(ns_socket_bind(c, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_bind(d, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_listen(c, 5), 0);
	assert_int_equal(ns_socket_listen(d, 5), 0);
	ns_socket_close(a);
	ns_socket_close(c);
	ns_socket_close(d);
	tp_free(&p);
}

static void test_connect_picks_distinct_ephemeral_ports(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, true, 5000, &ss);
	uint16_t ports[64];
	struct ns_socket *s[64];
	for (int i = 0; i < 64; i++) {
		s[i] = tcp_socket(&p);
		assert_int_equal(
			ns_socket_connect(s[i], (struct sockaddr *)&ss, len),
			-EINPROGRESS);
		struct sockaddr_in me;
		socklen_t mlen = sizeof(me);
		ns_socket_getsockname(s[i], (struct sockaddr *)&me, &mlen);
		ports[i] = ntohs(me.sin_port);
		/* Linux's ip_local_port_range. */
		assert_true(ports[i] >= 32768 && ports[i] <= 60999);
		for (int j = 0; j < i; j++)
			assert_true(ports[j] != ports[i]);
	}
	for (int i = 0; i < 64; i++)
		ns_socket_close(s[i]);
	tp_free(&p);
}

static void test_tcp_option_checks(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *s = tcp_socket(&p);
	/* Linux's defaults. */
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_NODELAY), 0);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_MAXSEG), 536);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_KEEPINTVL), 75);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_KEEPCNT), 9);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_SYNCNT), 6);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_LINGER2), 60);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_QUICKACK), 1);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
	/* Range checks (Linux do_tcp_setsockopt). */
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_KEEPIDLE, 0), -EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_KEEPIDLE, 32768), -EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_KEEPCNT, 128), -EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_SYNCNT, 0), -EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_USER_TIMEOUT, -1), -EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_MAXSEG, 70000), -EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_WINDOW_CLAMP, 100), 0);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_WINDOW_CLAMP), 1152);
	/* Short buffers are refused, unknown options too. */
	char c = 1;
	assert_int_equal(
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &c, 1),
		-EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, 9999, 1), -ENOPROTOOPT);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_NODELAY), 1);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_congestion_control_selection(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *s = tcp_socket(&p);
	char name[16];
	socklen_t len = sizeof(name);
	assert_int_equal(ns_socket_getsockopt(s, IPPROTO_TCP, TCP_CONGESTION,
					      name, &len),
			 0);
	assert_string_equal(name, "cubic");
	assert_int_equal(
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4),
		0);
	len = sizeof(name);
	ns_socket_getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, name, &len);
	assert_string_equal(name, "reno");
	assert_int_equal(
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "bbr", 3),
		-ENOENT);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_tcp_info_and_ioctls(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	p.rtt = 20 * MS;
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS | TP_OPT_SACK);
	tp_csend(&p, &c, TP_ACK, "abcdef", 6);
	int v;
	assert_int_equal(ns_socket_ioctl(c.s, SIOCINQ, &v), 0);
	assert_int_equal(v, 6);
	setint(c.s, IPPROTO_TCP, TCP_CORK, 1);
	assert_int_equal(ns_socket_sendto(c.s, "12345", 5, 0, NULL, 0), 5);
	assert_int_equal(ns_socket_ioctl(c.s, SIOCOUTQ, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(ns_socket_ioctl(c.s, SIOCOUTQNSD, &v), 0);
	assert_int_equal(v, 5); /* corked: not sent */
	struct ns_tcp_info info;
	socklen_t len = sizeof(info);
	assert_int_equal(
		ns_socket_getsockopt(c.s, IPPROTO_TCP, TCP_INFO, &info, &len),
		0);
	assert_int_equal(info.state, 1);
	/* The handshake's 20 ms, in microseconds. */
	assert_int_equal(info.rtt, 20000);
	assert_int_equal(info.min_rtt, 20000);
	assert_int_equal(info.snd_cwnd, 10);
	assert_int_equal(info.notsent_bytes, 5);
	assert_int_equal(info.bytes_received, 6);
	assert_int_equal(info.pmtu, 1500);
	/* An old application's shorter struct gets a prefix. */
	len = 8;
	assert_int_equal(
		ns_socket_getsockopt(c.s, IPPROTO_TCP, TCP_INFO, &info, &len),
		0);
	assert_int_equal(len, 8);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_keepalive_probes_then_reset(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	setint(c.s, SOL_SOCKET, SO_KEEPALIVE, 1);
	setint(c.s, IPPROTO_TCP, TCP_KEEPIDLE, 10);
	setint(c.s, IPPROTO_TCP, TCP_KEEPINTVL, 2);
	setint(c.s, IPPROTO_TCP, TCP_KEEPCNT, 3);
	/* Idle 10 s: a probe (old sequence number, no data). */
	struct tp_seg s;
	assert_int_equal(tp_next_timer(&p, 20 * SEC), 10 * SEC);
	tp_expect(&p, &s);
	assert_int_equal(s.seq, c.stack_seq - 1);
	/* An answer resets the count. */
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	assert_int_equal(tp_next_timer(&p, 20 * SEC), 2 * SEC);
	/* Then silence: 3 probes 2 s apart, and the connection is dead
	 * (Linux resets the peer and reports ETIMEDOUT). */
	unsigned probes = 0;
	for (int i = 0; i < 10; i++) {
		tp_next_timer(&p, 20 * SEC);
		while (tp_recv(&p, &s)) {
			if (s.flags & TP_RST)
				goto dead;
			probes++;
		}
	}
dead:
	assert_true(probes >= 3);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 1, 0, NULL, NULL),
			 -ETIMEDOUT);
	assert_true(nt_stat(tp_stack(&p), "TcpExt.TCPKeepAlive") >= 4);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_user_timeout_bounds_retransmission(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	setint(c.s, IPPROTO_TCP, TCP_USER_TIMEOUT, 3000);
	assert_int_equal(ns_socket_sendto(c.s, "lost", 4, 0, NULL, 0), 4);
	struct tp_seg s;
	tp_expect(&p, &s);
	/* Retransmissions stop 3 s after the first one: the last RTO is
	 * clamped to the time left. */
	uint64_t waited = 0;
	for (int i = 0; i < 20 && waited < 10 * SEC; i++) {
		waited += tp_next_timer(&p, 20 * SEC);
		while (tp_recv(&p, &s))
			;
		if (ns_socket_poll(c.s) & EPOLLERR)
			break;
	}
	assert_true(waited >= 3 * SEC && waited < 4 * SEC);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 1, 0, NULL, NULL),
			 -ETIMEDOUT);
	tp_conn_close(&c);
	tp_free(&p);
}

/* TCP_NOTSENT_LOWAT: a write stops about a segment past the limit of
 * unsent bytes, poll reports writable only under half of it, and sending
 * brings it back. */
static void test_notsent_lowat(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	c.peer_win = 0;
	tp_csend(&p, &c, TP_ACK, NULL, 0);
	assert_int_equal(setint(c.s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 4000), 0);
	assert_int_equal(getint(c.s, IPPROTO_TCP, TCP_NOTSENT_LOWAT), 4000);
	memset(buf, 'n', 10000);
	assert_int_equal(ns_socket_sendto(c.s, buf, 10000, 0, NULL, 0),
			 3 * 1460);
	assert_false(ns_socket_poll(c.s) & EPOLLOUT);
	assert_int_equal(ns_socket_sendto(c.s, buf, 10000, 0, NULL, 0),
			 -EAGAIN);
	/* The window opens, the data goes: writable again. */
	c.peer_win = 65535;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	uint32_t sent = 0;
	struct tp_seg s;
	while (tp_recv(&p, &s))
		sent += s.len;
	assert_int_equal(sent, 3 * 1460);
	assert_true(ns_socket_poll(c.s) & EPOLLOUT);
	/* -1 (UINT_MAX) is Linux's "no limit": writes go on. */
	assert_int_equal(setint(c.s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, -1), 0);
	assert_int_equal(ns_socket_sendto(c.s, buf, 100, 0, NULL, 0), 100);
	tp_conn_close(&c);
	tp_free(&p);
}

/* TCP_FASTOPEN and TCP_FASTOPEN_CONNECT are accepted as on Linux with
 * its default net.ipv4.tcp_fastopen = 1; the handshake stays plain. */
static void test_fastopen_options_accepted(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *l = tcp_socket(&p);
	assert_int_equal(setint(l, IPPROTO_TCP, TCP_FASTOPEN, 5), 0);
	assert_int_equal(getint(l, IPPROTO_TCP, TCP_FASTOPEN), 5);
	assert_int_equal(setint(l, IPPROTO_TCP, TCP_FASTOPEN, -1), -EINVAL);
	ns_socket_close(l);
	struct ns_socket *s = tcp_socket(&p);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 2),
			 -EINVAL);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1), 0);
	assert_int_equal(getint(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT), 1);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, true, 80, &ss);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	assert_int_equal(syn.flags, TP_SYN);
	assert_int_equal(syn.len, 0);
	assert_int_equal(setint(s, IPPROTO_TCP, TCP_FASTOPEN, 1), -EINVAL);
	ns_socket_close(s);
	tp_free(&p);
}

static void test_buffer_sizes(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *s = tcp_socket(&p);
	/* Linux's tcp_rmem[1] and tcp_wmem[1]. */
	assert_int_equal(getint(s, SOL_SOCKET, SO_RCVBUF), 131072);
	assert_int_equal(getint(s, SOL_SOCKET, SO_SNDBUF), 16384);
	/* Doubled when set, as Linux. */
	setint(s, SOL_SOCKET, SO_RCVBUF, 50000);
	assert_int_equal(getint(s, SOL_SOCKET, SO_RCVBUF), 100000);
	ns_socket_close(s);
	/* The send buffer grows with the window; a set one does not. */
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	assert_true(getint(c.s, SOL_SOCKET, SO_SNDBUF) > 16384);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_ipv6_connection(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, true, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS | TP_OPT_SACK | TP_OPT_WS);
	tp_csend(&p, &c, TP_ACK, "six", 3);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL), 3);
	assert_int_equal(ns_socket_sendto(c.s, "ok", 2, 0, NULL, 0), 2);
	/* The quick ACK for "six" may come first. */
	struct tp_seg s;
	do
		tp_cexpect(&p, &c, &s);
	while (s.len == 0);
	assert_int_equal(s.len, 2);
	assert_int_equal(getint(c.s, IPPROTO_TCP, TCP_MAXSEG), 1440 - 12);
	tp_conn_close(&c);
	tp_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_in_the_wrong_state),
		cmocka_unit_test(test_bind_conflicts_and_reuseaddr),
		cmocka_unit_test(test_connect_picks_distinct_ephemeral_ports),
		cmocka_unit_test(test_tcp_option_checks),
		cmocka_unit_test(test_congestion_control_selection),
		cmocka_unit_test(test_tcp_info_and_ioctls),
		cmocka_unit_test(test_keepalive_probes_then_reset),
		cmocka_unit_test(test_user_timeout_bounds_retransmission),
		cmocka_unit_test(test_notsent_lowat),
		cmocka_unit_test(test_fastopen_options_accepted),
		cmocka_unit_test(test_buffer_sizes),
		cmocka_unit_test(test_ipv6_connection),
	};
	return cmocka_run_group_tests_name("netstack/tcp_sockopt", tests, NULL,
					   NULL);
}
