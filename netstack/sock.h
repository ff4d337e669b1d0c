/* Sockets, the protocol side (internal): struct ns_sock, the per-protocol
 * ops table, and the helpers protocols share. netstack/socket.h is the
 * caller's side; this is what a protocol (UDP, ping, TCP) implements.
 *
 * Object layout: a protocol's socket struct embeds struct ns_sock as its
 * FIRST member; ops->obj_size is the size to allocate, zero-filled. The
 * public handle struct ns_socket is the same pointer (socket.c casts).
 *
 * Dispatch (socket.c):
 * - create: the (type, protocol) pair selects an ops table from
 *   ns_sock_protos in socket.c; TCP adds its line there. The core fills
 *   the common fields, then calls ops->init.
 * - bind/connect: the core parses the sockaddr (ns_sockaddr_parse) with
 *   Linux's length and family checks and hands a struct ns_sockname.
 * - setsockopt/getsockopt: ops->setsockopt/getsockopt first, when
 *   present; a protocol returns -ENOPROTOOPT for options it leaves to the
 *   core, which then handles SOL_SOCKET, IPPROTO_IP and IPPROTO_IPV6
 *   (ns_sock_setsockopt_common, callable by a protocol that wants to
 *   react to an option after the core stored it).
 * - poll: ops->poll.
 * - close: the core unlinks the user's waiters and calls ops->close; the
 *   protocol calls ns_sock_free() at once or when its closing state ends.
 * Errors are negative Linux errnos throughout.
 *
 * Plugging in a protocol (TCP):
 * 1. a struct ns_sock_ops (this file) and its line in ns_sock_protos
 *    (socket.c); readiness changes go to ns_sock_wake();
 * 2. a struct ns_ip_proto (ip.h: input and ICMP-error handlers) in
 *    ns_ip_protos (ip.c), declared in proto.h;
 * 3. per-stack state as a member of struct ns_stack (core.h), set up in
 *    ns_stack_create and released in ns_stack_destroy (stack.c), which
 *    frees remaining sockets through ops->destroy;
 * 4. counters in the NS_STATS list (netstack/stats.h), bumped with
 *    NS_INC (core.h);
 * 5. output: ns_sock_route() (connected, cached) or ns_route_output(),
 *    ns_l4_csum_partial(), ns_ip_output() (ip.h), with ns_neigh_confirm()
 *    (neigh.h) when the peer proves reachable;
 * 6. timers: timer.h; ports: port.h; time: stack->now; randomness and
 *    keyed hashes: hash.h.
 */
#ifndef NETSTACK_SOCK_H
#define NETSTACK_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "addr.h"
#include "list.h"
#include "netstack/pkt.h"
#include "netstack/socket.h"
#include "route.h"

struct ns_stack;
struct ns_sock;

/* A parsed socket address. */
struct ns_sockname {
	struct ns_addr addr; /* mapped form for IPv4 */
	uint16_t port;	     /* host order */
	uint32_t scope_id;   /* IPv6 link-local scope (ifindex) */
	uint32_t flowinfo;
	bool unspec; /* AF_UNSPEC given (connect: disconnect) */
};

struct ns_sock_ops {
	const char *name;
	size_t obj_size; /* the protocol's struct, ns_sock first */
	int (*init)(struct ns_sock *sk);
	/* The user closed the socket. Must eventually ns_sock_free(). */
	void (*close)(struct ns_sock *sk);
	/* The stack is being destroyed: free whatever the protocol holds for
	 * sk (closed or not) and ns_sock_free() it, sending nothing. NULL:
	 * ns_sock_free() alone. */
	void (*destroy)(struct ns_sock *sk);
	int (*bind)(struct ns_sock *sk, const struct ns_sockname *sn);
	/* sn NULL: a woken blocking caller collects the outcome of the
	 * connect in progress (stream protocols; ns_socket_connect). */
	int (*connect)(struct ns_sock *sk, const struct ns_sockname *sn);
	int (*listen)(struct ns_sock *sk, int backlog);
	/* On success *newsk is a fully initialised socket (ns_sock_alloc). */
	int (*accept)(struct ns_sock *sk, struct ns_sock **newsk);
	ssize_t (*sendmsg)(struct ns_sock *sk, const struct msghdr *msg,
			   int flags, const struct ns_memio *io);
	ssize_t (*recvmsg)(struct ns_sock *sk, struct msghdr *msg, int flags,
			   const struct ns_memio *io);
	int (*shutdown)(struct ns_sock *sk, int how);
	uint32_t (*poll)(struct ns_sock *sk);
	int (*setsockopt)(struct ns_sock *sk, int level, int name,
			  const void *val, socklen_t len);
	int (*getsockopt)(struct ns_sock *sk, int level, int name, void *val,
			  socklen_t *len);
	int (*ioctl)(struct ns_sock *sk, unsigned long cmd, void *arg);
	/* Bytes queued for reading and for sending, for ns_socket_info. */
	void (*queues)(const struct ns_sock *sk, uint32_t *rx, uint32_t *tx);
};

/* struct ns_sock.opt bits */
enum {
	NS_SO_REUSEADDR = 1u << 0,
	NS_SO_REUSEPORT = 1u << 1,
	NS_SO_BROADCAST = 1u << 2,
	NS_SO_KEEPALIVE = 1u << 3,
	NS_SO_OOBINLINE = 1u << 4,
	NS_SO_DONTROUTE = 1u << 5,
	NS_SO_TIMESTAMP = 1u << 6,
	NS_SO_TIMESTAMPNS = 1u << 7,
	NS_SO_PASSCRED = 1u << 8,
	NS_SO_RXQ_OVFL = 1u << 9,
	NS_SO_NO_CHECK = 1u << 10,
	NS_SO_ZEROCOPY = 1u << 11,
	NS_SO_LINGER = 1u << 12,
	NS_IP_PKTINFO = 1u << 13,
	NS_IP_RECVTTL = 1u << 14,
	NS_IP_RECVTOS = 1u << 15,
	NS_IP_RECVERR = 1u << 16,
	NS_IP_FREEBIND = 1u << 17,
	NS_IP_MC_LOOP = 1u << 18,
	NS_IPV6_V6ONLY = 1u << 19,
	NS_IPV6_RECVPKTINFO = 1u << 20,
	NS_IPV6_RECVHOPLIMIT = 1u << 21,
	NS_IPV6_RECVTCLASS = 1u << 22,
	NS_IPV6_RECVERR = 1u << 23,
	NS_IPV6_MC_LOOP = 1u << 24,
};

/* Shutdown bits (Linux RCV_SHUTDOWN, SEND_SHUTDOWN). */
enum {
	NS_SHUT_RD = 1,
	NS_SHUT_WR = 2,
};

/* Linux's struct socket state (SS_*), which stream sockets keep beside
 * the protocol state: connect() answers from both (inet_stream_connect).
 * A connect that started stays CONNECTING until a connect() call
 * collects its outcome, however the handshake ended meanwhile. */
enum {
	NS_SS_UNCONNECTED = 0,
	NS_SS_CONNECTING,
	NS_SS_CONNECTED,
	NS_SS_DISCONNECTING,
};

/* Linux TCP state numbers, used for every socket's state. */
enum {
	NS_TCP_ESTABLISHED = 1,
	NS_TCP_SYN_SENT,
	NS_TCP_SYN_RECV,
	NS_TCP_FIN_WAIT1,
	NS_TCP_FIN_WAIT2,
	NS_TCP_TIME_WAIT,
	NS_TCP_CLOSE,
	NS_TCP_CLOSE_WAIT,
	NS_TCP_LAST_ACK,
	NS_TCP_LISTEN,
	NS_TCP_CLOSING,
};

struct ns_sock {
	struct ns_stack *stack;
	const struct ns_sock_ops *ops;
	struct ns_list node;	/* stack->sockets */
	struct ns_waiter waitq; /* sentinel of the waiter ring */
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint16_t type;		/* SOCK_DGRAM, SOCK_STREAM */
	uint16_t protocol;	/* IPPROTO_* */
	uint8_t state;		/* NS_TCP_* */
	uint8_t shutdown;	/* NS_SHUT_* */
	uint8_t sock_state;	/* NS_SS_*, stream sockets */
	bool user_closed;

	/* Addresses. laddr is the bound (receive) address, wildcard when
	 * unbound; lport 0 while no port is bound. raddr/rport: the peer,
	 * when connected. */
	struct ns_addr laddr, raddr;
	uint16_t lport, rport; /* host order */
	uint32_t scope_id;     /* of laddr/raddr when link-local IPv6 */
	bool addr_locked;      /* bind() chose laddr (SOCK_BINDADDR_LOCK) */
	bool port_locked;      /* bind() chose the port (SOCK_BINDPORT_LOCK) */
	struct ns_list bind_node; /* in a port table bucket */
	struct ns_port_table *ports;
	int bound_ifindex; /* SO_BINDTODEVICE, 0 none */
	uint32_t flowinfo; /* IPv6 flow label of the peer (connect) */

	int err;	    /* pending SO_ERROR, positive errno */
	uint32_t opt;	    /* NS_SO_*, NS_IP_*, NS_IPV6_* */
	int rcvbuf, sndbuf; /* bytes, after Linux's doubling */
	int rcvlowat, sndlowat;
	int linger_secs;
	int priority;
	uint32_t mark;
	struct timeval rcvtimeo, sndtimeo;
	int ttl;	   /* IP_TTL; -1: default */
	uint8_t tos;	   /* IP_TOS */
	int mc_ttl;	   /* IP_MULTICAST_TTL */
	int mc_if;	   /* IP_MULTICAST_IF / IPV6_MULTICAST_IF ifindex */
	int hoplimit;	   /* IPV6_UNICAST_HOPS; -1: default */
	int mc_hops;	   /* IPV6_MULTICAST_HOPS; -1: default (1) */
	int tclass;	   /* IPV6_TCLASS */
	uint8_t pmtudisc;  /* IP_MTU_DISCOVER */
	uint8_t pmtudisc6; /* IPV6_MTU_DISCOVER */

	/* Datagram receive and error queues (UDP, ping); TCP has its own. */
	struct ns_pkt_queue rcvq;
	uint32_t rcv_mem; /* truesize of rcvq */
	struct ns_pkt_queue errq;
	uint64_t drops;
	/* Receive time of the last datagram read (SIOCGSTAMP), on the
	 * stack's wall clock; -1 before any (Linux SK_DEFAULT_STAMP). */
	int64_t rx_stamp_ns;

	/* Route of a connected socket, revalidated by generation. */
	struct ns_dst dst;
	bool dst_ok;
};

static inline struct ns_socket *ns_sock_handle(struct ns_sock *sk)
{
	return (struct ns_socket *)(void *)sk;
}

static inline struct ns_sock *ns_sock_of(struct ns_socket *s)
{
	return (struct ns_sock *)(void *)s;
}

/* Allocates a socket of ops->obj_size bytes with the common fields
 * initialised (Linux defaults) and links it into the stack; calls
 * ops->init. For accept: the listener's options are the caller's to
 * copy. Returns NULL on ENOMEM or init failure. */
struct ns_sock *ns_sock_alloc(struct ns_stack *stack,
			      const struct ns_sock_ops *ops, int family,
			      int type, int protocol);
/* Unbinds, purges the queues, unlinks and frees. */
void ns_sock_free(struct ns_sock *sk);

/* Wakes the waiters interested in any of events. */
void ns_sock_wake(struct ns_sock *sk, uint32_t events);

/* ns_sockaddr_parse flags */
enum {
	NS_SA_UNSPEC = 1u << 0,	  /* AF_UNSPEC accepted: sets sn->unspec */
	NS_SA_V4_ON_V6 = 1u << 1, /* AF_INET accepted on an AF_INET6 socket
				     (Linux connect/sendto); the caller
				     checks IPV6_V6ONLY */
};

/* Parses a sockaddr given to bind/connect/sendto for socket sk with
 * Linux's checks: length first (-EINVAL), then family (-EAFNOSUPPORT).
 * An AF_INET socket accepts AF_UNSPEC with INADDR_ANY as AF_INET (Linux's
 * compatibility rule) when NS_SA_UNSPEC is not given. */
int ns_sockaddr_parse(const struct ns_sock *sk, const struct sockaddr *sa,
		      socklen_t len, unsigned flags, struct ns_sockname *sn);

/* Writes addr:port as the socket's family sees it (IPv4 for AF_INET,
 * IPv6 with v4-mapped form for AF_INET6) into sa, truncated to *len, and
 * sets *len to the full size, as getsockname does. */
void ns_sockaddr_export(const struct ns_sock *sk, const struct ns_addr *addr,
			uint16_t port, uint32_t scope_id, struct sockaddr *sa,
			socklen_t *len);

/* Takes and clears the pending error (sock_error). */
static inline int ns_sock_error(struct ns_sock *sk)
{
	int e = sk->err;
	sk->err = 0;
	return -e;
}

/* TTL / hop limit to use for a unicast or multicast destination. */
uint8_t ns_sock_ttl(const struct ns_sock *sk, const struct ns_addr *dst);

/* The route of a connected socket, looked up again when stale. */
int ns_sock_route(struct ns_sock *sk, struct ns_dst **out);

/* The SOL_SOCKET, IPPROTO_IP and IPPROTO_IPV6 options every socket has. */
int ns_sock_setsockopt_common(struct ns_sock *sk, int level, int name,
			      const void *val, socklen_t len);
int ns_sock_getsockopt_common(struct ns_sock *sk, int level, int name,
			      void *val, socklen_t *len);

/* An iterator over a message's iovecs, reading or writing through the
 * caller's ns_memio. */
struct ns_iov_iter {
	const struct iovec *iov;
	size_t iovcnt;
	size_t idx; /* current iovec */
	size_t off; /* offset in it */
	const struct ns_memio *io;
};

void ns_iov_iter_init(struct ns_iov_iter *it, const struct iovec *iov,
		      size_t iovcnt, const struct ns_memio *io);
/* Total length of a message's iovecs; -EINVAL beyond SSIZE_MAX or when
 * iovcnt exceeds UIO_MAXIOV, as Linux. */
ssize_t ns_iov_length(const struct iovec *iov, size_t iovcnt);
/* Copies the next len bytes of the message into dst. 0 or -EFAULT. */
int ns_iov_copy_from(struct ns_iov_iter *it, void *dst, size_t len);
/* Copies len bytes from src into the message's next bytes; stops at the
 * end of the iovecs. Returns bytes copied or -EFAULT. */
ssize_t ns_iov_copy_to(struct ns_iov_iter *it, const void *src, size_t len);
/* Copies len bytes of pkt from offset off into the message. Returns bytes
 * copied (less when the iovecs end) or -EFAULT. */
ssize_t ns_iov_copy_pkt(struct ns_iov_iter *it, const struct ns_pkt *pkt,
			uint32_t off, uint32_t len);

/* Control messages for recvmsg: appends one cmsg to msg (msg_controllen
 * grows as written); sets MSG_CTRUNC when it does not fit. */
void ns_put_cmsg(struct msghdr *msg, size_t *used, int level, int type,
		 const void *data, size_t len);

#endif
