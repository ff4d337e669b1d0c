/* Routing through a gateway: a datagram to a remote network goes to the
 * gateway's MAC (resolved by ARP or NDP) with the remote destination in
 * its IP header; a host does not forward what is not for it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/wire.h"

static void add_default(struct ns_stack *s, int family, const char *gw)
{
	struct ns_route r = { .family = family };
	if (family == AF_INET)
		nt_ip4(gw, r.gateway);
	else
		nt_ip6(gw, r.gateway);
	assert_int_equal(ns_stack_add_route(s, &r), 0);
}

static void test_ipv4_via_gateway(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	/* B is A's gateway to the world. */
	add_default(p.a.stack, AF_INET, "10.0.0.2");
	p.a.capture = true;
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct sockaddr_in to = nt_sin("198.51.100.7", 53);
	assert_int_equal(ns_socket_sendto(a, "q", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	nt_pump(&p);
	/* ARP asked for the gateway, not for the destination. */
	struct ns_pkt *f = ns_pkt_queue_pop(&p.a.captured);
	uint8_t b[128];
	nt_flat(f, b, sizeof(b));
	ns_pkt_free(f);
	uint8_t gw[4];
	nt_ip4("10.0.0.2", gw);
	assert_int_equal(ns_get_be16(b + 12), 0x0806);
	assert_memory_equal(b + 14 + 24, gw, 4);
	f = ns_pkt_queue_pop(&p.a.captured);
	nt_flat(f, b, sizeof(b));
	ns_pkt_free(f);
	assert_memory_equal(b, nt_mac_b, 6);
	assert_int_equal(ns_get_be16(b + 12), 0x0800);
	uint8_t dst[4], src[4];
	nt_ip4("198.51.100.7", dst);
	nt_ip4("10.0.0.1", src);
	assert_memory_equal(b + 14 + 16, dst, 4);
	assert_memory_equal(b + 14 + 12, src, 4);
	assert_int_equal(b[14 + 8], 64);
	/* B is a host: the packet is not for it, dropped and counted,
	 * without an ICMP error (Linux with forwarding off). */
	assert_int_equal(nt_stat(p.b.stack, "Ip.InAddrErrors"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Icmp.OutMsgs"), 0);
	/* No route at all. */
	struct ns_route r = { .family = AF_INET };
	assert_int_equal(ns_stack_del_route(p.a.stack, &r), 0);
	assert_int_equal(ns_socket_sendto(a, "q", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -ENETUNREACH);
	assert_int_equal(nt_stat(p.a.stack, "Ip.OutNoRoutes"), 1);
	ns_socket_close(a);
	nt_pair_free(&p);
}

static void test_ipv6_via_link_local_gateway(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, NT_AUTOCONF, 0);
	nt_advance(&p, 3 * NT_SEC);
	struct ns_route r = { .family = AF_INET6, .ifindex = p.a.ifindex };
	nt_ip6("fe80::ff:fe00:2", r.gateway);
	assert_int_equal(ns_stack_add_route(p.a.stack, &r), 0);
	p.a.capture = true;
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "::", 0);
	struct sockaddr_in6 to = nt_sin6("2001:db8::7", 53);
	assert_int_equal(ns_socket_sendto(a, "q", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	nt_pump(&p);
	struct ns_pkt *f;
	uint8_t b[128];
	bool seen = false;
	while ((f = ns_pkt_queue_pop(&p.a.captured)) != NULL) {
		nt_flat(f, b, sizeof(b));
		ns_pkt_free(f);
		if (b[14 + 6] != 17)
			continue;
		assert_memory_equal(b, nt_mac_b, 6);
		assert_memory_equal(b + 14 + 24, &to.sin6_addr, 16);
		/* The global address is the better source (RFC 6724). */
		uint8_t src[16];
		nt_ip6("fd00::1", src);
		assert_memory_equal(b + 14 + 8, src, 16);
		seen = true;
	}
	assert_true(seen);
	ns_socket_close(a);
	nt_pair_free(&p);
}

static void test_route_changes_reach_connected_sockets(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	add_default(p.a.stack, AF_INET, "10.0.0.2");
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct sockaddr_in to = nt_sin("198.51.100.7", 53);
	assert_int_equal(
		ns_socket_connect(a, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_int_equal(ns_socket_sendto(a, "q", 1, 0, NULL, 0), 1);
	nt_pump(&p);
	/* The cached route dies with the route. */
	struct ns_route r = { .family = AF_INET };
	ns_stack_del_route(p.a.stack, &r);
	assert_int_equal(ns_socket_sendto(a, "q", 1, 0, NULL, 0), -ENETUNREACH);
	add_default(p.a.stack, AF_INET, "10.0.0.2");
	assert_int_equal(ns_socket_sendto(a, "q", 1, 0, NULL, 0), 1);
	ns_socket_close(a);
	nt_pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_via_gateway),
		cmocka_unit_test(test_ipv6_via_link_local_gateway),
		cmocka_unit_test(test_route_changes_reach_connected_sockets),
	};
	return cmocka_run_group_tests_name("netstack/route", tests, NULL, NULL);
}
