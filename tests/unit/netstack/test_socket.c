/* The socket API's Linux semantics on UDP sockets: creation errors,
 * bind rules and port sharing, connect/disconnect, send and receive
 * flags, buffers, poll and waiters, shutdown, options, control messages,
 * ioctls, faults in the caller's memory, introspection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <cmocka.h>

#include "harness.h"

static void test_create_errors(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_socket *k;
	struct ns_stack *st = s.e.stack;
	assert_int_equal(ns_socket_create(st, AF_UNIX, SOCK_DGRAM, 0, &k),
			 -EAFNOSUPPORT);
	assert_int_equal(ns_socket_create(st, AF_INET, 42, 0, &k), -EINVAL);
	assert_int_equal(ns_socket_create(st, AF_INET, SOCK_SEQPACKET, 0, &k),
			 -ESOCKTNOSUPPORT);
	assert_int_equal(
		ns_socket_create(st, AF_INET, SOCK_DGRAM, IPPROTO_TCP, &k),
		-EPROTONOSUPPORT);
	assert_int_equal(
		ns_socket_create(st, AF_INET, SOCK_RAW, IPPROTO_ICMP, &k),
		-EPERM);
	assert_int_equal(
		ns_socket_create(st, AF_INET,
				 SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
				 &k),
		0);
	int v;
	socklen_t len = sizeof(v);
	assert_int_equal(
		ns_socket_getsockopt(k, SOL_SOCKET, SO_PROTOCOL, &v, &len), 0);
	assert_int_equal(v, IPPROTO_UDP);
	ns_socket_getsockopt(k, SOL_SOCKET, SO_TYPE, &v, &len);
	assert_int_equal(v, SOCK_DGRAM);
	ns_socket_getsockopt(k, SOL_SOCKET, SO_DOMAIN, &v, &len);
	assert_int_equal(v, AF_INET);
	assert_int_equal(ns_socket_listen(k, 5), -EOPNOTSUPP);
	struct ns_socket *n;
	assert_int_equal(ns_socket_accept(k, &n, NULL, NULL, 0), -EOPNOTSUPP);
	ns_socket_close(k);
	nt_solo_free(&s);
}

static void test_bind_rules(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	struct ns_stack *st = s.e.stack;
	struct ns_socket *a, *b, *c;
	ns_socket_create(st, AF_INET, SOCK_DGRAM, 0, &a);
	struct sockaddr_in sin = nt_sin("10.0.0.1", 4000);
	assert_int_equal(ns_socket_bind(a, (struct sockaddr *)&sin, 8),
			 -EINVAL);
	struct sockaddr_in6 sin6 = nt_sin6("::", 4000);
	assert_int_equal(
		ns_socket_bind(a, (struct sockaddr *)&sin6, sizeof(sin6)),
		-EAFNOSUPPORT);
	sin = nt_sin("10.9.9.9", 4000);
	assert_int_equal(
		ns_socket_bind(a, (struct sockaddr *)&sin, sizeof(sin)),
		-EADDRNOTAVAIL);
	sin = nt_sin("10.0.0.1", 4000);
	assert_int_equal(
		ns_socket_bind(a, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(
		ns_socket_bind(a, (struct sockaddr *)&sin, sizeof(sin)),
		-EINVAL);
	/* The wildcard overlaps the bound address; 127.0.0.1 does not. */
	ns_socket_create(st, AF_INET, SOCK_DGRAM, 0, &b);
	sin = nt_sin("0.0.0.0", 4000);
	assert_int_equal(
		ns_socket_bind(b, (struct sockaddr *)&sin, sizeof(sin)),
		-EADDRINUSE);
	sin = nt_sin("127.0.0.1", 4000);
	assert_int_equal(
		ns_socket_bind(b, (struct sockaddr *)&sin, sizeof(sin)), 0);
	/* A dual-stack IPv6 wildcard overlaps IPv4. */
	ns_socket_create(st, AF_INET6, SOCK_DGRAM, 0, &c);
	sin6 = nt_sin6("::", 4000);
	assert_int_equal(
		ns_socket_bind(c, (struct sockaddr *)&sin6, sizeof(sin6)),
		-EADDRINUSE);
	sin6 = nt_sin6("fd00::1", 4000);
	assert_int_equal(
		ns_socket_bind(c, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	ns_socket_close(a);
	ns_socket_close(b);
	ns_socket_close(c);
	/* Freed ports are free again. */
	struct ns_socket *d = nt_udp(st, AF_INET6, "::", 4000);
	/* AF_UNSPEC with INADDR_ANY binds as AF_INET (Linux). */
	struct ns_socket *e;
	ns_socket_create(st, AF_INET, SOCK_DGRAM, 0, &e);
	sin = nt_sin("0.0.0.0", 4001);
	sin.sin_family = AF_UNSPEC;
	assert_int_equal(
		ns_socket_bind(e, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ns_socket_close(d);
	ns_socket_close(e);
	nt_solo_free(&s);
}

static int set_int(struct ns_socket *s, int level, int name, int v)
{
	return ns_socket_setsockopt(s, level, name, &v, sizeof(v));
}

static void test_reuseaddr_and_reuseport(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *r[4];
	struct sockaddr_in sin = nt_sin("0.0.0.0", 53);
	for (int i = 0; i < 4; i++) {
		ns_socket_create(p.a.stack, AF_INET, SOCK_DGRAM, 0, &r[i]);
		assert_int_equal(set_int(r[i], SOL_SOCKET, SO_REUSEPORT, 1), 0);
		assert_int_equal(ns_socket_bind(r[i], (struct sockaddr *)&sin,
						sizeof(sin)),
				 0);
	}
	/* 40 senders from different ports spread over the group, each
	 * flow staying on one socket. */
	struct ns_socket *tx[40];
	struct sockaddr_in to = nt_sin("10.0.0.1", 53);
	for (int i = 0; i < 40; i++) {
		tx[i] = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 0);
		ns_socket_sendto(tx[i], "a", 1, 0, (struct sockaddr *)&to,
				 sizeof(to));
		ns_socket_sendto(tx[i], "b", 1, 0, (struct sockaddr *)&to,
				 sizeof(to));
	}
	nt_pump(&p);
	int total = 0;
	for (int i = 0; i < 4; i++) {
		int n = 0;
		char buf[2];
		while (ns_socket_recvfrom(r[i], buf, 2, 0, NULL, NULL) == 1)
			n++;
		assert_true(n > 0);
		assert_true(n % 2 == 0);
		total += n;
	}
	assert_int_equal(total, 80);
	/* Without the option nobody joins. */
	struct ns_socket *x;
	ns_socket_create(p.a.stack, AF_INET, SOCK_DGRAM, 0, &x);
	assert_int_equal(
		ns_socket_bind(x, (struct sockaddr *)&sin, sizeof(sin)),
		-EADDRINUSE);
	/* SO_REUSEADDR on both: allowed, the last one bound gets
	 * unicast. */
	struct ns_socket *y1, *y2;
	ns_socket_create(p.a.stack, AF_INET, SOCK_DGRAM, 0, &y1);
	ns_socket_create(p.a.stack, AF_INET, SOCK_DGRAM, 0, &y2);
	set_int(y1, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int(y2, SOL_SOCKET, SO_REUSEADDR, 1);
	sin = nt_sin("0.0.0.0", 54);
	assert_int_equal(
		ns_socket_bind(y1, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(
		ns_socket_bind(y2, (struct sockaddr *)&sin, sizeof(sin)), 0);
	to = nt_sin("10.0.0.1", 54);
	ns_socket_sendto(tx[0], "c", 1, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	char buf[2];
	assert_int_equal(ns_socket_recvfrom(y2, buf, 2, 0, NULL, NULL), 1);
	assert_int_equal(ns_socket_recvfrom(y1, buf, 2, 0, NULL, NULL),
			 -EAGAIN);
	for (int i = 0; i < 40; i++)
		ns_socket_close(tx[i]);
	for (int i = 0; i < 4; i++)
		ns_socket_close(r[i]);
	ns_socket_close(x);
	ns_socket_close(y1);
	ns_socket_close(y2);
	nt_pair_free(&p);
}

static void test_ephemeral_ports(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	enum { N = 200 };
	struct ns_socket *k[N];
	uint16_t seen[N];
	for (int i = 0; i < N; i++) {
		k[i] = nt_udp(s.e.stack, AF_INET, "0.0.0.0", 0);
		struct sockaddr_in name;
		socklen_t len = sizeof(name);
		assert_int_equal(ns_socket_getsockname(
					 k[i], (struct sockaddr *)&name, &len),
				 0);
		seen[i] = ntohs(name.sin_port);
		assert_true(seen[i] >= 32768 && seen[i] <= 60999);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(seen[i], seen[j]);
	}
	for (int i = 0; i < N; i++)
		ns_socket_close(k[i]);
	nt_solo_free(&s);
}

static void test_connect_filters_and_disconnect(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a;
	ns_socket_create(p.a.stack, AF_INET, SOCK_DGRAM, 0, &a);
	struct sockaddr_in name;
	socklen_t len = sizeof(name);
	assert_int_equal(
		ns_socket_getpeername(a, (struct sockaddr *)&name, &len),
		-ENOTCONN);
	assert_int_equal(ns_socket_sendto(a, "x", 1, 0, NULL, 0),
			 -EDESTADDRREQ);
	struct sockaddr_in to = nt_sin("10.0.0.2", 7);
	assert_int_equal(
		ns_socket_connect(a, (struct sockaddr *)&to, sizeof(to)), 0);
	/* connect bound a port and the source address (Linux). */
	len = sizeof(name);
	ns_socket_getsockname(a, (struct sockaddr *)&name, &len);
	assert_int_equal(name.sin_addr.s_addr,
			 nt_sin("10.0.0.1", 0).sin_addr.s_addr);
	uint16_t port = ntohs(name.sin_port);
	assert_true(port >= 32768);
	len = sizeof(name);
	assert_int_equal(
		ns_socket_getpeername(a, (struct sockaddr *)&name, &len), 0);
	assert_int_equal(ntohs(name.sin_port), 7);
	/* Only the peer gets through. */
	struct ns_socket *b7 = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 7);
	struct ns_socket *b8 = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 8);
	struct sockaddr_in back = nt_sin("10.0.0.1", port);
	ns_socket_sendto(b8, "no", 2, 0, (struct sockaddr *)&back,
			 sizeof(back));
	ns_socket_sendto(b7, "yes", 3, 0, (struct sockaddr *)&back,
			 sizeof(back));
	nt_pump(&p);
	char buf[8];
	assert_int_equal(ns_socket_recvfrom(a, buf, 8, 0, NULL, NULL), 3);
	assert_int_equal(ns_socket_recvfrom(a, buf, 8, 0, NULL, NULL), -EAGAIN);
	/* AF_UNSPEC dissolves the association; the port stays? Linux
	 * keeps it only when bind() chose it: here connect did. */
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	assert_int_equal(ns_socket_connect(a, &unspec, sizeof(unspec)), 0);
	len = sizeof(name);
	assert_int_equal(
		ns_socket_getpeername(a, (struct sockaddr *)&name, &len),
		-ENOTCONN);
	len = sizeof(name);
	ns_socket_getsockname(a, (struct sockaddr *)&name, &len);
	assert_int_equal(name.sin_port, 0);
	assert_int_equal(name.sin_addr.s_addr, 0);
	/* Broadcast needs SO_BROADCAST. */
	to = nt_sin("10.0.0.255", 7);
	assert_int_equal(
		ns_socket_connect(a, (struct sockaddr *)&to, sizeof(to)),
		-EACCES);
	to = nt_sin("192.0.2.1", 7);
	assert_int_equal(
		ns_socket_connect(a, (struct sockaddr *)&to, sizeof(to)),
		-ENETUNREACH);
	ns_socket_close(a);
	ns_socket_close(b7);
	ns_socket_close(b8);
	nt_pair_free(&p);
}

static void test_broadcast(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b1 = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 67);
	struct ns_socket *b2;
	ns_socket_create(p.b.stack, AF_INET6, SOCK_DGRAM, 0, &b2);
	struct sockaddr_in6 any = nt_sin6("::", 67);
	set_int(b1, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int(b2, SOL_SOCKET, SO_REUSEADDR, 1);
	assert_int_equal(
		ns_socket_bind(b2, (struct sockaddr *)&any, sizeof(any)), 0);
	struct ns_socket *bound;
	ns_socket_create(p.b.stack, AF_INET, SOCK_DGRAM, 0, &bound);
	set_int(bound, SOL_SOCKET, SO_REUSEADDR, 1);
	struct sockaddr_in uni = nt_sin("10.0.0.2", 67);
	assert_int_equal(
		ns_socket_bind(bound, (struct sockaddr *)&uni, sizeof(uni)), 0);
	struct sockaddr_in to = nt_sin("255.255.255.255", 67);
	assert_int_equal(ns_socket_sendto(a, "hi", 2, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -EACCES);
	set_int(a, SOL_SOCKET, SO_BROADCAST, 1);
	assert_int_equal(ns_socket_sendto(a, "hi", 2, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 2);
	to = nt_sin("10.0.0.255", 67);
	assert_int_equal(ns_socket_sendto(a, "hi", 2, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 2);
	nt_pump(&p);
	/* Both wildcard sockets get each, the one bound to a unicast
	 * address none. */
	char buf[4];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ns_socket_recvfrom(b1, buf, 4, 0, NULL, NULL),
				 2);
		assert_int_equal(ns_socket_recvfrom(b2, buf, 4, 0, NULL, NULL),
				 2);
	}
	assert_int_equal(ns_socket_recvfrom(bound, buf, 4, 0, NULL, NULL),
			 -EAGAIN);
	assert_int_equal(nt_stat(p.b.stack, "IpExt.InBcastPkts"), 2);
	assert_int_equal(nt_stat(p.a.stack, "IpExt.OutBcastPkts"), 2);
	/* Broadcasts to a port nobody has are ignored, not answered. */
	to = nt_sin("10.0.0.255", 99);
	ns_socket_sendto(a, "hi", 2, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	assert_int_equal(nt_stat(p.b.stack, "Udp.IgnoredMulti"), 1);
	assert_int_equal(nt_stat(p.b.stack, "Icmp.OutDestUnreachs"), 0);
	ns_socket_close(a);
	ns_socket_close(b1);
	ns_socket_close(b2);
	ns_socket_close(bound);
	nt_pair_free(&p);
}

/* A loopback pair of sockets on one stack. */
struct loop {
	struct nt_solo s;
	struct ns_socket *tx, *rx;
	struct sockaddr_in to;
};

static void loop_init(struct loop *l)
{
	nt_solo_init(&l->s, 0, 0);
	l->rx = nt_udp(l->s.e.stack, AF_INET, "127.0.0.1", 9000);
	l->tx = nt_udp(l->s.e.stack, AF_INET, "127.0.0.1", 9001);
	l->to = nt_sin("127.0.0.1", 9000);
}

static void loop_send(struct loop *l, const void *data, size_t len)
{
	assert_int_equal(ns_socket_sendto(l->tx, data, len, 0,
					  (struct sockaddr *)&l->to,
					  sizeof(l->to)),
			 (ssize_t)len);
}

static void loop_free(struct loop *l)
{
	ns_socket_close(l->tx);
	ns_socket_close(l->rx);
	nt_solo_free(&l->s);
}

static void test_recv_flags(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l);
	loop_send(&l, "0123456789", 10);
	loop_send(&l, "", 0);
	char buf[16];
	/* MSG_PEEK leaves it queued. */
	assert_int_equal(
		ns_socket_recvfrom(l.rx, buf, 16, MSG_PEEK, NULL, NULL), 10);
	/* A short buffer truncates; MSG_TRUNC returns the real length. */
	struct iovec iov = { buf, 4 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	assert_int_equal(
		ns_socket_recvmsg(l.rx, &msg, MSG_TRUNC | MSG_PEEK, NULL), 10);
	assert_true(msg.msg_flags & MSG_TRUNC);
	assert_int_equal(ns_socket_recvmsg(l.rx, &msg, 0, NULL), 4);
	assert_true(msg.msg_flags & MSG_TRUNC);
	assert_memory_equal(buf, "0123", 4);
	/* The empty datagram is a datagram. */
	int avail = -1;
	assert_int_equal(ns_socket_ioctl(l.rx, FIONREAD, &avail), 0);
	assert_int_equal(avail, 0);
	assert_true(ns_socket_poll(l.rx) & EPOLLIN);
	assert_int_equal(
		ns_socket_recvfrom(l.rx, buf, 16, MSG_DONTWAIT, NULL, NULL), 0);
	assert_int_equal(ns_socket_recvfrom(l.rx, buf, 16, 0, NULL, NULL),
			 -EAGAIN);
	assert_false(ns_socket_poll(l.rx) & EPOLLIN);
	/* Scatter over several iovecs. */
	loop_send(&l, "abcdefgh", 8);
	char x[3], y[3], z[8];
	struct iovec v3[3] = { { x, 3 }, { y, 3 }, { z, 8 } };
	struct msghdr m3 = { .msg_iov = v3, .msg_iovlen = 3 };
	assert_int_equal(ns_socket_recvmsg(l.rx, &m3, 0, NULL), 8);
	assert_memory_equal(x, "abc", 3);
	assert_memory_equal(y, "def", 3);
	assert_memory_equal(z, "gh", 2);
	assert_int_equal(ns_socket_sendto(l.tx, "x", 1, MSG_OOB,
					  (struct sockaddr *)&l.to,
					  sizeof(l.to)),
			 -EOPNOTSUPP);
	struct sockaddr_in port0 = nt_sin("127.0.0.1", 0);
	assert_int_equal(ns_socket_sendto(l.tx, "x", 1, 0,
					  (struct sockaddr *)&port0,
					  sizeof(port0)),
			 -EINVAL);
	loop_free(&l);
}

static void test_receive_buffer_limit(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l);
	assert_int_equal(set_int(l.rx, SOL_SOCKET, SO_RCVBUF, 1), 0);
	int v;
	socklen_t len = sizeof(v);
	ns_socket_getsockopt(l.rx, SOL_SOCKET, SO_RCVBUF, &v, &len);
	assert_int_equal(v, 4608); /* Linux's minimum */
	set_int(l.rx, SOL_SOCKET, SO_RXQ_OVFL, 1);
	static char data[1000];
	for (int i = 0; i < 20; i++)
		loop_send(&l, data, sizeof(data));
	uint64_t drops = nt_stat(l.s.e.stack, "Udp.RcvbufErrors");
	assert_true(drops > 10);
	assert_int_equal(nt_stat(l.s.e.stack, "Udp.InErrors"), drops);
	assert_int_equal(nt_stat(l.s.e.stack, "Udp.InDatagrams"), 20 - drops);
	char ctl[64];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	assert_int_equal(ns_socket_recvmsg(l.rx, &msg, 0, NULL), 1000);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SO_RXQ_OVFL);
	uint32_t reported;
	memcpy(&reported, CMSG_DATA(c), 4);
	assert_int_equal(reported, drops);
	/* Reading frees room. */
	while (ns_socket_recvfrom(l.rx, data, sizeof(data), 0, NULL, NULL) > 0)
		;
	loop_send(&l, data, sizeof(data));
	assert_int_equal(nt_stat(l.s.e.stack, "Udp.RcvbufErrors"), drops);
	loop_free(&l);
}

struct waiter {
	struct ns_waiter w;
	int calls;
	uint32_t last;
};

static void on_event(struct ns_waiter *w, uint32_t events)
{
	struct waiter *x = (struct waiter *)w;
	x->calls++;
	x->last = events;
}

static void test_poll_and_waiters(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l);
	struct waiter in = { .w = { .notify = on_event, .mask = EPOLLIN } };
	struct waiter all = { .w = { .notify = on_event } };
	struct waiter err = { .w = { .notify = on_event, .mask = EPOLLERR } };
	ns_socket_wait_add(l.rx, &in.w);
	ns_socket_wait_add(l.rx, &all.w);
	ns_socket_wait_add(l.rx, &err.w);
	uint32_t ev = ns_socket_poll(l.rx);
	assert_int_equal(ev, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	loop_send(&l, "a", 1);
	loop_send(&l, "b", 1);
	/* One notification per datagram (edge-triggered epoll needs them
	 * even when already readable). */
	assert_int_equal(in.calls, 2);
	assert_int_equal(all.calls, 2);
	assert_int_equal(err.calls, 0);
	assert_true(in.last & EPOLLIN);
	ns_socket_wait_del(l.rx, &in.w);
	ns_socket_wait_del(l.rx, &in.w);
	loop_send(&l, "c", 1);
	assert_int_equal(in.calls, 2);
	assert_int_equal(all.calls, 3);
	ns_socket_close(l.rx);
	/* Closing forgot the waiters: nothing more. */
	l.rx = nt_udp(l.s.e.stack, AF_INET, "127.0.0.1", 9000);
	loop_send(&l, "d", 1);
	assert_int_equal(all.calls, 3);
	loop_free(&l);
}

static void test_shutdown(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l);
	/* Unconnected: ENOTCONN, but recorded (Linux). */
	assert_int_equal(ns_socket_shutdown(l.rx, SHUT_RD), -ENOTCONN);
	assert_int_equal(ns_socket_shutdown(l.rx, 7), -EINVAL);
	uint32_t ev = ns_socket_poll(l.rx);
	assert_true(ev & EPOLLRDHUP);
	assert_true(ev & EPOLLIN);
	char buf[4];
	assert_int_equal(ns_socket_recvfrom(l.rx, buf, 4, 0, NULL, NULL), 0);
	ns_socket_connect(l.tx, (struct sockaddr *)&l.to, sizeof(l.to));
	assert_int_equal(ns_socket_shutdown(l.tx, SHUT_WR), 0);
	assert_int_equal(ns_socket_sendto(l.tx, "x", 1, 0, NULL, 0), -EPIPE);
	assert_int_equal(ns_socket_shutdown(l.tx, SHUT_RD), 0);
	assert_true(ns_socket_poll(l.tx) & EPOLLHUP);
	loop_free(&l);
}

static void test_options(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l);
	struct ns_socket *s = l.tx;
	int v;
	socklen_t len;
	/* Linux doubles SO_SNDBUF/SO_RCVBUF and caps at wmem_max. */
	set_int(s, SOL_SOCKET, SO_SNDBUF, 65536);
	len = sizeof(v);
	ns_socket_getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len);
	assert_int_equal(v, 131072);
	set_int(s, SOL_SOCKET, SO_SNDBUF, 1 << 30);
	ns_socket_getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len);
	assert_int_equal(v, 2 * 212992);
	/* Short buffers, unknown options, bad values. */
	assert_int_equal(
		ns_socket_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2),
		-EINVAL);
	assert_int_equal(set_int(s, SOL_SOCKET, 999, 1), -ENOPROTOOPT);
	assert_int_equal(set_int(s, 250, 1, 1), -ENOPROTOOPT);
	assert_int_equal(set_int(s, IPPROTO_IPV6, IPV6_V6ONLY, 1),
			 -ENOPROTOOPT);
	assert_int_equal(set_int(s, IPPROTO_IP, IP_TTL, 0), -EINVAL);
	assert_int_equal(set_int(s, IPPROTO_IP, IP_TTL, 256), -EINVAL);
	assert_int_equal(set_int(s, SOL_SOCKET, SO_SNDLOWAT, 5), -ENOPROTOOPT);
	assert_int_equal(set_int(s, SOL_SOCKET, SO_TYPE, 5), -ENOPROTOOPT);
	/* IP_TTL: -1 means the default. */
	assert_int_equal(set_int(s, IPPROTO_IP, IP_TTL, 7), 0);
	len = sizeof(v);
	ns_socket_getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len);
	assert_int_equal(v, 7);
	set_int(s, IPPROTO_IP, IP_TTL, -1);
	ns_socket_getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len);
	assert_int_equal(v, 64);
	/* A one-byte value works for IP options (ip_setsockopt). */
	uint8_t tos = 0x10;
	assert_int_equal(ns_socket_setsockopt(s, IPPROTO_IP, IP_TOS, &tos, 1),
			 0);
	uint8_t got = 0;
	len = 1;
	ns_socket_getsockopt(s, IPPROTO_IP, IP_TOS, &got, &len);
	assert_int_equal(len, 1);
	assert_int_equal(got, 0x10);
	/* Timeouts are stored for the caller. */
	struct timeval tv = { .tv_sec = 3, .tv_usec = 5 };
	assert_int_equal(ns_socket_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv,
					      sizeof(tv)),
			 0);
	tv.tv_usec = 1000000;
	assert_int_equal(ns_socket_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv,
					      sizeof(tv)),
			 -EDOM);
	struct timeval out;
	len = sizeof(out);
	ns_socket_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &out, &len);
	assert_int_equal(out.tv_sec, 3);
	assert_int_equal(out.tv_usec, 5);
	/* SO_BINDTODEVICE by name. */
	assert_int_equal(
		ns_socket_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 5),
		0);
	char dev[16];
	len = sizeof(dev);
	ns_socket_getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, &len);
	assert_string_equal(dev, "eth0");
	assert_int_equal(ns_socket_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE,
					      "nope0", 6),
			 -ENODEV);
	struct linger lg = { 1, 5 };
	assert_int_equal(
		ns_socket_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
		0);
	len = sizeof(lg);
	memset(&lg, 0, sizeof(lg));
	ns_socket_getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len);
	assert_int_equal(lg.l_onoff, 1);
	assert_int_equal(lg.l_linger, 5);
	/* IP_MULTICAST_IF with a struct ip_mreq: the interface is its
	 * second field, as Linux reads it. */
	struct ip_mreq mr;
	inet_pton(AF_INET, "224.0.0.1", &mr.imr_multiaddr);
	inet_pton(AF_INET, "127.0.0.1", &mr.imr_interface);
	assert_int_equal(ns_socket_setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF,
					      &mr, sizeof(mr)),
			 0);
	struct in_addr mc_if;
	len = sizeof(mc_if);
	ns_socket_getsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &mc_if, &len);
	assert_memory_equal(&mc_if, &mr.imr_interface, 4);
	loop_free(&l);
}

static int get_int_opt(struct ns_socket *s, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	int r = ns_socket_getsockopt(s, level, name, &v, &len);
	return r < 0 ? r : v;
}

/* Option corners as Linux answers them: an unreadable value of a known
 * option is EFAULT after the length check; an empty IP option value is
 * 0 (do_ip_setsockopt); SO_RCVBUF -1 is the maximum (min_t(u32, ...)); a
 * stream keeps its ECN bits of IP_TOS and the priority follows the TOS
 * (__ip_sock_set_tos); getsockopt of a level an IPv4 socket does not
 * know is EOPNOTSUPP (ip_getsockopt), of an IPv6 socket ENOPROTOOPT. */
static void test_option_corners(void **state)
{
	(void)state;
	struct nt_solo so;
	nt_solo_init(&so, 0, 0);
	struct ns_socket *u, *t, *u6;
	assert_int_equal(
		ns_socket_create(so.e.stack, AF_INET, SOCK_DGRAM, 0, &u), 0);
	assert_int_equal(
		ns_socket_create(so.e.stack, AF_INET, SOCK_STREAM, 0, &t), 0);
	assert_int_equal(
		ns_socket_create(so.e.stack, AF_INET6, SOCK_DGRAM, 0, &u6), 0);
	assert_int_equal(
		ns_socket_setsockopt(u, SOL_SOCKET, SO_REUSEADDR, NULL, 4),
		-EFAULT);
	assert_int_equal(
		ns_socket_setsockopt(u, SOL_SOCKET, SO_REUSEADDR, NULL, 2),
		-EINVAL);
	assert_int_equal(set_int(u, IPPROTO_IP, IP_TOS, 0x28), 0);
	assert_int_equal(ns_socket_setsockopt(u, IPPROTO_IP, IP_TOS, NULL, 0),
			 0);
	assert_int_equal(get_int_opt(u, IPPROTO_IP, IP_TOS), 0);
	assert_int_equal(ns_socket_setsockopt(u, IPPROTO_IP, IP_TTL, NULL, 0),
			 -EINVAL);
	assert_int_equal(set_int(u, SOL_SOCKET, SO_RCVBUF, -1), 0);
	assert_int_equal(get_int_opt(u, SOL_SOCKET, SO_RCVBUF), 2 * 212992);
	assert_int_equal(set_int(t, IPPROTO_IP, IP_TOS, 0x13), 0);
	assert_int_equal(get_int_opt(t, IPPROTO_IP, IP_TOS), 0x10);
	assert_int_equal(get_int_opt(t, SOL_SOCKET, SO_PRIORITY), 6);
	assert_int_equal(set_int(t, IPPROTO_IP, IP_MULTICAST_TTL, 2), -EINVAL);
	assert_int_equal(get_int_opt(u, IPPROTO_TCP, TCP_NODELAY), -EOPNOTSUPP);
	assert_int_equal(get_int_opt(u, IPPROTO_IPV6, IPV6_V6ONLY),
			 -EOPNOTSUPP);
	assert_int_equal(get_int_opt(t, 12345, 1), -EOPNOTSUPP);
	assert_int_equal(get_int_opt(u, IPPROTO_IP, 12345), -ENOPROTOOPT);
	assert_int_equal(get_int_opt(u6, IPPROTO_TCP, TCP_NODELAY),
			 -ENOPROTOOPT);
	assert_int_equal(set_int(u, IPPROTO_TCP, TCP_NODELAY, 1), -ENOPROTOOPT);
	ns_socket_close(u);
	ns_socket_close(t);
	ns_socket_close(u6);
	nt_solo_free(&so);
}

static void test_control_messages(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 53);
	set_int(b, IPPROTO_IP, IP_PKTINFO, 1);
	set_int(b, IPPROTO_IP, IP_RECVTTL, 1);
	set_int(b, IPPROTO_IP, IP_RECVTOS, 1);
	set_int(b, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	/* TTL and TOS chosen per message. */
	char cbuf[CMSG_SPACE(sizeof(int)) * 2];
	memset(cbuf, 0, sizeof(cbuf));
	struct sockaddr_in to = nt_sin("10.0.0.2", 53);
	char ctlmsg[] = "ctl";
	struct iovec iov = { ctlmsg, 3 };
	struct msghdr m = { .msg_name = &to,
			    .msg_namelen = sizeof(to),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TTL;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	int ttl = 9;
	memcpy(CMSG_DATA(c), &ttl, sizeof(ttl));
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TOS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	int tos = 0x20;
	memcpy(CMSG_DATA(c), &tos, sizeof(tos));
	assert_int_equal(ns_socket_sendmsg(a, &m, 0, NULL), 3);
	nt_pump(&p);
	char data[8], ctl[256];
	struct iovec riov = { data, sizeof(data) };
	struct msghdr r = { .msg_iov = &riov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	assert_int_equal(ns_socket_recvmsg(b, &r, 0, NULL), 3);
	int found = 0;
	for (c = CMSG_FIRSTHDR(&r); c; c = CMSG_NXTHDR(&r, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			int t;
			memcpy(&t, CMSG_DATA(c), sizeof(t));
			assert_int_equal(t, 9);
			found |= 1;
		} else if (c->cmsg_level == IPPROTO_IP &&
			   c->cmsg_type == IP_TOS) {
			assert_int_equal(*CMSG_DATA(c), 0x20);
			found |= 2;
		} else if (c->cmsg_level == IPPROTO_IP &&
			   c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			assert_int_equal(pi.ipi_ifindex, p.b.ifindex);
			assert_int_equal(pi.ipi_addr.s_addr,
					 to.sin_addr.s_addr);
			found |= 4;
		} else if (c->cmsg_level == SOL_SOCKET &&
			   c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			assert_int_equal((uint64_t)ts.tv_sec, p.now / NT_SEC);
			found |= 8;
		}
	}
	assert_int_equal(found, 15);
	/* A control buffer too small for all of it: MSG_CTRUNC. */
	ns_socket_sendto(a, "ctl", 3, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	r.msg_controllen = CMSG_SPACE(sizeof(int));
	assert_int_equal(ns_socket_recvmsg(b, &r, 0, NULL), 3);
	assert_true(r.msg_flags & MSG_CTRUNC);
	/* Bad control messages are refused. */
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_type = 9999;
	assert_int_equal(ns_socket_sendmsg(a, &m, 0, NULL), -EINVAL);
	c->cmsg_type = IP_TTL;
	c->cmsg_len = 3;
	assert_int_equal(ns_socket_sendmsg(a, &m, 0, NULL), -EINVAL);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static void test_v6_control_messages(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET6, "::", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET6, "::", 53);
	set_int(b, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	set_int(b, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	set_int(a, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 17);
	struct sockaddr_in6 to = nt_sin6("fd00::2", 53);
	ns_socket_sendto(a, "v6", 2, 0, (struct sockaddr *)&to, sizeof(to));
	nt_pump(&p);
	char data[8], ctl[256];
	struct iovec riov = { data, sizeof(data) };
	struct msghdr r = { .msg_iov = &riov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	assert_int_equal(ns_socket_recvmsg(b, &r, 0, NULL), 2);
	int found = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&r); c; c = CMSG_NXTHDR(&r, c)) {
		assert_int_equal(c->cmsg_level, IPPROTO_IPV6);
		if (c->cmsg_type == IPV6_HOPLIMIT) {
			int h;
			memcpy(&h, CMSG_DATA(c), sizeof(h));
			assert_int_equal(h, 17);
			found |= 1;
		} else if (c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			assert_memory_equal(&pi.ipi6_addr, &to.sin6_addr, 16);
			found |= 2;
		}
	}
	assert_int_equal(found, 3);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static int fail_copy(void *ctx, void *dst, const void *src, size_t len)
{
	(void)ctx;
	(void)dst;
	(void)src;
	(void)len;
	return -EFAULT;
}

static int plain_copy(void *ctx, void *dst, const void *src, size_t len)
{
	(*(int *)ctx)++;
	memcpy(dst, src, len);
	return 0;
}

static uint16_t local_port_of(struct ns_socket *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	assert_int_equal(ns_socket_getsockname(s, (struct sockaddr *)&ss, &len),
			 0);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static ssize_t send_cmsg(struct ns_socket *s, const struct sockaddr_in *to,
			 int level, int type)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	char x[] = "x";
	struct iovec iov = { x, 1 };
	struct msghdr m = { .msg_name = (void *)to,
			    .msg_namelen = sizeof(*to),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	return ns_socket_sendmsg(s, &m, 0, NULL);
}

/* The destination of a UDP send as Linux's udp_sendmsg and udpv6_sendmsg
 * read it, and the port a send binds first (inet_send_prepare) even when
 * it then fails; which control messages count (ip_cmsg_send,
 * __sock_cmsg_send). */
static void test_send_destination_and_cmsg_forms(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *r = nt_udp(p.b.stack, AF_INET, "0.0.0.0", 53);
	struct ns_socket *u;
	assert_int_equal(
		ns_socket_create(p.a.stack, AF_INET, SOCK_DGRAM, 0, &u), 0);
	struct sockaddr_in to = nt_sin("10.0.0.2", 53);
	/* An address of length 0 is too short; the socket has a port. */
	assert_int_equal(
		ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to, 0),
		-EINVAL);
	assert_int_not_equal(local_port_of(u), 0);
	/* AF_UNSPEC is taken as AF_INET; another family is refused. */
	to.sin_family = AF_UNSPEC;
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	to.sin_family = 12345;
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -EAFNOSUPPORT);
	to.sin_family = AF_INET;
	/* Control messages: other levels are ignored, SCM_RIGHTS too; an
	 * unknown SOL_SOCKET or IP type is EINVAL. */
	assert_int_equal(send_cmsg(u, &to, 12345, 1), 1);
	assert_int_equal(send_cmsg(u, &to, IPPROTO_IPV6, IPV6_HOPLIMIT), 1);
	assert_int_equal(send_cmsg(u, &to, SOL_SOCKET, SCM_RIGHTS), 1);
	assert_int_equal(send_cmsg(u, &to, SOL_SOCKET, 12345), -EINVAL);
	assert_int_equal(send_cmsg(u, &to, IPPROTO_IP, 12345), -EINVAL);
	nt_pump(&p);
	char buf[4];
	int got = 0;
	while (ns_socket_recvfrom(r, buf, sizeof(buf), 0, NULL, NULL) >= 0)
		got++;
	assert_int_equal(got, 4);
	ns_socket_close(u);
	/* IPv6: AF_UNSPEC names no destination, an unknown family is
	 * EINVAL, an AF_INET one goes the IPv4 way unless V6ONLY. */
	assert_int_equal(
		ns_socket_create(p.a.stack, AF_INET6, SOCK_DGRAM, 0, &u), 0);
	struct sockaddr_in6 to6 = nt_sin6("fd00::2", 53);
	to6.sin6_family = AF_UNSPEC;
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to6,
					  sizeof(to6)),
			 -EDESTADDRREQ);
	to6.sin6_family = 12345;
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to6,
					  sizeof(to6)),
			 -EINVAL);
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	/* V6ONLY can only be set before the socket has a port. */
	assert_int_equal(set_int(u, IPPROTO_IPV6, IPV6_V6ONLY, 1), -EINVAL);
	ns_socket_close(u);
	assert_int_equal(
		ns_socket_create(p.a.stack, AF_INET6, SOCK_DGRAM, 0, &u), 0);
	assert_int_equal(set_int(u, IPPROTO_IPV6, IPV6_V6ONLY, 1), 0);
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 -ENETUNREACH);
	ns_socket_close(u);
	ns_socket_close(r);
	nt_pair_free(&p);
}

/* Received control messages in Linux's order (timestamp, SO_RXQ_OVFL,
 * IPV6_PKTINFO, then the IPv4 ones for an IPv4 datagram on a dual-stack
 * socket), and SIOCGSTAMP: ENOENT before any datagram, then the last
 * one's receive time. */
static void test_receive_cmsg_order_and_stamp(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 0);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET6, "::", 53);
	struct timeval tv;
	assert_int_equal(ns_socket_ioctl(b, SIOCGSTAMP, &tv), -ENOENT);
	set_int(b, IPPROTO_IP, IP_PKTINFO, 1);
	set_int(b, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	set_int(b, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	set_int(b, SOL_SOCKET, SO_RXQ_OVFL, 1);
	set_int(b, SOL_SOCKET, SO_TIMESTAMP, 1);
	struct sockaddr_in to = nt_sin("10.0.0.2", 53);
	assert_int_equal(ns_socket_sendto(a, "v4", 2, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 2);
	nt_pump(&p);
	char data[8], ctl[256];
	struct iovec riov = { data, sizeof(data) };
	struct msghdr r = { .msg_iov = &riov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	assert_int_equal(ns_socket_recvmsg(b, &r, 0, NULL), 2);
	static const int want[][2] = { { SOL_SOCKET, SO_TIMESTAMP },
				       { SOL_SOCKET, SO_RXQ_OVFL },
				       { IPPROTO_IPV6, IPV6_PKTINFO },
				       { IPPROTO_IP, IP_PKTINFO } };
	size_t i = 0;
	struct timeval stamp = { 0 };
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&r); c;
	     c = CMSG_NXTHDR(&r, c), i++) {
		assert_true(i < 4);
		assert_int_equal(c->cmsg_level, want[i][0]);
		assert_int_equal(c->cmsg_type, want[i][1]);
		if (i == 0)
			memcpy(&stamp, CMSG_DATA(c), sizeof(stamp));
	}
	assert_int_equal(i, 4);
	assert_int_equal(ns_socket_ioctl(b, SIOCGSTAMP, &tv), 0);
	assert_int_equal(tv.tv_sec, stamp.tv_sec);
	assert_int_equal(tv.tv_usec, stamp.tv_usec);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

static void test_memio(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l);
	int calls = 0;
	struct ns_memio good = { plain_copy, plain_copy, &calls };
	struct ns_memio bad = { fail_copy, fail_copy, NULL };
	char abc[] = "abc";
	struct iovec iov = { abc, 3 };
	struct msghdr m = { .msg_name = &l.to,
			    .msg_namelen = sizeof(l.to),
			    .msg_iov = &iov,
			    .msg_iovlen = 1 };
	assert_int_equal(ns_socket_sendmsg(l.tx, &m, 0, &bad), -EFAULT);
	assert_int_equal(ns_socket_sendmsg(l.tx, &m, 0, &good), 3);
	assert_int_equal(calls, 1);
	ns_socket_sendmsg(l.tx, &m, 0, &good);
	char buf[8];
	struct iovec riov = { buf, sizeof(buf) };
	struct msghdr r = { .msg_iov = &riov, .msg_iovlen = 1 };
	/* A fault while copying out loses the datagram (Linux). */
	assert_int_equal(ns_socket_recvmsg(l.rx, &r, 0, &bad), -EFAULT);
	assert_int_equal(ns_socket_recvmsg(l.rx, &r, 0, &good), 3);
	assert_int_equal(ns_socket_recvmsg(l.rx, &r, 0, &good), -EAGAIN);
	/* Hostile iovecs. */
	struct iovec many[1025];
	m.msg_iov = many;
	m.msg_iovlen = 1025;
	assert_int_equal(ns_socket_sendmsg(l.tx, &m, 0, NULL), -EMSGSIZE);
	struct iovec huge[2] = { { buf, SIZE_MAX / 2 }, { buf, SIZE_MAX / 2 } };
	m.msg_iov = huge;
	m.msg_iovlen = 2;
	assert_int_equal(ns_socket_sendmsg(l.tx, &m, 0, NULL), -EINVAL);
	m.msg_iov = NULL;
	assert_int_equal(ns_socket_sendmsg(l.tx, &m, 0, NULL), -EFAULT);
	loop_free(&l);
}

struct info_q {
	int udp4, udp6;
};

static int count_sockets(void *arg, const struct ns_socket_info *info)
{
	struct info_q *q = arg;
	if (info->protocol == IPPROTO_UDP && info->family == AF_INET) {
		q->udp4++;
		assert_int_equal(info->state, 7); /* TCP_CLOSE */
		assert_true(info->local_port == 9000 ||
			    info->local_port == 9001);
	} else if (info->protocol == IPPROTO_UDP) {
		q->udp6++;
	}
	return 0;
}

static void test_introspection(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l);
	loop_send(&l, "abc", 3);
	struct ns_socket_info info;
	ns_socket_get_info(l.rx, &info);
	assert_true(info.rx_queue > 3);
	assert_int_equal(info.local_port, 9000);
	uint8_t lo[4];
	nt_ip4("127.0.0.1", lo);
	assert_memory_equal(info.local_addr, lo, 4);
	struct info_q q = { 0, 0 };
	ns_stack_foreach_socket(l.s.e.stack, count_sockets, &q);
	assert_int_equal(q.udp4, 2);
	assert_int_equal(q.udp6, 0);
	loop_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_bind_rules),
		cmocka_unit_test(test_reuseaddr_and_reuseport),
		cmocka_unit_test(test_ephemeral_ports),
		cmocka_unit_test(test_connect_filters_and_disconnect),
		cmocka_unit_test(test_broadcast),
		cmocka_unit_test(test_recv_flags),
		cmocka_unit_test(test_receive_buffer_limit),
		cmocka_unit_test(test_poll_and_waiters),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_option_corners),
		cmocka_unit_test(test_control_messages),
		cmocka_unit_test(test_v6_control_messages),
		cmocka_unit_test(test_send_destination_and_cmsg_forms),
		cmocka_unit_test(test_receive_cmsg_order_and_stamp),
		cmocka_unit_test(test_memio),
		cmocka_unit_test(test_introspection),
	};
	return cmocka_run_group_tests_name("netstack/socket", tests, NULL,
					   NULL);
}
