/* The sandbox's network as files: /proc/net/NAME (and /proc/PID/net,
 * the same) generated from the netstack, and the /proc/sys/net knobs it
 * keeps, in Linux's formats. Private to libsentry; procfs (fs/procfs.c)
 * serves them, sock_diag (net/sockdiag.c) shares the socket snapshot. */
#ifndef SENTRY_NET_PROCNET_H
#define SENTRY_NET_PROCNET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kernel/kernel.h"
#include "netstack/socket.h"
#include "netstack/tcp_info.h"

/* The files of /proc/net, NULL-terminated. */
extern const char *const sn_procnet_files[];

/* The content of /proc/net/NAME in a malloc'd *data of *len bytes. With
 * --network=host the host's file (sn_hostinet_proc_net). Returns 0 or
 * -ENOENT for a name that is not a file of /proc/net. */
int sn_procnet_read(struct sn_kernel *k, const char *name, char **data,
		    size_t *len);

/* One socket of the stack with what /proc/net and sock_diag show. */
struct sn_sock_snap {
	struct ns_socket_info info;
	uint64_t ino; /* 0: no file holds it */
	uid_t uid;
	bool has_tcp; /* tcp and cong are valid */
	struct ns_tcp_info tcp;
	char cong[16];
	int rcvbuf, sndbuf;
};

/* Every socket of the stack (listeners first, as Linux lists them), in a
 * malloc'd array. Returns the count or -ENOMEM. */
int sn_net_socks(struct sn_kernel *k, struct sn_sock_snap **out);

/* /proc/sys/net: the files below /proc/sys ("net/ipv4/tcp_rmem", ...),
 * NULL-terminated, that the sandbox's stack answers. */
extern const char *const sn_sysctl_net_files[];
/* Whether rel (below /proc/sys) is one of them, and whether it can be
 * written. */
bool sn_sysctl_net_exists(struct sn_kernel *k, const char *rel, bool *writable);
/* Calls fn with each device name of net/ipv6/conf: all, default and the
 * stack's NICs. */
void sn_sysctl_net_foreach_dev(struct sn_kernel *k,
			       void (*fn)(void *arg, const char *dev),
			       void *arg);
/* The value as Linux prints it (malloc'd, with the newline). */
int sn_sysctl_net_read(struct sn_kernel *k, const char *rel, char **data,
		       size_t *len);
/* A write of buf (len bytes, at offset 0) to the file, with Linux's
 * parsing (proc_dointvec_minmax and friends). Returns the bytes taken or
 * a negative errno: -EPERM without CAP_NET_ADMIN, -EINVAL for a bad
 * value. */
ssize_t sn_sysctl_net_write(struct sn_task *t, const char *rel, const char *buf,
			    size_t len);
/* The same write on the sandbox's behalf (an OCI config's linux.sysctl),
 * without a process's capability check. */
ssize_t sn_sysctl_net_set(struct sn_kernel *k, const char *rel,
			  const char *buf, size_t len);

#endif
