/* Port tables (internal): the sockets bound to local ports of one
 * protocol, hashed by port, with Linux's bind-conflict rules and
 * ephemeral port choice. UDP and ping sockets use one each; TCP may too.
 */
#ifndef NETSTACK_PORT_H
#define NETSTACK_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"

struct ns_stack;
struct ns_sock;

#define NS_PORT_BUCKETS 1024
/* Linux ip_local_port_range defaults. */
#define NS_EPHEMERAL_LO 32768
#define NS_EPHEMERAL_HI 60999

struct ns_port_table {
	struct ns_list buckets[NS_PORT_BUCKETS];
	uint32_t count;
	uint16_t lo, hi; /* ephemeral range */
};

void ns_port_table_init(struct ns_port_table *t, uint16_t lo, uint16_t hi);

static inline struct ns_list *ns_port_bucket(struct ns_port_table *t,
					     uint16_t port)
{
	return &t->buckets[port & (NS_PORT_BUCKETS - 1)];
}

/* Binds sk (its laddr, family, options already set) to port, or to a
 * free ephemeral port when port is 0. Returns 0, -EADDRINUSE, or
 * -EAGAIN when the ephemeral range is exhausted (Linux's answer). */
int ns_port_bind(struct ns_stack *stack, struct ns_port_table *t,
		 struct ns_sock *sk, uint16_t port);
void ns_port_unbind(struct ns_sock *sk);

/* Whether two sockets' local addresses overlap (Linux
 * inet_rcv_saddr_equal with wildcards and IPV6_V6ONLY). */
bool ns_port_addrs_overlap(const struct ns_sock *a, const struct ns_sock *b);

#define ns_port_for_each(pos, t, port) \
	ns_list_for_each (pos, ns_port_bucket(t, port))

#endif
