/* The spawner: how processes join a running sandbox (`runsc exec`).
 *
 * The sandbox's first process made its namespaces (pid, mount with the
 * stub root, net, ipc, uts); a new process must start inside them, but the
 * Sentry, once confined, can neither enter namespaces nor create
 * processes. So before confinement it forks the spawner, a small helper
 * that waits on a socketpair. When the first process has built its stub
 * root (its first exec, sn_spawner_join), the spawner enters its
 * namespaces and gives up every privilege; from then on, for each
 * request, it forks a child in there which waits on a pipe until the
 * Sentry has seized it, then becomes an application process exactly as
 * the first one did (sn_become_app). The spawner reaps its children; the
 * Sentry, their tracer, sees them exit first.
 *
 * Protocol (SOCK_SEQPACKET): the Sentry sends 'j' (join) once, then 's'
 * per child; the spawner answers each 's' with the child's host pid and,
 * by SCM_RIGHTS, the write end of its go pipe (or a negative errno and no
 * fd). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/confine.h"
#include "kernel/kernel.h"

/* How long the Sentry waits for a child's pid (a fork: microseconds). */
#define SPAWN_TIMEOUT_MS 5000

static int send_reply(int sock, int32_t pid_or_err, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = { &pid_or_err, sizeof(pid_or_err) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		m.msg_control = ctl.b;
		m.msg_controllen = sizeof(ctl.b);
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof(fd));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Enters the namespaces of the sandbox's first process (the pid namespace
 * for the children to come) and drops to the sandbox's host identity. */
static int join(pid_t init_pid)
{
	static const struct {
		const char *name;
		int type;
	} ns[] = {
		{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
		{ "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID },
		{ "mnt", CLONE_NEWNS },
	};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)init_pid,
			 ns[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		int r = setns(fd, ns[i].type);
		close(fd);
		if (r < 0)
			return -errno;
	}
	/* setns of a mount namespace moves root and cwd to its root: the
	 * first process's stub root. */
	gid_t none[1];
	if (setgroups(0, none) < 0 ||
	    setresgid(SN_SANDBOX_HOST_ID, SN_SANDBOX_HOST_ID,
		      SN_SANDBOX_HOST_ID) < 0 ||
	    setresuid(SN_SANDBOX_HOST_ID, SN_SANDBOX_HOST_ID,
		      SN_SANDBOX_HOST_ID) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* One child: held on its pipe until the Sentry seized it. The child
 * lets the Sentry (sentry_pid, the same unprivileged uid) trace it: it is
 * made dumpable, which dropping privileges in join() had undone, and
 * names the Sentry its ptracer for Yama's ptrace_scope 1; the pid is sent
 * only once it has done both. */
static void spawn(int sock, pid_t sentry_pid)
{
	int go[2], ready[2];
	if (pipe2(go, O_CLOEXEC) < 0) {
		send_reply(sock, -errno, -1);
		return;
	}
	if (pipe2(ready, O_CLOEXEC) < 0) {
		send_reply(sock, -errno, -1);
		close(go[0]);
		close(go[1]);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		prctl(PR_SET_PTRACER, sentry_pid, 0, 0, 0);
		close(ready[1]);
		sigset_t none_blocked;
		sigemptyset(&none_blocked);
		sigprocmask(SIG_SETMASK, &none_blocked, NULL);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		/* Its errors go nowhere (a read end): the Sentry sees the
		 * child exit. */
		sn_become_app(go[0]);
	}
	int fork_errno = errno;
	close(go[0]);
	close(ready[1]);
	char c;
	if (pid > 0)
		while (read(ready[0], &c, 1) < 0 && errno == EINTR)
			;
	close(ready[0]);
	send_reply(sock, pid < 0 ? -fork_errno : (int32_t)pid,
		   pid < 0 ? -1 : go[1]);
	close(go[1]);
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
}

static void spawner_main(int sock, pid_t init_pid)
{
	pid_t sentry_pid = getppid();
	/* Children are reaped from here; the loop below is all it does. */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "runsc-spawner");
	/* No fd of the Sentry's stays here but the two it needs. */
	unsigned lo = (unsigned)(sock < sfd ? sock : sfd);
	unsigned hi = (unsigned)(sock < sfd ? sfd : sock);
	if (lo > 0)
		syscall(SYS_close_range, 0, lo - 1, 0);
	if (hi > lo + 1)
		syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0u, 0);
	bool joined = false;
	for (;;) {
		struct pollfd p[2] = { { sock, POLLIN, 0 },
				       { sfd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) > 0)
				;
			reap();
		}
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		char req;
		ssize_t n = recv(sock, &req, 1, 0);
		if (n <= 0)
			_exit(0); /* the Sentry is gone */
		if (req == 'j' && !joined) {
			if (join(init_pid) < 0)
				_exit(1);
			joined = true;
		} else if (req == 's') {
			if (joined)
				spawn(sock, sentry_pid);
			else
				send_reply(sock, -EAGAIN, -1);
		}
	}
}

int sn_spawner_start(struct sn_kernel *k, pid_t init_pid, struct rs_error **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return rs_error_set(err, errno, "spawner socketpair");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return rs_error_set(err, e, "fork the spawner");
	}
	if (pid == 0) {
		close(sv[0]);
		spawner_main(sv[1], init_pid);
		_exit(0);
	}
	close(sv[1]);
	k->spawner_fd = sv[0];
	k->spawner_pid = pid;
	return 0;
}

void sn_spawner_join(struct sn_kernel *k)
{
	if (k->spawner_fd < 0 || k->spawner_joined)
		return;
	k->spawner_joined = send(k->spawner_fd, "j", 1, MSG_NOSIGNAL) == 1;
}

int sn_spawner_spawn(struct sn_kernel *k, pid_t *pid, int *go)
{
	if (k->spawner_fd < 0)
		return -ENOSYS;
	if (!k->spawner_joined)
		return -EAGAIN;
	if (send(k->spawner_fd, "s", 1, MSG_NOSIGNAL) != 1)
		return -EPIPE;
	struct pollfd p = { k->spawner_fd, POLLIN, 0 };
	if (poll(&p, 1, SPAWN_TIMEOUT_MS) <= 0)
		return -ETIMEDOUT;
	int32_t v;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { &v, sizeof(v) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	if (recvmsg(k->spawner_fd, &m, MSG_CMSG_CLOEXEC) != sizeof(v))
		return -EPIPE;
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	if (v < 0)
		return v;
	if (h == NULL || h->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(go, CMSG_DATA(h), sizeof(int));
	*pid = v;
	return 0;
}

void sn_spawner_stop(struct sn_kernel *k)
{
	if (k->spawner_fd >= 0)
		close(k->spawner_fd);
	k->spawner_fd = -1;
	/* It exits on the socket's end (and by PDEATHSIG with the Sentry);
	 * confined, the Sentry cannot wait for it. */
}
