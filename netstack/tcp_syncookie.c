/* SYN cookies in Linux's layout: see tcp_syncookie.h. */
#include "tcp_syncookie.h"

#define COOKIE_BITS 24
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1)
/* Minutes a cookie stays valid (Linux MAX_SYNCOOKIE_AGE). */
#define COOKIE_MAX_AGE	 2
#define COOKIE_PERIOD_NS (60ULL * 1000000000ULL)

/* Low bits of a cookie TSval (Linux TS_OPT_*). */
#define TS_WSCALE_MASK 0xfu
#define TS_SACK	       (1u << 4)
#define TS_BITS	       6

/* Common MSS values, as Linux's msstab for IPv4 and IPv6: a SYN's MSS is
 * rounded down to one of them. */
static const uint16_t mss_v4[] = { 536, 1300, 1440, 1460 };
static const uint16_t mss_v6[] = { 1280 - 60, 1480 - 60, 1500 - 60, 9000 - 60 };

static const uint16_t *mss_table(const struct ns_tcp_tuple *t)
{
	return t->alen == 16 ? mss_v6 : mss_v4;
}

static uint32_t cookie_hash(const struct ns_tcp_secrets *s,
			    const struct ns_tcp_tuple *t, uint32_t count,
			    int which)
{
	return (uint32_t)ns_tcp_tuple_hash(&s->cookie[which], t, count);
}

uint32_t ns_tcp_cookie_make(const struct ns_tcp_secrets *s,
			    const struct ns_tcp_tuple *t, uint32_t peer_isn,
			    uint16_t *mss, uint64_t now_ns)
{
	const uint16_t *tab = mss_table(t);
	uint32_t idx = 3;
	while (idx > 0 && *mss < tab[idx])
		idx--;
	*mss = tab[idx];
	uint32_t count = (uint32_t)(now_ns / COOKIE_PERIOD_NS);
	return cookie_hash(s, t, 0, 0) + peer_isn + (count << COOKIE_BITS) +
	       ((cookie_hash(s, t, count, 1) + idx) & COOKIE_MASK);
}

uint16_t ns_tcp_cookie_check(const struct ns_tcp_secrets *s,
			     const struct ns_tcp_tuple *t, uint32_t cookie,
			     uint32_t peer_isn, uint64_t now_ns)
{
	uint32_t count = (uint32_t)(now_ns / COOKIE_PERIOD_NS);
	cookie -= cookie_hash(s, t, 0, 0) + peer_isn;
	/* The top 8 bits hold the minute the cookie was made. */
	uint32_t age = (count - (cookie >> COOKIE_BITS)) & (0xffu);
	if (age >= COOKIE_MAX_AGE)
		return 0;
	uint32_t idx =
		(cookie - cookie_hash(s, t, count - age, 1)) & COOKIE_MASK;
	if (idx > 3)
		return 0;
	return mss_table(t)[idx];
}

uint32_t ns_tcp_cookie_tsval(uint32_t ts_now, int peer_wscale, bool sack_ok)
{
	uint32_t opts =
		peer_wscale >= 0 ? (uint32_t)peer_wscale : TS_WSCALE_MASK;
	if (sack_ok)
		opts |= TS_SACK;
	uint32_t ts = ((ts_now >> TS_BITS) << TS_BITS) | opts;
	/* Never ahead of the clock, or the peer could see time go back. */
	if (ts > ts_now)
		ts -= 1u << TS_BITS;
	return ts;
}

void ns_tcp_cookie_ts_decode(uint32_t tsecr, int *peer_wscale, bool *sack_ok)
{
	*sack_ok = (tsecr & TS_SACK) != 0;
	/* Four bits hold 0..14 (RFC 7323 2.3's range) or "none". */
	uint32_t ws = tsecr & TS_WSCALE_MASK;
	*peer_wscale = ws == TS_WSCALE_MASK ? -1 : (int)ws;
}
