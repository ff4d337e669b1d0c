/* Requests on one file: attributes, open, I/O, directory reading. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "session.h"

int op_getattr(struct gf_session *s, const struct gf_fcall *in,
	       struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0)
		return rc;
	struct stat st;
	if (fstat(f->path_fd, &st) < 0)
		return -errno;
	struct gf_attr *a = &out->attr;
	a->valid = GF_GETATTR_BASIC;
	qid_from_stat(&st, &a->qid);
	a->mode = st.st_mode;
	a->uid = st.st_uid;
	a->gid = st.st_gid;
	a->nlink = st.st_nlink;
	a->rdev = st.st_rdev;
	a->size = (uint64_t)st.st_size;
	a->blksize = (uint64_t)st.st_blksize;
	a->blocks = (uint64_t)st.st_blocks;
	a->atime_sec = (uint64_t)st.st_atim.tv_sec;
	a->atime_nsec = (uint64_t)st.st_atim.tv_nsec;
	a->mtime_sec = (uint64_t)st.st_mtim.tv_sec;
	a->mtime_nsec = (uint64_t)st.st_mtim.tv_nsec;
	a->ctime_sec = (uint64_t)st.st_ctim.tv_sec;
	a->ctime_nsec = (uint64_t)st.st_ctim.tv_nsec;
	return 0;
}

static int truncate_fid(struct gf_session *s, const struct fid *f,
			uint64_t size)
{
	if (size > INT64_MAX)
		return -EFBIG;
	if (S_ISDIR(f->type))
		return -EISDIR;
	if (!S_ISREG(f->type))
		return -EINVAL;
	int fd = f->open_fd;
	bool own = fd < 0 || (f->open_flags & O_ACCMODE) == O_RDONLY;
	if (own) {
		fd = reopen_fd(s->server, f->path_fd, O_WRONLY);
		if (fd < 0)
			return fd;
	}
	int rc = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	if (own)
		close(fd);
	return rc;
}

static struct timespec setattr_time(uint32_t valid, uint32_t bit,
				    uint32_t set_bit, uint64_t sec,
				    uint64_t nsec)
{
	if (!(valid & bit))
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	if (!(valid & set_bit))
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	return (struct timespec){ .tv_sec = (time_t)sec,
				  .tv_nsec = (long)nsec };
}

int op_setattr(struct gf_session *s, const struct gf_fcall *in,
	       struct gf_fcall *out, int *donate_fd)
{
	(void)out;
	(void)donate_fd;
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0 || (rc = check_writable(f)) < 0)
		return rc;
	const struct gf_setattr *a = &in->setattr;
	if (a->valid & GF_SETATTR_MODE) {
		/* Linux has no modes on symlinks (fchmodat(2), ENOTSUP). */
		if (S_ISLNK(f->type))
			return -EOPNOTSUPP;
		char num[PROC_FD_NAME_MAX];
		proc_fd_name(f->path_fd, num);
		if (fchmodat(s->server->proc_self_fd, num, a->mode & 07777, 0) <
		    0)
			return -errno;
	}
	if (a->valid & (GF_SETATTR_UID | GF_SETATTR_GID)) {
		uid_t uid = a->valid & GF_SETATTR_UID ? a->uid : (uid_t)-1;
		gid_t gid = a->valid & GF_SETATTR_GID ? a->gid : (gid_t)-1;
		if (fchownat(f->path_fd, "", uid, gid, AT_EMPTY_PATH) < 0)
			return -errno;
	}
	if (a->valid & GF_SETATTR_SIZE) {
		rc = truncate_fid(s, f, a->size);
		if (rc < 0)
			return rc;
	}
	if (a->valid & (GF_SETATTR_ATIME | GF_SETATTR_MTIME)) {
		if (((a->valid & GF_SETATTR_ATIME_SET) &&
		     a->atime_nsec >= 1000000000) ||
		    ((a->valid & GF_SETATTR_MTIME_SET) &&
		     a->mtime_nsec >= 1000000000))
			return -EINVAL;
		struct timespec ts[2] = {
			setattr_time(a->valid, GF_SETATTR_ATIME,
				     GF_SETATTR_ATIME_SET, a->atime_sec,
				     a->atime_nsec),
			setattr_time(a->valid, GF_SETATTR_MTIME,
				     GF_SETATTR_MTIME_SET, a->mtime_sec,
				     a->mtime_nsec),
		};
		if (utimensat(f->path_fd, "", ts,
			      AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return 0;
}

/* Open flags a client may ask for; O_CREAT and friends belong to Tlcreate,
 * O_PATH and O_TMPFILE to nobody. Others (O_NOCTTY, O_LARGEFILE,
 * O_CLOEXEC) mean nothing for the server's fd and are dropped. */
#define LOPEN_FLAGS                                                            \
	(O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_DSYNC | \
	 O_SYNC | O_NOATIME | O_DIRECT | O_ASYNC | O_NOFOLLOW)
#define LOPEN_REFUSED (O_CREAT | O_EXCL | O_PATH | (O_TMPFILE & ~O_DIRECTORY))

/* Opens fid f's file with the client's flags, refusing what a sandboxed
 * file server must not open. Returns the fd or -errno. */
static int open_fid(struct gf_session *s, struct fid *f, uint32_t flags)
{
	if (flags & LOPEN_REFUSED)
		return -EINVAL;
	flags &= LOPEN_FLAGS;
	/* The fid never follows a symlink; O_NOFOLLOW is what it does
	 * anyway and must not reach the reopen of /proc/self/fd/N. */
	flags &= ~(uint32_t)O_NOFOLLOW;
	bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (writes && f->exp->readonly)
		return -EROFS;
	switch (f->type) {
	case S_IFLNK:
		return -ELOOP;
	case S_IFCHR:
	case S_IFBLK:
		/* Devices are the Sentry's (devfs); a host device node in
		 * the rootfs must not give the sandbox the host's device. */
		return -EPERM;
	case S_IFSOCK:
		return -ENXIO;
	case S_IFDIR:
		if (writes)
			return -EISDIR;
		break;
	case S_IFIFO:
		/* A FIFO without a peer would block the only thread. */
		flags |= O_NONBLOCK;
		break;
	}
	return reopen_fd(s->server, f->path_fd, (int)flags);
}

int op_lopen(struct gf_session *s, const struct gf_fcall *in,
	     struct gf_fcall *out, int *donate_fd)
{
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0)
		return rc;
	if (f->open_fd >= 0)
		return -EBUSY;
	int fd = open_fid(s, f, in->flags);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	f->open_fd = fd;
	f->open_flags = in->flags;
	qid_from_stat(&st, &out->qid);
	out->iounit = iounit_of(s);
	if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)) {
		*donate_fd = fd;
		s->server->stats.fds_donated++;
	}
	return 0;
}

/* An open fid, for I/O: -EBADF if not open. */
static int open_fid_of(struct gf_session *s, uint32_t num, struct fid **out)
{
	int rc = session_fid(s, num, out);
	if (rc < 0)
		return rc;
	return (*out)->open_fd >= 0 ? 0 : -EBADF;
}

int op_read(struct gf_session *s, const struct gf_fcall *in,
	    struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *f;
	int rc = open_fid_of(s, in->fid, &f);
	if (rc < 0)
		return rc;
	if (in->offset > INT64_MAX)
		return -EINVAL;
	uint32_t count = in->count;
	if (count > s->msize - GF_IOHDR_READ)
		count = s->msize - GF_IOHDR_READ;
	/* FIFOs have no offsets (pread(2): ESPIPE). */
	ssize_t n = S_ISFIFO(f->type) ? read(f->open_fd, s->iobuf, count)
				      : pread(f->open_fd, s->iobuf, count,
					      (off_t)in->offset);
	if (n < 0)
		return -errno;
	out->count = (uint32_t)n;
	out->data = s->iobuf;
	return 0;
}

int op_write(struct gf_session *s, const struct gf_fcall *in,
	     struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *f;
	int rc = open_fid_of(s, in->fid, &f);
	if (rc < 0)
		return rc;
	if (in->offset > INT64_MAX)
		return -EINVAL;
	ssize_t n = S_ISFIFO(f->type) ? write(f->open_fd, in->data, in->count)
				      : pwrite(f->open_fd, in->data, in->count,
					       (off_t)in->offset);
	if (n < 0)
		return -errno;
	out->count = (uint32_t)n;
	return 0;
}

static uint8_t qid_type_of_dtype(uint8_t d_type)
{
	if (d_type == DT_DIR)
		return GF_QTDIR;
	if (d_type == DT_LNK)
		return GF_QTSYMLINK;
	return GF_QTFILE;
}

/* linux_dirent64 as getdents64(2) returns it; parsed with memcpy, never by
 * casting the buffer. */
struct dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
};
#define DIRENT64_NAME_OFF 19

int op_readdir(struct gf_session *s, const struct gf_fcall *in,
	       struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *f;
	int rc = open_fid_of(s, in->fid, &f);
	if (rc < 0)
		return rc;
	if (!S_ISDIR(f->type))
		return -ENOTDIR;
	if (in->offset > INT64_MAX)
		return -EINVAL;
	uint32_t count = in->count;
	if (count > s->msize - GF_IOHDR_READ)
		count = s->msize - GF_IOHDR_READ;
	struct stat dst;
	if (fstat(f->open_fd, &dst) < 0)
		return -errno;
	/* The cookie of an entry (d_off) is where lseek goes to continue
	 * after it (getdents64(2)); 9P's offset is that cookie. */
	if (lseek(f->open_fd, (off_t)in->offset, SEEK_SET) < 0)
		return -errno;
	/* Raw entries are read behind the reply payload (iobuf holds msize
	 * + msize / 2 bytes). A raw record is at least 20 + namelen bytes, a
	 * 9P entry 24 + namelen, so count / 2 raw bytes always fit in count;
	 * what does not fit is left for the next Treaddir. */
	uint8_t *raw = s->iobuf + s->msize;
	size_t rawcap = count / 2;
	long got = syscall(SYS_getdents64, f->open_fd, raw, rawcap);
	if (got < 0)
		return -errno;
	struct gf_wbuf w = { .p = s->iobuf, .cap = count };
	for (long off = 0; off < got;) {
		struct dirent64_hdr h;
		memcpy(&h.d_ino, raw + off, 8);
		memcpy(&h.d_off, raw + off + 8, 8);
		memcpy(&h.d_reclen, raw + off + 16, 2);
		h.d_type = raw[off + 18];
		if (h.d_reclen <= DIRENT64_NAME_OFF || off + h.d_reclen > got)
			break;
		const char *name = (const char *)raw + off + DIRENT64_NAME_OFF;
		size_t maxlen = h.d_reclen - DIRENT64_NAME_OFF;
		struct gf_dirent d = {
			.qid = { .type = qid_type_of_dtype(h.d_type),
				 .path = h.d_ino ^
					 ((uint64_t)dst.st_dev << 48) },
			.offset = (uint64_t)h.d_off,
			.type = h.d_type,
			.name = name,
			.name_len = (uint16_t)strnlen(name, maxlen),
		};
		if (w.len + gf_dirent_size(d.name_len) > w.cap)
			break;
		gf_dirent_put(&w, &d);
		off += h.d_reclen;
	}
	if (w.len == 0 && got > 0)
		return -EINVAL; /* count too small for one entry */
	out->count = (uint32_t)w.len;
	out->data = s->iobuf;
	return 0;
}

int op_statfs(struct gf_session *s, const struct gf_fcall *in,
	      struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0)
		return rc;
	struct statfs sf;
	if (fstatfs(f->path_fd, &sf) < 0)
		return -errno;
	uint64_t fsid;
	memcpy(&fsid, &sf.f_fsid, sizeof(fsid));
	out->statfs = (struct gf_statfs){
		.type = (uint32_t)sf.f_type,
		.bsize = (uint32_t)sf.f_bsize,
		.blocks = sf.f_blocks,
		.bfree = sf.f_bfree,
		.bavail = sf.f_bavail,
		.files = sf.f_files,
		.ffree = sf.f_ffree,
		.fsid = fsid,
		.namelen = (uint32_t)sf.f_namelen,
	};
	return 0;
}

int op_fsync(struct gf_session *s, const struct gf_fcall *in,
	     struct gf_fcall *out, int *donate_fd)
{
	(void)out;
	(void)donate_fd;
	struct fid *f;
	int rc = open_fid_of(s, in->fid, &f);
	if (rc < 0)
		return rc;
	rc = in->datasync ? fdatasync(f->open_fd) : fsync(f->open_fd);
	return rc < 0 ? -errno : 0;
}

int op_readlink(struct gf_session *s, const struct gf_fcall *in,
		struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0)
		return rc;
	if (!S_ISLNK(f->type))
		return -EINVAL;
	char *buf = (char *)s->iobuf;
	size_t cap = s->msize - GF_IOHDR_READ < PATH_MAX
			     ? s->msize - GF_IOHDR_READ
			     : PATH_MAX;
	ssize_t n = readlinkat(f->path_fd, "", buf, cap);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	out->target = gf_str_of(buf, (size_t)n);
	return 0;
}
