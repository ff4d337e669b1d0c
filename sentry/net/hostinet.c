/* AF_INET and AF_INET6 sockets over host sockets (--network=host, gVisor's
 * "hostinet"): each socket file holds a host socket the Sentry created in
 * the host's network namespace. The application never sees the host fd;
 * every call goes through the Sentry, which copies data, addresses,
 * option values and control messages through its own memory and lets
 * through only what net/hostinet_policy.c allows.
 *
 * Socket kinds: TCP (SOCK_STREAM, protocol 0 or IPPROTO_TCP), UDP
 * (SOCK_DGRAM, 0 or IPPROTO_UDP) and ICMP echo ("ping") sockets
 * (SOCK_DGRAM, IPPROTO_ICMP on AF_INET, IPPROTO_ICMPV6 on AF_INET6; the
 * host's net.ipv4.ping_group_range decides, for the Sentry's gid 65534,
 * and answers EACCES as Linux does when the group is not in it). Raw
 * sockets are EPERM, what Linux answers a caller without CAP_NET_RAW
 * (gVisor's hostinet offers them only with --net-raw); other protocols
 * and types get inet_create's EPROTONOSUPPORT / ESOCKTNOSUPPORT.
 *
 * The host socket is always non-blocking: O_NONBLOCK of the application
 * lives in the file's flags, and a call that would block returns -EAGAIN
 * for the syscall layer to park the task (net/sock.h). The host fd sits
 * in the Sentry's event loop edge-triggered: every new arrival, freed
 * send space or state change wakes the file's queue, and poll asks the
 * host with a zero-timeout poll(2), so nothing spins.
 *
 * Receives on stream sockets peek first and take only what reached the
 * application: as on Linux, a TCP receive into an unwritable buffer fails
 * with EFAULT and leaves the data queued. Datagrams are taken at once
 * (Linux drops a datagram whose copy faults, too).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/hostinet.h"
#include "net/net.h"

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#endif
#ifndef SO_SNDTIMEO_NEW
#define SO_SNDTIMEO_NEW 67
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#define IPPROTO_MAX_LX 263 /* protocols inet_create accepts: [0, 263) */

uint8_t *sn_hi_iobuf(void)
{
	static uint8_t *buf;
	if (buf == NULL)
		buf = malloc(SN_HI_IOBUF_SIZE);
	return buf;
}

/* ---- the host fd behind a file -------------------------------------------- */

static void on_ready(void *arg, uint32_t events)
{
	struct sn_file *f = arg;
	sn_waitq_wake(&f->wq, events);
}

int sn_hi_file_new(struct sn_kernel *k, int fd, unsigned kind, int domain,
		   int type, int protocol, int flags,
		   const struct sn_file_ops *ops, struct sn_file **out)
{
	struct sn_hsock *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(fd);
		return -ENOMEM;
	}
	*s = (struct sn_hsock){ .fd = fd,
				.kind = kind,
				.domain = domain,
				.type = type,
				.protocol = protocol };
	s->replies_tail = &s->replies;
	s->file = sn_file_new(k, ops, O_RDWR | flags, s);
	if (s->file == NULL) {
		close(fd);
		free(s);
		return -ENOMEM;
	}
	/* Edge-triggered: woken once per new event, never by a level that
	 * stays (a full receive queue nobody reads costs nothing). A socket
	 * the loop cannot watch would leave blocked callers asleep: refused. */
	int r = sn_loop_add_fd(k->loop, fd,
			       EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI |
				       EPOLLET,
			       on_ready, s->file);
	if (r < 0) {
		sn_file_put(s->file); /* closes fd, frees s */
		return r;
	}
	s->watched = true;
	/* The host's socket inode, so that /proc/PID/fd and the host's
	 * /proc/net/tcp (shown by sn_hostinet_proc_net) agree. */
	struct stat st;
	char name[40];
	if (fstat(fd, &st) == 0) {
		snprintf(name, sizeof(name), "socket:[%llu]",
			 (unsigned long long)st.st_ino);
		sn_file_set_path(s->file, name);
	}
	*out = s->file;
	return 0;
}

uint32_t sn_hi_poll(struct sn_file *f)
{
	struct sn_hsock *s = f->priv;
	struct pollfd p = { .fd = s->fd,
			    .events = POLLIN | POLLPRI | POLLOUT | POLLRDNORM |
				      POLLRDBAND | POLLWRNORM | POLLWRBAND |
				      POLLRDHUP };
	uint32_t ev = poll(&p, 1, 0) < 0 ? POLLERR : (uint32_t)p.revents;
	if (s->replies || s->pending_err)
		ev |= POLLIN | POLLRDNORM;
	return ev;
}

int sn_hi_stat(struct sn_file *f, struct stat *st)
{
	struct sn_hsock *s = f->priv;
	struct stat hst;
	int r = sn_file_generic_stat(f, st, S_IFSOCK | 0777);
	if (fstat(s->fd, &hst) == 0)
		st->st_ino = hst.st_ino;
	st->st_dev = 0x8; /* sockfs-like device, as inet.c */
	return r;
}

void sn_hi_release_fd(struct sn_file *f)
{
	struct sn_hsock *s = f->priv;
	if (s->watched)
		sn_loop_del_fd(f->k->loop, s->fd);
	close(s->fd);
}

uint64_t sn_hi_timeout(struct sn_file *f, bool send)
{
	struct sn_hsock *s = f->priv;
	return send ? s->sndtimeo : s->rcvtimeo;
}

static bool is_rcvtimeo(int name)
{
	return name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW;
}

static bool is_sndtimeo(int name)
{
	return name == SO_SNDTIMEO_OLD || name == SO_SNDTIMEO_NEW;
}

/* After the host accepted a timeout (so it was valid: Linux's EINVAL and
 * EDOM checks ran there), the Sentry's copy. sock_set_timeout: a
 * negative tv_sec means 0 jiffies, so a call that would block fails at
 * once (1 ns here: the syscall layer's deadline passes immediately);
 * 0,0 means none; otherwise the value the host rounded to its clock,
 * read back. On x86-64 the old and new layouts are both 16 bytes. */
static void note_timeout(struct sn_hsock *s, int name, const void *val)
{
	struct timeval tv;
	memcpy(&tv, val, sizeof(tv));
	uint64_t *slot = is_rcvtimeo(name) ? &s->rcvtimeo : &s->sndtimeo;
	if (tv.tv_sec < 0) {
		*slot = 1;
		return;
	}
	socklen_t len = sizeof(tv);
	if (getsockopt(s->fd, SOL_SOCKET, name, &tv, &len) < 0)
		return;
	*slot = sn_timeval_ns(&tv);
}

/* SO_LINGER: a host close() with a positive linger time would block the
 * Sentry (inet_release ignores O_NONBLOCK), so the host only ever gets
 * "off" or the abortive {1, 0}; a graceful linger becomes a background
 * close, and the application reads back what it set. */
static int set_linger(struct sn_hsock *s, const void *val, socklen_t len)
{
	struct linger l;
	if (val == NULL || len < (socklen_t)sizeof(l))
		return val == NULL && len >= (socklen_t)sizeof(l) ? -EFAULT
								  : -EINVAL;
	memcpy(&l, val, sizeof(l));
	struct linger host = { .l_onoff = l.l_onoff && l.l_linger == 0,
			       .l_linger = 0 };
	if (setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &host, sizeof(host)) < 0)
		return -errno;
	s->linger_set = true;
	s->linger.l_onoff = l.l_onoff ? 1 : 0;
	s->linger.l_linger = l.l_linger < 0 ? 0 : l.l_linger;
	return 0;
}

int sn_hi_setsockopt(struct sn_file *f, struct sn_task *t, int level, int name,
		     const void *val, socklen_t len)
{
	struct sn_hsock *s = f->priv;
	bool denied;
	int r = sn_hi_setsockopt_check(s->kind, level, name, val, len, &denied);
	if (denied)
		t->k->stats.denied++;
	if (r < 0)
		return r;
	if (level == SOL_SOCKET && name == SO_LINGER)
		return set_linger(s, val, len);
	/* val NULL (unreadable application memory) reaches the host as
	 * NULL, which answers EFAULT after its own earlier checks. */
	if (setsockopt(s->fd, level, name, val, len) < 0)
		return -errno;
	if (level == SOL_SOCKET && (is_rcvtimeo(name) || is_sndtimeo(name)))
		note_timeout(s, name, val);
	if (level == SOL_NETLINK && name == NETLINK_CAP_ACK &&
	    len >= (socklen_t)sizeof(int)) {
		int v;
		memcpy(&v, val, sizeof(v));
		s->cap_ack = v != 0;
	}
	return 0;
}

int sn_hi_getsockopt(struct sn_file *f, struct sn_task *t, int level, int name,
		     void *val, socklen_t *len)
{
	(void)t;
	struct sn_hsock *s = f->priv;
	if (!sn_hi_opt_allowed(s->kind, level, name, SN_HI_GET)) {
		/* ip_getsockopt answers a level it does not know (neither
		 * the socket's, IP's nor its transport's) EOPNOTSUPP; IPv6
		 * and the rest ENOPROTOOPT. */
		int own = s->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
		if (s->kind == SN_HI_INET && s->domain == AF_INET &&
		    level != SOL_SOCKET && level != IPPROTO_IP && level != own)
			return -EOPNOTSUPP;
		return -ENOPROTOOPT;
	}
	if (level == SOL_SOCKET && name == SO_LINGER && s->linger_set) {
		/* sk_getsockopt copies what fits of struct linger. */
		socklen_t n = *len < (socklen_t)sizeof(s->linger)
				      ? *len
				      : (socklen_t)sizeof(s->linger);
		memcpy(val, &s->linger, n);
		*len = n;
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_TYPE &&
	    s->kind == SN_HI_NETLINK) {
		/* The host socket is SOCK_RAW; SOCK_DGRAM is the same
		 * netlink socket to Linux but reports its own type. */
		if (*len < (socklen_t)sizeof(int))
			return -EINVAL;
		memcpy(val, &s->type, sizeof(int));
		*len = sizeof(int);
		return 0;
	}
	if (getsockopt(s->fd, level, name, val, len) < 0)
		return -errno;
	return 0;
}

int sn_hi_getname(struct sn_file *f, bool peer, struct sockaddr_storage *addr,
		  socklen_t *len)
{
	struct sn_hsock *s = f->priv;
	*len = sizeof(*addr);
	int r = peer ? getpeername(s->fd, (struct sockaddr *)addr, len)
		     : getsockname(s->fd, (struct sockaddr *)addr, len);
	return r < 0 ? -errno : 0;
}

/* ---- moving data through the bounce buffer -------------------------------- */

size_t sn_hi_gather(const struct sn_sockmsg *m, uint8_t *buf, size_t cap,
		    bool *fault)
{
	size_t got = 0;
	*fault = false;
	for (int i = 0; i < m->iovcnt && got < cap; i++) {
		size_t n = m->iov[i].iov_len;
		if (n > cap - got)
			n = cap - got;
		if (n == 0)
			continue;
		if (m->io->copy_in(m->io->ctx, buf + got, m->iov[i].iov_base,
				   n) < 0) {
			*fault = true;
			break;
		}
		got += n;
	}
	return got;
}

size_t sn_hi_scatter(const struct sn_sockmsg *m, const uint8_t *buf, size_t len,
		     bool *fault)
{
	size_t put = 0;
	*fault = false;
	for (int i = 0; i < m->iovcnt && put < len; i++) {
		size_t n = m->iov[i].iov_len;
		if (n > len - put)
			n = len - put;
		if (n == 0)
			continue;
		if (m->io->copy_out(m->io->ctx, m->iov[i].iov_base, buf + put,
				    n) < 0) {
			*fault = true;
			break;
		}
		put += n;
	}
	return put;
}

static int local_in(void *ctx, void *dst, const void *src, size_t len)
{
	(void)ctx;
	memcpy(dst, src, len);
	return 0;
}

static int local_out(void *ctx, void *dst, const void *src, size_t len)
{
	(void)ctx;
	memcpy(dst, src, len);
	return 0;
}

const struct ns_memio sn_hi_local_memio = { .copy_in = local_in,
					    .copy_out = local_out };

/* ---- socket operations -------------------------------------------------- */

static const struct sn_file_ops hostinet_ops;

static struct sn_hsock *hsock_of(struct sn_file *f)
{
	return f->priv;
}

static int hi_bind(struct sn_file *f, struct sn_task *t,
		   const struct sockaddr *addr, socklen_t len)
{
	(void)t;
	/* The address is a copy; the host validates it as for any
	 * unprivileged process (a port below
	 * net.ipv4.ip_unprivileged_port_start is EACCES). */
	return bind(hsock_of(f)->fd, addr, len) < 0 ? -errno : 0;
}

static int hi_connect(struct sn_file *f, struct sn_task *t,
		      const struct sockaddr *addr, socklen_t len, bool again)
{
	(void)t;
	/* A second connect on the non-blocking host socket reports the
	 * handshake as Linux's __inet_stream_connect does: EALREADY while
	 * it runs, 0 once (the socket becomes connected), the error if it
	 * failed. So a blocking caller woken up simply asks again. */
	int r = connect(hsock_of(f)->fd, addr, len) < 0 ? -errno : 0;
	if (again && r == -EALREADY)
		return -EINPROGRESS;
	return r;
}

static int hi_listen(struct sn_file *f, struct sn_task *t, int backlog)
{
	(void)t;
	return listen(hsock_of(f)->fd, backlog) < 0 ? -errno : 0;
}

static int hi_accept(struct sn_file *f, struct sn_task *t, int flags,
		     struct sn_file **out, struct sockaddr_storage *peer,
		     socklen_t *peerlen)
{
	struct sn_hsock *s = hsock_of(f);
	*peerlen = sizeof(*peer);
	int fd = accept4(s->fd, (struct sockaddr *)peer, peerlen,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	return sn_hi_file_new(
		t->k, fd, SN_HI_INET, s->domain, s->type, s->protocol,
		flags & SOCK_NONBLOCK ? O_NONBLOCK : 0, &hostinet_ops, out);
}

/* The application's MSG_* flags a host send may carry; MSG_DONTWAIT and
 * MSG_NOSIGNAL always (the syscall layer raises SIGPIPE itself), never
 * MSG_ZEROCOPY (the host would read the bounce buffer after the call). */
#define SEND_FLAGS                                                    \
	(MSG_OOB | MSG_DONTROUTE | MSG_EOR | MSG_MORE | MSG_CONFIRM | \
	 MSG_FASTOPEN)
#define RECV_FLAGS (MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_ERRQUEUE)

static ssize_t hi_sendmsg(struct sn_file *f, struct sn_task *t,
			  struct sn_sockmsg *m, int flags)
{
	struct sn_hsock *s = hsock_of(f);
	bool stream = s->type == SOCK_STREAM;
	size_t want = m->len;
	if (want > SN_HI_IOBUF_SIZE) {
		if (!stream)
			return -EMSGSIZE;
		want = SN_HI_IOBUF_SIZE;
	}
	uint8_t *buf = sn_hi_iobuf();
	if (buf == NULL)
		return -ENOBUFS;
	bool fault;
	size_t n = sn_hi_gather(m, buf, want, &fault);
	/* tcp_sendmsg sends what it copied before a fault; a datagram is
	 * all or nothing. */
	if (fault && (!stream || n == 0))
		return -EFAULT;
	void *ctl = NULL;
	ssize_t ctllen = 0;
	if (m->controllen) {
		ctl = malloc(m->controllen);
		if (ctl == NULL)
			return -ENOBUFS;
		bool denied;
		ctllen = sn_hi_send_cmsgs(SN_HI_INET, s->domain, m->control,
					  m->controllen, ctl, m->controllen,
					  &denied);
		if (denied)
			t->k->stats.denied++;
		if (ctllen < 0) {
			free(ctl);
			return ctllen;
		}
	}
	struct iovec iov = { buf, n };
	struct msghdr msg = {
		.msg_name = m->namelen ? &m->name : NULL,
		.msg_namelen = m->namelen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctllen ? ctl : NULL,
		.msg_controllen = (size_t)ctllen,
	};
	ssize_t r = sendmsg(s->fd, &msg,
			    (flags & SEND_FLAGS) | MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r < 0)
		r = -errno;
	free(ctl);
	return r;
}

/* Takes n bytes a peek showed off a stream (they reached the
 * application): TCP discards with MSG_TRUNC, no copy. */
static void take(int fd, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, NULL, n, MSG_TRUNC | MSG_DONTWAIT);
		if (r <= 0)
			return;
		n -= (size_t)r;
	}
}

static ssize_t hi_recvmsg(struct sn_file *f, struct sn_task *t,
			  struct sn_sockmsg *m, int flags)
{
	(void)t;
	struct sn_hsock *s = hsock_of(f);
	bool stream = s->type == SOCK_STREAM;
	int hflags = (flags & RECV_FLAGS) | MSG_DONTWAIT;
	ssize_t r;
	m->msg_flags = 0;
	if (stream && (flags & MSG_TRUNC) && !(flags & MSG_ERRQUEUE)) {
		/* tcp_recvmsg with MSG_TRUNC discards (or with MSG_PEEK
		 * counts) without copying anything. */
		r = recv(s->fd, NULL, m->len, hflags);
		m->namelen = 0;
		m->controllen = 0;
		return r < 0 ? -errno : r;
	}
	size_t want = m->len > SN_HI_IOBUF_SIZE ? SN_HI_IOBUF_SIZE : m->len;
	uint8_t *buf = sn_hi_iobuf();
	if (buf == NULL)
		return -ENOBUFS;
	bool commit = stream && !(flags & (MSG_PEEK | MSG_OOB | MSG_ERRQUEUE));
	if (commit)
		hflags |= MSG_PEEK;
	void *ctl = NULL;
	if (m->controllen) {
		ctl = malloc(m->controllen);
		if (ctl == NULL)
			return -ENOBUFS;
	}
	struct iovec iov = { buf, want };
	struct msghdr msg = {
		.msg_name = &m->name,
		.msg_namelen = sizeof(m->name),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl,
		.msg_controllen = m->controllen,
	};
	r = recvmsg(s->fd, &msg, hflags);
	if (r < 0) {
		r = -errno;
		free(ctl);
		/* __skb_wait_for_more_packets: a datagram socket shut for
		 * reading ends a blocking receive with 0 where a
		 * non-blocking one (the host's) says EAGAIN. */
		if (r == -EAGAIN && !stream && !(f->flags & O_NONBLOCK) &&
		    !(flags & MSG_DONTWAIT) && (sn_hi_poll(f) & POLLRDHUP)) {
			m->namelen = 0;
			m->controllen = 0;
			return 0;
		}
		return r;
	}
	size_t got = (size_t)r < want ? (size_t)r : want;
	bool fault;
	size_t put = sn_hi_scatter(m, buf, got, &fault);
	if (commit) {
		take(s->fd, put);
		/* tcp_recvmsg: what was copied before the fault, else
		 * EFAULT; the rest stays queued. */
		if (fault && put == 0) {
			free(ctl);
			return -EFAULT;
		}
		r = (ssize_t)put;
	} else if (fault) {
		free(ctl);
		return -EFAULT;
	}
	m->namelen = msg.msg_namelen;
	m->controllen =
		ctl ? sn_hi_recv_cmsgs(SN_HI_INET, ctl, msg.msg_controllen,
				       m->control, m->controllen)
		    : 0;
	m->msg_flags = msg.msg_flags;
	free(ctl);
	return r;
}

static int hi_shutdown(struct sn_file *f, struct sn_task *t, int how)
{
	(void)t;
	return shutdown(hsock_of(f)->fd, how) < 0 ? -errno : 0;
}

/* ---- file operations ------------------------------------------------------- */

/* read(2)/write(2) with Sentry buffers (sendfile and other copies). */
ssize_t sn_hi_read(struct sn_file *f, struct sn_task *t, void *buf, size_t len,
		   int64_t *off)
{
	(void)off;
	struct iovec iov = { buf, len };
	struct sn_sockmsg m = {
		.iov = &iov, .iovcnt = 1, .len = len, .io = &sn_hi_local_memio
	};
	return f->ops->sock->recvmsg(f, t, &m, 0);
}

ssize_t sn_hi_write(struct sn_file *f, struct sn_task *t, const void *buf,
		    size_t len, int64_t *off)
{
	(void)off;
	struct iovec iov = { (void *)buf, len };
	struct sn_sockmsg m = {
		.iov = &iov, .iovcnt = 1, .len = len, .io = &sn_hi_local_memio
	};
	return f->ops->sock->sendmsg(f, t, &m, 0);
}

/* The socket's own ioctls, answered by the host socket; everything else
 * is left to the interface ioctls (-ENOTTY). FIOSETOWN/SIOCSPGRP never
 * reach the host: SIGIO would go to a host process. */
static long hi_ioctl(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		     uint64_t arg)
{
	struct sn_hsock *s = hsock_of(f);
	union {
		int v;
		struct timeval tv;
		struct timespec ts;
	} u;
	size_t size;
	switch (cmd) {
	case SIOCINQ: /* FIONREAD */
	case SIOCOUTQ:
	case SIOCOUTQNSD:
	case SIOCATMARK:
		size = sizeof(int);
		break;
	case SIOCGSTAMP:
		size = sizeof(struct timeval);
		break;
	case SIOCGSTAMPNS:
		size = sizeof(struct timespec);
		break;
	default:
		return -ENOTTY;
	}
	memset(&u, 0, sizeof(u));
	if (ioctl(s->fd, cmd, &u) < 0)
		return -errno;
	return sn_copy_out(t, arg, &u, size);
}

static void hi_release(struct sn_file *f)
{
	sn_hi_release_fd(f);
	free(f->priv);
}

static const struct sn_sock_ops hostinet_sock_ops = {
	.bind = hi_bind,
	.connect = hi_connect,
	.listen = hi_listen,
	.accept = hi_accept,
	.sendmsg = hi_sendmsg,
	.recvmsg = hi_recvmsg,
	.shutdown = hi_shutdown,
	.getname = sn_hi_getname,
	.setsockopt = sn_hi_setsockopt,
	.getsockopt = sn_hi_getsockopt,
	.timeout = sn_hi_timeout,
};

static const struct sn_file_ops hostinet_ops = {
	.kind = "hostinet",
	.stream = true,
	.read = sn_hi_read,
	.write = sn_hi_write,
	.poll = sn_hi_poll,
	.stat = sn_hi_stat,
	.ioctl = hi_ioctl,
	.release = hi_release,
	.sock = &hostinet_sock_ops,
};

/* inet_create's answer for a type/protocol pair, or 0 with the host
 * protocol to ask for (0 for the default, as gVisor passes, which keeps
 * the seccomp rules exact). */
static int check_kind(int domain, int type, int protocol, int *host_proto)
{
	if (protocol < 0 || protocol >= IPPROTO_MAX_LX)
		return -EINVAL;
	*host_proto = 0;
	switch (type) {
	case SOCK_STREAM:
		if (protocol == 0 || protocol == IPPROTO_TCP)
			return 0;
		return -EPROTONOSUPPORT; /* MPTCP included: not offered */
	case SOCK_DGRAM:
		if (protocol == 0 || protocol == IPPROTO_UDP)
			return 0;
		if ((domain == AF_INET && protocol == IPPROTO_ICMP) ||
		    (domain == AF_INET6 && protocol == IPPROTO_ICMPV6)) {
			*host_proto = protocol;
			return 0;
		}
		return -EPROTONOSUPPORT; /* UDP-Lite included */
	case SOCK_RAW:
		/* inet_create: SOCK_RAW without CAP_NET_RAW. */
		return -EPERM;
	default:
		return -ESOCKTNOSUPPORT;
	}
}

int sn_hostinet_socket(struct sn_task *t, int domain, int type, int protocol,
		       int flags, struct sn_file **out)
{
	int host_proto;
	int r = check_kind(domain, type, protocol, &host_proto);
	if (r == -EPERM)
		t->k->stats.denied++;
	if (r < 0)
		return r;
	int fd =
		socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, host_proto);
	if (fd < 0)
		return -errno;
	return sn_hi_file_new(t->k, fd, SN_HI_INET, domain, type, protocol,
			      flags, &hostinet_ops, out);
}
