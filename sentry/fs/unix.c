/* AF_UNIX sockets (see unix.h). A socket is owned by its file, or, while
 * a connection waits in a listener's backlog, by that listener. Connected
 * peers point at each other and clear the pointer when one goes. Names
 * live in one table of the kernel: abstract names as given, path names as
 * canonical paths (with a socket node in tmpfs so `ls` sees them). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "fs/tmpfs.h"
#include "fs/unix.h"
#include "net/net.h"

#define UNIX_BUF (212992) /* net.core.wmem_default */
/* What each queued message costs the receive buffer beyond its bytes, as
 * Linux charges an skb's truesize: without it, empty datagrams or
 * fd-carrying empty stream messages would queue without bound. */
#define UNIX_MSG_COST 512
#define NAME_MAX_U    108

struct umsg {
	struct rs_list link;
	char *data;
	size_t len, off;
	struct sn_unix_anc anc;
	struct sockaddr_un from;
	socklen_t fromlen;
};

enum ustate { U_UNCONN, U_LISTEN, U_CONNECTED };

struct usock {
	struct sn_kernel *k;
	int type;
	enum ustate state;
	struct usock *peer;
	bool was_connected; /* a stream whose peer went: EOF / EPIPE */
	struct rs_list rq;
	size_t rq_bytes;	/* payload bytes queued (FIONREAD) */
	size_t rq_charge;	/* rq_bytes + UNIX_MSG_COST per message */
	struct rs_list backlog; /* listener: pending server sockets */
	struct rs_list backlog_link;
	int nbacklog, max_backlog;
	struct usock *listener; /* pending: the listener holding it */
	struct sn_file *file;	/* NULL while pending */
	struct sockaddr_un addr;
	socklen_t addrlen;
	struct tnode *node;	       /* the tmpfs node of a path name */
	struct sockaddr_un dgram_dest; /* connected datagram destination */
	socklen_t dgram_destlen;
	bool shut_rd, shut_wr;
	bool passcred;
	struct ucred cred;	    /* of the creator, for SO_PEERCRED */
	struct ucred peercred;	    /* the peer's at connect time */
	struct sn_waitq pending_wq; /* while pending: none can wait yet */
	struct rs_list all_link;    /* in sn_net.unix_socks, when k->net */
	uint64_t ino;		    /* sockfs inode, shared with inet */
};

struct uname_entry {
	struct uname_entry *next;
	char key[NAME_MAX_U + 4096];
	size_t keylen;
	struct usock *sock;
};

static const struct sn_file_ops unix_ops;

bool sn_file_is_unix(const struct sn_file *f)
{
	return f->ops == &unix_ops;
}

void sn_unix_anc_clear(struct sn_unix_anc *anc)
{
	for (int i = 0; i < anc->nfiles; i++)
		sn_file_put(anc->files[i]);
	free(anc->files);
	memset(anc, 0, sizeof(*anc));
}

static struct sn_waitq *wq_of(struct usock *s)
{
	return s->file ? &s->file->wq : &s->pending_wq;
}

static void wake(struct usock *s, uint32_t ev)
{
	if (s)
		sn_waitq_wake(wq_of(s), ev);
}

/* ---- the name table -------------------------------------------------------- */

static struct uname_entry **names(struct sn_kernel *k)
{
	return (struct uname_entry **)&k->unix_names;
}

static struct uname_entry *name_find(struct sn_kernel *k, const char *key,
				     size_t keylen)
{
	for (struct uname_entry *e = *names(k); e; e = e->next)
		if (e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
			return e;
	return NULL;
}

static void name_remove(struct sn_kernel *k, struct usock *s)
{
	for (struct uname_entry **pp = names(k); *pp; pp = &(*pp)->next) {
		if ((*pp)->sock != s)
			continue;
		struct uname_entry *e = *pp;
		*pp = e->next;
		free(e);
		return;
	}
}

void sn_unix_unbind_node(struct tnode *n)
{
	struct usock *s = n->bound;
	n->bound = NULL;
	if (s) {
		s->node = NULL;
		name_remove(s->k, s);
	}
}

/* Builds the table key of an address: 0x00 + bytes for abstract names,
 * '/' + canonical path for path names. */
static int name_key(struct sn_task *t, const struct sockaddr_un *a,
		    socklen_t len, char *key, size_t *keylen,
		    struct sn_path *path, bool for_bind)
{
	size_t plen = len - offsetof(struct sockaddr_un, sun_path);
	if (a->sun_path[0] == 0) {
		memcpy(key, a->sun_path, plen);
		*keylen = plen;
		return 0;
	}
	char p[NAME_MAX_U + 1];
	memcpy(p, a->sun_path, plen);
	p[plen] = 0;
	int r = sn_path_lookup(t, AT_FDCWD, p,
			       for_bind ? SN_LOOKUP_MAY_MISS : SN_LOOKUP_FOLLOW,
			       path);
	if (r < 0)
		return r;
	size_t n = strlen(path->abs);
	memcpy(key, path->abs, n);
	*keylen = n;
	return 0;
}

static int check_addr(const struct sockaddr_un *a, socklen_t len)
{
	if (len < offsetof(struct sockaddr_un, sun_path) + 1 ||
	    len > sizeof(*a) || a->sun_family != AF_UNIX)
		return -EINVAL;
	return 0;
}

/* ---- sockets ---------------------------------------------------------------- */

static void msg_free(struct umsg *m)
{
	sn_unix_anc_clear(&m->anc);
	free(m->data);
	free(m);
}

static struct usock *usock_new(struct sn_kernel *k, int type)
{
	struct usock *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->k = k;
	s->type = type;
	rs_list_init(&s->rq);
	rs_list_init(&s->backlog);
	rs_list_init(&s->backlog_link);
	sn_waitq_init(&s->pending_wq);
	rs_list_init(&s->all_link);
	/* Inode numbers come from the one sockfs counter the inet sockets
	 * use, so /proc/net and sock_diag can tell every socket apart. */
	if (k->net) {
		s->ino = k->net->next_ino++;
		rs_list_add_tail(&k->net->unix_socks, &s->all_link);
	}
	return s;
}

static void disconnect(struct usock *s)
{
	struct usock *p = s->peer;
	if (p) {
		p->peer = NULL;
		p->was_connected = true;
		wake(p, POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	}
	s->peer = NULL;
}

static void usock_free(struct usock *s)
{
	disconnect(s);
	while (!rs_list_empty(&s->rq)) {
		struct umsg *m = rs_container_of(s->rq.next, struct umsg, link);
		rs_list_del(&m->link);
		msg_free(m);
	}
	while (!rs_list_empty(&s->backlog)) {
		struct usock *c = rs_container_of(s->backlog.next, struct usock,
						  backlog_link);
		rs_list_del(&c->backlog_link);
		usock_free(c);
	}
	rs_list_del(&s->backlog_link);
	if (s->node)
		s->node->bound = NULL;
	name_remove(s->k, s);
	sn_waitq_detach_all(&s->pending_wq);
	rs_list_del(&s->all_link);
	free(s);
}

static struct ucred creds_of(struct sn_task *t)
{
	return (struct ucred){ .pid = t->proc->vpid,
			       .uid = t->proc->creds.euid,
			       .gid = t->proc->creds.egid };
}

static struct sn_file *file_for(struct sn_kernel *k, struct usock *s, int flags)
{
	struct sn_file *f = sn_file_new(k, &unix_ops, O_RDWR | flags, s);
	if (f == NULL)
		return NULL;
	s->file = f;
	if (s->ino) {
		char name[32];
		snprintf(name, sizeof(name), "socket:[%llu]",
			 (unsigned long long)s->ino);
		sn_file_set_path(f, name);
	} else {
		sn_file_set_path(f, "socket:[unix]");
	}
	/* Waiters that joined while the socket was pending move over. */
	while (!rs_list_empty(&s->pending_wq.waiters)) {
		struct rs_list *w = s->pending_wq.waiters.next;
		rs_list_del(w);
		rs_list_add_tail(&f->wq.waiters, w);
	}
	return f;
}

int sn_unix_socket(struct sn_kernel *k, int type, int flags,
		   struct sn_file **out)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	struct usock *s = usock_new(k, type);
	if (s == NULL)
		return -ENOMEM;
	*out = file_for(k, s, flags);
	if (*out == NULL) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

int sn_unix_pair(struct sn_task *t, int type, int flags, struct sn_file **a,
		 struct sn_file **b)
{
	int r = sn_unix_socket(t->k, type, flags, a);
	if (r < 0)
		return r;
	if ((r = sn_unix_socket(t->k, type, flags, b)) < 0) {
		sn_file_put(*a);
		return r;
	}
	struct usock *x = (*a)->priv, *y = (*b)->priv;
	x->peer = y;
	y->peer = x;
	x->state = y->state = U_CONNECTED;
	x->cred = y->cred = x->peercred = y->peercred = creds_of(t);
	return 0;
}

int sn_unix_bind(struct sn_task *t, struct sn_file *f,
		 const struct sockaddr_un *addr, socklen_t len)
{
	struct usock *s = f->priv;
	if (len == offsetof(struct sockaddr_un, sun_path) &&
	    addr->sun_family == AF_UNIX) {
		/* unix(7) autobind: an abstract name of 5 hex digits. */
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		static unsigned counter;
		snprintf(a.sun_path + 1, 6, "%05x", ++counter & 0xfffff);
		return sn_unix_bind(t, f, &a,
				    offsetof(struct sockaddr_un, sun_path) + 6);
	}
	int r = check_addr(addr, len);
	if (r < 0)
		return r;
	if (s->addrlen)
		return -EINVAL;
	struct uname_entry *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	struct sn_path p = { 0 };
	bool path = addr->sun_path[0] != 0;
	if ((r = name_key(t, addr, len, e->key, &e->keylen, &p, true)) < 0) {
		free(e);
		return r;
	}
	if (path && p.exists) {
		sn_path_free(&p);
		free(e);
		return -EADDRINUSE;
	}
	if (name_find(t->k, e->key, e->keylen)) {
		sn_path_free(&p);
		free(e);
		return -EADDRINUSE;
	}
	if (path) {
		struct sn_fs *fs = p.mnt->fs;
		if (p.mnt->readonly) {
			sn_path_free(&p);
			free(e);
			return -EROFS;
		}
		if (fs->ops->mknod &&
		    fs->ops->mknod(fs, t, p.rel,
				   S_IFSOCK | (0777 & ~t->proc->fs->umask),
				   0) == 0) {
			s->node = sn_tmpfs_lookup(fs, p.rel);
			if (s->node)
				s->node->bound = s;
		}
		sn_path_free(&p);
	}
	e->sock = s;
	e->next = *names(t->k);
	*names(t->k) = e;
	memcpy(&s->addr, addr, len);
	s->addrlen = len;
	return 0;
}

int sn_unix_listen(struct sn_task *t, struct sn_file *f, int backlog)
{
	struct usock *s = f->priv;
	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (s->state == U_CONNECTED)
		return -EINVAL;
	if (s->addrlen == 0) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int r = sn_unix_bind(t, f, &a,
				     offsetof(struct sockaddr_un, sun_path));
		if (r < 0)
			return r;
	}
	s->state = U_LISTEN;
	s->cred = creds_of(t);
	s->max_backlog = backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog;
	return 0;
}

static int lookup_sock(struct sn_task *t, const struct sockaddr_un *addr,
		       socklen_t len, struct usock **out)
{
	int r = check_addr(addr, len);
	if (r < 0)
		return r;
	char key[NAME_MAX_U + 4096];
	size_t keylen;
	struct sn_path p = { 0 };
	if ((r = name_key(t, addr, len, key, &keylen, &p, false)) < 0)
		return r == -ENOENT ? -ENOENT : r;
	sn_path_free(&p);
	struct uname_entry *e = name_find(t->k, key, keylen);
	if (e == NULL)
		return addr->sun_path[0] ? -ECONNREFUSED : -ECONNREFUSED;
	*out = e->sock;
	return 0;
}

int sn_unix_connect(struct sn_task *t, struct sn_file *f,
		    const struct sockaddr_un *addr, socklen_t len,
		    struct sn_waitq **full)
{
	struct usock *s = f->priv, *l;
	int r = lookup_sock(t, addr, len, &l);
	if (r < 0)
		return r;
	if (l->type != s->type)
		return -EPROTOTYPE;
	if (s->type == SOCK_DGRAM) {
		memcpy(&s->dgram_dest, addr, len);
		s->dgram_destlen = len;
		return 0;
	}
	if (s->state == U_CONNECTED)
		return -EISCONN;
	if (s->state == U_LISTEN || l->state != U_LISTEN)
		return s->state == U_LISTEN ? -EINVAL : -ECONNREFUSED;
	if (l->nbacklog >= l->max_backlog) {
		if (full)
			*full = wq_of(l); /* accept wakes it with POLLOUT */
		return -EAGAIN;
	}
	struct usock *c = usock_new(t->k, s->type);
	if (c == NULL)
		return -ENOMEM;
	c->state = s->state = U_CONNECTED;
	c->peer = s;
	s->peer = c;
	s->cred = creds_of(t);
	c->cred = l->cred;
	s->peercred = l->cred;
	c->peercred = s->cred;
	c->passcred = l->passcred;
	memcpy(&c->addr, &l->addr, l->addrlen);
	c->addrlen = l->addrlen;
	c->listener = l;
	rs_list_add_tail(&l->backlog, &c->backlog_link);
	l->nbacklog++;
	wake(l, POLLIN);
	return 0;
}

int sn_unix_accept(struct sn_task *t, struct sn_file *f, int flags,
		   struct sn_file **out, struct sockaddr_un *peer,
		   socklen_t *peerlen)
{
	struct usock *l = f->priv;
	if (l->state != U_LISTEN)
		return -EINVAL;
	if (rs_list_empty(&l->backlog))
		return -EAGAIN;
	struct usock *c =
		rs_container_of(l->backlog.next, struct usock, backlog_link);
	*out = file_for(t->k, c, flags);
	if (*out == NULL)
		return -ENOMEM;
	rs_list_del(&c->backlog_link);
	l->nbacklog--;
	c->listener = NULL;
	wake(l, POLLOUT); /* room for a connect waiting on a full backlog */
	if (peer) {
		struct usock *p = c->peer;
		memset(peer, 0, sizeof(*peer));
		peer->sun_family = AF_UNIX;
		*peerlen = offsetof(struct sockaddr_un, sun_path);
		if (p && p->addrlen) {
			memcpy(peer, &p->addr, p->addrlen);
			*peerlen = p->addrlen;
		}
	}
	return 0;
}

ssize_t sn_unix_send(struct sn_task *t, struct sn_file *f, const void *buf,
		     size_t len, const struct sockaddr_un *addr,
		     socklen_t addrlen, struct sn_unix_anc *anc)
{
	struct usock *s = f->priv, *dst;
	if (s->shut_wr)
		return -EPIPE;
	if (s->type == SOCK_DGRAM) {
		int r;
		if (addr && addrlen)
			r = lookup_sock(t, addr, addrlen, &dst);
		else if (s->dgram_destlen)
			r = lookup_sock(t, &s->dgram_dest, s->dgram_destlen,
					&dst);
		else if (s->peer) /* socketpair */
			r = 0, dst = s->peer;
		else
			return -ENOTCONN;
		if (r < 0)
			return r;
		if (dst->type != SOCK_DGRAM)
			return -EPROTOTYPE;
		if (len > UNIX_BUF - UNIX_MSG_COST)
			return -EMSGSIZE;
	} else {
		if (s->state != U_CONNECTED)
			return -ENOTCONN;
		dst = s->peer;
		if (dst == NULL)
			return s->was_connected ? -EPIPE : -ENOTCONN;
		if (dst->shut_rd)
			return -EPIPE;
		if (s->type == SOCK_SEQPACKET && len > UNIX_BUF - UNIX_MSG_COST)
			return -EMSGSIZE;
		/* An empty stream write without ancillary data sends
		 * nothing (unix_stream_sendmsg queues no skb). */
		if (s->type == SOCK_STREAM && len == 0 &&
		    (anc == NULL || (anc->nfiles == 0 && !anc->has_cred)))
			return 0;
	}
	if (dst->rq_charge + UNIX_MSG_COST >= UNIX_BUF ||
	    (s->type != SOCK_STREAM &&
	     dst->rq_charge + UNIX_MSG_COST + len > UNIX_BUF))
		return -EAGAIN;
	size_t n = len, room = UNIX_BUF - dst->rq_charge - UNIX_MSG_COST;
	if (s->type == SOCK_STREAM && n > room)
		n = room;
	struct umsg *m = calloc(1, sizeof(*m));
	if (m == NULL || (n && (m->data = malloc(n)) == NULL)) {
		free(m);
		return -ENOMEM;
	}
	if (n)
		memcpy(m->data, buf, n); /* an empty message has no data */
	m->len = n;
	if (anc) {
		m->anc = *anc;
		memset(anc, 0, sizeof(*anc));
	}
	if (!m->anc.has_cred && dst->passcred) {
		m->anc.has_cred = true;
		m->anc.cred = creds_of(t);
	}
	if (s->addrlen) {
		memcpy(&m->from, &s->addr, s->addrlen);
		m->fromlen = s->addrlen;
	}
	rs_list_add_tail(&dst->rq, &m->link);
	dst->rq_bytes += n;
	dst->rq_charge += n + UNIX_MSG_COST;
	wake(dst, POLLIN | POLLRDNORM);
	return (ssize_t)n;
}

static void put_from(const struct umsg *m, struct sockaddr_un *from,
		     socklen_t *fromlen)
{
	if (from == NULL)
		return;
	memset(from, 0, sizeof(*from));
	from->sun_family = AF_UNIX;
	*fromlen = offsetof(struct sockaddr_un, sun_path);
	if (m->fromlen) {
		memcpy(from, &m->from, m->fromlen);
		*fromlen = m->fromlen;
	}
}

ssize_t sn_unix_recv(struct sn_task *t, struct sn_file *f, void *buf,
		     size_t len, int flags, struct sockaddr_un *from,
		     socklen_t *fromlen, struct sn_unix_anc *anc,
		     int *msg_flags)
{
	(void)t;
	struct usock *s = f->priv;
	*msg_flags = 0;
	if (s->state == U_LISTEN)
		return -EINVAL;
	if (rs_list_empty(&s->rq)) {
		if (s->shut_rd)
			return 0;
		if (s->type != SOCK_DGRAM && s->state == U_CONNECTED &&
		    s->peer == NULL)
			return 0; /* peer gone: end of file */
		if (s->type != SOCK_DGRAM && s->state != U_CONNECTED)
			return -ENOTCONN;
		return -EAGAIN;
	}
	bool peek = flags & MSG_PEEK;
	if (s->type != SOCK_STREAM) {
		struct umsg *m = rs_container_of(s->rq.next, struct umsg, link);
		size_t n = m->len < len ? m->len : len;
		if (n) /* an empty message has no data */
			memcpy(buf, m->data, n);
		if (m->len > len)
			*msg_flags |= MSG_TRUNC;
		put_from(m, from, fromlen);
		ssize_t ret = (ssize_t)((flags & MSG_TRUNC) ? m->len : n);
		if (!peek) {
			if (anc) {
				*anc = m->anc;
				memset(&m->anc, 0, sizeof(m->anc));
			}
			rs_list_del(&m->link);
			s->rq_bytes -= m->len;
			s->rq_charge -= m->len + UNIX_MSG_COST;
			msg_free(m);
			wake(s->peer, POLLOUT);
		}
		return ret;
	}
	/* A stream read crosses message boundaries but stops after one that
	 * carried ancillary data, which is delivered with its bytes. */
	size_t done = 0;
	struct rs_list *pos = s->rq.next;
	while (pos != &s->rq && done < len) {
		struct umsg *m = rs_container_of(pos, struct umsg, link);
		pos = pos->next;
		bool has_anc = m->anc.nfiles > 0 || m->anc.has_cred;
		if (done > 0 && has_anc)
			break;
		size_t avail = m->len - m->off;
		size_t n = avail < len - done ? avail : len - done;
		if (n)
			memcpy((char *)buf + done, m->data + m->off, n);
		done += n;
		if (done == n)
			put_from(m, from, fromlen);
		if (peek)
			continue;
		if (anc && has_anc) {
			sn_unix_anc_clear(anc);
			*anc = m->anc;
			memset(&m->anc, 0, sizeof(m->anc));
		}
		m->off += n;
		s->rq_bytes -= n;
		s->rq_charge -= n;
		if (m->off == m->len) {
			s->rq_charge -= UNIX_MSG_COST;
			rs_list_del(&m->link);
			msg_free(m);
		}
		if (has_anc)
			break;
	}
	if (!peek)
		wake(s->peer, POLLOUT | POLLWRNORM);
	return (ssize_t)done;
}

int sn_unix_shutdown(struct sn_file *f, int how)
{
	struct usock *s = f->priv;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (s->type != SOCK_DGRAM && s->state != U_CONNECTED)
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD)
		s->shut_wr = true;
	/* The peer sees the other direction closed. */
	if (s->peer) {
		if (how != SHUT_RD)
			s->peer->shut_rd = true;
		if (how != SHUT_WR)
			s->peer->shut_wr = true;
	}
	wake(s, POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	wake(s->peer, POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	return 0;
}

int sn_unix_name(struct sn_file *f, bool peer, struct sockaddr_un *addr,
		 socklen_t *len)
{
	struct usock *s = f->priv;
	if (peer) {
		if (s->type == SOCK_DGRAM && s->dgram_destlen) {
			memcpy(addr, &s->dgram_dest, s->dgram_destlen);
			*len = s->dgram_destlen;
			return 0;
		}
		if (s->peer == NULL)
			return -ENOTCONN;
		s = s->peer;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	*len = offsetof(struct sockaddr_un, sun_path);
	if (s->addrlen) {
		memcpy(addr, &s->addr, s->addrlen);
		*len = s->addrlen;
	}
	return 0;
}

int sn_unix_setsockopt(struct sn_file *f, int level, int name, const void *val,
		       socklen_t len)
{
	struct usock *s = f->priv;
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	int v = 0;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(int));
	switch (name) {
	case SO_PASSCRED:
		s->passcred = v != 0;
		return 0;
	case SO_SNDBUF:
	case SO_RCVBUF:
	case SO_SNDBUFFORCE:
	case SO_RCVBUFFORCE:
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_LINGER:
	case SO_RCVTIMEO_OLD:
	case SO_SNDTIMEO_OLD:
	case SO_PRIORITY:
	case SO_BROADCAST:
	case SO_PASSSEC:
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int sn_unix_getsockopt(struct sn_file *f, int level, int name, void *val,
		       socklen_t *len)
{
	struct usock *s = f->priv;
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	int v;
	switch (name) {
	case SO_TYPE:
		v = s->type;
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	case SO_PROTOCOL:
		v = 0;
		break;
	case SO_ERROR:
		v = 0;
		break;
	case SO_ACCEPTCONN:
		v = s->state == U_LISTEN;
		break;
	case SO_PASSCRED:
		v = s->passcred;
		break;
	case SO_SNDBUF:
	case SO_RCVBUF:
		v = UNIX_BUF;
		break;
	case SO_PEERCRED:
		if (s->state != U_CONNECTED)
			return -ENOTCONN;
		*len = *len < sizeof(struct ucred) ? *len
						   : sizeof(struct ucred);
		memcpy(val, &s->peercred, *len);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
	*len = *len < sizeof(int) ? *len : sizeof(int);
	memcpy(val, &v, *len);
	return 0;
}

/* ---- the file ---------------------------------------------------------------- */

static ssize_t u_read(struct sn_file *f, struct sn_task *t, void *buf,
		      size_t len, int64_t *off)
{
	(void)off;
	int mf;
	return sn_unix_recv(t, f, buf, len, 0, NULL, NULL, NULL, &mf);
}

static ssize_t u_write(struct sn_file *f, struct sn_task *t, const void *buf,
		       size_t len, int64_t *off)
{
	(void)off;
	return sn_unix_send(t, f, buf, len, NULL, 0, NULL);
}

static uint32_t u_poll(struct sn_file *f)
{
	struct usock *s = f->priv;
	uint32_t ev = 0;
	if (s->state == U_LISTEN)
		return rs_list_empty(&s->backlog) ? 0 : POLLIN | POLLRDNORM;
	if (!rs_list_empty(&s->rq))
		ev |= POLLIN | POLLRDNORM;
	if (s->shut_rd)
		ev |= POLLIN | POLLRDHUP;
	if (s->type == SOCK_DGRAM) {
		return ev | POLLOUT | POLLWRNORM;
	}
	if (s->state == U_CONNECTED && s->peer == NULL)
		ev |= POLLIN | POLLHUP | POLLRDHUP;
	if (s->shut_rd && s->shut_wr)
		ev |= POLLHUP;
	if (s->state == U_CONNECTED && s->peer && !s->shut_wr &&
	    s->peer->rq_charge + UNIX_MSG_COST < UNIX_BUF)
		ev |= POLLOUT | POLLWRNORM;
	if (s->state == U_UNCONN)
		ev |= POLLOUT | POLLHUP;
	return ev;
}

static int u_stat(struct sn_file *f, struct stat *st)
{
	int r = sn_file_generic_stat(f, st, S_IFSOCK | 0777);
	struct usock *s = f->priv;
	if (s->ino) {
		st->st_ino = (ino_t)s->ino;
		st->st_dev = 0x8; /* sockfs-like device, as inet sockets */
	}
	return r;
}

void sn_unix_foreach(struct sn_kernel *k,
		     void (*fn)(void *arg, const struct sn_unix_info *info),
		     void *arg)
{
	if (k->net == NULL)
		return;
	struct rs_list *pos;
	rs_list_for_each(pos, &k->net->unix_socks)
	{
		const struct usock *s =
			rs_container_of(pos, struct usock, all_link);
		struct sn_unix_info i = { .type = s->type,
					  .listening = s->state == U_LISTEN,
					  .connected = s->state == U_CONNECTED,
					  .ino = s->file ? s->ino : 0 };
		if (s->addrlen > offsetof(struct sockaddr_un, sun_path)) {
			i.pathlen = s->addrlen -
				    offsetof(struct sockaddr_un, sun_path);
			memcpy(i.path, s->addr.sun_path, i.pathlen);
		}
		fn(arg, &i);
	}
}

static long u_ioctl(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		    uint64_t arg)
{
	struct usock *s = f->priv;
	if (cmd != 0x541B) /* FIONREAD / SIOCINQ */
		return -ENOTTY;
	int v = (int)s->rq_bytes;
	if (s->type != SOCK_STREAM && !rs_list_empty(&s->rq))
		v = (int)rs_container_of(s->rq.next, struct umsg, link)->len;
	return sn_copy_out(t, arg, &v, sizeof(v));
}

static void u_release(struct sn_file *f)
{
	usock_free(f->priv);
}

static const struct sn_file_ops unix_ops = {
	.kind = "unix",
	.stream = true,
	.read = u_read,
	.write = u_write,
	.poll = u_poll,
	.stat = u_stat,
	.ioctl = u_ioctl,
	.release = u_release,
	.sock = &sn_unix_sock_ops,
};
