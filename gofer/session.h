/* Server internals shared by the dispatcher (session.c), the request
 * handlers (ops_*.c), the fid table (fid.c) and path resolution
 * (resolve.c). */
#ifndef GOFER_SESSION_H
#define GOFER_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "gofer/server.h"
#include "wire.h"

struct export
{
	char *name;
	int root_fd; /* O_PATH directory fd, owned */
	bool readonly;
};

struct gf_server {
	struct export *exports;
	size_t nexports;
	uint32_t max_msize;
	uint32_t max_fids;
	int proc_self_fd; /* O_PATH fd of /proc/self/fd, owned */
	struct gf_server_stats stats;
};

/* A fid: a walked-to file. path_fd (O_PATH | O_NOFOLLOW) names the file
 * itself for its whole life; open_fd is the I/O handle once Tlopen or
 * Tlcreate made the fid open. rel is the path from the export's root ("" for
 * the root): 9P's ".." and Tremove need a parent, which an fd cannot give
 * without /proc (diod likewise keeps paths). */
struct fid {
	uint32_t num;
	int path_fd;
	int open_fd;
	uint32_t open_flags;
	mode_t type; /* S_IFMT bits of the file when walked to */
	const struct export *exp;
	char *rel;
	uint32_t uid; /* n_uname of the attach: owner of created files */
	struct fid *next;
};

struct fid_table {
	struct fid **buckets;
	uint32_t nbuckets; /* a power of two */
	uint32_t count;
	uint32_t max;
};

struct gf_session {
	struct gf_server *server;
	uint32_t msize;
	bool versioned; /* a Tversion was accepted */
	struct fid_table fids;
	/* Rread / Rreaddir payload (msize bytes), then msize / 2 bytes for
	 * raw getdents64 records. */
	uint8_t *iobuf;
	/* The request being handled and its reply (large: walk names,
	 * attributes), kept here rather than on the stack. */
	struct gf_fcall in, out;
};

/* fid.c */
int fid_table_init(struct fid_table *t, uint32_t max);
void fid_table_destroy(struct fid_table *t);
struct fid *fid_lookup(const struct fid_table *t, uint32_t num);
/* A new, empty fid numbered num (fds -1). -EBADF if num is in use or NOFID,
 * -EMFILE at the table's limit, -ENOMEM. */
int fid_new(struct fid_table *t, uint32_t num, struct fid **out);
/* Unlinks the fid and closes its fds. */
void fid_release(struct fid_table *t, struct fid *f);
/* Releases every fid. */
void fid_release_all(struct fid_table *t);

/* resolve.c */
/* Checks a name from the wire: one component, no '/' or NUL, not empty, at
 * most NAME_MAX bytes, and "." / ".." only if dots_ok. Returns 0, -EINVAL or
 * -ENAMETOOLONG. On success copies it, NUL-terminated, to buf (NAME_MAX+1). */
int name_check(struct gf_str name, bool dots_ok, char *buf);
/* Opens one component below dirfd as O_PATH | O_NOFOLLOW: openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV (openat with O_NOFOLLOW where openat2 is missing). name
 * is a checked name other than "." and "..". Returns the fd or -errno;
 * -EXDEV for a mount point. */
int open_component(int dirfd, const char *name);
/* Opens rel (a path from name_check'ed components joined by '/') below the
 * export root, component by component. Returns an O_PATH fd or -errno. */
int open_rel(const struct export *exp, const char *rel);
/* Opens the walked file of path_fd again with real open flags, through
 * /proc/self/fd (the kernel's way to reopen an O_PATH fd). */
int reopen_fd(const struct gf_server *s, int path_fd, int flags);
/* The name of fd in /proc/self/fd ("17"), for the *at calls on the
 * server's proc_self_fd that follow its magic link to exactly the inode a
 * walk reached, whatever its path names now. */
#define PROC_FD_NAME_MAX 12 /* "-2147483648" and its NUL */
void proc_fd_name(int fd, char name[PROC_FD_NAME_MAX]);
/* The iounit of Rlopen and Rlcreate: the most data one Twrite carries. */
static inline uint32_t iounit_of(const struct gf_session *s)
{
	return s->msize - GF_IOHDR_WRITE;
}
void qid_from_stat(const struct stat *st, struct gf_qid *qid);
/* True if the errno means "stopped at the edge of the tree". */
bool errno_is_escape(int err);

/* Handlers: each takes the decoded request and fills the reply fields,
 * returning 0 or a negative errno for Rlerror. *donate_fd may be set to an
 * fd owned by a fid, to be sent with the reply. */
typedef int (*op_fn)(struct gf_session *s, const struct gf_fcall *in,
		     struct gf_fcall *out, int *donate_fd);

/* ops_file.c */
int op_getattr(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	       int *);
int op_setattr(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	       int *);
int op_lopen(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	     int *);
int op_read(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	    int *);
int op_write(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	     int *);
int op_readdir(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	       int *);
int op_statfs(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	      int *);
int op_fsync(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	     int *);
int op_readlink(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
		int *);

/* ops_dir.c */
int op_lcreate(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	       int *);
int op_mkdir(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	     int *);
int op_symlink(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	       int *);
int op_mknod(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	     int *);
int op_link(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	    int *);
int op_renameat(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
		int *);
int op_unlinkat(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
		int *);
int op_remove(struct gf_session *, const struct gf_fcall *, struct gf_fcall *,
	      int *);

/* Helpers the handlers share (session.c). */
/* The fid num, or -EBADF. */
int session_fid(struct gf_session *s, uint32_t num, struct fid **out);
/* The fid num, which must be a directory that is not open: -EBADF,
 * -ENOTDIR, -EBUSY. */
int session_dir_fid(struct gf_session *s, uint32_t num, struct fid **out);
/* -EROFS if the fid's export is read-only. */
int check_writable(const struct fid *f);
/* name_check, counting refused names in the stats. */
int session_name(struct gf_session *s, struct gf_str name, bool dots_ok,
		 char *buf);
/* The new file name below directory fid dir: opens it (O_PATH, beneath),
 * gives it the attach uid and gid, and fills qid. On failure removes it
 * again with unlinkat(unlink_flags): the caller has just created it.
 * Returns 0 or -errno. */
int finish_create(const struct fid *dir, const char *name, uint32_t gid,
		  int unlink_flags, struct gf_qid *qid);

#endif
