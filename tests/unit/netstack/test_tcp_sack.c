/* SACK: the receiver's block list (RFC 2018 4 ordering, merging, D-SACK)
 * and the sender's scoreboard (marking, counters, pipe, D-SACK detection,
 * hostile blocks, ring growth across the sequence wrap). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_sack.h"

#define MSS 1000

/* ---- receiver ---------------------------------------------------------- */

static void assert_block(const struct ns_tcp_sack_block *b, uint32_t start,
			 uint32_t end)
{
	assert_int_equal(b->start, start);
	assert_int_equal(b->end, end);
}

static void test_rcv_most_recent_block_first(void **state)
{
	(void)state;
	struct tcp_rcv_sack rs;
	ns_tcp_rcv_sack_init(&rs);
	ns_tcp_rcv_sack_add(&rs, 2000, 3000);
	ns_tcp_rcv_sack_add(&rs, 5000, 6000);
	ns_tcp_rcv_sack_add(&rs, 3000, 4000); /* extends the first */
	assert_int_equal(rs.nblocks, 2);
	assert_block(&rs.blocks[0], 2000, 4000);
	assert_block(&rs.blocks[1], 5000, 6000);
	/* Filling the gap merges both into one block, in front. */
	ns_tcp_rcv_sack_add(&rs, 4000, 5000);
	assert_int_equal(rs.nblocks, 1);
	assert_block(&rs.blocks[0], 2000, 6000);
}

static void test_rcv_keeps_four_newest_blocks(void **state)
{
	(void)state;
	struct tcp_rcv_sack rs;
	ns_tcp_rcv_sack_init(&rs);
	for (uint32_t i = 0; i < 6; i++)
		ns_tcp_rcv_sack_add(&rs, 10000 * (i + 1), 10000 * (i + 1) + 10);
	assert_int_equal(rs.nblocks, TCP_MAX_SACK_BLOCKS);
	assert_block(&rs.blocks[0], 60000, 60010);
	assert_block(&rs.blocks[3], 30000, 30010);
}

static void test_rcv_advance_drops_blocks_below_rcv_nxt(void **state)
{
	(void)state;
	struct tcp_rcv_sack rs;
	ns_tcp_rcv_sack_init(&rs);
	ns_tcp_rcv_sack_add(&rs, 0xfffffff0u, 0x10); /* across the wrap */
	ns_tcp_rcv_sack_add(&rs, 0x100, 0x200);
	ns_tcp_rcv_sack_advance(&rs, 0x10);
	assert_int_equal(rs.nblocks, 1);
	assert_block(&rs.blocks[0], 0x100, 0x200);
	ns_tcp_rcv_sack_advance(&rs, 0x200);
	assert_int_equal(rs.nblocks, 0);
}

static void test_rcv_dsack_reported_once_and_first(void **state)
{
	(void)state;
	struct tcp_rcv_sack rs;
	ns_tcp_rcv_sack_init(&rs);
	ns_tcp_rcv_sack_add(&rs, 5000, 6000);
	ns_tcp_rcv_dsack(&rs, 1000, 2000);
	ns_tcp_rcv_dsack(&rs, 2000, 2500); /* touches: extends */
	struct ns_tcp_opts o = { .present = TCP_OPT_F_TS };
	ns_tcp_rcv_sack_fill(&rs, &o);
	assert_int_equal(o.present, TCP_OPT_F_TS | TCP_OPT_F_SACK);
	assert_int_equal(o.nsack, 2);
	assert_block(&o.sack[0], 1000, 2500);
	assert_block(&o.sack[1], 5000, 6000);
	ns_tcp_rcv_sack_fill(&rs, &o);
	assert_int_equal(o.nsack, 1);
	assert_block(&o.sack[0], 5000, 6000);
	ns_tcp_rcv_sack_advance(&rs, 6000);
	ns_tcp_rcv_sack_fill(&rs, &o);
	assert_int_equal(o.present, TCP_OPT_F_TS);
}

/* ---- sender ------------------------------------------------------------ */

/* A scoreboard with n one-MSS segments from seq0, sent at times 1..n. */
static void send_segments(struct tcp_sb *sb, uint32_t seq0, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ns_tcp_sb_sent(sb, seq0 + i * MSS,
						seq0 + (i + 1) * MSS, i + 1),
				 0);
}

static void assert_counters(const struct tcp_sb *sb, uint32_t out,
			    uint32_t sacked, uint32_t lost, uint32_t retrans)
{
	assert_int_equal(sb->count, out);
	assert_int_equal(sb->sacked_out, sacked);
	assert_int_equal(sb->lost_out, lost);
	assert_int_equal(sb->retrans_out, retrans);
}

static void test_sb_cumulative_ack_and_rtt_sources(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	send_segments(&sb, 1000, 10);
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_ack(&sb, 1000 + 3 * MSS, &d);
	assert_int_equal(d.acked, 3);
	assert_int_equal(d.acked_bytes, 3 * MSS);
	assert_int_equal(d.first_clean_ns, 1);
	assert_int_equal(d.last_clean_ns, 3);
	assert_int_equal(d.rack_xmit_ns, 3);
	assert_int_equal(d.rack_end, 1000 + 3 * MSS);
	assert_counters(&sb, 7, 0, 0, 0);
	/* An ACK inside a segment trims it. */
	memset(&d, 0, sizeof(d));
	ns_tcp_sb_ack(&sb, 1000 + 3 * MSS + 100, &d);
	assert_int_equal(d.acked, 0);
	assert_int_equal(d.acked_bytes, 100);
	assert_int_equal(ns_tcp_sb_at(&sb, 0)->seq, 1000 + 3 * MSS + 100);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_karn_ignores_retransmitted(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	send_segments(&sb, 0, 2);
	ns_tcp_sb_mark_lost(&sb, 0);
	ns_tcp_sb_retransmitted(&sb, 0, 50);
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_ack(&sb, MSS, &d);
	assert_true(d.ever_retrans);
	assert_int_equal(d.first_clean_ns, 0);
	assert_true(d.rack_retrans);
	assert_int_equal(d.rack_xmit_ns, 50);
	assert_counters(&sb, 1, 0, 0, 0);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_sack_marks_whole_segments_and_pipe(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	send_segments(&sb, 0, 10);
	/* Segments 2..4 and half of 6 (not marked: partly covered). */
	struct ns_tcp_sack_block b[] = { { 2 * MSS, 5 * MSS },
					 { 6 * MSS, 6 * MSS + 500 } };
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_sack(&sb, 0, 10 * MSS, b, 2, &d);
	assert_int_equal(d.sacked, 3);
	assert_false(d.dsack);
	assert_int_equal(d.invalid_blocks, 0);
	assert_counters(&sb, 10, 3, 0, 0);
	assert_int_equal(sb.highest_sack, 5 * MSS);
	assert_int_equal(ns_tcp_sb_in_flight(&sb), 7);
	/* Marking lost and retransmitting moves the pipe as RFC 6675. */
	ns_tcp_sb_mark_lost(&sb, 0);
	ns_tcp_sb_mark_lost(&sb, 1);
	assert_int_equal(ns_tcp_sb_in_flight(&sb), 5);
	assert_int_equal(ns_tcp_sb_next_lost(&sb), 0);
	ns_tcp_sb_retransmitted(&sb, 0, 100);
	assert_int_equal(ns_tcp_sb_next_lost(&sb), 1);
	assert_int_equal(ns_tcp_sb_in_flight(&sb), 6);
	/* A SACKed record cannot be marked lost. */
	ns_tcp_sb_mark_lost(&sb, 3);
	assert_counters(&sb, 10, 3, 2, 1);
	/* The retransmission arrives and the hole fills cumulatively. */
	memset(&d, 0, sizeof(d));
	ns_tcp_sb_ack(&sb, 5 * MSS, &d);
	assert_int_equal(d.acked, 5);
	assert_counters(&sb, 5, 0, 0, 0);
	assert_int_equal(ns_tcp_sb_next_lost(&sb), sb.count);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_dsack_detection_rfc2883(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	send_segments(&sb, 10 * MSS, 10);
	struct tcp_sb_delivery d = { 0 };
	/* RFC 2883 4.1: a block below the cumulative ACK. */
	struct ns_tcp_sack_block below[] = { { 9 * MSS, 10 * MSS } };
	ns_tcp_sb_sack(&sb, 10 * MSS, 20 * MSS, below, 1, &d);
	assert_true(d.dsack);
	assert_int_equal(d.dsack_range.start, 9 * MSS);
	assert_int_equal(d.sacked, 0);
	/* RFC 2883 4.2: the first block inside the second. */
	memset(&d, 0, sizeof(d));
	struct ns_tcp_sack_block inside[] = { { 13 * MSS, 14 * MSS },
					      { 12 * MSS, 15 * MSS } };
	ns_tcp_sb_sack(&sb, 10 * MSS, 20 * MSS, inside, 2, &d);
	assert_true(d.dsack);
	assert_int_equal(d.sacked, 3);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_hostile_blocks_ignored_and_counted(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	send_segments(&sb, 0, 4);
	struct ns_tcp_sack_block bad[] = {
		{ 2 * MSS, 9 * MSS },	      /* beyond snd_nxt */
		{ 3 * MSS, 2 * MSS },	      /* inverted */
		{ MSS, MSS },		      /* empty */
		{ 0x80000000u, 0x80000010u }, /* far outside */
	};
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_sack(&sb, MSS, 4 * MSS, bad, 4, &d);
	/* The first block, not below una nor inside the second, is a plain
	 * block; all four are impossible. */
	assert_int_equal(d.invalid_blocks, 4);
	assert_int_equal(d.sacked, 0);
	assert_counters(&sb, 4, 0, 0, 0);
	/* A stale block wholly below the ACK is silently ignored. */
	memset(&d, 0, sizeof(d));
	struct ns_tcp_sack_block stale[] = { { 2 * MSS, 3 * MSS }, { 0, MSS } };
	ns_tcp_sb_sack(&sb, 2 * MSS, 4 * MSS, stale, 2, &d);
	assert_int_equal(d.invalid_blocks, 0);
	assert_int_equal(d.sacked, 1);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_reordering_seen_only_for_originals(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	send_segments(&sb, 0, 6);
	struct ns_tcp_sack_block hi[] = { { 4 * MSS, 6 * MSS } };
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_sack(&sb, 0, 6 * MSS, hi, 1, &d);
	assert_false(d.reordered);
	/* Segment 2, never retransmitted, is SACKed below the highest. */
	memset(&d, 0, sizeof(d));
	struct ns_tcp_sack_block mid[] = { { 2 * MSS, 3 * MSS } };
	ns_tcp_sb_sack(&sb, 0, 6 * MSS, mid, 1, &d);
	assert_true(d.reordered);
	/* A retransmission filling a hole is not reordering. */
	ns_tcp_sb_mark_lost(&sb, 0);
	ns_tcp_sb_retransmitted(&sb, 0, 99);
	memset(&d, 0, sizeof(d));
	ns_tcp_sb_ack(&sb, MSS, &d);
	assert_false(d.reordered);
	/* The original of segment 1 arriving late is. */
	memset(&d, 0, sizeof(d));
	ns_tcp_sb_ack(&sb, 2 * MSS, &d);
	assert_true(d.reordered);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_rto_marks_all_and_reneging_clears_sacks(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	send_segments(&sb, 0, 5);
	struct ns_tcp_sack_block b[] = { { 3 * MSS, 4 * MSS } };
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_sack(&sb, 0, 5 * MSS, b, 1, &d);
	ns_tcp_sb_mark_lost(&sb, 0);
	ns_tcp_sb_retransmitted(&sb, 0, 10);
	ns_tcp_sb_mark_all_lost(&sb, false);
	assert_counters(&sb, 5, 1, 4, 0);
	assert_int_equal(ns_tcp_sb_in_flight(&sb), 0);
	ns_tcp_sb_mark_all_lost(&sb, true);
	assert_counters(&sb, 5, 0, 5, 0);
	assert_int_equal(ns_tcp_sb_next_lost(&sb), 0);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_grows_across_wrap_and_finds(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	uint32_t seq0 = 0xffffffffu - 50 * MSS;
	send_segments(&sb, seq0, 40);
	/* Ack some so the ring wraps internally, then grow past it. */
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_ack(&sb, seq0 + 30 * MSS, &d);
	send_segments(&sb, seq0 + 40 * MSS, 200);
	assert_int_equal(sb.count, 210);
	for (uint32_t i = 0; i < sb.count; i++) {
		const struct tcp_rec *r = ns_tcp_sb_at(&sb, i);
		assert_int_equal(r->seq, seq0 + (30 + i) * MSS);
		assert_int_equal(ns_tcp_sb_find(&sb, r->seq + 17), i);
	}
	assert_int_equal(ns_tcp_sb_find(&sb, seq0), sb.count);
	assert_int_equal(ns_tcp_sb_find(&sb, seq0 + 240 * MSS), sb.count);
	/* SACK the records across the wrap. */
	struct ns_tcp_sack_block b[] = { { seq0 + 45 * MSS, seq0 + 60 * MSS } };
	memset(&d, 0, sizeof(d));
	ns_tcp_sb_sack(&sb, seq0 + 30 * MSS, seq0 + 240 * MSS, b, 1, &d);
	assert_int_equal(d.sacked, 15);
	ns_tcp_sb_destroy(&sb);
}

static void test_sb_split_keeps_counts_and_order(void **state)
{
	(void)state;
	struct tcp_sb sb;
	ns_tcp_sb_init(&sb);
	uint32_t seq0 = 0xffffffffu - 3 * MSS;
	send_segments(&sb, seq0, 8);
	struct tcp_sb_delivery d = { 0 };
	ns_tcp_sb_ack(&sb, seq0 + 2 * MSS, &d); /* the ring wraps */
	send_segments(&sb, seq0 + 8 * MSS, 6);
	ns_tcp_sb_mark_all_lost(&sb, false);
	ns_tcp_sb_retransmitted(&sb, 0, 5);
	uint32_t count = sb.count, lost = sb.lost_out;
	assert_int_equal(sb.retrans_out, 1);
	/* Split every record in two until the ring had to grow. */
	for (uint32_t i = 0; i < 2 * count; i += 2)
		assert_int_equal(
			ns_tcp_sb_split(&sb, i,
					ns_tcp_sb_at(&sb, i)->seq + MSS / 2),
			0);
	assert_int_equal(sb.count, 2 * count);
	assert_int_equal(sb.lost_out, 2 * lost);
	assert_int_equal(sb.retrans_out, 2);
	for (uint32_t i = 0; i < sb.count; i++) {
		const struct tcp_rec *r = ns_tcp_sb_at(&sb, i);
		uint32_t start = seq0 + 2 * MSS + (i / 2) * MSS;
		assert_int_equal(r->seq, i % 2 ? start + MSS / 2 : start);
		assert_int_equal(r->end, i % 2 ? start + MSS : start + MSS / 2);
	}
	assert_int_equal(ns_tcp_sb_next_lost(&sb), 2);
	ns_tcp_sb_destroy(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rcv_most_recent_block_first),
		cmocka_unit_test(test_rcv_keeps_four_newest_blocks),
		cmocka_unit_test(test_rcv_advance_drops_blocks_below_rcv_nxt),
		cmocka_unit_test(test_rcv_dsack_reported_once_and_first),
		cmocka_unit_test(test_sb_cumulative_ack_and_rtt_sources),
		cmocka_unit_test(test_sb_karn_ignores_retransmitted),
		cmocka_unit_test(test_sb_sack_marks_whole_segments_and_pipe),
		cmocka_unit_test(test_sb_dsack_detection_rfc2883),
		cmocka_unit_test(test_sb_hostile_blocks_ignored_and_counted),
		cmocka_unit_test(test_sb_reordering_seen_only_for_originals),
		cmocka_unit_test(
			test_sb_rto_marks_all_and_reneging_clears_sacks),
		cmocka_unit_test(test_sb_grows_across_wrap_and_finds),
		cmocka_unit_test(test_sb_split_keeps_counts_and_order),
	};
	return cmocka_run_group_tests_name("netstack/tcp_sack", tests, NULL,
					   NULL);
}
