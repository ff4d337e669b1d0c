/* UDP between two stacks: exchange over IPv4 and IPv6, connected
 * sockets, ports, options, buffers, and ICMP errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "harness.h"

static void test_udp4_exchange(void **state)
{
	(void)state;
	struct nt_pair p;
	nt_pair_init(&p, 0, 0);
	struct ns_socket *a = nt_udp(p.a.stack, AF_INET, "0.0.0.0", 5000);
	struct ns_socket *b = nt_udp(p.b.stack, AF_INET, "10.0.0.2", 6000);
	struct sockaddr_in to = nt_sin("10.0.0.2", 6000);
	assert_int_equal(ns_socket_sendto(a, "hello", 5, 0,
					  (struct sockaddr *)&to, sizeof(to)),
			 5);
	nt_pump(&p);
	char buf[64];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	assert_int_equal(ns_socket_recvfrom(b, buf, sizeof(buf), 0,
					    (struct sockaddr *)&from, &flen),
			 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(flen, sizeof(from));
	assert_int_equal(ntohs(from.sin_port), 5000);
	assert_int_equal(from.sin_addr.s_addr,
			 nt_sin("10.0.0.1", 0).sin_addr.s_addr);
	/* And back to the sender's address. */
	assert_int_equal(ns_socket_sendto(b, "world!", 6, 0,
					  (struct sockaddr *)&from, flen),
			 6);
	nt_pump(&p);
	assert_int_equal(ns_socket_recvfrom(a, buf, sizeof(buf), 0, NULL, NULL),
			 6);
	assert_memory_equal(buf, "world!", 6);
	assert_int_equal(ns_socket_recvfrom(a, buf, sizeof(buf), 0, NULL, NULL),
			 -EAGAIN);
	assert_int_equal(nt_stat(p.b.stack, "Udp.InDatagrams"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Udp.OutDatagrams"), 1);
	assert_int_equal(nt_stat(p.a.stack, "Arp.OutRequests"), 1);
	ns_socket_close(a);
	ns_socket_close(b);
	nt_pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp4_exchange),
	};
	return cmocka_run_group_tests_name("netstack/udp", tests, NULL, NULL);
}
