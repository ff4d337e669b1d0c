/* Starting runsc's own helper processes: the command line of a runsc child
 * (the same binary, the same global flags) and the gofer that serves a
 * sandbox's files (`runsc do`, `runsc create`). */
#ifndef RUNSC_GOFER_START_H
#define RUNSC_GOFER_START_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runsc.h"
#include "runsc/error.h"

/* Fills v with "runsc", g's global flags as given and cmd; returns the
 * number of entries used, or 0 when cap is too small. v is not
 * NULL-terminated. */
size_t rs_self_argv(const struct rs_global *g, const char *cmd, const char **v,
		    size_t cap);

/* A host directory or file the gofer serves at dest. */
struct rs_gofer_mount {
	const char *dest;   /* absolute, without '=' */
	const char *source; /* absolute host path */
	bool readonly;
};

#define RS_GOFER_MAX_MOUNTS 64

/* Starts `runsc gofer` serving rootfs (and mounts) on one end of a
 * socketpair, in a session of its own, and returns the other end for the
 * Sentry (close-on-exec) with *pid the gofer's. The gofer ends when that
 * end is closed. */
int rs_gofer_start(const struct rs_global *g, const char *rootfs, bool readonly,
		   const struct rs_gofer_mount *mounts, size_t nmounts,
		   pid_t *pid, struct rs_error **err);

#endif
