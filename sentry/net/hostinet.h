/* --network=host (gVisor's "hostinet"): socket files over host sockets the
 * Sentry holds in the host's network namespace. Private to libsentry:
 * net/hostinet.c (AF_INET, AF_INET6), net/hostinet_netlink.c
 * (NETLINK_ROUTE, interface ioctls, /proc/net), net/hostinet_policy.c
 * (what may reach the host) and kernel/confine.c (the seccomp rules
 * derived from the same policy).
 *
 * The application never holds a host fd: every host socket lives in the
 * Sentry, is non-blocking and close-on-exec, and is reached only through
 * the checks of this module. Data, addresses, option values and control
 * messages are copies in Sentry memory; no application pointer reaches
 * the host.
 */
#ifndef SENTRY_NET_HOSTINET_H
#define SENTRY_NET_HOSTINET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/sock.h"

/* Largest payload one host send or receive moves through the Sentry's
 * bounce buffer. A stream call moves at most this much and returns a
 * short count (the syscall layer goes on for a blocking caller); a
 * datagram larger than this is EMSGSIZE (UDP and ICMP carry at most
 * 65535 bytes anyway). */
#define SN_HI_IOBUF_SIZE (256u << 10)

/* The bounce buffer, SN_HI_IOBUF_SIZE bytes (the Sentry is one thread;
 * the buffer is never held across calls). NULL when out of memory. */
uint8_t *sn_hi_iobuf(void);

/* ---- policy (net/hostinet_policy.c) --------------------------------------- */

/* Host socket kinds an option or rule applies to. */
enum {
	SN_HI_INET = 1,	   /* AF_INET and AF_INET6 */
	SN_HI_NETLINK = 2, /* AF_NETLINK NETLINK_ROUTE */
};

enum {
	SN_HI_GET = 1,
	SN_HI_SET = 2,
};

/* An option that passes to the host socket (after the checks of
 * sn_hi_setsockopt_check for setsockopt). */
struct sn_hi_opt {
	int level;
	int name;
	uint8_t dirs;  /* SN_HI_GET | SN_HI_SET */
	uint8_t kinds; /* SN_HI_INET | SN_HI_NETLINK */
};

extern const struct sn_hi_opt sn_hi_opts[];
extern const size_t sn_hi_nopts;

/* Whether getsockopt (dir SN_HI_GET) or setsockopt (SN_HI_SET) of
 * level/name may reach a host socket of kind. */
bool sn_hi_opt_allowed(unsigned kind, int level, int name, unsigned dir);

/* setsockopt: 0 when the option may pass to the host, else the negative
 * errno Linux gives an unprivileged caller (or ENOPROTOOPT for an option
 * the sandbox does not offer). *denied is set when the refusal protects
 * the host or other host sockets (counted in the run's stats). val may be
 * NULL (unreadable application memory). */
int sn_hi_setsockopt_check(unsigned kind, int level, int name, const void *val,
			   socklen_t len, bool *denied);

/* Copies the control messages of a send (in, inlen bytes of struct
 * cmsghdr records from the application) that may reach the host into
 * out (outcap >= inlen). Returns the bytes written or a negative errno
 * (Linux's for the message it refuses); *denied as above. */
ssize_t sn_hi_send_cmsgs(unsigned kind, int family, const void *in,
			 size_t inlen, void *out, size_t outcap, bool *denied);

/* Copies the control messages the host produced (in, inlen bytes) that
 * the application may see into out (outcap >= inlen). Returns the bytes
 * written. */
size_t sn_hi_recv_cmsgs(unsigned kind, const void *in, size_t inlen, void *out,
			size_t outcap);

/* ---- the host socket behind a file ----------------------------------------- */

struct sn_hi_reply;

struct sn_hsock {
	int fd; /* host socket, O_NONBLOCK | O_CLOEXEC */
	unsigned kind;
	int domain, type, protocol; /* as the application asked */
	struct sn_file *file;
	bool watched;
	/* SO_RCVTIMEO / SO_SNDTIMEO in ns (0: none): kept here because the
	 * host socket never blocks (and on the host as well, so that
	 * getsockopt reads Linux's rounding). */
	uint64_t rcvtimeo, sndtimeo;
	/* SO_LINGER as the application set it; the host gets only an abortive
	 * linger (close() of a lingering host socket would block the Sentry). */
	bool linger_set;
	struct linger linger;
	/* NETLINK_ROUTE: replies the Sentry makes itself (the errors of
	 * refused requests), in order, delivered before host data queued
	 * after them; an error to report once (ENOBUFS when the queue
	 * overflowed, as Linux's netlink_overrun). */
	struct sn_hi_reply *replies, **replies_tail;
	unsigned nreplies;
	int pending_err;
	bool cap_ack; /* NETLINK_CAP_ACK */
};

/* Wraps host fd (consumed) in a new socket file; flags: O_NONBLOCK. The
 * fd is watched by the Sentry's event loop, its readiness waking the
 * file's queue. */
int sn_hi_file_new(struct sn_kernel *k, int fd, unsigned kind, int domain,
		   int type, int protocol, int flags,
		   const struct sn_file_ops *ops, struct sn_file **out);
/* Shared by both kinds of file. */
uint32_t sn_hi_poll(struct sn_file *f);
int sn_hi_stat(struct sn_file *f, struct stat *st);
void sn_hi_release_fd(struct sn_file *f);
uint64_t sn_hi_timeout(struct sn_file *f, bool send);
/* setsockopt and getsockopt on the host after the policy's checks, with
 * the Sentry's own timeouts and linger. */
int sn_hi_setsockopt(struct sn_file *f, struct sn_task *t, int level, int name,
		     const void *val, socklen_t len);
int sn_hi_getsockopt(struct sn_file *f, struct sn_task *t, int level, int name,
		     void *val, socklen_t *len);
int sn_hi_getname(struct sn_file *f, bool peer, struct sockaddr_storage *addr,
		  socklen_t *len);
/* read(2)/write(2) with Sentry buffers: the family's recvmsg/sendmsg. */
ssize_t sn_hi_read(struct sn_file *f, struct sn_task *t, void *buf, size_t len,
		   int64_t *off);
ssize_t sn_hi_write(struct sn_file *f, struct sn_task *t, const void *buf,
		    size_t len, int64_t *off);

/* Copies up to cap bytes of m's data (application memory) into buf.
 * Stops at the first iovec that cannot be read and sets *fault. */
size_t sn_hi_gather(const struct sn_sockmsg *m, uint8_t *buf, size_t cap,
		    bool *fault);
/* Copies len bytes of buf out to m's iovecs; returns the bytes written
 * before the first iovec that could not be written (*fault set). */
size_t sn_hi_scatter(const struct sn_sockmsg *m, const uint8_t *buf, size_t len,
		     bool *fault);
/* An ns_memio over Sentry memory, for the file read/write operations. */
extern const struct ns_memio sn_hi_local_memio;

#endif
