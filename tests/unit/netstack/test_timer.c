/* The timer heap: deadline order under random arming, re-arming and
 * cancelling, and callbacks that re-arm themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core.h"
#include "harness.h"
#include "timer.h"

#define N 500

static struct item {
	struct ns_timer t;
	uint64_t want; /* expected deadline, 0 if cancelled */
	int fired;
} items[N];

static uint64_t last_fired;
static int fired_count;

static void on_fire(struct ns_stack *stack, struct ns_timer *t)
{
	(void)stack;
	struct item *it = ns_container_of(t, struct item, t);
	assert_true(it->want != 0);
	assert_true(t->when >= last_fired); /* never out of order */
	last_fired = t->when;
	it->fired++;
	fired_count++;
}

static void test_random_heap_order(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, NT_NO_ADDRS, 0);
	struct ns_stack *st = s.e.stack;
	srand(7);
	uint64_t base = s.now;
	for (int i = 0; i < N; i++) {
		ns_timer_init(&items[i].t, on_fire);
		items[i].want = base + 1 + (uint64_t)(rand() % 100000);
		items[i].fired = 0;
		assert_int_equal(ns_timer_arm(st, &items[i].t, items[i].want),
				 0);
	}
	/* Move some, cancel some. */
	for (int i = 0; i < N; i += 3) {
		items[i].want = base + 1 + (uint64_t)(rand() % 100000);
		ns_timer_arm(st, &items[i].t, items[i].want);
	}
	for (int i = 1; i < N; i += 7) {
		ns_timer_cancel(st, &items[i].t);
		ns_timer_cancel(st, &items[i].t);
		assert_false(ns_timer_armed(&items[i].t));
		items[i].want = 0;
	}
	last_fired = 0;
	fired_count = 0;
	nt_solo_advance(&s, 50000);
	for (int i = 0; i < N; i++)
		if (items[i].want && items[i].want <= base + 50000)
			assert_int_equal(items[i].fired, 1);
		else
			assert_int_equal(items[i].fired, 0);
	nt_solo_advance(&s, 100000);
	int expected = 0;
	for (int i = 0; i < N; i++) {
		expected += items[i].want != 0;
		assert_int_equal(items[i].fired, items[i].want != 0);
	}
	assert_int_equal(fired_count, expected);
	assert_int_equal(ns_stack_next_deadline(st), NS_TIME_NEVER);
	nt_solo_free(&s);
}

static int rearms;
static void rearm_self(struct ns_stack *stack, struct ns_timer *t)
{
	if (++rearms < 5)
		ns_timer_arm_in(stack, t, 10);
}

static void test_callback_rearms_itself(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, NT_NO_ADDRS, 0);
	struct ns_timer t;
	ns_timer_init(&t, rearm_self);
	rearms = 0;
	ns_timer_arm_in(s.e.stack, &t, 10);
	assert_int_equal(ns_stack_next_deadline(s.e.stack), s.now + 10);
	nt_solo_advance(&s, 1000);
	assert_int_equal(rearms, 5);
	assert_false(ns_timer_armed(&t));
	nt_solo_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_heap_order),
		cmocka_unit_test(test_callback_rearms_itself),
	};
	return cmocka_run_group_tests_name("netstack/timer", tests, NULL, NULL);
}
