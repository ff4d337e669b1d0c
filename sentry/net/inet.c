/* AF_INET and AF_INET6 sockets over the sandbox's netstack: a socket file
 * per struct ns_socket. The netstack already speaks Linux (errno, option
 * names, poll bits, address structures, non-blocking calls), so this file
 * only couples it to files: a waiter that turns the stack's readiness
 * callbacks into wake-ups of the file's queue, and the file operations.
 * Data moves between application memory and packets in one copy through
 * the message's ns_memio. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>

#include "net/net.h"
#include "net/sock.h"
#include "netstack/sysctl.h"

struct inet_sock {
	struct ns_socket *ns;
	struct ns_waiter waiter;
	struct sn_file *file;
	struct rs_list link; /* in sn_net.socks */
	uint64_t ino;
	uid_t uid; /* the creator's (sock_i_uid), inherited by accept */
};

static const struct sn_file_ops inet_ops;

/* The stack calls this from inside itself: only wake the queue (tasks go
 * on the run queue, epoll items mark their edge; nothing calls back into
 * the stack but ns_socket_poll). */
static void inet_notify(struct ns_waiter *w, uint32_t events)
{
	struct inet_sock *s = rs_container_of(w, struct inet_sock, waiter);
	sn_waitq_wake(&s->file->wq, events);
}

static struct inet_sock *sock_of(struct sn_file *f)
{
	return f->priv;
}

/* Wraps ns (owned from then on) in a new file. */
static int inet_file_new(struct sn_kernel *k, struct ns_socket *ns, int flags,
			 uid_t uid, struct sn_file **out)
{
	struct inet_sock *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		ns_socket_close(ns);
		return -ENOMEM;
	}
	s->ns = ns;
	s->file = sn_file_new(k, &inet_ops, O_RDWR | flags, s);
	if (s->file == NULL) {
		ns_socket_close(ns);
		free(s);
		return -ENOMEM;
	}
	s->waiter.notify = inet_notify;
	ns_socket_wait_add(ns, &s->waiter);
	s->ino = k->net->next_ino++;
	s->uid = uid;
	rs_list_add_tail(&k->net->socks, &s->link);
	char name[32];
	snprintf(name, sizeof(name), "socket:[%llu]",
		 (unsigned long long)s->ino);
	sn_file_set_path(s->file, name);
	*out = s->file;
	return 0;
}

uint64_t sn_inet_ino(const struct sn_kernel *k, const struct ns_socket *ns)
{
	const struct rs_list *pos;
	rs_list_for_each(pos, &k->net->socks)
	{
		const struct inet_sock *s =
			rs_container_of(pos, struct inet_sock, link);
		if (s->ns == ns)
			return s->ino;
	}
	return 0;
}

uid_t sn_inet_uid(const struct sn_kernel *k, const struct ns_socket *ns)
{
	const struct rs_list *pos;
	rs_list_for_each(pos, &k->net->socks)
	{
		const struct inet_sock *s =
			rs_container_of(pos, struct inet_sock, link);
		if (s->ns == ns)
			return s->uid;
	}
	return 0;
}

/* ping_init_sock: ICMP datagram sockets for the groups in
 * net.ipv4.ping_group_range (the effective group or a supplementary
 * one). */
static bool may_ping(struct sn_task *t, struct ns_stack *stack)
{
	long range[2];
	if (ns_stack_sysctl_get(stack, "net.ipv4.ping_group_range", range, 2) !=
	    2)
		return false;
	const struct sn_creds *c = &t->proc->creds;
	if ((long)c->egid >= range[0] && (long)c->egid <= range[1])
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if ((long)c->groups[i] >= range[0] &&
		    (long)c->groups[i] <= range[1])
			return true;
	return false;
}

int sn_inet_socket(struct sn_task *t, int domain, int type, int protocol,
		   int flags, struct sn_file **out)
{
	struct ns_stack *stack = sn_net_stack(t->k);
	if (stack == NULL)
		return -EAFNOSUPPORT;
	bool ping = (type & 0xf) == SOCK_DGRAM &&
		    ((domain == AF_INET && protocol == IPPROTO_ICMP) ||
		     (domain == AF_INET6 && protocol == IPPROTO_ICMPV6));
	if (ping && !may_ping(t, stack))
		return -EACCES;
	struct ns_socket *ns;
	int r = ns_socket_create(stack, domain, type, protocol, &ns);
	if (r < 0)
		return r;
	return inet_file_new(t->k, ns, flags, t->proc->creds.fsuid, out);
}

/* ---- file operations ------------------------------------------------- */

/* read(2)/write(2) through a Sentry buffer, for the callers that move
 * file data with ops->read/write (sendfile, splice-like copies); the
 * socket syscalls themselves use sendmsg/recvmsg with the application's
 * memory. */
static ssize_t inet_read(struct sn_file *f, struct sn_task *t, void *buf,
			 size_t len, int64_t *off)
{
	(void)t;
	(void)off;
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	return ns_socket_recvmsg(sock_of(f)->ns, &msg, 0, NULL);
}

static ssize_t inet_write(struct sn_file *f, struct sn_task *t, const void *buf,
			  size_t len, int64_t *off)
{
	(void)t;
	(void)off;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	return ns_socket_sendmsg(sock_of(f)->ns, &msg, MSG_NOSIGNAL, NULL);
}

static uint32_t inet_poll(struct sn_file *f)
{
	return ns_socket_poll(sock_of(f)->ns);
}

static int inet_stat(struct sn_file *f, struct stat *st)
{
	int r = sn_file_generic_stat(f, st, S_IFSOCK | 0777);
	st->st_ino = (ino_t)sock_of(f)->ino;
	st->st_dev = 0x8; /* sockfs-like device */
	return r;
}

/* The socket's own ioctls; interface ioctls are the syscall layer's. */
static long inet_ioctl(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		       uint64_t arg)
{
	union {
		int v;
		struct timeval tv;  /* SIOCGSTAMP */
		struct timespec ts; /* SIOCGSTAMPNS */
	} u;
	memset(&u, 0, sizeof(u));
	int r = ns_socket_ioctl(sock_of(f)->ns, cmd, &u);
	if (r < 0)
		return r;
	size_t len = cmd == SIOCGSTAMP	   ? sizeof(u.tv)
		     : cmd == SIOCGSTAMPNS ? sizeof(u.ts)
					   : sizeof(u.v);
	return sn_copy_out(t, arg, &u, len);
}

static void inet_release(struct sn_file *f)
{
	struct inet_sock *s = sock_of(f);
	ns_socket_wait_del(s->ns, &s->waiter);
	rs_list_del(&s->link);
	/* A TCP connection finishes its close in the stack; the frames it
	 * sends leave at the event loop's next flush. */
	ns_socket_close(s->ns);
	free(s);
}

/* ---- socket operations ---------------------------------------------- */

/* inet_bind / __inet6_bind: a port below net.ipv4.ip_unprivileged_
 * port_start needs CAP_NET_BIND_SERVICE (both families share it). */
static bool may_bind_port(struct sn_task *t, const struct sockaddr *addr,
			  socklen_t len)
{
	unsigned port = 0;
	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		port = ntohs(((const struct sockaddr_in *)addr)->sin_port);
	else if (addr->sa_family == AF_INET6 &&
		 len >= sizeof(struct sockaddr_in6))
		port = ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
	long start;
	if (port == 0 ||
	    ns_stack_sysctl_get(sn_net_stack(t->k),
				"net.ipv4.ip_unprivileged_port_start", &start,
				1) != 1 ||
	    (long)port >= start)
		return true;
	return sn_task_capable(t, 10 /* CAP_NET_BIND_SERVICE */);
}

static int inet_bind(struct sn_file *f, struct sn_task *t,
		     const struct sockaddr *addr, socklen_t len)
{
	if (!may_bind_port(t, addr, len))
		return -EACCES;
	return ns_socket_bind(sock_of(f)->ns, addr, len);
}

static int inet_connect(struct sn_file *f, struct sn_task *t,
			const struct sockaddr *addr, socklen_t len, bool again)
{
	(void)t;
	struct ns_socket *ns = sock_of(f)->ns;
	/* A blocking connect woken up collects the outcome of its
	 * handshake from the stack (-EALREADY while it runs), as Linux's
	 * __inet_stream_connect after inet_wait_for_connect. */
	return ns_socket_connect(ns, again ? NULL : addr, again ? 0 : len);
}

static int inet_listen(struct sn_file *f, struct sn_task *t, int backlog)
{
	(void)t;
	return ns_socket_listen(sock_of(f)->ns, backlog);
}

static int inet_accept(struct sn_file *f, struct sn_task *t, int flags,
		       struct sn_file **out, struct sockaddr_storage *peer,
		       socklen_t *peerlen)
{
	struct ns_socket *ns;
	*peerlen = sizeof(*peer);
	int r = ns_socket_accept(sock_of(f)->ns, &ns, (struct sockaddr *)peer,
				 peerlen, 0);
	if (r < 0)
		return r;
	return inet_file_new(t->k, ns, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0,
			     sock_of(f)->uid, out);
}

static ssize_t inet_sendmsg(struct sn_file *f, struct sn_task *t,
			    struct sn_sockmsg *m, int flags)
{
	(void)t;
	struct msghdr msg = {
		.msg_name = m->namelen || m->name_given ? &m->name : NULL,
		.msg_namelen = m->namelen,
		.msg_iov = (struct iovec *)m->iov,
		.msg_iovlen = (size_t)m->iovcnt,
		.msg_control = m->control,
		.msg_controllen = m->controllen,
	};
	return ns_socket_sendmsg(sock_of(f)->ns, &msg, flags, m->io);
}

static ssize_t inet_recvmsg(struct sn_file *f, struct sn_task *t,
			    struct sn_sockmsg *m, int flags)
{
	(void)t;
	struct msghdr msg = {
		.msg_name = &m->name,
		.msg_namelen = sizeof(m->name),
		.msg_iov = (struct iovec *)m->iov,
		.msg_iovlen = (size_t)m->iovcnt,
		.msg_control = m->controllen ? m->control : NULL,
		.msg_controllen = m->controllen,
	};
	ssize_t n = ns_socket_recvmsg(sock_of(f)->ns, &msg, flags, m->io);
	if (n < 0)
		return n;
	m->namelen = msg.msg_namelen;
	m->controllen = msg.msg_controllen;
	m->msg_flags = msg.msg_flags;
	return n;
}

static int inet_shutdown(struct sn_file *f, struct sn_task *t, int how)
{
	(void)t;
	return ns_socket_shutdown(sock_of(f)->ns, how);
}

static int inet_getname(struct sn_file *f, bool peer,
			struct sockaddr_storage *addr, socklen_t *len)
{
	struct ns_socket *ns = sock_of(f)->ns;
	*len = sizeof(*addr);
	return peer ? ns_socket_getpeername(ns, (struct sockaddr *)addr, len)
		    : ns_socket_getsockname(ns, (struct sockaddr *)addr, len);
}

static int inet_setsockopt(struct sn_file *f, struct sn_task *t, int level,
			   int name, const void *val, socklen_t len)
{
	(void)t;
	return ns_socket_setsockopt(sock_of(f)->ns, level, name, val, len);
}

static int inet_getsockopt(struct sn_file *f, struct sn_task *t, int level,
			   int name, void *val, socklen_t *len)
{
	(void)t;
	return ns_socket_getsockopt(sock_of(f)->ns, level, name, val, len);
}

static uint64_t inet_timeout(struct sn_file *f, bool send)
{
	struct timeval tv = { 0 };
	socklen_t len = sizeof(tv);
	if (ns_socket_getsockopt(sock_of(f)->ns, SOL_SOCKET,
				 send ? SO_SNDTIMEO : SO_RCVTIMEO, &tv,
				 &len) < 0)
		return 0;
	return sn_timeval_ns(&tv);
}

/* A stream whose close waits: SO_LINGER on with a positive time. */
static int inet_linger_close(struct sn_file *f, bool first,
			     uint64_t *timeout_ns)
{
	struct ns_socket *ns = sock_of(f)->ns;
	struct ns_socket_info info;
	ns_socket_get_info(ns, &info);
	if (first) {
		struct linger l = { 0 };
		socklen_t len = sizeof(l);
		if (info.type != SOCK_STREAM ||
		    ns_socket_getsockopt(ns, SOL_SOCKET, SO_LINGER, &l, &len) <
			    0 ||
		    !l.l_onoff || l.l_linger <= 0)
			return 0;
		*timeout_ns = sn_ns_of(l.l_linger, 0);
		/* tcp_close sends the FIN now; the socket stays ours until
		 * the wait ends, then ns_socket_close orphans it. */
		if (ns_socket_shutdown(ns, SHUT_WR) < 0)
			return 0;
		ns_socket_get_info(ns, &info);
	}
	/* sk_stream_wait_close: over once nothing is left to acknowledge,
	 * i.e. past FIN_WAIT1, CLOSING and LAST_ACK. */
	switch (info.state) {
	case TCP_FIN_WAIT1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return -EAGAIN;
	default:
		return 0;
	}
}

static const struct sn_sock_ops inet_sock_ops = {
	.bind = inet_bind,
	.connect = inet_connect,
	.listen = inet_listen,
	.accept = inet_accept,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.shutdown = inet_shutdown,
	.getname = inet_getname,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.timeout = inet_timeout,
	.linger_close = inet_linger_close,
};

static const struct sn_file_ops inet_ops = {
	.kind = "inet",
	.stream = true,
	.read = inet_read,
	.write = inet_write,
	.poll = inet_poll,
	.stat = inet_stat,
	.ioctl = inet_ioctl,
	.release = inet_release,
	.sock = &inet_sock_ops,
};
