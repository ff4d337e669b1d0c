/* The fault engine and its wrapper link: rates within statistical bounds
 * for a fixed seed, the same faults for the same seed, held frames
 * released by time (a virtual clock), copy-on-write corruption, the hold
 * limit, and the wrapper in both directions over a pipe. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/fault.h"
#include "drivers/memlink.h"
#include "drv_test.h"
#include "netstack/wire.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* Frame number `id`: its payload encodes the id. */
static struct ns_pkt *frame(uint32_t id)
{
	return drv_test_frame(mac_b, mac_a, 0x88b5, 46, id);
}

static uint32_t frame_id(const struct ns_pkt *pkt)
{
	return pkt->data[14]; /* (seq + 0) % 251 */
}

static struct drv_fault *engine(const struct drv_fault_config *cfg)
{
	struct drv_fault *f;
	assert_int_equal(drv_fault_new(cfg, &f), 0);
	return f;
}

/* Runs n frames through the engine at time 0 and releases everything.
 * Returns the number of frames that came out. */
static uint64_t run_frames(struct drv_fault *f, uint32_t n)
{
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	uint64_t count = 0;
	for (uint32_t i = 0; i < n; i++) {
		drv_fault_input(f, frame(i), 0, &out);
		count += out.count;
		ns_pkt_queue_purge(&out);
	}
	drv_fault_release(f, UINT64_MAX - 1, &out);
	count += out.count;
	ns_pkt_queue_purge(&out);
	return count;
}

/* |observed - n p| within 5 standard deviations of a binomial: a correct
 * engine fails this with probability below 1e-6 for any seed, and the
 * seed is fixed anyway, so the test is deterministic. */
static void assert_binomial(uint64_t observed, uint64_t n, double p)
{
	double mean = (double)n * p;
	double variance = (double)n * p * (1 - p);
	double d = (double)observed - mean;
	if (d * d > 25 * variance)
		fail_msg("observed %llu, expected %.0f (variance %.0f)",
			 (unsigned long long)observed, mean, variance);
}

static void test_rates_within_statistical_bounds(void **state)
{
	(void)state;
	const uint32_t n = 20000;
	struct drv_fault_config cfg = { .seed = 42, .drop = 0.02 };
	struct drv_fault *f = engine(&cfg);
	uint64_t out = run_frames(f, n);
	const struct drv_fault_stats *s = drv_fault_stats(f);
	assert_int_equal(s->frames, n);
	assert_binomial(s->dropped, n, 0.02);
	assert_int_equal(out, n - s->dropped);
	drv_fault_free(f);

	cfg = (struct drv_fault_config){ .seed = 7, .duplicate = 0.1 };
	f = engine(&cfg);
	out = run_frames(f, n);
	assert_binomial(drv_fault_stats(f)->duplicated, n, 0.1);
	assert_int_equal(out, n + drv_fault_stats(f)->duplicated);
	drv_fault_free(f);

	cfg = (struct drv_fault_config){ .seed = 8, .corrupt = 0.05 };
	f = engine(&cfg);
	assert_int_equal(run_frames(f, n), n);
	assert_binomial(drv_fault_stats(f)->corrupted, n, 0.05);
	drv_fault_free(f);

	cfg = (struct drv_fault_config){ .seed = 9, .reorder = 0.3 };
	f = engine(&cfg);
	assert_int_equal(run_frames(f, n), n);
	assert_binomial(drv_fault_stats(f)->reordered, n, 0.3);
	drv_fault_free(f);

	/* Combined: duplicates are drawn only for frames that survive. */
	cfg = (struct drv_fault_config){
		.seed = 10, .drop = 0.2, .duplicate = 0.5, .limit = n
	};
	f = engine(&cfg);
	run_frames(f, n);
	s = drv_fault_stats(f);
	assert_binomial(s->dropped, n, 0.2);
	assert_binomial(s->duplicated, n - s->dropped, 0.5);
	drv_fault_free(f);
}

/* The ids and bytes of everything that comes out, as one string. */
static void trace(const struct drv_fault_config *cfg, uint8_t *buf, size_t len)
{
	struct drv_fault *f = engine(cfg);
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	for (uint32_t i = 0; i < 500; i++)
		drv_fault_input(f, frame(i), i * 1000, &out);
	drv_fault_release(f, UINT64_MAX - 1, &out);
	memset(buf, 0, len);
	size_t at = 0;
	struct ns_pkt *pkt;
	while ((pkt = ns_pkt_queue_pop(&out)) != NULL) {
		if (at + pkt->len <= len) {
			ns_pkt_copy_out(pkt, 0, buf + at, pkt->len);
			at += pkt->len;
		}
		ns_pkt_free(pkt);
	}
	drv_fault_free(f);
}

static void test_same_seed_same_faults(void **state)
{
	(void)state;
	struct drv_fault_config cfg = {
		.seed = 1234,
		.drop = 0.1,
		.duplicate = 0.1,
		.corrupt = 0.1,
		.delay = 0.1,
		.delay_ns = 5000,
		.jitter_ns = 5000,
		.reorder = 0.1,
	};
	size_t len = 600 * 60;
	uint8_t *one = malloc(len), *two = malloc(len), *three = malloc(len);
	trace(&cfg, one, len);
	trace(&cfg, two, len);
	assert_memory_equal(one, two, len);
	cfg.seed = 1235;
	trace(&cfg, three, len);
	assert_memory_not_equal(one, three, len);
	free(one);
	free(two);
	free(three);
}

static void test_reordered_frame_arrives_one_place_late(void **state)
{
	(void)state;
	/* Every frame is held: the first goes when its hold expires. */
	struct drv_fault_config cfg = { .reorder = 1, .reorder_hold_ns = 500 };
	struct drv_fault *f = engine(&cfg);
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	drv_fault_input(f, frame(0), 1000, &out);
	assert_int_equal(out.count, 0);
	assert_int_equal(drv_fault_release(f, 1499, &out), 1500);
	assert_int_equal(out.count, 0);
	assert_int_equal(drv_fault_release(f, 1500, &out), DRV_FAULT_NEVER);
	assert_int_equal(out.count, 1);
	ns_pkt_queue_purge(&out);
	drv_fault_free(f);

	/* At 30%: each held frame comes out right after the next frame that
	 * passes, so the frames overtaken are exactly the frames reordered
	 * (less any still held at the end, released in order). */
	cfg = (struct drv_fault_config){ .seed = 5, .reorder = 0.3 };
	f = engine(&cfg);
	const uint32_t n = 2000;
	uint32_t *ids = malloc(n * sizeof(*ids));
	uint32_t nout = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ns_pkt *pkt = frame(i);
		memcpy(pkt->data + 20, &i, sizeof(i)); /* full id */
		drv_fault_input(f, pkt, 0, &out);
	}
	unsigned trailing = drv_fault_held(f);
	drv_fault_release(f, UINT64_MAX - 1, &out);
	struct ns_pkt *pkt;
	while ((pkt = ns_pkt_queue_pop(&out)) != NULL) {
		memcpy(&ids[nout++], pkt->data + 20, sizeof(uint32_t));
		ns_pkt_free(pkt);
	}
	assert_int_equal(nout, n);
	uint32_t overtaken = 0, max_seen = 0;
	uint8_t *seen = calloc(n, 1);
	for (uint32_t i = 0; i < n; i++) {
		assert_false(seen[ids[i]]);
		seen[ids[i]] = 1;
		if (i > 0 && ids[i] < max_seen)
			overtaken++;
		if (ids[i] > max_seen)
			max_seen = ids[i];
	}
	assert_int_equal(overtaken, drv_fault_stats(f)->reordered - trailing);
	free(seen);
	free(ids);
	drv_fault_free(f);
}

static void test_delayed_frames_released_by_time(void **state)
{
	(void)state;
	struct drv_fault_config cfg = { .delay = 1, .delay_ns = 100 };
	struct drv_fault *f = engine(&cfg);
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	drv_fault_input(f, frame(0), 0, &out);
	drv_fault_input(f, frame(1), 10, &out);
	drv_fault_input(f, frame(2), 20, &out);
	assert_int_equal(out.count, 0);
	assert_int_equal(drv_fault_held(f), 3);
	assert_int_equal(drv_fault_release(f, 99, &out), 100);
	assert_int_equal(out.count, 0);
	assert_int_equal(drv_fault_release(f, 100, &out), 110);
	assert_int_equal(out.count, 1);
	assert_int_equal(drv_fault_release(f, 125, &out), DRV_FAULT_NEVER);
	assert_int_equal(out.count, 3);
	for (uint32_t i = 0; i < 3; i++) {
		struct ns_pkt *pkt = ns_pkt_queue_pop(&out);
		assert_int_equal(frame_id(pkt), i);
		ns_pkt_free(pkt);
	}
	drv_fault_free(f);

	/* With jitter every frame leaves within [delay, delay + jitter] and
	 * in the order of its own due time. */
	cfg = (struct drv_fault_config){
		.seed = 3, .delay = 1, .delay_ns = 1000, .jitter_ns = 500
	};
	f = engine(&cfg);
	for (uint32_t i = 0; i < 50; i++)
		drv_fault_input(f, frame(i), 0, &out);
	assert_int_equal(drv_fault_release(f, 999, &out) >= 1000, 1);
	assert_int_equal(out.count, 0);
	assert_int_equal(drv_fault_release(f, 1500, &out), DRV_FAULT_NEVER);
	assert_int_equal(out.count, 50);
	ns_pkt_queue_purge(&out);
	drv_fault_free(f);

	/* Frames still held when the engine is freed are freed with it. */
	f = engine(&(struct drv_fault_config){ .delay = 1, .delay_ns = 5 });
	drv_fault_input(f, frame(0), 0, &out);
	drv_fault_free(f);
}

static void test_corruption_flips_one_bit_copy_on_write(void **state)
{
	(void)state;
	struct drv_fault_config cfg = { .seed = 99, .corrupt = 1 };
	struct drv_fault *f = engine(&cfg);
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	struct ns_buf *shared = ns_buf_alloc(1000);
	memset(shared->data, 0xa5, 1000);
	for (int i = 0; i < 200; i++) {
		struct ns_pkt *pkt = drv_test_frame(mac_b, mac_a, 0x88b5, 0, 0);
		ns_pkt_append_frag(pkt, shared, shared->data, 1000);
		pkt->flags |= NS_PKT_F_CSUM_VALID;
		drv_fault_input(f, pkt, 0, &out);
		struct ns_pkt *got = ns_pkt_queue_pop(&out);
		assert_non_null(got);
		assert_int_equal(got->flags & NS_PKT_F_CSUM_VALID, 0);
		uint8_t bytes[1014], want[1014];
		ns_pkt_copy_out(got, 0, bytes, sizeof(bytes));
		memcpy(want, mac_b, 6);
		memcpy(want + 6, mac_a, 6);
		ns_put_be16(want + 12, 0x88b5);
		memset(want + 14, 0xa5, 1000);
		unsigned flipped = 0;
		for (size_t b = 0; b < sizeof(bytes); b++)
			flipped += (unsigned)__builtin_popcount(bytes[b] ^
								want[b]);
		assert_int_equal(flipped, 1);
		ns_pkt_free(got);
	}
	/* The shared buffer was never written. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(shared->data[i], 0xa5);
	assert_int_equal(shared->refcnt, 1);
	ns_buf_unref(shared);
	assert_int_equal(drv_fault_stats(f)->corrupted, 200);
	drv_fault_free(f);
}

static void test_hold_limit_and_bad_rates(void **state)
{
	(void)state;
	struct drv_fault *f = engine(&(struct drv_fault_config){
		.delay = 1, .delay_ns = 10, .limit = 3 });
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	for (uint32_t i = 0; i < 5; i++)
		drv_fault_input(f, frame(i), 0, &out);
	assert_int_equal(drv_fault_held(f), 3);
	assert_int_equal(drv_fault_stats(f)->overflow, 2);
	drv_fault_release(f, 10, &out);
	assert_int_equal(out.count, 3);
	ns_pkt_queue_purge(&out);
	drv_fault_free(f);

	struct drv_fault *bad = (struct drv_fault *)&out;
	assert_int_equal(
		drv_fault_new(&(struct drv_fault_config){ .drop = 1.5 }, &bad),
		-EINVAL);
	assert_null(bad);
	assert_int_equal(
		drv_fault_new(&(struct drv_fault_config){ .reorder = -0.1 },
			      &bad),
		-EINVAL);
	assert_int_equal(
		drv_fault_new(&(struct drv_fault_config){ .corrupt = NAN },
			      &bad),
		-EINVAL);
}

static void open_faulty_pipe(const struct drv_fault_link_config *cfg,
			     struct drv_link **faulty, struct drv_link **peer)
{
	struct drv_link *a;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ .trusted = true,
							 .gso = true },
			      &a, peer, &err),
		&err);
	drv_test_check_open(drv_fault_wrap(a, cfg, faulty, &err), &err);
}

static void test_wrapper_delays_transmit_until_timers(void **state)
{
	(void)state;
	uint64_t clock = 1000;
	struct drv_link *link, *peer;
	open_faulty_pipe(
		&(struct drv_fault_link_config){
			.fault = { .delay = 1, .delay_ns = 50 },
			.dir = DRV_FAULT_TX,
			.clock = { drv_test_clock_now, &clock } },
		&link, &peer);
	assert_string_equal(drv_kind(link), "fault");
	/* TSO is hidden; without corruption the rest stays. */
	assert_int_equal(drv_info(link)->caps & NS_LINK_CAP_TSO, 0);
	assert_true(drv_info(link)->caps & NS_LINK_CAP_TRUSTED);
	assert_true(drv_fd(link) >= 0); /* the pipe's eventfd */
	assert_int_equal(drv_next_deadline(link), DRV_NO_DEADLINE);
	assert_int_equal(drv_xmit(link, frame(1)), 0);
	assert_int_equal(drv_flush(link), 0);
	/* The held frame's deadline is known at once (the owner arms its
	 * timer after sending), and asking releases nothing. */
	assert_int_equal(drv_next_deadline(link), 1050);
	struct ns_pkt *pkt;
	assert_int_equal(drv_rx_burst(peer, &pkt, 1), 0);
	assert_int_equal(drv_timers(link, 1049), 1050);
	assert_int_equal(drv_rx_burst(peer, &pkt, 1), 0);
	assert_int_equal(drv_timers(link, 1050), DRV_NO_DEADLINE);
	pkt = drv_test_rx_one(peer);
	assert_int_equal(frame_id(pkt), 1);
	ns_pkt_free(pkt);
	assert_int_equal(drv_test_counter(link, "fault_tx_delayed"), 1);
	assert_int_equal(drv_test_counter(link, "fault_rx_delayed"), 0);
	/* The wrapped link's device counters are reachable through it. */
	assert_int_equal(drv_test_counter(link, "tx_packets"), 1);
	drv_close(link);
	drv_close(peer);
}

static void test_wrapper_receive_side(void **state)
{
	(void)state;
	uint64_t clock = 0;
	struct drv_link *link, *peer;
	open_faulty_pipe(
		&(struct drv_fault_link_config){
			.fault = { .drop = 1, .corrupt = 0.5 },
			.dir = DRV_FAULT_RX,
			.clock = { drv_test_clock_now, &clock } },
		&link, &peer);
	assert_int_equal(drv_info(link)->caps &
				 (NS_LINK_CAP_TRUSTED | NS_LINK_CAP_TX_CSUM),
			 0);
	/* Transmit is untouched. */
	assert_int_equal(drv_xmit(link, frame(3)), 0);
	struct ns_pkt *pkt = drv_test_rx_one(peer);
	ns_pkt_free(pkt);
	/* Everything received is dropped, and 0 means the wrapped link is
	 * drained, not merely that one burst was swallowed. */
	for (uint32_t i = 0; i < 200; i++)
		drv_xmit(peer, frame(i));
	struct ns_pkt *pkts[8];
	assert_int_equal(drv_rx_burst(link, pkts, 8), 0);
	assert_int_equal(drv_test_counter(link, "fault_rx_dropped"), 200);
	assert_int_equal(drv_rx_burst(peer, pkts, 8), 0);
	drv_close(link);
	drv_close(peer);

	/* Delayed receive frames come back from rx_burst after timers. */
	open_faulty_pipe(
		&(struct drv_fault_link_config){
			.fault = { .delay = 1, .delay_ns = 10 },
			.dir = DRV_FAULT_BOTH,
			.clock = { drv_test_clock_now, &clock } },
		&link, &peer);
	for (uint32_t i = 0; i < 100; i++)
		drv_xmit(peer, frame(i));
	assert_int_equal(drv_rx_burst(link, pkts, 8), 0);
	assert_int_equal(drv_next_deadline(link), 10);
	clock = 10;
	assert_int_equal(drv_timers(link, clock), DRV_NO_DEADLINE);
	/* Released frames wait for the owner: due now. */
	assert_int_equal(drv_next_deadline(link), 0);
	uint32_t got = 0;
	int n;
	while ((n = drv_rx_burst(link, pkts, 8)) > 0) {
		for (int i = 0; i < n; i++, got++) {
			assert_int_equal(frame_id(pkts[i]), got % 251);
			ns_pkt_free(pkts[i]);
		}
	}
	assert_int_equal(got, 100);
	/* Held frames are freed at close. */
	drv_xmit(peer, frame(0));
	drv_rx_burst(link, pkts, 8);
	drv_xmit(link, frame(0));
	drv_close(link);
	drv_close(peer);
}

static void test_wrapper_bounds_work_when_dropping_a_flood(void **state)
{
	(void)state;
	struct drv_link *link, *peer;
	open_faulty_pipe(
		&(struct drv_fault_link_config){ .fault = { .drop = 1 },
						 .dir = DRV_FAULT_RX },
		&link, &peer);
	const uint64_t flood = 1000; /* the pipe's queue */
	for (uint32_t i = 0; i < flood; i++)
		assert_int_equal(drv_xmit(peer, frame(i)), 0);
	/* One call swallows part of the flood and returns; the rest waits
	 * in the wrapped link for the next calls. */
	struct ns_pkt *pkts[8];
	assert_int_equal(drv_rx_burst(link, pkts, 8), 0);
	uint64_t dropped = drv_test_counter(link, "fault_rx_dropped");
	assert_true(dropped > 0 && dropped < flood);
	for (int calls = 0; calls < 100 && dropped < flood; calls++) {
		assert_int_equal(drv_rx_burst(link, pkts, 8), 0);
		dropped = drv_test_counter(link, "fault_rx_dropped");
	}
	assert_int_equal(dropped, flood);
	drv_close(link);
	drv_close(peer);
}

static void test_wrapper_rejects_bad_config(void **state)
{
	(void)state;
	struct drv_link *a, *b, *w = NULL;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &a, &b, &err),
		&err);
	assert_true(drv_fault_wrap(a,
				   &(struct drv_fault_link_config){
					   .fault = { .drop = 2 } },
				   &w, &err) < 0);
	assert_null(w);
	assert_non_null(strstr(err->msg, "[0, 1]"));
	rs_error_free(err);
	/* On failure the caller still owns the inner link. */
	drv_close(a);
	drv_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_within_statistical_bounds),
		cmocka_unit_test(test_same_seed_same_faults),
		cmocka_unit_test(test_reordered_frame_arrives_one_place_late),
		cmocka_unit_test(test_delayed_frames_released_by_time),
		cmocka_unit_test(test_corruption_flips_one_bit_copy_on_write),
		cmocka_unit_test(test_hold_limit_and_bad_rates),
		cmocka_unit_test(test_wrapper_delays_transmit_until_timers),
		cmocka_unit_test(test_wrapper_receive_side),
		cmocka_unit_test(
			test_wrapper_bounds_work_when_dropping_a_flood),
		cmocka_unit_test(test_wrapper_rejects_bad_config),
	};
	return cmocka_run_group_tests_name("drivers/fault", tests, NULL, NULL);
}
