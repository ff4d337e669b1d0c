/* Anonymous files: pipes, eventfd, epoll, AF_UNIX sockets, fd tables. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "fake.h"
#include "fs/unix.h"

static int setup(void **state)
{
	static struct fake f;
	fake_init(&f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fake_free(*state);
	return 0;
}

static int wakeups;

static void count_wake(struct sn_waiter *w, uint32_t events)
{
	(void)w;
	(void)events;
	wakeups++;
}

static void test_pipe_semantics(void **state)
{
	struct fake *f = *state;
	struct sn_file *rd, *wr;
	assert_int_equal(sn_pipe_new(f->k, 0, &rd, &wr), 0);
	char buf[8192];
	int64_t off = 0;
	assert_int_equal(rd->ops->read(rd, f->task, buf, 10, &off), -EAGAIN);
	assert_int_equal(wr->ops->poll(wr) & POLLOUT, POLLOUT);
	struct sn_waiter w = { .fn = count_wake };
	rs_list_init(&w.link);
	sn_waitq_add(sn_file_waitq(rd), &w);
	wakeups = 0;
	assert_int_equal(wr->ops->write(wr, f->task, "abc", 3, &off), 3);
	assert_true(wakeups > 0);
	assert_true(rd->ops->poll(rd) & POLLIN);
	assert_int_equal(rd->ops->read(rd, f->task, buf, 2, &off), 2);
	assert_int_equal(rd->ops->read(rd, f->task, buf, 10, &off), 1);
	/* Fill the pipe: a write of <= PIPE_BUF is all or nothing. */
	memset(buf, 'x', sizeof(buf));
	size_t total = 0;
	ssize_t n;
	while ((n = wr->ops->write(wr, f->task, buf, sizeof(buf), &off)) > 0)
		total += (size_t)n;
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(total, 65536);
	assert_int_equal(rd->ops->read(rd, f->task, buf, 100, &off), 100);
	assert_int_equal(wr->ops->write(wr, f->task, buf, 4096, &off), -EAGAIN);
	assert_int_equal(wr->ops->write(wr, f->task, buf, 100, &off), 100);
	sn_waiter_del(&w);
	/* Last writer gone: the reader drains, then sees EOF. */
	sn_file_put(wr);
	while (rd->ops->read(rd, f->task, buf, sizeof(buf), &off) > 0)
		;
	assert_int_equal(rd->ops->read(rd, f->task, buf, 1, &off), 0);
	assert_true(rd->ops->poll(rd) & POLLHUP);
	sn_file_put(rd);
	/* Last reader gone: EPIPE. */
	assert_int_equal(sn_pipe_new(f->k, 0, &rd, &wr), 0);
	sn_file_put(rd);
	assert_int_equal(wr->ops->write(wr, f->task, "x", 1, &off), -EPIPE);
	assert_true(wr->ops->poll(wr) & POLLERR);
	sn_file_put(wr);
}

static void test_eventfd_and_epoll(void **state)
{
	struct fake *f = *state;
	struct sn_file *efd, *ep;
	assert_int_equal(sn_eventfd_new(f->k, 0, 0, &efd), 0);
	assert_int_equal(sn_epoll_new(f->k, 0, &ep), 0);
	assert_int_equal(
		sn_epoll_ctl(ep, EPOLL_CTL_ADD, 5, efd, EPOLLIN | EPOLLET, 42),
		0);
	assert_int_equal(sn_epoll_ctl(ep, EPOLL_CTL_ADD, 5, efd, EPOLLIN, 1),
			 -EEXIST);
	assert_int_equal(sn_epoll_ctl(ep, EPOLL_CTL_ADD, 6, ep, EPOLLIN, 1),
			 -ELOOP);
	char evs[12 * 4];
	assert_int_equal(sn_epoll_collect(ep, evs, 4), 0);
	uint64_t v = 3;
	int64_t off = 0;
	assert_int_equal(efd->ops->write(efd, f->task, &v, 8, &off), 8);
	assert_int_equal(sn_epoll_collect(ep, evs, 4), 1);
	uint64_t data;
	memcpy(&data, evs + 4, 8);
	assert_int_equal(data, 42);
	/* Edge-triggered: no new edge, no new event. */
	assert_int_equal(sn_epoll_collect(ep, evs, 4), 0);
	assert_int_equal(efd->ops->read(efd, f->task, &v, 8, &off), 8);
	assert_int_equal(v, 3);
	assert_int_equal(efd->ops->read(efd, f->task, &v, 8, &off), -EAGAIN);
	assert_int_equal(efd->ops->read(efd, f->task, &v, 4, &off), -EINVAL);
	v = UINT64_MAX;
	assert_int_equal(efd->ops->write(efd, f->task, &v, 8, &off), -EINVAL);
	/* Closing the file removes its items. */
	sn_file_put(efd);
	assert_int_equal(sn_epoll_collect(ep, evs, 4), 0);
	sn_file_put(ep);
}

/* Each ready level-triggered item is reported once per collection, in
 * turn: they once went to the back of the list while it was walked and
 * were met again, filling the caller's whole array with repeats. */
static void test_epoll_level_reports_each_once(void **state)
{
	struct fake *f = *state;
	struct sn_file *efd[3], *ep;
	assert_int_equal(sn_epoll_new(f->k, 0, &ep), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sn_eventfd_new(f->k, 1, 0, &efd[i]), 0);
		assert_int_equal(sn_epoll_ctl(ep, EPOLL_CTL_ADD, 10 + i, efd[i],
					      EPOLLIN, (uint64_t)i),
				 0);
	}
	char evs[12 * 16];
	for (int round = 0; round < 2; round++) {
		assert_int_equal(sn_epoll_collect(ep, evs, 16), 3);
		unsigned seen = 0;
		for (int i = 0; i < 3; i++) {
			uint64_t data;
			memcpy(&data, evs + 12 * i + 4, 8);
			seen |= 1u << data;
		}
		assert_int_equal(seen, 7);
	}
	/* With room for fewer, the next call starts with the others. */
	assert_int_equal(sn_epoll_collect(ep, evs, 2), 2);
	uint64_t first;
	memcpy(&first, evs + 4, 8);
	assert_int_equal(sn_epoll_collect(ep, evs, 1), 1);
	uint64_t next;
	memcpy(&next, evs + 4, 8);
	assert_int_not_equal(next, first);
	for (int i = 0; i < 3; i++)
		sn_file_put(efd[i]);
	sn_file_put(ep);
}

static void test_unix_rights(void **state)
{
	struct fake *f = *state;
	struct sn_file *a, *b, *rd, *wr;
	assert_int_equal(sn_unix_pair(f->task, SOCK_STREAM, 0, &a, &b), 0);
	assert_int_equal(sn_pipe_new(f->k, 0, &rd, &wr), 0);
	struct sn_unix_anc anc = { 0 };
	anc.files = calloc(1, sizeof(*anc.files));
	anc.files[0] = sn_file_get(wr);
	anc.nfiles = 1;
	assert_int_equal(sn_unix_send(f->task, a, "m", 1, NULL, 0, &anc), 1);
	sn_unix_anc_clear(&anc);
	/* In flight the message holds the write end: no EOF yet. */
	sn_file_put(wr);
	char buf[4];
	int64_t off = 0;
	assert_int_equal(rd->ops->read(rd, f->task, buf, 1, &off), -EAGAIN);
	int mflags;
	struct sn_unix_anc got = { 0 };
	assert_int_equal(
		sn_unix_recv(f->task, b, buf, 4, 0, NULL, NULL, &got, &mflags),
		1);
	assert_int_equal(got.nfiles, 1);
	assert_int_equal(
		got.files[0]->ops->write(got.files[0], f->task, "z", 1, &off),
		1);
	sn_unix_anc_clear(&got);
	assert_int_equal(rd->ops->read(rd, f->task, buf, 4, &off), 1);
	assert_int_equal(rd->ops->read(rd, f->task, buf, 4, &off), 0);
	sn_file_put(rd);
	/* Peer closed: EOF for the reader, EPIPE for the writer. */
	sn_file_put(a);
	assert_int_equal(
		sn_unix_recv(f->task, b, buf, 4, 0, NULL, NULL, NULL, &mflags),
		0);
	assert_int_equal(sn_unix_send(f->task, b, "x", 1, NULL, 0, NULL),
			 -EPIPE);
	sn_file_put(b);
}

static void test_unix_names(void **state)
{
	struct fake *f = *state;
	struct sn_file *l, *c, *s;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, "/sock");
	socklen_t len = sizeof(addr);
	assert_int_equal(sn_unix_socket(f->k, SOCK_STREAM, 0, &l), 0);
	assert_int_equal(sn_unix_bind(f->task, l, &addr, len), 0);
	assert_int_equal(sn_unix_socket(f->k, SOCK_STREAM, 0, &c), 0);
	assert_int_equal(sn_unix_bind(f->task, c, &addr, len), -EADDRINUSE);
	assert_int_equal(sn_unix_connect(f->task, c, &addr, len, NULL),
			 -ECONNREFUSED);
	assert_int_equal(sn_unix_listen(f->task, l, 1), 0);
	assert_int_equal(sn_unix_connect(f->task, c, &addr, len, NULL), 0);
	struct sn_file *c2;
	assert_int_equal(sn_unix_socket(f->k, SOCK_STREAM, 0, &c2), 0);
	assert_int_equal(sn_unix_connect(f->task, c2, &addr, len, NULL),
			 -EAGAIN);
	assert_int_equal(sn_unix_accept(f->task, l, 0, &s, NULL, NULL), 0);
	assert_int_equal(sn_unix_send(f->task, c, "hi", 2, NULL, 0, NULL), 2);
	char buf[4];
	int mflags;
	assert_int_equal(
		sn_unix_recv(f->task, s, buf, 4, 0, NULL, NULL, NULL, &mflags),
		2);
	struct sn_file *d;
	assert_int_equal(sn_unix_socket(f->k, SOCK_DGRAM, 0, &d), 0);
	assert_int_equal(sn_unix_connect(f->task, d, &addr, len, NULL),
			 -EPROTOTYPE);
	sn_file_put(d);
	sn_file_put(s);
	sn_file_put(c);
	sn_file_put(c2);
	sn_file_put(l);
	/* The socket node stays, but nobody listens there any more. */
	assert_int_equal(sn_unix_socket(f->k, SOCK_STREAM, 0, &c), 0);
	assert_int_equal(sn_unix_connect(f->task, c, &addr, len, NULL),
			 -ECONNREFUSED);
	sn_file_put(c);
}

static void test_fdtable(void **state)
{
	struct fake *f = *state;
	struct sn_fdtable *t = sn_fdtable_new();
	struct sn_file *rd, *wr;
	assert_int_equal(sn_pipe_new(f->k, 0, &rd, &wr), 0);
	assert_int_equal(sn_fd_alloc(t, rd, 0, false, 4), 0);
	assert_int_equal(sn_fd_alloc(t, wr, 0, true, 4), 1);
	assert_int_equal(sn_fd_install_at(t, 3, rd, false, 4), 3);
	assert_int_equal(sn_fd_alloc(t, rd, 0, false, 4), 2);
	assert_int_equal(sn_fd_alloc(t, rd, 0, false, 4), -EMFILE);
	assert_int_equal(sn_fd_install_at(t, 4, rd, false, 4), -EBADF);
	struct sn_fdtable *copy = sn_fdtable_copy(t);
	sn_fdtable_close_on_exec(t);
	assert_null(sn_fd_get(t, 1));
	assert_ptr_equal(sn_fd_get(copy, 1), wr);
	assert_int_equal(sn_fd_close(t, 1), -EBADF);
	sn_fdtable_put(copy);
	sn_fdtable_put(t);
	/* The tables held the only other references. */
	assert_int_equal(rd->refs, 1);
	sn_file_put(rd);
	sn_file_put(wr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipe_semantics, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_epoll_level_reports_each_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eventfd_and_epoll, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unix_rights, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unix_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fdtable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
