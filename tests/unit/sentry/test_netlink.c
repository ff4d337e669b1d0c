/* AF_NETLINK sockets (net/netlink.c, net/rtnetlink.c, net/sockdiag.c)
 * against the fake kernel with a netstack: requests go through the socket
 * syscalls as an application makes them, replies are parsed with libmnl
 * as a tool would. The fake task is this process, so arguments are plain
 * pointers. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
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

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const uint8_t MAC[6] = { 0x02, 0, 0, 0, 0, 0x0a };

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

static struct ns_stack *stack_of(struct fake *f)
{
	return sn_net_stack(f->k);
}

static int nl_open(struct fake *f, int proto)
{
	long fd = CALL(f, socket, AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK,
		       (uint64_t)proto);
	assert_true(fd >= 0);
	return (int)fd;
}

static void nl_send(struct fake *f, int fd, const void *buf, size_t len)
{
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	assert_int_equal(CALL(f, sendto, (uint64_t)fd, ptr(buf), len, 0,
			      ptr(&k), sizeof(k)),
			 (long)len);
}

static long nl_recv(struct fake *f, int fd, void *buf, size_t len, int flags)
{
	return CALL(f, recvfrom, (uint64_t)fd, ptr(buf), len, (uint64_t)flags,
		    0, 0);
}

/* A request header with room for its family header. */
static struct nlmsghdr *req(char *buf, uint16_t type, uint16_t flags,
			    size_t hdr)
{
	memset(buf, 0, 4096);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = 42;
	mnl_nlmsg_put_extra_header(nlh, hdr);
	return nlh;
}

/* Receives datagrams until the answer ends (DONE, an error or a
 * non-multi reply), each at most bufsize bytes; runs cb on the messages.
 * Returns mnl_cb_run's last result (>= 0) or -errno of an NLMSG_ERROR. */
static int talk(struct fake *f, int fd, size_t bufsize, mnl_cb_t cb, void *data)
{
	char *buf = malloc(bufsize);
	assert_non_null(buf);
	int ret;
	for (;;) {
		long n = nl_recv(f, fd, buf, bufsize, 0);
		assert_true(n > 0);
		errno = 0;
		ret = mnl_cb_run(buf, (size_t)n, 42, 0, cb, data);
		if (ret <= MNL_CB_STOP)
			break;
		struct nlmsghdr h;
		memcpy(&h, buf, sizeof(h));
		if (!(h.nlmsg_flags & NLM_F_MULTI))
			break;
	}
	free(buf);
	return ret < 0 ? -errno : ret;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* ---- the socket ------------------------------------------------------------ */

static void test_socket_errors(void **state)
{
	struct fake *f = *state;
	assert_int_equal(CALL(f, socket, AF_NETLINK, SOCK_STREAM, 0),
			 -ESOCKTNOSUPPORT);
	assert_int_equal(CALL(f, socket, AF_NETLINK, SOCK_RAW, 32),
			 -EPROTONOSUPPORT);
	assert_int_equal(CALL(f, socket, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC),
			 -EPROTONOSUPPORT);
	assert_true(CALL(f, socket, AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE) >=
		    0);
	assert_true(CALL(f, socket, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG) >=
		    0);
}

/* netlink_autobind: the process's pid first, then distinct negative
 * port ids; an explicit port taken is EADDRINUSE. */
static void test_autobind(void **state)
{
	struct fake *f = *state;
	int a = nl_open(f, NETLINK_ROUTE), b = nl_open(f, NETLINK_ROUTE),
	    c = nl_open(f, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK }, ga, gb;
	socklen_t len = sizeof(ga);
	assert_int_equal(CALL(f, getsockname, (uint64_t)a, ptr(&ga), ptr(&len)),
			 0);
	assert_int_equal(ga.nl_pid, 0); /* unbound */
	assert_int_equal(CALL(f, bind, (uint64_t)a, ptr(&sa), sizeof(sa)), 0);
	assert_int_equal(CALL(f, bind, (uint64_t)b, ptr(&sa), sizeof(sa)), 0);
	CALL(f, getsockname, (uint64_t)a, ptr(&ga), ptr(&len));
	CALL(f, getsockname, (uint64_t)b, ptr(&gb), ptr(&len));
	assert_int_equal(len, sizeof(struct sockaddr_nl));
	assert_int_equal(ga.nl_family, AF_NETLINK);
	assert_int_equal(ga.nl_pid, (uint32_t)f->proc->vpid);
	assert_true((int32_t)gb.nl_pid < -4096);
	/* Rebinding elsewhere: EINVAL; the pid of another: EADDRINUSE. */
	sa.nl_pid = 77;
	assert_int_equal(CALL(f, bind, (uint64_t)a, ptr(&sa), sizeof(sa)),
			 -EINVAL);
	sa.nl_pid = ga.nl_pid;
	assert_int_equal(CALL(f, bind, (uint64_t)c, ptr(&sa), sizeof(sa)),
			 -EADDRINUSE);
	sa.nl_family = AF_INET;
	assert_int_equal(CALL(f, bind, (uint64_t)c, ptr(&sa), sizeof(sa)),
			 -EINVAL);
	assert_int_equal(CALL(f, bind, (uint64_t)c, ptr(&sa), 4), -EINVAL);
}

static void test_options(void **state)
{
	struct fake *f = *state;
	int fd = nl_open(f, NETLINK_ROUTE);
	int one = 1, v = 0;
	socklen_t len = sizeof(v);
	for (int opt = NETLINK_PKTINFO; opt <= NETLINK_GET_STRICT_CHK; opt++) {
		if (opt == NETLINK_ADD_MEMBERSHIP ||
		    opt == NETLINK_DROP_MEMBERSHIP || opt == 6 || opt == 7 ||
		    opt == NETLINK_LIST_MEMBERSHIPS)
			continue;
		assert_int_equal(CALL(f, setsockopt, (uint64_t)fd, SOL_NETLINK,
				      (uint64_t)opt, ptr(&one), sizeof(one)),
				 0);
		len = sizeof(v);
		assert_int_equal(CALL(f, getsockopt, (uint64_t)fd, SOL_NETLINK,
				      (uint64_t)opt, ptr(&v), ptr(&len)),
				 0);
		assert_int_equal(v, 1);
	}
	/* Rings are gone from Linux: ENOPROTOOPT. */
	assert_int_equal(CALL(f, setsockopt, (uint64_t)fd, SOL_NETLINK, 6,
			      ptr(&one), sizeof(one)),
			 -ENOPROTOOPT);
	int g = RTNLGRP_IPV4_IFADDR;
	assert_int_equal(CALL(f, setsockopt, (uint64_t)fd, SOL_NETLINK,
			      NETLINK_ADD_MEMBERSHIP, ptr(&g), sizeof(g)),
			 0);
	g = 0;
	assert_int_equal(CALL(f, setsockopt, (uint64_t)fd, SOL_NETLINK,
			      NETLINK_ADD_MEMBERSHIP, ptr(&g), sizeof(g)),
			 -EINVAL);
	uint32_t groups[4] = { 0 };
	len = sizeof(groups);
	assert_int_equal(CALL(f, getsockopt, (uint64_t)fd, SOL_NETLINK,
			      NETLINK_LIST_MEMBERSHIPS, ptr(groups), ptr(&len)),
			 0);
	assert_int_equal(groups[0], 1u << (RTNLGRP_IPV4_IFADDR - 1));
	/* SO_RCVBUF doubles, as for every socket. */
	int rb = 50000;
	assert_int_equal(CALL(f, setsockopt, (uint64_t)fd, SOL_SOCKET,
			      SO_RCVBUF, ptr(&rb), sizeof(rb)),
			 0);
	len = sizeof(v);
	CALL(f, getsockopt, (uint64_t)fd, SOL_SOCKET, SO_RCVBUF, ptr(&v),
	     ptr(&len));
	assert_int_equal(v, 100000);
	CALL(f, getsockopt, (uint64_t)fd, SOL_SOCKET, SO_PROTOCOL, ptr(&v),
	     ptr(&len));
	assert_int_equal(v, NETLINK_ROUTE);
	assert_int_equal(CALL(f, setsockopt, (uint64_t)fd, SOL_SOCKET,
			      SO_PASSCRED, ptr(&one), sizeof(one)),
			 0);
}

/* ---- dumps ----------------------------------------------------------------- */

struct links {
	int n;
	char names[8][IFNAMSIZ];
	unsigned flags[8], type[8], mtu[8];
	uint8_t mac[8][6];
	bool stats[8];
};

static int link_attr(const struct nlattr *a, void *data)
{
	struct links *l = data;
	int i = l->n;
	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_STRING), 0);
		snprintf(l->names[i], IFNAMSIZ, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MTU:
		l->mtu[i] = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		assert_int_equal(mnl_attr_get_payload_len(a), 6);
		memcpy(l->mac[i], mnl_attr_get_payload(a), 6);
		break;
	case IFLA_STATS64:
		assert_int_equal((uintptr_t)mnl_attr_get_payload(a) % 8, 0);
		l->stats[i] = true;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *l = data;
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_true(l->n < 8);
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	l->flags[l->n] = ifm->ifi_flags;
	l->type[l->n] = ifm->ifi_type;
	mnl_attr_parse(nlh, sizeof(*ifm), link_attr, l);
	l->n++;
	return MNL_CB_OK;
}

static void test_getlink(void **state)
{
	struct fake *f = *state;
	fake_add_eth(f, "eth0", MAC);
	int fd = nl_open(f, NETLINK_ROUTE);
	char buf[4096];
	/* glibc's request: an rtgenmsg padded to 4 bytes. */
	struct nlmsghdr *nlh = req(buf, RTM_GETLINK, NLM_F_DUMP, 4);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	struct links l = { 0 };
	assert_int_equal(talk(f, fd, 4096, link_cb, &l), MNL_CB_STOP);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "lo");
	assert_int_equal(l.type[0], ARPHRD_LOOPBACK);
	assert_int_equal(l.flags[0], IFF_UP | IFF_LOOPBACK | IFF_RUNNING |
					     0x10000 /* IFF_LOWER_UP */);
	assert_int_equal(l.mtu[0], 65536);
	assert_true(l.stats[0]);
	assert_string_equal(l.names[1], "eth0");
	assert_int_equal(l.type[1], ARPHRD_ETHER);
	assert_int_equal(l.flags[1], IFF_UP | IFF_BROADCAST | IFF_RUNNING |
					     IFF_MULTICAST | 0x10000);
	assert_int_equal(l.mtu[1], 1500);
	assert_memory_equal(l.mac[1], MAC, 6);
	/* One link by name (RTM_GETLINK doit), then an unknown one. */
	nlh = req(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	memset(&l, 0, sizeof(l));
	assert_true(talk(f, fd, 4096, link_cb, &l) >= 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "eth0");
	nlh = req(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "nope0");
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, link_cb, &l), -ENODEV);
}

struct addrs {
	int n4, n6;
	bool brd;
	char last[INET6_ADDRSTRLEN];
	uint8_t scope_lo;
};

static int addr_attr(const struct nlattr *a, void *data)
{
	struct addrs *x = data;
	if (mnl_attr_get_type(a) == IFA_BROADCAST)
		x->brd = true;
	if (mnl_attr_get_type(a) == IFA_ADDRESS)
		inet_ntop(mnl_attr_get_payload_len(a) == 4 ? AF_INET : AF_INET6,
			  mnl_attr_get_payload(a), x->last, sizeof(x->last));
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addrs *x = data;
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family == AF_INET)
		x->n4++;
	else
		x->n6++;
	if (ifa->ifa_index == 1 && ifa->ifa_family == AF_INET) {
		x->scope_lo = ifa->ifa_scope;
		assert_int_equal(ifa->ifa_flags, IFA_F_PERMANENT);
	}
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, x);
	return MNL_CB_OK;
}

static void dump_addrs(struct fake *f, int fd, int family, size_t bufsize,
		       struct addrs *x)
{
	char buf[4096];
	struct nlmsghdr *nlh =
		req(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family =
		(uint8_t)family;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	memset(x, 0, sizeof(*x));
	assert_int_equal(talk(f, fd, bufsize, addr_cb, x), MNL_CB_STOP);
}

/* An address added with RTM_NEWADDR is in the next dump and routes; it
 * goes with RTM_DELADDR. */
static void test_addr_changes(void **state)
{
	struct fake *f = *state;
	int eth = fake_add_eth(f, "eth0", MAC);
	int fd = nl_open(f, NETLINK_ROUTE);
	struct addrs x;
	dump_addrs(f, fd, AF_UNSPEC, 4096, &x);
	assert_int_equal(x.n4, 1);
	assert_int_equal(x.scope_lo, RT_SCOPE_HOST);
	char buf[4096];
	struct nlmsghdr *nlh =
		req(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
		    sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifa_family = AF_INET;
	ifm->ifa_prefixlen = 24;
	ifm->ifa_index = (uint32_t)eth;
	uint32_t a;
	inet_pton(AF_INET, "10.1.2.3", &a);
	mnl_attr_put_u32(nlh, IFA_LOCAL, a);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), MNL_CB_STOP);
	dump_addrs(f, fd, AF_INET, 4096, &x);
	assert_int_equal(x.n4, 2);
	assert_int_equal(x.n6, 0);
	assert_string_equal(x.last, "10.1.2.3");
	assert_true(x.brd);
	/* The stack routes to the new prefix through eth0. */
	struct ns_route_lookup lk;
	uint8_t dst[16] = { 10, 1, 2, 77 };
	assert_int_equal(ns_stack_route_get(stack_of(f), AF_INET, dst, 0, &lk),
			 0);
	assert_int_equal(lk.ifindex, eth);
	/* Again: EEXIST. */
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EEXIST);
	/* Without IFA_LOCAL: EINVAL; a 2-byte IFA_LOCAL fails its policy. */
	nlh = req(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_ACK,
		  sizeof(struct ifaddrmsg));
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifa_family = AF_INET;
	ifm->ifa_index = (uint32_t)eth;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EINVAL);
	mnl_attr_put_u16(nlh, IFA_LOCAL, 7);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -ERANGE);
	/* An unknown device. */
	ifm->ifa_index = 99;
	nlh = req(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_ACK,
		  sizeof(struct ifaddrmsg));
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifa_family = AF_INET;
	ifm->ifa_index = 99;
	mnl_attr_put_u32(nlh, IFA_LOCAL, a);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -ENODEV);
	/* IPv6 with a lifetime. */
	nlh = req(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_ACK,
		  sizeof(struct ifaddrmsg));
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifa_family = AF_INET6;
	ifm->ifa_prefixlen = 64;
	ifm->ifa_index = (uint32_t)eth;
	uint8_t a6[16];
	inet_pton(AF_INET6, "fd00::7", a6);
	mnl_attr_put(nlh, IFA_LOCAL, 16, a6);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), MNL_CB_STOP);
	dump_addrs(f, fd, AF_INET6, 4096, &x);
	assert_int_equal(x.n4, 0);
	assert_int_equal(x.n6, 2); /* ::1 and fd00::7 */
	/* Delete both; a second delete finds nothing. */
	nlh = req(buf, RTM_DELADDR, NLM_F_ACK, sizeof(struct ifaddrmsg));
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifa_family = AF_INET;
	ifm->ifa_prefixlen = 24;
	ifm->ifa_index = (uint32_t)eth;
	mnl_attr_put_u32(nlh, IFA_LOCAL, a);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), MNL_CB_STOP);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EADDRNOTAVAIL);
	assert_int_equal(ns_stack_route_get(stack_of(f), AF_INET, dst, 0, &lk),
			 -ENETUNREACH);
	nlh = req(buf, RTM_DELADDR, NLM_F_ACK, sizeof(struct ifaddrmsg));
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifa_family = AF_INET6;
	ifm->ifa_prefixlen = 64;
	ifm->ifa_index = (uint32_t)eth;
	mnl_attr_put(nlh, IFA_ADDRESS, 16, a6);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), MNL_CB_STOP);
}

/* Without CAP_NET_ADMIN a change is EPERM; a dump still works. */
static void test_eperm(void **state)
{
	struct fake *f = *state;
	fake_set_uid(f, 1000);
	int fd = nl_open(f, NETLINK_ROUTE);
	char buf[4096];
	struct nlmsghdr *nlh = req(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_ACK,
				   sizeof(struct ifaddrmsg));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = AF_INET;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0x0a000001));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EPERM);
	nlh = req(buf, RTM_NEWROUTE, NLM_F_CREATE, sizeof(struct rtmsg));
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_INET;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EPERM);
	nlh = req(buf, RTM_SETLINK, 0, sizeof(struct ifinfomsg));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EPERM);
	struct addrs x;
	dump_addrs(f, fd, AF_UNSPEC, 4096, &x);
	assert_int_equal(x.n4 + x.n6, 2);
	fake_set_uid(f, 0);
}

struct routes {
	int main4, local4, main6, local6;
	bool dflt;
	uint32_t dflt_gw;
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct routes *r = data;
	if (mnl_attr_get_type(a) == RTA_GATEWAY &&
	    mnl_attr_get_payload_len(a) == 4)
		r->dflt_gw = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct routes *r = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	bool local = rtm->rtm_table == RT_TABLE_LOCAL;
	if (rtm->rtm_family == AF_INET)
		(*(local ? &r->local4 : &r->main4))++;
	else
		(*(local ? &r->local6 : &r->main6))++;
	if (rtm->rtm_family == AF_INET && rtm->rtm_dst_len == 0) {
		r->dflt = true;
		mnl_attr_parse(nlh, sizeof(*rtm), route_attr, r);
	}
	return MNL_CB_OK;
}

static void dump_routes(struct fake *f, int fd, struct routes *r)
{
	char buf[4096];
	struct nlmsghdr *nlh =
		req(buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(struct rtmsg));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	memset(r, 0, sizeof(*r));
	assert_int_equal(talk(f, fd, 4096, route_cb, r), MNL_CB_STOP);
}

static void test_routes(void **state)
{
	struct fake *f = *state;
	int eth = fake_add_eth(f, "eth0", MAC);
	struct ns_ifaddr ia = { .ifindex = eth,
				.family = AF_INET,
				.prefix_len = 24,
				.addr = { 192, 168, 5, 2 } };
	assert_int_equal(ns_stack_add_addr(stack_of(f), &ia), 0);
	int fd = nl_open(f, NETLINK_ROUTE);
	struct routes r;
	dump_routes(f, fd, &r);
	/* main: 192.168.5.0/24; local: 127/8, 127.0.0.1, 127.255.255.255,
	 * 192.168.5.2, 192.168.5.255; IPv6 local: ::1. */
	assert_int_equal(r.main4, 1);
	assert_int_equal(r.local4, 5);
	assert_int_equal(r.local6, 1);
	assert_false(r.dflt);
	/* ip route add default via 192.168.5.1 */
	char buf[4096];
	struct nlmsghdr *nlh =
		req(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
		    sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	uint32_t gw = htonl(0xc0a80501);
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), MNL_CB_STOP);
	dump_routes(f, fd, &r);
	assert_true(r.dflt);
	assert_int_equal(r.dflt_gw, gw);
	struct ns_route_lookup lk;
	uint8_t dst[16] = { 8, 8, 8, 8 };
	assert_int_equal(ns_stack_route_get(stack_of(f), AF_INET, dst, 0, &lk),
			 0);
	assert_memory_equal(lk.nexthop, &gw, 4);
	/* Again with NLM_F_EXCL: EEXIST. Another table: EOPNOTSUPP. */
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EEXIST);
	rtm->rtm_table = 100;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EOPNOTSUPP);
	/* ip route get 8.8.8.8 */
	nlh = req(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put(nlh, RTA_DST, 4, dst);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	memset(&r, 0, sizeof(r));
	assert_true(talk(f, fd, 4096, route_cb, &r) >= 0);
	assert_int_equal(r.main4, 1);
	/* Host bits in a prefix: EINVAL; delete, then ESRCH. */
	nlh = req(buf, RTM_DELROUTE, NLM_F_ACK, sizeof(struct rtmsg));
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 8;
	mnl_attr_put_u32(nlh, RTA_DST, htonl(0x0a000001));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -EINVAL);
	nlh = req(buf, RTM_DELROUTE, NLM_F_ACK, sizeof(struct rtmsg));
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_INET;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), MNL_CB_STOP);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), -ESRCH);
	assert_int_equal(ns_stack_route_get(stack_of(f), AF_INET, dst, 0, &lk),
			 -ENETUNREACH);
	/* ip route get 127.0.0.1: a local route. */
	nlh = req(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put_u32(nlh, RTA_DST, htonl(0x7f000001));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	char rb[4096];
	long n = nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_true(n > (long)NLMSG_HDRLEN);
	const struct nlmsghdr *rep = (const void *)rb;
	assert_int_equal(rep->nlmsg_type, RTM_NEWROUTE);
	const struct rtmsg *rr = mnl_nlmsg_get_payload(rep);
	assert_int_equal(rr->rtm_type, RTN_LOCAL);
	assert_true(rr->rtm_flags & RTM_F_CLONED);
}

struct neighs {
	int n;
	uint16_t state;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neighs *x = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	x->n++;
	x->state = nd->ndm_state;
	return MNL_CB_OK;
}

static void test_neigh(void **state)
{
	struct fake *f = *state;
	int eth = fake_add_eth(f, "eth0", MAC);
	struct ns_ifaddr ia = { .ifindex = eth,
				.family = AF_INET,
				.prefix_len = 24,
				.addr = { 192, 168, 5, 2 } };
	assert_int_equal(ns_stack_add_addr(stack_of(f), &ia), 0);
	int fd = nl_open(f, NETLINK_ROUTE);
	char buf[4096];
	struct nlmsghdr *nlh =
		req(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK,
		    sizeof(struct ndmsg));
	struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = eth;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put_u32(nlh, NDA_DST, htonl(0xc0a80509));
	mnl_attr_put(nlh, NDA_LLADDR, 6, MAC);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 4096, count_cb, NULL), MNL_CB_STOP);
	nlh = req(buf, RTM_GETNEIGH, NLM_F_DUMP, sizeof(struct ndmsg));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	struct neighs x = { 0 };
	assert_int_equal(talk(f, fd, 4096, neigh_cb, &x), MNL_CB_STOP);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.state, NUD_PERMANENT);
}

/* A dump larger than one datagram: parts as large as the reader's buffer
 * (never MSG_TRUNC for a page-sized one, as glibc reads them), NLMSG_DONE
 * at the end; MSG_PEEK|MSG_TRUNC with no buffer gives the next size. */
static void test_multipart_and_peek(void **state)
{
	struct fake *f = *state;
	int eth = fake_add_eth(f, "eth0", MAC);
	for (int i = 0; i < 200; i++) {
		struct ns_ifaddr a = { .ifindex = eth,
				       .family = AF_INET6,
				       .prefix_len = 128,
				       .flags = NS_ADDR_F_NODAD,
				       .addr = { 0xfd,
						 0, [14] = (uint8_t)(i >> 8),
						 [15] = (uint8_t)i } };
		assert_int_equal(ns_stack_add_addr(stack_of(f), &a), 0);
	}
	int fd = nl_open(f, NETLINK_ROUTE);
	char buf[4096];
	struct nlmsghdr *nlh =
		req(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	/* Peek at the size with an empty buffer, as `ip` does. */
	struct iovec iov = { NULL, 0 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	long peek =
		CALL(f, recvmsg, (uint64_t)fd, ptr(&m), MSG_PEEK | MSG_TRUNC);
	assert_true(peek > 1000 && peek <= 4096);
	assert_true(m.msg_flags & MSG_TRUNC);
	char *big = malloc(65536);
	assert_non_null(big);
	long n = nl_recv(f, fd, big, 4096, 0);
	assert_int_equal(n, peek);
	/* The rest in page-sized reads: whole messages, the last with DONE. */
	struct addrs x = { 0 };
	assert_int_equal(mnl_cb_run(big, (size_t)n, 42, 0, addr_cb, &x),
			 MNL_CB_OK);
	int parts = 1;
	for (;;) {
		iov = (struct iovec){ big, 4096 };
		m = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1 };
		n = CALL(f, recvmsg, (uint64_t)fd, ptr(&m), 0);
		assert_true(n > 0);
		assert_false(m.msg_flags & MSG_TRUNC);
		parts++;
		int r = mnl_cb_run(big, (size_t)n, 42, 0, addr_cb, &x);
		if (r == MNL_CB_STOP)
			break;
		assert_int_equal(r, MNL_CB_OK);
	}
	assert_true(parts > 2);
	assert_int_equal(x.n6, 201); /* ::1 and 200 more (no SLAAC) */
	assert_int_equal(x.n4, 1);
	/* Nothing left: EAGAIN on the non-blocking socket. */
	assert_int_equal(nl_recv(f, fd, big, 4096, 0), -EAGAIN);
	/* A reader that once offered 64 KiB gets parts up to 32 KiB from
	 * then on (netlink_recvmsg's max_recvmsg_len). */
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	n = nl_recv(f, fd, big, 65536, 0);
	assert_true(n > 0 && n <= 4096);
	n = nl_recv(f, fd, big, 65536, 0);
	assert_true(n > 4096 && n <= 32768);
	while (nl_recv(f, fd, big, 65536, 0) > 0)
		;
	/* A 100-byte buffer truncates; MSG_TRUNC gives the real length. */
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	struct sn_file *file = sn_task_file(f->task, fd);
	assert_true(file->ops->poll(file) & POLLIN);
	n = nl_recv(f, fd, big, 100, MSG_TRUNC);
	assert_true(n > 100);
	free(big);
}

/* Hostile requests: each is answered or ignored as Linux does, never a
 * crash. */
static void test_bad_requests(void **state)
{
	struct fake *f = *state;
	int fd = nl_open(f, NETLINK_ROUTE);
	char buf[4096], rb[4096];
	/* Shorter than a header, and a header that claims more than was
	 * sent: ignored. A header claiming less than itself: ignored. */
	nl_send(f, fd, "\x01\x02\x03", 3);
	struct nlmsghdr *nlh = req(buf, RTM_GETLINK, NLM_F_DUMP, 4);
	nlh->nlmsg_len = 4000;
	nl_send(f, fd, buf, 40);
	nlh->nlmsg_len = 8;
	nl_send(f, fd, buf, 40);
	assert_int_equal(nl_recv(f, fd, rb, sizeof(rb), 0), -EAGAIN);
	/* An empty send: nothing. */
	assert_int_equal(CALL(f, sendto, (uint64_t)fd, ptr(buf), 0, 0, 0, 0),
			 0);
	/* An unknown type: EOPNOTSUPP, with the request echoed. */
	nlh = req(buf, 200, NLM_F_ACK, 4);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	long n = nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_int_equal(n, NLMSG_HDRLEN + sizeof(struct nlmsgerr) + 4);
	const struct nlmsgerr *e = mnl_nlmsg_get_payload((void *)rb);
	assert_int_equal(e->error, -EOPNOTSUPP);
	assert_int_equal(e->msg.nlmsg_type, 200);
	assert_int_equal(e->msg.nlmsg_seq, 42);
	/* Not a request, and a control message: acked only. */
	nlh = req(buf, RTM_GETLINK, NLM_F_ACK, 4);
	nlh->nlmsg_flags &= (uint16_t)~NLM_F_REQUEST;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	n = nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_int_equal(
		((struct nlmsgerr *)mnl_nlmsg_get_payload((void *)rb))->error,
		0);
	assert_true(((struct nlmsghdr *)(void *)rb)->nlmsg_flags &
		    NLM_F_CAPPED);
	/* Attributes with bad lengths: a header only (nla_len 2) and one
	 * longer than the message. Legacy parsing stops there; strict
	 * checking refuses it, with the extended ack. */
	int one = 1;
	CALL(f, setsockopt, (uint64_t)fd, SOL_NETLINK, NETLINK_EXT_ACK,
	     ptr(&one), sizeof(one));
	nlh = req(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	struct nlattr *a = (void *)((char *)nlh + nlh->nlmsg_len);
	a->nla_len = 2;
	a->nla_type = IFLA_IFNAME;
	nlh->nlmsg_len += 4;
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index = 1;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	n = nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_int_equal(((struct nlmsghdr *)(void *)rb)->nlmsg_type,
			 RTM_NEWLINK);
	a->nla_len = 500;
	CALL(f, setsockopt, (uint64_t)fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK,
	     ptr(&one), sizeof(one));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	n = nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_true(n > 0);
	assert_int_equal(((struct nlmsghdr *)(void *)rb)->nlmsg_type,
			 NLMSG_ERROR);
	assert_int_equal(
		((struct nlmsgerr *)mnl_nlmsg_get_payload((void *)rb))->error,
		-EINVAL);
	assert_true(((struct nlmsghdr *)(void *)rb)->nlmsg_flags &
		    NLM_F_ACK_TLVS);
	/* A strict dump with a bad header: the error ends the dump. */
	nlh = req(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_prefixlen = 3;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	n = nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_int_equal(((struct nlmsghdr *)(void *)rb)->nlmsg_type,
			 NLMSG_DONE);
	int done;
	memcpy(&done, rb + NLMSG_HDRLEN, sizeof(done));
	assert_int_equal(done, -EINVAL);
	/* A family byte only: no answer but the ack. */
	nlh = req(buf, RTM_NEWADDR, NLM_F_ACK, 0);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	n = nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_int_equal(
		((struct nlmsgerr *)mnl_nlmsg_get_payload((void *)rb))->error,
		0);
	/* Several messages in one buffer: each answered in order. */
	char two[64];
	nlh = req(buf, 200, NLM_F_ACK, 4);
	memcpy(two, nlh, nlh->nlmsg_len);
	nlh->nlmsg_seq = 43;
	memcpy(two + 20, nlh, nlh->nlmsg_len);
	nl_send(f, fd, two, 40);
	nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_int_equal(((struct nlmsghdr *)(void *)rb)->nlmsg_seq, 42);
	nl_recv(f, fd, rb, sizeof(rb), 0);
	assert_int_equal(((struct nlmsghdr *)(void *)rb)->nlmsg_seq, 43);
	/* Random bytes: no crash, and the socket stays usable. */
	srand(7);
	for (int i = 0; i < 3000; i++) {
		size_t len = (size_t)(rand() % 200);
		for (size_t j = 0; j < len; j++)
			buf[j] = (char)rand();
		if (len >= 16 && rand() % 2) {
			struct nlmsghdr h;
			memcpy(&h, buf, sizeof(h));
			h.nlmsg_len = (uint32_t)(16 + rand() % (len - 15));
			h.nlmsg_type = (uint16_t)(16 + rand() % 100);
			h.nlmsg_flags |= NLM_F_REQUEST;
			memcpy(buf, &h, sizeof(h));
		}
		if (len)
			CALL(f, sendto, (uint64_t)fd, ptr(buf), len, 0, 0, 0);
		while (nl_recv(f, fd, rb, sizeof(rb), 0) > 0)
			;
	}
	struct addrs x;
	dump_addrs(f, fd, AF_UNSPEC, 4096, &x);
	assert_int_equal(x.n4, 1);
}

/* A member of RTNLGRP_IPV4_IFADDR hears of an address added. */
static void test_notify(void **state)
{
	struct fake *f = *state;
	int eth = fake_add_eth(f, "eth0", MAC);
	int mon = nl_open(f, NETLINK_ROUTE), fd = nl_open(f, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV4_IFADDR };
	assert_int_equal(CALL(f, bind, (uint64_t)mon, ptr(&sa), sizeof(sa)), 0);
	char buf[4096], rb[4096];
	struct nlmsghdr *nlh =
		req(buf, RTM_NEWADDR, NLM_F_CREATE, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifa_family = AF_INET;
	ifm->ifa_prefixlen = 16;
	ifm->ifa_index = (uint32_t)eth;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(0xac100001));
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	struct sockaddr_nl from;
	socklen_t fl = sizeof(from);
	long n = CALL(f, recvfrom, (uint64_t)mon, ptr(rb), sizeof(rb), 0,
		      ptr(&from), ptr(&fl));
	assert_true(n > 0);
	assert_int_equal(((struct nlmsghdr *)(void *)rb)->nlmsg_type,
			 RTM_NEWADDR);
	assert_int_equal(from.nl_pid, 0);
	assert_int_equal(from.nl_groups, RTMGRP_IPV4_IFADDR);
	/* No ack was asked for. */
	assert_int_equal(nl_recv(f, fd, rb, sizeof(rb), 0), -EAGAIN);
}

/* ---- sock_diag ---------------------------------------------------------------- */

struct diag {
	int n;
	uint32_t inode, wqueue;
	uint16_t sport;
	uint8_t state;
};

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	struct diag *d = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	d->n++;
	d->inode = m->idiag_inode;
	d->wqueue = m->idiag_wqueue;
	d->sport = ntohs(m->id.idiag_sport);
	d->state = m->idiag_state;
	return MNL_CB_OK;
}

static void test_sock_diag(void **state)
{
	struct fake *f = *state;
	int s = (int)CALL(f, socket, AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(8123),
				   .sin_addr.s_addr = htonl(0x7f000001) };
	assert_int_equal(CALL(f, bind, (uint64_t)s, ptr(&sin), sizeof(sin)), 0);
	assert_int_equal(CALL(f, listen, (uint64_t)s, 7), 0);
	int fd = nl_open(f, NETLINK_SOCK_DIAG);
	char buf[4096];
	struct nlmsghdr *nlh = req(buf, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP,
				   sizeof(struct inet_diag_req_v2));
	struct inet_diag_req_v2 *r = mnl_nlmsg_get_payload(nlh);
	r->sdiag_family = AF_INET;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_states = 1u << 10; /* TCP_LISTEN */
	r->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	struct diag d = { 0 };
	assert_int_equal(talk(f, fd, 8192, diag_cb, &d), MNL_CB_STOP);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.sport, 8123);
	assert_int_equal(d.state, 10);
	assert_int_equal(d.wqueue, 7); /* the backlog */
	struct stat st;
	struct sn_file *file = sn_task_file(f->task, s);
	file->ops->stat(file, &st);
	assert_int_equal(d.inode, (uint32_t)st.st_ino);
	/* UDP has none; AF_UNIX has no handler: ENOENT. */
	r->sdiag_protocol = IPPROTO_UDP;
	r->idiag_states = ~0u;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	memset(&d, 0, sizeof(d));
	assert_int_equal(talk(f, fd, 8192, diag_cb, &d), MNL_CB_STOP);
	assert_int_equal(d.n, 0);
	r->sdiag_family = AF_UNIX;
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 8192, diag_cb, &d), -ENOENT);
	/* A short request: EINVAL. */
	nlh->nlmsg_len = NLMSG_LENGTH(1);
	nl_send(f, fd, nlh, nlh->nlmsg_len);
	assert_int_equal(talk(f, fd, 8192, diag_cb, &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_socket_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_autobind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_changes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_eperm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neigh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multipart_and_peek, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sock_diag, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
