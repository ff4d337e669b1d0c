/* Two stacks over fault-injecting virtual-time links: byte-exact (hash
 * compared) transfers in both directions under loss, duplication,
 * reordering and corruption, for one connection and for many at once,
 * within a bounded virtual time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/epoll.h>

#include "list.h"
#include "tcp_harness.h"

#define SEC 1000000000ull
#define MS  1000000ull
#define MIB (1024ull * 1024)

/* A connection carrying a stream each way; a's side connects. */
struct flow {
	struct th_stream a_tx, a_rx, b_tx, b_rx;
	struct ns_waiter wa, wb;
	bool queued;
	bool done;
};

struct flows {
	struct th_net *net;
	struct ns_socket *listener;
	struct ns_waiter wl;
	struct flow *f;
	unsigned n, accepted, finished;
	unsigned *ring; /* flows to service, each at most once */
	unsigned head, tail;
	bool accept_ready;
	uint64_t bytes;
	int family;
};

static struct flows *cur;
/* SO_RCVBUF and SO_SNDBUF for every socket of run_flows (0: default). */
static int buf_size;

static void set_bufs(struct ns_socket *s)
{
	if (buf_size == 0)
		return;
	assert_int_equal(ns_socket_setsockopt(s, SOL_SOCKET, SO_RCVBUF,
					      &buf_size, sizeof(buf_size)),
			 0);
	assert_int_equal(ns_socket_setsockopt(s, SOL_SOCKET, SO_SNDBUF,
					      &buf_size, sizeof(buf_size)),
			 0);
}

static void mark(struct flow *f)
{
	if (f->queued)
		return;
	f->queued = true;
	cur->ring[cur->tail++ % (cur->n + 1)] = (unsigned)(f - cur->f);
}

static void notify_a(struct ns_waiter *w, uint32_t ev)
{
	(void)ev;
	mark(ns_container_of(w, struct flow, wa));
}

static void notify_b(struct ns_waiter *w, uint32_t ev)
{
	(void)ev;
	mark(ns_container_of(w, struct flow, wb));
}

static void notify_listener(struct ns_waiter *w, uint32_t ev)
{
	(void)w;
	(void)ev;
	cur->accept_ready = true;
}

static void service(struct flow *f)
{
	th_stream_write(&f->a_tx);
	th_stream_write(&f->b_tx);
	th_stream_read(&f->a_rx);
	th_stream_read(&f->b_rx);
	if (f->done)
		return;
	bool ok = f->a_rx.eof && f->b_rx.eof && f->a_tx.shut && f->b_tx.shut;
	bool err = f->a_tx.err || f->a_rx.err || f->b_tx.err || f->b_rx.err;
	if (ok || err) {
		f->done = true;
		cur->finished++;
	}
}

static bool drive(void *arg)
{
	struct flows *fs = arg;
	while (fs->accept_ready) {
		fs->accept_ready = false;
		struct ns_socket *s;
		while (ns_socket_accept(fs->listener, &s, NULL, NULL, 0) == 0) {
			assert_true(fs->accepted < fs->n);
			struct flow *f = &fs->f[fs->accepted++];
			th_stream_init(&f->b_tx, s, 2 * (f - fs->f) + 2,
				       fs->bytes);
			th_stream_init(&f->b_rx, s, 0, 0);
			f->wb.notify = notify_b;
			ns_socket_wait_add(s, &f->wb);
			mark(f);
		}
	}
	while (fs->head != fs->tail) {
		struct flow *f = &fs->f[fs->ring[fs->head++ % (fs->n + 1)]];
		f->queued = false;
		service(f);
	}
	return fs->finished == fs->n;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Runs n connections from a to b, each sending `bytes` both ways, and
 * checks every stream's hash. Returns the virtual time it took. */
static uint64_t run_flows(struct th_net *net, int family, unsigned n,
			  uint64_t bytes, uint64_t limit)
{
	struct flows fs = {
		.net = net, .n = n, .bytes = bytes, .family = family
	};
	cur = &fs;
	fs.f = calloc(n, sizeof(*fs.f));
	fs.ring = calloc(n + 1, sizeof(*fs.ring));
	const char *b_ip = family == AF_INET ? "10.1.0.2" : "fd01::2";
	fs.listener = th_listen(net->b, family, b_ip, 5001, (int)n);
	set_bufs(fs.listener);
	fs.wl.notify = notify_listener;
	ns_socket_wait_add(fs.listener, &fs.wl);
	uint64_t start = net->now;
	for (unsigned i = 0; i < n; i++) {
		struct flow *f = &fs.f[i];
		struct ns_socket *c = th_connect(net->a, family, b_ip, 5001);
		set_bufs(c);
		th_stream_init(&f->a_tx, c, 2 * i + 1, bytes);
		th_stream_init(&f->a_rx, c, 0, 0);
		f->wa.notify = notify_a;
		ns_socket_wait_add(c, &f->wa);
	}
	/* The accepted socket on b is matched to its flow in accept order;
	 * streams are checked by hash per direction below, so pairing by
	 * order only needs a's and b's sockets to be of one connection:
	 * b's reader hashes whatever a's writer of that connection sent. */
	bool ok = th_net_run(net, drive, &fs, start + limit);
	uint64_t took = net->now - start;
	if (!ok)
		fprintf(stderr, "finished %u of %u flows, accepted %u\n",
			fs.finished, n, fs.accepted);
	assert_true(ok);
	uint64_t *sent = calloc(2 * n, sizeof(*sent));
	uint64_t *got = calloc(2 * n, sizeof(*got));
	for (unsigned i = 0; i < n; i++) {
		struct flow *f = &fs.f[i];
		assert_int_equal(f->a_tx.err, 0);
		assert_int_equal(f->a_rx.err, 0);
		assert_int_equal(f->b_tx.err, 0);
		assert_int_equal(f->b_rx.err, 0);
		assert_int_equal(f->a_rx.done, bytes);
		assert_int_equal(f->b_rx.done, bytes);
		assert_true(f->a_tx.hash ==
			    th_stream_expected_hash(f->a_tx.seed, bytes));
		sent[2 * i] = f->a_tx.hash;
		sent[2 * i + 1] = f->b_tx.hash;
		got[2 * i] = f->b_rx.hash;
		got[2 * i + 1] = f->a_rx.hash;
		ns_socket_close(f->a_tx.sock);
		ns_socket_close(f->b_tx.sock);
		th_stream_free(&f->a_tx);
		th_stream_free(&f->b_tx);
	}
	/* Which of a's connections b accepted into which slot depends on
	 * arrival order: every stream sent must be among those received,
	 * hash for hash. */
	qsort(sent, 2 * n, sizeof(*sent), cmp_u64);
	qsort(got, 2 * n, sizeof(*got), cmp_u64);
	assert_memory_equal(sent, got, 2 * n * sizeof(*sent));
	free(sent);
	free(got);
	ns_socket_close(fs.listener);
	free(fs.f);
	free(fs.ring);
	return took;
}

static void test_clean_bulk_both_ways(void **state)
{
	(void)state;
	struct tcp_fl_params p = { .delay_ns = 5 * MS,
				   .rate_bps = 1000000000ull,
				   .queue_bytes = 2 * 1024 * 1024 };
	struct th_net net;
	th_net_init(&net, &p, &p, 1500, 0);
	uint64_t took = run_flows(&net, AF_INET, 1, 64 * MIB, 600 * SEC);
	fprintf(stderr,
		"64 MiB each way, clean 1 Gbit/s 10 ms RTT: %.2f s "
		"virtual\n",
		(double)took / SEC);
	th_net_free(&net);
}

static void test_lossy_bulk_both_ways(void **state)
{
	(void)state;
	struct tcp_fl_params p = { .loss_ppm = 100000,
				   .dup_ppm = 10000,
				   .reorder_ppm = 20000,
				   .reorder_ns = 3 * MS,
				   .corrupt_ppm = 5000,
				   .delay_ns = 1 * MS,
				   .rate_bps = 1000000000ull,
				   .queue_bytes = 1024 * 1024,
				   .seed = 7 };
	struct tcp_fl_params q = p;
	q.seed = 8;
	struct th_net net;
	th_net_init(&net, &p, &q, 1500, 0);
	uint64_t took = run_flows(&net, AF_INET, 1, 64 * MIB, 3600 * SEC);
	fprintf(stderr,
		"64 MiB each way at 10%% loss: %.1f s virtual, "
		"%llu retransmissions\n",
		(double)took / SEC,
		(unsigned long long)ns_stack_stat(net.a,
						  NS_STAT_Tcp_RetransSegs));
	th_net_free(&net);
}

static void test_many_connections(void **state)
{
	(void)state;
	struct tcp_fl_params p = { .loss_ppm = 20000,
				   .reorder_ppm = 10000,
				   .reorder_ns = 2 * MS,
				   .delay_ns = 2 * MS,
				   .rate_bps = 2000000000ull,
				   .queue_bytes = 4 * 1024 * 1024,
				   .seed = 11 };
	struct tcp_fl_params q = p;
	q.seed = 12;
	struct th_net net;
	th_net_init(&net, &p, &q, 1500, 0);
	uint64_t took = run_flows(&net, AF_INET6, 1000, 64 * 1024, 3600 * SEC);
	fprintf(stderr, "1000 connections x 64 KiB each way: %.1f s virtual\n",
		(double)took / SEC);
	th_net_free(&net);
}

/* Buffers far below the bandwidth-delay product (4 KiB each: Linux
 * doubles it to 8 KiB, less than six segments) with loss and
 * reordering: windows smaller than a few MSS, window updates, probes. */
static void test_small_buffers_lossy(void **state)
{
	(void)state;
	struct tcp_fl_params p = { .loss_ppm = 30000,
				   .reorder_ppm = 20000,
				   .reorder_ns = 2 * MS,
				   .delay_ns = 2 * MS,
				   .rate_bps = 1000000000ull,
				   .queue_bytes = 256 * 1024,
				   .seed = 21 };
	struct tcp_fl_params q = p;
	q.seed = 22;
	struct th_net net;
	th_net_init(&net, &p, &q, 1500, 0);
	buf_size = 4096;
	uint64_t took = run_flows(&net, AF_INET, 4, 1 * MIB, 3600 * SEC);
	buf_size = 0;
	fprintf(stderr,
		"4 connections x 1 MiB each way, 8 KiB buffers, 3%% loss: "
		"%.1f s virtual\n",
		(double)took / SEC);
	th_net_free(&net);
}

/* A long fat path (100 ms RTT, 1 Gbit/s): receive-buffer auto-tuning
 * must open the window far beyond its 64 KiB start, or 32 MiB would
 * take over 50 s. */
static void test_long_rtt_autotuning(void **state)
{
	(void)state;
	struct tcp_fl_params p = { .delay_ns = 50 * MS,
				   .rate_bps = 1000000000ull,
				   .queue_bytes = 16 * 1024 * 1024 };
	struct th_net net;
	th_net_init(&net, &p, &p, 1500, 0);
	uint64_t took = run_flows(&net, AF_INET, 1, 32 * MIB, 600 * SEC);
	fprintf(stderr,
		"32 MiB each way, 100 ms RTT 1 Gbit/s: %.2f s virtual\n",
		(double)took / SEC);
	assert_true(took < 5 * SEC);
	th_net_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_bulk_both_ways),
		cmocka_unit_test(test_lossy_bulk_both_ways),
		cmocka_unit_test(test_many_connections),
		cmocka_unit_test(test_small_buffers_lossy),
		cmocka_unit_test(test_long_rtt_autotuning),
	};
	return cmocka_run_group_tests_name("netstack/tcp_transfer", tests, NULL,
					   NULL);
}
