/* SYN cookies: a listener whose SYN queue is full answers a SYN without
 * keeping state, encoding what it must remember in its initial sequence
 * number, and rebuilds the connection from the returning ACK. The layout
 * is Linux's (net/ipv4/syncookies.c):
 *
 *   ISN = H0(tuple) + peer_isn + (minute << 24)
 *         + ((H1(tuple, minute) + mss_index) mod 2^24)
 *
 * so a cookie is valid for two minutes and carries a 2-bit index into a
 * table of common MSS values. When the SYN had timestamps, the SYN-ACK's
 * TSval carries the peer's window scale and SACK permission in its low six
 * bits (Linux cookie_init_timestamp), the ACK's TSecr brings them back.
 */
#ifndef NETSTACK_TCP_SYNCOOKIE_H
#define NETSTACK_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_hash.h"

/* Builds the cookie ISN for a SYN from the tuple (our address/port as
 * local) with sequence number peer_isn and MSS option *mss (0 when absent).
 * Sets *mss to the table value encoded, at most the peer's. */
uint32_t ns_tcp_cookie_make(const struct ns_tcp_secrets *s,
			    const struct ns_tcp_tuple *t, uint32_t peer_isn,
			    uint16_t *mss, uint64_t now_ns);

/* Checks the ACK of a cookie SYN-ACK: cookie is the ACK's ack number
 * minus 1, peer_isn its sequence number minus 1. Returns the MSS encoded
 * in the cookie, or 0 when the cookie is forged or older than two
 * minutes. */
uint16_t ns_tcp_cookie_check(const struct ns_tcp_secrets *s,
			     const struct ns_tcp_tuple *t, uint32_t cookie,
			     uint32_t peer_isn, uint64_t now_ns);

/* The TSval of a cookie SYN-ACK for a raw timestamp clock value ts_now
 * (without the connection's offset): ts_now with its low six bits replaced
 * by the peer's window scale (peer_wscale < 0: none) and SACK permission,
 * never ahead of ts_now. */
uint32_t ns_tcp_cookie_tsval(uint32_t ts_now, int peer_wscale, bool sack_ok);

/* Decodes the echoed TSecr (offset removed): sets *peer_wscale (-1: the
 * peer did not offer window scaling) and *sack_ok. */
void ns_tcp_cookie_ts_decode(uint32_t tsecr, int *peer_wscale, bool *sack_ok);

#endif
