/* AF_INET/AF_INET6 over host sockets (--network=host). Interim: refused
 * until the host socket files land. */
#include <errno.h>

#include "net/sock.h"

int sn_hostinet_socket(struct sn_task *t, int domain, int type, int protocol,
		       int flags, struct sn_file **out)
{
	(void)t;
	(void)domain;
	(void)type;
	(void)protocol;
	(void)flags;
	(void)out;
	return -EAFNOSUPPORT;
}

int sn_hostinet_netlink_socket(struct sn_task *t, int type, int protocol,
			       int flags, struct sn_file **out)
{
	(void)t;
	(void)type;
	(void)protocol;
	(void)flags;
	(void)out;
	return -EAFNOSUPPORT;
}

long sn_hostinet_netdev_ioctl(struct sn_task *t, unsigned long cmd,
			      uint64_t arg)
{
	(void)t;
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}

int sn_hostinet_proc_net(struct sn_kernel *k, const char *name, char **data,
			 size_t *len)
{
	(void)k;
	(void)name;
	(void)data;
	(void)len;
	return -ENOENT;
}
