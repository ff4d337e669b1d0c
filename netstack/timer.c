/* Timers: see timer.h. The heap is ordered by deadline; each timer knows
 * its slot so that cancelling and re-arming need no search. */
#include "timer.h"

#include <errno.h>
#include <stdlib.h>

#include "core.h"
#include "netstack/stack.h"

static void heap_place(struct ns_timer_heap *h, uint32_t i, struct ns_timer *t)
{
	h->v[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct ns_timer_heap *h, uint32_t i)
{
	struct ns_timer *t = h->v[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (h->v[parent]->when <= t->when)
			break;
		heap_place(h, i, h->v[parent]);
		i = parent;
	}
	heap_place(h, i, t);
}

static void sift_down(struct ns_timer_heap *h, uint32_t i)
{
	struct ns_timer *t = h->v[i];
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= h->n)
			break;
		if (child + 1 < h->n &&
		    h->v[child + 1]->when < h->v[child]->when)
			child++;
		if (h->v[child]->when >= t->when)
			break;
		heap_place(h, i, h->v[child]);
		i = child;
	}
	heap_place(h, i, t);
}

static void heap_remove(struct ns_timer_heap *h, struct ns_timer *t)
{
	uint32_t i = t->slot - 1;
	t->slot = 0;
	h->n--;
	if (i == h->n)
		return;
	struct ns_timer *last = h->v[h->n];
	heap_place(h, i, last);
	if (i > 0 && h->v[(i - 1) / 2]->when > last->when)
		sift_up(h, i);
	else
		sift_down(h, i);
}

int ns_timer_arm(struct ns_stack *stack, struct ns_timer *t, uint64_t when)
{
	struct ns_timer_heap *h = &stack->timers;
	if (ns_timer_armed(t)) {
		uint64_t old = t->when;
		t->when = when;
		uint32_t i = t->slot - 1;
		if (when < old)
			sift_up(h, i);
		else
			sift_down(h, i);
		return 0;
	}
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 64;
		struct ns_timer **v = realloc(h->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	t->when = when;
	heap_place(h, h->n++, t);
	sift_up(h, h->n - 1);
	return 0;
}

int ns_timer_arm_in(struct ns_stack *stack, struct ns_timer *t,
		    uint64_t delay_ns)
{
	return ns_timer_arm(stack, t, stack->now + delay_ns);
}

void ns_timer_cancel(struct ns_stack *stack, struct ns_timer *t)
{
	if (ns_timer_armed(t))
		heap_remove(&stack->timers, t);
}

void ns_timer_heap_free(struct ns_timer_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++)
		h->v[i]->slot = 0;
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

uint64_t ns_timer_heap_next(const struct ns_timer_heap *h)
{
	return h->n ? h->v[0]->when : NS_TIME_NEVER;
}

void ns_timer_heap_run(struct ns_stack *stack, struct ns_timer_heap *h,
		       uint64_t now)
{
	while (h->n > 0 && h->v[0]->when <= now) {
		struct ns_timer *t = h->v[0];
		heap_remove(h, t);
		t->fn(stack, t);
	}
}
