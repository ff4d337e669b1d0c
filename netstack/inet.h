/* Binding for INET sockets and connecting and sending for datagram ones
 * (internal),
 * shared by UDP and ping sockets: Linux's address rules
 * (inet_bind/inet6_bind, ip4/ip6_datagram_connect, udp_sendmsg's
 * destination and control-message handling). */
#ifndef NETSTACK_INET_H
#define NETSTACK_INET_H

#include <stdbool.h>
#include <stdint.h>

#include "ip.h"
#include "sock.h"

/* Checks and applies a bind address (not the port): local, wildcard,
 * broadcast or multicast; v4-mapped only without V6ONLY; link-local
 * IPv6 with a scope. Sets sk->laddr and the scope on success. */
int ns_inet_bind_addr(struct ns_sock *sk, const struct ns_sockname *sn);

/* bind(): the address, then the port from get_port(sk, port) (0 asks for
 * an ephemeral one); a refused port leaves the address as it was. Records
 * which of the two the application chose (Linux's SOCK_BINDADDR_LOCK and
 * SOCK_BINDPORT_LOCK). */
int ns_inet_bind(struct ns_sock *sk, const struct ns_sockname *sn,
		 int (*get_port)(struct ns_sock *sk, uint16_t port));

/* Linux compute_score for the local side of a packet to laddr on ifindex:
 * -1 when sk cannot take it (family, V6ONLY, bound address or device),
 * else higher for a more specific match. */
int ns_inet_local_score(const struct ns_sock *sk, const struct ns_addr *laddr,
			int ifindex, bool v6);

/* The peer of connect/sendto after Linux's family rules; the wildcard
 * means loopback. Returns 0 or -EAFNOSUPPORT / -ENETUNREACH / -EINVAL. */
int ns_inet_dest(struct ns_sock *sk, const struct ns_sockname *sn,
		 bool connecting, struct ns_sockname *out);

/* Datagram connect/disconnect; autobind(sk) binds an ephemeral port. */
int ns_inet_dgram_connect(struct ns_sock *sk, const struct ns_sockname *sn,
			  int (*autobind)(struct ns_sock *sk));

/* What sendmsg's msg_name and control messages ask for. */
struct ns_inet_send {
	struct ns_sockname dst;
	struct ns_addr src; /* any: route's choice */
	int oif;
	int ttl;	/* -1: socket default */
	int tos;	/* -1: socket default */
	bool use_cache; /* connected socket, nothing overridden */
};

/* Parses sendmsg's destination, as the protocol's sendmsg does (ping
 * true: ping_v4/v6_sendmsg, else udp_sendmsg/udpv6_sendmsg; a msg_name
 * given with msg_namelen 0 is an address too short), then the control
 * messages. */
int ns_inet_send_prepare(struct ns_sock *sk, const struct msghdr *msg,
			 bool ping, struct ns_inet_send *out);

/* Routes a datagram per prepared send. *dst points to the socket's cache
 * or to tmp. Checks SO_BROADCAST. */
int ns_inet_send_route(struct ns_sock *sk, struct ns_inet_send *s,
		       struct ns_dst *tmp, struct ns_dst **dst);

/* Fills the IP output parameters for a datagram to s->dst along d. */
void ns_inet_tx(const struct ns_sock *sk, const struct ns_inet_send *s,
		const struct ns_dst *d, uint8_t proto, struct ns_ip_tx *tx);

/* Whether an ICMP error about a datagram of sk reaches it, and as what
 * (*out): a "too big" message lowers the path MTU, and is an error, a
 * fatal one, only when the socket sets DF (its IP_MTU_DISCOVER mode;
 * Linux ip_icmp_error). The ICMP layer updates no path itself, so that
 * only messages quoting what a socket sent do (Linux). */
bool ns_inet_dgram_err(const struct ns_sock *sk, const struct ns_icmp_err *e,
		       struct ns_icmp_err *out);

/* Shutdown of a datagram socket (Linux inet_shutdown). */
int ns_inet_dgram_shutdown(struct ns_sock *sk, int how);

#endif
