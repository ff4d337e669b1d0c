/* RACK-TLP (RFC 8985): RACK state updates, the reordering window and its
 * D-SACK adaptation, time-based loss marking on a scoreboard, and the tail
 * loss probe's timeout and verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_rack.h"

#define MS  1000000ULL
#define MSS 1000

/* n one-MSS segments sent 1 ms apart from t = 1 ms. */
static void send_segments(struct tcp_sb *sb, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ns_tcp_sb_sent(sb, i * MSS, (i + 1) * MSS,
						(i + 1) * MS),
				 0);
}

static void sack(struct tcp_sb *sb, uint32_t una, uint32_t start, uint32_t end,
		 struct tcp_sb_delivery *d)
{
	struct ns_tcp_sack_block b = { start, end };
	memset(d, 0, sizeof(*d));
	ns_tcp_sb_sack(sb, una, 100 * MSS, &b, 1, d);
}

static void test_rack_tracks_most_recent_delivery(void **state)
{
	(void)state;
	struct tcp_rack rack;
	ns_tcp_rack_init(&rack);
	struct tcp_sb_delivery d = { .rack_xmit_ns = 5 * MS, .rack_end = 5000 };
	ns_tcp_rack_on_ack(&rack, &d, 25 * MS, 10 * MS, 0, 9000);
	assert_int_equal(rack.xmit_ns, 5 * MS);
	assert_int_equal(rack.end_seq, 5000);
	assert_int_equal(rack.rtt, 20 * MS);
	/* An older delivery updates the RTT but not the reference point. */
	d.rack_xmit_ns = 3 * MS;
	d.rack_end = 3000;
	ns_tcp_rack_on_ack(&rack, &d, 30 * MS, 10 * MS, 0, 9000);
	assert_int_equal(rack.xmit_ns, 5 * MS);
	assert_int_equal(rack.rtt, 27 * MS);
	/* A retransmission acked faster than the minimum RTT was acked by
	 * its original: ignored. */
	d.rack_xmit_ns = 29 * MS;
	d.rack_end = 1000;
	d.rack_retrans = true;
	ns_tcp_rack_on_ack(&rack, &d, 31 * MS, 10 * MS, 0, 9000);
	assert_int_equal(rack.xmit_ns, 5 * MS);
	assert_int_equal(rack.rtt, 27 * MS);
}

static void test_reo_wnd_rules(void **state)
{
	(void)state;
	struct tcp_rack rack;
	ns_tcp_rack_init(&rack);
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	/* No reordering seen, fewer than DupThresh SACKed: min_RTT / 4. */
	assert_int_equal(
		ns_tcp_rack_reo_wnd(&rack, &sb, false, 40 * MS, 100 * MS),
		10 * MS);
	/* In recovery, or 3 SACKed: 0, as fast retransmit would. */
	assert_int_equal(
		ns_tcp_rack_reo_wnd(&rack, &sb, true, 40 * MS, 100 * MS), 0);
	sb.sacked_out = 3;
	assert_int_equal(
		ns_tcp_rack_reo_wnd(&rack, &sb, false, 40 * MS, 100 * MS), 0);
	/* Reordering seen: the window stays, capped by SRTT. */
	struct tcp_sb_delivery d = { .reordered = true };
	ns_tcp_rack_on_ack(&rack, &d, 0, 40 * MS, 0, 0);
	assert_int_equal(
		ns_tcp_rack_reo_wnd(&rack, &sb, true, 40 * MS, 100 * MS),
		10 * MS);
	assert_int_equal(ns_tcp_rack_reo_wnd(&rack, &sb, true, 40 * MS, 8 * MS),
			 8 * MS);
}

static void test_dsack_grows_window_once_per_round(void **state)
{
	(void)state;
	struct tcp_rack rack;
	ns_tcp_rack_init(&rack);
	struct tcp_sb_delivery d = { .dsack = true };
	ns_tcp_rack_on_ack(&rack, &d, 0, 0, 1000, 5000);
	assert_int_equal(rack.reo_wnd_mult, 2);
	/* Same round (snd_una below the recorded snd_nxt): no growth. */
	ns_tcp_rack_on_ack(&rack, &d, 0, 0, 3000, 8000);
	assert_int_equal(rack.reo_wnd_mult, 2);
	ns_tcp_rack_on_ack(&rack, &d, 0, 0, 5000, 9000);
	assert_int_equal(rack.reo_wnd_mult, 3);
	/* Sixteen recoveries without D-SACK reset it. */
	for (int i = 0; i < 15; i++)
		ns_tcp_rack_recovery_done(&rack);
	assert_int_equal(rack.reo_wnd_mult, 3);
	ns_tcp_rack_recovery_done(&rack);
	assert_int_equal(rack.reo_wnd_mult, 1);
}

static void test_detect_loss_by_time(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	struct tcp_rack rack;
	ns_tcp_rack_init(&rack);
	send_segments(&sb, 10);
	/* Segment 8 (sent at 8 ms) is SACKed at 28 ms: RTT 20 ms. */
	struct tcp_sb_delivery d;
	sack(&sb, 0, 7 * MSS, 8 * MSS, &d);
	ns_tcp_rack_on_ack(&rack, &d, 28 * MS, 20 * MS, 0, 10 * MSS);
	/* reo_wnd 5 ms: segments sent at 3 ms or before are overdue
	 * (xmit + 20 + 5 <= 28). */
	uint64_t timeout;
	uint32_t lost =
		ns_tcp_rack_detect_loss(&rack, &sb, 28 * MS, 5 * MS, &timeout);
	assert_int_equal(lost, 3);
	assert_int_equal(sb.lost_out, 3);
	assert_true(ns_tcp_sb_at(&sb, 2)->flags & TCP_REC_LOST);
	assert_false(ns_tcp_sb_at(&sb, 3)->flags & TCP_REC_LOST);
	/* Segment 7 (sent at 7 ms) is due last: 7 + 20 + 5 - 28 = 4 ms. */
	assert_int_equal(timeout, 4 * MS);
	/* Segments 9 and 10 were sent after RACK's: untouched. */
	assert_false(ns_tcp_sb_at(&sb, 9)->flags & TCP_REC_LOST);
	/* When the timer fires, the rest up to segment 7 are lost; marking
	 * again does not count twice. */
	lost = ns_tcp_rack_detect_loss(&rack, &sb, 32 * MS, 5 * MS, &timeout);
	assert_int_equal(lost, 4);
	assert_int_equal(timeout, 0);
	assert_int_equal(sb.lost_out, 7);
	ns_tcp_sb_destroy(&sb);
}

static void test_lost_retransmission_detected_after_later_delivery(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	struct tcp_rack rack;
	ns_tcp_rack_init(&rack);
	send_segments(&sb, 6);
	/* Segment 1 lost, retransmitted at 30 ms. */
	ns_tcp_sb_mark_lost(&sb, 0);
	ns_tcp_sb_retransmitted(&sb, 0, 30 * MS);
	/* Segment 6 delivered at 40 ms: RACK.xmit = 6 ms < 30 ms, so the
	 * retransmission is not judged. */
	struct tcp_sb_delivery d;
	sack(&sb, 0, 5 * MSS, 6 * MSS, &d);
	ns_tcp_rack_on_ack(&rack, &d, 40 * MS, 10 * MS, 0, 6 * MSS);
	uint64_t timeout;
	ns_tcp_rack_detect_loss(&rack, &sb, 40 * MS, 0, &timeout);
	assert_true(ns_tcp_sb_at(&sb, 0)->flags & TCP_REC_RETRANS);
	/* New data sent at 35 ms and delivered at 70 ms: the retransmission
	 * sent at 30 ms should have arrived by now too; lost again. */
	assert_int_equal(ns_tcp_sb_sent(&sb, 6 * MSS, 7 * MSS, 35 * MS), 0);
	sack(&sb, 0, 6 * MSS, 7 * MSS, &d);
	ns_tcp_rack_on_ack(&rack, &d, 70 * MS, 10 * MS, 0, 7 * MSS);
	ns_tcp_rack_detect_loss(&rack, &sb, 70 * MS, 0, &timeout);
	const struct tcp_rec *r0 = ns_tcp_sb_at(&sb, 0);
	assert_int_equal(r0->flags & (TCP_REC_LOST | TCP_REC_RETRANS),
			 TCP_REC_LOST);
	assert_int_equal(ns_tcp_sb_next_lost(&sb), 0);
	ns_tcp_sb_destroy(&sb);
}

static void test_tlp_pto(void **state)
{
	(void)state;
	assert_int_equal(ns_tcp_tlp_pto(10 * MS, 5, 0), 22 * MS);
	assert_int_equal(ns_tcp_tlp_pto(10 * MS, 1, 0), 220 * MS);
	assert_int_equal(ns_tcp_tlp_pto(10 * MS, 5, 15 * MS), 15 * MS);
	assert_int_equal(ns_tcp_tlp_pto(0, 5, 0), 1000 * MS);
}

static void test_tlp_verdicts(void **state)
{
	(void)state;
	struct tcp_sb_delivery none = { 0 };
	/* A probe of new data, acknowledged. */
	struct tcp_tlp tlp = { true, false, 5000 };
	assert_int_equal(ns_tcp_tlp_on_ack(&tlp, 4000, true, false, &none),
			 TCP_TLP_PENDING);
	assert_int_equal(ns_tcp_tlp_on_ack(&tlp, 5000, true, false, &none),
			 TCP_TLP_NO_LOSS);
	assert_false(tlp.outstanding);
	/* A retransmitted probe answered by a D-SACK: nothing was lost. */
	tlp = (struct tcp_tlp){ true, true, 5000 };
	struct tcp_sb_delivery ds = { .dsack = true,
				      .dsack_range = { 4000, 5000 } };
	assert_int_equal(ns_tcp_tlp_on_ack(&tlp, 5000, false, false, &ds),
			 TCP_TLP_NO_LOSS);
	/* A retransmitted probe followed by an ACK beyond it: it repaired a
	 * loss. */
	tlp = (struct tcp_tlp){ true, true, 5000 };
	assert_int_equal(ns_tcp_tlp_on_ack(&tlp, 6000, true, false, &none),
			 TCP_TLP_RECOVERED);
	/* A pure duplicate ACK at the probe's end: the probe duplicated. */
	tlp = (struct tcp_tlp){ true, true, 5000 };
	assert_int_equal(ns_tcp_tlp_on_ack(&tlp, 5000, false, false, &none),
			 TCP_TLP_NO_LOSS);
	/* No probe outstanding: nothing to say. */
	assert_int_equal(ns_tcp_tlp_on_ack(&tlp, 9000, true, false, &none),
			 TCP_TLP_PENDING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rack_tracks_most_recent_delivery),
		cmocka_unit_test(test_reo_wnd_rules),
		cmocka_unit_test(test_dsack_grows_window_once_per_round),
		cmocka_unit_test(test_detect_loss_by_time),
		cmocka_unit_test(
			test_lost_retransmission_detected_after_later_delivery),
		cmocka_unit_test(test_tlp_pto),
		cmocka_unit_test(test_tlp_verdicts),
	};
	return cmocka_run_group_tests_name("netstack/tcp_rack", tests, NULL,
					   NULL);
}
