/* Differential test: readiness of inet sockets. The exact event sets of
 * poll, select and epoll on listening, connecting, connected, half-closed
 * and reset sockets; epoll edge-triggered, one-shot, RDHUP and EXCLUSIVE;
 * what wakes a thread blocked in accept or recv (shutdown does, close does
 * not); EINTR with and without SA_RESTART and with a socket timeout. */
#include "t_inet.h"
#include <sys/epoll.h>
#include <sys/select.h>

/* The events of fd as poll, select and level-triggered epoll see them. */
static void readiness(const char *what, int fd)
{
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	int sel = -1;
	if (fd >= 0 && fd < FD_SETSIZE) {
		FD_SET(fd, &r);
		FD_SET(fd, &w);
		FD_SET(fd, &e);
		struct timeval tv = { 0, 0 };
		sel = select(fd + 1, &r, &w, &e, &tv);
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLPRI |
					    EPOLLRDHUP | EPOLLRDNORM |
					    EPOLLWRNORM | EPOLLRDBAND |
					    EPOLLWRBAND,
				  .data.u32 = 1 };
	struct epoll_event out = { 0 };
	int er = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	int en_ = er < 0 ? errno : 0;
	int n = er < 0 ? -1 : epoll_wait(ep, &out, 1, 0);
	close(ep);
	printf("%s: poll %s; select %d%s%s%s; epoll ", what, poll_now(fd), sel,
	       sel > 0 && FD_ISSET(fd, &r) ? " r" : "",
	       sel > 0 && FD_ISSET(fd, &w) ? " w" : "",
	       sel > 0 && FD_ISSET(fd, &e) ? " e" : "");
	if (er < 0)
		printf("add -1 %s\n", en(en_));
	else
		printf("%d %s\n", n, n > 0 ? pbits((int)out.events) : "0");
}

static void states(int fam)
{
	const char *v = fam == AF_INET ? "tcp4" : "tcp6";
	char what[128];
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	char buf[64];
#define R(label, fd)                                             \
	do {                                                     \
		snprintf(what, sizeof(what), "%s %s", v, label); \
		readiness(what, fd);                             \
	} while (0)
	printf("-- states %s\n", v);
	int t = socket(fam, SOCK_STREAM, 0);
	R("fresh", t);
	len = lo_addr(fam, &ss, 0);
	bind(t, (struct sockaddr *)&ss, len);
	R("bound", t);
	listen(t, 0);
	R("listening", t);
	int port = local_port(t);
	int c1 = lo_connect(fam, port);
	wait_ev(t, POLLIN);
	R("listening, one pending", t);
	/* The queue of listen(0) holds one: the next SYN is dropped and the
	 * connection stays in SYN_SENT. */
	int c2 = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	len = lo_addr(fam, &ss, port);
	connect(c2, (struct sockaddr *)&ss, len);
	R("connecting (SYN dropped)", c2);
	close(c2);
	int s1 = accept(t, NULL, NULL);
	R("listening, drained", t);
	R("connected idle (client)", c1);
	R("connected idle (server)", s1);
	send(s1, "data", 4, 0);
	wait_inq(c1, 4);
	R("data to read", c1);
	shutdown(s1, SHUT_WR);
	wait_ev(c1, POLLRDHUP);
	R("data to read, peer SHUT_WR", c1);
	recv(c1, buf, sizeof(buf), 0);
	R("peer SHUT_WR, data read", c1);
	R("own SHUT_WR (server)", s1);
	shutdown(c1, SHUT_WR);
	wait_ev(s1, POLLRDHUP);
	R("both SHUT_WR (client)", c1);
	R("both SHUT_WR (server)", s1);
	close(c1);
	close(s1);
	tcp_pair(fam, &c1, &s1);
	shutdown(c1, SHUT_RD);
	R("own SHUT_RD", c1);
	R("peer of SHUT_RD", s1);
	shutdown(c1, SHUT_WR);
	wait_ev(s1, POLLRDHUP);
	R("own SHUT_RD then SHUT_WR", c1);
	close(c1);
	close(s1);
	tcp_pair(fam, &c1, &s1);
	shutdown(c1, SHUT_RDWR);
	wait_ev(s1, POLLRDHUP);
	R("own SHUT_RDWR", c1);
	R("peer of SHUT_RDWR", s1);
	close(c1);
	close(s1);
	tcp_pair(fam, &c1, &s1);
	struct linger lg = { 1, 0 };
	setsockopt(s1, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s1);
	wait_ev(c1, POLLERR);
	R("reset by peer", c1);
	int_opt(c1, SOL_SOCKET, SO_ERROR);
	R("reset by peer, SO_ERROR read", c1);
	close(c1);
	int hold = lo_socket(fam, SOCK_STREAM);
	c2 = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	len = lo_addr(fam, &ss, local_port(hold));
	connect(c2, (struct sockaddr *)&ss, len);
	wait_ev(c2, POLLERR);
	R("connect refused", c2);
	int_opt(c2, SOL_SOCKET, SO_ERROR);
	R("connect refused, SO_ERROR read", c2);
	close(c2);
	close(hold);
	close(t);

	v = fam == AF_INET ? "udp4" : "udp6";
	int u = socket(fam, SOCK_DGRAM, 0);
	R("fresh", u);
	int r = lo_socket(fam, SOCK_DGRAM);
	len = lo_addr(fam, &ss, local_port(r));
	sendto(u, "x", 1, 0, (struct sockaddr *)&ss, len);
	wait_ev(r, POLLIN);
	R("datagram queued", r);
	close(r);
	connect(u, (struct sockaddr *)&ss, len);
	send(u, "x", 1, 0);
	wait_ev(u, POLLERR);
	R("connected, port unreachable", u);
	close(u);
#undef R
}

static void epoll_modes(void)
{
	int c, s;
	char buf[64];
	struct epoll_event ev, out[4];
	printf("-- epoll modes\n");
	tcp_pair(AF_INET, &c, &s);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = 1 };
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	send(c, "abc", 3, 0);
	wait_inq(s, 3);
	int n1 = epoll_wait(ep, out, 4, 0);
	int n2 = epoll_wait(ep, out, 4, 0);
	printf("level-triggered, unread data: %d then %d\n", n1, n2);
	recv(s, buf, sizeof(buf), 0);
	printf("  after reading: %d\n", epoll_wait(ep, out, 4, 0));
	ev.events = EPOLLIN | EPOLLET;
	ok("MOD to EPOLLET", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	send(c, "abc", 3, 0);
	wait_inq(s, 3);
	n1 = epoll_wait(ep, out, 4, 0);
	n2 = epoll_wait(ep, out, 4, 0);
	printf("edge-triggered, unread data: %d then %d\n", n1, n2);
	send(c, "d", 1, 0);
	wait_inq(s, 4);
	printf("  more data arrives: %d\n", epoll_wait(ep, out, 4, 0));
	recv(s, buf, 2, 0);
	printf("  partial read, no new data: %d\n", epoll_wait(ep, out, 4, 0));
	recv(s, buf, sizeof(buf), 0);
	ev.events = EPOLLIN | EPOLLONESHOT;
	ok("MOD to EPOLLONESHOT", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	send(c, "e", 1, 0);
	wait_inq(s, 1);
	n1 = epoll_wait(ep, out, 4, 0);
	n2 = epoll_wait(ep, out, 4, 0);
	printf("one-shot: %d then %d\n", n1, n2);
	send(c, "f", 1, 0);
	wait_inq(s, 2);
	printf("  more data, still disarmed: %d\n", epoll_wait(ep, out, 4, 0));
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	printf("  re-armed with MOD: %d\n", epoll_wait(ep, out, 4, 0));
	recv(s, buf, sizeof(buf), 0);
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	shutdown(c, SHUT_WR);
	wait_ev(s, POLLRDHUP);
	n1 = epoll_wait(ep, out, 4, 0);
	printf("EPOLLRDHUP on peer SHUT_WR: %d %s\n", n1,
	       n1 > 0 ? pbits((int)out[0].events) : "0");
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ok("MOD to EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	close(ep);
	close(c);
	close(s);

	/* A listener in two epoll sets, both exclusive. */
	int l = lo_listener(AF_INET, 8);
	int e1 = epoll_create1(EPOLL_CLOEXEC);
	int e2 = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLEXCLUSIVE };
	ok("ADD listener EPOLLEXCLUSIVE (set 1)",
	   epoll_ctl(e1, EPOLL_CTL_ADD, l, &ev));
	ok("ADD listener EPOLLEXCLUSIVE (set 2)",
	   epoll_ctl(e2, EPOLL_CTL_ADD, l, &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	ok("EPOLLEXCLUSIVE|EPOLLONESHOT", epoll_ctl(e1, EPOLL_CTL_MOD, l, &ev));
	int c1 = lo_connect(AF_INET, local_port(l));
	int c2 = lo_connect(AF_INET, local_port(l));
	wait_ev(l, POLLIN);
	printf("two pending: set 1 %d set 2 %d\n", epoll_wait(e1, out, 4, 0),
	       epoll_wait(e2, out, 4, 0));
	close(e1);
	close(e2);
	e1 = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET };
	epoll_ctl(e1, EPOLL_CTL_ADD, l, &ev);
	n1 = epoll_wait(e1, out, 4, 0);
	int a = accept(l, NULL, NULL);
	n2 = epoll_wait(e1, out, 4, 0);
	printf("listener EPOLLET, two pending: %d, after one accept %d\n", n1,
	       n2);
	close(a);
	close(e1);
	close(c1);
	close(c2);
	close(l);

	/* Closing the only descriptor removes it from the set. */
	tcp_pair(AF_INET, &c, &s);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLOUT };
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	printf("writable: %d\n", epoll_wait(ep, out, 4, 0));
	close(s);
	printf("after close of the fd: %d\n", epoll_wait(ep, out, 4, 0));
	close(ep);
	close(c);
}

static void p_variants(void)
{
	printf("-- ppoll and pselect\n");
	int l = lo_listener(AF_INET6, 4);
	sigset_t mask;
	sigemptyset(&mask);
	struct timespec ts = { 0, 50000000 };
	fd_set r;
	FD_ZERO(&r);
	if (l >= 0)
		FD_SET(l, &r);
	printf("pselect idle listener, 50 ms: %d\n",
	       pselect(l + 1, &r, NULL, NULL, &ts, &mask));
	int c = lo_connect(AF_INET6, local_port(l));
	wait_ev(l, POLLIN);
	FD_ZERO(&r);
	if (l >= 0)
		FD_SET(l, &r);
	int n = pselect(l + 1, &r, NULL, NULL, &ts, &mask);
	printf("pselect pending connection: %d readable %d\n", n,
	       n > 0 && FD_ISSET(l, &r));
	struct pollfd p = { l, POLLIN, 0 };
	n = ppoll(&p, 1, &ts, &mask);
	printf("ppoll pending connection: %d %s\n", n, pbits(p.revents));
	int s = accept(l, NULL, NULL);
	p = (struct pollfd){ s, POLLIN, 0 };
	n = ppoll(&p, 1, &ts, &mask);
	printf("ppoll idle connection, 50 ms: %d\n", n);
	struct pollfd two[2] = { { s, POLLIN, 0 }, { c, POLLOUT, 0 } };
	n = poll(two, 2, 1000);
	printf("poll two sockets: %d %s %s\n", n, pbits(two[0].revents),
	       pbits(two[1].revents));
	close(s);
	close(c);
	close(l);
	p = (struct pollfd){ 9999, POLLIN, 0 };
	n = poll(&p, 1, 0);
	printf("poll a closed fd number: %d %s\n", n, pbits(p.revents));
}

/* A thread blocked in one call while the main thread acts on its
 * socket. */
struct blocked {
	int fd;
	int op; /* 0 accept, 1 recv */
	volatile pid_t tid;
	long r;
	int err;
	long elapsed;
	char buf[16];
};

static void *blocked_main(void *arg)
{
	struct blocked *b = arg;
	b->tid = (pid_t)syscall(SYS_gettid);
	long t0 = now_ms();
	if (b->op == 0)
		b->r = accept(b->fd, NULL, NULL);
	else
		b->r = recv(b->fd, b->buf, sizeof(b->buf), 0);
	b->err = errno;
	b->elapsed = now_ms() - t0;
	return NULL;
}

static void start_blocked(struct blocked *b, pthread_t *t, int fd, int op)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->op = op;
	pthread_create(t, NULL, blocked_main, b);
	long end = now_ms() + 2000;
	while (!b->tid && now_ms() < end)
		sleep_ms(1);
	wait_asleep(b->tid);
}

static void print_blocked(const char *what, struct blocked *b)
{
	if (b->r < 0)
		printf("%s: -1 %s\n", what, en(b->err));
	else if (b->op == 0)
		printf("%s: a connection\n", what);
	else
		printf("%s: %ld \"%.*s\"\n", what, b->r, (int)b->r, b->buf);
}

static void wakeups(void)
{
	struct blocked b;
	pthread_t t;
	struct timeval tv = { 0, 600000 };
	printf("-- wake-ups\n");
	int l = lo_listener(AF_INET, 4);
	start_blocked(&b, &t, l, 0);
	ok("shutdown(listener, SHUT_RD) during accept", shutdown(l, SHUT_RD));
	pthread_join(t, NULL);
	print_blocked("  blocked accept returns", &b);
	close(l);

	int c, s;
	tcp_pair(AF_INET, &c, &s);
	start_blocked(&b, &t, c, 1);
	ok("shutdown(SHUT_RD) during recv", shutdown(c, SHUT_RD));
	pthread_join(t, NULL);
	print_blocked("  blocked recv returns", &b);
	close(c);
	close(s);

	tcp_pair(AF_INET, &c, &s);
	start_blocked(&b, &t, c, 1);
	ok("shutdown(SHUT_WR) during recv", shutdown(c, SHUT_WR));
	send(s, "still", 5, 0);
	pthread_join(t, NULL);
	print_blocked("  blocked recv returns", &b);
	close(c);
	close(s);

	tcp_pair(AF_INET, &c, &s);
	start_blocked(&b, &t, c, 1);
	ok("peer shutdown(SHUT_WR) during recv", shutdown(s, SHUT_WR));
	pthread_join(t, NULL);
	print_blocked("  blocked recv returns", &b);
	close(c);
	close(s);

	int u = lo_socket(AF_INET, SOCK_DGRAM);
	start_blocked(&b, &t, u, 1);
	ok("udp shutdown(SHUT_RD) during recv, unconnected",
	   shutdown(u, SHUT_RD));
	pthread_join(t, NULL);
	print_blocked("  blocked recv returns", &b);
	close(u);

	/* close() does not wake a thread blocked on the socket: the call
	 * holds its own reference. The accept ends by its timeout. */
	l = lo_listener(AF_INET, 4);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	start_blocked(&b, &t, l, 0);
	ok("close(listener) during accept", close(l));
	pthread_join(t, NULL);
	print_blocked("  blocked accept returns", &b);
	printf("  only after its 600 ms timeout %d\n", b.elapsed >= 500);

	/* ... and a recv blocked on a closed descriptor still gets data. */
	tcp_pair(AF_INET, &c, &s);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	start_blocked(&b, &t, c, 1);
	ok("close during recv", close(c));
	val("  peer sends", send(s, "late", 4, 0));
	pthread_join(t, NULL);
	print_blocked("  blocked recv returns", &b);
	wait_ev(s, POLLRDHUP);
	printf("  then the peer sees %s\n", poll_now(s));
	close(s);
}

static volatile sig_atomic_t handled;
static pthread_t main_thread;
static volatile pid_t main_tid;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void install(int flags)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = flags };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* The signaller: interrupts the main thread `signals` times, each time
 * once it sleeps in its call, then runs `then` to let the call finish. */
struct signaller {
	int signals;
	void (*then)(void *);
	void *arg;
};

static void *signaller_main(void *arg)
{
	struct signaller *g = arg;
	for (int i = 0; i < g->signals; i++) {
		int before = handled;
		wait_asleep(main_tid);
		pthread_kill(main_thread, SIGUSR1);
		long end = now_ms() + 2000;
		while (handled == before && now_ms() < end)
			sleep_ms(1);
	}
	if (g->then) {
		wait_asleep(main_tid);
		g->then(g->arg);
	}
	return NULL;
}

static void run_signaller(pthread_t *t, struct signaller *g)
{
	sigset_t m, old;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &m, &old);
	handled = 0;
	pthread_create(t, NULL, signaller_main, g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void send_it(void *arg)
{
	send(*(int *)arg, "wake", 4, 0);
}

static void connect_it(void *arg)
{
	int fd = lo_connect(AF_INET, *(int *)arg);
	(void)fd; /* closed when the listener's test ends (exit) */
}

static void accept_it(void *arg)
{
	close(accept(*(int *)arg, NULL, NULL));
}

static void eintr(void)
{
	pthread_t t;
	char buf[16];
	struct timeval tv = { 3, 0 }, none = { 0, 0 };
	main_thread = pthread_self();
	main_tid = (pid_t)syscall(SYS_gettid);
	printf("-- EINTR\n");
	int c, s;
	tcp_pair(AF_INET, &c, &s);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	struct signaller g = { 1, NULL, NULL };
	install(0);
	run_signaller(&t, &g);
	ok("recv, no SA_RESTART", recv(c, buf, sizeof(buf), 0));
	pthread_join(t, NULL);
	printf("  handled %d\n", (int)handled);
	install(SA_RESTART);
	g = (struct signaller){ 3, send_it, &s };
	run_signaller(&t, &g);
	val("recv, SA_RESTART (3 signals, then data)",
	    recv(c, buf, sizeof(buf), 0));
	pthread_join(t, NULL);
	printf("  handled %d\n", (int)handled);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	g = (struct signaller){ 1, NULL, NULL };
	run_signaller(&t, &g);
	ok("recv, SA_RESTART but SO_RCVTIMEO set",
	   recv(c, buf, sizeof(buf), 0));
	pthread_join(t, NULL);
	printf("  handled %d\n", (int)handled);
	close(c);
	close(s);

	int l = lo_listener(AF_INET, 4);
	int port = local_port(l);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	install(0);
	g = (struct signaller){ 1, NULL, NULL };
	run_signaller(&t, &g);
	ok("accept, no SA_RESTART", accept(l, NULL, NULL));
	pthread_join(t, NULL);
	install(SA_RESTART);
	g = (struct signaller){ 3, connect_it, &port };
	run_signaller(&t, &g);
	int a = accept(l, NULL, NULL);
	ok("accept, SA_RESTART (3 signals, then a connection)", a);
	pthread_join(t, NULL);
	printf("  handled %d\n", (int)handled);
	close(a);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	g = (struct signaller){ 1, NULL, NULL };
	run_signaller(&t, &g);
	ok("accept, SA_RESTART but SO_RCVTIMEO set", accept(l, NULL, NULL));
	pthread_join(t, NULL);
	close(l);

	/* A connect that blocks: listen(0) holds one connection, so the
	 * next SYN is dropped until the queue drains and the SYN is
	 * retransmitted (after about 1 s). */
	l = lo_listener(AF_INET, 0);
	port = local_port(l);
	int first = lo_connect(AF_INET, port);
	wait_ev(l, POLLIN);
	struct sockaddr_storage ss = { 0 };
	socklen_t len = lo_addr(AF_INET, &ss, port);
	int k = socket(AF_INET, SOCK_STREAM, 0);
	install(0);
	g = (struct signaller){ 1, NULL, NULL };
	run_signaller(&t, &g);
	ok("connect, no SA_RESTART", connect(k, (struct sockaddr *)&ss, len));
	pthread_join(t, NULL);
	/* Still connecting: a nonblocking connect says so; a blocking one
	 * waits again, here until its send timeout. */
	fcntl(k, F_SETFL, O_NONBLOCK);
	ok("  connect again, nonblocking",
	   connect(k, (struct sockaddr *)&ss, len));
	fcntl(k, F_SETFL, 0);
	struct timeval short_tv = { 0, 300000 };
	setsockopt(k, SOL_SOCKET, SO_SNDTIMEO, &short_tv, sizeof(short_tv));
	long t1 = now_ms();
	ok("  connect again, blocking with a 300 ms SO_SNDTIMEO",
	   connect(k, (struct sockaddr *)&ss, len));
	printf("  after the timeout %d\n", now_ms() - t1 >= 250);
	close(k);
	k = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(k, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	install(SA_RESTART);
	g = (struct signaller){ 1, NULL, NULL };
	run_signaller(&t, &g);
	ok("connect, SA_RESTART but SO_SNDTIMEO set",
	   connect(k, (struct sockaddr *)&ss, len));
	pthread_join(t, NULL);
	close(k);
	k = socket(AF_INET, SOCK_STREAM, 0);
	g = (struct signaller){ 2, accept_it, &l };
	run_signaller(&t, &g);
	long t0 = now_ms();
	ok("connect, SA_RESTART (2 signals, then the queue drains)",
	   connect(k, (struct sockaddr *)&ss, len));
	printf("  within 5 s %d handled %d\n", now_ms() - t0 < 5000,
	       (int)handled);
	pthread_join(t, NULL);
	close(k);
	close(first);
	close(l);
	signal(SIGUSR1, SIG_IGN);
}

int main(void)
{
	watchdog(25);
	states(AF_INET);
	states(AF_INET6);
	epoll_modes();
	p_variants();
	wakeups();
	eintr();
	return 0;
}
