/* Receive and send buffer auto-tuning: see tcp_autotune.h. */
#include "tcp_autotune.h"

#include "tcp_cc.h"
#include "tcp_seq.h"

void ns_tcp_rcv_tune_init(struct tcp_rcv_tune *t, uint32_t space,
			  uint32_t copied_seq, uint64_t now)
{
	*t = (struct tcp_rcv_tune){
		.space = space ? space : 1,
		.seq = copied_seq,
		.time = now,
	};
}

/* Linux tcp_rcv_rtt_update: window-based samples (win_dep) overestimate,
 * so they only ever lower the estimate; timestamp samples are smoothed
 * with gain 1/8. */
static void rtt_update(struct tcp_rcv_tune *t, uint64_t sample, bool win_dep)
{
	if (sample == 0)
		sample = 1;
	if (t->rtt8 == 0) {
		t->rtt8 = sample * 8;
	} else if (win_dep) {
		if (sample * 8 < t->rtt8)
			t->rtt8 = sample * 8;
	} else {
		t->rtt8 = t->rtt8 - t->rtt8 / 8 + sample;
	}
}

void ns_tcp_rcv_rtt_measure(struct tcp_rcv_tune *t, uint32_t rcv_nxt,
			    uint32_t rcv_wnd, uint64_t now)
{
	if (t->rtt_time != 0) {
		if (seq_lt(rcv_nxt, t->rtt_seq))
			return;
		rtt_update(t, now - t->rtt_time, true);
	}
	/* A window sent now comes back full no sooner than one RTT later. */
	t->rtt_seq = rcv_nxt + rcv_wnd;
	t->rtt_time = now ? now : 1;
}

void ns_tcp_rcv_rtt_sample(struct tcp_rcv_tune *t, uint64_t rtt)
{
	rtt_update(t, rtt, false);
}

bool ns_tcp_rcv_space_adjust(struct tcp_rcv_tune *t, uint32_t copied_seq,
			     uint64_t now, uint32_t advmss, uint32_t rmem_max,
			     bool locked, uint32_t *rcvbuf)
{
	uint64_t rtt = t->rtt8 / 8;
	if (rtt == 0 || now - t->time < rtt)
		return false;
	bool grew = false;
	uint32_t copied = copied_seq - t->seq;
	if (copied > t->space) {
		if (!locked) {
			/* Twice what was read per RTT covers a loss's
			 * recovery; the growth term covers a sender that
			 * doubles per RTT in slow start, since the window
			 * offered now is used in the next RTT. */
			uint64_t rcvwin = 2ULL * copied + 16ULL * advmss;
			uint64_t grow = rcvwin * (copied - t->space) / t->space;
			rcvwin += 2 * grow;
			uint64_t want = ns_tcp_space_from_win(rcvwin);
			if (want > rmem_max)
				want = rmem_max;
			if (want > *rcvbuf) {
				*rcvbuf = (uint32_t)want;
				grew = true;
			}
		}
		t->space = copied;
	}
	t->seq = copied_seq;
	t->time = now;
	return grew;
}

uint32_t ns_tcp_sndbuf_target(uint32_t cwnd, uint32_t mss, uint32_t wmem_max)
{
	uint64_t segs = cwnd > TCP_INIT_CWND ? cwnd : TCP_INIT_CWND;
	/* Two windows of payload, each byte charged twice (see header). */
	uint64_t want = ns_tcp_space_from_win(2 * segs * mss);
	return want > wmem_max ? wmem_max : (uint32_t)want;
}
