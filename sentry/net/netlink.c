/* AF_NETLINK sockets. Interim: refused until NETLINK_ROUTE lands. */
#include <errno.h>

#include "net/sock.h"

int sn_netlink_socket(struct sn_task *t, int type, int protocol, int flags,
		      struct sn_file **out)
{
	(void)t;
	(void)type;
	(void)protocol;
	(void)flags;
	(void)out;
	return -EAFNOSUPPORT;
}
