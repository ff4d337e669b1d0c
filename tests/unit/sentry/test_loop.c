/* The event loop's timers fire in deadline order and cancelled ones never
 * fire. No timing assertions: the loop runs until the expected timers
 * fired, bounded by a deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/kernel.h"

static int order[4], fired;

static void fire_a(struct sn_timer *t)
{
	(void)t;
	order[fired++] = 1;
}

static void fire_b(struct sn_timer *t)
{
	(void)t;
	order[fired++] = 2;
}

static void fire_c(struct sn_timer *t)
{
	(void)t;
	order[fired++] = 3;
}

static void test_timer_order(void **state)
{
	(void)state;
	struct sn_loop *l;
	assert_int_equal(sn_loop_new(&l), 0);
	struct sn_timer a = { .fn = fire_a }, b = { .fn = fire_b },
			c = { .fn = fire_c };
	uint64_t now = sn_now();
	sn_timer_arm(l, &b, now + 2000000);
	sn_timer_arm(l, &a, now + 1000000);
	sn_timer_arm(l, &c, now + 1500000);
	sn_timer_cancel(&c);
	/* Re-arming moves a timer: a now comes after b. */
	sn_timer_arm(l, &a, now + 3000000);
	uint64_t give_up = now + 5000000000ull;
	while (fired < 2 && sn_now() < give_up)
		sn_loop_run_once(l, 100);
	assert_int_equal(fired, 2);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_false(a.armed || b.armed || c.armed);
	sn_loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
