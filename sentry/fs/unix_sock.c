/* AF_UNIX behind the socket-family interface (net/sock.h): moves message
 * data between application memory and the Sentry buffers unix.c queues,
 * and converts SCM_RIGHTS / SCM_CREDENTIALS between control-message bytes
 * and struct sn_unix_anc. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fs/unix.h"
#include "net/sock.h"
#include "syscalls/syscalls.h"

#define SCM_MAX_FD 253 /* Linux's limit of fds in one SCM_RIGHTS */

struct ucmsghdr {
	uint64_t len;
	int32_t level;
	int32_t type;
};

#define CMSG_ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* An address from the family-independent form: the bytes the
 * application gave, in a sockaddr_un. */
static int to_sun(const struct sockaddr *addr, socklen_t len,
		  struct sockaddr_un *out)
{
	if (len > sizeof(*out))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(out, addr, len);
	if (len >= 2 && out->sun_family != AF_UNIX)
		return -EAFNOSUPPORT;
	return 0;
}

static int u_bind(struct sn_file *f, struct sn_task *t,
		  const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_un a;
	int r = to_sun(addr, len, &a);
	return r < 0 ? r : sn_unix_bind(t, f, &a, len);
}

static int u_connect(struct sn_file *f, struct sn_task *t,
		     const struct sockaddr *addr, socklen_t len, bool again)
{
	(void)again;
	struct sockaddr_un a;
	int r = to_sun(addr, len, &a);
	if (r < 0)
		return r;
	struct sn_waitq *full = NULL;
	r = sn_unix_connect(t, f, &a, len, &full);
	/* A full backlog: a blocking connect waits on the listener's queue
	 * for an accept (the syscall layer adds the file's own queue). */
	if (r == -EAGAIN && full && !(f->flags & O_NONBLOCK) &&
	    sn_task_wait(t, full, POLLOUT) < 0)
		return -ENOMEM;
	return r;
}

static int u_listen(struct sn_file *f, struct sn_task *t, int backlog)
{
	return sn_unix_listen(t, f, backlog);
}

static int u_accept(struct sn_file *f, struct sn_task *t, int flags,
		    struct sn_file **out, struct sockaddr_storage *peer,
		    socklen_t *peerlen)
{
	struct sockaddr_un a;
	int r = sn_unix_accept(t, f, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0,
			       out, &a, peerlen);
	if (r == 0)
		memcpy(peer, &a, *peerlen);
	return r;
}

/* Parses SCM_RIGHTS and SCM_CREDENTIALS from a control buffer (Sentry
 * memory). */
static int anc_parse(struct sn_task *t, const char *buf, size_t len,
		     struct sn_unix_anc *anc)
{
	int r = 0;
	size_t off = 0;
	while (off + sizeof(struct ucmsghdr) <= len) {
		struct ucmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - off ||
		    h.level != SOL_SOCKET) {
			r = -EINVAL;
			break;
		}
		size_t dlen = h.len - sizeof(h);
		const char *data = buf + off + sizeof(h);
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
			for (int i = 0; i < n && r == 0; i++) {
				int fd;
				memcpy(&fd, data + i * sizeof(int),
				       sizeof(int));
				struct sn_file *f = sn_task_file(t, fd);
				if (f == NULL)
					r = -EBADF;
				else
					anc->files[anc->nfiles++] =
						sn_file_get(f);
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
	if (r < 0)
		sn_unix_anc_clear(anc);
	return r;
}

/* Installs received files as fds and writes their SCM_RIGHTS message at
 * ctl (room bytes for the fd numbers). Returns the bytes used. */
static size_t put_rights(struct sn_task *t, struct sn_unix_anc *anc, char *ctl,
			 size_t room, bool cloexec, int *mflags)
{
	int n = (int)(room / sizeof(int));
	if (n > anc->nfiles)
		n = anc->nfiles;
	if (n < anc->nfiles)
		*mflags |= MSG_CTRUNC;
	int got = 0;
	for (; got < n; got++) {
		int fd = sn_install_fd(t, anc->files[got], cloexec);
		if (fd < 0) {
			*mflags |= MSG_CTRUNC;
			break;
		}
		memcpy(ctl + sizeof(struct ucmsghdr) +
			       (size_t)got * sizeof(int),
		       &fd, sizeof(int));
	}
	if (got == 0)
		return 0;
	size_t len = sizeof(struct ucmsghdr) + (size_t)got * sizeof(int);
	struct ucmsghdr h = { len, SOL_SOCKET, SCM_RIGHTS };
	memcpy(ctl, &h, sizeof(h));
	return CMSG_ALIGN8(len);
}

/* Writes received ancillary data into the control buffer (Sentry
 * memory, cap bytes) and installs received files as fds. Returns the bytes
 * used; anc is cleared (files not installed are closed). */
static size_t anc_put(struct sn_task *t, struct sn_unix_anc *anc, char *ctl,
		      size_t cap, bool cloexec, int *mflags)
{
	size_t used = 0;
	if (anc->has_cred) {
		size_t len = sizeof(struct ucmsghdr) + sizeof(struct ucred);
		if (len > cap) {
			*mflags |= MSG_CTRUNC;
		} else {
			struct ucmsghdr h = { len, SOL_SOCKET,
					      SCM_CREDENTIALS };
			memcpy(ctl, &h, sizeof(h));
			memcpy(ctl + sizeof(h), &anc->cred, sizeof(anc->cred));
			used = CMSG_ALIGN8(len);
		}
	}
	if (anc->nfiles > 0) {
		size_t head = used + sizeof(struct ucmsghdr);
		if (head > cap)
			*mflags |= MSG_CTRUNC;
		else
			used += put_rights(t, anc, ctl + used, cap - head,
					   cloexec, mflags);
	}
	sn_unix_anc_clear(anc);
	return used > cap ? cap : used;
}

/* Copies the message's data into one Sentry buffer. */
static char *gather(struct sn_task *t, const struct sn_sockmsg *m)
{
	char *buf = sn_scratch(t->k, m->len ? m->len : 1);
	if (buf == NULL)
		return NULL;
	size_t off = 0;
	for (int i = 0; i < m->iovcnt && off < m->len; i++) {
		size_t n = m->iov[i].iov_len < m->len - off ? m->iov[i].iov_len
							    : m->len - off;
		if (m->io->copy_in(m->io->ctx, buf + off, m->iov[i].iov_base,
				   n) < 0)
			return NULL;
		off += n;
	}
	return buf;
}

static ssize_t u_sendmsg(struct sn_file *f, struct sn_task *t,
			 struct sn_sockmsg *m, int flags)
{
	(void)flags;
	struct sockaddr_un a;
	if (m->namelen) {
		int r = to_sun((const struct sockaddr *)&m->name, m->namelen,
			       &a);
		if (r < 0)
			return r;
	}
	const char *buf = gather(t, m);
	if (buf == NULL)
		return -EFAULT;
	struct sn_unix_anc anc = { 0 };
	int r = anc_parse(t, m->control, m->controllen, &anc);
	if (r < 0)
		return r;
	ssize_t n = sn_unix_send(t, f, buf, m->len, m->namelen ? &a : NULL,
				 m->namelen, &anc);
	sn_unix_anc_clear(&anc);
	return n;
}

static ssize_t u_recvmsg(struct sn_file *f, struct sn_task *t,
			 struct sn_sockmsg *m, int flags)
{
	char *buf = sn_scratch(t->k, m->len ? m->len : 1);
	if (buf == NULL)
		return -ENOMEM;
	struct sockaddr_un from;
	socklen_t fromlen = 0;
	struct sn_unix_anc anc = { 0 };
	int mflags = 0;
	ssize_t n = sn_unix_recv(t, f, buf, m->len, flags, &from, &fromlen,
				 &anc, &mflags);
	if (n < 0)
		return n;
	size_t left = (size_t)n < m->len ? (size_t)n : m->len, off = 0;
	for (int i = 0; i < m->iovcnt && off < left; i++) {
		size_t c = m->iov[i].iov_len < left - off ? m->iov[i].iov_len
							  : left - off;
		if (m->io->copy_out(m->io->ctx, m->iov[i].iov_base, buf + off,
				    c) < 0) {
			sn_unix_anc_clear(&anc);
			return -EFAULT;
		}
		off += c;
	}
	m->controllen = anc_put(t, &anc, m->control, m->controllen,
				flags & MSG_CMSG_CLOEXEC, &mflags);
	m->msg_flags = mflags;
	memcpy(&m->name, &from, fromlen);
	m->namelen = fromlen;
	return n;
}

static int u_shutdown(struct sn_file *f, struct sn_task *t, int how)
{
	(void)t;
	return sn_unix_shutdown(f, how);
}

static int u_getname(struct sn_file *f, bool peer,
		     struct sockaddr_storage *addr, socklen_t *len)
{
	struct sockaddr_un a;
	int r = sn_unix_name(f, peer, &a, len);
	if (r == 0)
		memcpy(addr, &a, *len);
	return r;
}

static int u_setsockopt(struct sn_file *f, struct sn_task *t, int level,
			int name, const void *val, socklen_t len)
{
	(void)t;
	return sn_unix_setsockopt(f, level, name, val, len);
}

static int u_getsockopt(struct sn_file *f, struct sn_task *t, int level,
			int name, void *val, socklen_t *len)
{
	(void)t;
	return sn_unix_getsockopt(f, level, name, val, len);
}

const struct sn_sock_ops sn_unix_sock_ops = {
	.bind = u_bind,
	.connect = u_connect,
	.listen = u_listen,
	.accept = u_accept,
	.sendmsg = u_sendmsg,
	.recvmsg = u_recvmsg,
	.shutdown = u_shutdown,
	.getname = u_getname,
	.setsockopt = u_setsockopt,
	.getsockopt = u_getsockopt,
};
