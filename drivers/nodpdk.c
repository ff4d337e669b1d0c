/* drivers/dpdk.h in a build without libdpdk (the Makefile compiles the
 * dpdk*.c files only when pkg-config finds it): the driver is refused
 * with a message saying why, and nothing of DPDK is active. */
#ifndef HAVE_DPDK
#include <errno.h>
#include <stddef.h>

#include "drivers/dpdk.h"

int drv_dpdk_open(const struct drv_dpdk_config *cfg, struct drv_link **out,
		  struct rs_error **err)
{
	(void)cfg;
	(void)out;
	return rs_error_set(err, ENOTSUP,
			    "dpdk: this build has no DPDK driver (libdpdk was "
			    "not found at build time; `make deps` installs "
			    "it)");
}

bool drv_dpdk_active(void)
{
	return false;
}

const int *drv_dpdk_confine_syscalls(unsigned *n)
{
	*n = 0;
	return NULL;
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int drv_nodpdk_unused;
#endif
