/* Host-side netlink (drivers/hostnet.h), live: the test process moves into
 * a network namespace of its own (the "host"), and each test gives a
 * namespace-holding child the sandbox's part: a veth end with IPv4 and
 * IPv6 addresses, routes and a permanent neighbour. Discovery must see
 * exactly that, the take-over configuration must hold what the netstack
 * needs (and not the kernel's link-local or prefix routes), and after the
 * take-over the kernel's side must hold no address with IPv6 disabled and
 * the link still up. Also: the overlap logic used to pick runsc do's
 * subnet, tap devices that live and die with their fd, and the errors.
 * The live tests skip without root. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/hostnet.h"
#include "drivers/spec.h"
#include "drv_test.h"

static bool have_netns;

/* A namespace held by a child process, addressed by /proc path. */
struct holder {
	pid_t pid;
	int release;
	int fd; /* open on the namespace */
	char path[64];
};

static void holder_start(struct holder *h)
{
	h->pid = drv_test_namespace_holder(&h->release);
	snprintf(h->path, sizeof(h->path), "/proc/%d/ns/net", (int)h->pid);
	h->fd = open(h->path, O_RDONLY | O_CLOEXEC);
	assert_true(h->fd >= 0);
}

static void holder_stop(struct holder *h)
{
	close(h->fd);
	close(h->release);
	waitpid(h->pid, NULL, 0);
}

static void check_ok(int r, struct rs_error **err)
{
	if (r < 0) {
		char buf[256];
		fail_msg("%s", rs_error_format(*err, buf, sizeof(buf)));
	}
	assert_null(*err);
}

static struct drv_hostnet_addr addr(int family, const char *txt, uint8_t plen)
{
	struct drv_hostnet_addr a = { .family = family, .prefix_len = plen };
	assert_int_equal(inet_pton(family, txt, a.addr), 1);
	return a;
}

static struct drv_hostnet_route route(int family, const char *dst, uint8_t plen,
				      const char *gw, uint32_t metric)
{
	struct drv_hostnet_route r = { .family = family,
				       .prefix_len = plen,
				       .metric = metric };
	assert_int_equal(inet_pton(family, dst, r.dst), 1);
	if (gw)
		assert_int_equal(inet_pton(family, gw, r.gateway), 1);
	return r;
}

/* The sandbox side: `ifname` in h with 10.9.0.2/24, fd00:9::2/64, a
 * default route each way, 10.77.0.0/16 via the gateway with metric 50
 * and a permanent neighbour; the host side `host_if` up without
 * addresses. */
static void sandbox_side(struct holder *h, const char *host_if,
			 const char *ifname)
{
	struct rs_error *err = NULL;
	check_ok(drv_hostnet_veth_create(NULL, host_if, ifname, h->fd, &err),
		 &err);
	check_ok(drv_hostnet_link_up(NULL, host_if, &err), &err);
	struct drv_hostnet_addr a4 = addr(AF_INET, "10.9.0.2", 24);
	struct drv_hostnet_addr a6 = addr(AF_INET6, "fd00:9::2", 64);
	check_ok(drv_hostnet_addr_add(h->path, ifname, &a4, &err), &err);
	check_ok(drv_hostnet_addr_add(h->path, ifname, &a6, &err), &err);
	check_ok(drv_hostnet_link_up(h->path, ifname, &err), &err);
	struct drv_hostnet_route routes[] = {
		route(AF_INET, "0.0.0.0", 0, "10.9.0.1", 0),
		route(AF_INET6, "::", 0, "fd00:9::1", 0),
		route(AF_INET, "10.77.0.0", 16, "10.9.0.1", 50),
	};
	for (size_t i = 0; i < 3; i++)
		check_ok(drv_hostnet_route_add(h->path, ifname, &routes[i],
					       &err),
			 &err);
	assert_int_equal(drv_test_sh("nsenter --net=%s ip neigh add 10.9.0.9 "
				     "lladdr 02:00:00:00:00:09 dev '%s' nud "
				     "permanent",
				     h->path, ifname),
			 0);
}

static const struct drv_hostnet_addr *
find_addr(const struct drv_hostnet_iface *ifc, int family, const char *txt)
{
	uint8_t want[16] = { 0 };
	assert_int_equal(inet_pton(family, txt, want), 1);
	for (unsigned i = 0; i < ifc->naddrs; i++)
		if (ifc->addrs[i].family == family &&
		    memcmp(ifc->addrs[i].addr, want, 16) == 0)
			return &ifc->addrs[i];
	return NULL;
}

static int count_routes(const struct ns_route *r, unsigned n, int family,
			const char *dst, uint8_t plen, const char *gw,
			uint32_t metric)
{
	uint8_t d[16] = { 0 }, g[16] = { 0 };
	assert_int_equal(inet_pton(family, dst, d), 1);
	if (gw)
		assert_int_equal(inet_pton(family, gw, g), 1);
	int found = 0;
	for (unsigned i = 0; i < n; i++)
		found += r[i].family == family && r[i].prefix_len == plen &&
			 memcmp(r[i].dst, d, 16) == 0 &&
			 memcmp(r[i].gateway, g, 16) == 0 &&
			 r[i].metric == metric && r[i].ifindex == 0;
	return found;
}

static void test_discover_veth(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	struct holder h;
	holder_start(&h);
	sandbox_side(&h, "hn-host0", "eth0");

	struct rs_error *err = NULL;
	struct drv_hostnet *d;
	check_ok(drv_hostnet_discover(h.path, &d, &err), &err);
	assert_int_equal(d->nifaces, 1);
	assert_int_equal(d->nskipped, 1); /* lo */
	const struct drv_hostnet_iface *ifc = &d->ifaces[0];
	assert_string_equal(ifc->name, "eth0");
	assert_string_equal(ifc->kind, "veth");
	assert_true(ifc->up);
	assert_true(ifc->carrier);
	assert_false(ifc->ipv6_disabled);
	assert_int_equal(ifc->mtu, 1500);
	assert_int_equal(ifc->ifindex, (int)ifc->ifindex);
	static const uint8_t zero_mac[6];
	assert_memory_not_equal(ifc->mac, zero_mac, 6);
	const struct drv_hostnet_addr *a4 = find_addr(ifc, AF_INET, "10.9.0.2");
	assert_non_null(a4);
	assert_int_equal(a4->prefix_len, 24);
	const struct drv_hostnet_addr *a6 =
		find_addr(ifc, AF_INET6, "fd00:9::2");
	assert_non_null(a6);
	assert_int_equal(a6->prefix_len, 64);
	assert_int_equal(ifc->nneighs, 1);
	assert_int_equal(ifc->neighs[0].mac[5], 9);

	struct drv_nethost_config *cfg;
	check_ok(drv_hostnet_config(d,
				    &(struct drv_hostnet_takeover_config){
					    .netns = h.path },
				    &cfg, &err),
		 &err);
	assert_int_equal(cfg->nnics, 1);
	assert_null(cfg->capture);
	const struct drv_nethost_nic *nic = &cfg->nics[0];
	char want[128];
	snprintf(want, sizeof(want), "afpacket:iface=eth0,netns=%s", h.path);
	assert_string_equal(nic->spec, want);
	assert_string_equal(nic->name, "eth0");
	assert_int_equal(nic->mtu, 1500);
	assert_int_equal(nic->flags, 0);
	/* The two configured addresses, without the kernel's link-local. */
	assert_int_equal(nic->naddrs, 2);
	for (unsigned i = 0; i < nic->naddrs; i++) {
		assert_int_equal(nic->addrs[i].flags, NS_ADDR_F_NODAD);
		assert_false(nic->addrs[i].addr[0] == 0xfe);
	}
	/* Default routes and the extra prefix, not the prefix routes. */
	assert_int_equal(nic->nroutes, 3);
	assert_int_equal(count_routes(nic->routes, nic->nroutes, AF_INET,
				      "0.0.0.0", 0, "10.9.0.1", 0),
			 1);
	assert_int_equal(count_routes(nic->routes, nic->nroutes, AF_INET,
				      "10.77.0.0", 16, "10.9.0.1", 50),
			 1);
	/* The kernel gives user IPv6 routes metric 1024. */
	assert_int_equal(count_routes(nic->routes, nic->nroutes, AF_INET6,
				      "::", 0, "fd00:9::1", 1024),
			 1);
	unsigned nn;
	const struct ns_neigh_info *ni = drv_hostnet_config_neighs(cfg, 0, &nn);
	assert_int_equal(nn, 1);
	assert_int_equal(ni[0].state, NS_NUD_PERMANENT);
	assert_int_equal(ni[0].ifindex, 0);
	assert_null(drv_hostnet_config_neighs(cfg, 1, &nn));
	assert_int_equal(nn, 0);
	/* The spec is one drivers/spec.h reads back. */
	struct drv_spec spec;
	check_ok(drv_spec_parse(nic->spec, &spec, &err), &err);
	assert_string_equal(spec.layers[0].afpacket.iface, "eth0");
	assert_string_equal(spec.layers[0].afpacket.netns, h.path);
	drv_spec_release(&spec);

	drv_hostnet_config_free(cfg);
	drv_hostnet_free(d);
	/* Discovery changed nothing. */
	check_ok(drv_hostnet_discover(h.path, &d, &err), &err);
	assert_non_null(find_addr(&d->ifaces[0], AF_INET, "10.9.0.2"));
	drv_hostnet_free(d);
	check_ok(drv_hostnet_link_del(NULL, "hn-host0", &err), &err);
	holder_stop(&h);
}

static void test_takeover_strips_kernel_side(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	struct holder h;
	holder_start(&h);
	sandbox_side(&h, "hn-host1", "eth0");

	struct rs_error *err = NULL;
	struct drv_nethost_config *cfg;
	check_ok(drv_hostnet_takeover(
			 &(struct drv_hostnet_takeover_config){
				 .netns = h.path, .driver_opts = "mode=ring" },
			 &cfg, &err),
		 &err);
	assert_int_equal(cfg->nnics, 1);
	assert_int_equal(cfg->nics[0].naddrs, 2);
	assert_int_equal(cfg->nics[0].nroutes, 3);
	assert_non_null(strstr(cfg->nics[0].spec, ",mode=ring"));
	drv_hostnet_config_free(cfg);

	struct drv_hostnet *d;
	check_ok(drv_hostnet_discover(h.path, &d, &err), &err);
	assert_int_equal(d->nifaces, 1);
	const struct drv_hostnet_iface *ifc = &d->ifaces[0];
	assert_true(ifc->up);
	assert_true(ifc->ipv6_disabled);
	assert_int_equal(ifc->naddrs, 0);
	assert_int_equal(ifc->nroutes, 0);
	drv_hostnet_free(d);
	assert_int_equal(drv_test_sh("test \"$(nsenter --net=%s cat "
				     "/proc/sys/net/ipv6/conf/eth0/"
				     "disable_ipv6)\" = 1",
				     h.path),
			 0);
	/* A second take-over finds nothing left to take but the link. */
	check_ok(drv_hostnet_takeover(
			 &(struct drv_hostnet_takeover_config){
				 .netns = h.path },
			 &cfg, &err),
		 &err);
	assert_int_equal(cfg->nics[0].naddrs, 0);
	assert_int_equal(cfg->nics[0].flags, NS_NIC_F_NO_IPV6);
	drv_hostnet_config_free(cfg);
	check_ok(drv_hostnet_link_del(NULL, "hn-host1", &err), &err);
	holder_stop(&h);
}

/* Interface names may hold the spec grammar's separators. */
static void test_odd_names_are_quoted(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	struct holder h;
	holder_start(&h);
	struct rs_error *err = NULL;
	check_ok(drv_hostnet_veth_create(NULL, "hn-host2", "e,1+\"x", h.fd,
					 &err),
		 &err);
	check_ok(drv_hostnet_link_up(h.path, "e,1+\"x", &err), &err);
	struct drv_nethost_config *cfg;
	check_ok(drv_hostnet_takeover(
			 &(struct drv_hostnet_takeover_config){
				 .netns = h.path },
			 &cfg, &err),
		 &err);
	struct drv_spec spec;
	check_ok(drv_spec_parse(cfg->nics[0].spec, &spec, &err), &err);
	assert_string_equal(spec.layers[0].afpacket.iface, "e,1+\"x");
	drv_spec_release(&spec);
	drv_hostnet_config_free(cfg);
	check_ok(drv_hostnet_link_del(NULL, "hn-host2", &err), &err);
	holder_stop(&h);
}

static void test_errors(void **state)
{
	(void)state;
	struct rs_error *err = NULL;
	struct drv_hostnet *d = NULL;
	assert_int_equal(drv_hostnet_discover("/nonexistent/netns", &d, &err),
			 -ENOENT);
	assert_null(d);
	assert_non_null(strstr(err->msg, "/nonexistent/netns"));
	rs_error_clear(&err);
	if (!have_netns)
		return;

	struct holder h;
	holder_start(&h);
	/* Only a loopback: nothing to take over. */
	struct drv_nethost_config *cfg = NULL;
	assert_int_equal(drv_hostnet_takeover(
				 &(struct drv_hostnet_takeover_config){
					 .netns = h.path },
				 &cfg, &err),
			 -ENODEV);
	assert_null(cfg);
	assert_non_null(strstr(err->msg, h.path));
	rs_error_clear(&err);
	check_ok(drv_hostnet_discover(h.path, &d, &err), &err);
	assert_int_equal(d->nifaces, 0);
	/* A link that is down is not taken either. */
	drv_hostnet_free(d);
	check_ok(drv_hostnet_veth_create(NULL, "hn-host3", "eth0", h.fd, &err),
		 &err);
	assert_int_equal(drv_hostnet_takeover(
				 &(struct drv_hostnet_takeover_config){
					 .netns = h.path },
				 &cfg, &err),
			 -ENODEV);
	rs_error_clear(&err);
	check_ok(drv_hostnet_link_up(h.path, "eth0", &err), &err);
	/* Tap makes a device of its own: it cannot take one over. */
	assert_int_equal(drv_hostnet_takeover(
				 &(struct drv_hostnet_takeover_config){
					 .netns = h.path, .driver = "tap" },
				 &cfg, &err),
			 -ENOTSUP);
	assert_non_null(strstr(err->msg, "tap"));
	rs_error_clear(&err);
	/* Topology errors name the interface. */
	struct drv_hostnet_addr a = addr(AF_INET, "10.1.1.1", 24);
	assert_int_equal(drv_hostnet_addr_add(h.path, "nosuch0", &a, &err),
			 -ENODEV);
	assert_non_null(strstr(err->msg, "nosuch0"));
	rs_error_clear(&err);
	assert_true(drv_hostnet_veth_create(NULL, "hn-host3", "x", -1, &err) <
		    0);
	assert_non_null(strstr(err->msg, "hn-host3"));
	rs_error_clear(&err);
	struct drv_hostnet_route bad =
		route(AF_INET, "10.2.0.0", 16, "10.3.0.1", 0);
	assert_true(drv_hostnet_route_add(h.path, "eth0", &bad, &err) < 0);
	assert_non_null(strstr(err->msg, "10.2.0.0/16"));
	rs_error_clear(&err);
	assert_int_equal(drv_hostnet_link_del(NULL, "nosuch0", &err), -ENODEV);
	rs_error_clear(&err);
	check_ok(drv_hostnet_link_del(h.path, "eth0", &err), &err);
	/* Either end of a veth takes the other along. */
	assert_int_equal(if_nametoindex("hn-host3"), 0);
	holder_stop(&h);
}

static struct drv_hostnet_prefix prefix(int family, const char *txt,
					uint8_t plen)
{
	struct drv_hostnet_prefix p = { .family = family, .prefix_len = plen };
	assert_int_equal(inet_pton(family, txt, p.addr), 1);
	return p;
}

static void test_prefix_overlaps(void **state)
{
	(void)state;
	struct drv_hostnet_prefix used[] = {
		prefix(AF_INET, "10.9.0.0", 24),
		prefix(AF_INET6, "fd00:9::", 64),
	};
	struct drv_hostnet_prefix p = prefix(AF_INET, "10.9.0.4", 30);
	assert_true(drv_hostnet_prefix_overlaps(used, 2, &p));
	p = prefix(AF_INET, "10.0.0.0", 8); /* contains one in use */
	assert_true(drv_hostnet_prefix_overlaps(used, 2, &p));
	p = prefix(AF_INET, "10.9.1.0", 30);
	assert_false(drv_hostnet_prefix_overlaps(used, 2, &p));
	p = prefix(AF_INET6, "fd00:9:0:0:1::", 80);
	assert_true(drv_hostnet_prefix_overlaps(used, 2, &p));
	p = prefix(AF_INET6, "fd00:a::", 64);
	assert_false(drv_hostnet_prefix_overlaps(used, 2, &p));
	assert_false(drv_hostnet_prefix_overlaps(used, 0, &p));
}

static void test_prefixes_in_use(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	struct holder h;
	holder_start(&h);
	sandbox_side(&h, "hn-host4", "eth0");
	struct rs_error *err = NULL;
	struct drv_hostnet_prefix *list;
	unsigned n;
	check_ok(drv_hostnet_prefixes(h.path, &list, &n, &err), &err);
	struct drv_hostnet_prefix probes[] = {
		prefix(AF_INET, "10.9.0.128", 30), /* the address's */
		prefix(AF_INET, "10.77.3.0", 24),  /* a route's */
		prefix(AF_INET6, "fd00:9::", 126), /* the v6 address's */
	};
	for (size_t i = 0; i < 3; i++)
		assert_true(drv_hostnet_prefix_overlaps(list, n, &probes[i]));
	/* Default routes do not make everything used. */
	struct drv_hostnet_prefix free_one = prefix(AF_INET, "10.200.0.0", 30);
	assert_false(drv_hostnet_prefix_overlaps(list, n, &free_one));
	free(list);
	check_ok(drv_hostnet_link_del(NULL, "hn-host4", &err), &err);
	holder_stop(&h);
}

/* Polls for the link's presence with a deadline: no sleeps as
 * synchronisation. */
static bool link_becomes(const char *name, bool present)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; i < 400; i++) {
		if ((if_nametoindex(name) != 0) == present)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 2)
			break;
		usleep(5000);
	}
	return false;
}

static void test_tap_lives_with_its_fd(void **state)
{
	(void)state;
	if (!have_netns)
		skip();
	struct rs_error *err = NULL;
	int fd;
	check_ok(drv_hostnet_tap_create(NULL, "hntap0",
					DRV_HOSTNET_TAP_VNET_HDR, &fd, &err),
		 &err);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(if_nametoindex("hntap0") != 0);
	/* A second device of that name is refused, not attached. */
	int fd2;
	assert_true(drv_hostnet_tap_create(NULL, "hntap0", 0, &fd2, &err) < 0);
	assert_int_equal(fd2, -1);
	assert_non_null(strstr(err->msg, "hntap0"));
	rs_error_clear(&err);
	struct drv_hostnet_addr a = addr(AF_INET, "10.5.0.1", 30);
	check_ok(drv_hostnet_addr_add(NULL, "hntap0", &a, &err), &err);
	check_ok(drv_hostnet_link_up(NULL, "hntap0", &err), &err);
	close(fd);
	assert_true(link_becomes("hntap0", false));

	check_ok(drv_hostnet_tap_create(NULL, "hntap1", DRV_HOSTNET_TAP_PERSIST,
					&fd, &err),
		 &err);
	close(fd);
	assert_true(if_nametoindex("hntap1") != 0);
	/* A persistent tap is attached by name (drivers/tap.h). */
	struct drv_link *link;
	check_ok(drv_open("tap:name=hntap1", &link, &err), &err);
	drv_close(link);
	assert_true(if_nametoindex("hntap1") != 0);
	check_ok(drv_hostnet_link_del(NULL, "hntap1", &err), &err);
	assert_true(link_becomes("hntap1", false));
	/* runsc do's tap: made persistent and configured here, adopted by
	 * the stack's link with "transient", gone with the link's fd. */
	check_ok(drv_hostnet_tap_create(NULL, "hntap3",
					DRV_HOSTNET_TAP_PERSIST |
						DRV_HOSTNET_TAP_VNET_HDR,
					&fd, &err),
		 &err);
	check_ok(drv_hostnet_addr_add(NULL, "hntap3", &a, &err), &err);
	close(fd);
	check_ok(drv_open("tap:name=hntap3,offload,transient", &link, &err),
		 &err);
	assert_true(if_nametoindex("hntap3") != 0);
	drv_close(link);
	assert_true(link_becomes("hntap3", false));
	/* A deletion prepared now, sent later; the second finds it gone. */
	check_ok(drv_hostnet_tap_create(NULL, "hntap4", DRV_HOSTNET_TAP_PERSIST,
					&fd, &err),
		 &err);
	close(fd);
	struct drv_hostnet_pending_del *del, *del2;
	check_ok(drv_hostnet_del_prepare(NULL, "hntap4", &del, &err), &err);
	check_ok(drv_hostnet_del_prepare(NULL, "hntap4", &del2, &err), &err);
	assert_true(drv_hostnet_del_fd(del) >= 0);
	assert_int_equal(drv_hostnet_del_commit(del), 0);
	assert_true(link_becomes("hntap4", false));
	assert_int_equal(drv_hostnet_del_commit(del2), -ENODEV);
	assert_int_equal(drv_hostnet_del_prepare(NULL, "hntap4", &del, &err),
			 -ENODEV);
	assert_null(del);
	rs_error_clear(&err);
	assert_int_equal(drv_hostnet_tap_create("/nonexistent/ns", "hntap2", 0,
						&fd, &err),
			 -ENOENT);
	rs_error_clear(&err);
}

int main(void)
{
	have_netns = drv_test_private_netns();
	if (!have_netns)
		fprintf(stderr, "# no network namespace (not root?): the live "
				"tests skip\n");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_overlaps),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_discover_veth),
		cmocka_unit_test(test_takeover_strips_kernel_side),
		cmocka_unit_test(test_odd_names_are_quoted),
		cmocka_unit_test(test_prefixes_in_use),
		cmocka_unit_test(test_tap_lives_with_its_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
