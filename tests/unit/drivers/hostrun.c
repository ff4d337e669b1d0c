/* Driving netstack hosts in tests (hostrun.h). */
#include "hostrun.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define MAX_HOSTS 8
#define CHUNK	  (64u << 10)

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool hostrun_until(struct drv_nethost **hosts, unsigned n,
		   bool (*step)(void *arg), void *arg, int timeout_ms)
{
	assert_true(n <= MAX_HOSTS);
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		bool done = step(arg);
		for (unsigned i = 0; i < n; i++)
			drv_nethost_flush(hosts[i]);
		if (done)
			return true;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd p[MAX_HOSTS];
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){ drv_nethost_fd(hosts[i]),
						POLLIN, 0 };
		/* A short wait: step may also wait on kernel sockets. */
		int r = poll(p, n, left < 5 ? (int)left : 5);
		assert_true(r >= 0 || errno == EINTR);
		for (unsigned i = 0; i < n; i++)
			if (p[i].revents)
				assert_int_equal(
					drv_nethost_run(hosts[i], NULL, NULL),
					0);
	}
}

static uint8_t pattern(uint32_t seed, size_t i)
{
	return (uint8_t)((i + seed) % 251 ^ (i >> 16));
}

static ssize_t end_send(struct hostrun_end *e, const void *buf, size_t len)
{
	if (e->sock)
		return ns_socket_sendto(e->sock, buf, len, MSG_NOSIGNAL, NULL,
					0);
	ssize_t r = send(e->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return r < 0 ? -errno : r;
}

static ssize_t end_recv(struct hostrun_end *e, void *buf, size_t len)
{
	if (e->sock)
		return ns_socket_recvfrom(e->sock, buf, len, 0, NULL, NULL);
	ssize_t r = recv(e->fd, buf, len, MSG_DONTWAIT);
	return r < 0 ? -errno : r;
}

static int end_shutdown(struct hostrun_end *e)
{
	if (e->sock)
		return ns_socket_shutdown(e->sock, SHUT_WR);
	return shutdown(e->fd, SHUT_WR) < 0 ? -errno : 0;
}

bool hostrun_xfer_step(struct hostrun_xfer *x)
{
	static uint8_t buf[CHUNK];
	for (int i = 0; i < 64 && x->sent < x->total; i++) {
		size_t len =
			x->total - x->sent < CHUNK ? x->total - x->sent : CHUNK;
		for (size_t k = 0; k < len; k++)
			buf[k] = pattern(x->seed, x->sent + k);
		ssize_t r = end_send(&x->from, buf, len);
		if (r == -EAGAIN)
			break;
		assert_true(r > 0);
		x->sent += (size_t)r;
	}
	if (x->sent == x->total && !x->shut) {
		assert_int_equal(end_shutdown(&x->from), 0);
		x->shut = true;
	}
	for (int i = 0; i < 64; i++) {
		ssize_t r = end_recv(&x->to, buf, CHUNK);
		if (r == -EAGAIN)
			break;
		assert_true(r >= 0);
		if (r == 0)
			return x->received == x->total;
		for (ssize_t k = 0; k < r; k++)
			if (buf[k] != pattern(x->seed, x->received + (size_t)k))
				x->corrupt = true;
		x->received += (size_t)r;
		assert_false(x->corrupt);
		assert_true(x->received <= x->total);
	}
	return false;
}

bool hostrun_xfers_step(void *arg)
{
	struct hostrun_xfer **xs = arg;
	bool all = true;
	for (; *xs; xs++)
		if (!hostrun_xfer_step(*xs))
			all = false;
	return all;
}

struct accepting {
	struct ns_socket *listener, *child;
};

static bool accept_step(void *arg)
{
	struct accepting *a = arg;
	if (a->child == NULL) {
		int r = ns_socket_accept(a->listener, &a->child, NULL, NULL, 0);
		assert_true(r == 0 || r == -EAGAIN);
	}
	return a->child != NULL;
}

struct ns_socket *hostrun_accept(struct drv_nethost **hosts, unsigned n,
				 struct ns_socket *listener)
{
	struct accepting a = { listener, NULL };
	assert_true(hostrun_until(hosts, n, accept_step, &a, 5000));
	return a.child;
}
