/* Stream services: the protocol of one TCP connection as a byte
 * transformer with no I/O of its own. conn.c moves bytes between a
 * netstack socket and these calls; unit tests drive them with strings.
 *
 * Flow control is by consumption: input() takes what it can now and
 * returns the count, and output() fills at most the room it is given, so
 * a service never holds more than its own bounded state. A service that
 * will not consume more until its output has drained returns 0 from
 * input(); conn.c then stops reading the socket, and the TCP window
 * pushes back on the peer.
 */
#ifndef NSD_SVC_H
#define NSD_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"

/* What a service wants done with its connection. */
enum nsd_svc_state {
	NSD_SVC_ACTIVE, /* keep going */
	NSD_SVC_DONE,	/* close once the output has been sent (FIN) */
	NSD_SVC_ABORT,	/* reset the connection now (RST) */
};

/* Shared by every connection of every service; borrowed, outlives them. */
struct nsd_svc_env {
	struct nsd_counters *counters;
	/* The host's state as JSON (GET /stats): a malloc'ed string the
	 * caller frees, or NULL on ENOMEM. */
	char *(*stats_json)(void *arg);
	void *stats_arg;
};

struct nsd_svc_ops {
	/* Per-connection state, or NULL on ENOMEM. */
	void *(*open)(const struct nsd_svc_env *env);
	/* Offers received bytes; returns how many were consumed (0..len).
	 * The bytes are borrowed for the call. */
	size_t (*input)(void *st, const uint8_t *data, size_t len);
	/* The peer sent FIN and every byte before it has been consumed. */
	void (*input_end)(void *st);
	/* Writes up to cap bytes of output at dst; returns the count, 0 when
	 * there is nothing to send now. */
	size_t (*output)(void *st, uint8_t *dst, size_t cap);
	enum nsd_svc_state (*state)(const void *st);
	/* Frees the per-connection state. */
	void (*close)(void *st);
};

struct nsd_svc {
	const struct nsd_svc_ops *ops;
	const struct nsd_svc_env *env;
};

/* RFC 862 echo, RFC 863 discard, RFC 864 character generator (svc_basic.c)
 * and the HTTP/1.1 server (http.c). */
extern const struct nsd_svc_ops nsd_echo_ops;
extern const struct nsd_svc_ops nsd_discard_ops;
extern const struct nsd_svc_ops nsd_chargen_ops;
extern const struct nsd_svc_ops nsd_http_ops;

#endif
