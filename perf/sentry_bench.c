/* Per-syscall cost of the Sentry, run by perf/sentry_bench.sh natively and
 * under `runsc do`: a trivial emulated call (getppid), a 4 KiB read of a
 * cached file, and a one-byte pipe round trip between two processes.
 * Prints "name ns_per_op" lines. Loops are bounded by count. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	const char *file = argc > 2 ? argv[2] : "/etc/passwd";
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("getppid %.0f\n", (now_ns() - t0) / n);

	char buf[4096];
	int fd = open(file, O_RDONLY);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), 0) < 0)
			return 1;
	printf("read4k %.0f\n", (now_ns() - t0) / n);

	int a[2], b[2];
	if (pipe(a) < 0 || pipe(b) < 0)
		return 1;
	long rounds = n / 4;
	pid_t c = fork();
	if (c == 0) {
		char x;
		for (long i = 0; i < rounds; i++)
			if (read(a[0], &x, 1) != 1 || write(b[1], &x, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t0 = now_ns();
	for (long i = 0; i < rounds; i++) {
		char x = 'p';
		if (write(a[1], &x, 1) != 1 || read(b[0], &x, 1) != 1)
			return 1;
	}
	printf("pipe_rtt %.0f\n", (now_ns() - t0) / rounds);
	waitpid(c, NULL, 0);
	return 0;
}
