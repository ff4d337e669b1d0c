/* Control-plane errors: an errno plus a message naming the object.
 *
 * Setup code in runsc, the Sentry and the Gofer takes a final
 * `struct rs_error **err` argument (crun's libcrun_error_t). On failure a
 * function fills *err with rs_error_set() and returns its negative result;
 * the caller either adds context with rs_error_wrap() and returns, or prints
 * it once at the top with rs_error_print() and frees it. *err is NULL on
 * entry and stays NULL on success.
 *
 * The data plane (netstack, syscall handlers, drivers) never uses this: it
 * returns negative Linux errno values.
 */
#ifndef RUNSC_ERROR_H
#define RUNSC_ERROR_H

#include <stdio.h>

struct rs_error {
	int errnum; /* positive errno, 0 when there is no system error */
	char *msg;  /* "open `/run/runsc/c1/state.json`" */
};

/* Sets *err (if err is not NULL and *err is NULL; the first error wins) and
 * returns -errnum, or -1 when errnum is 0. A message that cannot be
 * allocated degrades to a fixed text; the function never fails. */
int rs_error_set(struct rs_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the message of an existing *err with "context: " and returns
 * -errnum (or -1). Useful when a callee's message lacks the caller's view. */
int rs_error_wrap(struct rs_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Formats the error as "msg: strerror(errnum)" into buf (always
 * NUL-terminated). Returns buf. */
const char *rs_error_format(const struct rs_error *err, char *buf, size_t len);

/* Prints "prog: msg: strerror" on one line to f, or hands the error to
 * the printer installed with rs_error_set_printer(). */
void rs_error_print(const struct rs_error *err, const char *prog, FILE *f);

/* A process-wide replacement for rs_error_print's output: runsc installs
 * one that also writes the error to its --log file in the --log-format
 * engines read (runc's JSON lines). NULL restores the default. */
typedef void (*rs_error_printer)(const struct rs_error *err, const char *prog,
				 FILE *f, void *arg);
void rs_error_set_printer(rs_error_printer printer, void *arg);

/* Frees err (NULL is fine). */
void rs_error_free(struct rs_error *err);

/* Frees *err and sets it to NULL: for an error that was handled. */
void rs_error_clear(struct rs_error **err);

#endif
