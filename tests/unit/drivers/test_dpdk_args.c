/* The DPDK driver's EAL set-up when its arguments are wrong: one error
 * naming the arguments and EAL's own complaint (getopt's, here), nothing
 * printed on stdout, and a second try refused (EAL initialises once per
 * process: hence a runner of its own). Skipped without libdpdk. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/dpdk.h"

static void test_bad_eal_args_are_one_error(void **state)
{
	(void)state;
#ifdef HAVE_DPDK
	struct drv_dpdk_config cfg = {
		.args = "--no-huge --bogus-flag -m 64 --file-prefix=rs-unit-bad",
		.vdev = "net_null0",
	};
	struct drv_link *l;
	struct rs_error *err = NULL;
	long before = ftell(stdout);
	assert_int_equal(drv_dpdk_open(&cfg, &l, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "--bogus-flag"));
	assert_non_null(strstr(err->msg, "unrecognized option"));
	/* Nothing on one line but the error: no usage text. */
	assert_null(strchr(err->msg, '\n'));
	assert_int_equal(ftell(stdout), before);
	rs_error_clear(&err);
	assert_int_equal(drv_dpdk_open(&cfg, &l, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "cannot be retried"));
	rs_error_clear(&err);
	assert_false(drv_dpdk_active());
	/* EAL's runtime directory is not left behind. */
	struct stat st;
	assert_int_equal(stat("/var/run/dpdk/rs-unit-bad", &st), -1);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_eal_args_are_one_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
