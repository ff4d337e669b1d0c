/* CUBIC (RFC 9438) with HyStart, following Linux's tcp_cubic.c so that a
 * sandboxed flow competes like a Linux one: beta 717/1024 (0.7), C 0.4,
 * fast convergence, the Reno-friendly region, at most 1.5x growth per RTT,
 * and HyStart's ACK-train and delay-increase exits from slow start.
 *
 * Units as in Linux: the cubic function runs on a millisecond clock
 * ("jiffies" at HZ 1000) scaled by 2^10, HyStart on microseconds. */
#include <stddef.h>

#include "tcp_cc.h"
#include "tcp_seq.h"

#define BETA_SCALE 1024
#define BETA	   717 /* 0.7 (RFC 9438 4.6) */
/* C = 0.4 (RFC 9438 4.2) as Linux's bic_scale 41/1024 * 10. */
#define BIC_SCALE 41
#define CUBIC_HZ  10 /* the cubic clock ticks 2^10 per second */
#define HZ	  1000

#define HYSTART_ACK_TRAIN    0x1
#define HYSTART_DELAY	     0x2
#define HYSTART_MIN_SAMPLES  8
#define HYSTART_DELAY_MIN_US 4000u
#define HYSTART_DELAY_MAX_US 16000u
#define HYSTART_LOW_WINDOW   16
#define HYSTART_ACK_DELTA_US 2000

/* 1024 * C / RTT-base, and 2^40 / (C-scale * 10): Linux's precomputed
 * scales for K = cbrt((Wmax - cwnd) / C) and C * (t - K)^3. */
#define CUBE_RTT_SCALE (BIC_SCALE * 10)
#define CUBE_FACTOR    ((1ULL << (10 + 3 * CUBIC_HZ)) / (BIC_SCALE * 10))
/* Reno-friendly estimate: segments acked per segment of growth, scaled by
 * 8 (RFC 9438 4.3 alpha = 3(1-beta)/(1+beta)). */
#define BETA_FRIENDLY_SCALE (8 * (BETA_SCALE + BETA) / 3 / (BETA_SCALE - BETA))

struct cubic {
	uint32_t cnt;		/* grow by one segment per cnt acked */
	uint32_t last_max_cwnd; /* W_max */
	uint32_t last_cwnd;
	uint32_t last_time; /* ms */
	uint32_t origin_point;
	uint32_t k;	      /* time to origin, 2^-10 s units */
	uint32_t delay_min;   /* us */
	uint32_t epoch_start; /* ms, 0: no epoch */
	uint32_t ack_cnt;
	uint32_t tcp_cwnd; /* the Reno-friendly window estimate */
	uint8_t sample_cnt;
	uint8_t found;
	uint8_t round_valid;  /* round_start/end_seq describe a round */
	uint32_t round_start; /* us */
	uint32_t end_seq;
	uint32_t last_ack; /* us */
	uint32_t curr_rtt; /* us */
};

_Static_assert(sizeof(struct cubic) <= sizeof(((struct tcp_cc *)0)->priv),
	       "cubic state must fit in tcp_cc.priv");

static struct cubic *ca_of(struct tcp_cc *cc)
{
	return (struct cubic *)cc->priv;
}

static uint32_t ms_of(uint64_t ns)
{
	return (uint32_t)(ns / 1000000);
}

static uint32_t us_of(uint64_t ns)
{
	return (uint32_t)(ns / 1000);
}

/* Integer cube root, floor(cbrt(a)), by Newton's method from an
 * overestimate (called once per congestion epoch). */
static uint32_t cube_root(uint64_t a)
{
	if (a == 0)
		return 0;
	unsigned bits = 64 - (unsigned)__builtin_clzll(a);
	uint64_t x = 1ULL << ((bits + 2) / 3);
	for (;;) {
		uint64_t y = (2 * x + a / (x * x)) / 3;
		if (y >= x)
			break;
		x = y;
	}
	return (uint32_t)x;
}

static void cubic_reset(struct cubic *ca)
{
	ca->cnt = 0;
	ca->last_max_cwnd = 0;
	ca->last_cwnd = 0;
	ca->last_time = 0;
	ca->origin_point = 0;
	ca->k = 0;
	ca->delay_min = 0;
	ca->epoch_start = 0;
	ca->ack_cnt = 0;
	ca->tcp_cwnd = 0;
	ca->found = 0;
	ca->round_valid = 0;
}

static void hystart_reset(struct cubic *ca, uint64_t now, uint32_t snd_nxt)
{
	ca->round_start = ca->last_ack = us_of(now);
	ca->end_seq = snd_nxt;
	ca->curr_rtt = UINT32_MAX;
	ca->sample_cnt = 0;
	ca->round_valid = 1;
}

static void cubic_init(struct tcp_cc *cc)
{
	cubic_reset(ca_of(cc));
}

/* RFC 9438 4.2 and 4.3: the target window after t, and the per-ACK count
 * that reaches it within an RTT. */
static void cubic_update(struct cubic *ca, uint32_t cwnd, uint32_t acked,
			 uint32_t now_ms)
{
	ca->ack_cnt += acked;
	if (ca->last_cwnd == cwnd &&
	    (int32_t)(now_ms - ca->last_time) <= HZ / 32)
		return;
	/* cnt is recomputed at most once per millisecond; a reduction resets
	 * epoch_start and so forces a recomputation. */
	if (!(ca->epoch_start && now_ms == ca->last_time)) {
		ca->last_cwnd = cwnd;
		ca->last_time = now_ms;
		if (ca->epoch_start == 0) {
			/* 0 means "no epoch": a clock reading 0 is nudged. */
			ca->epoch_start = now_ms ? now_ms : 1;
			ca->ack_cnt = acked;
			ca->tcp_cwnd = cwnd;
			if (ca->last_max_cwnd <= cwnd) {
				ca->k = 0;
				ca->origin_point = cwnd;
			} else {
				ca->k = cube_root(CUBE_FACTOR *
						  (ca->last_max_cwnd - cwnd));
				ca->origin_point = ca->last_max_cwnd;
			}
		}
		/* t in 2^-10 s since the epoch, one min-RTT ahead (the
		 * window being set now is used in the next RTT). */
		uint64_t t = (uint32_t)(now_ms - ca->epoch_start);
		t += ca->delay_min / 1000;
		t = (t << CUBIC_HZ) / HZ;
		uint64_t offs = t < ca->k ? ca->k - t : t - ca->k;
		uint32_t delta =
			(uint32_t)((CUBE_RTT_SCALE * offs * offs * offs) >>
				   (10 + 3 * CUBIC_HZ));
		uint32_t target = t < ca->k ? ca->origin_point - delta
					    : ca->origin_point + delta;
		if (target > cwnd)
			ca->cnt = cwnd / (target - cwnd);
		else
			ca->cnt = 100 * cwnd; /* very small increment */
		/* Unknown capacity: no slower than 5% per RTT. */
		if (ca->last_max_cwnd == 0 && ca->cnt > 20)
			ca->cnt = 20;
	}
	/* RFC 9438 4.3: never slower than standard TCP would be. */
	uint32_t per_seg = (cwnd * BETA_FRIENDLY_SCALE) >> 3;
	if (per_seg == 0)
		per_seg = 1;
	while (ca->ack_cnt > per_seg) {
		ca->ack_cnt -= per_seg;
		ca->tcp_cwnd++;
	}
	if (ca->tcp_cwnd > cwnd) {
		uint32_t max_cnt = cwnd / (ca->tcp_cwnd - cwnd);
		if (ca->cnt > max_cnt)
			ca->cnt = max_cnt;
	}
	/* At most one segment per two acked: 1.5x per RTT. */
	if (ca->cnt < 2)
		ca->cnt = 2;
}

static void cubic_cong_avoid(struct tcp_cc *cc, const struct tcp_cc_ack *ack)
{
	struct cubic *ca = ca_of(cc);
	uint32_t acked = ack->acked;
	if (ns_tcp_cc_in_slow_start(cc)) {
		acked = ns_tcp_cc_slow_start(cc, acked);
		if (acked == 0)
			return;
	}
	cubic_update(ca, cc->cwnd, acked, ms_of(ack->now));
	ns_tcp_cc_cong_avoid_ai(cc, ca->cnt, acked);
}

/* RFC 9438 4.6 and 4.7 (fast convergence). */
static uint32_t cubic_ssthresh(struct tcp_cc *cc)
{
	struct cubic *ca = ca_of(cc);
	ca->epoch_start = 0;
	if (cc->cwnd < ca->last_max_cwnd)
		ca->last_max_cwnd =
			(uint32_t)((uint64_t)cc->cwnd * (BETA_SCALE + BETA) /
				   (2 * BETA_SCALE));
	else
		ca->last_max_cwnd = cc->cwnd;
	uint32_t ss = (uint32_t)((uint64_t)cc->cwnd * BETA / BETA_SCALE);
	return ss > 2 ? ss : 2;
}

static void cubic_set_state(struct tcp_cc *cc, enum ns_ca_state state)
{
	/* A timeout starts over: the curve learned so far is stale. */
	if (state == NS_CA_LOSS) {
		cubic_reset(ca_of(cc));
	}
}

static void cubic_cwnd_event(struct tcp_cc *cc, enum ns_ca_event ev,
			     uint64_t now)
{
	struct cubic *ca = ca_of(cc);
	if (ev != NS_CA_EVENT_TX_START || ca->epoch_start == 0)
		return;
	/* Idle (application-limited) time does not count as time on the
	 * curve: shift the epoch (RFC 9438 5.8). */
	uint32_t now_ms = ms_of(now);
	int32_t idle = (int32_t)(now_ms - ms_of(cc->last_send_ns));
	if (idle > 0) {
		ca->epoch_start += (uint32_t)idle;
		if ((int32_t)(ca->epoch_start - now_ms) > 0)
			ca->epoch_start = now_ms;
	}
}

static uint32_t cubic_undo_cwnd(struct tcp_cc *cc)
{
	return cc->cwnd > cc->prior_cwnd ? cc->cwnd : cc->prior_cwnd;
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* HyStart: leave slow start before the first loss when ACKs of one round
 * keep arriving back to back for longer than half the minimum RTT (the
 * pipe is full), or the round's RTT has grown beyond the minimum by a
 * clamped eighth (a queue is building). */
static void hystart_update(struct tcp_cc *cc, struct cubic *ca, uint32_t delay,
			   const struct tcp_cc_ack *ack)
{
	if (seq_gt(ack->snd_una, ca->end_seq))
		hystart_reset(ca, ack->now, ack->snd_nxt);
	uint32_t now_us = us_of(ack->now);
	if ((int32_t)(now_us - ca->last_ack) <= HYSTART_ACK_DELTA_US) {
		ca->last_ack = now_us;
		uint32_t threshold = ca->delay_min >> 1;
		if ((int32_t)(now_us - ca->round_start) > (int32_t)threshold) {
			ca->found = HYSTART_ACK_TRAIN;
			cc->ssthresh = cc->cwnd;
		}
	}
	if (ca->curr_rtt > delay)
		ca->curr_rtt = delay;
	if (ca->sample_cnt < HYSTART_MIN_SAMPLES) {
		ca->sample_cnt++;
	} else if (ca->curr_rtt >
		   ca->delay_min + clamp_u32(ca->delay_min >> 3,
					     HYSTART_DELAY_MIN_US,
					     HYSTART_DELAY_MAX_US)) {
		ca->found = HYSTART_DELAY;
		cc->ssthresh = cc->cwnd;
	}
}

static void cubic_pkts_acked(struct tcp_cc *cc, const struct tcp_cc_ack *ack)
{
	struct cubic *ca = ca_of(cc);
	if (ack->rtt == 0)
		return;
	/* Delay samples right after a reduction reflect the old queue. */
	if (ca->epoch_start &&
	    (int32_t)(ms_of(ack->now) - ca->epoch_start) < HZ)
		return;
	uint32_t delay = us_of(ack->rtt);
	if (delay == 0)
		delay = 1;
	if (ca->delay_min == 0 || ca->delay_min > delay)
		ca->delay_min = delay;
	if (!ca->round_valid)
		hystart_reset(ca, ack->now, ack->snd_nxt);
	if (!ca->found && ns_tcp_cc_in_slow_start(cc) &&
	    cc->cwnd >= HYSTART_LOW_WINDOW)
		hystart_update(cc, ca, delay, ack);
}

const struct tcp_cc_ops ns_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.ssthresh = cubic_ssthresh,
	.cong_avoid = cubic_cong_avoid,
	.set_state = cubic_set_state,
	.cwnd_event = cubic_cwnd_event,
	.undo_cwnd = cubic_undo_cwnd,
	.pkts_acked = cubic_pkts_acked,
};
