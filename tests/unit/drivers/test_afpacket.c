/* The AF_PACKET driver, live, in both modes (recvmmsg/sendmmsg and
 * PACKET_MMAP rings): in a network namespace of its own the test takes
 * over one end of a veth pair whose other end the kernel owns, exchanges
 * ARP and ICMP echo with it, checks the kernel's own transmissions on
 * that interface are not received, runs
 * two drivers back to back in opposite modes, sees the kernel's offloaded
 * checksums arrive vouched for, carries a TCP connection with the kernel
 * (with TSO and coalesced frames in mmsg mode), and opens in another
 * namespace. Skips without root. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/afpacket.h"
#include "drv_test.h"
#include "exchange.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

static bool have_netns;

static enum drv_afpacket_mode mode_of(void **state)
{
	return *(enum drv_afpacket_mode *)*state;
}

static struct drv_link *open_afp(const char *iface, enum drv_afpacket_mode mode,
				 const char *netns)
{
	struct drv_afpacket_config cfg = { .mode = mode, .netns = netns };
	snprintf(cfg.iface, sizeof(cfg.iface), "%s", iface);
	struct drv_link *link;
	struct rs_error *err = NULL;
	drv_test_check_open(drv_afpacket_open(&cfg, &link, &err), &err);
	return link;
}

/* A veth pair named <a>/<b> with IPv6 off (no stray solicitations), both
 * up; b gets 10.78.<n>.1/24 and knows 10.78.<n>.2 at a's MAC. */
static void veth_with_kernel_peer(const char *a, const char *b, unsigned n)
{
	uint8_t mac[6];
	assert_int_equal(
		drv_test_sh("ip link add %s type veth peer name %s", a, b), 0);
	kernel_if_mac(a, mac);
	assert_int_equal(
		drv_test_sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1 "
			    "net.ipv6.conf.%s.disable_ipv6=1 && "
			    "ip link set %s up && ip link set %s up && "
			    "ip addr add 10.78.%u.1/24 dev %s && "
			    "ip neigh replace 10.78.%u.2 dev %s lladdr "
			    "%02x:%02x:%02x:%02x:%02x:%02x",
			    a, b, a, b, n, b, n, b, mac[0], mac[1], mac[2],
			    mac[3], mac[4], mac[5]),
		0);
}

static void test_arp_and_ping_through_veth(void **state)
{
	enum drv_afpacket_mode mode = mode_of(state);
	unsigned n = mode == DRV_AFPACKET_RING ? 1 : 0;
	char a[16], b[16];
	snprintf(a, sizeof(a), "drvpa%u", n);
	snprintf(b, sizeof(b), "drvpb%u", n);
	veth_with_kernel_peer(a, b, n);
	struct drv_link *link = open_afp(a, mode, NULL);
	assert_string_equal(drv_kind(link), "afpacket");
	assert_string_equal(drv_info(link)->name, a);
	assert_int_equal(drv_info(link)->mtu, 1500);
	uint8_t mac[6];
	kernel_if_mac(a, mac);
	assert_memory_equal(drv_info(link)->mac, mac, 6);
	if (mode == DRV_AFPACKET_MMSG)
		assert_int_equal(drv_info(link)->caps,
				 NS_LINK_CAP_TX_CSUM | NS_LINK_CAP_TSO |
					 NS_LINK_CAP_RX_CSUM |
					 NS_LINK_CAP_RX_GRO);
	else
		assert_int_equal(drv_info(link)->caps, NS_LINK_CAP_RX_CSUM);

	uint8_t stack_ip[4] = { 10, 78, (uint8_t)n, 2 };
	uint8_t kernel_ip[4] = { 10, 78, (uint8_t)n, 1 };
	struct peer p = { link, stack_ip, kernel_ip, { 0 } };
	exchange_arp(&p);
	kernel_if_mac(b, mac);
	assert_memory_equal(p.kernel_mac, mac, 6);
	exchange_pings(&p, 0x4242, 1, 1, 56);
	exchange_pings(&p, 0x4242, 2, 1, 1500 - 28);
	exchange_pings(&p, 0x4242, 100, 300, 200);
	assert_int_equal(drv_test_counter(link, "tx_packets"), 303);
	assert_true(drv_test_counter(link, "rx_packets") >= 303);
	assert_int_equal(drv_test_counter(link, "rx_errors"), 0);
	assert_int_equal(drv_test_counter(link, "rx_kernel_drops"), 0);
	drv_close(link);
	assert_int_equal(drv_test_sh("ip link del %s", a), 0);
}

struct no_outgoing {
	unsigned kernel_frames_seen;
	const uint8_t *kernel_ip;
};

static bool reply_without_outgoing(const struct ns_pkt *pkt, void *arg)
{
	struct no_outgoing *w = arg;
	uint8_t f[14 + 20 + 4];
	if (ns_pkt_copy_out(pkt, 0, f, sizeof(f)) == 0 &&
	    ns_get_be16(f + 12) == 0x0800 && f[14 + 9] == 17 &&
	    ns_get_be16(f + 14 + 20 + 2) == 7777)
		w->kernel_frames_seen++;
	return drv_test_is_echo_reply(pkt, w->kernel_ip, 9, 9);
}

/* The kernel of the namespace may still transmit on the interface the
 * stack took over; those frames are PACKET_OUTGOING there and are not
 * the stack's to receive. */
static void test_kernel_transmissions_are_not_received(void **state)
{
	enum drv_afpacket_mode mode = mode_of(state);
	unsigned n = mode == DRV_AFPACKET_RING ? 3 : 2;
	char a[16], b[16];
	snprintf(a, sizeof(a), "drvpa%u", n);
	snprintf(b, sizeof(b), "drvpb%u", n);
	veth_with_kernel_peer(a, b, n);
	assert_int_equal(drv_test_sh("ip addr add 10.79.%u.1/24 dev %s && "
				     "ip neigh replace 10.79.%u.9 dev %s "
				     "lladdr 02:00:00:00:00:99",
				     n, a, n, a),
			 0);
	struct drv_link *link = open_afp(a, mode, NULL);
	uint8_t stack_ip[4] = { 10, 78, (uint8_t)n, 2 };
	uint8_t kernel_ip[4] = { 10, 78, (uint8_t)n, 1 };
	uint8_t kmac[6];
	kernel_if_mac(b, kmac);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7777) };
	char dst[16];
	snprintf(dst, sizeof(dst), "10.79.%u.9", n);
	inet_pton(AF_INET, dst, &to.sin_addr);
	for (int i = 0; i < 10; i++)
		assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&to,
					sizeof(to)),
				 1);
	close(s);
	/* A ping after them: its reply is queued after any of the kernel's
	 * frames would be, so seeing it proves none came. */
	drv_xmit(link, drv_test_icmp_echo(kmac, drv_info(link)->mac, stack_ip,
					  kernel_ip, 9, 9, 10));
	assert_int_equal(drv_flush(link), 0);
	struct no_outgoing w = { 0, kernel_ip };
	struct ns_pkt *reply =
		drv_test_wait_for(link, reply_without_outgoing, &w, 5000);
	assert_non_null(reply);
	ns_pkt_free(reply);
	assert_int_equal(w.kernel_frames_seen, 0);
	drv_close(link);
	assert_int_equal(drv_test_sh("ip link del %s", a), 0);
}

struct seq_wait {
	const uint8_t *src;
	uint32_t next;
	uint32_t last;
	uint32_t payload;
};

/* Frames from src must come in order and intact; matches on the last. */
static bool in_order_until_last(const struct ns_pkt *pkt, void *arg)
{
	struct seq_wait *w = arg;
	if (pkt->len < 14 || memcmp(pkt->data + 6, w->src, 6) != 0 ||
	    ns_get_be16(pkt->data + 12) != 0x88b5)
		return false;
	uint8_t dst[6];
	memcpy(dst, pkt->data, 6);
	if (!drv_test_frame_matches(pkt, dst, w->src, 0x88b5, w->payload,
				    w->next))
		fail_msg("frame %u out of order or damaged", w->next);
	return w->next++ == w->last;
}

/* Sends `count` numbered frames from one driver to the other in batches
 * the receiver drains in between, and checks each arrives once, in
 * order, unchanged. */
static void stream(struct drv_link *from, struct drv_link *to, uint32_t count,
		   uint32_t payload)
{
	const uint8_t *src = drv_info(from)->mac, *dst = drv_info(to)->mac;
	struct seq_wait w = { src, 0, 0, payload };
	for (uint32_t sent = 0; sent < count;) {
		uint32_t batch = count - sent < 100 ? count - sent : 100;
		for (uint32_t i = 0; i < batch; i++)
			assert_int_equal(
				drv_xmit(from,
					 drv_test_frame(dst, src, 0x88b5,
							payload, sent + i)),
				0);
		assert_int_equal(drv_flush(from), 0);
		sent += batch;
		w.last = sent - 1;
		struct ns_pkt *last =
			drv_test_wait_for(to, in_order_until_last, &w, 5000);
		if (last == NULL)
			fail_msg("frames %u..%u did not all arrive", w.next,
				 w.last);
		ns_pkt_free(last);
	}
}

static void test_two_drivers_back_to_back(void **state)
{
	enum drv_afpacket_mode mode = mode_of(state);
	enum drv_afpacket_mode other = mode == DRV_AFPACKET_RING
					       ? DRV_AFPACKET_MMSG
					       : DRV_AFPACKET_RING;
	const char *a = mode == DRV_AFPACKET_RING ? "drvqa1" : "drvqa0";
	const char *b = mode == DRV_AFPACKET_RING ? "drvqb1" : "drvqb0";
	assert_int_equal(drv_test_sh("ip link add %s type veth peer name %s "
				     "&& ip link set %s up && "
				     "ip link set %s up",
				     a, b, a, b),
			 0);
	struct drv_link *la = open_afp(a, mode, NULL);
	struct drv_link *lb = open_afp(b, other, NULL);
	stream(la, lb, 1000, 100);
	stream(lb, la, 1000, 1500);
	assert_int_equal(drv_test_counter(la, "tx_packets"), 1000);
	assert_int_equal(drv_test_counter(lb, "tx_packets"), 1000);
	assert_int_equal(drv_test_counter(la, "tx_dropped"), 0);
	drv_close(la);
	drv_close(lb);
	assert_int_equal(drv_test_sh("ip link del %s", a), 0);
}

static bool is_tcp_syn(const struct ns_pkt *pkt, void *arg)
{
	(void)arg;
	uint8_t f[14 + 20 + 14];
	return ns_pkt_copy_out(pkt, 0, f, sizeof(f)) == 0 &&
	       ns_get_be16(f + 12) == 0x0800 && f[14 + 9] == 6 &&
	       (f[14 + 20 + 13] & 0x02);
}

static void test_kernel_checksum_offload_arrives_vouched_for(void **state)
{
	enum drv_afpacket_mode mode = mode_of(state);
	unsigned n = mode == DRV_AFPACKET_RING ? 5 : 4;
	char a[16], b[16], ip[16];
	snprintf(a, sizeof(a), "drvpa%u", n);
	snprintf(b, sizeof(b), "drvpb%u", n);
	snprintf(ip, sizeof(ip), "10.78.%u.2", n);
	veth_with_kernel_peer(a, b, n);
	struct drv_link *link = open_afp(a, mode, NULL);
	/* The kernel's TCP leaves the checksum to the veth's offload: the
	 * frame arrives with it unfilled, which the driver must flag. */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(5000) };
	inet_pton(AF_INET, ip, &to.sin_addr);
	assert_int_equal(connect(s, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	struct ns_pkt *syn = drv_test_wait_for(link, is_tcp_syn, NULL, 5000);
	assert_non_null(syn);
	assert_true(syn->flags & NS_PKT_F_CSUM_VALID);
	ns_pkt_free(syn);
	close(s);
	drv_close(link);
	assert_int_equal(drv_test_sh("ip link del %s", a), 0);
}

static void test_tcp_with_the_kernel(void **state)
{
	enum drv_afpacket_mode mode = mode_of(state);
	unsigned n = mode == DRV_AFPACKET_RING ? 7 : 6;
	char a[16], b[16];
	snprintf(a, sizeof(a), "drvpa%u", n);
	snprintf(b, sizeof(b), "drvpb%u", n);
	veth_with_kernel_peer(a, b, n);
	struct drv_link *link = open_afp(a, mode, NULL);
	uint8_t stack_ip[4] = { 10, 78, (uint8_t)n, 2 };
	uint8_t kernel_ip[4] = { 10, 78, (uint8_t)n, 1 };
	struct peer p = { link, stack_ip, kernel_ip, { 0 } };
	exchange_arp(&p);
	if (mode == DRV_AFPACKET_MMSG) {
		/* A TSO super-segment out; the kernel's TSO over the veth
		 * arrives as coalesced frames beyond the MTU. */
		unsigned coalesced = exchange_tcp(&p, 8000, 3 * 1448, 200000);
		assert_true(coalesced > 0);
	} else {
		/* The ring holds MTU-size frames: the kernel peer must not
		 * send super-segments (as a host without TSO would not). */
		assert_int_equal(drv_test_sh("ip link set %s gso_max_size "
					     "1500",
					     b),
				 0);
		assert_int_equal(exchange_tcp(&p, 8000, 0, 200000), 0);
	}
	assert_int_equal(drv_test_counter(link, "rx_errors"), 0);
	assert_int_equal(drv_test_counter(link, "tx_errors"), 0);
	drv_close(link);
	assert_int_equal(drv_test_sh("ip link del %s", a), 0);
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h */
#endif

struct udp_wait {
	uint16_t port;
	uint32_t next; /* index of the next datagram expected */
	uint32_t total;
	uint16_t first_id;
};

/* Datagrams to `port` arrive in order: 5 of 1000 bytes and one of 500
 * (from one super-datagram), then one of 7 bytes sent afterwards. */
static bool udp_in_order(const struct ns_pkt *pkt, void *arg)
{
	struct udp_wait *w = arg;
	uint8_t f[14 + 20 + 8 + 1000];
	if (pkt->len < 42 || pkt->len > sizeof(f) ||
	    ns_pkt_copy_out(pkt, 0, f, pkt->len) < 0 ||
	    ns_get_be16(f + 12) != 0x0800 || f[14 + 9] != 17 ||
	    ns_get_be16(f + 14 + 20 + 2) != w->port)
		return false;
	uint32_t want = w->next < 5 ? 1000 : w->next == 5 ? 500 : 7;
	uint32_t len = ns_get_be16(f + 14 + 20 + 4) - 8u;
	if (len != want || pkt->len != 42 + len)
		fail_msg("datagram %u: %u bytes, want %u", w->next, len, want);
	for (uint32_t i = 0; i < len; i++)
		assert_int_equal(f[42 + i], (uint8_t)(w->next * 1000 + i));
	/* The split datagrams have their checksums filled in and
	 * consecutive IPv4 ids; the kernel's own last datagram leaves its
	 * UDP checksum to the veth's offload, flagged. */
	const uint8_t *ip = f + 14;
	assert_int_equal(ns_csum_fold(ns_csum_partial(ip, 20, 0)), 0);
	assert_true(pkt->flags & NS_PKT_F_CSUM_VALID);
	uint32_t sum = ns_csum_pseudo4(ip + 12, ip + 16, 17, 8 + len);
	if (w->next < 6)
		assert_int_equal(
			ns_csum_fold(ns_csum_add(
				sum, ns_csum_partial(ip + 20, 8 + len, 0))),
			0);
	if (w->next == 0)
		w->first_id = ns_get_be16(ip + 4);
	else if (w->next < 6)
		assert_int_equal(ns_get_be16(ip + 4),
				 (uint16_t)(w->first_id + w->next));
	return ++w->next == w->total;
}

/* mmsg mode only: the ring holds MTU-size frames. */
static void test_udp_super_datagrams_are_split(void **state)
{
	(void)state;
	veth_with_kernel_peer("drvpa8", "drvpb8", 8);
	struct drv_link *link = open_afp("drvpa8", DRV_AFPACKET_MMSG, NULL);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int gso = 1000;
	assert_int_equal(setsockopt(s, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)),
			 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7000) };
	inet_pton(AF_INET, "10.78.8.2", &to.sin_addr);
	uint8_t data[5500];
	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	assert_int_equal(sendto(s, data, sizeof(data), 0,
				(struct sockaddr *)&to, sizeof(to)),
			 sizeof(data));
	gso = 0;
	setsockopt(s, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso));
	for (uint32_t i = 0; i < 7; i++)
		data[i] = (uint8_t)(6000 + i);
	assert_int_equal(
		sendto(s, data, 7, 0, (struct sockaddr *)&to, sizeof(to)), 7);
	close(s);
	struct udp_wait w = { 7000, 0, 7, 0 };
	struct ns_pkt *last = drv_test_wait_for(link, udp_in_order, &w, 5000);
	if (last == NULL)
		fail_msg("%u of 7 datagrams arrived", w.next);
	ns_pkt_free(last);
	assert_int_equal(drv_test_counter(link, "rx_udp_gso_split"), 1);
	assert_int_equal(drv_test_counter(link, "rx_errors"), 0);
	drv_close(link);
	assert_int_equal(drv_test_sh("ip link del drvpa8"), 0);
}

/* Ring mode only: the interface going away ends the link with -EIO, and
 * what was queued is counted as dropped. */
static void test_vanished_interface_fails_the_ring_link(void **state)
{
	(void)state;
	veth_with_kernel_peer("drvpa9", "drvpb9", 9);
	struct drv_link *link = open_afp("drvpa9", DRV_AFPACKET_RING, NULL);
	const uint8_t *src = drv_info(link)->mac;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(drv_test_sh("ip link del drvpa9"), 0);
	assert_int_equal(
		drv_xmit(link, drv_test_frame(bcast, src, 0x88b5, 100, 0)), 0);
	assert_int_equal(drv_flush(link), -EIO);
	assert_int_equal(drv_tx_pending(link), 0);
	drv_close(link);
}

static void test_opens_in_another_namespace(void **state)
{
	enum drv_afpacket_mode mode = mode_of(state);
	int release;
	pid_t pid = drv_test_namespace_holder(&release);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	const char *here = mode == DRV_AFPACKET_RING ? "drvna1" : "drvna0";
	const char *there = mode == DRV_AFPACKET_RING ? "drvnb1" : "drvnb0";
	assert_int_equal(drv_test_sh("ip link add %s type veth peer name %s "
				     "netns %d && ip link set %s up && "
				     "nsenter --net=%s ip link set %s up",
				     here, there, (int)pid, here, path, there),
			 0);
	/* The interface is not visible here: opening it here fails. */
	struct drv_afpacket_config cfg = { .mode = mode };
	snprintf(cfg.iface, sizeof(cfg.iface), "%s", there);
	struct drv_link *link = NULL;
	struct rs_error *err = NULL;
	assert_true(drv_afpacket_open(&cfg, &link, &err) < 0);
	rs_error_clear(&err);
	struct drv_link *remote = open_afp(there, mode, path);
	struct drv_link *local = open_afp(here, DRV_AFPACKET_MMSG, NULL);
	stream(remote, local, 200, 60);
	stream(local, remote, 200, 60);
	drv_close(remote);
	drv_close(local);
	close(release);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_bad_config_is_a_clear_error(void **state)
{
	enum drv_afpacket_mode mode = mode_of(state);
	struct drv_link *link = NULL;
	struct rs_error *err = NULL;
	struct drv_afpacket_config cfg = { .mode = mode };
	assert_int_equal(drv_afpacket_open(&cfg, &link, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "no interface"));
	rs_error_clear(&err);
	if (!have_netns)
		return;
	snprintf(cfg.iface, sizeof(cfg.iface), "nosuchif0");
	assert_int_equal(drv_afpacket_open(&cfg, &link, &err), -ENODEV);
	assert_non_null(strstr(err->msg, "nosuchif0"));
	rs_error_clear(&err);
	snprintf(cfg.iface, sizeof(cfg.iface), "lo");
	assert_int_equal(drv_afpacket_open(&cfg, &link, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "not an Ethernet interface"));
	rs_error_clear(&err);
	cfg = (struct drv_afpacket_config){ .mode = 7 };
	assert_int_equal(drv_afpacket_open(&cfg, &link, &err), -EINVAL);
	rs_error_clear(&err);
	assert_null(link);
}

static enum drv_afpacket_mode mmsg = DRV_AFPACKET_MMSG;
static enum drv_afpacket_mode ring = DRV_AFPACKET_RING;

#define BOTH(f) \
	cmocka_unit_test_prestate(f, &mmsg), cmocka_unit_test_prestate(f, &ring)

int main(void)
{
	have_netns = drv_test_private_netns();
	/* The first tests need no namespace; the live ones run only when
	 * this process could get a network namespace of its own (root). */
	const struct CMUnitTest tests[] = {
		BOTH(test_bad_config_is_a_clear_error),
		BOTH(test_arp_and_ping_through_veth),
		BOTH(test_kernel_transmissions_are_not_received),
		BOTH(test_two_drivers_back_to_back),
		BOTH(test_kernel_checksum_offload_arrives_vouched_for),
		BOTH(test_tcp_with_the_kernel),
		cmocka_unit_test(test_udp_super_datagrams_are_split),
		cmocka_unit_test(test_vanished_interface_fails_the_ring_link),
		BOTH(test_opens_in_another_namespace),
	};
	size_t count = sizeof(tests) / sizeof(tests[0]);
	if (!have_netns) {
		fprintf(stderr, "# no network namespace (not root?): the live "
				"tests do not run\n");
		count = 2;
	}
	return _cmocka_run_group_tests("drivers/afpacket", tests, count, NULL,
				       NULL);
}
