/* TCP segment arrival (RFC 9293 3.10.7): validation and demux, the
 * LISTEN, SYN-SENT and synchronized-state processing with RFC 5961's
 * defences and RFC 7323's PAWS, ACK processing with SACK, RACK-TLP and
 * loss recovery in Linux's shape (tcp_ack, tcp_fastretrans_alert), data
 * and FIN reception, urgent data, TIME_WAIT, and ICMP errors. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>

#include "proto.h"
#include "tcp.h"
#include "netstack/wire.h"
#include "tcp_seq.h"
#include "tcp_syncookie.h"

/* What tcp_ack learned, for the rest of the segment's processing. */
enum {
	ACK_UNA_ADVANCED = 1u << 0,
	ACK_WIN_UPDATE = 1u << 1,
	ACK_DATA_SACKED = 1u << 2,
	ACK_DSACK = 1u << 3,
	ACK_DUP = 1u << 4, /* a duplicate ACK (RFC 5681 2) */
	ACK_OLD = 1u << 5, /* below snd_una */
};

/* ---- Replies to invalid segments --------------------------------------- */

/* Linux tcp_oow_rate_limited: at most one reply per 500 ms to segments
 * outside the window, so an attacker cannot make us echo a flood. */
static bool oow_rate_limited(struct tcp_sock *tp)
{
	uint64_t now = tp->sk.stack->now;
	if (tp->oow_last && now - tp->oow_last < TCP_OOW_RATELIMIT_NS)
		return true;
	tp->oow_last = now;
	return false;
}

/* RFC 5961 3.2, 4.2, 5.2: a challenge ACK, within the per-socket and the
 * stack-wide (RFC 5961 7) limits. */
static void send_challenge_ack(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	struct ns_tcp_stack *ts = tcp_stack(stack);
	if (oow_rate_limited(tp)) {
		TCPX_INC(stack, TCPACKSkippedChallenge);
		return;
	}
	if (stack->now - ts->challenge_stamp >= NS_SEC) {
		ts->challenge_stamp = stack->now;
		ts->challenge_count = 0;
	}
	if (ts->challenge_count++ >= TCP_CHALLENGE_ACK_LIMIT)
		return;
	TCPX_INC(stack, TCPChallengeACK);
	ns_tcp_send_ack(tp);
}

/* RFC 5961 4.2: a SYN in a synchronized state, whatever its sequence
 * number or timestamp, gets a challenge ACK: a plain one, not the D-SACK
 * of a duplicate (Linux tcp_validate_incoming's syn_challenge, which an
 * out-of-window or PAWS-failing SYN reaches as well). A retransmitted SYN
 * in SYN_RECV means our SYN-ACK was lost instead: it is sent again. */
static void challenge_syn(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	if (tp->sk.state == NS_TCP_SYN_RECV && seg->seq == tp->irs &&
	    !(seg->flags & TCPHDR_ACK)) {
		ns_tcp_send_synack(tp);
		return;
	}
	TCPX_INC(tp->sk.stack, TCPSYNChallenge);
	send_challenge_ack(tp);
}

/* Linux tcp_send_dupack: answers an unacceptable segment; old data is
 * reported as D-SACK and brings quick ACKs (the peer is retransmitting). */
static void send_dupack(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	struct ns_stack *stack = tp->sk.stack;
	if (seg->end_seq != seg->seq && seq_lt(seg->seq, tp->rcv_nxt)) {
		TCPX_INC(stack, DelayedACKLost);
		ns_tcp_delack_enter_quick(&tp->delack,
					  ns_tcp_receive_window(&tp->rwin),
					  TCP_MAX_QUICKACKS);
		if (tp->sack_ok) {
			uint32_t end = seq_min(seg->end_seq, tp->rcv_nxt);
			ns_tcp_rcv_dsack(&tp->rsack, seg->seq, end);
			TCPX_INC(stack, TCPDSACKOldSent);
		}
	}
	if (oow_rate_limited(tp)) {
		TCPX_INC(stack, TCPACKSkippedSeq);
		return;
	}
	ns_tcp_send_ack(tp);
}

/* ---- Options ------------------------------------------------------------ */

/* RFC 7323 4.3 / 5.3: remember the peer's timestamp to echo, from a
 * segment that is in order (seq at or before rcv_wup's edge). */
static void store_ts_recent(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	if (!tp->ts_ok || !(seg->opts.present & TCP_OPT_F_TS))
		return;
	if (seq_leq(seg->seq, tp->rwin.rcv_wup) &&
	    (seq_geq(seg->opts.ts_val, tp->ts_recent) ||
	     tp->ts_recent_stamp == 0)) {
		tp->ts_recent = seg->opts.ts_val;
		tp->ts_recent_stamp = tp->sk.stack->now;
	}
}

/* RFC 7323 5.3 R1: a segment whose timestamp is older than TS.Recent is
 * an old duplicate (unless TS.Recent is over 24 days old). A RST is not
 * judged by PAWS (Linux). */
static bool paws_reject(const struct tcp_sock *tp, const struct tcp_seg *seg)
{
	if (!tp->ts_ok || !(seg->opts.present & TCP_OPT_F_TS) ||
	    (seg->flags & TCPHDR_RST) || tp->ts_recent_stamp == 0)
		return false;
	if (seq_geq(seg->opts.ts_val, tp->ts_recent))
		return false;
	return tp->sk.stack->now - tp->ts_recent_stamp < TCP_PAWS_24DAYS_NS;
}

/* What both ends agreed in the handshake (RFC 7323 2.2, 3.2; RFC 2018;
 * RFC 9293 3.7.1): called with the peer's SYN or SYN-ACK options. */
static void negotiate(struct tcp_sock *tp, const struct ns_tcp_opts *o,
		      bool we_offered)
{
	(void)we_offered;
	tp->mss_clamp =
		(o->present & TCP_OPT_F_MSS)
			? o->mss
			: (ns_addr_is_v4(&tp->sk.raddr) ? TCP_DEFAULT_MSS
							: TCP_DEFAULT_MSS6);
	if (tp->user_mss && tp->user_mss < tp->mss_clamp)
		tp->mss_clamp = tp->user_mss;
	/* An option is used when both ends want it; ours are the
	 * net.ipv4.tcp_window_scaling, tcp_sack and tcp_timestamps
	 * settings (Linux tcp_parse_options with their sysctls). */
	const struct ns_sysctl *sys = &tp->sk.stack->sysctl;
	tp->wscale_ok =
		sys->tcp_window_scaling && (o->present & TCP_OPT_F_WSCALE);
	tp->snd_wscale = tp->wscale_ok ? o->wscale : 0;
	if (!tp->wscale_ok)
		tp->rwin.rcv_wscale = 0;
	tp->sack_ok = sys->tcp_sack && (o->present & TCP_OPT_F_SACK_PERM);
	tp->ts_ok = sys->tcp_timestamps && (o->present & TCP_OPT_F_TS);
	if (tp->ts_ok) {
		tp->ts_recent = o->ts_val;
		tp->ts_recent_stamp = tp->sk.stack->now;
	}
}

/* ---- Window ------------------------------------------------------------- */

/* RFC 9293 3.10.7.4 (and Linux tcp_may_update_window): a newer segment
 * updates the send window. */
static uint32_t update_window(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	uint32_t nwin = (uint32_t)seg->wnd << tp->snd_wscale;
	if (seq_gt(seg->ack, tp->snd_una) || seq_gt(seg->seq, tp->snd_wl1) ||
	    (seg->seq == tp->snd_wl1 && (nwin > tp->snd_wnd || nwin == 0))) {
		uint32_t flag = tp->snd_wnd != nwin ? ACK_WIN_UPDATE : 0;
		tp->snd_wl1 = seg->seq;
		if (tp->snd_wnd != nwin) {
			tp->snd_wnd = nwin;
			if (nwin > tp->max_window) {
				/* The segment size follows (Linux
				 * tcp_sync_mss, tcp_bound_to_half_wnd). */
				tp->max_window = nwin;
				ns_tcp_sync_mss(tp);
			}
		}
		return flag;
	}
	return 0;
}

/* ---- RTT ---------------------------------------------------------------- */

static void rtt_from_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
			 const struct tcp_sb_delivery *d, uint64_t *sample)
{
	uint64_t now = tp->sk.stack->now;
	uint64_t rtt = 0;
	bool have = false;
	/* Karn (RFC 6298 3): only never-retransmitted segments; Linux takes
	 * the oldest one newly acknowledged, else the newest SACKed. */
	if (d->first_clean_ns) {
		/* Stamps run ahead of the clock within a tick (tcp_sack.h). */
		rtt = now > d->first_clean_ns ? now - d->first_clean_ns : 0;
		have = true;
	} else if (tp->ts_ok && (seg->opts.present & TCP_OPT_F_TS) &&
		   seg->opts.ts_ecr && d->acked) {
		/* RFC 7323 4.1: the echo is unambiguous. */
		uint32_t ticks =
			ns_tcp_ts_now(now, tp->ts_off) - seg->opts.ts_ecr;
		if (ticks < 0x7fffffffu) {
			/* Within the clock's tick: one tick (Linux
			 * tcp_ack_update_rtt). */
			rtt = (uint64_t)(ticks ? ticks : 1) *
			      (NS_SEC / TCP_TS_HZ);
			have = true;
		}
	}
	/* A sample below the clock's resolution (a zero-delay link, an ACK
	 * in the tick of its segment) is still a sample: RFC 6298 5.7 and
	 * Linux reset the backoff on every valid one, so an ACK of a
	 * retransmission or of a probe's data on loopback ends the backoff
	 * of the timeouts before it. */
	if (have && rtt == 0)
		rtt = 1;
	*sample = rtt;
	if (have)
		ns_tcp_rtt_sample(&tp->rtt, rtt, now);
}

/* ---- Undo (spurious retransmissions) ------------------------------------ */

/* RFC 3522 (Eifel), Linux tcp_packet_delayed: the ACK echoes a timestamp
 * from before the first retransmission, so the original arrived. */
static bool packet_delayed(const struct tcp_sock *tp, const struct tcp_seg *seg)
{
	if (tp->retrans_stamp == 0)
		return true; /* nothing was retransmitted */
	if (!tp->ts_ok || !(seg->opts.present & TCP_OPT_F_TS) ||
	    seg->opts.ts_ecr == 0)
		return false;
	uint32_t stamp = ns_tcp_ts_now(tp->retrans_stamp, tp->ts_off);
	return seq_lt(seg->opts.ts_ecr, stamp);
}

static void undo(struct tcp_sock *tp)
{
	ns_tcp_cc_undo(&tp->cc);
	tp->undo_marker = 0;
	tp->retrans_stamp = 0;
}

/* ---- Loss recovery ------------------------------------------------------ */

static void enter_recovery(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	if (tp->sack_ok)
		TCPX_INC(stack, TCPSackRecovery);
	else
		TCPX_INC(stack, TCPRenoRecovery);
	tp->high_seq = tp->snd_nxt;
	tp->undo_marker = tp->snd_una;
	tp->undo_retrans = 0;
	tp->retrans_stamp = 0;
	if (tp->cc.state == NS_CA_CWR) {
		/* Already reducing: keep going without a second cut. */
		tp->cc.state = NS_CA_RECOVERY;
	} else {
		ns_tcp_cc_enter_recovery(&tp->cc, false);
	}
}

/* The state after an episode ends: Open, or Disorder while SACKs or
 * duplicate ACKs say something is amiss. */
static void try_open(struct tcp_sock *tp)
{
	enum ns_ca_state s = tp->sb.sacked_out || tp->reno_dupacks
				     ? NS_CA_DISORDER
				     : NS_CA_OPEN;
	ns_tcp_cc_set_state(&tp->cc, s);
}

/* Non-SACK loss detection (RFC 5681 3.2, RFC 6582): three duplicate ACKs
 * mark the first unacknowledged segment lost; in recovery every partial
 * ACK marks the next one. */
static uint32_t reno_detect(struct tcp_sock *tp, uint32_t flag)
{
	struct tcp_sb *sb = &tp->sb;
	if (sb->count == 0)
		return 0;
	bool mark = false;
	if (tp->cc.state < NS_CA_RECOVERY && tp->reno_dupacks >= 3)
		mark = true;
	else if (tp->cc.state == NS_CA_RECOVERY && (flag & ACK_UNA_ADVANCED) &&
		 seq_lt(tp->snd_una, tp->high_seq))
		mark = true;
	if (!mark || (ns_tcp_sb_at(sb, 0)->flags & TCP_REC_LOST))
		return 0;
	ns_tcp_sb_mark_lost(sb, 0);
	return 1;
}

static void arm_reo_timer(struct tcp_sock *tp, uint64_t timeout)
{
	/* Linux adds a 2 ms allowance (TCP_TIMEOUT_MIN) to the wait. */
	ns_tcp_rtx_arm(tp, TCP_RTX_REO,
		       tp->sk.stack->now + timeout + 2 * NS_MSEC);
}

/* RACK on the SACK scoreboard (RFC 8985 6.2 step 5). On an ACK only when
 * it delivered something (Linux tcp_rack_mark_lost): a duplicate ACK
 * with nothing new, such as a receiver's answer to each retransmission
 * it drops, must not mark the retransmission lost again, which over a
 * path faster than the clock's resolution would retransmit it once per
 * duplicate; the reordering timer (timer) always looks. */
static uint32_t rack_detect(struct tcp_sock *tp, bool timer)
{
	bool in_rec = tp->cc.state >= NS_CA_RECOVERY;
	if (!timer && !tp->rack.advanced)
		return 0;
	tp->rack.advanced = false;
	if (!in_rec && tp->sb.sacked_out == 0)
		return 0;
	uint64_t reo =
		ns_tcp_rack_reo_wnd(&tp->rack, &tp->sb, in_rec,
				    ns_tcp_rtt_min(&tp->rtt), tp->rtt.srtt);
	uint64_t timeout;
	uint32_t lost = ns_tcp_rack_detect_loss(
		&tp->rack, &tp->sb, tp->sk.stack->now, reo, &timeout);
	if (timeout)
		arm_reo_timer(tp, timeout);
	return lost;
}

/* The RACK reordering timer fired (RFC 8985 6.3). */
void ns_tcp_rack_timeout(struct tcp_sock *tp)
{
	uint32_t lost = rack_detect(tp, true);
	if (lost && tp->cc.state < NS_CA_RECOVERY)
		enter_recovery(tp);
	ns_tcp_push(tp);
	ns_tcp_rearm_rto(tp);
}

/* Linux tcp_fastretrans_alert, condensed: detect losses, move between
 * Open / Disorder / Recovery / Loss / CWR, undo spurious reductions, and
 * set cwnd for this ACK. */
static void recovery(struct tcp_sock *tp, const struct tcp_seg *seg,
		     uint32_t flag, const struct tcp_sb_delivery *d,
		     uint32_t delivered, uint32_t prior_in_flight, uint64_t rtt)
{
	struct ns_stack *stack = tp->sk.stack;
	struct tcp_cc *cc = &tp->cc;
	uint32_t newly_lost =
		tp->sack_ok ? rack_detect(tp, false) : reno_detect(tp, flag);
	if (d->dsack && tp->undo_marker && tp->undo_retrans > 0 &&
	    seq_gt(d->dsack_range.end, tp->undo_marker))
		tp->undo_retrans--;

	/* Ends of episodes. */
	bool past = seq_geq(tp->snd_una, tp->high_seq);
	switch (cc->state) {
	case NS_CA_RECOVERY:
		if (tp->undo_marker && tp->undo_retrans == 0 &&
		    tp->retrans_stamp && d->dsack) {
			/* Every retransmission came back as a duplicate. */
			TCPX_INC(stack, TCPDSACKUndo);
			undo(tp);
		} else if (past) {
			if (tp->undo_marker && packet_delayed(tp, seg) &&
			    tp->retrans_stamp) {
				TCPX_INC(stack, TCPFullUndo);
				undo(tp);
			} else {
				ns_tcp_cc_end_recovery(cc);
			}
			ns_tcp_rack_recovery_done(&tp->rack);
			tp->undo_marker = 0;
			try_open(tp);
		}
		break;
	case NS_CA_LOSS:
		if (tp->undo_marker && (flag & ACK_UNA_ADVANCED) &&
		    packet_delayed(tp, seg)) {
			/* The timeout was spurious (RFC 3522). */
			TCPX_INC(stack, TCPLossUndo);
			TCPX_INC(stack, TCPSpuriousRTOs);
			undo(tp);
			try_open(tp);
		} else if (past) {
			ns_tcp_rack_recovery_done(&tp->rack);
			tp->undo_marker = 0;
			try_open(tp);
		}
		break;
	case NS_CA_CWR:
		if (past) {
			ns_tcp_cc_end_recovery(cc);
			try_open(tp);
		}
		break;
	default:
		try_open(tp);
		break;
	}
	if ((newly_lost || tp->sb.lost_out) && cc->state < NS_CA_RECOVERY)
		enter_recovery(tp);

	/* The window for what this ACK allows. */
	struct tcp_cc_ack a = { .now = stack->now,
				.acked = delivered,
				.rtt = rtt,
				.snd_una = tp->snd_una,
				.snd_nxt = tp->snd_nxt };
	if (rtt && cc->ops->pkts_acked)
		cc->ops->pkts_acked(cc, &a);
	uint32_t in_flight = ns_tcp_sb_in_flight(&tp->sb) - tp->reno_dupacks;
	if (tp->reno_dupacks > ns_tcp_sb_in_flight(&tp->sb))
		in_flight = 0;
	if (cc->state == NS_CA_RECOVERY || cc->state == NS_CA_CWR) {
		ns_tcp_cc_prr(cc, delivered, in_flight, flag & ACK_UNA_ADVANCED,
			      newly_lost > 0);
	} else if ((flag & ACK_UNA_ADVANCED) && delivered && tp->cwnd_limited) {
		/* RFC 5681: the window grows with data acknowledged in
		 * order (Linux tcp_may_raise_cwnd), and RFC 7661: only a
		 * window that was used. */
		ns_tcp_cc_cong_avoid(cc, &a);
	}
	(void)prior_in_flight;
}

/* ---- ACK processing ------------------------------------------------------ */

/* The TLP episode's verdict (RFC 8985 7.4). */
static void tlp_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
		    uint32_t flag, const struct tcp_sb_delivery *d)
{
	enum tcp_tlp_verdict v =
		ns_tcp_tlp_on_ack(&tp->tlp, seg->ack, flag & ACK_UNA_ADVANCED,
				  flag & ACK_DATA_SACKED, d);
	if (v == TCP_TLP_RECOVERED) {
		/* The probe repaired a loss: reduce as for a loss, at once. */
		TCPX_INC(tp->sk.stack, TCPLossProbeRecovery);
		if (tp->cc.state < NS_CA_CWR) {
			ns_tcp_cc_enter_recovery(&tp->cc, true);
			ns_tcp_cc_end_recovery(&tp->cc);
		}
	}
}

/* Linux tcp_ack_probe: an ACK while nothing is in flight and data waits
 * for the window. When the window now takes the next segment, the persist
 * state ends (no backoff carries over to the data's RTO; the push that
 * follows sends it); otherwise the next probe is due a backed-off timeout
 * from this ACK. */
static void ack_probe(struct tcp_sock *tp)
{
	uint32_t unsent = tp->sndq.end_seq - tp->snd_nxt;
	uint32_t need = tp->mss_cache;
	if (unsent < need)
		need = unsent;
	if (need == 0)
		need = 1; /* a FIN alone needs a byte of window */
	uint32_t wnd_end = tp->snd_una + tp->snd_wnd;
	if (seq_geq(wnd_end, tp->snd_nxt + need)) {
		tp->rtt.backoff = 0;
		if (tp->rtx_kind == TCP_RTX_PROBE0)
			ns_tcp_rtx_cancel(tp);
		return;
	}
	ns_tcp_rtx_arm(tp, TCP_RTX_PROBE0,
		       tp->sk.stack->now + ns_tcp_rtt_timeout(&tp->rtt));
}

/* Linux tcp_ack. Returns false when the segment must be dropped. */
static bool tcp_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
		    uint32_t *flagp)
{
	struct ns_stack *stack = tp->sk.stack;
	uint32_t prior_una = tp->snd_una;
	uint32_t prior_packets = tp->sb.count;
	uint32_t flag = 0;
	/* RFC 9293 3.10.7.4 / RFC 5961 5.2: an ACK of data not yet sent. */
	if (seq_gt(seg->ack, tp->snd_nxt)) {
		send_challenge_ack(tp);
		return false;
	}
	if (seq_lt(seg->ack, prior_una)) {
		/* RFC 5961 5.2: acceptable only within the window before
		 * snd_una; older is blind injection. */
		uint32_t max_win = tp->max_window ? tp->max_window : 65535;
		if (seq_lt(seg->ack, prior_una - max_win)) {
			send_challenge_ack(tp);
			return false;
		}
		flag |= ACK_OLD;
	}
	struct tcp_sb_delivery d = { 0 };
	uint32_t prior_in_flight = ns_tcp_sb_in_flight(&tp->sb);
	uint32_t prior_sacked = tp->sb.sacked_out;
	if (!(flag & ACK_OLD)) {
		if (seq_gt(seg->ack, prior_una))
			flag |= ACK_UNA_ADVANCED;
		flag |= update_window(tp, seg);
		ns_tcp_sb_ack(&tp->sb, seg->ack, &d);
	}
	if (tp->sack_ok && (seg->opts.present & TCP_OPT_F_SACK)) {
		uint32_t una = seq_max(seg->ack, tp->snd_una);
		ns_tcp_sb_sack(&tp->sb, una, tp->snd_nxt, seg->opts.sack,
			       seg->opts.nsack, &d);
		if (d.invalid_blocks)
			TCPX_ADD(stack, TCPSACKDiscard, d.invalid_blocks);
		if (d.dsack) {
			TCPX_INC(stack, TCPDSACKRecv);
			tp->dsack_dups++;
			flag |= ACK_DSACK;
		}
		if (d.sacked)
			flag |= ACK_DATA_SACKED;
		if (d.reordered) {
			TCPX_INC(stack, TCPSACKReorder);
			tp->reord_seen++;
		}
	}
	if (flag & ACK_OLD)
		return true;
	/* Linux tcp_ack: any ACK that is not old shows the peer alive,
	 * answering keepalive and zero-window probes included. */
	tp->probes_out = 0;
	tp->rcv_tstamp = stack->now;
	if (flag & ACK_UNA_ADVANCED) {
		uint32_t acked_bytes = seg->ack - prior_una;
		tp->bytes_acked += acked_bytes;
		tp->snd_una = seg->ack;
		/* The FIN has no byte in the send buffer. */
		ns_tcp_sndbuf_ack(&tp->sndq,
				  seq_min(seg->ack, tp->sndq.end_seq));
		tp->retransmits = 0;
		if (tp->reno_dupacks) {
			/* One ACK fills the hole, the rest were duplicates. */
			tp->reno_dupacks = d.acked > tp->reno_dupacks
						   ? 0
						   : tp->reno_dupacks - d.acked;
		}
		if (d.ever_retrans && tp->cc.state != NS_CA_LOSS &&
		    tp->cc.state != NS_CA_RECOVERY)
			tp->retrans_stamp = 0;
	} else if (!tp->sack_ok && seg->len == 0 &&
		   !(seg->flags & (TCPHDR_SYN | TCPHDR_FIN)) &&
		   !(flag & ACK_WIN_UPDATE) && tp->sb.count > 0) {
		/* RFC 5681 2 duplicate ACK; emulates a SACK for pipe. After
		 * a timeout it says that data sent since left the network
		 * only if some was (Linux tcp_process_loss): the duplicates
		 * a receiver sends for the retransmissions it drops must not
		 * clock out the rest of the window, one segment per
		 * duplicate, at the speed of the path. */
		flag |= ACK_DUP;
		if (tp->reno_dupacks + 1 < tp->sb.count &&
		    (tp->cc.state != NS_CA_LOSS ||
		     seq_gt(tp->snd_nxt, tp->high_seq)))
			tp->reno_dupacks++;
	}
	if (seq_gt(seg->ack, prior_una) || d.sacked)
		tp->delivered += d.acked + d.sacked;
	TCPX_ADD(stack, TCPDelivered, d.acked + d.sacked);
	uint64_t rtt = 0;
	if (flag & ACK_UNA_ADVANCED)
		rtt_from_ack(tp, seg, &d, &rtt);
	if (tp->sack_ok)
		ns_tcp_rack_on_ack(&tp->rack, &d, stack->now,
				   ns_tcp_rtt_min(&tp->rtt), tp->snd_una,
				   tp->snd_nxt);
	uint32_t delivered = d.acked + d.sacked;
	if (flag & ACK_DUP)
		delivered++;
	(void)prior_sacked;
	recovery(tp, seg, flag, &d, delivered, prior_in_flight, rtt);
	tlp_ack(tp, seg, flag, &d);
	if (prior_packets == 0 && ns_tcp_data_waiting(tp))
		ack_probe(tp);
	else if (tp->snd_una == tp->snd_nxt || (flag & ACK_UNA_ADVANCED))
		ns_tcp_rearm_rto(tp);
	if (flag & ACK_UNA_ADVANCED) {
		ns_tcp_sndbuf_expand(tp);
		ns_tcp_check_space(tp);
	}
	if (seg->len == 0 && !(flag & ACK_DSACK))
		TCPX_INC(stack, TCPPureAcks);
	else if (flag & ACK_UNA_ADVANCED)
		TCPX_INC(stack, TCPHPAcks);
	*flagp = flag;
	return true;
}

/* ---- Urgent data (RFC 9293 3.8.5, RFC 6093, Linux tcp_urg) ------------- */

static void check_urg(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	/* Linux's interpretation (RFC 6093 3): the pointer points after the
	 * urgent byte. */
	uint32_t ptr = seg->seq + seg->urg - 1;
	if (seg->urg == 0)
		return;
	/* Linux tcp_check_urg: a pointer to data already received is
	 * old news, and one before what the user read too. */
	if (seq_lt(ptr, tp->rcv_nxt) || seq_lt(ptr, tp->copied_seq) ||
	    ((tp->urg_data & (TCP_URG_VALID | TCP_URG_NOTYET)) &&
	     !seq_gt(ptr, tp->urg_seq)))
		return;
	if (!(tp->sk.opt & NS_SO_OOBINLINE) && tp->urg_seq == tp->copied_seq &&
	    (tp->urg_data & TCP_URG_VALID) && tp->rcvq.inq.bytes) {
		/* The old urgent byte is the next to read: drop it so the
		 * stream moves past it (Linux). */
		ns_tcp_rcvq_skip(&tp->rcvq, 1);
		tp->copied_seq++;
	}
	tp->urg_data = TCP_URG_NOTYET;
	tp->urg_seq = ptr;
	ns_sock_wake(&tp->sk, EPOLLPRI);
}

/* The urgent byte arrived in this in-order segment: keep a copy. */
static void urg_capture(struct tcp_sock *tp, struct ns_pkt *pkt, uint32_t seq)
{
	if (!(tp->urg_data & TCP_URG_NOTYET))
		return;
	uint32_t off = tp->urg_seq - seq;
	if (off < pkt->len) {
		uint8_t byte;
		ns_pkt_copy_out(pkt, off, &byte, 1);
		tp->urg_data = TCP_URG_VALID | byte;
		ns_sock_wake(&tp->sk, EPOLLPRI);
	}
}

/* ---- Data ----------------------------------------------------------------- */

static uint32_t rcv_free_space(const struct tcp_sock *tp)
{
	int64_t free = (int64_t)tp->sk.rcvbuf - tp->rcvq.mem;
	return free > 0 ? ns_tcp_win_from_space((uint32_t)free) : 0;
}

/* Room for pkt in the receive buffer, pruning the out-of-order queue
 * first (Linux tcp_try_rmem_schedule / tcp_prune_queue). As Linux, the
 * buffer takes a packet while what it holds is within the limit (it may
 * end up over it by that one packet): a receiver whose buffer holds less
 * than the window it offered still takes the window's data in order. */
static bool rmem_schedule(struct tcp_sock *tp, const struct ns_pkt *pkt)
{
	uint32_t need = ns_tcp_truesize(pkt);
	uint32_t limit = (uint32_t)tp->sk.rcvbuf;
	if (tp->rcvq.mem <= limit)
		return true;
	struct ns_stack *stack = tp->sk.stack;
	TCPX_INC(stack, PruneCalled);
	/* Linux tcp_prune_queue: first compact what is in order, then give
	 * up out-of-order data from the top. */
	if (ns_tcp_rcvq_collapse(&tp->rcvq))
		TCPX_INC(stack, TCPRcvCollapsed);
	if (tp->rcvq.mem <= limit)
		return true;
	if (tp->rcvq.ofo_head) {
		uint32_t n = ns_tcp_ofo_prune(
			&tp->rcvq, limit > need ? limit - need : 0, &tp->rsack);
		if (n)
			TCPX_INC(stack, OfoPruned);
	}
	return tp->rcvq.mem <= limit;
}

static bool fin_received(struct tcp_sock *tp);

/* The receiver's RTT for buffer auto-tuning (Linux tcp_rcv_rtt_measure
 * and _ts): from the echo of our timestamp on full-sized segments, else
 * from how long a window's worth of data takes. */
static void rcv_rtt_measure(struct tcp_sock *tp, const struct tcp_seg *seg,
			    uint32_t len)
{
	uint64_t now = tp->sk.stack->now;
	if (!tp->ts_ok) {
		ns_tcp_rcv_rtt_measure(&tp->tune, tp->rcv_nxt, tp->rwin.rcv_wnd,
				       now);
		return;
	}
	uint32_t ecr = seg->opts.ts_ecr;
	if (!(seg->opts.present & TCP_OPT_F_TS) || ecr == 0 ||
	    ecr == tp->rcv_rtt_last_tsecr)
		return;
	tp->rcv_rtt_last_tsecr = ecr;
	if (len < tp->delack.rcv_mss)
		return;
	uint32_t ticks = ns_tcp_ts_now(now, tp->ts_off) - ecr;
	if (ticks >= 0x7fffffffu / 1000)
		return;
	if (ticks == 0)
		ticks = 1; /* below the clock's resolution */
	ns_tcp_rcv_rtt_sample(&tp->tune, (uint64_t)ticks * NS_MSEC);
}

/* In-order data of seg (already trimmed to start at rcv_nxt). Returns
 * true when the socket is gone (its FIN ended an orphan). */
static bool queue_in_order(struct tcp_sock *tp, struct tcp_seg *seg)
{
	struct ns_stack *stack = tp->sk.stack;
	struct ns_pkt *pkt = seg->pkt;
	seg->pkt = NULL;
	uint32_t len = pkt->len;
	struct tcp_cb *cb = ns_tcp_cb(pkt);
	cb->seq = tp->rcv_nxt;
	cb->end_seq = tp->rcv_nxt + len + (seg->flags & TCPHDR_FIN ? 1 : 0);
	cb->fin = (seg->flags & TCPHDR_FIN) != 0;
	urg_capture(tp, pkt, cb->seq);
	uint32_t before = tp->rcvq.inq.count;
	ns_tcp_rcvq_queue(&tp->rcvq, pkt);
	if (len && tp->rcvq.inq.count == before)
		TCPX_INC(stack, TCPRcvCoalesce);
	tp->rcv_nxt += len;
	tp->bytes_received += len;
	bool fin = seg->flags & TCPHDR_FIN;
	if (fin) {
		tp->rcv_nxt++;
		ns_tcp_ofo_purge(&tp->rcvq, &tp->rsack);
	} else if (tp->rcvq.ofo_head) {
		fin = ns_tcp_ofo_drain(&tp->rcvq, &tp->rcv_nxt, &tp->rsack);
	}
	tp->rwin.rcv_nxt = tp->rcv_nxt;
	if (len) {
		ns_tcp_delack_data(&tp->delack, len, len + seg->hdr_len,
				   TCP_HDR_LEN + (tp->ts_ok ? TCP_TS_LEN : 0),
				   tp->advmss, seg->flags & TCPHDR_PSH,
				   ns_tcp_receive_window(&tp->rwin),
				   ns_tcp_rtt_timeout(&tp->rtt), stack->now);
		rcv_rtt_measure(tp, seg, len);
		ns_tcp_grow_rcv_ssthresh(&tp->rwin, len, tp->delack.rcv_mss,
					 rcv_free_space(tp));
		ns_sock_wake(&tp->sk, EPOLLIN | EPOLLRDNORM);
	}
	return fin && fin_received(tp);
}

/* Linux tcp_data_queue: in order, old, out of order, or beyond the
 * window. Returns true when the socket is gone. */
static bool data_queue(struct tcp_sock *tp, struct tcp_seg *seg)
{
	struct ns_stack *stack = tp->sk.stack;
	uint32_t seq = seg->seq + ((seg->flags & TCPHDR_SYN) ? 1 : 0);
	uint32_t end = seg->end_seq;
	if (seq == end)
		return false; /* nothing but an ACK */
	tp->data_segs_in++;
	if (seq_leq(end, tp->rcv_nxt)) {
		/* Wholly old: a retransmission we already have. */
		TCPX_INC(stack, DelayedACKLost);
		if (tp->sack_ok) {
			ns_tcp_rcv_dsack(&tp->rsack, seq, end);
			TCPX_INC(stack, TCPDSACKOldSent);
		}
		ns_tcp_delack_enter_quick(&tp->delack,
					  ns_tcp_receive_window(&tp->rwin),
					  TCP_MAX_QUICKACKS);
		tp->delack.pending |= TCP_ACK_NOW;
		return false;
	}
	uint32_t win_end = tp->rwin.rcv_nxt + ns_tcp_receive_window(&tp->rwin);
	if (seq_geq(seq, win_end) && seg->len) {
		/* Beyond the window (e.g. a zero-window probe with data). */
		TCPX_INC(stack, TCPZeroWindowDrop);
		ns_tcp_delack_enter_quick(&tp->delack, 0, TCP_MAX_QUICKACKS);
		tp->delack.pending |= TCP_ACK_NOW;
		return false;
	}
	if (seq_leq(seq, tp->rcv_nxt)) {
		/* In order, perhaps with an old head to cut. */
		if (ns_tcp_receive_window(&tp->rwin) == 0 && seg->len) {
			TCPX_INC(stack, TCPZeroWindowDrop);
			tp->delack.pending |= TCP_ACK_NOW;
			return false;
		}
		uint32_t old = tp->rcv_nxt - seq;
		if (old) {
			if (tp->sack_ok)
				ns_tcp_rcv_dsack(&tp->rsack, seq, tp->rcv_nxt);
			ns_pkt_pull(seg->pkt, old);
		}
		/* Data beyond the window's right edge is cut (RFC 9293
		 * 3.10.7.4: trim to the window). */
		uint32_t room = win_end - tp->rcv_nxt;
		if (seg->pkt->len > room) {
			ns_pkt_trim(seg->pkt, room);
			seg->flags &= (uint8_t)~TCPHDR_FIN;
		}
		/* Linux tcp_data_queue: with nothing queued for the reader,
		 * an in-order segment is taken whatever the buffer says
		 * (sk_forced_mem_schedule): dropping it could not be undone
		 * by reading, and a buffer shrunk below the window already
		 * offered (SO_RCVBUF after the handshake) would turn every
		 * retransmission into another drop. */
		if (!rmem_schedule(tp, seg->pkt) && tp->rcvq.inq.bytes &&
		    seg->pkt->len) {
			TCPX_INC(stack, TCPRcvQDrop);
			tp->delack.pending |= TCP_ACK_NOW;
			return false;
		}
		bool had_ofo = tp->rcvq.ofo_head != NULL;
		if (queue_in_order(tp, seg))
			return true;
		/* A hole filled: tell the sender at once (RFC 5681 4.2). */
		if (had_ofo)
			tp->delack.pending |= TCP_ACK_NOW;
		return false;
	}
	/* Out of order (RFC 9293 3.10.7.4: keep it, ACK now). */
	if (!rmem_schedule(tp, seg->pkt)) {
		TCPX_INC(stack, TCPOFODrop);
		tp->delack.pending |= TCP_ACK_NOW;
		return false;
	}
	struct ns_pkt *pkt = seg->pkt;
	seg->pkt = NULL;
	if (pkt->len > win_end - seq) {
		ns_pkt_trim(pkt, win_end - seq);
		seg->flags &= (uint8_t)~TCPHDR_FIN;
	}
	struct tcp_cb *cb = ns_tcp_cb(pkt);
	cb->seq = seq;
	cb->fin = (seg->flags & TCPHDR_FIN) != 0;
	cb->end_seq = seq + pkt->len + cb->fin;
	TCPX_INC(stack, TCPOFOQueue);
	tp->rcv_ooopack++;
	bool dsack_before = tp->rsack.has_dsack;
	ns_tcp_ofo_insert(&tp->rcvq, pkt, &tp->rsack);
	if (tp->rsack.has_dsack && !dsack_before)
		TCPX_INC(stack, TCPDSACKOfoSent);
	if (!tp->sack_ok) {
		tp->rsack.nblocks = 0;
		tp->rsack.has_dsack = false;
	}
	tp->delack.pending |= TCP_ACK_NOW;
	return false;
}

/* RFC 9293 3.10.7.4 eighth: the FIN is in order. Returns true when the
 * socket is gone (an orphan reached TIME_WAIT). */
static bool fin_received(struct tcp_sock *tp)
{
	struct ns_sock *sk = &tp->sk;
	sk->shutdown |= NS_SHUT_RD;
	tp->delack.pending |= TCP_ACK_SCHED;
	switch (sk->state) {
	case NS_TCP_SYN_RECV:
	case NS_TCP_ESTABLISHED:
		ns_tcp_set_state(tp, NS_TCP_CLOSE_WAIT);
		/* The answer (data, FIN) likely follows: let it carry the
		 * ACK (Linux enters ping-pong mode here). */
		tp->delack.pingpong = TCP_PINGPONG_THRESH;
		break;
	case NS_TCP_FIN_WAIT1:
		/* Our FIN is not acknowledged yet: simultaneous close. */
		tp->delack.pending |= TCP_ACK_NOW;
		ns_tcp_set_state(tp, NS_TCP_CLOSING);
		break;
	case NS_TCP_FIN_WAIT2: {
		bool orphan = sk->user_closed;
		ns_tcp_send_ack(tp);
		ns_tcp_time_wait(tp, false);
		if (orphan)
			return true;
		break;
	}
	default:
		break;
	}
	ns_sock_wake(sk, EPOLLIN | EPOLLRDNORM | EPOLLRDHUP);
	return false;
}

/* ---- Synchronized states -------------------------------------------------- */

/* RFC 9293 3.10.7.4 fourth (RST) with RFC 5961 3.2. Returns true when
 * the segment was consumed. */
static bool check_rst(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	int state = tp->sk.state;
	bool exact = seg->seq == tp->rcv_nxt ||
		     (seg->seq == tp->rcv_nxt - 1 &&
		      (state == NS_TCP_CLOSE_WAIT || state == NS_TCP_LAST_ACK ||
		       state == NS_TCP_CLOSING));
	if (!exact) {
		send_challenge_ack(tp);
		return true;
	}
	/* Linux tcp_reset: EPIPE in CLOSE_WAIT, ECONNRESET in every other
	 * synchronized state (SYN_RECV of a simultaneous open, CLOSING and
	 * LAST_ACK included, where RFC 9293 reports nothing). */
	if (state == NS_TCP_SYN_RECV && tp->parent) {
		/* RFC 9293: a passive open returns to LISTEN; the child
		 * just goes. */
		ns_tcp_done(tp);
		return true;
	}
	ns_tcp_reset(tp, state == NS_TCP_CLOSE_WAIT ? EPIPE : ECONNRESET);
	return true;
}

/* SYN_RECV's ACK: the handshake completes (RFC 9293 3.10.7.4 fifth). */
static bool synrecv_ack(struct tcp_sock *tp, struct tcp_seg *seg)
{
	struct ns_stack *stack = tp->sk.stack;
	if (!seq_gt(seg->ack, tp->snd_una) || seq_gt(seg->ack, tp->snd_nxt)) {
		/* Not for our SYN-ACK: <SEQ=SEG.ACK><CTL=RST>. */
		ns_tcp_send_reset(stack, seg);
		return false;
	}
	if (tp->parent && tp->defer_accept && seg->len == 0 &&
	    !(seg->flags & TCPHDR_FIN) && tp->syn_retries < tp->defer_accept) {
		/* TCP_DEFER_ACCEPT: a bare ACK does not wake the listener;
		 * wait for data (or the SYN-ACK retransmissions' limit). */
		TCPX_INC(stack, TCPDeferAcceptDrop);
		tp->defer_pending = true;
		return false;
	}
	if (tp->parent &&
	    tp->parent->lst->acceptq_len > tp->parent->lst->backlog) {
		/* The accept queue is full (Linux, tcp_abort_on_overflow 0):
		 * drop the ACK; the SYN-ACK's retransmission asks for it
		 * again when there may be room. */
		TCPX_INC(stack, ListenOverflows);
		TCPX_INC(stack, ListenDrops);
		return false;
	}
	tp->snd_una = seg->ack;
	tp->snd_wnd = (uint32_t)seg->wnd << tp->snd_wscale;
	tp->max_window = tp->snd_wnd;
	tp->snd_wl1 = seg->seq;
	tp->rcv_tstamp = stack->now;
	ns_tcp_rtx_cancel(tp);
	if (tp->syn_retries == 0 && tp->lsndtime)
		ns_tcp_rtt_sample(&tp->rtt, stack->now - tp->lsndtime,
				  stack->now);
	ns_tcp_set_state(tp, NS_TCP_ESTABLISHED);
	ns_tcp_init_connection(tp);
	if (tp->parent) {
		TCP_INC(stack, PassiveOpens);
		ns_tcp_child_established(tp);
	}
	ns_sock_wake(&tp->sk, EPOLLOUT | EPOLLWRNORM);
	return true;
}

/* Our FIN's sequence number was acknowledged. */
static bool fin_acked(const struct tcp_sock *tp)
{
	return tp->fin_sent && tp->snd_una == tp->sndq.end_seq + 1;
}

/* Our FIN was acknowledged in FIN_WAIT_1. An orphan waits for the peer's
 * FIN in a TIME_WAIT record (Linux tcp_time_wait(TCP_FIN_WAIT2)) unless
 * that FIN came with this very ACK: then the socket stays to process it
 * (Linux, "we could lose such FIN otherwise"). Returns true when the
 * socket is gone. */
static bool enter_fin_wait2(struct tcp_sock *tp, bool fin_follows)
{
	ns_tcp_set_state(tp, NS_TCP_FIN_WAIT2);
	tp->sk.shutdown |= NS_SHUT_WR;
	ns_sock_wake(&tp->sk, EPOLLOUT | EPOLLHUP);
	if (!tp->sk.user_closed || fin_follows)
		return false;
	if (tp->linger2 < 0) {
		TCPX_INC(tp->sk.stack, TCPAbortOnLinger);
		ns_tcp_send_active_reset(tp);
		ns_tcp_done(tp);
		return true;
	}
	ns_tcp_time_wait(tp, true);
	return true;
}

/* RFC 9293 3.10.7.4 for SYN_RECV and the synchronized states. Consumes
 * seg->pkt when it keeps it. */
static void rcv_state(struct tcp_sock *tp, struct tcp_seg *seg)
{
	struct ns_stack *stack = tp->sk.stack;
	tp->segs_in++;
	tp->lrcvtime = stack->now;
	if (paws_reject(tp, seg)) {
		if (seg->flags & TCPHDR_SYN) {
			challenge_syn(tp, seg);
			return;
		}
		TCPX_INC(stack, PAWSEstab);
		send_dupack(tp, seg);
		return;
	}
	/* First: the sequence number (Linux tcp_sequence: the segment must
	 * overlap [rcv_wup, rcv_nxt + window]). */
	uint32_t win = ns_tcp_receive_window(&tp->rwin);
	if (seq_lt(seg->end_seq, tp->rwin.rcv_wup) ||
	    seq_gt(seg->seq, tp->rcv_nxt + win)) {
		if (seg->flags & TCPHDR_RST)
			return;
		if (seg->flags & TCPHDR_SYN)
			challenge_syn(tp, seg);
		else
			send_dupack(tp, seg);
		return;
	}
	if (seg->flags & TCPHDR_RST) {
		check_rst(tp, seg);
		return;
	}
	if (seg->flags & TCPHDR_SYN) {
		if (tp->sk.state == NS_TCP_SYN_RECV && !tp->parent &&
		    (seg->flags & TCPHDR_ACK) && seg->seq + 1 == tp->rcv_nxt &&
		    seg->ack == tp->snd_nxt) {
			/* Simultaneous open: the peer's SYN-ACK acknowledges
			 * our SYN (Linux tcp_validate_incoming lets it
			 * through as an ACK). */
			seg->flags &= (uint8_t)~TCPHDR_SYN;
			seg->seq++;
		} else {
			challenge_syn(tp, seg);
			return;
		}
	}
	if (!(seg->flags & TCPHDR_ACK))
		return;
	store_ts_recent(tp, seg);
	uint32_t flag = 0;
	if (tp->sk.state == NS_TCP_SYN_RECV) {
		if (!synrecv_ack(tp, seg))
			return;
		if (tp->sk.state != NS_TCP_ESTABLISHED)
			return;
	} else if (!tcp_ack(tp, seg, &flag)) {
		return;
	}
	switch (tp->sk.state) {
	case NS_TCP_FIN_WAIT1:
		if (fin_acked(tp) &&
		    enter_fin_wait2(tp, seg->flags & TCPHDR_FIN))
			return;
		break;
	case NS_TCP_CLOSING:
		if (fin_acked(tp)) {
			ns_tcp_time_wait(tp, false);
			return;
		}
		break;
	case NS_TCP_LAST_ACK:
		if (fin_acked(tp)) {
			ns_tcp_done(tp);
			return;
		}
		break;
	default:
		break;
	}
	if (seg->flags & TCPHDR_URG)
		check_urg(tp, seg);
	/* Seventh and eighth: text and FIN, in states that still receive. */
	int st = tp->sk.state;
	if (st == NS_TCP_ESTABLISHED || st == NS_TCP_FIN_WAIT1 ||
	    st == NS_TCP_FIN_WAIT2 || st == NS_TCP_SYN_RECV) {
		if ((tp->sk.shutdown & NS_SHUT_RD) &&
		    (st == NS_TCP_FIN_WAIT1 || st == NS_TCP_FIN_WAIT2) &&
		    seg->len &&
		    seq_gt(seg->end_seq - (seg->flags & TCPHDR_FIN ? 1 : 0),
			   tp->rcv_nxt)) {
			/* RFC 1122 4.2.2.13: new data for a socket that will
			 * not read any more (closed, or shut down for
			 * reading, once it sent its FIN) is answered with a
			 * reset, and the connection ends (Linux
			 * tcp_rcv_state_process: tcp_reset, then a RST in
			 * reply to the segment, TCPAbortOnData). */
			TCPX_INC(stack, TCPAbortOnData);
			ns_tcp_send_reset(stack, seg);
			ns_tcp_reset(tp, ECONNRESET);
			return;
		}
		if (data_queue(tp, seg) || tp->sk.state == NS_TCP_CLOSE)
			return;
	}
	/* Whatever the ACK and the window allow now goes out, then the ACK
	 * we owe, unless data already carried it. Sending may bring the
	 * unsent bytes under TCP_NOTSENT_LOWAT (Linux tcp_data_snd_check). */
	ns_tcp_push(tp);
	if (tp->notsent_lowat)
		ns_tcp_check_space(tp);
	if (tp->delack.pending & TCP_ACK_SCHED ||
	    tp->delack.pending & TCP_ACK_NOW)
		ns_tcp_ack_check(tp);
	(void)flag;
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ----------------------------------------- */

static void synsent_rcv(struct tcp_sock *tp, struct tcp_seg *seg)
{
	struct ns_stack *stack = tp->sk.stack;
	bool ack_ok = false;
	if (seg->flags & TCPHDR_ACK) {
		if (!seq_gt(seg->ack, tp->iss) ||
		    seq_gt(seg->ack, tp->snd_nxt)) {
			if (!(seg->flags & TCPHDR_RST))
				ns_tcp_send_reset(stack, seg);
			return;
		}
		ack_ok = true;
	}
	if (seg->flags & TCPHDR_RST) {
		if (ack_ok)
			ns_tcp_reset(tp, ECONNREFUSED);
		return;
	}
	if (!(seg->flags & TCPHDR_SYN))
		return;
	tp->irs = seg->seq;
	tp->rcv_nxt = seg->seq + 1;
	tp->copied_seq = tp->rcv_nxt;
	tp->rwin.rcv_nxt = tp->rcv_nxt;
	tp->rwin.rcv_wup = tp->rcv_nxt;
	tp->segs_in++;
	negotiate(tp, &seg->opts, true);
	if (!ack_ok) {
		/* Simultaneous open: SYN_RECV, answer with SYN-ACK. */
		ns_tcp_set_state(tp, NS_TCP_SYN_RECV);
		tp->syn_retries = 0;
		ns_tcp_send_synack(tp);
		return;
	}
	tp->snd_una = seg->ack;
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	tp->snd_wnd = seg->wnd;
	tp->max_window = tp->snd_wnd;
	tp->snd_wl1 = seg->seq;
	tp->rcv_tstamp = stack->now;
	ns_tcp_rtx_cancel(tp);
	if (tp->syn_retries == 0)
		ns_tcp_rtt_sample(&tp->rtt, stack->now - tp->lsndtime,
				  stack->now);
	else if (tp->rtt.srtt == 0)
		tp->rtt.rto = TCP_RTO_FALLBACK_NS; /* RFC 6298 5.7 */
	ns_tcp_set_state(tp, NS_TCP_ESTABLISHED);
	ns_tcp_init_connection(tp);
	ns_sock_wake(&tp->sk, EPOLLOUT | EPOLLWRNORM);
	/* Data on the SYN-ACK, if any, is queued like any other. */
	seg->flags &= (uint8_t)~TCPHDR_SYN;
	seg->seq++;
	/* The user holds a connecting socket: it cannot go here. */
	if ((seg->len || (seg->flags & TCPHDR_FIN)) && data_queue(tp, seg))
		return;
	ns_tcp_send_ack(tp);
	ns_tcp_push(tp);
}

/* ---- LISTEN (RFC 9293 3.10.7.2) ------------------------------------------- */

static bool cookies_valid(const struct tcp_sock *lp, uint64_t now)
{
	return lp->sk.stack->sysctl.tcp_syncookies && lp->lst->overflowed &&
	       now - lp->lst->last_overflow < TCP_SYNCOOKIE_VALID_NS;
}

/* A child from the ACK of a cookie SYN-ACK (Linux cookie_v4_check).
 * Returns 0 with *out set, -EINVAL for a bad cookie (answered with a RST)
 * or -ENOBUFS when there is no room for the connection (dropped
 * silently: the peer retransmits). */
static int cookie_child(struct tcp_sock *lp, struct tcp_seg *seg,
			struct tcp_sock **out)
{
	struct ns_stack *stack = lp->sk.stack;
	struct ns_tcp_tuple t;
	ns_tcp_tuple_of(&seg->daddr, seg->dport, &seg->saddr, seg->sport, &t);
	uint16_t mss =
		ns_tcp_cookie_check(&tcp_stack(stack)->secrets, &t,
				    seg->ack - 1, seg->seq - 1, stack->now);
	if (mss == 0) {
		TCPX_INC(stack, SyncookiesFailed);
		return -EINVAL;
	}
	/* A cookie is good once: a connection now holds the tuple. */
	if (lp->lst->acceptq_len > lp->lst->backlog) {
		TCPX_INC(stack, ListenOverflows);
		TCPX_INC(stack, ListenDrops);
		return -ENOBUFS;
	}
	struct ns_tcp_opts o = { .present = TCP_OPT_F_MSS, .mss = mss };
	uint32_t ts_off = ns_tcp_ts_offset(&tcp_stack(stack)->secrets, &t);
	if (seg->opts.present & TCP_OPT_F_TS) {
		int ws;
		bool sack;
		ns_tcp_cookie_ts_decode(seg->opts.ts_ecr - ts_off, &ws, &sack);
		o.present |= TCP_OPT_F_TS;
		o.ts_val = seg->opts.ts_val;
		if (ws >= 0) {
			o.present |= TCP_OPT_F_WSCALE;
			o.wscale = (uint8_t)ws;
		}
		if (sack)
			o.present |= TCP_OPT_F_SACK_PERM;
	}
	struct tcp_sock *c =
		ns_tcp_child(lp, &seg->daddr, seg->dport, &seg->saddr,
			     seg->sport, seg->ifindex);
	if (c == NULL)
		return -ENOBUFS;
	TCPX_INC(stack, SyncookiesRecv);
	/* As if our SYN-ACK (ISN ack - 1) had been sent from this socket;
	 * its send time is unknown, so no RTT sample (lsndtime 0). */
	c->iss = seg->ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = seg->ack;
	ns_tcp_sndbuf_init(&c->sndq, seg->ack, c->sndq.pool);
	c->irs = seg->seq - 1;
	c->rcv_nxt = c->copied_seq = seg->seq;
	c->rwin.rcv_nxt = c->rwin.rcv_wup = seg->seq;
	c->ts_off = ts_off;
	c->ip_ident = (uint16_t)ns_random_u32(stack);
	negotiate(c, &o, true);
	/* The same choices the cookie SYN-ACK made (window, scale, MSS). */
	ns_tcp_syn_setup(c);
	/* Its handshake completes with this ACK, bare or not: no SYN-ACK
	 * is left to retransmit while waiting for data (Linux creates
	 * cookie children established, without TCP_DEFER_ACCEPT). */
	c->defer_accept = 0;
	*out = c;
	return 0;
}

/* A new SYN for listener lp. */
static void listen_syn(struct tcp_sock *lp, struct tcp_seg *seg)
{
	struct ns_stack *stack = lp->sk.stack;
	struct tcp_listener *l = lp->lst;
	/* Linux sk_acceptq_is_full: one more than the backlog may wait. */
	if (l->acceptq_len > l->backlog) {
		TCPX_INC(stack, ListenOverflows);
		TCPX_INC(stack, ListenDrops);
		return;
	}
	uint8_t cookies = stack->sysctl.tcp_syncookies;
	if (l->synq_len >= l->backlog || cookies == 2) {
		/* SYN flood or a slow peer population: answer statelessly
		 * (net.ipv4.tcp_syncookies 1), or always (2); without
		 * cookies (0) the SYN is dropped (tcp_syn_flood_action). */
		if (cookies == 0) {
			TCPX_INC(stack, TCPReqQFullDrop);
			TCPX_INC(stack, ListenDrops);
			return;
		}
		l->overflowed = true;
		l->last_overflow = stack->now;
		TCPX_INC(stack, TCPReqQFullDoCookies);
		TCPX_INC(stack, SyncookiesSent);
		ns_tcp_send_cookie_synack(lp, seg);
		return;
	}
	struct tcp_sock *c =
		ns_tcp_child(lp, &seg->daddr, seg->dport, &seg->saddr,
			     seg->sport, seg->ifindex);
	if (c == NULL) {
		TCPX_INC(stack, ListenDrops);
		return;
	}
	struct ns_tcp_tuple t;
	ns_tcp_tuple_of(&seg->daddr, seg->dport, &seg->saddr, seg->sport, &t);
	c->iss = ns_tcp_isn(&tcp_stack(stack)->secrets, &t, stack->now);
	c->ts_off = ns_tcp_ts_offset(&tcp_stack(stack)->secrets, &t);
	c->ip_ident = (uint16_t)ns_random_u32(stack);
	c->irs = seg->seq;
	c->rcv_nxt = c->copied_seq = seg->seq + 1;
	c->rwin.rcv_nxt = c->rwin.rcv_wup = c->rcv_nxt;
	c->snd_wnd = seg->wnd; /* SYN windows are never scaled */
	c->snd_wl1 = seg->seq;
	negotiate(c, &seg->opts, false);
	ns_tcp_send_synack(c);
}

static void listen_rcv(struct tcp_sock *lp, struct tcp_seg *seg)
{
	struct ns_stack *stack = lp->sk.stack;
	if (seg->flags & TCPHDR_RST)
		return;
	if (seg->flags & TCPHDR_ACK) {
		if (!(seg->flags & TCPHDR_SYN) &&
		    cookies_valid(lp, stack->now)) {
			struct tcp_sock *c;
			int r = cookie_child(lp, seg, &c);
			if (r == 0) {
				ns_tcp_set_state(c, NS_TCP_SYN_RECV);
				rcv_state(c, seg);
			}
			if (r != -EINVAL)
				return;
		}
		ns_tcp_send_reset(stack, seg);
		return;
	}
	if (!(seg->flags & TCPHDR_SYN))
		return;
	if (seg->flags & TCPHDR_FIN) {
		/* SYN+FIN: not a connection request (Linux drops it). */
		TCPX_INC(stack, InBadFlags);
		return;
	}
	listen_syn(lp, seg);
}

/* ---- TIME_WAIT (RFC 9293 3.10.7.4, Linux tcp_timewait_state_process) ---- */

static void tw_restart(struct ns_stack *stack, struct tcp_tw *tw)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	tw->expires = stack->now + TCP_TIMEWAIT_NS;
	ns_list_del(&tw->fifo);
	ns_list_add_tail(&ts->tw_fifo, &tw->fifo);
	if (!ns_timer_armed(&ts->tw_timer))
		ns_timer_arm(stack, &ts->tw_timer, tw->expires);
}

/* Returns true when the SYN should go on to a listener (the record has
 * been killed). */
static bool tw_rcv(struct ns_stack *stack, struct tcp_tw *tw,
		   struct tcp_seg *seg)
{
	bool paws = tw->ts_ok && (seg->opts.present & TCP_OPT_F_TS) &&
		    !(seg->flags & TCPHDR_RST) &&
		    seq_lt(seg->opts.ts_val, tw->ts_recent);
	if (tw->fin_wait2) {
		/* An orphan waiting for the peer's FIN: the checks of a live
		 * socket, in Linux's order (tcp_timewait_state_process). */
		uint32_t wnd_end = tw->rcv_nxt + tw->rcv_wnd;
		bool in_window =
			seg->seq == tw->rcv_nxt ||
			(seq_gt(seg->end_seq, tw->rcv_nxt) &&
			 seq_lt(seg->seq, wnd_end)) ||
			(seg->seq == wnd_end && seg->seq == seg->end_seq);
		if (paws || !in_window) {
			ns_tcp_tw_send_ack(stack, tw);
			return false;
		}
		if (seg->flags & TCPHDR_RST) {
			ns_tcp_tw_kill(stack, tw);
			return false;
		}
		if (!(seg->flags & TCPHDR_ACK) ||
		    !seq_gt(seg->end_seq, tw->rcv_nxt) ||
		    seg->end_seq == seg->seq)
			return false; /* a duplicate or bare ACK */
		if (!(seg->flags & TCPHDR_FIN) ||
		    seg->end_seq != tw->rcv_nxt + 1) {
			/* New data after our close: reset. */
			ns_tcp_send_reset(stack, seg);
			ns_tcp_tw_kill(stack, tw);
			return false;
		}
		tw->fin_wait2 = false;
		tw->rcv_nxt = seg->end_seq;
		if (seg->opts.present & TCP_OPT_F_TS) {
			tw->ts_recent = seg->opts.ts_val;
			tw->ts_recent_stamp = stack->now;
		}
		tw_restart(stack, tw);
		ns_tcp_tw_send_ack(stack, tw);
		return false;
	}
	if (!paws && seg->seq == tw->rcv_nxt &&
	    (seg->flags & (TCPHDR_RST | TCPHDR_SYN)) == TCPHDR_RST) {
		/* Linux (tcp_rfc1337 = 0): an in-window RST ends it. */
		ns_tcp_tw_kill(stack, tw);
		return false;
	}
	if ((seg->flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) ==
		    TCPHDR_SYN &&
	    !paws &&
	    (seq_gt(seg->seq, tw->rcv_nxt) ||
	     (tw->ts_ok && (seg->opts.present & TCP_OPT_F_TS) &&
	      seq_gt(seg->opts.ts_val, tw->ts_recent)))) {
		/* RFC 6191 / RFC 1122 4.2.2.13: a new incarnation may
		 * reopen the tuple when its sequence numbers (or
		 * timestamps) are newer. */
		TCPX_INC(stack, TWRecycled);
		ns_tcp_tw_kill(stack, tw);
		return true;
	}
	if (paws)
		TCPX_INC(stack, PAWSEstab);
	if (seg->flags & TCPHDR_RST)
		return false;
	if ((seg->flags & TCPHDR_FIN) && seg->end_seq == tw->rcv_nxt) {
		/* A retransmitted FIN: our ACK was lost. Restart the
		 * timer (RFC 9293 3.10.7.4). */
		tw_restart(stack, tw);
		ns_tcp_tw_send_ack(stack, tw);
		return false;
	}
	/* Anything else gets an ACK. Linux rate-limits these per record
	 * (counting the skipped ones in TCPACKSkippedTimeWait); here each
	 * is answered. */
	if (seg->end_seq != seg->seq || (seg->flags & TCPHDR_SYN) || paws)
		ns_tcp_tw_send_ack(stack, tw);
	return false;
}

/* ---- Parsing -------------------------------------------------------------- */

/* The fast path's option layout: NOP NOP TS, as Linux and we send it. */
static bool parse_ts_fast(const uint8_t *o, size_t len,
			  struct ns_tcp_opts *opts)
{
	if (len != TCP_TS_LEN || ns_get_be32(o) != 0x0101080au)
		return false;
	opts->present = TCP_OPT_F_TS;
	opts->nsack = 0;
	opts->ts_val = ns_get_be32(o + 4);
	opts->ts_ecr = ns_get_be32(o + 8);
	return true;
}

static void drop_bad(struct ns_stack *stack, struct ns_pkt *pkt)
{
	TCP_INC(stack, InErrs);
	ns_pkt_free(pkt);
}

/* Validates the header (length, checksum, options) and fills *seg; pulls
 * the header so seg->pkt holds the payload. Consumes pkt on failure,
 * counting the reason. */
static int tcp_parse(struct ns_stack *stack, struct ns_pkt *pkt,
		     struct tcp_seg *seg)
{
	uint8_t *h = ns_pkt_ensure(&pkt, TCP_HDR_LEN);
	if (h == NULL) {
		TCPX_INC(stack, InBadHdrLen);
		drop_bad(stack, pkt);
		return -EINVAL;
	}
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	if (m->flags & (NS_RX_BCAST | NS_RX_MCAST)) {
		/* TCP is unicast only (RFC 1122 4.2.3.10). */
		drop_bad(stack, pkt);
		return -EINVAL;
	}
	uint32_t doff = (uint32_t)(h[12] >> 4) * 4;
	if (doff < TCP_HDR_LEN || doff > pkt->len) {
		TCPX_INC(stack, InBadHdrLen);
		drop_bad(stack, pkt);
		return -EINVAL;
	}
	h = ns_pkt_ensure(&pkt, doff);
	if (h == NULL) {
		drop_bad(stack, pkt);
		return -ENOMEM;
	}
	m = ns_rxmeta(pkt);
	if (!ns_l4_csum_ok(pkt, IPPROTO_TCP)) {
		TCP_INC(stack, InCsumErrors);
		drop_bad(stack, pkt);
		return -EINVAL;
	}
	seg->flags = h[13];
	bool syn = seg->flags & TCPHDR_SYN;
	seg->opts.present = 0;
	seg->opts.nsack = 0;
	if (doff > TCP_HDR_LEN &&
	    !parse_ts_fast(h + TCP_HDR_LEN, doff - TCP_HDR_LEN, &seg->opts) &&
	    ns_tcp_opt_parse(h + TCP_HDR_LEN, doff - TCP_HDR_LEN, syn,
			     &seg->opts) < 0) {
		TCPX_INC(stack, InBadOptions);
		drop_bad(stack, pkt);
		return -EINVAL;
	}
	seg->saddr = m->src;
	seg->daddr = m->dst;
	seg->v6 = (m->flags & NS_RX_V6) != 0;
	seg->ttl = m->ttl;
	seg->tos = m->tos;
	seg->ifindex = pkt->ifindex;
	seg->sport = ns_get_be16(h);
	seg->dport = ns_get_be16(h + 2);
	seg->seq = ns_get_be32(h + 4);
	seg->ack = ns_get_be32(h + 8);
	seg->wnd = ns_get_be16(h + 14);
	seg->urg = (seg->flags & TCPHDR_URG) ? ns_get_be16(h + 18) : 0;
	seg->hdr_len = (uint16_t)doff;
	ns_pkt_pull(pkt, doff);
	seg->len = pkt->len;
	seg->end_seq = seg->seq + seg->len + (syn ? 1 : 0) +
		       ((seg->flags & TCPHDR_FIN) ? 1 : 0);
	seg->pkt = pkt;
	return 0;
}

/* ---- Input ---------------------------------------------------------------- */

static void seg_free(struct tcp_seg *seg)
{
	ns_pkt_free(seg->pkt);
	seg->pkt = NULL;
}

static void tcp_input(struct ns_stack *stack, struct ns_pkt *pkt)
{
	struct tcp_seg seg;
	TCP_INC(stack, InSegs);
	int r = tcp_parse(stack, pkt, &seg);
	if (r < 0)
		return; /* counted and freed by the parser */
	struct tcp_conn *c = ns_tcp_lookup(stack, &seg.daddr, seg.dport,
					   &seg.saddr, seg.sport);
	if (c && c->kind == TCP_CONN_TW) {
		struct tcp_tw *tw = ns_container_of(c, struct tcp_tw, conn);
		if (!tw_rcv(stack, tw, &seg)) {
			seg_free(&seg);
			return;
		}
		c = NULL;
	}
	if (c) {
		struct tcp_sock *tp = ns_container_of(c, struct tcp_sock, conn);
		if (tp->sk.state == NS_TCP_SYN_SENT)
			synsent_rcv(tp, &seg);
		else
			rcv_state(tp, &seg);
		seg_free(&seg);
		return;
	}
	struct tcp_sock *lp = ns_tcp_lookup_listener(
		stack, &seg.daddr, seg.dport, seg.ifindex, seg.v6);
	if (lp) {
		listen_rcv(lp, &seg);
		seg_free(&seg);
		return;
	}
	/* RFC 9293 3.10.7.1: no connection; answer anything but a RST. */
	TCPX_INC(stack, InNoSocket);
	if (!(seg.flags & TCPHDR_RST))
		ns_tcp_send_reset(stack, &seg);
	seg_free(&seg);
}

/* ---- ICMP errors (RFC 5927, Linux tcp_v4_err) ----------------------------- */

/* Marks lost the records in flight longer than mss; true if any. */
static bool mark_oversized_lost(struct tcp_sock *tp, uint32_t mss)
{
	struct tcp_sb *sb = &tp->sb;
	uint32_t fin_end = tp->sndq.end_seq + 1;
	bool any = false;
	for (uint32_t i = 0; i < sb->count; i++) {
		struct tcp_rec *rec = ns_tcp_sb_at(sb, i);
		uint32_t len = rec->end - rec->seq;
		if (tp->fin_sent && rec->end == fin_end)
			len--;
		if (len <= mss || (rec->flags & TCP_REC_SACKED))
			continue;
		if (!(rec->flags & TCP_REC_LOST) ||
		    (rec->flags & TCP_REC_RETRANS)) {
			ns_tcp_sb_mark_lost(sb, i);
			any = true;
		}
	}
	return any;
}

static void tcp_err(struct ns_stack *stack, const struct ns_icmp_err *e)
{
	if (e->th_len < 8)
		return;
	uint16_t sport = ns_get_be16(e->th), dport = ns_get_be16(e->th + 2);
	uint32_t seq = ns_get_be32(e->th + 4);
	struct tcp_conn *c =
		ns_tcp_lookup(stack, &e->src, sport, &e->dst, dport);
	if (c == NULL || c->kind != TCP_CONN_SOCK)
		return;
	struct tcp_sock *tp = ns_container_of(c, struct tcp_sock, conn);
	struct ns_sock *sk = &tp->sk;
	/* RFC 5927 4.1: only errors about data in flight are believed; in
	 * SYN_SENT that is the SYN itself (snd_una = ISS). */
	if (!seq_between(seq, tp->snd_una, tp->snd_nxt))
		return;
	bool too_big = e->v6 ? e->type == 2 : (e->type == 3 && e->code == 4);
	if (too_big) {
		/* Believed (the quote is of data in flight): the path MTU
		 * drops, segments shrink and the oversized ones in flight
		 * go again, cut to the new size (RFC 1191, RFC 8201; Linux
		 * tcp_v4_mtu_reduced, tcp_simple_retransmit). */
		ns_pmtu_update(stack, &e->dst, e->info);
		sk->dst_ok = false;
		if (sk->state != NS_TCP_SYN_SENT &&
		    mark_oversized_lost(tp, ns_tcp_send_mss(tp)))
			ns_tcp_push(tp);
		return;
	}
	if (sk->state == NS_TCP_SYN_SENT || sk->state == NS_TCP_SYN_RECV) {
		if (e->fatal || sk->state == NS_TCP_SYN_SENT) {
			ns_tcp_reset(tp, e->err);
			return;
		}
	}
	if (sk->opt & (NS_IP_RECVERR | NS_IPV6_RECVERR)) {
		sk->err = e->err;
		ns_sock_wake(sk, EPOLLERR);
	} else {
		tp->soft_err = e->err;
	}
}

const struct ns_ip_proto ns_tcp_proto = {
	.input = tcp_input,
	.err = tcp_err,
};
