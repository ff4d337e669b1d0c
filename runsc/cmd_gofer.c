/* `runsc gofer`: the container's file server, started by runsc itself
 * (flags and exit status in gofer/server.h). It confines itself, then
 * serves one connection until the Sentry closes it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer/confine.h"
#include "gofer/server.h"
#include "runsc.h"
#include "runsc/cleanup.h"
#include "runsc/log.h"
#include "runsc/parse.h"

#define MAX_MOUNTS 64

struct gofer_args {
	const char *rootfs;
	int sock_fd;
	bool readonly;
	struct gf_mount mounts[MAX_MOUNTS];
	size_t nmounts;
};

/* DEST=SOURCE[:ro|:rw]; arg is modified in place (it is argv's). */
static int parse_mount(char *arg, struct gofer_args *a, struct rs_error **err)
{
	if (a->nmounts == MAX_MOUNTS)
		return rs_error_set(err, 0, "--mount: more than %d mounts",
				    MAX_MOUNTS);
	struct rs_mount_arg m;
	int rc = rs_parse_mount(arg, true, &m, err);
	if (rc < 0)
		return rc;
	if (m.source[0] != '/')
		return rs_error_set(err, 0,
				    "--mount `%s`: source must be absolute",
				    m.source);
	a->mounts[a->nmounts++] = (struct gf_mount){ .dest = m.dest,
						     .source = m.source,
						     .readonly = m.readonly };
	return 0;
}

static int parse_args(int argc, char **argv, struct gofer_args *a,
		      struct rs_error **err)
{
	enum { OPT_ROOTFS = 256, OPT_SOCK_FD, OPT_RO, OPT_MOUNT };
	static const struct option options[] = {
		{ "rootfs", required_argument, NULL, OPT_ROOTFS },
		{ "sock-fd", required_argument, NULL, OPT_SOCK_FD },
		{ "ro", no_argument, NULL, OPT_RO },
		{ "mount", required_argument, NULL, OPT_MOUNT },
		{ NULL, 0, NULL, 0 },
	};
	*a = (struct gofer_args){ .sock_fd = -1 };
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:", options, NULL);
		if (c == -1)
			break;
		int rc = 0;
		switch (c) {
		case OPT_ROOTFS:
			a->rootfs = optarg;
			break;
		case OPT_SOCK_FD:
			if (rs_parse_fd(optarg, &a->sock_fd) < 0)
				rc = rs_error_set(err, 0,
						  "--sock-fd `%s`: not an fd",
						  optarg);
			break;
		case OPT_RO:
			a->readonly = true;
			break;
		case OPT_MOUNT:
			rc = parse_mount(optarg, a, err);
			break;
		case ':':
			rc = rs_error_set(err, 0, "flag `%s` needs a value",
					  argv[optind - 1]);
			break;
		default:
			rc = rs_error_set(err, 0, "unknown flag `%s`",
					  argv[optind - 1]);
		}
		if (rc < 0)
			return rc;
	}
	if (optind < argc)
		return rs_error_set(err, 0, "unexpected argument `%s`",
				    argv[optind]);
	if (a->rootfs == NULL)
		return rs_error_set(err, 0, "--rootfs is required");
	if (a->sock_fd < 0)
		return rs_error_set(err, 0, "--sock-fd is required");
	return 0;
}

static int check_socket(int fd, struct rs_error **err)
{
	int type;
	socklen_t len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return rs_error_set(err, errno, "--sock-fd %d", fd);
	if (type != SOCK_STREAM)
		return rs_error_set(err, EPROTOTYPE,
				    "--sock-fd %d: not a stream socket", fd);
	return 0;
}

/* Closes every descriptor from 3 up except the nkeep ones in keep (sorted
 * ascending; entries below 3 and duplicates are ignored). */
static void close_fds_except(const int *keep, size_t nkeep)
{
	unsigned first = 3;
	for (size_t i = 0; i < nkeep; i++) {
		if (keep[i] < 3 || (unsigned)keep[i] < first)
			continue;
		if ((unsigned)keep[i] > first)
			close_range(first, (unsigned)keep[i] - 1, 0);
		first = (unsigned)keep[i] + 1;
	}
	close_range(first, ~0u, 0);
}

/* Process hygiene before confinement: only stdio, the connection and the
 * log's fd (--debug-log, --log) stay open, modes are the ones asked for, and
 * one fid can hold one fd. */
static void prepare_process(int sock_fd)
{
	int keep[2] = { sock_fd, rs_log_fd() };
	if (keep[0] > keep[1]) {
		keep[0] = keep[1];
		keep[1] = sock_fd;
	}
	close_fds_except(keep, 2);
	umask(0);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int run(struct gofer_args *a, struct rs_error **err)
{
	int rc = check_socket(a->sock_fd, err);
	if (rc < 0)
		return rc;
	prepare_process(a->sock_fd);
	struct gf_confine_config cfg = {
		.rootfs = a->rootfs,
		.readonly = a->readonly,
		.mounts = a->mounts,
		.nmounts = a->nmounts,
	};
	struct gf_confined confined;
	rc = gf_confine_enter(&cfg, &confined, err);
	if (rc < 0)
		return rc;
	struct gf_server_config scfg = {
		.exports = confined.exports,
		.nexports = confined.nexports,
		.proc_self_fd = confined.proc_self_fd,
	};
	struct gf_server *server;
	rc = gf_server_new(&scfg, &server, err);
	gf_confined_release(&confined);
	if (rc < 0)
		return rc;
	rc = gf_confine_lock(err);
	if (rc == 0) {
		rs_debug("gofer", "serving `%s` on fd %d", a->rootfs,
			 a->sock_fd);
		rc = gf_server_serve(server, a->sock_fd);
		if (rc < 0)
			rs_warn("gofer", "connection ended: %s", strerror(-rc));
		rc = rc < 0 ? 2 : 0;
	}
	gf_server_free(server);
	return rc;
}

int rs_cmd_gofer(struct rs_global *global, int argc, char **argv)
{
	(void)global;
	cleanup_error struct rs_error *err = NULL;
	struct gofer_args args;
	int rc = parse_args(argc, argv, &args, &err);
	if (rc == 0)
		rc = run(&args, &err);
	if (rc < 0) {
		rs_error_print(err, "runsc gofer", stderr);
		return 1;
	}
	return rc;
}
