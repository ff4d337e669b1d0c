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
