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

/* The first half of sn_confine(), for a Sentry that starts threads while
 * it sets up (DPDK's EAL does, drivers/dpdk.h): new mount, ipc and uts
 * namespaces while the process is single-threaded, so that the threads
 * made afterwards share them, and the root that sn_confine() later
 * changes for every thread at once (threads share their fs_struct; an
 * unshare(CLONE_NEWNS) with threads around would give the caller a copy
 * of its own). The copied mount namespace still shows the host's files
 * until sn_confine(). */
int sn_confine_early(struct rs_error **err);

/* Moves the calling process into new mount, ipc, uts and (unless
 * host_net, --network=host) net namespaces with an empty read-only root,
 * drops to SN_SANDBOX_HOST_ID with no capabilities and loads the Sentry's
 * seccomp filter (with host_net, also the host socket calls of
 * net/hostinet*.c). Everything else it still needs from the host must be
 * open already (the /proc fd, the gofer socket, stdio). Irreversible.
 * When DPDK is active the filter is loaded on every thread (TSYNC, which
 * also sets no_new_privs on each) and allows what DPDK needs
 * (drv_dpdk_confine_syscalls()); the namespaces and root then come from
 * sn_confine_early(), called before DPDK started its threads. */
int sn_confine(bool host_net, struct rs_error **err);

/* Builds the Sentry's seccomp filter (for tests). */
int sn_confine_filter_build(bool host_net, void **ctx);

#endif
