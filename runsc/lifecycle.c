/* The OCI lifecycle of one container (lifecycle.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "gofer_start.h"
#include "hooks.h"
#include "lifecycle.h"
#include "oci_mounts.h"
#include "runsc/cleanup.h"
#include "runsc/log.h"

#define LOG_COMPONENT "runsc"

/* How long create waits for the Sentry to reach each step, and the other
 * commands for a control reply. A sandbox that takes longer is broken. */
#define BOOT_STEP_MS 60000
#define CONTROL_MS   10000
/* How long a SIGKILL through the Sentry may take before the Sentry
 * itself is killed. */
#define SANDBOX_KILL_MS 3000
/* How long delete waits for the sandbox's processes to go. */
#define EXIT_WAIT_MS 10000

/* ---- small helpers ------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until pid (not necessarily a child) is gone, up to timeout_ms.
 * Returns true when it is. A child is reaped. */
static bool wait_gone(pid_t pid, uint64_t start, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		waitpid(pid, NULL, WNOHANG);
		if (!rs_proc_alive(pid, start))
			return true;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return false;
		if (pidfd >= 0) {
			struct pollfd p = { pidfd, POLLIN, 0 };
			poll(&p, 1, left > 100 ? 100 : (int)left);
		} else {
			nanosleep(&(struct timespec){ .tv_nsec = 10000000 },
				  NULL);
		}
	}
}

/* Kills pid if it is still the process recorded (start time). */
static void kill_recorded(pid_t pid, uint64_t start, int sig)
{
	if (pid > 0 && rs_proc_alive(pid, start))
		kill(pid, sig);
}

/* Writes text to path atomically (a temporary file renamed over it), as
 * runc writes --pid-file. */
static int write_file_atomic(const char *path, const char *text,
			     struct rs_error **err)
{
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.runsc-tmp", path) >=
	    sizeof(tmp))
		return rs_error_set(err, ENAMETOOLONG, "`%s`", path);
	cleanup_close int fd =
		open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return rs_error_set(err, e, "write `%s`", path);
	}
	return 0;
}

int rs_parse_signal(const char *s, int *sig, struct rs_error **err)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (*s && *end == 0 && errno == 0) {
		if (n <= 0 || n >= NSIG)
			return rs_error_set(err, EINVAL, "unknown signal `%s`",
					    s);
		*sig = (int)n;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && strcasecmp(abbrev, name) == 0) {
			*sig = i;
			return 0;
		}
	}
	/* Real-time signals by name: RTMIN, RTMIN+N, RTMAX-N. */
	if (strncasecmp(name, "RTMIN", 5) == 0 ||
	    strncasecmp(name, "RTMAX", 5) == 0) {
		bool min = strncasecmp(name, "RTMIN", 5) == 0;
		long off = 0;
		const char *rest = name + 5;
		if (*rest) {
			off = strtol(rest, &end, 10);
			if (*end || (min ? off < 0 : off > 0))
				off = LONG_MAX;
		}
		long v = (min ? SIGRTMIN : SIGRTMAX) + off;
		if (v >= SIGRTMIN && v <= SIGRTMAX) {
			*sig = (int)v;
			return 0;
		}
	}
	return rs_error_set(err, EINVAL, "unknown signal `%s`", s);
}

int rs_lifecycle_dir(const struct rs_global *g, const char *id,
		     struct rs_error **err)
{
	int r = rs_container_id_check(id, err);
	if (r < 0)
		return r;
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", g->root, id) >=
	    sizeof(path))
		return rs_error_set(err, ENAMETOOLONG, "container `%s`", id);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rs_error_set(err, errno == ENOENT ? ENOENT : errno,
				    errno == ENOENT ? "container does not exist"
						    : "open `%s`",
				    path);
	return fd;
}

int rs_lifecycle_call(const struct rs_global *g, const char *id,
		      json_t *request, const int *fds, int nfds, int timeout_ms,
		      json_t **reply, struct rs_error **err)
{
	cleanup_close int dirfd = rs_lifecycle_dir(g, id, err);
	if (dirfd < 0)
		return dirfd;
	int r = rs_control_call(dirfd, request, fds, nfds, timeout_ms, reply,
				err);
	if (r == -ECONNREFUSED || r == -ENOENT) {
		rs_error_clear(err);
		return rs_error_set(err, ESRCH, "container `%s` is not running",
				    id);
	}
	return r;
}

int rs_lifecycle_saved_spec(int dirfd, const char *bundle,
			    struct rs_oci_spec **out, struct rs_error **err)
{
	cleanup_close int fd =
		openat(dirfd, RS_CONFIG_NAME, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return rs_error_set(err, errno, "the container's saved %s",
				    RS_CONFIG_NAME);
	if (st.st_size > RS_OCI_CONFIG_MAX)
		return rs_error_set(err, EFBIG, "the container's saved %s",
				    RS_CONFIG_NAME);
	cleanup_free char *buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return rs_error_set(err, ENOMEM, "config");
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return rs_error_set(err, n < 0 ? errno : EIO,
				    "read the container's saved %s",
				    RS_CONFIG_NAME);
	return rs_oci_spec_parse(buf, (size_t)n, bundle, out, err);
}

static int load_saved_spec(struct rs_container *c, struct rs_oci_spec **out,
			   struct rs_error **err)
{
	return rs_lifecycle_saved_spec(c->dir_fd, c->state.bundle, out, err);
}

/* The OCI state hooks get, with the status they should see. */
static json_t *hook_state(const struct rs_state *st, enum rs_status status)
{
	return rs_state_oci_json(st, status);
}

/* ---- create ------------------------------------------------------------- */

/* What create holds while it builds the container. */
struct creation {
	const struct rs_global *g;
	const struct rs_create_opts *o;
	struct rs_oci_spec *spec;
	struct rs_container *c;
	struct rs_mount_plan plan;
	int spec_fd;	/* the saved config, read by boot */
	int status_fd;	/* create's end of the status socket */
	int control_fd; /* the listening control socket, for boot */
	int gofer_fd;	/* the Sentry's end of the gofer socket */
	pid_t gofer;
	pid_t boot;
};

/* Saves the config in the state directory; boot reads that copy. */
static int save_spec(struct creation *cr, struct rs_error **err)
{
	cleanup_close int fd =
		openat(cr->c->dir_fd, RS_CONFIG_NAME,
		       O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || json_dumpfd(cr->spec->json, fd, JSON_COMPACT) < 0)
		return rs_error_set(err, errno ? errno : EIO, "save %s/%s",
				    cr->c->dir, RS_CONFIG_NAME);
	cr->spec_fd = steal_fd(&fd);
	return 0;
}

/* The child: `runsc boot` with the preserved fds at 3.., its own fds
 * right after them, nothing else inherited. Never returns. */
static void exec_boot(const struct creation *cr, int status_child)
{
	unsigned keep = cr->o->preserve_fds;
	int base = 3 + (int)keep;
	int ours[4] = { cr->spec_fd, cr->gofer_fd, status_child,
			cr->control_fd };
	/* Out of the way first, then into place: an fd of ours may sit
	 * where another one goes. */
	int high[4];
	for (int i = 0; i < 4; i++) {
		high[i] = fcntl(ours[i], F_DUPFD_CLOEXEC, base + 64);
		if (high[i] < 0)
			_exit(1);
	}
	for (int i = 0; i < 4; i++)
		if (dup2(high[i], base + i) < 0)
			_exit(1);
	syscall(SYS_close_range, (unsigned)base + 4, ~0u, 0u);
	for (int fd = 3; fd < base; fd++)
		fcntl(fd, F_SETFD, 0);
	char fds[4][16], preserve[16];
	for (int i = 0; i < 4; i++)
		snprintf(fds[i], sizeof(fds[i]), "%d", base + i);
	snprintf(preserve, sizeof(preserve), "%u", keep);
	const char *argv[128];
	size_t n = rs_self_argv(cr->g, "boot", argv, 100);
	if (n == 0)
		_exit(1);
	argv[n++] = "--bundle";
	argv[n++] = cr->spec->bundle;
	argv[n++] = "--spec-fd";
	argv[n++] = fds[0];
	argv[n++] = "--gofer-fd";
	argv[n++] = fds[1];
	argv[n++] = "--status-fd";
	argv[n++] = fds[2];
	argv[n++] = "--control-fd";
	argv[n++] = fds[3];
	argv[n++] = "--preserve-fds";
	argv[n++] = preserve;
	argv[n] = NULL;
	execv("/proc/self/exe", (char *const *)argv);
	fprintf(stderr, "runsc: exec boot: %s\n", strerror(errno));
	_exit(1);
}

static int start_boot(struct creation *cr, struct rs_error **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return rs_error_set(err, errno, "status socket");
	fflush(NULL);
	cr->boot = fork();
	if (cr->boot == 0)
		exec_boot(cr, sv[1]);
	int e = errno;
	close(sv[1]);
	if (cr->boot < 0) {
		close(sv[0]);
		return rs_error_set(err, e, "fork the sandbox");
	}
	cr->status_fd = sv[0];
	return 0;
}

/* One message from boot on the status socket: "netns", "created", or
 * "error ERRNO TEXT" (returned as the error). */
static int expect(struct creation *cr, const char *want, struct rs_error **err)
{
	struct pollfd p = { cr->status_fd, POLLIN, 0 };
	int n = poll(&p, 1, BOOT_STEP_MS);
	if (n == 0)
		return rs_error_set(err, ETIMEDOUT,
				    "the sandbox did not get to `%s` in %d s",
				    want, BOOT_STEP_MS / 1000);
	char msg[513];
	ssize_t len = n > 0 ? recv(cr->status_fd, msg, sizeof(msg) - 1, 0) : -1;
	if (len <= 0)
		return rs_error_set(err, EIO,
				    "the sandbox exited while starting "
				    "(see its output above or in --log)");
	msg[len] = 0;
	if (strcmp(msg, want) == 0)
		return 0;
	int errnum = 0, off = 0;
	if (sscanf(msg, "error %d %n", &errnum, &off) == 1 && off > 0)
		return rs_error_set(err, 0, "%s", msg + off);
	return rs_error_set(err, EPROTO, "the sandbox said `%s`", msg);
}

/* The hooks that run between the namespace's creation and the process's
 * start, in the order runtime-spec lists them. */
static int create_hooks(struct creation *cr, struct rs_error **err)
{
	cr->c->state.pid = cr->boot;
	rs_proc_start_time(cr->boot, &cr->c->state.pid_start, NULL);
	json_t *st = hook_state(&cr->c->state, RS_STATUS_CREATING);
	if (st == NULL)
		return rs_error_set(err, ENOMEM, "hook state");
	int r = rs_hooks_run(cr->spec, RS_OCI_HOOK_PRESTART, st, err);
	if (r == 0)
		r = rs_hooks_run(cr->spec, RS_OCI_HOOK_CREATE_RUNTIME, st, err);
	if (r == 0)
		r = rs_hooks_run(cr->spec, RS_OCI_HOOK_CREATE_CONTAINER, st,
				 err);
	json_decref(st);
	return r;
}

static int record_created(struct creation *cr, struct rs_error **err)
{
	struct rs_state *st = &cr->c->state;
	st->status = RS_STATUS_CREATED;
	st->gofer_pid = cr->gofer;
	rs_proc_start_time(cr->gofer, &st->gofer_start, NULL);
	int r = rs_container_save(cr->c, err);
	if (r < 0 || cr->o->pid_file == NULL)
		return r;
	char text[32];
	snprintf(text, sizeof(text), "%d", (int)cr->boot);
	return write_file_atomic(cr->o->pid_file, text, err);
}

static int build(struct creation *cr, const char *id, struct rs_error **err)
{
	const struct rs_create_opts *o = cr->o;
	int r = rs_oci_spec_load(o->bundle, &cr->spec, err);
	if (r < 0)
		return r;
	if (cr->spec->process->terminal && o->console_socket == NULL)
		return rs_error_set(err, EINVAL,
				    "process.terminal needs --console-socket");
	if (cr->spec->process->terminal)
		return rs_error_set(err, ENOTSUP,
				    "process.terminal: a terminal is not "
				    "supported yet");
	if ((r = rs_mount_plan_build(cr->spec, &cr->plan, err)) < 0)
		return r;
	rs_mount_plan_make_points(&cr->plan, cr->spec->root.abs_path);
	struct rs_state init = { 0 };
	if ((r = rs_state_from_spec(&init, id, cr->spec, err)) < 0)
		return r;
	r = rs_container_create(cr->g->root, &init, &cr->c, err);
	rs_state_clear(&init);
	if (r < 0)
		return r;
	if ((r = save_spec(cr, err)) < 0)
		return r;
	cr->control_fd = rs_control_listen(cr->c->dir_fd, err);
	if (cr->control_fd < 0)
		return cr->control_fd;
	cr->gofer_fd = rs_gofer_start(cr->g, cr->spec->root.abs_path,
				      cr->spec->root.readonly, cr->plan.gofer,
				      cr->plan.ngofer, &cr->gofer, err);
	if (cr->gofer_fd < 0)
		return cr->gofer_fd;
	if ((r = start_boot(cr, err)) < 0)
		return r;
	/* The Sentry holds them now. */
	close(cr->gofer_fd);
	cr->gofer_fd = -1;
	close(cr->control_fd);
	cr->control_fd = -1;
	if ((r = expect(cr, "netns", err)) < 0 ||
	    (r = create_hooks(cr, err)) < 0)
		return r;
	if (send(cr->status_fd, "go", 2, MSG_NOSIGNAL) != 2)
		return rs_error_set(err, EIO,
				    "the sandbox exited while "
				    "starting");
	if ((r = expect(cr, "created", err)) < 0)
		return r;
	return record_created(cr, err);
}

/* Undoes a failed create: the processes killed and reaped, the state
 * directory removed. */
static void abandon(struct creation *cr)
{
	if (cr->boot > 0) {
		kill(cr->boot, SIGKILL);
		waitpid(cr->boot, NULL, 0);
	}
	if (cr->gofer > 0) {
		kill(cr->gofer, SIGKILL);
		waitpid(cr->gofer, NULL, 0);
	}
	if (cr->c) {
		cleanup_error struct rs_error *e = NULL;
		if (rs_container_destroy(cr->c, &e) < 0)
			rs_error_print(e, "runsc", stderr);
		cr->c = NULL;
	}
}

int rs_lifecycle_create(const struct rs_global *g, const char *id,
			const struct rs_create_opts *o, pid_t *boot_pid,
			struct rs_error **err)
{
	struct creation cr = {
		.g = g,
		.o = o,
		.spec_fd = -1,
		.status_fd = -1,
		.control_fd = -1,
		.gofer_fd = -1,
	};
	int r = build(&cr, id, err);
	if (r < 0)
		abandon(&cr);
	else
		*boot_pid = cr.boot;
	rs_container_close(cr.c);
	rs_mount_plan_free(&cr.plan);
	rs_oci_spec_free(cr.spec);
	int fds[] = { cr.spec_fd, cr.status_fd, cr.control_fd, cr.gofer_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

/* ---- start, kill, delete ------------------------------------------------ */

int rs_lifecycle_start(const struct rs_global *g, const char *id,
		       struct rs_error **err)
{
	struct rs_container *c;
	int r = rs_container_open(g->root, id, 0, &c, err);
	if (r < 0)
		return r;
	struct rs_oci_spec *spec = NULL;
	enum rs_status status = rs_state_status(&c->state);
	if (status == RS_STATUS_STOPPED)
		r = rs_error_set(err, EINVAL,
				 "cannot start a container that has stopped");
	else if (status != RS_STATUS_CREATED)
		r = rs_error_set(err, EINVAL,
				 "cannot start an already running container");
	if (r == 0)
		r = load_saved_spec(c, &spec, err);
	json_t *st = r == 0 ? hook_state(&c->state, RS_STATUS_CREATED) : NULL;
	if (r == 0)
		r = rs_hooks_run(spec, RS_OCI_HOOK_START_CONTAINER, st, err);
	json_t *reply = NULL;
	if (r == 0) {
		json_t *req = json_pack("{s:s}", "cmd", "start");
		r = rs_control_call(c->dir_fd, req, NULL, 0, CONTROL_MS, &reply,
				    err);
		json_decref(req);
		json_decref(reply);
	}
	if (r == 0) {
		c->state.status = RS_STATUS_RUNNING;
		r = rs_container_save(c, err);
	}
	if (r == 0) {
		/* runtime-spec: a failed poststart hook is a warning. */
		json_decref(st);
		st = hook_state(&c->state, RS_STATUS_RUNNING);
		cleanup_error struct rs_error *herr = NULL;
		if (rs_hooks_run(spec, RS_OCI_HOOK_POSTSTART, st, &herr) < 0) {
			char text[1024];
			rs_warn(LOG_COMPONENT, "%s",
				rs_error_format(herr, text, sizeof(text)));
		}
	}
	json_decref(st);
	rs_oci_spec_free(spec);
	rs_container_close(c);
	return r;
}

int rs_lifecycle_kill(const struct rs_global *g, const char *id, int sig,
		      bool all, struct rs_error **err)
{
	struct rs_state st = { 0 };
	int r = rs_state_read(g->root, id, &st, err);
	if (r < 0)
		return r;
	enum rs_status status = rs_state_status(&st);
	if (status == RS_STATUS_STOPPED) {
		rs_state_clear(&st);
		return rs_error_set(err, ESRCH, "container not running");
	}
	if (status == RS_STATUS_PAUSED && sig != SIGKILL) {
		rs_state_clear(&st);
		return rs_error_set(err, EAGAIN,
				    "container `%s` is paused: resume it "
				    "first",
				    id);
	}
	json_t *req = json_pack("{s:s,s:i,s:b}", "cmd", "kill", "signal", sig,
				"all", all);
	json_t *reply = NULL;
	r = rs_lifecycle_call(g, id, req, NULL, 0,
			      sig == SIGKILL ? SANDBOX_KILL_MS : CONTROL_MS,
			      &reply, err);
	json_decref(req);
	json_decref(reply);
	/* SIGKILL must work whatever the sandbox is doing (paused, stuck):
	 * when the Sentry cannot do it, it is killed itself, and with it
	 * every process of the sandbox. */
	if (r < 0 && sig == SIGKILL) {
		rs_error_clear(err);
		kill_recorded(st.pid, st.pid_start, SIGKILL);
		r = 0;
	}
	rs_state_clear(&st);
	return r;
}

/* Stops whatever is left of the container's processes: the Sentry is
 * asked to kill them all and end as it does when its processes are gone
 * (writing out the capture), and is killed itself if it does not. */
static void stop_processes(struct rs_container *c)
{
	const struct rs_state *st = &c->state;
	if (rs_proc_alive(st->pid, st->pid_start)) {
		json_t *req = json_pack("{s:s,s:i,s:b}", "cmd", "kill",
					"signal", SIGKILL, "all", 1);
		json_t *reply = NULL;
		cleanup_error struct rs_error *e = NULL;
		if (rs_control_call(c->dir_fd, req, NULL, 0, SANDBOX_KILL_MS,
				    &reply, &e) < 0 ||
		    !wait_gone(st->pid, st->pid_start, SANDBOX_KILL_MS))
			kill_recorded(st->pid, st->pid_start, SIGKILL);
		json_decref(req);
		json_decref(reply);
	}
	if (!wait_gone(st->pid, st->pid_start, EXIT_WAIT_MS))
		rs_warn(LOG_COMPONENT, "the sandbox (pid %d) did not exit",
			(int)st->pid);
	/* The gofer ends with the Sentry's connection; a stuck one goes. */
	if (!wait_gone(st->gofer_pid, st->gofer_start, 1000)) {
		kill_recorded(st->gofer_pid, st->gofer_start, SIGKILL);
		wait_gone(st->gofer_pid, st->gofer_start, EXIT_WAIT_MS);
	}
}

static void poststop(struct rs_container *c)
{
	struct rs_oci_spec *spec = NULL;
	cleanup_error struct rs_error *e = NULL;
	char text[1024];
	if (load_saved_spec(c, &spec, &e) < 0) {
		rs_warn(LOG_COMPONENT, "poststop hooks: %s",
			rs_error_format(e, text, sizeof(text)));
		return;
	}
	json_t *st = hook_state(&c->state, RS_STATUS_STOPPED);
	if (rs_hooks_run(spec, RS_OCI_HOOK_POSTSTOP, st, &e) < 0)
		rs_warn(LOG_COMPONENT, "%s",
			rs_error_format(e, text, sizeof(text)));
	json_decref(st);
	rs_oci_spec_free(spec);
}

int rs_lifecycle_delete(const struct rs_global *g, const char *id, bool force,
			struct rs_error **err)
{
	struct rs_container *c;
	int r = rs_container_open(g->root, id, force ? RS_OPEN_ANY : 0, &c,
				  err);
	if (r == -ENOENT && force) {
		rs_error_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	if (c->has_state) {
		enum rs_status status = rs_state_status(&c->state);
		if (!force && status != RS_STATUS_STOPPED &&
		    status != RS_STATUS_CREATED) {
			r = rs_error_set(err, EBUSY,
					 "cannot delete container %s that is "
					 "not stopped: %s",
					 id, rs_status_name(status));
			rs_container_close(c);
			return r;
		}
		stop_processes(c);
		/* Hooks of a create that never finished did not run either. */
		if (c->state.status != RS_STATUS_CREATING)
			poststop(c);
	}
	return rs_container_destroy(c, err);
}
