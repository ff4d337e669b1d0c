/* Stack-wide settings (netstack/sysctl.h): Linux's checks on a change,
 * and each change seen in what the stack does next. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "netstack/sysctl.h"
#include "netstack/tcp_info.h"
#include "tcp_harness.h"

static void test_checks(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	long v[3];
	assert_int_equal(ns_stack_sysctl_get(s.e.stack,
					     "net.ipv4.ip_local_port_range", v,
					     3),
			 2);
	assert_int_equal(v[0], 32768);
	assert_int_equal(v[1], 60999);
	long bad[][2] = { { 2000, 1500 }, { 100, 200 }, { 1024, 70000 } };
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(
			ns_stack_sysctl_set(s.e.stack,
					    "net.ipv4.ip_local_port_range",
					    bad[i], 2),
			-EINVAL);
	long one = 1;
	assert_int_equal(
		ns_stack_sysctl_set(s.e.stack, "net.ipv4.tcp_rmem", &one, 1),
		-EINVAL); /* three values or none */
	assert_int_equal(ns_stack_sysctl_set(s.e.stack, "net.nope", &one, 1),
			 -ENOENT);
	assert_int_equal(
		ns_stack_sysctl_set_str(
			s.e.stack, "net.ipv4.tcp_congestion_control", "bbr"),
		-ENOENT);
	assert_int_equal(ns_stack_sysctl_set_str(
				 s.e.stack,
				 "net.ipv4.tcp_available_congestion_control",
				 "reno"),
			 -EPERM);
	char name[32];
	assert_int_equal(ns_stack_sysctl_get_str(
				 s.e.stack,
				 "net.ipv4.tcp_available_congestion_control",
				 name, sizeof(name)),
			 10);
	assert_string_equal(name, "reno cubic");
	for (const struct ns_sysctl_desc *d = ns_sysctl_list(); d->name; d++)
		assert_ptr_equal(ns_sysctl_find(d->name), d);
	nt_solo_free(&s);
}

/* The ephemeral range is UDP's and TCP's; exhausting it is EAGAIN. */
static void test_port_range(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	long r[2] = { 40000, 40001 };
	assert_int_equal(ns_stack_sysctl_set(s.e.stack,
					     "net.ipv4.ip_local_port_range", r,
					     2),
			 0);
	struct ns_socket *u[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(ns_socket_create(s.e.stack, AF_INET,
						  SOCK_DGRAM, 0, &u[i]),
				 0);
	struct sockaddr_in any = { .sin_family = AF_INET };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ns_socket_bind(u[i], (struct sockaddr *)&any,
						sizeof(any)),
				 0);
		struct sockaddr_in got;
		socklen_t len = sizeof(got);
		ns_socket_getsockname(u[i], (struct sockaddr *)&got, &len);
		assert_true(ntohs(got.sin_port) >= 40000 &&
			    ntohs(got.sin_port) <= 40001);
	}
	assert_int_equal(
		ns_socket_bind(u[2], (struct sockaddr *)&any, sizeof(any)),
		-EAGAIN);
	for (int i = 0; i < 3; i++)
		ns_socket_close(u[i]);
	nt_solo_free(&s);
}

/* New TCP sockets take the buffer sizes, keepalive times and congestion
 * control of the settings; listen is capped at somaxconn. */
static void test_tcp_defaults(void **state)
{
	(void)state;
	struct nt_solo s;
	nt_solo_init(&s, 0, 0);
	long rmem[3] = { 4096, 50000, 1000000 }, ka = 600, smc = 3;
	assert_int_equal(
		ns_stack_sysctl_set(s.e.stack, "net.ipv4.tcp_rmem", rmem, 3),
		0);
	assert_int_equal(ns_stack_sysctl_set(s.e.stack,
					     "net.ipv4.tcp_keepalive_time", &ka,
					     1),
			 0);
	assert_int_equal(
		ns_stack_sysctl_set(s.e.stack, "net.core.somaxconn", &smc, 1),
		0);
	assert_int_equal(
		ns_stack_sysctl_set_str(
			s.e.stack, "net.ipv4.tcp_congestion_control", "reno"),
		0);
	struct ns_socket *t;
	assert_int_equal(
		ns_socket_create(s.e.stack, AF_INET, SOCK_STREAM, 0, &t), 0);
	assert_int_equal(th_getsockopt_int(t, SOL_SOCKET, SO_RCVBUF), 50000);
	assert_int_equal(th_getsockopt_int(t, IPPROTO_TCP, TCP_KEEPIDLE), 600);
	char cc[16] = { 0 };
	socklen_t len = sizeof(cc);
	assert_int_equal(
		ns_socket_getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, &len),
		0);
	assert_string_equal(cc, "reno");
	struct sockaddr_in a = nt_sin("10.0.0.1", 7000);
	assert_int_equal(ns_socket_bind(t, (struct sockaddr *)&a, sizeof(a)),
			 0);
	assert_int_equal(ns_socket_listen(t, 100), 0);
	struct ns_socket_info info;
	ns_socket_get_info(t, &info);
	assert_int_equal(info.tx_queue, 3); /* the backlog */
	ns_socket_close(t);
	nt_solo_free(&s);
}

/* With tcp_sack and tcp_timestamps off on one side, a connection uses
 * neither; window scaling stays. */
static void test_tcp_options(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	long off = 0;
	assert_int_equal(
		ns_stack_sysctl_set(p.a.stack, "net.ipv4.tcp_sack", &off, 1),
		0);
	assert_int_equal(ns_stack_sysctl_set(
				 p.a.stack, "net.ipv4.tcp_timestamps", &off, 1),
			 0);
	struct ns_socket *l =
		th_listen(p.b.stack, AF_INET, "10.0.0.2", 5001, 4);
	struct ns_socket *c = th_connect(p.a.stack, AF_INET, "10.0.0.2", 5001);
	nt_pump(&p);
	struct ns_socket *s;
	assert_int_equal(ns_socket_accept(l, &s, NULL, NULL, 0), 0);
	struct ns_tcp_info ti;
	socklen_t len = sizeof(ti);
	assert_int_equal(
		ns_socket_getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(
		ti.options & (NS_TCPI_OPT_SACK | NS_TCPI_OPT_TIMESTAMPS), 0);
	assert_true(ti.options & NS_TCPI_OPT_WSCALE);
	len = sizeof(ti);
	ns_socket_getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len);
	assert_int_equal(
		ti.options & (NS_TCPI_OPT_SACK | NS_TCPI_OPT_TIMESTAMPS), 0);
	ns_socket_close(s);
	ns_socket_close(c);
	ns_socket_close(l);
	nt_pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_tcp_defaults),
		cmocka_unit_test(test_tcp_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
