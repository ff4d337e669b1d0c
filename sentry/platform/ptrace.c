/* The ptrace platform (DESIGN.md "Platform ptrace").
 *
 * Every application thread is a host thread seized by the Sentry with
 * PTRACE_O_TRACESECCOMP and friends; the app's seccomp filter turns each
 * non-allowlisted syscall into a seccomp stop. Stops are collected with
 * waitpid(-1, WNOHANG | __WALL) whenever the SIGCHLD signalfd is readable.
 * Costs on this VM: ~20 us per trapped syscall, so the Sentry reads the
 * registers once per stop (PTRACE_GETREGS) and writes them at most once.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sentry/platform.h"

struct ptrace_platform {
	struct sn_platform base;
	int sigfd; /* SIGCHLD, blocked in the Sentry and read here */
};

static int pt_event_fd(struct sn_platform *p)
{
	return ((struct ptrace_platform *)p)->sigfd;
}

static void drain_sigfd(int fd)
{
	struct signalfd_siginfo si[8];
	while (read(fd, si, sizeof(si)) > 0)
		;
}

static void decode(int status, pid_t tid, struct sn_stop *stop)
{
	*stop = (struct sn_stop){ .tid = tid };
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		stop->kind = SN_STOP_EXITED;
		stop->status = status;
		return;
	}
	int sig = WSTOPSIG(status);
	int event = (unsigned)status >> 16;
	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		stop->kind = SN_STOP_SYSCALL;
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_EXEC: {
		unsigned long msg = 0;
		ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg);
		stop->kind = event == PTRACE_EVENT_EXEC ? SN_STOP_EXEC
							: SN_STOP_CLONE;
		stop->msg = msg;
		return;
	}
	case PTRACE_EVENT_STOP:
		/* ptrace(2) "group-stop": under PTRACE_SEIZE a group stop is
		 * reported as PTRACE_EVENT_STOP with the stopping signal; the
		 * first stop of an auto-attached thread carries SIGTRAP. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
		    sig == SIGTTOU) {
			stop->kind = SN_STOP_GROUP;
			stop->sig = sig;
		} else {
			stop->kind = SN_STOP_NEW;
		}
		return;
	default:
		break;
	}
	if (sig == (SIGTRAP | 0x80)) {
		stop->kind = SN_STOP_SYSCALL_EXIT;
		return;
	}
	stop->kind = SN_STOP_SIGNAL;
	stop->sig = sig;
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) == 0)
		stop->si_code = si.si_code;
}

static int pt_next_stop(struct sn_platform *p, struct sn_stop *stop)
{
	struct ptrace_platform *pt = (struct ptrace_platform *)p;
	for (;;) {
		int status;
		pid_t tid = waitpid(-1, &status, WNOHANG | __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (tid == 0) {
			/* Nothing pending: clear the signalfd so epoll only
			 * wakes for SIGCHLDs that arrive from now on. */
			drain_sigfd(pt->sigfd);
			tid = waitpid(-1, &status, WNOHANG | __WALL);
			if (tid <= 0)
				return tid < 0 && errno != EINTR ? -errno : 0;
		}
		decode(status, tid, stop);
		return 1;
	}
}

static int pt_get_regs(struct sn_platform *p, pid_t tid, sn_regs *regs)
{
	(void)p;
	return ptrace(PTRACE_GETREGS, tid, NULL, regs) < 0 ? -errno : 0;
}

static int pt_set_regs(struct sn_platform *p, pid_t tid, const sn_regs *regs)
{
	(void)p;
	return ptrace(PTRACE_SETREGS, tid, NULL, regs) < 0 ? -errno : 0;
}

static int pt_resume(struct sn_platform *p, pid_t tid, enum sn_resume how,
		     int sig)
{
	(void)p;
	long r;
	uintptr_t data = (uintptr_t)sig;
	switch (how) {
	case SN_RESUME_SYSCALL:
		r = ptrace(PTRACE_SYSCALL, tid, NULL, (void *)data);
		break;
	case SN_RESUME_LISTEN:
		r = ptrace(PTRACE_LISTEN, tid, NULL, NULL);
		break;
	default:
		r = ptrace(PTRACE_CONT, tid, NULL, (void *)data);
		break;
	}
	return r < 0 ? -errno : 0;
}

/* The injection trampoline is `mov %r12,%rax; syscall; int3`: the thread
 * runs the syscall, then traps with SIGTRAP, so one round trip suffices. */
static int pt_inject(struct sn_platform *p, pid_t tid, uint64_t insn, long nr,
		     const uint64_t args[6], long *ret, int *pending_sig)
{
	sn_regs r;
	int e = pt_get_regs(p, tid, &r);
	if (e < 0)
		return e;
	r.rip = insn;
	r.rax = (uint64_t)nr;
	r.r12 = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	if ((e = pt_set_regs(p, tid, &r)) < 0)
		return e;
	if ((e = pt_resume(p, tid, SN_RESUME_CONT, 0)) < 0)
		return e;
	for (;;) {
		int status;
		pid_t w = waitpid(tid, &status, __WALL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -ESRCH;
		int sig = WSTOPSIG(status);
		if (sig == SIGTRAP && ((unsigned)status >> 16) == 0)
			break;
		/* Some other signal got in first: keep it for later. */
		if (((unsigned)status >> 16) == 0 && pending_sig)
			*pending_sig = sig;
		if ((e = pt_resume(p, tid, SN_RESUME_CONT, 0)) < 0)
			return e;
	}
	if ((e = pt_get_regs(p, tid, &r)) < 0)
		return e;
	*ret = (long)r.rax;
	return 0;
}

static void pt_kill(struct sn_platform *p, pid_t tid)
{
	(void)p;
	kill(tid, SIGKILL);
}

static void pt_destroy(struct sn_platform *p)
{
	struct ptrace_platform *pt = (struct ptrace_platform *)p;
	if (pt == NULL)
		return;
	close(pt->sigfd);
	free(pt);
}

static const struct sn_platform_ops ptrace_ops = {
	.name = "ptrace",
	.event_fd = pt_event_fd,
	.next_stop = pt_next_stop,
	.get_regs = pt_get_regs,
	.set_regs = pt_set_regs,
	.resume = pt_resume,
	.inject = pt_inject,
	.kill = pt_kill,
	.destroy = pt_destroy,
};

int sn_ptrace_create(struct sn_platform **out)
{
	struct ptrace_platform *pt = calloc(1, sizeof(*pt));
	if (pt == NULL)
		return -ENOMEM;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		free(pt);
		return -errno;
	}
	pt->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (pt->sigfd < 0) {
		int e = -errno;
		free(pt);
		return e;
	}
	pt->base.ops = &ptrace_ops;
	*out = &pt->base;
	return 0;
}

int sn_ptrace_seize(struct sn_platform *p, pid_t pid)
{
	(void)p;
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
		    PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC |
		    PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) < 0)
		return -errno;
	return 0;
}
