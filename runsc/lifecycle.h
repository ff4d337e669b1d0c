/* The OCI lifecycle of one container (runtime-spec runtime.md), shared by
 * the commands that drive it: create, start, run, kill, delete, exec, ps.
 *
 * A container is two host processes, both descendants of `runsc create`
 * (so that an engine's shim, a subreaper, inherits them when create
 * exits):
 *   - `runsc boot`, the Sentry: its pid is the container's pid (state's
 *     pid, --pid-file) and it exits as the container's init did;
 *   - `runsc gofer`, the file server, which exits when the Sentry does.
 * The state directory <root>/<id>/ (state.h) holds, besides state.json,
 * the config as create read it (config.json: start and delete run its
 * hooks even when the bundle changed or is gone) and the Sentry's control
 * socket (control.h), through which the other commands reach the sandbox.
 *
 * The runtime's private state fields (rs_state.ext):
 *   "cgroup"   the container's cgroup path, when it has one
 */
#ifndef RUNSC_LIFECYCLE_H
#define RUNSC_LIFECYCLE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci_spec.h"
#include "runsc.h"
#include "runsc/error.h"
#include "state.h"

/* The saved config's name in the state directory. */
#define RS_CONFIG_NAME "config.json"

struct rs_create_opts {
	const char *bundle;	    /* NULL: the working directory */
	const char *pid_file;	    /* NULL: none */
	const char *console_socket; /* NULL: none */
	unsigned preserve_fds;	    /* fds 3.. passed to the process */
};

/* run's own flags. */
struct rs_run_opts {
	bool detach; /* -d: return once the process runs */
	bool keep;   /* --keep: do not delete the container when it exits */
};

/* Parses create's flags (and run's, when run is not NULL) up to the ID,
 * which is left at argv[optind]. Returns 0, or 1 after printing a usage
 * error. *help: --help was given (nothing else is parsed). */
int rs_parse_create_flags(const char *cmd, int argc, char **argv,
			  struct rs_create_opts *o, struct rs_run_opts *run,
			  bool *help);

/* `runsc create`: the container set up with its first process held. Sets
 * *boot_pid (a child of the caller). Leaves nothing behind on failure. */
int rs_lifecycle_create(const struct rs_global *g, const char *id,
			const struct rs_create_opts *o, pid_t *boot_pid,
			struct rs_error **err);

/* `runsc start`: runs the first process of a created container. */
int rs_lifecycle_start(const struct rs_global *g, const char *id,
		       struct rs_error **err);

/* `runsc kill`: sig to the first process, or to every process (all). */
int rs_lifecycle_kill(const struct rs_global *g, const char *id, int sig,
		      bool all, struct rs_error **err);

/* `runsc delete`: a stopped or created container (any with force) is
 * killed, waited for, its poststop hooks run and its state removed.
 * A missing container with force is not an error, as with runc. */
int rs_lifecycle_delete(const struct rs_global *g, const char *id, bool force,
			struct rs_error **err);

/* The container's state directory (an fd), without its lock: exec and ps
 * must not hold the lock for as long as a process runs. */
int rs_lifecycle_dir(const struct rs_global *g, const char *id,
		     struct rs_error **err);

/* The config create saved in the state directory dirfd (bundle: the
 * state's, for root.path). */
int rs_lifecycle_saved_spec(int dirfd, const char *bundle,
			    struct rs_oci_spec **out, struct rs_error **err);

/* A request to a running sandbox's control socket (control.h), with
 * timeout_ms (-1: none). Errors name the container. */
int rs_lifecycle_call(const struct rs_global *g, const char *id,
		      json_t *request, const int *fds, int nfds, int timeout_ms,
		      json_t **reply, struct rs_error **err);

/* A signal by name ("KILL", "SIGKILL") or number, as runc's kill reads
 * it. Returns 0 and sets *sig, or an error naming s. */
int rs_parse_signal(const char *s, int *sig, struct rs_error **err);

#endif
