/* The requests a running sandbox answers on its control socket, served
 * inside `runsc boot` (the Sentry's process) for the other runsc
 * commands:
 *
 *   {"cmd":"start"}                       release the first process
 *   {"cmd":"kill","signal":N,"all":B}     signal init or every process
 *   {"cmd":"kill","signal":N,"pid":P}     signal process P
 *   {"cmd":"state"}                       {"started": B}
 *   {"cmd":"ps"}                          {"processes": [{pid, ppid,
 *                                          host_pid, uid, start_ns, comm,
 *                                          args}, ...]}
 *   {"cmd":"stats"}                       {"sentry": {counters}}
 *   {"cmd":"exec","args":[..],"env":[..],"cwd":..,"uid":..,"gid":..,
 *    "groups":[..]}
 *                                         with the stdio fds: {"pid": N}
 *   {"cmd":"wait","pid":N}                {"status": wait(2) status},
 *                                         when the exec'd process ends
 *                                         (killed if the waiter leaves)
 */
#ifndef RUNSC_SANDBOX_CTL_H
#define RUNSC_SANDBOX_CTL_H

#include "control.h"
#include "runsc/list.h"

struct rs_sandbox_ctl {
	struct sn_sandbox *sb;
	struct rs_list execd; /* processes exec started, until waited for */
};

/* Serves requests on listen_fd for the rest of the sandbox's life; ctl
 * must live as long. */
int rs_sandbox_ctl_serve(struct rs_sandbox_ctl *ctl, struct sn_sandbox *sb,
			 int listen_fd);

#endif
