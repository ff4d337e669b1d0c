/* TCP options: Linux's layouts byte for byte, parsing what Linux sends,
 * and hostile option areas (lengths that lie, truncation, options out of
 * place). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_opt.h"

static void test_syn_layout_matches_linux(void **state)
{
	(void)state;
	struct ns_tcp_opts o = {
		.present = TCP_OPT_F_MSS | TCP_OPT_F_SACK_PERM | TCP_OPT_F_TS |
			   TCP_OPT_F_WSCALE,
		.mss = 1460,
		.wscale = 7,
		.ts_val = 0x01020304,
		.ts_ecr = 0,
	};
	/* A Linux SYN, as tcpdump -x shows it. */
	static const uint8_t want[] = { 0x02, 0x04, 0x05, 0xb4, 0x04,
					0x02, 0x08, 0x0a, 0x01, 0x02,
					0x03, 0x04, 0x00, 0x00, 0x00,
					0x00, 0x01, 0x03, 0x03, 0x07 };
	uint8_t buf[TCP_OPT_MAX_LEN];
	assert_int_equal(ns_tcp_opt_len(&o, true), sizeof(want));
	assert_int_equal(ns_tcp_opt_build(buf, &o, true), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	struct ns_tcp_opts p;
	assert_int_equal(ns_tcp_opt_parse(buf, sizeof(want), true, &p), 0);
	assert_int_equal(p.present, o.present);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.wscale, 7);
	assert_int_equal(p.ts_val, 0x01020304);
}

static void test_syn_variants_without_timestamps(void **state)
{
	(void)state;
	uint8_t buf[TCP_OPT_MAX_LEN];
	struct ns_tcp_opts o = { .present = TCP_OPT_F_MSS | TCP_OPT_F_SACK_PERM,
				 .mss = 536 };
	static const uint8_t sack_only[] = { 0x02, 0x04, 0x02, 0x18,
					     0x01, 0x01, 0x04, 0x02 };
	assert_int_equal(ns_tcp_opt_build(buf, &o, true), sizeof(sack_only));
	assert_memory_equal(buf, sack_only, sizeof(sack_only));

	o.present = TCP_OPT_F_TS;
	o.ts_val = 1;
	o.ts_ecr = 2;
	static const uint8_t ts_only[] = { 0x01, 0x01, 0x08, 0x0a, 0, 0,
					   0,	 1,    0,    0,	   0, 2 };
	assert_int_equal(ns_tcp_opt_build(buf, &o, true), sizeof(ts_only));
	assert_memory_equal(buf, ts_only, sizeof(ts_only));
	o.present = 0;
	assert_int_equal(ns_tcp_opt_build(buf, &o, true), 0);
}

static void test_data_segment_ts_and_sack_blocks(void **state)
{
	(void)state;
	struct ns_tcp_opts o = { .present = TCP_OPT_F_TS | TCP_OPT_F_SACK,
				 .ts_val = 7,
				 .ts_ecr = 9,
				 .nsack = 4 };
	for (unsigned i = 0; i < 4; i++)
		o.sack[i] =
			(struct ns_tcp_sack_block){ 100 * i + 1, 100 * i + 50 };
	/* With timestamps only three blocks fit (12 + 4 + 24 = 40). */
	uint8_t buf[TCP_OPT_MAX_LEN];
	size_t n = ns_tcp_opt_build(buf, &o, false);
	assert_int_equal(n, 40);
	assert_int_equal(ns_tcp_opt_len(&o, false), 40);
	static const uint8_t head[] = { 1, 1, 8, 10, 0, 0, 0, 7,
					0, 0, 0, 9,  1, 1, 5, 26 };
	assert_memory_equal(buf, head, sizeof(head));
	struct ns_tcp_opts p;
	assert_int_equal(ns_tcp_opt_parse(buf, n, false, &p), 0);
	assert_int_equal(p.present, TCP_OPT_F_TS | TCP_OPT_F_SACK);
	assert_int_equal(p.nsack, 3);
	assert_int_equal(p.sack[2].start, 201);
	assert_int_equal(p.sack[2].end, 250);

	/* Without timestamps all four. */
	o.present = TCP_OPT_F_SACK;
	n = ns_tcp_opt_build(buf, &o, false);
	assert_int_equal(n, 36);
	assert_int_equal(ns_tcp_opt_parse(buf, n, false, &p), 0);
	assert_int_equal(p.nsack, 4);
	assert_int_equal(p.sack[3].end, 350);
}

static void test_syn_only_options_ignored_elsewhere(void **state)
{
	(void)state;
	/* MSS, window scale and SACK-permitted on a non-SYN mean nothing;
	 * SACK blocks on a SYN neither (Linux). */
	static const uint8_t opts[] = { 2, 4, 5,  0xb4, 1, 3, 3, 7, 4, 2, 1,
					1, 5, 10, 0,	0, 0, 1, 0, 0, 0, 2 };
	struct ns_tcp_opts p;
	assert_int_equal(ns_tcp_opt_parse(opts, sizeof(opts), false, &p), 0);
	assert_int_equal(p.present, TCP_OPT_F_SACK);
	assert_int_equal(ns_tcp_opt_parse(opts, sizeof(opts), true, &p), 0);
	assert_int_equal(p.present, TCP_OPT_F_MSS | TCP_OPT_F_WSCALE |
					    TCP_OPT_F_SACK_PERM);
}

static void test_window_scale_clamped_to_14(void **state)
{
	(void)state;
	static const uint8_t opts[] = { 1, 3, 3, 200 };
	struct ns_tcp_opts p;
	assert_int_equal(ns_tcp_opt_parse(opts, sizeof(opts), true, &p), 0);
	assert_int_equal(p.wscale, TCP_MAX_WSCALE);
}

static void test_wrong_lengths_of_known_options_are_ignored(void **state)
{
	(void)state;
	/* MSS of length 3, TS of length 8, SACK of length 9, zero MSS:
	 * each skipped by its own length, as Linux does. */
	static const uint8_t opts[] = { 2, 3, 5, 8, 8, 0, 0, 0, 0, 0,
					0, 0, 5, 9, 0, 0, 0, 0, 0, 0,
					0, 0, 0, 2, 4, 0, 0, 0 };
	struct ns_tcp_opts p;
	assert_int_equal(ns_tcp_opt_parse(opts, sizeof(opts), true, &p), 0);
	assert_int_equal(p.present, 0);
	assert_int_equal(ns_tcp_opt_parse(opts, sizeof(opts), false, &p), 0);
	assert_int_equal(p.present, 0);
}

static void test_lying_lengths_make_the_segment_malformed(void **state)
{
	(void)state;
	struct ns_tcp_opts p;
	/* Length runs past the end. */
	static const uint8_t past[] = { 8, 10, 0, 0, 0, 0 };
	assert_int_equal(ns_tcp_opt_parse(past, sizeof(past), false, &p),
			 -EINVAL);
	/* Length 0 and 1 would loop or step inside the option. */
	static const uint8_t zero[] = { 1, 1, 30, 0 };
	assert_int_equal(ns_tcp_opt_parse(zero, sizeof(zero), false, &p),
			 -EINVAL);
	static const uint8_t one[] = { 30, 1, 1, 1 };
	assert_int_equal(ns_tcp_opt_parse(one, sizeof(one), false, &p),
			 -EINVAL);
	/* A kind with its length byte cut off. */
	static const uint8_t cut[] = { 1, 1, 1, 2 };
	assert_int_equal(ns_tcp_opt_parse(cut, sizeof(cut), true, &p), -EINVAL);
	/* A huge SACK option claiming more than the area. */
	static const uint8_t sack[] = { 5, 250, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(ns_tcp_opt_parse(sack, sizeof(sack), false, &p),
			 -EINVAL);
}

static void test_eol_stops_parsing_and_unknown_kinds_skip(void **state)
{
	(void)state;
	/* An unknown option (kind 30, MPTCP) with its length, then EOL and
	 * garbage after it that must not be read as options. */
	static const uint8_t opts[] = { 30, 4, 0xaa, 0xbb, 0, 2, 0, 0 };
	struct ns_tcp_opts p;
	assert_int_equal(ns_tcp_opt_parse(opts, sizeof(opts), true, &p), 0);
	assert_int_equal(p.present, 0);
}

/* Every 4-byte option area parses or fails cleanly, never overreads
 * (checked under ASan by `make asan`). */
static void test_every_short_area_is_handled(void **state)
{
	(void)state;
	for (uint32_t v = 0; v < (1u << 16); v++) {
		for (size_t len = 0; len <= 3; len++) {
			uint8_t area[3] = { (uint8_t)v, (uint8_t)(v >> 8),
					    (uint8_t)(v * 31) };
			struct ns_tcp_opts p;
			int r = ns_tcp_opt_parse(area, len, (v & 1) != 0, &p);
			assert_true(r == 0 || r == -EINVAL);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_layout_matches_linux),
		cmocka_unit_test(test_syn_variants_without_timestamps),
		cmocka_unit_test(test_data_segment_ts_and_sack_blocks),
		cmocka_unit_test(test_syn_only_options_ignored_elsewhere),
		cmocka_unit_test(test_window_scale_clamped_to_14),
		cmocka_unit_test(
			test_wrong_lengths_of_known_options_are_ignored),
		cmocka_unit_test(test_lying_lengths_make_the_segment_malformed),
		cmocka_unit_test(test_eol_stops_parsing_and_unknown_kinds_skip),
		cmocka_unit_test(test_every_short_area_is_handled),
	};
	return cmocka_run_group_tests_name("netstack/tcp_opt", tests, NULL,
					   NULL);
}
