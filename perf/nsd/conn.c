/* TCP listeners and connections running stream services (conn.h). */
#include <errno.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "conn.h"

/* Rounds of read/offer/produce/send per run before the connection yields
 * to the others (it queues itself again). */
#define CONN_ROUNDS 16
/* Connections accepted per run of a listener. */
#define ACCEPT_BATCH 64

struct nsd_listener {
	struct nsd_task task;
	struct ns_waiter waiter;
	struct rs_list node;
	struct nsd_server *srv;
	struct ns_socket *sock;
	const struct nsd_svc *svc;
	bool paused; /* at max_conns */
};

struct nsd_conn {
	struct nsd_task task;
	struct ns_waiter waiter;
	struct rs_list node;
	struct nsd_server *srv;
	struct ns_socket *sock;
	const struct nsd_svc *svc;
	void *st; /* the service's */
	/* Received bytes not yet consumed, in[in_head..in_tail). */
	uint8_t *in;
	uint32_t in_head, in_tail;
	/* Produced bytes not yet sent, out[out_head..out_tail). */
	uint8_t *out;
	uint32_t out_head, out_tail;
	bool in_eof;	  /* the peer's FIN was read */
	bool in_end_told; /* ... and passed on to the service */
	bool lingering;	  /* our side shut down, draining the peer's */
	uint64_t last_ns; /* last progress, for the idle timeout */
};

/* What lingering connections read and drop; nsd is single-threaded. */
static uint8_t drain_buf[NSD_CONN_BUF];

/* ---- ending ------------------------------------------------------------ */

static void resume_listeners(struct nsd_server *s)
{
	for (struct rs_list *p = s->listeners.next; p != &s->listeners;
	     p = p->next) {
		struct nsd_listener *l =
			rs_container_of(p, struct nsd_listener, node);
		if (l->paused && s->nconns < s->cfg.max_conns) {
			l->paused = false;
			nsd_loop_wake(s->loop, &l->task);
		}
	}
}

/* Closing with SO_LINGER {1, 0} sends a reset (Linux tcp_close). */
static void set_linger_zero(struct ns_socket *sock)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	ns_socket_setsockopt(sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void conn_free(struct nsd_conn *c, bool reset)
{
	struct nsd_server *s = c->srv;
	nsd_task_cancel(&c->task);
	ns_socket_wait_del(c->sock, &c->waiter);
	if (reset)
		set_linger_zero(c->sock);
	ns_socket_close(c->sock);
	c->svc->ops->close(c->st);
	free(c->in);
	free(c->out);
	rs_list_del(&c->node);
	s->nconns--;
	s->counters->conns_open--;
	s->counters->conns_closed++;
	free(c);
	resume_listeners(s);
}

/* A socket call failed and the connection is gone, or nsd ran out of
 * memory for it and resets it rather than leave it stalled. */
static void conn_fail(struct nsd_conn *c, int err)
{
	if (err == -ECONNRESET || err == -EPIPE)
		c->srv->counters->conns_reset++;
	else
		c->srv->counters->conns_failed++;
	conn_free(c, err == -ENOMEM);
}

/* ---- moving bytes -------------------------------------------------------- */

/* Hands buffered input (or the end of it) to the service. Returns whether
 * anything happened. */
static bool conn_offer(struct nsd_conn *c)
{
	if (c->in_tail > c->in_head) {
		size_t n = c->svc->ops->input(c->st, c->in + c->in_head,
					      c->in_tail - c->in_head);
		c->in_head += (uint32_t)n;
		if (c->in_head == c->in_tail)
			c->in_head = c->in_tail = 0;
		return n > 0;
	}
	if (c->in_eof && !c->in_end_told) {
		c->in_end_told = true;
		c->svc->ops->input_end(c->st);
		return true;
	}
	return false;
}

/* Reads from the socket into the input buffer. Returns 1 on progress, 0
 * when nothing could be read, or a negative errno (-ENOMEM: no buffer). */
static int conn_read(struct nsd_conn *c)
{
	if (c->in_eof)
		return 0;
	if (c->in == NULL) {
		c->in = malloc(NSD_CONN_BUF);
		if (c->in == NULL) {
			c->srv->counters->alloc_failures++;
			return -ENOMEM;
		}
	}
	if (c->in_tail == NSD_CONN_BUF) {
		if (c->in_head == 0)
			return 0; /* full: the service must consume first */
		memmove(c->in, c->in + c->in_head, c->in_tail - c->in_head);
		c->in_tail -= c->in_head;
		c->in_head = 0;
	}
	ssize_t r =
		ns_socket_recvfrom(c->sock, c->in + c->in_tail,
				   NSD_CONN_BUF - c->in_tail, 0, NULL, NULL);
	if (r > 0) {
		c->in_tail += (uint32_t)r;
		c->srv->counters->bytes_received += (uint64_t)r;
		return 1;
	}
	if (r == 0) {
		c->in_eof = true;
		return 1;
	}
	return r == -EAGAIN ? 0 : (int)r;
}

/* Produces output when the buffer is empty and sends what it holds.
 * Returns 1 on progress, 0 when nothing moved, or a negative errno
 * (-ENOMEM: no buffer). */
static int conn_write(struct nsd_conn *c)
{
	int progress = 0;
	if (c->out_tail == c->out_head) {
		if (c->out == NULL) {
			c->out = malloc(NSD_CONN_BUF);
			if (c->out == NULL) {
				c->srv->counters->alloc_failures++;
				return -ENOMEM;
			}
		}
		size_t n = c->svc->ops->output(c->st, c->out, NSD_CONN_BUF);
		if (n == 0)
			return 0;
		c->out_head = 0;
		c->out_tail = (uint32_t)n;
		progress = 1;
	}
	ssize_t s = ns_socket_sendto(c->sock, c->out + c->out_head,
				     c->out_tail - c->out_head, MSG_NOSIGNAL,
				     NULL, 0);
	if (s > 0) {
		c->out_head += (uint32_t)s;
		c->srv->counters->bytes_sent += (uint64_t)s;
		if (c->out_head == c->out_tail)
			c->out_head = c->out_tail = 0;
		return 1;
	}
	return s == -EAGAIN ? progress : (int)s;
}

/* Gives back the buffers that hold nothing: called when the connection
 * goes idle (waits for its socket), not between the steps of a busy one,
 * so that a keep-alive exchange does not allocate per request. */
static void conn_release_empty(struct nsd_conn *c)
{
	if (c->in_head == c->in_tail) {
		free(c->in);
		c->in = NULL;
		c->in_head = c->in_tail = 0;
	}
	if (c->out_head == c->out_tail) {
		free(c->out);
		c->out = NULL;
		c->out_head = c->out_tail = 0;
	}
}

/* ---- the connection's task ------------------------------------------------ */

/* Reads and drops what the peer still sends after our FIN, until its own
 * FIN (then close), an error, or the sweep's deadline. */
static void linger_run(struct nsd_conn *c)
{
	for (int i = 0; i < CONN_ROUNDS; i++) {
		ssize_t r = ns_socket_recvfrom(
			c->sock, drain_buf, sizeof(drain_buf), 0, NULL, NULL);
		if (r == -EAGAIN)
			return;
		if (r <= 0) {
			conn_free(c, false);
			return;
		}
		c->srv->counters->bytes_received += (uint64_t)r;
	}
	nsd_loop_wake(c->srv->loop, &c->task);
}

/* The service is done and its output sent. */
static void conn_finish(struct nsd_conn *c)
{
	if (c->in_eof) {
		conn_free(c, false);
		return;
	}
	if (ns_socket_shutdown(c->sock, SHUT_WR) < 0) {
		conn_free(c, false);
		return;
	}
	c->lingering = true;
	c->last_ns = c->srv->loop->now;
	/* What is still unread is dropped: the service is done. */
	c->in_head = c->in_tail = 0;
	conn_release_empty(c);
	linger_run(c);
}

static void conn_run(struct nsd_task *t)
{
	struct nsd_conn *c = rs_container_of(t, struct nsd_conn, task);
	if (c->lingering) {
		linger_run(c);
		return;
	}
	for (int round = 0; round < CONN_ROUNDS; round++) {
		bool progress = conn_offer(c);
		int rc = conn_read(c);
		if (rc < 0) {
			conn_fail(c, rc);
			return;
		}
		progress |= rc > 0;
		rc = conn_write(c);
		if (rc < 0) {
			conn_fail(c, rc);
			return;
		}
		progress |= rc > 0;
		if (progress)
			c->last_ns = c->srv->loop->now;

		enum nsd_svc_state st = c->svc->ops->state(c->st);
		if (st == NSD_SVC_ABORT) {
			c->srv->counters->conns_aborted++;
			conn_free(c, true);
			return;
		}
		if (st == NSD_SVC_DONE && c->out_head == c->out_tail) {
			conn_finish(c);
			return;
		}
		if (!progress) {
			/* The waiter wakes us on the next event. */
			conn_release_empty(c);
			return;
		}
	}
	nsd_loop_wake(c->srv->loop, &c->task);
}

static void conn_notify(struct ns_waiter *w, uint32_t events)
{
	(void)events;
	struct nsd_conn *c = rs_container_of(w, struct nsd_conn, waiter);
	nsd_loop_wake(c->srv->loop, &c->task);
}

static void conn_start(struct nsd_listener *l, struct ns_socket *sock)
{
	struct nsd_server *s = l->srv;
	struct nsd_conn *c = calloc(1, sizeof(*c));
	void *st = c ? l->svc->ops->open(l->svc->env) : NULL;
	if (st == NULL) {
		s->counters->alloc_failures++;
		free(c);
		set_linger_zero(sock);
		ns_socket_close(sock);
		return;
	}
	c->srv = s;
	c->sock = sock;
	c->svc = l->svc;
	c->st = st;
	c->task.run = conn_run;
	c->last_ns = s->loop->now;
	/* Responses leave as soon as they are written, as nginx's
	 * tcp_nodelay; a service writes whole responses, so Nagle would
	 * only delay pipelined ones. */
	int one = 1;
	ns_socket_setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->waiter.notify = conn_notify;
	c->waiter.mask = 0;
	ns_socket_wait_add(sock, &c->waiter);
	rs_list_add_tail(&s->conns, &c->node);
	s->nconns++;
	s->counters->conns_accepted++;
	if (++s->counters->conns_open > s->counters->conns_open_max)
		s->counters->conns_open_max = s->counters->conns_open;
	/* Data may have arrived with the handshake. */
	nsd_loop_wake(s->loop, &c->task);
}

/* ---- listeners ------------------------------------------------------------ */

static void listener_run(struct nsd_task *t)
{
	struct nsd_listener *l = rs_container_of(t, struct nsd_listener, task);
	struct nsd_server *s = l->srv;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		if (s->nconns >= s->cfg.max_conns) {
			if (!l->paused) {
				l->paused = true;
				s->counters->accept_paused++;
			}
			return;
		}
		struct ns_socket *sock;
		int rc = ns_socket_accept(l->sock, &sock, NULL, NULL, 0);
		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			s->counters->accept_errors++;
			continue;
		}
		conn_start(l, sock);
	}
	nsd_loop_wake(s->loop, &l->task);
}

static void listener_notify(struct ns_waiter *w, uint32_t events)
{
	(void)events;
	struct nsd_listener *l =
		rs_container_of(w, struct nsd_listener, waiter);
	nsd_loop_wake(l->srv->loop, &l->task);
}

void nsd_server_init(struct nsd_server *s, struct nsd_loop *loop,
		     struct ns_stack *stack, struct nsd_counters *counters,
		     const struct nsd_server_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->stack = stack;
	s->counters = counters;
	s->cfg = *cfg;
	rs_list_init(&s->conns);
	rs_list_init(&s->listeners);
}

int nsd_server_listen(struct nsd_server *s, int family, uint16_t port,
		      const struct nsd_svc *svc, struct rs_error **err)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	struct nsd_listener *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return rs_error_set(err, ENOMEM, "listener");
	int rc = ns_socket_create(s->stack, family, SOCK_STREAM, 0, &l->sock);
	if (rc < 0) {
		free(l);
		return rs_error_set(err, -rc, "%s TCP socket for port %u", fam,
				    port);
	}
	int one = 1;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
		rc = ns_socket_setsockopt(l->sock, IPPROTO_IPV6, IPV6_V6ONLY,
					  &one, sizeof(one));
	}
	if (rc == 0)
		rc = ns_socket_setsockopt(l->sock, SOL_SOCKET, SO_REUSEADDR,
					  &one, sizeof(one));
	if (rc == 0)
		rc = ns_socket_bind(l->sock, (struct sockaddr *)&ss, len);
	/* The stack caps the backlog at its somaxconn, as Linux does. */
	if (rc == 0)
		rc = ns_socket_listen(l->sock, 4096);
	if (rc < 0) {
		ns_socket_close(l->sock);
		free(l);
		return rs_error_set(err, -rc, "listen on %s TCP port %u", fam,
				    port);
	}
	l->srv = s;
	l->svc = svc;
	l->task.run = listener_run;
	l->waiter.notify = listener_notify;
	l->waiter.mask = EPOLLIN;
	ns_socket_wait_add(l->sock, &l->waiter);
	rs_list_add_tail(&s->listeners, &l->node);
	return 0;
}

/* Nothing waits to be sent, by nsd or in the socket: an idle keep-alive
 * connection, closed with a FIN as nginx closes one. Data stuck behind a
 * peer that stopped reading or vanished is dropped with a reset. */
static bool conn_idle_clean(struct nsd_conn *c)
{
	int unsent = 0;
	return c->out_head == c->out_tail &&
	       ns_socket_ioctl(c->sock, SIOCOUTQ, &unsent) == 0 && unsent == 0;
}

void nsd_server_sweep(struct nsd_server *s, uint64_t now)
{
	struct rs_list *p = s->conns.next;
	while (p != &s->conns) {
		struct nsd_conn *c = rs_container_of(p, struct nsd_conn, node);
		p = p->next;
		uint64_t idle = now - c->last_ns;
		if (c->lingering && idle >= NSD_LINGER_NS) {
			conn_free(c, false);
		} else if (s->cfg.idle_ns > 0 && idle >= s->cfg.idle_ns) {
			s->counters->conns_idle_closed++;
			conn_free(c, !conn_idle_clean(c));
		}
	}
}

void nsd_server_close(struct nsd_server *s)
{
	while (!rs_list_empty(&s->conns))
		conn_free(rs_container_of(s->conns.next, struct nsd_conn, node),
			  true);
	while (!rs_list_empty(&s->listeners)) {
		struct nsd_listener *l = rs_container_of(
			s->listeners.next, struct nsd_listener, node);
		nsd_task_cancel(&l->task);
		ns_socket_wait_del(l->sock, &l->waiter);
		ns_socket_close(l->sock);
		rs_list_del(&l->node);
		free(l);
	}
}
