/* Socket syscalls over the socket families of net/sock.h: this layer
 * checks fds, copies arguments between application memory and Sentry
 * buffers with Linux's length rules, and turns "would block" into parking
 * (timeouts, restarts, partial progress); the families do the rest. The
 * order of checks follows Linux's net/socket.c, since programs can see
 * which error comes first. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "fs/unix.h"
#include "net/net.h"
#include "net/sock.h"
#include "netstack/sysctl.h"
#include "syscalls/syscalls.h"

#define IOV_MAX_LX   1024 /* UIO_MAXIOV */
#define NPROTO_LX    46	  /* families Linux numbers (AF_MAX) */
#define SOCK_MAX_LX  11	  /* socket types below this exist */
#define MMSG_MAX     1024 /* UIO_MAXIOV caps sendmmsg/recvmmsg */
#define MMSGHDR_SIZE 64	  /* struct mmsghdr: a msghdr and msg_len */
#define MMSG_LEN_OFF 56
/* A send's control buffer beyond net.core.optmem_max is refused with
 * ENOBUFS (sock_kmalloc fails), as Linux does. */
#define CTL_SEND_MAX 131072
/* Room given to a family for received control messages: more than any
 * family writes (SCM_MAX_FD descriptors, a few IP options). */
#define CTL_RECV_MAX 65536

/* struct user_msghdr, as the application lays it out. */
struct umsghdr {
	uint64_t name;
	int32_t namelen;
	uint32_t pad;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	int32_t pad2;
};
#define UMSG_NAMELEN_OFF    8
#define UMSG_CONTROLLEN_OFF 40
#define UMSG_FLAGS_OFF	    48

/* The socket behind fd, held for the whole call (sn_sc_hold_file). */
static struct sn_file *sock_file(struct sn_task *t, struct sn_sc *sc, int fd,
				 long *err)
{
	struct sn_file *f = sn_sc_hold_file(t, sc, fd);
	*err = f == NULL ? -EBADF : !sn_file_is_socket(f) ? -ENOTSOCK : 0;
	return *err ? NULL : f;
}

/* ---- application memory ------------------------------------------------ */

static int mem_in(void *ctx, void *dst, const void *src, size_t len)
{
	return sn_copy_in(ctx, (uint64_t)(uintptr_t)src, dst, len);
}

static int mem_out(void *ctx, void *dst, const void *src, size_t len)
{
	return sn_copy_out(ctx, (uint64_t)(uintptr_t)dst, src, len);
}

void sn_sock_memio(struct sn_task *t, struct ns_memio *io)
{
	*io = (struct ns_memio){ .copy_in = mem_in,
				 .copy_out = mem_out,
				 .ctx = t };
}

/* move_addr_to_kernel: an address of len bytes (an int for Linux). */
static int get_sockaddr(struct sn_task *t, uint64_t addr, uint64_t len,
			struct sockaddr_storage *out, socklen_t *outlen)
{
	if ((int)len < 0 || (uint32_t)len > sizeof(*out))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (len && sn_copy_in(t, addr, out, len) < 0)
		return -EFAULT;
	*outlen = (socklen_t)len;
	return 0;
}

/* move_addr_to_user: copies as much of the address as the application's
 * *ulenp allows and stores the full length there. */
static int put_sockaddr(struct sn_task *t, uint64_t uaddr, uint64_t ulenp,
			const struct sockaddr_storage *a, socklen_t klen)
{
	int cap;
	if (sn_copy_in(t, ulenp, &cap, sizeof(cap)) < 0)
		return -EFAULT;
	if (cap < 0)
		return -EINVAL;
	if ((socklen_t)cap > klen)
		cap = (int)klen;
	if (cap && sn_copy_out(t, uaddr, a, (size_t)cap) < 0)
		return -EFAULT;
	return sn_copy_out(t, ulenp, &klen, sizeof(klen));
}

/* Cuts an iovec array already checked (sn_check_iovs, or one buffer
 * after import_ubuf's checks) so that its total is at most
 * SN_SOCK_IO_MAX, by shortening the array (Linux cuts at MAX_RW_COUNT the
 * same way). Returns the count kept. */
static int trim_iovs(struct iovec *iov, int cnt, size_t *total)
{
	size_t sum = 0;
	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len >= SN_SOCK_IO_MAX - sum) {
			iov[i].iov_len = SN_SOCK_IO_MAX - sum;
			*total = SN_SOCK_IO_MAX;
			return i + 1;
		}
		sum += iov[i].iov_len;
	}
	*total = sum;
	return cnt;
}

/* sendto/recvfrom's buffer, as Linux's import_ubuf takes it: the length
 * cut at MAX_RW_COUNT (never EINVAL), then the range checked (EFAULT). */
static int one_buffer(uint64_t base, uint64_t len, struct iovec *iov)
{
	if (len > SN_MAX_RW_COUNT)
		len = SN_MAX_RW_COUNT;
	if (!sn_access_ok(base, len))
		return -EFAULT;
	*iov = (struct iovec){ (void *)(uintptr_t)base, (size_t)len };
	return 0;
}

/* The iovecs from byte skip on, into out. Returns the count. */
static int iov_skip(const struct iovec *iov, int cnt, size_t skip,
		    struct iovec *out)
{
	int n = 0;
	for (int i = 0; i < cnt; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		out[n].iov_base = (char *)iov[i].iov_base + skip;
		out[n].iov_len = iov[i].iov_len - skip;
		skip = 0;
		n++;
	}
	return n;
}

/* ---- waiting ------------------------------------------------------------- */

/* Parks t until f's queue reports events, with the family's timeout for
 * this direction. After the deadline the call ends with on_timeout. A
 * wait with a timeout is never restarted after a signal (Linux's
 * sock_intr_errno gives EINTR then). */
static enum sn_action sock_wait(struct sn_task *t, struct sn_sc *sc,
				struct sn_file *f, uint32_t events, bool send,
				long on_timeout)
{
	if (sc->timed_out)
		return sn_ret(sc, on_timeout);
	const struct sn_sock_ops *ops = f->ops->sock;
	uint64_t timeout = ops->timeout ? ops->timeout(f, send) : 0;
	if (timeout) {
		if (sc->deadline == 0)
			sn_task_set_deadline(t, sn_now() + timeout);
		sc->restart = SN_RESTART_NEVER;
	}
	return sn_wait_file(t, f, events);
}

static bool is_stream(struct sn_file *f, struct sn_task *t)
{
	int type = 0;
	socklen_t len = sizeof(type);
	const struct sn_sock_ops *ops = f->ops->sock;
	return ops->getsockopt &&
	       ops->getsockopt(f, t, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	       type == SOCK_STREAM;
}

/* ---- data: the engines every send and receive variant uses -------------- */

/* Sends m. A blocking send keeps going until all is sent, as Linux's
 * stream sends do (a datagram family sends all or nothing); *progress
 * holds the bytes sent across parking and is what a signal interrupting
 * the wait returns. */
static enum sn_action sock_send(struct sn_task *t, struct sn_sc *sc,
				struct sn_file *f, const struct sn_sockmsg *m,
				int flags, size_t *progress)
{
	const struct sn_sock_ops *ops = f->ops->sock;
	if (ops->sendmsg == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	bool block = !(f->flags & O_NONBLOCK) && !(flags & MSG_DONTWAIT);
	size_t done = *progress;
	struct iovec rest[IOV_MAX_LX];
	for (;;) {
		struct sn_sockmsg part = *m;
		if (done) {
			/* Control messages went with the first bytes. */
			part.iovcnt = iov_skip(m->iov, m->iovcnt, done, rest);
			part.iov = rest;
			part.len = m->len - done;
			part.control = NULL;
			part.controllen = 0;
		}
		ssize_t n = ops->sendmsg(f, t, &part, flags);
		if (n == -EAGAIN && block) {
			*progress = done;
			return sock_wait(t, sc, f, POLLOUT, true,
					 done ? (long)done : -EAGAIN);
		}
		if (n < 0) {
			/* tcp_sendmsg: a partial send returns its count;
			 * only a send that moved nothing raises SIGPIPE. */
			if (n == -EPIPE && done == 0 && !(flags & MSG_NOSIGNAL))
				sn_signal_thread(t, SIGPIPE);
			return sn_ret(sc, done ? (long)done : n);
		}
		done += (size_t)n;
		if (!block || n == 0 || done >= m->len)
			return sn_ret(sc, (long)done);
	}
}

/* Receives into m (name, control and msg_flags of the last piece).
 * MSG_WAITALL on a blocking stream keeps going until m->len bytes, end of
 * stream, an error or a signal; *progress as for sock_send. */
static enum sn_action sock_recv(struct sn_task *t, struct sn_sc *sc,
				struct sn_file *f, struct sn_sockmsg *m,
				int flags, size_t *progress)
{
	const struct sn_sock_ops *ops = f->ops->sock;
	if (ops->recvmsg == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	/* The error queue never waits (ip_recv_error). */
	bool block = !(f->flags & O_NONBLOCK) &&
		     !(flags & (MSG_DONTWAIT | MSG_ERRQUEUE));
	bool waitall = block && (flags & MSG_WAITALL) && !(flags & MSG_PEEK) &&
		       is_stream(f, t);
	size_t done = *progress;
	struct iovec rest[IOV_MAX_LX];
	size_t room = m->controllen;
	for (;;) {
		struct sn_sockmsg part = *m;
		part.controllen = room;
		if (done) {
			part.iovcnt = iov_skip(m->iov, m->iovcnt, done, rest);
			part.iov = rest;
			part.len = m->len - done;
		}
		ssize_t n = ops->recvmsg(f, t, &part, flags);
		if (n == -EAGAIN && block) {
			*progress = done;
			return sock_wait(t, sc, f, POLLIN, false,
					 done ? (long)done : -EAGAIN);
		}
		if (n < 0)
			return sn_ret(sc, done ? (long)done : n);
		m->name = part.name;
		m->namelen = part.namelen;
		m->controllen = part.controllen;
		m->msg_flags = part.msg_flags;
		done += (size_t)n;
		if (!waitall || n == 0 || done >= m->len)
			return sn_ret(sc, (long)done);
	}
}

/* read/write/readv/writev on a socket: recv/send with no address and the
 * file's blocking mode, as sock_read_iter/sock_write_iter. */
enum sn_action sn_sock_rw(struct sn_task *t, struct sn_sc *sc,
			  struct sn_file *f, const struct iovec *uiov, int cnt,
			  bool write)
{
	struct iovec iov[IOV_MAX_LX];
	memcpy(iov, uiov, (size_t)cnt * sizeof(*iov));
	size_t total;
	int n = trim_iovs(iov, cnt, &total);
	if (n < 0)
		return sn_ret(sc, n);
	struct ns_memio io;
	sn_sock_memio(t, &io);
	struct sn_sockmsg m = {
		.iov = iov, .iovcnt = n, .len = total, .io = &io
	};
	if (sc->first)
		sc->partial = 0;
	if (write)
		return sock_send(t, sc, f, &m, 0, &sc->partial);
	if (total == 0)
		return sn_ret(sc, 0);
	return sock_recv(t, sc, f, &m, 0, &sc->partial);
}

/* ---- creation ------------------------------------------------------------ */

/* Splits socket(2)'s type into the type and O_NONBLOCK. */
static int split_type(uint64_t v, int *type, int *flags)
{
	if (v & ~(uint64_t)(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	*type = (int)(v & 0xf);
	*flags = (v & SOCK_NONBLOCK) ? O_NONBLOCK : 0;
	return 0;
}

/* __sock_create's checks, then the family. */
static int create(struct sn_task *t, uint64_t domain, int type, int protocol,
		  int flags, struct sn_file **out)
{
	if (domain >= NPROTO_LX)
		return -EAFNOSUPPORT;
	if (type >= SOCK_MAX_LX)
		return -EINVAL;
	switch (domain) {
	case AF_UNIX:
		if (protocol != 0 && protocol != AF_UNIX)
			return -EPROTONOSUPPORT;
		return sn_unix_socket(t->k, type, flags, out);
	case AF_INET:
	case AF_INET6:
		if (t->k->net && t->k->net->mode == SN_NET_HOST)
			return sn_hostinet_socket(t, (int)domain, type,
						  protocol, flags, out);
		return sn_inet_socket(t, (int)domain, type, protocol, flags,
				      out);
	case AF_NETLINK:
		if (t->k->net && t->k->net->mode == SN_NET_HOST)
			return sn_hostinet_netlink_socket(t, type, protocol,
							  flags, out);
		return sn_netlink_socket(t, type, protocol, flags, out);
	default:
		return -EAFNOSUPPORT;
	}
}

SYSCALL(socket)
{
	int type, flags;
	if (split_type(sc->a[1], &type, &flags) < 0)
		return sn_ret(sc, -EINVAL);
	struct sn_file *f;
	int r = create(t, sc->a[0], type, (int)sc->a[2], flags, &f);
	if (r < 0)
		return sn_ret(sc, r);
	r = sn_install_fd(t, f, sc->a[1] & SOCK_CLOEXEC);
	sn_file_put(f);
	return sn_ret(sc, r);
}

static enum sn_action install_pair(struct sn_task *t, struct sn_sc *sc,
				   struct sn_file *a, struct sn_file *b,
				   bool cloexec, uint64_t out)
{
	int fds[2] = { sn_install_fd(t, a, cloexec), -1 };
	if (fds[0] >= 0)
		fds[1] = sn_install_fd(t, b, cloexec);
	sn_file_put(a);
	sn_file_put(b);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			sn_fd_close(t->proc->fdt, fds[0]);
		return sn_ret(sc, fds[0] < 0 ? fds[0] : fds[1]);
	}
	if (sn_copy_out(t, out, fds, sizeof(fds)) < 0) {
		sn_fd_close(t->proc->fdt, fds[0]);
		sn_fd_close(t->proc->fdt, fds[1]);
		return sn_ret(sc, -EFAULT);
	}
	return sn_ret(sc, 0);
}

/* socketpair(2): AF_UNIX only; other families create a socket (so that
 * bad arguments fail as for socket(2)) and refuse with EOPNOTSUPP, as
 * their sock_no_socketpair does. */
SYSCALL(socketpair)
{
	int type, flags;
	if (split_type(sc->a[1], &type, &flags) < 0)
		return sn_ret(sc, -EINVAL);
	if (sc->a[0] != AF_UNIX) {
		struct sn_file *f;
		int r = create(t, sc->a[0], type, (int)sc->a[2], flags, &f);
		if (r < 0)
			return sn_ret(sc, r);
		sn_file_put(f);
		return sn_ret(sc, -EOPNOTSUPP);
	}
	if (sc->a[2] != 0 && sc->a[2] != AF_UNIX)
		return sn_ret(sc, -EPROTONOSUPPORT);
	struct sn_file *a, *b;
	int r = sn_unix_pair(t, type, flags, &a, &b);
	if (r < 0)
		return sn_ret(sc, r);
	return install_pair(t, sc, a, b, sc->a[1] & SOCK_CLOEXEC, sc->a[3]);
}

/* ---- addresses and connections -------------------------------------------- */

SYSCALL(bind)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	struct sockaddr_storage a;
	socklen_t len;
	int r = get_sockaddr(t, sc->a[1], sc->a[2], &a, &len);
	if (r < 0)
		return sn_ret(sc, r);
	if (f->ops->sock->bind == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	return sn_ret(sc, f->ops->sock->bind(f, t, (struct sockaddr *)&a, len));
}

SYSCALL(listen)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (f->ops->sock->listen == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	/* __sys_listen caps the backlog at net.core.somaxconn (the
	 * sandbox's stack keeps it; 4096 is Linux's default). */
	long somaxconn = 4096;
	struct ns_stack *stack = sn_net_stack(t->k);
	if (stack)
		ns_stack_sysctl_get(stack, "net.core.somaxconn", &somaxconn, 1);
	int backlog = (int)sc->a[1];
	if ((unsigned)backlog > (unsigned long)somaxconn)
		backlog = (int)somaxconn;
	return sn_ret(sc, f->ops->sock->listen(f, t, backlog));
}

SYSCALL(connect)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	struct sockaddr_storage a;
	socklen_t len;
	int r = get_sockaddr(t, sc->a[1], sc->a[2], &a, &len);
	if (r < 0)
		return sn_ret(sc, r);
	if (f->ops->sock->connect == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	const struct sn_sock_ops *ops = f->ops->sock;
	r = ops->connect(f, t, (struct sockaddr *)&a, len, !sc->first);
	bool block = !(f->flags & O_NONBLOCK);
	if (block && sc->first && (r == -EINPROGRESS || r == -EALREADY)) {
		/* Linux __inet_stream_connect: a blocking call that started
		 * the handshake (EINPROGRESS) or found one running (a call
		 * restarted after a signal: EALREADY) waits for it and, if
		 * its send timeout ends the wait, returns that first answer.
		 * Over the loopback the handshake may be over already:
		 * collect at once rather than wait for a wake-up gone by. */
		sc->scratch[0] = (uint64_t)(long)r;
		r = ops->connect(f, t, (struct sockaddr *)&a, len, true);
	}
	if (block && (r == -EALREADY || r == -EINPROGRESS || r == -EAGAIN))
		return sock_wait(t, sc, f, POLLOUT, true,
				 r == -EAGAIN ? -EAGAIN : (long)sc->scratch[0]);
	return sn_ret(sc, r);
}

static enum sn_action do_accept(struct sn_task *t, struct sn_sc *sc, int flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return sn_ret(sc, -EINVAL);
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (f->ops->sock->accept == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	/* Linux reserves the fd before taking a connection, so that EMFILE
	 * leaves the connection queued. */
	if (!sn_fd_available(t->proc->fdt, sn_task_fd_limit(t)))
		return sn_ret(sc, -EMFILE);
	struct sn_file *nf;
	struct sockaddr_storage peer;
	socklen_t plen = 0;
	int r = f->ops->sock->accept(f, t, flags, &nf, &peer, &plen);
	if (r == -EAGAIN && !(f->flags & O_NONBLOCK))
		return sock_wait(t, sc, f, POLLIN, false, -EAGAIN);
	if (r < 0)
		return sn_ret(sc, r);
	int fd = sn_install_fd(t, nf, flags & SOCK_CLOEXEC);
	sn_file_put(nf);
	if (fd >= 0 && sc->a[1] &&
	    (r = put_sockaddr(t, sc->a[1], sc->a[2], &peer, plen)) < 0) {
		sn_fd_close(t->proc->fdt, fd);
		return sn_ret(sc, r);
	}
	return sn_ret(sc, fd);
}

SYSCALL(accept)
{
	return do_accept(t, sc, 0);
}

SYSCALL(accept4)
{
	return do_accept(t, sc, (int)sc->a[3]);
}

SYSCALL(shutdown)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (f->ops->sock->shutdown == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	return sn_ret(sc, f->ops->sock->shutdown(f, t, (int)sc->a[1]));
}

static enum sn_action name_of(struct sn_task *t, struct sn_sc *sc, bool peer)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (f->ops->sock->getname == NULL)
		return sn_ret(sc, -EOPNOTSUPP);
	struct sockaddr_storage a;
	socklen_t len = 0;
	int r = f->ops->sock->getname(f, peer, &a, &len);
	if (r < 0)
		return sn_ret(sc, r);
	return sn_ret(sc, put_sockaddr(t, sc->a[1], sc->a[2], &a, len));
}

SYSCALL(getsockname)
{
	return name_of(t, sc, false);
}

SYSCALL(getpeername)
{
	return name_of(t, sc, true);
}

/* ---- options ----------------------------------------------------------- */

SYSCALL(setsockopt)
{
	int len = (int)sc->a[4];
	if (len < 0)
		return sn_ret(sc, -EINVAL);
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (f->ops->sock->setsockopt == NULL)
		return sn_ret(sc, -ENOPROTOOPT);
	char val[SN_SOCKOPT_MAX];
	if (len > SN_SOCKOPT_MAX)
		len = SN_SOCKOPT_MAX;
	/* An unreadable value reaches the family as NULL: Linux reads it
	 * only for options it knows, after the checks that come first. */
	bool ok = sn_copy_in(t, sc->a[3], val, (size_t)len) == 0;
	return sn_ret(
		sc, f->ops->sock->setsockopt(f, t, (int)sc->a[1], (int)sc->a[2],
					     ok ? val : NULL, (socklen_t)len));
}

SYSCALL(getsockopt)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	int len;
	if (sn_copy_in(t, sc->a[4], &len, sizeof(len)) < 0)
		return sn_ret(sc, -EFAULT);
	if (len < 0)
		return sn_ret(sc, -EINVAL);
	if (f->ops->sock->getsockopt == NULL)
		return sn_ret(sc, -ENOPROTOOPT);
	char val[SN_SOCKOPT_MAX];
	socklen_t vlen = len > SN_SOCKOPT_MAX ? SN_SOCKOPT_MAX : (socklen_t)len;
	memset(val, 0, vlen);
	int r = f->ops->sock->getsockopt(f, t, (int)sc->a[1], (int)sc->a[2],
					 val, &vlen);
	if (r < 0)
		return sn_ret(sc, r);
	if (sn_copy_out(t, sc->a[3], val, vlen) < 0 ||
	    sn_copy_out(t, sc->a[4], &vlen, sizeof(vlen)) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, 0);
}

/* ---- sendto/recvfrom, sendmsg/recvmsg, sendmmsg/recvmmsg ---------------- */

SYSCALL(sendto)
{
	/* __sys_sendto: the buffer is checked before the descriptor. */
	struct iovec iov;
	int r0 = one_buffer(sc->a[1], sc->a[2], &iov);
	if (r0 < 0)
		return sn_ret(sc, r0);
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	size_t total;
	int cnt = trim_iovs(&iov, 1, &total);
	struct ns_memio io;
	sn_sock_memio(t, &io);
	struct sn_sockmsg m = {
		.iov = &iov, .iovcnt = cnt, .len = total, .io = &io
	};
	if (sc->a[4]) {
		int r = get_sockaddr(t, sc->a[4], sc->a[5], &m.name,
				     &m.namelen);
		if (r < 0)
			return sn_ret(sc, r);
		m.name_given = true; /* __sys_sendto: even of length 0 */
	}
	if (sc->first)
		sc->partial = 0;
	return sock_send(t, sc, f, &m, (int)sc->a[3], &sc->partial);
}

SYSCALL(recvfrom)
{
	/* __sys_recvfrom: the buffer is checked before the descriptor. */
	struct iovec iov;
	int r0 = one_buffer(sc->a[1], sc->a[2], &iov);
	if (r0 < 0)
		return sn_ret(sc, r0);
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	size_t total;
	int cnt = trim_iovs(&iov, 1, &total);
	struct ns_memio io;
	sn_sock_memio(t, &io);
	struct sn_sockmsg m = {
		.iov = &iov, .iovcnt = cnt, .len = total, .io = &io
	};
	if (sc->first)
		sc->partial = 0;
	enum sn_action a = sock_recv(t, sc, f, &m, (int)sc->a[3], &sc->partial);
	if (a != SN_DONE || sc->ret < 0 || sc->a[4] == 0)
		return a;
	int r = put_sockaddr(t, sc->a[4], sc->a[5], &m.name, m.namelen);
	return r < 0 ? sn_ret(sc, r) : a;
}

/* A message header and its iovecs from application memory
 * (copy_msghdr_from_user and import_iovec). */
static int get_msghdr(struct sn_task *t, uint64_t addr, struct umsghdr *u,
		      struct iovec *iov, struct sn_sockmsg *m)
{
	if (sn_copy_in(t, addr, u, sizeof(*u)) < 0)
		return -EFAULT;
	if (u->namelen < 0)
		return -EINVAL;
	if (u->iovlen > IOV_MAX_LX)
		return -EMSGSIZE;
	if (sn_copy_in(t, u->iov, iov, u->iovlen * sizeof(*iov)) < 0)
		return -EFAULT;
	int cnt = sn_check_iovs(iov, (int)u->iovlen, &m->len);
	if (cnt < 0)
		return cnt;
	cnt = trim_iovs(iov, (int)u->iovlen, &m->len);
	m->iov = iov;
	m->iovcnt = cnt;
	return 0;
}

/* sendmsg of the message at hdr, progress in *progress. */
static enum sn_action send_one(struct sn_task *t, struct sn_sc *sc,
			       struct sn_file *f, uint64_t hdr, int flags,
			       size_t *progress)
{
	struct umsghdr u;
	struct iovec iov[IOV_MAX_LX];
	struct ns_memio io;
	sn_sock_memio(t, &io);
	struct sn_sockmsg m = { .io = &io };
	int r = get_msghdr(t, hdr, &u, iov, &m);
	if (r < 0)
		return sn_ret(sc, r);
	if (u.name && u.namelen) {
		socklen_t nlen = (socklen_t)u.namelen;
		if (nlen > sizeof(m.name))
			nlen = sizeof(m.name);
		if (sn_copy_in(t, u.name, &m.name, nlen) < 0)
			return sn_ret(sc, -EFAULT);
		m.namelen = nlen;
	}
	if (u.controllen > CTL_SEND_MAX)
		return sn_ret(sc, -ENOBUFS);
	char *ctl = NULL;
	if (u.controllen) {
		ctl = malloc(u.controllen);
		if (ctl == NULL)
			return sn_ret(sc, -ENOBUFS);
		if (sn_copy_in(t, u.control, ctl, u.controllen) < 0) {
			free(ctl);
			return sn_ret(sc, -EFAULT);
		}
		m.control = ctl;
		m.controllen = u.controllen;
	}
	enum sn_action a = sock_send(t, sc, f, &m, flags, progress);
	free(ctl);
	return a;
}

/* Closes the descriptors a family installed for the SCM_RIGHTS messages
 * of a control buffer (Sentry memory, len bytes) that could not reach the
 * application. Returns whether there were any. */
static bool drop_rights(struct sn_task *t, const char *ctl, size_t len)
{
	bool any = false;
	size_t off = 0;
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr h;
		memcpy(&h, ctl + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return any;
		if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
			size_t n = (h.cmsg_len - sizeof(h)) / sizeof(int);
			for (size_t i = 0; i < n; i++) {
				int fd;
				memcpy(&fd,
				       ctl + off + sizeof(h) + i * sizeof(int),
				       sizeof(fd));
				sn_fd_close(t->proc->fdt, fd);
				any = true;
			}
		}
		off += CMSG_ALIGN(h.cmsg_len);
	}
	return any;
}

/* recvmsg into the message at hdr; writes msg_namelen, msg_controllen
 * and msg_flags back as ____sys_recvmsg does. */
static enum sn_action recv_one(struct sn_task *t, struct sn_sc *sc,
			       struct sn_file *f, uint64_t hdr, int flags,
			       size_t *progress)
{
	struct umsghdr u;
	struct iovec iov[IOV_MAX_LX];
	struct ns_memio io;
	sn_sock_memio(t, &io);
	struct sn_sockmsg m = { .io = &io };
	int r = get_msghdr(t, hdr, &u, iov, &m);
	if (r < 0)
		return sn_ret(sc, r);
	size_t room = u.controllen > CTL_RECV_MAX ? CTL_RECV_MAX : u.controllen;
	char *ctl = NULL;
	if (u.control && room) {
		ctl = calloc(1, room);
		if (ctl == NULL)
			return sn_ret(sc, -ENOBUFS);
		m.control = ctl;
		m.controllen = room;
	}
	enum sn_action a = sock_recv(t, sc, f, &m, flags, progress);
	if (a != SN_DONE || sc->ret < 0) {
		free(ctl);
		return a;
	}
	uint64_t used = m.controllen;
	int32_t mflags = m.msg_flags;
	if (u.name) {
		socklen_t cap = (socklen_t)u.namelen;
		socklen_t klen = m.namelen;
		if (cap > klen)
			cap = klen;
		if ((cap && sn_copy_out(t, u.name, &m.name, cap) < 0) ||
		    sn_copy_out(t, hdr + UMSG_NAMELEN_OFF, &klen,
				sizeof(klen)) < 0)
			r = -EFAULT;
	}
	if (used && sn_copy_out(t, u.control, ctl, used) < 0) {
		/* put_cmsg and scm_detach_fds: an unwritable control buffer
		 * loses the control messages, not the data; put_cmsg's
		 * fault leaves msg_flags alone, while descriptors whose
		 * numbers could not be written are not installed and say
		 * MSG_CTRUNC. */
		if (drop_rights(t, ctl, used))
			mflags |= MSG_CTRUNC;
		used = 0;
	}
	if (r == 0 &&
	    (sn_copy_out(t, hdr + UMSG_CONTROLLEN_OFF, &used, sizeof(used)) <
		     0 ||
	     sn_copy_out(t, hdr + UMSG_FLAGS_OFF, &mflags, sizeof(mflags)) < 0))
		r = -EFAULT;
	free(ctl);
	return r < 0 ? sn_ret(sc, r) : a;
}

SYSCALL(sendmsg)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (sc->first)
		sc->partial = 0;
	return send_one(t, sc, f, sc->a[1], (int)sc->a[2], &sc->partial);
}

SYSCALL(recvmsg)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (sc->first)
		sc->partial = 0;
	return recv_one(t, sc, f, sc->a[1], (int)sc->a[2], &sc->partial);
}

/* sendmmsg/recvmmsg: the single-message calls in a loop, as do_sendmmsg
 * and do_recvmmsg. Every message may wait (recvmmsg's later ones not with
 * MSG_WAITFORONE); the count done so far lives in sc->scratch[0] across
 * parking and is what a signal returns; once a message is done, an error
 * ends the call with the count. recvmmsg's timeout is checked after each
 * message, as Linux does (the wait itself is not bounded by it). */
static enum sn_action multi(struct sn_task *t, struct sn_sc *sc, bool send)
{
	long e;
	struct sn_file *f = sock_file(t, sc, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	unsigned vlen = sc->a[2] > MMSG_MAX ? MMSG_MAX : (unsigned)sc->a[2];
	int flags = (int)sc->a[3];
	if (sc->first) {
		sc->scratch[0] = 0; /* messages done */
		sc->scratch[1] = 0; /* bytes of the current one */
		sc->scratch[2] = 0; /* recvmmsg: end time, 0 for none */
		if (!send && sc->a[4]) {
			struct timespec ts;
			if (sn_copy_in(t, sc->a[4], &ts, sizeof(ts)) < 0)
				return sn_ret(sc, -EFAULT);
			if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
			    ts.tv_nsec >= 1000000000)
				return sn_ret(sc, -EINVAL);
			sc->scratch[2] = sn_now() + sn_timespec_ns(&ts);
		}
	}
	unsigned done = (unsigned)sc->scratch[0];
	while (done < vlen) {
		uint64_t hdr = sc->a[1] + (uint64_t)done * MMSGHDR_SIZE;
		int fl = flags & ~MSG_WAITFORONE;
		if (!send && done > 0 && (flags & MSG_WAITFORONE))
			fl |= MSG_DONTWAIT;
		size_t progress = (size_t)sc->scratch[1];
		enum sn_action a =
			send ? send_one(t, sc, f, hdr, fl, &progress)
			     : recv_one(t, sc, f, hdr, fl, &progress);
		sc->scratch[1] = progress;
		if (a == SN_PARK) {
			sc->partial = done;
			return a;
		}
		if (sc->ret < 0)
			return sn_ret(sc, done ? (long)done : sc->ret);
		uint32_t len = (uint32_t)sc->ret;
		if (sn_copy_out(t, hdr + MMSG_LEN_OFF, &len, sizeof(len)) < 0)
			return sn_ret(sc, done ? (long)done : -EFAULT);
		sc->scratch[0] = ++done;
		sc->scratch[1] = 0;
		sc->partial = done;
		if (sc->scratch[2] && sn_now() >= sc->scratch[2])
			break;
	}
	if (!send && sc->a[4] && sc->scratch[2]) {
		uint64_t now = sn_now(),
			 left = sc->scratch[2] > now ? sc->scratch[2] - now : 0;
		struct timespec ts = { (time_t)(left / 1000000000ull),
				       (long)(left % 1000000000ull) };
		if (sn_copy_out(t, sc->a[4], &ts, sizeof(ts)) < 0)
			return sn_ret(sc, -EFAULT);
	}
	return sn_ret(sc, (long)done);
}

SYSCALL(sendmmsg)
{
	return multi(t, sc, true);
}

SYSCALL(recvmmsg)
{
	return multi(t, sc, false);
}
