/* nsd's event loop (loop.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "runsc/list.h"
#include "loop.h"

#define MAX_EVENTS 32

static void on_host(struct nsd_fd_handler *h, uint32_t events)
{
	(void)events;
	struct nsd_loop *l = rs_container_of(h, struct nsd_loop, host_h);
	l->host_fired = true;
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

int nsd_loop_init(struct nsd_loop *l, struct drv_nethost *host,
		  struct rs_error **err)
{
	memset(l, 0, sizeof(*l));
	l->host = host;
	l->epfd = l->sigfd = -1;
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
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0) {
		int rc = rs_error_set(err, errno, "signalfd");
		nsd_loop_fini(l);
		return rc;
	}
	l->sig_h = (struct nsd_fd_handler){ l->sigfd, on_signal };
	l->host_h = (struct nsd_fd_handler){ drv_nethost_fd(host), on_host };
	if (nsd_loop_add_fd(l, &l->sig_h, EPOLLIN) < 0 ||
	    nsd_loop_add_fd(l, &l->host_h, EPOLLIN) < 0) {
		int rc = rs_error_set(err, errno, "epoll_ctl");
		nsd_loop_fini(l);
		return rc;
	}
	return 0;
}

void nsd_loop_fini(struct nsd_loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	l->epfd = l->sigfd = -1;
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
static void run_ready(void *arg)
{
	struct nsd_loop *l = arg;
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

/* One round of work at l->now: the host when it has work (its fd fired;
 * the tasks of each receive burst run between bursts), the tasks, and a
 * flush for what they sent and the timers they armed. */
static void round_work(struct nsd_loop *l, bool run_host)
{
	if (run_host) {
		int rc = drv_nethost_run(l->host, run_ready, l);
		if (rc < 0)
			l->link_error = rc;
	}
	run_ready(l);
	drv_nethost_flush(l->host);
}

void nsd_loop_drain(struct nsd_loop *l)
{
	l->now = drv_monotonic_ns();
	round_work(l, true);
}

/* epoll_wait's timeout: none while tasks wait, else until the tick. */
static int wait_ms(const struct nsd_loop *l)
{
	if (!rs_list_empty(&l->ready))
		return 0;
	if (l->tick == NULL)
		return -1;
	uint64_t now = drv_monotonic_ns();
	if (l->next_tick <= now)
		return 0;
	/* Rounded up: waking before the tick would only wait again. */
	return (int)((l->next_tick - now + 999999) / 1000000);
}

int nsd_loop_run(struct nsd_loop *l, struct rs_error **err)
{
	struct epoll_event evs[MAX_EVENTS];
	if (l->tick != NULL)
		l->next_tick = l->now + l->tick_ns;
	while (!l->stop && l->link_error == 0) {
		int n = epoll_wait(l->epfd, evs, MAX_EVENTS, wait_ms(l));
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
		round_work(l, l->host_fired);
		l->host_fired = false;
		if (l->tick != NULL && l->now >= l->next_tick) {
			l->tick(l->tick_arg, l->now);
			l->next_tick = l->now + l->tick_ns;
		}
	}
	if (l->link_error < 0)
		return rs_error_set(err, -l->link_error, "link `%s` failed",
				    drv_kind(drv_nethost_link(l->host, 0)));
	return 0;
}
