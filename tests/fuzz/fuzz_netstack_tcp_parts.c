/* libFuzzer harness for TCP's building blocks that see peer-controlled
 * values: the option parser, the sender's scoreboard fed arbitrary
 * cumulative ACKs and SACK blocks, RACK on top of it, and the receiver's
 * out-of-order queue fed arbitrary segments. After every step the data
 * structures' invariants are checked; a violation aborts (a finding).
 *
 * Input: a sequence of records, each one opcode byte and its operands.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../netstack/tcp_opt.h"
#include "../../netstack/tcp_rack.h"
#include "../../netstack/tcp_rcvq.h"
#include "../../netstack/tcp_sack.h"
#include "../../netstack/tcp_seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v = v << 8 | *in->p++;
	return v;
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Counters agree with the flags; records are contiguous and ordered. */
static void check_scoreboard(const struct tcp_sb *sb, uint32_t una,
			     uint32_t nxt)
{
	uint32_t sacked = 0, lost = 0, retrans = 0;
	for (uint32_t i = 0; i < sb->count; i++) {
		const struct tcp_rec *r = ns_tcp_sb_at(sb, i);
		check(seq_lt(r->seq, r->end));
		if (i == 0)
			check(r->seq == una);
		else
			check(r->seq == ns_tcp_sb_at(sb, i - 1)->end);
		sacked += (r->flags & TCP_REC_SACKED) != 0;
		lost += (r->flags & TCP_REC_LOST) != 0;
		retrans += (r->flags & TCP_REC_RETRANS) != 0;
		check(!((r->flags & TCP_REC_SACKED) &&
			(r->flags & (TCP_REC_LOST | TCP_REC_RETRANS))));
	}
	if (sb->count)
		check(ns_tcp_sb_at(sb, sb->count - 1)->end == nxt);
	check(sacked == sb->sacked_out && lost == sb->lost_out &&
	      retrans == sb->retrans_out);
	check(ns_tcp_sb_in_flight(sb) <= sb->count);
}

static void fuzz_scoreboard(struct input *in)
{
	struct tcp_sb sb;
	struct tcp_rack rack;
	ns_tcp_sb_init(&sb);
	ns_tcp_rack_init(&rack);
	uint32_t una = take(in, 4), nxt = una;
	uint64_t now = 1;
	while (in->left) {
		uint8_t op = (uint8_t)take(in, 1);
		now += take(in, 1) * 1000;
		struct tcp_sb_delivery d = { 0 };
		switch (op % 6) {
		case 0: { /* send a segment */
			uint32_t len = 1 + take(in, 2) % 2000;
			if (sb.count < 4096 &&
			    ns_tcp_sb_sent(&sb, nxt, nxt + len, now) == 0)
				nxt += len;
			break;
		}
		case 1: { /* cumulative ACK anywhere in [una, nxt] */
			uint32_t span = nxt - una;
			uint32_t ack =
				una + (span ? take(in, 4) % (span + 1) : 0);
			ns_tcp_sb_ack(&sb, ack, &d);
			una = ack;
			break;
		}
		case 2: { /* SACK blocks: arbitrary, mostly near the window */
			struct ns_tcp_sack_block b[TCP_MAX_SACK_BLOCKS];
			unsigned n = 1 + take(in, 1) % TCP_MAX_SACK_BLOCKS;
			for (unsigned i = 0; i < n; i++) {
				b[i].start = una + take(in, 3) - 0x1000;
				b[i].end = b[i].start + take(in, 2);
			}
			ns_tcp_sb_sack(&sb, una, nxt, b, n, &d);
			ns_tcp_rack_on_ack(&rack, &d, now, 1000, una, nxt);
			uint64_t timeout;
			ns_tcp_rack_detect_loss(&rack, &sb, now,
						take(in, 1) * 1000, &timeout);
			break;
		}
		case 3: /* retransmit the next lost one */
			if (ns_tcp_sb_next_lost(&sb) < sb.count)
				ns_tcp_sb_retransmitted(
					&sb, ns_tcp_sb_next_lost(&sb), now);
			break;
		case 4:
			if (sb.count)
				ns_tcp_sb_mark_lost(&sb,
						    take(in, 2) % sb.count);
			break;
		default:
			ns_tcp_sb_mark_all_lost(&sb, take(in, 1) & 1);
			break;
		}
		check_scoreboard(&sb, una, nxt);
	}
	ns_tcp_sb_destroy(&sb);
}

/* Sorted, non-overlapping, all above rcv_nxt; memory adds up. */
static void check_rcvq(const struct tcp_rcvq *rq, uint32_t rcv_nxt)
{
	uint32_t mem = 0, bytes = 0, count = 0;
	for (const struct ns_pkt *p = rq->inq.first; p; p = p->next) {
		mem += ((const struct tcp_cb *)(const void *)p->cb)->truesize;
		bytes += p->len;
	}
	check(bytes == rq->inq.bytes);
	const struct ns_pkt *prev = NULL;
	for (const struct ns_pkt *p = rq->ofo_head; p; p = p->next) {
		const struct tcp_cb *cb = (const void *)p->cb;
		check(seq_gt(cb->seq, rcv_nxt));
		check(cb->end_seq - cb->seq == p->len + cb->fin);
		if (prev)
			check(seq_leq(
				((const struct tcp_cb *)(const void *)prev->cb)
					->end_seq,
				cb->seq));
		mem += cb->truesize;
		count++;
		prev = p;
	}
	check(prev == rq->ofo_tail);
	check(count == rq->ofo_count && mem == rq->mem);
}

static ssize_t discard(void *ctx, const struct ns_pkt *pkt, uint32_t off,
		       uint32_t len)
{
	uint8_t buf[4096];
	(void)ctx;
	uint32_t n = len < sizeof(buf) ? len : sizeof(buf);
	check(ns_pkt_copy_out(pkt, off, buf, n) == 0);
	return n;
}

static void fuzz_rcvq(struct input *in)
{
	struct tcp_rcvq rq;
	struct tcp_rcv_sack rs;
	ns_tcp_rcvq_init(&rq);
	ns_tcp_rcv_sack_init(&rs);
	uint32_t rcv_nxt = take(in, 4);
	while (in->left) {
		uint8_t op = (uint8_t)take(in, 1);
		if (op % 4 == 3) {
			ns_tcp_rcvq_read(&rq, take(in, 2), discard, NULL,
					 op & 0x80);
			continue;
		}
		if (op % 4 == 2) {
			ns_tcp_ofo_prune(&rq, take(in, 3), &rs);
			check_rcvq(&rq, rcv_nxt);
			continue;
		}
		uint32_t seq = rcv_nxt + take(in, 2) - 0x400;
		uint32_t len = take(in, 2) % 3000;
		uint8_t fin = (op & 0x40) != 0;
		struct ns_pkt *pkt = ns_pkt_alloc(64, len);
		if (pkt == NULL)
			break;
		memset(ns_pkt_put(pkt, len), op, len);
		struct tcp_cb *cb = ns_tcp_cb(pkt);
		cb->seq = seq;
		cb->end_seq = seq + len + fin;
		cb->fin = fin;
		if (seq_leq(cb->end_seq, rcv_nxt)) {
			ns_tcp_rcv_dsack(&rs, seq, cb->end_seq);
			ns_pkt_free(pkt);
		} else if (seq_leq(seq, rcv_nxt)) {
			ns_pkt_pull(pkt,
				    rcv_nxt - seq < len ? rcv_nxt - seq : len);
			cb->seq = rcv_nxt;
			rcv_nxt = cb->end_seq;
			ns_tcp_rcvq_queue(&rq, pkt);
			if (fin)
				ns_tcp_ofo_purge(&rq, &rs);
			else
				ns_tcp_ofo_drain(&rq, &rcv_nxt, &rs);
		} else {
			ns_tcp_ofo_insert(&rq, pkt, &rs);
		}
		check_rcvq(&rq, rcv_nxt);
		struct ns_tcp_opts o = { 0 };
		ns_tcp_rcv_sack_fill(&rs, &o);
		check(o.nsack <= TCP_MAX_SACK_BLOCKS);
	}
	ns_tcp_rcvq_purge(&rq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct input in = { data + 1, size - 1 };
	switch (data[0] % 3) {
	case 0: {
		struct ns_tcp_opts o;
		if (ns_tcp_opt_parse(in.p, in.left > 40 ? 40 : in.left,
				     (data[0] & 0x80) != 0, &o) == 0) {
			check(o.nsack <= TCP_MAX_SACK_BLOCKS);
			check(!(o.present & TCP_OPT_F_WSCALE) ||
			      o.wscale <= TCP_MAX_WSCALE);
			uint8_t out[TCP_OPT_MAX_LEN];
			size_t n = ns_tcp_opt_build(out, &o, data[0] & 0x80);
			check(n <= TCP_OPT_MAX_LEN && n % 4 == 0);
		}
		break;
	}
	case 1:
		fuzz_scoreboard(&in);
		break;
	default:
		fuzz_rcvq(&in);
		break;
	}
	return 0;
}
