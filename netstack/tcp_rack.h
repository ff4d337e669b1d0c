/* RACK-TLP loss detection (RFC 8985), the SACK connection's loss detector
 * as on Linux: a segment is lost when a segment sent sufficiently later
 * (by more than the reordering window) has been delivered; a tail loss
 * probe retransmits (or sends new data) when ACKs stop so that a lost tail
 * is repaired by fast recovery instead of a retransmission timeout.
 *
 * This module keeps RACK's state and marks records of the scoreboard
 * (tcp_sack.h); the connection arms the timers it returns. Times are ns.
 */
#ifndef NETSTACK_TCP_RACK_H
#define NETSTACK_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_sack.h"

/* RFC 8985 6.2 step 4: reordering-window growth lasts 16 recoveries. */
#define TCP_RACK_REO_PERSIST 16
/* RFC 8985 7.2 (WCDelAckT) / Linux TCP_RTO_MIN for a single packet. */
#define TCP_TLP_MAX_ACK_DELAY_NS (200ULL * 1000000ULL)

struct tcp_rack {
	uint64_t xmit_ns; /* RACK.xmit_ts: most recent delivered send */
	uint32_t end_seq; /* RACK.end_seq */
	uint64_t rtt;	  /* RACK.rtt */
	/* A delivery was noted since the last loss detection on an ACK
	 * (Linux rack.advanced): an ACK that delivers nothing new cannot
	 * reveal a loss. */
	bool advanced;
	bool reordering_seen;
	uint8_t reo_wnd_mult;
	uint8_t reo_wnd_persist;
	bool dsack_round_valid;
	uint32_t dsack_round; /* snd_nxt when the window last grew */
};

void ns_tcp_rack_init(struct tcp_rack *rack);

/* RFC 8985 6.2 steps 2-4 for one ACK: d is what it delivered, now its
 * arrival, min_rtt the connection's minimum RTT, snd_una/snd_nxt after
 * it. Sets advanced when it delivered a transmission RACK can use. */
void ns_tcp_rack_on_ack(struct tcp_rack *rack, const struct tcp_sb_delivery *d,
			uint64_t now, uint64_t min_rtt, uint32_t snd_una,
			uint32_t snd_nxt);

/* Fast or RTO recovery ended (RFC 8985 6.2 step 4: the grown reordering
 * window decays after 16 recoveries without D-SACK). */
void ns_tcp_rack_recovery_done(struct tcp_rack *rack);

/* The reordering window now (RFC 8985 6.2 step 4). in_recovery: fast or
 * RTO recovery is in progress. */
uint64_t ns_tcp_rack_reo_wnd(const struct tcp_rack *rack,
			     const struct tcp_sb *sb, bool in_recovery,
			     uint64_t min_rtt, uint64_t srtt);

/* RFC 8985 6.2 step 5: marks lost every record sent before RACK.xmit_ts
 * whose deadline (xmit + RACK.rtt + reo_wnd) has passed. Returns how many
 * records were newly marked; *timeout is set to the time until the next
 * record's deadline (0: none pending), for the reordering timer. */
uint32_t ns_tcp_rack_detect_loss(struct tcp_rack *rack, struct tcp_sb *sb,
				 uint64_t now, uint64_t reo_wnd,
				 uint64_t *timeout);

/* ---- tail loss probe (RFC 8985 7) --------------------------------------- */

struct tcp_tlp {
	bool outstanding; /* a probe was sent and its episode is open */
	bool is_retrans;  /* the probe retransmitted data */
	uint32_t end_seq; /* snd_nxt when the probe was sent */
};

/* RFC 8985 7.2 with Linux's details: 2 * SRTT, plus the worst-case
 * delayed ACK when a single segment is in flight (else a 2 ms allowance),
 * 1 s before any RTT sample; never beyond the RTO still to run. */
uint64_t ns_tcp_tlp_pto(uint64_t srtt, uint32_t packets_out,
			uint64_t rto_remaining);

enum tcp_tlp_verdict {
	TCP_TLP_PENDING,   /* no conclusion from this ACK */
	TCP_TLP_NO_LOSS,   /* the probe was not needed: nothing was lost */
	TCP_TLP_RECOVERED, /* the probe repaired a loss: reduce cwnd */
};

/* RFC 8985 7.4 (Linux tcp_process_tlp_ack) on an ACK: ack the cumulative
 * ACK, una_advanced / dupack / sacked_data its kind, and d the D-SACK it
 * carried. Closes the episode on a verdict other than PENDING. */
enum tcp_tlp_verdict ns_tcp_tlp_on_ack(struct tcp_tlp *tlp, uint32_t ack,
				       bool una_advanced, bool sacked_data,
				       const struct tcp_sb_delivery *d);

#endif
