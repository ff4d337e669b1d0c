/* The tap driver, live: in a network namespace of its own the test opens
 * a tap device, gives the kernel side an address, and exchanges ARP and
 * ICMP echo with the kernel through the driver (single frames, full-MTU
 * frames, bursts); checks oversize frames are counted, offload metadata
 * arrives from the kernel, a TCP connection with the kernel carries data
 * both ways (with offloads: a TSO super-segment out, coalesced frames
 * in), and a device opens in another namespace. Skips without root. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
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

#include "drivers/tap.h"
#include "drv_test.h"
#include "exchange.h"
#include "netstack/wire.h"

static bool have_netns;

/* Each test has a subnet of its own, 10.77.N.0/24 (kernel .1, stack .2),
 * so that a test that fails half-way cannot disturb the next one. */
struct subnet {
	uint8_t kernel_ip[4];
	uint8_t stack_ip[4];
};

static struct subnet subnet(uint8_t n)
{
	return (struct subnet){ { 10, 77, n, 1 }, { 10, 77, n, 2 } };
}

static struct drv_link *open_tap(const struct drv_tap_config *cfg)
{
	struct drv_link *link;
	struct rs_error *err = NULL;
	drv_test_check_open(drv_tap_open(cfg, &link, &err), &err);
	return link;
}

/* Brings the kernel side of the tap up with its address and a quiet IPv6
 * (no router solicitations in the way), and tells it our MAC. */
static void kernel_side_up(struct drv_link *link, const struct subnet *net)
{
	const char *name = drv_info(link)->name;
	const uint8_t *m = drv_info(link)->mac;
	uint8_t n = net->kernel_ip[2];
	assert_int_equal(
		drv_test_sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1 && "
			    "ip addr add 10.77.%u.1/24 dev %s && "
			    "ip link set %s up && "
			    "ip neigh replace 10.77.%u.2 dev %s lladdr "
			    "%02x:%02x:%02x:%02x:%02x:%02x",
			    name, n, name, name, n, name, m[0], m[1], m[2],
			    m[3], m[4], m[5]),
		0);
}

static void test_arp_and_ping_through_tap(void **state)
{
	(void)state;
	struct drv_link *link =
		open_tap(&(struct drv_tap_config){ .name = "drvtap0" });
	assert_string_equal(drv_kind(link), "tap");
	assert_string_equal(drv_info(link)->name, "drvtap0");
	assert_int_equal(drv_info(link)->mtu, 1500);
	assert_int_equal(drv_info(link)->caps, 0);
	assert_true(drv_fd(link) >= 0);
	/* Random, locally administered, unicast, not the kernel's. */
	uint8_t kmac[6];
	kernel_if_mac("drvtap0", kmac);
	assert_int_equal(drv_info(link)->mac[0] & 3, 2);
	assert_memory_not_equal(drv_info(link)->mac, kmac, 6);
	struct subnet net = subnet(0);
	kernel_side_up(link, &net);

	struct peer p = { link, net.stack_ip, net.kernel_ip, { 0 } };
	exchange_arp(&p);
	assert_memory_equal(p.kernel_mac, kmac, 6);
	exchange_pings(&p, 0x1234, 1, 1, 56);
	exchange_pings(&p, 0x1234, 2, 1, 1500 - 28); /* a full-MTU frame */
	/* A burst bigger than a batch and than one rx_burst. */
	exchange_pings(&p, 0x1234, 100, 300, 100);
	assert_int_equal(drv_test_counter(link, "tx_packets"), 303);
	assert_true(drv_test_counter(link, "rx_packets") >= 303);
	assert_int_equal(drv_test_counter(link, "tx_errors"), 0);
	/* A frame beyond the MTU is refused and counted. */
	assert_int_equal(
		drv_xmit(link,
			 drv_test_icmp_echo(p.kernel_mac, drv_info(link)->mac,
					    net.stack_ip, net.kernel_ip, 1, 1,
					    1500)),
		-EINVAL);
	assert_int_equal(drv_test_counter(link, "tx_errors"), 1);
	drv_close(link);
}

static bool is_udp_to(const struct ns_pkt *pkt, void *arg)
{
	uint16_t port = *(const uint16_t *)arg;
	uint8_t f[14 + 20 + 4];
	return ns_pkt_copy_out(pkt, 0, f, sizeof(f)) == 0 &&
	       ns_get_be16(f + 12) == 0x0800 && f[14 + 9] == 17 &&
	       ns_get_be16(f + 14 + 20 + 2) == port;
}

static int udp_socket_to(const char *ip, uint16_t port, struct sockaddr_in *to)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* No path MTU discovery: the kernel sends what the device takes. */
	int pmtu = IP_PMTUDISC_DONT;
	setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	*to = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &to->sin_addr);
	return s;
}

static void test_oversize_frames_are_counted_not_delivered(void **state)
{
	(void)state;
	struct drv_link *link =
		open_tap(&(struct drv_tap_config){ .name = "drvtap1" });
	struct subnet net = subnet(1);
	kernel_side_up(link, &net);
	/* The device grows past what the driver was opened for: frames
	 * from the kernel no longer fit and must be dropped whole. */
	assert_int_equal(drv_test_sh("ip link set drvtap1 mtu 3000"), 0);
	struct sockaddr_in to;
	int s = udp_socket_to("10.77.1.2", 9999, &to);
	char big[2000] = { 0 }, small[100] = { 0 };
	uint16_t port = 9999;
	assert_int_equal(sendto(s, big, sizeof(big), 0, (struct sockaddr *)&to,
				sizeof(to)),
			 sizeof(big));
	assert_int_equal(sendto(s, small, sizeof(small), 0,
				(struct sockaddr *)&to, sizeof(to)),
			 sizeof(small));
	struct ns_pkt *pkt = drv_test_wait_for(link, is_udp_to, &port, 5000);
	assert_non_null(pkt);
	assert_int_equal(pkt->len, 14 + 20 + 8 + 100);
	ns_pkt_free(pkt);
	assert_int_equal(drv_test_counter(link, "rx_errors"), 1);
	close(s);
	drv_close(link);
}

static void test_flood_of_bad_frames_is_taken_in_bounded_bites(void **state)
{
	(void)state;
	struct drv_link *link =
		open_tap(&(struct drv_tap_config){ .name = "drvtap6" });
	struct subnet net = subnet(6);
	kernel_side_up(link, &net);
	assert_int_equal(drv_test_sh("ip link set drvtap6 mtu 3000"), 0);
	struct sockaddr_in to;
	int s = udp_socket_to("10.77.6.2", 9999, &to);
	char big[2000] = { 0 }, small[100] = { 0 };
	uint16_t port = 9999;
	const uint64_t flood = 200; /* under tun's queue of 500 */
	for (uint64_t i = 0; i < flood; i++)
		assert_int_equal(sendto(s, big, sizeof(big), 0,
					(struct sockaddr *)&to, sizeof(to)),
				 sizeof(big));
	assert_int_equal(sendto(s, small, sizeof(small), 0,
				(struct sockaddr *)&to, sizeof(to)),
			 sizeof(small));
	/* One call does not read the whole flood. */
	struct ns_pkt *pkts[8];
	assert_int_equal(drv_rx_burst(link, pkts, 8), 0);
	uint64_t errors = drv_test_counter(link, "rx_errors");
	assert_true(errors > 0 && errors < flood);
	/* The next calls do, and the good frame behind it arrives. */
	struct ns_pkt *pkt = drv_test_wait_for(link, is_udp_to, &port, 5000);
	assert_non_null(pkt);
	assert_int_equal(pkt->len, 14 + 20 + 8 + 100);
	ns_pkt_free(pkt);
	assert_int_equal(drv_test_counter(link, "rx_errors"), flood);
	close(s);
	drv_close(link);
}

static bool is_tcp_syn(const struct ns_pkt *pkt, void *arg)
{
	(void)arg;
	uint8_t f[14 + 20 + 14];
	return ns_pkt_copy_out(pkt, 0, f, sizeof(f)) == 0 &&
	       ns_get_be16(f + 12) == 0x0800 && f[14 + 9] == 6 &&
	       (f[14 + 20 + 13] & 0x02);
}

static void test_offload_metadata_from_the_kernel(void **state)
{
	(void)state;
	struct drv_link *link = open_tap(
		&(struct drv_tap_config){ .name = "drvtap2", .offload = true });
	uint32_t caps = drv_info(link)->caps;
	assert_true(caps & NS_LINK_CAP_TX_CSUM);
	assert_true(caps & NS_LINK_CAP_TSO);
	assert_true(caps & NS_LINK_CAP_RX_GRO);
	assert_true(caps & NS_LINK_CAP_RX_CSUM);
	struct subnet net = subnet(2);
	kernel_side_up(link, &net);
	/* The kernel's TCP leaves its checksum to the offload: the SYN
	 * arrives vouched for. */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(5000) };
	inet_pton(AF_INET, "10.77.2.2", &to.sin_addr);
	assert_int_equal(connect(s, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	struct ns_pkt *syn = drv_test_wait_for(link, is_tcp_syn, NULL, 5000);
	assert_non_null(syn);
	assert_true(syn->flags & NS_PKT_F_CSUM_VALID);
	ns_pkt_free(syn);
	close(s);
	/* And the plain ARP/ICMP exchange still works with vnet headers. */
	struct peer p = { link, net.stack_ip, net.kernel_ip, { 0 } };
	exchange_arp(&p);
	exchange_pings(&p, 7, 1, 20, 1000);
	drv_close(link);
}

static void test_tcp_with_and_without_offload(void **state)
{
	(void)state;
	/* Plain tap: MTU-size segments only, each checksummed by us. */
	struct drv_link *link =
		open_tap(&(struct drv_tap_config){ .name = "drvtap4" });
	struct subnet net = subnet(4);
	kernel_side_up(link, &net);
	struct peer p = { link, net.stack_ip, net.kernel_ip, { 0 } };
	exchange_arp(&p);
	assert_int_equal(exchange_tcp(&p, 8000, 0, 30000), 0);
	assert_int_equal(drv_test_counter(link, "rx_errors"), 0);
	drv_close(link);

	/* Offload: one 3-segment super-segment out, which the kernel
	 * splits; coalesced segments in, beyond the MTU, through the spill
	 * buffer. */
	link = open_tap(
		&(struct drv_tap_config){ .name = "drvtap5", .offload = true });
	net = subnet(5);
	kernel_side_up(link, &net);
	p = (struct peer){ link, net.stack_ip, net.kernel_ip, { 0 } };
	exchange_arp(&p);
	unsigned coalesced = exchange_tcp(&p, 8000, 3 * 1448, 200000);
	assert_true(coalesced > 0);
	assert_int_equal(drv_test_counter(link, "rx_errors"), 0);
	assert_int_equal(drv_test_counter(link, "tx_errors"), 0);
	drv_close(link);
}

static void test_opens_in_another_namespace(void **state)
{
	(void)state;
	int release;
	pid_t pid = drv_test_namespace_holder(&release);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	struct drv_link *link = open_tap(
		&(struct drv_tap_config){ .name = "drvtap3", .netns = path });
	/* Not here, but there; and this thread is back home. */
	assert_int_equal(if_nametoindex("drvtap3"), 0);
	assert_int_equal(drv_test_sh("nsenter --net=%s ip link show drvtap3 "
				     ">/dev/null",
				     path),
			 0);
	assert_int_equal(drv_test_sh("ip link show lo >/dev/null"), 0);
	drv_close(link);
	close(release);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_bad_config_is_a_clear_error(void **state)
{
	(void)state;
	struct drv_link *link = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(drv_tap_open(&(struct drv_tap_config){ .mtu = 20 },
				      &link, &err),
			 -EINVAL);
	assert_non_null(strstr(err->msg, "MTU 20"));
	rs_error_clear(&err);
	assert_true(
		drv_tap_open(
			&(struct drv_tap_config){ .netns = "/nonexistent/ns" },
			&link, &err) < 0);
	assert_non_null(strstr(err->msg, "/nonexistent/ns"));
	rs_error_clear(&err);
	if (!have_netns)
		return;
	/* A name already taken by another kind of device. */
	assert_int_equal(drv_test_sh("ip link add drvveth0 type veth peer "
				     "name drvveth1"),
			 0);
	assert_true(drv_tap_open(&(struct drv_tap_config){ .name = "drvveth0" },
				 &link, &err) < 0);
	assert_non_null(strstr(err->msg, "drvveth0"));
	rs_error_clear(&err);
	assert_null(link);
}

int main(void)
{
	have_netns = drv_test_private_netns();
	/* The first test needs no namespace; the live ones run only when
	 * this process could get a network namespace of its own (root). */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_config_is_a_clear_error),
		cmocka_unit_test(test_arp_and_ping_through_tap),
		cmocka_unit_test(
			test_oversize_frames_are_counted_not_delivered),
		cmocka_unit_test(
			test_flood_of_bad_frames_is_taken_in_bounded_bites),
		cmocka_unit_test(test_offload_metadata_from_the_kernel),
		cmocka_unit_test(test_tcp_with_and_without_offload),
		cmocka_unit_test(test_opens_in_another_namespace),
	};
	size_t count = sizeof(tests) / sizeof(tests[0]);
	if (!have_netns) {
		fprintf(stderr, "# no network namespace (not root?): the live "
				"tests do not run\n");
		count = 1;
	}
	return _cmocka_run_group_tests("drivers/tap", tests, count, NULL, NULL);
}
