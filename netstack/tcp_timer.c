/* TCP timers (Linux tcp_timer.c): retransmission (RFC 6298, with the SYN
 * and SYN-ACK retries), zero-window probe (RFC 9293 3.8.6.1), tail loss
 * probe and RACK reordering timeout (RFC 8985), delayed ACK, keepalive
 * (RFC 1122 4.2.3.6), and the TIME_WAIT reaper. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "tcp.h"
#include "tcp_seq.h"

/* ---- Retransmission timer (all its kinds) ------------------------------- */

void ns_tcp_rtx_arm(struct tcp_sock *tp, enum tcp_rtx_kind kind, uint64_t when)
{
	tp->rtx_kind = kind;
	tp->rtx_deadline = when;
	/* Moving a deadline later costs nothing now: the timer fires at
	 * the old one and re-arms (Linux's sk_reset_timer on every ACK
	 * would be a heap operation per ACK). */
	if (!ns_timer_armed(&tp->rtx_timer) || when < tp->rtx_timer.when)
		ns_timer_arm(tp->sk.stack, &tp->rtx_timer, when);
}

void ns_tcp_rtx_cancel(struct tcp_sock *tp)
{
	tp->rtx_kind = TCP_RTX_NONE;
	ns_timer_cancel(tp->sk.stack, &tp->rtx_timer);
}

static bool synchronized(const struct tcp_sock *tp)
{
	switch (tp->sk.state) {
	case NS_TCP_ESTABLISHED:
	case NS_TCP_CLOSE_WAIT:
	case NS_TCP_FIN_WAIT1:
	case NS_TCP_CLOSING:
	case NS_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* The RTO deadline counts from the oldest outstanding transmission when a
 * probe or the reordering timer held the timer meanwhile (Linux
 * tcp_rearm_rto's offset). */
static uint64_t rto_deadline(struct tcp_sock *tp, bool from_head)
{
	uint64_t now = tp->sk.stack->now;
	uint64_t rto = ns_tcp_rtt_timeout(&tp->rtt);
	if (from_head && tp->sb.count) {
		uint64_t t = ns_tcp_sb_at(&tp->sb, 0)->xmit_ns + rto;
		return t > now ? t : now + 1;
	}
	return now + rto;
}

void ns_tcp_rearm_rto(struct tcp_sock *tp)
{
	if (!synchronized(tp))
		return;
	if (tp->sb.count == 0) {
		/* Nothing in flight. Data waiting behind a closed or too
		 * small window, or held by a cork: probe (RFC 9293 3.8.6.1,
		 * Linux tcp_check_probe_timer). */
		if (ns_tcp_data_waiting(tp)) {
			if (tp->rtx_kind != TCP_RTX_PROBE0)
				ns_tcp_rtx_arm(tp, TCP_RTX_PROBE0,
					       rto_deadline(tp, false));
			return;
		}
		ns_tcp_rtx_cancel(tp);
		return;
	}
	if (tp->rtx_kind == TCP_RTX_REO)
		return;
	/* RFC 8985 7.2: a tail loss probe instead of an RTO when SACK can
	 * repair the loss it reveals, nothing is being recovered, and no
	 * new data is about to go anyway. */
	bool can_send_new = tp->sndq.end_seq != tp->snd_nxt &&
			    ns_tcp_sb_in_flight(&tp->sb) < tp->cc.cwnd;
	if (tp->sack_ok && tp->cc.state == NS_CA_OPEN && !tp->tlp.outstanding &&
	    !can_send_new && tp->retransmits == 0) {
		uint64_t now = tp->sk.stack->now;
		uint64_t rto_left = rto_deadline(tp, true) - now;
		uint64_t pto =
			ns_tcp_tlp_pto(tp->rtt.srtt, tp->sb.count, rto_left);
		ns_tcp_rtx_arm(tp, TCP_RTX_TLP, now + pto);
		return;
	}
	bool from_head = tp->rtx_kind == TCP_RTX_TLP;
	ns_tcp_rtx_arm(tp, TCP_RTX_RETRANS, rto_deadline(tp, from_head));
}

/* Gives up on the connection (Linux tcp_write_err). */
static void write_err(struct tcp_sock *tp)
{
	TCPX_INC(tp->sk.stack, TCPAbortOnTimeout);
	ns_tcp_reset(tp, tp->soft_err ? tp->soft_err : ETIMEDOUT);
}

/* Linux tcp_write_timeout: too many retries, or TCP_USER_TIMEOUT. */
static bool write_timeout(struct tcp_sock *tp)
{
	uint64_t now = tp->sk.stack->now;
	if (tp->user_timeout_ms && tp->retrans_stamp &&
	    now - tp->retrans_stamp >= (uint64_t)tp->user_timeout_ms * NS_MSEC)
		return true;
	int limit = tp->sk.user_closed ? TCP_ORPHAN_RETRIES : TCP_RETRIES2;
	return !tp->user_timeout_ms && tp->retransmits >= limit;
}

/* Linux tcp_clamp_rto_to_user_timeout: the next RTO fires no later than
 * TCP_USER_TIMEOUT after the first retransmission. */
static uint64_t clamp_to_user_timeout(const struct tcp_sock *tp)
{
	uint64_t rto = ns_tcp_rtt_timeout(&tp->rtt);
	if (!tp->user_timeout_ms || !tp->retrans_stamp)
		return rto;
	uint64_t elapsed = tp->sk.stack->now - tp->retrans_stamp;
	uint64_t limit = (uint64_t)tp->user_timeout_ms * NS_MSEC;
	if (elapsed >= limit)
		return NS_MSEC;
	return limit - elapsed < rto ? limit - elapsed : rto;
}

static void syn_timeout(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	if (tp->sk.state == NS_TCP_SYN_SENT) {
		int limit = tp->syncnt ? tp->syncnt : TCP_SYN_RETRIES;
		if (tp->syn_retries >= limit) {
			TCPX_INC(stack, TCPAbortOnTimeout);
			ns_tcp_reset(tp,
				     tp->soft_err ? tp->soft_err : ETIMEDOUT);
			return;
		}
		tp->syn_retries++;
		ns_tcp_rtt_backoff(&tp->rtt);
		TCPX_INC(stack, TCPTimeouts);
		ns_tcp_send_syn(tp);
		return;
	}
	/* SYN_RECV. With TCP_DEFER_ACCEPT and its bare ACK in hand, the
	 * SYN-ACK is repeated only near the end of the deferral, to give
	 * the peer a last chance (Linux syn_ack_recalc). */
	int limit = TCP_SYNACK_RETRIES;
	if (tp->defer_pending && tp->defer_accept > limit)
		limit = tp->defer_accept;
	if (tp->syn_retries >= limit) {
		ns_tcp_done(tp);
		return;
	}
	tp->syn_retries++;
	ns_tcp_rtt_backoff(&tp->rtt);
	if (!tp->defer_pending || tp->syn_retries >= tp->defer_accept - 1) {
		ns_tcp_send_synack(tp);
	} else {
		ns_tcp_rtx_arm(tp, TCP_RTX_RETRANS,
			       stack->now + ns_tcp_rtt_timeout(&tp->rtt));
	}
}

/* RFC 6298 5.4-5.7 and Linux tcp_retransmit_timer / tcp_enter_loss. */
static void retransmit_timer(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	if (tp->sk.state == NS_TCP_SYN_SENT ||
	    tp->sk.state == NS_TCP_SYN_RECV) {
		syn_timeout(tp);
		return;
	}
	if (!synchronized(tp) || tp->sb.count == 0)
		return;
	if (write_timeout(tp)) {
		write_err(tp);
		return;
	}
	TCPX_INC(stack, TCPTimeouts);
	struct tcp_sb *sb = &tp->sb;
	/* A SACKed head means the peer reneged (RFC 2018 8): its SACKs
	 * can no longer be trusted. */
	bool reneged = (ns_tcp_sb_at(sb, 0)->flags & TCP_REC_SACKED) != 0;
	if (reneged)
		TCPX_INC(stack, TCPSACKReneging);
	if (tp->cc.state != NS_CA_LOSS) {
		tp->undo_marker = tp->snd_una;
		tp->undo_retrans = 0;
		if (tp->cc.state < NS_CA_RECOVERY)
			tp->retrans_stamp = 0;
	}
	ns_tcp_sb_mark_all_lost(sb, reneged);
	tp->high_seq = tp->snd_nxt;
	tp->reno_dupacks = 0;
	tp->tlp.outstanding = false;
	ns_tcp_cc_enter_loss(&tp->cc, ns_tcp_sb_in_flight(sb));
	tp->sk.dst_ok = false; /* the route may have changed (RFC 6298 5) */
	if (ns_tcp_retransmit(tp, 0) < 0 && tp->retransmits == 0)
		tp->retrans_stamp = stack->now;
	ns_tcp_rtt_backoff(&tp->rtt);
	tp->retransmits++;
	ns_tcp_rtx_arm(tp, TCP_RTX_RETRANS,
		       stack->now + clamp_to_user_timeout(tp));
}

/* RFC 9293 3.8.6.1, Linux tcp_probe_timer. */
static void probe_timer(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	if (tp->sb.count || !ns_tcp_data_waiting(tp)) {
		tp->probes_out = 0;
		return;
	}
	int limit = tp->sk.user_closed ? TCP_ORPHAN_RETRIES : TCP_RETRIES2;
	if (tp->probes_out >= limit ||
	    (tp->user_timeout_ms &&
	     stack->now - tp->rcv_tstamp >=
		     (uint64_t)tp->user_timeout_ms * NS_MSEC)) {
		write_err(tp);
		return;
	}
	ns_tcp_write_wakeup(tp);
	if (tp->sb.count) {
		/* The window had opened, if only below a segment: the probe
		 * carried what fits, and the RTO takes over from an unbacked
		 * timeout (Linux tcp_send_probe0: icsk_backoff = 0). Only a
		 * probe without data counts as TCPWinProbe (Linux
		 * tcp_xmit_probe_skb). */
		tp->probes_out = 0;
		tp->rtt.backoff = 0;
		ns_tcp_rearm_rto(tp);
		return;
	}
	TCPX_INC(stack, TCPWinProbe);
	tp->probes_out++;
	ns_tcp_rtt_backoff(&tp->rtt);
	ns_tcp_rtx_arm(tp, TCP_RTX_PROBE0,
		       stack->now + ns_tcp_rtt_timeout(&tp->rtt));
}

static void rtx_fire(struct ns_stack *stack, struct ns_timer *t)
{
	struct tcp_sock *tp = ns_container_of(t, struct tcp_sock, rtx_timer);
	if (tp->rtx_kind == TCP_RTX_NONE)
		return;
	if (tp->rtx_deadline > stack->now) {
		ns_timer_arm(stack, t, tp->rtx_deadline);
		return;
	}
	enum tcp_rtx_kind kind = tp->rtx_kind;
	tp->rtx_kind = TCP_RTX_NONE;
	switch (kind) {
	case TCP_RTX_RETRANS:
		retransmit_timer(tp);
		break;
	case TCP_RTX_PROBE0:
		probe_timer(tp);
		break;
	case TCP_RTX_TLP:
		ns_tcp_send_loss_probe(tp);
		ns_tcp_rtx_arm(tp, TCP_RTX_RETRANS, rto_deadline(tp, true));
		break;
	case TCP_RTX_REO:
		ns_tcp_rack_timeout(tp);
		break;
	default:
		break;
	}
}

/* ---- Delayed ACK ---------------------------------------------------------- */

void ns_tcp_delack_arm(struct tcp_sock *tp, uint64_t when)
{
	ns_timer_arm(tp->sk.stack, &tp->delack_timer, when);
}

static void delack_fire(struct ns_stack *stack, struct ns_timer *t)
{
	struct tcp_sock *tp = ns_container_of(t, struct tcp_sock, delack_timer);
	struct tcp_delack *d = &tp->delack;
	if (!(d->pending & TCP_ACK_TIMER))
		return;
	d->pending &= (uint8_t)~TCP_ACK_TIMER;
	if (!(d->pending & TCP_ACK_SCHED))
		return;
	ns_tcp_delack_timer(d, ns_tcp_rtt_timeout(&tp->rtt));
	TCPX_INC(stack, DelayedACKs);
	ns_tcp_send_ack(tp);
}

/* ---- Keepalive ------------------------------------------------------------ */

static uint64_t keepidle_ns(const struct tcp_sock *tp)
{
	return (uint64_t)tp->keepidle * NS_SEC;
}

void ns_tcp_keepalive_rearm(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	if (!(tp->sk.opt & NS_SO_KEEPALIVE) || !synchronized(tp)) {
		ns_timer_cancel(stack, &tp->ka_timer);
		return;
	}
	uint64_t last =
		tp->lrcvtime > tp->rcv_tstamp ? tp->lrcvtime : tp->rcv_tstamp;
	if (last == 0)
		last = stack->now;
	ns_timer_arm(stack, &tp->ka_timer, last + keepidle_ns(tp));
}

/* Linux tcp_keepalive_timer for a connection. */
static void ka_fire(struct ns_stack *stack, struct ns_timer *t)
{
	struct tcp_sock *tp = ns_container_of(t, struct tcp_sock, ka_timer);
	if (!(tp->sk.opt & NS_SO_KEEPALIVE) || !synchronized(tp))
		return;
	uint64_t now = stack->now;
	if (tp->sb.count || tp->sndq.end_seq != tp->snd_nxt) {
		/* Data is outstanding: retransmissions watch the peer. */
		ns_timer_arm(stack, t, now + keepidle_ns(tp));
		return;
	}
	uint64_t last =
		tp->lrcvtime > tp->rcv_tstamp ? tp->lrcvtime : tp->rcv_tstamp;
	uint64_t idle = now - last;
	if (idle < keepidle_ns(tp)) {
		ns_timer_arm(stack, t, last + keepidle_ns(tp));
		return;
	}
	bool dead = tp->user_timeout_ms
			    ? idle >= (uint64_t)tp->user_timeout_ms * NS_MSEC &&
				      tp->probes_out > 0
			    : tp->probes_out >= tp->keepcnt;
	if (dead) {
		/* Linux resets the peer that may still be there. */
		ns_tcp_send_active_reset(tp);
		write_err(tp);
		return;
	}
	TCPX_INC(stack, TCPKeepAlive);
	ns_tcp_write_wakeup(tp);
	tp->probes_out++;
	ns_timer_arm(stack, t, now + (uint64_t)tp->keepintvl * NS_SEC);
}

/* ---- Setup ---------------------------------------------------------------- */

void ns_tcp_init_timers(struct tcp_sock *tp)
{
	ns_timer_init(&tp->rtx_timer, rtx_fire);
	ns_timer_init(&tp->delack_timer, delack_fire);
	ns_timer_init(&tp->ka_timer, ka_fire);
	tp->rtx_kind = TCP_RTX_NONE;
}

void ns_tcp_stop_timers(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	tp->rtx_kind = TCP_RTX_NONE;
	ns_timer_cancel(stack, &tp->rtx_timer);
	ns_timer_cancel(stack, &tp->delack_timer);
	ns_timer_cancel(stack, &tp->ka_timer);
	tp->delack.pending = 0;
}

/* ---- TIME_WAIT ------------------------------------------------------------ */

void ns_tcp_tw_timer(struct ns_stack *stack, struct ns_timer *t)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	(void)t;
	/* Every record lives the same 60 s, so the list is in expiry
	 * order and one timer serves them all. */
	while (!ns_list_empty(&ts->tw_fifo)) {
		struct tcp_tw *tw =
			ns_container_of(ts->tw_fifo.next, struct tcp_tw, fifo);
		if (tw->expires > stack->now) {
			ns_timer_arm(stack, &ts->tw_timer, tw->expires);
			return;
		}
		TCPX_INC(stack, TWKilled);
		ns_tcp_tw_kill(stack, tw);
	}
}
