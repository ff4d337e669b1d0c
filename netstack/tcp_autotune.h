/* Buffer auto-tuning, as Linux 6.1 (Debian 12's kernel) does it.
 *
 * Receive side (Linux tcp_rcv_space_adjust, "dynamic right-sizing"): the
 * receiver estimates the RTT from timestamps or, without them, from how
 * long it takes to receive a window's worth of data; once per RTT it looks
 * at how much the application read in that RTT and, if that grew, raises
 * the buffer so the advertised window can carry twice that plus room for
 * the sender's growth, up to the tcp_rmem maximum.
 *
 * Send side (Linux tcp_sndbuf_expand): the buffer holds twice the
 * congestion window (what is in flight plus as much again for recovery and
 * growth), up to the tcp_wmem maximum.
 *
 * Buffer sizes mean what SO_RCVBUF/SO_SNDBUF report: like Linux with
 * tcp_adv_win_scale = 1, half of the buffer is usable for payload (the
 * window), the other half is the allowance for bookkeeping. Setting either
 * option locks it and stops tuning (Linux SOCK_*BUF_LOCK).
 */
#ifndef NETSTACK_TCP_AUTOTUNE_H
#define NETSTACK_TCP_AUTOTUNE_H

#include <stdbool.h>
#include <stdint.h>

/* Linux defaults of net.ipv4.tcp_rmem and ns_tcp_wmem (min, default, max). */
#define TCP_RMEM_MIN	 4096u
#define TCP_RMEM_DEFAULT 131072u
#define TCP_RMEM_MAX	 6291456u
#define TCP_WMEM_MIN	 4096u
#define TCP_WMEM_DEFAULT 16384u
#define TCP_WMEM_MAX	 4194304u

/* Payload a buffer of `space` bytes may hold, and the reverse. */
static inline uint32_t ns_tcp_win_from_space(uint32_t space)
{
	return space / 2;
}

static inline uint32_t ns_tcp_space_from_win(uint64_t win)
{
	return win >= UINT32_MAX / 2 ? UINT32_MAX : (uint32_t)(win * 2);
}

struct tcp_rcv_tune {
	uint32_t space;	   /* bytes read by the application per RTT */
	uint32_t seq;	   /* copied_seq at the start of this measurement */
	uint64_t time;	   /* start of this measurement */
	uint64_t rtt8;	   /* receiver RTT estimate, ns, scaled by 8 */
	uint32_t rtt_seq;  /* window-based RTT measurement: end sequence */
	uint64_t rtt_time; /* and start time; 0: not started */
};

/* At the start of the data phase: space is the initial estimate (Linux:
 * min(rcv_wnd, 10 * advmss)), copied_seq the application's read point. */
void ns_tcp_rcv_tune_init(struct tcp_rcv_tune *t, uint32_t space,
			  uint32_t copied_seq, uint64_t now);

/* RTT from the window without timestamps (Linux tcp_rcv_rtt_measure): call
 * for each in-order data segment with rcv_nxt after it and the window
 * currently offered. */
void ns_tcp_rcv_rtt_measure(struct tcp_rcv_tune *t, uint32_t rcv_nxt,
			    uint32_t rcv_wnd, uint64_t now);

/* RTT sample from a timestamp echo on a full-sized data segment (Linux
 * tcp_rcv_rtt_measure_ts). */
void ns_tcp_rcv_rtt_sample(struct tcp_rcv_tune *t, uint64_t rtt);

/* The application has read up to copied_seq at now. When an RTT has passed
 * since the last look and the reader keeps up with more than before, sets
 * *rcvbuf to the grown buffer (at most rmem_max) and returns true; the
 * caller raises its window clamp to ns_tcp_win_from_space(*rcvbuf). *rcvbuf
 * is never lowered. locked: SO_RCVBUF was set, measure but do not grow. */
bool ns_tcp_rcv_space_adjust(struct tcp_rcv_tune *t, uint32_t copied_seq,
			     uint64_t now, uint32_t advmss, uint32_t rmem_max,
			     bool locked, uint32_t *rcvbuf);

/* Send buffer wanted for a congestion window of cwnd segments of mss
 * bytes (Linux tcp_sndbuf_expand, counting at least the initial window),
 * at most wmem_max. */
uint32_t ns_tcp_sndbuf_target(uint32_t cwnd, uint32_t mss, uint32_t wmem_max);

#endif
