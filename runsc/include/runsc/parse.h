/* Parsers for the command-line values runsc's subcommands share: fd numbers
 * and bind-mount specifications. One place, so that `runsc do`, `runsc gofer`
 * and `runsc boot` accept and refuse exactly the same strings.
 *
 * Errors: a negative value with *err naming the offending text (no errno).
 * Nothing here blocks or allocates beyond the error.
 */
#ifndef RUNSC_PARSE_H
#define RUNSC_PARSE_H

#include <stdbool.h>

#include "runsc/error.h"

/* A decimal fd number: digits only, 0..INT_MAX. Returns 0 and sets *fd, or
 * -1 (nothing else is reported: the caller names the flag). */
int rs_parse_fd(const char *s, int *fd);

/* One --mount value, pointing into the parsed string. */
struct rs_mount_arg {
	const char *dest;   /* absolute, not "/", without '=' */
	const char *source; /* non-empty, as given (may be relative); NULL
			     * for the DEST-only form */
	bool readonly;	    /* ":ro" given; ":rw" or nothing means writable */
};

/* Parses DEST=SRC[:ro|:rw] (want_source) or DEST[:ro|:rw] in place: arg is
 * cut at the '=' and before the mode suffix, and *m points into it. DEST is
 * everything before the first '=', so it cannot contain one; SRC may.
 * Messages name the flag as --mount. */
int rs_parse_mount(char *arg, bool want_source, struct rs_mount_arg *m,
		   struct rs_error **err);

#endif
