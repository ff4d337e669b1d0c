#include <errno.h>
#include "net/netlink.h"
int sn_sockdiag_rcv(struct nl_req *r)
{
	(void)r;
	return -EOPNOTSUPP;
}
