/* Safe access to application memory. Every address comes from the
 * application and is hostile: ranges are checked against the user address
 * space, and process_vm_readv/writev fail cleanly (EFAULT) on anything not
 * mapped with the right protection instead of faulting the Sentry. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kernel/kernel.h"

/* x86-64 with 4-level paging: user addresses end below 2^47 - one page. */
#define SN_TASK_SIZE 0x7ffffffff000ull

static bool range_ok(uint64_t addr, size_t len)
{
	return addr < SN_TASK_SIZE && len <= SN_TASK_SIZE - addr;
}

int sn_copy_in(struct sn_task *t, uint64_t addr, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (!range_ok(addr, len)) {
		t->k->stats.efault++;
		return -EFAULT;
	}
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(t->tid, &local, 1, &remote, 1, 0);
	if (n != (ssize_t)len) {
		t->k->stats.efault++;
		return -EFAULT;
	}
	return 0;
}

int sn_copy_out(struct sn_task *t, uint64_t addr, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (!range_ok(addr, len)) {
		t->k->stats.efault++;
		return -EFAULT;
	}
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_writev(t->tid, &local, 1, &remote, 1, 0);
	if (n != (ssize_t)len) {
		t->k->stats.efault++;
		return -EFAULT;
	}
	return 0;
}

/* Reads up to the end of each page so that a string ending just before an
 * unmapped page is still read (process_vm_readv fails whole iovecs). */
int sn_copy_in_str(struct sn_task *t, uint64_t addr, char *buf, size_t cap)
{
	size_t got = 0;
	while (got < cap) {
		uint64_t a = addr + got;
		size_t chunk = 4096 - (a & 4095);
		if (chunk > cap - got)
			chunk = cap - got;
		if (!range_ok(a, chunk)) {
			t->k->stats.efault++;
			return -EFAULT;
		}
		struct iovec local = { buf + got, chunk };
		struct iovec remote = { (void *)(uintptr_t)a, chunk };
		ssize_t n = process_vm_readv(t->tid, &local, 1, &remote, 1, 0);
		if (n <= 0) {
			t->k->stats.efault++;
			return -EFAULT;
		}
		char *nul = memchr(buf + got, 0, (size_t)n);
		if (nul)
			return (int)(nul - buf);
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

int sn_mem_open(struct sn_proc *p)
{
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = sn_host_proc_open(p->k, p->pid, "mem", O_RDWR);
	if (p->memfd < 0) {
		int e = p->memfd;
		p->memfd = -1;
		return e;
	}
	return 0;
}

int sn_mem_poke(struct sn_proc *p, uint64_t addr, const void *buf, size_t len)
{
	if (!range_ok(addr, len))
		return -EFAULT;
	if (p->memfd < 0) {
		int r = sn_mem_open(p);
		if (r < 0)
			return r;
	}
	const char *src = buf;
	while (len > 0) {
		ssize_t n = pwrite(p->memfd, src, len, (off_t)addr);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EFAULT;
		}
		if (n == 0)
			return -EFAULT;
		src += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}
