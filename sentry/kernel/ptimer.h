/* POSIX timers of a process kept by the Sentry (kernel/ptimer.c). Errors
 * are negative errno values. */
#ifndef SENTRY_KERNEL_PTIMER_H
#define SENTRY_KERNEL_PTIMER_H

#include <signal.h>
#include <time.h>

#include "kernel/kernel.h"

/* Ids of Sentry timers; the host's (CPU clocks) are small. */
#define SN_PTIMER_ID_BASE 0x100000

bool sn_ptimer_clock_ours(int clockid);
bool sn_ptimer_id_ours(int id);
/* Returns the new timer id. ev NULL: SIGALRM with the id as value. */
int sn_ptimer_create(struct sn_task *t, int clockid, const struct sigevent *ev);
int sn_ptimer_settime(struct sn_task *t, int id, int flags,
		      const struct itimerspec *nv, struct itimerspec *old);
int sn_ptimer_gettime(struct sn_task *t, int id, struct itimerspec *cur);
int sn_ptimer_getoverrun(struct sn_task *t, int id);
int sn_ptimer_delete(struct sn_task *t, int id);
/* At exec and exit (timers are not inherited nor kept across execve). */
void sn_ptimer_delete_all(struct sn_proc *p);

#endif
