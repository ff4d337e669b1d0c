/* RTT estimation and RTO (RFC 6298), minimum-RTT filter: see tcp_rtt.h. */
#include "tcp_rtt.h"

void ns_tcp_minmax_reset(struct tcp_minmax *m, uint64_t t, uint64_t v)
{
	for (int i = 0; i < 3; i++) {
		m->s[i].t = t;
		m->s[i].v = v;
	}
}

/* The best sample aged out of the window, or the window is young and the
 * second and third choices should come from later sub-windows. */
static uint64_t subwin_update(struct tcp_minmax *m, uint64_t win, uint64_t t,
			      uint64_t v)
{
	uint64_t dt = t - m->s[0].t;
	if (dt > win) {
		m->s[0] = m->s[1];
		m->s[1] = m->s[2];
		m->s[2].t = t;
		m->s[2].v = v;
		if (t - m->s[0].t > win) {
			m->s[0] = m->s[1];
			m->s[1] = m->s[2];
		}
	} else if (m->s[1].t == m->s[0].t && dt > win / 4) {
		m->s[1].t = m->s[2].t = t;
		m->s[1].v = m->s[2].v = v;
	} else if (m->s[2].t == m->s[1].t && dt > win / 2) {
		m->s[2].t = t;
		m->s[2].v = v;
	}
	return m->s[0].v;
}

uint64_t ns_tcp_minmax_update(struct tcp_minmax *m, uint64_t win, uint64_t t,
			      uint64_t v)
{
	if (v <= m->s[0].v || t - m->s[2].t > win) {
		ns_tcp_minmax_reset(m, t, v);
		return v;
	}
	if (v <= m->s[1].v) {
		m->s[1].t = m->s[2].t = t;
		m->s[1].v = m->s[2].v = v;
	} else if (v <= m->s[2].v) {
		m->s[2].t = t;
		m->s[2].v = v;
	}
	return subwin_update(m, win, t, v);
}

void ns_tcp_rtt_init(struct tcp_rtt *r)
{
	*r = (struct tcp_rtt){
		.rto = TCP_RTO_INIT_NS,
		.rto_min = TCP_RTO_MIN_NS,
	};
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

void ns_tcp_rtt_sample(struct tcp_rtt *r, uint64_t rtt, uint64_t now)
{
	/* A zero sample (same-tick ACK) still says "very short". */
	if (rtt == 0)
		rtt = 1;
	r->latest = rtt;
	if (r->srtt == 0) {
		r->srtt = rtt; /* RFC 6298 2.2 */
		r->rttvar = rtt / 2;
	} else {
		/* RFC 6298 2.3, beta = 1/4 and alpha = 1/8, in this order. */
		r->rttvar =
			r->rttvar - r->rttvar / 4 + abs_diff(r->srtt, rtt) / 4;
		r->srtt = r->srtt - r->srtt / 8 + rtt / 8;
		if (r->srtt == 0)
			r->srtt = 1;
	}
	/* RFC 6298 2.3 with Linux's granularity term: the variation part
	 * never adds less than rto_min. */
	uint64_t var = 4 * r->rttvar;
	if (var < r->rto_min)
		var = r->rto_min;
	r->rto = r->srtt + var;
	if (r->rto > TCP_RTO_MAX_NS)
		r->rto = TCP_RTO_MAX_NS;
	r->backoff = 0;
	if (!r->have_min) {
		ns_tcp_minmax_reset(&r->min_rtt, now, rtt);
		r->have_min = true;
	} else {
		ns_tcp_minmax_update(&r->min_rtt, TCP_MIN_RTT_WINDOW_NS, now,
				     rtt);
	}
}

uint64_t ns_tcp_rtt_timeout(const struct tcp_rtt *r)
{
	uint64_t t = r->rto;
	for (unsigned i = 0; i < r->backoff && t < TCP_RTO_MAX_NS; i++)
		t *= 2;
	return t < TCP_RTO_MAX_NS ? t : TCP_RTO_MAX_NS;
}

void ns_tcp_rtt_backoff(struct tcp_rtt *r)
{
	/* 2^20 times any RTO is beyond the cap; stop counting there. */
	if (r->backoff < 20)
		r->backoff++;
}
