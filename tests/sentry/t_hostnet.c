/* Inet socket semantics that hold on any stack, printed so that a native
 * run and a sandboxed one compare equal (test_sentry_hostnet.sh runs it
 * under --network=host): blocking calls and signals (EINTR without
 * SA_RESTART, a restart with it, EINTR always once SO_RCVTIMEO is set),
 * receive timeouts, non-blocking connect, EFAULT keeping TCP data, peeks,
 * shutdown, FIONREAD, UDP errors. Only 127.0.0.1; prints no ports. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
	fflush(stdout);
}

static int listener(struct sockaddr_in *a)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	*a = (struct sockaddr_in){ .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(*a);
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    listen(l, 8) < 0 ||
	    getsockname(l, (struct sockaddr *)a, &len) < 0) {
		perror("listener");
		exit(1);
	}
	return l;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void arm(int ms, bool restart)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { 0, ms * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A child that connects to a after ms and sends msg. */
static pid_t late_peer(const struct sockaddr_in *a, int ms, const char *msg)
{
	pid_t pid = fork();
	if (pid == 0) {
		usleep(ms * 1000);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		char b;
		/* Stays connected until the parent closes its end. */
		if (connect(c, (const struct sockaddr *)a, sizeof(*a)) == 0 &&
		    write(c, msg, strlen(msg)) > 0)
			(void)!read(c, &b, 1);
		_exit(0);
	}
	return pid;
}

static void signals(void)
{
	struct sockaddr_in a;
	int l = listener(&a);
	/* No SA_RESTART: accept ends with EINTR. */
	arm(100, false);
	say("accept interrupted", accept(l, NULL, NULL));
	/* SA_RESTART: accept goes on and takes the late connection. */
	pid_t p = late_peer(&a, 400, "late");
	arm(100, true);
	int s = accept(l, NULL, NULL);
	say("accept restarted", s >= 0 ? 0 : -1);
	say("alarms", alarms);
	char buf[16] = { 0 };
	say("recv late data", recv(s, buf, 4, MSG_WAITALL));
	printf("data %s\n", buf);
	/* With SO_RCVTIMEO the wait ends at the timeout, with EAGAIN... */
	struct timeval tv = { 0, 200000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	double t0 = now();
	say("recv timeout", recv(s, buf, sizeof(buf), 0));
	double dt = now() - t0;
	printf("timeout waited %s\n",
	       dt > 0.15 && dt < 2 ? "about 200ms" : "wrong");
	/* ... and a signal is EINTR even with SA_RESTART (sock_intr_errno). */
	tv.tv_sec = 5;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	arm(100, true);
	say("recv with timeout interrupted", recv(s, buf, sizeof(buf), 0));
	close(s);
	waitpid(p, NULL, 0);
	close(l);
}

static void data(void)
{
	struct sockaddr_in a;
	int l = listener(&a);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof(a));
	say("nonblocking connect", r == 0 || errno == EINPROGRESS ? 0 : -1);
	struct pollfd p = { .fd = c, .events = POLLOUT };
	say("poll writable", poll(&p, 1, 2000));
	int err = -1;
	socklen_t len = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("so_error %d\n", err);
	say("connect again", connect(c, (struct sockaddr *)&a, sizeof(a)));
	int s = accept(l, NULL, NULL);
	say("write", write(c, "abcdef", 6));
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	say("poll readable", poll(&p, 1, 2000));
	int n = -1;
	ioctl(s, FIONREAD, &n);
	printf("fionread %d\n", n);
	say("recv into a bad buffer", recv(s, (void *)8, 6, 0));
	char buf[16] = { 0 };
	say("peek", recv(s, buf, 3, MSG_PEEK));
	printf("peeked %s\n", buf);
	memset(buf, 0, sizeof(buf));
	say("recv", recv(s, buf, sizeof(buf), 0));
	printf("got %s\n", buf);
	say("shutdown", shutdown(c, SHUT_WR));
	say("recv eof", recv(s, buf, sizeof(buf), 0));
	say("shutdown bad how", shutdown(c, 7));
	struct linger lg = { 1, 3 };
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	len = sizeof(lg);
	getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("linger %d %d\n", lg.l_onoff, lg.l_linger);
	int one = 1;
	say("nodelay",
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	close(s);
	close(c);
	close(l);
	/* UDP: a datagram to a closed port makes a connected socket's next
	 * call fail with ECONNREFUSED. */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in closed = a; /* the listener is gone */
	say("udp connect",
	    connect(u, (struct sockaddr *)&closed, sizeof(closed)));
	say("udp send", send(u, "x", 1, 0));
	usleep(100000);
	say("udp recv after refusal", recv(u, buf, 1, MSG_DONTWAIT));
	close(u);
	/* Socket kinds every caller gets. */
	say("seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0));
	say("stream udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
}

int main(void)
{
	signals();
	data();
	return 0;
}
