/* TCP output: segment building (header, options, window, checksum
 * offload, TSO), the send policy (Linux tcp_write_xmit: congestion and
 * receive windows, Nagle, cork, sender SWS avoidance, lost segments
 * first), ACKs and delayed ACKs, SYN / SYN-ACK / RST, probes. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>

#include "ip.h"
#include "netstack/wire.h"
#include "nic.h"
#include "tcp.h"
#include "tcp_seq.h"
#include "tcp_syncookie.h"

/* Segments per TSO super-segment (Linux's default gso_max_segs would allow
 * more; 64 KiB is the packet limit anyway). */
#define TSO_MAX_BYTES (NS_LINK_GSO_MAX - 120)

/* ---- Sizes ------------------------------------------------------------- */

static uint32_t ip_hdr_len(const struct ns_sock *sk)
{
	return ns_addr_is_v4(&sk->raddr) ? 20 : 40;
}

/* Room for the TCP header and payload on the path. */
static uint32_t path_room(struct tcp_sock *tp)
{
	struct ns_dst *d;
	if (ns_sock_route(&tp->sk, &d) < 0)
		return TCP_DEFAULT_MSS + TCP_HDR_LEN;
	return d->mtu - ip_hdr_len(&tp->sk);
}

/* Linux tcp_bound_to_half_wnd: a segment is at most half the largest
 * window the peer offered (all of it when that is below the default MSS),
 * so that a receiver whose window is smaller than the path's MSS (a
 * loopback MSS of 65483 against a 64 KB buffer) still gets full segments
 * rather than being left to the sender's SWS avoidance and the persist
 * timer (RFC 9293 3.8.6.2.1: Fs = 1/2). The floor is Linux's 68-byte
 * datagram less the headers. */
static uint32_t bound_to_half_wnd(const struct tcp_sock *tp, uint32_t mss)
{
	uint32_t cutoff = tp->max_window > TCP_DEFAULT_MSS ? tp->max_window / 2
							   : tp->max_window;
	if (cutoff == 0 || mss <= cutoff)
		return mss;
	uint32_t floor = 68 - TCP_HDR_LEN - (tp->ts_ok ? TCP_TS_LEN : 0);
	return cutoff > floor ? cutoff : floor;
}

void ns_tcp_sync_mss(struct tcp_sock *tp)
{
	tp->mss_cache = (uint16_t)bound_to_half_wnd(tp, tp->mss_path);
}

uint32_t ns_tcp_current_mss(struct tcp_sock *tp)
{
	uint32_t mss = path_room(tp) - TCP_HDR_LEN;
	if (mss > tp->mss_clamp)
		mss = tp->mss_clamp;
	/* The floor first: a peer's MSS below the timestamp option's size
	 * must not wrap the subtraction. */
	if (mss < TCP_MIN_MSS)
		mss = TCP_MIN_MSS;
	if (tp->ts_ok)
		mss -= TCP_TS_LEN;
	tp->mss_path = (uint16_t)mss;
	mss = bound_to_half_wnd(tp, mss);
	tp->mss_cache = (uint16_t)mss;
	return mss;
}

/* Bytes of SACK option a data segment would carry now. */
static uint32_t sack_opt_len(const struct tcp_sock *tp)
{
	unsigned n = tp->rsack.nblocks + (tp->rsack.has_dsack ? 1 : 0);
	if (!tp->sack_ok || n == 0)
		return 0;
	unsigned max = tp->ts_ok ? 3 : 4;
	return 4 + 8 * (n < max ? n : max);
}

uint32_t ns_tcp_send_mss(struct tcp_sock *tp)
{
	uint32_t mss = ns_tcp_current_mss(tp);
	uint32_t sack_len = sack_opt_len(tp);
	if (sack_len && mss > sack_len + TCP_MIN_MSS)
		mss -= sack_len;
	return mss;
}

static uint32_t rcv_space(const struct tcp_sock *tp)
{
	int64_t free = (int64_t)tp->sk.rcvbuf - tp->rcvq.mem;
	return free > 0 ? ns_tcp_win_from_space((uint32_t)free) : 0;
}

uint8_t ns_tcp_listener_wscale(const struct tcp_sock *lp)
{
	/* Linux tcp_select_initial_window: scale for the largest buffer
	 * the connection may have, tcp_rmem[2] or a larger SO_RCVBUF,
	 * within TCP_WINDOW_CLAMP. */
	uint32_t space = lp->sk.stack->sysctl.tcp_rmem[2];
	if ((uint32_t)lp->sk.rcvbuf > space)
		space = (uint32_t)lp->sk.rcvbuf;
	if (lp->window_clamp_user && lp->window_clamp_user < space)
		space = lp->window_clamp_user;
	return ns_tcp_choose_wscale(space);
}

/* ---- Building and sending one segment ----------------------------------- */

struct seg_spec {
	uint32_t seq;
	uint32_t len; /* payload from the send buffer at seq */
	uint8_t flags;
	uint16_t gso_size; /* 0: a single segment */
	bool syn_opts;	   /* SYN options (MSS, scale, SACK-perm, TS) */
};

/* Our options for a segment of a connection. */
static void conn_opts(struct tcp_sock *tp, const struct seg_spec *s,
		      struct ns_tcp_opts *o, uint32_t room)
{
	o->present = 0;
	o->nsack = 0;
	uint64_t now = tp->sk.stack->now;
	if (s->syn_opts) {
		/* A SYN offers what the stack's settings allow; a SYN-ACK
		 * answers what was agreed. */
		const struct ns_sysctl *sys = &tp->sk.stack->sysctl;
		bool syn = tp->sk.state == NS_TCP_SYN_SENT;
		o->present |= TCP_OPT_F_MSS;
		o->mss = tp->advmss;
		if ((syn && sys->tcp_window_scaling) || tp->wscale_ok) {
			o->present |= TCP_OPT_F_WSCALE;
			o->wscale = tp->rwin.rcv_wscale;
		}
		if ((syn && sys->tcp_sack) || tp->sack_ok)
			o->present |= TCP_OPT_F_SACK_PERM;
		if ((syn && sys->tcp_timestamps) || tp->ts_ok) {
			o->present |= TCP_OPT_F_TS;
			o->ts_val = ns_tcp_ts_now(now, tp->ts_off);
			o->ts_ecr = tp->sk.state == NS_TCP_SYN_SENT
					    ? 0
					    : tp->ts_recent;
		}
		return;
	}
	if (tp->ts_ok) {
		o->present |= TCP_OPT_F_TS;
		o->ts_val = ns_tcp_ts_now(now, tp->ts_off);
		o->ts_ecr = tp->ts_recent;
	}
	if (tp->sack_ok && (tp->rsack.nblocks || tp->rsack.has_dsack)) {
		/* As many blocks as fit beside the payload (a full-sized
		 * segment carries none; pure ACKs carry them all). */
		uint32_t used =
			TCP_HDR_LEN + (tp->ts_ok ? TCP_TS_LEN : 0) + s->len;
		if (s->gso_size)
			used = TCP_HDR_LEN + (tp->ts_ok ? TCP_TS_LEN : 0) +
			       s->gso_size;
		if (room >= used + 4 + 8) {
			struct ns_tcp_opts tmp = { 0 };
			ns_tcp_rcv_sack_fill(&tp->rsack, &tmp);
			unsigned fit = (room - used - 4) / 8;
			o->nsack = (uint8_t)(tmp.nsack < fit ? tmp.nsack : fit);
			memcpy(o->sack, tmp.sack, sizeof(o->sack));
			if (o->nsack)
				o->present |= TCP_OPT_F_SACK;
		}
	}
}

/* The window field, with receiver SWS avoidance and scaling. */
static uint16_t window_field(struct tcp_sock *tp, bool syn)
{
	struct ns_stack *stack = tp->sk.stack;
	if (syn) {
		/* RFC 7323 2.2: SYN windows are not scaled. */
		uint32_t w = tp->rwin.rcv_wnd;
		return (uint16_t)(w > 65535 ? 65535 : w);
	}
	uint32_t old = tp->rwin.rcv_wnd;
	uint32_t full = ns_tcp_win_from_space((uint32_t)tp->sk.rcvbuf);
	uint32_t cur = ns_tcp_receive_window(&tp->rwin);
	uint32_t allowed = ns_tcp_window_allowed(&tp->rwin, rcv_space(tp), full,
						 tp->delack.rcv_mss);
	if (allowed == 0 && cur > 0)
		TCPX_INC(stack, TCPWantZeroWindowAdv);
	uint16_t field = ns_tcp_select_window(&tp->rwin, rcv_space(tp), full,
					      tp->delack.rcv_mss);
	if (field == 0 && old)
		TCPX_INC(stack, TCPToZeroWindowAdv);
	else if (field && old == 0)
		TCPX_INC(stack, TCPFromZeroWindowAdv);
	return field;
}

static void fill_tx(struct tcp_sock *tp, const struct ns_dst *d,
		    struct ns_ip_tx *tx)
{
	const struct ns_sock *sk = &tp->sk;
	bool v4 = ns_addr_is_v4(&sk->raddr);
	*tx = (struct ns_ip_tx){
		.src = sk->laddr,
		.dst = sk->raddr,
		.proto = IPPROTO_TCP,
		.ttl = ns_sock_ttl(sk, &sk->raddr),
		.tos = v4 ? sk->tos : (uint8_t)sk->tclass,
		/* TCP always sets DF and relies on PMTU discovery (RFC
		 * 1191), unless the user asked otherwise. */
		.pmtudisc = v4 ? (sk->pmtudisc == NS_PMTUDISC_DONT
					  ? NS_PMTUDISC_DONT
					  : NS_PMTUDISC_DO)
			       : NS_PMTUDISC_DO,
		.ident = v4 ? &tp->ip_ident : NULL,
	};
	(void)d;
}

/* Writes the 20-byte header at h. */
static void put_header(uint8_t *h, uint16_t sport, uint16_t dport, uint32_t seq,
		       uint32_t ack, uint32_t hdr_len, uint8_t flags,
		       uint16_t wnd, uint16_t urg)
{
	ns_put_be16(h, sport);
	ns_put_be16(h + 2, dport);
	ns_put_be32(h + 4, seq);
	ns_put_be32(h + 8, ack);
	h[12] = (uint8_t)((hdr_len / 4) << 4);
	h[13] = flags;
	ns_put_be16(h + 14, wnd);
	ns_put_be16(h + 16, 0);
	ns_put_be16(h + 18, urg);
}

/* Builds one segment of tp and hands it to IP. Returns 0 or a negative
 * errno (the segment was not sent). */
static int transmit(struct tcp_sock *tp, const struct seg_spec *s)
{
	struct ns_sock *sk = &tp->sk;
	struct ns_stack *stack = sk->stack;
	struct ns_dst *d;
	int r = ns_sock_route(sk, &d);
	if (r < 0)
		return r;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
	if (pkt == NULL)
		return -ENOBUFS;
	if (s->len &&
	    ns_tcp_sndbuf_frags(&tp->sndq, pkt, s->seq, s->len) != s->len) {
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	uint8_t flags = s->flags;
	struct ns_tcp_opts o;
	conn_opts(tp, s, &o, d->mtu - ip_hdr_len(sk));
	uint32_t hdr_len =
		TCP_HDR_LEN + (uint32_t)ns_tcp_opt_len(&o, s->syn_opts);
	uint8_t *h = ns_pkt_push(pkt, hdr_len);
	if (h == NULL) {
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	ns_tcp_opt_build(h + TCP_HDR_LEN, &o, s->syn_opts);
	uint16_t urg = 0;
	if (tp->urg_mode && seq_lt(s->seq, tp->snd_up)) {
		/* RFC 6093: the pointer marks the byte after the urgent
		 * one, as Linux sends it. */
		uint32_t off = tp->snd_up - s->seq;
		urg = off > 0xffff ? 0xffff : (uint16_t)off;
		flags |= TCPHDR_URG;
	}
	uint32_t ack = (flags & TCPHDR_ACK) ? tp->rcv_nxt : 0;
	uint16_t wnd = window_field(tp, flags & TCPHDR_SYN);
	put_header(h, sk->lport, sk->rport, s->seq, ack, hdr_len, flags, wnd,
		   urg);
	struct ns_ip_tx tx;
	fill_tx(tp, d, &tx);
	ns_l4_csum_partial(pkt, &tx.src, &tx.dst, IPPROTO_TCP, 16);
	if (s->gso_size && s->len > s->gso_size) {
		pkt->gso_size = s->gso_size;
		pkt->gso_type =
			ns_addr_is_v4(&sk->raddr) ? NS_GSO_TCPV4 : NS_GSO_TCPV6;
		pkt->hdr_len = (uint16_t)hdr_len;
	}
	uint32_t segs = s->gso_size && s->len > s->gso_size
				? (s->len + s->gso_size - 1) / s->gso_size
				: 1;
	r = ns_ip_output(stack, d, pkt, &tx);
	if (r < 0 && r != -ENOBUFS)
		return r;
	NS_ADD(stack, Tcp, OutSegs, segs);
	tp->segs_out += segs;
	if (flags & TCPHDR_RST)
		TCP_INC(stack, OutRsts);
	if (flags & TCPHDR_ACK) {
		if (ns_tcp_delack_ack_sent(&tp->delack))
			ns_timer_cancel(stack, &tp->delack_timer);
	}
	if (s->len) {
		tp->data_segs_out += segs;
		tp->bytes_sent += s->len;
		ns_tcp_delack_data_sent(&tp->delack, stack->now);
	}
	/* A refused frame is a loss on our own link: recovery repairs it. */
	return 0;
}

/* ---- Control segments ---------------------------------------------------- */

void ns_tcp_send_ack(struct tcp_sock *tp)
{
	if (tp->sk.state == NS_TCP_CLOSE || tp->sk.state == NS_TCP_LISTEN ||
	    tp->sk.state == NS_TCP_SYN_SENT)
		return;
	struct seg_spec s = { .seq = tp->snd_nxt, .flags = TCPHDR_ACK };
	transmit(tp, &s);
}

void ns_tcp_ack_check(struct tcp_sock *tp)
{
	struct tcp_delack *dl = &tp->delack;
	if (!(dl->pending & (TCP_ACK_SCHED | TCP_ACK_NOW)))
		return;
	uint32_t unacked = tp->rcv_nxt - tp->rwin.rcv_wup;
	uint32_t full = ns_tcp_win_from_space((uint32_t)tp->sk.rcvbuf);
	bool moves = ns_tcp_window_allowed(&tp->rwin, rcv_space(tp), full,
					   dl->rcv_mss) >= tp->rwin.rcv_wnd;
	uint64_t when;
	if (ns_tcp_delack_check(dl, unacked, moves, tp->rcvq.ofo_head != NULL,
				tp->rtt.srtt, tp->sk.stack->now, &when))
		ns_tcp_send_ack(tp);
	else
		ns_tcp_delack_arm(tp, when);
}

void ns_tcp_cleanup_rbuf(struct tcp_sock *tp, uint32_t copied)
{
	struct tcp_delack *dl = &tp->delack;
	bool ack = false;
	if (dl->pending & TCP_ACK_SCHED) {
		/* An ACK every two segments that input did not send, or the
		 * reader drained a short message of a one-way exchange. */
		if (tp->rcv_nxt - tp->rwin.rcv_wup > dl->rcv_mss ||
		    (copied && tp->rcvq.inq.bytes == 0 &&
		     ((dl->pending & TCP_ACK_PUSHED2) ||
		      ((dl->pending & TCP_ACK_PUSHED) &&
		       !ns_tcp_delack_in_pingpong(dl)))))
			ack = true;
	}
	if (copied && !ack && !(tp->sk.shutdown & NS_SHUT_RD)) {
		/* A window update when the read opened the window at least
		 * twofold (Linux tcp_cleanup_rbuf). */
		uint32_t now_win = ns_tcp_receive_window(&tp->rwin);
		if (2 * now_win <= tp->rwin.window_clamp) {
			uint32_t full =
				ns_tcp_win_from_space((uint32_t)tp->sk.rcvbuf);
			uint32_t new_win = ns_tcp_window_allowed(
				&tp->rwin, rcv_space(tp), full, dl->rcv_mss);
			if (new_win && new_win >= 2 * now_win)
				ack = true;
		}
	}
	if (ack)
		ns_tcp_send_ack(tp);
}

void ns_tcp_syn_setup(struct tcp_sock *tp)
{
	uint32_t room = path_room(tp);
	uint32_t advmss = room - TCP_HDR_LEN;
	if (tp->user_mss && tp->user_mss < advmss)
		advmss = tp->user_mss;
	tp->advmss = (uint16_t)advmss;
	if (tp->sk.state == NS_TCP_SYN_SENT || tp->wscale_ok)
		tp->rwin.rcv_wscale = ns_tcp_listener_wscale(tp);
	else
		tp->rwin.rcv_wscale = 0;
	/* Linux 6.1 tcp_select_initial_window: the buffer's space in whole
	 * segments, at most 65535. The segments are the MSS we announce for
	 * a SYN (64240 for the defaults, tcp_connect_init), less the
	 * timestamp option when the SYN-ACK agrees to it (65160,
	 * tcp_openreq_init_rwin). */
	uint32_t seg = advmss;
	if (tp->sk.state != NS_TCP_SYN_SENT && tp->ts_ok)
		seg -= TCP_TS_LEN;
	uint32_t space = ns_tcp_win_from_space((uint32_t)tp->sk.rcvbuf);
	uint32_t win = ns_tcp_initial_window(space, seg);
	tp->rwin.rcv_wnd = win;
	tp->rwin.rcv_ssthresh = win;
	tp->rwin.window_clamp = ns_tcp_win_from_space(
		tp->rcvbuf_locked ? (uint32_t)tp->sk.rcvbuf
				  : tp->sk.stack->sysctl.tcp_rmem[2]);
	if (tp->window_clamp_user &&
	    tp->window_clamp_user < tp->rwin.window_clamp)
		tp->rwin.window_clamp = tp->window_clamp_user;
}

void ns_tcp_send_syn(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	if (tp->syn_retries == 0) {
		ns_tcp_syn_setup(tp);
		tp->snd_una = tp->iss;
		tp->snd_nxt = tp->iss + 1;
		ns_tcp_sndbuf_destroy(&tp->sndq);
		ns_tcp_sndbuf_init(&tp->sndq, tp->iss + 1, tp->sndq.pool);
	} else {
		TCPX_INC(stack, TCPSynRetrans);
		TCP_INC(stack, RetransSegs);
	}
	struct seg_spec s = { .seq = tp->iss,
			      .flags = TCPHDR_SYN,
			      .syn_opts = true };
	tp->lsndtime = stack->now;
	transmit(tp, &s);
	ns_tcp_rtx_arm(tp, TCP_RTX_RETRANS,
		       stack->now + ns_tcp_rtt_timeout(&tp->rtt));
}

void ns_tcp_send_synack(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	if (tp->snd_nxt != tp->iss + 1) {
		ns_tcp_syn_setup(tp);
		tp->snd_una = tp->iss;
		tp->snd_nxt = tp->iss + 1;
		ns_tcp_sndbuf_init(&tp->sndq, tp->iss + 1, tp->sndq.pool);
	} else {
		TCPX_INC(stack, TCPSynRetrans);
		TCP_INC(stack, RetransSegs);
	}
	struct seg_spec s = { .seq = tp->iss,
			      .flags = TCPHDR_SYN | TCPHDR_ACK,
			      .syn_opts = true };
	tp->lsndtime = stack->now;
	transmit(tp, &s);
	ns_tcp_rtx_arm(tp, TCP_RTX_RETRANS,
		       stack->now + ns_tcp_rtt_timeout(&tp->rtt));
}

void ns_tcp_send_active_reset(struct tcp_sock *tp)
{
	struct seg_spec s = { .seq = tp->snd_nxt,
			      .flags = TCPHDR_RST | TCPHDR_ACK };
	transmit(tp, &s);
}

/* ---- Stateless replies ---------------------------------------------------- */

/* Sends a header-only segment from a received one's addresses. */
static void reply(struct ns_stack *stack, const struct tcp_seg *in,
		  uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
		  const struct ns_tcp_opts *o, bool syn_opts, uint8_t ttl,
		  uint8_t tos, int oif)
{
	struct ns_dst d;
	if (!oif && ns_addr_needs_scope(&in->saddr))
		oif = in->ifindex;
	if (ns_route_output(stack, &in->saddr, &in->daddr, oif, &d) < 0)
		return;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 0);
	if (pkt == NULL)
		return;
	uint32_t hdr_len =
		TCP_HDR_LEN + (o ? (uint32_t)ns_tcp_opt_len(o, syn_opts) : 0);
	uint8_t *h = ns_pkt_push(pkt, hdr_len);
	if (o)
		ns_tcp_opt_build(h + TCP_HDR_LEN, o, syn_opts);
	put_header(h, in->dport, in->sport, seq, ack, hdr_len, flags, wnd, 0);
	struct ns_ip_tx tx = { .src = in->daddr,
			       .dst = in->saddr,
			       .proto = IPPROTO_TCP,
			       .ttl = ttl,
			       .tos = tos,
			       .pmtudisc = NS_PMTUDISC_DO };
	ns_l4_csum_partial(pkt, &tx.src, &tx.dst, IPPROTO_TCP, 16);
	if (ns_ip_output(stack, &d, pkt, &tx) == 0) {
		TCP_INC(stack, OutSegs);
		if (flags & TCPHDR_RST)
			TCP_INC(stack, OutRsts);
	}
}

void ns_tcp_send_reset(struct ns_stack *stack, const struct tcp_seg *seg)
{
	if (seg->flags & TCPHDR_RST)
		return;
	/* RFC 9293 3.10.7.1: acknowledge what the segment occupied, or
	 * take the sequence number it acknowledged. */
	if (seg->flags & TCPHDR_ACK)
		reply(stack, seg, seg->ack, 0, TCPHDR_RST, 0, NULL, false, 64,
		      0, 0);
	else
		reply(stack, seg, 0, seg->end_seq, TCPHDR_RST | TCPHDR_ACK, 0,
		      NULL, false, 64, 0, 0);
}

void ns_tcp_tw_send_ack(struct ns_stack *stack, struct tcp_tw *tw)
{
	struct tcp_seg in = { .saddr = tw->conn.raddr,
			      .daddr = tw->conn.laddr,
			      .sport = tw->conn.rport,
			      .dport = tw->conn.lport };
	struct ns_tcp_opts o = { 0 };
	if (tw->ts_ok) {
		o.present = TCP_OPT_F_TS;
		o.ts_val = ns_tcp_ts_now(stack->now, tw->ts_off);
		o.ts_ecr = tw->ts_recent;
	}
	uint32_t wnd = tw->rcv_wnd >> tw->rcv_wscale;
	reply(stack, &in, tw->snd_nxt, tw->rcv_nxt, TCPHDR_ACK,
	      (uint16_t)(wnd > 65535 ? 65535 : wnd), &o, false, tw->ttl,
	      tw->tos, tw->bound_ifindex);
}

void ns_tcp_send_cookie_synack(struct tcp_sock *lp, const struct tcp_seg *seg)
{
	struct ns_stack *stack = lp->sk.stack;
	struct ns_tcp_tuple t;
	ns_tcp_tuple_of(&seg->daddr, seg->dport, &seg->saddr, seg->sport, &t);
	struct ns_dst d;
	int oif = ns_addr_needs_scope(&seg->saddr) ? seg->ifindex : 0;
	if (ns_route_output(stack, &seg->saddr, &seg->daddr, oif, &d) < 0)
		return;
	uint32_t advmss = d.mtu - (seg->v6 ? 40 : 20) - TCP_HDR_LEN;
	if (lp->user_mss && lp->user_mss < advmss)
		advmss = lp->user_mss;
	uint16_t mss = (seg->opts.present & TCP_OPT_F_MSS) ? seg->opts.mss
							   : TCP_DEFAULT_MSS;
	if (mss > advmss)
		mss = (uint16_t)advmss;
	uint32_t isn = ns_tcp_cookie_make(&tcp_stack(stack)->secrets, &t,
					  seg->seq, &mss, stack->now);
	struct ns_tcp_opts o = { .present = TCP_OPT_F_MSS,
				 .mss = (uint16_t)advmss };
	const struct ns_sysctl *sys = &stack->sysctl;
	bool ws = sys->tcp_window_scaling &&
		  (seg->opts.present & TCP_OPT_F_WSCALE);
	bool sack = sys->tcp_sack && (seg->opts.present & TCP_OPT_F_SACK_PERM);
	if (sys->tcp_timestamps && (seg->opts.present & TCP_OPT_F_TS)) {
		/* Linux cookie_init_timestamp: the peer's scale and SACK
		 * permission ride in our TSval. Without timestamps a
		 * cookie connection has neither (RFC 4987 3.6). */
		uint32_t ts_off =
			ns_tcp_ts_offset(&tcp_stack(stack)->secrets, &t);
		uint32_t raw = ns_tcp_ts_now(stack->now, 0);
		o.present |= TCP_OPT_F_TS;
		o.ts_val = ns_tcp_cookie_tsval(raw, ws ? seg->opts.wscale : -1,
					       sack) +
			   ts_off;
		o.ts_ecr = seg->opts.ts_val;
		if (ws) {
			o.present |= TCP_OPT_F_WSCALE;
			o.wscale = ns_tcp_listener_wscale(lp);
		}
		if (sack)
			o.present |= TCP_OPT_F_SACK_PERM;
	}
	(void)mss;
	/* As ns_tcp_syn_setup: whole segments, timestamps excluded. */
	uint32_t space = ns_tcp_win_from_space((uint32_t)lp->sk.rcvbuf);
	uint32_t win = ns_tcp_initial_window(
		space, advmss - ((o.present & TCP_OPT_F_TS) ? TCP_TS_LEN : 0));
	reply(stack, seg, isn, seg->seq + 1, TCPHDR_SYN | TCPHDR_ACK,
	      (uint16_t)win, &o, true, ns_sock_ttl(&lp->sk, &seg->saddr),
	      lp->sk.tos, oif);
}

/* ---- Data: the send policy ------------------------------------------------ */

uint32_t ns_tcp_send_space(const struct tcp_sock *tp)
{
	uint32_t cap = ns_tcp_win_from_space((uint32_t)tp->sk.sndbuf);
	uint32_t used = ns_tcp_sndbuf_bytes(&tp->sndq);
	return used < cap ? cap - used : 0;
}

void ns_tcp_sndbuf_expand(struct tcp_sock *tp)
{
	if (tp->sndbuf_locked)
		return;
	/* The path's segment, not the one bounded by the peer's window:
	 * Linux sizes the buffer by max(mss_clamp, mss_cache). */
	uint32_t want = ns_tcp_sndbuf_target(tp->cc.cwnd, tp->mss_path,
					     tp->sk.stack->sysctl.tcp_wmem[2]);
	if (want > (uint32_t)tp->sk.sndbuf)
		tp->sk.sndbuf = (int)want;
}

void ns_tcp_init_connection(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	uint32_t mss = ns_tcp_current_mss(tp);
	uint32_t hint = tp->advmss < mss ? tp->advmss : mss;
	if (hint > TCP_DEFAULT_MSS)
		hint = TCP_DEFAULT_MSS;
	ns_tcp_delack_init(&tp->delack, hint);
	ns_tcp_rcv_tune_init(&tp->tune,
			     tp->rwin.rcv_wnd < 10 * tp->advmss
				     ? tp->rwin.rcv_wnd
				     : 10u * tp->advmss,
			     tp->copied_seq, stack->now);
	/* The window clamp follows the buffer as auto-tuning grows it. */
	uint32_t clamp = ns_tcp_win_from_space((uint32_t)tp->sk.rcvbuf);
	if (clamp < tp->rwin.window_clamp)
		tp->rwin.window_clamp = clamp;
	if (tp->window_clamp_user &&
	    tp->window_clamp_user < tp->rwin.window_clamp)
		tp->rwin.window_clamp = tp->window_clamp_user;
	if (tp->rwin.rcv_ssthresh > tp->rwin.window_clamp)
		tp->rwin.rcv_ssthresh = tp->rwin.window_clamp;
	ns_tcp_sb_init(&tp->sb);
	tp->sndq.una_seq = tp->snd_una;
	ns_tcp_sndbuf_expand(tp);
	tp->start_ns = stack->now;
	tp->rcv_tstamp = stack->now;
	tp->lrcvtime = stack->now;
	tp->syn_retries = 0;
	ns_tcp_keepalive_rearm(tp);
}

/* Whether the congestion window has room (the pipe, RFC 6675, excluding
 * what duplicate ACKs said left the network). */
static uint32_t in_flight(const struct tcp_sock *tp)
{
	uint32_t f = ns_tcp_sb_in_flight(&tp->sb);
	return f > tp->reno_dupacks ? f - tp->reno_dupacks : 0;
}

/* The link can segment super-segments itself (TSO). */
static bool tso_ok(struct tcp_sock *tp)
{
	struct ns_dst *d;
	if (ns_sock_route(&tp->sk, &d) < 0 || d->nic == NULL)
		return false;
	return (d->nic->info.caps & NS_LINK_CAP_TSO) != 0;
}

int ns_tcp_retransmit(struct tcp_sock *tp, uint32_t i)
{
	struct ns_stack *stack = tp->sk.stack;
	struct tcp_rec *rec = ns_tcp_sb_at(&tp->sb, i);
	bool fin = tp->fin_sent && rec->end == tp->sndq.end_seq + 1;
	uint32_t len = rec->end - rec->seq - (fin ? 1 : 0);
	uint32_t mss = ns_tcp_send_mss(tp);
	if (len > mss) {
		/* Sent before the path MTU fell: the record goes again cut
		 * to the MSS of now (Linux tcp_fragment in
		 * __tcp_retransmit_skb). */
		int r = ns_tcp_sb_split(&tp->sb, i, rec->seq + mss);
		if (r < 0)
			return r;
		rec = ns_tcp_sb_at(&tp->sb, i);
		fin = false;
		len = mss;
	}
	uint32_t seq = rec->seq;
	struct seg_spec s = { .seq = seq,
			      .len = len,
			      .flags = TCPHDR_ACK | (fin ? TCPHDR_FIN : 0) };
	if (len && seq + len == tp->sndq.end_seq)
		s.flags |= TCPHDR_PSH;
	int r = transmit(tp, &s);
	if (r < 0)
		return r;
	if (tp->retrans_stamp == 0)
		tp->retrans_stamp = stack->now;
	if (tp->undo_marker)
		tp->undo_retrans++;
	if (rec->flags & TCP_REC_EVER_RETRANS)
		TCPX_INC(stack, TCPLostRetransmit);
	ns_tcp_sb_retransmitted(&tp->sb, i, stack->now);
	TCP_INC(stack, RetransSegs);
	tp->total_retrans++;
	tp->bytes_retrans += len;
	if (tp->cc.state == NS_CA_RECOVERY)
		TCPX_INC(stack, TCPFastRetrans);
	else if (tp->cc.state == NS_CA_LOSS)
		TCPX_INC(stack, TCPSlowStartRetrans);
	return 0;
}

/* Records a new segment (or a TSO super-segment split at mss) on the
 * scoreboard. */
static int record_sent(struct tcp_sock *tp, uint32_t seq, uint32_t len,
		       bool fin, uint32_t mss)
{
	uint64_t now = tp->sk.stack->now;
	uint32_t end = seq + len;
	while (seq_lt(seq, end) || (fin && seq == end)) {
		uint32_t n = end - seq < mss ? end - seq : mss;
		bool last = seq + n == end;
		uint32_t rec_end = seq + n + (last && fin ? 1 : 0);
		int r = ns_tcp_sb_sent(&tp->sb, seq, rec_end, now);
		if (r < 0)
			return r;
		seq += n;
		if (last)
			break;
	}
	return 0;
}

/* RFC 9293 3.8.6.2.1 and Linux tcp_nagle_test: may a segment of len
 * bytes, less than an MSS, go now? window_cut: the peer's window, not a
 * lack of data, made it short; cork: TCP_CORK or MSG_MORE. */
static bool small_segment_ok(const struct tcp_sock *tp, uint32_t len,
			     bool window_cut, bool cork)
{
	/* Sender SWS avoidance: a sliver because the window is nearly
	 * closed waits for more window, unless it is at least half the
	 * largest window the peer offered. */
	if (window_cut)
		return len >= tp->max_window / 2;
	if (cork)
		return false;
	/* Nagle (RFC 896) in Minshall's form, as Linux: hold a short
	 * segment only while an earlier short one is unacknowledged. */
	if (!tp->nodelay && tp->sb.count > 0 &&
	    seq_gt(tp->snd_sml, tp->snd_una))
		return false;
	return true;
}

/* How write_xmit decides on a segment shorter than an MSS. */
enum xmit_how {
	XMIT_PUSH,  /* Nagle, SWS avoidance and TCP_CORK apply */
	XMIT_MORE,  /* the same, and MSG_MORE holds a short tail */
	XMIT_FORCE, /* a window probe: whatever fits (tcp_write_wakeup) */
};

/* Sends new data (and the FIN) within the windows. limit_segs bounds the
 * segments (a probe sends one); ignore_cwnd for probes. Returns the
 * segments sent. */
static uint32_t write_xmit(struct tcp_sock *tp, uint32_t limit_segs,
			   bool ignore_cwnd, enum xmit_how how)
{
	struct ns_stack *stack = tp->sk.stack;
	uint32_t mss = ns_tcp_send_mss(tp);
	bool tso = tso_ok(tp);
	uint32_t sent = 0;
	tp->cwnd_limited = false;
	while (sent < limit_segs) {
		uint32_t seq = tp->snd_nxt;
		uint32_t avail = tp->sndq.end_seq - seq;
		bool fin_pending = tp->fin_queued && !tp->fin_sent;
		if (avail == 0 && !fin_pending)
			break;
		uint32_t flight = in_flight(tp);
		if (!ignore_cwnd && flight >= tp->cc.cwnd) {
			tp->cwnd_limited = true;
			break;
		}
		uint32_t wnd_end = tp->snd_una + tp->snd_wnd;
		uint32_t room = seq_lt(seq, wnd_end) ? wnd_end - seq : 0;
		/* Even a bare FIN needs a byte of window (Linux). */
		if (room == 0)
			break;
		uint32_t max_len = mss;
		if (tso && !ignore_cwnd && tp->cc.cwnd - flight > 1) {
			uint32_t segs = tp->cc.cwnd - flight;
			if (segs > TSO_MAX_BYTES / mss)
				segs = TSO_MAX_BYTES / mss;
			if (segs > limit_segs - sent)
				segs = limit_segs - sent;
			max_len = segs * mss;
		}
		uint32_t len = avail < max_len ? avail : max_len;
		bool window_cut = false;
		if (len > room) {
			len = room;
			window_cut = true;
		}
		/* A super-segment is made of whole segments. */
		if (len > mss && len % mss && len < avail)
			len -= len % mss;
		bool fin = fin_pending && seq + len == tp->sndq.end_seq;
		/* A FIN goes at once (Nagle does not hold it, Linux). */
		if (len < mss && !fin && how != XMIT_FORCE &&
		    !small_segment_ok(tp, len, window_cut,
				      how == XMIT_MORE || tp->cork))
			break;
		struct seg_spec s = {
			.seq = seq,
			.len = len,
			.flags = TCPHDR_ACK | (fin ? TCPHDR_FIN : 0),
			.gso_size = len > mss ? (uint16_t)mss : 0
		};
		/* PSH ends a write's data; a bare FIN carries none (Linux).
		 * A window probe's data is pushed too (tcp_write_wakeup). */
		if (len && (seq + len == tp->sndq.end_seq || how == XMIT_FORCE))
			s.flags |= TCPHDR_PSH;
		bool was_idle = tp->sb.count == 0;
		uint32_t records = tp->sb.count;
		if (record_sent(tp, seq, len, fin, mss) < 0)
			break;
		if (transmit(tp, &s) < 0) {
			/* Nothing went out: the records go again. */
			ns_tcp_sb_unsend(&tp->sb, records);
			break;
		}
		if (was_idle && tp->lsndtime &&
		    stack->now - tp->lsndtime > ns_tcp_rtt_timeout(&tp->rtt))
			ns_tcp_cc_restart_after_idle(
				&tp->cc, stack->now - tp->lsndtime,
				ns_tcp_rtt_timeout(&tp->rtt), stack->now);
		ns_tcp_cc_on_send(&tp->cc, was_idle, stack->now);
		uint32_t segs = len > mss ? (len + mss - 1) / mss : 1;
		tp->snd_nxt = seq + len + (fin ? 1 : 0);
		if (len < mss)
			tp->snd_sml = tp->snd_nxt;
		if (fin)
			tp->fin_sent = true;
		tp->lsndtime = stack->now;
		TCPX_ADD(stack, TCPOrigDataSent, segs);
		if (tp->cc.state == NS_CA_RECOVERY || tp->cc.state == NS_CA_CWR)
			ns_tcp_cc_prr_sent(&tp->cc, segs);
		sent += segs;
		if (fin)
			break;
	}
	return sent;
}

/* Retransmits lost segments while the window allows (RFC 6675 NextSeg
 * rule 1; Linux tcp_xmit_retransmit_queue). */
static void xmit_retransmit_queue(struct tcp_sock *tp)
{
	while (tp->sb.lost_out) {
		uint32_t i = ns_tcp_sb_next_lost(&tp->sb);
		if (i >= tp->sb.count)
			break;
		if (in_flight(tp) >= tp->cc.cwnd) {
			tp->cwnd_limited = true;
			break;
		}
		/* Beyond the peer's window there is nothing to repair. */
		struct tcp_rec *rec = ns_tcp_sb_at(&tp->sb, i);
		if (seq_gt(rec->seq, tp->snd_una + tp->snd_wnd) && tp->snd_wnd)
			break;
		if (ns_tcp_retransmit(tp, i) < 0)
			break;
		if (tp->cc.state == NS_CA_RECOVERY || tp->cc.state == NS_CA_CWR)
			ns_tcp_cc_prr_sent(&tp->cc, 1);
	}
}

void ns_tcp_push_more(struct tcp_sock *tp, bool more)
{
	switch (tp->sk.state) {
	case NS_TCP_ESTABLISHED:
	case NS_TCP_CLOSE_WAIT:
	case NS_TCP_FIN_WAIT1:
	case NS_TCP_CLOSING:
	case NS_TCP_LAST_ACK:
		break;
	default:
		return;
	}
	uint32_t before = tp->sb.count;
	bool armed = tp->rtx_kind != TCP_RTX_NONE;
	xmit_retransmit_queue(tp);
	write_xmit(tp, UINT32_MAX, false, more ? XMIT_MORE : XMIT_PUSH);
	/* Data held back with nothing in flight (a closed or sub-MSS
	 * window, TCP_CORK, MSG_MORE) gets the probe timer, as Linux
	 * tcp_check_probe_timer: a lost window update cannot stall the
	 * connection, and a cork holds data for at most about 200 ms. */
	if (tp->sb.count != before || !armed ||
	    (tp->sb.count == 0 && ns_tcp_data_waiting(tp)))
		ns_tcp_rearm_rto(tp);
}

void ns_tcp_push(struct tcp_sock *tp)
{
	ns_tcp_push_more(tp, false);
}

/* ---- Probes -------------------------------------------------------------- */

/* A segment with an old sequence number and no data: the peer answers
 * with an ACK carrying its current window (Linux tcp_xmit_probe_skb). */
static int send_probe(struct tcp_sock *tp)
{
	struct seg_spec s = { .seq = tp->snd_una - 1, .flags = TCPHDR_ACK };
	return transmit(tp, &s);
}

int ns_tcp_write_wakeup(struct tcp_sock *tp)
{
	uint32_t wnd_end = tp->snd_una + tp->snd_wnd;
	if (tp->sndq.end_seq != tp->snd_nxt && seq_lt(tp->snd_nxt, wnd_end)) {
		/* The window opened (the update was lost): send data. */
		if (write_xmit(tp, 1, true, XMIT_FORCE))
			return 0;
	}
	return send_probe(tp);
}

void ns_tcp_send_loss_probe(struct tcp_sock *tp)
{
	struct ns_stack *stack = tp->sk.stack;
	uint32_t before = tp->sb.count;
	uint32_t wnd_end = tp->snd_una + tp->snd_wnd;
	bool new_data =
		tp->sndq.end_seq != tp->snd_nxt && seq_lt(tp->snd_nxt, wnd_end);
	/* RFC 8985 7.3: new data if any can go, else the last segment. */
	if (new_data && write_xmit(tp, 1, true, XMIT_PUSH)) {
		tp->tlp.is_retrans = false;
	} else if (tp->sb.count) {
		uint32_t last = tp->sb.count - 1;
		if (ns_tcp_retransmit(tp, last) < 0)
			return;
		tp->tlp.is_retrans = true;
	} else {
		return;
	}
	(void)before;
	tp->tlp.outstanding = true;
	tp->tlp.end_seq = tp->snd_nxt;
	TCPX_INC(stack, TCPLossProbes);
}
