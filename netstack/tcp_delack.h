/* Delayed ACKs, as Linux does them (RFC 9293 3.8.6.3, RFC 5681 4.2):
 *
 * - an ACK is delayed by the "ato", estimated from the gaps between
 *   arriving data segments (40 ms to start, bounded by the RTT and by
 *   200 ms), but sent at once when more than one full segment is
 *   unacknowledged and the window can move (ACK every second segment),
 *   when data arrived out of order, or in quick-ACK mode;
 * - quick-ACK mode acknowledges every segment: at the start of a
 *   connection (so the sender's slow start is not held back), after a
 *   long silence, and when something asks for it (out-of-order data, a
 *   window update after the application read);
 * - "ping-pong" (interactive) mode: when we answer data within the ato,
 *   the ACK rides on the answer and the delay may stretch to 200 ms;
 * - the receiver's estimate of the peer's MSS (rcv_mss) and the PUSHED
 *   marks let the application's read trigger an ACK for small messages.
 *
 * Times are nanoseconds.
 */
#ifndef NETSTACK_TCP_DELACK_H
#define NETSTACK_TCP_DELACK_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_ATO_MIN_NS	  (40ULL * 1000000ULL)
#define TCP_DELACK_MIN_NS (40ULL * 1000000ULL)
#define TCP_DELACK_MAX_NS (200ULL * 1000000ULL)
#define TCP_MAX_QUICKACKS 16u
/* Answers within the ato needed to enter ping-pong mode (Linux 6.1). */
#define TCP_PINGPONG_THRESH 3u

/* tcp_delack.pending bits (Linux ICSK_ACK_*). */
enum {
	TCP_ACK_SCHED = 1u << 0,   /* an ACK is owed */
	TCP_ACK_TIMER = 1u << 1,   /* the delayed-ACK timer is armed */
	TCP_ACK_PUSHED = 1u << 2,  /* a short (pushed) segment arrived */
	TCP_ACK_PUSHED2 = 1u << 3, /* two of them */
	TCP_ACK_NOW = 1u << 4,	   /* send the next ACK at once */
};

struct tcp_delack {
	uint64_t ato;	   /* 0 until the first data segment */
	uint64_t lrcvtime; /* arrival of the last data segment */
	uint64_t timeout;  /* when the armed timer fires */
	uint32_t rcv_mss;  /* the peer's segment size as seen */
	uint32_t last_seg_size;
	uint8_t pending; /* TCP_ACK_* */
	uint8_t quick;	 /* ACKs left to send at once */
	uint8_t pingpong;
};

/* rcv_mss starts as Linux's guess: min(advmss, 536) at least. */
void ns_tcp_delack_init(struct tcp_delack *d, uint32_t rcv_mss_guess);

static inline bool ns_tcp_delack_in_pingpong(const struct tcp_delack *d)
{
	return d->pingpong >= TCP_PINGPONG_THRESH;
}

static inline bool ns_tcp_delack_quick(const struct tcp_delack *d)
{
	return d->quick && !ns_tcp_delack_in_pingpong(d);
}

/* Linux tcp_incr_quickack: allow up to max quick ACKs, enough to cover
 * half the window in segments (rcv_window / (2 rcv_mss), at least 2). */
void ns_tcp_delack_incr_quick(struct tcp_delack *d, uint32_t rcv_window,
			      uint32_t max);

/* Quick-ACK mode proper: also leaves ping-pong and resets the ato. */
void ns_tcp_delack_enter_quick(struct tcp_delack *d, uint32_t rcv_window,
			       uint32_t max);

/* An in-order data segment of payload len arrived at now (Linux
 * tcp_event_data_recv and tcp_measure_rcv_mss). len_with_hdr counts the
 * TCP header too, hdr_len is our usual header length (20 + 12 with
 * timestamps), advmss our MSS, psh the segment's PSH flag. */
void ns_tcp_delack_data(struct tcp_delack *d, uint32_t len,
			uint32_t len_with_hdr, uint32_t hdr_len,
			uint32_t advmss, bool psh, uint32_t rcv_window,
			uint64_t rto, uint64_t now);

/* We are sending data at now (Linux tcp_event_data_sent): an answer
 * within the ato counts towards ping-pong mode. */
void ns_tcp_delack_data_sent(struct tcp_delack *d, uint64_t now);

/* An ACK went out (Linux tcp_event_ack_sent): the owed ACK is paid and a
 * quick ACK used up. Returns true when the timer should be cancelled. */
bool ns_tcp_delack_ack_sent(struct tcp_delack *d);

/* Decides, after in-order data was received, whether to ACK now (true) or
 * to arm the delayed ACK (false: *when is the deadline). unacked is
 * rcv_nxt - rcv_wup; window_moves: the window the buffer allows now is at
 * least the current offer; ofo: data is held out of order; srtt 0 when
 * unknown (Linux __tcp_ack_snd_check, tcp_send_delayed_ack). */
bool ns_tcp_delack_check(struct tcp_delack *d, uint32_t unacked,
			 bool window_moves, bool ofo, uint64_t srtt,
			 uint64_t now, uint64_t *when);

/* The delayed-ACK timer fired with an ACK owed (Linux
 * tcp_delack_timer_handler): a missed ACK in bulk transfer inflates the
 * ato; in ping-pong mode it means the answer did not come, so ping-pong
 * ends. The caller sends the ACK. */
void ns_tcp_delack_timer(struct tcp_delack *d, uint64_t rto);

#endif
