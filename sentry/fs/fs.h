/* Files of the Sentry: open file descriptions with an ops table, virtual
 * fd tables, and a path-based VFS over mounted file systems.
 *
 * Ownership: a struct sn_file is reference-counted (sn_file_get/put); an fd
 * table entry, an epoll interest and an in-flight SCM_RIGHTS message each
 * hold one reference. File-system objects (struct sn_fs) live as long as
 * the kernel.
 *
 * Errors are negative Linux errno values. Nothing here blocks: an operation
 * that cannot proceed returns -EAGAIN and the file's wait queue (sn_file.wq)
 * is woken when it might succeed.
 */
#ifndef SENTRY_FS_FS_H
#define SENTRY_FS_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include "kernel/kernel.h"

struct sn_file;
struct sn_sock_ops;

struct sn_file_ops {
	const char *kind;
	/* Stream files (pipes, sockets, ttys) ignore *off and refuse pread
	 * with ESPIPE; others read at *off and advance it. */
	bool stream;
	/* The file keeps its own position (a host fd whose offset is shared
	 * with processes outside the sandbox): read and write get off NULL
	 * for "at the current position", and seek is ops->seek. */
	bool own_pos;
	ssize_t (*read)(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off);
	ssize_t (*write)(struct sn_file *f, struct sn_task *t, const void *buf,
			 size_t len, int64_t *off);
	/* Current readiness (POLL* bits). */
	uint32_t (*poll)(struct sn_file *f);
	int (*stat)(struct sn_file *f, struct stat *st);
	/* Fills buf with linux_dirent64 records from f->pos on. */
	ssize_t (*getdents)(struct sn_file *f, struct sn_task *t, void *buf,
			    size_t len);
	long (*ioctl)(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		      uint64_t arg);
	int (*truncate)(struct sn_file *f, uint64_t len);
	int (*fsync)(struct sn_file *f);
	int64_t (*seek)(struct sn_file *f, int64_t off, int whence);
	/* The queue poll waiters join (default: &f->wq); pipes share one
	 * between their ends. */
	struct sn_waitq *(*waitq)(struct sn_file *f);
	/* Called once when the last reference goes. */
	void (*release)(struct sn_file *f);
	const struct sn_sock_ops *sock; /* non-NULL for sockets */
};

struct sn_file {
	int refs;
	const struct sn_file_ops *ops;
	int flags; /* O_ACCMODE | O_APPEND | O_NONBLOCK | ... */
	int64_t pos;
	char *path; /* canonical path, or a "pipe:[N]"-style name */
	void *priv;
	struct sn_waitq wq;	/* woken with POLL* bits on state changes */
	struct rs_list epitems; /* epoll items watching this file */
	struct sn_kernel *k;
};

struct sn_file *sn_file_new(struct sn_kernel *k, const struct sn_file_ops *ops,
			    int flags, void *priv);
struct sn_file *sn_file_get(struct sn_file *f);
struct sn_waitq *sn_file_waitq(struct sn_file *f);
void sn_file_put(struct sn_file *f);
void sn_file_set_path(struct sn_file *f, const char *path);
int sn_file_generic_stat(struct sn_file *f, struct stat *st, mode_t mode);

/* Files backed by a host fd (gofer-donated fds, the bridged stdio). The
 * file owns fd. Readiness of non-regular fds is watched with epoll so the
 * Sentry never blocks on them. */
struct sn_file *sn_hostfile_new(struct sn_kernel *k, int fd, int flags,
				const char *path);
/* The same for an fd whose open file description is shared with the
 * world outside (runsc's stdio): its host offset is the file position. */
struct sn_file *sn_hostfile_new_shared(struct sn_kernel *k, int fd, int flags,
				       const char *path);
int sn_hostfile_fd(struct sn_file *f);

/* ---- fd tables ---------------------------------------------------------- */

struct sn_fd {
	struct sn_file *file;
	bool cloexec;
};

struct sn_fdtable {
	int refs;
	int cap;
	struct sn_fd *fds;
};

struct sn_fdtable *sn_fdtable_new(void);
struct sn_fdtable *sn_fdtable_copy(const struct sn_fdtable *src);
void sn_fdtable_put(struct sn_fdtable *t);
/* Installs f (takes a new reference) at the lowest free fd >= min that is
 * below limit. Returns the fd or -EMFILE. */
int sn_fd_alloc(struct sn_fdtable *t, struct sn_file *f, int min, bool cloexec,
		int limit);
/* Whether sn_fd_alloc(t, f, 0, ..., limit) would find a free fd. */
bool sn_fd_available(const struct sn_fdtable *t, int limit);
/* Installs f at exactly fd, closing what was there. */
int sn_fd_install_at(struct sn_fdtable *t, int fd, struct sn_file *f,
		     bool cloexec, int limit);
/* Borrowed pointer or NULL. */
struct sn_file *sn_fd_get(struct sn_fdtable *t, int fd);
int sn_fd_close(struct sn_fdtable *t, int fd);
void sn_fdtable_close_on_exec(struct sn_fdtable *t);
/* The task's file for fd, or NULL. */
struct sn_file *sn_task_file(struct sn_task *t, int fd);
int sn_task_fd_limit(struct sn_task *t);

/* ---- file systems and the VFS ------------------------------------------ */

struct sn_fs;

/* Operations on paths relative to the file system's root ("" is the root
 * itself; components separated by '/', already canonical: no ".", "..",
 * or symlinks before the last component). */
struct sn_fs_ops {
	int (*lstat)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     struct stat *st);
	int (*readlink)(struct sn_fs *fs, struct sn_task *t, const char *rel,
			char *buf, size_t len);
	/* Opens (flags may hold O_CREAT/O_EXCL/O_TRUNC). *out is a new
	 * file with one reference. */
	int (*open)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		    int flags, mode_t mode, struct sn_file **out);
	int (*mkdir)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     mode_t mode);
	int (*mknod)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     mode_t mode, dev_t dev);
	int (*unlink)(struct sn_fs *fs, struct sn_task *t, const char *rel);
	int (*rmdir)(struct sn_fs *fs, struct sn_task *t, const char *rel);
	int (*rename)(struct sn_fs *fs, struct sn_task *t, const char *from,
		      const char *to);
	int (*link)(struct sn_fs *fs, struct sn_task *t, const char *from,
		    const char *to);
	int (*symlink)(struct sn_fs *fs, struct sn_task *t, const char *target,
		       const char *rel);
	int (*chmod)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     mode_t mode);
	int (*chown)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     uid_t uid, gid_t gid);
	int (*truncate)(struct sn_fs *fs, struct sn_task *t, const char *rel,
			uint64_t len);
	int (*utimens)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		       const struct timespec ts[2]);
	int (*statfs)(struct sn_fs *fs, struct sn_task *t, const char *rel,
		      struct statfs *st);
	/* Optional: creates the missing directories of rel, owned by root,
	 * for a mount on it (Linux mounts only on a directory; runc creates
	 * a missing destination). */
	int (*make_mountpoint)(struct sn_fs *fs, const char *rel);
	/* Frees the file system (at unmount; no file of it is open). */
	void (*destroy)(struct sn_fs *fs);
};

struct sn_fs {
	const struct sn_fs_ops *ops;
	const char *type; /* "9p", "tmpfs", "proc", "devtmpfs" */
	dev_t dev;
	void *priv;
};

struct sn_mount {
	struct rs_list link;
	char *path; /* canonical absolute mount point */
	struct sn_fs *fs;
	bool readonly;
};

int sn_vfs_mount(struct sn_kernel *k, const char *path, struct sn_fs *fs,
		 bool readonly);
void sn_vfs_unmount_all(struct sn_kernel *k);

enum {
	SN_LOOKUP_FOLLOW = 1,	  /* follow a symlink in the last component */
	SN_LOOKUP_MAY_MISS = 2,	  /* the last component may not exist */
	SN_LOOKUP_EMPTY_PATH = 4, /* "" names dirfd itself */
	SN_LOOKUP_DIRECTORY = 8,  /* the result must be a directory */
};

/* A resolved path. abs is owned (sn_path_free); rel points into abs. */
struct sn_path {
	char *abs;
	struct sn_mount *mnt;
	const char *rel;
	bool exists;
	struct stat st; /* lstat of the result when exists */
};

/* Resolves path (from the application) relative to dirfd (AT_FDCWD: the
 * cwd) following symlinks in every component but the last (and the last
 * too with SN_LOOKUP_FOLLOW). */
int sn_path_lookup(struct sn_task *t, int dirfd, const char *path,
		   unsigned flags, struct sn_path *out);
/* The same with an absolute or cwd-relative path and no dirfd. */
int sn_path_lookup_at(struct sn_task *t, const char *base, const char *path,
		      unsigned flags, struct sn_path *out);
void sn_path_free(struct sn_path *p);
/* Takes abs out of p (the caller frees it). */
char *sn_path_steal(struct sn_path *p);
/* Opens a resolved path. */
int sn_vfs_open(struct sn_task *t, struct sn_path *p, int flags, mode_t mode,
		struct sn_file **out);
/* Checks access mode bits R_OK/W_OK/X_OK against st for the task's
 * credentials (root passes read/write always, exec if any x bit). */
int sn_vfs_permission(struct sn_task *t, const struct stat *st, int mask);

/* File systems. */
int sn_goferfs_new(struct sn_kernel *k, const char *aname, bool readonly,
		   struct sn_fs **out);
struct sn_fs *sn_tmpfs_new(struct sn_kernel *k);
/* A tmpfs whose root has permissions mode (0: 01777) holding at most size
 * bytes of data (0: half of physical memory). */
struct sn_fs *sn_tmpfs_new_sized(struct sn_kernel *k, mode_t mode,
				 uint64_t size);
struct sn_fs *sn_devfs_new(struct sn_kernel *k);
struct sn_fs *sn_procfs_new(struct sn_kernel *k);

/* Anonymous files. */
bool sn_file_is_pipe(const struct sn_file *f);
int sn_pipe_new(struct sn_kernel *k, int flags, struct sn_file **rd,
		struct sn_file **wr);
/* A FIFO node's shared pipe, for tmpfs FIFOs (key identifies the node). */
int sn_fifo_open(struct sn_kernel *k, void **pipe_slot, int flags,
		 struct sn_file **out);
int sn_eventfd_new(struct sn_kernel *k, uint64_t initval, int flags,
		   struct sn_file **out);
int sn_epoll_new(struct sn_kernel *k, int flags, struct sn_file **out);
/* /dev/zero: mmap of it is an anonymous mapping. */
bool sn_file_is_zero_device(const struct sn_file *f);
bool sn_file_is_epoll(const struct sn_file *f);
int sn_epoll_ctl(struct sn_file *ep, int op, int fd, struct sn_file *f,
		 uint32_t events, uint64_t data);
/* Collects up to max ready events into evs (struct epoll_event layout). */
int sn_epoll_collect(struct sn_file *ep, void *evs, int max);
/* Removes the epoll items of a file that is going away. */
void sn_epoll_file_gone(struct sn_file *f);
int sn_timerfd_new(struct sn_kernel *k, int clockid, int flags,
		   struct sn_file **out);
int sn_timerfd_settime(struct sn_file *f, int flags, const void *new_value,
		       void *old_value);
int sn_timerfd_gettime(struct sn_file *f, void *cur);
bool sn_file_is_timerfd(const struct sn_file *f);
/* signalfd: reads are done by syscalls/sys_signal.c, which dequeues the
 * signal on the host; the file holds the mask and the owner's pid for
 * poll. */
int sn_signalfd_new(struct sn_kernel *k, pid_t owner, uint64_t mask, int flags,
		    struct sn_file **out);
bool sn_file_is_signalfd(const struct sn_file *f);
uint64_t sn_signalfd_mask(const struct sn_file *f);
void sn_signalfd_set_mask(struct sn_file *f, uint64_t mask);

/* An anonymous regular file (memfd_create), O_RDWR. */
int sn_memfd_new(struct sn_task *t, const char *name, struct sn_file **out);

/* Convenience: a regular in-memory read-only file with the given content
 * (procfs uses it). Takes ownership of data (malloc'd). */
struct sn_file *sn_memfile_new(struct sn_kernel *k, char *data, size_t len,
			       const char *path);

#endif
