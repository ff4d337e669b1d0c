/* The platform: how the Sentry stops application threads at their system
 * calls, reads and writes their registers and memory, and resumes them.
 *
 * ptrace (platform/ptrace.c) is the first implementation. The interface is
 * kept narrow (wait for the next stop, get/set registers, inject a syscall,
 * resume) so that a faster platform in the manner of gVisor's systrap
 * (seccomp RET_TRAP, a SIGSYS handler in a stub page, registers exchanged
 * through shared memory) can be added behind the same ops table.
 *
 * Threading: one Sentry thread owns a platform; none of these calls is
 * thread-safe. Errors are negative Linux errno values.
 */
#ifndef SENTRY_PLATFORM_H
#define SENTRY_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

typedef struct user_regs_struct sn_regs;

enum sn_stop_kind {
	SN_STOP_NONE,
	SN_STOP_SYSCALL,      /* a trapped syscall, before it runs */
	SN_STOP_SYSCALL_EXIT, /* after a syscall the Sentry let run */
	SN_STOP_SIGNAL,	      /* a signal is about to be delivered */
	SN_STOP_GROUP,	      /* the thread entered a group stop */
	SN_STOP_EXEC,	      /* a host execve succeeded (new image) */
	SN_STOP_CLONE,	      /* fork/vfork/clone created child `msg` */
	SN_STOP_EXITED,	      /* the thread is gone; status in `status` */
	SN_STOP_NEW,	      /* first stop of an auto-attached thread */
};

struct sn_stop {
	enum sn_stop_kind kind;
	pid_t tid;
	int sig;	   /* SN_STOP_SIGNAL / SN_STOP_GROUP */
	int si_code;	   /* SN_STOP_SIGNAL: > 0 when the kernel raised it */
	int status;	   /* SN_STOP_EXITED: the wait(2) status */
	unsigned long msg; /* CLONE: new tid; EXEC: former tid */
};

enum sn_resume {
	SN_RESUME_CONT,	   /* run until the next trap */
	SN_RESUME_SYSCALL, /* also stop at the current syscall's exit */
	SN_RESUME_LISTEN,  /* stay in group stop, report the next change */
};

struct sn_platform;

struct sn_platform_ops {
	const char *name;
	/* Fd that becomes readable when a stop may be pending (for epoll). */
	int (*event_fd)(struct sn_platform *p);
	/* Returns 1 and fills *stop when a stop is pending, 0 when none is,
	 * negative errno (-ECHILD: no threads left) otherwise. Never blocks. */
	int (*next_stop)(struct sn_platform *p, struct sn_stop *stop);
	int (*get_regs)(struct sn_platform *p, pid_t tid, sn_regs *regs);
	int (*set_regs)(struct sn_platform *p, pid_t tid, const sn_regs *regs);
	/* Resumes a stopped thread, delivering `sig` (0: none). */
	int (*resume)(struct sn_platform *p, pid_t tid, enum sn_resume how,
		      int sig);
	/* Runs syscall `nr` in a stopped thread through the trampoline at
	 * `insn` (`mov %r12,%rax; syscall; int3`, the number in both rax and
	 * r12) and returns its result in *ret. The thread's
	 * registers are *clobbered*: the caller saves and restores them.
	 * Blocks the Sentry only for the duration of that one syscall, which
	 * the caller chooses (mmap, munmap). A signal that arrives meanwhile
	 * is kept and returned through *pending_sig for later delivery. */
	int (*inject)(struct sn_platform *p, pid_t tid, uint64_t insn, long nr,
		      const uint64_t args[6], long *ret, int *pending_sig);
	/* Forcibly ends a thread group (SIGKILL). */
	void (*kill)(struct sn_platform *p, pid_t tid);
	void (*destroy)(struct sn_platform *p);
};

struct sn_platform {
	const struct sn_platform_ops *ops;
};

/* Syscall number and arguments as the x86-64 ABI passes them. */
static inline long sn_regs_nr(const sn_regs *r)
{
	return (long)r->orig_rax;
}

/* Creates the ptrace platform. Threads are attached with sn_ptrace_seize
 * (the first) and automatically afterwards (fork, vfork, clone). */
int sn_ptrace_create(struct sn_platform **out);
/* Seizes `pid` (a child of the caller that waits for it) with the tracing
 * options the Sentry needs; exits of the Sentry kill the tracees. */
int sn_ptrace_seize(struct sn_platform *p, pid_t pid);

#endif
