/* A misbehaving application: every syscall number with random arguments
 * (fixed seed), each batch in its own child that may crash or hang (an
 * alarm ends it). Run under `runsc do`, the Sentry must survive all of it
 * and the program must finish; it prints "survived N". */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Arguments a fuzzer should try: small ints, fds, flags, pointers into
 * mapped and unmapped memory, extremes. */
static uint64_t arg(char *buf)
{
	switch (next() % 8) {
	case 0:
		return next() % 8;
	case 1:
		return (uint64_t)(uintptr_t)buf;
	case 2:
		return (uint64_t)(uintptr_t)(buf + next() % 4096);
	case 3:
		return next();
	case 4:
		return (uint64_t)-1;
	case 5:
		return 0x7ffffffff000ull - next() % 64;
	case 6:
		return 1ull << (next() % 64);
	default:
		return next() % 4096;
	}
}

static int skipped(long nr)
{
	/* Calls that would end or disturb the test itself rather than
	 * probe the Sentry: signalling other processes (kill(-1) reaches
	 * the parent), replacing the image, and vfork (shares the child's
	 * memory with a random stack). */
	return nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill ||
	       nr == SYS_rt_sigqueueinfo || nr == SYS_rt_tgsigqueueinfo ||
	       nr == SYS_execve || nr == SYS_execveat || nr == SYS_vfork ||
	       nr == SYS_exit_group || nr == SYS_exit;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int survived = 0;
	for (long nr = 0; nr < 460; nr++) {
		if (skipped(nr))
			continue;
		uint64_t seed = next();
		pid_t c = fork();
		if (c == 0) {
			rng = seed | 1;
			alarm(1);
			static char buf[8192];
			for (int i = 0; i < 8; i++)
				syscall(nr, arg(buf), arg(buf), arg(buf),
					arg(buf), arg(buf), arg(buf));
			_exit(0);
		}
		if (c < 0)
			return 1;
		int st;
		while (waitpid(c, &st, 0) < 0)
			;
		survived++;
	}
	printf("survived %d\n", survived);
	return 0;
}
