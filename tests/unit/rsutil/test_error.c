/* The control-plane error type and cleanup helpers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "runsc/cleanup.h"
#include "runsc/error.h"

static int open_state(const char *path, struct rs_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rs_error_set(err, errno, "open `%s`", path);
	return fd;
}

static void test_error_names_object_and_errno(void **state)
{
	(void)state;
	struct rs_error *err = NULL;
	int r = open_state("/nonexistent/state.json", &err);
	assert_int_equal(r, -ENOENT);
	assert_non_null(err);
	char buf[256];
	assert_string_equal(
		rs_error_format(err, buf, sizeof(buf)),
		"open `/nonexistent/state.json`: No such file or directory");
	rs_error_free(err);
}

static void test_first_error_wins_and_wrap_adds_context(void **state)
{
	(void)state;
	struct rs_error *err = NULL;
	assert_int_equal(rs_error_set(&err, EACCES, "first"), -EACCES);
	assert_int_equal(rs_error_set(&err, EPERM, "second"), -EPERM);
	assert_int_equal(rs_error_wrap(&err, "load container `%s`", "c1"),
			 -EACCES);
	char buf[256];
	assert_string_equal(rs_error_format(err, buf, sizeof(buf)),
			    "load container `c1`: first: Permission denied");
	rs_error_clear(&err);
	assert_null(err);
}

static void test_error_without_errno(void **state)
{
	(void)state;
	cleanup_error struct rs_error *err = NULL;
	assert_int_equal(rs_error_set(&err, 0, "bad value `%d`", 7), -1);
	char buf[64];
	assert_string_equal(rs_error_format(err, buf, sizeof(buf)),
			    "bad value `7`");
	/* A NULL err pointer is allowed: only the return value matters. */
	assert_int_equal(rs_error_set(NULL, ENOMEM, "x"), -ENOMEM);
}

static int opened_fd = -1;

static void open_and_leave(void)
{
	cleanup_close int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	opened_fd = fd;
}

static int open_and_steal(void)
{
	cleanup_close int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return steal_fd(&fd);
}

static void test_cleanup_close_and_steal(void **state)
{
	(void)state;
	open_and_leave();
	assert_true(opened_fd >= 0);
	assert_int_equal(fcntl(opened_fd, F_GETFD),
			 -1); /* closed at scope end */
	int fd = open_and_steal();
	assert_true(fcntl(fd, F_GETFD) >= 0); /* handed over, still open */
	close(fd);
	cleanup_free char *p = strdup("x");
	/* cppcheck does not model __attribute__((cleanup)). */
	// cppcheck-suppress memleak
	char *q = steal_pointer(&p);
	assert_null(p);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_names_object_and_errno),
		cmocka_unit_test(test_first_error_wins_and_wrap_adds_context),
		cmocka_unit_test(test_error_without_errno),
		cmocka_unit_test(test_cleanup_close_and_steal),
	};
	return cmocka_run_group_tests_name("rsutil/error", tests, NULL, NULL);
}
