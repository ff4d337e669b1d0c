/* mmap of files. Anonymous mappings never trap (allowlist.c); a file
 * mapping is emulated: the host makes an anonymous mapping with the same
 * address, length and protection, and at its exit the Sentry copies the
 * file's bytes in through /proc/<pid>/mem, which writes even read-only
 * pages. The application never holds the host fd of a mapped file.
 * Shared writable mappings of the Sentry's own files (tmpfs, memfd) are
 * real shared memory (kernel/shm.c); of gofer files they are refused
 * (ENODEV) rather than silently lost; read-only shared ones are copies. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kernel/shm.h"
#include "syscalls/syscalls.h"

#define PAGE 4096ull

static enum sn_action mmap_fill(struct sn_task *t, struct sn_sc *sc)
{
	struct sn_file *f = (struct sn_file *)(uintptr_t)sc->scratch[0];
	uint64_t off = sc->scratch[1], len = sc->scratch[2];
	uint64_t addr = (uint64_t)sc->ret;
	if ((unsigned long)sc->ret > -4096ul) {
		sn_file_put(f);
		return SN_DONE;
	}
	/* Past the end of the file the mapping stays zero: never read
	 * more than the file holds. */
	struct stat st;
	if (f->ops->stat(f, &st) < 0 || (uint64_t)st.st_size <= off)
		len = 0;
	else if (len > (uint64_t)st.st_size - off)
		len = (uint64_t)st.st_size - off;
	size_t cap = 256 * 1024;
	char *buf = sn_scratch(t->k, cap);
	while (buf && len > 0) {
		size_t n = len > cap ? cap : (size_t)len;
		int64_t pos = (int64_t)off;
		ssize_t got = f->ops->read(f, t, buf, n, &pos);
		if (got <= 0)
			break; /* past EOF the mapping stays zero */
		if (sn_mem_poke(t->proc, addr, buf, (size_t)got) < 0)
			break;
		off += (uint64_t)got;
		addr += (uint64_t)got;
		len -= (uint64_t)got;
	}
	sn_file_put(f);
	return SN_DONE;
}

static bool is_regular(struct sn_file *f)
{
	struct stat st;
	return f->ops->stat && f->ops->stat(f, &st) == 0 && S_ISREG(st.st_mode);
}

SYSCALL(mmap)
{
	uint64_t len = sc->a[1];
	int prot = (int)sc->a[2], flags = (int)sc->a[3];
	int fd = (int)sc->a[4];
	uint64_t off = sc->a[5];
	if (flags & MAP_ANONYMOUS)
		return SN_PASS; /* only if another filter made it trap */
	struct sn_file *f = sn_task_file(t, fd);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if (len == 0 || (off & (PAGE - 1)))
		return sn_ret(sc, -EINVAL);
	int type = flags & MAP_TYPE;
	if (type != MAP_PRIVATE && type != MAP_SHARED &&
	    type != MAP_SHARED_VALIDATE)
		return sn_ret(sc, -EINVAL);
	int acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY || f->ops->read == NULL || f->ops->stream)
		return sn_ret(sc, f->ops->stream ? -ENODEV : -EACCES);
	if (type != MAP_PRIVATE && (prot & PROT_WRITE)) {
		if (acc != O_RDWR)
			return sn_ret(sc, -EACCES);
	}
	/* Of the files the Sentry serves only regular files and /dev/zero
	 * can be mapped: Linux's other devices (null, full, random) have no
	 * mmap operation. */
	if (!sn_file_is_zero_device(f) && !is_regular(f))
		return sn_ret(sc, -ENODEV);
	if (type != MAP_PRIVATE && (prot & PROT_WRITE) &&
	    !sn_file_is_zero_device(f))
		return sn_shm_mmap(t, sc, f);
	flags = (flags & ~(MAP_TYPE | MAP_DENYWRITE | MAP_EXECUTABLE)) |
		MAP_ANONYMOUS;
	flags |= type == MAP_PRIVATE || !sn_file_is_zero_device(f) ? MAP_PRIVATE
								   : MAP_SHARED;
	t->regs.r10 = (uint64_t)flags;
	t->regs.r8 = (uint64_t)-1;
	t->regs.r9 = 0;
	sc->regs_dirty = true;
	if (sn_file_is_zero_device(f))
		return SN_PASS;
	sc->scratch[0] = (uint64_t)(uintptr_t)sn_file_get(f);
	sc->scratch[1] = off;
	sc->scratch[2] = len;
	sc->hook = mmap_fill;
	return SN_PASS_HOOK;
}
