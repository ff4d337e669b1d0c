/* The application's seccomp filter: allowlisted calls run, everything else
 * traps (RET_TRACE; with no tracer attached the kernel fails it with
 * ENOSYS, which is what these children observe). */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "platform/allowlist.h"

/* Runs fn in a child under the filter and returns its result, which
 * travels through shared memory: the child cannot even exit (exit_group
 * traps too), so it ends when glibc's _exit falls through to a fault.
 * Returns 128 + the signal if the child died before reporting. */
static int under_filter(int (*fn)(void))
{
	int *result = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(result != MAP_FAILED);
	*result = -1;
	pid_t c = fork();
	if (c == 0) {
		/* Sanitizer runtimes catch SIGSEGV; the child must die of
		 * it, as it cannot exit. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sn_allowlist_load() < 0)
			_exit(99);
		*result = fn();
		_exit(0);
	}
	int st = 0;
	/* Bounded: a child that neither reports nor dies is killed. */
	for (int i = 0; i < 1000 && waitpid(c, &st, WNOHANG) == 0; i++)
		usleep(10000);
	if (kill(c, SIGKILL) == 0)
		waitpid(c, &st, 0);
	int r = *result;
	munmap(result, 4096);
	if (r < 0)
		return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 200;
	return r;
}

static int trapped(long r)
{
	return r == -1 && errno == ENOSYS;
}

static int anon_mmap_runs(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p != MAP_FAILED && munmap(p, 4096) == 0 ? 0 : 1;
}

static int file_mmap_traps(void)
{
	return trapped((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 0, 0))
		       ? 0
		       : 1;
}

static int madvise_checked(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (madvise(p, 4096, MADV_DONTNEED) != 0)
		return 1;
	return trapped(madvise(p, 4096, MADV_REMOVE)) ? 0 : 2;
}

static int others_trap(void)
{
	if (!trapped(syscall(SYS_getppid)))
		return 1;
	if (!trapped(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY)))
		return 2;
	if (!trapped(syscall(SYS_kill, 1, 0)))
		return 3;
	return syscall(SYS_gettid) > 0 ? 0 : 4;
}

static int i386_abi_kills(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
	return 0;
}

static void test_allowlist(void **state)
{
	(void)state;
	assert_int_equal(under_filter(anon_mmap_runs), 0);
	assert_int_equal(under_filter(file_mmap_traps), 0);
	assert_int_equal(under_filter(madvise_checked), 0);
	assert_int_equal(under_filter(others_trap), 0);
	/* Killed before it can report: SIGSYS from the filter's bad-arch
	 * action, or SIGSEGV where the kernel has no i386 emulation. */
	int r = under_filter(i386_abi_kills);
	assert_true(r == 128 + SIGSYS || r == 128 + SIGSEGV);
	assert_true(sn_allowlist_contains(SYS_futex));
	assert_false(sn_allowlist_contains(SYS_openat));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
