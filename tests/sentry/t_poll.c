/* Differential test: poll, select, epoll, eventfd, timerfd. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int p[2];
	pipe(p);
	struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	printf("poll: %d r=%x w=%x\n", poll(pf, 2, 0), pf[0].revents,
	       pf[1].revents);
	write(p[1], "a", 1);
	printf("poll: %d r=%x\n", poll(pf, 1, 100), pf[0].revents);
	pid_t c = fork();
	if (c == 0) {
		usleep(200000);
		write(p[1], "b", 1);
		_exit(0);
	}
	char ch;
	read(p[0], &ch, 1);
	pf[0].revents = 0;
	printf("poll wait: %d r=%x\n", poll(pf, 1, 5000), pf[0].revents);
	waitpid(c, NULL, 0);
	read(p[0], &ch, 1);
	printf("poll timeout: %d\n", poll(pf, 1, 50));
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	struct timeval tv = { 0, 50000 };
	printf("select timeout: %d\n", select(p[0] + 1, &rs, NULL, NULL, &tv));
	write(p[1], "c", 1);
	FD_SET(p[0], &rs);
	printf("select ready: %d isset %d\n",
	       select(p[0] + 1, &rs, NULL, NULL, NULL), FD_ISSET(p[0], &rs));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 };
	printf("epoll_ctl add %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	int r = epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	printf("epoll_ctl add again %d %s\n", r, strerrorname_np(errno));
	struct epoll_event out[4];
	int n = epoll_wait(ep, out, 4, 1000);
	printf("epoll_wait %d data %llu ev %x\n", n,
	       (unsigned long long)out[0].data.u64, out[0].events);
	read(p[0], &ch, 1);
	printf("epoll_wait empty %d\n", epoll_wait(ep, out, 4, 20));
	int efd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 88;
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	n = epoll_wait(ep, out, 4, 1000);
	printf("epoll eventfd %d data %llu\n", n,
	       (unsigned long long)out[0].data.u64);
	uint64_t v;
	printf("eventfd read %zd v=%llu\n", read(efd, &v, 8),
	       (unsigned long long)v);
	printf("eventfd read %zd v=%llu\n", read(efd, &v, 8),
	       (unsigned long long)v);
	ssize_t rd = read(efd, &v, 8);
	printf("eventfd read empty %zd %s\n", rd, strerrorname_np(errno));
	v = 5;
	printf("eventfd write %zd\n", write(efd, &v, 8));
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { { 0, 20000000 }, { 0, 20000000 } };
	printf("timerfd settime %d\n", timerfd_settime(tfd, 0, &its, NULL));
	printf("timerfd read %zd expirations>=1 %d\n", read(tfd, &v, 8),
	       v >= 1);
	ev.events = EPOLLIN;
	ev.data.u64 = 99;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	/* The edge-triggered eventfd may be reported first; whether the
	 * 20 ms timer is due in the same call depends on speed, so wait
	 * (boundedly) until it is seen. */
	int saw_timer = 0;
	for (int tries = 0; tries < 50 && !saw_timer; tries++) {
		n = epoll_wait(ep, out, 4, 1000);
		for (int i = 0; i < n; i++)
			saw_timer |= out[i].data.u64 == 99;
	}
	printf("epoll timerfd seen %d\n", saw_timer);
	its = (struct itimerspec){ 0 };
	timerfd_settime(tfd, 0, &its, NULL);
	printf("epoll_ctl del %d\n", epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL));
	r = epoll_ctl(ep, EPOLL_CTL_ADD, open("/etc/hostname", O_RDONLY), &ev);
	printf("epoll_ctl regular file %d %s\n", r, strerrorname_np(errno));
	/* ppoll with a mask that unblocks SIGUSR1: a signal sent while it
	 * waits interrupts it (EINTR) and the handler runs; outside, the
	 * signal stays blocked. */
	sigset_t blocked, during;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	signal(SIGUSR1, on_usr1);
	sigemptyset(&during);
	int q[2];
	pipe(q);
	pid_t k = fork();
	if (k == 0) {
		for (int i = 0; i < 1000; i++) { /* bounded: 10 s */
			kill(getppid(), SIGUSR1);
			usleep(10000);
			if (kill(getppid(), 0) < 0)
				break;
		}
		_exit(0);
	}
	struct pollfd qf = { q[0], POLLIN, 0 };
	int pr = ppoll(&qf, 1, NULL, &during);
	int pe = errno;
	printf("ppoll with mask: %d %s handled %d\n", pr, strerrorname_np(pe),
	       usr1_seen > 0);
	kill(k, SIGKILL);
	waitpid(k, NULL, 0);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("mask restored %d\n", sigismember(&now, SIGUSR1));
	close(p[1]);
	pf[0].events = POLLIN;
	printf("poll hup: %d r=%x\n", poll(pf, 1, 0), pf[0].revents);
	return 0;
}
