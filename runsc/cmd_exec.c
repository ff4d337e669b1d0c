/* `runsc exec [flags] ID [CMD ARGS...]`: runs a new process in a running
 * container (runc exec). The process is the container's config's process
 * (its env, cwd, user) with CMD as args and the flags' changes, or the one
 * --process FILE describes (runc's process.json, which engines pass).
 *
 * runsc exec stays for as long as the process runs: it passes the signals
 * it gets on to the process and exits as the process did (its code, or
 * its signal). With --detach it returns once the process runs and leaves
 * a waiter doing that in the background, whose pid goes to --pid-file:
 * an engine's shim reaps that pid for the status and signals it to signal
 * the process, as it would a runc exec'd process. Should the waiter die
 * (SIGKILL), the process is killed with it (sandbox_ctl.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "lifecycle.h"
#include "passwd.h"
#include "runsc.h"
#include "runsc/cleanup.h"

#define MAX_ENV	   256
#define MAX_GROUPS 64

static const char exec_usage[] =
	"usage: runsc exec [flags] ID [COMMAND [ARGS...]]\n"
	"runs a new process in running container ID\n"
	"  --process FILE            the process, as a runtime-spec process "
	"JSON\n"
	"  -d, --detach              return once the process runs\n"
	"  --pid-file FILE           write the process's pid (its waiter's "
	"with -d)\n"
	"  --cwd DIR                 its working directory\n"
	"  -e, --env NAME=VALUE      add to its environment (repeatable)\n"
	"  -u, --user UID[:GID]      its user\n"
	"  -g, --additional-gids GID a supplementary group (repeatable)\n";

struct exec_args {
	const char *process_file;
	bool detach;
	const char *pid_file;
	const char *cwd;
	const char *env[MAX_ENV];
	size_t nenv;
	bool have_user;
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	size_t ngroups;
	bool have_groups;
	bool tty;
	const char *id;
	char **args; /* NULL-terminated; may be empty */
};

static int parse_ul(const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || *v > max ? -1 : 0;
}

/* -u UID[:GID], numeric as runc's. */
static int parse_user(const char *s, struct exec_args *a)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	unsigned long uid, gid = 0;
	if (parse_ul(buf, 0xfffffffe, &uid) < 0 ||
	    (colon && parse_ul(colon, 0xfffffffe, &gid) < 0))
		return -1;
	a->have_user = true;
	a->uid = (uid_t)uid;
	a->gid = (gid_t)gid;
	return 0;
}

static int parse_args(int argc, char **argv, struct exec_args *a, bool *help)
{
	enum {
		OPT_PROCESS = 256,
		OPT_PID_FILE,
		OPT_CWD,
		OPT_CONSOLE_SOCKET,
		OPT_IGNORED_VALUE,
		OPT_IGNORED,
		OPT_HELP,
	};
	static const struct option options[] = {
		{ "process", required_argument, NULL, OPT_PROCESS },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL,
		  OPT_CONSOLE_SOCKET },
		/* runc's flags for what the sandbox decides itself (the
		 * Sentry's own filter and credentials): accepted. */
		{ "cap", required_argument, NULL, OPT_IGNORED_VALUE },
		{ "process-label", required_argument, NULL, OPT_IGNORED_VALUE },
		{ "apparmor", required_argument, NULL, OPT_IGNORED_VALUE },
		{ "cgroup", required_argument, NULL, OPT_IGNORED_VALUE },
		{ "preserve-fds", required_argument, NULL, OPT_IGNORED_VALUE },
		{ "no-new-privs", no_argument, NULL, OPT_IGNORED },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORED },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	optind = 0;
	opterr = 0;
	*help = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "+:de:u:g:t", options,
				     NULL)) != -1) {
		unsigned long v;
		switch (c) {
		case OPT_PROCESS:
			a->process_file = optarg;
			break;
		case 'd':
			a->detach = true;
			break;
		case OPT_PID_FILE:
			a->pid_file = optarg;
			break;
		case OPT_CWD:
			if (optarg[0] != '/')
				return rs_usage_error(
					"exec", "--cwd `%s`: must be absolute",
					optarg);
			a->cwd = optarg;
			break;
		case 'e':
			if (a->nenv == MAX_ENV || strchr(optarg, '=') == NULL ||
			    optarg[0] == '=')
				return rs_usage_error(
					"exec", "--env `%s`: not NAME=VALUE",
					optarg);
			a->env[a->nenv++] = optarg;
			break;
		case 'u':
			if (parse_user(optarg, a) < 0)
				return rs_usage_error(
					"exec", "--user `%s`: not UID[:GID]",
					optarg);
			break;
		case 'g':
			if (a->ngroups == MAX_GROUPS ||
			    parse_ul(optarg, 0xfffffffe, &v) < 0)
				return rs_usage_error(
					"exec",
					"--additional-gids `%s`: not "
					"a group id",
					optarg);
			a->groups[a->ngroups++] = (gid_t)v;
			a->have_groups = true;
			break;
		case 't':
			a->tty = true;
			break;
		case OPT_CONSOLE_SOCKET:
		case OPT_IGNORED_VALUE:
		case OPT_IGNORED:
			break;
		case OPT_HELP:
			*help = true;
			return 0;
		case ':':
			return rs_usage_error("exec", "flag `%s` needs a value",
					      argv[optind - 1]);
		default:
			return rs_usage_error("exec", "unknown flag `%s`",
					      argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return rs_usage_error("exec", "\"exec\" requires a minimum of "
					      "1 argument(s)");
	a->id = argv[optind];
	a->args = argv + optind + 1;
	if (a->process_file == NULL && a->args[0] == NULL)
		return rs_usage_error("exec", "no command given (runsc exec "
					      "ID COMMAND [ARGS])");
	return 0;
}

static json_t *string_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static size_t count(char *const *v)
{
	size_t n = 0;
	while (v[n])
		n++;
	return n;
}

static bool has_home(json_t *env)
{
	for (size_t i = 0; i < json_array_size(env); i++)
		if (strncmp(json_string_value(json_array_get(env, i)),
			    "HOME=", 5) == 0)
			return true;
	return false;
}

/* The exec request: the base process with the command line's changes,
 * and HOME from the container's /etc/passwd when the environment has
 * none (runc's exec does the same). */
static json_t *build_request(const struct exec_args *a,
			     const struct rs_oci_process *p, const char *rootfs)
{
	bool own = a->process_file != NULL;
	json_t *env = string_array(p->env, p->n_env);
	for (size_t i = 0; env && !own && i < a->nenv; i++)
		json_array_append_new(env, json_string(a->env[i]));
	bool user = !own && a->have_user;
	uid_t uid = user ? a->uid : p->user.uid;
	if (env && !has_home(env)) {
		char home[256], entry[262];
		rs_passwd_home(rootfs, uid, home, sizeof(home));
		snprintf(entry, sizeof(entry), "HOME=%s", home);
		json_array_append_new(env, json_string(entry));
	}
	json_t *args = own ? string_array(p->args, p->n_args)
			   : string_array((const char *const *)a->args,
					  count(a->args));
	json_t *groups = json_array();
	if (own || !a->have_groups) {
		for (size_t i = 0; groups && i < p->user.n_additional_gids; i++)
			json_array_append_new(
				groups,
				json_integer(p->user.additional_gids[i]));
	} else {
		for (size_t i = 0; groups && i < a->ngroups; i++)
			json_array_append_new(groups,
					      json_integer(a->groups[i]));
	}
	return json_pack(
		"{s:s,s:o*,s:o*,s:s,s:I,s:I,s:o*}", "cmd", "exec", "args", args,
		"env", env, "cwd", !own && a->cwd ? a->cwd : p->cwd, "uid",
		(json_int_t)uid, "gid",
		(json_int_t)(user ? a->gid : p->user.gid), "groups", groups);
}

/* Starts the process; returns its pid in the sandbox. */
static int start_process(const struct rs_global *g, const struct exec_args *a,
			 pid_t *pid, struct rs_error **err)
{
	struct rs_state st = { 0 };
	int r = rs_state_read(g->root, a->id, &st, err);
	if (r < 0)
		return r;
	enum rs_status status = rs_state_status(&st);
	cleanup_close int dirfd = -1;
	struct rs_oci_spec *spec = NULL;
	struct rs_oci_process *own = NULL;
	if (status == RS_STATUS_STOPPED)
		r = rs_error_set(err, EINVAL,
				 "cannot exec in a stopped container");
	else if (status == RS_STATUS_PAUSED)
		r = rs_error_set(err, EINVAL,
				 "cannot exec in a paused container");
	if (r == 0 && (dirfd = rs_lifecycle_dir(g, a->id, err)) < 0)
		r = dirfd;
	if (r == 0)
		r = a->process_file
			    ? rs_oci_process_load(a->process_file, &own, err)
			    : rs_lifecycle_saved_spec(dirfd, st.bundle, &spec,
						      err);
	json_t *req =
		r == 0 ? build_request(a, own ? own : spec->process, st.rootfs)
		       : NULL;
	if (r == 0 && req == NULL)
		r = rs_error_set(err, ENOMEM, "exec request");
	json_t *reply = NULL;
	const int stdio[3] = { 0, 1, 2 };
	if (r == 0)
		r = rs_control_call(dirfd, req, stdio, 3, 10000, &reply, err);
	if (r == 0)
		*pid = (pid_t)json_integer_value(json_object_get(reply, "pid"));
	json_decref(reply);
	json_decref(req);
	rs_oci_process_free(own);
	rs_oci_spec_free(spec);
	rs_state_clear(&st);
	return r;
}

/* Every signal a process can catch, but SIGCHLD (ours). */
static void forwardable(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
	sigdelset(set, SIGCHLD);
}

/* Waits for the process to end, passing signals on; returns its wait
 * status. */
static int wait_process(const struct rs_global *g, const char *id, pid_t pid,
			int sigfd, struct rs_error **err)
{
	cleanup_close int dirfd = rs_lifecycle_dir(g, id, err);
	if (dirfd < 0)
		return dirfd;
	json_t *req = json_pack("{s:s,s:i}", "cmd", "wait", "pid", pid);
	cleanup_close int fd = rs_control_send(dirfd, req, NULL, 0, err);
	json_decref(req);
	if (fd < 0)
		return fd;
	for (;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 },
				       { sigfd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return rs_error_set(err, errno, "poll");
		if (p[0].revents) {
			json_t *reply = NULL;
			int r = rs_control_receive(fd, -1, &reply, err);
			if (r < 0)
				return r;
			int status = (int)json_integer_value(
				json_object_get(reply, "status"));
			json_decref(reply);
			return status;
		}
		struct signalfd_siginfo si;
		if (!(p[1].revents & POLLIN) ||
		    read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		json_t *kill_req =
			json_pack("{s:s,s:i,s:i}", "cmd", "kill", "signal",
				  (int)si.ssi_signo, "pid", pid);
		json_t *reply = NULL;
		cleanup_error struct rs_error *kerr = NULL;
		rs_control_call(dirfd, kill_req, NULL, 0, 10000, &reply, &kerr);
		json_decref(kill_req);
		json_decref(reply);
	}
}

/* Exits as the process did: its code, or its signal (no core file). */
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
	return 128 + sig;
}

static int write_pid_file(const char *path, pid_t pid, struct rs_error **err)
{
	char text[32];
	snprintf(text, sizeof(text), "%d", (int)pid);
	cleanup_close int fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return rs_error_set(err, errno, "write `%s`", path);
	return 0;
}

/* The waiter's side once the process runs: its stdio is the process's
 * now (the detached waiter lets go of it, so that whoever reads the
 * output sees the end when the process closes it). */
static int waiter(const struct rs_global *g, const struct exec_args *a,
		  pid_t pid, int sigfd)
{
	if (a->detach) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int i = 0; i < 3 && null >= 0; i++)
			dup2(null, i);
	}
	cleanup_error struct rs_error *err = NULL;
	int status = wait_process(g, a->id, pid, sigfd, &err);
	if (status < 0) {
		rs_error_print(err, "runsc exec", stderr);
		return 255;
	}
	return exit_like(status);
}

int rs_cmd_exec(struct rs_global *global, int argc, char **argv)
{
	struct exec_args a = { 0 };
	bool help;
	if (parse_args(argc, argv, &a, &help) != 0)
		return 1;
	if (help) {
		fputs(exec_usage, stdout);
		return 0;
	}
	if (a.tty)
		return rs_usage_error("exec", "--tty: a terminal is not "
					      "supported yet");
	/* Blocked before the process exists: no signal meant for it is
	 * lost; the waiter reads them from a signalfd. */
	sigset_t set;
	forwardable(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	cleanup_error struct rs_error *err = NULL;
	int ready[2] = { -1, -1 };
	pid_t waiter_pid = getpid();
	if (a.detach) {
		if (pipe2(ready, O_CLOEXEC) < 0) {
			rs_error_set(&err, errno, "pipe");
			rs_error_print(err, "runsc exec", stderr);
			return 1;
		}
		fflush(NULL);
		waiter_pid = fork();
		if (waiter_pid < 0) {
			rs_error_set(&err, errno, "fork the waiter");
			rs_error_print(err, "runsc exec", stderr);
			return 1;
		}
		if (waiter_pid > 0) {
			/* The caller's side: did the process start? */
			close(ready[1]);
			char ok;
			bool started = read(ready[0], &ok, 1) == 1;
			if (started && a.pid_file &&
			    write_pid_file(a.pid_file, waiter_pid, &err) < 0) {
				rs_error_print(err, "runsc exec", stderr);
				kill(waiter_pid, SIGKILL);
				return 1;
			}
			return started ? 0 : 1;
		}
		close(ready[0]);
	}
	pid_t pid = 0;
	if (start_process(global, &a, &pid, &err) < 0) {
		rs_error_print(err, "runsc exec", stderr);
		return 1;
	}
	if (!a.detach && a.pid_file &&
	    write_pid_file(a.pid_file, waiter_pid, &err) < 0)
		rs_error_print(err, "runsc exec", stderr);
	cleanup_close int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (a.detach) {
		if (write(ready[1], "", 1) != 1) {
			/* The caller is gone; the process still has us. */
		}
		close(ready[1]);
	}
	return waiter(global, &a, pid, sigfd);
}
