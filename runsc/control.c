/* The control channel (control.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "runsc/cleanup.h"

/* Clients served at once; more are turned away (only root can connect,
 * but a stuck client must not pin the Sentry's fds). */
#define MAX_CONNS 16

/* The socket's address: the state directory through /proc/self/fd, so
 * that a long --root still fits sun_path. */
static int control_addr(int dirfd, struct sockaddr_un *sa, socklen_t *len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path, sizeof(sa->sun_path),
			 "/proc/self/fd/%d/%s", dirfd, RS_CONTROL_NAME);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n +
			   1);
	return 0;
}

int rs_control_listen(int dirfd, struct rs_error **err)
{
	struct sockaddr_un sa;
	socklen_t len;
	if (control_addr(dirfd, &sa, &len) < 0)
		return rs_error_set(err, ENAMETOOLONG, "control socket");
	cleanup_close int fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rs_error_set(err, errno, "control socket");
	unlinkat(dirfd, RS_CONTROL_NAME, 0);
	/* Only root may drive the sandbox: the socket is created 0600. */
	mode_t old = umask(077);
	int r = bind(fd, (struct sockaddr *)&sa, len);
	umask(old);
	if (r < 0 || listen(fd, MAX_CONNS) < 0)
		return rs_error_set(err, errno, "bind the control socket");
	return steal_fd(&fd);
}

/* ---- server ------------------------------------------------------------- */

struct server {
	rs_control_handler handler;
	void *arg;
	int listen_fd;
	unsigned nconns;
};

json_t rs_control_later;

struct rs_control_conn {
	struct server *srv;
	int fd;
	char *buf;
	size_t len;
	int fds[RS_CONTROL_MAX_FDS];
	int nfds;
	bool deferred; /* its reply comes through rs_control_reply */
	void (*hangup)(void *arg);
	void *hangup_arg;
};

static void conn_close(struct sn_sandbox *sb, struct rs_control_conn *c)
{
	sn_sandbox_unwatch(sb, c->fd);
	close(c->fd);
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->srv->nconns--;
	free(c->buf);
	free(c);
}

/* Writes the reply line; a client that does not take it is dropped. */
static void send_reply(int fd, json_t *reply)
{
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	if (text == NULL)
		text = strdup("{\"ok\":false,\"errno\":12,\"error\":\"out of "
			      "memory\"}");
	if (text == NULL)
		return;
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);
	if (line == NULL) {
		free(text);
		return;
	}
	line[len] = '\n';
	line[len + 1] = 0;
	size_t off = 0;
	while (off < len + 1) {
		ssize_t n = send(fd, line + off, len + 1 - off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(line);
}

static void take_fds(struct rs_control_conn *c, struct msghdr *m)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (c->nfds < RS_CONTROL_MAX_FDS)
				c->fds[c->nfds++] = fd;
			else
				close(fd);
		}
	}
}

/* A client waiting for a deferred reply sent more, or went away. */
static void deferred_readable(struct sn_sandbox *sb, int fd, void *arg)
{
	struct rs_control_conn *c = arg;
	char scratch[256];
	ssize_t n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return; /* nothing more is expected; it is ignored */
	if (c->hangup)
		c->hangup(c->hangup_arg);
	conn_close(sb, c);
}

void rs_control_on_hangup(struct rs_control_conn *conn, void (*fn)(void *arg),
			  void *arg)
{
	conn->hangup = fn;
	conn->hangup_arg = arg;
}

static void conn_readable(struct sn_sandbox *sb, int fd, void *arg)
{
	(void)fd;
	struct rs_control_conn *c = arg;
	char chunk[4096];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(RS_CONTROL_MAX_FDS * sizeof(int))];
	} ctl;
	struct iovec iov = { chunk, sizeof(chunk) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		take_fds(c, &m);
	if (n <= 0 || c->len + (size_t)n > RS_CONTROL_MAX) {
		conn_close(sb, c);
		return;
	}
	char *nb = realloc(c->buf, c->len + (size_t)n);
	if (nb == NULL) {
		conn_close(sb, c);
		return;
	}
	c->buf = nb;
	memcpy(c->buf + c->len, chunk, (size_t)n);
	c->len += (size_t)n;
	char *nl = memchr(c->buf, '\n', c->len);
	if (nl == NULL)
		return;
	json_error_t jerr;
	json_t *req = json_loadb(c->buf, (size_t)(nl - c->buf), 0, &jerr);
	json_t *reply;
	if (req == NULL || !json_is_object(req)) {
		reply = rs_control_fail(EINVAL, "bad request: %s",
					req ? "not an object" : jerr.text);
	} else {
		/* The handler owns the fds from here. */
		int nfds = c->nfds;
		c->nfds = 0;
		reply = c->srv->handler(sb, c, req, c->fds, nfds, c->srv->arg);
	}
	json_decref(req);
	if (reply == RS_CONTROL_LATER) {
		/* The reply comes later; until then the connection is only
		 * watched for its client going away. */
		sn_sandbox_unwatch(sb, c->fd);
		c->deferred = true;
		/* Without the watch (out of memory) only the news of a
		 * hang-up is lost. */
		if (sn_sandbox_watch(sb, c->fd, deferred_readable, c) < 0)
			c->hangup = NULL;
		return;
	}
	send_reply(c->fd, reply);
	json_decref(reply);
	conn_close(sb, c);
}

void rs_control_reply(struct sn_sandbox *sb, struct rs_control_conn *c,
		      json_t *reply)
{
	send_reply(c->fd, reply);
	conn_close(sb, c);
}

static void listener_readable(struct sn_sandbox *sb, int fd, void *arg)
{
	struct server *srv = arg;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		struct rs_control_conn *c = NULL;
		if (srv->nconns >= MAX_CONNS ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			close(cfd);
			continue;
		}
		*c = (struct rs_control_conn){ .srv = srv, .fd = cfd };
		srv->nconns++;
		if (sn_sandbox_watch(sb, cfd, conn_readable, c) < 0)
			conn_close(sb, c);
	}
}

int rs_control_serve(struct sn_sandbox *sb, int listen_fd,
		     rs_control_handler handler, void *arg)
{
	/* Lives as long as the Sentry's process: it serves until the end. */
	struct server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	*srv = (struct server){ .handler = handler,
				.arg = arg,
				.listen_fd = listen_fd };
	int r = sn_sandbox_watch(sb, listen_fd, listener_readable, srv);
	if (r < 0)
		free(srv);
	return r;
}

json_t *rs_control_ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

json_t *rs_control_fail(int err, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:i,s:s}", "ok", 0, "errno", err, "error", text);
}

/* ---- client ------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int rs_control_send(int dirfd, json_t *request, const int *fds, int nfds,
		    struct rs_error **err)
{
	if (nfds < 0 || nfds > RS_CONTROL_MAX_FDS)
		return rs_error_set(err, EINVAL, "control: too many fds");
	struct sockaddr_un sa;
	socklen_t salen;
	if (control_addr(dirfd, &sa, &salen) < 0)
		return rs_error_set(err, ENAMETOOLONG, "control socket");
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rs_error_set(err, errno, "control socket");
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0)
		return rs_error_set(err, errno, "connect to the sandbox");
	cleanup_free char *text = json_dumps(request, JSON_COMPACT);
	if (text == NULL)
		return rs_error_set(err, ENOMEM, "control request");
	size_t len = strlen(text);
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(RS_CONTROL_MAX_FDS * sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov[2] = { { text, len }, { (void *)"\n", 1 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	if (nfds > 0) {
		m.msg_control = ctl.b;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(h), fds, (size_t)nfds * sizeof(int));
	}
	if (sendmsg(fd, &m, MSG_NOSIGNAL) != (ssize_t)(len + 1))
		return rs_error_set(err, errno ? errno : EIO,
				    "send to the sandbox");
	return steal_fd(&fd);
}

int rs_control_receive(int fd, int timeout_ms, json_t **reply,
		       struct rs_error **err)
{
	*reply = NULL;
	cleanup_free char *buf = NULL;
	size_t have = 0;
	uint64_t deadline =
		timeout_ms < 0 ? UINT64_MAX : now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *nl = buf ? memchr(buf, '\n', have) : NULL;
		if (nl) {
			json_error_t jerr;
			json_t *r =
				json_loadb(buf, (size_t)(nl - buf), 0, &jerr);
			if (r == NULL || !json_is_object(r)) {
				json_decref(r);
				return rs_error_set(
					err, EPROTO,
					"bad reply from the sandbox");
			}
			if (!json_is_true(json_object_get(r, "ok"))) {
				int e = (int)json_integer_value(
					json_object_get(r, "errno"));
				const char *msg = json_string_value(
					json_object_get(r, "error"));
				int ret = rs_error_set(err, e ? e : EIO, "%s",
						       msg ? msg : "failed");
				json_decref(r);
				return ret;
			}
			*reply = r;
			return 0;
		}
		uint64_t now = now_ms();
		if (now >= deadline)
			return rs_error_set(err, ETIMEDOUT,
					    "no reply from the sandbox");
		struct pollfd p = { fd, POLLIN, 0 };
		int wait_ms = deadline == UINT64_MAX ? -1
			      : deadline - now > INT32_MAX
				      ? INT32_MAX
				      : (int)(deadline - now);
		if (poll(&p, 1, wait_ms) < 0 && errno != EINTR)
			return rs_error_set(err, errno, "control poll");
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		char chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0 || have + (size_t)n > RS_CONTROL_MAX)
			return rs_error_set(err, n < 0 ? errno : EPROTO,
					    "the sandbox closed the control "
					    "connection");
		char *nb = realloc(buf, have + (size_t)n);
		if (nb == NULL)
			return rs_error_set(err, ENOMEM, "control reply");
		buf = nb;
		memcpy(buf + have, chunk, (size_t)n);
		have += (size_t)n;
	}
}

int rs_control_call(int dirfd, json_t *request, const int *fds, int nfds,
		    int timeout_ms, json_t **reply, struct rs_error **err)
{
	*reply = NULL;
	cleanup_close int fd = rs_control_send(dirfd, request, fds, nfds, err);
	if (fd < 0)
		return fd;
	return rs_control_receive(fd, timeout_ms, reply, err);
}
