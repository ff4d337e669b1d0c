/* drivers-bench: packets per second through the AF_PACKET driver on a veth
 * pair, in both of its modes (recvmmsg/sendmmsg, PACKET_MMAP rings),
 * against the host kernel's own UDP sockets (sendmmsg/recvmmsg) over the
 * same veth pair in the same run.
 *
 *   drivers-bench [--seconds S] [--runs N] [--sizes 60,1514]   (root)
 *
 * Topology: two network namespaces it creates (and deletes at exit),
 * joined by a veth pair va (10.199.0.1) -- vb (10.199.0.2). Every run
 * moves the same frames: UDP/IPv4 datagrams to port 9999 padded to the
 * frame size.
 * - transmit: one process in A on CPU 0 sends for S seconds; "sent" is
 *   what the driver or socket accepted, "delivered" what vb received (its
 *   rx_packets), which includes the veth's drops when the receiving side
 *   cannot keep up;
 * - receive: a generator in B on CPU 0 (the driver in mmsg mode, the same
 *   for every receiver) floods va; the receiver in A on CPU 1 (the driver
 *   in each mode, or a UDP socket bound to the port) polls without
 *   sleeping and counts for S seconds from its first frame: the receive
 *   capacity, with the kernel's share of each mode's cost (queueing an
 *   skb, or copying into the ring) on the generator's CPU.
 * The kernel's own work for a veth frame (forwarding to the peer, and the
 * peer's receive path) runs on the sender's CPU in softirq context.
 *
 * Each run measures all variants back to back, and the ratios between
 * variants are taken within a run before the median over N runs
 * (default 3 of 1 s each): on a shared machine the absolute rates drift
 * with other load, the paired ratios much less. "tx us/f" is the
 * sender's CPU time (user + system) per frame. Bounded in time: about
 * N (6 S + 9) seconds per frame size.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/afpacket.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

#define UDP_PORT   9999
#define BATCH	   64
#define MAX_SIZES  4
#define WAIT_FIRST 5000 /* ms for a receiver's first frame */

static char ns_a[32], ns_b[32];
static double seconds = 1;
static unsigned runs = 3;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int status = system(cmd);
	return status == 0 ? 0 : -1;
}

static void cleanup(void)
{
	if (ns_a[0])
		sh("ip netns del %s 2>/dev/null", ns_a);
	if (ns_b[0])
		sh("ip netns del %s 2>/dev/null", ns_b);
}

static void on_signal(int sig)
{
	(void)sig;
	exit(130); /* runs cleanup() */
}

static void die(const char *what)
{
	fprintf(stderr, "drivers-bench: %s\n", what);
	exit(1);
}

static void enter_ns(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die("cannot enter a benchmark namespace");
	close(fd);
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void if_mac(const char *ifname, uint8_t mac[6])
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		die("SIOCGIFHWADDR");
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
}

/* rx_packets of an interface of the namespace the caller is in. */
static uint64_t rx_packets(const char *ifname)
{
	FILE *f = fopen("/proc/self/net/dev", "r");
	char line[512];
	uint64_t v = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = 0;
		char *name = line + strspn(line, " ");
		if (strcmp(name, ifname) == 0) {
			unsigned long long bytes, pkts;
			if (sscanf(colon + 1, "%llu %llu", &bytes, &pkts) == 2)
				v = pkts;
		}
	}
	if (f)
		fclose(f);
	return v;
}

/* Udp RcvbufErrors of the caller's namespace (/proc/net/snmp). */
static uint64_t udp_rcvbuf_errors(void)
{
	FILE *f = fopen("/proc/self/net/snmp", "r");
	char names[1024], values[1024];
	uint64_t v = 0;
	while (f && fgets(names, sizeof(names), f) &&
	       fgets(values, sizeof(values), f)) {
		if (strncmp(names, "Udp:", 4) != 0)
			continue;
		char *sn, *sv;
		char *n = strtok_r(names, " \n", &sn);
		char *val = strtok_r(values, " \n", &sv);
		while (n && val) {
			if (strcmp(n, "RcvbufErrors") == 0)
				v = strtoull(val, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			val = strtok_r(NULL, " \n", &sv);
		}
	}
	if (f)
		fclose(f);
	return v;
}

/* The UDP/IPv4 frame every run sends: `size` bytes on the wire. */
struct frame {
	uint8_t bytes[1514];
	uint32_t len;
};

static void build_frame(struct frame *fr, uint32_t size, const uint8_t dst[6],
			const uint8_t src[6], const char *from, const char *to)
{
	memset(fr, 0, sizeof(*fr));
	fr->len = size;
	uint8_t *p = fr->bytes;
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	ns_put_be16(p + 12, 0x0800);
	uint8_t *ip = p + 14;
	ip[0] = 0x45;
	ns_put_be16(ip + 2, (uint16_t)(size - 14));
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, from, ip + 12);
	inet_pton(AF_INET, to, ip + 16);
	ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
	uint8_t *udp = ip + 20;
	ns_put_be16(udp, UDP_PORT);
	ns_put_be16(udp + 2, UDP_PORT);
	ns_put_be16(udp + 4, (uint16_t)(size - 34));
	/* Checksum 0: none (RFC 768), so every receiver accepts it. */
}

static struct drv_link *open_driver(const char *ifname,
				    enum drv_afpacket_mode mode)
{
	struct drv_afpacket_config cfg = { .mode = mode };
	snprintf(cfg.iface, sizeof(cfg.iface), "%s", ifname);
	struct drv_link *link;
	struct rs_error *err = NULL;
	if (drv_afpacket_open(&cfg, &link, &err) < 0) {
		rs_error_print(err, "drivers-bench", stderr);
		exit(1);
	}
	return link;
}

/* Sends the frame through the driver for `secs` seconds; returns frames
 * the driver handed to the kernel. */
static uint64_t driver_send(struct drv_link *link, const struct frame *fr,
			    double secs)
{
	double end = now_s() + secs;
	while (now_s() < end) {
		for (int i = 0; i < BATCH; i++) {
			struct ns_pkt *pkt = ns_pkt_alloc(0, fr->len);
			if (pkt == NULL)
				die("out of memory");
			memcpy(ns_pkt_put(pkt, fr->len), fr->bytes, fr->len);
			drv_xmit(link, pkt);
		}
		if (drv_flush(link) == -EAGAIN) {
			struct pollfd p = { drv_fd(link), POLLOUT, 0 };
			poll(&p, 1, 10);
		}
	}
	uint64_t sent = 0;
	drv_counter(link, "tx_packets", &sent);
	return sent;
}

/* Sends with a UDP socket and sendmmsg for `secs` seconds. */
static uint64_t socket_send(const struct frame *fr, const char *to, double secs)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(UDP_PORT) };
	inet_pton(AF_INET, to, &dst.sin_addr);
	size_t payload = fr->len - 42;
	static uint8_t data[1514];
	struct iovec iov = { data, payload };
	struct mmsghdr msgs[BATCH];
	for (int i = 0; i < BATCH; i++)
		msgs[i].msg_hdr = (struct msghdr){ .msg_name = &dst,
						   .msg_namelen = sizeof(dst),
						   .msg_iov = &iov,
						   .msg_iovlen = 1 };
	uint64_t sent = 0;
	double end = now_s() + secs;
	while (now_s() < end) {
		int n = sendmmsg(s, msgs, BATCH, 0);
		if (n > 0)
			sent += (uint64_t)n;
	}
	close(s);
	return sent;
}

/* Counts frames through the driver for `secs` seconds from the first. */
static uint64_t driver_receive(struct drv_link *link, double secs, int ready_fd,
			       uint64_t *drops)
{
	char c = 'r';
	if (write(ready_fd, &c, 1) != 1)
		die("ready pipe");
	struct pollfd p = { drv_fd(link), POLLIN, 0 };
	if (poll(&p, 1, WAIT_FIRST) != 1)
		return 0;
	/* What the kernel dropped before the first frame is not ours. */
	drv_counter(link, "rx_kernel_drops", drops);
	uint64_t got = 0;
	double end = now_s() + secs;
	struct ns_pkt *pkts[BATCH];
	/* Busy: capacity is measured, not how wake-ups are paid for. */
	while (now_s() < end) {
		int n = drv_rx_burst(link, pkts, BATCH);
		for (int i = 0; i < n; i++)
			ns_pkt_free(pkts[i]);
		got += (uint64_t)(n > 0 ? n : 0);
	}
	uint64_t after = 0;
	drv_counter(link, "rx_kernel_drops", &after);
	*drops = after - *drops;
	return got;
}

static uint64_t socket_receive(double secs, int ready_fd, uint64_t *drops)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int buf = 4 << 20;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	struct sockaddr_in me = { .sin_family = AF_INET,
				  .sin_port = htons(UDP_PORT) };
	if (bind(s, (struct sockaddr *)&me, sizeof(me)) < 0)
		die("bind");
	char c = 'r';
	if (write(ready_fd, &c, 1) != 1)
		die("ready pipe");
	struct pollfd p = { s, POLLIN, 0 };
	if (poll(&p, 1, WAIT_FIRST) != 1)
		return 0;
	uint64_t drops_before = udp_rcvbuf_errors();
	static uint8_t data[BATCH][1514];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ data[i], sizeof(data[i]) };
		msgs[i].msg_hdr =
			(struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	uint64_t got = 0;
	double end = now_s() + secs;
	while (now_s() < end) {
		int n = recvmmsg(s, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n > 0)
			got += (uint64_t)n;
	}
	*drops = udp_rcvbuf_errors() - drops_before;
	close(s);
	return got;
}

/* A measurement child: runs fn in namespace ns on cpu, returns through a
 * pipe. */
struct result {
	uint64_t count;
	uint64_t drops;
	double cpu_s; /* user + system time of the measuring process */
};

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

enum what { SEND_DRIVER, SEND_SOCKET, RECV_DRIVER, RECV_SOCKET };

struct job {
	enum what what;
	enum drv_afpacket_mode mode;
	const struct frame *frame;
	double secs;
};

static pid_t spawn(const char *ns, int cpu, const struct job *job,
		   int *result_fd)
{
	int res[2], ready[2];
	if (pipe(res) < 0 || pipe(ready) < 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(res[0]);
		close(ready[0]);
		enter_ns(ns);
		pin_cpu(cpu);
		struct result r = { 0, 0, 0 };
		const char *ifname = strcmp(ns, ns_a) == 0 ? "va" : "vb";
		struct drv_link *link = NULL;
		if (job->what == SEND_DRIVER || job->what == RECV_DRIVER)
			link = open_driver(ifname, job->mode);
		switch (job->what) {
		case SEND_DRIVER:
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			r.count = driver_send(link, job->frame, job->secs);
			break;
		case SEND_SOCKET:
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			r.count = socket_send(job->frame, "10.199.0.2",
					      job->secs);
			break;
		case RECV_DRIVER:
			r.count = driver_receive(link, job->secs, ready[1],
						 &r.drops);
			break;
		case RECV_SOCKET:
			r.count = socket_receive(job->secs, ready[1], &r.drops);
			break;
		}
		r.cpu_s = cpu_seconds();
		drv_close(link);
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(res[1]);
	close(ready[1]);
	char c;
	if (read(ready[0], &c, 1) != 1)
		die("a measurement process failed to start");
	close(ready[0]);
	*result_fd = res[0];
	return pid;
}

static struct result collect(pid_t pid, int fd)
{
	struct result r = { 0, 0, 0 };
	if (read(fd, &r, sizeof(r)) != sizeof(r))
		die("a measurement process failed");
	close(fd);
	waitpid(pid, NULL, 0);
	return r;
}

struct tx_result {
	double sent_pps;
	double delivered_pps;
	double cpu_us; /* sender CPU time per frame sent, microseconds */
};

static struct tx_result measure_tx_once(const struct job *job)
{
	enter_ns(ns_b);
	uint64_t before = rx_packets("vb");
	int fd;
	pid_t pid = spawn(ns_a, 0, job, &fd);
	struct result r = collect(pid, fd);
	uint64_t after = rx_packets("vb");
	return (struct tx_result){ (double)r.count / job->secs,
				   (double)(after - before) / job->secs,
				   r.cpu_s * 1e6 /
					   (double)(r.count ? r.count : 1) };
}

struct rx_result {
	double pps;
	double drops_per_s;
};

static struct rx_result measure_rx_once(const struct job *job,
					const struct job *generator)
{
	int rfd, gfd;
	pid_t receiver = spawn(ns_a, 1, job, &rfd);
	pid_t gen = spawn(ns_b, 0, generator, &gfd);
	struct result r = collect(receiver, rfd);
	collect(gen, gfd);
	return (struct rx_result){ (double)r.count / job->secs,
				   (double)r.drops / job->secs };
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median, minimum and maximum of n values (sorted in place). */
struct spread {
	double median, min, max;
};

static struct spread spread_of(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return (struct spread){ median, v[0], v[n - 1] };
}

static void setup_topology(void)
{
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	snprintf(ns_a, sizeof(ns_a), "drvbench-a-%04x", rand() & 0xffff);
	snprintf(ns_b, sizeof(ns_b), "drvbench-b-%04x", rand() & 0xffff);
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (sh("ip netns add %s && ip netns add %s", ns_a, ns_b) < 0)
		die("cannot create namespaces");
	if (sh("ip -n %s link add va type veth peer name vb netns %s && "
	       "ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
	       "&& ip netns exec %s sysctl -qw "
	       "net.ipv6.conf.all.disable_ipv6=1 && "
	       "ip -n %s addr add 10.199.0.1/24 dev va && "
	       "ip -n %s addr add 10.199.0.2/24 dev vb && "
	       "ip -n %s link set va up && ip -n %s link set vb up",
	       ns_a, ns_b, ns_a, ns_b, ns_a, ns_b, ns_a, ns_b) < 0)
		die("cannot create the veth pair");
}

#define MAX_RUNS 9
#define VARIANTS 3 /* mmsg, ring, native */

static const char *const labels[VARIANTS] = {
	"mmsg (recvmmsg/sendmmsg)",
	"ring (TPACKET_V2 mmap)",
	"native: kernel UDP socket",
};

/* Prints the median (and range) of a[r] / b[r] over the runs. */
static void print_ratio(const char *name, const double *a, const double *b)
{
	double r[MAX_RUNS] = { 0 };
	for (unsigned i = 0; i < runs; i++)
		r[i] = b[i] > 0 ? a[i] / b[i] : 0;
	struct spread s = spread_of(r, runs);
	printf("  %-16s %5.2f (%.2f..%.2f)", name, s.median, s.min, s.max);
}

static void run_size(uint32_t size)
{
	uint8_t mac_a[6], mac_b[6];
	enter_ns(ns_a);
	if_mac("va", mac_a);
	enter_ns(ns_b);
	if_mac("vb", mac_b);
	struct frame to_b, to_a;
	build_frame(&to_b, size, mac_b, mac_a, "10.199.0.1", "10.199.0.2");
	build_frame(&to_a, size, mac_a, mac_b, "10.199.0.2", "10.199.0.1");
	const struct job send_jobs[VARIANTS] = {
		{ SEND_DRIVER, DRV_AFPACKET_MMSG, &to_b, seconds },
		{ SEND_DRIVER, DRV_AFPACKET_RING, &to_b, seconds },
		{ SEND_SOCKET, DRV_AFPACKET_MMSG, &to_b, seconds },
	};
	const struct job recv_jobs[VARIANTS] = {
		{ RECV_DRIVER, DRV_AFPACKET_MMSG, NULL, seconds },
		{ RECV_DRIVER, DRV_AFPACKET_RING, NULL, seconds },
		{ RECV_SOCKET, DRV_AFPACKET_MMSG, NULL, seconds },
	};
	/* One generator for every receive run, so the offered load differs
	 * only by what the receiving mode costs the kernel; it outlasts
	 * the receiver's window. */
	const struct job generator = { SEND_DRIVER, DRV_AFPACKET_MMSG, &to_a,
				       seconds + 2.5 };
	/* Each run measures every variant back to back, so that load from
	 * elsewhere on the machine hits them alike and the ratios of one
	 * run stay comparable. */
	double tx[VARIANTS][MAX_RUNS], tx_cpu[VARIANTS][MAX_RUNS];
	double rx[VARIANTS][MAX_RUNS], rx_drop[VARIANTS][MAX_RUNS];
	for (unsigned r = 0; r < runs; r++) {
		for (int v = 0; v < VARIANTS; v++) {
			struct tx_result t = measure_tx_once(&send_jobs[v]);
			tx[v][r] = t.delivered_pps;
			tx_cpu[v][r] = t.cpu_us;
		}
		for (int v = 0; v < VARIANTS; v++) {
			struct rx_result x =
				measure_rx_once(&recv_jobs[v], &generator);
			rx[v][r] = x.pps;
			rx_drop[v][r] = x.drops_per_s;
		}
	}
	printf("\n%u-byte frames, %u runs of %.1f s per variant, sender CPU "
	       "0, receiver CPU 1 (medians)\n",
	       size, runs, seconds);
	printf("  %-27s %10s %8s %10s %10s\n", "", "tx/s", "tx us/f", "rx/s",
	       "rx drop/s");
	double copy[MAX_RUNS];
	for (int v = 0; v < VARIANTS; v++) {
		double m[4];
		double *cols[4] = { tx[v], tx_cpu[v], rx[v], rx_drop[v] };
		for (int c = 0; c < 4; c++) {
			memcpy(copy, cols[c], runs * sizeof(double));
			m[c] = spread_of(copy, runs).median;
		}
		printf("  %-27s %10.0f %8.2f %10.0f %10.0f\n", labels[v], m[0],
		       m[1], m[2], m[3]);
	}
	printf("  paired ratios, median (min..max) over the runs:\n");
	print_ratio("tx ring/mmsg", tx[1], tx[0]);
	print_ratio("rx ring/mmsg", rx[1], rx[0]);
	printf("\n");
	print_ratio("tx mmsg/native", tx[0], tx[2]);
	print_ratio("rx mmsg/native", rx[0], rx[2]);
	printf("\n");
	print_ratio("tx ring/native", tx[1], tx[2]);
	print_ratio("rx ring/native", rx[1], rx[2]);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	uint32_t sizes[MAX_SIZES] = { 60, 1514 };
	unsigned nsizes = 2;
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "runs", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's') {
			seconds = atof(optarg);
			if (!(seconds >= 0.5 && seconds <= 60))
				die("--seconds: 0.5 to 60");
		} else if (c == 'r') {
			runs = (unsigned)atoi(optarg);
			if (runs < 1 || runs > MAX_RUNS)
				die("--runs: 1 to 9");
		} else if (c == 'z') {
			nsizes = 0;
			for (char *tok = strtok(optarg, ",");
			     tok && nsizes < MAX_SIZES;
			     tok = strtok(NULL, ",")) {
				long v = strtol(tok, NULL, 10);
				if (v < 60 || v > 1514)
					die("--sizes: frame sizes 60 to 1514");
				sizes[nsizes++] = (uint32_t)v;
			}
		} else {
			fprintf(stderr, "usage: drivers-bench [--seconds S] "
					"[--runs N] [--sizes 60,1514]\n");
			return 2;
		}
	}
	if (geteuid() != 0)
		die("needs root (network namespaces, AF_PACKET)");
	setup_topology();
	printf("drivers-bench: AF_PACKET on a veth pair between two "
	       "namespaces (pps: frames per second)\n");
	for (unsigned i = 0; i < nsizes; i++)
		run_size(sizes[i]);
	return 0;
}
