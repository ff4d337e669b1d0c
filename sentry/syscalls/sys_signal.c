/* Signals. Handlers, masks and delivery stay with the host kernel (the
 * app's threads are host threads); the Sentry sees every event that could
 * wake a task it has parked: kill and friends run on the host (inside the
 * sandbox's pid namespace, so only sandbox processes are reachable) and
 * then parked targets are interrupted; ITIMER_REAL and alarm are Sentry
 * timers that signal through the Sentry. */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>

#include "syscalls/syscalls.h"

static enum sn_action after_kill(struct sn_task *t, struct sn_sc *sc)
{
	(void)sc;
	sn_kernel_check_interrupts(t->k);
	return SN_DONE;
}

SYSCALL(kill)
{
	(void)t;
	sc->hook = after_kill;
	return SN_PASS_HOOK;
}

static void itimer_fired(struct sn_timer *timer)
{
	struct sn_proc *p = sn_container_of(timer, struct sn_proc, itimer);
	if (p->exited)
		return;
	sn_signal_proc(p, SIGALRM);
	if (p->itimer_interval)
		sn_timer_arm(p->k->loop, &p->itimer,
			     sn_now() + p->itimer_interval);
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ull +
	       (uint64_t)tv->tv_usec * 1000ull;
}

static struct timeval ns_tv(uint64_t ns)
{
	return (struct timeval){ .tv_sec = (time_t)(ns / 1000000000ull),
				 .tv_usec = (suseconds_t)(ns % 1000000000ull /
							  1000) };
}

static void current_itimer(struct sn_proc *p, struct itimerval *cur)
{
	uint64_t now = sn_now();
	uint64_t left = p->itimer.armed && p->itimer.deadline > now
				? p->itimer.deadline - now
				: 0;
	/* A running timer never reads as zero (that means disarmed). */
	if (p->itimer.armed && left < 1000)
		left = 1000;
	cur->it_value = ns_tv(left);
	cur->it_interval = ns_tv(p->itimer_interval);
}

static void set_itimer(struct sn_proc *p, const struct itimerval *v)
{
	p->itimer.fn = itimer_fired;
	sn_timer_cancel(&p->itimer);
	p->itimer_interval = tv_ns(&v->it_interval);
	uint64_t value = tv_ns(&v->it_value);
	if (value)
		sn_timer_arm(p->k->loop, &p->itimer, sn_now() + value);
}

SYSCALL(setitimer)
{
	if (sc->a[0] != ITIMER_REAL) {
		/* Virtual and profiling timers count CPU time, which a task
		 * parked in the Sentry does not use: the host's are exact. */
		return sc->a[0] <= ITIMER_PROF ? SN_PASS : sn_ret(sc, -EINVAL);
	}
	struct itimerval nv = { 0 }, old;
	if (sc->a[1] && sn_copy_in(t, sc->a[1], &nv, sizeof(nv)) < 0)
		return sn_ret(sc, -EFAULT);
	if (nv.it_value.tv_usec < 0 || nv.it_value.tv_usec >= 1000000 ||
	    nv.it_interval.tv_usec < 0 || nv.it_interval.tv_usec >= 1000000 ||
	    nv.it_value.tv_sec < 0 || nv.it_interval.tv_sec < 0)
		return sn_ret(sc, -EINVAL);
	current_itimer(t->proc, &old);
	set_itimer(t->proc, &nv);
	if (sc->a[2] && sn_copy_out(t, sc->a[2], &old, sizeof(old)) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, 0);
}

SYSCALL(getitimer)
{
	if (sc->a[0] != ITIMER_REAL)
		return sc->a[0] <= ITIMER_PROF ? SN_PASS : sn_ret(sc, -EINVAL);
	struct itimerval cur;
	current_itimer(t->proc, &cur);
	return sn_ret(sc, sn_copy_out(t, sc->a[1], &cur, sizeof(cur)));
}

SYSCALL(alarm)
{
	struct itimerval old,
		nv = { .it_value = { (time_t)(unsigned)sc->a[0], 0 } };
	current_itimer(t->proc, &old);
	set_itimer(t->proc, &nv);
	/* alarm(2): the seconds left, rounded, and at least 1 if armed. */
	long left = old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
	if (left == 0 && old.it_value.tv_usec)
		left = 1;
	return sn_ret(sc, left);
}
