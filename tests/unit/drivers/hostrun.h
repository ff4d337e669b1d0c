/* Driving netstack hosts (drivers/nethost.h) in the driver tests, and
 * byte-exact TCP transfers through them: between two netstack sockets, or
 * between a netstack socket and a kernel socket of the test's namespace. */
#ifndef DRV_HOSTRUN_H
#define DRV_HOSTRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nethost.h"
#include "netstack/socket.h"

/* Waits on the hosts' fds and runs those that fired, calling step(arg)
 * (which may call into the stacks; the hosts are flushed after it) before
 * every wait, until it returns true or timeout_ms pass. Fails the test
 * when a run reports an error. Returns whether step returned true. */
bool hostrun_until(struct drv_nethost **hosts, unsigned n,
		   bool (*step)(void *arg), void *arg, int timeout_ms);

/* One end of a transfer: a netstack socket, or a kernel fd (sock NULL),
 * non-blocking either way. */
struct hostrun_end {
	struct ns_socket *sock;
	int fd;
};

/* `total` bytes of a pattern from `from` to `to`, checked as they come. */
struct hostrun_xfer {
	struct hostrun_end from, to;
	size_t total, sent, received;
	uint32_t seed;
	bool corrupt; /* a received byte differed */
	bool shut;    /* from has been shut down for writing after the last */
};

/* Moves what the sockets take and give now; true once every byte arrived
 * (and then, the sender shut down, the receiver saw the end). */
bool hostrun_xfer_step(struct hostrun_xfer *x);

/* Steps of several transfers at once: arg is a NULL-terminated array of
 * struct hostrun_xfer pointers; true when all are done. For
 * hostrun_until. */
bool hostrun_xfers_step(void *arg);

/* A connected TCP pair: listens on `listener` (bound), connects
 * `client`, drives the hosts until the connection is accepted. */
struct ns_socket *hostrun_accept(struct drv_nethost **hosts, unsigned n,
				 struct ns_socket *listener);

#endif
