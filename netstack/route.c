/* The route table, output route lookups and the path MTU cache; see
 * route.h. */
#include "route.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "nic.h"

/* Linux ip6_rt_mtu_expires / ip_rt_mtu_expires: 10 minutes. */
#define PMTU_EXPIRES_NS (600 * NS_SEC)

void ns_route_changed(struct ns_stack *stack)
{
	stack->route_gen++;
}

bool ns_dst_valid(const struct ns_stack *stack, const struct ns_dst *dst)
{
	return dst->gen == stack->route_gen;
}

/* Sorted by prefix length, longest first, then by metric. */
static bool rt_before(const struct ns_rt *a, const struct ns_rt *b)
{
	if (a->plen != b->plen)
		return a->plen > b->plen;
	return a->metric < b->metric;
}

static void rt_timer_fired(struct ns_stack *stack, struct ns_timer *t)
{
	struct ns_rt *rt = ns_container_of(t, struct ns_rt, timer);
	ns_rt_del(stack, rt);
}

int ns_rt_add(struct ns_stack *stack, const struct ns_rt *tmpl,
	      struct ns_rt **out)
{
	struct ns_rtable *t = &stack->routes;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		struct ns_rt **v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	struct ns_rt *rt = malloc(sizeof(*rt));
	if (rt == NULL)
		return -ENOMEM;
	*rt = *tmpl;
	ns_timer_init(&rt->timer, rt_timer_fired);
	uint32_t i = t->n;
	while (i > 0 && rt_before(rt, t->v[i - 1])) {
		t->v[i] = t->v[i - 1];
		i--;
	}
	t->v[i] = rt;
	t->n++;
	if (rt->expires != NS_TIME_NEVER)
		ns_timer_arm(stack, &rt->timer, rt->expires);
	ns_route_changed(stack);
	if (out)
		*out = rt;
	return 0;
}

void ns_rt_del(struct ns_stack *stack, struct ns_rt *rt)
{
	struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->v[i] != rt)
			continue;
		memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(rt));
		t->n--;
		break;
	}
	ns_timer_cancel(stack, &rt->timer);
	free(rt);
	ns_route_changed(stack);
}

void ns_rt_flush(struct ns_stack *stack, const struct ns_nic *nic,
		 const struct ns_ifa *ifa)
{
	struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n;) {
		struct ns_rt *rt = t->v[i];
		if ((nic && rt->nic == nic) || (ifa && rt->owner == ifa))
			ns_rt_del(stack, rt);
		else
			i++;
	}
}

struct ns_rt *ns_rt_find(struct ns_stack *stack, const struct ns_addr *dst,
			 uint8_t plen, const struct ns_addr *gw,
			 const struct ns_nic *nic)
{
	struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++) {
		struct ns_rt *rt = t->v[i];
		if (rt->plen != plen || !ns_addr_eq(&rt->dst, dst))
			continue;
		if (nic && rt->nic != nic)
			continue;
		if (gw == NULL ? rt->has_gw
			       : !rt->has_gw || !ns_addr_eq(&rt->gw, gw))
			continue;
		return rt;
	}
	return NULL;
}

void ns_rt_set_expiry(struct ns_stack *stack, struct ns_rt *rt,
		      uint64_t expires)
{
	rt->expires = expires;
	if (expires == NS_TIME_NEVER)
		ns_timer_cancel(stack, &rt->timer);
	else
		ns_timer_arm(stack, &rt->timer, expires);
}

void ns_rtable_free(struct ns_stack *stack)
{
	struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static bool rt_matches(const struct ns_rt *rt, const struct ns_addr *dst,
		       bool v6)
{
	return rt->v6 == v6 && ns_addr_prefix_eq(&rt->dst, dst, rt->plen);
}

bool ns_route_onlink(const struct ns_stack *stack, const struct ns_nic *nic,
		     const struct ns_addr *dst)
{
	bool v6 = !ns_addr_is_v4(dst);
	if (v6 && ns_addr_is_linklocal6(dst))
		return true;
	const struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ns_rt *rt = t->v[i];
		if (rt->nic == nic && !rt->has_gw && rt_matches(rt, dst, v6))
			return true;
	}
	return false;
}

/* The first (longest, then cheapest) route to dst, through oif if set. */
static const struct ns_rt *rt_lookup(const struct ns_stack *stack,
				     const struct ns_addr *dst, int oif)
{
	bool v6 = !ns_addr_is_v4(dst);
	const struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ns_rt *rt = t->v[i];
		if (oif && rt->nic->ifindex != oif)
			continue;
		if (v6 && !rt->nic->ipv6)
			continue;
		if (rt_matches(rt, dst, v6))
			return rt;
	}
	return NULL;
}

/* A NIC for traffic without a route (multicast, limited broadcast):
 * the default route's, else the first NIC with an address of the
 * family (Linux's multicast routes exist on every device). */
static struct ns_nic *fallback_nic(const struct ns_stack *stack,
				   const struct ns_addr *dst)
{
	const struct ns_rt *rt = rt_lookup(stack, dst, 0);
	if (rt)
		return rt->nic;
	bool v4 = ns_addr_is_v4(dst);
	for (int i = 1; i <= stack->max_ifindex; i++) {
		struct ns_nic *nic = stack->nics[i];
		if (nic == NULL || nic->loopback || (!v4 && !nic->ipv6))
			continue;
		struct ns_addr src;
		if (ns_nic_select_src(nic, dst, &src))
			return nic;
	}
	return NULL;
}

/* Any usable address of the family on any NIC (Linux inet_select_addr
 * falls back to other devices). */
static bool any_src(const struct ns_stack *stack, const struct ns_addr *dst,
		    struct ns_addr *out)
{
	for (int i = 1; i <= stack->max_ifindex; i++) {
		struct ns_nic *nic = stack->nics[i];
		if (nic && !nic->loopback && ns_nic_select_src(nic, dst, out))
			return true;
	}
	return false;
}

int ns_route_output(struct ns_stack *stack, const struct ns_addr *dst,
		    const struct ns_addr *src, int oif, struct ns_dst *out)
{
	bool v4 = ns_addr_is_v4(dst);
	bool want_src = src && !ns_addr_is_any(src);
	memset(out, 0, sizeof(*out));
	out->gen = stack->route_gen;
	out->nexthop = *dst;
	if (ns_addr_is_any(dst))
		return -EINVAL;
	if (want_src && ns_addr_is_v4(src) != v4)
		return -EINVAL;
	if (want_src && !ns_addr_is_local(stack, src))
		return -EADDRNOTAVAIL;

	if (ns_addr_is_local(stack, dst)) {
		out->nic = stack->lo;
		out->flags = NS_DST_LOCAL;
		out->mtu = stack->lo->info.mtu;
		if (want_src) {
			out->src = *src;
		} else if (ns_addr_is_loopback(dst) && v4) {
			ns_addr_set_v4_u32(&out->src, 0x7f000001);
		} else {
			out->src = *dst;
		}
		return 0;
	}

	struct ns_nic *nic = NULL;
	const struct ns_rt *rt = NULL;
	bool bcast = v4 && ns_addr_is_bcast_on(stack, NULL, dst);
	if (ns_addr_is_mcast(dst) || bcast) {
		nic = oif ? ns_nic_get(stack, oif) : NULL;
		if (nic == NULL && want_src) {
			struct ns_ifa *ifa = ns_stack_find_addr(stack, src);
			nic = ifa ? ifa->nic : NULL;
		}
		if (nic == NULL && !ns_addr_is_v4_bcast(dst))
			rt = rt_lookup(stack, dst, 0);
		if (nic == NULL && rt)
			nic = rt->nic;
		if (nic == NULL)
			nic = fallback_nic(stack, dst);
		out->flags = bcast ? NS_DST_BCAST : NS_DST_MCAST;
	} else {
		rt = rt_lookup(stack, dst, oif);
		if (rt) {
			nic = rt->nic;
			if (rt->has_gw)
				out->nexthop = rt->gw;
		} else if (oif && ns_addr_needs_scope(dst)) {
			nic = ns_nic_get(stack, oif);
		}
	}
	if (nic == NULL || nic->loopback || (!v4 && !nic->ipv6))
		return -ENETUNREACH;
	out->nic = nic;

	if (want_src)
		out->src = *src;
	else if (rt && rt->has_src)
		out->src = rt->src;
	else if (!ns_nic_select_src(nic, dst, &out->src) &&
		 !(v4 && any_src(stack, dst, &out->src)))
		return -EADDRNOTAVAIL;

	out->mtu = ns_nic_mtu(nic, !v4);
	uint32_t pmtu = ns_pmtu_get(stack, dst);
	if (pmtu && pmtu < out->mtu)
		out->mtu = pmtu;
	return 0;
}

/* ---- Path MTU cache ---------------------------------------------- */

void ns_pmtu_update(struct ns_stack *stack, const struct ns_addr *dst,
		    uint32_t mtu)
{
	struct ns_pmtu *slot = NULL, *oldest = &stack->pmtu[0];
	for (unsigned i = 0; i < NS_PMTU_SLOTS; i++) {
		struct ns_pmtu *p = &stack->pmtu[i];
		if (p->mtu && ns_addr_eq(&p->dst, dst)) {
			slot = p;
			break;
		}
		if (p->mtu == 0 && slot == NULL)
			slot = p;
		if (p->expires < oldest->expires)
			oldest = p;
	}
	if (slot == NULL)
		slot = oldest;
	/* Only ever lower a live entry (RFC 1191 6.3), except to refresh
	 * an expired one. */
	if (slot->mtu && ns_addr_eq(&slot->dst, dst) &&
	    slot->expires > stack->now && slot->mtu <= mtu)
		return;
	if (slot->mtu == 0)
		stack->pmtu_used++;
	slot->dst = *dst;
	slot->mtu = mtu;
	slot->expires = stack->now + PMTU_EXPIRES_NS;
	ns_route_changed(stack);
}

uint32_t ns_pmtu_get(struct ns_stack *stack, const struct ns_addr *dst)
{
	/* The common case, on every route lookup: nothing learned. */
	if (stack->pmtu_used == 0)
		return 0;
	for (unsigned i = 0; i < NS_PMTU_SLOTS; i++) {
		struct ns_pmtu *p = &stack->pmtu[i];
		if (p->mtu == 0 || !ns_addr_eq(&p->dst, dst))
			continue;
		if (p->expires <= stack->now) {
			p->mtu = 0;
			stack->pmtu_used--;
			return 0;
		}
		return p->mtu;
	}
	return 0;
}

/* ---- Public API ---------------------------------------------------- */

static int route_from_public(struct ns_stack *stack, const struct ns_route *r,
			     struct ns_rt *rt)
{
	memset(rt, 0, sizeof(*rt));
	if (r->family != AF_INET && r->family != AF_INET6)
		return -EINVAL;
	bool v4 = r->family == AF_INET;
	if (r->prefix_len > (v4 ? 32 : 128))
		return -EINVAL;
	rt->v6 = !v4;
	ns_addr_set(&rt->dst, v4, r->dst);
	rt->plen = (uint8_t)(v4 ? r->prefix_len + 96 : r->prefix_len);
	struct ns_addr masked = rt->dst;
	ns_addr_mask(&masked, rt->plen);
	if (!ns_addr_eq(&masked, &rt->dst))
		return -EINVAL; /* Linux: invalid prefix for its length */
	ns_addr_set(&rt->gw, v4, r->gateway);
	rt->has_gw = !ns_addr_is_any(&rt->gw);
	ns_addr_set(&rt->src, v4, r->src);
	rt->has_src = !ns_addr_is_any(&rt->src);
	rt->metric = r->metric;
	rt->protocol = r->protocol ? r->protocol : NS_RTPROT_BOOT;
	rt->expires = NS_TIME_NEVER;
	if (r->ifindex) {
		rt->nic = ns_nic_get(stack, r->ifindex);
		if (rt->nic == NULL)
			return -ENODEV;
	}
	return 0;
}

int ns_stack_add_route(struct ns_stack *stack, const struct ns_route *r)
{
	struct ns_rt rt;
	if (r == NULL)
		return -EINVAL;
	int err = route_from_public(stack, r, &rt);
	if (err)
		return err;
	if (rt.has_gw) {
		if (ns_addr_is_mcast(&rt.gw))
			return -EINVAL;
		if (rt.nic == NULL) {
			for (int i = 1; i <= stack->max_ifindex && !rt.nic;
			     i++) {
				struct ns_nic *nic = stack->nics[i];
				if (nic && !nic->loopback &&
				    !ns_addr_is_linklocal6(&rt.gw) &&
				    ns_route_onlink(stack, nic, &rt.gw))
					rt.nic = nic;
			}
		} else if (!ns_route_onlink(stack, rt.nic, &rt.gw)) {
			rt.nic = NULL;
		}
		if (rt.nic == NULL)
			return -ENETUNREACH;
	}
	if (rt.nic == NULL)
		return -ENODEV;
	if (rt.v6 && !rt.nic->ipv6)
		return -EAFNOSUPPORT;
	if (rt.has_src && !ns_addr_is_local(stack, &rt.src))
		return -EINVAL;
	const struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ns_rt *o = t->v[i];
		if (o->plen == rt.plen && ns_addr_eq(&o->dst, &rt.dst) &&
		    o->metric == rt.metric && o->nic == rt.nic)
			return -EEXIST;
	}
	ns_enter(stack);
	err = ns_rt_add(stack, &rt, NULL);
	ns_leave(stack);
	return err;
}

int ns_stack_del_route(struct ns_stack *stack, const struct ns_route *r)
{
	struct ns_rt key;
	if (r == NULL || route_from_public(stack, r, &key) < 0)
		return -ESRCH;
	struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++) {
		struct ns_rt *rt = t->v[i];
		if (rt->plen != key.plen || !ns_addr_eq(&rt->dst, &key.dst) ||
		    rt->v6 != key.v6)
			continue;
		if (key.nic && rt->nic != key.nic)
			continue;
		if (r->metric && rt->metric != r->metric)
			continue;
		if (key.has_gw &&
		    (!rt->has_gw || !ns_addr_eq(&rt->gw, &key.gw)))
			continue;
		if (rt->owner)
			rt->owner->prefix_route = false;
		ns_enter(stack);
		ns_rt_del(stack, rt);
		ns_leave(stack);
		return 0;
	}
	return -ESRCH;
}

int ns_stack_foreach_route(const struct ns_stack *stack,
			   int (*fn)(void *arg, const struct ns_route *rt),
			   void *arg)
{
	const struct ns_rtable *t = &stack->routes;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ns_rt *rt = t->v[i];
		struct ns_route out = { .family = rt->v6 ? AF_INET6 : AF_INET };
		ns_addr_export(&rt->dst, out.dst);
		out.prefix_len = (uint8_t)(rt->v6 ? rt->plen : rt->plen - 96);
		if (rt->has_gw)
			ns_addr_export(&rt->gw, out.gateway);
		out.ifindex = rt->nic->ifindex;
		out.metric = rt->metric;
		if (rt->has_src)
			ns_addr_export(&rt->src, out.src);
		out.protocol = rt->protocol;
		out.expires = NS_LIFETIME_INFINITE;
		if (rt->expires != NS_TIME_NEVER)
			out.expires = rt->expires > stack->now
					      ? (uint32_t)((rt->expires -
							    stack->now) /
							   NS_SEC)
					      : 0;
		int r = fn(arg, &out);
		if (r)
			return r;
	}
	return 0;
}

int ns_stack_route_get(struct ns_stack *stack, int family, const uint8_t *dst,
		       int oif, struct ns_route_lookup *out)
{
	if (dst == NULL || out == NULL ||
	    (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	struct ns_addr a;
	ns_addr_set(&a, family == AF_INET, dst);
	struct ns_dst d;
	ns_enter(stack);
	int r = ns_route_output(stack, &a, NULL, oif, &d);
	ns_leave(stack);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->ifindex = d.nic->ifindex;
	ns_addr_export(&d.nexthop, out->nexthop);
	ns_addr_export(&d.src, out->src);
	out->mtu = d.mtu;
	out->local = d.flags & NS_DST_LOCAL;
	return 0;
}
