/* Congestion control: a pluggable ops table in the shape of Linux's
 * struct tcp_congestion_ops, with NewReno ("reno", RFC 5681 and 6582) and
 * CUBIC ("cubic", RFC 9438 with HyStart, the default as on Linux).
 *
 * The window is counted in segments (packets), as on Linux, so that
 * algorithms and counters read like Linux's. The generic parts are here:
 * slow start and additive increase helpers, the initial window (RFC 6928),
 * restart after idle (RFC 5681 4.1), and the window during loss recovery by
 * Proportional Rate Reduction (RFC 6937, Linux tcp_cwnd_reduction).
 *
 * Who calls what (the connection, on each event):
 *   ACK in Open/Disorder, when cwnd-limited -> tcp_cc_cong_avoid
 *   every ACK with an RTT sample            -> ops->pkts_acked
 *   entering fast recovery                  -> tcp_cc_enter_recovery
 *   ACK during recovery                     -> tcp_cc_prr
 *   leaving recovery                        -> tcp_cc_end_recovery
 *   retransmission timeout                  -> tcp_cc_enter_loss
 *   spurious reduction detected (D-SACK)    -> tcp_cc_undo
 */
#ifndef NETSTACK_TCP_CC_H
#define NETSTACK_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

/* Linux's congestion-avoidance states (tcpi_ca_state values). */
enum ns_ca_state {
	NS_CA_OPEN = 0,
	NS_CA_DISORDER = 1,
	NS_CA_CWR = 2,
	NS_CA_RECOVERY = 3,
	NS_CA_LOSS = 4,
};

enum ns_ca_event {
	NS_CA_EVENT_TX_START, /* first transmission after an idle period */
	NS_CA_EVENT_CWND_RESTART,
};

#define TCP_INFINITE_SSTHRESH 0x7fffffffu
/* RFC 6928: ten segments. */
#define TCP_INIT_CWND 10u
/* Name length limit of TCP_CONGESTION (Linux TCP_CA_NAME_MAX). */
#define TCP_CA_NAME_MAX 16

/* What an ACK told congestion control. */
struct tcp_cc_ack {
	uint64_t now;
	uint32_t acked;	  /* segments newly acknowledged or SACKed */
	uint64_t rtt;	  /* RTT sample in ns, 0 when none */
	uint32_t snd_una; /* after the ACK */
	uint32_t snd_nxt;
};

struct tcp_cc;

struct tcp_cc_ops {
	const char *name;
	/* Sets up the private state (cc->priv is zeroed before). */
	void (*init)(struct tcp_cc *cc);
	/* The slow-start threshold after a congestion event. */
	uint32_t (*ssthresh)(struct tcp_cc *cc);
	/* Window growth on an ACK while cwnd-limited in Open/Disorder. */
	void (*cong_avoid)(struct tcp_cc *cc, const struct tcp_cc_ack *ack);
	/* Optional: told of state changes. */
	void (*set_state)(struct tcp_cc *cc, enum ns_ca_state state);
	/* Optional. */
	void (*cwnd_event)(struct tcp_cc *cc, enum ns_ca_event ev,
			   uint64_t now);
	/* The window to return to when a reduction proves spurious. */
	uint32_t (*undo_cwnd)(struct tcp_cc *cc);
	/* Optional: every ACK that delivered data (RTT samples). */
	void (*pkts_acked)(struct tcp_cc *cc, const struct tcp_cc_ack *ack);
};

#define TCP_CC_PRIV_WORDS 12

struct tcp_cc {
	const struct tcp_cc_ops *ops;
	uint32_t cwnd; /* segments */
	uint32_t ssthresh;
	uint32_t cwnd_cnt; /* additive-increase credit */
	uint32_t cwnd_clamp;
	uint32_t prior_cwnd; /* before the current reduction, for undo/PRR */
	uint32_t prior_ssthresh;
	uint32_t prr_delivered; /* RFC 6937 */
	uint32_t prr_out;
	enum ns_ca_state state;
	uint64_t last_send_ns; /* last transmission, for TX_START */
	uint64_t priv[TCP_CC_PRIV_WORDS];
};

extern const struct tcp_cc_ops ns_tcp_cc_reno;
extern const struct tcp_cc_ops ns_tcp_cc_cubic;

/* The algorithm named name ("reno", "cubic"), or NULL. */
const struct tcp_cc_ops *ns_tcp_cc_find(const char *name);
/* CUBIC, as Linux's default. */
const struct tcp_cc_ops *ns_tcp_cc_default(void);
/* Space-separated names of all algorithms, as Linux's
 * tcp_available_congestion_control. */
const char *ns_tcp_cc_available(void);

/* Starts (or switches to) ops with the initial window (RFC 6928); the
 * window is kept when switching an established connection, as Linux. */
void ns_tcp_cc_init(struct tcp_cc *cc, const struct tcp_cc_ops *ops);
void ns_tcp_cc_switch(struct tcp_cc *cc, const struct tcp_cc_ops *ops);

static inline bool ns_tcp_cc_in_slow_start(const struct tcp_cc *cc)
{
	return cc->cwnd < cc->ssthresh;
}

void ns_tcp_cc_set_state(struct tcp_cc *cc, enum ns_ca_state state);

/* Slow start by `acked` segments, not beyond ssthresh (RFC 5681 3.1, as
 * Linux without ABC's limit). Returns the acked count left over for
 * congestion avoidance. */
uint32_t ns_tcp_cc_slow_start(struct tcp_cc *cc, uint32_t acked);

/* Additive increase of one segment per w acked segments. */
void ns_tcp_cc_cong_avoid_ai(struct tcp_cc *cc, uint32_t w, uint32_t acked);

/* Window growth for an ACK; the caller has checked the sender is
 * cwnd-limited (RFC 7661: an application-limited window does not grow). */
static inline void ns_tcp_cc_cong_avoid(struct tcp_cc *cc,
					const struct tcp_cc_ack *ack)
{
	cc->ops->cong_avoid(cc, ack);
}

/* Loss detected by ACKs: remembers the window for undo and PRR, sets
 * ssthresh from the algorithm, enters Recovery (or CWR for ECN-less local
 * congestion when cwr is true). */
void ns_tcp_cc_enter_recovery(struct tcp_cc *cc, bool cwr);

/* RFC 6937 on an ACK during recovery: delivered segments newly acked or
 * SACKed, in_flight the pipe after the ACK; una_advanced and newly_lost as
 * Linux uses them for its slow-start reduction bound. Sets cwnd so that
 * in_flight + what may be sent now == cwnd. */
void ns_tcp_cc_prr(struct tcp_cc *cc, uint32_t delivered, uint32_t in_flight,
		   bool una_advanced, bool newly_lost);

/* Records segments sent during recovery (PRR's prr_out). */
static inline void ns_tcp_cc_prr_sent(struct tcp_cc *cc, uint32_t segs)
{
	cc->prr_out += segs;
}

/* Recovery or CWR ended: cwnd = ssthresh (RFC 6937 end of recovery). */
void ns_tcp_cc_end_recovery(struct tcp_cc *cc);

/* Retransmission timeout (RFC 5681 3.1 eq. 4, RFC 6298 5.5): ssthresh from
 * the algorithm once per episode (not again when already reduced by
 * recovery or a previous timeout), cwnd = in_flight + 1 where in_flight is
 * the pipe after everything unSACKed was marked lost (normally 0). */
void ns_tcp_cc_enter_loss(struct tcp_cc *cc, uint32_t in_flight);

/* The reduction was spurious (D-SACK / timestamp undo): restores the
 * window and ssthresh from before it, and returns to Open. */
void ns_tcp_cc_undo(struct tcp_cc *cc);

/* RFC 5681 4.1 (Linux tcp_cwnd_restart): after an idle period of idle_ns,
 * the window shrinks by half per RTO elapsed, down to the initial window. */
void ns_tcp_cc_restart_after_idle(struct tcp_cc *cc, uint64_t idle_ns,
				  uint64_t rto_ns, uint64_t now);

/* Records a transmission at now: tells the algorithm when it follows an
 * idle period (nothing in flight). */
void ns_tcp_cc_on_send(struct tcp_cc *cc, bool was_idle, uint64_t now);

#endif
