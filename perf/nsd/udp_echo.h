/* UDP echo (RFC 862) on a netstack socket: each datagram goes back to its
 * sender, whole. A reply the stack refuses (no buffer space, no route) is
 * dropped and counted in udp_dropped, as a kernel echo server would lose
 * it.
 */
#ifndef NSD_UDP_ECHO_H
#define NSD_UDP_ECHO_H

#include <stdint.h>

#include "counters.h"
#include "loop.h"
#include "runsc/error.h"

struct nsd_udp_echo;

/* Binds the wildcard address of family (AF_INET, or AF_INET6 IPv6-only)
 * at port. Returns 0 with *out set, or a negative errno with *err set. */
int nsd_udp_echo_open(struct nsd_loop *loop, struct ns_stack *stack, int family,
		      uint16_t port, struct nsd_counters *counters,
		      struct nsd_udp_echo **out, struct rs_error **err);

void nsd_udp_echo_close(struct nsd_udp_echo *e); /* NULL is fine */

#endif
