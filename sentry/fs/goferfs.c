/* The gofer-backed file system: every operation walks from the attach
 * point's root fid over 9P (gofer/client.h), and opened regular files are
 * read and written through the host fd the gofer donates, without a round
 * trip. Directories and symlinks met during path resolution are cached
 * (type, attributes, link target) until the Sentry itself changes the tree;
 * regular files are asked afresh so sizes are current, except on a
 * read-only tree, where everything is cached. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/fs.h"
#include "gofer/client.h"

#define CACHE_BUCKETS 1024
#define CACHE_MAX     8192

struct dentry {
	struct dentry *next;
	char *rel;
	struct stat st;
	char *link; /* symlink target, NULL until read */
};

struct goferfs {
	struct sn_fs fs;
	struct gf_client *c;
	uint32_t root;
	bool readonly;
	struct dentry *cache[CACHE_BUCKETS];
	unsigned cached;
};

static int transport(int r)
{
	/* A dead or confused gofer is an I/O error for the application. */
	if (r == -ECONNRESET || r == -ETIMEDOUT || r == -EPROTO)
		return -EIO;
	return r;
}

static unsigned hash(const char *s)
{
	unsigned h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % CACHE_BUCKETS;
}

static struct dentry *cache_find(struct goferfs *g, const char *rel)
{
	for (struct dentry *d = g->cache[hash(rel)]; d; d = d->next)
		if (strcmp(d->rel, rel) == 0)
			return d;
	return NULL;
}

static void cache_clear(struct goferfs *g)
{
	for (unsigned i = 0; i < CACHE_BUCKETS; i++) {
		while (g->cache[i]) {
			struct dentry *d = g->cache[i];
			g->cache[i] = d->next;
			free(d->rel);
			free(d->link);
			free(d);
		}
	}
	g->cached = 0;
}

static struct dentry *cache_put(struct goferfs *g, const char *rel,
				const struct stat *st)
{
	if (g->cached >= CACHE_MAX)
		cache_clear(g);
	struct dentry *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->rel = strdup(rel);
	if (d->rel == NULL) {
		free(d);
		return NULL;
	}
	d->st = *st;
	unsigned h = hash(rel);
	d->next = g->cache[h];
	g->cache[h] = d;
	g->cached++;
	return d;
}

/* Walks rel (canonical, relative to the root) to a new fid. */
static int walk(struct goferfs *g, const char *rel, uint32_t *fid)
{
	char buf[4096];
	const char *names[GF_MAXWELEM];
	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	uint32_t cur = g->root;
	bool own = false;
	char *save = NULL;
	char *tok = strtok_r(buf, "/", &save);
	if (tok == NULL)
		return transport(
			gf_walk(g->c, g->root, 0, NULL, fid, NULL, NULL));
	while (tok) {
		unsigned n = 0;
		while (tok && n < GF_MAXWELEM) {
			names[n++] = tok;
			tok = strtok_r(NULL, "/", &save);
		}
		uint32_t nf;
		int r = gf_walk(g->c, cur, n, names, &nf, NULL, NULL);
		if (own)
			gf_clunk(g->c, cur);
		if (r < 0)
			return transport(r);
		cur = nf;
		own = true;
	}
	*fid = cur;
	return 0;
}

/* Splits rel into its parent's fid and the last name (pointing into rel). */
static int walk_parent(struct goferfs *g, const char *rel, uint32_t *dfid,
		       const char **name)
{
	const char *slash = strrchr(rel, '/');
	char parent[4096];
	if (slash == NULL) {
		parent[0] = 0;
		*name = rel;
	} else {
		size_t n = (size_t)(slash - rel);
		if (n >= sizeof(parent))
			return -ENAMETOOLONG;
		memcpy(parent, rel, n);
		parent[n] = 0;
		*name = slash + 1;
	}
	if (**name == 0)
		return -EEXIST; /* the root itself */
	return walk(g, parent, dfid);
}

static void attr_to_stat(struct goferfs *g, const struct gf_attr *a,
			 struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = g->fs.dev;
	st->st_ino = a->qid.path;
	st->st_mode = a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blksize = a->blksize ? (blksize_t)a->blksize : 4096;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_atim.tv_sec = (time_t)a->atime_sec;
	st->st_atim.tv_nsec = (long)a->atime_nsec;
	st->st_mtim.tv_sec = (time_t)a->mtime_sec;
	st->st_mtim.tv_nsec = (long)a->mtime_nsec;
	st->st_ctim.tv_sec = (time_t)a->ctime_sec;
	st->st_ctim.tv_nsec = (long)a->ctime_nsec;
}

static int g_lstat(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   struct stat *st)
{
	(void)t;
	struct goferfs *g = fs->priv;
	struct dentry *d = cache_find(g, rel);
	if (d) {
		*st = d->st;
		return 0;
	}
	uint32_t fid;
	int r = walk(g, rel, &fid);
	if (r < 0)
		return r;
	struct gf_attr a;
	r = transport(gf_getattr(g->c, fid, &a));
	gf_clunk(g->c, fid);
	if (r < 0)
		return r;
	attr_to_stat(g, &a, st);
	/* A read-only tree does not change under the sandbox: everything
	 * is cached. In a writable one, file sizes and times move with
	 * every write through a donated fd, so only directories and
	 * symlinks (what path resolution needs) are. */
	if (g->readonly || S_ISDIR(st->st_mode) || S_ISLNK(st->st_mode))
		cache_put(g, rel, st);
	return 0;
}

static int g_readlink(struct sn_fs *fs, struct sn_task *t, const char *rel,
		      char *buf, size_t len)
{
	(void)t;
	struct goferfs *g = fs->priv;
	struct dentry *d = cache_find(g, rel);
	if (d && d->link) {
		size_t n = strlen(d->link);
		if (n > len)
			n = len;
		memcpy(buf, d->link, n);
		return (int)n;
	}
	uint32_t fid;
	int r = walk(g, rel, &fid);
	if (r < 0)
		return r;
	char tmp[4097];
	r = transport(gf_readlink(g->c, fid, tmp, sizeof(tmp)));
	gf_clunk(g->c, fid);
	if (r < 0)
		return r;
	if (d)
		d->link = strdup(tmp);
	size_t n = (size_t)r > len ? len : (size_t)r;
	memcpy(buf, tmp, n);
	return (int)n;
}

/* ---- open directories (and files the gofer did not donate) ------------- */

struct gdir {
	struct goferfs *g;
	uint32_t fid;
};

struct fill {
	char *buf;
	size_t len, used;
	uint64_t last_off;
	int count;
};

static int fill_dirent(void *arg, const struct gf_dirent *d)
{
	struct fill *f = arg;
	size_t reclen = (19 + d->name_len + 1 + 7) & ~(size_t)7;
	if (f->used + reclen > f->len)
		return 1;
	char *p = f->buf + f->used;
	memset(p, 0, reclen);
	uint64_t ino = d->qid.path;
	int64_t off = (int64_t)d->offset;
	uint16_t rl = (uint16_t)reclen;
	memcpy(p, &ino, 8);
	memcpy(p + 8, &off, 8);
	memcpy(p + 16, &rl, 2);
	p[18] = (char)d->type;
	memcpy(p + 19, d->name, d->name_len);
	f->used += reclen;
	f->last_off = d->offset;
	f->count++;
	return 0;
}

static ssize_t gd_getdents(struct sn_file *f, struct sn_task *t, void *buf,
			   size_t len)
{
	(void)t;
	struct gdir *d = f->priv;
	struct fill fl = { .buf = buf, .len = len };
	int r = gf_readdir(d->g->c, d->fid, (uint64_t)f->pos, 0, fill_dirent,
			   &fl);
	if (r < 0 && fl.count == 0)
		return transport(r);
	if (fl.count == 0 && r > 0)
		return -EINVAL; /* buffer too small for one entry */
	if (fl.count > 0)
		f->pos = (int64_t)fl.last_off;
	return (ssize_t)fl.used;
}

static ssize_t gd_read(struct sn_file *f, struct sn_task *t, void *buf,
		       size_t len, int64_t *off)
{
	(void)t;
	struct gdir *d = f->priv;
	struct stat st;
	if (f->ops->stat(f, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR;
	ssize_t n = gf_read(d->g->c, d->fid, (uint64_t)*off, buf, len);
	if (n > 0)
		*off += n;
	return n < 0 ? transport((int)n) : n;
}

static ssize_t gd_write(struct sn_file *f, struct sn_task *t, const void *buf,
			size_t len, int64_t *off)
{
	(void)t;
	struct gdir *d = f->priv;
	ssize_t n = gf_write(d->g->c, d->fid, (uint64_t)*off, buf, len);
	if (n > 0)
		*off += n;
	return n < 0 ? transport((int)n) : n;
}

static uint32_t gd_poll(struct sn_file *f)
{
	(void)f;
	return 0x1 | 0x4; /* POLLIN | POLLOUT */
}

static int gd_stat(struct sn_file *f, struct stat *st)
{
	struct gdir *d = f->priv;
	struct gf_attr a;
	int r = transport(gf_getattr(d->g->c, d->fid, &a));
	if (r < 0)
		return r;
	attr_to_stat(d->g, &a, st);
	return 0;
}

static int gd_fsync(struct sn_file *f)
{
	struct gdir *d = f->priv;
	return transport(gf_fsync(d->g->c, d->fid, 0));
}

static void gd_release(struct sn_file *f)
{
	struct gdir *d = f->priv;
	gf_clunk(d->g->c, d->fid);
	free(d);
}

static const struct sn_file_ops gdir_ops = {
	.kind = "9p",
	.read = gd_read,
	.write = gd_write,
	.poll = gd_poll,
	.stat = gd_stat,
	.getdents = gd_getdents,
	.fsync = gd_fsync,
	.release = gd_release,
};

static int g_open(struct sn_fs *fs, struct sn_task *t, const char *rel,
		  int flags, mode_t mode, struct sn_file **out)
{
	struct goferfs *g = fs->priv;
	uint32_t fid;
	int host_fd = -1;
	uint32_t oflags =
		(uint32_t)flags & (O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK |
				   O_DIRECTORY | O_DSYNC | O_SYNC | O_NOATIME);
	int r = walk(g, rel, &fid);
	if (r == 0 && (flags & O_CREAT) && (flags & O_EXCL)) {
		gf_clunk(g->c, fid);
		return -EEXIST;
	}
	if (r == -ENOENT && (flags & O_CREAT)) {
		const char *name;
		if ((r = walk_parent(g, rel, &fid, &name)) < 0)
			return r;
		r = transport(gf_lcreate(g->c, fid, name, oflags & ~O_TRUNC,
					 mode & 07777, t->proc->creds.fsgid,
					 NULL, NULL, &host_fd));
		cache_clear(g);
	} else if (r == 0) {
		r = transport(
			gf_lopen(g->c, fid, oflags, NULL, NULL, &host_fd));
	}
	if (r < 0) {
		gf_clunk(g->c, fid);
		return r;
	}
	int fflags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	if (host_fd >= 0) {
		gf_clunk(g->c, fid);
		*out = sn_hostfile_new(t->k, host_fd, fflags, NULL);
		if (*out == NULL) {
			close(host_fd);
			return -ENOMEM;
		}
		return 0;
	}
	struct gdir *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		gf_clunk(g->c, fid);
		return -ENOMEM;
	}
	d->g = g;
	d->fid = fid;
	*out = sn_file_new(t->k, &gdir_ops, fflags, d);
	if (*out == NULL) {
		gd_release(&(struct sn_file){ .priv = d });
		return -ENOMEM;
	}
	return 0;
}

/* ---- mutations ---------------------------------------------------------- */

static int g_mkdir(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode)
{
	struct goferfs *g = fs->priv;
	uint32_t dfid;
	const char *name;
	int r = walk_parent(g, rel, &dfid, &name);
	if (r < 0)
		return r;
	r = transport(gf_mkdir(g->c, dfid, name, mode & 07777,
			       t->proc->creds.fsgid, NULL));
	gf_clunk(g->c, dfid);
	cache_clear(g);
	return r;
}

static int g_mknod(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode, dev_t dev)
{
	struct goferfs *g = fs->priv;
	uint32_t dfid;
	const char *name;
	int r = walk_parent(g, rel, &dfid, &name);
	if (r < 0)
		return r;
	r = transport(gf_mknod(g->c, dfid, name, mode, major(dev), minor(dev),
			       t->proc->creds.fsgid, NULL));
	gf_clunk(g->c, dfid);
	cache_clear(g);
	return r;
}

static int unlink_common(struct goferfs *g, const char *rel, uint32_t flags)
{
	uint32_t dfid;
	const char *name;
	int r = walk_parent(g, rel, &dfid, &name);
	if (r < 0)
		return r == -EEXIST ? -EBUSY : r;
	r = transport(gf_unlinkat(g->c, dfid, name, flags));
	gf_clunk(g->c, dfid);
	cache_clear(g);
	return r;
}

static int g_unlink(struct sn_fs *fs, struct sn_task *t, const char *rel)
{
	(void)t;
	return unlink_common(fs->priv, rel, 0);
}

static int g_rmdir(struct sn_fs *fs, struct sn_task *t, const char *rel)
{
	(void)t;
	return unlink_common(fs->priv, rel, AT_REMOVEDIR);
}

static int g_rename(struct sn_fs *fs, struct sn_task *t, const char *from,
		    const char *to)
{
	(void)t;
	struct goferfs *g = fs->priv;
	uint32_t ofid, nfid;
	const char *oname, *nname;
	int r = walk_parent(g, from, &ofid, &oname);
	if (r < 0)
		return r == -EEXIST ? -EBUSY : r;
	r = walk_parent(g, to, &nfid, &nname);
	if (r < 0) {
		gf_clunk(g->c, ofid);
		return r == -EEXIST ? -EBUSY : r;
	}
	r = transport(gf_renameat(g->c, ofid, oname, nfid, nname));
	gf_clunk(g->c, ofid);
	gf_clunk(g->c, nfid);
	cache_clear(g);
	return r;
}

static int g_link(struct sn_fs *fs, struct sn_task *t, const char *from,
		  const char *to)
{
	(void)t;
	struct goferfs *g = fs->priv;
	uint32_t fid, dfid;
	const char *name;
	int r = walk(g, from, &fid);
	if (r < 0)
		return r;
	r = walk_parent(g, to, &dfid, &name);
	if (r == 0) {
		r = transport(gf_link(g->c, dfid, fid, name));
		gf_clunk(g->c, dfid);
	}
	gf_clunk(g->c, fid);
	cache_clear(g);
	return r;
}

static int g_symlink(struct sn_fs *fs, struct sn_task *t, const char *target,
		     const char *rel)
{
	struct goferfs *g = fs->priv;
	uint32_t dfid;
	const char *name;
	int r = walk_parent(g, rel, &dfid, &name);
	if (r < 0)
		return r;
	r = transport(gf_symlink(g->c, dfid, name, target, t->proc->creds.fsgid,
				 NULL));
	gf_clunk(g->c, dfid);
	cache_clear(g);
	return r;
}

static int setattr(struct goferfs *g, const char *rel,
		   const struct gf_setattr *sa)
{
	uint32_t fid;
	int r = walk(g, rel, &fid);
	if (r < 0)
		return r;
	r = transport(gf_setattr(g->c, fid, sa));
	gf_clunk(g->c, fid);
	cache_clear(g);
	return r;
}

static int g_chmod(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode)
{
	(void)t;
	struct gf_setattr sa = { .valid = GF_SETATTR_MODE,
				 .mode = mode & 07777 };
	return setattr(fs->priv, rel, &sa);
}

static int g_chown(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   uid_t uid, gid_t gid)
{
	(void)t;
	struct gf_setattr sa = { 0 };
	if (uid != (uid_t)-1) {
		sa.valid |= GF_SETATTR_UID;
		sa.uid = uid;
	}
	if (gid != (gid_t)-1) {
		sa.valid |= GF_SETATTR_GID;
		sa.gid = gid;
	}
	return sa.valid ? setattr(fs->priv, rel, &sa) : 0;
}

static int g_truncate(struct sn_fs *fs, struct sn_task *t, const char *rel,
		      uint64_t len)
{
	(void)t;
	struct gf_setattr sa = { .valid = GF_SETATTR_SIZE, .size = len };
	return setattr(fs->priv, rel, &sa);
}

static int g_utimens(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     const struct timespec ts[2])
{
	(void)t;
	struct gf_setattr sa = { .valid = GF_SETATTR_CTIME };
	const struct timespec *now = NULL;
	for (int i = 0; i < 2; i++) {
		const struct timespec *v = ts ? &ts[i] : now;
		uint32_t bit = i == 0 ? GF_SETATTR_ATIME : GF_SETATTR_MTIME;
		uint32_t set =
			i == 0 ? GF_SETATTR_ATIME_SET : GF_SETATTR_MTIME_SET;
		if (v && v->tv_nsec == UTIME_OMIT)
			continue;
		sa.valid |= bit;
		if (v && v->tv_nsec != UTIME_NOW) {
			sa.valid |= set;
			if (i == 0) {
				sa.atime_sec = (uint64_t)v->tv_sec;
				sa.atime_nsec = (uint64_t)v->tv_nsec;
			} else {
				sa.mtime_sec = (uint64_t)v->tv_sec;
				sa.mtime_nsec = (uint64_t)v->tv_nsec;
			}
		}
	}
	return setattr(fs->priv, rel, &sa);
}

static int g_statfs(struct sn_fs *fs, struct sn_task *t, const char *rel,
		    struct statfs *st)
{
	(void)t;
	(void)rel;
	struct goferfs *g = fs->priv;
	struct gf_statfs s;
	int r = transport(gf_statfs(g->c, g->root, &s));
	if (r < 0)
		return r;
	memset(st, 0, sizeof(*st));
	st->f_type = 0x01021997; /* V9FS_MAGIC */
	st->f_bsize = s.bsize;
	st->f_blocks = s.blocks;
	st->f_bfree = s.bfree;
	st->f_bavail = s.bavail;
	st->f_files = s.files;
	st->f_ffree = s.ffree;
	st->f_namelen = s.namelen;
	st->f_frsize = s.bsize;
	return 0;
}

static void g_destroy(struct sn_fs *fs)
{
	struct goferfs *g = fs->priv;
	cache_clear(g);
	gf_clunk(g->c, g->root);
	free(g);
}

static const struct sn_fs_ops goferfs_ops = {
	.lstat = g_lstat,
	.readlink = g_readlink,
	.open = g_open,
	.mkdir = g_mkdir,
	.mknod = g_mknod,
	.unlink = g_unlink,
	.rmdir = g_rmdir,
	.rename = g_rename,
	.link = g_link,
	.symlink = g_symlink,
	.chmod = g_chmod,
	.chown = g_chown,
	.truncate = g_truncate,
	.utimens = g_utimens,
	.statfs = g_statfs,
	.destroy = g_destroy,
};

int sn_goferfs_new(struct sn_kernel *k, const char *aname, bool readonly,
		   struct sn_fs **out)
{
	struct goferfs *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->c = k->gofer;
	g->readonly = readonly;
	int r = gf_attach(g->c, aname, k->uid, &g->root, NULL);
	if (r < 0) {
		free(g);
		return transport(r);
	}
	g->fs = (struct sn_fs){ .ops = &goferfs_ops,
				.type = "9p",
				.dev = k->next_dev++,
				.priv = g };
	*out = &g->fs;
	return 0;
}
