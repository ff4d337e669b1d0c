/* signalfd(2): the file keeps the mask; signals stay queued in the host
 * kernel (the application's threads are host threads) until a read
 * dequeues one there (syscalls/sys_signal.c). Readiness is the owner's
 * pending set, re-checked whenever the Sentry sees a signal event. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

#include "fs/fs.h"

struct signalfd {
	uint64_t mask;
	pid_t owner; /* host pid of the process whose signals it reads */
};

static uint32_t sfd_poll(struct sn_file *f)
{
	struct signalfd *s = f->priv;
	return (sn_signals_pending(f->k, s->owner) & s->mask)
		       ? POLLIN | POLLRDNORM
		       : 0;
}

static ssize_t sfd_read(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off)
{
	(void)f, (void)t, (void)buf, (void)len, (void)off;
	return -EINVAL; /* reads go through sys_signal.c */
}

static int sfd_stat(struct sn_file *f, struct stat *st)
{
	return sn_file_generic_stat(f, st, 0600);
}

static struct sn_waitq *sfd_waitq(struct sn_file *f)
{
	return &f->k->sig_wq;
}

static void sfd_release(struct sn_file *f)
{
	free(f->priv);
}

static const struct sn_file_ops signalfd_ops = {
	.kind = "signalfd",
	.stream = true,
	.read = sfd_read,
	.poll = sfd_poll,
	.stat = sfd_stat,
	.waitq = sfd_waitq,
	.release = sfd_release,
};

bool sn_file_is_signalfd(const struct sn_file *f)
{
	return f->ops == &signalfd_ops;
}

uint64_t sn_signalfd_mask(const struct sn_file *f)
{
	return ((const struct signalfd *)f->priv)->mask;
}

void sn_signalfd_set_mask(struct sn_file *f, uint64_t mask)
{
	((struct signalfd *)f->priv)->mask = mask;
}

int sn_signalfd_new(struct sn_kernel *k, pid_t owner, uint64_t mask, int flags,
		    struct sn_file **out)
{
	struct signalfd *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->mask = mask;
	s->owner = owner;
	*out = sn_file_new(k, &signalfd_ops, O_RDWR | flags, s);
	if (*out == NULL) {
		free(s);
		return -ENOMEM;
	}
	sn_file_set_path(*out, "anon_inode:[signalfd]");
	return 0;
}
