/* POSIX per-process timers (timer_create(2)) on wall and monotonic clocks,
 * kept by the Sentry so that their signals, like every event that can
 * interrupt a parked task, go through it. Their ids start at
 * SN_PTIMER_ID_BASE; CPU-time clocks are left to the host kernel (a parked
 * task uses no CPU, so those cannot fire while it waits in the Sentry). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kernel/ptimer.h"

struct ptimer {
	struct rs_list link;
	struct sn_proc *proc;
	struct sn_timer timer;
	int id;
	int clockid;
	int notify; /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
	int signo;
	pid_t target; /* host tid for SIGEV_THREAD_ID */
	union sigval value;
	uint64_t interval;
	int overrun;
};

static struct timespec ns_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ull),
				  .tv_nsec = (long)(ns % 1000000000ull) };
}

static void fire(struct sn_timer *timer)
{
	struct ptimer *pt = rs_container_of(timer, struct ptimer, timer);
	struct sn_proc *p = pt->proc;
	uint64_t now = sn_now();
	pt->overrun = 0;
	if (pt->interval) {
		uint64_t next = timer->deadline + pt->interval;
		if (next <= now) {
			uint64_t missed =
				(now - timer->deadline) / pt->interval;
			pt->overrun =
				missed > 0x7fffffff ? 0x7fffffff : (int)missed;
			next = timer->deadline + (missed + 1) * pt->interval;
		}
		sn_timer_arm(p->k->loop, timer, next);
	}
	if (pt->notify == SIGEV_NONE)
		return;
	/* SI_TIMER is negative, so the Sentry may queue it to another
	 * process with its value (rt_sigqueueinfo(2) permission rule). */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = pt->signo;
	si.si_code = SI_TIMER;
	si.si_timerid = pt->id;
	si.si_overrun = pt->overrun;
	si.si_value = pt->value;
	if (pt->notify == SIGEV_THREAD_ID)
		syscall(SYS_rt_tgsigqueueinfo, p->pid, pt->target, pt->signo,
			&si);
	else
		syscall(SYS_rt_sigqueueinfo, p->pid, pt->signo, &si);
	sn_kernel_check_interrupts(p->k);
}

static struct ptimer *find(struct sn_proc *p, int id)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &p->ptimers)
	{
		struct ptimer *pt = rs_container_of(pos, struct ptimer, link);
		if (pt->id == id)
			return pt;
	}
	return NULL;
}

bool sn_ptimer_clock_ours(int clockid)
{
	return clockid == CLOCK_REALTIME || clockid == CLOCK_MONOTONIC ||
	       clockid == CLOCK_BOOTTIME || clockid == CLOCK_REALTIME_ALARM ||
	       clockid == CLOCK_BOOTTIME_ALARM;
}

bool sn_ptimer_id_ours(int id)
{
	return id >= SN_PTIMER_ID_BASE;
}

int sn_ptimer_create(struct sn_task *t, int clockid, const struct sigevent *ev)
{
	struct sn_proc *p = t->proc;
	struct ptimer *pt = calloc(1, sizeof(*pt));
	if (pt == NULL)
		return -ENOMEM;
	int id = SN_PTIMER_ID_BASE;
	while (find(p, id))
		id++;
	pt->id = id;
	pt->proc = p;
	pt->clockid = clockid;
	pt->timer.fn = fire;
	if (ev == NULL) {
		pt->notify = SIGEV_SIGNAL;
		pt->signo = SIGALRM;
		pt->value.sival_int = id;
	} else {
		pt->notify = ev->sigev_notify;
		pt->signo = ev->sigev_signo;
		pt->value = ev->sigev_value;
		if (pt->notify != SIGEV_NONE &&
		    (pt->signo <= 0 || pt->signo > 64)) {
			free(pt);
			return -EINVAL;
		}
		if (pt->notify == SIGEV_THREAD_ID) {
			pt->target = 0;
			struct rs_list *pos;
			rs_list_for_each(pos, &p->threads)
			{
				struct sn_task *th = rs_container_of(
					pos, struct sn_task, thread_link);
				if (th->vtid == ev->_sigev_un._tid)
					pt->target = th->tid;
			}
			if (pt->target == 0) {
				free(pt);
				return -EINVAL;
			}
		} else if (pt->notify != SIGEV_SIGNAL &&
			   pt->notify != SIGEV_NONE) {
			free(pt);
			return -EINVAL;
		}
	}
	rs_list_add_tail(&p->ptimers, &pt->link);
	return id;
}

static void get(struct ptimer *pt, struct itimerspec *cur)
{
	memset(cur, 0, sizeof(*cur));
	if (pt->timer.armed) {
		uint64_t now = sn_now();
		cur->it_value = ns_ts(pt->timer.deadline > now
					      ? pt->timer.deadline - now
					      : 1);
	}
	cur->it_interval = ns_ts(pt->interval);
}

int sn_ptimer_settime(struct sn_task *t, int id, int flags,
		      const struct itimerspec *nv, struct itimerspec *old)
{
	struct ptimer *pt = find(t->proc, id);
	if (pt == NULL)
		return -EINVAL;
	if (nv->it_value.tv_nsec < 0 || nv->it_value.tv_nsec >= 1000000000 ||
	    nv->it_interval.tv_nsec < 0 ||
	    nv->it_interval.tv_nsec >= 1000000000 || nv->it_value.tv_sec < 0 ||
	    nv->it_interval.tv_sec < 0)
		return -EINVAL;
	if (old)
		get(pt, old);
	sn_timer_cancel(&pt->timer);
	pt->interval = sn_timespec_ns(&nv->it_interval);
	uint64_t value = sn_timespec_ns(&nv->it_value);
	if (value == 0)
		return 0;
	uint64_t now = sn_now(), deadline = now + value;
	if (flags & TIMER_ABSTIME) {
		bool wall = pt->clockid == CLOCK_REALTIME ||
			    pt->clockid == CLOCK_REALTIME_ALARM;
		uint64_t clock_now = wall ? sn_realtime_now() : now;
		deadline = value > clock_now ? now + (value - clock_now) : now;
	}
	sn_timer_arm(t->k->loop, &pt->timer, deadline);
	return 0;
}

int sn_ptimer_gettime(struct sn_task *t, int id, struct itimerspec *cur)
{
	struct ptimer *pt = find(t->proc, id);
	if (pt == NULL)
		return -EINVAL;
	get(pt, cur);
	return 0;
}

int sn_ptimer_getoverrun(struct sn_task *t, int id)
{
	struct ptimer *pt = find(t->proc, id);
	return pt ? pt->overrun : -EINVAL;
}

static void destroy(struct ptimer *pt)
{
	sn_timer_cancel(&pt->timer);
	rs_list_del(&pt->link);
	free(pt);
}

int sn_ptimer_delete(struct sn_task *t, int id)
{
	struct ptimer *pt = find(t->proc, id);
	if (pt == NULL)
		return -EINVAL;
	destroy(pt);
	return 0;
}

void sn_ptimer_delete_all(struct sn_proc *p)
{
	while (!rs_list_empty(&p->ptimers))
		destroy(rs_container_of(p->ptimers.next, struct ptimer, link));
}
