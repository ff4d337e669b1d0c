/* The receive window we offer, as Linux 6.1 computes it
 * (__tcp_select_window, tcp_select_window, tcp_select_initial_window):
 *
 * - the window follows the free buffer space (tcp_autotune.h's
 *   win_from_space of rcvbuf minus what is queued), limited by the window
 *   clamp and by rcv_ssthresh, Linux's receiver-side slow start that lets
 *   the window grow by two segments per data segment received;
 * - receiver SWS avoidance (RFC 9293 3.8.6.2.2): when the free space is
 *   below half the buffer and below one MSS or 1/16 of the buffer, offer
 *   zero rather than a sliver; without scaling, windows are rounded to
 *   multiples of the MSS;
 * - a window once offered is never taken back (RFC 9293 3.8.6: the right
 *   edge does not move left), and is scaled by rcv_wscale (RFC 7323 2).
 */
#ifndef NETSTACK_TCP_WINDOW_H
#define NETSTACK_TCP_WINDOW_H

#include <stdint.h>

/* What the receiver knows when choosing a window. */
struct tcp_rwin {
	uint32_t rcv_nxt;
	uint32_t rcv_wup; /* rcv_nxt when the last window was sent */
	uint32_t rcv_wnd; /* the window sent then, unscaled */
	uint32_t rcv_ssthresh;
	uint32_t window_clamp;
	uint8_t rcv_wscale;
};

/* Bytes of the last offered window still open: rcv_wup + rcv_wnd -
 * rcv_nxt, or 0 when the peer filled it (or overran it). */
uint32_t ns_tcp_receive_window(const struct tcp_rwin *w);

/* The window the buffer allows now (Linux __tcp_select_window): free and
 * full are the payload space free and in the whole buffer, rcv_mss the
 * peer's segment size as measured. May be below the current offer. */
uint32_t ns_tcp_window_allowed(const struct tcp_rwin *w, uint32_t free,
			       uint32_t full, uint32_t rcv_mss);

/* Chooses the window for an outgoing segment and records it (rcv_wnd,
 * rcv_wup = rcv_nxt); returns the value for the header's window field,
 * scaled. Never shrinks the offered window. */
uint16_t ns_tcp_select_window(struct tcp_rwin *w, uint32_t free, uint32_t full,
			      uint32_t rcv_mss);

/* The window scale to offer in a SYN for a buffer that may grow to
 * max_space bytes of payload (Linux: enough that 65535 << wscale covers
 * it, at most 14), and the initial window (at most 65535 unscaled, as
 * SYN windows are never scaled; RFC 7323 2.2). */
uint8_t ns_tcp_choose_wscale(uint32_t max_space);
uint32_t ns_tcp_initial_window(uint32_t space, uint32_t mss);

/* Linux tcp_grow_window on an in-order data segment of len bytes: raises
 * rcv_ssthresh by two segments, up to the clamp and the free space. */
void ns_tcp_grow_rcv_ssthresh(struct tcp_rwin *w, uint32_t len,
			      uint32_t rcv_mss, uint32_t free);

#endif
