/* nsd's own counters: what its services did, reported in the stats JSON
 * next to the stack's and the link's, so that tests assert on counters
 * rather than on log text.
 */
#ifndef NSD_COUNTERS_H
#define NSD_COUNTERS_H

#include <stdint.h>

/* X(name): the whole list, in reporting order. */
#define NSD_COUNTERS(X)                                                        \
	X(conns_accepted)    /* TCP connections accepted */                    \
	X(conns_open)	     /* open now: a gauge, not a count */              \
	X(conns_open_max)    /* the most open at once */                       \
	X(conns_closed)	     /* every close, whatever the reason */            \
	X(conns_reset)	     /* ended by the peer: ECONNRESET, EPIPE */        \
	X(conns_failed)	     /* ended by another error (ETIMEDOUT ...) */      \
	X(conns_aborted)     /* reset by nsd: the service gave up */           \
	X(conns_idle_closed) /* ended by --idle-timeout of silence */          \
	X(accept_paused)     /* times accepting paused at --max-conns */       \
	X(accept_errors)                                                       \
	X(bytes_received) /* TCP payload, all services */                      \
	X(bytes_sent)                                                          \
	X(http_requests)                                                       \
	X(http_2xx)                                                            \
	X(http_4xx)                                                            \
	X(http_5xx)                                                            \
	X(http_incomplete)     /* the peer ended in the middle of a request */ \
	X(http_body_generated) /* body bytes of GET /bytes and /zeros */       \
	X(http_body_received)  /* request body bytes (uploads) */              \
	X(udp_echoed)                                                          \
	X(udp_dropped) /* replies the stack refused (-EAGAIN ...) */           \
	X(alloc_failures)

struct nsd_counters {
#define NSD_COUNTER_FIELD_(name) uint64_t name;
	NSD_COUNTERS(NSD_COUNTER_FIELD_)
#undef NSD_COUNTER_FIELD_
};

#endif
