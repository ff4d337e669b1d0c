/* Fragmentation and reassembly, IPv4 and IPv6: a 60 KB datagram across a
 * 1500-byte MTU both ways, reordering, duplicates, and hostile fragment
 * streams (overlaps, too many, too big, bad lengths, floods at the memory
 * limit, timeouts), each dropped, counted, and survived. */
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

#define BIG 60000

static uint8_t payload[BIG];

static void fill(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8));
}

static void big_datagram(int family)
{
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	fill();
	bool v4 = family == AF_INET;
	struct ns_socket *a =
		nt_udp(p.a.stack, family, v4 ? "0.0.0.0" : "::", 0);
	struct ns_socket *b =
		nt_udp(p.b.stack, family, v4 ? "0.0.0.0" : "::", 53);
	int big = 1 << 20;
	ns_socket_setsockopt(b, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	ssize_t r;
	if (v4) {
		struct sockaddr_in to = nt_sin("10.0.0.2", 53);
		r = ns_socket_sendto(a, payload, BIG, 0, (struct sockaddr *)&to,
				     sizeof(to));
	} else {
		struct sockaddr_in6 to = nt_sin6("fd00::2", 53);
		r = ns_socket_sendto(a, payload, BIG, 0, (struct sockaddr *)&to,
				     sizeof(to));
	}
	assert_int_equal(r, BIG);
	nt_pump(&p);
	static uint8_t got[BIG + 10];
	assert_int_equal(ns_socket_recvfrom(b, got, sizeof(got), 0, NULL, NULL),
			 BIG);
	assert_memory_equal(got, payload, BIG);
	/* 60008 bytes of UDP in 1480-byte (IPv4) or 1448-byte (IPv6)
	 * pieces. */
	if (v4) {
		assert_int_equal(nt_stat(p.a.stack, "Ip.FragCreates"), 41);
		assert_int_equal(nt_stat(p.a.stack, "Ip.FragOKs"), 1);
		assert_int_equal(nt_stat(p.b.stack, "Ip.ReasmReqds"), 41);
		assert_int_equal(nt_stat(p.b.stack, "Ip.ReasmOKs"), 1);
	} else {
		assert_int_equal(nt_stat(p.a.stack, "Ip6.FragCreates"), 42);
		assert_int_equal(nt_stat(p.b.stack, "Ip6.ReasmOKs"), 1);
	}
	assert_int_equal(
		nt_stat(p.b.stack, v4 ? "Udp.InDatagrams" : "Udp6.InDatagrams"),
		1);
	/* And the other way. */
	if (v4) {
		struct sockaddr_in to = nt_sin("10.0.0.1", 0);
		socklen_t len = sizeof(to);
		ns_socket_getsockname(a, (struct sockaddr *)&to, &len);
		to.sin_addr = nt_sin("10.0.0.1", 0).sin_addr;
		r = ns_socket_sendto(b, payload, BIG, 0, (struct sockaddr *)&to,
				     sizeof(to));
	} else {
		struct sockaddr_in6 to;
		socklen_t len = sizeof(to);
		ns_socket_getsockname(a, (struct sockaddr *)&to, &len);
		to.sin6_addr = nt_sin6("fd00::1", 0).sin6_addr;
		r = ns_socket_sendto(b, payload, BIG, 0, (struct sockaddr *)&to,
				     sizeof(to));
	}
	assert_int_equal(r, BIG);
	ns_socket_setsockopt(a, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	nt_pump(&p);
	assert_int_equal(ns_socket_recvfrom(a, got, sizeof(got), 0, NULL, NULL),
			 BIG);
	assert_memory_equal(got, payload, BIG);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static void test_big_udp4(void **state)
{
	(void)state;
	big_datagram(AF_INET);
}

static void test_big_udp6(void **state)
{
	(void)state;
	big_datagram(AF_INET6);
}

/* Reverses the order of every frame the hook holds on flush. */
struct reorder {
	struct ns_pkt *held[64];
	unsigned n;
};

static bool hold_frames(void *ctx, struct nt_end *from, struct ns_pkt *pkt)
{
	(void)from;
	struct reorder *r = ctx;
	if (pkt->len < 200 || r->n == 64)
		return true; /* ARP and such pass */
	r->held[r->n++] = pkt;
	return false;
}

static void test_reordered_and_duplicated(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	fill();
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 53);
	struct sockaddr_in to = nt_sin("10.0.0.2", 53);
	/* Resolve first so the fragments go out at once. */
	ns_socket_sendto(a, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	char tmp[8];
	ns_socket_recvfrom(b, tmp, sizeof(tmp), 0, NULL, NULL);
	struct reorder r = { .n = 0 };
	p.a.hook = hold_frames;
	p.a.hook_ctx = &r;
	assert_int_equal(ns_socket_sendto(a, payload, 5000, 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 5000);
	assert_int_equal(r.n, 4);
	p.a.hook = NULL;
	/* Last first, the second twice. */
	uint8_t empty = 0;
	for (int i = (int)r.n - 1; i >= 0; i--) {
		if (i == 1)
			nt_inject(&p.b, &empty, 0); /* empty frame: dropped */
		struct ns_pkt *dup = i == 1 ? ns_pkt_copy(r.held[i], 0) : NULL;
		ns_stack_input(p.b.stack, p.b.ifindex, r.held[i]);
		if (dup)
			ns_stack_input(p.b.stack, p.b.ifindex, dup);
	}
	static uint8_t got[6000];
	assert_int_equal(ns_socket_recvfrom(b, got, sizeof(got), 0, NULL, NULL),
			 5000);
	assert_memory_equal(got, payload, 5000);
	assert_int_equal(nt_stat(p.b.stack, "Ip.ReasmOKs"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Link.InTruncated"), 1);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

/* Injects one IPv4 fragment: bytes [off, off+len) of the transport data
 * `data`, from 10.0.0.2 to 10.0.0.1. */
static void frag4(struct nt_end *e, uint16_t id, const uint8_t *data,
		  uint32_t off, uint32_t len, bool more)
{
	static uint8_t f[70000];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x0800);
	n += nt_put_ip4(f + n, "10.0.0.2", "10.0.0.1", 17, (uint16_t)len, id,
			(uint16_t)((more ? 0x2000 : 0) | (off / 8)), 64);
	memcpy(f + n, data + off, len);
	nt_inject(e, f, n + len);
}

static void frag6(struct nt_end *e, uint32_t id, const uint8_t *data,
		  uint32_t off, uint32_t len, bool more)
{
	static uint8_t f[70000];
	size_t n = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x86dd);
	n += nt_put_ip6(f + n, "fd00::2", "fd00::1", 44, (uint16_t)(8 + len),
			64);
	f[n] = 17;
	f[n + 1] = 0;
	ns_put_be16(f + n + 2, (uint16_t)(off | (more ? 1 : 0)));
	ns_put_be32(f + n + 4, id);
	n += 8;
	memcpy(f + n, data + off, len);
	nt_inject(e, f, n + len);
}

/* A UDP datagram to port 53 of A with `len` bytes of payload. */
static size_t udp_datagram(uint8_t *buf, bool v6, size_t len)
{
	fill();
	return v6 ? nt_put_udp(buf, true, "fd00::2", "fd00::1", 1000, 53,
			       payload, len)
		  : nt_put_udp(buf, false, "10.0.0.2", "10.0.0.1", 1000, 53,
			       payload, len);
}

/* After an attack the stack still reassembles a good datagram. */
static void still_works(struct nt_solo *s, struct ns_socket *sock, bool v6)
{
	static uint8_t d[4000];
	size_t n = udp_datagram(d, v6, 3000);
	for (uint32_t off = 0; off < n; off += 1024) {
		uint32_t len = n - off < 1024 ? (uint32_t)(n - off) : 1024;
		if (v6)
			frag6(&s->e, 0xbeef, d, off, len, off + len < n);
		else
			frag4(&s->e, 0xbeef, d, off, len, off + len < n);
	}
	static uint8_t got[4000];
	assert_int_equal(
		ns_socket_recvfrom(sock, got, sizeof(got), 0, NULL, NULL),
		3000);
	assert_memory_equal(got, payload, 3000);
}

static void overlap(bool v6)
{
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *sock = nt_udp(s.e.stack, v6 ? AF_INET6 : AF_INET,
					v6 ? "::" : "0.0.0.0", 53);
	static uint8_t d[3000];
	udp_datagram(d, v6, 2000);
	if (v6) {
		frag6(&s.e, 7, d, 0, 1024, true);
		frag6(&s.e, 7, d, 1016, 992, false); /* overlaps by 8 */
	} else {
		frag4(&s.e, 7, d, 0, 1024, true);
		frag4(&s.e, 7, d, 1016, 992, false);
	}
	assert_int_equal(nt_stat(s.e.stack, v6 ? "Ip6Ext.ReasmOverlaps"
					       : "IpExt.ReasmOverlaps"),
			 1);
	assert_int_equal(
		nt_stat(s.e.stack, v6 ? "Ip6.ReasmFails" : "Ip.ReasmFails"), 1);
	/* The rest of the datagram finds no queue and starts a new one,
	 * which never completes: nothing delivered. */
	if (v6)
		frag6(&s.e, 7, d, 1024, 984, false);
	else
		frag4(&s.e, 7, d, 1024, 984, false);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(sock, buf, 8, 0, NULL, NULL),
			 -EAGAIN);
	still_works(&s, sock, v6);
	ns_socket_close(sock);
	nt_solo_free(&s);
}

static void test_overlap4(void **state)
{
	(void)state;
	overlap(false);
}

static void test_overlap6(void **state)
{
	(void)state;
	overlap(true);
}

static void test_too_many_fragments(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *sock = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 53);
	static uint8_t d[2000];
	udp_datagram(d, false, 1000);
	/* 65 tiny fragments of 8 bytes: over the limit of 64. */
	for (uint32_t i = 0; i < 65; i++)
		frag4(&s.e, 9, d, i * 8, 8, true);
	assert_int_equal(nt_stat(s.e.stack, "IpExt.ReasmTooManyFrags"), 1);
	assert_int_equal(nt_stat(s.e.stack, "Ip.ReasmFails"), 1);
	still_works(&s, sock, false);
	ns_socket_close(sock);
	nt_solo_free(&s);
}

static void test_too_big_and_bad_lengths(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *s4 = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 53);
	struct ns_socket *s6 = nt_udp(s.e.stack, AF_INET6, "fd00::1", 53);
	static uint8_t d[70000];
	memset(d, 0, sizeof(d));
	/* An offset of 65528 with 16 bytes: beyond 65535 (the ping of
	 * death). */
	frag4(&s.e, 3, d, 0, 64, true);
	frag4(&s.e, 3, d, 65528, 16, false);
	assert_int_equal(nt_stat(s.e.stack, "IpExt.ReasmTooBig"), 1);
	frag6(&s.e, 3, d, 65528, 16, false);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.ReasmTooBig"), 1);
	/* A middle fragment whose length is not a multiple of 8. */
	frag4(&s.e, 4, d, 0, 100, true);
	assert_int_equal(nt_stat(s.e.stack, "IpExt.ReasmBadFrags"), 1);
	/* IPv6 answers that one with a parameter problem (RFC 8200 4.5). */
	frag6(&s.e, 4, d, 0, 100, true);
	assert_int_equal(nt_stat(s.e.stack, "Ip6Ext.ReasmBadFrags"), 1);
	assert_int_equal(nt_stat(s.e.stack, "Icmp6.OutParmProblems"), 1);
	/* Two different "last" fragments. */
	frag4(&s.e, 5, d, 0, 64, true);
	frag4(&s.e, 5, d, 128, 64, false);
	frag4(&s.e, 5, d, 128, 128, false);
	assert_int_equal(nt_stat(s.e.stack, "IpExt.ReasmBadFrags"), 2);
	/* A fragment lying past the known end. */
	frag4(&s.e, 6, d, 64, 64, false);
	frag4(&s.e, 6, d, 256, 64, true);
	assert_int_equal(nt_stat(s.e.stack, "IpExt.ReasmBadFrags"), 3);
	still_works(&s, s4, false);
	still_works(&s, s6, true);
	ns_socket_close(s4);
	ns_socket_close(s6);
	nt_solo_free(&s);
}

/* The fragment that completes a datagram carries longer headers than the
 * first one (IPv4 options, IPv6 destination options before the fragment
 * header): the datagram keeps the first fragment's headers, and its
 * transport header is found after those, not after the completing
 * fragment's. */
static void test_headers_differ_between_fragments(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *s4 = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 53);
	struct ns_socket *s6 = nt_udp(s.e.stack, AF_INET6, "fd00::1", 53);
	static uint8_t d[3000], f[3000], got[3000];
	size_t n = udp_datagram(d, false, 1496);

	/* IPv4: a last fragment with 40 bytes of NOP options and only 8
	 * bytes of data. */
	frag4(&s.e, 11, d, 0, (uint32_t)n - 8, true);
	size_t h = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x0800);
	size_t ip = h;
	h += nt_put_ip4(f + h, "10.0.0.2", "10.0.0.1", 17, 8 + 40, 11,
			(uint16_t)((n - 8) / 8), 64);
	memset(f + h, 1, 40); /* NOP */
	f[ip] = 0x4f;	      /* IHL 15 words */
	ns_put_be16(f + ip + 2, 60 + 8);
	ns_put_be16(f + ip + 10, 0);
	ns_put_be16(f + ip + 10, ns_csum_fold(ns_csum_partial(f + ip, 60, 0)));
	memcpy(f + h + 40, d + n - 8, 8);
	nt_inject(&s.e, f, h + 48);
	assert_int_equal(nt_stat(s.e.stack, "Ip.ReasmOKs"), 1);
	assert_int_equal(
		ns_socket_recvfrom(s4, got, sizeof(got), 0, NULL, NULL), 1496);
	assert_memory_equal(got, payload, 1496);

	/* IPv6: a last fragment behind two 8-byte destination-options
	 * headers. */
	n = udp_datagram(d, true, 1496);
	frag6(&s.e, 12, d, 0, (uint32_t)n - 8, true);
	h = nt_put_eth(f, nt_mac_a, nt_mac_b, 0x86dd);
	h += nt_put_ip6(f + h, "fd00::2", "fd00::1", 60, 8 + 8 + 8 + 8, 64);
	static const uint8_t dstopts[2][8] = {
		{ 60, 0, 1, 4, 0, 0, 0, 0 }, /* PadN, then fragment next */
		{ 44, 0, 1, 4, 0, 0, 0, 0 },
	};
	memcpy(f + h, dstopts, sizeof(dstopts));
	h += sizeof(dstopts);
	f[h] = 17;
	f[h + 1] = 0;
	ns_put_be16(f + h + 2, (uint16_t)(n - 8));
	ns_put_be32(f + h + 4, 12);
	memcpy(f + h + 8, d + n - 8, 8);
	nt_inject(&s.e, f, h + 16);
	assert_int_equal(nt_stat(s.e.stack, "Ip6.ReasmOKs"), 1);
	assert_int_equal(
		ns_socket_recvfrom(s6, got, sizeof(got), 0, NULL, NULL), 1496);
	assert_memory_equal(got, payload, 1496);

	/* An exact duplicate fragment is dropped alone, and counted. */
	frag4(&s.e, 13, d, 0, 64, true);
	frag4(&s.e, 13, d, 0, 64, true);
	assert_int_equal(nt_stat(s.e.stack, "IpExt.ReasmDuplicates"), 1);
	ns_socket_close(s4);
	ns_socket_close(s6);
	nt_solo_free(&s);
}

static void test_flood_at_memory_limit(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *sock = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 53);
	static uint8_t d[2000];
	memset(d, 0xab, sizeof(d));
	/* 5000 first fragments of 1480 bytes, each a datagram that never
	 * completes: far beyond the 4 MiB budget. */
	for (uint32_t i = 0; i < 5000; i++)
		frag4(&s.e, (uint16_t)i, d, 0, 1480, true);
	uint64_t evicted = nt_stat(s.e.stack, "IpExt.ReasmOverMem");
	assert_true(evicted > 1000);
	assert_int_equal(nt_stat(s.e.stack, "Ip.ReasmFails"), evicted);
	still_works(&s, sock, false);
	/* Everything left times out after 30 s; first fragments get a
	 * "reassembly time exceeded" each (rate-limited). */
	evicted = nt_stat(s.e.stack, "IpExt.ReasmOverMem");
	nt_drain(&s.e);
	nt_solo_advance(&s, 31 * NT_SEC);
	uint64_t timeouts = nt_stat(s.e.stack, "Ip.ReasmTimeout");
	assert_int_equal(timeouts + evicted, 5000);
	assert_true(nt_stat(s.e.stack, "Icmp.OutTimeExcds") >= 1);
	/* Those wait for 10.0.0.2's MAC, which never comes; then nothing
	 * is left to time out. */
	nt_solo_advance(&s, 10 * NT_SEC);
	assert_int_equal(ns_stack_next_deadline(s.e.stack), NS_TIME_NEVER);
	still_works(&s, sock, false);
	ns_socket_close(sock);
	nt_solo_free(&s);
}

static void test_timeout_sends_time_exceeded(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	static uint8_t d[2000];
	udp_datagram(d, true, 1500);
	frag6(&s.e, 11, d, 0, 1024, true);
	nt_solo_advance(&s, 59 * NT_SEC);
	assert_int_equal(nt_stat(s.e.stack, "Ip6.ReasmTimeout"), 0);
	nt_solo_advance(&s, 2 * NT_SEC);
	assert_int_equal(nt_stat(s.e.stack, "Ip6.ReasmTimeout"), 1);
	assert_int_equal(nt_stat(s.e.stack, "Icmp6.OutTimeExcds"), 1);
	/* Time exceeded quotes our fragment; it goes to fd00::2 (which
	 * needs neighbour discovery first). */
	assert_true(nt_stat(s.e.stack, "Icmp6.OutNeighborSolicits") >= 1);
	/* A queue without its first fragment times out silently. */
	frag6(&s.e, 12, d, 1024, 488, false);
	nt_solo_advance(&s, 61 * NT_SEC);
	assert_int_equal(nt_stat(s.e.stack, "Ip6.ReasmTimeout"), 2);
	assert_int_equal(nt_stat(s.e.stack, "Icmp6.OutTimeExcds"), 1);
	nt_solo_free(&s);
}

static void test_dont_fragment_is_refused(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "::", 0);
	int v = IPV6_PMTUDISC_DO;
	ns_socket_setsockopt(a, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
	struct sockaddr_in6 to = nt_sin6("fd00::2", 53);
	fill();
	assert_int_equal(ns_socket_sendto(a, payload, 1453, 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 -EMSGSIZE);
	assert_int_equal(ns_socket_sendto(a, payload, 1452, 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 1452);
	/* The largest datagram the protocols allow, and one byte more. */
	assert_int_equal(ns_socket_sendto(a, payload, 65528, 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 -EMSGSIZE);
	struct ns_socket *b = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct sockaddr_in to4 = nt_sin("10.0.0.2", 53);
	static uint8_t huge[65508];
	assert_int_equal(ns_socket_sendto(b, huge, 65508, 0,
					  (struct sockaddr *)&to4, sizeof(to4)),
			 -EMSGSIZE);
	assert_int_equal(ns_socket_sendto(b, huge, 65507, 0,
					  (struct sockaddr *)&to4, sizeof(to4)),
			 65507);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_udp4),
		cmocka_unit_test(test_big_udp6),
		cmocka_unit_test(test_reordered_and_duplicated),
		cmocka_unit_test(test_overlap4),
		cmocka_unit_test(test_overlap6),
		cmocka_unit_test(test_too_many_fragments),
		cmocka_unit_test(test_too_big_and_bad_lengths),
		cmocka_unit_test(test_headers_differ_between_fragments),
		cmocka_unit_test(test_flood_at_memory_limit),
		cmocka_unit_test(test_timeout_sends_time_exceeded),
		cmocka_unit_test(test_dont_fragment_is_refused),
	};
	return cmocka_run_group_tests_name("netstack/frag", tests, NULL, NULL);
}
