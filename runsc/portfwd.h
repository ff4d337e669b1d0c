/* The port forwarder of `runsc do -p` (what docker-proxy is to Docker): a
 * process in the caller's network namespace that listens on the host's
 * ports and relays each TCP connection and each UDP flow to the sandbox's
 * address over the veth or tap.
 *
 * TCP: one upstream connection per accepted one; a FIN read on either
 * side is passed on as shutdown(SHUT_WR) once the bytes before it were
 * delivered (half-close both ways), and a reset or error on either side
 * resets the other (SO_LINGER 0). UDP: one connected upstream socket per
 * client address and listener (a flow), closed after an idle timeout or
 * evicted, oldest first, when the table is full.
 *
 * It never blocks: every socket is non-blocking, one epoll loop drives
 * them, a connection holds at most two bounded buffers (one per
 * direction) and stops reading a side while its buffer waits for the
 * other. It cannot hold up the sandbox: it is a process of its own and
 * the sandbox sees it only as a peer on the link.
 *
 * Confinement: after binding (done by the parent, so that a port in use
 * is an error before the sandbox starts) it drops to uid/gid 65534 with
 * no capabilities and loads a libseccomp filter allowing only its socket
 * and epoll calls. It dies with its parent (PR_SET_PDEATHSIG, and a
 * lifeline pipe whose end the parent holds).
 *
 * Counters (logged at exit, --debug): tcp_accepted, tcp_connect_failed,
 * tcp_reset, tcp_closed, tcp_full (accepts postponed at the connection
 * limit), udp_flows, udp_evicted, udp_expired, udp_dropped (datagrams a
 * full socket buffer refused).
 */
#ifndef RUNSC_PORTFWD_H
#define RUNSC_PORTFWD_H

#include <stdint.h>
#include <sys/types.h>

#include "runsc/error.h"
#include "runsc/netparse.h"

struct rs_portfwd_config {
	const struct rs_port_map *maps; /* borrowed until rs_portfwd_bind */
	unsigned nmaps;
	/* Where connections go: the sandbox's address (AF_INET or
	 * AF_INET6, network order) with each map's sandbox_port. */
	int target_family;
	uint8_t target[16];
	uint32_t udp_idle_ms; /* 0: 90 s, as docker-proxy's UDP timeout */
	unsigned max_tcp;     /* 0: 512 connections */
	unsigned max_udp;     /* 0: 256 flows */
	/* Drop privileges and load the seccomp filter before serving
	 * (runsc do: always; tests of the forwarder alone may keep root). */
	int confine;
};

struct rs_portfwd;

/* Binds a listener for every map: HOSTIP when given, else 127.0.0.1 and
 * ::1 (the latter only where the host has it). A port in use, or an
 * address the host does not have, is an error naming the mapping. */
int rs_portfwd_bind(const struct rs_portfwd_config *cfg,
		    struct rs_portfwd **out, struct rs_error **err);

/* Forks the forwarder, which serves until the caller exits (or kills
 * it), and closes the caller's copies of the listeners. Must be called
 * from a single-threaded process. *pid is the child; kill it with
 * rs_portfwd_stop(). Consumes pf. */
int rs_portfwd_spawn(struct rs_portfwd *pf, pid_t *pid, struct rs_error **err);

/* Kills and reaps a forwarder started by rs_portfwd_spawn (pid <= 0: no
 * forwarder). */
void rs_portfwd_stop(pid_t pid);

/* Serves in the calling process until stop_fd (-1: none) becomes
 * readable or hangs up. Consumes pf. Returns 0, or a negative errno with
 * *err when it could not start (confinement, epoll). */
int rs_portfwd_serve(struct rs_portfwd *pf, int stop_fd, struct rs_error **err);

/* Closes the listeners of a forwarder that never ran. NULL is fine. */
void rs_portfwd_free(struct rs_portfwd *pf);

#endif
