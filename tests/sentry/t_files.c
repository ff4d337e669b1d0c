/* Differential test: file syscalls on /tmp. Prints what it observes; the
 * output must be identical natively and under `runsc do`. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(what, expr)                                        \
	do {                                                     \
		long r_ = (long)(expr);                          \
		printf("%-28s %ld %s\n", what, r_ < 0 ? -1 : r_, \
		       r_ < 0 ? strerrorname_np(errno) : "");    \
	} while (0)

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
	DIR *d = opendir(dir);
	char *names[64];
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < 64)
		names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(char *), cmp);
	printf("ls %s:", dir);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

int main(void)
{
	char base[64];
	snprintf(base, sizeof(base), "/tmp/tfiles.%d", 1);
	if (chdir("/tmp") < 0)
		return 1;
	system("rm -rf /tmp/tfiles.1");
	CHECK("mkdir", mkdir(base, 0755));
	CHECK("mkdir again", mkdir(base, 0755));
	CHECK("chdir", chdir(base));
	char cwd[256];
	printf("getcwd %s\n", getcwd(cwd, sizeof(cwd)));
	int fd = open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK("open creat", fd >= 0);
	CHECK("write", write(fd, "hello world\n", 12));
	CHECK("lseek cur", lseek(fd, 0, SEEK_CUR));
	CHECK("lseek set", lseek(fd, 6, SEEK_SET));
	char buf[64] = { 0 };
	CHECK("read", read(fd, buf, sizeof(buf)));
	printf("data [%s]\n", buf);
	CHECK("pwrite", pwrite(fd, "HELLO", 5, 0));
	memset(buf, 0, sizeof(buf));
	CHECK("pread", pread(fd, buf, 5, 0));
	printf("data [%s]\n", buf);
	struct iovec iov[2] = { { "ab", 2 }, { "cd\n", 3 } };
	CHECK("lseek end", lseek(fd, 0, SEEK_END));
	CHECK("writev", writev(fd, iov, 2));
	struct stat st;
	CHECK("fstat", fstat(fd, &st));
	printf("size %lld mode %o nlink %ld\n", (long long)st.st_size,
	       st.st_mode, (long)st.st_nlink);
	CHECK("ftruncate", ftruncate(fd, 3));
	CHECK("fstat", fstat(fd, &st));
	printf("size %lld\n", (long long)st.st_size);
	CHECK("dup2", dup2(fd, 10));
	CHECK("fcntl getfd", fcntl(10, F_GETFD));
	CHECK("dup3 cloexec", dup3(fd, 11, O_CLOEXEC));
	CHECK("fcntl getfd", fcntl(11, F_GETFD));
	CHECK("fcntl dupfd_cloexec>=20", fcntl(fd, F_DUPFD_CLOEXEC, 20));
	CHECK("fcntl getfl", fcntl(fd, F_GETFL) & O_ACCMODE);
	CHECK("close", close(10));
	CHECK("close again", close(10));
	CHECK("close_range", close_range(11, 30, 0));
	CHECK("fcntl closed", fcntl(20, F_GETFD));
	CHECK("link", link("a.txt", "b.txt"));
	CHECK("stat nlink", stat("a.txt", &st));
	printf("nlink %ld\n", (long)st.st_nlink);
	CHECK("symlink", symlink("a.txt", "c.lnk"));
	memset(buf, 0, sizeof(buf));
	CHECK("readlink", readlink("c.lnk", buf, sizeof(buf)));
	printf("link -> %s\n", buf);
	CHECK("lstat", lstat("c.lnk", &st));
	printf("islnk %d\n", S_ISLNK(st.st_mode));
	CHECK("stat via link", stat("c.lnk", &st));
	printf("isreg %d size %lld\n", S_ISREG(st.st_mode),
	       (long long)st.st_size);
	CHECK("rename", rename("b.txt", "d.txt"));
	CHECK("access d", access("d.txt", R_OK | W_OK));
	CHECK("access b", access("b.txt", F_OK));
	CHECK("mkdir sub", mkdir("sub", 0700));
	CHECK("rmdir nonempty", rmdir(base));
	CHECK("open dir wr", open("sub", O_WRONLY));
	CHECK("open notdir", open("a.txt/x", O_RDONLY));
	CHECK("open excl", open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0600));
	CHECK("unlink dir", unlink("sub"));
	CHECK("chmod", chmod("a.txt", 0600));
	CHECK("stat", stat("a.txt", &st));
	printf("mode %o\n", st.st_mode & 07777);
	CHECK("truncate", truncate("d.txt", 1));
	CHECK("stat", stat("a.txt", &st));
	printf("size %lld\n", (long long)st.st_size);
	mode_t old = umask(077);
	CHECK("umask", old);
	int fd2 = open("e.txt", O_CREAT | O_WRONLY, 0666);
	fstat(fd2, &st);
	printf("umasked mode %o\n", st.st_mode & 0777);
	close(fd2);
	list(".");
	CHECK("openat dirfd", openat(open(".", O_RDONLY | O_DIRECTORY), "a.txt",
				     O_RDONLY) >= 0);
	CHECK("fchdir", fchdir(open("sub", O_RDONLY | O_DIRECTORY)));
	printf("getcwd %s\n", getcwd(cwd, sizeof(cwd)));
	CHECK("chdir ..", chdir(".."));
	CHECK("unlink a", unlink("a.txt"));
	CHECK("read unlinked", pread(fd, buf, 3, 0));
	CHECK("rmdir sub", rmdir("sub"));
	CHECK("open dev/null", open("/dev/null", O_RDWR) >= 0);
	CHECK("read zero", read(open("/dev/zero", O_RDONLY), buf, 8));
	CHECK("write full", write(open("/dev/full", O_WRONLY), "x", 1));
	CHECK("ENOENT", open("/nonexistent/x", O_RDONLY));
	CHECK("ENAMETOOLONG",
	      access("/tmp/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		     F_OK));
	CHECK("EFAULT", open((const char *)8, O_RDONLY));
	CHECK("EBADF", read(999, buf, 1));
	int ro = open("/tmp", O_RDONLY | O_DIRECTORY);
	int fa = open("/tmp/tfiles.1/falloc", O_RDWR | O_CREAT, 0600);
	int fr = open("/tmp/tfiles.1/falloc", O_RDONLY);
	CHECK("fallocate len 0", fallocate(fa, 0, 0, 0));
	CHECK("fallocate off -1", fallocate(fa, 0, -1, 10));
	CHECK("fallocate overflow", fallocate(fa, 0, INT64_MAX - 5, 10));
	CHECK("fallocate O_RDONLY", fallocate(fr, 0, 0, 10));
	CHECK("fallocate dir", fallocate(ro, 0, 0, 10));
	CHECK("fallocate", fallocate(fa, 0, 0, 10));
	close(ro);
	close(fr);
	close(fa);
	int mfd = memfd_create("tfiles", MFD_CLOEXEC);
	CHECK("memfd write", write(mfd, "memfd data", 10));
	memset(buf, 0, sizeof(buf));
	CHECK("memfd pread", pread(mfd, buf, 5, 6));
	printf("memfd [%s]\n", buf);
	char *mp = mmap(NULL, 10, PROT_READ, MAP_PRIVATE, mfd, 0);
	printf("memfd mmap [%.5s]\n", mp == MAP_FAILED ? "fail" : mp);
	/* Devices other than /dev/zero cannot be mapped (ENODEV), however
	 * large the mapping; a huge mapping of a small file holds its
	 * bytes. */
	static const char *const devs[] = { "/dev/urandom", "/dev/full",
					    "/dev/null", "/dev/zero" };
	for (int i = 0; i < 4; i++) {
		int dfd = open(devs[i], O_RDONLY);
		void *dm = mmap(NULL, 1ull << 40, PROT_READ,
				MAP_PRIVATE | MAP_NORESERVE, dfd, 0);
		printf("mmap %s ", devs[i]);
		CHECK("", dm == MAP_FAILED ? -1 : 0);
		if (dm != MAP_FAILED)
			munmap(dm, 1ull << 40);
		close(dfd);
	}
	char *big = mmap(NULL, 1ull << 30, PROT_READ,
			 MAP_PRIVATE | MAP_NORESERVE, mfd, 0);
	printf("memfd huge mmap [%.10s]\n", big == MAP_FAILED ? "fail" : big);
	char link[64] = { 0 };
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", mfd);
	CHECK("memfd readlink", readlink(buf, link, sizeof(link)));
	printf("memfd link %s\n", link);
	system("rm -rf /tmp/tfiles.1");
	return 0;
}
