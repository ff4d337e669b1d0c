/* SACK: the receiver's block list and the sender's scoreboard. See
 * tcp_sack.h for the model. */
#include "tcp_sack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_seq.h"

/* ---- receiver side ------------------------------------------------------ */

/* Blocks that overlap or touch can be one block. */
static bool blocks_touch(const struct ns_tcp_sack_block *a, uint32_t start,
			 uint32_t end)
{
	return seq_leq(start, a->end) && seq_leq(a->start, end);
}

static void block_absorb(struct ns_tcp_sack_block *a, uint32_t start,
			 uint32_t end)
{
	a->start = seq_min(a->start, start);
	a->end = seq_max(a->end, end);
}

static void remove_block(struct tcp_rcv_sack *rs, unsigned i)
{
	memmove(&rs->blocks[i], &rs->blocks[i + 1],
		(rs->nblocks - i - 1) * sizeof(rs->blocks[0]));
	rs->nblocks--;
}

void ns_tcp_rcv_sack_add(struct tcp_rcv_sack *rs, uint32_t start, uint32_t end)
{
	struct ns_tcp_sack_block merged = { start, end };
	/* Fold every block touching the new range into it; they all go. */
	for (unsigned i = 0; i < rs->nblocks;) {
		if (blocks_touch(&rs->blocks[i], merged.start, merged.end)) {
			block_absorb(&merged, rs->blocks[i].start,
				     rs->blocks[i].end);
			remove_block(rs, i);
		} else {
			i++;
		}
	}
	if (rs->nblocks == TCP_MAX_SACK_BLOCKS)
		rs->nblocks--; /* the oldest is last */
	memmove(&rs->blocks[1], &rs->blocks[0],
		rs->nblocks * sizeof(rs->blocks[0]));
	rs->blocks[0] = merged;
	rs->nblocks++;
}

void ns_tcp_rcv_sack_advance(struct tcp_rcv_sack *rs, uint32_t rcv_nxt)
{
	for (unsigned i = 0; i < rs->nblocks;) {
		if (seq_leq(rs->blocks[i].start, rcv_nxt))
			remove_block(rs, i);
		else
			i++;
	}
}

void ns_tcp_rcv_dsack(struct tcp_rcv_sack *rs, uint32_t start, uint32_t end)
{
	if (rs->has_dsack && blocks_touch(&rs->dsack, start, end)) {
		block_absorb(&rs->dsack, start, end);
		return;
	}
	rs->dsack = (struct ns_tcp_sack_block){ start, end };
	rs->has_dsack = true;
}

void ns_tcp_rcv_sack_fill(struct tcp_rcv_sack *rs, struct ns_tcp_opts *o)
{
	unsigned n = 0;
	if (rs->has_dsack) {
		o->sack[n++] = rs->dsack;
		rs->has_dsack = false;
	}
	for (unsigned i = 0; i < rs->nblocks && n < TCP_MAX_SACK_BLOCKS; i++)
		o->sack[n++] = rs->blocks[i];
	o->nsack = (uint8_t)n;
	if (n)
		o->present |= TCP_OPT_F_SACK;
	else
		o->present &= (uint8_t)~TCP_OPT_F_SACK;
}

/* ---- sender side -------------------------------------------------------- */

#define SB_INITIAL_CAP 16

void ns_tcp_sb_init(struct tcp_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void ns_tcp_sb_destroy(struct tcp_sb *sb)
{
	free(sb->ring);
	ns_tcp_sb_init(sb);
}

static int sb_grow(struct tcp_sb *sb)
{
	uint32_t cap = sb->cap ? sb->cap * 2 : SB_INITIAL_CAP;
	if (cap < sb->cap)
		return -ENOMEM;
	struct tcp_rec *ring = malloc((size_t)cap * sizeof(*ring));
	if (ring == NULL)
		return -ENOMEM;
	/* Unwrap into the new ring, oldest first. */
	for (uint32_t i = 0; i < sb->count; i++)
		ring[i] = *ns_tcp_sb_at(sb, i);
	free(sb->ring);
	sb->ring = ring;
	sb->cap = cap;
	sb->head = 0;
	return 0;
}

static uint64_t xmit_stamp(struct tcp_sb *sb, uint64_t now)
{
	sb->last_xmit_ns = now > sb->last_xmit_ns ? now : sb->last_xmit_ns + 1;
	return sb->last_xmit_ns;
}

int ns_tcp_sb_sent(struct tcp_sb *sb, uint32_t seq, uint32_t end, uint64_t now)
{
	if (sb->count == sb->cap) {
		int r = sb_grow(sb);
		if (r < 0)
			return r;
	}
	struct tcp_rec *rec = ns_tcp_sb_at(sb, sb->count);
	*rec = (struct tcp_rec){ .seq = seq,
				 .end = end,
				 .xmit_ns = xmit_stamp(sb, now) };
	sb->count++;
	return 0;
}

int ns_tcp_sb_split(struct tcp_sb *sb, uint32_t i, uint32_t at)
{
	if (sb->count == sb->cap) {
		int r = sb_grow(sb);
		if (r < 0)
			return r;
	}
	for (uint32_t k = sb->count; k > i + 1; k--)
		*ns_tcp_sb_at(sb, k) = *ns_tcp_sb_at(sb, k - 1);
	struct tcp_rec *rec = ns_tcp_sb_at(sb, i);
	struct tcp_rec *next = ns_tcp_sb_at(sb, i + 1);
	*next = *rec;
	next->seq = at;
	rec->end = at;
	sb->count++;
	if (rec->flags & TCP_REC_SACKED)
		sb->sacked_out++;
	if (rec->flags & TCP_REC_LOST)
		sb->lost_out++;
	if (rec->flags & TCP_REC_RETRANS)
		sb->retrans_out++;
	if (sb->lost_hint > i)
		sb->lost_hint++;
	return 0;
}

void ns_tcp_sb_retransmitted(struct tcp_sb *sb, uint32_t i, uint64_t now)
{
	struct tcp_rec *rec = ns_tcp_sb_at(sb, i);
	if (!(rec->flags & TCP_REC_RETRANS))
		sb->retrans_out++;
	rec->flags |= TCP_REC_RETRANS | TCP_REC_EVER_RETRANS;
	rec->xmit_ns = xmit_stamp(sb, now);
}

void ns_tcp_sb_mark_lost(struct tcp_sb *sb, uint32_t i)
{
	struct tcp_rec *rec = ns_tcp_sb_at(sb, i);
	if (rec->flags & TCP_REC_SACKED)
		return;
	if (rec->flags & TCP_REC_RETRANS) {
		rec->flags &= ~TCP_REC_RETRANS;
		sb->retrans_out--;
	}
	if (!(rec->flags & TCP_REC_LOST)) {
		rec->flags |= TCP_REC_LOST;
		sb->lost_out++;
	}
	if (i < sb->lost_hint)
		sb->lost_hint = i;
}

void ns_tcp_sb_mark_all_lost(struct tcp_sb *sb, bool clear_sacked)
{
	for (uint32_t i = 0; i < sb->count; i++) {
		struct tcp_rec *rec = ns_tcp_sb_at(sb, i);
		if (clear_sacked && (rec->flags & TCP_REC_SACKED)) {
			rec->flags &= ~TCP_REC_SACKED;
			sb->sacked_out--;
		}
		ns_tcp_sb_mark_lost(sb, i);
	}
	sb->lost_hint = 0;
}

uint32_t ns_tcp_sb_next_lost(struct tcp_sb *sb)
{
	if (sb->lost_out == 0) {
		sb->lost_hint = sb->count;
		return sb->count;
	}
	uint32_t i = sb->lost_hint;
	for (; i < sb->count; i++) {
		uint32_t f = ns_tcp_sb_at(sb, i)->flags;
		if ((f & (TCP_REC_LOST | TCP_REC_RETRANS)) == TCP_REC_LOST)
			break;
	}
	sb->lost_hint = i;
	return i;
}

uint32_t ns_tcp_sb_find(const struct tcp_sb *sb, uint32_t seq)
{
	/* Records are contiguous and sorted: the answer is the first record
	 * whose end is above seq. */
	uint32_t lo = 0, hi = sb->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (seq_leq(ns_tcp_sb_at(sb, mid)->end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sb->count && seq_lt(seq, ns_tcp_sb_at(sb, lo)->seq))
		return sb->count;
	return lo;
}

/* Notes a delivered record for RTT sampling and RACK. */
static void note_delivered(struct tcp_sb_delivery *d, const struct tcp_rec *rec)
{
	bool retrans = (rec->flags & TCP_REC_EVER_RETRANS) != 0;
	if (!retrans) {
		if (d->first_clean_ns == 0 || rec->xmit_ns < d->first_clean_ns)
			d->first_clean_ns = rec->xmit_ns;
		if (rec->xmit_ns > d->last_clean_ns)
			d->last_clean_ns = rec->xmit_ns;
	}
	/* RFC 8985 6.2 step 2: the most recently sent, ties broken by the
	 * higher end sequence. */
	if (rec->xmit_ns > d->rack_xmit_ns ||
	    (rec->xmit_ns == d->rack_xmit_ns &&
	     seq_gt(rec->end, d->rack_end))) {
		d->rack_xmit_ns = rec->xmit_ns;
		d->rack_end = rec->end;
		d->rack_retrans = retrans;
	}
}

/* RFC 8985 6.2 step 3: an original transmission delivered below data
 * already SACKed arrived out of order; a retransmission filling the hole is
 * expected and says nothing about reordering. */
static void note_hole_filled(const struct tcp_sb *sb, struct tcp_sb_delivery *d,
			     const struct tcp_rec *rec)
{
	if (sb->sacked_out > 0 && !(rec->flags & TCP_REC_EVER_RETRANS) &&
	    seq_lt(rec->end, sb->highest_sack))
		d->reordered = true;
}

/* Drops the oldest record, undoing its share of the counters. */
static void pop_head(struct tcp_sb *sb)
{
	const struct tcp_rec *rec = ns_tcp_sb_at(sb, 0);
	if (rec->flags & TCP_REC_SACKED)
		sb->sacked_out--;
	if (rec->flags & TCP_REC_LOST)
		sb->lost_out--;
	if (rec->flags & TCP_REC_RETRANS)
		sb->retrans_out--;
	sb->head = (sb->head + 1) & (sb->cap - 1);
	sb->count--;
	if (sb->lost_hint > 0)
		sb->lost_hint--;
}

void ns_tcp_sb_ack(struct tcp_sb *sb, uint32_t una, struct tcp_sb_delivery *d)
{
	while (sb->count > 0) {
		struct tcp_rec *rec = ns_tcp_sb_at(sb, 0);
		if (seq_leq(rec->end, una)) {
			if (rec->flags & TCP_REC_EVER_RETRANS)
				d->ever_retrans = true;
			/* SACKed records were delivered when SACKed. */
			if (!(rec->flags & TCP_REC_SACKED)) {
				note_hole_filled(sb, d, rec);
				note_delivered(d, rec);
			}
			d->acked++;
			d->acked_bytes += rec->end - rec->seq;
			pop_head(sb);
			continue;
		}
		if (seq_lt(rec->seq, una)) {
			/* A partial ACK inside a segment (the peer's MSS
			 * shrank, or a probe): keep the rest. */
			d->acked_bytes += una - rec->seq;
			rec->seq = una;
		}
		break;
	}
	if (sb->count == 0)
		sb->lost_hint = 0;
}

/* RFC 2883 4: is the first block a D-SACK? */
static bool first_is_dsack(uint32_t una, const struct ns_tcp_sack_block *b,
			   unsigned n)
{
	if (seq_lt(b[0].start, una))
		return true;
	return n > 1 && seq_leq(b[0].end, b[1].end) &&
	       seq_geq(b[0].start, b[1].start);
}

static void sack_range(struct tcp_sb *sb, uint32_t start, uint32_t end,
		       struct tcp_sb_delivery *d)
{
	uint32_t i = ns_tcp_sb_find(sb, start);
	for (; i < sb->count; i++) {
		struct tcp_rec *rec = ns_tcp_sb_at(sb, i);
		if (seq_geq(rec->seq, end))
			break;
		if (seq_lt(rec->seq, start) || seq_gt(rec->end, end))
			continue; /* only partly covered: not marked */
		if (rec->flags & TCP_REC_SACKED)
			continue;
		note_hole_filled(sb, d, rec);
		if (rec->flags & TCP_REC_LOST) {
			rec->flags &= ~TCP_REC_LOST;
			sb->lost_out--;
		}
		if (rec->flags & TCP_REC_RETRANS) {
			rec->flags &= ~TCP_REC_RETRANS;
			sb->retrans_out--;
		}
		rec->flags |= TCP_REC_SACKED;
		if (sb->sacked_out == 0 || seq_gt(rec->end, sb->highest_sack))
			sb->highest_sack = rec->end;
		sb->sacked_out++;
		d->sacked++;
		note_delivered(d, rec);
	}
}

void ns_tcp_sb_sack(struct tcp_sb *sb, uint32_t una, uint32_t snd_nxt,
		    const struct ns_tcp_sack_block *blocks, unsigned n,
		    struct tcp_sb_delivery *d)
{
	if (n == 0)
		return;
	unsigned first = 0;
	if (first_is_dsack(una, blocks, n)) {
		const struct ns_tcp_sack_block *b = &blocks[0];
		if (seq_lt(b->start, b->end) && seq_leq(b->end, snd_nxt)) {
			d->dsack = true;
			d->dsack_range = *b;
		} else {
			d->invalid_blocks++;
		}
		first = 1;
	}
	for (unsigned k = first; k < n; k++) {
		const struct ns_tcp_sack_block *b = &blocks[k];
		if (seq_leq(b->end, una) && seq_lt(b->start, b->end))
			continue; /* stale: already acknowledged */
		if (!seq_lt(b->start, b->end) || seq_gt(b->end, snd_nxt) ||
		    seq_lt(b->start, una)) {
			d->invalid_blocks++;
			continue;
		}
		sack_range(sb, b->start, b->end, d);
	}
}
