/* Socket syscalls. AF_UNIX sockets live in the Sentry (fs/unix.c); other
 * families arrive with the netstack socket layer and get EAFNOSUPPORT. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "fs/unix.h"
#include "syscalls/syscalls.h"

#define IOV_MAX_LX 1024
#define SCM_MAX_FD 253 /* Linux's limit of fds in one SCM_RIGHTS */
#define IO_MAX	   (8u << 20)

static struct sn_file *unix_file(struct sn_task *t, int fd, long *err)
{
	struct sn_file *f = sn_task_file(t, fd);
	*err = f == NULL ? -EBADF : !sn_file_is_unix(f) ? -ENOTSOCK : 0;
	return *err ? NULL : f;
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

static int split_type(uint64_t v, int *type, int *flags)
{
	*type = (int)(v & 0xf);
	if (v & ~(uint64_t)(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	*flags = (v & SOCK_NONBLOCK) ? O_NONBLOCK : 0;
	return 0;
}

SYSCALL(socket)
{
	int type, flags;
	if (split_type(sc->a[1], &type, &flags) < 0)
		return sn_ret(sc, -EINVAL);
	if (sc->a[0] != AF_UNIX)
		return sn_ret(sc, -EAFNOSUPPORT);
	if (sc->a[2] != 0 && sc->a[2] != AF_UNIX)
		return sn_ret(sc, -EPROTONOSUPPORT);
	struct sn_file *f;
	int r = sn_unix_socket(t->k, type, flags, &f);
	if (r < 0)
		return sn_ret(sc, r);
	r = sn_install_fd(t, f, sc->a[1] & SOCK_CLOEXEC);
	sn_file_put(f);
	return sn_ret(sc, r);
}

SYSCALL(socketpair)
{
	int type, flags;
	if (split_type(sc->a[1], &type, &flags) < 0)
		return sn_ret(sc, -EINVAL);
	if (sc->a[0] != AF_UNIX)
		return sn_ret(sc, -EAFNOSUPPORT);
	if (sc->a[2] != 0 && sc->a[2] != AF_UNIX)
		return sn_ret(sc, -EPROTONOSUPPORT);
	struct sn_file *a, *b;
	int r = sn_unix_pair(t, type, flags, &a, &b);
	if (r < 0)
		return sn_ret(sc, r);
	return install_pair(t, sc, a, b, sc->a[1] & SOCK_CLOEXEC, sc->a[3]);
}

static int get_addr(struct sn_task *t, uint64_t addr, uint64_t len,
		    struct sockaddr_un *out)
{
	if (len > sizeof(*out))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (sn_copy_in(t, addr, out, len) < 0)
		return -EFAULT;
	if (len >= 2 && out->sun_family != AF_UNIX)
		return -EAFNOSUPPORT;
	return 0;
}

/* Writes an address back: *lenp is in/out as for accept(2). */
static int put_addr(struct sn_task *t, uint64_t addr, uint64_t lenp,
		    const struct sockaddr_un *a, socklen_t len)
{
	if (addr == 0 || lenp == 0)
		return 0;
	socklen_t cap;
	if (sn_copy_in(t, lenp, &cap, sizeof(cap)) < 0)
		return -EFAULT;
	if ((int)cap < 0)
		return -EINVAL;
	if (sn_copy_out(t, addr, a, cap < len ? cap : len) < 0 ||
	    sn_copy_out(t, lenp, &len, sizeof(len)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL(bind)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	struct sockaddr_un a;
	int r = get_addr(t, sc->a[1], sc->a[2], &a);
	if (r < 0)
		return sn_ret(sc, r);
	return sn_ret(sc, sn_unix_bind(t, f, &a, (socklen_t)sc->a[2]));
}

SYSCALL(listen)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	return sn_ret(sc, sn_unix_listen(t, f, (int)sc->a[1]));
}

SYSCALL(connect)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	struct sockaddr_un a;
	int r = get_addr(t, sc->a[1], sc->a[2], &a);
	if (r < 0)
		return sn_ret(sc, r);
	struct sn_waitq *full = NULL;
	r = sn_unix_connect(t, f, &a, (socklen_t)sc->a[2], &full);
	/* A full backlog: a blocking connect waits for an accept. */
	if (r == -EAGAIN && !(f->flags & O_NONBLOCK) && full) {
		if (sn_task_wait(t, full, POLLOUT) < 0)
			return sn_ret(sc, -ENOMEM);
		return SN_PARK;
	}
	return sn_ret(sc, r);
}

static enum sn_action do_accept(struct sn_task *t, struct sn_sc *sc, int flags)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return sn_ret(sc, -EINVAL);
	struct sn_file *nf;
	struct sockaddr_un peer;
	socklen_t plen;
	int r = sn_unix_accept(t, f, (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0,
			       &nf, &peer, &plen);
	if (r == -EAGAIN && !(f->flags & O_NONBLOCK))
		return sn_wait_file(t, f, POLLIN);
	if (r < 0)
		return sn_ret(sc, r);
	int fd = sn_install_fd(t, nf, flags & SOCK_CLOEXEC);
	sn_file_put(nf);
	if (fd >= 0 && (r = put_addr(t, sc->a[1], sc->a[2], &peer, plen)) < 0) {
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

/* ---- data: sendmsg/recvmsg and the simpler forms ---------------------------- */

struct umsghdr {
	uint64_t name;
	uint32_t namelen;
	uint32_t pad;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	int32_t pad2;
};

struct ucmsghdr {
	uint64_t len;
	int32_t level;
	int32_t type;
};

#define CMSG_ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* Parses SCM_RIGHTS and SCM_CREDENTIALS from the application's control
 * buffer. */
static int get_anc(struct sn_task *t, uint64_t ctl, uint64_t ctllen,
		   struct sn_unix_anc *anc)
{
	if (ctllen == 0)
		return 0;
	if (ctllen > 65536)
		return -ENOBUFS;
	char *buf = malloc(ctllen);
	if (buf == NULL)
		return -ENOMEM;
	int r = 0;
	if (sn_copy_in(t, ctl, buf, ctllen) < 0) {
		free(buf);
		return -EFAULT;
	}
	size_t off = 0;
	while (off + sizeof(struct ucmsghdr) <= ctllen) {
		struct ucmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > ctllen - off) {
			r = -EINVAL;
			break;
		}
		size_t dlen = h.len - sizeof(h);
		const char *data = buf + off + sizeof(h);
		if (h.level != SOL_SOCKET) {
			r = -EINVAL;
			break;
		}
		if (h.type == SCM_RIGHTS) {
			int n = (int)(dlen / sizeof(int));
			if (anc->nfiles + n > SCM_MAX_FD) {
				r = -EINVAL;
				break;
			}
			struct sn_file **nf =
				realloc(anc->files, (size_t)(anc->nfiles + n) *
							    sizeof(*nf));
			if (nf == NULL) {
				r = -ENOMEM;
				break;
			}
			anc->files = nf;
			for (int i = 0; i < n; i++) {
				int fd;
				memcpy(&fd, data + i * sizeof(int),
				       sizeof(int));
				struct sn_file *f = sn_task_file(t, fd);
				if (f == NULL) {
					r = -EBADF;
					break;
				}
				anc->files[anc->nfiles++] = sn_file_get(f);
			}
			if (r < 0)
				break;
		} else if (h.type == SCM_CREDENTIALS) {
			struct ucred c;
			if (dlen < sizeof(c)) {
				r = -EINVAL;
				break;
			}
			memcpy(&c, data, sizeof(c));
			const struct sn_creds *cr = &t->proc->creds;
			/* unix(7): only root may claim other ids. */
			if (cr->euid != 0 &&
			    (c.pid != t->proc->vpid ||
			     (c.uid != cr->ruid && c.uid != cr->euid) ||
			     (c.gid != cr->rgid && c.gid != cr->egid))) {
				r = -EPERM;
				break;
			}
			anc->has_cred = true;
			anc->cred = c;
		} else {
			r = -EINVAL;
			break;
		}
		off += CMSG_ALIGN8(h.len);
	}
	free(buf);
	if (r < 0)
		sn_unix_anc_clear(anc);
	return r;
}

/* Installs the received files as fds and writes an SCM_RIGHTS message
 * for them at ctl. An fd whose message cannot be written is closed again
 * (Linux installs a received fd only once its number is written). */
static int64_t put_rights(struct sn_task *t, struct sn_unix_anc *anc,
			  uint64_t ctl, size_t room, bool cloexec, int *mflags)
{
	int n = (int)(room / sizeof(int));
	if (n > anc->nfiles)
		n = anc->nfiles;
	if (n < anc->nfiles)
		*mflags |= MSG_CTRUNC;
	int fds[SCM_MAX_FD];
	int got = 0;
	for (; got < n; got++) {
		fds[got] = sn_install_fd(t, anc->files[got], cloexec);
		if (fds[got] < 0) {
			*mflags |= MSG_CTRUNC;
			break;
		}
	}
	if (got == 0)
		return 0;
	size_t len = sizeof(struct ucmsghdr) + (size_t)got * sizeof(int);
	struct ucmsghdr h = { len, SOL_SOCKET, SCM_RIGHTS };
	if (sn_copy_out(t, ctl, &h, sizeof(h)) < 0 ||
	    sn_copy_out(t, ctl + sizeof(h), fds, (size_t)got * sizeof(int)) <
		    0) {
		for (int i = 0; i < got; i++)
			sn_fd_close(t->proc->fdt, fds[i]);
		return -EFAULT;
	}
	return (int64_t)CMSG_ALIGN8(len);
}

/* Writes received ancillary data into the application's control buffer
 * and installs received files as fds. Returns the bytes used. anc is
 * cleared on every path: files not installed are closed. */
static int64_t put_anc(struct sn_task *t, struct sn_unix_anc *anc, bool pass,
		       uint64_t ctl, uint64_t cap, bool cloexec, int *mflags)
{
	int64_t used = 0;
	if (anc->has_cred && pass) {
		size_t len = sizeof(struct ucmsghdr) + sizeof(struct ucred);
		if (len > cap) {
			*mflags |= MSG_CTRUNC;
		} else {
			char b[sizeof(struct ucmsghdr) + sizeof(struct ucred)];
			struct ucmsghdr h = { len, SOL_SOCKET,
					      SCM_CREDENTIALS };
			memcpy(b, &h, sizeof(h));
			memcpy(b + sizeof(h), &anc->cred, sizeof(anc->cred));
			if (sn_copy_out(t, ctl, b, len) < 0) {
				used = -EFAULT;
				goto out;
			}
			used = (int64_t)CMSG_ALIGN8(len);
		}
	}
	if (anc->nfiles > 0) {
		size_t head = (size_t)used + sizeof(struct ucmsghdr);
		size_t room = cap > head ? cap - head : 0;
		int64_t r = put_rights(t, anc, ctl + (uint64_t)used, room,
				       cloexec, mflags);
		used = r < 0 ? r : used + r;
	}
out:
	sn_unix_anc_clear(anc);
	return used;
}

static enum sn_action do_send(struct sn_task *t, struct sn_sc *sc, int fd,
			      const struct iovec *iov, int iovcnt, size_t total,
			      uint64_t addr, uint64_t addrlen, uint64_t ctl,
			      uint64_t ctllen, int flags)
{
	long e;
	struct sn_file *f = unix_file(t, fd, &e);
	if (f == NULL)
		return sn_ret(sc, e);
	struct sockaddr_un a;
	if (addr && addrlen) {
		int r = get_addr(t, addr, addrlen, &a);
		if (r < 0)
			return sn_ret(sc, r);
	}
	if (total > IO_MAX)
		total = IO_MAX;
	char *buf = sn_scratch(t->k, total ? total : 1);
	if (buf == NULL)
		return sn_ret(sc, -ENOMEM);
	size_t got = 0;
	for (int i = 0; i < iovcnt && got < total; i++) {
		size_t n = iov[i].iov_len < total - got ? iov[i].iov_len
							: total - got;
		if (sn_copy_in(t, (uint64_t)(uintptr_t)iov[i].iov_base,
			       buf + got, n) < 0)
			return sn_ret(sc, -EFAULT);
		got += n;
	}
	struct sn_unix_anc anc = { 0 };
	int r = get_anc(t, ctl, ctllen, &anc);
	if (r < 0)
		return sn_ret(sc, r);
	ssize_t n = sn_unix_send(t, f, buf, total, addr && addrlen ? &a : NULL,
				 (socklen_t)addrlen, &anc);
	sn_unix_anc_clear(&anc);
	if (n == -EAGAIN && !(f->flags & O_NONBLOCK) && !(flags & MSG_DONTWAIT))
		return sn_wait_file(t, f, POLLOUT);
	if (n == -EPIPE && !(flags & MSG_NOSIGNAL))
		sn_signal_thread(t, SIGPIPE);
	return sn_ret(sc, n);
}

SYSCALL(sendto)
{
	struct iovec iov = { (void *)(uintptr_t)sc->a[1], sc->a[2] };
	return do_send(t, sc, (int)sc->a[0], &iov, 1, sc->a[2], sc->a[4],
		       sc->a[5], 0, 0, (int)sc->a[3]);
}

static int get_msghdr(struct sn_task *t, uint64_t addr, struct umsghdr *m,
		      struct iovec *iov, size_t *total)
{
	if (sn_copy_in(t, addr, m, sizeof(*m)) < 0)
		return -EFAULT;
	if (m->iovlen > IOV_MAX_LX)
		return -EMSGSIZE;
	if (sn_copy_in(t, m->iov, iov, m->iovlen * sizeof(*iov)) < 0)
		return -EFAULT;
	size_t sum = 0;
	for (uint64_t i = 0; i < m->iovlen; i++) {
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
		sum += iov[i].iov_len;
	}
	*total = sum;
	return 0;
}

SYSCALL(sendmsg)
{
	struct umsghdr m;
	struct iovec iov[IOV_MAX_LX];
	size_t total;
	int r = get_msghdr(t, sc->a[1], &m, iov, &total);
	if (r < 0)
		return sn_ret(sc, r);
	return do_send(t, sc, (int)sc->a[0], iov, (int)m.iovlen, total, m.name,
		       m.namelen, m.control, m.controllen, (int)sc->a[2]);
}

static enum sn_action do_recv(struct sn_task *t, struct sn_sc *sc, int fd,
			      const struct iovec *iov, int iovcnt, size_t total,
			      uint64_t addr, uint64_t addrlenp,
			      struct umsghdr *m, uint64_t mh_addr, int flags)
{
	long e;
	struct sn_file *f = unix_file(t, fd, &e);
	if (f == NULL)
		return sn_ret(sc, e);
	if (total > IO_MAX)
		total = IO_MAX;
	char *buf = sn_scratch(t->k, total ? total : 1);
	if (buf == NULL)
		return sn_ret(sc, -ENOMEM);
	struct sockaddr_un from;
	socklen_t fromlen = 0;
	struct sn_unix_anc anc = { 0 };
	int mflags = 0;
	ssize_t n = sn_unix_recv(t, f, buf, total, flags, &from, &fromlen,
				 m ? &anc : NULL, &mflags);
	if (n == -EAGAIN && !(f->flags & O_NONBLOCK) && !(flags & MSG_DONTWAIT))
		return sn_wait_file(t, f, POLLIN);
	if (n < 0)
		return sn_ret(sc, n);
	size_t left = (size_t)n < total ? (size_t)n : total, off = 0;
	for (int i = 0; i < iovcnt && off < left; i++) {
		size_t c = iov[i].iov_len < left - off ? iov[i].iov_len
						       : left - off;
		if (sn_copy_out(t, (uint64_t)(uintptr_t)iov[i].iov_base,
				buf + off, c) < 0) {
			sn_unix_anc_clear(&anc);
			return sn_ret(sc, -EFAULT);
		}
		off += c;
	}
	if (m) {
		int64_t used = put_anc(t, &anc, true, m->control, m->controllen,
				       flags & MSG_CMSG_CLOEXEC, &mflags);
		if (used < 0)
			return sn_ret(sc, used);
		m->controllen = (uint64_t)used;
		m->flags = mflags;
		if (m->name && fromlen) {
			socklen_t cap = m->namelen;
			if (sn_copy_out(t, m->name, &from,
					cap < fromlen ? cap : fromlen) < 0)
				return sn_ret(sc, -EFAULT);
			m->namelen = fromlen;
		} else {
			m->namelen = 0;
		}
		if (sn_copy_out(t, mh_addr, m, sizeof(*m)) < 0)
			return sn_ret(sc, -EFAULT);
	} else if (fromlen && put_addr(t, addr, addrlenp, &from, fromlen) < 0) {
		return sn_ret(sc, -EFAULT);
	}
	return sn_ret(sc, n);
}

SYSCALL(recvfrom)
{
	struct iovec iov = { (void *)(uintptr_t)sc->a[1], sc->a[2] };
	return do_recv(t, sc, (int)sc->a[0], &iov, 1, sc->a[2], sc->a[4],
		       sc->a[5], NULL, 0, (int)sc->a[3]);
}

SYSCALL(recvmsg)
{
	struct umsghdr m;
	struct iovec iov[IOV_MAX_LX];
	size_t total;
	int r = get_msghdr(t, sc->a[1], &m, iov, &total);
	if (r < 0)
		return sn_ret(sc, r);
	return do_recv(t, sc, (int)sc->a[0], iov, (int)m.iovlen, total, 0, 0,
		       &m, sc->a[1], (int)sc->a[2]);
}

SYSCALL(shutdown)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	return sn_ret(sc, sn_unix_shutdown(f, (int)sc->a[1]));
}

static enum sn_action name_of(struct sn_task *t, struct sn_sc *sc, bool peer)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	struct sockaddr_un a;
	socklen_t len;
	int r = sn_unix_name(f, peer, &a, &len);
	if (r < 0)
		return sn_ret(sc, r);
	return sn_ret(sc, put_addr(t, sc->a[1], sc->a[2], &a, len));
}

SYSCALL(getsockname)
{
	return name_of(t, sc, false);
}

SYSCALL(getpeername)
{
	return name_of(t, sc, true);
}

SYSCALL(setsockopt)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	char val[64] = { 0 };
	socklen_t len = (socklen_t)sc->a[4];
	if (len > sizeof(val))
		len = sizeof(val);
	if (sn_copy_in(t, sc->a[3], val, len) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, sn_unix_setsockopt(f, (int)sc->a[1], (int)sc->a[2],
					     val, len));
}

SYSCALL(getsockopt)
{
	long e;
	struct sn_file *f = unix_file(t, (int)sc->a[0], &e);
	if (f == NULL)
		return sn_ret(sc, e);
	socklen_t len;
	if (sn_copy_in(t, sc->a[4], &len, sizeof(len)) < 0)
		return sn_ret(sc, -EFAULT);
	if ((int)len < 0)
		return sn_ret(sc, -EINVAL);
	char val[64];
	if (len > sizeof(val))
		len = sizeof(val);
	int r = sn_unix_getsockopt(f, (int)sc->a[1], (int)sc->a[2], val, &len);
	if (r < 0)
		return sn_ret(sc, r);
	if (sn_copy_out(t, sc->a[3], val, len) < 0 ||
	    sn_copy_out(t, sc->a[4], &len, sizeof(len)) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, 0);
}

/* sendmmsg/recvmmsg: the single-message calls in a loop. Only the first
 * message may wait (later ones are tried without blocking), and the count
 * of messages done is returned as soon as one fails, as Linux does. */
static enum sn_action multi(struct sn_task *t, struct sn_sc *sc, bool send)
{
	unsigned vlen = (unsigned)sc->a[2] > 1024 ? 1024 : (unsigned)sc->a[2];
	int flags = (int)sc->a[3];
	unsigned done = 0;
	for (; done < vlen; done++) {
		uint64_t hdr = sc->a[1] + (uint64_t)done * 64; /* mmsghdr */
		struct umsghdr m;
		struct iovec iov[IOV_MAX_LX];
		size_t total;
		int r = get_msghdr(t, hdr, &m, iov, &total);
		enum sn_action a;
		if (r < 0) {
			a = sn_ret(sc, r);
		} else if (send) {
			a = do_send(t, sc, (int)sc->a[0], iov, (int)m.iovlen,
				    total, m.name, m.namelen, m.control,
				    m.controllen,
				    done ? flags | MSG_DONTWAIT : flags);
		} else {
			a = do_recv(t, sc, (int)sc->a[0], iov, (int)m.iovlen,
				    total, 0, 0, &m, hdr,
				    done ? flags | MSG_DONTWAIT : flags);
		}
		if (a == SN_PARK)
			return a; /* only when nothing was done yet */
		if (sc->ret < 0)
			return sn_ret(sc, done ? (long)done : sc->ret);
		uint32_t len = (uint32_t)sc->ret;
		if (sn_copy_out(t, hdr + 56, &len, sizeof(len)) < 0)
			return sn_ret(sc, done ? (long)done : -EFAULT);
	}
	return sn_ret(sc, (long)done);
}

SYSCALL(sendmmsg)
{
	return multi(t, sc, true);
}

SYSCALL(recvmmsg)
{
	/* The timeout argument (a[4]) is not applied. */
	return multi(t, sc, false);
}
