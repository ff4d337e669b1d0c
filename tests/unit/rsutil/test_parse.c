/* The shared command-line value parsers: fd numbers and --mount specs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "runsc/cleanup.h"
#include "runsc/parse.h"

static void test_fd_accepts_plain_decimal(void **state)
{
	(void)state;
	int fd = -1;
	assert_int_equal(rs_parse_fd("0", &fd), 0);
	assert_int_equal(fd, 0);
	assert_int_equal(rs_parse_fd("2147483647", &fd), 0);
	assert_int_equal(fd, 2147483647);
}

static void test_fd_refuses_empty_signs_junk_and_overflow(void **state)
{
	(void)state;
	const char *bad[] = {
		"",	      " 3",	     "+3",
		"-1",	      "3x",	     "x",
		"2147483648", "99999999999", "18446744073709551619"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = 42;
		assert_int_equal(rs_parse_fd(bad[i], &fd), -1);
		assert_int_equal(fd, 42);
	}
}

/* Parses a copy of spec; returns rs_parse_mount's result. */
static int parse(const char *spec, bool want_source, char *buf, size_t cap,
		 struct rs_mount_arg *m)
{
	snprintf(buf, cap, "%s", spec);
	cleanup_error struct rs_error *err = NULL;
	int rc = rs_parse_mount(buf, want_source, m, &err);
	assert_true((rc < 0) == (err != NULL));
	return rc;
}

static void test_mount_with_source_and_mode(void **state)
{
	(void)state;
	char buf[64];
	struct rs_mount_arg m;
	assert_int_equal(parse("/data=/srv/d:ro", true, buf, sizeof(buf), &m),
			 0);
	assert_string_equal(m.dest, "/data");
	assert_string_equal(m.source, "/srv/d");
	assert_true(m.readonly);
	assert_int_equal(parse("/data=rel:rw", true, buf, sizeof(buf), &m), 0);
	assert_string_equal(m.source, "rel");
	assert_false(m.readonly);
	assert_int_equal(parse("/data=/s", true, buf, sizeof(buf), &m), 0);
	assert_string_equal(m.source, "/s");
	assert_false(m.readonly);
	/* DEST ends at the first '='; SRC may hold more. */
	assert_int_equal(parse("/d=/a=b:ro", true, buf, sizeof(buf), &m), 0);
	assert_string_equal(m.dest, "/d");
	assert_string_equal(m.source, "/a=b");
	/* Only a whole ":ro"/":rw" suffix is a mode. */
	assert_int_equal(parse("/d=/x:r", true, buf, sizeof(buf), &m), 0);
	assert_string_equal(m.source, "/x:r");
}

static void test_mount_dest_only(void **state)
{
	(void)state;
	char buf[64];
	struct rs_mount_arg m;
	assert_int_equal(parse("/data:rw", false, buf, sizeof(buf), &m), 0);
	assert_string_equal(m.dest, "/data");
	assert_null(m.source);
	assert_false(m.readonly);
	assert_int_equal(parse("/data:ro", false, buf, sizeof(buf), &m), 0);
	assert_string_equal(m.dest, "/data");
	assert_true(m.readonly);
	assert_int_equal(parse("/data", false, buf, sizeof(buf), &m), 0);
	assert_string_equal(m.dest, "/data");
	assert_false(m.readonly);
}

static void test_mount_refusals(void **state)
{
	(void)state;
	char buf[64];
	struct rs_mount_arg m;
	const char *with_source[] = { "/data",	 "/data=", "/data=:ro",
				      "data=/s", "=/s",	   "/=/s:ro" };
	for (size_t i = 0; i < sizeof(with_source) / sizeof(with_source[0]);
	     i++)
		assert_int_equal(
			parse(with_source[i], true, buf, sizeof(buf), &m), -1);
	const char *dest_only[] = { "data", "/", "/:rw", "/a=b", "" };
	for (size_t i = 0; i < sizeof(dest_only) / sizeof(dest_only[0]); i++)
		assert_int_equal(
			parse(dest_only[i], false, buf, sizeof(buf), &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_accepts_plain_decimal),
		cmocka_unit_test(test_fd_refuses_empty_signs_junk_and_overflow),
		cmocka_unit_test(test_mount_with_source_and_mode),
		cmocka_unit_test(test_mount_dest_only),
		cmocka_unit_test(test_mount_refusals),
	};
	return cmocka_run_group_tests_name("rsutil/parse", tests, NULL, NULL);
}
