/* The 9P2000.L file server: serves directory trees ("exports") over one
 * connection, donating the host fd of every opened regular file or FIFO
 * with SCM_RIGHTS next to Rlopen / Rlcreate.
 *
 * How `runsc gofer` runs it (runsc/cmd_gofer.c; `runsc do` and `runsc
 * create` fork+exec this):
 *
 *   runsc [global flags] gofer --rootfs DIR --sock-fd N [--ro]
 *                              [--mount DEST=SOURCE[:ro|:rw]]...
 *
 *   --rootfs DIR     the container's root file system, attach name "/"
 *                    ("/" itself is allowed: only the root file system's own
 *                    mount is served, never what is mounted on it, so the
 *                    host's /proc, /sys, /dev and other mounts are not
 *                    reachable; they appear as empty directories)
 *   --sock-fd N      an inherited, connected AF_UNIX SOCK_STREAM socket;
 *                    the gofer serves exactly this one connection
 *   --ro             the root file system is read-only (every mutation,
 *                    and any open for writing, fails with EROFS)
 *   --mount DEST=SOURCE[:ro]
 *                    (repeatable) serve host directory SOURCE as a further
 *                    attach point named DEST (the absolute destination in
 *                    the container, e.g. /data); ":ro" makes it read-only.
 *                    As for the rootfs, mounts below SOURCE are not served.
 *                    SOURCE may be a regular file (/etc/resolv.conf): its
 *                    attach fid is then the file itself.
 *
 * The gofer then confines itself (gofer/confine.h: own mount namespace,
 * pivot_root into the rootfs, capabilities cut to file-ownership ones,
 * a seccomp filter), serves until the peer closes the socket, and exits 0;
 * it exits 1 with one line on stderr for a bad flag or a failed set-up, and
 * 2 if the connection ended otherwise than by EOF (a protocol violation, a
 * failed read or write). Global --debug /
 * --debug-log enable its log lines (component "gofer").
 *
 * Protocol behaviour the client can rely on is documented in
 * gofer/client.h; limits are here.
 */
#ifndef GOFER_SERVER_H
#define GOFER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runsc/error.h"

/* Largest msize the server accepts by default (a Tversion asking for more
 * gets this), and the default number of fids one connection may hold. */
#define GF_SERVER_DEFAULT_MSIZE	   (1024 * 1024 + 64)
#define GF_SERVER_DEFAULT_MAX_FIDS 16384
/* The smallest msize the server agrees to (a Tversion below it fails). */
#define GF_SERVER_MIN_MSIZE 4096

/* One tree the server serves. */
struct gf_export {
	/* Attach name: "/" for the container's root file system ("" attaches
	 * to it too), else the destination path of a bind mount. */
	const char *name;
	/* Directory fd (O_PATH is enough) of the tree's root, or of a regular
	 * file for a single-file bind mount (its attach fid is the file).
	 * Borrowed: gf_server_new duplicates it. */
	int root_fd;
	bool readonly;
};

struct gf_server_config {
	const struct gf_export *exports; /* borrowed, copied by gf_server_new */
	size_t nexports;
	uint32_t max_msize; /* 0: GF_SERVER_DEFAULT_MSIZE */
	uint32_t max_fids;  /* per connection; 0: GF_SERVER_DEFAULT_MAX_FIDS */
	/* An fd of the directory /proc/self/fd (O_PATH is enough), used to
	 * reopen a walked file with new flags (as gVisor's gofer does).
	 * Borrowed and duplicated; -1 makes gf_server_new open it, which a
	 * confined gofer cannot do after pivot_root (gofer/confine.h opens
	 * it before). */
	int proc_self_fd;
};

/* Counters of one server, across its connections. Tests assert on them. */
struct gf_server_stats {
	uint64_t requests;	  /* well-framed requests handled */
	uint64_t errors;	  /* Rlerror replies */
	uint64_t malformed;	  /* requests that did not parse (EINVAL) */
	uint64_t unknown_type;	  /* requests of a type not served */
	uint64_t bad_names;	  /* names with '/', NUL, ".", "..", empty */
	uint64_t escapes_refused; /* walks/opens stopped at the tree's edge:
				     symlink, magic link, mount crossing */
	uint64_t fid_limit;	  /* requests refused at max_fids */
	uint64_t fds_donated;	  /* host fds sent with SCM_RIGHTS */
	uint64_t conns_dropped;	  /* connections closed for bad framing */
};

struct gf_server;

/* Builds a server for cfg. Returns 0 and *out, or a negative errno with
 * *err naming the problem (no exports, an export that is neither a
 * directory nor a regular file, a duplicate name, /proc/self/fd not
 * openable). Does not block. Files and directories are created with the
 * modes asked for under the process's umask: `runsc gofer` sets it to 0. */
int gf_server_new(const struct gf_server_config *cfg, struct gf_server **out,
		  struct rs_error **err);

/* Frees the server; its connections must be finished. NULL is fine. */
void gf_server_free(struct gf_server *s);

/* Serves one connection until the peer closes it, then releases every fid
 * of it. Blocks (it reads and writes conn_fd in blocking mode); conn_fd is
 * borrowed and not closed. Returns 0 after an orderly EOF, -EPROTO when the
 * connection was dropped for bad framing (a size field below the header
 * size or above msize), or the negative errno of a failed read or write.
 * A malformed but well-framed request only gets an Rlerror. Requests are
 * answered in order, so Tflush always finds its request already answered
 * and gets Rflush at once. */
int gf_server_serve(struct gf_server *s, int conn_fd);

/* Copies the counters. */
void gf_server_get_stats(const struct gf_server *s,
			 struct gf_server_stats *stats);

/* In-memory sessions: the dispatcher without a socket, for tests and the
 * fuzzer (gf_server_serve is a read/handle/send loop around these). A
 * session is one connection's state: negotiated msize and its fids. */
struct gf_session;

int gf_session_new(struct gf_server *s, struct gf_session **out);

/* Releases every fid of the session and frees it. NULL is fine. */
void gf_session_free(struct gf_session *sess);

/* The session's current msize: the largest request it accepts and the
 * largest reply it writes. */
uint32_t gf_session_msize(const struct gf_session *sess);

/* Handles one whole request of len bytes (header included; its size field
 * must equal len). Writes the reply to reply (cap bytes; cap >=
 * gf_session_msize() always suffices) and returns its length. *donate_fd is
 * set to the fd to send along with the reply, or -1; it stays owned by the
 * session (the sender passes it with SCM_RIGHTS, which duplicates it).
 * Returns -EPROTO when the request's framing is bad and the connection must
 * be closed (nothing is written then), -ENOBUFS if cap is too small. */
ssize_t gf_session_handle(struct gf_session *sess, const uint8_t *req,
			  size_t len, uint8_t *reply, size_t cap,
			  int *donate_fd);

#endif
