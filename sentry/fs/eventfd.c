/* eventfd(2): a 64-bit counter, optionally a semaphore. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "fs/fs.h"

#define EVENTFD_MAX 0xfffffffffffffffeull

struct eventfd {
	uint64_t count;
	bool semaphore;
};

static ssize_t efd_read(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off)
{
	(void)t, (void)off;
	struct eventfd *e = f->priv;
	if (len < 8)
		return -EINVAL;
	if (e->count == 0)
		return -EAGAIN;
	uint64_t v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, 8);
	sn_waitq_wake(&f->wq, POLLOUT);
	return 8;
}

static ssize_t efd_write(struct sn_file *f, struct sn_task *t, const void *buf,
			 size_t len, int64_t *off)
{
	(void)t, (void)off;
	struct eventfd *e = f->priv;
	uint64_t v;
	if (len < 8)
		return -EINVAL;
	memcpy(&v, buf, 8);
	if (v == UINT64_MAX)
		return -EINVAL;
	if (v > EVENTFD_MAX - e->count)
		return -EAGAIN;
	e->count += v;
	if (v)
		sn_waitq_wake(&f->wq, POLLIN);
	return 8;
}

static uint32_t efd_poll(struct sn_file *f)
{
	struct eventfd *e = f->priv;
	uint32_t ev = 0;
	if (e->count > 0)
		ev |= POLLIN | POLLRDNORM;
	if (e->count < EVENTFD_MAX)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

static int efd_stat(struct sn_file *f, struct stat *st)
{
	return sn_file_generic_stat(f, st, 0600);
}

static void efd_release(struct sn_file *f)
{
	free(f->priv);
}

static const struct sn_file_ops eventfd_ops = {
	.kind = "eventfd",
	.stream = true,
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.stat = efd_stat,
	.release = efd_release,
};

int sn_eventfd_new(struct sn_kernel *k, uint64_t initval, int flags,
		   struct sn_file **out)
{
	struct eventfd *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	*out = sn_file_new(k, &eventfd_ops,
			   O_RDWR | (flags & EFD_NONBLOCK ? O_NONBLOCK : 0), e);
	if (*out == NULL) {
		free(e);
		return -ENOMEM;
	}
	sn_file_set_path(*out, "anon_inode:[eventfd]");
	return 0;
}
