/* The port forwarder of `runsc do -p` (portfwd.h). */
#include "portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runsc/cleanup.h"
#include "runsc/fds.h"
#include "runsc/list.h"
#include "runsc/log.h"

#define PF_MAX_LISTENERS 64
/* Per direction of a TCP connection: big enough for a bulk transfer to
 * keep a veth busy, small enough that the connection limit bounds the
 * memory (512 * 2 * 64 KiB = 64 MiB at most, allocated on demand). */
#define PF_BUF_SIZE  (64 * 1024)
#define PF_DGRAM_MAX 65535
/* Work done per wake-up before others get their turn. */
#define PF_BURST 64
/* The unprivileged identity the forwarder runs as: it needs none. */
#define PF_UID 65534

struct pf_stats {
	uint64_t tcp_accepted, tcp_connect_failed, tcp_reset, tcp_closed,
		tcp_full;
	uint64_t udp_flows, udp_evicted, udp_expired, udp_dropped;
};

enum pf_kind {
	PF_LISTEN_TCP,
	PF_LISTEN_UDP,
	PF_CLIENT,
	PF_UPSTREAM,
	PF_FLOW,
	PF_STOP
};

/* What an epoll event points at. */
struct pf_ep {
	enum pf_kind kind;
	int fd;
	uint32_t events; /* registered interest; 0: not in the epoll set */
	void *owner;
};

struct pf_listener {
	struct pf_ep ep;
	int family;
	uint16_t sandbox_port;
	char name[96]; /* the mapping, for messages */
};

struct pf_buf {
	char *data; /* PF_BUF_SIZE bytes, allocated on first use */
	size_t off, len;
};

/* One direction of a connection: bytes read from src wait in buf for
 * dst. */
struct pf_dir {
	struct pf_buf buf;
	bool eof;  /* src sent FIN */
	bool shut; /* FIN passed on: shutdown(dst, SHUT_WR) */
};

struct pf_dead {
	struct rs_list link;
	void (*release)(struct pf_dead *d);
};

struct pf_conn {
	struct pf_ep client, upstream;
	bool connecting;
	struct pf_dir c2u, u2c;
	struct rs_list link;
	struct pf_dead dead;
};

struct pf_flow {
	struct pf_ep ep; /* the upstream socket */
	struct pf_listener *l;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint64_t last_ms;
	struct rs_list link; /* by last use, oldest first */
	struct pf_dead dead;
};

struct rs_portfwd {
	struct rs_portfwd_config cfg;
	struct pf_listener listeners[PF_MAX_LISTENERS];
	unsigned nlisteners;
	int epfd;
	struct pf_ep stop;
	struct rs_list conns, flows;
	/* Closed during a batch of events, freed after it: a later event of
	 * the same batch may still point at them (their fds are -1). */
	struct rs_list dead;
	unsigned nconns, nflows;
	bool accepting; /* TCP listeners in the epoll set */
	/* Out of fds (EMFILE): accepting resumes at this time or when a
	 * connection ends, whichever comes first. */
	uint64_t accept_resume_ms;
	unsigned paused_at; /* connections then: one fewer frees an fd */
	struct pf_stats stats;
	char *dgram; /* PF_DGRAM_MAX bytes */
};

/* ---- Binding (in runsc, before the sandbox starts) ------------------- */

static int listen_one(struct rs_portfwd *pf, const struct rs_port_map *m,
		      int family, const uint8_t *ip, bool optional,
		      struct rs_error **err)
{
	char shown[64];
	rs_port_map_format(m, shown, sizeof(shown));
	char ipt[INET6_ADDRSTRLEN];
	inet_ntop(family, ip, ipt, sizeof(ipt));
	if (pf->nlisteners == PF_MAX_LISTENERS)
		return rs_error_set(err, 0, "-p `%s`: more than %d listeners",
				    shown, PF_MAX_LISTENERS);
	int type = m->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	cleanup_close int fd =
		socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (optional && errno == EAFNOSUPPORT)
			return 0;
		return rs_error_set(err, errno, "-p `%s`: socket", shown);
	}
	int one = 1;
	/* A listener restarted while old connections sit in TIME_WAIT
	 * must still bind (this never lets two listeners share a port). */
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one));
	/* The v6 listener must not claim the v4 port as well. */
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				 sizeof(one));
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(m->host_port);
		memcpy(&sin->sin_addr, ip, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(m->host_port);
		memcpy(&sin6->sin6_addr, ip, 16);
		len = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		/* ::1 is optional: a host without IPv6 has no ::1. */
		if (optional &&
		    (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT))
			return 0;
		return rs_error_set(err, errno, "-p `%s`: bind %s%s%s:%u",
				    shown, family == AF_INET6 ? "[" : "", ipt,
				    family == AF_INET6 ? "]" : "",
				    m->host_port);
	}
	if (type == SOCK_STREAM && listen(fd, 128) < 0)
		return rs_error_set(err, errno, "-p `%s`: listen", shown);
	struct pf_listener *l = &pf->listeners[pf->nlisteners++];
	*l = (struct pf_listener){
		.ep = { .kind = type == SOCK_STREAM ? PF_LISTEN_TCP
						    : PF_LISTEN_UDP,
			.fd = steal_fd(&fd) },
		.family = family,
		.sandbox_port = m->sandbox_port,
	};
	l->ep.owner = l;
	snprintf(l->name, sizeof(l->name), "%s", shown);
	return 0;
}

int rs_portfwd_bind(const struct rs_portfwd_config *cfg,
		    struct rs_portfwd **out, struct rs_error **err)
{
	*out = NULL;
	struct rs_portfwd *pf = calloc(1, sizeof(*pf));
	if (pf == NULL)
		return rs_error_set(err, ENOMEM, "port forwarder");
	pf->cfg = *cfg;
	pf->cfg.maps = NULL; /* borrowed only until here */
	if (pf->cfg.udp_idle_ms == 0)
		pf->cfg.udp_idle_ms = 90 * 1000;
	if (pf->cfg.max_tcp == 0)
		pf->cfg.max_tcp = 512;
	if (pf->cfg.max_udp == 0)
		pf->cfg.max_udp = 256;
	pf->epfd = -1;
	rs_list_init(&pf->conns);
	rs_list_init(&pf->flows);
	rs_list_init(&pf->dead);
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	int r = 0;
	for (unsigned i = 0; r == 0 && i < cfg->nmaps; i++) {
		const struct rs_port_map *m = &cfg->maps[i];
		if (m->family == AF_UNSPEC) {
			r = listen_one(pf, m, AF_INET, lo4, false, err);
			if (r == 0)
				r = listen_one(pf, m, AF_INET6, lo6, true, err);
		} else {
			r = listen_one(pf, m, m->family, m->host_ip, false,
				       err);
		}
	}
	if (r < 0) {
		rs_portfwd_free(pf);
		return r;
	}
	*out = pf;
	return 0;
}

void rs_portfwd_free(struct rs_portfwd *pf)
{
	if (pf == NULL)
		return;
	for (unsigned i = 0; i < pf->nlisteners; i++)
		close(pf->listeners[i].ep.fd);
	free(pf);
}

/* ---- Confinement ----------------------------------------------------- */

static struct scmp_arg_cmp arg_cmp(unsigned arg, enum scmp_compare op,
				   scmp_datum_t a, scmp_datum_t b)
{
	return (struct scmp_arg_cmp){
		.arg = arg, .op = op, .datum_a = a, .datum_b = b
	};
}

/* What the loop, libc's allocator and the logger call; everything else
 * fails with EPERM (a missed call shows as an error, not a lost
 * forwarder). No exec, no file opening, no signals to others, and new
 * sockets only of the inet families, for upstream connections. */
static int load_filter(void)
{
	static const int plain[] = {
		SCMP_SYS(read),
		SCMP_SYS(write),
		SCMP_SYS(readv),
		SCMP_SYS(writev),
		SCMP_SYS(recvfrom),
		SCMP_SYS(sendto),
		SCMP_SYS(recvmsg),
		SCMP_SYS(sendmsg),
		SCMP_SYS(close),
		SCMP_SYS(shutdown),
		SCMP_SYS(accept4),
		SCMP_SYS(connect),
		SCMP_SYS(setsockopt),
		SCMP_SYS(getsockopt),
		SCMP_SYS(getsockname),
		SCMP_SYS(getpeername),
		SCMP_SYS(epoll_wait),
		SCMP_SYS(epoll_pwait),
		SCMP_SYS(epoll_ctl),
		SCMP_SYS(fcntl),
		SCMP_SYS(fstat),
		SCMP_SYS(newfstatat),
		SCMP_SYS(clock_gettime),
		SCMP_SYS(gettimeofday),
		SCMP_SYS(getpid),
		SCMP_SYS(gettid),
		SCMP_SYS(brk),
		SCMP_SYS(munmap),
		SCMP_SYS(mremap),
		SCMP_SYS(madvise),
		SCMP_SYS(futex),
		SCMP_SYS(getrandom),
		SCMP_SYS(rt_sigreturn),
		SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(restart_syscall),
		SCMP_SYS(exit),
		SCMP_SYS(exit_group),
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(plain) / sizeof(plain[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0);
	struct scmp_arg_cmp c;
	if (r == 0) {
		c = arg_cmp(0, SCMP_CMP_EQ, AF_INET, 0);
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW,
					   SCMP_SYS(socket), 1, &c);
	}
	if (r == 0) {
		c = arg_cmp(0, SCMP_CMP_EQ, AF_INET6, 0);
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW,
					   SCMP_SYS(socket), 1, &c);
	}
	/* Memory for malloc, never executable. */
	if (r == 0) {
		c = arg_cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap),
					   1, &c);
	}
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

/* Drops privileges and loads the filter. With parent > 0, also ties the
 * process's life to parent's: after the change of credentials, which
 * clears the parent-death signal, and before the filter, which forbids
 * prctl. Exits quietly when parent is already gone. */
static int confine(pid_t parent, struct rs_error **err)
{
	if (geteuid() == 0) {
		gid_t none[1];
		if (setgroups(0, none) < 0 ||
		    setresgid(PF_UID, PF_UID, PF_UID) < 0 ||
		    setresuid(PF_UID, PF_UID, PF_UID) < 0)
			return rs_error_set(err, errno,
					    "port forwarder: drop privileges");
	}
	if (parent > 0 &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return rs_error_set(err, errno, "port forwarder: prctl");
	int r = load_filter();
	if (r < 0)
		return rs_error_set(err, -r, "port forwarder: seccomp");
	return 0;
}

/* ---- The loop -------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Makes ep's registered interest `events`: in the set only while there
 * is interest, so that a hung-up socket nobody waits on cannot wake the
 * loop over and over. */
static void ep_want(struct rs_portfwd *pf, struct pf_ep *ep, uint32_t events)
{
	if (ep->fd < 0 || events == ep->events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = ep };
	int op = ep->events == 0 ? EPOLL_CTL_ADD
		 : events == 0	 ? EPOLL_CTL_DEL
				 : EPOLL_CTL_MOD;
	if (epoll_ctl(pf->epfd, op, ep->fd, &ev) == 0)
		ep->events = events;
}

static void ep_close(struct rs_portfwd *pf, struct pf_ep *ep, bool reset)
{
	if (ep->fd < 0)
		return;
	ep_want(pf, ep, 0);
	if (reset) {
		/* RFC 9293 3.6: an abort sends RST; linger 0 makes close
		 * one. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		(void)setsockopt(ep->fd, SOL_SOCKET, SO_LINGER, &lg,
				 sizeof(lg));
	}
	close(ep->fd);
	ep->fd = -1;
}

static void conn_release(struct pf_dead *d);

/* Closes both sockets now (the connection's events stop at once) and
 * frees the rest after the batch. */
static void conn_free(struct rs_portfwd *pf, struct pf_conn *c, bool reset)
{
	ep_close(pf, &c->client, reset);
	ep_close(pf, &c->upstream, reset);
	rs_list_del(&c->link);
	c->dead.release = conn_release;
	rs_list_add_tail(&pf->dead, &c->dead.link);
	pf->nconns--;
	if (reset)
		pf->stats.tcp_reset++;
	else
		pf->stats.tcp_closed++;
}

static void conn_release(struct pf_dead *d)
{
	struct pf_conn *c = rs_container_of(d, struct pf_conn, dead);
	free(c->c2u.buf.data);
	free(c->u2c.buf.data);
	free(c);
}

static void reap(struct rs_portfwd *pf)
{
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &pf->dead)
	{
		struct pf_dead *d = rs_container_of(pos, struct pf_dead, link);
		rs_list_del(pos);
		d->release(d);
	}
}

/* Moves bytes src -> buf -> dst until both would block. Returns 0, or
 * -1 when a socket failed (reset, refused): the caller aborts. */
static int pump(struct pf_dir *d, int src, int dst)
{
	for (int i = 0; i < PF_BURST; i++) {
		bool progress = false;
		struct pf_buf *b = &d->buf;
		if (b->len > 0) {
			ssize_t n = send(dst, b->data + b->off, b->len,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			if (n > 0) {
				b->off += (size_t)n;
				b->len -= (size_t)n;
				progress = true;
			}
		}
		if (b->len == 0 && !d->eof) {
			if (b->data == NULL) {
				b->data = malloc(PF_BUF_SIZE);
				if (b->data == NULL)
					return -1;
			}
			b->off = 0;
			ssize_t n =
				recv(src, b->data, PF_BUF_SIZE, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			if (n == 0)
				d->eof = true;
			if (n >= 0) {
				b->len = (size_t)n;
				progress = true;
			}
		}
		if (!progress)
			break;
	}
	/* RFC 9293 3.6: the FIN goes on once everything before it did. */
	if (d->eof && d->buf.len == 0 && !d->shut) {
		if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
			return -1;
		d->shut = true;
	}
	return 0;
}

static bool sock_failed(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);
	return getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0;
}

static void conn_run(struct rs_portfwd *pf, struct pf_conn *c, uint32_t cev,
		     uint32_t uev)
{
	if ((cev & EPOLLERR) && sock_failed(c->client.fd))
		goto abort;
	if (c->connecting) {
		if (!(uev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			goto interest;
		if (sock_failed(c->upstream.fd)) {
			pf->stats.tcp_connect_failed++;
			goto abort;
		}
		c->connecting = false;
	} else if ((uev & EPOLLERR) && sock_failed(c->upstream.fd)) {
		goto abort;
	}
	if (pump(&c->c2u, c->client.fd, c->upstream.fd) < 0 ||
	    pump(&c->u2c, c->upstream.fd, c->client.fd) < 0)
		goto abort;
	if (c->c2u.shut && c->u2c.shut) {
		conn_free(pf, c, false);
		return;
	}
interest:;
	/* Read a side only while its buffer is empty (bounded memory);
	 * wait for room on the other while bytes are buffered for it. */
	uint32_t ci = 0, ui = 0;
	/* Nothing is read from the client until the upstream connection
	 * is up (its data would have nowhere to go: waiting for it
	 * readable would spin). */
	if (!c->connecting && !c->c2u.eof && c->c2u.buf.len == 0)
		ci |= EPOLLIN;
	if (c->u2c.buf.len)
		ci |= EPOLLOUT;
	if (c->connecting) {
		ui = EPOLLOUT;
	} else {
		if (!c->u2c.eof && c->u2c.buf.len == 0)
			ui |= EPOLLIN;
		if (c->c2u.buf.len)
			ui |= EPOLLOUT;
	}
	ep_want(pf, &c->client, ci);
	ep_want(pf, &c->upstream, ui);
	return;
abort:
	conn_free(pf, c, true);
}

static void set_accepting(struct rs_portfwd *pf, bool on)
{
	if (pf->accepting == on)
		return;
	for (unsigned i = 0; i < pf->nlisteners; i++)
		if (pf->listeners[i].ep.kind == PF_LISTEN_TCP)
			ep_want(pf, &pf->listeners[i].ep, on ? EPOLLIN : 0);
	pf->accepting = on;
}

static socklen_t target_addr(const struct rs_portfwd *pf, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (pf->cfg.target_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, pf->cfg.target, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, pf->cfg.target, 16);
	return sizeof(*sin6);
}

static void tcp_accept(struct rs_portfwd *pf, struct pf_listener *l)
{
	for (int i = 0; i < PF_BURST; i++) {
		if (pf->nconns >= pf->cfg.max_tcp) {
			/* The kernel's backlog holds the rest until a
			 * connection ends. */
			pf->stats.tcp_full++;
			set_accepting(pf, false);
			return;
		}
		int cfd = accept4(l->ep.fd, NULL, NULL,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			/* The listener stays readable: without a pause the
			 * loop would spin until an fd frees. */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				pf->stats.tcp_full++;
				pf->accept_resume_ms = now_ms() + 100;
				pf->paused_at = pf->nconns;
				set_accepting(pf, false);
			}
			return;
		}
		pf->stats.tcp_accepted++;
		int ufd = socket(pf->cfg.target_family,
				 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct pf_conn *c = ufd >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (c == NULL) {
			struct pf_ep tmp = { .fd = cfd };
			ep_close(pf, &tmp, true);
			if (ufd >= 0)
				close(ufd);
			pf->stats.tcp_reset++;
			continue;
		}
		/* A relay must not add Nagle's delay to either side. */
		int one = 1;
		(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
		(void)setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
		c->client = (struct pf_ep){ .kind = PF_CLIENT,
					    .fd = cfd,
					    .owner = c };
		c->upstream = (struct pf_ep){ .kind = PF_UPSTREAM,
					      .fd = ufd,
					      .owner = c };
		rs_list_add_tail(&pf->conns, &c->link);
		pf->nconns++;
		struct sockaddr_storage ss;
		socklen_t len = target_addr(pf, l->sandbox_port, &ss);
		if (connect(ufd, (struct sockaddr *)&ss, len) < 0 &&
		    errno != EINPROGRESS) {
			pf->stats.tcp_connect_failed++;
			conn_free(pf, c, true);
			continue;
		}
		c->connecting = true;
		conn_run(pf, c, 0, 0);
	}
}

static void flow_release(struct pf_dead *d)
{
	free(rs_container_of(d, struct pf_flow, dead));
}

static void flow_free(struct rs_portfwd *pf, struct pf_flow *f)
{
	ep_close(pf, &f->ep, false);
	rs_list_del(&f->link);
	f->dead.release = flow_release;
	rs_list_add_tail(&pf->dead, &f->dead.link);
	pf->nflows--;
}

static struct pf_flow *flow_find(struct rs_portfwd *pf, struct pf_listener *l,
				 const struct sockaddr_storage *peer,
				 socklen_t len)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &pf->flows)
	{
		struct pf_flow *f = rs_container_of(pos, struct pf_flow, link);
		if (f->l == l && f->peer_len == len &&
		    memcmp(&f->peer, peer, len) == 0)
			return f;
	}
	return NULL;
}

static struct pf_flow *flow_new(struct rs_portfwd *pf, struct pf_listener *l,
				const struct sockaddr_storage *peer,
				socklen_t len)
{
	if (pf->nflows >= pf->cfg.max_udp) {
		/* The least recently used flow makes room. */
		struct pf_flow *old =
			rs_container_of(pf->flows.next, struct pf_flow, link);
		flow_free(pf, old);
		pf->stats.udp_evicted++;
	}
	int fd = socket(pf->cfg.target_family,
			SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	struct sockaddr_storage ss;
	socklen_t tlen = target_addr(pf, l->sandbox_port, &ss);
	struct pf_flow *f = calloc(1, sizeof(*f));
	if (f == NULL || connect(fd, (struct sockaddr *)&ss, tlen) < 0) {
		free(f);
		close(fd);
		return NULL;
	}
	f->ep = (struct pf_ep){ .kind = PF_FLOW, .fd = fd, .owner = f };
	f->l = l;
	memcpy(&f->peer, peer, len);
	f->peer_len = len;
	rs_list_add_tail(&pf->flows, &f->link);
	pf->nflows++;
	pf->stats.udp_flows++;
	ep_want(pf, &f->ep, EPOLLIN);
	return f;
}

static void flow_touch(struct pf_flow *f, struct rs_portfwd *pf)
{
	f->last_ms = now_ms();
	rs_list_del(&f->link);
	rs_list_add_tail(&pf->flows, &f->link);
}

static void udp_from_clients(struct rs_portfwd *pf, struct pf_listener *l)
{
	for (int i = 0; i < PF_BURST; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n =
			recvfrom(l->ep.fd, pf->dgram, PF_DGRAM_MAX,
				 MSG_DONTWAIT, (struct sockaddr *)&peer, &len);
		if (n < 0)
			return;
		struct pf_flow *f = flow_find(pf, l, &peer, len);
		if (f == NULL)
			f = flow_new(pf, l, &peer, len);
		if (f == NULL) {
			pf->stats.udp_dropped++;
			continue;
		}
		flow_touch(f, pf);
		/* A full socket buffer drops the datagram, as the network
		 * would; ECONNREFUSED reports an earlier ICMP error. */
		if (send(f->ep.fd, pf->dgram, (size_t)n, MSG_DONTWAIT) < 0)
			pf->stats.udp_dropped++;
	}
}

static void udp_to_client(struct rs_portfwd *pf, struct pf_flow *f)
{
	for (int i = 0; i < PF_BURST; i++) {
		ssize_t n =
			recv(f->ep.fd, pf->dgram, PF_DGRAM_MAX, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN)
				return;
			continue; /* an ICMP error on the flow: next */
		}
		flow_touch(f, pf);
		if (sendto(f->l->ep.fd, pf->dgram, (size_t)n, MSG_DONTWAIT,
			   (const struct sockaddr *)&f->peer, f->peer_len) < 0)
			pf->stats.udp_dropped++;
	}
}

/* Closes idle flows; returns the ms until the next one expires, or -1. */
static int udp_expire(struct rs_portfwd *pf)
{
	uint64_t now = now_ms();
	while (!rs_list_empty(&pf->flows)) {
		struct pf_flow *f =
			rs_container_of(pf->flows.next, struct pf_flow, link);
		uint64_t due = f->last_ms + pf->cfg.udp_idle_ms;
		if (due > now)
			return (int)(due - now) + 1;
		flow_free(pf, f);
		pf->stats.udp_expired++;
	}
	return -1;
}

static void log_stats(const struct pf_stats *s)
{
	rs_debug("portfwd",
		 "tcp_accepted=%llu tcp_connect_failed=%llu tcp_reset=%llu "
		 "tcp_closed=%llu tcp_full=%llu udp_flows=%llu "
		 "udp_evicted=%llu udp_expired=%llu udp_dropped=%llu",
		 (unsigned long long)s->tcp_accepted,
		 (unsigned long long)s->tcp_connect_failed,
		 (unsigned long long)s->tcp_reset,
		 (unsigned long long)s->tcp_closed,
		 (unsigned long long)s->tcp_full,
		 (unsigned long long)s->udp_flows,
		 (unsigned long long)s->udp_evicted,
		 (unsigned long long)s->udp_expired,
		 (unsigned long long)s->udp_dropped);
}

static void teardown(struct rs_portfwd *pf)
{
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &pf->conns)
	{
		conn_free(pf, rs_container_of(pos, struct pf_conn, link), true);
	}
	rs_list_for_each_safe(pos, tmp, &pf->flows)
	{
		flow_free(pf, rs_container_of(pos, struct pf_flow, link));
	}
	reap(pf);
	if (pf->epfd >= 0)
		close(pf->epfd);
	free(pf->dgram);
	rs_portfwd_free(pf);
}

/* Every connection holds two fds and every flow one: the soft fd limit
 * goes up to the hard one (before confinement forbids it), and the
 * connection and flow limits come down to what then fits. */
static void fit_fd_limit(struct rs_portfwd *pf)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Listeners, epoll, stop fd, stdio and the logger's. */
	rlim_t spare = pf->nlisteners + 16;
	if (rl.rlim_cur <= spare + 3)
		return;
	rlim_t avail = rl.rlim_cur - spare;
	if (pf->cfg.max_udp > avail / 3)
		pf->cfg.max_udp = (unsigned)(avail / 3);
	avail -= pf->cfg.max_udp;
	if (pf->cfg.max_tcp > avail / 2)
		pf->cfg.max_tcp = (unsigned)(avail / 2);
}

/* The loop; `parent` as for confine(). */
static int serve(struct rs_portfwd *pf, int stop_fd, pid_t parent,
		 struct rs_error **err)
{
	pf->epfd = epoll_create1(EPOLL_CLOEXEC);
	pf->dgram = malloc(PF_DGRAM_MAX);
	if (pf->epfd < 0 || pf->dgram == NULL) {
		int e = pf->epfd < 0 ? errno : ENOMEM;
		teardown(pf);
		return rs_error_set(err, e, "port forwarder: set-up");
	}
	fit_fd_limit(pf);
	if (pf->cfg.confine && confine(parent, err) < 0) {
		teardown(pf);
		return -1;
	}
	for (unsigned i = 0; i < pf->nlisteners; i++)
		if (pf->listeners[i].ep.kind == PF_LISTEN_UDP)
			ep_want(pf, &pf->listeners[i].ep, EPOLLIN);
	set_accepting(pf, true);
	pf->stop = (struct pf_ep){ .kind = PF_STOP, .fd = stop_fd };
	if (stop_fd >= 0)
		ep_want(pf, &pf->stop, EPOLLIN);
	struct epoll_event evs[64];
	for (;;) {
		int timeout = udp_expire(pf);
		if (!pf->accepting && pf->accept_resume_ms) {
			uint64_t now = now_ms();
			int wait = pf->accept_resume_ms > now
					   ? (int)(pf->accept_resume_ms - now)
					   : 0;
			if (timeout < 0 || wait < timeout)
				timeout = wait;
		}
		int n = epoll_wait(pf->epfd, evs, 64, timeout);
		if (n < 0 && errno != EINTR)
			break;
		bool stop = false;
		for (int i = 0; i < n; i++) {
			struct pf_ep *ep = evs[i].data.ptr;
			uint32_t e = evs[i].events;
			if (ep->fd < 0) /* closed earlier in this batch */
				continue;
			switch (ep->kind) {
			case PF_LISTEN_TCP:
				tcp_accept(pf, ep->owner);
				break;
			case PF_LISTEN_UDP:
				udp_from_clients(pf, ep->owner);
				break;
			case PF_CLIENT:
				conn_run(pf, ep->owner, e, 0);
				break;
			case PF_UPSTREAM:
				conn_run(pf, ep->owner, 0, e);
				break;
			case PF_FLOW:
				udp_to_client(pf, ep->owner);
				break;
			case PF_STOP:
				stop = true;
				break;
			}
		}
		reap(pf);
		if (stop)
			break;
		if (!pf->accepting && pf->nconns < pf->cfg.max_tcp &&
		    (pf->nconns < pf->paused_at ||
		     now_ms() >= pf->accept_resume_ms)) {
			pf->accept_resume_ms = 0;
			set_accepting(pf, true);
		}
	}
	log_stats(&pf->stats);
	teardown(pf);
	return 0;
}

int rs_portfwd_serve(struct rs_portfwd *pf, int stop_fd, struct rs_error **err)
{
	return serve(pf, stop_fd, 0, err);
}

int rs_portfwd_spawn(struct rs_portfwd *pf, pid_t *pid, struct rs_error **err)
{
	*pid = -1;
	int life[2];
	if (pipe2(life, O_CLOEXEC) < 0) {
		int e = errno;
		rs_portfwd_free(pf);
		return rs_error_set(err, e, "port forwarder: pipe");
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(life[0]);
		close(life[1]);
		rs_portfwd_free(pf);
		return rs_error_set(err, e, "port forwarder: fork");
	}
	if (child == 0) {
		close(life[1]);
		int keep[PF_MAX_LISTENERS + 3];
		unsigned nk = 0;
		/* stderr for a confinement error; not stdin or stdout,
		 * which belong to the sandboxed program. */
		keep[nk++] = STDERR_FILENO;
		keep[nk++] = rs_log_fd();
		keep[nk++] = life[0];
		for (unsigned i = 0; i < pf->nlisteners; i++)
			keep[nk++] = pf->listeners[i].ep.fd;
		rs_close_all_but(keep, nk);
		/* Out of the terminal's process group: a ^C meant for the
		 * sandboxed program must not stop the forwarding. */
		setsid();
		prctl(PR_SET_NAME, "runsc-portfwd", 0, 0, 0);
		struct rs_error *e = NULL;
		/* Confined, the death signal is set in confine(). */
		if (!pf->cfg.confine && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
					 getppid() != parent))
			_exit(0);
		if (serve(pf, life[0], parent, &e) < 0) {
			rs_error_print(e, "runsc do", stderr);
			_exit(1);
		}
		_exit(0);
	}
	close(life[0]);
	/* life[1] stays open, unused, until runsc exits: its close is the
	 * forwarder's cue even if the death signal was missed. It is
	 * O_CLOEXEC, and the Sentry's children close what they inherit. */
	rs_portfwd_free(pf);
	*pid = child;
	return 0;
}

void rs_portfwd_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	/* Bounded: SIGKILL cannot be ignored. */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
