/* Receive window selection: following the buffer, receiver SWS avoidance,
 * MSS rounding without scaling, never shrinking, scaling, window scale
 * and initial window choice, receiver-side slow start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_window.h"

#define MSS 1448u

static struct tcp_rwin rwin(uint8_t ws)
{
	return (struct tcp_rwin){ .rcv_nxt = 1000,
				  .rcv_wup = 1000,
				  .rcv_wnd = 0,
				  .rcv_ssthresh = UINT32_MAX,
				  .window_clamp = UINT32_MAX,
				  .rcv_wscale = ws };
}

static void test_follows_free_space_scaled(void **state)
{
	(void)state;
	struct tcp_rwin w = rwin(7);
	/* 1 MB free of 2 MB: offered as is, rounded up to 128. */
	uint16_t field = ns_tcp_select_window(&w, 1000000, 2000000, MSS);
	assert_int_equal(w.rcv_wnd, 1000064);
	assert_int_equal(field, 1000064 >> 7);
	assert_int_equal(w.rcv_wup, 1000);
}

static void test_unscaled_rounds_to_mss(void **state)
{
	(void)state;
	struct tcp_rwin w = rwin(0);
	ns_tcp_select_window(&w, 50000, 60000, MSS);
	assert_int_equal(w.rcv_wnd, 50000 / MSS * MSS);
	/* Within one MSS of the free space: the offer stays put. */
	uint32_t before = w.rcv_wnd;
	ns_tcp_select_window(&w, before + 100, 60000, MSS);
	assert_int_equal(w.rcv_wnd, before);
	/* Never beyond 65535 without scaling. */
	ns_tcp_select_window(&w, 200000, 300000, MSS);
	assert_true(w.rcv_wnd <= 65535);
}

static void test_sws_avoidance_offers_zero_not_slivers(void **state)
{
	(void)state;
	struct tcp_rwin w = rwin(0);
	/* Less than an MSS free in a mostly full buffer. */
	assert_int_equal(ns_tcp_window_allowed(&w, 1000, 60000, MSS), 0);
	/* Less than 1/16 of a large buffer, though above an MSS. */
	assert_int_equal(ns_tcp_window_allowed(&w, 3000, 100000, MSS), 0);
	/* An unknown peer MSS (0) is not a divisor. */
	assert_int_equal(ns_tcp_window_allowed(&w, 30000, 60000, 0), 30000);
	/* A quarter free is offered. */
	assert_true(ns_tcp_window_allowed(&w, 25000, 100000, MSS) > 0);
}

static void test_never_shrinks_offered_edge(void **state)
{
	(void)state;
	struct tcp_rwin w = rwin(7);
	ns_tcp_select_window(&w, 500000, 1000000, MSS);
	uint32_t right_edge = w.rcv_wup + w.rcv_wnd;
	/* 100 KB arrive, the application reads nothing: the buffer allows
	 * less, but the edge offered earlier stays. */
	w.rcv_nxt += 100000;
	ns_tcp_select_window(&w, 300000, 1000000, MSS);
	assert_true(w.rcv_wup + w.rcv_wnd >= right_edge);
	assert_int_equal(ns_tcp_receive_window(&w), w.rcv_wnd);
	/* Overrun by the peer: no negative window. */
	w.rcv_nxt = w.rcv_wup + w.rcv_wnd + 10;
	assert_int_equal(ns_tcp_receive_window(&w), 0);
}

static void test_small_scaled_window_not_scaled_to_zero(void **state)
{
	(void)state;
	struct tcp_rwin w = rwin(14);
	/* 20 KB free of 40 KB is offered; scaled by 16384 it becomes 2
	 * units, never 1 (rounded up) or 0. */
	uint16_t field = ns_tcp_select_window(&w, 20000, 40000, MSS);
	assert_int_equal(field, 2);
}

static void test_wscale_and_initial_window(void **state)
{
	(void)state;
	assert_int_equal(ns_tcp_choose_wscale(65535), 0);
	assert_int_equal(ns_tcp_choose_wscale(65536), 1);
	/* Linux's default tcp_rmem[2] of 6 MB gives the familiar 7. */
	assert_int_equal(ns_tcp_choose_wscale(6291456), 7);
	assert_int_equal(ns_tcp_choose_wscale(UINT32_MAX), 14);
	/* Linux's 64240 for a 1460 MSS and the default buffer. */
	assert_int_equal(ns_tcp_initial_window(65536, 1460), 64240);
	assert_int_equal(ns_tcp_initial_window(131072, MSS), 65535);
	assert_int_equal(ns_tcp_initial_window(10000, MSS), 10000 / MSS * MSS);
}

static void test_receiver_slow_start(void **state)
{
	(void)state;
	struct tcp_rwin w = rwin(7);
	w.rcv_ssthresh = 64000;
	w.window_clamp = 70000;
	ns_tcp_grow_rcv_ssthresh(&w, 100, MSS, 1000000);
	assert_int_equal(w.rcv_ssthresh, 64000); /* tiny segment */
	ns_tcp_grow_rcv_ssthresh(&w, MSS, MSS, 1000000);
	assert_int_equal(w.rcv_ssthresh, 64000 + 2 * MSS);
	ns_tcp_grow_rcv_ssthresh(&w, MSS, MSS, 1000000);
	ns_tcp_grow_rcv_ssthresh(&w, MSS, MSS, 1000000);
	assert_int_equal(w.rcv_ssthresh, 70000);
	/* The window offered is limited by it. */
	ns_tcp_select_window(&w, 500000, 1000000, MSS);
	assert_int_equal(w.rcv_wnd, 70016);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follows_free_space_scaled),
		cmocka_unit_test(test_unscaled_rounds_to_mss),
		cmocka_unit_test(test_sws_avoidance_offers_zero_not_slivers),
		cmocka_unit_test(test_never_shrinks_offered_edge),
		cmocka_unit_test(test_small_scaled_window_not_scaled_to_zero),
		cmocka_unit_test(test_wscale_and_initial_window),
		cmocka_unit_test(test_receiver_slow_start),
	};
	return cmocka_run_group_tests_name("netstack/tcp_window", tests, NULL,
					   NULL);
}
