/* Pipes and FIFOs: a 64 KiB ring shared by the read and write ends, with
 * Linux's pipe(7) semantics (PIPE_BUF atomicity, EOF when the last writer
 * goes, EPIPE when the last reader goes). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fs/fs.h"

#define PIPE_CAP	65536
#define PIPE_BUF_ATOMIC 4096

struct pipe {
	char *buf;
	size_t head, len;
	int readers, writers;
	/* Opens ever made of each end: a FIFO reader that has never seen a
	 * writer waits for one instead of reading EOF (fifo(7)). */
	unsigned long r_opens, w_opens;
	struct sn_waitq wq;
	uint64_t ino;
	void **slot; /* the FIFO node's pointer to us, or NULL */
};

struct pipe_end {
	struct pipe *p;
	unsigned long opens_seen; /* the other end's opens at our open */
};

static uint64_t next_pipe_ino = 1;

static struct pipe *pipe_of(struct sn_file *f)
{
	return ((struct pipe_end *)f->priv)->p;
}

static void wake(struct pipe *p)
{
	uint32_t ev = 0;
	if (p->len)
		ev |= POLLIN;
	if (PIPE_CAP - p->len >= PIPE_BUF_ATOMIC)
		ev |= POLLOUT;
	if (p->writers == 0)
		ev |= POLLHUP;
	if (p->readers == 0)
		ev |= POLLERR;
	sn_waitq_wake(&p->wq, ev);
}

static ssize_t pipe_read(struct sn_file *f, struct sn_task *t, void *buf,
			 size_t len, int64_t *off)
{
	(void)t, (void)off;
	struct pipe *p = pipe_of(f);
	struct pipe_end *e = f->priv;
	if (len == 0)
		return 0;
	if (p->len == 0) {
		if (p->writers == 0 && p->w_opens != e->opens_seen)
			return 0;
		if (p->writers == 0 && p->slot == NULL)
			return 0;
		return -EAGAIN;
	}
	size_t n = len < p->len ? len : p->len;
	for (size_t done = 0; done < n;) {
		size_t chunk = PIPE_CAP - p->head;
		if (chunk > n - done)
			chunk = n - done;
		memcpy((char *)buf + done, p->buf + p->head, chunk);
		p->head = (p->head + chunk) % PIPE_CAP;
		done += chunk;
	}
	p->len -= n;
	wake(p);
	return (ssize_t)n;
}

static ssize_t pipe_write(struct sn_file *f, struct sn_task *t, const void *buf,
			  size_t len, int64_t *off)
{
	(void)t, (void)off;
	struct pipe *p = pipe_of(f);
	struct pipe_end *e = f->priv;
	if (p->readers == 0) {
		if (p->slot && p->r_opens == e->opens_seen)
			return -EAGAIN; /* a FIFO waiting for its reader */
		return -EPIPE;
	}
	if (len == 0)
		return 0;
	size_t room = PIPE_CAP - p->len;
	/* pipe(7): writes of at most PIPE_BUF bytes are atomic. */
	if (room == 0 || (len <= PIPE_BUF_ATOMIC && room < len))
		return -EAGAIN;
	size_t n = len < room ? len : room;
	size_t tail = (p->head + p->len) % PIPE_CAP;
	for (size_t done = 0; done < n;) {
		size_t chunk = PIPE_CAP - tail;
		if (chunk > n - done)
			chunk = n - done;
		memcpy(p->buf + tail, (const char *)buf + done, chunk);
		tail = (tail + chunk) % PIPE_CAP;
		done += chunk;
	}
	p->len += n;
	wake(p);
	return (ssize_t)n;
}

static uint32_t pipe_poll(struct sn_file *f)
{
	struct pipe *p = pipe_of(f);
	struct pipe_end *e = f->priv;
	uint32_t ev = 0;
	int acc = f->flags & O_ACCMODE;
	if (acc != O_WRONLY) {
		if (p->len)
			ev |= POLLIN | POLLRDNORM;
		if (p->writers == 0 &&
		    (p->slot == NULL || p->w_opens != e->opens_seen))
			ev |= POLLHUP;
	}
	if (acc != O_RDONLY) {
		if (PIPE_CAP - p->len >= PIPE_BUF_ATOMIC)
			ev |= POLLOUT | POLLWRNORM;
		if (p->readers == 0)
			ev |= POLLERR;
	}
	return ev;
}

static int pipe_stat(struct sn_file *f, struct stat *st)
{
	sn_file_generic_stat(f, st, S_IFIFO | 0600);
	st->st_ino = pipe_of(f)->ino;
	st->st_blksize = 4096;
	return 0;
}

static long pipe_ioctl(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		       uint64_t arg)
{
	if (cmd != FIONREAD)
		return -ENOTTY;
	int v = (int)pipe_of(f)->len;
	return sn_copy_out(t, arg, &v, sizeof(v));
}

static struct sn_waitq *pipe_waitq(struct sn_file *f)
{
	return &pipe_of(f)->wq;
}

static void pipe_release(struct sn_file *f)
{
	struct pipe *p = pipe_of(f);
	int acc = f->flags & O_ACCMODE;
	if (acc != O_WRONLY)
		p->readers--;
	if (acc != O_RDONLY)
		p->writers--;
	free(f->priv);
	if (p->readers == 0 && p->writers == 0) {
		if (p->slot)
			*p->slot = NULL;
		sn_waitq_detach_all(&p->wq);
		free(p->buf);
		free(p);
		return;
	}
	wake(p);
}

static const struct sn_file_ops pipe_ops = {
	.kind = "pipe",
	.stream = true,
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.stat = pipe_stat,
	.ioctl = pipe_ioctl,
	.waitq = pipe_waitq,
	.release = pipe_release,
};

bool sn_file_is_pipe(const struct sn_file *f)
{
	return f->ops == &pipe_ops;
}

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->buf = malloc(PIPE_CAP);
	if (p->buf == NULL) {
		free(p);
		return NULL;
	}
	p->ino = next_pipe_ino++;
	sn_waitq_init(&p->wq);
	return p;
}

static struct sn_file *end_new(struct sn_kernel *k, struct pipe *p, int flags)
{
	struct pipe_end *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->p = p;
	int acc = flags & O_ACCMODE;
	if (acc != O_WRONLY) {
		p->readers++;
		p->r_opens++;
		e->opens_seen = p->w_opens;
	}
	if (acc != O_RDONLY) {
		p->writers++;
		p->w_opens++;
		e->opens_seen = p->r_opens;
	}
	struct sn_file *f = sn_file_new(k, &pipe_ops, flags, e);
	if (f == NULL) {
		if (acc != O_WRONLY)
			p->readers--;
		if (acc != O_RDONLY)
			p->writers--;
		free(e);
		return NULL;
	}
	char name[48];
	snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)p->ino);
	sn_file_set_path(f, name);
	wake(p);
	return f;
}

int sn_pipe_new(struct sn_kernel *k, int flags, struct sn_file **rd,
		struct sn_file **wr)
{
	struct pipe *p = pipe_alloc();
	if (p == NULL)
		return -ENOMEM;
	*rd = end_new(k, p, O_RDONLY | (flags & O_NONBLOCK));
	*wr = *rd ? end_new(k, p, O_WRONLY | (flags & O_NONBLOCK)) : NULL;
	if (*wr == NULL) {
		if (*rd)
			sn_file_put(*rd);
		else {
			free(p->buf);
			free(p);
		}
		return -ENOMEM;
	}
	return 0;
}

int sn_fifo_open(struct sn_kernel *k, void **pipe_slot, int flags,
		 struct sn_file **out)
{
	struct pipe *p = *pipe_slot;
	if (p == NULL) {
		if ((p = pipe_alloc()) == NULL)
			return -ENOMEM;
		p->slot = pipe_slot;
		*pipe_slot = p;
	}
	/* fifo(7): a non-blocking open for writing fails with ENXIO when
	 * no reader has the FIFO open. */
	if ((flags & O_ACCMODE) == O_WRONLY && (flags & O_NONBLOCK) &&
	    p->readers == 0) {
		if (p->writers == 0 && p->readers == 0) {
			*pipe_slot = NULL;
			free(p->buf);
			free(p);
		}
		return -ENXIO;
	}
	*out = end_new(k, p, flags & (O_ACCMODE | O_NONBLOCK));
	return *out ? 0 : -ENOMEM;
}
