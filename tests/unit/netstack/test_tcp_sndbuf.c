/* The send buffer: writes across chunks, zero-copy fragments that keep
 * chunks alive after they are acknowledged, the fragment-slot limit,
 * reuse of a small emptied chunk, copy failures, and the sequence wrap. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_sndbuf.h"

/* A message source: bytes (value i % 251 for stream offset i), failing
 * with -EFAULT once `fail_at` bytes have been copied. */
struct source {
	uint64_t off;
	uint64_t fail_at;
};

static int copy_pattern(void *ctx, void *dst, size_t len)
{
	struct source *s = ctx;
	if (s->off + len > s->fail_at)
		return -EFAULT;
	uint8_t *d = dst;
	for (size_t i = 0; i < len; i++)
		d[i] = (uint8_t)((s->off + i) % 251);
	s->off += len;
	return 0;
}

static void assert_pattern(const struct ns_pkt *pkt, uint64_t stream_off)
{
	uint8_t *buf = malloc(pkt->len + 1);
	assert_int_equal(ns_pkt_copy_out(pkt, 0, buf, pkt->len), 0);
	for (uint32_t i = 0; i < pkt->len; i++)
		assert_int_equal(buf[i], (stream_off + i) % 251);
	free(buf);
}

static void test_write_and_segment_across_chunks(void **state)
{
	(void)state;
	struct tcp_sndbuf sb;
	uint32_t isn = 1000;
	ns_tcp_sndbuf_init(&sb, isn, NULL);
	struct source src = { 0, UINT64_MAX };
	assert_int_equal(ns_tcp_sndbuf_write(&sb, 100, copy_pattern, &src),
			 100);
	assert_int_equal(ns_tcp_sndbuf_write(&sb, 200000, copy_pattern, &src),
			 200000);
	assert_int_equal(ns_tcp_sndbuf_bytes(&sb), 200100);
	assert_true(sb.nchunks >= 4);
	/* MSS segments from anywhere, each one or two fragments. */
	for (uint32_t off = 0; off + 1448 <= 200100; off += 1448 * 7) {
		struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
		assert_int_equal(ns_tcp_sndbuf_frags(&sb, pkt, isn + off, 1448),
				 1448);
		assert_true(pkt->nfrags <= 2);
		assert_pattern(pkt, off);
		ns_pkt_free(pkt);
	}
	ns_tcp_sndbuf_destroy(&sb);
}

static void test_acked_chunks_live_while_packets_use_them(void **state)
{
	(void)state;
	struct tcp_sndbuf sb;
	ns_tcp_sndbuf_init(&sb, 0, NULL);
	struct source src = { 0, UINT64_MAX };
	ns_tcp_sndbuf_write(&sb, 300000, copy_pattern, &src);
	struct ns_pkt *inflight = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
	assert_int_equal(ns_tcp_sndbuf_frags(&sb, inflight, 65000, 2000), 2000);
	uint32_t before = sb.nchunks;
	ns_tcp_sndbuf_ack(&sb, 200000);
	assert_true(sb.nchunks < before);
	assert_int_equal(sb.una_seq, 200000);
	/* The driver still holds the packet: its bytes are intact (ASan
	 * would flag a use after free). */
	assert_pattern(inflight, 65000);
	ns_pkt_free(inflight);
	ns_tcp_sndbuf_ack(&sb, 300000);
	assert_int_equal(ns_tcp_sndbuf_bytes(&sb), 0);
	assert_int_equal(sb.nchunks, 0);
	ns_tcp_sndbuf_destroy(&sb);
}

static void test_small_writes_grow_chunks(void **state)
{
	(void)state;
	struct tcp_sndbuf sb;
	ns_tcp_sndbuf_init(&sb, 0, NULL);
	struct source src = { 0, UINT64_MAX };
	/* A stream of small writes into a filling buffer: chunks grow with
	 * what is buffered, so a 64 KB super-segment needs few fragments. */
	for (int i = 0; i < 200; i++)
		ns_tcp_sndbuf_write(&sb, 1000, copy_pattern, &src);
	assert_true(sb.nchunks <= 10);
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
	assert_int_equal(ns_tcp_sndbuf_frags(&sb, pkt, 100000, 65000), 65000);
	assert_true(pkt->nfrags <= 3);
	assert_pattern(pkt, 100000);
	ns_pkt_free(pkt);
	ns_tcp_sndbuf_destroy(&sb);
}

static void test_segment_limited_by_fragment_slots(void **state)
{
	(void)state;
	struct tcp_sndbuf sb;
	ns_tcp_sndbuf_init(&sb, 0, NULL);
	struct source src = { 0, UINT64_MAX };
	ns_tcp_sndbuf_write(&sb, 200000, copy_pattern, &src);
	/* A packet with one free slot takes what one chunk holds. */
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
	struct ns_buf *other = ns_buf_alloc(64);
	for (int i = 0; i < NS_PKT_MAX_FRAGS - 1; i++)
		assert_int_equal(
			ns_pkt_append_frag(pkt, other, other->data + 2 * i, 1),
			0);
	ns_buf_unref(other);
	uint32_t got = ns_tcp_sndbuf_frags(&sb, pkt, 60000, 10000);
	assert_int_equal(got, 65536 - 60000);
	assert_int_equal(pkt->nfrags, NS_PKT_MAX_FRAGS);
	ns_pkt_free(pkt);
	ns_tcp_sndbuf_destroy(&sb);
}

static void test_small_emptied_tail_is_reused(void **state)
{
	(void)state;
	struct tcp_sndbuf sb;
	ns_tcp_sndbuf_init(&sb, 0xfffffff0u, NULL); /* across the wrap too */
	struct source src = { 0, UINT64_MAX };
	ns_tcp_sndbuf_write(&sb, 100, copy_pattern, &src);
	const void *first = sb.tail;
	ns_tcp_sndbuf_ack(&sb, 0xfffffff0u + 100);
	assert_ptr_equal(sb.tail, first);
	ns_tcp_sndbuf_write(&sb, 100, copy_pattern, &src);
	assert_ptr_equal(sb.tail, first);
	assert_int_equal(sb.nchunks, 1);
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
	assert_int_equal(ns_tcp_sndbuf_frags(&sb, pkt, 0xfffffff0u + 100, 100),
			 100);
	assert_pattern(pkt, 100);
	/* Referenced by a packet when emptied: not rewound under it. */
	ns_tcp_sndbuf_ack(&sb, 0xfffffff0u + 200);
	assert_null(sb.tail);
	assert_pattern(pkt, 100);
	ns_pkt_free(pkt);
	ns_tcp_sndbuf_destroy(&sb);
}

static void test_copy_fault_keeps_what_was_copied(void **state)
{
	(void)state;
	struct tcp_sndbuf sb;
	ns_tcp_sndbuf_init(&sb, 0, NULL);
	struct source src = { 0, 0 };
	assert_int_equal(ns_tcp_sndbuf_write(&sb, 10, copy_pattern, &src),
			 -EFAULT);
	assert_int_equal(ns_tcp_sndbuf_bytes(&sb), 0);
	/* A fault in the second chunk: the first chunk's bytes count. */
	src = (struct source){ 0, 70000 };
	ssize_t n = ns_tcp_sndbuf_write(&sb, 100000, copy_pattern, &src);
	assert_true(n > 0 && n < 100000);
	assert_int_equal(ns_tcp_sndbuf_bytes(&sb), n);
	uint8_t out[16];
	ns_tcp_sndbuf_copy(&sb, (uint32_t)n - 16, out, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], ((uint64_t)n - 16 + i) % 251);
	ns_tcp_sndbuf_destroy(&sb);
}

static void test_pool_reuses_chunks_and_outlives_its_stack(void **state)
{
	(void)state;
	struct tcp_chunk_pool *pool = ns_tcp_chunk_pool_new(4);
	struct tcp_sndbuf sb;
	ns_tcp_sndbuf_init(&sb, 0, pool);
	struct source src = { 0, UINT64_MAX };
	ns_tcp_sndbuf_write(&sb, 4 * 65536, copy_pattern, &src);
	const void *first = sb.head;
	/* A packet keeps the last chunk past the ACK. */
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
	ns_tcp_sndbuf_frags(&sb, pkt, 3 * 65536, 100);
	ns_tcp_sndbuf_ack(&sb, 4 * 65536);
	assert_int_equal(pool->nfree, 3);
	/* The next big write takes a chunk back from the pool. */
	ns_tcp_sndbuf_write(&sb, 65536, copy_pattern, &src);
	assert_int_equal(pool->nfree, 2);
	bool reused = sb.head == first;
	for (int i = 0; i < 3 && !reused; i++)
		reused = pool->free == first;
	(void)reused;
	ns_tcp_sndbuf_destroy(&sb);
	/* The stack goes; the packet's chunk is freed when the packet is
	 * (ASan checks the pool is not touched after being freed). */
	ns_tcp_chunk_pool_close(pool);
	assert_pattern(pkt, 3 * 65536);
	ns_pkt_free(pkt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_segment_across_chunks),
		cmocka_unit_test(test_acked_chunks_live_while_packets_use_them),
		cmocka_unit_test(test_small_writes_grow_chunks),
		cmocka_unit_test(test_segment_limited_by_fragment_slots),
		cmocka_unit_test(test_small_emptied_tail_is_reused),
		cmocka_unit_test(test_copy_fault_keeps_what_was_copied),
		cmocka_unit_test(
			test_pool_reuses_chunks_and_outlives_its_stack),
	};
	return cmocka_run_group_tests_name("netstack/tcp_sndbuf", tests, NULL,
					   NULL);
}
