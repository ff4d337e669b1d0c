/* The TCP receive and out-of-order queues: see tcp_rcvq.h. */
#include "tcp_rcvq.h"

#include <errno.h>
#include <string.h>

#include "tcp_seq.h"

uint32_t ns_tcp_truesize(const struct ns_pkt *pkt)
{
	uint32_t size = (uint32_t)sizeof(*pkt) + pkt->head_size;
	for (unsigned i = 0; i < pkt->nfrags; i++)
		size += pkt->frags[i].len;
	return size;
}

void ns_tcp_rcvq_init(struct tcp_rcvq *rq)
{
	ns_pkt_queue_init(&rq->inq);
	rq->ofo_head = rq->ofo_tail = NULL;
	rq->ofo_count = 0;
	rq->mem = 0;
}

void ns_tcp_rcvq_purge(struct tcp_rcvq *rq)
{
	ns_pkt_queue_purge(&rq->inq);
	ns_pkt_free_list(rq->ofo_head);
	ns_tcp_rcvq_init(rq);
}

/* Moves pkt's payload onto the end of tail when that costs no more than
 * it saves: fragments are moved by reference (there must be slots for
 * them), head bytes are copied into tail's own tailroom. */
static bool try_coalesce(struct ns_pkt *tail, struct ns_pkt *pkt)
{
	struct tcp_cb *tcb = ns_tcp_cb(tail), *cb = ns_tcp_cb(pkt);
	if (tcb->fin || tcb->end_seq != cb->seq)
		return false;
	if (pkt->head_len > 0) {
		if (tail->nfrags > 0 || pkt->nfrags > 0 ||
		    ns_pkt_tailroom(tail) < pkt->head_len)
			return false;
		memcpy(ns_pkt_put(tail, pkt->head_len), pkt->data,
		       pkt->head_len);
	} else {
		if (tail->nfrags + pkt->nfrags > NS_PKT_MAX_FRAGS)
			return false;
		for (unsigned i = 0; i < pkt->nfrags; i++) {
			const struct ns_frag *f = &pkt->frags[i];
			/* Cannot fail: the slots were counted above. */
			ns_pkt_append_frag(tail, f->buf, f->data, f->len);
		}
	}
	tcb->end_seq = cb->end_seq;
	tcb->fin = cb->fin;
	return true;
}

void ns_tcp_rcvq_queue(struct tcp_rcvq *rq, struct ns_pkt *pkt)
{
	struct tcp_cb *cb = ns_tcp_cb(pkt);
	struct ns_pkt *tail = rq->inq.last;
	if (pkt->len == 0) {
		ns_pkt_free(pkt);
		return;
	}
	if (tail && try_coalesce(tail, pkt)) {
		uint32_t added = pkt->len;
		rq->inq.bytes += added;
		ns_tcp_cb(tail)->truesize += added;
		rq->mem += added;
		ns_pkt_free(pkt);
		return;
	}
	cb->truesize = ns_tcp_truesize(pkt);
	rq->mem += cb->truesize;
	ns_pkt_queue_push(&rq->inq, pkt);
}

/* Removes `victim` (preceded by prev, or the head) from the ofo list. */
static void ofo_unlink(struct tcp_rcvq *rq, struct ns_pkt *prev,
		       struct ns_pkt *victim)
{
	if (prev)
		prev->next = victim->next;
	else
		rq->ofo_head = victim->next;
	if (rq->ofo_tail == victim)
		rq->ofo_tail = prev;
	rq->ofo_count--;
	rq->mem -= ns_tcp_cb(victim)->truesize;
	victim->next = NULL;
}

static void ofo_link_after(struct tcp_rcvq *rq, struct ns_pkt *prev,
			   struct ns_pkt *pkt)
{
	struct tcp_cb *cb = ns_tcp_cb(pkt);
	cb->truesize = ns_tcp_truesize(pkt);
	rq->mem += cb->truesize;
	rq->ofo_count++;
	if (prev) {
		pkt->next = prev->next;
		prev->next = pkt;
	} else {
		pkt->next = rq->ofo_head;
		rq->ofo_head = pkt;
	}
	if (pkt->next == NULL)
		rq->ofo_tail = pkt;
}

/* Cuts n bytes off the front of a queued-to-be segment. */
static void trim_front(struct ns_pkt *pkt, uint32_t n)
{
	ns_pkt_pull(pkt, n);
	ns_tcp_cb(pkt)->seq += n;
}

enum tcp_ofo_result ns_tcp_ofo_insert(struct tcp_rcvq *rq, struct ns_pkt *pkt,
				      struct tcp_rcv_sack *rs)
{
	struct tcp_cb *cb = ns_tcp_cb(pkt);
	pkt->next = NULL;
	/* Fast path: beyond everything held (in-order arrival above one
	 * hole, the common case under loss), joined to the last segment
	 * when it continues it. */
	struct ns_pkt *tail = rq->ofo_tail;
	if (tail == NULL || seq_geq(cb->seq, ns_tcp_cb(tail)->end_seq)) {
		ns_tcp_rcv_sack_add(rs, cb->seq, cb->end_seq);
		if (tail && try_coalesce(tail, pkt)) {
			ns_tcp_cb(tail)->truesize += pkt->len;
			rq->mem += pkt->len;
			ns_pkt_free(pkt);
		} else {
			ofo_link_after(rq, tail, pkt);
		}
		return TCP_OFO_QUEUED;
	}
	struct ns_pkt *prev = NULL, *cur = rq->ofo_head;
	while (cur && seq_leq(ns_tcp_cb(cur)->end_seq, cb->seq)) {
		prev = cur;
		cur = cur->next;
	}
	/* cur ends after our start. If it also starts at or before it, it
	 * covers our beginning. */
	if (cur && seq_leq(ns_tcp_cb(cur)->seq, cb->seq)) {
		uint32_t cur_end = ns_tcp_cb(cur)->end_seq;
		if (seq_geq(cur_end, cb->end_seq)) {
			ns_tcp_rcv_dsack(rs, cb->seq, cb->end_seq);
			ns_pkt_free(pkt);
			return TCP_OFO_DUP;
		}
		ns_tcp_rcv_dsack(rs, cb->seq, cur_end);
		trim_front(pkt, cur_end - cb->seq);
		prev = cur;
		cur = cur->next;
	}
	/* Segments we cover entirely are replaced by us. */
	while (cur && seq_leq(ns_tcp_cb(cur)->end_seq, cb->end_seq)) {
		struct ns_pkt *next = cur->next;
		ns_tcp_rcv_dsack(rs, ns_tcp_cb(cur)->seq,
				 ns_tcp_cb(cur)->end_seq);
		ofo_unlink(rq, prev, cur);
		ns_pkt_free(cur);
		cur = next;
	}
	/* The next one overlaps our end: keep its copy, trim ours. */
	if (cur && seq_lt(ns_tcp_cb(cur)->seq, cb->end_seq)) {
		ns_tcp_rcv_dsack(rs, ns_tcp_cb(cur)->seq, cb->end_seq);
		ns_pkt_trim(pkt, ns_tcp_cb(cur)->seq - cb->seq);
		cb->end_seq = ns_tcp_cb(cur)->seq;
		cb->fin = 0;
	}
	ns_tcp_rcv_sack_add(rs, cb->seq, cb->end_seq);
	ofo_link_after(rq, prev, pkt);
	return TCP_OFO_QUEUED;
}

bool ns_tcp_ofo_drain(struct tcp_rcvq *rq, uint32_t *rcv_nxt,
		      struct tcp_rcv_sack *rs)
{
	bool fin = false;
	while (rq->ofo_head && !fin) {
		struct ns_pkt *pkt = rq->ofo_head;
		struct tcp_cb *cb = ns_tcp_cb(pkt);
		if (seq_gt(cb->seq, *rcv_nxt))
			break;
		ofo_unlink(rq, NULL, pkt);
		if (seq_leq(cb->end_seq, *rcv_nxt)) {
			/* Received meanwhile by a retransmission. */
			ns_tcp_rcv_dsack(rs, cb->seq, cb->end_seq);
			ns_pkt_free(pkt);
			continue;
		}
		if (seq_lt(cb->seq, *rcv_nxt))
			trim_front(pkt, *rcv_nxt - cb->seq);
		*rcv_nxt = cb->end_seq;
		fin = cb->fin;
		ns_tcp_rcvq_queue(rq, pkt);
	}
	if (fin)
		ns_tcp_ofo_purge(rq, rs);
	ns_tcp_rcv_sack_advance(rs, *rcv_nxt);
	return fin;
}

void ns_tcp_ofo_purge(struct tcp_rcvq *rq, struct tcp_rcv_sack *rs)
{
	while (rq->ofo_head) {
		struct ns_pkt *pkt = rq->ofo_head;
		ofo_unlink(rq, NULL, pkt);
		ns_pkt_free(pkt);
	}
	rs->nblocks = 0;
}

uint32_t ns_tcp_ofo_prune(struct tcp_rcvq *rq, uint32_t limit,
			  struct tcp_rcv_sack *rs)
{
	uint32_t dropped = 0;
	while (rq->mem > limit && rq->ofo_tail) {
		/* Singly linked: find the one before the tail. */
		struct ns_pkt *prev = NULL;
		for (struct ns_pkt *p = rq->ofo_head; p != rq->ofo_tail;
		     p = p->next)
			prev = p;
		struct ns_pkt *victim = rq->ofo_tail;
		ofo_unlink(rq, prev, victim);
		ns_pkt_free(victim);
		dropped++;
	}
	if (dropped) {
		/* The dropped ranges must no longer be SACKed (that would be
		 * reneging without cause); report what is still held. */
		rs->nblocks = 0;
		for (struct ns_pkt *p = rq->ofo_head; p; p = p->next)
			ns_tcp_rcv_sack_add(rs, ns_tcp_cb(p)->seq,
					    ns_tcp_cb(p)->end_seq);
	}
	return dropped;
}

#define COLLAPSE_CHUNK 65536u

uint32_t ns_tcp_rcvq_collapse(struct tcp_rcvq *rq)
{
	struct ns_pkt_queue old = rq->inq;
	uint32_t old_count = old.count;
	if (old_count < 2)
		return 0;
	ns_pkt_queue_init(&rq->inq);
	uint32_t mem = rq->mem;
	while (old.first) {
		uint32_t seq = ns_tcp_cb(old.first)->seq;
		uint32_t n =
			old.bytes < COLLAPSE_CHUNK ? old.bytes : COLLAPSE_CHUNK;
		struct ns_pkt *pkt = ns_pkt_alloc(0, 0);
		struct ns_buf *buf = n ? ns_buf_alloc(n) : NULL;
		if (pkt == NULL || buf == NULL) {
			ns_pkt_free(pkt);
			if (buf)
				ns_buf_unref(buf);
			/* Keep what is left as it was. */
			while (old.first)
				ns_pkt_queue_push(&rq->inq,
						  ns_pkt_queue_pop(&old));
			rq->mem = mem;
			return 0;
		}
		uint32_t done = 0;
		while (done < n) {
			struct ns_pkt *src = old.first;
			uint32_t take =
				src->len < n - done ? src->len : n - done;
			ns_pkt_copy_out(src, 0, buf->data + done, take);
			done += take;
			if (take == src->len) {
				mem -= ns_tcp_cb(src)->truesize;
				ns_pkt_free(ns_pkt_queue_pop(&old));
			} else {
				ns_pkt_pull(src, take);
				ns_tcp_cb(src)->seq += take;
				old.bytes -= take;
			}
		}
		ns_pkt_append_frag(pkt, buf, buf->data, n);
		ns_buf_unref(buf);
		struct tcp_cb *cb = ns_tcp_cb(pkt);
		cb->seq = seq;
		cb->end_seq = seq + n;
		cb->fin = 0;
		cb->truesize = ns_tcp_truesize(pkt);
		mem += cb->truesize;
		ns_pkt_queue_push(&rq->inq, pkt);
	}
	rq->mem = mem;
	return old_count > rq->inq.count ? old_count - rq->inq.count : 0;
}

ssize_t ns_tcp_rcvq_read(struct tcp_rcvq *rq, uint32_t len,
			 ns_tcp_copy_out_fn copy, void *ctx, bool peek)
{
	uint32_t done = 0;
	struct ns_pkt *pkt = rq->inq.first;
	while (done < len && pkt) {
		uint32_t n = pkt->len < len - done ? pkt->len : len - done;
		ssize_t r = n ? copy(ctx, pkt, 0, n) : 0;
		if (r < 0)
			return done ? (ssize_t)done : r;
		done += (uint32_t)r;
		if (peek) {
			if ((uint32_t)r < n)
				break;
			pkt = pkt->next;
			continue;
		}
		ns_tcp_rcvq_skip(rq, (uint32_t)r);
		if ((uint32_t)r < n)
			break;
		pkt = rq->inq.first;
	}
	return (ssize_t)done;
}

void ns_tcp_rcvq_skip(struct tcp_rcvq *rq, uint32_t n)
{
	while (n > 0) {
		struct ns_pkt *pkt = rq->inq.first;
		if (n < pkt->len) {
			ns_pkt_pull(pkt, n);
			ns_tcp_cb(pkt)->seq += n;
			rq->inq.bytes -= n;
			return;
		}
		n -= pkt->len;
		pkt = ns_pkt_queue_pop(&rq->inq);
		rq->mem -= ns_tcp_cb(pkt)->truesize;
		ns_pkt_free(pkt);
	}
}
