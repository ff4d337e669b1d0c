/* Round-trip time estimation and the retransmission timeout (RFC 6298),
 * with Linux's constants: RTO at least 200 ms above the smoothed RTT
 * (Linux's rttvar never goes below tcp_rto_min), at most 120 s, 1 s before
 * the first sample; and the windowed minimum RTT (Linux win_minmax, the
 * Kathleen Nichols filter) that RACK and CUBIC's HyStart use.
 *
 * Karn's rule (RFC 6298 3) is the caller's: only samples from segments
 * that were never retransmitted, or from timestamps, reach
 * ns_tcp_rtt_sample(). All times are nanoseconds.
 */
#ifndef NETSTACK_TCP_RTT_H
#define NETSTACK_TCP_RTT_H

#include <stdbool.h>
#include <stdint.h>

#define NS_PER_MS	1000000ULL
#define TCP_RTO_MIN_NS	(200 * NS_PER_MS)
#define TCP_RTO_MAX_NS	(120000 * NS_PER_MS)
#define TCP_RTO_INIT_NS (1000 * NS_PER_MS)
/* RFC 6298 5.7: a SYN that had to be retransmitted leaves the RTO at 3 s
 * for the data phase when no sample has been taken. */
#define TCP_RTO_FALLBACK_NS (3000 * NS_PER_MS)
/* Window of the minimum-RTT filter (Linux tcp_min_rtt_wlen: 300 s). */
#define TCP_MIN_RTT_WINDOW_NS (300000 * NS_PER_MS)

/* Running minimum over a time window: the best, second best and third best
 * samples from successive quarters of the window. */
struct tcp_minmax {
	struct {
		uint64_t t;
		uint64_t v;
	} s[3];
};

/* Starts over with the single sample (t, v). */
void ns_tcp_minmax_reset(struct tcp_minmax *m, uint64_t t, uint64_t v);
/* Adds a sample taken at t and returns the minimum over [t - win, t]. */
uint64_t ns_tcp_minmax_update(struct tcp_minmax *m, uint64_t win, uint64_t t,
			      uint64_t v);

static inline uint64_t ns_tcp_minmax_get(const struct tcp_minmax *m)
{
	return m->s[0].v;
}

struct tcp_rtt {
	uint64_t srtt;	  /* smoothed RTT; 0 before the first sample */
	uint64_t rttvar;  /* RTT variation */
	uint64_t rto;	  /* RTO before backoff */
	uint64_t rto_min; /* TCP_RTO_MIN_NS unless set per socket */
	uint64_t latest;  /* most recent sample */
	uint8_t backoff;  /* exponent of the current backoff */
	struct tcp_minmax min_rtt;
	bool have_min;
};

void ns_tcp_rtt_init(struct tcp_rtt *r);

/* Feeds one valid RTT sample taken at now (RFC 6298 2.2, 2.3) and clears
 * the backoff, which a valid sample ends (RFC 6298 5.7, Linux). */
void ns_tcp_rtt_sample(struct tcp_rtt *r, uint64_t rtt, uint64_t now);

/* The timeout to arm now: the RTO doubled per backoff step, at most
 * TCP_RTO_MAX_NS (RFC 6298 5.5). */
uint64_t ns_tcp_rtt_timeout(const struct tcp_rtt *r);

/* The timer expired (RFC 6298 5.5): doubles the next timeout. */
void ns_tcp_rtt_backoff(struct tcp_rtt *r);

/* Minimum RTT seen in the filter window, or 0 before any sample. */
static inline uint64_t ns_tcp_rtt_min(const struct tcp_rtt *r)
{
	return r->have_min ? ns_tcp_minmax_get(&r->min_rtt) : 0;
}

#endif
