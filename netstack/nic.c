/* NICs and addresses: creation, the public configuration API, address
 * lookups and source address selection. */
#include "nic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "eth.h"
#include "ndp.h"

/* RFC 4861 10: REACHABLE_TIME 30 s, RETRANS_TIMER 1 s; RFC 8200 hop
 * limit as Linux's default. */
#define ND_REACHABLE_MS	  30000
#define ND_RETRANS_MS	  1000
#define DEFAULT_HOP_LIMIT 64

struct ns_nic *ns_nic_get(const struct ns_stack *stack, int ifindex)
{
	if (ifindex < 1 || ifindex > stack->max_ifindex)
		return NULL;
	return stack->nics[ifindex];
}

uint32_t ns_nic_mtu(const struct ns_nic *nic, bool v6)
{
	if (v6 && nic->mtu6 && nic->mtu6 < nic->info.mtu)
		return nic->mtu6;
	return nic->info.mtu;
}

void ns_nic_randomise_reachable(struct ns_stack *stack, struct ns_nic *nic)
{
	uint32_t base = nic->base_reachable_ms;
	nic->reachable_ms = base / 2 + ns_random_below(stack, base + 1);
}

int ns_nic_create(struct ns_stack *stack, const struct ns_nic_config *cfg,
		  bool loopback, int *ifindex)
{
	const struct ns_link_info *info = &cfg->info;
	if (!loopback && (cfg->ops == NULL || cfg->ops->xmit == NULL))
		return -EINVAL;
	if (info->type != NS_LINK_ETHERNET && info->type != NS_LINK_IP)
		return -EINVAL;
	/* RFC 791: every link carries 68-byte datagrams. */
	if (info->mtu < 68 || info->mtu > 65535)
		return -EINVAL;
	if (stack->max_ifindex >= NS_MAX_NICS)
		return -ENOSPC;
	struct ns_nic *nic = calloc(1, sizeof(*nic));
	if (nic == NULL)
		return -ENOMEM;
	nic->ifindex = stack->max_ifindex + 1;
	nic->stack = stack;
	nic->ops = cfg->ops;
	nic->ctx = cfg->ctx;
	nic->info = *info;
	if (info->name)
		strncpy(nic->name, info->name, sizeof(nic->name) - 1);
	nic->info.name = nic->name;
	nic->flags = cfg->flags;
	nic->loopback = loopback;
	nic->ipv6 = !(cfg->flags & NS_NIC_F_NO_IPV6) && info->mtu >= 1280;
	ns_list_init(&nic->addrs);
	nic->hop_limit = DEFAULT_HOP_LIMIT;
	nic->base_reachable_ms = ND_REACHABLE_MS;
	nic->retrans_ms = ND_RETRANS_MS;
	ns_nic_randomise_reachable(stack, nic);
	ns_timer_init(&nic->rs_timer, ns_ndp_rs_timer);
	/* Modified EUI-64 (RFC 4291 appendix A): flip the universal/local
	 * bit and put ff:fe in the middle. */
	const uint8_t *m = info->mac;
	uint8_t iid[8] = {
		m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]
	};
	memcpy(nic->iid, iid, 8);
	stack->nics[nic->ifindex] = nic;
	stack->max_ifindex = nic->ifindex;
	*ifindex = nic->ifindex;
	return 0;
}

int ns_stack_add_nic(struct ns_stack *stack, const struct ns_nic_config *cfg,
		     int *ifindex)
{
	if (cfg == NULL || ifindex == NULL)
		return -EINVAL;
	ns_enter(stack);
	int r = ns_nic_create(stack, cfg, false, ifindex);
	if (r == 0) {
		struct ns_nic *nic = stack->nics[*ifindex];
		if (nic->ipv6 && ns_nic_is_ether(nic) &&
		    !(nic->flags & NS_NIC_F_NO_AUTOCONF))
			ns_ndp_nic_up(stack, nic);
	}
	ns_leave(stack);
	return r;
}

int ns_stack_nic_set_mtu(struct ns_stack *stack, int ifindex, uint32_t mtu)
{
	struct ns_nic *nic = ns_nic_get(stack, ifindex);
	if (nic == NULL)
		return -ENODEV;
	if (mtu < 68 || mtu > 65535)
		return -EINVAL;
	nic->info.mtu = mtu;
	nic->ipv6 = !(nic->flags & NS_NIC_F_NO_IPV6) && mtu >= 1280;
	ns_route_changed(stack);
	return 0;
}

static void nic_fill_info(const struct ns_nic *nic, struct ns_nic_info *info)
{
	memset(info, 0, sizeof(*info));
	info->ifindex = nic->ifindex;
	memcpy(info->name, nic->name, sizeof(info->name));
	info->type = nic->info.type;
	info->mtu = nic->info.mtu;
	memcpy(info->mac, nic->info.mac, 6);
	info->caps = nic->info.caps;
	info->loopback = nic->loopback;
	info->ipv6 = nic->ipv6;
	info->rx_packets = nic->rx_packets;
	info->rx_bytes = nic->rx_bytes;
	info->rx_dropped = nic->rx_dropped;
	info->tx_packets = nic->tx_packets;
	info->tx_bytes = nic->tx_bytes;
	info->tx_dropped = nic->tx_dropped;
}

int ns_stack_nic_info(const struct ns_stack *stack, int ifindex,
		      struct ns_nic_info *info)
{
	const struct ns_nic *nic = ns_nic_get(stack, ifindex);
	if (nic == NULL)
		return -ENODEV;
	nic_fill_info(nic, info);
	return 0;
}

int ns_stack_foreach_nic(const struct ns_stack *stack,
			 int (*fn)(void *arg, const struct ns_nic_info *info),
			 void *arg)
{
	for (int i = 1; i <= stack->max_ifindex; i++) {
		if (stack->nics[i] == NULL)
			continue;
		struct ns_nic_info info;
		nic_fill_info(stack->nics[i], &info);
		int r = fn(arg, &info);
		if (r)
			return r;
	}
	return 0;
}

int ns_nic_xmit(struct ns_nic *nic, struct ns_pkt *pkt)
{
	struct ns_stack *stack = nic->stack;
	uint32_t len = pkt->len;
	stack->flush_mask |= 1ull << (nic->ifindex - 1);
	int r = nic->ops->xmit(nic->ctx, pkt);
	if (r < 0) {
		nic->tx_dropped++;
		NS_INC(stack, Link, OutDiscards);
		return r;
	}
	nic->tx_packets++;
	nic->tx_bytes += len;
	NS_INC(stack, Link, OutFrames);
	return 0;
}

/* ---- Addresses ------------------------------------------------------ */

static bool ifa_usable(const struct ns_ifa *ifa)
{
	return !(ifa->flags & (NS_ADDR_F_TENTATIVE | NS_ADDR_F_DADFAILED));
}

struct ns_ifa *ns_nic_find_addr(const struct ns_nic *nic,
				const struct ns_addr *a)
{
	struct ns_list *pos;
	ns_list_for_each (pos, &nic->addrs) {
		struct ns_ifa *ifa = ns_container_of(pos, struct ns_ifa, node);
		if (ns_addr_eq(&ifa->addr, a))
			return ifa;
	}
	return NULL;
}

struct ns_ifa *ns_stack_find_addr(const struct ns_stack *stack,
				  const struct ns_addr *a)
{
	for (int i = 1; i <= stack->max_ifindex; i++) {
		struct ns_nic *nic = stack->nics[i];
		if (nic == NULL)
			continue;
		struct ns_ifa *ifa = ns_nic_find_addr(nic, a);
		if (ifa)
			return ifa;
	}
	return NULL;
}

bool ns_addr_is_local(const struct ns_stack *stack, const struct ns_addr *a)
{
	if (ns_addr_is_loopback(a))
		return true;
	const struct ns_ifa *ifa = ns_stack_find_addr(stack, a);
	return ifa && ifa_usable(ifa);
}

static bool nic_has_bcast(const struct ns_nic *nic, const struct ns_addr *a)
{
	struct ns_list *pos;
	ns_list_for_each (pos, &nic->addrs) {
		struct ns_ifa *ifa = ns_container_of(pos, struct ns_ifa, node);
		if (!ns_addr_is_v4(&ifa->addr) || ifa->plen >= 31)
			continue;
		uint32_t host = 0xffffffffu >> ifa->plen;
		uint32_t bcast = ns_addr_v4_u32(&ifa->addr) | host;
		if (ns_addr_v4_u32(a) == bcast)
			return true;
	}
	return false;
}

bool ns_addr_is_bcast_on(const struct ns_stack *stack, const struct ns_nic *nic,
			 const struct ns_addr *a)
{
	if (!ns_addr_is_v4(a))
		return false;
	if (ns_addr_is_v4_bcast(a))
		return true;
	if (nic)
		return nic_has_bcast(nic, a);
	for (int i = 1; i <= stack->max_ifindex; i++)
		if (stack->nics[i] && nic_has_bcast(stack->nics[i], a))
			return true;
	return false;
}

bool ns_nic_in_mcast6(const struct ns_nic *nic, const struct ns_addr *a)
{
	struct ns_addr g;
	ns_addr_all_nodes(&g);
	if (ns_addr_eq(&g, a))
		return true;
	g.b[1] = 0x01; /* ff01::1, interface-local all nodes */
	if (ns_addr_eq(&g, a))
		return true;
	struct ns_list *pos;
	ns_list_for_each (pos, &nic->addrs) {
		struct ns_ifa *ifa = ns_container_of(pos, struct ns_ifa, node);
		if (ns_addr_is_v4(&ifa->addr))
			continue;
		ns_addr_solicited_node(&g, &ifa->addr);
		if (ns_addr_eq(&g, a))
			return true;
	}
	return false;
}

struct ns_ifa *ns_nic_linklocal(const struct ns_nic *nic)
{
	struct ns_list *pos;
	ns_list_for_each (pos, &nic->addrs) {
		struct ns_ifa *ifa = ns_container_of(pos, struct ns_ifa, node);
		if (ns_addr_is_linklocal6(&ifa->addr) && ifa_usable(ifa))
			return ifa;
	}
	return NULL;
}

/* RFC 6724 2.1 scope of a unicast address, as a comparable number. */
static int addr_scope(const struct ns_addr *a)
{
	if (ns_addr_is_loopback(a))
		return 1;
	if (ns_addr_is_linklocal6(a))
		return 2;
	if (ns_addr_is_mcast(a))
		return a->b[1] & 0x0f;
	return 14;
}

/* Whether candidate x beats the current best y as a source for dst
 * (RFC 6724 5, rules 1, 2, 3, 8). */
static bool src6_better(const struct ns_ifa *x, const struct ns_ifa *y,
			const struct ns_addr *dst)
{
	if (ns_addr_eq(&x->addr, dst) != ns_addr_eq(&y->addr, dst))
		return ns_addr_eq(&x->addr, dst);
	int ds = addr_scope(dst), xs = addr_scope(&x->addr),
	    ys = addr_scope(&y->addr);
	if (xs != ys) {
		/* Rule 2: the smallest scope that still reaches dst, else the
		 * largest. */
		if (xs < ys)
			return xs >= ds;
		return ys < ds;
	}
	bool xd = x->flags & NS_ADDR_F_DEPRECATED;
	bool yd = y->flags & NS_ADDR_F_DEPRECATED;
	if (xd != yd)
		return !xd;
	return ns_addr_common_prefix(&x->addr, dst) >
	       ns_addr_common_prefix(&y->addr, dst);
}

bool ns_nic_select_src(const struct ns_nic *nic, const struct ns_addr *dst,
		       struct ns_addr *out)
{
	bool v4 = ns_addr_is_v4(dst);
	const struct ns_ifa *best = NULL;
	struct ns_list *pos;
	ns_list_for_each (pos, &nic->addrs) {
		const struct ns_ifa *ifa =
			ns_container_of(pos, struct ns_ifa, node);
		if (ns_addr_is_v4(&ifa->addr) != v4 || !ifa_usable(ifa))
			continue;
		if (v4) {
			/* The address whose subnet holds dst, else the
			 * first (Linux's primary address). */
			if (best == NULL)
				best = ifa;
			if (ns_addr_prefix_eq(&ifa->addr, dst,
					      ifa->plen + 96)) {
				best = ifa;
				break;
			}
			continue;
		}
		if (best == NULL || src6_better(ifa, best, dst))
			best = ifa;
	}
	if (best == NULL)
		return false;
	*out = best->addr;
	return true;
}

static void ifa_lft_timer(struct ns_stack *stack, struct ns_timer *t);

static void ifa_arm_lifetime(struct ns_stack *stack, struct ns_ifa *ifa)
{
	uint64_t next = NS_TIME_NEVER;
	if (!(ifa->flags & NS_ADDR_F_DEPRECATED))
		next = ifa->preferred_until;
	if (ifa->valid_until < next)
		next = ifa->valid_until;
	if (next == NS_TIME_NEVER)
		ns_timer_cancel(stack, &ifa->lft_timer);
	else
		ns_timer_arm(stack, &ifa->lft_timer, next);
}

static uint64_t lifetime_deadline(const struct ns_stack *stack, uint32_t secs)
{
	if (secs == NS_LIFETIME_INFINITE)
		return NS_TIME_NEVER;
	return stack->now + (uint64_t)secs * NS_SEC;
}

void ns_ifa_set_lifetimes(struct ns_ifa *ifa, uint32_t valid,
			  uint32_t preferred)
{
	struct ns_stack *stack = ifa->nic->stack;
	ifa->valid_until = lifetime_deadline(stack, valid);
	ifa->preferred_until = lifetime_deadline(stack, preferred);
	if (ifa->preferred_until > stack->now)
		ifa->flags &= ~NS_ADDR_F_DEPRECATED;
	else
		ifa->flags |= NS_ADDR_F_DEPRECATED;
	ifa_arm_lifetime(stack, ifa);
}

/* RFC 4862 5.5.4: a deprecated address stays for existing traffic; an
 * invalid one goes. */
static void ifa_lft_timer(struct ns_stack *stack, struct ns_timer *t)
{
	struct ns_ifa *ifa = ns_container_of(t, struct ns_ifa, lft_timer);
	if (ifa->valid_until <= stack->now) {
		ns_nic_del_addr(ifa);
		return;
	}
	if (ifa->preferred_until <= stack->now) {
		ifa->flags |= NS_ADDR_F_DEPRECATED;
		ns_route_changed(stack);
	}
	ifa_arm_lifetime(stack, ifa);
}

/* Adds the route to the address's prefix unless one is there already
 * (a second address in the same subnet, as Linux's secondaries). */
static void ifa_add_prefix_route(struct ns_stack *stack, struct ns_ifa *ifa)
{
	bool v4 = ns_addr_is_v4(&ifa->addr);
	uint8_t plen = v4 ? ifa->plen + 96 : ifa->plen;
	/* A SLAAC address brings no on-link route: only a prefix's L flag
	 * says the prefix is on the link (RFC 5942). */
	if (plen == 128 || ifa->nic->loopback || ifa->autoconf)
		return;
	struct ns_rt rt = { .v6 = !v4, .dst = ifa->addr, .plen = plen };
	ns_addr_mask(&rt.dst, plen);
	rt.nic = ifa->nic;
	/* Linux: metric 0 for IPv4 prefix routes, 256 for IPv6. */
	rt.metric = v4 ? 0 : 256;
	rt.has_src = v4;
	rt.src = ifa->addr;
	rt.protocol = NS_RTPROT_KERNEL;
	rt.owner = ifa;
	rt.expires = NS_TIME_NEVER;
	if (ns_rt_find(stack, &rt.dst, plen, NULL, ifa->nic))
		return;
	if (ns_rt_add(stack, &rt, NULL) == 0)
		ifa->prefix_route = true;
}

int ns_nic_add_addr(struct ns_nic *nic, const struct ns_addr *a, uint8_t plen,
		    uint32_t flags, uint32_t valid, uint32_t preferred,
		    bool autoconf, struct ns_ifa **out)
{
	struct ns_stack *stack = nic->stack;
	bool v4 = ns_addr_is_v4(a);
	if (v4 ? plen > 32 : plen > 128)
		return -EINVAL;
	if (ns_addr_is_any(a) || ns_addr_is_mcast(a) ||
	    (v4 && ns_addr_is_v4_bcast(a)))
		return -EINVAL;
	if (!v4 && !nic->ipv6)
		return -EAFNOSUPPORT;
	if (ns_nic_find_addr(nic, a))
		return -EEXIST;
	struct ns_ifa *ifa = calloc(1, sizeof(*ifa));
	if (ifa == NULL)
		return -ENOMEM;
	ifa->nic = nic;
	ifa->addr = *a;
	ifa->plen = plen;
	ifa->autoconf = autoconf;
	ifa->flags = autoconf ? 0 : NS_ADDR_F_PERMANENT;
	bool dad = !v4 && ns_nic_is_ether(nic) && !(flags & NS_ADDR_F_NODAD);
	if (dad)
		ifa->flags |= NS_ADDR_F_TENTATIVE;
	ifa->flags |= flags & NS_ADDR_F_NODAD;
	ns_timer_init(&ifa->lft_timer, ifa_lft_timer);
	ns_timer_init(&ifa->dad_timer, ns_ndp_dad_timer);
	ns_list_add_tail(&nic->addrs, &ifa->node);
	ns_ifa_set_lifetimes(ifa, valid ? valid : NS_LIFETIME_INFINITE,
			     preferred ? preferred : NS_LIFETIME_INFINITE);
	ifa_add_prefix_route(stack, ifa);
	ns_route_changed(stack);
	if (v4 && ns_nic_is_ether(nic))
		ns_arp_announce(stack, ifa);
	if (dad)
		ns_ndp_dad_start(stack, ifa);
	if (out)
		*out = ifa;
	return 0;
}

void ns_nic_del_addr(struct ns_ifa *ifa)
{
	struct ns_nic *nic = ifa->nic;
	struct ns_stack *stack = nic->stack;
	ns_timer_cancel(stack, &ifa->lft_timer);
	ns_timer_cancel(stack, &ifa->dad_timer);
	ns_list_del(&ifa->node);
	bool had_route = ifa->prefix_route;
	ns_rt_flush(stack, NULL, ifa);
	if (had_route) {
		/* Another address of the same prefix takes the route over. */
		struct ns_list *pos;
		ns_list_for_each (pos, &nic->addrs) {
			struct ns_ifa *o =
				ns_container_of(pos, struct ns_ifa, node);
			if (o->plen == ifa->plen &&
			    ns_addr_is_v4(&o->addr) ==
				    ns_addr_is_v4(&ifa->addr) &&
			    ns_addr_prefix_eq(&o->addr, &ifa->addr,
					      ns_addr_is_v4(&o->addr)
						      ? o->plen + 96u
						      : o->plen)) {
				ifa_add_prefix_route(stack, o);
				break;
			}
		}
	}
	ns_route_changed(stack);
	free(ifa);
}

void ns_ifa_dad_failed(struct ns_ifa *ifa)
{
	struct ns_stack *stack = ifa->nic->stack;
	NS_INC(stack, Nd, DadFailed);
	ns_timer_cancel(stack, &ifa->dad_timer);
	/* RFC 4862 5.4.5: the address must not be used. Linux keeps it
	 * listed with IFA_F_DADFAILED; a SLAAC address is removed. */
	if (ifa->autoconf) {
		ns_nic_del_addr(ifa);
		return;
	}
	ifa->flags &= ~NS_ADDR_F_TENTATIVE;
	ifa->flags |= NS_ADDR_F_DADFAILED;
	ns_route_changed(stack);
}

static struct ns_addr public_to_addr(int family, const uint8_t *bytes)
{
	struct ns_addr a;
	ns_addr_set(&a, family == AF_INET, bytes);
	return a;
}

int ns_stack_add_addr(struct ns_stack *stack, const struct ns_ifaddr *pub)
{
	if (pub == NULL || (pub->family != AF_INET && pub->family != AF_INET6))
		return -EINVAL;
	struct ns_nic *nic = ns_nic_get(stack, pub->ifindex);
	if (nic == NULL)
		return -ENODEV;
	struct ns_addr a = public_to_addr(pub->family, pub->addr);
	ns_enter(stack);
	int r = ns_nic_add_addr(nic, &a, pub->prefix_len,
				pub->flags & NS_ADDR_F_NODAD, pub->valid_lft,
				pub->preferred_lft, false, NULL);
	ns_leave(stack);
	return r;
}

int ns_stack_del_addr(struct ns_stack *stack, int ifindex, int family,
		      const uint8_t *addr)
{
	struct ns_nic *nic = ns_nic_get(stack, ifindex);
	if (nic == NULL || addr == NULL ||
	    (family != AF_INET && family != AF_INET6))
		return -EADDRNOTAVAIL;
	struct ns_addr a = public_to_addr(family, addr);
	struct ns_ifa *ifa = ns_nic_find_addr(nic, &a);
	if (ifa == NULL)
		return -EADDRNOTAVAIL;
	ns_enter(stack);
	ns_nic_del_addr(ifa);
	ns_leave(stack);
	return 0;
}

static uint32_t secs_left(const struct ns_stack *stack, uint64_t until)
{
	if (until == NS_TIME_NEVER)
		return NS_LIFETIME_INFINITE;
	if (until <= stack->now)
		return 0;
	return (uint32_t)((until - stack->now) / NS_SEC);
}

int ns_stack_foreach_addr(const struct ns_stack *stack,
			  int (*fn)(void *arg, const struct ns_ifaddr *ifa),
			  void *arg)
{
	for (int i = 1; i <= stack->max_ifindex; i++) {
		const struct ns_nic *nic = stack->nics[i];
		if (nic == NULL)
			continue;
		struct ns_list *pos;
		ns_list_for_each (pos, &nic->addrs) {
			const struct ns_ifa *ifa =
				ns_container_of(pos, struct ns_ifa, node);
			struct ns_ifaddr out = { .ifindex = nic->ifindex };
			bool v4 = ns_addr_is_v4(&ifa->addr);
			out.family = v4 ? AF_INET : AF_INET6;
			ns_addr_export(&ifa->addr, out.addr);
			out.prefix_len = ifa->plen;
			int sc = addr_scope(&ifa->addr);
			out.scope = sc == 1   ? NS_SCOPE_HOST
				    : sc == 2 ? NS_SCOPE_LINK
					      : NS_SCOPE_UNIVERSE;
			out.flags = ifa->flags;
			out.valid_lft = secs_left(stack, ifa->valid_until);
			out.preferred_lft =
				secs_left(stack, ifa->preferred_until);
			int r = fn(arg, &out);
			if (r)
				return r;
		}
	}
	return 0;
}

void ns_nics_free(struct ns_stack *stack)
{
	for (int i = 1; i <= stack->max_ifindex; i++) {
		struct ns_nic *nic = stack->nics[i];
		if (nic == NULL)
			continue;
		while (!ns_list_empty(&nic->addrs)) {
			struct ns_ifa *ifa = ns_container_of(
				nic->addrs.next, struct ns_ifa, node);
			ns_list_del(&ifa->node);
			free(ifa);
		}
		free(nic);
		stack->nics[i] = NULL;
	}
	stack->max_ifindex = 0;
}
