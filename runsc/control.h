/* The control channel between runsc commands and a running Sentry: a unix
 * stream socket in the container's state directory, one JSON request per
 * connection (a line), one JSON reply (a line), file descriptors passed
 * with the request by SCM_RIGHTS (exec's stdio).
 *
 * Replies are {"ok": true, ...} or {"ok": false, "errno": N, "error":
 * "text"}. The server runs inside the Sentry's event loop and never
 * blocks on a client: it reads what is there, answers once the line is
 * complete, and drops a client that sends more than a request's worth or
 * takes too long to finish its line.
 */
#ifndef RUNSC_CONTROL_H
#define RUNSC_CONTROL_H

#include <jansson.h>

#include "runsc/error.h"
#include "sentry/sentry.h"

/* The socket's name in the state directory. */
#define RS_CONTROL_NAME "control.sock"

/* Largest request or reply line. */
#define RS_CONTROL_MAX (64 * 1024)

/* Most fds one request carries. */
#define RS_CONTROL_MAX_FDS 8

/* Creates the listening socket RS_CONTROL_NAME in the directory dirfd
 * (mode 0600) and returns its fd (non-blocking, close-on-exec). */
int rs_control_listen(int dirfd, struct rs_error **err);

/* A client whose reply waits (rs_control_reply). */
struct rs_control_conn;

/* What a handler returns to answer later, through rs_control_reply. */
extern json_t rs_control_later;
#define RS_CONTROL_LATER (&rs_control_later)

/* A request's handler: returns the reply (a new reference), NULL for
 * {"ok": false} with ENOMEM, or RS_CONTROL_LATER to keep conn and answer
 * with rs_control_reply (a wait for a process to end). fds (the handler's
 * to close or keep) are the descriptors that came with the request. */
typedef json_t *(*rs_control_handler)(struct sn_sandbox *sb,
				      struct rs_control_conn *conn,
				      json_t *request, int *fds, int nfds,
				      void *arg);

/* Calls fn(arg) if the client of a request answered later goes away
 * before its reply (the connection is closed then, and conn is no longer
 * valid once fn returns). */
void rs_control_on_hangup(struct rs_control_conn *conn, void (*fn)(void *arg),
			  void *arg);

/* Sends the reply (borrowed) of a request answered later and closes the
 * client. */
void rs_control_reply(struct sn_sandbox *sb, struct rs_control_conn *conn,
		      json_t *reply);

/* Serves requests arriving on listen_fd from the Sentry's event loop
 * until the sandbox ends. Returns 0 or a negative errno. */
int rs_control_serve(struct sn_sandbox *sb, int listen_fd,
		     rs_control_handler handler, void *arg);

/* One request to the sandbox whose state directory is dirfd: sends
 * request (borrowed) with fds, waits up to timeout_ms (-1: as long as it
 * takes) for the reply and
 * returns it in *reply (the caller's reference). A reply with "ok": false
 * is returned as an error with its errno and text. */
int rs_control_call(int dirfd, json_t *request, const int *fds, int nfds,
		    int timeout_ms, json_t **reply, struct rs_error **err);

/* rs_control_call in two steps, for a client that waits on more than
 * the reply (exec's waiter also passes signals on): the connected socket
 * with the request sent, and later its reply. The caller closes the fd. */
int rs_control_send(int dirfd, json_t *request, const int *fds, int nfds,
		    struct rs_error **err);
int rs_control_receive(int fd, int timeout_ms, json_t **reply,
		       struct rs_error **err);

/* Reply helpers for handlers. */
json_t *rs_control_ok(void);
json_t *rs_control_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
