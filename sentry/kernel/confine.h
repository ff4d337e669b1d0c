/* Self-confinement of the Sentry once the sandbox is set up (DESIGN.md:
 * namespaces, an empty root, no capabilities, a seccomp filter of the host
 * syscalls it needs). */
#ifndef SENTRY_KERNEL_CONFINE_H
#define SENTRY_KERNEL_CONFINE_H

#include <stdbool.h>

#include "runsc/error.h"

/* The host identity the Sentry and the application processes share after
 * set-up: the same uid lets the Sentry keep ptrace access to them without
 * capabilities. */
#define SN_SANDBOX_HOST_ID 65534

/* Moves the calling process into new mount, ipc, uts and (unless
 * host_net, --network=host) net namespaces with an empty read-only root,
 * drops to SN_SANDBOX_HOST_ID with no capabilities and loads the Sentry's
 * seccomp filter (with host_net, also the host socket calls of
 * net/hostinet*.c). Everything else it still needs from the host must be
 * open already (the /proc fd, the gofer socket, stdio). Irreversible. */
int sn_confine(bool host_net, struct rs_error **err);

/* Builds the Sentry's seccomp filter (for tests). */
int sn_confine_filter_build(bool host_net, void **ctx);

#endif
