/* nsd's event loop: one thread drives the netstack host (its stack, link
 * and timers: drivers/nethost.h) and the services.
 *
 * An epoll set holds the host's fd, a signalfd (SIGINT and SIGTERM end
 * the loop, SIGUSR1 calls a hook), and any host fd a module registers
 * (the control socket); its timeout is the next periodic tick. A wake-up
 * runs, in order: the host when its fd fired (the links' timers, received
 * frames into the stack in bounded bursts, each followed by the queue of
 * ready tasks so that services read what a burst brought before the next
 * comes, the stack's timers), the queue of ready tasks, a flush of the
 * host (frames the tasks sent, the host's timer re-armed), and the tick.
 *
 * Tasks: the stack reports socket readiness through ns_waiter callbacks,
 * which must not call back into the stack (netstack/socket.h). They only
 * queue a task here; the loop runs queued tasks after the stack has
 * returned. A task queued while the queue runs waits for the next round,
 * so a busy task cannot starve the link.
 */
#ifndef NSD_LOOP_H
#define NSD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nethost.h"
#include "runsc/error.h"
#include "runsc/list.h"

/* A zeroed task (with run set) is not queued. */
struct nsd_task {
	void (*run)(struct nsd_task *t);
	/* In the ready queue; NULL or self-linked while not queued. */
	struct rs_list link;
};

/* A host fd in the epoll set; on_event gets the epoll event bits. */
struct nsd_fd_handler {
	int fd;
	void (*on_event)(struct nsd_fd_handler *h, uint32_t events);
};

struct nsd_loop {
	struct drv_nethost *host; /* borrowed */
	uint64_t now; /* CLOCK_MONOTONIC ns at the start of this round */

	int epfd, sigfd;
	struct nsd_fd_handler host_h, sig_h;
	bool host_fired;      /* the host's fd fired in this wake-up */
	struct rs_list ready; /* of struct nsd_task.link */
	bool stop;
	int link_error; /* negative errno when a link failed */

	/* Called every tick_ns (idle sweeps). */
	void (*tick)(void *arg, uint64_t now);
	void *tick_arg;
	uint64_t tick_ns, next_tick;
	/* Called on SIGUSR1. */
	void (*on_usr1)(void *arg);
	void *usr1_arg;
};

/* Sets the loop up over a netstack host, and blocks SIGINT, SIGTERM and
 * SIGUSR1 for the process (they arrive through the signalfd). A link
 * going down is the host's to wait out (it counts it in its link_down
 * counter); any other link error ends the loop. Returns 0 or a negative
 * errno with *err set. */
int nsd_loop_init(struct nsd_loop *l, struct drv_nethost *host,
		  struct rs_error **err);

/* Closes the loop's fds. Registered handlers must be gone. */
void nsd_loop_fini(struct nsd_loop *l);

/* Runs until SIGINT/SIGTERM, nsd_loop_stop(), or a link failure. Returns
 * 0, or a negative errno with *err set (the link failed, epoll failed). */
int nsd_loop_run(struct nsd_loop *l, struct rs_error **err);

void nsd_loop_stop(struct nsd_loop *l);

/* Queues t to run after the stack returns (no-op when already queued).
 * Safe from ns_waiter callbacks. */
void nsd_loop_wake(struct nsd_loop *l, struct nsd_task *t);

/* Removes t from the queue if it is there. */
void nsd_task_cancel(struct nsd_task *t);

/* Adds, changes and removes host fds. Return 0 or -errno. */
int nsd_loop_add_fd(struct nsd_loop *l, struct nsd_fd_handler *h,
		    uint32_t events);
int nsd_loop_mod_fd(struct nsd_loop *l, struct nsd_fd_handler *h,
		    uint32_t events);
void nsd_loop_del_fd(struct nsd_loop *l, struct nsd_fd_handler *h);

/* Runs the host once, then the ready tasks, then flushes; for shutdown,
 * after closing sockets, so the resets and FINs leave. */
void nsd_loop_drain(struct nsd_loop *l);

#endif
