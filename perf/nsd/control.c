/* The control socket (control.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "runsc/list.h"
#include "runsc/cleanup.h"

/* How long a client that has its reply may take to close its end, and
 * how much it may send meanwhile: a client that has not closed after
 * this is closed at the next tick. */
#define LINGER_NS    (2 * 1000000000ull)
#define LINGER_BYTES (64u << 10)

struct client {
	struct nsd_fd_handler h;
	struct nsd_control *ctl;
	char *reply;
	size_t len, off;
	/* After the reply: our end is shut, and what the client sends is
	 * read and discarded until its EOF, so that closing never finds
	 * unread bytes (which would reset the client's connection instead
	 * of the EOF it was promised). */
	bool lingering;
	uint64_t linger_since;
	size_t discarded;
};

struct nsd_control {
	struct nsd_fd_handler h; /* the listening socket */
	struct nsd_loop *loop;
	char *path;
	char *(*json)(void *arg);
	void *arg;
	struct client *clients[NSD_CONTROL_CLIENTS];
	unsigned nclients;
	bool accepting; /* the listening fd is polled for EPOLLIN */
};

static void set_accepting(struct nsd_control *c, bool on)
{
	if (c->accepting != on &&
	    nsd_loop_mod_fd(c->loop, &c->h, on ? EPOLLIN : 0) == 0)
		c->accepting = on;
}

static void client_free(struct client *cl)
{
	struct nsd_control *c = cl->ctl;
	nsd_loop_del_fd(c->loop, &cl->h);
	close(cl->h.fd);
	free(cl->reply);
	for (unsigned i = 0; i < c->nclients; i++) {
		if (c->clients[i] == cl) {
			c->clients[i] = c->clients[--c->nclients];
			break;
		}
	}
	free(cl);
	/* A slot (or a file descriptor) is free again: take the next
	 * waiting client. */
	set_accepting(c, true);
}

/* Reads and discards what the client sent; frees it at its EOF, on an
 * error, or when it sent more than LINGER_BYTES. */
static void client_discard(struct client *cl)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(cl->h.fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		cl->discarded += (size_t)n;
		if (cl->discarded > LINGER_BYTES)
			break;
	}
	client_free(cl);
}

/* Sends what the socket takes; once all is sent, shuts our end (the
 * client's EOF) and waits for the client's. Frees the client when it
 * went away. */
static void client_send(struct client *cl)
{
	while (cl->off < cl->len) {
		ssize_t n = send(cl->h.fd, cl->reply + cl->off,
				 cl->len - cl->off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_free(cl);
			return;
		}
		cl->off += (size_t)n;
	}
	free(cl->reply);
	cl->reply = NULL;
	if (shutdown(cl->h.fd, SHUT_WR) < 0 ||
	    nsd_loop_mod_fd(cl->ctl->loop, &cl->h, EPOLLIN) < 0) {
		client_free(cl);
		return;
	}
	cl->lingering = true;
	cl->linger_since = cl->ctl->loop->now;
	client_discard(cl);
}

static void on_client(struct nsd_fd_handler *h, uint32_t events)
{
	(void)events;
	struct client *cl = rs_container_of(h, struct client, h);
	if (cl->lingering)
		client_discard(cl);
	else
		client_send(cl);
}

/* accept(2) errors that concern one connection only (the man page's
 * "treat them like EAGAIN by retrying"): take the next. */
static bool accept_error_is_transient(int e)
{
	return e == EINTR || e == ECONNABORTED || e == EPROTO ||
	       e == ENETDOWN || e == ENOPROTOOPT || e == EHOSTDOWN ||
	       e == ENONET || e == EHOSTUNREACH || e == ENETUNREACH;
}

static void on_accept(struct nsd_fd_handler *h, uint32_t events)
{
	(void)events;
	struct nsd_control *c = rs_container_of(h, struct nsd_control, h);
	while (c->nclients < NSD_CONTROL_CLIENTS) {
		int fd = accept4(h->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && accept_error_is_transient(errno))
			continue;
		if (fd < 0 && errno == EAGAIN)
			return;
		if (fd < 0) {
			/* Out of fds or memory: the listening fd stays
			 * readable, so stop polling it until a client is
			 * freed or the next tick instead of spinning. */
			set_accepting(c, false);
			return;
		}
		struct client *cl = calloc(1, sizeof(*cl));
		char *reply = cl ? c->json(c->arg) : NULL;
		if (reply == NULL) {
			free(cl);
			close(fd);
			continue;
		}
		*cl = (struct client){ .h = { fd, on_client },
				       .ctl = c,
				       .reply = reply,
				       .len = strlen(reply) };
		if (nsd_loop_add_fd(c->loop, &cl->h, EPOLLOUT) < 0) {
			free(reply);
			free(cl);
			close(fd);
			continue;
		}
		c->clients[c->nclients++] = cl;
		client_send(cl);
	}
	/* All slots taken: stop listening until one frees. */
	set_accepting(c, false);
}

void nsd_control_tick(struct nsd_control *c, uint64_t now)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->nclients;) {
		struct client *cl = c->clients[i];
		/* client_free() moves the last client into slot i. */
		if (cl->lingering && now - cl->linger_since >= LINGER_NS)
			client_free(cl);
		else
			i++;
	}
	if (c->nclients < NSD_CONTROL_CLIENTS)
		set_accepting(c, true);
}

int nsd_control_open(struct nsd_loop *loop, const char *path,
		     char *(*json)(void *arg), void *arg,
		     struct nsd_control **out, struct rs_error **err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path))
		return rs_error_set(err, ENAMETOOLONG, "--control `%s`", path);
	strcpy(sun.sun_path, path);

	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return rs_error_set(err, EEXIST,
					    "--control `%s`: exists and is "
					    "not a socket",
					    path);
		unlink(path);
	}
	cleanup_close int fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rs_error_set(err, errno, "--control: socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return rs_error_set(err, errno, "--control: bind `%s`", path);
	if (listen(fd, 16) < 0) {
		int rc = rs_error_set(err, errno, "--control: listen `%s`",
				      path);
		unlink(path);
		return rc;
	}
	struct nsd_control *c = calloc(1, sizeof(*c));
	char *copy = strdup(path);
	if (c == NULL || copy == NULL) {
		free(c);
		free(copy);
		unlink(path);
		return rs_error_set(err, ENOMEM, "--control");
	}
	c->h = (struct nsd_fd_handler){ fd, on_accept };
	c->loop = loop;
	c->path = copy;
	c->json = json;
	c->arg = arg;
	c->accepting = true;
	int rc = nsd_loop_add_fd(loop, &c->h, EPOLLIN);
	if (rc < 0) {
		unlink(path);
		free(copy);
		free(c);
		return rs_error_set(err, -rc, "--control: epoll");
	}
	steal_fd(&fd);
	*out = c;
	return 0;
}

void nsd_control_close(struct nsd_control *c)
{
	if (c == NULL)
		return;
	while (c->nclients > 0)
		client_free(c->clients[0]);
	nsd_loop_del_fd(c->loop, &c->h);
	close(c->h.fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
