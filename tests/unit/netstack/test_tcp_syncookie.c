/* SYN cookies: round trips, MSS table rounding, the two-minute validity,
 * forgeries, and the timestamp encoding of window scale and SACK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_syncookie.h"

#define MINUTE_NS (60ULL * 1000000000ULL)

static struct ns_tcp_secrets secrets;
static const uint8_t local[4] = { 192, 168, 1, 1 },
		     peer[4] = { 192, 168, 1, 2 };
static const struct ns_tcp_tuple tuple = { local, peer, 4, 80, 51000 };

static int setup(void **state)
{
	(void)state;
	uint8_t seed[NS_TCP_SECRETS_SEED_LEN];
	for (unsigned i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(i * 13 + 5);
	ns_tcp_secrets_init(&secrets, seed);
	return 0;
}

static void test_round_trip_keeps_mss_rounded_down(void **state)
{
	(void)state;
	static const struct {
		uint16_t offered, encoded;
	} cases[] = {
		{ 1460, 1460 }, { 9000, 1460 }, { 1459, 1440 }, { 1400, 1300 },
		{ 1300, 1300 }, { 600, 536 },	{ 0, 536 },
	};
	uint64_t now = 5 * MINUTE_NS + 123;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t mss = cases[i].offered;
		uint32_t isn = ns_tcp_cookie_make(&secrets, &tuple, 1000 + i,
						  &mss, now);
		assert_int_equal(mss, cases[i].encoded);
		assert_int_equal(ns_tcp_cookie_check(&secrets, &tuple, isn,
						     1000 + i, now),
				 cases[i].encoded);
	}
}

static void test_ipv6_uses_its_own_table(void **state)
{
	(void)state;
	uint8_t l6[16] = { 0x20, 0x01 }, r6[16] = { 0x20, 0x02 };
	struct ns_tcp_tuple t6 = { l6, r6, 16, 443, 40000 };
	uint16_t mss = 1440;
	uint32_t isn = ns_tcp_cookie_make(&secrets, &t6, 7, &mss, 0);
	assert_int_equal(mss, 1440);
	assert_int_equal(ns_tcp_cookie_check(&secrets, &t6, isn, 7, 0), 1440);
	mss = 1300;
	ns_tcp_cookie_make(&secrets, &t6, 7, &mss, 0);
	assert_int_equal(mss, 1220);
}

static void test_cookie_expires_after_two_minutes(void **state)
{
	(void)state;
	uint16_t mss = 1460;
	uint64_t made = 10 * MINUTE_NS + 1;
	uint32_t isn = ns_tcp_cookie_make(&secrets, &tuple, 55, &mss, made);
	assert_int_equal(ns_tcp_cookie_check(&secrets, &tuple, isn, 55,
					     made + MINUTE_NS),
			 1460);
	assert_int_equal(ns_tcp_cookie_check(&secrets, &tuple, isn, 55,
					     made + 2 * MINUTE_NS),
			 0);
}

static void test_forged_or_misdirected_cookies_fail(void **state)
{
	(void)state;
	uint16_t mss = 1460;
	uint32_t isn = ns_tcp_cookie_make(&secrets, &tuple, 99, &mss, 0);
	/* Another peer port or address. (The peer's sequence number enters
	 * the cookie linearly, as in Linux: only the one who saw the cookie
	 * can answer it, whatever sequence number it then claims.) */
	struct ns_tcp_tuple other = tuple;
	other.rport++;
	assert_int_equal(ns_tcp_cookie_check(&secrets, &other, isn, 99, 0), 0);
	uint8_t spoofed[4] = { 192, 168, 1, 3 };
	other = tuple;
	other.raddr = spoofed;
	assert_int_equal(ns_tcp_cookie_check(&secrets, &other, isn, 99, 0), 0);
	/* Near the cookie only the values that decode to a smaller MSS
	 * index pass (the index is added linearly, as in Linux): isn - 3 ..
	 * isn for index 3. */
	unsigned passed = 0;
	for (uint32_t g = 0; g < 65536; g++)
		if (ns_tcp_cookie_check(&secrets, &tuple, isn - 32768 + g, 99,
					0) != 0)
			passed++;
	assert_int_equal(passed, 4);
	/* Guesses anywhere else essentially never pass (about 2^-29 each). */
	passed = 0;
	uint32_t x = 12345;
	for (uint32_t g = 0; g < 65536; g++) {
		x = x * 1664525u + 1013904223u;
		if (ns_tcp_cookie_check(&secrets, &tuple, x, 99, 0) != 0)
			passed++;
	}
	assert_int_equal(passed, 0);
}

static void test_timestamp_carries_wscale_and_sack(void **state)
{
	(void)state;
	for (int ws = -1; ws <= 14; ws++) {
		for (int sack = 0; sack <= 1; sack++) {
			uint32_t now = 0x12345678u + (uint32_t)ws;
			uint32_t ts = ns_tcp_cookie_tsval(now, ws, sack);
			/* Never ahead of the clock, at most 64 ticks behind. */
			assert_true(ts <= now && now - ts < 64);
			int got_ws;
			bool got_sack;
			ns_tcp_cookie_ts_decode(ts, &got_ws, &got_sack);
			assert_int_equal(got_ws, ws);
			assert_int_equal(got_sack, sack);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_keeps_mss_rounded_down),
		cmocka_unit_test(test_ipv6_uses_its_own_table),
		cmocka_unit_test(test_cookie_expires_after_two_minutes),
		cmocka_unit_test(test_forged_or_misdirected_cookies_fail),
		cmocka_unit_test(test_timestamp_carries_wscale_and_sack),
	};
	return cmocka_run_group_tests_name("netstack/tcp_syncookie", tests,
					   setup, NULL);
}
