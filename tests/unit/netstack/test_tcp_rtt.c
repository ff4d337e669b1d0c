/* RTT estimation and RTO (RFC 6298 with Linux's 200 ms floor), backoff,
 * and the windowed minimum filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_rtt.h"

#define MS NS_PER_MS

static void test_initial_rto_is_one_second(void **state)
{
	(void)state;
	struct tcp_rtt r;
	ns_tcp_rtt_init(&r);
	assert_int_equal(ns_tcp_rtt_timeout(&r), 1000 * MS);
	assert_int_equal(ns_tcp_rtt_min(&r), 0);
}

static void test_first_sample_rfc6298_2_2(void **state)
{
	(void)state;
	struct tcp_rtt r;
	ns_tcp_rtt_init(&r);
	ns_tcp_rtt_sample(&r, 100 * MS, 0);
	assert_int_equal(r.srtt, 100 * MS);
	assert_int_equal(r.rttvar, 50 * MS);
	/* SRTT + max(4 * RTTVAR = 200 ms, 200 ms) */
	assert_int_equal(ns_tcp_rtt_timeout(&r), 300 * MS);
}

static void test_subsequent_samples_rfc6298_2_3(void **state)
{
	(void)state;
	struct tcp_rtt r;
	ns_tcp_rtt_init(&r);
	ns_tcp_rtt_sample(&r, 100 * MS, 0);
	ns_tcp_rtt_sample(&r, 200 * MS, 1);
	/* RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms;
	 * SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms. */
	assert_int_equal(r.rttvar, 62500000);
	assert_int_equal(r.srtt, 112500000);
	assert_int_equal(ns_tcp_rtt_timeout(&r), 112500000 + 4 * 62500000);
}

static void test_short_rtts_keep_linux_floor(void **state)
{
	(void)state;
	struct tcp_rtt r;
	ns_tcp_rtt_init(&r);
	for (int i = 0; i < 50; i++)
		ns_tcp_rtt_sample(&r, 50000 /* 50 us */, (uint64_t)i);
	/* Loopback on Linux shows rto:201 in ss -i: SRTT + 200 ms. */
	assert_true(ns_tcp_rtt_timeout(&r) >= 200 * MS);
	assert_true(ns_tcp_rtt_timeout(&r) <= 201 * MS);
}

static void test_backoff_doubles_caps_and_resets(void **state)
{
	(void)state;
	struct tcp_rtt r;
	ns_tcp_rtt_init(&r);
	uint64_t expect = 1000 * MS;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(ns_tcp_rtt_timeout(&r), expect);
		ns_tcp_rtt_backoff(&r);
		expect = expect * 2 < TCP_RTO_MAX_NS ? expect * 2
						     : TCP_RTO_MAX_NS;
	}
	for (int i = 0; i < 40; i++)
		ns_tcp_rtt_backoff(&r);
	assert_int_equal(ns_tcp_rtt_timeout(&r), TCP_RTO_MAX_NS);
	/* RFC 6298 5.7 / Karn: a valid sample ends the backoff. */
	ns_tcp_rtt_sample(&r, 10 * MS, 0);
	assert_int_equal(ns_tcp_rtt_timeout(&r), 10 * MS + 200 * MS);
}

static void test_min_filter_forgets_after_window(void **state)
{
	(void)state;
	struct tcp_minmax m;
	uint64_t win = 1000;
	ns_tcp_minmax_reset(&m, 0, 50);
	assert_int_equal(ns_tcp_minmax_update(&m, win, 100, 70), 50);
	assert_int_equal(ns_tcp_minmax_update(&m, win, 300, 60), 50);
	assert_int_equal(ns_tcp_minmax_update(&m, win, 600, 80), 50);
	/* The 50 from t=0 ages out; the best of the later ones remains. */
	assert_int_equal(ns_tcp_minmax_update(&m, win, 1100, 90), 60);
	/* A new minimum takes over at once. */
	assert_int_equal(ns_tcp_minmax_update(&m, win, 1200, 40), 40);
	/* Nothing in the window at all: the latest sample. */
	assert_int_equal(ns_tcp_minmax_update(&m, win, 5000, 99), 99);
}

static void test_min_rtt_tracks_samples(void **state)
{
	(void)state;
	struct tcp_rtt r;
	ns_tcp_rtt_init(&r);
	ns_tcp_rtt_sample(&r, 30 * MS, 1);
	ns_tcp_rtt_sample(&r, 20 * MS, 2);
	ns_tcp_rtt_sample(&r, 40 * MS, 3);
	assert_int_equal(ns_tcp_rtt_min(&r), 20 * MS);
	assert_int_equal(r.latest, 40 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_rto_is_one_second),
		cmocka_unit_test(test_first_sample_rfc6298_2_2),
		cmocka_unit_test(test_subsequent_samples_rfc6298_2_3),
		cmocka_unit_test(test_short_rtts_keep_linux_floor),
		cmocka_unit_test(test_backoff_doubles_caps_and_resets),
		cmocka_unit_test(test_min_filter_forgets_after_window),
		cmocka_unit_test(test_min_rtt_tracks_samples),
	};
	return cmocka_run_group_tests_name("netstack/tcp_rtt", tests, NULL,
					   NULL);
}
