/* The requests a running sandbox answers on its control socket
 * (sandbox_ctl.h), served inside `runsc boot` on the Sentry's loop. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runsc/list.h"
#include "sandbox_ctl.h"

/* A process `runsc exec` started: its status once it ended, and the
 * client waiting for it, if any. Kept until that status is taken. */
struct execd {
	struct rs_list link;
	struct rs_sandbox_ctl *ctl;
	pid_t pid;
	bool exited;
	int status;
	struct rs_control_conn *waiter;
	/* Its waiter went away: nobody will take the status. */
	bool abandoned;
};

static struct execd *find_execd(struct rs_sandbox_ctl *ctl, pid_t pid)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &ctl->execd)
	{
		struct execd *e = rs_container_of(pos, struct execd, link);
		if (e->pid == pid)
			return e;
	}
	return NULL;
}

static json_t *status_reply(int status)
{
	return json_pack("{s:b,s:i}", "ok", 1, "status", status);
}

static void execd_exited(void *arg, pid_t pid, int status)
{
	struct execd *e = arg;
	(void)pid;
	e->exited = true;
	e->status = status;
	if (e->abandoned) {
		rs_list_del(&e->link);
		free(e);
		return;
	}
	if (e->waiter == NULL)
		return;
	json_t *r = status_reply(status);
	rs_control_reply(e->ctl->sb, e->waiter, r);
	json_decref(r);
	rs_list_del(&e->link);
	free(e);
}

/* A JSON array of strings as a NULL-terminated vector pointing into it. */
static char **strings(json_t *a, const char *what, json_t **fail)
{
	if (!json_is_array(a) || json_array_size(a) > 65536) {
		*fail = rs_control_fail(EINVAL, "exec: %s: not an array", what);
		return NULL;
	}
	size_t n = json_array_size(a);
	char **v = calloc(n + 1, sizeof(*v));
	if (v == NULL) {
		*fail = NULL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s == NULL) {
			free(v);
			*fail = rs_control_fail(
				EINVAL, "exec: %s: not all strings", what);
			return NULL;
		}
		v[i] = (char *)s;
	}
	return v;
}

/* {"cmd":"exec","args":[...],"env":[...],"cwd":"/","uid":0,"gid":0,
 * "groups":[...]} with stdin, stdout, stderr as fds: {"pid": N}. */
static json_t *do_exec(struct rs_sandbox_ctl *ctl, json_t *req, int *fds,
		       int nfds)
{
	json_t *fail = NULL;
	char **argv = strings(json_object_get(req, "args"), "args", &fail);
	char **envp = argv ? strings(json_object_get(req, "env"), "env", &fail)
			   : NULL;
	if (argv == NULL || envp == NULL || argv[0] == NULL) {
		free(argv);
		free(envp);
		return fail ? fail
			    : rs_control_fail(EINVAL, "exec: no program");
	}
	gid_t groups[64];
	size_t ngroups = 0;
	json_t *g = json_object_get(req, "groups");
	if (g && (!json_is_array(g) || json_array_size(g) > 64)) {
		free(argv);
		free(envp);
		return rs_control_fail(EINVAL, "exec: groups: at most 64");
	}
	for (size_t i = 0; i < json_array_size(g); i++)
		groups[ngroups++] =
			(gid_t)json_integer_value(json_array_get(g, i));
	struct execd *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		free(argv);
		free(envp);
		return NULL;
	}
	e->ctl = ctl;
	struct sn_exec_spec spec = {
		.argv = argv,
		.envp = envp,
		.cwd = json_string_value(json_object_get(req, "cwd")),
		.uid = (uid_t)json_integer_value(json_object_get(req, "uid")),
		.gid = (gid_t)json_integer_value(json_object_get(req, "gid")),
		.groups = groups,
		.ngroups = ngroups,
		.stdio = { nfds > 0 ? fds[0] : -1, nfds > 1 ? fds[1] : -1,
			   nfds > 2 ? fds[2] : -1 },
		.on_exit = execd_exited,
		.arg = e,
	};
	pid_t pid;
	int r = sn_sandbox_exec(ctl->sb, &spec, &pid);
	free(argv);
	free(envp);
	if (r < 0) {
		free(e);
		return rs_control_fail(-r, "exec: %s", strerror(-r));
	}
	e->pid = pid;
	rs_list_add_tail(&ctl->execd, &e->link);
	return json_pack("{s:b,s:i}", "ok", 1, "pid", (json_int_t)pid);
}

/* The `runsc exec` waiting for the process is gone (killed, or an
 * engine's shim killed the pid it recorded): the process goes too, as
 * runc's exec'd process ends with the signal its pid received. */
static void waiter_gone(void *arg)
{
	struct execd *e = arg;
	e->waiter = NULL;
	e->abandoned = true;
	sn_sandbox_kill_pid(e->ctl->sb, e->pid, SIGKILL);
}

/* {"cmd":"wait","pid":N}: answered with {"status": S} once the process
 * `exec` started has ended. If the client goes away first, the process
 * is killed. */
static json_t *do_wait(struct rs_sandbox_ctl *ctl, struct rs_control_conn *conn,
		       json_t *req)
{
	pid_t pid = (pid_t)json_integer_value(json_object_get(req, "pid"));
	struct execd *e = find_execd(ctl, pid);
	if (e == NULL)
		return rs_control_fail(ESRCH,
				       "wait: no process %d started "
				       "by exec",
				       (int)pid);
	if (e->waiter)
		return rs_control_fail(EBUSY, "wait: %d is waited for",
				       (int)pid);
	if (e->exited) {
		json_t *r = status_reply(e->status);
		rs_list_del(&e->link);
		free(e);
		return r;
	}
	e->waiter = conn;
	rs_control_on_hangup(conn, waiter_gone, e);
	return RS_CONTROL_LATER;
}

static int add_proc(void *arg, const struct sn_proc_info *p)
{
	json_t *list = arg;
	json_t *argv = json_array();
	for (size_t off = 0; argv && off < p->cmdline_len;) {
		const char *s = p->cmdline + off;
		size_t n = strnlen(s, p->cmdline_len - off);
		json_array_append_new(argv, json_stringn(s, n));
		off += n + 1;
	}
	return json_array_append_new(
		list, json_pack("{s:i,s:i,s:i,s:i,s:I,s:s,s:o}", "pid",
				(json_int_t)p->pid, "ppid", (json_int_t)p->ppid,
				"host_pid", (json_int_t)p->host_pid, "uid",
				(json_int_t)p->uid, "start_ns",
				(json_int_t)p->start_ns, "comm", p->comm,
				"args", argv ? argv : json_array()));
}

static json_t *handle(struct sn_sandbox *sb, struct rs_control_conn *conn,
		      json_t *req, int *fds, int nfds, void *arg)
{
	struct rs_sandbox_ctl *ctl = arg;
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *reply;
	if (cmd == NULL) {
		reply = rs_control_fail(EINVAL, "no cmd");
	} else if (strcmp(cmd, "exec") == 0) {
		reply = do_exec(ctl, req, fds, nfds);
	} else if (strcmp(cmd, "wait") == 0) {
		reply = do_wait(ctl, conn, req);
	} else if (strcmp(cmd, "start") == 0) {
		int r = sn_sandbox_start(sb);
		reply = r < 0 ? rs_control_fail(-r, "already started")
			      : rs_control_ok();
	} else if (strcmp(cmd, "kill") == 0) {
		int sig =
			(int)json_integer_value(json_object_get(req, "signal"));
		bool all = json_is_true(json_object_get(req, "all"));
		json_t *pid = json_object_get(req, "pid");
		int r = pid ? sn_sandbox_kill_pid(
				      sb, (pid_t)json_integer_value(pid), sig)
			    : sn_sandbox_kill(sb, sig, all);
		reply = r < 0 ? rs_control_fail(-r, "kill: %s", strerror(-r))
			      : rs_control_ok();
	} else if (strcmp(cmd, "ps") == 0) {
		json_t *list = json_array();
		if (list && sn_sandbox_foreach_proc(sb, add_proc, list) == 0)
			reply = json_pack("{s:b,s:o}", "ok", 1, "processes",
					  list);
		else
			reply = (json_decref(list), NULL);
	} else if (strcmp(cmd, "state") == 0) {
		reply = json_pack("{s:b,s:b}", "ok", 1, "started",
				  sn_sandbox_started(sb));
	} else if (strcmp(cmd, "stats") == 0) {
		struct sn_run_stats s;
		sn_sandbox_stats(sb, &s);
		reply = json_pack("{s:b,s:{s:I,s:I,s:I,s:I}}", "ok", 1,
				  "sentry", "syscalls", (json_int_t)s.syscalls,
				  "tasks", (json_int_t)s.tasks, "parked",
				  (json_int_t)s.parked, "denied",
				  (json_int_t)s.denied);
	} else {
		reply = rs_control_fail(EINVAL, "unknown cmd `%s`", cmd);
	}
	/* Descriptors a request brought and nothing kept (exec duplicated
	 * its stdio). */
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return reply;
}

int rs_sandbox_ctl_serve(struct rs_sandbox_ctl *ctl, struct sn_sandbox *sb,
			 int listen_fd)
{
	ctl->sb = sb;
	rs_list_init(&ctl->execd);
	return rs_control_serve(sb, listen_fd, handle, ctl);
}
