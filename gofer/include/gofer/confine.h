/* Confinement of the gofer process (what `runsc gofer` does before
 * serving), in two steps so the server can be built in between:
 *
 *   gf_confine_enter  new mount namespace; the rootfs bind-mounted on
 *                     itself without its submounts (nodev, nosuid, and
 *                     read-only for --ro) and made the root with
 *                     pivot_root; each --mount source cloned the same way
 *                     as a detached mount held only by an fd; /proc/self/fd
 *                     opened for the server before the host's /proc goes
 *                     out of reach.
 *   gf_confine_lock   no_new_privs; every capability dropped except those
 *                     file ownership needs (CHOWN, DAC_OVERRIDE,
 *                     DAC_READ_SEARCH, FOWNER, FSETID), from the bounding
 *                     set too; a libseccomp filter allowing only the
 *                     syscalls the server uses (others kill the process).
 *
 * Needs CAP_SYS_ADMIN (root) for the first step. Both are control plane:
 * a negative errno and *err on failure. Changes the calling process for
 * good; call them in the gofer process only, single-threaded.
 */
#ifndef GOFER_CONFINE_H
#define GOFER_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

#include "gofer/server.h"
#include "runsc/error.h"

struct gf_mount {
	const char *dest;   /* attach name, absolute: "/data" */
	const char *source; /* host directory */
	bool readonly;
};

struct gf_confine_config {
	const char *rootfs;
	bool readonly;
	const struct gf_mount *mounts;
	size_t nmounts;
};

/* What gf_confine_enter leaves for the server: exports[0] is the rootfs
 * ("/"), then one per mount. The fds are owned here and closed by
 * gf_confined_release (the server keeps its own duplicates). */
struct gf_confined {
	struct gf_export *exports;
	size_t nexports;
	int proc_self_fd;
};

int gf_confine_enter(const struct gf_confine_config *cfg,
		     struct gf_confined *out, struct rs_error **err);

void gf_confined_release(struct gf_confined *c);

int gf_confine_lock(struct rs_error **err);

#endif
