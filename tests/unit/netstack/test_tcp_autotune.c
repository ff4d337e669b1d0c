/* Buffer auto-tuning: the receiver's RTT estimate from windows and
 * timestamps, the receive buffer growing towards tcp_rmem[2] as a reader
 * keeps up with a growing sender (and not when SO_RCVBUF locked it), and
 * the send buffer following the congestion window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_autotune.h"

#define MS  1000000ULL
#define MSS 1448u

static void test_window_rtt_only_lowers(void **state)
{
	(void)state;
	struct tcp_rcv_tune t;
	ns_tcp_rcv_tune_init(&t, 10 * MSS, 0, 0);
	/* Start: the window ends at 65535; it is full 50 ms later. */
	ns_tcp_rcv_rtt_measure(&t, 0, 65535, 1 * MS);
	ns_tcp_rcv_rtt_measure(&t, 30000, 65535, 20 * MS); /* not yet */
	assert_int_equal(t.rtt8, 0);
	ns_tcp_rcv_rtt_measure(&t, 65535, 65535, 51 * MS);
	assert_int_equal(t.rtt8 / 8, 50 * MS);
	/* A slower window (the sender was application-limited) does not
	 * raise the estimate; a faster one lowers it. */
	ns_tcp_rcv_rtt_measure(&t, 2 * 65535, 65535, 151 * MS);
	assert_int_equal(t.rtt8 / 8, 50 * MS);
	ns_tcp_rcv_rtt_measure(&t, 3 * 65535, 65535, 181 * MS);
	assert_int_equal(t.rtt8 / 8, 30 * MS);
}

static void test_timestamp_rtt_is_smoothed(void **state)
{
	(void)state;
	struct tcp_rcv_tune t;
	ns_tcp_rcv_tune_init(&t, 10 * MSS, 0, 0);
	ns_tcp_rcv_rtt_sample(&t, 80 * MS);
	assert_int_equal(t.rtt8 / 8, 80 * MS);
	ns_tcp_rcv_rtt_sample(&t, 160 * MS);
	assert_int_equal(t.rtt8 / 8, 90 * MS);
}

/* A reader that reads everything the sender sends, with the sender
 * doubling per RTT: the buffer grows round by round to the maximum,
 * and the window it allows always keeps ahead of the sender. */
static void test_receive_buffer_grows_to_rmem_max(void **state)
{
	(void)state;
	struct tcp_rcv_tune t;
	uint64_t rtt = 50 * MS, now = 0;
	ns_tcp_rcv_tune_init(&t, 10 * MSS, 0, now);
	ns_tcp_rcv_rtt_sample(&t, rtt);
	uint32_t rcvbuf = TCP_RMEM_DEFAULT, copied = 0, per_rtt = 10 * MSS;
	uint32_t previous = rcvbuf;
	int grew = 0;
	for (int round = 0; round < 20; round++) {
		/* The sender can only send what the window allows. */
		uint32_t window = ns_tcp_win_from_space(rcvbuf);
		if (per_rtt > window)
			per_rtt = window;
		copied += per_rtt;
		now += rtt;
		if (ns_tcp_rcv_space_adjust(&t, copied, now, MSS, TCP_RMEM_MAX,
					    false, &rcvbuf)) {
			assert_true(rcvbuf > previous);
			grew++;
		}
		assert_true(rcvbuf <= TCP_RMEM_MAX);
		previous = rcvbuf;
		per_rtt *= 2;
	}
	assert_true(grew >= 3);
	assert_int_equal(rcvbuf, TCP_RMEM_MAX);
}

static void test_no_growth_within_an_rtt_or_when_locked(void **state)
{
	(void)state;
	struct tcp_rcv_tune t;
	ns_tcp_rcv_tune_init(&t, 10 * MSS, 0, 0);
	ns_tcp_rcv_rtt_sample(&t, 100 * MS);
	uint32_t rcvbuf = 65536;
	/* Less than an RTT after the start: no decision. */
	assert_false(ns_tcp_rcv_space_adjust(&t, 1000000, 50 * MS, MSS,
					     TCP_RMEM_MAX, false, &rcvbuf));
	/* SO_RCVBUF set: measured but never grown. */
	assert_false(ns_tcp_rcv_space_adjust(&t, 1000000, 150 * MS, MSS,
					     TCP_RMEM_MAX, true, &rcvbuf));
	assert_int_equal(rcvbuf, 65536);
	assert_int_equal(t.space, 1000000);
	/* A reader that slows down does not shrink the buffer. */
	assert_false(ns_tcp_rcv_space_adjust(&t, 1000100, 300 * MS, MSS,
					     TCP_RMEM_MAX, false, &rcvbuf));
	assert_int_equal(rcvbuf, 65536);
}

static void test_no_rtt_no_tuning(void **state)
{
	(void)state;
	struct tcp_rcv_tune t;
	ns_tcp_rcv_tune_init(&t, 10 * MSS, 0, 0);
	uint32_t rcvbuf = 65536;
	assert_false(ns_tcp_rcv_space_adjust(&t, 5000000, 10000 * MS, MSS,
					     TCP_RMEM_MAX, false, &rcvbuf));
}

static void test_send_buffer_follows_cwnd(void **state)
{
	(void)state;
	/* Two windows of payload, charged twice, at least the initial
	 * window's worth, at most wmem_max. */
	assert_int_equal(ns_tcp_sndbuf_target(4, MSS, TCP_WMEM_MAX),
			 2 * 2 * 10 * MSS);
	assert_int_equal(ns_tcp_sndbuf_target(100, MSS, TCP_WMEM_MAX),
			 2 * 2 * 100 * MSS);
	assert_int_equal(ns_tcp_sndbuf_target(100000, MSS, TCP_WMEM_MAX),
			 TCP_WMEM_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_rtt_only_lowers),
		cmocka_unit_test(test_timestamp_rtt_is_smoothed),
		cmocka_unit_test(test_receive_buffer_grows_to_rmem_max),
		cmocka_unit_test(test_no_growth_within_an_rtt_or_when_locked),
		cmocka_unit_test(test_no_rtt_no_tuning),
		cmocka_unit_test(test_send_buffer_follows_cwnd),
	};
	return cmocka_run_group_tests_name("netstack/tcp_autotune", tests, NULL,
					   NULL);
}
