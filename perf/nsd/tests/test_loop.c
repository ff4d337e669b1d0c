/* The event loop over a netstack host: the tasks a receive burst wakes run
 * before the next burst (so services read and answer as frames come, not
 * after the whole wake-up), their replies leave in the same round, and
 * the tick runs on time with nothing else to do. */
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/memlink.h"
#include "loop.h"
#include "netstack/socket.h"
#include "udp_echo.h"

static struct drv_nethost *host_on(struct drv_link *link, uint8_t last)
{
	struct ns_ifaddr addr = { .family = AF_INET,
				  .addr = { 10, 9, 0, last },
				  .prefix_len = 24 };
	struct drv_nethost_nic nic = { .link = link,
				       .flags = NS_NIC_F_NO_IPV6,
				       .addrs = &addr,
				       .naddrs = 1 };
	struct drv_nethost *h;
	struct rs_error *err = NULL;
	assert_int_equal(
		drv_nethost_open(&(struct drv_nethost_config){ .nics = &nic,
							       .nnics = 1 },
				 &h, &err),
		0);
	return h;
}

static bool readable(int fd)
{
	return poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 0) == 1;
}

static void test_tasks_run_between_bursts(void **unused)
{
	(void)unused;
	struct drv_link *la, *lb;
	struct rs_error *err = NULL;
	assert_int_equal(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &la, &lb, &err),
		0);
	struct drv_nethost *a = host_on(la, 1), *b = host_on(lb, 2);
	struct nsd_loop l;
	assert_int_equal(nsd_loop_init(&l, a, &err), 0);
	struct nsd_counters counters = { 0 };
	struct nsd_udp_echo *echo;
	assert_int_equal(nsd_udp_echo_open(&l, drv_nethost_stack(a), AF_INET, 7,
					   &counters, &echo, &err),
			 0);

	/* b resolves a's address, then sends 200 datagrams at once. */
	struct ns_socket *u;
	assert_int_equal(ns_socket_create(drv_nethost_stack(b), AF_INET,
					  SOCK_DGRAM, 0, &u),
			 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7),
				  .sin_addr.s_addr = htonl(0x0a090001) };
	assert_int_equal(ns_socket_sendto(u, "x", 1, 0, (struct sockaddr *)&to,
					  sizeof(to)),
			 1);
	nsd_loop_drain(&l); /* the ARP reply */
	assert_int_equal(drv_nethost_run(b, NULL, NULL), 0);
	nsd_loop_drain(&l); /* the first echo */
	assert_int_equal(counters.udp_echoed, 1);
	for (int i = 0; i < 200; i++)
		assert_int_equal(ns_socket_sendto(u, "y", 1, 0,
						  (struct sockaddr *)&to,
						  sizeof(to)),
				 1);
	drv_nethost_flush(b);

	/* One round takes them in bursts of 64; the echo task runs after
	 * each (echoing up to 64 per run), so all are answered in it. */
	nsd_loop_drain(&l);
	assert_int_equal(counters.udp_echoed, 201);
	assert_true(readable(drv_nethost_fd(b)));
	assert_int_equal(drv_nethost_run(b, NULL, NULL), 0);
	char buf[8];
	int got = 0;
	while (ns_socket_recvfrom(u, buf, sizeof(buf), 0, NULL, NULL) == 1)
		got++;
	assert_int_equal(got, 201);

	ns_socket_close(u);
	nsd_udp_echo_close(echo);
	nsd_loop_fini(&l);
	drv_nethost_close(a);
	drv_nethost_close(b);
}

struct ticks {
	struct nsd_loop *l;
	int count;
	uint64_t first, last;
};

static void on_tick(void *arg, uint64_t now)
{
	struct ticks *t = arg;
	if (t->count++ == 0)
		t->first = now;
	t->last = now;
	if (t->count == 3)
		nsd_loop_stop(t->l);
}

static void test_tick_runs_when_idle(void **unused)
{
	(void)unused;
	struct drv_link *la, *lb;
	struct rs_error *err = NULL;
	assert_int_equal(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &la, &lb, &err),
		0);
	struct drv_nethost_nic nic = { .link = la, .flags = NS_NIC_F_NO_IPV6 };
	struct drv_nethost *a;
	assert_int_equal(
		drv_nethost_open(&(struct drv_nethost_config){ .nics = &nic,
							       .nnics = 1 },
				 &a, &err),
		0);
	struct nsd_loop l;
	assert_int_equal(nsd_loop_init(&l, a, &err), 0);
	struct ticks t = { .l = &l };
	l.tick = on_tick;
	l.tick_arg = &t;
	l.tick_ns = 20000000;
	uint64_t t0 = drv_monotonic_ns();
	assert_int_equal(nsd_loop_run(&l, &err), 0);
	assert_int_equal(t.count, 3);
	assert_true(t.first >= t0 + l.tick_ns);
	assert_true(t.last - t.first >= 2 * l.tick_ns);
	nsd_loop_fini(&l);
	drv_nethost_close(a);
	drv_close(lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tasks_run_between_bursts),
		cmocka_unit_test(test_tick_runs_when_idle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
