/* UDP between two stacks: exchange over IPv4 and IPv6, connected
 * sockets, ports, options, buffers, and ICMP errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

static void test_udp4_exchange(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 5000);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "10.0.0.2", 6000);
	struct sockaddr_in to = nt_sin("10.0.0.2", 6000);
	assert_int_equal(ns_socket_sendto(a, "hello", 5, 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 5);
	nt_pump(&p);
	char buf[64];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	assert_int_equal(ns_socket_recvfrom(b, buf, sizeof(buf), 0,
					    (struct sockaddr *)&from, &flen),
			 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(flen, sizeof(from));
	assert_int_equal(ntohs(from.sin_port), 5000);
	assert_int_equal(from.sin_addr.s_addr,
			 nt_sin("10.0.0.1", 0).sin_addr.s_addr);
	/* And back to the sender's address. */
	assert_int_equal(ns_socket_sendto(b, "world!", 6, 0,
					  (struct sockaddr *)&from, flen),
			 6);
	nt_pump(&p);
	assert_int_equal(ns_socket_recvfrom(a, buf, sizeof(buf), 0, NULL, NULL),
			 6);
	assert_memory_equal(buf, "world!", 6);
	assert_int_equal(ns_socket_recvfrom(a, buf, sizeof(buf), 0, NULL, NULL),
			 -EAGAIN);
	assert_int_equal(nt_stat(p.b.stack, "Udp.InDatagrams"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Udp.OutDatagrams"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Arp.OutRequests"), 1);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

/* Checksum offload: on a TX_CSUM link the stack leaves the checksum to
 * the "hardware" (the harness completes it from csum_start/csum_offset
 * and checks them); on a trusted link nobody computes or checks it. */
static void offload(uint32_t flags)
{
	struct nt_pair p;
	nt_pair_init(&p, flags, 0);
	struct ns_socket *a4 = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *a6 = nt_udp(p.a.stack, AF_INET6, "fd00::1", 0);
	struct ns_socket *b4 = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 9);
	struct ns_socket *b6 = nt_udp(p.b.stack, AF_INET6, "fd00::2", 9);
	struct sockaddr_in to4 = nt_sin("10.0.0.2", 9);
	struct sockaddr_in6 to6 = nt_sin6("fd00::2", 9);
	static char big[3000];
	memset(big, 0x5a, sizeof(big));
	assert_int_equal(ns_socket_sendto(a4, big, 100, 0,
					  (struct sockaddr *)&to4, sizeof(to4)),
			 100);
	assert_int_equal(ns_socket_sendto(a6, big, 100, 0,
					  (struct sockaddr *)&to6, sizeof(to6)),
			 100);
	/* Fragmented datagrams get their checksum in software. */
	assert_int_equal(ns_socket_sendto(a4, big, 3000, 0,
					  (struct sockaddr *)&to4, sizeof(to4)),
			 3000);
	nt_pump(&p);
	char buf[3100];
	assert_int_equal(
		ns_socket_recvfrom(b4, buf, sizeof(buf), 0, NULL, NULL), 100);
	assert_int_equal(
		ns_socket_recvfrom(b4, buf, sizeof(buf), 0, NULL, NULL), 3000);
	assert_memory_equal(buf, big, 3000);
	assert_int_equal(
		ns_socket_recvfrom(b6, buf, sizeof(buf), 0, NULL, NULL), 100);
	assert_int_equal(nt_stat(p.b.stack, "Udp.InCsumErrors"), 0);
	assert_int_equal(nt_stat(p.b.stack, "Udp6.InCsumErrors"), 0);
	ns_socket_close(a4);
	ns_socket_close(a6);
	ns_socket_close(b4);
	ns_socket_close(b6);
	nt_pair_free(&p);
}

static void test_tx_checksum_offload(void **state)
{
	(void)state;
	offload(NT_TX_CSUM);
}

static void test_trusted_link(void **state)
{
	(void)state;
	offload(NT_TRUSTED);
}

static void test_software_checksum_is_right(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	p.a.capture = true;
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "fd00::1", 5);
	struct sockaddr_in6 to = nt_sin6("fd00::2", 9);
	ns_socket_sendto(a, "odd", 3, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	struct ns_pkt *f;
	bool seen = false;
	while ((f = ns_pkt_queue_pop(&p.a.captured)) != NULL) {
		uint8_t b[128];
		size_t n = nt_flat(f, b, sizeof(b));
		ns_pkt_free(f);
		if (b[14 + 6] != 17)
			continue;
		/* The whole UDP datagram with the pseudo-header sums to 0. */
		uint32_t sum = ns_csum_pseudo6(b + 14 + 8, b + 14 + 24, 17,
					       (uint32_t)(n - 54));
		assert_int_equal(
			ns_csum_fold(ns_csum_partial(b + 54, n - 54, sum)), 0);
		seen = true;
	}
	assert_true(seen);
	ns_socket_close(a);
	nt_pair_free(&p);
}

static int ip_xmit(void *ctx, struct ns_pkt *pkt)
{
	ns_pkt_queue_push(ctx, pkt);
	return 0;
}

static uint64_t zero_clock(void *ctx)
{
	(void)ctx;
	return 1;
}

/* A link without a link layer (a tun device): bare IP packets, no ARP
 * or NDP. */
static void test_ip_link(void **state)
{
	(void)state;
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	static const struct ns_link_ops ops = { .xmit = ip_xmit };
	struct ns_stack_config cfg = { .clock = zero_clock };
	struct ns_stack *s;
	assert_int_equal(ns_stack_create(&cfg, &s), 0);
	struct ns_nic_config nc = {
		.ops = &ops,
		.ctx = &out,
		.info = { .type = NS_LINK_IP, .mtu = 1400, .name = "tun0" }
	};
	int ifindex;
	assert_int_equal(ns_stack_add_nic(s, &nc, &ifindex), 0);
	struct ns_ifaddr a = { .ifindex = ifindex,
			       .family = AF_INET,
			       .prefix_len = 24 };
	nt_ip4("10.1.0.1", a.addr);
	assert_int_equal(ns_stack_add_addr(s, &a), 0);
	struct ns_ifaddr a6 = { .ifindex = ifindex,
				.family = AF_INET6,
				.prefix_len = 64 };
	nt_ip6("fd01::1", a6.addr);
	assert_int_equal(ns_stack_add_addr(s, &a6), 0);
	/* No DAD without a link layer, no announcements. */
	assert_int_equal(out.count, 0);
	struct ns_socket *u = nt_udp(s, AF_INET, "0.0.0.0", 53);
	uint8_t f[128];
	size_t n = nt_put_ip4(f, "10.1.0.2", "10.1.0.1", 17, 8 + 4, 1, 0, 64);
	n += nt_put_udp(f + n, false, "10.1.0.2", "10.1.0.1", 7, 53, "tun!", 4);
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, (uint32_t)n);
	memcpy(ns_pkt_put(pkt, (uint32_t)n), f, n);
	assert_int_equal(ns_stack_input(s, ifindex, pkt), 0);
	char buf[8];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	assert_int_equal(ns_socket_recvfrom(u, buf, 8, 0,
					    (struct sockaddr *)&from, &flen),
			 4);
	assert_int_equal(ns_socket_sendto(u, "back", 4, 0,
					  (struct sockaddr *)&from, flen),
			 4);
	assert_int_equal(out.count, 1);
	pkt = ns_pkt_queue_pop(&out);
	assert_int_equal(pkt->data[0], 0x45); /* no link header */
	assert_int_equal(pkt->len, 20 + 8 + 4);
	ns_pkt_free(pkt);
	ns_socket_close(u);
	ns_stack_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp4_exchange),
		cmocka_unit_test(test_tx_checksum_offload),
		cmocka_unit_test(test_trusted_link),
		cmocka_unit_test(test_software_checksum_is_right),
		cmocka_unit_test(test_ip_link),
	};
	return cmocka_run_group_tests_name("netstack/udp", tests, NULL, NULL);
}
