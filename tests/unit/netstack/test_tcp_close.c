/* Closing, segment by segment: active and passive close, half-close,
 * simultaneous close, FIN with the final ACK of the handshake, FIN in
 * FIN_WAIT_1 with and without the ACK of ours, TIME_WAIT (re-ACKing a
 * retransmitted FIN, 60 s life, reopening by a newer SYN), aborts (unread
 * data, SO_LINGER 0, data for a closed socket, TCP_LINGER2 -1), and the
 * closing handshake's own retransmissions. */
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

static char buf[4096];

static int state_of(struct ns_socket *s)
{
	struct ns_tcp_info info;
	socklen_t len = sizeof(info);
	assert_int_equal(
		ns_socket_getsockopt(s, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
	return info.state;
}

enum {
	ESTABLISHED = 1,
	FIN_WAIT1 = 4,
	FIN_WAIT2 = 5,
	CLOSE = 7,
	CLOSE_WAIT = 8,
	LAST_ACK = 9,
	CLOSING = 11
};

static void test_active_close_through_time_wait(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS);
	/* shutdown keeps the socket: its states are visible. */
	assert_int_equal(ns_socket_shutdown(c.s, SHUT_WR), 0);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_FIN | TP_ACK);
	assert_int_equal(state_of(c.s), FIN_WAIT1);
	tp_cack(&p, &c, s.seq + 1, NULL, 0);
	assert_int_equal(state_of(c.s), FIN_WAIT2);
	/* A user-held FIN_WAIT2 waits indefinitely (Linux). */
	tp_advance(&p, 300 * SEC);
	assert_int_equal(state_of(c.s), FIN_WAIT2);
	c.stack_seq = s.seq + 1;
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_ACK);
	assert_int_equal(s.ack, c.peer_seq);
	/* The socket is done; TIME_WAIT lives on without it. */
	assert_int_equal(state_of(c.s), CLOSE);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL), 0);
	/* A retransmitted FIN is acknowledged again (our ACK was lost). */
	c.peer_seq--;
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.ack, c.peer_seq);
	/* 60 s later the tuple is free: the same FIN meets a RST. */
	tp_advance(&p, 61 * SEC);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TW"), 1);
	c.peer_seq--;
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_RST);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_passive_close(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	struct tp_seg s;
	tp_csend(&p, &c, TP_ACK, "bye", 3);
	tp_cexpect(&p, &c, &s); /* quick-ACK mode at the start */
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	/* The FIN's ACK waits for the reply (Linux enters ping-pong). */
	tp_expect_none(&p);
	assert_int_equal(state_of(c.s), CLOSE_WAIT);
	uint32_t ev = ns_socket_poll(c.s);
	assert_true(ev & EPOLLIN);
	assert_true(ev & EPOLLRDHUP);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL), 3);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL), 0);
	/* Writing still works in CLOSE_WAIT. */
	assert_int_equal(ns_socket_sendto(c.s, "ok", 2, 0, NULL, 0), 2);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 2);
	assert_int_equal(s.ack, c.peer_seq);
	ns_socket_close(c.s);
	c.s = NULL;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_FIN | TP_ACK);
	tp_cack(&p, &c, s.seq + 1, NULL, 0);
	tp_expect_none(&p);
	/* Closed: nothing of the connection is left. */
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.CurrEstab"), 0);
	tp_csend(&p, &c, TP_ACK, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_RST);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_half_close_keeps_receiving(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	assert_int_equal(ns_socket_shutdown(c.s, SHUT_WR), 0);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	c.stack_seq = s.seq + 1;
	assert_int_equal(ns_socket_sendto(c.s, "x", 1, MSG_NOSIGNAL, NULL, 0),
			 -EPIPE);
	/* RFC 9293 3.6: the other direction is still open. */
	tp_csend(&p, &c, TP_ACK, "more data", 9);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 20, 0, NULL, NULL), 9);
	assert_true(ns_socket_poll(c.s) & EPOLLOUT); /* writes fail at once */
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_simultaneous_close(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	assert_int_equal(ns_socket_shutdown(c.s, SHUT_WR), 0);
	struct tp_seg fin;
	tp_cexpect(&p, &c, &fin);
	/* The peer's FIN crosses ours (it has not seen ours yet). */
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.ack, c.peer_seq);
	assert_int_equal(state_of(c.s), CLOSING);
	/* Its ACK of our FIN: TIME_WAIT. */
	tp_cack(&p, &c, fin.seq + 1, NULL, 0);
	assert_int_equal(state_of(c.s), CLOSE);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL), 0);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_fin_ack_together_in_fin_wait1(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	assert_int_equal(ns_socket_shutdown(c.s, SHUT_WR), 0);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	c.stack_seq = s.seq + 1;
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_ACK);
	assert_int_equal(state_of(c.s), CLOSE);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_fin_with_final_handshake_ack(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *l;
	assert_int_equal(
		ns_socket_create(tp_stack(&p), AF_INET, SOCK_STREAM, 0, &l), 0);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, false, 80, &ss);
	assert_int_equal(ns_socket_bind(l, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_listen(l, 4), 0);
	tp_send(&p, TP_SYN, 100, 0, 5000, NULL, NULL, 0);
	struct tp_seg sa, s;
	tp_expect(&p, &sa);
	/* A request and the FIN with the handshake's ACK (an HTTP/1.0
	 * client). */
	tp_send(&p, TP_ACK | TP_PSH | TP_FIN, 101, sa.seq + 1, 5000, NULL,
		"GET", 3);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	assert_int_equal(state_of(a), CLOSE_WAIT);
	assert_int_equal(ns_socket_recvfrom(a, buf, 10, 0, NULL, NULL), 3);
	assert_int_equal(ns_socket_recvfrom(a, buf, 10, 0, NULL, NULL), 0);
	ns_socket_close(a);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_FIN | TP_ACK);
	assert_int_equal(s.ack, 105);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_orphan_fin_wait2_then_time_wait(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	ns_socket_close(c.s);
	c.s = NULL;
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_FIN | TP_ACK);
	c.stack_seq = s.seq + 1;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	/* The orphan waits for the peer's FIN in a TIME_WAIT record; a
	 * bare ACK (a window update) changes nothing and gets no answer,
	 * data would be answered with a RST (RFC 1122 4.2.2.13). */
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	tp_expect_none(&p);
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_ACK);
	assert_int_equal(s.ack, c.peer_seq);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_data_for_closed_socket_resets(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	ns_socket_close(c.s);
	c.s = NULL;
	struct tp_seg s;
	tp_cexpect(&p, &c, &s); /* FIN, FIN_WAIT1 */
	tp_csend(&p, &c, TP_ACK, "late", 4);
	tp_cexpect(&p, &c, &s);
	assert_true(s.flags & TP_RST);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPAbortOnData"), 1);
	tp_conn_close(&c);
	tp_free(&p);
}

/* Shut down for reading, then for writing: data arriving after the FIN
 * went out is answered by a RST in reply to it (seq = its ACK), and the
 * socket ends with ECONNRESET (Linux tcp_rcv_state_process, tcp_reset);
 * data before the FIN was queued as usual. */
static void test_data_after_shut_rd_in_fin_wait_resets(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	assert_int_equal(ns_socket_shutdown(c.s, SHUT_RD), 0);
	tp_csend(&p, &c, TP_ACK, "early", 5);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s); /* the ACK of it */
	assert_int_equal(
		ns_socket_recvfrom(c.s, buf, sizeof(buf), 0, NULL, NULL), 5);
	assert_int_equal(ns_socket_shutdown(c.s, SHUT_WR), 0);
	tp_cexpect(&p, &c, &s);
	assert_true(s.flags & TP_FIN);
	assert_int_equal(state_of(c.s), FIN_WAIT1);
	tp_csend(&p, &c, TP_ACK, "late", 4);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_RST);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPAbortOnData"), 1);
	assert_int_equal(state_of(c.s), CLOSE);
	assert_int_equal(
		ns_socket_recvfrom(c.s, buf, sizeof(buf), 0, NULL, NULL),
		-ECONNRESET);
	tp_conn_close(&c);
	tp_free(&p);
}

/* A RST in CLOSE_WAIT ends the connection with EPIPE, and a stream's
 * recvfrom/recvmsg reports no source address (tcp_reset; the syscalls
 * zero msg_namelen and TCP leaves it). */
static void test_reset_in_close_wait_is_epipe(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	tp_csend(&p, &c, TP_ACK, "data", 4);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, sizeof(buf), 0,
					    (struct sockaddr *)&from, &flen),
			 4);
	assert_int_equal(flen, 0);
	tp_csend(&p, &c, TP_ACK | TP_FIN, NULL, 0);
	assert_int_equal(state_of(c.s), CLOSE_WAIT);
	tp_csend(&p, &c, TP_RST, NULL, 0);
	assert_int_equal(state_of(c.s), CLOSE);
	assert_int_equal(ns_socket_sendto(c.s, "x", 1, MSG_NOSIGNAL, NULL, 0),
			 -EPIPE);
	tp_conn_close(&c);
	tp_free(&p);
}

/* A RST in LAST_ACK, to a socket the user still holds, leaves
 * ECONNRESET as its error, as Linux's tcp_reset does in every state but
 * SYN_SENT and CLOSE_WAIT. */
static void test_reset_in_last_ack_is_econnreset(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	tp_csend(&p, &c, TP_ACK | TP_FIN, NULL, 0);
	assert_int_equal(ns_socket_shutdown(c.s, SHUT_WR), 0);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_true(s.flags & TP_FIN);
	assert_int_equal(state_of(c.s), LAST_ACK);
	tp_csend(&p, &c, TP_RST, NULL, 0);
	assert_int_equal(state_of(c.s), CLOSE);
	int err = 0;
	socklen_t len = sizeof(err);
	assert_int_equal(
		ns_socket_getsockopt(c.s, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	assert_int_equal(err, ECONNRESET);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_close_with_unread_data_resets(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	tp_csend(&p, &c, TP_ACK, "unread", 6);
	struct tp_seg s;
	while (tp_recv(&p, &s))
		;
	ns_socket_close(c.s);
	c.s = NULL;
	/* RFC 2525 2.17: the peer learns its data was not consumed. */
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_RST | TP_ACK);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPAbortOnClose"), 1);
	tp_csend(&p, &c, TP_ACK, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_RST); /* nothing left */
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_linger_zero_resets(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	struct linger lg = { 1, 0 };
	assert_int_equal(ns_socket_setsockopt(c.s, SOL_SOCKET, SO_LINGER, &lg,
					      sizeof(lg)),
			 0);
	ns_socket_close(c.s);
	c.s = NULL;
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.flags, TP_RST | TP_ACK);
	assert_int_equal(s.seq, c.stack_seq);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_linger2_negative_resets_in_fin_wait2(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	int v = -1;
	assert_int_equal(ns_socket_setsockopt(c.s, IPPROTO_TCP, TCP_LINGER2, &v,
					      sizeof(v)),
			 0);
	ns_socket_close(c.s);
	c.s = NULL;
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	tp_cack(&p, &c, s.seq + 1, NULL, 0);
	tp_cexpect(&p, &c, &s);
	assert_true(s.flags & TP_RST);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPAbortOnLinger"), 1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_fin_retransmitted_then_orphan_gives_up(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	ns_socket_close(c.s);
	c.s = NULL;
	struct tp_seg fin, s;
	tp_cexpect(&p, &c, &fin);
	/* The peer never answers: the FIN goes again with backoff; an
	 * orphan gives up after 8 retries (Linux tcp_orphan_retries). */
	unsigned n = 0;
	for (int i = 0; i < 20; i++) {
		tp_next_timer(&p, 200 * SEC);
		if (!tp_recv(&p, &s))
			break;
		assert_int_equal(s.seq, fin.seq);
		assert_true(s.flags & TP_FIN);
		n++;
	}
	assert_int_equal(n, 8);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPAbortOnTimeout"), 1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_newer_syn_reopens_time_wait(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	/* The stack closes first: TIME_WAIT on the server's side. */
	ns_socket_close(c.s);
	c.s = NULL;
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	c.stack_seq = s.seq + 1;
	tp_csend(&p, &c, TP_FIN | TP_ACK, NULL, 0);
	tp_cexpect(&p, &c, &s);
	/* The client reuses its port at once with a higher sequence
	 * number: RFC 6191 lets the new connection in. */
	tp_send(&p, TP_SYN, c.peer_seq + 100000, 0, 5000, NULL, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_SYN | TP_ACK);
	assert_int_equal(s.ack, c.peer_seq + 100001);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TWRecycled"), 1);
	/* An older SYN would have been answered with an ACK instead. */
	tp_conn_close(&c);
	tp_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_close_through_time_wait),
		cmocka_unit_test(test_passive_close),
		cmocka_unit_test(test_half_close_keeps_receiving),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_fin_ack_together_in_fin_wait1),
		cmocka_unit_test(test_fin_with_final_handshake_ack),
		cmocka_unit_test(test_orphan_fin_wait2_then_time_wait),
		cmocka_unit_test(test_data_for_closed_socket_resets),
		cmocka_unit_test(test_data_after_shut_rd_in_fin_wait_resets),
		cmocka_unit_test(test_reset_in_close_wait_is_epipe),
		cmocka_unit_test(test_reset_in_last_ack_is_econnreset),
		cmocka_unit_test(test_close_with_unread_data_resets),
		cmocka_unit_test(test_linger_zero_resets),
		cmocka_unit_test(test_linger2_negative_resets_in_fin_wait2),
		cmocka_unit_test(test_fin_retransmitted_then_orphan_gives_up),
		cmocka_unit_test(test_newer_syn_reopens_time_wait),
	};
	return cmocka_run_group_tests_name("netstack/tcp_close", tests, NULL,
					   NULL);
}
