/* Hostile segments: impossible data offsets, option lengths that lie, bad
 * checksums, SACK blocks outside the window, an enormous window, and RST,
 * SYN and random-flag floods. Each is dropped or answered as the RFCs
 * say, counted, and the stack keeps working (leaks are caught by `make
 * asan`). */
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
#include "netstack/wire.h"
#include "tcp_pkt.h"

#define MS 1000000ull

static char buf[65536];

/* A bare TCP header for raw sends. */
static size_t header(struct tp_peer *p, uint8_t *t, uint32_t seq, uint32_t ack,
		     uint8_t flags, uint8_t doff_words)
{
	memset(t, 0, 60);
	ns_put_be16(t, p->sport);
	ns_put_be16(t + 2, p->dport);
	ns_put_be32(t + 4, seq);
	ns_put_be32(t + 8, ack);
	t[12] = (uint8_t)(doff_words << 4);
	t[13] = flags;
	ns_put_be16(t + 14, 65535);
	return 20;
}

static struct ns_socket *listener(struct tp_peer *p, int backlog)
{
	struct ns_socket *l;
	assert_int_equal(
		ns_socket_create(tp_stack(p), AF_INET, SOCK_STREAM, 0, &l), 0);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(p, false, p->dport, &ss);
	assert_int_equal(ns_socket_bind(l, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_listen(l, backlog), 0);
	return l;
}

static void test_impossible_offsets_and_checksums(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *l = listener(&p, 8);
	uint8_t t[80];
	/* Data offset 4 words: below the header itself. */
	header(&p, t, 1, 0, TP_SYN, 4);
	tp_send_raw(&p, t, 20, false);
	/* 15 words claimed, 24 bytes present. */
	header(&p, t, 1, 0, TP_SYN, 15);
	tp_send_raw(&p, t, 24, false);
	/* Shorter than a header. */
	tp_send_raw(&p, t, 12, false);
	tp_expect_none(&p);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.InBadHdrLen"), 3);
	/* A good SYN with a wrong checksum. */
	header(&p, t, 1, 0, TP_SYN, 5);
	tp_send_raw(&p, t, 20, true);
	tp_expect_none(&p);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.InCsumErrors"), 1);
	assert_int_equal(nt_stat(tp_stack(&p), "Tcp.InErrs"), 4);
	/* And the listener still answers a proper one. */
	tp_send_raw(&p, t, 20, false);
	struct tp_seg s;
	tp_expect(&p, &s);
	assert_int_equal(s.flags, TP_SYN | TP_ACK);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_options_that_lie_about_their_length(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *l = listener(&p, 8);
	uint8_t t[80];
	static const uint8_t lies[][4] = {
		{ 2, 40, 5, 0xb4 }, /* MSS claiming 40 bytes */
		{ 8, 0, 0, 0 },	    /* length 0 */
		{ 3, 1, 7, 1 },	    /* length 1 */
		{ 1, 1, 1, 30 },    /* kind without a length byte */
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		header(&p, t, 1, 0, TP_SYN, 6);
		memcpy(t + 20, lies[i], 4);
		tp_send_raw(&p, t, 24, false);
	}
	tp_expect_none(&p);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.InBadOptions"), 4);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_sack_blocks_outside_the_window(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_SACK | TP_OPT_TS);
	int one = 1;
	ns_socket_setsockopt(c.s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(buf, 'q', 4000);
	assert_int_equal(ns_socket_sendto(c.s, buf, 4000, 0, NULL, 0), 4000);
	struct tp_seg s;
	while (tp_recv(&p, &s))
		c.stack_ts = s.opts.ts_val;
	uint32_t una = c.stack_seq;
	struct ns_tcp_sack_block b[] = {
		{ una + 100000, una + 200000 }, /* beyond SND.NXT */
		{ una + 3000, una + 1000 },	/* inverted */
		{ una - 500000, una + 10 },	/* straddling far below */
	};
	tp_cack(&p, &c, una, b, 3);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSACKDiscard"), 3);
	struct ns_tcp_info info;
	socklen_t len = sizeof(info);
	ns_socket_getsockopt(c.s, IPPROTO_TCP, TCP_INFO, &info, &len);
	assert_int_equal(info.sacked, 0);
	assert_int_equal(info.lost, 0);
	/* A proper ACK still works. */
	tp_cack(&p, &c, una + 4000, NULL, 0);
	ns_socket_getsockopt(c.s, IPPROTO_TCP, TCP_INFO, &info, &len);
	assert_int_equal(info.unacked, 0);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_enormous_window(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_WS);
	/* 65535 << 14 (RFC 7323's maximum, 1 GiB), then more than a
	 * legal scale could give: the shift is clamped, nothing wraps. */
	c.peer_win = 65535;
	tp_csend(&p, &c, TP_ACK, "x", 1);
	struct ns_tcp_info info;
	socklen_t len = sizeof(info);
	ns_socket_getsockopt(c.s, IPPROTO_TCP, TCP_INFO, &info, &len);
	assert_int_equal(info.snd_wnd, 65535u << 4);
	memset(buf, 'W', 60000);
	assert_true(ns_socket_sendto(c.s, buf, 60000, 0, NULL, 0) > 0);
	struct tp_seg s;
	unsigned n = 0;
	while (tp_recv(&p, &s))
		n++;
	/* The congestion window, not the huge offer, limits. */
	assert_true(n >= 10 && n <= 44);
	tp_conn_close(&c);
	tp_free(&p);
}

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void test_rst_flood_keeps_connection(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, 0);
	uint32_t x = 12345;
	unsigned replies = 0;
	struct tp_seg s;
	for (int i = 0; i < 20000; i++) {
		uint32_t seq = rnd(&x);
		if (seq == c.peer_seq || seq == c.peer_seq - 1)
			continue;
		tp_send(&p, TP_RST, seq, 0, 0, NULL, NULL, 0);
		while (tp_recv(&p, &s))
			replies++;
	}
	/* Challenges are limited; the blind attacker cannot reset. */
	assert_true(replies <= 2);
	assert_int_equal(ns_socket_poll(c.s) & EPOLLERR, 0);
	tp_csend(&p, &c, TP_ACK, "alive", 5);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL), 5);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_syn_flood_answered_with_cookies(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct ns_socket *l = listener(&p, 16);
	uint32_t x = 999;
	struct tp_seg s;
	unsigned synacks = 0;
	for (int i = 0; i < 20000; i++) {
		p.sport = (uint16_t)(1024 + rnd(&x) % 60000);
		tp_send(&p, TP_SYN, rnd(&x), 0, 65535, NULL, NULL, 0);
		while (tp_recv(&p, &s))
			synacks++;
	}
	/* Every SYN answered, but only the backlog's worth of state. */
	assert_true(synacks >= 19000);
	assert_true(nt_stat(tp_stack(&p), "TcpExt.SyncookiesSent") >= 19000);
	struct ns_socket_info si;
	ns_socket_get_info(l, &si);
	assert_int_equal(si.rx_queue, 0);
	/* A real client still gets in (through a cookie). */
	p.sport = 7777;
	tp_send(&p, TP_SYN, 100, 0, 65535, NULL, NULL, 0);
	tp_expect(&p, &s);
	tp_send(&p, TP_ACK, 101, s.seq + 1, 65535, NULL, "hi", 2);
	struct ns_socket *a;
	assert_int_equal(ns_socket_accept(l, &a, NULL, NULL, 0), 0);
	assert_int_equal(ns_socket_recvfrom(a, buf, 10, 0, NULL, NULL), 2);
	ns_socket_close(a);
	ns_socket_close(l);
	tp_free(&p);
}

static void test_random_flags_and_junk(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_SACK | TP_OPT_TS);
	uint32_t x = 4242;
	struct tp_seg s;
	for (int i = 0; i < 20000; i++) {
		uint8_t t[80];
		size_t len = 20 + rnd(&x) % 60;
		for (size_t j = 0; j < len; j++)
			t[j] = (uint8_t)rnd(&x);
		/* Aim most at the connection and the listener's port. */
		ns_put_be16(t, (i & 1) ? p.sport : (uint16_t)rnd(&x));
		ns_put_be16(t + 2, (i & 3) ? p.dport : (uint16_t)rnd(&x));
		if (i & 2) {
			ns_put_be32(t + 4, c.peer_seq + rnd(&x) % 100000);
			ns_put_be32(t + 8, c.stack_seq);
		}
		tp_send_raw(&p, t, len, false);
		while (tp_recv(&p, &s))
			;
		if (i % 1000 == 0)
			tp_advance(&p, 100 * MS);
	}
	/* Whatever that did to the connection, the stack is sound: a new
	 * connection works end to end. */
	tp_conn_close(&c);
	while (tp_recv(&p, &s))
		;
	p.sport = 6000;
	p.dport = 81;
	struct tp_conn d;
	tp_establish(&p, &d, true, 0);
	tp_csend(&p, &d, TP_ACK, "fine", 4);
	assert_int_equal(ns_socket_recvfrom(d.s, buf, 10, 0, NULL, NULL), 4);
	tp_conn_close(&d);
	tp_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impossible_offsets_and_checksums),
		cmocka_unit_test(test_options_that_lie_about_their_length),
		cmocka_unit_test(test_sack_blocks_outside_the_window),
		cmocka_unit_test(test_enormous_window),
		cmocka_unit_test(test_rst_flood_keeps_connection),
		cmocka_unit_test(test_syn_flood_answered_with_cookies),
		cmocka_unit_test(test_random_flags_and_junk),
	};
	return cmocka_run_group_tests_name("netstack/tcp_hostile", tests, NULL,
					   NULL);
}
