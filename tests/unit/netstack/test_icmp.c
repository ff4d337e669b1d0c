/* ICMP and ping sockets: ping both ways over IPv4 and IPv6 and over
 * loopback, echo replies by the stack, errors mapped to the sockets that
 * caused them (ECONNREFUSED, EMSGSIZE with path MTU), rate limiting,
 * protocol unreachable, broadcast echo ignored. */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/wire.h"

static struct ns_socket *ping_socket(struct ns_stack *s, int family)
{
	struct ns_socket *sock;
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	assert_int_equal(ns_socket_create(s, family, SOCK_DGRAM, proto, &sock),
			 0);
	return sock;
}

/* Sends an echo request as ping(8) does: header with id 0 (the stack
 * sets it), sequence, payload. */
static void ping_send(struct ns_socket *sock, int family, const char *ip,
		      uint16_t seq, size_t payload)
{
	uint8_t msg[2048] = { 0 };
	msg[0] = family == AF_INET ? 8 : 128;
	ns_put_be16(msg + 6, seq);
	for (size_t i = 0; i < payload; i++)
		msg[8 + i] = (uint8_t)i;
	ssize_t r;
	if (family == AF_INET) {
		struct sockaddr_in to = nt_sin(ip, 0);
		r = ns_socket_sendto(sock, msg, 8 + payload, 0,
				     (struct sockaddr *)&to, sizeof(to));
	} else {
		struct sockaddr_in6 to = nt_sin6(ip, 0);
		r = ns_socket_sendto(sock, msg, 8 + payload, 0,
				     (struct sockaddr *)&to, sizeof(to));
	}
	assert_int_equal(r, (ssize_t)(8 + payload));
}

static void ping_expect_reply(struct ns_socket *sock, int family, uint16_t seq,
			      size_t payload)
{
	uint8_t buf[2048];
	ssize_t r = ns_socket_recvfrom(sock, buf, sizeof(buf), 0, NULL, NULL);
	assert_int_equal(r, (ssize_t)(8 + payload));
	assert_int_equal(buf[0], family == AF_INET ? 0 : 129);
	assert_int_equal(ns_get_be16(buf + 6), seq);
	/* The identifier is the socket's bound "port". */
	struct sockaddr_in6 name;
	socklen_t len = sizeof(name);
	ns_socket_getsockname(sock, (struct sockaddr *)&name, &len);
	assert_int_equal(ns_get_be16(buf + 4), ntohs(name.sin6_port));
	for (size_t i = 0; i < payload; i++)
		assert_int_equal(buf[8 + i], (uint8_t)i);
}

static void ping_both_ways(int family, const char *ip_a, const char *ip_b)
{
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *sa = ping_socket(p.a.stack, family);
	struct ns_socket *sb = ping_socket(p.b.stack, family);
	for (uint16_t seq = 1; seq <= 3; seq++) {
		ping_send(sa, family, ip_b, seq, 56);
		nt_pump(&p);
		ping_expect_reply(sa, family, seq, 56);
		ping_send(sb, family, ip_a, seq, 100);
		nt_pump(&p);
		ping_expect_reply(sb, family, seq, 100);
	}
	const char *in_echos =
		family == AF_INET ? "Icmp.InEchos" : "Icmp6.InEchos";
	assert_int_equal(nt_stat(p.a.stack, in_echos), 3);
	assert_int_equal(nt_stat(p.b.stack, in_echos), 3);
	assert_int_equal(nt_stat(p.a.stack, "Ping.InDelivers"), 3);
	assert_int_equal(nt_stat(p.a.stack, family == AF_INET
						    ? "IcmpMsg.OutType8"
						    : "Icmp6.OutType128"),
			 3);
	ns_socket_close(sa);
	ns_socket_close(sb);
	nt_pair_free(&p);
}

static void test_ping4_both_ways(void **state)
{
	(void)state;
	ping_both_ways(AF_INET, "10.0.0.1", "10.0.0.2");
}

static void test_ping6_both_ways(void **state)
{
	(void)state;
	ping_both_ways(AF_INET6, "fd00::1", "fd00::2");
}

static void test_ping_loopback_and_big(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *s4 = ping_socket(p.a.stack, AF_INET);
	struct ns_socket *s6 = ping_socket(p.a.stack, AF_INET6);
	uint64_t sent = p.a.sent;
	ping_send(s4, AF_INET, "127.0.0.1", 1, 56);
	ping_expect_reply(s4, AF_INET, 1, 56);
	ping_send(s6, AF_INET6, "::1", 2, 56);
	ping_expect_reply(s6, AF_INET6, 2, 56);
	/* Our own address goes through lo as well. */
	ping_send(s4, AF_INET, "10.0.0.1", 3, 8);
	ping_expect_reply(s4, AF_INET, 3, 8);
	assert_int_equal(p.a.sent, sent);
	/* ping -s 2000: fragmented both ways. */
	ping_send(s4, AF_INET, "10.0.0.2", 4, 2000);
	nt_pump(&p);
	ping_expect_reply(s4, AF_INET, 4, 2000);
	assert_int_equal(nt_stat(p.b.stack, "Ip.ReasmOKs"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Ip.ReasmOKs"), 1);
	ns_socket_close(s4);
	ns_socket_close(s6);
	nt_pair_free(&p);
}

static void test_ping_socket_rules(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *s = ping_socket(p.a.stack, AF_INET);
	struct sockaddr_in to = nt_sin("10.0.0.2", 0);
	uint8_t msg[16] = { 0 };
	/* Shorter than a header; not an echo request; a nonzero code. */
	assert_int_equal(ns_socket_sendto(s, msg, 4, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -EINVAL);
	msg[0] = 13;
	assert_int_equal(ns_socket_sendto(s, msg, 16, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -EINVAL);
	msg[0] = 8;
	msg[1] = 1;
	assert_int_equal(ns_socket_sendto(s, msg, 16, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -EINVAL);
	struct ns_socket *bad;
	assert_int_equal(ns_socket_create(p.a.stack, AF_INET, SOCK_DGRAM,
					  IPPROTO_ICMPV6, &bad),
			 -EPROTONOSUPPORT);
	/* An echo reply nobody waits for is counted. */
	msg[1] = 0;
	ns_socket_close(s);
	uint8_t f[128];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x0800);
	n += nt_put_ip4(f + n, "10.0.0.2", "10.0.0.1", 1, 16, 1, 0, 64);
	n += nt_put_icmp(f + n, false, "10.0.0.2", "10.0.0.1", 0, 0, 0x12340001,
			 "01234567", 8);
	nt_inject(&p.a, f, n);
	assert_int_equal(nt_stat(p.a.stack, "Ping.InNoSocket"), 1);
	nt_pair_free(&p);
}

static int get_int(struct ns_socket *s, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	assert_int_equal(ns_socket_getsockopt(s, level, name, &v, &len), 0);
	return v;
}

static uint16_t bound_ident(struct ns_socket *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	assert_int_equal(ns_socket_getsockname(s, (struct sockaddr *)&ss, &len),
			 0);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Linux's ping sockets: SO_REUSEADDR from creation (INET_PROTOSW_REUSE),
 * so identifiers may be shared, IPv6 ones V6ONLY (ping_init_sock); a send
 * binds an identifier first (inet_send_prepare), then checks the echo
 * header (ping_common_sendmsg) before the address (ping_v4_sendmsg). */
static void test_ping_socket_linux_defaults(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = ping_socket(p.a.stack, AF_INET);
	struct ns_socket *b = ping_socket(p.a.stack, AF_INET);
	assert_int_equal(get_int(a, SOL_SOCKET, SO_REUSEADDR), 1);
	struct sockaddr_in me = nt_sin("10.0.0.1", 0x1234);
	assert_int_equal(ns_socket_bind(a, (struct sockaddr *)&me, sizeof(me)),
			 0);
	assert_int_equal(ns_socket_bind(b, (struct sockaddr *)&me, sizeof(me)),
			 0);
	ns_socket_close(b);
	b = ping_socket(p.a.stack, AF_INET);
	int off = 0;
	assert_int_equal(ns_socket_setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &off,
					      sizeof(off)),
			 0);
	assert_int_equal(ns_socket_bind(b, (struct sockaddr *)&me, sizeof(me)),
			 -EADDRINUSE);
	ns_socket_close(b);
	/* Order of a send's checks, and the identifier taken anyway. */
	b = ping_socket(p.a.stack, AF_INET);
	uint8_t msg[16] = { 8, 5 };
	assert_int_equal(ns_socket_sendto(b, msg, sizeof(msg), 0, NULL, 0),
			 -EINVAL);
	assert_int_not_equal(bound_ident(b), 0);
	msg[1] = 0;
	assert_int_equal(ns_socket_sendto(b, msg, sizeof(msg), 0, NULL, 0),
			 -EDESTADDRREQ);
	struct sockaddr_in to = nt_sin("10.0.0.2", 0);
	to.sin_family = AF_UNSPEC;
	assert_int_equal(ns_socket_sendto(b, msg, sizeof(msg), 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 -EAFNOSUPPORT);
	assert_int_equal(ns_socket_sendto(b, msg, sizeof(msg), 0,
					  (struct sockaddr *)&to, 0),
			 -EINVAL);
	ns_socket_close(b);
	/* IPv6: V6ONLY; no v4-mapped address to bind or send to. */
	struct ns_socket *c = ping_socket(p.a.stack, AF_INET6);
	assert_int_equal(get_int(c, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	struct sockaddr_in6 m6 = nt_sin6("::ffff:10.0.0.2", 0);
	assert_int_equal(ns_socket_bind(c, (struct sockaddr *)&m6, sizeof(m6)),
			 -EINVAL);
	msg[0] = 128;
	assert_int_equal(ns_socket_sendto(c, msg, sizeof(msg), 0,
					  (struct sockaddr *)&m6, sizeof(m6)),
			 -EINVAL);
	/* ping_v6_sendmsg wants a whole sockaddr_in6. */
	m6 = nt_sin6("fd00::2", 0);
	assert_int_equal(ns_socket_sendto(c, msg, sizeof(msg), 0,
					  (struct sockaddr *)&m6, 24),
			 -EINVAL);
	ns_socket_close(c);
	ns_socket_close(a);
	nt_pair_free(&p);
}

static void test_port_unreachable_refuses_connected(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *u = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct sockaddr_in to = nt_sin("10.0.0.2", 9999);
	assert_int_equal(
		ns_socket_connect(a, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_int_equal(ns_socket_sendto(a, "x", 1, 0, NULL, 0), 1);
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	nt_pump(&p);
	assert_int_equal(nt_stat(p.b.stack, "Udp.NoPorts"), 2);
	assert_int_equal(nt_stat(p.b.stack, "Icmp.OutDestUnreachs"), 2);
	assert_int_equal(nt_stat(p.a.stack, "Icmp.InDestUnreachs"), 2);
	/* Connected: ECONNREFUSED, once, then EAGAIN. */
	assert_true(ns_socket_poll(a) & EPOLLERR);
	char buf[4];
	assert_int_equal(ns_socket_recvfrom(a, buf, 4, 0, NULL, NULL),
			 -ECONNREFUSED);
	assert_int_equal(ns_socket_recvfrom(a, buf, 4, 0, NULL, NULL), -EAGAIN);
	/* Unconnected without IP_RECVERR: nothing (Linux). */
	assert_false(ns_socket_poll(u) & EPOLLERR);
	int err = -1;
	socklen_t len = sizeof(err);
	ns_socket_getsockopt(u, SOL_SOCKET, SO_ERROR, &err, &len);
	assert_int_equal(err, 0);
	/* The error also surfaces on the next send, through SO_ERROR. */
	assert_int_equal(ns_socket_sendto(a, "x", 1, 0, NULL, 0), 1);
	nt_pump(&p);
	len = sizeof(err);
	ns_socket_getsockopt(a, SOL_SOCKET, SO_ERROR, &err, &len);
	assert_int_equal(err, ECONNREFUSED);
	assert_int_equal(ns_socket_sendto(a, "x", 1, 0, NULL, 0), 1);
	ns_socket_close(a);
	ns_socket_close(u);
	nt_pair_free(&p);
}

static void test_udp6_port_unreachable(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "::", 0);
	struct sockaddr_in6 to = nt_sin6("fd00::2", 9999);
	assert_int_equal(
		ns_socket_connect(a, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_int_equal(ns_socket_sendto(a, "x", 1, 0, NULL, 0), 1);
	nt_pump(&p);
	assert_int_equal(nt_stat(p.b.stack, "Udp6.NoPorts"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Icmp6.OutDestUnreachs"), 1);
	char buf[4];
	assert_int_equal(ns_socket_recvfrom(a, buf, 4, 0, NULL, NULL),
			 -ECONNREFUSED);
	ns_socket_close(a);
	nt_pair_free(&p);
}

static void test_error_rate_limit(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct sockaddr_in to = nt_sin("10.0.0.2", 9999);
	for (int i = 0; i < 20; i++)
		ns_socket_sendto(a, "x", 1, 0, (struct sockaddr *)&to,
				 sizeof(to));
	nt_pump(&p);
	/* Linux icmp_ratelimit: bursts of six per destination, then one a
	 * second. */
	assert_int_equal(nt_stat(p.b.stack, "Icmp.OutDestUnreachs"), 6);
	assert_int_equal(nt_stat(p.b.stack, "Icmp.OutRateLimitHost"), 14);
	nt_advance(&p, 2 * NT_SEC);
	for (int i = 0; i < 5; i++)
		ns_socket_sendto(a, "x", 1, 0, (struct sockaddr *)&to,
				 sizeof(to));
	nt_pump(&p);
	assert_int_equal(nt_stat(p.b.stack, "Icmp.OutDestUnreachs"), 8);
	ns_socket_close(a);
	nt_pair_free(&p);
}

static void test_protocol_unreachable(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_neigh_info ni = { .ifindex = s.e.ifindex, .family = AF_INET };
	nt_ip4("10.0.0.2", ni.addr);
	memcpy(ni.mac, nt_mac_b, 6);
	ns_stack_add_neigh(s.e.stack, &ni);
	uint8_t f[128];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x0800);
	n += nt_put_ip4(f + n, "10.0.0.2", "10.0.0.1", 200, 8, 1, 0, 64);
	memset(f + n, 0, 8);
	nt_inject(&s.e, f, n + 8);
	assert_int_equal(nt_stat(s.e.stack, "Ip.InUnknownProtos"), 1);
	struct ns_pkt *out = nt_take(&s.e);
	assert_non_null(out);
	uint8_t o[128];
	size_t on = nt_flat(out, o, sizeof(o));
	ns_pkt_free(out);
	/* Type 3 code 2, quoting our header. */
	assert_int_equal(o[14 + 20], 3);
	assert_int_equal(o[14 + 21], 2);
	assert_int_equal(on, 14 + 20 + 8 + 20 + 8);
	assert_memory_equal(o + 14 + 28, f + 14, 28);
	nt_solo_free(&s);
}

static void test_broadcast_echo_ignored(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	uint8_t f[128];
	size_t n = nt_put_eth(f, (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
			      nt_mac_b, 0x0800);
	n += nt_put_ip4(f + n, "10.0.0.2", "10.0.0.255", 1, 16, 1, 0, 64);
	n += nt_put_icmp(f + n, false, "10.0.0.2", "10.0.0.255", 8, 0, 1,
			 "01234567", 8);
	nt_inject(&s.e, f, n);
	assert_int_equal(nt_stat(s.e.stack, "Icmp.InEchos"), 1);
	assert_int_equal(nt_stat(s.e.stack, "IpExt.InBcastPkts"), 1);
	assert_null(nt_take(&s.e));
	nt_solo_free(&s);
}

/* A stack whose default route is the router 10.0.0.254 at B's MAC. */
static void solo_behind_router(struct nt_solo *s)
{
	nt_solo_init(s, 0, 0);
	struct ns_route r = { .family = AF_INET };
	nt_ip4("10.0.0.254", r.gateway);
	assert_int_equal(ns_stack_add_route(s->e.stack, &r), 0);
	struct ns_neigh_info ni = { .ifindex = s->e.ifindex,
				    .family = AF_INET };
	nt_ip4("10.0.0.254", ni.addr);
	memcpy(ni.mac, nt_mac_b, 6);
	ns_stack_add_neigh(s->e.stack, &ni);
}

static void test_frag_needed_lowers_path_mtu(void **state)
{
	(void)state;
	struct nt_solo s;
	solo_behind_router(&s);
	struct ns_socket *a = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 4000);
	int v = IP_PMTUDISC_DO;
	assert_int_equal(ns_socket_setsockopt(a, IPPROTO_IP, IP_MTU_DISCOVER,
					      &v, sizeof(v)),
			 0);
	v = 1;
	ns_socket_setsockopt(a, IPPROTO_IP, IP_RECVERR, &v, sizeof(v));
	struct sockaddr_in to = nt_sin("192.0.2.1", 53);
	static char big[1472];
	assert_int_equal(
		ns_socket_connect(a, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_int_equal(ns_socket_sendto(a, big, sizeof(big), 0, NULL, 0),
			 (ssize_t)sizeof(big));
	assert_int_equal(ns_socket_sendto(a, big, sizeof(big) + 1, 0, NULL, 0),
			 -EMSGSIZE);
	struct ns_pkt *sent = nt_take(&s.e);
	uint8_t orig[1600];
	size_t olen = nt_flat(sent, orig, sizeof(orig));
	ns_pkt_free(sent);
	assert_int_equal(olen, 1514);
	assert_int_equal(orig[14 + 6] & 0x40, 0x40); /* DF */
	/* A router says: fragmentation needed, next-hop MTU 1280. */
	uint8_t f[256];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x0800);
	n += nt_put_ip4(f + n, "10.0.0.254", "10.0.0.1", 1, 8 + 28, 9, 0, 64);
	n += nt_put_icmp(f + n, false, "10.0.0.254", "10.0.0.1", 3, 4, 1280,
			 orig + 14, 28);
	nt_inject(&s.e, f, n);
	uint8_t dst[16];
	nt_ip4("192.0.2.1", dst);
	struct ns_route_lookup rl;
	assert_int_equal(ns_stack_route_get(s.e.stack, AF_INET, dst, 0, &rl),
			 0);
	assert_int_equal(rl.mtu, 1280);
	int mtu = 0;
	socklen_t len = sizeof(mtu);
	assert_int_equal(
		ns_socket_getsockopt(a, IPPROTO_IP, IP_MTU, &mtu, &len), 0);
	assert_int_equal(mtu, 1280);
	/* EMSGSIZE is reported, with the MTU in ee_info. */
	char data[64], ctl[128];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	assert_true(ns_socket_recvmsg(a, &msg, MSG_ERRQUEUE, NULL) >= 0);
	struct sock_extended_err ee;
	memcpy(&ee, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(ee));
	assert_int_equal(ee.ee_errno, EMSGSIZE);
	assert_int_equal(ee.ee_info, 1280);
	assert_int_equal(ns_socket_sendto(a, big, 1253, 0, NULL, 0), -EMSGSIZE);
	assert_int_equal(ns_socket_sendto(a, big, 1252, 0, NULL, 0), 1252);
	/* A message quoting a datagram no socket sent (to 192.0.2.2 from
	 * port 4999) is not believed: that path keeps its MTU. */
	orig[14 + 19] = 2;
	ns_put_be16(orig + 14 + 20, 4999);
	n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x0800);
	n += nt_put_ip4(f + n, "10.0.0.254", "10.0.0.1", 1, 8 + 28, 10, 0, 64);
	n += nt_put_icmp(f + n, false, "10.0.0.254", "10.0.0.1", 3, 4, 576,
			 orig + 14, 28);
	nt_inject(&s.e, f, n);
	nt_ip4("192.0.2.2", dst);
	assert_int_equal(ns_stack_route_get(s.e.stack, AF_INET, dst, 0, &rl),
			 0);
	assert_int_equal(rl.mtu, 1500);
	ns_socket_close(a);
	nt_solo_free(&s);
}

/* A "fragmentation needed" from the router at 10.0.0.254 quoting the
 * datagram sock sent last (taken from s's wire). */
static void inject_frag_needed(struct nt_solo *s)
{
	struct ns_pkt *sent = nt_take(&s->e);
	uint8_t orig[1600];
	nt_flat(sent, orig, sizeof(orig));
	ns_pkt_free(sent);
	uint8_t f[256];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x0800);
	n += nt_put_ip4(f + n, "10.0.0.254", "10.0.0.1", 1, 8 + 28, 9, 0, 64);
	n += nt_put_icmp(f + n, false, "10.0.0.254", "10.0.0.1", 3, 4, 1280,
			 orig + 14, 28);
	nt_inject(&s->e, f, n);
}

/* IP_PMTUDISC_OMIT sends without DF, so "too big" is no error for it; an
 * error queue emptied by switching IP_RECVERR off gives its memory back
 * to the receive budget. */
static void test_omit_and_error_queue_memory(void **state)
{
	(void)state;
	struct nt_solo s;
	solo_behind_router(&s);
	struct sockaddr_in to = nt_sin("192.0.2.1", 53);
	struct ns_socket *omit = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 4001);
	struct ns_socket *dof = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 4002);
	int v = IP_PMTUDISC_OMIT, on = 1;
	assert_int_equal(ns_socket_setsockopt(omit, IPPROTO_IP, IP_MTU_DISCOVER,
					      &v, sizeof(v)),
			 0);
	v = IP_PMTUDISC_DO;
	assert_int_equal(ns_socket_setsockopt(dof, IPPROTO_IP, IP_MTU_DISCOVER,
					      &v, sizeof(v)),
			 0);
	struct ns_socket *both[2] = { omit, dof };
	for (int i = 0; i < 2; i++) {
		ns_socket_setsockopt(both[i], IPPROTO_IP, IP_RECVERR, &on,
				     sizeof(on));
		assert_int_equal(ns_socket_connect(both[i],
						   (struct sockaddr *)&to,
						   sizeof(to)),
				 0);
		assert_int_equal(ns_socket_sendto(both[i], "x", 1, 0, NULL, 0),
				 1);
		inject_frag_needed(&s);
	}
	struct ns_socket_info info;
	ns_socket_get_info(omit, &info);
	assert_int_equal(info.rx_queue, 0);
	assert_false(ns_socket_poll(omit) & EPOLLERR);
	ns_socket_get_info(dof, &info);
	assert_true(info.rx_queue > 0);
	assert_true(ns_socket_poll(dof) & EPOLLERR);
	int off = 0;
	ns_socket_setsockopt(dof, IPPROTO_IP, IP_RECVERR, &off, sizeof(off));
	ns_socket_get_info(dof, &info);
	assert_int_equal(info.rx_queue, 0);
	ns_socket_close(omit);
	ns_socket_close(dof);
	nt_solo_free(&s);
}

/* ping6 ff02::1%eth0: every node answers, this one included (the request
 * loops back, IPV6_MULTICAST_LOOP), each from a unicast address. */
static void test_ping_all_nodes(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, NT_AUTOCONF, 0);
	nt_advance(&p, 3 * NT_SEC);
	struct ns_socket *s = ping_socket(p.a.stack, AF_INET6);
	uint8_t msg[16] = { 128 };
	struct sockaddr_in6 to = nt_sin6("ff02::1", 0);
	assert_int_equal(ns_socket_sendto(s, msg, sizeof(msg), 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 -EINVAL); /* no interface given */
	to.sin6_scope_id = (uint32_t)p.a.ifindex;
	assert_int_equal(ns_socket_sendto(s, msg, sizeof(msg), 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 16);
	nt_pump(&p);
	int replies = 0;
	uint8_t buf[64];
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	while (ns_socket_recvfrom(s, buf, sizeof(buf), 0,
				  (struct sockaddr *)&from, &flen) == 16) {
		assert_int_equal(buf[0], 129);
		assert_false(from.sin6_addr.s6_addr[0] == 0xff);
		replies++;
		flen = sizeof(from);
	}
	assert_int_equal(replies, 2);
	assert_int_equal(nt_stat(p.a.stack, "Ip6.OutMcastPkts") > 0, 1);
	ns_socket_close(s);
	nt_pair_free(&p);
}

/* What ping prints as "Destination Host Unreachable": the error reaches
 * the ping socket through IP_RECVERR, quoting its echo request. */
static void test_ping_unreachable_host(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *s = ping_socket(p.a.stack, AF_INET);
	int on = 1;
	ns_socket_setsockopt(s, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	ping_send(s, AF_INET, "10.0.0.99", 5, 24);
	nt_advance(&p, 5 * NT_SEC);
	assert_true(ns_socket_poll(s) & EPOLLERR);
	uint8_t data[64], ctl[128];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	assert_int_equal(ns_socket_recvmsg(s, &msg, MSG_ERRQUEUE, NULL),
			 8 + 24);
	assert_int_equal(data[0], 8);
	assert_int_equal(ns_get_be16(data + 6), 5);
	struct sock_extended_err ee;
	memcpy(&ee, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(ee));
	assert_int_equal(ee.ee_errno, EHOSTUNREACH);
	/* The pending error is cleared with the queue. */
	int err = -1;
	socklen_t len = sizeof(err);
	ns_socket_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
	assert_int_equal(err, 0);
	ns_socket_close(s);
	nt_pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping4_both_ways),
		cmocka_unit_test(test_ping6_both_ways),
		cmocka_unit_test(test_ping_loopback_and_big),
		cmocka_unit_test(test_ping_socket_rules),
		cmocka_unit_test(test_ping_socket_linux_defaults),
		cmocka_unit_test(test_port_unreachable_refuses_connected),
		cmocka_unit_test(test_udp6_port_unreachable),
		cmocka_unit_test(test_error_rate_limit),
		cmocka_unit_test(test_protocol_unreachable),
		cmocka_unit_test(test_broadcast_echo_ignored),
		cmocka_unit_test(test_frag_needed_lowers_path_mtu),
		cmocka_unit_test(test_omit_and_error_queue_memory),
		cmocka_unit_test(test_ping_all_nodes),
		cmocka_unit_test(test_ping_unreachable_host),
	};
	return cmocka_run_group_tests_name("netstack/icmp", tests, NULL, NULL);
}
