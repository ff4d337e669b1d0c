/* Delayed ACKs: see tcp_delack.h. */
#include "tcp_delack.h"

/* Linux TCP_DEFAULT_MSS and TCP_MIN_MSS, the bounds of a "full" small
 * segment when measuring the peer's MSS. */
#define MSS_DEFAULT 536u
#define MIN_MSS	    88u
#define TCP_HDR_LEN 20u

void ns_tcp_delack_init(struct tcp_delack *d, uint32_t rcv_mss_guess)
{
	*d = (struct tcp_delack){ .rcv_mss = rcv_mss_guess };
}

void ns_tcp_delack_incr_quick(struct tcp_delack *d, uint32_t rcv_window,
			      uint32_t max)
{
	uint32_t q = d->rcv_mss ? rcv_window / (2 * d->rcv_mss) : 0;
	if (q == 0)
		q = 2;
	if (q > max)
		q = max;
	if (q > d->quick)
		d->quick = (uint8_t)q;
}

void ns_tcp_delack_enter_quick(struct tcp_delack *d, uint32_t rcv_window,
			       uint32_t max)
{
	ns_tcp_delack_incr_quick(d, rcv_window, max);
	d->pingpong = 0;
	d->ato = TCP_ATO_MIN_NS;
}

/* Linux tcp_measure_rcv_mss: learn the peer's segment size from full
 * segments; short ones mark the ACK as owed to a pushed message. */
static void measure_rcv_mss(struct tcp_delack *d, uint32_t len,
			    uint32_t len_with_hdr, uint32_t hdr_len,
			    uint32_t advmss, bool psh)
{
	uint32_t lss = d->last_seg_size;
	d->last_seg_size = 0;
	if (len >= d->rcv_mss) {
		d->rcv_mss = len < advmss ? len : advmss;
		/* A full segment with PSH ends a write: the sender may be
		 * waiting for this ACK. */
		if (psh)
			d->pending |= TCP_ACK_PUSHED;
		return;
	}
	/* Two equal, plausibly full-sized segments in a row reveal a
	 * smaller MSS than we assumed. */
	if (len_with_hdr >= MSS_DEFAULT + TCP_HDR_LEN ||
	    (len_with_hdr >= MIN_MSS + TCP_HDR_LEN && !psh)) {
		uint32_t seg = len_with_hdr - hdr_len;
		d->last_seg_size = seg;
		if (seg == lss) {
			d->rcv_mss = seg;
			return;
		}
	}
	if (d->pending & TCP_ACK_PUSHED)
		d->pending |= TCP_ACK_PUSHED2;
	d->pending |= TCP_ACK_PUSHED;
}

void ns_tcp_delack_data(struct tcp_delack *d, uint32_t len,
			uint32_t len_with_hdr, uint32_t hdr_len,
			uint32_t advmss, bool psh, uint32_t rcv_window,
			uint64_t rto, uint64_t now)
{
	d->pending |= TCP_ACK_SCHED;
	measure_rcv_mss(d, len, len_with_hdr, hdr_len, advmss, psh);
	if (d->ato == 0) {
		/* The first data: ACK quickly while the sender ramps up. */
		ns_tcp_delack_incr_quick(d, rcv_window, TCP_MAX_QUICKACKS);
		d->ato = TCP_ATO_MIN_NS;
	} else {
		uint64_t gap = now - d->lrcvtime;
		if (gap <= TCP_ATO_MIN_NS / 2) {
			d->ato = d->ato / 2 + TCP_ATO_MIN_NS / 2;
		} else if (gap < d->ato) {
			d->ato = d->ato / 2 + gap;
			if (d->ato > rto)
				d->ato = rto;
		} else if (gap > rto) {
			/* A long silence: the sender is likely restarting
			 * from a small window; help it along. */
			ns_tcp_delack_incr_quick(d, rcv_window,
						 TCP_MAX_QUICKACKS);
		}
	}
	d->lrcvtime = now;
}

void ns_tcp_delack_data_sent(struct tcp_delack *d, uint64_t now)
{
	if (d->ato && now - d->lrcvtime < d->ato &&
	    d->pingpong < TCP_PINGPONG_THRESH)
		d->pingpong++;
}

bool ns_tcp_delack_ack_sent(struct tcp_delack *d)
{
	if (d->quick) {
		if (--d->quick == 0)
			d->ato = TCP_ATO_MIN_NS;
	}
	bool armed = (d->pending & TCP_ACK_TIMER) != 0;
	d->pending = 0;
	return armed;
}

bool ns_tcp_delack_check(struct tcp_delack *d, uint32_t unacked,
			 bool window_moves, bool ofo, uint64_t srtt,
			 uint64_t now, uint64_t *when)
{
	/* More than one full segment unacknowledged (RFC 5681 4.2: ACK at
	 * least every second full segment), quick mode, a forced ACK, or a
	 * hole for the sender to learn about (RFC 5681 4.2: immediately on
	 * out-of-order data). */
	if ((unacked > d->rcv_mss && window_moves) || ns_tcp_delack_quick(d) ||
	    (d->pending & TCP_ACK_NOW) || ofo)
		return true;
	uint64_t ato = d->ato ? d->ato : TCP_ATO_MIN_NS;
	if (ato > TCP_DELACK_MIN_NS) {
		uint64_t max_ato = 500ULL * 1000000ULL;
		if (ns_tcp_delack_in_pingpong(d) ||
		    (d->pending & TCP_ACK_PUSHED))
			max_ato = TCP_DELACK_MAX_NS;
		if (srtt) {
			uint64_t rtt = srtt > TCP_DELACK_MIN_NS
					       ? srtt
					       : TCP_DELACK_MIN_NS;
			if (rtt < max_ato)
				max_ato = rtt;
		}
		if (ato > max_ato)
			ato = max_ato;
	}
	if (ato > TCP_DELACK_MAX_NS)
		ato = TCP_DELACK_MAX_NS;
	uint64_t deadline = now + ato;
	if (d->pending & TCP_ACK_TIMER) {
		/* An older deadline stands; one about to pass is met now. */
		if (d->timeout <= now + ato / 4)
			return true;
		if (d->timeout < deadline)
			deadline = d->timeout;
	}
	d->pending |= TCP_ACK_SCHED | TCP_ACK_TIMER;
	d->timeout = deadline;
	*when = deadline;
	return false;
}

void ns_tcp_delack_timer(struct tcp_delack *d, uint64_t rto)
{
	if (!ns_tcp_delack_in_pingpong(d)) {
		d->ato *= 2;
		if (d->ato > rto)
			d->ato = rto;
	} else {
		d->pingpong = 0;
		d->ato = TCP_ATO_MIN_NS;
	}
}
