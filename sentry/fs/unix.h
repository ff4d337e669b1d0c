/* AF_UNIX sockets inside the Sentry (unix(7)): stream, datagram and
 * seqpacket; abstract and path names; SCM_RIGHTS and SCM_CREDENTIALS.
 * Used by syscalls/sys_socket.c. Errors are negative errno values; -EAGAIN
 * means the caller may park on the socket file's wait queue. */
#ifndef SENTRY_FS_UNIX_H
#define SENTRY_FS_UNIX_H

#include <sys/socket.h>
#include <sys/un.h>

#include "fs/fs.h"

/* Ancillary data of one message. Files are references owned by the
 * struct (sn_unix_anc_clear drops them). */
struct sn_unix_anc {
	struct sn_file **files;
	int nfiles;
	bool has_cred;
	struct ucred cred;
};

void sn_unix_anc_clear(struct sn_unix_anc *anc);

bool sn_file_is_unix(const struct sn_file *f);
/* The socket-family operations of AF_UNIX (fs/unix_sock.c). */
extern const struct sn_sock_ops sn_unix_sock_ops;
int sn_unix_socket(struct sn_kernel *k, int type, int flags,
		   struct sn_file **out);
int sn_unix_pair(struct sn_task *t, int type, int flags, struct sn_file **a,
		 struct sn_file **b);
/* addr/len as the application gave them (already copied in). */
int sn_unix_bind(struct sn_task *t, struct sn_file *f,
		 const struct sockaddr_un *addr, socklen_t len);
int sn_unix_listen(struct sn_task *t, struct sn_file *f, int backlog);
/* -EAGAIN when the listener's backlog is full; *full (if not NULL) is
 * then the queue to wait on. */
int sn_unix_connect(struct sn_task *t, struct sn_file *f,
		    const struct sockaddr_un *addr, socklen_t len,
		    struct sn_waitq **full);
/* Returns a new file for the next pending connection. */
int sn_unix_accept(struct sn_task *t, struct sn_file *f, int flags,
		   struct sn_file **out, struct sockaddr_un *peer,
		   socklen_t *peerlen);
/* Sends len bytes (to addr for an unconnected datagram socket); anc is
 * consumed on success. Returns the bytes sent. -EPIPE: the caller raises
 * SIGPIPE unless MSG_NOSIGNAL. */
ssize_t sn_unix_send(struct sn_task *t, struct sn_file *f, const void *buf,
		     size_t len, const struct sockaddr_un *addr,
		     socklen_t addrlen, struct sn_unix_anc *anc);
/* Receives into buf; *msg_flags gets MSG_TRUNC etc.; from/anc are filled
 * when given (anc files become the caller's references). */
ssize_t sn_unix_recv(struct sn_task *t, struct sn_file *f, void *buf,
		     size_t len, int flags, struct sockaddr_un *from,
		     socklen_t *fromlen, struct sn_unix_anc *anc,
		     int *msg_flags);
int sn_unix_shutdown(struct sn_file *f, int how);
int sn_unix_name(struct sn_file *f, bool peer, struct sockaddr_un *addr,
		 socklen_t *len);
int sn_unix_setsockopt(struct sn_file *f, int level, int name, const void *val,
		       socklen_t len);
int sn_unix_getsockopt(struct sn_file *f, int level, int name, void *val,
		       socklen_t *len);

/* What /proc/net/unix shows of a socket. */
struct sn_unix_info {
	int type; /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	bool listening, connected;
	uint64_t ino; /* 0 for a connection not accepted yet */
	char path[108];
	size_t pathlen; /* bytes of path; path[0] == 0: abstract */
};

/* Calls fn for every AF_UNIX socket of the sandbox. */
void sn_unix_foreach(struct sn_kernel *k,
		     void (*fn)(void *arg, const struct sn_unix_info *info),
		     void *arg);

#endif
