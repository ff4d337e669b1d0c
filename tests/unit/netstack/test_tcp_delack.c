/* Delayed ACKs: quick ACKs at the start, every second full segment,
 * the ato estimate and its bounds, an older timer deadline kept, ping-pong
 * mode and its end when the timer fires, PUSHED marks, MSS learning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_delack.h"

#define MS  1000000ULL
#define MSS 1448u
#define HDR 32u /* TCP header with timestamps */
#define RTO (200 * MS)

static void data(struct tcp_delack *d, uint32_t len, bool psh, uint64_t now)
{
	ns_tcp_delack_data(d, len, len + HDR, HDR, MSS, psh, 65535, RTO, now);
}

static void test_first_data_gets_quick_acks(void **state)
{
	(void)state;
	struct tcp_delack d;
	ns_tcp_delack_init(&d, 536);
	data(&d, MSS, false, 0);
	assert_int_equal(d.rcv_mss, MSS);
	/* 65535 / (2 * 1448) = 22, capped at 16. */
	assert_int_equal(d.quick, 16);
	uint64_t when;
	assert_true(ns_tcp_delack_check(&d, MSS, true, false, 0, 0, &when));
	for (int i = 0; i < 16; i++)
		ns_tcp_delack_ack_sent(&d);
	assert_int_equal(d.quick, 0);
	assert_false(ns_tcp_delack_quick(&d));
}

static void test_every_second_full_segment(void **state)
{
	(void)state;
	struct tcp_delack d;
	ns_tcp_delack_init(&d, MSS);
	d.ato = TCP_ATO_MIN_NS; /* past the start */
	uint64_t when = 0;
	data(&d, MSS, false, 10 * MS);
	assert_false(
		ns_tcp_delack_check(&d, MSS, true, false, 0, 10 * MS, &when));
	assert_int_equal(when, 10 * MS + TCP_ATO_MIN_NS);
	assert_true(d.pending & TCP_ACK_TIMER);
	data(&d, MSS, false, 11 * MS);
	assert_true(ns_tcp_delack_check(&d, 2 * MSS, true, false, 0, 11 * MS,
					&when));
	/* But not when the window cannot move (the reader is behind): the
	 * read will send the update. */
	assert_false(ns_tcp_delack_check(&d, 2 * MSS, false, false, 0, 11 * MS,
					 &when));
	/* Out-of-order data is acknowledged at once. */
	assert_true(ns_tcp_delack_check(&d, 0, false, true, 0, 11 * MS, &when));
	assert_true(ns_tcp_delack_ack_sent(&d));
	assert_int_equal(d.pending, 0);
}

static void test_older_deadline_kept_and_met(void **state)
{
	(void)state;
	struct tcp_delack d;
	ns_tcp_delack_init(&d, MSS);
	d.ato = TCP_ATO_MIN_NS;
	uint64_t when;
	assert_false(ns_tcp_delack_check(&d, 100, true, false, 0, 0, &when));
	assert_false(
		ns_tcp_delack_check(&d, 200, true, false, 0, 5 * MS, &when));
	assert_int_equal(when, TCP_ATO_MIN_NS);
	/* Within a quarter ato of the deadline: ACK now. */
	assert_true(
		ns_tcp_delack_check(&d, 300, true, false, 0, 35 * MS, &when));
}

static void test_ato_tracks_gaps_within_bounds(void **state)
{
	(void)state;
	struct tcp_delack d;
	ns_tcp_delack_init(&d, MSS);
	data(&d, 100, true, 0);
	/* Gaps of 30 ms, shorter than the ato: it converges on twice the
	 * gap (ato = ato / 2 + gap). */
	for (int i = 1; i <= 10; i++)
		data(&d, 100, true, (uint64_t)i * 30 * MS);
	assert_true(d.ato > 59 * MS && d.ato <= 60 * MS);
	/* The delay is bounded by a known RTT (and by 200 ms). */
	d.quick = 0;
	uint64_t when;
	assert_false(
		ns_tcp_delack_check(&d, 100, true, false, 45 * MS, 0, &when));
	assert_int_equal(when, 45 * MS);
	d.pending = 0;
	assert_false(ns_tcp_delack_check(&d, 100, true, false, 0, 0, &when));
	assert_true(when > 59 * MS && when <= 60 * MS);
	/* A missed ACK in bulk mode doubles the ato, up to the RTO. */
	ns_tcp_delack_timer(&d, RTO);
	assert_true(d.ato > 118 * MS && d.ato <= 120 * MS);
	ns_tcp_delack_timer(&d, RTO);
	assert_int_equal(d.ato, RTO);
	/* Back-to-back segments pull it down towards the minimum. */
	for (int i = 1; i <= 10; i++)
		data(&d, 100, true, 300 * MS + (uint64_t)i * MS);
	assert_true(d.ato < 41 * MS);
}

static void test_pingpong_enter_and_leave(void **state)
{
	(void)state;
	struct tcp_delack d;
	ns_tcp_delack_init(&d, MSS);
	uint64_t t = 0;
	for (unsigned i = 0; i < TCP_PINGPONG_THRESH; i++) {
		data(&d, 100, true, t);
		ns_tcp_delack_data_sent(&d, t + MS); /* answered quickly */
		ns_tcp_delack_ack_sent(&d);
		t += 500 * MS;
	}
	assert_true(ns_tcp_delack_in_pingpong(&d));
	assert_false(ns_tcp_delack_quick(&d));
	/* The answer did not come in time: ping-pong ends. */
	ns_tcp_delack_timer(&d, RTO);
	assert_false(ns_tcp_delack_in_pingpong(&d));
	assert_int_equal(d.ato, TCP_ATO_MIN_NS);
	/* Quick-ACK mode also ends it. */
	d.pingpong = TCP_PINGPONG_THRESH;
	ns_tcp_delack_enter_quick(&d, 65535, 2);
	assert_false(ns_tcp_delack_in_pingpong(&d));
	assert_true(ns_tcp_delack_quick(&d));
}

static void test_pushed_marks_and_mss_learning(void **state)
{
	(void)state;
	struct tcp_delack d;
	ns_tcp_delack_init(&d, MSS);
	data(&d, 10, true, 0);
	assert_true(d.pending & TCP_ACK_PUSHED);
	assert_false(d.pending & TCP_ACK_PUSHED2);
	data(&d, 10, true, MS);
	assert_true(d.pending & TCP_ACK_PUSHED2);
	/* A peer with a smaller MSS: two equal unpushed segments teach it. */
	ns_tcp_delack_init(&d, MSS);
	data(&d, 1200, false, 0);
	assert_int_equal(d.rcv_mss, MSS);
	data(&d, 1200, false, MS);
	assert_int_equal(d.rcv_mss, 1200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_data_gets_quick_acks),
		cmocka_unit_test(test_every_second_full_segment),
		cmocka_unit_test(test_older_deadline_kept_and_met),
		cmocka_unit_test(test_ato_tracks_gaps_within_bounds),
		cmocka_unit_test(test_pingpong_enter_and_leave),
		cmocka_unit_test(test_pushed_marks_and_mss_learning),
	};
	return cmocka_run_group_tests_name("netstack/tcp_delack", tests, NULL,
					   NULL);
}
