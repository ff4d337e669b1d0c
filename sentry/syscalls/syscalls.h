/* Syscall handlers, one file per family, and helpers they share. Each
 * handler reads its arguments from sc->a[], treats every pointer as
 * hostile, and returns an enum sn_action (kernel/kernel.h). */
#ifndef SENTRY_SYSCALLS_SYSCALLS_H
#define SENTRY_SYSCALLS_SYSCALLS_H

#include <sys/uio.h>

#include "fs/fs.h"
#include "kernel/kernel.h"

#define SYSCALL(name) \
	enum sn_action sys_##name(struct sn_task *t, struct sn_sc *sc)

/* Sets sc->ret = v and returns SN_DONE. */
static inline enum sn_action sn_ret(struct sn_sc *sc, long v)
{
	sc->ret = v;
	return SN_DONE;
}

/* Linux's MAX_RW_COUNT: one read or write moves at most this much. */
#define SN_MAX_RW_COUNT 0x7ffff000ul
/* The top of user space on x86-64 (TASK_SIZE_MAX, 4-level paging). */
#define SN_TASK_SIZE_MAX 0x7ffffffff000ull

/* Linux's access_ok: [addr, addr + len) lies in user space. Only the
 * range is checked, not whether it is mapped. */
static inline bool sn_access_ok(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;
	return end >= addr && end < SN_TASK_SIZE_MAX;
}

/* Linux import_iovec's checks of an iovec array in Sentry memory: a
 * negative length anywhere is EINVAL, then a range outside user space
 * EFAULT; the lengths are cut so that the total is at most
 * SN_MAX_RW_COUNT, which *total receives. */
int sn_check_iovs(struct iovec *iov, int cnt, size_t *total);

/* Copies a path argument into buf (PATH_MAX). */
int sn_get_path(struct sn_task *t, uint64_t addr, char *buf);
/* A Sentry-owned scratch buffer of at least len bytes (valid until the
 * next call), for I/O payloads. NULL on allocation failure. */
void *sn_scratch(struct sn_kernel *k, size_t len);
/* Parks t until f's wait queue reports any of events. */
enum sn_action sn_wait_file(struct sn_task *t, struct sn_file *f,
			    uint32_t events);
/* Counts and refuses a syscall that could reach the host (escape tries). */
enum sn_action sn_deny(struct sn_task *t, struct sn_sc *sc);
/* Lets the host run the syscall unchanged. */
enum sn_action sn_pass(struct sn_task *t, struct sn_sc *sc);
/* Installs f in the task's fd table (taking a reference). */
int sn_install_fd(struct sn_task *t, struct sn_file *f, bool cloexec);

/* sys_file.c */
SYSCALL(read);
SYSCALL(write);
SYSCALL(pread64);
SYSCALL(pwrite64);
SYSCALL(readv);
SYSCALL(writev);
SYSCALL(preadv);
SYSCALL(pwritev);
SYSCALL(preadv2);
SYSCALL(pwritev2);
SYSCALL(lseek);
SYSCALL(close);
SYSCALL(close_range);
SYSCALL(dup);
SYSCALL(dup2);
SYSCALL(dup3);
SYSCALL(fcntl);
SYSCALL(ioctl);
SYSCALL(fsync);
SYSCALL(ftruncate);
SYSCALL(getdents64);
SYSCALL(pipe);
SYSCALL(pipe2);
SYSCALL(sendfile);
SYSCALL(flock);
SYSCALL(fadvise64);
SYSCALL(fallocate);
SYSCALL(sync_all);
SYSCALL(copy_file_range);
SYSCALL(memfd_create);

/* sys_fs.c */
SYSCALL(open);
SYSCALL(openat);
SYSCALL(openat2);
SYSCALL(creat);
SYSCALL(stat);
SYSCALL(lstat);
SYSCALL(fstat);
SYSCALL(newfstatat);
SYSCALL(statx);
SYSCALL(access);
SYSCALL(faccessat);
SYSCALL(faccessat2);
SYSCALL(readlink);
SYSCALL(readlinkat);
SYSCALL(mkdir);
SYSCALL(mkdirat);
SYSCALL(mknod);
SYSCALL(mknodat);
SYSCALL(rmdir);
SYSCALL(unlink);
SYSCALL(unlinkat);
SYSCALL(rename);
SYSCALL(renameat);
SYSCALL(renameat2);
SYSCALL(link);
SYSCALL(linkat);
SYSCALL(symlink);
SYSCALL(symlinkat);
SYSCALL(chmod);
SYSCALL(fchmod);
SYSCALL(fchmodat);
SYSCALL(chown);
SYSCALL(lchown);
SYSCALL(fchown);
SYSCALL(fchownat);
SYSCALL(truncate);
SYSCALL(utimensat);
SYSCALL(utime);
SYSCALL(utimes);
SYSCALL(futimesat);
SYSCALL(getcwd);
SYSCALL(chdir);
SYSCALL(fchdir);
SYSCALL(umask);
SYSCALL(statfs);
SYSCALL(fstatfs);
SYSCALL(xattr);

/* sys_mm.c */
SYSCALL(mmap);

/* sys_process.c */
SYSCALL(clone);
SYSCALL(clone3);
SYSCALL(fork);
SYSCALL(vfork);
SYSCALL(execve);
SYSCALL(execveat);
SYSCALL(exit);
SYSCALL(wait4);
SYSCALL(getppid);
SYSCALL(getuid);
SYSCALL(geteuid);
SYSCALL(getgid);
SYSCALL(getegid);
SYSCALL(getresuid);
SYSCALL(getresgid);
SYSCALL(getgroups);
SYSCALL(setuid);
SYSCALL(setgid);
SYSCALL(setreuid);
SYSCALL(setregid);
SYSCALL(setresuid);
SYSCALL(setresgid);
SYSCALL(setfsuid);
SYSCALL(setfsgid);
SYSCALL(setgroups);
SYSCALL(capget);
SYSCALL(capset);
SYSCALL(getrlimit);
SYSCALL(setrlimit);
SYSCALL(prlimit64);
SYSCALL(uname);
SYSCALL(sethostname);
SYSCALL(setdomainname);
SYSCALL(sysinfo);
SYSCALL(getrandom);
SYSCALL(prctl);
SYSCALL(sched_self);
SYSCALL(personality);
SYSCALL(seccomp);

/* sys_signal.c */
SYSCALL(kill);
SYSCALL(alarm);
SYSCALL(setitimer);
SYSCALL(getitimer);
SYSCALL(timer_create);
SYSCALL(timer_settime);
SYSCALL(timer_gettime);
SYSCALL(timer_getoverrun);
SYSCALL(timer_delete);

/* sys_poll.c */
SYSCALL(poll);
SYSCALL(ppoll);
SYSCALL(select);
SYSCALL(pselect6);
SYSCALL(epoll_create);
SYSCALL(epoll_create1);
SYSCALL(epoll_ctl);
SYSCALL(epoll_wait);
SYSCALL(epoll_pwait);
SYSCALL(epoll_pwait2);
SYSCALL(eventfd);
SYSCALL(eventfd2);
SYSCALL(timerfd_create);
SYSCALL(timerfd_settime);
SYSCALL(timerfd_gettime);
SYSCALL(signalfd);
SYSCALL(signalfd4);
/* read(2) of a signalfd (sys_signal.c). */
enum sn_action sn_signalfd_read(struct sn_task *t, struct sn_sc *sc,
				struct sn_file *f, uint64_t buf, size_t len);

/* sys_socket.c */
/* read/write/readv/writev on a socket file (iov in Sentry memory, holding
 * application addresses; cnt already checked against IOV_MAX). */
enum sn_action sn_sock_rw(struct sn_task *t, struct sn_sc *sc,
			  struct sn_file *f, const struct iovec *iov, int cnt,
			  bool write);
SYSCALL(socket);
SYSCALL(socketpair);
SYSCALL(bind);
SYSCALL(listen);
SYSCALL(accept);
SYSCALL(accept4);
SYSCALL(connect);
SYSCALL(sendto);
SYSCALL(recvfrom);
SYSCALL(sendmsg);
SYSCALL(recvmsg);
SYSCALL(shutdown);
SYSCALL(getsockname);
SYSCALL(getpeername);
SYSCALL(setsockopt);
SYSCALL(getsockopt);
SYSCALL(sendmmsg);
SYSCALL(recvmmsg);

#endif
