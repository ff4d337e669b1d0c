/* The syscall engine: turns platform stops into handler calls and handler
 * results into register updates and resumptions. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fs/fs.h"
#include "kernel/exec.h"
#include "kernel/kernel.h"
#include "platform/allowlist.h"
#include "syscalls/table.h"

/* Linux's internal restart codes (include/linux/errno.h): never seen by
 * applications, consumed by the host kernel's signal delivery. */
#define ERESTARTSYS    512
#define ERESTARTNOHAND 514

static struct sn_platform *plat(struct sn_task *t)
{
	return t->k->plat;
}

static void resume(struct sn_task *t, enum sn_resume how)
{
	int sig = t->pending_sig;
	t->pending_sig = 0;
	plat(t)->ops->resume(plat(t), t->tid, how, sig);
}

struct sn_file *sn_sc_hold_file(struct sn_task *t, struct sn_sc *sc, int fd)
{
	if (sc->held == NULL) {
		struct sn_file *f = sn_task_file(t, fd);
		sc->held = f ? sn_file_get(f) : NULL;
	}
	return sc->held;
}

void sn_sc_release(struct sn_task *t)
{
	struct sn_file *f = t->sc.held;
	t->sc.held = NULL;
	sn_file_put(f);
}

void sn_complete(struct sn_task *t, enum sn_action a)
{
	struct sn_kernel *k = t->k;
	switch (a) {
	case SN_DONE:
		sn_sc_release(t);
		k->stats.emulated++;
		t->regs.orig_rax = (uint64_t)-1; /* skip the host syscall */
		t->regs.rax = (uint64_t)t->sc.ret;
		if (k->strace)
			sn_strace_syscall(t, &t->sc, t->sc.ret);
		plat(t)->ops->set_regs(plat(t), t->tid, &t->regs);
		t->state = TS_RUNNING;
		resume(t, SN_RESUME_CONT);
		break;
	case SN_PARK:
		if (t->state != TS_PARKED)
			k->stats.parked++;
		t->state = TS_PARKED;
		sn_task_parked(t);
		/* A signal may have been queued since the syscall stopped:
		 * do not sleep through it. */
		if (k->sig_gen != t->sig_gen_seen || t->sc.wait_sigmask_addr) {
			t->sig_gen_seen = k->sig_gen;
			sn_task_check_interrupt(t);
		}
		break;
	case SN_PASS:
	case SN_PASS_HOOK:
		sn_sc_release(t);
		k->stats.passed++;
		if (t->sc.regs_dirty)
			plat(t)->ops->set_regs(plat(t), t->tid, &t->regs);
		if (a == SN_PASS)
			t->sc.hook = NULL;
		if (a == SN_PASS_HOOK || k->strace) {
			t->state = TS_HOOK;
			resume(t, SN_RESUME_SYSCALL);
		} else {
			t->state = TS_RUNNING;
			resume(t, SN_RESUME_CONT);
		}
		break;
	case SN_GONE:
		break;
	}
}

void sn_dispatch(struct sn_task *t)
{
	const struct sn_syscall_entry *e = sn_syscall_entry(t->sc.nr);
	if (e == NULL && sn_allowlist_contains(t->sc.nr)) {
		/* Trapped only because a filter of the application's own
		 * asked for it; the Sentry's allowlist lets it run. */
		sn_complete(t, SN_PASS);
		return;
	}
	if (e == NULL) {
		t->k->stats.enosys++;
		t->sc.ret = -ENOSYS;
		sn_complete(t, SN_DONE);
		return;
	}
	t->sc.restart = e->restart;
	sn_complete(t, e->fn(t, &t->sc));
}

static void on_syscall(struct sn_task *t)
{
	struct sn_kernel *k = t->k;
	k->stats.syscalls++;
	t->sig_gen_seen = k->sig_gen;
	if (plat(t)->ops->get_regs(plat(t), t->tid, &t->regs) < 0)
		return;
	struct sn_sc *sc = &t->sc;
	sn_sc_release(t);
	*sc = (struct sn_sc){ .nr = (long)t->regs.orig_rax, .first = true };
	sc->a[0] = t->regs.rdi;
	sc->a[1] = t->regs.rsi;
	sc->a[2] = t->regs.rdx;
	sc->a[3] = t->regs.r10;
	sc->a[4] = t->regs.r8;
	sc->a[5] = t->regs.r9;
	/* The Sentry's own execve of the stub image (sn_exec_start). */
	if (t->exec && t->exec->stub_exec_pending &&
	    (sc->nr == SYS_execve || sc->nr == SYS_execveat)) {
		t->exec->stub_exec_pending = false;
		t->state = TS_RUNNING;
		resume(t, SN_RESUME_CONT);
		return;
	}
	sn_dispatch(t);
}

static void on_syscall_exit(struct sn_task *t)
{
	if (plat(t)->ops->get_regs(plat(t), t->tid, &t->regs) < 0)
		return;
	if (t->state == TS_INTERRUPTED) {
		sn_sc_release(t);
		static const long codes[] = {
			[SN_RESTART_SYS] = -ERESTARTSYS,
			[SN_RESTART_NOHAND] = -ERESTARTNOHAND,
			[SN_RESTART_NEVER] = -EINTR,
			[SN_RESTART_DONE] = 0,
		};
		long ret = t->sc.partial ? (long)t->sc.partial
					 : codes[t->sc.restart];
		t->regs.rax = (uint64_t)ret;
		t->regs.orig_rax = (uint64_t)t->sc.nr;
		if (t->k->strace)
			sn_strace_syscall(t, &t->sc,
					  t->sc.partial ? ret : -EINTR);
		plat(t)->ops->set_regs(plat(t), t->tid, &t->regs);
		t->state = TS_RUNNING;
		resume(t, SN_RESUME_CONT);
		return;
	}
	if (t->state != TS_HOOK) {
		resume(t, SN_RESUME_CONT);
		return;
	}
	t->sc.ret = (long)t->regs.rax;
	long before = t->sc.ret;
	if (t->sc.hook)
		t->sc.hook(t, &t->sc);
	if (t->k->strace)
		sn_strace_syscall(t, &t->sc, t->sc.ret);
	if (t->sc.ret != before || t->sc.regs_dirty) {
		t->regs.rax = (uint64_t)t->sc.ret;
		plat(t)->ops->set_regs(plat(t), t->tid, &t->regs);
	}
	t->state = TS_RUNNING;
	resume(t, SN_RESUME_CONT);
}

static struct sn_proc *proc_fork(struct sn_task *parent, pid_t pid,
				 unsigned long flags)
{
	struct sn_proc *pp = parent->proc;
	struct sn_proc *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->k = pp->k;
	p->pid = pid;
	p->vpid = sn_host_to_vpid(pp->k, pid);
	p->parent = (flags & CLONE_PARENT) && pp->parent ? pp->parent : pp;
	p->vppid = p->parent->vpid;
	rs_list_init(&p->threads);
	rs_list_init(&p->ptimers);
	p->memfd = -1;
	p->stub_insn = pp->stub_insn;
	p->creds = pp->creds;
	p->nondumpable = pp->nondumpable;
	memcpy(p->rlim, pp->rlim, sizeof(p->rlim));
	p->start_ns = sn_now();
	p->exe = pp->exe ? strdup(pp->exe) : NULL;
	if (pp->cmdline && (p->cmdline = malloc(pp->cmdline_len)) != NULL) {
		memcpy(p->cmdline, pp->cmdline, pp->cmdline_len);
		p->cmdline_len = pp->cmdline_len;
	}
	if (flags & CLONE_FILES) {
		p->fdt = pp->fdt;
		p->fdt->refs++;
	} else {
		p->fdt = sn_fdtable_copy(pp->fdt);
	}
	if (flags & CLONE_FS) {
		p->fs = pp->fs;
		p->fs->refs++;
	} else {
		p->fs = sn_fsctx_dup(pp->fs);
	}
	p->itimer.fn = pp->itimer.fn;
	rs_list_add_tail(&p->k->procs, &p->link);
	if (p->fdt == NULL || p->fs == NULL) {
		sn_proc_free(p);
		return NULL;
	}
	return p;
}

static void on_clone(struct sn_kernel *k, struct sn_task *t, pid_t child_tid)
{
	struct sn_task *c = sn_task_find(k, child_tid);
	if (c == NULL) {
		c = sn_task_new(k, child_tid, NULL);
		if (c == NULL) {
			plat(t)->ops->kill(plat(t), child_tid);
			goto out;
		}
		c->state = TS_NEW;
	}
	unsigned long flags = t->clone_flags;
	struct sn_proc *p = (flags & CLONE_THREAD)
				    ? t->proc
				    : proc_fork(t, child_tid, flags);
	if (p == NULL) {
		plat(t)->ops->kill(plat(t), child_tid);
		goto out;
	}
	c->proc = p;
	rs_list_add_tail(&p->threads, &c->thread_link);
	p->nthreads++;
	c->vtid = sn_host_to_vpid(k, child_tid);
	if (c->first_stop_seen) {
		c->state = TS_RUNNING;
		resume(c, SN_RESUME_CONT);
	}
out:
	resume(t, t->state == TS_HOOK ? SN_RESUME_SYSCALL : SN_RESUME_CONT);
}

static void on_task_exit(struct sn_kernel *k, struct sn_task *t, int status)
{
	struct sn_proc *p = t->proc;
	sn_task_free(t);
	if (p == NULL || p->nthreads > 0)
		return;
	if (WIFSIGNALED(status))
		k->stats.app_crashes++;
	struct sn_proc *parent = p->parent;
	sn_sig_event(k); /* the host queues SIGCHLD to the parent */
	if (p == k->init) {
		k->exit_status = k->forced_status ? k->forced_status : status;
		k->init_exited = true;
		sn_proc_exit(p);
		return;
	}
	if (p->on_exit)
		p->on_exit(p->on_exit_arg, p->vpid, status);
	sn_proc_free(p);
	/* The host has just queued SIGCHLD to the parent. */
	if (parent && !parent->exited) {
		struct rs_list *pos, *tmp;
		rs_list_for_each_safe(pos, tmp, &parent->threads)
		{
			sn_task_check_interrupt(rs_container_of(
				pos, struct sn_task, thread_link));
		}
	}
}

/* A fault (SIGSEGV, SIGBUS, ...) raised by the kernel in the sandbox's
 * init with the default action: Linux kills even an init process for it,
 * but not while ptraced (the pid namespace's init stays SIGNAL_UNKILLABLE
 * and would fault forever), so the Sentry records the signal as init's
 * fate and ends it. */
static bool init_fault_is_fatal(struct sn_task *t, const struct sn_stop *stop)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS };
	bool fault = false;
	for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		fault |= stop->sig == faults[i];
	if (!fault || stop->si_code <= 0 || sn_signal_has_handler(t, stop->sig))
		return false;
	struct sn_kernel *k = t->k;
	k->forced_status = stop->sig | 0x80; /* killed by sig, core dumped */
	k->plat->ops->kill(k->plat, t->tid);
	k->plat->ops->resume(k->plat, t->tid, SN_RESUME_CONT, 0);
	return true;
}

void sn_handle_stop(struct sn_kernel *k, const struct sn_stop *stop)
{
	struct sn_task *t = sn_task_find(k, stop->tid);
	if (t == NULL && stop->kind != SN_STOP_NEW &&
	    stop->kind != SN_STOP_EXEC) {
		/* Not ours (e.g. the gofer's exit) or already forgotten. */
		if (stop->kind != SN_STOP_EXITED)
			k->plat->ops->resume(
				k->plat, stop->tid, SN_RESUME_CONT,
				stop->kind == SN_STOP_SIGNAL ? stop->sig : 0);
		return;
	}
	switch (stop->kind) {
	case SN_STOP_SYSCALL:
		on_syscall(t);
		break;
	case SN_STOP_SYSCALL_EXIT:
		on_syscall_exit(t);
		break;
	case SN_STOP_SIGNAL:
		if (k->strace)
			sn_strace_signal(t, stop->sig);
		if (t->proc == k->init && init_fault_is_fatal(t, stop))
			return;
		t->pending_sig = stop->sig;
		resume(t, t->state == TS_HOOK ? SN_RESUME_SYSCALL
					      : SN_RESUME_CONT);
		break;
	case SN_STOP_GROUP:
		t->state = TS_GROUP_STOP;
		resume(t, SN_RESUME_LISTEN);
		break;
	case SN_STOP_NEW:
		if (t == NULL) {
			t = sn_task_new(k, stop->tid, NULL);
			if (t == NULL) {
				k->plat->ops->kill(k->plat, stop->tid);
				return;
			}
			t->state = TS_NEW;
		}
		t->first_stop_seen = true;
		if (t->proc) {
			if (t->state == TS_NEW || t->state == TS_GROUP_STOP)
				t->state = TS_RUNNING;
			resume(t, SN_RESUME_CONT);
		}
		break;
	case SN_STOP_CLONE:
		on_clone(k, t, (pid_t)stop->msg);
		break;
	case SN_STOP_EXEC:
		sn_exec_finish(k, stop->tid, (pid_t)stop->msg);
		/* The first process built its stub root before this exec:
		 * the spawner may enter its namespaces now. */
		t = sn_task_find(k, stop->tid);
		if (t && t->proc == k->init)
			sn_spawner_join(k);
		break;
	case SN_STOP_EXITED:
		on_task_exit(k, t, stop->status);
		break;
	case SN_STOP_NONE:
		break;
	}
}
