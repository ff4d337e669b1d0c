/* The gofer's seccomp allowlist, tried in a child process: what the server
 * calls passes, neighbours it never calls kill the process. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "filter.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

enum probe {
	PROBE_DUPFD_CLOEXEC,
	PROBE_GETFL,
	PROBE_SETFD,
	PROBE_RENAMEAT2_NOFLAGS,
	PROBE_RENAMEAT2_NOREPLACE,
};

/* Runs one call under the filter in a child; returns its wait status. */
static int under_filter(enum probe p)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    gf_filter_install(NULL) < 0)
			_exit(100);
		switch (p) {
		case PROBE_DUPFD_CLOEXEC:
			syscall(SYS_fcntl, 0, F_DUPFD_CLOEXEC, 0);
			break;
		case PROBE_GETFL:
			syscall(SYS_fcntl, 0, F_GETFL);
			break;
		case PROBE_SETFD:
			syscall(SYS_fcntl, 0, F_SETFD, 0);
			break;
		case PROBE_RENAMEAT2_NOFLAGS:
			syscall(SYS_renameat2, AT_FDCWD, "/nonexistent/a",
				AT_FDCWD, "/nonexistent/b", 0);
			break;
		case PROBE_RENAMEAT2_NOREPLACE:
			syscall(SYS_renameat2, AT_FDCWD, "/nonexistent/a",
				AT_FDCWD, "/nonexistent/b", RENAME_NOREPLACE);
			break;
		}
		/* Not _exit: ASan's wrapper makes calls the filter refuses. */
		syscall(SYS_exit_group, 0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static bool killed(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

static bool passed(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_fcntl_only_dupfd_cloexec(void **state)
{
	(void)state;
	assert_true(passed(under_filter(PROBE_DUPFD_CLOEXEC)));
	assert_true(killed(under_filter(PROBE_GETFL)));
	assert_true(killed(under_filter(PROBE_SETFD)));
}

static void test_renameat2_only_without_flags(void **state)
{
	(void)state;
	assert_true(passed(under_filter(PROBE_RENAMEAT2_NOFLAGS)));
	assert_true(killed(under_filter(PROBE_RENAMEAT2_NOREPLACE)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fcntl_only_dupfd_cloexec),
		cmocka_unit_test(test_renameat2_only_without_flags),
	};
	return cmocka_run_group_tests_name("gofer/filter", tests, NULL, NULL);
}
