/* The event loop arms its timer from deadlines read after the round: a
 * frame a task sends through a delaying link during the round gets its
 * release time at once, not at the next unrelated wake-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/fault.h"
#include "drivers/memlink.h"
#include "loop.h"
#include "runsc/list.h"

#define VIRTUAL_NOW 1000
#define DELAY_NS    50

static uint64_t virtual_clock(void *arg)
{
	return *(const uint64_t *)arg;
}

static uint64_t stack_clock(void *ctx)
{
	(void)ctx;
	return drv_monotonic_ns();
}

struct sender {
	struct nsd_task task;
	struct drv_link *link;
	int sent;
};

/* A service answering during the round: one minimal Ethernet frame. */
static void send_frame(struct nsd_task *t)
{
	struct sender *s = rs_container_of(t, struct sender, task);
	struct ns_pkt *pkt = ns_pkt_alloc(0, 60);
	assert_non_null(pkt);
	memset(ns_pkt_put(pkt, 60), 0xff, 60);
	s->sent = drv_xmit(s->link, pkt) == 0 ? 1 : -1;
}

static void test_deadline_covers_frames_delayed_in_the_round(void **unused)
{
	(void)unused;
	uint64_t now = VIRTUAL_NOW;
	struct rs_error *err = NULL;
	struct drv_link *a, *peer, *link;
	assert_int_equal(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &a, &peer, &err),
		0);
	struct drv_fault_link_config fc = {
		.fault = { .delay = 1, .delay_ns = DELAY_NS },
		.dir = DRV_FAULT_TX,
		.clock = { virtual_clock, &now },
	};
	assert_int_equal(drv_fault_wrap(a, &fc, &link, &err), 0);
	/* Only the loopback NIC: the stack has no timers of its own. */
	struct ns_stack *stack;
	assert_int_equal(
		ns_stack_create(
			&(struct ns_stack_config){ .clock = stack_clock },
			&stack),
		0);
	struct nsd_counters counters = { 0 };
	struct nsd_loop l;
	assert_int_equal(nsd_loop_init(&l, stack, link, 1, &counters, &err), 0);
	assert_int_equal(nsd_loop_next_deadline(&l), NS_TIME_NEVER);

	struct sender s = { .task = { .run = send_frame }, .link = link };
	nsd_loop_wake(&l, &s.task);
	nsd_loop_drain(&l);
	assert_int_equal(s.sent, 1);
	assert_int_equal(nsd_loop_next_deadline(&l), VIRTUAL_NOW + DELAY_NS);

	/* At the deadline the frame goes out and nothing is left to wait
	 * for. */
	now = VIRTUAL_NOW + DELAY_NS;
	assert_int_equal(drv_timers(link, now), DRV_NO_DEADLINE);
	assert_int_equal(nsd_loop_next_deadline(&l), NS_TIME_NEVER);
	struct ns_pkt *pkt;
	assert_int_equal(drv_rx_burst(peer, &pkt, 1), 1);
	ns_pkt_free(pkt);

	nsd_loop_fini(&l);
	ns_stack_destroy(stack);
	drv_close(link);
	drv_close(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_deadline_covers_frames_delayed_in_the_round),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
