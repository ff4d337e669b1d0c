/* Port tables: bind conflicts and ephemeral ports; see port.h. */
#include "port.h"

#include <errno.h>
#include <sys/socket.h>

#include "core.h"
#include "hash.h"
#include "sock.h"

void ns_port_table_init(struct ns_port_table *t, uint16_t lo, uint16_t hi)
{
	for (unsigned i = 0; i < NS_PORT_BUCKETS; i++)
		ns_list_init(&t->buckets[i]);
	t->count = 0;
	t->lo = lo;
	t->hi = hi;
}

/* The local addresses a socket receives on, per family. */
struct cover {
	bool any4, any6;
	bool one4, one6;
	struct ns_addr a;
};

static void cover_of(const struct ns_sock *sk, struct cover *c)
{
	*c = (struct cover){ .a = sk->laddr };
	if (sk->family == AF_INET || ns_addr_is_v4(&sk->laddr)) {
		/* AF_INET, or AF_INET6 bound to a v4-mapped address. */
		if (ns_addr_is_any4(&sk->laddr))
			c->any4 = true;
		else
			c->one4 = true;
		return;
	}
	if (ns_addr_is_unspec6(&sk->laddr)) {
		c->any6 = true;
		c->any4 = !(sk->opt & NS_IPV6_V6ONLY);
		return;
	}
	c->one6 = true;
}

static bool side_overlap(bool any_a, bool one_a, bool any_b, bool one_b,
			 const struct ns_addr *a, const struct ns_addr *b)
{
	if (any_a)
		return any_b || one_b;
	if (any_b)
		return one_a;
	return one_a && one_b && ns_addr_eq(a, b);
}

bool ns_port_addrs_overlap(const struct ns_sock *a, const struct ns_sock *b)
{
	struct cover x, y;
	cover_of(a, &x);
	cover_of(b, &y);
	return side_overlap(x.any4, x.one4, y.any4, y.one4, &x.a, &y.a) ||
	       side_overlap(x.any6, x.one6, y.any6, y.one6, &x.a, &y.a);
}

/* Linux udp_lib_lport_inuse / inet_csk_bind_conflict for datagrams. */
static bool port_conflict(struct ns_port_table *t, const struct ns_sock *sk,
			  uint16_t port)
{
	struct ns_list *pos;
	ns_port_for_each(pos, t, port)
	{
		const struct ns_sock *o =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (o == sk || o->lport != port)
			continue;
		if (o->bound_ifindex && sk->bound_ifindex &&
		    o->bound_ifindex != sk->bound_ifindex)
			continue;
		if ((o->opt & sk->opt & NS_SO_REUSEADDR) ||
		    (o->opt & sk->opt & NS_SO_REUSEPORT))
			continue;
		if (ns_port_addrs_overlap(o, sk))
			return true;
	}
	return false;
}

static bool port_used(struct ns_port_table *t, uint16_t port)
{
	struct ns_list *pos;
	ns_port_for_each(pos, t, port)
	{
		const struct ns_sock *o =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (o->lport == port)
			return true;
	}
	return false;
}

int ns_port_bind(struct ns_stack *stack, struct ns_port_table *t,
		 struct ns_sock *sk, uint16_t port)
{
	if (port == 0) {
		/* RFC 6056 3.3.1 (Linux's choice for UDP): a random start,
		 * then the first port nobody holds. */
		uint32_t range = (uint32_t)t->hi - t->lo + 1;
		uint32_t start = ns_random_below(stack, range);
		for (uint32_t i = 0; i < range; i++) {
			uint16_t p = (uint16_t)(t->lo + (start + i) % range);
			if (!port_used(t, p)) {
				port = p;
				break;
			}
		}
		if (port == 0)
			return -EAGAIN;
	} else if (port_conflict(t, sk, port)) {
		return -EADDRINUSE;
	}
	sk->lport = port;
	sk->ports = t;
	ns_list_add(ns_port_bucket(t, port), &sk->bind_node);
	t->count++;
	return 0;
}

void ns_port_unbind(struct ns_sock *sk)
{
	if (sk->ports == NULL)
		return;
	ns_list_del(&sk->bind_node);
	sk->ports->count--;
	sk->ports = NULL;
	sk->lport = 0;
}
