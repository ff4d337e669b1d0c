/* Helpers shared by the inet differential programs (t_inet_*.c).
 *
 * Every program prints only what does not change from run to run: results
 * and errno names, never fds, ports, pids or times. Every blocking call is
 * bounded: sockets get send/receive timeouts (they bound accept and connect
 * too), and a watchdog thread ends a program that still hangs, so a broken
 * kernel (or a Sentry that fails every socket call) makes the program
 * finish quickly with different output rather than stall the suite. */
#ifndef T_INET_H
#define T_INET_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TI_UNUSED __attribute__((unused))

TI_UNUSED static const char *en(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* "what: ok" for a call returning a descriptor or 0, else "-1 ENAME". */
TI_UNUSED static void ok(const char *what, long r)
{
	int e = errno;
	if (r >= 0)
		printf("%s: ok\n", what);
	else
		printf("%s: -1 %s\n", what, en(e));
	errno = e;
}

/* "what: N" for a call whose value is deterministic (a byte count). */
TI_UNUSED static void val(const char *what, long r)
{
	int e = errno;
	if (r >= 0)
		printf("%s: %ld\n", what, r);
	else
		printf("%s: -1 %s\n", what, en(e));
	errno = e;
}

static unsigned watchdog_secs;

static void *watchdog_main(void *arg)
{
	(void)arg;
	sleep(watchdog_secs);
	printf("watchdog: still running after %u s, giving up\n",
	       watchdog_secs);
	_exit(3);
	return NULL;
}

/* Ends the program after secs, whatever it is blocked in. The thread
 * blocks every signal so that signals the tests send go to the threads
 * that expect them. */
TI_UNUSED static void watchdog(unsigned secs)
{
	sigset_t all, old;
	pthread_t t;
	setvbuf(stdout, NULL, _IONBF, 0);
	watchdog_secs = secs;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_create(&t, NULL, watchdog_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_detach(t);
}

TI_UNUSED static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

TI_UNUSED static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Send and receive timeouts: bound every blocking call on fd (Linux
 * applies SO_RCVTIMEO to accept and SO_SNDTIMEO to connect). */
TI_UNUSED static void bound(int fd, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A loopback address of family fam ("127.0.0.1" or "::1"), port in host
 * order; returns the address length. */
TI_UNUSED static socklen_t lo_addr(int fam, struct sockaddr_storage *ss,
				   int port)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	a6->sin6_addr = in6addr_loopback;
	return sizeof(*a6);
}

/* An address from text, either family; port in host order. */
TI_UNUSED static socklen_t mk_addr(struct sockaddr_storage *ss, const char *ip,
				   int port)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, ip, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		return sizeof(*a);
	}
	inet_pton(AF_INET6, ip, &a6->sin6_addr);
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	return sizeof(*a6);
}

/* The port of an address, host order; 0 when it is neither family. */
TI_UNUSED static int addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* "AF_INET 127.0.0.1" and the like, without the port. */
TI_UNUSED static const char *addr_str(const struct sockaddr_storage *ss)
{
	static char out[2][80];
	static int which;
	char ip[INET6_ADDRSTRLEN] = "?";
	char *o = out[which++ & 1];
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  ip, sizeof(ip));
		snprintf(o, sizeof(out[0]), "AF_INET %s", ip);
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ss)->sin6_addr, ip,
			  sizeof(ip));
		snprintf(o, sizeof(out[0]), "AF_INET6 %s", ip);
	} else {
		snprintf(o, sizeof(out[0]), "family %d", ss->ss_family);
	}
	return o;
}

/* The local port of fd, host order; -1 on error. */
TI_UNUSED static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return addr_port(&ss);
}

/* A socket of the family and type bound to the loopback address of the
 * family, port 0, with 3 s timeouts; -1 (errno set) on failure. */
TI_UNUSED static int lo_socket(int fam, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = lo_addr(fam, &ss, 0);
	int fd = socket(fam, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	bound(fd, 3000);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A TCP listener on loopback; -1 on failure. */
TI_UNUSED static int lo_listener(int fam, int backlog)
{
	int fd = lo_socket(fam, SOCK_STREAM);
	if (fd >= 0 && listen(fd, backlog) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A blocking TCP connection to the loopback port of fam. */
TI_UNUSED static int lo_connect(int fam, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = lo_addr(fam, &ss, port);
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	bound(fd, 3000);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A connected TCP pair over loopback: *c the client, *s the accepted end.
 * Returns 0, or -1 with both set to -1. */
TI_UNUSED static int tcp_pair(int fam, int *c, int *s)
{
	int l = lo_listener(fam, 4);
	*c = *s = -1;
	if (l < 0)
		return -1;
	*c = lo_connect(fam, local_port(l));
	if (*c >= 0) {
		*s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (*s >= 0)
			bound(*s, 3000);
	}
	int e = errno;
	close(l);
	errno = e;
	if (*c < 0 || *s < 0) {
		if (*c >= 0)
			close(*c);
		*c = *s = -1;
		return -1;
	}
	return 0;
}

/* Waits (at most 2 s) until fd has at least n bytes queued for reading:
 * the condition, not a sleep, orders the steps of a test. */
TI_UNUSED static int wait_inq(int fd, int n)
{
	long end = now_ms() + 2000;
	int q = -1;
	while (now_ms() < end) {
		if (ioctl(fd, FIONREAD, &q) < 0)
			return -1;
		if (q >= n)
			return q;
		sleep_ms(2);
	}
	return q;
}

/* Waits (at most 2 s) until poll reports one of the bits in want. */
TI_UNUSED static short wait_ev(int fd, short want)
{
	long end = now_ms() + 2000;
	struct pollfd p = { fd, want, 0 };
	if (fd < 0) /* poll would ignore it and wait out the deadline */
		return 0;
	while (now_ms() < end) {
		p.revents = 0;
		if (poll(&p, 1, 10) < 0 && errno != EINTR)
			return -1;
		if (p.revents & (want | POLLNVAL))
			return p.revents;
	}
	return p.revents;
}

/* Waits (at most 2 s) until thread tid is asleep (state S in
 * /proc/self/task/TID/stat): a thread that does nothing between setting
 * a flag and a blocking call sleeps only in that call. */
TI_UNUSED static int wait_asleep(pid_t tid)
{
	char path[64], buf[512];
	long end = now_ms() + 2000;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	while (now_ms() < end) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return 0;
		}
		sleep_ms(2);
	}
	return -1;
}

/* Names of the bits poll reported, "IN|OUT|..." or "0". */
TI_UNUSED static const char *pbits(int ev)
{
	static char out[4][160];
	static int which;
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{ POLLIN, "IN" },	  { POLLPRI, "PRI" },
		{ POLLOUT, "OUT" },	  { POLLERR, "ERR" },
		{ POLLHUP, "HUP" },	  { POLLNVAL, "NVAL" },
		{ POLLRDNORM, "RDNORM" }, { POLLRDBAND, "RDBAND" },
		{ POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" },
		{ POLLMSG, "MSG" },	  { POLLRDHUP, "RDHUP" },
	};
	char *o = out[which++ & 3];
	o[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (ev & names[i].bit) {
			if (o[0])
				strcat(o, "|");
			strcat(o, names[i].name);
			ev &= ~names[i].bit;
		}
	}
	if (ev)
		snprintf(o + strlen(o), 32, "%s0x%x", o[0] ? "|" : "", ev);
	if (!o[0])
		strcpy(o, "0");
	return o;
}

/* Every event poll can report, to see the full set Linux gives. */
#define ALL_EV                                                              \
	(POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | POLLRDBAND | \
	 POLLWRNORM | POLLWRBAND | POLLMSG)

/* The events poll(2) reports now for fd, all bits asked for. */
TI_UNUSED static const char *poll_now(int fd)
{
	struct pollfd p = { fd, ALL_EV, 0 };
	if (poll(&p, 1, 0) < 0)
		return en(errno);
	return pbits(p.revents);
}

TI_UNUSED static int int_opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -errno;
	return v;
}

TI_UNUSED static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* Fletcher-like running checksum of a byte stream. */
TI_UNUSED static uint64_t csum_add(uint64_t sum, const unsigned char *p,
				   size_t n)
{
	uint64_t a = sum & 0xffffffff, b = sum >> 32;
	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 4294967291u;
		b = (b + a) % 4294967291u;
	}
	return b << 32 | a;
}

/* The byte at offset off of the deterministic test stream. */
TI_UNUSED static unsigned char pattern(uint64_t off)
{
	return (unsigned char)((off * 2654435761u) >> 13);
}

#endif
