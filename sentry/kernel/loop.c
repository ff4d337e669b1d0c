/* The event loop: one epoll set for fds (the platform's SIGCHLD signalfd,
 * host fds of bridged files) and one timerfd armed for the earliest of a
 * sorted list of timers. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "kernel/kernel.h"

struct fd_watch {
	int fd;
	sn_fd_cb cb;
	void *arg;
	struct fd_watch *next;
};

struct sn_loop {
	int epfd;
	int tfd;
	struct rs_list timers; /* sorted by deadline */
	struct fd_watch *watches;
	struct fd_watch *dead; /* removed during a batch, freed after it */
	uint64_t armed_for;    /* deadline the timerfd is set to, 0: none */
};

uint64_t sn_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t sn_realtime_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void run_timers(void *arg, uint32_t events);

int sn_loop_new(struct sn_loop **out)
{
	struct sn_loop *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	rs_list_init(&l->timers);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd < 0 || l->tfd < 0) {
		int e = -errno;
		sn_loop_free(l);
		return e;
	}
	int r = sn_loop_add_fd(l, l->tfd, EPOLLIN, run_timers, l);
	if (r < 0) {
		sn_loop_free(l);
		return r;
	}
	*out = l;
	return 0;
}

void sn_loop_free(struct sn_loop *l)
{
	if (l == NULL)
		return;
	while (l->dead) {
		struct fd_watch *w = l->dead;
		l->dead = w->next;
		free(w);
	}
	while (l->watches) {
		struct fd_watch *w = l->watches;
		l->watches = w->next;
		free(w);
	}
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tfd >= 0)
		close(l->tfd);
	free(l);
}

int sn_loop_add_fd(struct sn_loop *l, int fd, uint32_t events, sn_fd_cb cb,
		   void *arg)
{
	struct fd_watch *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	*w = (struct fd_watch){ .fd = fd, .cb = cb, .arg = arg };
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = -errno;
		free(w);
		return e;
	}
	w->next = l->watches;
	l->watches = w;
	return 0;
}

void sn_loop_del_fd(struct sn_loop *l, int fd)
{
	for (struct fd_watch **pp = &l->watches; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd != fd)
			continue;
		struct fd_watch *w = *pp;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		*pp = w->next;
		/* An event for w may sit in the current epoll_wait batch: it
		 * is neutralised now and freed after the batch. */
		w->cb = NULL;
		w->next = l->dead;
		l->dead = w;
		return;
	}
}

static void rearm(struct sn_loop *l)
{
	uint64_t first = 0;
	if (!rs_list_empty(&l->timers))
		first = rs_container_of(l->timers.next, struct sn_timer, link)
				->deadline;
	if (first == l->armed_for)
		return;
	struct itimerspec its = { 0 };
	if (first) {
		its.it_value.tv_sec = (time_t)(first / 1000000000ull);
		its.it_value.tv_nsec = (long)(first % 1000000000ull);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->armed_for = first;
}

void sn_timer_arm(struct sn_loop *l, struct sn_timer *t, uint64_t deadline)
{
	if (t->armed)
		rs_list_del(&t->link);
	t->deadline = deadline ? deadline : 1;
	struct rs_list *pos;
	rs_list_for_each(pos, &l->timers)
	{
		if (rs_container_of(pos, struct sn_timer, link)->deadline >
		    t->deadline)
			break;
	}
	rs_list_add_tail(pos, &t->link);
	t->armed = true;
	rearm(l);
}

void sn_timer_cancel(struct sn_timer *t)
{
	if (!t->armed)
		return;
	rs_list_del(&t->link);
	t->armed = false;
	/* The timerfd may fire for nothing; run_timers copes. */
}

static void run_timers(void *arg, uint32_t events)
{
	(void)events;
	struct sn_loop *l = arg;
	uint64_t ticks;
	while (read(l->tfd, &ticks, sizeof(ticks)) > 0)
		;
	uint64_t now = sn_now();
	while (!rs_list_empty(&l->timers)) {
		struct sn_timer *t =
			rs_container_of(l->timers.next, struct sn_timer, link);
		if (t->deadline > now)
			break;
		rs_list_del(&t->link);
		t->armed = false;
		t->fn(t);
	}
	l->armed_for = 0;
	rearm(l);
}

int sn_loop_run_once(struct sn_loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int n = epoll_wait(l->epfd, evs, 32, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct fd_watch *w = evs[i].data.ptr;
		if (w->cb)
			w->cb(w->arg, evs[i].events);
	}
	while (l->dead) {
		struct fd_watch *w = l->dead;
		l->dead = w->next;
		free(w);
	}
	return n;
}
