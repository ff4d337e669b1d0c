/* The control socket: a Unix stream socket on the host at a path given
 * with --control. Each client that connects receives the stats JSON
 * (stats.h) and then end-of-file; what it sends is read and ignored. It
 * lets a test or an operator look at the stack without going through it
 * (`socat - UNIX-CONNECT:PATH`).
 *
 * Clients are served without blocking the loop: a reply the socket does
 * not take at once waits for EPOLLOUT. After the reply the client's slot
 * is kept until the client closes its end (at most 2 s, or 64 KiB sent,
 * enforced by nsd_control_tick()), so that its input is read and it sees
 * EOF rather than a reset. At most NSD_CONTROL_CLIENTS are served at a
 * time; more wait in the listen backlog, as they do while accept(2) fails
 * for want of fds or memory (retried when a client leaves or at the next
 * tick).
 */
#ifndef NSD_CONTROL_H
#define NSD_CONTROL_H

#include "loop.h"
#include "runsc/error.h"

#define NSD_CONTROL_CLIENTS 8

struct nsd_control;

/* Creates the socket at path (a stale socket there is replaced; any other
 * file is an error). json(arg) produces each reply (malloc'ed). Returns 0
 * with *out set or a negative errno with *err naming the path. */
int nsd_control_open(struct nsd_loop *loop, const char *path,
		     char *(*json)(void *arg), void *arg,
		     struct nsd_control **out, struct rs_error **err);

/* Periodic upkeep (call about once a second with the loop's clock):
 * closes clients that have lingered too long and resumes accepting after
 * an accept(2) failure. NULL is fine. */
void nsd_control_tick(struct nsd_control *c, uint64_t now);

/* Closes the socket and its clients and removes the path. NULL is fine. */
void nsd_control_close(struct nsd_control *c);

#endif
