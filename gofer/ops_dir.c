/* Requests that change a directory: create, link, rename, remove. Every
 * name is one checked component below a walked directory fd, so none of
 * these can reach outside the export. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"

/* The directory fid and checked name of a create-like request, with the
 * export writable. */
static int create_target(struct gf_session *s, uint32_t dfid,
			 struct gf_str name, struct fid **dir, char *buf)
{
	int rc = session_dir_fid(s, dfid, dir);
	if (rc < 0)
		return rc;
	rc = session_name(s, name, false, buf);
	if (rc < 0)
		return rc;
	return check_writable(*dir);
}

static char *join_rel(const char *dir, const char *name)
{
	char *rel = NULL;
	if (asprintf(&rel, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
		return NULL;
	return rel;
}

/* Open flags Tlcreate passes on: as Tlopen's, for a new regular file. */
#define LCREATE_FLAGS                                                     \
	(O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | \
	 O_NOATIME | O_DIRECT)

int op_lcreate(struct gf_session *s, const struct gf_fcall *in,
	       struct gf_fcall *out, int *donate_fd)
{
	struct fid *dir;
	char name[NAME_MAX + 1];
	int rc = create_target(s, in->dfid, in->name, &dir, name);
	if (rc < 0)
		return rc;
	if ((in->flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	char *rel = join_rel(dir->rel, name);
	if (rel == NULL)
		return -ENOMEM;
	/* O_EXCL with O_NOFOLLOW: never opens what is already there, and a
	 * symlink planted at name is not followed. */
	int flags = (int)(in->flags & LCREATE_FLAGS) | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dir->path_fd, name, flags, in->mode & 07777);
	if (fd < 0) {
		rc = -errno;
		free(rel);
		return rc;
	}
	struct gf_qid qid;
	rc = finish_create(dir, name, in->gid, 0, &qid);
	int path_fd = rc < 0 ? rc : reopen_fd(s->server, fd, O_PATH);
	if (path_fd < 0) {
		if (rc == 0)
			unlinkat(dir->path_fd, name, 0);
		close(fd);
		free(rel);
		return path_fd;
	}
	/* 9P: the directory fid now stands for the new, open file. */
	close(dir->path_fd);
	free(dir->rel);
	dir->path_fd = path_fd;
	dir->open_fd = fd;
	dir->open_flags = in->flags;
	dir->rel = rel;
	dir->type = S_IFREG;
	out->qid = qid;
	out->iounit = iounit_of(s);
	*donate_fd = fd;
	s->server->stats.fds_donated++;
	return 0;
}

int op_mkdir(struct gf_session *s, const struct gf_fcall *in,
	     struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *dir;
	char name[NAME_MAX + 1];
	int rc = create_target(s, in->dfid, in->name, &dir, name);
	if (rc < 0)
		return rc;
	if (mkdirat(dir->path_fd, name, in->mode & 07777) < 0)
		return -errno;
	return finish_create(dir, name, in->gid, AT_REMOVEDIR, &out->qid);
}

int op_symlink(struct gf_session *s, const struct gf_fcall *in,
	       struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *dir;
	char name[NAME_MAX + 1];
	int rc = create_target(s, in->dfid, in->name, &dir, name);
	if (rc < 0)
		return rc;
	if (in->target.len == 0)
		return -ENOENT; /* symlink(2) with an empty target */
	if (!gf_str_is_clean(in->target))
		return -EINVAL;
	if (in->target.len >= PATH_MAX)
		return -ENAMETOOLONG;
	char target[PATH_MAX];
	memcpy(target, in->target.s, in->target.len);
	target[in->target.len] = '\0';
	/* The target is data to the gofer: it never follows a symlink, the
	 * Sentry resolves them in the sandbox's own view. */
	if (symlinkat(target, dir->path_fd, name) < 0)
		return -errno;
	return finish_create(dir, name, in->gid, 0, &out->qid);
}

int op_mknod(struct gf_session *s, const struct gf_fcall *in,
	     struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *dir;
	char name[NAME_MAX + 1];
	int rc = create_target(s, in->dfid, in->name, &dir, name);
	if (rc < 0)
		return rc;
	/* Device nodes are the Sentry's business (devfs), and sockets live
	 * in the Sentry too: only regular files and FIFOs reach the disk. */
	mode_t type = in->mode & S_IFMT;
	if (type != S_IFREG && type != S_IFIFO)
		return -EPERM;
	if (mknodat(dir->path_fd, name, type | (in->mode & 07777), 0) < 0)
		return -errno;
	return finish_create(dir, name, in->gid, 0, &out->qid);
}

int op_link(struct gf_session *s, const struct gf_fcall *in,
	    struct gf_fcall *out, int *donate_fd)
{
	(void)out;
	(void)donate_fd;
	struct fid *dir, *target;
	char name[NAME_MAX + 1];
	int rc = create_target(s, in->dfid, in->name, &dir, name);
	if (rc < 0 || (rc = session_fid(s, in->fid, &target)) < 0)
		return rc;
	if (target->exp != dir->exp)
		return -EXDEV;
	if (S_ISDIR(target->type))
		return -EPERM;
	char num[PROC_FD_NAME_MAX];
	proc_fd_name(target->path_fd, num);
	/* Linking the walked inode itself through its /proc/self/fd magic
	 * link (linkat(2), AT_SYMLINK_FOLLOW), not whatever its path names
	 * now. */
	if (linkat(s->server->proc_self_fd, num, dir->path_fd, name,
		   AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

int op_renameat(struct gf_session *s, const struct gf_fcall *in,
		struct gf_fcall *out, int *donate_fd)
{
	(void)out;
	(void)donate_fd;
	struct fid *olddir, *newdir;
	char oldname[NAME_MAX + 1], newname[NAME_MAX + 1];
	int rc = create_target(s, in->dfid, in->name, &olddir, oldname);
	if (rc < 0)
		return rc;
	rc = create_target(s, in->newdfid, in->newname, &newdir, newname);
	if (rc < 0)
		return rc;
	if (olddir->exp != newdir->exp)
		return -EXDEV;
	if (renameat(olddir->path_fd, oldname, newdir->path_fd, newname) < 0)
		return -errno;
	return 0;
}

int op_unlinkat(struct gf_session *s, const struct gf_fcall *in,
		struct gf_fcall *out, int *donate_fd)
{
	(void)out;
	(void)donate_fd;
	struct fid *dir;
	char name[NAME_MAX + 1];
	int rc = create_target(s, in->dfid, in->name, &dir, name);
	if (rc < 0)
		return rc;
	if (in->flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(dir->path_fd, name, (int)in->flags) < 0)
		return -errno;
	return 0;
}

/* Removes the file of fid by its remembered path, after checking that the
 * path still names the same inode (a rename since the walk would otherwise
 * remove a stranger). */
static int remove_fid(struct gf_session *s, const struct fid *f)
{
	(void)s;
	int rc = check_writable(f);
	if (rc < 0)
		return rc;
	if (f->rel[0] == '\0')
		return -EBUSY; /* the export's root */
	char *parent_rel = strdup(f->rel);
	if (parent_rel == NULL)
		return -ENOMEM;
	char *slash = strrchr(parent_rel, '/');
	const char *name = slash ? slash + 1 : parent_rel;
	char *basename = strdup(name);
	*(slash ? slash : parent_rel) = '\0';
	int parent = basename ? open_rel(f->exp, parent_rel) : -ENOMEM;
	free(parent_rel);
	if (parent < 0) {
		free(basename);
		return parent;
	}
	struct stat want, have;
	if (fstat(f->path_fd, &want) < 0 ||
	    fstatat(parent, basename, &have, AT_SYMLINK_NOFOLLOW) < 0)
		rc = -errno;
	else if (want.st_dev != have.st_dev || want.st_ino != have.st_ino)
		rc = -ENOENT;
	else if (unlinkat(parent, basename,
			  S_ISDIR(have.st_mode) ? AT_REMOVEDIR : 0) < 0)
		rc = -errno;
	close(parent);
	free(basename);
	return rc;
}

int op_remove(struct gf_session *s, const struct gf_fcall *in,
	      struct gf_fcall *out, int *donate_fd)
{
	(void)out;
	(void)donate_fd;
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0)
		return rc;
	rc = remove_fid(s, f);
	/* 9P: Tremove clunks the fid whether or not the remove worked. */
	fid_release(&s->fids, f);
	return rc;
}
