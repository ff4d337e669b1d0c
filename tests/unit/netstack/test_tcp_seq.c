/* TCP sequence-number arithmetic across the 2^32 wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_seq.h"

static void test_order_without_wrap(void **state)
{
	(void)state;
	assert_true(seq_lt(1, 2));
	assert_false(seq_lt(2, 2));
	assert_true(seq_leq(2, 2));
	assert_true(seq_gt(3, 2));
	assert_true(seq_geq(3, 3));
	assert_false(seq_geq(2, 3));
}

static void test_order_across_wrap(void **state)
{
	(void)state;
	assert_true(seq_lt(0xfffffff0u, 0x10));
	assert_true(seq_gt(0x10, 0xfffffff0u));
	assert_int_equal(seq_max(0xfffffff0u, 0x10), 0x10);
	assert_int_equal(seq_min(0xfffffff0u, 0x10), 0xfffffff0u);
	/* Just under half the circle apart is still ordered. */
	assert_true(seq_lt(0, 0x7fffffffu));
	assert_true(seq_gt(0, 0x80000001u));
}

static void test_between_is_inclusive_and_wraps(void **state)
{
	(void)state;
	assert_true(seq_between(5, 5, 10));
	assert_true(seq_between(10, 5, 10));
	assert_false(seq_between(11, 5, 10));
	assert_false(seq_between(4, 5, 10));
	assert_true(seq_between(2, 0xfffffff0u, 0x10));
	assert_true(seq_between(0xfffffff8u, 0xfffffff0u, 0x10));
	assert_false(seq_between(0x11, 0xfffffff0u, 0x10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_without_wrap),
		cmocka_unit_test(test_order_across_wrap),
		cmocka_unit_test(test_between_is_inclusive_and_wraps),
	};
	return cmocka_run_group_tests_name("netstack/tcp_seq", tests, NULL,
					   NULL);
}
