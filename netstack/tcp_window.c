/* Receive window selection: see tcp_window.h. */
#include "tcp_window.h"

#include "tcp_opt.h"

uint32_t ns_tcp_receive_window(const struct tcp_rwin *w)
{
	int32_t win = (int32_t)(w->rcv_wup + w->rcv_wnd - w->rcv_nxt);
	return win > 0 ? (uint32_t)win : 0;
}

static uint32_t align_up(uint32_t v, uint8_t shift)
{
	uint32_t unit = 1u << shift;
	return (v + unit - 1) & ~(unit - 1);
}

uint32_t ns_tcp_window_allowed(const struct tcp_rwin *w, uint32_t free,
			       uint32_t full, uint32_t rcv_mss)
{
	uint32_t full_space = w->window_clamp < full ? w->window_clamp : full;
	uint32_t mss = rcv_mss ? rcv_mss : 1;
	if (mss > full_space) {
		mss = full_space;
		if (mss == 0)
			return 0;
	}
	if (free < full_space / 2) {
		/* Offering less than was free would grow with the scale's
		 * rounding; round down first. */
		free &= ~((1u << w->rcv_wscale) - 1);
		/* RFC 9293 3.8.6.2.2: no sliver windows. */
		if (free < full / 16 || free < mss)
			return 0;
	}
	if (free > w->rcv_ssthresh)
		free = w->rcv_ssthresh;
	if (w->rcv_wscale)
		/* Scaled windows cannot line up with the MSS anyway; round
		 * up so a small window does not scale to zero. */
		return align_up(free, w->rcv_wscale);
	/* Unscaled: keep the current offer when it is within an MSS of the
	 * free space, else offer a multiple of the MSS. */
	uint32_t window = w->rcv_wnd;
	if (window + mss <= free || window > free)
		window = free / mss * mss;
	else if (mss == full_space && free > window + full_space / 2)
		window = free;
	return window;
}

uint16_t ns_tcp_select_window(struct tcp_rwin *w, uint32_t free, uint32_t full,
			      uint32_t rcv_mss)
{
	uint32_t cur = ns_tcp_receive_window(w);
	uint32_t win = ns_tcp_window_allowed(w, free, full, rcv_mss);
	/* RFC 9293 3.8.6: the offered right edge never moves left. */
	if (win < cur)
		win = align_up(cur, w->rcv_wscale);
	uint32_t max = 65535u << w->rcv_wscale;
	if (win > max)
		win = max;
	w->rcv_wnd = win;
	w->rcv_wup = w->rcv_nxt;
	return (uint16_t)(win >> w->rcv_wscale);
}

uint8_t ns_tcp_choose_wscale(uint32_t max_space)
{
	uint8_t ws = 0;
	while (max_space > 65535 && ws < TCP_MAX_WSCALE) {
		max_space >>= 1;
		ws++;
	}
	return ws;
}

uint32_t ns_tcp_initial_window(uint32_t space, uint32_t mss)
{
	/* A whole number of segments, as Linux rounds it, then at most
	 * what the unscaled field holds. */
	if (mss && space > mss)
		space = space / mss * mss;
	return space < 65535 ? space : 65535;
}

void ns_tcp_grow_rcv_ssthresh(struct tcp_rwin *w, uint32_t len,
			      uint32_t rcv_mss, uint32_t free)
{
	/* Tiny segments (a peer dribbling bytes) earn no window. */
	if (len < 128)
		return;
	if (w->rcv_ssthresh >= w->window_clamp || w->rcv_ssthresh >= free)
		return;
	uint32_t grown = w->rcv_ssthresh + 2 * rcv_mss;
	w->rcv_ssthresh = grown < w->window_clamp ? grown : w->window_clamp;
}
