/* The server: its exports and limits, and the loop that frames messages on
 * a connection and sends replies with donated fds. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runsc/log.h"
#include "session.h"

static void free_exports(struct gf_server *s)
{
	for (size_t i = 0; i < s->nexports; i++) {
		free(s->exports[i].name);
		if (s->exports[i].root_fd >= 0)
			close(s->exports[i].root_fd);
	}
	free(s->exports);
}

void gf_server_free(struct gf_server *s)
{
	if (s == NULL)
		return;
	free_exports(s);
	if (s->proc_self_fd >= 0)
		close(s->proc_self_fd);
	free(s);
}

static int add_export(struct gf_server *s, const struct gf_export *e,
		      struct rs_error **err)
{
	const char *name = e->name && e->name[0] ? e->name : "/";
	if (name[0] != '/')
		return rs_error_set(err, EINVAL,
				    "export `%s`: name must be absolute", name);
	for (size_t i = 0; i < s->nexports; i++)
		if (strcmp(s->exports[i].name, name) == 0)
			return rs_error_set(err, EEXIST,
					    "export `%s`: given twice", name);
	struct stat st;
	if (fstat(e->root_fd, &st) < 0)
		return rs_error_set(err, errno, "export `%s`", name);
	/* A regular file is a tree of one: OCI bind-mounts single files
	 * (/etc/resolv.conf, /etc/hosts). */
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return rs_error_set(err, EINVAL,
				    "export `%s`: not a directory or file",
				    name);
	struct export *x = &s->exports[s->nexports];
	x->root_fd = fcntl(e->root_fd, F_DUPFD_CLOEXEC, 0);
	if (x->root_fd < 0)
		return rs_error_set(err, errno, "export `%s`: dup", name);
	x->name = strdup(name);
	x->readonly = e->readonly;
	s->nexports++;
	if (x->name == NULL)
		return rs_error_set(err, ENOMEM, "export `%s`", name);
	return 0;
}

int gf_server_new(const struct gf_server_config *cfg, struct gf_server **out,
		  struct rs_error **err)
{
	if (cfg->nexports == 0)
		return rs_error_set(err, EINVAL, "gofer: nothing to serve");
	struct gf_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return rs_error_set(err, ENOMEM, "gofer: server");
	s->proc_self_fd = -1;
	s->max_msize =
		cfg->max_msize ? cfg->max_msize : GF_SERVER_DEFAULT_MSIZE;
	if (s->max_msize < GF_SERVER_MIN_MSIZE)
		s->max_msize = GF_SERVER_MIN_MSIZE;
	s->max_fids =
		cfg->max_fids ? cfg->max_fids : GF_SERVER_DEFAULT_MAX_FIDS;
	s->exports = calloc(cfg->nexports, sizeof(*s->exports));
	int rc = s->exports ? 0 : rs_error_set(err, ENOMEM, "gofer: exports");
	for (size_t i = 0; rc == 0 && i < cfg->nexports; i++)
		rc = add_export(s, &cfg->exports[i], err);
	if (rc == 0) {
		s->proc_self_fd =
			cfg->proc_self_fd >= 0
				? fcntl(cfg->proc_self_fd, F_DUPFD_CLOEXEC, 0)
				: open("/proc/self/fd",
				       O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->proc_self_fd < 0)
			rc = rs_error_set(err, errno, "open `/proc/self/fd`");
	}
	if (rc < 0) {
		gf_server_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void gf_server_get_stats(const struct gf_server *s,
			 struct gf_server_stats *stats)
{
	*stats = s->stats;
}

/* Reads exactly len bytes. Returns len, 0 at EOF before the first byte,
 * -EPROTO at EOF in the middle, or -errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got == 0 ? 0 : -EPROTO;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Sends the reply; the donated fd rides on its first byte (unix(7):
 * SCM_RIGHTS), so a client reading the header receives it. */
static int send_reply(int fd, const uint8_t *buf, size_t len, int donate_fd)
{
	size_t sent = 0;
	while (sent < len) {
		struct iovec iov = { .iov_base = (void *)(buf + sent),
				     .iov_len = len - sent };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} control;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (donate_fd >= 0 && sent == 0) {
			memset(&control, 0, sizeof(control));
			msg.msg_control = control.buf;
			msg.msg_controllen = sizeof(control.buf);
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &donate_fd, sizeof(int));
		}
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		sent += (size_t)n;
	}
	return 0;
}

static int serve_loop(struct gf_server *s, struct gf_session *sess, int fd,
		      uint8_t *req, uint8_t *reply)
{
	for (;;) {
		ssize_t n = read_full(fd, req, 4);
		if (n <= 0)
			return (int)n;
		uint32_t size = (uint32_t)req[0] | (uint32_t)req[1] << 8 |
				(uint32_t)req[2] << 16 | (uint32_t)req[3] << 24;
		/* The size field is checked before anything is read for it:
		 * a lying size costs the connection, never memory. */
		if (size < GF_HDR_SIZE || size > gf_session_msize(sess)) {
			rs_warn("gofer", "dropping connection: message size %u",
				size);
			return -EPROTO;
		}
		n = read_full(fd, req + 4, size - 4);
		if (n < 0)
			return (int)n;
		if (n == 0 && size > 4)
			return -EPROTO;
		int donate_fd;
		ssize_t len = gf_session_handle(sess, req, size, reply,
						s->max_msize, &donate_fd);
		if (len < 0)
			return (int)len;
		int rc = send_reply(fd, reply, (size_t)len, donate_fd);
		if (rc < 0)
			return rc;
	}
}

int gf_server_serve(struct gf_server *s, int conn_fd)
{
	struct gf_session *sess;
	int rc = gf_session_new(s, &sess);
	if (rc < 0)
		return rc;
	uint8_t *req = malloc(s->max_msize);
	uint8_t *reply = malloc(s->max_msize);
	if (req == NULL || reply == NULL)
		rc = -ENOMEM;
	else
		rc = serve_loop(s, sess, conn_fd, req, reply);
	if (rc == -EPROTO)
		s->stats.conns_dropped++;
	free(req);
	free(reply);
	gf_session_free(sess);
	return rc;
}
