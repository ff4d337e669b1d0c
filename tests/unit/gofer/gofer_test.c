#include "gofer_test.h"

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static void *serve_thread(void *arg)
{
	struct gt_env *env = arg;
	env->serve_result = gf_server_serve(env->server, env->server_fd);
	return NULL;
}

void gt_start(struct gt_env *env, bool root_ro, bool extra_ro,
	      uint32_t max_fids)
{
	memset(env, 0, sizeof(*env));
	/* Modes in the tests are the ones asked for, as in `runsc gofer`. */
	umask(0);
	strcpy(env->root, "/tmp/gofer-test.XXXXXX");
	strcpy(env->extra, "/tmp/gofer-data.XXXXXX");
	assert_non_null(mkdtemp(env->root));
	assert_non_null(mkdtemp(env->extra));
	strcpy(env->file, "/tmp/gofer-file.XXXXXX");
	int file_fd = mkstemp(env->file);
	assert_true(file_fd >= 0);
	assert_int_equal(write(file_fd, "sandbox\n", 8), 8);
	close(file_fd);
	int root_fd = open(env->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int extra_fd = open(env->extra, O_PATH | O_DIRECTORY | O_CLOEXEC);
	file_fd = open(env->file, O_PATH | O_CLOEXEC);
	assert_true(root_fd >= 0 && extra_fd >= 0 && file_fd >= 0);
	struct gf_export exports[] = {
		{ .name = "/", .root_fd = root_fd, .readonly = root_ro },
		{ .name = "/data", .root_fd = extra_fd, .readonly = extra_ro },
		{ .name = "/etc/hostname",
		  .root_fd = file_fd,
		  .readonly = true },
	};
	struct gf_server_config cfg = {
		.exports = exports,
		.nexports = 3,
		.max_fids = max_fids,
		.proc_self_fd = -1,
	};
	struct rs_error *err = NULL;
	assert_int_equal(gf_server_new(&cfg, &env->server, &err), 0);
	close(root_fd);
	close(extra_fd);
	close(file_fd);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	env->client_fd = sv[0];
	env->server_fd = sv[1];
	assert_int_equal(pthread_create(&env->thread, NULL, serve_thread, env),
			 0);
	env->running = true;
}

struct gf_client *gt_client(struct gt_env *env)
{
	struct gf_client *c = NULL;
	struct gf_client_opts opts = { .msize = 64 * 1024 };
	assert_int_equal(gf_client_new(env->client_fd, &opts, &c), 0);
	env->client_fd = -1;
	return c;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void gt_stop(struct gt_env *env)
{
	if (env->client_fd >= 0)
		close(env->client_fd);
	if (env->running)
		pthread_join(env->thread, NULL);
	close(env->server_fd);
	gf_server_free(env->server);
	nftw(env->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	nftw(env->extra, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	unlink(env->file);
}

void gt_write_file(const char *dir, const char *rel, const char *contents)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	size_t len = strlen(contents);
	assert_int_equal(write(fd, contents, len), (ssize_t)len);
	close(fd);
}
