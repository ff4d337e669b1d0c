/* `runsc boot` (internal): the Sentry. Started by runsc with a connected
 * gofer socket inherited as fd N:
 *
 *   runsc boot --gofer-fd N [--ro] [--strace] [--hostname NAME]
 *              [--cwd DIR] [--uid N] [--gid N] [--mount DEST[:ro|:rw]]...
 *              [--status-fd N --control-fd N [--netns PATH | --new-netns]
 *               [--allow-exec]] -- CMD ARGS
 *
 * --mount names further gofer attach points (as given to `runsc gofer
 * --mount DEST=...`). The application's stdio is this process's and its
 * environment this process's environment; the exit status is the
 * application's: its exit code, or, killed by a signal, the same signal
 * (the process an engine monitors ends as the container's init did).
 *
 * With --status-fd (the OCI lifecycle, started by `runsc create`), boot
 * enters the container's network namespace (--netns, or a new one), says
 * "netns" on the status socket and waits for "go" while create runs the
 * hooks that set the namespace up; it then takes the network over (the
 * global --network), builds the sandbox with the first process held,
 * answers "created" (or "error ERRNO TEXT") and serves the control socket
 * --control-fd (runsc/sandbox_ctl.h) until the sandbox ends. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runsc.h"
#include "runsc/cleanup.h"
#include "runsc/parse.h"
#include "sandbox_ctl.h"
#include "sandbox_net.h"
#include "sentry/sentry.h"

extern char **environ;

#define MAX_MOUNTS 64

enum {
	OPT_GOFER_FD = 256,
	OPT_RO,
	OPT_STRACE,
	OPT_HOSTNAME,
	OPT_CWD,
	OPT_MOUNT,
	OPT_UID,
	OPT_GID,
	OPT_STATUS_FD,
	OPT_CONTROL_FD,
	OPT_NETNS,
	OPT_NEW_NETNS,
	OPT_ALLOW_EXEC,
};

static const struct option boot_options[] = {
	{ "gofer-fd", required_argument, NULL, OPT_GOFER_FD },
	{ "ro", no_argument, NULL, OPT_RO },
	{ "strace", no_argument, NULL, OPT_STRACE },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "cwd", required_argument, NULL, OPT_CWD },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "gid", required_argument, NULL, OPT_GID },
	{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
	{ "control-fd", required_argument, NULL, OPT_CONTROL_FD },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "new-netns", no_argument, NULL, OPT_NEW_NETNS },
	{ "allow-exec", no_argument, NULL, OPT_ALLOW_EXEC },
	{ NULL, 0, NULL, 0 },
};

struct boot {
	int status_fd; /* -1 outside the OCI lifecycle */
	int control_fd;
	const char *netns;
	bool new_netns;
	struct rs_sandbox_ctl ctl;
};

static void say(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(int fd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && send(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n
							 : sizeof(msg) - 1,
			  MSG_NOSIGNAL) < 0) {
		/* create is gone: the sandbox still ends on its own. */
	}
}

static void say_error(int fd, const struct rs_error *err)
{
	char text[400];
	rs_error_format(err, text, sizeof(text));
	say(fd, "error %d %s", err ? err->errnum : 0, text);
}

static void on_created(struct sn_sandbox *sb, void *arg)
{
	struct boot *b = arg;
	if (rs_sandbox_ctl_serve(&b->ctl, sb, b->control_fd) < 0) {
		say(b->status_fd, "error %d cannot serve the control socket",
		    ENOMEM);
		sn_sandbox_kill(sb, SIGKILL, true);
		return;
	}
	say(b->status_fd, "created");
	close(b->status_fd);
	b->status_fd = -1;
}

/* The container's network namespace, and create's go-ahead once its
 * hooks ran in it. */
static int enter_netns(struct boot *b, struct rs_error **err)
{
	if (b->netns) {
		cleanup_close int fd = open(b->netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			return rs_error_set(err, errno,
					    "join network namespace `%s`",
					    b->netns);
	} else if (b->new_netns && unshare(CLONE_NEWNET) < 0) {
		return rs_error_set(err, errno, "new network namespace");
	}
	say(b->status_fd, "netns");
	char go[8];
	ssize_t n = recv(b->status_fd, go, sizeof(go), 0);
	if (n != 2 || memcmp(go, "go", 2) != 0)
		return rs_error_set(err, ECANCELED,
				    "the creating runsc went away");
	return 0;
}

/* Ends this process as the application ended: the same exit code, or the
 * same signal. */
static int exit_like(int status)
{
	if (!WIFSIGNALED(status))
		return WEXITSTATUS(status);
	int sig = WTERMSIG(status);
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return 128 + sig; /* a signal that does not end a process */
}

int rs_cmd_boot(struct rs_global *global, int argc, char **argv)
{
	struct sn_mount_spec mounts[MAX_MOUNTS];
	struct sn_config cfg = {
		.gofer_fd = -1,
		.stdio = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO },
		.strace = global->strace,
		.strace_fd = STDERR_FILENO,
		.hostname = "sandbox",
		.cwd = "/",
		.mounts = mounts,
		.confine = true,
	};
	struct boot b = { .status_fd = -1, .control_fd = -1 };
	optind = 0;
	opterr = 0;
	int c;
	cleanup_error struct rs_error *err = NULL;
	while ((c = getopt_long(argc, argv, "+:", boot_options, NULL)) != -1) {
		int *fd = NULL;
		const char *fd_flag = NULL;
		switch (c) {
		case OPT_GOFER_FD:
			fd = &cfg.gofer_fd;
			fd_flag = "--gofer-fd";
			break;
		case OPT_STATUS_FD:
			fd = &b.status_fd;
			fd_flag = "--status-fd";
			break;
		case OPT_CONTROL_FD:
			fd = &b.control_fd;
			fd_flag = "--control-fd";
			break;
		case OPT_RO:
			cfg.root_readonly = true;
			break;
		case OPT_STRACE:
			cfg.strace = true;
			break;
		case OPT_HOSTNAME:
			cfg.hostname = optarg;
			break;
		case OPT_CWD:
			cfg.cwd = optarg;
			break;
		case OPT_UID:
		case OPT_GID: {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v > 0xfffffffe) {
				fprintf(stderr, "runsc boot: bad id `%s`\n",
					optarg);
				return 1;
			}
			if (c == OPT_UID)
				cfg.uid = (uid_t)v;
			else
				cfg.gid = (gid_t)v;
			break;
		}
		case OPT_NETNS:
			b.netns = optarg;
			break;
		case OPT_NEW_NETNS:
			b.new_netns = true;
			break;
		case OPT_ALLOW_EXEC:
			cfg.life.allow_exec = true;
			break;
		case OPT_MOUNT: {
			struct rs_mount_arg m;
			if (cfg.nmounts == MAX_MOUNTS) {
				fprintf(stderr,
					"runsc boot: --mount: more than %d mounts\n",
					MAX_MOUNTS);
				return 1;
			}
			if (rs_parse_mount(optarg, false, &m, &err) < 0) {
				rs_error_print(err, "runsc boot", stderr);
				return 1;
			}
			mounts[cfg.nmounts++] = (struct sn_mount_spec){
				.path = m.dest, .readonly = m.readonly
			};
			break;
		}
		case ':':
			fprintf(stderr, "runsc boot: flag `%s` needs a value\n",
				argv[optind - 1]);
			return 1;
		default:
			fprintf(stderr, "runsc boot: unknown flag `%s`\n",
				argv[optind - 1]);
			return 1;
		}
		if (fd && (rs_parse_fd(optarg, fd) < 0 ||
			   fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0)) {
			fprintf(stderr,
				"runsc boot: %s `%s`: not an open fd\n",
				fd_flag, optarg);
			return 1;
		}
	}
	bool oci = b.status_fd >= 0;
	if (cfg.gofer_fd < 0 || optind >= argc || oci != (b.control_fd >= 0)) {
		fprintf(stderr,
			"runsc boot: usage: runsc boot --gofer-fd N "
			"[--status-fd N --control-fd N] [flags] -- CMD ARGS\n");
		return 1;
	}
	cfg.argv = argv + optind;
	cfg.envp = environ;
	struct rs_sandbox_net net;
	rs_sandbox_net_init(&net);
	if (oci) {
		cfg.life = (struct sn_lifecycle){
			.wait_start = true,
			.exec_error_fails = true,
			.allow_exec = cfg.life.allow_exec,
			.on_created = on_created,
			.arg = &b,
		};
		if (enter_netns(&b, &err) < 0 ||
		    rs_sandbox_net_setup(global, &net, &cfg.net, &err) < 0) {
			say_error(b.status_fd, err);
			rs_sandbox_net_free(&net);
			return 1;
		}
	}
	int status = 0;
	int r = sn_run(&cfg, &status, NULL, &err);
	rs_sandbox_net_free(&net);
	if (r < 0) {
		if (oci && b.status_fd >= 0)
			say_error(b.status_fd, err);
		else
			rs_error_print(err, "runsc boot", stderr);
		return 1;
	}
	return exit_like(status);
}
