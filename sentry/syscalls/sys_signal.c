/* Signals. Handlers, masks and delivery stay with the host kernel (the
 * app's threads are host threads); the Sentry sees every event that could
 * wake a task it has parked: kill and friends run on the host (inside the
 * sandbox's pid namespace, so only sandbox processes are reachable) and
 * then parked targets are interrupted; ITIMER_REAL and alarm are Sentry
 * timers that signal through the Sentry. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "kernel/ptimer.h"
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
	struct sn_proc *p = rs_container_of(timer, struct sn_proc, itimer);
	if (p->exited)
		return;
	sn_signal_proc(p, SIGALRM);
	if (p->itimer_interval)
		sn_timer_arm(p->k->loop, &p->itimer,
			     sn_now() + p->itimer_interval);
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
	p->itimer_interval = sn_timeval_ns(&v->it_interval);
	uint64_t value = sn_timeval_ns(&v->it_value);
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

/* ---- signalfd ------------------------------------------------------------ */

/* SIGKILL and SIGSTOP are never read through a signalfd (signalfd(2)). */
#define SIGFD_UNREADABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

static enum sn_action new_signalfd(struct sn_task *t, struct sn_sc *sc,
				   int flags)
{
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return sn_ret(sc, -EINVAL);
	if (sc->a[2] != sizeof(uint64_t))
		return sn_ret(sc, -EINVAL);
	uint64_t mask;
	if (sn_copy_in(t, sc->a[1], &mask, sizeof(mask)) < 0)
		return sn_ret(sc, -EFAULT);
	mask &= ~SIGFD_UNREADABLE;
	int fd = (int)sc->a[0];
	if (fd != -1) {
		struct sn_file *f = sn_task_file(t, fd);
		if (f == NULL)
			return sn_ret(sc, -EBADF);
		if (!sn_file_is_signalfd(f))
			return sn_ret(sc, -EINVAL);
		sn_signalfd_set_mask(f, mask);
		return sn_ret(sc, fd);
	}
	struct sn_file *f;
	int r = sn_signalfd_new(t->k, t->proc->pid, mask,
				(flags & SFD_NONBLOCK) ? O_NONBLOCK : 0, &f);
	if (r < 0)
		return sn_ret(sc, r);
	r = sn_install_fd(t, f, flags & SFD_CLOEXEC);
	sn_file_put(f);
	return sn_ret(sc, r);
}

SYSCALL(signalfd)
{
	return new_signalfd(t, sc, 0);
}

SYSCALL(signalfd4)
{
	return new_signalfd(t, sc, (int)sc->a[3]);
}

/* Where the rewritten read keeps rt_sigtimedwait's arguments: below the
 * red zone of the thread's stack. */
struct sigwait_area {
	uint64_t set;
	struct timespec zero;
	siginfo_t info;
};

/* At the exit of the rt_sigtimedwait the read became: turn the siginfo
 * into the struct signalfd_siginfo the application asked for. */
static enum sn_action signalfd_done(struct sn_task *t, struct sn_sc *sc)
{
	if (sc->ret < 0) /* -EAGAIN: another reader took it first */
		return SN_DONE;
	struct sigwait_area area;
	if (sn_copy_in(t, sc->scratch[0], &area, sizeof(area)) < 0) {
		sc->ret = -EFAULT;
		return SN_DONE;
	}
	struct signalfd_siginfo out;
	memset(&out, 0, sizeof(out));
	const siginfo_t *si = &area.info;
	out.ssi_signo = (uint32_t)si->si_signo;
	out.ssi_errno = si->si_errno;
	out.ssi_code = si->si_code;
	out.ssi_pid = (uint32_t)si->si_pid;
	out.ssi_uid = si->si_uid;
	out.ssi_status = si->si_status;
	out.ssi_int = si->si_int;
	out.ssi_ptr = (uint64_t)(uintptr_t)si->si_ptr;
	out.ssi_addr = (uint64_t)(uintptr_t)si->si_addr;
	if (si->si_signo == SIGCHLD) {
		out.ssi_utime = (uint64_t)si->si_utime;
		out.ssi_stime = (uint64_t)si->si_stime;
	}
	sc->ret = sn_copy_out(t, sc->scratch[1], &out, sizeof(out)) < 0
			  ? -EFAULT
			  : (long)sizeof(out);
	return SN_DONE;
}

enum sn_action sn_signalfd_read(struct sn_task *t, struct sn_sc *sc,
				struct sn_file *f, uint64_t buf, size_t len)
{
	if (len < sizeof(struct signalfd_siginfo))
		return sn_ret(sc, -EINVAL);
	uint64_t mask = sn_signalfd_mask(f);
	if (!(sn_signals_pending(t->k, t->tid) & mask)) {
		if (f->flags & O_NONBLOCK)
			return sn_ret(sc, -EAGAIN);
		return sn_wait_file(t, f, POLLIN);
	}
	/* Dequeue one signal on the host: the read becomes
	 * rt_sigtimedwait(&mask, &info, &zero, 8). */
	uint64_t at =
		(t->regs.rsp - 128 - sizeof(struct sigwait_area)) & ~15ull;
	struct sigwait_area area = { .set = mask };
	if (sn_copy_out(t, at, &area, sizeof(area)) < 0)
		return sn_ret(sc, -EFAULT);
	t->regs.orig_rax = SYS_rt_sigtimedwait;
	t->regs.rdi = at + offsetof(struct sigwait_area, set);
	t->regs.rsi = at + offsetof(struct sigwait_area, info);
	t->regs.rdx = at + offsetof(struct sigwait_area, zero);
	t->regs.r10 = sizeof(uint64_t);
	sc->regs_dirty = true;
	sc->scratch[0] = at;
	sc->scratch[1] = buf;
	sc->hook = signalfd_done;
	return SN_PASS_HOOK;
}

/* ---- POSIX timers ---------------------------------------------------------- */

SYSCALL(timer_create)
{
	int clockid = (int)sc->a[0];
	if (!sn_ptimer_clock_ours(clockid))
		return SN_PASS; /* CPU-time clocks: the host's timers */
	struct sigevent ev, *evp = NULL;
	if (sc->a[1]) {
		if (sn_copy_in(t, sc->a[1], &ev, sizeof(ev)) < 0)
			return sn_ret(sc, -EFAULT);
		evp = &ev;
	}
	int id = sn_ptimer_create(t, clockid, evp);
	if (id < 0)
		return sn_ret(sc, id);
	if (sn_copy_out(t, sc->a[2], &id, sizeof(id)) < 0) {
		sn_ptimer_delete(t, id);
		return sn_ret(sc, -EFAULT);
	}
	return sn_ret(sc, 0);
}

SYSCALL(timer_settime)
{
	int id = (int)sc->a[0];
	if (!sn_ptimer_id_ours(id))
		return SN_PASS;
	struct itimerspec nv, old;
	if (sn_copy_in(t, sc->a[2], &nv, sizeof(nv)) < 0)
		return sn_ret(sc, -EFAULT);
	int r = sn_ptimer_settime(t, id, (int)sc->a[1], &nv, &old);
	if (r == 0 && sc->a[3] &&
	    sn_copy_out(t, sc->a[3], &old, sizeof(old)) < 0)
		r = -EFAULT;
	return sn_ret(sc, r);
}

SYSCALL(timer_gettime)
{
	int id = (int)sc->a[0];
	if (!sn_ptimer_id_ours(id))
		return SN_PASS;
	struct itimerspec cur;
	int r = sn_ptimer_gettime(t, id, &cur);
	if (r == 0)
		r = sn_copy_out(t, sc->a[1], &cur, sizeof(cur));
	return sn_ret(sc, r);
}

SYSCALL(timer_getoverrun)
{
	int id = (int)sc->a[0];
	if (!sn_ptimer_id_ours(id))
		return SN_PASS;
	return sn_ret(sc, sn_ptimer_getoverrun(t, id));
}

SYSCALL(timer_delete)
{
	int id = (int)sc->a[0];
	if (!sn_ptimer_id_ours(id))
		return SN_PASS;
	return sn_ret(sc, sn_ptimer_delete(t, id));
}
