/* The netstack on a link: a stack, the link opened from the options'
 * spec, one NIC over it with the configured addresses and default
 * routes. Time is CLOCK_MONOTONIC (drv_monotonic_ns), randomness
 * getrandom(2).
 */
#ifndef NSD_HOST_H
#define NSD_HOST_H

#include "drivers/driver.h"
#include "netstack/stack.h"
#include "options.h"
#include "runsc/error.h"

struct nsd_host {
	struct ns_stack *stack;
	struct drv_link *link;
	int ifindex;
};

/* Brings the host up. On failure nothing stays open; returns a negative
 * errno with *err naming what failed (the link spec, an address). */
int nsd_host_open(struct nsd_host *h, const struct nsd_options *o,
		  struct rs_error **err);

/* Destroys the stack, then closes the link (a capture file is completed
 * and flushed). */
void nsd_host_close(struct nsd_host *h);

#endif
