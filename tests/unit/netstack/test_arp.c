/* ARP (RFC 826) and the neighbour cache: resolution, queueing, reachable
 * to stale to probe, expiry, failure reported to the sender, gratuitous
 * ARP, permanent entries, and bad ARP packets. */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <sys/epoll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/wire.h"

struct neigh_q {
	uint8_t addr[16];
	int family;
	struct ns_neigh_info found;
	int hits;
};

static int find_neigh(void *arg, const struct ns_neigh_info *n)
{
	struct neigh_q *q = arg;
	if (n->family == q->family &&
	    memcmp(n->addr, q->addr, q->family == AF_INET ? 4 : 16) == 0) {
		q->found = *n;
		q->hits++;
	}
	return 0;
}

/* The state of the entry for ip in stack, or 0 when there is none. */
static int neigh_state(struct ns_stack *s, const char *ip,
		       struct ns_neigh_info *out)
{
	struct neigh_q q = { .family = strchr(ip, ':') ? AF_INET6 : AF_INET };
	if (q.family == AF_INET)
		nt_ip4(ip, q.addr);
	else
		nt_ip6(ip, q.addr);
	ns_stack_foreach_neigh(s, find_neigh, &q);
	if (out)
		*out = q.found;
	return q.hits ? q.found.state : 0;
}

static void send_udp(struct ns_socket *s, const char *ip, uint16_t port)
{
	struct sockaddr_in to = nt_sin(ip, port);
	assert_int_equal(ns_socket_sendto(s, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
}

static void test_resolution_and_learning(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 7);
	p.a.capture = true;
	send_udp(a, "10.0.0.2", 7);
	/* Nothing but the broadcast request left A: the datagram waits. */
	assert_int_equal(p.a.outq.count, 1);
	uint8_t f[64];
	struct ns_pkt *req = ns_pkt_queue_pop(&p.a.captured);
	nt_flat(req, f, sizeof(f));
	ns_pkt_free(req);
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(ns_get_be16(f + 12), 0x0806);
	assert_int_equal(ns_get_be16(f + 14 + 6), 1); /* request */
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.2", NULL),
			 NS_NUD_INCOMPLETE);
	nt_pump(&p);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(b, buf, sizeof(buf), 0, NULL, NULL),
			 1);
	struct ns_neigh_info n;
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.2", &n),
			 NS_NUD_REACHABLE);
	assert_memory_equal(n.mac, nt_mac_b, 6);
	/* B learned A from the request (RFC 826), as STALE (RFC 4861). */
	assert_int_equal(neigh_state(p.b.stack, "10.0.0.1", &n), NS_NUD_STALE);
	assert_memory_equal(n.mac, nt_mac_a, 6);
	assert_int_equal(nt_stat(p.b.stack, "Arp.InRequests"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Arp.OutReplies"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Arp.InReplies"), 1);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static void test_reachable_stale_delay_probe(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 7);
	send_udp(a, "10.0.0.2", 7);
	nt_pump(&p);
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.2", NULL),
			 NS_NUD_REACHABLE);
	/* ReachableTime is at most 1.5 x 30 s. */
	nt_advance(&p, 46 * NT_SEC);
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.2", NULL),
			 NS_NUD_STALE);
	/* Sending through a stale entry goes out at once and starts the
	 * 5 s delay; then a unicast probe confirms the neighbour. */
	send_udp(a, "10.0.0.2", 7);
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.2", NULL),
			 NS_NUD_DELAY);
	nt_pump(&p);
	uint64_t probes = nt_stat(p.a.stack, "Neigh.Probes");
	nt_advance(&p, 6 * NT_SEC);
	assert_int_equal(nt_stat(p.a.stack, "Neigh.Probes"), probes + 1);
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.2", NULL),
			 NS_NUD_REACHABLE);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static void test_expiry_and_new_resolution(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 7);
	send_udp(a, "10.0.0.2", 7);
	nt_pump(&p);
	assert_int_equal(nt_stat(p.a.stack, "Arp.OutRequests"), 1);
	/* Unused, the entry goes stale and then away (gc_stale_time). */
	nt_advance(&p, 200 * NT_SEC);
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.2", NULL), 0);
	assert_int_equal(nt_stat(p.a.stack, "Neigh.Destroys"), 1);
	send_udp(a, "10.0.0.2", 7);
	nt_pump(&p);
	assert_int_equal(nt_stat(p.a.stack, "Arp.OutRequests"), 2);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(b, buf, 8, 0, NULL, NULL), 1);
	assert_int_equal(ns_socket_recvfrom(b, buf, 8, 0, NULL, NULL), 1);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static void test_failure_reaches_sender(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	int on = 1;
	assert_int_equal(ns_socket_setsockopt(a, IPPROTO_IP, IP_RECVERR, &on,
					      sizeof(on)),
			 0);
	send_udp(a, "10.0.0.99", 7);
	send_udp(a, "10.0.0.99", 7);
	nt_advance(&p, 10 * NT_SEC);
	/* Three broadcast requests, then the entry failed. */
	assert_int_equal(nt_stat(p.a.stack, "Arp.OutRequests"), 3);
	assert_int_equal(nt_stat(p.a.stack, "Neigh.ResFailed"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Neigh.UnresolvedDiscards"), 2);
	assert_int_equal(neigh_state(p.a.stack, "10.0.0.99", NULL), 0);
	/* The sender hears "host unreachable" as from Linux's
	 * ipv4_link_failure. */
	uint32_t ev = ns_socket_poll(a);
	assert_true(ev & EPOLLERR);
	char data[8], ctl[128];
	struct sockaddr_in from;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_name = &from,
			      .msg_namelen = sizeof(from),
			      .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	assert_int_equal(ns_socket_recvmsg(a, &msg, MSG_ERRQUEUE, NULL), 1);
	assert_true(msg.msg_flags & MSG_ERRQUEUE);
	assert_int_equal(from.sin_addr.s_addr,
			 nt_sin("10.0.0.99", 0).sin_addr.s_addr);
	assert_int_equal(ntohs(from.sin_port), 7);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	assert_non_null(c);
	assert_int_equal(c->cmsg_level, IPPROTO_IP);
	assert_int_equal(c->cmsg_type, IP_RECVERR);
	struct sock_extended_err ee;
	memcpy(&ee, CMSG_DATA(c), sizeof(ee));
	assert_int_equal(ee.ee_errno, EHOSTUNREACH);
	assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	assert_int_equal(ee.ee_type, 3);
	assert_int_equal(ee.ee_code, 1);
	ns_socket_close(a);
	nt_pair_free(&p);
}

static void test_queue_is_bounded(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 7);
	int big = 1 << 20;
	ns_socket_setsockopt(b, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	for (int i = 0; i < 300; i++)
		send_udp(a, "10.0.0.2", 7);
	/* 256 packets wait; the oldest 44 were dropped for newer ones. */
	assert_int_equal(nt_stat(p.a.stack, "Neigh.UnresolvedDiscards"), 44);
	nt_pump(&p);
	assert_int_equal(nt_stat(p.b.stack, "Udp.InDatagrams"), 256);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t eth_dst[6],
			const uint8_t sha[6], const char *spa, const char *tpa)
{
	size_t n = nt_put_eth(f, eth_dst, sha, 0x0806);
	uint8_t *a = f + n;
	ns_put_be16(a, 1);
	ns_put_be16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	ns_put_be16(a + 6, op);
	memcpy(a + 8, sha, 6);
	nt_ip4(spa, a + 14);
	memset(a + 18, 0, 6);
	nt_ip4(tpa, a + 24);
	return n + 28;
}

static void test_gratuitous_updates_existing_only(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x78 };
	uint8_t f[64];
	/* Unknown host announcing itself: not cached (arp_accept=0). */
	size_t n = arp_frame(f, 1, nt_mac_a /* unused */, mac1, "10.0.0.7",
			     "10.0.0.7");
	memcpy(f, "\xff\xff\xff\xff\xff\xff", 6);
	nt_inject(&s.e, f, n);
	assert_int_equal(nt_stat(s.e.stack, "Arp.InGratuitous"), 1);
	assert_int_equal(neigh_state(s.e.stack, "10.0.0.7", NULL), 0);
	/* Once it asked us something, it is known; a later announcement
	 * with a new MAC replaces the old one. */
	n = arp_frame(f, 1, nt_mac_a, mac1, "10.0.0.7", "10.0.0.1");
	nt_inject(&s.e, f, n);
	struct ns_neigh_info ni;
	assert_int_equal(neigh_state(s.e.stack, "10.0.0.7", &ni), NS_NUD_STALE);
	assert_memory_equal(ni.mac, mac1, 6);
	struct ns_pkt *reply = nt_take(&s.e);
	assert_non_null(reply);
	ns_pkt_free(reply);
	n = arp_frame(f, 1, nt_mac_a, mac2, "10.0.0.7", "10.0.0.7");
	nt_inject(&s.e, f, n);
	assert_int_equal(neigh_state(s.e.stack, "10.0.0.7", &ni), NS_NUD_STALE);
	assert_memory_equal(ni.mac, mac2, 6);
	nt_solo_free(&s);
}

static void test_permanent_entry_needs_no_arp(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_neigh_info ni = { .ifindex = s.e.ifindex, .family = AF_INET };
	nt_ip4("10.0.0.9", ni.addr);
	memcpy(ni.mac, nt_mac_b, 6);
	assert_int_equal(ns_stack_add_neigh(s.e.stack, &ni), 0);
	ni.ifindex = 99;
	assert_int_equal(ns_stack_add_neigh(s.e.stack, &ni), -ENODEV);
	struct ns_socket *a = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 0);
	send_udp(a, "10.0.0.9", 7);
	struct ns_pkt *pkt = nt_take(&s.e);
	assert_non_null(pkt);
	uint8_t f[64];
	nt_flat(pkt, f, sizeof(f));
	ns_pkt_free(pkt);
	assert_memory_equal(f, nt_mac_b, 6);
	assert_int_equal(ns_get_be16(f + 12), 0x0800);
	assert_int_equal(nt_stat(s.e.stack, "Arp.OutRequests"), 0);
	nt_solo_advance(&s, 3600 * NT_SEC);
	assert_int_equal(neigh_state(s.e.stack, "10.0.0.9", NULL),
			 NS_NUD_PERMANENT);
	ns_socket_close(a);
	nt_solo_free(&s);
}

static void test_bad_arp_packets(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	uint8_t f[64];
	size_t n = arp_frame(f, 1, nt_mac_a, mac, "10.0.0.7", "10.0.0.1");
	/* Truncated. */
	nt_inject(&s.e, f, 14 + 20);
	assert_int_equal(nt_stat(s.e.stack, "Arp.InTruncated"), 1);
	/* Wrong sizes, wrong hardware type, unknown operation. */
	f[14 + 4] = 8;
	nt_inject(&s.e, f, n);
	f[14 + 4] = 6;
	f[14 + 1] = 6;
	nt_inject(&s.e, f, n);
	f[14 + 1] = 1;
	f[14 + 7] = 9;
	nt_inject(&s.e, f, n);
	assert_int_equal(nt_stat(s.e.stack, "Arp.InBadHeader"), 3);
	/* A sender claiming our own address, or a broadcast one. */
	n = arp_frame(f, 1, nt_mac_a, mac, "10.0.0.1", "10.0.0.1");
	nt_inject(&s.e, f, n);
	n = arp_frame(f, 1, nt_mac_a, mac, "255.255.255.255", "10.0.0.1");
	nt_inject(&s.e, f, n);
	n = arp_frame(f, 1, nt_mac_a, mac, "127.0.0.1", "10.0.0.1");
	nt_inject(&s.e, f, n);
	assert_int_equal(nt_stat(s.e.stack, "Arp.InBadSender"), 3);
	/* For someone else: ignored. */
	n = arp_frame(f, 1, nt_mac_a, mac, "10.0.0.7", "10.0.0.8");
	nt_inject(&s.e, f, n);
	assert_int_equal(nt_stat(s.e.stack, "Arp.InNotForUs"), 1);
	assert_null(nt_take(&s.e));
	assert_int_equal(neigh_state(s.e.stack, "10.0.0.7", NULL), 0);
	/* And the stack still answers a good request. */
	n = arp_frame(f, 1, nt_mac_a, mac, "10.0.0.7", "10.0.0.1");
	nt_inject(&s.e, f, n);
	struct ns_pkt *reply = nt_take(&s.e);
	assert_non_null(reply);
	ns_pkt_free(reply);
	nt_solo_free(&s);
}

static int count_neigh(void *arg, const struct ns_neigh_info *n)
{
	(void)n;
	(*(int *)arg)++;
	return 0;
}

/* Requests from thousands of forged senders cannot grow the cache past
 * its bound: old STALE entries are recycled. */
static void test_request_flood_is_bounded(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	uint8_t f[64];
	for (int i = 0; i < 3000; i++) {
		uint8_t mac[6] = { 0x02,      0x10, 0, 0, (uint8_t)(i >> 8),
				   (uint8_t)i };
		char ip[32];
		snprintf(ip, sizeof(ip), "10.0.%d.%d", 100 + i / 250,
			 1 + i % 250);
		size_t n = arp_frame(f, 1, nt_mac_a, mac, ip, "10.0.0.1");
		nt_inject(&s.e, f, n);
		nt_drain(&s.e);
	}
	int entries = 0;
	ns_stack_foreach_neigh(s.e.stack, count_neigh, &entries);
	assert_true(entries <= 1024);
	assert_int_equal(nt_stat(s.e.stack, "Neigh.Allocs") -
				 nt_stat(s.e.stack, "Neigh.Destroys"),
			 (uint64_t)entries);
	assert_int_equal(nt_stat(s.e.stack, "Arp.OutReplies"), 3000);
	nt_solo_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolution_and_learning),
		cmocka_unit_test(test_reachable_stale_delay_probe),
		cmocka_unit_test(test_expiry_and_new_resolution),
		cmocka_unit_test(test_failure_reaches_sender),
		cmocka_unit_test(test_queue_is_bounded),
		cmocka_unit_test(test_gratuitous_updates_existing_only),
		cmocka_unit_test(test_permanent_entry_needs_no_arp),
		cmocka_unit_test(test_bad_arp_packets),
		cmocka_unit_test(test_request_flood_is_bounded),
	};
	return cmocka_run_group_tests_name("netstack/arp", tests, NULL, NULL);
}
