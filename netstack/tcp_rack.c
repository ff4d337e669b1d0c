/* RACK-TLP (RFC 8985): see tcp_rack.h. */
#include "tcp_rack.h"

#include "tcp_seq.h"

/* RFC 5681 DupThresh: with this many SACKed segments and no reordering
 * seen, RACK detects loss at once, as fast retransmit would. */
#define DUP_THRESH 3
/* Linux TCP_TIMEOUT_MIN: 2 jiffies at HZ 1000. */
#define TLP_MIN_ALLOWANCE_NS (2ULL * 1000000ULL)
#define TLP_NO_RTT_NS	     (1000ULL * 1000000ULL)

void ns_tcp_rack_init(struct tcp_rack *rack)
{
	*rack = (struct tcp_rack){ .reo_wnd_mult = 1 };
}

/* RACK_sent_after (RFC 8985 6.2): t1/seq1 sent after t2/seq2. */
static bool sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && seq_gt(seq1, seq2));
}

void ns_tcp_rack_on_ack(struct tcp_rack *rack, const struct tcp_sb_delivery *d,
			uint64_t now, uint64_t min_rtt, uint32_t snd_una,
			uint32_t snd_nxt)
{
	/* Step 2: the most recent delivered transmission. A retransmission
	 * acknowledged faster than the minimum RTT was acked by its
	 * original: ambiguous, ignored (Linux tcp_rack_advance). */
	if (d->rack_xmit_ns != 0) {
		uint64_t rtt =
			now > d->rack_xmit_ns ? now - d->rack_xmit_ns : 0;
		if (!(d->rack_retrans && rtt < min_rtt)) {
			rack->advanced = true;
			rack->rtt = rtt;
			if (sent_after(d->rack_xmit_ns, d->rack_end,
				       rack->xmit_ns, rack->end_seq) ||
			    rack->xmit_ns == 0) {
				rack->xmit_ns = d->rack_xmit_ns;
				rack->end_seq = d->rack_end;
			}
		}
	}
	/* Step 3. */
	if (d->reordered)
		rack->reordering_seen = true;
	/* Step 4: grow the window once per round trip that sees D-SACK. */
	if (rack->dsack_round_valid && seq_geq(snd_una, rack->dsack_round))
		rack->dsack_round_valid = false;
	if (!rack->dsack_round_valid && d->dsack) {
		rack->dsack_round_valid = true;
		rack->dsack_round = snd_nxt;
		if (rack->reo_wnd_mult < 0xff)
			rack->reo_wnd_mult++;
		rack->reo_wnd_persist = TCP_RACK_REO_PERSIST;
	}
}

void ns_tcp_rack_recovery_done(struct tcp_rack *rack)
{
	if (rack->reo_wnd_persist > 0 && --rack->reo_wnd_persist == 0)
		rack->reo_wnd_mult = 1;
}

uint64_t ns_tcp_rack_reo_wnd(const struct tcp_rack *rack,
			     const struct tcp_sb *sb, bool in_recovery,
			     uint64_t min_rtt, uint64_t srtt)
{
	if (!rack->reordering_seen &&
	    (in_recovery || sb->sacked_out >= DUP_THRESH))
		return 0;
	uint64_t w = rack->reo_wnd_mult * min_rtt / 4;
	return w < srtt ? w : srtt;
}

uint32_t ns_tcp_rack_detect_loss(struct tcp_rack *rack, struct tcp_sb *sb,
				 uint64_t now, uint64_t reo_wnd,
				 uint64_t *timeout)
{
	uint32_t marked = 0;
	*timeout = 0;
	if (rack->xmit_ns == 0)
		return 0;
	for (uint32_t i = 0; i < sb->count; i++) {
		struct tcp_rec *rec = ns_tcp_sb_at(sb, i);
		if (sent_after(rec->xmit_ns, rec->end, rack->xmit_ns,
			       rack->end_seq)) {
			/* Original transmissions go out in sequence order:
			 * once one was sent after RACK's segment, so was
			 * everything above it (retransmissions even
			 * later). */
			if (!(rec->flags & TCP_REC_EVER_RETRANS))
				break;
			continue;
		}
		if (rec->flags & TCP_REC_SACKED)
			continue;
		/* Lost and waiting for its retransmission. */
		if ((rec->flags & (TCP_REC_LOST | TCP_REC_RETRANS)) ==
		    TCP_REC_LOST)
			continue;
		uint64_t deadline = rec->xmit_ns + rack->rtt + reo_wnd;
		if (deadline <= now) {
			ns_tcp_sb_mark_lost(sb, i);
			marked++;
		} else if (deadline - now > *timeout) {
			*timeout = deadline - now;
		}
	}
	return marked;
}

uint64_t ns_tcp_tlp_pto(uint64_t srtt, uint32_t packets_out,
			uint64_t rto_remaining)
{
	uint64_t pto;
	if (srtt) {
		pto = 2 * srtt;
		pto += packets_out == 1 ? TCP_TLP_MAX_ACK_DELAY_NS
					: TLP_MIN_ALLOWANCE_NS;
	} else {
		pto = TLP_NO_RTT_NS;
	}
	if (rto_remaining > 0 && pto > rto_remaining)
		pto = rto_remaining;
	return pto;
}

enum tcp_tlp_verdict ns_tcp_tlp_on_ack(struct tcp_tlp *tlp, uint32_t ack,
				       bool una_advanced, bool sacked_data,
				       const struct tcp_sb_delivery *d)
{
	if (!tlp->outstanding || seq_lt(ack, tlp->end_seq))
		return TCP_TLP_PENDING;
	enum tcp_tlp_verdict v = TCP_TLP_PENDING;
	if (!tlp->is_retrans) {
		/* A probe of new data was acknowledged. */
		v = TCP_TLP_NO_LOSS;
	} else if (d->dsack && seq_leq(d->dsack_range.end, tlp->end_seq)) {
		/* Original and probe both arrived. */
		v = TCP_TLP_NO_LOSS;
	} else if (seq_gt(ack, tlp->end_seq)) {
		v = TCP_TLP_RECOVERED;
	} else if (!una_advanced && !sacked_data) {
		/* A pure duplicate ACK: the probe arrived as a duplicate. */
		v = TCP_TLP_NO_LOSS;
	}
	if (v != TCP_TLP_PENDING)
		tlp->outstanding = false;
	return v;
}
