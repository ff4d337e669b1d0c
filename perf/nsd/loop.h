/* nsd's event loop: one thread drives the netstack, its link and the
 * services.
 *
 * An epoll set holds the link's fd (EPOLLIN, and EPOLLOUT while the
 * driver has frames queued that the kernel refused), a timerfd armed for
 * the earliest of the stack's, the driver's and the loop's own deadlines,
 * a signalfd (SIGINT and SIGTERM end the loop, SIGUSR1 calls a hook), and
 * any host fd a module registers (the control socket). Every wake-up runs,
 * in order: the driver's timers, received frames into the stack (bounded
 * per wake-up so that services are not starved), the stack's timers, the
 * queue of ready tasks, a driver flush, and the periodic tick; the timerfd
 * is then armed from deadlines read after all of that.
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

#include "counters.h"
#include "drivers/driver.h"
#include "netstack/stack.h"
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
	struct ns_stack *stack;	       /* borrowed */
	struct drv_link *link;	       /* borrowed */
	struct nsd_counters *counters; /* borrowed */
	int ifindex;
	uint64_t now; /* CLOCK_MONOTONIC ns at the start of this round */

	int epfd, timerfd, sigfd;
	struct nsd_fd_handler link_h, timer_h, sig_h;
	uint32_t link_events;
	uint64_t armed;	      /* the timerfd's deadline, 0 when disarmed */
	struct rs_list ready; /* of struct nsd_task.link */
	bool stop;
	int link_error; /* negative errno when the link failed */

	/* Called every tick_ns (idle sweeps). */
	void (*tick)(void *arg, uint64_t now);
	void *tick_arg;
	uint64_t tick_ns, next_tick;
	/* Called on SIGUSR1. */
	void (*on_usr1)(void *arg);
	void *usr1_arg;
};

/* Sets the loop up over a stack and the link of its NIC `ifindex`, and
 * blocks SIGINT, SIGTERM and SIGUSR1 for the process (they arrive through
 * the signalfd). The link going down (-ENETDOWN) is counted in
 * counters->link_down and waited out; any other link error ends the loop.
 * Returns 0 or a negative errno with *err set. */
int nsd_loop_init(struct nsd_loop *l, struct ns_stack *stack,
		  struct drv_link *link, int ifindex,
		  struct nsd_counters *counters, struct rs_error **err);

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

/* Pushes queued frames out and runs the ready tasks once; for shutdown,
 * after closing sockets. */
void nsd_loop_drain(struct nsd_loop *l);

/* The deadline the loop sleeps until after a round: the earliest of the
 * stack's, the link's (drv_next_deadline(), read after the round's
 * receive, tasks and flush) and the next tick; NS_TIME_NEVER for none. */
uint64_t nsd_loop_next_deadline(const struct nsd_loop *l);

#endif
