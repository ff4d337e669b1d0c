/* TCP test helpers: see tcp_harness.h. */
#include "tcp_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define TH_SEC 1000000000ull

static uint64_t clock_of(void *ctx)
{
	return *(const uint64_t *)ctx;
}

struct deliver_ctx {
	struct th_net *net;
	struct ns_stack *stack;
	int ifindex;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Parses pkt's TCP header for the tap. */
static void tap(struct deliver_ctx *d, const struct ns_pkt *pkt)
{
	uint8_t h[60 + 20];
	uint32_t n = pkt->len < sizeof(h) ? pkt->len : (uint32_t)sizeof(h);
	if (ns_pkt_copy_out(pkt, 0, h, n) < 0 || n < 1)
		return;
	uint32_t ip_len, proto_off;
	if ((h[0] >> 4) == 4) {
		ip_len = (uint32_t)(h[0] & 15) * 4;
		proto_off = 9;
	} else {
		ip_len = 40;
		proto_off = 6;
	}
	if (n < ip_len + 20 || h[proto_off] != IPPROTO_TCP)
		return;
	const uint8_t *t = h + ip_len;
	struct th_seg seg = {
		.a_to_b = d->stack == d->net->b,
		.flags = t[13],
		.seq = be32(t + 4),
		.ack = be32(t + 8),
		.win = (uint16_t)(t[14] << 8 | t[15]),
		.len = pkt->len - ip_len - (uint32_t)(t[12] >> 4) * 4,
		.at = d->net->now,
	};
	d->net->tap(d->net->tap_arg, &seg);
}

static void deliver(void *arg, struct ns_pkt *pkt)
{
	struct deliver_ctx *d = arg;
	if (d->net->tap)
		tap(d, pkt);
	ns_stack_input(d->stack, d->ifindex, pkt);
}

static struct ns_stack *make_stack(struct th_net *n, uint64_t seed,
				   struct tcp_fl *out, uint32_t mtu,
				   uint32_t caps, const char *v4,
				   const char *v6, int *ifindex)
{
	struct ns_stack_config cfg = { .clock = clock_of,
				       .ctx = &n->now,
				       .seed = seed };
	struct ns_stack *s;
	assert_int_equal(ns_stack_create(&cfg, &s), 0);
	struct ns_nic_config nic = {
		.ops = &tcp_fl_ops,
		.ctx = out,
		.info = { .type = NS_LINK_IP,
			  .mtu = mtu ? mtu : 1500,
			  .caps = caps,
			  .name = "eth0" },
		.flags = NS_NIC_F_NO_AUTOCONF,
	};
	assert_int_equal(ns_stack_add_nic(s, &nic, ifindex), 0);
	struct ns_ifaddr a4 = { .ifindex = *ifindex,
				.family = AF_INET,
				.prefix_len = 24 };
	inet_pton(AF_INET, v4, a4.addr);
	assert_int_equal(ns_stack_add_addr(s, &a4), 0);
	struct ns_ifaddr a6 = { .ifindex = *ifindex,
				.family = AF_INET6,
				.prefix_len = 64,
				.flags = NS_ADDR_F_NODAD };
	inet_pton(AF_INET6, v6, a6.addr);
	assert_int_equal(ns_stack_add_addr(s, &a6), 0);
	return s;
}

void th_net_init(struct th_net *n, const struct tcp_fl_params *ab,
		 const struct tcp_fl_params *ba, uint32_t mtu, uint32_t caps)
{
	memset(n, 0, sizeof(*n));
	n->now = TH_SEC;
	tcp_fl_init(&n->ab, ab, &n->now);
	tcp_fl_init(&n->ba, ba, &n->now);
	n->a = make_stack(n, 1, &n->ab, mtu, caps, "10.1.0.1", "fd01::1",
			  &n->a_if);
	n->b = make_stack(n, 2, &n->ba, mtu, caps, "10.1.0.2", "fd01::2",
			  &n->b_if);
}

void th_net_free(struct th_net *n)
{
	tcp_fl_destroy(&n->ab);
	tcp_fl_destroy(&n->ba);
	ns_stack_destroy(n->a);
	ns_stack_destroy(n->b);
}

static uint64_t min3(uint64_t x, uint64_t y, uint64_t z)
{
	uint64_t m = x < y ? x : y;
	return m < z ? m : z;
}

bool th_net_step(struct th_net *n)
{
	uint64_t next = min3(tcp_fl_next(&n->ab), tcp_fl_next(&n->ba),
			     ns_stack_next_deadline(n->a));
	uint64_t tb = ns_stack_next_deadline(n->b);
	if (tb < next)
		next = tb;
	if (next == UINT64_MAX)
		return false;
	if (next > n->now)
		n->now = next;
	n->steps++;
	struct deliver_ctx to_b = { n, n->b, n->b_if },
			   to_a = { n, n->a, n->a_if };
	tcp_fl_deliver(&n->ab, deliver, &to_b);
	tcp_fl_deliver(&n->ba, deliver, &to_a);
	if (ns_stack_next_deadline(n->a) <= n->now)
		ns_stack_timers(n->a);
	if (ns_stack_next_deadline(n->b) <= n->now)
		ns_stack_timers(n->b);
	return true;
}

bool th_net_run(struct th_net *n, bool (*done)(void *arg), void *arg,
		uint64_t deadline)
{
	while (!done(arg)) {
		if (n->now > deadline || !th_net_step(n))
			return done(arg);
	}
	return true;
}

void th_net_advance(struct th_net *n, uint64_t delta)
{
	uint64_t end = n->now + delta;
	for (;;) {
		uint64_t next = min3(tcp_fl_next(&n->ab), tcp_fl_next(&n->ba),
				     ns_stack_next_deadline(n->a));
		uint64_t tb = ns_stack_next_deadline(n->b);
		if (tb < next)
			next = tb;
		if (next > end)
			break;
		th_net_step(n);
	}
	n->now = end;
}

/* ---- Sockets ---------------------------------------------------------- */

static socklen_t make_addr(int family, const char *ip, uint16_t port,
			   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, ip, &s4->sin_addr);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &s6->sin6_addr);
	return sizeof(*s6);
}

struct ns_socket *th_listen(struct ns_stack *s, int family, const char *ip,
			    uint16_t port, int backlog)
{
	struct ns_socket *l;
	assert_int_equal(ns_socket_create(s, family, SOCK_STREAM, 0, &l), 0);
	struct sockaddr_storage ss;
	socklen_t len = make_addr(family, ip, port, &ss);
	assert_int_equal(ns_socket_bind(l, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(ns_socket_listen(l, backlog), 0);
	return l;
}

struct ns_socket *th_connect(struct ns_stack *s, int family, const char *ip,
			     uint16_t port)
{
	struct ns_socket *c;
	assert_int_equal(ns_socket_create(s, family, SOCK_STREAM, 0, &c), 0);
	struct sockaddr_storage ss;
	socklen_t len = make_addr(family, ip, port, &ss);
	assert_int_equal(ns_socket_connect(c, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	return c;
}

int th_getsockopt_int(struct ns_socket *s, int level, int name)
{
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(ns_socket_getsockopt(s, level, name, &v, &len), 0);
	return v;
}

void th_setsockopt_int(struct ns_socket *s, int level, int name, int v)
{
	assert_int_equal(ns_socket_setsockopt(s, level, name, &v, sizeof(v)),
			 0);
}

/* ---- Streams ------------------------------------------------------------ */

/* Byte i of the stream of seed: cheap, position-addressable. */
static uint8_t stream_byte(uint64_t seed, uint64_t i)
{
	uint64_t x = (i >> 3) * 0x9e3779b97f4a7c15ULL ^ seed;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return (uint8_t)(x >> ((i & 7) * 8));
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	/* FNV-1a, 64-bit. */
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define HASH_INIT 0xcbf29ce484222325ULL

void th_stream_init(struct th_stream *st, struct ns_socket *sock, uint64_t seed,
		    uint64_t total)
{
	memset(st, 0, sizeof(*st));
	st->sock = sock;
	st->seed = seed;
	st->total = total;
	st->hash = HASH_INIT;
}

#define PEND_SIZE 65536

void th_stream_free(struct th_stream *st)
{
	free(st->pend);
	st->pend = NULL;
}

void th_stream_write(struct th_stream *st)
{
	if (st->sock == NULL)
		return;
	while (st->done < st->total && !st->err) {
		if (st->pend_off == st->pend_len) {
			/* The next piece of the stream, generated once. */
			if (st->pend == NULL)
				st->pend = malloc(PEND_SIZE);
			uint64_t left = st->total - st->done;
			uint32_t n =
				left < PEND_SIZE ? (uint32_t)left : PEND_SIZE;
			for (uint32_t i = 0; i < n; i++)
				st->pend[i] =
					stream_byte(st->seed, st->done + i);
			st->pend_off = 0;
			st->pend_len = n;
		}
		uint8_t *p = st->pend + st->pend_off;
		size_t n = st->pend_len - st->pend_off;
		ssize_t r =
			ns_socket_sendto(st->sock, p, n, MSG_NOSIGNAL, NULL, 0);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			st->err = (int)r;
			return;
		}
		st->hash = hash_bytes(st->hash, p, (size_t)r);
		st->done += (uint64_t)r;
		st->pend_off += (uint32_t)r;
	}
	if (st->done == st->total && !st->shut && !st->err) {
		st->shut = true;
		ns_socket_shutdown(st->sock, SHUT_WR);
	}
}

void th_stream_read(struct th_stream *st)
{
	uint8_t buf[65536];
	if (st->sock == NULL)
		return;
	while (!st->eof && !st->err) {
		ssize_t r = ns_socket_recvfrom(st->sock, buf, sizeof(buf), 0,
					       NULL, NULL);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			st->err = (int)r;
			return;
		}
		if (r == 0) {
			st->eof = true;
			return;
		}
		st->hash = hash_bytes(st->hash, buf, (size_t)r);
		st->done += (uint64_t)r;
	}
}

uint64_t th_stream_expected_hash(uint64_t seed, uint64_t total)
{
	uint64_t h = HASH_INIT;
	uint8_t buf[4096];
	for (uint64_t off = 0; off < total; off += sizeof(buf)) {
		size_t n = total - off < sizeof(buf) ? (size_t)(total - off)
						     : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = stream_byte(seed, off + i);
		h = hash_bytes(h, buf, n);
	}
	return h;
}
