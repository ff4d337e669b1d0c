/* Packet buffers: headroom, fragments, pull/trim/pullup across segment
 * boundaries, reference counting, and the ownership contract. Leaks are
 * caught by `make asan` (LeakSanitizer). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netstack/csum.h"
#include "netstack/pkt.h"

/* A packet with head bytes 0..head_n-1 and `nfrag` fragments of frag_n
 * bytes each continuing the sequence (byte i has value i % 251). */
static struct ns_pkt *make_pkt(uint32_t head_n, unsigned nfrag, uint32_t frag_n)
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, head_n);
	assert_non_null(pkt);
	uint8_t *p = ns_pkt_put(pkt, head_n);
	uint32_t v = 0;
	for (uint32_t i = 0; i < head_n; i++)
		p[i] = (uint8_t)(v++ % 251);
	for (unsigned f = 0; f < nfrag; f++) {
		struct ns_buf *buf = ns_buf_alloc(frag_n);
		assert_non_null(buf);
		for (uint32_t i = 0; i < frag_n; i++)
			buf->data[i] = (uint8_t)(v++ % 251);
		assert_int_equal(
			ns_pkt_append_frag(pkt, buf, buf->data, frag_n), 0);
		ns_buf_unref(buf);
	}
	return pkt;
}

/* Checks that the packet holds the sequence starting at value `first`. */
static void assert_sequence(const struct ns_pkt *pkt, uint32_t first)
{
	uint8_t *all = malloc(pkt->len + 1);
	assert_int_equal(ns_pkt_copy_out(pkt, 0, all, pkt->len), 0);
	for (uint32_t i = 0; i < pkt->len; i++)
		assert_int_equal(all[i], (first + i) % 251);
	free(all);
}

static void test_push_put_pull_in_head(void **state)
{
	(void)state;
	struct ns_pkt *pkt = ns_pkt_alloc(64, 100);
	assert_int_equal(ns_pkt_headroom(pkt), 64);
	assert_int_equal(ns_pkt_tailroom(pkt), 100);
	memcpy(ns_pkt_put(pkt, 10), "0123456789", 10);
	uint8_t *hdr = ns_pkt_push(pkt, 4);
	memcpy(hdr, "HDR:", 4);
	assert_int_equal(pkt->len, 14);
	assert_memory_equal(pkt->data, "HDR:0123456789", 14);
	/* Pushing past the headroom fails and leaves the packet alone. */
	assert_null(ns_pkt_push(pkt, 61));
	assert_int_equal(pkt->len, 14);
	assert_null(ns_pkt_put(pkt, 91));
	assert_int_equal(ns_pkt_pull(pkt, 4), 0);
	assert_memory_equal(pkt->data, "0123456789", 10);
	assert_int_equal(ns_pkt_pull(pkt, 11), -EINVAL);
	assert_int_equal(pkt->len, 10);
	ns_pkt_free(pkt);
	ns_pkt_free(NULL);
}

static void test_append_copy_spills_into_fragment(void **state)
{
	(void)state;
	struct ns_pkt *pkt = ns_pkt_alloc(0, 8);
	assert_int_equal(ns_pkt_append_copy(pkt, "abcd", 4), 0);
	assert_int_equal(pkt->nfrags, 0);
	assert_int_equal(ns_pkt_append_copy(pkt, "efghijkl", 8), 0);
	assert_int_equal(pkt->nfrags, 1);
	assert_int_equal(pkt->len, 12);
	char out[12];
	assert_int_equal(ns_pkt_copy_out(pkt, 0, out, 12), 0);
	assert_memory_equal(out, "abcdefghijkl", 12);
	/* Once fragments follow, the head cannot grow at its end. */
	assert_null(ns_pkt_put(pkt, 1));
	ns_pkt_free(pkt);
}

static void test_adjacent_views_merge_and_slots_run_out(void **state)
{
	(void)state;
	struct ns_pkt *pkt = ns_pkt_alloc(0, 0);
	struct ns_buf *buf = ns_buf_alloc(4096);
	assert_int_equal(ns_pkt_append_frag(pkt, buf, buf->data, 100), 0);
	assert_int_equal(ns_pkt_append_frag(pkt, buf, buf->data + 100, 100), 0);
	assert_int_equal(pkt->nfrags, 1);
	assert_int_equal(pkt->frags[0].len, 200);
	assert_int_equal(buf->refcnt, 2);
	/* Non-adjacent views take a slot each until none are left. */
	for (unsigned i = 1; i < NS_PKT_MAX_FRAGS; i++)
		assert_int_equal(
			ns_pkt_append_frag(pkt, buf, buf->data + 300 * i, 10),
			0);
	assert_int_equal(ns_pkt_append_frag(pkt, buf, buf->data + 4000, 10),
			 -ENOBUFS);
	assert_int_equal(ns_pkt_append_copy(pkt, "x", 1), -ENOBUFS);
	assert_int_equal(pkt->len, 200 + 10 * (NS_PKT_MAX_FRAGS - 1));
	assert_int_equal(buf->refcnt, 1 + NS_PKT_MAX_FRAGS);
	ns_pkt_free(pkt);
	assert_int_equal(buf->refcnt, 1);
	ns_buf_unref(buf);
}

static void test_pull_across_fragments(void **state)
{
	(void)state;
	for (uint32_t n = 0; n <= 20 + 3 * 7; n++) {
		struct ns_pkt *pkt = make_pkt(20, 3, 7);
		assert_int_equal(ns_pkt_pull(pkt, n), 0);
		assert_int_equal(pkt->len, 41 - n);
		assert_sequence(pkt, n);
		ns_pkt_free(pkt);
	}
}

static void test_trim_across_fragments(void **state)
{
	(void)state;
	for (uint32_t len = 0; len <= 41; len++) {
		struct ns_pkt *pkt = make_pkt(20, 3, 7);
		assert_int_equal(ns_pkt_trim(pkt, len), 0);
		assert_int_equal(pkt->len, len);
		assert_sequence(pkt, 0);
		ns_pkt_free(pkt);
	}
	struct ns_pkt *pkt = make_pkt(20, 1, 5);
	assert_int_equal(ns_pkt_trim(pkt, 26), -EINVAL);
	assert_int_equal(pkt->len, 25);
	ns_pkt_free(pkt);
}

static void test_pullup_moves_header_bytes_into_head(void **state)
{
	(void)state;
	/* A packet whose head is empty and whose bytes are all in
	 * fragments, as a clone of a forwarded payload might be. */
	struct ns_pkt *pkt = make_pkt(0, 4, 10);
	uint8_t *p = ns_pkt_pullup(pkt, 25);
	assert_non_null(p);
	assert_int_equal(pkt->head_len, 25);
	assert_int_equal(pkt->len, 40);
	for (int i = 0; i < 25; i++)
		assert_int_equal(p[i], i);
	assert_sequence(pkt, 0);
	assert_null(ns_pkt_pullup(pkt, 41));
	ns_pkt_free(pkt);

	/* No tailroom, but sliding the head to its storage start helps. */
	pkt = ns_pkt_alloc(16, 8);
	ns_pkt_put(pkt, 8);
	memset(pkt->data, 'h', 8);
	struct ns_buf *buf = ns_buf_alloc(16);
	memset(buf->data, 'f', 16);
	ns_pkt_append_frag(pkt, buf, buf->data, 16);
	ns_buf_unref(buf);
	assert_non_null(ns_pkt_pullup(pkt, 20));
	assert_memory_equal(pkt->data, "hhhhhhhhffffffffffff", 20);
	assert_int_equal(pkt->len, 24);
	/* More than the whole head storage can hold: refused, unchanged. */
	assert_null(ns_pkt_pullup(pkt, 24 + 1));
	assert_int_equal(pkt->len, 24);
	ns_pkt_free(pkt);
}

static void test_csum_over_fragments_at_odd_offsets(void **state)
{
	(void)state;
	/* Odd fragment sizes put every boundary at a different parity. */
	struct ns_pkt *pkt = make_pkt(13, 5, 33);
	uint8_t flat[13 + 5 * 33];
	ns_pkt_copy_out(pkt, 0, flat, sizeof(flat));
	for (uint32_t off = 0; off < 40; off += 3)
		for (uint32_t len = 0; off + len <= sizeof(flat); len += 11)
			assert_int_equal(
				ns_csum_fold(ns_pkt_csum(pkt, off, len, 0)),
				ns_csum_fold(
					ns_csum_partial(flat + off, len, 0)));
	ns_pkt_free(pkt);
}

static void test_clone_shares_fragments_and_owns_its_head(void **state)
{
	(void)state;
	struct ns_pkt *pkt = make_pkt(10, 2, 10);
	pkt->flags = NS_PKT_F_CSUM_VALID;
	pkt->cb[0] = 42;
	struct ns_pkt *c = ns_pkt_clone(pkt);
	assert_non_null(c);
	assert_int_equal(c->len, 30);
	assert_int_equal(c->frags[0].buf->refcnt, 2);
	assert_ptr_equal(c->frags[0].data, pkt->frags[0].data);
	assert_int_equal(c->flags, NS_PKT_F_CSUM_VALID);
	assert_int_equal(c->cb[0], 42);
	assert_int_equal(ns_pkt_headroom(c), ns_pkt_headroom(pkt));
	/* Writing a header into the clone leaves the original alone. */
	ns_pkt_push(c, 2)[0] = 0xee;
	c->data[2] = 0xdd;
	assert_sequence(pkt, 0);
	ns_pkt_free(pkt);
	assert_int_equal(c->frags[0].buf->refcnt, 1);
	ns_pkt_free(c);
}

static void test_copy_linearises(void **state)
{
	(void)state;
	struct ns_pkt *pkt = make_pkt(5, 3, 9);
	struct ns_pkt *c = ns_pkt_copy(pkt, 32);
	assert_non_null(c);
	assert_int_equal(c->nfrags, 0);
	assert_int_equal(c->head_len, 32);
	assert_int_equal(ns_pkt_headroom(c), 32);
	assert_sequence(c, 0);
	ns_pkt_free(pkt);
	ns_pkt_free(c);
}

static void test_to_iov(void **state)
{
	(void)state;
	struct ns_pkt *pkt = make_pkt(6, 2, 4);
	struct iovec iov[3];
	assert_int_equal(ns_pkt_to_iov(pkt, iov, 3), 3);
	assert_int_equal(iov[0].iov_len, 6);
	assert_int_equal(iov[2].iov_len, 4);
	assert_int_equal(((uint8_t *)iov[1].iov_base)[0], 6);
	assert_int_equal(ns_pkt_to_iov(pkt, iov, 2), -ENOBUFS);
	ns_pkt_free(pkt);
}

static int releases;
static void count_release(struct ns_buf *buf)
{
	releases++;
	free(buf);
}

static void test_external_buffer_released_once_by_last_owner(void **state)
{
	(void)state;
	static uint8_t ring_slot[64];
	struct ns_buf *buf = malloc(sizeof(*buf));
	ns_buf_init_external(buf, ring_slot, sizeof(ring_slot), count_release,
			     NULL);
	struct ns_pkt *a = ns_pkt_alloc(0, 0);
	ns_pkt_append_frag(a, buf, ring_slot, 64);
	ns_buf_unref(buf); /* the packet holds the only reference */
	struct ns_pkt *b = ns_pkt_clone(a);
	releases = 0;
	ns_pkt_free(a);
	assert_int_equal(releases, 0);
	ns_pkt_free(b);
	assert_int_equal(releases, 1);
}

static void test_queue_keeps_order_and_counts(void **state)
{
	(void)state;
	struct ns_pkt_queue q;
	ns_pkt_queue_init(&q);
	assert_null(ns_pkt_queue_pop(&q));
	for (uint32_t i = 1; i <= 5; i++)
		ns_pkt_queue_push(&q, make_pkt(i, 0, 0));
	assert_int_equal(q.count, 5);
	assert_int_equal(q.bytes, 15);
	struct ns_pkt *first = ns_pkt_queue_pop(&q);
	assert_int_equal(first->len, 1);
	assert_null(first->next);
	ns_pkt_free(first);
	assert_int_equal(q.count, 4);
	assert_int_equal(q.bytes, 14);
	ns_pkt_queue_purge(&q);
	assert_int_equal(q.count, 0);
	assert_null(q.first);
}

static void test_alloc_refuses_overflowing_sizes(void **state)
{
	(void)state;
	assert_null(ns_pkt_alloc(UINT32_MAX, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_put_pull_in_head),
		cmocka_unit_test(test_append_copy_spills_into_fragment),
		cmocka_unit_test(test_adjacent_views_merge_and_slots_run_out),
		cmocka_unit_test(test_pull_across_fragments),
		cmocka_unit_test(test_trim_across_fragments),
		cmocka_unit_test(test_pullup_moves_header_bytes_into_head),
		cmocka_unit_test(test_csum_over_fragments_at_odd_offsets),
		cmocka_unit_test(test_clone_shares_fragments_and_owns_its_head),
		cmocka_unit_test(test_copy_linearises),
		cmocka_unit_test(test_to_iov),
		cmocka_unit_test(
			test_external_buffer_released_once_by_last_owner),
		cmocka_unit_test(test_queue_keeps_order_and_counts),
		cmocka_unit_test(test_alloc_refuses_overflowing_sizes),
	};
	return cmocka_run_group_tests_name("netstack/pkt", tests, NULL, NULL);
}
