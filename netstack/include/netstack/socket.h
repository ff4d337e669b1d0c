/* The socket endpoint API: Linux socket semantics over a netstack.
 *
 * The Sentry passes results of these calls straight to applications, so
 * every call behaves as the Linux system call of the same name does for a
 * non-blocking socket:
 * - Return values are what the system call returns, with failures as a
 *   negative Linux errno (-EAGAIN, -ECONNREFUSED, ...); errno is never set.
 * - Levels, option names, flags, address structures and poll bits are the
 *   Linux ones from <sys/socket.h>, <netinet/in.h>, <netinet/ip.h> and
 *   <sys/epoll.h>: SOL_SOCKET/SO_*, IPPROTO_IP/IP_*, IPPROTO_IPV6/IPV6_*,
 *   (later IPPROTO_TCP/TCP_*), MSG_*, EPOLLIN/OUT/ERR/HUP/RDHUP/PRI.
 * - Every socket is non-blocking: where Linux would sleep, these calls
 *   return -EAGAIN (or -EINPROGRESS for a stream connect), and the caller
 *   waits for readiness through a waiter (below) and calls again. Timeouts
 *   (SO_RCVTIMEO/SO_SNDTIMEO) are stored for the caller to apply.
 * - The caller checks the file-descriptor side of things (EBADF, ENOTSOCK,
 *   O_NONBLOCK, SOCK_CLOEXEC, EINTR).
 *
 * Supported today: AF_INET and AF_INET6 with SOCK_DGRAM + IPPROTO_UDP (or 0)
 * and SOCK_DGRAM + IPPROTO_ICMP / IPPROTO_ICMPV6 (Linux "ping sockets", as
 * used by ping(8): the application sends and receives ICMP echo messages;
 * the stack sets the identifier to the socket's bound "port" and fills the
 * checksum). TCP (SOCK_STREAM) plugs into the same calls; until it does,
 * creating a stream socket fails with -ESOCKTNOSUPPORT.
 *
 * Ownership: ns_socket_create() hands the caller a handle that stays valid
 * until ns_socket_close(); the stack may keep protocol state alive after
 * that (a TCP connection finishing its close), but the handle must not be
 * used again. Buffers passed to a call are borrowed for the duration of the
 * call only.
 *
 * Threading: as for the stack (netstack/stack.h), one thread, no
 * re-entrance except where a callback's documentation allows it.
 */
#ifndef NETSTACK_SOCKET_H
#define NETSTACK_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

struct ns_stack;
struct ns_socket;

/* ---- Lifetime ------------------------------------------------------ */

/* socket(2). type may carry SOCK_NONBLOCK and SOCK_CLOEXEC, which are
 * ignored (file-descriptor matters of the caller). protocol 0 picks the
 * default of the type. On success *out holds a new socket owned by the
 * caller. Errors: -EAFNOSUPPORT (not AF_INET/AF_INET6), -EINVAL (bad type),
 * -ESOCKTNOSUPPORT (no protocol of that type), -EPROTONOSUPPORT (the type
 * does not offer that protocol), -ENOMEM. */
int ns_socket_create(struct ns_stack *stack, int domain, int type, int protocol,
		     struct ns_socket **out);

/* close(2) of the last descriptor: releases the handle. Queued received
 * data is dropped; waiters are forgotten without being called. The stack
 * frees the socket at once or, for a protocol with closing state (TCP),
 * when that state ends. Never fails. */
void ns_socket_close(struct ns_socket *sock);

/* ---- Addresses and connections --------------------------------------- */

/* bind(2). addr is a struct sockaddr_in or sockaddr_in6 as for Linux
 * (an AF_INET6 socket also takes a v4-mapped address unless IPV6_V6ONLY).
 * Port 0 picks an ephemeral port. Errors as Linux: -EINVAL (already
 * bound, short addrlen), -EAFNOSUPPORT, -EADDRNOTAVAIL (not a local
 * address), -EADDRINUSE, -EACCES is never returned (no privileged ports
 * inside a sandbox's own stack). */
int ns_socket_bind(struct ns_socket *sock, const struct sockaddr *addr,
		   socklen_t addrlen);

/* connect(2). Datagram sockets: sets the default peer (binding an
 * ephemeral port and a source address first if needed), or dissolves the
 * association when addr->sa_family is AF_UNSPEC. Stream sockets (TCP):
 * starts the handshake and returns -EINPROGRESS; completion is signalled
 * by EPOLLOUT and read with SO_ERROR. As Linux, the socket stays
 * "connecting" until a later connect() collects the outcome: -EALREADY
 * while the handshake runs, 0 once it completed (later calls: -EISCONN),
 * the connection's error when it failed (-ECONNREFUSED...; -ECONNABORTED
 * when SO_ERROR or a receive took it already); only the call after a
 * failure starts over. AF_UNSPEC disconnects (aborting a connection).
 * addr NULL (stream sockets): collects without starting anything, for a
 * blocking caller woken while its connect() waits; -EPIPE if the socket
 * was disconnected meanwhile. Errors: -EAFNOSUPPORT, -EINVAL,
 * -ENETUNREACH (no route), -EACCES (broadcast without SO_BROADCAST), and
 * protocol-specific ones. */
int ns_socket_connect(struct ns_socket *sock, const struct sockaddr *addr,
		      socklen_t addrlen);

/* listen(2) and accept4(2), for stream protocols. Datagram sockets return
 * -EOPNOTSUPP. accept: on success *out is a new socket owned by the caller
 * and, when addr is not NULL, the peer's address is written as by
 * getpeername. -EAGAIN when no connection is waiting. flags: SOCK_NONBLOCK
 * and SOCK_CLOEXEC, ignored. */
int ns_socket_listen(struct ns_socket *sock, int backlog);
int ns_socket_accept(struct ns_socket *sock, struct ns_socket **out,
		     struct sockaddr *addr, socklen_t *addrlen, int flags);

/* shutdown(2): how is SHUT_RD, SHUT_WR or SHUT_RDWR. A datagram socket
 * only records it (reads return 0 when drained, writes fail with -EPIPE)
 * and, as Linux, returns -ENOTCONN unless connected. */
int ns_socket_shutdown(struct ns_socket *sock, int how);

/* getsockname(2) / getpeername(2). *addrlen is in/out as in Linux: the
 * address is truncated to the buffer and *addrlen set to its full size.
 * getpeername: -ENOTCONN when there is no peer. */
int ns_socket_getsockname(struct ns_socket *sock, struct sockaddr *addr,
			  socklen_t *addrlen);
int ns_socket_getpeername(struct ns_socket *sock, struct sockaddr *addr,
			  socklen_t *addrlen);

/* ---- Data ---------------------------------------------------------- */

/* How the stack reaches the bytes named by iov_base of a message. NULL
 * means the iovecs point into the caller's own memory (memcpy). The Sentry
 * passes application addresses with copy functions built on
 * process_vm_readv/writev, so data moves between the application and
 * packets with one copy. Each function returns 0 or -EFAULT, and may be
 * called several times per message; it must not call into the stack. */
struct ns_memio {
	int (*copy_in)(void *ctx, void *dst, const void *src, size_t len);
	int (*copy_out)(void *ctx, void *dst, const void *src, size_t len);
	void *ctx;
};

/* sendmsg(2). msg and everything it points to except the iov_base data
 * (reached through io) are in the caller's memory. msg_name may be NULL
 * (connected socket); a msg_name with msg_namelen 0 is an address too
 * short (EINVAL), as for sendto(2) with an address of length 0 (a caller
 * emulating sendmsg(2), where namelen 0 means no address, passes NULL).
 * An unbound datagram socket is bound to an ephemeral port first, even
 * when the send then fails (Linux inet_send_prepare). msg_control may
 * carry IP_PKTINFO, IP_TTL, IP_TOS, IPV6_PKTINFO, IPV6_HOPLIMIT and
 * IPV6_TCLASS as Linux accepts them; messages of levels the datagram's
 * path does not use are ignored, as Linux ignores them.
 * Flags: MSG_DONTWAIT (implied), MSG_NOSIGNAL (the caller raises SIGPIPE
 * on -EPIPE unless given), MSG_CONFIRM, MSG_DONTROUTE, MSG_MORE (ignored
 * for datagrams). Returns the bytes sent, or: -EDESTADDRREQ, -EISCONN
 * (TCP), -EMSGSIZE (datagram too big for the protocol, or for the path MTU
 * with IP_PMTUDISC_DO), -EAGAIN (no buffer space), -EACCES (broadcast
 * without SO_BROADCAST), -ENETUNREACH, -EHOSTUNREACH, -EPIPE, -EFAULT, the
 * pending asynchronous error of the socket (ECONNREFUSED ...), -EINVAL,
 * -EOPNOTSUPP (flags the protocol does not know, e.g. MSG_OOB on UDP). */
ssize_t ns_socket_sendmsg(struct ns_socket *sock, const struct msghdr *msg,
			  int flags, const struct ns_memio *io);

/* recvmsg(2). On return msg_namelen, msg_controllen and msg_flags are
 * updated as by Linux (msg_flags: MSG_TRUNC, MSG_CTRUNC, MSG_ERRQUEUE).
 * Control messages written when enabled: IP_PKTINFO, IP_TTL, IP_TOS,
 * IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS, SO_RXQ_OVFL, SO_TIMESTAMP(NS)
 * (the packet's receive time: the driver's CLOCK_REALTIME stamp, else the
 * stack's config.wall_clock), and IP_RECVERR / IPV6_RECVERR with MSG_ERRQUEUE
 * (struct sock_extended_err followed by the offender's address; an IPv6
 * socket reports IPv4 errors with v4-mapped addresses, as Linux).
 * Flags: MSG_PEEK, MSG_TRUNC (return the real datagram length),
 * MSG_DONTWAIT (implied), MSG_WAITALL (stream only), MSG_ERRQUEUE.
 * Returns the bytes received (0 for an empty datagram, or end-of-stream),
 * or -EAGAIN (nothing queued), the pending asynchronous error, -EFAULT,
 * -EINVAL, -EOPNOTSUPP. */
ssize_t ns_socket_recvmsg(struct ns_socket *sock, struct msghdr *msg, int flags,
			  const struct ns_memio *io);

/* sendto(2) / recvfrom(2) with one buffer in the caller's memory: thin
 * wrappers over sendmsg/recvmsg. */
ssize_t ns_socket_sendto(struct ns_socket *sock, const void *buf, size_t len,
			 int flags, const struct sockaddr *addr,
			 socklen_t addrlen);
ssize_t ns_socket_recvfrom(struct ns_socket *sock, void *buf, size_t len,
			   int flags, struct sockaddr *addr,
			   socklen_t *addrlen);

/* ---- Options and control --------------------------------------------- */

/* setsockopt(2) / getsockopt(2). val is in the caller's memory. Options
 * take an int unless Linux says otherwise, and like Linux a shorter
 * buffer is refused with -EINVAL; getsockopt truncates to *len and sets
 * *len to the bytes written. Unknown options: -ENOPROTOOPT.
 *
 * SOL_SOCKET: SO_TYPE, SO_PROTOCOL, SO_DOMAIN, SO_ERROR (read clears it),
 * SO_REUSEADDR, SO_REUSEPORT, SO_BROADCAST, SO_KEEPALIVE, SO_LINGER,
 * SO_RCVBUF, SO_SNDBUF (doubled and clamped as Linux does), SO_RCVBUFFORCE,
 * SO_SNDBUFFORCE, SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO(_OLD/_NEW),
 * SO_SNDTIMEO, SO_ACCEPTCONN, SO_DONTROUTE, SO_OOBINLINE, SO_PRIORITY,
 * SO_MARK, SO_TIMESTAMP, SO_TIMESTAMPNS, SO_BINDTODEVICE, SO_BINDTOIFINDEX,
 * SO_NO_CHECK, SO_PASSCRED, SO_RXQ_OVFL, SO_ZEROCOPY.
 * IPPROTO_IP: IP_TTL, IP_TOS, IP_PKTINFO, IP_RECVTTL, IP_RECVTOS,
 * IP_RECVERR, IP_MTU_DISCOVER, IP_MTU (connected), IP_FREEBIND,
 * IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_MULTICAST_IF.
 * IPPROTO_IPV6: IPV6_V6ONLY, IPV6_UNICAST_HOPS, IPV6_MULTICAST_HOPS,
 * IPV6_MULTICAST_LOOP, IPV6_MULTICAST_IF, IPV6_RECVPKTINFO,
 * IPV6_RECVHOPLIMIT, IPV6_TCLASS, IPV6_RECVTCLASS, IPV6_RECVERR,
 * IPV6_MTU_DISCOVER, IPV6_MTU, IPV6_FREEBIND.
 * Other levels go to the protocol (IPPROTO_TCP, IPPROTO_UDP, SOL_RAW).
 * Not provided yet, answered -ENOPROTOOPT: multicast group membership
 * (IP_ADD_MEMBERSHIP, IPV6_JOIN_GROUP and friends), UDP_CORK,
 * UDP_SEGMENT, UDP_GRO. */
int ns_socket_setsockopt(struct ns_socket *sock, int level, int name,
			 const void *val, socklen_t len);
int ns_socket_getsockopt(struct ns_socket *sock, int level, int name, void *val,
			 socklen_t *len);

/* ioctl(2) on a socket, argument in the caller's memory: SIOCINQ/FIONREAD
 * (int: size of the next datagram, bytes readable for a stream),
 * SIOCOUTQ/TIOCOUTQ (int: bytes not yet sent), for streams SIOCOUTQNSD
 * and SIOCATMARK, and SIOCGSTAMP / SIOCGSTAMPNS (struct timeval /
 * timespec: the wall-clock receive time of the last datagram read;
 * -ENOENT before any, as Linux). Others: -ENOTTY (the caller handles
 * interface ioctls from the stack's NIC and address lists). */
int ns_socket_ioctl(struct ns_socket *sock, unsigned long cmd, void *arg);

/* ---- Readiness ------------------------------------------------------ */

/* The socket's readiness now, as Linux's poll: EPOLLIN|EPOLLRDNORM
 * (readable), EPOLLOUT|EPOLLWRNORM|EPOLLWRBAND (writable), EPOLLERR
 * (pending error or error-queue entry), EPOLLHUP, EPOLLRDHUP, EPOLLPRI
 * (urgent data). */
uint32_t ns_socket_poll(struct ns_socket *sock);

/* A wait-queue entry, embedded in the caller's structure (e.g. an epoll
 * item or a parked task). The stack calls notify(w, events) whenever
 * something happens on the socket that touches a bit in w->mask (0 means
 * every bit): a datagram or segment arrived (even if the socket was
 * already readable, so edge-triggered epoll works), buffer space freed, an
 * error, a hang-up, a connection completed or became acceptable. events
 * holds the bits concerned, possibly more than changed; the caller
 * re-checks with ns_socket_poll(). notify may call ns_socket_poll() and
 * ns_socket_wait_del() on this waiter, nothing else of the stack.
 *
 * The caller owns the struct; the stack links it while it is added. The
 * fields after mask are the stack's. */
struct ns_waiter {
	void (*notify)(struct ns_waiter *w, uint32_t events);
	uint32_t mask;
	struct ns_waiter *next_, *prev_;
};

/* Adds w to the socket's wait queue (it must not be on any queue). */
void ns_socket_wait_add(struct ns_socket *sock, struct ns_waiter *w);
/* Removes w if it is on the queue; safe to call twice. */
void ns_socket_wait_del(struct ns_socket *sock, struct ns_waiter *w);

/* ---- Introspection (for /proc/net and netlink sock_diag) ------------ */

struct ns_socket_info {
	int family;
	int type;
	int protocol;
	int state; /* Linux TCP_* state numbers (TCP_CLOSE=7 for an unbound
		      or unconnected datagram socket, TCP_ESTABLISHED=1 when
		      connected), as /proc/net/udp prints them */
	uint8_t local_addr[16], remote_addr[16]; /* IPv4 in the first 4 */
	uint16_t local_port, remote_port;	 /* host order */
	uint32_t rx_queue, tx_queue;		 /* bytes */
	uint64_t drops;
	const struct ns_socket *sock; /* for matching with a caller's fd */
};

void ns_socket_get_info(const struct ns_socket *sock,
			struct ns_socket_info *info);

/* Calls fn for every open socket of the stack, stopping when it returns
 * non-zero (and returning that value). fn must not change the stack. */
int ns_stack_foreach_socket(const struct ns_stack *stack,
			    int (*fn)(void *arg,
				      const struct ns_socket_info *info),
			    void *arg);

#endif
