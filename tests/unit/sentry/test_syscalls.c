/* Syscall handlers run against the fake kernel. The fake task's host tid
 * is this process, so the handlers' copy-in/copy-out (process_vm_readv on
 * the task) reach this test's own memory: arguments are plain pointers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "fs/tmpfs.h"
#include "syscalls/syscalls.h"

static int setup(void **state)
{
	static struct fake f;
	fake_init(&f);
	sn_task_rekey(f.task, getpid());
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

/* Every path operation on /proc answers with an errno (the procfs ops
 * table lacked most of them, and the handlers called through NULL). */
static void test_proc_path_ops(void **state)
{
	struct fake *f = *state;
	const char *cpu = "/proc/cpuinfo", *nu = "/proc/new";
	assert_int_equal(CALL(f, chmod, ptr(cpu), 0600), -EPERM);
	assert_int_equal(CALL(f, chown, ptr(cpu), 1, 1), -EPERM);
	assert_int_equal(CALL(f, rename, ptr(cpu), ptr(nu)), -ENOENT);
	assert_int_equal(CALL(f, rename, ptr(cpu), ptr("/proc/version")),
			 -EPERM);
	assert_int_equal(CALL(f, link, ptr(cpu), ptr(nu)), -ENOENT);
	assert_int_equal(CALL(f, symlink, ptr("x"), ptr(nu)), -ENOENT);
	assert_int_equal(CALL(f, mkdir, ptr(nu), 0755), -ENOENT);
	assert_int_equal(CALL(f, mknod, ptr(nu), S_IFIFO | 0644, 0), -ENOENT);
	assert_int_equal(CALL(f, unlink, ptr(cpu)), -EPERM);
	assert_int_equal(CALL(f, open, ptr(nu), O_WRONLY | O_CREAT, 0644),
			 -ENOENT);
	/* As on Linux for root, truncate and touch have no lasting effect
	 * but succeed. */
	assert_int_equal(CALL(f, truncate, ptr(cpu), 0), 0);
	assert_int_equal(CALL(f, utimensat, (uint64_t)AT_FDCWD, ptr(cpu), 0, 0),
			 0);
	/* Not root and not the owner: touch needs write permission. */
	f->proc->creds.euid = f->proc->creds.fsuid = 1000;
	assert_int_equal(CALL(f, utimensat, (uint64_t)AT_FDCWD, ptr(cpu), 0, 0),
			 -EACCES);
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	assert_int_equal(
		CALL(f, utimensat, (uint64_t)AT_FDCWD, ptr(cpu), ptr(ts), 0),
		-EPERM);
	assert_int_equal(CALL(f, truncate, ptr(cpu), 0), -EACCES);
	f->proc->creds.euid = f->proc->creds.fsuid = 0;
}

/* Sends the write end of a pipe over a socketpair and closes every fd
 * of it; returns the read end's file. */
static struct sn_file *send_pipe_end(struct fake *f, int sv[2])
{
	int pfd[2];
	assert_int_equal(CALL(f, socketpair, AF_UNIX, SOCK_STREAM, 0, ptr(sv)),
			 0);
	assert_int_equal(CALL(f, pipe2, ptr(pfd), 0), 0);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
	ctl.h.cmsg_level = SOL_SOCKET;
	ctl.h.cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(&ctl.h), &pfd[1], sizeof(int));
	char x = 'x';
	struct iovec iov = { &x, 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	assert_int_equal(CALL(f, sendmsg, (uint64_t)sv[0], ptr(&m), 0), 1);
	assert_int_equal(CALL(f, close, (uint64_t)pfd[1]), 0);
	return sn_task_file(f->task, pfd[0]);
}

/* A receiver whose control buffer is not writable loses the control
 * message, and the passed file is not left open anywhere: its pipe sees
 * the writer gone. */
static void test_rights_efault_no_leak(void **state)
{
	struct fake *f = *state;
	int sv[2];
	struct sn_file *rd = send_pipe_end(f, sv);
	assert_false(rd->ops->poll(rd) & POLLHUP);
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = (void *)8, /* unmapped */
			    .msg_controllen = CMSG_SPACE(sizeof(int)) };
	/* As Linux (checked natively): the byte arrives, the control
	 * message is lost with MSG_CTRUNC, and the descriptor whose number
	 * could not be written is not installed. */
	assert_int_equal(CALL(f, recvmsg, (uint64_t)sv[1], ptr(&m), 0), 1);
	assert_true(m.msg_flags & MSG_CTRUNC);
	assert_int_equal(m.msg_controllen, 0);
	assert_true(rd->ops->poll(rd) & POLLHUP);
	/* No fd was left installed either: the next is the lowest free. */
	assert_int_equal(CALL(f, dup, (uint64_t)sv[1]), sv[1] + 2);
}

/* Sends empty messages (with an fd when rights) until the receiver's
 * buffer refuses; returns how many went. */
static int fill_with_empty(struct fake *f, int fd, bool rights)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
	ctl.h.cmsg_level = SOL_SOCKET;
	ctl.h.cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(&ctl.h), &fd, sizeof(int));
	struct msghdr m = { 0 };
	if (rights) {
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
	}
	for (int sent = 0; sent < 1000000; sent++) {
		long r = CALL(f, sendmsg, (uint64_t)fd, ptr(&m), MSG_DONTWAIT);
		if (r == -EAGAIN)
			return sent;
		assert_int_equal(r, 0);
	}
	fail_msg("a million empty messages queued");
	return -1;
}

/* Empty datagrams and empty fd-carrying stream messages are charged to
 * the receive buffer: the sender gets EAGAIN, and room returns once the
 * receiver takes one. */
static void test_unix_empty_messages_bounded(void **state)
{
	struct fake *f = *state;
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	for (int i = 0; i < 2; i++) {
		int sv[2];
		assert_int_equal(
			CALL(f, socketpair, AF_UNIX, types[i], 0, ptr(sv)), 0);
		bool rights = types[i] == SOCK_STREAM;
		int sent = fill_with_empty(f, sv[0], rights);
		assert_true(sent > 0 && sent < 1000);
		char c;
		struct iovec iov = { &c, 1 };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		assert_int_equal(CALL(f, recvmsg, (uint64_t)sv[1], ptr(&m), 0),
				 0);
		if (rights)
			assert_int_equal(
				CALL(f, close, *(int *)CMSG_DATA(&ctl.h)), 0);
		assert_int_equal(fill_with_empty(f, sv[0], rights), 1);
		assert_int_equal(CALL(f, close, (uint64_t)sv[0]), 0);
		assert_int_equal(CALL(f, close, (uint64_t)sv[1]), 0);
	}
}

/* The root tmpfs of the fake kernel. */
static struct tmpfs *root_tmpfs(struct fake *f)
{
	struct sn_path p;
	assert_int_equal(sn_path_lookup_at(f->task, "/", "/", 0, &p), 0);
	struct tmpfs *fs = p.mnt->fs->priv;
	sn_path_free(&p);
	return fs;
}

/* A sparse extension holds no memory; writes are bounded by the tmpfs
 * budget (ENOSPC) and the file size by EFBIG. */
static void test_tmpfs_sparse_and_budget(void **state)
{
	struct fake *f = *state;
	struct tmpfs *fs = root_tmpfs(f);
	fs->limit = fs->used + (1u << 20);
	int fd = (int)CALL(f, open, ptr("/big"), O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	size_t before = fs->used;
	assert_int_equal(CALL(f, ftruncate, (uint64_t)fd, 1ull << 34), 0);
	assert_int_equal(fs->used, before);
	struct stat st;
	assert_int_equal(CALL(f, fstat, (uint64_t)fd, ptr(&st)), 0);
	assert_int_equal(st.st_size, 1ll << 34);
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(CALL(f, pread64, (uint64_t)fd, ptr(buf), sizeof(buf),
			      1ull << 33),
			 sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(CALL(f, pwrite64, (uint64_t)fd, ptr(buf), 100, 0),
			 100);
	assert_int_equal(
		CALL(f, pwrite64, (uint64_t)fd, ptr(buf), 100, 2u << 20),
		-ENOSPC);
	assert_int_equal(CALL(f, ftruncate, (uint64_t)fd, (1ull << 34) + 1),
			 -EFBIG);
	/* Cutting the file back releases its memory. */
	assert_int_equal(CALL(f, ftruncate, (uint64_t)fd, 0), 0);
	assert_int_equal(fs->used, before);
	assert_int_equal(
		CALL(f, pwrite64, (uint64_t)fd, ptr(buf), 100, 512u << 10),
		100);
	assert_int_equal(CALL(f, close, (uint64_t)fd), 0);
}

/* Devices but /dev/zero are refused before any fill could start. */
static void test_mmap_devices(void **state)
{
	struct fake *f = *state;
	static const char *const devs[] = { "/dev/urandom", "/dev/full",
					    "/dev/null" };
	for (int i = 0; i < 3; i++) {
		int fd = (int)CALL(f, open, ptr(devs[i]), O_RDONLY, 0);
		assert_true(fd >= 0);
		assert_int_equal(CALL(f, mmap, 0, 1ull << 40, PROT_READ,
				      MAP_PRIVATE | MAP_NORESERVE, (uint64_t)fd,
				      0),
				 -ENODEV);
		assert_int_equal(CALL(f, close, (uint64_t)fd), 0);
	}
}

/* fstatat(AT_FDCWD, "", AT_EMPTY_PATH) and statx alike describe the cwd. */
static void test_stat_empty_path_cwd(void **state)
{
	struct fake *f = *state;
	assert_int_equal(CALL(f, mkdir, ptr("/wd"), 0700), 0);
	assert_int_equal(CALL(f, chdir, ptr("/wd")), 0);
	struct stat st, want;
	assert_int_equal(CALL(f, newfstatat, (uint64_t)AT_FDCWD, ptr("/wd"),
			      ptr(&want), 0),
			 0);
	assert_int_equal(CALL(f, newfstatat, (uint64_t)AT_FDCWD, ptr(""),
			      ptr(&st), AT_EMPTY_PATH),
			 0);
	assert_int_equal(st.st_ino, want.st_ino);
	assert_true(S_ISDIR(st.st_mode));
	struct statx sx;
	assert_int_equal(CALL(f, statx, (uint64_t)AT_FDCWD, ptr(""),
			      AT_EMPTY_PATH, STATX_BASIC_STATS, ptr(&sx)),
			 0);
	assert_int_equal(sx.stx_ino, want.st_ino);
	assert_int_equal(
		CALL(f, newfstatat, (uint64_t)AT_FDCWD, ptr(""), ptr(&st), 0),
		-ENOENT);
}

/* A timeout of 2^62 seconds wrapped to 0 ns in the multiplication (an
 * immediate timeout); it saturates to "practically never" instead. */
static void test_huge_timeouts_saturate(void **state)
{
	struct fake *f = *state;
	int pfd[2];
	assert_int_equal(CALL(f, pipe2, ptr(pfd), 0), 0);
	struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
	struct timespec ts = { .tv_sec = 1ll << 62 };
	struct sn_sc sc = { .first = true,
			    .a = { ptr(&pf), 1, ptr(&ts), 0, 8 } };
	assert_int_equal(sys_ppoll(f->task, &sc), SN_PARK);
	uint64_t century = 1000000000ull * 86400 * 365 * 100;
	assert_true(f->task->sc.deadline > sn_now() + century);

	struct sn_file *tfd;
	assert_int_equal(sn_timerfd_new(f->k, CLOCK_MONOTONIC, 0, &tfd), 0);
	struct itimerspec nv = { .it_value = { .tv_sec = 1ll << 62 } }, cur;
	assert_int_equal(sn_timerfd_settime(tfd, 0, &nv, NULL), 0);
	assert_int_equal(sn_timerfd_gettime(tfd, &cur), 0);
	assert_true(cur.it_value.tv_sec > 86400ll * 365 * 100);
	sn_file_put(tfd);
}

/* select clamps nfds above the fd limit (64 here) instead of EINVAL. */
static void test_select_clamps_nfds(void **state)
{
	struct fake *f = *state;
	int pfd[2];
	assert_int_equal(CALL(f, pipe2, ptr(pfd), 0), 0);
	assert_int_equal(CALL(f, write, (uint64_t)pfd[1], ptr("x"), 1), 1);
	uint64_t rd[1024 / 64] = { 0 };
	rd[0] = 1ull << pfd[0];
	struct timeval tv = { 0 };
	assert_int_equal(CALL(f, select, 1024, ptr(rd), 0, 0, ptr(&tv)), 1);
	assert_int_equal(rd[0], 1ull << pfd[0]);
	assert_int_equal(CALL(f, select, (uint64_t)-1, ptr(rd), 0, 0, ptr(&tv)),
			 -EINVAL);
}

/* preadv2/pwritev2: -1 is the file position, other negatives EINVAL. */
static void test_rwv2_negative_offset(void **state)
{
	struct fake *f = *state;
	int fd = (int)CALL(f, open, ptr("/v2"), O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	char b[4] = "abc";
	struct iovec iov = { b, 3 };
	assert_int_equal(CALL(f, pwritev2, (uint64_t)fd, ptr(&iov), 1,
			      (uint64_t)-1, 0, 0),
			 3);
	assert_int_equal(CALL(f, pwritev2, (uint64_t)fd, ptr(&iov), 1,
			      (uint64_t)-2, 0, 0),
			 -EINVAL);
	assert_int_equal(CALL(f, preadv2, (uint64_t)fd, ptr(&iov), 1,
			      (uint64_t)-5, 0, 0),
			 -EINVAL);
	assert_int_equal(CALL(f, preadv2, (uint64_t)fd, ptr(&iov), 1, 0, 0, 0),
			 3);
	assert_int_equal(CALL(f, close, (uint64_t)fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_proc_path_ops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rights_efault_no_leak,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_unix_empty_messages_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmpfs_sparse_and_budget,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_devices, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stat_empty_path_cwd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_huge_timeouts_saturate,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_clamps_nfds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rwv2_negative_offset,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
