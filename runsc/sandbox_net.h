/* The sandbox's network in the network namespace runsc is in, from the
 * global flags: --network sandbox takes over every interface that is up
 * (drivers/hostnet.h: their addresses, routes, MAC and MTU go to the
 * netstack, the kernel keeps none), none is a loopback-only stack, host
 * the host's own sockets; --pcap-log/--pcap-filter give the capture. Used
 * by `runsc boot` for the OCI lifecycle (in the container's namespace)
 * and by `runsc do` (in the namespace it made). */
#ifndef RUNSC_SANDBOX_NET_H
#define RUNSC_SANDBOX_NET_H

#include "drivers/nethost.h"
#include "runsc.h"
#include "runsc/error.h"
#include "sentry/sentry.h"

struct rs_sandbox_net {
	struct drv_nethost_config *takeover; /* owned; NULL unless taken */
	struct drv_nethost_config direct;    /* none, with a capture */
	struct drv_nethost_capture capture;
	int capture_fd; /* -1: none */
};

void rs_sandbox_net_init(struct rs_sandbox_net *n);

/* Opens --pcap-log's destination before anything starts: "-" is stdout,
 * a fifo waits (bounded) for its reader, a unix socket is connected to,
 * anything else is a file created or truncated. */
int rs_open_capture(const char *path, int *out, struct rs_error **err);

/* Fills *net for sn_run (which borrows from n) from g's flags, in the
 * caller's network namespace. */
int rs_sandbox_net_setup(const struct rs_global *g, struct rs_sandbox_net *n,
			 struct sn_net_config *net, struct rs_error **err);

void rs_sandbox_net_free(struct rs_sandbox_net *n);

#endif
