/* The application's seccomp filter, generated with libseccomp.
 *
 * Every syscall traps to the Sentry (SECCOMP_RET_TRACE) except this short,
 * argument-checked allowlist, which the host kernel runs directly because
 * each call touches only the calling process's own memory, signal mask,
 * clocks or threads (DESIGN.md "Platform ptrace"). Anything added here must
 * keep that property. Syscalls of other ABIs (i386 int 0x80, x32) kill the
 * process: the Sentry only decodes x86-64.
 */
#include <errno.h>
#include <linux/mman.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>

#include "platform/allowlist.h"

/* madvise advice that only changes how the caller's own pages are kept.
 * Excluded: MADV_REMOVE (punches holes in shared files), MADV_HWPOISON and
 * MADV_SOFT_OFFLINE (page poisoning). */
static const int safe_madvise[] = {
	MADV_NORMAL,   MADV_RANDOM,	MADV_SEQUENTIAL, MADV_WILLNEED,
	MADV_DONTNEED, MADV_FREE,	MADV_DONTFORK,	 MADV_DOFORK,
	MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP,	 MADV_DODUMP,
	MADV_COLD,     MADV_PAGEOUT,	MADV_WIPEONFORK, MADV_KEEPONFORK,
};

/* Allowed without conditions on their arguments. */
static const int plain_allow[] = {
	SCMP_SYS(munmap),	SCMP_SYS(mprotect),
	SCMP_SYS(brk),		SCMP_SYS(mremap),
	SCMP_SYS(futex),	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
	SCMP_SYS(time),		SCMP_SYS(sched_yield),
	SCMP_SYS(arch_prctl),	SCMP_SYS(getpid),
	SCMP_SYS(gettid),	SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),		SCMP_SYS(set_tid_address),
	SCMP_SYS(sigaltstack),	SCMP_SYS(futex_waitv),
};

int sn_allowlist_build(scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRACE(0));
	if (ctx == NULL)
		return -ENOMEM;
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				 SCMP_ACT_KILL_PROCESS);
	for (unsigned i = 0; r == 0 && i < sizeof(plain_allow) / sizeof(int);
	     i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain_allow[i], 0);
	/* Anonymous mappings only: a file mapping must go through the
	 * Sentry, which owns every file. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				     SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS,
					     MAP_ANONYMOUS));
	for (unsigned i = 0; r == 0 && i < sizeof(safe_madvise) / sizeof(int);
	     i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(madvise), 1,
				     SCMP_A2(SCMP_CMP_EQ, safe_madvise[i], 0));
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

int sn_allowlist_load(void)
{
	scmp_filter_ctx ctx;
	int r = sn_allowlist_build(&ctx);
	if (r < 0)
		return r;
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

bool sn_allowlist_contains(long nr)
{
	for (unsigned i = 0; i < sizeof(plain_allow) / sizeof(int); i++)
		if (plain_allow[i] == nr)
			return true;
	return nr == SCMP_SYS(mmap) || nr == SCMP_SYS(madvise);
}
