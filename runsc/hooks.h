/* OCI lifecycle hooks (runtime-spec config.md "POSIX-platform Hooks"):
 * each hook runs as a host process in the runtime's namespaces with the
 * container's state JSON on its stdin, its args (args[0] is argv[0]; the
 * path alone when args is empty) and env (empty when absent), within its
 * timeout.
 *
 * As runc: a hook that fails (non-zero exit, a signal, a timeout, a path
 * that does not run) stops the operation with
 * "error running KIND hook #N: ..." including what it printed (stdout and
 * stderr, capped); the hooks after it do not run. Poststop hooks are the
 * exception the caller makes: it logs their failures and goes on.
 */
#ifndef RUNSC_HOOKS_H
#define RUNSC_HOOKS_H

#include <jansson.h>

#include "oci_spec.h"
#include "runsc/error.h"

/* Runs spec's hooks of kind in order, each given state (the OCI state,
 * borrowed). Returns 0 or the first failure. */
int rs_hooks_run(const struct rs_oci_spec *spec, enum rs_oci_hook_kind kind,
		 json_t *state, struct rs_error **err);

#endif
