/* IPv6: UDP exchange with neighbour discovery, extension header chains
 * (good ones delivered, bad ones dropped, counted, answered as RFC 8200
 * says), v4-mapped addresses and IPV6_V6ONLY. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/wire.h"

static void test_udp6_exchange(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "::", 5000);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET6, "fd00::2", 6000);
	struct sockaddr_in6 to = nt_sin6("fd00::2", 6000);
	assert_int_equal(ns_socket_sendto(a, "hello6", 6, 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 6);
	nt_pump(&p);
	char buf[64];
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	assert_int_equal(ns_socket_recvfrom(b, buf, sizeof(buf), 0,
					    (struct sockaddr *)&from, &flen),
			 6);
	assert_memory_equal(buf, "hello6", 6);
	assert_int_equal(from.sin6_family, AF_INET6);
	assert_int_equal(ntohs(from.sin6_port), 5000);
	{
		struct sockaddr_in6 want_ = nt_sin6("fd00::1", 0);
		assert_memory_equal(&from.sin6_addr, &want_.sin6_addr, 16);
	}
	assert_int_equal(ns_socket_sendto(b, "back", 4, 0,
					  (struct sockaddr *)&from, flen),
			 4);
	nt_pump(&p);
	assert_int_equal(ns_socket_recvfrom(a, buf, sizeof(buf), 0, NULL, NULL),
			 4);
	assert_int_equal(nt_stat(p.a.stack, "Icmp6.OutNeighborSolicits"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Icmp6.InNeighborSolicits"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Icmp6.OutNeighborAdvertisements"),
			 1);
	assert_int_equal(nt_stat(p.b.stack, "Udp6.InDatagrams"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Udp6.OutDatagrams"), 1);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static void test_link_local_needs_scope(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, NT_AUTOCONF, 0);
	nt_advance(&p, 3 * NT_SEC); /* link-local addresses pass DAD */
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "::", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET6, "::", 7);
	/* fe80::ff:fe00:2 is B's address from its MAC (EUI-64). */
	struct sockaddr_in6 to = nt_sin6("fe80::ff:fe00:2", 7);
	assert_int_equal(ns_socket_sendto(a, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -EINVAL);
	to.sin6_scope_id = (uint32_t)p.a.ifindex;
	assert_int_equal(ns_socket_sendto(a, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	nt_pump(&p);
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	char buf[4];
	assert_int_equal(ns_socket_recvfrom(b, buf, 4, 0,
					    (struct sockaddr *)&from, &flen),
			 1);
	{
		struct sockaddr_in6 want_ = nt_sin6("fe80::ff:fe00:1", 0);
		assert_memory_equal(&from.sin6_addr, &want_.sin6_addr, 16);
	}
	assert_int_equal(from.sin6_scope_id, (uint32_t)p.b.ifindex);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

/* Sends a packet from B to A (fd00::2 -> fd00::1) whose payload starts
 * with the extension headers `ext` (first header type nh) and ends with
 * a UDP datagram to port 53 (the last header's next header must be 17). */
static void inject_ext(struct nt_solo *s, uint8_t nh, const uint8_t *ext,
		       size_t ext_len, uint8_t hlim)
{
	static uint8_t f[2000];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x86dd);
	uint8_t udp[64];
	size_t ulen = nt_put_udp(udp, true, "fd00::2", "fd00::1", 1000, 53,
				 "data", 4);
	n += nt_put_ip6(f + n, "fd00::2", "fd00::1", nh,
			(uint16_t)(ext_len + ulen), hlim);
	memcpy(f + n, ext, ext_len);
	memcpy(f + n + ext_len, udp, ulen);
	nt_inject(&s->e, f, n + ext_len + ulen);
}

static ssize_t recv_one(struct ns_socket *s)
{
	char buf[16];
	return ns_socket_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL);
}

static void test_good_extension_chain(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *sock = nt_udp(s.e.stack, AF_INET6, "::", 53);
	/* Hop-by-hop (router alert, PadN), routing with no segments left,
	 * destination options (Pad1s), an atomic fragment header. */
	uint8_t ext[] = {
		43, 0, 5, 2, 0, 0, 1, 0,    /* HBH: RA + PadN(0) */
		60, 0, 4, 0, 0, 0, 0, 0,    /* routing type 4, segleft 0 */
		44, 0, 0, 0, 0, 0, 0, 0,    /* dest opts: Pad1 x6 */
		17, 0, 0, 0, 0, 0, 0, 0x42, /* atomic fragment */
	};
	inject_ext(&s, 0, ext, sizeof(ext), 64);
	assert_int_equal(recv_one(sock), 4);
	assert_int_equal(nt_stat(s.e.stack, "Ip6.InDelivers"), 1);
	/* Nothing follows (RFC 8200 4.7): quietly done. */
	uint8_t none[] = { 59, 0, 1, 4, 0, 0, 0, 0 };
	inject_ext(&s, 60, none, sizeof(none), 64);
	assert_int_equal(recv_one(sock), -EAGAIN);
	assert_null(nt_take(&s.e));
	ns_socket_close(sock);
	nt_solo_free(&s);
}

/* Returns the ICMPv6 type/code/pointer of the next frame A sent. */
static void expect_param_problem(struct nt_solo *s, uint8_t code, uint32_t ptr)
{
	struct ns_pkt *pkt;
	/* Skip neighbour solicitations for the error's destination. */
	while ((pkt = nt_take(&s->e)) != NULL) {
		uint8_t f[200];
		nt_flat(pkt, f, sizeof(f));
		ns_pkt_free(pkt);
		if (f[14 + 6] != 58 || f[14 + 40] == 135)
			continue;
		assert_int_equal(f[14 + 40], 4);
		assert_int_equal(f[14 + 41], code);
		assert_int_equal(ns_get_be32(f + 14 + 44), ptr);
		return;
	}
	fail_msg("no parameter problem sent");
}

static void test_bad_extension_chains(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	/* Know B so that errors go out without neighbour discovery. */
	struct ns_neigh_info ni = { .ifindex = s.e.ifindex,
				    .family = AF_INET6 };
	nt_ip6("fd00::2", ni.addr);
	memcpy(ni.mac, nt_mac_b, 6);
	ns_stack_add_neigh(s.e.stack, &ni);
	struct ns_socket *sock = nt_udp(s.e.stack, AF_INET6, "::", 53);

	/* Unknown option, action 00: skipped. */
	uint8_t skip[] = { 17, 0, 0x1e, 2, 0, 0, 1, 0 };
	inject_ext(&s, 60, skip, sizeof(skip), 64);
	assert_int_equal(recv_one(sock), 4);
	/* Action 01: silently discarded. */
	uint8_t discard[] = { 17, 0, 0x5e, 2, 0, 0, 1, 0 };
	inject_ext(&s, 60, discard, sizeof(discard), 64);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InBadOptions"), 1);
	assert_null(nt_take(&s.e));
	/* Action 10: discarded with a parameter problem, code 2, pointing
	 * at the option type (40 + 2). */
	uint8_t answer[] = { 17, 0, 0x9e, 2, 0, 0, 1, 0 };
	inject_ext(&s, 60, answer, sizeof(answer), 64);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InBadOptions"), 2);
	expect_param_problem(&s, 2, 42);
	/* An option running past its header. */
	uint8_t overrun[] = { 17, 0, 0x1e, 9, 0, 0, 0, 0 };
	inject_ext(&s, 60, overrun, sizeof(overrun), 64);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InBadExtHdrs"), 1);
	/* Hop-by-hop anywhere but first: code 1 at the byte naming it. */
	uint8_t late_hbh[] = {
		0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0
	};
	inject_ext(&s, 60, late_hbh, sizeof(late_hbh), 64);
	expect_param_problem(&s, 1, 40);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InBadExtHdrs"), 2);
	/* A routing header with segments left: code 0 at its type. */
	uint8_t rh[] = { 17, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
			 0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	inject_ext(&s, 43, rh, sizeof(rh), 64);
	expect_param_problem(&s, 0, 42);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InRoutingHdrs"), 1);
	/* Nine destination option headers: over the walk limit. */
	uint8_t chain[9 * 8];
	for (int i = 0; i < 9; i++) {
		uint8_t h[8] = { (uint8_t)(i < 8 ? 60 : 17), 0, 1, 4 };
		memcpy(chain + i * 8, h, 8);
	}
	inject_ext(&s, 60, chain, sizeof(chain), 64);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InExtHdrChainLong"), 1);
	/* A header longer than the packet (its length lies). */
	uint8_t longer[] = { 17, 200, 1, 4, 0, 0, 0, 0 };
	inject_ext(&s, 60, longer, sizeof(longer), 64);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InBadExtHdrs"), 3);
	/* An unknown upper layer: code 1, pointing at the next header
	 * field of the IPv6 header. */
	uint8_t f[200];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x86dd);
	n += nt_put_ip6(f + n, "fd00::2", "fd00::1", 253, 8, 64);
	memset(f + n, 0, 8);
	nt_inject(&s.e, f, n + 8);
	assert_int_equal(nt_stat(s.e.stack, "Ip6.InUnknownProtos"), 1);
	expect_param_problem(&s, 1, 6);
	/* Still fine. */
	uint8_t ok[] = { 17, 0, 1, 4, 0, 0, 0, 0 };
	inject_ext(&s, 60, ok, sizeof(ok), 64);
	assert_int_equal(recv_one(sock), 4);
	ns_socket_close(sock);
	nt_solo_free(&s);
}

static void test_v4_mapped_and_v6only(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	/* A dual-stack socket gets IPv4 with mapped addresses. */
	struct ns_socket *dual = nt_udp(p.a.stack, AF_INET6, "::", 53);
	struct ns_socket *v4 = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 0);
	struct sockaddr_in to = nt_sin("10.0.0.1", 53);
	ns_socket_sendto(v4, "four", 4, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(dual, buf, 8, 0,
					    (struct sockaddr *)&from, &flen),
			 4);
	{
		struct sockaddr_in6 want_ = nt_sin6("::ffff:10.0.0.2", 0);
		assert_memory_equal(&from.sin6_addr, &want_.sin6_addr, 16);
	}
	/* Replying to the mapped address sends IPv4. */
	assert_int_equal(ns_socket_sendto(dual, "back", 4, 0,
					  (struct sockaddr *)&from, flen),
			 4);
	nt_pump(&p);
	assert_int_equal(ns_socket_recvfrom(v4, buf, 8, 0, NULL, NULL), 4);
	assert_int_equal(nt_stat(p.a.stack, "Udp.OutDatagrams"), 1);
	/* An AF_INET address works on a dual socket too (Linux). */
	struct sockaddr_in to_b = nt_sin("10.0.0.2", 0);
	struct sockaddr_in name;
	socklen_t nlen = sizeof(name);
	ns_socket_getsockname(v4, (struct sockaddr *)&name, &nlen);
	to_b.sin_port = name.sin_port;
	assert_int_equal(ns_socket_sendto(dual, "v4", 2, 0,
					  (struct sockaddr *)&to_b,
					  sizeof(to_b)),
			 2);
	ns_socket_close(dual);

	/* V6ONLY: no IPv4, in or out. */
	struct ns_socket *only;
	assert_int_equal(
		ns_socket_create(p.a.stack, AF_INET6, SOCK_DGRAM, 0, &only), 0);
	int on = 1;
	assert_int_equal(ns_socket_setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY,
					      &on, sizeof(on)),
			 0);
	struct sockaddr_in6 any = nt_sin6("::", 53);
	assert_int_equal(
		ns_socket_bind(only, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ns_socket_setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY,
					      &on, sizeof(on)),
			 -EINVAL);
	assert_int_equal(ns_socket_sendto(only, "x", 1, 0,
					  (struct sockaddr *)&from, flen),
			 -ENETUNREACH);
	/* A v4 socket may share the port with it. */
	struct ns_socket *v4a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 53);
	ns_socket_sendto(v4, "four", 4, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	assert_int_equal(ns_socket_recvfrom(v4a, buf, 8, 0, NULL, NULL), 4);
	assert_int_equal(ns_socket_recvfrom(only, buf, 8, 0, NULL, NULL),
			 -EAGAIN);
	struct sockaddr_in6 mapped = nt_sin6("::ffff:10.0.0.1", 53);
	struct ns_socket *m;
	ns_socket_create(p.a.stack, AF_INET6, SOCK_DGRAM, 0, &m);
	ns_socket_setsockopt(m, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	assert_int_equal(
		ns_socket_bind(m, (struct sockaddr *)&mapped, sizeof(mapped)),
		-EINVAL);
	ns_socket_close(m);
	ns_socket_close(only);
	ns_socket_close(v4a);
	ns_socket_close(v4);
	nt_pair_free(&p);
}

static void test_martian_and_misaddressed(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *sock = nt_udp(s.e.stack, AF_INET6, "::", 53);
	uint8_t f[200];
	const char *bad_src[] = { "ff02::1", "::1", "::ffff:10.0.0.2" };
	for (int i = 0; i < 3; i++) {
		size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x86dd);
		n += nt_put_ip6(f + n, bad_src[i], "fd00::1", 17, 12, 64);
		n += nt_put_udp(f + n, true, bad_src[i], "fd00::1", 1, 53,
				"data", 4);
		nt_inject(&s.e, f, n);
	}
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.InMartians"), 3);
	/* Not ours, and a group we are not in. */
	const char *bad_dst[] = { "fd00::99", "ff02::1234" };
	for (int i = 0; i < 2; i++) {
		size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x86dd);
		n += nt_put_ip6(f + n, "fd00::2", bad_dst[i], 17, 12, 64);
		n += nt_put_udp(f + n, true, "fd00::2", bad_dst[i], 1, 53,
				"data", 4);
		nt_inject(&s.e, f, n);
	}
	assert_int_equal(nt_stat(s.e.stack, "Ip6.InAddrErrors"), 2);
	/* A zero UDP checksum is not allowed over IPv6. */
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x86dd);
	n += nt_put_ip6(f + n, "fd00::2", "fd00::1", 17, 12, 64);
	size_t u =
		nt_put_udp(f + n, true, "fd00::2", "fd00::1", 1, 53, "data", 4);
	f[n + 6] = f[n + 7] = 0;
	nt_inject(&s.e, f, n + u);
	assert_int_equal(nt_stat(s.e.stack, "Udp6.InCsumErrors"), 1);
	assert_int_equal(recv_one(sock), -EAGAIN);
	ns_socket_close(sock);
	nt_solo_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp6_exchange),
		cmocka_unit_test(test_link_local_needs_scope),
		cmocka_unit_test(test_good_extension_chain),
		cmocka_unit_test(test_bad_extension_chains),
		cmocka_unit_test(test_v4_mapped_and_v6only),
		cmocka_unit_test(test_martian_and_misaddressed),
	};
	return cmocka_run_group_tests_name("netstack/ipv6", tests, NULL, NULL);
}
