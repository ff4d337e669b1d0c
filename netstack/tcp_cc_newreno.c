/* NewReno window arithmetic (RFC 5681, RFC 6582), Linux's "reno": slow
 * start, one segment per window of ACKs in congestion avoidance, ssthresh
 * half the window. The partial-ACK rules of RFC 6582 are recovery logic and
 * live with the connection's ACK processing. */
#include "tcp_cc.h"

static void reno_cong_avoid(struct tcp_cc *cc, const struct tcp_cc_ack *ack)
{
	uint32_t acked = ack->acked;
	if (ns_tcp_cc_in_slow_start(cc)) {
		acked = ns_tcp_cc_slow_start(cc, acked);
		if (acked == 0)
			return;
	}
	ns_tcp_cc_cong_avoid_ai(cc, cc->cwnd, acked);
}

/* RFC 5681 3.1 eq. (4), counting segments. */
static uint32_t reno_ssthresh(struct tcp_cc *cc)
{
	uint32_t half = cc->cwnd >> 1;
	return half > 2 ? half : 2;
}

static uint32_t reno_undo_cwnd(struct tcp_cc *cc)
{
	return cc->cwnd > cc->prior_cwnd ? cc->cwnd : cc->prior_cwnd;
}

const struct tcp_cc_ops ns_tcp_cc_reno = {
	.name = "reno",
	.ssthresh = reno_ssthresh,
	.cong_avoid = reno_cong_avoid,
	.undo_cwnd = reno_undo_cwnd,
};
