/* `runsc do [--rootfs DIR] [--ro] [--mount DEST=SRC[:ro|:rw]]... [--strace]
 *           [--stats FILE] [--hostname NAME] [-p [HOSTIP:]HOSTPORT:PORT]...
 *           [--net-subnet CIDR]... -- CMD ARGS`:
 * runs CMD in a throw-away sandbox whose root is DIR (default: the host's
 * / read-only), with host directories SRC bind-mounted at DEST, all served
 * by a `runsc gofer` this command starts; prints the program's output and
 * exits with its status (128+N when killed by signal N, as shells report
 * it). On the host's root the program starts in the caller's working
 * directory, which stays visible even where the sandbox mounts its own
 * tmpfs (/tmp, /dev/shm).
 *
 * Network (netdo.h): with the global --network sandbox (the default) the
 * sandbox gets an address on a veth (or tap) of its own and -p forwards
 * host ports to it. Name resolution: /etc/resolv.conf and /etc/hosts come
 * from the root as they are, and the sandbox's hostname defaults to the
 * host's, as under gVisor's `runsc do` and Docker's --network host, so
 * that `getent hosts $(hostname)` answers inside exactly as it does
 * outside (from the host's /etc/hosts, or its DNS). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gofer_start.h"
#include "netdo.h"
#include "runsc.h"
#include "runsc/cleanup.h"
#include "runsc/log.h"
#include "runsc/netparse.h"
#include "runsc/parse.h"
#include "sentry/sentry.h"

extern char **environ;

#define MAX_MOUNTS 16
#define MAX_PORTS  32

/* A bind mount: host directory src (absolute, symlinks resolved) at dest
 * in the sandbox. */
struct do_mount {
	char dest[PATH_MAX];
	char src[PATH_MAX];
	bool readonly;
};

struct do_args {
	const char *rootfs;
	bool readonly;
	bool strace;
	const char *stats;
	const char *hostname;
	struct do_mount mounts[MAX_MOUNTS];
	size_t nmounts;
	struct rs_port_map ports[MAX_PORTS];
	unsigned nports;
	struct rs_cidr subnet4, subnet6;
	bool have_subnet4, have_subnet6;
};

/* Adds a mount; a relative or symlinked src is resolved here, where the
 * caller's working directory means something. dest is absolute and not "/"
 * (rs_parse_mount checks that). Prints why on failure. */
static bool add_mount(struct do_args *a, const char *dest, const char *src,
		      bool readonly, const char *arg)
{
	if (a->nmounts == MAX_MOUNTS) {
		fprintf(stderr, "runsc do: --mount `%s`: more than %d mounts\n",
			arg, MAX_MOUNTS);
		return false;
	}
	struct do_mount *m = &a->mounts[a->nmounts];
	/* The gofer's --mount DEST=SRC splits at the first '='. */
	if (strchr(dest, '=')) {
		fprintf(stderr,
			"runsc do: --mount `%s`: DEST cannot contain '='\n",
			arg);
		return false;
	}
	if (strlen(dest) >= sizeof(m->dest)) {
		fprintf(stderr, "runsc do: --mount `%s`: DEST too long\n", arg);
		return false;
	}
	strcpy(m->dest, dest);
	struct stat st;
	if (realpath(src, m->src) == NULL || stat(m->src, &st) < 0) {
		fprintf(stderr, "runsc do: --mount `%s`: source `%s`: %s\n",
			arg, src, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"runsc do: --mount `%s`: source `%s` is not a "
			"directory\n",
			arg, src);
		return false;
	}
	m->readonly = readonly;
	a->nmounts++;
	return true;
}

/* --mount DEST=SRC[:ro|:rw]; arg (argv's) is cut in place. */
static bool parse_mount(struct do_args *a, char *arg)
{
	char shown[2 * PATH_MAX];
	snprintf(shown, sizeof(shown), "%s", arg);
	cleanup_error struct rs_error *err = NULL;
	struct rs_mount_arg m;
	if (rs_parse_mount(arg, true, &m, &err) < 0) {
		rs_error_print(err, "runsc do", stderr);
		return false;
	}
	return add_mount(a, m.dest, m.source, m.readonly, shown);
}

/* Starts the gofer serving the root and the --mount directories. */
static int start_gofer(const struct rs_global *g, const struct do_args *a,
		       pid_t *pid, struct rs_error **err)
{
	struct rs_gofer_mount mounts[MAX_MOUNTS];
	for (size_t i = 0; i < a->nmounts; i++)
		mounts[i] = (struct rs_gofer_mount){
			.dest = a->mounts[i].dest,
			.source = a->mounts[i].src,
			.readonly = a->mounts[i].readonly,
		};
	return rs_gofer_start(g, a->rootfs, a->readonly, mounts, a->nmounts,
			      pid, err);
}

/* fd: opened before the sandbox started (the Sentry confines itself and
 * can open nothing afterwards). */
static int write_stats(int fd, const char *path, const struct sn_run_stats *s,
		       struct rs_error **err)
{
	json_t *o = json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "syscalls",
		(json_int_t)s->syscalls, "emulated", (json_int_t)s->emulated,
		"passed", (json_int_t)s->passed, "parked",
		(json_int_t)s->parked, "enosys", (json_int_t)s->enosys,
		"denied", (json_int_t)s->denied, "efault",
		(json_int_t)s->efault, "interrupted",
		(json_int_t)s->interrupted, "app_crashes",
		(json_int_t)s->app_crashes, "tasks", (json_int_t)s->tasks);
	if (o == NULL)
		return rs_error_set(err, ENOMEM, "stats");
	int r = json_dumpfd(o, fd, JSON_INDENT(1));
	json_decref(o);
	if (r < 0)
		return rs_error_set(err, errno ? errno : EIO, "write `%s`",
				    path);
	return 0;
}

static const char do_usage[] =
	"usage: runsc do [flags] -- CMD [ARGS]\n"
	"runs CMD in a throw-away sandbox and exits with its status\n"
	"\n"
	"  --rootfs DIR          root file system (default: the host's /, "
	"read-only)\n"
	"  --ro                  serve --rootfs read-only\n"
	"  --mount DEST=SRC[:ro] bind host directory SRC at DEST (repeatable)\n"
	"  --strace              log every application syscall to stderr\n"
	"  --stats FILE          write syscall counters as JSON on exit\n"
	"  --hostname NAME       the sandbox's hostname (default: the "
	"host's)\n"
	"  -p, --publish [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]\n"
	"                        forward a host port (default on 127.0.0.1 "
	"and ::1)\n"
	"                        to the sandbox's PORT (repeatable; "
	"--network sandbox)\n"
	"  --network MODE, --net-driver DRIVER\n"
	"                        the global flags, for this sandbox\n"
	"  --net-subnet CIDR     the sandbox's IPv4 or IPv6 subnet (default: "
	"a free\n"
	"                        /30 of 10.200.0.0/16 and a /64 of "
	"fd72:756e:7363::/48)\n";

static void usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "runsc do: %s `%s`\n", msg, arg);
}

enum {
	OPT_ROOTFS = 256,
	OPT_RO,
	OPT_STRACE,
	OPT_STATS,
	OPT_HOSTNAME,
	OPT_MOUNT,
	OPT_NET_SUBNET,
	OPT_NETWORK,
	OPT_NET_DRIVER,
	OPT_HELP,
};

/* The sandbox covers these host directories with its own file systems. */
static const char *const covered_dirs[] = { "/tmp", "/dev/shm", "/proc",
					    "/dev" };

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* Adds a read-only bind of the working directory at its own path when the
 * sandbox would otherwise hide it, so that `runsc do ./prog` run from
 * /tmp/x finds ./prog. Returns 0 when the directory is visible, 1 when it
 * stays hidden (a path with '=' cannot be a mount DEST: the program starts
 * in / instead, with a warning), -1 after printing why it failed. */
static int keep_cwd_visible(struct do_args *a, const char *cwd)
{
	bool covered = false;
	for (size_t i = 0; i < sizeof(covered_dirs) / sizeof(covered_dirs[0]);
	     i++)
		covered |= path_under(cwd, covered_dirs[i]);
	for (size_t i = 0; i < a->nmounts && covered; i++)
		covered = !path_under(cwd, a->mounts[i].dest);
	if (!covered)
		return 0;
	if (strchr(cwd, '=')) {
		fprintf(stderr,
			"runsc do: warning: working directory `%s` contains "
			"'=' and cannot be bound into the sandbox; starting "
			"in /\n",
			cwd);
		return 1;
	}
	return add_mount(a, cwd, cwd, true, cwd) ? 0 : -1;
}

static const struct option do_options[] = {
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "ro", no_argument, NULL, OPT_RO },
	{ "strace", no_argument, NULL, OPT_STRACE },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ "publish", required_argument, NULL, 'p' },
	{ "net-subnet", required_argument, NULL, OPT_NET_SUBNET },
	/* The global flags' values, for this sandbox: `runsc do
	 * --network=none` reads as the command it is. */
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "net-driver", required_argument, NULL, OPT_NET_DRIVER },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* -p SPEC, repeatable. */
static bool add_port(struct do_args *a, const char *spec)
{
	cleanup_error struct rs_error *err = NULL;
	if (a->nports == MAX_PORTS) {
		fprintf(stderr, "runsc do: -p `%s`: more than %d ports\n", spec,
			MAX_PORTS);
		return false;
	}
	if (rs_parse_port_map(spec, &a->ports[a->nports], &err) < 0) {
		rs_error_print(err, "runsc do", stderr);
		return false;
	}
	a->nports++;
	return true;
}

/* --net-subnet CIDR: once per family. */
static bool set_subnet(struct do_args *a, const char *spec)
{
	cleanup_error struct rs_error *err = NULL;
	struct rs_cidr c;
	if (rs_parse_cidr("--net-subnet", spec, &c, &err) < 0) {
		rs_error_print(err, "runsc do", stderr);
		return false;
	}
	bool *have = c.family == AF_INET ? &a->have_subnet4 : &a->have_subnet6;
	if (*have) {
		fprintf(stderr,
			"runsc do: --net-subnet `%s`: one subnet per "
			"address family\n",
			spec);
		return false;
	}
	*have = true;
	*(c.family == AF_INET ? &a->subnet4 : &a->subnet6) = c;
	return true;
}

int rs_cmd_do(struct rs_global *global, int argc, char **argv)
{
	/* The host's name (see the top of this file); utsname's buffer is
	 * the limit sethostname enforces too. */
	struct utsname uts;
	const char *host_name = uname(&uts) == 0 ? uts.nodename : "sandbox";
	struct do_args a = { .rootfs = "/",
			     .readonly = true,
			     .strace = global->strace,
			     .hostname = host_name };
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+:hp:", do_options, NULL)) != -1) {
		switch (c) {
		case OPT_ROOTFS:
			a.rootfs = optarg;
			a.readonly = false;
			break;
		case OPT_RO:
			a.readonly = true;
			break;
		case OPT_STRACE:
			a.strace = true;
			break;
		case OPT_STATS:
			a.stats = optarg;
			break;
		case OPT_HOSTNAME:
			a.hostname = optarg;
			break;
		case OPT_MOUNT:
			if (!parse_mount(&a, optarg))
				return 1;
			break;
		case 'p':
			if (!add_port(&a, optarg))
				return 1;
			break;
		case OPT_NET_SUBNET:
			if (!set_subnet(&a, optarg))
				return 1;
			break;
		case OPT_NETWORK:
		case OPT_NET_DRIVER: {
			cleanup_error struct rs_error *e = NULL;
			int r = c == OPT_NETWORK
					? rs_parse_network(optarg,
							   &global->network, &e)
					: rs_parse_net_driver(
						  optarg, &global->net_driver,
						  &e);
			if (r < 0 || rs_check_network_flags(global, &e) < 0) {
				rs_error_print(e, "runsc do", stderr);
				return 1;
			}
			break;
		}
		case 'h':
		case OPT_HELP:
			fputs(do_usage, stdout);
			return 0;
		case ':':
			usage_error("flag needs a value:", argv[optind - 1]);
			return 1;
		default:
			usage_error("unknown flag", argv[optind - 1]);
			return 1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "runsc do: no command given (runsc do -- CMD "
				"ARGS)\n");
		return 1;
	}
	struct stat st;
	if (stat(a.rootfs, &st) < 0 || !S_ISDIR(st.st_mode)) {
		usage_error("--rootfs is not a directory:", a.rootfs);
		return 1;
	}
	cleanup_error struct rs_error *err = NULL;
	cleanup_close int stats_fd = -1;
	if (a.stats) {
		stats_fd = open(a.stats,
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (stats_fd < 0) {
			usage_error("cannot write --stats file", a.stats);
			return 1;
		}
	}
	char cwd[PATH_MAX];
	bool host_root = strcmp(a.rootfs, "/") == 0;
	bool have_cwd = host_root && getcwd(cwd, sizeof(cwd)) != NULL;
	if (have_cwd) {
		int hidden = keep_cwd_visible(&a, cwd);
		if (hidden < 0)
			return 1;
		have_cwd = hidden == 0;
	}
	/* The network first: its user errors (a port in use, a subnet
	 * taken) come before anything starts. */
	struct rs_do_net net;
	rs_do_net_init(&net);
	struct rs_do_net_args net_args = {
		.ports = a.ports,
		.nports = a.nports,
		.subnet4 = a.have_subnet4 ? &a.subnet4 : NULL,
		.subnet6 = a.have_subnet6 ? &a.subnet6 : NULL,
	};
	struct sn_net_config net_cfg;
	if (rs_do_net_setup(global, &net_args, &net, &net_cfg, &err) < 0) {
		rs_error_print(err, "runsc do", stderr);
		rs_do_net_teardown(&net, true);
		return 1;
	}
	pid_t gofer = -1;
	int sock = start_gofer(global, &a, &gofer, &err);
	if (sock < 0) {
		rs_error_print(err, "runsc do", stderr);
		rs_do_net_teardown(&net, true);
		return 1;
	}
	/* The Sentry's view of the mounts: DEST and read-only-ness. */
	struct sn_mount_spec specs[MAX_MOUNTS];
	for (size_t i = 0; i < a.nmounts; i++)
		specs[i] = (struct sn_mount_spec){
			.path = a.mounts[i].dest,
			.readonly = a.mounts[i].readonly,
		};
	struct sn_config cfg = {
		.argv = argv + optind,
		.envp = environ,
		.cwd = have_cwd ? cwd : "/",
		.gofer_fd = sock,
		.root_readonly = a.readonly,
		.mounts = specs,
		.nmounts = a.nmounts,
		.stdio = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO },
		.strace = a.strace,
		.strace_fd = STDERR_FILENO,
		.hostname = a.hostname,
		.net = net_cfg,
		.confine = true,
	};
	int status = 0;
	struct sn_run_stats stats;
	int r = sn_run(&cfg, &status, &stats, &err);
	/* The Sentry closed its end: the gofer sees EOF and exits. */
	int gstatus;
	waitpid(gofer, &gstatus, 0);
	/* The forwarder goes now; the namespace, veth or tap go with this
	 * process (after a failed start, at once). */
	rs_do_net_teardown(&net, r < 0);
	if (r < 0) {
		rs_error_print(err, "runsc do", stderr);
		return 1;
	}
	if (a.stats && write_stats(stats_fd, a.stats, &stats, &err) < 0) {
		rs_error_print(err, "runsc do", stderr);
		return 1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
