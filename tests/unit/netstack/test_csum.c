/* Internet checksum: RFC 1071 examples, real headers, and the fast path
 * against a byte-at-a-time reference at every length and alignment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "netstack/csum.h"
#include "netstack/wire.h"

/* RFC 1071 section 1, literally: 16-bit big-endian words, end-around carry. */
static uint16_t reference_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < len; i += 2) {
		uint16_t word = (uint16_t)(p[i] << 8);
		if (i + 1 < len)
			word |= p[i + 1];
		sum += word;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

static void test_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 section 3: the sum of these bytes is ddf2. */
	const uint8_t bytes[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};
	assert_int_equal(ns_csum_fold(ns_csum_partial(bytes, sizeof(bytes), 0)),
			 (uint16_t)~0xddf2);
}

static void test_ipv4_header(void **state)
{
	(void)state;
	/* A captured IPv4 header whose checksum field holds b861. */
	uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			    0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
			    0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal(ns_csum_fold(ns_csum_partial(hdr, sizeof(hdr), 0)), 0);
	ns_put_be16(hdr + 10, 0);
	uint16_t c = ns_csum_fold(ns_csum_partial(hdr, sizeof(hdr), 0));
	assert_int_equal(c, 0xb861);
	/* Writing it back makes the header verify. */
	ns_put_be16(hdr + 10, c);
	assert_int_equal(ns_get_be16(hdr + 10), 0xb861);
	/* A flipped bit is caught. */
	hdr[3] ^= 0x10;
	assert_int_not_equal(ns_csum_fold(ns_csum_partial(hdr, sizeof(hdr), 0)),
			     0);
}

static void test_matches_reference_all_lengths_and_alignments(void **state)
{
	(void)state;
	uint8_t buf[1600 + 8];
	srand(1);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t align = 0; align < 8; align++)
		for (size_t len = 0; len <= 1600; len++)
			assert_int_equal(ns_csum_fold(ns_csum_partial(
						 buf + align, len, 0)),
					 reference_csum(buf + align, len));
}

static void test_all_ones_and_zeros(void **state)
{
	(void)state;
	uint8_t ones[64], zeros[64];
	memset(ones, 0xff, sizeof(ones));
	memset(zeros, 0, sizeof(zeros));
	/* ffff is ones' complement zero: folds to 0 like a correct header. */
	assert_int_equal(ns_csum_fold(ns_csum_partial(ones, sizeof(ones), 0)),
			 0);
	assert_int_equal(ns_csum_fold(ns_csum_partial(zeros, sizeof(zeros), 0)),
			 0xffff);
	assert_int_equal(ns_csum_fold(0), 0xffff);
}

static void test_pieces_at_any_offset(void **state)
{
	(void)state;
	uint8_t buf[999];
	srand(2);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	uint16_t whole = reference_csum(buf, sizeof(buf));
	/* Split in three at every pair of cut points of a coarse grid, odd
	 * and even, as a chained packet would be summed. */
	for (size_t a = 0; a < sizeof(buf); a += 37)
		for (size_t b = a; b < sizeof(buf); b += 53) {
			uint32_t sum = ns_csum_partial(buf, a, 0);
			sum = ns_csum_add_at(
				sum, ns_csum_partial(buf + a, b - a, 0), a);
			sum = ns_csum_add_at(
				sum,
				ns_csum_partial(buf + b, sizeof(buf) - b, 0),
				b);
			assert_int_equal(ns_csum_fold(sum), whole);
		}
}

static void test_large_buffer_no_overflow(void **state)
{
	(void)state;
	size_t len = 1 << 20;
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	memset(buf, 0xff, len);
	buf[len - 1] = 0xfe;
	assert_int_equal(ns_csum_fold(ns_csum_partial(buf, len, 0)),
			 reference_csum(buf, len));
	free(buf);
}

static void test_udp_pseudo_header(void **state)
{
	(void)state;
	/* UDP 10.0.0.1:1234 -> 10.0.0.2:80, payload "hi", checksum computed
	 * by hand: pseudo 0a00 0001 0a00 0002 0011 000a, header 04d2 0050
	 * 000a 0000, payload 6869. */
	const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	uint8_t udp[10] = {
		0x04, 0xd2, 0x00, 0x50, 0x00, 0x0a, 0, 0, 'h', 'i'
	};
	uint32_t sum = ns_csum_pseudo4(src, dst, 17, sizeof(udp));
	uint16_t c = ns_csum_fold(ns_csum_partial(udp, sizeof(udp), sum));
	uint32_t manual = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0011 + 0x000a +
			  0x04d2 + 0x0050 + 0x000a + 0x6869;
	manual = (manual & 0xffff) + (manual >> 16);
	assert_int_equal(c, (uint16_t)~manual);
	ns_put_be16(udp + 6, c);
	assert_int_equal(ns_csum_fold(ns_csum_partial(udp, sizeof(udp), sum)),
			 0);
}

static void test_ipv6_pseudo_header(void **state)
{
	(void)state;
	uint8_t src[16] = { 0xfe, 0x80 }, dst[16] = { 0xff, 0x02 };
	src[15] = 1;
	dst[15] = 2;
	uint8_t pseudo[40] = { 0 };
	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	pseudo[34] = 0x01; /* length 0x00000100 */
	pseudo[39] = 58;
	assert_int_equal(ns_csum_fold(ns_csum_pseudo6(src, dst, 58, 0x100)),
			 reference_csum(pseudo, sizeof(pseudo)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(
			test_matches_reference_all_lengths_and_alignments),
		cmocka_unit_test(test_all_ones_and_zeros),
		cmocka_unit_test(test_pieces_at_any_offset),
		cmocka_unit_test(test_large_buffer_no_overflow),
		cmocka_unit_test(test_udp_pseudo_header),
		cmocka_unit_test(test_ipv6_pseudo_header),
	};
	return cmocka_run_group_tests_name("netstack/csum", tests, NULL, NULL);
}
