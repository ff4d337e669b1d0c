/* Netstack test harness; see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netstack/csum.h"
#include "netstack/wire.h"

const uint8_t nt_mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t nt_mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* The pump gives up after this many frames: traffic that never stops is
 * a bug (a storm), not something to wait out. */
#define PUMP_LIMIT 1000000

static uint64_t clock_of_pair(void *ctx)
{
	return *(uint64_t *)ctx;
}

static int end_xmit(void *ctx, struct ns_pkt *pkt)
{
	struct nt_end *e = ctx;
	e->sent++;
	if (e->capture) {
		struct ns_pkt *c = ns_pkt_copy(pkt, 0);
		if (c)
			ns_pkt_queue_push(&e->captured, c);
	}
	/* Emulate a NIC's checksum offload: complete the checksum from
	 * csum_start/csum_offset as hardware would, which also checks that
	 * the stack set them right. */
	if ((pkt->flags & NS_PKT_F_CSUM_PARTIAL) &&
	    !(e->caps & NS_LINK_CAP_TRUSTED)) {
		assert_true(e->caps & NS_LINK_CAP_TX_CSUM);
		uint32_t start = pkt->csum_start;
		uint16_t c = ns_csum_fold(
			ns_pkt_csum(pkt, start, pkt->len - start, 0));
		uint8_t *field =
			ns_pkt_pullup(pkt, start + pkt->csum_offset + 2);
		assert_non_null(field);
		ns_put_be16(field + start + pkt->csum_offset, c ? c : 0xffff);
		pkt->flags &= (uint16_t)~NS_PKT_F_CSUM_PARTIAL;
	}
	if (e->hook && !e->hook(e->hook_ctx, e, pkt))
		return 0;
	if (e->cut) {
		ns_pkt_free(pkt);
		return 0;
	}
	/* A real wire carries bytes: the receiver gets its own copy, with
	 * no offload flags unless the link is trusted. */
	struct ns_pkt *copy = ns_pkt_copy(pkt, 0);
	uint16_t flags = pkt->flags;
	ns_pkt_free(pkt);
	if (copy == NULL)
		return -ENOBUFS;
	copy->flags = (e->caps & NS_LINK_CAP_TRUSTED)
			      ? (flags & NS_PKT_F_CSUM_PARTIAL)
			      : 0;
	copy->tstamp_ns = 0;
	ns_pkt_queue_push(&e->outq, copy);
	return 0;
}

static void end_flush(void *ctx)
{
	struct nt_end *e = ctx;
	e->flushes++;
}

static const struct ns_link_ops end_ops = {
	.xmit = end_xmit,
	.flush = end_flush,
};

static void end_init(struct nt_end *e, uint64_t *now, const uint8_t mac[6],
		     uint32_t flags, uint32_t mtu, uint64_t seed)
{
	memset(e, 0, sizeof(*e));
	struct ns_stack_config cfg = { .clock = clock_of_pair,
				       .ctx = now,
				       .seed = seed };
	assert_int_equal(ns_stack_create(&cfg, &e->stack), 0);
	memcpy(e->mac, mac, 6);
	ns_pkt_queue_init(&e->outq);
	ns_pkt_queue_init(&e->captured);
	if (flags & NT_TRUSTED)
		e->caps |= NS_LINK_CAP_TRUSTED;
	if (flags & NT_TX_CSUM)
		e->caps |= NS_LINK_CAP_TX_CSUM;
	struct ns_nic_config nc = {
		.ops = &end_ops,
		.ctx = e,
		.info = { .type = NS_LINK_ETHERNET,
			  .mtu = mtu ? mtu : 1500,
			  .caps = e->caps,
			  .name = "eth0" },
		.flags = (flags & NT_AUTOCONF) ? 0 : NS_NIC_F_NO_AUTOCONF,
	};
	memcpy(nc.info.mac, mac, 6);
	assert_int_equal(ns_stack_add_nic(e->stack, &nc, &e->ifindex), 0);
}

static void end_addrs(struct nt_end *e, const char *v4, const char *v6)
{
	struct ns_ifaddr a = { .ifindex = e->ifindex,
			       .family = AF_INET,
			       .prefix_len = 24 };
	nt_ip4(v4, a.addr);
	assert_int_equal(ns_stack_add_addr(e->stack, &a), 0);
	struct ns_ifaddr b = { .ifindex = e->ifindex,
			       .family = AF_INET6,
			       .prefix_len = 64,
			       .flags = NS_ADDR_F_NODAD };
	nt_ip6(v6, b.addr);
	assert_int_equal(ns_stack_add_addr(e->stack, &b), 0);
}

void nt_pair_init(struct nt_pair *p, uint32_t flags, uint32_t mtu)
{
	memset(p, 0, sizeof(*p));
	p->now = 1000 * NT_SEC;
	end_init(&p->a, &p->now, nt_mac_a, flags, mtu, 1);
	end_init(&p->b, &p->now, nt_mac_b, flags, mtu, 2);
	p->a.peer = &p->b;
	p->b.peer = &p->a;
	if (!(flags & NT_NO_ADDRS)) {
		end_addrs(&p->a, "10.0.0.1", "fd00::1");
		end_addrs(&p->b, "10.0.0.2", "fd00::2");
	}
	/* Gratuitous ARPs of the new addresses are not part of any test. */
	nt_pump(p);
}

static void end_free(struct nt_end *e)
{
	ns_stack_destroy(e->stack);
	ns_pkt_queue_purge(&e->outq);
	ns_pkt_queue_purge(&e->captured);
}

void nt_pair_free(struct nt_pair *p)
{
	end_free(&p->a);
	end_free(&p->b);
}

static unsigned deliver(struct nt_end *from)
{
	unsigned n = 0;
	struct ns_pkt *pkt;
	/* Deliver only what was queued before: replies wait their turn. */
	uint32_t count = from->outq.count;
	while (count-- > 0 && (pkt = ns_pkt_queue_pop(&from->outq)) != NULL) {
		ns_stack_input(from->peer->stack, from->peer->ifindex, pkt);
		n++;
	}
	return n;
}

unsigned nt_pump(struct nt_pair *p)
{
	unsigned total = 0;
	for (;;) {
		unsigned n = deliver(&p->a) + deliver(&p->b);
		if (n == 0)
			return total;
		total += n;
		assert_true(total < PUMP_LIMIT);
	}
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void nt_advance(struct nt_pair *p, uint64_t delta)
{
	uint64_t target = p->now + delta;
	for (unsigned i = 0; i < PUMP_LIMIT; i++) {
		nt_pump(p);
		uint64_t next = min_u64(ns_stack_next_deadline(p->a.stack),
					ns_stack_next_deadline(p->b.stack));
		if (next > target)
			break;
		if (next > p->now)
			p->now = next;
		ns_stack_timers(p->a.stack);
		ns_stack_timers(p->b.stack);
	}
	p->now = target;
	ns_stack_timers(p->a.stack);
	ns_stack_timers(p->b.stack);
	nt_pump(p);
}

void nt_solo_init(struct nt_solo *s, uint32_t flags, uint32_t mtu)
{
	memset(s, 0, sizeof(*s));
	s->now = 1000 * NT_SEC;
	end_init(&s->e, &s->now, nt_mac_a, flags, mtu, 3);
	if (!(flags & NT_NO_ADDRS))
		end_addrs(&s->e, "10.0.0.1", "fd00::1");
	nt_drain(&s->e);
}

void nt_solo_free(struct nt_solo *s)
{
	end_free(&s->e);
}

void nt_solo_advance(struct nt_solo *s, uint64_t delta)
{
	uint64_t target = s->now + delta;
	for (unsigned i = 0; i < PUMP_LIMIT; i++) {
		uint64_t next = ns_stack_next_deadline(s->e.stack);
		if (next > target)
			break;
		if (next > s->now)
			s->now = next;
		ns_stack_timers(s->e.stack);
	}
	s->now = target;
	ns_stack_timers(s->e.stack);
}

void nt_inject(struct nt_end *e, const void *frame, size_t len)
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, (uint32_t)len);
	assert_non_null(pkt);
	memcpy(ns_pkt_put(pkt, (uint32_t)len), frame, len);
	ns_stack_input(e->stack, e->ifindex, pkt);
}

struct ns_pkt *nt_take(struct nt_end *e)
{
	return ns_pkt_queue_pop(&e->outq);
}

size_t nt_flat(const struct ns_pkt *pkt, uint8_t *buf, size_t max)
{
	size_t n = pkt->len < max ? pkt->len : max;
	assert_int_equal(ns_pkt_copy_out(pkt, 0, buf, (uint32_t)n), 0);
	return n;
}

void nt_stack_cut(struct nt_end *e, bool cut)
{
	e->cut = cut;
}

void nt_drain(struct nt_end *e)
{
	ns_pkt_queue_purge(&e->outq);
}

uint64_t nt_stat(struct ns_stack *stack, const char *name)
{
	uint64_t v = 0;
	int r = ns_stack_stat_by_name(stack, name, &v);
	if (r != 0)
		fail_msg("no counter named %s", name);
	return v;
}

void nt_ip4(const char *s, uint8_t out[4])
{
	assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

void nt_ip6(const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

struct sockaddr_in nt_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	nt_ip4(ip, (uint8_t *)&sin.sin_addr);
	return sin;
}

struct sockaddr_in6 nt_sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port) };
	nt_ip6(ip, sin6.sin6_addr.s6_addr);
	return sin6;
}

struct ns_socket *nt_udp(struct ns_stack *stack, int family, const char *ip,
			 uint16_t port)
{
	struct ns_socket *s;
	assert_int_equal(ns_socket_create(stack, family, SOCK_DGRAM, 0, &s), 0);
	if (family == AF_INET) {
		struct sockaddr_in sin = nt_sin(ip, port);
		assert_int_equal(
			ns_socket_bind(s, (struct sockaddr *)&sin, sizeof(sin)),
			0);
	} else {
		struct sockaddr_in6 sin6 = nt_sin6(ip, port);
		assert_int_equal(ns_socket_bind(s, (struct sockaddr *)&sin6,
						sizeof(sin6)),
				 0);
	}
	return s;
}

size_t nt_put_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
		  uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	ns_put_be16(buf + 12, type);
	return 14;
}

size_t nt_put_ip4(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
		  uint16_t payload_len, uint16_t id, uint16_t frag, uint8_t ttl)
{
	memset(buf, 0, 20);
	buf[0] = 0x45;
	ns_put_be16(buf + 2, (uint16_t)(20 + payload_len));
	ns_put_be16(buf + 4, id);
	ns_put_be16(buf + 6, frag);
	buf[8] = ttl;
	buf[9] = proto;
	nt_ip4(src, buf + 12);
	nt_ip4(dst, buf + 16);
	ns_put_be16(buf + 10, ns_csum_fold(ns_csum_partial(buf, 20, 0)));
	return 20;
}

size_t nt_put_ip6(uint8_t *buf, const char *src, const char *dst, uint8_t nh,
		  uint16_t payload_len, uint8_t hlim)
{
	memset(buf, 0, 40);
	buf[0] = 0x60;
	ns_put_be16(buf + 4, payload_len);
	buf[6] = nh;
	buf[7] = hlim;
	nt_ip6(src, buf + 8);
	nt_ip6(dst, buf + 24);
	return 40;
}

static uint32_t pseudo(bool v6, const char *src, const char *dst, uint8_t proto,
		       size_t len)
{
	uint8_t s[16], d[16];
	if (v6) {
		nt_ip6(src, s);
		nt_ip6(dst, d);
		return ns_csum_pseudo6(s, d, proto, (uint32_t)len);
	}
	nt_ip4(src, s);
	nt_ip4(dst, d);
	return ns_csum_pseudo4(s, d, proto, (uint32_t)len);
}

size_t nt_put_udp(uint8_t *buf, bool v6, const char *src, const char *dst,
		  uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	ns_put_be16(buf, sport);
	ns_put_be16(buf + 2, dport);
	ns_put_be16(buf + 4, (uint16_t)(8 + len));
	ns_put_be16(buf + 6, 0);
	if (len)
		memcpy(buf + 8, data, len);
	uint32_t sum = pseudo(v6, src, dst, 17, 8 + len);
	uint16_t c = ns_csum_fold(ns_csum_partial(buf, 8 + len, sum));
	ns_put_be16(buf + 6, c ? c : 0xffff);
	return 8 + len;
}

size_t nt_put_icmp(uint8_t *buf, bool v6, const char *src, const char *dst,
		   uint8_t type, uint8_t code, uint32_t rest, const void *data,
		   size_t len)
{
	buf[0] = type;
	buf[1] = code;
	ns_put_be16(buf + 2, 0);
	ns_put_be32(buf + 4, rest);
	if (len)
		memcpy(buf + 8, data, len);
	uint32_t sum = v6 ? pseudo(true, src, dst, 58, 8 + len) : 0;
	ns_put_be16(buf + 2, ns_csum_fold(ns_csum_partial(buf, 8 + len, sum)));
	return 8 + len;
}

size_t nt_udp4_frame(uint8_t *buf, const char *src, const char *dst,
		     uint16_t sport, uint16_t dport, const void *data,
		     size_t len)
{
	size_t n = nt_put_eth(buf, nt_mac_a, nt_mac_b, 0x0800);
	n += nt_put_ip4(buf + n, src, dst, 17, (uint16_t)(8 + len), 1, 0, 64);
	n += nt_put_udp(buf + n, false, src, dst, sport, dport, data, len);
	return n;
}

size_t nt_udp6_frame(uint8_t *buf, const char *src, const char *dst,
		     uint16_t sport, uint16_t dport, const void *data,
		     size_t len)
{
	size_t n = nt_put_eth(buf, nt_mac_a, nt_mac_b, 0x86dd);
	n += nt_put_ip6(buf + n, src, dst, 17, (uint16_t)(8 + len), 64);
	n += nt_put_udp(buf + n, true, src, dst, sport, dport, data, len);
	return n;
}
