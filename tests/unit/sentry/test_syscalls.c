/* Syscall handlers run against the fake kernel. The fake task's host tid
 * is this process, so the handlers' copy-in/copy-out (process_vm_readv on
 * the task) reach this test's own memory: arguments are plain pointers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "syscalls/syscalls.h"

static int setup(void **state)
{
	static struct fake f;
	fake_init(&f);
	sn_task_rekey(f.task, getpid());
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fake_free(*state);
	return 0;
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Runs handler with up to six arguments; returns sc.ret. */
#define CALL(fx, name, ...)                                             \
	({                                                              \
		struct sn_sc sc_ = { .first = true, .a = { __VA_ARGS__ } }; \
		assert_int_equal(sys_##name((fx)->task, &sc_), SN_DONE); \
		sc_.ret;                                                \
	})

/* Every path operation on /proc answers with an errno (the procfs ops
 * table lacked most of them, and the handlers called through NULL). */
static void test_proc_path_ops(void **state)
{
	struct fake *f = *state;
	const char *cpu = "/proc/cpuinfo", *nu = "/proc/new";
	assert_int_equal(CALL(f, chmod, ptr(cpu), 0600), -EPERM);
	assert_int_equal(CALL(f, chown, ptr(cpu), 1, 1), -EPERM);
	assert_int_equal(CALL(f, rename, ptr(cpu), ptr(nu)), -ENOENT);
	assert_int_equal(CALL(f, rename, ptr(cpu), ptr("/proc/version")),
			 -EPERM);
	assert_int_equal(CALL(f, link, ptr(cpu), ptr(nu)), -ENOENT);
	assert_int_equal(CALL(f, symlink, ptr("x"), ptr(nu)), -ENOENT);
	assert_int_equal(CALL(f, mkdir, ptr(nu), 0755), -ENOENT);
	assert_int_equal(CALL(f, mknod, ptr(nu), S_IFIFO | 0644, 0), -ENOENT);
	assert_int_equal(CALL(f, unlink, ptr(cpu)), -EPERM);
	assert_int_equal(CALL(f, open, ptr(nu), O_WRONLY | O_CREAT, 0644),
			 -ENOENT);
	/* As on Linux for root, truncate and touch have no lasting effect
	 * but succeed. */
	assert_int_equal(CALL(f, truncate, ptr(cpu), 0), 0);
	assert_int_equal(CALL(f, utimensat, (uint64_t)AT_FDCWD, ptr(cpu), 0, 0),
			 0);
	/* Not root and not the owner: touch needs write permission. */
	f->proc->creds.euid = f->proc->creds.fsuid = 1000;
	assert_int_equal(CALL(f, utimensat, (uint64_t)AT_FDCWD, ptr(cpu), 0, 0),
			 -EACCES);
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	assert_int_equal(
		CALL(f, utimensat, (uint64_t)AT_FDCWD, ptr(cpu), ptr(ts), 0),
		-EPERM);
	assert_int_equal(CALL(f, truncate, ptr(cpu), 0), -EACCES);
	f->proc->creds.euid = f->proc->creds.fsuid = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_proc_path_ops, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
