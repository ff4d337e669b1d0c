/* `runsc boot` (internal): the Sentry. Started by runsc with a connected
 * gofer socket inherited as fd N:
 *
 *   runsc boot --gofer-fd N [--ro] [--strace] [--hostname NAME]
 *              [--cwd DIR] [--mount DEST[:ro|:rw]]... -- CMD ARGS
 *
 * --mount names further gofer attach points (as given to `runsc gofer
 * --mount DEST=...`). The application's stdio is this process's; the exit
 * status is the application's (128+N when killed by signal N). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runsc.h"
#include "runsc/cleanup.h"
#include "runsc/parse.h"
#include "sentry/sentry.h"

extern char **environ;

#define MAX_MOUNTS 64

enum {
	OPT_GOFER_FD = 256,
	OPT_RO,
	OPT_STRACE,
	OPT_HOSTNAME,
	OPT_CWD,
	OPT_MOUNT
};

static const struct option boot_options[] = {
	{ "gofer-fd", required_argument, NULL, OPT_GOFER_FD },
	{ "ro", no_argument, NULL, OPT_RO },
	{ "strace", no_argument, NULL, OPT_STRACE },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "cwd", required_argument, NULL, OPT_CWD },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ NULL, 0, NULL, 0 },
};

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
	optind = 0;
	opterr = 0;
	int c;
	cleanup_error struct rs_error *err = NULL;
	while ((c = getopt_long(argc, argv, "+:", boot_options, NULL)) != -1) {
		switch (c) {
		case OPT_GOFER_FD:
			if (rs_parse_fd(optarg, &cfg.gofer_fd) < 0 ||
			    fcntl(cfg.gofer_fd, F_GETFD) < 0) {
				fprintf(stderr,
					"runsc boot: --gofer-fd `%s`: not an open fd\n",
					optarg);
				return 1;
			}
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
	}
	if (cfg.gofer_fd < 0 || optind >= argc) {
		fprintf(stderr, "runsc boot: usage: runsc boot --gofer-fd N "
				"[flags] -- CMD ARGS\n");
		return 1;
	}
	fcntl(cfg.gofer_fd, F_SETFD, FD_CLOEXEC);
	cfg.argv = argv + optind;
	cfg.envp = environ;
	int status = 0;
	if (sn_run(&cfg, &status, NULL, &err) < 0) {
		rs_error_print(err, "runsc boot", stderr);
		return 1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
