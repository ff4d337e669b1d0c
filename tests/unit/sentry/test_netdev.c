/* Interface ioctls (net/netdev.c) through ioctl(2) on sockets of the
 * fake kernel with a netstack. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "net/net.h"
#include "netstack/stack.h"
#include "syscalls/syscalls.h"

static const uint8_t MAC[6] = { 0x02, 0x42, 0xac, 0x11, 0, 2 };

static int setup(void **state)
{
	static struct fake f;
	fake_init(&f);
	sn_task_rekey(f.task, getpid());
	fake_net(&f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fake_free(*state);
	return 0;
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static long ioc(struct fake *f, int fd, unsigned long cmd, struct ifreq *r)
{
	return CALL(f, ioctl, (uint64_t)fd, cmd, ptr(r));
}

static struct ifreq named(const char *name)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strncpy(r.ifr_name, name, IFNAMSIZ - 1);
	return r;
}

static uint32_t sin_addr(const struct ifreq *r)
{
	struct sockaddr_in sin;
	memcpy(&sin, &r->ifr_addr, sizeof(sin));
	assert_int_equal(sin.sin_family, AF_INET);
	return ntohl(sin.sin_addr.s_addr);
}

static void test_queries(void **state)
{
	struct fake *f = *state;
	int eth = fake_add_eth(f, "eth0", MAC);
	int fd = (int)CALL(f, socket, AF_INET, SOCK_DGRAM, 0);
	/* SIOCGIFCONF: sizing with no buffer, then the IPv4 addresses. */
	struct ifconf ifc = { .ifc_len = 0, .ifc_buf = NULL };
	assert_int_equal(CALL(f, ioctl, (uint64_t)fd, SIOCGIFCONF, ptr(&ifc)),
			 0);
	assert_int_equal(ifc.ifc_len, sizeof(struct ifreq)); /* lo only */
	struct ifreq reqs[4];
	ifc.ifc_len = sizeof(reqs);
	ifc.ifc_req = reqs;
	assert_int_equal(CALL(f, ioctl, (uint64_t)fd, SIOCGIFCONF, ptr(&ifc)),
			 0);
	assert_int_equal(ifc.ifc_len, sizeof(struct ifreq));
	assert_string_equal(reqs[0].ifr_name, "lo");
	assert_int_equal(sin_addr(&reqs[0]), 0x7f000001);
	struct ifreq r = named("eth0");
	assert_int_equal(ioc(f, fd, SIOCGIFINDEX, &r), 0);
	assert_int_equal(r.ifr_ifindex, eth);
	r = named("");
	r.ifr_ifindex = eth;
	assert_int_equal(ioc(f, fd, SIOCGIFNAME, &r), 0);
	assert_string_equal(r.ifr_name, "eth0");
	r.ifr_ifindex = 77;
	assert_int_equal(ioc(f, fd, SIOCGIFNAME, &r), -ENODEV);
	r = named("nope0");
	assert_int_equal(ioc(f, fd, SIOCGIFINDEX, &r), -ENODEV);
	r = named("lo");
	assert_int_equal(ioc(f, fd, SIOCGIFFLAGS, &r), 0);
	assert_int_equal((unsigned short)r.ifr_flags,
			 IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
	assert_int_equal(ioc(f, fd, SIOCGIFMTU, &r), 0);
	assert_int_equal(r.ifr_mtu, 65536);
	r = named("eth0");
	assert_int_equal(ioc(f, fd, SIOCGIFFLAGS, &r), 0);
	assert_int_equal((unsigned short)r.ifr_flags,
			 IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST);
	assert_int_equal(ioc(f, fd, SIOCGIFHWADDR, &r), 0);
	assert_int_equal(r.ifr_hwaddr.sa_family, ARPHRD_ETHER);
	assert_memory_equal(r.ifr_hwaddr.sa_data, MAC, 6);
	assert_int_equal(ioc(f, fd, SIOCGIFTXQLEN, &r), 0);
	assert_int_equal(r.ifr_qlen, 1000);
	/* No IPv4 address yet: EADDRNOTAVAIL. */
	assert_int_equal(ioc(f, fd, SIOCGIFADDR, &r), -EADDRNOTAVAIL);
	struct ns_ifaddr ia = { .ifindex = eth,
				.family = AF_INET,
				.prefix_len = 20,
				.addr = { 172, 17, 0, 2 } };
	assert_int_equal(ns_stack_add_addr(sn_net_stack(f->k), &ia), 0);
	assert_int_equal(ioc(f, fd, SIOCGIFADDR, &r), 0);
	assert_int_equal(sin_addr(&r), 0xac110002);
	assert_int_equal(ioc(f, fd, SIOCGIFNETMASK, &r), 0);
	assert_int_equal(sin_addr(&r), 0xfffff000);
	assert_int_equal(ioc(f, fd, SIOCGIFBRDADDR, &r), 0);
	assert_int_equal(sin_addr(&r), 0xac110fff);
	/* An alias label names its device. */
	r = named("eth0:1");
	assert_int_equal(ioc(f, fd, SIOCGIFADDR, &r), 0);
	assert_string_equal(r.ifr_name, "eth0:1");
	/* Bad memory, and not an interface ioctl. */
	assert_int_equal(CALL(f, ioctl, (uint64_t)fd, SIOCGIFINDEX, 8),
			 -EFAULT);
	assert_int_equal(CALL(f, ioctl, (uint64_t)fd, SIOCGIFMEM, ptr(&r)),
			 -ENOTTY);
	/* Any socket family answers (a unix socket here). */
	int u = (int)CALL(f, socket, AF_UNIX, SOCK_STREAM, 0);
	r = named("lo");
	assert_int_equal(ioc(f, u, SIOCGIFINDEX, &r), 0);
	assert_int_equal(r.ifr_ifindex, 1);
	/* SIOCETHTOOL: the link is up; lo has no driver information. */
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	r = named("lo");
	r.ifr_data = (void *)&ev;
	assert_int_equal(ioc(f, fd, SIOCETHTOOL, &r), 0);
	assert_int_equal(ev.data, 1);
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	r.ifr_data = (void *)&di;
	assert_int_equal(ioc(f, fd, SIOCETHTOOL, &r), -EOPNOTSUPP);
}

static void test_changes(void **state)
{
	struct fake *f = *state;
	int eth = fake_add_eth(f, "eth0", MAC);
	int fd = (int)CALL(f, socket, AF_INET, SOCK_DGRAM, 0);
	struct ifreq r = named("eth0");
	r.ifr_flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST;
	fake_set_uid(f, 1000);
	assert_int_equal(ioc(f, fd, SIOCSIFFLAGS, &r), -EPERM);
	r.ifr_mtu = 1400;
	assert_int_equal(ioc(f, fd, SIOCSIFMTU, &r), -EPERM);
	fake_set_uid(f, 0);
	r.ifr_flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST;
	assert_int_equal(ioc(f, fd, SIOCSIFFLAGS, &r), 0);
	r.ifr_flags = IFF_BROADCAST | IFF_MULTICAST; /* down */
	assert_int_equal(ioc(f, fd, SIOCSIFFLAGS, &r), -EOPNOTSUPP);
	r = named("nope");
	assert_int_equal(ioc(f, fd, SIOCSIFFLAGS, &r), -ENODEV);
	r = named("eth0");
	r.ifr_mtu = 1400;
	assert_int_equal(ioc(f, fd, SIOCSIFMTU, &r), 0);
	struct ns_nic_info ni;
	ns_stack_nic_info(sn_net_stack(f->k), eth, &ni);
	assert_int_equal(ni.mtu, 1400);
	r.ifr_mtu = 20;
	assert_int_equal(ioc(f, fd, SIOCSIFMTU, &r), -EINVAL);
	/* SIOCSIFADDR gives the classful prefix, SIOCSIFNETMASK another. */
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(0x0a000005) };
	r = named("eth0");
	memcpy(&r.ifr_addr, &sin, sizeof(sin));
	assert_int_equal(ioc(f, fd, SIOCSIFADDR, &r), 0);
	assert_int_equal(ioc(f, fd, SIOCGIFNETMASK, &r), 0);
	assert_int_equal(sin_addr(&r), 0xff000000);
	sin.sin_addr.s_addr = htonl(0xffffff00);
	memcpy(&r.ifr_addr, &sin, sizeof(sin));
	assert_int_equal(ioc(f, fd, SIOCSIFNETMASK, &r), 0);
	assert_int_equal(ioc(f, fd, SIOCGIFNETMASK, &r), 0);
	assert_int_equal(sin_addr(&r), 0xffffff00);
	sin.sin_addr.s_addr = htonl(0xff00ff00); /* not contiguous */
	memcpy(&r.ifr_addr, &sin, sizeof(sin));
	assert_int_equal(ioc(f, fd, SIOCSIFNETMASK, &r), -EINVAL);
	struct ns_route_lookup lk;
	uint8_t dst[16] = { 10, 0, 0, 9 };
	assert_int_equal(
		ns_stack_route_get(sn_net_stack(f->k), AF_INET, dst, 0, &lk),
		0);
	assert_int_equal(lk.ifindex, eth);
	/* A rename of an interface that is up: EBUSY, as Linux. */
	r = named("eth0");
	strcpy(r.ifr_newname, "eth9");
	assert_int_equal(ioc(f, fd, SIOCSIFNAME, &r), -EBUSY);
	r = named("eth0");
	assert_int_equal(ioc(f, fd, SIOCSIFMETRIC, &r), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
