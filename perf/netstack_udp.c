/* netstack-udp: UDP datagrams per CPU-second through two netstacks joined
 * by an in-memory link, against the host kernel's UDP over loopback,
 * measured in the same run.
 *
 *   netstack-udp [--seconds S] [--sizes 64,1400]
 *
 * Each round sends a batch of 64 datagrams from one socket and reads them
 * from another: for the netstack, sendto on stack A, the link carries the
 * frames (one ns_stack_input_burst per batch, as a driver would), recvfrom
 * on stack B; for the kernel, sendto and recvfrom on two UDP sockets on
 * 127.0.0.1. The figure is datagrams delivered per second of the process's
 * CPU time (user + system), so the kernel's work counts for the kernel.
 * The netstack runs over a plain link (checksums computed and verified in
 * software, as over a tap without offloads) and over a trusted link (no
 * checksums, as gVisor's in-process links). Bounded: about 3 S seconds
 * per size (default S = 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netstack/socket.h"
#include "netstack/stack.h"

#define BATCH 64

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One direction of the in-memory link: frames wait here until the
 * benchmark hands them to the peer stack in one burst. */
struct wire {
	struct ns_pkt *q[4 * BATCH];
	unsigned n;
};

static int wire_xmit(void *ctx, struct ns_pkt *pkt)
{
	struct wire *w = ctx;
	if (w->n == sizeof(w->q) / sizeof(w->q[0])) {
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

static void die(const char *what, int err)
{
	fprintf(stderr, "netstack-udp: %s: %s\n", what, strerror(-err));
	exit(1);
}

static void side_init(struct side *s, uint8_t id, uint32_t caps)
{
	memset(s, 0, sizeof(*s));
	struct ns_stack_config cfg = { .clock = mono_ns, .seed = id };
	int r = ns_stack_create(&cfg, &s->stack);
	if (r < 0)
		die("ns_stack_create", r);
	struct ns_nic_config nc = { .ops = &wire_ops,
				    .ctx = &s->out,
				    .info = { .type = NS_LINK_ETHERNET,
					      .mtu = 1500,
					      .caps = caps,
					      .mac = { 2, 0, 0, 0, 0, id },
					      .name = "eth0" },
				    .flags = NS_NIC_F_NO_AUTOCONF };
	if ((r = ns_stack_add_nic(s->stack, &nc, &s->ifindex)) < 0)
		die("ns_stack_add_nic", r);
	struct ns_ifaddr a = { .ifindex = s->ifindex,
			       .family = AF_INET,
			       .prefix_len = 24,
			       .addr = { 10, 0, 0, id } };
	if ((r = ns_stack_add_addr(s->stack, &a)) < 0)
		die("ns_stack_add_addr", r);
}

/* Carries everything queued on from's wire to its peer. */
static void carry(struct side *from, struct side *to)
{
	while (from->out.n > 0) {
		unsigned n = from->out.n;
		struct ns_pkt *burst[4 * BATCH];
		memcpy(burst, from->out.q, n * sizeof(burst[0]));
		from->out.n = 0;
		ns_stack_input_burst(to->stack, to->ifindex, burst, n);
	}
}

static double bench_netstack(size_t size, double seconds, uint32_t caps)
{
	struct side a, b;
	side_init(&a, 1, caps);
	side_init(&b, 2, caps);
	struct ns_socket *tx, *rx;
	ns_socket_create(a.stack, AF_INET, SOCK_DGRAM, 0, &tx);
	ns_socket_create(b.stack, AF_INET, SOCK_DGRAM, 0, &rx);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, "10.0.0.2", &to.sin_addr);
	int r = ns_socket_bind(rx, (struct sockaddr *)&to, sizeof(to));
	if (r < 0)
		die("bind", r);
	int big = 8 << 20;
	ns_socket_setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	static char buf[65536];
	/* Warm up: resolve the neighbour. */
	ns_socket_sendto(tx, buf, size, 0, (struct sockaddr *)&to, sizeof(to));
	for (int i = 0; i < 4; i++) {
		carry(&a, &b);
		carry(&b, &a);
	}
	while (ns_socket_recvfrom(rx, buf, sizeof(buf), 0, NULL, NULL) >= 0)
		;
	uint64_t start = cpu_ns(), budget = (uint64_t)(seconds * 1e9);
	uint64_t delivered = 0;
	while (cpu_ns() - start < budget) {
		for (int i = 0; i < BATCH; i++)
			ns_socket_sendto(tx, buf, size, 0,
					 (struct sockaddr *)&to, sizeof(to));
		carry(&a, &b);
		for (int i = 0; i < BATCH; i++)
			if (ns_socket_recvfrom(rx, buf, sizeof(buf), 0, NULL,
					       NULL) == (ssize_t)size)
				delivered++;
	}
	double rate = (double)delivered / ((double)(cpu_ns() - start) / 1e9);
	ns_socket_close(tx);
	ns_socket_close(rx);
	ns_stack_destroy(a.stack);
	ns_stack_destroy(b.stack);
	return rate;
}

static double bench_kernel(size_t size, double seconds)
{
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (tx < 0 || rx < 0) {
		perror("netstack-udp: socket");
		exit(1);
	}
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(to);
	int big = 8 << 20;
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(rx, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    getsockname(rx, (struct sockaddr *)&to, &len) < 0) {
		perror("netstack-udp: bind");
		exit(1);
	}
	static char buf[65536];
	uint64_t start = cpu_ns(), budget = (uint64_t)(seconds * 1e9);
	uint64_t delivered = 0;
	while (cpu_ns() - start < budget) {
		for (int i = 0; i < BATCH; i++)
			sendto(tx, buf, size, 0, (struct sockaddr *)&to,
			       sizeof(to));
		for (int i = 0; i < BATCH; i++)
			if (recv(rx, buf, sizeof(buf), 0) == (ssize_t)size)
				delivered++;
	}
	double rate = (double)delivered / ((double)(cpu_ns() - start) / 1e9);
	close(tx);
	close(rx);
	return rate;
}

int main(int argc, char **argv)
{
	double seconds = 1;
	char sizes[128] = "64,1400";
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'z' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's') {
			seconds = atof(optarg);
		} else if (c == 'z') {
			snprintf(sizes, sizeof(sizes), "%s", optarg);
		} else {
			fprintf(stderr, "usage: netstack-udp [--seconds S] "
					"[--sizes 64,1400]\n");
			return 2;
		}
	}
	if (seconds <= 0 || seconds > 60) {
		fprintf(stderr, "netstack-udp: --seconds must be in (0, 60]\n");
		return 2;
	}
	printf("%-6s %14s %14s %14s %8s %8s\n", "bytes", "kernel dg/s",
	       "netstack dg/s", "trusted dg/s", "ratio", "trusted");
	for (char *tok = strtok(sizes, ","); tok; tok = strtok(NULL, ",")) {
		long size = strtol(tok, NULL, 10);
		if (size < 1 || size > 65000) {
			fprintf(stderr, "netstack-udp: bad size %s\n", tok);
			return 2;
		}
		double k = bench_kernel((size_t)size, seconds);
		double n = bench_netstack((size_t)size, seconds, 0);
		double t = bench_netstack((size_t)size, seconds,
					  NS_LINK_CAP_TRUSTED);
		printf("%-6ld %14.0f %14.0f %14.0f %8.2f %8.2f\n", size, k, n,
		       t, n / k, t / k);
	}
	return 0;
}
