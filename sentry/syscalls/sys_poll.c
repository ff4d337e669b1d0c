/* Readiness: poll, select, epoll, and the fds made for waiting (eventfd,
 * timerfd). A wait that cannot be satisfied parks the task on the wait
 * queue of every file involved, with the timeout as its deadline, and runs
 * again from the start when any of them wakes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <time.h>

#include "syscalls/syscalls.h"

#define POLL_MAX_FDS 65536

/* Turns a relative timeout into the park deadline on the first run. */
static void set_deadline(struct sn_task *t, struct sn_sc *sc, int64_t ns)
{
	if (sc->first && ns > 0)
		sn_task_set_deadline(t, sn_now() + (uint64_t)ns);
}

static uint32_t poll_file(struct sn_file *f, uint32_t events)
{
	uint32_t m = f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT);
	return m & (events | POLLERR | POLLHUP | POLLNVAL);
}

/* The common engine of poll and ppoll. timeout_ns < 0: forever. */
static enum sn_action do_poll(struct sn_task *t, struct sn_sc *sc,
			      uint64_t ufds, uint64_t nfds, int64_t timeout_ns)
{
	if (nfds > (uint64_t)sn_task_fd_limit(t) || nfds > POLL_MAX_FDS)
		return sn_ret(sc, -EINVAL);
	struct pollfd *fds = sn_scratch(t->k, nfds * sizeof(*fds) + 1);
	if (fds == NULL)
		return sn_ret(sc, -ENOMEM);
	if (sn_copy_in(t, ufds, fds, nfds * sizeof(*fds)) < 0)
		return sn_ret(sc, -EFAULT);
	int ready = 0;
	for (uint64_t i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct sn_file *f = sn_task_file(t, fds[i].fd);
		fds[i].revents =
			f ? (short)poll_file(f, (uint16_t)fds[i].events)
			  : POLLNVAL;
		if (fds[i].revents)
			ready++;
	}
	if (ready || timeout_ns == 0 || sc->timed_out) {
		if (sn_copy_out(t, ufds, fds, nfds * sizeof(*fds)) < 0)
			return sn_ret(sc, -EFAULT);
		return sn_ret(sc, ready);
	}
	for (uint64_t i = 0; i < nfds; i++) {
		struct sn_file *f =
			fds[i].fd >= 0 ? sn_task_file(t, fds[i].fd) : NULL;
		if (f && sn_task_wait(t, sn_file_waitq(f), 0) < 0)
			return sn_ret(sc, -ENOMEM);
	}
	set_deadline(t, sc, timeout_ns);
	return SN_PARK;
}

SYSCALL(poll)
{
	int timeout = (int)sc->a[2];
	return do_poll(t, sc, sc->a[0], sc->a[1],
		       timeout < 0 ? -1 : (int64_t)timeout * 1000000);
}

static int get_timespec_ns(struct sn_task *t, uint64_t addr, int64_t *ns)
{
	if (addr == 0) {
		*ns = -1;
		return 0;
	}
	struct timespec ts;
	if (sn_copy_in(t, addr, &ts, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	*ns = (int64_t)sn_timespec_ns(&ts);
	return 0;
}

/* Records the temporary signal mask of ppoll, pselect6 or epoll_pwait:
 * while the task waits in the Sentry, signals it unblocks interrupt the
 * wait (kernel/task.c turns it into rt_sigsuspend of that mask). */
static int wait_mask(struct sn_task *t, struct sn_sc *sc, uint64_t addr,
		     uint64_t size)
{
	if (addr == 0)
		return 0;
	if (size != sizeof(uint64_t))
		return -EINVAL;
	if (sn_copy_in(t, addr, &sc->wait_sigmask, sizeof(uint64_t)) < 0)
		return -EFAULT;
	sc->wait_sigmask_addr = addr;
	return 0;
}

SYSCALL(ppoll)
{
	int64_t ns;
	int r = get_timespec_ns(t, sc->a[2], &ns);
	if (r == 0)
		r = wait_mask(t, sc, sc->a[3], sc->a[4]);
	if (r < 0)
		return sn_ret(sc, r);
	return do_poll(t, sc, sc->a[0], sc->a[1], ns);
}

static enum sn_action do_select(struct sn_task *t, struct sn_sc *sc, int nfds,
				uint64_t sets[3], int64_t timeout_ns)
{
	if (nfds < 0)
		return sn_ret(sc, -EINVAL);
	/* Bits beyond the fd table are ignored, as Linux clamps nfds to
	 * its table size (core_sys_select); no fd reaches the limit. */
	if (nfds > sn_task_fd_limit(t))
		nfds = sn_task_fd_limit(t);
	size_t bytes = (size_t)(nfds + 63) / 64 * 8;
	uint64_t in[3][16384 / 64] = { { 0 } }, out[3][16384 / 64];
	if (bytes > sizeof(in[0]))
		return sn_ret(sc, -EINVAL);
	for (int s = 0; s < 3; s++)
		if (sets[s] && sn_copy_in(t, sets[s], in[s], bytes) < 0)
			return sn_ret(sc, -EFAULT);
	memset(out, 0, sizeof(out));
	static const uint32_t want[3] = {
		POLLIN | POLLRDNORM | POLLHUP | POLLERR,
		POLLOUT | POLLWRNORM | POLLERR,
		POLLPRI,
	};
	int ready = 0;
	for (int fd = 0; fd < nfds; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		bool any = false;
		for (int s = 0; s < 3; s++)
			any |= (in[s][fd / 64] & bit) != 0;
		if (!any)
			continue;
		struct sn_file *f = sn_task_file(t, fd);
		if (f == NULL)
			return sn_ret(sc, -EBADF);
		uint32_t m =
			f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT);
		for (int s = 0; s < 3; s++) {
			if ((in[s][fd / 64] & bit) && (m & want[s])) {
				out[s][fd / 64] |= bit;
				ready++;
			}
		}
	}
	if (ready || timeout_ns == 0 || sc->timed_out) {
		for (int s = 0; s < 3; s++)
			if (sets[s] &&
			    sn_copy_out(t, sets[s], out[s], bytes) < 0)
				return sn_ret(sc, -EFAULT);
		return sn_ret(sc, ready);
	}
	for (int fd = 0; fd < nfds; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		if (!((in[0][fd / 64] | in[1][fd / 64] | in[2][fd / 64]) & bit))
			continue;
		if (sn_task_wait(t, sn_file_waitq(sn_task_file(t, fd)), 0) < 0)
			return sn_ret(sc, -ENOMEM);
	}
	set_deadline(t, sc, timeout_ns);
	return SN_PARK;
}

SYSCALL(select)
{
	int64_t ns = -1;
	if (sc->a[4]) {
		struct timeval tv;
		if (sn_copy_in(t, sc->a[4], &tv, sizeof(tv)) < 0)
			return sn_ret(sc, -EFAULT);
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return sn_ret(sc, -EINVAL);
		ns = (int64_t)sn_timeval_ns(&tv);
	}
	uint64_t sets[3] = { sc->a[1], sc->a[2], sc->a[3] };
	enum sn_action a = do_select(t, sc, (int)sc->a[0], sets, ns);
	/* Linux writes back the time left (select(2) NOTES). */
	if (a == SN_DONE && sc->a[4] && sc->ret >= 0) {
		uint64_t left = 0, now = sn_now();
		if (sc->deadline > now)
			left = sc->deadline - now;
		else if (sc->first && sc->ret > 0)
			left = (uint64_t)ns;
		struct timeval tv = {
			.tv_sec = (time_t)(left / 1000000000ull),
			.tv_usec = (suseconds_t)(left % 1000000000ull / 1000)
		};
		sn_copy_out(t, sc->a[4], &tv, sizeof(tv));
	}
	return a;
}

SYSCALL(pselect6)
{
	int64_t ns;
	int r = get_timespec_ns(t, sc->a[4], &ns);
	if (r == 0 && sc->a[5]) {
		/* The sixth argument points at { sigset_t *ss; size_t len }. */
		uint64_t ss[2];
		if (sn_copy_in(t, sc->a[5], ss, sizeof(ss)) < 0)
			r = -EFAULT;
		else
			r = wait_mask(t, sc, ss[0], ss[1]);
	}
	if (r < 0)
		return sn_ret(sc, r);
	uint64_t sets[3] = { sc->a[1], sc->a[2], sc->a[3] };
	return do_select(t, sc, (int)sc->a[0], sets, ns);
}

/* ---- epoll ---------------------------------------------------------------- */

static enum sn_action new_epoll(struct sn_task *t, struct sn_sc *sc, int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return sn_ret(sc, -EINVAL);
	struct sn_file *f;
	int r = sn_epoll_new(t->k, 0, &f);
	if (r < 0)
		return sn_ret(sc, r);
	r = sn_install_fd(t, f, flags & EPOLL_CLOEXEC);
	sn_file_put(f);
	return sn_ret(sc, r);
}

SYSCALL(epoll_create)
{
	if ((int)sc->a[0] <= 0)
		return sn_ret(sc, -EINVAL);
	return new_epoll(t, sc, 0);
}

SYSCALL(epoll_create1)
{
	return new_epoll(t, sc, (int)sc->a[0]);
}

SYSCALL(epoll_ctl)
{
	/* Linux's order: the event is copied in first (EFAULT), then the
	 * fds (EBADF), pollability (EPERM), the epoll checks (EINVAL). */
	struct {
		uint32_t events;
		uint64_t data;
	} __attribute__((packed)) ev = { 0, 0 };
	int op = (int)sc->a[1];
	if (op != EPOLL_CTL_DEL && sn_copy_in(t, sc->a[3], &ev, sizeof(ev)) < 0)
		return sn_ret(sc, -EFAULT);
	struct sn_file *ep = sn_task_file(t, (int)sc->a[0]);
	struct sn_file *f = sn_task_file(t, (int)sc->a[2]);
	if (ep == NULL || f == NULL)
		return sn_ret(sc, -EBADF);
	struct stat st;
	if (f->ops->stat && f->ops->stat(f, &st) == 0 &&
	    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return sn_ret(sc, -EPERM); /* epoll_ctl(2): not pollable */
	if (!sn_file_is_epoll(ep) || ep == f)
		return sn_ret(sc, -EINVAL);
	return sn_ret(
		sc, sn_epoll_ctl(ep, op, (int)sc->a[2], f, ev.events, ev.data));
}

static enum sn_action do_epoll_wait(struct sn_task *t, struct sn_sc *sc,
				    int64_t timeout_ns)
{
	struct sn_file *ep = sn_task_file(t, (int)sc->a[0]);
	int max = (int)sc->a[2];
	if (ep == NULL)
		return sn_ret(sc, -EBADF);
	if (!sn_file_is_epoll(ep) || max <= 0 || max > 1 << 20)
		return sn_ret(sc, -EINVAL);
	char *evs = sn_scratch(t->k, (size_t)max * 12);
	if (evs == NULL)
		return sn_ret(sc, -ENOMEM);
	int n = sn_epoll_collect(ep, evs, max);
	if (n > 0 || timeout_ns == 0 || sc->timed_out) {
		if (n > 0 && sn_copy_out(t, sc->a[1], evs, (size_t)n * 12) < 0)
			return sn_ret(sc, -EFAULT);
		return sn_ret(sc, n);
	}
	if (sn_task_wait(t, &ep->wq, 0) < 0)
		return sn_ret(sc, -ENOMEM);
	set_deadline(t, sc, timeout_ns);
	return SN_PARK;
}

SYSCALL(epoll_wait)
{
	int timeout = (int)sc->a[3];
	return do_epoll_wait(t, sc,
			     timeout < 0 ? -1 : (int64_t)timeout * 1000000);
}

SYSCALL(epoll_pwait)
{
	int timeout = (int)sc->a[3];
	int r = wait_mask(t, sc, sc->a[4], sc->a[5]);
	if (r < 0)
		return sn_ret(sc, r);
	return do_epoll_wait(t, sc,
			     timeout < 0 ? -1 : (int64_t)timeout * 1000000);
}

SYSCALL(epoll_pwait2)
{
	int64_t ns;
	int r = get_timespec_ns(t, sc->a[3], &ns);
	if (r == 0)
		r = wait_mask(t, sc, sc->a[4], sc->a[5]);
	if (r < 0)
		return sn_ret(sc, r);
	return do_epoll_wait(t, sc, ns);
}

/* ---- eventfd, timerfd ----------------------------------------------------- */

static enum sn_action new_eventfd(struct sn_task *t, struct sn_sc *sc,
				  int flags)
{
	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return sn_ret(sc, -EINVAL);
	struct sn_file *f;
	int r = sn_eventfd_new(t->k, (uint32_t)sc->a[0], flags, &f);
	if (r < 0)
		return sn_ret(sc, r);
	r = sn_install_fd(t, f, flags & EFD_CLOEXEC);
	sn_file_put(f);
	return sn_ret(sc, r);
}

SYSCALL(eventfd)
{
	return new_eventfd(t, sc, 0);
}

SYSCALL(eventfd2)
{
	return new_eventfd(t, sc, (int)sc->a[1]);
}

SYSCALL(timerfd_create)
{
	int flags = (int)sc->a[1];
	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return sn_ret(sc, -EINVAL);
	struct sn_file *f;
	int r = sn_timerfd_new(t->k, (int)sc->a[0], flags, &f);
	if (r < 0)
		return sn_ret(sc, r);
	r = sn_install_fd(t, f, flags & TFD_CLOEXEC);
	sn_file_put(f);
	return sn_ret(sc, r);
}

SYSCALL(timerfd_settime)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if (!sn_file_is_timerfd(f))
		return sn_ret(sc, -EINVAL);
	struct itimerspec nv, old;
	if (sn_copy_in(t, sc->a[2], &nv, sizeof(nv)) < 0)
		return sn_ret(sc, -EFAULT);
	int r = sn_timerfd_settime(f, (int)sc->a[1], &nv, &old);
	if (r == 0 && sc->a[3] &&
	    sn_copy_out(t, sc->a[3], &old, sizeof(old)) < 0)
		r = -EFAULT;
	return sn_ret(sc, r);
}

SYSCALL(timerfd_gettime)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if (!sn_file_is_timerfd(f))
		return sn_ret(sc, -EINVAL);
	struct itimerspec cur;
	sn_timerfd_gettime(f, &cur);
	return sn_ret(sc, sn_copy_out(t, sc->a[1], &cur, sizeof(cur)));
}
