/* The netstack host (nethost.h). Interim: a loopback-only stack driven by
 * a timerfd; NICs and capture arrive with the full implementation. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "drivers/nethost.h"

struct drv_nethost {
	struct ns_stack *stack;
	int tfd;
	uint64_t armed;
};

static uint64_t host_clock(void *ctx)
{
	(void)ctx;
	return drv_monotonic_ns();
}

static uint64_t host_wall_clock(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void host_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		p += n;
		len -= (size_t)n;
	}
}

int drv_nethost_open(const struct drv_nethost_config *cfg,
		     struct drv_nethost **out, struct rs_error **err)
{
	if (cfg && (cfg->nnics > 0 || cfg->capture))
		return rs_error_set(err, EOPNOTSUPP, "nethost: links");
	struct drv_nethost *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return rs_error_set(err, ENOMEM, "nethost");
	struct ns_stack_config sc = { 0 };
	if (cfg && cfg->stack)
		sc = *cfg->stack;
	sc.clock = host_clock;
	sc.wall_clock = host_wall_clock;
	sc.random = host_random;
	sc.ctx = h;
	int r = ns_stack_create(&sc, &h->stack);
	if (r < 0) {
		free(h);
		return rs_error_set(err, -r, "create the stack");
	}
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->tfd < 0) {
		r = rs_error_set(err, errno, "timerfd_create");
		drv_nethost_close(h);
		return r;
	}
	*out = h;
	return 0;
}

void drv_nethost_close(struct drv_nethost *h)
{
	if (h == NULL)
		return;
	ns_stack_destroy(h->stack);
	if (h->tfd >= 0)
		close(h->tfd);
	free(h);
}

struct ns_stack *drv_nethost_stack(const struct drv_nethost *h)
{
	return h->stack;
}

int drv_nethost_fd(const struct drv_nethost *h)
{
	return h->tfd;
}

unsigned drv_nethost_nic_count(const struct drv_nethost *h)
{
	(void)h;
	return 0;
}

int drv_nethost_ifindex(const struct drv_nethost *h, unsigned i)
{
	(void)h;
	(void)i;
	return -1;
}

struct drv_link *drv_nethost_link(const struct drv_nethost *h, unsigned i)
{
	(void)h;
	(void)i;
	return NULL;
}

static void arm(struct drv_nethost *h)
{
	uint64_t d = ns_stack_next_deadline(h->stack);
	if (d == NS_TIME_NEVER)
		d = 0;
	else if (d == 0)
		d = 1;
	if (d == h->armed)
		return;
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = (time_t)(d / 1000000000u);
	its.it_value.tv_nsec = (long)(d % 1000000000u);
	if (timerfd_settime(h->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		h->armed = d;
}

int drv_nethost_run(struct drv_nethost *h, void (*after_rx)(void *arg),
		    void *arg)
{
	uint64_t n;
	if (read(h->tfd, &n, sizeof(n)) < 0) {
		/* Not expired yet: nothing to clear. */
	}
	h->armed = 0;
	if (ns_stack_next_deadline(h->stack) <= drv_monotonic_ns())
		ns_stack_timers(h->stack);
	if (after_rx)
		after_rx(arg);
	arm(h);
	return 0;
}

void drv_nethost_flush(struct drv_nethost *h)
{
	arm(h);
}
