/* UDP echo (udp_echo.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "runsc/list.h"
#include "netstack/socket.h"
#include "udp_echo.h"

/* Datagrams echoed per run before yielding to other tasks. */
#define ECHO_BATCH 64

struct nsd_udp_echo {
	struct nsd_task task;
	struct ns_waiter waiter;
	struct nsd_loop *loop;
	struct ns_socket *sock;
	struct nsd_counters *counters;
	uint8_t buf[65536]; /* the largest UDP payload, and then some */
};

static void echo_run(struct nsd_task *t)
{
	struct nsd_udp_echo *e = rs_container_of(t, struct nsd_udp_echo, task);
	for (int i = 0; i < ECHO_BATCH; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n =
			ns_socket_recvfrom(e->sock, e->buf, sizeof(e->buf), 0,
					   (struct sockaddr *)&from, &fromlen);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			/* An ICMP error reported on the socket (the peer's
			 * port closed): it is consumed by this read. */
			continue;
		}
		ssize_t s = ns_socket_sendto(e->sock, e->buf, (size_t)n, 0,
					     (struct sockaddr *)&from, fromlen);
		if (s == n)
			e->counters->udp_echoed++;
		else
			e->counters->udp_dropped++;
	}
	nsd_loop_wake(e->loop, &e->task);
}

static void echo_notify(struct ns_waiter *w, uint32_t events)
{
	(void)events;
	struct nsd_udp_echo *e =
		rs_container_of(w, struct nsd_udp_echo, waiter);
	nsd_loop_wake(e->loop, &e->task);
}

int nsd_udp_echo_open(struct nsd_loop *loop, struct ns_stack *stack, int family,
		      uint16_t port, struct nsd_counters *counters,
		      struct nsd_udp_echo **out, struct rs_error **err)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	struct nsd_udp_echo *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return rs_error_set(err, ENOMEM, "UDP echo");
	int rc = ns_socket_create(stack, family, SOCK_DGRAM, 0, &e->sock);
	if (rc < 0) {
		free(e);
		return rs_error_set(err, -rc, "%s UDP socket for port %u", fam,
				    port);
	}
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		int one = 1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
		rc = ns_socket_setsockopt(e->sock, IPPROTO_IPV6, IPV6_V6ONLY,
					  &one, sizeof(one));
	}
	if (rc == 0)
		rc = ns_socket_bind(e->sock, (struct sockaddr *)&ss, len);
	if (rc < 0) {
		ns_socket_close(e->sock);
		free(e);
		return rs_error_set(err, -rc, "bind %s UDP port %u", fam, port);
	}
	e->loop = loop;
	e->counters = counters;
	e->task.run = echo_run;
	e->waiter.notify = echo_notify;
	e->waiter.mask = EPOLLIN | EPOLLERR;
	ns_socket_wait_add(e->sock, &e->waiter);
	*out = e;
	return 0;
}

void nsd_udp_echo_close(struct nsd_udp_echo *e)
{
	if (e == NULL)
		return;
	nsd_task_cancel(&e->task);
	ns_socket_wait_del(e->sock, &e->waiter);
	ns_socket_close(e->sock);
	free(e);
}
