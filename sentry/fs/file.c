/* Open file descriptions and virtual fd tables. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"

struct sn_file *sn_file_new(struct sn_kernel *k, const struct sn_file_ops *ops,
			    int flags, void *priv)
{
	struct sn_file *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->refs = 1;
	f->ops = ops;
	f->flags = flags;
	f->priv = priv;
	f->k = k;
	sn_waitq_init(&f->wq);
	rs_list_init(&f->epitems);
	return f;
}

struct sn_file *sn_file_get(struct sn_file *f)
{
	f->refs++;
	return f;
}

struct sn_waitq *sn_file_waitq(struct sn_file *f)
{
	return f->ops->waitq ? f->ops->waitq(f) : &f->wq;
}

void sn_file_put(struct sn_file *f)
{
	if (f == NULL || --f->refs > 0)
		return;
	sn_epoll_file_gone(f);
	if (f->ops->release)
		f->ops->release(f);
	sn_waitq_detach_all(&f->wq);
	free(f->path);
	free(f);
}

void sn_file_set_path(struct sn_file *f, const char *path)
{
	char *p = strdup(path);
	if (p == NULL)
		return;
	free(f->path);
	f->path = p;
}

int sn_file_generic_stat(struct sn_file *f, struct stat *st, mode_t mode)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = mode;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_ino = (ino_t)(uintptr_t)f;
	st->st_dev = 0xb; /* anon_inodefs-like device */
	return 0;
}

/* ---- fd tables ---------------------------------------------------------- */

struct sn_fdtable *sn_fdtable_new(void)
{
	struct sn_fdtable *t = calloc(1, sizeof(*t));
	if (t)
		t->refs = 1;
	return t;
}

static int grow(struct sn_fdtable *t, int need)
{
	if (need <= t->cap)
		return 0;
	int cap = t->cap ? t->cap : 64;
	while (cap < need)
		cap *= 2;
	struct sn_fd *n = realloc(t->fds, (size_t)cap * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	memset(n + t->cap, 0, (size_t)(cap - t->cap) * sizeof(*n));
	t->fds = n;
	t->cap = cap;
	return 0;
}

struct sn_fdtable *sn_fdtable_copy(const struct sn_fdtable *src)
{
	struct sn_fdtable *t = sn_fdtable_new();
	if (t == NULL || grow(t, src->cap) < 0) {
		sn_fdtable_put(t);
		return NULL;
	}
	for (int i = 0; i < src->cap; i++) {
		t->fds[i] = src->fds[i];
		if (t->fds[i].file)
			sn_file_get(t->fds[i].file);
	}
	return t;
}

void sn_fdtable_put(struct sn_fdtable *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	for (int i = 0; i < t->cap; i++)
		sn_file_put(t->fds[i].file);
	free(t->fds);
	free(t);
}

int sn_fd_alloc(struct sn_fdtable *t, struct sn_file *f, int min, bool cloexec,
		int limit)
{
	if (min < 0)
		return -EINVAL;
	for (int fd = min; fd < limit; fd++) {
		if (fd >= t->cap && grow(t, fd + 1) < 0)
			return -ENOMEM;
		if (t->fds[fd].file == NULL) {
			t->fds[fd].file = sn_file_get(f);
			t->fds[fd].cloexec = cloexec;
			return fd;
		}
	}
	return -EMFILE;
}

bool sn_fd_available(const struct sn_fdtable *t, int limit)
{
	for (int fd = 0; fd < limit; fd++)
		if (fd >= t->cap || t->fds[fd].file == NULL)
			return true;
	return false;
}

int sn_fd_install_at(struct sn_fdtable *t, int fd, struct sn_file *f,
		     bool cloexec, int limit)
{
	if (fd < 0 || fd >= limit)
		return -EBADF;
	if (grow(t, fd + 1) < 0)
		return -ENOMEM;
	struct sn_file *old = t->fds[fd].file;
	t->fds[fd].file = sn_file_get(f);
	t->fds[fd].cloexec = cloexec;
	sn_file_put(old);
	return fd;
}

struct sn_file *sn_fd_get(struct sn_fdtable *t, int fd)
{
	if (fd < 0 || fd >= t->cap)
		return NULL;
	return t->fds[fd].file;
}

int sn_fd_close(struct sn_fdtable *t, int fd)
{
	struct sn_file *f = sn_fd_get(t, fd);
	if (f == NULL)
		return -EBADF;
	t->fds[fd].file = NULL;
	t->fds[fd].cloexec = false;
	sn_file_put(f);
	return 0;
}

void sn_fdtable_close_on_exec(struct sn_fdtable *t)
{
	for (int i = 0; i < t->cap; i++)
		if (t->fds[i].file && t->fds[i].cloexec)
			sn_fd_close(t, i);
}

struct sn_file *sn_task_file(struct sn_task *t, int fd)
{
	return sn_fd_get(t->proc->fdt, fd);
}

int sn_task_fd_limit(struct sn_task *t)
{
	rlim_t lim = t->proc->rlim[RLIMIT_NOFILE].rlim_cur;
	return lim > 1048576 ? 1048576 : (int)lim;
}

/* ---- in-memory read-only files (procfs contents) ------------------------ */

struct memfile {
	char *data;
	size_t len;
};

static ssize_t mem_read(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off)
{
	(void)t;
	struct memfile *m = f->priv;
	if (*off < 0 || (uint64_t)*off >= m->len)
		return 0;
	size_t n = m->len - (size_t)*off;
	if (n > len)
		n = len;
	memcpy(buf, m->data + *off, n);
	*off += (int64_t)n;
	return (ssize_t)n;
}

static ssize_t mem_write(struct sn_file *f, struct sn_task *t, const void *buf,
			 size_t len, int64_t *off)
{
	(void)f, (void)t, (void)buf, (void)len, (void)off;
	return -EACCES;
}

static uint32_t mem_poll(struct sn_file *f)
{
	(void)f;
	return POLLIN | POLLOUT;
}

static int mem_stat(struct sn_file *f, struct stat *st)
{
	struct memfile *m = f->priv;
	sn_file_generic_stat(f, st, S_IFREG | 0444);
	st->st_dev = 0x4;
	st->st_size = 0; /* procfs files report size 0, as on Linux */
	(void)m;
	return 0;
}

static void mem_release(struct sn_file *f)
{
	struct memfile *m = f->priv;
	free(m->data);
	free(m);
}

static const struct sn_file_ops memfile_ops = {
	.kind = "memfile",
	.read = mem_read,
	.write = mem_write,
	.poll = mem_poll,
	.stat = mem_stat,
	.release = mem_release,
};

struct sn_file *sn_memfile_new(struct sn_kernel *k, char *data, size_t len,
			       const char *path)
{
	struct memfile *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		free(data);
		return NULL;
	}
	m->data = data;
	m->len = len;
	struct sn_file *f = sn_file_new(k, &memfile_ops, O_RDONLY, m);
	if (f == NULL) {
		mem_release(&(struct sn_file){ .priv = m });
		return NULL;
	}
	if (path)
		sn_file_set_path(f, path);
	return f;
}
