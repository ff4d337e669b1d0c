/* Self-confinement of the Sentry once the sandbox is set up (DESIGN.md:
 * namespaces, an empty root, no capabilities, a seccomp filter of the host
 * syscalls it needs). */
#ifndef SENTRY_KERNEL_CONFINE_H
#define SENTRY_KERNEL_CONFINE_H

#include "runsc/error.h"

/* The host identity the Sentry and the application processes share after
 * set-up: the same uid lets the Sentry keep ptrace access to them without
 * capabilities. */
#define SN_SANDBOX_HOST_ID 65534

/* Moves the calling process into new mount, ipc, uts and net namespaces
 * with an empty read-only root, drops to SN_SANDBOX_HOST_ID with no
 * capabilities and loads the Sentry's seccomp filter. Everything it still
 * needs from the host must be open already (the /proc fd, the gofer
 * socket, stdio). Irreversible. */
int sn_confine(struct rs_error **err);

/* Builds the Sentry's seccomp filter (for tests). */
int sn_confine_filter_build(void **ctx);

#endif
