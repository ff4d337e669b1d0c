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

struct client {
	struct nsd_fd_handler h;
	struct nsd_control *ctl;
	char *reply;
	size_t len, off;
};

struct nsd_control {
	struct nsd_fd_handler h; /* the listening socket */
	struct nsd_loop *loop;
	char *path;
	char *(*json)(void *arg);
	void *arg;
	struct client *clients[NSD_CONTROL_CLIENTS];
	unsigned nclients;
	bool accepting;
};

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
	/* A slot is free again: take the next waiting client. */
	if (!c->accepting && nsd_loop_mod_fd(c->loop, &c->h, EPOLLIN) == 0)
		c->accepting = true;
}

/* Sends what the socket takes; frees the client when all is sent or the
 * client went away. */
static void client_send(struct client *cl)
{
	while (cl->off < cl->len) {
		ssize_t n = send(cl->h.fd, cl->reply + cl->off,
				 cl->len - cl->off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		cl->off += (size_t)n;
	}
	client_free(cl);
}

static void on_client(struct nsd_fd_handler *h, uint32_t events)
{
	(void)events;
	client_send(rs_container_of(h, struct client, h));
}

static void on_accept(struct nsd_fd_handler *h, uint32_t events)
{
	(void)events;
	struct nsd_control *c = rs_container_of(h, struct nsd_control, h);
	while (c->nclients < NSD_CONTROL_CLIENTS) {
		int fd = accept4(h->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
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
	if (nsd_loop_mod_fd(c->loop, &c->h, 0) == 0)
		c->accepting = false;
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
