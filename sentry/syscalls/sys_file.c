/* Reads, writes, seeks and fd-table syscalls over virtual fds. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/sock.h"
#include "syscalls/syscalls.h"

/* One syscall moves at most this much; larger requests are short, which
 * read(2)/write(2) allow. */
#define IO_MAX	   (8u << 20)
#define IOV_MAX_LX 1024

void *sn_scratch(struct sn_kernel *k, size_t len)
{
	if (len <= k->scratch_cap)
		return k->scratch;
	size_t n = k->scratch_cap ? k->scratch_cap : 65536;
	while (n < len)
		n *= 2;
	void *p = realloc(k->scratch, n);
	if (p == NULL)
		return NULL;
	k->scratch = p;
	k->scratch_cap = n;
	return p;
}

enum sn_action sn_wait_file(struct sn_task *t, struct sn_file *f,
			    uint32_t events)
{
	int r = sn_task_wait(t, sn_file_waitq(f), events | POLLHUP | POLLERR);
	if (r < 0)
		return sn_ret(&t->sc, r);
	return SN_PARK;
}

int sn_install_fd(struct sn_task *t, struct sn_file *f, bool cloexec)
{
	return sn_fd_alloc(t->proc->fdt, f, 0, cloexec, sn_task_fd_limit(t));
}

int sn_check_iovs(struct iovec *iov, int cnt, size_t *total)
{
	for (int i = 0; i < cnt; i++)
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
	size_t sum = 0;
	for (int i = 0; i < cnt; i++) {
		if (!sn_access_ok((uint64_t)(uintptr_t)iov[i].iov_base,
				  iov[i].iov_len))
			return -EFAULT;
		if (iov[i].iov_len > SN_MAX_RW_COUNT - sum)
			iov[i].iov_len = SN_MAX_RW_COUNT - sum;
		sum += iov[i].iov_len;
	}
	*total = sum;
	return 0;
}

/* Reads the application's iovec array (readv(2): at most IOV_MAX). */
static int get_iovs(struct sn_task *t, uint64_t addr, uint64_t cnt,
		    struct iovec *iov, size_t *total)
{
	if (cnt > IOV_MAX_LX)
		return -EINVAL;
	if (sn_copy_in(t, addr, iov, cnt * sizeof(*iov)) < 0)
		return -EFAULT;
	return sn_check_iovs(iov, (int)cnt, total);
}

/* Scatters n bytes of buf to the application's iovecs. */
static int scatter(struct sn_task *t, const struct iovec *iov, int cnt,
		   const char *buf, size_t n)
{
	for (int i = 0; i < cnt && n > 0; i++) {
		size_t c = iov[i].iov_len < n ? iov[i].iov_len : n;
		if (sn_copy_out(t, (uint64_t)(uintptr_t)iov[i].iov_base, buf,
				c) < 0)
			return -EFAULT;
		buf += c;
		n -= c;
	}
	return 0;
}

/* Copies n bytes of the iovecs' concatenation, from byte skip on, into
 * buf. */
static int gather(struct sn_task *t, const struct iovec *iov, int cnt,
		  size_t skip, char *buf, size_t n)
{
	for (int i = 0; i < cnt && n > 0; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t c =
			iov[i].iov_len - skip < n ? iov[i].iov_len - skip : n;
		if (sn_copy_in(t, (uint64_t)(uintptr_t)iov[i].iov_base + skip,
			       buf, c) < 0)
			return -EFAULT;
		skip = 0;
		buf += c;
		n -= c;
	}
	return 0;
}

/* The engine of every read variant. off < 0: the file position. */
static enum sn_action do_read(struct sn_task *t, struct sn_sc *sc, int fd,
			      const struct iovec *iov, int cnt, size_t total,
			      int64_t off)
{
	struct sn_file *f = sn_sc_hold_file(t, sc, fd);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if ((f->flags & O_ACCMODE) == O_WRONLY || f->ops->read == NULL)
		return sn_ret(sc, -EBADF);
	if (off >= 0 && f->ops->stream)
		return sn_ret(sc, -ESPIPE);
	if (sn_file_is_socket(f))
		return sn_sock_rw(t, sc, f, iov, cnt, false);
	if (total > IO_MAX)
		total = IO_MAX;
	char *buf = sn_scratch(t->k, total ? total : 1);
	if (buf == NULL)
		return sn_ret(sc, -ENOMEM);
	int64_t pos = off >= 0 ? off : f->pos;
	bool own = off < 0 && f->ops->own_pos;
	ssize_t n = f->ops->read(f, t, buf, total, own ? NULL : &pos);
	if (n == -EAGAIN && !(f->flags & O_NONBLOCK))
		return sn_wait_file(t, f, POLLIN);
	if (n < 0)
		return sn_ret(sc, n);
	if (off < 0 && !f->ops->stream && !own)
		f->pos = pos;
	if (scatter(t, iov, cnt, buf, (size_t)n) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, n);
}

/* The engine of every write variant. A blocking write to a stream keeps
 * going until all is written (pipe(7)); progress survives parking in
 * sc->partial, and each run copies in only what is left to write. */
static enum sn_action do_write(struct sn_task *t, struct sn_sc *sc, int fd,
			       const struct iovec *iov, int cnt, size_t total,
			       int64_t off)
{
	struct sn_file *f = sn_sc_hold_file(t, sc, fd);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if ((f->flags & O_ACCMODE) == O_RDONLY || f->ops->write == NULL)
		return sn_ret(sc, -EBADF);
	if (off >= 0 && f->ops->stream)
		return sn_ret(sc, -ESPIPE);
	if (sn_file_is_socket(f))
		return sn_sock_rw(t, sc, f, iov, cnt, true);
	if (total > IO_MAX)
		total = IO_MAX;
	size_t done = sc->first ? 0 : sc->partial;
	char *buf = sn_scratch(t->k, total - done ? total - done : 1);
	if (buf == NULL)
		return sn_ret(sc, done ? (long)done : -ENOMEM);
	if (gather(t, iov, cnt, done, buf, total - done) < 0)
		return sn_ret(sc, done ? (long)done : -EFAULT);
	size_t base = done; /* buf[0] is byte base of the payload */
	for (;;) {
		int64_t pos = off >= 0 ? off + (int64_t)done : f->pos;
		bool own = off < 0 && f->ops->own_pos;
		ssize_t n = f->ops->write(f, t, buf + (done - base),
					  total - done, own ? NULL : &pos);
		if (n == -EAGAIN && !(f->flags & O_NONBLOCK)) {
			sc->partial = done;
			return sn_wait_file(t, f, POLLOUT);
		}
		if (n < 0) {
			if (n == -EPIPE)
				sn_signal_thread(t, SIGPIPE);
			return sn_ret(sc, done ? (long)done : n);
		}
		if (off < 0 && !f->ops->stream && !own)
			f->pos = pos;
		done += (size_t)n;
		if (done >= total || !f->ops->stream ||
		    (f->flags & O_NONBLOCK) || n == 0)
			return sn_ret(sc, (long)done);
	}
}

SYSCALL(read)
{
	struct iovec iov = { (void *)(uintptr_t)sc->a[1], sc->a[2] };
	if ((ssize_t)sc->a[2] < 0)
		return sn_ret(sc, -EINVAL);
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f && sn_file_is_signalfd(f))
		return sn_signalfd_read(t, sc, f, sc->a[1], sc->a[2]);
	return do_read(t, sc, (int)sc->a[0], &iov, 1, sc->a[2], -1);
}

SYSCALL(write)
{
	struct iovec iov = { (void *)(uintptr_t)sc->a[1], sc->a[2] };
	if ((ssize_t)sc->a[2] < 0)
		return sn_ret(sc, -EINVAL);
	return do_write(t, sc, (int)sc->a[0], &iov, 1, sc->a[2], -1);
}

SYSCALL(pread64)
{
	struct iovec iov = { (void *)(uintptr_t)sc->a[1], sc->a[2] };
	if ((int64_t)sc->a[3] < 0)
		return sn_ret(sc, -EINVAL);
	return do_read(t, sc, (int)sc->a[0], &iov, 1, sc->a[2],
		       (int64_t)sc->a[3]);
}

SYSCALL(pwrite64)
{
	struct iovec iov = { (void *)(uintptr_t)sc->a[1], sc->a[2] };
	if ((int64_t)sc->a[3] < 0)
		return sn_ret(sc, -EINVAL);
	return do_write(t, sc, (int)sc->a[0], &iov, 1, sc->a[2],
			(int64_t)sc->a[3]);
}

static enum sn_action vec_io(struct sn_task *t, struct sn_sc *sc, bool wr,
			     int64_t off)
{
	struct iovec iov[IOV_MAX_LX];
	size_t total;
	int r = get_iovs(t, sc->a[1], sc->a[2], iov, &total);
	if (r < 0)
		return sn_ret(sc, r);
	return wr ? do_write(t, sc, (int)sc->a[0], iov, (int)sc->a[2], total,
			     off)
		  : do_read(t, sc, (int)sc->a[0], iov, (int)sc->a[2], total,
			    off);
}

SYSCALL(readv)
{
	return vec_io(t, sc, false, -1);
}

SYSCALL(writev)
{
	return vec_io(t, sc, true, -1);
}

SYSCALL(preadv)
{
	if ((int64_t)sc->a[3] < 0)
		return sn_ret(sc, -EINVAL);
	return vec_io(t, sc, false, (int64_t)sc->a[3]);
}

SYSCALL(pwritev)
{
	if ((int64_t)sc->a[3] < 0)
		return sn_ret(sc, -EINVAL);
	return vec_io(t, sc, true, (int64_t)sc->a[3]);
}

/* preadv2(2): offset -1 means the file position; flags (RWF_*) are hints
 * the Sentry's files do not need, except unknown bits which fail. */
/* preadv2/pwritev2: offset -1 is the file position; any other negative
 * offset is invalid. */
SYSCALL(preadv2)
{
	int64_t off = (int64_t)sc->a[3];
	if (off < -1)
		return sn_ret(sc, -EINVAL);
	if (sc->a[5] & ~0x1full)
		return sn_ret(sc, -EOPNOTSUPP);
	return vec_io(t, sc, false, off);
}

SYSCALL(pwritev2)
{
	int64_t off = (int64_t)sc->a[3];
	if (off < -1)
		return sn_ret(sc, -EINVAL);
	if (sc->a[5] & ~0x1full)
		return sn_ret(sc, -EOPNOTSUPP);
	return vec_io(t, sc, true, off);
}

SYSCALL(lseek)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if (f->ops->stream)
		return sn_ret(sc, -ESPIPE);
	int64_t off = (int64_t)sc->a[1];
	int whence = (int)sc->a[2];
	if (f->ops->seek) {
		int64_t r = f->ops->seek(f, off, whence);
		if (r >= 0)
			f->pos = r;
		return sn_ret(sc, r);
	}
	int64_t base;
	struct stat st;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
	case SEEK_DATA:
	case SEEK_HOLE:
		if (f->ops->stat == NULL || f->ops->stat(f, &st) < 0)
			return sn_ret(sc, -EINVAL);
		if (whence == SEEK_END) {
			base = st.st_size;
			break;
		}
		/* No holes: data is everywhere below the size. */
		if (off < 0 || off >= st.st_size)
			return sn_ret(sc, -ENXIO);
		f->pos = whence == SEEK_DATA ? off : st.st_size;
		return sn_ret(sc, f->pos);
	default:
		return sn_ret(sc, -EINVAL);
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return sn_ret(sc, -EINVAL);
	f->pos = base + off;
	return sn_ret(sc, f->pos);
}

/* A lingering close woken up: done, timed out, or waiting on. */
static enum sn_action linger_wait(struct sn_task *t, struct sn_sc *sc)
{
	struct sn_file *f = sc->held;
	uint64_t timeout;
	if (sc->timed_out ||
	    f->ops->sock->linger_close(f, false, &timeout) == 0)
		return sn_ret(sc, 0);
	return sn_wait_file(t, f, POLLOUT);
}

/* close(2). The last descriptor of a socket lingering on unsent data
 * (SO_LINGER) waits for it, holding the file while the descriptor is
 * already gone, as Linux's inet_release does after the fd is freed. */
SYSCALL(close)
{
	if (!sc->first)
		return linger_wait(t, sc);
	int fd = (int)sc->a[0];
	struct sn_file *f = sn_task_file(t, fd);
	if (f == NULL || f->refs > 1 || !sn_file_is_socket(f) ||
	    f->ops->sock->linger_close == NULL)
		return sn_ret(sc, sn_fd_close(t->proc->fdt, fd));
	sn_sc_hold_file(t, sc, fd);
	sn_fd_close(t->proc->fdt, fd);
	uint64_t timeout = 0;
	if (f->ops->sock->linger_close(f, true, &timeout) == 0)
		return sn_ret(sc, 0);
	sn_task_set_deadline(t, sn_now() + timeout);
	sc->restart = SN_RESTART_DONE;
	return sn_wait_file(t, f, POLLOUT);
}

SYSCALL(close_range)
{
	unsigned lo = (unsigned)sc->a[0], hi = (unsigned)sc->a[1];
	unsigned flags = (unsigned)sc->a[2];
	if (lo > hi || (flags & ~6u))
		return sn_ret(sc, -EINVAL);
	struct sn_fdtable *fdt = t->proc->fdt;
	if (flags & 2u) { /* CLOSE_RANGE_UNSHARE */
		if (fdt->refs > 1) {
			struct sn_fdtable *n = sn_fdtable_copy(fdt);
			if (n == NULL)
				return sn_ret(sc, -ENOMEM);
			sn_fdtable_put(fdt);
			t->proc->fdt = fdt = n;
		}
	}
	for (unsigned fd = lo; fd <= hi && fd < (unsigned)fdt->cap; fd++) {
		if (fdt->fds[fd].file == NULL)
			continue;
		if (flags & 4u) /* CLOSE_RANGE_CLOEXEC */
			fdt->fds[fd].cloexec = true;
		else
			sn_fd_close(fdt, (int)fd);
	}
	return sn_ret(sc, 0);
}

SYSCALL(dup)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	return sn_ret(sc, sn_install_fd(t, f, false));
}

static enum sn_action dup_to(struct sn_task *t, struct sn_sc *sc, int oldfd,
			     int newfd, bool cloexec)
{
	struct sn_file *f = sn_task_file(t, oldfd);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	return sn_ret(sc, sn_fd_install_at(t->proc->fdt, newfd, f, cloexec,
					   sn_task_fd_limit(t)));
}

SYSCALL(dup2)
{
	int oldfd = (int)sc->a[0], newfd = (int)sc->a[1];
	if (oldfd == newfd)
		return sn_ret(sc, sn_task_file(t, oldfd) ? newfd : -EBADF);
	return dup_to(t, sc, oldfd, newfd, false);
}

SYSCALL(dup3)
{
	int oldfd = (int)sc->a[0], newfd = (int)sc->a[1];
	if (oldfd == newfd || (sc->a[2] & ~(uint64_t)O_CLOEXEC))
		return sn_ret(sc, -EINVAL);
	return dup_to(t, sc, oldfd, newfd, sc->a[2] & O_CLOEXEC);
}

/* Status flags F_SETFL may change (fcntl(2)). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL(fcntl)
{
	int fd = (int)sc->a[0];
	struct sn_fdtable *fdt = t->proc->fdt;
	struct sn_file *f = sn_fd_get(fdt, fd);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	switch ((int)sc->a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int64_t)(int)sc->a[2] < 0 ||
		    (int)sc->a[2] >= sn_task_fd_limit(t))
			return sn_ret(sc, -EINVAL);
		return sn_ret(sc, sn_fd_alloc(fdt, f, (int)sc->a[2],
					      (int)sc->a[1] == F_DUPFD_CLOEXEC,
					      sn_task_fd_limit(t)));
	case F_GETFD:
		return sn_ret(sc, fdt->fds[fd].cloexec ? FD_CLOEXEC : 0);
	case F_SETFD:
		fdt->fds[fd].cloexec = sc->a[2] & FD_CLOEXEC;
		return sn_ret(sc, 0);
	case F_GETFL:
		return sn_ret(sc, f->flags);
	case F_SETFL:
		f->flags =
			(f->flags & ~SETFL_MASK) | ((int)sc->a[2] & SETFL_MASK);
		return sn_ret(sc, 0);
	case F_GETLK: {
		/* Locks are per sandbox; nobody else can hold one. */
		struct flock fl;
		if (sn_copy_in(t, sc->a[2], &fl, sizeof(fl)) < 0)
			return sn_ret(sc, -EFAULT);
		fl.l_type = F_UNLCK;
		return sn_ret(sc, sn_copy_out(t, sc->a[2], &fl, sizeof(fl)));
	}
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return sn_ret(sc, 0);
	case F_OFD_GETLK: {
		struct flock fl;
		if (sn_copy_in(t, sc->a[2], &fl, sizeof(fl)) < 0)
			return sn_ret(sc, -EFAULT);
		fl.l_type = F_UNLCK;
		return sn_ret(sc, sn_copy_out(t, sc->a[2], &fl, sizeof(fl)));
	}
	case F_GETPIPE_SZ:
		return sn_ret(sc, sn_file_is_pipe(f) ? 65536 : -EBADF);
	case F_SETPIPE_SZ:
		return sn_ret(sc, sn_file_is_pipe(f) ? 65536 : -EBADF);
	case F_GETOWN:
	case F_SETOWN:
	case F_SETSIG:
	case F_GETSIG:
	case F_ADD_SEALS:
	case F_GET_SEALS:
		return sn_ret(sc, 0);
	default:
		return sn_ret(sc, -EINVAL);
	}
}

SYSCALL(ioctl)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	unsigned long cmd = (unsigned long)sc->a[1];
	int v;
	switch (cmd) {
	case FIONBIO:
		if (sn_copy_in(t, sc->a[2], &v, sizeof(v)) < 0)
			return sn_ret(sc, -EFAULT);
		f->flags = v ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
		return sn_ret(sc, 0);
	case FIOCLEX:
	case FIONCLEX:
		t->proc->fdt->fds[(int)sc->a[0]].cloexec = cmd == FIOCLEX;
		return sn_ret(sc, 0);
	case FIOASYNC:
		return sn_ret(sc, 0);
	default:
		break;
	}
	long r = f->ops->ioctl ? f->ops->ioctl(f, t, cmd, sc->a[2]) : -ENOTTY;
	/* sock_do_ioctl: what the family does not know may be an
	 * interface ioctl, answered for a socket of any family. */
	if (r == -ENOTTY && sn_file_is_socket(f))
		r = sn_netdev_ioctl(t, f, cmd, sc->a[2]);
	return sn_ret(sc, r);
}

SYSCALL(fsync)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	return sn_ret(sc, f->ops->fsync ? f->ops->fsync(f) : 0);
}

SYSCALL(ftruncate)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if ((int64_t)sc->a[1] < 0)
		return sn_ret(sc, -EINVAL);
	if ((f->flags & O_ACCMODE) == O_RDONLY || f->ops->truncate == NULL)
		return sn_ret(sc, -EINVAL);
	return sn_ret(sc, f->ops->truncate(f, sc->a[1]));
}

SYSCALL(getdents64)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if (f->ops->getdents == NULL)
		return sn_ret(sc, -ENOTDIR);
	size_t len = sc->a[2] > 65536 ? 65536 : sc->a[2];
	char *buf = sn_scratch(t->k, len ? len : 1);
	if (buf == NULL)
		return sn_ret(sc, -ENOMEM);
	ssize_t n = f->ops->getdents(f, t, buf, len);
	if (n > 0 && sn_copy_out(t, sc->a[1], buf, (size_t)n) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, n);
}

static enum sn_action make_pipe(struct sn_task *t, struct sn_sc *sc, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return sn_ret(sc, -EINVAL);
	struct sn_file *rd, *wr;
	int r = sn_pipe_new(t->k, flags, &rd, &wr);
	if (r < 0)
		return sn_ret(sc, r);
	bool cloexec = flags & O_CLOEXEC;
	int fds[2] = { sn_install_fd(t, rd, cloexec), -1 };
	if (fds[0] >= 0)
		fds[1] = sn_install_fd(t, wr, cloexec);
	sn_file_put(rd);
	sn_file_put(wr);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			sn_fd_close(t->proc->fdt, fds[0]);
		return sn_ret(sc, fds[0] < 0 ? fds[0] : fds[1]);
	}
	if (sn_copy_out(t, sc->a[0], fds, sizeof(fds)) < 0) {
		sn_fd_close(t->proc->fdt, fds[0]);
		sn_fd_close(t->proc->fdt, fds[1]);
		return sn_ret(sc, -EFAULT);
	}
	return sn_ret(sc, 0);
}

SYSCALL(pipe)
{
	return make_pipe(t, sc, 0);
}

SYSCALL(pipe2)
{
	return make_pipe(t, sc, (int)sc->a[1]);
}

/* sendfile(2) through the Sentry: read from in_fd, write to out_fd. */
SYSCALL(sendfile)
{
	struct sn_file *in = sn_task_file(t, (int)sc->a[1]);
	struct sn_file *out = sn_task_file(t, (int)sc->a[0]);
	if (in == NULL || out == NULL)
		return sn_ret(sc, -EBADF);
	if (in->ops->read == NULL || out->ops->write == NULL ||
	    (in->flags & O_ACCMODE) == O_WRONLY ||
	    (out->flags & O_ACCMODE) == O_RDONLY)
		return sn_ret(sc, -EBADF);
	/* The input must be a file that can be read at an offset
	 * (do_sendfile: FMODE_PREAD): a socket is refused. */
	if (sn_file_is_socket(in))
		return sn_ret(sc, -EINVAL);
	int64_t off = in->pos;
	if (sc->a[2] && sn_copy_in(t, sc->a[2], &off, sizeof(off)) < 0)
		return sn_ret(sc, -EFAULT);
	size_t count = sc->a[3] > IO_MAX ? IO_MAX : sc->a[3];
	char *buf = sn_scratch(t->k, count ? count : 1);
	if (buf == NULL)
		return sn_ret(sc, -ENOMEM);
	int64_t rpos = off;
	bool in_own = in->ops->own_pos && sc->a[2] == 0;
	ssize_t n = in->ops->read(in, t, buf, count, in_own ? NULL : &rpos);
	if (n == -EAGAIN && !(in->flags & O_NONBLOCK))
		return sn_wait_file(t, in, POLLIN);
	if (n <= 0)
		return sn_ret(sc, n);
	int64_t wpos = out->pos;
	ssize_t w = out->ops->write(out, t, buf, (size_t)n,
				    out->ops->own_pos ? NULL : &wpos);
	if (w == -EAGAIN && !(out->flags & O_NONBLOCK))
		return sn_wait_file(t, out, POLLOUT);
	if (w == -EPIPE)
		sn_signal_thread(t, SIGPIPE);
	if (w < 0)
		return sn_ret(sc, w);
	if (!out->ops->stream && !out->ops->own_pos)
		out->pos = wpos;
	off += w;
	if (sc->a[2]) {
		if (sn_copy_out(t, sc->a[2], &off, sizeof(off)) < 0)
			return sn_ret(sc, -EFAULT);
	} else if (!in_own) {
		in->pos = off;
	}
	return sn_ret(sc, w);
}

/* Advisory locks: the sandbox is one lock domain whose only users are its
 * own processes; flock succeeds as if uncontended. */
SYSCALL(flock)
{
	if (sn_task_file(t, (int)sc->a[0]) == NULL)
		return sn_ret(sc, -EBADF);
	return sn_ret(sc, 0);
}

SYSCALL(fadvise64)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	return sn_ret(sc, f->ops->stream ? -ESPIPE : 0);
}

/* fallocate(2) in mode 0 extends the file; the checks follow Linux's
 * vfs_fallocate in its order. */
SYSCALL(fallocate)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	int64_t off = (int64_t)sc->a[2], len = (int64_t)sc->a[3];
	if (off < 0 || len <= 0)
		return sn_ret(sc, -EINVAL);
	if (sc->a[1] != 0)
		return sn_ret(sc, -EOPNOTSUPP);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return sn_ret(sc, -EBADF);
	struct stat st;
	if (f->ops->stat == NULL || f->ops->stat(f, &st) < 0)
		return sn_ret(sc, -ENODEV);
	if (S_ISFIFO(st.st_mode))
		return sn_ret(sc, -ESPIPE);
	if (S_ISDIR(st.st_mode))
		return sn_ret(sc, -EISDIR);
	if (!S_ISREG(st.st_mode))
		return sn_ret(sc, -ENODEV);
	if (off > INT64_MAX - len)
		return sn_ret(sc, -EFBIG);
	if (f->ops->truncate == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	int64_t end = off + len;
	if (end > st.st_size)
		return sn_ret(sc, f->ops->truncate(f, (uint64_t)end));
	return sn_ret(sc, 0);
}

/* sync(2): the Sentry's files are the gofer's host files (written through
 * at once) and memory; nothing is buffered here. */
SYSCALL(sync_all)
{
	(void)t;
	return sn_ret(sc, 0);
}

/* copy_file_range(2) through the Sentry, like sendfile. */
SYSCALL(copy_file_range)
{
	struct sn_file *in = sn_task_file(t, (int)sc->a[0]);
	struct sn_file *out = sn_task_file(t, (int)sc->a[2]);
	if (in == NULL || out == NULL)
		return sn_ret(sc, -EBADF);
	if (sc->a[5] != 0)
		return sn_ret(sc, -EINVAL);
	if (in->ops->stream || out->ops->stream || in->ops->read == NULL ||
	    out->ops->write == NULL || (in->flags & O_ACCMODE) == O_WRONLY ||
	    (out->flags & O_ACCMODE) == O_RDONLY || (out->flags & O_APPEND))
		return sn_ret(sc, -EINVAL);
	int64_t ipos = in->pos, opos = out->pos;
	if ((sc->a[1] && sn_copy_in(t, sc->a[1], &ipos, 8) < 0) ||
	    (sc->a[3] && sn_copy_in(t, sc->a[3], &opos, 8) < 0))
		return sn_ret(sc, -EFAULT);
	if (ipos < 0 || opos < 0)
		return sn_ret(sc, -EINVAL);
	size_t count = sc->a[4] > IO_MAX ? IO_MAX : sc->a[4];
	char *buf = sn_scratch(t->k, count ? count : 1);
	if (buf == NULL)
		return sn_ret(sc, -ENOMEM);
	bool in_own = in->ops->own_pos && sc->a[1] == 0;
	bool out_own = out->ops->own_pos && sc->a[3] == 0;
	int64_t r0 = ipos;
	ssize_t n = in->ops->read(in, t, buf, count, in_own ? NULL : &ipos);
	if (n <= 0)
		return sn_ret(sc, n);
	ssize_t w =
		out->ops->write(out, t, buf, (size_t)n, out_own ? NULL : &opos);
	if (w < 0)
		return sn_ret(sc, w);
	ipos = r0 + w;
	if (sc->a[1] ? sn_copy_out(t, sc->a[1], &ipos, 8) < 0
		     : (!in_own && (in->pos = ipos, false)))
		return sn_ret(sc, -EFAULT);
	if (sc->a[3] ? sn_copy_out(t, sc->a[3], &opos, 8) < 0
		     : (!out_own && (out->pos = opos, false)))
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, w);
}

/* memfd_create(2): an unlinked file of a private tmpfs, which the Sentry
 * keeps; private mappings of it work, shared writable ones do not (see
 * mmap). */
SYSCALL(memfd_create)
{
	char name[256];
	int r = sn_copy_in_str(t, sc->a[0], name, sizeof(name) - 6);
	if (r < 0)
		return sn_ret(sc, r == -ENAMETOOLONG ? -EINVAL : r);
	unsigned flags = (unsigned)sc->a[1];
	if (flags &
	    ~0x1fu) /* CLOEXEC, ALLOW_SEALING, HUGETLB, NOEXEC_SEAL, EXEC */
		return sn_ret(sc, -EINVAL);
	struct sn_file *f;
	if ((r = sn_memfd_new(t, name, &f)) < 0)
		return sn_ret(sc, r);
	r = sn_install_fd(t, f, flags & 1u);
	sn_file_put(f);
	return sn_ret(sc, r);
}
