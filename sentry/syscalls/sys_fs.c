/* Path-based syscalls: open, stat, and the namespace operations. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "syscalls/syscalls.h"

int sn_get_path(struct sn_task *t, uint64_t addr, char *buf)
{
	int r = sn_copy_in_str(t, addr, buf, PATH_MAX);
	return r < 0 ? r : 0;
}

/* ---- O_PATH descriptors: a location without I/O ------------------------- */

static int opath_stat(struct sn_file *f, struct stat *st)
{
	*st = *(struct stat *)f->priv;
	return 0;
}

static uint32_t opath_poll(struct sn_file *f)
{
	(void)f;
	return POLLNVAL;
}

static void opath_release(struct sn_file *f)
{
	free(f->priv);
}

static const struct sn_file_ops opath_ops = {
	.kind = "path",
	.poll = opath_poll,
	.stat = opath_stat,
	.release = opath_release,
};

static int open_path_only(struct sn_task *t, struct sn_path *p,
			  struct sn_file **out)
{
	struct stat *st = malloc(sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	*st = p->st;
	*out = sn_file_new(t->k, &opath_ops, O_PATH, st);
	if (*out == NULL) {
		free(st);
		return -ENOMEM;
	}
	sn_file_set_path(*out, p->abs);
	return 0;
}

#define VALID_OPEN_FLAGS                                                      \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |       \
	 O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE |            \
	 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | \
	 O_TMPFILE)

static long do_open(struct sn_task *t, int dirfd, uint64_t upath, int flags,
		    mode_t mode, uint64_t resolve)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, upath, path);
	if (r < 0)
		return r;
	if (flags & ~VALID_OPEN_FLAGS)
		flags &= VALID_OPEN_FLAGS;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if ((resolve & RESOLVE_IN_ROOT) || (resolve & RESOLVE_BENEATH)) {
		/* The sandbox's root is already the boundary; only absolute
		 * paths and ".." need refusing for BENEATH. */
		if ((resolve & RESOLVE_BENEATH) &&
		    (path[0] == '/' || strstr(path, "..")))
			return -EXDEV;
	}
	unsigned lf = 0;
	if (!(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL)))
		lf |= SN_LOOKUP_FOLLOW;
	if (resolve & RESOLVE_NO_SYMLINKS)
		lf &= ~SN_LOOKUP_FOLLOW;
	if (flags & O_CREAT)
		lf |= SN_LOOKUP_MAY_MISS;
	if (flags & O_DIRECTORY)
		lf |= SN_LOOKUP_DIRECTORY;
	struct sn_path p;
	if ((r = sn_path_lookup(t, dirfd, path, lf, &p)) < 0)
		return r;
	struct sn_file *f = NULL;
	if (flags & O_PATH) {
		r = p.exists ? open_path_only(t, &p, &f) : -ENOENT;
	} else {
		if ((flags & O_CREAT) && p.exists && S_ISDIR(p.st.st_mode))
			r = -EISDIR;
		else
			r = sn_vfs_open(t, &p, flags, mode, &f);
	}
	sn_path_free(&p);
	if (r < 0)
		return r;
	r = sn_install_fd(t, f, flags & O_CLOEXEC);
	sn_file_put(f);
	return r;
}

SYSCALL(open)
{
	return sn_ret(sc, do_open(t, AT_FDCWD, sc->a[0], (int)sc->a[1],
				  (mode_t)sc->a[2], 0));
}

SYSCALL(openat)
{
	return sn_ret(sc, do_open(t, (int)sc->a[0], sc->a[1], (int)sc->a[2],
				  (mode_t)sc->a[3], 0));
}

SYSCALL(openat2)
{
	struct open_how how = { 0 };
	size_t size = sc->a[3];
	if (size < sizeof(uint64_t) * 3 || size > 4096)
		return sn_ret(sc, -EINVAL);
	if (sn_copy_in(t, sc->a[2], &how,
		       size < sizeof(how) ? size : sizeof(how)) < 0)
		return sn_ret(sc, -EFAULT);
	if (how.flags & ~(uint64_t)VALID_OPEN_FLAGS)
		return sn_ret(sc, -EINVAL);
	if (how.resolve & ~(uint64_t)0x3f)
		return sn_ret(sc, -EINVAL);
	return sn_ret(sc, do_open(t, (int)sc->a[0], sc->a[1], (int)how.flags,
				  (mode_t)how.mode, how.resolve));
}

SYSCALL(creat)
{
	return sn_ret(sc, do_open(t, AT_FDCWD, sc->a[0],
				  O_CREAT | O_WRONLY | O_TRUNC,
				  (mode_t)sc->a[1], 0));
}

/* ---- stat ----------------------------------------------------------------- */

static int stat_at(struct sn_task *t, int dirfd, uint64_t upath, int flags,
		   struct stat *st)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, upath, path);
	if (r < 0)
		return r;
	if (path[0] == 0 && (flags & AT_EMPTY_PATH) && dirfd == AT_FDCWD)
		strcpy(path, "."); /* the cwd itself */
	else if (path[0] == 0 && (flags & AT_EMPTY_PATH)) {
		struct sn_file *f = sn_task_file(t, dirfd);
		if (f == NULL)
			return -EBADF;
		if (f->ops->stat == NULL)
			return sn_file_generic_stat(f, st, S_IFREG | 0600);
		return f->ops->stat(f, st);
	}
	struct sn_path p;
	r = sn_path_lookup(t, dirfd, path,
			   (flags & AT_SYMLINK_NOFOLLOW) ? 0 : SN_LOOKUP_FOLLOW,
			   &p);
	if (r < 0)
		return r;
	*st = p.st;
	sn_path_free(&p);
	return 0;
}

static long put_stat(struct sn_task *t, uint64_t addr, int r,
		     const struct stat *st)
{
	if (r < 0)
		return r;
	return sn_copy_out(t, addr, st, sizeof(*st));
}

SYSCALL(stat)
{
	struct stat st;
	int r = stat_at(t, AT_FDCWD, sc->a[0], 0, &st);
	return sn_ret(sc, put_stat(t, sc->a[1], r, &st));
}

SYSCALL(lstat)
{
	struct stat st;
	int r = stat_at(t, AT_FDCWD, sc->a[0], AT_SYMLINK_NOFOLLOW, &st);
	return sn_ret(sc, put_stat(t, sc->a[1], r, &st));
}

static int fd_stat(struct sn_task *t, int fd, struct stat *st)
{
	struct sn_file *f = sn_task_file(t, fd);
	if (f == NULL)
		return -EBADF;
	if (f->ops->stat == NULL)
		return sn_file_generic_stat(f, st, S_IFREG | 0600);
	return f->ops->stat(f, st);
}

SYSCALL(fstat)
{
	struct stat st;
	int r = fd_stat(t, (int)sc->a[0], &st);
	return sn_ret(sc, put_stat(t, sc->a[1], r, &st));
}

SYSCALL(newfstatat)
{
	struct stat st;
	int flags = (int)sc->a[3];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return sn_ret(sc, -EINVAL);
	int r = stat_at(t, (int)sc->a[0], sc->a[1], flags, &st);
	return sn_ret(sc, put_stat(t, sc->a[2], r, &st));
}

SYSCALL(statx)
{
	int flags = (int)sc->a[2];
	struct stat st;
	int r;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
		      AT_STATX_SYNC_TYPE))
		return sn_ret(sc, -EINVAL);
	r = stat_at(t, (int)sc->a[0], sc->a[1], flags, &st);
	if (r < 0)
		return sn_ret(sc, r);
	struct statx sx;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = (uint32_t)st.st_blksize;
	sx.stx_nlink = (uint32_t)st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = (uint16_t)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (uint64_t)st.st_size;
	sx.stx_blocks = (uint64_t)st.st_blocks;
	sx.stx_atime.tv_sec = st.st_atim.tv_sec;
	sx.stx_atime.tv_nsec = (uint32_t)st.st_atim.tv_nsec;
	sx.stx_mtime.tv_sec = st.st_mtim.tv_sec;
	sx.stx_mtime.tv_nsec = (uint32_t)st.st_mtim.tv_nsec;
	sx.stx_ctime.tv_sec = st.st_ctim.tv_sec;
	sx.stx_ctime.tv_nsec = (uint32_t)st.st_ctim.tv_nsec;
	sx.stx_rdev_major = major(st.st_rdev);
	sx.stx_rdev_minor = minor(st.st_rdev);
	sx.stx_dev_major = major(st.st_dev);
	sx.stx_dev_minor = minor(st.st_dev);
	return sn_ret(sc, sn_copy_out(t, sc->a[4], &sx, sizeof(sx)));
}

/* ---- access ------------------------------------------------------------- */

static long do_access(struct sn_task *t, int dirfd, uint64_t upath, int mode,
		      int flags)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, upath, path);
	if (r < 0)
		return r;
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	struct sn_path p;
	r = sn_path_lookup(
		t, dirfd, path,
		((flags & AT_SYMLINK_NOFOLLOW) ? 0 : SN_LOOKUP_FOLLOW) |
			((flags & AT_EMPTY_PATH) ? SN_LOOKUP_EMPTY_PATH : 0),
		&p);
	if (r < 0)
		return r;
	/* access(2) checks with the real ids unless AT_EACCESS. */
	struct sn_creds saved = t->proc->creds;
	if (!(flags & AT_EACCESS)) {
		t->proc->creds.fsuid = saved.ruid;
		t->proc->creds.fsgid = saved.rgid;
	}
	r = sn_vfs_permission(t, &p.st, mode);
	t->proc->creds = saved;
	if (r == 0 && (mode & W_OK) && p.mnt && p.mnt->readonly &&
	    !S_ISCHR(p.st.st_mode) && !S_ISFIFO(p.st.st_mode) &&
	    !S_ISSOCK(p.st.st_mode))
		r = -EROFS;
	sn_path_free(&p);
	return r;
}

SYSCALL(access)
{
	return sn_ret(sc, do_access(t, AT_FDCWD, sc->a[0], (int)sc->a[1], 0));
}

SYSCALL(faccessat)
{
	return sn_ret(sc,
		      do_access(t, (int)sc->a[0], sc->a[1], (int)sc->a[2], 0));
}

SYSCALL(faccessat2)
{
	return sn_ret(sc, do_access(t, (int)sc->a[0], sc->a[1], (int)sc->a[2],
				    (int)sc->a[3]));
}

/* ---- readlink --------------------------------------------------------- */

static long do_readlink(struct sn_task *t, int dirfd, uint64_t upath,
			uint64_t buf, uint64_t size)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, upath, path);
	if (r < 0)
		return r;
	if ((int64_t)size <= 0)
		return -EINVAL;
	struct sn_path p;
	if ((r = sn_path_lookup(t, dirfd, path, SN_LOOKUP_EMPTY_PATH, &p)) < 0)
		return r;
	char target[PATH_MAX];
	if (!S_ISLNK(p.st.st_mode))
		r = -EINVAL;
	else
		r = p.mnt->fs->ops->readlink(p.mnt->fs, t, p.rel, target,
					     sizeof(target));
	sn_path_free(&p);
	if (r < 0)
		return r;
	size_t n = (size_t)r < size ? (size_t)r : size;
	if (sn_copy_out(t, buf, target, n) < 0)
		return -EFAULT;
	return (long)n;
}

SYSCALL(readlink)
{
	return sn_ret(sc,
		      do_readlink(t, AT_FDCWD, sc->a[0], sc->a[1], sc->a[2]));
}

SYSCALL(readlinkat)
{
	return sn_ret(sc, do_readlink(t, (int)sc->a[0], sc->a[1], sc->a[2],
				      sc->a[3]));
}

/* ---- namespace changes -------------------------------------------------- */

/* Resolves the parent of a path to create or remove: the last component
 * is not followed and may be missing. */
static int lookup_entry(struct sn_task *t, int dirfd, uint64_t upath,
			struct sn_path *p)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, upath, path);
	if (r < 0)
		return r;
	r = sn_path_lookup(t, dirfd, path, SN_LOOKUP_MAY_MISS, p);
	if (r < 0)
		return r;
	if (p->mnt == NULL) {
		sn_path_free(p);
		return -ENOENT;
	}
	return 0;
}

static bool is_mount_root(const struct sn_path *p)
{
	return p->rel[0] == 0;
}

static long do_mknod(struct sn_task *t, int dirfd, uint64_t upath, mode_t mode,
		     dev_t dev, bool dir)
{
	struct sn_path p;
	int r = lookup_entry(t, dirfd, upath, &p);
	if (r < 0)
		return r;
	const struct sn_fs_ops *ops = p.mnt->fs->ops;
	mode_t m = mode & ~t->proc->fs->umask;
	if (p.exists)
		r = -EEXIST;
	else if (p.mnt->readonly)
		r = -EROFS;
	else if (dir ? ops->mkdir == NULL : ops->mknod == NULL)
		r = -EPERM;
	else if (dir)
		r = ops->mkdir(p.mnt->fs, t, p.rel, m & 07777);
	else
		r = ops->mknod(p.mnt->fs, t, p.rel,
			       (m & 07777) | (mode & S_IFMT), dev);
	sn_path_free(&p);
	return r;
}

SYSCALL(mkdir)
{
	return sn_ret(
		sc, do_mknod(t, AT_FDCWD, sc->a[0], (mode_t)sc->a[1], 0, true));
}

SYSCALL(mkdirat)
{
	return sn_ret(sc, do_mknod(t, (int)sc->a[0], sc->a[1], (mode_t)sc->a[2],
				   0, true));
}

static long mknod_checked(struct sn_task *t, int dirfd, uint64_t upath,
			  mode_t mode, dev_t dev)
{
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	if (S_ISDIR(mode))
		return -EPERM;
	if (S_ISBLK(mode) || S_ISCHR(mode)) {
		t->k->stats.denied++;
		return -EPERM;
	}
	return do_mknod(t, dirfd, upath, mode, dev, false);
}

SYSCALL(mknod)
{
	return sn_ret(sc, mknod_checked(t, AT_FDCWD, sc->a[0], (mode_t)sc->a[1],
					(dev_t)sc->a[2]));
}

SYSCALL(mknodat)
{
	return sn_ret(sc, mknod_checked(t, (int)sc->a[0], sc->a[1],
					(mode_t)sc->a[2], (dev_t)sc->a[3]));
}

static long do_remove(struct sn_task *t, int dirfd, uint64_t upath, bool dir)
{
	struct sn_path p;
	int r = lookup_entry(t, dirfd, upath, &p);
	if (r < 0)
		return r;
	const struct sn_fs_ops *ops = p.mnt->fs->ops;
	if (!p.exists)
		r = -ENOENT;
	else if (is_mount_root(&p))
		r = -EBUSY;
	else if (p.mnt->readonly)
		r = -EROFS;
	else if (dir ? ops->rmdir == NULL : ops->unlink == NULL)
		r = -EPERM;
	else if (dir)
		r = ops->rmdir(p.mnt->fs, t, p.rel);
	else
		r = ops->unlink(p.mnt->fs, t, p.rel);
	sn_path_free(&p);
	return r;
}

SYSCALL(rmdir)
{
	return sn_ret(sc, do_remove(t, AT_FDCWD, sc->a[0], true));
}

SYSCALL(unlink)
{
	return sn_ret(sc, do_remove(t, AT_FDCWD, sc->a[0], false));
}

SYSCALL(unlinkat)
{
	if (sc->a[2] & ~(uint64_t)AT_REMOVEDIR)
		return sn_ret(sc, -EINVAL);
	return sn_ret(sc, do_remove(t, (int)sc->a[0], sc->a[1],
				    sc->a[2] & AT_REMOVEDIR));
}

static long do_rename(struct sn_task *t, int olddir, uint64_t oldp, int newdir,
		      uint64_t newp, unsigned flags)
{
	struct sn_path a, b;
	if (flags & ~1u) /* RENAME_NOREPLACE only */
		return -EINVAL;
	int r = lookup_entry(t, olddir, oldp, &a);
	if (r < 0)
		return r;
	if ((r = lookup_entry(t, newdir, newp, &b)) < 0) {
		sn_path_free(&a);
		return r;
	}
	if (!a.exists)
		r = -ENOENT;
	else if (a.mnt != b.mnt)
		r = -EXDEV;
	else if (is_mount_root(&a) || is_mount_root(&b))
		r = -EBUSY;
	else if (a.mnt->readonly)
		r = -EROFS;
	else if ((flags & 1u) && b.exists)
		r = -EEXIST;
	else if (a.mnt->fs->ops->rename == NULL)
		r = -EPERM;
	else
		r = a.mnt->fs->ops->rename(a.mnt->fs, t, a.rel, b.rel);
	sn_path_free(&a);
	sn_path_free(&b);
	return r;
}

SYSCALL(rename)
{
	return sn_ret(sc,
		      do_rename(t, AT_FDCWD, sc->a[0], AT_FDCWD, sc->a[1], 0));
}

SYSCALL(renameat)
{
	return sn_ret(sc, do_rename(t, (int)sc->a[0], sc->a[1], (int)sc->a[2],
				    sc->a[3], 0));
}

SYSCALL(renameat2)
{
	return sn_ret(sc, do_rename(t, (int)sc->a[0], sc->a[1], (int)sc->a[2],
				    sc->a[3], (unsigned)sc->a[4]));
}

static long do_link(struct sn_task *t, int olddir, uint64_t oldp, int newdir,
		    uint64_t newp, int flags)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, oldp, path);
	if (r < 0)
		return r;
	struct sn_path a, b;
	r = sn_path_lookup(t, olddir, path,
			   (flags & AT_SYMLINK_FOLLOW) ? SN_LOOKUP_FOLLOW : 0,
			   &a);
	if (r < 0)
		return r;
	if ((r = lookup_entry(t, newdir, newp, &b)) < 0) {
		sn_path_free(&a);
		return r;
	}
	if (b.exists)
		r = -EEXIST;
	else if (a.mnt != b.mnt)
		r = -EXDEV;
	else if (S_ISDIR(a.st.st_mode))
		r = -EPERM;
	else if (a.mnt->readonly)
		r = -EROFS;
	else if (a.mnt->fs->ops->link == NULL)
		r = -EPERM;
	else
		r = a.mnt->fs->ops->link(a.mnt->fs, t, a.rel, b.rel);
	sn_path_free(&a);
	sn_path_free(&b);
	return r;
}

SYSCALL(link)
{
	return sn_ret(sc,
		      do_link(t, AT_FDCWD, sc->a[0], AT_FDCWD, sc->a[1], 0));
}

SYSCALL(linkat)
{
	return sn_ret(sc, do_link(t, (int)sc->a[0], sc->a[1], (int)sc->a[2],
				  sc->a[3], (int)sc->a[4]));
}

static long do_symlink(struct sn_task *t, uint64_t target, int dirfd,
		       uint64_t upath)
{
	char tgt[PATH_MAX];
	int r = sn_get_path(t, target, tgt);
	if (r < 0)
		return r;
	if (tgt[0] == 0)
		return -ENOENT;
	struct sn_path p;
	if ((r = lookup_entry(t, dirfd, upath, &p)) < 0)
		return r;
	if (p.exists)
		r = -EEXIST;
	else if (p.mnt->readonly)
		r = -EROFS;
	else if (p.mnt->fs->ops->symlink == NULL)
		r = -EPERM;
	else
		r = p.mnt->fs->ops->symlink(p.mnt->fs, t, tgt, p.rel);
	sn_path_free(&p);
	return r;
}

SYSCALL(symlink)
{
	return sn_ret(sc, do_symlink(t, sc->a[0], AT_FDCWD, sc->a[1]));
}

SYSCALL(symlinkat)
{
	return sn_ret(sc, do_symlink(t, sc->a[0], (int)sc->a[1], sc->a[2]));
}

/* ---- attributes ----------------------------------------------------------- */

enum attr_op { ATTR_CHMOD, ATTR_CHOWN, ATTR_TRUNCATE, ATTR_UTIMES };

struct attr_args {
	enum attr_op op;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t len;
	const struct timespec *ts;
};

/* utimensat(2): setting both times to "now" needs only write permission;
 * any other change needs ownership. */
static bool utimes_to_now(const struct timespec *ts)
{
	return ts == NULL ||
	       (ts[0].tv_nsec == UTIME_NOW && ts[1].tv_nsec == UTIME_NOW);
}

static int apply_attr(struct sn_task *t, struct sn_path *p,
		      const struct attr_args *a)
{
	struct sn_fs *fs = p->mnt->fs;
	if (p->mnt->readonly)
		return -EROFS;
	const struct sn_creds *c = &t->proc->creds;
	bool owner = c->euid == 0 || c->euid == p->st.st_uid;
	/* A file system without the operation refuses it (every op but
	 * lstat, open and destroy is optional). */
	switch (a->op) {
	case ATTR_CHMOD:
		if (!owner || fs->ops->chmod == NULL)
			return -EPERM;
		return fs->ops->chmod(fs, t, p->rel, a->mode);
	case ATTR_CHOWN:
		if (c->euid != 0 || fs->ops->chown == NULL)
			return -EPERM;
		return fs->ops->chown(fs, t, p->rel, a->uid, a->gid);
	case ATTR_TRUNCATE:
		if (S_ISDIR(p->st.st_mode))
			return -EISDIR;
		if (sn_vfs_permission(t, &p->st, W_OK) < 0)
			return -EACCES;
		if (fs->ops->truncate == NULL)
			return -EPERM;
		return fs->ops->truncate(fs, t, p->rel, a->len);
	case ATTR_UTIMES:
		if (!owner && !utimes_to_now(a->ts))
			return -EPERM;
		if (!owner && sn_vfs_permission(t, &p->st, W_OK) < 0)
			return -EACCES;
		if (fs->ops->utimens == NULL)
			return -EPERM;
		return fs->ops->utimens(fs, t, p->rel, a->ts);
	}
	return -EINVAL;
}

static long attr_path(struct sn_task *t, int dirfd, uint64_t upath, bool follow,
		      bool empty_ok, const struct attr_args *a)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, upath, path);
	if (r < 0)
		return r;
	struct sn_path p;
	r = sn_path_lookup(t, dirfd, path,
			   (follow ? SN_LOOKUP_FOLLOW : 0) |
				   (empty_ok ? SN_LOOKUP_EMPTY_PATH : 0),
			   &p);
	if (r < 0)
		return r;
	r = apply_attr(t, &p, a);
	sn_path_free(&p);
	return r;
}

static long attr_fd(struct sn_task *t, int fd, const struct attr_args *a)
{
	struct sn_file *f = sn_task_file(t, fd);
	if (f == NULL)
		return -EBADF;
	if (f->path == NULL || f->path[0] != '/')
		return a->op == ATTR_CHMOD || a->op == ATTR_CHOWN ? 0 : -EINVAL;
	struct sn_path p;
	int r = sn_path_lookup_at(t, "/", f->path, 0, &p);
	if (r < 0)
		return r;
	r = apply_attr(t, &p, a);
	sn_path_free(&p);
	return r;
}

SYSCALL(chmod)
{
	struct attr_args a = { .op = ATTR_CHMOD, .mode = (mode_t)sc->a[1] };
	return sn_ret(sc, attr_path(t, AT_FDCWD, sc->a[0], true, false, &a));
}

SYSCALL(fchmod)
{
	struct attr_args a = { .op = ATTR_CHMOD, .mode = (mode_t)sc->a[1] };
	return sn_ret(sc, attr_fd(t, (int)sc->a[0], &a));
}

SYSCALL(fchmodat)
{
	struct attr_args a = { .op = ATTR_CHMOD, .mode = (mode_t)sc->a[2] };
	return sn_ret(sc,
		      attr_path(t, (int)sc->a[0], sc->a[1], true, false, &a));
}

SYSCALL(chown)
{
	struct attr_args a = { .op = ATTR_CHOWN,
			       .uid = (uid_t)sc->a[1],
			       .gid = (gid_t)sc->a[2] };
	return sn_ret(sc, attr_path(t, AT_FDCWD, sc->a[0], true, false, &a));
}

SYSCALL(lchown)
{
	struct attr_args a = { .op = ATTR_CHOWN,
			       .uid = (uid_t)sc->a[1],
			       .gid = (gid_t)sc->a[2] };
	return sn_ret(sc, attr_path(t, AT_FDCWD, sc->a[0], false, false, &a));
}

SYSCALL(fchown)
{
	struct attr_args a = { .op = ATTR_CHOWN,
			       .uid = (uid_t)sc->a[1],
			       .gid = (gid_t)sc->a[2] };
	return sn_ret(sc, attr_fd(t, (int)sc->a[0], &a));
}

SYSCALL(fchownat)
{
	struct attr_args a = { .op = ATTR_CHOWN,
			       .uid = (uid_t)sc->a[2],
			       .gid = (gid_t)sc->a[3] };
	int flags = (int)sc->a[4];
	return sn_ret(sc, attr_path(t, (int)sc->a[0], sc->a[1],
				    !(flags & AT_SYMLINK_NOFOLLOW),
				    flags & AT_EMPTY_PATH, &a));
}

SYSCALL(truncate)
{
	if ((int64_t)sc->a[1] < 0)
		return sn_ret(sc, -EINVAL);
	struct attr_args a = { .op = ATTR_TRUNCATE, .len = sc->a[1] };
	return sn_ret(sc, attr_path(t, AT_FDCWD, sc->a[0], true, false, &a));
}

static long utimes_common(struct sn_task *t, int dirfd, uint64_t upath,
			  const struct timespec *ts, int flags)
{
	struct attr_args a = { .op = ATTR_UTIMES, .ts = ts };
	if (upath == 0)
		return attr_fd(t, dirfd, &a);
	return attr_path(t, dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW),
			 flags & AT_EMPTY_PATH, &a);
}

SYSCALL(utimensat)
{
	struct timespec ts[2];
	const struct timespec *tp = NULL;
	if (sc->a[2]) {
		if (sn_copy_in(t, sc->a[2], ts, sizeof(ts)) < 0)
			return sn_ret(sc, -EFAULT);
		tp = ts;
	}
	return sn_ret(sc, utimes_common(t, (int)sc->a[0], sc->a[1], tp,
					(int)sc->a[3]));
}

static enum sn_action timeval_utimes(struct sn_task *t, struct sn_sc *sc,
				     int dirfd, uint64_t upath, uint64_t tv)
{
	struct timespec ts[2];
	const struct timespec *tp = NULL;
	if (tv) {
		struct timeval v[2];
		if (sn_copy_in(t, tv, v, sizeof(v)) < 0)
			return sn_ret(sc, -EFAULT);
		for (int i = 0; i < 2; i++) {
			ts[i].tv_sec = v[i].tv_sec;
			ts[i].tv_nsec = v[i].tv_usec * 1000;
		}
		tp = ts;
	}
	return sn_ret(sc, utimes_common(t, dirfd, upath, tp, 0));
}

SYSCALL(utimes)
{
	return timeval_utimes(t, sc, AT_FDCWD, sc->a[0], sc->a[1]);
}

SYSCALL(futimesat)
{
	return timeval_utimes(t, sc, (int)sc->a[0], sc->a[1], sc->a[2]);
}

SYSCALL(utime)
{
	struct timespec ts[2];
	const struct timespec *tp = NULL;
	if (sc->a[1]) {
		int64_t v[2];
		if (sn_copy_in(t, sc->a[1], v, sizeof(v)) < 0)
			return sn_ret(sc, -EFAULT);
		ts[0] = (struct timespec){ .tv_sec = v[0] };
		ts[1] = (struct timespec){ .tv_sec = v[1] };
		tp = ts;
	}
	return sn_ret(sc, utimes_common(t, AT_FDCWD, sc->a[0], tp, 0));
}

/* ---- working directory ---------------------------------------------------- */

SYSCALL(getcwd)
{
	const char *cwd = t->proc->fs->cwd;
	size_t n = strlen(cwd) + 1;
	if (sc->a[1] < n)
		return sn_ret(sc, -ERANGE);
	if (sn_copy_out(t, sc->a[0], cwd, n) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, (long)n);
}

static long set_cwd(struct sn_task *t, struct sn_path *p)
{
	if (!S_ISDIR(p->st.st_mode))
		return -ENOTDIR;
	int r = sn_vfs_permission(t, &p->st, X_OK);
	if (r < 0)
		return r;
	char *cwd = sn_path_steal(p);
	free(t->proc->fs->cwd);
	t->proc->fs->cwd = cwd;
	return 0;
}

SYSCALL(chdir)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, sc->a[0], path);
	if (r < 0)
		return sn_ret(sc, r);
	struct sn_path p;
	if ((r = sn_path_lookup(t, AT_FDCWD, path, SN_LOOKUP_FOLLOW, &p)) < 0)
		return sn_ret(sc, r);
	long v = set_cwd(t, &p);
	sn_path_free(&p);
	return sn_ret(sc, v);
}

SYSCALL(fchdir)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	if (f->path == NULL || f->path[0] != '/')
		return sn_ret(sc, -ENOTDIR);
	struct sn_path p;
	int r = sn_path_lookup_at(t, "/", f->path, SN_LOOKUP_FOLLOW, &p);
	if (r < 0)
		return sn_ret(sc, r);
	long v = set_cwd(t, &p);
	sn_path_free(&p);
	return sn_ret(sc, v);
}

SYSCALL(umask)
{
	mode_t old = t->proc->fs->umask;
	t->proc->fs->umask = (mode_t)sc->a[0] & 0777;
	return sn_ret(sc, old);
}

static long statfs_of(struct sn_task *t, struct sn_path *p, uint64_t buf)
{
	struct statfs st;
	if (p->mnt == NULL || p->mnt->fs->ops->statfs == NULL)
		return -ENOSYS;
	int r = p->mnt->fs->ops->statfs(p->mnt->fs, t, p->rel, &st);
	if (r < 0)
		return r;
	if (p->mnt->readonly)
		st.f_flags |= ST_RDONLY;
	return sn_copy_out(t, buf, &st, sizeof(st));
}

SYSCALL(statfs)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, sc->a[0], path);
	if (r < 0)
		return sn_ret(sc, r);
	struct sn_path p;
	if ((r = sn_path_lookup(t, AT_FDCWD, path, SN_LOOKUP_FOLLOW, &p)) < 0)
		return sn_ret(sc, r);
	long v = statfs_of(t, &p, sc->a[1]);
	sn_path_free(&p);
	return sn_ret(sc, v);
}

SYSCALL(fstatfs)
{
	struct sn_file *f = sn_task_file(t, (int)sc->a[0]);
	if (f == NULL)
		return sn_ret(sc, -EBADF);
	struct sn_path p;
	const char *path = f->path && f->path[0] == '/' ? f->path : "/tmp";
	int r = sn_path_lookup_at(t, "/", path, SN_LOOKUP_FOLLOW, &p);
	if (r < 0)
		return sn_ret(sc, r);
	long v = statfs_of(t, &p, sc->a[1]);
	sn_path_free(&p);
	return sn_ret(sc, v);
}

/* Extended attributes are not kept by any of the Sentry's file systems. */
SYSCALL(xattr)
{
	(void)t;
	return sn_ret(sc, -EOPNOTSUPP);
}
