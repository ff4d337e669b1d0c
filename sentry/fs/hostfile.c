/* Files backed by a host fd: regular files and FIFOs the gofer opened and
 * donated, and the stdio that runsc bridges into the sandbox. The fd lives
 * only in the Sentry; the application sees a virtual fd.
 *
 * Streams (pipes, ttys, sockets) are never read or written unless poll(2)
 * says they are ready, so the Sentry does not block on them; they are in
 * the event loop edge-triggered, and readiness wakes the file's wait queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "fs/fs.h"

struct hostfile {
	int fd;
	bool stream;
	bool watched;
};

static uint32_t host_readiness(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };
	if (poll(&p, 1, 0) < 0)
		return POLLERR;
	return (uint32_t)p.revents;
}

static void on_ready(void *arg, uint32_t events)
{
	struct sn_file *f = arg;
	sn_waitq_wake(&f->wq, events);
}

/* Starts watching a stream fd once somebody had to wait for it. Files that
 * epoll refuses (regular files, /dev/null) are always ready anyway. */
static void watch(struct sn_file *f)
{
	struct hostfile *h = f->priv;
	if (h->watched)
		return;
	if (sn_loop_add_fd(f->k->loop, h->fd,
			   EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, on_ready,
			   f) == 0)
		h->watched = true;
}

static ssize_t hf_read(struct sn_file *f, struct sn_task *t, void *buf,
		       size_t len, int64_t *off)
{
	(void)t;
	struct hostfile *h = f->priv;
	ssize_t n;
	if (!h->stream && off == NULL) {
		n = read(h->fd, buf, len);
		return n < 0 ? -errno : n;
	}
	if (!h->stream) {
		n = pread(h->fd, buf, len, (off_t)*off);
		if (n > 0)
			*off += n;
		return n < 0 ? -errno : n;
	}
	if (!(host_readiness(h->fd) & (POLLIN | POLLHUP | POLLERR))) {
		watch(f);
		return -EAGAIN;
	}
	n = read(h->fd, buf, len);
	if (n < 0 && errno == EAGAIN)
		watch(f);
	return n < 0 ? -errno : n;
}

static ssize_t hf_write(struct sn_file *f, struct sn_task *t, const void *buf,
			size_t len, int64_t *off)
{
	(void)t;
	struct hostfile *h = f->priv;
	ssize_t n;
	if (!h->stream && off == NULL) {
		n = write(h->fd, buf, len);
		return n < 0 ? -errno : n;
	}
	if (!h->stream) {
		if (f->flags & O_APPEND) {
			n = write(h->fd, buf, len);
			if (n >= 0)
				*off = lseek(h->fd, 0, SEEK_CUR);
		} else {
			n = pwrite(h->fd, buf, len, (off_t)*off);
			if (n > 0)
				*off += n;
		}
		return n < 0 ? -errno : n;
	}
	uint32_t r = host_readiness(h->fd);
	if (r & POLLERR)
		return -EPIPE;
	if (!(r & POLLOUT)) {
		watch(f);
		return -EAGAIN;
	}
	/* A pipe may take less than len without blocking only up to
	 * PIPE_BUF guaranteed; write at most that much when not sure. */
	size_t chunk = len > 4096 ? 4096 : len;
	n = write(h->fd, buf, chunk);
	if (n < 0 && errno == EAGAIN)
		watch(f);
	return n < 0 ? -errno : n;
}

static uint32_t hf_poll(struct sn_file *f)
{
	struct hostfile *h = f->priv;
	if (!h->stream)
		return POLLIN | POLLOUT;
	watch(f);
	return host_readiness(h->fd);
}

static int hf_stat(struct sn_file *f, struct stat *st)
{
	struct hostfile *h = f->priv;
	return fstat(h->fd, st) < 0 ? -errno : 0;
}

static long hf_ioctl(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		     uint64_t arg)
{
	struct hostfile *h = f->priv;
	/* Only terminal queries and settings reach the host, with the
	 * argument copied through the Sentry; sizes are the kernel's. */
	size_t size;
	bool in = false, out = false;
	switch (cmd) {
	case TCGETS:
		size = 36, out = true;
		break;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		size = 36, in = true;
		break;
	case TIOCGWINSZ:
		size = sizeof(struct winsize), out = true;
		break;
	case TIOCSWINSZ:
		size = sizeof(struct winsize), in = true;
		break;
	case FIONREAD: {
		int v = 0;
		if (!h->stream) {
			struct stat st;
			if (fstat(h->fd, &st) == 0 && st.st_size > f->pos)
				v = (int)(st.st_size - f->pos);
		} else if (ioctl(h->fd, FIONREAD, &v) < 0) {
			return -errno;
		}
		return sn_copy_out(t, arg, &v, sizeof(v));
	}
	default:
		return -ENOTTY;
	}
	char buf[64] = { 0 };
	if (in && sn_copy_in(t, arg, buf, size) < 0)
		return -EFAULT;
	if (ioctl(h->fd, cmd, buf) < 0)
		return -errno;
	if (out && sn_copy_out(t, arg, buf, size) < 0)
		return -EFAULT;
	return 0;
}

static int hf_truncate(struct sn_file *f, uint64_t len)
{
	struct hostfile *h = f->priv;
	return ftruncate(h->fd, (off_t)len) < 0 ? -errno : 0;
}

static int hf_fsync(struct sn_file *f)
{
	struct hostfile *h = f->priv;
	return fsync(h->fd) < 0 && errno != EINVAL ? -errno : 0;
}

static void hf_release(struct sn_file *f)
{
	struct hostfile *h = f->priv;
	if (h->watched)
		sn_loop_del_fd(f->k->loop, h->fd);
	close(h->fd);
	free(h);
}

static const struct sn_file_ops hostfile_ops = {
	.kind = "host",
	.read = hf_read,
	.write = hf_write,
	.poll = hf_poll,
	.stat = hf_stat,
	.ioctl = hf_ioctl,
	.truncate = hf_truncate,
	.fsync = hf_fsync,
	.release = hf_release,
};

static int64_t hf_seek(struct sn_file *f, int64_t off, int whence)
{
	struct hostfile *h = f->priv;
	off_t r = lseek(h->fd, (off_t)off, whence);
	return r < 0 ? -errno : (int64_t)r;
}

static const struct sn_file_ops hostshared_ops = {
	.kind = "host-shared",
	.own_pos = true,
	.read = hf_read,
	.write = hf_write,
	.poll = hf_poll,
	.stat = hf_stat,
	.ioctl = hf_ioctl,
	.truncate = hf_truncate,
	.fsync = hf_fsync,
	.seek = hf_seek,
	.release = hf_release,
};

static const struct sn_file_ops hoststream_ops = {
	.kind = "host-stream",
	.stream = true,
	.read = hf_read,
	.write = hf_write,
	.poll = hf_poll,
	.stat = hf_stat,
	.ioctl = hf_ioctl,
	.release = hf_release,
};

static struct sn_file *hostfile_new(struct sn_kernel *k, int fd, int flags,
				    const char *path, bool shared)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	struct hostfile *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->fd = fd;
	h->stream = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode) &&
		    !S_ISDIR(st.st_mode);
	const struct sn_file_ops *ops = h->stream ? &hoststream_ops
					: shared  ? &hostshared_ops
						  : &hostfile_ops;
	struct sn_file *f = sn_file_new(k, ops, flags, h);
	if (f == NULL) {
		free(h);
		return NULL;
	}
	if (path)
		sn_file_set_path(f, path);
	return f;
}

struct sn_file *sn_hostfile_new(struct sn_kernel *k, int fd, int flags,
				const char *path)
{
	return hostfile_new(k, fd, flags, path, false);
}

struct sn_file *sn_hostfile_new_shared(struct sn_kernel *k, int fd, int flags,
				       const char *path)
{
	return hostfile_new(k, fd, flags, path, true);
}

int sn_hostfile_fd(struct sn_file *f)
{
	if (f->ops != &hostfile_ops && f->ops != &hoststream_ops &&
	    f->ops != &hostshared_ops)
		return -1;
	return ((struct hostfile *)f->priv)->fd;
}
