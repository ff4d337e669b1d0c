/* timerfd(2) on the Sentry's event-loop timers. Realtime clocks are
 * converted to a monotonic deadline when armed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>

#include "fs/fs.h"

struct timerfd {
	struct sn_timer timer;
	struct sn_file *file;
	int clockid;
	uint64_t interval; /* ns */
	uint64_t expirations;
};

static struct timespec ns_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ull),
				  .tv_nsec = (long)(ns % 1000000000ull) };
}

static void fired(struct sn_timer *timer)
{
	struct timerfd *tf = rs_container_of(timer, struct timerfd, timer);
	tf->expirations++;
	if (tf->interval) {
		uint64_t now = sn_now();
		uint64_t next = timer->deadline + tf->interval;
		if (next <= now) { /* missed periods count as expirations */
			uint64_t missed =
				(now - timer->deadline) / tf->interval;
			tf->expirations += missed;
			next = timer->deadline + (missed + 1) * tf->interval;
		}
		sn_timer_arm(tf->file->k->loop, timer, next);
	}
	sn_waitq_wake(&tf->file->wq, POLLIN);
}

static ssize_t tfd_read(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off)
{
	(void)t, (void)off;
	struct timerfd *tf = f->priv;
	if (len < 8)
		return -EINVAL;
	if (tf->expirations == 0)
		return -EAGAIN;
	memcpy(buf, &tf->expirations, 8);
	tf->expirations = 0;
	return 8;
}

static uint32_t tfd_poll(struct sn_file *f)
{
	struct timerfd *tf = f->priv;
	return tf->expirations ? POLLIN | POLLRDNORM : 0;
}

static int tfd_stat(struct sn_file *f, struct stat *st)
{
	return sn_file_generic_stat(f, st, 0600);
}

static void tfd_release(struct sn_file *f)
{
	struct timerfd *tf = f->priv;
	sn_timer_cancel(&tf->timer);
	free(tf);
}

static const struct sn_file_ops timerfd_ops = {
	.kind = "timerfd",
	.stream = true,
	.read = tfd_read,
	.poll = tfd_poll,
	.stat = tfd_stat,
	.release = tfd_release,
};

bool sn_file_is_timerfd(const struct sn_file *f)
{
	return f->ops == &timerfd_ops;
}

int sn_timerfd_new(struct sn_kernel *k, int clockid, int flags,
		   struct sn_file **out)
{
	if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC &&
	    clockid != CLOCK_BOOTTIME && clockid != CLOCK_REALTIME_ALARM &&
	    clockid != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	struct timerfd *tf = calloc(1, sizeof(*tf));
	if (tf == NULL)
		return -ENOMEM;
	tf->clockid = clockid;
	tf->timer.fn = fired;
	*out = sn_file_new(k, &timerfd_ops,
			   O_RDWR | (flags & TFD_NONBLOCK ? O_NONBLOCK : 0),
			   tf);
	if (*out == NULL) {
		free(tf);
		return -ENOMEM;
	}
	tf->file = *out;
	sn_file_set_path(*out, "anon_inode:[timerfd]");
	return 0;
}

static bool realtime(int clockid)
{
	return clockid == CLOCK_REALTIME || clockid == CLOCK_REALTIME_ALARM;
}

int sn_timerfd_gettime(struct sn_file *f, void *cur)
{
	struct timerfd *tf = f->priv;
	struct itimerspec its = { 0 };
	if (tf->timer.armed) {
		uint64_t now = sn_now();
		uint64_t left =
			tf->timer.deadline > now ? tf->timer.deadline - now : 1;
		its.it_value = ns_ts(left);
	}
	its.it_interval = ns_ts(tf->interval);
	memcpy(cur, &its, sizeof(its));
	return 0;
}

int sn_timerfd_settime(struct sn_file *f, int flags, const void *new_value,
		       void *old_value)
{
	struct timerfd *tf = f->priv;
	struct itimerspec nv;
	memcpy(&nv, new_value, sizeof(nv));
	if (nv.it_value.tv_nsec < 0 || nv.it_value.tv_nsec >= 1000000000 ||
	    nv.it_interval.tv_nsec < 0 ||
	    nv.it_interval.tv_nsec >= 1000000000 || nv.it_value.tv_sec < 0 ||
	    nv.it_interval.tv_sec < 0)
		return -EINVAL;
	if (old_value)
		sn_timerfd_gettime(f, old_value);
	sn_timer_cancel(&tf->timer);
	tf->expirations = 0;
	tf->interval = sn_timespec_ns(&nv.it_interval);
	uint64_t value = sn_timespec_ns(&nv.it_value);
	if (value == 0)
		return 0;
	uint64_t now = sn_now(), deadline;
	if (flags & TFD_TIMER_ABSTIME) {
		uint64_t clock_now =
			realtime(tf->clockid) ? sn_realtime_now() : now;
		deadline = value > clock_now ? now + (value - clock_now) : now;
	} else {
		deadline = now + value;
	}
	sn_timer_arm(f->k->loop, &tf->timer, deadline);
	return 0;
}
