/* Differential test: processes, threads, exec, credentials, limits. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "segv") == 0)
		*(volatile int *)8 = 1; /* the test of a crashing init */
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		printf("exec'd child argc=%d arg2=%s env=%s\n", argc, argv[2],
		       getenv("TPROC"));
		return 5;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	pid_t me = getpid();
	pid_t c = fork();
	if (c == 0) {
		printf("child ppid matches %d\n", getppid() == me);
		_exit(42);
	}
	int st;
	printf("wait4 same pid %d\n", wait4(c, &st, 0, NULL) == c);
	printf("exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	kill(c, SIGTERM);
	waitpid(c, &st, 0);
	printf("signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
	c = fork();
	if (c == 0) {
		*(volatile int *)8 = 1;
		_exit(0);
	}
	waitpid(c, &st, 0);
	printf("segv signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
	c = vfork();
	if (c == 0) {
		char *av[] = { argv[0], "child", "two", NULL };
		char *ev[] = { "TPROC=yes", NULL };
		execve("/proc/self/exe", av, ev);
		_exit(127);
	}
	waitpid(c, &st, 0);
	printf("vfork+exec code %d\n", WEXITSTATUS(st));
	c = fork();
	if (c == 0) {
		execl("/nonexistent", "x", NULL);
		printf("execl failed errno %s\n", strerrorname_np(errno));
		_exit(3);
	}
	waitpid(c, &st, 0);
	siginfo_t si;
	int wr = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
	printf("waitid none %d %s\n", wr, strerrorname_np(errno));
	int p[2];
	pipe(p);
	c = fork();
	if (c == 0) {
		close(p[0]);
		dprintf(p[1], "through the pipe\n");
		_exit(0);
	}
	close(p[1]);
	char buf[64] = { 0 };
	read(p[0], buf, sizeof(buf) - 1);
	printf("%s", buf);
	printf("eof %zd\n", read(p[0], buf, 1));
	waitpid(c, &st, 0);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("threads counter %d\n", counter);
	printf("uid %d euid %d gid %d\n", getuid(), geteuid(), getgid());
	struct rlimit rl = { 64, 64 };
	printf("setrlimit %d\n", setrlimit(RLIMIT_NOFILE, &rl));
	int fds = 0;
	while (dup(0) >= 0)
		fds++;
	printf("dup until EMFILE: %s after %d\n", strerrorname_np(errno),
	       fds + 3 > 60);
	for (int fd = 3; fd < 64; fd++)
		close(fd);
	struct utsname u;
	uname(&u);
	printf("uname %s %s\n", u.sysname, u.machine);
	printf("getrandom %zd\n", getentropy(buf, 16) == 0 ? (ssize_t)16 : -1);
	/* System V shared memory between a parent and its child. */
	int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	char *mem = shmat(shm, NULL, 0);
	mem[0] = 'p';
	c = fork();
	if (c == 0) {
		mem[0] = 'c';
		_exit(0);
	}
	waitpid(c, &st, 0);
	printf("shm seen by parent %c rmid %d\n", mem[0],
	       shmctl(shm, IPC_RMID, NULL));
	/* POSIX shared memory (/dev/shm) and a memfd, mapped shared. */
	shm_unlink("/tproc-shm");
	int pfd = shm_open("/tproc-shm", O_CREAT | O_RDWR | O_EXCL, 0600);
	int e = errno;
	int mfd = memfd_create("tproc", 0);
	int t1 = ftruncate(pfd, 8192), t2 = ftruncate(mfd, 4096);
	printf("shm_open %d %s ftruncate %d %d\n", pfd >= 0,
	       pfd >= 0 ? "" : strerrorname_np(e), t1, t2);
	if (pfd < 0 || mfd < 0)
		return 1;
	char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0);
	char *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	printf("mapped %d %d\n", a != MAP_FAILED, b != MAP_FAILED);
	c = fork();
	if (c == 0) {
		strcpy(a + 4096, "child wrote");
		strcpy(b, "through memfd");
		_exit(0);
	}
	waitpid(c, &st, 0);
	char back[16] = { 0 };
	pread(pfd, back, 11, 4096);
	printf("parent sees [%s] [%s] read() sees [%s]\n", a + 4096, b, back);
	pwrite(mfd, "W", 1, 0);
	printf("write() seen by the mapping [%c]\n", b[0]);
	shm_unlink("/tproc-shm");
	/* A process that makes itself non-dumpable keeps working (the
	 * Sentry must still read its buffers), and the flag reads back. */
	printf("set dumpable 0: %d\n", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	printf("get dumpable: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	printf("set dumpable 2: %d\n", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
	c = fork();
	if (c == 0) {
		printf("child dumpable: %d\n",
		       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, &st, 0);
	char cwd[256];
	printf("getcwd while non-dumpable: %s\n",
	       getcwd(cwd, sizeof(cwd)) ? "ok" : strerror(errno));
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	printf("get dumpable again: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	return 0;
}
