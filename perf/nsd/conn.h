/* TCP listeners and connections over netstack sockets, each connection
 * running a stream service (svc.h).
 *
 * A connection moves bytes between its non-blocking socket and its
 * service through two bounded buffers (NSD_CONN_BUF bytes each, kept
 * while the connection is busy and given back empty when it waits for
 * its socket, so an idle connection holds neither), woken by an ns_waiter
 * through the loop's task queue. It
 * ends:
 * - when the service is done and its output is sent: close (FIN). If the
 *   peer has not finished sending, the connection first shuts down its
 *   side and drains what still arrives until the peer's FIN or
 *   NSD_LINGER_NS (a lingering close, as nginx does, so that unread data
 *   does not turn the close into a reset that destroys the response);
 * - when the service aborts: reset (SO_LINGER 0);
 * - on a socket error (ECONNRESET, EPIPE, ETIMEDOUT): close at once;
 * - after the idle timeout without progress: close (FIN) when nothing
 *   waits to be sent, reset when data is stuck behind a silent peer.
 * Every end is counted (counters.h).
 *
 * Listeners accept while fewer than max_conns connections are open; at
 * the limit they pause (connections wait in the stack's accept queue) and
 * resume as connections close.
 */
#ifndef NSD_CONN_H
#define NSD_CONN_H

#include <stdint.h>

#include "runsc/list.h"
#include "loop.h"
#include "netstack/socket.h"
#include "runsc/error.h"
#include "svc.h"

#define NSD_CONN_BUF  65536
#define NSD_LINGER_NS (5ULL * 1000000000u)

struct nsd_server_config {
	unsigned max_conns;
	uint64_t idle_ns; /* 0: no idle timeout */
};

struct nsd_server {
	struct nsd_loop *loop;	       /* borrowed */
	struct ns_stack *stack;	       /* borrowed */
	struct nsd_counters *counters; /* borrowed */
	struct nsd_server_config cfg;
	struct rs_list conns;	  /* struct nsd_conn.node */
	struct rs_list listeners; /* struct nsd_listener.node */
	unsigned nconns;
};

void nsd_server_init(struct nsd_server *s, struct nsd_loop *loop,
		     struct ns_stack *stack, struct nsd_counters *counters,
		     const struct nsd_server_config *cfg);

/* Listens on the wildcard address of `family` (AF_INET or AF_INET6, the
 * latter IPv6-only) at `port`, serving svc (borrowed) on each connection.
 * Returns 0 or a negative errno with *err naming the port. */
int nsd_server_listen(struct nsd_server *s, int family, uint16_t port,
		      const struct nsd_svc *svc, struct rs_error **err);

/* Ends connections idle past the timeout and lingering closes past
 * NSD_LINGER_NS. Called from the loop's tick. */
void nsd_server_sweep(struct nsd_server *s, uint64_t now);

/* Closes every connection (reset) and listener. */
void nsd_server_close(struct nsd_server *s);

#endif
