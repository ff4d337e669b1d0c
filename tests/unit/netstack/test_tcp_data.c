/* The established data path, segment by segment: quick and delayed ACKs
 * and their timing, the window update after a read, zero-window probes,
 * Nagle, TCP_CORK and MSG_MORE, out-of-order data answered with SACK and
 * D-SACK, PAWS, window scaling, and urgent data both ways. */
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
#include <cmocka.h>

#include "tcp_pkt.h"

#define MS  1000000ull
#define SEC 1000000000ull

static char buf[65536];

static ssize_t rd(struct ns_socket *s, size_t n, int flags)
{
	return ns_socket_recvfrom(s, buf, n, flags, NULL, NULL);
}

static ssize_t wr(struct ns_socket *s, const void *data, size_t n, int flags)
{
	return ns_socket_sendto(s, data, n, flags, NULL, 0);
}

static void setint(struct ns_socket *s, int level, int name, int v)
{
	assert_int_equal(ns_socket_setsockopt(s, level, name, &v, sizeof(v)),
			 0);
}

/* Sends n segments of len bytes from the peer, reading each at once;
 * returns how many ACKs the stack sent in response. */
static unsigned feed(struct tp_peer *p, struct tp_conn *c, unsigned n,
		     size_t len)
{
	unsigned acks = 0;
	struct tp_seg s;
	memset(buf, 'd', len);
	for (unsigned i = 0; i < n; i++) {
		tp_csend(p, c, TP_ACK, buf, len);
		while (tp_recv(p, &s)) {
			assert_int_equal(s.ack, c->peer_seq);
			acks++;
		}
		assert_int_equal(rd(c->s, sizeof(buf), 0), (ssize_t)len);
		while (tp_recv(p, &s))
			acks++;
	}
	return acks;
}

static void test_quick_acks_then_every_second_segment(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	/* The first data of a connection is acknowledged segment by
	 * segment (quick-ACK mode, so the peer's slow start is not held
	 * back: 16 ACKs for a 64240-byte window)... */
	assert_int_equal(feed(&p, &c, 16, 1460), 16);
	/* ... then every second full-sized segment (RFC 5681 4.2). */
	unsigned acks = feed(&p, &c, 40, 1460);
	assert_true(acks >= 19 && acks <= 30);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_delayed_ack_after_40ms(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	feed(&p, &c, 40, 1460); /* past quick-ACK mode */
	/* Drain a pending ACK so a fresh single segment starts clean (a
	 * pause longer than the RTO would bring quick ACKs back). */
	tp_advance(&p, 50 * MS);
	struct tp_seg s;
	while (tp_recv(&p, &s))
		;
	uint64_t before = nt_stat(tp_stack(&p), "TcpExt.DelayedACKs");
	tp_csend(&p, &c, TP_ACK, "x", 1);
	tp_expect_none(&p);
	tp_advance(&p, 39 * MS);
	tp_expect_none(&p);
	tp_advance(&p, 1 * MS);
	tp_expect(&p, &s);
	assert_int_equal(s.ack, c.peer_seq);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.DelayedACKs"),
			 before + 1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_window_update_after_read(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	p.rcvbuf = 8192;
	tp_establish(&p, &c, true, 0);
	/* Fill the receive buffer without reading until the stack offers
	 * no more room. */
	struct tp_seg s;
	uint32_t right_edge = c.peer_seq + 1460;
	memset(buf, 'w', sizeof(buf));
	for (int i = 0; i < 100; i++) {
		uint32_t room = right_edge - c.peer_seq;
		if (room == 0)
			break;
		tp_csend(&p, &c, TP_ACK, buf, room < 1460 ? room : 1460);
		tp_advance(&p, 50 * MS);
		while (tp_recv(&p, &s))
			right_edge = s.ack + s.win;
	}
	assert_int_equal(right_edge, c.peer_seq);
	assert_true(nt_stat(tp_stack(&p), "TcpExt.TCPToZeroWindowAdv") >= 1);
	/* Reading opens the window: an update goes out at once. */
	assert_true(rd(c.s, sizeof(buf), 0) > 0);
	tp_expect(&p, &s);
	assert_true(s.win > 0);
	assert_int_equal(s.ack, c.peer_seq);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_zero_window_probes_with_backoff(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	/* The peer's window closes; the stack has data. */
	c.peer_win = 0;
	tp_csend(&p, &c, TP_ACK, NULL, 0);
	assert_int_equal(wr(c.s, "hello", 5, 0), 5);
	tp_expect_none(&p);
	/* Probes: an old sequence number, no data, at RTO intervals that
	 * double (RFC 9293 3.8.6.1). */
	uint64_t prev = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t gap = tp_next_timer(&p, 10 * SEC);
		struct tp_seg s;
		tp_expect(&p, &s);
		assert_int_equal(s.seq, c.stack_seq - 1);
		assert_int_equal(s.len, 0);
		if (prev)
			assert_int_equal(gap, 2 * prev);
		prev = gap;
		tp_cack(&p, &c, c.stack_seq, NULL, 0);
	}
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPWinProbe"), 3);
	/* The window opens: the data goes. */
	c.peer_win = 65535;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	struct tp_seg s;
	tp_expect(&p, &s);
	assert_int_equal(s.len, 5);
	tp_conn_close(&c);
	tp_free(&p);
}

/* A window smaller than an MSS with nothing in flight: sender SWS
 * avoidance holds the sliver, but the probe timer runs (Linux
 * tcp_check_probe_timer), and its probe carries what fits, so a lost
 * window update cannot stall the connection. */
static void test_sub_mss_window_probed_with_data(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	/* The window shrinks (Linux takes a smaller window only from a
	 * segment that advances snd_una or the sequence number of the last
	 * update: the second data byte here). */
	c.peer_win = 300;
	tp_csend(&p, &c, TP_ACK, "x", 1);
	tp_csend(&p, &c, TP_ACK, "y", 1);
	struct tp_seg s;
	while (tp_recv(&p, &s))
		;
	memset(buf, 'w', 5000);
	assert_int_equal(wr(c.s, buf, 5000, 0), 5000);
	tp_expect_none(&p);
	uint64_t gap = tp_next_timer(&p, 10 * SEC);
	assert_true(gap >= 200 * MS && gap <= 3 * SEC);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(s.len, 300);
	/* Acknowledged, the window still small: the next probe carries the
	 * next 300 bytes. */
	c.stack_seq += 300;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	tp_expect_none(&p);
	tp_next_timer(&p, 10 * SEC);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(s.len, 300);
	c.stack_seq += 300;
	/* The window opens: the rest goes at once. */
	c.peer_win = 65535;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	uint32_t got = 0;
	while (tp_recv(&p, &s))
		got += s.len;
	assert_int_equal(got, 5000 - 600);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_nagle_holds_small_segments(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	struct tp_seg s;
	assert_int_equal(wr(c.s, "a", 1, 0), 1);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 1);
	/* A small write while a small segment is unacknowledged waits
	 * (RFC 896, Minshall's variant). */
	assert_int_equal(wr(c.s, "b", 1, 0), 1);
	assert_int_equal(wr(c.s, "c", 1, 0), 1);
	tp_expect_none(&p);
	tp_cack(&p, &c, s.seq + 1, NULL, 0);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 2);
	assert_memory_equal(s.data, "bc", 2);
	/* TCP_NODELAY sends at once. */
	setint(c.s, IPPROTO_TCP, TCP_NODELAY, 1);
	assert_int_equal(wr(c.s, "d", 1, 0), 1);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(wr(c.s, "e", 1, 0), 1);
	tp_cexpect(&p, &c, &s);
	assert_memory_equal(s.data, "e", 1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_cork_and_msg_more(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	setint(c.s, IPPROTO_TCP, TCP_NODELAY, 1);
	setint(c.s, IPPROTO_TCP, TCP_CORK, 1);
	assert_int_equal(wr(c.s, "head", 4, 0), 4);
	assert_int_equal(wr(c.s, "body", 4, 0), 4);
	tp_expect_none(&p);
	/* A full segment goes even while corked. */
	memset(buf, 'z', 2000);
	assert_int_equal(wr(c.s, buf, 2000, 0), 2000);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 1460);
	tp_expect_none(&p);
	/* Uncorking pushes the rest. */
	setint(c.s, IPPROTO_TCP, TCP_CORK, 0);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 2008 - 1460);
	tp_cack(&p, &c, s.seq + s.len, NULL, 0);
	/* MSG_MORE holds one write like a cork. */
	assert_int_equal(wr(c.s, "GET ", 4, MSG_MORE), 4);
	tp_expect_none(&p);
	assert_int_equal(wr(c.s, "/\r\n", 3, 0), 3);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 7);
	tp_cack(&p, &c, s.seq + s.len, NULL, 0);
	/* A cork holds a partial segment about 200 ms at most: the probe
	 * timer sends it (Linux's ceiling, from tcp_check_probe_timer). */
	setint(c.s, IPPROTO_TCP, TCP_CORK, 1);
	assert_int_equal(wr(c.s, "tail", 4, 0), 4);
	tp_expect_none(&p);
	uint64_t gap = tp_next_timer(&p, 10 * SEC);
	assert_true(gap >= 200 * MS && gap < SEC);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 4);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_out_of_order_sack_and_dsack(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS | TP_OPT_SACK);
	uint32_t base = c.peer_seq;
	memset(buf, 'o', 3000);
	/* Segment 2 of 3 first: an immediate ACK with its SACK block. */
	c.peer_seq = base + 1000;
	tp_csend(&p, &c, TP_ACK, buf, 1000);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.ack, base);
	assert_int_equal(s.opts.nsack, 1);
	assert_int_equal(s.opts.sack[0].start, base + 1000);
	assert_int_equal(s.opts.sack[0].end, base + 2000);
	/* The same again: reported as a D-SACK (RFC 2883 4.2), first,
	 * within the block that holds it. */
	c.peer_seq = base + 1000;
	tp_csend(&p, &c, TP_ACK, buf, 1000);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.opts.nsack, 2);
	assert_int_equal(s.opts.sack[0].start, base + 1000);
	assert_int_equal(s.opts.sack[0].end, base + 2000);
	/* The hole fills: one cumulative ACK, no blocks left. */
	c.peer_seq = base;
	tp_csend(&p, &c, TP_ACK, buf, 1000);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.ack, base + 2000);
	assert_int_equal(s.opts.present & TCP_OPT_F_SACK, 0);
	c.peer_seq = base + 2000;
	assert_int_equal(rd(c.s, sizeof(buf), 0), 2000);
	/* Old data already read: D-SACK below the cumulative ACK (RFC 2883
	 * 4.1). */
	c.peer_seq = base;
	tp_csend(&p, &c, TP_ACK, buf, 1000);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.opts.nsack, 1);
	assert_int_equal(s.opts.sack[0].start, base);
	assert_int_equal(s.opts.sack[0].end, base + 1000);
	assert_true(nt_stat(tp_stack(&p), "TcpExt.TCPDSACKOldSent") >= 1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_paws_drops_old_timestamps(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS);
	tp_csend(&p, &c, TP_ACK, "new", 3);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(rd(c.s, 10, 0), 3);
	/* A segment whose timestamp went back (an old duplicate): not
	 * accepted, answered with an ACK (RFC 7323 5.3). */
	c.peer_ts -= 50;
	tp_csend(&p, &c, TP_ACK, "old", 3);
	tp_advance(&p, 600 * MS);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.ack, c.peer_seq - 3);
	assert_int_equal(rd(c.s, 10, 0), -EAGAIN);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.PAWSEstab"), 1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_window_scaling_applies_both_ways(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_WS);
	/* The peer's 100 << 4 = 1600 bytes: one full segment fits, the
	 * rest waits. (A window can only shrink with a newer segment:
	 * Linux ignores it on a duplicate ACK.) */
	struct tp_seg ack;
	tp_csend(&p, &c, TP_ACK, "p", 1);
	tp_cexpect(&p, &c, &ack);
	c.peer_win = 100;
	tp_csend(&p, &c, TP_ACK, "q", 1);
	tp_cexpect(&p, &c, &ack);
	memset(buf, 'S', 4000);
	setint(c.s, IPPROTO_TCP, TCP_NODELAY, 1);
	assert_int_equal(wr(c.s, buf, 4000, 0), 4000);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 1460);
	tp_expect_none(&p);
	/* Our window is scaled by 7: the field times 128 is the window. */
	tp_csend(&p, &c, TP_ACK, "x", 1);
	tp_cexpect(&p, &c, &s);
	assert_true((uint32_t)s.win << 7 >= 14600);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_urgent_data_received(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	/* "abc" with the urgent pointer after 'c' (RFC 6093: Linux reads
	 * the pointer as pointing past the urgent byte): 'c' is out of
	 * band. */
	p.urg = 3;
	tp_csend(&p, &c, TP_ACK | TP_URG, "abc", 3);
	p.urg = 0;
	assert_true(ns_socket_poll(c.s) & EPOLLPRI);
	int mark = -1;
	assert_int_equal(ns_socket_ioctl(c.s, SIOCATMARK, &mark), 0);
	assert_int_equal(mark, 0);
	/* The normal stream stops at the mark and never shows 'c'. */
	assert_int_equal(rd(c.s, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "ab", 2);
	assert_int_equal(ns_socket_ioctl(c.s, SIOCATMARK, &mark), 0);
	assert_int_equal(mark, 1);
	struct msghdr msg = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	assert_int_equal(ns_socket_recvmsg(c.s, &msg, MSG_OOB, NULL), 1);
	assert_int_equal(buf[0], 'c');
	assert_true(msg.msg_flags & MSG_OOB);
	/* Read once only. */
	assert_int_equal(ns_socket_recvmsg(c.s, &msg, MSG_OOB, NULL), -EINVAL);
	tp_csend(&p, &c, TP_ACK, "de", 2);
	assert_int_equal(rd(c.s, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "de", 2);
	/* With SO_OOBINLINE the byte stays in the stream and MSG_OOB
	 * refuses. */
	setint(c.s, SOL_SOCKET, SO_OOBINLINE, 1);
	p.urg = 1;
	tp_csend(&p, &c, TP_ACK | TP_URG, "X", 1);
	p.urg = 0;
	assert_int_equal(ns_socket_recvmsg(c.s, &msg, MSG_OOB, NULL), -EINVAL);
	assert_int_equal(rd(c.s, sizeof(buf), 0), 1);
	assert_int_equal(buf[0], 'X');
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_urgent_data_sent(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	assert_int_equal(wr(c.s, "!", 1, MSG_OOB), 1);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	assert_true(s.flags & TP_URG);
	/* The pointer points after the urgent byte (Linux). */
	assert_int_equal(s.urg, 1);
	tp_conn_close(&c);
	tp_free(&p);
}

/* IPv4 identification: each connection counts its own segments from a
 * random start (Linux inet_id), not the shared per-destination counters
 * that stateless replies such as a RST use. */
static void test_ip_ident_counts_per_connection(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	setint(c.s, IPPROTO_TCP, TCP_NODELAY, 1);
	struct tp_seg a, rst, b;
	assert_int_equal(wr(c.s, "one", 3, 0), 3);
	tp_cexpect(&p, &c, &a);
	/* A SYN to a closed port from the same address: a RST. */
	p.dport = 81;
	tp_send(&p, TP_SYN, 7, 0, 1000, NULL, NULL, 0);
	tp_expect(&p, &rst);
	assert_true(rst.flags & TP_RST);
	p.dport = 80;
	assert_int_equal(wr(c.s, "two", 3, 0), 3);
	tp_cexpect(&p, &c, &b);
	assert_int_equal((uint16_t)(b.ip_id - a.ip_id), 1);
	tp_conn_close(&c);
	tp_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_acks_then_every_second_segment),
		cmocka_unit_test(test_delayed_ack_after_40ms),
		cmocka_unit_test(test_window_update_after_read),
		cmocka_unit_test(test_zero_window_probes_with_backoff),
		cmocka_unit_test(test_sub_mss_window_probed_with_data),
		cmocka_unit_test(test_ip_ident_counts_per_connection),
		cmocka_unit_test(test_nagle_holds_small_segments),
		cmocka_unit_test(test_cork_and_msg_more),
		cmocka_unit_test(test_out_of_order_sack_and_dsack),
		cmocka_unit_test(test_paws_drops_old_timestamps),
		cmocka_unit_test(test_window_scaling_applies_both_ways),
		cmocka_unit_test(test_urgent_data_received),
		cmocka_unit_test(test_urgent_data_sent),
	};
	return cmocka_run_group_tests_name("netstack/tcp_data", tests, NULL,
					   NULL);
}
