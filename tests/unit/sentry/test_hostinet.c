/* --network=host sockets (net/hostinet*.c) against the real host: the
 * fake kernel in host mode, its task this process (so the handlers'
 * copies reach this test's memory), TCP and UDP over the host's loopback,
 * NETLINK_ROUTE and the interface ioctls on the host's interfaces, and the
 * Sentry's seccomp filter loaded in a child. */
#include <errno.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "kernel/confine.h"
#include "net/hostinet.h"
#include "net/net.h"
#include "syscalls/syscalls.h"

static int setup(void **state)
{
	static struct fake f;
	fake_init(&f);
	sn_task_rekey(f.task, getpid());
	struct sn_net_config cfg = { .mode = SN_NET_HOST };
	struct rs_error *err = NULL;
	assert_int_equal(sn_net_open(f.k, &cfg, &err), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	sn_net_close(f->k);
	fake_free(f);
	return 0;
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static struct sn_file *file_of(struct fake *f, long fd)
{
	struct sn_file *file = sn_task_file(f->task, (int)fd);
	assert_non_null(file);
	return file;
}

/* Runs the Sentry's event loop until f reports one of events. */
static void wait_ready(struct fake *f, long fd, uint32_t events)
{
	struct sn_file *file = file_of(f, fd);
	for (int i = 0; i < 200 && !(file->ops->poll(file) & events); i++)
		sn_loop_run_once(f->k->loop, 10);
	assert_true(file->ops->poll(file) & events);
}

/* A listening TCP socket on 127.0.0.1 (non-blocking); *addr its name. */
static long tcp_listener(struct fake *f, struct sockaddr_in *addr)
{
	long l = CALL(f, socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(l >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(CALL(f, bind, l, ptr(&a), sizeof(a)), 0);
	/* Room for test_tcp_loopback's unread send whatever the host's
	 * defaults (accepted sockets inherit it). */
	int big = 1 << 20;
	assert_int_equal(CALL(f, setsockopt, l, SOL_SOCKET, SO_RCVBUF,
			      ptr(&big), sizeof(big)),
			 0);
	assert_int_equal(CALL(f, listen, l, 16), 0);
	socklen_t len = sizeof(*addr);
	assert_int_equal(CALL(f, getsockname, l, ptr(addr), ptr(&len)), 0);
	assert_int_equal(len, sizeof(*addr));
	return l;
}

/* A connected pair over the host's loopback: *c the client, returns the
 * accepted end. Both blocking. */
static long tcp_pair(struct fake *f, long *c)
{
	struct sockaddr_in a;
	long l = tcp_listener(f, &a);
	*c = CALL(f, socket, AF_INET, SOCK_STREAM, 0);
	assert_true(*c >= 0);
	int big = 1 << 20;
	assert_int_equal(CALL(f, setsockopt, *c, SOL_SOCKET, SO_SNDBUF,
			      ptr(&big), sizeof(big)),
			 0);
	/* A blocking connect over the loopback completes in the call. */
	assert_int_equal(CALL(f, connect, *c, ptr(&a), sizeof(a)), 0);
	assert_int_equal(CALL(f, connect, *c, ptr(&a), sizeof(a)), -EISCONN);
	wait_ready(f, l, POLLIN);
	struct sockaddr_in peer, me;
	socklen_t plen = sizeof(peer), mlen = sizeof(me);
	long s = CALL(f, accept4, l, ptr(&peer), ptr(&plen), 0);
	assert_true(s >= 0);
	assert_int_equal(CALL(f, getsockname, *c, ptr(&me), ptr(&mlen)), 0);
	assert_int_equal(peer.sin_port, me.sin_port);
	assert_int_equal(CALL(f, close, l), 0);
	return s;
}

struct woken {
	struct sn_waiter w;
	uint32_t events;
};

static void on_wake(struct sn_waiter *w, uint32_t events)
{
	((struct woken *)w)->events |= events;
}

/* Data both ways, readiness from the event loop, stat and fd naming. */
static void test_tcp_loopback(void **state)
{
	struct fake *f = *state;
	long c, s = tcp_pair(f, &c);
	struct sn_file *sf = file_of(f, s);
	struct woken wk = { .w = { .fn = on_wake } };
	sn_waitq_add(&sf->wq, &wk.w);
	assert_false(sf->ops->poll(sf) & POLLIN);
	static char big[280000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	/* A blocking stream send completes whole (the syscall layer goes
	 * on after the bounce buffer's 256 KiB). */
	assert_int_equal(CALL(f, sendto, c, ptr(big), sizeof(big), 0, 0, 0),
			 (long)sizeof(big));
	for (int i = 0; i < 100 && !(wk.events & POLLIN); i++)
		sn_loop_run_once(f->k->loop, 10);
	assert_true(wk.events & POLLIN);
	sn_waiter_del(&wk.w);
	assert_int_equal(sf->ops->poll(sf) &
				 (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM),
			 POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
	static char got[sizeof(big)];
	assert_int_equal(
		CALL(f, recvfrom, s, ptr(got), sizeof(got), MSG_WAITALL, 0, 0),
		(long)sizeof(got));
	assert_memory_equal(got, big, sizeof(big));
	/* Nothing left: a non-blocking receive says so. */
	assert_int_equal(CALL(f, recvfrom, s, ptr(got), 10, MSG_DONTWAIT, 0, 0),
			 -EAGAIN);
	/* FIONREAD through the host. */
	assert_int_equal(CALL(f, write, s, ptr("abc"), 3), 3);
	wait_ready(f, c, POLLIN);
	int n = -1;
	assert_int_equal(CALL(f, ioctl, c, FIONREAD, ptr(&n)), 0);
	assert_int_equal(n, 3);
	struct stat st;
	assert_int_equal(CALL(f, fstat, c, ptr(&st)), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_memory_equal(file_of(f, c)->path, "socket:[", 8);
	/* Shutdown: the peer reads the end of the stream. */
	assert_int_equal(CALL(f, read, c, ptr(got), 3), 3);
	assert_int_equal(CALL(f, shutdown, s, SHUT_WR), 0);
	wait_ready(f, c, POLLIN);
	assert_int_equal(CALL(f, read, c, ptr(got), 3), 0);
	assert_int_equal(CALL(f, close, c), 0);
	assert_int_equal(CALL(f, close, s), 0);
}

/* As Linux: a TCP receive into an unwritable buffer is EFAULT and the
 * data stays queued for the next receive. */
static void test_tcp_efault_keeps_data(void **state)
{
	struct fake *f = *state;
	long c, s = tcp_pair(f, &c);
	assert_int_equal(CALL(f, sendto, c, ptr("hello"), 5, 0, 0, 0), 5);
	wait_ready(f, s, POLLIN);
	assert_int_equal(CALL(f, recvfrom, s, 8, 5, 0, 0, 0), -EFAULT);
	char buf[8] = { 0 };
	assert_int_equal(CALL(f, recvfrom, s, ptr(buf), sizeof(buf), 0, 0, 0),
			 5);
	assert_string_equal(buf, "hello");
	/* A send from unreadable memory moves nothing. */
	assert_int_equal(CALL(f, sendto, c, 8, 5, 0, 0, 0), -EFAULT);
	assert_int_equal(
		CALL(f, recvfrom, s, ptr(buf), sizeof(buf), MSG_DONTWAIT, 0, 0),
		-EAGAIN);
	CALL(f, close, c);
	CALL(f, close, s);
}

/* A blocking connect to a closed port fails as on Linux. The port is
 * held by a bound socket that does not listen, so that nothing else on
 * the host (tests run side by side) can start listening on it. */
static void test_tcp_refused(void **state)
{
	struct fake *f = *state;
	long b = CALL(f, socket, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(CALL(f, bind, b, ptr(&a), sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(CALL(f, getsockname, b, ptr(&a), ptr(&len)), 0);
	long c = CALL(f, socket, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(CALL(f, connect, c, ptr(&a), sizeof(a)),
			 -ECONNREFUSED);
	CALL(f, close, c);
	CALL(f, close, b);
}

/* UDP with addresses and control messages both ways. */
static void test_udp_cmsgs(void **state)
{
	struct fake *f = *state;
	long u = CALL(f, socket, AF_INET, SOCK_DGRAM, 0);
	assert_true(u >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(CALL(f, bind, u, ptr(&a), sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(CALL(f, getsockname, u, ptr(&a), ptr(&len)), 0);
	int one = 1;
	assert_int_equal(CALL(f, setsockopt, u, IPPROTO_IP, IP_PKTINFO,
			      ptr(&one), sizeof(one)),
			 0);
	assert_int_equal(CALL(f, setsockopt, u, IPPROTO_IP, IP_RECVTTL,
			      ptr(&one), sizeof(one)),
			 0);
	/* Send with IP_TTL 7 and an SCM_RIGHTS the inet socket ignores. */
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int)) * 2];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct cmsghdr *h = &ctl.h;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	h->cmsg_level = IPPROTO_IP;
	h->cmsg_type = IP_TTL;
	int ttl = 7;
	memcpy(CMSG_DATA(h), &ttl, sizeof(ttl));
	h = (struct cmsghdr *)(ctl.buf + CMSG_SPACE(sizeof(int)));
	h->cmsg_len = CMSG_LEN(sizeof(int));
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	int zero = 0;
	memcpy(CMSG_DATA(h), &zero, sizeof(zero));
	struct iovec iov = { (void *)"ping", 4 };
	struct msghdr m = { .msg_name = &a,
			    .msg_namelen = sizeof(a),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	assert_int_equal(CALL(f, sendmsg, u, ptr(&m), 0), 4);
	char data[16];
	char rctl[256];
	struct sockaddr_in from;
	struct iovec riov = { data, sizeof(data) };
	struct msghdr r = { .msg_name = &from,
			    .msg_namelen = sizeof(from),
			    .msg_iov = &riov,
			    .msg_iovlen = 1,
			    .msg_control = rctl,
			    .msg_controllen = sizeof(rctl) };
	assert_int_equal(CALL(f, recvmsg, u, ptr(&r), 0), 4);
	assert_memory_equal(data, "ping", 4);
	assert_int_equal(from.sin_port, a.sin_port);
	bool saw_ttl = false, saw_pktinfo = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&r); c; c = CMSG_NXTHDR(&r, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			assert_int_equal(v, 7);
			saw_ttl = true;
		}
		saw_pktinfo |= c->cmsg_level == IPPROTO_IP &&
			       c->cmsg_type == IP_PKTINFO;
	}
	assert_true(saw_ttl && saw_pktinfo);
	/* SO_MARK needs CAP_NET_ADMIN: EPERM, counted. */
	uint64_t denied = f->k->stats.denied;
	h = &ctl.h;
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SO_MARK;
	m.msg_controllen = CMSG_SPACE(sizeof(int));
	assert_int_equal(CALL(f, sendmsg, u, ptr(&m), 0), -EPERM);
	assert_int_equal(f->k->stats.denied, denied + 1);
	/* A malformed record is EINVAL. */
	h->cmsg_len = 4;
	assert_int_equal(CALL(f, sendmsg, u, ptr(&m), 0), -EINVAL);
	/* A truncated datagram: MSG_TRUNC gives the real length. */
	assert_int_equal(CALL(f, sendto, u, ptr("0123456789"), 10, 0, ptr(&a),
			      sizeof(a)),
			 10);
	assert_int_equal(CALL(f, recvfrom, u, ptr(data), 3, MSG_TRUNC, 0, 0),
			 10);
	CALL(f, close, u);
}

/* Which socket kinds exist, with inet_create's errnos. */
static void test_socket_kinds(void **state)
{
	struct fake *f = *state;
	uint64_t denied = f->k->stats.denied;
	assert_int_equal(CALL(f, socket, AF_INET, SOCK_RAW, IPPROTO_ICMP),
			 -EPERM);
	assert_int_equal(CALL(f, socket, AF_INET6, SOCK_RAW, IPPROTO_RAW),
			 -EPERM);
	assert_int_equal(f->k->stats.denied, denied + 2);
	assert_int_equal(CALL(f, socket, AF_INET, SOCK_SEQPACKET, 0),
			 -ESOCKTNOSUPPORT);
	assert_int_equal(CALL(f, socket, AF_INET, SOCK_STREAM, IPPROTO_UDP),
			 -EPROTONOSUPPORT);
	assert_int_equal(CALL(f, socket, AF_INET6, SOCK_DGRAM, IPPROTO_ICMP),
			 -EPROTONOSUPPORT);
	assert_int_equal(CALL(f, socket, AF_INET, SOCK_DGRAM, 300), -EINVAL);
	long fd = CALL(f, socket, AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	assert_true(fd >= 0);
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(CALL(f, getsockopt, fd, SOL_SOCKET, SO_PROTOCOL,
			      ptr(&v), ptr(&len)),
			 0);
	assert_int_equal(v, IPPROTO_UDP);
	CALL(f, close, fd);
	/* A ping socket is the host's to allow (ping_group_range). */
	fd = CALL(f, socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	assert_true(fd >= 0 || fd == -EACCES);
	if (fd >= 0)
		CALL(f, close, fd);
}

static int setopt(struct fake *f, long fd, int level, int name, int v)
{
	return (int)CALL(f, setsockopt, fd, level, name, ptr(&v), sizeof(v));
}

/* The option policy: allowed ones reach the host, the rest are refused
 * with Linux's errno for an unprivileged caller even though this test
 * may run as root. */
static void test_options(void **state)
{
	struct fake *f = *state;
	long fd = CALL(f, socket, AF_INET, SOCK_STREAM, 0);
	uint64_t denied = f->k->stats.denied;
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_MARK, 1), -EPERM);
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20),
			 -EPERM);
	assert_int_equal(setopt(f, fd, IPPROTO_IP, IP_TRANSPARENT, 1), -EPERM);
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_PRIORITY, 7), -EPERM);
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_DEBUG, 1), -EACCES);
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_REUSEPORT, 1),
			 -ENOPROTOOPT);
	assert_int_equal(setopt(f, fd, IPPROTO_TCP, TCP_REPAIR, 1), -EPERM);
	struct {
		unsigned short len;
		void *filter;
	} prog = { 1, (void *)8 };
	assert_int_equal(CALL(f, setsockopt, fd, SOL_SOCKET, SO_ATTACH_FILTER,
			      ptr(&prog), sizeof(prog)),
			 -EPERM);
	assert_int_equal(f->k->stats.denied, denied + 8);
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_PEEK_OFF, 0),
			 -EOPNOTSUPP);
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_ZEROCOPY, 1),
			 -EOPNOTSUPP);
	assert_int_equal(setopt(f, fd, IPPROTO_TCP, TCP_ULP, 0), -ENOPROTOOPT);
	assert_int_equal(setopt(f, fd, SOL_SOCKET, SO_PRIORITY, 3), 0);
	assert_int_equal(setopt(f, fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(CALL(f, getsockopt, fd, IPPROTO_TCP, TCP_NODELAY,
			      ptr(&v), ptr(&len)),
			 0);
	assert_int_equal(v, 1);
	/* ip_getsockopt: a level IPv4 does not know is EOPNOTSUPP. */
	len = sizeof(v);
	assert_int_equal(CALL(f, getsockopt, fd, 12345, 1, ptr(&v), ptr(&len)),
			 -EOPNOTSUPP);
	/* Unknown to the sandbox: ENOPROTOOPT. */
	len = sizeof(v);
	assert_int_equal(CALL(f, getsockopt, fd, SOL_SOCKET, SO_PEERCRED,
			      ptr(&v), ptr(&len)),
			 -ENOPROTOOPT);
	/* Timeouts live in the Sentry, rounded as the host rounds them. */
	struct sn_file *file = file_of(f, fd);
	struct timeval tv = { 0, 500000 };
	assert_int_equal(CALL(f, setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO,
			      ptr(&tv), sizeof(tv)),
			 0);
	uint64_t ns = file->ops->sock->timeout(file, false);
	assert_true(ns >= 500000000ull && ns < 520000000ull);
	assert_int_equal(file->ops->sock->timeout(file, true), 0);
	tv.tv_usec = 1000000;
	assert_int_equal(CALL(f, setsockopt, fd, SOL_SOCKET, SO_SNDTIMEO,
			      ptr(&tv), sizeof(tv)),
			 -EDOM);
	tv = (struct timeval){ -1, 0 };
	assert_int_equal(CALL(f, setsockopt, fd, SOL_SOCKET, SO_SNDTIMEO,
			      ptr(&tv), sizeof(tv)),
			 0);
	assert_int_equal(file->ops->sock->timeout(file, true), 1);
	/* A graceful linger never reaches the host (its close would block
	 * the Sentry); the application reads back what it set. */
	struct linger l = { 1, 5 }, back;
	assert_int_equal(CALL(f, setsockopt, fd, SOL_SOCKET, SO_LINGER, ptr(&l),
			      sizeof(l)),
			 0);
	len = sizeof(back);
	assert_int_equal(CALL(f, getsockopt, fd, SOL_SOCKET, SO_LINGER,
			      ptr(&back), ptr(&len)),
			 0);
	assert_int_equal(back.l_onoff, 1);
	assert_int_equal(back.l_linger, 5);
	struct sn_hsock *hs = file->priv;
	len = sizeof(back);
	assert_int_equal(getsockopt(hs->fd, SOL_SOCKET, SO_LINGER, &back, &len),
			 0);
	assert_int_equal(back.l_onoff, 0);
	/* The host socket never blocks and never leaks into a child. */
	assert_true(fcntl(hs->fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(hs->fd, F_GETFD) & FD_CLOEXEC);
	CALL(f, close, fd);
}

/* ---- NETLINK_ROUTE -------------------------------------------------------- */

struct nlreq {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtgenmsg gen;
	};
	char attrs[64];
};

static long nl_socket(struct fake *f)
{
	long fd = CALL(f, socket, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	assert_true(fd >= 0);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	assert_int_equal(CALL(f, bind, fd, ptr(&a), sizeof(a)), 0);
	return fd;
}

static uint32_t nl_portid(struct fake *f, long fd)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);
	assert_int_equal(CALL(f, getsockname, fd, ptr(&a), ptr(&len)), 0);
	return a.nl_pid;
}

static char nlbuf[65536];

/* Receives one datagram into nlbuf; returns its length. */
static long nl_recv(struct fake *f, long fd)
{
	long n = CALL(f, recvfrom, fd, ptr(nlbuf), sizeof(nlbuf), MSG_DONTWAIT,
		      0, 0);
	assert_true(n > 0);
	return n;
}

/* Reads replies until NLMSG_DONE; true when one of them is lo. */
static bool dump_has_lo(struct fake *f, long fd)
{
	bool lo = false;
	for (;;) {
		long n = nl_recv(f, fd);
		for (struct nlmsghdr *h = (struct nlmsghdr *)nlbuf;
		     NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return lo;
			assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
			struct ifinfomsg *ifi = NLMSG_DATA(h);
			lo |= ifi->ifi_flags & IFF_LOOPBACK;
		}
	}
}

static void test_netlink_read_only(void **state)
{
	struct fake *f = *state;
	long fd = nl_socket(f);
	uint32_t pid = nl_portid(f, fd);
	struct nlreq q = { 0 };
	q.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	q.h.nlmsg_type = RTM_GETLINK;
	q.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.h.nlmsg_seq = 1;
	assert_int_equal(CALL(f, sendto, fd, ptr(&q), q.h.nlmsg_len, 0, 0, 0),
			 q.h.nlmsg_len);
	assert_true(dump_has_lo(f, fd));
	/* RTM_NEWADDR: answered EPERM by the Sentry, as rtnetlink answers
	 * a caller without CAP_NET_ADMIN, with the request echoed. */
	uint64_t denied = f->k->stats.denied;
	struct nlreq add = { 0 };
	add.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	add.h.nlmsg_type = RTM_NEWADDR;
	add.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
	add.h.nlmsg_seq = 2;
	add.ifa.ifa_family = AF_INET;
	add.ifa.ifa_index = 1;
	/* In one message with a GETLINK of lo after it: the replies come in
	 * request order. */
	char two[2 * sizeof(struct nlreq)];
	memcpy(two, &add, add.h.nlmsg_len);
	struct nlreq get = { 0 };
	get.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	get.h.nlmsg_type = RTM_GETLINK;
	get.h.nlmsg_flags = NLM_F_REQUEST;
	get.h.nlmsg_seq = 3;
	get.ifi.ifi_index = 1;
	memcpy(two + NLMSG_ALIGN(add.h.nlmsg_len), &get, get.h.nlmsg_len);
	size_t total = NLMSG_ALIGN(add.h.nlmsg_len) + get.h.nlmsg_len;
	struct sn_file *file = file_of(f, fd);
	assert_int_equal(CALL(f, sendto, fd, ptr(two), total, 0, 0, 0),
			 (long)total);
	assert_int_equal(f->k->stats.denied, denied + 1);
	assert_true(file->ops->poll(file) & POLLIN);
	long n = nl_recv(f, fd);
	struct nlmsghdr *h = (struct nlmsghdr *)nlbuf;
	assert_int_equal(n, NLMSG_LENGTH(sizeof(struct nlmsgerr)) +
				    NLMSG_ALIGN(sizeof(struct ifaddrmsg)));
	assert_int_equal(h->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(h->nlmsg_seq, 2);
	assert_int_equal(h->nlmsg_pid, pid);
	struct nlmsgerr *e = NLMSG_DATA(h);
	assert_int_equal(e->error, -EPERM);
	assert_int_equal(e->msg.nlmsg_type, RTM_NEWADDR);
	n = nl_recv(f, fd);
	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(h->nlmsg_seq, 3);
	assert_int_equal(
		CALL(f, recvfrom, fd, ptr(nlbuf), 16, MSG_DONTWAIT, 0, 0),
		-EAGAIN);
	/* RTM_GETNSID naming a namespace by fd would be resolved among the
	 * Sentry's fds: refused. */
	struct nlreq ns = { 0 };
	ns.h.nlmsg_type = RTM_GETNSID;
	ns.h.nlmsg_flags = NLM_F_REQUEST;
	ns.h.nlmsg_seq = 4;
	struct rtattr ra = { .rta_len = RTA_LENGTH(sizeof(uint32_t)),
			     .rta_type = NETNSA_FD };
	uint32_t nsfd = 0;
	memcpy(ns.attrs, &ra, sizeof(ra));
	memcpy(ns.attrs + sizeof(ra), &nsfd, sizeof(nsfd));
	ns.h.nlmsg_len =
		NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg))) + ra.rta_len;
	memmove((char *)&ns +
			NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg))),
		ns.attrs, ra.rta_len);
	assert_int_equal(CALL(f, sendto, fd, ptr(&ns), ns.h.nlmsg_len, 0, 0, 0),
			 ns.h.nlmsg_len);
	nl_recv(f, fd);
	assert_int_equal(h->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(e->error, -EPERM);
	/* Only the kernel may be addressed. */
	struct sockaddr_nl other = { .nl_family = AF_NETLINK, .nl_pid = 1 };
	assert_int_equal(CALL(f, sendto, fd, ptr(&q), q.h.nlmsg_len, 0,
			      ptr(&other), sizeof(other)),
			 -EPERM);
	CALL(f, close, fd);
	assert_int_equal(CALL(f, socket, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC),
			 -EPROTONOSUPPORT);
	assert_int_equal(
		CALL(f, socket, AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE),
		-ESOCKTNOSUPPORT);
	fd = CALL(f, socket, AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	int type = 0;
	socklen_t len = sizeof(type);
	assert_int_equal(CALL(f, getsockopt, fd, SOL_SOCKET, SO_TYPE,
			      ptr(&type), ptr(&len)),
			 0);
	assert_int_equal(type, SOCK_DGRAM);
	CALL(f, close, fd);
}

/* ---- interface ioctls and /proc/net -------------------------------------- */

static void test_netdev_ioctls(void **state)
{
	struct fake *f = *state;
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(
		sn_hostinet_netdev_ioctl(f->task, SIOCGIFINDEX, ptr(&ifr)), 0);
	assert_int_equal(ifr.ifr_ifindex, (int)if_nametoindex("lo"));
	assert_int_equal(
		sn_hostinet_netdev_ioctl(f->task, SIOCGIFFLAGS, ptr(&ifr)), 0);
	assert_true(ifr.ifr_flags & IFF_LOOPBACK);
	struct ifreq reqs[32] = { 0 };
	struct ifconf ifc = { .ifc_len = sizeof(reqs), .ifc_req = reqs };
	assert_int_equal(
		sn_hostinet_netdev_ioctl(f->task, SIOCGIFCONF, ptr(&ifc)), 0);
	assert_true(ifc.ifc_len >= (int)sizeof(struct ifreq));
	bool lo = false;
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
		lo |= strcmp(reqs[i].ifr_name, "lo") == 0;
	assert_true(lo);
	/* Sizing call: a NULL buffer gets the length. */
	struct ifconf size = { .ifc_len = 0, .ifc_buf = NULL };
	assert_int_equal(
		sn_hostinet_netdev_ioctl(f->task, SIOCGIFCONF, ptr(&size)), 0);
	assert_int_equal(size.ifc_len, ifc.ifc_len);
	uint64_t denied = f->k->stats.denied;
	assert_int_equal(
		sn_hostinet_netdev_ioctl(f->task, SIOCSIFFLAGS, ptr(&ifr)),
		-EPERM);
	assert_int_equal(
		sn_hostinet_netdev_ioctl(f->task, SIOCSIFMTU, ptr(&ifr)),
		-EPERM);
	assert_int_equal(
		sn_hostinet_netdev_ioctl(f->task, SIOCETHTOOL, ptr(&ifr)),
		-EPERM);
	assert_int_equal(f->k->stats.denied, denied + 3);
	assert_int_equal(sn_hostinet_netdev_ioctl(f->task, 0x5401, ptr(&ifr)),
			 -ENOTTY);
	assert_int_equal(sn_hostinet_netdev_ioctl(f->task, SIOCGIFINDEX, 8),
			 -EFAULT);
}

static void test_proc_net(void **state)
{
	struct fake *f = *state;
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(sn_hostinet_proc_net(f->k, "dev", &data, &len), 0);
	assert_non_null(strstr(data, "lo:"));
	free(data);
	assert_int_equal(sn_hostinet_proc_net(f->k, "tcp", &data, &len), 0);
	assert_true(len > 0);
	free(data);
	assert_int_equal(sn_hostinet_proc_net(f->k, "unix", &data, &len),
			 -ENOENT);
	assert_int_equal(sn_hostinet_proc_net(f->k, "../status", &data, &len),
			 -ENOENT);
}

/* ---- the Sentry's seccomp filter ------------------------------------------ */

/* In a child with the filter of mode host_net loaded: bit i of the exit
 * status set when probe i gave an unexpected answer. */
static int probe_filter(bool host_net)
{
	void *ctx;
	if (sn_confine_filter_build(host_net, &ctx) < 0)
		return 255;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
		return 254;
	int bad = 0;
	const int fl = SOCK_NONBLOCK | SOCK_CLOEXEC;
	int fd = socket(AF_INET, SOCK_STREAM | fl, 0);
	if (host_net ? fd < 0 : !(fd < 0 && errno == EPERM))
		bad |= 1;
	/* This test may run as root: only the filter stops these. */
	if (!(socket(AF_PACKET, SOCK_RAW | fl, 0) < 0 && errno == EPERM))
		bad |= 2;
	if (!(socket(AF_INET, SOCK_RAW | fl, IPPROTO_ICMP) < 0 &&
	      errno == EPERM))
		bad |= 4;
	if (!(socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EPERM))
		bad |= 8; /* a blocking host socket */
	if (!(socket(AF_NETLINK, SOCK_RAW | fl, NETLINK_AUDIT) < 0 &&
	      errno == EPERM))
		bad |= 16;
	if (host_net && fd >= 0) {
		int one = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			       sizeof(one)) < 0)
			bad |= 32;
		if (!(setsockopt(fd, SOL_SOCKET, SO_MARK, &one, sizeof(one)) <
			      0 &&
		      errno == EPERM))
			bad |= 64;
		int nl = socket(AF_NETLINK, SOCK_RAW | fl, NETLINK_ROUTE);
		if (nl < 0)
			bad |= 128;
	}
	return bad;
}

static void test_seccomp_filter(void **state)
{
	(void)state;
	for (int host = 0; host < 2; host++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			syscall(SYS_exit_group, probe_filter(host));
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_loopback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tcp_efault_keeps_data,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_udp_cmsgs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_socket_kinds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netlink_read_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_netdev_ioctls, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_net, setup, teardown),
		cmocka_unit_test(test_seccomp_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
