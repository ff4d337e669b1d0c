/* Keyed values for TCP, derived with SipHash-2-4 (hash.h).
 *
 * Everything an off-path attacker must not predict is a keyed hash of the
 * connection's addresses and ports under a secret drawn once per stack from
 * the caller's randomness (the netstack has no entropy source of its own):
 * initial sequence numbers (RFC 6528), timestamp offsets, SYN cookies, the
 * and the ephemeral-port offset (RFC 6056 algorithm 3). (The demux table
 * uses the stack's cheaper table key: see conn_hash in tcp.c.)
 *
 * Addresses are passed as bytes in network order, 4 for IPv4 and 16 for
 * IPv6; both ends of a call must use the same length.
 */
#ifndef NETSTACK_TCP_HASH_H
#define NETSTACK_TCP_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

/* The secrets of one stack. Filled once by ns_tcp_secrets_init(); never
 * changed afterwards, so a SYN cookie or ISN stays verifiable. */
struct ns_tcp_secrets {
	struct ns_hash_key isn;
	struct ns_hash_key ts_off;
	struct ns_hash_key cookie[2];
	struct ns_hash_key port;
};

#define NS_TCP_SECRETS_SEED_LEN 80

/* Fills the secrets from NS_TCP_SECRETS_SEED_LEN bytes of the caller's
 * randomness (borrowed). */
void ns_tcp_secrets_init(struct ns_tcp_secrets *s,
			 const uint8_t seed[NS_TCP_SECRETS_SEED_LEN]);

/* A connection's four-tuple as hash input. alen is 4 or 16. */
struct ns_tcp_tuple {
	const uint8_t *laddr;
	const uint8_t *raddr;
	uint8_t alen;
	uint16_t lport;
	uint16_t rport;
};

/* Hash of the tuple under key, for any keyed per-connection value. */
uint64_t ns_tcp_tuple_hash(const struct ns_hash_key *key,
			   const struct ns_tcp_tuple *t, uint32_t extra);

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, key),
 * M a clock ticking every 64 ns (as Linux: fast enough to stay ahead of
 * a previous incarnation's sequence numbers, RFC 9293 3.4.1). */
uint32_t ns_tcp_isn(const struct ns_tcp_secrets *s,
		    const struct ns_tcp_tuple *t, uint64_t now_ns);

/* Offset added to the timestamp clock for connections between one pair of
 * addresses (Linux secure_tcp_ts_off): hides the host's uptime but keeps
 * TSvals monotonic across connections of the same pair, which TIME_WAIT
 * reuse with PAWS relies on. Depends on the addresses only. */
uint32_t ns_tcp_ts_offset(const struct ns_tcp_secrets *s,
			  const struct ns_tcp_tuple *t);

/* RFC 6056 3.3.3 (algorithm 3): offset into the ephemeral port range for a
 * destination, so port choice is unpredictable yet stable per peer. Uses
 * the addresses and the remote port only (t->lport is ignored). */
uint32_t ns_tcp_port_offset(const struct ns_tcp_secrets *s,
			    const struct ns_tcp_tuple *t);

#endif
