/* The server and the client together over a socketpair, against a
 * temporary tree: file operations, fd donation, read-only exports, limits,
 * a dying server, and escape attempts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer_test.h"
#include "wire.h"

struct fixture {
	struct gt_env env;
	struct gf_client *c;
	uint32_t root;
};

static int setup_rw(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	gt_start(&fx->env, false, true, 0);
	fx->c = gt_client(&fx->env);
	assert_int_equal(gf_attach(fx->c, "/", 0, &fx->root, NULL), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	gf_client_free(fx->c);
	gt_stop(&fx->env);
	/* The connection ended with an orderly EOF. */
	assert_int_equal(fx->env.serve_result, 0);
	free(fx);
	return 0;
}

static char *host_path(struct fixture *fx, const char *rel)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", fx->env.root, rel);
	return path;
}

/* Walks one name from the root. */
static uint32_t walk1(struct fixture *fx, const char *name)
{
	uint32_t fid;
	const char *names[] = { name };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, names, &fid, NULL, NULL),
			 0);
	return fid;
}

static uint32_t clone_root(struct fixture *fx)
{
	uint32_t fid;
	assert_int_equal(gf_walk(fx->c, fx->root, 0, NULL, &fid, NULL, NULL),
			 0);
	return fid;
}

static struct gf_server_stats stats(struct fixture *fx)
{
	struct gf_server_stats st;
	gf_server_get_stats(fx->env.server, &st);
	return st;
}

static void test_attach_points(void **state)
{
	struct fixture *fx = *state;
	struct gf_attr a;
	assert_int_equal(gf_getattr(fx->c, fx->root, &a), 0);
	assert_true(S_ISDIR(a.mode));
	assert_int_equal(a.qid.type, GF_QTDIR);
	uint32_t fid;
	assert_int_equal(gf_attach(fx->c, "/nope", 0, &fid, NULL), -ENOENT);
	assert_int_equal(gf_attach(fx->c, "/data", 0, &fid, NULL), 0);
	struct stat st;
	assert_int_equal(stat(fx->env.extra, &st), 0);
	assert_int_equal(gf_getattr(fx->c, fid, &a), 0);
	assert_int_equal(a.uid, st.st_uid);
	assert_int_equal(a.mtime_sec, (uint64_t)st.st_mtim.tv_sec);
	assert_int_equal(gf_clunk(fx->c, fid), 0);
	/* A single-file export: the attach fid is the file. */
	assert_int_equal(gf_attach(fx->c, "/etc/hostname", 0, &fid, NULL), 0);
	assert_int_equal(gf_getattr(fx->c, fid, &a), 0);
	assert_true(S_ISREG(a.mode));
	const char *below[] = { "x" };
	uint32_t nf;
	assert_int_equal(gf_walk(fx->c, fid, 1, below, &nf, NULL, NULL),
			 -ENOTDIR);
	assert_int_equal(gf_lopen(fx->c, fid, O_RDWR, NULL, NULL, NULL),
			 -EROFS);
	int host_fd;
	assert_int_equal(gf_lopen(fx->c, fid, O_RDONLY, NULL, NULL, &host_fd),
			 0);
	char buf[16] = { 0 };
	assert_int_equal(read(host_fd, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "sandbox\n");
	close(host_fd);
	assert_int_equal(gf_clunk(fx->c, fid), 0);
	/* "" is the root too. */
	assert_int_equal(gf_attach(fx->c, "", 0, &fid, NULL), 0);
	assert_int_equal(gf_clunk(fx->c, fid), 0);
}

static void test_create_write_read_back(void **state)
{
	struct fixture *fx = *state;
	uint32_t fid = clone_root(fx);
	int host_fd = -1;
	struct gf_qid qid;
	uint32_t iounit;
	assert_int_equal(gf_lcreate(fx->c, fid, "f", O_RDWR, 0640, 0, &qid,
				    &iounit, &host_fd),
			 0);
	assert_true(host_fd >= 0);
	assert_int_equal(qid.type, GF_QTFILE);
	assert_true(iounit > 0 && iounit < gf_client_msize(fx->c));
	/* Larger than msize: the client splits it. */
	size_t len = 200000;
	uint8_t *buf = malloc(len), *back = malloc(len);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(gf_write(fx->c, fid, 0, buf, len), (ssize_t)len);
	memset(back, 0, len);
	assert_int_equal(gf_read(fx->c, fid, 0, back, len), (ssize_t)len);
	assert_memory_equal(buf, back, len);
	/* Reading past the end is short, then 0. */
	assert_int_equal(gf_read(fx->c, fid, len - 10, back, 100), 10);
	assert_int_equal(gf_read(fx->c, fid, len, back, 100), 0);
	/* The donated fd is the same file, no round trip needed. */
	memset(back, 0, len);
	assert_int_equal(pread(host_fd, back, len, 0), (ssize_t)len);
	assert_memory_equal(buf, back, len);
	assert_int_equal(pwrite(host_fd, "XY", 2, 0), 2);
	assert_int_equal(gf_read(fx->c, fid, 0, back, 2), 2);
	assert_memory_equal(back, "XY", 2);
	/* And the host sees it at the right place with the right mode. */
	struct stat st, hst;
	assert_int_equal(stat(host_path(fx, "f"), &st), 0);
	assert_int_equal(fstat(host_fd, &hst), 0);
	assert_int_equal(st.st_ino, hst.st_ino);
	assert_int_equal(st.st_size, (off_t)len);
	assert_int_equal(st.st_mode & 07777, 0640);
	struct gf_attr a;
	assert_int_equal(gf_getattr(fx->c, fid, &a), 0);
	assert_int_equal(a.size, len);
	assert_int_equal(gf_fsync(fx->c, fid, 0), 0);
	assert_int_equal(gf_fsync(fx->c, fid, 1), 0);
	/* The fd outlives the fid. */
	assert_int_equal(gf_clunk(fx->c, fid), 0);
	assert_int_equal(pread(host_fd, back, 2, 0), 2);
	close(host_fd);
	/* Creating it again fails: O_EXCL is implied. */
	fid = clone_root(fx);
	assert_int_equal(
		gf_lcreate(fx->c, fid, "f", O_RDWR, 0640, 0, NULL, NULL, NULL),
		-EEXIST);
	assert_int_equal(gf_clunk(fx->c, fid), 0);
	free(buf);
	free(back);
	assert_true(stats(fx).fds_donated >= 1);
}

static void test_lopen_donates_the_walked_file(void **state)
{
	struct fixture *fx = *state;
	gt_write_file(fx->env.root, "hello", "hello, gofer");
	uint32_t fid = walk1(fx, "hello");
	int host_fd;
	assert_int_equal(gf_lopen(fx->c, fid, O_RDONLY, NULL, NULL, &host_fd),
			 0);
	assert_true(host_fd >= 0);
	char buf[32] = { 0 };
	assert_int_equal(read(host_fd, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "hello, gofer");
	/* Opened read-only: the donated fd cannot write. */
	assert_int_equal(write(host_fd, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	/* Received close-on-exec. */
	assert_true(fcntl(host_fd, F_GETFD) & FD_CLOEXEC);
	struct stat a, b;
	assert_int_equal(fstat(host_fd, &a), 0);
	assert_int_equal(stat(host_path(fx, "hello"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
	close(host_fd);
	/* An open fid is not opened again, nor walked from. */
	assert_int_equal(gf_lopen(fx->c, fid, O_RDONLY, NULL, NULL, NULL),
			 -EBUSY);
	/* O_CREAT belongs to lcreate. */
	uint32_t fid2 = walk1(fx, "hello");
	assert_int_equal(
		gf_lopen(fx->c, fid2, O_RDONLY | O_CREAT, NULL, NULL, NULL),
		-EINVAL);
	/* O_TRUNC through lopen truncates. */
	assert_int_equal(
		gf_lopen(fx->c, fid2, O_WRONLY | O_TRUNC, NULL, NULL, NULL), 0);
	assert_int_equal(stat(host_path(fx, "hello"), &b), 0);
	assert_int_equal(b.st_size, 0);
	gf_clunk(fx->c, fid);
	gf_clunk(fx->c, fid2);
	/* A directory opens without a donated fd. */
	fid = clone_root(fx);
	assert_int_equal(gf_lopen(fx->c, fid, O_RDONLY | O_DIRECTORY, NULL,
				  NULL, &host_fd),
			 0);
	assert_int_equal(host_fd, -1);
	assert_int_equal(gf_read(fx->c, fid, 0, buf, sizeof(buf)), -EISDIR);
	gf_clunk(fx->c, fid);
	fid = clone_root(fx);
	assert_int_equal(gf_lopen(fx->c, fid, O_RDWR, NULL, NULL, NULL),
			 -EISDIR);
	gf_clunk(fx->c, fid);
}

struct names_seen {
	int count[400];
	int dots;
	uint64_t last_offset;
	int entries;
};

static int collect(void *arg, const struct gf_dirent *d)
{
	struct names_seen *seen = arg;
	char name[300];
	memcpy(name, d->name, d->name_len);
	name[d->name_len] = '\0';
	seen->last_offset = d->offset;
	seen->entries++;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		seen->dots++;
		return 0;
	}
	int i;
	if (sscanf(name, "entry-%d", &i) == 1 && i >= 0 && i < 400)
		seen->count[i]++;
	return 0;
}

static void test_mkdir_and_readdir_many(void **state)
{
	struct fixture *fx = *state;
	struct gf_qid qid;
	assert_int_equal(gf_mkdir(fx->c, fx->root, "d", 0750, 0, &qid), 0);
	assert_int_equal(qid.type, GF_QTDIR);
	struct stat st;
	assert_int_equal(stat(host_path(fx, "d"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(gf_mkdir(fx->c, fx->root, "d", 0750, 0, NULL),
			 -EEXIST);
	uint32_t dir = walk1(fx, "d");
	enum { N = 300 };
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "entry-%d", i);
		uint32_t f;
		assert_int_equal(gf_walk(fx->c, dir, 0, NULL, &f, NULL, NULL),
				 0);
		assert_int_equal(gf_lcreate(fx->c, f, name, O_WRONLY, 0600, 0,
					    NULL, NULL, NULL),
				 0);
		assert_int_equal(gf_clunk(fx->c, f), 0);
	}
	assert_int_equal(
		gf_lopen(fx->c, dir, O_RDONLY | O_DIRECTORY, NULL, NULL, NULL),
		0);
	/* Small replies force many Treaddir continuing at the offsets. */
	struct names_seen seen = { 0 };
	uint64_t offset = 0;
	int calls = 0;
	for (;;) {
		int n = gf_readdir(fx->c, dir, offset, 512, collect, &seen);
		assert_true(n >= 0);
		if (n == 0)
			break;
		offset = seen.last_offset;
		assert_true(++calls < 1000);
	}
	assert_true(calls > 10);
	assert_int_equal(seen.dots, 2);
	for (int i = 0; i < N; i++)
		assert_int_equal(seen.count[i], 1);
	/* A count too small for any entry is an error, not an end. */
	assert_int_equal(gf_readdir(fx->c, dir, 0, 10, collect, &seen),
			 -EINVAL);
	/* readdir needs an open directory. */
	uint32_t closed = walk1(fx, "d");
	assert_int_equal(gf_readdir(fx->c, closed, 0, 0, collect, &seen),
			 -EBADF);
	gf_clunk(fx->c, closed);
	gf_clunk(fx->c, dir);
}

static void test_rename_unlink_remove(void **state)
{
	struct fixture *fx = *state;
	gt_write_file(fx->env.root, "a", "A");
	assert_int_equal(gf_mkdir(fx->c, fx->root, "sub", 0755, 0, NULL), 0);
	uint32_t sub = walk1(fx, "sub");
	assert_int_equal(gf_renameat(fx->c, fx->root, "a", sub, "b"), 0);
	struct stat st;
	assert_int_equal(stat(host_path(fx, "sub/b"), &st), 0);
	assert_int_equal(stat(host_path(fx, "a"), &st), -1);
	assert_int_equal(gf_renameat(fx->c, fx->root, "a", sub, "b"), -ENOENT);
	assert_int_equal(gf_renameat(fx->c, fx->root, "..", sub, "b"), -EINVAL);
	/* Not across attach points. */
	uint32_t data;
	assert_int_equal(gf_attach(fx->c, "/data", 0, &data, NULL), 0);
	assert_int_equal(gf_renameat(fx->c, sub, "b", data, "b"), -EROFS);
	gf_clunk(fx->c, data);
	assert_int_equal(gf_unlinkat(fx->c, fx->root, "sub", AT_REMOVEDIR),
			 -ENOTEMPTY);
	assert_int_equal(gf_unlinkat(fx->c, sub, "b", 0), 0);
	assert_int_equal(gf_unlinkat(fx->c, sub, "b", 0), -ENOENT);
	assert_int_equal(gf_unlinkat(fx->c, fx->root, "sub", 0x1234), -EINVAL);
	assert_int_equal(gf_unlinkat(fx->c, fx->root, "sub", AT_REMOVEDIR), 0);
	assert_int_equal(stat(host_path(fx, "sub"), &st), -1);
	gf_clunk(fx->c, sub);
	/* Tremove removes by fid, and clunks it either way. */
	gt_write_file(fx->env.root, "gone", "x");
	uint32_t f = walk1(fx, "gone");
	assert_int_equal(gf_remove(fx->c, f), 0);
	assert_int_equal(stat(host_path(fx, "gone"), &st), -1);
	assert_int_equal(gf_clunk(fx->c, f), -EBADF);
	/* The root of an export cannot be removed. */
	f = clone_root(fx);
	assert_int_equal(gf_remove(fx->c, f), -EBUSY);
	/* A file renamed behind the fid's back is not removed by its old
	 * name, nor is what now sits there. */
	gt_write_file(fx->env.root, "old", "1");
	f = walk1(fx, "old");
	char old[512];
	snprintf(old, sizeof(old), "%s", host_path(fx, "old"));
	assert_int_equal(rename(old, host_path(fx, "new")), 0);
	gt_write_file(fx->env.root, "old", "2");
	assert_int_equal(gf_remove(fx->c, f), -ENOENT);
	assert_int_equal(stat(host_path(fx, "old"), &st), 0);
	assert_int_equal(stat(host_path(fx, "new"), &st), 0);
}

static void test_symlinks_and_hard_links(void **state)
{
	struct fixture *fx = *state;
	gt_write_file(fx->env.root, "file", "data");
	struct gf_qid qid;
	assert_int_equal(gf_symlink(fx->c, fx->root, "s", "file", 0, &qid), 0);
	assert_int_equal(qid.type, GF_QTSYMLINK);
	char target[64];
	assert_int_equal(readlink(host_path(fx, "s"), target, sizeof(target)),
			 4);
	uint32_t s = walk1(fx, "s");
	assert_int_equal(gf_readlink(fx->c, s, target, sizeof(target)), 4);
	assert_string_equal(target, "file");
	assert_int_equal(gf_readlink(fx->c, s, target, 4), -ENAMETOOLONG);
	/* The gofer never follows it: opening is refused. */
	assert_int_equal(gf_lopen(fx->c, s, O_RDONLY, NULL, NULL, NULL),
			 -ELOOP);
	struct gf_attr a;
	assert_int_equal(gf_getattr(fx->c, s, &a), 0);
	assert_true(S_ISLNK(a.mode));
	uint32_t f = walk1(fx, "file");
	assert_int_equal(gf_readlink(fx->c, f, target, sizeof(target)),
			 -EINVAL);
	/* A hard link is the same inode. */
	assert_int_equal(gf_link(fx->c, fx->root, f, "hard"), 0);
	assert_int_equal(gf_getattr(fx->c, f, &a), 0);
	assert_int_equal(a.nlink, 2);
	struct stat x, y;
	assert_int_equal(stat(host_path(fx, "file"), &x), 0);
	assert_int_equal(stat(host_path(fx, "hard"), &y), 0);
	assert_int_equal(x.st_ino, y.st_ino);
	assert_int_equal(gf_link(fx->c, fx->root, f, "hard"), -EEXIST);
	/* Directories cannot be hard-linked. */
	uint32_t r = clone_root(fx);
	assert_int_equal(gf_link(fx->c, fx->root, r, "rootlink"), -EPERM);
	assert_int_equal(gf_symlink(fx->c, fx->root, "empty", "", 0, NULL),
			 -ENOENT);
	gf_clunk(fx->c, r);
	gf_clunk(fx->c, s);
	gf_clunk(fx->c, f);
}

static void test_permissions_and_ownership(void **state)
{
	struct fixture *fx = *state;
	/* Files created through an attach are owned by its uid. */
	uint32_t root1000;
	assert_int_equal(gf_attach(fx->c, "/", 1000, &root1000, NULL), 0);
	assert_int_equal(gf_mkdir(fx->c, root1000, "mine", 0700, 2000, NULL),
			 0);
	struct stat st;
	assert_int_equal(stat(host_path(fx, "mine"), &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 2000);
	assert_int_equal(st.st_mode & 07777, 0700);
	uint32_t f;
	assert_int_equal(gf_walk(fx->c, root1000, 0, NULL, &f, NULL, NULL), 0);
	assert_int_equal(gf_lcreate(fx->c, f, "owned", O_WRONLY, 0604, 3000,
				    NULL, NULL, NULL),
			 0);
	assert_int_equal(stat(host_path(fx, "owned"), &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 3000);
	assert_int_equal(st.st_mode & 07777, 0604);
	gf_clunk(fx->c, f);
	/* setattr: mode, owner, size, times. */
	f = walk1(fx, "owned");
	struct gf_setattr sa = { .valid = GF_SETATTR_MODE, .mode = 0751 };
	assert_int_equal(gf_setattr(fx->c, f, &sa), 0);
	sa = (struct gf_setattr){ .valid = GF_SETATTR_UID | GF_SETATTR_GID,
				  .uid = 7,
				  .gid = 8 };
	assert_int_equal(gf_setattr(fx->c, f, &sa), 0);
	sa = (struct gf_setattr){ .valid = GF_SETATTR_SIZE, .size = 12345 };
	assert_int_equal(gf_setattr(fx->c, f, &sa), 0);
	sa = (struct gf_setattr){ .valid = GF_SETATTR_ATIME |
					   GF_SETATTR_ATIME_SET |
					   GF_SETATTR_MTIME |
					   GF_SETATTR_MTIME_SET,
				  .atime_sec = 1000000,
				  .atime_nsec = 5,
				  .mtime_sec = 2000000,
				  .mtime_nsec = 7 };
	assert_int_equal(gf_setattr(fx->c, f, &sa), 0);
	assert_int_equal(stat(host_path(fx, "owned"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0751);
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_gid, 8);
	assert_int_equal(st.st_size, 12345);
	assert_int_equal(st.st_atim.tv_sec, 1000000);
	assert_int_equal(st.st_mtim.tv_sec, 2000000);
	assert_int_equal(st.st_mtim.tv_nsec, 7);
	struct gf_attr a;
	assert_int_equal(gf_getattr(fx->c, f, &a), 0);
	assert_int_equal(a.mode & 07777, 0751);
	assert_int_equal(a.size, 12345);
	assert_int_equal(a.mtime_nsec, 7);
	sa = (struct gf_setattr){ .valid = GF_SETATTR_MTIME |
					   GF_SETATTR_MTIME_SET,
				  .mtime_nsec = 2000000000 };
	assert_int_equal(gf_setattr(fx->c, f, &sa), -EINVAL);
	gf_clunk(fx->c, f);
	gf_clunk(fx->c, root1000);
}

static void test_special_files(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(gf_mknod(fx->c, fx->root, "fifo", S_IFIFO | 0600, 0, 0,
				  0, NULL),
			 0);
	assert_int_equal(
		gf_mknod(fx->c, fx->root, "reg", S_IFREG | 0600, 0, 0, 0, NULL),
		0);
	assert_int_equal(gf_mknod(fx->c, fx->root, "null", S_IFCHR | 0666, 1, 3,
				  0, NULL),
			 -EPERM);
	assert_int_equal(gf_mknod(fx->c, fx->root, "sock", S_IFSOCK | 0666, 0,
				  0, 0, NULL),
			 -EPERM);
	struct stat st;
	assert_int_equal(stat(host_path(fx, "fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* A FIFO opens without blocking the server and is donated
	 * non-blocking. */
	uint32_t f = walk1(fx, "fifo");
	int host_fd;
	assert_int_equal(gf_lopen(fx->c, f, O_RDONLY, NULL, NULL, &host_fd), 0);
	assert_true(host_fd >= 0);
	assert_true(fcntl(host_fd, F_GETFL) & O_NONBLOCK);
	char c;
	assert_int_equal(read(host_fd, &c, 1), 0); /* no writer: EOF */
	close(host_fd);
	gf_clunk(fx->c, f);
	/* 9P reads and writes of a FIFO ignore offsets (no pread on pipes). */
	f = walk1(fx, "fifo");
	assert_int_equal(gf_lopen(fx->c, f, O_RDWR, NULL, NULL, NULL), 0);
	assert_int_equal(gf_write(fx->c, f, 99, "abc", 3), 3);
	char got[8] = { 0 };
	assert_int_equal(gf_read(fx->c, f, 42, got, 3), 3);
	assert_string_equal(got, "abc");
	/* Empty and non-blocking: EAGAIN rather than a stuck server. */
	assert_int_equal(gf_read(fx->c, f, 0, got, 3), -EAGAIN);
	gf_clunk(fx->c, f);
	/* A device node planted in the tree is never opened. */
	assert_int_equal(
		mknod(host_path(fx, "dev"), S_IFCHR | 0666, makedev(1, 3)), 0);
	f = walk1(fx, "dev");
	assert_int_equal(gf_lopen(fx->c, f, O_RDONLY, NULL, NULL, NULL),
			 -EPERM);
	gf_clunk(fx->c, f);
	struct gf_statfs sf;
	assert_int_equal(gf_statfs(fx->c, fx->root, &sf), 0);
	assert_true(sf.bsize > 0 && sf.namelen >= 255);
}

static void test_walks(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(mkdir(host_path(fx, "a"), 0755), 0);
	assert_int_equal(mkdir(host_path(fx, "a/b"), 0755), 0);
	gt_write_file(fx->env.root, "a/b/c", "deep");
	const char *path[] = { "a", "b", "c" };
	uint32_t f;
	struct gf_qid qids[16];
	unsigned n;
	assert_int_equal(gf_walk(fx->c, fx->root, 3, path, &f, qids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(qids[0].type, GF_QTDIR);
	assert_int_equal(qids[2].type, GF_QTFILE);
	gf_clunk(fx->c, f);
	/* A short walk reports where and why it stopped, and makes no fid. */
	const char *missing[] = { "a", "zz", "c" };
	assert_int_equal(gf_walk(fx->c, fx->root, 3, missing, &f, qids, &n),
			 -ENOENT);
	assert_int_equal(n, 1);
	const char *notdir[] = { "a", "b", "c", "d" };
	assert_int_equal(gf_walk(fx->c, fx->root, 4, notdir, &f, qids, &n),
			 -ENOTDIR);
	assert_int_equal(n, 3);
	const char *first[] = { "nothing" };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, first, &f, qids, &n),
			 -ENOENT);
	assert_int_equal(n, 0);
	/* "." stays, ".." goes up (and stays at the root). */
	const char *updown[] = { "a", "b", "..", ".", "b", "c" };
	assert_int_equal(gf_walk(fx->c, fx->root, 6, updown, &f, qids, &n), 0);
	assert_int_equal(qids[2].path, qids[0].path);
	assert_int_equal(qids[5].type, GF_QTFILE);
	gf_clunk(fx->c, f);
	/* Names the client will not even send. */
	const char *slash[] = { "a/b" };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, slash, &f, NULL, NULL),
			 -EINVAL);
	const char *empty[] = { "" };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, empty, &f, NULL, NULL),
			 -EINVAL);
	const char *many[17];
	for (int i = 0; i < 17; i++)
		many[i] = "a";
	assert_int_equal(gf_walk(fx->c, fx->root, 17, many, &f, NULL, NULL),
			 -EINVAL);
	char longname[300];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	const char *toolong[] = { longname };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, toolong, &f, NULL, NULL),
			 -ENAMETOOLONG);
	/* Walking from an unknown fid. */
	assert_int_equal(gf_walk(fx->c, 4242, 0, NULL, &f, NULL, NULL), -EBADF);
	/* Walking in place (newfid == fid) is not what the client does, but
	 * a fid reused after clunk is. */
	f = walk1(fx, "a");
	gf_clunk(fx->c, f);
	uint32_t again = walk1(fx, "a");
	assert_int_equal(again, f);
	gf_clunk(fx->c, again);
}

static void test_escape_attempts(void **state)
{
	struct fixture *fx = *state;
	uint64_t escapes = stats(fx).escapes_refused;
	gt_write_file(fx->env.root, "secret-inside", "inside");
	assert_int_equal(symlink("/etc/passwd", host_path(fx, "pw")), 0);
	assert_int_equal(symlink("../../../../../..", host_path(fx, "up")), 0);
	assert_int_equal(symlink("/", host_path(fx, "abs")), 0);
	assert_int_equal(symlink("/proc/self/root", host_path(fx, "magic")), 0);
	assert_int_equal(symlink("loop2", host_path(fx, "loop1")), 0);
	assert_int_equal(symlink("loop1", host_path(fx, "loop2")), 0);
	uint32_t f;
	struct gf_qid qids[16];
	unsigned n;
	/* ".." above the root stays at the root: /etc is not reached. */
	const char *dotdot[] = { "..", "..", "..", "etc", "passwd" };
	assert_int_equal(gf_walk(fx->c, fx->root, 5, dotdot, &f, qids, &n),
			 -ENOENT);
	assert_int_equal(n, 3);
	struct gf_attr root;
	assert_int_equal(gf_getattr(fx->c, fx->root, &root), 0);
	assert_int_equal(qids[2].path, root.qid.path);
	/* A symlink to /etc/passwd is a symlink, nothing more. */
	const char *pw[] = { "pw" };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, pw, &f, qids, &n), 0);
	assert_int_equal(qids[0].type, GF_QTSYMLINK);
	assert_int_equal(gf_lopen(fx->c, f, O_RDONLY, NULL, NULL, NULL),
			 -ELOOP);
	char buf[64];
	assert_int_equal(gf_read(fx->c, f, 0, buf, sizeof(buf)), -EBADF);
	gf_clunk(fx->c, f);
	/* Walking through symlinks, relative, absolute or magic, stops. */
	const char *through[][2] = {
		{ "up", "etc" },  { "abs", "etc" }, { "magic", "etc" },
		{ "loop1", "x" }, { "pw", "x" },
	};
	for (size_t i = 0; i < sizeof(through) / sizeof(through[0]); i++) {
		assert_int_equal(
			gf_walk(fx->c, fx->root, 2, through[i], &f, qids, &n),
			-ENOTDIR);
		assert_int_equal(n, 1);
		assert_int_equal(qids[0].type, GF_QTSYMLINK);
	}
	/* A loop is only a symlink too; opening it is refused. */
	f = walk1(fx, "loop1");
	assert_int_equal(gf_lopen(fx->c, f, O_RDONLY, NULL, NULL, NULL),
			 -ELOOP);
	gf_clunk(fx->c, f);
	/* Creating with a planted symlink at the name does not follow it. */
	uint32_t dir = clone_root(fx);
	assert_int_equal(
		gf_lcreate(fx->c, dir, "pw", O_RDWR, 0644, 0, NULL, NULL, NULL),
		-EEXIST);
	gf_clunk(fx->c, dir);
	/* Names that try to smuggle a path. */
	assert_int_equal(gf_mkdir(fx->c, fx->root, "..", 0755, 0, NULL),
			 -EINVAL);
	assert_int_equal(gf_mkdir(fx->c, fx->root, ".", 0755, 0, NULL),
			 -EINVAL);
	assert_int_equal(gf_mkdir(fx->c, fx->root, "../x", 0755, 0, NULL),
			 -EINVAL);
	assert_int_equal(gf_unlinkat(fx->c, fx->root, "../etc", 0), -EINVAL);
	/* A symlink as the directory of a create is not a directory. */
	const char *up[] = { "up" };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, up, &f, NULL, NULL), 0);
	assert_int_equal(gf_mkdir(fx->c, f, "x", 0755, 0, NULL), -ENOTDIR);
	gf_clunk(fx->c, f);
	/* None of the walks got out, so none was a refused escape either:
	 * they all stopped at symlinks before openat2 had to say no. */
	assert_int_equal(stats(fx).escapes_refused, escapes);
}

/* A mount point inside the export is not crossed (RESOLVE_NO_XDEV): the
 * Sentry's /proc, /sys and /dev never come from the host's. */
static void test_mount_points_not_crossed(void **state)
{
	(void)state;
	/* Mount namespaces are per thread: unshare before the server thread
	 * exists so that it sees the mount. */
	if (unshare(CLONE_NEWNS) < 0) {
		skip();
		return;
	}
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	struct fixture fx0, *fx = &fx0;
	gt_start(&fx->env, false, false, 0);
	assert_int_equal(mkdir(host_path(fx, "mnt"), 0755), 0);
	assert_int_equal(mount("none", host_path(fx, "mnt"), "tmpfs", 0, NULL),
			 0);
	gt_write_file(host_path(fx, "mnt"), "onmount", "x");
	fx->c = gt_client(&fx->env);
	assert_int_equal(gf_attach(fx->c, "/", 0, &fx->root, NULL), 0);
	uint32_t f;
	const char *mnt[] = { "mnt" };
	assert_int_equal(gf_walk(fx->c, fx->root, 1, mnt, &f, NULL, NULL),
			 -EXDEV);
	assert_int_equal(stats(fx).escapes_refused, 1);
	assert_int_equal(umount2(host_path(fx, "mnt"), MNT_DETACH), 0);
	gf_client_free(fx->c);
	gt_stop(&fx->env);
}

static void test_readonly_export(void **state)
{
	struct fixture *fx = *state;
	gt_write_file(fx->env.extra, "ro-file", "read only");
	uint32_t data;
	assert_int_equal(gf_attach(fx->c, "/data", 0, &data, NULL), 0);
	uint32_t f;
	assert_int_equal(gf_walk(fx->c, data, 0, NULL, &f, NULL, NULL), 0);
	assert_int_equal(gf_lcreate(fx->c, f, "new", O_WRONLY, 0644, 0, NULL,
				    NULL, NULL),
			 -EROFS);
	gf_clunk(fx->c, f);
	assert_int_equal(gf_mkdir(fx->c, data, "d", 0755, 0, NULL), -EROFS);
	assert_int_equal(gf_symlink(fx->c, data, "s", "t", 0, NULL), -EROFS);
	assert_int_equal(
		gf_mknod(fx->c, data, "n", S_IFREG | 0644, 0, 0, 0, NULL),
		-EROFS);
	assert_int_equal(gf_unlinkat(fx->c, data, "ro-file", 0), -EROFS);
	assert_int_equal(gf_renameat(fx->c, data, "ro-file", data, "x"),
			 -EROFS);
	const char *name[] = { "ro-file" };
	assert_int_equal(gf_walk(fx->c, data, 1, name, &f, NULL, NULL), 0);
	assert_int_equal(gf_link(fx->c, data, f, "hard"), -EROFS);
	struct gf_setattr sa = { .valid = GF_SETATTR_SIZE, .size = 0 };
	assert_int_equal(gf_setattr(fx->c, f, &sa), -EROFS);
	assert_int_equal(gf_lopen(fx->c, f, O_RDWR, NULL, NULL, NULL), -EROFS);
	assert_int_equal(
		gf_lopen(fx->c, f, O_RDONLY | O_TRUNC, NULL, NULL, NULL),
		-EROFS);
	int host_fd;
	assert_int_equal(gf_lopen(fx->c, f, O_RDONLY, NULL, NULL, &host_fd), 0);
	char buf[16] = { 0 };
	assert_int_equal(gf_read(fx->c, f, 0, buf, 9), 9);
	assert_string_equal(buf, "read only");
	assert_int_equal(write(host_fd, "x", 1), -1);
	close(host_fd);
	gf_clunk(fx->c, f);
	assert_int_equal(gf_walk(fx->c, data, 1, name, &f, NULL, NULL), 0);
	assert_int_equal(gf_remove(fx->c, f), -EROFS);
	struct stat st;
	assert_int_equal(stat(fx->env.extra, &st), 0);
	gf_clunk(fx->c, data);
}

static void test_fid_limit(void **state)
{
	(void)state;
	struct gt_env env;
	gt_start(&env, false, false, 4);
	struct gf_client *c = gt_client(&env);
	uint32_t root, fids[3];
	assert_int_equal(gf_attach(c, "/", 0, &root, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
			gf_walk(c, root, 0, NULL, &fids[i], NULL, NULL), 0);
	uint32_t extra;
	assert_int_equal(gf_walk(c, root, 0, NULL, &extra, NULL, NULL),
			 -EMFILE);
	assert_int_equal(gf_attach(c, "/", 0, &extra, NULL), -EMFILE);
	struct gf_server_stats st;
	gf_server_get_stats(env.server, &st);
	assert_true(st.fid_limit >= 1);
	/* A clunk makes room again. */
	assert_int_equal(gf_clunk(c, fids[0]), 0);
	assert_int_equal(gf_walk(c, root, 0, NULL, &extra, NULL, NULL), 0);
	gf_client_free(c);
	gt_stop(&env);
	assert_int_equal(env.serve_result, 0);
}

static void test_dead_server_gives_errors(void **state)
{
	(void)state;
	struct gt_env env;
	gt_start(&env, false, false, 0);
	struct gf_client *c = gt_client(&env);
	uint32_t root;
	assert_int_equal(gf_attach(c, "/", 0, &root, NULL), 0);
	/* The server's end goes away: its read sees EOF, it stops. */
	assert_int_equal(shutdown(env.server_fd, SHUT_RDWR), 0);
	pthread_join(env.thread, NULL);
	env.running = false;
	struct gf_attr a;
	assert_int_equal(gf_getattr(c, root, &a), -ECONNRESET);
	/* And stays dead, without waiting. */
	assert_int_equal(gf_getattr(c, root, &a), -ECONNRESET);
	char buf[8];
	assert_int_equal(gf_read(c, root, 0, buf, sizeof(buf)), -ECONNRESET);
	gf_client_free(c);
	gt_stop(&env);
}

static void test_silent_server_times_out(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	/* Nobody answers on sv[1]; the client gives up at its deadline. */
	struct gf_client_opts opts = { .timeout_ms = 50 };
	struct gf_client *c = NULL;
	assert_int_equal(gf_client_new(sv[0], &opts, &c), -ETIMEDOUT);
	assert_null(c);
	close(sv[1]);
	/* A server that speaks another dialect is refused. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	uint8_t reply[] = { 19,	 0,    0,   0,	 GF_RVERSION, 0xff, 0xff,
			    0,	 0x20, 0,   0,	 6,	      0,    '9',
			    'P', '2',  '0', '0', '0' };
	assert_int_equal(write(sv[1], reply, sizeof(reply)), sizeof(reply));
	assert_int_equal(gf_client_new(sv[0], &opts, &c), -EPROTONOSUPPORT);
	close(sv[1]);
}

/* Queues reply f (tag set by the caller) on the server end fd. */
static void queue_reply(int fd, const struct gf_fcall *f)
{
	uint8_t buf[512];
	ssize_t n = gf_fcall_encode(f, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(write(fd, buf, (size_t)n), n);
}

/* A client whose server is the test itself: *server_fd gets the replies,
 * queued before each call (the client's tags count from 0 after
 * Tversion). */
static struct gf_client *scripted_client(int *server_fd)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	struct gf_fcall v = { .type = GF_RVERSION,
			      .tag = GF_NOTAG,
			      .msize = 8192,
			      .version = gf_str_of("9P2000.L", 8) };
	queue_reply(sv[1], &v);
	struct gf_client_opts opts = { .timeout_ms = 5000 };
	struct gf_client *c = NULL;
	assert_int_equal(gf_client_new(sv[0], &opts, &c), 0);
	*server_fd = sv[1];
	return c;
}

static int count_entries(void *arg, const struct gf_dirent *d)
{
	(void)d;
	++*(int *)arg;
	return 0;
}

/* An Rreaddir holding one entry named name (name_len bytes). */
static int readdir_reply_with(const char *name, uint16_t name_len, int *seen)
{
	int fd;
	struct gf_client *c = scripted_client(&fd);
	uint8_t data[256];
	struct gf_wbuf w = { .p = data, .cap = sizeof(data) };
	gf_dirent_put(&w, &(struct gf_dirent){ .offset = 1,
					       .name = name,
					       .name_len = name_len });
	struct gf_fcall r = { .type = GF_RREADDIR,
			      .tag = 0,
			      .count = (uint32_t)w.len,
			      .data = data };
	queue_reply(fd, &r);
	*seen = 0;
	int rc = gf_readdir(c, 1, 0, 0, count_entries, seen);
	gf_client_free(c);
	close(fd);
	return rc;
}

/* Replies a hostile server could send: names that are not one path
 * component, a symlink target with a NUL, are protocol errors. */
static void test_hostile_replies(void **state)
{
	(void)state;
	int seen;
	assert_int_equal(readdir_reply_with("ok", 2, &seen), 1);
	assert_int_equal(seen, 1);
	assert_int_equal(readdir_reply_with("a/b", 3, &seen), -EPROTO);
	assert_int_equal(readdir_reply_with("a\0b", 3, &seen), -EPROTO);
	assert_int_equal(readdir_reply_with("", 0, &seen), -EPROTO);
	assert_int_equal(seen, 0);

	int fd;
	struct gf_client *c = scripted_client(&fd);
	struct gf_fcall r = { .type = GF_RREADLINK,
			      .tag = 0,
			      .target = gf_str_of("/etc\0/x", 7) };
	queue_reply(fd, &r);
	char buf[64];
	assert_int_equal(gf_readlink(c, 1, buf, sizeof(buf)), -EPROTO);
	gf_client_free(c);
	close(fd);
}

/* An attach name longer than a 9P string is refused before sending, not
 * cut to its low 16 bits. */
static void test_attach_name_too_long(void **state)
{
	(void)state;
	int fd;
	struct gf_client *c = scripted_client(&fd);
	size_t len = 65536 + 2;
	char *aname = malloc(len + 1);
	assert_non_null(aname);
	aname[0] = '/';
	memset(aname + 1, 'a', len - 1);
	aname[len] = '\0';
	uint32_t fid;
	assert_int_equal(gf_attach(c, aname, 0, &fid, NULL), -ENAMETOOLONG);
	free(aname);
	/* Nothing was sent and the connection is still usable. */
	struct gf_fcall r = { .type = GF_RATTACH, .tag = 0 };
	queue_reply(fd, &r);
	assert_int_equal(gf_attach(c, "/", 0, &fid, NULL), 0);
	gf_client_free(c);
	uint8_t junk[64];
	ssize_t n = read(fd, junk, sizeof(junk));
	assert_true(n > 0 && n < (ssize_t)sizeof(junk)); /* one small Tattach */
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_points, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_write_read_back,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(
			test_lopen_donates_the_walked_file, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_and_readdir_many,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_rename_unlink_remove,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_and_hard_links,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_permissions_and_ownership,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_special_files, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(test_walks, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_escape_attempts, setup_rw,
						teardown),
		cmocka_unit_test(test_mount_points_not_crossed),
		cmocka_unit_test_setup_teardown(test_readonly_export, setup_rw,
						teardown),
		cmocka_unit_test(test_fid_limit),
		cmocka_unit_test(test_dead_server_gives_errors),
		cmocka_unit_test(test_silent_server_times_out),
		cmocka_unit_test(test_hostile_replies),
		cmocka_unit_test(test_attach_name_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
