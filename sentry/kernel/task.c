/* Tasks (host threads) and processes, parking on wait queues, and the
 * interruption of parked syscalls by signals. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/ptimer.h"

/* ---- wait queues -------------------------------------------------------- */

void sn_waitq_init(struct sn_waitq *q)
{
	rs_list_init(&q->waiters);
}

void sn_waitq_add(struct sn_waitq *q, struct sn_waiter *w)
{
	rs_list_add_tail(&q->waiters, &w->link);
}

void sn_waiter_del(struct sn_waiter *w)
{
	rs_list_del(&w->link);
}

void sn_waitq_wake(struct sn_waitq *q, uint32_t events)
{
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &q->waiters)
	{
		struct sn_waiter *w =
			rs_container_of(pos, struct sn_waiter, link);
		if (w->mask == 0 || (w->mask & events) || events == 0)
			w->fn(w, events);
	}
}

void sn_waitq_detach_all(struct sn_waitq *q)
{
	sn_waitq_wake(q, 0x18); /* POLLERR | POLLHUP */
	while (!rs_list_empty(&q->waiters))
		rs_list_del(q->waiters.next);
}

/* ---- task table --------------------------------------------------------- */

static struct rs_list *bucket(struct sn_kernel *k, pid_t tid)
{
	return &k->tasks[(unsigned)tid % 256];
}

struct sn_task *sn_task_find(struct sn_kernel *k, pid_t tid)
{
	struct rs_list *pos, *b = bucket(k, tid);
	rs_list_for_each(pos, b)
	{
		struct sn_task *t =
			rs_container_of(pos, struct sn_task, hash_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

static void task_timer_fired(struct sn_timer *timer)
{
	struct sn_task *t = rs_container_of(timer, struct sn_task, timer);
	t->sc.timed_out = true;
	sn_task_wake(t);
}

struct sn_task *sn_task_new(struct sn_kernel *k, pid_t tid,
			    struct sn_proc *proc)
{
	struct sn_task *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->k = k;
	t->tid = tid;
	t->proc = proc;
	t->timer.fn = task_timer_fired;
	rs_list_init(&t->runq_link);
	rs_list_init(&t->thread_link);
	rs_list_add_tail(bucket(k, tid), &t->hash_link);
	if (proc) {
		rs_list_add_tail(&proc->threads, &t->thread_link);
		proc->nthreads++;
	}
	k->stats.tasks++;
	k->ntasks++;
	return t;
}

static void clear_waits(struct sn_task *t)
{
	for (unsigned i = 0; i < t->nwaiters; i++) {
		sn_waiter_del(t->waiters[i]);
		free(t->waiters[i]);
	}
	t->nwaiters = 0;
	sn_timer_cancel(&t->timer);
}

void sn_task_rekey(struct sn_task *t, pid_t tid)
{
	rs_list_del(&t->hash_link);
	t->tid = tid;
	rs_list_add_tail(bucket(t->k, tid), &t->hash_link);
}

void sn_task_free(struct sn_task *t)
{
	clear_waits(t);
	sn_sc_release(t);
	free(t->waiters);
	rs_list_del(&t->runq_link);
	rs_list_del(&t->hash_link);
	if (t->proc) {
		rs_list_del(&t->thread_link);
		t->proc->nthreads--;
	}
	sn_exec_image_free(t->exec);
	t->k->ntasks--;
	free(t);
}

struct sn_proc *sn_proc_by_vpid(struct sn_kernel *k, pid_t vpid)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &k->procs)
	{
		struct sn_proc *p = rs_container_of(pos, struct sn_proc, link);
		if (p->vpid == vpid && !p->exited)
			return p;
	}
	return NULL;
}

/* The pid a host thread has in the sandbox's pid namespace: the last
 * field of "NSpid:" in /proc/<tid>/status. */
int sn_host_proc_open(struct sn_kernel *k, pid_t pid, const char *name,
		      int flags)
{
	char path[64];
	snprintf(path, sizeof(path), "%d/%s", (int)pid, name);
	int fd = openat(k->host_proc, path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

FILE *sn_host_proc_fopen(struct sn_kernel *k, pid_t pid, const char *name)
{
	int fd = sn_host_proc_open(k, pid, name, O_RDONLY);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "re");
	if (f == NULL)
		close(fd);
	return f;
}

pid_t sn_host_to_vpid(struct sn_kernel *k, pid_t host)
{
	char buf[2048];
	FILE *f = sn_host_proc_fopen(k, host, "status");
	if (f == NULL)
		return -1;
	pid_t v = -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "NSpid:", 6) != 0)
			continue;
		/* One field only: the process is not in the sandbox's
		 * namespace (e.g. the session runsc was started in). */
		char *first = strchr(buf, '\t');
		char *last = strrchr(buf, '\t');
		v = first && last != first ? (pid_t)atoi(last) : 0;
		break;
	}
	fclose(f);
	return v;
}

struct sn_fsctx *sn_fsctx_dup(const struct sn_fsctx *fs)
{
	struct sn_fsctx *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->refs = 1;
	n->umask = fs->umask;
	n->cwd = strdup(fs->cwd);
	if (n->cwd == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

void sn_fsctx_put(struct sn_fsctx *fs)
{
	if (fs == NULL || --fs->refs > 0)
		return;
	free(fs->cwd);
	free(fs);
}

void sn_proc_exit(struct sn_proc *p)
{
	if (p->exited)
		return;
	p->exited = true;
	sn_timer_cancel(&p->itimer);
	sn_ptimer_delete_all(p);
	sn_fdtable_put(p->fdt);
	p->fdt = NULL;
	sn_fsctx_put(p->fs);
	p->fs = NULL;
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = -1;
	/* Children of an exited process are reparented to init, as the host
	 * kernel does in the sandbox's pid namespace. */
	struct rs_list *pos;
	rs_list_for_each(pos, &p->k->procs)
	{
		struct sn_proc *c = rs_container_of(pos, struct sn_proc, link);
		if (c->parent == p) {
			c->parent = p->k->init != p ? p->k->init : NULL;
			c->vppid = c->parent ? 1 : 0;
		}
	}
}

void sn_proc_free(struct sn_proc *p)
{
	sn_proc_exit(p);
	rs_list_del(&p->link);
	free(p->exe);
	free(p->cmdline);
	free(p);
}

/* ---- parking ------------------------------------------------------------ */

static void waiter_fired(struct sn_waiter *w, uint32_t events)
{
	(void)events;
	sn_task_wake(w->arg);
}

int sn_task_wait(struct sn_task *t, struct sn_waitq *q, uint32_t mask)
{
	if (t->nwaiters == t->capwaiters) {
		unsigned cap = t->capwaiters ? t->capwaiters * 2 : 4;
		struct sn_waiter **n = realloc(t->waiters, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		t->waiters = n;
		t->capwaiters = cap;
	}
	/* Each waiter is its own allocation: queues link to it, so it must
	 * not move when the array grows. */
	struct sn_waiter *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	*w = (struct sn_waiter){ .fn = waiter_fired, .arg = t, .mask = mask };
	rs_list_init(&w->link);
	sn_waitq_add(q, w);
	t->waiters[t->nwaiters++] = w;
	return 0;
}

void sn_task_set_deadline(struct sn_task *t, uint64_t deadline)
{
	t->sc.deadline = deadline;
}

void sn_task_wake(struct sn_task *t)
{
	if (t->state != TS_PARKED || t->on_runq)
		return;
	t->on_runq = true;
	rs_list_add_tail(&t->k->runq, &t->runq_link);
}

void sn_run_queue(struct sn_kernel *k)
{
	while (!rs_list_empty(&k->runq)) {
		struct sn_task *t = rs_container_of(k->runq.next,
						    struct sn_task, runq_link);
		rs_list_del(&t->runq_link);
		t->on_runq = false;
		if (t->state != TS_PARKED)
			continue;
		clear_waits(t);
		t->sc.first = false;
		sn_dispatch(t);
	}
}

/* Arms the park deadline when a handler parks. */
void sn_task_parked(struct sn_task *t)
{
	if (t->sc.deadline && !t->timer.armed && !t->sc.timed_out)
		sn_timer_arm(t->k->loop, &t->timer, t->sc.deadline);
}

/* ---- signals -------------------------------------------------------------- */

/* Pending-and-unblocked test from /proc/<tid>/status: the mask lives in
 * the host kernel (rt_sigprocmask is allowlisted), so it is read only when
 * a signal may concern a parked task. */
/* mask_override (when non-NULL) replaces the thread's blocked set: a
 * ppoll-style wait runs with its own mask. */
static bool signal_deliverable(struct sn_kernel *k, pid_t tid,
			       const uint64_t *mask_override)
{
	char buf[4096];
	FILE *f = sn_host_proc_fopen(k, tid, "status");
	if (f == NULL)
		return false;
	unsigned long long pnd = 0, shd = 0, blk = 0;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "SigPnd:", 7) == 0)
			pnd = strtoull(buf + 7, NULL, 16);
		else if (strncmp(buf, "ShdPnd:", 7) == 0)
			shd = strtoull(buf + 7, NULL, 16);
		else if (strncmp(buf, "SigBlk:", 7) == 0)
			blk = strtoull(buf + 7, NULL, 16);
	}
	fclose(f);
	if (mask_override)
		blk = *mask_override;
	/* SIGKILL and SIGSTOP cannot be blocked. */
	blk &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
	return ((pnd | shd) & ~blk) != 0;
}

void sn_sig_event(struct sn_kernel *k)
{
	k->sig_gen++;
	sn_waitq_wake(&k->sig_wq, POLLIN);
}

uint64_t sn_signals_pending(struct sn_kernel *k, pid_t tid)
{
	char buf[4096];
	FILE *f = sn_host_proc_fopen(k, tid, "status");
	if (f == NULL)
		return 0;
	unsigned long long pnd = 0, shd = 0;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "SigPnd:", 7) == 0)
			pnd = strtoull(buf + 7, NULL, 16);
		else if (strncmp(buf, "ShdPnd:", 7) == 0)
			shd = strtoull(buf + 7, NULL, 16);
	}
	fclose(f);
	return pnd | shd;
}

bool sn_signal_has_handler(struct sn_task *t, int sig)
{
	char buf[4096];
	FILE *f = sn_host_proc_fopen(t->k, t->tid, "status");
	if (f == NULL)
		return false;
	unsigned long long cgt = 0;
	while (fgets(buf, sizeof(buf), f))
		if (strncmp(buf, "SigCgt:", 7) == 0)
			cgt = strtoull(buf + 7, NULL, 16);
	fclose(f);
	return (cgt >> (sig - 1)) & 1;
}

void sn_task_check_interrupt(struct sn_task *t)
{
	struct sn_sc *sc = &t->sc;
	if (t->state != TS_PARKED ||
	    !signal_deliverable(t->k, t->tid,
				sc->wait_sigmask_addr ? &sc->wait_sigmask
						      : NULL))
		return;
	clear_waits(t);
	rs_list_del(&t->runq_link);
	t->on_runq = false;
	t->k->stats.interrupted++;
	if (sc->wait_sigmask_addr) {
		/* A wait with its own signal mask (ppoll, pselect6,
		 * epoll_pwait) becomes rt_sigsuspend of that mask: the host
		 * kernel then delivers the signal under it and restores the
		 * caller's mask after the handler, as Linux does for these
		 * calls; the caller sees EINTR. */
		t->regs.orig_rax = SYS_rt_sigsuspend;
		t->regs.rdi = sc->wait_sigmask_addr;
		t->regs.rsi = sizeof(uint64_t);
		if (t->k->plat->ops->set_regs(t->k->plat, t->tid, &t->regs) ==
		    0)
			t->k->plat->ops->resume(t->k->plat, t->tid,
						SN_RESUME_CONT, 0);
		t->state = TS_RUNNING;
		return;
	}
	/* Turn the parked syscall into a harmless getppid and stop at its
	 * exit, where the result becomes -ERESTART* so that the host
	 * kernel's signal delivery applies SA_RESTART exactly as Linux
	 * does for its own sleeping syscalls, or the partial count of a
	 * transfer that had made progress (sc->partial). */
	t->regs.orig_rax = SYS_getppid;
	if (t->k->plat->ops->set_regs(t->k->plat, t->tid, &t->regs) < 0 ||
	    t->k->plat->ops->resume(t->k->plat, t->tid, SN_RESUME_SYSCALL, 0) <
		    0)
		return;
	t->state = TS_INTERRUPTED;
}

void sn_kernel_check_interrupts(struct sn_kernel *k)
{
	sn_sig_event(k);
	for (unsigned b = 0; b < 256; b++) {
		struct rs_list *pos, *tmp;
		rs_list_for_each_safe(pos, tmp, &k->tasks[b])
		{
			struct sn_task *t =
				rs_container_of(pos, struct sn_task, hash_link);
			sn_task_check_interrupt(t);
		}
	}
}

int sn_signal_thread(struct sn_task *t, int sig)
{
	sn_sig_event(t->k);
	if (syscall(SYS_tgkill, t->proc->pid, t->tid, sig) < 0)
		return -errno;
	sn_task_check_interrupt(t);
	return 0;
}

int sn_signal_proc(struct sn_proc *p, int sig)
{
	sn_sig_event(p->k);
	if (kill(p->pid, sig) < 0)
		return -errno;
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &p->threads)
	{
		sn_task_check_interrupt(
			rs_container_of(pos, struct sn_task, thread_link));
	}
	return 0;
}

long sn_inject(struct sn_task *t, long nr, uint64_t a0, uint64_t a1,
	       uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct sn_platform *p = t->k->plat;
	if (t->proc->stub_insn == 0)
		return -ENOSYS;
	sn_regs saved;
	int r = p->ops->get_regs(p, t->tid, &saved);
	if (r < 0)
		return r;
	uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
	long ret;
	int sig = 0;
	r = p->ops->inject(p, t->tid, t->proc->stub_insn, nr, args, &ret, &sig);
	if (sig)
		t->pending_sig = sig;
	if (r < 0)
		return r;
	p->ops->set_regs(p, t->tid, &saved);
	return ret;
}

bool sn_task_capable(const struct sn_task *t, int cap)
{
	(void)cap;
	return t->proc->creds.euid == 0;
}
