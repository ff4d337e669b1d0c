/* Differential test: signal semantics around syscalls the Sentry parks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

/* Shared with children: set when the parent's handler ran. */
static volatile int *handled;

static void handler(int sig)
{
	got = sig;
	if (handled)
		*handled = sig;
}

static volatile int timer_value, timer_code;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	timer_value = si->si_value.sival_int;
	timer_code = si->si_code;
}

static void install(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = flags };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int p[2];
	pipe(p);
	char c;
	/* A read parked in the Sentry is interrupted: EINTR without
	 * SA_RESTART. */
	install(SIGALRM, 0);
	alarm(1);
	ssize_t n = read(p[0], &c, 1);
	int err = errno;
	printf("read: %zd %s got=%d\n", n, n < 0 ? strerrorname_np(err) : "",
	       got);
	/* With SA_RESTART the read restarts and gets the data a child
	 * writes later. */
	got = 0;
	handled = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	install(SIGALRM, SA_RESTART);
	pid_t child = fork();
	if (child == 0) {
		/* Write only once the alarm interrupted the parent's read
		 * (bounded at 10 s). */
		for (int i = 0; i < 1000 && !*handled; i++) {
			struct timespec ts = { 0, 10000000 };
			nanosleep(&ts, NULL);
		}
		write(p[1], "x", 1);
		_exit(0);
	}
	alarm(1);
	n = read(p[0], &c, 1);
	printf("restarted read: %zd got=%d\n", n, got);
	waitpid(child, NULL, 0);
	/* nanosleep interrupted by a timer signal. */
	got = 0;
	install(SIGALRM, 0);
	struct itimerval it = { { 0, 0 }, { 0, 200000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec ts = { 5, 0 }, rem;
	int r = nanosleep(&ts, &rem), e;
	e = errno;
	printf("nanosleep: %d %s got=%d rem>3 %d\n", r, strerrorname_np(e), got,
	       rem.tv_sec >= 3);
	/* Blocked signals stay pending. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	install(SIGUSR1, 0);
	got = 0;
	sigprocmask(SIG_BLOCK, &set, &old);
	kill(getpid(), SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	printf("pending %d got=%d\n", sigismember(&pend, SIGUSR1), got);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("after unblock got=%d\n", got);
	/* SIGPIPE: default kills; ignored gives EPIPE. */
	close(p[0]); /* before the fork: no reader is left anywhere */
	child = fork();
	if (child == 0) {
		write(p[1], "y", 1);
		_exit(0);
	}
	int st;
	waitpid(child, &st, 0);
	printf("sigpipe child signaled %d sig %d\n", WIFSIGNALED(st),
	       WTERMSIG(st));
	signal(SIGPIPE, SIG_IGN);
	n = write(p[1], "z", 1);
	e = errno;
	printf("ignored sigpipe: %zd %s\n", n, strerrorname_np(e));
	/* SIGCHLD reaches the parent when a child exits. */
	got = 0;
	install(SIGCHLD, 0);
	child = fork();
	if (child == 0)
		_exit(1);
	waitpid(child, NULL, 0);
	printf("sigchld got=%d\n", got);
	/* A parked read in a child is interrupted by kill from the parent. */
	int q[2];
	pipe(q);
	/* SIGUSR2 stays blocked until the child's handler is in place. */
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	child = fork();
	if (child == 0) {
		install(SIGUSR2, 0);
		sigprocmask(SIG_UNBLOCK, &usr2, NULL);
		n = read(q[0], &c, 1);
		_exit(n < 0 && errno == EINTR && got == SIGUSR2 ? 7 : 8);
	}
	/* Signal until the child's read is interrupted and it exits (a
	 * signal that lands before the read only runs the handler), bounded
	 * at 10 s. */
	for (int i = 0; i < 1000; i++) {
		kill(child, SIGUSR2);
		if (waitpid(child, &st, WNOHANG) == child)
			break;
		struct timespec small = { 0, 10000000 };
		nanosleep(&small, NULL);
	}
	printf("child interrupted code %d\n", WEXITSTATUS(st));
	printf("alarm left %u\n", alarm(0));
	/* signalfd: a blocked signal is read as a struct. */
	sigset_t sfdset;
	sigemptyset(&sfdset);
	sigaddset(&sfdset, SIGUSR1);
	sigaddset(&sfdset, SIGTERM);
	sigprocmask(SIG_BLOCK, &sfdset, NULL);
	int sfd = signalfd(-1, &sfdset, SFD_NONBLOCK | SFD_CLOEXEC);
	struct signalfd_siginfo ssi;
	n = read(sfd, &ssi, sizeof(ssi));
	err = errno;
	printf("signalfd empty: %zd %s\n", n, strerrorname_np(err));
	kill(getpid(), SIGTERM);
	struct pollfd pfd = { sfd, POLLIN, 0 };
	int pr = poll(&pfd, 1, 1000);
	printf("signalfd poll: %d %x\n", pr, pfd.revents);
	n = read(sfd, &ssi, sizeof(ssi));
	printf("signalfd read: %zd signo %u code %d\n", n, ssi.ssi_signo,
	       ssi.ssi_code);
	child = fork();
	if (child == 0) {
		struct timespec d = { 0, 100000000 };
		nanosleep(&d, NULL);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	fcntl(sfd, F_SETFL, 0);
	n = read(sfd, &ssi, sizeof(ssi));
	printf("signalfd blocking read: %zd signo %u from child %d\n", n,
	       ssi.ssi_signo, (pid_t)ssi.ssi_pid == child);
	waitpid(child, NULL, 0);
	/* A POSIX timer's signal interrupts a read parked in the Sentry and
	 * carries the timer's value. */
	struct sigaction sa = { .sa_sigaction = info_handler,
				.sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGRTMIN + 1,
				.sigev_value.sival_int = 77 };
	timer_t tid;
	printf("timer_create %d\n", timer_create(CLOCK_MONOTONIC, &sev, &tid));
	struct itimerspec its = { .it_value = { 0, 100000000 } };
	printf("timer_settime %d\n", timer_settime(tid, 0, &its, NULL));
	int tp[2];
	pipe(tp);
	got = 0;
	n = read(tp[0], &c, 1);
	err = errno;
	printf("read by timer: %zd %s got=%d value=%d si_timer=%d\n", n,
	       strerrorname_np(err), got == SIGRTMIN + 1, timer_value,
	       timer_code == SI_TIMER);
	/* A signal interrupting a blocking write that has written part of
	 * its bytes completes it with that count, with or without
	 * SA_RESTART (a restart would write the bytes again). */
	static char big[100000];
	for (int restart = 0; restart < 2; restart++) {
		sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
		sigaction(SIGRTMIN + 1, &sa, NULL);
		int wp[2];
		pipe(wp);
		got = 0;
		timer_settime(tid, 0, &its, NULL);
		n = write(wp[1], big, sizeof(big));
		err = n < 0 ? errno : 0;
		int queued = 0;
		ioctl(wp[0], FIONREAD, &queued);
		printf("write by timer (restart %d): %zd %s got=%d queued=%d\n",
		       restart, n, n < 0 ? strerrorname_np(err) : "",
		       got == SIGRTMIN + 1, queued);
		close(wp[0]);
		close(wp[1]);
	}
	printf("timer_delete %d\n", timer_delete(tid));
	return 0;
}
