/* `runsc boot` (internal): the Sentry. Two forms:
 *
 *   runsc boot --gofer-fd N [--ro] [--strace] [--hostname NAME]
 *              [--cwd DIR] [--uid N] [--gid N] [--mount DEST[:ro|:rw]]...
 *              -- CMD ARGS
 *
 * runs CMD with a gofer's root on inherited socket N; --mount names further
 * gofer attach points (as given to `runsc gofer --mount DEST=...`). The
 * application's stdio is this process's and its environment this
 * process's environment.
 *
 *   runsc boot --spec-fd N --bundle DIR --gofer-fd N --status-fd N
 *              --control-fd N [--preserve-fds N]
 *
 * is the OCI lifecycle (started by `runsc create`): the container's
 * config.json is read from --spec-fd and everything comes from it (process,
 * mounts as oci_mounts.h plans them for the gofer too, hostname,
 * rlimits). Boot enters the container's network namespace (the config's,
 * or a new one; with none the container shares the host's network and the
 * sandbox uses the host's sockets, as gVisor does), says "netns" on the
 * status socket and waits for "go" while create runs the hooks that set
 * the namespace up; it then takes the network over (the global
 * --network), builds the sandbox with the first process held, answers
 * "created" (or "error ERRNO TEXT") and serves the control socket
 * (runsc/sandbox_ctl.h) until the sandbox ends. The application gets fds
 * 3 .. 3+N-1 as well with --preserve-fds N.
 *
 * Either way the exit status is the application's: its exit code, or,
 * killed by a signal, the same signal (the process an engine monitors
 * ends as the container's init did). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci_mounts.h"
#include "oci_spec.h"
#include "passwd.h"
#include "runsc.h"
#include "runsc/cleanup.h"
#include "runsc/log.h"
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
	OPT_SPEC_FD,
	OPT_BUNDLE,
	OPT_STATUS_FD,
	OPT_CONTROL_FD,
	OPT_PRESERVE_FDS,
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
	{ "spec-fd", required_argument, NULL, OPT_SPEC_FD },
	{ "bundle", required_argument, NULL, OPT_BUNDLE },
	{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
	{ "control-fd", required_argument, NULL, OPT_CONTROL_FD },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
	{ NULL, 0, NULL, 0 },
};

struct boot {
	struct sn_config cfg;
	struct sn_mount_spec mounts[MAX_MOUNTS]; /* the first form's */
	int spec_fd;				 /* -1 in the first form */
	const char *bundle;
	int status_fd;
	int control_fd;
	unsigned preserve_fds;
	struct rs_sandbox_ctl ctl;
	/* The OCI form's config and what is built from it. */
	struct rs_oci_spec *spec;
	struct rs_mount_plan plan;
	struct sn_rlimit *rlimits;
	int *extra_fds;
	struct sn_sysctl *sysctls;
	char **env;	/* process.env with HOME */
	char *home_env; /* the HOME= entry added, if any */
	char host_name[65];
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
	if (n > 0 &&
	    send(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1,
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

/* Whether path names the network namespace this process is in: Docker's
 * --network=host gives the container the daemon's own namespace by path
 * (<exec-root>/netns/default), and taking over its interfaces would take
 * the host's network away from the host. */
static bool is_own_netns(const char *path)
{
	struct stat mine, theirs;
	return stat("/proc/self/ns/net", &mine) == 0 &&
	       stat(path, &theirs) == 0 && mine.st_dev == theirs.st_dev &&
	       mine.st_ino == theirs.st_ino;
}

/* The container's network namespace (none in the config, or the one runsc
 * runs in: the host's, and the host's sockets), then create's go-ahead
 * once its hooks ran in it. */
static int enter_netns(struct boot *b, struct rs_global *g,
		       struct rs_error **err)
{
	const struct rs_oci_namespace *ns =
		rs_oci_spec_namespace(b->spec, RS_OCI_NS_NETWORK);
	if (ns && ns->path && is_own_netns(ns->path))
		ns = NULL;
	if (ns == NULL && g->network != RS_NETWORK_HOST) {
		if (g->pcap_log)
			rs_warn("runsc", "--pcap-log: the container shares the "
					 "host's network; nothing to capture");
		g->network = RS_NETWORK_HOST;
		g->pcap_log = NULL;
	}
	if (ns && ns->path) {
		cleanup_close int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			return rs_error_set(err, errno,
					    "join network namespace `%s`",
					    ns->path);
	} else if (ns && unshare(CLONE_NEWNET) < 0) {
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

/* Reads the whole config from fd. */
static int read_spec(struct boot *b, struct rs_error **err)
{
	struct stat st;
	if (fstat(b->spec_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > RS_OCI_CONFIG_MAX)
		return rs_error_set(err, EINVAL, "--spec-fd: not a config");
	cleanup_free char *buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return rs_error_set(err, ENOMEM, "config.json");
	size_t len = 0;
	while (len < (size_t)st.st_size) {
		ssize_t n = pread(b->spec_fd, buf + len,
				  (size_t)st.st_size - len, (off_t)len);
		if (n <= 0)
			return rs_error_set(err, n < 0 ? errno : EIO,
					    "read config.json");
		len += (size_t)n;
	}
	return rs_oci_spec_parse(buf, len, b->bundle, &b->spec, err);
}

/* sn_config from the OCI config: the process, the mounts, the names. */
static int config_from_spec(struct boot *b, struct rs_error **err)
{
	const struct rs_oci_spec *spec = b->spec;
	const struct rs_oci_process *proc = spec->process;
	struct sn_config *cfg = &b->cfg;
	int r = rs_mount_plan_build(spec, &b->plan, err);
	if (r < 0)
		return r;
	cfg->mounts = b->plan.sentry;
	cfg->nmounts = b->plan.nsentry;
	cfg->root_readonly = spec->root.readonly;
	cfg->argv = (char *const *)proc->args;
	char home[256];
	rs_passwd_home(spec->root.abs_path, proc->user.uid, home, sizeof(home));
	b->env = rs_env_with_home((char *const *)proc->env, home, &b->home_env);
	if (b->env == NULL)
		return rs_error_set(err, ENOMEM, "config");
	cfg->envp = b->env;
	cfg->cwd = proc->cwd;
	cfg->uid = proc->user.uid;
	cfg->gid = proc->user.gid;
	cfg->groups = proc->user.additional_gids;
	cfg->ngroups = proc->user.n_additional_gids;
	cfg->set_umask = proc->user.umask.set;
	cfg->umask = (mode_t)proc->user.umask.v;
	/* A new UTS namespace starts with the host's name (runc leaves it
	 * so when the config gives none). */
	struct utsname uts;
	snprintf(b->host_name, sizeof(b->host_name), "%s",
		 uname(&uts) == 0 ? uts.nodename : "sandbox");
	cfg->hostname = spec->hostname ? spec->hostname : b->host_name;
	cfg->domainname = spec->domainname;
	size_t nsys = spec->linux_cfg.n_sysctl;
	b->sysctls = calloc(nsys + 1, sizeof(*b->sysctls));
	if (b->sysctls == NULL)
		return rs_error_set(err, ENOMEM, "config");
	for (size_t i = 0; i < nsys; i++)
		b->sysctls[i] = (struct sn_sysctl){
			.key = spec->linux_cfg.sysctl[i].key,
			.value = spec->linux_cfg.sysctl[i].value,
		};
	cfg->sysctls = b->sysctls;
	cfg->nsysctls = nsys;
	b->rlimits = calloc(proc->n_rlimits + 1, sizeof(*b->rlimits));
	b->extra_fds = calloc(b->preserve_fds + 1, sizeof(*b->extra_fds));
	if (b->rlimits == NULL || b->extra_fds == NULL)
		return rs_error_set(err, ENOMEM, "config");
	for (size_t i = 0; i < proc->n_rlimits; i++)
		b->rlimits[i] = (struct sn_rlimit){
			.resource = proc->rlimits[i].type,
			.soft = proc->rlimits[i].soft,
			.hard = proc->rlimits[i].hard,
		};
	cfg->rlimits = b->rlimits;
	cfg->nrlimits = proc->n_rlimits;
	for (unsigned i = 0; i < b->preserve_fds; i++)
		b->extra_fds[i] = 3 + (int)i;
	cfg->extra_fds = b->extra_fds;
	cfg->nextra_fds = b->preserve_fds;
	cfg->life = (struct sn_lifecycle){
		.wait_start = true,
		.exec_error_fails = true,
		.allow_exec = true,
		.on_created = on_created,
		.arg = b,
	};
	return 0;
}

static void boot_free(struct boot *b)
{
	rs_mount_plan_free(&b->plan);
	rs_oci_spec_free(b->spec);
	free(b->rlimits);
	free(b->extra_fds);
	free(b->env);
	free(b->home_env);
	free(b->sysctls);
}

/* Ends this process as the application ended: the same exit code, or the
 * same signal (without a core file of runsc's own). */
static int exit_like(int status)
{
	if (!WIFSIGNALED(status))
		return WEXITSTATUS(status);
	int sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return 128 + sig; /* a signal that does not end a process */
}

static int parse_id(const char *arg, int opt, struct sn_config *cfg)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || *end || end == arg || v > 0xfffffffe) {
		fprintf(stderr, "runsc boot: bad id `%s`\n", arg);
		return -1;
	}
	if (opt == OPT_UID)
		cfg->uid = (uid_t)v;
	else
		cfg->gid = (gid_t)v;
	return 0;
}

static int add_mount(struct boot *b, char *arg)
{
	cleanup_error struct rs_error *err = NULL;
	struct rs_mount_arg m;
	if (b->cfg.nmounts == MAX_MOUNTS) {
		fprintf(stderr, "runsc boot: --mount: more than %d mounts\n",
			MAX_MOUNTS);
		return -1;
	}
	if (rs_parse_mount(arg, false, &m, &err) < 0) {
		rs_error_print(err, "runsc boot", stderr);
		return -1;
	}
	b->mounts[b->cfg.nmounts++] =
		(struct sn_mount_spec){ .path = m.dest,
					.readonly = m.readonly };
	return 0;
}

/* An inherited fd flag's value, made close-on-exec. */
static int take_fd(const char *flag, const char *arg, int *fd)
{
	if (rs_parse_fd(arg, fd) < 0 || fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "runsc boot: %s `%s`: not an open fd\n", flag,
			arg);
		return -1;
	}
	return 0;
}

static int parse_args(struct boot *b, int argc, char **argv)
{
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+:", boot_options, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case OPT_GOFER_FD:
			r = take_fd("--gofer-fd", optarg, &b->cfg.gofer_fd);
			break;
		case OPT_SPEC_FD:
			r = take_fd("--spec-fd", optarg, &b->spec_fd);
			break;
		case OPT_STATUS_FD:
			r = take_fd("--status-fd", optarg, &b->status_fd);
			break;
		case OPT_CONTROL_FD:
			r = take_fd("--control-fd", optarg, &b->control_fd);
			break;
		case OPT_BUNDLE:
			b->bundle = optarg;
			break;
		case OPT_PRESERVE_FDS: {
			int n;
			if (rs_parse_fd(optarg, &n) < 0 ||
			    n > SN_MAX_EXTRA_FDS) {
				fprintf(stderr,
					"runsc boot: --preserve-fds `%s`: not "
					"a count up to %d\n",
					optarg, SN_MAX_EXTRA_FDS);
				return -1;
			}
			b->preserve_fds = (unsigned)n;
			break;
		}
		case OPT_RO:
			b->cfg.root_readonly = true;
			break;
		case OPT_STRACE:
			b->cfg.strace = true;
			break;
		case OPT_HOSTNAME:
			b->cfg.hostname = optarg;
			break;
		case OPT_CWD:
			b->cfg.cwd = optarg;
			break;
		case OPT_UID:
		case OPT_GID:
			r = parse_id(optarg, c, &b->cfg);
			break;
		case OPT_MOUNT:
			r = add_mount(b, optarg);
			break;
		case ':':
			fprintf(stderr, "runsc boot: flag `%s` needs a value\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "runsc boot: unknown flag `%s`\n",
				argv[optind - 1]);
			return -1;
		}
		if (r < 0)
			return -1;
	}
	bool oci = b->spec_fd >= 0;
	bool usable =
		b->cfg.gofer_fd >= 0 &&
		(oci ? b->bundle && b->status_fd >= 0 && b->control_fd >= 0 &&
				 optind == argc
		     : optind < argc && b->status_fd < 0 && b->control_fd < 0);
	if (!usable) {
		fprintf(stderr,
			"runsc boot: usage: runsc boot --gofer-fd N [flags] -- "
			"CMD ARGS, or runsc boot --spec-fd N --bundle DIR "
			"--gofer-fd N --status-fd N --control-fd N\n");
		return -1;
	}
	b->cfg.argv = argv + optind;
	return 0;
}

/* The OCI form up to sn_run: the config, the namespace, the network. */
static int prepare_oci(struct boot *b, struct rs_global *g,
		       struct rs_sandbox_net *net, struct rs_error **err)
{
	int r;
	if ((r = read_spec(b, err)) < 0 || (r = config_from_spec(b, err)) < 0 ||
	    (r = enter_netns(b, g, err)) < 0)
		return r;
	return rs_sandbox_net_setup(g, net, &b->cfg.net, err);
}

int rs_cmd_boot(struct rs_global *global, int argc, char **argv)
{
	struct boot b = {
		.cfg = {
			.gofer_fd = -1,
			.stdio = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO },
			.strace = global->strace,
			.strace_fd = STDERR_FILENO,
			.hostname = "sandbox",
			.cwd = "/",
			.envp = environ,
			.confine = true,
		},
		.spec_fd = -1,
		.status_fd = -1,
		.control_fd = -1,
	};
	b.cfg.mounts = b.mounts;
	if (parse_args(&b, argc, argv) < 0)
		return 1;
	bool oci = b.spec_fd >= 0;
	cleanup_error struct rs_error *err = NULL;
	struct rs_sandbox_net net;
	rs_sandbox_net_init(&net);
	if (oci && prepare_oci(&b, global, &net, &err) < 0) {
		say_error(b.status_fd, err);
		rs_sandbox_net_free(&net);
		boot_free(&b);
		return 1;
	}
	int status = 0;
	int r = sn_run(&b.cfg, &status, NULL, &err);
	rs_sandbox_net_free(&net);
	boot_free(&b);
	if (r < 0) {
		if (oci && b.status_fd >= 0)
			say_error(b.status_fd, err);
		else
			rs_error_print(err, "runsc boot", stderr);
		return 1;
	}
	return exit_like(status);
}
