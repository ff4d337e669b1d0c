/* runsc's own helper processes (gofer_start.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gofer_start.h"

size_t rs_self_argv(const struct rs_global *g, const char *cmd, const char **v,
		    size_t cap)
{
	size_t need = 2 + (size_t)g->nflags;
	if (cap < need)
		return 0;
	size_t n = 0;
	v[n++] = "runsc";
	for (int i = 0; i < g->nflags; i++)
		v[n++] = g->flags[i];
	v[n++] = cmd;
	return n;
}

/* In the child: exec `runsc gofer` on inherited socket fd. Never
 * returns. */
static void exec_gofer(const struct rs_global *g, const char *rootfs,
		       bool readonly, const struct rs_gofer_mount *mounts,
		       size_t nmounts, int fd)
{
	/* A session of its own: a terminal's ^C reaches the program (and
	 * runsc, which forwards it), never the file server the program
	 * still needs while it handles the signal. */
	setsid();
	char fd_arg[16];
	snprintf(fd_arg, sizeof(fd_arg), "%d", fd);
	static char mount_args[RS_GOFER_MAX_MOUNTS][2 * PATH_MAX + 8];
	const char *argv[64 + 2 * RS_GOFER_MAX_MOUNTS];
	size_t cap = sizeof(argv) / sizeof(argv[0]) - 8 - 2 * nmounts;
	size_t n = rs_self_argv(g, "gofer", argv, cap);
	if (n == 0) {
		fprintf(stderr, "runsc: too many global flags\n");
		_exit(1);
	}
	argv[n++] = "--rootfs";
	argv[n++] = rootfs;
	argv[n++] = "--sock-fd";
	argv[n++] = fd_arg;
	if (readonly)
		argv[n++] = "--ro";
	for (size_t i = 0; i < nmounts; i++) {
		snprintf(mount_args[i], sizeof(mount_args[i]), "%s=%s:%s",
			 mounts[i].dest, mounts[i].source,
			 mounts[i].readonly ? "ro" : "rw");
		argv[n++] = "--mount";
		argv[n++] = mount_args[i];
	}
	argv[n] = NULL;
	execv("/proc/self/exe", (char *const *)argv);
	fprintf(stderr, "runsc: exec the gofer: %s\n", strerror(errno));
	_exit(1);
}

int rs_gofer_start(const struct rs_global *g, const char *rootfs, bool readonly,
		   const struct rs_gofer_mount *mounts, size_t nmounts,
		   pid_t *pid, struct rs_error **err)
{
	if (nmounts > RS_GOFER_MAX_MOUNTS)
		return rs_error_set(err, E2BIG, "more than %d bind mounts",
				    RS_GOFER_MAX_MOUNTS);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return rs_error_set(err, errno, "socketpair for the gofer");
	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return rs_error_set(err, e, "fork the gofer");
	}
	if (*pid == 0) {
		int child = dup(sv[1]); /* without O_CLOEXEC */
		exec_gofer(g, rootfs, readonly, mounts, nmounts, child);
	}
	close(sv[1]);
	return sv[0];
}
