/* Congestion control: registry and the parts shared by all algorithms.
 * See tcp_cc.h. */
#include "tcp_cc.h"

#include <string.h>

static const struct tcp_cc_ops *const algorithms[] = {
	&ns_tcp_cc_reno,
	&ns_tcp_cc_cubic,
};

const struct tcp_cc_ops *ns_tcp_cc_find(const char *name)
{
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (strcmp(algorithms[i]->name, name) == 0)
			return algorithms[i];
	return NULL;
}

const struct tcp_cc_ops *ns_tcp_cc_default(void)
{
	return &ns_tcp_cc_cubic;
}

const char *ns_tcp_cc_available(void)
{
	return "reno cubic";
}

static void start_algorithm(struct tcp_cc *cc, const struct tcp_cc_ops *ops)
{
	cc->ops = ops;
	memset(cc->priv, 0, sizeof(cc->priv));
	if (ops->init)
		ops->init(cc);
}

void ns_tcp_cc_init(struct tcp_cc *cc, const struct tcp_cc_ops *ops)
{
	memset(cc, 0, sizeof(*cc));
	cc->cwnd = TCP_INIT_CWND;
	cc->ssthresh = TCP_INFINITE_SSTHRESH;
	cc->cwnd_clamp = UINT32_MAX / 2;
	cc->state = NS_CA_OPEN;
	start_algorithm(cc, ops);
}

void ns_tcp_cc_switch(struct tcp_cc *cc, const struct tcp_cc_ops *ops)
{
	start_algorithm(cc, ops);
}

void ns_tcp_cc_set_state(struct tcp_cc *cc, enum ns_ca_state state)
{
	if (cc->ops->set_state)
		cc->ops->set_state(cc, state);
	cc->state = state;
}

static void set_cwnd(struct tcp_cc *cc, uint32_t cwnd)
{
	cc->cwnd = cwnd < cc->cwnd_clamp ? cwnd : cc->cwnd_clamp;
}

uint32_t ns_tcp_cc_slow_start(struct tcp_cc *cc, uint32_t acked)
{
	uint32_t cwnd = cc->cwnd + acked;
	if (cwnd > cc->ssthresh)
		cwnd = cc->ssthresh;
	if (cwnd < cc->cwnd)
		cwnd = cc->cwnd; /* ssthresh was lowered below cwnd */
	acked -= cwnd - cc->cwnd;
	set_cwnd(cc, cwnd);
	return acked;
}

void ns_tcp_cc_cong_avoid_ai(struct tcp_cc *cc, uint32_t w, uint32_t acked)
{
	if (w == 0)
		w = 1;
	/* Credit earned at a larger w is applied gently now (Linux). */
	if (cc->cwnd_cnt >= w) {
		cc->cwnd_cnt = 0;
		set_cwnd(cc, cc->cwnd + 1);
	}
	cc->cwnd_cnt += acked;
	if (cc->cwnd_cnt >= w) {
		uint32_t delta = cc->cwnd_cnt / w;
		cc->cwnd_cnt -= delta * w;
		set_cwnd(cc, cc->cwnd + delta);
	}
}

void ns_tcp_cc_enter_recovery(struct tcp_cc *cc, bool cwr)
{
	cc->prior_cwnd = cc->cwnd;
	cc->prior_ssthresh = cc->ssthresh;
	cc->ssthresh = cc->ops->ssthresh(cc);
	cc->prr_delivered = 0;
	cc->prr_out = 0;
	cc->cwnd_cnt = 0;
	ns_tcp_cc_set_state(cc, cwr ? NS_CA_CWR : NS_CA_RECOVERY);
}

void ns_tcp_cc_prr(struct tcp_cc *cc, uint32_t delivered, uint32_t in_flight,
		   bool una_advanced, bool newly_lost)
{
	if (delivered == 0 || cc->prior_cwnd == 0)
		return;
	cc->prr_delivered += delivered;
	int64_t sndcnt;
	if (in_flight > cc->ssthresh) {
		/* RFC 6937 3: proportional part, sending ssthresh/RecoverFS
		 * segments per segment delivered. */
		uint64_t dividend = (uint64_t)cc->ssthresh * cc->prr_delivered +
				    cc->prior_cwnd - 1;
		sndcnt = (int64_t)(dividend / cc->prior_cwnd) - cc->prr_out;
	} else {
		/* Slow-start reduction bound, as Linux's PRR-SSRB. */
		int64_t delta = (int64_t)cc->ssthresh - in_flight;
		sndcnt = (int64_t)cc->prr_delivered - cc->prr_out;
		if (sndcnt < delivered)
			sndcnt = delivered;
		if (una_advanced && !newly_lost)
			sndcnt++;
		if (sndcnt > delta)
			sndcnt = delta;
	}
	/* The first ACK of recovery always allows the fast retransmit. */
	if (sndcnt < (cc->prr_out ? 0 : 1))
		sndcnt = cc->prr_out ? 0 : 1;
	if (sndcnt < 0)
		sndcnt = 0;
	set_cwnd(cc, in_flight + (uint32_t)sndcnt);
}

void ns_tcp_cc_end_recovery(struct tcp_cc *cc)
{
	if (cc->ssthresh < TCP_INFINITE_SSTHRESH &&
	    (cc->state == NS_CA_RECOVERY || cc->state == NS_CA_CWR))
		set_cwnd(cc, cc->ssthresh);
	cc->cwnd_cnt = 0;
	ns_tcp_cc_set_state(cc, NS_CA_OPEN);
}

void ns_tcp_cc_enter_loss(struct tcp_cc *cc, uint32_t in_flight)
{
	/* Reduce ssthresh only once per episode: a timeout during recovery,
	 * or a second timeout, keeps the value set when it began (Linux
	 * tcp_enter_loss). */
	if (cc->state <= NS_CA_DISORDER) {
		cc->prior_cwnd = cc->cwnd;
		cc->prior_ssthresh = cc->ssthresh;
		cc->ssthresh = cc->ops->ssthresh(cc);
	}
	/* in_flight is what is still out after everything unSACKed was
	 * marked lost: normally nothing, so the window is one segment. */
	cc->cwnd = in_flight + 1;
	cc->cwnd_cnt = 0;
	ns_tcp_cc_set_state(cc, NS_CA_LOSS);
}

void ns_tcp_cc_undo(struct tcp_cc *cc)
{
	if (cc->prior_cwnd) {
		set_cwnd(cc, cc->ops->undo_cwnd(cc));
		if (cc->prior_ssthresh > cc->ssthresh)
			cc->ssthresh = cc->prior_ssthresh;
	}
	cc->cwnd_cnt = 0;
	ns_tcp_cc_set_state(cc, NS_CA_OPEN);
}

void ns_tcp_cc_restart_after_idle(struct tcp_cc *cc, uint64_t idle_ns,
				  uint64_t rto_ns, uint64_t now)
{
	if (cc->ops->cwnd_event)
		cc->ops->cwnd_event(cc, NS_CA_EVENT_CWND_RESTART, now);
	/* Remember 3/4 of the window as ssthresh (Linux
	 * tcp_current_ssthresh) so that it is regained by slow start. */
	uint32_t keep = (cc->cwnd >> 1) + (cc->cwnd >> 2);
	if (keep > cc->ssthresh)
		cc->ssthresh = keep;
	uint32_t restart = TCP_INIT_CWND < cc->cwnd ? TCP_INIT_CWND : cc->cwnd;
	uint32_t cwnd = cc->cwnd;
	while (rto_ns > 0 && idle_ns > rto_ns && cwnd > restart) {
		idle_ns -= rto_ns;
		cwnd >>= 1;
	}
	cc->cwnd = cwnd > restart ? cwnd : restart;
}

void ns_tcp_cc_on_send(struct tcp_cc *cc, bool was_idle, uint64_t now)
{
	if (was_idle && cc->ops->cwnd_event)
		cc->ops->cwnd_event(cc, NS_CA_EVENT_TX_START, now);
	cc->last_send_ns = now;
}
