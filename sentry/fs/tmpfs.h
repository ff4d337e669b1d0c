/* tmpfs internals shared with devfs (a tmpfs populated with device nodes)
 * and AF_UNIX (socket nodes bound to endpoints). */
#ifndef SENTRY_FS_TMPFS_H
#define SENTRY_FS_TMPFS_H

#include "fs/fs.h"

struct tnode;

struct tentry {
	struct tentry *next;
	char *name;
	struct tnode *node;
};

struct tmpfs;

struct tnode {
	struct rs_list all; /* in the tmpfs's list of every node */
	struct tmpfs *fs;   /* whose byte budget data is charged to */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	uint64_t ino;
	unsigned nlink; /* directory entries naming it (+1 for a dir's ".") */
	unsigned open;	/* open files and other holders */
	struct timespec atime, mtime, ctime;
	struct tnode *parent;	/* directories only */
	struct tentry *entries; /* directories only */
	/* Regular files: size is the file's length, cap the bytes of data
	 * held. Bytes from cap to size (a sparse extension) read as zero;
	 * bytes from size to cap are kept zero. */
	char *data;
	size_t size, cap;
	char *link;  /* symlinks */
	void *fifo;  /* FIFOs: the shared pipe (fs/pipe.c) */
	void *bound; /* sockets: the bound endpoint (fs/unix.c) */
	/* Once mapped MAP_SHARED, a regular file's bytes move to a host
	 * file in the application's own mount namespace (kernel/shm.c):
	 * the Sentry reads and writes it through this fd, the application
	 * maps it. -1 before. */
	int backing_fd;
	const int *backing_dir; /* the directory's fd in the Sentry */
	char backing_name[32];
};

struct tmpfs {
	struct sn_fs fs;
	struct tnode *root;
	struct rs_list nodes; /* every live node, for destroy */
	/* Bytes of file data held (the sum of the nodes' cap) and the most
	 * it may hold: Linux's tmpfs default size, half of physical memory.
	 * A write that needs more fails with ENOSPC. */
	size_t used, limit;
};

struct tmpfs *sn_tmpfs_create(struct sn_kernel *k, mode_t root_mode);
struct tnode *sn_tnode_new(struct tmpfs *fs, mode_t mode, uid_t uid, gid_t gid);
int sn_tnode_link(struct tnode *dir, const char *name, struct tnode *n);
void sn_tnode_stat(struct tmpfs *fs, const struct tnode *n, struct stat *st);
/* The node at rel in a tmpfs, or NULL (also when fs is not a tmpfs). */
struct tnode *sn_tmpfs_lookup(struct sn_fs *fs, const char *rel);

/* The tmpfs node of an open regular tmpfs file, or NULL. */
struct tnode *sn_tmpfs_file_node(struct sn_file *f);
/* Moves the node's bytes into the host file backing_fd (named name in
 * the application's shared-memory directory). Takes backing_fd. */
int sn_tnode_set_backing(struct tnode *n, int backing_fd, const int *dir,
			 const char *name);

/* Device files by number (fs/devfs.c). */
int sn_device_open(struct sn_kernel *k, dev_t rdev, int flags,
		   struct sn_file **out);
/* Forgets the endpoint bound to a socket node being unlinked. */
void sn_unix_unbind_node(struct tnode *n);

#endif
