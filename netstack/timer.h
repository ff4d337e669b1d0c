/* Timers of a stack: a binary min-heap of intrusive timer entries.
 *
 * A struct ns_timer is embedded in whatever needs a deadline (a neighbour
 * entry, a reassembly queue, a TCP connection) and recovered in the
 * callback with ns_container_of(). Arming, re-arming and cancelling cost
 * O(log n) and never allocate except to grow the heap, which only fails
 * under memory exhaustion (-ENOMEM, the timer stays unarmed).
 *
 * Callbacks run from ns_stack_timers() in deadline order and may arm,
 * re-arm or cancel any timer, including their own, and free the object
 * holding it once it is unarmed.
 */
#ifndef NETSTACK_TIMER_H
#define NETSTACK_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct ns_stack;
struct ns_timer;

typedef void (*ns_timer_fn)(struct ns_stack *stack, struct ns_timer *t);

struct ns_timer {
	uint64_t when;	/* absolute time, ns */
	uint32_t slot;	/* heap index + 1; 0 while not armed */
	ns_timer_fn fn; /* called once when the deadline passes */
};

struct ns_timer_heap {
	struct ns_timer **v;
	uint32_t n, cap;
};

static inline void ns_timer_init(struct ns_timer *t, ns_timer_fn fn)
{
	t->when = 0;
	t->slot = 0;
	t->fn = fn;
}

static inline bool ns_timer_armed(const struct ns_timer *t)
{
	return t->slot != 0;
}

/* Arms (or moves) t to fire at `when`. Returns 0 or -ENOMEM. */
int ns_timer_arm(struct ns_stack *stack, struct ns_timer *t, uint64_t when);
/* Arms t to fire `delay_ns` after the stack's current time. */
int ns_timer_arm_in(struct ns_stack *stack, struct ns_timer *t,
		    uint64_t delay_ns);
/* Unarms t if armed. */
void ns_timer_cancel(struct ns_stack *stack, struct ns_timer *t);

/* Heap operations used by the stack itself. */
void ns_timer_heap_free(struct ns_timer_heap *h);
uint64_t ns_timer_heap_next(const struct ns_timer_heap *h);
/* Pops and runs every timer due at `now`. */
void ns_timer_heap_run(struct ns_stack *stack, struct ns_timer_heap *h,
		       uint64_t now);

#define NS_MSEC 1000000ull
#define NS_SEC	1000000000ull

#endif
