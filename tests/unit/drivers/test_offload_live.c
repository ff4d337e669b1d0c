/* Offload negotiation with the device, live, on veth pairs in a network
 * namespace of the test's own (skipped without root):
 * - AF_PACKET tells the stack of checksum offload and TSO only when the
 *   interface has them at the open (ethtool -K ... tso off tx off);
 * - a super-segment handed to a veth whose TSO was switched off after the
 *   open reaches the kernel whole, split by the driver, not dropped by
 *   the direct transmit; with tx checksumming off the checksums are
 *   filled in by the driver;
 * - through the netstack host, bulk TCP both ways with the kernel
 *   completes byte-exact and fast with offloads on, off from the start,
 *   and switched off in the middle of the transfer (TSO over IPv4,
 *   checksumming, and so TSO, over IPv6): no frame is lost at the link
 *   (tx_dropped 0, no retransmission timeout), the kernel saw no bad
 *   checksum, and the software counters show who did the work;
 * - tap takes super-segments and partial checksums whatever the
 *   device's features say, since the kernel segments and checksums what
 *   it forwards itself. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/afpacket.h"
#include "drivers/nethost.h"
#include "drivers/tap.h"
#include "drv_test.h"
#include "exchange.h"
#include "hostrun.h"

#define BULK (32u << 20)

static bool have_netns;

/* A veth pair <a>/<b>; the kernel owns b (10.79.<n>.1/24, fd79:<n>::1/64)
 * and knows 10.79.<n>.2 at a's MAC; a has no IPv6 of the kernel's. */
static void veth(const char *a, const char *b, unsigned n)
{
	uint8_t mac[6];
	assert_int_equal(
		drv_test_sh("ip link add %s type veth peer name %s", a, b), 0);
	kernel_if_mac(a, mac);
	assert_int_equal(
		drv_test_sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1 && "
			    "ip link set %s up && ip link set %s up && "
			    "ip addr add 10.79.%u.1/24 dev %s && "
			    "ip addr add fd79:%u::1/64 dev %s nodad && "
			    "ip neigh replace 10.79.%u.2 dev %s lladdr "
			    "%02x:%02x:%02x:%02x:%02x:%02x",
			    a, a, b, n, b, n, b, n, b, mac[0], mac[1], mac[2],
			    mac[3], mac[4], mac[5]),
		0);
}

static struct drv_link *open_afp(const char *iface)
{
	struct drv_afpacket_config cfg = { 0 };
	snprintf(cfg.iface, sizeof(cfg.iface), "%s", iface);
	struct drv_link *link;
	struct rs_error *err = NULL;
	drv_test_check_open(drv_afpacket_open(&cfg, &link, &err), &err);
	return link;
}

/* The kernel's count of a device's dropped transmissions, from
 * /proc/net/dev (this namespace's; /sys shows the one it was mounted
 * in). */
static uint64_t kernel_tx_dropped(const char *ifname)
{
	FILE *f = fopen("/proc/net/dev", "r");
	assert_non_null(f);
	char line[512];
	uint64_t v = UINT64_MAX;
	size_t len = strlen(ifname);
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");
		if (strncmp(p, ifname, len) != 0 || p[len] != ':')
			continue;
		unsigned long long c[12];
		/* Receive: bytes packets errs drop fifo frame compressed
		 * multicast; transmit: bytes packets errs drop. */
		if (sscanf(p + len + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu",
			   &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6],
			   &c[7], &c[8], &c[9], &c[10], &c[11]) == 12)
			v = c[11];
	}
	fclose(f);
	assert_true(v != UINT64_MAX);
	return v;
}

/* The kernel's Tcp InCsumErrors in this namespace (/proc/net/snmp). */
static uint64_t kernel_csum_errors(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	assert_non_null(f);
	char names[1024], values[1024];
	uint64_t v = UINT64_MAX;
	while (fgets(names, sizeof(names), f) &&
	       fgets(values, sizeof(values), f)) {
		if (strncmp(names, "Tcp:", 4) != 0)
			continue;
		char *ns, *vs;
		char *n = strtok_r(names, " \n", &ns);
		char *val = strtok_r(values, " \n", &vs);
		while (n && val) {
			if (strcmp(n, "InCsumErrors") == 0)
				v = strtoull(val, NULL, 10);
			n = strtok_r(NULL, " \n", &ns);
			val = strtok_r(NULL, " \n", &vs);
		}
	}
	fclose(f);
	assert_true(v != UINT64_MAX);
	return v;
}

/* ---- The driver alone ----------------------------------------------- */

static void test_caps_follow_the_device_at_open(void **state)
{
	(void)state;
	veth("ofa0", "ofb0", 0);
	struct drv_link *link = open_afp("ofa0");
	uint32_t all = NS_LINK_CAP_TX_CSUM | NS_LINK_CAP_TSO |
		       NS_LINK_CAP_RX_CSUM | NS_LINK_CAP_RX_GRO;
	assert_int_equal(drv_info(link)->caps, all);
	drv_close(link);

	assert_int_equal(drv_test_sh("ethtool -K ofa0 tso off >/dev/null"), 0);
	link = open_afp("ofa0");
	assert_int_equal(drv_info(link)->caps, all & ~NS_LINK_CAP_TSO);
	drv_close(link);
	assert_int_equal(drv_test_sh("ethtool -K ofa0 tx off >/dev/null"), 0);
	link = open_afp("ofa0");
	/* Receiving does not depend on our transmit features. */
	assert_int_equal(drv_info(link)->caps,
			 NS_LINK_CAP_RX_CSUM | NS_LINK_CAP_RX_GRO);
	assert_int_equal(drv_test_counter(link, "tx_offload_changes"), 0);

	/* Switched on again: seen at the next look, which the link's
	 * timer schedules within a second. */
	assert_int_equal(drv_test_sh("ethtool -K ofa0 tx on tso on "
				     ">/dev/null"),
			 0);
	uint64_t next = drv_next_deadline(link);
	assert_true(next != DRV_NO_DEADLINE);
	assert_true(next <= drv_monotonic_ns() + 1000000000u);
	drv_timers(link, next);
	assert_int_equal(drv_test_counter(link, "tx_offload_changes"), 1);
	drv_close(link);
	assert_int_equal(drv_test_sh("ip link del ofa0"), 0);
}

static const uint8_t ip_a1[4] = { 10, 79, 1, 2 };
static const uint8_t ip_b1[4] = { 10, 79, 1, 1 };

/* The kernel reads a 60000-byte super-segment whole after the device
 * lost TSO (then checksumming too) since the open. */
static void test_super_segment_split_after_tso_lost(void **state)
{
	(void)state;
	veth("ofa1", "ofb1", 1);
	struct peer p = { .link = open_afp("ofa1"),
			  .ip = ip_a1,
			  .kernel_ip = ip_b1 };
	assert_true(drv_info(p.link)->caps & NS_LINK_CAP_TSO);
	assert_int_equal(drv_test_sh("ethtool -K ofa1 tso off >/dev/null"), 0);
	exchange_arp(&p);
	exchange_tcp(&p, 5001, 60000, 0);
	assert_int_equal(drv_test_counter(p.link, "tx_sw_gso"), 1);
	assert_int_equal(drv_test_counter(p.link, "tx_sw_csum"), 0);
	assert_int_equal(drv_test_counter(p.link, "tx_dropped"), 0);
	assert_int_equal(drv_test_counter(p.link, "tx_errors"), 0);
	/* The kernel dropped it (and its retry) before the driver looked
	 * again; the driver split it then. */
	assert_true(kernel_tx_dropped("ofa1") <= 2);
	assert_int_equal(drv_test_counter(p.link, "tx_offload_changes"), 1);

	assert_int_equal(drv_test_sh("ethtool -K ofa1 tx off >/dev/null"), 0);
	drv_timers(p.link, drv_next_deadline(p.link));
	exchange_tcp(&p, 5002, 60000, 0);
	assert_int_equal(drv_test_counter(p.link, "tx_sw_gso"), 2);
	/* 60000 bytes in segments of 1448. */
	assert_true(drv_test_counter(p.link, "tx_sw_csum") >= 42);
	assert_int_equal(drv_test_counter(p.link, "tx_dropped"), 0);
	assert_int_equal(kernel_csum_errors(), 0);
	drv_close(p.link);
	assert_int_equal(drv_test_sh("ip link del ofa1"), 0);
}

/* ---- Bulk TCP through the netstack host ------------------------------ */

struct bulk {
	struct hostrun_xfer up, down; /* stack -> kernel, kernel -> stack */
	struct hostrun_xfer *both[3];
	const char *switch_cmd; /* run once `up` passed BULK / 4 */
	bool switched;
};

static bool bulk_step(void *arg)
{
	struct bulk *b = arg;
	if (b->switch_cmd && !b->switched && b->up.received >= BULK / 4) {
		assert_int_equal(drv_test_sh("%s", b->switch_cmd), 0);
		b->switched = true;
	}
	return hostrun_xfers_step(b->both);
}

struct bulk_result {
	uint64_t ms;
	uint64_t sw_gso, sw_csum, tx_dropped, timeouts;
};

static uint64_t stack_stat(struct drv_nethost *h, const char *name)
{
	uint64_t v;
	assert_int_equal(ns_stack_stat_by_name(drv_nethost_stack(h), name, &v),
			 0);
	return v;
}

/* BULK bytes each way between a netstack on `a` (over AF_PACKET) and a
 * kernel socket on b, over IPv4 or IPv6; switch_cmd (a shell command,
 * NULL for none) runs a quarter of the way in. */
static struct bulk_result bulk(const char *a, unsigned n, int family,
			       const char *switch_cmd)
{
	char spec[64];
	snprintf(spec, sizeof(spec), "afpacket:iface=%s", a);
	struct ns_ifaddr addrs[2] = {
		{ .family = AF_INET,
		  .addr = { 10, 79, (uint8_t)n, 2 },
		  .prefix_len = 24 },
		{ .family = AF_INET6,
		  .addr = { 0xfd, 0x79, 0, (uint8_t)n, [15] = 2 },
		  .prefix_len = 64,
		  .flags = NS_ADDR_F_NODAD },
	};
	struct drv_nethost_nic nic = { .spec = spec,
				       .flags = NS_NIC_F_NO_AUTOCONF,
				       .addrs = addrs,
				       .naddrs = 2 };
	struct drv_nethost *h;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_nethost_open(&(struct drv_nethost_config){ .nics = &nic,
							       .nnics = 1 },
				 &h, &err),
		&err);
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		*sin = (struct sockaddr_in){ .sin_family = AF_INET,
					     .sin_port = htons(5001) };
		memcpy(&sin->sin_addr, (uint8_t[]){ 10, 79, (uint8_t)n, 1 }, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(5001);
		memcpy(&sin6->sin6_addr, addrs[1].addr, 16);
		sin6->sin6_addr.s6_addr[15] = 1;
		len = sizeof(*sin6);
	}
	int ls = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(ls, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(ls, 1), 0);
	struct ns_socket *c;
	assert_int_equal(ns_socket_create(drv_nethost_stack(h), family,
					  SOCK_STREAM, 0, &c),
			 0);
	assert_int_equal(ns_socket_connect(c, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	int ks = -1;
	uint64_t t0 = drv_monotonic_ns();
	while (ks < 0) {
		assert_true(drv_monotonic_ns() - t0 < 5000000000u);
		struct pollfd p = { drv_nethost_fd(h), POLLIN, 0 };
		if (poll(&p, 1, 5) == 1)
			assert_int_equal(drv_nethost_run(h, NULL, NULL), 0);
		ks = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	}
	close(ls);

	struct bulk b = { .switch_cmd = switch_cmd };
	b.up = (struct hostrun_xfer){
		.from = { c, -1 }, .to = { NULL, ks }, .total = BULK, .seed = 3
	};
	b.down = (struct hostrun_xfer){
		.from = { NULL, ks }, .to = { c, -1 }, .total = BULK, .seed = 4
	};
	b.both[0] = &b.up;
	b.both[1] = &b.down;
	t0 = drv_monotonic_ns();
	bool done = hostrun_until(&h, 1, bulk_step, &b, 60000);
	struct bulk_result r = { .ms = (drv_monotonic_ns() - t0) / 1000000 };
	if (!done)
		fail_msg("%s: %zu of %u bytes up, %zu down in 60 s", a,
			 b.up.received, BULK, b.down.received);
	assert_true(switch_cmd == NULL || b.switched);
	struct drv_link *link = drv_nethost_link(h, 0);
	r.sw_gso = drv_test_counter(link, "tx_sw_gso");
	r.sw_csum = drv_test_counter(link, "tx_sw_csum");
	r.tx_dropped = drv_test_counter(link, "tx_dropped");
	r.timeouts = stack_stat(h, "TcpExt.TCPTimeouts");
	print_message("# %s %s%s: %u MiB each way in %llu ms "
		      "(tx_sw_gso %llu, tx_sw_csum %llu, retransmitted %llu)\n",
		      a, family == AF_INET ? "IPv4" : "IPv6",
		      switch_cmd ? ", switched mid-way" : "", BULK >> 20,
		      (unsigned long long)r.ms, (unsigned long long)r.sw_gso,
		      (unsigned long long)r.sw_csum,
		      (unsigned long long)stack_stat(h, "Tcp.RetransSegs"));
	ns_socket_close(c);
	close(ks);
	drv_nethost_close(h);
	return r;
}

/* Both directions well under the 60 s an RTO storm would take; a
 * generous bound, as the machine is shared. */
#define FAST_MS 5000

static void test_bulk_with_offloads_on(void **state)
{
	(void)state;
	veth("ofa2", "ofb2", 2);
	struct bulk_result r = bulk("ofa2", 2, AF_INET, NULL);
	assert_true(r.ms < FAST_MS);
	assert_int_equal(r.sw_gso, 0);
	assert_int_equal(r.sw_csum, 0);
	assert_int_equal(r.tx_dropped, 0);
	assert_int_equal(r.timeouts, 0);
	assert_int_equal(kernel_csum_errors(), 0);
	assert_int_equal(drv_test_sh("ip link del ofa2"), 0);
}

static void test_bulk_with_offloads_off_from_the_start(void **state)
{
	(void)state;
	veth("ofa3", "ofb3", 3);
	assert_int_equal(drv_test_sh("ethtool -K ofa3 tso off gso off tx off "
				     ">/dev/null && ethtool -K ofb3 tso off "
				     "gso off tx off >/dev/null"),
			 0);
	for (int family = AF_INET; family;
	     family = family == AF_INET ? AF_INET6 : 0) {
		struct bulk_result r = bulk("ofa3", 3, family, NULL);
		assert_true(r.ms < FAST_MS);
		/* The stack was told: it segments and checksums itself. */
		assert_int_equal(r.sw_gso, 0);
		assert_int_equal(r.sw_csum, 0);
		assert_int_equal(r.tx_dropped, 0);
		assert_int_equal(r.timeouts, 0);
	}
	assert_int_equal(kernel_tx_dropped("ofa3"), 0);
	assert_int_equal(kernel_csum_errors(), 0);
	assert_int_equal(drv_test_sh("ip link del ofa3"), 0);
}

static void test_bulk_with_tso_switched_off_midway(void **state)
{
	(void)state;
	veth("ofa4", "ofb4", 4);
	struct bulk_result r = bulk("ofa4", 4, AF_INET,
				    "ethtool -K ofa4 tso off gso off "
				    ">/dev/null");
	assert_true(r.ms < FAST_MS);
	assert_true(r.sw_gso > 0);
	assert_int_equal(r.sw_csum, 0);
	assert_int_equal(r.tx_dropped, 0);
	assert_int_equal(r.timeouts, 0);
	/* At most the refused super-segment and its retry. */
	assert_true(kernel_tx_dropped("ofa4") <= 2);
	assert_int_equal(kernel_csum_errors(), 0);
	assert_int_equal(drv_test_sh("ip link del ofa4"), 0);
}

static void test_bulk_with_tx_csum_switched_off_midway(void **state)
{
	(void)state;
	veth("ofa5", "ofb5", 5);
	/* tx off takes TSO with it (TSO needs checksumming). */
	struct bulk_result r =
		bulk("ofa5", 5, AF_INET6, "ethtool -K ofa5 tx off >/dev/null");
	assert_true(r.ms < FAST_MS);
	assert_true(r.sw_gso > 0);
	assert_true(r.sw_csum > 0);
	assert_int_equal(r.tx_dropped, 0);
	assert_int_equal(r.timeouts, 0);
	assert_true(kernel_tx_dropped("ofa5") <= 2);
	assert_int_equal(kernel_csum_errors(), 0);
	assert_int_equal(drv_test_sh("ip link del ofa5"), 0);
}

/* ---- tap -------------------------------------------------------------- */

/* The kernel takes what we write to a tap as a received frame
 * (tun_get_user): a super-segment or a partial checksum is fine whatever
 * the device's features, which only decide what the kernel sends us
 * (here MTU-size frames: it segments them first). */
static void test_tap_takes_super_segments_whatever_its_features(void **state)
{
	(void)state;
	struct drv_link *link;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_tap_open(&(struct drv_tap_config){ .name = "oftap0",
						       .offload = true },
			     &link, &err),
		&err);
	const uint8_t *m = drv_info(link)->mac;
	assert_int_equal(
		drv_test_sh("sysctl -qw net.ipv6.conf.oftap0.disable_ipv6=1 && "
			    "ip addr add 10.79.9.1/24 dev oftap0 && "
			    "ip link set oftap0 up && "
			    "ip neigh replace 10.79.9.2 dev oftap0 lladdr "
			    "%02x:%02x:%02x:%02x:%02x:%02x && "
			    "ethtool -K oftap0 tso off gso off tx off sg off "
			    ">/dev/null",
			    m[0], m[1], m[2], m[3], m[4], m[5]),
		0);
	struct peer p = { .link = link,
			  .ip = (const uint8_t[]){ 10, 79, 9, 2 },
			  .kernel_ip = (const uint8_t[]){ 10, 79, 9, 1 } };
	exchange_arp(&p);
	assert_int_equal(exchange_tcp(&p, 5003, 60000, 200000), 0);
	assert_int_equal(drv_test_counter(link, "tx_errors"), 0);
	assert_int_equal(drv_test_counter(link, "tx_dropped"), 0);
	assert_int_equal(kernel_csum_errors(), 0);
	drv_close(link);
}

int main(void)
{
	have_netns = drv_test_private_netns() &&
		     drv_test_sh("command -v ethtool >/dev/null") == 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_follow_the_device_at_open),
		cmocka_unit_test(test_super_segment_split_after_tso_lost),
		cmocka_unit_test(test_bulk_with_offloads_on),
		cmocka_unit_test(test_bulk_with_offloads_off_from_the_start),
		cmocka_unit_test(test_bulk_with_tso_switched_off_midway),
		cmocka_unit_test(test_bulk_with_tx_csum_switched_off_midway),
		cmocka_unit_test(
			test_tap_takes_super_segments_whatever_its_features),
	};
	if (!have_netns) {
		fprintf(stderr, "# no network namespace (not root?) or no "
				"ethtool: the live tests do not run\n");
		return 0;
	}
	return cmocka_run_group_tests_name("drivers/offload_live", tests, NULL,
					   NULL);
}
