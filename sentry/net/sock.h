/* Socket files: what every socket family implements for the socket
 * syscalls (syscalls/sys_socket.c) through sn_file_ops.sock.
 *
 * Families: AF_UNIX (fs/unix.c), AF_INET and AF_INET6 over the sandbox's
 * netstack (net/inet.c) or, with --network=host, over host sockets the
 * Sentry holds (net/hostinet.c), AF_NETLINK (net/netlink.c).
 *
 * Division of labour. The syscall layer:
 * - finds the file (EBADF) and checks it is a socket (ENOTSOCK);
 * - copies addresses, option values and control messages from the
 *   application into Sentry buffers and results back (EFAULT), with
 *   Linux's length checks (an address longer than a sockaddr_storage is
 *   EINVAL, a negative option length EINVAL, ...);
 * - checks iovec arrays (count at most UIO_MAXIOV, lengths) and hands the
 *   family the application's iovecs with a struct ns_memio that copies to
 *   and from application memory (sn_sock_memio);
 * - turns -EAGAIN into parking when the call may block (no O_NONBLOCK on
 *   the file, no MSG_DONTWAIT), waiting on the file's queue for the
 *   events the call needs, with the deadline ops->timeout() gives
 *   (SO_RCVTIMEO / SO_SNDTIMEO), after which the call fails with -EAGAIN
 *   (-EINPROGRESS for connect), and applies the restart rules;
 * - raises SIGPIPE on -EPIPE unless MSG_NOSIGNAL;
 * - routes read/write/readv/writev/sendfile on a socket to recvmsg and
 *   sendmsg, and the interface ioctls (SIOCGIF*) to net/netdev.c.
 * The family does the rest and returns Linux's errno (negative). Each
 * operation may be NULL: the syscall then fails with EOPNOTSUPP (the
 * errno Linux's sock_no_* stubs give), except getsockopt/setsockopt
 * (ENOPROTOOPT).
 *
 * Retries: an operation that returned -EAGAIN (or connect's
 * -EINPROGRESS) is called again with the same arguments when the task is
 * woken; `again` tells a family that keeps state across the wait (a
 * connect in progress) that this is such a call.
 *
 * Readiness: the family wakes the file's queue (sn_file.wq) with the
 * POLL* bits that changed, and sn_file_ops.poll reports the current ones.
 */
#ifndef SENTRY_NET_SOCK_H
#define SENTRY_NET_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "fs/fs.h"
#include "netstack/socket.h"

/* Largest payload one send or receive call moves; larger requests are
 * short, which the socket calls allow (Linux caps a call at INT_MAX). */
#define SN_SOCK_IO_MAX (8u << 20)

/* One message of sendmsg/recvmsg (and of the simpler calls). */
struct sn_sockmsg {
	/* Data: iovecs holding application addresses, reached through
	 * `io`; count and total length already checked. */
	const struct iovec *iov;
	int iovcnt;
	size_t len; /* total of iov, at most SN_SOCK_IO_MAX */
	const struct ns_memio *io;
	/* Address. send: the destination as the application gave it,
	 * namelen 0 for none; name_given says the call named one even
	 * with namelen 0 (sendto with an address and length 0: Linux's
	 * protocols see a too-short address, where sendmsg's namelen 0
	 * means none). recv: the family writes the source and sets namelen
	 * to its full length (0: no address). */
	struct sockaddr_storage name;
	socklen_t namelen;
	bool name_given;
	/* Control messages in Sentry memory (struct cmsghdr layout). send:
	 * the application's bytes (NULL, 0: none). recv: room for
	 * controllen bytes (may be 0); the family sets controllen to the
	 * bytes it wrote. */
	void *control;
	size_t controllen;
	/* recv: the msg_flags result (MSG_TRUNC, MSG_CTRUNC, ...). */
	int msg_flags;
};

struct sn_sock_ops {
	/* addr is in Sentry memory, len bytes (0 <= len <=
	 * sizeof(struct sockaddr_storage)). */
	int (*bind)(struct sn_file *f, struct sn_task *t,
		    const struct sockaddr *addr, socklen_t len);
	/* Returns 0, an error, -EAGAIN (a blocking caller waits for
	 * POLLOUT and calls again), or -EINPROGRESS / -EALREADY (a stream
	 * connect started, or found running: a blocking caller calls again
	 * with again=true to collect the result, which is -EALREADY while
	 * the handshake runs, and then waits for POLLOUT; if its send
	 * timeout ends the wait, the first answer is the call's). */
	int (*connect)(struct sn_file *f, struct sn_task *t,
		       const struct sockaddr *addr, socklen_t len, bool again);
	int (*listen)(struct sn_file *f, struct sn_task *t, int backlog);
	/* flags: SOCK_NONBLOCK (for the new file's O_NONBLOCK). On success
	 * *out is a new file with one reference, and *peer and *peerlen the
	 * peer's address (peerlen 0: none). -EAGAIN: wait for POLLIN. */
	int (*accept)(struct sn_file *f, struct sn_task *t, int flags,
		      struct sn_file **out, struct sockaddr_storage *peer,
		      socklen_t *peerlen);
	/* Return the bytes moved or a negative errno; -EAGAIN: wait for
	 * POLLOUT (send) or POLLIN (recv). flags are the application's
	 * MSG_* flags. A stream send that moved some bytes returns their
	 * count; the syscall layer calls again for the rest when the call
	 * blocks (Linux's blocking stream sends complete). */
	ssize_t (*sendmsg)(struct sn_file *f, struct sn_task *t,
			   struct sn_sockmsg *m, int flags);
	ssize_t (*recvmsg)(struct sn_file *f, struct sn_task *t,
			   struct sn_sockmsg *m, int flags);
	int (*shutdown)(struct sn_file *f, struct sn_task *t, int how);
	/* getsockname (peer false) or getpeername (peer true): writes the
	 * address to *addr and its full length to *len. */
	int (*getname)(struct sn_file *f, bool peer,
		       struct sockaddr_storage *addr, socklen_t *len);
	/* val in Sentry memory; getsockopt: *len in/out, val has room for
	 * the application's *len (at most SN_SOCKOPT_MAX). */
	int (*setsockopt)(struct sn_file *f, struct sn_task *t, int level,
			  int name, const void *val, socklen_t len);
	int (*getsockopt)(struct sn_file *f, struct sn_task *t, int level,
			  int name, void *val, socklen_t *len);
	/* close(2) of the socket's last descriptor with SO_LINGER on and a
	 * positive linger time (Linux's inet_release: the close waits until
	 * the data and the FIN are acknowledged, or the time is up, or a
	 * signal comes; it returns 0 in every case). first: the descriptor
	 * just went; the family starts the close (sends its FIN) and, when
	 * there is something to wait for, returns -EAGAIN with *timeout_ns
	 * set. Later calls (after a wake-up of the file's queue) return 0
	 * when done, -EAGAIN while not. NULL, or 0 on the first call: no
	 * lingering. */
	int (*linger_close)(struct sn_file *f, bool first,
			    uint64_t *timeout_ns);
	/* The SO_RCVTIMEO (send false) or SO_SNDTIMEO (send true) timeout in
	 * nanoseconds, 0 for none. NULL: none. */
	uint64_t (*timeout)(struct sn_file *f, bool send);
};

/* Largest option value copied in or out (Linux options are at most a few
 * hundred bytes; struct tcp_info is 232). */
#define SN_SOCKOPT_MAX 1024

/* True when f is a socket of any family. */
static inline bool sn_file_is_socket(const struct sn_file *f)
{
	return f->ops->sock != NULL;
}

/* The ns_memio that reaches task t's memory (process_vm_readv/writev,
 * bounds-checked, -EFAULT on a bad address). */
void sn_sock_memio(struct sn_task *t, struct ns_memio *io);

/* Families: creation of a socket file. flags carries O_NONBLOCK from
 * SOCK_NONBLOCK. type is without SOCK_NONBLOCK/SOCK_CLOEXEC. */
int sn_inet_socket(struct sn_task *t, int domain, int type, int protocol,
		   int flags, struct sn_file **out);
int sn_hostinet_socket(struct sn_task *t, int domain, int type, int protocol,
		       int flags, struct sn_file **out);
int sn_netlink_socket(struct sn_task *t, int type, int protocol, int flags,
		      struct sn_file **out);

/* --network=host (net/hostinet.c): NETLINK_ROUTE sockets over a host
 * netlink socket (read-only requests), the interface ioctls answered by a
 * host socket, and the host's /proc/net/NAME (the file's content in a
 * malloc'd *data of *len bytes; -ENOENT when there is none). */
int sn_hostinet_netlink_socket(struct sn_task *t, int type, int protocol,
			       int flags, struct sn_file **out);
long sn_hostinet_netdev_ioctl(struct sn_task *t, unsigned long cmd,
			      uint64_t arg);
int sn_hostinet_proc_net(struct sn_kernel *k, const char *name, char **data,
			 size_t *len);

/* Interface ioctls (SIOCGIFCONF, SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFFLAGS,
 * SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFHWADDR, SIOCGIFMTU, ...), answered
 * for the socket f from the sandbox's stack (net/netdev.c). arg is the
 * application's address. Returns -ENOTTY for a command that is not an
 * interface ioctl. */
long sn_netdev_ioctl(struct sn_task *t, struct sn_file *f, unsigned long cmd,
		     uint64_t arg);

#endif
