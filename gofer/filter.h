/* The gofer's seccomp filter, built with libseccomp. */
#ifndef GOFER_FILTER_H
#define GOFER_FILTER_H

#include "runsc/error.h"

/* Installs the filter on the calling process (all threads: TSYNC): only the
 * syscalls the server makes are allowed, some with their arguments checked;
 * anything else kills the process. Needs no_new_privs or CAP_SYS_ADMIN. */
int gf_filter_install(struct rs_error **err);

#endif
