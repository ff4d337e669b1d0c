/* /proc/net and /proc/sys/net from the sandbox's netstack
 * (net/procnet.c through fs/procfs.c), read and written with the file
 * syscalls against the fake kernel. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "net/net.h"
#include "net/procnet.h"
#include "netstack/stack.h"
#include "syscalls/syscalls.h"

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

/* The whole file into buf (NUL-terminated); returns its length. */
static long slurp(struct fake *f, const char *path, char *buf, size_t cap)
{
	long fd = CALL(f, openat, (uint64_t)AT_FDCWD, ptr(path), O_RDONLY, 0);
	if (fd < 0)
		return fd;
	size_t used = 0;
	for (;;) {
		long n = CALL(f, read, (uint64_t)fd, ptr(buf + used),
			      cap - 1 - used);
		assert_true(n >= 0);
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = 0;
	CALL(f, close, (uint64_t)fd);
	return (long)used;
}

static long write_file(struct fake *f, const char *path, const char *s)
{
	long fd = CALL(f, openat, (uint64_t)AT_FDCWD, ptr(path), O_WRONLY, 0);
	if (fd < 0)
		return fd;
	long n = CALL(f, write, (uint64_t)fd, ptr(s), strlen(s));
	CALL(f, close, (uint64_t)fd);
	return n;
}

static uint64_t ino_of(struct fake *f, int fd)
{
	struct stat st;
	struct sn_file *file = sn_task_file(f->task, fd);
	file->ops->stat(file, &st);
	return st.st_ino;
}

/* Every file of /proc/net reads, on a stack with nothing but lo (empty
 * tables) and through /proc/PID/net as well. */
static void test_every_file(void **state)
{
	struct fake *f = *state;
	static char buf[65536], path[64];
	for (int i = 0; sn_procnet_files[i]; i++) {
		snprintf(path, sizeof(path), "/proc/net/%s",
			 sn_procnet_files[i]);
		/* Each has at least its header line. */
		assert_true(slurp(f, path, buf, sizeof(buf)) > 0);
		snprintf(path, sizeof(path), "/proc/1/net/%s",
			 sn_procnet_files[i]);
		assert_true(slurp(f, path, buf, sizeof(buf)) >= 0);
	}
}

static void test_tcp_udp_files(void **state)
{
	struct fake *f = *state;
	int s = (int)CALL(f, socket, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(8123),
				   .sin_addr.s_addr = htonl(0x7f000001) };
	assert_int_equal(CALL(f, bind, (uint64_t)s, ptr(&sin), sizeof(sin)), 0);
	assert_int_equal(CALL(f, listen, (uint64_t)s, 5), 0);
	int u = (int)CALL(f, socket, AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(5353),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	assert_int_equal(CALL(f, bind, (uint64_t)u, ptr(&s6), sizeof(s6)), 0);
	static char buf[65536];
	long n = slurp(f, "/proc/net/tcp", buf, sizeof(buf));
	assert_true(n > 0);
	/* Header and lines padded to 149 characters, as tcp4_seq_show. */
	assert_int_equal(strchr(buf, '\n') - buf, 149);
	assert_int_equal(
		strncmp(buf, "  sl  local_address rem_address   st", 36), 0);
	char want[256];
	snprintf(want, sizeof(want),
		 "   0: 0100007F:1FBB 00000000:0000 0A 00000000:00000000 "
		 "00:00000000 00000000     0        0 %llu 1 0000000000000000 "
		 "100 0 0 10 0",
		 (unsigned long long)ino_of(f, s));
	assert_non_null(strstr(buf, want));
	static char buf2[65536];
	assert_int_equal(slurp(f, "/proc/self/net/tcp", buf2, sizeof(buf2)), n);
	assert_string_equal(buf, buf2);
	n = slurp(f, "/proc/net/udp6", buf, sizeof(buf));
	snprintf(
		want, sizeof(want),
		"00000000000000000000000001000000:14E9 "
		"00000000000000000000000000000000:0000 07 00000000:00000000 "
		"00:00000000 00000000     0        0 %llu 2 0000000000000000 0\n",
		(unsigned long long)ino_of(f, u));
	assert_non_null(strstr(buf, want));
	n = slurp(f, "/proc/net/tcp6", buf, sizeof(buf));
	assert_int_equal(n, (long)strlen(buf));
	assert_null(strstr(buf, "1FBB"));
	assert_int_equal(slurp(f, "/proc/net/nope", buf, sizeof(buf)), -ENOENT);
	/* /proc/net is self/net. */
	char link[32] = { 0 };
	assert_int_equal(CALL(f, readlinkat, (uint64_t)AT_FDCWD,
			      ptr("/proc/net"), ptr(link), sizeof(link)),
			 8);
	assert_string_equal(link, "self/net");
}

static void test_dev_route_unix(void **state)
{
	struct fake *f = *state;
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x0a };
	int eth = fake_add_eth(f, "eth0", mac);
	struct ns_ifaddr ia = { .ifindex = eth,
				.family = AF_INET,
				.prefix_len = 24,
				.addr = { 192, 0, 2, 2 } };
	assert_int_equal(ns_stack_add_addr(sn_net_stack(f->k), &ia), 0);
	struct ns_route rt = { .family = AF_INET,
			       .gateway = { 192, 0, 2, 1 },
			       .ifindex = eth };
	assert_int_equal(ns_stack_add_route(sn_net_stack(f->k), &rt), 0);
	static char buf[65536];
	slurp(f, "/proc/net/dev", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\n    lo:       0       0    0    0"));
	assert_non_null(strstr(buf, "\n  eth0: "));
	slurp(f, "/proc/net/route", buf, sizeof(buf));
	assert_non_null(strstr(buf, "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t"
				    "00000000\t0\t0\t0"));
	assert_non_null(strstr(buf, "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t"
				    "00FFFFFF\t0\t0\t0"));
	slurp(f, "/proc/net/if_inet6", buf, sizeof(buf));
	assert_string_equal(buf, "00000000000000000000000000000001 01 80 10 80"
				 "       lo\n");
	slurp(f, "/proc/net/ipv6_route", buf, sizeof(buf));
	assert_non_null(strstr(buf, "00000000000000000000000000000001 80 "));
	int us = (int)CALL(f, socket, AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, "\0h3test", 7);
	assert_int_equal(CALL(f, bind, (uint64_t)us, ptr(&sun),
			      offsetof(struct sockaddr_un, sun_path) + 7),
			 0);
	assert_int_equal(CALL(f, listen, (uint64_t)us, 1), 0);
	slurp(f, "/proc/net/unix", buf, sizeof(buf));
	char want[256];
	snprintf(want, sizeof(want),
		 "0000000000000000: 00000002 00000000 00010000 0001 01 %5llu "
		 "@h3test\n",
		 (unsigned long long)ino_of(f, us));
	assert_non_null(strstr(buf, want));
	slurp(f, "/proc/net/snmp", buf, sizeof(buf));
	assert_int_equal(
		strncmp(buf, "Ip: Forwarding DefaultTTL InReceives", 36), 0);
	assert_non_null(strstr(buf, "\nTcp: 1 200 120000 -1 "));
	slurp(f, "/proc/net/sockstat", buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "sockets: used 1\n", 16), 0);
}

static void test_sysctl(void **state)
{
	struct fake *f = *state;
	static char buf[4096];
	slurp(f, "/proc/sys/net/ipv4/ip_local_port_range", buf, sizeof(buf));
	assert_string_equal(buf, "32768\t60999\n");
	slurp(f, "/proc/sys/net/ipv4/tcp_rmem", buf, sizeof(buf));
	assert_string_equal(buf, "4096\t131072\t6291456\n");
	slurp(f, "/proc/sys/net/ipv4/tcp_congestion_control", buf, sizeof(buf));
	assert_string_equal(buf, "cubic\n");
	slurp(f, "/proc/sys/net/ipv6/conf/lo/disable_ipv6", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	/* A write changes the stack: the ephemeral ports come from it. */
	const char *range = "40000 40000\n";
	assert_int_equal(
		write_file(f, "/proc/sys/net/ipv4/ip_local_port_range", range),
		(long)strlen(range));
	int s = (int)CALL(f, socket, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	assert_int_equal(CALL(f, bind, (uint64_t)s, ptr(&sin), sizeof(sin)), 0);
	socklen_t len = sizeof(sin);
	CALL(f, getsockname, (uint64_t)s, ptr(&sin), ptr(&len));
	assert_int_equal(ntohs(sin.sin_port), 40000);
	int s2 = (int)CALL(f, socket, AF_INET, SOCK_DGRAM, 0);
	sin.sin_port = 0;
	assert_int_equal(CALL(f, bind, (uint64_t)s2, ptr(&sin), sizeof(sin)),
			 -EAGAIN);
	/* Linux's checks: order, the privileged ports, the type. */
	assert_int_equal(write_file(f, "/proc/sys/net/ipv4/ip_local_port_range",
				    "2000 1500"),
			 -EINVAL);
	assert_int_equal(write_file(f, "/proc/sys/net/ipv4/ip_local_port_range",
				    "100 200"),
			 -EINVAL);
	assert_int_equal(write_file(f, "/proc/sys/net/core/somaxconn", "x"),
			 -EINVAL);
	assert_int_equal(write_file(f,
				    "/proc/sys/net/ipv4/tcp_congestion_control",
				    "bbr\n"),
			 -ENOENT);
	assert_int_equal(write_file(f,
				    "/proc/sys/net/ipv4/tcp_congestion_control",
				    "reno\n"),
			 5);
	slurp(f, "/proc/sys/net/ipv4/tcp_congestion_control", buf, sizeof(buf));
	assert_string_equal(buf, "reno\n");
	/* somaxconn caps the backlog of new listeners. */
	assert_int_equal(write_file(f, "/proc/sys/net/core/somaxconn", "3"), 1);
	int l = (int)CALL(f, socket, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in ls = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(0x7f000001) };
	CALL(f, bind, (uint64_t)l, ptr(&ls), sizeof(ls));
	assert_int_equal(CALL(f, listen, (uint64_t)l, 100), 0);
	struct sn_sock_snap *snap;
	int ns = sn_net_socks(f->k, &snap);
	assert_true(ns > 0);
	assert_int_equal(snap[0].info.state, 10 /* TCP_LISTEN */);
	assert_int_equal(snap[0].info.tx_queue, 3); /* the backlog */
	free(snap);
	/* Read-only files and an unprivileged writer: EACCES at open. */
	assert_int_equal(
		write_file(
			f,
			"/proc/sys/net/ipv4/tcp_available_congestion_control",
			"reno"),
		-EACCES);
	fake_set_uid(f, 1000);
	assert_int_equal(write_file(f, "/proc/sys/net/core/somaxconn", "9"),
			 -EACCES);
	fake_set_uid(f, 0);
	/* The directories list the files. */
	long fd =
		CALL(f, openat, (uint64_t)AT_FDCWD,
		     ptr("/proc/sys/net/ipv6/conf"), O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	long n = CALL(f, getdents64, (uint64_t)fd, ptr(buf), sizeof(buf));
	assert_true(n > 0);
	bool all = false, lo = false;
	for (long off = 0; off < n;) {
		uint16_t rl;
		memcpy(&rl, buf + off + 16, 2);
		all |= strcmp(buf + off + 19, "all") == 0;
		lo |= strcmp(buf + off + 19, "lo") == 0;
		off += rl;
	}
	assert_true(all && lo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tcp_udp_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dev_route_unix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sysctl, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
