/* Neighbour discovery and autoconfiguration: the link-local address from
 * the MAC, duplicate address detection (success, a defender, two nodes at
 * once), router solicitation, SLAAC from router advertisements (prefixes,
 * default router, MTU, lifetimes), and NDP validity checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

struct addr_q {
	uint8_t addr[16];
	struct ns_ifaddr found;
	int hits;
};

static int find_addr(void *arg, const struct ns_ifaddr *ifa)
{
	struct addr_q *q = arg;
	if (ifa->family == AF_INET6 && memcmp(ifa->addr, q->addr, 16) == 0) {
		q->found = *ifa;
		q->hits++;
	}
	return 0;
}

/* Flags of address ip on the stack, or -1 when it is not there. */
static int addr_flags(struct ns_stack *s, const char *ip, struct ns_ifaddr *out)
{
	struct addr_q q = { .hits = 0 };
	nt_ip6(ip, q.addr);
	ns_stack_foreach_addr(s, find_addr, &q);
	if (out)
		*out = q.found;
	return q.hits ? (int)q.found.flags : -1;
}

static void test_link_local_and_dad(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, NT_AUTOCONF, 0);
	/* 02:00:00:00:00:01 -> fe80::ff:fe00:1 (modified EUI-64). */
	int f = addr_flags(p.a.stack, "fe80::ff:fe00:1", NULL);
	assert_true(f >= 0);
	assert_true(f & NS_ADDR_F_TENTATIVE);
	assert_int_equal(nt_stat(p.a.stack, "Nd.DadStarted"), 1);
	/* DAD: one solicitation from ::, then RetransTimer (1 s) of
	 * silence, after a random delay of up to 1 s. */
	nt_advance(&p, 3 * NT_SEC);
	f = addr_flags(p.a.stack, "fe80::ff:fe00:1", NULL);
	assert_false(f & NS_ADDR_F_TENTATIVE);
	assert_int_equal(nt_stat(p.a.stack, "Nd.DadSucceeded"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Nd.DadSucceeded"), 1);
	/* Then router solicitations: three, 4 s apart, nobody answers. */
	nt_advance(&p, 20 * NT_SEC);
	assert_int_equal(nt_stat(p.a.stack, "Icmp6.OutRouterSolicits"), 3);
	/* B, a host, is not in the all-routers group, nor in the
	 * solicited-node group of A's DAD probe. */
	assert_int_equal(nt_stat(p.b.stack, "Icmp6.InRouterSolicits"), 0);
	assert_int_equal(nt_stat(p.b.stack, "Ip6.InAddrErrors"), 3 + 1);
	nt_pair_free(&p);
}

static void add_dad_addr(struct nt_end *e, const char *ip, uint32_t flags)
{
	struct ns_ifaddr a = { .ifindex = e->ifindex,
			       .family = AF_INET6,
			       .prefix_len = 64,
			       .flags = flags };
	nt_ip6(ip, a.addr);
	assert_int_equal(ns_stack_add_addr(e->stack, &a), 0);
}

static void test_dad_defended(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	add_dad_addr(&p.a, "fd00::99", NS_ADDR_F_NODAD);
	add_dad_addr(&p.b, "fd00::99", 0);
	nt_advance(&p, 3 * NT_SEC);
	/* A answered B's solicitation: B's copy failed DAD and is not
	 * used (RFC 4862 5.4.5); A's stays. */
	int f = addr_flags(p.b.stack, "fd00::99", NULL);
	assert_true(f & NS_ADDR_F_DADFAILED);
	assert_false(f & NS_ADDR_F_TENTATIVE);
	assert_int_equal(nt_stat(p.b.stack, "Nd.DadFailed"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Nd.DadFailed"), 0);
	/* B cannot bind it. */
	struct ns_socket *s;
	ns_socket_create(p.b.stack, AF_INET6, SOCK_DGRAM, 0, &s);
	struct sockaddr_in6 sin6 = nt_sin6("fd00::99", 1);
	assert_int_equal(
		ns_socket_bind(s, (struct sockaddr *)&sin6, sizeof(sin6)),
		-EADDRNOTAVAIL);
	ns_socket_close(s);
	nt_pair_free(&p);
}

static void test_dad_simultaneous(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	/* Both start DAD for the same address: each sees the other's
	 * solicitation from :: and gives up (RFC 4862 5.4.3). Force the
	 * solicitations to cross by holding them until both are sent. */
	add_dad_addr(&p.a, "fd00::77", 0);
	add_dad_addr(&p.b, "fd00::77", 0);
	for (int i = 0; i < 30 && p.a.outq.count + p.b.outq.count < 2; i++) {
		p.now += 50 * NT_MS;
		ns_stack_timers(p.a.stack);
		ns_stack_timers(p.b.stack);
	}
	nt_advance(&p, 3 * NT_SEC);
	assert_true(addr_flags(p.a.stack, "fd00::77", NULL) &
		    NS_ADDR_F_DADFAILED);
	assert_true(addr_flags(p.b.stack, "fd00::77", NULL) &
		    NS_ADDR_F_DADFAILED);
	nt_pair_free(&p);
}

static const uint8_t router_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };

/* A router advertisement from fe80::1 to all nodes. */
static void inject_ra(struct nt_solo *s, uint16_t lifetime, const char *prefix,
		      uint8_t plen, uint8_t flags, uint32_t valid,
		      uint32_t preferred, uint32_t mtu, uint8_t hlim)
{
	uint8_t ra[16 + 8 + 32 + 8] = { 134, 0, 0, 0, 64, 0 };
	ns_put_be16(ra + 6, lifetime);
	size_t n = 16;
	ra[n] = 1; /* source link-layer address */
	ra[n + 1] = 1;
	memcpy(ra + n + 2, router_mac, 6);
	n += 8;
	if (prefix) {
		uint8_t *o = ra + n;
		o[0] = 3;
		o[1] = 4;
		o[2] = plen;
		o[3] = flags;
		ns_put_be32(o + 4, valid);
		ns_put_be32(o + 8, preferred);
		nt_ip6(prefix, o + 16);
		n += 32;
	}
	if (mtu) {
		uint8_t *o = ra + n;
		o[0] = 5;
		o[1] = 1;
		ns_put_be32(o + 4, mtu);
		n += 8;
	}
	uint8_t f[200];
	size_t fn = nt_put_eth(f, (const uint8_t *)"\x33\x33\0\0\0\x01",
			       router_mac, 0x86dd);
	fn += nt_put_ip6(f + fn, "fe80::1", "ff02::1", 58, (uint16_t)n, hlim);
	uint8_t src[16], dst[16];
	nt_ip6("fe80::1", src);
	nt_ip6("ff02::1", dst);
	uint32_t sum = ns_csum_pseudo6(src, dst, 58, (uint32_t)n);
	ns_put_be16(ra + 2, ns_csum_fold(ns_csum_partial(ra, n, sum)));
	memcpy(f + fn, ra, n);
	nt_inject(&s->e, f, fn + n);
}

static int count_default(void *arg, const struct ns_route *rt)
{
	int *n = arg;
	if (rt->family == AF_INET6 && rt->prefix_len == 0 &&
	    rt->protocol == NS_RTPROT_RA)
		(*n)++;
	return 0;
}

static int default_routes(struct ns_stack *s)
{
	int n = 0;
	ns_stack_foreach_route(s, count_default, &n);
	return n;
}

static void test_slaac(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, NT_AUTOCONF | NT_NO_ADDRS, 0);
	nt_solo_advance(&s, 3 * NT_SEC); /* link-local valid, RS sent */
	assert_true(nt_stat(s.e.stack, "Icmp6.OutRouterSolicits") >= 1);
	uint64_t rs = nt_stat(s.e.stack, "Icmp6.OutRouterSolicits");
	inject_ra(&s, 1800, "2001:db8:1::", 64, 0xc0, 600, 300, 1400, 255);
	assert_int_equal(nt_stat(s.e.stack, "Nd.RaAccepted"), 1);
	assert_int_equal(nt_stat(s.e.stack, "Nd.SlaacAddrs"), 1);
	/* The solicitations stop. */
	nt_solo_advance(&s, 20 * NT_SEC);
	assert_int_equal(nt_stat(s.e.stack, "Icmp6.OutRouterSolicits"), rs);
	struct ns_ifaddr ifa;
	int f = addr_flags(s.e.stack, "2001:db8:1::ff:fe00:1", &ifa);
	assert_true(f >= 0);
	assert_false(f & (NS_ADDR_F_TENTATIVE | NS_ADDR_F_PERMANENT));
	assert_int_equal(ifa.prefix_len, 64);
	assert_true(ifa.valid_lft <= 600 && ifa.valid_lft > 500);
	/* Default route via the router, on-link prefix, MTU 1400. */
	assert_int_equal(default_routes(s.e.stack), 1);
	struct ns_route_lookup rl;
	uint8_t d[16];
	nt_ip6("2001:db8:99::1", d);
	assert_int_equal(ns_stack_route_get(s.e.stack, AF_INET6, d, 0, &rl), 0);
	uint8_t want[16];
	nt_ip6("fe80::1", want);
	assert_memory_equal(rl.nexthop, want, 16);
	assert_int_equal(rl.mtu, 1400);
	nt_ip6("2001:db8:1::ff:fe00:1", want);
	assert_memory_equal(rl.src, want, 16);
	nt_ip6("2001:db8:1::42", d);
	ns_stack_route_get(s.e.stack, AF_INET6, d, 0, &rl);
	assert_memory_equal(rl.nexthop, d, 16);
	/* A link-local prefix and a /48 are not for SLAAC. */
	inject_ra(&s, 1800, "fe80::", 64, 0x40, 600, 300, 0, 255);
	inject_ra(&s, 1800, "2001:db8:2::", 48, 0x40, 600, 300, 0, 255);
	assert_int_equal(nt_stat(s.e.stack, "Nd.SlaacIgnored"), 2);
	assert_int_equal(nt_stat(s.e.stack, "Nd.SlaacAddrs"), 1);
	/* Preferred lifetime over: deprecated; valid over: gone. */
	nt_solo_advance(&s, 300 * NT_SEC);
	f = addr_flags(s.e.stack, "2001:db8:1::ff:fe00:1", NULL);
	assert_true(f & NS_ADDR_F_DEPRECATED);
	/* The two-hour rule: an RA cannot cut the valid lifetime short. */
	inject_ra(&s, 1800, "2001:db8:1::", 64, 0xc0, 10, 0, 0, 255);
	addr_flags(s.e.stack, "2001:db8:1::ff:fe00:1", &ifa);
	assert_true(ifa.valid_lft > 200);
	nt_solo_advance(&s, 300 * NT_SEC);
	assert_int_equal(addr_flags(s.e.stack, "2001:db8:1::ff:fe00:1", NULL),
			 -1);
	/* Router lifetime 0: the default route goes. */
	inject_ra(&s, 0, NULL, 0, 0, 0, 0, 0, 255);
	assert_int_equal(default_routes(s.e.stack), 0);
	nt_solo_free(&s);
}

static void test_router_lifetime_expires(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, NT_AUTOCONF | NT_NO_ADDRS, 0);
	nt_solo_advance(&s, 3 * NT_SEC);
	inject_ra(&s, 30, NULL, 0, 0, 0, 0, 0, 255);
	assert_int_equal(default_routes(s.e.stack), 1);
	nt_solo_advance(&s, 31 * NT_SEC);
	assert_int_equal(default_routes(s.e.stack), 0);
	nt_solo_free(&s);
}

static void test_ndp_validity(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, NT_AUTOCONF | NT_NO_ADDRS, 0);
	nt_solo_advance(&s, 3 * NT_SEC);
	/* Forwarded by a router (hop limit not 255): ignored. */
	inject_ra(&s, 1800, "2001:db8:1::", 64, 0xc0, 600, 300, 0, 64);
	assert_int_equal(nt_stat(s.e.stack, "Nd.InInvalid"), 1);
	assert_int_equal(nt_stat(s.e.stack, "Nd.RaAccepted"), 0);
	/* A neighbour solicitation for our link-local address with an
	 * option of length zero. */
	uint8_t ns[24 + 8] = { 135 };
	nt_ip6("fe80::ff:fe00:1", ns + 8);
	ns[24] = 1;
	ns[25] = 0;
	uint8_t f[200];
	size_t n = nt_put_eth(f, nt_mac_a, router_mac, 0x86dd);
	n += nt_put_ip6(f + n, "fe80::1", "fe80::ff:fe00:1", 58, sizeof(ns),
			255);
	uint8_t src[16], dst[16];
	nt_ip6("fe80::1", src);
	nt_ip6("fe80::ff:fe00:1", dst);
	uint32_t sum = ns_csum_pseudo6(src, dst, 58, sizeof(ns));
	ns_put_be16(ns + 2, ns_csum_fold(ns_csum_partial(ns, sizeof(ns), sum)));
	memcpy(f + n, ns, sizeof(ns));
	nt_drain(&s.e);
	nt_inject(&s.e, f, n + sizeof(ns));
	assert_int_equal(nt_stat(s.e.stack, "Nd.InInvalid"), 2);
	assert_null(nt_take(&s.e));
	/* With a proper source link-layer option it is answered. */
	ns[25] = 1;
	memcpy(ns + 26, router_mac, 6);
	ns_put_be16(ns + 2, 0);
	ns_put_be16(ns + 2, ns_csum_fold(ns_csum_partial(ns, sizeof(ns), sum)));
	memcpy(f + n, ns, sizeof(ns));
	nt_inject(&s.e, f, n + sizeof(ns));
	struct ns_pkt *na = nt_take(&s.e);
	assert_non_null(na);
	uint8_t o[200];
	nt_flat(na, o, sizeof(o));
	ns_pkt_free(na);
	assert_memory_equal(o, router_mac, 6);
	assert_int_equal(o[14 + 40], 136);
	assert_int_equal(o[14 + 44], 0x60); /* solicited, override */
	assert_int_equal(o[14 + 7], 255);
	nt_solo_free(&s);
}

static void test_neighbour_unreachability6(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "::", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET6, "::", 7);
	struct sockaddr_in6 to = nt_sin6("fd00::2", 7);
	ns_socket_sendto(a, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	/* B goes away; A's entry ages, probes unicast three times, and is
	 * dropped. */
	nt_advance(&p, 50 * NT_SEC);
	nt_stack_cut(&p.a, true);
	ns_socket_sendto(a, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	uint64_t probes = nt_stat(p.a.stack, "Neigh.Probes");
	nt_advance(&p, 20 * NT_SEC);
	assert_int_equal(nt_stat(p.a.stack, "Neigh.Probes"), probes + 3);
	assert_int_equal(nt_stat(p.a.stack, "Neigh.ResFailed"), 1);
	nt_stack_cut(&p.a, false);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_local_and_dad),
		cmocka_unit_test(test_dad_defended),
		cmocka_unit_test(test_dad_simultaneous),
		cmocka_unit_test(test_slaac),
		cmocka_unit_test(test_router_lifetime_expires),
		cmocka_unit_test(test_ndp_validity),
		cmocka_unit_test(test_neighbour_unreachability6),
	};
	return cmocka_run_group_tests_name("netstack/ndp", tests, NULL, NULL);
}
