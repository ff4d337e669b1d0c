/* The Sentry's kernel: tasks (host threads), processes, the syscall
 * context, wait queues and the event loop. Private to libsentry.
 *
 * Threading: everything here runs on the Sentry's one event-loop thread.
 * Handlers never block: an operation that must wait parks the task on wait
 * queues (sn_task_wait) and returns SN_PARK; when a queue is woken the task
 * is put on the run queue and its handler runs again from the start with
 * the same arguments (sc->first is false then), so handlers are written to
 * be retried until they complete.
 */
#ifndef SENTRY_KERNEL_KERNEL_H
#define SENTRY_KERNEL_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#include "runsc/list.h"
#include "sentry/platform.h"
#include "sentry/sentry.h"

struct sn_kernel;
struct sn_task;
struct sn_proc;
struct sn_file;
struct sn_fdtable;
struct sn_mount;
struct gf_client;
struct sn_net;

/* ---- event loop (kernel/loop.c) ---------------------------------------- */

struct sn_loop;
typedef void (*sn_fd_cb)(void *arg, uint32_t events);

struct sn_timer {
	struct rs_list link;
	uint64_t deadline; /* CLOCK_MONOTONIC ns */
	void (*fn)(struct sn_timer *timer);
	bool armed;
};

uint64_t sn_now(void); /* CLOCK_MONOTONIC in ns */

/* The longest duration the Sentry represents (about 146 years): a
 * timeout or timer value beyond it is clamped, so now + it neither wraps
 * nor turns negative. */
#define SN_NS_MAX ((uint64_t)INT64_MAX / 2)

/* Nanoseconds in sec + nsec, saturating at SN_NS_MAX; negative seconds
 * count as 0 (callers reject them first where Linux does). */
static inline uint64_t sn_ns_of(int64_t sec, int64_t nsec)
{
	if (sec < 0 || nsec < 0)
		return 0;
	if ((uint64_t)sec >= SN_NS_MAX / 1000000000ull)
		return SN_NS_MAX;
	uint64_t ns = (uint64_t)sec * 1000000000ull + (uint64_t)nsec;
	return ns > SN_NS_MAX ? SN_NS_MAX : ns;
}

static inline uint64_t sn_timespec_ns(const struct timespec *ts)
{
	return sn_ns_of(ts->tv_sec, ts->tv_nsec);
}

static inline uint64_t sn_timeval_ns(const struct timeval *tv)
{
	return sn_ns_of(tv->tv_sec, (int64_t)tv->tv_usec * 1000);
}
uint64_t sn_realtime_now(void); /* CLOCK_REALTIME in ns */
int sn_loop_new(struct sn_loop **out);
void sn_loop_free(struct sn_loop *l);
/* Watches fd for events (EPOLL*); cb runs from sn_loop_run_once. */
int sn_loop_add_fd(struct sn_loop *l, int fd, uint32_t events, sn_fd_cb cb,
		   void *arg);
void sn_loop_del_fd(struct sn_loop *l, int fd);
void sn_timer_arm(struct sn_loop *l, struct sn_timer *t, uint64_t deadline);
void sn_timer_cancel(struct sn_timer *t);
/* Waits up to timeout_ms (-1: until an fd or timer fires) and runs the
 * callbacks that are due. */
int sn_loop_run_once(struct sn_loop *l, int timeout_ms);

/* ---- wait queues --------------------------------------------------------- */

struct sn_waitq {
	struct rs_list waiters;
};

struct sn_waiter {
	struct rs_list link;
	void (*fn)(struct sn_waiter *w, uint32_t events);
	void *arg;
	uint32_t mask; /* events of interest; 0 means all */
};

void sn_waitq_init(struct sn_waitq *q);
void sn_waitq_add(struct sn_waitq *q, struct sn_waiter *w);
void sn_waiter_del(struct sn_waiter *w);
/* Calls every waiter interested in events. Waiters may delete themselves
 * (but no others) from their callbacks. */
void sn_waitq_wake(struct sn_waitq *q, uint32_t events);
/* For a queue about to be freed: wakes every waiter with POLLHUP |
 * POLLERR, then unlinks them all (their later deletion is harmless). */
void sn_waitq_detach_all(struct sn_waitq *q);

/* ---- syscall context ----------------------------------------------------- */

enum sn_action {
	SN_DONE,      /* sc->ret is the result; the host skips the syscall */
	SN_PARK,      /* the task waits; the handler runs again when woken */
	SN_PASS,      /* the host runs the (possibly rewritten) syscall */
	SN_PASS_HOOK, /* as SN_PASS, then sc->hook runs at syscall exit */
	SN_GONE,      /* the task no longer exists or was resumed already */
};

/* How a syscall parked in the Sentry reacts to a signal (Linux's
 * -ERESTARTSYS / -ERESTARTNOHAND / -EINTR conventions). */
enum sn_restart {
	SN_RESTART_SYS,	   /* restart if SA_RESTART, else EINTR */
	SN_RESTART_NOHAND, /* restart only if no handler ran */
	SN_RESTART_NEVER,  /* always EINTR */
	/* The call already took effect and only waits for its aftermath
	 * (a close lingering on unsent data): a signal ends it with 0. */
	SN_RESTART_DONE,
};

struct sn_sc {
	long nr;
	uint64_t a[6];
	long ret;
	bool first;	   /* first run of the handler for this syscall */
	bool timed_out;	   /* the deadline passed while parked */
	bool regs_dirty;   /* t->regs changed for SN_PASS(_HOOK) */
	uint64_t deadline; /* park deadline (CLOCK_MONOTONIC ns), 0: none */
	enum sn_restart restart;
	/* At syscall exit: sc->ret holds the host's result; the hook may
	 * change it (and t->regs) and returns SN_DONE. */
	enum sn_action (*hook)(struct sn_task *t, struct sn_sc *sc);
	uint64_t scratch[6]; /* handler state across retries and hooks */
	/* Bytes a parked transfer has already done: if a signal interrupts
	 * the wait, the call completes with this count instead of EINTR or
	 * a restart (which would repeat the bytes), as Linux returns a
	 * partial count (signal(7), "Interruption of system calls"). */
	size_t partial;
	/* A wait with its own signal mask (ppoll, pselect6, epoll_pwait):
	 * where the mask is in application memory, and its value. */
	uint64_t wait_sigmask_addr;
	uint64_t wait_sigmask;
	/* The file the call works on, held from its first run until it
	 * ends (sn_sc_hold_file): Linux keeps the file of a blocked call,
	 * so another thread closing the fd neither ends the call nor makes
	 * its retry find a different file that took the fd number. */
	struct sn_file *held;
};

/* ---- credentials, fs context ------------------------------------------- */

#define SN_NGROUPS_MAX 64

struct sn_creds {
	uid_t ruid, euid, suid, fsuid;
	gid_t rgid, egid, sgid, fsgid;
	int ngroups;
	gid_t groups[SN_NGROUPS_MAX];
};

struct sn_fsctx {
	int refs;
	char *cwd; /* canonical absolute path */
	mode_t umask;
};

/* ---- tasks and processes ----------------------------------------------- */

enum sn_task_state {
	TS_RUNNING,	 /* in the application or a host syscall */
	TS_PARKED,	 /* stopped at a syscall the Sentry has not finished */
	TS_HOOK,	 /* resumed with SYSCALL; waiting for the exit stop */
	TS_INTERRUPTED,	 /* being moved to syscall exit to take a signal */
	TS_GROUP_STOP,	 /* in a job-control stop */
	TS_NEW,		 /* created by clone, first stop not seen yet */
	TS_STOPPED_EXEC, /* between host execve and the loader */
};

struct sn_task {
	struct sn_kernel *k;
	pid_t tid;  /* host tid */
	pid_t vtid; /* tid in the sandbox's pid namespace */
	struct sn_proc *proc;
	enum sn_task_state state;
	sn_regs regs;
	struct sn_sc sc;
	struct sn_waiter **waiters;
	unsigned nwaiters, capwaiters;
	struct sn_timer timer;
	struct rs_list runq_link;
	struct rs_list hash_link;
	struct rs_list thread_link;
	bool on_runq;
	bool first_stop_seen;
	int pending_sig;	    /* to deliver at the next resume */
	unsigned long clone_flags;  /* of the clone in progress */
	struct sn_exec_image *exec; /* an execve waiting for its host exec */
	bool strace_pending;	    /* log the syscall at its exit */
	uint64_t sig_gen_seen;	    /* k->sig_gen at the syscall stop */
};

struct sn_proc {
	struct sn_kernel *k;
	pid_t pid;   /* host tgid */
	pid_t vpid;  /* pid in the sandbox */
	pid_t vppid; /* parent's vpid (0 for init) */
	struct sn_proc *parent;
	struct rs_list threads;
	unsigned nthreads;
	struct rs_list link;
	struct sn_fdtable *fdt;
	struct sn_fsctx *fs;
	struct sn_creds creds;
	int memfd;	    /* /proc/<pid>/mem, reopened after each exec */
	uint64_t stub_insn; /* `syscall; int3` trampoline, 0 if none */
	char *exe;	    /* canonical path of the executable */
	char *cmdline;	    /* argv, NUL-separated */
	size_t cmdline_len;
	struct rlimit rlim[RLIM_NLIMITS];
	struct sn_timer itimer; /* ITIMER_REAL / alarm */
	struct rs_list ptimers; /* timer_create timers (kernel/ptimer.c) */
	uint64_t itimer_interval;
	uint64_t start_ns;
	bool exited;
	bool execed;
	/* prctl(PR_SET_DUMPABLE, 0), kept here: made on the host it would
	 * stop the Sentry (same uid, no CAP_SYS_PTRACE) from reading the
	 * process's memory (ptrace_may_access). Inherited by fork, cleared
	 * by execve, as Linux's mm dumpable flag. */
	bool nondumpable;
	/* Told the wait(2) status when the process ends (a process `runsc
	 * exec` started, whose status its runsc waits for). */
	void (*on_exit)(void *arg, pid_t vpid, int status);
	void *on_exit_arg;
};

struct sn_kernel {
	struct sn_platform *plat;
	struct sn_loop *loop;
	struct rs_list tasks[256]; /* hash by host tid */
	struct rs_list procs;
	struct rs_list runq;
	struct rs_list mounts;
	struct sn_proc *init;
	struct gf_client *gofer;
	bool init_exited;
	/* The lifecycle (kernel/sandbox.c): the write end of the pipe that
	 * releases a held first process (-1 once started), and the fds
	 * runsc watches through sn_sandbox_watch. */
	int start_fd;
	struct rs_list watches;
	/* The spawner of processes `runsc exec` adds (kernel/spawner.c):
	 * its socket (-1: none) and whether it joined the namespaces. */
	int spawner_fd;
	pid_t spawner_pid;
	bool spawner_joined;
	unsigned ntasks;
	int exit_status;   /* wait(2) status of init */
	int forced_status; /* set when the Sentry ended init for a fault */
	/* Bumped by every event that may queue a signal to a task (kill and
	 * friends, Sentry timers, child exits, SIGPIPE): a task parking with
	 * the value it saw at its syscall stop cannot have missed one. */
	uint64_t sig_gen;
	struct sn_waitq sig_wq; /* woken with sig_gen: signalfd readers */
	bool strace;
	int strace_fd;
	char hostname[65];
	char domainname[65]; /* "(none)" unless set */
	uid_t uid;
	gid_t gid;
	uint64_t boot_ns;
	uint64_t boot_realtime_ns;
	struct sn_run_stats stats;
	void *unix_names;   /* abstract and path socket names (fs/unix.c) */
	struct sn_net *net; /* the sandbox's network (net/net.h) */
	char *cpuinfo;	    /* host /proc/cpuinfo, read before confinement */
	int host_proc;	    /* O_PATH fd of the host's /proc */
	int shm_dir;	/* O_PATH fd of the apps' SN_SHM_DIR, -1 until used */
	int host_sigfd; /* signals to forward to init (kernel/sentry.c) */
	uint64_t shm_files;	 /* backing files made so far (their names) */
	dev_t next_dev;		 /* device numbers for mounted file systems */
	struct sn_file *devnull; /* for stdio slots without a host fd */
	void *scratch;		 /* I/O payloads (syscalls/sys_file.c) */
	size_t scratch_cap;
};

/* Whether task t has capability cap (CAP_NET_ADMIN, ... from
 * <linux/capability.h>) over the sandbox. Today the Sentry models
 * capabilities as Linux does for a root user without a capability set
 * of its own: euid 0 has them all, any other euid none. Callers ask
 * through this one function so that real capability sets (capset, file
 * capabilities, user namespaces) can refine it in one place. */
bool sn_task_capable(const struct sn_task *t, int cap);

/* Task table. */
struct sn_task *sn_task_find(struct sn_kernel *k, pid_t tid);
struct sn_task *sn_task_new(struct sn_kernel *k, pid_t tid,
			    struct sn_proc *proc);
void sn_task_free(struct sn_task *t);
struct sn_proc *sn_proc_by_vpid(struct sn_kernel *k, pid_t vpid);
pid_t sn_host_to_vpid(struct sn_kernel *k, pid_t host);
/* Opens /proc/<pid>/<name> of the host through the /proc fd the Sentry
 * keeps (it still works after the Sentry confined itself). */
int sn_host_proc_open(struct sn_kernel *k, pid_t pid, const char *name,
		      int flags);
FILE *sn_host_proc_fopen(struct sn_kernel *k, pid_t pid, const char *name);

void sn_task_rekey(struct sn_task *t, pid_t tid);
/* Exec images (kernel/loader.c). */
struct sn_exec_image;
void sn_exec_image_free(struct sn_exec_image *img);
/* Parking. */
int sn_task_wait(struct sn_task *t, struct sn_waitq *q, uint32_t mask);
void sn_task_set_deadline(struct sn_task *t, uint64_t deadline);
void sn_task_wake(struct sn_task *t);
/* The file behind fd for a call that may park: looked up and held on the
 * call's first run, the same file on every retry (NULL: no such fd). */
struct sn_file *sn_sc_hold_file(struct sn_task *t, struct sn_sc *sc, int fd);
/* Drops the held file when the call ends. */
void sn_sc_release(struct sn_task *t);
/* Called by the engine after a handler returned SN_PARK. */
void sn_task_parked(struct sn_task *t);
/* Interrupts a parked task if a signal is pending and not blocked. */
void sn_task_check_interrupt(struct sn_task *t);
void sn_kernel_check_interrupts(struct sn_kernel *k);
/* Queues signal sig to host thread tid (via tgkill) and interrupts the
 * target if it is parked. */
int sn_signal_thread(struct sn_task *t, int sig);
/* Notes an event that may have queued a signal (bumps sig_gen, wakes
 * signalfd waiters). */
void sn_sig_event(struct sn_kernel *k);
/* Pending signals (thread's and process's) of a host thread. */
uint64_t sn_signals_pending(struct sn_kernel *k, pid_t tid);
/* True when the task's process catches sig (from /proc SigCgt). */
bool sn_signal_has_handler(struct sn_task *t, int sig);
int sn_signal_proc(struct sn_proc *p, int sig);

/* New processes (kernel/newproc.c): the Sentry's record of one (limits
 * copied from limits_of, or the defaults when NULL), its stdio from host
 * fds (borrowed, duplicated; -1: /dev/null), and the program's image
 * found as execvp finds it. */
struct sn_proc *sn_proc_create(struct sn_kernel *k, pid_t vpid, const char *cwd,
			       uid_t uid, gid_t gid,
			       const struct sn_proc *limits_of);
/* Host fds that become p's fds 0..n-1 (-1: /dev/null). */
int sn_proc_install_fds(struct sn_kernel *k, struct sn_proc *p, const int *fds,
			int n, struct rs_error **err);
/* Supplementary groups: -EINVAL past SN_NGROUPS_MAX. */
int sn_proc_set_groups(struct sn_proc *p, const gid_t *groups, size_t n);
int sn_exec_lookup(struct sn_task *t, char *const *argv, char *const *envp,
		   struct sn_exec_image **img);
/* The last steps of an application process before its stub image (kernel/
 * sentry.c); never returns. */
void sn_become_app(int err_fd) __attribute__((noreturn));

/* The spawner (kernel/spawner.c): started before confinement; joins the
 * namespaces of init_pid when told (after init built its stub root);
 * forks a child held until its go fd is written, in *pid and *go. */
int sn_spawner_start(struct sn_kernel *k, pid_t init_pid,
		     struct rs_error **err);
void sn_spawner_join(struct sn_kernel *k);
int sn_spawner_spawn(struct sn_kernel *k, pid_t *pid, int *go);
void sn_spawner_stop(struct sn_kernel *k);

/* Drops the fds runsc watched (kernel/sandbox.c), at the end. */
void sn_sandbox_unwatch_all(struct sn_kernel *k);

/* The syscall engine (kernel/dispatch.c). */
void sn_dispatch(struct sn_task *t);
void sn_complete(struct sn_task *t, enum sn_action a);
void sn_handle_stop(struct sn_kernel *k, const struct sn_stop *stop);
void sn_run_queue(struct sn_kernel *k);

/* Application memory (kernel/mm.c). Bounds-checked; -EFAULT on any
 * address that is not mapped readable/writable in the task's process. */
int sn_copy_in(struct sn_task *t, uint64_t addr, void *buf, size_t len);
int sn_copy_out(struct sn_task *t, uint64_t addr, const void *buf, size_t len);
/* Reads a NUL-terminated string into buf (cap bytes incl. NUL). Returns
 * its length, -EFAULT, or -ENAMETOOLONG when it does not fit. */
int sn_copy_in_str(struct sn_task *t, uint64_t addr, char *buf, size_t cap);
/* Writes through /proc/<pid>/mem, which also reaches read-only pages (for
 * the loader and file mmap). */
int sn_mem_poke(struct sn_proc *p, uint64_t addr, const void *buf, size_t len);
int sn_mem_open(struct sn_proc *p);

/* Process life cycle (kernel/task.c). */
void sn_proc_exit(struct sn_proc *p);
void sn_proc_free(struct sn_proc *p);
struct sn_fsctx *sn_fsctx_dup(const struct sn_fsctx *fs);
void sn_fsctx_put(struct sn_fsctx *fs);

/* Injects syscall nr into the stopped task through its process's
 * trampoline, saving and restoring the registers. Returns the result. */
long sn_inject(struct sn_task *t, long nr, uint64_t a0, uint64_t a1,
	       uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* Strace (kernel/strace.c). */
void sn_strace_syscall(struct sn_task *t, const struct sn_sc *sc, long ret);
void sn_strace_signal(struct sn_task *t, int sig);
void sn_strace_exec(struct sn_task *t, const char *path, int argc);

/* Returns true when the errno value v (negative) says "would block". */
static inline bool sn_is_again(long v)
{
	return v == -11; /* EAGAIN */
}

#endif
