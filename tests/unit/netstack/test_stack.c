/* The stack object: creation, loopback and its observer, NICs, addresses,
 * routes with longest-prefix match, counters, input on unknown NICs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

static uint64_t fixed_clock(void *ctx)
{
	(void)ctx;
	return 5;
}

static void test_create_needs_clock(void **state)
{
	(void)state;
	struct ns_stack *s = NULL;
	struct ns_stack_config cfg = { 0 };
	assert_int_equal(ns_stack_create(&cfg, &s), -EINVAL);
	assert_int_equal(ns_stack_create(NULL, &s), -EINVAL);
	cfg.clock = fixed_clock;
	assert_int_equal(ns_stack_create(&cfg, &s), 0);
	assert_int_equal(ns_stack_next_deadline(s), NS_TIME_NEVER);
	ns_stack_destroy(s);
	ns_stack_destroy(NULL);
}

static int count_addr(void *arg, const struct ns_ifaddr *ifa)
{
	struct ns_ifaddr *out = arg;
	if (ifa->ifindex == out->ifindex && ifa->family == out->family) {
		*out = *ifa;
		out->valid_lft++; /* reused as a hit counter below */
	}
	return 0;
}

static void test_loopback_nic(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_nic_info lo;
	assert_int_equal(ns_stack_nic_info(s.e.stack, 1, &lo), 0);
	assert_string_equal(lo.name, "lo");
	assert_true(lo.loopback);
	assert_int_equal(ns_stack_nic_info(s.e.stack, 9, &lo), -ENODEV);
	struct ns_ifaddr q = { .ifindex = 1, .family = AF_INET };
	ns_stack_foreach_addr(s.e.stack, count_addr, &q);
	uint8_t lo4[4];
	nt_ip4("127.0.0.1", lo4);
	assert_memory_equal(q.addr, lo4, 4);
	assert_int_equal(q.prefix_len, 8);
	assert_int_equal(q.scope, NS_SCOPE_HOST);
	struct ns_route_lookup rl;
	uint8_t dst[16] = { 127, 9, 9, 9 };
	assert_int_equal(ns_stack_route_get(s.e.stack, AF_INET, dst, 0, &rl),
			 0);
	assert_true(rl.local);
	assert_int_equal(rl.ifindex, 1);
	/* Our own address is local too, through lo. */
	nt_ip4("10.0.0.1", dst);
	assert_int_equal(ns_stack_route_get(s.e.stack, AF_INET, dst, 0, &rl),
			 0);
	assert_true(rl.local);
	nt_solo_free(&s);
}

struct observed {
	unsigned v4, v6, other;
	uint32_t last_len;
};

static void observe(void *arg, const struct ns_pkt *pkt)
{
	struct observed *o = arg;
	uint8_t v = 0;
	assert_int_equal(ns_pkt_copy_out(pkt, 0, &v, 1), 0);
	if (v >> 4 == 4)
		o->v4++;
	else if (v >> 4 == 6)
		o->v6++;
	else
		o->other++;
	o->last_len = pkt->len;
}

/* The observer sees what goes through lo (to a loopback or an own
 * address), not the local copy of a broadcast sent on the NIC. */
static void test_loopback_observer(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct observed o = { 0 };
	ns_stack_set_loopback_observer(s.e.stack, observe, &o);
	struct ns_socket *rx = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 9);
	struct ns_socket *tx = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 0);
	struct sockaddr_in lo = nt_sin("127.0.0.1", 9);
	assert_int_equal(ns_socket_sendto(tx, "abc", 3, 0,
					  (struct sockaddr *)&lo, sizeof(lo)),
			 3);
	assert_int_equal(o.v4, 1);
	assert_int_equal(o.last_len, 20 + 8 + 3);
	struct sockaddr_in own = nt_sin("10.0.0.1", 9);
	assert_int_equal(ns_socket_sendto(tx, "de", 2, 0,
					  (struct sockaddr *)&own, sizeof(own)),
			 2);
	assert_int_equal(o.v4, 2);
	int on = 1;
	assert_int_equal(ns_socket_setsockopt(tx, SOL_SOCKET, SO_BROADCAST, &on,
					      sizeof(on)),
			 0);
	struct sockaddr_in bcast = nt_sin("10.0.0.255", 9);
	assert_int_equal(ns_socket_sendto(tx, "f", 1, 0,
					  (struct sockaddr *)&bcast,
					  sizeof(bcast)),
			 1);
	assert_int_equal(o.v4, 2);
	/* The broadcast reached rx all the same, through the NIC it was
	 * sent on, where 10.0.0.255 is a broadcast address. */
	char buf[8];
	assert_int_equal(
		ns_socket_recvfrom(rx, buf, sizeof(buf), 0, NULL, NULL), 3);
	assert_int_equal(
		ns_socket_recvfrom(rx, buf, sizeof(buf), 0, NULL, NULL), 2);
	assert_int_equal(
		ns_socket_recvfrom(rx, buf, sizeof(buf), 0, NULL, NULL), 1);
	ns_socket_close(tx);
	ns_socket_close(rx);
	struct ns_socket *tx6 = nt_udp(s.e.stack, AF_INET6, "::", 0);
	struct sockaddr_in6 lo6 = nt_sin6("::1", 9);
	assert_int_equal(ns_socket_sendto(tx6, "g", 1, 0,
					  (struct sockaddr *)&lo6, sizeof(lo6)),
			 1);
	/* The datagram, and the port unreachable error for it. */
	assert_int_equal(o.v6, 2);
	ns_stack_set_loopback_observer(s.e.stack, NULL, NULL);
	assert_int_equal(ns_socket_sendto(tx6, "h", 1, 0,
					  (struct sockaddr *)&lo6, sizeof(lo6)),
			 1);
	assert_int_equal(o.v6, 2);
	assert_int_equal(o.other, 0);
	ns_socket_close(tx6);
	nt_solo_free(&s);
}

static const struct ns_link_ops null_ops;

static void test_add_nic_checks(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_nic_config nc = { .ops = &null_ops,
				    .info = { .type = NS_LINK_ETHERNET,
					      .mtu = 1500 } };
	int ifindex;
	/* An ops table without xmit, a tiny MTU, a bad type. */
	assert_int_equal(ns_stack_add_nic(s.e.stack, &nc, &ifindex), -EINVAL);
	nc.ops = NULL;
	assert_int_equal(ns_stack_add_nic(s.e.stack, &nc, &ifindex), -EINVAL);
	assert_int_equal(ns_stack_add_nic(s.e.stack, NULL, &ifindex), -EINVAL);
	assert_int_equal(ns_stack_nic_set_mtu(s.e.stack, s.e.ifindex, 67),
			 -EINVAL);
	assert_int_equal(ns_stack_nic_set_mtu(s.e.stack, 42, 1500), -ENODEV);
	assert_int_equal(ns_stack_nic_set_mtu(s.e.stack, s.e.ifindex, 9000), 0);
	struct ns_nic_info info;
	ns_stack_nic_info(s.e.stack, s.e.ifindex, &info);
	assert_int_equal(info.mtu, 9000);
	assert_string_equal(info.name, "eth0");
	assert_memory_equal(info.mac, nt_mac_a, 6);
	nt_solo_free(&s);
}

static void test_addresses(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_ifaddr a = { .ifindex = s.e.ifindex,
			       .family = AF_INET,
			       .prefix_len = 24 };
	nt_ip4("10.0.0.1", a.addr);
	assert_int_equal(ns_stack_add_addr(s.e.stack, &a), -EEXIST);
	nt_ip4("224.0.0.5", a.addr);
	assert_int_equal(ns_stack_add_addr(s.e.stack, &a), -EINVAL);
	nt_ip4("10.9.0.1", a.addr);
	a.prefix_len = 33;
	assert_int_equal(ns_stack_add_addr(s.e.stack, &a), -EINVAL);
	a.prefix_len = 16;
	a.ifindex = 77;
	assert_int_equal(ns_stack_add_addr(s.e.stack, &a), -ENODEV);
	a.ifindex = s.e.ifindex;
	assert_int_equal(ns_stack_add_addr(s.e.stack, &a), 0);
	/* A new IPv4 address is announced (RFC 5227). */
	assert_int_equal(nt_stat(s.e.stack, "Arp.OutGratuitous"), 2);
	struct ns_route_lookup rl;
	uint8_t dst[16];
	nt_ip4("10.9.200.3", dst);
	assert_int_equal(ns_stack_route_get(s.e.stack, AF_INET, dst, 0, &rl),
			 0);
	assert_int_equal(rl.ifindex, s.e.ifindex);
	uint8_t want[4];
	nt_ip4("10.9.0.1", want);
	assert_memory_equal(rl.src, want, 4);
	/* Removing the address takes its prefix route along. */
	assert_int_equal(
		ns_stack_del_addr(s.e.stack, s.e.ifindex, AF_INET, a.addr), 0);
	assert_int_equal(
		ns_stack_del_addr(s.e.stack, s.e.ifindex, AF_INET, a.addr),
		-EADDRNOTAVAIL);
	assert_int_equal(ns_stack_route_get(s.e.stack, AF_INET, dst, 0, &rl),
			 -ENETUNREACH);
	nt_solo_free(&s);
}

static void test_no_ipv6_nic(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, NT_NO_ADDRS, 1200);
	/* Below 1280 there is no IPv6 on a link (RFC 8200 5). */
	struct ns_ifaddr a = { .ifindex = s.e.ifindex,
			       .family = AF_INET6,
			       .prefix_len = 64 };
	nt_ip6("fd00::1", a.addr);
	assert_int_equal(ns_stack_add_addr(s.e.stack, &a), -EAFNOSUPPORT);
	nt_solo_free(&s);
}

static struct ns_route mkroute(int family, const char *dst, int plen,
			       const char *gw, uint32_t metric)
{
	struct ns_route r = { .family = family,
			      .prefix_len = (uint8_t)plen,
			      .metric = metric };
	if (family == AF_INET) {
		nt_ip4(dst, r.dst);
		if (gw)
			nt_ip4(gw, r.gateway);
	} else {
		nt_ip6(dst, r.dst);
		if (gw)
			nt_ip6(gw, r.gateway);
	}
	return r;
}

static void nexthop_is(struct ns_stack *s, int family, const char *dst,
		       const char *want)
{
	uint8_t d[16], w[16] = { 0 };
	struct ns_route_lookup rl;
	if (family == AF_INET) {
		nt_ip4(dst, d);
		nt_ip4(want, w);
	} else {
		nt_ip6(dst, d);
		nt_ip6(want, w);
	}
	assert_int_equal(ns_stack_route_get(s, family, d, 0, &rl), 0);
	assert_memory_equal(rl.nexthop, w, family == AF_INET ? 4 : 16);
}

static void test_longest_prefix_match(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_stack *st = s.e.stack;
	struct ns_route r = mkroute(AF_INET, "0.0.0.0", 0, "10.0.0.254", 0);
	assert_int_equal(ns_stack_add_route(st, &r), 0);
	assert_int_equal(ns_stack_add_route(st, &r), -EEXIST);
	r = mkroute(AF_INET, "172.16.0.0", 12, "10.0.0.253", 0);
	assert_int_equal(ns_stack_add_route(st, &r), 0);
	r = mkroute(AF_INET, "172.16.5.0", 24, "10.0.0.252", 0);
	assert_int_equal(ns_stack_add_route(st, &r), 0);
	/* A cheaper twin of the /12 wins over it. */
	r = mkroute(AF_INET, "172.16.0.0", 12, "10.0.0.251", 0);
	r.ifindex = s.e.ifindex;
	assert_int_equal(ns_stack_add_route(st, &r), -EEXIST);
	r.metric = 5;
	assert_int_equal(ns_stack_add_route(st, &r), 0);

	nexthop_is(st, AF_INET, "8.8.8.8", "10.0.0.254");
	nexthop_is(st, AF_INET, "172.20.1.1", "10.0.0.253");
	nexthop_is(st, AF_INET, "172.16.5.77", "10.0.0.252");
	nexthop_is(st, AF_INET, "10.0.0.77", "10.0.0.77"); /* on-link */

	/* Bad routes. */
	r = mkroute(AF_INET, "192.168.1.1", 24, NULL, 0);
	r.ifindex = s.e.ifindex;
	assert_int_equal(ns_stack_add_route(st, &r), -EINVAL); /* not masked */
	r = mkroute(AF_INET, "192.168.0.0", 16, "192.168.0.1", 0);
	assert_int_equal(ns_stack_add_route(st, &r), -ENETUNREACH);
	r = mkroute(AF_INET, "192.168.0.0", 16, NULL, 0);
	assert_int_equal(ns_stack_add_route(st, &r), -ENODEV);
	r.family = 99;
	assert_int_equal(ns_stack_add_route(st, &r), -EINVAL);

	/* Removing the /24 falls back to the /12. */
	r = mkroute(AF_INET, "172.16.5.0", 24, NULL, 0);
	assert_int_equal(ns_stack_del_route(st, &r), 0);
	assert_int_equal(ns_stack_del_route(st, &r), -ESRCH);
	nexthop_is(st, AF_INET, "172.16.5.77", "10.0.0.253");

	/* IPv6 routes are looked up apart from IPv4's. */
	r = mkroute(AF_INET6, "::", 0, "fd00::fe", 0);
	assert_int_equal(ns_stack_add_route(st, &r), 0);
	nexthop_is(st, AF_INET6, "2001:db8::1", "fd00::fe");
	nexthop_is(st, AF_INET6, "fd00::9", "fd00::9");
	nt_solo_free(&s);
}

static int count_routes(void *arg, const struct ns_route *rt)
{
	(void)rt;
	(*(int *)arg)++;
	return 0;
}

static void test_route_listing(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	int n = 0;
	ns_stack_foreach_route(s.e.stack, count_routes, &n);
	assert_int_equal(n, 2); /* 10.0.0.0/24 and fd00::/64 */
	nt_solo_free(&s);
}

static void test_counters_by_name(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	uint64_t v;
	assert_int_equal(ns_stack_stat_by_name(s.e.stack, "Udp.NoPorts", &v),
			 0);
	assert_int_equal(v, 0);
	assert_int_equal(ns_stack_stat_by_name(s.e.stack, "Udp.Nope", &v),
			 -ENOENT);
	assert_int_equal(
		ns_stack_stat_by_name(s.e.stack, "IcmpMsg.InType8", &v), 0);
	assert_int_equal(
		ns_stack_stat_by_name(s.e.stack, "IcmpMsg.InType256", &v),
		-ENOENT);
	assert_string_equal(ns_stat_name(NS_STAT_Ip6_ReasmFails),
			    "Ip6.ReasmFails");
	assert_null(ns_stat_name(NS_STAT__COUNT));
	/* Input on a NIC that does not exist. */
	struct ns_pkt *pkt = ns_pkt_alloc(0, 0);
	assert_int_equal(ns_stack_input(s.e.stack, 42, pkt), -ENODEV);
	assert_int_equal(nt_stat(s.e.stack, "Link.InNoNic"), 1);
	pkt = ns_pkt_alloc(0, 0);
	assert_int_equal(ns_stack_input(s.e.stack, 1, pkt), -ENODEV);
	assert_int_equal(nt_stat(s.e.stack, "Link.InNoNic"), 2);
	nt_solo_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_needs_clock),
		cmocka_unit_test(test_loopback_nic),
		cmocka_unit_test(test_loopback_observer),
		cmocka_unit_test(test_add_nic_checks),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_no_ipv6_nic),
		cmocka_unit_test(test_longest_prefix_match),
		cmocka_unit_test(test_route_listing),
		cmocka_unit_test(test_counters_by_name),
	};
	return cmocka_run_group_tests_name("netstack/stack", tests, NULL, NULL);
}
