/* The 9P2000.L client the Sentry uses to reach the Gofer.
 *
 * One struct gf_client per connection. Every call is synchronous: it sends
 * one request with a fresh tag, waits for the reply with that tag and
 * returns. A call blocks in poll(2) for at most the configured timeout; the
 * client is not thread-safe (the Sentry's event loop owns it).
 *
 * Errors: every function returns 0 (or a byte/entry count) on success and a
 * negative Linux errno on failure. An Rlerror from the server is returned as
 * -ecode unchanged, so the Sentry can hand it to the application. Transport
 * failures are distinct and final:
 *   -ECONNRESET  the server closed the connection or died (EOF, EPIPE)
 *   -ETIMEDOUT   no reply within timeout_ms
 *   -EPROTO      a reply that does not parse, has the wrong tag or type
 * After any of these the connection is dead and every later call returns
 * -ECONNRESET at once (a late reply could otherwise be taken for the answer
 * to another request). Argument errors found before sending (a name that is
 * too long for the message, more than GF_MAXWELEM names, ...) return
 * -EINVAL / -ENAMETOOLONG and leave the connection usable.
 *
 * Fids: the client allocates fid numbers (gf_attach and gf_walk return them);
 * the caller owns each fid it got and releases it with gf_clunk (or
 * gf_remove, which also releases it), on success or failure of those calls.
 * gf_client_free releases all of them by closing the connection.
 *
 * Host fds: gf_lopen and gf_lcreate return, for regular files and FIFOs, the
 * host fd the server opened (donated over SCM_RIGHTS, received O_CLOEXEC).
 * The caller owns it and closes it; it shares the open file description, and
 * so the access mode and status flags, of the fid, and stays valid after the
 * fid is clunked. I/O on it needs no round trip. FIFOs are opened
 * O_NONBLOCK by the server, so the donated fd is non-blocking too.
 *
 * Names passed in are NUL-terminated C strings: one path component, not
 * empty, no '/', at most 255 bytes; "." and ".." are accepted only by
 * gf_walk (".." of an attach root is the root itself, as 9P specifies).
 * The server enforces all of this too; the client checks first to give
 * -EINVAL without a round trip.
 */
#ifndef GOFER_CLIENT_H
#define GOFER_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gofer/p9.h"

struct gf_client;

struct gf_client_opts {
	/* Largest message the client proposes in Tversion; the server may
	 * lower it. 0 means GF_CLIENT_DEFAULT_MSIZE. At least 4096. */
	uint32_t msize;
	/* Longest wait for one reply, in milliseconds. 0 means
	 * GF_CLIENT_DEFAULT_TIMEOUT_MS; -1 waits forever (only for tests:
	 * a server that stops answering but keeps the socket open would then
	 * block the caller for good). */
	int timeout_ms;
};

#define GF_CLIENT_DEFAULT_MSIZE	     (1024 * 1024 + GF_IOHDR_WRITE)
#define GF_CLIENT_DEFAULT_TIMEOUT_MS 60000

/* Takes over sock_fd, a connected AF_UNIX SOCK_STREAM socket to a gofer
 * (always: on failure it is closed), and negotiates the version with
 * Tversion. opts may be NULL for the defaults. On success *out is a client
 * to free with gf_client_free. Fails with -EPROTONOSUPPORT if the server does
 * not speak 9P2000.L, -ENOMEM, or a transport error. */
int gf_client_new(int sock_fd, const struct gf_client_opts *opts,
		  struct gf_client **out);

/* Closes the connection (the server then releases every fid) and frees
 * the client. NULL is fine. Host fds already handed out stay open. */
void gf_client_free(struct gf_client *c);

/* The negotiated maximum message size. */
uint32_t gf_client_msize(const struct gf_client *c);

/* Tattach: a fid for the root of the attach point aname ("/" or "" for the
 * container's root file system, else the destination path of a bind mount
 * as given to `runsc gofer --mount`). uid is the n_uname the server records
 * as the owner of files created through this tree. On success *fid is the
 * new fid and *qid (if not NULL) the root's qid. -ENOENT for an unknown
 * aname; -ENAMETOOLONG (nothing sent) for one longer than a 9P string's
 * 65535 bytes. */
int gf_attach(struct gf_client *c, const char *aname, uint32_t uid,
	      uint32_t *fid, struct gf_qid *qid);

/* Twalk from fid through nwname names (0 <= nwname <= GF_MAXWELEM), one
 * component each, never following symlinks: a symlink component is
 * returned as such (qid type GF_QTSYMLINK) and walking past it fails with
 * -ENOTDIR. nwname == 0 clones fid.
 *
 * Returns 0 when every name was walked: *newfid is a new fid for the last
 * one. Otherwise returns the errno of the first name that could not be
 * walked and allocates no fid. In both cases *nwqid (if not NULL) is the
 * number of names walked, and qids (if not NULL, room for nwname entries)
 * holds their qids, so a caller resolving symlinks itself can see where a
 * path stopped. */
int gf_walk(struct gf_client *c, uint32_t fid, unsigned nwname,
	    const char *const *names, uint32_t *newfid, struct gf_qid *qids,
	    unsigned *nwqid);

/* Tgetattr with GF_GETATTR_BASIC. */
int gf_getattr(struct gf_client *c, uint32_t fid, struct gf_attr *attr);

/* Tsetattr: changes what attr->valid says. A size change truncates. */
int gf_setattr(struct gf_client *c, uint32_t fid,
	       const struct gf_setattr *attr);

/* Tlopen: opens the file of fid with Linux open flags (O_ACCMODE, O_TRUNC,
 * O_APPEND, O_NONBLOCK, O_DIRECTORY, O_DSYNC, O_SYNC, O_NOATIME, O_DIRECT;
 * O_CREAT/O_EXCL are refused with -EINVAL, use gf_lcreate). After it, fid
 * is open: use it for gf_read, gf_write, gf_readdir, gf_fsync; it cannot be
 * walked from (9P: an open fid is an I/O handle) nor opened again.
 * *qid and *iounit may be NULL. *host_fd (may be NULL: any donated fd is
 * then closed) receives the donated fd, or -1 when the server donated none
 * (directories, or a server that does not donate). Symlinks fail with
 * -ELOOP, device nodes and sockets with -EPERM / -ENXIO. */
int gf_lopen(struct gf_client *c, uint32_t fid, uint32_t flags,
	     struct gf_qid *qid, uint32_t *iounit, int *host_fd);

/* Tlcreate: creates and opens name (O_CREAT | O_EXCL implied, symlinks at
 * name are never followed) in the directory of dfid with permission bits
 * mode and group gid, owned by the attach uid. On success dfid itself now
 * stands for the new, open file (9P semantics): walk a clone first to keep
 * the directory. Donation as for gf_lopen. */
int gf_lcreate(struct gf_client *c, uint32_t dfid, const char *name,
	       uint32_t flags, uint32_t mode, uint32_t gid, struct gf_qid *qid,
	       uint32_t *iounit, int *host_fd);

/* Tread: reads up to len bytes at offset from an open fid, split in as many
 * requests as msize needs; stops early at end of file (a short reply).
 * Returns the byte count (0 at EOF) or a negative errno; if some bytes were
 * read before an error, returns their count. */
ssize_t gf_read(struct gf_client *c, uint32_t fid, uint64_t offset, void *buf,
		size_t len);

/* Twrite: writes len bytes at offset (chunked by msize); returns the count
 * written, short only if the server wrote short, or a negative errno when
 * nothing was written. */
ssize_t gf_write(struct gf_client *c, uint32_t fid, uint64_t offset,
		 const void *buf, size_t len);

/* Called once per directory entry of a Treaddir reply; d and d->name are
 * valid only during the call. Return 0 to go on, non-zero to stop (the
 * caller then resumes later from that entry's predecessor's offset). */
typedef int (*gf_dirent_fn)(void *arg, const struct gf_dirent *d);

/* One Treaddir on a directory fid opened with gf_lopen(O_RDONLY |
 * O_DIRECTORY): entries from cookie offset (0 = start), at most count bytes
 * of reply payload (0 = as many as msize allows). Entries include "." and
 * "..". Returns the number of entries delivered to fn, 0 at the end of the
 * directory, or a negative errno; -EPROTO (connection dead) for an entry
 * whose name is empty or holds '/' or NUL. */
int gf_readdir(struct gf_client *c, uint32_t fid, uint64_t offset,
	       uint32_t count, gf_dirent_fn fn, void *arg);

/* Treadlink: copies the target of the symlink of fid into buf, NUL-terminated.
 * Returns its length (without the NUL), or -ENAMETOOLONG if it does not fit
 * in len - 1 bytes, -EINVAL if fid is not a symlink, -EPROTO (connection
 * dead) for a target holding a NUL. */
int gf_readlink(struct gf_client *c, uint32_t fid, char *buf, size_t len);

/* Tmkdir / Tsymlink / Tmknod: create name in the directory of dfid, owned by
 * the attach uid and gid; *qid (may be NULL) is the new file's. mknod makes
 * only regular files (S_IFREG) and FIFOs (S_IFIFO): other types give -EPERM
 * (the Sentry provides devices itself). The symlink target is stored as
 * given and never followed by the server. */
int gf_mkdir(struct gf_client *c, uint32_t dfid, const char *name,
	     uint32_t mode, uint32_t gid, struct gf_qid *qid);
int gf_symlink(struct gf_client *c, uint32_t dfid, const char *name,
	       const char *target, uint32_t gid, struct gf_qid *qid);
int gf_mknod(struct gf_client *c, uint32_t dfid, const char *name,
	     uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid,
	     struct gf_qid *qid);

/* Tlink: a hard link name in the directory of dfid to the file of fid. */
int gf_link(struct gf_client *c, uint32_t dfid, uint32_t fid, const char *name);

/* Trenameat: renameat(2) between the directories of two fids of the same
 * attach point (-EXDEV across attach points). Fids that name the moved file
 * or what is below it keep working for I/O and getattr; walking ".." from
 * them or removing them by fid may then fail with -ENOENT (the server
 * remembers paths, as diod does). */
int gf_renameat(struct gf_client *c, uint32_t olddfid, const char *oldname,
		uint32_t newdfid, const char *newname);

/* Tunlinkat: unlinkat(2) of name in the directory of dfid; flags 0 or
 * AT_REMOVEDIR. */
int gf_unlinkat(struct gf_client *c, uint32_t dfid, const char *name,
		uint32_t flags);

/* Tremove: removes the file of fid and clunks fid (even on failure). */
int gf_remove(struct gf_client *c, uint32_t fid);

/* Tstatfs of the file system holding fid. */
int gf_statfs(struct gf_client *c, uint32_t fid, struct gf_statfs *st);

/* Tfsync of an open fid (datasync != 0: fdatasync). */
int gf_fsync(struct gf_client *c, uint32_t fid, int datasync);

/* Tclunk: releases fid (closes the server's fds for it). The fid number is
 * free for reuse afterwards even if the server answered with an error. */
int gf_clunk(struct gf_client *c, uint32_t fid);

#endif
