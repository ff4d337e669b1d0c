/* Hostile input at every layer: each malformed frame is dropped, counted
 * by its named counter, and the stack keeps working (a good datagram
 * still arrives after each). Then random frames and random mutations of
 * good ones, which must never crash or leak (ASan) and leave the stack
 * working. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

struct env {
	struct nt_solo s;
	struct ns_socket *u4, *u6;
};

static void env_init(struct env *e)
{
	nt_solo_init(&e->s, 0, 0);
	e->u4 = nt_udp(e->s.e.stack, AF_INET, "0.0.0.0", 53);
	e->u6 = nt_udp(e->s.e.stack, AF_INET6, "fd00::1", 53);
	int big = 1 << 22;
	ns_socket_setsockopt(e->u4, SOL_SOCKET, SO_RCVBUFFORCE, &big,
			     sizeof(big));
	/* B's MAC is known: errors go out without resolution. */
	struct ns_neigh_info ni = { .ifindex = e->s.e.ifindex,
				    .family = AF_INET };
	nt_ip4("10.0.0.2", ni.addr);
	memcpy(ni.mac, nt_mac_b, 6);
	ns_stack_add_neigh(e->s.e.stack, &ni);
	ni.family = AF_INET6;
	nt_ip6("fd00::2", ni.addr);
	ns_stack_add_neigh(e->s.e.stack, &ni);
}

static void env_free(struct env *e)
{
	ns_socket_close(e->u4);
	ns_socket_close(e->u6);
	nt_solo_free(&e->s);
}

static void drain_sockets(struct env *e)
{
	char buf[2048];
	while (ns_socket_recvfrom(e->u4, buf, sizeof(buf), 0, NULL, NULL) >= 0)
		;
	while (ns_socket_recvfrom(e->u6, buf, sizeof(buf), 0, NULL, NULL) >= 0)
		;
}

static void still_works(struct env *e)
{
	drain_sockets(e);
	uint8_t f[256];
	size_t n = nt_udp4_frame(f, "10.0.0.2", "10.0.0.1", 1, 53, "ok", 2);
	nt_inject(&e->s.e, f, n);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(e->u4, buf, 8, 0, NULL, NULL), 2);
	n = nt_udp6_frame(f, "fd00::2", "fd00::1", 1, 53, "ok", 2);
	nt_inject(&e->s.e, f, n);
	assert_int_equal(ns_socket_recvfrom(e->u6, buf, 8, 0, NULL, NULL), 2);
	nt_drain(&e->s.e);
}

/* Injects a frame and checks that counter went up by one and nothing
 * reached a socket. */
static void expect_drop(struct env *e, const uint8_t *f, size_t n,
			const char *counter)
{
	uint64_t before = nt_stat(e->s.e.stack, counter);
	nt_inject(&e->s.e, f, n);
	if (nt_stat(e->s.e.stack, counter) != before + 1)
		fail_msg("%s did not count the drop", counter);
	char buf[2048];
	assert_int_equal(
		ns_socket_recvfrom(e->u4, buf, sizeof(buf), 0, NULL, NULL),
		-EAGAIN);
	assert_int_equal(
		ns_socket_recvfrom(e->u6, buf, sizeof(buf), 0, NULL, NULL),
		-EAGAIN);
	still_works(e);
}

static void fix_ip4_csum(uint8_t *ip)
{
	ns_put_be16(ip + 10, 0);
	ns_put_be16(ip + 10,
		    ns_csum_fold(ns_csum_partial(ip, (ip[0] & 15) * 4u, 0)));
}

static void test_link_layer(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	uint8_t f[256];
	size_t n = nt_udp4_frame(f, "10.0.0.2", "10.0.0.1", 1, 53, "x", 1);
	expect_drop(&e, f, 10, "Link.InTruncated");
	uint8_t g[256];
	memcpy(g, f, n);
	g[5] = 0x99; /* another host's MAC */
	expect_drop(&e, g, n, "Link.InOtherHost");
	memcpy(g, f, n);
	g[6] |= 1; /* group source */
	expect_drop(&e, g, n, "Link.InBadSrc");
	memcpy(g, f, n);
	memcpy(g + 6, nt_mac_a, 6); /* our own frame reflected */
	expect_drop(&e, g, n, "Link.InBadSrc");
	memcpy(g, f, n);
	ns_put_be16(g + 12, 0x8100); /* VLAN: not spoken */
	expect_drop(&e, g, n, "Link.InUnknownProto");
	env_free(&e);
}

static void test_ipv4_header(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	uint8_t f[256], g[256];
	size_t n = nt_udp4_frame(f, "10.0.0.2", "10.0.0.1", 1, 53, "abcd", 4);
	uint8_t *ip = g + 14;
	expect_drop(&e, f, 14 + 19, "Ip.InHdrErrors");
	memcpy(g, f, n);
	ip[0] = 0x55; /* version 5 */
	fix_ip4_csum(ip);
	expect_drop(&e, g, n, "Ip.InHdrErrors");
	memcpy(g, f, n);
	ip[0] = 0x44; /* IHL 4 */
	expect_drop(&e, g, n, "Ip.InHdrErrors");
	memcpy(g, f, n);
	ip[0] = 0x4f; /* IHL 60, beyond the packet */
	expect_drop(&e, g, n, "Ip.InHdrErrors");
	memcpy(g, f, n);
	ip[10] ^= 0xff;
	expect_drop(&e, g, n, "IpExt.InCsumErrors");
	/* Total length larger than what came: a lie. */
	memcpy(g, f, n);
	ns_put_be16(ip + 2, 200);
	fix_ip4_csum(ip);
	expect_drop(&e, g, n, "IpExt.InTruncatedPkts");
	memcpy(g, f, n);
	ns_put_be16(ip + 2, 12);
	fix_ip4_csum(ip);
	expect_drop(&e, g, n, "Ip.InHdrErrors");
	/* Sources that cannot be. */
	const char *martians[] = { "224.1.1.1", "255.255.255.255", "127.0.0.1",
				   "0.0.0.0" };
	for (int i = 0; i < 4; i++) {
		memcpy(g, f, n);
		nt_ip4(martians[i], ip + 12);
		fix_ip4_csum(ip);
		expect_drop(&e, g, n, "IpExt.InMartians");
	}
	/* Not for us. */
	memcpy(g, f, n);
	nt_ip4("10.0.0.77", ip + 16);
	fix_ip4_csum(ip);
	expect_drop(&e, g, n, "Ip.InAddrErrors");
	memcpy(g, f, n);
	nt_ip4("127.0.0.1", ip + 16);
	fix_ip4_csum(ip);
	expect_drop(&e, g, n, "Ip.InAddrErrors");
	/* Options: well-formed ones are walked over, a bad length stops
	 * the packet. */
	uint8_t h[256];
	size_t hn = nt_put_eth(h, nt_mac_a, nt_mac_b, 0x0800);
	uint8_t *hip = h + hn;
	hn += nt_put_ip4(hip, "10.0.0.2", "10.0.0.1", 17, 12 + 8, 1, 0, 64);
	hip[0] = 0x47;
	ns_put_be16(hip + 2, 28 + 12);
	uint8_t opts[8] = { 1, 7, 7, 4, 0, 0, 0, 0 }; /* NOP, RR */
	memcpy(hip + 20, opts, 8);
	fix_ip4_csum(hip);
	hn += 8;
	hn += nt_put_udp(h + hn, false, "10.0.0.2", "10.0.0.1", 1, 53, "abcd",
			 4);
	nt_inject(&e.s.e, h, hn);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(e.u4, buf, 8, 0, NULL, NULL), 4);
	hip[22] = 1; /* option length 1 */
	fix_ip4_csum(hip);
	expect_drop(&e, h, hn, "IpExt.InBadOptions");
	hip[22] = 9; /* runs past the options */
	fix_ip4_csum(hip);
	expect_drop(&e, h, hn, "IpExt.InBadOptions");
	assert_int_equal(nt_stat(e.s.e.stack, "Icmp.OutParmProbs"), 2);
	env_free(&e);
}

static void test_udp_and_icmp(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	uint8_t f[256], g[256];
	size_t n = nt_udp4_frame(f, "10.0.0.2", "10.0.0.1", 1, 53, "abcd", 4);
	uint8_t *udp = g + 14 + 20;
	/* UDP length longer than the IP payload, shorter than a header. */
	memcpy(g, f, n);
	ns_put_be16(udp + 4, 100);
	expect_drop(&e, g, n, "Udp.InErrors");
	memcpy(g, f, n);
	ns_put_be16(udp + 4, 7);
	expect_drop(&e, g, n, "Udp.InErrors");
	memcpy(g, f, n);
	udp[9] ^= 1;
	expect_drop(&e, g, n, "Udp.InCsumErrors");
	/* An IP payload too short for a UDP header. */
	memcpy(g, f, n);
	ns_put_be16(g + 14 + 2, 20 + 6);
	fix_ip4_csum(g + 14);
	expect_drop(&e, g, 14 + 26, "Udp.InErrors");
	/* UDP checksum 0 means "none" over IPv4: accepted. */
	memcpy(g, f, n);
	udp[6] = udp[7] = 0;
	nt_inject(&e.s.e, g, n);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(e.u4, buf, 8, 0, NULL, NULL), 4);
	/* ICMP: truncated, bad checksum, an error quoting garbage. */
	size_t m = nt_put_eth(g, nt_mac_a, nt_mac_b, 0x0800);
	m += nt_put_ip4(g + m, "10.0.0.2", "10.0.0.1", 1, 4, 1, 0, 64);
	memset(g + m, 0, 4);
	expect_drop(&e, g, m + 4, "Icmp.InErrors");
	m = nt_put_eth(g, nt_mac_a, nt_mac_b, 0x0800);
	m += nt_put_ip4(g + m, "10.0.0.2", "10.0.0.1", 1, 16, 1, 0, 64);
	size_t im = nt_put_icmp(g + m, false, "10.0.0.2", "10.0.0.1", 8, 0,
				0x1234, "abcdefgh", 8);
	g[m + 2] ^= 0x55;
	expect_drop(&e, g, m + im, "Icmp.InCsumErrors");
	m = nt_put_eth(g, nt_mac_a, nt_mac_b, 0x0800);
	m += nt_put_ip4(g + m, "10.0.0.2", "10.0.0.1", 1, 16, 1, 0, 64);
	im = nt_put_icmp(g + m, false, "10.0.0.2", "10.0.0.1", 3, 3, 0,
			 "\x45\0\0\0\0\0\0\0", 8);
	expect_drop(&e, g, m + im, "Icmp.InErrors");
	/* ICMPv6 echo requests and replies shorter than their 8-byte
	 * header. */
	for (uint8_t type = 128; type <= 129; type++) {
		m = nt_put_eth(g, nt_mac_a, nt_mac_b, 0x86dd);
		m += nt_put_ip6(g + m, "fd00::2", "fd00::1", 58, 4, 64);
		uint8_t src[16], dst[16], *icmp = g + m;
		nt_ip6("fd00::2", src);
		nt_ip6("fd00::1", dst);
		icmp[0] = type;
		icmp[1] = icmp[2] = icmp[3] = 0;
		uint32_t sum = ns_csum_pseudo6(src, dst, 58, 4);
		ns_put_be16(icmp + 2,
			    ns_csum_fold(ns_csum_partial(icmp, 4, sum)));
		expect_drop(&e, g, m + 4, "Icmp6.InErrors");
	}
	env_free(&e);
}

static void test_ipv6_header(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	uint8_t f[256], g[256];
	size_t n = nt_udp6_frame(f, "fd00::2", "fd00::1", 1, 53, "abcd", 4);
	uint8_t *ip = g + 14;
	expect_drop(&e, f, 14 + 39, "Ip6.InHdrErrors");
	memcpy(g, f, n);
	ip[0] = 0x40;
	expect_drop(&e, g, n, "Ip6.InHdrErrors");
	memcpy(g, f, n);
	ns_put_be16(ip + 4, 500); /* payload length lies */
	expect_drop(&e, g, n, "Ip6.InTruncatedPkts");
	memcpy(g, f, n);
	ns_put_be16(ip + 4, 6); /* shorter than the UDP header says */
	expect_drop(&e, g, n, "Udp6.InErrors");
	memcpy(g, f, n);
	g[n - 1] ^= 0x20;
	expect_drop(&e, g, n, "Udp6.InCsumErrors");
	/* An ICMPv6 message with a bad checksum. */
	size_t m = nt_put_eth(g, nt_mac_a, nt_mac_b, 0x86dd);
	m += nt_put_ip6(g + m, "fd00::2", "fd00::1", 58, 16, 64);
	size_t im = nt_put_icmp(g + m, true, "fd00::2", "fd00::1", 128, 0, 1,
				"abcdefgh", 8);
	g[m + 9] ^= 1;
	expect_drop(&e, g, m + im, "Icmp6.InCsumErrors");
	env_free(&e);
}

/* Deterministic pseudo-random bytes. */
static uint32_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static void test_random_frames_and_mutations(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	uint64_t st = 42;
	uint8_t good[8][2000];
	size_t glen[8];
	glen[0] = nt_udp4_frame(good[0], "10.0.0.2", "10.0.0.1", 1, 53, "x", 1);
	glen[1] = nt_udp6_frame(good[1], "fd00::2", "fd00::1", 1, 53, "x", 1);
	glen[2] = nt_put_eth(good[2], nt_mac_a, nt_mac_b, 0x0800);
	glen[2] += nt_put_ip4(good[2] + glen[2], "10.0.0.2", "10.0.0.1", 17,
			      1480, 9, 0x2000, 64);
	glen[2] += 1480;
	glen[3] = nt_put_eth(good[3], nt_mac_a, nt_mac_b, 0x86dd);
	glen[3] += nt_put_ip6(good[3] + glen[3], "fd00::2", "fd00::1", 44,
			      8 + 800, 64);
	good[3][glen[3]] = 17;
	ns_put_be16(good[3] + glen[3] + 2, 1);
	glen[3] += 8 + 800;
	glen[4] = nt_put_eth(good[4], nt_mac_a, nt_mac_b, 0x0800);
	glen[4] += nt_put_ip4(good[4] + glen[4], "10.0.0.2", "10.0.0.1", 1, 36,
			      1, 0, 64);
	uint8_t quote[28];
	nt_put_ip4(quote, "10.0.0.1", "10.0.0.2", 17, 8, 1, 0, 64);
	nt_put_udp(quote + 20, false, "10.0.0.1", "10.0.0.2", 53, 1, NULL, 0);
	glen[4] += nt_put_icmp(good[4] + glen[4], false, "10.0.0.2", "10.0.0.1",
			       3, 3, 0, quote, 28);
	glen[5] = nt_put_eth(good[5], nt_mac_a, nt_mac_b, 0x0806);
	memset(good[5] + glen[5], 0, 28);
	glen[5] += 28;
	glen[6] = nt_put_eth(good[6], nt_mac_a, nt_mac_b, 0x86dd);
	glen[6] += nt_put_ip6(good[6] + glen[6], "fe80::2", "ff02::1", 58, 24,
			      255);
	glen[6] += nt_put_icmp(good[6] + glen[6], true, "fe80::2", "ff02::1",
			       136, 0, 0, "0123456789abcdef", 16);
	glen[7] = nt_put_eth(good[7], nt_mac_a, nt_mac_b, 0x86dd);
	glen[7] += nt_put_ip6(good[7] + glen[7], "fd00::2", "fd00::1", 0,
			      16 + 12, 64);
	uint8_t hbh[16] = { 60, 0, 1, 2, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0 };
	memcpy(good[7] + glen[7], hbh, 16);
	glen[7] += 16;
	glen[7] += nt_put_udp(good[7] + glen[7], true, "fd00::2", "fd00::1", 1,
			      53, "abcd", 4);
	static uint8_t f[2100];
	for (int i = 0; i < 20000; i++) {
		size_t n;
		if (i % 4 == 0) {
			n = rnd(&st) % 200;
			for (size_t j = 0; j < n; j++)
				f[j] = (uint8_t)rnd(&st);
			if (n >= 14)
				memcpy(f, nt_mac_a, 6);
		} else {
			int k = (int)(rnd(&st) % 8);
			n = glen[k];
			memcpy(f, good[k], n);
			int flips = 1 + (int)(rnd(&st) % 4);
			for (int j = 0; j < flips; j++)
				f[14 + rnd(&st) % (n - 14)] ^=
					(uint8_t)(1u << (rnd(&st) % 8));
			if (rnd(&st) % 4 == 0)
				n = 14 + rnd(&st) % (n - 14);
		}
		nt_inject(&e.s.e, f, n);
		if (i % 1000 == 0) {
			nt_drain(&e.s.e);
			nt_solo_advance(&e.s, 20 * NT_SEC);
		}
	}
	nt_drain(&e.s.e);
	nt_solo_advance(&e.s, 120 * NT_SEC);
	still_works(&e);
	env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_layer),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_udp_and_icmp),
		cmocka_unit_test(test_ipv6_header),
		cmocka_unit_test(test_random_frames_and_mutations),
	};
	return cmocka_run_group_tests_name("netstack/hostile", tests, NULL,
					   NULL);
}
