/* The VFS: a mount table of canonical absolute paths and path resolution
 * done by the Sentry itself, component by component, so that symlinks and
 * ".." are interpreted against the sandbox's own tree (never the host's).
 * Resolution produces a canonical path (no ".", "..", symlinks or double
 * slashes); ".." is then lexical, which is exact because every symlink
 * before it has been expanded. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

#define MAX_SYMLINKS 40 /* Linux's MAXSYMLINKS */
#define PATH_CAP     4096

static struct sn_mount *find_mount(struct sn_kernel *k, const char *abs,
				   const char **rel);

int sn_vfs_mount(struct sn_kernel *k, const char *path, struct sn_fs *fs,
		 bool readonly)
{
	/* The mount point should exist in the file system below; where that
	 * one cannot make it (a read-only root), lstat_abs() stands in. */
	const char *rel;
	struct sn_mount *below = find_mount(k, path, &rel);
	if (below && *rel && below->fs->ops->make_mountpoint)
		below->fs->ops->make_mountpoint(below->fs, rel);
	struct sn_mount *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->path = strdup(path);
	if (m->path == NULL) {
		free(m);
		return -ENOMEM;
	}
	m->fs = fs;
	m->readonly = readonly;
	rs_list_add_tail(&k->mounts, &m->link);
	return 0;
}

void sn_vfs_unmount_all(struct sn_kernel *k)
{
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &k->mounts)
	{
		struct sn_mount *m =
			rs_container_of(pos, struct sn_mount, link);
		rs_list_del(&m->link);
		if (m->fs->ops->destroy)
			m->fs->ops->destroy(m->fs);
		free(m->path);
		free(m);
	}
}

/* The mount whose path is the longest component-wise prefix of abs. */
static struct sn_mount *find_mount(struct sn_kernel *k, const char *abs,
				   const char **rel)
{
	struct sn_mount *best = NULL;
	size_t best_len = 0;
	struct rs_list *pos;
	rs_list_for_each(pos, &k->mounts)
	{
		struct sn_mount *m =
			rs_container_of(pos, struct sn_mount, link);
		size_t n = strlen(m->path);
		bool match;
		if (n == 1)
			match = true;
		else
			match = strncmp(abs, m->path, n) == 0 &&
				(abs[n] == '/' || abs[n] == 0);
		if (match && (best == NULL || n >= best_len)) {
			best = m;
			best_len = n;
		}
	}
	if (best) {
		const char *r = abs + (best_len == 1 ? 0 : best_len);
		while (*r == '/')
			r++;
		*rel = r;
	}
	return best;
}

/* Whether abs is a directory on the way to a mount point (a proper
 * ancestor of one). */
static bool leads_to_mount(struct sn_kernel *k, const char *abs)
{
	size_t n = strlen(abs);
	struct rs_list *pos;
	rs_list_for_each(pos, &k->mounts)
	{
		struct sn_mount *m =
			rs_container_of(pos, struct sn_mount, link);
		if (strncmp(m->path, abs, n) == 0 && m->path[n] == '/')
			return true;
	}
	return false;
}

static int lstat_abs(struct sn_task *t, const char *abs, struct stat *st)
{
	const char *rel;
	struct sn_mount *m = find_mount(t->k, abs, &rel);
	if (m == NULL)
		return -ENOENT;
	int r = m->fs->ops->lstat(m->fs, t, rel, st);
	if (r == -ENOENT && leads_to_mount(t->k, abs)) {
		/* The path to a mount point exists even where the file
		 * system below has no such entry (a bind mount under the
		 * sandbox's /tmp, a destination the root lacks): an empty
		 * read-only directory, as Linux requires the mount point. */
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	return r;
}

static int readlink_abs(struct sn_task *t, const char *abs, char *buf,
			size_t len)
{
	const char *rel;
	struct sn_mount *m = find_mount(t->k, abs, &rel);
	if (m == NULL || m->fs->ops->readlink == NULL)
		return -EINVAL;
	return m->fs->ops->readlink(m->fs, t, rel, buf, len);
}

static bool is_proc(struct sn_task *t, const char *abs)
{
	const char *rel;
	struct sn_mount *m = find_mount(t->k, abs, &rel);
	return m && strcmp(m->fs->type, "proc") == 0;
}

static void pop_component(char *cur)
{
	char *slash = strrchr(cur, '/');
	if (slash == cur)
		cur[1] = 0;
	else if (slash)
		*slash = 0;
}

static int push_component(char *cur, const char *c, size_t clen)
{
	size_t n = strlen(cur);
	size_t need = n + (n > 1 ? 1 : 0) + clen + 1;
	if (need > PATH_CAP)
		return -ENAMETOOLONG;
	if (n > 1)
		cur[n++] = '/';
	memcpy(cur + n, c, clen);
	cur[n + clen] = 0;
	return 0;
}

int sn_path_lookup_at(struct sn_task *t, const char *base, const char *path,
		      unsigned flags, struct sn_path *out)
{
	memset(out, 0, sizeof(*out));
	if (path[0] == 0 && !(flags & SN_LOOKUP_EMPTY_PATH))
		return -ENOENT;
	size_t plen = strlen(path);
	if (plen >= PATH_CAP)
		return -ENAMETOOLONG;
	bool trailing_slash = plen > 0 && path[plen - 1] == '/';
	if (trailing_slash)
		flags |= SN_LOOKUP_FOLLOW | SN_LOOKUP_DIRECTORY;

	char *cur = malloc(PATH_CAP);
	char *rest = malloc(PATH_CAP * 2);
	if (cur == NULL || rest == NULL) {
		free(cur);
		free(rest);
		return -ENOMEM;
	}
	int r = 0, links = 0;
	if (path[0] == '/')
		strcpy(cur, "/");
	else
		snprintf(cur, PATH_CAP, "%s", base);
	snprintf(rest, PATH_CAP * 2, "%s", path);

	bool exists = true;
	bool have_st = false;
	struct stat st;
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == 0)
			break;
		char *end = strchr(p, '/');
		size_t clen = end ? (size_t)(end - p) : strlen(p);
		const char *next = p + clen;
		while (*next == '/')
			next++;
		bool last = *next == 0;
		if (clen > 255) {
			r = -ENAMETOOLONG;
			goto out;
		}
		if (clen == 1 && p[0] == '.') {
			p = (char *)next;
			have_st = false;
			continue;
		}
		if (clen == 2 && p[0] == '.' && p[1] == '.') {
			pop_component(cur);
			p = (char *)next;
			have_st = false;
			continue;
		}
		char saved[PATH_CAP];
		strcpy(saved, cur);
		if ((r = push_component(cur, p, clen)) < 0)
			goto out;
		r = lstat_abs(t, cur, &st);
		if (r < 0) {
			if (r == -ENOENT && last &&
			    (flags & SN_LOOKUP_MAY_MISS)) {
				exists = false;
				r = 0;
				have_st = true;
				break;
			}
			goto out;
		}
		if (S_ISLNK(st.st_mode) &&
		    (!last || (flags & SN_LOOKUP_FOLLOW))) {
			if (++links > MAX_SYMLINKS) {
				r = -ELOOP;
				goto out;
			}
			char target[PATH_CAP];
			int n = readlink_abs(t, cur, target,
					     sizeof(target) - 1);
			if (n < 0) {
				r = n;
				goto out;
			}
			target[n] = 0;
			if (n == 0) {
				r = -ENOENT;
				goto out;
			}
			/* procfs's fd links name files that have no path
			 * ("pipe:[7]"): like Linux's magic links they end
			 * the walk at the link, which procfs opens. */
			if (target[0] != '/' && strstr(target, ":[") &&
			    is_proc(t, cur)) {
				if (!last) {
					r = -ENOTDIR;
					goto out;
				}
				have_st = true;
				p = (char *)next;
				continue;
			}
			char *joined = malloc(PATH_CAP * 2);
			if (joined == NULL) {
				r = -ENOMEM;
				goto out;
			}
			int jl = snprintf(joined, PATH_CAP * 2, "%s/%s", target,
					  next);
			if (jl >= PATH_CAP * 2) {
				free(joined);
				r = -ENAMETOOLONG;
				goto out;
			}
			strcpy(rest, joined);
			free(joined);
			p = rest;
			if (target[0] == '/')
				strcpy(cur, "/");
			else
				strcpy(cur, saved);
			have_st = false;
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			goto out;
		}
		have_st = true;
		p = (char *)next;
	}
	if (!have_st && (r = lstat_abs(t, cur, &st)) < 0)
		goto out;
	if (exists && (flags & SN_LOOKUP_DIRECTORY) && !S_ISDIR(st.st_mode)) {
		r = -ENOTDIR;
		goto out;
	}
	out->abs = strdup(cur);
	if (out->abs == NULL) {
		r = -ENOMEM;
		goto out;
	}
	out->mnt = find_mount(t->k, out->abs, &out->rel);
	out->exists = exists;
	if (exists)
		out->st = st;
out:
	free(cur);
	free(rest);
	return r;
}

int sn_path_lookup(struct sn_task *t, int dirfd, const char *path,
		   unsigned flags, struct sn_path *out)
{
	const char *base = t->proc->fs->cwd;
	if (path[0] != '/' && dirfd != AT_FDCWD) {
		struct sn_file *f = sn_task_file(t, dirfd);
		if (f == NULL)
			return -EBADF;
		if (f->path == NULL || f->path[0] != '/')
			return path[0] == 0 ? -EBADF : -ENOTDIR;
		base = f->path;
		if (path[0] != 0) {
			struct stat st;
			int r = f->ops->stat ? f->ops->stat(f, &st) : -ENOTDIR;
			if (r < 0 || !S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
	}
	return sn_path_lookup_at(t, base, path, flags, out);
}

void sn_path_free(struct sn_path *p)
{
	free(p->abs);
	p->abs = NULL;
}

char *sn_path_steal(struct sn_path *p)
{
	char *abs = p->abs;
	p->abs = NULL;
	return abs;
}

int sn_vfs_permission(struct sn_task *t, const struct stat *st, int mask)
{
	const struct sn_creds *c = &t->proc->creds;
	if (c->fsuid == 0) {
		/* root: everything but executing a file with no x bit. */
		if ((mask & X_OK) && !S_ISDIR(st->st_mode) &&
		    !(st->st_mode & 0111))
			return -EACCES;
		return 0;
	}
	mode_t bits;
	if (st->st_uid == c->fsuid) {
		bits = (st->st_mode >> 6) & 7;
	} else {
		bool in_group = st->st_gid == c->fsgid;
		for (int i = 0; !in_group && i < c->ngroups; i++)
			in_group = c->groups[i] == st->st_gid;
		bits = in_group ? (st->st_mode >> 3) & 7 : st->st_mode & 7;
	}
	return ((unsigned)mask & ~bits) & 7 ? -EACCES : 0;
}

int sn_vfs_open(struct sn_task *t, struct sn_path *p, int flags, mode_t mode,
		struct sn_file **out)
{
	int acc = flags & O_ACCMODE;
	bool writes = acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC);
	if (p->mnt == NULL)
		return -ENOENT;
	if (p->exists) {
		if ((flags & O_CREAT) && (flags & O_EXCL))
			return -EEXIST;
		if (S_ISLNK(p->st.st_mode) &&
		    strcmp(p->mnt->fs->type, "proc") != 0)
			return -ELOOP;
		if ((flags & O_DIRECTORY) && !S_ISDIR(p->st.st_mode))
			return -ENOTDIR;
		if (S_ISDIR(p->st.st_mode) && writes)
			return -EISDIR;
		int mask = (acc == O_RDONLY || acc == O_RDWR ? R_OK : 0) |
			   (writes ? W_OK : 0);
		int r = sn_vfs_permission(t, &p->st, mask);
		if (r < 0)
			return r;
		if (writes && p->mnt->readonly && !S_ISCHR(p->st.st_mode) &&
		    !S_ISFIFO(p->st.st_mode) && !S_ISSOCK(p->st.st_mode))
			return -EROFS;
	} else {
		if (!(flags & O_CREAT))
			return -ENOENT;
		if (p->mnt->readonly)
			return -EROFS;
		mode &= ~t->proc->fs->umask;
	}
	if (S_ISSOCK(p->st.st_mode) && p->exists)
		return -ENXIO;
	int r = p->mnt->fs->ops->open(p->mnt->fs, t, p->rel, flags, mode, out);
	if (r < 0)
		return r;
	if ((*out)->path == NULL)
		sn_file_set_path(*out, p->abs);
	return 0;
}
