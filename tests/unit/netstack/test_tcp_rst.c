/* RST rules and RFC 5961's defences: an exact RST resets, an in-window
 * one earns a challenge ACK, an outside one is ignored; SYNs in a
 * synchronized state (retransmitted ones too, however old, with a plain
 * ACK), ACKs of unsent data and ancient ACKs are challenged; challenges
 * are rate-limited; closed ports answer with the RFC 9293 3.10.7.1 RSTs;
 * a passive opener's RST only drops the child. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "tcp_pkt.h"

#define MS 1000000ull

static char buf[4096];

static void test_exact_rst_resets(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.CurrEstab"), 1);
	tp_csend(&p, &c, TP_RST, NULL, 0);
	tp_expect_none(&p);
	uint32_t ev = ns_socket_poll(c.s);
	assert_true(ev & EPOLLERR);
	assert_true(ev & EPOLLHUP);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL),
			 -ECONNRESET);
	assert_int_equal(ns_socket_sendto(c.s, "x", 1, 0, NULL, 0), -EPIPE);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.EstabResets"), 1);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.CurrEstab"), 0);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_in_window_rst_is_challenged(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	tp_send(&p, TP_RST, c.peer_seq + 100, 0, 0, NULL, NULL, 0);
	struct tp_seg s;
	tp_expect(&p, &s);
	/* RFC 5961 3.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
	assert_int_equal(s.flags, TP_ACK);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(s.ack, c.peer_seq);
	assert_int_equal(ns_socket_poll(c.s) & EPOLLERR, 0);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPChallengeACK"), 1);
	/* Outside the window: silently ignored. */
	tp_advance(&p, 600 * MS);
	tp_send(&p, TP_RST, c.peer_seq + 10000000, 0, 0, NULL, NULL, 0);
	tp_expect_none(&p);
	assert_int_equal(ns_socket_poll(c.s) & EPOLLERR, 0);
	/* The connection still carries data. */
	tp_csend(&p, &c, TP_ACK, "ok", 2);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL), 2);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_syn_in_established_is_challenged(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	/* RFC 5961 4.2, whatever the sequence number. */
	tp_send(&p, TP_SYN, c.peer_seq + 5, 0, 1000, NULL, NULL, 0);
	struct tp_seg s;
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_ACK);
	assert_int_equal(s.ack, c.peer_seq);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSYNChallenge"), 1);
	assert_int_equal(ns_socket_poll(c.s) & EPOLLERR, 0);
	tp_conn_close(&c);
	tp_free(&p);
}

/* The peer's SYN, retransmitted after the connection was established (its
 * sequence number below RCV.NXT): RFC 5961 4.2 asks for a challenge ACK,
 * and Linux (tcp_validate_incoming's syn_challenge) sends a plain one,
 * rate-limited as the others, not the D-SACK of a duplicate, whether the
 * SYN's timestamp is fresh or old enough to fail PAWS. Old data keeps
 * its D-SACK. */
static void test_retransmitted_syn_gets_a_plain_challenge(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS | TP_OPT_SACK);
	uint32_t isn = c.peer_seq - 1, syn_ts = c.peer_ts;
	struct tp_seg s;
	tp_csend(&p, &c, TP_ACK, "hello", 5);
	tp_advance(&p, 50 * MS);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.ack, c.peer_seq);

	struct ns_tcp_opts o = {
		.present = TCP_OPT_F_MSS | TCP_OPT_F_SACK_PERM | TCP_OPT_F_TS,
		.mss = 1460,
		.ts_val = c.peer_ts + 10,
	};
	tp_send(&p, TP_SYN, isn, 0, 65535, &o, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_ACK);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(s.ack, c.peer_seq);
	assert_int_equal(s.opts.present & TCP_OPT_F_SACK, 0);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSYNChallenge"), 1);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPChallengeACK"), 1);
	/* Within 500 ms of it: counted, not answered. */
	tp_send(&p, TP_SYN, isn, 0, 65535, &o, NULL, 0);
	tp_expect_none(&p);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSYNChallenge"), 2);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPACKSkippedChallenge"),
			 1);

	/* The SYN's own timestamp, older than TS.Recent: PAWS fails it. */
	tp_advance(&p, 600 * MS);
	o.ts_val = syn_ts;
	tp_send(&p, TP_SYN, isn, 0, 65535, &o, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_ACK);
	assert_int_equal(s.ack, c.peer_seq);
	assert_int_equal(s.opts.present & TCP_OPT_F_SACK, 0);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSYNChallenge"), 3);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.PAWSEstab"), 0);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPDSACKOldSent"), 0);
	assert_int_equal(ns_socket_poll(c.s) & EPOLLERR, 0);

	/* Old data: a duplicate ACK with the D-SACK block. */
	tp_advance(&p, 600 * MS);
	c.peer_ts++;
	o = (struct ns_tcp_opts){ .present = TCP_OPT_F_TS,
				  .ts_val = c.peer_ts,
				  .ts_ecr = c.stack_ts };
	tp_send(&p, TP_ACK, isn + 1, c.stack_seq, 65535, &o, "hello", 5);
	tp_expect(&p, &s);
	assert_true(s.opts.present & TCP_OPT_F_SACK);
	assert_int_equal(s.opts.nsack, 1);
	assert_int_equal(s.opts.sack[0].start, isn + 1);
	assert_int_equal(s.opts.sack[0].end, isn + 6);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPDSACKOldSent"), 1);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSYNChallenge"), 3);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_ack_of_unsent_data_is_challenged(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	/* RFC 9293 3.10.7.4 / RFC 5961 5.2: data with an ACK beyond
	 * SND.NXT is dropped, the sender told where we are. */
	tp_send(&p, TP_ACK, c.peer_seq, c.stack_seq + 5000, 65535, NULL, "evil",
		4);
	struct tp_seg s;
	tp_expect(&p, &s);
	assert_int_equal(s.ack, c.peer_seq);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL),
			 -EAGAIN);
	/* An ACK far below SND.UNA (blind injection) likewise. */
	tp_advance(&p, 600 * MS);
	tp_send(&p, TP_ACK, c.peer_seq, c.stack_seq - 1000000, 65535, NULL,
		"evil", 4);
	tp_expect(&p, &s);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL),
			 -EAGAIN);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPChallengeACK"), 2);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_challenges_are_rate_limited(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	struct tp_seg s;
	for (int i = 0; i < 50; i++)
		tp_send(&p, TP_RST, c.peer_seq + 1 + (uint32_t)i, 0, 0, NULL,
			NULL, 0);
	/* One reply per 500 ms and socket (Linux tcp_invalid_ratelimit). */
	tp_expect(&p, &s);
	tp_expect_none(&p);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPACKSkippedChallenge"),
			 49);
	tp_advance(&p, 500 * MS);
	tp_send(&p, TP_RST, c.peer_seq + 1, 0, 0, NULL, NULL, 0);
	tp_expect(&p, &s);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_closed_port_answers_with_rst(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 81);
	struct tp_seg s;
	/* A SYN: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
	tp_send(&p, TP_SYN, 777, 0, 1000, NULL, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_RST | TP_ACK);
	assert_int_equal(s.seq, 0);
	assert_int_equal(s.ack, 778);
	/* An ACK: <SEQ=SEG.ACK><CTL=RST>. */
	tp_send(&p, TP_ACK, 10, 4242, 1000, NULL, "data", 4);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_RST);
	assert_int_equal(s.seq, 4242);
	/* A RST: nothing (no RST wars). */
	tp_send(&p, TP_RST, 10, 0, 0, NULL, NULL, 0);
	tp_expect_none(&p);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.OutRsts"), 2);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.InNoSocket"), 3);
	tp_free(&p);
}

static void test_rst_to_half_open_child_keeps_listener(void **state)
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
	tp_send(&p, TP_SYN, 100, 0, 1000, NULL, NULL, 0);
	struct tp_seg s;
	tp_expect(&p, &s);
	/* RFC 9293 3.10.7.4: the passive open returns to LISTEN. */
	tp_send(&p, TP_RST, 101, 0, 0, NULL, NULL, 0);
	tp_expect_none(&p);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), -EAGAIN);
	/* No retransmitted SYN-ACK for the child that went. */
	tp_advance(&p, 5000 * MS);
	tp_expect_none(&p);
	tp_send(&p, TP_SYN, 500, 0, 1000, NULL, NULL, 0);
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_SYN | TP_ACK);
	ns_socket_close(l);
	tp_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_rst_resets),
		cmocka_unit_test(test_in_window_rst_is_challenged),
		cmocka_unit_test(test_syn_in_established_is_challenged),
		cmocka_unit_test(test_retransmitted_syn_gets_a_plain_challenge),
		cmocka_unit_test(test_ack_of_unsent_data_is_challenged),
		cmocka_unit_test(test_challenges_are_rate_limited),
		cmocka_unit_test(test_closed_port_answers_with_rst),
		cmocka_unit_test(test_rst_to_half_open_child_keeps_listener),
	};
	return cmocka_run_group_tests_name("netstack/tcp_rst", tests, NULL,
					   NULL);
}
