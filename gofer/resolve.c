/* Path resolution that cannot leave an export: names are checked, and every
 * component is opened on its own below an fd of its parent, never following
 * a symlink, a magic link or a mount crossing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "session.h"

int name_check(struct gf_str name, bool dots_ok, char *buf)
{
	if (name.len == 0 || !gf_str_is_clean(name) ||
	    memchr(name.s, '/', name.len))
		return -EINVAL;
	if (name.len > NAME_MAX)
		return -ENAMETOOLONG;
	bool dot = name.len == 1 && name.s[0] == '.';
	bool dotdot = name.len == 2 && name.s[0] == '.' && name.s[1] == '.';
	if ((dot || dotdot) && !dots_ok)
		return -EINVAL;
	memcpy(buf, name.s, name.len);
	buf[name.len] = '\0';
	return 0;
}

/* openat2(2) needs kernel 5.6; until the first ENOSYS it is used alone. */
static bool have_openat2 = true;

int open_component(int dirfd, const char *name)
{
	const int flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
	if (have_openat2) {
		/* RESOLVE_BENEATH refuses "..", absolute symlinks and magic
		 * links even if a name slipped through; NO_SYMLINKS keeps a
		 * trailing symlink itself (O_PATH | O_NOFOLLOW) but never
		 * jumps through one; NO_XDEV stops at mount points, so only
		 * the export's own file system is served (openat2(2)). */
		struct open_how how = {
			.flags = flags,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
		};
		long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return -errno;
		have_openat2 = false;
	}
	/* Without openat2 a single checked component with O_NOFOLLOW still
	 * cannot leave dirfd; only mount crossings go unnoticed, and the
	 * confined gofer has none (gofer/confine.c binds without submounts). */
	int fd = openat(dirfd, name, flags);
	return fd >= 0 ? fd : -errno;
}

int open_rel(const struct export *exp, const char *rel)
{
	int cur = fcntl(exp->root_fd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return -errno;
	const char *p = rel;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char name[NAME_MAX + 1];
		int rc = name_check(gf_str_of(p, len), false, name);
		int next = rc < 0 ? rc : open_component(cur, name);
		close(cur);
		if (next < 0)
			return next;
		cur = next;
		p += len;
		if (*p == '/')
			p++;
	}
	return cur;
}

void proc_fd_name(int fd, char name[PROC_FD_NAME_MAX])
{
	snprintf(name, PROC_FD_NAME_MAX, "%d", fd);
}

int reopen_fd(const struct gf_server *s, int path_fd, int flags)
{
	char num[PROC_FD_NAME_MAX];
	proc_fd_name(path_fd, num);
	/* The magic link /proc/self/fd/N is followed on purpose: it names
	 * exactly the inode the walk reached, whatever happened to its path
	 * since. The name is the server's own, never the client's. */
	int fd = openat(s->proc_self_fd, num, flags | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

void qid_from_stat(const struct stat *st, struct gf_qid *qid)
{
	if (S_ISDIR(st->st_mode))
		qid->type = GF_QTDIR;
	else if (S_ISLNK(st->st_mode))
		qid->type = GF_QTSYMLINK;
	else
		qid->type = GF_QTFILE;
	qid->version = 0;
	/* Exports may sit on different devices: mixing the device number into
	 * the high bits keeps paths of different trees apart. */
	qid->path = (uint64_t)st->st_ino ^ ((uint64_t)st->st_dev << 48);
}

bool errno_is_escape(int err)
{
	return err == -EXDEV || err == -ELOOP;
}
