/* The control socket: a client that sent something still gets the reply
 * and then EOF (not a reset), a client that never closes is let go at the
 * tick, and a freed slot takes the next client. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "control.h"
#include "drivers/memlink.h"

#define REPLY	       "{\"ok\":true}\n"
#define TEST_BUDGET_NS (10 * 1000000000ull)

struct fixture {
	struct drv_nethost *host; /* on one end of a pipe pair */
	struct drv_link *peer;	  /* the other */
	struct nsd_loop loop;
	struct nsd_control *ctl;
	char path[64];
	/* The client the tick watches. */
	int client;
	char got[256];
	size_t got_len;
	int end; /* 0 while open, 1 at EOF, -errno on an error */
	uint64_t give_up;
};

static char *reply(void *arg)
{
	(void)arg;
	return strdup(REPLY);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	struct rs_error *err = NULL;
	struct drv_link *link;
	assert_int_equal(drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &link,
				       &fx->peer, &err),
			 0);
	struct drv_nethost_nic nic = { .link = link };
	assert_int_equal(
		drv_nethost_open(&(struct drv_nethost_config){ .nics = &nic,
							       .nnics = 1 },
				 &fx->host, &err),
		0);
	assert_int_equal(nsd_loop_init(&fx->loop, fx->host, &err), 0);
	snprintf(fx->path, sizeof(fx->path), "/tmp/nsd-ctl-test.%d",
		 (int)getpid());
	assert_int_equal(nsd_control_open(&fx->loop, fx->path, reply, NULL,
					  &fx->ctl, &err),
			 0);
	fx->client = -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (fx->client >= 0)
		close(fx->client);
	nsd_control_close(fx->ctl);
	nsd_loop_fini(&fx->loop);
	drv_nethost_close(fx->host);
	drv_close(fx->peer);
	free(fx);
	return 0;
}

static int connect_client(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	strcpy(sun.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* The loop's tick: reads what the client has, stops the loop at its end
 * or when the test's budget is spent. */
static void watch_client(void *arg, uint64_t now)
{
	struct fixture *fx = arg;
	for (;;) {
		ssize_t n = recv(fx->client, fx->got + fx->got_len,
				 sizeof(fx->got) - 1 - fx->got_len, 0);
		if (n > 0) {
			fx->got_len += (size_t)n;
			continue;
		}
		if (n == 0)
			fx->end = 1;
		else if (errno != EAGAIN)
			fx->end = -errno;
		break;
	}
	if (fx->end != 0 || now >= fx->give_up)
		nsd_loop_stop(&fx->loop);
}

static void run_until_client_ends(struct fixture *fx)
{
	fx->loop.tick = watch_client;
	fx->loop.tick_arg = fx;
	fx->loop.tick_ns = 1000000; /* polling the client, not a timeout */
	fx->loop.stop = false;
	fx->give_up = drv_monotonic_ns() + TEST_BUDGET_NS;
	struct rs_error *err = NULL;
	assert_int_equal(nsd_loop_run(&fx->loop, &err), 0);
}

static void test_client_that_sent_bytes_gets_eof(void **state)
{
	struct fixture *fx = *state;
	fx->client = connect_client(fx->path);
	static const char junk[] = "GET /stats please\n";
	assert_int_equal(send(fx->client, junk, sizeof(junk) - 1, 0),
			 (ssize_t)sizeof(junk) - 1);
	/* The reply arrives; the client closes its end after reading it. */
	run_until_client_ends(fx);
	assert_int_equal(fx->end, 1);
	fx->got[fx->got_len] = '\0';
	assert_string_equal(fx->got, REPLY);
	assert_int_equal(shutdown(fx->client, SHUT_WR), 0);
	nsd_loop_drain(&fx->loop);
}

static void test_lingering_client_is_let_go_at_tick(void **state)
{
	struct fixture *fx = *state;
	int quiet[NSD_CONTROL_CLIENTS];
	for (int i = 0; i < NSD_CONTROL_CLIENTS; i++)
		quiet[i] = connect_client(fx->path);
	/* Every slot is held by a client that got its reply but never
	 * closes: the next one waits in the backlog. */
	fx->client = connect_client(fx->path);
	nsd_loop_drain(&fx->loop);
	/* Let the loop serve the first eight, then stop without letting
	 * them go (the tick has not run). */
	fx->loop.tick = watch_client;
	fx->loop.tick_arg = fx;
	fx->loop.tick_ns = 1000000;
	fx->give_up = 0; /* one round */
	struct rs_error *err = NULL;
	assert_int_equal(nsd_loop_run(&fx->loop, &err), 0);
	assert_int_equal(fx->got_len, 0);
	/* Past the linger time, the tick frees the slots; the waiting
	 * client is served and reaches EOF. */
	nsd_control_tick(fx->ctl, drv_monotonic_ns() + 3000000000ull);
	for (int i = 0; i < NSD_CONTROL_CLIENTS; i++) {
		char buf[64];
		ssize_t n = recv(quiet[i], buf, sizeof(buf), 0);
		assert_int_equal(n, (ssize_t)strlen(REPLY));
		assert_int_equal(recv(quiet[i], buf, sizeof(buf), 0), 0);
		close(quiet[i]);
	}
	run_until_client_ends(fx);
	assert_int_equal(fx->end, 1);
	fx->got[fx->got_len] = '\0';
	assert_string_equal(fx->got, REPLY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_client_that_sent_bytes_gets_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_lingering_client_is_let_go_at_tick, setup,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
