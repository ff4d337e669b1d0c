/* OCI lifecycle hooks (hooks.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "runsc/cleanup.h"
#include "runsc/log.h"

/* What a failing hook printed, as much as an error line should carry. */
#define OUTPUT_CAP 1024

struct output {
	int fd;
	char buf[OUTPUT_CAP + 1];
	size_t len;
};

static void drain(struct output *o)
{
	char scratch[4096];
	for (;;) {
		char *dst = o->len < OUTPUT_CAP ? o->buf + o->len : scratch;
		size_t room = o->len < OUTPUT_CAP ? OUTPUT_CAP - o->len
						  : sizeof(scratch);
		ssize_t n = read(o->fd, dst, room);
		if (n > 0) {
			if (dst != scratch)
				o->len += (size_t)n;
			continue;
		}
		if (n == 0 || errno != EINTR) {
			if (n == 0 || errno != EAGAIN) {
				close(o->fd);
				o->fd = -1;
			}
			return;
		}
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: the hook with the state on stdin and the pipes as stdout and
 * stderr. */
static void exec_hook(const struct rs_oci_hook *h, int in, int out, int errfd)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	syscall(SYS_close_range, 3u, ~0u, 0u);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	const char *path_only[] = { h->path, NULL };
	const char *no_env[] = { NULL };
	execve(h->path, (char *const *)(h->n_args ? h->args : path_only),
	       (char *const *)(h->n_env ? h->env : no_env));
	fprintf(stderr, "exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

/* Writes the state, collects the output and waits for the hook, killing it
 * at its timeout. Returns the wait status, or -ETIMEDOUT. */
static int supervise(const struct rs_oci_hook *h, pid_t pid, int pidfd, int in,
		     const char *state, struct output out[2])
{
	size_t state_len = strlen(state), written = 0;
	int64_t deadline = h->timeout.set ? now_ms() + h->timeout.v * 1000 : -1;
	bool timed_out = false;
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = out[0].fd, .events = POLLIN },
			{ .fd = out[1].fd, .events = POLLIN },
			{ .fd = in, .events = POLLOUT },
		};
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		int n = poll(p, 4, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n == 0 && deadline >= 0 && now_ms() >= deadline) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (p[1].revents)
			drain(&out[0]);
		if (p[2].revents)
			drain(&out[1]);
		if (in >= 0 && p[3].revents) {
			ssize_t w =
				write(in, state + written, state_len - written);
			if (w > 0)
				written += (size_t)w;
			/* A hook that does not read its stdin is fine. */
			if (w < 0 || written == state_len) {
				close(in);
				in = -1;
			}
		}
		if (p[0].revents)
			break;
	}
	if (in >= 0)
		close(in);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (int i = 0; i < 2; i++)
		if (out[i].fd >= 0)
			drain(&out[i]);
	return timed_out ? -ETIMEDOUT : status;
}

static int run_one(const struct rs_oci_hook *h, const char *kind, size_t i,
		   const char *state, struct rs_error **err)
{
	int in[2], o[2], e[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return rs_error_set(err, errno, "%s hook #%zu: pipe", kind, i);
	if (pipe2(o, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return rs_error_set(err, errno, "%s hook #%zu: pipe", kind, i);
	}
	if (pipe2(e, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		close(o[0]);
		close(o[1]);
		return rs_error_set(err, errno, "%s hook #%zu: pipe", kind, i);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		exec_hook(h, in[0], o[1], e[1]);
	int fork_errno = errno;
	close(in[0]);
	close(o[1]);
	close(e[1]);
	struct output out[2] = { { .fd = o[0] }, { .fd = e[0] } };
	cleanup_close int pidfd =
		pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pid < 0 || pidfd < 0) {
		int errnum = pid < 0 ? fork_errno : errno;
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		close(in[1]);
		close(o[0]);
		close(e[0]);
		return rs_error_set(err, errnum, "%s hook #%zu: start", kind,
				    i);
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(o[0], F_SETFL, O_NONBLOCK);
	fcntl(e[0], F_SETFL, O_NONBLOCK);
	int status = supervise(h, pid, pidfd, in[1], state, out);
	for (int k = 0; k < 2; k++) {
		if (out[k].fd >= 0)
			close(out[k].fd);
		out[k].buf[out[k].len] = 0;
	}
	if (status == 0)
		return 0;
	char how[64];
	if (status == -ETIMEDOUT)
		snprintf(how, sizeof(how), "timeout after %lld seconds",
			 (long long)h->timeout.v);
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "signal: %s",
			 strsignal(WTERMSIG(status)));
	else
		snprintf(how, sizeof(how), "exit status %d",
			 WEXITSTATUS(status));
	return rs_error_set(err, 0,
			    "error running %s hook #%zu: %s, stdout: %s, "
			    "stderr: %s",
			    kind, i, how, out[0].buf, out[1].buf);
}

int rs_hooks_run(const struct rs_oci_spec *spec, enum rs_oci_hook_kind kind,
		 json_t *state, struct rs_error **err)
{
	const struct rs_oci_hook_list *list = &spec->hooks[kind];
	if (list->n == 0)
		return 0;
	cleanup_free char *text = json_dumps(state, JSON_COMPACT);
	if (text == NULL)
		return rs_error_set(err, ENOMEM, "hook state");
	/* A hook that exits without reading its stdin must not kill us. */
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ignore, &old);
	int r = 0;
	for (size_t i = 0; i < list->n && r == 0; i++) {
		rs_debug("runsc", "%s hook #%zu: %s", rs_oci_hook_name(kind), i,
			 list->v[i].path);
		r = run_one(&list->v[i], rs_oci_hook_name(kind), i, text, err);
	}
	sigaction(SIGPIPE, &old, NULL);
	return r;
}
