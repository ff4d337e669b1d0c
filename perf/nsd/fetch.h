/* nsd as a client (--fetch URL): one HTTP/1.1 GET over the stack, the
 * body hashed (SHA-256) and timed, then nsd stops. For a bulk transfer
 * between two netstacks (two nsd over DPDK's net_memif), where no kernel
 * client can reach the link.
 *
 * When it ends it prints one line on stdout:
 *   nsd: fetched BYTES bytes in SECONDS s (GBITS Gbit/s), sha256 HEX
 * and stops the loop; nsd exits 0 then, or 1 with the error (a refused
 * connection, a status other than 200, a body shorter than its
 * Content-Length).
 */
#ifndef NSD_FETCH_H
#define NSD_FETCH_H

#include "loop.h"
#include "netstack/stack.h"
#include "runsc/error.h"

struct nsd_fetch;

/* Parses url ("http://A.B.C.D[:PORT]/PATH" or "http://[X::Y]:PORT/P")
 * and starts the request once the stack can route to it. Returns 0, or
 * a negative errno with *err naming the URL. */
int nsd_fetch_start(struct nsd_loop *loop, struct ns_stack *stack,
		    const char *url, struct nsd_fetch **out,
		    struct rs_error **err);

/* 0 while running or after success; the negative errno of a failure. */
int nsd_fetch_result(const struct nsd_fetch *f);

void nsd_fetch_free(struct nsd_fetch *f); /* NULL is fine */

#endif
