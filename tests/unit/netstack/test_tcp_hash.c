/* SipHash-2-4 against the reference vectors, and the keyed values TCP
 * derives from it: ISNs (RFC 6528), timestamp offsets, port offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_hash.h"

/* The reference key 00 01 .. 0f. */
static const struct ns_hash_key ref_key = {
	0x0706050403020100ULL,
	0x0f0e0d0c0b0a0908ULL,
};

static void test_siphash_reference_vectors(void **state)
{
	(void)state;
	uint8_t msg[64];
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* From the SipHash paper (appendix A) and the reference
	 * implementation's vectors.h: messages 00 01 .. len-1. */
	assert_true(ns_siphash24(&ref_key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(ns_siphash24(&ref_key, msg, 1) == 0x74f839c593dc67fdULL);
	assert_true(ns_siphash24(&ref_key, msg, 15) == 0xa129ca6149be45e5ULL);
}

static void test_siphash_depends_on_every_byte_and_the_key(void **state)
{
	(void)state;
	uint8_t msg[40] = { 0 };
	uint64_t base = ns_siphash24(&ref_key, msg, sizeof(msg));
	for (unsigned i = 0; i < sizeof(msg); i++) {
		msg[i] ^= 1;
		assert_true(ns_siphash24(&ref_key, msg, sizeof(msg)) != base);
		msg[i] ^= 1;
	}
	struct ns_hash_key other = ref_key;
	other.k1 ^= 1;
	assert_true(ns_siphash24(&other, msg, sizeof(msg)) != base);
}

static struct ns_tcp_secrets make_secrets(uint8_t fill)
{
	uint8_t seed[NS_TCP_SECRETS_SEED_LEN];
	for (unsigned i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(fill + i * 7);
	struct ns_tcp_secrets s;
	ns_tcp_secrets_init(&s, seed);
	return s;
}

static const uint8_t a1[4] = { 10, 0, 0, 1 }, a2[4] = { 10, 0, 0, 2 };

static void test_isn_advances_with_time_per_rfc6528(void **state)
{
	(void)state;
	struct ns_tcp_secrets s = make_secrets(1);
	struct ns_tcp_tuple t = { a1, a2, 4, 40000, 80 };
	uint32_t i0 = ns_tcp_isn(&s, &t, 0);
	/* M ticks every 64 ns: one second later the ISN moved by 15625000
	 * (RFC 6528 3: "M is the 4 microsecond timer", Linux's finer one). */
	assert_int_equal(ns_tcp_isn(&s, &t, 1000000000ULL) - i0, 15625000u);
	/* Another four-tuple gets an unrelated ISN space. */
	struct ns_tcp_tuple t2 = t;
	t2.lport = 40001;
	assert_true(ns_tcp_isn(&s, &t2, 0) != i0);
	/* Another stack secret too. */
	struct ns_tcp_secrets s2 = make_secrets(2);
	assert_true(ns_tcp_isn(&s2, &t, 0) != i0);
}

static void test_ts_offset_depends_on_addresses_only(void **state)
{
	(void)state;
	struct ns_tcp_secrets s = make_secrets(3);
	struct ns_tcp_tuple t = { a1, a2, 4, 40000, 80 };
	struct ns_tcp_tuple t2 = { a1, a2, 4, 40001, 8080 };
	assert_int_equal(ns_tcp_ts_offset(&s, &t), ns_tcp_ts_offset(&s, &t2));
	struct ns_tcp_tuple t3 = { a2, a1, 4, 40000, 80 };
	assert_true(ns_tcp_ts_offset(&s, &t) != ns_tcp_ts_offset(&s, &t3));
}

static void test_port_offset_ignores_local_port(void **state)
{
	(void)state;
	struct ns_tcp_secrets s = make_secrets(4);
	struct ns_tcp_tuple t = { a1, a2, 4, 1, 80 };
	struct ns_tcp_tuple t2 = { a1, a2, 4, 2, 80 };
	struct ns_tcp_tuple t3 = { a1, a2, 4, 1, 81 };
	assert_int_equal(ns_tcp_port_offset(&s, &t),
			 ns_tcp_port_offset(&s, &t2));
	assert_true(ns_tcp_port_offset(&s, &t) != ns_tcp_port_offset(&s, &t3));
}

static void test_ipv6_tuples_hash_all_address_bytes(void **state)
{
	(void)state;
	struct ns_tcp_secrets s = make_secrets(5);
	uint8_t l[16] = { 0x20, 0x01, 0x0d, 0xb8 }, r[16] = { 0xfe, 0x80 };
	struct ns_tcp_tuple t = { l, r, 16, 1000, 2000 };
	uint32_t isn = ns_tcp_isn(&s, &t, 0);
	l[15] = 1;
	assert_true(ns_tcp_isn(&s, &t, 0) != isn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_reference_vectors),
		cmocka_unit_test(
			test_siphash_depends_on_every_byte_and_the_key),
		cmocka_unit_test(test_isn_advances_with_time_per_rfc6528),
		cmocka_unit_test(test_ts_offset_depends_on_addresses_only),
		cmocka_unit_test(test_port_offset_ignores_local_port),
		cmocka_unit_test(test_ipv6_tuples_hash_all_address_bytes),
	};
	return cmocka_run_group_tests_name("netstack/tcp_hash", tests, NULL,
					   NULL);
}
