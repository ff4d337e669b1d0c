/* Shared file mappings (MAP_SHARED of tmpfs files, as POSIX shared memory
 * in /dev/shm and memfds use them). The application never holds a host fd,
 * so the file's bytes move to a host file in a private tmpfs of the
 * application's own mount namespace (SN_SHM_DIR, created with the stub
 * root); the Sentry then injects openat + mmap + close into the stopped
 * thread. The fd exists only while the thread is stopped, and every fd
 * syscall of its other threads goes to the Sentry's fd table, so nothing
 * can reach it. Processes that map the same file share pages through the
 * host's page cache; the Sentry's reads and writes go to the same file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/tmpfs.h"
#include "kernel/shm.h"
#include "syscalls/syscalls.h"

static bool is_err(long v)
{
	return (unsigned long)v > -4096ul;
}

static int backing_for(struct sn_task *t, struct tnode *n)
{
	struct sn_kernel *k = t->k;
	if (n->backing_fd >= 0)
		return 0;
	if (k->shm_dir < 0) {
		char path[64];
		snprintf(path, sizeof(path), "%d/root%s", (int)t->proc->pid,
			 SN_SHM_DIR);
		k->shm_dir = openat(k->host_proc, path,
				    O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (k->shm_dir < 0)
			return -ENODEV;
	}
	char name[32];
	snprintf(name, sizeof(name), "m%llu",
		 (unsigned long long)++k->shm_files);
	/* O_PATH dirfds cannot create: go through /proc/self/fd/N. */
	char path[64];
	snprintf(path, sizeof(path), "self/fd/%d/%s", k->shm_dir, name);
	int fd = openat(k->host_proc, path,
			O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -ENODEV;
	return sn_tnode_set_backing(n, fd, &k->shm_dir, name);
}

enum sn_action sn_shm_mmap(struct sn_task *t, struct sn_sc *sc,
			   struct sn_file *f)
{
	struct tnode *n = sn_tmpfs_file_node(f);
	if (n == NULL || t->proc->stub_insn == 0)
		return sn_ret(sc, -ENODEV);
	int r = backing_for(t, n);
	if (r < 0)
		return sn_ret(sc, r);
	/* The path, below the red zone of the thread's stack. */
	char path[64];
	int len = snprintf(path, sizeof(path), "%s/%s", SN_SHM_DIR,
			   n->backing_name) +
		  1;
	uint64_t at = (t->regs.rsp - 128 - sizeof(path)) & ~15ull;
	if (sn_copy_out(t, at, path, (size_t)len) < 0)
		return sn_ret(sc, -EFAULT);
	long fd = sn_inject(t, SYS_openat, (uint64_t)AT_FDCWD, at,
			    O_RDWR | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return sn_ret(sc, -ENODEV);
	long addr = sn_inject(t, SYS_mmap, sc->a[0], sc->a[1], sc->a[2],
			      sc->a[3], (uint64_t)fd, sc->a[5]);
	sn_inject(t, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0);
	/* The trapped mmap never ran: the thread now sits at the
	 * trampoline's trap, so its registers are restored with the
	 * result, as if the syscall had returned. */
	sc->ret = is_err(addr) ? addr : (long)addr;
	t->regs.rax = (uint64_t)sc->ret;
	t->regs.orig_rax = (uint64_t)-1;
	struct sn_platform *p = t->k->plat;
	if (t->k->strace)
		sn_strace_syscall(t, sc, sc->ret);
	t->k->stats.emulated++;
	p->ops->set_regs(p, t->tid, &t->regs);
	int sig = t->pending_sig;
	t->pending_sig = 0;
	t->state = TS_RUNNING;
	p->ops->resume(p, t->tid, SN_RESUME_CONT, sig);
	return SN_GONE;
}
