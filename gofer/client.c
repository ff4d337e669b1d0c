/* The synchronous 9P2000.L client (see gofer/client.h for the contract). */
#include "gofer/client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

struct gf_client {
	int fd;
	uint32_t msize;
	int timeout_ms;
	int dead; /* 0, or the negative errno that killed the connection */
	uint16_t next_tag;
	uint8_t *tx;
	uint8_t *rx;
	struct gf_fcall req, rep;
	/* Fid numbers: released ones are reused first, then next_fid. */
	uint32_t *free_fids;
	size_t nfree, free_cap;
	uint32_t next_fid;
};

/* ---- fid numbers ---------------------------------------------------- */

static int fid_alloc(struct gf_client *c, uint32_t *fid)
{
	if (c->nfree) {
		*fid = c->free_fids[--c->nfree];
		return 0;
	}
	if (c->next_fid == GF_NOFID)
		return -EMFILE;
	*fid = c->next_fid++;
	return 0;
}

static void fid_free(struct gf_client *c, uint32_t fid)
{
	if (c->nfree == c->free_cap) {
		size_t cap = c->free_cap ? c->free_cap * 2 : 64;
		uint32_t *p = realloc(c->free_fids, cap * sizeof(*p));
		if (p == NULL)
			return; /* the number is lost, not reused: harmless */
		c->free_fids = p;
		c->free_cap = cap;
	}
	c->free_fids[c->nfree++] = fid;
}

/* ---- transport ------------------------------------------------------ */

static int kill_conn(struct gf_client *c, int err)
{
	if (!c->dead)
		c->dead = err;
	return err;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline (-1: none) passes. */
static int wait_ready(int fd, short events, int64_t deadline)
{
	for (;;) {
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0)
			return 0;
	}
}

static int send_all(struct gf_client *c, const uint8_t *buf, size_t len,
		    int64_t deadline)
{
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = send(c->fd, buf + sent, len - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return errno == EPIPE ? -ECONNRESET : -errno;
		int rc = wait_ready(c->fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Keeps the first fd of an SCM_RIGHTS message in *fd_out (closing any
 * other: the server sends at most one per reply). */
static void take_fds(struct msghdr *msg, int *fd_out)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm;
	     cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (*fd_out < 0)
				*fd_out = fd;
			else
				close(fd);
		}
	}
}

static int recv_all(struct gf_client *c, uint8_t *buf, size_t len,
		    int64_t deadline, int *fd_out)
{
	size_t got = 0;
	while (got < len) {
		struct iovec iov = { .iov_base = buf + got,
				     .iov_len = len - got };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(4 * sizeof(int))];
		} control;
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = control.buf,
				      .msg_controllen = sizeof(control.buf) };
		ssize_t n =
			recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n > 0) {
			take_fds(&msg, fd_out);
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int rc = wait_ready(c->fd, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Receives one reply into c->rx and decodes it into c->rep. */
static int recv_reply(struct gf_client *c, int64_t deadline, int *fd_out)
{
	int rc = recv_all(c, c->rx, 4, deadline, fd_out);
	if (rc < 0)
		return rc;
	uint32_t size = (uint32_t)c->rx[0] | (uint32_t)c->rx[1] << 8 |
			(uint32_t)c->rx[2] << 16 | (uint32_t)c->rx[3] << 24;
	if (size < GF_HDR_SIZE || size > c->msize)
		return -EPROTO;
	rc = recv_all(c, c->rx + 4, size - 4, deadline, fd_out);
	if (rc < 0)
		return rc;
	rc = gf_fcall_decode(c->rx, size, &c->rep);
	return rc < 0 ? -EPROTO : 0;
}

/* One round trip: sends c->req with a fresh tag, waits for its reply in
 * c->rep. Returns 0, the server's -errno (Rlerror), or a transport error
 * that kills the connection. A donated fd goes to *fd_out if fd_out is
 * given, else it is closed. */
static int rpc(struct gf_client *c, int *fd_out)
{
	if (c->dead)
		return -ECONNRESET;
	int fd = -1;
	c->req.tag = c->req.type == GF_TVERSION ? GF_NOTAG : c->next_tag++;
	if (c->next_tag == GF_NOTAG)
		c->next_tag = 0;
	ssize_t len = gf_fcall_encode(&c->req, c->tx, c->msize);
	if (len < 0)
		return len == -ENOBUFS ? -ENAMETOOLONG : (int)len;
	int64_t deadline = c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
	int rc = send_all(c, c->tx, (size_t)len, deadline);
	if (rc == 0)
		rc = recv_reply(c, deadline, &fd);
	if (rc == 0 && c->rep.tag != c->req.tag)
		rc = -EPROTO;
	if (rc == 0 && c->rep.type != GF_RLERROR &&
	    c->rep.type != c->req.type + 1)
		rc = -EPROTO;
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return kill_conn(c, rc);
	}
	if (c->rep.type == GF_RLERROR) {
		if (fd >= 0)
			close(fd);
		/* An errno outside Linux's range would confuse the caller's
		 * "negative means error" convention. */
		if (c->rep.ecode == 0 || c->rep.ecode > 4095)
			return -EIO;
		return -(int)c->rep.ecode;
	}
	if (fd_out)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

/* Starts a request of the given type. */
static struct gf_fcall *req_of(struct gf_client *c, uint8_t type)
{
	memset(&c->req, 0, sizeof(c->req));
	c->req.type = type;
	return &c->req;
}

/* A name for one path component; dots only where walk allows them. */
static int name_arg(const char *name, bool dots_ok, struct gf_str *out)
{
	if (name == NULL)
		return -EINVAL;
	size_t len = strlen(name);
	if (len == 0 || strchr(name, '/'))
		return -EINVAL;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	if (!dots_ok && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
		return -EINVAL;
	*out = gf_str_of(name, len);
	return 0;
}

/* ---- connection ----------------------------------------------------- */

int gf_client_new(int sock_fd, const struct gf_client_opts *opts,
		  struct gf_client **out)
{
	uint32_t msize =
		opts && opts->msize ? opts->msize : GF_CLIENT_DEFAULT_MSIZE;
	if (msize < 4096) {
		close(sock_fd);
		return -EINVAL;
	}
	struct gf_client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(sock_fd);
		return -ENOMEM;
	}
	c->fd = sock_fd;
	c->msize = msize;
	c->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms
						 : GF_CLIENT_DEFAULT_TIMEOUT_MS;
	c->tx = malloc(msize);
	c->rx = malloc(msize);
	if (c->tx == NULL || c->rx == NULL) {
		gf_client_free(c);
		return -ENOMEM;
	}
	struct gf_fcall *f = req_of(c, GF_TVERSION);
	f->msize = msize;
	f->version = gf_str_of(GF_VERSION_9P2000L, strlen(GF_VERSION_9P2000L));
	int rc = rpc(c, NULL);
	if (rc == 0 && (c->rep.version.len != strlen(GF_VERSION_9P2000L) ||
			memcmp(c->rep.version.s, GF_VERSION_9P2000L,
			       c->rep.version.len) != 0))
		rc = -EPROTONOSUPPORT;
	if (rc == 0 && (c->rep.msize > msize || c->rep.msize < 4096))
		rc = -EPROTO;
	if (rc < 0) {
		gf_client_free(c);
		return rc;
	}
	c->msize = c->rep.msize;
	*out = c;
	return 0;
}

void gf_client_free(struct gf_client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->tx);
	free(c->rx);
	free(c->free_fids);
	free(c);
}

uint32_t gf_client_msize(const struct gf_client *c)
{
	return c->msize;
}

/* ---- requests ------------------------------------------------------- */

int gf_attach(struct gf_client *c, const char *aname, uint32_t uid,
	      uint32_t *fid, struct gf_qid *qid)
{
	size_t alen = strlen(aname);
	if (alen > UINT16_MAX) /* a 9P string's length is 16 bits */
		return -ENAMETOOLONG;
	uint32_t nf;
	int rc = fid_alloc(c, &nf);
	if (rc < 0)
		return rc;
	struct gf_fcall *f = req_of(c, GF_TATTACH);
	f->fid = nf;
	f->afid = GF_NOFID;
	f->uname = gf_str_of("", 0);
	f->aname = gf_str_of(aname, alen);
	f->n_uname = uid;
	rc = rpc(c, NULL);
	if (rc < 0) {
		fid_free(c, nf);
		return rc;
	}
	*fid = nf;
	if (qid)
		*qid = c->rep.qid;
	return 0;
}

/* Sends one Twalk; on success *nwqid names walked. */
static int walk_once(struct gf_client *c, uint32_t fid, uint32_t newfid,
		     unsigned nwname, const struct gf_str *names,
		     unsigned *nwqid)
{
	struct gf_fcall *f = req_of(c, GF_TWALK);
	f->fid = fid;
	f->newfid = newfid;
	f->nwname = (uint16_t)nwname;
	memcpy(f->wnames, names, nwname * sizeof(*names));
	int rc = rpc(c, NULL);
	if (rc < 0)
		return rc;
	if (c->rep.nwqid > nwname)
		return kill_conn(c, -EPROTO);
	*nwqid = c->rep.nwqid;
	return 0;
}

/* After a short Rwalk that stopped at names[k], finds out why: 9P's short
 * reply carries no errno, so walk to names[k-1] and then try names[k]
 * alone, which the server answers with Rlerror. */
static int walk_failure_errno(struct gf_client *c, uint32_t fid,
			      const struct gf_str *names, unsigned k)
{
	uint32_t tmp;
	unsigned n;
	if (fid_alloc(c, &tmp) < 0)
		return -ENOENT;
	int rc = walk_once(c, fid, tmp, k, names, &n);
	if (rc < 0 || n != k) {
		fid_free(c, tmp);
		return rc < 0 ? rc : -ENOENT;
	}
	uint32_t probe;
	rc = fid_alloc(c, &probe);
	if (rc == 0) {
		rc = walk_once(c, tmp, probe, 1, &names[k], &n);
		if (rc == 0) {
			/* It exists now: the tree changed between the two
			 * walks; the caller may retry. */
			gf_clunk(c, probe);
			rc = -EAGAIN;
		} else {
			fid_free(c, probe);
		}
	}
	gf_clunk(c, tmp);
	return rc;
}

int gf_walk(struct gf_client *c, uint32_t fid, unsigned nwname,
	    const char *const *names, uint32_t *newfid, struct gf_qid *qids,
	    unsigned *nwqid)
{
	if (nwqid)
		*nwqid = 0;
	if (nwname > GF_MAXWELEM)
		return -EINVAL;
	struct gf_str wnames[GF_MAXWELEM];
	for (unsigned i = 0; i < nwname; i++) {
		int rc = name_arg(names[i], true, &wnames[i]);
		if (rc < 0)
			return rc;
	}
	uint32_t nf;
	int rc = fid_alloc(c, &nf);
	if (rc < 0)
		return rc;
	unsigned walked;
	rc = walk_once(c, fid, nf, nwname, wnames, &walked);
	if (rc < 0) {
		fid_free(c, nf);
		return rc;
	}
	if (qids)
		memcpy(qids, c->rep.wqids, walked * sizeof(*qids));
	if (nwqid)
		*nwqid = walked;
	if (walked < nwname) {
		/* The server created no fid for a short walk. */
		fid_free(c, nf);
		return walk_failure_errno(c, fid, wnames, walked);
	}
	*newfid = nf;
	return 0;
}

int gf_getattr(struct gf_client *c, uint32_t fid, struct gf_attr *attr)
{
	struct gf_fcall *f = req_of(c, GF_TGETATTR);
	f->fid = fid;
	f->request_mask = GF_GETATTR_BASIC;
	int rc = rpc(c, NULL);
	if (rc == 0)
		*attr = c->rep.attr;
	return rc;
}

int gf_setattr(struct gf_client *c, uint32_t fid, const struct gf_setattr *attr)
{
	struct gf_fcall *f = req_of(c, GF_TSETATTR);
	f->fid = fid;
	f->setattr = *attr;
	return rpc(c, NULL);
}

static int open_reply(struct gf_client *c, int rc, int fd, struct gf_qid *qid,
		      uint32_t *iounit, int *host_fd)
{
	if (rc < 0)
		return rc;
	if (qid)
		*qid = c->rep.qid;
	if (iounit)
		*iounit = c->rep.iounit;
	if (host_fd)
		*host_fd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

int gf_lopen(struct gf_client *c, uint32_t fid, uint32_t flags,
	     struct gf_qid *qid, uint32_t *iounit, int *host_fd)
{
	if (host_fd)
		*host_fd = -1;
	if (flags & (O_CREAT | O_EXCL))
		return -EINVAL;
	struct gf_fcall *f = req_of(c, GF_TLOPEN);
	f->fid = fid;
	f->flags = flags;
	int fd = -1;
	int rc = rpc(c, &fd);
	return open_reply(c, rc, fd, qid, iounit, host_fd);
}

int gf_lcreate(struct gf_client *c, uint32_t dfid, const char *name,
	       uint32_t flags, uint32_t mode, uint32_t gid, struct gf_qid *qid,
	       uint32_t *iounit, int *host_fd)
{
	if (host_fd)
		*host_fd = -1;
	struct gf_fcall *f = req_of(c, GF_TLCREATE);
	int rc = name_arg(name, false, &f->name);
	if (rc < 0)
		return rc;
	f->dfid = dfid;
	f->flags = flags;
	f->mode = mode;
	f->gid = gid;
	int fd = -1;
	rc = rpc(c, &fd);
	return open_reply(c, rc, fd, qid, iounit, host_fd);
}

ssize_t gf_read(struct gf_client *c, uint32_t fid, uint64_t offset, void *buf,
		size_t len)
{
	size_t done = 0;
	const size_t max = c->msize - GF_IOHDR_READ;
	while (done < len) {
		uint32_t chunk =
			(uint32_t)(len - done < max ? len - done : max);
		struct gf_fcall *f = req_of(c, GF_TREAD);
		f->fid = fid;
		f->offset = offset + done;
		f->count = chunk;
		int rc = rpc(c, NULL);
		if (rc == 0 && c->rep.count > chunk)
			rc = kill_conn(c, -EPROTO);
		if (rc < 0)
			return done ? (ssize_t)done : rc;
		memcpy((uint8_t *)buf + done, c->rep.data, c->rep.count);
		done += c->rep.count;
		if (c->rep.count < chunk)
			break; /* end of file, or a short read of a FIFO */
	}
	return (ssize_t)done;
}

ssize_t gf_write(struct gf_client *c, uint32_t fid, uint64_t offset,
		 const void *buf, size_t len)
{
	size_t done = 0;
	const size_t max = c->msize - GF_IOHDR_WRITE;
	while (done < len) {
		uint32_t chunk =
			(uint32_t)(len - done < max ? len - done : max);
		struct gf_fcall *f = req_of(c, GF_TWRITE);
		f->fid = fid;
		f->offset = offset + done;
		f->count = chunk;
		f->data = (const uint8_t *)buf + done;
		int rc = rpc(c, NULL);
		if (rc == 0 && c->rep.count > chunk)
			rc = kill_conn(c, -EPROTO);
		if (rc < 0)
			return done ? (ssize_t)done : rc;
		done += c->rep.count;
		if (c->rep.count < chunk)
			break;
	}
	return (ssize_t)done;
}

/* A server's entry name is one path component: callers build paths and C
 * strings from it. */
static bool dirent_name_ok(const struct gf_dirent *d)
{
	return d->name_len > 0 && !memchr(d->name, '/', d->name_len) &&
	       !memchr(d->name, '\0', d->name_len);
}

int gf_readdir(struct gf_client *c, uint32_t fid, uint64_t offset,
	       uint32_t count, gf_dirent_fn fn, void *arg)
{
	const uint32_t max = c->msize - GF_IOHDR_READ;
	struct gf_fcall *f = req_of(c, GF_TREADDIR);
	f->fid = fid;
	f->offset = offset;
	f->count = count == 0 || count > max ? max : count;
	int rc = rpc(c, NULL);
	if (rc < 0)
		return rc;
	if (c->rep.count > f->count)
		return kill_conn(c, -EPROTO);
	struct gf_rbuf r = { .p = c->rep.data, .len = c->rep.count };
	int n = 0;
	while (r.off < r.len) {
		struct gf_dirent d;
		if (!gf_dirent_get(&r, &d) || !dirent_name_ok(&d))
			return kill_conn(c, -EPROTO);
		n++;
		if (fn(arg, &d))
			break;
	}
	return n;
}

int gf_readlink(struct gf_client *c, uint32_t fid, char *buf, size_t len)
{
	struct gf_fcall *f = req_of(c, GF_TREADLINK);
	f->fid = fid;
	int rc = rpc(c, NULL);
	if (rc < 0)
		return rc;
	/* A NUL inside would silently shorten the C string handed back. */
	if (!gf_str_is_clean(c->rep.target))
		return kill_conn(c, -EPROTO);
	if ((size_t)c->rep.target.len + 1 > len)
		return -ENAMETOOLONG;
	memcpy(buf, c->rep.target.s, c->rep.target.len);
	buf[c->rep.target.len] = '\0';
	return c->rep.target.len;
}

/* The reply qid of a create-like request. */
static int qid_reply(struct gf_client *c, int rc, struct gf_qid *qid)
{
	if (rc == 0 && qid)
		*qid = c->rep.qid;
	return rc;
}

int gf_mkdir(struct gf_client *c, uint32_t dfid, const char *name,
	     uint32_t mode, uint32_t gid, struct gf_qid *qid)
{
	struct gf_fcall *f = req_of(c, GF_TMKDIR);
	int rc = name_arg(name, false, &f->name);
	if (rc < 0)
		return rc;
	f->dfid = dfid;
	f->mode = mode;
	f->gid = gid;
	return qid_reply(c, rpc(c, NULL), qid);
}

int gf_symlink(struct gf_client *c, uint32_t dfid, const char *name,
	       const char *target, uint32_t gid, struct gf_qid *qid)
{
	struct gf_fcall *f = req_of(c, GF_TSYMLINK);
	int rc = name_arg(name, false, &f->name);
	if (rc < 0)
		return rc;
	size_t tlen = strlen(target);
	if (tlen == 0)
		return -ENOENT; /* symlink(2) on an empty target */
	if (tlen >= PATH_MAX)
		return -ENAMETOOLONG;
	f->dfid = dfid;
	f->target = gf_str_of(target, tlen);
	f->gid = gid;
	return qid_reply(c, rpc(c, NULL), qid);
}

int gf_mknod(struct gf_client *c, uint32_t dfid, const char *name,
	     uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid,
	     struct gf_qid *qid)
{
	struct gf_fcall *f = req_of(c, GF_TMKNOD);
	int rc = name_arg(name, false, &f->name);
	if (rc < 0)
		return rc;
	f->dfid = dfid;
	f->mode = mode;
	f->major = major;
	f->minor = minor;
	f->gid = gid;
	return qid_reply(c, rpc(c, NULL), qid);
}

int gf_link(struct gf_client *c, uint32_t dfid, uint32_t fid, const char *name)
{
	struct gf_fcall *f = req_of(c, GF_TLINK);
	int rc = name_arg(name, false, &f->name);
	if (rc < 0)
		return rc;
	f->dfid = dfid;
	f->fid = fid;
	return rpc(c, NULL);
}

int gf_renameat(struct gf_client *c, uint32_t olddfid, const char *oldname,
		uint32_t newdfid, const char *newname)
{
	struct gf_fcall *f = req_of(c, GF_TRENAMEAT);
	int rc = name_arg(oldname, false, &f->name);
	if (rc == 0)
		rc = name_arg(newname, false, &f->newname);
	if (rc < 0)
		return rc;
	f->dfid = olddfid;
	f->newdfid = newdfid;
	return rpc(c, NULL);
}

int gf_unlinkat(struct gf_client *c, uint32_t dfid, const char *name,
		uint32_t flags)
{
	struct gf_fcall *f = req_of(c, GF_TUNLINKAT);
	int rc = name_arg(name, false, &f->name);
	if (rc < 0)
		return rc;
	f->dfid = dfid;
	f->flags = flags;
	return rpc(c, NULL);
}

int gf_remove(struct gf_client *c, uint32_t fid)
{
	struct gf_fcall *f = req_of(c, GF_TREMOVE);
	f->fid = fid;
	int rc = rpc(c, NULL);
	fid_free(c, fid);
	return rc;
}

int gf_statfs(struct gf_client *c, uint32_t fid, struct gf_statfs *st)
{
	struct gf_fcall *f = req_of(c, GF_TSTATFS);
	f->fid = fid;
	int rc = rpc(c, NULL);
	if (rc == 0)
		*st = c->rep.statfs;
	return rc;
}

int gf_fsync(struct gf_client *c, uint32_t fid, int datasync)
{
	struct gf_fcall *f = req_of(c, GF_TFSYNC);
	f->fid = fid;
	f->datasync = datasync != 0;
	return rpc(c, NULL);
}

int gf_clunk(struct gf_client *c, uint32_t fid)
{
	struct gf_fcall *f = req_of(c, GF_TCLUNK);
	f->fid = fid;
	int rc = rpc(c, NULL);
	fid_free(c, fid);
	return rc;
}
