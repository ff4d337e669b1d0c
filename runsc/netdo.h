/* The network of `runsc do` (--network, --net-driver, --pcap-log,
 * --pcap-filter, -p, --net-subnet).
 *
 * --network sandbox with afpacket (the default): a veth pair. The host end
 * "rsdPID" stays in the caller's namespace with the first address of a
 * subnet (and of an IPv6 ULA /64 when the host has IPv6); the other end,
 * "eth0", is created in a new network namespace with the second address
 * and default routes via the host end. runsc then moves itself into that
 * namespace and takes it over (drivers/hostnet.h: exactly what the OCI
 * `run` will do with a namespace it is given), so the Sentry opens
 * "afpacket:iface=eth0" there and the host kernel's stack in it holds no
 * address.
 *
 * --net-driver tap: a tap device "rstPID" whose kernel side, in the
 * caller's namespace, has the host address; the Sentry adopts it
 * ("tap:name=rstPID,offload,transient") with the sandbox address and
 * default routes given directly.
 *
 * The subnet: --net-subnet when given (an error if it overlaps an
 * address or route of the caller's namespace), else the first /30 of
 * 10.200.0.0/16, then 172.29.0.0/16, then 192.168.200.0/24 that overlaps
 * none, chosen under a lock (an abstract unix socket, scoped to the
 * caller's namespace like the addresses themselves) so that concurrent
 * runsc do never pick the same one. IPv6: fd72:756e:7363:N::/64 ("runsc"
 * in a ULA prefix), N from the IPv4 choice.
 *
 * Teardown is the kernel's where it can be, so that SIGKILL leaves
 * nothing either: the sandbox's namespace is bind-mounted nowhere and
 * dies with its last process and fd (the veth goes with it), the tap goes
 * with the Sentry's fd once adopted, and the forwarder has
 * PR_SET_PDEATHSIG. The tap exists before its adoption, though (its host
 * address needs a device), so a guard process covers that window: it
 * holds a netlink socket opened as root and nothing else, runs as nobody
 * under seccomp, and deletes the tap when runsc's end of a pipe closes.
 * After a failed set-up, rs_do_net_teardown() deletes what was made
 * straight away.
 */
#ifndef RUNSC_NETDO_H
#define RUNSC_NETDO_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "drivers/nethost.h"
#include "runsc.h"
#include "runsc/error.h"
#include "runsc/netparse.h"
#include "sentry/sentry.h"

struct rs_do_net_args {
	const struct rs_port_map *ports; /* -p */
	unsigned nports;
	const struct rs_cidr *subnet4; /* --net-subnet; NULL: chosen */
	const struct rs_cidr *subnet6;
};

struct rs_do_net {
	int caller_ns;	/* the caller's network namespace */
	int sandbox_ns; /* the sandbox's (afpacket) */
	/* The veth host end or tap made here, in the caller's namespace. */
	char host_if[IFNAMSIZ];
	pid_t forwarder;
	/* tap: the guard that deletes the device when runsc is gone (a
	 * no-op once the Sentry adopted it), and the pipe whose hang-up
	 * tells it. */
	pid_t guard;
	int guard_life;
	/* --network sandbox with afpacket: from the take-over. */
	struct drv_nethost_config *takeover;
	/* tap, or none with a capture: built here. */
	struct drv_nethost_config direct;
	struct drv_nethost_nic nic;
	struct ns_ifaddr addrs[2];
	struct ns_route routes[2];
	char spec[64];
	struct drv_nethost_capture capture;
	int capture_fd;
	/* The addresses chosen (network order). */
	uint8_t host4[4], sandbox4[4], prefix4;
	bool have6;
	uint8_t host6[16], sandbox6[16], prefix6;
};

void rs_do_net_init(struct rs_do_net *n);

/* Builds the network for g's --network and fills *net for sn_run (which
 * borrows what it points to from n). Runs before the sandbox starts:
 * every user error (a port in use, a bad subnet, an unwritable
 * --pcap-log) is reported here, with nothing left behind. Leaves the
 * calling process in the sandbox's network namespace with afpacket. */
int rs_do_net_setup(const struct rs_global *g, const struct rs_do_net_args *a,
		    struct rs_do_net *n, struct sn_net_config *net,
		    struct rs_error **err);

/* Stops the forwarder and frees n; with `undo` also deletes the host end
 * or tap at once (a set-up or sandbox start that failed: the Sentry may
 * not have adopted the tap). Errors are ignored: the kernel removes the
 * rest when the process exits. */
void rs_do_net_teardown(struct rs_do_net *n, bool undo);

#endif
