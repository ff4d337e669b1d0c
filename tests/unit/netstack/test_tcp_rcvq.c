/* The receive and out-of-order queues: in-order reads, peeks and skips,
 * coalescing, every overlap case with its D-SACK, FIN ordering, pruning,
 * and a randomized stream of duplicated, overlapping, reordered segments
 * that must reassemble byte-exact. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_rcvq.h"

/* Stream byte at sequence s. */
static uint8_t byte_at(uint32_t s)
{
	return (uint8_t)(s % 251);
}

/* A payload-only packet for [seq, seq + len), in the head or (frag) as a
 * fragment of a shared buffer. */
static struct ns_pkt *segment(uint32_t seq, uint32_t len, bool fin, bool frag)
{
	struct ns_pkt *pkt = ns_pkt_alloc(64, frag ? 0 : len + 64);
	assert_non_null(pkt);
	if (frag && len) {
		struct ns_buf *buf = ns_buf_alloc(len);
		for (uint32_t i = 0; i < len; i++)
			buf->data[i] = byte_at(seq + i);
		ns_pkt_append_frag(pkt, buf, buf->data, len);
		ns_buf_unref(buf);
	} else {
		uint8_t *p = ns_pkt_put(pkt, len);
		for (uint32_t i = 0; i < len; i++)
			p[i] = byte_at(seq + i);
	}
	struct tcp_cb *cb = ns_tcp_cb(pkt);
	cb->seq = seq;
	cb->end_seq = seq + len + (fin ? 1 : 0);
	cb->fin = fin;
	return pkt;
}

struct sink {
	uint8_t *buf;
	uint32_t used, cap;
	bool fail;
};

static ssize_t copy_to_sink(void *ctx, const struct ns_pkt *pkt, uint32_t off,
			    uint32_t len)
{
	struct sink *s = ctx;
	if (s->fail)
		return -EFAULT;
	if (len > s->cap - s->used)
		len = s->cap - s->used;
	assert_int_equal(ns_pkt_copy_out(pkt, off, s->buf + s->used, len), 0);
	s->used += len;
	return len;
}

static void assert_stream(const uint8_t *buf, uint32_t seq, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		assert_int_equal(buf[i], byte_at(seq + i));
}

static void test_in_order_read_peek_skip(void **state)
{
	(void)state;
	struct tcp_rcvq rq;
	ns_tcp_rcvq_init(&rq);
	ns_tcp_rcvq_queue(&rq, segment(100, 50, false, true));
	ns_tcp_rcvq_queue(&rq, segment(150, 50, false, true));
	ns_tcp_rcvq_queue(&rq, segment(200, 0, true, false)); /* bare FIN */
	assert_int_equal(rq.inq.bytes, 100);
	uint8_t out[100];
	struct sink s = { out, 0, sizeof(out), false };
	assert_int_equal(ns_tcp_rcvq_read(&rq, 70, copy_to_sink, &s, true), 70);
	assert_int_equal(rq.inq.bytes, 100);
	assert_stream(out, 100, 70);
	s.used = 0;
	assert_int_equal(ns_tcp_rcvq_read(&rq, 70, copy_to_sink, &s, false),
			 70);
	assert_stream(out, 100, 70);
	ns_tcp_rcvq_skip(&rq, 10);
	s.used = 0;
	assert_int_equal(ns_tcp_rcvq_read(&rq, 100, copy_to_sink, &s, false),
			 20);
	assert_stream(out, 180, 20);
	assert_int_equal(rq.inq.count, 0);
	assert_int_equal(rq.mem, 0);
	s.fail = true;
	ns_tcp_rcvq_queue(&rq, segment(200, 10, false, false));
	assert_int_equal(ns_tcp_rcvq_read(&rq, 10, copy_to_sink, &s, false),
			 -EFAULT);
	assert_int_equal(rq.inq.bytes, 10);
	ns_tcp_rcvq_purge(&rq);
}

static void test_coalescing_keeps_overhead_low(void **state)
{
	(void)state;
	struct tcp_rcvq rq;
	ns_tcp_rcvq_init(&rq);
	/* 1000 one-byte segments in head storage with tailroom: they pack
	 * into a few packets, each charged once for its structure. */
	for (uint32_t i = 0; i < 1000; i++)
		ns_tcp_rcvq_queue(&rq, segment(i, 1, false, false));
	assert_true(rq.inq.count < 1000 / 50);
	/* Fragments move by reference into the previous packet's slots. */
	struct tcp_rcvq fq;
	ns_tcp_rcvq_init(&fq);
	for (uint32_t i = 0; i < 64; i++)
		ns_tcp_rcvq_queue(&fq, segment(i * 100, 100, false, true));
	assert_int_equal(fq.inq.count, 64 / NS_PKT_MAX_FRAGS);
	uint8_t out[6400];
	struct sink s = { out, 0, sizeof(out), false };
	assert_int_equal(ns_tcp_rcvq_read(&fq, 6400, copy_to_sink, &s, false),
			 6400);
	assert_stream(out, 0, 6400);
	assert_int_equal(fq.mem, 0);
	ns_tcp_rcvq_purge(&rq);
}

static void test_ofo_sack_blocks_and_drain(void **state)
{
	(void)state;
	struct tcp_rcvq rq;
	struct tcp_rcv_sack rs;
	ns_tcp_rcvq_init(&rq);
	ns_tcp_rcv_sack_init(&rs);
	uint32_t rcv_nxt = 1000;
	assert_int_equal(
		ns_tcp_ofo_insert(&rq, segment(3000, 1000, false, true), &rs),
		TCP_OFO_QUEUED);
	assert_int_equal(
		ns_tcp_ofo_insert(&rq, segment(2000, 1000, false, true), &rs),
		TCP_OFO_QUEUED);
	assert_int_equal(rs.nblocks, 1);
	assert_int_equal(rs.blocks[0].start, 2000);
	assert_int_equal(rs.blocks[0].end, 4000);
	assert_false(ns_tcp_ofo_drain(&rq, &rcv_nxt, &rs));
	assert_int_equal(rcv_nxt, 1000);
	/* The hole fills in order. */
	ns_tcp_rcvq_queue(&rq, segment(1000, 1000, false, true));
	rcv_nxt = 2000;
	assert_false(ns_tcp_ofo_drain(&rq, &rcv_nxt, &rs));
	assert_int_equal(rcv_nxt, 4000);
	assert_int_equal(rs.nblocks, 0);
	assert_null(rq.ofo_head);
	uint8_t out[3000];
	struct sink s = { out, 0, sizeof(out), false };
	assert_int_equal(ns_tcp_rcvq_read(&rq, 3000, copy_to_sink, &s, false),
			 3000);
	assert_stream(out, 1000, 3000);
	ns_tcp_rcvq_purge(&rq);
}

static void test_ofo_overlap_cases_and_dsack(void **state)
{
	(void)state;
	struct tcp_rcvq rq;
	struct tcp_rcv_sack rs;
	ns_tcp_rcvq_init(&rq);
	ns_tcp_rcv_sack_init(&rs);
	ns_tcp_ofo_insert(&rq, segment(2000, 1000, false, false), &rs);
	ns_tcp_ofo_insert(&rq, segment(5000, 1000, false, false), &rs);
	/* Wholly inside a held segment: duplicate. */
	assert_int_equal(
		ns_tcp_ofo_insert(&rq, segment(2200, 300, false, false), &rs),
		TCP_OFO_DUP);
	assert_true(rs.has_dsack);
	assert_int_equal(rs.dsack.start, 2200);
	assert_int_equal(rs.dsack.end, 2500);
	rs.has_dsack = false;
	/* Overlapping the end of [2000,3000): trimmed to start at 3000. */
	ns_tcp_ofo_insert(&rq, segment(2500, 1000, false, false), &rs);
	assert_int_equal(rs.dsack.start, 2500);
	assert_int_equal(rs.dsack.end, 3000);
	assert_int_equal(rq.ofo_count, 3);
	/* Covering [5000,6000) entirely and overlapping the next hole's
	 * neighbour: replaces it. */
	ns_tcp_ofo_insert(&rq, segment(4500, 2000, false, true), &rs);
	assert_int_equal(rq.ofo_count, 3);
	/* Overlapping the start of [4500,6500): its tail is cut. */
	ns_tcp_ofo_insert(&rq, segment(4000, 1000, false, false), &rs);
	assert_int_equal(rq.ofo_count, 4);
	/* Held: [2000,3500) and [4000,6500), the latter most recent. */
	assert_int_equal(rs.nblocks, 2);
	assert_int_equal(rs.blocks[0].start, 4000);
	assert_int_equal(rs.blocks[0].end, 6500);
	assert_int_equal(rs.blocks[1].start, 2000);
	assert_int_equal(rs.blocks[1].end, 3500);
	/* Everything reassembles byte-exact once the holes fill. */
	uint32_t rcv_nxt = 2000;
	ns_tcp_ofo_drain(&rq, &rcv_nxt, &rs);
	assert_int_equal(rcv_nxt, 3500);
	ns_tcp_rcvq_queue(&rq, segment(3500, 500, false, false));
	rcv_nxt = 4000;
	ns_tcp_ofo_drain(&rq, &rcv_nxt, &rs);
	assert_int_equal(rcv_nxt, 6500);
	assert_int_equal(rs.nblocks, 0);
	uint8_t out[4500];
	struct sink s = { out, 0, sizeof(out), false };
	assert_int_equal(ns_tcp_rcvq_read(&rq, 4500, copy_to_sink, &s, false),
			 4500);
	assert_stream(out, 2000, 4500);
	ns_tcp_rcvq_purge(&rq);
}

static void test_ofo_fin_becomes_in_order(void **state)
{
	(void)state;
	struct tcp_rcvq rq;
	struct tcp_rcv_sack rs;
	ns_tcp_rcvq_init(&rq);
	ns_tcp_rcv_sack_init(&rs);
	ns_tcp_ofo_insert(&rq, segment(2000, 500, true, false), &rs);
	/* The FIN occupies sequence 2500. */
	assert_int_equal(rs.blocks[0].end, 2501);
	/* A retransmitted bare FIN is a duplicate. */
	assert_int_equal(
		ns_tcp_ofo_insert(&rq, segment(2500, 0, true, false), &rs),
		TCP_OFO_DUP);
	/* Data claimed beyond the FIN (a broken or hostile peer). */
	ns_tcp_ofo_insert(&rq, segment(3000, 100, false, false), &rs);
	uint32_t rcv_nxt = 2000;
	assert_true(ns_tcp_ofo_drain(&rq, &rcv_nxt, &rs));
	assert_int_equal(rcv_nxt, 2501);
	assert_int_equal(rq.inq.bytes, 500);
	/* Nothing follows a FIN: what was held beyond it is dropped, as
	 * Linux's tcp_fin does, and no longer SACKed. */
	assert_null(rq.ofo_head);
	assert_int_equal(rs.nblocks, 0);
	ns_tcp_rcvq_purge(&rq);
}

static void test_prune_drops_highest_and_fixes_sack(void **state)
{
	(void)state;
	struct tcp_rcvq rq;
	struct tcp_rcv_sack rs;
	ns_tcp_rcvq_init(&rq);
	ns_tcp_rcv_sack_init(&rs);
	for (uint32_t i = 0; i < 10; i++)
		ns_tcp_ofo_insert(&rq,
				  segment(10000 + i * 2000, 1000, false, false),
				  &rs);
	uint32_t per = rq.mem / 10;
	assert_int_equal(ns_tcp_ofo_prune(&rq, 4 * per, &rs), 6);
	assert_int_equal(rq.ofo_count, 4);
	assert_int_equal(rs.nblocks, 4);
	for (unsigned i = 0; i < rs.nblocks; i++)
		assert_true(rs.blocks[i].end <= 10000 + 3 * 2000 + 1000);
	ns_tcp_rcvq_purge(&rq);
	assert_int_equal(rq.mem, 0);
}

static void test_collapse_compacts_in_order_data(void **state)
{
	(void)state;
	struct tcp_rcvq rq;
	ns_tcp_rcvq_init(&rq);
	/* Packets whose head has no tailroom cannot coalesce on arrival. */
	for (uint32_t i = 0; i < 100; i++) {
		struct ns_pkt *pkt = ns_pkt_alloc(0, 700);
		uint8_t *d = ns_pkt_put(pkt, 700);
		for (uint32_t j = 0; j < 700; j++)
			d[j] = byte_at(i * 700 + j);
		struct tcp_cb *cb = ns_tcp_cb(pkt);
		cb->seq = i * 700;
		cb->end_seq = cb->seq + 700;
		cb->fin = 0;
		ns_tcp_rcvq_queue(&rq, pkt);
	}
	uint32_t before = rq.mem;
	assert_true(ns_tcp_rcvq_collapse(&rq) >= 98);
	assert_int_equal(rq.inq.count, 2); /* 70000 bytes: 64 KiB + rest */
	assert_true(rq.mem < before);
	assert_int_equal(rq.inq.bytes, 70000);
	uint8_t *out = malloc(70000);
	struct sink s = { out, 0, 70000, false };
	assert_int_equal(ns_tcp_rcvq_read(&rq, 70000, copy_to_sink, &s, false),
			 70000);
	assert_stream(out, 0, 70000);
	assert_int_equal(rq.mem, 0);
	free(out);
}

/* xorshift for reproducible chaos */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void test_random_segments_reassemble_exactly(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 20; seed++) {
		uint32_t x = seed * 2654435761u;
		const uint32_t isn = 0xffff0000u + seed; /* crosses the wrap */
		const uint32_t total = 200000;
		struct tcp_rcvq rq;
		struct tcp_rcv_sack rs;
		ns_tcp_rcvq_init(&rq);
		ns_tcp_rcv_sack_init(&rs);
		uint32_t rcv_nxt = isn;
		uint8_t *out = malloc(total);
		struct sink s = { out, 0, total, false };
		while (rcv_nxt != isn + total) {
			/* A segment somewhere near rcv_nxt, possibly old. */
			uint32_t off = rnd(&x) % 20000;
			uint32_t start = rcv_nxt - 3000 + off;
			uint32_t len = 1 + rnd(&x) % 3000;
			if (start - isn >= total || start - isn + len > total)
				continue;
			struct ns_pkt *pkt =
				segment(start, len, false, rnd(&x) & 1);
			if ((int32_t)(start + len - rcv_nxt) <= 0) {
				ns_pkt_free(pkt);
				continue;
			}
			if ((int32_t)(start - rcv_nxt) <= 0) {
				ns_pkt_pull(pkt, rcv_nxt - start);
				ns_tcp_cb(pkt)->seq = rcv_nxt;
				rcv_nxt = start + len;
				ns_tcp_rcvq_queue(&rq, pkt);
				ns_tcp_ofo_drain(&rq, &rcv_nxt, &rs);
			} else {
				ns_tcp_ofo_insert(&rq, pkt, &rs);
			}
			if (rnd(&x) % 4 == 0)
				ns_tcp_rcvq_read(&rq, rnd(&x) % 8000,
						 copy_to_sink, &s, false);
		}
		ns_tcp_rcvq_read(&rq, total, copy_to_sink, &s, false);
		assert_int_equal(s.used, total);
		assert_stream(out, isn, total);
		assert_null(rq.ofo_head);
		ns_tcp_rcvq_purge(&rq);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_read_peek_skip),
		cmocka_unit_test(test_coalescing_keeps_overhead_low),
		cmocka_unit_test(test_ofo_sack_blocks_and_drain),
		cmocka_unit_test(test_ofo_overlap_cases_and_dsack),
		cmocka_unit_test(test_ofo_fin_becomes_in_order),
		cmocka_unit_test(test_prune_drops_highest_and_fixes_sack),
		cmocka_unit_test(test_collapse_compacts_in_order_data),
		cmocka_unit_test(test_random_segments_reassemble_exactly),
	};
	return cmocka_run_group_tests_name("netstack/tcp_rcvq", tests, NULL,
					   NULL);
}
