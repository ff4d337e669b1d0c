/* nsd's event loop (loop.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "runsc/list.h"
#include "loop.h"

/* Frames taken from the link per wake-up: enough to amortise the wake-up,
 * few enough that socket work and timers run between bursts. */
#define RX_BATCH  64
#define RX_ROUNDS 16

#define MAX_EVENTS 32

static void on_nothing(struct nsd_fd_handler *h, uint32_t events)
{
	(void)h;
	(void)events;
}

static void on_timer(struct nsd_fd_handler *h, uint32_t events)
{
	(void)events;
	uint64_t expirations;
	/* Only clears the readiness; the round that follows does the work. */
	if (read(h->fd, &expirations, sizeof(expirations)) < 0)
		return;
}

static void on_signal(struct nsd_fd_handler *h, uint32_t events)
{
	(void)events;
	struct nsd_loop *l = rs_container_of(h, struct nsd_loop, sig_h);
	struct signalfd_siginfo si;
	while (read(h->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			if (l->on_usr1)
				l->on_usr1(l->usr1_arg);
		} else {
			l->stop = true;
		}
	}
}

int nsd_loop_init(struct nsd_loop *l, struct ns_stack *stack,
		  struct drv_link *link, int ifindex,
		  struct nsd_counters *counters, struct rs_error **err)
{
	memset(l, 0, sizeof(*l));
	l->counters = counters;
	l->stack = stack;
	l->link = link;
	l->ifindex = ifindex;
	l->epfd = l->timerfd = l->sigfd = -1;
	rs_list_init(&l->ready);
	l->now = drv_monotonic_ns();

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return rs_error_set(err, errno, "block signals");

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return rs_error_set(err, errno, "epoll_create1");
	l->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timerfd < 0) {
		int rc = rs_error_set(err, errno, "timerfd_create");
		nsd_loop_fini(l);
		return rc;
	}
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0) {
		int rc = rs_error_set(err, errno, "signalfd");
		nsd_loop_fini(l);
		return rc;
	}
	l->timer_h = (struct nsd_fd_handler){ l->timerfd, on_timer };
	l->sig_h = (struct nsd_fd_handler){ l->sigfd, on_signal };
	l->link_h = (struct nsd_fd_handler){ drv_fd(link), on_nothing };
	l->link_events = EPOLLIN;
	int rc = 0;
	if (nsd_loop_add_fd(l, &l->timer_h, EPOLLIN) < 0 ||
	    nsd_loop_add_fd(l, &l->sig_h, EPOLLIN) < 0)
		rc = rs_error_set(err, errno, "epoll_ctl");
	else if (l->link_h.fd < 0)
		rc = rs_error_set(err, EINVAL, "link `%s` has no fd to poll",
				  drv_kind(link));
	else if (nsd_loop_add_fd(l, &l->link_h, l->link_events) < 0)
		rc = rs_error_set(err, errno, "epoll_ctl on the link's fd");
	if (rc < 0)
		nsd_loop_fini(l);
	return rc;
}

void nsd_loop_fini(struct nsd_loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	l->epfd = l->timerfd = l->sigfd = -1;
}

int nsd_loop_add_fd(struct nsd_loop *l, struct nsd_fd_handler *h,
		    uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0 ? -errno : 0;
}

int nsd_loop_mod_fd(struct nsd_loop *l, struct nsd_fd_handler *h,
		    uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev) < 0 ? -errno : 0;
}

void nsd_loop_del_fd(struct nsd_loop *l, struct nsd_fd_handler *h)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
}

void nsd_loop_stop(struct nsd_loop *l)
{
	l->stop = true;
}

static bool task_queued(const struct nsd_task *t)
{
	return t->link.next != NULL && !rs_list_empty(&t->link);
}

void nsd_loop_wake(struct nsd_loop *l, struct nsd_task *t)
{
	if (!task_queued(t))
		rs_list_add_tail(&l->ready, &t->link);
}

void nsd_task_cancel(struct nsd_task *t)
{
	if (task_queued(t))
		rs_list_del(&t->link);
}

/* Moves every entry of the non-empty list `from` to the empty list `to`,
 * leaving `from` empty. */
static void list_move_all(struct rs_list *from, struct rs_list *to)
{
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	rs_list_init(from);
}

/* Runs the tasks queued when it starts; tasks they wake run next round.
 * The batch is a list of its own so that a task may cancel any other
 * (closing a connection) while it runs. */
static void run_ready(struct nsd_loop *l)
{
	if (rs_list_empty(&l->ready))
		return;
	struct rs_list batch;
	list_move_all(&l->ready, &batch);
	while (!rs_list_empty(&batch)) {
		struct nsd_task *t =
			rs_container_of(batch.next, struct nsd_task, link);
		rs_list_del(&t->link);
		t->run(t);
	}
}

/* Frames from the link into the stack, each burst followed by the tasks
 * it woke: a burst of coalesced (GRO) frames can carry megabytes, and the
 * services must read them (opening the receive window) and answer before
 * the next one. Returns 0 or the link's error. */
static int pump_rx(struct nsd_loop *l)
{
	struct ns_pkt *pkts[RX_BATCH];
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n = drv_rx_burst(l->link, pkts, RX_BATCH);
		/* The interface went down (the packet socket reports it
		 * once); the kernel delivers frames again when it comes back
		 * up, and until then the stack's timers carry on, as a
		 * kernel's connections survive a link flap. */
		if (n == -ENETDOWN) {
			l->counters->link_down++;
			break;
		}
		if (n < 0)
			return n;
		if (n == 0)
			break;
		ns_stack_input_burst(l->stack, l->ifindex, pkts, (unsigned)n);
		run_ready(l);
	}
	return 0;
}

static void flush_link(struct nsd_loop *l)
{
	if (drv_tx_pending(l->link) > 0) {
		int rc = drv_flush(l->link);
		if (rc < 0 && rc != -EAGAIN)
			l->link_error = rc;
	}
	/* EPOLLOUT only while the kernel holds frames back. */
	uint32_t want = EPOLLIN | (drv_tx_pending(l->link) > 0 ? EPOLLOUT : 0);
	if (want != l->link_events && nsd_loop_mod_fd(l, &l->link_h, want) == 0)
		l->link_events = want;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void arm_timer(struct nsd_loop *l, uint64_t deadline)
{
	if (deadline == NS_TIME_NEVER)
		deadline = 0;
	else if (deadline == 0)
		deadline = 1; /* 0 would disarm the timerfd */
	if (deadline == l->armed)
		return;
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = (time_t)(deadline / 1000000000u);
	its.it_value.tv_nsec = (long)(deadline % 1000000000u);
	if (timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		l->armed = deadline;
}

/* One round of work at l->now. */
static void round_work(struct nsd_loop *l)
{
	(void)drv_timers(l->link, l->now);
	int rc = pump_rx(l);
	if (rc < 0)
		l->link_error = rc;
	if (ns_stack_next_deadline(l->stack) <= l->now)
		ns_stack_timers(l->stack);
	run_ready(l);
	flush_link(l);
}

void nsd_loop_drain(struct nsd_loop *l)
{
	l->now = drv_monotonic_ns();
	round_work(l);
}

uint64_t nsd_loop_next_deadline(const struct nsd_loop *l)
{
	/* The link's deadline is read after the round: frames the fault
	 * wrapper held back and capture records buffered while receiving
	 * and sending need their timer now, not at the next wake-up. */
	uint64_t deadline = min_u64(ns_stack_next_deadline(l->stack),
				    drv_next_deadline(l->link));
	if (l->tick != NULL)
		deadline = min_u64(deadline, l->next_tick);
	return deadline;
}

int nsd_loop_run(struct nsd_loop *l, struct rs_error **err)
{
	struct epoll_event evs[MAX_EVENTS];
	if (l->tick != NULL)
		l->next_tick = l->now + l->tick_ns;
	while (!l->stop && l->link_error == 0) {
		arm_timer(l, nsd_loop_next_deadline(l));
		/* Tasks left over from the last round: look, do not sleep. */
		int timeout = rs_list_empty(&l->ready) ? -1 : 0;
		int n = epoll_wait(l->epfd, evs, MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return rs_error_set(err, errno, "epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct nsd_fd_handler *h = evs[i].data.ptr;
			h->on_event(h, evs[i].events);
		}
		l->now = drv_monotonic_ns();
		round_work(l);
		if (l->tick != NULL && l->now >= l->next_tick) {
			l->tick(l->tick_arg, l->now);
			l->next_tick = l->now + l->tick_ns;
		}
	}
	if (l->link_error < 0)
		return rs_error_set(err, -l->link_error, "link `%s` failed",
				    drv_kind(l->link));
	return 0;
}
