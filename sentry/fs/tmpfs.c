/* tmpfs: an in-memory tree (for /tmp, /dev/shm and, populated with device
 * nodes, /dev). Nodes are reference-counted by their directory entries
 * (nlink) and by open files, so an unlinked open file stays readable. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/fs.h"
#include "fs/tmpfs.h"

static uint64_t next_ino = 1000;

static struct timespec now_ts(void)
{
	uint64_t ns = sn_realtime_now();
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ull),
				  .tv_nsec = (long)(ns % 1000000000ull) };
}

struct tnode *sn_tnode_new(struct tmpfs *fs, mode_t mode, uid_t uid, gid_t gid)
{
	struct tnode *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	rs_list_add_tail(&fs->nodes, &n->all);
	n->fs = fs;
	n->backing_fd = -1;
	n->mode = mode;
	n->uid = uid;
	n->gid = gid;
	n->ino = next_ino++;
	n->atime = n->mtime = n->ctime = now_ts();
	return n;
}

static void release_data(struct tnode *n)
{
	n->fs->used -= n->cap;
	free(n->data);
	n->data = NULL;
	n->cap = 0;
}

static void node_free(struct tnode *n)
{
	rs_list_del(&n->all);
	while (n->entries) {
		struct tentry *e = n->entries;
		n->entries = e->next;
		free(e->name);
		free(e);
	}
	release_data(n);
	free(n->link);
	if (n->backing_fd >= 0) {
		close(n->backing_fd);
		unlinkat(*n->backing_dir, n->backing_name, 0);
	}
	free(n);
}

static void node_unref(struct tnode *n)
{
	if (n == NULL || n->nlink > 0 || n->open > 0)
		return;
	node_free(n);
}

static struct tentry *dir_find(struct tnode *dir, const char *name, size_t len)
{
	for (struct tentry *e = dir->entries; e; e = e->next)
		if (strlen(e->name) == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

int sn_tnode_link(struct tnode *dir, const char *name, struct tnode *n)
{
	struct tentry *e = calloc(1, sizeof(*e));
	if (e == NULL || (e->name = strdup(name)) == NULL) {
		free(e);
		return -ENOMEM;
	}
	e->node = n;
	/* Appended, so readdir order is creation order as users expect. */
	struct tentry **pp = &dir->entries;
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
	n->nlink++;
	if (S_ISDIR(n->mode)) {
		n->parent = dir;
		dir->nlink++;
	}
	dir->mtime = dir->ctime = now_ts();
	dir->size++;
	return 0;
}

static void dir_remove(struct tnode *dir, struct tentry *e)
{
	for (struct tentry **pp = &dir->entries; *pp; pp = &(*pp)->next) {
		if (*pp != e)
			continue;
		*pp = e->next;
		struct tnode *n = e->node;
		n->nlink--;
		if (S_ISDIR(n->mode)) {
			dir->nlink--;
			n->nlink--; /* its own "." */
		}
		n->ctime = now_ts();
		dir->mtime = dir->ctime = now_ts();
		dir->size--;
		free(e->name);
		free(e);
		node_unref(n);
		return;
	}
}

/* Walks rel from the root. With parent_out, stops at the parent and
 * returns the last name in *name (pointing into rel). */
static int walk(struct tmpfs *fs, const char *rel, struct tnode **out,
		struct tnode **parent_out, const char **name)
{
	struct tnode *cur = fs->root, *parent = NULL;
	const char *p = rel, *last = "";
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (!S_ISDIR(cur->mode))
			return -ENOTDIR;
		parent = cur;
		last = p;
		struct tentry *e = dir_find(cur, p, len);
		p += len;
		while (*p == '/')
			p++;
		if (e == NULL) {
			if (*p == 0 && parent_out) {
				*parent_out = parent;
				*name = last;
				*out = NULL;
				return 0;
			}
			return -ENOENT;
		}
		cur = e->node;
	}
	if (parent_out) {
		if (parent == NULL)
			return -EBUSY; /* the root itself */
		*parent_out = parent;
		*name = last;
	}
	*out = cur;
	return 0;
}

void sn_tnode_stat(struct tmpfs *fs, const struct tnode *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = fs->fs.dev;
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_rdev = n->rdev;
	st->st_size = S_ISDIR(n->mode) ? 4096 : (off_t)n->size;
	if (S_ISLNK(n->mode))
		st->st_size = (off_t)strlen(n->link);
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

static int t_lstat(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   struct stat *st)
{
	(void)t;
	struct tnode *n;
	int r = walk(fs->priv, rel, &n, NULL, NULL);
	if (r < 0)
		return r;
	sn_tnode_stat(fs->priv, n, st);
	return 0;
}

static int t_readlink(struct sn_fs *fs, struct sn_task *t, const char *rel,
		      char *buf, size_t len)
{
	(void)t;
	struct tnode *n;
	int r = walk(fs->priv, rel, &n, NULL, NULL);
	if (r < 0)
		return r;
	if (!S_ISLNK(n->mode))
		return -EINVAL;
	size_t l = strlen(n->link);
	if (l > len)
		l = len;
	memcpy(buf, n->link, l);
	return (int)l;
}

/* ---- open regular files and directories --------------------------------- */

struct topen {
	struct tmpfs *fs;
	struct tnode *node;
	struct tmpfs *own_fs; /* memfd: the file system dies with the file */
};

static ssize_t reg_read(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off)
{
	(void)t;
	struct tnode *n = ((struct topen *)f->priv)->node;
	if (*off < 0)
		return -EINVAL;
	if ((uint64_t)*off >= n->size)
		return 0;
	size_t avail = n->size - (size_t)*off;
	if (len > avail)
		len = avail;
	if (n->backing_fd >= 0) {
		ssize_t r = pread(n->backing_fd, buf, len, (off_t)*off);
		if (r < 0)
			return -errno;
		len = (size_t)r;
	} else {
		size_t o = (size_t)*off;
		size_t held = o < n->cap ? n->cap - o : 0;
		if (held > len)
			held = len;
		if (held)
			memcpy(buf, n->data + o, held);
		memset((char *)buf + held, 0, len - held); /* sparse tail */
	}
	*off += (int64_t)len;
	n->atime = now_ts();
	return (ssize_t)len;
}

/* Makes n's buffer hold at least size bytes, charging the growth to the
 * file system's budget (doubling, or just enough when doubling would
 * exceed the budget). -ENOSPC when the budget or memory runs out. */
static int reserve(struct tnode *n, size_t size)
{
	if (size <= n->cap)
		return 0;
	struct tmpfs *fs = n->fs;
	size_t room = fs->limit - fs->used;
	size_t cap = n->cap ? n->cap : 4096;
	while (cap < size)
		cap *= 2;
	if (cap - n->cap > room)
		cap = (size + 4095) & ~(size_t)4095;
	if (cap - n->cap > room)
		return -ENOSPC;
	char *d = realloc(n->data, cap);
	if (d == NULL)
		return -ENOSPC;
	memset(d + n->cap, 0, cap - n->cap);
	fs->used += cap - n->cap;
	n->data = d;
	n->cap = cap;
	return 0;
}

static ssize_t reg_write(struct sn_file *f, struct sn_task *t, const void *buf,
			 size_t len, int64_t *off)
{
	(void)t;
	struct tnode *n = ((struct topen *)f->priv)->node;
	if (f->flags & O_APPEND)
		*off = (int64_t)n->size;
	if (*off < 0 || (uint64_t)*off + len > (1ull << 34))
		return -EFBIG;
	size_t end = (size_t)*off + len;
	if (n->backing_fd >= 0) {
		ssize_t r = pwrite(n->backing_fd, buf, len, (off_t)*off);
		if (r < 0)
			return -errno;
		end = (size_t)*off + (size_t)r;
		len = (size_t)r;
	} else {
		if (reserve(n, end) < 0)
			return -ENOSPC;
		if (len)
			memcpy(n->data + *off, buf, len);
	}
	if (end > n->size)
		n->size = end;
	*off = (int64_t)end;
	n->mtime = n->ctime = now_ts();
	return (ssize_t)len;
}

static int tnode_truncate(struct tnode *n, uint64_t len)
{
	if (len > (1ull << 34))
		return -EFBIG;
	if (n->backing_fd >= 0) {
		if (ftruncate(n->backing_fd, (off_t)len) < 0)
			return -errno;
		n->size = len;
		n->mtime = n->ctime = now_ts();
		return 0;
	}
	/* Growing only moves the length (the tail is sparse); shrinking
	 * zeroes what was cut off, or frees it all at length 0. */
	if (len == 0)
		release_data(n);
	else if (len < n->size && len < n->cap)
		memset(n->data + len, 0,
		       (n->size < n->cap ? n->size : n->cap) - len);
	n->size = len;
	n->mtime = n->ctime = now_ts();
	return 0;
}

static int reg_truncate(struct sn_file *f, uint64_t len)
{
	return tnode_truncate(((struct topen *)f->priv)->node, len);
}

static uint32_t reg_poll(struct sn_file *f)
{
	(void)f;
	return POLLIN | POLLOUT;
}

static int open_stat(struct sn_file *f, struct stat *st)
{
	struct topen *o = f->priv;
	sn_tnode_stat(o->fs, o->node, st);
	return 0;
}

static ssize_t dir_getdents(struct sn_file *f, struct sn_task *t, void *buf,
			    size_t len)
{
	(void)t;
	struct topen *o = f->priv;
	struct tnode *d = o->node;
	size_t used = 0;
	int64_t idx = 0;
	struct tentry *e = d->entries;
	for (;; idx++) {
		const char *name;
		uint64_t ino;
		unsigned char type;
		if (idx == 0) {
			name = ".", ino = d->ino, type = DT_DIR;
		} else if (idx == 1) {
			name = "..";
			ino = d->parent ? d->parent->ino : d->ino;
			type = DT_DIR;
		} else {
			if (e == NULL)
				break;
			name = e->name;
			ino = e->node->ino;
			type = (unsigned char)IFTODT(e->node->mode);
			e = e->next;
		}
		if (idx < f->pos)
			continue;
		size_t nl = strlen(name);
		size_t reclen = (19 + nl + 1 + 7) & ~(size_t)7;
		if (used + reclen > len)
			break;
		char *p = (char *)buf + used;
		memset(p, 0, reclen);
		int64_t next = idx + 1;
		uint16_t rl = (uint16_t)reclen;
		memcpy(p, &ino, 8);
		memcpy(p + 8, &next, 8);
		memcpy(p + 16, &rl, 2);
		p[18] = (char)type;
		memcpy(p + 19, name, nl);
		used += reclen;
		f->pos = next;
	}
	if (used == 0 && (e != NULL || idx < 2))
		return -EINVAL;
	return (ssize_t)used;
}

static ssize_t dir_read(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off)
{
	(void)f, (void)t, (void)buf, (void)len, (void)off;
	return -EISDIR;
}

static int t_make_mountpoint(struct sn_fs *fsb, const char *rel)
{
	struct tmpfs *fs = fsb->priv;
	struct tnode *cur = fs->root;
	for (const char *p = rel; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (!S_ISDIR(cur->mode))
			return -ENOTDIR;
		struct tentry *e = dir_find(cur, p, len);
		if (e) {
			cur = e->node;
		} else {
			char name[256];
			if (len >= sizeof(name))
				return -ENAMETOOLONG;
			memcpy(name, p, len);
			name[len] = 0;
			struct tnode *n =
				sn_tnode_new(fs, S_IFDIR | 0755, 0, 0);
			if (n == NULL)
				return -ENOMEM;
			n->nlink = 0;
			int r = sn_tnode_link(cur, name, n);
			if (r < 0) {
				node_unref(n);
				return r;
			}
			n->nlink++; /* "." */
			cur = n;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	return S_ISDIR(cur->mode) ? 0 : -ENOTDIR;
}

static void t_destroy(struct sn_fs *fsb);

static void open_release(struct sn_file *f)
{
	struct topen *o = f->priv;
	o->node->open--;
	node_unref(o->node);
	if (o->own_fs)
		t_destroy(&o->own_fs->fs);
	free(o);
}

static long reg_ioctl(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		      uint64_t arg)
{
	if (cmd == FIONREAD) {
		struct tnode *n = ((struct topen *)f->priv)->node;
		int v = (uint64_t)f->pos < n->size
				? (int)(n->size - (size_t)f->pos)
				: 0;
		return sn_copy_out(t, arg, &v, sizeof(v));
	}
	return -ENOTTY;
}

static const struct sn_file_ops reg_ops = {
	.kind = "tmpfs",
	.read = reg_read,
	.write = reg_write,
	.poll = reg_poll,
	.stat = open_stat,
	.ioctl = reg_ioctl,
	.truncate = reg_truncate,
	.release = open_release,
};

static const struct sn_file_ops dir_ops = {
	.kind = "tmpfs-dir",
	.read = dir_read,
	.poll = reg_poll,
	.stat = open_stat,
	.getdents = dir_getdents,
	.release = open_release,
};

static int open_node(struct tmpfs *fs, struct sn_task *t, struct tnode *n,
		     int flags, struct sn_file **out)
{
	if (S_ISCHR(n->mode))
		return sn_device_open(t->k, n->rdev, flags, out);
	if (S_ISFIFO(n->mode))
		return sn_fifo_open(t->k, &n->fifo, flags, out);
	if (S_ISSOCK(n->mode))
		return -ENXIO; /* open(2) of a socket */
	if (S_ISLNK(n->mode))
		return -ELOOP;
	struct topen *o = calloc(1, sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	o->fs = fs;
	o->node = n;
	n->open++;
	int fflags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	*out = sn_file_new(t->k, S_ISDIR(n->mode) ? &dir_ops : &reg_ops, fflags,
			   o);
	if (*out == NULL) {
		n->open--;
		free(o);
		return -ENOMEM;
	}
	if ((flags & O_TRUNC) && S_ISREG(n->mode))
		tnode_truncate(n, 0);
	return 0;
}

static int t_open(struct sn_fs *fsb, struct sn_task *t, const char *rel,
		  int flags, mode_t mode, struct sn_file **out)
{
	struct tmpfs *fs = fsb->priv;
	struct tnode *n;
	int r = walk(fs, rel, &n, NULL, NULL);
	if (r == -ENOENT && (flags & O_CREAT)) {
		struct tnode *dir;
		const char *name;
		if ((r = walk(fs, rel, &n, &dir, &name)) < 0)
			return r;
		if (n == NULL) {
			n = sn_tnode_new(fs, S_IFREG | (mode & 07777),
					 t->proc->creds.fsuid,
					 t->proc->creds.fsgid);
			if (n == NULL)
				return -ENOMEM;
			if ((r = sn_tnode_link(dir, name, n)) < 0) {
				node_unref(n);
				return r;
			}
		}
	} else if (r < 0) {
		return r;
	}
	return open_node(fs, t, n, flags, out);
}

static int create(struct sn_fs *fsb, struct sn_task *t, const char *rel,
		  mode_t mode, dev_t dev, const char *link)
{
	struct tmpfs *fs = fsb->priv;
	struct tnode *n, *dir;
	const char *name;
	int r = walk(fs, rel, &n, &dir, &name);
	if (r < 0)
		return r == -EBUSY ? -EEXIST : r;
	if (n)
		return -EEXIST;
	n = sn_tnode_new(fs, mode, t->proc->creds.fsuid, t->proc->creds.fsgid);
	if (n == NULL)
		return -ENOMEM;
	n->rdev = dev;
	if (link && (n->link = strdup(link)) == NULL) {
		node_unref(n);
		return -ENOMEM;
	}
	if (S_ISDIR(mode))
		n->nlink = 0;
	r = sn_tnode_link(dir, name, n);
	if (r < 0)
		node_unref(n);
	else if (S_ISDIR(mode))
		n->nlink++; /* "." */
	return r;
}

static int t_mkdir(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode)
{
	return create(fs, t, rel, S_IFDIR | (mode & 07777), 0, NULL);
}

static int t_mknod(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode, dev_t dev)
{
	if (!S_ISREG(mode) && !S_ISFIFO(mode) && !S_ISSOCK(mode) &&
	    !S_ISCHR(mode))
		return -EPERM;
	if (S_ISCHR(mode) && t->proc->creds.euid != 0)
		return -EPERM;
	return create(fs, t, rel, mode, dev, NULL);
}

static int t_symlink(struct sn_fs *fs, struct sn_task *t, const char *target,
		     const char *rel)
{
	return create(fs, t, rel, S_IFLNK | 0777, 0, target);
}

static int remove_common(struct sn_fs *fsb, const char *rel, bool dir)
{
	struct tmpfs *fs = fsb->priv;
	struct tnode *n, *parent;
	const char *name;
	int r = walk(fs, rel, &n, &parent, &name);
	if (r < 0)
		return r;
	if (n == NULL)
		return -ENOENT;
	if (dir && !S_ISDIR(n->mode))
		return -ENOTDIR;
	if (!dir && S_ISDIR(n->mode))
		return -EISDIR;
	if (dir && n->entries)
		return -ENOTEMPTY;
	if (n->bound)
		sn_unix_unbind_node(n);
	dir_remove(parent, dir_find(parent, name, strlen(name)));
	return 0;
}

static int t_unlink(struct sn_fs *fs, struct sn_task *t, const char *rel)
{
	(void)t;
	return remove_common(fs, rel, false);
}

static int t_rmdir(struct sn_fs *fs, struct sn_task *t, const char *rel)
{
	(void)t;
	return remove_common(fs, rel, true);
}

static int t_rename(struct sn_fs *fsb, struct sn_task *t, const char *from,
		    const char *to)
{
	(void)t;
	struct tmpfs *fs = fsb->priv;
	struct tnode *n, *op, *target, *np;
	const char *oname, *nname;
	int r = walk(fs, from, &n, &op, &oname);
	if (r < 0)
		return r;
	if (n == NULL)
		return -ENOENT;
	if ((r = walk(fs, to, &target, &np, &nname)) < 0)
		return r;
	if (target == n)
		return 0;
	/* A directory cannot move below itself. */
	for (struct tnode *a = np; a; a = a->parent)
		if (a == n)
			return -EINVAL;
	if (target) {
		if (S_ISDIR(n->mode) && !S_ISDIR(target->mode))
			return -ENOTDIR;
		if (!S_ISDIR(n->mode) && S_ISDIR(target->mode))
			return -EISDIR;
		if (S_ISDIR(target->mode) && target->entries)
			return -ENOTEMPTY;
	}
	char *keep = strdup(nname);
	if (keep == NULL)
		return -ENOMEM;
	n->open++; /* keep it alive while it has no entry */
	if (target)
		dir_remove(np, dir_find(np, nname, strlen(nname)));
	bool isdir = S_ISDIR(n->mode);
	dir_remove(op, dir_find(op, oname, strlen(oname)));
	if (isdir)
		n->nlink++; /* dir_remove dropped "." too */
	r = sn_tnode_link(np, keep, n);
	n->open--;
	free(keep);
	return r;
}

static int t_link(struct sn_fs *fsb, struct sn_task *t, const char *from,
		  const char *to)
{
	(void)t;
	struct tmpfs *fs = fsb->priv;
	struct tnode *n, *target, *np;
	const char *name;
	int r = walk(fs, from, &n, NULL, NULL);
	if (r < 0)
		return r;
	if (S_ISDIR(n->mode))
		return -EPERM;
	if ((r = walk(fs, to, &target, &np, &name)) < 0)
		return r;
	if (target)
		return -EEXIST;
	return sn_tnode_link(np, name, n);
}

static int t_chmod(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode)
{
	(void)t;
	struct tnode *n;
	int r = walk(fs->priv, rel, &n, NULL, NULL);
	if (r < 0)
		return r;
	n->mode = (n->mode & S_IFMT) | (mode & 07777);
	n->ctime = now_ts();
	return 0;
}

static int t_chown(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   uid_t uid, gid_t gid)
{
	(void)t;
	struct tnode *n;
	int r = walk(fs->priv, rel, &n, NULL, NULL);
	if (r < 0)
		return r;
	if (uid != (uid_t)-1)
		n->uid = uid;
	if (gid != (gid_t)-1)
		n->gid = gid;
	n->ctime = now_ts();
	return 0;
}

static int t_truncate(struct sn_fs *fs, struct sn_task *t, const char *rel,
		      uint64_t len)
{
	(void)t;
	struct tnode *n;
	int r = walk(fs->priv, rel, &n, NULL, NULL);
	if (r < 0)
		return r;
	if (S_ISDIR(n->mode))
		return -EISDIR;
	return tnode_truncate(n, len);
}

static int t_utimens(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     const struct timespec ts[2])
{
	(void)t;
	struct tnode *n;
	int r = walk(fs->priv, rel, &n, NULL, NULL);
	if (r < 0)
		return r;
	struct timespec now = now_ts();
	struct timespec *dst[2] = { &n->atime, &n->mtime };
	for (int i = 0; i < 2; i++) {
		if (ts && ts[i].tv_nsec == UTIME_OMIT)
			continue;
		*dst[i] = (ts && ts[i].tv_nsec != UTIME_NOW) ? ts[i] : now;
	}
	n->ctime = now;
	return 0;
}

static int t_statfs(struct sn_fs *fs, struct sn_task *t, const char *rel,
		    struct statfs *st)
{
	(void)t, (void)rel;
	memset(st, 0, sizeof(*st));
	st->f_type = 0x01021994; /* TMPFS_MAGIC */
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	struct tmpfs *tfs = fs->priv;
	st->f_blocks = tfs->limit / 4096;
	st->f_bfree = st->f_bavail = (tfs->limit - tfs->used) / 4096;
	st->f_files = 1u << 20;
	st->f_ffree = 1u << 19;
	st->f_namelen = 255;
	return 0;
}

static void t_destroy(struct sn_fs *fsb)
{
	struct tmpfs *fs = fsb->priv;
	while (!rs_list_empty(&fs->nodes))
		node_free(rs_container_of(fs->nodes.next, struct tnode, all));
	free(fs);
}

static const struct sn_fs_ops tmpfs_ops = {
	.lstat = t_lstat,
	.readlink = t_readlink,
	.open = t_open,
	.mkdir = t_mkdir,
	.mknod = t_mknod,
	.unlink = t_unlink,
	.rmdir = t_rmdir,
	.rename = t_rename,
	.link = t_link,
	.symlink = t_symlink,
	.chmod = t_chmod,
	.chown = t_chown,
	.truncate = t_truncate,
	.utimens = t_utimens,
	.statfs = t_statfs,
	.make_mountpoint = t_make_mountpoint,
	.destroy = t_destroy,
};

struct tmpfs *sn_tmpfs_create(struct sn_kernel *k, mode_t root_mode)
{
	struct tmpfs *fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return NULL;
	rs_list_init(&fs->nodes);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	fs->limit = pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 2
					  : (size_t)1 << 30;
	fs->root = sn_tnode_new(fs, S_IFDIR | root_mode, 0, 0);
	if (fs->root == NULL) {
		free(fs);
		return NULL;
	}
	fs->root->nlink = 2; /* "." and its own ".." */
	fs->fs = (struct sn_fs){ .ops = &tmpfs_ops,
				 .type = "tmpfs",
				 .dev = k->next_dev++,
				 .priv = fs };
	return fs;
}

struct sn_fs *sn_tmpfs_new(struct sn_kernel *k)
{
	return sn_tmpfs_new_sized(k, 0, 0);
}

struct sn_fs *sn_tmpfs_new_sized(struct sn_kernel *k, mode_t mode,
				 uint64_t size)
{
	struct tmpfs *fs = sn_tmpfs_create(k, mode ? mode & 07777 : 01777);
	if (fs && size)
		fs->limit = size;
	return fs ? &fs->fs : NULL;
}

struct tnode *sn_tmpfs_lookup(struct sn_fs *fsb, const char *rel)
{
	if (fsb->ops != &tmpfs_ops)
		return NULL;
	struct tnode *n;
	return walk(fsb->priv, rel, &n, NULL, NULL) == 0 ? n : NULL;
}

int sn_memfd_new(struct sn_task *t, const char *name, struct sn_file **out)
{
	/* Each memfd gets its own one-node tmpfs, freed with the file. */
	struct tmpfs *fs = sn_tmpfs_create(t->k, 0700);
	if (fs == NULL)
		return -ENOMEM;
	struct tnode *n = sn_tnode_new(fs, S_IFREG | 0777, t->proc->creds.euid,
				       t->proc->creds.egid);
	if (n == NULL) {
		t_destroy(&fs->fs);
		return -ENOMEM;
	}
	int r = open_node(fs, t, n, O_RDWR, out);
	if (r < 0) {
		t_destroy(&fs->fs);
		return r;
	}
	((struct topen *)(*out)->priv)->own_fs = fs;
	char path[300];
	snprintf(path, sizeof(path), "/memfd:%s (deleted)", name);
	sn_file_set_path(*out, path);
	return 0;
}

struct tnode *sn_tmpfs_file_node(struct sn_file *f)
{
	if (f->ops != &reg_ops)
		return NULL;
	return ((struct topen *)f->priv)->node;
}

int sn_tnode_set_backing(struct tnode *n, int backing_fd, const int *dir,
			 const char *name)
{
	size_t held = n->size < n->cap ? n->size : n->cap;
	if (ftruncate(backing_fd, (off_t)n->size) < 0 ||
	    (held && pwrite(backing_fd, n->data, held, 0) != (ssize_t)held)) {
		int e = -errno;
		close(backing_fd);
		return e ? e : -EIO;
	}
	release_data(n);
	n->backing_fd = backing_fd;
	n->backing_dir = dir;
	snprintf(n->backing_name, sizeof(n->backing_name), "%s", name);
	return 0;
}
