/* The netstack host: two hosts over an in-memory pipe exchange UDP and
 * TCP both ways; addresses and routes come from the config; a capture
 * holds the NICs' frames and the loopback's packets in one stream (read
 * back with libpcap: Ethernet frames, zero MACs and the IP version's
 * ethertype on the loopback, the filter applied, counters), to a file
 * and streamed to a pipe; the timer is armed for the stack's deadlines
 * (a retransmission fires with no traffic) and the links' (a frame
 * delayed by a fault wrapper); open errors name the culprit and leave
 * nothing open. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/fault.h"
#include "drivers/memlink.h"
#include "drivers/nethost.h"
#include "drv_test.h"
#include "hostrun.h"
#include "netstack/wire.h"

static const uint8_t ip_a[4] = { 10, 9, 0, 1 };
static const uint8_t ip_b[4] = { 10, 9, 0, 2 };

static struct ns_ifaddr v4_addr(const uint8_t ip[4], uint8_t plen)
{
	struct ns_ifaddr a = { .family = AF_INET, .prefix_len = plen };
	memcpy(a.addr, ip, 4);
	return a;
}

static struct sockaddr_in sin_of(const uint8_t ip[4], uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	memcpy(&sa.sin_addr, ip, 4);
	return sa;
}

/* A host whose one NIC is `link` (taken over), with ip/24. */
static struct drv_nethost *host_on(struct drv_link *link, const uint8_t ip[4],
				   const struct drv_nethost_capture *capture)
{
	struct ns_ifaddr addr = v4_addr(ip, 24);
	struct drv_nethost_nic nic = {
		.link = link,
		.flags = NS_NIC_F_NO_IPV6,
		.addrs = &addr,
		.naddrs = 1,
	};
	struct drv_nethost_config cfg = {
		.nics = &nic,
		.nnics = 1,
		.capture = capture,
	};
	struct drv_nethost *h;
	struct rs_error *err = NULL;
	drv_test_check_open(drv_nethost_open(&cfg, &h, &err), &err);
	return h;
}

static struct ns_socket *tcp_socket(struct drv_nethost *h, int family)
{
	struct ns_socket *s;
	assert_int_equal(ns_socket_create(drv_nethost_stack(h), family,
					  SOCK_STREAM, 0, &s),
			 0);
	return s;
}

static struct ns_socket *listen_on(struct drv_nethost *h,
				   const struct sockaddr *sa, socklen_t len)
{
	struct ns_socket *l = tcp_socket(h, sa->sa_family);
	assert_int_equal(ns_socket_bind(l, sa, len), 0);
	assert_int_equal(ns_socket_listen(l, 8), 0);
	return l;
}

/* ---- Two hosts over a pipe ----------------------------------------- */

struct udp_round {
	struct ns_socket *rx;
	char got[64];
	ssize_t len;
};

static bool udp_step(void *arg)
{
	struct udp_round *u = arg;
	u->len = ns_socket_recvfrom(u->rx, u->got, sizeof(u->got), 0, NULL,
				    NULL);
	return u->len != -EAGAIN;
}

static void test_two_hosts_exchange_udp_and_tcp(void **state)
{
	(void)state;
	struct drv_link *la, *lb;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ .gso = true }, &la,
			      &lb, &err),
		&err);
	struct drv_nethost *h[2] = { host_on(la, ip_a, NULL),
				     host_on(lb, ip_b, NULL) };
	assert_int_equal(drv_nethost_nic_count(h[0]), 1);
	assert_ptr_equal(drv_nethost_link(h[0], 0), la);
	assert_int_equal(drv_nethost_ifindex(h[0], 0), 2);

	/* UDP from a to b. */
	struct ns_socket *ua, *ub;
	assert_int_equal(ns_socket_create(drv_nethost_stack(h[0]), AF_INET,
					  SOCK_DGRAM, 0, &ua),
			 0);
	assert_int_equal(ns_socket_create(drv_nethost_stack(h[1]), AF_INET,
					  SOCK_DGRAM, 0, &ub),
			 0);
	struct sockaddr_in b7 = sin_of(ip_b, 7000);
	assert_int_equal(ns_socket_bind(ub, (struct sockaddr *)&b7, sizeof(b7)),
			 0);
	assert_int_equal(ns_socket_sendto(ua, "datagram", 8, 0,
					  (struct sockaddr *)&b7, sizeof(b7)),
			 8);
	struct udp_round u = { .rx = ub };
	assert_true(hostrun_until(h, 2, udp_step, &u, 5000));
	assert_int_equal(u.len, 8);
	assert_memory_equal(u.got, "datagram", 8);
	ns_socket_close(ua);
	ns_socket_close(ub);

	/* TCP both ways at once, 4 MiB each, through super-segments. */
	struct sockaddr_in b80 = sin_of(ip_b, 80);
	struct ns_socket *l =
		listen_on(h[1], (struct sockaddr *)&b80, sizeof(b80));
	struct ns_socket *c = tcp_socket(h[0], AF_INET);
	assert_int_equal(
		ns_socket_connect(c, (struct sockaddr *)&b80, sizeof(b80)),
		-EINPROGRESS);
	struct ns_socket *s = hostrun_accept(h, 2, l);
	struct hostrun_xfer up = {
		.from = { c, -1 }, .to = { s, -1 }, .total = 4u << 20, .seed = 1
	};
	struct hostrun_xfer down = {
		.from = { s, -1 }, .to = { c, -1 }, .total = 4u << 20, .seed = 2
	};
	struct hostrun_xfer *both[] = { &up, &down, NULL };
	assert_true(hostrun_until(h, 2, hostrun_xfers_step, both, 20000));
	assert_int_equal(up.received, 4u << 20);
	assert_int_equal(down.received, 4u << 20);
	/* Nothing was lost between them (the stacks' timers run on real
	 * time, so a stall of the test may still bring a probe). */
	assert_int_equal(drv_test_counter(la, "rx_dropped"), 0);
	assert_int_equal(drv_test_counter(lb, "rx_dropped"), 0);
	ns_socket_close(c);
	ns_socket_close(s);
	ns_socket_close(l);
	drv_nethost_close(h[0]);
	drv_nethost_close(h[1]);
}

static int count_route(void *arg, const struct ns_route *rt)
{
	static const uint8_t gw[4] = { 10, 9, 0, 254 };
	if (rt->family == AF_INET && rt->prefix_len == 0 &&
	    memcmp(rt->gateway, gw, 4) == 0 && rt->ifindex == 2)
		++*(int *)arg;
	return 0;
}

static int count_addr(void *arg, const struct ns_ifaddr *ifa)
{
	if (ifa->ifindex == 2 && ifa->family == AF_INET &&
	    memcmp(ifa->addr, ip_a, 4) == 0 && ifa->prefix_len == 24)
		++*(int *)arg;
	return 0;
}

static void test_config_names_mtu_addresses_routes(void **state)
{
	(void)state;
	struct ns_ifaddr addr = v4_addr(ip_a, 24);
	/* ifindex 0: the NIC's own. */
	struct ns_route rt = { .family = AF_INET,
			       .gateway = { 10, 9, 0, 254 } };
	struct drv_nethost_nic nic = {
		.spec = "loopback:mtu=9000",
		.name = "eth7",
		.mtu = 1400,
		.flags = NS_NIC_F_NO_IPV6,
		.addrs = &addr,
		.naddrs = 1,
		.routes = &rt,
		.nroutes = 1,
	};
	struct drv_nethost *h;
	struct rs_error *err = NULL;
	drv_test_check_open(drv_nethost_open(
				    &(struct drv_nethost_config){
					    .nics = &nic,
					    .nnics = 1,
				    },
				    &h, &err),
			    &err);
	struct ns_nic_info info;
	assert_int_equal(ns_stack_nic_info(drv_nethost_stack(h), 2, &info), 0);
	assert_string_equal(info.name, "eth7");
	assert_int_equal(info.mtu, 1400);
	int n = 0;
	ns_stack_foreach_addr(drv_nethost_stack(h), count_addr, &n);
	assert_int_equal(n, 1);
	n = 0;
	ns_stack_foreach_route(drv_nethost_stack(h), count_route, &n);
	assert_int_equal(n, 1);
	assert_string_equal(drv_kind(drv_nethost_link(h, 0)), "loopback");
	uint64_t v = 7;
	assert_int_equal(drv_nethost_counter(h, "link_down", &v), 0);
	assert_int_equal(v, 0);
	/* No capture: no capture counters. */
	assert_int_equal(drv_nethost_counter(h, "lo_pcap_frames", &v), -ENOENT);
	drv_nethost_close(h);
}

/* The error text of a failed open, which must have left nothing open
 * (ASan's leak check and the fd count tell). */
static void open_fails(const struct drv_nethost_config *cfg, int want,
		       const char *text)
{
	struct drv_nethost *h = NULL;
	struct rs_error *err = NULL;
	int r = drv_nethost_open(cfg, &h, &err);
	char buf[512];
	const char *msg = rs_error_format(err, buf, sizeof(buf));
	if (r != -want)
		fail_msg("%d: %s", r, msg);
	if (strstr(msg, text) == NULL)
		fail_msg("`%s` does not name `%s`", msg, text);
	rs_error_free(err);
}

static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void test_open_errors_name_the_part_and_close_all(void **state)
{
	(void)state;
	int fds = open_fds();
	struct drv_nethost_nic bad_spec = { .spec = "loopback:mtu=x" };
	open_fails(
		&(struct drv_nethost_config){ .nics = &bad_spec, .nnics = 1 },
		EINVAL, "mtu");

	/* The second NIC's address is refused: the first NIC, the given
	 * link and the capture are all closed again. */
	struct drv_link *la, *lb;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &la, &lb, &err),
		&err);
	struct ns_ifaddr a = v4_addr(ip_a, 24), bad = v4_addr(ip_b, 40);
	struct drv_nethost_nic nics[] = {
		{ .spec = "loopback:mtu=1500", .addrs = &a, .naddrs = 1 },
		{ .link = la, .addrs = &bad, .naddrs = 1 },
	};
	struct drv_nethost_capture cap = { .path = "/dev/null", .fd = -1 };
	open_fails(&(struct drv_nethost_config){ .nics = nics,
						 .nnics = 2,
						 .capture = &cap },
		   EINVAL, "address `10.9.0.2/40`");
	drv_close(lb);

	struct drv_nethost_nic both = { .spec = "loopback" };
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &la, &lb, &err),
		&err);
	both.link = la;
	open_fails(&(struct drv_nethost_config){ .nics = &both, .nnics = 1 },
		   EINVAL, "a spec or a link");
	drv_close(lb);

	struct drv_nethost_capture bad_filter = { .path = "/dev/null",
						  .fd = -1,
						  .filter = "tcp port" };
	open_fails(&(struct drv_nethost_config){ .capture = &bad_filter },
		   EINVAL, "filter `tcp port`");
	struct drv_nethost_nic big = { .spec = "loopback:mtu=1500",
				       .mtu = 9000 };
	open_fails(&(struct drv_nethost_config){ .nics = &big, .nnics = 1 },
		   EINVAL, "MTU 9000");
	assert_int_equal(open_fds(), fds);
}

/* ---- Capture -------------------------------------------------------- */

struct frames {
	unsigned total, v4, v6, zero_mac, arp, tcp, udp, icmp;
};

static void count_frames(pcap_t *p, struct frames *f)
{
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	static const uint8_t zero[12];
	while (pcap_next_ex(p, &hdr, &data) == 1) {
		assert_true(hdr->caplen >= 14);
		f->total++;
		uint16_t type = ns_get_be16(data + 12);
		bool zero_mac = memcmp(data, zero, 12) == 0;
		f->zero_mac += zero_mac;
		f->arp += type == 0x0806;
		if (type == 0x0800) {
			f->v4++;
			assert_int_equal(data[14] >> 4, 4);
			f->tcp += data[14 + 9] == 6;
			f->udp += data[14 + 9] == 17;
			f->icmp += data[14 + 9] == 1;
		} else if (type == 0x86dd) {
			f->v6++;
			assert_int_equal(data[14] >> 4, 6);
			f->tcp += data[14 + 6] == 6;
			f->udp += data[14 + 6] == 17;
			f->icmp += data[14 + 6] == 58;
		}
	}
	pcap_close(p);
}

static void read_capture(const char *path, struct frames *f)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL)
		fail_msg("%s", errbuf);
	count_frames(p, f);
}

struct lo_talk {
	struct ns_socket *c, *s;
	char buf[16];
	size_t got;
};

static bool lo_read(void *arg)
{
	struct lo_talk *t = arg;
	ssize_t r = ns_socket_recvfrom(t->s, t->buf + t->got,
				       sizeof(t->buf) - t->got, 0, NULL, NULL);
	if (r > 0)
		t->got += (size_t)r;
	return t->got == 5;
}

/* A TCP exchange over the loopback, v4 or v6, then a UDP datagram to a
 * closed port (answered with an ICMP error). */
static void loopback_traffic(struct drv_nethost *h, int family)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
		*sa = sin_of((const uint8_t[]){ 127, 0, 0, 1 }, 5000);
		len = sizeof(*sa);
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(5000);
		sa->sin6_addr = in6addr_loopback;
		len = sizeof(*sa);
	}
	struct ns_socket *l = listen_on(h, (struct sockaddr *)&ss, len);
	struct lo_talk t = { .c = tcp_socket(h, family) };
	assert_int_equal(ns_socket_connect(t.c, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	t.s = hostrun_accept(&h, 1, l);
	assert_int_equal(ns_socket_sendto(t.c, "hello", 5, 0, NULL, 0), 5);
	assert_true(hostrun_until(&h, 1, lo_read, &t, 5000));
	assert_memory_equal(t.buf, "hello", 5);
	ns_socket_close(t.c);
	ns_socket_close(t.s);
	ns_socket_close(l);

	struct ns_socket *u;
	assert_int_equal(ns_socket_create(drv_nethost_stack(h), family,
					  SOCK_DGRAM, 0, &u),
			 0);
	((struct sockaddr_in *)&ss)->sin_port = htons(5001);
	assert_int_equal(
		ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&ss, len), 1);
	ns_socket_close(u);
	drv_nethost_flush(h);
}

static uint64_t host_counter(struct drv_nethost *h, const char *name)
{
	uint64_t v;
	assert_int_equal(drv_nethost_counter(h, name, &v), 0);
	return v;
}

static void test_loopback_tcp_captured(void **state)
{
	(void)state;
	char path[] = "/tmp/nethost-cap.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct drv_nethost_capture cap = { .path = path, .fd = -1 };
	struct drv_nethost *h;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_nethost_open(
			&(struct drv_nethost_config){ .capture = &cap }, &h,
			&err),
		&err);
	assert_int_equal(drv_nethost_nic_count(h), 0);
	loopback_traffic(h, AF_INET);
	loopback_traffic(h, AF_INET6);
	uint64_t frames = host_counter(h, "lo_pcap_frames");
	assert_int_equal(host_counter(h, "lo_pcap_filtered"), 0);
	assert_int_equal(host_counter(h, "lo_pcap_dropped"), 0);
	/* Six TCP segments at least per connection, and a datagram. */
	assert_true(frames >= 2 * (6 + 1));
	drv_nethost_close(h);

	struct frames f = { 0 };
	read_capture(path, &f);
	unlink(path);
	assert_int_equal(f.total, frames);
	assert_int_equal(f.zero_mac, f.total);
	assert_int_equal(f.v4 + f.v6, f.total);
	assert_true(f.v4 >= 7 && f.v6 >= 7);
	assert_int_equal(f.udp, 2);
	assert_int_equal(f.icmp, 2);
	assert_int_equal(f.tcp, f.total - 4);
}

static bool arp_reply_from_a(const struct ns_pkt *pkt, void *arg)
{
	(void)arg;
	return drv_test_is_arp_reply(pkt, ip_a, NULL);
}

/* One stream, one filter: the NIC's frames (here ARP) and the loopback's
 * packets (TCP kept, UDP filtered out). */
static void test_capture_joins_nic_and_loopback_through_filter(void **state)
{
	(void)state;
	char path[] = "/tmp/nethost-cap.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct drv_link *la, *peer;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &la, &peer, &err),
		&err);
	struct drv_nethost_capture cap = { .path = path,
					   .fd = -1,
					   .filter = "arp or tcp" };
	struct drv_nethost *h = host_on(la, ip_a, &cap);
	struct drv_link *nic = drv_nethost_link(h, 0);
	assert_string_equal(drv_kind(nic), "pcap");
	/* The gratuitous ARP of the address, then a request and reply. */
	uint8_t peer_mac[6];
	memcpy(peer_mac, drv_info(peer)->mac, 6);
	assert_int_equal(
		drv_xmit(peer, drv_test_arp_request(peer_mac, ip_b, ip_a)), 0);
	assert_true(poll(&(struct pollfd){ drv_nethost_fd(h), POLLIN, 0 }, 1,
			 1000) == 1);
	assert_int_equal(drv_nethost_run(h, NULL, NULL), 0);
	struct ns_pkt *reply =
		drv_test_wait_for(peer, arp_reply_from_a, NULL, 1000);
	assert_non_null(reply);
	ns_pkt_free(reply);
	loopback_traffic(h, AF_INET);

	uint64_t nic_frames = drv_test_counter(nic, "pcap_frames");
	uint64_t lo_frames = host_counter(h, "lo_pcap_frames");
	assert_int_equal(nic_frames, 3);
	/* The datagram and its ICMP error. */
	assert_int_equal(host_counter(h, "lo_pcap_filtered"), 2);
	assert_true(lo_frames >= 6);
	assert_int_equal(host_counter(h, "pcap_write_errors"), 0);
	drv_nethost_close(h);
	drv_close(peer);

	struct frames f = { 0 };
	read_capture(path, &f);
	unlink(path);
	assert_int_equal(f.total, nic_frames + lo_frames);
	assert_int_equal(f.arp, 3);
	assert_int_equal(f.udp + f.icmp, 0);
	assert_int_equal(f.tcp, lo_frames);
	assert_int_equal(f.zero_mac, lo_frames);
}

static void test_capture_streams_to_a_pipe(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* Room for the whole capture: the test reads it after the host is
	 * closed. */
	assert_true(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= 0);
	struct drv_nethost_capture cap = { .fd = p[1], .snaplen = 60 };
	struct drv_nethost *h;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_nethost_open(
			&(struct drv_nethost_config){ .capture = &cap }, &h,
			&err),
		&err);
	/* The stream fd is borrowed: the host has its own duplicate. */
	close(p[1]);
	loopback_traffic(h, AF_INET6);
	uint64_t frames = host_counter(h, "lo_pcap_frames");
	drv_nethost_close(h);

	FILE *in = fdopen(p[0], "r");
	assert_non_null(in);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_fopen_offline(in, errbuf);
	if (pc == NULL)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_snapshot(pc), 60);
	struct frames f = { 0 };
	count_frames(pc, &f); /* closes the stream */
	assert_int_equal(f.total, frames);
	assert_int_equal(f.v6, frames);
}

/* ---- Deadlines ------------------------------------------------------ */

static uint64_t monotonic_ms(void)
{
	return drv_monotonic_ns() / 1000000u;
}

static bool is_arp_request(const struct ns_pkt *pkt, void *arg)
{
	(void)arg;
	uint8_t hdr[22];
	return pkt->len >= 42 && ns_pkt_copy_out(pkt, 0, hdr, 22) == 0 &&
	       ns_get_be16(hdr + 12) == 0x0806 && ns_get_be16(hdr + 20) == 1;
}

/* Nobody answers the ARP request for a datagram's next hop: the stack
 * asks again when its timer fires, and the host's fd wakes the owner for
 * it, no sooner, with nothing received in between. */
static void test_stack_timer_fires_without_traffic(void **state)
{
	(void)state;
	struct drv_link *la, *peer;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &la, &peer, &err),
		&err);
	struct drv_nethost *h = host_on(la, ip_a, NULL);
	struct ns_pkt *pkt;
	/* The gratuitous ARP of the address. */
	while (drv_rx_burst(peer, &pkt, 1) == 1)
		ns_pkt_free(pkt);
	struct ns_socket *u;
	assert_int_equal(ns_socket_create(drv_nethost_stack(h), AF_INET,
					  SOCK_DGRAM, 0, &u),
			 0);
	struct sockaddr_in to = sin_of((const uint8_t[]){ 10, 9, 0, 9 }, 9);
	assert_int_equal(ns_socket_sendto(u, "?", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	drv_nethost_flush(h);
	pkt = drv_test_wait_for(peer, is_arp_request, NULL, 0);
	assert_non_null(pkt);
	ns_pkt_free(pkt);

	uint64_t deadline = drv_nethost_next_deadline(h);
	assert_true(deadline != NS_TIME_NEVER);
	assert_true(deadline > drv_monotonic_ns());
	struct pollfd p = { drv_nethost_fd(h), POLLIN, 0 };
	assert_int_equal(poll(&p, 1, 0), 0);
	uint64_t t0 = monotonic_ms();
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_true(drv_monotonic_ns() >= deadline);
	assert_true(monotonic_ms() - t0 < 4000);
	assert_int_equal(drv_nethost_run(h, NULL, NULL), 0);
	pkt = drv_test_wait_for(peer, is_arp_request, NULL, 0);
	assert_non_null(pkt);
	ns_pkt_free(pkt);
	/* Cleared and re-armed for the next one. */
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_true(drv_nethost_next_deadline(h) > deadline);
	ns_socket_close(u);
	drv_nethost_close(h);
	drv_close(peer);
}

#define VIRTUAL_NOW 1000
#define DELAY_NS    50

/* A frame the fault wrapper holds back gets its release time into the
 * host's deadline at the next flush, not at the next unrelated wake-up. */
static void test_flush_arms_for_frames_a_link_delays(void **state)
{
	(void)state;
	uint64_t now = VIRTUAL_NOW;
	struct rs_error *err = NULL;
	struct drv_link *a, *peer, *link;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &a, &peer, &err),
		&err);
	struct drv_fault_link_config fc = {
		.fault = { .delay = 1, .delay_ns = DELAY_NS },
		.dir = DRV_FAULT_TX,
		.clock = { drv_test_clock_now, &now },
	};
	drv_test_check_open(drv_fault_wrap(a, &fc, &link, &err), &err);
	/* No address, no IPv6: the stack has no timer of its own. */
	struct drv_nethost_nic nic = { .link = link,
				       .flags = NS_NIC_F_NO_IPV6 };
	struct drv_nethost *h;
	drv_test_check_open(
		drv_nethost_open(&(struct drv_nethost_config){ .nics = &nic,
							       .nnics = 1 },
				 &h, &err),
		&err);
	assert_int_equal(drv_nethost_next_deadline(h), NS_TIME_NEVER);
	uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(
		drv_xmit(link, drv_test_frame(bcast, bcast, 0x88b5, 46, 0)), 0);
	drv_nethost_flush(h);
	assert_int_equal(drv_nethost_next_deadline(h), VIRTUAL_NOW + DELAY_NS);
	/* Due (on the virtual clock, long past on the host's): the fd
	 * fires and the run releases the frame. */
	now = VIRTUAL_NOW + DELAY_NS;
	assert_int_equal(
		poll(&(struct pollfd){ drv_nethost_fd(h), POLLIN, 0 }, 1, 1000),
		1);
	assert_int_equal(drv_nethost_run(h, NULL, NULL), 0);
	assert_int_equal(drv_nethost_next_deadline(h), NS_TIME_NEVER);
	struct ns_pkt *pkt = drv_test_rx_one(peer);
	ns_pkt_free(pkt);
	drv_nethost_close(h);
	drv_close(peer);
}

/* after_rx runs after each burst, so the owner's readers see the data of
 * one burst before the next comes in. */
struct burst_watch {
	struct drv_nethost *h;
	unsigned calls;
	uint64_t rx_seen;
};

static void after_rx(void *arg)
{
	struct burst_watch *w = arg;
	w->calls++;
	ns_stack_stat_by_name(drv_nethost_stack(w->h), "Link.InFrames",
			      &w->rx_seen);
}

static void test_receive_in_bounded_bursts(void **state)
{
	(void)state;
	struct drv_link *la, *peer;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ .queue_len = 4096 },
			      &la, &peer, &err),
		&err);
	struct drv_nethost *h = host_on(la, ip_a, NULL);
	uint8_t mac_a[6], mac_b[6];
	memcpy(mac_a, drv_info(la)->mac, 6);
	memcpy(mac_b, drv_info(peer)->mac, 6);
	/* 200 frames the stack drops (unknown ethertype): four bursts of
	 * 64, 64, 64 and 8. */
	for (uint32_t i = 0; i < 200; i++)
		assert_int_equal(drv_xmit(peer, drv_test_frame(mac_a, mac_b,
							       0x88b5, 46, i)),
				 0);
	struct burst_watch w = { .h = h };
	assert_int_equal(drv_nethost_run(h, after_rx, &w), 0);
	assert_int_equal(w.calls, 4);
	assert_int_equal(w.rx_seen, 200);
	drv_nethost_close(h);
	drv_close(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_hosts_exchange_udp_and_tcp),
		cmocka_unit_test(test_config_names_mtu_addresses_routes),
		cmocka_unit_test(test_open_errors_name_the_part_and_close_all),
		cmocka_unit_test(test_loopback_tcp_captured),
		cmocka_unit_test(
			test_capture_joins_nic_and_loopback_through_filter),
		cmocka_unit_test(test_capture_streams_to_a_pipe),
		cmocka_unit_test(test_stack_timer_fires_without_traffic),
		cmocka_unit_test(test_flush_arms_for_frames_a_link_delays),
		cmocka_unit_test(test_receive_in_bounded_bursts),
	};
	return cmocka_run_group_tests_name("drivers/nethost", tests, NULL,
					   NULL);
}
