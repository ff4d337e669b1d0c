/* The TCP tests' fault link: delivery order and timing on the virtual
 * clock, bandwidth and queue limit, and fault rates near what was asked,
 * with shared payload never modified by corruption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_faultlink.h"

struct collector {
	unsigned n;
	uint64_t last_due;
	uint32_t ids[64];
};

static void collect(void *arg, struct ns_pkt *pkt)
{
	struct collector *c = arg;
	if (c->n < 64)
		c->ids[c->n] = pkt->data[0];
	c->n++;
	ns_pkt_free(pkt);
}

static struct ns_pkt *frame(uint8_t id, uint32_t len)
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, len);
	memset(ns_pkt_put(pkt, len), id, len);
	return pkt;
}

static void test_delay_and_bandwidth(void **state)
{
	(void)state;
	uint64_t now = 0;
	struct tcp_fl fl;
	struct tcp_fl_params p = { .delay_ns = 1000000, .rate_bps = 8000000 };
	tcp_fl_init(&fl, &p, &now);
	/* 1000-byte frames at 8 Mbit/s: 1 ms each, plus 1 ms delay. */
	for (uint8_t i = 0; i < 3; i++)
		assert_int_equal(tcp_fl_ops.xmit(&fl, frame(i, 1000)), 0);
	assert_int_equal(tcp_fl_next(&fl), 2000000);
	struct collector c = { 0 };
	now = 2999999;
	assert_int_equal(tcp_fl_deliver(&fl, collect, &c), 1);
	now = 4000000;
	assert_int_equal(tcp_fl_deliver(&fl, collect, &c), 2);
	assert_int_equal(c.ids[2], 2);
	assert_int_equal(tcp_fl_next(&fl), UINT64_MAX);
	tcp_fl_destroy(&fl);
}

static void test_queue_limit_tail_drops(void **state)
{
	(void)state;
	uint64_t now = 0;
	struct tcp_fl fl;
	struct tcp_fl_params p = { .rate_bps = 8000000, .queue_bytes = 5000 };
	tcp_fl_init(&fl, &p, &now);
	int refused = 0;
	for (uint8_t i = 0; i < 10; i++)
		if (tcp_fl_ops.xmit(&fl, frame(i, 1000)) < 0)
			refused++;
	assert_int_equal(refused, 5);
	assert_int_equal(fl.stats.queue_drops, 5);
	tcp_fl_destroy(&fl);
}

static void test_reorder_delivers_late(void **state)
{
	(void)state;
	uint64_t now = 0;
	struct tcp_fl fl;
	struct tcp_fl_params p = { .delay_ns = 100,
				   .reorder_ppm = 1000000,
				   .reorder_ns = 1000 };
	tcp_fl_init(&fl, &p, &now);
	tcp_fl_ops.xmit(&fl, frame(1, 10));
	fl.p.reorder_ppm = 0;
	tcp_fl_ops.xmit(&fl, frame(2, 10));
	now = 5000;
	struct collector c = { 0 };
	tcp_fl_deliver(&fl, collect, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], 2);
	assert_int_equal(c.ids[1], 1);
	tcp_fl_destroy(&fl);
}

static void test_fault_rates_and_shared_payload_untouched(void **state)
{
	(void)state;
	uint64_t now = 0;
	struct tcp_fl fl;
	struct tcp_fl_params p = { .loss_ppm = 100000,
				   .dup_ppm = 50000,
				   .corrupt_ppm = 50000,
				   .seed = 42 };
	tcp_fl_init(&fl, &p, &now);
	struct ns_buf *shared = ns_buf_alloc(1000);
	memset(shared->data, 0x5a, 1000);
	for (int i = 0; i < 20000; i++) {
		struct ns_pkt *pkt = frame(0, 20);
		ns_pkt_append_frag(pkt, shared, shared->data, 1000);
		tcp_fl_ops.xmit(&fl, pkt);
	}
	struct collector c = { 0 };
	now = 10; /* duplicates trail their original by a nanosecond */
	tcp_fl_deliver(&fl, collect, &c);
	assert_true(fl.stats.dropped > 1600 && fl.stats.dropped < 2400);
	assert_true(fl.stats.duplicated > 700 && fl.stats.duplicated < 1100);
	assert_true(fl.stats.corrupted > 700 && fl.stats.corrupted < 1100);
	assert_int_equal(c.n, 20000 - fl.stats.dropped + fl.stats.duplicated);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(shared->data[i], 0x5a);
	ns_buf_unref(shared);
	tcp_fl_destroy(&fl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_and_bandwidth),
		cmocka_unit_test(test_queue_limit_tail_drops),
		cmocka_unit_test(test_reorder_delivers_late),
		cmocka_unit_test(test_fault_rates_and_shared_payload_untouched),
	};
	return cmocka_run_group_tests_name("netstack/tcp_faultlink", tests,
					   NULL, NULL);
}
