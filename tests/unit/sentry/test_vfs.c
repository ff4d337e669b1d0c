/* Path resolution and tmpfs: symlinks, "..", mounts, errors. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"

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

static struct sn_fs *root_fs(struct fake *f)
{
	return rs_container_of(f->k->mounts.next, struct sn_mount, link)->fs;
}

static char *resolve(struct fake *f, const char *path, unsigned flags, int *err)
{
	struct sn_path p;
	*err = sn_path_lookup_at(f->task, "/", path, flags, &p);
	return *err ? NULL : sn_path_steal(&p);
}

static void expect_path(struct fake *f, const char *path, unsigned flags,
			const char *want)
{
	int err;
	char *got = resolve(f, path, flags, &err);
	assert_int_equal(err, 0);
	assert_string_equal(got, want);
	free(got);
}

static void test_symlinks_and_dotdot(void **state)
{
	struct fake *f = *state;
	struct sn_fs *fs = root_fs(f);
	assert_int_equal(fs->ops->mkdir(fs, f->task, "usr", 0755), 0);
	assert_int_equal(fs->ops->mkdir(fs, f->task, "usr/lib", 0755), 0);
	assert_int_equal(fs->ops->symlink(fs, f->task, "usr/lib", "lib"), 0);
	assert_int_equal(fs->ops->symlink(fs, f->task, "/usr", "abs"), 0);
	assert_int_equal(fs->ops->symlink(fs, f->task, "../../..", "usr/up"),
			 0);
	fake_write_file(f, "/usr/lib/libc.so", "x", 1, 0644);
	expect_path(f, "/lib/libc.so", SN_LOOKUP_FOLLOW, "/usr/lib/libc.so");
	expect_path(f, "//lib/./../lib//libc.so", SN_LOOKUP_FOLLOW,
		    "/usr/lib/libc.so");
	expect_path(f, "/abs/lib", SN_LOOKUP_FOLLOW, "/usr/lib");
	/* ".." never climbs above the sandbox's root, even via symlinks. */
	expect_path(f, "/../../usr", SN_LOOKUP_FOLLOW, "/usr");
	expect_path(f, "/usr/up/usr", SN_LOOKUP_FOLLOW, "/usr");
	/* The last component is not followed unless asked. */
	expect_path(f, "/lib", 0, "/lib");
	int err;
	assert_null(resolve(f, "/usr/lib/libc.so/x", 0, &err));
	assert_int_equal(err, -ENOTDIR);
	assert_null(resolve(f, "/nope/x", SN_LOOKUP_MAY_MISS, &err));
	assert_int_equal(err, -ENOENT);
	expect_path(f, "/usr/new", SN_LOOKUP_MAY_MISS, "/usr/new");
	assert_null(resolve(f, "/usr/lib/libc.so/", 0, &err));
	assert_int_equal(err, -ENOTDIR);
	assert_null(resolve(f, "", 0, &err));
	assert_int_equal(err, -ENOENT);
}

static void test_symlink_loop(void **state)
{
	struct fake *f = *state;
	struct sn_fs *fs = root_fs(f);
	assert_int_equal(fs->ops->symlink(fs, f->task, "loop2", "loop1"), 0);
	assert_int_equal(fs->ops->symlink(fs, f->task, "loop1", "loop2"), 0);
	int err;
	assert_null(resolve(f, "/loop1", SN_LOOKUP_FOLLOW, &err));
	assert_int_equal(err, -ELOOP);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	assert_null(resolve(f, longname, 0, &err));
	assert_int_equal(err, -ENAMETOOLONG);
}

static void test_mounts_shadow(void **state)
{
	struct fake *f = *state;
	struct sn_path p;
	assert_int_equal(sn_path_lookup_at(f->task, "/", "/dev/null",
					   SN_LOOKUP_FOLLOW, &p),
			 0);
	assert_true(S_ISCHR(p.st.st_mode));
	assert_string_equal(p.rel, "null");
	sn_path_free(&p);
	/* /proc/self is the task's pid, a symlink procfs answers. */
	expect_path(f, "/proc/self", SN_LOOKUP_FOLLOW, "/proc/1");
	expect_path(f, "/dev/fd/..", SN_LOOKUP_FOLLOW, "/proc/1");
}

static void test_tmpfs_files(void **state)
{
	struct fake *f = *state;
	struct sn_fs *fs = root_fs(f);
	fake_write_file(f, "/a", "hello", 5, 0600);
	struct sn_path p;
	assert_int_equal(sn_path_lookup_at(f->task, "/", "/a", 0, &p), 0);
	struct sn_file *file;
	assert_int_equal(sn_vfs_open(f->task, &p, O_RDONLY, 0, &file), 0);
	sn_path_free(&p);
	/* An unlinked file stays readable through its open description. */
	assert_int_equal(fs->ops->unlink(fs, f->task, "a"), 0);
	char buf[8] = { 0 };
	int64_t off = 1;
	assert_int_equal(file->ops->read(file, f->task, buf, 8, &off), 4);
	assert_string_equal(buf, "ello");
	sn_file_put(file);
	fake_write_file(f, "/b", "x", 1, 0644);
	assert_int_equal(fs->ops->mkdir(fs, f->task, "d", 0755), 0);
	assert_int_equal(fs->ops->rename(fs, f->task, "b", "d/c"), 0);
	assert_int_equal(fs->ops->link(fs, f->task, "d/c", "e"), 0);
	struct stat st;
	assert_int_equal(fs->ops->lstat(fs, f->task, "e", &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(fs->ops->rmdir(fs, f->task, "d"), -ENOTEMPTY);
	assert_int_equal(fs->ops->rename(fs, f->task, "d", "d/x"), -EINVAL);
	assert_int_equal(fs->ops->unlink(fs, f->task, "d"), -EISDIR);
	assert_int_equal(fs->ops->unlink(fs, f->task, "d/c"), 0);
	assert_int_equal(fs->ops->rmdir(fs, f->task, "d"), 0);
	assert_int_equal(fs->ops->mkdir(fs, f->task, "e", 0755), -EEXIST);
}

/* Directory link counts as Linux reports them: 2 for an empty directory,
 * one more per subdirectory. */
static void test_tmpfs_dir_links(void **state)
{
	struct fake *f = *state;
	struct sn_fs *fs = root_fs(f);
	struct stat st;
	/* The root: ".", its own "..", and the mount points of the fake's
	 * /dev and /proc. */
	assert_int_equal(fs->ops->lstat(fs, f->task, "", &st), 0);
	assert_int_equal(st.st_nlink, 4);
	assert_int_equal(fs->ops->mkdir(fs, f->task, "d", 0755), 0);
	assert_int_equal(fs->ops->lstat(fs, f->task, "d", &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(fs->ops->mkdir(fs, f->task, "d/x", 0755), 0);
	assert_int_equal(fs->ops->lstat(fs, f->task, "d", &st), 0);
	assert_int_equal(st.st_nlink, 3);
	assert_int_equal(fs->ops->rmdir(fs, f->task, "d/x"), 0);
	assert_int_equal(fs->ops->lstat(fs, f->task, "d", &st), 0);
	assert_int_equal(st.st_nlink, 2);
}

/* A mount below a tmpfs gets its mount point made there, so the path to
 * it is listed and walked like any directory. */
static void test_mount_point_made(void **state)
{
	struct fake *f = *state;
	struct sn_fs *fs = root_fs(f);
	struct sn_fs *below = sn_tmpfs_new(f->k);
	assert_non_null(below);
	assert_int_equal(sn_vfs_mount(f->k, "/m/n", below, false), 0);
	struct stat st;
	assert_int_equal(fs->ops->lstat(fs, f->task, "m", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fs->ops->lstat(fs, f->task, "m/n", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	fake_write_file(f, "/m/n/f", "x", 1, 0644);
	assert_int_equal(below->ops->lstat(below, f->task, "f", &st), 0);
	expect_path(f, "/m/n/../n/f", SN_LOOKUP_FOLLOW, "/m/n/f");
}

static void test_permissions(void **state)
{
	struct fake *f = *state;
	fake_write_file(f, "/secret", "s", 1, 0600);
	fake_write_file(f, "/noexec", "s", 1, 0644);
	struct sn_path p;
	assert_int_equal(sn_path_lookup_at(f->task, "/", "/secret", 0, &p), 0);
	struct sn_file *file;
	f->proc->creds.fsuid = 1000;
	assert_int_equal(sn_vfs_open(f->task, &p, O_RDONLY, 0, &file), -EACCES);
	f->proc->creds.fsuid = 0;
	assert_int_equal(sn_vfs_open(f->task, &p, O_RDONLY, 0, &file), 0);
	sn_file_put(file);
	sn_path_free(&p);
	assert_int_equal(sn_path_lookup_at(f->task, "/", "/noexec", 0, &p), 0);
	assert_int_equal(sn_vfs_permission(f->task, &p.st, X_OK), -EACCES);
	sn_path_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_symlinks_and_dotdot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mounts_shadow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tmpfs_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tmpfs_dir_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mount_point_made, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
