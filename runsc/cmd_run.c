/* `runsc run [create's flags] [--detach] [--keep] ID`: create and start
 * in one (runc run). In the foreground it waits for the container's
 * process, passes on the signals it gets (not those a terminal sent to
 * the whole process group, which reached the container already), deletes
 * the container unless --keep, and exits with the process's status
 * (128+N for a signal N, as runc). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifecycle.h"
#include "runsc.h"
#include "runsc/cleanup.h"

static const char run_usage[] =
	"usage: runsc run [flags] ID\n"
	"creates and starts container ID from a bundle\n"
	"  -b, --bundle DIR          the bundle (default: the working "
	"directory)\n"
	"  --pid-file FILE           write the container's pid to FILE\n"
	"  --console-socket SOCK     send the terminal's master to SOCK\n"
	"  --preserve-fds N          pass fds 3..3+N-1 to the process\n"
	"  -d, --detach              return once the process runs\n"
	"  --keep                    keep the container after it exits\n";

static const int forwarded[] = { SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
				 SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

/* Waits for the container's process (boot, our child), passing signals
 * on. Returns its wait status. */
static int wait_forwarding(const struct rs_global *g, const char *id,
			   pid_t boot, int sigfd)
{
	int status;
	for (;;) {
		pid_t r = waitpid(boot, &status, WNOHANG);
		if (r == boot || (r < 0 && errno != EINTR))
			return r == boot ? status : 0;
		struct signalfd_siginfo si;
		ssize_t n = read(sigfd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si) || si.ssi_signo == SIGCHLD ||
		    si.ssi_code == SI_KERNEL)
			continue;
		cleanup_error struct rs_error *err = NULL;
		if (rs_lifecycle_kill(g, id, (int)si.ssi_signo, false, &err) <
		    0)
			rs_error_print(err, "runsc run", stderr);
	}
}

int rs_cmd_run(struct rs_global *global, int argc, char **argv)
{
	struct rs_create_opts o = { 0 };
	struct rs_run_opts run = { 0 };
	bool help;
	if (rs_parse_create_flags("run", argc, argv, &o, &run, &help) != 0)
		return 1;
	if (help) {
		fputs(run_usage, stdout);
		return 0;
	}
	const char *id = argv[optind];
	/* Blocked from before the container exists: nothing is lost. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	if (!run.detach)
		sigprocmask(SIG_BLOCK, &set, NULL);
	cleanup_error struct rs_error *err = NULL;
	pid_t boot;
	if (rs_lifecycle_create(global, id, &o, &boot, &err) < 0) {
		rs_error_print(err, "runsc run", stderr);
		return 1;
	}
	if (rs_lifecycle_start(global, id, &err) < 0) {
		rs_error_print(err, "runsc run", stderr);
		rs_error_clear(&err);
		rs_lifecycle_delete(global, id, true, &err);
		return 1;
	}
	if (run.detach)
		return 0;
	cleanup_close int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	int status = wait_forwarding(global, id, boot, sigfd);
	if (!run.keep && rs_lifecycle_delete(global, id, true, &err) < 0)
		rs_error_print(err, "runsc run", stderr);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
