/* tcp-bench: TCP through two netstacks joined back to back in one process
 * by an in-memory link, against the host kernel's TCP over loopback,
 * measured in the same run, per second of the process's CPU time.
 *
 *   tcp-bench [--seconds S] [--only bulk|conn|plain|trusted|tso|jumbo]
 *
 * --only plain|trusted|tso|jumbo measures one netstack bulk link and not
 * the kernel (for profiling: perf record tcp-bench --only plain).
 *
 * Bulk: one connection; each round the sender writes up to 4 x 64 KiB (as
 * far as the window allows), the frames cross the link, the receiver
 * reads all there is; Gbit/s of payload per CPU second. Links: MTU 1500
 * "plain" (checksums in software, one frame per segment, as a tap without
 * offloads), MTU 1500 "trusted" (no checksums, as gVisor's in-process
 * links), MTU 1500 with TSO/GRO (64 KiB super-segments cross the link, as
 * veth does), and MTU 65535.
 *
 * Short connections: connect, 100-byte request, 100-byte response, the
 * server closes, the client reads EOF and closes; connections per CPU
 * second, the kernel doing the same over 127.0.0.1.
 *
 * Each measurement runs about S seconds of wall time (default 1), in a
 * child process of its own, so that one measurement's heap (the
 * allocator's free lists, a heap grown and trimmed) does not tilt the
 * next one's; each figure is the best of 3 such runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netstack/socket.h"
#include "netstack/stack.h"

#define NSEC 1000000000ull
/* 64 KiB writes per round of the bulk loops (kernel and netstack alike). */
#define WRITES_PER_ROUND 4
/* Each figure is the best of this many isolated runs: the machine is
 * shared, and interference only ever makes a run slower. */
#define RUNS 3

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void *ctx)
{
	(void)ctx;
	return mono();
}

static void die(const char *what, long err)
{
	fprintf(stderr, "tcp-bench: %s: %s\n", what, strerror((int)-err));
	exit(1);
}

/* ---- The in-memory link --------------------------------------------- */

/* One direction: frames wait here until handed to the peer in a burst,
 * as a driver's receive loop would. */
struct wire {
	struct ns_pkt **q;
	unsigned n, cap;
};

static int wire_xmit(void *ctx, struct ns_pkt *pkt)
{
	struct wire *w = ctx;
	if (w->n == w->cap) {
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	w->q[w->n++] = pkt;
	return 0;
}

static const struct ns_link_ops wire_ops = { .xmit = wire_xmit };

struct side {
	struct ns_stack *stack;
	int ifindex;
	struct wire out;
};

struct net {
	struct side a, b;
	bool gro; /* super-segments arrive as they left (GRO) */
};

static void side_init(struct side *s, uint32_t mtu, uint32_t caps,
		      const char *ip, uint64_t seed)
{
	struct ns_stack_config cfg = { .clock = mono_ns, .seed = seed };
	memset(s, 0, sizeof(*s));
	int r = ns_stack_create(&cfg, &s->stack);
	if (r < 0)
		die("ns_stack_create", r);
	s->out.cap = 4096;
	s->out.q = calloc(s->out.cap, sizeof(*s->out.q));
	struct ns_nic_config nic = {
		.ops = &wire_ops,
		.ctx = &s->out,
		.info = { .type = NS_LINK_IP,
			  .mtu = mtu,
			  .caps = caps,
			  .name = "wire0" },
		.flags = NS_NIC_F_NO_IPV6,
	};
	r = ns_stack_add_nic(s->stack, &nic, &s->ifindex);
	if (r < 0)
		die("ns_stack_add_nic", r);
	struct ns_ifaddr a = { .ifindex = s->ifindex,
			       .family = AF_INET,
			       .prefix_len = 24 };
	inet_pton(AF_INET, ip, a.addr);
	r = ns_stack_add_addr(s->stack, &a);
	if (r < 0)
		die("ns_stack_add_addr", r);
}

static void net_init(struct net *n, uint32_t mtu, uint32_t caps)
{
	side_init(&n->a, mtu, caps, "10.9.0.1", 1);
	side_init(&n->b, mtu, caps, "10.9.0.2", 2);
}

static void net_free(struct net *n)
{
	ns_stack_destroy(n->a.stack);
	ns_stack_destroy(n->b.stack);
	free(n->a.out.q);
	free(n->b.out.q);
}

static unsigned carry(struct side *from, struct side *to)
{
	unsigned n = from->out.n;
	if (n == 0)
		return 0;
	from->out.n = 0;
	ns_stack_input_burst(to->stack, to->ifindex, from->out.q, n);
	return n;
}

/* Moves frames both ways until the link is quiet, running due timers. */
static void pump(struct net *n)
{
	for (;;) {
		unsigned moved = carry(&n->a, &n->b) + carry(&n->b, &n->a);
		uint64_t now = mono();
		if (ns_stack_next_deadline(n->a.stack) <= now)
			ns_stack_timers(n->a.stack);
		if (ns_stack_next_deadline(n->b.stack) <= now)
			ns_stack_timers(n->b.stack);
		if (moved == 0 && n->a.out.n == 0 && n->b.out.n == 0)
			return;
	}
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static struct ns_socket *ns_listener(struct ns_stack *st, uint16_t port)
{
	struct ns_socket *l;
	long r = ns_socket_create(st, AF_INET, SOCK_STREAM, 0, &l);
	if (r < 0)
		die("socket", r);
	int one = 1;
	ns_socket_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = sin_of("10.9.0.2", port);
	if ((r = ns_socket_bind(l, (struct sockaddr *)&sa, sizeof(sa))) < 0)
		die("bind", r);
	if ((r = ns_socket_listen(l, 4096)) < 0)
		die("listen", r);
	return l;
}

static struct ns_socket *ns_connect(struct ns_stack *st, uint16_t port)
{
	struct ns_socket *c;
	long r = ns_socket_create(st, AF_INET, SOCK_STREAM, 0, &c);
	if (r < 0)
		die("socket", r);
	struct sockaddr_in sa = sin_of("10.9.0.2", port);
	r = ns_socket_connect(c, (struct sockaddr *)&sa, sizeof(sa));
	if (r != -EINPROGRESS)
		die("connect", r);
	return c;
}

/* ---- Bulk ------------------------------------------------------------- */

static char chunk[65536];
static char sink[262144];

/* Gbit/s of payload per CPU second through the netstack. */
static double ns_bulk(uint32_t mtu, uint32_t caps, double seconds)
{
	struct net n;
	net_init(&n, mtu, caps);
	struct ns_socket *l = ns_listener(n.b.stack, 5001);
	struct ns_socket *c = ns_connect(n.a.stack, 5001);
	pump(&n);
	struct ns_socket *s;
	long r = ns_socket_accept(l, &s, NULL, NULL, 0);
	if (r < 0)
		die("accept", r);
	uint64_t bytes = 0, t0 = cpu_ns(), w0 = mono();
	uint64_t end = w0 + (uint64_t)(seconds * NSEC);
	for (unsigned iter = 0; iter < 100000000; iter++) {
		/* Up to WRITES_PER_ROUND writes, then the frames cross the
		 * link, as an application and a driver would take turns. */
		for (int w = 0; w < WRITES_PER_ROUND; w++) {
			r = ns_socket_sendto(c, chunk, sizeof(chunk),
					     MSG_DONTWAIT, NULL, 0);
			if (r == -EAGAIN)
				break;
			if (r < 0)
				die("send", r);
		}
		carry(&n.a, &n.b);
		while ((r = ns_socket_recvfrom(s, sink, sizeof(sink),
					       MSG_DONTWAIT, NULL, NULL)) > 0)
			bytes += (uint64_t)r;
		carry(&n.b, &n.a);
		if ((iter & 63) == 0) {
			uint64_t now = mono();
			if (ns_stack_next_deadline(n.a.stack) <= now)
				ns_stack_timers(n.a.stack);
			if (ns_stack_next_deadline(n.b.stack) <= now)
				ns_stack_timers(n.b.stack);
			if (now > end)
				break;
		}
	}
	double cpu = (double)(cpu_ns() - t0) / NSEC;
	ns_socket_close(c);
	ns_socket_close(s);
	ns_socket_close(l);
	net_free(&n);
	return (double)bytes * 8 / 1e9 / cpu;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* The kernel's loopback: listener, client, accepted socket. */
static void kernel_pair(int *lfd, int *cfd, int *sfd)
{
	*lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(*lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = sin_of("127.0.0.1", 0);
	socklen_t len = sizeof(sa);
	if (bind(*lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(*lfd, 4096) < 0 ||
	    getsockname(*lfd, (struct sockaddr *)&sa, &len) < 0)
		die("kernel listener", -errno);
	if (cfd) {
		*cfd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(*cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("kernel connect", -errno);
		*sfd = accept(*lfd, NULL, NULL);
		set_nonblock(*cfd);
		set_nonblock(*sfd);
	}
}

static double kernel_bulk(double seconds)
{
	int l, c, s;
	kernel_pair(&l, &c, &s);
	uint64_t bytes = 0, t0 = cpu_ns(), w0 = mono();
	uint64_t end = w0 + (uint64_t)(seconds * NSEC);
	for (unsigned iter = 0; iter < 100000000; iter++) {
		for (int w = 0; w < WRITES_PER_ROUND; w++)
			if (send(c, chunk, sizeof(chunk), MSG_DONTWAIT) < 0)
				break;
		ssize_t r;
		while ((r = recv(s, sink, sizeof(sink), MSG_DONTWAIT)) > 0)
			bytes += (uint64_t)r;
		if ((iter & 15) == 0 && mono() > end)
			break;
	}
	double cpu = (double)(cpu_ns() - t0) / NSEC;
	close(c);
	close(s);
	close(l);
	return (double)bytes * 8 / 1e9 / cpu;
}

/* ---- Short connections ----------------------------------------------------- */

static double ns_conns(double seconds)
{
	struct net n;
	net_init(&n, 1500, NS_LINK_CAP_TRUSTED);
	struct ns_socket *l = ns_listener(n.b.stack, 80);
	char req[100], resp[100], buf[256];
	memset(req, 'q', sizeof(req));
	memset(resp, 'r', sizeof(resp));
	uint64_t done = 0, t0 = cpu_ns();
	uint64_t end = mono() + (uint64_t)(seconds * NSEC);
	long r;
	while (done < 100000000) {
		struct ns_socket *c = ns_connect(n.a.stack, 80);
		pump(&n);
		struct ns_socket *s;
		if ((r = ns_socket_accept(l, &s, NULL, NULL, 0)) < 0)
			die("accept", r);
		if ((r = ns_socket_sendto(c, req, sizeof(req), 0, NULL, 0)) !=
		    sizeof(req))
			die("request", r);
		pump(&n);
		if ((r = ns_socket_recvfrom(s, buf, sizeof(buf), 0, NULL,
					    NULL)) != sizeof(req))
			die("read request", r);
		if ((r = ns_socket_sendto(s, resp, sizeof(resp), 0, NULL, 0)) !=
		    sizeof(resp))
			die("response", r);
		ns_socket_close(s);
		pump(&n);
		if ((r = ns_socket_recvfrom(c, buf, sizeof(buf), 0, NULL,
					    NULL)) != sizeof(resp))
			die("read response", r);
		if ((r = ns_socket_recvfrom(c, buf, sizeof(buf), 0, NULL,
					    NULL)) != 0)
			die("eof", r);
		ns_socket_close(c);
		pump(&n);
		done++;
		if ((done & 63) == 0 && mono() > end)
			break;
	}
	double cpu = (double)(cpu_ns() - t0) / NSEC;
	ns_socket_close(l);
	net_free(&n);
	return (double)done / cpu;
}

static double kernel_conns(double seconds)
{
	int l;
	kernel_pair(&l, NULL, NULL);
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	getsockname(l, (struct sockaddr *)&sa, &len);
	char req[100], resp[100], buf[256];
	memset(req, 'q', sizeof(req));
	memset(resp, 'r', sizeof(resp));
	uint64_t done = 0, t0 = cpu_ns();
	uint64_t end = mono() + (uint64_t)(seconds * NSEC);
	while (done < 100000000) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("kernel connect", -errno);
		int s = accept(l, NULL, NULL);
		if (s < 0 || write(c, req, sizeof(req)) != sizeof(req) ||
		    read(s, buf, sizeof(buf)) != sizeof(req) ||
		    write(s, resp, sizeof(resp)) != sizeof(resp))
			die("kernel exchange", -errno);
		close(s);
		if (read(c, buf, sizeof(buf)) != sizeof(resp) ||
		    read(c, buf, sizeof(buf)) != 0)
			die("kernel response", -errno);
		close(c);
		done++;
		if ((done & 63) == 0 && mono() > end)
			break;
	}
	double cpu = (double)(cpu_ns() - t0) / NSEC;
	close(l);
	return (double)done / cpu;
}

/* Runs one measurement in a fresh child process and returns its figure. */
static double isolated_once(double (*fn)(uint32_t, uint32_t, double),
			    uint32_t mtu, uint32_t caps, double seconds)
{
	int fds[2];
	if (pipe(fds) < 0)
		die("pipe", -errno);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		close(fds[0]);
		double v = fn(mtu, caps, seconds);
		ssize_t w = write(fds[1], &v, sizeof(v));
		_exit(w == sizeof(v) ? 0 : 1);
	}
	close(fds[1]);
	double v = -1;
	ssize_t got = read(fds[0], &v, sizeof(v));
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	if (got != sizeof(v) || !WIFEXITED(status) || WEXITSTATUS(status))
		die("measurement", -EIO);
	return v;
}

static double isolated(double (*fn)(uint32_t, uint32_t, double), uint32_t mtu,
		       uint32_t caps, double seconds)
{
	double best = 0;
	for (int i = 0; i < RUNS; i++) {
		double v = isolated_once(fn, mtu, caps, seconds);
		if (v > best)
			best = v;
	}
	return best;
}

static double kernel_bulk_m(uint32_t mtu, uint32_t caps, double seconds)
{
	(void)mtu;
	(void)caps;
	return kernel_bulk(seconds);
}

static double kernel_conns_m(uint32_t mtu, uint32_t caps, double seconds)
{
	(void)mtu;
	(void)caps;
	return kernel_conns(seconds);
}

static double ns_conns_m(uint32_t mtu, uint32_t caps, double seconds)
{
	(void)mtu;
	(void)caps;
	return ns_conns(seconds);
}

int main(int argc, char **argv)
{
	double seconds = 1;
	const char *only = "";
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 's') {
			seconds = atof(optarg);
		} else if (c == 'o') {
			only = optarg;
		} else {
			fprintf(stderr,
				"usage: tcp-bench [--seconds S] [--only "
				"bulk|conn|plain|trusted|tso|jumbo]\n");
			return 2;
		}
	}
	if (!(seconds > 0 && seconds <= 60)) {
		fprintf(stderr, "tcp-bench: --seconds must be in (0, 60]\n");
		return 2;
	}
	memset(chunk, 'x', sizeof(chunk));
	static const struct {
		const char *key, *name;
		uint32_t mtu, caps;
	} links[] = {
		{ "plain", "MTU 1500 plain (sw checksums)", 1500, 0 },
		{ "trusted", "MTU 1500 trusted", 1500, NS_LINK_CAP_TRUSTED },
		{ "tso", "MTU 1500 trusted + TSO/GRO", 1500,
		  NS_LINK_CAP_TRUSTED | NS_LINK_CAP_TSO | NS_LINK_CAP_RX_GRO },
		{ "jumbo", "MTU 65535 trusted", 65535, NS_LINK_CAP_TRUSTED },
	};
	size_t nlinks = sizeof(links) / sizeof(links[0]);
	for (size_t i = 0; i < nlinks; i++) {
		if (strcmp(only, links[i].key) == 0) {
			double v = isolated(ns_bulk, links[i].mtu,
					    links[i].caps, seconds);
			printf("bulk, Gbit/s per CPU-second: netstack %s %.2f\n",
			       links[i].name, v);
			return 0;
		}
	}
	if (*only && strcmp(only, "bulk") != 0 && strcmp(only, "conn") != 0) {
		fprintf(stderr, "tcp-bench: unknown --only %s\n", only);
		return 2;
	}
	if (strcmp(only, "conn") != 0) {
		double k = isolated(kernel_bulk_m, 0, 0, seconds);
		printf("bulk, Gbit/s per CPU-second      kernel lo %8.2f\n", k);
		for (size_t i = 0; i < nlinks; i++) {
			double v = isolated(ns_bulk, links[i].mtu,
					    links[i].caps, seconds);
			printf("  netstack %-30s %8.2f  ratio %5.2f\n",
			       links[i].name, v, v / k);
		}
	}
	if (strcmp(only, "bulk") != 0) {
		double k = isolated(kernel_conns_m, 0, 0, seconds);
		double v = isolated(ns_conns_m, 0, 0, seconds);
		printf("short connections per CPU-second   kernel lo %8.0f\n",
		       k);
		printf("  netstack (trusted link)                %8.0f  ratio "
		       "%5.2f\n",
		       v, v / k);
	}
	return 0;
}
