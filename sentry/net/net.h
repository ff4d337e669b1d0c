/* The sandbox's network: the netstack the Sentry hosts (--network=sandbox
 * and --network=none) or the host's sockets (--network=host), and its
 * place in the Sentry's event loop. Private to libsentry.
 *
 * With a netstack, the stack runs through a struct drv_nethost whose fd
 * sits in the Sentry's event loop; socket calls run on the stack directly
 * from syscall handlers, and the loop calls sn_net_idle() before it sleeps
 * so that frames those calls queued leave and timers they armed are
 * waited for.
 */
#ifndef SENTRY_NET_NET_H
#define SENTRY_NET_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "drivers/nethost.h"
#include "kernel/kernel.h"
#include "netstack/socket.h"
#include "netstack/stack.h"

struct sn_net {
	enum sn_net_mode mode;
	struct drv_nethost *host; /* NULL with SN_NET_HOST */
	struct ns_stack *stack;	  /* borrowed from host; NULL with HOST */
	int link_error;		  /* negative errno once a link failed */
	/* Open inet socket files (net/inet.c), for /proc/net and sock_diag
	 * to find a socket's inode, and the next inode number to give. */
	struct rs_list socks;
	uint64_t next_ino;
	/* Open AF_NETLINK sockets (net/netlink.c): port ids, groups. */
	struct rs_list netlink;
	/* AF_UNIX sockets (fs/unix.c), for /proc/net/unix. */
	struct rs_list unix_socks;
};

/* The inode number of the socket file holding ns (shown in
 * /proc/PID/fd as socket:[N] and in /proc/net/tcp), or 0 when no file
 * holds it (a connection finishing its close, one not yet accepted). */
uint64_t sn_inet_ino(const struct sn_kernel *k, const struct ns_socket *ns);
/* The uid of the task that created the socket file holding ns (an
 * accepted socket: the listener's), as sock_i_uid; 0 when none. */
uid_t sn_inet_uid(const struct sn_kernel *k, const struct ns_socket *ns);

/* Sets up k->net from the configuration: opens the stack and its links
 * (before the Sentry confines itself: links need the host's
 * namespaces and privileges) and adds the host's fd to k->loop. */
int sn_net_open(struct sn_kernel *k, const struct sn_net_config *cfg,
		struct rs_error **err);

/* Closes the stack and its links (the capture is completed). */
void sn_net_close(struct sn_kernel *k);

/* The sandbox's stack, or NULL with --network=host. */
static inline struct ns_stack *sn_net_stack(const struct sn_kernel *k)
{
	return k->net ? k->net->stack : NULL;
}

/* Called by the event loop before it sleeps. */
void sn_net_idle(struct sn_kernel *k);

#endif
